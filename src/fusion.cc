#include "odonata/fusion.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "odonata/errors.h"

namespace odonata {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The rule that lets a group whose main op is `main` absorb `child`, if any.
bool CanAbsorb(const Fusion& fusion, const std::string& main, const std::string& child) {
  for (const FusionRule& r : fusion.rules) {
    if (Contains(r.into, main) && Contains(r.absorb, child)) return true;
  }
  return false;
}

}  // namespace

std::vector<Layer> Fuse(const Network& net, const Fusion& fusion) {
  const std::size_t n = net.layers.size();
  std::unordered_map<std::string, std::vector<std::size_t>> consumers;
  std::unordered_map<std::string, std::size_t> producer;
  for (std::size_t i = 0; i < n; ++i) {
    for (const TensorInfo& t : net.layers[i].inputs) {
      if (!t.name.empty()) consumers[t.name].push_back(i);
    }
    for (const TensorInfo& t : net.layers[i].outputs) {
      if (!t.name.empty()) producer[t.name] = i;
    }
  }
  std::unordered_set<std::string> graph_outputs;
  for (const TensorInfo& t : net.outputs) graph_outputs.insert(t.name);

  std::vector<bool> taken(n, false);
  std::vector<Layer> out;
  for (std::size_t i = 0; i < n; ++i) {
    if (taken[i]) continue;
    taken[i] = true;
    std::vector<std::size_t> group = {i};
    const Layer& main = net.layers[i];
    // Follow single-consumer chains the platform runs as one kernel.
    for (;;) {
      const Layer& last = net.layers[group.back()];
      if (last.outputs.size() != 1 || graph_outputs.count(last.outputs[0].name)) break;
      auto c = consumers.find(last.outputs[0].name);
      if (c == consumers.end() || c->second.size() != 1) break;
      const std::size_t j = c->second[0];
      const Layer& child = net.layers[j];
      if (taken[j] || child.repeat != main.repeat || !CanAbsorb(fusion, main.op_type, child.op_type)) break;
      // The child's other inputs must exist before the group starts, so the
      // fused layer keeps topological order.
      bool ready = true;
      for (const TensorInfo& t : child.inputs) {
        if (t.name.empty() || t.name == last.outputs[0].name) continue;
        auto p = producer.find(t.name);
        if (p != producer.end() && p->second >= i) ready = false;
      }
      if (!ready) break;
      taken[j] = true;
      group.push_back(j);
    }
    if (group.size() == 1) {
      out.push_back(main);
      continue;
    }
    Layer fused = main;
    fused.inputs.clear();
    fused.covers.clear();
    fused.covered_ops.clear();
    fused.counts = Counts{};
    std::unordered_set<std::string> internal, seen;
    for (std::size_t k = 0; k + 1 < group.size(); ++k) {
      for (const TensorInfo& t : net.layers[group[k]].outputs) internal.insert(t.name);
    }
    for (std::size_t k : group) {
      const Layer& l = net.layers[k];
      fused.covers.insert(fused.covers.end(), l.covers.begin(), l.covers.end());
      fused.covered_ops.insert(fused.covered_ops.end(), l.covered_ops.begin(), l.covered_ops.end());
      fused.counts.macs = CheckedAdd(fused.counts.macs, l.counts.macs);
      fused.counts.flops = CheckedAdd(fused.counts.flops, l.counts.flops);
      fused.counts.params = CheckedAdd(fused.counts.params, l.counts.params);
      fused.data_dependent |= l.data_dependent;
      fused.unknown_op |= l.unknown_op;
      for (const TensorInfo& t : l.inputs) {
        if (t.name.empty() || internal.count(t.name) || !seen.insert(t.name).second) continue;
        fused.inputs.push_back(t);
        if (t.is_weight || t.is_constant) {
          fused.counts.weight_elems = CheckedAdd(fused.counts.weight_elems, NumElements(t.shape));
        } else {
          fused.counts.input_elems = CheckedAdd(fused.counts.input_elems, NumElements(t.shape));
        }
      }
    }
    fused.outputs = net.layers[group.back()].outputs;
    for (const TensorInfo& t : fused.outputs) {
      if (!t.name.empty()) fused.counts.output_elems = CheckedAdd(fused.counts.output_elems, NumElements(t.shape));
    }
    out.push_back(std::move(fused));
  }
  return out;
}

}  // namespace odonata
