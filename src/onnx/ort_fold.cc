// ONNX Runtime's constant folding under the model's own (symbolic) input shapes: ort_fold.h.
#include "ort_fold.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <set>

#include "onnx/shape_inference/implementation.h"
#include "schemas.h"

namespace odonata::onnx_import {
namespace {

using I64 = std::int64_t;

std::string Domain(const std::string& d) { return d == "ai.onnx" ? std::string() : d; }

// Ops ONNX Runtime's ConstantFolding never evaluates: non-deterministic ones
// (optimizer_utils::IsOperationDeterministic) and DequantizeLinear, which it
// keeps for its QDQ fusions (skip_dequantize_linear, on by default).
bool NeverFolded(const onnx::NodeProto& n) {
  static const std::set<std::string> kNever = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                                               "Multinomial",  "Bernoulli",     "DequantizeLinear"};
  return Domain(n.domain()).empty() && kNever.count(n.op_type()) > 0;
}

bool HasSubgraph(const onnx::NodeProto& n) {
  for (const auto& a : n.attribute()) {
    if (a.has_g() || a.graphs_size() > 0) return true;
  }
  return false;
}

I64 IntAttr(const onnx::NodeProto& n, const char* name, I64 fallback) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return a.i();
  }
  return fallback;
}

// Whether the Shape node `n` of opset `opset` reads an input whose dims are all known in the slice it returns.
bool ShapeIsStatic(const onnx::NodeProto& n, const onnx::TypeProto* in, I64 opset) {
  if (!in || !in->has_tensor_type() || !in->tensor_type().has_shape()) return false;
  const auto& s = in->tensor_type().shape();
  const I64 rank = s.dim_size();
  I64 start = 0, end = rank;
  if (opset >= 15) {
    start = IntAttr(n, "start", 0);
    end = IntAttr(n, "end", std::numeric_limits<I64>::max());
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<I64>(start, 0, rank);
    end = std::clamp<I64>(end, 0, rank);
  }
  for (I64 i = start; i < end; ++i) {
    if (!s.dim(static_cast<int>(i)).has_dim_value()) return false;
  }
  return true;
}

// The key of a tensor in ONNX Runtime's common-subexpression elimination: a single-element
// constant by its value (its ConstantSharing gives equal ones one initializer), any other by name.
std::string InputKey(const std::string& name, const std::unordered_set<std::string>& constant,
                     const std::unordered_map<std::string, const onnx::TensorProto*>& data,
                     const std::unordered_map<std::string, ConstTensor>& values) {
  if (constant.count(name) && data.count(name)) {
    auto v = values.find(name);
    if (v != values.end() && v->second.size() == 1) {
      std::string key = "=" + std::to_string(v->second.elem_type) + ":" + std::to_string(v->second.shape.size()) + ":";
      key += v->second.is_int() ? std::to_string(v->second.ints[0]) : std::to_string(v->second.reals[0]);
      return key;
    }
  }
  return "@" + name;
}

bool LastDimOpen(const onnx::TypeProto* t) {
  if (!t || !t->has_tensor_type() || !t->tensor_type().has_shape()) return true;
  const auto& s = t->tensor_type().shape();
  return s.dim_size() > 0 && !s.dim(s.dim_size() - 1).has_dim_value();
}

onnx::TypeProto TypeOf(int32_t elem_type, const Shape& dims) {
  onnx::TypeProto t;
  auto* tt = t.mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* s = tt->mutable_shape();
  for (I64 d : dims) s->add_dim()->set_dim_value(d);
  return t;
}

}  // namespace

OrtFoldView EmulateOrtFolding(const onnx::ModelProto& model, const std::unordered_set<std::string>& folded,
                              const std::unordered_map<std::string, ConstTensor>& values,
                              const std::unordered_set<std::string>& overridable) {
  OrtFoldView view;
  const onnx::GraphProto& g = model.graph();
  std::map<std::string, I64> opsets;
  for (const auto& o : model.opset_import()) opsets[Domain(o.domain())] = o.version();
  std::unordered_map<std::string, onnx::TypeProto> types;
  std::unordered_map<std::string, const onnx::TensorProto*> data;
  std::deque<onnx::TensorProto> made;  // folded values as initializers (stable addresses)
  std::unordered_set<std::string> constant;
  for (const auto& t : g.initializer()) {
    types[t.name()] = TypeOf(t.data_type(), Shape(t.dims().begin(), t.dims().end()));
    if (overridable.count(t.name())) continue;
    constant.insert(t.name());
    data[t.name()] = &t;
  }
  std::unordered_set<std::string> inits;
  for (const auto& t : g.initializer()) inits.insert(t.name());
  for (const auto& in : g.input()) {
    if (in.has_type() && (!inits.count(in.name()) || overridable.count(in.name()))) types[in.name()] = in.type();
    if (!inits.count(in.name()) && in.has_type() && LastDimOpen(&in.type())) view.open_last_dim.insert(in.name());
  }
  std::unordered_set<std::string> graph_outputs;
  for (const auto& o : g.output()) graph_outputs.insert(o.name());

  // ONNX Runtime's CommonSubexpressionElimination, CastElimination and NoopElimination (level
  // basic), among the nodes it executes: a node equal to an earlier one (op, attributes, the same
  // inputs) is that node; a Cast to its input's own type, x + 0, x - 0, x * 1 and x / 1 are x.
  // `alias`: a tensor -> the one it is.
  std::unordered_map<std::string, std::string> alias;
  std::unordered_map<std::string, std::size_t> seen;  // CSE key -> the first such runtime node
  auto canonical = [&](const std::string& name) {
    auto a = alias.find(name);
    return a != alias.end() ? a->second : name;
  };
  for (const onnx::NodeProto& node : g.node()) {
    const std::string domain = Domain(node.domain());
    auto op = opsets.find(domain);
    const I64 opset = op != opsets.end() ? op->second : 0;
    bool all_constant = true, writes_output = false;
    for (const auto& in : node.input()) all_constant &= in.empty() || constant.count(in) > 0;
    for (const auto& o : node.output()) writes_output |= graph_outputs.count(o) > 0;
    bool fold = false;
    if (domain.empty() && node.op_type() == "Constant") {
      fold = true;  // an initializer once ONNX Runtime has loaded the graph
    } else if (!HasSubgraph(node) && !NeverFolded(node) && !writes_output) {
      if (all_constant) {
        fold = true;
      } else if (domain.empty() && node.op_type() == "Shape" && node.input_size() == 1) {
        auto t = types.find(node.input(0));
        fold = ShapeIsStatic(node, t != types.end() ? &t->second : nullptr, opset);
      }
    }
    // A node ORT folds whose value odonata did not compute (a large constant): its
    // outputs are constants of unknown value, typed by inference below.
    bool valued = fold;
    for (const auto& o : node.output()) valued &= o.empty() || values.count(o) > 0;
    if (valued) {
      for (const auto& o : node.output()) {
        if (o.empty()) continue;
        const ConstTensor& c = values.at(o);
        made.push_back(ToTensorProto(c, o));
        data[o] = &made.back();
        types[o] = TypeOf(c.elem_type, c.shape);
        constant.insert(o);
      }
      continue;
    }
    // Infer the node's outputs from what ORT knows now (no data propagation: ONNX
    // Runtime's inference reads initializers' values, not values computed at run time).
    const onnx::OpSchema* schema =
        op == opsets.end()
            ? nullptr
            : SchemaRegistry::Get().GetSchema(node.op_type(), static_cast<int>(std::min<I64>(opset, 1 << 20)), domain);
    onnx::NodeProto copy = node;  // ONNX's context wants it mutable
    bool inferred = false;
    std::vector<onnx::TypeProto> outs;
    if (schema && schema->has_type_and_shape_inference_function() && !HasSubgraph(node)) {
      std::unordered_map<std::string, onnx::TypeProto*> in_types;
      std::unordered_map<std::string, const onnx::TensorProto*> in_data;
      for (const auto& in : node.input()) {
        if (in.empty()) continue;
        if (auto t = types.find(in); t != types.end()) in_types[in] = &t->second;
        if (auto d = data.find(in); d != data.end()) in_data[in] = d->second;
      }
      onnx::shape_inference::InferenceContextImpl ctx(copy, in_types, in_data, {});
      try {
        schema->GetTypeAndShapeInferenceFunction()(ctx);
        inferred = true;
        for (int o = 0; o < node.output_size(); ++o) outs.push_back(*ctx.getOutputType(o));
      } catch (const std::exception&) {
        inferred = false;
      }
    }
    for (int o = 0; o < node.output_size(); ++o) {
      const std::string& name = node.output(o);
      if (name.empty()) continue;
      if (inferred && outs[o].has_tensor_type()) {
        types[name] = outs[o];
      } else {
        types.erase(name);
      }
      if (fold) {
        constant.insert(name);
      } else if (LastDimOpen(inferred ? &outs[o] : nullptr)) {
        view.open_last_dim.insert(name);
      }
    }
    // Not a runtime shape node: folded, or a subgraph's node, or a DequantizeLinear (which ONNX
    // Runtime's QDQ fusions take into the quantized op) or a random op.
    if (fold || HasSubgraph(node) || NeverFolded(node)) continue;
    // A node writing a graph output runs as written (the eliminations below leave it).
    const bool removable = !writes_output;
    // A Cast to its input's type (CastElimination).
    if (removable && domain.empty() && node.op_type() == "Cast" && node.input_size() == 1 && node.output_size() == 1) {
      auto t = types.find(node.input(0));
      if (t != types.end() && t->second.has_tensor_type() &&
          t->second.tensor_type().elem_type() == IntAttr(node, "to", -1)) {
        alias[node.output(0)] = canonical(node.input(0));
        continue;
      }
    }
    // x + 0, x - 0, x * 1, x / 1 with a one-element constant of rank at most x's (NoopElimination).
    if (removable && domain.empty() && node.input_size() == 2 && node.output_size() == 1 &&
        (node.op_type() == "Add" || node.op_type() == "Sub" || node.op_type() == "Mul" || node.op_type() == "Div")) {
      const bool c0 = constant.count(node.input(0)) > 0, c1 = constant.count(node.input(1)) > 0;
      const int k = c1 ? 1 : 0;  // the constant's position
      const bool commutes = node.op_type() == "Add" || node.op_type() == "Mul";
      auto v = values.find(node.input(k));
      auto x = types.find(node.input(1 - k));
      if (c0 != c1 && (k == 1 || commutes) && v != values.end() && v->second.size() == 1 && x != types.end() &&
          x->second.has_tensor_type() && x->second.tensor_type().has_shape() &&
          static_cast<int>(v->second.shape.size()) <= x->second.tensor_type().shape().dim_size()) {
        const double identity = node.op_type() == "Add" || node.op_type() == "Sub" ? 0.0 : 1.0;
        if (v->second.at(0) == identity) {
          alias[node.output(0)] = canonical(node.input(1 - k));
          continue;
        }
      }
    }
    // An earlier node equal to this one (CommonSubexpressionElimination).
    std::string key = domain + "|" + node.op_type() + "|" + std::to_string(node.output_size());
    std::vector<const onnx::AttributeProto*> attrs;
    for (const auto& a : node.attribute()) attrs.push_back(&a);
    std::sort(attrs.begin(), attrs.end(), [](const auto* a, const auto* b) { return a->name() < b->name(); });
    for (const auto* a : attrs) key += "|" + a->SerializeAsString();
    for (const auto& in : node.input())
      key += "|" + (in.empty() ? std::string() : InputKey(canonical(in), constant, data, values));
    if (auto first = seen.find(key); removable && first != seen.end()) {
      const onnx::NodeProto& kept = view.runtime_nodes[first->second];
      for (int o = 0; o < node.output_size() && o < kept.output_size(); ++o) alias[node.output(o)] = kept.output(o);
      continue;
    }
    // Of the nodes left, those odonata folded (the others are layers already; an If odonata
    // inlined, run by ONNX Runtime, is one of its branch's nodes in odonata's network).
    if (folded.count(node.name())) {
      seen.emplace(std::move(key), view.runtime_nodes.size());
      view.runtime_nodes.push_back(node);
    }
  }
  view.alias = std::move(alias);
  return view;
}

}  // namespace odonata::onnx_import
