#include "detection_fit.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "fit_util.h"

namespace odonata {

FittedModel FitDetection(const std::vector<Layer>& layers, const std::vector<double>& ms) {
  const std::size_t n = layers.size();
  if (n != ms.size()) throw Error("fit: " + std::to_string(n) + " rows but " + std::to_string(ms.size()) + " times");
  if (n < 3) throw Error("fit: the detection model needs at least 3 rows, got " + std::to_string(n));
  const std::vector<std::vector<FittedFactor>> factors = {
      {}, {{"kept", 0}}, {{"classes", 0}, {"kept_per_class", 0}, {"kept_per_class", 0}}};
  // Rows scaled by 1 / t (relative errors), columns to unit norm (the quadratic
  // column is up to 1e8 times the constant one).
  Eigen::MatrixXd a(static_cast<Eigen::Index>(n), 3);
  Eigen::VectorXd b = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(n));
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(ms[i] > 0) || !std::isfinite(ms[i])) throw Error("fit: latency must be positive and finite");
    const double classes = static_cast<double>(LayerDim(layers[i], "classes"));
    const double kept = static_cast<double>(LayerDim(layers[i], "kept"));
    const double per_class = static_cast<double>(LayerDim(layers[i], "kept_per_class"));
    any |= LayerDim(layers[i], "boxes") > 0;
    const auto r = static_cast<Eigen::Index>(i);
    a(r, 0) = 1.0 / ms[i];
    a(r, 1) = kept / ms[i];
    a(r, 2) = classes * per_class * per_class / ms[i];
  }
  if (!any) throw Error("fit: no NonMaxSuppression rows for the detection model");
  Eigen::VectorXd scale(3);
  for (Eigen::Index j = 0; j < 3; ++j) {
    const double norm = a.col(j).norm();
    scale(j) = norm > 0 ? 1.0 / norm : 0.0;
    a.col(j) *= scale(j);
  }
  const Eigen::VectorXd c = Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(a).solve(b).cwiseProduct(scale);

  FittedModel m;
  for (Eigen::Index j = 0; j < 3; ++j) m.terms.push_back({c(j), factors[static_cast<std::size_t>(j)]});
  m.range = fit::DimRanges(layers, {"batch", "boxes", "classes"});
  std::vector<double> pred(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double classes = static_cast<double>(LayerDim(layers[i], "classes"));
    const double kept = static_cast<double>(LayerDim(layers[i], "kept"));
    const double per_class = static_cast<double>(LayerDim(layers[i], "kept_per_class"));
    pred[i] = c(0) + c(1) * kept + c(2) * classes * per_class * per_class;
  }
  const FitStats stats = fit::PredictionStats(ms, pred);
  m.rows = stats.rows;
  m.r2 = stats.r2;
  m.mape = stats.mape;
  m.source = "fitted: odonata fit, " + std::to_string(n) + " rows; c0 + c1 kept + c2 classes kept_per_class^2";
  return m;
}

}  // namespace odonata
