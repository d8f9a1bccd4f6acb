// The op table: for every ONNX op odonata knows, its class and how to count
// its work. One explicit list (no self-registration); ops absent from it are
// kUnknown and counted by traffic only.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

#include "odonata/errors.h"
#include "odonata/layer.h"

namespace odonata {

std::string StringAttr(const Layer& l, const char* name, const char* fallback) {
  auto it = l.attributes.find(name);
  if (it == l.attributes.end()) return fallback;
  if (const auto* v = std::get_if<std::string>(&it->second)) return *v;
  return fallback;
}

namespace {

using I64 = std::int64_t;

// Arithmetic per element of an op's output; details in README "Counting conventions".
enum class Rule {
  kConv,
  kConvTranspose,
  kGemm,
  kMatMul,
  kWindowPool,  // MaxPool/AveragePool/LpPool: kernel ops per output
  kGlobalPool,  // one op per input element
  kPerOutput1,  // 1 op per output element (Relu, Add, Max, ...)
  kPerOutput4,  // ~4 ops per output element (Sigmoid, Tanh, HardSwish, Softplus, ...)
  kVariadic,    // Sum/Mean/Max/Min with n inputs: n-1 ops per output element
  kBatchNorm,   // inference: scale and shift, 2 ops per element
  kNormalize,   // Instance/Layer/Group normalisation: mean, variance, normalise ~ 5 per element
  kLrn,         // 2 * size ops per element
  kSoftmax,     // exp, sum, divide: 3 per element
  kPerInput1,   // reductions, ArgMax, TopK: 1 op per input element
  kResize,      // interpolation: per output element, by mode
  kRoiAlign,    // bilinear taps of the sampling points of every output bin
  kRecurrent,   // LSTM, GRU, RNN: the gates' matrix products every time step, plus their element-wise work
  kNone,        // data movement, shape ops, control: no arithmetic
};

struct OpRule {
  const char* op;
  OpClass cls;
  Rule rule;
  // Index of the first weight-like input for conv/matmul-family ops whose
  // weight is at a different index (quantised variants); unused otherwise.
  int weight_index = 1;
  const char* domain = "";  // "" (ai.onnx) or "com.microsoft"
};

constexpr const char* kMs = "com.microsoft";

constexpr OpRule kOps[] = {
    {"Conv", OpClass::kConv, Rule::kConv},
    // Integer convolutions and matrix products are the int8 classes (quantization.h).
    {"ConvInteger", OpClass::kConvInt8, Rule::kConv},
    {"QLinearConv", OpClass::kConvInt8, Rule::kConv, 3},
    {"ConvTranspose", OpClass::kConv, Rule::kConvTranspose},
    {"Gemm", OpClass::kGemm, Rule::kGemm},
    {"MatMul", OpClass::kGemm, Rule::kMatMul},
    {"MatMulInteger", OpClass::kGemmInt8, Rule::kMatMul},
    {"QLinearMatMul", OpClass::kGemmInt8, Rule::kMatMul, 3},
    {"MaxPool", OpClass::kPool, Rule::kWindowPool},
    {"AveragePool", OpClass::kPool, Rule::kWindowPool},
    {"LpPool", OpClass::kPool, Rule::kWindowPool},
    {"GlobalAveragePool", OpClass::kPool, Rule::kGlobalPool},
    {"GlobalMaxPool", OpClass::kPool, Rule::kGlobalPool},
    {"GlobalLpPool", OpClass::kPool, Rule::kGlobalPool},
    {"MaxRoiPool", OpClass::kPool, Rule::kPerInput1},
    {"Add", OpClass::kEltwise, Rule::kPerOutput1},
    {"Sub", OpClass::kEltwise, Rule::kPerOutput1},
    {"Mul", OpClass::kEltwise, Rule::kPerOutput1},
    {"Div", OpClass::kEltwise, Rule::kPerOutput1},
    {"Pow", OpClass::kEltwise, Rule::kPerOutput4},
    {"Mod", OpClass::kEltwise, Rule::kPerOutput1},
    {"PRelu", OpClass::kEltwise, Rule::kPerOutput1},
    {"Where", OpClass::kEltwise, Rule::kPerOutput1},
    {"Equal", OpClass::kEltwise, Rule::kPerOutput1},
    {"Less", OpClass::kEltwise, Rule::kPerOutput1},
    {"LessOrEqual", OpClass::kEltwise, Rule::kPerOutput1},
    {"Greater", OpClass::kEltwise, Rule::kPerOutput1},
    {"GreaterOrEqual", OpClass::kEltwise, Rule::kPerOutput1},
    {"And", OpClass::kEltwise, Rule::kPerOutput1},
    {"Or", OpClass::kEltwise, Rule::kPerOutput1},
    {"Xor", OpClass::kEltwise, Rule::kPerOutput1},
    {"BitShift", OpClass::kEltwise, Rule::kPerOutput1},
    {"Sum", OpClass::kEltwise, Rule::kVariadic},
    {"Mean", OpClass::kEltwise, Rule::kVariadic},
    {"Max", OpClass::kEltwise, Rule::kVariadic},
    {"Min", OpClass::kEltwise, Rule::kVariadic},
    {"QuantizeLinear", OpClass::kEltwise, Rule::kPerOutput1},
    {"DequantizeLinear", OpClass::kEltwise, Rule::kPerOutput1},
    {"Relu", OpClass::kActivation, Rule::kPerOutput1},
    {"LeakyRelu", OpClass::kActivation, Rule::kPerOutput1},
    {"Clip", OpClass::kActivation, Rule::kPerOutput1},
    {"Abs", OpClass::kActivation, Rule::kPerOutput1},
    {"Neg", OpClass::kActivation, Rule::kPerOutput1},
    {"Sign", OpClass::kActivation, Rule::kPerOutput1},
    {"Not", OpClass::kActivation, Rule::kPerOutput1},
    {"Floor", OpClass::kActivation, Rule::kPerOutput1},
    {"Ceil", OpClass::kActivation, Rule::kPerOutput1},
    {"Round", OpClass::kActivation, Rule::kPerOutput1},
    {"Reciprocal", OpClass::kActivation, Rule::kPerOutput1},
    {"IsNaN", OpClass::kActivation, Rule::kPerOutput1},
    {"IsInf", OpClass::kActivation, Rule::kPerOutput1},
    {"ThresholdedRelu", OpClass::kActivation, Rule::kPerOutput1},
    {"Shrink", OpClass::kActivation, Rule::kPerOutput1},
    {"HardSigmoid", OpClass::kActivation, Rule::kPerOutput4},
    {"HardSwish", OpClass::kActivation, Rule::kPerOutput4},
    {"Sigmoid", OpClass::kActivation, Rule::kPerOutput4},
    {"Tanh", OpClass::kActivation, Rule::kPerOutput4},
    {"Elu", OpClass::kActivation, Rule::kPerOutput4},
    {"Selu", OpClass::kActivation, Rule::kPerOutput4},
    {"Celu", OpClass::kActivation, Rule::kPerOutput4},
    {"Softplus", OpClass::kActivation, Rule::kPerOutput4},
    {"Softsign", OpClass::kActivation, Rule::kPerOutput4},
    {"Mish", OpClass::kActivation, Rule::kPerOutput4},
    {"Gelu", OpClass::kActivation, Rule::kPerOutput4},
    {"Erf", OpClass::kActivation, Rule::kPerOutput4},
    {"Exp", OpClass::kActivation, Rule::kPerOutput4},
    {"Log", OpClass::kActivation, Rule::kPerOutput4},
    {"Sqrt", OpClass::kActivation, Rule::kPerOutput4},
    {"Sin", OpClass::kActivation, Rule::kPerOutput4},
    {"Cos", OpClass::kActivation, Rule::kPerOutput4},
    {"BatchNormalization", OpClass::kNorm, Rule::kBatchNorm},
    {"InstanceNormalization", OpClass::kNorm, Rule::kNormalize},
    {"LayerNormalization", OpClass::kNorm, Rule::kNormalize},
    {"SimplifiedLayerNormalization", OpClass::kNorm, Rule::kNormalize},  // ONNX Runtime's (ONNX domain)
    {"GroupNormalization", OpClass::kNorm, Rule::kNormalize},
    {"MeanVarianceNormalization", OpClass::kNorm, Rule::kNormalize},
    {"LpNormalization", OpClass::kNorm, Rule::kNormalize},
    {"LRN", OpClass::kNorm, Rule::kLrn},
    {"Softmax", OpClass::kSoftmax, Rule::kSoftmax},
    {"LogSoftmax", OpClass::kSoftmax, Rule::kSoftmax},
    {"Hardmax", OpClass::kSoftmax, Rule::kPerInput1},
    {"ReduceMean", OpClass::kReduce, Rule::kPerInput1},
    {"ReduceSum", OpClass::kReduce, Rule::kPerInput1},
    {"ReduceMax", OpClass::kReduce, Rule::kPerInput1},
    {"ReduceMin", OpClass::kReduce, Rule::kPerInput1},
    {"ReduceProd", OpClass::kReduce, Rule::kPerInput1},
    {"ReduceL1", OpClass::kReduce, Rule::kPerInput1},
    {"ReduceL2", OpClass::kReduce, Rule::kPerInput1},
    {"ReduceLogSum", OpClass::kReduce, Rule::kPerInput1},
    {"ReduceLogSumExp", OpClass::kReduce, Rule::kPerInput1},
    {"ReduceSumSquare", OpClass::kReduce, Rule::kPerInput1},
    {"ArgMax", OpClass::kReduce, Rule::kPerInput1},
    {"ArgMin", OpClass::kReduce, Rule::kPerInput1},
    {"TopK", OpClass::kTopK, Rule::kPerInput1},
    {"CumSum", OpClass::kReduce, Rule::kPerInput1},
    // Recurrent layers: every time step multiplies the input by W and the state by R (gate-sized
    // matrix-vector products, the bulk of the work), one step after the other: a class of their
    // own (rnn), which a profile without it costs with its gemm model (Platform::ModelFor).
    {"LSTM", OpClass::kRecurrent, Rule::kRecurrent},
    {"GRU", OpClass::kRecurrent, Rule::kRecurrent},
    {"RNN", OpClass::kRecurrent, Rule::kRecurrent},
    {"Resize", OpClass::kResize, Rule::kResize},
    {"Upsample", OpClass::kResize, Rule::kResize},
    {"NonMaxSuppression", OpClass::kDetection, Rule::kNone},
    {"RoiAlign", OpClass::kRoi, Rule::kRoiAlign},
    {"NonZero", OpClass::kNonZero, Rule::kNone},
    {"Concat", OpClass::kData, Rule::kNone},
    {"Reshape", OpClass::kData, Rule::kNone},
    {"Flatten", OpClass::kData, Rule::kNone},
    {"Squeeze", OpClass::kData, Rule::kNone},
    {"Unsqueeze", OpClass::kData, Rule::kNone},
    {"Identity", OpClass::kData, Rule::kNone},
    {"Dropout", OpClass::kData, Rule::kNone},
    {"Transpose", OpClass::kData, Rule::kNone},
    {"Gather", OpClass::kData, Rule::kNone},
    {"GatherElements", OpClass::kData, Rule::kNone},
    {"GatherND", OpClass::kGatherNd, Rule::kNone},
    {"Scatter", OpClass::kScatter, Rule::kNone},
    {"ScatterElements", OpClass::kScatter, Rule::kNone},
    {"ScatterND", OpClass::kData, Rule::kNone},
    {"Slice", OpClass::kData, Rule::kNone},
    {"Split", OpClass::kData, Rule::kNone},
    {"Pad", OpClass::kData, Rule::kNone},
    {"Expand", OpClass::kData, Rule::kNone},
    {"Tile", OpClass::kData, Rule::kNone},
    {"Cast", OpClass::kData, Rule::kNone},
    {"CastLike", OpClass::kData, Rule::kNone},
    {"Shape", OpClass::kData, Rule::kNone},
    {"Size", OpClass::kData, Rule::kNone},
    {"Constant", OpClass::kData, Rule::kNone},
    {"ConstantOfShape", OpClass::kData, Rule::kNone},
    {"Range", OpClass::kData, Rule::kNone},
    {"DepthToSpace", OpClass::kData, Rule::kNone},
    {"SpaceToDepth", OpClass::kData, Rule::kNone},
    {"Compress", OpClass::kData, Rule::kNone},
    {"OneHot", OpClass::kData, Rule::kNone},
    {"EyeLike", OpClass::kData, Rule::kNone},
    {"Trilu", OpClass::kData, Rule::kNone},
    {"ReverseSequence", OpClass::kData, Rule::kNone},
    {"Unique", OpClass::kData, Rule::kNone},
    {"DynamicQuantizeLinear", OpClass::kEltwise, Rule::kPerOutput4},  // min, max, scale, round
    {"If", OpClass::kControl, Rule::kNone},
    {"Loop", OpClass::kControl, Rule::kNone},
    {"Scan", OpClass::kControl, Rule::kNone},
    // ONNX Runtime's com.microsoft ops (optimizer fusions, quantizer output).
    {"FusedConv", OpClass::kConv, Rule::kConv, 1, kMs},
    {"FusedGemm", OpClass::kGemm, Rule::kGemm, 1, kMs},
    {"FusedMatMul", OpClass::kGemm, Rule::kMatMul, 1, kMs},
    {"QGemm", OpClass::kGemmInt8, Rule::kGemm, 3, kMs},
    {"DynamicQuantizeMatMul", OpClass::kGemmInt8, Rule::kMatMul, 1, kMs},
    {"MatMulIntegerToFloat", OpClass::kGemmInt8, Rule::kMatMul, 1, kMs},
    {"MatMulInteger16", OpClass::kGemm, Rule::kMatMul, 1, kMs},
    // ONNX Runtime's dynamic quantizer's LSTM: W [dirs, input, 4 x hidden] and R [dirs, hidden,
    // 4 x hidden] in int8 (transposed against LSTM's), the same products every time step.
    {"DynamicQuantizeLSTM", OpClass::kRecurrent, Rule::kRecurrent, 1, kMs},
    {"QLinearAdd", OpClass::kEltwise, Rule::kPerOutput1, 1, kMs},
    {"QLinearMul", OpClass::kEltwise, Rule::kPerOutput1, 1, kMs},
    {"BiasAdd", OpClass::kEltwise, Rule::kPerOutput1, 1, kMs},
    {"QuantizeLinear", OpClass::kEltwise, Rule::kPerOutput1, 1, kMs},
    {"DequantizeLinear", OpClass::kEltwise, Rule::kPerOutput1, 1, kMs},
    {"Gelu", OpClass::kActivation, Rule::kPerOutput4, 1, kMs},
    {"FastGelu", OpClass::kActivation, Rule::kPerOutput4, 1, kMs},
    {"BiasGelu", OpClass::kActivation, Rule::kPerOutput4, 1, kMs},
    {"QuickGelu", OpClass::kSilu, Rule::kPerOutput4, 1, kMs},
    {"QLinearSigmoid", OpClass::kActivation, Rule::kPerOutput4, 1, kMs},
    {"QLinearLeakyRelu", OpClass::kActivation, Rule::kPerOutput1, 1, kMs},
    {"QLinearSoftmax", OpClass::kSoftmax, Rule::kSoftmax, 1, kMs},
    {"BiasSoftmax", OpClass::kSoftmax, Rule::kSoftmax, 1, kMs},
    {"SkipLayerNormalization", OpClass::kNorm, Rule::kNormalize, 1, kMs},
    {"SkipSimplifiedLayerNormalization", OpClass::kNorm, Rule::kNormalize, 1, kMs},
    {"SimplifiedLayerNormalization", OpClass::kNorm, Rule::kNormalize, 1, kMs},
    {"LayerNormalization", OpClass::kNorm, Rule::kNormalize, 1, kMs},
    {"QLinearGlobalAveragePool", OpClass::kPool, Rule::kGlobalPool, 1, kMs},
    {"QLinearAveragePool", OpClass::kPool, Rule::kWindowPool, 1, kMs},
    {"QLinearReduceMean", OpClass::kReduce, Rule::kPerInput1, 1, kMs},
    {"QLinearConcat", OpClass::kData, Rule::kNone, 1, kMs},
};

const OpRule* FindRule(std::string_view op, std::string_view domain) {
  if (domain == "ai.onnx") domain = "";
  for (const auto& r : kOps) {
    if (op == r.op && domain == r.domain) return &r;
  }
  return nullptr;
}

I64 Elems(const TensorInfo& t) { return t.name.empty() ? 0 : NumElements(t.shape); }

I64 Product(const std::vector<I64>& v) {
  I64 p = 1;
  for (I64 x : v) p = CheckedMul(p, x);
  return p;
}

const TensorInfo* Input(const Layer& l, std::size_t i) {
  return i < l.inputs.size() && !l.inputs[i].name.empty() ? &l.inputs[i] : nullptr;
}

I64 IntAttr(const Layer& l, const char* name, I64 fallback) {
  auto it = l.attributes.find(name);
  if (it == l.attributes.end()) return fallback;
  if (const auto* v = std::get_if<I64>(&it->second)) return *v;
  return fallback;
}

Error CountError(const Layer& l, const std::string& what) {
  return Error("node '" + l.name + "' (" + l.op_type + "): " + what);
}

// MACs of Conv-family layers: every output element accumulates
// (C_in / group) * prod(kernel) products.
I64 ConvMacs(const Layer& l, int weight_index) {
  const TensorInfo* w = Input(l, weight_index);
  if (l.outputs.empty() || !w || w->shape.size() < 2) {
    throw CountError(l, "convolution without a weight tensor of rank >= 2");
  }
  // W is [C_out, C_in/group, k...]: per output element, W[1] * prod(k) MACs.
  I64 per_output = 1;
  for (std::size_t i = 1; i < w->shape.size(); ++i) per_output = CheckedMul(per_output, w->shape[i]);
  return CheckedMul(Elems(l.outputs[0]), per_output);
}

// ConvTranspose scatters every input element over C_out/group * prod(k) outputs.
I64 ConvTransposeMacs(const Layer& l) {
  const TensorInfo* x = Input(l, 0);
  const TensorInfo* w = Input(l, 1);
  if (!x || !w || w->shape.size() < 2) {
    throw CountError(l, "ConvTranspose without a weight tensor of rank >= 2");
  }
  // W is [C_in, C_out/group, k...].
  I64 per_input = 1;
  for (std::size_t i = 1; i < w->shape.size(); ++i) per_input = CheckedMul(per_input, w->shape[i]);
  return CheckedMul(Elems(*x), per_input);
}

I64 GemmMacs(const Layer& l) {
  const TensorInfo* a = Input(l, 0);
  if (!a || a->shape.size() != 2 || l.outputs.empty()) throw CountError(l, "Gemm needs a 2-D input A");
  I64 k = IntAttr(l, "transA", 0) ? a->shape[0] : a->shape[1];
  return CheckedMul(Elems(l.outputs[0]), k);
}

I64 MatMulMacs(const Layer& l, int b_index) {
  const TensorInfo* a = Input(l, 0);
  const TensorInfo* b = Input(l, b_index);
  if (!a || !b || a->shape.empty() || l.outputs.empty()) throw CountError(l, "MatMul needs inputs A and B");
  // Output [..., M, N]; each element is a dot product over K = A's last dim
  // (the one before it when FusedMatMul transposes A).
  const bool trans_a = IntAttr(l, "transA", 0) != 0 && a->shape.size() >= 2;
  return CheckedMul(Elems(l.outputs[0]), trans_a ? a->shape[a->shape.size() - 2] : a->shape.back());
}

I64 ResizeOpsPerOutput(const Layer& l) {
  std::string mode = StringAttr(l, "mode", "nearest");
  if (mode == "nearest") return 0;
  // Interpolation over the resized dimensions (those whose size changes).
  I64 resized = 0;
  if (const TensorInfo* x = Input(l, 0); x && !l.outputs.empty() && x->shape.size() == l.outputs[0].shape.size()) {
    for (std::size_t i = 0; i < x->shape.size(); ++i) resized += x->shape[i] != l.outputs[0].shape[i];
  }
  if (resized == 0) resized = 2;
  I64 taps = (mode == "cubic" ? 4 : 2);
  I64 points = 1;
  for (I64 i = 0; i < resized; ++i) points *= taps;
  return 2 * points - 1;  // weighted sum of `points` neighbours
}

// RoiAlign (output [rois, C, output_height, output_width]): every output element averages
// sampling_ratio^2 sampling points, each a bilinear interpolation of 4 taps, i.e. 4 MACs per
// point, then one multiply by 1 / points: MACs = out x ratio^2 x 4, FLOPs = 2 MACs + out.
// sampling_ratio 0 (adaptive: ceil(roi size / bins), which depends on the rois' values) is
// counted as 2, torchvision's MultiScaleRoIAlign value.
I64 RoiAlignPoints(const Layer& l) {
  const I64 ratio = IntAttr(l, "sampling_ratio", 0);
  const I64 r = ratio > 0 ? ratio : 2;
  return CheckedMul(r, r);
}

// LSTM/GRU/RNN (X [seq, batch, input], or [batch, seq, input] with layout 1; W [dirs, gates x
// hidden, input]; R [dirs, gates x hidden, hidden]): every time step of every sequence and
// direction multiplies the input by W and the previous hidden state by R, i.e. seq x batch x
// (|W| + |R|) MACs over all directions (sequence_lens, when given, is at most seq: an upper
// bound). Element-wise work per hidden unit and step: LSTM 4 gates x (2 bias adds + 4 for the
// activation) + 8 for the cell and hidden update = 32; GRU 3 x 6 + 6 = 24; RNN 2 + 4 = 6.
struct RecurrentCounts {
  I64 macs = 0;
  I64 flops = 0;
};
RecurrentCounts CountRecurrent(const Layer& l) {
  const TensorInfo* x = Input(l, 0);
  const TensorInfo* w = Input(l, 1);
  const TensorInfo* r = Input(l, 2);
  // Shapes that do not fit (an If branch the input never takes can give X another rank; Silero
  // VAD's 8 kHz branch at a 16 kHz input) count nothing here, as before recurrent layers were known.
  if (!x || !w || !r || x->shape.size() != 3 || w->shape.size() != 3 || r->shape.size() != 3) return {};
  const bool batch_first = IntAttr(l, "layout", 0) != 0;
  const I64 seq = batch_first ? x->shape[1] : x->shape[0];
  const I64 batch = batch_first ? x->shape[0] : x->shape[1];
  const I64 dirs = w->shape[0];
  // hidden_size when given (DynamicQuantizeLSTM's R is [dirs, hidden, 4 x hidden]), else R's last dim.
  const I64 hidden = IntAttr(l, "hidden_size", r->shape[2]);
  const I64 steps = CheckedMul(seq, batch);
  RecurrentCounts c;
  c.macs = CheckedMul(steps, CheckedAdd(Elems(*w), Elems(*r)));
  const bool lstm = l.op_type == "LSTM" || l.op_type == "DynamicQuantizeLSTM";
  const I64 per_unit = lstm ? 32 : l.op_type == "GRU" ? 24 : 6;
  c.flops = CheckedAdd(CheckedMul(2, c.macs), CheckedMul(CheckedMul(steps, CheckedMul(dirs, hidden)), per_unit));
  return c;
}

// The inputs of a quantized op or a conversion that hold values (activations,
// weights, bias), as opposed to its scales and zero points: -1 for other ops.
// Input i is a value when `values` has bit i set.
std::int64_t QuantValueInputs(const Layer& l) {
  const std::string& op = l.op_type;
  const bool ms = l.domain == kMs;
  if (!ms && !l.domain.empty() && l.domain != "ai.onnx") return -1;
  auto bits = [](std::initializer_list<int> v) {
    std::int64_t b = 0;
    for (int i : v) b |= std::int64_t{1} << i;
    return b;
  };
  if (op == "QuantizeLinear" || op == "DequantizeLinear" || op == "DynamicQuantizeLinear") return bits({0});
  if (op == "QLinearConv") return bits({0, 3, 8});  // x, w, B
  if (op == "QLinearMatMul") return bits({0, 3});   // a, b
  if (op == "ConvInteger" || op == "MatMulInteger") return bits({0, 1});
  if (!ms) return -1;
  if (op == "QGemm") return bits({0, 3, 6});                  // A, B, C
  if (op == "DynamicQuantizeMatMul") return bits({0, 1, 4});  // A, B, bias
  if (op == "MatMulIntegerToFloat") return bits({0, 1, 6});   // A, B, bias
  if (op == "QLinearAdd" || op == "QLinearMul") return bits({0, 3});
  if (op == "QLinearConcat") {  // Y_scale, Y_zero_point, then (X, scale, zero point) per input
    std::int64_t b = 0;
    for (std::size_t i = 2; i < l.inputs.size() && i < 62; i += 3) b |= std::int64_t{1} << i;
    return b;
  }
  if (op.rfind("QLinear", 0) == 0) return bits({0});  // unary: X, then scales and zero points
  return -1;
}

bool FloatType(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat16 || t == DataType::kBFloat16 || t == DataType::kFloat64;
}

bool IntegerType(DataType t) {
  return t == DataType::kInt8 || t == DataType::kUInt8 || t == DataType::kInt16 || t == DataType::kUInt16 ||
         t == DataType::kInt32;
}

// Trained parameters: floating-point model initializers, not BN statistics;
// of quantized ops and DequantizeLinear, the integer or float values (int8
// weights, int32 bias), not the scales and zero points.
bool IsParameter(const Layer& l, std::size_t input) {
  const TensorInfo& t = l.inputs[input];
  if (!t.is_weight || t.is_constant) return false;
  const std::int64_t values = QuantValueInputs(l);
  if (values >= 0) return input < 63 && (values >> input & 1) && (FloatType(t.dtype) || IntegerType(t.dtype));
  // DynamicQuantizeLSTM (class rnn) reads its int8 W and R directly: parameters too.
  if (!FloatType(t.dtype) && !(l.op_class == OpClass::kRecurrent && IntegerType(t.dtype))) return false;
  return !(l.op_type == "BatchNormalization" && (input == 3 || input == 4));
}

// Elements a copy reads from `t` when it takes `chunks` contiguous runs of `run` elements each:
// whole 64-byte cache lines (a run shorter than a line still brings its line in), at most the
// tensor. A CPU moves lines, not elements; a GPU's 32- or 128-byte sectors are of the same order.
I64 ReadElems(const TensorInfo& t, I64 run, I64 chunks) {
  if (run <= 0 || chunks <= 0) return 0;
  const I64 line = std::max<I64>(1, 64 / std::max(1, DataTypeBytes(t.dtype)));
  const I64 per_run = CheckedMul(run / line + (run % line != 0), line);
  return std::min(Elems(t), CheckedMul(per_run, chunks));
}

// Slice and Gather copy part of their data input and read only that part (issue 12: counting the
// whole input priced ViT's q/k/v Slices of [197, 2304] at 10x and SSD's per-class score Gathers at
// 5x their ONNX Runtime kernel time). The elements read, from the shapes alone:
// - Slice: the innermost axis k whose extent changes bounds the contiguous run, out[k] x the
//   input's extents after k (steps other than 1 are not visible in the shapes: taken as 1);
// - Gather along `axis`: runs of the data's extents after the axis, one per gathered index and
//   outer position.
// Returns -1 when the shapes do not allow it (rank mismatch, unknown extents): the whole input stays.
I64 DataElemsRead(const Layer& l) {
  if (l.inputs.empty() || l.inputs[0].name.empty() || l.outputs.empty()) return -1;
  const Shape& in = l.inputs[0].shape;
  const Shape& out = l.outputs[0].shape;
  for (const Shape* s : {&in, &out}) {
    for (I64 d : *s) {
      if (d < 0) return -1;
    }
  }
  const I64 out_elems = NumElements(out);
  if (out_elems == 0) return 0;
  I64 run = 0;
  if (l.op_type == "Slice") {
    if (in.size() != out.size()) return -1;
    std::size_t k = in.size();
    while (k > 0 && out[k - 1] == in[k - 1]) --k;
    if (k == 0) return Elems(l.inputs[0]);  // nothing cut: a copy of the whole input
    run = out[k - 1];
    for (std::size_t i = k; i < in.size(); ++i) run = CheckedMul(run, in[i]);
  } else {  // Gather
    const I64 rank = static_cast<I64>(in.size());
    I64 axis = IntAttr(l, "axis", 0);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return -1;
    run = 1;
    for (I64 i = axis + 1; i < rank; ++i) run = CheckedMul(run, in[static_cast<std::size_t>(i)]);
  }
  if (run <= 0 || out_elems % run != 0) return -1;
  return ReadElems(l.inputs[0], run, out_elems / run);
}

}  // namespace

OpClass ClassifyOp(const std::string& op_type, const std::string& domain, I64 group, I64 in_channels) {
  const OpRule* r = FindRule(op_type, domain);
  if (!r) return OpClass::kUnknown;
  if ((r->cls == OpClass::kConv || r->cls == OpClass::kConvInt8) && op_type != "ConvTranspose" && group > 1 &&
      group == in_channels) {
    return r->cls == OpClass::kConv ? OpClass::kDepthwiseConv : OpClass::kDepthwiseConvInt8;
  }
  return r->cls;
}

OpClass ClassifyLayer(const Layer& l) {
  const bool has_channels = !l.inputs.empty() && l.inputs[0].shape.size() >= 2;
  return ClassifyOp(l.op_type, l.domain, l.window.group, has_channels ? l.inputs[0].shape[1] : 0);
}

Counts ComputeCounts(Layer& l) {
  Counts c;
  const OpRule* r = FindRule(l.op_type, l.domain);
  l.unknown_op = (r == nullptr);
  const int weight_index = r ? r->weight_index : 1;

  // Traffic common to all ops: activations in, weights, activations out.
  for (std::size_t i = 0; i < l.inputs.size(); ++i) {
    const TensorInfo& t = l.inputs[i];
    if (t.name.empty()) continue;
    if (t.is_weight || t.is_constant) {
      c.weight_elems = CheckedAdd(c.weight_elems, Elems(t));
      if (IsParameter(l, i)) {
        c.params = CheckedAdd(c.params, Elems(t));
        c.param_bytes = CheckedAdd(c.param_bytes, CheckedMul(Elems(t), DataTypeBytes(t.dtype)));
      }
    } else {
      c.input_elems = CheckedAdd(c.input_elems, Elems(t));
    }
  }
  for (const TensorInfo& t : l.outputs) c.output_elems = CheckedAdd(c.output_elems, Elems(t));
  if (!r) return c;
  if (l.op_type == "Slice" || l.op_type == "Gather") {
    // The data input's traffic is what the copy reads, not the whole tensor (DataElemsRead).
    const I64 read = DataElemsRead(l);
    if (read >= 0) {
      const TensorInfo& d = l.inputs[0];
      I64& traffic = (d.is_weight || d.is_constant) ? c.weight_elems : c.input_elems;
      traffic = CheckedAdd(traffic - Elems(d), read);
    }
  }

  const I64 out = l.outputs.empty() ? 0 : Elems(l.outputs[0]);
  const I64 in = Input(l, 0) ? Elems(*Input(l, 0)) : 0;
  switch (r->rule) {
    case Rule::kConv: {
      c.macs = ConvMacs(l, weight_index);
      const int bias_index = (l.op_type == "QLinearConv") ? 8 : 2;
      c.flops = CheckedAdd(CheckedMul(2, c.macs), Input(l, bias_index) ? out : 0);
      break;
    }
    case Rule::kConvTranspose:
      c.macs = ConvTransposeMacs(l);
      c.flops = CheckedAdd(CheckedMul(2, c.macs), Input(l, 2) ? out : 0);
      break;
    case Rule::kGemm:
      c.macs = GemmMacs(l);
      c.flops = CheckedAdd(CheckedMul(2, c.macs), Input(l, 2) ? out : 0);
      break;
    case Rule::kMatMul:
      c.macs = MatMulMacs(l, weight_index);
      c.flops = CheckedMul(2, c.macs);
      break;
    case Rule::kWindowPool:
      c.flops = CheckedMul(out, Product(l.window.kernel));
      break;
    case Rule::kGlobalPool:
      c.flops = in;
      break;
    case Rule::kPerOutput1:
      c.flops = out;
      break;
    case Rule::kPerOutput4:
      c.flops = CheckedMul(4, out);
      break;
    case Rule::kVariadic: {
      I64 n = 0;
      for (std::size_t i = 0; i < l.inputs.size(); ++i) n += Input(l, i) != nullptr;
      c.flops = CheckedMul(std::max<I64>(n - 1, 1), out);
      break;
    }
    case Rule::kBatchNorm:
      c.flops = CheckedMul(2, out);
      break;
    case Rule::kNormalize:
      c.flops = CheckedMul(5, out);
      break;
    case Rule::kLrn:
      c.flops = CheckedMul(CheckedMul(2, IntAttr(l, "size", 1)), out);
      break;
    case Rule::kSoftmax:
      c.flops = CheckedMul(3, out);
      break;
    case Rule::kPerInput1:
      c.flops = in;
      break;
    case Rule::kResize:
      c.flops = CheckedMul(out, ResizeOpsPerOutput(l));
      break;
    case Rule::kRoiAlign:
      c.macs = CheckedMul(CheckedMul(out, RoiAlignPoints(l)), 4);
      c.flops = CheckedAdd(CheckedMul(2, c.macs), out);
      break;
    case Rule::kRecurrent: {
      const RecurrentCounts rc = CountRecurrent(l);
      c.macs = rc.macs;
      c.flops = rc.flops;
      break;
    }
    case Rule::kNone:
      break;
  }
  return c;
}

}  // namespace odonata
