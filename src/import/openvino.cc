// OpenVINO benchmark_app per-layer reports (--report_type average_counters or
// detailed_counters). Both are ';'-separated blocks of
//   layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms)
//   <one row per layer>
//   Total;;;;<real>;<cpu>
// followed by an empty line: average_counters writes one block,
// detailed_counters one per infer request (same layers, same order).
// Columns are found by header name, so reordered or extra columns are accepted.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io.h"
#include "odonata/errors.h"
#include "odonata/importers.h"

namespace odonata {
namespace {

std::vector<std::string> Split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  for (;;) {
    auto end = line.find(sep, start);
    out.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

bool IsBlank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

struct Columns {
  int name = -1, status = -1, layer_type = -1, exec_type = -1, real_ms = -1;
  std::size_t count = 0;
};

// Column indexes named in a header line; -1 for those absent.
Columns ParseHeader(const std::string& line) {
  Columns c;
  const std::vector<std::string> fields = Split(line, ';');
  c.count = fields.size();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string& f = fields[i];
    const int index = static_cast<int>(i);
    if (f == "layerName") c.name = index;
    if (f == "execStatus") c.status = index;
    if (f == "layerType") c.layer_type = index;
    if (f == "execType") c.exec_type = index;
    // "realTime (ms)" in all releases seen; the unit is checked, not assumed.
    if (f == "realTime (ms)") c.real_ms = index;
  }
  return c;
}

double ParseMs(const std::string& text, const std::string& where, const char* column) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(begin, &end);
  if (text.empty() || end != begin + text.size() || errno == ERANGE || !std::isfinite(v) || v < 0) {
    throw Error(where + ": " + column + ": '" + text + "' is not a time in ms");
  }
  return v;
}

struct Block {
  std::vector<RuntimeLayerTime> rows;
  double total_ms = 0;
  bool has_total = false;
};

}  // namespace

RuntimeReport ReadOpenVinoReport(const std::string& path) {
  std::istringstream in(ReadFile(path));  // "-": standard input

  std::vector<Block> blocks;
  Columns cols;
  bool in_block = false;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = path + ":" + std::to_string(line_no);
    if (IsBlank(line)) continue;
    if (!in_block) {
      cols = ParseHeader(line);
      if (cols.name < 0 || cols.status < 0 || cols.layer_type < 0 || cols.exec_type < 0 || cols.real_ms < 0) {
        throw Error(where +
                    ": expected a header 'layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms)' "
                    "(not an OpenVINO per-layer report?)");
      }
      blocks.emplace_back();
      in_block = true;
      continue;
    }
    const std::vector<std::string> f = Split(line, ';');
    if (f.size() != cols.count) {
      throw Error(where + ": expected " + std::to_string(cols.count) + " ';'-separated fields, got " +
                  std::to_string(f.size()));
    }
    Block& b = blocks.back();
    if (f[cols.name] == "Total" && f[cols.status].empty()) {
      b.total_ms = ParseMs(f[cols.real_ms], where, "realTime (ms)");
      b.has_total = true;
      in_block = false;  // a detailed_counters report may start another block
      continue;
    }
    RuntimeLayerTime r;
    r.name = f[cols.name];  // fused layers keep their comma-joined names; may be empty (<Extra> stages)
    r.status = f[cols.status];
    if (r.status != "EXECUTED" && r.status != "OPTIMIZED_OUT" && r.status != "NOT_RUN") {
      throw Error(where + ": execStatus '" + r.status + "' is not EXECUTED, OPTIMIZED_OUT or NOT_RUN");
    }
    r.layer_type = f[cols.layer_type];
    r.exec_type = f[cols.exec_type];
    r.ms = ParseMs(f[cols.real_ms], where, "realTime (ms)");
    r.origin = where;
    b.rows.push_back(std::move(r));
  }
  if (in.bad()) throw Error(path + ": read error");
  if (blocks.empty()) throw Error(path + ": empty report");
  if (!blocks.back().has_total) throw Error(path + ": no 'Total' row at the end (truncated report?)");

  // detailed_counters: one block per infer request, averaged here as
  // benchmark_app's average_counters would.
  RuntimeReport report;
  report.format = RuntimeName(Runtime::kOpenVino);
  report.layers = blocks[0].rows;
  double total = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    total += b.total_ms;
    if (i == 0) continue;
    if (b.rows.size() != blocks[0].rows.size()) {
      throw Error(path + ": request block " + std::to_string(i + 1) + " has " + std::to_string(b.rows.size()) +
                  " layers, block 1 has " + std::to_string(blocks[0].rows.size()));
    }
    for (std::size_t j = 0; j < b.rows.size(); ++j) {
      if (b.rows[j].name != blocks[0].rows[j].name) {
        throw Error(b.rows[j].origin + ": layer '" + b.rows[j].name + "' where block 1 has '" + blocks[0].rows[j].name +
                    "'");
      }
      report.layers[j].ms += b.rows[j].ms;
    }
  }
  const double n = static_cast<double>(blocks.size());
  if (blocks.size() > 1) {
    for (RuntimeLayerTime& r : report.layers) r.ms /= n;
  }
  report.total_ms = total / n;
  // average_counters does not say over how many inferences it averaged.
  report.runs = blocks.size() > 1 ? static_cast<int>(blocks.size()) : 0;
  return report;
}

}  // namespace odonata
