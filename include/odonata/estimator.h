// Per-layer estimators: pure functions of (layer, platform, precision), in one
// explicit registry that `odonata estimators` prints. No I/O, no globals.
#pragma once

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
  double ops = 0;             // arithmetic operations counted (flops)
  double bytes = 0;           // bytes moved at the chosen precision
  double utilisation = 1.0;   // refined roofline: product of per-dimension efficiencies
  std::string estimator;      // registry name that produced it
  bool extrapolated = false;  // a fitted model was used outside the range it was fitted on
};

struct EstimatorContext {
  const Layer& layer;
  const Platform& platform;
  Precision precision;
  const ClassModel& model;  // platform.ModelFor(layer.op_class)
};

using EstimatorFn = LayerEstimate (*)(const EstimatorContext&);

// The loop API's internals (src/layer_cost.h): a layer's facts, a class's
// plan and their cost, computed without strings or allocation.
struct LayerFacts;
struct ClassPlan;
struct Cost;
using CostFn = Cost (*)(const LayerFacts&, const ClassPlan&);

struct EstimatorInfo {
  std::string name;
  std::string description;
  EstimatorFn fn;  // the estimate with the report's fields: cost(FactsOf(layer), PlanClass(...)) + ops, bytes, name
  CostFn cost;     // the same time from precomputed facts and plan (the loop API, estimate.h)
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
//   group          the window's groups (1 for ops without a window)
//   stride         the window's first stride (1 without a window)
//   dilation       the window's first dilation (1 without a window)
//   weights        elements of the constants read (weights, BN statistics): 0 for a
//                  MatMul of two activations (attention's Q x K^T)
//   inputs         activation elements read
//   align          the largest power of two, up to 64, dividing in_c (a depthwise layer:
//                  its channels); 0 without channels. CPUs' blocked kernels (ONNX
//                  Runtime's NCHWc) run only for channels in multiples of 8 or 16
//   kept           NonMaxSuppression: its output's rows, the boxes selected over all
//                  batches and classes (the loader's upper bound batch * classes *
//                  min(boxes, max_output_boxes_per_class), or the size stated with
//                  --input-shape, or a measurement row's out_rows); 0 for other ops
//   kept_per_class kept / classes, to the nearest integer (NonMaxSuppression; 0 for other ops)
//   valid_macs     Conv (depthwise and int8 too): the MACs whose input index falls inside
//                  the input, not into the zero padding: macs x prod over the window's axes
//                  of valid / (out x kernel), valid the (output o, tap t) pairs with
//                  0 <= o * stride - pad_begin + t * dilation < in (exact, in integers; a 3x3
//                  with dilation 36 at 33x33 reads only its centre tap: macs / 9). ONNX
//                  Runtime's NCHWc kernels skip the other taps. Other ops (ConvTranspose
//                  too, a scatter): macs
//   valid_permille valid_macs / macs in thousandths, to the nearest integer (1000 for other ops)
//   nms_compares   NonMaxSuppression: the IoU comparisons of ONNX Runtime's greedy loop (per batch and
//                  class, each candidate in score order is compared with the boxes selected before it
//                  until one overlaps it by more than the threshold): as stated (Layer::nms_compares,
//                  from LoadOptions::nms_compares or a measurement row's nms_compares), else its bound
//                  for the kept boxes, every suppressed candidate compared with all k selected boxes of
//                  its class: batch x classes x (k (k - 1) / 2 + (boxes - k) k), k = kept_per_class
//                  (at kept's bound, k = boxes: classes x boxes (boxes - 1) / 2); 0 for other ops
// Recurrent layers (rnn: LSTM, GRU, RNN; X [seq, batch, input], or [batch, seq, input] with
// layout 1): in_c the input size, out_c the hidden size, in_h the sequence length, batch the
// batch, spatial the time steps (seq * batch), out_h, out_w and in_w 0.
std::int64_t LayerDim(const Layer& layer, const std::string& dim);
// The names LayerDim knows, in the order above.
const std::vector<std::string>& LayerDimNames();

// The kernel shape of a layer's 2-D window (platform.h, KernelShape): kNone for
// layers without one (Gemm, element-wise, 1-D or 3-D windows).
KernelShape KernelShapeOf(const Layer& layer);

// Whether a windowed layer's input rows overflow an input buffer: the OpenVINO
// MYRIAD compiler's line check for the Myriad X's hardware convolution
// (checkLinesPerChanRestrictions in openvinotoolkit/openvino
// inference-engine/src/vpu/graph_transformer/src/middleend/hw/tiling.cpp): each
// of the in_c channels needs at least min(kernel_h + stride_h + 2 (+1 when
// in_w * bytes fits one line), in_h) rows of in_w * bytes_per_element bytes
// padded to line_bytes, in buffer_bytes. When they do not fit, the compiler
// splits the input channels into groups whose partial sums are added.
bool NeedsInputSplit(std::int64_t in_c, std::int64_t in_h, std::int64_t in_w, std::int64_t kernel_h,
                     std::int64_t stride_h, std::int64_t bytes_per_element, std::int64_t buffer_bytes,
                     std::int64_t line_bytes);
// KernelShapeOf(layer), or kSplit when `terms` has a split term and the layer
// has a 2-D window and needs the split at `bytes_per_element` (kSplitPointwise
// instead when the window is 1x1 and `terms` also has a split_1x1 term).
KernelShape KernelShapeOf(const Layer& layer, const std::vector<KernelTerm>& terms, int bytes_per_element);

// ANNETTE's per-dimension efficiency 1 / ((1 - alpha) + alpha / u) with
// u = x / (ceil(x/p) * p). Returns 1 for x <= 0 or p <= 1.
double DimensionEfficiency(std::int64_t x, std::int64_t p, double alpha);

}  // namespace odonata
