#include "odonata/fit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "counts.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/estimator.h"
#include "odonata/fusion.h"
#include "odonata/layer.h"
#include "odonata/measurements.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/sweep.h"
#include "odonata/version.h"
#include "test_util.h"

namespace odonata {

// Readable failures for factor lists (found by gtest through ADL).
void PrintTo(const FittedFactor& f, std::ostream* os) { *os << f.dim << "/" << f.step; }

namespace {

using I64 = std::int64_t;
using odonata::testing::ConvConfig;
using odonata::testing::Noise;

// A k x k conv, in_c -> out_c on h x h, stride 1, "same" padding, no bias,
// built the way the loader builds it (checked against it below).
Layer Conv(I64 in_c, I64 out_c, I64 h = 32, I64 k = 3) {
  Layer l;
  l.name = "conv";
  l.op_type = "Conv";
  l.op_class = ClassifyOp("Conv", "", 1, in_c);
  l.window.kernel = {k, k};
  l.window.strides = {1, 1};
  l.window.pads = {k / 2, k / 2, k / 2, k / 2};
  l.window.dilations = {1, 1};
  l.window.group = 1;
  l.inputs.push_back({"x", {1, in_c, h, h}, DataType::kFloat32});
  TensorInfo w{"w", {out_c, in_c, k, k}, DataType::kFloat32};
  w.is_weight = true;
  l.inputs.push_back(w);
  l.outputs.push_back({"y", {1, out_c, h, h}, DataType::kFloat32});
  l.covers = {"conv"};
  l.covered_ops = {"Conv"};
  l.counts = ComputeCounts(l);
  return l;
}

// The Jetson-style conv latency (ms) of a 32x32 x d_in conv with k 3x3 filters.
double Research(I64 d_in, I64 k) {
  const double q1 = std::floor((d_in - 1) / 8.0), q2 = std::floor((k - 1) / 32.0);
  return 0.1418 + q1 * 0.0106 + q2 * (0.044 + q1 * 0.0121);
}

TEST(Fit, ConvHelperMatchesLoader) {
  Network net = ParseOnnxText(testing::Model("(float[1,5,32,32] x) => (float[1,7,32,32] y)",
                                             "y = Conv<pads=[1,1,1,1]>(x, w)", "<float[7,5,3,3] w = {0.0}>"));
  const Layer& ref = testing::Find(net, "Conv");
  Layer mine = Conv(5, 7);
  EXPECT_EQ(mine.counts, ref.counts);
  for (const char* d : {"in_c", "out_c", "out_h", "in_h", "spatial", "kernel"}) {
    EXPECT_EQ(LayerDim(mine, d), LayerDim(ref, d)) << d;
  }
}

TEST(Fit, StepLinear1DRecoversStep16) {
  Noise noise(0.02, 7);
  std::vector<double> xs, ts;
  for (int x = 1; x <= 256; ++x) {
    xs.push_back(x);
    ts.push_back((0.5 + std::floor((x - 1) / 16.0) * 0.1) * noise());
  }
  Fit1D f = FitStepLinear1D(xs, ts);
  EXPECT_FALSE(f.linear);
  EXPECT_EQ(f.step, 16);
  EXPECT_NEAR(f.a, 0.5, 0.05 * 0.5);
  EXPECT_NEAR(f.b, 0.1, 0.05 * 0.1);
}

// A line with noise is not a narrow staircase, for many noise draws and slopes.
TEST(Fit, StepLinear1DLinearIsNotStep) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (double slope : {0.001, 0.01, 0.1}) {
      Noise noise(0.02, seed);
      std::vector<double> xs, ts;
      for (int x = 1; x <= 256; ++x) {
        xs.push_back(x);
        ts.push_back((0.2 + slope * x) * noise());
      }
      Fit1D f = FitStepLinear1D(xs, ts);
      EXPECT_TRUE(f.linear) << "seed " << seed << " slope " << slope << ": step " << f.step;
      EXPECT_NEAR(f.b, slope, 0.05 * slope) << "seed " << seed;
    }
  }
}

TEST(Fit, StepLinear1DExactStepAndErrors) {
  std::vector<double> xs, ts;
  for (int x = 1; x <= 100; x += 3) {
    xs.push_back(x);
    ts.push_back(1.0 + std::floor((x - 1) / 10.0) * 2.0);
  }
  Fit1D f = FitStepLinear1D(xs, ts);
  EXPECT_EQ(f.step, 10);
  EXPECT_NEAR(f.a, 1.0, 1e-9);
  EXPECT_NEAR(f.b, 2.0, 1e-9);
  EXPECT_LT(f.rmse, 1e-9);
  EXPECT_THROW(FitStepLinear1D({1, 2}, {1.0}), Error);
  EXPECT_THROW(FitStepLinear1D({1, 2}, {1.0, -1.0}), Error);
}

TEST(Fit, SolveCoefficientsExact) {
  std::vector<FittedTerm> terms = {
      {0, {}}, {0, {{"in_c", 8}}}, {0, {{"out_c", 32}}}, {0, {{"in_c", 8}, {"out_c", 32}}}};
  std::vector<Layer> layers;
  std::vector<double> ms;
  for (I64 c = 1; c <= 256; c += 9) {
    for (I64 k = 1; k <= 256; k += 13) {
      layers.push_back(Conv(c, k));
      ms.push_back(Research(c, k));
    }
  }
  std::vector<double> coefs = SolveCoefficients(terms, layers, ms);
  ASSERT_EQ(coefs.size(), 4u);
  EXPECT_NEAR(coefs[0], 0.1418, 1e-12);
  EXPECT_NEAR(coefs[1], 0.0106, 1e-12);
  EXPECT_NEAR(coefs[2], 0.044, 1e-12);
  EXPECT_NEAR(coefs[3], 0.0121, 1e-12);
  // A column that is identically zero gets coefficient 0 (minimum norm), not NaN.
  terms.push_back({0, {{"out_c", 512}}});
  coefs = SolveCoefficients(terms, layers, ms);
  EXPECT_EQ(coefs[4], 0.0);
  EXPECT_NEAR(coefs[0], 0.1418, 1e-12);
}

struct Data {
  std::vector<Layer> layers;
  std::vector<double> ms;
};

// The research formula on a grid of in_c and out_c (every `every`-th value of
// 1..256), with 2% multiplicative noise.
Data ResearchGrid(I64 every, std::uint64_t seed = 3) {
  Noise noise(0.02, seed);
  Data d;
  for (I64 c = 1; c <= 256; c += every) {
    for (I64 k = 1; k <= 256; k += every) {
      d.layers.push_back(Conv(c, k));
      d.ms.push_back(Research(c, k) * noise());
    }
  }
  return d;
}

void ExpectResearchModel(const FittedModel& m) {
  ASSERT_EQ(m.terms.size(), 4u);
  EXPECT_TRUE(m.terms[0].factors.empty());
  EXPECT_EQ(m.terms[1].factors, (std::vector<FittedFactor>{{"in_c", 8}}));
  EXPECT_EQ(m.terms[2].factors, (std::vector<FittedFactor>{{"out_c", 32}}));
  EXPECT_EQ(m.terms[3].factors, (std::vector<FittedFactor>{{"in_c", 8}, {"out_c", 32}}));
  EXPECT_NEAR(m.terms[0].coef, 0.1418, 0.05 * 0.1418);
  EXPECT_NEAR(m.terms[1].coef, 0.0106, 0.05 * 0.0106);
  EXPECT_NEAR(m.terms[2].coef, 0.044, 0.05 * 0.044);
  EXPECT_NEAR(m.terms[3].coef, 0.0121, 0.05 * 0.0121);
}

// The recovery test: widths 8 and 32 and all four coefficients
// within 5% from a grid of every 4th value (64 x 64 = 4096 rows).
// Fewer rows: every 5th value (52 x 52 = 2704 rows) and every 7th (37 x 37 =
// 1369 rows) recover it too; see the test below for the smallest designs.
TEST(Fit, StepLinear2DRecoversResearchFormula) {
  Data d = ResearchGrid(4);
  FittedModel m = FitStepLinear(d.layers, d.ms, {"in_c", "out_c"}, "");
  ExpectResearchModel(m);
  EXPECT_EQ(m.rows, 4096);
  EXPECT_EQ(m.range.at("in_c"), (std::pair<I64, I64>{1, 253}));
  EXPECT_EQ(m.range.at("out_c"), (std::pair<I64, I64>{1, 253}));
  EXPECT_LT(m.mape, 1.5);  // the noise's own MAPE is 1%
  EXPECT_GT(m.r2, 0.99);
}

// How few rows suffice: a random design of 100 (in_c, out_c) pairs in 1..256.
// Measured over 20 random designs each: 75 rows and more recover widths and
// coefficients every time, 50 rows 15 of 20, 25 rows 8 of 20. Grids of every
// 4th..12th value (4096..484 rows) all recover it.
// (A grid must sample finer than the widths: every 32nd value cannot tell
// width 32 from 17..31.) Two 1-D sweeps through one point cannot identify
// the interaction term c3 at all (the design is singular), so some spread
// over the plane is needed.
TEST(Fit, StepLinear2DFromFewRandomRows) {
  Noise noise(0.02, 11);
  std::mt19937_64 rng(5);
  Data d;
  for (int i = 0; i < 100; ++i) {
    const I64 c = 1 + static_cast<I64>(rng() % 256), k = 1 + static_cast<I64>(rng() % 256);
    d.layers.push_back(Conv(c, k));
    d.ms.push_back(Research(c, k) * noise());
  }
  ExpectResearchModel(FitStepLinear(d.layers, d.ms, {"in_c", "out_c"}, ""));
}

// A linear law in one dimension, scaled by the work of the others: terms
// carry the work factor, the constant does not.
TEST(Fit, StepLinearWithWork) {
  Noise noise(0.01, 2);
  Data d;
  for (I64 h : {8, 16, 24, 32}) {
    for (I64 c = 1; c <= 128; c += 3) {
      Layer l = Conv(c, 16, h);
      d.layers.push_back(l);
      d.ms.push_back((0.05 + 2e-6 * std::floor((c - 1) / 16.0) * LayerDim(l, "spatial")) * noise());
    }
  }
  FittedModel m = FitStepLinear(d.layers, d.ms, {"in_c"}, "spatial");
  ASSERT_EQ(m.terms.size(), 2u);
  EXPECT_EQ(m.terms[1].factors, (std::vector<FittedFactor>{{"in_c", 16}, {"spatial", 0}}));
  EXPECT_NEAR(m.terms[1].coef, 2e-6, 0.05 * 2e-6);
  EXPECT_NEAR(m.terms[0].coef, 0.05, 0.05 * 0.05);
  EXPECT_EQ(m.range.at("spatial"), (std::pair<I64, I64>{8 * 8 * 9, 32 * 32 * 9}));
}

TEST(Fit, StepLinearDeterministic) {
  Data d = ResearchGrid(6);
  FittedModel a = FitStepLinear(d.layers, d.ms, {"in_c", "out_c"}, "");
  FittedModel b = FitStepLinear(d.layers, d.ms, {"in_c", "out_c"}, "");
  EXPECT_EQ(a, b);  // operator== compares the doubles exactly
  EXPECT_THROW(FitStepLinear(d.layers, d.ms, {}, ""), Error);
  EXPECT_THROW(FitStepLinear(d.layers, d.ms, {"in_c", "out_c", "out_h"}, ""), Error);
}

PrecisionSpec Spec(double gops, double gbps) { return {{gops, "t"}, {gbps, "t"}}; }

// Time (ms) of a refined roofline at fp32.
double Roofline(const Layer& l, double op_s, double bw, const std::vector<Parallelism>& par) {
  double eff = 1.0;
  for (const Parallelism& p : par) eff *= DimensionEfficiency(LayerDim(l, p.dim), p.p, p.alpha);
  return std::max(l.counts.flops / (op_s * eff), l.counts.Bytes(4) / bw) * 1e3;
}

TEST(Fit, RefinedRooflineRecovery) {
  // Peak 100 GOP/s at efficiency 0.5; 20 GB/s at 0.8; in_c unrolled by 16.
  const std::vector<Parallelism> truth = {{"in_c", 16, 1.0, ""}};
  Noise noise(0.02, 4);
  Data d;
  for (I64 c = 1; c <= 128; ++c) {
    for (I64 k : {32, 64}) {
      Layer l = Conv(c, k);
      d.ms.push_back(Roofline(l, 50e9, 16e9, truth) * noise());
      d.layers.push_back(std::move(l));
    }
  }
  ClassModel m = FitRefinedRoofline(d.layers, d.ms, Spec(100, 20), Precision::kFp32, {"in_c", "out_c", "out_h"});
  EXPECT_EQ(m.estimator, "refined_roofline");
  EXPECT_NEAR(m.compute_efficiency.value, 0.5, 0.05 * 0.5);
  ASSERT_EQ(m.parallelism.size(), 1u);
  EXPECT_EQ(m.parallelism[0].dim, "in_c");
  EXPECT_EQ(m.parallelism[0].p, 16);
  EXPECT_NEAR(m.parallelism[0].alpha, 1.0, 0.05);
  EXPECT_NE(m.compute_efficiency.source.find("256 rows"), std::string::npos);

  // Deterministic, bit for bit.
  EXPECT_EQ(FitRefinedRoofline(d.layers, d.ms, Spec(100, 20), Precision::kFp32, {"in_c", "out_c", "out_h"})
                .parallelism[0]
                .alpha,
            m.parallelism[0].alpha);
}

// The largest relative error of the roofline estimator with class model `m` on the rows of
// `d` (platform: 100 GOP/s, 20 GB/s, as the rows were made).
double WorstRooflineError(const Data& d, const ClassModel& m) {
  Platform platform;
  platform.precisions[Precision::kFp32] = Spec(100, 20);
  double worst = 0;
  for (std::size_t i = 0; i < d.layers.size(); ++i) {
    const double ms = FindEstimator("roofline")->fn({d.layers[i], platform, Precision::kFp32, m}).ms;
    worst = std::max(worst, std::abs(ms / d.ms[i] - 1));
  }
  return worst;
}

TEST(Fit, KernelTermsRecoverTheRoofOfEachShape) {
  // 1x1 convs reach 25 GOP/s, 3x3 ones 50 GOP/s (peak 100 at efficiency 0.5, 1x1 scaled by 0.5); 16 GB/s.
  Noise noise(0.01, 7);
  Data d;
  for (I64 c = 32; c <= 128; c += 4) {
    for (I64 k : {1, 3}) {
      Layer l = Conv(c, 64, 32, k);
      const double op_s = k == 1 ? 25e9 : 50e9;
      d.ms.push_back(Roofline(l, op_s, 16e9, {}) * noise());
      d.layers.push_back(std::move(l));
    }
  }
  // Without kernel terms one roof cannot serve both.
  ClassModel plain = FitRefinedRoofline(d.layers, d.ms, Spec(100, 20), Precision::kFp32, {});
  EXPECT_TRUE(plain.kernel_terms.empty());
  ClassModel m = FitRefinedRoofline(d.layers, d.ms, Spec(100, 20), Precision::kFp32, {},
                                    {KernelShape::kPointwise, KernelShape::kSquare, KernelShape::kAsymmetric});
  ASSERT_EQ(m.kernel_terms.size(), 3u);
  EXPECT_EQ(m.kernel_terms[0].shape, KernelShape::kPointwise);
  const double peak = 100e9 * m.compute_efficiency.value;
  EXPECT_NEAR(peak * m.kernel_terms[0].scale, 25e9, 0.02 * 25e9);
  EXPECT_NEAR(peak * m.kernel_terms[1].scale, 50e9, 0.02 * 50e9);
  // No 1xk rows: left at 1, and the source says so.
  EXPECT_EQ(m.kernel_terms[2].scale, 1.0);
  EXPECT_NE(m.kernel_terms[2].source.find("no 1xk rows"), std::string::npos);
  EXPECT_NE(m.kernel_terms[0].source.find("25 1x1 rows"), std::string::npos);
  // The estimator reproduces the rows within the noise.
  EXPECT_LT(WorstRooflineError(d, m), 0.03);
}

TEST(Fit, SplitTermRecoversTheRoofOfTheLayersThatOverflowTheBuffer) {
  // 1x1 convs reach 50 GOP/s, except those whose input rows overflow a 128 KiB
  // buffer (fp32 rows padded to 16 B), which reach 20 GOP/s: scale 0.4.
  Noise noise(0.01, 11);
  Data d;
  KernelTerm split{KernelShape::kSplit, 1.0, ""};
  split.buffer_bytes = 131072;
  split.line_bytes = 16;
  std::size_t split_rows = 0;
  for (I64 c = 64; c <= 2048; c += 64) {
    for (I64 h : {7, 8, 14, 17}) {
      Layer l = Conv(c, 256, h, 1);
      const bool over = NeedsInputSplit(c, h, h, 1, 1, 4, 131072, 16);
      split_rows += over ? 1 : 0;
      d.ms.push_back(Roofline(l, over ? 20e9 : 50e9, 16e9, {}) * noise());
      d.layers.push_back(std::move(l));
    }
  }
  ASSERT_GT(split_rows, 20u);
  ASSERT_LT(split_rows, d.layers.size() - 20);
  ClassModel m = FitRefinedRoofline(d.layers, d.ms, Spec(100, 20), Precision::kFp32, {},
                                    std::vector<KernelTerm>{{KernelShape::kPointwise, 1.0, ""}, split});
  ASSERT_EQ(m.kernel_terms.size(), 2u);
  EXPECT_EQ(m.kernel_terms[1].shape, KernelShape::kSplit);
  EXPECT_EQ(m.kernel_terms[1].buffer_bytes, 131072);
  EXPECT_EQ(m.kernel_terms[1].line_bytes, 16);
  const double peak = 100e9 * m.compute_efficiency.value;
  EXPECT_NEAR(peak * m.kernel_terms[0].scale, 50e9, 0.02 * 50e9);
  EXPECT_NEAR(peak * m.kernel_terms[1].scale, 20e9, 0.02 * 20e9);
  EXPECT_NE(m.kernel_terms[1].source.find(std::to_string(split_rows) + " split rows"), std::string::npos);
  // The estimator applies the split scale to the same rows.
  EXPECT_LT(WorstRooflineError(d, m), 0.03);
}

TEST(Fit, SplitPointwiseTermRecoversBothSplitRoofs) {
  // 1x1 and 3x3 convs reach 50 GOP/s; those whose input rows overflow a 128 KiB buffer (fp32 rows padded to
  // 16 B) reach 20 GOP/s when 1x1 (split_1x1 scale 0.4) and 75 GOP/s when 3x3 (split scale 1.5). 1% noise.
  Noise noise(0.01, 13);
  Data d;
  KernelTerm split{KernelShape::kSplit, 1.0, ""};
  split.buffer_bytes = 131072;
  split.line_bytes = 16;
  std::size_t split_1x1 = 0, split_3x3 = 0;
  for (I64 k : {1, 3}) {
    for (I64 c = 64; c <= 2048; c += 64) {
      for (I64 h : {7, 8, 14, 17}) {
        Layer l = Conv(c, 256, h, k);
        const bool over = NeedsInputSplit(c, h, h, k, 1, 4, 131072, 16);
        (k == 1 ? split_1x1 : split_3x3) += over ? 1 : 0;
        d.ms.push_back(Roofline(l, over ? (k == 1 ? 20e9 : 75e9) : 50e9, 16e9, {}) * noise());
        d.layers.push_back(std::move(l));
      }
    }
  }
  ASSERT_GT(split_1x1, 20u);
  ASSERT_GT(split_3x3, 20u);
  ClassModel m = FitRefinedRoofline(
      d.layers, d.ms, Spec(100, 20), Precision::kFp32, {},
      std::vector<KernelTerm>{{KernelShape::kPointwise, 1.0, ""}, {KernelShape::kSquare, 1.0, ""}, split,
                              {KernelShape::kSplitPointwise, 1.0, ""}});
  ASSERT_EQ(m.kernel_terms.size(), 4u);
  EXPECT_EQ(m.kernel_terms[3].shape, KernelShape::kSplitPointwise);
  EXPECT_EQ(m.kernel_terms[2].buffer_bytes, 131072);
  const double peak = 100e9 * m.compute_efficiency.value;
  EXPECT_NEAR(peak * m.kernel_terms[0].scale, 50e9, 0.02 * 50e9);
  EXPECT_NEAR(peak * m.kernel_terms[1].scale, 50e9, 0.02 * 50e9);
  EXPECT_NEAR(peak * m.kernel_terms[2].scale, 75e9, 0.02 * 75e9);
  EXPECT_NEAR(peak * m.kernel_terms[3].scale, 20e9, 0.02 * 20e9);
  EXPECT_NE(m.kernel_terms[2].source.find(std::to_string(split_3x3) + " split rows"), std::string::npos);
  EXPECT_NE(m.kernel_terms[3].source.find(std::to_string(split_1x1) + " split_1x1 rows"), std::string::npos);
  EXPECT_LT(WorstRooflineError(d, m), 0.03);
}

TEST(Fit, RefinedRooflinePartialAlphaAndCap) {
  const std::vector<Parallelism> truth = {{"out_c", 8, 0.6, ""}};
  Data d;
  for (I64 k = 1; k <= 96; ++k) {
    Layer l = Conv(64, k);
    d.ms.push_back(Roofline(l, 150e9, 16e9, truth));
    d.layers.push_back(std::move(l));
  }
  // The measured 150 GOP/s exceed the nominal 100: capped at 1 and said so.
  ClassModel m = FitRefinedRoofline(d.layers, d.ms, Spec(100, 20), Precision::kFp32, {"out_c"});
  EXPECT_EQ(m.compute_efficiency.value, 1.0);
  EXPECT_NE(m.compute_efficiency.source.find("capped"), std::string::npos);
  ASSERT_EQ(m.parallelism.size(), 1u);
  EXPECT_EQ(m.parallelism[0].p, 8);
  EXPECT_NEAR(m.parallelism[0].alpha, 0.6, 0.01);
}

// --- FitPlatform ------------------------------------------------------------

Platform Base() {
  Platform p;
  p.name = "test";
  p.precisions[Precision::kFp32] = Spec(100, 20);
  p.classes[OpClass::kPool] = ClassModel{};  // kept as it is
  p.classes[OpClass::kPool].compute_efficiency = {0.3, "pool source"};
  return p;
}

Measurement Row(const LayerConfig& c, double ms, int line) {
  Measurement m;
  m.config = c;
  m.latency_ms = ms;
  m.origin = "m.csv:" + std::to_string(line);
  return m;
}

const ClassFit& FitOf(const FitReport& r, OpClass c) {
  for (const ClassFit& f : r.classes) {
    if (f.op_class == c) return f;
  }
  throw std::runtime_error("class not fitted");
}

// A step/linear model's constant and its straight (no staircase) coefficient per unit of `dim`.
struct Line {
  double constant = 0, per = 0;
};
Line LineIn(const FittedModel& fm, const std::string& dim) {
  Line l;
  for (const FittedTerm& t : fm.terms) {
    if (t.factors.empty()) l.constant += t.coef;
    if (t.factors.size() == 1 && t.factors[0].dim == dim && t.factors[0].step == 0) l.per += t.coef;
  }
  return l;
}

// Each kind of synthetic data is best explained by the model that made it.
TEST(Fit, PlatformPicksRoofline) {
  // Convs over in_c and in_h, some memory-bound, plus a plain roofline.
  std::vector<Measurement> rows;
  Noise noise(0.005, 8);
  for (I64 c : {1, 2, 4, 8, 16, 32, 64, 128}) {
    for (I64 h : {4, 8, 16, 32, 56}) {
      LayerConfig cfg = ConvConfig(c, 32, h);
      rows.push_back(Row(cfg, Roofline(ToLayer(cfg), 40e9, 10e9, {}) * noise(), static_cast<int>(rows.size()) + 2));
    }
  }
  FitReport r = FitPlatform(rows, Base(), "synthetic.csv");
  const ClassFit& f = FitOf(r, OpClass::kConv);
  EXPECT_EQ(f.chosen, "roofline");
  ASSERT_EQ(f.candidates.size(), 3u);
  EXPECT_EQ(f.candidates[0].first, "roofline");
  EXPECT_EQ(f.candidates[1].first, "refined_roofline");
  EXPECT_EQ(f.candidates[2].first, "step_linear");
  // The max over noisy rows sets the roofs: held-out rows then err by about the noise.
  EXPECT_LT(f.stats.cv_mape, 2.0);
  EXPECT_EQ(f.stats.folds, 5);
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  EXPECT_EQ(m.estimator, "roofline");
  EXPECT_NEAR(m.compute_efficiency.value, 0.4, 0.02);
  EXPECT_NEAR(m.memory_efficiency.value, 0.5, 0.025);
  EXPECT_EQ(m.compute_efficiency.source.rfind("synthetic.csv (odonata fit, 40 rows", 0), 0u)
      << m.compute_efficiency.source;
  EXPECT_EQ(f.measured.size(), 40u);
  EXPECT_EQ(f.predicted.size(), 40u);
  EXPECT_EQ(f.origins.front(), "m.csv:2");
  // Other classes of the base are kept.
  EXPECT_EQ(r.platform.classes.at(OpClass::kPool).compute_efficiency.source, "pool source");
}

// --residuals: the class's 90% interval comes from the cross-validated
// predictions (split-conformal ranks, level 0.9) and covers about 90% of fresh
// rows drawn from the same law (uniform +/-20% noise around a roofline).
TEST(Fit, ResidualsGiveAClassIntervalThatCoversFreshRows) {
  const auto config = [](int i) {
    return ConvConfig(8 + (i * 37) % 120, 32, 8 + (i * 13) % 48);
  };
  std::vector<Measurement> rows;
  Noise noise(0.2, 21);
  for (int i = 0; i < 200; ++i) {
    const LayerConfig cfg = config(i);
    rows.push_back(Row(cfg, Roofline(ToLayer(cfg), 40e9, 10e9, {}) * noise(), i + 2));
  }
  const FitReport without = FitPlatform(rows, Base(), "synthetic.csv");
  EXPECT_FALSE(without.platform.classes.at(OpClass::kConv).interval);
  const FitReport r = FitPlatform(rows, Base(), "synthetic.csv", 5, false, true);
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  ASSERT_TRUE(m.interval);
  ASSERT_TRUE(m.cv_residuals);
  EXPECT_EQ(m.interval->level, 0.9);
  EXPECT_EQ(m.interval->rows, 200);
  EXPECT_NE(m.interval->method.find("split-conformal"), std::string::npos);
  EXPECT_EQ(m.interval->source.rfind("synthetic.csv (odonata fit: the 200 fp32 rows", 0), 0u) << m.interval->source;
  // Ranks 10 and 191 of 200 against the 5% and 95% quantiles: close.
  EXPECT_NEAR(std::log(m.interval->low), m.cv_residuals->p05, 0.03);
  EXPECT_NEAR(std::log(m.interval->high), m.cv_residuals->p95, 0.03);
  EXPECT_LT(m.interval->low, m.interval->high);
  Noise fresh_noise(0.2, 77);
  int inside = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    const Layer layer = ToLayer(config(i * 7 + 3));
    const double measured = Roofline(layer, 40e9, 10e9, {}) * fresh_noise();
    const double e = FindEstimator(m.estimator)->fn(EstimatorContext{layer, r.platform, Precision::kFp32, m}).ms;
    if (measured >= e * m.interval->low && measured <= e * m.interval->high) ++inside;
  }
  const double coverage = static_cast<double>(inside) / n;
  EXPECT_GT(coverage, 0.85);
  EXPECT_LT(coverage, 0.96);
}

TEST(Fit, PlatformPicksRefinedRoofline) {
  // ANNETTE-like: p = 16 with alpha 0.6 on in_c, sweeps of in_c and out_c.
  const std::vector<Parallelism> truth = {{"in_c", 16, 0.6, ""}};
  std::vector<Measurement> rows;
  Noise noise(0.01, 9);
  for (I64 c = 1; c <= 96; c += 1) {
    for (I64 k : {16, 48}) {
      LayerConfig cfg = ConvConfig(c, k);
      rows.push_back(Row(cfg, Roofline(ToLayer(cfg), 50e9, 16e9, truth) * noise(), static_cast<int>(rows.size())));
    }
  }
  FitReport r = FitPlatform(rows, Base(), "synthetic.csv");
  const ClassFit& f = FitOf(r, OpClass::kConv);
  EXPECT_EQ(f.chosen, "refined_roofline");
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  EXPECT_EQ(m.estimator, "refined_roofline");
  ASSERT_EQ(m.parallelism.size(), 1u);
  EXPECT_EQ(m.parallelism[0].p, 16);
  EXPECT_NEAR(m.parallelism[0].alpha, 0.6, 0.05);
  for (const auto& [name, s] : f.candidates) {
    if (name != "refined_roofline") {
      EXPECT_GT(s.cv_mape, f.stats.cv_mape + 0.1) << name;
    }
  }
}

TEST(Fit, PlatformPicksStepLinear) {
  std::vector<Measurement> rows;
  Noise noise(0.02, 10);
  // Every 6th value: a grid of every 8th would alias width 8 with the line.
  for (I64 c = 1; c <= 256; c += 6) {
    for (I64 k = 1; k <= 256; k += 6) {
      rows.push_back(Row(ConvConfig(c, k), Research(c, k) * noise(), static_cast<int>(rows.size())));
    }
  }
  // Rows the platform cannot take are reported, not fitted.
  LayerConfig fp16 = ConvConfig(8, 8);
  fp16.precision = Precision::kFp16;
  rows.push_back(Row(fp16, 1.0, 9000));
  LayerConfig add;
  add.op = "Add";
  add.in_c = add.out_c = 8;
  rows.push_back(Row(add, 0.01, 9001));

  FitReport r = FitPlatform(rows, Base(), "jetson.csv", 4);
  const ClassFit& f = FitOf(r, OpClass::kConv);
  EXPECT_EQ(f.chosen, "step_linear");
  EXPECT_EQ(f.stats.folds, 4);
  EXPECT_LT(f.stats.cv_mape, 2.0);
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  EXPECT_EQ(m.estimator, "step_linear");
  EXPECT_EQ(m.fallback, "roofline");
  ASSERT_EQ(m.fitted.size(), 1u);
  const FittedModel& fm = m.fitted[0];
  EXPECT_EQ(fm.precision, Precision::kFp32);
  EXPECT_EQ(fm.source, "jetson.csv (odonata fit, 1849 rows)");
  EXPECT_EQ(fm.rows, 43 * 43);
  EXPECT_EQ(fm.folds, 4);
  EXPECT_EQ(fm.cv_mape, f.stats.cv_mape);
  ExpectResearchModel(fm);

  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].find("m.csv:9000: precision fp16"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[1].find("eltwise fp32: 1 rows"), std::string::npos) << r.warnings[1];
  EXPECT_EQ(r.platform.classes.count(OpClass::kEltwise), 0u);

  // The whole fit is deterministic, bit for bit.
  FitReport again = FitPlatform(rows, Base(), "jetson.csv", 4);
  EXPECT_EQ(again.platform.classes.at(OpClass::kConv).fitted, m.fitted);
  EXPECT_EQ(again.platform.classes.at(OpClass::kConv).compute_efficiency.value, m.compute_efficiency.value);
  EXPECT_EQ(FitOf(again, OpClass::kConv).predicted, f.predicted);
}

// A memory-bound class swept over channels at a few spatial sizes (as the host's Concat
// sweeps are): its time is linear in elements, which the most varied size (in_c) cannot
// express. The step/linear candidate in elements is tried too, wins the cross-validation,
// and recovers the per-element cost and the constant.
TEST(Fit, PlatformPicksStepLinearInElements) {
  std::vector<Measurement> rows;
  Noise noise(0.02, 11);
  const I64 channels[] = {16, 40, 72, 104, 136, 192, 232, 384};
  for (I64 hw : {56, 28, 14, 7}) {
    for (I64 c : channels) {
      LayerConfig cfg;
      cfg.op = "Concat";
      cfg.in_c = c + hw;  // distinct per spatial size, so in_c varies most
      cfg.out_c = 2 * cfg.in_c;
      cfg.in_h = cfg.in_w = hw;
      const double elems = static_cast<double>(cfg.out_c * hw * hw);
      rows.push_back(Row(cfg, (0.004 + 1.0e-7 * elems) * noise(), static_cast<int>(rows.size())));
    }
  }
  FitReport r = FitPlatform(rows, Base(), "concat.csv", 4);
  const ClassFit& f = FitOf(r, OpClass::kData);
  EXPECT_EQ(f.chosen, "step_linear");
  EXPECT_LT(f.stats.cv_mape, 3.0);
  ASSERT_GE(f.candidates.size(), 3u);
  EXPECT_EQ(f.candidates[1].first, "step_linear");  // in in_c, the most varied size
  EXPECT_EQ(f.candidates[2].first, "step_linear/elems");
  EXPECT_GT(f.candidates[1].second.cv_mape, 10.0);
  const FittedModel& fm = r.platform.classes.at(OpClass::kData).fitted.at(0);
  ASSERT_EQ(fm.terms.size(), 2u);
  EXPECT_TRUE(fm.terms[0].factors.empty());
  ASSERT_EQ(fm.terms[1].factors.size(), 1u);
  EXPECT_EQ(fm.terms[1].factors[0].dim, "elems");
  EXPECT_NEAR(fm.terms[0].coef, 0.004, 0.0004);
  EXPECT_NEAR(fm.terms[1].coef, 1.0e-7, 0.02e-7);
}

// One class, two precisions: step_linear keeps a model per precision; the
// class's estimator is decided by the precision with more rows.
TEST(Fit, PlatformTwoPrecisions) {
  Platform base = Base();
  base.precisions[Precision::kFp16] = Spec(200, 20);
  std::vector<Measurement> rows;
  Noise noise(0.02, 12);
  for (I64 c = 1; c <= 256; c += 9) {
    for (I64 k = 1; k <= 256; k += 9) {
      rows.push_back(Row(ConvConfig(c, k), Research(c, k) * noise(), static_cast<int>(rows.size())));
      if (c % 2 == 0) continue;
      LayerConfig half = ConvConfig(c, k);
      half.precision = Precision::kFp16;
      rows.push_back(Row(half, 0.5 * Research(c, k) * noise(), static_cast<int>(rows.size())));
    }
  }
  FitReport r = FitPlatform(rows, base, "two.csv");
  ASSERT_EQ(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0].precision, Precision::kFp32);
  EXPECT_EQ(r.classes[1].precision, Precision::kFp16);
  EXPECT_EQ(r.classes[0].chosen, "step_linear");
  EXPECT_EQ(r.classes[1].chosen, "step_linear");
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  ASSERT_EQ(m.fitted.size(), 2u);
  ASSERT_NE(m.FittedFor(Precision::kFp16), nullptr);
  EXPECT_NEAR(m.FittedFor(Precision::kFp16)->terms[0].coef, 0.5 * 0.1418, 0.05 * 0.5 * 0.1418);
  ExpectResearchModel(*m.FittedFor(Precision::kFp32));
}

// int8 rows of a convolution go to the int8 class when the base has it, as the
// layer its QDQ rules fuse the sweep's QDQ model into (counted at 1 byte per
// element); without the class (zcu102's int8 profile) they stay conv rows.
TEST(Fit, Int8RowsFitTheInt8ClassOfTheBase) {
  Platform base = Base();
  base.precisions[Precision::kInt8] = Spec(1000, 20);
  base.fusion = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/data/host-ort-cpu/phase2/base.json").fusion;
  base.classes[OpClass::kConvInt8] = ClassModel{};
  std::vector<Measurement> rows;
  for (I64 c : {16, 32, 48, 64, 96, 128}) {
    for (I64 h : {10, 20, 40}) {
      LayerConfig cfg = ConvConfig(c, 2 * c, h);
      cfg.precision = Precision::kInt8;
      if (c % 32 == 0) cfg.kernel_h = cfg.kernel_w = 1;
      const std::vector<Layer> fused = Fuse(LoadOnnxFromBytes(LayerModelBytes(cfg)), base.fusion);
      ASSERT_EQ(fused.size(), 3u);  // Transpose, the int8 Conv, Transpose
      const Layer& l = fused[1];
      ASSERT_EQ(l.op_class, OpClass::kConvInt8);
      const double ms = std::max(l.counts.flops / 400e9, l.counts.Bytes(1) / 10e9) * 1e3;
      rows.push_back(Row(cfg, ms, static_cast<int>(rows.size()) + 2));
    }
  }
  const FitReport r = FitPlatform(rows, base, "q.csv");
  ASSERT_EQ(r.classes.size(), 1u);
  EXPECT_EQ(r.classes[0].op_class, OpClass::kConvInt8);
  EXPECT_EQ(r.classes[0].precision, Precision::kInt8);
  EXPECT_EQ(r.classes[0].chosen, "roofline");
  EXPECT_LT(r.classes[0].stats.cv_mape, 1.0);  // exact rows: only folds without a memory-bound row miss
  const ClassModel& m = r.platform.classes.at(OpClass::kConvInt8);
  EXPECT_NEAR(m.compute_efficiency.value, 0.4, 1e-6);
  EXPECT_EQ(r.platform.classes.count(OpClass::kConv), 0u);
  // The same rows without conv_int8 in the base: class conv at int8.
  base.classes.erase(OpClass::kConvInt8);
  const FitReport plain = FitPlatform(rows, base, "q.csv");
  ASSERT_EQ(plain.classes.size(), 1u);
  EXPECT_EQ(plain.classes[0].op_class, OpClass::kConv);
  EXPECT_EQ(plain.classes[0].precision, Precision::kInt8);
}

// ONNX Runtime's int8 convolutions pay per output position and kernel tap (the layer dim spatial)
// and per multiply-accumulate (helper int8, 2026-12-07): synthetic QDQ Conv rows (1x1 and 3x3,
// stride 1 and 2, 3-128 input channels, 10-320 pixels) timed as 40 us + 2 ns per position and tap
// + 1.5 ps per MAC (2% noise). The channel terms x spatial of the conv step/linear cannot follow
// the 3-channel rows (many taps, few MACs); the int8 candidate in spatial and MACs wins the
// cross-validation, recovers the three costs, and estimates a first convolution (3 -> 16, 3x3,
// stride 2, 320x320: 160 x 160 x 9 = 230,400 positions x taps, 11,059,200 MACs).
TEST(Fit, Int8ConvRowsPayPerTapAndPerMac) {
  Platform base = Base();
  base.precisions[Precision::kInt8] = Spec(1000, 20);
  base.fusion = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/data/host-ort-cpu/phase2/base.json").fusion;
  base.classes[OpClass::kConvInt8] = ClassModel{};
  std::vector<Measurement> rows;
  Noise noise(0.02, 31);
  auto layer_of = [&](const LayerConfig& cfg) {
    const std::vector<Layer> fused = Fuse(LoadOnnxFromBytes(LayerModelBytes(cfg)), base.fusion);
    EXPECT_EQ(fused.size(), 3u);  // Transpose, the int8 Conv, Transpose
    return fused.at(1);
  };
  auto truth = [](const Layer& l) {
    return 0.04 + 2.0e-6 * static_cast<double>(LayerDim(l, "spatial")) + 1.5e-9 * static_cast<double>(l.counts.macs);
  };
  int k = 0;
  for (I64 c : {3, 16, 32, 64, 128}) {
    for (I64 h : {10, 20, 40, 80, 160, 320}) {
      if (c >= 64 && h >= 160) continue;  // keep the rows a sweep's sizes
      LayerConfig cfg = ConvConfig(c, c == 3 ? 8 * (1 + k % 4) : c + 16 * (k % 3), h);
      cfg.precision = Precision::kInt8;
      if (c != 3 && k % 2 == 0) cfg.kernel_h = cfg.kernel_w = 1;
      if (c == 3 || k % 3 == 0) cfg.stride_h = cfg.stride_w = 2;
      ++k;
      const Layer l = layer_of(cfg);
      ASSERT_EQ(l.op_class, OpClass::kConvInt8);
      rows.push_back(Row(cfg, truth(l) * noise(), static_cast<int>(rows.size()) + 2));
    }
  }
  const FitReport r = FitPlatform(rows, base, "q.csv", 5);
  const ClassFit& f = FitOf(r, OpClass::kConvInt8);
  EXPECT_EQ(f.chosen, "step_linear");
  EXPECT_LT(f.stats.cv_mape, 3.0);
  double channels_cv = 0, spatial_cv = 0;
  for (const auto& [name, s] : f.candidates) {
    if (name == "step_linear") channels_cv = s.cv_mape;
    if (name == "step_linear/spatial") spatial_cv = s.cv_mape;
  }
  EXPECT_GT(channels_cv, 3 * spatial_cv);  // the channel form misses the 3-channel rows
  EXPECT_GT(spatial_cv, 0.0);
  const FittedModel* fitted = r.platform.classes.at(OpClass::kConvInt8).FittedFor(Precision::kInt8);
  ASSERT_NE(fitted, nullptr);
  const FittedModel& fm = *fitted;
  double constant = 0, per_pixel = 0, per_mac = 0;
  for (const FittedTerm& t : fm.terms) {
    for (const FittedFactor& x : t.factors) EXPECT_EQ(x.step, 0) << x.dim;  // lines, no staircase
    if (t.factors.empty()) constant = t.coef;
    if (t.factors.size() == 1 && t.factors[0].dim == "spatial") per_pixel = t.coef;
    if (t.factors.size() == 1 && t.factors[0].dim == "macs") per_mac = t.coef;
  }
  EXPECT_NEAR(constant, 0.04, 0.008);
  EXPECT_NEAR(per_pixel, 2.0e-6, 0.2e-6);
  EXPECT_NEAR(per_mac, 1.5e-9, 0.15e-9);
  LayerConfig first = ConvConfig(3, 16, 320);
  first.precision = Precision::kInt8;
  first.stride_h = first.stride_w = 2;
  const Layer l = layer_of(first);
  ASSERT_EQ(LayerDim(l, "spatial"), 230400);
  ASSERT_EQ(l.counts.macs, 11059200);
  const double want = 0.04 + 2.0e-6 * 230400 + 1.5e-9 * 11059200;  // 0.5174 ms
  const ClassModel& model = r.platform.ModelFor(l.op_class);
  const double ms = FindEstimator(model.estimator)->fn(EstimatorContext{l, r.platform, Precision::kInt8, model}).ms;
  EXPECT_NEAR(ms, want, 0.05 * want);
}

// Recurrent layers (class rnn) run their time steps one after the other: synthetic LSTM, GRU
// and RNN rows timed as 8 us per call + 1.2 us per time step + 0.15 ns per multiply-accumulate
// (2% noise). The step/linear candidate in steps and MACs wins the cross-validation and
// recovers the three costs; the cross term (MACs x steps) comes out near 0.
TEST(Fit, RecurrentRowsFitTheirOwnClassPerCallStepAndMac) {
  std::vector<Measurement> rows;
  Noise noise(0.02, 21);
  const char* ops[] = {"LSTM", "GRU", "RNN"};
  int k = 0;
  for (I64 seq : {1, 2, 4, 7, 12, 20, 32}) {
    for (I64 hidden : {16, 48, 64, 96, 128, 192, 256}) {
      LayerConfig cfg;
      cfg.op = ops[k % 3];
      cfg.in_c = hidden / 2 + 16 * (k % 4);
      cfg.out_c = hidden;
      cfg.in_h = seq;
      cfg.batch = 1 + k % 2;
      ++k;
      const Layer l = ToLayer(cfg);
      ASSERT_EQ(l.op_class, OpClass::kRecurrent);
      const double steps = static_cast<double>(seq * cfg.batch);
      ASSERT_EQ(LayerDim(l, "spatial"), seq * cfg.batch);
      const double ms = 0.008 + 0.0012 * steps + 1.5e-7 * static_cast<double>(l.counts.macs);
      rows.push_back(Row(cfg, ms * noise(), static_cast<int>(rows.size()) + 2));
    }
  }
  const FitReport r = FitPlatform(rows, Base(), "rnn.csv", 5);
  ASSERT_EQ(r.classes.size(), 1u);
  const ClassFit& f = FitOf(r, OpClass::kRecurrent);
  EXPECT_EQ(f.chosen, "step_linear");
  EXPECT_LT(f.stats.cv_mape, 3.0);
  EXPECT_EQ(r.platform.classes.count(OpClass::kGemm), 0u);
  const ClassModel& m = r.platform.classes.at(OpClass::kRecurrent);
  ASSERT_EQ(m.estimator, "step_linear");
  const FittedModel& fm = m.fitted.at(0);
  double constant = 0, per_step = 0, per_mac = 0, cross = 0;
  for (const FittedTerm& t : fm.terms) {
    for (const FittedFactor& x : t.factors) EXPECT_EQ(x.step, 0) << x.dim;  // lines, no staircase
    if (t.factors.empty()) constant = t.coef;
    if (t.factors.size() == 1 && t.factors[0].dim == "spatial") per_step = t.coef;
    if (t.factors.size() == 1 && t.factors[0].dim == "macs") per_mac = t.coef;
    if (t.factors.size() == 2) cross = t.coef;
  }
  EXPECT_NEAR(constant, 0.008, 0.002);
  EXPECT_NEAR(per_step, 0.0012, 0.0002);
  EXPECT_NEAR(per_mac, 1.5e-7, 0.1e-7);
  EXPECT_LT(std::abs(cross) * 64, 0.1 * 1.5e-7) << cross;  // under 10% of the MAC cost even at 64 steps
  // The class's model estimates a layer of its own kind, not the gemm model.
  LayerConfig lstm;
  lstm.op = "LSTM";
  lstm.in_c = lstm.out_c = 64;
  lstm.in_h = 7;
  const Layer l = ToLayer(lstm);
  EXPECT_EQ(l.counts.macs, 229376);  // Silero VAD v3's LSTM: 7 x (256 x 64 + 256 x 64)
  const double truth = 0.008 + 0.0012 * 7 + 1.5e-7 * 229376;
  const ClassModel& model = r.platform.ModelFor(l.op_class);
  EXPECT_EQ(&model, &m);
  const double ms = FindEstimator(model.estimator)->fn(EstimatorContext{l, r.platform, Precision::kFp32, model}).ms;
  EXPECT_NEAR(ms, truth, 0.05 * truth);
}

// NonMaxSuppression rows of 300-8700 boxes, exact 0.05 ms + 10 ns per box + 2 ps per box squared
// (lines 100 on): the detection class beside the classes the tests below fit.
std::vector<Measurement> NmsRows() {
  std::vector<Measurement> nms;
  for (I64 boxes : {300, 1200, 2700, 4500, 6000, 8700}) {
    LayerConfig cfg = DefaultSweepBase("NonMaxSuppression");
    cfg.in_h = boxes;
    cfg.groups = 1;
    const double b = static_cast<double>(boxes);
    nms.push_back(Row(cfg, 0.05 + 1e-5 * b + 2e-9 * b * b, 100 + static_cast<int>(nms.size())));
  }
  return nms;
}

// RoiAlign (class roi) costs a call plus its MACs (output elements x sampling points x 4 taps):
// synthetic rows of 1.5 ms + 0.28 ns per MAC (2% noise) over 50-1000 rois, 64-256 channels, 7x7
// and 14x14 bins, ratio 2 (and a few at 1 and 4). The step/linear candidate in MACs recovers
// both costs. NonMaxSuppression rows fitted with them keep exactly the detection model they get
// alone: RoiAlign is not in class detection.
TEST(Fit, RoiAlignRowsFitTheirOwnClassPerCallAndMac) {
  std::vector<Measurement> rows;
  Noise noise(0.02, 31);
  int k = 0;
  for (I64 rois : {50, 120, 250, 400, 600, 800, 1000}) {
    for (I64 channels : {64, 128, 256}) {
      LayerConfig cfg = DefaultSweepBase("RoiAlign");
      cfg.batch = rois;
      cfg.in_c = cfg.out_c = channels;
      cfg.kernel_h = cfg.kernel_w = k % 3 == 0 ? 14 : 7;
      cfg.stride_h = cfg.stride_w = k % 5 == 0 ? 4 : k % 7 == 0 ? 1 : 2;
      cfg.in_h = cfg.in_w = 10 + 8 * (k % 6);
      ++k;
      const Layer l = ToLayer(cfg);
      ASSERT_EQ(l.op_class, OpClass::kRoi);
      const double ms = 1.5 + 2.8e-7 * static_cast<double>(l.counts.macs);
      rows.push_back(Row(cfg, ms * noise(), static_cast<int>(rows.size()) + 2));
    }
  }
  const std::vector<Measurement> nms = NmsRows();
  std::vector<Measurement> both = rows;
  both.insert(both.end(), nms.begin(), nms.end());
  const FitReport r = FitPlatform(both, Base(), "roi.csv", 5);
  ASSERT_EQ(r.classes.size(), 2u);
  const ClassFit& f = FitOf(r, OpClass::kRoi);
  EXPECT_EQ(f.chosen, "step_linear");
  EXPECT_LT(f.stats.cv_mape, 3.0);
  const ClassModel& m = r.platform.classes.at(OpClass::kRoi);
  ASSERT_EQ(m.estimator, "step_linear");
  const auto [constant, per_mac] = LineIn(m.fitted.at(0), "macs");
  EXPECT_NEAR(per_mac, 2.8e-7, 0.1e-7);
  EXPECT_NEAR(constant, 1.5, 0.3);
  // Faster R-CNN's box head: 150 rois x 256 channels x 7x7, ratio 2: 30,105,600 MACs, 9.93 ms.
  LayerConfig head = DefaultSweepBase("RoiAlign");
  head.batch = 150;
  const Layer l = ToLayer(head);
  EXPECT_EQ(l.counts.macs, 30105600);
  const double truth = 1.5 + 2.8e-7 * 30105600;
  const double ms = FindEstimator(m.estimator)->fn(EstimatorContext{l, r.platform, Precision::kFp32, m}).ms;
  EXPECT_NEAR(ms, truth, 0.03 * truth);
  // The detection class: the same coefficients as from the NMS rows alone.
  const FitReport alone = FitPlatform(nms, Base(), "nms.csv", 5);
  const FittedModel& d = r.platform.classes.at(OpClass::kDetection).fitted.at(0);
  const FittedModel& a = alone.platform.classes.at(OpClass::kDetection).fitted.at(0);
  ASSERT_EQ(d.terms.size(), a.terms.size());
  for (std::size_t t = 0; t < d.terms.size(); ++t) EXPECT_EQ(d.terms[t].coef, a.terms[t].coef) << t;
  EXPECT_EQ(d.rows, 6);
}

// Detection post-processing, each its own class with a cost per call and per unit of work
// (synthetic rows, 2% noise, at the sweep lines' sizes): TopK 3 us + 12 ns per input element
// (k 150-400 of 375-9000 scores), NonZero 2 us + 1.5 ns per input element (500-13500), GatherND
// 1 us + 3 ns per gathered row whatever its width (1000-9000 rows of 1 or 4 of 9000). The
// step/linear candidates in "inputs" (TopK, NonZero) and "spatial" (GatherND) recover both
// costs and are chosen by cross-validation; the SSD300 bounds (TopK of 8732, NonZero of 8732,
// GatherND of 8732 rows of 4) are estimated within 3%. NonMaxSuppression rows fitted with them
// keep exactly the detection model they get alone (NonZero is no longer in class detection).
TEST(Fit, PostProcessingRowsFitTheirOwnClassesPerCallAndElement) {
  std::vector<Measurement> rows;
  Noise noise(0.02, 53);
  auto add = [&](const LayerConfig& cfg, double ms) {
    rows.push_back(Row(cfg, ms * noise(), static_cast<int>(rows.size()) + 2));
  };
  const std::pair<I64, I64> topk[] = {{375, 150}, {750, 150}, {1125, 150}, {1500, 150}, {2000, 400},
                                      {3000, 300}, {5500, 400}, {6000, 300}, {9000, 400}};
  for (const auto& [n, k] : topk) {
    LayerConfig cfg = DefaultSweepBase("TopK");
    cfg.in_c = n;
    cfg.out_c = k;
    ASSERT_EQ(ToLayer(cfg).op_class, OpClass::kTopK);
    add(cfg, 0.003 + 1.2e-5 * static_cast<double>(n));
  }
  for (I64 n : {500, 2000, 3250, 4750, 7000, 9000, 11000, 13250}) {
    LayerConfig cfg = DefaultSweepBase("NonZero");
    cfg.in_c = cfg.out_c = n;
    ASSERT_EQ(ToLayer(cfg).op_class, OpClass::kNonZero);
    add(cfg, 0.002 + 1.5e-6 * static_cast<double>(n));
  }
  for (I64 width : {1, 4}) {
    for (I64 n : {1000, 3000, 5000, 7000, 9000}) {
      LayerConfig cfg = DefaultSweepBase("GatherND");
      cfg.in_h = 9000;
      cfg.batch = n + (width == 4 ? 500 : 0);  // the two widths at other row counts
      cfg.in_c = cfg.out_c = width;
      if (cfg.batch > cfg.in_h) cfg.batch = cfg.in_h;
      ASSERT_EQ(ToLayer(cfg).op_class, OpClass::kGatherNd);
      add(cfg, 0.001 + 3e-6 * static_cast<double>(cfg.batch));
    }
  }
  const std::vector<Measurement> nms = NmsRows();
  std::vector<Measurement> all = rows;
  all.insert(all.end(), nms.begin(), nms.end());
  const FitReport r = FitPlatform(all, Base(), "post.csv", 5);
  ASSERT_EQ(r.classes.size(), 4u);
  struct Expect {
    OpClass cls;
    const char* dim;
    double constant, per;
    LayerConfig bound;
  };
  LayerConfig topk_bound = DefaultSweepBase("TopK");  // 400 of 8732
  LayerConfig nonzero_bound = DefaultSweepBase("NonZero");  // 8732
  LayerConfig gather_bound = DefaultSweepBase("GatherND");  // 8732 rows of 4 from 8732
  const Expect expect[] = {{OpClass::kTopK, "inputs", 0.003, 1.2e-5, topk_bound},
                           {OpClass::kNonZero, "inputs", 0.002, 1.5e-6, nonzero_bound},
                           {OpClass::kGatherNd, "spatial", 0.001, 3e-6, gather_bound}};
  for (const Expect& e : expect) {
    SCOPED_TRACE(OpClassName(e.cls));
    const ClassFit& f = FitOf(r, e.cls);
    EXPECT_EQ(f.chosen, "step_linear");
    EXPECT_LT(f.stats.cv_mape, 3.0);
    const ClassModel& m = r.platform.classes.at(e.cls);
    ASSERT_EQ(m.estimator, "step_linear");
    const auto [constant, per] = LineIn(m.fitted.at(0), e.dim);
    EXPECT_NEAR(per, e.per, 0.05 * e.per);
    EXPECT_NEAR(constant, e.constant, 0.3 * e.constant);
    const Layer l = ToLayer(e.bound);
    EXPECT_EQ(l.op_class, e.cls);
    const double truth = e.constant + e.per * static_cast<double>(LayerDim(l, e.dim));
    const double ms = FindEstimator(m.estimator)->fn(EstimatorContext{l, r.platform, Precision::kFp32, m}).ms;
    EXPECT_NEAR(ms, truth, 0.03 * truth);
  }
  EXPECT_EQ(LayerDim(ToLayer(topk_bound), "inputs"), 8732);
  EXPECT_EQ(LayerDim(ToLayer(gather_bound), "spatial"), 8732);
  const FitReport alone = FitPlatform(nms, Base(), "nms.csv", 5);
  const FittedModel& d = r.platform.classes.at(OpClass::kDetection).fitted.at(0);
  const FittedModel& a = alone.platform.classes.at(OpClass::kDetection).fitted.at(0);
  ASSERT_EQ(d.terms.size(), a.terms.size());
  for (std::size_t t = 0; t < d.terms.size(); ++t) EXPECT_EQ(d.terms[t].coef, a.terms[t].coef) << t;
  EXPECT_EQ(d.rows, 6);
}

// SiLU (class silu: the QuickGelu kernel ONNX Runtime makes of x * Sigmoid(x)) costs a call plus
// its elements: synthetic rows of 2 us + 0.2 ns per element (2% noise) at the sweep lines' sizes
// (16-2048 channels at 7x7 to 112x112). The fit gives the class its own model from these rows and
// recovers both costs; Sigmoid rows (class activation, 1 us + 0.3 ns per element) fitted with
// them keep exactly the model they get alone.
TEST(Fit, SiluRowsFitTheirOwnClassPerCallAndElement) {
  std::vector<Measurement> silu, sigmoid;
  Noise noise(0.02, 47);
  int k = 0;
  for (I64 hw : {7, 14, 28, 56, 112}) {
    for (I64 channels : {16, 48, 96, 160, 320, 640, 1280, 2048}) {
      if (hw * hw * channels > 2000000) continue;
      LayerConfig cfg;
      cfg.op = "SiLU";
      cfg.in_c = cfg.out_c = channels;
      cfg.in_h = cfg.in_w = hw;
      const Layer l = ToLayer(cfg);
      ASSERT_EQ(l.op_class, OpClass::kSilu);
      const double elems = static_cast<double>(l.counts.output_elems);
      silu.push_back(Row(cfg, (0.002 + 2e-7 * elems) * noise(), ++k));
      cfg.op = "Sigmoid";
      sigmoid.push_back(Row(cfg, 0.001 + 3e-7 * elems, 1000 + k));
    }
  }
  ASSERT_GE(silu.size(), 20u);
  std::vector<Measurement> both = silu;
  both.insert(both.end(), sigmoid.begin(), sigmoid.end());
  const FitReport r = FitPlatform(both, Base(), "silu.csv", 5);
  ASSERT_EQ(r.classes.size(), 2u);
  const ClassFit& f = FitOf(r, OpClass::kSilu);
  EXPECT_EQ(f.chosen, "step_linear");
  EXPECT_LT(f.stats.cv_mape, 3.0);
  const ClassModel& m = r.platform.classes.at(OpClass::kSilu);
  ASSERT_EQ(m.estimator, "step_linear");
  const auto [constant, per_elem] = LineIn(m.fitted.at(0), "elems");
  EXPECT_NEAR(per_elem, 2e-7, 0.1e-7);
  EXPECT_NEAR(constant, 0.002, 0.001);
  // EfficientNet-B0's largest SiLU: 32 channels at 112x112 = 401,408 elements, 0.0823 ms.
  LayerConfig big;
  big.op = "SiLU";
  big.in_c = big.out_c = 32;
  big.in_h = big.in_w = 112;
  const Layer l = ToLayer(big);
  const double truth = 0.002 + 2e-7 * 401408;
  const ClassModel& model = r.platform.ModelFor(l.op_class);
  EXPECT_EQ(&model, &m);
  const double ms = FindEstimator(model.estimator)->fn(EstimatorContext{l, r.platform, Precision::kFp32, model}).ms;
  EXPECT_NEAR(ms, truth, 0.03 * truth);
  // The activation class: the same model as from the Sigmoid rows alone.
  const FitReport alone = FitPlatform(sigmoid, Base(), "sigmoid.csv", 5);
  const ClassModel& a = alone.platform.classes.at(OpClass::kActivation);
  const ClassModel& b = r.platform.classes.at(OpClass::kActivation);
  EXPECT_EQ(a.estimator, b.estimator);
  EXPECT_EQ(a.memory_efficiency.value, b.memory_efficiency.value);
  ASSERT_EQ(a.fitted.size(), b.fitted.size());
  for (std::size_t i = 0; i < a.fitted.size(); ++i) {
    ASSERT_EQ(a.fitted[i].terms.size(), b.fitted[i].terms.size());
    for (std::size_t t = 0; t < a.fitted[i].terms.size(); ++t) EXPECT_EQ(a.fitted[i].terms[t].coef, b.fitted[i].terms[t].coef);
  }
  EXPECT_EQ(FitOf(r, OpClass::kActivation).measured.size(), sigmoid.size());
}

// Nearest Resize rows of ONNX Runtime's NCHWc Upsample (--op ResizeNchwc) fit their own class,
// resize_nchwc, apart from the generic Resize rows (class resize): synthetic rows at 1 us + 0.05 ns
// per output element (NCHWc Upsample) and 20 us + 0.9 ns (generic), 2% noise on the first; the
// elements line recovers both coefficients, and a layer of the size of neither row (96 channels
// 20 -> 40, 153,600 outputs) is estimated within 3% by the new class.
TEST(Fit, ResizeNchwcRowsFitTheirOwnClassPerCallAndElement) {
  std::vector<Measurement> rows;
  Noise noise(0.02, 53);
  int k = 0;
  for (I64 hw : {10, 13, 20, 26, 40}) {
    for (I64 channels : {16, 24, 64, 128, 256}) {
      LayerConfig cfg;
      cfg.op = "ResizeNchwc";
      cfg.in_c = cfg.out_c = channels;
      cfg.in_h = cfg.in_w = hw;
      cfg.stride_h = cfg.stride_w = 2;
      const Layer l = ToLayer(cfg);
      ASSERT_EQ(l.op_class, OpClass::kResizeNchwc);
      const double elems = static_cast<double>(l.counts.output_elems);
      rows.push_back(Row(cfg, (0.001 + 5e-8 * elems) * noise(), ++k));
      cfg.op = "Resize";
      ASSERT_EQ(ToLayer(cfg).op_class, OpClass::kResize);
      rows.push_back(Row(cfg, 0.02 + 9e-7 * elems, 1000 + k));
    }
  }
  const FitReport r = FitPlatform(rows, Base(), "resize.csv", 5);
  const ClassFit& f = FitOf(r, OpClass::kResizeNchwc);
  EXPECT_EQ(f.measured.size(), 25u);
  EXPECT_EQ(FitOf(r, OpClass::kResize).measured.size(), 25u);
  EXPECT_EQ(f.chosen, "step_linear");
  const ClassModel& m = r.platform.classes.at(OpClass::kResizeNchwc);
  ASSERT_EQ(m.estimator, "step_linear");
  const auto [constant, per_elem] = LineIn(m.fitted.at(0), "elems");
  EXPECT_NEAR(per_elem, 5e-8, 0.25e-8);
  EXPECT_NEAR(constant, 0.001, 0.0005);
  const ClassModel& generic = r.platform.classes.at(OpClass::kResize);
  ASSERT_EQ(generic.estimator, "step_linear");
  EXPECT_NEAR(LineIn(generic.fitted.at(0), "elems").per, 9e-7, 0.1e-7);
  LayerConfig probe;
  probe.op = "ResizeNchwc";
  probe.in_c = probe.out_c = 96;
  probe.in_h = probe.in_w = 20;
  probe.stride_h = probe.stride_w = 2;
  const Layer l = ToLayer(probe);
  const double truth = 0.001 + 5e-8 * 153600;
  const ClassModel& model = r.platform.ModelFor(l.op_class);
  EXPECT_EQ(&model, &m);
  const double ms = FindEstimator(model.estimator)->fn(EstimatorContext{l, r.platform, Precision::kFp32, model}).ms;
  EXPECT_NEAR(ms, truth, 0.03 * truth);
}

// 1-D convolution rows (--op Conv1d, DepthwiseConv1d) fit their own class, conv1d, apart from the
// 2-D Conv rows: synthetic rows at 10% of the 100 GOP/s peak (2% noise) for the 36 1-D rows and at
// 50% for the 12 2-D rows; a 1-D layer of the size of no row (48 -> 96 over 150, kernel 3) is
// estimated within 5% by the new class, and the conv class keeps its 12 rows.
// A Conv1d configuration: in_c -> out_c over `len` samples, kernel k, stride 1, "same" pads.
LayerConfig Conv1dConfig(I64 in_c, I64 out_c, I64 len, I64 k) {
  LayerConfig c;
  c.op = "Conv1d";
  c.in_c = in_c;
  c.out_c = out_c;
  c.in_h = 1;
  c.in_w = len;
  c.kernel_h = 1;
  c.kernel_w = k;
  c.pad_h = c.pad_w = -1;
  return c;
}

TEST(Fit, Conv1dRowsFitTheirOwnClass) {
  std::vector<Measurement> rows;
  Noise noise(0.02, 61);
  int k = 0;
  const I64 kernels[] = {1, 3, 5};
  for (I64 in_c : {16, 32, 64, 128}) {
    for (I64 out_c : {16, 64, 128}) {
      for (I64 len : {25, 100, 400}) {
        const LayerConfig cfg = Conv1dConfig(in_c, out_c, len, kernels[k % 3]);
        const Layer l = ToLayer(cfg);
        ASSERT_EQ(l.op_class, OpClass::kConv1d);
        rows.push_back(Row(cfg, static_cast<double>(l.counts.flops) / (100e9 * 0.1) * 1e3 * noise(), ++k));
      }
    }
  }
  for (I64 c : {16, 32, 64, 128}) {
    for (I64 hw : {8, 16, 32}) {
      const LayerConfig cfg = ConvConfig(c, c, hw);
      rows.push_back(Row(cfg, static_cast<double>(ToLayer(cfg).counts.flops) / (100e9 * 0.5) * 1e3, 1000 + ++k));
    }
  }
  const FitReport r = FitPlatform(rows, Base(), "conv1d.csv", 5);
  EXPECT_EQ(FitOf(r, OpClass::kConv1d).measured.size(), 36u);
  EXPECT_EQ(FitOf(r, OpClass::kConv).measured.size(), 12u);
  ASSERT_TRUE(r.platform.classes.count(OpClass::kConv1d));
  const Layer l = ToLayer(Conv1dConfig(48, 96, 150, 3));
  const double truth = static_cast<double>(l.counts.flops) / (100e9 * 0.1) * 1e3;
  const ClassModel& model = r.platform.ModelFor(l.op_class);
  EXPECT_EQ(&model, &r.platform.classes.at(OpClass::kConv1d));
  const double ms = FindEstimator(model.estimator)->fn(EstimatorContext{l, r.platform, Precision::kFp32, model}).ms;
  EXPECT_NEAR(ms, truth, 0.05 * truth);
}

TEST(Fit, PlatformErrors) { EXPECT_THROW(FitPlatform({}, Base(), "x", 1), Error); }

TEST(Fit, FromFilesNamesTheProfileAndSaysWhatItWasFittedFrom) {
  const std::string csv = std::string(ODONATA_SOURCE_DIR) + "/tests/data/fit/research_conv.csv";
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json");
  FitFilesOptions options;
  options.name = "myboard";
  const FitReport fit = FitMeasurementFiles({csv}, base, options);
  const std::string provenance = "measured: " + csv + ", odonata " + Version();
  EXPECT_EQ(fit.platform.name, "myboard");
  EXPECT_EQ(fit.platform.notes.back(), "Fitted by " + provenance + " on top of jetson-nano.");
  // The same fit as FitPlatform on the file's rows with that provenance.
  const FitReport direct = FitPlatform(ReadMeasurements(csv), base, provenance, 5);
  ASSERT_EQ(fit.classes.size(), direct.classes.size());
  for (std::size_t i = 0; i < fit.classes.size(); ++i) {
    EXPECT_EQ(fit.classes[i].chosen, direct.classes[i].chosen);
    EXPECT_EQ(fit.classes[i].stats.cv_mape, direct.classes[i].stats.cv_mape);
  }
  const FittedModel& conv = fit.platform.classes.at(OpClass::kConv).fitted.at(0);
  EXPECT_NE(conv.source.find(provenance), std::string::npos) << conv.source;
  // Without a name, the base's.
  EXPECT_EQ(FitMeasurementFiles({csv}, base).platform.name, "jetson-nano");
  EXPECT_EQ(testing::ErrorOf([&] { FitMeasurementFiles({"/nonexistent.csv"}, base); }),
            "/nonexistent.csv: cannot open: no such file or not readable");
}

// The research rows as another precision, in a file of their own.
std::string ResearchRowsAt(const std::string& precision, std::size_t max_rows = 0) {
  std::ifstream in(std::string(ODONATA_SOURCE_DIR) + "/tests/data/fit/research_conv.csv");
  std::string out, line;
  std::size_t rows = 0;
  while (std::getline(in, line)) {
    const bool data = !line.empty() && line[0] != '#' && !line.starts_with("op,");
    if (data && max_rows > 0 && rows == max_rows) break;
    if (data) {
      ++rows;
      const std::size_t at = line.find(",fp16,");
      if (at != std::string::npos) line.replace(at, 6, "," + precision + ",");
    }
    out += line + "\n";
  }
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("odonata_fit_test_" + precision + "_" + std::to_string(max_rows) + ".csv"))
                               .string();
  std::ofstream(path) << out;
  return path;
}

TEST(Fit, FromFilesMakesTheProfileOfAnotherBoard) {
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json");
  ASSERT_EQ(base.default_precision, Precision::kFp16);
  ASSERT_FALSE(base.modes.empty());
  const std::string csv = ResearchRowsAt("fp32");
  FitReport fit = FitMeasurementFiles({csv}, base);
  // Fitted on fp32 rows: defaults to fp32, or the next estimate ignores the fit.
  EXPECT_EQ(fit.platform.default_precision, Precision::kFp32);
  EXPECT_EQ(fit.platform.description, "Fitted by odonata fit from " + csv + " on top of jetson-nano");
  EXPECT_TRUE(fit.platform.modes.empty());
  EXPECT_NE(fit.platform.notes.end()[-2].find("The operating modes of jetson-nano (cpu-1430, cpu-921, gpu-614, iwatake-cpp, maxn, torch2trt)"),
            std::string::npos)
      << fit.platform.notes.end()[-2];
  EXPECT_EQ(fit.platform.price_usd.value, base.price_usd.value);
  EXPECT_EQ(fit.platform.price_usd.source,
            "copied from jetson-nano by odonata fit, not this board's price (" + base.price_usd.source + ")");
  ASSERT_FALSE(fit.warnings.empty());
  EXPECT_EQ(fit.warnings.back(),
            "the profile keeps jetson-nano's price ($99), overhead and idle power: give --price, and edit the file "
            "for the others");

  FitFilesOptions options;
  options.name = "myboard";
  options.description = "My board, Conv only";
  options.price_usd = 45;
  fit = FitMeasurementFiles({csv}, base, options);
  EXPECT_EQ(fit.platform.name, "myboard");
  EXPECT_EQ(fit.platform.description, "My board, Conv only");
  EXPECT_EQ(fit.platform.price_usd.value, 45);
  EXPECT_EQ(fit.platform.price_usd.source, "given to odonata fit --price");
  for (const std::string& w : fit.warnings) EXPECT_EQ(w.find("price"), std::string::npos) << w;
  // What is written reads back.
  EXPECT_EQ(ParsePlatform(PlatformJson(fit.platform, "myboard.json"), "myboard.json").default_precision,
            Precision::kFp32);

  // A hand-written seed of the same board keeps its identity, when asked.
  FitFilesOptions same;
  same.same_board = true;
  fit = FitMeasurementFiles({csv}, base, same);
  EXPECT_EQ(fit.platform.description, base.description);
  EXPECT_EQ(fit.platform.modes.size(), base.modes.size());
  EXPECT_EQ(fit.platform.price_usd.source, base.price_usd.source);
  EXPECT_EQ(fit.platform.default_precision, Precision::kFp32);  // still the fitted precision
  for (const std::string& w : fit.warnings) EXPECT_EQ(w.find("price"), std::string::npos) << w;
}

TEST(Fit, FromFilesOnTooFewRows) {
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json");
  // 3 rows: nothing can be fitted, which is an error (no profile to write).
  const std::string three = ResearchRowsAt("fp16", 3);
  EXPECT_EQ(testing::ErrorOf([&] { FitMeasurementFiles({three}, base); }),
            three + ": no op class has enough rows to fit (at least 4 per class and precision); conv fp16: 3 rows, "
                    "at least 4 are needed; not fitted");
  // 6 rows: fitted, with a warning that 6 rows cannot be trusted.
  const std::string six = ResearchRowsAt("fp16", 6);
  const FitReport fit = FitMeasurementFiles({six}, base);
  EXPECT_EQ(fit.platform.classes.count(OpClass::kConv), 1u);
  ASSERT_FALSE(fit.warnings.empty());
  EXPECT_EQ(fit.warnings.front(),
            "conv fp16: fitted on only 6 rows (fewer than 20): its errors rest on too few rows to be trusted; "
            "measure more configurations");
}

// A fitted profile used where it was not measured says so, one line each.
TEST(Fit, EstimateWarnsWhereTheFitDoesNotReach) {
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json");
  const Platform fitted = FitMeasurementFiles({ResearchRowsAt("fp16")}, base).platform;  // 32x32, 3x3 convs
  const Network resnet = LoadOnnx(std::string(ODONATA_SOURCE_DIR) + "/models/resnet18.onnx");

  EstimateOptions fp32;
  fp32.precision = Precision::kFp32;
  const Report other = EstimateNetwork(resnet, fitted, fp32);
  int convs = 0;
  for (const ReportRow& row : other.rows) convs += row.layer.op_class == OpClass::kConv ? 1 : 0;
  ASSERT_GT(convs, 0);
  ASSERT_FALSE(other.warnings.empty());
  EXPECT_EQ(other.warnings.back(), "the profile's fits do not cover fp32, the fallback estimated these layers: conv x" +
                                       std::to_string(convs) + " (fitted for fp16, ran roofline)");

  const Report own = EstimateNetwork(resnet, fitted);  // fp16: the fit's precision
  double extrapolated = 0, layers = 0;
  int flagged = 0;
  for (const ReportRow& row : own.rows) {
    layers += row.ms;
    if (row.estimate.extrapolated) {
      extrapolated += row.ms;
      ++flagged;
    }
  }
  ASSERT_GT(extrapolated, kExtrapolatedWarnFraction * layers);
  ASSERT_FALSE(own.warnings.empty());
  EXPECT_EQ(own.warnings.back(),
            std::to_string(static_cast<int>(std::lround(100 * extrapolated / layers))) +
                "% of the layer time comes from " + std::to_string(flagged) + " of " +
                std::to_string(own.rows.size()) +
                " layers outside the sizes the fit was measured on (flag extrapolated): measure configurations like "
                "them (odonata sweep --around)");
  for (const std::string& w : own.warnings) EXPECT_EQ(w.find("do not cover"), std::string::npos) << w;

  // The shipped profiles (no fits) get neither warning.
  for (const std::string& w : EstimateNetwork(resnet, base).warnings) {
    EXPECT_EQ(w.find("fit"), std::string::npos) << w;
  }
}

}  // namespace
}  // namespace odonata

namespace odonata {
namespace {

// Chains as tools/ort/dispatch.js writes them (the columns FitDispatch reads,
// among others), from known per-call and per-node costs with +/-2% noise.
std::string ChainsCsv(const std::vector<std::tuple<std::string, double, double>>& ops, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> noise(0.98, 1.02);
  std::string csv = "# a comment line as dispatch.js writes\nkind,op,nodes,model,executed_nodes,run_ms,runs\n";
  for (const auto& [op, a, b] : ops) {
    for (int n : {1, 50, 200, 400}) {
      csv += "chain," + op + "," + std::to_string(n) + ",m.onnx," + std::to_string(n) + "," +
             std::to_string((a + b * n) * noise(rng)) + ",100\n";
    }
  }
  csv += "network,resnet,1,r.onnx,120,45.0,20\n";  // not a chain: ignored
  return csv;
}

TEST(Fit, DispatchRecoversPerCallAndPerNodeCostsFromChains) {
  // us: Relu 9.2 + 0.27 n, Add 11.8 + 0.31 n, Softmax 10.6 + 0.31 n (the 2026-12-03 measurements' lines).
  const std::string csv = ChainsCsv({{"Relu", 0.0092, 0.00027}, {"Add", 0.0118, 0.00031}, {"Softmax", 0.0106, 0.00031}}, 7);
  const DispatchFit d = FitDispatch(csv, "chains.csv");
  ASSERT_EQ(d.ops.size(), 3u);
  EXPECT_EQ(d.ops[0].op, "Add");  // by name
  EXPECT_EQ(d.ops[0].chains, 4);
  EXPECT_EQ(d.ops[0].min_nodes, 1);
  EXPECT_EQ(d.ops[0].max_nodes, 400);
  EXPECT_NEAR(d.ops[1].per_node_ms, 0.00027, 0.00027 * 0.03);  // Relu
  EXPECT_NEAR(d.ops[2].per_node_ms, 0.00031, 0.00031 * 0.03);  // Softmax
  // Medians over the ops: 0.31 us per node, 10.6 us per call (intercepts are noisier: 2% of 0.12 ms at 400 nodes).
  EXPECT_NEAR(d.per_node_ms, 0.00031, 0.00031 * 0.03);
  EXPECT_NEAR(d.per_call_ms, 0.0106, 0.0025);
  // Deterministic: the same text gives the same numbers.
  const DispatchFit again = FitDispatch(csv, "chains.csv");
  EXPECT_EQ(again.per_node_ms, d.per_node_ms);
  EXPECT_EQ(again.per_call_ms, d.per_call_ms);
  EXPECT_NE(d.Describe().find("Relu 0.27"), std::string::npos) << d.Describe();
  // One slow timing (Softmax at 400 nodes twice its time, as a busy second of a
  // shared machine gives) hardly moves the repeated-median lines nor the medians.
  std::string slow = csv;
  const std::size_t at = slow.find("chain,Softmax,400,m.onnx,400,");
  ASSERT_NE(at, std::string::npos);
  const std::size_t start = at + std::string("chain,Softmax,400,m.onnx,400,").size();
  const std::size_t end = slow.find(',', start);
  slow.replace(start, end - start, std::to_string(2 * std::stod(slow.substr(start, end - start))));
  const DispatchFit s = FitDispatch(slow, "chains.csv");
  EXPECT_NEAR(s.per_node_ms, 0.00031, 0.00031 * 0.05);
  // Least squares would give Softmax 0.57 us/node (+84%), Theil-Sen 0.48 (+55%).
  EXPECT_NEAR(s.ops[2].per_node_ms, 0.00031, 0.00031 * 0.05);
}

TEST(Fit, DispatchErrorsNameTheFileAndTheProblem) {
  using testing::ErrorOf;
  EXPECT_EQ(ErrorOf([] { FitDispatch("kind,op,run_ms\nchain,Relu,0.1\n", "c.csv"); }),
            "c.csv:1: no column 'executed_nodes' (expected tools/ort/dispatch.js --chains output: kind, op, "
            "executed_nodes, run_ms)");
  EXPECT_EQ(ErrorOf([] { FitDispatch("kind,op,executed_nodes,run_ms\nnetwork,x,5,0.1\n", "c.csv"); }),
            "c.csv: no rows of kind 'chain'");
  EXPECT_EQ(ErrorOf([] { FitDispatch("kind,op,executed_nodes,run_ms\nchain,Relu,5,0.1\nchain,Relu,5,0.2\n", "c.csv"); }),
            "c.csv: op Relu: its chains do not span two node counts (a line needs two)");
  EXPECT_EQ(ErrorOf([] { FitDispatch("kind,op,executed_nodes,run_ms\nchain,Relu,5,fast\n", "c.csv"); }),
            "c.csv:2: column run_ms: expected a number >= 0, got 'fast'");
  EXPECT_EQ(ErrorOf([] { FitDispatch("", "c.csv"); }),
            "c.csv: empty file (expected tools/ort/dispatch.js --chains output)");
}

// odonata fit --dispatch: the profile's overhead_ms and dispatch_ms come from the chains, with their source.
TEST(Fit, FromFilesMeasuresOverheadAndDispatchFromChains) {
  const std::string csv = std::string(ODONATA_SOURCE_DIR) + "/tests/data/fit/research_conv.csv";
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json");
  const std::string chains = (std::filesystem::temp_directory_path() / "odonata_fit_test_chains.csv").string();
  std::ofstream(chains) << ChainsCsv({{"Relu", 0.0092, 0.00027}, {"Add", 0.0118, 0.00031}, {"Softmax", 0.0106, 0.00031}}, 7);
  FitFilesOptions options;
  options.dispatch_file = chains;
  const FitReport fit = FitMeasurementFiles({csv}, base, options);
  ASSERT_TRUE(fit.dispatch.has_value());
  ASSERT_TRUE(fit.platform.dispatch_ms.has_value());
  EXPECT_EQ(fit.platform.dispatch_ms->value, fit.dispatch->per_node_ms);
  EXPECT_EQ(fit.platform.overhead_ms.value, fit.dispatch->per_call_ms);
  EXPECT_EQ(fit.platform.dispatch_ms->source.rfind("measured: " + chains, 0), 0u) << fit.platform.dispatch_ms->source;
  EXPECT_FALSE(FitMeasurementFiles({csv}, base).platform.dispatch_ms.has_value());
}

}  // namespace
}  // namespace odonata
