// Cache state (issue 12; docs/host-cost-model.md "Cache state"): the warm
// model's fit from rows timed cold and warm, the cache capacity from a probe,
// their profile fields, and the estimator's choice between warm and cold.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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

}  // namespace
}  // namespace odonata
