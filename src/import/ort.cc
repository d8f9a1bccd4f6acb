// ONNX Runtime profiling output (SessionOptions.enable_profiling): a JSON
// array of Chrome trace events. Per node and run,
//   {"cat":"Node","name":"<node>_fence_before",...}      (ignored)
//   {"cat":"Node","name":"<node>_kernel_time","dur":<us>,"args":{"op_name":"Conv","provider":...}}
//   {"cat":"Node","name":"<node>_fence_after",...}       (ignored)
// and per run {"cat":"Session","name":"model_run","dur":<us>}. Other Session
// events (model_loading_uri, session_initialization,
// SequentialExecutor::Execute) are ignored.
#include <cmath>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "json_file.h"
#include "odonata/errors.h"
#include "odonata/importers.h"

namespace odonata {
namespace {

using json = nlohmann::ordered_json;

constexpr const char kKernelSuffix[] = "_kernel_time";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

double DurationUs(const json& e, const std::string& where) {
  auto d = e.find("dur");
  if (d == e.end() || !d->is_number() || !std::isfinite(d->get<double>()) || d->get<double>() < 0) {
    throw Error(where + ": 'dur' missing or not a non-negative number");
  }
  return d->get<double>();
}

struct NodeTimes {
  std::size_t order = 0;  // first appearance, to keep the report in execution order
  RuntimeLayerTime row;   // ms holds the sum until the end
  int count = 0;
};

}  // namespace

RuntimeReport ReadOrtProfile(const std::string& path) {
  const json events = ReadJsonFile(path);
  if (!events.is_array()) throw Error(path + ": expected a JSON array of trace events");

  std::map<std::string, NodeTimes> nodes;
  double run_us = 0;
  int runs = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const json& e = events[i];
    const std::string where = path + ": event " + std::to_string(i);
    if (!e.is_object()) throw Error(where + ": not an object");
    try {
      const std::string cat = e.value("cat", "");
      const std::string name = e.value("name", "");
      if (cat == "Session" && name == "model_run") {
        run_us += DurationUs(e, where);
        ++runs;
        continue;
      }
      if (cat != "Node" || !EndsWith(name, kKernelSuffix)) continue;
      const std::string node = name.substr(0, name.size() - (sizeof(kKernelSuffix) - 1));
      auto [it, inserted] = nodes.try_emplace(node);
      NodeTimes& t = it->second;
      if (inserted) {
        t.order = nodes.size();
        t.row.name = node;
        t.row.status = "EXECUTED";
        t.row.origin = where;
        if (auto a = e.find("args"); a != e.end() && a->is_object()) {
          t.row.layer_type = a->value("op_name", "");
          t.row.exec_type = a->value("provider", "");  // e.g. CPUExecutionProvider
        }
      }
      t.row.ms += DurationUs(e, where) / 1000.0;
      ++t.count;
    } catch (const json::exception& ex) {
      throw Error(where + ": " + ex.what());
    }
  }
  if (nodes.empty()) throw Error(path + ": no '<node>_kernel_time' events (profiling JSON of ONNX Runtime?)");

  RuntimeReport report;
  report.format = RuntimeName(Runtime::kOnnxRuntime);
  report.runs = runs;
  report.total_ms = runs > 0 ? run_us / runs / 1000.0 : 0;
  report.layers.resize(nodes.size());
  for (auto& [name, t] : nodes) {
    // Averaged over the node's own events: a node inside an If branch runs
    // only in some inferences.
    t.row.ms /= t.count;
    report.layers[t.order - 1] = std::move(t.row);
  }
  return report;
}

}  // namespace odonata
