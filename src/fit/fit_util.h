// Pieces every fitter shares: error statistics of predictions and the ranges
// of layer sizes a fitted model has seen. Internal to src/fit/.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "odonata/estimator.h"
#include "odonata/fit.h"
#include "odonata/layer.h"
#include "odonata/errors.h"
#include "text.h"

namespace odonata::fit {

// The median of v (the mean of the two middle values for an even count); NaN when v is empty.
inline double Median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The q-quantile of v (q in [0, 1]), linear between order statistics; v not empty.
inline double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double at = q * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(at);
  if (lo + 1 >= v.size()) return v.back();
  return v[lo] + (at - static_cast<double>(lo)) * (v[lo + 1] - v[lo]);
}

// v with four significant digits (%.4g), for sources and reports.
inline std::string Sig4(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// A CSV field that must be a finite number > 0, or an error naming the line and column.
inline double PositiveField(const std::string& s, const std::string& where, const char* column) {
  double v = -1;
  if (text::ParseWhole(text::Trim(s), &v) != text::Parsed::kOk || !(v > 0)) {
    throw Error(where + ": column " + column + ": expected a number > 0, got '" + s + "'");
  }
  return v;
}

// R^2 and MAPE (%) of `predicted` against `measured` (same length, > 0 rows);
// R^2 is 1 for a perfect fit of constant data, 0 for an imperfect one.
inline FitStats PredictionStats(const std::vector<double>& measured, const std::vector<double>& predicted) {
  FitStats s;
  s.rows = static_cast<std::int64_t>(measured.size());
  double mean = 0;
  for (double v : measured) mean += v;
  mean /= static_cast<double>(measured.size());
  double rss = 0, tss = 0, ape = 0;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    rss += (predicted[i] - measured[i]) * (predicted[i] - measured[i]);
    tss += (measured[i] - mean) * (measured[i] - mean);
    ape += std::abs(predicted[i] - measured[i]) / measured[i];
  }
  s.r2 = tss > 0 ? 1.0 - rss / tss : (rss > 0 ? 0.0 : 1.0);
  s.mape = 100.0 * ape / static_cast<double>(measured.size());
  return s;
}

// Inclusive [min, max] of each LayerDim in `dims` over `layers` (FittedModel::range).
inline std::map<std::string, std::pair<std::int64_t, std::int64_t>> DimRanges(const std::vector<Layer>& layers,
                                                                              const std::vector<std::string>& dims) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> range;
  for (const std::string& d : dims) {
    std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = std::numeric_limits<std::int64_t>::min();
    for (const Layer& l : layers) {
      const std::int64_t v = LayerDim(l, d);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    range[d] = {lo, hi};
  }
  return range;
}

// Scales the columns of `a` to unit norm (zero columns stay zero) and returns
// the factors: a solution for the scaled columns, times them, is in the
// original units. Work-weighted columns (q * spatial) can be 1e6 times larger
// than the constant, and a solver's rank decision is relative to the largest.
inline Eigen::VectorXd NormalizeColumns(Eigen::MatrixXd& a) {
  Eigen::VectorXd scale(a.cols());
  for (Eigen::Index j = 0; j < a.cols(); ++j) {
    const double norm = a.col(j).norm();
    scale(j) = norm > 0 ? 1.0 / norm : 0.0;
    a.col(j) *= scale(j);
  }
  return scale;
}

// Least squares with the minimum-norm solution for rank-deficient designs,
// on columns scaled to unit norm; coefficients in the original units.
inline Eigen::VectorXd Lstsq(Eigen::MatrixXd a, const Eigen::VectorXd& b) {
  const Eigen::VectorXd scale = NormalizeColumns(a);
  return a.completeOrthogonalDecomposition().solve(b).cwiseProduct(scale);
}

// Fold of every row: round-robin over a Fisher-Yates shuffle driven by
// mt19937_64(1). The index mapping is our own (a modulo), not
// std::uniform_int_distribution, whose output differs between standard
// libraries: the folds must be the same everywhere.
inline std::vector<int> CvFolds(std::size_t n, int k) {
  std::vector<std::size_t> perm(n);
  for (std::size_t i = 0; i < n; ++i) perm[i] = i;
  std::mt19937_64 rng(1);
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(rng() % i);
    std::swap(perm[i - 1], perm[j]);
  }
  std::vector<int> fold(n);
  for (std::size_t j = 0; j < n; ++j) fold[perm[j]] = static_cast<int>(j % static_cast<std::size_t>(k));
  return fold;
}

// The index of column `name` in a CSV `header` read from `origin`, or an error
// naming the file, the header's line and what the file was expected to be.
inline std::size_t RequireColumn(const text::CsvRecord& header, const std::string& origin, const char* name,
                                 const std::string& expected) {
  auto it = std::find(header.fields.begin(), header.fields.end(), name);
  if (it == header.fields.end()) {
    throw Error(origin + ":" + std::to_string(header.line) + ": no column '" + name + "' (expected " + expected + ")");
  }
  return static_cast<std::size_t>(it - header.fields.begin());
}

// A record of `header_fields` fields, or an error naming `where` (file:line) and both counts.
inline void RequireFieldCount(const text::CsvRecord& r, std::size_t header_fields, const std::string& where) {
  if (r.fields.size() != header_fields) {
    throw Error(where + ": " + std::to_string(r.fields.size()) + " fields, the header has " +
                std::to_string(header_fields));
  }
}

}  // namespace odonata::fit
