// Cache state (docs/host-cost-model.md "Cache state"): a class's warm model,
// the factor on its cold estimate fitted from sweep rows timed both ways, and
// the machine's cache capacity for whole networks from a probe.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fit_util.h"
#include "odonata/errors.h"
#include "odonata/fit.h"

namespace odonata {

std::optional<double> WarmMs(const Measurement& row) {
  for (const auto& [name, value] : row.extra) {
    if (name != "warm_ms") continue;
    if (value.empty()) return std::nullopt;
    double x = 0;
    std::size_t used = 0;
    try {
      x = std::stod(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != value.size() || !std::isfinite(x) || x <= 0) {
      throw Error(row.origin + ": warm_ms: '" + value + "' is not a positive number of milliseconds");
    }
    return x;
  }
  return std::nullopt;
}

namespace {

// Least squares of y on [1, cols...] over the rows where use[i]: the coefficients, constant first.
Eigen::VectorXd SolveWarm(const std::vector<const std::vector<double>*>& cols, const std::vector<double>& y,
                          const std::vector<bool>& use) {
  std::size_t n = 0;
  for (bool u : use) n += u ? 1 : 0;
  Eigen::MatrixXd a(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(cols.size() + 1));
  Eigen::VectorXd b(static_cast<Eigen::Index>(n));
  Eigen::Index r = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!use[i]) continue;
    a(r, 0) = 1.0;
    for (std::size_t c = 0; c < cols.size(); ++c) a(r, static_cast<Eigen::Index>(c + 1)) = (*cols[c])[i];
    b(r) = y[i];
    ++r;
  }
  return fit::Lstsq(a, b);
}

// The model with coefficients c ([c0, c_bytes, c_ms] or [c0, c_bytes, c_ms, c_kernel]) on w's ranges.
WarmModel WithCoefficients(WarmModel w, const Eigen::VectorXd& c) {
  w.c0 = c(0);
  w.c_bytes = c(1);
  w.c_ms = c(2);
  w.c_kernel = c.size() > 3 ? c(3) : 0.0;
  return w;
}

}  // namespace

WarmModel FitWarmModel(const std::vector<double>& bytes, const std::vector<double>& cold_ms,
                       const std::vector<double>& warm_ms, Precision precision, int folds, const std::string& source) {
  return FitWarmModel(bytes, cold_ms, warm_ms, {}, precision, folds, source);
}

WarmModel FitWarmModel(const std::vector<double>& bytes, const std::vector<double>& cold_ms,
                       const std::vector<double>& warm_ms, const std::vector<double>& kernel_area,
                       Precision precision, int folds, const std::string& source) {
  const std::size_t n = bytes.size();
  if (cold_ms.size() != n || warm_ms.size() != n || (!kernel_area.empty() && kernel_area.size() != n)) {
    throw Error("fit: warm model: rows of different lengths");
  }
  if (n < kMinFitRows) {
    throw Error("fit: warm model: " + std::to_string(n) + " rows with warm_ms, at least " +
                std::to_string(kMinFitRows) + " are needed");
  }
  std::vector<double> lb(n), lt(n), lk(n, 0.0), y(n);
  WarmModel w;
  w.precision = precision;
  w.bytes_range = {bytes[0], bytes[0]};
  w.ms_range = {cold_ms[0], cold_ms[0]};
  const double area0 = kernel_area.empty() ? 1.0 : kernel_area[0];
  std::pair<double, double> areas{area0, area0};
  for (std::size_t i = 0; i < n; ++i) {
    if (!(bytes[i] > 0 && cold_ms[i] > 0 && warm_ms[i] > 0)) throw Error("fit: warm model: a value <= 0");
    lb[i] = std::log(bytes[i]);
    lt[i] = std::log(cold_ms[i]);
    y[i] = std::log(warm_ms[i] / cold_ms[i]);
    w.bytes_range = {std::min(w.bytes_range.first, bytes[i]), std::max(w.bytes_range.second, bytes[i])};
    w.ms_range = {std::min(w.ms_range.first, cold_ms[i]), std::max(w.ms_range.second, cold_ms[i])};
    if (!kernel_area.empty()) {
      if (!(kernel_area[i] >= 1)) throw Error("fit: warm model: a kernel area below 1");
      lk[i] = std::log(kernel_area[i]);
      areas = {std::min(areas.first, kernel_area[i]), std::max(areas.second, kernel_area[i])};
    }
  }
  const int k = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(folds, 2)), n));
  const std::vector<int> fold = fit::CvFolds(n, k);
  // One form's coefficients on all rows, its in-sample and k-fold predictions of the warm times.
  struct Form {
    WarmModel model;
    std::vector<double> in_sample, cv;
  };
  auto fit_form = [&](const std::vector<const std::vector<double>*>& cols, const WarmModel& ranges) {
    Form f{WithCoefficients(ranges, SolveWarm(cols, y, std::vector<bool>(n, true))), std::vector<double>(n),
           std::vector<double>(n)};
    for (std::size_t i = 0; i < n; ++i) f.in_sample[i] = cold_ms[i] * f.model.Factor(bytes[i], cold_ms[i], std::exp(lk[i]));
    for (int g = 0; g < k; ++g) {
      std::vector<bool> use(n);
      for (std::size_t i = 0; i < n; ++i) use[i] = fold[i] != g;
      const WarmModel m = WithCoefficients(ranges, SolveWarm(cols, y, use));
      for (std::size_t i = 0; i < n; ++i) {
        if (fold[i] == g) f.cv[i] = cold_ms[i] * m.Factor(bytes[i], cold_ms[i], std::exp(lk[i]));
      }
    }
    return f;
  };
  Form best = fit_form({&lb, &lt}, w);
  double best_cv = fit::PredictionStats(warm_ms, best.cv).mape;
  if (areas.second > areas.first) {  // the kernel-area candidate: only rows of more than one area identify it
    WarmModel ranges = w;
    ranges.kernel_range = areas;
    Form with_kernel = fit_form({&lb, &lt, &lk}, ranges);
    const double kernel_cv = fit::PredictionStats(warm_ms, with_kernel.cv).mape;
    w.plain_cv_mape = best_cv;
    w.kernel_cv_mape = kernel_cv;
    if (kernel_cv <= kKernelTermGain * best_cv && with_kernel.model.c_kernel != 0) {
      best = std::move(with_kernel);
      best_cv = kernel_cv;
    }
  }
  const std::optional<double> plain_cv = w.plain_cv_mape, kernel_cv = w.kernel_cv_mape;
  w = best.model;
  w.plain_cv_mape = plain_cv;
  w.kernel_cv_mape = kernel_cv;
  if (w.c_kernel == 0) w.kernel_range = {1, 1};
  w.rows = static_cast<std::int64_t>(n);
  w.mape = fit::PredictionStats(warm_ms, best.in_sample).mape;
  w.cv_mape = best_cv;
  w.cold_mape = fit::PredictionStats(warm_ms, cold_ms).mape;
  w.folds = k;
  w.source = source;
  return w;
}

CacheProbeFit FitCacheCapacity(const std::vector<Measurement>& rows, const std::string& provenance) {
  CacheProbeFit p;
  for (const Measurement& row : rows) {
    const std::optional<double> warm = WarmMs(row);
    if (!warm) throw Error(row.origin + ": a cache probe row needs warm_ms (tools/ort/run.js --warm-max-mb)");
    const Layer layer = ToLayer(row.config);
    p.rows.push_back({row.origin, layer.counts.param_bytes, row.latency_ms, *warm});
  }
  if (p.rows.size() < 3) {
    throw Error("fit: --cache-probe: " + std::to_string(p.rows.size()) + " rows, at least 3 are needed");
  }
  std::stable_sort(p.rows.begin(), p.rows.end(),
                   [](const CacheProbeRow& a, const CacheProbeRow& b) { return a.weight_bytes < b.weight_bytes; });
  auto ratio = [&](std::size_t i) { return p.rows[i].cold_ms / p.rows[i].warm_ms; };
  const double ref = ratio(0);
  p.threshold = 1.0 + (ref - 1.0) / 2.0;
  char text[160];
  std::string rule;
  if (ref < kMinWarmGain) {
    p.capacity.capacity_bytes = 0;
    std::snprintf(text, sizeof text, "the smallest probe row ran %.3fx faster warm, under %.2fx: no warm state", ref,
                  kMinWarmGain);
    rule = text;
  } else {
    std::size_t last = p.rows.size() - 1;  // the last row still warm
    p.at_least = true;
    for (std::size_t i = 1; i < p.rows.size(); ++i) {
      if (ratio(i) < p.threshold && (i + 1 == p.rows.size() || ratio(i + 1) < p.threshold)) {
        last = i - 1;
        p.at_least = false;
        break;
      }
    }
    const double lo = static_cast<double>(p.rows[last].weight_bytes);
    const double hi = p.at_least ? lo : static_cast<double>(p.rows[last + 1].weight_bytes);
    p.capacity.capacity_bytes = static_cast<std::int64_t>(std::llround(std::sqrt(lo * hi)));
    std::snprintf(text, sizeof text,
                  "cold/warm %.3f at the smallest row, threshold %.3f; %s between %.0f and %.0f bytes of weights",
                  ref, p.threshold, p.at_least ? "every row above it: at least" : "crossed", lo, hi);
    rule = text;
  }
  p.capacity.source = provenance + " (odonata fit --cache-probe: " + std::to_string(p.rows.size()) +
                      " rows timed cold and warm; " + rule + ")";
  return p;
}

}  // namespace odonata
