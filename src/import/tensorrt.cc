// TensorRT trtexec --exportProfile=<file>: a JSON array whose first element
// is {"count": N} (inferences profiled), then one object per engine layer
//   {"name": "conv1 + relu1", "timeMs": <total over N>, "averageMs": <per run>,
//    "medianMs": ... (TensorRT >= 8.4), "percentage": <share of the total>}
// Layer names are TensorRT's: fused layers join their parts with " + ",
// reformatting layers are listed on their own.
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "json_file.h"
#include "odonata/errors.h"
#include "odonata/importers.h"

namespace odonata {
namespace {

using json = nlohmann::ordered_json;

bool NumberField(const json& e, const char* key, double* out) {
  auto it = e.find(key);
  if (it == e.end()) return false;
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
    throw Error(std::string("'") + key + "' is not a non-negative number");
  }
  *out = it->get<double>();
  return true;
}

}  // namespace

RuntimeReport ReadTensorRtProfile(const std::string& path) {
  const json entries = ReadJsonFile(path);
  if (!entries.is_array() || entries.empty() || !entries[0].is_object() || !entries[0].contains("count")) {
    throw Error(path + ": expected a JSON array starting with {\"count\": N} (trtexec --exportProfile)");
  }

  RuntimeReport report;
  report.format = RuntimeName(Runtime::kTensorRt);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    const std::string where = path + ": entry " + std::to_string(i);
    try {
      if (!e.is_object()) throw Error("not an object");
      if (i == 0) {
        double count = 0;
        NumberField(e, "count", &count);
        if (count < 1 || count != std::floor(count) || count > 1e9) throw Error("'count' is not a positive integer");
        report.runs = static_cast<int>(count);
        continue;
      }
      auto name = e.find("name");
      if (name == e.end() || !name->is_string()) throw Error("'name' missing or not a string");
      RuntimeLayerTime r;
      r.name = name->get<std::string>();
      r.status = "EXECUTED";
      double total_ms = 0;
      if (!NumberField(e, "averageMs", &r.ms)) {
        if (!NumberField(e, "timeMs", &total_ms)) throw Error("neither 'averageMs' nor 'timeMs'");
        r.ms = total_ms / report.runs;
      }
      r.origin = where;
      report.total_ms += r.ms;
      report.layers.push_back(std::move(r));
    } catch (const Error& err) {
      throw err.WithContext(where);
    }
  }
  return report;
}

}  // namespace odonata
