// Validation suites and `odonata check`: estimate every row of a suite, compare
// with what was measured, and decide whether estimation error is acceptable or
// has regressed against a baseline.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "odonata/platform.h"
#include "odonata/tensor.h"
#include "odonata/trust.h"

namespace odonata {

// One measured network (a row of data/validation/<platform>.csv). Columns:
//   model          path of the ONNX model (or ANNETTE graph .json), relative to the suite file's directory
//   platform       profile name, or a .json path relative to the suite file's directory
//   precision      fp32 | fp16 | int8
//   input_shape    "name=1x3x224x224" (';'-separated for several inputs), or empty for the model's own
//   measured_ms    the measured latency, ms
//   measures       what the figure covers: compute | e2e | layers_sum | model_run | ... (free text, documented
//                  per suite); "layers_sum" rows (a runtime's per-layer Total) are compared with the estimate's
//                  layer sum, without the platform's overhead_ms; all others with the total
//   split          calibration | validation (never fit or tune on validation rows)
//   source         provenance: file, repo@commit, row, or how it was measured here
// Optional: network (the measured network's own name, when it differs from the model file), note,
//   measured_power_w (mean power while measured_ms was measured, W) and measured_energy_mj (energy of one
//   inference, mJ; when only the power is given, energy = power x measured_ms). Rows with either are also
//   checked for energy: the estimate's energy_mj (layers only for layers_sum rows) against the measurement;
//   nms_compares (NAME=COUNT;...: a NonMaxSuppression's IoU comparisons, as --nms-compares).
struct ValidationRow {
  std::string model;
  std::string platform;
  Precision precision = Precision::kFp32;
  std::map<std::string, Shape> input_shapes;
  // Column nms_compares ("4138=152761597;..."): a NonMaxSuppression's IoU comparisons on the timed
  // feed by its output's name (LoadOptions::nms_compares), stated as the value-dependent sizes are.
  std::map<std::string, std::int64_t> nms_compares;
  double measured_ms = 0;
  std::string measures;
  bool calibration = false;
  std::string source;
  std::string network;
  std::string note;
  std::optional<double> measured_power_w;    // W
  std::optional<double> measured_energy_mj;  // mJ
  std::string origin;                        // "suite.csv:12"
  std::string directory;                     // the suite file's directory, for resolving model and platform
};

// The input_shape column's text: "a=1x3x8x8;b=1x4" (names sorted), "" when empty.
std::string FormatInputShapes(const std::map<std::string, Shape>& shapes);
// "NAME=COUNT;..." in name order: a row's nms_compares as the column writes it.
std::string FormatNmsCompares(const std::map<std::string, std::int64_t>& counts);

// Parse a suite; errors name the file, line and column ("v.csv:4: measured_ms: ...").
std::vector<ValidationRow> ReadValidationSuite(const std::string& path);

// Which rows of the suites to use.
enum class SuiteSplit { kValidation, kCalibration, kAll };
const char* SuiteSplitName(SuiteSplit split);  // "validation", "calibration", "all"
bool ParseSuiteSplit(const std::string& text, SuiteSplit* out);

// The rows in `split` of the suites at `paths`, in order. Throws Error
// "check: no validation rows in the suite(s)" when there are none.
std::vector<ValidationRow> ReadValidationSuites(const std::vector<std::string>& paths, SuiteSplit split);

struct CheckRow {
  ValidationRow row;
  double estimated_ms = 0;
  double error_pct = 0;  // 100 * (estimated - measured) / measured
  std::string error;     // non-empty when the row could not be estimated (model or platform failed to load)
  std::vector<std::string> failures;  // this row's entries of CheckResult::failures
  // Rows with a measured energy (or power): estimated energy, mJ, and its error, %.
  std::optional<double> measured_energy_mj;  // measured_energy_mj, else measured_power_w x measured_ms
  std::optional<double> estimated_energy_mj;
  std::optional<double> energy_error_pct;
  // The estimate's interval (Report::interval) scaled to estimated_ms (its
  // ratios applied to the figure compared, so also to layers_sum rows);
  // absent when the profile gives none.
  std::optional<double> interval_low_ms, interval_high_ms;
  double interval_level = 0;
  std::string platform_path;  // the profile file the row resolved to (without ":mode")
};

struct PlatformSummary {
  std::string platform;
  std::string split;  // "validation" or "calibration"
  std::int64_t rows = 0;
  double mape = 0;                    // mean absolute percentage error, %
  double max_abs_error = 0;           // %
  double within10 = 0;                // share of rows within +/-10%, %
  std::int64_t energy_rows = 0;       // rows with a measured energy
  double energy_mape = 0;             // %, over those rows
  std::int64_t interval_rows = 0;     // rows with an interval
  double coverage = 0;                // %, of those, the rows whose measurement is inside it
  std::vector<std::string> failures;  // this summary's entries of CheckResult::failures
};

struct CheckOptions {
  std::vector<std::string> search_path;   // for platform names (PlatformSearchPath)
  std::optional<double> max_mape;         // per platform and split, %
  std::optional<double> max_error;        // per row, %
  std::optional<double> max_energy_mape;  // per platform and split, over rows with a measured energy, %
  std::string baseline;                   // file written by --write-baseline; "" for none
  // Baseline regression allowed, in percentage points: a platform's MAPE (and energy MAPE) may
  // exceed the baseline's by this much, a row's |error| (and |energy error|) the baseline row's
  // by 5 times this.
  double regression_margin = 1.0;
  bool validation_only = true;  // tolerances and baseline apply to validation rows only
};

struct CheckResult {
  std::vector<CheckRow> rows;
  std::vector<PlatformSummary> summaries;
  std::vector<std::string> failures;  // each names model and platform (or platform) and the bound broken
  std::vector<std::string> notes;     // not failures: rows new since the baseline, baseline rows not run
  bool ok() const { return failures.empty(); }
  // The rows that could not be estimated (CheckRow::error): input errors, not estimation errors.
  std::vector<const CheckRow*> Unusable() const;
};

CheckResult RunCheck(const std::vector<ValidationRow>& rows, const CheckOptions& options);

// What `odonata check --write-validation` writes into one profile file
// (docs/platform-profile.md "Trust"), derived from a check of every row of
// its suites (calibration and validation): never typed by hand.
struct TrustUpdate {
  std::string platform;      // profile name
  std::string profile_path;  // the file to rewrite
  // From the calibration rows' ratios measured / estimated
  // (ConformalInterval at `level`); absent without calibration rows (the
  // profile's own interval, if any, is kept).
  std::optional<RatioInterval> interval;
  // From the validation rows: MAPE, count, within 10%, max |error|, coverage
  // of `interval` (else of the estimates' own interval, else absent).
  std::optional<Validation> validation;
};
struct TrustOptions {
  double level = 0.9;
  std::string date;                    // YYYY-MM-DD written as validation.date
  std::vector<std::string> suites;     // written as validation.suite (joined with ", ")
  std::string tool = "odonata check --write-validation";
};
// One update per profile file that rows resolved to, in order of first
// appearance. Rows that could not be estimated are left out. Percentages are
// rounded to 0.01, interval ratios to 4 significant digits; `suite` names the
// suites (of options.suites) the profile's rows came from.
std::vector<TrustUpdate> DeriveTrust(const CheckResult& all_rows, const TrustOptions& options);
// The profile at `update.profile_path` with `interval` (when derived) and
// `validation` set, as PlatformJson text.
std::string ApplyTrust(const TrustUpdate& update);

}  // namespace odonata
