// Machine-readable report. Schema and units: docs/report-format.md.
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "format.h"
#include "odonata/render.h"
#include "odonata/version.h"

namespace odonata {
namespace {

using Json = nlohmann::ordered_json;

// Counts that the estimators carry as doubles (bytes, ops) print as integers
// when they are whole, so consumers see 802816 rather than 802816.0.
Json Count(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9.0e15) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

Json ShapeJson(const Shape& shape) {
  Json dims = Json::array();
  for (std::int64_t d : shape) dims.push_back(d);
  return dims;
}

Json RowJson(const ReportRow& row) {
  const Layer& layer = row.layer;
  Json ops = Json::array();
  if (layer.covered_ops.empty()) {
    ops.push_back(layer.op_type);
  } else {
    for (const std::string& op : layer.covered_ops) ops.push_back(op);
  }
  Json j;
  j["name"] = layer.name;
  j["op"] = layer.op_type;
  j["ops"] = ops;
  j["covers"] = layer.covers;
  j["output_shape"] = layer.outputs.empty() ? Json(nullptr) : ShapeJson(layer.outputs[0].shape);
  j["macs"] = layer.counts.macs;
  j["flops"] = layer.counts.flops;
  j["params"] = layer.counts.params;
  j["bytes"] = Count(row.estimate.bytes);
  j["ops_count"] = Count(row.estimate.ops);
  j["bound"] = BoundName(row.estimate.bound);
  j["estimator"] = row.estimate.estimator;
  j["utilisation"] = row.estimate.utilisation;
  j["ms"] = row.ms;
  j["percent"] = row.percent;
  j["energy_mj"] = row.energy_mj;
  j["repeat"] = layer.repeat;
  j["flags"] = row.flags;
  j["precision"] = PrecisionName(row.precision);
  j["quantized"] = row.quantized;
  j["param_bytes"] = layer.counts.param_bytes;
  return j;
}

}  // namespace

void RenderJson(const Report& report, std::ostream& out) {
  double layers_ms = 0;
  double bytes = 0;
  Json layers = Json::array();
  for (const ReportRow& row : report.rows) {
    layers_ms += row.ms;
    bytes += row.estimate.bytes * static_cast<double>(row.layer.repeat);
    layers.push_back(RowJson(row));
  }

  Json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["odonata_version"] = Version();
  j["model"] = report.model;
  j["model_path"] = report.model_path;
  j["platform"] = report.platform;
  j["platform_path"] = report.platform_path;
  j["precision"] = PrecisionName(report.precision);
  const QuantizationSummary& q = report.quantization;
  j["quantization"] = {{"forms", q.forms},
                       {"layers", q.layers},
                       {"macs", q.macs},
                       {"macs_percent", q.macs_percent},
                       {"precision", q.precision ? Json(PrecisionName(*q.precision)) : Json(nullptr)}};
  j["total_ms"] = report.total_ms;
  // How far to trust it (docs/report-format.md "Trust"): the total as the
  // other formats print it, the interval and the profile's validated error.
  j["total_ms_rounded"] = report::TrustedMs(report, report.total_ms);
  if (report.interval) {
    j["interval"] = {{"level", report.interval->level},
                     {"low_ms", report.interval->low_ms},
                     {"high_ms", report.interval->high_ms},
                     {"basis", report.interval->basis}};
  } else {
    j["interval"] = nullptr;
  }
  if (report.validation) {
    const Validation& v = *report.validation;
    Json vj = {{"mape", v.mape}, {"networks", v.networks}, {"within10", v.within10}};
    vj["coverage"] = v.coverage ? Json(*v.coverage) : Json(nullptr);
    vj["suite"] = v.suite;
    vj["measured"] = v.measured;
    vj["date"] = v.date;
    j["validation"] = vj;
  } else {
    j["validation"] = nullptr;
  }
  // Only for profiles with warm class models (docs/report-format.md).
  if (report.cache) {
    const CacheChoice& c = *report.cache;
    j["cache"] = {{"state", c.share ? "partial" : c.warm ? "warm" : "cold"},
                  {"forced", c.forced},
                  {"weight_bytes", c.weight_bytes},
                  {"capacity_bytes", c.capacity_bytes >= 0 ? Json(c.capacity_bytes) : Json(nullptr)}};
    if (c.share) j["cache"]["share"] = *c.share;  // partial only: other reports keep their four keys
    if (c.share && c.share_size) {  // a profile that names its size variable (run 19 on)
      j["cache"]["share_size"] = ShareSizeName(*c.share_size);
      j["cache"]["share_size_bytes"] = c.share_x;
    }
    if (c.share && !c.warm_classes.empty()) {  // a profile whose share keeps some classes warm (run 25 on)
      j["cache"]["warm_classes"] = OpClassNames(c.warm_classes);
      if (c.warm_class_share) j["cache"]["warm_class_share"] = *c.warm_class_share;
    }
  }
  j["overhead_ms"] = report.overhead_ms;
  j["layers_ms"] = layers_ms;
  j["dispatch_ms"] = report.dispatch_ms;
  // Only for profiles with fitted NCHWc reorder costs (docs/report-format.md): others keep their keys.
  if (report.reorders) {
    const ReorderTerm& r = *report.reorders;
    j["reorders"] = {{"ms", r.ms},
                     {"count", r.Count()},
                     {"block", r.block},
                     {"inputs", r.counts.inputs},
                     {"input_elements", r.counts.input_elements},
                     {"input_ms", r.input_ms},
                     {"outputs", r.counts.outputs},
                     {"output_elements", r.counts.output_elements},
                     {"output_ms", r.output_ms},
                     {"dispatch_ms", r.dispatch_ms},
                     {"energy_mj", r.energy_mj}};
  }
  j["energy_mj"] = report.energy_mj;
  j["overhead_energy_mj"] = report.overhead_energy_mj;
  j["avg_power_w"] = report.avg_power_w;
  j["totals"] = {
      {"macs", report.totals.macs},
      {"flops", report.totals.flops},
      {"params", report.totals.params},
      {"bytes", Count(bytes)},
      {"param_bytes", report.totals.param_bytes},
  };
  j["nodes"] = report.nodes;
  j["layers"] = std::move(layers);
  j["warnings"] = report.warnings;
  // Names come from untrusted model files: replace invalid UTF-8 rather than throw.
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace odonata
