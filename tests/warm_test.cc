// Cache state (issue 12; docs/host-cost-model.md "Cache state"): the warm
// model's fit from rows timed cold and warm, the cache capacity from a probe,
// their profile fields, and the estimator's choice between warm and cold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/fit.h"
#include "odonata/fusion.h"
#include "odonata/measurements.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "test_util.h"

namespace odonata {
namespace {

using odonata::testing::ConvConfig;
using odonata::testing::ErrorOf;
using odonata::testing::Model;

// Uniform in [0, 1), the same on every standard library.
class Uniform {
 public:
  explicit Uniform(std::uint64_t seed) : rng_(seed) {}
  double operator()() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 rng_;
};

// The law of the synthetic rows: ln(warm / cold) = c0 + cb ln B + cm ln t,
// below 0 over the rows drawn (B in [1e4, 8e6] bytes, t in [2 us, 2 ms]).
constexpr double kC0 = -2.6, kCb = 0.15, kCm = 0.1;

struct Rows {
  std::vector<double> bytes, cold, warm;
};

Rows Synthetic(int n, double noise, std::uint64_t seed) {
  Uniform u(seed);
  Rows r;
  for (int i = 0; i < n; ++i) {
    const double b = std::exp(std::log(1e4) + u() * (std::log(8e6) - std::log(1e4)));
    const double t = std::exp(std::log(0.002) + u() * (std::log(2.0) - std::log(0.002)));
    const double truth = std::exp(kC0 + kCb * std::log(b) + kCm * std::log(t));
    r.bytes.push_back(b);
    r.cold.push_back(t);
    r.warm.push_back(t * truth * (1.0 + noise * (2.0 * u() - 1.0)));
  }
  return r;
}

TEST(WarmFit, RecoversTheFactorFromNoisyRows) {
  const Rows r = Synthetic(200, 0.03, 5);
  const WarmModel w = FitWarmModel(r.bytes, r.cold, r.warm, Precision::kFp32, 5, "synthetic.csv");
  EXPECT_NEAR(w.c_bytes, kCb, 0.01);
  EXPECT_NEAR(w.c_ms, kCm, 0.01);
  EXPECT_NEAR(w.c0, kC0, 0.15);
  EXPECT_EQ(w.rows, 200);
  EXPECT_EQ(w.folds, 5);
  // Uniform +/-3% noise: a mean absolute error of about 1.5%, held out or not.
  EXPECT_LT(w.mape, 2.0);
  EXPECT_LT(w.cv_mape, 2.0);
  EXPECT_GT(w.cv_mape, 1.0);
  // Cold taken for warm is off by the factor itself (0.16 to 0.87 here).
  EXPECT_GT(w.cold_mape, 100.0);
  EXPECT_EQ(w.source, "synthetic.csv");
  EXPECT_DOUBLE_EQ(w.bytes_range.first, *std::min_element(r.bytes.begin(), r.bytes.end()));
  EXPECT_DOUBLE_EQ(w.ms_range.second, *std::max_element(r.cold.begin(), r.cold.end()));
  // The factor of a row inside the ranges is the law's, within the noise.
  const double b = 1e5, t = 0.05;
  EXPECT_NEAR(w.Factor(b, t), std::exp(kC0 + kCb * std::log(b) + kCm * std::log(t)), 0.01);
  // Deterministic: the same rows give the same model, bit for bit.
  EXPECT_EQ(w, FitWarmModel(r.bytes, r.cold, r.warm, Precision::kFp32, 5, "synthetic.csv"));
}

TEST(WarmFit, FactorIsClampedToTheRangesAndNeverAboveOne) {
  WarmModel w;
  w.c0 = -1.0;
  w.c_bytes = 0.1;
  w.c_ms = 0.0;
  w.bytes_range = {std::exp(1.0), std::exp(5.0)};
  w.ms_range = {0.01, 1.0};
  EXPECT_NEAR(w.Factor(std::exp(3.0), 0.1), std::exp(-0.7), 1e-12);
  // Outside the bytes fitted: the edge's factor, not an extrapolation.
  EXPECT_NEAR(w.Factor(1.0, 0.1), std::exp(-0.9), 1e-12);
  EXPECT_NEAR(w.Factor(std::exp(20.0), 0.1), std::exp(-0.5), 1e-12);
  w.c0 = 1.0;  // a law above 1: clamped
  EXPECT_EQ(w.Factor(std::exp(3.0), 0.1), 1.0);
}

TEST(WarmFit, TooFewRowsIsAnError) {
  EXPECT_NE(ErrorOf([] { FitWarmModel({1e4, 2e4, 3e4}, {1, 1, 1}, {0.5, 0.5, 0.5}, Precision::kFp32, 5, "s"); })
                .find("3 rows with warm_ms, at least 4"),
            std::string::npos);
}

// The kernel-area term (issue 12, helper mobile): rows whose warm saving also follows the window's
// area, ln(warm / cold) = c0 + cb ln B + cm ln t + ck ln area (run 26's depthwise rows: 3x3 save
// 41% in median, 5x5 21%, 7x7 14%). Areas drawn from {1, 9, 25, 49}.
constexpr double kCk = 0.3;

struct KernelRows {
  Rows rows;
  std::vector<double> area;
};

KernelRows SyntheticKernel(int n, double noise, double ck, std::uint64_t seed) {
  Uniform u(seed);
  KernelRows r;
  const double areas[] = {1, 9, 25, 49};
  for (int i = 0; i < n; ++i) {
    const double b = std::exp(std::log(1e4) + u() * (std::log(8e6) - std::log(1e4)));
    const double t = std::exp(std::log(0.002) + u() * (std::log(2.0) - std::log(0.002)));
    const double a = areas[i % 4];
    // Keep the law below 0 over the draws: c0 lowered by ck ln 49.
    const double truth = std::exp(kC0 - ck * std::log(49.0) + kCb * std::log(b) + kCm * std::log(t) + ck * std::log(a));
    r.rows.bytes.push_back(b);
    r.rows.cold.push_back(t);
    r.rows.warm.push_back(t * truth * (1.0 + noise * (2.0 * u() - 1.0)));
    r.area.push_back(a);
  }
  return r;
}

TEST(WarmFit, KernelAreaTermIsRecoveredAndAdopted) {
  const KernelRows k = SyntheticKernel(200, 0.03, kCk, 7);
  const WarmModel w = FitWarmModel(k.rows.bytes, k.rows.cold, k.rows.warm, k.area, Precision::kFp32, 5, "s.csv");
  EXPECT_NEAR(w.c_kernel, kCk, 0.01);
  EXPECT_NEAR(w.c_bytes, kCb, 0.01);
  EXPECT_NEAR(w.c_ms, kCm, 0.01);
  EXPECT_NEAR(w.c0, kC0 - kCk * std::log(49.0), 0.15);
  EXPECT_EQ(w.kernel_range, (std::pair<double, double>{1, 49}));
  ASSERT_TRUE(w.plain_cv_mape && w.kernel_cv_mape);
  EXPECT_LE(*w.kernel_cv_mape, kKernelTermGain * *w.plain_cv_mape);
  EXPECT_DOUBLE_EQ(w.cv_mape, *w.kernel_cv_mape);  // the adopted form's
  EXPECT_LT(w.cv_mape, 2.0);                        // +/-3% noise
  EXPECT_GT(*w.plain_cv_mape, 10.0);                // without the term: the areas' spread, 0.3 ln 49 = 1.17 in ln
  const double b = 1e5, t = 0.05;
  EXPECT_NEAR(w.Factor(b, t, 25),
              std::exp(kC0 - kCk * std::log(49.0) + kCb * std::log(b) + kCm * std::log(t) + kCk * std::log(25.0)),
              0.01);
  EXPECT_EQ(w, FitWarmModel(k.rows.bytes, k.rows.cold, k.rows.warm, k.area, Precision::kFp32, 5, "s.csv"));
}

TEST(WarmFit, KernelAreaTermNotAdoptedWithoutAKernelLaw) {
  const KernelRows k = SyntheticKernel(200, 0.03, 0.0, 7);
  const WarmModel w = FitWarmModel(k.rows.bytes, k.rows.cold, k.rows.warm, k.area, Precision::kFp32, 5, "s.csv");
  EXPECT_EQ(w.c_kernel, 0.0);
  EXPECT_EQ(w.kernel_range, (std::pair<double, double>{1, 1}));
  ASSERT_TRUE(w.plain_cv_mape && w.kernel_cv_mape);
  EXPECT_GT(*w.kernel_cv_mape, kKernelTermGain * *w.plain_cv_mape);
  // The plain form, exactly as the fit without areas gives it; only the two CVs are added.
  WarmModel plain = FitWarmModel(k.rows.bytes, k.rows.cold, k.rows.warm, Precision::kFp32, 5, "s.csv");
  EXPECT_FALSE(plain.plain_cv_mape || plain.kernel_cv_mape);
  EXPECT_EQ(*w.plain_cv_mape, plain.cv_mape);
  plain.plain_cv_mape = w.plain_cv_mape;
  plain.kernel_cv_mape = w.kernel_cv_mape;
  EXPECT_EQ(w, plain);
  // Rows of one area: no candidate, the plain fit byte for byte.
  const std::vector<double> nine(k.area.size(), 9.0);
  EXPECT_EQ(FitWarmModel(k.rows.bytes, k.rows.cold, k.rows.warm, nine, Precision::kFp32, 5, "s.csv"),
            FitWarmModel(k.rows.bytes, k.rows.cold, k.rows.warm, Precision::kFp32, 5, "s.csv"));
  EXPECT_NE(ErrorOf([&] {
              FitWarmModel(k.rows.bytes, k.rows.cold, k.rows.warm, {1, 9}, Precision::kFp32, 5, "s.csv");
            }).find("rows of different lengths"),
            std::string::npos);
}

TEST(WarmFit, KernelFactorByHand) {
  WarmModel w;  // bytes and ms ranges {1, 1}: their terms are 0 here
  w.c0 = -1.0;
  w.c_kernel = 0.3;
  w.kernel_range = {9, 49};
  EXPECT_NEAR(w.Factor(1, 1, 25), std::exp(-1.0) * std::pow(25.0, 0.3), 1e-12);  // 0.9663
  EXPECT_NEAR(w.Factor(1, 1, 1), std::exp(-1.0) * std::pow(9.0, 0.3), 1e-12);    // clamped to 9: 0.7112
  EXPECT_NEAR(w.Factor(1, 1, 100), 1.0, 1e-12);  // clamped to 49: exp(-1 + 1.1675) > 1, so 1
  EXPECT_NEAR(w.DirectFactor(0, 1, 1, 25), w.Factor(1, 1, 25), 1e-15);
  w.c_kernel = 0;  // no term: the area does not enter
  EXPECT_EQ(w.Factor(1, 1, 25), std::exp(-1.0));
}

Platform Base() {
  Platform p;
  p.name = "test";
  p.precisions[Precision::kFp32] = {{100, "peak"}, {20, "bw"}};
  return p;
}

// Roofline rows (40 GOP/s, 10 GB/s) timed cold; the rows of even index also
// warm at half their time.
std::vector<Measurement> ConvRows(int n, const std::string& warm_text = "") {
  std::vector<Measurement> rows;
  for (int i = 0; i < n; ++i) {
    Measurement m;
    m.config = ConvConfig(8 + (i * 37) % 120, 32, 8 + (i * 13) % 48);
    const Layer l = ToLayer(m.config);
    m.latency_ms = std::max(l.counts.flops / 40e9, l.counts.Bytes(4) / 10e9) * 1e3;
    m.origin = "m.csv:" + std::to_string(i + 2);
    m.extra = {{"model", "x.onnx"}, {"warm_ms", i % 2 == 0 ? std::to_string(m.latency_ms * 0.5) : ""}};
    if (!warm_text.empty() && i == 3) m.extra[1].second = warm_text;
    rows.push_back(m);
  }
  return rows;
}

TEST(WarmFit, PlatformFitReadsTheWarmColumn) {
  const FitReport r = FitPlatform(ConvRows(40), Base(), "synthetic.csv");
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  ASSERT_TRUE(m.warm);
  EXPECT_EQ(m.warm->rows, 20);  // the rows with warm_ms
  // warm_ms written with 6 decimals (std::to_string): exact up to that rounding.
  EXPECT_NEAR(m.warm->Factor(1e5, 0.1), 0.5, 1e-5);
  EXPECT_LT(m.warm->cv_mape, 0.01);
  EXPECT_NEAR(m.warm->cold_mape, 100.0, 0.01);
  EXPECT_EQ(m.warm->source.rfind("synthetic.csv (odonata fit: ln(warm_ms / latency_ms) of 20 rows", 0), 0u)
      << m.warm->source;
  bool reported = false;
  for (const ClassFit& f : r.classes) reported = reported || (f.op_class == OpClass::kConv && f.warm == m.warm);
  EXPECT_TRUE(reported);
  // Without the column: no warm model, as before.
  std::vector<Measurement> cold = ConvRows(40);
  for (Measurement& row : cold) row.extra.pop_back();
  EXPECT_FALSE(FitPlatform(cold, Base(), "synthetic.csv").platform.classes.at(OpClass::kConv).warm);
  // Too few warm rows: a warning, no model.
  const FitReport few = FitPlatform(ConvRows(6), Base(), "synthetic.csv");
  EXPECT_FALSE(few.platform.classes.at(OpClass::kConv).warm);
  bool warned = false;
  for (const std::string& w : few.warnings) warned = warned || w == "conv fp32: 3 rows with warm_ms, at least 4 are needed; no warm model";
  EXPECT_TRUE(warned);
}

TEST(WarmFit, BadWarmValueNamesTheRow) {
  EXPECT_EQ(ErrorOf([] { FitPlatform(ConvRows(40, "fast"), Base(), "s"); }),
            "m.csv:5: warm_ms: 'fast' is not a positive number of milliseconds");
  EXPECT_EQ(ErrorOf([] { FitPlatform(ConvRows(40, "-1"), Base(), "s"); }),
            "m.csv:5: warm_ms: '-1' is not a positive number of milliseconds");
}

TEST(WarmFit, MeasurementCsvKeepsTheWarmColumn) {
  const std::vector<Measurement> rows = ParseMeasurements(
      "op,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,precision,latency_ms,warm_ms\n"
      "Conv,8,8,8,8,3,3,1,1,fp32,0.02,0.011\n"
      "Conv,8,8,8,8,1,1,1,1,fp32,0.01,\n",
      "p.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(WarmMs(rows[0]), 0.011);
  EXPECT_EQ(WarmMs(rows[1]), std::nullopt);
}

// Probe rows: Gemm 1024 -> out_c, cold / warm = `ratio(i)`.
std::vector<Measurement> Probe(const std::vector<double>& ratios) {
  std::vector<Measurement> rows;
  for (std::size_t i = 0; i < ratios.size(); ++i) {
    Measurement m;
    m.config.op = "Gemm";
    m.config.in_c = 1024;
    m.config.out_c = static_cast<std::int64_t>(512 * (i + 1));
    m.latency_ms = 1.0 + static_cast<double>(i);
    m.origin = "probe.csv:" + std::to_string(i + 2);
    m.extra = {{"warm_ms", std::to_string(m.latency_ms / ratios[i])}};
    rows.push_back(m);
  }
  return rows;
}

std::int64_t GemmWeights(std::int64_t out_c) { return 4 * (1024 * out_c + out_c); }  // weights and bias

TEST(CacheCapacity, BetweenTheLastWarmRowAndTheFirstColdOne) {
  // 2.0x faster warm up to the 4th row (2048 outputs), then 1.02x.
  const CacheProbeFit p = FitCacheCapacity(Probe({2.0, 2.1, 1.9, 2.0, 1.02, 1.01, 1.0}), "measured: probe.csv");
  EXPECT_NEAR(p.threshold, 1.5, 1e-9);
  EXPECT_FALSE(p.at_least);
  const double expected = std::sqrt(static_cast<double>(GemmWeights(2048)) * static_cast<double>(GemmWeights(2560)));
  EXPECT_EQ(p.capacity.capacity_bytes, std::llround(expected));
  EXPECT_EQ(p.capacity.source.rfind("measured: probe.csv (odonata fit --cache-probe: 7 rows", 0), 0u)
      << p.capacity.source;
  ASSERT_EQ(p.rows.size(), 7u);
  EXPECT_EQ(p.rows[0].weight_bytes, GemmWeights(512));
  // One noisy row below the threshold is not the crossing; two in a row are.
  const CacheProbeFit noisy = FitCacheCapacity(Probe({2.0, 1.4, 1.9, 2.0, 1.02, 1.01}), "m");
  EXPECT_EQ(noisy.capacity.capacity_bytes, std::llround(expected));
}

TEST(CacheCapacity, EveryRowWarmOrNoneFaster) {
  const CacheProbeFit all = FitCacheCapacity(Probe({2.0, 2.0, 1.9}), "m");
  EXPECT_TRUE(all.at_least);
  EXPECT_EQ(all.capacity.capacity_bytes, GemmWeights(1536));
  const CacheProbeFit none = FitCacheCapacity(Probe({1.05, 1.0, 1.0}), "m");
  EXPECT_EQ(none.capacity.capacity_bytes, 0);
  EXPECT_NE(none.capacity.source.find("no warm state"), std::string::npos);
}

TEST(CacheCapacity, Errors) {
  EXPECT_EQ(ErrorOf([] { FitCacheCapacity(Probe({2.0, 2.0}), "m"); }),
            "fit: --cache-probe: 2 rows, at least 3 are needed");
  std::vector<Measurement> rows = Probe({2.0, 2.0, 2.0});
  rows[1].extra.clear();
  EXPECT_EQ(ErrorOf([&] { FitCacheCapacity(rows, "m"); }),
            "probe.csv:3: a cache probe row needs warm_ms (tools/ort/run.js --warm-max-mb)");
}

// A profile whose conv class is a roofline with a warm factor of one half.
Platform WarmPlatform(std::int64_t capacity) {
  Platform p = Base();
  p.name = "warmtest";
  p.description = "a test profile with a warm conv class";
  p.overhead_ms = {0.01, "o"};
  p.idle_power_w = {1, "i"};
  p.typical_power_w = {2, "t"};
  p.price_usd = {1, "p"};
  ClassModel conv;
  conv.compute_efficiency = {0.5, "c"};
  conv.memory_efficiency = {0.5, "m"};
  WarmModel w;
  w.c0 = std::log(0.5);
  w.bytes_range = {1, 1e9};
  w.ms_range = {1e-6, 1e3};
  w.rows = 10;
  w.source = "synthetic";
  conv.warm = w;
  p.classes[OpClass::kConv] = conv;
  if (capacity >= 0) p.cache = CacheCapacity{capacity, "probe"};
  return p;
}

// A 3x3 conv 16 -> 64 (9,216 weights, 36,864 bytes) and a Relu, which fusion keeps apart
// without rules.
Network ConvNet() {
  return ParseOnnxText(Model("(float[1,16,32,32] x) => (float[1,64,32,32] y)",
                             "c = Conv<pads=[1,1,1,1]>(x, w)\n y = Relu(c)", "<float[64,16,3,3] w = {0.0}>"));
}

TEST(CacheEstimate, WarmBelowTheCapacityColdAbove) {
  const Network net = ConvNet();
  const double weights = 64 * 16 * 9 * 4;
  Platform cold_only = WarmPlatform(-1);
  cold_only.classes[OpClass::kConv].warm.reset();
  const Report base = EstimateNetwork(net, cold_only);
  EXPECT_FALSE(base.cache);
  const double conv_cold = base.rows[0].ms, relu = base.rows[1].ms;

  const Report warm = EstimateNetwork(net, WarmPlatform(static_cast<std::int64_t>(weights)));
  ASSERT_TRUE(warm.cache);
  EXPECT_TRUE(warm.cache->warm);
  EXPECT_FALSE(warm.cache->forced);
  EXPECT_EQ(warm.cache->weight_bytes, static_cast<std::int64_t>(weights));
  EXPECT_DOUBLE_EQ(warm.rows[0].ms, 0.5 * conv_cold);
  EXPECT_DOUBLE_EQ(warm.rows[1].ms, relu);  // no warm model: as cold
  EXPECT_DOUBLE_EQ(warm.total_ms, 0.01 + 0.5 * conv_cold + relu);

  const Report cold = EstimateNetwork(net, WarmPlatform(static_cast<std::int64_t>(weights) - 1));
  ASSERT_TRUE(cold.cache);
  EXPECT_FALSE(cold.cache->warm);
  EXPECT_DOUBLE_EQ(cold.total_ms, base.total_ms);
  // Warm models without a capacity: auto is cold.
  const Report unknown = EstimateNetwork(net, WarmPlatform(-1));
  EXPECT_FALSE(unknown.cache->warm);
  EXPECT_EQ(unknown.cache->capacity_bytes, -1);

  // The loop API agrees with the report.
  const Platform p = WarmPlatform(1 << 20);
  const FusedNetwork fused = FuseNetwork(net, p.fusion);
  const PlatformPlan plan = PlanPlatform(p);
  EXPECT_DOUBLE_EQ(EstimateTotal(fused, plan).total_ms, warm.total_ms);
}

TEST(CacheEstimate, OverrideAndErrors) {
  const Network net = ConvNet();
  EstimateOptions o;
  o.cache = CacheMode::kCold;
  const Report forced_cold = EstimateNetwork(net, WarmPlatform(1 << 20), o);
  EXPECT_FALSE(forced_cold.cache->warm);
  EXPECT_TRUE(forced_cold.cache->forced);
  o.cache = CacheMode::kWarm;
  const Report forced_warm = EstimateNetwork(net, WarmPlatform(0), o);
  EXPECT_TRUE(forced_warm.cache->warm);
  EXPECT_DOUBLE_EQ(forced_warm.rows[0].ms, 0.5 * forced_cold.rows[0].ms);
  Platform none = WarmPlatform(1 << 20);
  none.classes[OpClass::kConv].warm.reset();
  EXPECT_NE(ErrorOf([&] { EstimateNetwork(net, none, o); }).find("--cache warm: platform 'warmtest' has no warm class models"),
            std::string::npos);
  CacheMode m = CacheMode::kAuto;
  EXPECT_TRUE(ParseCacheMode("cold", &m));
  EXPECT_EQ(m, CacheMode::kCold);
  EXPECT_FALSE(ParseCacheMode("hot", &m));
}

TEST(CacheEstimate, ReportsSayWhichState) {
  const Report r = EstimateNetwork(ConvNet(), WarmPlatform(1 << 20));
  std::ostringstream text, json, csv;
  Render(r, Format::kTable, text);
  Render(r, Format::kJson, json);
  Render(r, Format::kCsv, csv);
  EXPECT_NE(text.str().find("cache      warm (weights 36.0 KiB <= cache capacity 1.0 MiB; --cache cold to override)"),
            std::string::npos)
      << text.str();
  EXPECT_NE(json.str().find("\"cache\": {\n    \"state\": \"warm\",\n    \"forced\": false,\n    \"weight_bytes\": 36864,\n"
                            "    \"capacity_bytes\": 1048576\n  }"),
            std::string::npos)
      << json.str();
  const std::string c = csv.str();
  EXPECT_NE(c.find(",quantized_macs_percent,cache\n"), std::string::npos) << c;
  EXPECT_NE(c.find(",warm\n"), std::string::npos) << c;
  // A profile without warm models: no cache line, key or column.
  Platform none = WarmPlatform(1 << 20);
  none.classes[OpClass::kConv].warm.reset();
  std::ostringstream plain;
  Render(EstimateNetwork(ConvNet(), none), Format::kCsv, plain);
  EXPECT_EQ(plain.str().find("cache"), std::string::npos);
}

TEST(CacheProfile, RoundTripsAndRejectsBadFields) {
  Platform p = WarmPlatform(13000000);
  p.classes[OpClass::kConv].warm->c_bytes = 0.125;
  p.classes[OpClass::kConv].warm->cv_mape = 7.5;
  std::ostringstream out;
  WritePlatform(p, out);
  const Platform back = ParsePlatform(out.str(), "w.json");
  EXPECT_EQ(back.classes.at(OpClass::kConv).warm, p.classes.at(OpClass::kConv).warm);
  EXPECT_EQ(back.cache, p.cache);
  std::string bad = out.str();
  bad.replace(bad.find("\"capacity_bytes\": 13000000"), 26, "\"capacity_bytes\": -5");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(bad, "w.json"); }).find("cache.capacity_bytes: must be >= 0, got -5"),
            std::string::npos)
      << ErrorOf([&] { ParsePlatform(bad, "w.json"); });
  std::string no_c0 = out.str();
  no_c0.replace(no_c0.find("\"c0\""), 4, "\"cc\"");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(no_c0, "w.json"); }).find("classes.conv.warm"), std::string::npos)
      << ErrorOf([&] { ParsePlatform(no_c0, "w.json"); });
}


TEST(CacheProfile, KernelTermRoundTripsAndOldProfilesWriteNone) {
  Platform p = WarmPlatform(13000000);
  std::ostringstream plain_out;
  WritePlatform(p, plain_out);
  EXPECT_EQ(plain_out.str().find("kernel"), std::string::npos);  // a profile without the term: as before
  WarmModel& w = *p.classes[OpClass::kConv].warm;
  w.c_kernel = 0.25;
  w.kernel_range = {9, 49};
  w.plain_cv_mape = 25.0;
  w.kernel_cv_mape = 19.5;
  std::ostringstream out;
  WritePlatform(p, out);
  const Platform back = ParsePlatform(out.str(), "w.json");
  EXPECT_EQ(back.classes.at(OpClass::kConv).warm, p.classes.at(OpClass::kConv).warm);
  std::string bad = out.str();  // c_kernel without its kernel_range (the next key, "mape", follows it)
  const std::size_t from = bad.find("\"kernel_range\"");
  ASSERT_NE(from, std::string::npos);
  bad.erase(from, bad.find("],", from) + 2 - from);
  EXPECT_NE(ErrorOf([&] { ParsePlatform(bad, "w.json"); }).find("c_kernel and kernel_range go together"),
            std::string::npos)
      << ErrorOf([&] { ParsePlatform(bad, "w.json"); });
}

// The estimate takes the layer's window: a 3x3 conv warm at exp(ln 0.5 + 0.2 ln 9) of its cold time.
TEST(CacheEstimate, WarmFactorTakesTheKernelArea) {
  const Network net = ConvNet();
  Platform p = WarmPlatform(1 << 20);
  const Report plain = EstimateNetwork(net, p);
  WarmModel& w = *p.classes[OpClass::kConv].warm;
  w.c_kernel = 0.2;
  w.kernel_range = {1, 49};
  const Report with_kernel = EstimateNetwork(net, p);
  ASSERT_TRUE(with_kernel.cache && with_kernel.cache->warm);
  EXPECT_NEAR(with_kernel.rows[0].ms, plain.rows[0].ms * std::pow(9.0, 0.2), 1e-12);
  EXPECT_DOUBLE_EQ(with_kernel.rows[1].ms, plain.rows[1].ms);  // the Relu has no warm model
}

// The direct warm form (WarmModel::direct; issue 12, helper silero): warm rows that follow a law
// of their own, their cold times dominated by a flush cost that has nothing to do with their size
// (conv1d's rows in run 20: cold 17-55 us, warm 1-19 us). Warm = 1 us + 0.2 ns x in_c x out_c,
// in the class's step/linear form; cold = 40-60 us drawn at random.
constexpr double kWarmBase = 0.001, kWarmPerCc = 2e-7;
double WarmLaw(std::int64_t in_c, std::int64_t out_c) {
  return kWarmBase + kWarmPerCc * static_cast<double>(in_c * out_c);
}

std::vector<Measurement> FlushDominatedRows(int n) {
  Uniform u(11);
  std::vector<Measurement> rows;
  for (int i = 0; i < n; ++i) {
    Measurement m;
    m.config = ConvConfig(8 + (i * 37) % 120, 8 + (i * 53) % 200, 16);
    m.latency_ms = 0.04 + 0.02 * u();
    m.origin = "m.csv:" + std::to_string(i + 2);
    char warm[32];
    std::snprintf(warm, sizeof warm, "%.9f", WarmLaw(m.config.in_c, m.config.out_c));
    m.extra = {{"model", "x.onnx"}, {"warm_ms", warm}};
    rows.push_back(m);
  }
  return rows;
}

// A 3x3 conv 48 -> 80 over 16x16 (no padding), as the rows' layers: not one of the rows' sizes.
Network Conv48To80() {
  return ParseOnnxText(Model("(float[1,48,16,16] x) => (float[1,80,14,14] y)", "y = Conv(x, w)",
                             "<float[80,48,3,3] w = {0.0}>"));
}

TEST(WarmDirect, RecoversAWarmLawTheFactorCannotFollow) {
  const FitReport r = FitPlatform(FlushDominatedRows(40), Base(), "synthetic.csv");
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  ASSERT_TRUE(m.warm);
  ASSERT_TRUE(m.warm->direct_cv_mape);
  EXPECT_LT(*m.warm->direct_cv_mape, 0.1);  // the law is in the step/linear form: exact up to rounding
  EXPECT_GT(m.warm->cv_mape, 10.0);         // the factor on a random cold time cannot follow it
  ASSERT_TRUE(m.warm->direct);
  EXPECT_EQ(m.warm->direct->precision, Precision::kFp32);
  EXPECT_EQ(m.warm->direct->rows, 40);
  EXPECT_NEAR(m.warm->direct->cv_mape, *m.warm->direct_cv_mape, 1e-12);
  EXPECT_EQ(m.warm->direct->source.rfind("synthetic.csv (odonata fit: step/linear of warm_ms over 40 rows)", 0), 0u)
      << m.warm->direct->source;

  // Estimated warm (h = 1), the layer takes the law's time; cold, the cold model's, as before.
  EstimateOptions o;
  o.cache = CacheMode::kWarm;
  const Report warm = EstimateNetwork(Conv48To80(), r.platform, o);
  EXPECT_NEAR(warm.rows[0].ms, WarmLaw(48, 80), 1e-3 * WarmLaw(48, 80));
  o.cache = CacheMode::kCold;
  const double cold = EstimateNetwork(Conv48To80(), r.platform, o).rows[0].ms;
  EXPECT_GT(cold, 0.03);

  // The same profile without the direct form: the factor form, cold x Factor, as before.
  Platform factor_only = r.platform;
  factor_only.classes[OpClass::kConv].warm->direct.reset();
  o.cache = CacheMode::kWarm;
  const Report old = EstimateNetwork(Conv48To80(), factor_only, o);
  const double bytes = (48.0 * 16 * 16 + 80.0 * 14 * 14 + 80.0 * 48 * 9) * 4;
  EXPECT_DOUBLE_EQ(old.rows[0].ms, cold * m.warm->Factor(bytes, cold));
  EXPECT_GT(std::abs(old.rows[0].ms / WarmLaw(48, 80) - 1.0), 0.05);

  // The report says which form was written.
  std::ostringstream text;
  RenderFitReport(r, Format::kTable, text);
  EXPECT_NE(text.str().find("direct (step/linear of warm_ms): CV "), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("below the factor's: written"), std::string::npos);
}

TEST(WarmDirect, NotWrittenWhenTheFactorIsBetter) {
  // Warm exactly half of cold (ConvRows): the factor form is exact, the direct one is not written
  // and the class estimates as with the factor alone.
  const FitReport r = FitPlatform(ConvRows(40), Base(), "synthetic.csv");
  const ClassModel& m = r.platform.classes.at(OpClass::kConv);
  ASSERT_TRUE(m.warm);
  ASSERT_TRUE(m.warm->direct_cv_mape);
  EXPECT_GE(*m.warm->direct_cv_mape, m.warm->cv_mape);
  EXPECT_FALSE(m.warm->direct);
}

TEST(WarmDirect, ProfileRoundTripAndOldProfiles) {
  const FitReport r = FitPlatform(FlushDominatedRows(40), Base(), "synthetic.csv");
  Platform p = WarmPlatform(-1);  // a complete profile, with the fitted warm model
  p.classes[OpClass::kConv].warm = r.platform.classes.at(OpClass::kConv).warm;
  ASSERT_TRUE(p.classes[OpClass::kConv].warm->direct);
  std::ostringstream out;
  WritePlatform(p, out);
  const Platform back = ParsePlatform(out.str(), "w.json");
  EXPECT_EQ(back.classes.at(OpClass::kConv).warm, p.classes.at(OpClass::kConv).warm);
  // A profile written before the direct form (no direct, no direct_cv_mape) writes neither field.
  Platform old = p;
  old.classes[OpClass::kConv].warm->direct.reset();
  old.classes[OpClass::kConv].warm->direct_cv_mape.reset();
  std::ostringstream old_out;
  WritePlatform(old, old_out);
  EXPECT_EQ(old_out.str().find("direct"), std::string::npos);
  // A direct form of another precision than its warm model's is refused.
  std::string bad = out.str();
  const std::size_t at = bad.find("\"precision\": \"fp32\"", bad.find("\"direct\""));
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, 19, "\"precision\": \"int8\"");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(bad, "w.json"); }).find("must be the warm model's precision (fp32)"),
            std::string::npos)
      << ErrorOf([&] { ParsePlatform(bad, "w.json"); });
}

// The partial cache state (CacheShare, `odonata fit --cache-chains`).

// h = 1 / (1 + (w / half)^slope) of the synthetic networks below.
constexpr double kHalf = 3e5, kSlope = 0.4;
double TrueShare(double w) { return 1.0 / (1.0 + std::pow(w / kHalf, kSlope)); }

// n networks of 2e4 to 5e7 bytes of weights, the estimate saving g in [0.1, 0.45]
// warm; measured warm = cold x (1 - h g) x (1 + noise x U(-1, 1)).
std::vector<CacheChainRow> ShareRows(int n, double noise, std::uint64_t seed) {
  Uniform u(seed);
  std::vector<CacheChainRow> rows;
  for (int i = 0; i < n; ++i) {
    CacheChainRow r;
    r.model = "net" + std::to_string(i) + ".onnx";
    r.weight_bytes = std::llround(std::exp(std::log(2e4) + u() * (std::log(5e7) - std::log(2e4))));
    r.cold_est_ms = 1.0 + 4.0 * u();
    const double g = 0.1 + 0.35 * u();
    r.warm_est_ms = r.cold_est_ms * (1.0 - g);
    r.cold_ms = r.cold_est_ms * (0.8 + 0.4 * u());  // the estimate's own error does not matter
    r.warm_ms = r.cold_ms * (1.0 - TrueShare(static_cast<double>(r.weight_bytes)) * g) * (1.0 + noise * (2.0 * u() - 1.0));
    rows.push_back(r);
  }
  return rows;
}

TEST(CacheShare, TheShareFunction) {
  CacheShare s;
  s.half_bytes = 1e6;
  s.slope = 2.0;
  EXPECT_DOUBLE_EQ(s.Share(1e6), 0.5);
  EXPECT_DOUBLE_EQ(s.Share(2e6), 0.2);   // 1 / (1 + 2^2)
  EXPECT_DOUBLE_EQ(s.Share(5e5), 0.8);   // 1 / (1 + 0.5^2)
  EXPECT_DOUBLE_EQ(s.Share(0), 1.0);
}

TEST(CacheShare, RecoversHalfAndSlopeExactlyWithoutNoise) {
  const CacheShareFit f = FitCacheShare(ShareRows(24, 0.0, 3), "synthetic.csv");
  // The last grid's steps are 1e-4 in ln half_bytes and 6.25e-5 in ln slope.
  EXPECT_NEAR(std::log(f.model.half_bytes), std::log(kHalf), 1e-3);
  EXPECT_NEAR(std::log(f.model.slope), std::log(kSlope), 1e-3);
  EXPECT_LT(f.model.mape, 0.01);
  EXPECT_LT(f.model.cv_mape, 0.01);
  ASSERT_EQ(f.rows.size(), 24u);
  ASSERT_EQ(f.share.size(), 24u);
  for (std::size_t i = 0; i < f.rows.size(); ++i) {
    if (i) EXPECT_LE(f.rows[i - 1].weight_bytes, f.rows[i].weight_bytes);
    EXPECT_NEAR(f.share[i], TrueShare(static_cast<double>(f.rows[i].weight_bytes)), 1e-3);
  }
}

TEST(CacheShare, RecoversHalfAndSlopeFromNoisyNetworks) {
  const std::vector<CacheChainRow> rows = ShareRows(40, 0.005, 11);
  const CacheShareFit f = FitCacheShare(rows, "synthetic.csv");
  // +/-0.5% on warm/cold moves a network's h by about 0.005 / g, up to 0.05.
  EXPECT_NEAR(std::log(f.model.half_bytes), std::log(kHalf), 0.5);
  EXPECT_NEAR(f.model.slope, kSlope, 0.08);
  for (double w : {3e4, 3e5, 3e6, 3e7}) EXPECT_NEAR(f.model.Share(w), TrueShare(w), 0.04) << w;
  // The noise's mean absolute value is 0.25%: the fit is about that, held out or not; the ends are far worse.
  EXPECT_LT(f.model.mape, 0.4);
  EXPECT_LT(f.model.cv_mape, 0.5);
  EXPECT_GT(f.model.cold_mape, 3.0);
  EXPECT_GT(f.model.warm_mape, 3.0);
  EXPECT_EQ(f.model.rows, 40);
  EXPECT_EQ(f.model.source.rfind("synthetic.csv (odonata fit --cache-chains: 40 networks of ", 0), 0u) << f.model.source;
  // Deterministic, whatever the rows' order.
  std::vector<CacheChainRow> reversed(rows.rbegin(), rows.rend());
  EXPECT_EQ(FitCacheShare(reversed, "synthetic.csv").model, f.model);
}

TEST(CacheShare, Errors) {
  EXPECT_EQ(ErrorOf([] { FitCacheShare(ShareRows(3, 0, 1), "s"); }),
            "fit: --cache-chains: 3 networks, at least 4 are needed");
  std::vector<CacheChainRow> rows = ShareRows(6, 0, 1);
  rows[2].warm_est_ms = rows[2].cold_est_ms * 1.5;
  EXPECT_EQ(ErrorOf([&] { FitCacheShare(rows, "s"); }),
            "fit: --cache-chains: net2.onnx: its warm estimate is above its cold one");
  rows = ShareRows(6, 0, 1);
  rows[4].warm_ms = 0;
  EXPECT_EQ(ErrorOf([&] { FitCacheShare(rows, "s"); }),
            "fit: --cache-chains: net4.onnx: weights, estimates and times must be > 0");
}

// The size variable (CacheShare::size, issue 12): chains whose weights and activations are in
// different orders, warm/cold following a known h of one of the three sizes; the fit picks
// that size (the lowest leave-one-out warm MAPE) and recovers its half and slope.
// With `layers`, the rows also have layer footprints (max_layer, mean_layer; run 26) in two more orders.
// With `peak` (run 28, helper smallnet), also the peak of the live activations, in a fourth order.
std::vector<CacheChainRow> SizedRows(ShareSize made_with, double half, double slope, bool layers = false,
                                     bool peak = false) {
  std::vector<CacheChainRow> rows;
  for (int i = 0; i < 24; ++i) {
    CacheChainRow r;
    r.model = "chain" + std::to_string(i) + ".onnx";
    r.weight_bytes = std::llround(2e4 * std::pow(1.45, i));                   // 20 kB .. 100 MB
    r.activation_bytes = std::llround(3e5 * std::pow(1.3, (i * 7) % 24));      // another order
    const double g = 0.1 + 0.3 * ((i * 5) % 24) / 23.0;
    r.cold_ms = 1.0 + 0.1 * (i % 5);
    // The estimate right at the cold end: the level forms then fit as the ratio form does, and the
    // ratio form is kept (a level form must be 10% better).
    r.cold_est_ms = r.cold_ms;
    r.warm_est_ms = r.cold_ms * (1.0 - g);
    if (layers) {
      r.max_layer_bytes = std::llround(1e5 * std::pow(1.35, (i * 11) % 24));
      r.mean_layer_bytes = 4e4 * std::pow(1.4, (i * 13) % 24);
    }
    if (peak) r.peak_bytes = std::llround(2e5 * std::pow(1.33, (i * 17) % 24));
    // x by hand, not CacheShare::SizeOf
    const double x = made_with == ShareSize::kWeights       ? static_cast<double>(r.weight_bytes)
                     : made_with == ShareSize::kActivations ? static_cast<double>(r.activation_bytes)
                     : made_with == ShareSize::kMaxLayer    ? static_cast<double>(r.max_layer_bytes)
                     : made_with == ShareSize::kMeanLayer   ? r.mean_layer_bytes
                     : made_with == ShareSize::kWeightsPeak ? static_cast<double>(r.weight_bytes + r.peak_bytes)
                                                            : static_cast<double>(r.weight_bytes + r.activation_bytes);
    r.warm_ms = r.cold_ms * (1.0 - g / (1.0 + std::pow(x / half, slope)));
    rows.push_back(r);
  }
  return rows;
}

TEST(CacheShare, PicksTheSizeVariableTheChainsFollow) {
  struct Case {
    ShareSize size;
    double half, slope;
  };
  for (const Case& c : {Case{ShareSize::kActivations, 2.0e6, 1.2}, Case{ShareSize::kWeights, 3.0e5, 0.37},
                        Case{ShareSize::kWeightsActivations, 1.8e7, 3.8}}) {
    const CacheShareFit f = FitCacheShare(SizedRows(c.size, c.half, c.slope), "synthetic.csv");
    ASSERT_EQ(f.candidates.size(), 3u);
    ASSERT_TRUE(f.model.size) << ShareSizeName(c.size);
    EXPECT_EQ(*f.model.size, c.size) << ShareSizeName(c.size) << " made, " << ShareSizeName(*f.model.size) << " picked";
    // The last grid's steps are 1e-4 in ln half and 6.25e-5 in ln slope: within 0.1%.
    EXPECT_NEAR(std::log(f.model.half_bytes), std::log(c.half), 1e-3) << ShareSizeName(c.size);
    EXPECT_NEAR(std::log(f.model.slope), std::log(c.slope), 1e-3) << ShareSizeName(c.size);
    EXPECT_LT(f.model.cv_mape, 0.01);
    // The others are worse, each recorded in the profile (kShareSizes order).
    for (std::size_t k = 0; k < 3; ++k) {
      ASSERT_TRUE(f.model.cv_mape_by_size[k]);
      EXPECT_EQ(f.candidates[k].size, kShareSizes[k]);
      EXPECT_EQ(*f.model.cv_mape_by_size[k], f.candidates[k].cv_mape);
      if (kShareSizes[k] != c.size) EXPECT_GT(f.candidates[k].cv_mape, 1.0) << ShareSizeName(kShareSizes[k]);
    }
    EXPECT_NE(f.model.source.find("size " + std::string(ShareSizeName(c.size)) + ", of 6, by the lowest"),
              std::string::npos)
        << f.model.source;
    // The level forms fit the same h (no depthwise estimate: no warm-dw form), and are not 10% better.
    ASSERT_EQ(f.level_candidates.size(), 3u);
    EXPECT_EQ(f.model.criterion, std::optional<std::string>("ratio"));
    EXPECT_TRUE(f.model.warm_classes.empty());
  }
  // Without activations (rows of before), weights alone, as before.
  const CacheShareFit w = FitCacheShare(ShareRows(24, 0.0, 3), "synthetic.csv");
  ASSERT_EQ(w.candidates.size(), 1u);
  EXPECT_EQ(w.model.Size(), ShareSize::kWeights);
}

// The layer footprints (run 26): chains that follow a known h of max_layer or mean_layer. Run 25's
// candidates (weights, activations, both) are far off, so the second step of the declared choice
// takes the footprint (at least 10% lower) and recovers its half and slope; chains that follow the
// weights keep the weights although the footprints are fitted too.
TEST(CacheShare, PicksALayerFootprintTheChainsFollow) {
  struct Case {
    ShareSize size;
    double half, slope;
  };
  for (const Case& c : {Case{ShareSize::kMaxLayer, 4.0e6, 1.5}, Case{ShareSize::kMeanLayer, 6.0e5, 0.9}}) {
    const CacheShareFit f = FitCacheShare(SizedRows(c.size, c.half, c.slope, true), "synthetic.csv");
    ASSERT_EQ(f.candidates.size(), 5u);
    ASSERT_EQ(f.level_candidates.size(), 5u);  // no depthwise estimate: the level form alone
    EXPECT_EQ(f.model.Size(), c.size) << ShareSizeName(c.size) << " made, " << ShareSizeName(f.model.Size()) << " picked";
    EXPECT_NEAR(std::log(f.model.half_bytes), std::log(c.half), 1e-3) << ShareSizeName(c.size);
    EXPECT_NEAR(std::log(f.model.slope), std::log(c.slope), 1e-3) << ShareSizeName(c.size);
    ASSERT_TRUE(f.model.level_cv_mape);
    EXPECT_LT(*f.model.level_cv_mape, 0.01);
    for (std::size_t k = 0; k < 5; ++k) {
      EXPECT_EQ(f.candidates[k].size, kShareSizes[k]);
      ASSERT_TRUE(f.model.cv_mape_by_size[k]);
      if (kShareSizes[k] != c.size) EXPECT_GT(f.candidates[k].level_cv_mape, 1.0) << ShareSizeName(kShareSizes[k]);
    }
    EXPECT_NE(f.model.source.find("size " + std::string(ShareSizeName(c.size)) + ", of 10, by the lowest"),
              std::string::npos)
        << f.model.source;
  }
  const CacheShareFit w = FitCacheShare(SizedRows(ShareSize::kWeights, 3.0e5, 0.37, true), "synthetic.csv");
  ASSERT_EQ(w.candidates.size(), 5u);
  EXPECT_EQ(w.model.Size(), ShareSize::kWeights);
  EXPECT_EQ(w.model.criterion, std::optional<std::string>("ratio"));
  EXPECT_GT(w.candidates[3].cv_mape, 1.0);
  EXPECT_GT(w.candidates[4].cv_mape, 1.0);
}

// weights+peak (run 28, helper smallnet): chains that follow a known h of the weights + the peak of the live
// activations; the second step of the declared choice takes it (the others far off) and recovers its half and
// slope; chains that follow the activations keep the activations although weights+peak is fitted too.
TEST(CacheShare, PicksWeightsPlusPeakWhenTheChainsFollowIt) {
  const CacheShareFit f = FitCacheShare(SizedRows(ShareSize::kWeightsPeak, 8.0e6, 2.5, true, true), "synthetic.csv");
  ASSERT_EQ(f.candidates.size(), 6u);
  ASSERT_EQ(f.level_candidates.size(), 6u);
  EXPECT_EQ(f.candidates[5].size, ShareSize::kWeightsPeak);
  EXPECT_EQ(f.model.Size(), ShareSize::kWeightsPeak) << ShareSizeName(f.model.Size()) << " picked";
  EXPECT_NEAR(std::log(f.model.half_bytes), std::log(8.0e6), 1e-3);
  EXPECT_NEAR(std::log(f.model.slope), std::log(2.5), 1e-3);
  ASSERT_TRUE(f.model.level_cv_mape);
  EXPECT_LT(*f.model.level_cv_mape, 0.01);
  for (std::size_t k = 0; k < 5; ++k) EXPECT_GT(f.candidates[k].level_cv_mape, 1.0) << ShareSizeName(kShareSizes[k]);
  ASSERT_TRUE(f.model.cv_mape_by_size[5]);
  EXPECT_NE(f.model.source.find("size weights+peak, of 12, by the lowest"), std::string::npos) << f.model.source;
  // Deterministic: the same rows, the same model.
  EXPECT_EQ(FitCacheShare(SizedRows(ShareSize::kWeightsPeak, 8.0e6, 2.5, true, true), "synthetic.csv").model, f.model);
  const CacheShareFit a = FitCacheShare(SizedRows(ShareSize::kActivations, 2.0e6, 1.2, true, true), "synthetic.csv");
  ASSERT_EQ(a.candidates.size(), 6u);
  EXPECT_EQ(a.model.Size(), ShareSize::kActivations);
  EXPECT_GT(a.candidates[5].cv_mape, 1.0);
}

// The level forms (run 25): chains whose estimate is high at the cold end by a factor that falls with
// size, their warm time the estimate at a known h: the ratio form, fitted on warm/cold, cannot see
// the level; the level form recovers h exactly and is chosen. With a depthwise estimate that the
// chains follow (the depthwise layers warm whatever h), the warm-dw level form is chosen.
// dw_share >= 0 (run 26): the depthwise layers at that constant share, the others at h.
std::vector<CacheChainRow> LevelRows(bool warm_dw, double dw_share = -1) {
  std::vector<CacheChainRow> rows;
  for (int i = 0; i < 24; ++i) {
    CacheChainRow r;
    r.model = "chain" + std::to_string(i) + ".onnx";
    r.weight_bytes = std::llround(2e4 * std::pow(1.45, i));
    r.activation_bytes = std::llround(3e5 * std::pow(1.3, (i * 7) % 24));
    const double g = 0.2 + 0.3 * ((i * 5) % 24) / 23.0;  // the warm estimate's saving
    r.cold_ms = 1.0 + 0.1 * (i % 5);
    r.cold_est_ms = r.cold_ms * (1.3 - 0.01 * i);  // 30% high for the smallest, 7% for the largest
    r.warm_est_ms = r.cold_est_ms * (1.0 - g);
    r.dw_warm_est_ms = r.cold_est_ms * (1.0 - 0.4 * g);  // the depthwise layers: 40% of the saving
    const double h = 1.0 / (1.0 + std::pow(static_cast<double>(r.activation_bytes) / 2.0e6, 1.2));
    const double start = warm_dw ? r.dw_warm_est_ms : r.cold_est_ms;
    r.warm_ms = start - h * (start - r.warm_est_ms);
    if (dw_share >= 0) {
      r.warm_ms = r.cold_est_ms - h * (r.dw_warm_est_ms - r.warm_est_ms) - dw_share * (r.cold_est_ms - r.dw_warm_est_ms);
    }
    rows.push_back(r);
  }
  return rows;
}

TEST(CacheShare, LevelFormsAreChosenWhenTenPercentBetter) {
  for (const bool warm_dw : {false, true}) {
    const CacheShareFit f = FitCacheShare(LevelRows(warm_dw), "synthetic.csv");
    ASSERT_EQ(f.candidates.size(), 3u);
    // level, level with the depthwise warm, level with the depthwise share; 3 sizes each
    ASSERT_EQ(f.level_candidates.size(), 9u);
    EXPECT_EQ(f.model.criterion, std::optional<std::string>("level")) << warm_dw;
    EXPECT_EQ(f.model.warm_classes, warm_dw ? std::vector<OpClass>{OpClass::kDepthwiseConv} : std::vector<OpClass>{});
    EXPECT_EQ(f.model.Size(), ShareSize::kActivations);
    EXPECT_NEAR(std::log(f.model.half_bytes), std::log(2.0e6), 1e-3) << warm_dw;
    EXPECT_NEAR(std::log(f.model.slope), std::log(1.2), 1e-3) << warm_dw;
    ASSERT_TRUE(f.model.level_cv_mape);
    EXPECT_LT(*f.model.level_cv_mape, 0.01);
    EXPECT_EQ(f.model.cv_mape, *f.model.level_cv_mape);  // a level form's error is the estimate's
    // Every ratio candidate is far from the level (the estimate 7-30% high).
    for (const CacheShareCandidate& c : f.candidates) EXPECT_GT(c.level_cv_mape, 5.0) << ShareSizeName(c.size);
    EXPECT_NE(f.model.source.find("least squares of ln(estimate at h / warm); size activations, of 12"),
              std::string::npos)
        << f.model.source;
    EXPECT_EQ(f.model.source.find("depthwise convolutions warm") != std::string::npos, warm_dw) << f.model.source;
    // Run 26's depthwise share: fitted (1 for the warm rows), not chosen (not 10% lower than run 25's form).
    EXPECT_FALSE(f.model.warm_class_share);
    const CacheShareCandidate& dw = f.level_candidates[6 + 1];  // the share form, activations
    ASSERT_TRUE(dw.dw_share);
    EXPECT_EQ(dw.size, ShareSize::kActivations);
    if (warm_dw) EXPECT_NEAR(*dw.dw_share, 1.0, 1e-3);
  }
  // A level form better, but by less than 10%: the ratio form is kept. Chains whose warm time sits 8%
  // below the ratio form's prediction... made simple: the rows of the ratio form (the estimate right at
  // cold) with every warm time 3% lower: the level form gains at most a little.
  std::vector<CacheChainRow> rows = SizedRows(ShareSize::kWeights, 3.0e5, 0.37);
  for (CacheChainRow& r : rows) r.warm_ms *= 0.97;
  const CacheShareFit kept = FitCacheShare(rows, "synthetic.csv");
  double best_level = 1e9;
  for (const CacheShareCandidate& c : kept.level_candidates) best_level = std::min(best_level, c.level_cv_mape);
  const double ratio_level = kept.candidates[0].level_cv_mape;  // weights, the ratio form chosen
  EXPECT_EQ(kept.model.criterion, std::optional<std::string>("ratio"));
  EXPECT_GT(best_level, 0.9 * ratio_level);
  EXPECT_EQ(*kept.model.level_cv_mape, ratio_level);
  // A depthwise estimate outside [warm, cold] is an error naming the chain.
  std::vector<CacheChainRow> bad = LevelRows(true);
  bad[3].dw_warm_est_ms = bad[3].cold_est_ms * 1.01;
  EXPECT_EQ(ErrorOf([&] { FitCacheShare(bad, "s"); }),
            "fit: --cache-chains: chain3.onnx: its estimate with the depthwise convolutions warm is not between its "
            "warm and cold ones");
}

// The depthwise share (run 26): chains whose depthwise layers keep 60% of their saving whatever h.
// Run 25's forms (the depthwise at 1, or at h) are off by more than 10%; the share form recovers
// h_dw, half and slope, and is chosen.
TEST(CacheShare, DepthwiseShareIsFittedAndChosenWhenTenPercentBetter) {
  const CacheShareFit f = FitCacheShare(LevelRows(false, 0.6), "synthetic.csv");
  ASSERT_EQ(f.level_candidates.size(), 9u);
  EXPECT_EQ(f.model.criterion, std::optional<std::string>("level"));
  EXPECT_EQ(f.model.warm_classes, std::vector<OpClass>{OpClass::kDepthwiseConv});
  ASSERT_TRUE(f.model.warm_class_share);
  // By alternation (MinimizeDwShare): near the point, not on its last grid's step.
  EXPECT_NEAR(*f.model.warm_class_share, 0.6, 2e-3);
  EXPECT_EQ(f.model.Size(), ShareSize::kActivations);
  EXPECT_NEAR(std::log(f.model.half_bytes), std::log(2.0e6), 1e-2);
  EXPECT_NEAR(std::log(f.model.slope), std::log(1.2), 1e-2);
  ASSERT_TRUE(f.model.level_cv_mape);
  EXPECT_LT(*f.model.level_cv_mape, 0.05);
  for (std::size_t k = 0; k < 6; ++k) {  // run 25's level forms
    EXPECT_GT(f.level_candidates[k].level_cv_mape, *f.model.level_cv_mape / 0.9) << k;
  }
  EXPECT_NE(f.model.source.find("depthwise convolutions at their own share"), std::string::npos) << f.model.source;
}

// The int8 convolutions warm (run 27): chains of which every third has int8 convolutions carrying a
// saving of their own (the estimate with them and the depthwise warm below the one with the depthwise
// alone), every chain's warm time the estimate at h from the start with both warm. Run 26's forms price
// the int8 saving at h and are off by more than 10%; the form "level, depthwise and int8 warm" recovers
// h's half and slope and is chosen, and the profile keeps the three classes warm. Without an int8 saving
// in any chain the form is not fitted (it would equal "level, depthwise warm").
std::vector<CacheChainRow> Int8Rows() {
  std::vector<CacheChainRow> rows = LevelRows(true);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CacheChainRow& r = rows[i];
    const double g = 1.0 - r.warm_est_ms / r.cold_est_ms;
    r.dwq_warm_est_ms = i % 3 == 0 ? r.cold_est_ms * (1.0 - 0.9 * g) : r.dw_warm_est_ms;
    const double h = 1.0 / (1.0 + std::pow(static_cast<double>(r.activation_bytes) / 2.0e6, 1.2));
    r.warm_ms = r.dwq_warm_est_ms - h * (r.dwq_warm_est_ms - r.warm_est_ms);
  }
  return rows;
}

TEST(CacheShare, Int8WarmIsFittedAndChosenWhenTenPercentBetter) {
  const CacheShareFit f = FitCacheShare(Int8Rows(), "synthetic.csv");
  ASSERT_EQ(f.candidates.size(), 3u);
  ASSERT_EQ(f.level_candidates.size(), 12u);  // level, depthwise warm, depthwise share, depthwise and int8 warm
  for (std::size_t k = 0; k < 9; ++k) EXPECT_FALSE(f.level_candidates[k].warm_int8) << k;
  for (std::size_t k = 9; k < 12; ++k) {
    EXPECT_TRUE(f.level_candidates[k].warm_int8 && f.level_candidates[k].warm_dw) << k;
    EXPECT_EQ(f.level_candidates[k].size, kShareSizes[k - 9]) << k;
  }
  EXPECT_EQ(f.model.criterion, std::optional<std::string>("level"));
  EXPECT_EQ(f.model.warm_classes,
            (std::vector<OpClass>{OpClass::kDepthwiseConv, OpClass::kConvInt8, OpClass::kDepthwiseConvInt8}));
  EXPECT_FALSE(f.model.warm_class_share);
  EXPECT_EQ(f.model.Size(), ShareSize::kActivations);
  EXPECT_NEAR(std::log(f.model.half_bytes), std::log(2.0e6), 1e-3);
  EXPECT_NEAR(std::log(f.model.slope), std::log(1.2), 1e-3);
  ASSERT_TRUE(f.model.level_cv_mape);
  EXPECT_LT(*f.model.level_cv_mape, 0.01);
  for (std::size_t k = 0; k < 9; ++k) {  // run 26's level forms: the int8 chains' saving at h
    EXPECT_GT(f.level_candidates[k].level_cv_mape, *f.model.level_cv_mape / 0.9) << k;
  }
  EXPECT_NE(f.model.source.find("depthwise and int8 convolutions warm"), std::string::npos) << f.model.source;
  // Same rows in another order: the same model.
  std::vector<CacheChainRow> reversed = Int8Rows();
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(FitCacheShare(reversed, "synthetic.csv").model, f.model);
  // No int8 saving in any chain: the form is not fitted, run 26's choice stands.
  std::vector<CacheChainRow> no_int8 = LevelRows(true);
  for (CacheChainRow& r : no_int8) r.dwq_warm_est_ms = r.dw_warm_est_ms;
  const CacheShareFit n = FitCacheShare(no_int8, "synthetic.csv");
  EXPECT_EQ(n.level_candidates.size(), 9u);
  EXPECT_EQ(n.model.warm_classes, std::vector<OpClass>{OpClass::kDepthwiseConv});
  // An estimate with the int8 warm outside [warm, depthwise warm] is an error naming the chain.
  std::vector<CacheChainRow> bad = Int8Rows();
  bad[4].dwq_warm_est_ms = bad[4].dw_warm_est_ms * 1.01;
  EXPECT_EQ(ErrorOf([&] { FitCacheShare(bad, "s"); }),
            "fit: --cache-chains: chain4.onnx: its estimate with the depthwise and int8 convolutions warm is not "
            "between its warm one and the one with the depthwise warm");
}

TEST(CacheShare, TiesKeepWeights) {
  // Activations equal to the weights: the same fit, the same CV: weights is kept.
  std::vector<CacheChainRow> rows = SizedRows(ShareSize::kWeights, 3.0e5, 0.37);
  for (CacheChainRow& r : rows) r.activation_bytes = r.weight_bytes;
  const CacheShareFit f = FitCacheShare(rows, "synthetic.csv");
  ASSERT_EQ(f.candidates.size(), 3u);
  EXPECT_EQ(f.candidates[0].cv_mape, f.candidates[1].cv_mape);
  EXPECT_EQ(f.model.Size(), ShareSize::kWeights);
}

// WarmPlatform with a partial cache state of half_bytes and slope.
Platform SharePlatform(double half, double slope) {
  Platform p = WarmPlatform(-1);
  CacheCapacity c;
  c.capacity_bytes = -1;
  c.source = "chains";
  c.share = CacheShare{half, slope, 24, 1.5, 2.5, 8.0, 20.0, "chains.csv"};
  p.cache = c;
  return p;
}

TEST(CacheShare, EstimateBlendsColdAndWarm) {
  const Network net = ConvNet();  // 36,864 bytes of weights
  EstimateOptions cold_opt, warm_opt;
  cold_opt.cache = CacheMode::kCold;
  warm_opt.cache = CacheMode::kWarm;
  const Platform p = SharePlatform(2 * 36864.0, 1.0);  // h = 1 / (1 + 1/2) = 2/3
  const Report cold = EstimateNetwork(net, p, cold_opt);
  const Report warm = EstimateNetwork(net, p, warm_opt);
  const double c = cold.rows[0].ms, relu = cold.rows[1].ms;
  // The ends are forced whatever the share: the conv's factor is 1/2.
  EXPECT_DOUBLE_EQ(warm.rows[0].ms, 0.5 * c);
  EXPECT_FALSE(cold.cache->share);
  EXPECT_FALSE(warm.cache->share);
  // The middle: cold - h (cold - warm) = c - (2/3)(c/2) = (2/3) c; the Relu has no warm model.
  const Report mid = EstimateNetwork(net, p);
  ASSERT_TRUE(mid.cache && mid.cache->share);
  EXPECT_NEAR(*mid.cache->share, 2.0 / 3.0, 1e-15);
  EXPECT_TRUE(mid.cache->warm);  // h >= 1/2
  EXPECT_NEAR(mid.rows[0].ms, 2.0 / 3.0 * c, 1e-15);
  EXPECT_DOUBLE_EQ(mid.rows[1].ms, relu);
  EXPECT_NEAR(mid.total_ms, 0.01 + 2.0 / 3.0 * c + relu, 1e-15);
  // h = 1/2 exactly at half_bytes; near 0 for weights far above it.
  EXPECT_NEAR(EstimateNetwork(net, SharePlatform(36864.0, 3.0)).rows[0].ms, 0.75 * c, 1e-15);
  const Report far = EstimateNetwork(net, SharePlatform(36.864, 3.0));  // h = 1 / (1 + 1e9)
  EXPECT_FALSE(far.cache->warm);
  EXPECT_NEAR(far.rows[0].ms, c, 1e-9 * c);
  // The loop API agrees with the report.
  const FusedNetwork fused = FuseNetwork(net, p.fusion);
  EXPECT_DOUBLE_EQ(EstimateTotal(fused, PlanPlatform(p)).total_ms, mid.total_ms);
  EXPECT_DOUBLE_EQ(EstimateTotal(fused, PlanPlatform(p, cold_opt)).total_ms, cold.total_ms);
  // Reports: text, JSON, CSV.
  std::ostringstream text, json, csv;
  Render(mid, Format::kTable, text);
  Render(mid, Format::kJson, json);
  Render(mid, Format::kCsv, csv);
  EXPECT_NE(text.str().find("cache      partial 0.67 (share of the warm saving kept, from weights 36.0 KiB; "
                            "--cache warm|cold to force an end)"),
            std::string::npos)
      << text.str();
  EXPECT_NE(json.str().find("\"cache\": {\n    \"state\": \"partial\",\n    \"forced\": false,\n    \"weight_bytes\": 36864,\n"
                            "    \"capacity_bytes\": null,\n    \"share\": 0.6666666666666"),
            std::string::npos)
      << json.str();
  EXPECT_NE(csv.str().find(",partial 0.67\n"), std::string::npos) << csv.str();
}

// A share with warm classes (run 25): their layers at the warm end whatever h, the others blended;
// forced ends unchanged; the reports name the classes.
TEST(CacheShare, WarmClassesKeepTheWholeSaving) {
  const Network net = ConvNet();
  EstimateOptions cold_opt;
  cold_opt.cache = CacheMode::kCold;
  Platform p = SharePlatform(2 * 36864.0, 1.0);  // h = 2/3
  const double c = EstimateNetwork(net, p, cold_opt).rows[0].ms;
  p.cache->share->warm_classes = {OpClass::kConv};
  p.cache->share->criterion = "level";
  const Report mid = EstimateNetwork(net, p);
  ASSERT_TRUE(mid.cache && mid.cache->share);
  EXPECT_NEAR(*mid.cache->share, 2.0 / 3.0, 1e-15);
  EXPECT_DOUBLE_EQ(mid.rows[0].ms, 0.5 * c);  // the conv's warm factor is 1/2
  const FusedNetwork fused = FuseNetwork(net, p.fusion);
  EXPECT_DOUBLE_EQ(EstimateTotal(fused, PlanPlatform(p)).total_ms, mid.total_ms);
  EXPECT_DOUBLE_EQ(EstimateNetwork(net, p, cold_opt).rows[0].ms, c);  // --cache cold stays cold
  // Another class warm: the conv takes h again.
  p.cache->share->warm_classes = {OpClass::kDepthwiseConv};
  EXPECT_NEAR(EstimateNetwork(net, p).rows[0].ms, 2.0 / 3.0 * c, 1e-15);
  p.cache->share->warm_classes = {OpClass::kConv};
  std::ostringstream text, json;
  Render(mid, Format::kTable, text);
  Render(mid, Format::kJson, json);
  EXPECT_NE(text.str().find("partial 0.67 (share of the warm saving kept, from weights 36.0 KiB; conv warm; --cache"),
            std::string::npos)
      << text.str();
  EXPECT_NE(json.str().find("\"warm_classes\": [\n      \"conv\"\n    ]"), std::string::npos) << json.str();
  // The profile round trip, and a class that does not exist.
  p.cache->share->level_cv_mape = 9.5;
  std::ostringstream out;
  WritePlatform(p, out);
  EXPECT_NE(out.str().find("\"criterion\": \"level\",\n      \"warm_classes\": [\n        \"conv\"\n      ],\n"
                           "      \"level_cv_mape\": 9.5"),
            std::string::npos)
      << out.str();
  EXPECT_EQ(*ParsePlatform(out.str(), "s.json").cache, *p.cache);
  std::string bad = out.str();
  bad.replace(bad.find("\"conv\"\n      ]"), 6, "\"konv\"");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(bad, "s.json"); }).find("cache.share.warm_classes: unknown class 'konv'"),
            std::string::npos)
      << ErrorOf([&] { ParsePlatform(bad, "s.json"); });
  bad = out.str();
  bad.replace(bad.find("\"level\""), 7, "\"flat\"");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(bad, "s.json"); }).find("cache.share.criterion: expected ratio or level, got 'flat'"),
            std::string::npos)
      << ErrorOf([&] { ParsePlatform(bad, "s.json"); });
}

// Run 26: the warm classes at their own share (warm_class_share), and h from a layer footprint.
TEST(CacheShare, WarmClassShareAndLayerFootprints) {
  const Network net = ConvNet();
  EstimateOptions cold_opt;
  cold_opt.cache = CacheMode::kCold;
  Platform p = SharePlatform(2 * 36864.0, 1.0);  // weights: h = 2/3
  const double c = EstimateNetwork(net, p, cold_opt).rows[0].ms;
  p.cache->share->criterion = "level";
  p.cache->share->warm_classes = {OpClass::kConv};
  p.cache->share->warm_class_share = 0.25;
  // The conv at 0.25 of its saving (warm factor 1/2): c - 0.25 (c / 2).
  const Report mid = EstimateNetwork(net, p);
  ASSERT_TRUE(mid.cache && mid.cache->share);
  EXPECT_NEAR(mid.rows[0].ms, 0.875 * c, 1e-15);
  const FusedNetwork fused = FuseNetwork(net, p.fusion);
  EXPECT_DOUBLE_EQ(EstimateTotal(fused, PlanPlatform(p)).total_ms, mid.total_ms);
  std::ostringstream text, json;
  Render(mid, Format::kTable, text);
  Render(mid, Format::kJson, json);
  EXPECT_NE(text.str().find("from weights 36.0 KiB; conv at 0.25; --cache"), std::string::npos) << text.str();
  EXPECT_NE(json.str().find("\"warm_class_share\": 0.25"), std::string::npos) << json.str();
  // The footprints by hand: the Conv reads 16x32x32 and writes 64x32x32 floats with 36,864 bytes of
  // weights, 4 x (16,384 + 65,536) + 36,864 = 364,544; the Relu 4 x (65,536 + 65,536) = 524,288.
  const NetworkSizes sizes = NetworkSizesOf(fused);
  EXPECT_EQ(sizes.weight_bytes, 36864);
  EXPECT_EQ(sizes.activation_bytes, 524288);
  EXPECT_EQ(sizes.max_layer_bytes, 524288);
  EXPECT_DOUBLE_EQ(sizes.mean_layer_bytes, (364544.0 + 524288.0) / 2);
  // The peak of the live activations (run 28): at the Conv its input (16 x 32 x 32 floats, 65,536 B) and its
  // output (262,144 B); at the Relu the Conv's output and its own: 524,288 B. Not computed without with_peak.
  EXPECT_EQ(sizes.peak_bytes, 524288);
  EXPECT_EQ(PeakLiveBytes(fused), 524288);
  EXPECT_EQ(NetworkSizesOf(fused, false).peak_bytes, 0);
  EXPECT_DOUBLE_EQ(ShareSizeOf(ShareSize::kWeightsPeak, sizes), 36864.0 + 524288.0);
  p.cache->share->warm_classes.clear();
  p.cache->share->warm_class_share.reset();
  p.cache->share->size = ShareSize::kMaxLayer;
  p.cache->share->half_bytes = 524288.0;  // h = 1/2
  EXPECT_NEAR(EstimateNetwork(net, p).rows[0].ms, 0.75 * c, 1e-15);
  p.cache->share->size = ShareSize::kMeanLayer;
  p.cache->share->half_bytes = 444416.0;  // h = 1/2
  const Report by_mean = EstimateNetwork(net, p);
  EXPECT_NEAR(by_mean.rows[0].ms, 0.75 * c, 1e-15);
  EXPECT_DOUBLE_EQ(by_mean.cache->share_x, 444416.0);
  std::ostringstream mean_text;
  Render(by_mean, Format::kTable, mean_text);
  EXPECT_NE(mean_text.str().find("partial 0.50 (share of the warm saving kept, from the mean layer 434.0 KiB;"),
            std::string::npos)
      << mean_text.str();
  // The profile round trip (size, the footprints' CV, the class share), and its errors.
  p.cache->share->warm_classes = {OpClass::kDepthwiseConv};
  p.cache->share->warm_class_share = 0.625;
  p.cache->share->cv_mape_by_size = {5.5, 4.5, 4.75, 3.25, 3.5};
  std::ostringstream out;
  WritePlatform(p, out);
  EXPECT_NE(out.str().find("\"size\": \"mean_layer\""), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("\"max_layer\": 3.25,\n        \"mean_layer\": 3.5\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("\"warm_class_share\": 0.625"), std::string::npos) << out.str();
  EXPECT_EQ(*ParsePlatform(out.str(), "s.json").cache, *p.cache);
  std::string bad = out.str();
  bad.replace(bad.find("0.625"), 5, "1.5");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(bad, "s.json"); })
                .find("cache.share.warm_class_share: must be a number in [0, 1], got 1.5"),
            std::string::npos)
      << ErrorOf([&] { ParsePlatform(bad, "s.json"); });
  p.cache->share->warm_classes.clear();
  std::ostringstream alone;
  WritePlatform(p, alone);
  EXPECT_NE(ErrorOf([&] { ParsePlatform(alone.str(), "s.json"); })
                .find("cache.share.warm_class_share: needs warm_classes"),
            std::string::npos)
      << ErrorOf([&] { ParsePlatform(alone.str(), "s.json"); });
}

// A profile naming its size variable: h from the bytes the executed layers write.
TEST(CacheShare, EstimateFromActivations) {
  const Network net = ConvNet();  // weights 64x16x3x3x4 = 36,864 bytes
  // The Conv's and the Relu's outputs, 1x64x32x32 floats each: 2 x 262,144 = 524,288 bytes.
  const FusedNetwork fused = FuseNetwork(net, WarmPlatform(-1).fusion);
  EXPECT_EQ(ExecutedOutputBytes(fused), 524288);
  EstimateOptions cold_opt;
  cold_opt.cache = CacheMode::kCold;
  const double c = EstimateNetwork(net, SharePlatform(1, 1), cold_opt).rows[0].ms;
  Platform p = SharePlatform(524288.0, 1.0);
  p.cache->share->size = ShareSize::kActivations;  // h = 1 / (1 + 1) = 1/2: the conv at 3/4 of cold
  const Report mid = EstimateNetwork(net, p);
  ASSERT_TRUE(mid.cache && mid.cache->share);
  EXPECT_NEAR(*mid.cache->share, 0.5, 1e-15);
  EXPECT_NEAR(mid.rows[0].ms, 0.75 * c, 1e-15);
  EXPECT_DOUBLE_EQ(EstimateTotal(fused, PlanPlatform(p)).total_ms, mid.total_ms);
  std::ostringstream text, json;
  Render(mid, Format::kTable, text);
  Render(mid, Format::kJson, json);
  EXPECT_NE(text.str().find("cache      partial 0.50 (share of the warm saving kept, from activations 512.0 KiB; "),
            std::string::npos)
      << text.str();
  EXPECT_NE(json.str().find("\"share\": 0.5,\n    \"share_size\": \"activations\",\n    \"share_size_bytes\": 524288"),
            std::string::npos)
      << json.str();
  // Weights + activations: 36,864 + 524,288 = 561,152 bytes; h = 1 / (1 + 2^2) = 1/5 at half 280,576, slope 2.
  p = SharePlatform(280576.0, 2.0);
  p.cache->share->size = ShareSize::kWeightsActivations;
  const Report both = EstimateNetwork(net, p);
  EXPECT_NEAR(*both.cache->share, 0.2, 1e-15);
  EXPECT_NEAR(both.rows[0].ms, 0.9 * c, 1e-15);  // c - (1/5)(c/2)
  std::ostringstream both_text;
  Render(both, Format::kTable, both_text);
  EXPECT_NE(both_text.str().find("partial 0.20 (share of the warm saving kept, from weights + activations 548.0 KiB; "),
            std::string::npos)
      << both_text.str();
  // A profile without the field (before run 19) and one saying weights estimate alike.
  Platform old = SharePlatform(2 * 36864.0, 1.0), named = old;
  named.cache->share->size = ShareSize::kWeights;
  const Report a = EstimateNetwork(net, old), b = EstimateNetwork(net, named);
  EXPECT_EQ(a.total_ms, b.total_ms);
  EXPECT_EQ(*a.cache->share, *b.cache->share);
  std::ostringstream old_json;
  Render(a, Format::kJson, old_json);
  EXPECT_EQ(old_json.str().find("share_size"), std::string::npos);  // old profiles: the report's keys as before
}

TEST(CacheShare, ProfileRoundTripsAndRejectsBadKeys) {
  const Platform p = SharePlatform(1.5e6, 0.35);
  std::ostringstream out;
  WritePlatform(p, out);
  const std::string text = out.str();
  EXPECT_EQ(text.find("capacity_bytes"), std::string::npos) << text;  // none measured: not written
  const Platform back = ParsePlatform(text, "s.json");
  ASSERT_TRUE(back.cache && back.cache->share);
  EXPECT_EQ(*back.cache, *p.cache);
  std::ostringstream again;
  WritePlatform(back, again);
  EXPECT_EQ(again.str(), text);  // byte-identical
  auto error = [&](const std::string& from, const std::string& to) {
    std::string bad = text;
    const std::size_t at = bad.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    bad.replace(at, from.size(), to);
    return ErrorOf([&] { ParsePlatform(bad, "s.json"); });
  };
  EXPECT_NE(error("\"slope\": 0.35", "\"slope\": -1").find("cache.share.slope: must be a finite number > 0, got -1"),
            std::string::npos)
      << error("\"slope\": 0.35", "\"slope\": -1");
  EXPECT_NE(error("\"half_bytes\": 1500000.0", "\"half_bytes\": \"big\"").find("cache.share.half_bytes"),
            std::string::npos)
      << error("\"half_bytes\": 1500000.0", "\"half_bytes\": \"big\"");
  EXPECT_NE(error("\"half_bytes\"", "\"halfbytes\"").find("cache.share"), std::string::npos)
      << error("\"half_bytes\"", "\"halfbytes\"");
  EXPECT_NE(error("\"rows\": 24", "\"rows\": 0").find("cache.share.rows: must be >= 1"), std::string::npos)
      << error("\"rows\": 24", "\"rows\": 0");
  // Without a share, capacity_bytes is required (the all-or-nothing rule of before).
  Platform old = WarmPlatform(13000000);
  std::ostringstream old_text;
  WritePlatform(old, old_text);
  std::string no_capacity = old_text.str();
  no_capacity.replace(no_capacity.find("\"capacity_bytes\": 13000000,"), 27, "");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(no_capacity, "s.json"); }).find("cache"), std::string::npos);
  // Without `size` (profiles before run 19) nothing is written or read back: weights.
  EXPECT_EQ(text.find("\"size\""), std::string::npos) << text;
  EXPECT_FALSE(back.cache->share->size);
  // With it, and the candidates' CV, round trip; a misspelt size is an error.
  Platform sized = p;
  sized.cache->share->size = ShareSize::kActivations;
  sized.cache->share->cv_mape_by_size = {5.62, 4.31, 5.41};
  std::ostringstream sized_text;
  WritePlatform(sized, sized_text);
  EXPECT_NE(sized_text.str().find("\"size\": \"activations\",\n      \"cv_mape_by_size\": {\n        \"weights\": 5.62,"),
            std::string::npos)
      << sized_text.str();
  EXPECT_EQ(*ParsePlatform(sized_text.str(), "s.json").cache, *sized.cache);
  std::string bad_size = sized_text.str();
  bad_size.replace(bad_size.find("\"activations\","), 14, "\"activation\",");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(bad_size, "s.json"); })
                .find("cache.share.size: expected weights, activations, weights+activations, max_layer, mean_layer or weights+peak"),
            std::string::npos)
      << ErrorOf([&] { ParsePlatform(bad_size, "s.json"); });
}

// FitCacheChains: the CSV of tools/ort/cache_state.js and its models, estimated with the profile.
TEST(CacheShare, FitsFromTheCsvAndTheModels) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "odonata_cache_share_test";
  std::filesystem::create_directories(dir);
  const Platform p = WarmPlatform(-1);
  std::string csv = "# cache_state.js\nmodel,warm_ms,warm_p10_ms,cold_ms\n";
  int k = 0;
  for (std::int64_t ch : {8, 16, 32, 64, 96, 128, 192, 256}) {
    const std::string name = "c" + std::to_string(ch) + ".onnx";
    WriteLayerModel(ConvConfig(ch, ch, 16), (dir / name).string());
    const Network net = LoadOnnx((dir / name).string());
    EstimateOptions o;
    o.cache = CacheMode::kCold;
    const double ec = EstimateNetwork(net, p, o).total_ms;
    o.cache = CacheMode::kWarm;
    const double ew = EstimateNetwork(net, p, o).total_ms;
    const double w = static_cast<double>(FuseNetwork(net, p.fusion).totals.param_bytes);  // as stored
    const double cold = 0.5 + 0.1 * k++;
    const double warm = cold * (1.0 - TrueShare(w) * (1.0 - ew / ec));
    char line[160];
    std::snprintf(line, sizeof line, "%s,%.17g,0,%.17g\n", name.c_str(), warm, cold);
    csv += line;
  }
  const CacheShareFit f = FitCacheChains(csv, "chains.csv", dir.string(), p, "measured: chains.csv");
  ASSERT_EQ(f.rows.size(), 8u);
  EXPECT_GE(f.rows.front().weight_bytes, 8 * 8 * 9 * 4);  // the 8-channel conv's weights (and bias, if any)
  EXPECT_LT(f.rows.front().weight_bytes, 16 * 16 * 9 * 4);
  EXPECT_NEAR(std::log(f.model.half_bytes), std::log(kHalf), 1e-2);
  EXPECT_NEAR(f.model.slope, kSlope, 1e-2);
  // Errors name the file and line.
  EXPECT_EQ(ErrorOf([&] { FitCacheChains("model,warm\n", "chains.csv", dir.string(), p, "m"); }),
            "chains.csv:1: no column 'warm_ms' (expected tools/ort/cache_state.js output: model, warm_ms, cold_ms)");
  EXPECT_EQ(ErrorOf([&] { FitCacheChains("model,warm_ms,cold_ms\nc8.onnx,fast,1\n", "chains.csv", dir.string(), p, "m"); }),
            "chains.csv:2: column warm_ms: expected a number > 0, got 'fast'");
  EXPECT_EQ(ErrorOf([&] { FitCacheChains("model,warm_ms,cold_ms\nnone.onnx,1,1\n", "chains.csv", dir.string(), p, "m"); }),
            "chains.csv:2: model " + (dir / "none.onnx").string() + ": no such file");
  Platform no_warm = p;
  no_warm.classes[OpClass::kConv].warm.reset();
  EXPECT_NE(ErrorOf([&] { FitCacheChains(csv, "chains.csv", dir.string(), no_warm, "m"); })
                .find("chains.csv: --cache-chains needs a profile with warm class models"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace odonata
