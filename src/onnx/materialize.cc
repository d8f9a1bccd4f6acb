// Materialize a weight-stripped model: give every tensor whose data is missing
// random values of its type and shape, so that a runtime can load and time it.
// Timing does not depend on the values, only on types and shapes; the few
// values that can change the work (BatchNormalization variance under a square
// root) are kept in a safe range.
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "io.h"
#include "odonata/errors.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "onnx/onnx_pb.h"

namespace odonata {
namespace {

static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian; so is this host");

using I64 = std::int64_t;
using onnx::TensorProto;

// Protobuf cannot parse or serialise messages of 2 GiB or more; keep a margin
// for the graph itself.
constexpr I64 kMaxBytes = std::numeric_limits<int>::max() - (I64{1} << 20);

// A double in [lo, hi) from the top 53 bits of one draw: the same numbers on
// every platform (std::uniform_real_distribution's algorithm is not specified).
double Uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// IEEE half from a float in the small range we draw from (no overflow, NaN or
// infinity possible): round to nearest, subnormals flushed to zero.
std::uint16_t ToHalf(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const int exponent = static_cast<int>((x >> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign;
  const std::uint32_t mantissa = x & 0x7fffffu;
  std::uint32_t h = (static_cast<std::uint32_t>(exponent) << 10) | (mantissa >> 13);
  if (mantissa & 0x1000u) ++h;  // round half up; a carry into the exponent is still correct
  return static_cast<std::uint16_t>(sign | h);
}

int ElementBytes(int type) {
  switch (type) {
    case TensorProto::FLOAT:
    case TensorProto::INT32:
    case TensorProto::UINT32:
      return 4;
    case TensorProto::DOUBLE:
    case TensorProto::INT64:
    case TensorProto::UINT64:
      return 8;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
    case TensorProto::INT16:
    case TensorProto::UINT16:
      return 2;
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      return 1;
    default:
      return 0;  // strings, complex: not filled
  }
}

I64 Elements(const TensorProto& t, const std::string& origin) {
  I64 n = 1;
  for (I64 d : t.dims()) {
    if (d < 0 || (d > 0 && n > std::numeric_limits<I64>::max() / d)) {
      throw Error(origin + ": tensor '" + t.name() + "' has an invalid or overflowing shape");
    }
    n *= d;
  }
  return n;
}

bool HasInlineData(const TensorProto& t) {
  return !t.raw_data().empty() || t.float_data_size() > 0 || t.int32_data_size() > 0 || t.int64_data_size() > 0 ||
         t.double_data_size() > 0 || t.uint64_data_size() > 0 || t.string_data_size() > 0;
}

// Data is missing when it lives in an external file (which is not read: the
// models this is for ship without it) or when a tensor with elements has none.
bool Missing(const TensorProto& t, I64 elements) {
  return t.data_location() == TensorProto::EXTERNAL || (elements > 0 && !HasInlineData(t));
}

// Every tensor of the model that can carry data, in a fixed order: each
// graph's initializers, then tensor attributes of its nodes (Constant values),
// then subgraphs of those nodes, depth first.
void CollectTensors(onnx::GraphProto* g, std::vector<TensorProto*>* out, std::set<std::string>* variances) {
  for (TensorProto& t : *g->mutable_initializer()) out->push_back(&t);
  for (onnx::NodeProto& n : *g->mutable_node()) {
    if (n.op_type() == "BatchNormalization" && (n.domain().empty() || n.domain() == "ai.onnx") && n.input_size() > 4) {
      variances->insert(n.input(4));
    }
    for (onnx::AttributeProto& a : *n.mutable_attribute()) {
      if (a.has_t()) out->push_back(a.mutable_t());
      for (TensorProto& t : *a.mutable_tensors()) out->push_back(&t);
      if (a.has_g()) CollectTensors(a.mutable_g(), out, variances);
      for (onnx::GraphProto& sub : *a.mutable_graphs()) CollectTensors(&sub, out, variances);
    }
  }
}

void Fill(TensorProto* t, I64 elements, bool variance, std::mt19937_64& rng) {
  const int type = t->data_type();
  std::string raw(static_cast<std::size_t>(elements * ElementBytes(type)), '\0');
  char* p = raw.data();
  // Small values keep activations far from overflow; a variance in [0.5, 1.5]
  // keeps 1/sqrt(var + eps) finite. Integers and booleans are zero: a valid
  // index and a neutral value wherever they are used.
  const double lo = variance ? 0.5 : -0.1, hi = variance ? 1.5 : 0.1;
  for (I64 i = 0; i < elements; ++i) {
    switch (type) {
      case TensorProto::FLOAT: {
        const float v = static_cast<float>(Uniform(rng, lo, hi));
        std::memcpy(p + 4 * i, &v, 4);
        break;
      }
      case TensorProto::DOUBLE: {
        const double v = Uniform(rng, lo, hi);
        std::memcpy(p + 8 * i, &v, 8);
        break;
      }
      case TensorProto::FLOAT16: {
        const std::uint16_t v = ToHalf(static_cast<float>(Uniform(rng, lo, hi)));
        std::memcpy(p + 2 * i, &v, 2);
        break;
      }
      case TensorProto::BFLOAT16: {
        const float f = static_cast<float>(Uniform(rng, lo, hi));
        const std::uint16_t v = static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(f) >> 16);
        std::memcpy(p + 2 * i, &v, 2);
        break;
      }
      default:
        break;  // integers and booleans stay zero
    }
  }
  t->clear_external_data();
  t->set_data_location(TensorProto::DEFAULT);
  t->set_raw_data(std::move(raw));
}

}  // namespace

std::int64_t MaterializeOnnx(const std::string& path, const std::string& out, std::uint64_t seed) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw Error(path + ": cannot open file");
  const std::streamoff size = f.tellg();
  if (size <= 0) throw Error(path + ": empty or unreadable file, not an ONNX model");
  if (size > kMaxBytes) throw Error(path + ": file is larger than protobuf's 2 GB limit");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  f.seekg(0);
  if (!f.read(bytes.data(), size)) throw Error(path + ": cannot read file");
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes) || !model.has_graph()) {
    throw Error(path + ": not a valid ONNX model (protobuf parse failed: truncated or not ONNX)");
  }
  bytes = std::string();

  std::vector<TensorProto*> tensors;
  std::set<std::string> variances;
  CollectTensors(model.mutable_graph(), &tensors, &variances);

  // Check everything before allocating anything: the result must fit in one file.
  I64 total = static_cast<I64>(model.ByteSizeLong());
  std::vector<std::pair<TensorProto*, I64>> todo;
  for (TensorProto* t : tensors) {
    const I64 n = Elements(*t, path);
    if (!Missing(*t, n)) continue;
    const int bytes_per = ElementBytes(t->data_type());
    if (bytes_per == 0) {
      throw Error(path + ": tensor '" + t->name() + "' has no data and a type (" + std::to_string(t->data_type()) +
                  ") that cannot be filled with random values");
    }
    if (n > (kMaxBytes - total) / bytes_per) {
      throw Error(path + ": the materialized model would exceed protobuf's 2 GB limit (tensor '" + t->name() +
                  "' and " + std::to_string(total) + " bytes before it); it cannot be written as one ONNX file");
    }
    total += n * bytes_per;
    todo.push_back({t, n});
  }

  std::mt19937_64 rng(seed);
  for (auto& [t, n] : todo) Fill(t, n, variances.count(t->name()) > 0, rng);

  std::string serialised;
  if (!model.SerializeToString(&serialised)) throw Error("cannot write '" + out + "': serialisation failed");
  WriteFileAtomic(out, serialised);
  return static_cast<I64>(todo.size());
}

}  // namespace odonata
