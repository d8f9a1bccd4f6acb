#include "roi_levels.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "counts.h"
#include "odonata/errors.h"

namespace odonata::onnx_import {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

std::int64_t IntAttribute(const Layer& l, const char* name, std::int64_t fallback) {
  auto it = l.attributes.find(name);
  if (it == l.attributes.end()) return fallback;
  if (const auto* v = std::get_if<std::int64_t>(&it->second)) return *v;
  return fallback;
}

bool Plain(const Layer& l) { return l.domain.empty() || l.domain == "ai.onnx"; }

class RoiLevels {
 public:
  RoiLevels(Network& net, const ScalarOf& scalar_of) : net_(net), scalar_of_(scalar_of) {
    for (std::size_t i = 0; i < net_.layers.size(); ++i) {
      for (const TensorInfo& t : net_.layers[i].outputs) {
        if (!t.name.empty()) producer_[t.name] = i;
      }
      for (const TensorInfo& t : net_.layers[i].inputs) {
        if (!t.name.empty()) readers_[t.name].push_back(i);
      }
    }
  }

  void Run() {
    // (roi tensor R, levels tensor) -> the RoiAlign layers selecting from R, with their level constants.
    struct Level {
      std::size_t layer;
      std::int64_t level;
    };
    std::map<std::pair<std::string, std::string>, std::vector<Level>> groups;
    for (std::size_t i = 0; i < net_.layers.size(); ++i) {
      const Layer& l = net_.layers[i];
      if (l.op_type != "RoiAlign" || !Plain(l) || l.repeat != 1 || l.inputs.size() < 3) continue;
      Selection s;
      if (!FindSelection(l.inputs[1].name, &s)) continue;
      groups[{s.rois, s.levels}].push_back({i, s.level});
    }
    for (const auto& [key, levels] : groups) {
      if (levels.size() < 2) continue;
      std::set<std::int64_t> distinct;
      for (const Level& v : levels) distinct.insert(v.level);
      if (distinct.size() != levels.size()) continue;  // two RoiAlign on one level: not disjoint
      const Shape& rois_shape = Shape_(key.first);
      if (rois_shape.empty() || rois_shape[0] <= 0) continue;
      const std::int64_t n = rois_shape[0];
      const std::int64_t k = static_cast<std::int64_t>(levels.size());
      const std::int64_t share = (n + k - 1) / k;
      std::set<std::string> tensors;  // the tensors whose rows are one level's selection
      std::vector<std::size_t> scatters;
      for (const Level& v : levels) {
        const Layer& r = net_.layers[v.layer];
        tensors.insert(r.inputs[1].name);
        tensors.insert(r.inputs[2].name);
        tensors.insert(r.outputs[0].name);
        const std::size_t sc = FollowToScatter(r.outputs[0].name, &tensors);
        if (sc != kNone) scatters.push_back(sc);
      }
      std::set<std::size_t> touched;
      for (std::size_t i = 0; i < net_.layers.size(); ++i) {
        Layer& l = net_.layers[i];
        for (auto* list : {&l.inputs, &l.outputs}) {
          for (TensorInfo& t : *list) {
            if (t.name.empty() || !tensors.count(t.name) || t.shape.empty() || t.shape[0] <= share) continue;
            t.shape[0] = share;
            touched.insert(i);
          }
        }
      }
      for (std::size_t i : touched) {
        try {
          net_.layers[i].counts = ComputeCounts(net_.layers[i]);
        } catch (const Error& e) {
          throw e.WithContext(net_.source + ": node '" + net_.layers[i].name + "'");
        }
      }
      std::string names;
      for (const Level& v : levels) names += (names.empty() ? "'" : ", '") + net_.layers[v.layer].name + "'";
      net_.warnings.push_back(
          "MultiScaleRoIAlign: " + std::to_string(k) + " RoiAlign (" + names + ") take disjoint selections of the " +
          std::to_string(n) + " rois of '" + key.first + "' (one level each); each is estimated at ceil(" +
          std::to_string(n) + " / " + std::to_string(k) + ") = " + std::to_string(share) + " rois, " +
          (scatters.empty() ? std::string("no ScatterElements merges them")
                            : "as are the updates of the " + std::to_string(scatters.size()) +
                                  " ScatterElements that merge them") +
          " (an assumption: the real split depends on the roi sizes)");
    }
  }

 private:
  struct Selection {
    std::string rois;    // the tensor the rows are gathered from
    std::string levels;  // the tensor compared with the level constant
    std::int64_t level = 0;
  };

  const Shape& Shape_(const std::string& tensor) const {
    static const Shape kEmpty;
    auto p = producer_.find(tensor);
    if (p != producer_.end()) {
      for (const TensorInfo& t : net_.layers[p->second].outputs) {
        if (t.name == tensor) return t.shape;
      }
    }
    auto r = readers_.find(tensor);
    if (r != readers_.end()) {
      for (const TensorInfo& t : net_.layers[r->second.front()].inputs) {
        if (t.name == tensor) return t.shape;
      }
    }
    return kEmpty;
  }

  std::size_t Producer(const std::string& tensor) const {
    auto p = producer_.find(tensor);
    return p == producer_.end() ? kNone : p->second;
  }

  // From a RoiAlign's rois back to the Gather (axis 0) whose indices come from a NonZero of
  // Equal(levels, constant): through ops that keep the rows (a Gather of columns by a constant
  // index, Slice, Cast, Reshape, Squeeze, Unsqueeze, Identity).
  bool FindSelection(std::string tensor, Selection* s) const {
    for (int step = 0; step < 8; ++step) {
      const std::size_t p = Producer(tensor);
      if (p == kNone) return false;
      const Layer& l = net_.layers[p];
      if (!Plain(l) || l.repeat != 1 || l.inputs.empty()) return false;
      if (l.op_type == "Gather" && l.inputs.size() == 2) {
        const TensorInfo& index = l.inputs[1];
        if (IntAttribute(l, "axis", 0) == 0 && IndexFromLevel(index.name, s)) {
          s->rois = l.inputs[0].name;
          return true;
        }
        if (!(index.is_constant || index.is_weight) || IntAttribute(l, "axis", 0) == 0) return false;
      } else if (l.op_type != "Slice" && l.op_type != "Cast" && l.op_type != "Reshape" && l.op_type != "Squeeze" &&
                 l.op_type != "Unsqueeze" && l.op_type != "Identity") {
        return false;
      }
      tensor = l.inputs[0].name;
    }
    return false;
  }

  // Whether `tensor` (a Gather's indices) is the row indices of NonZero(Equal(levels, k)),
  // through Transpose, Split, Squeeze, Unsqueeze, Reshape, Cast, Identity.
  bool IndexFromLevel(std::string tensor, Selection* s) const {
    for (int step = 0; step < 8; ++step) {
      const std::size_t p = Producer(tensor);
      if (p == kNone) return false;
      const Layer& l = net_.layers[p];
      if (!Plain(l) || l.inputs.empty()) return false;
      if (l.op_type == "NonZero") {
        const std::size_t e = Producer(l.inputs[0].name);
        if (e == kNone) return false;
        const Layer& eq = net_.layers[e];
        if (eq.op_type != "Equal" || !Plain(eq) || eq.inputs.size() != 2) return false;
        for (int side = 0; side < 2; ++side) {
          const std::optional<std::int64_t> k = scalar_of_(eq.inputs[side].name);
          if (!k || scalar_of_(eq.inputs[1 - side].name)) continue;
          s->levels = eq.inputs[1 - side].name;
          s->level = *k;
          return true;
        }
        return false;
      }
      if (l.op_type != "Transpose" && l.op_type != "Split" && l.op_type != "Squeeze" && l.op_type != "Unsqueeze" &&
          l.op_type != "Reshape" && l.op_type != "Cast" && l.op_type != "Identity") {
        return false;
      }
      tensor = l.inputs[0].name;
    }
    return false;
  }

  // From a RoiAlign's output through single-reader Cast/Identity to a ScatterElements on axis 0
  // that reads it as its updates; adds the chain's tensors and the ScatterElements' indices to
  // *tensors. Returns the ScatterElements' layer, or kNone.
  std::size_t FollowToScatter(std::string tensor, std::set<std::string>* tensors) const {
    for (int step = 0; step < 4; ++step) {
      auto r = readers_.find(tensor);
      if (r == readers_.end()) return kNone;
      // Readers that only take its shape do not move rows.
      std::size_t next = kNone;
      for (std::size_t i : r->second) {
        if (net_.layers[i].op_type == "Shape") continue;
        if (next != kNone) return kNone;
        next = i;
      }
      if (next == kNone) return kNone;
      const Layer& l = net_.layers[next];
      if (!Plain(l) || l.repeat != 1) return kNone;
      if (l.op_type == "ScatterElements" && l.inputs.size() == 3 && l.inputs[2].name == tensor &&
          IntAttribute(l, "axis", 0) == 0) {
        tensors->insert(l.inputs[1].name);
        return next;
      }
      if ((l.op_type != "Cast" && l.op_type != "Identity") || l.outputs.size() != 1) return kNone;
      tensor = l.outputs[0].name;
      tensors->insert(tensor);
    }
    return kNone;
  }

  Network& net_;
  const ScalarOf& scalar_of_;
  std::unordered_map<std::string, std::size_t> producer_;
  std::unordered_map<std::string, std::vector<std::size_t>> readers_;
};

}  // namespace

void ShareRoiLevels(Network& net, const ScalarOf& scalar_of) {
  // Most networks have no RoiAlign: the tensor maps are not built for them
  // (0.77 M of ResNet-50's 28.5 M instructions, issue 13).
  const auto roi_align = std::count_if(net.layers.begin(), net.layers.end(),
                                       [](const Layer& l) { return l.op_type == "RoiAlign"; });
  if (roi_align < 2) return;  // levels come in groups of at least two
  RoiLevels(net, scalar_of).Run();
}

}  // namespace odonata::onnx_import
