#include "odonata/tensor.h"

#include <charconv>

#include "odonata/errors.h"
#include "shape_text.h"

namespace odonata {

const char* DataTypeName(DataType t) {
  switch (t) {
    case DataType::kUnknown:
      return "unknown";
    case DataType::kFloat32:
      return "float32";
    case DataType::kFloat16:
      return "float16";
    case DataType::kBFloat16:
      return "bfloat16";
    case DataType::kFloat64:
      return "float64";
    case DataType::kInt8:
      return "int8";
    case DataType::kUInt8:
      return "uint8";
    case DataType::kInt16:
      return "int16";
    case DataType::kUInt16:
      return "uint16";
    case DataType::kInt32:
      return "int32";
    case DataType::kUInt32:
      return "uint32";
    case DataType::kInt64:
      return "int64";
    case DataType::kUInt64:
      return "uint64";
    case DataType::kBool:
      return "bool";
    case DataType::kString:
      return "string";
    case DataType::kComplex64:
      return "complex64";
    case DataType::kComplex128:
      return "complex128";
  }
  return "unknown";
}

int DataTypeBytes(DataType t) {
  switch (t) {
    case DataType::kFloat64:
    case DataType::kInt64:
    case DataType::kUInt64:
    case DataType::kComplex64:
      return 8;
    case DataType::kComplex128:
      return 16;
    case DataType::kFloat32:
    case DataType::kInt32:
    case DataType::kUInt32:
      return 4;
    case DataType::kFloat16:
    case DataType::kBFloat16:
    case DataType::kInt16:
    case DataType::kUInt16:
      return 2;
    case DataType::kInt8:
    case DataType::kUInt8:
    case DataType::kBool:
      return 1;
    case DataType::kUnknown:
    case DataType::kString:
      return 0;
  }
  return 0;
}

std::int64_t NumElements(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw Error("negative dimension " + std::to_string(d) + " in shape " + ShapeToString(shape));
    n = CheckedMul(n, d);
  }
  return n;
}

std::string ShapeToString(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s;
}

Shape ParseShape(const std::string& text) { return ParseShape(text, 1); }

Shape ParseShape(const std::string& text, std::int64_t min_dim) {
  Shape shape;
  const char* p = text.data();
  const char* end = p + text.size();
  if (p == end) throw Error("empty shape");
  while (p < end) {
    std::int64_t d = 0;
    auto [next, ec] = std::from_chars(p, end, d);
    if (ec != std::errc() || next == p) {
      throw Error("bad shape '" + text + "': expected dimensions like 1x3x224x224");
    }
    if (d < min_dim) throw Error("bad shape '" + text + "': dimensions must be >= " + std::to_string(min_dim));
    shape.push_back(d);
    p = next;
    if (p < end) {
      if (*p != 'x' && *p != ',') {
        throw Error("bad shape '" + text + "': expected dimensions like 1x3x224x224");
      }
      ++p;
      if (p == end) throw Error("bad shape '" + text + "': trailing separator");
    }
  }
  return shape;
}

}  // namespace odonata
