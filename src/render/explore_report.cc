// `odonata compare` and `odonata explore`: the candidates as a table, JSON,
// CSV or an HTML page with scatter plots. Schema: docs/report-format.md.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "format.h"
#include "html_charts.h"
#include "odonata/errors.h"
#include "odonata/explore.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using Json = nlohmann::ordered_json;

bool AnyAccuracy(const ExploreResult& r) {
  return std::any_of(r.candidates.begin(), r.candidates.end(),
                     [](const Candidate& c) { return c.accuracy.has_value(); });
}

std::string ObjectivesText(const Objectives& o) {
  std::vector<std::string> parts;
  if (o.latency) parts.push_back("latency");
  if (o.energy) parts.push_back("energy");
  if (o.price) parts.push_back("price");
  if (o.accuracy) parts.push_back("accuracy");
  return report::Join(parts, ", ");
}

std::string ConstraintsText(const Constraints& k) {
  std::vector<std::string> parts;
  if (k.max_latency_ms) parts.push_back("latency <= " + report::FormatNumber(*k.max_latency_ms) + " ms");
  if (k.max_energy_mj) parts.push_back("energy <= " + report::FormatNumber(*k.max_energy_mj) + " mJ");
  if (k.max_price_usd) parts.push_back("price <= " + report::FormatNumber(*k.max_price_usd) + " USD");
  if (k.min_accuracy) parts.push_back("accuracy >= " + report::FormatNumber(*k.min_accuracy));
  return report::Join(parts, ", ");
}

// Skipped combinations grouped by reason ("ncs2 has no fp32 (it has fp16)"),
// each with the models (and resolutions) it applies to, in first-seen order.
struct SkipGroup {
  std::string reason;
  std::size_t combinations = 0;
  std::vector<std::string> models;
};

std::vector<SkipGroup> GroupSkipped(const std::vector<Skipped>& skipped) {
  std::vector<SkipGroup> groups;
  for (const Skipped& s : skipped) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const SkipGroup& g) { return g.reason == s.reason; });
    if (it == groups.end()) it = groups.insert(groups.end(), SkipGroup{s.reason, 0, {}});
    it->combinations += s.combinations;
    const std::string model = s.model + (s.resolution.empty() ? "" : " at " + s.resolution);
    if (std::find(it->models.begin(), it->models.end(), model) == it->models.end()) it->models.push_back(model);
  }
  return groups;
}

std::string SkipLine(const SkipGroup& g) {
  return g.reason + ": " + std::to_string(g.combinations) + (g.combinations == 1 ? " combination" : " combinations") +
         " (" + report::Join(g.models, ", ") + ")";
}

std::string Summary(const ExploreResult& r) {
  std::size_t skipped = 0;
  for (const Skipped& s : r.skipped) skipped += s.combinations;
  std::ostringstream text;
  text << r.combinations << " combinations: " << r.candidates.size() + r.filtered << " estimated, " << r.filtered
       << " outside the constraints, " << skipped << " skipped; " << r.pareto_count << " Pareto-optimal (*) over "
       << ObjectivesText(r.objectives);
  return text.str();
}

void RenderTable(const ExploreResult& r, std::ostream& out) {
  using report::Align;
  using report::Elide;
  const bool accuracy = AnyAccuracy(r);
  std::vector<report::Column> columns = {
      {"", Align::kLeft},          {"model", Align::kLeft, Elide::kMiddle, 12},
      {"input", Align::kLeft},     {"platform", Align::kLeft},
      {"precision", Align::kLeft}, {"ms", Align::kRight},
      {"mJ", Align::kRight},       {"W", Align::kRight},
      {"img/s", Align::kRight},    {"USD", Align::kRight},
  };
  if (accuracy) columns.push_back({"accuracy", Align::kRight});
  std::vector<std::vector<std::string>> cells;
  for (const Candidate& c : r.candidates) {
    std::vector<std::string> row = {c.pareto ? "*" : "",
                                    c.model,
                                    c.resolution.empty() ? "-" : c.resolution,
                                    c.platform,
                                    PrecisionName(c.precision),
                                    report::FormatFixed(c.latency_ms, 3),
                                    report::FormatFixed(c.energy_mj, 2),
                                    report::FormatFixed(c.avg_power_w, 2),
                                    report::FormatFixed(c.throughput_ips, 1),
                                    report::FormatNumber(c.price_usd)};
    if (accuracy) row.push_back(c.accuracy ? report::FormatNumber(*c.accuracy) : "-");
    cells.push_back(std::move(row));
  }
  if (!r.constraints.Empty()) out << "constraints: " << ConstraintsText(r.constraints) << "\n\n";
  report::WriteTable(columns, cells, report::TableWidth(160), out);
  if (r.candidates.empty()) out << "(no candidate)\n";
  out << '\n' << Summary(r) << '\n';
  if (!r.skipped.empty()) {
    out << "skipped:\n";
    for (const SkipGroup& g : GroupSkipped(r.skipped)) out << "  " << SkipLine(g) << '\n';
  }
}

Json Optional(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

void RenderJson(const ExploreResult& r, std::ostream& out) {
  Json candidates = Json::array();
  for (const Candidate& c : r.candidates) {
    Json j;
    j["model"] = c.model;
    j["model_path"] = c.model_path;
    j["platform"] = c.platform;
    j["precision"] = PrecisionName(c.precision);
    j["resolution"] = c.resolution.empty() ? Json(nullptr) : Json(c.resolution);
    j["batch"] = c.batch;
    j["latency_ms"] = c.latency_ms;
    j["energy_mj"] = c.energy_mj;
    j["avg_power_w"] = c.avg_power_w;
    j["throughput_ips"] = c.throughput_ips;
    j["price_usd"] = c.price_usd;
    j["accuracy"] = Optional(c.accuracy);
    j["pareto"] = c.pareto;
    j["interval_low_ms"] = Optional(c.interval_low_ms);
    j["interval_high_ms"] = Optional(c.interval_high_ms);
    j["validated_mape"] = Optional(c.validated_mape);
    candidates.push_back(std::move(j));
  }
  Json skipped = Json::array();
  for (const Skipped& s : r.skipped) {
    auto or_null = [](const std::string& v) { return v.empty() ? Json(nullptr) : Json(v); };
    skipped.push_back(Json{{"model", s.model},
                           {"platform", or_null(s.platform)},
                           {"precision", or_null(s.precision)},
                           {"resolution", or_null(s.resolution)},
                           {"combinations", s.combinations},
                           {"reason", s.reason}});
  }
  Json objectives = Json::array();
  if (r.objectives.latency) objectives.push_back("latency_ms");
  if (r.objectives.energy) objectives.push_back("energy_mj");
  if (r.objectives.price) objectives.push_back("price_usd");
  if (r.objectives.accuracy) objectives.push_back("accuracy");
  Json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["combinations"] = r.combinations;
  j["objectives"] = std::move(objectives);
  j["constraints"] = Json{{"max_latency_ms", Optional(r.constraints.max_latency_ms)},
                          {"max_energy_mj", Optional(r.constraints.max_energy_mj)},
                          {"max_price_usd", Optional(r.constraints.max_price_usd)},
                          {"min_accuracy", Optional(r.constraints.min_accuracy)}};
  j["candidates"] = std::move(candidates);
  j["skipped"] = std::move(skipped);
  j["filtered"] = r.filtered;
  j["pareto_count"] = r.pareto_count;
  j["warnings"] = r.warnings;
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void RenderCsv(const ExploreResult& r, std::ostream& out) {
  report::WriteCsvRecord({"model", "model_path", "platform", "precision", "resolution", "batch", "latency_ms",
                          "energy_mj", "avg_power_w", "throughput_ips", "price_usd", "accuracy", "pareto",
                          "interval_low_ms", "interval_high_ms", "validated_mape"},
                         out);
  for (const Candidate& c : r.candidates) {
    report::WriteCsvRecord(
        {c.model, c.model_path, c.platform, PrecisionName(c.precision), c.resolution, std::to_string(c.batch),
         report::FormatNumber(c.latency_ms), report::FormatNumber(c.energy_mj), report::FormatNumber(c.avg_power_w),
         report::FormatNumber(c.throughput_ips), report::FormatNumber(c.price_usd),
         c.accuracy ? report::FormatNumber(*c.accuracy) : "", c.pareto ? "true" : "false",
         c.interval_low_ms ? report::FormatNumber(*c.interval_low_ms) : "",
         c.interval_high_ms ? report::FormatNumber(*c.interval_high_ms) : "",
         c.validated_mape ? report::FormatNumber(*c.validated_mape) : ""},
        out);
  }
}

// --- HTML ---------------------------------------------------------------------

// Next to a highlighted point: the platform is its colour, so model, input and precision.
std::string ShortLabel(const Candidate& c) {
  return c.model + (c.resolution.empty() ? "" : " " + c.resolution) + " " + PrecisionName(c.precision);
}

std::string Label(const Candidate& c) {
  return c.model + (c.resolution.empty() ? "" : " " + c.resolution) + " " + c.platform + " " +
         PrecisionName(c.precision);
}

// The 2-D Pareto front of the candidates in (x, y) as a line sorted by x.
// `x` and `y` read a candidate; `maximise_y` for accuracy.
template <typename X, typename Y>
html::Line Front2d(const std::vector<Candidate>& candidates, X x, Y y, bool maximise_y, const std::string& label) {
  std::vector<std::pair<double, double>> points;
  for (const Candidate& a : candidates) {
    const bool dominated = std::any_of(candidates.begin(), candidates.end(), [&](const Candidate& b) {
      const double ya = maximise_y ? -y(a) : y(a), yb = maximise_y ? -y(b) : y(b);
      return x(b) <= x(a) && yb <= ya && (x(b) < x(a) || yb < ya);
    });
    if (!dominated) points.emplace_back(x(a), y(a));
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  return html::Line{points, label};
}

// A log axis when the values span more than a factor of 30.
bool Wide(const std::vector<Candidate>& candidates, double (*value)(const Candidate&)) {
  double lo = HUGE_VAL, hi = 0;
  for (const Candidate& c : candidates) {
    if (value(c) <= 0) return false;
    lo = std::min(lo, value(c));
    hi = std::max(hi, value(c));
  }
  return !candidates.empty() && hi > 30 * lo;
}

double Latency(const Candidate& c) { return c.latency_ms; }
double Energy(const Candidate& c) { return c.energy_mj; }
double Price(const Candidate& c) { return c.price_usd; }

std::vector<html::Point> Points(const std::vector<Candidate>& candidates, double (*x)(const Candidate&),
                                double (*y)(const Candidate&)) {
  std::vector<html::Point> points;
  for (const Candidate& c : candidates) {
    html::Point p;
    p.x = x(c);
    p.y = y(c);
    p.label = ShortLabel(c);
    p.group = c.platform;
    p.shape = c.model + (c.resolution.empty() ? "" : " " + c.resolution);  // colour: platform, marker: model
    p.highlight = c.pareto;
    p.tooltip = Label(c) + ": " + report::FormatFixed(c.latency_ms, 3) + " ms" +
                (c.interval_low_ms ? " (90% interval " + report::FormatFixed(*c.interval_low_ms, 3) + " to " +
                                         report::FormatFixed(*c.interval_high_ms, 3) + ")"
                                   : "") +
                (c.validated_mape ? " [validated MAPE " + report::FormatFixed(*c.validated_mape, 1) + "%]" : "") +
                ", " + report::FormatFixed(c.energy_mj, 2) +
                " mJ, USD " + report::FormatNumber(c.price_usd) +
                (c.accuracy ? ", accuracy " + report::FormatNumber(*c.accuracy) : "") + (c.pareto ? " (Pareto)" : "");
    points.push_back(std::move(p));
  }
  return points;
}

void RenderHtml(const ExploreResult& r, std::ostream& out) {
  const std::vector<Candidate>& cs = r.candidates;
  std::ostringstream body;
  body << "<h1>odonata: " << cs.size() << " candidates</h1>\n<p>" << html::Escape(Summary(r)) << "</p>\n";
  if (!r.constraints.Empty()) body << "<p>constraints: " << html::Escape(ConstraintsText(r.constraints)) << "</p>\n";
  body << "<p>Highlighted: Pareto-optimal over " << html::Escape(ObjectivesText(r.objectives))
       << "; the line is each chart's own two-objective front.</p>\n";
  if (!cs.empty()) {
    const html::Axis latency{"latency (ms)", Wide(cs, Latency)};
    body << html::ScatterChart(Points(cs, Latency, Energy),
                               {Front2d(cs, Latency, Energy, false, "front (latency, energy)")}, latency,
                               html::Axis{"energy per inference (mJ)", Wide(cs, Energy)}, "Latency vs energy");
    body << html::ScatterChart(Points(cs, Latency, Price),
                               {Front2d(cs, Latency, Price, false, "front (latency, price)")}, latency,
                               html::Axis{"platform price (USD)", false}, "Latency vs price");
    std::vector<Candidate> with_accuracy;
    for (const Candidate& c : cs) {
      if (c.accuracy) with_accuracy.push_back(c);
    }
    if (!with_accuracy.empty()) {
      auto accuracy = [](const Candidate& c) { return *c.accuracy; };
      body << html::ScatterChart(Points(with_accuracy, Latency, [](const Candidate& c) { return *c.accuracy; }),
                                 {Front2d(with_accuracy, Latency, accuracy, true, "front (latency, accuracy)")},
                                 html::Axis{"latency (ms)", Wide(with_accuracy, Latency)},
                                 html::Axis{"accuracy", false}, "Accuracy vs latency");
    }
  }
  html::Table table;
  table.header = {"Pareto",       "model",       "input",     "platform",           "precision",
                  "latency (ms)", "energy (mJ)", "power (W)", "throughput (img/s)", "price (USD)",
                  "accuracy"};
  table.numeric = {false, false, false, false, false, true, true, true, true, true, true};
  for (const Candidate& c : cs) {
    table.rows.push_back({c.pareto ? "*" : "", c.model, c.resolution, c.platform, PrecisionName(c.precision),
                          report::FormatFixed(c.latency_ms, 3), report::FormatFixed(c.energy_mj, 2),
                          report::FormatFixed(c.avg_power_w, 2), report::FormatFixed(c.throughput_ips, 1),
                          report::FormatNumber(c.price_usd), c.accuracy ? report::FormatNumber(*c.accuracy) : ""});
  }
  body << html::TableHtml(table);
  if (!r.skipped.empty()) {
    body << "<h2>Skipped</h2>\n<ul>\n";
    for (const SkipGroup& g : GroupSkipped(r.skipped)) body << "<li>" << html::Escape(SkipLine(g)) << "</li>\n";
    body << "</ul>\n";
  }
  out << html::Page("odonata: " + std::to_string(cs.size()) + " candidates", body.str());
}

}  // namespace

void RenderExplore(const ExploreResult& result, Format format, std::ostream& out, const RenderOptions& options) {
  const report::ScopedWidth width(options);
  RenderExplore(result, format, out);
}

void RenderExplore(const ExploreResult& result, Format format, std::ostream& out) {
  static constexpr report::Renderers<ExploreResult, 4> kRenderers{"explore",
                                                                  {RenderTable, RenderJson, RenderCsv, RenderHtml}};
  report::Dispatch(kRenderers, result, format, out);
}

}  // namespace odonata
