// The estimate as one self-contained HTML page: summary, per-layer latency
// and energy bars, the platform's roofline with every layer on it, time per op
// type and the layer table. Charts come from html.h (inline SVG, no scripts).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "format.h"
#include "html_charts.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using html::Escape;

// How many of the slowest layers are labelled on the roofline.
constexpr std::size_t kLabelledLayers = 5;
// Most bars in a per-layer chart.
constexpr std::size_t kMaxLayerBars = 100;

// Op class -> colour, from the classes of all rows in sorted order: every
// chart on the page shows a class in the same colour, also a chart of a
// subset of the layers.
using ClassColours = std::map<std::string, std::string>;
ClassColours ColoursOf(const Report& r) {
  ClassColours colours;
  for (const ReportRow& row : r.rows) colours[OpClassName(row.layer.op_class)];
  std::size_t index = 0;
  for (auto& [name, colour] : colours) colour = html::PaletteColour(index++);
  return colours;
}

std::string RowLabel(std::size_t index, const ReportRow& row) {
  return "#" + std::to_string(index + 1) + " " + row.layer.name;
}

std::string Ms(double ms) { return report::FormatFixed(ms, 3) + " ms"; }
std::string MilliJoules(double mj) { return report::FormatFixed(mj, 3) + " mJ"; }

// Key-value rows of the summary; values are escaped here.
std::string Summary(const Report& r) {
  double layers_ms = 0;
  for (const ReportRow& row : r.rows) layers_ms += row.ms;
  const auto with_path = [](const std::string& name, const std::string& path) {
    return path.empty() ? name : name + "  (" + path + ")";
  };
  const Counts& t = r.totals;
  const std::vector<std::pair<std::string, std::string>> items = {
      {"model", with_path(r.model, r.model_path)},
      {"platform", with_path(r.platform, r.platform_path)},
      {"precision", std::string(PrecisionName(r.precision)) + "  (peak " + report::FormatNumber(r.peak_gops) +
                        " GOP/s, bandwidth " + report::FormatNumber(r.bandwidth_gbps) + " GB/s)"},
      {"quantization", report::QuantizationText(r)},
      {"nodes", std::to_string(r.nodes) + " ONNX nodes in " + std::to_string(r.rows.size()) + " layers after fusion"},
      {"layers", r.dispatch_ms > 0 ? Ms(layers_ms) + "  (of which dispatch " + Ms(r.dispatch_ms) + ")"
                                        : Ms(layers_ms)},
      {"overhead", Ms(r.overhead_ms)},
      {"reorders", r.reorders ? Ms(r.reorders->ms) + "  (" + report::ReorderText(*r.reorders) + ")" : ""},
      {"total", report::TrustedMs(r, r.total_ms) + " ms  (" + report::IntervalText(r) + ")"},
      {"trust", report::ValidationText(r)},
      {"energy", MilliJoules(r.energy_mj) + "  (overhead " + MilliJoules(r.overhead_energy_mj) + " at idle power" +
                     (r.reorders ? "; reorders " + MilliJoules(r.reorders->energy_mj) : "") + ")"},
      {"avg power", report::FormatFixed(r.avg_power_w, 2) + " W"},
      {"MACs", report::HumanCount(static_cast<double>(t.macs)) + "  (" + report::GroupThousands(t.macs) + ")"},
      {"FLOPs", report::HumanCount(static_cast<double>(t.flops)) + "  (" + report::GroupThousands(t.flops) + ")"},
      {"params", report::HumanCount(static_cast<double>(t.params)) + "  (" + report::GroupThousands(t.params) + "; " +
                     report::HumanBytes(static_cast<double>(t.param_bytes)) + " as stored)"},
  };
  std::string out = "<table class=\"summary\">\n";
  for (const auto& [key, value] : items) {
    if (key == "quantization" && value.empty()) continue;  // a float model
    if (key == "reorders" && value.empty()) continue;      // a profile without reorder costs
    out += "<tr class=\"" + Escape(key == "avg power" ? "avg-power" : key) + "\"><th>" + Escape(key) + "</th><td>" +
           Escape(value) + "</td></tr>\n";
  }
  out += "</table>\n";
  if (!r.warnings.empty()) {
    out += "<h2>Warnings</h2>\n<ul class=\"warnings\">\n";
    for (const std::string& w : r.warnings) out += "<li class=\"warning\">" + Escape(w) + "</li>\n";
    out += "</ul>\n";
  }
  return out;
}

// Every layer in network order; beyond kMaxLayerBars (a 1000-layer detector
// would make a chart 16,000 px tall) the slowest (or most energy-hungry)
// ones, largest first, with a note. The table below has them all.
std::string LayerBars(const Report& r, bool energy, const ClassColours& colours) {
  const auto value = [&](std::size_t i) { return energy ? r.rows[i].energy_mj : r.rows[i].ms; };
  std::vector<std::size_t> shown(r.rows.size());
  for (std::size_t i = 0; i < shown.size(); ++i) shown[i] = i;
  const bool cut = shown.size() > kMaxLayerBars;
  if (cut) {
    std::stable_sort(shown.begin(), shown.end(), [&](std::size_t a, std::size_t b) { return value(a) > value(b); });
    shown.resize(kMaxLayerBars);
  }
  std::vector<html::Bar> bars;
  for (std::size_t i : shown) {
    const ReportRow& row = r.rows[i];
    html::Bar bar;
    bar.label = RowLabel(i, row);
    bar.value = value(i);
    bar.group = OpClassName(row.layer.op_class);
    bar.colour = colours.at(bar.group);
    bar.tooltip = bar.label + " (" + report::OpsLabel(row.layer) + "): " + Ms(row.ms) + ", " +
                  report::FormatFixed(row.percent, 1) + "% of total, " + MilliJoules(row.energy_mj) + "; " +
                  BoundName(row.estimate.bound) + " bound, " + row.estimate.estimator;
    bars.push_back(std::move(bar));
  }
  const std::string what = energy ? "energy" : "latency";
  std::string out =
      energy
          ? html::BarChart(bars, cut ? "Energy per layer (mJ), largest first" : "Energy per layer (mJ)", "energy (mJ)")
          : html::BarChart(bars, cut ? "Latency per layer (ms), slowest first" : "Latency per layer (ms)",
                           "latency (ms)");
  if (cut) {
    out += "<p class=\"note\">The " + std::to_string(kMaxLayerBars) + " layers with the most " + what + " of " +
           std::to_string(r.rows.size()) + "; the table below lists them all.</p>\n";
  }
  return out;
}

// Each layer at (ops / bytes, ops / time) under the platform's roofs. Layers
// without ops, bytes or time have no place on it and are counted instead.
std::string Roofline(const Report& r, const ClassColours& colours) {
  const auto plottable = [](const LayerEstimate& e) { return e.ops > 0 && e.bytes > 0 && e.ms > 0; };
  std::vector<std::size_t> slowest;
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    if (plottable(r.rows[i].estimate)) slowest.push_back(i);
  }
  const std::size_t plotted = slowest.size();
  const std::size_t left_off = r.rows.size() - plotted;
  std::stable_sort(slowest.begin(), slowest.end(),
                   [&](std::size_t a, std::size_t b) { return r.rows[a].ms > r.rows[b].ms; });
  slowest.resize(std::min(kLabelledLayers, slowest.size()));

  std::vector<html::Point> points;
  double x_lo = 0, x_hi = 0;
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const ReportRow& row = r.rows[i];
    const LayerEstimate& e = row.estimate;
    html::Point p;
    if (!plottable(e)) continue;
    p.group = OpClassName(row.layer.op_class);
    p.colour = colours.at(p.group);
    p.x = e.ops / e.bytes;     // ops/byte
    p.y = e.ops / e.ms / 1e6;  // ops/ms -> GOP/s
    p.label = "#" + std::to_string(i + 1);
    p.highlight = std::find(slowest.begin(), slowest.end(), i) != slowest.end();
    p.tooltip = RowLabel(i, row) + " (" + report::OpsLabel(row.layer) + "): " + report::FormatFixed(p.x, 2) +
                " ops/byte, " + report::FormatFixed(p.y, 2) + " GOP/s, " + Ms(row.ms) + ", " + BoundName(e.bound) +
                " bound";
    const bool first = x_lo == 0;
    x_lo = first ? p.x : std::min(x_lo, p.x);
    x_hi = first ? p.x : std::max(x_hi, p.x);
    points.push_back(std::move(p));
  }

  std::vector<html::Line> lines;
  if (r.peak_gops > 0 && r.bandwidth_gbps > 0) {
    // GB/s x ops/byte = GOP/s; the roofs meet at the ridge point.
    const double ridge = r.peak_gops / r.bandwidth_gbps;
    const double from = (plotted == 0 ? ridge : std::min(x_lo, ridge)) / 4;
    const double to = (plotted == 0 ? ridge : std::max(x_hi, ridge)) * 4;
    html::Line roof;
    roof.points = {{from, r.bandwidth_gbps * from}, {ridge, r.peak_gops}, {to, r.peak_gops}};
    roof.label =
        "roof: " + report::FormatNumber(r.peak_gops) + " GOP/s, " + report::FormatNumber(r.bandwidth_gbps) + " GB/s";
    lines.push_back(std::move(roof));
  }
  // Quantized layers ran under the int8 roofs (Report::quantization): a second roof.
  const QuantizationSummary& q = r.quantization;
  if (q.layers > 0 && q.precision && *q.precision != r.precision && q.peak_gops > 0 && q.bandwidth_gbps > 0) {
    const double ridge = q.peak_gops / q.bandwidth_gbps;
    const double from = (plotted == 0 ? ridge : std::min(x_lo, ridge)) / 4;
    const double to = (plotted == 0 ? ridge : std::max(x_hi, ridge)) * 4;
    html::Line roof;
    roof.points = {{from, q.bandwidth_gbps * from}, {ridge, q.peak_gops}, {to, q.peak_gops}};
    roof.label = std::string(PrecisionName(*q.precision)) + " roof (quantized layers): " +
                 report::FormatNumber(q.peak_gops) + " GOP/s, " + report::FormatNumber(q.bandwidth_gbps) + " GB/s";
    lines.push_back(std::move(roof));
  }
  std::string out = html::ScatterChart(
      points, lines, {"arithmetic intensity (ops/byte)", true}, {"attained performance (GOP/s)", true},
      "Layers on the " + std::string(PrecisionName(r.precision)) + " roofline of " + r.platform);
  out +=
      "<p class=\"note\">Each layer at its arithmetic intensity (ops per byte moved) and the throughput its "
      "estimate implies (ops per ms of one execution); the " +
      std::to_string(slowest.size()) + " slowest are circled and numbered as in the table.";
  if (left_off > 0) {
    out += " " + std::to_string(left_off) + (left_off == 1 ? " layer" : " layers") +
           " with no ops, no bytes or no time (free, data movement) " + (left_off == 1 ? "is" : "are") +
           " not plotted.";
  }
  return out + "</p>\n";
}

// Time per main op type, slowest first, as bars and a table.
std::string ByOpType(const Report& r, const ClassColours& colours) {
  struct Sum {
    std::string op, op_class;
    double ms = 0, energy_mj = 0;
    int layers = 0;
  };
  // By (op, class): a Conv may be a conv or a dwconv layer.
  std::map<std::pair<std::string, std::string>, Sum> sums;
  std::map<std::string, int> classes_of_op;
  double layers_ms = 0;
  for (const ReportRow& row : r.rows) {
    const std::string op = row.layer.domain.empty() ? row.layer.op_type : row.layer.domain + "." + row.layer.op_type;
    const std::string op_class = OpClassName(row.layer.op_class);
    Sum& s = sums[{op, op_class}];
    if (s.layers == 0) ++classes_of_op[op];
    s.op = op;
    s.op_class = op_class;
    s.ms += row.ms;
    s.energy_mj += row.energy_mj;
    ++s.layers;
    layers_ms += row.ms;
  }
  std::vector<Sum> ordered;
  for (const auto& [key, s] : sums) ordered.push_back(s);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Sum& a, const Sum& b) { return a.ms > b.ms; });
  std::vector<html::Bar> bars;
  html::Table table;
  table.header = {"op", "class", "layers", "ms", "% of layers", "mJ"};
  table.numeric = {false, false, true, true, true, true};
  for (const Sum& s : ordered) {
    const double percent = layers_ms > 0 ? 100 * s.ms / layers_ms : 0;
    const std::string label = classes_of_op[s.op] > 1 ? s.op + " (" + s.op_class + ")" : s.op;
    html::Bar bar;
    bar.label = label;
    bar.value = s.ms;
    bar.group = s.op_class;
    bar.colour = colours.at(s.op_class);
    bar.tooltip = label + ": " + Ms(s.ms) + " in " + std::to_string(s.layers) +
                  (s.layers == 1 ? " layer, " : " layers, ") + report::FormatFixed(percent, 1) + "% of layer time";
    bars.push_back(std::move(bar));
    table.rows.push_back({s.op, s.op_class, std::to_string(s.layers), report::FormatFixed(s.ms, 3),
                          report::FormatFixed(percent, 1), report::FormatFixed(s.energy_mj, 3)});
  }
  return html::BarChart(bars, "Latency by op type (of each layer's main op)", "latency (ms)") + html::TableHtml(table);
}

std::string LayerTable(const Report& r) {
  html::Table table;
  table.header = {"#", "layer", "op", "output", "MACs", "bytes", "bound", "estimator", "ms", "%", "mJ", "flags"};
  table.numeric = {true, false, false, false, true, true, false, false, true, true, true, false};
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    table.rows.push_back(report::LayerRowCells(i, r.rows[i], report::OpsLabel(r.rows[i].layer)));
  }
  return html::TableHtml(table);
}

}  // namespace

void RenderHtml(const Report& report, std::ostream& out) {
  const std::string title = report.model + " on " + report.platform + " (" + PrecisionName(report.precision) + ")";
  std::string body = "<h1>" + Escape(title) + "</h1>\n";
  body += Summary(report);
  const ClassColours colours = ColoursOf(report);
  body += "<h2>Per layer</h2>\n" + LayerBars(report, false, colours) + LayerBars(report, true, colours);
  body += "<h2>Roofline</h2>\n" + Roofline(report, colours);
  body += "<h2>By op type</h2>\n" + ByOpType(report, colours);
  body += "<h2>Layers</h2>\n" + LayerTable(report);
  body += "<p class=\"note\">total = sum of the layer rows + overhead. Generated by odonata.</p>\n";
  out << html::Page("odonata: " + title, body);
}

}  // namespace odonata
