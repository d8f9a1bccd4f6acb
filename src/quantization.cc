#include "odonata/quantization.h"

#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "names.h"

namespace odonata {
namespace {

constexpr NameTable<QuantForm, 4> kForms{{{
    {QuantForm::kNone, "none"},
    {QuantForm::kQdq, "qdq"},
    {QuantForm::kOperator, "operator"},
    {QuantForm::kDynamic, "dynamic"},
}}};

bool DefaultDomain(std::string_view domain) { return domain.empty() || domain == "ai.onnx"; }

// Integer operators that quantize their input themselves (com.microsoft).
bool QuantizesItself(std::string_view op, std::string_view domain) {
  return domain == "com.microsoft" && (op == "DynamicQuantizeMatMul" || op == "DynamicQuantizeLSTM");
}

// Where each tensor comes from and who reads it, by name.
struct Readers {
  std::unordered_map<std::string_view, std::size_t> producer;
  std::unordered_map<std::string_view, std::size_t> reads;   // number of reads
  std::unordered_map<std::string_view, std::size_t> reader;  // the first reader
  std::unordered_set<std::string_view> graph_outputs;

  explicit Readers(const Network& net) {
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      for (const TensorInfo& t : net.layers[i].outputs) {
        if (!t.name.empty()) producer.emplace(t.name, i);
      }
      for (const TensorInfo& t : net.layers[i].inputs) {
        if (t.name.empty()) continue;
        if (reads[t.name]++ == 0) reader.emplace(t.name, i);
      }
    }
    for (const TensorInfo& t : net.outputs) graph_outputs.insert(t.name);
  }

  const Layer* Producer(const Network& net, const std::string& t) const {
    auto it = producer.find(t);
    return it == producer.end() ? nullptr : &net.layers[it->second];
  }
  // The one node reading t, if exactly one does and t is not a graph output.
  std::size_t SoleReader(const std::string& t) const {
    if (t.empty() || graph_outputs.count(t)) return kNone;
    auto it = reads.find(t);
    return it != reads.end() && it->second == 1 ? reader.at(t) : kNone;
  }
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
};

// Whether l is op in the default or the com.microsoft domain (both have QuantizeLinear and DequantizeLinear).
bool Is(const Layer* l, std::string_view op) {
  return l && l->op_type == op && (DefaultDomain(l->domain) || l->domain == "com.microsoft");
}

// Every input of `l` that a node writes comes from a DequantizeLinear (at least
// one does); the others are initializers or load-time constants.
bool DequantizedInputs(const Network& net, const Readers& g, const Layer& l) {
  int dequantized = 0;
  for (const TensorInfo& t : l.inputs) {
    if (t.name.empty()) continue;
    const Layer* p = g.Producer(net, t.name);
    if (!p) {
      if (!(t.is_weight || t.is_constant)) return false;  // a float graph input
      continue;
    }
    if (!Is(p, "DequantizeLinear")) return false;
    ++dequantized;
  }
  return dequantized > 0;
}

// The single-reader chain from layer i's one output to a QuantizeLinear,
// through activations (their other inputs constant); empty when there is none.
// The chain's members (i excluded) go to *chain.
bool QuantizedOutput(const Network& net, const Readers& g, std::size_t i, std::vector<std::size_t>* chain) {
  for (std::size_t last = i;;) {
    const Layer& l = net.layers[last];
    if (l.outputs.size() != 1) return false;
    const std::size_t j = g.SoleReader(l.outputs[0].name);
    if (j == Readers::kNone) return false;
    const Layer& r = net.layers[j];
    if (Is(&r, "QuantizeLinear")) return true;
    if (r.op_class != OpClass::kActivation && r.op_class != OpClass::kSilu) return false;
    for (std::size_t k = 1; k < r.inputs.size(); ++k) {
      if (!r.inputs[k].name.empty() && !(r.inputs[k].is_weight || r.inputs[k].is_constant)) return false;
    }
    chain->push_back(j);
    last = j;
  }
}

}  // namespace

const char* QuantFormName(QuantForm form) { return kForms.Name(form); }

bool IsIntegerOp(const std::string& op, const std::string& domain) {
  if (DefaultDomain(domain)) {
    return op == "QLinearConv" || op == "QLinearMatMul" || op == "ConvInteger" || op == "MatMulInteger";
  }
  if (domain != "com.microsoft") return false;
  return op.rfind("QLinear", 0) == 0 || op == "QGemm" || op == "QAttention" || op == "MatMulIntegerToFloat" ||
         QuantizesItself(op, domain);
}

bool IsQuantizeConversion(const std::string& op, const std::string& domain) {
  if (!DefaultDomain(domain) && domain != "com.microsoft") return false;
  return op == "QuantizeLinear" || op == "DequantizeLinear" || op == "DynamicQuantizeLinear";
}

std::vector<std::string> Quantization::Forms() const {
  std::vector<std::string> forms;
  if (qdq_nodes > 0) forms.emplace_back(QuantFormName(QuantForm::kQdq));
  if (operator_nodes > 0) forms.emplace_back(QuantFormName(QuantForm::kOperator));
  if (dynamic_nodes > 0) forms.emplace_back(QuantFormName(QuantForm::kDynamic));
  return forms;
}

Quantization DetectQuantization(const Network& net) {
  Quantization q;
  q.nodes.assign(net.layers.size(), QuantForm::kNone);
  bool any_dq = false;
  for (const Layer& l : net.layers) any_dq |= IsQuantizeConversion(l.op_type, l.domain);
  bool any_integer = false;
  for (const Layer& l : net.layers) any_integer |= IsIntegerOp(l.op_type, l.domain);
  if (!any_dq && !any_integer) return q;  // a float model: no graph to build
  const Readers g(net);
  std::vector<std::size_t> chain;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (IsQuantizeConversion(l.op_type, l.domain)) {
      ++q.conversion_nodes;
      continue;
    }
    if (IsIntegerOp(l.op_type, l.domain)) {
      bool dynamic = QuantizesItself(l.op_type, l.domain);
      for (const TensorInfo& t : l.inputs) dynamic |= Is(g.Producer(net, t.name), "DynamicQuantizeLinear");
      q.nodes[i] = dynamic ? QuantForm::kDynamic : QuantForm::kOperator;
      continue;
    }
    if (q.nodes[i] != QuantForm::kNone) continue;  // an activation of an earlier chain
    chain.clear();
    if (DequantizedInputs(net, g, l) && QuantizedOutput(net, g, i, &chain)) {
      q.nodes[i] = QuantForm::kQdq;
      for (std::size_t j : chain) q.nodes[j] = QuantForm::kQdq;
    }
  }
  for (QuantForm f : q.nodes) {
    q.qdq_nodes += f == QuantForm::kQdq;
    q.operator_nodes += f == QuantForm::kOperator;
    q.dynamic_nodes += f == QuantForm::kDynamic;
  }
  return q;
}

}  // namespace odonata
