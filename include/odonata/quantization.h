// How a model is quantized (src/quantization.cc): which nodes compute on
// integer data, in which of ONNX Runtime's three forms. The estimate runs the
// layers of these nodes at the platform's int8 precision (estimate.h:
// Report::quantization; docs/platform-profile.md "QDQ rules").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "odonata/network.h"

namespace odonata {

// How one node is quantized.
enum class QuantForm : std::uint8_t {
  kNone,  // a float node, or a conversion (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear)
  // QDQ (quantize_static, QuantFormat.QDQ): a float op whose inputs all come
  // from DequantizeLinear (initializers such as Reshape's shape may stay) and
  // whose one output goes to one QuantizeLinear, directly or through
  // single-reader activations (Relu, Clip, ...), which are kQdq too.
  kQdq,
  // QOperator (QuantFormat.QOperator): an integer operator, QLinearConv,
  // QLinearMatMul, ConvInteger, MatMulInteger, com.microsoft QGemm and
  // QLinear* (QLinearAdd, QLinearConcat, ...), on statically quantized data.
  kOperator,
  // Dynamic (quantize_dynamic): an integer operator reading an input that a
  // DynamicQuantizeLinear quantizes at run time (ConvInteger, MatMulInteger),
  // or com.microsoft DynamicQuantizeMatMul / MatMulIntegerToFloat.
  kDynamic,
};

// "none", "qdq", "operator", "dynamic" (the JSON report's names).
const char* QuantFormName(QuantForm form);

// Whether op (in domain, "" or "com.microsoft") is an integer operator
// (QuantForm kOperator or kDynamic), and whether it is a conversion between
// float and integer data (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear).
bool IsIntegerOp(const std::string& op_type, const std::string& domain);
bool IsQuantizeConversion(const std::string& op_type, const std::string& domain);

struct Quantization {
  std::vector<QuantForm> nodes;  // one per Network::layers entry, same order
  std::int64_t qdq_nodes = 0, operator_nodes = 0, dynamic_nodes = 0;
  std::int64_t conversion_nodes = 0;  // QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear

  // Whether any node is quantized (a conversion alone does not count).
  bool Any() const { return qdq_nodes + operator_nodes + dynamic_nodes > 0; }
  // The forms present, in the order qdq, operator, dynamic ("qdq", ...).
  std::vector<std::string> Forms() const;
};

// The quantization of every node of `network`, from op types and the tensor
// graph alone (no platform involved).
Quantization DetectQuantization(const Network& network);

}  // namespace odonata
