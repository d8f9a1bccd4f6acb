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

// The model's forms, t = c0 + c1 x linear + c2 x quadratic, in the order a tie keeps:
// 0. kept and classes x kept_per_class^2: ONNX Runtime's loop compares each candidate of a class
//    with the boxes of that class selected before it; the NMS calibration rows (IoU 0.3-0.7, kept
//    0.33-0.90 of the boxes, 2026-12-06 04:03 UTC) follow kept^1.58 and barely boxes;
// 1. classes x boxes and boxes x kept;
// 2. classes x boxes and classes x boxes^2 (the form of profiles written before 2026-12-06).
// 3. kept and nms_compares, the IoU comparisons of the loop (helper nmsdist, 2026-12-07: a
//    suppressed candidate is compared with the selected boxes until its first suppressor, which
//    kept^2 does not see; run.js's nms_compares column, or its bound for the kept boxes).
// At kept's bound (classes x boxes: rows without out_rows, estimates without a stated size) the
// three are the same two terms, so such rows tie and keep form 0 (form 3's comparisons are then
// classes x boxes (boxes - 1) / 2: the same terms but for a part of the linear one).
struct Form {
  const char* text;
  std::vector<FittedFactor> linear, quadratic;
};
const std::vector<Form>& Forms() {
  static const std::vector<Form> f = {
      {"kept + c2 classes kept_per_class^2", {{"kept", 0}}, {{"classes", 0}, {"kept_per_class", 0}, {"kept_per_class", 0}}},
      {"classes boxes + c2 boxes kept", {{"classes", 0}, {"boxes", 0}}, {{"boxes", 0}, {"kept", 0}}},
      {"classes boxes + c2 classes boxes^2", {{"classes", 0}, {"boxes", 0}}, {{"classes", 0}, {"boxes", 0}, {"boxes", 0}}},
      {"kept + c2 nms_compares", {{"kept", 0}}, {{"nms_compares", 0}}},
  };
  return f;
}

double Product(const Layer& l, const std::vector<FittedFactor>& factors) {
  double v = 1;
  for (const FittedFactor& f : factors) v *= static_cast<double>(LayerDim(l, f.dim));
  return v;
}

// c0, c1, c2 of one form on the rows `use`, by least squares on relative errors.
Eigen::Vector3d Solve(const std::vector<Layer>& layers, const std::vector<double>& ms, const std::vector<std::size_t>& use,
                      const Form& form) {
  // Rows scaled by 1 / t (relative errors), columns to unit norm (the quadratic
  // column is up to 1e8 times the constant one).
  Eigen::MatrixXd a(static_cast<Eigen::Index>(use.size()), 3);
  Eigen::VectorXd b = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(use.size()));
  for (std::size_t k = 0; k < use.size(); ++k) {
    const std::size_t i = use[k];
    const auto r = static_cast<Eigen::Index>(k);
    a(r, 0) = 1.0 / ms[i];
    a(r, 1) = Product(layers[i], form.linear) / ms[i];
    a(r, 2) = Product(layers[i], form.quadratic) / ms[i];
  }
  Eigen::Vector3d scale;
  for (Eigen::Index j = 0; j < 3; ++j) {
    const double norm = a.col(j).norm();
    scale(j) = norm > 0 ? 1.0 / norm : 0.0;
    a.col(j) *= scale(j);
  }
  return Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(a).solve(b).cwiseProduct(scale);
}

double Predict(const Layer& l, const Eigen::Vector3d& c, const Form& form) {
  return c(0) + c(1) * Product(l, form.linear) + c(2) * Product(l, form.quadratic);
}

// Mean absolute percentage error of `form` over 5 folds (row i in fold i mod 5), each fold
// predicted by the coefficients fitted without it; infinity with fewer than 3 rows left to fit.
double CvMapeOf(const std::vector<Layer>& layers, const std::vector<double>& ms, const Form& form) {
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

  // The form by cross-validation (a form must beat the ones before it in Forms() by more than
  // 0.01 points: at kept's bound they are the same terms and the first stays).
  std::size_t form = 0;
  std::string choice;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t f = 0; f < Forms().size(); ++f) {
    const double cv = CvMapeOf(layers, ms, Forms()[f]);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%sc1 %s %.2f%%", choice.empty() ? "" : ", ", Forms()[f].text, cv);
    choice += buf;
    if (cv < best - 0.01) {
      best = cv;
      form = f;
    }
  }
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  const Form& chosen = Forms()[form];
  const Eigen::Vector3d c = Solve(layers, ms, all, chosen);

  FittedModel m;
  m.terms.push_back({c(0), {}});
  m.terms.push_back({c(1), chosen.linear});
  m.terms.push_back({c(2), chosen.quadratic});
  m.range = fit::DimRanges(layers, {"batch", "boxes", "classes"});
  std::vector<double> pred(n);
  for (std::size_t i = 0; i < n; ++i) pred[i] = Predict(layers[i], c, chosen);
  const FitStats stats = fit::PredictionStats(ms, pred);
  m.rows = stats.rows;
  m.r2 = stats.r2;
  m.mape = stats.mape;
  m.source = "fitted: odonata fit, " + std::to_string(n) + " rows; c0 + c1 " + chosen.text +
             " (the form chosen by 5-fold cross-validated MAPE: " + choice + ")";
  return m;
}

}  // namespace odonata
