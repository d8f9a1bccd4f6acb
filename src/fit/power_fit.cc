// Fitting the power model (fit.h FitPower): per op class, the time-weighted
// mean power of the rows that carry power or energy.
//
// Why sum(E) / sum(t) and not least squares of E on t: an estimate charges a
// network's energy as the sum of its layers' active_w x time, so the number
// that matters is the one that gets summed energies right; the time-weighted
// mean reproduces the fitted rows' total energy exactly. Least squares through
// the origin (sum(E t) / sum(t^2)) weights every row by t^2, so the few longest
// layers of a sweep would decide the class's power.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "odonata/errors.h"
#include "odonata/fit.h"
#include "fit_util.h"
#include "text.h"

namespace odonata {
namespace {

struct PowerGroup {
  OpClass cls = OpClass::kUnknown;
  Precision precision = Precision::kFp32;
  std::vector<double> ms, mj;
  std::vector<std::string> origins;
};

// Energy of one row, mJ, or nullopt when it has neither power nor energy.
std::optional<double> RowEnergy(const Measurement& row) {
  if (!row.energy_mj && !row.power_w) return std::nullopt;
  if (!row.energy_mj) return *row.power_w * row.latency_ms;
  if (row.power_w) {
    const double from_power = *row.power_w * row.latency_ms;
    const double larger = std::max(from_power, *row.energy_mj);
    const double apart = larger > 0 ? 100.0 * std::fabs(from_power - *row.energy_mj) / larger : 0.0;
    if (apart > kPowerConsistencyPct) {
      throw Error(row.origin + ": power_w " + fit::Sig4(*row.power_w) + " W x latency_ms " + fit::Sig4(row.latency_ms) +
                  " ms = " + fit::Sig4(from_power) + " mJ, but energy_mj is " + fit::Sig4(*row.energy_mj) + " (" +
                  fit::Sig4(apart) + "% apart, more than " + fit::Sig4(kPowerConsistencyPct) +
                  "%); is one of them in other units (mW, J)?");
    }
  }
  return *row.energy_mj;
}

std::optional<double> IdlePower(const Measurement& row) {
  for (const auto& [column, text] : row.extra) {
    if (column != "idle_power_w" || text.empty()) continue;
    double v = 0;
    if (text::ParseWhole(text, &v) != text::Parsed::kOk || v < 0) {
      throw Error(row.origin + ": idle_power_w: '" + text + "' is not a number >= 0");
    }
    return v;
  }
  return std::nullopt;
}

PowerClassFit FitGroup(const PowerGroup& g) {
  PowerClassFit f;
  f.op_class = g.cls;
  f.precision = g.precision;
  f.rows = static_cast<std::int64_t>(g.ms.size());
  f.origins = g.origins;
  f.measured_mj = g.mj;
  double sum_ms = 0, sum_mj = 0;
  for (std::size_t i = 0; i < g.ms.size(); ++i) {
    sum_ms += g.ms[i];
    sum_mj += g.mj[i];
  }
  f.active_w = sum_mj / sum_ms;
  f.min_w = f.max_w = g.mj.front() / g.ms.front();
  double sq = 0, ape = 0;
  std::int64_t ape_rows = 0;
  for (std::size_t i = 0; i < g.ms.size(); ++i) {
    const double w = g.mj[i] / g.ms[i];
    f.min_w = std::min(f.min_w, w);
    f.max_w = std::max(f.max_w, w);
    sq += (w - f.active_w) * (w - f.active_w);
    const double predicted = f.active_w * g.ms[i];
    f.predicted_mj.push_back(predicted);
    if (g.mj[i] > 0) {
      ape += std::fabs(predicted - g.mj[i]) / g.mj[i];
      ++ape_rows;
    }
  }
  f.power_rmse_w = std::sqrt(sq / static_cast<double>(g.ms.size()));
  f.energy_mape = ape_rows ? 100.0 * ape / static_cast<double>(ape_rows) : 0.0;
  return f;
}

std::string GroupName(OpClass c, Precision p) { return std::string(OpClassName(c)) + " " + PrecisionName(p); }

}  // namespace

PowerFit FitPower(const std::vector<Measurement>& rows, Platform& platform, const std::string& provenance,
                  std::vector<std::string>& warnings) {
  PowerFit fit;
  std::map<std::pair<OpClass, Precision>, PowerGroup> groups;
  std::vector<double> idle;
  for (const Measurement& row : rows) {
    if (std::optional<double> w = IdlePower(row)) idle.push_back(*w);
    // The same rows FitPlatform skips for latency (it has warned about them).
    if (!platform.precisions.count(row.config.precision)) continue;
    if (!std::isfinite(row.latency_ms) || row.latency_ms <= 0) continue;
    const std::optional<double> mj = RowEnergy(row);
    if (!mj) {
      ++fit.rows_without;
      continue;
    }
    Layer layer;
    try {
      layer = ToLayer(row);
    } catch (const Error&) {
      continue;
    }
    PowerGroup& g = groups[{layer.op_class, row.config.precision}];
    g.cls = layer.op_class;
    g.precision = row.config.precision;
    g.ms.push_back(row.latency_ms);
    g.mj.push_back(*mj);
    g.origins.push_back(row.origin);
    ++fit.rows;
  }

  // One active_w per class serves every precision: the group with the most
  // rows (of those with enough) decides, as for the latency models.
  std::map<OpClass, std::size_t> decider;
  for (const auto& [key, g] : groups) {
    fit.classes.push_back(FitGroup(g));
    const PowerClassFit& f = fit.classes.back();
    if (static_cast<std::size_t>(f.rows) < kMinPowerRows) continue;
    auto d = decider.find(key.first);
    if (d == decider.end() || fit.classes[d->second].rows < f.rows) decider[key.first] = fit.classes.size() - 1;
  }
  for (std::size_t i = 0; i < fit.classes.size(); ++i) {
    PowerClassFit& f = fit.classes[i];
    const std::string name = GroupName(f.op_class, f.precision);
    if (static_cast<std::size_t>(f.rows) < kMinPowerRows) {
      f.note = std::to_string(f.rows) + " rows with power, at least " + std::to_string(kMinPowerRows) +
               " are needed; active_w kept";
      warnings.push_back(name + ": power not fitted: " + f.note);
      continue;
    }
    const PowerClassFit& d = fit.classes[decider.at(f.op_class)];
    if (&d != &f) {
      f.note = "not written: the class's active_w comes from the " + std::string(PrecisionName(d.precision)) +
               " rows (the most numerous)";
      warnings.push_back(name + ": power " + fit::Sig4(f.active_w) + " W " + f.note + ", " + fit::Sig4(d.active_w) + " W");
      continue;
    }
    f.written = true;
    auto it = platform.classes.find(f.op_class);
    if (it == platform.classes.end()) it = platform.classes.emplace(f.op_class, platform.ModelFor(f.op_class)).first;
    it->second.active_power_w =
        Sourced{f.active_w, provenance + " (odonata fit: time-weighted mean power sum(energy)/sum(latency) of " +
                                std::to_string(f.rows) + " " + name + " rows; per-row " + fit::Sig4(f.min_w) + " to " +
                                fit::Sig4(f.max_w) + " W, RMS deviation " + fit::Sig4(f.power_rmse_w) +
                                " W, energy MAPE " + fit::Sig4(f.energy_mape) + "%)"};
  }

  if (!idle.empty()) {
    std::sort(idle.begin(), idle.end());
    const std::size_t n = idle.size();
    fit.idle_rows = static_cast<std::int64_t>(n);
    fit.idle_w = n % 2 ? idle[n / 2] : 0.5 * (idle[n / 2 - 1] + idle[n / 2]);
    platform.idle_power_w = Sourced{fit.idle_w, provenance + " (odonata fit: median idle_power_w of " +
                                                    std::to_string(n) + " rows, " + fit::Sig4(idle.front()) + " to " +
                                                    fit::Sig4(idle.back()) + " W)"};
  }
  return fit;
}

}  // namespace odonata
