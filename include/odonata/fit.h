// Fitting per-op-class latency models to measurements. Pure and deterministic:
// the same rows give the same models, bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  double rmse = 0;  // ms, on the rows fitted
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
// whose efficiencies are relative to `spec`. With `kernel_shapes`, also a
// compute-roof scale for each of those kernel shapes (ClassModel::kernel_terms;
// 1 where the rows have no layer of the shape), fitted jointly with the compute
// roof.
ClassModel FitRefinedRoofline(const std::vector<Layer>& layers, const std::vector<double>& ms,
                              const PrecisionSpec& spec, Precision precision, const std::vector<std::string>& dims,
                              const std::vector<KernelShape>& kernel_shapes = {});
// The same with the base profile's kernel terms as templates: their shapes are
// refitted, and a split term (KernelShape::kSplit) keeps its buffer, whose
// overflow decides which rows are its (KernelShapeOf(layer, terms, bytes)).
ClassModel FitRefinedRoofline(const std::vector<Layer>& layers, const std::vector<double>& ms,
                              const PrecisionSpec& spec, Precision precision, const std::vector<std::string>& dims,
                              const std::vector<KernelTerm>& kernel_terms);

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
  std::optional<WarmModel> warm;  // the class's warm model, from the rows with warm_ms
};

// Power fitting (src/fit/power_fit.cc): rows with `power_w` and/or `energy_mj`.
// A row's energy E (mJ) is energy_mj, else power_w x latency_ms; with both, they
// must agree within kPowerConsistencyPct or FitPower throws an Error naming the
// row ("m.csv:7: ..."). Per (op class, precision), the active power is the
// time-weighted mean power sum(E) / sum(latency_ms) (W): the value for which the
// fitted rows' predicted energies add up to their measured total, as a
// network's layer energies add up to its energy. (Least squares of E on t
// through the origin would weight each row by t^2, letting the longest layers
// decide.) A group with fewer than kMinPowerRows rows is reported, not written.
constexpr double kPowerConsistencyPct = 5.0;
constexpr std::size_t kMinPowerRows = 3;

struct PowerClassFit {
  OpClass op_class = OpClass::kUnknown;
  Precision precision = Precision::kFp32;
  std::int64_t rows = 0;
  double active_w = 0;          // sum(E) / sum(t), W
  double min_w = 0, max_w = 0;  // per-row mean power E / t, W
  double power_rmse_w = 0;      // RMS of (E/t - active_w) over the rows, W
  double energy_mape = 0;       // %, of active_w x t against E
  bool written = false;         // false: too few rows, or another precision's group decided the class
  std::string note;             // why not written
  std::vector<double> measured_mj, predicted_mj;
  std::vector<std::string> origins;
};

struct PowerFit {
  std::vector<PowerClassFit> classes;  // in (OpClass, Precision) order
  std::int64_t rows = 0;               // rows with power or energy
  std::int64_t rows_without = 0;       // rows without: ignored for power
  // idle_w: the median of the rows' `idle_power_w` column (an extra column, W,
  // as QuTiBench records idle power next to each run), when any row has one.
  // Layer rows measure layers running; they say nothing about idle power.
  std::int64_t idle_rows = 0;
  double idle_w = 0;
};

// Fit the power model of `rows` and write it into `platform`: the class models'
// active_w (a class not yet listed gets a copy of its current model) and, when
// rows carry idle_power_w, power.idle_w; sources name `provenance` with the rows
// and residual statistics. Classes without enough rows keep their value.
// Rows skipped for latency (precision not in the platform, impossible layers)
// are skipped here too. Throws Error for inconsistent power_w / energy_mj and
// for an idle_power_w that is not a number >= 0.
PowerFit FitPower(const std::vector<Measurement>& rows, Platform& platform, const std::string& provenance,
                  std::vector<std::string>& warnings);

// A runtime's per-call and per-node cost from chains of N cheap nodes timed
// whole (`tools/ort/dispatch.js --chains`: rows of kind "chain" with op,
// executed_nodes and run_ms, the unprofiled session.run median). Per op a
// line run_ms = per_call + per_node x executed_nodes over its chains by
// Siegel's repeated median (one slow timing does not move it), the intercept
// the median residual; the profile takes the medians over the ops (the ops' kernels are tens
// of nanoseconds, so the slope is the dispatch of one node).
struct DispatchOpFit {
  std::string op;
  int chains = 0;  // rows (distinct or repeated node counts)
  std::int64_t min_nodes = 0, max_nodes = 0;
  double per_call_ms = 0;  // the intercept
  double per_node_ms = 0;  // the slope
};
struct DispatchFit {
  std::vector<DispatchOpFit> ops;  // by op name
  double per_call_ms = 0;          // median of the ops' intercepts
  double per_node_ms = 0;          // median of the ops' slopes, >= 0
  std::string Describe() const;    // "Relu 0.27 us/node (1-400, 9.2 us/call), ...; median ..."
};
// Throws Error naming `origin` and the line for a malformed file, a missing
// column, no chain rows, or an op whose chains do not span two node counts.
DispatchFit FitDispatch(std::string_view csv_text, const std::string& origin);

// --- Cache state (docs/host-cost-model.md "Cache state") ---------------------

// A row's `warm_ms` column (tools/ort/run.js: the layer timed back to back
// without the cache flush of its cold latency_ms): nullopt when the column is
// absent or empty; Error naming the row ("m.csv:7: warm_ms: ...") for a value
// that is not a positive number.
std::optional<double> WarmMs(const Measurement& row);

// A class's WarmModel from rows with both timings: `bytes` moved (input +
// output + weights at the precision), cold ms (latency_ms) and warm ms.
// Least squares of ln(warm / cold) on [1, ln bytes, ln cold] (Eigen); mape of
// warm predicted as cold x Factor on the rows, cv_mape the same with each row
// predicted by the model fitted without its fold (`folds` folds, as the class
// fits assign them), cold_mape of cold taken for warm. Deterministic. Throws
// Error with fewer than kMinFitRows rows or a non-positive value.
WarmModel FitWarmModel(const std::vector<double>& bytes, const std::vector<double>& cold_ms,
                       const std::vector<double>& warm_ms, Precision precision, int folds, const std::string& source);
// The same with each row's kernel area (kernel_h x kernel_w, 1 without a window; issue 12, helper
// mobile, declared 2026-12-07 20:02 UTC before it was scored): when the rows have more than one area,
// the form with ln(area) as a fourth regressor is also fitted and cross-validated on the same folds
// (plain_cv_mape, kernel_cv_mape), and adopted (c_kernel, kernel_range, and its mape and cv_mape) only
// if its CV is at most kKernelTermGain x the plain form's, i.e. at least 10% (relative) lower.
inline constexpr double kKernelTermGain = 0.9;
WarmModel FitWarmModel(const std::vector<double>& bytes, const std::vector<double>& cold_ms,
                       const std::vector<double>& warm_ms, const std::vector<double>& kernel_area,
                       Precision precision, int folds, const std::string& source);

// The cache capacity from a probe (`odonata fit --cache-probe`): rows of one
// op (tools/ort/calibrate.sh: Gemm rows of growing weights, 1 to 64 MiB),
// each timed cold (latency_ms) and warm (warm_ms). Per row r = cold / warm.
// Sorted by weight bytes (Counts::param_bytes), r_ref is the smaller row's r of
// the two smallest... precisely: r_ref = r of the smallest row; the threshold
// is 1 + (r_ref - 1) / 2; the capacity is the geometric mean of the weights of
// the last row before the first two consecutive rows below the threshold and
// of the first of them (the largest row's weights when none fall below: then
// `at_least`); 0 when r_ref < kMinWarmGain (no row ran faster warm).
constexpr double kMinWarmGain = 1.1;
struct CacheProbeRow {
  std::string origin;
  std::int64_t weight_bytes = 0;
  double cold_ms = 0, warm_ms = 0;
};
struct CacheProbeFit {
  std::vector<CacheProbeRow> rows;  // by weight_bytes
  double threshold = 0;             // on cold / warm
  bool at_least = false;
  CacheCapacity capacity;
};
// Throws Error naming the row for a row without warm_ms, and with fewer than 3 rows.
CacheProbeFit FitCacheCapacity(const std::vector<Measurement>& rows, const std::string& provenance);

// The partial cache state (`odonata fit --cache-chains`, CacheShare): networks
// timed whole, warm (back to back) and cold (caches flushed before every run)
// by tools/ort/cache_state.js, each estimated at both ends with the profile
// being fitted. Per row g = 1 - warm_est_ms / cold_est_ms, the estimate's
// relative warm saving, and m = warm_ms / cold_ms, the measured ratio.
// h(w) = 1 / (1 + (w / half_bytes)^slope) is fitted by least squares of
// ln(1 - h g) against ln m over ln half_bytes and ln slope: a coarse grid, then
// three finer grids around the best point (deterministic; no start value).
// mape: warm_ms predicted as cold_ms x (1 - h g); cv_mape: the same, each row
// predicted by the fit without it (leave one out); cold_mape h = 0, warm_mape h = 1.
struct CacheChainRow {
  std::string model;  // as the CSV names it
  std::int64_t weight_bytes = 0;  // the network's weights as stored (Counts::param_bytes)
  std::int64_t activation_bytes = 0;  // ExecutedOutputBytes; 0: unknown (weights fitted alone)
  double cold_est_ms = 0, warm_est_ms = 0;  // the profile's estimates, --cache cold and warm
  // The estimate with the depthwise convolutions warm and every other class cold (the level form's
  // start with warm classes, CacheShare::warm_classes); 0: not computed (that form is not fitted).
  double dw_warm_est_ms = 0;
  // The estimate with the depthwise and the int8 convolutions (dwconv, conv_int8, dwconv_int8) warm and
  // every other class cold (run 27 on, the form "level, depthwise and int8 warm"); 0: not computed.
  double dwq_warm_est_ms = 0;
  double cold_ms = 0, warm_ms = 0;          // measured
  // The layer footprints (NetworkSizesOf; run 26 on): 0, unknown (max_layer and mean_layer are then
  // not fitted).
  std::int64_t max_layer_bytes = 0;
  double mean_layer_bytes = 0;
  // The peak of the live activations (PeakLiveBytes; run 28 on, helper smallnet): 0, unknown (weights+peak
  // is then not fitted).
  std::int64_t peak_bytes = 0;
  NetworkSizes Sizes() const {
    return {weight_bytes, activation_bytes, max_layer_bytes, mean_layer_bytes, peak_bytes};
  }
};
// Each size variable (CacheShare::size) is fitted so; the model keeps the one with
// the lowest cv_mape (ties: the first of kShareSizes, weights). Activations are
// tried only when every row has activation_bytes > 0.
// level_mape, level_cv_mape: the estimate at the candidate's h (est_cold - h (est_cold - est_warm), from
// the dw-warm estimate with warm classes) against warm_ms, in sample and leave one out.
struct CacheShareCandidate {
  ShareSize size = ShareSize::kWeights;
  double half_bytes = 0, slope = 0, mape = 0, cv_mape = 0;
  std::string criterion = "ratio";  // or "level"
  bool warm_dw = false;             // level only: the depthwise convolutions warm whatever h
  // level only (run 27 on; warm_dw is then true): the int8 convolutions (conv_int8, dwconv_int8) warm
  // whatever h too, as the depthwise are.
  bool warm_int8 = false;
  double level_mape = 0, level_cv_mape = 0;
  // The form "level, depthwise share" (run 26 on; warm_dw is then true): the depthwise convolutions'
  // own share h_dw in [0, 1], fitted with half_bytes and slope; absent: 1 (warm_dw) or h.
  std::optional<double> dw_share;
};
// The declared choice (docs/host-platform.md "Run 25: what changes"): the ratio form of the size with
// the lowest cv_mape (runs 19-24), unless the candidate with the lowest level_cv_mape of all
// (ratio, level, level with the depthwise convolutions warm; every size) is at least 10% below that
// ratio form's level_cv_mape: then that candidate.
// Run 26 (helper share, declared before scoring): that choice among the 9 candidates of run 25
// (ratio, level, level with the depthwise warm; weights, activations, both) is replaced by the
// candidate of the lowest level_cv_mape among all (those, max_layer and mean_layer, and the form
// "level, depthwise share") only if it is at least 10% below the first choice's level_cv_mape.
// Run 27 (helper int8net, declared before scoring): the form "level, depthwise and int8 warm" (5 sizes)
// joins that second step's candidates; it is fitted only when some row's int8 convolutions have a warm
// saving (dwq_warm_est_ms below dw_warm_est_ms), else it would equal "level, depthwise warm".
// Run 28 (helper smallnet, declared before scoring): the size weights+peak (every form) joins that second
// step's candidates when every row has peak_bytes; the rule itself unchanged.
struct CacheShareFit {
  std::vector<CacheChainRow> rows;  // by weight_bytes
  std::vector<double> share;        // h of each row, fitted (the chosen candidate)
  std::vector<CacheShareCandidate> candidates;        // the ratio forms, in kShareSizes order
  // level, level with warm_dw, level with the depthwise share (dw_share), then (when fitted) level with
  // the depthwise and int8 convolutions warm (warm_int8), each in kShareSizes order
  std::vector<CacheShareCandidate> level_candidates;
  CacheShare model;
};
// Throws Error with fewer than kMinFitRows rows, or naming the row with a
// value <= 0 or a warm estimate above the cold one.
CacheShareFit FitCacheShare(std::vector<CacheChainRow> rows, const std::string& provenance);
// The rows of a tools/ort/cache_state.js CSV (columns model, warm_ms, cold_ms;
// `#` lines skipped) with their models read from `models_dir` (a name
// without a directory) and estimated with `platform` (which needs warm class
// models), then FitCacheShare. Errors name the file and line.
CacheShareFit FitCacheChains(std::string_view csv_text, const std::string& origin, const std::string& models_dir,
                             const Platform& platform, const std::string& provenance);

// The int8 convolutions inside a network (CacheInt8; run 28 candidate, helper int8warm, declared
// 2026-12-07 23:18 UTC before any candidate was scored). Each int8 QDQ chain (tools/ort/int8_chains.py,
// timed warm and cold by cache_state.js) estimated with the profile as fitted, share included: rest_ms is
// its auto estimate without the int8 convolutions' own cost (their dispatch stays in it); int8_warm_ms the
// warm-end cost (one repeat) of each of its conv_int8 / dwconv_int8 layers (a repeated layer listed once per
// repeat); int8_current_ms their cost at the share h (the current treatment).
struct Int8ChainRow {
  std::string model;
  double warm_ms = 0, cold_ms = 0;  // measured
  double rest_ms = 0;
  double int8_current_ms = 0;
  std::vector<double> int8_warm_ms;
  // rest_ms + sum of scale x w^exponent (capped: of min(w, scale x w^exponent))
  double EstimateAt(double scale, double exponent, bool capped = false) const;
};
// Candidates, in this order: "current" (the share h; no parameter), "warm" (a = b = 1; none), "fitted" (a, b by
// least squares of ln(estimate) - ln(warm_ms): a grid over ln a in [-6, 2] and b in [0.1, 2], then finer grids
// around the best point; deterministic). mape in sample, cv_mape leave one out (= mape without parameters).
// Addendum (declared 23:33 UTC, after the first candidates' scores on the chains, before any validation figure):
// "capped", min(w, a x w^b), fitted as "fitted"; it replaces the first rule's pick only if its cv_mape is at least
// 10% below the pick's (the current treatment's when nothing was adopted).
struct Int8ChainCandidate {
  std::string name;
  double scale = 1.0, exponent = 1.0;
  bool capped = false;
  double mape = 0, cv_mape = 0;
};
// The declared rule: the best of "warm" and "fitted" is adopted (model set) only if its cv_mape is at least 10%
// below "current"'s; "fitted" is preferred to "warm" only if its cv_mape is at least 10% below "warm"'s.
// Rows whose warm_ms is above their cold_ms (a disturbed timing) are left out (`dropped`); with fewer than
// kMinInt8ChainRows rows left the form is not fitted (candidates empty, no model).
inline constexpr std::size_t kMinInt8ChainRows = 6;
struct Int8ChainFit {
  std::vector<Int8ChainRow> rows;     // those fitted, in file order
  std::vector<std::string> dropped;   // models left out, with the reason
  std::vector<Int8ChainCandidate> candidates;
  std::optional<CacheInt8> model;     // the adopted form; nullopt: the current treatment
};
// Throws Error naming a row with a value <= 0 or without int8 convolutions.
Int8ChainFit FitInt8Share(std::vector<Int8ChainRow> rows, std::vector<std::string> dropped,
                          const std::string& provenance);
// The rows of a cache_state.js CSV (model, warm_ms, cold_ms) with their models read from `models_dir`,
// estimated with `platform` (its cache.share set: the int8 form is fitted after the share), then FitInt8Share.
// Errors name the file and line.
Int8ChainFit FitInt8Chains(std::string_view csv_text, const std::string& origin, const std::string& models_dir,
                           const Platform& platform, const std::string& provenance);

// The extra time of one activation fused into a convolution (Platform::fused_activation), from
// pairs of sweep rows of the same file with identical dimensions: a convolution + activation row
// (ConvClip, DepthwiseConvHardSwish, ...) and its plain Conv / DepthwiseConv row (the median of
// them if several). d = t_act - t_plain per pair, e its output elements. t is the rows' warm time
// (`warm_ms`, timed without the cache flush: the activation pass reads the output the convolution
// has just written, in cache in a network whatever the weights' state) when the activation row and
// at least one of its plain rows have one (the plain side: the median of those plain rows'
// warm_ms), else the cold `latency_ms` of both sides.
struct FusedActivationPair {
  std::string origin;  // the activation row's origin ("s.csv:12")
  double elems = 0;    // output elements
  double d_ms = 0;     // t_act - t_plain
  bool warm = false;   // d from warm_ms (else from latency_ms)
};
// The line form needs this many pairs at least: with fewer, a repeated-median line through noisy
// points fits them too closely for the leave-one-out comparison to judge it (run 16: HardSwish, 6
// pairs, a constant of 13.1 us chosen by a leave-one-out error of 0.014 us).
inline constexpr std::size_t kFusedActivationLineMinPairs = 10;
struct FusedActivationFit {
  FusedActivation activation = FusedActivation::kNone;
  std::size_t pairs = 0;
  std::size_t warm_pairs = 0;                  // of `pairs`, those whose d is from warm_ms
  std::vector<FusedActivationPair> pair_rows;  // in row order
  double ratio_ns = 0;                         // per-element model: median of d / e, ns
  double ratio_p10 = 0, ratio_p90 = 0;         // the pairs' spread of d / e (10th, 90th percentile), ns
  double line_ns = 0, line_ms = 0;             // d = line_ms + line_ns e (Siegel's repeated median)
  // Leave-one-out median |error| of d (ms) of each model, each pair predicted by the model fitted
  // without it; the line is chosen when it has at least kFusedActivationLineMinPairs pairs, a
  // constant >= 0, a slope >= 0 and an error at least 10% below the per-element model's
  // (calibration rows only).
  double loo_ratio_ms = 0, loo_line_ms = 0;
  bool line_chosen = false;
  std::vector<std::string> unpaired;  // origins of activation rows without a plain row
};
// Throws nothing for rows without pairs (no fit for that activation); Error naming the row for a
// warm_ms that is not a positive number (WarmMs).
std::vector<FusedActivationFit> FitFusedActivations(const std::vector<Measurement>& rows);
// The same extra time measured in chains timed whole (`odonata fit --activation-chains`,
// tools/ort/act_chains.py): per row an activation model of `layers` convolutions each followed by the
// activation (output `elements` per layer) and its plain twin, both timed warm and unprofiled
// (tools/ort/cache_state.js); its ratio is (act_warm_ms - plain_warm_ms) / layers / elements in ns.
// An activation with at least kActivationChainMinRows rows takes the median of its ratios (negative:
// 0) in place of the sweep pairs' value (FitFusedActivations): on this guest the pairs, two single
// layers' profiled kernel times, priced a fused HardSwish at about twice what chains of them pay
// (docs/host-platform.md "The fused HardSwish in chains").
inline constexpr std::size_t kActivationChainMinRows = 6;
struct ActivationChainFit {
  FusedActivation activation = FusedActivation::kNone;
  std::size_t chains = 0;          // rows
  std::vector<double> ratios_ns;   // per row, in file order
  double ns = 0;                   // median of ratios_ns, at least 0
  double p10 = 0, p90 = 0;         // spread of ratios_ns
  bool adopted = false;            // chains >= kActivationChainMinRows
};
// Error naming the file and line for a missing column, an unknown activation, a layers, elements or
// time that is not a positive number, or a file without rows.
std::vector<ActivationChainFit> FitActivationChains(std::string_view csv_text, const std::string& origin);
// ONNX Runtime's NCHWc reorders timed inside the sweep models (docs/measurement-csv.md: columns
// reorder_in_ms, reorder_in_elems, reorder_out_ms, reorder_out_elems; empty where the model had
// no such node). nullopt for a row without the direction's columns or with them empty; throws
// Error naming the row for a value that is not a positive time or element count.
struct ReorderSample {
  double ms = 0;
  std::int64_t elements = 0;
};
std::optional<ReorderSample> ReorderInputOf(const Measurement& row);
std::optional<ReorderSample> ReorderOutputOf(const Measurement& row);
// A reorder's cost per element, with a constant when the rows support one, fitted to minimise
// the relative error (weighted least squares): ms = const_ms + ns_per_element x 1e-6 x elements.
// The constant is kept only when positive and when it lowers the k-fold cross-validated MAPE
// of the proportional form (by 0.01 percentage points at least). Throws Error with fewer than
// kMinFitRows samples or folds < 2.
ReorderCost FitReorderCost(const std::vector<ReorderSample>& samples, int folds, const std::string& source);

struct FitReport {
  Platform platform;              // base with the fitted class models
  std::vector<ClassFit> classes;  // in OpClass order
  PowerFit power;                 // empty when no row has power or energy
  std::optional<DispatchFit> dispatch;  // FitFilesOptions::dispatch_file
  std::optional<CacheProbeFit> cache;   // FitFilesOptions::cache_probe_file
  std::optional<CacheShareFit> cache_share;  // FitFilesOptions::cache_chains_file
  std::optional<Int8ChainFit> int8_chains;   // FitFilesOptions::int8_chains_file (after cache_share)
  std::vector<FusedActivationFit> activations;  // Platform::fused_activation (convolution + activation rows)
  std::vector<ActivationChainFit> activation_chains;  // FitFilesOptions::activation_chains_file
  std::vector<std::string> warnings;
};
// `trees`: also try gradient-boosted trees (estimator "trees", xgboost) for
// classes with at least 24 rows; `residuals`: record each written class's
// cross-validated residual quantiles (ClassModel::cv_residuals) and its 90%
// split-conformal interval from the same predictions (ClassModel::interval). Both off by
// default, so that existing fits stay as they were. `trees` needs a build with
// xgboost (CanFitTrees()); without one FitPlatform throws Error.
FitReport FitPlatform(const std::vector<Measurement>& rows, const Platform& base, const std::string& provenance,
                      int folds = 5, bool trees = false, bool residuals = false);

// Whether this build can train trees: odonata was built with Debian's
// libxgboost-dev (CMake option ODONATA_XGBOOST, AUTO by default). Profiles
// that carry trees estimate either way (odonata evaluates them itself).
bool CanFitTrees();

// A class (at one precision) needs kMinFitRows rows to be fitted at all;
// below kFewFitRows its fit is made, with a warning that its cross-validated
// error rests on too few rows to be trusted.
constexpr std::size_t kMinFitRows = 4;
constexpr std::size_t kFewFitRows = 20;

// `odonata fit` (src/fit/fit_files.cc): FitPlatform on the rows of the
// measurement CSVs `files`, with their provenance ("measured: a.csv, b.csv,
// odonata 0.1.0"), made into the profile of another board:
//   - named `name` (absent: the base's name), described by `description`
//     (absent: "Fitted by odonata fit from <files> on top of <base>"), never
//     the base's description;
//   - its default precision is the precision with the most fitted rows (a
//     profile fitted on fp32 rows estimates fp32 unless told otherwise);
//   - the base's operating modes are dropped (they scale the base's numbers);
//   - the price is `price_usd` when given, else the base's with a source and a
//     warning saying it is the base's, not this board's;
//   - its notes say what it was fitted from, on top of which profile.
// With `same_board` (the base is a hand-written seed of this very board), the
// base's description, modes and price are kept unless given.
// The fitted profile has no `validation` or profile `interval` (they
// described the base; `odonata check --write-validation` derives new ones) and
// its `machine` is read from `machine_files` (tools/ort/run.js's
// FILE.machine.json, MachineFromProvenance; all must describe the same CPU,
// else Error), absent without them.
// Throws Error when no class has kMinFitRows rows: nothing would be fitted.
struct FitFilesOptions {
  int folds = 5;
  bool trees = false;      // FitPlatform's `trees`
  bool residuals = false;  // FitPlatform's `residuals`
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<double> price_usd;
  bool same_board = false;
  std::vector<std::string> machine_files;
  // Chains timed by tools/ort/dispatch.js (FitDispatch): the profile's
  // overhead_ms (per call) and dispatch_ms (per node) are measured from it.
  std::optional<std::string> dispatch_file;
  // Probe rows timed cold and warm (FitCacheCapacity): the profile's `cache`.
  std::optional<std::string> cache_probe_file;
  // Networks timed warm and cold (FitCacheChains), their models in
  // cache_chains_dir (default: the CSV's directory): the profile's cache.share.
  std::optional<std::string> cache_chains_file;
  std::optional<std::string> cache_chains_dir;
  // The int8 QDQ chains timed warm and cold (FitInt8Chains, after the share; needs cache_chains_file),
  // their models in int8_chains_dir (default: the CSV's directory): the profile's cache.int8 when adopted.
  std::optional<std::string> int8_chains_file;
  std::optional<std::string> int8_chains_dir;
  // Activation chains timed whole (FitActivationChains): an adopted activation's
  // fused_activation_ns replaces the sweep pairs'.
  std::optional<std::string> activation_chains_file;
};
FitReport FitMeasurementFiles(const std::vector<std::string>& files, const Platform& base,
                              const FitFilesOptions& options = {});

}  // namespace odonata
