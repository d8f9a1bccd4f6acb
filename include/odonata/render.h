// Renderers (src/render/): every result of the library as text in the formats
// a user asks for. Output ends with a newline.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "odonata/check.h"
#include "odonata/estimate.h"
#include "odonata/explore.h"
#include "odonata/fit.h"
#include "odonata/network.h"
#include "odonata/partition.h"
#include "odonata/platform.h"
#include "odonata/power.h"

namespace odonata {

// kHtml: one self-contained page with charts: estimate, compare/explore and
// partition (the other renderers taking a Format throw a usage Error for it).
enum class Format { kTable, kJson, kCsv, kHtml };
bool ParseFormat(const std::string& text, Format* out);

// How text tables are laid out. A table wider than `width` columns has its
// names, op chains and paths cut with "..." (never the numbers); 0 keeps each
// table's default (140 columns, 160 for check, compare and explore), so that
// output piped to a file is the same on every terminal; kUnlimitedWidth
// (`--wide`) never cuts.
inline constexpr std::size_t kUnlimitedWidth = static_cast<std::size_t>(-1);
struct RenderOptions {
  std::size_t width = 0;
};

// `odonata estimate`: the table, JSON and CSV of a Report, and the HTML page
// (summary, per-layer latency and energy bars, roofline, time per op type and
// the layer table, inline SVG: no scripts, no fetches).
void RenderTable(const Report& report, std::ostream& out);
void RenderJson(const Report& report, std::ostream& out);
void RenderCsv(const Report& report, std::ostream& out);
void RenderHtml(const Report& report, std::ostream& out);
void Render(const Report& report, Format format, std::ostream& out);
void Render(const Report& report, Format format, std::ostream& out, const RenderOptions& options);
// `odonata estimate` of several models: one report is Render's output, byte
// for byte; several are every report then a summary of one row per model
// (model, model_path, platform, precision, layers, total_ms, energy_mj).
// table: the reports, then "summary of N models" and its table; json:
// {"reports": [Render's JSON of each], "summary": [...]}; csv: the summary
// alone (one report per model: `estimate --output-dir`). html takes one
// model: a usage Error for several.
void RenderEstimates(const std::vector<Report>& reports, Format format, std::ostream& out);

// `odonata inspect`: counts of every node, no platform.
void RenderInspect(const Network& network, Format format, std::ostream& out);
void RenderInspect(const Network& network, Format format, std::ostream& out, const RenderOptions& options);

// `odonata platforms`: one entry per profile with its precisions, its file
// and which directory of `search_order` it came from ("from": the directory's
// origin), then the search order itself (PlatformSearchOrder: every
// directory, whether it exists, in lookup order).
void RenderPlatforms(const std::vector<Platform>& platforms, const std::vector<PlatformDir>& search_order,
                     Format format, std::ostream& out);

// `odonata estimators`: one line per registry entry, name and description.
void RenderEstimators(const std::vector<EstimatorInfo>& estimators, std::ostream& out);

// `odonata fit --report`: table (per class: chosen model, statistics,
// candidates, parameters), JSON, or CSV of measured vs predicted per row.
void RenderFitReport(const FitReport& fit, Format format, std::ostream& out);

// `odonata power-trace`: energy per window, the sampling check and the
// decimation table (table, JSON or CSV of the windows).
void RenderPowerTrace(const PowerTraceReport& report, Format format, std::ostream& out);

// `odonata check`: the rows and per-platform summaries as a text table,
// Markdown or JSON; JUnit XML (one testsuite per platform, one testcase per row).
enum class CheckFormat { kTable, kMarkdown, kJson };
void RenderCheck(const CheckResult& result, CheckFormat format, std::ostream& out);
void RenderCheck(const CheckResult& result, CheckFormat format, std::ostream& out, const RenderOptions& options);
void RenderJunit(const CheckResult& result, std::ostream& out);
// The baseline: per row (model, platform, precision, input) and per platform summary, as JSON.
void WriteBaseline(const CheckResult& result, std::ostream& out);

// Output of compare/explore. Table: one row per candidate, '*' on the front,
// then the counts and the skipped combinations. JSON: {"combinations",
// "candidates", "skipped", "filtered", "pareto_count", ...} (docs/report-format.md).
// CSV: one record per candidate. HTML: scatter plots (latency vs energy,
// latency vs price, accuracy vs latency with accuracies), Pareto rows
// highlighted, the table.
void RenderExplore(const ExploreResult& result, Format format, std::ostream& out);
void RenderExplore(const ExploreResult& result, Format format, std::ostream& out, const RenderOptions& options);

// `odonata partition`: table, JSON, CSV, or (kHtml) the page of RenderPartitionHtml.
void RenderPartition(const PartitionReport& report, Format format, std::ostream& out);
// A self-contained HTML page: time and node energy per cut (charts), the table.
std::string RenderPartitionHtml(const PartitionReport& report);

}  // namespace odonata
