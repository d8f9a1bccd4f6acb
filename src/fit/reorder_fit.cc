// The cost of ONNX Runtime's NCHWc reorders from the sweep rows' reorder columns
// (include/odonata/fit.h: ReorderInputOf, ReorderOutputOf, FitReorderCost).
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fit_util.h"
#include "odonata/errors.h"
#include "odonata/fit.h"

namespace odonata {

namespace {

const std::string* Column(const Measurement& row, const std::string& name) {
  for (const auto& [key, value] : row.extra) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::optional<ReorderSample> SampleOf(const Measurement& row, const std::string& ms_col, const std::string& n_col) {
  const std::string* ms = Column(row, ms_col);
  const std::string* n = Column(row, n_col);
  if ((ms == nullptr || ms->empty()) && (n == nullptr || n->empty())) return std::nullopt;
  if (ms == nullptr || ms->empty() || n == nullptr || n->empty()) {
    throw Error(row.origin + ": " + ms_col + " and " + n_col + " go together; one is empty");
  }
  ReorderSample s;
  std::size_t used = 0;
  try {
    s.ms = std::stod(*ms, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != ms->size() || !std::isfinite(s.ms) || s.ms <= 0) {
    throw Error(row.origin + ": " + ms_col + ": '" + *ms + "' is not a positive number of milliseconds");
  }
  used = 0;
  try {
    s.elements = std::stoll(*n, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != n->size() || s.elements < 1) {
    throw Error(row.origin + ": " + n_col + ": '" + *n + "' is not a positive element count");
  }
  return s;
}

// Weighted least squares of ms on (1, elements) (affine) or elements alone, weights 1/ms^2:
// the relative error. Returns {const_ms, ms per element}.
std::pair<double, double> Solve(const std::vector<ReorderSample>& s, const std::vector<bool>& use, bool affine) {
  double s00 = 0, s01 = 0, s11 = 0, b0 = 0, b1 = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!use[i]) continue;
    const double w = 1.0 / (s[i].ms * s[i].ms), x = static_cast<double>(s[i].elements);
    s00 += w;
    s01 += w * x;
    s11 += w * x * x;
    b0 += w * s[i].ms;
    b1 += w * x * s[i].ms;
  }
  if (affine) {
    const double det = s00 * s11 - s01 * s01;
    if (det > 0 && std::isfinite(det)) return {(b0 * s11 - b1 * s01) / det, (s00 * b1 - s01 * b0) / det};
  }
  return {0.0, s11 > 0 ? b1 / s11 : 0.0};
}

double Mape(const std::vector<ReorderSample>& s, const std::vector<double>& pred) {
  double sum = 0;
  for (std::size_t i = 0; i < s.size(); ++i) sum += std::abs(pred[i] - s[i].ms) / s[i].ms;
  return 100.0 * sum / static_cast<double>(s.size());
}

}  // namespace

std::optional<ReorderSample> ReorderInputOf(const Measurement& row) {
  return SampleOf(row, "reorder_in_ms", "reorder_in_elems");
}

std::optional<ReorderSample> ReorderOutputOf(const Measurement& row) {
  return SampleOf(row, "reorder_out_ms", "reorder_out_elems");
}

ReorderCost FitReorderCost(const std::vector<ReorderSample>& samples, int folds, const std::string& source) {
  if (folds < 2) throw Error("fit: at least 2 folds are needed for cross-validation, got " + std::to_string(folds));
  if (samples.size() < kMinFitRows) {
    throw Error("fit: " + std::to_string(samples.size()) + " reorder samples, at least " + std::to_string(kMinFitRows) +
                " are needed");
  }
  const std::size_t n = samples.size();
  const int k = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(folds), n));
  const std::vector<int> fold = fit::CvFolds(n, k);
  auto cv_mape = [&](bool affine) {
    std::vector<double> pred(n);
    for (int f = 0; f < k; ++f) {
      std::vector<bool> use(n);
      for (std::size_t i = 0; i < n; ++i) use[i] = fold[i] != f;
      auto [a, b] = Solve(samples, use, affine);
      if (affine && (a < 0 || b < 0)) std::tie(a, b) = Solve(samples, use, false);
      for (std::size_t i = 0; i < n; ++i) {
        if (fold[i] == f) pred[i] = a + b * static_cast<double>(samples[i].elements);
      }
    }
    return Mape(samples, pred);
  };
  const std::vector<bool> all(n, true);
  const auto [a, b] = Solve(samples, all, true);
  const double cv_prop = cv_mape(false), cv_affine = cv_mape(true);
  // The constant must lower the CV MAPE by 0.01 percentage points at least: not by rounding.
  const bool affine = a > 0 && b >= 0 && cv_affine < cv_prop - 0.01;
  const auto [c0, c1] = affine ? std::pair<double, double>{a, b} : Solve(samples, all, false);
  ReorderCost c;
  c.const_ms = c0;
  c.ns_per_element = c1 * 1e6;
  c.rows = static_cast<std::int64_t>(n);
  std::vector<double> pred(n);
  for (std::size_t i = 0; i < n; ++i) pred[i] = c.Ms(samples[i].elements);
  c.mape = Mape(samples, pred);
  c.cv_mape = affine ? cv_affine : cv_prop;
  c.folds = k;
  c.source = source;
  return c;
}

}  // namespace odonata
