#include "odonata/fusion.h"

#include <algorithm>
#include <memory_resource>
#include <span>
#include <string_view>
#include <unordered_map>

#include "counts.h"
#include "layer_cost.h"
#include "odonata/errors.h"
#include "odonata/quantization.h"

namespace odonata {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Whether rule r's fusion of `child` into a group whose main layer is `main`
// may happen given the weights: a `constant_weights` op needs both layers'
// weights constant.
bool WeightsAllow(const FusionRule& r, const Layer& main, const Layer& child) {
  return !Contains(r.constant_weights, child.op_type) || (!HasOverridableWeight(main) && !HasOverridableWeight(child));
}

// Whether rule r's fusion of `child` may happen given the main layer's rank: a `residual_2d`
// op that reads two or more activations (neither weights nor constants) joins only a main layer
// whose first input is 4-D (ONNX Runtime's NCHWc Conv with a sum input).
bool RankAllows(const FusionRule& r, const Layer& main, const Layer& child) {
  if (!Contains(r.residual_2d, child.op_type)) return true;
  int activations = 0;
  for (const TensorInfo& t : child.inputs) activations += !t.is_weight && !t.is_constant && !t.name.empty();
  return activations < 2 || (!main.inputs.empty() && main.inputs[0].shape.size() == 4);
}

// The rule that lets a group whose main layer is `main` absorb `child`, if any.
bool CanAbsorb(const Fusion& fusion, const Layer& main, const Layer& child) {
  for (const FusionRule& r : fusion.rules) {
    if (Contains(r.into, main.op_type) && Contains(r.absorb, child.op_type) && WeightsAllow(r, main, child) &&
        RankAllows(r, main, child)) {
      return true;
    }
  }
  return false;
}

// The rule that lets a group whose main layer is `main` absorb the gated
// activation t * `gate`(t), if any.
bool CanGate(const Fusion& fusion, const Layer& main, const Layer& gate) {
  for (const FusionRule& r : fusion.rules) {
    if (Contains(r.into, main.op_type) && Contains(r.gate, gate.op_type) && WeightsAllow(r, main, gate)) return true;
  }
  return false;
}

// The tensors of a network by dense id (names looked up once, here), with
// their producer and readers, so that following chains and collecting a
// group's inputs compare integers, not strings.
class TensorGraph {
 public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);  // no tensor (unnamed), no layer

  explicit TensorGraph(const Network& net) {
    const std::size_t n = net.layers.size();
    // The names' table lives only here: its nodes on a local arena, freed at once.
    std::pmr::monotonic_buffer_resource arena;
    std::pmr::unordered_map<std::string_view, std::size_t> ids(&arena);
    ids.reserve(4 * n + 8);
    auto id_of = [&](const std::string& name) {
      if (name.empty()) return kNone;
      return ids.try_emplace(name, ids.size()).first->second;
    };
    in_first_.resize(n + 1);
    out_first_.resize(n + 1);
    for (std::size_t i = 0; i < n; ++i) {
      in_first_[i] = in_ids_.size();
      for (const TensorInfo& t : net.layers[i].inputs) in_ids_.push_back(id_of(t.name));
      out_first_[i] = out_ids_.size();
      for (const TensorInfo& t : net.layers[i].outputs) out_ids_.push_back(id_of(t.name));
    }
    in_first_[n] = in_ids_.size();
    out_first_[n] = out_ids_.size();
    producer_.assign(ids.size(), kNone);
    consumer_.assign(ids.size(), kNone);
    consumer2_.assign(ids.size(), kNone);
    reads_.assign(ids.size(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t t : Inputs(i)) {
        if (t == kNone) continue;
        const std::size_t reads = reads_[t]++;
        if (reads == 0) consumer_[t] = i;
        if (reads == 1) consumer2_[t] = i;
      }
      for (std::size_t t : Outputs(i)) {
        if (t != kNone) producer_[t] = i;
      }
    }
    graph_output_.assign(ids.size(), false);
    for (const TensorInfo& t : net.outputs) {
      auto it = ids.find(t.name);
      if (it != ids.end()) graph_output_[it->second] = true;
    }
  }

  // Tensor ids of layer i's inputs and outputs, in order (kNone: unnamed).
  std::span<const std::size_t> Inputs(std::size_t i) const {
    return {in_ids_.data() + in_first_[i], in_first_[i + 1] - in_first_[i]};
  }
  std::span<const std::size_t> Outputs(std::size_t i) const {
    return {out_ids_.data() + out_first_[i], out_first_[i + 1] - out_first_[i]};
  }
  std::size_t Producer(std::size_t t) const { return producer_[t]; }
  // The first and the second reader of t (a gated activation's t has two), and all reads.
  std::size_t Consumer(std::size_t t) const { return consumer_[t]; }
  std::size_t Consumer2(std::size_t t) const { return consumer2_[t]; }
  std::size_t Reads(std::size_t t) const { return reads_[t]; }
  bool GraphOutput(std::size_t t) const { return graph_output_[t]; }

 private:
  // in_ids_[in_first_[i] ..] are layer i's input ids, in order; out_ids_ likewise.
  std::vector<std::size_t> in_ids_, in_first_, out_ids_, out_first_;
  std::vector<std::size_t> producer_, consumer_, consumer2_, reads_;
  std::vector<bool> graph_output_;
};

// Fuse's state: which layers are taken, the group being built.
class Fuser {
 public:
  // `runtime`: per layer, whether it is a runtime shape node (WithRuntimeShapeNodes): a layer of
  // its own, which no rule fuses (ONNX Runtime's fusions are of float ops, not of its shape arithmetic).
  Fuser(const Network& net, const Fusion& fusion, const std::vector<bool>* runtime = nullptr)
      : net_(net), fusion_(fusion), graph_(net), taken_(net.layers.size(), false), quant_(DetectQuantization(net)) {
    for (const FusionRule& r : fusion_.rules) qdq_rules_ |= !r.quantize.empty();
    if (runtime) {
      runtime_ = *runtime;
      for (std::size_t i = 0; i < runtime_.size() && i < taken_.size(); ++i) taken_[i] = runtime_[i];
    }
  }

  // The fused layers; *quantized (if given) gets, per layer, whether it
  // computes on quantized data (its class is then the int8 class, if any).
  std::vector<Layer> Run(std::vector<bool>* quantized) {
    const std::size_t n = net_.layers.size();
    FindDecomposed();
    FindQdqGroups();
    std::vector<Layer> out;
    out.reserve(n);
    if (quantized) quantized->clear();
    auto add = [&](Layer layer, bool q) {
      if (q) layer.op_class = Int8ClassOf(layer.op_class);
      out.push_back(std::move(layer));
      if (quantized) quantized->push_back(q);
    };
    for (std::size_t i = 0; i < n; ++i) {
      if (i < runtime_.size() && runtime_[i]) {
        add(net_.layers[i], false);
        continue;
      }
      if (!decomposed_[i].members.empty()) {
        group_ = decomposed_[i].members;
        try {
          add(AsOneOp(decomposed_[i].op), false);  // a float subgraph (quantized ones are QDQ groups)
        } catch (const Error& e) {
          throw e.WithContext(net_.source + ": fusing layer '" + net_.layers[i].name + "'");
        }
        continue;
      }
      if (!qdq_[i].empty()) {
        group_ = qdq_[i];
        try {
          add(Merged(true), true);
        } catch (const Error& e) {
          throw e.WithContext(net_.source + ": fusing layer '" + net_.layers[i].name + "'");
        }
        continue;
      }
      if (taken_[i]) continue;
      taken_[i] = true;
      group_.assign(1, i);
      Grow(i);
      if (group_.size() == 1) {
        add(net_.layers[i], Quantized(i));
        continue;
      }
      try {
        add(Merged(false), Quantized(i));
      } catch (const Error& e) {
        throw e.WithContext(net_.source + ": fusing layer '" + net_.layers[i].name + "'");
      }
    }
    return out;
  }

  const Quantization& quantization() const { return quant_; }

 private:
  // Whether a layer whose main node is i, not a QDQ group, computes on
  // quantized data: an integer operator always; a node in QDQ form when the
  // platform has no QDQ rules (it is assumed to run every QDQ node unit at
  // int8, as TensorRT does); with QDQ rules only the groups they form are.
  bool Quantized(std::size_t i) const {
    switch (quant_.nodes[i]) {
      case QuantForm::kOperator:
      case QuantForm::kDynamic:
        return true;
      case QuantForm::kQdq:
        return !qdq_rules_;
      case QuantForm::kNone:
        return false;
    }
    return false;
  }

  static constexpr std::size_t kNone = TensorGraph::kNone;

  // The gated activation t * A(t) on tensor t (read exactly twice), for a
  // group whose main layer is `main`: A (an op of a rule's `gate`) reads only
  // t and writes one tensor that only the Mul reads, and the Mul reads exactly
  // {t, A(t)}. A squeeze-excite t * HardSigmoid(f(t)) has no A reading t and
  // does not match. Sets *a and *m.
  bool FindGate(const Layer& main, std::size_t t, std::size_t* a, std::size_t* m) const {
    for (int order = 0; order < 2; ++order) {
      const std::size_t ai = order == 0 ? graph_.Consumer(t) : graph_.Consumer2(t);
      const std::size_t mi = order == 0 ? graph_.Consumer2(t) : graph_.Consumer(t);
      if (ai == mi) return false;  // one node reads t twice
      const Layer& al = net_.layers[ai];
      const Layer& ml = net_.layers[mi];
      if (taken_[ai] || taken_[mi] || al.repeat != main.repeat || ml.repeat != main.repeat) continue;
      if (ml.op_type != "Mul" || !CanGate(fusion_, main, al)) continue;
      const std::span<const std::size_t> a_in = graph_.Inputs(ai), a_out = graph_.Outputs(ai), m_in = graph_.Inputs(mi);
      if (a_in.size() != 1 || a_in[0] != t) continue;
      if (a_out.size() != 1) continue;
      const std::size_t g = a_out[0];
      if (g == kNone || graph_.GraphOutput(g) || graph_.Reads(g) != 1 || graph_.Consumer(g) != mi) continue;
      if (m_in.size() != 2) continue;
      const std::size_t x = m_in[0], y = m_in[1];
      if (!((x == t && y == g) || (x == g && y == t))) continue;
      *a = ai;
      *m = mi;
      return true;
    }
    return false;
  }

  bool Is(const std::vector<std::string>& ops, std::size_t layer) const {
    return layer != kNone && Contains(ops, net_.layers[layer].op_type);
  }

  // The QDQ group of main layer i under rule r (FusionRule: dequantize,
  // quantize), main first, then the absorbed chain, the dequantize nodes it
  // takes and the quantize node last; empty when the pattern does not match.
  std::vector<std::size_t> QdqGroup(std::size_t i, const FusionRule& r) const {
    const Layer& main = net_.layers[i];
    std::vector<std::size_t> dqs;
    const std::span<const std::size_t> ins = graph_.Inputs(i);
    const bool weighted = Int8ClassOf(main.op_class) != main.op_class;
    for (std::size_t m = 0; m < ins.size(); ++m) {
      const std::size_t t = ins[m];
      if (t == kNone) continue;  // an omitted optional input
      const std::size_t p = graph_.Producer(t);
      if (p == kNone) {
        // An initializer (Resize's scales, Reshape's shape) may stay; a graph
        // input, or an int8 class's weight, must be dequantized.
        const TensorInfo& info = main.inputs[m];
        if ((weighted && m == 1) || !(info.is_weight || info.is_constant)) return {};
        continue;
      }
      const Layer& pl = net_.layers[p];
      if (!Is(r.dequantize, p) || pl.repeat != main.repeat || graph_.Outputs(p).size() != 1) return {};
      if (taken_[p] || std::find(dqs.begin(), dqs.end(), p) != dqs.end()) continue;  // another group's copy
      // A dequantize node read by several layers joins this group only when
      // this is its first reader (the fused layers stay in topological order).
      if (graph_.Consumer(t) == i) dqs.push_back(p);
    }
    std::vector<std::size_t> group = {i};
    for (std::size_t last = i;;) {
      if (graph_.Outputs(last).size() != 1) return {};
      const std::size_t t = graph_.Outputs(last)[0];
      if (t == kNone || graph_.GraphOutput(t) || graph_.Reads(t) != 1) return {};
      const std::size_t j = graph_.Consumer(t);
      if (taken_[j] || net_.layers[j].repeat != main.repeat) return {};
      if (Is(r.quantize, j)) {
        group.insert(group.end(), dqs.begin(), dqs.end());
        group.push_back(j);
        return group;
      }
      if (!Is(r.absorb, j) || graph_.Inputs(j).size() != 1) return {};
      group.push_back(j);
      last = j;
    }
  }

  // ONNX Runtime's QDQ fusion, before the other rules: every layer a QDQ rule
  // makes the main layer of a group gets qdq_[i] (its members), all taken.
  void FindQdqGroups() {
    qdq_.assign(net_.layers.size(), {});
    bool any = false;
    for (const FusionRule& r : fusion_.rules) any |= !r.quantize.empty();
    if (!any) return;
    for (std::size_t i = 0; i < net_.layers.size(); ++i) {
      if (taken_[i]) continue;
      for (const FusionRule& r : fusion_.rules) {
        if (r.quantize.empty() || !Contains(r.into, net_.layers[i].op_type)) continue;
        std::vector<std::size_t> group = QdqGroup(i, r);
        if (group.empty()) continue;
        for (std::size_t k : group) taken_[k] = true;
        qdq_[i] = std::move(group);
        break;
      }
    }
  }

  // --- Decomposition rules (FusionRule::decomposed) ----------------------

  // The one node that reads tensor t, when t is read exactly once, is no graph
  // output, and that node is free and of op `op`; else kNone.
  std::size_t OnlyReader(std::size_t t, std::string_view op, int repeat) const {
    if (t == kNone || graph_.GraphOutput(t) || graph_.Reads(t) != 1) return kNone;
    const std::size_t j = graph_.Consumer(t);
    if (taken_[j] || net_.layers[j].op_type != op || net_.layers[j].repeat != repeat) return kNone;
    return j;
  }
  // Layer j's single output (kNone if it has another count).
  std::size_t Out(std::size_t j) const {
    return graph_.Outputs(j).size() == 1 ? graph_.Outputs(j)[0] : kNone;
  }
  // Whether layer j's inputs are exactly {a, another tensor that no layer
  // writes (a constant or weight)}, in either order; `b` (if not kNone) must be
  // the other input instead.
  bool ReadsWithConstant(std::size_t j, std::size_t a) const {
    const std::span<const std::size_t> in = graph_.Inputs(j);
    if (in.size() != 2) return false;
    const std::size_t other = in[0] == a ? in[1] : in[1] == a ? in[0] : kNone;
    if (other == kNone || other == a) return false;
    const TensorInfo& info = net_.layers[j].inputs[in[0] == a ? 1 : 0];
    return graph_.Producer(other) == kNone && (info.is_constant || info.is_weight);
  }
  bool ReadsPair(std::size_t j, std::size_t a, std::size_t b) const {
    const std::span<const std::size_t> in = graph_.Inputs(j);
    return in.size() == 2 && ((in[0] == a && in[1] == b) || (in[0] == b && in[1] == a));
  }

  // torchvision's LayerNorm at opsets below 17 (ONNX Runtime's LayerNormFusion):
  //   m = ReduceMean(x); d = Sub(x, m); v = ReduceMean(Pow(d, 2)); s = Sqrt(Add(v, eps));
  //   y = Div(d, s) [; y = Mul(y, gamma)] [; y = Add(y, beta)]
  // starting at the first ReduceMean i. Empty when it does not match.
  std::vector<std::size_t> LayerNormGroup(std::size_t i) const {
    const Layer& main = net_.layers[i];
    const int rep = main.repeat;
    if (main.op_type != "ReduceMean" || graph_.Inputs(i).empty()) return {};
    const std::size_t x = graph_.Inputs(i)[0];
    if (x == kNone || (graph_.Producer(x) == kNone && main.inputs[0].is_constant)) return {};
    // ONNX Runtime's transpose optimizer moves a Transpose that feeds the
    // normalisation through ReduceMean and Sub, after which only the part from
    // Pow on fuses (SimplifiedLayerNormGroup).
    if (graph_.Producer(x) != kNone && net_.layers[graph_.Producer(x)].op_type == "Transpose") return {};
    const std::size_t sub = OnlyReader(Out(i), "Sub", rep);
    if (sub == kNone || graph_.Inputs(sub).size() != 2 || graph_.Inputs(sub)[0] != x) return {};
    const std::size_t d = Out(sub);
    if (d == kNone || graph_.GraphOutput(d) || graph_.Reads(d) != 2) return {};
    std::size_t pow = kNone, div = kNone;
    for (std::size_t j : {graph_.Consumer(d), graph_.Consumer2(d)}) {
      if (taken_[j] || net_.layers[j].repeat != rep) return {};
      if (net_.layers[j].op_type == "Pow") pow = j;
      if (net_.layers[j].op_type == "Div") div = j;
    }
    if (pow == kNone || div == kNone || !ReadsWithConstant(pow, d)) return {};
    const std::size_t mean2 = OnlyReader(Out(pow), "ReduceMean", rep);
    if (mean2 == kNone) return {};
    const std::size_t add = OnlyReader(Out(mean2), "Add", rep);
    if (add == kNone || !ReadsWithConstant(add, Out(mean2))) return {};
    const std::size_t sqrt = OnlyReader(Out(add), "Sqrt", rep);
    if (sqrt == kNone || OnlyReader(Out(sqrt), "Div", rep) != div || !ReadsPair(div, d, Out(sqrt))) return {};
    if (graph_.Inputs(div)[0] != d) return {};
    std::vector<std::size_t> group = {i, sub, pow, mean2, add, sqrt, div};
    std::size_t last = div;
    for (const char* op : {"Mul", "Add"}) {
      const std::size_t j = OnlyReader(Out(last), op, rep);
      if (j == kNone || !ReadsWithConstant(j, Out(last))) break;
      group.push_back(j);
      last = j;
    }
    return group;
  }

  // The exact GELU as exporters write it (ONNX Runtime's GeluFusion):
  //   y = Mul(Mul(x, Add(Erf(Div(x, c1)), c2)), c3), starting at the Div i.
  std::vector<std::size_t> GeluGroup(std::size_t i) const {
    const Layer& main = net_.layers[i];
    const int rep = main.repeat;
    if (main.op_type != "Div" || graph_.Inputs(i).size() != 2) return {};
    const std::size_t x = graph_.Inputs(i)[0];
    if (x == kNone || !ReadsWithConstant(i, x)) return {};
    const std::size_t erf = OnlyReader(Out(i), "Erf", rep);
    if (erf == kNone) return {};
    const std::size_t add = OnlyReader(Out(erf), "Add", rep);
    if (add == kNone || !ReadsWithConstant(add, Out(erf))) return {};
    const std::size_t mul = OnlyReader(Out(add), "Mul", rep);
    if (mul == kNone || !ReadsPair(mul, x, Out(add))) return {};
    const std::size_t half = OnlyReader(Out(mul), "Mul", rep);
    if (half == kNone || !ReadsWithConstant(half, Out(mul))) return {};
    return {i, erf, add, mul, half};
  }

  // What is left of a LayerNorm when its first ReduceMean and Sub stay apart
  // (ONNX Runtime's SimplifiedLayerNormFusion after the transpose optimizer):
  //   y = Mul(Div(d, Sqrt(Add(ReduceMean(Pow(d, 2)), eps))), gamma), starting at the Pow i.
  std::vector<std::size_t> SimplifiedLayerNormGroup(std::size_t i) const {
    const Layer& main = net_.layers[i];
    const int rep = main.repeat;
    if (main.op_type != "Pow" || graph_.Inputs(i).size() != 2) return {};
    const std::size_t d = graph_.Inputs(i)[0];
    if (d == kNone || graph_.Reads(d) != 2 || !ReadsWithConstant(i, d)) return {};
    const std::size_t mean = OnlyReader(Out(i), "ReduceMean", rep);
    if (mean == kNone) return {};
    const std::size_t add = OnlyReader(Out(mean), "Add", rep);
    if (add == kNone || !ReadsWithConstant(add, Out(mean))) return {};
    const std::size_t sqrt = OnlyReader(Out(add), "Sqrt", rep);
    if (sqrt == kNone) return {};
    const std::size_t div = OnlyReader(Out(sqrt), "Div", rep);
    if (div == kNone || graph_.Inputs(div).size() != 2 || graph_.Inputs(div)[0] != d) return {};
    const std::size_t mul = OnlyReader(Out(div), "Mul", rep);
    if (mul == kNone || !ReadsWithConstant(mul, Out(div))) return {};
    return {i, mean, add, sqrt, div, mul};
  }

  // A bias Add whose sum only the exact GELU reads (ONNX Runtime's BiasGeluFusion):
  //   x = Add(a, bias) with a constant 1-D bias, then GeluGroup at the Div reading x.
  std::vector<std::size_t> BiasGeluGroup(std::size_t i) const {
    const Layer& main = net_.layers[i];
    if (main.op_type != "Add" || graph_.Inputs(i).size() != 2 || Out(i) == kNone) return {};
    const std::size_t x = Out(i);
    if (graph_.GraphOutput(x) || graph_.Reads(x) != 2) return {};
    bool bias = false;
    for (std::size_t m = 0; m < 2; ++m) {
      const std::size_t t = graph_.Inputs(i)[m];
      const TensorInfo& info = main.inputs[m];
      if (t != kNone && graph_.Producer(t) == kNone && (info.is_weight || info.is_constant) && info.shape.size() == 1) {
        const std::size_t other = graph_.Inputs(i)[1 - m];
        const TensorInfo& act = main.inputs[1 - m];
        bias = other != kNone && !act.is_weight && !act.is_constant;
      }
    }
    if (!bias) return {};
    if (fusion_.runtime_shape_nodes && !OrtKnowsBias(main)) return {};
    for (std::size_t j : {graph_.Consumer(x), graph_.Consumer2(x)}) {
      if (net_.layers[j].op_type != "Div") continue;
      std::vector<std::size_t> gelu = GeluGroup(j);
      if (gelu.empty()) return {};
      gelu.insert(gelu.begin(), i);
      return gelu;
    }
    return {};
  }

  // ONNX Runtime's BiasGeluFusion's condition on the Add's inputs, with the shapes its inference
  // gives the graph as written (Network::runtime_shape): both last dims known and equal, one
  // input 1-D. Without the emulation (no symbolic dim was substituted) odonata's shapes are ORT's.
  bool OrtKnowsBias(const Layer& add) const {
    const TensorInfo& a = add.inputs[0];
    const TensorInfo& b = add.inputs[1];
    if (a.shape.empty() || b.shape.empty() || a.shape.back() != b.shape.back()) return false;
    if (a.shape.size() != 1 && b.shape.size() != 1) return false;
    const std::vector<std::string>& open = net_.runtime_shape.open_last_dim;
    for (const TensorInfo* t : {&a, &b}) {
      if (std::binary_search(open.begin(), open.end(), t->name)) return false;
    }
    return true;
  }

  // SiLU as exporters write it (ONNX Runtime's QuickGeluFusion, alpha 1): y = Mul(x, Sigmoid(x)),
  // the Sigmoid reading only x and its output read only by the Mul, starting at the Sigmoid i.
  // (ORT also matches Mul(x, Sigmoid(Mul(x, alpha))); that form is not matched here.)
  std::vector<std::size_t> SiluGroup(std::size_t i) const {
    const Layer& main = net_.layers[i];
    if (main.op_type != "Sigmoid" || graph_.Inputs(i).size() != 1 || Out(i) == kNone) return {};
    const std::size_t x = graph_.Inputs(i)[0];
    if (x == kNone || (graph_.Producer(x) == kNone && (main.inputs[0].is_constant || main.inputs[0].is_weight))) {
      return {};
    }
    const std::size_t mul = OnlyReader(Out(i), "Mul", main.repeat);
    if (mul == kNone || !ReadsPair(mul, x, Out(i))) return {};
    return {i, mul};
  }

  // Every match of a decomposition rule, before the QDQ and the other rules:
  // decomposed_[first member] holds the members and the op they become, all taken.
  void FindDecomposed() {
    decomposed_.assign(net_.layers.size(), {});
    std::vector<std::string> ops;
    for (const FusionRule& r : fusion_.rules) {
      if (r.decomposed) ops.insert(ops.end(), r.into.begin(), r.into.end());
    }
    if (ops.empty()) return;
    const bool ln = Contains(ops, "LayerNormalization"), gelu = Contains(ops, "Gelu");
    const bool silu = Contains(ops, "QuickGelu");
    for (std::size_t i = 0; i < net_.layers.size(); ++i) {
      if (taken_[i]) continue;
      std::vector<std::size_t> group;
      std::string op;
      if (ln && (group = LayerNormGroup(i), !group.empty())) op = "LayerNormalization";
      if (ln && op.empty() && (group = SimplifiedLayerNormGroup(i), !group.empty())) {
        op = "SimplifiedLayerNormalization";
      }
      if (gelu && op.empty() && (group = BiasGeluGroup(i), !group.empty())) op = "BiasGelu";
      if (gelu && op.empty() && (group = GeluGroup(i), !group.empty())) op = "Gelu";
      if (silu && op.empty() && (group = SiluGroup(i), !group.empty())) op = "QuickGelu";
      if (op.empty()) continue;
      // The members' inputs from outside the group must exist before its
      // first member, so that the one layer keeps topological order.
      bool ready = true;
      for (std::size_t k : group) {
        if (k < i) ready = false;
        for (std::size_t t : graph_.Inputs(k)) {
          const std::size_t p = t == kNone ? kNone : graph_.Producer(t);
          if (p != kNone && p >= i && std::find(group.begin(), group.end(), p) == group.end()) ready = false;
        }
      }
      if (!ready) continue;
      std::sort(group.begin(), group.end());
      for (std::size_t k : group) taken_[k] = true;
      decomposed_[i] = {std::move(group), std::move(op)};
    }
  }

  // group_ as the one op `op` it computes: counted as that op (a
  // LayerNormalization reads x, gamma and beta; Gelu x), so that it is
  // estimated like the op's own sweep rows; params and covers of the members.
  Layer AsOneOp(const std::string& op) {
    Layer merged = Merged(false);
    Layer one;
    one.name = merged.name;
    one.op_type = op;
    // ONNX Runtime's contrib ops Gelu, BiasGelu and QuickGelu; its SimplifiedLayerNormalization
    // is registered in the ONNX domain, as LayerNormalization is.
    one.domain = op == "Gelu" || op == "BiasGelu" || op == "QuickGelu" ? "com.microsoft" : "";
    const Layer& first = net_.layers[group_.front()];
    if (op == "BiasGelu") {
      one.inputs = first.inputs;  // the sum's two inputs: the activation and the bias
    } else {
      one.inputs.push_back(first.inputs.at(0));
    }
    if (op == "LayerNormalization" || op == "SimplifiedLayerNormalization") {
      // gamma (and beta): the constants of the Mul (and Add) that follow the Div.
      std::size_t last = kNone;
      for (std::size_t k : group_) {
        if (net_.layers[k].op_type == "Div") last = k;
      }
      while (last != kNone) {
        const std::size_t t = Out(last);
        if (t == kNone || graph_.Reads(t) != 1) break;
        const std::size_t j = graph_.Consumer(t);
        if (std::find(group_.begin(), group_.end(), j) == group_.end()) break;
        for (const TensorInfo& in : net_.layers[j].inputs) {
          if (in.is_weight || in.is_constant) one.inputs.push_back(in);
        }
        last = j;
      }
      one.attributes["axis"] = static_cast<std::int64_t>(-1);
    }
    one.outputs = merged.outputs;
    one.repeat = merged.repeat;
    one.data_dependent = merged.data_dependent;
    one.op_class = ClassifyOp(one.op_type, one.domain);
    one.counts = ComputeCounts(one);
    one.counts.params = merged.counts.params;
    one.counts.param_bytes = merged.counts.param_bytes;
    one.unknown_op |= merged.unknown_op;
    one.covers = std::move(merged.covers);
    one.covered_ops = std::move(merged.covered_ops);
    return one;
  }

  // Follow from layer i the single-consumer chain the platform runs as one
  // kernel, appending to group_.
  void Grow(std::size_t i) {
    const Layer& main = net_.layers[i];
    for (;;) {
      const std::size_t last = group_.back();
      if (graph_.Outputs(last).size() != 1) break;
      const std::size_t tensor = graph_.Outputs(last)[0];
      // An unnamed output has no consumer ("" is never read).
      if (tensor == kNone || graph_.GraphOutput(tensor)) break;
      if (graph_.Reads(tensor) == 2) {
        // A gated activation ends the group: a runtime fuses it as the
        // kernel's one activation (ONNX Runtime's Conv with HardSwish).
        std::size_t a = kNone, m = kNone;
        if (FindGate(main, tensor, &a, &m)) {
          taken_[a] = taken_[m] = true;
          group_.push_back(a);
          group_.push_back(m);
        }
        break;
      }
      if (graph_.Reads(tensor) != 1) break;
      const std::size_t j = graph_.Consumer(tensor);
      const Layer& child = net_.layers[j];
      if (taken_[j] || child.repeat != main.repeat || !CanAbsorb(fusion_, main, child)) break;
      // The child's other inputs must exist before the group starts, so the
      // fused layer keeps topological order.
      bool ready = true;
      for (std::size_t t : graph_.Inputs(j)) {
        if (t == kNone || t == tensor) continue;
        if (graph_.Producer(t) != kNone && graph_.Producer(t) >= i) ready = false;
      }
      if (!ready) break;
      taken_[j] = true;
      group_.push_back(j);
    }
  }

  // The layer group_ runs as: counts summed, activation traffic only for the
  // tensors entering or leaving the group. `qdq`: a QDQ group (group_ ends with
  // its quantize node), of the main layer's int8 class.
  Layer Merged(bool qdq) {
    const Layer& main = net_.layers[group_.front()];
    // Built field by field rather than copied from `main` and cleared: the
    // inputs, outputs and covers of `main` would be copied only to be dropped.
    // (A new Layer field needs a line here; FusedNetwork's tests compare
    // fused rows with the unfused layers they come from.)
    Layer fused;
    fused.name = main.name;
    fused.op_type = main.op_type;
    fused.domain = main.domain;
    fused.op_class = qdq ? Int8ClassOf(main.op_class) : main.op_class;
    fused.window = main.window;
    fused.attributes = main.attributes;
    fused.repeat = main.repeat;
    fused.data_dependent = main.data_dependent;
    fused.unknown_op = main.unknown_op;
    internal_.clear();
    seen_.clear();
    for (std::size_t k = 0; k + 1 < group_.size(); ++k) {
      const std::span<const std::size_t> outs = graph_.Outputs(group_[k]);
      internal_.insert(internal_.end(), outs.begin(), outs.end());
    }
    auto contains = [](const std::vector<std::size_t>& v, std::size_t x) {
      return std::find(v.begin(), v.end(), x) != v.end();
    };
    std::size_t covers = 0, ops = 0, inputs = 0;
    for (std::size_t k : group_) {
      covers += net_.layers[k].covers.size();
      ops += net_.layers[k].covered_ops.size();
      inputs += net_.layers[k].inputs.size();
    }
    fused.covers.reserve(covers);
    fused.covered_ops.reserve(ops);
    fused.inputs.reserve(inputs);
    for (std::size_t k : group_) {
      const Layer& l = net_.layers[k];
      fused.covers.insert(fused.covers.end(), l.covers.begin(), l.covers.end());
      fused.covered_ops.insert(fused.covered_ops.end(), l.covered_ops.begin(), l.covered_ops.end());
      fused.counts.macs = CheckedAdd(fused.counts.macs, l.counts.macs);
      fused.counts.flops = CheckedAdd(fused.counts.flops, l.counts.flops);
      fused.counts.params = CheckedAdd(fused.counts.params, l.counts.params);
      fused.counts.param_bytes = CheckedAdd(fused.counts.param_bytes, l.counts.param_bytes);
      fused.data_dependent |= l.data_dependent;
      fused.unknown_op |= l.unknown_op;
      const std::span<const std::size_t> ids = graph_.Inputs(k);
      for (std::size_t m = 0; m < l.inputs.size(); ++m) {
        const std::size_t t = ids[m];
        if (t == kNone || contains(internal_, t) || contains(seen_, t)) continue;
        seen_.push_back(t);
        const TensorInfo& info = l.inputs[m];
        fused.inputs.push_back(info);
        if (info.is_weight || info.is_constant) {
          fused.counts.weight_elems = CheckedAdd(fused.counts.weight_elems, NumElements(info.shape));
        } else {
          fused.counts.input_elems = CheckedAdd(fused.counts.input_elems, NumElements(info.shape));
        }
      }
    }
    fused.outputs = net_.layers[group_.back()].outputs;
    for (const TensorInfo& t : fused.outputs) {
      if (!t.name.empty()) fused.counts.output_elems = CheckedAdd(fused.counts.output_elems, NumElements(t.shape));
    }
    return fused;
  }

  const Network& net_;
  const Fusion& fusion_;
  const TensorGraph graph_;
  std::vector<bool> taken_;
  std::vector<std::size_t> group_, internal_, seen_;  // reused across groups
  std::vector<std::vector<std::size_t>> qdq_;         // FindQdqGroups: members of the QDQ group of main layer i
  struct Decomposed {
    std::vector<std::size_t> members;  // sorted; the first is the layer that starts it
    std::string op;
  };
  std::vector<Decomposed> decomposed_;  // FindDecomposed: by first member
  const Quantization quant_;                           // of every node of the network
  bool qdq_rules_ = false;                             // the fusion has QDQ rules
  std::vector<bool> runtime_;                          // runtime shape nodes (constructor)
};

}  // namespace

namespace {

// The network as a platform with Fusion::runtime_shape_nodes runs it: its runtime shape nodes
// (Network::runtime_shape) among its layers, each just before the layer it says.
Network WithRuntimeShapeNodes(const Network& net, std::vector<bool>& runtime) {
  const Network::RuntimeShapeNodes& rs = net.runtime_shape;
  Network m = net;
  m.layers.clear();
  m.layers.reserve(net.layers.size() + rs.layers.size());
  std::vector<std::size_t> order(rs.layers.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return rs.before[a] < rs.before[b]; });
  std::size_t next = 0;
  runtime.clear();
  for (std::size_t i = 0; i <= net.layers.size(); ++i) {
    while (next < order.size() && rs.before[order[next]] <= i) {
      m.layers.push_back(rs.layers[order[next++]]);
      runtime.push_back(true);
    }
    if (i < net.layers.size()) {
      m.layers.push_back(net.layers[i]);
      runtime.push_back(false);
    }
  }
  m.runtime_shape.layers.clear();
  m.runtime_shape.before.clear();
  return m;
}

// The network `fusion` fuses: with the runtime shape nodes when it asks for them (*runtime: which
// layers they are; empty otherwise).
const Network& AsRun(const Network& net, const Fusion& fusion, Network& storage, std::vector<bool>& runtime) {
  runtime.clear();
  if (!fusion.runtime_shape_nodes || net.runtime_shape.layers.empty()) return net;
  storage = WithRuntimeShapeNodes(net, runtime);
  return storage;
}

}  // namespace

std::vector<Layer> Fuse(const Network& network, const Fusion& fusion) {
  Network storage;
  std::vector<bool> runtime;
  const Network& net = AsRun(network, fusion, storage, runtime);
  return Fuser(net, fusion, &runtime).Run(nullptr);
}

const std::vector<std::string>& DecomposedOps() {
  static const std::vector<std::string> ops = {"Gelu", "LayerNormalization", "QuickGelu"};
  return ops;
}

FusedNetwork::FusedNetwork() = default;
FusedNetwork::~FusedNetwork() = default;
FusedNetwork::FusedNetwork(const FusedNetwork&) = default;
FusedNetwork::FusedNetwork(FusedNetwork&&) noexcept = default;
FusedNetwork& FusedNetwork::operator=(const FusedNetwork&) = default;
FusedNetwork& FusedNetwork::operator=(FusedNetwork&&) noexcept = default;

FusedNetwork FuseNetwork(const Network& network, const Fusion& fusion) {
  Network storage;
  std::vector<bool> runtime;
  const Network& net = AsRun(network, fusion, storage, runtime);
  FusedNetwork f;
  f.totals = net.Totals();  // before fusing, so that an overflow names the same product as before
  std::vector<bool> quantized;
  Fuser fuser(net, fusion, &runtime);
  f.layers = fuser.Run(&quantized);
  f.quantization_forms = fuser.quantization().Forms();
  f.compact.reserve(f.layers.size());
  const auto& free_ops = fusion.free_ops;
  // The dequantize and quantize ops of the QDQ rules: a free op fused with them
  // alone (a QDQ Reshape, which ONNX Runtime runs on the 8-bit data) stays free.
  std::vector<std::string> qdq_ops;
  for (const FusionRule& r : fusion.rules) {
    qdq_ops.insert(qdq_ops.end(), r.dequantize.begin(), r.dequantize.end());
    qdq_ops.insert(qdq_ops.end(), r.quantize.begin(), r.quantize.end());
  }
  auto lone = [&](const Layer& l) {
    for (std::size_t k = 1; k < l.covered_ops.size(); ++k) {
      if (!Contains(qdq_ops, l.covered_ops[k])) return false;
    }
    return true;
  };
  for (std::size_t i = 0; i < f.layers.size(); ++i) {
    const Layer& l = f.layers[i];
    FusedLayer c;
    try {
      c.facts = FactsOf(l);
    } catch (const Error& e) {
      throw e.WithContext(net.source + ": layer '" + l.name + "'");
    }
    c.op_class = l.op_class;
    c.repeat = l.repeat;
    c.free = lone(l) && std::find(free_ops.begin(), free_ops.end(), l.op_type) != free_ops.end();
    c.free_dispatched = c.free && std::find(fusion.dispatched_free_ops.begin(), fusion.dispatched_free_ops.end(),
                                            l.op_type) != fusion.dispatched_free_ops.end();
    c.unknown_op = l.unknown_op;
    c.quantized = quantized[i];
    if (!c.quantized && !c.free && !c.unknown_op) {
      c.activation = PricedActivation(l);
      if (c.activation != FusedActivation::kNone) c.activation_elems = l.counts.output_elems;
      c.nearest_resize = NearestResize(l);
      c.conv1d = IsConv1d(l);
    }
    f.compact.push_back(c);
  }
  f.fusion_fingerprint = FusionFingerprint(fusion);
  f.name = net.name;
  f.source = net.source;
  f.outputs = net.outputs;
  f.nodes = static_cast<std::int64_t>(net.layers.size());
  f.warnings = net.warnings;
  return f;
}

FusedActivation FusedActivationOf(const Layer& fused) {
  if (fused.op_type != "Conv" || !fused.domain.empty()) return FusedActivation::kNone;
  const std::vector<std::string>& ops = fused.covered_ops;
  for (std::size_t k = 1; k < ops.size(); ++k) {
    const std::string& op = ops[k];
    if (op == "HardSigmoid" && k + 1 < ops.size() && ops[k + 1] == "Mul") return FusedActivation::kHardSwish;
    if (op == "HardSwish") return FusedActivation::kHardSwish;
    FusedActivation a;
    if (ParseFusedActivation(op, &a)) return a;
  }
  return FusedActivation::kNone;
}

FusedNetwork FuseNetwork(const Network& net, const Platform& platform) {
  FusedNetwork f = FuseNetwork(net, platform.fusion);
  const std::int64_t block = std::max(ReorderBlock(platform), ResizeNchwcBlock(platform));  // one nchwc.block
  if (block > 0) {
    const NchwcLayout layout = EmulateNchwc(f.layers, f.outputs, block);
    f.reorders = layout.Counts();
    for (std::size_t i = 0; i < f.compact.size(); ++i) f.compact[i].nchwc = layout.nchwc[i];
    f.nchwc_block = block;
  }
  return f;
}

std::int64_t ReorderBlock(const Platform& platform) {
  return platform.nchwc && platform.nchwc->Priced() ? platform.nchwc->block : 0;
}

std::int64_t ResizeNchwcBlock(const Platform& platform) {
  if (!platform.nchwc || platform.nchwc->block < 1 || !platform.classes.count(OpClass::kResizeNchwc)) return 0;
  return platform.nchwc->block;
}

bool NearestResize(const Layer& l) {
  if (l.op_class != OpClass::kResize || !l.domain.empty() || (l.op_type != "Resize" && l.op_type != "Upsample")) {
    return false;
  }
  return StringAttr(l, "mode", "nearest") == "nearest";
}

FusedActivation PricedActivation(const Layer& layer) {
  return IsInt8Class(layer.op_class) ? FusedActivation::kNone : FusedActivationOf(layer);
}

std::uint64_t FusionFingerprint(const Fusion& fusion) {
  // FNV-1a over the strings, each list and string terminated, so that
  // {"ab"} and {"a", "b"} differ.
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  auto list = [&](const std::vector<std::string>& v) {
    for (const std::string& s : v) {
      for (char c : s) mix(static_cast<unsigned char>(c));
      mix(0);
    }
    mix(1);
  };
  for (const FusionRule& r : fusion.rules) {
    list(r.into);
    list(r.absorb);
    list(r.gate);
    list(r.constant_weights);
    if (!r.quantize.empty()) {  // rules without QDQ hash as before
      list(r.dequantize);
      list(r.quantize);
    }
    if (r.decomposed) mix(3);
    if (!r.residual_2d.empty()) {  // rules without it hash as before
      mix(5);
      list(r.residual_2d);
    }
  }
  mix(2);
  list(fusion.free_ops);
  if (!fusion.dispatched_free_ops.empty()) {  // profiles without it hash as before
    mix(6);
    list(fusion.dispatched_free_ops);
  }
  if (fusion.runtime_shape_nodes) mix(4);  // profiles without the flag hash as before
  return h;
}

}  // namespace odonata
