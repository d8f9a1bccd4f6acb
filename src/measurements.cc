// Measurement CSV (docs/measurement-csv.md) and the single-node layer a
// benchmark configuration describes. The CSV reader is a small RFC 4180
// parser that remembers the line each record starts on, so every error can
// name "file.csv:12: column: problem".
#include "odonata/measurements.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <ostream>
#include <sstream>
#include <string_view>

#include "counts.h"
#include "layer_cost.h"
#include "io.h"
#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/fusion.h"
#include "odonata/network.h"
#include "text.h"

namespace odonata {
namespace {

using Record = text::CsvRecord;
using text::CsvReader;
using text::IsBlank;
using text::Trim;

using I64 = std::int64_t;

// --- The op table -----------------------------------------------------------

// How a configuration becomes an ONNX node (ToLayer): each builder sets the
// layer's inputs, outputs, window and attributes, checking what its op needs.
using Builder = void (*)(const LayerConfig& c, Layer& l);
void BuildConv(const LayerConfig& c, Layer& l);
void BuildDepthwiseConv(const LayerConfig& c, Layer& l);
void BuildConv1d(const LayerConfig& c, Layer& l);           // [batch, in_c, in_w]: in_h, kernel_h, stride_h 1
void BuildDepthwiseConv1d(const LayerConfig& c, Layer& l);  // the same, groups = in_c
void BuildConvTranspose(const LayerConfig& c, Layer& l);
void BuildGemm(const LayerConfig& c, Layer& l);
void BuildMatMul(const LayerConfig& c, Layer& l);  // batch x [in_h x in_c] x [in_c x out_c], both activations
void BuildPool(const LayerConfig& c, Layer& l);        // MaxPool, AveragePool: kernel, stride, pad
void BuildGlobalPool(const LayerConfig& c, Layer& l);  // GlobalAveragePool
void BuildBinary(const LayerConfig& c, Layer& l);      // Add, Mul: two activations of the same shape
void BuildUnary(const LayerConfig& c, Layer& l);       // Relu, Sigmoid, HardSwish
void BuildClip(const LayerConfig& c, Layer& l);        // Clip(x, min = 0, max = 6): ReLU6
void BuildBatchNorm(const LayerConfig& c, Layer& l);
void BuildSoftmax(const LayerConfig& c, Layer& l);  // over the channel axis
void BuildSoftmaxLast(const LayerConfig& c, Layer& l);  // [batch, in_c, in_h, in_w] over in_w (attention's)
void BuildReduceMean(const LayerConfig& c, Layer& l);   // [batch, in_h, in_w, in_c] over in_c, kept as 1
void BuildLayerNorm(const LayerConfig& c, Layer& l);  // [batch, in_h, in_w, in_c] over in_c (the last axis)
void BuildGelu(const LayerConfig& c, Layer& l);       // com.microsoft Gelu, ONNX Runtime's fused exact GELU
void BuildSilu(const LayerConfig& c, Layer& l);       // com.microsoft QuickGelu: SiLU, written as Sigmoid + Mul
void BuildConcat(const LayerConfig& c, Layer& l);   // two inputs of in_c channels on the channel axis
void BuildTranspose(const LayerConfig& c, Layer& l);  // perm (0, 2, 1, 3): channels and rows swap, rows kept whole
void BuildTranspose3D(const LayerConfig& c, Layer& l);  // perm (1, 0, 2) of [in_c, in_h, in_w] (batch 1)
void BuildResize(const LayerConfig& c, Layer& l);   // nearest, scales (1, 1, stride_h, stride_w)
void BuildResizeLinear(const LayerConfig& c, Layer& l);  // bilinear (half_pixel), the same scales
void BuildResizeNchwc(const LayerConfig& c, Layer& l);   // nearest, asymmetric, floor: ONNX Runtime's NCHWc Upsample
void BuildNms(const LayerConfig& c, Layer& l);  // in_h boxes, in_c classes, groups = disjoint box groups (data only)
void BuildNmsIou(const LayerConfig& c, Layer& l);  // the same, IoU threshold kernel_h / 100 (BuildNms: 0.5)
void BuildNmsAnchors(const LayerConfig& c, Layer& l);  // the same layer, anchor-like boxes (in_w anchors)
void BuildRecurrent(const LayerConfig& c, Layer& l);  // LSTM, GRU, RNN: in_h steps of in_c -> out_c (hidden)
void BuildRoiAlign(const LayerConfig& c, Layer& l);   // batch rois of a [1, in_c, in_h, in_w] map -> kernel_h x kernel_w bins
void BuildScatterElements(const LayerConfig& c, Layer& l);  // axis 0, int64 indices, all three of the input's shape
void BuildTopK(const LayerConfig& c, Layer& l);      // X [batch, in_c] ([in_c] for batch 1), the out_c largest
void BuildNonZero(const LayerConfig& c, Layer& l);   // X [in_c] -> int64 [1, in_c] (every element nonzero: the bound)
void BuildGatherNd(const LayerConfig& c, Layer& l);  // data [in_h, in_c] ([in_h]), int64 indices [batch, 1] -> [batch, in_c]
void BuildSlice(const LayerConfig& c, Layer& l);     // the first out_c channels of [batch, in_c, in_h, in_w] ([batch, in_c])
void BuildGather(const LayerConfig& c, Layer& l);    // axis 0: out_c rows of data [in_h, in_c] -> [out_c, in_c]
void BuildGatherColumn(const LayerConfig& c, Layer& l);  // axis 1, scalar index 1: a column of [in_h, in_c] -> [in_h]
void BuildSliceH(const LayerConfig& c, Layer& l);    // axis 2: the first out_c of in_h rows of [batch, in_c, in_h, in_w]
void BuildGatherBlock(const LayerConfig& c, Layer& l);  // axis 0, scalar index 0: [out_c, batch, in_c, in_h, in_w] -> Input

struct OpSpec {
  const char* name;     // the `op` column
  const char* op_type;  // the ONNX op
  Builder build;
};

constexpr OpSpec kOps[] = {
    {"Conv", "Conv", BuildConv},
    {"DepthwiseConv", "Conv", BuildDepthwiseConv},
    {"Conv1d", "Conv", BuildConv1d},
    {"DepthwiseConv1d", "Conv", BuildDepthwiseConv1d},
    {"ConvTranspose", "ConvTranspose", BuildConvTranspose},
    {"Gemm", "Gemm", BuildGemm},
    {"MatMul", "MatMul", BuildMatMul},
    {"MaxPool", "MaxPool", BuildPool},
    {"AveragePool", "AveragePool", BuildPool},
    {"GlobalAveragePool", "GlobalAveragePool", BuildGlobalPool},
    {"Add", "Add", BuildBinary},
    {"Mul", "Mul", BuildBinary},
    {"Relu", "Relu", BuildUnary},
    {"Clip", "Clip", BuildClip},
    {"Sigmoid", "Sigmoid", BuildUnary},
    {"HardSwish", "HardSwish", BuildUnary},
    {"BatchNormalization", "BatchNormalization", BuildBatchNorm},
    {"Softmax", "Softmax", BuildSoftmax},
    {"LayerNormalization", "LayerNormalization", BuildLayerNorm},
    {"Gelu", "Gelu", BuildGelu},
    {"SiLU", "QuickGelu", BuildSilu},
    {"Concat", "Concat", BuildConcat},
    {"Transpose", "Transpose", BuildTranspose},
    {"Resize", "Resize", BuildResize},
    {"ResizeLinear", "Resize", BuildResizeLinear},
    {"ResizeNchwc", "Resize", BuildResizeNchwc},
    {"NonMaxSuppression", "NonMaxSuppression", BuildNms},
    {"LSTM", "LSTM", BuildRecurrent},
    {"GRU", "GRU", BuildRecurrent},
    {"RNN", "RNN", BuildRecurrent},
    {"RoiAlign", "RoiAlign", BuildRoiAlign},
    {"ScatterElements", "ScatterElements", BuildScatterElements},
    {"TopK", "TopK", BuildTopK},
    {"NonZero", "NonZero", BuildNonZero},
    {"GatherND", "GatherND", BuildGatherNd},
    {"Slice", "Slice", BuildSlice},
    {"Gather", "Gather", BuildGather},
    {"GatherColumn", "Gather", BuildGatherColumn},
    {"SliceH", "Slice", BuildSliceH},
    {"GatherBlock", "Gather", BuildGatherBlock},
    {"SoftmaxLast", "Softmax", BuildSoftmaxLast},
    {"ReduceMean", "ReduceMean", BuildReduceMean},
    {"Transpose3D", "Transpose", BuildTranspose3D},
    {"NonMaxSuppressionIoU", "NonMaxSuppression", BuildNmsIou},
    {"NonMaxSuppressionAnchors", "NonMaxSuppression", BuildNmsAnchors},
    // A convolution and a fused activation (LayerNodes, SweepActivation): ToLayer fuses them.
    {"ConvRelu", "Conv", BuildConv},
    {"ConvClip", "Conv", BuildConv},
    {"ConvSigmoid", "Conv", BuildConv},
    {"ConvHardSigmoid", "Conv", BuildConv},
    {"ConvHardSwish", "Conv", BuildConv},
    {"DepthwiseConvRelu", "Conv", BuildDepthwiseConv},
    {"DepthwiseConvClip", "Conv", BuildDepthwiseConv},
    {"DepthwiseConvSigmoid", "Conv", BuildDepthwiseConv},
    {"DepthwiseConvHardSigmoid", "Conv", BuildDepthwiseConv},
    {"DepthwiseConvHardSwish", "Conv", BuildDepthwiseConv},
};

const OpSpec* FindOp(std::string_view name) {
  for (const OpSpec& op : kOps) {
    if (name == op.name) return &op;
  }
  return nullptr;
}

std::string KnownOps() {
  std::string out;
  for (const OpSpec& op : kOps) out += (out.empty() ? "" : ", ") + std::string(op.name);
  return out;
}

Error UnknownOp(const std::string& op) { return Error("unknown op '" + op + "' (known: " + KnownOps() + ")"); }

// --- ToLayer helpers --------------------------------------------------------

TensorInfo Tensor(const std::string& name, Shape shape) {
  TensorInfo t;
  t.name = name;
  t.shape = std::move(shape);
  t.dtype = DataType::kFloat32;
  return t;
}

TensorInfo Weight(const std::string& name, Shape shape) {
  TensorInfo t = Tensor(name, std::move(shape));
  t.is_weight = true;
  return t;
}

// A value the model computes with a Constant node (Resize scales, Clip
// bounds): read like a weight, not a trained parameter, as the loader sees it.
TensorInfo Constant(const std::string& name, Shape shape) {
  TensorInfo t = Tensor(name, std::move(shape));
  t.is_constant = true;
  return t;
}

// An int64 Constant input (TopK's k, NonMaxSuppression's box limit, Slice's starts/ends/axes/steps,
// Gather's indices); the writer gives its values (writer.cc Int64ConstantValues).
TensorInfo Int64Constant(const std::string& name, Shape shape) {
  TensorInfo t = Constant(name, std::move(shape));
  t.dtype = DataType::kInt64;
  return t;
}

// A Slice's four one-element int64 Constant inputs after its data.
void AddSliceConstants(Layer& l) {
  for (const char* name : {"starts", "ends", "axes", "steps"}) l.inputs.push_back(Int64Constant(name, {1}));
}

// Padding on each side: "same" (-1) keeps the size at stride 1 for odd
// kernels, floor(dilation * (kernel - 1) / 2); a 2x2 pool gets none.
I64 Pad(I64 pad, I64 kernel, I64 dilation) { return pad >= 0 ? pad : CheckedMul(dilation, kernel - 1) / 2; }

// floor((in + 2 pad - dilation (kernel - 1) - 1) / stride) + 1, as ONNX's
// Conv and pooling shape inference (ceil_mode 0).
I64 WindowOut(const LayerConfig& c, const char* axis, I64 in, I64 kernel, I64 stride, I64 pad, I64 dilation) {
  I64 span = CheckedAdd(CheckedMul(dilation, kernel - 1), 1);
  I64 room = CheckedAdd(in, CheckedMul(2, pad)) - span;
  if (room < 0) {
    throw Error(c.op + ": the kernel does not fit: output " + axis + " would be < 1 (in_" + axis + " " +
                std::to_string(in) + ", kernel_" + axis + " " + std::to_string(kernel) + ", dilation " +
                std::to_string(dilation) + ", pad_" + axis + " " + std::to_string(pad) + ")");
  }
  return room / stride + 1;
}

// (in - 1) stride - 2 pad + dilation (kernel - 1) + 1 (output_padding 0).
I64 TransposeOut(const LayerConfig& c, const char* axis, I64 in, I64 kernel, I64 stride, I64 pad, I64 dilation) {
  I64 out = CheckedAdd(CheckedMul(in - 1, stride), CheckedMul(dilation, kernel - 1)) + 1 - CheckedMul(2, pad);
  if (out < 1) {
    throw Error(c.op + ": output " + std::string(axis) + " would be " + std::to_string(out) + " (pad_" + axis + " " +
                std::to_string(pad) + " too large)");
  }
  return out;
}

void CheckPositive(const LayerConfig& c, const char* name, I64 v) {
  if (v < 1) throw Error(c.op + ": " + name + " must be at least 1, not " + std::to_string(v));
}

void CheckOutEqualsIn(const LayerConfig& c, I64 expected, const char* what) {
  if (c.out_c != expected) {
    throw Error(c.op + ": out_c " + std::to_string(c.out_c) + " must equal " + what + " " + std::to_string(expected));
  }
}

// The fields every op needs positive; pads are "same" (-1) or at least 0.
void CheckFields(const LayerConfig& c) {
  CheckPositive(c, "batch", c.batch);
  CheckPositive(c, "in_c", c.in_c);
  CheckPositive(c, "in_h", c.in_h);
  CheckPositive(c, "in_w", c.in_w);
  CheckPositive(c, "out_c", c.out_c);
  CheckPositive(c, "kernel_h", c.kernel_h);
  CheckPositive(c, "kernel_w", c.kernel_w);
  CheckPositive(c, "stride_h", c.stride_h);
  CheckPositive(c, "stride_w", c.stride_w);
  CheckPositive(c, "groups", c.groups);
  CheckPositive(c, "dilation", c.dilation);
  if (c.pad_h < -1 || c.pad_w < -1) throw Error(c.op + ": pads must be -1 (same) or at least 0");
}

// Ops without a window (detection post-processing, data movement, SoftmaxLast, ReduceMean,
// Transpose3D).
void CheckNoWindow(const LayerConfig& c) {
  if (c.kernel_h != 1 || c.kernel_w != 1 || c.stride_h != 1 || c.stride_w != 1 || c.groups != 1 || c.dilation != 1) {
    throw Error(c.op + ": kernel, stride, groups and dilation must be 1 (" + c.op + " has no window)");
  }
}

// The input activation, NCHW.
Shape Input(const LayerConfig& c) { return {c.batch, c.in_c, c.in_h, c.in_w}; }

// The sliding window of conv and pooling ops, as the loader normalises it.
void SetWindow(const LayerConfig& c, I64 dilation, I64 group, Layer& l) {
  Window& w = l.window;
  I64 ph = Pad(c.pad_h, c.kernel_h, dilation), pw = Pad(c.pad_w, c.kernel_w, dilation);
  w.kernel = {c.kernel_h, c.kernel_w};
  w.strides = {c.stride_h, c.stride_w};
  w.pads = {ph, pw, ph, pw};
  w.dilations = {dilation, dilation};
  w.group = group;
}

// Conv, depthwise Conv (group = in_c) and ConvTranspose with `group` groups.
void BuildConvLike(const LayerConfig& c, I64 group, bool transpose, Layer& l) {
  if (c.in_c % group != 0) {
    throw Error(c.op + ": in_c " + std::to_string(c.in_c) + " is not a multiple of groups " + std::to_string(group));
  }
  if (c.out_c % group != 0) {
    throw Error(c.op + ": out_c " + std::to_string(c.out_c) + " is not a multiple of groups " + std::to_string(group));
  }
  SetWindow(c, c.dilation, group, l);
  const Window& w = l.window;
  I64 oh, ow;
  Shape weight;
  if (transpose) {
    oh = TransposeOut(c, "h", c.in_h, c.kernel_h, c.stride_h, w.pads[0], c.dilation);
    ow = TransposeOut(c, "w", c.in_w, c.kernel_w, c.stride_w, w.pads[1], c.dilation);
    weight = {c.in_c, c.out_c / group, c.kernel_h, c.kernel_w};
  } else {
    oh = WindowOut(c, "h", c.in_h, c.kernel_h, c.stride_h, w.pads[0], c.dilation);
    ow = WindowOut(c, "w", c.in_w, c.kernel_w, c.stride_w, w.pads[1], c.dilation);
    weight = {c.out_c, c.in_c / group, c.kernel_h, c.kernel_w};
  }
  l.inputs = {Tensor("x", Input(c)), Weight("w", weight), Weight("b", {c.out_c})};
  l.outputs = {Tensor("y", {c.batch, c.out_c, oh, ow})};
}

void BuildConv(const LayerConfig& c, Layer& l) { BuildConvLike(c, c.groups, false, l); }

void BuildConvTranspose(const LayerConfig& c, Layer& l) { BuildConvLike(c, c.groups, true, l); }

void BuildDepthwiseConv(const LayerConfig& c, Layer& l) {
  if (c.groups != 1 && c.groups != c.in_c) {
    throw Error(c.op + ": groups " + std::to_string(c.groups) + " must equal in_c " + std::to_string(c.in_c));
  }
  if (c.out_c % c.in_c != 0) {
    throw Error(c.op + ": out_c " + std::to_string(c.out_c) + " is not a multiple of in_c " + std::to_string(c.in_c));
  }
  BuildConvLike(c, c.in_c, false, l);
}

// A Conv over one spatial dimension, as audio and sequence networks write it (Silero VAD's STFT
// and encoder): input [batch, in_c, in_w], weight [out_c, in_c / group, kernel_w], output
// [batch, out_c, out_w]; the window's one axis is the plan's w (kernel_w, stride_w, pad_w,
// dilation). in_h, kernel_h and stride_h must be 1 and pad_h 0 or -1. ONNX Runtime runs it outside
// its NCHWc kernels (class conv1d). Float only: the int8 writer is 2-D (NHWC).
void BuildConv1dLike(const LayerConfig& c, I64 group, Layer& l) {
  if (c.in_h != 1 || c.kernel_h != 1 || c.stride_h != 1 || (c.pad_h != 0 && c.pad_h != -1)) {
    throw Error(c.op + ": in_h, kernel_h and stride_h must be 1 and pad_h 0 or -1 (the length is in_w, the kernel " +
                "kernel_w), not in_h " + std::to_string(c.in_h) + ", kernel_h " + std::to_string(c.kernel_h) +
                ", stride_h " + std::to_string(c.stride_h) + ", pad_h " + std::to_string(c.pad_h));
  }
  if (c.precision == Precision::kInt8) throw Error(c.op + ": int8 is not supported (the QDQ writer is 2-D)");
  if (c.in_c % group != 0 || c.out_c % group != 0) {
    throw Error(c.op + ": in_c " + std::to_string(c.in_c) + " and out_c " + std::to_string(c.out_c) +
                " must be multiples of groups " + std::to_string(group));
  }
  const I64 pw = Pad(c.pad_w, c.kernel_w, c.dilation);
  l.window = Window{{c.kernel_w}, {c.stride_w}, {pw, pw}, {c.dilation}, group};
  const I64 ow = WindowOut(c, "w", c.in_w, c.kernel_w, c.stride_w, pw, c.dilation);
  l.inputs = {Tensor("x", {c.batch, c.in_c, c.in_w}), Weight("w", {c.out_c, c.in_c / group, c.kernel_w}),
              Weight("b", {c.out_c})};
  l.outputs = {Tensor("y", {c.batch, c.out_c, ow})};
}

void BuildConv1d(const LayerConfig& c, Layer& l) { BuildConv1dLike(c, c.groups, l); }

void BuildDepthwiseConv1d(const LayerConfig& c, Layer& l) {
  if (c.groups != 1 && c.groups != c.in_c) {
    throw Error(c.op + ": groups " + std::to_string(c.groups) + " must equal in_c " + std::to_string(c.in_c));
  }
  if (c.out_c % c.in_c != 0) {
    throw Error(c.op + ": out_c " + std::to_string(c.out_c) + " is not a multiple of in_c " + std::to_string(c.in_c));
  }
  BuildConv1dLike(c, c.in_c, l);
}

void BuildGemm(const LayerConfig& c, Layer& l) {
  if (c.in_h != 1 || c.in_w != 1) {
    throw Error(c.op + ": in_h and in_w must be 1 (features are in_c), not " + std::to_string(c.in_h) + "x" +
                std::to_string(c.in_w));
  }
  l.inputs = {Tensor("x", {c.batch, c.in_c}), Weight("w", {c.in_c, c.out_c}), Weight("b", {c.out_c})};
  l.outputs = {Tensor("y", {c.batch, c.out_c})};
}

// Attention's products (Q x K^T, A x V): both operands are activations,
// [batch, in_h, in_c] x [batch, in_c, out_c] -> [batch, in_h, out_c]; in_w must be 1.
void BuildMatMul(const LayerConfig& c, Layer& l) {
  if (c.in_w != 1) throw Error(c.op + ": in_w must be 1 (rows are in_h), not " + std::to_string(c.in_w));
  l.inputs = {Tensor("x", {c.batch, c.in_h, c.in_c}), Tensor("x2", {c.batch, c.in_c, c.out_c})};
  l.outputs = {Tensor("y", {c.batch, c.in_h, c.out_c})};
}

void BuildPool(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  if (l.op_type == "AveragePool" && c.dilation != 1) {
    throw Error(c.op + ": dilation must be 1 (opset 13 AveragePool has none)");
  }
  SetWindow(c, c.dilation, 1, l);
  const Window& w = l.window;
  if (w.pads[0] >= c.kernel_h || w.pads[1] >= c.kernel_w) {
    throw Error(c.op + ": pads " + std::to_string(w.pads[0]) + "x" + std::to_string(w.pads[1]) +
                " must be smaller than the kernel " + std::to_string(c.kernel_h) + "x" + std::to_string(c.kernel_w));
  }
  I64 oh = WindowOut(c, "h", c.in_h, c.kernel_h, c.stride_h, w.pads[0], c.dilation);
  I64 ow = WindowOut(c, "w", c.in_w, c.kernel_w, c.stride_w, w.pads[1], c.dilation);
  l.inputs = {Tensor("x", Input(c))};
  l.outputs = {Tensor("y", {c.batch, c.in_c, oh, ow})};
}

void BuildGlobalPool(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.window.kernel = {c.in_h, c.in_w};
  l.window.strides = {1, 1};
  l.window.pads = {0, 0, 0, 0};
  l.window.dilations = {1, 1};
  l.inputs = {Tensor("x", Input(c))};
  l.outputs = {Tensor("y", {c.batch, c.in_c, 1, 1})};
}

void BuildBinary(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.inputs = {Tensor("x", Input(c)), Tensor("x2", Input(c))};
  l.outputs = {Tensor("y", Input(c))};
}

void BuildUnary(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.inputs = {Tensor("x", Input(c))};
  l.outputs = {Tensor("y", Input(c))};
}

void BuildClip(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.inputs = {Tensor("x", Input(c)), Constant("min", {}), Constant("max", {})};
  l.outputs = {Tensor("y", Input(c))};
}

void BuildBatchNorm(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  const Shape channel = {c.in_c};
  l.inputs = {Tensor("x", Input(c)), Weight("scale", channel), Weight("b", channel), Weight("mean", channel),
              Weight("var", channel)};
  l.outputs = {Tensor("y", Input(c))};
}

void BuildSoftmax(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.attributes["axis"] = I64{1};
  l.inputs = {Tensor("x", Input(c))};
  l.outputs = {Tensor("y", Input(c))};
}

// SoftmaxLast: Softmax over the last axis (axis -1, as torch exports softmax(dim=-1)) of the
// attention scores [batch, in_c (heads), in_h (rows), in_w (columns)], the layout of Swin's window
// attention ([64, 3, 49, 49]); 3-D [batch, in_h, in_w] when in_c = 1 (ViT's [12, 197, 197]: batch
// 12 heads), 2-D [batch, in_w] when in_c = in_h = 1 (a classifier's [1, 1000]). The network's own
// rank, because a fitted model reads the positions of the shapes (as SliceH's).
void BuildSoftmaxLast(const LayerConfig& c, Layer& l) {
  CheckNoWindow(c);
  CheckOutEqualsIn(c, c.in_c, "in_c");
  const Shape x = c.in_c != 1 ? Input(c) : c.in_h != 1 ? Shape{c.batch, c.in_h, c.in_w} : Shape{c.batch, c.in_w};
  l.attributes["axis"] = I64{-1};
  l.inputs = {Tensor("x", x)};
  l.outputs = {Tensor("y", x)};
}

// ReduceMean (opset 13: axes an attribute) over the last axis of [batch, in_h, in_w, in_c], the
// reduced axis kept (keepdims 1, the default, not written, as torch exports it): output [batch,
// in_h, in_w, 1]. The mean of ConvNeXt's decomposed channels-last LayerNorm ([1, 56, 56, 96] ...
// [1, 7, 7, 768]). out_c = in_c (the size of the reduced axis).
void BuildReduceMean(const LayerConfig& c, Layer& l) {
  CheckNoWindow(c);
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.attributes["axes"] = std::vector<I64>{-1};
  l.inputs = {Tensor("x", {c.batch, c.in_h, c.in_w, c.in_c})};
  l.outputs = {Tensor("y", {c.batch, c.in_h, c.in_w, 1})};
}

// A transformer's LayerNorm: in_c features normalised over the other axes (ViT-B's [1, 197, 768]
// runs as batch 197, in_h = in_w = 1, in_c 768: the same rows); scale and bias of in_c.
void BuildLayerNorm(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  const Shape x = {c.batch, c.in_h, c.in_w, c.in_c};
  l.attributes["axis"] = I64{-1};
  l.inputs = {Tensor("x", x), Weight("scale", {c.in_c}), Weight("b", {c.in_c})};
  l.outputs = {Tensor("y", x)};
}

void BuildGelu(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.domain = "com.microsoft";
  l.inputs = {Tensor("x", Input(c))};
  l.outputs = {Tensor("y", Input(c))};
}

// SiLU, x * Sigmoid(x): the layer is the one kernel ONNX Runtime runs (com.microsoft QuickGelu,
// alpha 1), as a decomposition rule makes it of a network's Sigmoid and Mul (class silu); the
// model odonata sweep writes holds the two nodes (WriteLayerModel), which the runtime fuses.
void BuildSilu(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.domain = "com.microsoft";
  l.inputs = {Tensor("x", Input(c))};
  l.outputs = {Tensor("y", Input(c))};
}

void BuildConcat(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, CheckedMul(2, c.in_c), "2 x in_c");
  l.attributes["axis"] = I64{1};
  l.inputs = {Tensor("x", Input(c)), Tensor("x2", Input(c))};
  l.outputs = {Tensor("y", {c.batch, c.out_c, c.in_h, c.in_w})};
}

// [batch, in_c, in_h, in_w] -> [batch, in_h, in_c, in_w]: the axes of attention's head split
// and of ShuffleNet's channel shuffle move, the innermost stays (a strided copy of rows).
void BuildTranspose(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.attributes["perm"] = std::vector<I64>{0, 2, 1, 3};
  l.inputs = {Tensor("x", Input(c))};
  l.outputs = {Tensor("y", {c.batch, c.in_h, c.in_c, c.in_w})};
}

// Transpose3D: the same move without the batch axis, [in_c, in_h, in_w] -> [in_h, in_c, in_w]
// (perm (1, 0, 2); batch must be 1), in the rank of ViT's multi-head attention, whose head split
// and merge are 3-D ([197, 12, 64] -> [12, 197, 64] and back; [1, 197, 768] -> [197, 1, 768]).
void BuildTranspose3D(const LayerConfig& c, Layer& l) {
  CheckNoWindow(c);
  CheckOutEqualsIn(c, c.in_c, "in_c");
  if (c.batch != 1) throw Error(c.op + ": batch must be 1 (x is [in_c, in_h, in_w]), not " + std::to_string(c.batch));
  l.attributes["perm"] = std::vector<I64>{1, 0, 2};
  l.inputs = {Tensor("x", {c.in_c, c.in_h, c.in_w})};
  l.outputs = {Tensor("y", {c.in_h, c.in_c, c.in_w})};
}

void BuildResize(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  l.attributes["mode"] = std::string("nearest");
  l.inputs = {Tensor("x", Input(c)), TensorInfo{}, Constant("scales", {4})};
  l.outputs = {Tensor("y", {c.batch, c.in_c, CheckedMul(c.in_h, c.stride_h), CheckedMul(c.in_w, c.stride_w)})};
}

// Bilinear upsampling as torchvision's segmentation heads export it (F.interpolate(mode="bilinear",
// align_corners=False): Resize mode "linear", coordinate_transformation_mode "half_pixel"), which
// ONNX Runtime runs with another kernel than nearest and odonata counts at 7 operations per output
// (counts.cc ResizeOpsPerOutput): the rows that give the resize class a compute term. The scale is
// stride_h x stride_w as for Resize (give stride in --around: the sweep's default is 1).
void BuildResizeLinear(const LayerConfig& c, Layer& l) {
  BuildResize(c, l);
  l.attributes["mode"] = std::string("linear");
  l.attributes["coordinate_transformation_mode"] = std::string("half_pixel");
}

// Nearest upsampling as PyTorch exports F.interpolate(mode="nearest") (Resize mode "nearest",
// coordinate_transformation_mode "asymmetric", nearest_mode "floor"), by the integer factors
// stride_h x stride_w, the layer of class resize_nchwc (SingleLayer). The model odonata sweep
// writes (LayerNodes) puts a depthwise 1x1 Conv before it, so that its input is an NCHWc tensor
// and ONNX Runtime runs it as its NCHWc Upsample, as in a network (src/layout.cc ResizeRule);
// tools/ort/run.js times the Upsample kernel alone. in_c must be a multiple of 4 (ONNX Runtime
// 1.30 runs such depthwise convolutions NCHWc: src/layout.cc kChannelAlign).
void BuildResizeNchwc(const LayerConfig& c, Layer& l) {
  if (c.in_c % 4 != 0) {
    throw Error(c.op + ": in_c " + std::to_string(c.in_c) +
                " is not a multiple of 4 (its input would not be NCHWc in ONNX Runtime)");
  }
  BuildResize(c, l);
  l.attributes["coordinate_transformation_mode"] = std::string("asymmetric");
  l.attributes["nearest_mode"] = std::string("floor");
}

// boxes [batch, in_h, 4], scores [batch, in_c, in_h], max_output_boxes_per_class = in_h,
// iou_threshold 0.5; the output is the loader's bound, every box of every class selected.
// `groups` only describes the data (the runner offsets the boxes of each of `groups`
// equal groups apart, as torchvision's batched NMS does): it must divide in_h.
void BuildNms(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  if (c.in_w != 1) {
    throw Error(c.op + ": in_w must be 1 (in_h is the number of boxes), not " + std::to_string(c.in_w));
  }
  if (c.in_h % c.groups != 0) {
    throw Error(c.op + ": in_h " + std::to_string(c.in_h) + " (boxes) is not a multiple of groups " +
                std::to_string(c.groups));
  }
  l.inputs = {Tensor("x", {c.batch, c.in_h, 4}), Tensor("x2", {c.batch, c.in_c, c.in_h}),
              Int64Constant("max_output_boxes_per_class", {1}), Constant("iou_threshold", {1})};
  TensorInfo y = Tensor("y", {CheckedMul(CheckedMul(c.batch, c.in_c), c.in_h), 3});
  y.dtype = DataType::kInt64;
  l.outputs = {y};
  l.data_dependent = true;
}
// NonMaxSuppression with another IoU threshold than 0.5: kernel_h / 100 (1-99; kernel_w is not
// read). The threshold sets how many of the boxes survive (the output rows, `kept`), which
// ONNX Runtime's cost follows (each candidate is compared with the boxes selected before it):
// the rows that let a fit tell boxes x kept from boxes^2. torchvision's detectors use 0.45 (SSD300),
// 0.55 (SSDlite), 0.5 (Faster R-CNN's box head) and 0.7 (its RPN).
void BuildNmsIou(const LayerConfig& c, Layer& l) {
  if (c.kernel_h < 1 || c.kernel_h > 99) {
    throw Error(c.op + ": kernel_h is the IoU threshold in hundredths, 1-99, not " + std::to_string(c.kernel_h));
  }
  BuildNms(c, l);
}
// NonMaxSuppression on a detector's candidates (issue 12, helper detnms): the layer of
// NonMaxSuppressionIoU (IoU threshold kernel_h / 100), fed by tools/ort/run.js with the boxes of an
// SSD anchor grid (torchvision's DefaultBoxGenerator) of in_w anchors, jittered as decoded boxes:
// `groups` classes of in_h / groups candidates each (a per-class TopK, in score order), merged by
// per-class coordinate offsets as torchvision's batched NMS does. in_w names the grid: 3234
// (SSDlite320's) or 8732 (SSD300's); it describes the data only, the layer has in_h boxes.
void BuildNmsAnchors(const LayerConfig& c, Layer& l) {
  if (c.in_w != 3234 && c.in_w != 8732) {
    throw Error(c.op + ": in_w is the anchor grid, 3234 (SSDlite320) or 8732 (SSD300), not " + std::to_string(c.in_w));
  }
  if (c.groups < 1 || c.in_h % c.groups != 0 || c.in_h / c.groups > c.in_w) {
    throw Error(c.op + ": in_h " + std::to_string(c.in_h) + " (boxes) must be groups " + std::to_string(c.groups) +
                " x candidates per class, at most in_w " + std::to_string(c.in_w) + " (the anchors)");
  }
  LayerConfig boxes = c;
  boxes.in_w = 1;
  BuildNmsIou(boxes, l);
}

// RoiAlign as torchvision's MultiScaleRoIAlign exports it (mode avg): `batch` regions of
// interest (rois [batch, 4] and int64 batch_indices [batch], both graph inputs) pooled from one
// feature map X [1, in_c, in_h, in_w] into Y [batch, in_c, kernel_h, kernel_w], with
// sampling_ratio = stride_h (= stride_w) points per bin and axis; spatial_scale 1 (the rois are
// in the map's coordinates: tools/ort/run.js draws them inside it).
void BuildRoiAlign(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  if (c.stride_h != c.stride_w) {
    throw Error(c.op + ": stride_h and stride_w (the sampling ratio) must be equal, not " + std::to_string(c.stride_h) +
                " and " + std::to_string(c.stride_w));
  }
  if (c.groups != 1 || c.dilation != 1) throw Error(c.op + ": groups and dilation must be 1");
  l.attributes["mode"] = std::string("avg");
  l.attributes["output_height"] = c.kernel_h;
  l.attributes["output_width"] = c.kernel_w;
  l.attributes["sampling_ratio"] = c.stride_h;
  TensorInfo indices = Tensor("batch_indices", {c.batch});
  indices.dtype = DataType::kInt64;
  l.inputs = {Tensor("x", {1, c.in_c, c.in_h, c.in_w}), Tensor("rois", {c.batch, 4}), indices};
  l.outputs = {Tensor("y", {c.batch, c.in_c, c.kernel_h, c.kernel_w})};
}
// ScatterElements on axis 0 with data, int64 indices and updates of one shape [batch, in_c, in_h,
// in_w], all graph inputs (MultiScaleRoIAlign's merge of its levels' RoiAlign outputs).
void BuildScatterElements(const LayerConfig& c, Layer& l) {
  CheckOutEqualsIn(c, c.in_c, "in_c");
  if (c.kernel_h != 1 || c.kernel_w != 1 || c.stride_h != 1 || c.stride_w != 1 || c.groups != 1 || c.dilation != 1) {
    throw Error(c.op + ": kernel, stride, groups and dilation must be 1 (ScatterElements has no window)");
  }
  l.attributes["axis"] = I64{0};
  TensorInfo indices = Tensor("indices", Input(c));
  indices.dtype = DataType::kInt64;
  l.inputs = {Tensor("x", Input(c)), indices, Tensor("updates", Input(c))};
  l.outputs = {Tensor("y", Input(c))};
}

// Detection post-processing (torchvision's SSD and RPN, exported: per class, NonZero of the
// scores above the threshold, GatherND of those scores and boxes, TopK of the best), at the sizes
// odonata's bounds give these data-dependent tensors. No window: kernel, stride, groups and
// dilation must be 1 (CheckNoWindow).

// TopK (opset 11: largest, sorted) of X [batch, in_c] along the last axis, 1-D [in_c] for a
// batch of 1 (torchvision's SSD takes the top 300 or 400 of one class's candidate scores, a 1-D
// tensor; its RPN the top 150-1000 of each level's objectness, [1, N]), k = out_c as a Constant
// int64 [1] (the writer gives it out_c); outputs values and int64 indices [batch, out_c] ([out_c]).
void BuildTopK(const LayerConfig& c, Layer& l) {
  CheckNoWindow(c);
  if (c.in_h != 1 || c.in_w != 1) {
    throw Error(c.op + ": in_h and in_w must be 1 (in_c is the length sorted), not " + std::to_string(c.in_h) + " and " +
                std::to_string(c.in_w));
  }
  if (c.out_c > c.in_c) {
    throw Error(c.op + ": out_c (k) " + std::to_string(c.out_c) + " must be at most in_c " + std::to_string(c.in_c));
  }
  l.attributes["axis"] = I64{-1};
  l.attributes["largest"] = I64{1};
  l.attributes["sorted"] = I64{1};
  const bool one_d = c.batch == 1;
  l.inputs = {Tensor("x", one_d ? Shape{c.in_c} : Shape{c.batch, c.in_c}), Int64Constant("k", {1})};
  const Shape out = one_d ? Shape{c.out_c} : Shape{c.batch, c.out_c};
  TensorInfo indices = Tensor("indices", out);
  indices.dtype = DataType::kInt64;
  l.outputs = {Tensor("y", out), indices};
}
// NonZero of a 1-D X [in_c] (float: tools/ort/run.js's uniform [0, 1) inputs are all nonzero, so
// the output is the bound odonata's loader gives, int64 [1, in_c]; SSD's is the bool mask of one
// class's scores above the threshold).
void BuildNonZero(const LayerConfig& c, Layer& l) {
  CheckNoWindow(c);
  CheckOutEqualsIn(c, c.in_c, "in_c");
  if (c.batch != 1 || c.in_h != 1 || c.in_w != 1) throw Error(c.op + ": batch, in_h and in_w must be 1 (X is [in_c])");
  l.inputs = {Tensor("x", {c.in_c})};
  TensorInfo y = Tensor("y", {1, c.in_c});
  y.dtype = DataType::kInt64;
  l.outputs = {y};
  l.data_dependent = true;
}
// GatherND (batch_dims 0) of `batch` rows of data [in_h, in_c] (1-D [in_h] for in_c 1) through
// int64 indices [batch, 1] (graph inputs; tools/ort/run.js gives ascending rows spread over the
// data, as NonZero writes them): output [batch, in_c] ([batch]). SSD gathers a class's selected
// scores ([N] of [N]) and boxes ([N, 4] of [N, 4]), N at odonata's bound every candidate.
void BuildGatherNd(const LayerConfig& c, Layer& l) {
  CheckNoWindow(c);
  CheckOutEqualsIn(c, c.in_c, "in_c");
  if (c.in_w != 1) throw Error(c.op + ": in_w must be 1 (data is [in_h, in_c]), not " + std::to_string(c.in_w));
  if (c.batch > c.in_h) {
    throw Error(c.op + ": batch (rows gathered) " + std::to_string(c.batch) + " must be at most in_h (rows of data) " +
                std::to_string(c.in_h));
  }
  TensorInfo indices = Tensor("indices", {c.batch, 1});
  indices.dtype = DataType::kInt64;
  const bool one_d = c.in_c == 1;
  l.inputs = {Tensor("x", one_d ? Shape{c.in_h} : Shape{c.in_h, c.in_c}), indices};
  l.outputs = {Tensor("y", one_d ? Shape{c.batch} : Shape{c.batch, c.in_c})};
}

// Data movement (issue 12, class data): the Slice and Gather layers of transformers, ShuffleNet and
// SSD, which a network's estimate priced from Concat and Transpose rows alone. The constant inputs
// are int64 Constant nodes (the writer gives their values: writer.cc Int64ConstantValues).
// Slice (opset 13) of the first out_c channels: starts [0], ends [out_c], axes [1], steps [1] of
// X [batch, in_c, in_h, in_w], 2-D [batch, in_c] when in_h = in_w = 1 (ViT's q/k/v split of
// [197, 1, 2304] on its last axis is [197, 2304] -> [197, 768]; a slice on any axis is [outer,
// axis, inner] in these terms: Swin's roll of [1, 14, 14, 384] on axis 2 is batch 14, in_c 14,
// in_w 384); output [batch, out_c, in_h, in_w] ([batch, out_c]).
void BuildSlice(const LayerConfig& c, Layer& l) {
  CheckNoWindow(c);
  if (c.out_c > c.in_c) {
    throw Error(c.op + ": out_c (channels kept) " + std::to_string(c.out_c) + " must be at most in_c " +
                std::to_string(c.in_c));
  }
  const bool two_d = c.in_h == 1 && c.in_w == 1;
  l.inputs = {Tensor("x", two_d ? Shape{c.batch, c.in_c} : Input(c))};
  AddSliceConstants(l);
  l.outputs = {Tensor("y", two_d ? Shape{c.batch, c.out_c} : Shape{c.batch, c.out_c, c.in_h, c.in_w})};
}
// SliceH: the same Slice on axis 2, the first out_c of the in_h rows of [batch, in_c, in_h, in_w],
// 3-D [batch, in_c, in_h] when in_w = 1: a layer of the networks' own layout, which the fitted
// trees read (docs/fitting.md: out_c, in_h, spatial, ... are positions of the shapes), as ViT's
// q/k/v split [197, 1, 2304] -> [197, 1, 768] (batch 197, in_c 1, in_h 2304) and Swin's roll on W,
// [1, 14, 14, 384] -> [1, 14, 3, 384].
void BuildSliceH(const LayerConfig& c, Layer& l) {
  CheckNoWindow(c);
  if (c.out_c > c.in_h) {
    throw Error(c.op + ": out_c (rows kept) " + std::to_string(c.out_c) + " must be at most in_h " +
                std::to_string(c.in_h));
  }
  const bool three_d = c.in_w == 1;
  l.inputs = {Tensor("x", three_d ? Shape{c.batch, c.in_c, c.in_h} : Input(c))};
  AddSliceConstants(l);
  l.outputs = {Tensor("y", three_d ? Shape{c.batch, c.in_c, c.out_c} : Shape{c.batch, c.in_c, c.out_c, c.in_w})};
}
// GatherBlock: Gather on axis 0 with the scalar constant index 0 of data [out_c, batch, in_c, in_h,
// in_w] (out_c blocks): output [batch, in_c, in_h, in_w], one contiguous block. Swin's q, k and v,
// taken from [3, windows, heads, 49, 32] (out_c 3, batch 64, in_c 3, in_h 49, in_w 32 in stage 1).
void BuildGatherBlock(const LayerConfig& c, Layer& l) {
  CheckNoWindow(c);
  l.attributes["axis"] = I64{0};
  l.inputs = {Tensor("x", {c.out_c, c.batch, c.in_c, c.in_h, c.in_w}), Int64Constant("indices", {})};
  l.outputs = {Tensor("y", Input(c))};
}
// Gather of data [in_h, in_c] or a column of it: batch and in_w must be 1.
void CheckGatherData(const LayerConfig& c) {
  CheckNoWindow(c);
  if (c.batch != 1 || c.in_w != 1) {
    throw Error(c.op + ": batch and in_w must be 1 (data is [in_h, in_c]), not " + std::to_string(c.batch) + " and " +
                std::to_string(c.in_w));
  }
}
// Gather on axis 0 of data [in_h, in_c] (a graph input) through constant int64 indices [out_c],
// row (i * 7919) mod in_h for i = 0 .. out_c - 1 (spread over the rows, repeating when out_c >
// in_h, as a relative-position table's are): output [out_c, in_c]. SSD's box gathers ([300, 4] of
// [3234, 4]); Swin's q/k/v gathers, one block of a 5-D tensor, are GatherBlock's.
void BuildGather(const LayerConfig& c, Layer& l) {
  CheckGatherData(c);
  l.attributes["axis"] = I64{0};
  l.inputs = {Tensor("x", {c.in_h, c.in_c}), Int64Constant("indices", {c.out_c})};
  l.outputs = {Tensor("y", {c.out_c, c.in_c})};
}
// Gather on axis 1 of data [in_h, in_c] with the scalar constant index 1 (SSD's scores of one
// class: column k of [3234, 91]): output [in_h]. out_c must equal in_c, at least 2.
void BuildGatherColumn(const LayerConfig& c, Layer& l) {
  CheckGatherData(c);
  CheckOutEqualsIn(c, c.in_c, "in_c");
  if (c.in_c < 2) throw Error(c.op + ": in_c must be at least 2 (the index is column 1), not " + std::to_string(c.in_c));
  l.attributes["axis"] = I64{1};
  l.inputs = {Tensor("x", {c.in_h, c.in_c}), Int64Constant("indices", {})};
  l.outputs = {Tensor("y", {c.in_h})};
}

// A forward recurrent layer as PyTorch exports one with its state: X [in_h (sequence), batch,
// in_c (input size)], W [1, gates x out_c, in_c], R [1, gates x out_c, out_c], B [1, 2 x gates x
// out_c], no sequence_lens, initial_h (and LSTM's initial_c) [1, batch, out_c] as inputs (a
// streaming model's carried state); outputs Y [in_h, 1, batch, out_c], Y_h (and Y_c). Gates:
// LSTM 4, GRU 3 (linear_before_reset 1, PyTorch's), RNN 1 (tanh).
void BuildRecurrent(const LayerConfig& c, Layer& l) {
  if (c.in_w != 1) {
    throw Error(c.op + ": in_w must be 1 (in_h is the sequence length), not " + std::to_string(c.in_w));
  }
  if (c.kernel_h != 1 || c.kernel_w != 1 || c.stride_h != 1 || c.stride_w != 1 || c.groups != 1 || c.dilation != 1) {
    throw Error(c.op + ": kernel, stride, groups and dilation must be 1 (a recurrent layer has no window)");
  }
  const bool lstm = l.op_type == "LSTM";
  const I64 gates = lstm ? 4 : l.op_type == "GRU" ? 3 : 1;
  const I64 rows = CheckedMul(gates, c.out_c);
  const Shape state = {1, c.batch, c.out_c};
  l.attributes["hidden_size"] = c.out_c;
  if (l.op_type == "GRU") l.attributes["linear_before_reset"] = I64{1};
  l.inputs = {Tensor("x", {c.in_h, c.batch, c.in_c}), Weight("w", {1, rows, c.in_c}), Weight("r", {1, rows, c.out_c}),
              Weight("b", {1, CheckedMul(2, rows)}), TensorInfo{}, Tensor("h0", state)};
  if (lstm) l.inputs.push_back(Tensor("c0", state));
  l.outputs = {Tensor("y", {c.in_h, 1, c.batch, c.out_c}), Tensor("y_h", state)};
  if (lstm) l.outputs.push_back(Tensor("y_c", state));
}

// --- Field parsing ----------------------------------------------------------

// Errors of one row: "<origin>:<line>: <column>: <problem>".
class RowParser {
 public:
  RowParser(const std::string& origin, int line) : where_(origin + ":" + std::to_string(line)) {}

  const std::string& where() const { return where_; }

  Error Fail(const std::string& column, const std::string& problem) const {
    return Error(where_ + ": " + column + ": " + problem);
  }

  I64 Int(const std::string& column, std::string_view text) const {
    std::string_view t = Trim(text);
    I64 v = 0;
    const text::Parsed parsed = text::ParseWhole(t, &v);
    if (parsed == text::Parsed::kOutOfRange) throw Fail(column, "'" + std::string(t) + "' is out of range");
    if (parsed != text::Parsed::kOk) throw Fail(column, "'" + std::string(t) + "' is not an integer");
    return v;
  }

  double Number(const std::string& column, std::string_view text) const {
    std::string_view t = Trim(text);
    double v = 0;
    const text::Parsed parsed = text::ParseWhole(t, &v);
    if (parsed == text::Parsed::kOutOfRange) throw Fail(column, "'" + std::string(t) + "' is out of range");
    if (parsed == text::Parsed::kNotFinite) throw Fail(column, "'" + std::string(t) + "' is not a finite number");
    if (parsed != text::Parsed::kOk) throw Fail(column, "'" + std::string(t) + "' is not a number");
    return v;
  }

 private:
  std::string where_;
};

enum class Col {
  kOp,
  kBatch,
  kInC,
  kInH,
  kInW,
  kOutC,
  kKernelH,
  kKernelW,
  kStrideH,
  kStrideW,
  kGroups,
  kDilation,
  kPadH,
  kPadW,
  kPrecision,
  kLatency,
  kLatencyP10,
  kLatencyP90,
  kRepeats,
  kPowerW,
  kEnergyMj,
  kOutRows,
  kNmsCompares,
  kCount,
};

struct ColumnSpec {
  const char* name;
  bool required;  // latency_ms: required when require_latency
};

constexpr ColumnSpec kColumns[] = {
    {"op", true},
    {"batch", false},
    {"in_c", true},
    {"in_h", true},
    {"in_w", true},
    {"out_c", true},
    {"kernel_h", true},
    {"kernel_w", true},
    {"stride_h", true},
    {"stride_w", true},
    {"groups", false},
    {"dilation", false},
    {"pad_h", false},
    {"pad_w", false},
    {"precision", true},
    {"latency_ms", true},
    {"latency_ms_p10", false},
    {"latency_ms_p90", false},
    {"repeats", false},
    {"power_w", false},
    {"energy_mj", false},
    {"out_rows", false},
    {"nms_compares", false},
};
static_assert(std::size(kColumns) == static_cast<std::size_t>(Col::kCount));

constexpr int kNoColumn = -1;

// Where each canonical column is in the file, and the extra columns.
struct Header {
  int index[static_cast<int>(Col::kCount)];
  std::vector<int> extra;  // file positions of non-canonical columns
  std::vector<std::string> names;
};

Header ParseHeader(const Record& r, const std::string& origin, bool require_latency) {
  const std::string where = origin + ":" + std::to_string(r.line);
  if (r.fields.size() == 1 && r.fields[0].find_first_of(";\t") != std::string::npos) {
    throw Error(where + ": the header has one column; is the file ';'- or tab-separated? odonata reads ',' only");
  }
  Header h;
  for (int& i : h.index) i = kNoColumn;
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < r.fields.size(); ++i) {
    std::string name(Trim(r.fields[i]));
    if (name.empty()) throw Error(where + ": column " + std::to_string(i + 1) + " has no name");
    if (!seen.emplace(name, static_cast<int>(i)).second) throw Error(where + ": duplicate column '" + name + "'");
    h.names.push_back(name);
    int col = kNoColumn;
    for (int c = 0; c < static_cast<int>(Col::kCount); ++c) {
      if (name == kColumns[c].name) col = c;
    }
    if (col == kNoColumn) {
      h.extra.push_back(static_cast<int>(i));
    } else {
      h.index[col] = static_cast<int>(i);
    }
  }
  std::vector<std::string> missing;
  for (int c = 0; c < static_cast<int>(Col::kCount); ++c) {
    bool required = kColumns[c].required && (c != static_cast<int>(Col::kLatency) || require_latency);
    if (required && h.index[c] == kNoColumn) missing.push_back("'" + std::string(kColumns[c].name) + "'");
  }
  if (missing.size() == 1) throw Error(where + ": missing required column " + missing[0]);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw Error(where + ": missing required columns " + list);
  }
  return h;
}

Measurement ParseRow(const Record& r, const Header& h, const std::string& origin, bool require_latency) {
  RowParser p(origin, r.line);
  if (r.fields.size() != h.names.size()) {
    throw Error(p.where() + ": expected " + std::to_string(h.names.size()) + " fields, got " +
                std::to_string(r.fields.size()));
  }
  // The field of a column, or nullptr when the column is absent or the field empty.
  auto field = [&](Col c) -> const std::string* {
    int i = h.index[static_cast<int>(c)];
    if (i == kNoColumn || Trim(r.fields[i]).empty()) return nullptr;
    return &r.fields[i];
  };
  auto name = [](Col c) { return std::string(kColumns[static_cast<int>(c)].name); };
  auto required = [&](Col c) -> const std::string& {
    const std::string* f = field(c);
    if (!f) throw p.Fail(name(c), "missing value");
    return *f;
  };
  // A dimension >= 1; `fallback` when optional and absent.
  auto dim = [&](Col c, I64 fallback, bool is_required) {
    const std::string* f = is_required ? &required(c) : field(c);
    if (!f) return fallback;
    I64 v = p.Int(name(c), *f);
    if (v < 1) throw p.Fail(name(c), "'" + std::string(Trim(*f)) + "' must be at least 1");
    return v;
  };
  auto pad = [&](Col c) -> I64 {
    const std::string* f = field(c);
    if (!f) return -1;
    I64 v = p.Int(name(c), *f);
    if (v < -1) throw p.Fail(name(c), "'" + std::string(Trim(*f)) + "' must be -1 (same) or at least 0");
    return v;
  };
  auto positive = [&](Col c) -> std::optional<double> {
    const std::string* f = field(c);
    if (!f) return std::nullopt;
    double v = p.Number(name(c), *f);
    if (v <= 0) throw p.Fail(name(c), "'" + std::string(Trim(*f)) + "' must be positive");
    return v;
  };
  auto non_negative = [&](Col c) -> std::optional<double> {
    const std::string* f = field(c);
    if (!f) return std::nullopt;
    double v = p.Number(name(c), *f);
    if (v < 0) throw p.Fail(name(c), "'" + std::string(Trim(*f)) + "' must not be negative");
    return v;
  };

  Measurement m;
  m.origin = p.where();
  LayerConfig& c = m.config;
  c.op = std::string(Trim(required(Col::kOp)));
  if (!FindOp(c.op)) throw p.Fail("op", "unknown op '" + c.op + "' (known: " + KnownOps() + ")");
  c.batch = dim(Col::kBatch, 1, false);
  c.in_c = dim(Col::kInC, 1, true);
  c.in_h = dim(Col::kInH, 1, true);
  c.in_w = dim(Col::kInW, 1, true);
  c.out_c = dim(Col::kOutC, 1, true);
  c.kernel_h = dim(Col::kKernelH, 1, true);
  c.kernel_w = dim(Col::kKernelW, 1, true);
  c.stride_h = dim(Col::kStrideH, 1, true);
  c.stride_w = dim(Col::kStrideW, 1, true);
  c.groups = dim(Col::kGroups, 1, false);
  c.dilation = dim(Col::kDilation, 1, false);
  c.pad_h = pad(Col::kPadH);
  c.pad_w = pad(Col::kPadW);
  std::string precision(Trim(required(Col::kPrecision)));
  if (!ParsePrecision(precision, &c.precision)) {
    throw p.Fail("precision", "unknown precision '" + precision + "' (fp32|fp16|int8)");
  }

  if (require_latency) required(Col::kLatency);
  m.latency_ms = positive(Col::kLatency).value_or(std::numeric_limits<double>::quiet_NaN());
  m.latency_ms_p10 = positive(Col::kLatencyP10);
  m.latency_ms_p90 = positive(Col::kLatencyP90);
  if (const std::string* f = field(Col::kRepeats)) {
    I64 v = p.Int("repeats", *f);
    if (v < 1) throw p.Fail("repeats", "'" + std::string(Trim(*f)) + "' must be at least 1");
    m.repeats = v;
  }
  m.power_w = non_negative(Col::kPowerW);
  m.energy_mj = non_negative(Col::kEnergyMj);
  if (const std::string* f = field(Col::kOutRows)) {
    I64 v = p.Int("out_rows", *f);
    if (v < 0) throw p.Fail("out_rows", "'" + std::string(Trim(*f)) + "' must not be negative");
    m.out_rows = v;
  }
  if (const std::string* f = field(Col::kNmsCompares)) {
    I64 v = p.Int("nms_compares", *f);
    if (v < 0) throw p.Fail("nms_compares", "'" + std::string(Trim(*f)) + "' must not be negative");
    m.nms_compares = v;
  }
  for (int i : h.extra) m.extra.emplace_back(h.names[i], r.fields[i]);

  try {
    ToLayer(m);
  } catch (const Error& e) {
    throw e.WithContext(p.where());
  }
  return m;
}

// --- CSV writing ------------------------------------------------------------

std::string Quote(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos && !s.starts_with('#')) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

// As printf("%.9g") in the C locale, whatever the process locale.
std::string FormatDouble(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 9);
  return std::string(buf, r.ptr);
}

}  // namespace

const std::vector<std::string>& MeasurementColumns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> v;
    for (const ColumnSpec& c : kColumns) v.push_back(c.name);
    return v;
  }();
  return columns;
}

std::vector<Measurement> ParseMeasurements(const std::string& text, const std::string& origin, bool require_latency) {
  CsvReader reader(text, origin);
  Record r;
  if (!reader.Next(&r)) throw Error(origin + ":1: no header row (the file is empty)");
  const Header header = ParseHeader(r, origin, require_latency);
  std::vector<Measurement> rows;
  while (reader.Next(&r)) rows.push_back(ParseRow(r, header, origin, require_latency));
  return rows;
}

std::vector<Measurement> ReadMeasurements(const std::string& path, bool require_latency) {
  return ParseMeasurements(ReadFile(path), path, require_latency);
}

void WriteMeasurements(const std::vector<Measurement>& rows, std::ostream& out) {
  bool latency = false, p10 = false, p90 = false, repeats = false, power = false, energy = false, out_rows = false,
       nms_compares = false;
  for (const Measurement& m : rows) {
    latency |= m.latency_ms > 0;
    p10 |= m.latency_ms_p10.has_value();
    p90 |= m.latency_ms_p90.has_value();
    repeats |= m.repeats.has_value();
    power |= m.power_w.has_value();
    energy |= m.energy_mj.has_value();
    out_rows |= m.out_rows.has_value();
    nms_compares |= m.nms_compares.has_value();
  }
  const bool present[] = {latency, p10, p90, repeats, power, energy, out_rows, nms_compares};
  const std::size_t first_latency = static_cast<std::size_t>(Col::kLatency);
  std::vector<std::string> extra;
  if (!rows.empty()) {
    for (const auto& [name, value] : rows[0].extra) {
      for (const ColumnSpec& c : kColumns) {
        if (name == c.name) throw Error("extra column '" + name + "' has the name of a canonical column");
      }
      extra.push_back(name);
    }
  }

  std::string line;
  for (std::size_t i = 0; i < std::size(kColumns); ++i) {
    if (i >= first_latency && !present[i - first_latency]) continue;
    if (!line.empty()) line += ',';
    line += kColumns[i].name;
  }
  for (const auto& name : extra) line.append(",").append(Quote(name));
  out << line << '\n';

  for (const Measurement& m : rows) {
    const LayerConfig& c = m.config;
    line = Quote(c.op);
    for (I64 v : {c.batch, c.in_c, c.in_h, c.in_w, c.out_c, c.kernel_h, c.kernel_w, c.stride_h, c.stride_w, c.groups,
                  c.dilation, c.pad_h, c.pad_w}) {
      line.append(",").append(std::to_string(v));
    }
    line += ",";
    line += PrecisionName(c.precision);
    auto number = [](const std::optional<double>& v) { return v ? FormatDouble(*v) : std::string(); };
    const std::string latency_fields[] = {
        m.latency_ms > 0 ? FormatDouble(m.latency_ms) : std::string(),
        number(m.latency_ms_p10),
        number(m.latency_ms_p90),
        m.repeats ? std::to_string(*m.repeats) : std::string(),
        number(m.power_w),
        number(m.energy_mj),
        m.out_rows ? std::to_string(*m.out_rows) : std::string(),
        m.nms_compares ? std::to_string(*m.nms_compares) : std::string(),
    };
    for (std::size_t i = 0; i < std::size(latency_fields); ++i) {
      if (present[i]) line.append(",").append(latency_fields[i]);
    }
    for (const auto& name : extra) {
      line += ",";
      for (const auto& [key, value] : m.extra) {
        if (key == name) {
          line += Quote(value);
          break;
        }
      }
    }
    out << line << '\n';
  }
}

namespace {

// One node of LayerNodes, as the loader reads it.
Layer Node(std::string name, std::string op_type, std::vector<TensorInfo> inputs, std::vector<TensorInfo> outputs) {
  Layer l;
  l.name = std::move(name);
  l.op_type = std::move(op_type);
  l.inputs = std::move(inputs);
  l.outputs = std::move(outputs);
  l.op_class = ClassifyLayer(l);
  l.covers = {l.name};
  l.covered_ops = {l.op_type};
  l.counts = ComputeCounts(l);
  return l;
}

Layer SingleLayer(const LayerConfig& c) {
  const OpSpec* spec = FindOp(c.op);
  if (!spec) throw UnknownOp(c.op);
  CheckFields(c);
  Layer l;
  l.name = c.op;
  l.op_type = spec->op_type;
  spec->build(c, l);
  l.op_class = c.op == "ResizeNchwc"                           ? OpClass::kResizeNchwc
               : c.op == "Conv1d" || c.op == "DepthwiseConv1d" ? OpClass::kConv1d
                                                               : ClassifyLayer(l);
  l.covers = {l.name};
  l.covered_ops = {l.op_type};
  l.counts = ComputeCounts(l);
  return l;
}

// The fusion ONNX Runtime applies to a convolution and its activation (host-ort-cpu.json's Conv
// rules, without the BatchNormalization and Add the sweep models do not have).
const Fusion& ConvActivationFusion() {
  static const Fusion fusion = [] {
    Fusion f;
    FusionRule absorb;
    absorb.into = {"Conv"};
    absorb.absorb = {"Relu", "Clip", "Sigmoid", "HardSigmoid"};
    absorb.source = "ToLayer";
    FusionRule gate;
    gate.into = {"Conv"};
    gate.gate = {"HardSigmoid"};
    gate.source = "ToLayer";
    f.rules = {absorb, gate};
    return f;
  }();
  return fusion;
}

}  // namespace

FusedActivation SweepActivation(const std::string& op, std::string* plain) {
  for (const char* conv : {"DepthwiseConv", "Conv"}) {
    const std::string_view prefix(conv);
    if (op.size() <= prefix.size() || std::string_view(op).substr(0, prefix.size()) != prefix) continue;
    FusedActivation a;
    if (!ParseFusedActivation(op.substr(prefix.size()), &a)) return FusedActivation::kNone;
    if (plain) *plain = conv;
    return a;
  }
  return FusedActivation::kNone;
}

std::vector<Layer> LayerNodes(const LayerConfig& c) {
  if (c.op == "ResizeNchwc") {
    // A depthwise 1x1 Conv (group in_c) writes the Resize's input `t` in NCHWc.
    Layer resize = SingleLayer(c);
    const TensorInfo x = resize.inputs.at(0);
    TensorInfo t = x;
    t.name = "t";
    resize.inputs[0] = t;
    Layer conv = Node("conv", "Conv", {x, Weight("w", {c.in_c, 1, 1, 1}), Weight("b", {c.in_c})}, {t});
    conv.window = Window{{1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, c.in_c};
    conv.op_class = ClassifyLayer(conv);
    conv.counts = ComputeCounts(conv);
    return {std::move(conv), std::move(resize)};
  }
  Layer conv = SingleLayer(c);
  const FusedActivation a = SweepActivation(c.op);
  if (a == FusedActivation::kNone) return {std::move(conv)};
  const TensorInfo y = conv.outputs.at(0);
  TensorInfo t = y;
  t.name = "t";
  conv.outputs = {t};
  std::vector<Layer> nodes;
  nodes.push_back(std::move(conv));
  switch (a) {
    case FusedActivation::kClip:
      nodes.push_back(Node("clip", "Clip", {t, Constant("min", {}), Constant("max", {})}, {y}));
      break;
    case FusedActivation::kHardSigmoid:
    case FusedActivation::kHardSwish: {
      TensorInfo h = y;
      if (a == FusedActivation::kHardSwish) h.name = "hardsigmoid";
      Layer hs = Node("hardsigmoid", "HardSigmoid", {t}, {h});
      // As the file stores them: float attributes, read back as doubles.
      hs.attributes["alpha"] = static_cast<double>(1.0f / 6.0f);
      hs.attributes["beta"] = 0.5;
      nodes.push_back(std::move(hs));
      if (a == FusedActivation::kHardSwish) {
        TensorInfo out = y;
        out.name = "hardswish";  // the writer's Reshape makes it `y` (LayerNodes' comment)
        nodes.push_back(Node("mul", "Mul", {t, h}, {out}));
      }
      break;
    }
    default:
      nodes.push_back(Node(c.op == "ConvRelu" || c.op == "DepthwiseConvRelu" ? "relu" : "sigmoid",
                           FusedActivationName(a), {t}, {y}));
      break;
  }
  return nodes;
}

Layer ToLayer(const LayerConfig& c) {
  if (SweepActivation(c.op) == FusedActivation::kNone) return SingleLayer(c);
  if (c.precision == Precision::kInt8) {
    throw Error(c.op + ": int8 is not supported (a QDQ convolution runs as QLinearConv, which fuses no such activation)");
  }
  Network net;
  net.layers = LayerNodes(c);
  net.inputs = {net.layers.front().inputs.front()};
  net.outputs = net.layers.back().outputs;
  std::vector<Layer> fused = Fuse(net, ConvActivationFusion());
  if (fused.size() != 1) throw Error(c.op + ": the convolution and its activation did not fuse (a bug in odonata)");
  return std::move(fused.front());
}

Layer ToLayer(const Measurement& m) {
  Layer l = ToLayer(m.config);
  if (m.out_rows) {
    const auto fail = [&](const std::string& what) { return Error("out_rows: " + what); };
    if (l.op_type != "NonMaxSuppression" || l.outputs.empty() || l.outputs[0].shape.empty()) {
      throw fail("only a NonMaxSuppression row has a measured output size, not " + m.config.op);
    }
    Shape& y = l.outputs[0].shape;
    if (*m.out_rows > y[0]) {
      throw fail(std::to_string(*m.out_rows) + " rows exceed the output's bound of " + std::to_string(y[0]) +
                 " (batch x in_c x in_h)");
    }
    y[0] = *m.out_rows;
    l.counts = ComputeCounts(l);
  }
  if (m.nms_compares) {
    const auto fail = [&](const std::string& what) { return Error("nms_compares: " + what); };
    if (l.op_type != "NonMaxSuppression") throw fail("only a NonMaxSuppression row has comparisons, not " + m.config.op);
    try {
      StateNmsCompares(l, *m.nms_compares);
    } catch (const Error& e) {
      throw fail(e.what());
    }
  }
  return l;
}

}  // namespace odonata
