// One CSV record per fused layer, then the overhead, reorders (profiles with fitted
// NCHWc reorder costs only) and total records, told apart by the column `kind` (layer,
// overhead, reorders, total; appended, as every new column, so older readers' positions hold). Columns: docs/report-format.md.
#include <string>
#include <vector>

#include "format.h"
#include "odonata/render.h"

namespace odonata {
void RenderCsv(const Report& report, std::ostream& out) {
  // A column `cache` (warm or cold on the total record) only for profiles with
  // warm class models, so that other reports keep their columns.
  const bool cache = report.cache.has_value();
  auto record = [&](std::vector<std::string> fields, const std::string& cache_field) {
    if (cache) fields.push_back(cache_field);
    report::WriteCsvRecord(fields, out);
  };
  record({"index", "name", "op", "covers", "output_shape", "macs", "flops", "params", "bytes", "bound",
                          "estimator", "utilisation", "ms", "percent", "repeat", "flags", "energy_mj", "kind", "total_rounded",
                          "interval_low_ms", "interval_high_ms", "validated_mape", "validated_networks", "precision", "quantized",
                          "param_bytes", "quantized_macs_percent"},
         "cache");
  double bytes = 0;
  for (std::size_t i = 0; i < report.rows.size(); ++i) {
    const ReportRow& row = report.rows[i];
    const Layer& layer = row.layer;
    bytes += row.estimate.bytes * static_cast<double>(layer.repeat);  // per inference
    record(
        {
            std::to_string(i + 1),
            layer.name,
            report::OpsLabel(layer),
            report::Join(layer.covers, ";"),
            layer.outputs.empty() ? "" : ShapeToString(layer.outputs[0].shape),
            std::to_string(layer.counts.macs),
            std::to_string(layer.counts.flops),
            std::to_string(layer.counts.params),
            report::FormatNumber(row.estimate.bytes),
            BoundName(row.estimate.bound),
            row.estimate.estimator,
            report::FormatNumber(row.estimate.utilisation),
            report::FormatNumber(row.ms),
            report::FormatNumber(row.percent),
            std::to_string(layer.repeat),
            report::Join(row.flags, ";"),
            report::FormatNumber(row.energy_mj),
            "layer",
            "",
            "",
            "",
            "",
            "",
            PrecisionName(row.precision),
            row.quantized ? "1" : "0",
            std::to_string(layer.counts.param_bytes),
            "",
        },
        "");
  }
  const double overhead_percent = report.total_ms > 0 ? 100.0 * report.overhead_ms / report.total_ms : 0.0;
  record(
      {"", "OVERHEAD", "", "", "", "", "", "", "", "", "", "", report::FormatNumber(report.overhead_ms),
       report::FormatNumber(overhead_percent), "", "", report::FormatNumber(report.overhead_energy_mj), "overhead", "",
       "", "", "", "", "", "", "", ""},
      "");
  // Only for profiles with fitted NCHWc reorder costs: `repeat` holds how many reorders.
  if (report.reorders) {
    const ReorderTerm& r = *report.reorders;
    const double percent = report.total_ms > 0 ? 100.0 * r.ms / report.total_ms : 0.0;
    record({"", "REORDERS", "", "", "", "", "", "", "", "", "", "", report::FormatNumber(r.ms),
            report::FormatNumber(percent), std::to_string(r.Count()), "", report::FormatNumber(r.energy_mj), "reorders",
            "", "", "", "", "", "", "", "", ""},
           "");
  }
  record(
      {"", "TOTAL", "", "", "", std::to_string(report.totals.macs), std::to_string(report.totals.flops),
       std::to_string(report.totals.params), report::FormatNumber(bytes), "", "", "",
       report::FormatNumber(report.total_ms), report.total_ms > 0 ? "100" : "0", "", "",
       report::FormatNumber(report.energy_mj), "total", report::TrustedMs(report, report.total_ms),
       report.interval ? report::FormatNumber(report.interval->low_ms) : "",
       report.interval ? report::FormatNumber(report.interval->high_ms) : "",
       report.validation ? report::FormatNumber(report.validation->mape) : "",
       report.validation ? std::to_string(report.validation->networks) : "", PrecisionName(report.precision),
       std::to_string(report.quantization.layers), std::to_string(report.totals.param_bytes),
       report::FormatNumber(report.quantization.macs_percent)},
      cache ? report.cache->StateText() : "");
}

}  // namespace odonata
