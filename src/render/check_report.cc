// `odonata check` output: the table, Markdown (CI job summaries), JSON, JUnit
// XML, and the baseline file that src/check.cc reads back.
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "format.h"
#include "html_charts.h"
#include "odonata/check.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using Json = nlohmann::ordered_json;
using report::Align;
using report::Column;
using report::Elide;

constexpr std::size_t kMaxWidth = 160;

std::string Split(const ValidationRow& row) { return row.calibration ? "calibration" : "validation"; }

std::string Pct(double v, bool sign) {
  char buf[32];
  std::snprintf(buf, sizeof buf, sign ? "%+.1f" : "%.1f", v);
  return buf;
}

std::string SummaryLine(const PlatformSummary& s) {
  return s.platform + " " + s.split + ": " + std::to_string(s.rows) + " row" + (s.rows == 1 ? "" : "s") + ", MAPE " +
         Pct(s.mape, false) + "%, max |error| " + Pct(s.max_abs_error, false) + "%, within +/-10% " +
         Pct(s.within10, false) + "%" +
         (s.energy_rows > 0 ? "; energy: " + std::to_string(s.energy_rows) + " row" + (s.energy_rows == 1 ? "" : "s") +
                                  ", energy MAPE " + Pct(s.energy_mape, false) + "%"
                            : "") +
         (s.interval_rows > 0 ? "; interval coverage " + Pct(s.coverage, false) + "% of " +
                                    std::to_string(s.interval_rows)
                              : "");
}

bool AnyInterval(const CheckResult& result) {
  for (const CheckRow& r : result.rows) {
    if (r.interval_low_ms) return true;
  }
  return false;
}

// "[9.8, 15.2] in" / "out", or "-" without an interval.
std::string IntervalCell(const CheckRow& r) {
  if (!r.interval_low_ms || !r.interval_high_ms) return "-";
  const bool in = r.row.measured_ms >= *r.interval_low_ms && r.row.measured_ms <= *r.interval_high_ms;
  return report::FormatFixed(*r.interval_low_ms, 3) + "-" + report::FormatFixed(*r.interval_high_ms, 3) +
         (in ? " in" : " OUT");
}

std::vector<std::string> RowCells(const CheckRow& r) {
  const bool failed = !r.error.empty();
  return {
      r.row.model,
      r.row.network.empty() ? "-" : r.row.network,
      r.row.platform,
      PrecisionName(r.row.precision),
      Split(r.row),
      r.row.measures,
      report::FormatFixed(r.row.measured_ms, 3),
      failed ? "-" : report::FormatFixed(r.estimated_ms, 3),
      failed ? "failed" : Pct(r.error_pct, true),
  };
}

void RenderTable(const CheckResult& result, std::ostream& out) {
  const std::vector<Column> columns = {
      // The model path is what a reader looks up: it gives way last.
      {"model", Align::kLeft, Elide::kMiddle, 44},
      {"network", Align::kLeft, Elide::kEnd, 16},
      {"platform", Align::kLeft},
      {"precision", Align::kLeft},
      {"split", Align::kLeft},
      {"measures", Align::kLeft, Elide::kEnd, 12},
      {"measured ms", Align::kRight},
      {"estimated ms", Align::kRight},
      {"error %", Align::kRight},
  };
  std::vector<std::vector<std::string>> cells;
  for (const CheckRow& r : result.rows) cells.push_back(RowCells(r));
  // Energy columns only for suites that measured energy.
  bool energy = false;
  for (const CheckRow& r : result.rows) energy = energy || r.measured_energy_mj.has_value();
  std::vector<Column> all = columns;
  if (energy) {
    all.push_back({"measured mJ", Align::kRight});
    all.push_back({"estimated mJ", Align::kRight});
    all.push_back({"energy err %", Align::kRight});
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const CheckRow& r = result.rows[i];
      cells[i].push_back(r.measured_energy_mj ? report::FormatFixed(*r.measured_energy_mj, 2) : "-");
      cells[i].push_back(r.estimated_energy_mj ? report::FormatFixed(*r.estimated_energy_mj, 2) : "-");
      cells[i].push_back(r.energy_error_pct ? Pct(*r.energy_error_pct, true) : "-");
    }
  }
  if (AnyInterval(result)) {
    all.push_back({"interval ms", Align::kRight});
    for (std::size_t i = 0; i < cells.size(); ++i) cells[i].push_back(IntervalCell(result.rows[i]));
  }
  report::WriteTable(all, cells, report::TableWidth(kMaxWidth), out);
  out << '\n';
  for (const PlatformSummary& s : result.summaries) out << SummaryLine(s) << '\n';
  if (!result.notes.empty()) {
    out << "\nnotes:\n";
    for (const std::string& n : result.notes) out << "  " << n << '\n';
  }
  if (result.ok()) {
    out << "\nok: " << result.rows.size() << " rows checked\n";
  } else {
    out << "\nfailures:\n";
    for (const std::string& f : result.failures) out << "  " << f << '\n';
    out << "FAILED: " << result.failures.size() << " failure" << (result.failures.size() == 1 ? "" : "s") << '\n';
  }
}

// A Markdown table cell: '|' would end the cell, a line break the row.
std::string Md(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

void MdRow(const std::vector<std::string>& cells, std::ostream& out) {
  out << '|';
  for (const std::string& c : cells) out << ' ' << Md(c) << " |";
  out << '\n';
}

void RenderMarkdown(const CheckResult& result, std::ostream& out) {
  out << "### odonata check: " << (result.ok() ? "ok" : "FAILED") << "\n\n";
  const bool intervals = AnyInterval(result);
  std::vector<std::string> head = {"model",    "network",       "platform",       "precision", "split",
                                   "measures", "measured (ms)", "estimated (ms)", "error (%)"};
  if (intervals) head.push_back("interval (ms)");
  MdRow(head, out);
  out << "|---|---|---|---|---|---|--:|--:|--:|" << (intervals ? "--:|" : "") << "\n";
  for (const CheckRow& r : result.rows) {
    std::vector<std::string> cells = RowCells(r);
    if (intervals) cells.push_back(IntervalCell(r));
    MdRow(cells, out);
  }
  out << '\n';
  std::vector<std::string> shead = {"platform", "split", "rows", "MAPE (%)", "max abs error (%)", "within +/-10% (%)"};
  if (intervals) shead.push_back("interval coverage (%)");
  MdRow(shead, out);
  out << "|---|---|--:|--:|--:|--:|" << (intervals ? "--:|" : "") << "\n";
  for (const PlatformSummary& s : result.summaries) {
    std::vector<std::string> cells = {s.platform,           s.split, std::to_string(s.rows), Pct(s.mape, false),
                                      Pct(s.max_abs_error, false), Pct(s.within10, false)};
    if (intervals) cells.push_back(s.interval_rows > 0 ? Pct(s.coverage, false) : "-");
    MdRow(cells, out);
  }
  if (!result.failures.empty()) {
    out << "\n**Failures**\n\n";
    for (const std::string& f : result.failures) out << "- " << Md(f) << '\n';
  }
  if (!result.notes.empty()) {
    out << "\n**Notes**\n\n";
    for (const std::string& n : result.notes) out << "- " << Md(n) << '\n';
  }
}

Json SummaryJson(const PlatformSummary& s) {
  Json j;
  j["platform"] = s.platform;
  j["split"] = s.split;
  j["rows"] = s.rows;
  j["mape"] = s.mape;
  j["max_abs_error"] = s.max_abs_error;
  j["within10"] = s.within10;
  if (s.energy_rows > 0) {
    j["energy_rows"] = s.energy_rows;
    j["energy_mape"] = s.energy_mape;
  }
  if (s.interval_rows > 0) {
    j["interval_rows"] = s.interval_rows;
    j["interval_coverage"] = s.coverage;
  }
  return j;
}

void RenderJson(const CheckResult& result, std::ostream& out) {
  Json rows = Json::array();
  for (const CheckRow& r : result.rows) {
    const bool failed = !r.error.empty();
    Json j;
    j["model"] = r.row.model;
    j["network"] = r.row.network;
    j["platform"] = r.row.platform;
    j["precision"] = PrecisionName(r.row.precision);
    j["input_shape"] = FormatInputShapes(r.row.input_shapes);
    j["split"] = Split(r.row);
    j["measured_ms"] = r.row.measured_ms;
    j["estimated_ms"] = failed ? Json(nullptr) : Json(r.estimated_ms);
    j["error_pct"] = failed ? Json(nullptr) : Json(r.error_pct);
    if (r.interval_low_ms && r.interval_high_ms) {
      j["interval"] = {{"level", r.interval_level}, {"low_ms", *r.interval_low_ms}, {"high_ms", *r.interval_high_ms}};
    }
    if (r.row.measured_energy_mj || r.row.measured_power_w) {
      auto number = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
      j["measured_power_w"] = number(r.row.measured_power_w);
      j["measured_energy_mj"] = number(r.measured_energy_mj ? r.measured_energy_mj : r.row.measured_energy_mj);
      j["estimated_energy_mj"] = number(r.estimated_energy_mj);
      j["energy_error_pct"] = number(r.energy_error_pct);
    }
    j["measures"] = r.row.measures;
    j["source"] = r.row.source;
    j["note"] = r.row.note;
    j["origin"] = r.row.origin;
    j["error"] = failed ? Json(r.error) : Json(nullptr);
    j["failures"] = r.failures;
    rows.push_back(std::move(j));
  }
  Json summaries = Json::array();
  for (const PlatformSummary& s : result.summaries) {
    Json j = SummaryJson(s);
    j["failures"] = s.failures;
    summaries.push_back(std::move(j));
  }
  Json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["rows"] = std::move(rows);
  j["summaries"] = std::move(summaries);
  j["failures"] = result.failures;
  j["notes"] = result.notes;
  j["ok"] = result.ok();
  out << j.dump(2) << '\n';
}

// JUnit XML text and attributes: html::Escape also suits XML 1.0 (entities
// for & < > " ', invalid UTF-8 and control characters become U+FFFD).
std::string Xml(const std::string& text) { return html::Escape(text); }

}  // namespace

void RenderCheck(const CheckResult& result, CheckFormat format, std::ostream& out, const RenderOptions& options) {
  const report::ScopedWidth width(options);
  RenderCheck(result, format, out);
}

void RenderCheck(const CheckResult& result, CheckFormat format, std::ostream& out) {
  static constexpr report::Renderers<CheckResult, 3> kRenderers{"check", {RenderTable, RenderMarkdown, RenderJson}};
  report::Dispatch(kRenderers, result, format, out);
}

void RenderJunit(const CheckResult& result, std::ostream& out) {
  // One testsuite per platform (in order of first appearance), one testcase per
  // row; a row fails with its own failures and those of its platform and split.
  std::vector<std::string> platforms;
  for (const CheckRow& r : result.rows) {
    bool seen = false;
    for (const std::string& p : platforms) seen = seen || p == r.row.platform;
    if (!seen) platforms.push_back(r.row.platform);
  }
  auto failures_of = [&](const CheckRow& r) {
    std::vector<std::string> f = r.failures;
    for (const PlatformSummary& s : result.summaries) {
      if (s.platform == r.row.platform && s.split == Split(r.row))
        f.insert(f.end(), s.failures.begin(), s.failures.end());
    }
    return f;
  };
  // Test names: model and precision, with what was measured where a platform has the
  // pair twice (a layer sum and an end-to-end time), and the row's origin if still not unique.
  std::vector<std::string> names;
  auto count = [&](const std::string& platform, const std::string& name) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < names.size(); ++i) n += result.rows[i].row.platform == platform && names[i] == name;
    return n;
  };
  for (const CheckRow& r : result.rows) names.push_back(r.row.model + " " + PrecisionName(r.row.precision));
  for (bool by_origin : {false, true}) {
    std::vector<std::string> next = names;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const ValidationRow& row = result.rows[i].row;
      if (count(row.platform, names[i]) > 1) next[i] += by_origin ? " (" + row.origin + ")" : " [" + row.measures + "]";
    }
    names = std::move(next);
  }
  std::size_t total_failed = 0;
  for (const CheckRow& r : result.rows) total_failed += failures_of(r).empty() ? 0 : 1;

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"odonata check\" tests=\"" << result.rows.size() << "\" failures=\"" << total_failed
      << "\">\n";
  for (const std::string& platform : platforms) {
    std::size_t tests = 0, failed = 0;
    for (const CheckRow& r : result.rows) {
      if (r.row.platform != platform) continue;
      ++tests;
      failed += failures_of(r).empty() ? 0 : 1;
    }
    out << "  <testsuite name=\"" << Xml(platform) << "\" tests=\"" << tests << "\" failures=\"" << failed << "\">\n";
    for (std::size_t i = 0; i < result.rows.size(); ++i) {
      const CheckRow& r = result.rows[i];
      if (r.row.platform != platform) continue;
      const std::vector<std::string> f = failures_of(r);
      out << "    <testcase classname=\"" << Xml(platform) << "\" name=\"" << Xml(names[i]) << "\"";
      if (f.empty()) {
        out << "/>\n";
        continue;
      }
      out << ">\n      <failure message=\"" << Xml(f.front()) << "\" type=\""
          << (r.error.empty() ? "tolerance" : "error") << "\">";
      for (std::size_t i = 0; i < f.size(); ++i) out << (i ? "\n" : "") << Xml(f[i]);
      out << "</failure>\n    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

void WriteBaseline(const CheckResult& result, std::ostream& out) {
  Json rows = Json::array();
  for (const CheckRow& r : result.rows) {
    if (!r.error.empty()) continue;  // nothing to compare against later
    Json j;
    j["model"] = r.row.model;
    j["platform"] = r.row.platform;
    j["precision"] = PrecisionName(r.row.precision);
    j["input_shape"] = FormatInputShapes(r.row.input_shapes);
    j["split"] = Split(r.row);
    j["error_pct"] = r.error_pct;
    if (r.energy_error_pct) j["energy_error_pct"] = *r.energy_error_pct;
    rows.push_back(std::move(j));
  }
  Json summaries = Json::array();
  for (const PlatformSummary& s : result.summaries) summaries.push_back(SummaryJson(s));
  Json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["rows"] = std::move(rows);
  j["summaries"] = std::move(summaries);
  out << j.dump(2) << '\n';
}

}  // namespace odonata
