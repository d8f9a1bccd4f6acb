// Schemas ONNX 1.12 lacks (see schemas.h). Each inference function here reads
// only what it has checked: a missing shape, a rank or an attribute that does
// not fit leaves the outputs uninferred (the loader then names the node).
#include "schemas.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "fold.h"
#include "onnx/defs/shape_inference.h"
#include "onnx_schema_table.inc"  // generated: cmake/onnx_schema_table.cmake

namespace odonata::onnx_import {

using I64 = std::int64_t;
using onnx::AttributeProto;
using onnx::InferenceContext;
using onnx::OpSchema;
using onnx::TensorProto;
using onnx::TensorShapeProto;
using onnx::TypeProto;
using Fn = onnx::InferenceFunction;

// ---- ONNX's schemas, built on demand -----------------------------------------
//
// ONNX 1.12 builds every schema of every opset and domain (444) on the first
// OpSchemaRegistry lookup: 47% of the instructions of a whole `odonata
// estimate` of ResNet-50 (issue 13). The generated table lists the same
// schemas (from ONNX's operator_sets*.h, the lists its registry registers)
// with the function that builds each one, exported by libonnx; a lookup builds
// and finalizes only the schema it returns, as OpSchemaRegisterOnce would.

#if ODONATA_ONNX_SCHEMA_TABLE
namespace {

struct OnnxEntry {
  std::string_view op;  // views of literals: a lookup's comparisons measure no string (issue 13)
  std::string_view domain;
  int since;
  OpSchema (*make)();
};

constexpr const char* kDomainOnnx = "";
constexpr const char* kDomainOnnxML = "ai.onnx.ml";
[[maybe_unused]] constexpr const char* kDomainOnnxTraining = "ai.onnx.training";
constexpr const char* kDomainOnnxPreview = "ai.onnx.preview.training";

}  // namespace
}  // namespace odonata::onnx_import

// The classes naming each schema (as onnx/defs/operator_sets*.h declare them).
namespace ONNX_NAMESPACE {
#define ODONATA_ONNX_SCHEMA(domain, ver, name) class ONNX_OPERATOR_SET_SCHEMA_CLASS_NAME(domain, ver, name);
#include "onnx_schema_table.inc"
#undef ODONATA_ONNX_SCHEMA
}  // namespace ONNX_NAMESPACE

namespace odonata::onnx_import {
namespace {

#define ODONATA_ONNX_ENTRY(domain, ver, name)                  \
  OnnxEntry{#name, kDomain##domain, ver,                       \
            &ONNX_NAMESPACE::GetOpSchema<ONNX_NAMESPACE::ONNX_OPERATOR_SET_SCHEMA_CLASS_NAME(domain, ver, name)>},
#define ODONATA_ONNX_SCHEMA(domain, ver, name) ODONATA_ONNX_SCHEMA_##domain(ver, name)
#define ODONATA_ONNX_SCHEMA_Onnx(ver, name) ODONATA_ONNX_ENTRY(Onnx, ver, name)
#define ODONATA_ONNX_SCHEMA_OnnxTraining(ver, name) ODONATA_ONNX_ENTRY(OnnxTraining, ver, name)
#define ODONATA_ONNX_SCHEMA_OnnxPreview(ver, name) ODONATA_ONNX_ENTRY(OnnxPreview, ver, name)
#ifdef ONNX_ML  // as ONNX's registry: the ai.onnx.ml schemas only in an ONNX_ML build
#define ODONATA_ONNX_SCHEMA_OnnxML(ver, name) ODONATA_ONNX_ENTRY(OnnxML, ver, name)
#else
#define ODONATA_ONNX_SCHEMA_OnnxML(ver, name)
#endif
constexpr OnnxEntry kOnnxEntries[] = {
#include "onnx_schema_table.inc"
};
#undef ODONATA_ONNX_SCHEMA
#undef ODONATA_ONNX_SCHEMA_Onnx
#undef ODONATA_ONNX_SCHEMA_OnnxTraining
#undef ODONATA_ONNX_SCHEMA_OnnxPreview
#undef ODONATA_ONNX_SCHEMA_OnnxML
#undef ODONATA_ONNX_ENTRY

// The entries ordered by (domain, op, since): a lookup is a binary search. (It
// replaced a map of maps built on the first lookup: 0.5 M instructions of every
// `odonata estimate`, issue 13.) cmake/onnx_schema_table.cmake writes the table
// in that order; checked here, strictly, so a schema listed twice fails too.
// (Sorting it in a constexpr instead exceeded clang's evaluation step limit.)
using EntryKey = std::tuple<std::string_view, std::string_view, int>;
constexpr EntryKey KeyOf(const OnnxEntry* e) { return {e->domain, e->op, e->since}; }
constexpr auto kSortedEntries = [] {
  std::array<const OnnxEntry*, std::size(kOnnxEntries)> sorted{};
  for (std::size_t i = 0; i < sorted.size(); ++i) sorted[i] = &kOnnxEntries[i];
  return sorted;
}();
static_assert(std::adjacent_find(kSortedEntries.begin(), kSortedEntries.end(), [](const OnnxEntry* a, const OnnxEntry* b) {
                return !(KeyOf(a) < KeyOf(b));
              }) == kSortedEntries.end(),
              "the generated schema table is not strictly sorted by (domain, op, since)");

// The newest entry of (domain, op) whose since-version is <= max_inclusive_version.
const OnnxEntry* FindEntry(std::string_view domain, std::string_view op, int max_inclusive_version) {
  const EntryKey key{domain, op, max_inclusive_version};
  auto it = std::upper_bound(kSortedEntries.begin(), kSortedEntries.end(), key,
                             [](const EntryKey& k, const OnnxEntry* e) { return k < KeyOf(e); });
  if (it == kSortedEntries.begin()) return nullptr;
  const OnnxEntry* e = *std::prev(it);
  return e->domain == domain && e->op == op ? e : nullptr;  // else: no such op, or every version is newer
}

class OnnxSchemas {
 public:
  static OnnxSchemas& Get() {
    static OnnxSchemas schemas;  // lives as long as the process
    return schemas;
  }

  const OpSchema* Find(const std::string& op, int max_inclusive_version, const std::string& domain) {
    const OnnxEntry* e = FindEntry(domain, op, max_inclusive_version);
    if (e == nullptr) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    std::unique_ptr<OpSchema>& s = built_[e];
    if (!s) {
      s = std::make_unique<OpSchema>(e->make());
      s->Finalize();
    }
    return s.get();
  }

 private:
  std::mutex mutex_;
  std::map<const OnnxEntry*, std::unique_ptr<OpSchema>> built_;
};

}  // namespace

const OpSchema* OnnxSchema(const std::string& op, int max_inclusive_version, const std::string& domain) {
  return OnnxSchemas::Get().Find(op, max_inclusive_version, domain);
}

std::size_t OnnxSchemaTableSize() { return std::size(kOnnxEntries); }

#else  // no list in ONNX's headers: its registry

const OpSchema* OnnxSchema(const std::string& op, int max_inclusive_version, const std::string& domain) {
  return onnx::OpSchemaRegistry::Schema(op, max_inclusive_version, domain);
}

std::size_t OnnxSchemaTableSize() { return 0; }

#endif

namespace {

constexpr const char* kMs = "com.microsoft";

const std::set<std::string>& WindowOps() {
  static const std::set<std::string> ops = {"Conv",    "ConvInteger", "QLinearConv", "ConvTranspose", "DeformConv",
                                            "MaxPool", "AveragePool", "LpPool",      "MaxUnpool",     "GlobalAveragePool",
                                            "GlobalMaxPool", "GlobalLpPool"};
  return ops;
}

// ---- reading an inference context ------------------------------------------

const TensorShapeProto* InShape(InferenceContext& ctx, std::size_t i) {
  if (i >= ctx.getNumInputs()) return nullptr;
  const TypeProto* t = ctx.getInputType(i);
  if (!t || !t->has_tensor_type() || !t->tensor_type().has_shape()) return nullptr;
  return &t->tensor_type().shape();
}

int32_t InElem(InferenceContext& ctx, std::size_t i) {
  if (i >= ctx.getNumInputs()) return 0;
  const TypeProto* t = ctx.getInputType(i);
  return t && t->has_tensor_type() ? t->tensor_type().elem_type() : 0;
}

bool Present(InferenceContext& ctx, std::size_t i) { return i < ctx.getNumInputs() && ctx.getInputType(i); }

std::optional<ConstTensor> InData(InferenceContext& ctx, std::size_t i) {
  if (!Present(ctx, i)) return std::nullopt;
  const TensorProto* t = ctx.getInputData(i);
  if (!t) return std::nullopt;
  return FromTensorProto(*t);
}

std::optional<std::vector<I64>> InInts(InferenceContext& ctx, std::size_t i) {
  auto c = InData(ctx, i);
  if (!c || !c->is_int()) return std::nullopt;
  return c->ints;
}

std::optional<std::vector<double>> InReals(InferenceContext& ctx, std::size_t i) {
  auto c = InData(ctx, i);
  if (!c) return std::nullopt;
  std::vector<double> v;
  for (std::size_t k = 0; k < c->size(); ++k) v.push_back(c->at(k));
  return v;
}

I64 IntAttr(InferenceContext& ctx, const char* name, I64 fallback) {
  const AttributeProto* a = ctx.getAttribute(name);
  return a && a->type() == AttributeProto::INT ? a->i() : fallback;
}

std::string StrAttr(InferenceContext& ctx, const char* name, const std::string& fallback) {
  const AttributeProto* a = ctx.getAttribute(name);
  return a && a->type() == AttributeProto::STRING ? a->s() : fallback;
}

std::optional<std::vector<I64>> IntsAttr(InferenceContext& ctx, const char* name) {
  const AttributeProto* a = ctx.getAttribute(name);
  if (!a) return std::nullopt;
  return std::vector<I64>(a->ints().begin(), a->ints().end());
}

bool NormAxis(I64& axis, I64 rank) {
  if (axis < 0) axis += rank;
  return axis >= 0 && axis < rank;
}

// ---- writing outputs ---------------------------------------------------------

bool HasOutput(InferenceContext& ctx, std::size_t o) { return o < ctx.getNumOutputs() && ctx.getOutputType(o); }

void SetElem(InferenceContext& ctx, std::size_t o, int32_t elem) {
  if (HasOutput(ctx, o) && elem) ctx.getOutputType(o)->mutable_tensor_type()->set_elem_type(elem);
}

TensorShapeProto* OutShape(InferenceContext& ctx, std::size_t o) {
  auto* tt = ctx.getOutputType(o)->mutable_tensor_type();
  tt->clear_shape();
  return tt->mutable_shape();
}

// Output o: type `elem`, shape `in` (dims copied, symbolic ones too).
void SetLike(InferenceContext& ctx, std::size_t o, int32_t elem, const TensorShapeProto& in) {
  if (!HasOutput(ctx, o)) return;
  SetElem(ctx, o, elem);
  *OutShape(ctx, o) = in;
}

void AddDim(TensorShapeProto* s, std::optional<I64> v) {
  auto* d = s->add_dim();
  if (v) d->set_dim_value(*v);
}

std::optional<I64> DimOf(const TensorShapeProto& s, int i) {
  if (i < 0 || i >= s.dim_size() || !s.dim(i).has_dim_value()) return std::nullopt;
  return s.dim(i).dim_value();
}

void SameAsFirst(InferenceContext& ctx) {
  const TensorShapeProto* x = InShape(ctx, 0);
  SetElem(ctx, 0, InElem(ctx, 0));
  if (x) SetLike(ctx, 0, InElem(ctx, 0), *x);
}

// ---- a context seen through a different input list and attributes -----------

class ViewContext final : public InferenceContext {
 public:
  // inputs[i]: the base input that input i of the view is (-1: absent).
  ViewContext(InferenceContext& base, std::vector<int> inputs) : base_(base), inputs_(std::move(inputs)) {}

  void SetAttr(AttributeProto a) { attrs_[a.name()] = std::move(a); }
  void HideAttr(const std::string& name) { hidden_.insert(name); }
  void SetData(std::size_t i, TensorProto t) { data_[i] = std::move(t); }

  const AttributeProto* getAttribute(const std::string& name) const override {
    auto it = attrs_.find(name);
    if (it != attrs_.end()) return &it->second;
    return hidden_.count(name) ? nullptr : base_.getAttribute(name);
  }
  std::size_t getNumInputs() const override { return inputs_.size(); }
  const TypeProto* getInputType(std::size_t i) const override {
    return Base(i) < 0 ? nullptr : base_.getInputType(Base(i));
  }
  const TensorProto* getInputData(std::size_t i) const override {
    auto it = data_.find(i);
    if (it != data_.end()) return &it->second;
    return Base(i) < 0 ? nullptr : base_.getInputData(Base(i));
  }
  std::size_t getNumOutputs() const override { return base_.getNumOutputs(); }
  TypeProto* getOutputType(std::size_t i) override { return base_.getOutputType(i); }
  onnx::GraphInferencer* getGraphAttributeInferencer(const std::string& name) override {
    return base_.getGraphAttributeInferencer(name);
  }
  const onnx::SparseTensorProto* getInputSparseData(std::size_t i) const override {
    return Base(i) < 0 ? nullptr : base_.getInputSparseData(Base(i));
  }
  const TensorShapeProto* getSymbolicInput(std::size_t i) const override {
    return Base(i) < 0 ? nullptr : base_.getSymbolicInput(Base(i));
  }

 private:
  int Base(std::size_t i) const {
    if (i >= inputs_.size()) return -1;
    const int b = inputs_[i];
    return b >= 0 && static_cast<std::size_t>(b) < base_.getNumInputs() ? b : -1;
  }
  InferenceContext& base_;
  std::vector<int> inputs_;
  std::map<std::string, AttributeProto> attrs_;
  std::set<std::string> hidden_;
  std::map<std::size_t, TensorProto> data_;
};

AttributeProto IntsAttribute(const std::string& name, const std::vector<I64>& v) {
  AttributeProto a;
  a.set_name(name);
  a.set_type(AttributeProto::INTS);
  for (I64 x : v) a.add_ints(x);
  return a;
}

TensorProto IntTensor(const std::vector<I64>& v) {
  TensorProto t;
  t.set_data_type(TensorProto::INT64);
  t.add_dims(static_cast<I64>(v.size()));
  for (I64 x : v) t.add_int64_data(x);
  return t;
}

std::vector<int> Range(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

// ---- guarded convolution/pooling ---------------------------------------------

Fn Guarded(const std::string& op, const std::string& domain, Fn base) {
  return [op, domain, base](InferenceContext& ctx) {
    const TensorShapeProto* x = InShape(ctx, 0);
    const int wi = WindowWeightIndex(op, domain);
    const TensorShapeProto* w = wi >= 0 ? InShape(ctx, wi) : nullptr;
    auto problem = WindowProblem(op, domain, "X", x ? x->dim_size() : -1, "W", w ? w->dim_size() : -1,
                                 [&](const std::string& name) { return ctx.getAttribute(name); });
    if (problem) fail_shape_inference(*problem);
    // Without the data input's shape ONNX's functions only set the type; the
    // weight's rank is checked against it above, so both are safe.
    if (!x) {
      SetElem(ctx, 0, InElem(ctx, 0));
      return;
    }
    // ONNX 1.12's MaxUnpool inference reads dim 1 of the indices 'I' unchecked
    // when no output_shape input is given (a missing, non-tensor or rank-0/1 'I'
    // crashed it: found by fuzzing). Without I's shape only the type is set.
    if (op == "MaxUnpool" && domain.empty() && ctx.getNumInputs() == 2) {
      if (!Present(ctx, 1) || !ctx.getInputType(1)->has_tensor_type()) fail_type_inference("input 'I' is not a tensor");
      const TensorShapeProto* i = InShape(ctx, 1);
      if (!i) {
        SetElem(ctx, 0, InElem(ctx, 0));
        return;
      }
      if (i->dim_size() != x->dim_size()) {
        fail_shape_inference("input 'I' has rank ", i->dim_size(), ", input 'X' rank ", x->dim_size());
      }
    }
    base(ctx);
  };
}

// ---- the functions -----------------------------------------------------------

struct Base {
  Fn conv, conv_transpose, max_pool, average_pool, gemm, matmul, add, concat, split13, pad13, lstm, layer_norm,
      reduce_mean13, quantize, dequantize, cast;
  std::map<std::string, Fn> reduce13;  // the opset-13 (or earlier) Reduce ops
};

// A function found on its first call (by `resolve`), so that building the
// registry builds no ONNX schema: only those of the ops a model uses are.
Fn Deferred(std::function<Fn()> resolve) {
  struct State {
    std::once_flag once;
    std::function<Fn()> resolve;
    Fn fn;
  };
  auto state = std::make_shared<State>();
  state->resolve = std::move(resolve);
  return [state](InferenceContext& ctx) {
    std::call_once(state->once, [&] {
      state->fn = state->resolve();
      state->resolve = nullptr;
    });
    state->fn(ctx);
  };
}

// ONNX's own inference function of `op` at `version` (unguarded), or SameAsFirst.
Fn Lookup(const char* op, int version, const char* domain = "") {
  return Deferred([op = std::string(op), version, domain = std::string(domain)]() -> Fn {
    const OpSchema* s = OnnxSchema(op, version, domain);
    if (!s || !s->has_type_and_shape_inference_function()) return SameAsFirst;
    return s->GetTypeAndShapeInferenceFunction();
  });
}

// Split 18: num_outputs (equal parts, the last one smaller) instead of an even split.
void Split18(InferenceContext& ctx, const Fn& split13) {
  if (Present(ctx, 1) || !ctx.getAttribute("num_outputs")) {
    ViewContext v(ctx, Range(static_cast<int>(std::min<std::size_t>(ctx.getNumInputs(), 2))));
    v.HideAttr("num_outputs");
    split13(v);
    return;
  }
  const TensorShapeProto* x = InShape(ctx, 0);
  const std::size_t n = ctx.getNumOutputs();
  for (std::size_t o = 0; o < n; ++o) SetElem(ctx, o, InElem(ctx, 0));
  if (!x) return;
  I64 axis = IntAttr(ctx, "axis", 0);
  if (!NormAxis(axis, x->dim_size())) fail_shape_inference("Split axis out of range");
  const I64 parts = IntAttr(ctx, "num_outputs", 0);
  if (parts < 1 || static_cast<std::size_t>(parts) != n) fail_shape_inference("Split num_outputs != outputs");
  auto dim = DimOf(*x, static_cast<int>(axis));
  const std::optional<I64> chunk = dim ? std::optional<I64>((*dim + parts - 1) / parts) : std::nullopt;
  for (std::size_t o = 0; o < n; ++o) {
    TensorShapeProto s = *x;
    s.mutable_dim(static_cast<int>(axis))->Clear();
    if (chunk) {
      I64 size = o + 1 < n ? *chunk : *dim - *chunk * static_cast<I64>(n - 1);
      if (size < 0) fail_shape_inference("Split num_outputs larger than the dimension");
      s.mutable_dim(static_cast<int>(axis))->set_dim_value(size);
    }
    SetLike(ctx, o, InElem(ctx, 0), s);
  }
}

// Reduce ops 18 (and ReduceMax/Min 20): axes as an optional second input.
void Reduce18(InferenceContext& ctx, const Fn& reduce13) {
  const bool noop = IntAttr(ctx, "noop_with_empty_axes", 0) != 0;
  ViewContext v(ctx, {0});
  v.HideAttr("noop_with_empty_axes");
  if (Present(ctx, 1)) {
    auto axes = InInts(ctx, 1);
    if (!axes) {
      SetElem(ctx, 0, InElem(ctx, 0));
      return;
    }
    if (axes->empty() && noop) return SameAsFirst(ctx);
    if (!axes->empty()) v.SetAttr(IntsAttribute("axes", *axes));
  } else if (noop) {
    return SameAsFirst(ctx);
  }
  reduce13(v);
}

// Pad 18: an optional axes input says which axes the pads are for.
void Pad18(InferenceContext& ctx, const Fn& pad13) {
  ViewContext v(ctx, {0, 1, 2});
  if (Present(ctx, 3)) {
    const TensorShapeProto* x = InShape(ctx, 0);
    auto axes = InInts(ctx, 3);
    auto pads = InInts(ctx, 1);
    SetElem(ctx, 0, InElem(ctx, 0));
    if (!x || !axes || !pads) return;
    const I64 r = x->dim_size();
    if (pads->size() != 2 * axes->size()) fail_shape_inference("Pad: pads must have 2 values per axis");
    std::vector<I64> full(2 * r, 0);
    for (std::size_t k = 0; k < axes->size(); ++k) {
      I64 a = (*axes)[k];
      if (!NormAxis(a, r)) fail_shape_inference("Pad axis out of range");
      full[a] = (*pads)[k];
      full[a + r] = (*pads)[k + axes->size()];
    }
    v.SetData(1, IntTensor(full));
  }
  pad13(v);
}

// Resize 18/19: axes, keep_aspect_ratio_policy (antialias does not change shapes).
void Resize18(InferenceContext& ctx) {
  SetElem(ctx, 0, InElem(ctx, 0));
  const TensorShapeProto* x = InShape(ctx, 0);
  if (!x) return;
  const I64 r = x->dim_size();
  std::vector<I64> axes = IntsAttr(ctx, "axes").value_or(std::vector<I64>{});
  if (axes.empty()) {
    for (I64 i = 0; i < r; ++i) axes.push_back(i);
  }
  for (I64& a : axes) {
    if (!NormAxis(a, r)) fail_shape_inference("Resize axis out of range");
  }
  TensorShapeProto out = *x;
  auto sizes = Present(ctx, 3) ? InInts(ctx, 3) : std::nullopt;
  auto scales = Present(ctx, 2) ? InReals(ctx, 2) : std::nullopt;
  if (sizes && !sizes->empty()) {
    if (sizes->size() != axes.size()) fail_shape_inference("Resize sizes do not match axes");
    const std::string policy = StrAttr(ctx, "keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") {
      for (std::size_t k = 0; k < axes.size(); ++k) out.mutable_dim(axes[k])->set_dim_value((*sizes)[k]);
    } else {
      double scale = policy == "not_larger" ? 1e300 : 0;
      for (std::size_t k = 0; k < axes.size(); ++k) {
        auto d = DimOf(*x, static_cast<int>(axes[k]));
        if (!d || *d == 0) return;
        const double s = static_cast<double>((*sizes)[k]) / static_cast<double>(*d);
        scale = policy == "not_larger" ? std::min(scale, s) : std::max(scale, s);
      }
      for (I64 a : axes) {
        const double v = std::round(static_cast<double>(*DimOf(*x, static_cast<int>(a))) * scale);
        out.mutable_dim(a)->set_dim_value(static_cast<I64>(v));
      }
    }
  } else if (scales && !scales->empty()) {
    if (scales->size() != axes.size()) fail_shape_inference("Resize scales do not match axes");
    for (std::size_t k = 0; k < axes.size(); ++k) {
      auto d = DimOf(*x, static_cast<int>(axes[k]));
      out.mutable_dim(axes[k])->Clear();
      const double v = d ? std::floor(static_cast<double>(*d) * (*scales)[k]) : -1;
      if (d && v >= 0 && v < 9e18) out.mutable_dim(axes[k])->set_dim_value(static_cast<I64>(v));
    }
  } else {
    for (I64 a : axes) out.mutable_dim(a)->Clear();
  }
  SetLike(ctx, 0, InElem(ctx, 0), out);
}

void Broadcast(InferenceContext& ctx, const std::vector<std::size_t>& inputs, int32_t elem) {
  SetElem(ctx, 0, elem);
  std::vector<const TensorShapeProto*> shapes;
  for (std::size_t i : inputs) {
    const TensorShapeProto* s = InShape(ctx, i);
    if (!s) return;
    shapes.push_back(s);
  }
  if (!HasOutput(ctx, 0)) return;
  onnx::multidirectionalBroadcastShapeInference(shapes, *OutShape(ctx, 0));
}

// MatMul with optional transposes of the last two axes (FusedMatMul).
void MatMulTrans(InferenceContext& ctx, bool trans_a, bool trans_b, int32_t elem) {
  SetElem(ctx, 0, elem);
  const TensorShapeProto* a = InShape(ctx, 0);
  const TensorShapeProto* b = InShape(ctx, 1);
  if (!a || !b) return;
  if (a->dim_size() < 2 || b->dim_size() < 2) fail_shape_inference("FusedMatMul transposes need rank >= 2");
  TensorShapeProto ta = *a, tb = *b;
  if (trans_a) std::swap(*ta.mutable_dim(ta.dim_size() - 1), *ta.mutable_dim(ta.dim_size() - 2));
  if (trans_b) std::swap(*tb.mutable_dim(tb.dim_size() - 1), *tb.mutable_dim(tb.dim_size() - 2));
  TensorShapeProto ba, bb;
  for (int i = 0; i + 2 < ta.dim_size(); ++i) *ba.add_dim() = ta.dim(i);
  for (int i = 0; i + 2 < tb.dim_size(); ++i) *bb.add_dim() = tb.dim(i);
  TensorShapeProto out;
  onnx::multidirectionalBroadcastShapeInference({&ba, &bb}, out);
  *out.add_dim() = ta.dim(ta.dim_size() - 2);
  *out.add_dim() = tb.dim(tb.dim_size() - 1);
  SetLike(ctx, 0, elem, out);
}

// SkipLayerNormalization: output and the skip sum like the input; mean and
// inverse deviation with the last axis 1.
void SkipLayerNorm(InferenceContext& ctx) {
  const TensorShapeProto* x = InShape(ctx, 0);
  const int32_t elem = InElem(ctx, 0);
  for (std::size_t o = 0; o < ctx.getNumOutputs(); ++o) SetElem(ctx, o, o == 1 || o == 2 ? TensorProto::FLOAT : elem);
  if (!x) return;
  SetLike(ctx, 0, elem, *x);
  TensorShapeProto stat = *x;
  if (stat.dim_size() > 0) stat.mutable_dim(stat.dim_size() - 1)->set_dim_value(1);
  if (ctx.getNumOutputs() > 1) SetLike(ctx, 1, TensorProto::FLOAT, stat);
  if (ctx.getNumOutputs() > 2) SetLike(ctx, 2, TensorProto::FLOAT, stat);
  if (ctx.getNumOutputs() > 3) SetLike(ctx, 3, elem, *x);
}

// Attention (com.microsoft): input [B, S, H], weights [H, Hq + Hk + Hv].
void Attention(InferenceContext& ctx) {
  const int32_t elem = InElem(ctx, 0);
  SetElem(ctx, 0, elem);
  if (ctx.getNumOutputs() > 1) SetElem(ctx, 1, elem);
  const TensorShapeProto* x = InShape(ctx, 0);
  const TensorShapeProto* w = InShape(ctx, 1);
  if (!x || !w || x->dim_size() != 3 || w->dim_size() != 2) return;
  const I64 heads = IntAttr(ctx, "num_heads", 0);
  std::optional<I64> hv, hk;
  if (auto sizes = IntsAttr(ctx, "qkv_hidden_sizes"); sizes && sizes->size() == 3) {
    hk = (*sizes)[1];
    hv = (*sizes)[2];
  } else if (auto d = DimOf(*w, 1); d && *d % 3 == 0) {
    hk = hv = *d / 3;
  }
  TensorShapeProto out = *x;
  out.mutable_dim(2)->Clear();
  if (hv) out.mutable_dim(2)->set_dim_value(*hv);
  SetLike(ctx, 0, elem, out);
  if (ctx.getNumOutputs() < 2 || !HasOutput(ctx, 1) || heads < 1 || !hk) return;
  // present: [2, B, heads, past + S, head size]
  std::optional<I64> total = DimOf(*x, 1);
  if (Present(ctx, 4)) {
    const TensorShapeProto* past = InShape(ctx, 4);
    auto p = past && past->dim_size() == 5 ? DimOf(*past, 3) : std::nullopt;
    total = p && total ? std::optional<I64>(*p + *total) : std::nullopt;
  }
  TensorShapeProto present;
  AddDim(&present, 2);
  *present.add_dim() = x->dim(0);
  AddDim(&present, heads);
  AddDim(&present, total);
  AddDim(&present, *hk / heads);
  SetLike(ctx, 1, elem, present);
}

// MultiHeadAttention (com.microsoft): query [B, S, D]; output [B, S, Dv].
void MultiHeadAttention(InferenceContext& ctx) {
  const int32_t elem = InElem(ctx, 0);
  SetElem(ctx, 0, elem);
  const TensorShapeProto* q = InShape(ctx, 0);
  if (!q) return;
  const I64 heads = IntAttr(ctx, "num_heads", 0);
  TensorShapeProto out;
  if (q->dim_size() == 5) {  // packed QKV [B, S, N, 3, H]
    *out.add_dim() = q->dim(0);
    *out.add_dim() = q->dim(1);
    auto n = DimOf(*q, 2), h = DimOf(*q, 4);
    AddDim(&out, n && h ? std::optional<I64>(*n * *h) : std::nullopt);
  } else if (q->dim_size() == 3) {
    out = *q;
    const TensorShapeProto* v = InShape(ctx, 2);
    if (v && v->dim_size() == 3) {
      *out.mutable_dim(2) = v->dim(2);
    } else if (v && v->dim_size() == 4) {  // [B, N, L, H]
      auto n = DimOf(*v, 1), h = DimOf(*v, 3);
      out.mutable_dim(2)->Clear();
      if (n && h) out.mutable_dim(2)->set_dim_value(*n * *h);
    } else if (Present(ctx, 2)) {
      return;
    }
  } else {
    return;
  }
  (void)heads;
  SetLike(ctx, 0, elem, out);
}

void QLinearGlobalAveragePool(InferenceContext& ctx) {
  SetElem(ctx, 0, InElem(ctx, 0));
  const TensorShapeProto* x = InShape(ctx, 0);
  if (!x || x->dim_size() < 3) return;
  const bool last = IntAttr(ctx, "channels_last", 0) != 0;
  TensorShapeProto out = *x;
  for (int i = 1; i < out.dim_size(); ++i) {
    if (last ? i == out.dim_size() - 1 : i == 1) continue;
    out.mutable_dim(i)->Clear();
    out.mutable_dim(i)->set_dim_value(1);
  }
  SetLike(ctx, 0, InElem(ctx, 0), out);
}

// CenterCropPad 18: the given axes take the sizes of input 1.
void CenterCropPad(InferenceContext& ctx) {
  SetElem(ctx, 0, InElem(ctx, 0));
  const TensorShapeProto* x = InShape(ctx, 0);
  auto shape = InInts(ctx, 1);
  if (!x || !shape) return;
  const I64 r = x->dim_size();
  std::vector<I64> axes = IntsAttr(ctx, "axes").value_or(std::vector<I64>{});
  if (axes.empty()) {
    for (I64 i = 0; i < r; ++i) axes.push_back(i);
  }
  if (axes.size() != shape->size()) fail_shape_inference("CenterCropPad shape does not match axes");
  TensorShapeProto out = *x;
  for (std::size_t k = 0; k < axes.size(); ++k) {
    I64 a = axes[k];
    if (!NormAxis(a, r) || (*shape)[k] < 0) fail_shape_inference("CenterCropPad axis or size out of range");
    out.mutable_dim(a)->Clear();
    out.mutable_dim(a)->set_dim_value((*shape)[k]);
  }
  SetLike(ctx, 0, InElem(ctx, 0), out);
}

// OneHot: depth may be a scalar or a one-element rank-1 tensor (tf2onnx
// writes [257]); ONNX 1.12 infers nothing for the latter.
void OneHot(InferenceContext& ctx) {
  SetElem(ctx, 0, InElem(ctx, 2));
  const TensorShapeProto* idx = InShape(ctx, 0);
  if (!idx) return;
  const I64 r = idx->dim_size() + 1;
  I64 axis = IntAttr(ctx, "axis", -1);
  if (!NormAxis(axis, r)) fail_shape_inference("OneHot axis out of range");
  auto depth = InReals(ctx, 1);
  if (depth && depth->size() != 1) fail_shape_inference("OneHot depth must have one element");
  TensorShapeProto out;
  for (I64 i = 0, j = 0; i < r; ++i) {
    if (i == axis) {
      const double d = depth ? std::floor((*depth)[0]) : -1;
      AddDim(&out, d >= 0 && d < 9e18 ? std::optional<I64>(static_cast<I64>(d)) : std::nullopt);
    } else {
      *out.add_dim() = idx->dim(static_cast<int>(j++));
    }
  }
  SetLike(ctx, 0, InElem(ctx, 2), out);
}

// Calls `fn` on the inputs `inputs` of ctx; then sets output 0's type to `elem` (if not 0).
Fn Through(std::vector<int> inputs, Fn fn, int32_t elem = 0) {
  return [inputs, fn, elem](InferenceContext& ctx) {
    ViewContext v(ctx, inputs);
    fn(v);
    SetElem(ctx, 0, elem);
  };
}

OpSchema Own(const std::string& op, const std::string& domain, int since, Fn fn) {
  OpSchema s;
  s.SetName(op).SetDomain(domain).SinceVersion(since).TypeAndShapeInferenceFunction(std::move(fn));
  return s;
}

}  // namespace

// ---- the registry ------------------------------------------------------------

struct SchemaRegistry::Tables {
  // (domain, op) -> own schemas by since-version.
  std::map<std::pair<std::string, std::string>, std::map<int, OpSchema>> own;
  std::set<const OpSchema*> own_set;
  // ai.onnx ops whose ONNX schemas are used guarded (see Guard).
  std::set<std::string> guarded_ops;
  // ONNX's schemas, guarded: original -> copy with the guard; made on first use.
  std::mutex mutex;
  std::map<const OpSchema*, OpSchema> guarded;

  void Add(const std::string& domain, const std::string& op, int since, Fn fn) {
    own[{domain, op}].emplace(since, Own(op, domain, since, std::move(fn)));
  }

  // ONNX's schema `s` of domain `domain` as odonata uses it: guarded when it is
  // a convolution or pooling schema (its inference) or has a data-propagation
  // function of the listed ops (that function: ONNX 1.12's, Shape's and
  // others', dereference the input type, which a tensor made by an op without
  // a schema does not have: SIGSEGV on a Shape after a com.microsoft.extensions op).
  const OpSchema* Guard(const OpSchema* s, const std::string& domain) {
    if (!s || !domain.empty() || !guarded_ops.count(s->Name())) return s;
    const bool window = s->domain().empty() && WindowOps().count(s->Name());
    if (!window && !s->has_data_propagation_function()) return s;
    std::lock_guard<std::mutex> lock(mutex);
    auto it = guarded.find(s);
    if (it != guarded.end()) return &it->second;
    OpSchema copy = *s;
    if (window && s->has_type_and_shape_inference_function()) {
      copy.TypeAndShapeInferenceFunction(Guarded(s->Name(), "", s->GetTypeAndShapeInferenceFunction()));
    }
    if (s->has_data_propagation_function()) {
      copy.PartialDataPropagationFunction([f = s->GetDataPropagationFunction()](onnx::DataPropagationContext& ctx) {
        for (std::size_t i = 0; i < ctx.getNumInputs(); ++i) {
          if (!ctx.getInputType(i)) return;
        }
        f(ctx);
      });
    }
    return &guarded.emplace(s, std::move(copy)).first->second;
  }
};

SchemaRegistry::SchemaRegistry() {
  auto* t = new Tables();  // lives as long as the process (one instance)
  // No ONNX schema is built here: ONNX's are found (and guarded) on first use.
  t->guarded_ops.insert(WindowOps().begin(), WindowOps().end());
  for (const char* op : {"Shape", "Size", "Gather", "Concat", "Add", "Sub", "Mul", "Div", "Cast", "CastLike", "Slice",
                         "Squeeze", "Unsqueeze", "Identity", "Reshape", "Expand", "Range", "Max", "Min", "Neg", "Abs",
                         "Equal", "Where", "Transpose", "Flatten", "ConstantOfShape", "Tile", "Mod", "Ceil", "Floor"}) {
    t->guarded_ops.insert(op);
  }
  // The guarded inference function of ONNX's `op` at `version`.
  auto guarded = [t](const char* op, int version) -> Fn {
    return Deferred([t, op = std::string(op), version]() -> Fn {
      const OpSchema* s = OnnxSchema(op, version, "");
      const OpSchema* g = t->Guard(s, "");
      return g && g != s ? g->GetTypeAndShapeInferenceFunction() : Fn(SameAsFirst);
    });
  };
  Base b;
  b.conv = guarded("Conv", 11);
  b.conv_transpose = guarded("ConvTranspose", 11);
  b.max_pool = guarded("MaxPool", 12);
  b.average_pool = guarded("AveragePool", 11);
  b.gemm = Lookup("Gemm", 13);
  b.matmul = Lookup("MatMul", 13);
  b.add = Lookup("Add", 14);
  b.concat = Lookup("Concat", 13);
  b.split13 = Lookup("Split", 13);
  b.pad13 = Lookup("Pad", 13);
  b.lstm = Lookup("LSTM", 14);
  b.layer_norm = Lookup("LayerNormalization", 17);
  b.reduce_mean13 = Lookup("ReduceMean", 13);
  b.quantize = Lookup("QuantizeLinear", 13);
  b.dequantize = Lookup("DequantizeLinear", 13);
  b.cast = Lookup("Cast", 13);

  // ai.onnx opsets 18-21.
  t->Add("", "Split", 18, [f = b.split13](InferenceContext& c) { Split18(c, f); });
  for (const char* op : {"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean",
                         "ReduceMin", "ReduceProd", "ReduceSumSquare"}) {
    Fn f = Lookup(op, 13);
    t->Add("", op, 18, [f](InferenceContext& c) { Reduce18(c, f); });
    if (std::string(op) == "ReduceMax" || std::string(op) == "ReduceMin") {
      t->Add("", op, 20, [f](InferenceContext& c) { Reduce18(c, f); });
    }
  }
  for (int v : {18, 19, 21}) t->Add("", "Pad", v, [f = b.pad13](InferenceContext& c) { Pad18(c, f); });
  for (int v : {18, 19}) t->Add("", "Resize", v, Resize18);
  for (int v : {19, 21}) {
    t->Add("", "Cast", v, b.cast);
    t->Add("", "CastLike", v, Lookup("CastLike", 15));
    t->Add("", "DequantizeLinear", v, [f = b.dequantize](InferenceContext& c) {
      f(c);
      if (InElem(c, 1)) SetElem(c, 0, InElem(c, 1));  // output type: the scale's (19)
    });
    t->Add("", "QuantizeLinear", v, [f = b.quantize](InferenceContext& c) {
      f(c);
      if (const I64 to = IntAttr(c, "output_dtype", 0)) SetElem(c, 0, static_cast<int32_t>(to));
    });
  }
  t->Add("", "AveragePool", 19, b.max_pool);  // MaxPool's arithmetic: dilations and ceil_mode
  t->Add("", "LpPool", 18, b.max_pool);
  t->Add("", "DeformConv", 19, b.conv);
  t->Add("", "Gelu", 20, SameAsFirst);
  t->Add("", "Mish", 18, SameAsFirst);
  t->Add("", "GroupNormalization", 18, SameAsFirst);
  t->Add("", "GroupNormalization", 21, SameAsFirst);
  for (const char* op : {"BitwiseAnd", "BitwiseOr", "BitwiseXor"}) t->Add("", op, 18, b.add);
  t->Add("", "BitwiseNot", 18, SameAsFirst);
  t->Add("", "CenterCropPad", 18, CenterCropPad);
  for (int v : {9, 11}) t->Add("", "OneHot", v, OneHot);
  // ONNX Runtime's LayerNormalization before ONNX had one (opset 17).
  t->Add("", "LayerNormalization", 1, b.layer_norm);

  // com.microsoft.
  t->Add(kMs, "FusedConv", 1, b.conv);
  t->Add(kMs, "FusedGemm", 1, b.gemm);
  t->Add(kMs, "FusedMatMul", 1, [f = b.matmul](InferenceContext& c) {
    if (IntAttr(c, "transBatchA", 0) || IntAttr(c, "transBatchB", 0)) {
      SetElem(c, 0, InElem(c, 0));
      return;
    }
    if (!IntAttr(c, "transA", 0) && !IntAttr(c, "transB", 0)) return Through({0, 1}, f)(c);
    MatMulTrans(c, IntAttr(c, "transA", 0) != 0, IntAttr(c, "transB", 0) != 0, InElem(c, 0));
  });
  for (const char* op : {"Gelu", "FastGelu", "BiasGelu", "QuickGelu", "BiasAdd", "QLinearSigmoid", "QLinearLeakyRelu",
                         "QLinearSoftmax", "BiasSoftmax", "Inverse"}) {
    t->Add(kMs, op, 1, SameAsFirst);
  }
  t->Add(kMs, "SkipLayerNormalization", 1, SkipLayerNorm);
  t->Add(kMs, "SkipSimplifiedLayerNormalization", 1, SkipLayerNorm);
  t->Add(kMs, "SimplifiedLayerNormalization", 1, b.layer_norm);
  t->Add(kMs, "LayerNormalization", 1, b.layer_norm);
  t->Add(kMs, "Attention", 1, Attention);
  t->Add(kMs, "MultiHeadAttention", 1, MultiHeadAttention);
  for (const char* op : {"QLinearAdd", "QLinearMul"}) {
    t->Add(kMs, op, 1, [](InferenceContext& c) { Broadcast(c, {0, 3}, InElem(c, 0)); });
  }
  t->Add(kMs, "QLinearConcat", 1, [f = b.concat](InferenceContext& c) {
    std::vector<int> xs;
    for (std::size_t i = 2; i < c.getNumInputs(); i += 3) xs.push_back(static_cast<int>(i));
    ViewContext v(c, xs);
    f(v);
  });
  t->Add(kMs, "QLinearGlobalAveragePool", 1, QLinearGlobalAveragePool);
  t->Add(kMs, "QLinearAveragePool", 1, [f = b.average_pool](InferenceContext& c) {
    if (IntAttr(c, "channels_last", 0)) return SetElem(c, 0, InElem(c, 0));
    Through({0}, f)(c);
  });
  t->Add(kMs, "QLinearReduceMean", 1, Through({0}, b.reduce_mean13));
  t->Add(kMs, "QGemm", 1, [f = b.gemm](InferenceContext& c) {
    Through({0, 3, 6}, f)(c);
    SetElem(c, 0, Present(c, 7) ? InElem(c, 0) : static_cast<int32_t>(TensorProto::FLOAT));
  });
  t->Add(kMs, "DynamicQuantizeLSTM", 1, Through({0, 1, 2, 3, 4, 5, 6, 7}, b.lstm));
  t->Add(kMs, "DynamicQuantizeMatMul", 1, Through({0, 1}, b.matmul, TensorProto::FLOAT));
  t->Add(kMs, "MatMulIntegerToFloat", 1, [f = b.matmul](InferenceContext& c) {
    Through({0, 1}, f)(c);
    SetElem(c, 0, InElem(c, 2) ? InElem(c, 2) : static_cast<int32_t>(TensorProto::FLOAT));
  });
  t->Add(kMs, "MatMulInteger16", 1, Through({0, 1}, b.matmul, TensorProto::INT32));
  t->Add(kMs, "QuantizeLinear", 1, b.quantize);
  t->Add(kMs, "DequantizeLinear", 1, b.dequantize);

  t->Add(kOdonataDomain, "UpperBound", 1, [](InferenceContext& c) {
    SetElem(c, 0, InElem(c, 0));
    const TensorShapeProto* a = InShape(c, 0);
    const TensorShapeProto* b = InShape(c, 1);
    if (!a || !b || a->dim_size() != b->dim_size()) return;
    TensorShapeProto out;
    for (int i = 0; i < a->dim_size(); ++i) {
      auto x = DimOf(*a, i), y = DimOf(*b, i);
      AddDim(&out, x && y ? std::optional<I64>(std::max(*x, *y)) : std::nullopt);
    }
    SetLike(c, 0, InElem(c, 0), out);
  });

  for (auto& [key, versions] : t->own) {
    for (auto& [v, s] : versions) t->own_set.insert(&s);
  }
  tables_ = t;
}

const SchemaRegistry& SchemaRegistry::Get() {
  static const SchemaRegistry registry;
  return registry;
}

const OpSchema* SchemaRegistry::GetSchema(const std::string& op, const int max_inclusive_version,
                                          const std::string& domain_in) const {
  const std::string domain = domain_in == "ai.onnx" ? "" : domain_in;
  const OpSchema* base = OnnxSchema(op, max_inclusive_version, domain);
  auto it = tables_->own.find({domain, op});
  if (it != tables_->own.end()) {
    auto v = it->second.upper_bound(max_inclusive_version);
    if (v != it->second.begin()) {
      --v;
      if (!base || v->first >= base->SinceVersion()) return &v->second;
    }
  }
  return tables_->Guard(base, domain);
}

bool SchemaRegistry::IsOwn(const OpSchema* schema) const { return tables_->own_set.count(schema) > 0; }

int WindowWeightIndex(const std::string& op, const std::string& domain) {
  if (domain == kMs) return op == "FusedConv" ? 1 : -1;
  if (op == "QLinearConv") return 3;
  if (op == "Conv" || op == "ConvInteger" || op == "ConvTranspose" || op == "DeformConv") return 1;
  return -1;
}

bool IsWindowOp(const std::string& op, const std::string& domain) {
  return ((domain.empty() || domain == "ai.onnx") && WindowOps().count(op)) || (domain == kMs && op == "FusedConv");
}

std::optional<std::string> WindowProblem(const std::string& op, const std::string& domain, const std::string& x,
                                         int x_rank, const std::string& w, int w_rank, const AttrLookup& attr) {
  if (!IsWindowOp(op, domain)) return std::nullopt;
  if (x_rank >= 0 && x_rank < 3) {
    return "input '" + x + "' has rank " + std::to_string(x_rank) + ", needs at least 3 (N, C, spatial...)";
  }
  if (x_rank >= 0 && w_rank >= 0 && w_rank != x_rank) {
    return "weight '" + w + "' has rank " + std::to_string(w_rank) + ", input '" + x + "' rank " +
           std::to_string(x_rank);
  }
  const int spatial = x_rank >= 0 ? x_rank - 2 : w_rank >= 0 ? w_rank - 2 : -1;
  auto ints = [&](const char* name, std::size_t per_axis, I64 min) -> std::optional<std::string> {
    const onnx::AttributeProto* a = attr(name);
    if (!a) return std::nullopt;
    // IR 3 files leave the type unset.
    if (a->type() != onnx::AttributeProto::INTS && a->type() != onnx::AttributeProto::UNDEFINED) return std::string(name) + " is not a list of integers";
    if (spatial >= 0 && static_cast<std::size_t>(a->ints_size()) != per_axis * spatial) {
      return std::string(name) + " has " + std::to_string(a->ints_size()) + " values, the input " +
             std::to_string(spatial) + " spatial axes";
    }
    for (I64 v : a->ints()) {
      if (v < min) return std::string(name) + " holds " + std::to_string(v) + " (at least " + std::to_string(min) + ")";
    }
    return std::nullopt;
  };
  for (const char* name : {"kernel_shape", "strides", "dilations"}) {
    if (auto p = ints(name, 1, 1)) return p;
  }
  if (auto p = ints("pads", 2, -(I64{1} << 40))) return p;
  if (op == "ConvTranspose") {
    if (auto p = ints("output_padding", 1, 0)) return p;
    if (auto p = ints("output_shape", 1, 0)) return p;
  }
  if (const onnx::AttributeProto* g = attr("group"); g && ((g->type() != onnx::AttributeProto::INT && g->type() != onnx::AttributeProto::UNDEFINED) || g->i() < 1)) {
    return "group must be an integer >= 1";
  }
  return std::nullopt;
}

}  // namespace odonata::onnx_import
