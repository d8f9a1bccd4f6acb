// A runtime's per-call and per-node cost from timed chains of cheap nodes
// (`odonata fit --dispatch`, tools/ort/dispatch.js --chains).
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/fit.h"
#include "fit_util.h"
#include "text.h"
#include "units.h"

namespace odonata {
namespace {

using fit::Median;

// A finite number >= 0 (units.h: ParseFiniteNumber), or an error naming the line and column.
double ParseNumber(const std::string& s, const std::string& where, const char* column) {
  double v = -1;
  try {
    v = ParseFiniteNumber(s);
  } catch (const Error&) {
  }
  if (!(v >= 0)) throw Error(where + ": column " + column + ": expected a number >= 0, got '" + s + "'");
  return v;
}

std::string Us(double ms) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", ms * 1000.0);
  return b;
}

}  // namespace

std::string DispatchFit::Describe() const {
  std::string s;
  for (const DispatchOpFit& o : ops) {
    s += (s.empty() ? "" : ", ") + o.op + " " + Us(o.per_node_ms) + " us/node and " + Us(o.per_call_ms) +
         " us/call (" + std::to_string(o.chains) + " chains of " + std::to_string(o.min_nodes) + "-" +
         std::to_string(o.max_nodes) + " nodes)";
  }
  return s + "; medians " + Us(per_node_ms) + " us per node, " + Us(per_call_ms) + " us per call";
}

DispatchFit FitDispatch(std::string_view csv_text, const std::string& origin) {
  text::CsvReader reader(csv_text, origin);
  text::CsvRecord header;
  if (!reader.Next(&header)) throw Error(origin + ": empty file (expected tools/ort/dispatch.js --chains output)");
  auto column = [&](const char* name) {
    return fit::RequireColumn(header, origin, name,
                              "tools/ort/dispatch.js --chains output: kind, op, executed_nodes, run_ms");
  };
  const std::size_t kind = column("kind"), op = column("op"), nodes = column("executed_nodes"),
                    run = column("run_ms");
  struct Points {
    std::vector<double> x, y;
  };
  std::map<std::string, Points> by_op;
  text::CsvRecord r;
  while (reader.Next(&r)) {
    const std::string where = origin + ":" + std::to_string(r.line);
    fit::RequireFieldCount(r, header.fields.size(), where);
    if (r.fields[kind] != "chain") continue;  // networks timed alongside are not chains
    Points& p = by_op[r.fields[op]];
    p.x.push_back(ParseNumber(r.fields[nodes], where, "executed_nodes"));
    p.y.push_back(ParseNumber(r.fields[run], where, "run_ms"));
  }
  if (by_op.empty()) throw Error(origin + ": no rows of kind 'chain'");
  DispatchFit fit;
  std::vector<double> slopes, intercepts;
  for (const auto& [name, p] : by_op) {
    // Siegel's repeated median: per chain the median of its slopes to the
    // others, then the median of those; then the median intercept. One slow
    // timing of a shared machine moves a least-squares line of four chains by
    // tens of percent, and Theil-Sen's median of all pairwise slopes too (half
    // of the six pairs of four chains hold the slow one); the repeated median
    // ignores it (breakdown point 50%).
    std::vector<double> point_slopes;
    for (std::size_t i = 0; i < p.x.size(); ++i) {
      std::vector<double> slopes_i;
      for (std::size_t j = 0; j < p.x.size(); ++j) {
        if (p.x[j] != p.x[i]) slopes_i.push_back((p.y[j] - p.y[i]) / (p.x[j] - p.x[i]));
      }
      if (!slopes_i.empty()) point_slopes.push_back(Median(slopes_i));
    }
    if (point_slopes.empty()) {
      throw Error(origin + ": op " + name + ": its chains do not span two node counts (a line needs two)");
    }
    DispatchOpFit o;
    o.op = name;
    o.chains = static_cast<int>(p.x.size());
    o.min_nodes = static_cast<std::int64_t>(*std::min_element(p.x.begin(), p.x.end()));
    o.max_nodes = static_cast<std::int64_t>(*std::max_element(p.x.begin(), p.x.end()));
    o.per_node_ms = Median(point_slopes);
    std::vector<double> residual;
    for (std::size_t i = 0; i < p.x.size(); ++i) residual.push_back(p.y[i] - o.per_node_ms * p.x[i]);
    o.per_call_ms = Median(residual);
    slopes.push_back(o.per_node_ms);
    intercepts.push_back(o.per_call_ms);
    fit.ops.push_back(o);
  }
  fit.per_node_ms = std::max(0.0, Median(slopes));
  fit.per_call_ms = std::max(0.0, Median(intercepts));
  return fit;
}

}  // namespace odonata
