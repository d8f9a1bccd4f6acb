#include "odonata/fusion.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "layer_cost.h"
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

// The rule that lets a group whose main op is `main` absorb the gated
// activation t * `gate`(t), if any.
bool CanGate(const Fusion& fusion, const std::string& main, const std::string& gate) {
  for (const FusionRule& r : fusion.rules) {
    if (Contains(r.into, main) && Contains(r.gate, gate)) return true;
  }
  return false;
}

}  // namespace

std::vector<Layer> Fuse(const Network& net, const Fusion& fusion) {
  // Tensors by dense id (names looked up once, here), so that following
  // chains and collecting a group's inputs compare integers, not strings.
  const std::size_t n = net.layers.size();
  constexpr std::size_t kNoTensor = static_cast<std::size_t>(-1);
  std::unordered_map<std::string_view, std::size_t> ids;
  ids.reserve(4 * n + 8);
  auto id_of = [&](const std::string& name) {
    if (name.empty()) return kNoTensor;
    return ids.try_emplace(name, ids.size()).first->second;
  };
  // in_ids[in_first[i] ..] are layer i's input ids, in order; out_ids likewise.
  std::vector<std::size_t> in_ids, in_first(n + 1), out_ids, out_first(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    in_first[i] = in_ids.size();
    for (const TensorInfo& t : net.layers[i].inputs) in_ids.push_back(id_of(t.name));
    out_first[i] = out_ids.size();
    for (const TensorInfo& t : net.layers[i].outputs) out_ids.push_back(id_of(t.name));
  }
  in_first[n] = in_ids.size();
  out_first[n] = out_ids.size();
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  // consumer: the first reader of a tensor, consumer2 the second (a gated
  // activation's t has two), consumer_count all reads.
  std::vector<std::size_t> producer(ids.size(), kNone), consumer(ids.size(), kNone), consumer2(ids.size(), kNone),
      consumer_count(ids.size(), 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = in_first[i]; k < in_first[i + 1]; ++k) {
      if (in_ids[k] == kNoTensor) continue;
      const std::size_t reads = consumer_count[in_ids[k]]++;
      if (reads == 0) consumer[in_ids[k]] = i;
      if (reads == 1) consumer2[in_ids[k]] = i;
    }
    for (std::size_t k = out_first[i]; k < out_first[i + 1]; ++k) {
      if (out_ids[k] != kNoTensor) producer[out_ids[k]] = i;
    }
  }
  std::vector<bool> graph_output(ids.size(), false);
  for (const TensorInfo& t : net.outputs) {
    auto it = ids.find(t.name);
    if (it != ids.end()) graph_output[it->second] = true;
  }

  std::vector<bool> taken(n, false);
  // The gated activation t * A(t) on tensor t (read exactly twice), for a
  // group whose main layer is `main`: A (an op of a rule's `gate`) reads only
  // t and writes one tensor that only the Mul reads, and the Mul reads exactly
  // {t, A(t)}. A squeeze-excite t * HardSigmoid(f(t)) has no A reading t and
  // does not match. Sets *a and *m.
  auto find_gate = [&](const Layer& main, std::size_t t, std::size_t* a, std::size_t* m) {
    for (int order = 0; order < 2; ++order) {
      const std::size_t ai = order == 0 ? consumer[t] : consumer2[t];
      const std::size_t mi = order == 0 ? consumer2[t] : consumer[t];
      if (ai == mi) return false;  // one node reads t twice
      const Layer& al = net.layers[ai];
      const Layer& ml = net.layers[mi];
      if (taken[ai] || taken[mi] || al.repeat != main.repeat || ml.repeat != main.repeat) continue;
      if (ml.op_type != "Mul" || !CanGate(fusion, main.op_type, al.op_type)) continue;
      if (in_first[ai + 1] - in_first[ai] != 1 || in_ids[in_first[ai]] != t) continue;
      if (out_first[ai + 1] - out_first[ai] != 1) continue;
      const std::size_t g = out_ids[out_first[ai]];
      if (g == kNoTensor || graph_output[g] || consumer_count[g] != 1 || consumer[g] != mi) continue;
      if (in_first[mi + 1] - in_first[mi] != 2) continue;
      const std::size_t x = in_ids[in_first[mi]], y = in_ids[in_first[mi] + 1];
      if (!((x == t && y == g) || (x == g && y == t))) continue;
      *a = ai;
      *m = mi;
      return true;
    }
    return false;
  };
  std::vector<Layer> out;
  out.reserve(n);
  std::vector<std::size_t> group, internal, seen;
  for (std::size_t i = 0; i < n; ++i) {
    if (taken[i]) continue;
    taken[i] = true;
    group.assign(1, i);
    const Layer& main = net.layers[i];
    // Follow single-consumer chains the platform runs as one kernel.
    for (;;) {
      const std::size_t last = group.back();
      if (out_first[last + 1] - out_first[last] != 1) break;
      const std::size_t tensor = out_ids[out_first[last]];
      // An unnamed output has no consumer ("" is never read).
      if (tensor == kNoTensor || graph_output[tensor]) break;
      if (consumer_count[tensor] == 2) {
        // A gated activation ends the group: a runtime fuses it as the
        // kernel's one activation (ONNX Runtime's Conv with HardSwish).
        std::size_t a = kNone, m = kNone;
        if (find_gate(main, tensor, &a, &m)) {
          taken[a] = taken[m] = true;
          group.push_back(a);
          group.push_back(m);
        }
        break;
      }
      if (consumer_count[tensor] != 1) break;
      const std::size_t j = consumer[tensor];
      const Layer& child = net.layers[j];
      if (taken[j] || child.repeat != main.repeat || !CanAbsorb(fusion, main.op_type, child.op_type)) break;
      // The child's other inputs must exist before the group starts, so the
      // fused layer keeps topological order.
      bool ready = true;
      for (std::size_t k = in_first[j]; k < in_first[j + 1]; ++k) {
        const std::size_t t = in_ids[k];
        if (t == kNoTensor || t == tensor) continue;
        if (producer[t] != kNone && producer[t] >= i) ready = false;
      }
      if (!ready) break;
      taken[j] = true;
      group.push_back(j);
    }
    if (group.size() == 1) {
      out.push_back(main);
      continue;
    }
    // Built field by field rather than copied from `main` and cleared: the
    // inputs, outputs and covers of `main` would be copied only to be dropped.
    // (A new Layer field needs a line here; FusedNetwork's tests compare
    // fused rows with the unfused layers they come from.)
    Layer fused;
    fused.name = main.name;
    fused.op_type = main.op_type;
    fused.domain = main.domain;
    fused.op_class = main.op_class;
    fused.window = main.window;
    fused.attributes = main.attributes;
    fused.repeat = main.repeat;
    fused.data_dependent = main.data_dependent;
    fused.unknown_op = main.unknown_op;
    internal.clear();
    seen.clear();
    for (std::size_t k = 0; k + 1 < group.size(); ++k) {
      internal.insert(internal.end(), out_ids.begin() + out_first[group[k]], out_ids.begin() + out_first[group[k] + 1]);
    }
    auto contains = [](const std::vector<std::size_t>& v, std::size_t x) {
      return std::find(v.begin(), v.end(), x) != v.end();
    };
    for (std::size_t k : group) {
      const Layer& l = net.layers[k];
      fused.covers.insert(fused.covers.end(), l.covers.begin(), l.covers.end());
      fused.covered_ops.insert(fused.covered_ops.end(), l.covered_ops.begin(), l.covered_ops.end());
      fused.counts.macs = CheckedAdd(fused.counts.macs, l.counts.macs);
      fused.counts.flops = CheckedAdd(fused.counts.flops, l.counts.flops);
      fused.counts.params = CheckedAdd(fused.counts.params, l.counts.params);
      fused.data_dependent |= l.data_dependent;
      fused.unknown_op |= l.unknown_op;
      for (std::size_t m = 0; m < l.inputs.size(); ++m) {
        const std::size_t t = in_ids[in_first[k] + m];
        if (t == kNoTensor || contains(internal, t) || contains(seen, t)) continue;
        seen.push_back(t);
        const TensorInfo& info = l.inputs[m];
        fused.inputs.push_back(info);
        if (info.is_weight || info.is_constant) {
          fused.counts.weight_elems = CheckedAdd(fused.counts.weight_elems, NumElements(info.shape));
        } else {
          fused.counts.input_elems = CheckedAdd(fused.counts.input_elems, NumElements(info.shape));
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

FusedNetwork::FusedNetwork() = default;
FusedNetwork::~FusedNetwork() = default;
FusedNetwork::FusedNetwork(const FusedNetwork&) = default;
FusedNetwork::FusedNetwork(FusedNetwork&&) noexcept = default;
FusedNetwork& FusedNetwork::operator=(const FusedNetwork&) = default;
FusedNetwork& FusedNetwork::operator=(FusedNetwork&&) noexcept = default;

FusedNetwork FuseNetwork(const Network& net, const Fusion& fusion) {
  FusedNetwork f;
  f.totals = net.Totals();  // before fusing, so that an overflow names the same product as before
  f.layers = Fuse(net, fusion);
  f.compact.reserve(f.layers.size());
  const auto& free_ops = fusion.free_ops;
  for (const Layer& l : f.layers) {
    FusedLayer c;
    c.facts = FactsOf(l);
    c.op_class = l.op_class;
    c.repeat = l.repeat;
    c.free = l.covers.size() == 1 && std::find(free_ops.begin(), free_ops.end(), l.op_type) != free_ops.end();
    c.unknown_op = l.unknown_op;
    f.compact.push_back(c);
  }
  f.fusion_fingerprint = FusionFingerprint(fusion);
  f.name = net.name;
  f.source = net.source;
  f.nodes = static_cast<std::int64_t>(net.layers.size());
  f.warnings = net.warnings;
  return f;
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
  }
  mix(2);
  list(fusion.free_ops);
  return h;
}

}  // namespace odonata
