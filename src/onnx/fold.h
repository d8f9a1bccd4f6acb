// Constant folding of small tensors, for resolving shapes (Shape -> Gather ->
// Concat -> Reshape chains and the like). Internal to src/onnx/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "odonata/tensor.h"
#include "onnx/onnx_pb.h"

namespace odonata::onnx_import {

// A tensor whose value is known at load time. Integer and boolean tensors
// keep exact 64-bit values in `ints`; floating-point ones use `reals`.
struct ConstTensor {
  int32_t elem_type = 0;  // onnx::TensorProto_DataType
  Shape shape;
  std::vector<std::int64_t> ints;
  std::vector<double> reals;

  bool is_int() const;
  std::size_t size() const { return is_int() ? ints.size() : reals.size(); }
  double at(std::size_t i) const { return is_int() ? static_cast<double>(ints[i]) : reals[i]; }
  std::int64_t int_at(std::size_t i) const { return is_int() ? ints[i] : static_cast<std::int64_t>(reals[i]); }
};

// Largest tensor folded (elements); bigger constants are left to the runtime.
constexpr std::int64_t kMaxFoldElements = 1 << 16;

// Read an initializer's value. Returns nullopt when the data is absent
// (external data, weight-stripped model) or too large to be worth folding.
std::optional<ConstTensor> FromTensorProto(const onnx::TensorProto& t);
// Write a folded value as an initializer named `name`.
onnx::TensorProto ToTensorProto(const ConstTensor& c, const std::string& name);

// Inputs of a node as seen by the folder: a known value, or at least a static shape.
struct FoldInput {
  const ConstTensor* value = nullptr;
  const Shape* shape = nullptr;  // static shape when known
  bool present = false;          // input name non-empty
};

// Evaluate `node` if all it needs is known. Returns one value per output, or
// nullopt when the node cannot be folded (unknown inputs, unsupported op,
// results too large). Never throws for unsupported cases.
std::optional<std::vector<ConstTensor>> FoldNode(const onnx::NodeProto& node, const std::vector<FoldInput>& inputs,
                                                 std::int64_t opset);

}  // namespace odonata::onnx_import
