// Evaluates the small integer/float tensors that describe shapes. Exporters
// (torch.onnx in particular) compute Reshape targets, Resize sizes and Pad
// amounts at run time from Shape ops; ONNX shape inference gives up on many
// of those chains, so odonata folds them as a runtime's constant folding would.
#include "fold.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>

namespace odonata::onnx_import {
namespace {

using onnx::TensorProto;
using I64 = std::int64_t;
using Result = std::optional<std::vector<ConstTensor>>;

bool IsIntType(int32_t t) {
  switch (t) {
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::INT16:
    case TensorProto::UINT16:
    case TensorProto::INT32:
    case TensorProto::UINT32:
    case TensorProto::INT64:
    case TensorProto::UINT64:
    case TensorProto::BOOL:
      return true;
    default:
      return false;
  }
}

bool IsFloatType(int32_t t) {
  return t == TensorProto::FLOAT || t == TensorProto::DOUBLE || t == TensorProto::FLOAT16 || t == TensorProto::BFLOAT16;
}

std::optional<I64> Count(const Shape& s) {
  I64 n = 1;
  for (I64 d : s) {
    if (d < 0 || (d > 0 && n > kMaxFoldElements / d)) return std::nullopt;
    n *= d;
  }
  return n;
}

double HalfToDouble(uint16_t h) {
  const int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(mant, -24);
  } else if (exp == 31) {
    v = mant ? NAN : INFINITY;
  } else {
    v = std::ldexp(mant + 1024, exp - 25);
  }
  return sign ? -v : v;
}

double BFloat16ToDouble(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

ConstTensor MakeInt(int32_t type, Shape shape, std::vector<I64> v) {
  ConstTensor c;
  c.elem_type = type;
  c.shape = std::move(shape);
  c.ints = std::move(v);
  return c;
}

ConstTensor MakeLike(const ConstTensor& like, Shape shape) {
  ConstTensor c;
  c.elem_type = like.elem_type;
  c.shape = std::move(shape);
  return c;
}

// Strides of a row-major shape.
std::vector<I64> Strides(const Shape& s) {
  std::vector<I64> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

std::optional<Shape> Broadcast(const std::vector<const Shape*>& shapes) {
  std::size_t rank = 0;
  for (auto* s : shapes) rank = std::max(rank, s->size());
  Shape out(rank, 1);
  for (auto* s : shapes) {
    for (std::size_t i = 0; i < s->size(); ++i) {
      I64 d = (*s)[i];
      I64& o = out[rank - s->size() + i];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
      } else {
        return std::nullopt;
      }
    }
  }
  return out;
}

// A real as an element of an integer tensor: none when it is not finite or
// outside int64's range, where the conversion would be undefined (a fuzzed
// ReduceProd of int64 values reached 2.4e21). The fold is then left undone.
std::optional<I64> ToInt64(double v) {
  if (!std::isfinite(v) || std::fabs(v) > 9.2e18) return std::nullopt;
  return static_cast<I64>(v);
}

// Flat index into `in` for output coordinates of a numpy broadcast.
I64 BroadcastIndex(const std::vector<I64>& coord, const Shape& in) {
  const std::size_t off = coord.size() - in.size();
  I64 idx = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    idx = idx * in[i] + (in[i] == 1 ? 0 : coord[off + i]);
  }
  return idx;
}

void NextCoord(std::vector<I64>& coord, const Shape& shape) {
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    if (++coord[i] < shape[i]) return;
    coord[i] = 0;
  }
}

// Apply f element-wise over broadcast inputs; `out_type` 0 keeps the first input's type.
Result Elementwise(const std::vector<const ConstTensor*>& in, int32_t out_type,
                   const std::function<double(const std::vector<double>&)>& f,
                   const std::function<I64(const std::vector<I64>&)>& fi) {
  std::vector<const Shape*> shapes;
  for (auto* t : in) shapes.push_back(&t->shape);
  auto shape = Broadcast(shapes);
  if (!shape) return std::nullopt;
  auto n = Count(*shape);
  if (!n) return std::nullopt;
  bool all_int = std::all_of(in.begin(), in.end(), [](auto* t) { return t->is_int(); });
  ConstTensor out;
  out.elem_type = out_type ? out_type : in[0]->elem_type;
  out.shape = *shape;
  std::vector<I64> coord(shape->size(), 0);
  std::vector<double> args(in.size());
  std::vector<I64> iargs(in.size());
  for (I64 k = 0; k < *n; ++k) {
    if (all_int && fi) {
      for (std::size_t j = 0; j < in.size(); ++j) iargs[j] = in[j]->ints[BroadcastIndex(coord, in[j]->shape)];
      I64 r = fi(iargs);
      if (out.is_int()) {
        out.ints.push_back(r);
      } else {
        out.reals.push_back(static_cast<double>(r));
      }
    } else {
      for (std::size_t j = 0; j < in.size(); ++j) args[j] = in[j]->at(BroadcastIndex(coord, in[j]->shape));
      double r = f(args);
      if (out.is_int()) {
        const auto i = ToInt64(r);
        if (!i) return std::nullopt;
        out.ints.push_back(*i);
      } else {
        out.reals.push_back(r);
      }
    }
    NextCoord(coord, *shape);
  }
  return std::vector<ConstTensor>{std::move(out)};
}

const onnx::AttributeProto* Attr(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

I64 AttrInt(const onnx::NodeProto& n, const char* name, I64 fallback) {
  const auto* a = Attr(n, name);
  return a ? a->i() : fallback;
}

std::optional<std::vector<I64>> AttrInts(const onnx::NodeProto& n, const char* name) {
  const auto* a = Attr(n, name);
  if (!a) return std::nullopt;
  return std::vector<I64>(a->ints().begin(), a->ints().end());
}

// Axes from attribute (older opsets) or from input `index` (newer ones).
std::optional<std::vector<I64>> Axes(const onnx::NodeProto& n, const std::vector<FoldInput>& in, std::size_t index,
                                     const char* attr = "axes") {
  if (auto a = AttrInts(n, attr)) return a;
  if (index < in.size() && in[index].present) {
    if (!in[index].value) return std::nullopt;
    std::vector<I64> v;
    for (std::size_t i = 0; i < in[index].value->size(); ++i) v.push_back(in[index].value->int_at(i));
    return v;
  }
  return std::vector<I64>{};
}

bool NormaliseAxis(I64& axis, I64 rank) {
  if (axis < 0) axis += rank;
  return axis >= 0 && axis < rank;
}

Result Gather(const onnx::NodeProto& n, const ConstTensor& data, const ConstTensor& idx) {
  I64 r = static_cast<I64>(data.shape.size());
  I64 axis = AttrInt(n, "axis", 0);
  if (!NormaliseAxis(axis, r)) return std::nullopt;
  Shape out_shape(data.shape.begin(), data.shape.begin() + axis);
  out_shape.insert(out_shape.end(), idx.shape.begin(), idx.shape.end());
  out_shape.insert(out_shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  if (!Count(out_shape)) return std::nullopt;
  I64 outer = 1, inner = 1, dim = data.shape[axis];
  for (I64 i = 0; i < axis; ++i) outer *= data.shape[i];
  for (I64 i = axis + 1; i < r; ++i) inner *= data.shape[i];
  ConstTensor out = MakeLike(data, out_shape);
  for (I64 o = 0; o < outer; ++o) {
    for (std::size_t k = 0; k < idx.size(); ++k) {
      I64 j = idx.int_at(k);
      if (j < 0) j += dim;
      if (j < 0 || j >= dim) return std::nullopt;
      for (I64 i = 0; i < inner; ++i) {
        I64 src = (o * dim + j) * inner + i;
        if (data.is_int()) {
          out.ints.push_back(data.ints[src]);
        } else {
          out.reals.push_back(data.reals[src]);
        }
      }
    }
  }
  return std::vector<ConstTensor>{std::move(out)};
}

Result Concat(const onnx::NodeProto& n, const std::vector<FoldInput>& in) {
  std::vector<const ConstTensor*> parts;
  for (const auto& i : in) {
    if (!i.present) continue;
    if (!i.value) return std::nullopt;
    parts.push_back(i.value);
  }
  if (parts.empty()) return std::nullopt;
  I64 r = static_cast<I64>(parts[0]->shape.size());
  I64 axis = AttrInt(n, "axis", 0);
  if (!NormaliseAxis(axis, r)) return std::nullopt;
  Shape out_shape = parts[0]->shape;
  out_shape[axis] = 0;
  for (auto* p : parts) {
    if (static_cast<I64>(p->shape.size()) != r || p->is_int() != parts[0]->is_int()) return std::nullopt;
    out_shape[axis] += p->shape[axis];
  }
  if (!Count(out_shape)) return std::nullopt;
  I64 outer = 1;
  for (I64 i = 0; i < axis; ++i) outer *= out_shape[i];
  ConstTensor out = MakeLike(*parts[0], out_shape);
  for (I64 o = 0; o < outer; ++o) {
    for (auto* p : parts) {
      I64 block = static_cast<I64>(p->size()) / std::max<I64>(outer, 1);
      for (I64 i = 0; i < block; ++i) {
        if (p->is_int()) {
          out.ints.push_back(p->ints[o * block + i]);
        } else {
          out.reals.push_back(p->reals[o * block + i]);
        }
      }
    }
  }
  return std::vector<ConstTensor>{std::move(out)};
}

Result Slice(const onnx::NodeProto& n, const std::vector<FoldInput>& in, I64 opset) {
  const ConstTensor& data = *in[0].value;
  const I64 r = static_cast<I64>(data.shape.size());
  std::vector<I64> starts, ends, axes, steps;
  auto read = [&](std::size_t i, std::vector<I64>& v) {
    if (i >= in.size() || !in[i].present) return true;
    if (!in[i].value) return false;
    for (std::size_t k = 0; k < in[i].value->size(); ++k) v.push_back(in[i].value->int_at(k));
    return true;
  };
  if (opset < 10) {
    starts = AttrInts(n, "starts").value_or(std::vector<I64>{});
    ends = AttrInts(n, "ends").value_or(std::vector<I64>{});
    axes = AttrInts(n, "axes").value_or(std::vector<I64>{});
  } else if (!read(1, starts) || !read(2, ends) || !read(3, axes) || !read(4, steps)) {
    return std::nullopt;
  }
  if (starts.size() != ends.size()) return std::nullopt;
  if (axes.empty()) {
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<I64>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size()) return std::nullopt;
  std::vector<I64> b(r, 0), s(r, 1);
  Shape out_shape = data.shape;
  for (std::size_t k = 0; k < axes.size(); ++k) {
    I64 ax = axes[k];
    if (!NormaliseAxis(ax, r) || steps[k] == 0) return std::nullopt;
    const I64 dim = data.shape[ax];
    I64 st = starts[k], en = ends[k], step = steps[k];
    if (st < 0) st += dim;
    if (en < 0) en += dim;
    if (step > 0) {
      st = std::clamp<I64>(st, 0, dim);
      en = std::clamp<I64>(en, 0, dim);
      out_shape[ax] = std::max<I64>(0, (en - st + step - 1) / step);
    } else {
      st = std::clamp<I64>(st, 0, dim - 1);
      en = std::clamp<I64>(en, -1, dim - 1);
      out_shape[ax] = std::max<I64>(0, (st - en + (-step) - 1) / (-step));
    }
    b[ax] = st;
    s[ax] = step;
  }
  auto count = Count(out_shape);
  if (!count) return std::nullopt;
  ConstTensor out = MakeLike(data, out_shape);
  std::vector<I64> in_strides = Strides(data.shape);
  std::vector<I64> coord(r, 0);
  for (I64 k = 0; k < *count; ++k) {
    I64 src = 0;
    for (I64 i = 0; i < r; ++i) src += (b[i] + coord[i] * s[i]) * in_strides[i];
    if (data.is_int()) {
      out.ints.push_back(data.ints[src]);
    } else {
      out.reals.push_back(data.reals[src]);
    }
    NextCoord(coord, out_shape);
  }
  return std::vector<ConstTensor>{std::move(out)};
}

Result Cast(const ConstTensor& x, int32_t to) {
  ConstTensor out;
  out.elem_type = to;
  out.shape = x.shape;
  if (IsIntType(to)) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x.is_int()) {
        out.ints.push_back(to == TensorProto::BOOL ? x.ints[i] != 0 : x.ints[i]);
      } else {
        const double v = x.reals[i];
        const auto int_v = ToInt64(v);
        if (!int_v) return std::nullopt;
        out.ints.push_back(to == TensorProto::BOOL ? v != 0 : *int_v);
      }
    }
  } else if (IsFloatType(to)) {
    for (std::size_t i = 0; i < x.size(); ++i) out.reals.push_back(x.at(i));
  } else {
    return std::nullopt;
  }
  return std::vector<ConstTensor>{std::move(out)};
}

// Reshape target with ONNX's 0 (copy) and -1 (infer) conventions.
std::optional<Shape> ReshapeTarget(const Shape& in, const ConstTensor& spec, bool allowzero) {
  Shape out;
  I64 infer = -1, known = 1;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    I64 d = spec.int_at(i);
    if (d == 0 && !allowzero) {
      if (i >= in.size()) return std::nullopt;
      d = in[i];
    }
    if (d == -1) {
      if (infer >= 0) return std::nullopt;
      infer = static_cast<I64>(i);
      out.push_back(1);
      continue;
    }
    if (d < 0) return std::nullopt;
    out.push_back(d);
    known *= d;
  }
  I64 total = 1;
  for (I64 d : in) total *= d;
  if (infer >= 0) {
    if (known == 0 || total % known) return std::nullopt;
    out[infer] = total / known;
  } else if (known != total) {
    return std::nullopt;
  }
  return out;
}

Result Reduce(const onnx::NodeProto& n, const std::vector<FoldInput>& in, I64 opset) {
  const ConstTensor& x = *in[0].value;
  const std::string& op = n.op_type();
  // Axes as an optional second input: ReduceSum from opset 13, the others from 18.
  const bool axes_input = (op == "ReduceSum" && opset >= 13) || opset >= 18;
  auto axes = axes_input ? Axes(n, in, 1, "__none__") : AttrInts(n, "axes");
  if (!axes) {
    if (axes_input) return std::nullopt;
    axes = std::vector<I64>{};
  }
  if (axes_input && axes->empty() && AttrInt(n, "noop_with_empty_axes", 0) != 0) {
    return std::vector<ConstTensor>{x};
  }
  const I64 r = static_cast<I64>(x.shape.size());
  std::vector<bool> reduce(r, axes->empty());
  for (I64 a : *axes) {
    if (!NormaliseAxis(a, r)) return std::nullopt;
    reduce[a] = true;
  }
  const bool keep = AttrInt(n, "keepdims", 1) != 0;
  Shape kept_shape = x.shape, out_shape;
  for (I64 i = 0; i < r; ++i) {
    if (reduce[i]) kept_shape[i] = 1;
    if (!reduce[i] || keep) out_shape.push_back(kept_shape[i]);
  }
  auto count = Count(kept_shape);
  if (!count) return std::nullopt;
  std::vector<double> acc(*count, op == "ReduceProd"  ? 1.0
                                  : op == "ReduceSum" ? 0.0
                                  : op == "ReduceMax" ? -INFINITY
                                                      : INFINITY);
  std::vector<I64> coord(r, 0);
  for (std::size_t k = 0; k < x.size(); ++k) {
    I64 dst = BroadcastIndex(coord, kept_shape);
    double v = x.at(k);
    if (op == "ReduceProd")
      acc[dst] *= v;
    else if (op == "ReduceSum")
      acc[dst] += v;
    else if (op == "ReduceMax")
      acc[dst] = std::max(acc[dst], v);
    else
      acc[dst] = std::min(acc[dst], v);
    NextCoord(coord, x.shape);
  }
  ConstTensor out = MakeLike(x, out_shape);
  for (double v : acc) {
    if (out.is_int()) {
      const auto i = ToInt64(v);
      if (!i) return std::nullopt;
      out.ints.push_back(*i);
    } else {
      out.reals.push_back(v);
    }
  }
  return std::vector<ConstTensor>{std::move(out)};
}

// Split: sizes from the `split` input (opset >= 13) or attribute, else equal
// parts, one per output (opset 18: num_outputs parts, the last one smaller).
Result Split(const onnx::NodeProto& n, const std::vector<FoldInput>& in, I64 opset) {
  const ConstTensor& x = *in[0].value;
  const I64 r = static_cast<I64>(x.shape.size());
  I64 axis = AttrInt(n, "axis", 0);
  if (!NormaliseAxis(axis, r)) return std::nullopt;
  const I64 dim = x.shape[axis];
  const I64 parts = n.output_size();
  if (parts <= 0) return std::nullopt;
  std::vector<I64> sizes;
  if (opset >= 13 && in.size() > 1 && in[1].present) {
    if (!in[1].value) return std::nullopt;
    for (std::size_t k = 0; k < in[1].value->size(); ++k) sizes.push_back(in[1].value->int_at(k));
  } else if (opset < 13) {
    sizes = AttrInts(n, "split").value_or(std::vector<I64>{});
  }
  if (sizes.empty()) {
    if (opset >= 18 && Attr(n, "num_outputs")) {
      if (AttrInt(n, "num_outputs", 0) != parts) return std::nullopt;
      const I64 chunk = (dim + parts - 1) / parts;
      if (chunk * (parts - 1) >= dim && parts > 1) return std::nullopt;
      sizes.assign(parts, chunk);
      sizes.back() = dim - chunk * (parts - 1);
    } else {
      if (dim % parts != 0) return std::nullopt;
      sizes.assign(parts, dim / parts);
    }
  }
  if (static_cast<I64>(sizes.size()) != parts) return std::nullopt;
  I64 total = 0;
  for (I64 sz : sizes) {
    if (sz < 0) return std::nullopt;
    total += sz;
  }
  if (total != dim) return std::nullopt;
  I64 outer = 1, inner = 1;
  for (I64 i = 0; i < axis; ++i) outer *= x.shape[i];
  for (I64 i = axis + 1; i < r; ++i) inner *= x.shape[i];
  std::vector<ConstTensor> outs;
  I64 start = 0;
  for (I64 sz : sizes) {
    Shape shape = x.shape;
    shape[axis] = sz;
    ConstTensor out = MakeLike(x, shape);
    for (I64 o = 0; o < outer; ++o) {
      for (I64 j = start; j < start + sz; ++j) {
        for (I64 i = 0; i < inner; ++i) {
          const std::size_t src = static_cast<std::size_t>((o * dim + j) * inner + i);
          if (x.is_int()) {
            out.ints.push_back(x.ints[src]);
          } else {
            out.reals.push_back(x.reals[src]);
          }
        }
      }
    }
    outs.push_back(std::move(out));
    start += sz;
  }
  return outs;
}

Result Transpose(const onnx::NodeProto& n, const ConstTensor& x) {
  const I64 r = static_cast<I64>(x.shape.size());
  std::vector<I64> perm = AttrInts(n, "perm").value_or(std::vector<I64>{});
  if (perm.empty()) {
    for (I64 i = r - 1; i >= 0; --i) perm.push_back(i);
  }
  if (static_cast<I64>(perm.size()) != r) return std::nullopt;
  Shape out_shape(r);
  for (I64 i = 0; i < r; ++i) {
    if (perm[i] < 0 || perm[i] >= r) return std::nullopt;
    out_shape[i] = x.shape[perm[i]];
  }
  std::vector<I64> in_strides = Strides(x.shape);
  ConstTensor out = MakeLike(x, out_shape);
  std::vector<I64> coord(r, 0);
  for (std::size_t k = 0; k < x.size(); ++k) {
    I64 src = 0;
    for (I64 i = 0; i < r; ++i) src += coord[i] * in_strides[perm[i]];
    if (x.is_int()) {
      out.ints.push_back(x.ints[src]);
    } else {
      out.reals.push_back(x.reals[src]);
    }
    NextCoord(coord, out_shape);
  }
  return std::vector<ConstTensor>{std::move(out)};
}

ConstTensor Reshaped(const ConstTensor& x, Shape shape) {
  ConstTensor out = x;
  out.shape = std::move(shape);
  return out;
}

std::vector<I64> Values(const ConstTensor& c) {
  std::vector<I64> v;
  for (std::size_t i = 0; i < c.size(); ++i) v.push_back(c.int_at(i));
  return v;
}

}  // namespace

bool ConstTensor::is_int() const { return IsIntType(elem_type); }

std::optional<ConstTensor> FromTensorProto(const TensorProto& t) {
  if (t.data_location() == TensorProto::EXTERNAL) return std::nullopt;
  ConstTensor c;
  c.elem_type = t.data_type();
  c.shape.assign(t.dims().begin(), t.dims().end());
  auto n = Count(c.shape);
  if (!n) return std::nullopt;
  const std::string& raw = t.raw_data();
  const bool has_raw = t.has_raw_data();
  auto raw_ok = [&](std::size_t elem) { return raw.size() == static_cast<std::size_t>(*n) * elem; };
  auto load_raw = [&](auto sample) {
    using T = decltype(sample);
    for (I64 i = 0; i < *n; ++i) {
      T v;
      std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
      if constexpr (std::is_floating_point_v<T>) {
        c.reals.push_back(v);
      } else {
        c.ints.push_back(static_cast<I64>(v));
      }
    }
  };
  switch (t.data_type()) {
    case TensorProto::INT64:
      if (has_raw) {
        if (!raw_ok(8)) return std::nullopt;
        load_raw(I64{});
      } else
        c.ints.assign(t.int64_data().begin(), t.int64_data().end());
      break;
    case TensorProto::UINT64:
      if (has_raw) {
        if (!raw_ok(8)) return std::nullopt;
        load_raw(uint64_t{});
      } else
        c.ints.assign(t.uint64_data().begin(), t.uint64_data().end());
      break;
    case TensorProto::INT32:
      if (has_raw) {
        if (!raw_ok(4)) return std::nullopt;
        load_raw(int32_t{});
      } else
        c.ints.assign(t.int32_data().begin(), t.int32_data().end());
      break;
    case TensorProto::UINT32:
      if (has_raw) {
        if (!raw_ok(4)) return std::nullopt;
        load_raw(uint32_t{});
      } else
        c.ints.assign(t.uint64_data().begin(), t.uint64_data().end());
      break;
    case TensorProto::INT16:
      if (has_raw) {
        if (!raw_ok(2)) return std::nullopt;
        load_raw(int16_t{});
      } else
        c.ints.assign(t.int32_data().begin(), t.int32_data().end());
      break;
    case TensorProto::UINT16:
      if (has_raw) {
        if (!raw_ok(2)) return std::nullopt;
        load_raw(uint16_t{});
      } else
        c.ints.assign(t.int32_data().begin(), t.int32_data().end());
      break;
    case TensorProto::INT8:
      if (has_raw) {
        if (!raw_ok(1)) return std::nullopt;
        load_raw(int8_t{});
      } else
        c.ints.assign(t.int32_data().begin(), t.int32_data().end());
      break;
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      if (has_raw) {
        if (!raw_ok(1)) return std::nullopt;
        load_raw(uint8_t{});
      } else
        c.ints.assign(t.int32_data().begin(), t.int32_data().end());
      break;
    case TensorProto::FLOAT:
      if (has_raw) {
        if (!raw_ok(4)) return std::nullopt;
        load_raw(float{});
      } else
        c.reals.assign(t.float_data().begin(), t.float_data().end());
      break;
    case TensorProto::DOUBLE:
      if (has_raw) {
        if (!raw_ok(8)) return std::nullopt;
        load_raw(double{});
      } else
        c.reals.assign(t.double_data().begin(), t.double_data().end());
      break;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16: {
      const bool half = t.data_type() == TensorProto::FLOAT16;
      if (has_raw) {
        if (!raw_ok(2)) return std::nullopt;
        for (I64 i = 0; i < *n; ++i) {
          uint16_t bits;
          std::memcpy(&bits, raw.data() + 2 * i, 2);
          c.reals.push_back(half ? HalfToDouble(bits) : BFloat16ToDouble(bits));
        }
      } else {
        for (int32_t bits : t.int32_data()) {
          c.reals.push_back(half ? HalfToDouble(static_cast<uint16_t>(bits))
                                 : BFloat16ToDouble(static_cast<uint16_t>(bits)));
        }
      }
      break;
    }
    default:
      return std::nullopt;
  }
  if (static_cast<I64>(c.size()) != *n) return std::nullopt;
  return c;
}

TensorProto ToTensorProto(const ConstTensor& c, const std::string& name) {
  TensorProto t;
  t.set_name(name);
  for (I64 d : c.shape) t.add_dims(d);
  // Stored as int64 or double: shape inference only needs values and dims;
  // the declared element type is kept so type checks see the right type.
  t.set_data_type(c.elem_type);
  switch (c.elem_type) {
    case TensorProto::INT64:
      for (I64 v : c.ints) t.add_int64_data(v);
      break;
    case TensorProto::UINT64:
    case TensorProto::UINT32:
      for (I64 v : c.ints) t.add_uint64_data(static_cast<uint64_t>(v));
      break;
    case TensorProto::FLOAT:
      for (double v : c.reals) t.add_float_data(static_cast<float>(v));
      break;
    case TensorProto::DOUBLE:
      for (double v : c.reals) t.add_double_data(v);
      break;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      // Rare for shape values; keep them as float.
      t.set_data_type(TensorProto::FLOAT);
      for (double v : c.reals) t.add_float_data(static_cast<float>(v));
      break;
    default:  // int8/16/32, uint8/16, bool
      for (I64 v : c.ints) t.add_int32_data(static_cast<int32_t>(v));
      break;
  }
  return t;
}

Result FoldNode(const onnx::NodeProto& n, const std::vector<FoldInput>& in, I64 opset) {
  const std::string& op = n.op_type();
  if (!n.domain().empty() && n.domain() != "ai.onnx") return std::nullopt;
  auto value = [&](std::size_t i) -> const ConstTensor* {
    return i < in.size() && in[i].present ? in[i].value : nullptr;
  };
  auto one = [](ConstTensor t) { return Result(std::vector<ConstTensor>{std::move(t)}); };

  if (op == "Constant") {
    if (const auto* a = Attr(n, "value")) {
      auto c = FromTensorProto(a->t());
      return c ? one(*c) : std::nullopt;
    }
    if (const auto* a = Attr(n, "value_int")) return one(MakeInt(TensorProto::INT64, {}, {a->i()}));
    if (const auto* a = Attr(n, "value_ints")) {
      std::vector<I64> v(a->ints().begin(), a->ints().end());
      return one(MakeInt(TensorProto::INT64, {static_cast<I64>(v.size())}, v));
    }
    ConstTensor c;
    c.elem_type = TensorProto::FLOAT;
    if (const auto* a = Attr(n, "value_float")) {
      c.reals = {a->f()};
      return one(c);
    }
    if (const auto* a = Attr(n, "value_floats")) {
      c.reals.assign(a->floats().begin(), a->floats().end());
      c.shape = {static_cast<I64>(c.reals.size())};
      return one(c);
    }
    return std::nullopt;
  }
  if (op == "Shape" || op == "Size") {
    if (in.empty() || !in[0].shape) return std::nullopt;
    const Shape& s = *in[0].shape;
    if (op == "Size") {
      I64 total = 1;
      for (I64 d : s) total *= d;
      return one(MakeInt(TensorProto::INT64, {}, {total}));
    }
    const I64 r = static_cast<I64>(s.size());
    I64 start = AttrInt(n, "start", 0), end = AttrInt(n, "end", r);
    if (start < 0) start += r;
    if (end < 0) end += r;
    start = std::clamp<I64>(start, 0, r);
    end = std::clamp<I64>(end, 0, r);
    std::vector<I64> dims(s.begin() + start, s.begin() + std::max(start, end));
    return one(MakeInt(TensorProto::INT64, {static_cast<I64>(dims.size())}, dims));
  }

  // Everything below needs every present input's value.
  for (const auto& i : in) {
    if (i.present && !i.value) return std::nullopt;
  }
  if (in.empty() || !value(0)) {
    return std::nullopt;
  }
  const ConstTensor& x = *value(0);

  if (op == "Identity") return one(x);
  if (op == "Cast") return Cast(x, static_cast<int32_t>(AttrInt(n, "to", 0)));
  if (op == "Gather") {
    if (!value(1)) return std::nullopt;
    return Gather(n, x, *value(1));
  }
  if (op == "Concat") return Concat(n, in);
  if (op == "Slice") return Slice(n, in, opset);
  if (op == "Split") return Split(n, in, opset);
  if (op == "Unsqueeze") {
    auto axes = Axes(n, in, 1);
    if (!axes) return std::nullopt;
    const I64 r = static_cast<I64>(x.shape.size() + axes->size());
    std::vector<bool> is_new(r, false);
    for (I64 a : *axes) {
      if (!NormaliseAxis(a, r) || is_new[a]) return std::nullopt;
      is_new[a] = true;
    }
    Shape s;
    std::size_t j = 0;
    for (I64 i = 0; i < r; ++i) s.push_back(is_new[i] ? 1 : x.shape[j++]);
    return one(Reshaped(x, s));
  }
  if (op == "Squeeze") {
    auto axes = Axes(n, in, 1);
    if (!axes) return std::nullopt;
    const I64 r = static_cast<I64>(x.shape.size());
    std::vector<bool> drop(r, false);
    for (I64 a : *axes) {
      if (!NormaliseAxis(a, r) || x.shape[a] != 1) return std::nullopt;
      drop[a] = true;
    }
    Shape s;
    for (I64 i = 0; i < r; ++i) {
      if (axes->empty() ? x.shape[i] != 1 : !drop[i]) s.push_back(x.shape[i]);
    }
    return one(Reshaped(x, s));
  }
  if (op == "Reshape") {
    if (!value(1)) return std::nullopt;
    auto s = ReshapeTarget(x.shape, *value(1), AttrInt(n, "allowzero", 0) != 0);
    return s ? one(Reshaped(x, *s)) : std::nullopt;
  }
  if (op == "Flatten") {
    const I64 r = static_cast<I64>(x.shape.size());
    I64 axis = AttrInt(n, "axis", 1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r) return std::nullopt;
    I64 a = 1, b = 1;
    for (I64 i = 0; i < r; ++i) (i < axis ? a : b) *= x.shape[i];
    return one(Reshaped(x, {a, b}));
  }
  if (op == "Transpose") return Transpose(n, x);
  if (op == "ConstantOfShape") {
    Shape s = Values(x);
    if (!Count(s)) return std::nullopt;
    ConstTensor fill;
    fill.elem_type = TensorProto::FLOAT;
    fill.reals = {0.0};
    if (const auto* a = Attr(n, "value")) {
      auto v = FromTensorProto(a->t());
      if (!v || v->size() != 1) return std::nullopt;
      fill = *v;
    }
    ConstTensor out = MakeLike(fill, s);
    const I64 count = *Count(s);
    if (fill.is_int()) {
      out.ints.assign(count, fill.ints[0]);
    } else {
      out.reals.assign(count, fill.reals[0]);
    }
    return one(out);
  }
  if (op == "Range") {
    if (!value(1) || !value(2)) return std::nullopt;
    const ConstTensor &l = *value(1), &d = *value(2);
    if (x.size() != 1 || l.size() != 1 || d.size() != 1 || d.at(0) == 0) return std::nullopt;
    double count = std::ceil((l.at(0) - x.at(0)) / d.at(0));
    if (!(count >= 0)) count = 0;
    if (count > kMaxFoldElements) return std::nullopt;
    ConstTensor out = MakeLike(x, {static_cast<I64>(count)});
    for (I64 i = 0; i < static_cast<I64>(count); ++i) {
      if (x.is_int()) {
        out.ints.push_back(x.ints[0] + i * d.int_at(0));
      } else {
        out.reals.push_back(x.reals[0] + static_cast<double>(i) * d.at(0));
      }
    }
    return one(out);
  }
  if (op == "Expand") {
    if (!value(1)) return std::nullopt;
    Shape target = Values(*value(1));
    auto s = Broadcast({&x.shape, &target});
    if (!s || !Count(*s)) return std::nullopt;
    ConstTensor out = MakeLike(x, *s);
    std::vector<I64> coord(s->size(), 0);
    for (I64 k = 0; k < *Count(*s); ++k) {
      I64 src = BroadcastIndex(coord, x.shape);
      if (x.is_int()) {
        out.ints.push_back(x.ints[src]);
      } else {
        out.reals.push_back(x.reals[src]);
      }
      NextCoord(coord, *s);
    }
    return one(out);
  }
  if (op == "Tile") {
    if (!value(1) || value(1)->size() != x.shape.size()) return std::nullopt;
    Shape s = x.shape;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (value(1)->int_at(i) < 0) return std::nullopt;
      s[i] *= value(1)->int_at(i);
    }
    auto count = Count(s);
    if (!count) return std::nullopt;
    ConstTensor out = MakeLike(x, s);
    std::vector<I64> coord(s.size(), 0), in_strides = Strides(x.shape);
    for (I64 k = 0; k < *count; ++k) {
      I64 src = 0;
      for (std::size_t i = 0; i < s.size(); ++i) src += (coord[i] % x.shape[i]) * in_strides[i];
      if (x.is_int()) {
        out.ints.push_back(x.ints[src]);
      } else {
        out.reals.push_back(x.reals[src]);
      }
      NextCoord(coord, s);
    }
    return one(out);
  }
  if (op == "ReduceProd" || op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMin") {
    return Reduce(n, in, opset);
  }

  // Element-wise ops.
  std::vector<const ConstTensor*> args;
  for (const auto& i : in) {
    if (i.present) args.push_back(i.value);
  }
  const bool unary = op == "Neg" || op == "Abs" || op == "Floor" || op == "Ceil" || op == "Round" || op == "Sqrt" ||
                     op == "Reciprocal" || op == "Not";
  const bool variadic = op == "Max" || op == "Min";
  const std::size_t arity = unary ? 1 : op == "Where" ? 3 : 2;
  if (variadic ? args.empty() : args.size() != arity) return std::nullopt;
  using V = const std::vector<double>&;
  using VI = const std::vector<I64>&;
  if (op == "Add")
    return Elementwise(
        args, 0, [](V a) { return a[0] + a[1]; }, [](VI a) { return a[0] + a[1]; });
  if (op == "Sub")
    return Elementwise(
        args, 0, [](V a) { return a[0] - a[1]; }, [](VI a) { return a[0] - a[1]; });
  if (op == "Mul")
    return Elementwise(
        args, 0, [](V a) { return a[0] * a[1]; }, [](VI a) { return a[0] * a[1]; });
  if (op == "Div") {
    if (args.size() != 2) return std::nullopt;
    for (std::size_t i = 0; i < args[1]->size(); ++i) {
      if (args[1]->is_int() && args[1]->ints[i] == 0) return std::nullopt;
    }
    // Integer division truncates toward zero, as C++ runtimes do.
    return Elementwise(
        args, 0, [](V a) { return a[0] / a[1]; }, [](VI a) { return a[0] / a[1]; });
  }
  if (op == "Mod" && x.is_int()) {
    if (args.size() != 2) return std::nullopt;
    for (I64 v : args[1]->ints) {
      if (v == 0) return std::nullopt;
    }
    const bool fmod = AttrInt(n, "fmod", 0) != 0;
    return Elementwise(args, 0, nullptr, [fmod](VI a) {
      I64 r = a[0] % a[1];
      if (!fmod && r != 0 && ((r < 0) != (a[1] < 0))) r += a[1];
      return r;
    });
  }
  if (op == "Pow")
    return Elementwise(
        args, 0, [](V a) { return std::pow(a[0], a[1]); }, nullptr);
  if (op == "Max" || op == "Min") {
    const bool mx = op == "Max";
    return Elementwise(
        args, 0,
        [mx](V a) { return mx ? *std::max_element(a.begin(), a.end()) : *std::min_element(a.begin(), a.end()); },
        [mx](VI a) { return mx ? *std::max_element(a.begin(), a.end()) : *std::min_element(a.begin(), a.end()); });
  }
  if (op == "Neg")
    return Elementwise(
        args, 0, [](V a) { return -a[0]; }, [](VI a) { return -a[0]; });
  if (op == "Abs")
    return Elementwise(
        args, 0, [](V a) { return std::fabs(a[0]); }, [](VI a) { return a[0] < 0 ? -a[0] : a[0]; });
  if (op == "Floor")
    return Elementwise(
        args, 0, [](V a) { return std::floor(a[0]); }, [](VI a) { return a[0]; });
  if (op == "Ceil")
    return Elementwise(
        args, 0, [](V a) { return std::ceil(a[0]); }, [](VI a) { return a[0]; });
  if (op == "Round")
    return Elementwise(
        args, 0, [](V a) { return std::nearbyint(a[0]); }, [](VI a) { return a[0]; });
  if (op == "Sqrt")
    return Elementwise(
        args, 0, [](V a) { return std::sqrt(a[0]); }, nullptr);
  if (op == "Reciprocal")
    return Elementwise(
        args, 0, [](V a) { return 1.0 / a[0]; }, nullptr);
  const int32_t kBool = TensorProto::BOOL;
  if (op == "Equal")
    return Elementwise(
        args, kBool, [](V a) { return double(a[0] == a[1]); }, [](VI a) { return I64(a[0] == a[1]); });
  if (op == "Less")
    return Elementwise(
        args, kBool, [](V a) { return double(a[0] < a[1]); }, [](VI a) { return I64(a[0] < a[1]); });
  if (op == "Greater")
    return Elementwise(
        args, kBool, [](V a) { return double(a[0] > a[1]); }, [](VI a) { return I64(a[0] > a[1]); });
  if (op == "LessOrEqual")
    return Elementwise(
        args, kBool, [](V a) { return double(a[0] <= a[1]); }, [](VI a) { return I64(a[0] <= a[1]); });
  if (op == "GreaterOrEqual")
    return Elementwise(
        args, kBool, [](V a) { return double(a[0] >= a[1]); }, [](VI a) { return I64(a[0] >= a[1]); });
  if (op == "Not")
    return Elementwise(
        args, kBool, [](V a) { return double(a[0] == 0); }, [](VI a) { return I64(a[0] == 0); });
  if (op == "And")
    return Elementwise(
        args, kBool, [](V a) { return double(a[0] != 0 && a[1] != 0); }, [](VI a) { return I64(a[0] && a[1]); });
  if (op == "Or")
    return Elementwise(
        args, kBool, [](V a) { return double(a[0] != 0 || a[1] != 0); }, [](VI a) { return I64(a[0] || a[1]); });
  if (op == "Where") {
    if (args.size() != 3 || args[1]->is_int() != args[2]->is_int()) return std::nullopt;
    return Elementwise(
        args, args[1]->elem_type, [](V a) { return a[0] != 0 ? a[1] : a[2]; }, [](VI a) { return a[0] ? a[1] : a[2]; });
  }
  return std::nullopt;
}

}  // namespace odonata::onnx_import
