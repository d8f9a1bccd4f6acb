// Output format selection and the text helpers the renderers share.
#include "format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>

#include "names.h"
#include "odonata/errors.h"
#include "odonata/render.h"
#include "odonata/trust.h"

namespace odonata {

bool ParseFormat(const std::string& text, Format* out) {
  static constexpr NameTable<Format, 4> kNames = {{{
      {Format::kTable, "table"},
      {Format::kJson, "json"},
      {Format::kCsv, "csv"},
      {Format::kHtml, "html"},
  }}};
  return kNames.Parse(text, out);
}

void Render(const Report& report, Format format, std::ostream& out, const RenderOptions& options) {
  const report::ScopedWidth width(options);
  Render(report, format, out);
}

void Render(const Report& report, Format format, std::ostream& out) {
  static constexpr report::Renderers<Report, 4> kRenderers{"estimate",
                                                           {RenderTable, RenderJson, RenderCsv, RenderHtml}};
  report::Dispatch(kRenderers, report, format, out);
}

namespace report {

namespace {
thread_local std::size_t table_width = 0;  // 0: each table's default
}  // namespace

std::size_t TableWidth(std::size_t default_width) { return table_width != 0 ? table_width : default_width; }

ScopedWidth::ScopedWidth(const RenderOptions& options) : saved_(table_width) { table_width = options.width; }
ScopedWidth::~ScopedWidth() { table_width = saved_; }

void HtmlUnsupported(std::string_view command) {
  throw Error("--format html is only for estimate; " + std::string(command) + " writes table, json or csv",
              ExitCode::kUsage);
}

namespace {

// `value` with `decimals` decimals, as snprintf's "%.*f" into 64 bytes writes
// it: std::to_chars with a precision is specified to print as printf does,
// without parsing a format (a fifth of the instructions). A number longer than
// 63 characters (above about 1e58) goes to snprintf, which cuts it there.
std::string Fixed(double value, int decimals) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf - 1, value, std::chars_format::fixed, decimals);
  if (result.ec == std::errc()) return std::string(buf, result.ptr);
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

// Scale `value` by `base` until it fits under `base` once rounded to one
// decimal (so 999.96e3 prints as "1.0M", not "1000.0K").
std::string Scaled(double value, double base, const char* const* units, int n_units, const char* separator) {
  if (!std::isfinite(value)) return FormatNumber(value);
  int unit = 0;
  double scaled = value;
  auto rounded = [&] {  // |scaled| as it would print at this unit
    double m = std::fabs(scaled);
    return unit == 0 ? std::round(m) : std::round(m * 10) / 10;
  };
  while (unit + 1 < n_units && rounded() >= base) {
    scaled /= base;
    ++unit;
  }
  std::string text = Fixed(scaled, unit == 0 ? 0 : 1);
  if (*units[unit]) text.append(separator).append(units[unit]);
  if (text.size() > 63) text.resize(63);  // as snprintf into 64 bytes cut it (above 1e75 EiB)
  return text;
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Byte offsets at which the code points of `text` start, plus text.size().
std::vector<std::size_t> CodePointStarts(std::string_view text) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!IsContinuationByte(text[i])) starts.push_back(i);
  }
  starts.push_back(text.size());
  return starts;
}

}  // namespace

std::string HumanCount(double value) {
  static const char* const kUnits[] = {"", "K", "M", "G", "T", "P", "E"};
  return Scaled(value, 1000, kUnits, 7, "");
}

std::string HumanBytes(double value) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  return Scaled(value, 1024, kUnits, 7, " ");
}

std::string FormatNumber(double value) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

std::string FormatFixed(double value, int decimals) {
  // Avoid "-0.000" for tiny negative rounding noise.
  std::string text = Fixed(value, decimals);
  if (text[0] == '-' && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
  return text;
}

std::string GroupThousands(std::int64_t value) {
  const std::string digits = std::to_string(value);
  const std::size_t first = digits[0] == '-' ? 1 : 0;
  std::string grouped = digits.substr(0, first);
  for (std::size_t i = first; i < digits.size(); ++i) {
    if (i > first && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return grouped;
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined += separator;
    joined += parts[i];
  }
  return joined;
}

std::string OpsLabel(const Layer& layer) {
  if (layer.covered_ops.empty()) return layer.op_type;
  return Join(layer.covered_ops, "+");
}

std::string RowFlags(const ReportRow& row) {
  std::vector<std::string> flags = row.flags;
  if (row.layer.repeat != 1) flags.push_back("x" + std::to_string(row.layer.repeat));
  return Join(flags, ",");
}

std::vector<std::string> LayerRowCells(std::size_t index, const ReportRow& row, const std::string& ops) {
  const Layer& layer = row.layer;
  return {std::to_string(index + 1),
          layer.name,
          ops,
          layer.outputs.empty() ? "-" : ShapeToString(layer.outputs[0].shape),
          HumanCount(static_cast<double>(layer.counts.macs)),
          HumanBytes(row.estimate.bytes),
          BoundName(row.estimate.bound),
          row.estimate.estimator,
          FormatFixed(row.ms, 3),
          FormatFixed(row.percent, 1),
          FormatFixed(row.energy_mj, 3),
          RowFlags(row)};
}

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

void WriteCsvRecord(const std::vector<std::string>& fields, std::ostream& out) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out << ',';
    out << CsvField(fields[i]);
  }
  out << '\n';
}

std::size_t DisplayWidth(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !IsContinuationByte(c); }));
}

std::string Ellipsize(std::string_view text, std::size_t width, Elide where) {
  // Most cells fit: counted (DisplayWidth is the number of code points)
  // without building the list of where each code point starts.
  if (where == Elide::kNone || DisplayWidth(text) <= width) return std::string(text);
  std::vector<std::size_t> starts = CodePointStarts(text);
  std::size_t length = starts.size() - 1;  // in code points
  static constexpr std::string_view kDots = "...";
  if (width <= kDots.size()) return std::string(text.substr(0, starts[width]));
  std::size_t keep = width - kDots.size();
  if (where == Elide::kEnd) return std::string(text.substr(0, starts[keep])) + std::string(kDots);
  // Middle: the end of a node name ("/layer4/layer4.1/conv2/Conv") says
  // more than its start, so keep a third of the start and two thirds of the end.
  std::size_t head = keep / 3;
  std::size_t tail = keep - head;
  return std::string(text.substr(0, starts[head])) + std::string(kDots) +
         std::string(text.substr(starts[length - tail]));
}

void WriteTable(const std::vector<Column>& columns, const std::vector<std::vector<std::string>>& rows,
                std::size_t max_width, std::ostream& out) {
  static constexpr std::size_t kGap = 2;
  const std::size_t n = columns.size();
  std::vector<std::size_t> widths(n, 0);
  for (std::size_t c = 0; c < n; ++c) widths[c] = DisplayWidth(columns[c].header);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < n && c < row.size(); ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
  }
  auto total = [&] {
    std::size_t sum = n > 0 ? kGap * (n - 1) : 0;
    for (std::size_t w : widths) sum += w;
    return sum;
  };
  for (std::size_t width = total(); width > max_width; --width) {
    // Narrow the widest elidable column that is still above its minimum.
    std::size_t pick = n;
    for (std::size_t c = 0; c < n; ++c) {
      const Column& col = columns[c];
      std::size_t floor = std::max(col.min_width, DisplayWidth(col.header));
      if (col.elide == Elide::kNone || widths[c] <= floor) continue;
      if (pick == n || widths[c] > widths[pick]) pick = c;
    }
    if (pick == n) break;
    --widths[pick];
  }

  // One line buffer for every line; a cell is copied only when it is cut.
  std::string line, cut;
  auto write_line = [&](auto cell_of, bool elide) {
    line.clear();
    for (std::size_t c = 0; c < n; ++c) {
      std::string_view cell = cell_of(c);
      std::size_t width = DisplayWidth(cell);
      if (elide && columns[c].elide != Elide::kNone && width > widths[c]) {
        cut = Ellipsize(cell, widths[c], columns[c].elide);
        cell = cut;
        width = DisplayWidth(cell);
      }
      const std::size_t pad = widths[c] - std::min(widths[c], width);
      if (c > 0) line.append(kGap, ' ');
      if (columns[c].align == Align::kRight) line.append(pad, ' ');
      line += cell;
      if (columns[c].align == Align::kLeft) line.append(pad, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    line += '\n';
    out << line;
  };

  write_line([&](std::size_t c) { return std::string_view(columns[c].header); }, false);
  const std::string rule(widths.empty() ? 0 : *std::max_element(widths.begin(), widths.end()), '-');
  write_line([&](std::size_t c) { return std::string_view(rule).substr(0, widths[c]); }, false);
  for (const auto& row : rows) {
    write_line([&](std::size_t c) { return c < row.size() ? std::string_view(row[c]) : std::string_view(); }, true);
  }
}

std::string TrustedMs(const Report& report, double ms) {
  if (!report.validation) return FormatFixed(ms, 3);
  return RoundToPlace(ms, TrustDecimalPlace(report.total_ms, report.validation->mape / 100.0));
}

std::string IntervalText(const Report& report) {
  if (!report.interval) return "no interval: the profile has none";
  const EstimateInterval& iv = *report.interval;
  return FormatNumber(std::round(iv.level * 1000) / 10) + "% interval " + TrustedMs(report, iv.low_ms) + " to " +
         TrustedMs(report, iv.high_ms) + " ms";
}

std::string QuantizationText(const Report& report) {
  const QuantizationSummary& q = report.quantization;
  if (q.forms.empty() && q.layers == 0) return "";
  std::vector<std::string> forms;
  for (const std::string& f : q.forms) forms.push_back(f == "qdq" ? "QDQ" : f == "operator" ? "QOperator" : f);
  const std::string model = forms.empty() ? "" : "; " + Join(forms, " + ") + " quantization";
  if (q.layers == 0) return "no layer estimated as quantized" + model;
  char share[32];
  std::snprintf(share, sizeof share, "%.0f%%", q.macs_percent);
  const std::string layers = std::to_string(q.layers) + " of " + std::to_string(report.rows.size()) + " layers";
  if (q.precision == Precision::kInt8) return "int8: " + layers + ", " + share + " of MACs" + model;
  return layers + " (" + share + " of MACs) are int8, estimated at " +
         PrecisionName(q.precision.value_or(report.precision)) + ": the platform has no int8" + model;
}

std::string PrecisionText(const Report& report) {
  const std::string q = QuantizationText(report);
  return std::string(PrecisionName(report.precision)) + (q.empty() ? "" : "  (" + q + ")");
}

std::string ValidationText(const Report& report) {
  if (!report.validation) return "not validated (the profile has no validation; odonata check --write-validation)";
  const Validation& v = *report.validation;
  return "MAPE " + FormatFixed(v.mape, 1) + "% on " + std::to_string(v.networks) + " validation network" +
         (v.networks == 1 ? "" : "s") + " (" + v.measured + "; " + v.suite + ", checked " + v.date + ")";
}

std::string CacheText(const CacheChoice& c) {
  if (c.share) {
    // The profile's size variable (CacheShare::size); absent: weights, the text as before.
    const ShareSize size = c.share_size.value_or(ShareSize::kWeights);
    const std::string from = size == ShareSize::kActivations          ? "activations "
                             : size == ShareSize::kWeightsActivations ? "weights + activations "
                             : size == ShareSize::kMaxLayer           ? "the largest layer "
                             : size == ShareSize::kMeanLayer          ? "the mean layer "
                             : size == ShareSize::kWeightsPeak        ? "weights + peak activations "
                                                                      : "weights ";
    const double x = size == ShareSize::kWeights ? static_cast<double>(c.weight_bytes) : c.share_x;
    // Kept warm whatever the share, or at their own share (CacheShare::warm_class_share).
    const std::string warm = Join(OpClassNames(c.warm_classes), ", ");
    const std::string warm_text =
        warm.empty() ? "" : c.warm_class_share ? "; " + warm + " at " + FormatFixed(*c.warm_class_share, 2) : "; " + warm + " warm";
    return c.StateText() + " (share of the warm saving kept, from " + from + HumanBytes(x) + warm_text +
           "; --cache warm|cold to force an end)";
  }
  const std::string state = c.warm ? "warm" : "cold";
  if (c.forced) return state + " (--cache " + state + ")";
  const std::string weights = "weights " + HumanBytes(static_cast<double>(c.weight_bytes));
  if (c.capacity_bytes < 0) return state + " (the profile has no cache capacity; --cache warm to override)";
  return state + " (" + weights + (c.warm ? " <= " : " > ") + "cache capacity " +
         HumanBytes(static_cast<double>(c.capacity_bytes)) + "; --cache " + (c.warm ? "cold" : "warm") +
         " to override)";
}

std::string ReorderText(const ReorderTerm& r) {
  const ReorderCounts& n = r.counts;
  return std::to_string(r.Count()) + " NCHWc reorder" + (r.Count() == 1 ? "" : "s") + " at block " +
         std::to_string(r.block) + ": " + std::to_string(n.inputs) + " in (" +
         HumanCount(static_cast<double>(n.input_elements)) + " elements), " + std::to_string(n.outputs) + " out (" +
         HumanCount(static_cast<double>(n.output_elements)) + " elements); of which dispatch " +
         FormatFixed(r.dispatch_ms, 4) + " ms";
}

}  // namespace report

}  // namespace odonata
