// `odonata estimate` of several models: every model's report, then a summary
// (one row per model). Formats: docs/report-format.md, "Several models".
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "format.h"
#include "odonata/errors.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using Json = nlohmann::ordered_json;

const std::vector<std::string> kSummaryHeader = {"model",    "model_path", "platform", "precision",
                                                 "layers",   "total_ms",   "energy_mj"};

std::vector<std::string> SummaryFields(const Report& r) {
  return {r.model,
          r.model_path,
          r.platform,
          PrecisionName(r.precision),
          std::to_string(r.rows.size()),
          report::FormatFixed(r.total_ms, 3),
          report::FormatFixed(r.energy_mj, 3)};
}

void SummaryTable(const std::vector<Report>& reports, std::ostream& out) {
  using report::Align;
  using report::Elide;
  const std::vector<report::Column> columns = {
      {"model", Align::kLeft},      {"platform", Align::kLeft},    {"precision", Align::kLeft},
      {"layers", Align::kRight},    {"total ms", Align::kRight},   {"energy mJ", Align::kRight},
      {"path", Align::kLeft, Elide::kMiddle, 20},
  };
  std::vector<std::vector<std::string>> cells;
  for (const Report& r : reports) {
    std::vector<std::string> f = SummaryFields(r);
    cells.push_back({f[0], f[2], f[3], f[4], f[5], f[6], f[1]});
  }
  report::WriteTable(columns, cells, 160, out);
}

void ManyTable(const std::vector<Report>& reports, std::ostream& out) {
  for (const Report& r : reports) {
    Render(r, Format::kTable, out);
    out << '\n';
  }
  out << "summary of " << reports.size() << " models\n";
  SummaryTable(reports, out);
}

void ManyJson(const std::vector<Report>& reports, std::ostream& out) {
  Json all = Json::array();
  Json summary = Json::array();
  for (const Report& r : reports) {
    std::ostringstream one;
    Render(r, Format::kJson, one);
    all.push_back(Json::parse(one.str()));
    summary.push_back(Json{{"model", r.model},
                           {"model_path", r.model_path},
                           {"platform", r.platform},
                           {"precision", PrecisionName(r.precision)},
                           {"layers", r.rows.size()},
                           {"total_ms", r.total_ms},
                           {"energy_mj", r.energy_mj}});
  }
  Json j;
  j["reports"] = std::move(all);
  j["summary"] = std::move(summary);
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void ManyCsv(const std::vector<Report>& reports, std::ostream& out) {
  report::WriteCsvRecord(kSummaryHeader, out);
  for (const Report& r : reports) report::WriteCsvRecord(SummaryFields(r), out);
}

}  // namespace

void RenderEstimates(const std::vector<Report>& reports, Format format, std::ostream& out) {
  if (reports.size() == 1) return Render(reports.front(), format, out);
  if (format == Format::kHtml) {
    throw Error("--format html takes one model; give --output-dir DIR for one page per model", ExitCode::kUsage);
  }
  static constexpr report::Renderers<std::vector<Report>, 4> kRenderers{"estimate",
                                                                        {ManyTable, ManyJson, ManyCsv, nullptr}};
  report::Dispatch(kRenderers, reports, format, out);
}

}  // namespace odonata
