#include "odonata/layer.h"

#include <utility>

#include "odonata/errors.h"

namespace odonata {

namespace {
struct ClassName {
  OpClass cls;
  const char* name;
};
constexpr ClassName kClassNames[] = {
    {OpClass::kConv, "conv"},
    {OpClass::kDepthwiseConv, "dwconv"},
    {OpClass::kGemm, "gemm"},
    {OpClass::kPool, "pool"},
    {OpClass::kEltwise, "eltwise"},
    {OpClass::kActivation, "activation"},
    {OpClass::kNorm, "norm"},
    {OpClass::kSoftmax, "softmax"},
    {OpClass::kReduce, "reduce"},
    {OpClass::kResize, "resize"},
    {OpClass::kData, "data"},
    {OpClass::kControl, "control"},
    {OpClass::kDetection, "detection"},
    {OpClass::kConvInt8, "conv_int8"},
    {OpClass::kDepthwiseConvInt8, "dwconv_int8"},
    {OpClass::kGemmInt8, "gemm_int8"},
    {OpClass::kRecurrent, "rnn"},
    {OpClass::kRoi, "roi"},
    {OpClass::kScatter, "scatter"},
    {OpClass::kSilu, "silu"},
    {OpClass::kTopK, "topk"},
    {OpClass::kNonZero, "nonzero"},
    {OpClass::kGatherNd, "gathernd"},
    {OpClass::kResizeNchwc, "resize_nchwc"},
    {OpClass::kConv1d, "conv1d"},
    {OpClass::kUnknown, "unknown"},
};
// Float class, int8 class.
constexpr std::pair<OpClass, OpClass> kInt8Classes[] = {
    {OpClass::kConv, OpClass::kConvInt8},
    {OpClass::kDepthwiseConv, OpClass::kDepthwiseConvInt8},
    {OpClass::kGemm, OpClass::kGemmInt8},
};
}  // namespace

const char* OpClassName(OpClass c) {
  for (const auto& e : kClassNames) {
    if (e.cls == c) return e.name;
  }
  return "unknown";
}

std::vector<std::string> OpClassNames(const std::vector<OpClass>& classes) {
  std::vector<std::string> names;
  names.reserve(classes.size());
  for (OpClass c : classes) names.emplace_back(OpClassName(c));
  return names;
}

const std::vector<OpClass>& AllOpClasses() {
  static const std::vector<OpClass> all = [] {
    std::vector<OpClass> v;
    for (const auto& e : kClassNames) v.push_back(e.cls);
    return v;
  }();
  return all;
}

bool ParseOpClass(const std::string& name, OpClass* out) {
  for (const auto& e : kClassNames) {
    if (name == e.name) {
      *out = e.cls;
      return true;
    }
  }
  return false;
}

OpClass Int8ClassOf(OpClass c) {
  for (const auto& [f, q] : kInt8Classes) {
    if (f == c) return q;
  }
  return c;
}

OpClass FloatClassOf(OpClass c) {
  for (const auto& [f, q] : kInt8Classes) {
    if (q == c) return f;
  }
  return c;
}

bool IsInt8Class(OpClass c) { return FloatClassOf(c) != c; }

bool IsConvClass(OpClass c) {
  return c == OpClass::kConv || c == OpClass::kDepthwiseConv || c == OpClass::kConv1d;
}

bool IsConv1d(const Layer& l) {
  return IsConvClass(l.op_class) && l.op_type == "Conv" && l.domain.empty() && !l.inputs.empty() && l.inputs[0].shape.size() == 3 &&
         l.inputs[0].dtype == DataType::kFloat32;
}

Counts& Counts::operator+=(const Counts& o) {
  macs = CheckedAdd(macs, o.macs);
  flops = CheckedAdd(flops, o.flops);
  params = CheckedAdd(params, o.params);
  param_bytes = CheckedAdd(param_bytes, o.param_bytes);
  weight_elems = CheckedAdd(weight_elems, o.weight_elems);
  input_elems = CheckedAdd(input_elems, o.input_elems);
  output_elems = CheckedAdd(output_elems, o.output_elems);
  return *this;
}

std::int64_t Counts::Bytes(int bytes_per_element) const {
  std::int64_t elems = CheckedAdd(CheckedAdd(input_elems, output_elems), weight_elems);
  return CheckedMul(elems, bytes_per_element);
}

}  // namespace odonata
