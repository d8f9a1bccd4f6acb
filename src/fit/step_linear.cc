// Step/linear models (Blackthorn): the latency of a layer as a function of a
// channel count is a staircase (the hardware processes channels in tiles of s)
// or a line. The step width is searched, the coefficients are least squares.
//
// Choosing between step widths and the line. A step model has one more
// parameter than the line (its width, found by searching 2..max_step), and
// with noisy data a narrow staircase (s = 2, 3) imitates a line almost
// perfectly: the minimum RSS over ~60 widths beats the line by chance far too
// often. So every candidate is scored with BIC,
//   score = n * log(RSS / n) + k * log(n),  k = coefficients + step widths,
// and each step width additionally pays a margin of kStepMargin (10 BIC units,
// "very strong" evidence on the Kass-Raftery scale). A staircase is chosen only
// when it explains the data clearly better than the line: by chance alone the
// noise would have to line up with one sawtooth at about 4 standard deviations.
// Ties go to fewer step dimensions, then to the smaller width (candidates are
// tried in that order and only a strictly lower score replaces the best).
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/fit.h"
#include "fit_util.h"

namespace odonata {
namespace {

constexpr double kStepMargin = 10.0;
// Width candidates per dimension kept for the joint 2-D search (besides the line).
constexpr std::size_t kTopWidths = 3;

// floor((x - 1) / step), or x for the line (step 0): the factor definition of
// platform.h FittedFactor, so that fitting and estimating agree.
double Factor(double x, std::int64_t step) { return step > 0 ? std::floor((x - 1.0) / static_cast<double>(step)) : x; }

// Residual sums below this count as an exact fit: without a floor, rounding
// (1e-30 against 1e-29) would decide between two exact models and
// log(0) would break the score.
double RssFloor(const std::vector<double>& t) {
  double ss = 0;
  for (double v : t) ss += v * v;
  return 1e-18 * ss;  // rms residual 1e-9 of the rms latency
}

double Score(double rss, double rss_floor, std::size_t n, int coefs, int steps) {
  const double dn = static_cast<double>(n);
  return dn * std::log(std::max(rss, rss_floor) / dn) + (coefs + steps) * std::log(dn) + steps * kStepMargin;
}

void CheckRows(std::size_t n_x, const std::vector<double>& ts) {
  if (n_x != ts.size())
    throw Error("fit: " + std::to_string(n_x) + " rows but " + std::to_string(ts.size()) + " times");
  if (ts.empty()) throw Error("fit: no rows");
  for (double t : ts) {
    if (!std::isfinite(t) || t <= 0) throw Error("fit: latency must be positive and finite, got " + std::to_string(t));
  }
}

// t = a + b * z by least squares; returns the RSS (b = 0 when z is constant).
struct Line {
  double a = 0, b = 0, rss = 0;
  bool degenerate = false;  // z constant
};
Line FitLine(const std::vector<double>& z, const std::vector<double>& t) {
  const double n = static_cast<double>(z.size());
  double mz = 0, mt = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    mz += z[i];
    mt += t[i];
  }
  mz /= n;
  mt /= n;
  double szz = 0, szt = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    szz += (z[i] - mz) * (z[i] - mz);
    szt += (z[i] - mz) * (t[i] - mt);
  }
  Line l;
  l.degenerate = !(szz > 0);
  l.b = l.degenerate ? 0.0 : szt / szz;
  l.a = mt - l.b * mz;
  // Residuals directly, not syy - szt^2/szz: the difference cancels for exact fits.
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double r = t[i] - l.a - l.b * z[i];
    l.rss += r * r;
  }
  return l;
}

// Widths (0 = line) ranked for one dimension with the 2-coefficient model
// t = a + b * q(x, s) * w. Degenerate widths (q constant on the rows) are left out.
struct Ranked {
  std::int64_t step;
  double rss;
};
std::vector<Ranked> RankWidths(const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>& t,
                               std::int64_t max_step) {
  std::vector<Ranked> out;
  std::vector<double> z(x.size());
  for (std::int64_t s = 0; s <= max_step; ++s) {
    if (s == 1) continue;  // floor((x-1)/1) = x - 1: the line again
    for (std::size_t i = 0; i < x.size(); ++i) z[i] = Factor(x[i], s) * w[i];
    Line l = FitLine(z, t);
    if (l.degenerate && s > 0) continue;
    out.push_back({s, l.rss});
  }
  return out;
}

// RSS of the composed form for widths s, by the normal equations: cheap
// enough to rank every width on 100k rows. Only for ranking; the candidates
// kept are refitted with the orthogonal decomposition.
double RankingRss(const std::vector<std::vector<double>>& xs, const std::vector<double>& w,
                  const std::vector<double>& t, const std::vector<std::int64_t>& s) {
  const int k = xs.size() == 1 ? 2 : 4;
  Eigen::Matrix4d g = Eigen::Matrix4d::Zero();
  Eigen::Vector4d rhs = Eigen::Vector4d::Zero();
  auto row = [&](std::size_t i) {
    Eigen::Vector4d v = Eigen::Vector4d::Zero();
    const double q1 = Factor(xs[0][i], s[0]);
    v(0) = 1.0;
    v(1) = q1 * w[i];
    if (k == 4) {
      const double q2 = Factor(xs[1][i], s[1]);
      v(2) = q2 * w[i];
      v(3) = q1 * q2 * w[i];
    }
    return v;
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    const Eigen::Vector4d v = row(i);
    g.noalias() += v * v.transpose();
    rhs += v * t[i];
  }
  // Scale to unit diagonal so the rank decision does not depend on units.
  Eigen::Vector4d scale = Eigen::Vector4d::Zero();
  for (int j = 0; j < k; ++j) scale(j) = g(j, j) > 0 ? 1.0 / std::sqrt(g(j, j)) : 0.0;
  const Eigen::MatrixXd gs = (scale.asDiagonal() * g * scale.asDiagonal()).topLeftCorner(k, k);
  const Eigen::VectorXd c =
      Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(gs).solve(scale.head(k).cwiseProduct(rhs.head(k)));
  Eigen::Vector4d coef = Eigen::Vector4d::Zero();
  coef.head(k) = c.cwiseProduct(scale.head(k));
  double rss = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double r = t[i] - row(i).dot(coef);
    rss += r * r;
  }
  return rss;
}

// Widths of dimension `d` (2 dims), ranked by RSS with the other dimension's
// width fixed at `other`; the best kTopWidths steps, and the very best (0 =
// line) in *best.
std::vector<std::int64_t> TopWidths(const std::vector<std::vector<double>>& xs, const std::vector<double>& w,
                                    const std::vector<double>& t, std::size_t d, std::int64_t other,
                                    std::int64_t max_step, std::int64_t* best) {
  std::vector<Ranked> ranked;
  std::vector<std::int64_t> s(2);
  s[1 - d] = other;
  double min_x = xs[d][0], max_x = xs[d][0];
  for (double v : xs[d]) {
    min_x = std::min(min_x, v);
    max_x = std::max(max_x, v);
  }
  for (std::int64_t step = 0; step <= max_step; ++step) {
    if (step == 1) continue;  // floor((x-1)/1) = x - 1: the line again
    // Widths at or beyond the range put every row on one step: degenerate.
    if (step > 0 && Factor(min_x, step) == Factor(max_x, step)) continue;
    s[d] = step;
    ranked.push_back({step, RankingRss(xs, w, t, s)});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.rss < b.rss; });
  *best = ranked.front().step;
  std::vector<std::int64_t> out;
  for (const Ranked& r : ranked) {
    if (r.step > 0 && out.size() < kTopWidths) out.push_back(r.step);
  }
  return out;
}

// Candidate widths for the joint 2-D search, per dimension: the line, and the
// best few steps of each dimension ranked with the other dimension first
// taken as a line, then at its best width from that ranking (one round of
// coordinate descent). Ranking on all rows, not only on rows where the other
// dimension is fixed, works for random designs too, where no value of the
// other dimension has enough rows. Returned ascending.
std::vector<std::vector<std::int64_t>> CandidateWidths(const std::vector<std::vector<double>>& xs,
                                                       const std::vector<double>& w, const std::vector<double>& t,
                                                       std::int64_t max_step) {
  std::vector<std::vector<std::int64_t>> out(2, std::vector<std::int64_t>{0});
  std::int64_t best0 = 0, best1 = 0, unused = 0;
  for (std::int64_t s : TopWidths(xs, w, t, 0, 0, max_step, &best0)) out[0].push_back(s);
  for (std::int64_t s : TopWidths(xs, w, t, 1, 0, max_step, &best1)) out[1].push_back(s);
  for (std::int64_t s : TopWidths(xs, w, t, 1, best0, max_step, &best1)) out[1].push_back(s);
  for (std::int64_t s : TopWidths(xs, w, t, 0, best1, max_step, &unused)) out[0].push_back(s);
  for (auto& v : out) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  return out;
}

// The design of the composed form for widths s (one or two dims):
// 1 dim:  [1, q1*w];  2 dims: [1, q1*w, q2*w, q1*q2*w].
Eigen::MatrixXd Design(const std::vector<std::vector<double>>& xs, const std::vector<double>& w,
                       const std::vector<std::int64_t>& s) {
  const std::size_t n = w.size();
  Eigen::MatrixXd a(n, xs.size() == 1 ? 2 : 4);
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::Index r = static_cast<Eigen::Index>(i);
    const double q1 = Factor(xs[0][i], s[0]);
    a(r, 0) = 1.0;
    a(r, 1) = q1 * w[i];
    if (xs.size() == 2) {
      const double q2 = Factor(xs[1][i], s[1]);
      a(r, 2) = q2 * w[i];
      a(r, 3) = q1 * q2 * w[i];
    }
  }
  return a;
}

Precision PrecisionOfRows(const std::vector<Layer>& layers) {
  for (const TensorInfo& in : layers.front().inputs) {
    if (in.is_weight || in.is_constant) continue;
    if (in.dtype == DataType::kFloat16) return Precision::kFp16;
    if (in.dtype == DataType::kInt8 || in.dtype == DataType::kUInt8) return Precision::kInt8;
    return Precision::kFp32;
  }
  return Precision::kFp32;
}

}  // namespace

Fit1D FitStepLinear1D(const std::vector<double>& xs, const std::vector<double>& ts, std::int64_t max_step) {
  CheckRows(xs.size(), ts);
  const std::size_t n = xs.size();
  const double floor = RssFloor(ts);
  std::vector<double> ones(n, 1.0);
  Fit1D best;
  double best_score = std::numeric_limits<double>::infinity();
  for (const Ranked& r : RankWidths(xs, ones, ts, max_step)) {  // line first, then ascending widths
    const double score = Score(r.rss, floor, n, 2, r.step > 0 ? 1 : 0);
    if (!(score < best_score)) continue;
    best_score = score;
    std::vector<double> z(n);
    for (std::size_t i = 0; i < n; ++i) z[i] = Factor(xs[i], r.step);
    Line l = FitLine(z, ts);
    best.linear = r.step == 0;
    best.step = r.step;
    best.a = l.a;
    best.b = l.b;
    best.rmse = std::sqrt(l.rss / static_cast<double>(n));
  }
  return best;
}

std::vector<double> SolveCoefficients(const std::vector<FittedTerm>& terms, const std::vector<Layer>& layers,
                                      const std::vector<double>& ms) {
  CheckRows(layers.size(), ms);
  if (terms.empty()) throw Error("fit: a model needs at least one term");
  const std::size_t n = layers.size();
  Eigen::MatrixXd a(n, terms.size());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < terms.size(); ++j) {
      double v = 1.0;
      for (const FittedFactor& f : terms[j].factors) {
        v *= Factor(static_cast<double>(LayerDim(layers[i], f.dim)), f.step);
      }
      a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v;
    }
  }
  Eigen::VectorXd b = Eigen::Map<const Eigen::VectorXd>(ms.data(), static_cast<Eigen::Index>(n));
  Eigen::VectorXd c = fit::Lstsq(std::move(a), b);
  return std::vector<double>(c.data(), c.data() + c.size());
}

FittedModel FitStepLinear(const std::vector<Layer>& layers, const std::vector<double>& ms,
                          const std::vector<std::string>& dims, const std::string& work, std::int64_t max_step) {
  CheckRows(layers.size(), ms);
  if (dims.empty() || dims.size() > 2) {
    throw Error("fit: step/linear models take one or two dimensions, got " + std::to_string(dims.size()));
  }
  if (dims.size() == 2 && dims[0] == dims[1]) throw Error("fit: dimension '" + dims[0] + "' given twice");
  const std::size_t n = layers.size();
  std::vector<std::vector<double>> xs(dims.size(), std::vector<double>(n));
  std::vector<double> w(n, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t d = 0; d < dims.size(); ++d) xs[d][i] = static_cast<double>(LayerDim(layers[i], dims[d]));
    if (!work.empty()) w[i] = static_cast<double>(LayerDim(layers[i], work));
  }

  // Widths to try per dimension: all of them in 1-D (the search is cheap);
  // a short list in 2-D, where the joint search is quadratic.
  std::vector<std::vector<std::int64_t>> widths(dims.size());
  if (dims.size() == 1) {
    for (const Ranked& r : RankWidths(xs[0], w, ms, max_step)) widths[0].push_back(r.step);
  } else {
    widths = CandidateWidths(xs, w, ms, max_step);
  }

  const Eigen::VectorXd b = Eigen::Map<const Eigen::VectorXd>(ms.data(), static_cast<Eigen::Index>(n));
  const double floor = RssFloor(ms);
  double best_score = std::numeric_limits<double>::infinity();
  std::vector<std::int64_t> best_s;
  Eigen::VectorXd best_c;
  auto consider = [&](const std::vector<std::int64_t>& s) {
    Eigen::MatrixXd a = Design(xs, w, s);
    Eigen::VectorXd c = fit::Lstsq(a, b);
    const double rss = (a * c - b).squaredNorm();
    int steps = 0;
    for (std::int64_t v : s) steps += v > 0 ? 1 : 0;
    const double score = Score(rss, floor, n, static_cast<int>(a.cols()), steps);
    // Fewer step dimensions first is the tie rule; within a count, the
    // lists are ascending, so the first strict minimum has the smaller widths.
    if (score < best_score) {
      best_score = score;
      best_s = s;
      best_c = c;
    }
  };
  if (dims.size() == 1) {
    for (std::int64_t s : widths[0]) consider({s});
  } else {
    for (int steps = 0; steps <= 2; ++steps) {
      for (std::int64_t s1 : widths[0]) {
        for (std::int64_t s2 : widths[1]) {
          if ((s1 > 0) + (s2 > 0) == steps) consider({s1, s2});
        }
      }
    }
  }

  FittedModel m;
  m.precision = PrecisionOfRows(layers);
  auto factors = [&](std::initializer_list<std::size_t> ds) {
    std::vector<FittedFactor> f;
    for (std::size_t d : ds) f.push_back({dims[d], best_s[d]});
    if (!work.empty()) f.push_back({work, 0});
    return f;
  };
  m.terms.push_back({best_c(0), {}});
  m.terms.push_back({best_c(1), factors({0})});
  if (dims.size() == 2) {
    m.terms.push_back({best_c(2), factors({1})});
    m.terms.push_back({best_c(3), factors({0, 1})});
  }
  // The range covers every size that describes the layer, not only the ones the
  // terms use: a model fitted at 32x32 with 3x3 kernels says nothing certain
  // about 56x56 or 1x1, so such layers must be flagged as extrapolated.
  std::vector<std::string> used = {"batch", "in_c", "in_h", "in_w", "out_c", "out_h", "out_w", "kernel"};
  for (const std::string& d : dims) {
    if (std::find(used.begin(), used.end(), d) == used.end()) used.push_back(d);
  }
  if (!work.empty() && std::find(used.begin(), used.end(), work) == used.end()) used.push_back(work);
  m.range = fit::DimRanges(layers, used);

  const Eigen::VectorXd pred = Design(xs, w, best_s) * best_c;
  const FitStats stats = fit::PredictionStats(ms, std::vector<double>(pred.data(), pred.data() + pred.size()));
  m.rows = stats.rows;
  m.r2 = stats.r2;
  m.mape = stats.mape;
  m.source = "fitted: odonata fit, " + std::to_string(n) + " rows";
  return m;
}

}  // namespace odonata
