// `odonata partition` output: one row per cut point as a table, JSON, CSV or
// an HTML page with the cost per cut charted.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "format.h"
#include "html_charts.h"
#include "odonata/errors.h"
#include "odonata/partition.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using Json = nlohmann::ordered_json;
using report::Align;
using report::FormatFixed;
using report::FormatNumber;

std::string TensorNames(const std::vector<CutTensor>& tensors) {
  std::vector<std::string> names;
  for (const CutTensor& t : tensors) names.push_back(t.name);
  return names.empty() ? "-" : report::Join(names, ",");
}

std::string Constraint(const std::optional<double>& v, const char* unit) {
  return v ? FormatNumber(*v) + " " + unit : "none";
}

std::string EncodingLine(const PartitionReport& r) {
  if (!r.encoding.bits) return "as stored (no --bits), uncompressed";
  return std::to_string(*r.encoding.bits) + " bits + " + std::to_string(kQuantMetadataBytes) +
         " B per tensor; Relu outputs zero-value compressed at zero fraction " +
         FormatNumber(r.encoding.zero_fraction.value);
}

std::string CutNote(const Cut& c) {
  if (c.best) return "best";
  return c.feasible ? "" : "over limit";
}

// ms and mJ with three decimals: a small layer takes microseconds.
std::string Cell(double v) { return FormatFixed(v, 3); }

void WriteTableReport(const PartitionReport& r, std::ostream& out) {
  out << "model      " << r.model << "  (" << r.model_path << ")\n";
  out << "node       " << r.node_platform << "  (" << PrecisionName(r.node_precision) << ")\n";
  out << "remote     " << (r.remote_platform.empty() ? "none: remote time not modelled" : r.remote_platform) << '\n';
  out << "link       " << r.link.name << ": " << r.link.description << '\n';
  out << "encoding   " << EncodingLine(r) << '\n';
  out << "objective  " << ObjectiveName(r.options.objective) << "; max latency "
      << Constraint(r.options.max_latency_ms, "ms") << ", max node energy "
      << Constraint(r.options.max_node_energy_mj, "mJ") << '\n';
  out << "results    " << (r.options.results_on_node ? "stay on the node" : "wanted remotely") << "\n\n";

  std::vector<std::vector<std::string>> rows;
  for (const Cut& c : r.cuts) {
    rows.push_back({std::to_string(c.index), c.index == 0 ? "(input)" : c.after_layer, TensorNames(c.tensors),
                    report::GroupThousands(c.bytes + c.return_bytes), std::to_string(c.packets), Cell(c.node_ms),
                    Cell(c.link_ms), Cell(c.remote_ms), Cell(c.total_ms), Cell(c.node_mj), Cell(c.link_mj),
                    Cell(c.idle_mj), Cell(c.node_energy_mj), CutNote(c)});
  }
  report::WriteTable({{"cut", Align::kRight},
                      {"after layer", Align::kLeft, report::Elide::kMiddle, 16},
                      {"sent", Align::kLeft, report::Elide::kMiddle, 12},
                      {"bytes", Align::kRight},
                      {"pkts", Align::kRight},
                      {"node ms", Align::kRight},
                      {"link ms", Align::kRight},
                      {"remote ms", Align::kRight},
                      {"total ms", Align::kRight},
                      {"node mJ", Align::kRight},
                      {"link mJ", Align::kRight},
                      {"idle mJ", Align::kRight},
                      {"energy mJ", Align::kRight},
                      {"", Align::kLeft}},
                     rows, 160, out);
  out << '\n';
  if (r.best) {
    const Cut& b = r.cuts[*r.best];
    out << "best       cut " << b.index << (b.index == 0 ? " (send the input)" : " after " + b.after_layer) << ": "
        << Cell(b.total_ms) << " ms end to end, " << Cell(b.node_energy_mj) << " mJ on the node ("
        << ObjectiveName(r.options.objective) << ")\n";
  } else {
    out << "best       none: no cut meets the constraints\n";
  }
  out << "\nassumptions\n";
  for (const std::string& a : r.assumptions) out << "  - " << a << '\n';
}

Json TensorsJson(const std::vector<CutTensor>& tensors) {
  Json list = Json::array();
  for (const CutTensor& t : tensors) {
    list.push_back({{"name", t.name},
                    {"shape", t.shape},
                    {"dtype", DataTypeName(t.dtype)},
                    {"elements", t.elements},
                    {"bytes", t.bytes},
                    {"quantized", t.quantized},
                    {"compressed", t.compressed}});
  }
  return list;
}

Json SourcedJson(const Sourced& s) { return {{"value", s.value}, {"source", s.source}}; }

void WriteJson(const PartitionReport& r, std::ostream& out) {
  Json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["model"] = r.model;
  j["model_path"] = r.model_path;
  j["platform"] = r.node_platform;
  j["precision"] = PrecisionName(r.node_precision);
  j["remote"] = r.remote_platform.empty() ? Json(nullptr) : Json(r.remote_platform);
  const Link& l = r.link;
  j["link"] = {{"name", l.name},
               {"description", l.description},
               {"rate_bytes_per_s", SourcedJson(l.rate_bytes_per_s)},
               {"payload_bytes", SourcedJson(l.payload_bytes)},
               {"overhead_bytes", SourcedJson(l.overhead_bytes)},
               {"per_packet_ms", SourcedJson(l.per_packet_ms)},
               {"tx_power_w", SourcedJson(l.tx_power_w)},
               {"rx_power_w", SourcedJson(l.rx_power_w)},
               {"duty_cycle", SourcedJson(l.duty_cycle)},
               {"setup_ms", SourcedJson(l.setup_ms)},
               {"setup_w", SourcedJson(l.setup_w)},
               {"tail_ms", SourcedJson(l.tail_ms)},
               {"tail_w", SourcedJson(l.tail_w)}};
  j["encoding"] = {{"bits", r.encoding.bits ? Json(*r.encoding.bits) : Json(nullptr)},
                   {"metadata_bytes", r.encoding.bits ? kQuantMetadataBytes : 0},
                   {"zero_fraction", r.encoding.bits ? SourcedJson(r.encoding.zero_fraction) : Json(nullptr)}};
  j["objective"] = ObjectiveName(r.options.objective);
  j["constraints"] = {
      {"max_latency_ms", r.options.max_latency_ms ? Json(*r.options.max_latency_ms) : Json(nullptr)},
      {"max_node_energy_mj", r.options.max_node_energy_mj ? Json(*r.options.max_node_energy_mj) : Json(nullptr)}};
  j["results"] = r.options.results_on_node ? "node" : "remote";
  Json cuts = Json::array();
  for (const Cut& c : r.cuts) {
    cuts.push_back({{"index", c.index},
                    {"after_layer", c.index == 0 ? Json(nullptr) : Json(c.after_layer)},
                    {"tensors", TensorsJson(c.tensors)},
                    {"bytes", c.bytes},
                    {"returned", TensorsJson(c.returned)},
                    {"return_bytes", c.return_bytes},
                    {"packets", c.packets},
                    {"node_ms", c.node_ms},
                    {"node_mj", c.node_mj},
                    {"link_ms", c.link_ms},
                    {"link_mj", c.link_mj},
                    {"remote_ms", c.remote_ms},
                    {"idle_mj", c.idle_mj},
                    {"total_ms", c.total_ms},
                    {"node_energy_mj", c.node_energy_mj},
                    {"feasible", c.feasible},
                    {"best", c.best}});
  }
  j["cuts"] = std::move(cuts);
  j["best"] = r.best ? Json(*r.best) : Json(nullptr);
  j["assumptions"] = r.assumptions;
  j["warnings"] = r.warnings;
  out << j.dump(2) << '\n';
}

void WriteCsv(const PartitionReport& r, std::ostream& out) {
  report::WriteCsvRecord(
      {"index", "after_layer", "tensors", "bytes", "return_bytes", "packets", "node_ms", "node_mj", "link_ms",
       "link_mj", "remote_ms", "idle_mj", "total_ms", "node_energy_mj", "feasible", "best"},
      out);
  for (const Cut& c : r.cuts) {
    std::vector<std::string> names;
    for (const CutTensor& t : c.tensors) names.push_back(t.name);
    report::WriteCsvRecord({std::to_string(c.index), c.after_layer, report::Join(names, ";"), std::to_string(c.bytes),
                            std::to_string(c.return_bytes), std::to_string(c.packets), FormatNumber(c.node_ms),
                            FormatNumber(c.node_mj), FormatNumber(c.link_ms), FormatNumber(c.link_mj),
                            FormatNumber(c.remote_ms), FormatNumber(c.idle_mj), FormatNumber(c.total_ms),
                            FormatNumber(c.node_energy_mj), c.feasible ? "true" : "false", c.best ? "true" : "false"},
                           out);
  }
}

// One chart of several costs per cut, as lines over the cut index; the best
// cut's point on the last series (the total) is highlighted. A log axis when
// the values span more than three decades (LoRa's seconds next to a layer's
// microseconds); zeros are then left out.
std::string CostChart(const PartitionReport& r, const std::vector<std::pair<std::string, double Cut::*>>& series,
                      const std::string& title, const std::string& unit) {
  double lo = 0, hi = 0;
  for (const Cut& c : r.cuts) {
    for (const auto& [name, member] : series) {
      const double v = c.*member;
      if (v > 0 && (lo == 0 || v < lo)) lo = v;
      hi = std::max(hi, v);
    }
  }
  const bool log = lo > 0 && hi / lo > 1e3;
  std::vector<html::Line> lines;
  std::vector<html::Point> points;
  for (const auto& [name, member] : series) {
    html::Line line;
    line.label = name;
    for (const Cut& c : r.cuts) {
      const double v = c.*member;
      if (log && v <= 0) continue;
      line.points.emplace_back(static_cast<double>(c.index), v);
      if (&member == &series.back().second) {
        html::Point p;
        p.x = static_cast<double>(c.index);
        p.y = v;
        p.group = "";  // the line already has the legend entry
        p.highlight = c.best;
        p.label = c.best ? "best: cut " + std::to_string(c.index) : "";
        p.tooltip = "cut " + std::to_string(c.index) + (c.index ? " after " + c.after_layer : " (input)") + ": " +
                    FormatNumber(v) + " " + unit + (c.feasible ? "" : " (over limit)");
        points.push_back(std::move(p));
      }
    }
    lines.push_back(std::move(line));
  }
  return html::ScatterChart(points, lines, {"cut (layers on the node)", false}, {title + " (" + unit + ")", log},
                            title + " per cut");
}

}  // namespace

void RenderPartition(const PartitionReport& report, Format format, std::ostream& out) {
  static constexpr report::Renderers<PartitionReport, 4> kRenderers{
      "partition", {WriteTableReport, WriteJson, WriteCsv, [](const PartitionReport& r, std::ostream& o) {
                      o << RenderPartitionHtml(r);
                    }}};
  report::Dispatch(kRenderers, report, format, out);
}

std::string RenderPartitionHtml(const PartitionReport& r) {
  std::string body = "<h1>" + html::Escape(r.model) + ": partition between " + html::Escape(r.node_platform) + " and " +
                     html::Escape(r.remote_platform.empty() ? "a remote side" : r.remote_platform) + " over " +
                     html::Escape(r.link.name) + "</h1>\n";
  body += "<p>" + html::Escape(r.link.name + ": " + r.link.description) +
          "<br>encoding: " + html::Escape(EncodingLine(r)) +
          "<br>objective: " + html::Escape(ObjectiveName(r.options.objective)) + "; max latency " +
          html::Escape(Constraint(r.options.max_latency_ms, "ms")) + ", max node energy " +
          html::Escape(Constraint(r.options.max_node_energy_mj, "mJ")) + "</p>\n";
  if (r.best) {
    const Cut& b = r.cuts[*r.best];
    body += "<p><strong>best: cut " + std::to_string(b.index) +
            html::Escape(b.index == 0 ? " (send the input)" : " after " + b.after_layer) + "</strong>, " +
            FormatFixed(b.total_ms, 3) + " ms end to end, " + FormatFixed(b.node_energy_mj, 3) +
            " mJ on the node</p>\n";
  } else {
    body += "<p><strong>no cut meets the constraints</strong></p>\n";
  }
  body += CostChart(
      r, {{"node", &Cut::node_ms}, {"link", &Cut::link_ms}, {"remote", &Cut::remote_ms}, {"total", &Cut::total_ms}},
      "time", "ms");
  body += CostChart(r,
                    {{"node layers", &Cut::node_mj},
                     {"radio", &Cut::link_mj},
                     {"idle", &Cut::idle_mj},
                     {"node total", &Cut::node_energy_mj}},
                    "node energy", "mJ");
  html::Table table;
  table.header = {"cut",       "after layer", "sent",    "bytes",   "packets", "node ms",        "link ms",
                  "remote ms", "total ms",    "node mJ", "link mJ", "idle mJ", "node energy mJ", ""};
  table.numeric = {true, false, false, true, true, true, true, true, true, true, true, true, true, false};
  for (const Cut& c : r.cuts) {
    table.rows.push_back({std::to_string(c.index), c.index == 0 ? "(input)" : c.after_layer, TensorNames(c.tensors),
                          report::GroupThousands(c.bytes + c.return_bytes), std::to_string(c.packets),
                          FormatFixed(c.node_ms, 3), FormatFixed(c.link_ms, 3), FormatFixed(c.remote_ms, 3),
                          FormatFixed(c.total_ms, 3), FormatFixed(c.node_mj, 3), FormatFixed(c.link_mj, 3),
                          FormatFixed(c.idle_mj, 3), FormatFixed(c.node_energy_mj, 3), CutNote(c)});
  }
  body += html::TableHtml(table);
  body += "<h2>Assumptions</h2>\n<ul>\n";
  for (const std::string& a : r.assumptions) body += "<li>" + html::Escape(a) + "</li>\n";
  body += "</ul>\n";
  return html::Page("odonata partition: " + r.model, body);
}

}  // namespace odonata
