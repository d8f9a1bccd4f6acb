// Fitting a platform: per (op class, precision), candidate models are compared
// by k-fold cross-validated MAPE and the winner is written into the profile.
//
// Cross-validation rather than the in-sample error: the step/linear model has
// up to four coefficients and two searched widths, and would win on the rows it
// was fitted to even where a two-number roofline generalises better.
// Candidates are tried from the simplest (roofline) to the most flexible
// (step_linear); a later one replaces the best only when its CV MAPE is lower
// by more than kTieMape, so near-ties keep the simpler model.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "detection_fit.h"
#include "fit_util.h"
#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/fit.h"
#include "odonata/fusion.h"
#include "odonata/onnx.h"
#include "odonata/trust.h"
#include "trees_fit.h"

namespace odonata {
namespace {

constexpr std::size_t kMinRows = kMinFitRows;
constexpr double kTieMape = 0.1;  // percentage points

enum class Kind { kRoofline, kRefined, kStepLinear, kTrees, kRooflineConstant };

// Rows a class needs before gradient-boosted trees are tried: with fewer, five
// folds leave too little to split on.
constexpr std::size_t kMinTreeRows = 24;

// The trees' features: every LayerDim that describes a layer's geometry
// (NonMaxSuppression's boxes and classes have their own model); for the
// convolution classes also valid_macs and valid_permille, the MACs whose taps read
// inside the input and their share of all taps (issue 12: ONNX Runtime's NCHWc
// kernels skip a dilated convolution's taps that land in the padding). The share is
// what the trees' target, log(measured / roofline of all MACs), follows; trees split
// poorly on the ratio of two features (tests/trees_test.cc, FitFollowsTapsInThePadding:
// cross-validated 8.2% with valid_macs alone, 1.9% with both). A profile records its
// trees' features, so trees fitted before them estimate as they did; other classes
// (the int8 ones too) keep the list they had.
const std::vector<std::string>& TreeFeatures(OpClass cls) {
  static const std::vector<std::string> f = {"out_h",  "out_w", "in_c",  "out_c",    "in_h",    "in_w",
                                             "batch",  "kernel", "spatial", "macs",  "elems",   "group",
                                             "stride", "dilation", "weights", "inputs", "align"};
  static const std::vector<std::string> conv = [] {
    std::vector<std::string> v = f;
    v.push_back("valid_macs");
    v.push_back("valid_permille");
    return v;
  }();
  // Not the int8 classes: their QDQ sweep rows have no dilation, and on the 24 conv_int8 rows of
  // 2026-12-06 the extra dims made trees (in-sample MAPE 0.06%) win over step_linear by 0.8 points.
  return IsConvClass(cls) ? conv : f;
}

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kRoofline:
      return "roofline";
    case Kind::kRefined:
      return "refined_roofline";
    case Kind::kStepLinear:
      return "step_linear";
    case Kind::kTrees:
      return "trees";
    case Kind::kRooflineConstant:
      return "roofline+constant";
  }
  return "roofline";
}

struct Candidate {
  Kind kind;
  std::vector<std::string> dims;
  std::string work;                       // step_linear only
  std::vector<KernelTerm> kernel_shapes;  // roofline and refined: the base profile's kernel terms
};

struct Group {
  OpClass cls;
  Precision precision;
  std::vector<Layer> layers;
  std::vector<double> ms;
  std::vector<std::string> origins;
  std::vector<double> warm;  // warm_ms, NaN where the row has none
};

// The class's warm model from the rows of `g` that carry warm_ms (WarmModel);
// none without such rows, a warning with too few.
std::optional<WarmModel> FitGroupWarm(const Group& g, int folds, const std::string& provenance,
                                      std::vector<std::string>& warnings) {
  std::vector<double> bytes, cold, warm, kernel;
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    if (!std::isfinite(g.warm[i])) continue;
    bytes.push_back(static_cast<double>(g.layers[i].counts.Bytes(PrecisionBytes(g.precision))));
    cold.push_back(g.ms[i]);
    warm.push_back(g.warm[i]);
    kernel.push_back(static_cast<double>(std::max<std::int64_t>(1, LayerDim(g.layers[i], "kernel"))));
  }
  if (bytes.empty()) return std::nullopt;
  const std::string name = std::string(OpClassName(g.cls)) + " " + PrecisionName(g.precision);
  if (bytes.size() < kMinRows) {
    warnings.push_back(name + ": " + std::to_string(bytes.size()) + " rows with warm_ms, at least " +
                       std::to_string(kMinRows) + " are needed; no warm model");
    return std::nullopt;
  }
  WarmModel w = FitWarmModel(bytes, cold, warm, kernel, g.precision, folds, "");
  w.source = provenance + " (odonata fit: ln(warm_ms / latency_ms) of " + std::to_string(bytes.size()) +
             (w.c_kernel != 0 ? " rows on [1, ln bytes, ln latency_ms, ln kernel area], least squares; the kernel "
                                "area term adopted, its CV at least 10% below the form without it)"
                              : " rows on [1, ln bytes, ln latency_ms], least squares)");
  return w;
}

// Predictions come from the estimator registry itself, so that what `fit`
// chooses by is exactly what `estimate` will compute.
double Predict(const ClassModel& m, const Layer& l, const PrecisionSpec& spec, Precision precision) {
  Platform platform;
  platform.precisions[precision] = spec;
  const EstimatorInfo* estimator = FindEstimator(m.estimator);
  if (!estimator) throw Error("internal: fit produced unknown estimator '" + m.estimator + "'");
  return estimator->fn(EstimatorContext{l, platform, precision, m}).ms;
}

// The refined roofline of the rows (dims as the refined candidate's), then trees
// on the log of measured over roofline: ANNETTE's mixed model.
ClassModel TrainTrees(const Candidate& c, const std::vector<Layer>& layers, const std::vector<double>& ms,
                      const PrecisionSpec& spec, Precision precision) {
  ClassModel m = FitRefinedRoofline(layers, ms, spec, precision, c.dims, c.kernel_shapes);
  m.estimator = "refined_roofline";
  const std::vector<std::string>& features = TreeFeatures(layers.empty() ? OpClass::kUnknown : layers.front().op_class);
  std::vector<std::vector<float>> x;
  std::vector<double> y;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const double base = Predict(m, layers[i], spec, precision);
    if (!(base > 0)) throw Error("the roofline predicts no time for " + layers[i].op_type + " '" + layers[i].name + "'");
    y.push_back(std::log(ms[i] / base));
    std::vector<float> row;
    for (const std::string& f : features) row.push_back(static_cast<float>(LayerDim(layers[i], f)));
    x.push_back(std::move(row));
  }
  TreeModel t = FitTrees(x, y, features);
  t.precision = precision;
  m.estimator = "trees";
  m.trees.push_back(std::move(t));
  return m;
}

// Candidate "roofline+constant" (issue 12, helper smallops): t = c + roofline(ops, bytes), a
// per-kernel constant c >= 0 ms beside the class's roofs. Alternated from c = 0: the
// roofline fitted (FitRefinedRoofline, no dimensions) to the rows less c (each at least a quarter
// of the row, so that no row vanishes), then c by Huber-weighted least squares of the relative
// error (weights 1 / t^2, Huber's k = 1.345 scaled MADs of the relative residuals, 6
// reweightings), clamped at 0; 12 rounds. Deterministic. Written as the roofline with
// ClassModel::constant_ms.
ClassModel TrainRooflineConstant(const Candidate& c, const std::vector<Layer>& layers, const std::vector<double>& ms,
                                 const PrecisionSpec& spec, Precision precision) {
  const std::size_t n = layers.size();
  double constant = 0;
  ClassModel m;
  std::vector<double> rest(n), roof(n), w(n, 1.0);
  for (int round = 0; round < 12; ++round) {
    for (std::size_t i = 0; i < n; ++i) rest[i] = std::max(ms[i] - constant, 0.25 * ms[i]);
    m = FitRefinedRoofline(layers, rest, spec, precision, {}, c.kernel_shapes);
    m.estimator = "roofline";
    m.constant_ms.reset();
    for (std::size_t i = 0; i < n; ++i) roof[i] = Predict(m, layers[i], spec, precision);
    std::fill(w.begin(), w.end(), 1.0);
    for (int irls = 0; irls < 6; ++irls) {
      double num = 0, den = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double q = w[i] / (ms[i] * ms[i]);
        num += q * (ms[i] - roof[i]);
        den += q;
      }
      constant = den > 0 ? std::max(0.0, num / den) : 0.0;
      std::vector<double> r(n), a(n);
      for (std::size_t i = 0; i < n; ++i) r[i] = (constant + roof[i] - ms[i]) / ms[i];
      const double med = fit::Median(r);
      for (std::size_t i = 0; i < n; ++i) a[i] = std::abs(r[i] - med);
      const double scale = 1.4826 * fit::Median(a);
      const double k = 1.345 * scale;
      for (std::size_t i = 0; i < n; ++i) {
        w[i] = k > 0 && std::abs(r[i]) > k ? k / std::abs(r[i]) : 1.0;
      }
    }
  }
  char text[160];
  std::snprintf(text, sizeof text,
                "fitted: odonata fit, %zu rows; roofline+constant: Huber-weighted least squares of the relative "
                "error, alternated with the roofs",
                n);
  m.constant_ms = Sourced{constant, text};
  return m;
}

ClassModel Train(const Candidate& c, const std::vector<Layer>& layers, const std::vector<double>& ms,
                 const PrecisionSpec& spec, Precision precision) {
  if (c.kind == Kind::kTrees) return TrainTrees(c, layers, ms, spec, precision);
  if (c.kind == Kind::kRooflineConstant) return TrainRooflineConstant(c, layers, ms, spec, precision);
  if (c.kind == Kind::kStepLinear) {
    ClassModel m;
    m.estimator = "step_linear";
    FittedModel f = c.work == "boxes" ? FitDetection(layers, ms) : FitStepLinear(layers, ms, c.dims, c.work);
    f.precision = precision;
    m.fitted.push_back(std::move(f));
    return m;
  }
  ClassModel m = FitRefinedRoofline(layers, ms, spec, precision,
                                    c.kind == Kind::kRefined ? c.dims : std::vector<std::string>{}, c.kernel_shapes);
  m.estimator = KindName(c.kind);
  return m;
}

// Fold of every row (fit::CvFolds, shared with the warm models).
std::vector<int> Folds(std::size_t n, int k) { return fit::CvFolds(n, k); }

// Cross-validated MAPE; `cv_pred` (when given) gets every row's prediction by
// the model fitted without its fold.
double CvMape(const Candidate& c, const Group& g, const PrecisionSpec& spec, const std::vector<int>& fold, int k,
              std::vector<double>* cv_pred = nullptr) {
  if (cv_pred) cv_pred->assign(g.layers.size(), 0.0);
  double ape = 0;
  for (int f = 0; f < k; ++f) {
    std::vector<Layer> train;
    std::vector<double> train_ms;
    for (std::size_t i = 0; i < g.layers.size(); ++i) {
      if (fold[i] == f) continue;
      train.push_back(g.layers[i]);
      train_ms.push_back(g.ms[i]);
    }
    const ClassModel m = Train(c, train, train_ms, spec, g.precision);
    for (std::size_t i = 0; i < g.layers.size(); ++i) {
      if (fold[i] != f) continue;
      const double p = Predict(m, g.layers[i], spec, g.precision);
      if (cv_pred) (*cv_pred)[i] = p;
      ape += std::abs(p - g.ms[i]) / g.ms[i];
    }
  }
  return 100.0 * ape / static_cast<double>(g.layers.size());
}

std::size_t Distinct(const std::vector<Layer>& layers, const std::string& dim) {
  std::set<std::int64_t> values;
  for (const Layer& l : layers) values.insert(LayerDim(l, dim));
  return values.size();
}

// The `count` varied dimensions with the most distinct values among `pool`
// (ties: pool order).
std::vector<std::string> MostVaried(const std::vector<Layer>& layers, const std::vector<std::string>& pool,
                                    std::size_t count) {
  std::vector<std::pair<std::size_t, std::string>> varied;
  for (const std::string& d : pool) {
    const std::size_t k = Distinct(layers, d);
    if (k >= 2) varied.push_back({k, d});
  }
  std::stable_sort(varied.begin(), varied.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < varied.size() && i < count; ++i) out.push_back(varied[i].second);
  return out;
}

// The classes offered the "roofline+constant" candidate (helper smallops, issue 12): the small
// memory-bound classes of ONNX Runtime's generic kernels, not the convolutions, matrix products,
// recurrent layers or detection ops (their forms are other helpers').
bool HasConstantCandidate(OpClass cls) {
  switch (cls) {
    case OpClass::kPool:
    case OpClass::kEltwise:
    case OpClass::kActivation:
    case OpClass::kNorm:
    case OpClass::kSoftmax:
    case OpClass::kReduce:
    case OpClass::kResize:
    case OpClass::kData:
      return true;
    default:
      return false;
  }
}

// `kernel_shapes`: the shapes of the base profile's kernel terms for the class,
// refitted by the roofline candidates (and the trees' roofline).
// `constant`: the base profile declares the class's constant_ms (any value): the candidate
// "roofline+constant" is offered, as the base's kernel terms are refitted (a profile's other
// fits, NCS2's leave-one-network-out among them, stay as they were).
std::vector<Candidate> Candidates(const Group& g, const std::vector<KernelTerm>& kernel_shapes, bool trees,
                                  bool constant = false) {
  std::vector<Candidate> out = {{Kind::kRoofline, {}, "", kernel_shapes}};
  const OpClass cls = FloatClassOf(g.cls);  // an int8 class has its float class's candidates
  const bool conv = IsConvClass(cls);
  std::vector<std::string> refined;
  if (conv) refined = {"in_c", "out_c", "out_h"};
  if (cls == OpClass::kGemm || cls == OpClass::kRecurrent) refined = {"in_c", "out_c"};
  if (cls == OpClass::kPool) refined = {"in_c", "out_h"};
  if (!refined.empty()) out.push_back({Kind::kRefined, refined, "", kernel_shapes});
  if (constant && HasConstantCandidate(cls)) out.push_back({Kind::kRooflineConstant, {}, "", kernel_shapes});

  Candidate step{Kind::kStepLinear, {}, "", {}};
  if (conv) {
    step.dims = MostVaried(g.layers, {"in_c", "out_c", "in_h"}, 2);
    // The remaining size (batch, output pixels, kernel) scales the channel
    // terms when it varies too; when in_h is itself a fitted dimension,
    // "spatial" would repeat it.
    const bool spatial_is_dim = std::find(step.dims.begin(), step.dims.end(), "in_h") != step.dims.end();
    if (!spatial_is_dim && Distinct(g.layers, "spatial") >= 2) step.work = "spatial";
  } else {
    step.dims = MostVaried(g.layers, {"in_c", "out_c", "in_h", "in_w", "batch", "kernel", "spatial", "elems"}, 1);
  }
  if (g.cls == OpClass::kDetection) step = {Kind::kStepLinear, {"boxes"}, "boxes", {}};  // FitDetection (NMS)
  // RoiAlign's work is its MACs (output elements x sampling points x 4 bilinear taps).
  if (g.cls == OpClass::kRoi) step.dims = {"macs"};
  // TopK (a partial sort) and NonZero (a scan) work through their input elements, whatever its
  // rank (SSD's are 1-D, a region proposal network's TopK [1, N]); GatherND copies one slice per
  // index row (its output's leading size, "spatial"), the output elements competing as ever.
  if (g.cls == OpClass::kTopK || g.cls == OpClass::kNonZero) step.dims = {"inputs"};
  if (g.cls == OpClass::kGatherNd) step.dims = {"spatial"};
  // Recurrent layers run their time steps one after the other: a cost per call, per step and per
  // multiply-accumulate, c0 + c1 steps + macs (c2 + c3 steps) (the steps' widths searched as ever).
  if (g.cls == OpClass::kRecurrent) {
    step.dims.clear();
    if (Distinct(g.layers, "spatial") >= 2 && Distinct(g.layers, "macs") >= 2) step.dims = {"spatial", "macs"};
    step.work.clear();
  }
  if (!step.dims.empty()) out.push_back(step);
  // Memory-bound classes' work is their element count: when the most varied size is
  // another (a sweep over channels at a few fixed spatial sizes), elements compete too.
  if (!conv && g.cls != OpClass::kDetection && !step.dims.empty() && step.dims[0] != "elems" &&
      Distinct(g.layers, "elems") >= 2) {
    out.push_back({Kind::kStepLinear, {"elems"}, "", {}});
  }
  // ONNX Runtime's int8 convolutions (QLinearConv, NHWC) pay per output position and kernel tap
  // (the dim spatial) besides per multiply-accumulate (issue 12, helper int8, 2026-12-07, this AMD
  // EPYC guest, cold sweep rows): a 3x3 QLinearConv of 3 input channels at 320x320 (stride 2, 16
  // outputs: 48 MACs a tap) took 0.78 ms, 3.4 ns a tap, as one of 32 -> 16 channels at 80x80 (512
  // MACs a tap: 0.194 ms, 3.4 ns a tap), which the channel terms x spatial cannot both follow.
  // So c0 + c1 spatial + c2 macs (+ c3 spatial macs), the second step/linear candidate
  // ("step_linear/spatial"), kept when its cross-validated MAPE is lower. Only for the int8
  // classes (conv_int8, dwconv_int8: ONNX Runtime's QLinearConv), not for int8 rows that a base
  // without them fits as conv (another board's int8 kernels).
  if (conv && g.cls != cls && g.precision == Precision::kInt8 && Distinct(g.layers, "spatial") >= 2 &&
      Distinct(g.layers, "macs") >= 2) {
    out.push_back({Kind::kStepLinear, {"spatial", "macs"}, "", {}});
  }
  if (trees && g.cls != OpClass::kDetection && g.layers.size() >= kMinTreeRows) {
    out.push_back({Kind::kTrees, refined, "", kernel_shapes});
  }
  return out;
}

// The direct form of the class's warm model (WarmModel::direct; issue 12, helper silero): the
// class's step/linear candidates (Candidates) trained on the warm_ms of the rows that have it, each
// cross-validated with the factor form's folds (FitWarmModel: fit::CvFolds over the same rows in
// the same order, k = min(max(folds, 2), rows)). Sets direct_cv_mape to the best candidate's CV
// (the first of equal ones) and writes `direct` only when that is below the factor form's CV.
void FitGroupWarmDirect(const Group& g, const PrecisionSpec& spec, int folds, const std::string& provenance,
                        WarmModel& w, std::vector<std::string>& warnings) {
  Group wg{g.cls, g.precision, {}, {}, {}, {}};
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    if (!std::isfinite(g.warm[i])) continue;
    wg.layers.push_back(g.layers[i]);
    wg.ms.push_back(g.warm[i]);
    wg.origins.push_back(g.origins[i]);
    wg.warm.push_back(g.warm[i]);
  }
  const std::size_t n = wg.layers.size();
  const int k = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(folds, 2)), n));
  const std::vector<int> fold = Folds(n, k);
  std::optional<double> best_cv;
  std::optional<FittedModel> best;
  for (const Candidate& c : Candidates(wg, {}, false)) {
    if (c.kind != Kind::kStepLinear || c.work == "boxes") continue;
    try {
      const double cv = CvMape(c, wg, spec, fold, k);
      if (best_cv && cv >= *best_cv) continue;
      ClassModel m = Train(c, wg.layers, wg.ms, spec, wg.precision);
      std::vector<double> pred;
      for (const Layer& l : wg.layers) pred.push_back(Predict(m, l, spec, wg.precision));
      FittedModel f = m.fitted.front();
      f.mape = fit::PredictionStats(wg.ms, pred).mape;
      f.cv_mape = cv;
      f.folds = k;
      f.source = provenance + " (odonata fit: step/linear of warm_ms over " + std::to_string(n) + " rows)";
      best_cv = cv;
      best = std::move(f);
    } catch (const Error& e) {
      warnings.push_back(std::string(OpClassName(g.cls)) + " " + PrecisionName(g.precision) +
                         ": warm direct candidate not fitted: " + e.what());
    }
  }
  if (!best_cv) return;
  w.direct_cv_mape = *best_cv;
  if (*best_cv < w.cv_mape) w.direct = std::move(best);
}

// "fitted: odonata fit, 12 rows; note" -> "<provenance> (odonata fit, 12 rows; note)".
std::string WithProvenance(const std::string& source, const std::string& provenance) {
  const std::string prefix = "fitted: odonata fit, ";
  if (source.rfind(prefix, 0) == 0) return provenance + " (odonata fit, " + source.substr(prefix.size()) + ")";
  return provenance + " (odonata fit)";
}

void Relabel(ClassModel& m, const std::string& provenance) {
  m.compute_efficiency.source = WithProvenance(m.compute_efficiency.source, provenance);
  m.memory_efficiency.source = WithProvenance(m.memory_efficiency.source, provenance);
  for (Parallelism& p : m.parallelism) p.source = WithProvenance(p.source, provenance);
  for (KernelTerm& t : m.kernel_terms) t.source = WithProvenance(t.source, provenance);
  // The fitter's row count and note (the detection model's form and the CV of each form) are kept.
  for (FittedModel& f : m.fitted) f.source = WithProvenance(f.source, provenance);
  for (TreeModel& t : m.trees) t.source = provenance + " (odonata fit, xgboost " + XgboostVersion() + ")";
  if (m.constant_ms) m.constant_ms->source = WithProvenance(m.constant_ms->source, provenance);
}

std::string GroupName(OpClass c, Precision p) { return std::string(OpClassName(c)) + " " + PrecisionName(p); }

// The outcome of one group before it is written.
struct GroupResult {
  ClassFit fit;
  std::map<Kind, ClassModel> models;  // each candidate trained on all rows
  std::map<Kind, FitStats> stats;
  std::map<Kind, std::vector<double>> cv_pred;  // per candidate: each row predicted without its fold
  Kind best = Kind::kRoofline;
};

// measured / cross-validated prediction of each row with both positive: what
// the residual quantiles and the class's conformal interval are computed from.
std::vector<double> CvRatios(const std::vector<double>& measured, const std::vector<double>& cv_pred) {
  std::vector<double> r;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    if (cv_pred[i] > 0 && measured[i] > 0) r.push_back(measured[i] / cv_pred[i]);
  }
  return r;
}

CvResiduals Residuals(const std::vector<double>& ratios) {
  std::vector<double> r;
  r.reserve(ratios.size());
  for (double x : ratios) r.push_back(std::log(x));
  CvResiduals c;
  if (r.empty()) return c;
  std::sort(r.begin(), r.end());
  c.p05 = fit::Quantile(r, 0.05);
  c.p50 = fit::Quantile(r, 0.5);
  c.p95 = fit::Quantile(r, 0.95);
  c.rows = static_cast<std::int64_t>(r.size());
  return c;
}

// The one-standard-error rule (Hastie, Tibshirani and Friedman, The Elements of Statistical
// Learning, 2nd ed., section 7.10): trees replace the best parametric candidate (roofline,
// refined roofline, step/linear, whose forms extrapolate by a law) only when their
// cross-validated MAPE is lower by more than one standard error of the rows' paired
// differences of absolute cross-validated errors. Declared 2026-12-06 before run 18: in run 17
// conv_int8 chose trees over step/linear by 0.3 point on 24 rows, and the trees extrapolated low
// on a network's layers (YuNet int8 -40.0%, +2.0% with run 16's step/linear profile).
void KeepParametricWithinOneSe(const Group& g, GroupResult& r, std::vector<std::string>& warnings) {
  if (r.best != Kind::kTrees) return;
  const Kind* alt = nullptr;
  static const Kind kParametric[] = {Kind::kRoofline, Kind::kRefined, Kind::kStepLinear, Kind::kRooflineConstant};
  for (const Kind& k : kParametric) {
    if (!r.stats.count(k) || !r.cv_pred.count(k)) continue;
    if (!alt || r.stats.at(k).cv_mape < r.stats.at(*alt).cv_mape) alt = &k;
  }
  if (!alt) return;
  const std::vector<double>& pt = r.cv_pred.at(Kind::kTrees);
  const std::vector<double>& pa = r.cv_pred.at(*alt);
  const std::size_t n = g.ms.size();
  if (n < 2 || pt.size() != n || pa.size() != n) return;
  std::vector<double> d(n);
  double mean = 0;
  for (std::size_t i = 0; i < n; ++i) {
    d[i] = 100.0 * (std::abs(pa[i] - g.ms[i]) - std::abs(pt[i] - g.ms[i])) / g.ms[i];
    mean += d[i];
  }
  mean /= static_cast<double>(n);
  double ss = 0;
  for (double x : d) ss += (x - mean) * (x - mean);
  const double se = std::sqrt(ss / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
  if (mean > se) return;
  char text[400];
  std::snprintf(text, sizeof text,
                ": trees' cross-validated MAPE %.2f%% is %.2f point under %s's %.2f%%, within one standard error "
                "(%.2f point over %zu rows): %s kept",
                r.stats.at(Kind::kTrees).cv_mape, mean, KindName(*alt), r.stats.at(*alt).cv_mape, se, n,
                KindName(*alt));
  warnings.push_back(GroupName(g.cls, g.precision) + text);
  r.best = *alt;
}

GroupResult FitGroup(const Group& g, const PrecisionSpec& spec, const std::vector<KernelTerm>& kernel_shapes,
                     int folds, bool trees, bool constant, std::vector<std::string>& warnings) {
  GroupResult r;
  r.fit.op_class = g.cls;
  r.fit.precision = g.precision;
  r.fit.origins = g.origins;
  r.fit.measured = g.ms;
  const int k = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(folds), g.layers.size()));
  const std::vector<int> fold = Folds(g.layers.size(), k);
  double best_cv = std::numeric_limits<double>::infinity();
  for (const Candidate& c : Candidates(g, kernel_shapes, trees, constant)) {
    try {
      ClassModel m = Train(c, g.layers, g.ms, spec, g.precision);
      std::vector<double> pred;
      for (const Layer& l : g.layers) pred.push_back(Predict(m, l, spec, g.precision));
      FitStats s = fit::PredictionStats(g.ms, pred);
      std::vector<double> cv_pred;
      s.cv_mape = CvMape(c, g, spec, fold, k, &cv_pred);
      s.folds = k;
      if (c.kind == Kind::kStepLinear) {
        m.fitted.front().cv_mape = s.cv_mape;
        m.fitted.front().folds = s.folds;
      }
      if (c.kind == Kind::kTrees) {
        m.trees.front().mape = s.mape;
        m.trees.front().cv_mape = s.cv_mape;
        m.trees.front().folds = s.folds;
      }
      // A second candidate of one kind (step/linear in elements) is named by its size, and
      // replaces the first only when its cross-validated error is lower.
      const bool again = r.stats.count(c.kind) > 0;
      r.fit.candidates.push_back({again ? std::string(KindName(c.kind)) + "/" + c.dims.front() : KindName(c.kind), s});
      if (again && r.stats.at(c.kind).cv_mape <= s.cv_mape) continue;
      if (s.cv_mape < best_cv - kTieMape || r.models.empty()) {
        best_cv = s.cv_mape;
        r.best = c.kind;
      }
      r.models[c.kind] = std::move(m);
      r.stats[c.kind] = s;
      r.cv_pred[c.kind] = std::move(cv_pred);
    } catch (const Error& e) {
      warnings.push_back(GroupName(g.cls, g.precision) + ": candidate " + KindName(c.kind) +
                         " not fitted: " + e.what());
    }
  }
  KeepParametricWithinOneSe(g, r, warnings);
  return r;
}

void Choose(GroupResult& r, Kind kind, const Group& g, const PrecisionSpec& spec) {
  r.fit.chosen = KindName(kind);
  r.fit.stats = r.stats.at(kind);
  r.fit.predicted.clear();
  for (const Layer& l : g.layers) r.fit.predicted.push_back(Predict(r.models.at(kind), l, spec, g.precision));
}

// The layer an int8 sweep row of float class `layer.op_class` measured, when
// the base profile has its int8 class: the fused layer of the QDQ model the
// sweep wrote (WriteLayerModel) under the base's fusion rules, so that the fit
// sees the layer `estimate` will see in a QDQ network; when the rules do not
// fuse it into one layer of the int8 class, ToLayer's layer in that class.
Layer Int8Layer(const Measurement& row, Layer layer, const Platform& base) {
  const OpClass q = Int8ClassOf(layer.op_class);
  if (q == layer.op_class || !base.classes.count(q)) return layer;
  const Network net = LoadOnnxFromBytes(LayerModelBytes(row.config, 1), {}, row.origin);
  for (Layer& l : Fuse(net, base.fusion)) {
    if (l.op_class == q) return std::move(l);
  }
  layer.op_class = q;
  return layer;
}

// Whether the calibration times a sweep op after writing 64 MiB (tools/ort/calibrate.sh
// --flush-op: the layers with weights, which a network runs with cold weights): the
// reorders of such a model read and write cold memory (run 16: 0.44 ns per element in
// median for ReorderInput, 0.28 for ReorderOutput, against 0.10-0.13 in the pooling rows
// timed back to back), while a network's reorders read a tensor just written.
bool TimedAfterAFlush(const std::string& op) {
  return op.rfind("Conv", 0) == 0 || op.rfind("DepthwiseConv", 0) == 0 || op == "Gemm";
}

// The NCHWc reorder costs (NchwcSpec) from the rows that timed them warm (not TimedAfterAFlush:
// rule of 2026-12-06, before run 17); a direction with fewer than kMinRows samples keeps the
// base profile's cost (or none) and a warning says so.
void FitReorders(const std::vector<Measurement>& rows, int folds, const std::string& provenance, NchwcSpec& nchwc,
                 std::vector<std::string>& warnings) {
  for (int dir = 0; dir < 2; ++dir) {
    const char* name = dir == 0 ? "ReorderInput" : "ReorderOutput";
    std::vector<ReorderSample> samples;
    for (const Measurement& row : rows) {
      if (row.config.precision != Precision::kFp32) continue;
      auto s = dir == 0 ? ReorderInputOf(row) : ReorderOutputOf(row);  // reads and checks the columns
      if (s && !TimedAfterAFlush(row.config.op)) samples.push_back(*s);
    }
    if (samples.empty()) continue;
    if (samples.size() < kMinRows) {
      warnings.push_back(std::string(name) + ": " + std::to_string(samples.size()) + " timed reorders, at least " +
                         std::to_string(kMinRows) + " are needed; not fitted");
      continue;
    }
    (dir == 0 ? nchwc.reorder_input : nchwc.reorder_output) = FitReorderCost(
        samples, folds,
        provenance + " (odonata fit: the " + name + " nodes of " + std::to_string(samples.size()) +
            " fp32 sweep models timed back to back, not after the cache flush of the weighted layers; ms = const_ms + "
            "ns_per_element x elements, weighted least squares on the relative error)");
  }
}

}  // namespace

FitReport FitPlatform(const std::vector<Measurement>& rows, const Platform& base, const std::string& provenance,
                      int folds, bool trees, bool residuals) {
  if (folds < 2) throw Error("fit: at least 2 folds are needed for cross-validation, got " + std::to_string(folds));
  if (trees && !CanFitTrees()) throw Error(std::string("fit: ") + kNoXgboost);
  FitReport report;
  report.platform = base;

  std::map<std::pair<OpClass, Precision>, Group> groups;
  for (const Measurement& row : rows) {
    const Precision prec = row.config.precision;
    if (!base.precisions.count(prec)) {
      report.warnings.push_back(row.origin + ": precision " + PrecisionName(prec) + " is not in platform '" +
                                base.name + "'; row skipped");
      continue;
    }
    if (!std::isfinite(row.latency_ms) || row.latency_ms <= 0) {
      report.warnings.push_back(row.origin + ": no positive latency; row skipped");
      continue;
    }
    // Convolution + activation rows price the activation (FitFusedActivations), not the class.
    if (SweepActivation(row.config.op) != FusedActivation::kNone) continue;
    Layer layer;
    try {
      layer = ToLayer(row);
      if (prec == Precision::kInt8) layer = Int8Layer(row, std::move(layer), base);
    } catch (const Error& e) {
      report.warnings.push_back(row.origin + ": " + e.what() + "; row skipped");
      continue;
    }
    Group& g = groups[{layer.op_class, prec}];
    g.cls = layer.op_class;
    g.precision = prec;
    g.layers.push_back(std::move(layer));
    g.ms.push_back(row.latency_ms);
    g.origins.push_back(row.origin);
    g.warm.push_back(WarmMs(row).value_or(std::numeric_limits<double>::quiet_NaN()));
  }

  // Fit every group, then write per class: one ClassModel serves all
  // precisions, so the group with the most rows decides the estimator.
  // step_linear keeps one fitted model per precision, so every precision's
  // step_linear model is written when it wins; a roofline model is
  // relative to each precision's peaks, and comes from the deciding group.
  std::map<OpClass, std::vector<std::pair<const Group*, GroupResult>>> by_class;
  for (const auto& [key, g] : groups) {
    if (g.layers.size() < kMinRows) {
      report.warnings.push_back(GroupName(g.cls, g.precision) + ": " + std::to_string(g.layers.size()) +
                                " rows, at least " + std::to_string(kMinRows) + " are needed; not fitted");
      continue;
    }
    if (g.layers.size() < kFewFitRows) {
      report.warnings.push_back(GroupName(g.cls, g.precision) + ": fitted on only " + std::to_string(g.layers.size()) +
                                " rows (fewer than " + std::to_string(kFewFitRows) +
                                "): its errors rest on too few rows to be trusted; measure more configurations");
    }
    const std::vector<KernelTerm>& kernel_shapes = base.ModelFor(g.cls).kernel_terms;
    const bool constant = base.ModelFor(g.cls).constant_ms.has_value();
    GroupResult r = FitGroup(g, base.precisions.at(g.precision), kernel_shapes, folds, trees, constant, report.warnings);
    if (r.models.empty()) continue;
    by_class[g.cls].push_back({&g, std::move(r)});
  }

  for (auto& [cls, results] : by_class) {
    std::size_t decider = 0;
    for (std::size_t i = 1; i < results.size(); ++i) {
      if (results[i].first->layers.size() > results[decider].first->layers.size()) decider = i;
    }
    const Kind kind = results[decider].second.best;
    const Group& dg = *results[decider].first;
    ClassModel written;
    if (kind == Kind::kStepLinear) {
      // The roofline efficiencies of the same rows serve as the fallback.
      const auto& models = results[decider].second.models;
      if (models.count(Kind::kRoofline)) written = models.at(Kind::kRoofline);
      written.estimator = "step_linear";
      written.parallelism.clear();
      for (auto& [g, r] : results) {
        if (!r.models.count(Kind::kStepLinear)) continue;
        FittedModel f = r.models.at(Kind::kStepLinear).fitted.front();
        written.fitted.push_back(std::move(f));
      }
    } else {
      written = results[decider].second.models.at(kind);
    }
    written.fallback = "roofline";
    written.active_power_w = base.ModelFor(cls).active_power_w;  // FitPower below may replace it
    written.host_fallback = base.ModelFor(cls).host_fallback;    // a property of the device, not fitted
    Relabel(written, provenance);
    if (residuals) {
      std::vector<double> ratios = CvRatios(dg.ms, results[decider].second.cv_pred.at(kind));
      CvResiduals c = Residuals(ratios);
      c.source = provenance + " (odonata fit: ln(measured / predicted) of the " + std::to_string(c.rows) + " " +
                 PrecisionName(dg.precision) + " rows, each predicted by the " + KindName(kind) +
                 " model fitted without its fold, " + std::to_string(results[decider].second.stats.at(kind).folds) +
                 " folds)";
      written.cv_residuals = c;
      // The class's 90% interval: split-conformal ranks over the same
      // cross-validated ratios (docs/platform-profile.md "Trust").
      if (!ratios.empty()) {
        written.interval = ConformalInterval(
            std::move(ratios), 0.9, "split-conformal, measured / cross-validated prediction of the class's rows",
            provenance + " (odonata fit: the " + std::to_string(c.rows) + " " + PrecisionName(dg.precision) +
                " rows, each predicted by the " + KindName(kind) + " model fitted without its fold)");
      }
    }
    written.warm = FitGroupWarm(dg, folds, provenance, report.warnings);
    if (written.warm) {
      FitGroupWarmDirect(dg, base.precisions.at(dg.precision), folds, provenance, *written.warm, report.warnings);
    }
    report.platform.classes[cls] = written;

    for (auto& [g, r] : results) {
      const PrecisionSpec& spec = base.precisions.at(g->precision);
      if (g == &dg) {
        Choose(r, kind, *g, spec);
        r.fit.warm = written.warm;
      } else if (kind == Kind::kStepLinear && r.models.count(Kind::kStepLinear)) {
        if (r.best != kind) {
          report.warnings.push_back(GroupName(g->cls, g->precision) + ": best alone was " + KindName(r.best) +
                                    ", but the class uses step_linear (decided by the " + PrecisionName(dg.precision) +
                                    " rows, the most numerous)");
        }
        Choose(r, kind, *g, spec);
      } else {
        report.warnings.push_back(GroupName(g->cls, g->precision) + ": best was " + KindName(r.best) +
                                  ", not written: the class's " + KindName(kind) + " model comes from the " +
                                  PrecisionName(dg.precision) + " rows (the most numerous)");
        r.fit.chosen.clear();
      }
      report.classes.push_back(std::move(r.fit));
    }
  }
  report.power = FitPower(rows, report.platform, provenance, report.warnings);
  report.activations = FitFusedActivations(rows);
  for (const FusedActivationFit& f : report.activations) {
    for (const std::string& origin : f.unpaired) {
      report.warnings.push_back(origin + ": no plain convolution row of the same dimensions in its file; row skipped");
    }
    if (f.pairs == 0) continue;
    FusedActivationCost c;
    c.rows = static_cast<std::int64_t>(f.pairs);
    // Which timing: the warm difference where both sides have warm_ms (FitFusedActivations).
    char timing[200];
    if (f.warm_pairs == f.pairs) {
      std::snprintf(timing, sizeof timing, "warm times (warm_ms, no cache flush) of all %zu pairs", f.pairs);
    } else if (f.warm_pairs == 0) {
      std::snprintf(timing, sizeof timing, "cold times (latency_ms) of all %zu pairs (no warm_ms)", f.pairs);
    } else {
      std::snprintf(timing, sizeof timing,
                    "warm times (warm_ms, no cache flush) of %zu pairs, cold (latency_ms) of %zu", f.warm_pairs,
                    f.pairs - f.warm_pairs);
    }
    char text[1024];
    if (f.line_chosen) {
      c.value = f.line_ns;
      c.constant_ms = f.line_ms;
      std::snprintf(text, sizeof text,
                    " (odonata fit: %zu pairs of a Conv+%s row and its plain Conv row, same dimensions, same file; "
                    "%s; form: line t_act - t_plain = %.6g ms + %.4g ns x output elements, Siegel's repeated "
                    "median, chosen over the median per-element ratio %.4g ns by leave-one-out median |error| %.4g "
                    "us against %.4g us (>= %zu pairs); ratios p10 %.4g, p90 %.4g ns)",
                    f.pairs, FusedActivationName(f.activation), timing, f.line_ms, f.line_ns, f.ratio_ns,
                    1e3 * f.loo_line_ms, 1e3 * f.loo_ratio_ms, kFusedActivationLineMinPairs, f.ratio_p10, f.ratio_p90);
    } else {
      c.value = f.ratio_ns;
      char why[200];
      if (f.pairs < kFusedActivationLineMinPairs) {
        std::snprintf(why, sizeof why, "no line form: fewer than %zu pairs", kFusedActivationLineMinPairs);
      } else if (f.line_ms < 0 || f.line_ns < 0) {
        std::snprintf(why, sizeof why, "not the line %.4g us + %.4g ns: a negative term", 1e3 * f.line_ms, f.line_ns);
      } else {
        std::snprintf(why, sizeof why,
                      "not the line %.4g us + %.4g ns: its leave-one-out error %.4g us is not 10%% lower",
                      1e3 * f.line_ms, f.line_ns, 1e3 * f.loo_line_ms);
      }
      std::snprintf(text, sizeof text,
                    " (odonata fit: %zu pairs of a Conv+%s row and its plain Conv row, same dimensions, same file; "
                    "%s; form: median of (t_act - t_plain) / output elements, p10 %.4g, p90 %.4g ns; leave-one-out "
                    "median |error| %.4g us; %s)",
                    f.pairs, FusedActivationName(f.activation), timing, f.ratio_p10, f.ratio_p90, 1e3 * f.loo_ratio_ms,
                    why);
    }
    c.source = provenance + text;
    report.platform.fused_activation[f.activation] = std::move(c);
  }
  if (report.platform.nchwc) FitReorders(rows, folds, provenance, *report.platform.nchwc, report.warnings);
  return report;
}

namespace {

struct Pair {
  double d_ms;
  double elems;
};

double RatioModel(const std::vector<Pair>& pairs, std::size_t skip) {
  std::vector<double> r;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i != skip) r.push_back(pairs[i].d_ms * 1e6 / pairs[i].elems);
  }
  return fit::Median(r);
}

// Siegel's repeated median line d = a + b e (ms, ns per element); `skip` left out.
std::pair<double, double> LineModel(const std::vector<Pair>& pairs, std::size_t skip) {
  std::vector<double> medians;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i == skip) continue;
    std::vector<double> slopes;
    for (std::size_t j = 0; j < pairs.size(); ++j) {
      if (j == skip || j == i || pairs[j].elems == pairs[i].elems) continue;
      slopes.push_back((pairs[j].d_ms - pairs[i].d_ms) * 1e6 / (pairs[j].elems - pairs[i].elems));
    }
    if (!slopes.empty()) medians.push_back(fit::Median(std::move(slopes)));
  }
  if (medians.empty()) return {0.0, RatioModel(pairs, skip)};
  const double b = fit::Median(std::move(medians));
  std::vector<double> a;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i != skip) a.push_back(pairs[i].d_ms - b * 1e-6 * pairs[i].elems);
  }
  return {fit::Median(std::move(a)), b};
}

std::string FileOf(const std::string& origin) {
  const std::size_t colon = origin.rfind(':');
  return colon == std::string::npos ? origin : origin.substr(0, colon);
}

}  // namespace

std::vector<FusedActivationFit> FitFusedActivations(const std::vector<Measurement>& rows) {
  std::map<FusedActivation, std::vector<Pair>> pairs;
  std::map<FusedActivation, FusedActivationFit> fits;
  auto usable = [](const Measurement& m) {
    return m.config.precision == Precision::kFp32 && std::isfinite(m.latency_ms) && m.latency_ms > 0;
  };
  for (const Measurement& row : rows) {
    std::string plain;
    const FusedActivation a = SweepActivation(row.config.op, &plain);
    if (a == FusedActivation::kNone || !usable(row)) continue;
    FusedActivationFit& f = fits[a];
    f.activation = a;
    LayerConfig want = row.config;
    want.op = plain;
    const std::string file = FileOf(row.origin);
    std::vector<double> plain_ms, plain_warm_ms;
    for (const Measurement& other : rows) {
      if (other.config == want && usable(other) && FileOf(other.origin) == file) {
        plain_ms.push_back(other.latency_ms);
        if (const std::optional<double> w = WarmMs(other)) plain_warm_ms.push_back(*w);
      }
    }
    if (plain_ms.empty()) {
      f.unpaired.push_back(row.origin);
      continue;
    }
    std::int64_t elems = 0;
    try {
      elems = ToLayer(row.config).counts.output_elems;
    } catch (const Error&) {
      continue;  // ParseMeasurements has checked every row: not reached
    }
    // The warm difference when both sides have warm_ms: the activation pass reads what the
    // convolution has just written, in cache in networks; the cold times add the flush's variance.
    FusedActivationPair pr;
    pr.origin = row.origin;
    pr.elems = static_cast<double>(elems);
    const std::optional<double> act_warm = WarmMs(row);
    if (act_warm && !plain_warm_ms.empty()) {
      pr.warm = true;
      pr.d_ms = *act_warm - fit::Median(std::move(plain_warm_ms));
      ++f.warm_pairs;
    } else {
      pr.d_ms = row.latency_ms - fit::Median(std::move(plain_ms));
    }
    pairs[a].push_back({pr.d_ms, pr.elems});
    f.pair_rows.push_back(std::move(pr));
  }
  std::vector<FusedActivationFit> out;
  for (auto& [a, f] : fits) {
    const std::vector<Pair>& p = pairs[a];
    f.pairs = p.size();
    if (p.empty()) {
      out.push_back(std::move(f));
      continue;
    }
    std::vector<double> ratios;
    for (const Pair& x : p) ratios.push_back(x.d_ms * 1e6 / x.elems);
    f.ratio_ns = fit::Median(ratios);
    f.ratio_p10 = fit::Quantile(ratios, 0.1);
    f.ratio_p90 = fit::Quantile(ratios, 0.9);
    std::tie(f.line_ms, f.line_ns) = LineModel(p, p.size());
    if (p.size() >= 2) {
      std::vector<double> ratio_err, line_err;
      for (std::size_t i = 0; i < p.size(); ++i) {
        const double r = RatioModel(p, i);
        const auto [la, lb] = LineModel(p, i);
        ratio_err.push_back(std::abs(p[i].d_ms - r * 1e-6 * p[i].elems));
        line_err.push_back(std::abs(p[i].d_ms - (la + lb * 1e-6 * p[i].elems)));
      }
      f.loo_ratio_ms = fit::Median(ratio_err);
      f.loo_line_ms = fit::Median(line_err);
    }
    f.line_chosen = p.size() >= kFusedActivationLineMinPairs && f.line_ms >= 0 && f.line_ns >= 0 &&
                    f.loo_line_ms < 0.9 * f.loo_ratio_ms;
    // A negative per-element cost (the activation faster than none: noise) is written as 0.
    if (f.ratio_ns < 0) f.ratio_ns = 0;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace odonata
