// Fitting from measurement files: provenance, naming and description of the
// fitted profile, and what it must not inherit from its base.
#include <cstdio>
#include <filesystem>
#include <map>

#include "odonata/errors.h"
#include "odonata/fit.h"
#include "fit_util.h"
#include "odonata/measurements.h"
#include "io.h"
#include "odonata/errors.h"
#include "odonata/trust.h"
#include "odonata/version.h"

namespace odonata {
namespace {

// The precision with the most fitted rows (ties: the base's default, then the
// first in Precision order); nullopt when no class was fitted.
std::optional<Precision> FittedPrecision(const FitReport& fit, Precision base_default) {
  std::map<Precision, std::int64_t> rows;
  for (const ClassFit& c : fit.classes) {
    if (!c.chosen.empty()) rows[c.precision] += c.stats.rows;
  }
  std::optional<Precision> best;
  for (const auto& [precision, n] : rows) {
    if (!best || n > rows[*best] || (n == rows[*best] && precision == base_default)) best = precision;
  }
  return best;
}

}  // namespace

FitReport FitMeasurementFiles(const std::vector<std::string>& files, const Platform& base,
                              const FitFilesOptions& options) {
  std::vector<Measurement> rows;
  std::string names;
  for (const std::string& path : files) {
    std::vector<Measurement> part = ReadMeasurements(path, /*require_latency=*/true);
    rows.insert(rows.end(), part.begin(), part.end());
    names += (names.empty() ? "" : ", ") + path;
  }
  const std::string provenance = "measured: " + names + ", odonata " + Version();
  FitReport fit = FitPlatform(rows, base, provenance, options.folds, options.trees, options.residuals);
  const std::optional<Precision> fitted = FittedPrecision(fit, base.default_precision);
  if (!fitted) {
    throw Error(names + ": no op class has enough rows to fit (at least " + std::to_string(kMinFitRows) +
                " per class and precision" + (rows.empty() ? "; the files have no rows)" : ")") +
                (fit.warnings.empty() ? "" : "; " + fit.warnings.front()));
  }
  Platform& p = fit.platform;
  if (options.name) p.name = *options.name;
  p.default_precision = *fitted;
  if (options.description) p.description = *options.description;
  if (options.price_usd) p.price_usd = {*options.price_usd, "given to odonata fit --price"};
  p.validation.reset();
  p.interval.reset();
  p.machine.reset();
  std::string sources;
  for (const std::string& path : options.machine_files) {
    const HostMachine m = MachineFromProvenance(ReadFile(path), path);
    if (p.machine) {
      if (auto differ = MachineMismatch(p.name, *p.machine, m)) {
        throw Error(path + ": another CPU than " + options.machine_files.front() + " (" + DescribeMachine(m) +
                    " vs " + DescribeMachine(*p.machine) + ")");
      }
    } else {
      p.machine = m;
    }
    sources += (sources.empty() ? "" : "; ") + m.source;
  }
  if (p.machine) p.machine->source = sources;
  if (options.dispatch_file) {
    const std::string& path = *options.dispatch_file;
    const DispatchFit d = FitDispatch(ReadFile(path), path);
    const std::string source = "measured: " + path +
                               " (session.run of chains of cheap nodes, tools/ort/dispatch.js --chains; per op a "
                               "repeated-median line run = a + b x executed nodes: " +
                               d.Describe() + "), odonata " + Version();
    p.overhead_ms = {d.per_call_ms, source + ": the per-call a"};
    p.dispatch_ms = Sourced{d.per_node_ms, source + ": the per-node b"};
    fit.dispatch = d;
  }
  // Activations priced by chains timed whole, before the cache share estimates its chains with them.
  if (options.activation_chains_file) {
    const std::string& path = *options.activation_chains_file;
    fit.activation_chains = FitActivationChains(ReadFile(path), path);
    for (const ActivationChainFit& c : fit.activation_chains) {
      const char* name = FusedActivationName(c.activation);
      const auto it = p.fused_activation.find(c.activation);
      const std::string pairs =
          it == p.fused_activation.end() ? std::string("no sweep pairs' value to replace")
                                        : "replaces the sweep pairs' " + fit::Sig4(it->second.value) + " ns";
      if (!c.adopted) {
        fit.warnings.push_back(path + ": " + std::to_string(c.chains) + " " + name + " chain rows, fewer than " +
                               std::to_string(kActivationChainMinRows) + ": not used");
        continue;
      }
      FusedActivationCost cost;
      cost.value = c.ns;
      cost.rows = static_cast<std::int64_t>(c.chains);
      cost.source = "measured: " + path + ", odonata " + Version() + " (odonata fit --activation-chains: " +
                    std::to_string(c.chains) + " chains of 6 convolutions + " + name +
                    " against their plain twins, tools/ort/act_chains.py, timed whole, warm and unprofiled by "
                    "tools/ort/cache_state.js; median of (t_act - t_plain) / layers / output elements, p10 " +
                    fit::Sig4(c.p10) + ", p90 " + fit::Sig4(c.p90) + " ns; " + pairs + ")";
      p.fused_activation[c.activation] = std::move(cost);
    }
  }
  // The cache capacity is the measured machine's: only from a probe, never the base's.
  p.cache.reset();
  if (options.cache_probe_file) {
    const std::string& path = *options.cache_probe_file;
    fit.cache = FitCacheCapacity(ReadMeasurements(path), "measured: " + path + ", odonata " + Version());
    p.cache = fit.cache->capacity;
  }
  // The partial cache state: networks timed warm and cold, estimated with the profile fitted above.
  if (options.cache_chains_file) {
    const std::string& path = *options.cache_chains_file;
    const std::string dir = options.cache_chains_dir
                                ? *options.cache_chains_dir
                                : std::filesystem::path(path).parent_path().string();
    fit.cache_share = FitCacheChains(ReadFile(path), path, dir.empty() ? "." : dir, p,
                                     "measured: " + path + ", odonata " + Version());
    if (!p.cache) {
      p.cache = CacheCapacity{};
      p.cache->capacity_bytes = -1;
      p.cache->source = fit.cache_share->model.source;
    }
    p.cache->share = fit.cache_share->model;
  }
  // The int8 convolutions inside a network (CacheInt8): after the share, on the int8 chains alone, so the share
  // above is the same with and without them.
  if (options.int8_chains_file) {
    if (!options.cache_chains_file) throw Error("fit: --int8-chains needs --cache-chains (it is fitted after the share)");
    const std::string& path = *options.int8_chains_file;
    const std::string dir = options.int8_chains_dir ? *options.int8_chains_dir
                                                    : std::filesystem::path(path).parent_path().string();
    fit.int8_chains = FitInt8Chains(ReadFile(path), path, dir.empty() ? "." : dir, p,
                                    "measured: " + path + ", odonata " + Version());
    p.cache->int8 = fit.int8_chains->model;
  }
  if (options.same_board) {
    p.notes.push_back("Fitted by " + provenance + " on top of " + base.name + ".");
    return fit;
  }
  if (!options.description) p.description = "Fitted by odonata fit from " + names + " on top of " + base.name;
  if (!p.modes.empty()) {
    std::string list;
    for (const auto& [mode, m] : p.modes) list += (list.empty() ? "" : ", ") + mode;
    p.notes.push_back("The operating modes of " + base.name + " (" + list +
                      ") were not carried over: they scale " + base.name + "'s numbers, not this board's.");
    p.modes.clear();
  }
  if (!options.price_usd) {
    p.price_usd.source = "copied from " + base.name + " by odonata fit, not this board's price (" +
                         base.price_usd.source + ")";
    char price[64];
    std::snprintf(price, sizeof price, "%g", base.price_usd.value);
    fit.warnings.push_back("the profile keeps " + base.name + "'s price ($" + price + ")" +
                           (options.dispatch_file ? " and idle power" : ", overhead and idle power") +
                           ": give --price, and edit the file for the others");
  }
  p.notes.push_back("Fitted by " + provenance + " on top of " + base.name + ".");
  return fit;
}

}  // namespace odonata
