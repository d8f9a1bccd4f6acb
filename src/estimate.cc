#include <algorithm>
#include <map>

#include "odonata/errors.h"
#include "odonata/fusion.h"
#include "odonata/report.h"

namespace odonata {
namespace {

// Every estimator a profile names must exist, whether or not this network uses it.
void CheckEstimators(const Platform& p) {
  auto check = [&](const ClassModel& m, const std::string& key) {
    if (!FindEstimator(m.estimator)) {
      std::string names;
      for (const auto& e : Estimators()) names += (names.empty() ? "" : ", ") + e.name;
      throw Error(p.path + ": classes." + key + ".estimator: unknown estimator '" + m.estimator + "' (known: " + names +
                  ")");
    }
  };
  check(p.default_class, "default");
  for (const auto& [cls, m] : p.classes) check(m, OpClassName(cls));
}

}  // namespace

Report EstimateNetwork(const Network& net, const Platform& platform, const EstimateOptions& options) {
  const Precision precision = options.precision.value_or(platform.default_precision);
  if (!platform.precisions.count(precision)) {
    std::string have;
    for (const auto& [p, spec] : platform.precisions)
      have += (have.empty() ? "" : ", ") + std::string(PrecisionName(p));
    throw Error("platform '" + platform.name + "' does not support " + PrecisionName(precision) +
                " (supported: " + have + ")");
  }
  CheckEstimators(platform);

  Report report;
  report.model = net.name;
  report.model_path = net.source;
  report.platform = platform.DisplayName();
  report.platform_path = platform.path;
  report.precision = precision;
  report.peak_gops = platform.precisions.at(precision).peak_gops.value;
  report.bandwidth_gbps = platform.precisions.at(precision).bandwidth_gbps.value;
  report.totals = net.Totals();
  report.nodes = static_cast<std::int64_t>(net.layers.size());
  report.warnings = net.warnings;
  report.overhead_ms = platform.overhead_ms.value;

  const auto& free_ops = platform.fusion.free_ops;
  std::map<std::string, int> unknown;
  double sum = 0, energy = 0;
  for (Layer& layer : Fuse(net, platform.fusion)) {
    const ClassModel& model = platform.ModelFor(layer.op_class);
    const EstimatorInfo* est = FindEstimator(model.estimator);
    if (layer.covers.size() == 1 && std::find(free_ops.begin(), free_ops.end(), layer.op_type) != free_ops.end()) {
      est = FindEstimator("free");
    } else if (layer.unknown_op) {
      // Never dropped: costed as the traffic it causes, and flagged.
      est = FindEstimator("memory");
      ++unknown[layer.domain.empty() ? layer.op_type : layer.domain + "." + layer.op_type];
    }
    ReportRow row;
    row.estimate = est->fn(EstimatorContext{layer, platform, precision, model});
    row.ms = row.estimate.ms * static_cast<double>(layer.repeat);
    row.energy_mj = platform.ActivePowerW(layer.op_class) * row.ms;  // W x ms = mJ
    if (layer.unknown_op) row.flags.push_back("unknown_op");
    if (layer.data_dependent) row.flags.push_back("data_dependent");
    if (row.estimate.extrapolated) row.flags.push_back("extrapolated");
    row.layer = std::move(layer);
    sum += row.ms;
    energy += row.energy_mj;
    report.rows.push_back(std::move(row));
  }
  report.total_ms = sum + report.overhead_ms;
  // The device idles through the overhead (host calls, transfers).
  report.overhead_energy_mj = platform.idle_power_w.value * report.overhead_ms;
  report.energy_mj = energy + report.overhead_energy_mj;
  report.avg_power_w = report.total_ms > 0 ? report.energy_mj / report.total_ms : 0.0;
  for (ReportRow& row : report.rows) {
    row.percent = report.total_ms > 0 ? 100.0 * row.ms / report.total_ms : 0.0;
  }
  if (!unknown.empty()) {
    std::string ops;
    for (const auto& [op, count] : unknown) ops += (ops.empty() ? "" : ", ") + op + " x" + std::to_string(count);
    report.warnings.push_back("ops odonata does not know were estimated as memory-bound copies and flagged: " + ops);
  }
  return report;
}

}  // namespace odonata
