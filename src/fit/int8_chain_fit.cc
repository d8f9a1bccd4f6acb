// The int8 convolutions inside a network (CacheInt8; run 28 candidate, helper int8warm, declared
// 2026-12-07 23:18 UTC before any candidate was scored): fitted after the cache share, on the int8 QDQ
// chains alone, so that the share and its choice are the same with and without them.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fit_util.h"
#include "layer_cost.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/fit.h"
#include "odonata/fusion.h"
#include "odonata/model.h"
#include "text.h"

namespace odonata {

double Int8ChainRow::EstimateAt(double scale, double exponent, bool capped) const {
  double s = rest_ms;
  for (double w : int8_warm_ms) {
    const double t = scale * std::pow(w, exponent);
    s += capped ? std::min(w, t) : t;
  }
  return s;
}

namespace {

constexpr double kLnScaleLow = -6.0, kLnScaleHigh = 2.0;
constexpr double kExponentLow = 0.1, kExponentHigh = 2.0;

double Loss(const std::vector<Int8ChainRow>& rows, const std::vector<bool>& use, double ln_a, double b, bool capped) {
  double s = 0;
  const double a = std::exp(ln_a);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!use[i]) continue;
    const double e = std::log(rows[i].EstimateAt(a, b, capped)) - std::log(rows[i].warm_ms);
    s += e * e;
  }
  return s;
}

// Least squares of ln(estimate) - ln(warm_ms) over (ln a, b): a 41 x 39 grid over the declared box, then
// four finer 21 x 21 grids around the best point, each a tenth of the previous step (deterministic; ties keep
// the first point met).
std::pair<double, double> Minimize(const std::vector<Int8ChainRow>& rows, const std::vector<bool>& use, bool capped) {
  double best_a = 0, best_b = 1, best = std::numeric_limits<double>::infinity();
  double step_a = (kLnScaleHigh - kLnScaleLow) / 40, step_b = (kExponentHigh - kExponentLow) / 38;
  for (int i = 0; i <= 40; ++i) {
    for (int j = 0; j <= 38; ++j) {
      const double la = kLnScaleLow + i * step_a, b = kExponentLow + j * step_b;
      const double l = Loss(rows, use, la, b, capped);
      if (l < best) best = l, best_a = la, best_b = b;
    }
  }
  for (int round = 0; round < 4; ++round) {
    const double ca = best_a, cb = best_b;
    step_a /= 10;
    step_b /= 10;
    for (int i = -10; i <= 10; ++i) {
      for (int j = -10; j <= 10; ++j) {
        const double la = std::clamp(ca + i * step_a, kLnScaleLow, kLnScaleHigh);
        const double b = std::clamp(cb + j * step_b, kExponentLow, kExponentHigh);
        const double l = Loss(rows, use, la, b, capped);
        if (l < best) best = l, best_a = la, best_b = b;
      }
    }
  }
  return {best_a, best_b};
}

}  // namespace

Int8ChainFit FitInt8Share(std::vector<Int8ChainRow> rows, std::vector<std::string> dropped,
                          const std::string& provenance) {
  for (const Int8ChainRow& r : rows) {
    if (!(r.warm_ms > 0 && r.cold_ms > 0 && r.rest_ms >= 0 && r.int8_current_ms > 0)) {
      throw Error("fit: --int8-chains: " + r.model + ": times and estimates must be > 0");
    }
    if (r.int8_warm_ms.empty()) throw Error("fit: --int8-chains: " + r.model + ": no int8 convolution in the estimate");
    for (double w : r.int8_warm_ms) {
      if (!(w > 0)) throw Error("fit: --int8-chains: " + r.model + ": an int8 convolution's warm estimate is <= 0");
    }
  }
  Int8ChainFit fit;
  fit.dropped = std::move(dropped);
  const std::size_t n = rows.size();
  if (n < kMinInt8ChainRows) {
    fit.rows = std::move(rows);
    return fit;
  }
  std::vector<double> warm(n), current(n), at_warm(n);
  for (std::size_t i = 0; i < n; ++i) {
    warm[i] = rows[i].warm_ms;
    current[i] = rows[i].rest_ms + rows[i].int8_current_ms;
    at_warm[i] = rows[i].EstimateAt(1.0, 1.0);
  }
  // a, b fitted on every row and, per row, on the others (leave one out).
  auto fitted = [&](const char* name, bool capped) {
    const auto [ln_a, b] = Minimize(rows, std::vector<bool>(n, true), capped);
    std::vector<double> in_sample(n), cv(n);
    for (std::size_t i = 0; i < n; ++i) {
      in_sample[i] = rows[i].EstimateAt(std::exp(ln_a), b, capped);
      std::vector<bool> use(n, true);
      use[i] = false;
      const auto [la_out, b_out] = Minimize(rows, use, capped);
      cv[i] = rows[i].EstimateAt(std::exp(la_out), b_out, capped);
    }
    Int8ChainCandidate c;
    c.name = name;
    c.scale = std::exp(ln_a);
    c.exponent = b;
    c.capped = capped;
    c.mape = fit::PredictionStats(warm, in_sample).mape;
    c.cv_mape = fit::PredictionStats(warm, cv).mape;
    return c;
  };
  auto fixed = [&](const char* name, const std::vector<double>& est) {
    Int8ChainCandidate c;
    c.name = name;
    c.mape = c.cv_mape = fit::PredictionStats(warm, est).mape;
    return c;
  };
  fit.candidates.push_back(fixed("current", current));
  fit.candidates.push_back(fixed("warm", at_warm));
  fit.candidates.push_back(fitted("fitted", false));
  fit.candidates.push_back(fitted("capped", true));
  const Int8ChainCandidate& c0 = fit.candidates[0];
  const Int8ChainCandidate& c1 = fit.candidates[1];
  const Int8ChainCandidate& c2 = fit.candidates[2];
  const Int8ChainCandidate& c3 = fit.candidates[3];
  // The declared rule: fitted over warm only at 10% lower; adopted over current only at 10% lower; then (the
  // addendum) capped over that pick only at 10% lower.
  const Int8ChainCandidate& best = c2.cv_mape <= 0.9 * c1.cv_mape ? c2 : c1;
  const Int8ChainCandidate* pick = best.cv_mape <= 0.9 * c0.cv_mape ? &best : &c0;
  if (c3.cv_mape <= 0.9 * pick->cv_mape) pick = &c3;
  if (pick != &c0) {
    CacheInt8 m;
    m.scale = pick->scale;
    m.exponent = pick->exponent;
    m.capped = pick->capped;
    m.rows = static_cast<std::int64_t>(n);
    m.cv_mape = pick->cv_mape;
    m.current_cv_mape = c0.cv_mape;
    m.warm_cv_mape = c1.cv_mape;
    char text[300];
    std::snprintf(text, sizeof text,
                  "%zu int8 QDQ chains timed warm and cold, fitted after the share; form %s: int8 convolutions "
                  "%s%.4g x w^%.4g%s in the partial state; leave-one-out %.2f%% against %.2f%% at the share h",
                  n, pick->name.c_str(), m.capped ? "min(w, " : "", m.scale, m.exponent, m.capped ? ")" : "",
                  m.cv_mape, c0.cv_mape);
    m.source = provenance + " (odonata fit --int8-chains: " + text + ")";
    fit.model = m;
  }
  fit.rows = std::move(rows);
  return fit;
}

Int8ChainFit FitInt8Chains(std::string_view csv_text, const std::string& origin, const std::string& models_dir,
                           const Platform& platform, const std::string& provenance) {
  if (!platform.cache || !platform.cache->share) {
    throw Error(origin + ": --int8-chains needs the profile's cache share (--cache-chains): it is fitted after it");
  }
  text::CsvReader reader(csv_text, origin);
  text::CsvRecord header;
  if (!reader.Next(&header)) throw Error(origin + ": empty file (expected tools/ort/cache_state.js output)");
  auto column = [&](const char* name) {
    return fit::RequireColumn(header, origin, name, "tools/ort/cache_state.js output: model, warm_ms, cold_ms");
  };
  const std::size_t model = column("model"), warm = column("warm_ms"), cold = column("cold_ms");
  Platform without = platform;
  without.cache->int8.reset();  // the current treatment: every layer at the share
  PlatformPlan plan;
  try {
    plan = PlanPlatform(without, EstimateOptions{});
  } catch (const Error& e) {
    throw Error(origin + ": --int8-chains: " + e.what());
  }
  std::vector<Int8ChainRow> rows;
  std::vector<std::string> dropped;
  text::CsvRecord r;
  while (reader.Next(&r)) {
    const std::string where = origin + ":" + std::to_string(r.line);
    fit::RequireFieldCount(r, header.fields.size(), where);
    Int8ChainRow row;
    row.model = r.fields[model];
    row.warm_ms = fit::PositiveField(r.fields[warm], where, "warm_ms");
    row.cold_ms = fit::PositiveField(r.fields[cold], where, "cold_ms");
    const std::filesystem::path name(row.model);
    if (row.model.empty() || name.has_parent_path()) {
      throw Error(where + ": model '" + row.model + "': expected a file name (the models are read from " +
                  models_dir + ")");
    }
    if (row.warm_ms > row.cold_ms) {
      char text[160];
      std::snprintf(text, sizeof text, "%s: warm %.4g ms above cold %.4g ms (a disturbed timing)", row.model.c_str(),
                    row.warm_ms, row.cold_ms);
      dropped.emplace_back(text);
      continue;
    }
    const std::string path = (std::filesystem::path(models_dir) / name).string();
    if (!std::filesystem::exists(path)) throw Error(where + ": model " + path + ": no such file");
    const FusedNetwork fused = FuseNetwork(LoadModel(path), platform.fusion);
    const Int8ConvSplit split = SplitInt8Convolutions(fused, plan);
    if (split.int8_warm_ms.empty()) throw Error(where + ": " + row.model + ": no int8 convolution in its estimate");
    row.int8_current_ms = split.int8_current_ms;
    row.rest_ms = split.total_ms - split.int8_current_ms;
    row.int8_warm_ms = split.int8_warm_ms;
    rows.push_back(std::move(row));
  }
  return FitInt8Share(std::move(rows), std::move(dropped), provenance);
}

}  // namespace odonata
