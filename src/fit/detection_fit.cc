#include "detection_fit.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "fit_util.h"

namespace odonata {

namespace {

// The quadratic term's candidates, in the order a tie keeps: boxes x kept (ONNX Runtime's loop:
// each candidate is compared with the boxes selected before it), classes x boxes^2 (the form
// before 2026-12-06, every box compared with every other), kept^2 (only the selected boxes meet).
// At kept's bound (classes x boxes, all rows before the out_rows column) the three are one term.
struct Form {
  const char* text;
  std::vector<FittedFactor> factors;
};
const std::vector<Form>& Forms() {
  static const std::vector<Form> f = {
      {"boxes kept", {{"boxes", 0}, {"kept", 0}}},
      {"classes boxes^2", {{"classes", 0}, {"boxes", 0}, {"boxes", 0}}},
      {"kept^2", {{"kept", 0}, {"kept", 0}}},
  };
  return f;
}

double Quadratic(const Layer& l, std::size_t form) {
  const double classes = static_cast<double>(LayerDim(l, "classes"));
  const double boxes = static_cast<double>(LayerDim(l, "boxes"));
  const double kept = static_cast<double>(LayerDim(l, "kept"));
  if (form == 0) return boxes * kept;
  if (form == 1) return classes * boxes * boxes;
  return kept * kept;
}

// c0, c1, c2 of one form on the rows `use`, by least squares on relative errors.
Eigen::Vector3d Solve(const std::vector<Layer>& layers, const std::vector<double>& ms, const std::vector<std::size_t>& use,
                      std::size_t form) {
  // Rows scaled by 1 / t (relative errors), columns to unit norm (the quadratic
  // column is up to 1e8 times the constant one).
  Eigen::MatrixXd a(static_cast<Eigen::Index>(use.size()), 3);
  Eigen::VectorXd b = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(use.size()));
  for (std::size_t k = 0; k < use.size(); ++k) {
    const std::size_t i = use[k];
    const auto r = static_cast<Eigen::Index>(k);
    a(r, 0) = 1.0 / ms[i];
    a(r, 1) = static_cast<double>(LayerDim(layers[i], "classes")) * static_cast<double>(LayerDim(layers[i], "boxes")) / ms[i];
    a(r, 2) = Quadratic(layers[i], form) / ms[i];
  }
  Eigen::Vector3d scale;
  for (Eigen::Index j = 0; j < 3; ++j) {
    const double norm = a.col(j).norm();
    scale(j) = norm > 0 ? 1.0 / norm : 0.0;
    a.col(j) *= scale(j);
  }
  return Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(a).solve(b).cwiseProduct(scale);
}

double Predict(const Layer& l, const Eigen::Vector3d& c, std::size_t form) {
  return c(0) + c(1) * static_cast<double>(LayerDim(l, "classes")) * static_cast<double>(LayerDim(l, "boxes")) +
         c(2) * Quadratic(l, form);
}

// Mean absolute percentage error of `form` over 5 folds (row i in fold i mod 5), each fold
// predicted by the coefficients fitted without it; infinity with fewer than 3 rows left to fit.
double CvMapeOf(const std::vector<Layer>& layers, const std::vector<double>& ms, std::size_t form) {
  constexpr std::size_t kFolds = 5;
  const std::size_t n = layers.size();
  double sum = 0;
  for (std::size_t f = 0; f < kFolds; ++f) {
    std::vector<std::size_t> train;
    for (std::size_t i = 0; i < n; ++i) {
      if (i % kFolds != f) train.push_back(i);
    }
    if (train.size() < 3) return std::numeric_limits<double>::infinity();
    const Eigen::Vector3d c = Solve(layers, ms, train, form);
    for (std::size_t i = f; i < n; i += kFolds) sum += std::abs(Predict(layers[i], c, form) - ms[i]) / ms[i];
  }
  return 100.0 * sum / static_cast<double>(n);
}

}  // namespace

FittedModel FitDetection(const std::vector<Layer>& layers, const std::vector<double>& ms) {
  const std::size_t n = layers.size();
  if (n != ms.size()) throw Error("fit: " + std::to_string(n) + " rows but " + std::to_string(ms.size()) + " times");
  if (n < 3) throw Error("fit: the detection model needs at least 3 rows, got " + std::to_string(n));
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(ms[i] > 0) || !std::isfinite(ms[i])) throw Error("fit: latency must be positive and finite");
    any |= LayerDim(layers[i], "boxes") > 0;
  }
  if (!any) throw Error("fit: no NonMaxSuppression rows for the detection model");

  // The quadratic term's form by cross-validation (a form must beat the one before it in Forms()
  // by more than 0.01 points: at kept's bound they are the same term and the first stays).
  std::size_t form = 0;
  std::string choice;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t f = 0; f < Forms().size(); ++f) {
    const double cv = CvMapeOf(layers, ms, f);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s %.2f%%", choice.empty() ? "" : ", ", Forms()[f].text, cv);
    choice += buf;
    if (cv < best - 0.01) {
      best = cv;
      form = f;
    }
  }
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  const Eigen::Vector3d c = Solve(layers, ms, all, form);

  FittedModel m;
  m.terms.push_back({c(0), {}});
  m.terms.push_back({c(1), {{"classes", 0}, {"boxes", 0}}});
  m.terms.push_back({c(2), Forms()[form].factors});
  m.range = fit::DimRanges(layers, {"batch", "boxes", "classes"});
  std::vector<double> pred(n);
  for (std::size_t i = 0; i < n; ++i) pred[i] = Predict(layers[i], c, form);
  const FitStats stats = fit::PredictionStats(ms, pred);
  m.rows = stats.rows;
  m.r2 = stats.r2;
  m.mape = stats.mape;
  m.source = "fitted: odonata fit, " + std::to_string(n) + " rows; c0 + c1 classes boxes + c2 " + Forms()[form].text +
             " (the quadratic term chosen by 5-fold cross-validated MAPE: " + choice + ")";
  return m;
}

}  // namespace odonata
