// Tensor descriptions: element types, static shapes. Plain values, no protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace odonata {

// Element type of a tensor (subset of ONNX's TensorProto.DataType we report on).
enum class DataType {
  kUnknown,
  kFloat32,
  kFloat16,
  kBFloat16,
  kFloat64,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kBool,
  kString,
  kComplex64,
  kComplex128,
};

// "float32", "int64", ...
const char* DataTypeName(DataType t);
// Size of one element in bytes in the model file (0 for kUnknown/kString).
int DataTypeBytes(DataType t);

// A static shape: every dimension is known and >= 0. Scalars have rank 0.
using Shape = std::vector<std::int64_t>;

// Number of elements (product of dims, 1 for a scalar). Throws Error on overflow.
std::int64_t NumElements(const Shape& shape);
// "1x3x224x224" ("scalar" for rank 0).
std::string ShapeToString(const Shape& shape);
// Parse "1x3x224x224" (also accepts ',' as separator). Throws Error on bad text.
Shape ParseShape(const std::string& text);

struct TensorInfo {
  std::string name;
  Shape shape;
  DataType dtype = DataType::kUnknown;
  // The shape depends on input values (e.g. the boxes kept by NonMaxSuppression);
  // `shape` then holds the stated upper bound, and estimates using it are flagged.
  bool data_dependent = false;
  // Initializer of the model (a weight), not an activation.
  bool is_weight = false;
  // Computed at load time (Constant nodes, folded shape arithmetic): read like
  // a weight, but not a trained parameter.
  bool is_constant = false;
  // A weight that is also a graph input of a model of IR version >= 4: a
  // default the caller may override, so a runtime does not fold, fuse or
  // pre-pack it (ONNX Runtime: no Conv+BatchNormalization fusion, no NCHWc).
  bool is_overridable = false;

  bool operator==(const TensorInfo&) const = default;
};

}  // namespace odonata
