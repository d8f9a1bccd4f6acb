// The loop API's core (src/layer_cost.cc): what the estimators read of a
// layer (LayerFacts), a platform's class model resolved once (ClassPlan), and
// the cost functions of the estimator registry, which allocate nothing.
// Internal: the public API is estimator.h and estimate.h (PlatformPlan,
// FusedNetwork hold these opaquely).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "odonata/estimator.h"
#include "odonata/layer.h"
#include "odonata/platform.h"

namespace odonata {

// The LayerDim names (estimator.h) as ids, in LayerDimNames() order, so that a
// platform's dimension names are resolved once, not looked up per layer.
enum class LayerDimId : std::uint8_t {
  kOutH,
  kOutW,
  kInC,
  kOutC,
  kInH,
  kInW,
  kBatch,
  kKernel,
  kSpatial,
  kMacs,
  kElems,
  kBoxes,
  kClasses,
  kGroup,
  kStride,
  kDilation,
  kWeights,
  kInputs,
  kAlign,
  kKept,
  kKeptPerClass,
  kValidMacs,
  kValidPermille,
  kNmsCompares,
  kNone,  // a name LayerDim does not know: always 0
};
inline constexpr std::size_t kLayerDimCount = static_cast<std::size_t>(LayerDimId::kNone);
// Id of a LayerDim name; kNone when unknown.
LayerDimId LayerDimIdOf(const std::string& name);
// LayerDim(layer, name) by id.
std::int64_t LayerDim(const Layer& layer, LayerDimId dim);
// A stated count of IoU comparisons (--nms-compares, a measurement's nms_compares column) set on a
// NonMaxSuppression layer, after checking it against the bound for the layer's kept boxes (LayerDim
// "nms_compares" of the layer as it was: each suppressed candidate compared with every kept box of its
// class). Errors carry no context ("N is negative", "N exceeds the bound of B ..."): the caller adds it.
void StateNmsCompares(Layer& layer, std::int64_t count);
// Whether an input of the layer is an overridable weight (TensorInfo::is_overridable):
// a runtime neither folds nor pre-packs it (fusion rules' constant_weights, `align`).
bool HasOverridableWeight(const Layer& layer);

// The (output position, kernel tap) pairs of one convolution axis whose input index
// o x stride - pad + t x dilation lies in [0, in): the taps that read the input, not
// its zero padding (valid_macs). Closed form, O(log) in the sizes; every argument at
// most 2^30 (ValidTaps rejects larger ones), 0 when a size is not positive.
std::int64_t AxisValidTaps(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                           std::int64_t pad, std::int64_t dilation);

// What the estimators read of a layer, computed once (FactsOf): plain numbers,
// no strings. Equal facts give equal estimates.
struct LayerFacts {
  std::int64_t flops = 0;
  std::int64_t traffic_elems = 0;                       // input + output + weight elements: Counts::Bytes(b) / b
  std::array<std::int64_t, kLayerDimCount + 1> dims{};  // LayerDim by id; dims[kNone] is 0
  KernelShape kernel_shape = KernelShape::kNone;         // KernelShapeOf
  std::int64_t kernel_h = 0, stride_h = 1;               // the window's first kernel size and stride (split terms)
  std::int64_t kernel_w = 0;                             // the window's second kernel size (winograd)
  bool dilated = false;                                  // a dilation other than 1 (winograd)
  // The larger extent of the 2-D window (a global pooling layer's: its input's
  // larger spatial size); 0 without one. For ClassPlan::host_max_window.
  std::int64_t window_max = 0;

  std::int64_t Dim(LayerDimId d) const { return dims[static_cast<std::size_t>(d)]; }
};
// Throws Error when the layer's traffic overflows 64 bits (as Counts::Bytes).
// A 3x3 square window, stride 1, no dilation: ClassModel::winograd's layers.
bool WinogradEligible(const LayerFacts& f);
LayerFacts FactsOf(const Layer& layer);

// A platform's class model resolved for one precision and one estimator
// (PlanClass): names turned into ids and pointers, roofs multiplied out. Built
// once per (platform, precision, class); estimating with it allocates nothing.
struct ClassPlan {
  Precision precision = Precision::kFp32;  // the precision it was planned at
  // The estimator that runs: the one asked for, except step_linear without a
  // fitted model for the precision, which is its fallback (default roofline).
  const EstimatorInfo* estimator = nullptr;
  int bytes_per_element = 4;
  double peak = 0;            // ops/s: peak_gops * 1e9 * compute_efficiency
  double bandwidth = 0;       // bytes/s: bandwidth_gbps * 1e9 * memory_efficiency
  double active_power_w = 0;  // Platform::ActivePowerW of the class
  struct Unroll {
    LayerDimId dim;
    std::int64_t p;
    double alpha;
  };
  std::vector<Unroll> parallelism;  // refined_roofline
  // Compute-roof factor per kernel shape (ClassModel::kernel_terms), 1 for shapes not listed.
  std::array<double, kKernelShapeCount> kernel_scale{1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  // The split term's buffer (KernelTerm::buffer_bytes, line_bytes); 0: no split term.
  std::int64_t split_buffer = 0, split_line = 0;
  // A split_1x1 term is listed: split 1x1 layers take its scale.
  bool split_pointwise = false;
  // ClassModel::host_fallback: a window larger than host_max_window runs on the
  // host at host_ns_per_op per flop (roofline, refined_roofline); 0: none.
  std::int64_t host_max_window = 0;
  double host_ns_per_op = 0;
  // ClassModel::constant_ms, added by roofline and refined_roofline (not by the trees, whose
  // roofline has none); 0 without one.
  double constant_ms = 0;
  // ClassModel::gemm_tiles, winograd, overlap_p (0: max), group_waves.
  bool gemm_tiles = false, winograd = false, group_waves = false;
  std::int64_t tile_m = 1, tile_n = 1, winograd_tile = 1, wave_tile = 1, wave_units = 1;
  double tile_alpha_m = 0, tile_alpha_n = 0, winograd_speedup = 1, winograd_alpha = 0, overlap_p = 0, wave_ms = 0;
  struct Factor {
    LayerDimId dim;
    std::int64_t step;
  };
  struct Term {
    double coef;
    std::size_t first, count;  // slots[first, first + count)
  };
  std::vector<Term> terms;  // step_linear: the fitted model for the precision
  // The distinct factors of the terms, each evaluated once per layer, and
  // each term's factors as indices into them, in the profile's order (the
  // products are the same floats as factor by factor): a model fitted from
  // whole networks repeats a few factors across tens of terms.
  std::vector<Factor> factors;
  std::vector<std::uint32_t> slots;
  struct Range {
    LayerDimId dim;
    std::int64_t lo, hi;
  };
  std::vector<Range> ranges;
  // trees: the model for the precision, flattened; node k of tree t is
  // nodes[tree_first[t] + k], children indices relative to the tree.
  struct TreeNode {
    LayerDimId dim;  // kNone for a leaf
    std::int32_t left, right;
    float threshold;
    double value;
  };
  std::vector<TreeNode> nodes;
  std::vector<std::size_t> tree_first;
  double tree_base = 0;
  // The class model's interval (ratios measured/estimated); 0: none.
  double interval_low = 0, interval_high = 0, interval_level = 0;
  // step_linear asked for, but the class has no fitted model for this
  // precision (the fallback runs): the precisions it has, "fp32, int8".
  std::string fitted_precisions;
  bool fit_missing = false;
  // The class's warm model (ClassModel::warm) at this precision; null: none.
  std::optional<WarmModel> warm;
  // Its direct form (WarmModel::direct), planned as a step_linear class; null: none.
  std::shared_ptr<const ClassPlan> warm_direct;
};
// The warm factor of a layer whose cold estimate is cold_ms (> 0) on a plan with a warm model:
// the direct form's (WarmModel::DirectFactor) when the plan has one, else WarmModel::Factor.
double WarmFactorOf(const LayerFacts& f, const ClassPlan& p, double cold_ms);
// Throws std::out_of_range, as the estimators do, when `estimator` needs the
// roofs and the platform lacks `precision`.
ClassPlan PlanClass(const Platform& platform, const ClassModel& model, Precision precision,
                    const EstimatorInfo& estimator);

// A layer's time as an estimator computes it, without the report's strings.
struct Cost {
  double ms = 0;  // one execution of the layer
  Bound bound = Bound::kNone;
  double utilisation = 1.0;
  bool extrapolated = false;
  bool host = false;  // ClassPlan::host_max_window: the layer runs on the host CPU
};

// A fused layer as the estimate loop reads it: no strings, no allocation.
struct FusedLayer {
  LayerFacts facts;  // FactsOf(the fused Layer)
  OpClass op_class = OpClass::kUnknown;
  std::int64_t repeat = 1;
  bool free = false;        // a lone node whose op is one of the fusion's free_ops: estimator "free"
  bool free_dispatched = false;  // free, and its op one of dispatched_free_ops: pays dispatch_ms
  bool unknown_op = false;  // estimator "memory", flagged
  bool quantized = false;   // computes on quantized data: PlatformPlan::quantized classes
  // A float Conv's fused activation (FusedActivationOf) and its output elements, which the
  // profile's fused_activation cost is paid on (PlatformPlan::activation_ns).
  FusedActivation activation = FusedActivation::kNone;
  std::int64_t activation_elems = 0;
  bool nearest_resize = false;  // NearestResize (fusion.h), float and known
  bool conv1d = false;          // IsConv1d (layer.h), float and known: class conv1d where the plan has it
  bool nchwc = false;           // runs NCHWc at FusedNetwork::nchwc_block (when that is not 0)
};

// A fused activation's pass over a float convolution's output (Platform::fused_activation), beyond
// the conv model. The report and EstimateTotal (estimate.cc: CostOf) and the registry's per-layer
// estimate (estimator.cc, what `odonata fit` and library callers of EstimatorInfo::fn see) both go
// through these two, so that a fused Conv+Clip layer costs the same on every path.
// The activation a layer pays for: FusedActivationOf(layer) on a float layer; kNone on a quantized
// one (fusion.cc gives a quantized convolution the int8 class).
FusedActivation PricedActivation(const Layer& layer);
// ms plus the activation's constant_ms + ns x 1e-6 x output elements, when the profile prices it
// (ns > 0 or constant_ms != 0); ms unchanged otherwise.
inline double WithFusedActivation(double ms, double ns, double constant_ms, std::int64_t output_elems) {
  if (!(ns > 0) && constant_ms == 0) return ms;
  return ms + (constant_ms + ns * 1e-6 * static_cast<double>(output_elems));
}

// The registry's cost functions (estimator.cc: Estimators()).
Cost RooflineCost(const LayerFacts& f, const ClassPlan& p);
// ANNETTE's refined roofline: the compute roof is lowered by how well each
// unrolled dimension fills the hardware's parallel units.
Cost RefinedRooflineCost(const LayerFacts& f, const ClassPlan& p);
// A model fitted to measurements (odonata fit). PlanClass puts the class's
// fallback estimator in its place where there is no model for the precision.
Cost StepLinearCost(const LayerFacts& f, const ClassPlan& p);
// Gradient-boosted trees on the refined roofline's residual (platform.h
// TreeModel). PlanClass puts the fallback in its place without trees for the precision.
Cost TreesCost(const LayerFacts& f, const ClassPlan& p);
// The sum of the trees' leaves for `f` (the log of the factor on the roofline).
double TreesSum(const LayerFacts& f, const ClassPlan& p);
Cost MemoryCost(const LayerFacts& f, const ClassPlan& p);
Cost FreeCost(const LayerFacts& f, const ClassPlan& p);
// Bytes the layer moves at the plan's precision.
double BytesAt(const LayerFacts& f, const ClassPlan& p);

// For FitInt8Chains (CacheInt8): the auto estimate of a network with the profile's share (plan without
// cache_int8), split. int8_current_ms: its conv_int8 / dwconv_int8 layers' cost at the share h, repeats
// included, their dispatch not; int8_warm_ms: each such layer's warm-end cost (one repeat), listed once per
// repeat. Empty and 0 outside the partial state.
struct Int8ConvSplit {
  double total_ms = 0;
  double int8_current_ms = 0;
  std::vector<double> int8_warm_ms;
};
struct FusedNetwork;
struct PlatformPlan;
Int8ConvSplit SplitInt8Convolutions(const FusedNetwork& fused, const PlatformPlan& plan);

}  // namespace odonata
