// Human-readable report: a header block, one aligned row per fused layer, totals.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "format.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using report::Align;
using report::Column;
using report::Elide;

// Keep the table readable in a 140-column terminal; names and op chains give way.
constexpr std::size_t kMaxWidth = 140;

// Op chain for the table only: "BatchNormalization" is the one long op name
// that shows up in almost every fused CNN layer.
std::string ShortOps(const Layer& layer) {
  std::string text;
  bool first = true;
  auto add = [&](std::string_view op) {
    if (!first) text += '+';
    first = false;
    text += op == "BatchNormalization" ? std::string_view("BN") : op;
  };
  if (layer.covered_ops.empty()) add(layer.op_type);
  for (const std::string& op : layer.covered_ops) add(op);
  return text;
}

void Line(std::ostream& out, const std::string& key, const std::string& value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%-11s", key.c_str());
  out << buf << value << '\n';
}

std::string Milliseconds(double ms) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%10s ms", report::FormatFixed(ms, 3).c_str());
  return buf;
}

}  // namespace

void RenderTable(const Report& report, std::ostream& out) {
  Line(out, "model", report.model + (report.model_path.empty() ? "" : "  (" + report.model_path + ")"));
  Line(out, "platform", report.platform + (report.platform_path.empty() ? "" : "  (" + report.platform_path + ")"));
  Line(out, "precision", report::PrecisionText(report));
  Line(out, "nodes",
       std::to_string(report.nodes) + " ONNX nodes in " + std::to_string(report.rows.size()) + " layers after fusion");
  out << '\n';

  const std::vector<Column> columns = {
      {"#", Align::kRight},
      {"layer", Align::kLeft, Elide::kMiddle, 16},
      {"op", Align::kLeft, Elide::kEnd, 12},
      {"output", Align::kLeft, Elide::kEnd, 12},
      {"MACs", Align::kRight},
      {"bytes", Align::kRight},
      {"bound", Align::kLeft},
      {"estimator", Align::kLeft},
      {"ms", Align::kRight},
      {"%", Align::kRight},
      {"mJ", Align::kRight},
      {"flags", Align::kLeft, Elide::kEnd, 10},
  };
  std::vector<std::vector<std::string>> cells;
  double layers_ms = 0;
  for (std::size_t i = 0; i < report.rows.size(); ++i) {
    const ReportRow& row = report.rows[i];
    layers_ms += row.ms;
    cells.push_back(report::LayerRowCells(i, row, ShortOps(row.layer)));
  }
  report::WriteTable(columns, cells, report::TableWidth(kMaxWidth), out);
  out << '\n';

  const Counts& t = report.totals;
  if (report.dispatch_ms > 0) {
    Line(out, "layers", Milliseconds(layers_ms) + "  (of which dispatch " + report::FormatFixed(report.dispatch_ms, 4) +
                            " ms: the runtime's cost per executed node)");
  } else {
    Line(out, "layers", Milliseconds(layers_ms));
  }
  Line(out, "overhead", Milliseconds(report.overhead_ms));
  if (report.reorders) Line(out, "reorders", Milliseconds(report.reorders->ms) + "  (" + report::ReorderText(*report.reorders) + ")");
  // The total rounded to the validated error, its interval, and the error.
  char total[64];
  std::snprintf(total, sizeof total, "%10s ms", report::TrustedMs(report, report.total_ms).c_str());
  Line(out, "total", std::string(total) + "  (" + report::IntervalText(report) + ")");
  // The only free-text line that can be long: cut to the table's width.
  Line(out, "trust",
       report::Ellipsize(report::ValidationText(report), report::TableWidth(kMaxWidth) - 11, report::Elide::kEnd));
  if (report.cache) Line(out, "cache", report::CacheText(*report.cache));
  std::string energy = Milliseconds(report.energy_mj);
  energy.replace(energy.size() - 2, 2, "mJ");
  Line(out, "energy",
       energy + "  (avg " + report::FormatFixed(report.avg_power_w, 2) + " W; overhead " +
           report::FormatFixed(report.overhead_energy_mj, 3) + " mJ at idle power" +
           (report.reorders ? "; reorders " + report::FormatFixed(report.reorders->energy_mj, 3) + " mJ" : "") + ")");
  Line(out, "MACs", report::HumanCount(static_cast<double>(t.macs)) + "  (" + report::GroupThousands(t.macs) + ")");
  Line(out, "FLOPs", report::HumanCount(static_cast<double>(t.flops)) + "  (" + report::GroupThousands(t.flops) + ")");
  Line(out, "params",
       report::HumanCount(static_cast<double>(t.params)) + "  (" + report::GroupThousands(t.params) + "; " +
           report::HumanBytes(static_cast<double>(t.param_bytes)) + " as stored)");
}

}  // namespace odonata
