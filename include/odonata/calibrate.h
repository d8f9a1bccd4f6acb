// Platform-level calibration against whole-network measurements: a time scale
// for all layers and the per-inference overhead, fitted on a suite's
// declared calibration rows only (never on validation rows).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "odonata/check.h"
#include "odonata/platform.h"

namespace odonata {

struct Calibration {
  double scale = 1.0;      // every layer's time is multiplied by this
  double overhead_ms = 0;  // per inference
  bool overhead_fitted = false;
  std::vector<std::string> rows;  // origins of the rows used
  double mape_before = 0;         // % on those rows, with the profile as given
  double mape_after = 0;          // % with the calibration applied
};

// Fit `scale` and (when `fit_overhead`) `overhead_ms` minimising the squared
// relative error of scale * layers_ms + overhead_ms against measured_ms over
// `rows` (which must all be of `platform`; rows measuring `layers_sum` are
// compared without overhead). The overhead is kept >= 0: when the fit wants it
// negative, it is 0 and the scale alone is fitted. Throws Error without rows.
Calibration CalibratePlatform(const std::vector<ValidationRow>& rows, const Platform& platform, bool fit_overhead);

// `platform` with the calibration applied: every class's compute and memory
// efficiencies divided by the scale (capped at 1, with a warning in `notes`),
// fitted step/linear coefficients multiplied by it, the overhead replaced
// when fitted. `source` says where the numbers come from.
Platform ApplyCalibration(const Platform& platform, const Calibration& c, const std::string& source);

// The calibration rows of `platform` (its name) among `rows`, those measuring
// `measures` when given. Throws Error when there are none, and a usage Error
// when they (apart from layers_sum rows) measure different things: one scale
// and overhead cannot fit compute-only and end-to-end times at once.
std::vector<ValidationRow> SelectCalibrationRows(const std::vector<ValidationRow>& rows, const std::string& platform,
                                                 const std::optional<std::string>& measures);

// One line for people: "12 calibration rows, layer times x1.052, overhead
// 1.234 ms, MAPE 18.40% -> 3.07%" (fixed decimals: a perfect fit is 0.00%,
// not 2.38437e-14%).
std::string CalibrationSummary(const Calibration& c);

struct CalibrateOptions {
  std::optional<std::string> measures;  // use only rows measuring this ("compute")
  bool fit_overhead = true;             // false: keep the profile's overhead, fit the scale only
};

struct SuiteCalibration {
  Calibration calibration;
  Platform platform;  // the calibrated profile (ApplyCalibration)
};

// `odonata calibrate`: read the suites, select the platform's calibration rows
// (SelectCalibrationRows), fit (CalibratePlatform) and apply with the source
// "calibrated by odonata <version> on the N calibration rows of <suites>".
SuiteCalibration CalibrateFromSuites(const std::vector<std::string>& suites, const Platform& platform,
                                     const CalibrateOptions& options = {});

}  // namespace odonata
