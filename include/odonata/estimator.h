// Per-layer estimators: pure functions of (layer, platform, precision), in one
// explicit registry that `odonata estimators` prints. No I/O, no globals.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "odonata/layer.h"
#include "odonata/platform.h"

namespace odonata {

enum class Bound { kCompute, kMemory, kFitted, kNone };
const char* BoundName(Bound b);  // "compute", "memory", "fitted", "none"

struct LayerEstimate {
  double ms = 0;  // time of one execution of the layer
  Bound bound = Bound::kNone;
  double ops = 0;            // arithmetic operations counted (flops)
  double bytes = 0;          // bytes moved at the chosen precision
  double utilisation = 1.0;  // refined roofline: product of per-dimension efficiencies
  std::string estimator;     // registry name that produced it
  bool extrapolated = false; // a fitted model was used outside the range it was fitted on
};

struct EstimatorContext {
  const Layer& layer;
  const Platform& platform;
  Precision precision;
  const ClassModel& model;  // platform.ModelFor(layer.op_class)
};

using EstimatorFn = LayerEstimate (*)(const EstimatorContext&);

// The LayerDim names (below) as ids, in LayerDimNames() order, so that a
// platform's dimension names are resolved once, not looked up per layer.
enum class LayerDimId : std::uint8_t {
  kOutH, kOutW, kInC, kOutC, kInH, kInW, kBatch, kKernel, kSpatial, kMacs, kElems, kBoxes, kClasses,
  kNone,  // a name LayerDim does not know: always 0
};
inline constexpr std::size_t kLayerDimCount = static_cast<std::size_t>(LayerDimId::kNone);
// Id of a LayerDim name; kNone when unknown.
LayerDimId LayerDimIdOf(const std::string& name);

// What the estimators read of a layer, computed once (FactsOf): plain numbers,
// no strings. Equal facts give equal estimates.
struct LayerFacts {
  std::int64_t flops = 0;
  std::int64_t traffic_elems = 0;  // input + output + weight elements: Counts::Bytes(b) / b
  std::array<std::int64_t, kLayerDimCount + 1> dims{};  // LayerDim by id; dims[kNone] is 0

  std::int64_t Dim(LayerDimId d) const { return dims[static_cast<std::size_t>(d)]; }
};
// Throws Error when the layer's traffic overflows 64 bits (as Counts::Bytes).
LayerFacts FactsOf(const Layer& layer);

struct EstimatorInfo;

// A platform's class model resolved for one precision and one estimator
// (PlanClass): names turned into ids and pointers, roofs multiplied out. Built
// once per (platform, precision, class); estimating with it allocates nothing.
struct ClassPlan {
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
  struct Factor {
    LayerDimId dim;
    std::int64_t step;
  };
  struct Term {
    double coef;
    std::size_t first, count;  // factors[first, first + count)
  };
  std::vector<Term> terms;  // step_linear: the fitted model for the precision
  std::vector<Factor> factors;
  struct Range {
    LayerDimId dim;
    std::int64_t lo, hi;
  };
  std::vector<Range> ranges;
};
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
};
using CostFn = Cost (*)(const LayerFacts&, const ClassPlan&);

struct EstimatorInfo {
  std::string name;
  std::string description;
  EstimatorFn fn;  // the estimate with the report's fields: cost(FactsOf(layer), PlanClass(...)) + ops, bytes, name
  CostFn cost;     // the same time from precomputed facts and plan (the loop API, report.h)
};

// The registry, in a fixed order: roofline, refined_roofline, step_linear, memory, free.
const std::vector<EstimatorInfo>& Estimators();
// Look up by name; nullptr when absent.
const EstimatorInfo* FindEstimator(const std::string& name);

// A size of a layer, for the refined roofline's unrolled dimensions and the
// factors of fitted models. 0 when the layer has no such dimension.
//   out_h, out_w   output spatial size (NCHW dims 2 and 3)
//   in_c           input channels per group (Gemm/MatMul: the reduced dim K)
//   out_c          output channels (Gemm/MatMul: output features N)
//   in_h, in_w     input spatial size
//   batch          leading dim of the first input
//   kernel         kernel_h * kernel_w (1 for ops without a window)
//   spatial        work per (in_c, out_c) pair: batch * out_h * out_w * kernel
//                  for window ops, rows (M) for Gemm/MatMul, batch * h * w otherwise
//   macs, elems    the layer's MACs; elements of its first output
//   boxes, classes NonMaxSuppression: boxes per class N; batch * classes (0 for other ops)
std::int64_t LayerDim(const Layer& layer, const std::string& dim);
std::int64_t LayerDim(const Layer& layer, LayerDimId dim);
// The names LayerDim knows, in the order above (and of LayerDimId).
const std::vector<std::string>& LayerDimNames();

// ANNETTE's per-dimension efficiency 1 / ((1 - alpha) + alpha / u) with
// u = x / (ceil(x/p) * p). Returns 1 for x <= 0 or p <= 1.
double DimensionEfficiency(std::int64_t x, std::int64_t p, double alpha);

}  // namespace odonata
