// Per-layer estimators: pure functions of (layer, platform, precision), in one
// explicit registry that `odonata estimators` prints. No I/O, no globals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "odonata/layer.h"
#include "odonata/platform.h"

namespace odonata {

enum class Bound { kCompute, kMemory, kNone };
const char* BoundName(Bound b);  // "compute", "memory", "none"

struct LayerEstimate {
  double ms = 0;  // time of one execution of the layer
  Bound bound = Bound::kNone;
  double ops = 0;            // arithmetic operations counted (flops)
  double bytes = 0;          // bytes moved at the chosen precision
  double utilisation = 1.0;  // refined roofline: product of per-dimension efficiencies
  std::string estimator;     // registry name that produced it
};

struct EstimatorContext {
  const Layer& layer;
  const Platform& platform;
  Precision precision;
  const ClassModel& model;  // platform.ModelFor(layer.op_class)
};

using EstimatorFn = LayerEstimate (*)(const EstimatorContext&);

struct EstimatorInfo {
  std::string name;
  std::string description;
  EstimatorFn fn;
};

// The registry, in a fixed order: roofline, refined_roofline, memory, free.
const std::vector<EstimatorInfo>& Estimators();
// Look up by name; nullptr when absent.
const EstimatorInfo* FindEstimator(const std::string& name);

// Size of an unrolled dimension of a layer for the refined roofline:
// "out_h", "out_w" (output spatial), "in_c" (input channels per group),
// "out_c" (output channels / features). 0 when the layer has no such dimension.
std::int64_t LayerDim(const Layer& layer, const std::string& dim);

// ANNETTE's per-dimension efficiency 1 / ((1 - alpha) + alpha / u) with
// u = x / (ceil(x/p) * p). Returns 1 for x <= 0 or p <= 1.
double DimensionEfficiency(std::int64_t x, std::int64_t p, double alpha);

}  // namespace odonata
