// The estimator registry and the per-layer estimate of each entry.
#include "odonata/estimator.h"

#include <cmath>

#include "layer_cost.h"

namespace odonata {
namespace {

// Registry order (Estimators()).
enum Index { kRoofline, kRefinedRoofline, kStepLinear, kMemory, kFree, kTrees };

// The estimate of the registry entry `index` for one layer: the same cost
// function the loop API (estimate.h) calls, plus the report's fields.
LayerEstimate Run(const EstimatorContext& c, Index index) {
  // An int8 class runs at int8 where the platform has it, as in PlanPlatform (estimate.cc).
  const Precision precision =
      IsInt8Class(c.layer.op_class) && c.platform.precisions.count(Precision::kInt8) ? Precision::kInt8 : c.precision;
  const ClassPlan plan = PlanClass(c.platform, c.model, precision, Estimators()[index]);
  const LayerFacts facts = FactsOf(c.layer);
  const Cost cost = plan.estimator->cost(facts, plan);
  LayerEstimate e;
  e.ms = cost.ms;
  // A fused activation's pass over the output, as the report adds it (estimate.cc: CostOf).
  const FusedActivation activation = PricedActivation(c.layer);
  if (activation != FusedActivation::kNone) {
    const auto it = c.platform.fused_activation.find(activation);
    if (it != c.platform.fused_activation.end()) {
      e.ms = WithFusedActivation(e.ms, it->second.value, it->second.constant_ms, c.layer.counts.output_elems);
    }
  }
  e.bound = cost.bound;
  e.ops = static_cast<double>(facts.flops);
  e.bytes = BytesAt(facts, plan);
  e.utilisation = cost.utilisation;
  e.estimator = plan.estimator->name;
  e.extrapolated = cost.extrapolated;
  return e;
}

LayerEstimate RooflineEstimate(const EstimatorContext& c) { return Run(c, kRoofline); }
LayerEstimate RefinedRooflineEstimate(const EstimatorContext& c) { return Run(c, kRefinedRoofline); }
LayerEstimate StepLinearEstimate(const EstimatorContext& c) { return Run(c, kStepLinear); }
LayerEstimate MemoryEstimate(const EstimatorContext& c) { return Run(c, kMemory); }
LayerEstimate FreeEstimate(const EstimatorContext& c) { return Run(c, kFree); }
LayerEstimate TreesEstimate(const EstimatorContext& c) { return Run(c, kTrees); }

}  // namespace

const char* BoundName(Bound b) {
  switch (b) {
    case Bound::kCompute:
      return "compute";
    case Bound::kMemory:
      return "memory";
    case Bound::kFitted:
      return "fitted";
    case Bound::kNone:
      return "none";
  }
  return "none";
}

const std::vector<EstimatorInfo>& Estimators() {
  static const std::vector<EstimatorInfo> registry = {
      {"roofline", "max(ops / peak, bytes / bandwidth) with the class's efficiencies", &RooflineEstimate,
       &RooflineCost},
      {"refined_roofline",
       "ANNETTE: roofline with the compute roof scaled by the utilisation of each unrolled dimension "
       "(u = x / (ceil(x/p) * p), eff = 1 / ((1 - alpha) + alpha / u))",
       &RefinedRooflineEstimate, &RefinedRooflineCost},
      {"step_linear",
       "model fitted to measurements (odonata fit): sum of coefficients times step floor((x-1)/s) or linear "
       "factors of layer dimensions; the class's fallback estimator without a model for the precision",
       &StepLinearEstimate, &StepLinearCost},
      {"memory", "bytes / bandwidth only (ops the platform or odonata cannot cost otherwise)", &MemoryEstimate,
       &MemoryCost},
      {"free", "zero time: the platform elides the op (e.g. Concat written in place)", &FreeEstimate, &FreeCost},
      {"trees",
       "gradient-boosted trees fitted to measurements (odonata fit, xgboost) on the refined roofline's residual: "
       "refined roofline x exp(sum of the trees' leaves); the class's fallback estimator without trees for the "
       "precision",
       &TreesEstimate, &TreesCost},
  };
  return registry;
}

const EstimatorInfo* FindEstimator(const std::string& name) {
  for (const EstimatorInfo& e : Estimators()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const std::vector<std::string>& LayerDimNames() {
  static const std::vector<std::string> names = {"out_h",  "out_w",   "in_c", "out_c", "in_h",  "in_w",   "batch",
                                                 "kernel", "spatial", "macs", "elems", "boxes", "classes",
                                                 "group",  "stride",  "dilation", "weights", "inputs", "align", "kept", "kept_per_class",
                                                 "valid_macs", "valid_permille", "nms_compares"};
  return names;
}

std::int64_t LayerDim(const Layer& l, const std::string& dim) { return LayerDim(l, LayerDimIdOf(dim)); }

KernelShape KernelShapeOf(const Layer& l) {
  const std::vector<std::int64_t>& k = l.window.kernel;
  if (k.size() != 2) return KernelShape::kNone;
  // A 1x1 window with a stride reads every stride-th pixel and nothing else: a
  // 1x1 convolution over a subsampled input (TensorRT and cuDNN run it as the
  // same GEMM as a stride-1 1x1 convolution), so it keeps the 1x1 term.
  const bool pointwise = k[0] == 1 && k[1] == 1;
  for (std::int64_t s : l.window.strides) {
    if (s > 1 && !pointwise) return KernelShape::kStrided;
  }
  if (k[0] != k[1]) return KernelShape::kAsymmetric;
  return k[0] == 1 ? KernelShape::kPointwise : KernelShape::kSquare;
}

bool NeedsInputSplit(std::int64_t in_c, std::int64_t in_h, std::int64_t in_w, std::int64_t kernel_h,
                     std::int64_t stride_h, std::int64_t bytes_per_element, std::int64_t buffer_bytes,
                     std::int64_t line_bytes) {
  if (in_c <= 0 || in_h <= 0 || in_w <= 0 || buffer_bytes <= 0 || line_bytes <= 0) return false;
  const std::int64_t row = in_w * bytes_per_element;
  const std::int64_t bytes_per_line = (row + line_bytes - 1) / line_bytes * line_bytes;
  const std::int64_t lines = std::min(buffer_bytes / (in_c * bytes_per_line), in_h);
  const std::int64_t min_lines = std::min(kernel_h + stride_h + 2 + (row <= line_bytes ? 1 : 0), in_h);
  return lines < min_lines;
}

KernelShape KernelShapeOf(const Layer& layer, const std::vector<KernelTerm>& terms, int bytes_per_element) {
  const KernelShape shape = KernelShapeOf(layer);
  if (shape == KernelShape::kNone) return shape;
  bool split_pointwise = false;
  for (const KernelTerm& t : terms) split_pointwise = split_pointwise || t.shape == KernelShape::kSplitPointwise;
  for (const KernelTerm& t : terms) {
    if (t.shape != KernelShape::kSplit) continue;
    const std::int64_t stride = layer.window.strides.empty() ? 1 : layer.window.strides[0];
    if (NeedsInputSplit(LayerDim(layer, "in_c"), LayerDim(layer, "in_h"), LayerDim(layer, "in_w"),
                        layer.window.kernel[0], stride, bytes_per_element, t.buffer_bytes, t.line_bytes)) {
      return split_pointwise && shape == KernelShape::kPointwise ? KernelShape::kSplitPointwise : KernelShape::kSplit;
    }
  }
  return shape;
}

double DimensionEfficiency(std::int64_t x, std::int64_t p, double alpha) {
  if (x <= 0 || p <= 1) return 1.0;
  const double u = static_cast<double>(x) / (std::ceil(static_cast<double>(x) / p) * p);
  return 1.0 / ((1.0 - alpha) + alpha / u);
}

}  // namespace odonata
