// Text helpers shared by the renderers in src/render/ (not a public header).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "odonata/errors.h"
#include "odonata/layer.h"
#include "odonata/render.h"

namespace odonata::report {

// Throw the usage Error for `--format html` given to `command`: the
// renderers other than estimate's have no HTML form.
[[noreturn]] void HtmlUnsupported(std::string_view command);

// The one dispatch of every Render* entry point: a result of type T rendered
// by the function its table holds for the format (an enum whose values
// count from 0 in table order: Format, CheckFormat). A null entry is a
// format the result has no form in (HtmlUnsupported naming `command`).
template <typename T, std::size_t N>
struct Renderers {
  using Fn = void (*)(const T&, std::ostream&);
  std::string_view command;
  std::array<Fn, N> by_format;
};

template <typename T, std::size_t N, typename F>
void Dispatch(const Renderers<T, N>& renderers, const T& result, F format, std::ostream& out) {
  const auto index = static_cast<std::size_t>(format);
  if (index >= N) throw Error("internal: unhandled output format");
  const auto render = renderers.by_format[index];
  if (render == nullptr) HtmlUnsupported(renderers.command);
  render(result, out);
}

// "118.0M", "1.2G", "950" (decimal SI prefixes, for MACs, FLOPs, params).
std::string HumanCount(double value);
// "512 B", "784.0 KiB", "12.3 MiB" (binary prefixes, for bytes).
std::string HumanBytes(double value);
// Shortest text that reads back as the same double ("0.1", "1e-07", "12").
std::string FormatNumber(double value);
// Fixed number of decimals ("12.346").
std::string FormatFixed(double value, int decimals);
// 1234567 -> "1,234,567".
std::string GroupThousands(std::int64_t value);

std::string Join(const std::vector<std::string>& parts, std::string_view separator);
// The op types a layer executes joined with '+', e.g. "Conv+BatchNormalization+Relu".
std::string OpsLabel(const Layer& layer);
// A row's flags with its repeat count ("data_dependent,x4").
std::string RowFlags(const ReportRow& row);
// The cells of layer row `index` (0-based) as the text and HTML tables show
// them: #, layer, op (`ops`), output, MACs, bytes, bound, estimator, ms, %, mJ, flags.
std::vector<std::string> LayerRowCells(std::size_t index, const ReportRow& row, const std::string& ops);
// One CSV field, quoted per RFC 4180 when it holds ',', '"', CR or LF.
std::string CsvField(std::string_view field);
// Write `fields` as one CSV record ending in '\n'.
void WriteCsvRecord(const std::vector<std::string>& fields, std::ostream& out);

// How far to trust an estimate (docs/report-format.md "Trust").
// The total as every format shows it: rounded to the decimal place of the
// profile's validated error (RoundToError with MAPE / 100), or with 3
// decimals when the profile has no `validation`.
std::string TrustedMs(const Report& report, double ms);
// "90% interval 9.8 to 15 ms" (bounds rounded as the total), or "no interval
// (the profile has none)".
std::string IntervalText(const Report& report);
// The cache state of an estimate, one line (Report::cache): "warm (weights
// 5.21 MB <= cache capacity 13.0 MB; --cache cold to override)".
std::string CacheText(const CacheChoice& cache);
// The NCHWc reorders of an estimate (Report::reorders): "67 NCHWc reorders at block 16: 40 in
// (1.20M elements), 27 out (0.95M elements); of which dispatch 0.0191 ms".
std::string ReorderText(const ReorderTerm& reorders);
// "MAPE 27.0% on 12 validation networks (model_run median, 1 thread on Intel
// Xeon; data/validation/host-ort-cpu.csv, checked 2026-12-04)", or "not
// validated (the profile has no validation; odonata check --write-validation)".
std::string ValidationText(const Report& report);
// A quantized model's layers (Report::quantization), for the header after the
// precision: "int8: 58 of 110 layers, 97% of MACs; QDQ quantization", or with
// a platform without int8 "58 of 110 layers (97% of MACs) are int8, estimated
// at fp16: the platform has no int8"; "" for a float model.
std::string QuantizationText(const Report& report);
// The precision line of the table: "fp32", or "fp32  (" QuantizationText ")".
std::string PrecisionText(const Report& report);
// The version of every JSON output's schema ("schema_version"):
// docs/report-format.md "Schema versions".
inline constexpr int kJsonSchemaVersion = 1;

// The width a text table may take: the RenderOptions::width of the Render*
// call in progress on this thread, else `default_width`.
std::size_t TableWidth(std::size_t default_width);
// Sets the width for the Render* call in progress (restored on destruction).
class ScopedWidth {
 public:
  explicit ScopedWidth(const RenderOptions& options);
  ~ScopedWidth();
  ScopedWidth(const ScopedWidth&) = delete;
  ScopedWidth& operator=(const ScopedWidth&) = delete;

 private:
  std::size_t saved_;
};

// Aligned fixed-width text tables.
enum class Align { kLeft, kRight };
enum class Elide { kNone, kMiddle, kEnd };  // where "..." goes when a cell is cut

struct Column {
  std::string header;
  Align align = Align::kLeft;
  Elide elide = Elide::kNone;  // kNone: never narrowed
  std::size_t min_width = 0;   // narrowest an elidable column may get
};

// Display width of UTF-8 text (code points; good enough for names).
std::size_t DisplayWidth(std::string_view text);
// Cut `text` to `width` columns, putting "..." at the end or in the middle.
std::string Ellipsize(std::string_view text, std::size_t width, Elide where);

// Print a header, a rule and the rows, columns separated by two spaces.
// When wider than `max_width`, elidable columns are narrowed (widest first,
// not below min_width) and their cells cut with "...". No trailing spaces.
void WriteTable(const std::vector<Column>& columns, const std::vector<std::vector<std::string>>& rows,
                std::size_t max_width, std::ostream& out);

}  // namespace odonata::report
