// A layer: one ONNX node, or after fusion several nodes executed as one kernel.
// Plain copyable value type; counts are computed from shapes and attributes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "odonata/tensor.h"

namespace odonata {

// Class of an operator, the unit at which a platform chooses an estimator.
enum class OpClass {
  kConv,           // Conv (not depthwise), ConvTranspose
  kDepthwiseConv,  // Conv with group == input channels > 1
  kGemm,           // Gemm, MatMul, Einsum
  kPool,           // MaxPool, AveragePool, Global*Pool, LpPool
  kEltwise,        // binary/variadic arithmetic: Add, Mul, Sum, Where, ...
  kActivation,     // unary element-wise: Relu, Clip, Sigmoid, HardSwish, ...
  kNorm,           // BatchNormalization, InstanceNormalization, LayerNormalization, LRN
  kSoftmax,        // Softmax, LogSoftmax, Hardmax
  kReduce,         // Reduce*, ArgMax, ArgMin (TopK: class topk)
  kResize,         // Resize, Upsample
  kData,           // data movement and shape ops: Concat, Reshape, Transpose, Gather, ...
  kControl,        // If, Loop, Scan (their bodies are layers of their own)
  kDetection,      // NonMaxSuppression, NonZero
  // int8 kernels: the integer operators (ConvInteger, QLinearConv; MatMulInteger, QLinearMatMul,
  // com.microsoft QGemm, DynamicQuantizeMatMul, MatMulIntegerToFloat), the layers a platform's QDQ
  // fusion rules make of DequantizeLinear -> op -> QuantizeLinear (fusion.h), and every other
  // quantized convolution or matrix product (quantization.h); estimated at precision int8 where
  // the platform has it:
  kConvInt8,           // a quantized kConv
  kDepthwiseConvInt8,  // a quantized kDepthwiseConv
  kGemmInt8,           // a quantized kGemm
  // LSTM, GRU, RNN: a matrix product per time step, run one step after the other. A profile
  // without this class costs them with its gemm model (Platform::ModelFor), as before it existed.
  kRecurrent,
  // RoiAlign: bilinear sampling of every region of interest, its work the output elements x
  // sampling points x 4 taps (its MACs). A profile without this class costs it with its
  // detection model, as before it existed.
  kRoi,
  // ScatterElements, Scatter: an element-wise write through int64 indices, on a CPU several
  // times the cost of a copy per element. A profile without this class costs them with its data
  // model, as before it existed.
  kScatter,
  // SiLU, x * Sigmoid(x), run as one kernel (ONNX Runtime's com.microsoft QuickGelu, which its
  // optimizer makes of the two nodes; a platform's decomposition rule, fusion.h): one pass over
  // the elements, about half the cost of a Sigmoid and a Mul. A profile without this class costs
  // it with its activation model, as before it existed.
  kSilu,
  // Detection post-processing (SSD's per-class score selection, a region proposal network's top
  // candidates), each a kernel of its own with its own cost per element: TopK (a partial sort of
  // the input, its work the input elements), NonZero (a scan that writes the int64 index of every
  // nonzero element: at odonata's bound, all of them) and GatherND (a copy of the indexed slices).
  // A profile without these classes costs them as before they existed (Platform::ModelFor): TopK
  // with its reduce model, NonZero with its detection model and GatherND with its data model.
  kTopK,
  kNonZero,
  kGatherNd,
  // A nearest Resize by integer factors (asymmetric coordinates, floor rounding: PyTorch's export)
  // that ONNX Runtime runs as its NCHWc Upsample kernel, its input being NCHWc (layout.h). No
  // layer is loaded with this class: the estimate gives it to a kResize layer when the profile
  // lists the class and has an NCHWc block and the layout emulation runs the layer NCHWc
  // (estimate.h); the sweep's ResizeNchwc rows have it. A profile without it costs such a layer
  // with its resize model, as before it existed.
  kResizeNchwc,
  // A float Conv over one spatial dimension (input [N, C, L]; depthwise too), which ONNX Runtime
  // runs outside its NCHWc kernels (MLAS's generic convolution, im2col and SGEMM): 2-5x the time
  // of the same layer written 2-D with H = 1 when its channels suit the NCHWc block
  // (docs/host-platform.md "1-D convolutions"). No network layer is loaded with this class: the
  // estimate gives it to a kConv or kDepthwiseConv layer with IsConv1d when the profile lists the
  // class (estimate.h); the sweep's Conv1d and DepthwiseConv1d rows have it. A profile without it
  // costs such a layer with its conv or dwconv model, as before it existed.
  kConv1d,
  kUnknown,            // not in odonata's op table: estimated memory-bound and flagged
};

// "conv", "dwconv", "gemm", ..., "rnn", "roi", "scatter", "silu", "topk", "nonzero", "gathernd", "resize_nchwc" (the keys used in platform profiles).
const char* OpClassName(OpClass c);
// OpClassName of each, in order (the JSON lists of profiles, reports and fit reports).
std::vector<std::string> OpClassNames(const std::vector<OpClass>& classes);
// All classes, in declaration order.
const std::vector<OpClass>& AllOpClasses();
// Parse a class name; returns false when unknown.
bool ParseOpClass(const std::string& name, OpClass* out);
// The int8 class of a float class (conv -> conv_int8, dwconv -> dwconv_int8,
// gemm -> gemm_int8); the class itself for every other class.
OpClass Int8ClassOf(OpClass c);
// The float class of an int8 class (conv_int8 -> conv, ...); the class itself otherwise.
OpClass FloatClassOf(OpClass c);
// Whether c is one of the int8 classes (conv_int8, dwconv_int8, gemm_int8).
bool IsInt8Class(OpClass c);
// Whether c is a float convolution class: conv, dwconv or conv1d (the int8 ones map to theirs by
// FloatClassOf). They share the conv tree features, the refined roofline's dims and the valid taps.
bool IsConvClass(OpClass c);

// An ONNX attribute value, normalised (graphs and tensors are not kept).
using Attribute = std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>, std::vector<double>,
                               std::vector<std::string>>;

// Sliding-window geometry of Conv/ConvTranspose/pooling, normalised for the
// spatial rank r of the input: kernel, strides, dilations have r entries,
// pads has 2r (all begins, then all ends, as in ONNX). auto_pad is resolved.
struct Window {
  std::vector<std::int64_t> kernel;
  std::vector<std::int64_t> strides;
  std::vector<std::int64_t> pads;
  std::vector<std::int64_t> dilations;
  std::int64_t group = 1;

  bool operator==(const Window&) const = default;
};

// Work and traffic of a layer. Conventions (README "Counting conventions"):
// - macs: multiply-accumulates of Conv/ConvTranspose/Gemm/MatMul only (bias,
//   normalisation and activations excluded), the convention of torchvision's
//   and most papers' "GMACs" (ResNet-50 at 224x224: 4.09 GMAC).
// - flops: all arithmetic, 2 per MAC plus bias adds, element-wise ops,
//   pooling comparisons/adds, normalisation, softmax (approximate per op).
// - params: trained parameters as PyTorch counts them: elements of
//   floating-point initializers, except BatchNormalization's running mean and
//   variance (buffers, not parameters); in a quantized model also the integer
//   weights and biases that DequantizeLinear, QLinearConv, ConvInteger,
//   MatMulInteger, ... read (never their scales and zero points).
// - param_bytes: those parameters' bytes as stored (4 per float32, 1 per
//   int8/uint8, 4 per int32 bias, ...).
// - weight_elems: elements of every initializer or load-time constant read
//   (params plus BN statistics, shape constants, folded constants).
// - input_elems / output_elems: activation elements read and written.
// Bytes at a precision of b bytes/element = (input_elems + output_elems + weight_elems) * b.
struct Counts {
  std::int64_t macs = 0;
  std::int64_t flops = 0;
  std::int64_t params = 0;
  std::int64_t param_bytes = 0;
  std::int64_t weight_elems = 0;
  std::int64_t input_elems = 0;
  std::int64_t output_elems = 0;

  bool operator==(const Counts&) const = default;
  Counts& operator+=(const Counts& o);
  // Bytes moved at `bytes_per_element` (activations and weights alike).
  std::int64_t Bytes(int bytes_per_element) const;
};

struct Layer {
  std::string name;     // name of the main ONNX node (or "<op>_<index>" if unnamed)
  std::string op_type;  // ONNX op type of the main node, e.g. "Conv"
  std::string domain;   // "" for the default ONNX domain
  OpClass op_class = OpClass::kUnknown;
  Window window;                                // set for window ops, empty otherwise
  std::map<std::string, Attribute> attributes;  // remaining ONNX attributes
  std::vector<TensorInfo> inputs;               // in node order; missing optional inputs have empty names
  std::vector<TensorInfo> outputs;
  // Original ONNX nodes executed by this layer, main node first (one entry
  // unless fused), and their op types in the same order.
  std::vector<std::string> covers;
  std::vector<std::string> covered_ops;
  Counts counts;
  // How many times the layer runs per inference (Loop bodies with static trip count).
  std::int64_t repeat = 1;
  bool data_dependent = false;  // a shape it uses is an upper bound (see TensorInfo)
  // NonMaxSuppression: the IoU comparisons its greedy loop makes, as stated (LoadOptions::nms_compares,
  // a measurement row's nms_compares); -1 when not stated (LayerDim "nms_compares" is then its bound).
  std::int64_t nms_compares = -1;
  bool unknown_op = false;      // op not in odonata's op table: counts are traffic only

  bool operator==(const Layer&) const = default;
};

// A float ONNX Conv (default domain, class conv or dwconv or already conv1d) whose input is
// [N, C, L]: one spatial dimension. Such a layer takes the class conv1d where the platform
// profile has it (OpClass::kConv1d).
bool IsConv1d(const Layer& layer);

}  // namespace odonata
