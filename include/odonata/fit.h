// Fitting per-op-class latency models to measurements. Pure and deterministic:
// the same rows give the same models, bit for bit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "odonata/layer.h"
#include "odonata/measurements.h"
#include "odonata/platform.h"

namespace odonata {

// Step/linear fitting of one dimension (Blackthorn): t(x) = a + floor((x-1)/s) * b,
// or t(x) = a + b * x. The step width s is searched, not assumed.
struct Fit1D {
  bool linear = false;
  std::int64_t step = 0;  // s, when !linear
  double a = 0, b = 0;
  double rmse = 0;        // ms, on the rows fitted
};
// xs, ts: the varied dimension and the measured ms. Steps tried: 2..max_step.
// A step model is chosen only when it beats the linear one clearly (by the
// information criterion documented in src/fit/step_linear.cc).
Fit1D FitStepLinear1D(const std::vector<double>& xs, const std::vector<double>& ts, std::int64_t max_step = 64);

// Least squares (Eigen) of a sum-of-terms model (platform.h FittedModel) with
// fixed factors: only the coefficients are solved. Returns the coefficients.
std::vector<double> SolveCoefficients(const std::vector<FittedTerm>& terms, const std::vector<Layer>& layers,
                                      const std::vector<double>& ms);

// Search and fit a step/linear model over the given dimensions (one or two
// LayerDim names): the research's composed form
//   f = c0 + q1*c1 + q2*(c2 + q1*c3),  q_i = floor((x_i - 1) / s_i)   (or x_i when linear)
// optionally multiplied, term by term except c0, by `work` (a LayerDim name such
// as "spatial" for the size of the remaining dimensions; "" for none).
FittedModel FitStepLinear(const std::vector<Layer>& layers, const std::vector<double>& ms,
                          const std::vector<std::string>& dims, const std::string& work, std::int64_t max_step = 64);

// Refined-roofline parameters from rows of one op class: effective compute and
// memory throughput (ANNETTE: max ops/t and bytes/t) and per-dimension
// parallelism p and alpha. Returns a ClassModel with estimator "refined_roofline"
// whose efficiencies are relative to `spec`.
ClassModel FitRefinedRoofline(const std::vector<Layer>& layers, const std::vector<double>& ms,
                              const PrecisionSpec& spec, Precision precision, const std::vector<std::string>& dims);

// Error statistics of predictions against measurements.
struct FitStats {
  std::int64_t rows = 0;
  double r2 = 0;
  double mape = 0;     // mean absolute percentage error, %
  double cv_mape = 0;  // k-fold cross-validated MAPE, %
  std::int64_t folds = 0;
};

// Per op class: candidates (step/linear variants, refined roofline, roofline)
// compared by k-fold cross-validated MAPE (folds assigned deterministically);
// the winner is written into `base` (classes[cls]) with its statistics and a
// source naming `provenance`. Measurements of ops whose class cannot be fitted
// (fewer than 4 rows) are reported, not fitted.
struct ClassFit {
  OpClass op_class = OpClass::kUnknown;
  Precision precision = Precision::kFp32;
  std::string chosen;  // estimator chosen
  FitStats stats;
  std::vector<std::pair<std::string, FitStats>> candidates;  // name -> stats, in trial order
  std::vector<double> measured, predicted;                   // of the chosen model, row order
  std::vector<std::string> origins;
};
struct FitReport {
  Platform platform;                // base with the fitted class models
  std::vector<ClassFit> classes;    // in OpClass order
  std::vector<std::string> warnings;
};
FitReport FitPlatform(const std::vector<Measurement>& rows, const Platform& base, const std::string& provenance,
                      int folds = 5);

}  // namespace odonata
