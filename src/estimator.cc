#include "odonata/estimator.h"

#include <algorithm>
#include <cmath>

namespace odonata {
namespace {

struct Roof {
  double ops, bytes, peak, bandwidth;  // ops, bytes, ops/s, bytes/s
};

Roof MakeRoof(const EstimatorContext& c) {
  const PrecisionSpec& spec = c.platform.precisions.at(c.precision);
  return {static_cast<double>(c.layer.counts.flops),
          static_cast<double>(c.layer.counts.Bytes(PrecisionBytes(c.precision))),
          spec.peak_gops.value * 1e9 * c.model.compute_efficiency.value,
          spec.bandwidth_gbps.value * 1e9 * c.model.memory_efficiency.value};
}

LayerEstimate FromRoof(const Roof& r, double utilisation, const char* name) {
  LayerEstimate e;
  e.ops = r.ops;
  e.bytes = r.bytes;
  e.utilisation = utilisation;
  e.estimator = name;
  const double compute_s = r.ops / (r.peak * utilisation);
  const double memory_s = r.bytes / r.bandwidth;
  e.bound = compute_s >= memory_s ? Bound::kCompute : Bound::kMemory;
  e.ms = std::max(compute_s, memory_s) * 1e3;
  return e;
}

LayerEstimate Roofline(const EstimatorContext& c) { return FromRoof(MakeRoof(c), 1.0, "roofline"); }

// ANNETTE's refined roofline: the compute roof is lowered by how well each
// unrolled dimension fills the hardware's parallel units.
LayerEstimate RefinedRoofline(const EstimatorContext& c) {
  double eff = 1.0;
  for (const Parallelism& p : c.model.parallelism) {
    eff *= DimensionEfficiency(LayerDim(c.layer, p.dim), p.p, p.alpha);
  }
  return FromRoof(MakeRoof(c), eff, "refined_roofline");
}

double FactorValue(const Layer& layer, const FittedFactor& f) {
  const double x = static_cast<double>(LayerDim(layer, f.dim));
  return f.step > 0 ? std::floor((x - 1) / static_cast<double>(f.step)) : x;
}

// A model fitted to measurements (odonata fit). Without one for the asked
// precision, the class's fallback estimator answers.
LayerEstimate StepLinear(const EstimatorContext& c) {
  const FittedModel* f = c.model.FittedFor(c.precision);
  if (!f) {
    const EstimatorInfo* fallback = FindEstimator(c.model.fallback);
    if (!fallback || fallback->fn == &StepLinear) fallback = FindEstimator("roofline");
    return fallback->fn(c);
  }
  LayerEstimate e;
  e.estimator = "step_linear";
  e.bound = Bound::kFitted;
  e.ops = static_cast<double>(c.layer.counts.flops);
  e.bytes = static_cast<double>(c.layer.counts.Bytes(PrecisionBytes(c.precision)));
  double t = 0;
  for (const FittedTerm& term : f->terms) {
    double v = term.coef;
    for (const FittedFactor& factor : term.factors) v *= FactorValue(c.layer, factor);
    t += v;
  }
  for (const auto& [dim, range] : f->range) {
    const std::int64_t x = LayerDim(c.layer, dim);
    if (x < range.first || x > range.second) e.extrapolated = true;
  }
  // A fitted polynomial can dip below zero far outside its range; time cannot.
  if (t < 0) {
    t = 0;
    e.extrapolated = true;
  }
  e.ms = t;
  return e;
}

LayerEstimate Memory(const EstimatorContext& c) {
  Roof r = MakeRoof(c);
  r.ops = 0;
  LayerEstimate e = FromRoof(r, 1.0, "memory");
  e.ops = static_cast<double>(c.layer.counts.flops);
  e.bound = Bound::kMemory;
  return e;
}

LayerEstimate Free(const EstimatorContext& c) {
  LayerEstimate e;
  e.ops = static_cast<double>(c.layer.counts.flops);
  e.bytes = static_cast<double>(c.layer.counts.Bytes(PrecisionBytes(c.precision)));
  e.estimator = "free";
  return e;
}

std::int64_t Product(const std::vector<std::int64_t>& v) {
  std::int64_t p = 1;
  for (std::int64_t x : v) p *= x;
  return p;
}

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
      {"roofline", "max(ops / peak, bytes / bandwidth) with the class's efficiencies", &Roofline},
      {"refined_roofline",
       "ANNETTE: roofline with the compute roof scaled by the utilisation of each unrolled dimension "
       "(u = x / (ceil(x/p) * p), eff = 1 / ((1 - alpha) + alpha / u))",
       &RefinedRoofline},
      {"step_linear",
       "model fitted to measurements (odonata fit): sum of coefficients times step floor((x-1)/s) or linear "
       "factors of layer dimensions; the class's fallback estimator without a model for the precision",
       &StepLinear},
      {"memory", "bytes / bandwidth only (ops the platform or odonata cannot cost otherwise)", &Memory},
      {"free", "zero time: the platform elides the op (e.g. Concat written in place)", &Free},
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
  static const std::vector<std::string> names = {"out_h", "out_w",  "in_c",    "out_c", "in_h", "in_w",
                                                 "batch", "kernel", "spatial", "macs",  "elems"};
  return names;
}

std::int64_t LayerDim(const Layer& l, const std::string& dim) {
  const Shape* out = l.outputs.empty() ? nullptr : &l.outputs[0].shape;
  const Shape* in = l.inputs.empty() ? nullptr : &l.inputs[0].shape;
  if (dim == "macs") return l.counts.macs;
  if (dim == "elems") return out ? Product(*out) : 0;
  if (dim == "batch") return in && !in->empty() ? (*in)[0] : 0;
  if (dim == "in_h") return in && in->size() >= 3 ? (*in)[2] : 0;
  if (dim == "in_w") return in && in->size() >= 4 ? (*in)[3] : 0;
  if (dim == "kernel") return l.window.kernel.empty() ? 1 : Product(l.window.kernel);
  if (dim == "spatial") {
    if (!out || out->empty()) return 0;
    if (l.op_class == OpClass::kGemm) return out->back() > 0 ? Product(*out) / out->back() : 0;
    if (out->size() < 2) return (*out)[0];
    // batch * output positions, times the kernel window for window ops.
    const std::int64_t positions = (*out)[1] > 0 ? Product(*out) / (*out)[1] : 0;
    return positions * (l.window.kernel.empty() ? 1 : Product(l.window.kernel));
  }
  if (l.op_class == OpClass::kGemm) {
    // Features: out_c = N (output's last dim), in_c = K (A's reduced dim).
    if (dim == "out_c") return out && !out->empty() ? out->back() : 0;
    if (dim == "in_c") {
      if (!in || in->empty()) return 0;
      auto t = l.attributes.find("transA");
      bool trans = t != l.attributes.end() && std::get<std::int64_t>(t->second) != 0;
      return trans && in->size() == 2 ? (*in)[0] : in->back();
    }
    return 0;
  }
  if (dim == "out_h") return out && out->size() >= 3 ? (*out)[2] : 0;
  if (dim == "out_w") return out && out->size() >= 4 ? (*out)[3] : 0;
  if (dim == "out_c") return out && out->size() >= 2 ? (*out)[1] : 0;
  if (dim == "in_c") {
    if (!in || in->size() < 2) return 0;
    return (*in)[1] / std::max<std::int64_t>(l.window.group, 1);
  }
  return 0;
}

double DimensionEfficiency(std::int64_t x, std::int64_t p, double alpha) {
  if (x <= 0 || p <= 1) return 1.0;
  const double u = static_cast<double>(x) / (std::ceil(static_cast<double>(x) / p) * p);
  return 1.0 / ((1.0 - alpha) + alpha / u);
}

}  // namespace odonata
