// odonata's own shape functions (shapes.h). Each function mirrors the ONNX
// 1.12 inference function of its op (onnx/defs/nn/defs.cc
// convPoolShapeInference, onnx/defs/math/defs.cc, ...) on the cases it
// accepts, and refuses (nullopt) every case ONNX's might treat otherwise:
// refusing sends the whole graph to ONNX's InferShapes, as before.
#include "shapes.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace odonata::onnx_import {
namespace {

using I64 = std::int64_t;

// Dims, kernel sizes, strides, dilations and pads above this are left to
// ONNX: the arithmetic below then stays far from int64 overflow (and ONNX's,
// unchecked, would not be reproduced).
constexpr I64 kMaxDim = I64{1} << 40;

// The default domain's opsets whose schemas of the ops below this file
// follows (ONNX 1.12 knows up to 17; 18 changed the pooling ops).
constexpr I64 kMinOpset = 11;
constexpr I64 kMaxOpset = 17;

// Ranks above this are left to ONNX.
constexpr std::size_t kMaxRank = 8;

// A short list of int64 (dims, per-axis attributes) without heap allocation
// (issue 13: allocation was most of this file's first cost). Holds up to 16:
// every list here is a rank <= kMaxRank or pads of <= 2 * (kMaxRank - 2).
class Dims {
 public:
  static constexpr std::size_t kCapacity = 16;
  Dims() = default;
  Dims(std::initializer_list<I64> v) : Dims(v.begin(), v.end()) {}
  Dims(std::size_t n, I64 v) { assign(n, v); }
  template <class It>
  Dims(It first, It last) {
    for (; first != last; ++first) push_back(*first);
  }
  std::size_t size() const { return size_; }
  I64& operator[](std::size_t i) { return v_[i]; }
  I64 operator[](std::size_t i) const { return v_[i]; }
  I64* begin() { return v_.data(); }
  I64* end() { return v_.data() + size_; }
  const I64* begin() const { return v_.data(); }
  const I64* end() const { return v_.data() + size_; }
  // Callers stay within kCapacity (ranks and attribute lengths are checked first).
  void push_back(I64 x) {
    if (size_ < kCapacity) v_[size_++] = x;
  }
  void assign(std::size_t n, I64 x) {
    size_ = std::min(n, kCapacity);
    std::fill(begin(), end(), x);
  }
  bool operator==(const Dims& o) const { return std::equal(begin(), end(), o.begin(), o.end()); }
  bool operator!=(const Dims& o) const { return !(*this == o); }

 private:
  std::array<I64, kCapacity> v_{};
  std::size_t size_ = 0;
};

struct Tensor {
  int32_t elem = 0;  // onnx::TensorProto_DataType, never 0 here
  Dims dims;
};

using Inputs = std::vector<const Tensor*>;  // per input index; null: empty name (absent)

// A node's attributes as ONNX's inference helpers read them (by name; a
// duplicate name or one the op does not have refuses the node).
class Attrs {
 public:
  Attrs(const onnx::NodeProto& n, std::initializer_list<std::string_view> allowed) {
    for (const auto& a : n.attribute()) {
      const bool known = std::find(allowed.begin(), allowed.end(), a.name()) != allowed.end();
      if (!known || count_ == list_.size() || Find(a.name()) || a.has_g() || a.graphs_size() > 0) {
        ok_ = false;
        return;
      }
      list_[count_++] = &a;
    }
  }
  bool ok() const { return ok_; }

  // An INT attribute, `def` when absent; false: present but not an integer.
  bool Int(std::string_view name, I64 def, I64& out) const {
    const onnx::AttributeProto* a = Find(name);
    if (!a) {
      out = def;
      return true;
    }
    if (!TypeIs(*a, onnx::AttributeProto::INT) || !a->has_i()) return false;
    out = a->i();
    return true;
  }
  // An INTS attribute; `present` false when absent.
  bool Ints(std::string_view name, Dims& out, bool& present) const {
    const onnx::AttributeProto* a = Find(name);
    present = a != nullptr;
    if (!a) return true;
    if (!TypeIs(*a, onnx::AttributeProto::INTS) || a->ints_size() > static_cast<int>(Dims::kCapacity)) return false;
    out = Dims(a->ints().begin(), a->ints().end());
    return true;
  }
  // A STRING attribute; `present` false when absent.
  bool Str(std::string_view name, std::string_view& out, bool& present) const {
    const onnx::AttributeProto* a = Find(name);
    present = a != nullptr;
    if (!a) return true;
    if (!TypeIs(*a, onnx::AttributeProto::STRING) || !a->has_s()) return false;
    out = a->s();
    return true;
  }

 private:
  // IR 3 files leave the type unset; ONNX's helpers read the field regardless.
  static bool TypeIs(const onnx::AttributeProto& a, onnx::AttributeProto::AttributeType t) {
    return a.type() == t || a.type() == onnx::AttributeProto::UNDEFINED;
  }
  const onnx::AttributeProto* Find(std::string_view name) const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (list_[i]->name() == name) return list_[i];
    }
    return nullptr;
  }
  std::array<const onnx::AttributeProto*, 8> list_{};  // no op here has more
  std::size_t count_ = 0;
  bool ok_ = true;
};

bool InRange(I64 v, I64 lo, I64 hi) { return v >= lo && v <= hi; }

// ---- the functions -------------------------------------------------------------

// Relu, Sigmoid, Clip (opset >= 11: min and max are inputs, only the first is
// read): propagateShapeAndTypeFromFirstInput.
std::optional<Tensor> SameAsFirst(const onnx::NodeProto& n, const Inputs& in) {
  if (!Attrs(n, {}).ok() || !in[0]) return std::nullopt;
  return *in[0];
}

// HardSigmoid: the same, with its two attributes (not read).
std::optional<Tensor> HardSigmoid(const onnx::NodeProto& n, const Inputs& in) {
  if (!Attrs(n, {"alpha", "beta"}).ok() || !in[0]) return std::nullopt;
  return *in[0];
}

// ReduceMean (axes an attribute up to opset 17): the reduced axes dropped, or
// kept as 1 with keepdims; no axes: all of them.
std::optional<Tensor> ReduceMean(const onnx::NodeProto& n, const Inputs& in) {
  Attrs attrs(n, {"axes", "keepdims"});
  I64 keep = 1;
  Dims axes;
  bool given = false;
  if (!attrs.ok() || !attrs.Int("keepdims", 1, keep) || !InRange(keep, 0, 1) || !attrs.Ints("axes", axes, given) || !in[0]) {
    return std::nullopt;
  }
  const I64 rank = static_cast<I64>(in[0]->dims.size());
  std::array<bool, kMaxRank> reduced{};
  for (I64 a : axes) {
    if (!InRange(a, -rank, rank - 1)) return std::nullopt;
    reduced[a < 0 ? a + rank : a] = true;
  }
  Tensor out{in[0]->elem, {}};
  for (I64 i = 0; i < rank; ++i) {
    if (axes.size() > 0 && !reduced[i]) {
      out.dims.push_back(in[0]->dims[i]);
    } else if (keep == 1) {
      out.dims.push_back(1);
    }
  }
  return out;
}

// Add, Mul: the first input's type, the two shapes broadcast (numpy rules).
std::optional<Tensor> Broadcast(const onnx::NodeProto& n, const Inputs& in) {
  if (!Attrs(n, {}).ok() || in.size() != 2 || !in[0] || !in[1]) return std::nullopt;
  const auto& a = in[0]->dims;
  const auto& b = in[1]->dims;
  const std::size_t rank = std::max(a.size(), b.size());
  Tensor out{in[0]->elem, Dims(rank, 1)};
  for (std::size_t i = 0; i < rank; ++i) {
    const I64 da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const I64 db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out.dims[i] = da == 1 ? db : da;
  }
  return out;
}

// BatchNormalization in inference mode (one output): the input's type and
// shape; the four parameters of rank 1 and as long as the channels.
std::optional<Tensor> BatchNormalization(const onnx::NodeProto& n, const Inputs& in) {
  Attrs attrs(n, {"epsilon", "momentum", "training_mode"});
  I64 training = 0;
  if (!attrs.ok() || !attrs.Int("training_mode", 0, training) || training != 0) return std::nullopt;
  if (in.size() != 5 || n.output_size() != 1) return std::nullopt;
  for (const Tensor* t : in) {
    if (!t) return std::nullopt;
  }
  const Tensor& x = *in[0];
  if (x.dims.size() < 2) return std::nullopt;
  for (int i = 1; i < 5; ++i) {
    if (in[i]->dims.size() != 1 || in[i]->dims[0] != x.dims[1]) return std::nullopt;
  }
  return x;
}

// GlobalAveragePool: (N, C, 1, ...).
std::optional<Tensor> GlobalPool(const onnx::NodeProto& n, const Inputs& in) {
  if (!Attrs(n, {}).ok() || !in[0] || in[0]->dims.size() < 2) return std::nullopt;
  Tensor out = *in[0];
  std::fill(out.dims.begin() + 2, out.dims.end(), I64{1});
  return out;
}

// Flatten: (d0 * ... * d(axis-1), d(axis) * ... * d(rank-1)).
std::optional<Tensor> Flatten(const onnx::NodeProto& n, const Inputs& in) {
  Attrs attrs(n, {"axis"});
  I64 axis = 1;
  if (!attrs.ok() || !attrs.Int("axis", 1, axis) || !in[0]) return std::nullopt;
  const I64 rank = static_cast<I64>(in[0]->dims.size());
  if (!InRange(axis, -rank, rank)) return std::nullopt;
  if (axis < 0) axis += rank;
  I64 outer = 1, inner = 1;
  for (I64 i = 0; i < rank; ++i) {
    I64& p = i < axis ? outer : inner;
    if (in[0]->dims[i] > kMaxDim / p) return std::nullopt;
    p *= in[0]->dims[i];
  }
  return Tensor{in[0]->elem, {outer, inner}};
}

// Gemm: (M, N) of op(A) (M x K) and op(B) (K x N); C is not read.
std::optional<Tensor> Gemm(const onnx::NodeProto& n, const Inputs& in) {
  Attrs attrs(n, {"alpha", "beta", "transA", "transB"});
  I64 ta = 0, tb = 0;
  if (!attrs.ok() || !attrs.Int("transA", 0, ta) || !attrs.Int("transB", 0, tb)) return std::nullopt;
  // ONNX reads them as static_cast<int>(i) != 0: only 0 and 1 mean the same here.
  if (!InRange(ta, 0, 1) || !InRange(tb, 0, 1) || !in[0] || in.size() < 2 || !in[1]) return std::nullopt;
  const auto& a = in[0]->dims;
  const auto& b = in[1]->dims;
  if (a.size() != 2 || b.size() != 2 || a[ta ? 0 : 1] != b[tb ? 1 : 0]) return std::nullopt;
  return Tensor{in[0]->elem, {a[ta ? 1 : 0], b[tb ? 0 : 1]}};
}

// Concat: the inputs' shapes, summed along `axis`, equal elsewhere.
std::optional<Tensor> Concat(const onnx::NodeProto& n, const Inputs& in) {
  Attrs attrs(n, {"axis"});
  I64 axis = 0;
  if (!attrs.ok() || !attrs.Int("axis", kMaxDim, axis) || axis == kMaxDim || in.empty()) return std::nullopt;
  for (const Tensor* t : in) {
    if (!t || t->dims.size() != in[0]->dims.size()) return std::nullopt;
  }
  const I64 rank = static_cast<I64>(in[0]->dims.size());
  if (rank == 0 || !InRange(axis, -rank, rank - 1)) return std::nullopt;
  if (axis < 0) axis += rank;
  Tensor out{in[0]->elem, in[0]->dims};
  out.dims[axis] = 0;
  for (const Tensor* t : in) {
    for (I64 i = 0; i < rank; ++i) {
      if (i != axis && t->dims[i] != out.dims[i]) return std::nullopt;
    }
    out.dims[axis] += t->dims[axis];
    if (out.dims[axis] > kMaxDim) return std::nullopt;
  }
  return out;
}

// Conv, MaxPool, AveragePool: ONNX's convPoolShapeInference. Every list
// attribute must have one value per spatial axis (two for pads), kernel and
// strides and dilations >= 1, pads >= 0, the window inside the padded input;
// Conv's kernel_shape (if given) the weight's, its channels the weight's
// times group.
enum class Window { kConv, kMaxPool, kAveragePool };

std::optional<Tensor> WindowOp(const onnx::NodeProto& n, const Inputs& in, Window kind) {
  const bool conv = kind == Window::kConv;
  Attrs attrs = conv ? Attrs(n, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"})
                : kind == Window::kMaxPool
                    ? Attrs(n, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"})
                    : Attrs(n, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  if (!attrs.ok() || n.output_size() != 1 || !in[0]) return std::nullopt;
  const Tensor& x = *in[0];
  if (x.dims.size() < 3) return std::nullopt;
  const std::size_t spatial = x.dims.size() - 2;
  const Tensor* w = conv && in.size() >= 2 ? in[1] : nullptr;
  if (conv && (!w || w->dims.size() != x.dims.size())) return std::nullopt;

  bool present = false;
  Dims kernel;
  if (!attrs.Ints("kernel_shape", kernel, present)) return std::nullopt;
  if (conv) {
    const Dims from_weight(w->dims.begin() + 2, w->dims.end());
    if (present && kernel != from_weight) return std::nullopt;
    kernel = from_weight;
  } else if (!present) {
    return std::nullopt;
  }
  auto per_axis = [&](const char* name, Dims& v, std::size_t count, I64 min, I64 def) {
    bool given = false;
    if (!attrs.Ints(name, v, given)) return false;
    if (!given) v.assign(count, def);
    if (v.size() != count) return false;
    return std::all_of(v.begin(), v.end(), [&](I64 x) { return InRange(x, min, kMaxDim); });
  };
  Dims strides, dilations, pads;
  if (kernel.size() != spatial || !std::all_of(kernel.begin(), kernel.end(), [](I64 k) { return InRange(k, 1, kMaxDim); }) ||
      !per_axis("strides", strides, spatial, 1, 1) || !per_axis("dilations", dilations, spatial, 1, 1)) {
    return std::nullopt;
  }
  bool has_pads = false;
  if (!attrs.Ints("pads", pads, has_pads) || (has_pads && !per_axis("pads", pads, 2 * spatial, 0, 0))) return std::nullopt;
  std::string_view auto_pad = "NOTSET";
  bool has_auto_pad = false;
  if (!attrs.Str("auto_pad", auto_pad, has_auto_pad)) return std::nullopt;
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") return std::nullopt;
  if (has_pads && auto_pad != "NOTSET") return std::nullopt;
  I64 ceil_mode = 0, group = 1;
  if (!attrs.Int("ceil_mode", 0, ceil_mode) || !InRange(ceil_mode, 0, 1)) return std::nullopt;
  if (!attrs.Int("group", 1, group) || !InRange(group, 1, kMaxDim)) return std::nullopt;
  if (conv && (w->dims[1] > kMaxDim / group || x.dims[1] != w->dims[1] * group || w->dims[0] % group != 0)) {
    return std::nullopt;
  }

  Dims effective(spatial, 0);
  for (std::size_t i = 0; i < spatial; ++i) {
    if (kernel[i] - 1 > kMaxDim / dilations[i]) return std::nullopt;
    effective[i] = (kernel[i] - 1) * dilations[i] + 1;
  }
  if (!has_pads) {
    pads.assign(2 * spatial, 0);
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      for (std::size_t i = 0; i < spatial; ++i) {
        const I64 residual = strides[i] > 1 ? x.dims[2 + i] % strides[i] : 0;
        const I64 total = std::max<I64>(0, residual == 0 ? effective[i] - strides[i] : effective[i] - residual);
        const I64 small = total >> 1, big = total - small;
        pads[i] = auto_pad == "SAME_UPPER" ? small : big;
        pads[i + spatial] = auto_pad == "SAME_UPPER" ? big : small;
      }
    }
  }
  Tensor out{x.elem, {x.dims[0], conv ? w->dims[0] : x.dims[1]}};
  for (std::size_t i = 0; i < spatial; ++i) {
    const I64 size = x.dims[2 + i] + pads[i] + pads[i + spatial];
    if (size < effective[i]) return std::nullopt;
    // ONNX divides in float for ceil_mode: the same expression, the same result.
    const I64 positions = ceil_mode == 1
                              ? static_cast<I64>(std::ceil(static_cast<float>(size - effective[i]) / static_cast<float>(strides[i])))
                              : (size - effective[i]) / strides[i];
    out.dims.push_back(1 + positions);
  }
  return out;
}

std::optional<Tensor> Conv(const onnx::NodeProto& n, const Inputs& in) { return WindowOp(n, in, Window::kConv); }
std::optional<Tensor> MaxPool(const onnx::NodeProto& n, const Inputs& in) { return WindowOp(n, in, Window::kMaxPool); }
std::optional<Tensor> AveragePool(const onnx::NodeProto& n, const Inputs& in) { return WindowOp(n, in, Window::kAveragePool); }

// ---- the table -------------------------------------------------------------------

using Fn = std::optional<Tensor> (*)(const onnx::NodeProto&, const Inputs&);

struct OwnOp {
  std::string_view op;
  int min_inputs, max_inputs;
  Fn fn;
};

// Input counts as the schemas at opsets 11-17 allow them.
constexpr OwnOp kOps[] = {
    {"Add", 2, 2, Broadcast},
    {"AveragePool", 1, 1, AveragePool},
    {"BatchNormalization", 5, 5, BatchNormalization},
    {"Clip", 1, 3, SameAsFirst},
    {"Concat", 1, 1 << 30, Concat},
    {"Conv", 2, 3, Conv},
    {"Flatten", 1, 1, Flatten},
    {"Gemm", 2, 3, Gemm},
    {"GlobalAveragePool", 1, 1, GlobalPool},
    {"HardSigmoid", 1, 1, HardSigmoid},
    {"MaxPool", 1, 1, MaxPool},
    {"Mul", 2, 2, Broadcast},
    {"ReduceMean", 1, 1, ReduceMean},
    {"Relu", 1, 1, SameAsFirst},
    {"Sigmoid", 1, 1, SameAsFirst},
};

const OwnOp* FindOp(std::string_view op) {
  for (const OwnOp& o : kOps) {
    if (o.op == op) return &o;
  }
  return nullptr;
}

// A static tensor type: a tensor with a defined element type and every dim in [1, kMaxDim].
std::optional<Tensor> FromType(const onnx::TypeProto& t) {
  if (!t.has_tensor_type() || t.tensor_type().elem_type() == 0 || !t.tensor_type().has_shape()) return std::nullopt;
  if (t.tensor_type().shape().dim_size() > static_cast<int>(kMaxRank)) return std::nullopt;
  Tensor out{t.tensor_type().elem_type(), {}};
  for (const auto& d : t.tensor_type().shape().dim()) {
    if (!d.has_dim_value() || !InRange(d.dim_value(), 1, kMaxDim)) return std::nullopt;
    out.dims.push_back(d.dim_value());
  }
  return out;
}

std::optional<Tensor> FromInitializer(const onnx::TensorProto& t) {
  if (t.data_type() == 0 || t.dims_size() > static_cast<int>(kMaxRank)) return std::nullopt;
  Tensor out{t.data_type(), {}};
  for (I64 d : t.dims()) {
    if (!InRange(d, 1, kMaxDim)) return std::nullopt;
    out.dims.push_back(d);
  }
  return out;
}

// Whether `existing` (value_info or a graph output) already says exactly `t`:
// ONNX's merge then changes nothing.
bool Same(const onnx::TypeProto& existing, const Tensor& t) {
  auto e = FromType(existing);
  return e && e->elem == t.elem && e->dims == t.dims;
}

// Whether ONNX's merge of `t` into a typed graph output succeeds (same
// element type unless undefined; same rank; same values where given).
bool Mergeable(const onnx::TypeProto& existing, const Tensor& t) {
  if (!existing.has_tensor_type()) return false;
  const auto& tt = existing.tensor_type();
  if (tt.elem_type() != 0 && tt.elem_type() != t.elem) return false;
  if (!tt.has_shape()) return true;
  if (tt.shape().dim_size() != static_cast<int>(t.dims.size())) return false;
  for (int i = 0; i < tt.shape().dim_size(); ++i) {
    const auto& d = tt.shape().dim(i);
    if (d.has_dim_value() && d.dim_value() != t.dims[i]) return false;
  }
  return true;
}

// mergeShapesAndTypes (onnx/shape_inference/implementation.cc) of a static `t`.
void Merge(onnx::TypeProto& existing, const Tensor& t) {
  auto* tt = existing.mutable_tensor_type();
  if (tt->elem_type() == 0) tt->set_elem_type(t.elem);
  if (!tt->has_shape()) {
    auto* shape = tt->mutable_shape();
    for (I64 d : t.dims) shape->add_dim()->set_dim_value(d);
    return;
  }
  for (int i = 0; i < tt->shape().dim_size(); ++i) {
    auto* d = tt->mutable_shape()->mutable_dim(i);
    if (!d->has_dim_value()) {
      d->Clear();
      d->set_dim_value(t.dims[i]);
    }
  }
}

}  // namespace

bool InferShapesOwn(onnx::ModelProto& model) {
  // The default domain imported once, as "", at an opset the functions follow.
  // ("ai.onnx" is left to ONNX, which looks nodes' domains up as written; so
  // are model-local functions.)
  I64 opset = 0;
  int defaults = 0;
  for (const auto& o : model.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") {
      defaults += o.domain().empty() ? 1 : 2;
      opset = o.version();
    }
  }
  if (defaults != 1 || opset < kMinOpset || opset > kMaxOpset || model.ir_version() < 4 || model.functions_size() > 0) {
    return false;
  }
  onnx::GraphProto& g = *model.mutable_graph();
  if (g.node_size() == 0) return false;
  // Every node an op here, before anything is built: a graph they do not
  // cover costs a scan of its op types, each round (swin_t, SSDlite).
  for (const onnx::NodeProto& n : g.node()) {
    if (!n.domain().empty() || !FindOp(n.op_type()) || n.output_size() != 1) return false;
  }

  // Every name of the graph, in one table on a local arena (no allocation per
  // name): what nodes may read (typed graph inputs, which ONNX prefers to an
  // initializer of the same name, which must then agree; initializers) and
  // what is written or typed already.
  struct Entry {
    Tensor t;
    bool known = false;     // `t` holds a static type nodes may read
    bool produced = false;  // written by a node (`t` its inferred type)
    bool typed = false;     // has a value_info
    onnx::ValueInfoProto* output = nullptr;  // the graph output of this name
  };
  std::array<std::byte, 32 * 1024> buffer;
  std::pmr::monotonic_buffer_resource arena(buffer.data(), buffer.size());
  std::pmr::unordered_map<std::string_view, Entry> names(&arena);
  names.reserve(g.initializer_size() + g.input_size() + g.node_size() + g.output_size());
  for (const auto& t : g.initializer()) {
    Entry& e = names[t.name()];
    if (auto k = FromInitializer(t)) {
      e.t = *k;
      e.known = true;
    }
  }
  for (const auto& in : g.input()) {
    auto k = in.has_type() ? FromType(in.type()) : std::nullopt;
    auto [it, fresh] = names.try_emplace(in.name());
    if (!fresh) {
      if (!k || !it->second.known || k->elem != it->second.t.elem || k->dims != it->second.t.dims) return false;
    } else if (k) {
      it->second.t = *k;
      it->second.known = true;
    }
  }

  // Infer node by node, in order; nothing is written before all succeed.
  std::pmr::vector<std::pair<const std::string*, Entry*>> results(&arena);
  results.reserve(g.node_size());
  Inputs in;
  for (const onnx::NodeProto& n : g.node()) {
    const OwnOp* op = FindOp(n.op_type());
    if (n.input_size() < op->min_inputs || n.input_size() > op->max_inputs) return false;
    in.assign(n.input_size(), nullptr);
    for (int i = 0; i < n.input_size(); ++i) {
      if (n.input(i).empty()) continue;
      auto it = names.find(n.input(i));
      if (it == names.end() || !it->second.known) return false;
      in[i] = &it->second.t;
    }
    std::optional<Tensor> out = op->fn(n, in);
    const std::string& name = n.output(0);
    // Outputs stay within what inputs may hold: no growth towards overflow along a chain.
    if (!out || name.empty() || !std::all_of(out->dims.begin(), out->dims.end(), [](I64 d) { return InRange(d, 1, kMaxDim); })) {
      return false;
    }
    auto [it, fresh] = names.try_emplace(name);
    if (!fresh) return false;  // a second writer, or a graph input's or initializer's name
    it->second.t = *out;
    it->second.known = it->second.produced = true;
    results.emplace_back(&name, &it->second);
  }

  // What is typed already: value_info only of node outputs and saying the
  // same; graph outputs typed and mergeable.
  for (const auto& vi : g.value_info()) {
    auto it = names.find(vi.name());
    if (it == names.end() || !it->second.produced || !vi.has_type() || !Same(vi.type(), it->second.t)) return false;
    it->second.typed = true;
  }
  for (auto& out : *g.mutable_output()) {
    if (!out.has_type()) return false;
    auto it = names.find(out.name());
    if (it == names.end()) continue;  // written by no node, read by none: ONNX leaves it too
    Entry& e = it->second;
    if (e.output || (e.produced && !Mergeable(out.type(), e.t))) return false;
    e.output = &out;
  }

  g.mutable_value_info()->Reserve(g.value_info_size() + static_cast<int>(results.size()));
  for (const auto& [name, e] : results) {
    if (e->output) {
      Merge(*e->output->mutable_type(), e->t);
    } else if (!e->typed) {
      auto* vi = g.add_value_info();
      vi->set_name(*name);
      auto* tt = vi->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(e->t.elem);
      auto* shape = tt->mutable_shape();
      shape->mutable_dim()->Reserve(static_cast<int>(e->t.dims.size()));
      for (I64 d : e->t.dims) shape->add_dim()->set_dim_value(d);
    }
  }
  return true;
}

}  // namespace odonata::onnx_import
