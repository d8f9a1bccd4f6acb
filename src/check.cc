// Validation suites (data/validation/*.csv) and `odonata check`: parse a suite,
// estimate each row, compare with the measurement, apply tolerances and the
// baseline. Rendering is in src/render/check_report.cc.
#include "odonata/check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "io.h"
#include "shape_text.h"
#include "names.h"
#include "odonata/errors.h"
#include "odonata/generators.h"
#include "odonata/estimate.h"
#include "odonata/model.h"
#include "odonata/network.h"
#include "odonata/version.h"
#include "text.h"

namespace odonata {
namespace {

namespace fs = std::filesystem;

// The CSV dialect of the measurement files (src/text.h).
using Record = text::CsvRecord;
using text::CsvReader;
using text::IsBlank;

std::string Trim(std::string_view s) { return std::string(text::Trim(s)); }

// --- Suite columns -----------------------------------------------------------------

enum class Col {
  kModel,
  kPlatform,
  kPrecision,
  kInputShape,
  kMeasuredMs,
  kMeasures,
  kSplit,
  kSource,
  kNetwork,
  kNote,
  kMeasuredPowerW,
  kMeasuredEnergyMj,
  kNmsCompares
};

struct ColumnSpec {
  const char* name;
  bool required;
};

constexpr ColumnSpec kColumns[] = {
    {"model", true},
    {"platform", true},
    {"precision", true},
    {"input_shape", false},
    {"measured_ms", true},
    {"measures", true},
    {"split", true},
    {"source", true},
    {"network", false},
    {"note", false},
    {"measured_power_w", false},
    {"measured_energy_mj", false},
    {"nms_compares", false},
};
constexpr int kColumnCount = static_cast<int>(std::size(kColumns));

// "unknown column 'measurd_ms' (did you mean 'measured_ms'?)", or the list of known columns.
std::string UnknownColumn(const std::string& name) {
  std::vector<std::string> names;
  for (const ColumnSpec& c : kColumns) names.push_back(c.name);
  const std::string best = text::ClosestMatch(name, names);
  std::string all;
  for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
  return "unknown column '" + name + "' " +
         (best.empty() ? "(columns: " + all + ")" : "(did you mean '" + best + "'?)");
}

struct Header {
  int index[kColumnCount];
  std::size_t fields = 0;
};

Header ParseHeader(const Record& r, const std::string& origin) {
  const std::string where = origin + ":" + std::to_string(r.line);
  if (r.fields.size() == 1 && r.fields[0].find_first_of(";\t") != std::string::npos) {
    throw Error(where + ": the header has one column; is the file ';'- or tab-separated? odonata reads ',' only");
  }
  Header h;
  for (int& i : h.index) i = -1;
  h.fields = r.fields.size();
  std::vector<std::string> unknown;
  for (std::size_t i = 0; i < r.fields.size(); ++i) {
    const std::string name = Trim(r.fields[i]);
    if (name.empty()) throw Error(where + ": column " + std::to_string(i + 1) + " has no name");
    int col = -1;
    for (int c = 0; c < kColumnCount; ++c) {
      if (name == kColumns[c].name) col = c;
    }
    if (col < 0) throw Error(where + ": " + UnknownColumn(name));
    if (h.index[col] >= 0) throw Error(where + ": duplicate column '" + name + "'");
    h.index[col] = static_cast<int>(i);
  }
  std::vector<std::string> missing;
  for (int c = 0; c < kColumnCount; ++c) {
    if (kColumns[c].required && h.index[c] < 0) missing.push_back("'" + std::string(kColumns[c].name) + "'");
  }
  if (missing.size() == 1) throw Error(where + ": missing required column " + missing[0]);
  if (!missing.empty()) {
    std::string list;
    for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw Error(where + ": missing required columns " + list);
  }
  return h;
}

// The ';'-separated NAME=VALUE items of a suite column: `parse` turns each item's name and value into
// the map's entry (throwing with the item for a bad value); an item without '=' or a name given twice
// is an error naming the column (`column`, `what` the name's kind, `form` the expected form).
template <typename T, typename Parse>
std::map<std::string, T> ParseNamedItems(const std::string& text, const std::string& where, const char* column,
                                         const char* what, const char* form, Parse parse) {
  std::map<std::string, T> items;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ';')) {
    item = Trim(item);
    if (item.empty()) continue;
    const std::size_t eq = item.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(where + ": " + column + ": '" + item + "' is not " + form);
    }
    const std::string name = Trim(item.substr(0, eq));
    if (!items.emplace(name, parse(item, Trim(item.substr(eq + 1)))).second) {
      throw Error(where + ": " + column + ": " + what + " '" + name + "' given more than once");
    }
  }
  return items;
}

// "data=1x3x224x224;mask=1x1" -> shapes by input name.
std::map<std::string, Shape> ParseInputShapes(const std::string& text, const std::string& where) {
  return ParseNamedItems<Shape>(text, where, "input_shape", "input", "NAME=DIMS (e.g. input=1x3x224x224)",
                                [&](const std::string& item, const std::string& dims) {
                                  try {
                                    return ParseShape(dims, 0);  // 0: an empty value-dependent output
                                  } catch (const Error& e) {
                                    throw Error(where + ": input_shape: '" + item + "': " + e.what());
                                  }
                                });
}

// "4138=152761597;NAME=COUNT" (column nms_compares) -> IoU comparisons by NonMaxSuppression output.
std::map<std::string, std::int64_t> ParseNmsCompares(const std::string& text, const std::string& where) {
  return ParseNamedItems<std::int64_t>(
      text, where, "nms_compares", "output", "NAME=COUNT (e.g. 4138=152761597)",
      [&](const std::string& item, const std::string& digits) {
        std::int64_t v = 0;
        if (text::ParseWhole(digits, &v) != text::Parsed::kOk || v < 0) {
          throw Error(where + ": nms_compares: '" + item + "': '" + digits + "' is not an integer >= 0");
        }
        return v;
      });
}

ValidationRow ParseRow(const Record& r, const Header& h, const std::string& origin, const std::string& directory) {
  const std::string where = origin + ":" + std::to_string(r.line);
  if (r.fields.size() != h.fields) {
    throw Error(where + ": expected " + std::to_string(h.fields) + " fields, got " + std::to_string(r.fields.size()));
  }
  auto field = [&](Col c) -> std::string {
    const int i = h.index[static_cast<int>(c)];
    return i < 0 ? std::string() : Trim(r.fields[i]);
  };
  auto required = [&](Col c) -> std::string {
    std::string v = field(c);
    if (v.empty()) throw Error(where + ": " + kColumns[static_cast<int>(c)].name + ": empty");
    return v;
  };

  ValidationRow row;
  row.origin = where;
  row.directory = directory;
  row.model = required(Col::kModel);
  row.platform = required(Col::kPlatform);
  const std::string precision = required(Col::kPrecision);
  if (!ParsePrecision(precision, &row.precision)) {
    throw Error(where + ": precision: unknown precision '" + precision + "' (fp32|fp16|int8)");
  }
  row.input_shapes = ParseInputShapes(field(Col::kInputShape), where);
  row.nms_compares = ParseNmsCompares(field(Col::kNmsCompares), where);

  // A finite number > 0, or the column's name and what is wrong.
  auto positive = [&](Col c, const std::string& text) {
    const char* name = kColumns[static_cast<int>(c)].name;
    double v = 0;
    const text::Parsed parsed = text::ParseWhole(text, &v);
    if (parsed == text::Parsed::kNotFinite) throw Error(where + ": " + name + ": '" + text + "' is not a finite number");
    if (parsed != text::Parsed::kOk) throw Error(where + ": " + name + ": '" + text + "' is not a number");
    if (v <= 0) throw Error(where + ": " + name + ": '" + text + "' is not > 0");
    return v;
  };
  row.measured_ms = positive(Col::kMeasuredMs, required(Col::kMeasuredMs));
  if (std::string t = field(Col::kMeasuredPowerW); !t.empty()) row.measured_power_w = positive(Col::kMeasuredPowerW, t);
  if (std::string t = field(Col::kMeasuredEnergyMj); !t.empty()) {
    row.measured_energy_mj = positive(Col::kMeasuredEnergyMj, t);
  }

  row.measures = required(Col::kMeasures);
  const std::string split = required(Col::kSplit);
  if (split != "calibration" && split != "validation") {
    throw Error(where + ": split: '" + split + "' is not calibration or validation");
  }
  row.calibration = split == "calibration";
  row.source = required(Col::kSource);
  row.network = field(Col::kNetwork);
  row.note = field(Col::kNote);
  return row;
}

// --- Running ------------------------------------------------------------------------

std::string Signed(double pct) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", pct);
  return buf;
}

std::string Fixed1(double pct) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", pct);
  return buf;
}

// A bound as the user gave it: 20 -> "20", 0.001 -> "0.001".
std::string Limit(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string Resolve(const std::string& directory, const std::string& path) {
  if (fs::path(path).is_absolute() || directory.empty() || IsGeneratorDescription(path)) return path;
  return (fs::path(directory) / path).lexically_normal().string();
}

bool IsPlatformPath(const std::string& s) {
  return s.find('/') != std::string::npos || (s.size() >= 5 && s.compare(s.size() - 5, 5, ".json") == 0);
}

std::string RowLabel(const ValidationRow& row) {
  return row.origin + ": " + row.model + " on " + row.platform + " (" + PrecisionName(row.precision) + ")";
}

std::string SplitName(bool calibration) { return calibration ? "calibration" : "validation"; }

// The identity of a row across runs (baseline matching).
std::string RowKey(const std::string& model, const std::string& platform, const std::string& precision,
                   const std::string& input_shape) {
  return model + '\n' + platform + '\n' + precision + '\n' + input_shape;
}

struct BaselineRow {
  std::string model, platform, precision, input_shape;
  std::string split;  // "" in baselines that do not say
  double error_pct = 0;
  std::optional<double> energy_error_pct;  // rows with a measured energy
  bool used = false;
};

struct Baseline {
  std::vector<BaselineRow> rows;
  std::map<std::pair<std::string, std::string>, double> mape;         // (platform, split) -> MAPE
  std::map<std::pair<std::string, std::string>, double> energy_mape;  // where there were energy rows
};

Baseline ReadBaseline(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open baseline: no such file or not readable");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not a baseline: invalid JSON: " + e.what());
  }
  auto fail = [&](const std::string& problem) { return Error(path + ": not a baseline: " + problem); };
  if (!j.is_object()) throw fail("not a JSON object");
  for (const char* key : {"rows", "summaries"}) {
    if (!j.contains(key) || !j[key].is_array()) throw fail(std::string("'") + key + "' missing or not an array");
  }
  auto text = [&](const nlohmann::json& o, const char* key, const std::string& where) {
    if (!o.is_object() || !o.contains(key) || !o[key].is_string())
      throw fail(where + "." + key + " missing or not text");
    return o[key].get<std::string>();
  };
  auto number = [&](const nlohmann::json& o, const char* key, const std::string& where) {
    if (!o.contains(key) || !o[key].is_number()) throw fail(where + "." + key + " missing or not a number");
    return o[key].get<double>();
  };
  Baseline b;
  for (std::size_t i = 0; i < j["rows"].size(); ++i) {
    const nlohmann::json& o = j["rows"][i];
    const std::string where = "rows[" + std::to_string(i) + "]";
    BaselineRow r;
    r.model = text(o, "model", where);
    r.platform = text(o, "platform", where);
    r.precision = text(o, "precision", where);
    r.input_shape = text(o, "input_shape", where);
    r.error_pct = number(o, "error_pct", where);
    if (o.contains("energy_error_pct")) r.energy_error_pct = number(o, "energy_error_pct", where);
    if (o.contains("split")) r.split = text(o, "split", where);
    b.rows.push_back(r);
  }
  for (std::size_t i = 0; i < j["summaries"].size(); ++i) {
    const nlohmann::json& o = j["summaries"][i];
    const std::string where = "summaries[" + std::to_string(i) + "]";
    const std::pair<std::string, std::string> key{text(o, "platform", where), text(o, "split", where)};
    b.mape[key] = number(o, "mape", where);
    if (o.contains("energy_mape")) b.energy_mape[key] = number(o, "energy_mape", where);
  }
  return b;
}

// The networks and platforms of the suite rows, each loaded once: networks
// by model path and input shapes, platforms by resolved path (or name). A
// failure is remembered and thrown again for every row that needs it.
class Loader {
 public:
  explicit Loader(const std::vector<std::string>& search_path) : search_path_(search_path) {}

  const Network& NetworkOf(const ValidationRow& row) {
    const std::string path = Resolve(row.directory, row.model);
    return Get(networks_, path + '\n' + FormatInputShapes(row.input_shapes) + '\n' + FormatNmsCompares(row.nms_compares), [&] {
      if ((!row.input_shapes.empty() || !row.nms_compares.empty()) && fs::path(path).extension() == ".json") {
        throw Error(path + ": input_shape and nms_compares cannot be set for an ANNETTE graph");
      }
      LoadOptions load;
      load.input_shapes = row.input_shapes;
      load.nms_compares = row.nms_compares;
      return LoadModel(path, load);
    });
  }

  // Names resolve on the search path, paths relative to the suite.
  const Platform& PlatformOf(const ValidationRow& row) {
    const bool by_path = IsPlatformPath(row.platform);
    const std::string key = by_path ? Resolve(row.directory, row.platform) : "\n" + row.platform;
    return Get(platforms_, key, [&] {
      return LoadPlatform(by_path ? ResolvePlatform(key, {}) : ResolvePlatform(row.platform, search_path_));
    });
  }

 private:
  // A value, or why it could not be loaded.
  template <typename T>
  struct Loaded {
    std::shared_ptr<const T> value;
    std::string error;
  };

  template <typename T, typename Load>
  static const T& Get(std::map<std::string, Loaded<T>>& cache, const std::string& key, Load load) {
    auto it = cache.find(key);
    if (it == cache.end()) {
      Loaded<T> loaded;
      try {
        loaded.value = std::make_shared<const T>(load());
      } catch (const Error& e) {
        loaded.error = e.what();
      }
      it = cache.emplace(key, std::move(loaded)).first;
    }
    if (!it->second.error.empty()) throw Error(it->second.error);
    return *it->second.value;
  }

  const std::vector<std::string>& search_path_;
  std::map<std::string, Loaded<Network>> networks_;    // model path + shapes
  std::map<std::string, Loaded<Platform>> platforms_;  // resolved path, or "\n" + name
};

// One row estimated and compared with its measurement, or why it could not be.
CheckRow EstimateRow(const ValidationRow& row, Loader& loader) {
  CheckRow out;
  out.row = row;
  try {
    const Network& network = loader.NetworkOf(row);
    const Platform& platform = loader.PlatformOf(row);
    EstimateOptions estimate;
    estimate.precision = row.precision;
    const Report report = EstimateNetwork(network, platform, estimate);
    out.platform_path = platform.path;
    // A runtime's per-layer Total has no per-inference host overhead in it.
    const bool layers_only = row.measures == "layers_sum";
    out.estimated_ms = layers_only ? report.total_ms - report.overhead_ms : report.total_ms;
    if (report.interval && report.total_ms > 0) {
      out.interval_low_ms = out.estimated_ms * report.interval->low_ms / report.total_ms;
      out.interval_high_ms = out.estimated_ms * report.interval->high_ms / report.total_ms;
      out.interval_level = report.interval->level;
    }
    out.error_pct = 100.0 * (out.estimated_ms - row.measured_ms) / row.measured_ms;
    if (row.measured_energy_mj || row.measured_power_w) {
      out.measured_energy_mj = row.measured_energy_mj.value_or(row.measured_power_w.value_or(0) * row.measured_ms);
      out.estimated_energy_mj = layers_only ? report.energy_mj - report.overhead_energy_mj : report.energy_mj;
      out.energy_error_pct = 100.0 * (*out.estimated_energy_mj - *out.measured_energy_mj) / *out.measured_energy_mj;
    }
  } catch (const Error& e) {
    out.error = e.what();
    out.estimated_ms = 0;
    out.error_pct = 0;
  }
  return out;
}

// Per (platform, split) over the rows that were estimated: platforms in order
// of first appearance, validation first.
std::vector<PlatformSummary> Summarise(const std::vector<CheckRow>& rows) {
  std::vector<std::string> platform_order;
  for (const CheckRow& r : rows) {
    if (std::find(platform_order.begin(), platform_order.end(), r.row.platform) == platform_order.end()) {
      platform_order.push_back(r.row.platform);
    }
  }
  std::vector<PlatformSummary> summaries;
  for (const std::string& platform : platform_order) {
    for (bool calibration : {false, true}) {
      PlatformSummary s;
      s.platform = platform;
      s.split = SplitName(calibration);
      double sum = 0, within = 0, energy_sum = 0, inside = 0;
      for (const CheckRow& r : rows) {
        if (r.row.platform != platform || r.row.calibration != calibration || !r.error.empty()) continue;
        if (r.interval_low_ms && r.interval_high_ms) {
          ++s.interval_rows;
          if (r.row.measured_ms >= *r.interval_low_ms && r.row.measured_ms <= *r.interval_high_ms) ++inside;
        }
        if (r.energy_error_pct) {
          ++s.energy_rows;
          energy_sum += std::fabs(*r.energy_error_pct);
        }
        const double a = std::fabs(r.error_pct);
        ++s.rows;
        sum += a;
        s.max_abs_error = std::max(s.max_abs_error, a);
        if (a <= 10.0) ++within;
      }
      if (s.rows == 0) continue;
      s.mape = sum / static_cast<double>(s.rows);
      s.within10 = 100.0 * within / static_cast<double>(s.rows);
      if (s.energy_rows > 0) s.energy_mape = energy_sum / static_cast<double>(s.energy_rows);
      if (s.interval_rows > 0) s.coverage = 100.0 * inside / static_cast<double>(s.interval_rows);
      summaries.push_back(s);
    }
  }
  return summaries;
}

// Whether tolerances and the baseline apply to a row.
bool Checked(const CheckRow& r, const CheckOptions& options) { return !options.validation_only || !r.row.calibration; }

// The baseline row a row is compared with: the n-th row with a key matches
// the n-th baseline row with that key. nullptr for a row new since the baseline.
BaselineRow* MatchBaseline(Baseline& baseline, const ValidationRow& row) {
  const std::string key =
      RowKey(row.model, row.platform, PrecisionName(row.precision), FormatInputShapes(row.input_shapes));
  for (BaselineRow& b : baseline.rows) {
    if (!b.used && RowKey(b.model, b.platform, b.precision, b.input_shape) == key) {
      b.used = true;
      return &b;
    }
  }
  return nullptr;
}

// Per row, in suite order: load errors, --max-error, baseline regression.
void CheckRows(CheckResult& result, const CheckOptions& options, Baseline* baseline) {
  const double row_margin = 5.0 * options.regression_margin;
  for (CheckRow& r : result.rows) {
    const std::string label = RowLabel(r.row);
    if (!r.error.empty()) {
      r.failures.push_back(label + ": " + r.error);
    }
    if (r.error.empty() && Checked(r, options) && options.max_error && std::fabs(r.error_pct) > *options.max_error) {
      r.failures.push_back(label + ": error " + Signed(r.error_pct) + " exceeds --max-error " +
                           Limit(*options.max_error) + "%");
    }
    if (baseline && Checked(r, options)) {
      const BaselineRow* match = MatchBaseline(*baseline, r.row);
      if (match == nullptr) {
        result.notes.push_back(label + ": new since the baseline" +
                               (r.error.empty() ? ", error " + Signed(r.error_pct) : std::string()));
      } else {
        const double was = std::fabs(match->error_pct);
        if (r.error.empty() && std::fabs(r.error_pct) > was + row_margin) {
          r.failures.push_back(label + ": error " + Signed(r.error_pct) + " regressed from " +
                               Signed(match->error_pct) + " in the baseline (allowed: |error| + " + Limit(row_margin) +
                               " pp)");
        }
        if (r.error.empty() && r.energy_error_pct && match->energy_error_pct &&
            std::fabs(*r.energy_error_pct) > std::fabs(*match->energy_error_pct) + row_margin) {
          r.failures.push_back(label + ": energy error " + Signed(*r.energy_error_pct) + " regressed from " +
                               Signed(*match->energy_error_pct) + " in the baseline (allowed: |error| + " +
                               Limit(row_margin) + " pp)");
        }
      }
    }
    result.failures.insert(result.failures.end(), r.failures.begin(), r.failures.end());
  }
}

// Per platform and split: --max-mape, --max-energy-mape, baseline MAPE.
void CheckSummaries(CheckResult& result, const CheckOptions& options, const Baseline* baseline) {
  for (PlatformSummary& s : result.summaries) {
    if (options.validation_only && s.split != "validation") continue;
    const std::string label =
        s.platform + " (" + s.split + ", " + std::to_string(s.rows) + (s.rows == 1 ? " row)" : " rows)");
    if (options.max_mape && s.mape > *options.max_mape) {
      s.failures.push_back(label + ": MAPE " + Fixed1(s.mape) + " exceeds --max-mape " + Limit(*options.max_mape) +
                           "%");
    }
    if (options.max_energy_mape && s.energy_rows > 0 && s.energy_mape > *options.max_energy_mape) {
      s.failures.push_back(label + ": energy MAPE " + Fixed1(s.energy_mape) + " exceeds --max-energy-mape " +
                           Limit(*options.max_energy_mape) + "%");
    }
    if (baseline && s.energy_rows > 0) {
      auto e = baseline->energy_mape.find({s.platform, s.split});
      if (e != baseline->energy_mape.end() && s.energy_mape > e->second + options.regression_margin) {
        s.failures.push_back(label + ": energy MAPE " + Fixed1(s.energy_mape) + " regressed from " + Fixed1(e->second) +
                             " in the baseline (allowed: + " + Limit(options.regression_margin) + " pp)");
      }
    }
    if (baseline) {
      auto b = baseline->mape.find({s.platform, s.split});
      if (b == baseline->mape.end()) {
        result.notes.push_back(label + ": not in the baseline, MAPE " + Fixed1(s.mape));
      } else if (s.mape > b->second + options.regression_margin) {
        s.failures.push_back(label + ": MAPE " + Fixed1(s.mape) + " regressed from " + Fixed1(b->second) +
                             " in the baseline (allowed: + " + Limit(options.regression_margin) + " pp)");
      }
    }
    result.failures.insert(result.failures.end(), s.failures.begin(), s.failures.end());
  }
}

// Baseline rows nothing matched, on the platforms and splits that were run:
// rows removed or renamed since.
void NoteUnmatchedBaselineRows(CheckResult& result, const CheckOptions& options, const Baseline& baseline) {
  for (const BaselineRow& b : baseline.rows) {
    if (b.used) continue;
    bool run = false;
    for (const CheckRow& r : result.rows) {
      run = run || (r.row.platform == b.platform && Checked(r, options) &&
                    (b.split.empty() || b.split == SplitName(r.row.calibration)));
    }
    if (!run) continue;
    result.notes.push_back(b.model + " on " + b.platform + " (" + b.precision +
                           (b.input_shape.empty() ? "" : ", " + b.input_shape) +
                           "): in the baseline but not in the suite");
  }
}

}  // namespace

std::string FormatInputShapes(const std::map<std::string, Shape>& shapes) {
  std::string out;
  for (const auto& [name, shape] : shapes) out += (out.empty() ? "" : ";") + name + "=" + ShapeToString(shape);
  return out;
}

std::string FormatNmsCompares(const std::map<std::string, std::int64_t>& counts) {
  std::string out;
  for (const auto& [name, count] : counts) out += (out.empty() ? "" : ";") + name + "=" + std::to_string(count);
  return out;
}

std::vector<ValidationRow> ReadValidationSuite(const std::string& path) {
  const std::string contents = ReadFile(path);

  std::string directory = fs::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  CsvReader reader(contents, path);
  Record r;
  if (!reader.Next(&r)) throw Error(path + ":1: no header row (the file is empty)");
  const Header header = ParseHeader(r, path);
  std::vector<ValidationRow> rows;
  while (reader.Next(&r)) rows.push_back(ParseRow(r, header, path, directory));
  if (rows.empty()) throw Error(path + ": the suite has no rows");
  return rows;
}

constexpr NameTable<SuiteSplit, 3> kSplitNames = {{{
    {SuiteSplit::kValidation, "validation"},
    {SuiteSplit::kCalibration, "calibration"},
    {SuiteSplit::kAll, "all"},
}}};

const char* SuiteSplitName(SuiteSplit split) { return kSplitNames.Name(split); }

bool ParseSuiteSplit(const std::string& text, SuiteSplit* out) { return kSplitNames.Parse(text, out); }

std::vector<ValidationRow> ReadValidationSuites(const std::vector<std::string>& paths, SuiteSplit split) {
  std::vector<ValidationRow> rows;
  for (const std::string& path : paths) {
    for (ValidationRow& row : ReadValidationSuite(path)) {
      if (split == SuiteSplit::kAll || (split == SuiteSplit::kCalibration) == row.calibration) {
        rows.push_back(std::move(row));
      }
    }
  }
  if (rows.empty()) throw Error("check: no " + std::string(SuiteSplitName(split)) + " rows in the suite(s)");
  return rows;
}

std::vector<const CheckRow*> CheckResult::Unusable() const {
  std::vector<const CheckRow*> out;
  for (const CheckRow& r : rows) {
    if (!r.error.empty()) out.push_back(&r);
  }
  return out;
}

CheckResult RunCheck(const std::vector<ValidationRow>& rows, const CheckOptions& options) {
  Loader loader(options.search_path);
  CheckResult result;
  for (const ValidationRow& row : rows) result.rows.push_back(EstimateRow(row, loader));
  result.summaries = Summarise(result.rows);
  std::optional<Baseline> baseline;
  if (!options.baseline.empty()) baseline = ReadBaseline(options.baseline);
  CheckRows(result, options, baseline ? &*baseline : nullptr);
  CheckSummaries(result, options, baseline ? &*baseline : nullptr);
  if (baseline) NoteUnmatchedBaselineRows(result, options, *baseline);
  return result;
}

std::vector<TrustUpdate> DeriveTrust(const CheckResult& all_rows, const TrustOptions& options) {
  std::vector<std::string> order;
  for (const CheckRow& r : all_rows.rows) {
    if (!r.error.empty() || r.platform_path.empty()) continue;
    if (std::find(order.begin(), order.end(), r.platform_path) == order.end()) order.push_back(r.platform_path);
  }
  // Figures as they go into a profile: percentages to 0.01, ratios to 4 significant digits.
  const auto pct = [](double v) { return std::round(v * 100.0) / 100.0; };
  const auto ratio = [](double v) {
    const double scale = std::pow(10.0, 3 - std::floor(std::log10(v)));
    return std::round(v * scale) / scale;
  };
  std::vector<TrustUpdate> updates;
  for (const std::string& path : order) {
    // The suites this profile's rows came from ("suite.csv:12" -> "suite.csv"), in the order given.
    std::string suites;
    for (const std::string& suite : options.suites) {
      bool used = false;
      for (const CheckRow& r : all_rows.rows) {
        used = used || (r.platform_path == path && r.row.origin.rfind(suite + ":", 0) == 0);
      }
      if (used) suites += (suites.empty() ? "" : ", ") + suite;
    }
    if (suites.empty()) {
      for (const std::string& suite : options.suites) suites += (suites.empty() ? "" : ", ") + suite;
    }
    const Platform platform = LoadPlatform(path);
    TrustUpdate u;
    u.platform = platform.name;
    u.profile_path = path;
    std::vector<double> ratios;
    std::vector<const CheckRow*> validation;
    for (const CheckRow& r : all_rows.rows) {
      if (!r.error.empty() || r.platform_path != path) continue;
      if (r.row.calibration) {
        if (r.estimated_ms > 0) ratios.push_back(r.row.measured_ms / r.estimated_ms);
      } else {
        validation.push_back(&r);
      }
    }
    if (!ratios.empty()) {
      u.interval = ConformalInterval(
          ratios, options.level, "split-conformal on log(measured/estimated) of whole networks",
          std::to_string(ratios.size()) + " calibration row" + (ratios.size() == 1 ? "" : "s") + " of " + suites +
              " (" + options.tool + ", odonata " + Version() + ", " + options.date + ")");
      u.interval->low = ratio(u.interval->low);
      u.interval->high = ratio(u.interval->high);
    }
    if (!validation.empty()) {
      Validation v;
      double sum = 0, within = 0, inside = 0, with_interval = 0;
      std::vector<std::string> measures;
      for (const CheckRow* r : validation) {
        const double a = std::fabs(r->error_pct);
        sum += a;
        v.max_abs_error = std::max(v.max_abs_error, a);
        if (a <= 10.0) ++within;
        std::optional<double> lo = r->interval_low_ms, hi = r->interval_high_ms;
        if (u.interval) {
          lo = r->estimated_ms * u.interval->low;
          hi = r->estimated_ms * u.interval->high;
        }
        if (lo && hi) {
          ++with_interval;
          if (r->row.measured_ms >= *lo && r->row.measured_ms <= *hi) ++inside;
        }
        if (std::find(measures.begin(), measures.end(), r->row.measures) == measures.end()) {
          measures.push_back(r->row.measures);
        }
      }
      const auto n = static_cast<double>(validation.size());
      v.networks = static_cast<std::int64_t>(validation.size());
      v.mape = pct(sum / n);
      v.within10 = pct(100.0 * within / n);
      v.max_abs_error = pct(v.max_abs_error);
      if (with_interval > 0) v.coverage = pct(100.0 * inside / with_interval);
      std::string what;
      for (const std::string& m : measures) what += (what.empty() ? "" : "; ") + m;
      v.measured = what + " on " + (platform.machine ? platform.machine->model_name : platform.description);
      v.suite = suites;
      v.date = options.date;
      v.source = options.tool + ", odonata " + Version();
      u.validation = v;
    }
    updates.push_back(std::move(u));
  }
  return updates;
}

std::string ApplyTrust(const TrustUpdate& update) {
  Platform platform = ParsePlatform(ReadFile(update.profile_path), update.profile_path);
  if (update.interval) platform.interval = update.interval;
  if (update.validation) platform.validation = update.validation;
  return PlatformJson(platform, update.profile_path);
}

}  // namespace odonata
