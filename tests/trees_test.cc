// Gradient-boosted trees (issue 12): odonata's evaluator reproduces xgboost,
// the fit recovers a known model from noisy synthetic rows, chooses it by
// cross-validation where the roofline cannot follow, and is deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fit/trees_fit.h"
#include "layer_cost.h"
#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/fit.h"
#include "odonata/measurements.h"
#include "odonata/platform.h"

namespace odonata {
namespace {

using I64 = std::int64_t;

// Training needs xgboost, optional at build time; evaluating trees does not.
constexpr const char* kSkip = "built without libxgboost-dev (CMake ODONATA_XGBOOST): trees cannot be trained";

double U(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

Platform Base() {
  Platform p;
  p.name = "synthetic";
  p.description = "synthetic rows";
  p.precisions[Precision::kFp32] = {{100.0, "test"}, {10.0, "test"}};
  p.overhead_ms = {0.0, "test"};
  p.idle_power_w = {0.0, "test"};
  p.typical_power_w = {1.0, "test"};
  p.price_usd = {1.0, "test"};
  return p;
}

TEST(Trees, EvaluatorReproducesXgboost) {
  if (!CanFitTrees()) GTEST_SKIP() << kSkip;
  std::mt19937_64 rng(7);
  std::vector<std::vector<float>> x;
  std::vector<double> y;
  for (int i = 0; i < 200; ++i) {
    const float a = static_cast<float>(std::floor(U(rng) * 512)), b = static_cast<float>(std::floor(U(rng) * 64));
    x.push_back({a, b, static_cast<float>(i % 3)});
    y.push_back((std::fmod(a, 16.0) == 0 ? 0.0 : 0.4) + 0.01 * b + 0.1 * (i % 3));
  }
  const TreeModel m = FitTrees(x, y, {"in_c", "out_c", "group"});
  const std::vector<double> ref = XgboostPredictForTest(x, y);
  ASSERT_EQ(ref.size(), x.size());
  ASSERT_EQ(m.trees.size(), 150u);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(EvalTrees(m, x[i]), ref[i], 1e-5) << i;
  // Breadth-first export: every child after its parent.
  for (const RegressionTree& t : m.trees) {
    for (std::size_t k = 0; k < t.left.size(); ++k) {
      if (t.left[k] < 0) continue;
      EXPECT_GT(t.left[k], static_cast<std::int32_t>(k));
      EXPECT_GT(t.right[k], static_cast<std::int32_t>(k));
    }
  }
}

// Conv rows whose time follows the roofline except a 1.8x penalty for 5x5
// kernels (a kernel family's own efficiency): a form the roofline, linear in
// the MACs, cannot express; the trees must recover the factor.
std::vector<Measurement> BlockedRows(int n, double noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Measurement> rows;
  for (int i = 0; i < n; ++i) {
    Measurement m;
    m.config.op = "Conv";
    m.config.in_c = 8 + static_cast<I64>(U(rng) * 120);
    m.config.out_c = 8 + static_cast<I64>(U(rng) * 120);
    m.config.in_h = m.config.in_w = 8 + static_cast<I64>(U(rng) * 40);
    m.config.kernel_h = m.config.kernel_w = i % 2 == 0 ? 3 : 5;
    const Layer l = ToLayer(m.config);
    const double roof = 2.0 * static_cast<double>(l.counts.macs) / (100e9 * 0.5) * 1e3;  // ms at half the peak
    const double penalty = m.config.kernel_h == 5 ? 1.8 : 1.0;
    m.latency_ms = roof * penalty * (1.0 + noise * (2.0 * U(rng) - 1.0));
    m.origin = "synthetic:" + std::to_string(i + 2);
    rows.push_back(m);
  }
  return rows;
}

TEST(Trees, FitRecoversAndIsChosenByCrossValidation) {
  if (!CanFitTrees()) GTEST_SKIP() << kSkip;
  const std::vector<Measurement> rows = BlockedRows(160, 0.03, 11);
  const FitReport r = FitPlatform(rows, Base(), "synthetic", 5, true, true);
  ASSERT_EQ(r.classes.size(), 1u);
  const ClassFit& c = r.classes[0];
  EXPECT_EQ(c.chosen, "trees");
  double roof_cv = 0, trees_cv = 0;
  for (const auto& [name, s] : c.candidates) {
    if (name == "refined_roofline") roof_cv = s.cv_mape;
    if (name == "trees") trees_cv = s.cv_mape;
  }
  EXPECT_GT(roof_cv, 15.0);  // the penalty is beyond the roofline's forms
  EXPECT_LT(trees_cv, 6.0);  // 3% noise, and the trees find the kernel split
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  ASSERT_EQ(m.estimator, "trees");
  ASSERT_EQ(m.trees.size(), 1u);
  EXPECT_EQ(m.trees[0].cv_mape, trees_cv);
  // Fresh layers (another seed, no noise): within 8% through the estimator registry.
  const std::vector<Measurement> fresh = BlockedRows(40, 0.0, 99);
  double ape = 0;
  for (const Measurement& f : fresh) {
    const Layer l = ToLayer(f.config);
    const LayerEstimate e = FindEstimator("trees")->fn(EstimatorContext{l, r.platform, Precision::kFp32, m});
    ape += std::abs(e.ms - f.latency_ms) / f.latency_ms;
  }
  EXPECT_LT(100.0 * ape / 40.0, 8.0);
}

// Convolutions whose activations exceed a last-level cache (issue 12: 1x1 at 65x65 with 256-2048
// channels, 3x3 at 300x300): rows that follow the roofline at half the peak, 1.5x slower when
// their input or their output activation exceeds 24 MiB (of a 32 MiB L3). Most rows are
// census-like (16-512 channels at 7-56 pixels, never beyond); a quarter are large (1x1 at 60-72
// pixels with 256-2048 channels, 3x3 at 280-310 pixels with 32-128), 33 of those 50 beyond. The trees see the
// activations through the layer sizes "inputs" (input elements) and "elems" (output elements):
// the fit must choose them by cross-validation and follow the change, which no roofline form
// (linear in MACs and bytes) can.
bool BeyondCache(const Layer& l) {
  return 4.0 * static_cast<double>(std::max(l.counts.input_elems, l.counts.output_elems)) > 24.0 * 1024 * 1024;
}

std::vector<Measurement> CacheRows(int n, double noise, std::uint64_t seed, bool large_only) {
  std::mt19937_64 rng(seed);
  std::vector<Measurement> rows;
  for (int i = 0; i < n; ++i) {
    Measurement m;
    m.config.op = "Conv";
    const bool large = large_only || i % 4 == 0;
    const bool pointwise = i % 3 != 0;
    const I64 align = 16;
    if (!large) {
      m.config.in_c = align * (1 + static_cast<I64>(U(rng) * 32));
      m.config.out_c = align * (1 + static_cast<I64>(U(rng) * 32));
      m.config.in_h = m.config.in_w = 7 + static_cast<I64>(U(rng) * 50);
    } else if (pointwise) {
      m.config.in_c = align * (16 + static_cast<I64>(U(rng) * 113));
      m.config.out_c = align * (16 + static_cast<I64>(U(rng) * 113));
      m.config.in_h = m.config.in_w = 60 + static_cast<I64>(U(rng) * 13);
    } else {
      m.config.in_c = align * (2 + static_cast<I64>(U(rng) * 7));
      m.config.out_c = align * (2 + static_cast<I64>(U(rng) * 7));
      m.config.in_h = m.config.in_w = 280 + static_cast<I64>(U(rng) * 31);
    }
    m.config.kernel_h = m.config.kernel_w = pointwise ? 1 : 3;
    const Layer l = ToLayer(m.config);
    const double roof = 2.0 * static_cast<double>(l.counts.macs) / (100e9 * 0.5) * 1e3;  // ms at half the peak
    m.latency_ms = roof * (BeyondCache(l) ? 1.5 : 1.0) * (1.0 + noise * (2.0 * U(rng) - 1.0));
    m.origin = "synthetic:" + std::to_string(i + 2);
    rows.push_back(m);
  }
  return rows;
}

TEST(Trees, FitFollowsConvolutionsBeyondTheCache) {
  if (!CanFitTrees()) GTEST_SKIP() << kSkip;
  const std::vector<Measurement> rows = CacheRows(200, 0.03, 17, false);
  int beyond = 0;
  for (const Measurement& m : rows) beyond += BeyondCache(ToLayer(m.config));
  ASSERT_GE(beyond, 15);  // the regime is sampled
  ASSERT_LE(beyond, 60);  // and a minority, as in the sweeps
  const FitReport r = FitPlatform(rows, Base(), "synthetic", 5, true, true);
  ASSERT_EQ(r.classes.size(), 1u);
  const ClassFit& c = r.classes[0];
  EXPECT_EQ(c.chosen, "trees");
  double roof_cv = 0, trees_cv = 0;
  for (const auto& [name, st] : c.candidates) {
    if (name == "refined_roofline") roof_cv = st.cv_mape;
    if (name == "trees") trees_cv = st.cv_mape;
  }
  EXPECT_GT(roof_cv, 6.0);             // one efficiency for both regimes (8.4% when written)
  EXPECT_LT(trees_cv, 4.0);             // 3% noise, and the trees find the activations' size (2.2%)
  EXPECT_LT(2.0 * trees_cv, roof_cv);
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  ASSERT_EQ(m.estimator, "trees");
  // Fresh large layers (another seed, no noise), beyond the cache and not: within 5% in mean
  // through the estimator registry (2.6% when written), and the ratio of the two regimes'
  // estimates near 1.5 (1.42).
  const std::vector<Measurement> fresh = CacheRows(60, 0.0, 99, true);
  double ape = 0, beyond_ratio = 0, within_ratio = 0;
  int nb = 0, nw = 0;
  for (const Measurement& f : fresh) {
    const Layer l = ToLayer(f.config);
    const LayerEstimate e = FindEstimator("trees")->fn(EstimatorContext{l, r.platform, Precision::kFp32, m});
    ape += std::abs(e.ms - f.latency_ms) / f.latency_ms;
    const double roof = 2.0 * static_cast<double>(l.counts.macs) / (100e9 * 0.5) * 1e3;
    (BeyondCache(l) ? beyond_ratio : within_ratio) += e.ms / roof;
    (BeyondCache(l) ? nb : nw) += 1;
  }
  ASSERT_GT(nb, 10);
  ASSERT_GE(nw, 5);
  EXPECT_LT(100.0 * ape / static_cast<double>(fresh.size()), 5.0);
  EXPECT_NEAR((beyond_ratio / nb) / (within_ratio / nw), 1.5, 0.15) << "mean APE " << 100.0 * ape / static_cast<double>(fresh.size());
}

// Dilated convolutions whose taps fall into the padding (issue 12: DeepLabV3's ASPP, 3x3 with
// dilation 12-36 at 33x33 and 65x65): ONNX Runtime's NCHWc kernels skip those taps. Synthetic rows
// take the roofline of the taps that read the input (valid_macs) at half the peak; the roofline
// on all MACs cannot follow them, the trees must, on held-out layers too. They see valid_macs and
// valid_permille: their target is log(measured / roofline on all MACs), here log(valid share),
// which valid_macs alone gives only as a ratio to macs, which trees split on poorly.
std::vector<Measurement> DilatedRows(int n, double noise, std::uint64_t seed, const std::string& op) {
  static const I64 kDilations[] = {1, 2, 3, 4, 6, 8, 12, 16, 18, 24, 30, 36};
  std::mt19937_64 rng(seed);
  std::vector<Measurement> rows;
  for (int i = 0; i < n; ++i) {
    Measurement m;
    m.config.op = op;
    m.config.in_c = 16 * (2 + static_cast<I64>(U(rng) * 15));
    m.config.out_c = op == "DepthwiseConv" ? m.config.in_c : 16 * (2 + static_cast<I64>(U(rng) * 15));
    m.config.groups = op == "DepthwiseConv" ? m.config.in_c : 1;
    m.config.in_h = m.config.in_w = 17 + static_cast<I64>(U(rng) * 49);
    m.config.kernel_h = m.config.kernel_w = 3;
    m.config.dilation = kDilations[static_cast<std::size_t>(U(rng) * 12)];
    const Layer l = ToLayer(m.config);
    const double roof = 2.0 * static_cast<double>(LayerDim(l, "valid_macs")) / (100e9 * 0.5) * 1e3;
    m.latency_ms = roof * (1.0 + noise * (2.0 * U(rng) - 1.0));
    m.origin = "synthetic:" + std::to_string(i + 2);
    rows.push_back(m);
  }
  return rows;
}

TEST(Trees, FitFollowsTapsInThePadding) {
  if (!CanFitTrees()) GTEST_SKIP() << kSkip;
  const std::vector<Measurement> rows = DilatedRows(160, 0.03, 23, "Conv");
  const FitReport r = FitPlatform(rows, Base(), "synthetic", 5, true, true);
  ASSERT_EQ(r.classes.size(), 1u);
  const ClassFit& c = r.classes[0];
  EXPECT_EQ(c.chosen, "trees");
  double roof_cv = 0, trees_cv = 0;
  for (const auto& [name, st] : c.candidates) {
    if (name == "refined_roofline") roof_cv = st.cv_mape;
    if (name == "trees") trees_cv = st.cv_mape;
  }
  EXPECT_GT(roof_cv, 15.0);  // the valid share runs from 0.11 to 1 (67% when written)
  EXPECT_LT(trees_cv, 4.0);  // 3% noise (1.9% when written; 8.2% with valid_macs but no valid_permille)
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  ASSERT_EQ(m.estimator, "trees");
  ASSERT_EQ(m.trees.size(), 1u);
  const std::vector<std::string>& f = m.trees[0].features;
  ASSERT_GE(f.size(), 2u);
  EXPECT_EQ(f[f.size() - 2], "valid_macs");
  EXPECT_EQ(f.back(), "valid_permille");
  // Held-out layers (another seed, no noise): within 3% in mean through the estimator registry
  // (1.2% when written; 5.7% without valid_permille), and the ASPP's three rates at 33x33
  // (960 -> 256, valid shares 0.574, 0.265, 0.111) within 10% of their valid taps' roofline
  // (1.00, 0.99, 0.99 when written; 1.96 for dilation 36 without valid_permille).
  const std::vector<Measurement> fresh = DilatedRows(60, 0.0, 99, "Conv");
  double ape = 0;
  for (const Measurement& f : fresh) {
    const Layer l = ToLayer(f.config);
    const LayerEstimate e = FindEstimator("trees")->fn(EstimatorContext{l, r.platform, Precision::kFp32, m});
    ape += std::abs(e.ms - f.latency_ms) / f.latency_ms;
  }
  EXPECT_LT(100.0 * ape / static_cast<double>(fresh.size()), 3.0);
  std::vector<double> aspp;
  for (I64 d : {12, 24, 36}) {
    LayerConfig a;
    a.in_c = 960;
    a.out_c = 256;
    a.in_h = a.in_w = 33;
    a.kernel_h = a.kernel_w = 3;
    a.dilation = d;
    const Layer l = ToLayer(a);
    aspp.push_back(FindEstimator("trees")->fn(EstimatorContext{l, r.platform, Precision::kFp32, m}).ms /
                   (2.0 * static_cast<double>(LayerDim(l, "valid_macs")) / (100e9 * 0.5) * 1e3));
  }
  for (double ratio : aspp) EXPECT_NEAR(ratio, 1.0, 0.1);  // 960 channels: beyond the rows' 256
}

// The depthwise class's trees see valid_macs too; the other classes' features are those
// before it (their valid_macs would repeat macs), so their fits are unchanged.
TEST(Trees, ValidMacsIsAConvolutionFeatureOnly) {
  if (!CanFitTrees()) GTEST_SKIP() << kSkip;
  std::vector<Measurement> rows = DilatedRows(40, 0.03, 29, "DepthwiseConv");
  std::mt19937_64 rng(31);
  for (int i = 0; i < 40; ++i) {
    Measurement m;
    m.config.op = "Gemm";
    m.config.in_c = 16 * (4 + static_cast<I64>(U(rng) * 60));
    m.config.out_c = 16 * (4 + static_cast<I64>(U(rng) * 60));
    m.config.batch = 1 + static_cast<I64>(U(rng) * 8);
    const Layer l = ToLayer(m.config);
    // 1.6x slower when K is not a multiple of 64 (align): beyond the roofline, so trees are chosen.
    const double blocked = m.config.in_c % 64 == 0 ? 1.0 : 1.6;
    m.latency_ms = 2.0 * static_cast<double>(l.counts.macs) / 50e9 * 1e3 * blocked * (1.0 + 0.03 * (2.0 * U(rng) - 1.0));
    m.origin = "gemm:" + std::to_string(i + 2);
    rows.push_back(m);
  }
  const FitReport r = FitPlatform(rows, Base(), "synthetic", 5, true, true);
  ASSERT_EQ(r.classes.size(), 2u);
  for (const ClassFit& c : r.classes) EXPECT_EQ(c.chosen, "trees") << OpClassName(c.op_class);
  const std::vector<std::string> base = {"out_h", "out_w",  "in_c",     "out_c",   "in_h",    "in_w",
                                         "batch", "kernel", "spatial",  "macs",    "elems",   "group",
                                         "stride", "dilation", "weights", "inputs", "align"};
  for (OpClass cls : {OpClass::kDepthwiseConv, OpClass::kGemm}) {
    const ClassModel& model = r.platform.classes.at(cls);
    ASSERT_EQ(model.trees.size(), 1u) << OpClassName(cls);
    for (const TreeModel& t : model.trees) {
      std::vector<std::string> expected = base;
      if (cls == OpClass::kDepthwiseConv) {
        expected.push_back("valid_macs");
        expected.push_back("valid_permille");
      }
      EXPECT_EQ(t.features, expected) << OpClassName(cls);
    }
  }
}

// The one-standard-error rule (fit_platform.cc, KeepParametricWithinOneSe) on synthetic rows
// (tests/data/fit/one_se_synthetic.csv: 24 convolutions at half a 100 GOP/s peak, 5x5 ones 1.8x
// slower, +-30% uniform noise; the generator is in the file's first line). Trees find the kernel
// split and come out 3.49 points under the roofline in cross-validated MAPE, but with 30% noise
// on 24 rows the standard error of the paired row differences is 4.00 points: the roofline is
// kept, and the report says why. (Since 2026-12-07 run 17's conv_int8 rows, which this test used,
// no longer reach the rule: see the next test.)
TEST(Trees, OneStandardErrorKeepsTheParametricForm) {
  if (!CanFitTrees()) GTEST_SKIP() << kSkip;
  const std::string dir = ODONATA_SOURCE_DIR;
  const std::vector<Measurement> rows = ReadMeasurements(dir + "/tests/data/fit/one_se_synthetic.csv");
  ASSERT_EQ(rows.size(), 24u);
  const Platform base = LoadPlatform(dir + "/data/host-ort-cpu/phase2/base.json");
  const FitReport r = FitPlatform(rows, base, "synthetic", 5, true, true);
  ASSERT_EQ(r.classes.size(), 1u);
  const ClassFit& c = r.classes[0];
  double trees_cv = 0, roof_cv = 0;
  for (const auto& [name, s] : c.candidates) {
    if (name == "trees") trees_cv = s.cv_mape;
    if (name == "roofline") roof_cv = s.cv_mape;
  }
  EXPECT_NEAR(trees_cv, 23.55, 0.01);
  EXPECT_NEAR(roof_cv, 27.04, 0.01);
  EXPECT_EQ(c.chosen, "roofline");
  EXPECT_EQ(r.platform.classes.at(OpClass::kConv).estimator, "roofline");
  bool said = false;
  for (const std::string& w : r.warnings) {
    if (w.find("conv fp32: trees' cross-validated MAPE 23.55% is 3.49 point under roofline's 27.04%, within one "
               "standard error (4.00 point over 24 rows): roofline kept") != std::string::npos) {
      said = true;
    }
  }
  EXPECT_TRUE(said) << (r.warnings.empty() ? std::string("no warnings") : r.warnings.front());
}

// The one-standard-error rule (fit_platform.cc, KeepParametricWithinOneSe): run 17's 24 conv_int8
// rows (2026-12-06, the AMD EPYC guest; the QDQ sweep rows of data/host-ort-cpu/phase2/sweeps.csv
// as committed in 2aa1d78) gave trees a cross-validated MAPE 0.34 point under step/linear's, with
// a standard error of the paired row differences of 2.09 points: step/linear was kept, and the
// report said why. (Without the rule the class chose trees, which priced YuNet int8 -40%.)
// Since 2026-12-07 (helper int8) the int8 classes also have the step/linear candidate in spatial
// and MACs, which on these rows beats trees outright (8.57% against 9.18%): a parametric form is
// chosen without the rule, which these rows no longer exercise (the test above does). Fitted as
// class conv at int8 (a base without conv_int8: another board's int8 kernels) the rows have no such
// candidate, and trees (features of conv) come out at 11.03%, over step/linear's 9.53%.
TEST(Trees, Int8ConvRun17RowsKeepAParametricForm) {
  if (!CanFitTrees()) GTEST_SKIP() << kSkip;
  const std::string dir = ODONATA_SOURCE_DIR;
  const std::vector<Measurement> rows = ReadMeasurements(dir + "/tests/data/fit/conv_int8_run17.csv");
  ASSERT_EQ(rows.size(), 24u);
  Platform base = LoadPlatform(dir + "/data/host-ort-cpu/phase2/base.json");
  auto cv_of = [](const ClassFit& c, const std::string& name) {
    for (const auto& [n, s] : c.candidates) {
      if (n == name) return s.cv_mape;
    }
    return -1.0;
  };
  const FitReport int8 = FitPlatform(rows, base, "run 17 conv_int8 rows", 5, true, true);
  ASSERT_EQ(int8.classes.size(), 1u);
  EXPECT_EQ(int8.classes[0].op_class, OpClass::kConvInt8);
  EXPECT_NEAR(cv_of(int8.classes[0], "trees"), 9.18, 0.01);
  EXPECT_NEAR(cv_of(int8.classes[0], "step_linear"), 9.53, 0.01);
  EXPECT_NEAR(cv_of(int8.classes[0], "step_linear/spatial"), 8.57, 0.01);
  EXPECT_EQ(int8.classes[0].chosen, "step_linear");  // the spatial form, outright
  EXPECT_EQ(int8.platform.classes.at(OpClass::kConvInt8).estimator, "step_linear");
  for (const std::string& w : int8.warnings) EXPECT_EQ(w.find("within one standard error"), std::string::npos) << w;

  base.classes.erase(OpClass::kConvInt8);
  const FitReport r = FitPlatform(rows, base, "run 17 conv_int8 rows", 5, true, true);
  ASSERT_EQ(r.classes.size(), 1u);
  const ClassFit& c = r.classes[0];
  EXPECT_EQ(c.op_class, OpClass::kConv);
  EXPECT_EQ(c.precision, Precision::kInt8);
  EXPECT_NEAR(cv_of(c, "trees"), 11.03, 0.01);
  EXPECT_NEAR(cv_of(c, "step_linear"), 9.53, 0.01);
  EXPECT_EQ(cv_of(c, "step_linear/spatial"), -1.0);  // not a candidate of conv
  EXPECT_EQ(c.chosen, "step_linear");
}

TEST(Trees, FitIsDeterministicAndRoundTrips) {
  if (!CanFitTrees()) GTEST_SKIP() << kSkip;
  const std::vector<Measurement> rows = BlockedRows(80, 0.05, 5);
  std::ostringstream a, b;
  WritePlatform(FitPlatform(rows, Base(), "synthetic", 5, true, true).platform, a);
  WritePlatform(FitPlatform(rows, Base(), "synthetic", 5, true, true).platform, b);
  EXPECT_EQ(a.str(), b.str());
  const Platform back = ParsePlatform(a.str(), "fitted.json");
  EXPECT_EQ(back.classes.at(OpClass::kConv).trees, FitPlatform(rows, Base(), "synthetic", 5, true, true).platform.classes.at(OpClass::kConv).trees);
  std::ostringstream c;
  WritePlatform(back, c);
  EXPECT_EQ(c.str(), a.str());
}

// Built without xgboost, asking for trees is an error that says why, before
// any row is fitted; residuals and the other candidates need no xgboost.
TEST(Trees, WithoutXgboostTreesAreAClearError) {
  if (CanFitTrees()) GTEST_SKIP() << "built with libxgboost-dev: trees can be trained (the other tests run)";
  const std::vector<Measurement> rows = BlockedRows(40, 0.03, 3);
  try {
    FitPlatform(rows, Base(), "synthetic", 5, true, false);
    FAIL() << "FitPlatform(trees = true) without xgboost did not throw";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "fit: built without libxgboost-dev: --trees unavailable");
  }
  EXPECT_THROW(FitTrees({{1.0f}, {2.0f}}, {0.0, 1.0}, {"in_c"}), Error);
  EXPECT_EQ(XgboostVersion(), "");
  const FitReport r = FitPlatform(rows, Base(), "synthetic", 5, false, true);
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  EXPECT_NE(m.estimator, "trees");
  ASSERT_TRUE(m.cv_residuals.has_value());
  EXPECT_EQ(m.cv_residuals->rows, 40);
  EXPECT_LE(m.cv_residuals->p05, m.cv_residuals->p50);
  EXPECT_LE(m.cv_residuals->p50, m.cv_residuals->p95);
}

TEST(Trees, BadTreesAreNamed) {
  const std::string head =
      R"({"schema": "odonata-platform/1", "name": "t", "description": "d", "default_precision": "fp32",
  "precisions": {"fp32": {"peak_gops": {"value": 1, "source": "s"}, "bandwidth_gbps": {"value": 1, "source": "s"}}},
  "overhead_ms": {"value": 0, "source": "s"},
  "power": {"idle_w": {"value": 0, "source": "s"}, "typical_w": {"value": 1, "source": "s"}},
  "price_usd": {"value": 1, "source": "s"},
  "classes": {"conv": {"estimator": "trees", "trees": [{"precision": "fp32", "features": ["in_c"], "base": 0,
  "rows": 4, "source": "s", "trees": [)";
  const std::string tail = "]}]}}}";
  // A child that points back to its parent would loop.
  EXPECT_THROW(ParsePlatform(head + R"({"feature": [0, -1], "threshold": [1, 0], "left": [0, -1], "right": [1, -1],
    "value": [0, 1]})" + tail, "p.json"), Error);
  // A feature index beyond the list.
  EXPECT_THROW(ParsePlatform(head + R"({"feature": [3, -1, -1], "threshold": [1, 0, 0], "left": [1, -1, -1],
    "right": [2, -1, -1], "value": [0, 1, 2]})" + tail, "p.json"), Error);
  // A valid stump: in_c < 10 -> leaf 1 (log factor 0), else leaf 2 (log 2).
  const Platform ok = ParsePlatform(head + R"({"feature": [0, -1, -1], "threshold": [10, 0, 0],
    "left": [1, -1, -1], "right": [2, -1, -1], "value": [0, 0, 0.6931471805599453]})" + tail, "p.json");
  LayerConfig small, big;
  small.in_c = small.out_c = 8;
  big.in_c = 16;
  big.out_c = 8;
  const ClassModel& m = ok.classes.at(OpClass::kConv);
  const Layer ls = ToLayer(small), lb = ToLayer(big);
  const double roof_s = FindEstimator("refined_roofline")->fn(EstimatorContext{ls, ok, Precision::kFp32, m}).ms;
  const double roof_b = FindEstimator("refined_roofline")->fn(EstimatorContext{lb, ok, Precision::kFp32, m}).ms;
  EXPECT_DOUBLE_EQ(FindEstimator("trees")->fn(EstimatorContext{ls, ok, Precision::kFp32, m}).ms, roof_s);
  EXPECT_NEAR(FindEstimator("trees")->fn(EstimatorContext{lb, ok, Precision::kFp32, m}).ms, 2.0 * roof_b, 1e-12);
}

}  // namespace
}  // namespace odonata
