// Platform profiles: what a device can do, loaded from platforms/<name>.json.
// Schema: docs/platform-profile.md. Every number carries its source.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "odonata/layer.h"
#include "odonata/trust.h"

namespace odonata {

enum class Precision { kFp32, kFp16, kInt8 };

const char* PrecisionName(Precision p);  // "fp32", "fp16", "int8"
bool ParsePrecision(const std::string& text, Precision* out);
int PrecisionBytes(Precision p);  // 4, 2, 1

// A number from a profile with where it came from.
struct Sourced {
  double value = 0;
  std::string source;
};

// An activation a convolution runs as part of its kernel (a fusion rule's `absorb` or `gate`):
// ONNX Runtime's NCHWc Conv applies Relu inside the kernel and the others as a pass over the
// output. FusedActivationOf (fusion.h) finds it in a fused layer's covered ops.
enum class FusedActivation : std::uint8_t { kNone, kRelu, kClip, kSigmoid, kHardSigmoid, kHardSwish };
inline constexpr std::size_t kFusedActivationCount = 6;
const char* FusedActivationName(FusedActivation a);  // "Relu", "Clip", ..., "" for kNone
bool ParseFusedActivation(const std::string& text, FusedActivation* out);  // not "" (kNone)

// The extra time of an activation fused into a convolution (`fused_activation_ns`):
// value ns per output element, plus constant_ms per layer where the fit chose the line.
struct FusedActivationCost {
  double value = 0;        // ns per output element
  double constant_ms = 0;  // per layer; 0 for the per-element model
  std::int64_t rows = 0;   // the pairs of rows it was fitted from
  std::string source;
};

struct PrecisionSpec {
  Sourced peak_gops;       // peak arithmetic throughput, GOP/s (1 MAC = 2 ops)
  Sourced bandwidth_gbps;  // memory bandwidth, GB/s (1e9 bytes/s)
};

// One unrolled dimension of ANNETTE's refined roofline: utilisation
// u = x / (ceil(x/p) * p), efficiency 1 / ((1 - alpha) + alpha / u).
struct Parallelism {
  std::string dim;  // "out_h", "out_w", "in_c", "out_c" (see estimator.h)
  std::int64_t p = 1;
  double alpha = 1.0;
  std::string source;
};

// A factor of a fitted term: floor((x - 1) / step) when step > 0, else x,
// with x = LayerDim(layer, dim) (estimator.h).
struct FittedFactor {
  std::string dim;
  std::int64_t step = 0;

  bool operator==(const FittedFactor&) const = default;
};

struct FittedTerm {
  double coef = 0;                    // ms
  std::vector<FittedFactor> factors;  // empty: a constant term

  bool operator==(const FittedTerm&) const = default;
};

// A model fitted to measurements (`odonata fit`), used by the estimator
// "step_linear": t_ms = sum over terms of coef * product of factors.
struct FittedModel {
  Precision precision = Precision::kFp32;
  std::vector<FittedTerm> terms;
  // Inclusive range of every LayerDim the terms use, as seen when fitting;
  // layers outside it are flagged "extrapolated".
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> range;
  std::int64_t rows = 0;  // measurements fitted
  double r2 = 0;
  double mape = 0;     // %, on the rows fitted
  double cv_mape = 0;  // %, k-fold cross-validated
  std::int64_t folds = 0;
  std::string source;  // the measurement files and the tool that fitted it

  bool operator==(const FittedModel&) const = default;
};

// One regression tree in xgboost's layout: node i is a leaf when left[i] < 0,
// with output value[i]; otherwise the layer goes to left[i] when
// float(LayerDim(layer, features[feature[i]])) < threshold[i], else to right[i].
// Node 0 is the root.
struct RegressionTree {
  std::vector<std::int32_t> feature, left, right;
  std::vector<double> threshold;  // float32 values, as xgboost compares them
  std::vector<double> value;      // leaf outputs (learning rate applied)

  bool operator==(const RegressionTree&) const = default;
};

// Gradient-boosted trees on the residual of the class's roofline (ANNETTE's
// "mixed" model), estimator "trees":
//   t_ms = roofline_ms(layer) x exp(base + sum over trees of the leaf reached),
// roofline_ms being the class's refined roofline (its efficiencies and
// parallelism). Trained by `odonata fit` with xgboost (libxgboost), evaluated by
// odonata itself: the profile carries the trees, no runtime dependency.
struct TreeModel {
  Precision precision = Precision::kFp32;
  std::vector<std::string> features;  // LayerDim names (estimator.h)
  double base = 0;                    // log of the ratio, before the trees
  std::vector<RegressionTree> trees;
  std::int64_t rows = 0;
  double mape = 0;     // %, on the rows fitted
  double cv_mape = 0;  // %, k-fold cross-validated
  std::int64_t folds = 0;
  std::string source;

  bool operator==(const TreeModel&) const = default;
};

// Quantiles of a class's cross-validated log residuals, ln(measured /
// predicted) with each row predicted by the chosen model fitted without its
// fold (`odonata fit --residuals`): what an interval around a layer's
// estimate can be built from (docs/host-cost-model.md section 5).
struct CvResiduals {
  double p05 = 0, p50 = 0, p95 = 0;
  std::int64_t rows = 0;
  std::string source;

  bool operator==(const CvResiduals&) const = default;
};

// The shape of a layer's sliding window, for kernel terms (KernelShapeOf in
// estimator.h): "none" (no 2-D window), "1x1" (any stride: a strided 1x1
// window is a 1x1 convolution over a subsampled input), "kxk" (square k > 1,
// stride 1), "1xk" (asymmetric, kernel_h != kernel_w, e.g. 1x7 and 7x1, stride
// 1), "strided" (a window larger than 1x1 with any stride > 1). "split" is not a window shape but a
// condition that a profile defines with a split term (KernelTerm::buffer_bytes):
// a windowed layer whose input rows do not fit the platform's input buffer
// (NeedsInputSplit in estimator.h) takes that term's scale instead of its
// shape's. "split_1x1" narrows it: when a profile lists it beside a split term,
// a 1x1 layer that needs the split takes the split_1x1 scale and a larger
// window the split scale (on the NCS2 per-layer reports the split 1x1 layers run
// slower than their roofline time and the split 3x3 stride-2 ones faster, so
// one scale fits neither).
enum class KernelShape : std::uint8_t { kNone, kPointwise, kSquare, kAsymmetric, kStrided, kSplit, kSplitPointwise };
inline constexpr std::size_t kKernelShapeCount = 7;
// "none", "1x1", "kxk", "1xk", "strided", "split", "split_1x1"
const char* KernelShapeName(KernelShape s);
bool ParseKernelShape(const std::string& text, KernelShape* out);

// A factor on the compute roof of the layers of one kernel shape: their
// compute time is ops / (peak x compute_efficiency x utilisation x scale).
// A "split" term (shape kSplit) also describes the input buffer whose overflow
// defines it: `buffer_bytes` of line storage, rows padded to `line_bytes`
// (both > 0 for a split term, 0 for every other shape; a "split_1x1" term uses
// the split term's buffer and needs one in the same list).
struct KernelTerm {
  KernelShape shape = KernelShape::kNone;
  double scale = 1.0;
  std::string source;
  std::int64_t buffer_bytes = 0;
  std::int64_t line_bytes = 0;

  bool operator==(const KernelTerm&) const = default;
};

// A class's layers with warm caches (`warm`; `odonata fit` from sweep rows
// that carry `warm_ms`, the layer timed back to back without the cache flush
// of its cold `latency_ms`): the factor on the class's (cold) estimate t of a
// layer moving B bytes (input + output + weights at the precision) is
//   exp(min(0, c0 + c_bytes x ln(B) + c_ms x ln(t))),
// ln(B) and ln(t) clamped to the ranges of the rows fitted (no extrapolation;
// the factor never exceeds 1). docs/host-cost-model.md "Cache state".
struct WarmModel {
  Precision precision = Precision::kFp32;
  double c0 = 0, c_bytes = 0, c_ms = 0;
  std::pair<double, double> bytes_range{1, 1};  // B of the rows fitted
  std::pair<double, double> ms_range{1, 1};     // cold ms of the rows fitted
  // The kernel-area term (issue 12, helper mobile, 2026-12-07): + c_kernel x ln(kernel_h x kernel_w),
  // the area clamped to kernel_range (the rows' areas). 0, the default and absent from a profile: no
  // term, the factor as before byte for byte. Written only when the fit adopted it (FitWarmModel).
  double c_kernel = 0;
  std::pair<double, double> kernel_range{1, 1};
  std::int64_t rows = 0;
  double mape = 0;       // %, warm_ms predicted as latency_ms x factor, on the rows fitted
  double cv_mape = 0;    // %, the same k-fold cross-validated
  double cold_mape = 0;  // %, latency_ms taken for warm_ms (no factor): what the factor improves on
  std::int64_t folds = 0;
  std::string source;
  // The direct form (issue 12, helper silero, 2026-12-07): the class's step/linear forms fitted
  // on the rows' warm_ms themselves (the cold model's step_linear candidates, chosen by
  // cross-validation on the warm times, the factor form's folds). direct_cv_mape: the best
  // direct candidate's CV MAPE of warm_ms (absent: not tried, a profile fitted before it).
  // `direct` is written only when direct_cv_mape is below cv_mape (the factor form's); a layer
  // then takes the factor min(1, direct estimate / cold estimate) (DirectFactor), else Factor.
  // A profile without `direct` estimates as before, byte for byte.
  std::optional<double> direct_cv_mape;
  std::optional<FittedModel> direct;
  // The two factor forms' CV MAPEs (%) when the fit tried the kernel-area term (rows of more than
  // one kernel area): plain_cv_mape without it, kernel_cv_mape with it; absent: not tried.
  std::optional<double> plain_cv_mape, kernel_cv_mape;

  // The factor for a layer of `bytes` whose cold estimate is `cold_ms` (> 0) and whose window
  // covers `kernel_area` taps (kernel_h x kernel_w; 1 without a window).
  double Factor(double bytes, double cold_ms, double kernel_area = 1) const;
  // The direct form's factor from its warm estimate `warm_ms`: min(1, warm_ms / cold_ms); the
  // factor form's (Factor) when warm_ms is not > 0 (a polynomial below zero far from its rows).
  double DirectFactor(double warm_ms, double bytes, double cold_ms, double kernel_area = 1) const;
  bool operator==(const WarmModel&) const = default;
};

// The weight footprint below which a network stays in the caches between two
// runs on this machine (`cache`; measured by `odonata fit --cache-probe`,
// docs/host-cost-model.md "Cache state"): a network whose weights (as stored)
// take at most capacity_bytes is estimated with its classes' warm models.
//
// A partial cache state (`cache.share`; `odonata fit --cache-chains`, docs/host-cost-model.md
// section 7): the share h in [0, 1] of the warm models' saving a network keeps,
// h = 1 / (1 + (weight_bytes / half_bytes)^slope), weight_bytes the network's
// weights as stored; each layer of a class with a warm model is estimated
// cold - h x (cold - warm). Fitted from synthetic networks timed warm and cold
// (least squares of ln(warm / cold) measured against 1 - h x (1 - warm estimate
// / cold estimate)); mape, cv_mape (leave one out), cold_mape (h = 0) and
// warm_mape (h = 1) are errors of the networks' warm times predicted as their
// measured cold time x (1 - h x the estimate's relative saving).
//
// `size` (issue 12): the size variable x of h = 1 / (1 + (x / half_bytes)^slope): the
// network's weights as stored, the bytes of the outputs its executed (not free) layers
// write (4 bytes per element; ExecutedOutputBytes), or their sum. `odonata fit
// --cache-chains` fits all three and keeps the one with the lowest leave-one-out warm
// MAPE (ties: weights, then activations); cv_mape_by_size holds each one's. Absent in a
// profile (fitted before run 19): weights, and the profile estimates as it did.
// Run 26 on (helper share): max_layer, the largest footprint of an executed layer, and mean_layer,
// the mean footprint of the executed layers, a layer's footprint being 4 B x (its activation input
// + output elements) + its weight bytes (NetworkSizesOf): a deep network of small layers has a
// large sum of activations while each layer's working set fits in cache.
// Run 28 on (helper smallnet): weights+peak, the weights + the peak of the live activations (4 B per
// element; a tensor live from the executed layer that writes it to the last layer that reads it, free
// layers' outputs aliasing their input, graph inputs live from the start; NetworkSizesOf): the distinct
// bytes one inference touches when the runtime reuses freed buffers, where the summed activations count
// a deep network of small layers as one large working set.
enum class ShareSize { kWeights, kActivations, kWeightsActivations, kMaxLayer, kMeanLayer, kWeightsPeak };
inline constexpr ShareSize kShareSizes[] = {ShareSize::kWeights,   ShareSize::kActivations,
                                            ShareSize::kWeightsActivations, ShareSize::kMaxLayer,
                                            ShareSize::kMeanLayer, ShareSize::kWeightsPeak};
inline constexpr std::size_t kShareSizeCount = std::size(kShareSizes);
// "weights", "activations", "weights+activations", "max_layer", "mean_layer", "weights+peak"
const char* ShareSizeName(ShareSize s);
bool ParseShareSize(const std::string& text, ShareSize* out);
// The sizes of a network a share may be computed from (bytes; NetworkSizesOf in estimate.h).
struct NetworkSizes {
  std::int64_t weight_bytes = 0;      // as stored (Counts::param_bytes)
  std::int64_t activation_bytes = 0;  // ExecutedOutputBytes
  std::int64_t max_layer_bytes = 0;   // the largest executed layer's footprint
  double mean_layer_bytes = 0;        // the executed layers' mean footprint
  std::int64_t peak_bytes = 0;        // the peak of the live activations (kWeightsPeak; 0: unknown)
};
// x of a network for the size variable `size`: its weights, its activations, both, or a layer footprint (bytes).
double ShareSizeOf(ShareSize size, const NetworkSizes& n);

struct CacheShare {
  double half_bytes = 0;  // > 0: the size at which h = 1/2
  double slope = 0;       // > 0
  std::int64_t rows = 0;
  double mape = 0, cv_mape = 0, cold_mape = 0, warm_mape = 0;
  std::string source;
  std::optional<ShareSize> size;  // absent: weights
  std::array<std::optional<double>, kShareSizeCount> cv_mape_by_size{};  // in kShareSizes order; empty before run 19
  // How h was fitted (run 25 on; absent: "ratio"): "ratio", least squares of ln(1 - h g) against the
  // chains' measured ln(warm / cold) (runs 11-24); "level", least squares of the ln of the estimate at
  // h against the chains' ln warm time (mape and cv_mape are then the estimate's against warm_ms).
  std::optional<std::string> criterion;
  // Classes whose layers keep the whole warm saving in the partial state, whatever h (run 25 on,
  // "level" fits only; empty: every class takes h): the depthwise convolutions, which the chains'
  // per-node profiles show at their warm times (docs/host-platform.md "Conv per layer").
  std::vector<OpClass> warm_classes;
  // The share the warm_classes' layers take (run 26 on, the form "level, depthwise share": fitted
  // with h, in [0, 1]); absent: 1, the whole saving (run 25's "depthwise warm").
  std::optional<double> warm_class_share;
  // The leave-one-out MAPE of the estimate at the fitted form against the chains' warm times (the
  // declared choice between the ratio and level forms, run 25 on); absent before.
  std::optional<double> level_cv_mape;

  ShareSize Size() const { return size.value_or(ShareSize::kWeights); }
  // x of the network for this share's size variable (ShareSizeOf).
  double SizeOf(const NetworkSizes& n) const { return ShareSizeOf(Size(), n); }
  // The share of a layer of a warm class (warm_classes), whatever h.
  double WarmClassShare() const { return warm_class_share.value_or(1.0); }
  double Share(double x) const;  // h, in [0, 1]
  bool IsWarmClass(OpClass c) const {
    return std::find(warm_classes.begin(), warm_classes.end(), c) != warm_classes.end();
  }
  bool operator==(const CacheShare&) const = default;
};

// The int8 convolutions inside a network (run 28 candidate, helper int8warm, declared 2026-12-07 23:18 UTC
// before scoring; `odonata fit --int8-chains`): in the partial state (a profile share), a layer of class
// conv_int8 or dwconv_int8 costs scale x w^exponent per repeat, w its warm-end cost (ms: its class's cold
// model x warm factor), whatever h; every other layer keeps the share. Fitted after the share on the int8
// QDQ chains alone (tools/ort/int8_chains.py), so the share is the same with and without it. Absent: the
// int8 convolutions take the share h as every class does (the profile estimates as before).
struct CacheInt8 {
  double scale = 1.0;     // a (> 0)
  double exponent = 1.0;  // b (> 0)
  std::int64_t rows = 0;
  // Leave-one-out MAPE of the chains' estimate against their warm times: this form's, the current
  // treatment's (the share h) and the warm end's (a = b = 1).
  double cv_mape = 0, current_cv_mape = 0, warm_cv_mape = 0;
  std::string source;
  // The form "capped" (declared 23:33 UTC, addendum): min(w, scale x w^exponent), never above the warm end.
  bool capped = false;
  double Price(double warm_ms) const {
    const double t = scale * std::pow(warm_ms, exponent);
    return capped ? std::min(warm_ms, t) : t;
  }
  bool operator==(const CacheInt8&) const = default;
};

// With `share` the profile's auto cache state is partial (CacheShare) and
// capacity_bytes may be absent (-1); without it, the all-or-nothing rule above.
struct CacheCapacity {
  std::int64_t capacity_bytes = 0;
  std::string source;
  std::optional<CacheShare> share;
  std::optional<CacheInt8> int8;  // with `share` only

  bool operator==(const CacheCapacity&) const = default;
};

// The cost of one of ONNX Runtime's NCHWc layout reorders (a ReorderInput, NCHW -> NCHWc, or a
// ReorderOutput, NCHWc -> NCHW; include/odonata/layout.h), fitted by `odonata fit` from the
// sweep rows' reorder columns (docs/measurement-csv.md): ms = const_ms + ns_per_element x 1e-6 x
// elements. mape and cv_mape (k-fold) are the errors of the rows' reorder times so predicted.
struct ReorderCost {
  double const_ms = 0;        // >= 0; 0 when the calibration rows do not support a constant
  double ns_per_element = 0;  // >= 0
  std::int64_t rows = 0;
  double mape = 0, cv_mape = 0;
  std::int64_t folds = 0;
  std::string source;
  double Ms(std::int64_t elements) const { return const_ms + ns_per_element * 1e-6 * static_cast<double>(elements); }
  bool operator==(const ReorderCost&) const = default;
};

// ONNX Runtime's blocked NCHWc layout on a CPU (`nchwc`): `block` floats per channel block (16
// with AVX-512, 8 with AVX2: MlasNchwcGetBlockSize), which decides which layers run NCHWc and
// where reorders go (layout.h); with the fitted reorder costs, the estimate adds them.
struct NchwcSpec {
  std::int64_t block = 0;  // >= 1
  std::string source;
  std::optional<ReorderCost> reorder_input, reorder_output;
  // The estimate adds the reorders (estimate.h: ReorderTerm) only with both costs fitted.
  bool Priced() const { return block >= 1 && reorder_input && reorder_output; }
  bool operator==(const NchwcSpec&) const = default;
};

// Layers an accelerator cannot run and hands to its host CPU (`host_fallback`):
// a layer of the class whose 2-D window is larger than `max_window` in either
// dimension (a global pooling layer's window is its input's height x width)
// costs `ns_per_op` ns per counted op (its flops) instead of the class's
// estimate, and is flagged "host". On the zcu102 profile: pooling windows over
// 8, which the DPUCZDX8G's pool engine does not take (Vitis AI target_factory
// DPUCZDX8G_ISA0_B4096_MAX_BG2: avg kernel 2-8, max kernel 1-8) and which the
// Vitis AI Library computes on the A53 (globalAvePool).
struct HostFallback {
  std::int64_t max_window = 0;  // >= 1
  double ns_per_op = 0;         // > 0
  std::string source;

  bool operator==(const HostFallback&) const = default;
};

// How a class of ops is estimated on this platform.
// TensorRT-style terms of a class (issue 16, Jetson TX2; docs/platform-profile.md, `classes`).
// gemm_tiles: the direct compute time divided by eff(M, m, alpha_m) x eff(N, n, alpha_n) (ANNETTE's
// DimensionEfficiency) on the implicit GEMM: M = batch x out_h x out_w, N = out_c.
struct GemmTiles {
  std::int64_t m = 1, n = 1;  // >= 1
  double alpha_m = 0, alpha_n = 0;  // [0, 1]
  std::string source;
};
// winograd: a 3x3 stride-1 undilated window also has a Winograd F(2x2,3x3) path,
// ops / (peak x kernel term x speedup x eff(T, tile, alpha)), T = batch x ceil(out_h / 2) x ceil(out_w / 2);
// the layer takes the faster of it and the direct path.
struct Winograd {
  double speedup = 1;  // [1, 2.25]
  std::int64_t tile = 1;  // >= 1
  double alpha = 0;  // [0, 1]
  std::string source;
};
// group_waves: a grouped layer takes at least ceil(group x ceil(M / tile) / units) x ms_per_wave,
// M = batch x out_h x out_w (one GEMM of M-tiles per group spread over `units` processors).
struct GroupWaves {
  std::int64_t tile = 1, units = 1;  // >= 1
  double ms_per_wave = 0;  // >= 0
  std::string source;
};

struct ClassModel {
  std::string estimator = "roofline";          // a name in the estimator registry
  Sourced compute_efficiency{1.0, "default"};  // fraction of peak reached
  Sourced memory_efficiency{1.0, "default"};   // fraction of bandwidth reached
  std::vector<Parallelism> parallelism;        // for refined_roofline
  std::vector<FittedModel> fitted;             // for step_linear, at most one per precision
  std::vector<TreeModel> trees;                // for trees, at most one per precision
  std::optional<CvResiduals> cv_residuals;     // of the chosen model, when fitted with --residuals
  // Estimator used where `estimator` cannot serve (step_linear without a model
  // for the precision asked for).
  std::string fallback = "roofline";
  // Power while this class runs, W (`active_w`); absent: the platform's.
  std::optional<Sourced> active_power_w;
  // Compute-roof factors per kernel shape (roofline and refined_roofline), at
  // most one per shape; shapes not listed: 1. `odonata fit` refits the scale of
  // every shape the base profile lists (docs/platform-profile.md).
  std::vector<KernelTerm> kernel_terms;
  // 90% interval of this class's layer estimates, from a fit's
  // cross-validated residuals (`interval`; trust.h, docs/platform-profile.md).
  std::optional<RatioInterval> interval;
  // Its layers with warm caches (WarmModel); absent: as cold.
  std::optional<WarmModel> warm;
  // Layers of the class that run on the host CPU (roofline and refined_roofline).
  std::optional<HostFallback> host_fallback;
  // A per-kernel constant, ms, added to the roofline and refined_roofline estimates
  // (`constant_ms`; odonata fit's candidate "roofline+constant", issue 12, helper smallops):
  // t = constant + max(ops / peak, bytes / bandwidth). Absent: none (0), as before.
  std::optional<Sourced> constant_ms;
  // gemm_tiles, winograd, group_waves (above) and overlap_p: compute and memory combined as
  // (compute^p + memory^p)^(1/p), p >= 1, instead of their max. Absent: none, as before.
  std::optional<GemmTiles> gemm_tiles;
  std::optional<Winograd> winograd;
  std::optional<Sourced> overlap_p;
  std::optional<GroupWaves> group_waves;

  const FittedModel* FittedFor(Precision p) const;
  const TreeModel* TreesFor(Precision p) const;
};

// Fusion rules: a layer whose main op is in `into` absorbs the single consumer
// of its single output when that consumer's op is in `absorb` (repeatedly,
// so Conv -> BatchNormalization -> Relu becomes one layer).
// `gate`: when the group's output t has exactly two consumers, an op A in
// `gate` reading only t and a Mul reading exactly {t, A's output} (the gated
// activation t * A(t): HardSwish as t * HardSigmoid(t), SiLU as t * Sigmoid(t)),
// the group absorbs both and ends at the Mul (docs/platform-profile.md).
// `dequantize` and `quantize` (together; a QDQ rule): a layer whose main op is
// in `into`, whose every input written by another node comes from an op in
// `dequantize` (a class with an int8 class, conv, dwconv and gemm, also needs
// its weight, input 1, from one), and whose output goes, through single-reader
// ops of `absorb`, to exactly one op in `quantize`, is fused with them and
// with those dequantize nodes into one layer: ONNX Runtime's QDQ fusion of
// DequantizeLinear -> Conv -> QuantizeLinear into QLinearConv. Its class is
// the main layer's int8 class (conv_int8, dwconv_int8, gemm_int8; other
// classes stay theirs: a QDQ MaxPool is a pool on 8-bit data). QDQ groups are
// formed before the other rules run. A dequantize node read by several layers
// joins the first group that reads it when no other reader comes before that
// group's main layer (ONNX Runtime gives every reader its own copy), else it
// stays a layer of its own.
// A rule has a non-empty `absorb`, `gate` or `quantize`.
struct FusionRule {
  std::vector<std::string> into;
  std::vector<std::string> absorb;
  std::string source;
  std::vector<std::string> gate;  // last, so that {into, absorb, source} still initialises a rule
  // Ops of `absorb` or `gate` absorbed only when the main layer's weights and
  // theirs are constants (TensorInfo::is_overridable false): a runtime folds
  // them into the kernel's weights (ONNX Runtime's Conv+BatchNormalization).
  std::vector<std::string> constant_weights;
  std::vector<std::string> dequantize;  // QDQ rules: the ops that dequantize the inputs
  std::vector<std::string> quantize;    // and the op that quantizes the output
  // A decomposition rule: the ONNX subgraph that computes each op of `into`
  // (odonata knows those of "LayerNormalization", "Gelu" and "QuickGelu", SiLU's
  // x * Sigmoid(x): DecomposedOps()) runs as one op, as ONNX Runtime's LayerNormFusion,
  // SimplifiedLayerNormFusion, GeluFusion, BiasGeluFusion and QuickGeluFusion make it (docs/platform-profile.md, "Decomposition rules").
  bool decomposed = false;
  // Ops of `absorb` that join the group only when its main layer's first input is 4-D (a 2-D
  // convolution) if they also read an activation besides the chain's tensor (a residual Add; one
  // whose other operand is a weight or a constant, a bias, joins any main layer): ONNX Runtime adds
  // a residual into a Conv only through its NCHWc kernels, which take 2-D convolutions; a 1-D
  // Conv, Add and Relu stay three nodes (docs/platform-profile.md, `residual_2d`).
  std::vector<std::string> residual_2d;
};

// The ops a decomposition rule (FusionRule::decomposed) can name in `into`.
const std::vector<std::string>& DecomposedOps();

struct Fusion {
  std::vector<FusionRule> rules;
  // Ops that cost nothing on this platform (kept as 0 ms rows, estimator "free").
  std::vector<std::string> free_ops;
  std::string free_source;
  // Ops of free_ops that the runtime still runs as nodes (ONNX Runtime's Reshape, Squeeze,
  // Unsqueeze and Flatten of activations): no kernel time, but each pays the platform's
  // dispatch_ms as any executed layer does. Empty: free layers pay nothing (as before).
  std::vector<std::string> dispatched_free_ops;
  // `runtime_shape_nodes`: the platform runs the model's graph as written, its symbolic input
  // dims unknown (ONNX Runtime): the shape arithmetic odonata folds under a substituted batch but
  // the runtime cannot (Network::runtime_shape) is layers of the fused network, each priced by its
  // class and counted by the dispatch term, and a bias-GELU becomes one BiasGelu only when the
  // runtime's shape inference knows the activation's last dim and it equals the 1-D bias's
  // (ONNX Runtime's BiasGeluFusion). Off: as before the field existed.
  bool runtime_shape_nodes = false;
};

// An operating mode (a power or clock setting, e.g. Jetson TX2 MAXQ): factors
// applied to the profile's numbers, which describe the device as written.
struct Mode {
  std::string description;
  Sourced compute_scale;                  // x every precisions.*.peak_gops
  Sourced bandwidth_scale;                // x every precisions.*.bandwidth_gbps
  Sourced power_scale;                    // x typical_w and every active_w
  std::optional<Sourced> idle_scale;      // x idle_w; absent: power_scale
  std::optional<Sourced> overhead_scale;  // x overhead_ms and dispatch_ms; absent: 1
  std::optional<Sourced> dispatch_scale;  // x dispatch_ms instead of overhead_scale; absent: overhead_scale
  std::string source;
};

// precision_fallback: a network with a layer of class `if_class`, asked for at `from`, is estimated
// at `to` throughout (TensorRT 3's half2 mode keeping a MobileNet at FP32; issue 16).
struct PrecisionFallback {
  OpClass if_class = OpClass::kUnknown;
  Precision from = Precision::kFp16, to = Precision::kFp32;
  std::string source;
};

struct Platform {
  std::string name;         // "jetson-nano"
  std::string description;  // one line
  std::string path;         // file it was loaded from
  std::map<Precision, PrecisionSpec> precisions;
  Precision default_precision = Precision::kFp32;
  Sourced overhead_ms;      // per-inference overhead added to the layer sum
  // Per executed node (`dispatch_ms`): what the runtime spends starting each
  // kernel beyond the kernel's own time (ONNX Runtime's executor: about 0.3 us
  // per node on a CPU), added to every layer that is not free, once per
  // repeat. Absent (0) on profiles whose layer models include it.
  std::optional<Sourced> dispatch_ms;
  // Whole-network precision rules (PrecisionFallback); empty: none.
  std::vector<PrecisionFallback> precision_fallback;
  // The extra cost of an activation fused into a float convolution (`fused_activation_ns`), by
  // activation; absent kinds (and profiles without the field) cost nothing beyond the conv model.
  std::map<FusedActivation, FusedActivationCost> fused_activation;
  Sourced idle_power_w;     // W, drawn during overhead_ms
  Sourced typical_power_w;  // W, while running a typical network
  // W while layers run (`power.active_w`); absent: typical_power_w.
  std::optional<Sourced> active_power_w;
  Sourced price_usd;
  ClassModel default_class;  // used for classes not listed
  std::map<OpClass, ClassModel> classes;
  Fusion fusion;
  std::vector<std::string> notes;     // free text: caveats, what is measured
  std::map<std::string, Mode> modes;  // by name; empty once a mode is applied
  std::string mode;                   // the mode applied (WithMode), "" if none
  // How far to trust it (trust.h; written by tools, never by hand): the CPU a
  // host profile was measured on, the whole-network interval from calibration
  // rows, the validated error.
  std::optional<HostMachine> machine;
  std::optional<RatioInterval> interval;
  std::optional<Validation> validation;
  // The machine's cache capacity for whole networks (CacheCapacity): with warm
  // class models, which of them a network is estimated with.
  std::optional<CacheCapacity> cache;
  // ONNX Runtime's NCHWc layout (NchwcSpec); absent: no layout reorders are estimated.
  std::optional<NchwcSpec> nchwc;

  // "jetson-tx2", or "jetson-tx2:maxq" with a mode applied.
  std::string DisplayName() const { return mode.empty() ? name : name + ":" + mode; }

  // The model of class `c`: its entry in `classes`; for an int8 class not listed, its
  // float class's model (conv_int8 -> conv) if listed; `rnn` (recurrent layers), when not
  // listed, the model of `gemm` (listed or default), with which recurrent layers were
  // costed before they had a class of their own; likewise `roi` (RoiAlign) the model of
  // `detection`, `scatter` (ScatterElements) the model of `data`, `silu` (QuickGelu)
  // the model of `activation`, `topk` (TopK) the model of `reduce`, `nonzero` (NonZero) the
  // model of `detection` and `gathernd` (GatherND) the model of `data`; else `default`.
  const ClassModel& ModelFor(OpClass c) const;
  // Power while a layer of class `c` runs, W: the class model's active_w
  // (ModelFor, so unlisted classes use `default`), else power.active_w, else
  // typical_w. Layer energy (mJ) = this (W) x layer time (ms).
  double ActivePowerW(OpClass c) const;
};

// Parse and validate a profile. Unknown keys, wrong types and missing fields
// throw Error naming `origin` and the key path ("precisions.fp16.peak_gops").
Platform ParsePlatform(const std::string& json_text, const std::string& origin);
// `path` may end in ":<mode>" (what ResolvePlatform returns for "name:mode"):
// the mode is applied with WithMode.
Platform LoadPlatform(const std::string& path);
// The profile with mode `mode` applied: numbers scaled, sources annotated,
// `modes` cleared, `mode` set. Throws Error "unknown mode 'x' of jetson-tx2
// (modes: maxn, maxp, maxq)".
Platform WithMode(const Platform& platform, const std::string& mode);
// Write a profile as JSON that ParsePlatform reads back to an equal Platform
// (except `path`). Deterministic: keys in schema order, classes in OpClass order.
void WritePlatform(const Platform& platform, std::ostream& out);

// A directory searched for profiles by name, and why it is searched.
struct PlatformDir {
  std::string path;
  // "current folder", "$ODONATA_PLATFORMS", "user", "installed", "source tree"
  std::string origin;
  bool exists = false;  // is a directory

  bool operator==(const PlatformDir&) const = default;
};

// Where profiles are looked up by name, in order (first match wins), the
// directories that do not exist included (`exists` false):
//   1. ./platforms, made absolute             ("current folder")
//   2. each entry of $ODONATA_PLATFORMS, ':'-separated ("$ODONATA_PLATFORMS")
//   3. $XDG_DATA_HOME/odonata/platforms, else ~/.local/share/odonata/platforms ("user")
//   4. <exe>/../share/odonata/platforms       ("installed", when exe_path is given)
//   5. the source tree's platforms/           ("source tree", only when exe_path
//      is a binary of the build tree this library was built in, an uninstalled
//      build, or empty: a library user that names no executable)
std::vector<PlatformDir> PlatformSearchOrder(const std::string& exe_path);
// PlatformSearchOrder without directories that do not exist, each directory
// once (the first time it appears, compared canonically).
std::vector<PlatformDir> PlatformSearchDirs(const std::string& exe_path);
// The paths of PlatformSearchDirs: what ResolvePlatform and ListPlatforms take.
std::vector<std::string> PlatformSearchPath(const std::string& exe_path);
// The user's own profile folder: $XDG_DATA_HOME/odonata/platforms when
// XDG_DATA_HOME is an absolute path, else $HOME/.local/share/odonata/platforms,
// "" without either.
std::string UserPlatformDir();

// Resolve `--platform`: a path to a .json file, or a profile name looked up in
// `search_path`, either optionally followed by ":<mode>" (kept on the result
// for LoadPlatform). Throws Error "unknown platform 'x' (did you mean 'y'?)".
std::string ResolvePlatform(const std::string& name_or_path, const std::vector<std::string>& search_path);

// Names of all profiles found on the search path (first occurrence wins), sorted.
std::vector<std::string> ListPlatforms(const std::vector<std::string>& search_path);

// The profile `--platform` names: ResolvePlatform, then LoadPlatform.
Platform LoadPlatform(const std::string& name_or_path, const std::vector<std::string>& search_path);

// The name a profile file stands for: its stem ("boards/myboard.json" -> "myboard").
std::string ProfileNameOf(const std::string& path);

// WritePlatform's JSON, checked to read back with ParsePlatform (errors name
// `origin`): the text a command writes as a profile file.
std::string PlatformJson(const Platform& platform, const std::string& origin);

}  // namespace odonata
