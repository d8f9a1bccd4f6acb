// ANNETTE's refined roofline, fitted to measurements of one op class.
//
// ANNETTE's roofs are the fastest rows (max bytes / t, max ops / t); odonata
// starts from them and then fits least-squares scales (see the end of
// FitRefinedRoofline), so that its roofs predict typical rows, not bound them.
//
// The per-dimension parallelism p and alpha are searched to minimise the
// squared relative error of t = max(lambda * ops / prod eff_d, bytes / bw),
// one dimension at a time (coordinate descent): p over 2..64 and alpha on a
// 0.1 grid, then on a 0.01 grid around the best. The compute scale lambda is
// refitted for every candidate (least squares over the compute-bound rows).
// Why: the max over noisy rows overstates the peak by about the noise (2% noise,
// 2% too fast), and with a fixed scale any dimension that is nearly constant
// over the rows (out_h = 32 with p = 33) would be "found" just to scale every
// prediction back up. With lambda free, a dimension earns its place only by
// explaining differences between rows.
// A dimension is kept only when it lowers n * log(SSE) by more than
// 2 * log(n) + kDimMargin (BIC for its two parameters plus a margin, as for
// step widths in step_linear.cc): 63 x 20 candidates fit noise otherwise.
// Ties keep the smaller p and alpha; the result is deterministic.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/fit.h"
#include "fit_util.h"

namespace odonata {
namespace {

constexpr std::int64_t kMaxParallelism = 64;
constexpr int kMaxRounds = 4;
constexpr double kDimMargin = 10.0;

// Fraction of a nominal peak reached by a measured rate, capped to (0, 1].
// A measured rate above the nominal peak means the profile's peak is wrong
// or the counts overstate the work; the cap keeps the model physical and the
// source says so.
Sourced Efficiency(double measured, double nominal, const char* unit, const std::string& base) {
  if (!(measured > 0)) return {1.0, base + "; no work of this kind in the rows, left at 1"};
  if (!(nominal > 0)) throw Error(std::string("fit: the platform's nominal ") + unit + " is not positive");
  const double e = measured / nominal;
  if (e > 1.0) {
    return {1.0, base + "; measured " + fit::Sig4(measured) + " " + unit + " exceeds the nominal " + fit::Sig4(nominal) + " " +
                     unit + ", capped at 1"};
  }
  return {e, base};
}

struct Rows {
  std::vector<double> ops;
  std::vector<double> memory_s;  // bytes / bw
  std::vector<double> t;         // measured, s
};

// Compute scale lambda (s per op) minimising the relative error for the
// utilisation `eff` per row: least squares over the rows the compute roof
// decides, alternated with that set a few times (it rarely changes).
double Lambda(const Rows& r, const std::vector<double>& eff, double start) {
  double lambda = start;
  for (int iter = 0; iter < 5; ++iter) {
    double sa = 0, saa = 0;
    for (std::size_t i = 0; i < r.t.size(); ++i) {
      const double c = lambda * r.ops[i] / eff[i];
      if (r.ops[i] <= 0 || c < r.memory_s[i]) continue;
      const double a = r.ops[i] / (eff[i] * r.t[i]);
      sa += a;
      saa += a * a;
    }
    if (!(saa > 0)) return lambda;
    const double next = sa / saa;
    if (next == lambda) break;
    lambda = next;
  }
  return lambda;
}

// Sum of squared relative errors for utilisation `eff`, at the best lambda.
double Objective(const Rows& r, const std::vector<double>& eff, double start, double* lambda_out = nullptr) {
  const double lambda = Lambda(r, eff, start);
  double sum = 0;
  for (std::size_t i = 0; i < r.t.size(); ++i) {
    const double pred = std::max(lambda * r.ops[i] / eff[i], r.memory_s[i]);
    const double e = (pred - r.t[i]) / r.t[i];
    sum += e * e;
  }
  if (lambda_out) *lambda_out = lambda;
  return sum;
}

double Eff(double u, double alpha) { return 1.0 / ((1.0 - alpha) + alpha / u); }

}  // namespace

ClassModel FitRefinedRoofline(const std::vector<Layer>& layers, const std::vector<double>& ms,
                              const PrecisionSpec& spec, Precision precision, const std::vector<std::string>& dims,
                              const std::vector<KernelShape>& kernel_shapes) {
  std::vector<KernelTerm> terms;
  for (KernelShape ks : kernel_shapes) terms.push_back({ks, 1.0, ""});
  return FitRefinedRoofline(layers, ms, spec, precision, dims, terms);
}

ClassModel FitRefinedRoofline(const std::vector<Layer>& layers, const std::vector<double>& ms,
                              const PrecisionSpec& spec, Precision precision, const std::vector<std::string>& dims,
                              const std::vector<KernelTerm>& kernel_terms) {
  std::vector<KernelShape> kernel_shapes;
  for (const KernelTerm& t : kernel_terms) kernel_shapes.push_back(t.shape);
  if (layers.size() != ms.size()) throw Error("fit: layers and times differ in number");
  if (layers.empty()) throw Error("fit: no rows");
  const std::size_t n = layers.size();
  Rows r;
  std::vector<double> bytes(n);
  double op_s = 0, bw = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(ms[i]) || ms[i] <= 0) throw Error("fit: latency must be positive and finite");
    r.ops.push_back(static_cast<double>(layers[i].counts.flops));
    bytes[i] = static_cast<double>(layers[i].counts.Bytes(PrecisionBytes(precision)));
    r.t.push_back(ms[i] * 1e-3);
    op_s = std::max(op_s, r.ops[i] / r.t[i]);
    bw = std::max(bw, bytes[i] / r.t[i]);
  }
  const std::string base = "fitted: odonata fit, " + std::to_string(n) + " rows";
  ClassModel m;
  m.estimator = "refined_roofline";
  m.memory_efficiency = Efficiency(bw / 1e9, spec.bandwidth_gbps.value, "GB/s", base);
  const double band = spec.bandwidth_gbps.value * 1e9 * m.memory_efficiency.value;
  for (std::size_t i = 0; i < n; ++i) r.memory_s.push_back(band > 0 ? bytes[i] / band : 0.0);
  const double start = op_s > 0 ? 1.0 / op_s : 0.0;

  const std::size_t nd = dims.size();
  std::vector<std::vector<std::int64_t>> x(nd, std::vector<std::int64_t>(n));
  for (std::size_t d = 0; d < nd; ++d) {
    for (std::size_t i = 0; i < n; ++i) x[d][i] = LayerDim(layers[i], dims[d]);
  }
  // A dimension with one value only scales every row alike, which the free
  // compute scale already does: nothing to search.
  std::vector<bool> varies(nd, false);
  for (std::size_t d = 0; d < nd; ++d) {
    for (std::size_t i = 1; i < n; ++i) varies[d] = varies[d] || x[d][i] != x[d][0];
  }
  std::vector<std::int64_t> p(nd, 1);
  std::vector<double> alpha(nd, 0.0);
  std::vector<std::vector<double>> eff(nd, std::vector<double>(n, 1.0));
  std::vector<double> other(n), total(n), u(n);
  const double dn = static_cast<double>(n);
  const double floor = 1e-18 * dn;  // relative errors of 1e-9: an exact fit
  const double penalty = 2.0 * std::log(dn) + kDimMargin;
  auto utilisation = [&](std::size_t d, std::int64_t pp) {
    const double dp = static_cast<double>(pp);
    for (std::size_t i = 0; i < n; ++i) {
      const double xv = static_cast<double>(x[d][i]);
      u[i] = x[d][i] > 0 ? xv / (std::ceil(xv / dp) * dp) : 0.0;
    }
  };
  auto evaluate = [&](double a) {
    for (std::size_t i = 0; i < n; ++i) total[i] = other[i] * (u[i] > 0 ? Eff(u[i], a) : 1.0);
    return Objective(r, total, start);
  };
  for (int round = 0; round < kMaxRounds && op_s > 0; ++round) {
    bool changed = false;
    for (std::size_t d = 0; d < nd; ++d) {
      std::fill(other.begin(), other.end(), 1.0);
      for (std::size_t e = 0; e < nd; ++e) {
        if (e == d) continue;
        for (std::size_t i = 0; i < n; ++i) other[i] *= eff[e][i];
      }
      const double off = Objective(r, other, start);  // p = 1: the dimension switched off
      double best = std::numeric_limits<double>::infinity();
      std::int64_t best_p = 1;
      double best_alpha = 0.0;
      for (std::int64_t pp = 2; pp <= kMaxParallelism && varies[d]; ++pp) {
        utilisation(d, pp);
        for (int k = 1; k <= 10; ++k) {
          const double v = evaluate(0.1 * k);
          if (v < best) {
            best = v;
            best_p = pp;
            best_alpha = 0.1 * k;
          }
        }
      }
      utilisation(d, best_p);
      const double centre = best_alpha;
      for (int k = -10; k <= 10 && best_p > 1; ++k) {
        const double a = centre + 0.01 * k;
        if (k == 0 || a <= 0 || a > 1) continue;
        const double v = evaluate(a);
        if (v < best) {
          best = v;
          best_alpha = a;
        }
      }
      if (!(dn * (std::log(std::max(best, floor)) - std::log(std::max(off, floor))) < -penalty)) {
        best_p = 1;
        best_alpha = 0.0;
      }
      if (best_p != p[d] || best_alpha != alpha[d]) changed = true;
      p[d] = best_p;
      alpha[d] = best_alpha;
      for (std::size_t i = 0; i < n; ++i) eff[d][i] = DimensionEfficiency(x[d][i], p[d], alpha[d]);
    }
    if (!changed) break;
  }

  // The roofs: ANNETTE takes the fastest row (max ops / t) as the roof, which
  // makes every prediction a lower bound; on the NCS2 reports that under-predicts
  // convolution time by 21-42% even in-sample. odonata estimates, so it keeps the
  // least-squares scales instead: compute from the rows the compute roof decides
  // (lambda, refitted above), memory from the rows the memory roof decides,
  // alternating a few times since which roof decides depends on both.
  std::fill(total.begin(), total.end(), 1.0);
  for (std::size_t d = 0; d < nd; ++d) {
    for (std::size_t i = 0; i < n; ++i) total[i] *= eff[d][i];
  }
  double lambda = 0;
  Objective(r, total, start, &lambda);
  // Kernel terms: the compute roof of each listed shape scaled by s. For each
  // shape, s minimises the squared relative error of max(compute / s, memory)
  // over that shape's rows (a 1-D search: a row can move between the roofs as
  // s moves, so no closed form), alternating with lambda over all rows.
  std::vector<KernelShape> shape(n);
  for (std::size_t i = 0; i < n; ++i) shape[i] = KernelShapeOf(layers[i], kernel_terms, PrecisionBytes(precision));
  std::vector<double> scale(kKernelShapeCount, 1.0);
  std::vector<std::size_t> shape_rows(kKernelShapeCount, 0);
  const std::vector<double> unscaled = total;
  auto shape_error = [&](KernelShape ks, double sc) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (shape[i] != ks) continue;
      const double pred = std::max(lambda * r.ops[i] / (unscaled[i] * sc), r.memory_s[i]);
      const double e = (pred - r.t[i]) / r.t[i];
      sum += e * e;
    }
    return sum;
  };
  for (int round = 0; round < 5 && !kernel_shapes.empty() && lambda > 0; ++round) {
    for (KernelShape ks : kernel_shapes) {
      const std::size_t k = static_cast<std::size_t>(ks);
      shape_rows[k] = 0;
      for (std::size_t i = 0; i < n; ++i) shape_rows[k] += shape[i] == ks && r.ops[i] > 0 ? 1 : 0;
      if (shape_rows[k] == 0) continue;
      // log2(s) over [-4, 4] in steps of 1/64, then around the best in steps of 1/4096.
      double best = std::numeric_limits<double>::infinity(), best_log = 0;
      for (int j = -256; j <= 256; ++j) {
        const double v = shape_error(ks, std::exp2(j / 64.0));
        if (v < best) best = v, best_log = j / 64.0;
      }
      const double centre = best_log;
      for (int j = -64; j <= 64; ++j) {
        const double lg = centre + j / 4096.0;
        const double v = shape_error(ks, std::exp2(lg));
        if (v < best) best = v, best_log = lg;
      }
      scale[k] = std::exp2(best_log);
    }
    for (std::size_t i = 0; i < n; ++i) total[i] = unscaled[i] * scale[static_cast<std::size_t>(shape[i])];
    Objective(r, total, start, &lambda);
  }
  double mu = band > 0 ? 1.0 / band : 0.0;  // s per byte
  for (int round = 0; round < 3 && lambda > 0 && mu > 0; ++round) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (bytes[i] > 0 && mu * bytes[i] > lambda * r.ops[i] / total[i]) {
        const double q = bytes[i] / r.t[i];
        num += q;
        den += q * q;
      }
    }
    if (den > 0) mu = num / den;
    for (std::size_t i = 0; i < n; ++i) r.memory_s[i] = mu * bytes[i];
    Objective(r, total, start, &lambda);
  }
  const double peak = lambda > 0 ? 1.0 / lambda : op_s;
  if (mu > 0) m.memory_efficiency = Efficiency(1.0 / mu / 1e9, spec.bandwidth_gbps.value, "GB/s", base);
  m.compute_efficiency = Efficiency(peak / 1e9, spec.peak_gops.value, "GOP/s", base);
  for (std::size_t d = 0; d < nd; ++d) {
    if (p[d] > 1 && alpha[d] > 0) m.parallelism.push_back({dims[d], p[d], alpha[d], base});
  }
  for (const KernelTerm& t : kernel_terms) {
    const KernelShape ks = t.shape;
    const std::size_t k = static_cast<std::size_t>(ks);
    m.kernel_terms.push_back({ks, scale[k],
                              shape_rows[k] > 0 ? base + "; " + std::to_string(shape_rows[k]) + " " +
                                                      KernelShapeName(ks) + " rows"
                                                : base + "; no " + std::string(KernelShapeName(ks)) +
                                                      " rows, left at 1",
                              t.buffer_bytes, t.line_bytes});
  }
  return m;
}

}  // namespace odonata
