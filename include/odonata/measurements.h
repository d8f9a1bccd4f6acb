// Single-layer benchmark configurations and their measurements: the
// measurement CSV (README "Measurement CSV") and the layer each configuration
// describes. Sweep plans of configurations: sweep.h.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "odonata/layer.h"
#include "odonata/platform.h"

namespace odonata {

// One single-layer configuration, in NCHW terms. Ops (column `op`):
//   Conv, DepthwiseConv (groups = in_c; out_c a multiple of in_c), ConvTranspose, Gemm (in_c -> out_c
//   features, batch rows), MatMul (two activations, [batch, in_h, in_c] x [batch, in_c, out_c], in_w 1:
//   attention's batched products), MaxPool, AveragePool, GlobalAveragePool, Add, Mul,
//   Relu, Clip, Sigmoid, HardSwish, BatchNormalization, Softmax, Concat (two
//   inputs of in_c channels), Resize (nearest, x stride_h / stride_w upsampling),
//   NonMaxSuppression (boxes [batch, in_h, 4], scores [batch, in_c, in_h], in_w 1,
//   out_c = in_c, IoU threshold 0.5, every box may be selected; `groups` describes
//   the data only: the boxes fall in that many groups that never overlap).
struct LayerConfig {
  std::string op = "Conv";
  std::int64_t batch = 1;
  std::int64_t in_c = 1, in_h = 1, in_w = 1;
  std::int64_t out_c = 1;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t groups = 1;
  std::int64_t dilation = 1;
  std::int64_t pad_h = -1, pad_w = -1;  // -1: "same" padding, floor(dilation * (kernel - 1) / 2)
  Precision precision = Precision::kFp32;

  bool operator==(const LayerConfig&) const = default;
};

// A configuration with what was measured. Optional fields are NaN / nullopt
// when the CSV lacks them; latency_ms is NaN in a sweep plan.
struct Measurement {
  LayerConfig config;
  double latency_ms = 0;
  std::optional<double> latency_ms_p10, latency_ms_p90;
  std::optional<std::int64_t> repeats;
  std::optional<double> power_w, energy_mj;
  // Rows of the first output as the runtime produced them on the timed feed
  // (column `out_rows`): a NonMaxSuppression's selected boxes. nullopt: the
  // output keeps its upper bound (ToLayer's).
  std::optional<std::int64_t> out_rows;
  // The IoU comparisons a NonMaxSuppression's greedy loop made on that feed (column
  // `nms_compares`, tools/ort/run.js's replay): LayerDim "nms_compares". nullopt: its bound.
  std::optional<std::int64_t> nms_compares;
  std::string origin;  // "file.csv:12", for errors and reports
  // Columns beyond the canonical ones (e.g. `name`, `model`), kept in order.
  std::vector<std::pair<std::string, std::string>> extra;
};

// The canonical column order, as written.
const std::vector<std::string>& MeasurementColumns();

// Parse a measurement CSV (comma-separated, header row, RFC 4180 quoting).
// Required columns: op, in_c, in_h, in_w, out_c, kernel_h, kernel_w,
// stride_h, stride_w, precision, and latency_ms when `require_latency`;
// batch, groups, dilation, pad_h, pad_w default to 1, 1, 1, same, same.
// Errors name origin and line: "m.csv:12: latency_ms: 'abc' is not a number".
// NaN, infinite, negative or zero latencies, dims < 1, unknown ops and
// precisions, duplicate or missing header columns, a ';' or tab delimiter
// are errors.
std::vector<Measurement> ParseMeasurements(const std::string& text, const std::string& origin,
                                           bool require_latency = true);
std::vector<Measurement> ReadMeasurements(const std::string& path, bool require_latency = true);
// Write rows with the canonical columns (plus latency columns when any row has
// them, plus the extra columns of the first row). Deterministic.
void WriteMeasurements(const std::vector<Measurement>& rows, std::ostream& out);

// The single-node layer a configuration describes: shapes, window and counts
// exactly as the ONNX loader would produce for the equivalent model. Throws
// Error for impossible configurations (output size < 1, in_c % groups != 0).
Layer ToLayer(const LayerConfig& config);
// ToLayer(m.config) with the first output's leading size set to m.out_rows
// when the row has one (a NonMaxSuppression's measured selections; LayerDim
// "kept"), counts recomputed, and Layer::nms_compares set to m.nms_compares. Throws
// Error as ToLayer, for an out_rows above the output's bound or on an op whose output
// size does not depend on its input values, and for an nms_compares on an op other than
// NonMaxSuppression or above its bound for the kept boxes.
Layer ToLayer(const Measurement& m);

// The convolution + activation ops (ConvRelu, ConvClip, ConvSigmoid, ConvHardSigmoid,
// ConvHardSwish and the same after DepthwiseConv): the activation, and in `plain` the
// convolution's op ("Conv" or "DepthwiseConv"); kNone (and `plain` untouched) for other ops.
FusedActivation SweepActivation(const std::string& op, std::string* plain = nullptr);
// The ONNX nodes of the model odonata sweep writes for `config` (WriteLayerModel), each as the
// loader reads it, chained by tensor names: ToLayer's one layer for most ops; for a convolution
// + activation op, the Conv (output `t`) and its activation as exporters write it: Relu, Clip
// (Constant min 0, max 6), Sigmoid, HardSigmoid (alpha 1/6, beta 0.5; PyTorch's hardsigmoid)
// or HardSwish as MobileNetV3 exports it at opset 13, Mul(t, HardSigmoid(t)), into `y`.
// The HardSwish model's Mul writes `hardswish`, which a Reshape to the same shape makes the
// graph output `y` (not among these nodes): ONNX Runtime 1.30 leaves Mul(t, HardSigmoid(t)) unfused
// when the Mul's output is a graph output (tools/ort/optimized.js, 2026-12-06), and the Reshape,
// an alias, runs in no measurable time (host-ort-cpu's fusion makes it a free layer of its own).
// ResizeNchwc: a depthwise 1x1 Conv `conv` (x -> t, weights w [in_c, 1, 1, 1] and b) and the nearest
// Resize of `t` into `y`, so that ONNX Runtime runs the Resize as its NCHWc Upsample; ToLayer is the
// Resize alone (class resize_nchwc), the kernel tools/ort/run.js times.
// ToLayer of such an op is these nodes fused by the rule ONNX Runtime applies (a Conv
// absorbing Relu, Clip, Sigmoid, HardSigmoid, and gating HardSigmoid): one NCHWc Conv with
// the activation (host-ort-cpu.json's Conv rules give the same layer).
std::vector<Layer> LayerNodes(const LayerConfig& config);

}  // namespace odonata
