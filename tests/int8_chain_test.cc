// The int8 convolutions inside a network (CacheInt8, `odonata fit --int8-chains`; run 28 candidate, helper
// int8warm, declared 2026-12-07 23:18 UTC): the fit on synthetic chains (known a, b, with and without noise),
// the declared rule, the estimate in the partial state, the profile round trip.
#include <gtest/gtest.h>

#include <algorithm>
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
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "test_util.h"

namespace odonata {
namespace {

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

constexpr double kScale = 0.3, kExponent = 0.6;

// n chains of 4-24 int8 convolutions whose warm-end costs span 3 us - 0.5 ms, a rest of 10-100 us; measured
// warm = the estimate at (a, b) x (1 + noise u), u uniform in [-1, 1); the current treatment 1.8x their warm end.
std::vector<Int8ChainRow> Chains(int n, double a, double b, double noise, std::uint64_t seed, bool capped = false) {
  Uniform u(seed);
  std::vector<Int8ChainRow> rows;
  for (int i = 0; i < n; ++i) {
    Int8ChainRow r;
    r.model = "q8_" + std::to_string(i) + ".onnx";
    r.rest_ms = 0.01 + 0.09 * u();
    const int layers = 4 + static_cast<int>(20 * u());
    double sum = 0;
    for (int k = 0; k < layers; ++k) {
      const double w = std::exp(std::log(0.003) + u() * (std::log(0.5) - std::log(0.003)));
      r.int8_warm_ms.push_back(w);
      sum += w;
    }
    r.int8_current_ms = 1.8 * sum;
    r.warm_ms = r.EstimateAt(a, b, capped) * (1.0 + noise * (2.0 * u() - 1.0));
    r.cold_ms = 2.0 * r.warm_ms;
    rows.push_back(r);
  }
  return rows;
}

const Int8ChainCandidate& Named(const Int8ChainFit& f, const std::string& name) {
  for (const Int8ChainCandidate& c : f.candidates) {
    if (c.name == name) return c;
  }
  throw Error("no candidate " + name);
}

TEST(Int8Chains, RecoversScaleAndExponentExactlyWithoutNoise) {
  const Int8ChainFit f = FitInt8Share(Chains(12, kScale, kExponent, 0.0, 1), {}, "measured: t");
  ASSERT_EQ(f.candidates.size(), 4u);
  EXPECT_EQ(f.candidates[0].name, "current");
  EXPECT_EQ(f.candidates[1].name, "warm");
  EXPECT_EQ(f.candidates[3].name, "capped");
  EXPECT_TRUE(f.candidates[3].capped);
  const Int8ChainCandidate& c = Named(f, "fitted");
  EXPECT_NEAR(std::log(c.scale), std::log(kScale), 1e-3);
  EXPECT_NEAR(c.exponent, kExponent, 1e-3);
  EXPECT_LT(c.cv_mape, 0.1);
  EXPECT_GT(Named(f, "current").cv_mape, 50.0);
  ASSERT_TRUE(f.model);
  EXPECT_DOUBLE_EQ(f.model->scale, c.scale);
  EXPECT_DOUBLE_EQ(f.model->exponent, c.exponent);
  EXPECT_FALSE(f.model->capped);
  EXPECT_GT(Named(f, "capped").cv_mape, 1.0);  // min(w, .) cannot reach the small layers priced above w
  EXPECT_EQ(f.model->rows, 12);
  EXPECT_DOUBLE_EQ(f.model->current_cv_mape, Named(f, "current").cv_mape);
  EXPECT_DOUBLE_EQ(f.model->warm_cv_mape, Named(f, "warm").cv_mape);
  EXPECT_NE(f.model->source.find("measured: t (odonata fit --int8-chains: 12 int8 QDQ chains"), std::string::npos)
      << f.model->source;
}

TEST(Int8Chains, RecoversFromNoisyChainsDeterministically) {
  std::vector<Int8ChainRow> rows = Chains(12, kScale, kExponent, 0.05, 7);
  const Int8ChainFit f = FitInt8Share(rows, {}, "m");
  const Int8ChainCandidate& c = Named(f, "fitted");
  EXPECT_NEAR(std::log(c.scale), std::log(kScale), 0.08);
  EXPECT_NEAR(c.exponent, kExponent, 0.05);
  EXPECT_LT(c.cv_mape, 5.0);
  ASSERT_TRUE(f.model);
  // The same inputs give the same numbers, in any row order.
  const Int8ChainFit again = FitInt8Share(rows, {}, "m");
  std::reverse(rows.begin(), rows.end());
  const Int8ChainFit reversed = FitInt8Share(rows, {}, "m");
  for (std::size_t k = 0; k < f.candidates.size(); ++k) {
    EXPECT_EQ(again.candidates[k].scale, f.candidates[k].scale);
    EXPECT_EQ(again.candidates[k].cv_mape, f.candidates[k].cv_mape);
    EXPECT_EQ(reversed.candidates[k].scale, f.candidates[k].scale);
    EXPECT_EQ(reversed.candidates[k].exponent, f.candidates[k].exponent);
    EXPECT_NEAR(reversed.candidates[k].cv_mape, f.candidates[k].cv_mape, 1e-12);
  }
}

// The addendum's form: chains priced min(w, a w^b) (a = 2, b = 1.5: the cap binds above w = 0.25 ms) are
// recovered by "capped", which replaces "fitted" (10% better leave one out).
TEST(Int8Chains, RecoversTheCappedForm) {
  const Int8ChainFit f = FitInt8Share(Chains(12, 2.0, 1.5, 0.0, 11, true), {}, "m");
  const Int8ChainCandidate& c = Named(f, "capped");
  EXPECT_NEAR(std::log(c.scale), std::log(2.0), 1e-3);
  EXPECT_NEAR(c.exponent, 1.5, 1e-3);
  EXPECT_LT(c.cv_mape, 0.1);
  EXPECT_GT(Named(f, "fitted").cv_mape, 1.0);
  ASSERT_TRUE(f.model);
  EXPECT_TRUE(f.model->capped);
  EXPECT_DOUBLE_EQ(f.model->scale, c.scale);
  EXPECT_NE(f.model->source.find("form capped: int8 convolutions min(w, 2"), std::string::npos) << f.model->source;
  CacheInt8 m;
  m.scale = 2.0;
  m.exponent = 1.5;
  m.capped = true;
  EXPECT_DOUBLE_EQ(m.Price(0.04), 2.0 * std::pow(0.04, 1.5));
  EXPECT_DOUBLE_EQ(m.Price(1.0), 1.0);
}

TEST(Int8Chains, TheDeclaredRule) {
  // Chains at the warm end: a form that prices every chain at its warm end is written (warm, or capped at the
  // warm end over the chains' range: both without error, and the addendum's tie goes to capped).
  const std::vector<Int8ChainRow> at_warm = Chains(10, 1.0, 1.0, 0.0, 3);
  const Int8ChainFit warm = FitInt8Share(at_warm, {}, "m");
  ASSERT_TRUE(warm.model);
  EXPECT_NEAR(Named(warm, "warm").cv_mape, 0.0, 1e-12);
  for (const Int8ChainRow& r : at_warm) {
    EXPECT_NEAR(r.EstimateAt(warm.model->scale, warm.model->exponent, warm.model->capped), r.EstimateAt(1.0, 1.0),
                1e-12);
  }
  // Chains at the current treatment: nothing is 10% better, nothing is written.
  std::vector<Int8ChainRow> rows = Chains(10, kScale, kExponent, 0.0, 4);
  for (Int8ChainRow& r : rows) r.warm_ms = r.rest_ms + r.int8_current_ms;
  const Int8ChainFit current = FitInt8Share(rows, {}, "m");
  EXPECT_EQ(current.candidates.size(), 4u);
  EXPECT_FALSE(current.model);
  EXPECT_NEAR(Named(current, "current").cv_mape, 0.0, 1e-12);
  // Fewer than kMinInt8ChainRows chains: not fitted; the dropped rows are carried.
  const Int8ChainFit few = FitInt8Share(Chains(5, kScale, kExponent, 0.0, 5), {"q8_x: warm above cold"}, "m");
  EXPECT_TRUE(few.candidates.empty());
  EXPECT_FALSE(few.model);
  EXPECT_EQ(few.dropped, std::vector<std::string>{"q8_x: warm above cold"});
  // Errors name the chain.
  rows = Chains(8, kScale, kExponent, 0.0, 6);
  rows[2].int8_warm_ms.clear();
  EXPECT_EQ(ErrorOf([&] { FitInt8Share(rows, {}, "m"); }),
            "fit: --int8-chains: q8_2.onnx: no int8 convolution in the estimate");
  rows = Chains(8, kScale, kExponent, 0.0, 6);
  rows[3].warm_ms = 0;
  EXPECT_EQ(ErrorOf([&] { FitInt8Share(rows, {}, "m"); }),
            "fit: --int8-chains: q8_3.onnx: times and estimates must be > 0");
}

// A QDQ 3x3 convolution 16 -> 16 at 16x16 and a float Relu after it, on a device with int8, QDQ rules, a
// warm model of one half for conv_int8 and for conv, and a share h of 1/3.
Platform Int8SharePlatform() {
  Platform p = ParsePlatform(R"({
    "schema": "odonata-platform/1", "name": "q", "description": "test device",
    "default_precision": "fp32",
    "precisions": {"fp32": {"peak_gops": {"value": 1, "source": "t"}, "bandwidth_gbps": {"value": 1, "source": "t"}},
                   "int8": {"peak_gops": {"value": 4, "source": "t"}, "bandwidth_gbps": {"value": 1, "source": "t"}}},
    "overhead_ms": {"value": 0, "source": "t"},
    "power": {"idle_w": {"value": 1, "source": "t"}, "typical_w": {"value": 2, "source": "t"}},
    "price_usd": {"value": 1, "source": "t"},
    "classes": {"default": {"estimator": "roofline"}},
    "fusion": {"rules": [{"into": ["Conv"], "dequantize": ["DequantizeLinear"], "quantize": ["QuantizeLinear"], "source": "t"}]}})",
                             "q.json");
  for (OpClass c : {OpClass::kConv, OpClass::kConvInt8}) {
    ClassModel m;
    m.compute_efficiency = {0.5, "c"};
    m.memory_efficiency = {0.5, "m"};
    WarmModel w;
    w.precision = c == OpClass::kConvInt8 ? Precision::kInt8 : Precision::kFp32;
    w.c0 = std::log(0.5);
    w.bytes_range = {1, 1e9};
    w.ms_range = {1e-6, 1e3};
    w.rows = 10;
    w.source = "synthetic";
    m.warm = w;
    p.classes[c] = m;
  }
  CacheCapacity cache;
  cache.capacity_bytes = -1;
  cache.source = "chains";
  CacheShare share;
  share.half_bytes = 1.0;
  share.slope = 1.0;
  share.rows = 24;
  share.source = "chains.csv";
  cache.share = share;
  p.cache = cache;
  return p;
}

const std::string kQdqNet = Model(
    "(uint8[1,16,16,16] xq) => (float[1,16,16,16] r)",
    "x = DequantizeLinear(xq, xs, xz)\n w = DequantizeLinear<axis=0>(wq, ws, wz)\n"
    " c = Conv<pads=[1,1,1,1]>(x, w)\n yq = QuantizeLinear(c, ys, yz)\n y = DequantizeLinear(yq, ys, yz)\n"
    " r = Relu(y)",
    "<float xs = {0.02}, uint8 xz = {128}, int8[16,16,3,3] wq = {0}, float ws = {0.01}, int8 wz = {0}, "
    "float ys = {0.08}, uint8 yz = {128}>");

TEST(Int8Chains, EstimatePricesInt8ConvolutionsInThePartialStateOnly) {
  const Network net = ParseOnnxText(kQdqNet);
  Platform p = Int8SharePlatform();
  EstimateOptions cold_opt, warm_opt;
  cold_opt.cache = CacheMode::kCold;
  warm_opt.cache = CacheMode::kWarm;
  const Report before = EstimateNetwork(net, p);
  const Report warm = EstimateNetwork(net, p, warm_opt);
  const Report cold = EstimateNetwork(net, p, cold_opt);
  ASSERT_TRUE(before.cache && before.cache->share);
  std::size_t conv = before.rows.size();
  for (std::size_t i = 0; i < before.rows.size(); ++i) {
    if (before.rows[i].layer.name == "c" || before.rows[i].layer.op_type == "Conv") conv = i;
  }
  ASSERT_LT(conv, before.rows.size());
  const double h = *before.cache->share;
  EXPECT_GT(h, 0.0);
  EXPECT_LT(h, 1.0);
  const double c = cold.rows[conv].ms, w = warm.rows[conv].ms;
  EXPECT_NEAR(w, 0.5 * c, 1e-12 * c);
  EXPECT_NEAR(before.rows[conv].ms, c - h * (c - w), 1e-12 * c);
  // With the form: the int8 convolution at a x w^b; every other layer as before; the forced ends unchanged.
  CacheInt8 form;
  form.scale = 0.4;
  form.exponent = 0.7;
  form.rows = 12;
  form.cv_mape = 10.0;
  form.current_cv_mape = 40.0;
  form.warm_cv_mape = 20.0;
  form.source = "int8_chains.csv";
  p.cache->int8 = form;
  const Report after = EstimateNetwork(net, p);
  EXPECT_NEAR(after.rows[conv].ms, 0.4 * std::pow(w, 0.7), 1e-12);
  for (std::size_t i = 0; i < after.rows.size(); ++i) {
    if (i != conv) {
      EXPECT_DOUBLE_EQ(after.rows[i].ms, before.rows[i].ms) << i;
    }
  }
  EXPECT_DOUBLE_EQ(EstimateNetwork(net, p, warm_opt).total_ms, warm.total_ms);
  EXPECT_DOUBLE_EQ(EstimateNetwork(net, p, cold_opt).total_ms, cold.total_ms);
  const FusedNetwork fused = FuseNetwork(net, p.fusion);
  EXPECT_DOUBLE_EQ(EstimateTotal(fused, PlanPlatform(p)).total_ms, after.total_ms);
  // The profile round trip; cache.int8 without a share is an error.
  std::ostringstream out;
  WritePlatform(p, out);
  EXPECT_NE(out.str().find("\"int8\": {\n      \"scale\": 0.4,\n      \"exponent\": 0.7,\n      \"rows\": 12,\n"
                           "      \"capped\": false,"),
            std::string::npos)
      << out.str();
  const Platform back = ParsePlatform(out.str(), "q.json");
  ASSERT_TRUE(back.cache);
  EXPECT_EQ(*back.cache, *p.cache);
  std::string bad = out.str();
  bad.replace(bad.find("\"exponent\": 0.7"), 15, "\"exponent\": -1");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(bad, "q.json"); }).find("cache.int8.exponent: must be a finite number > 0"),
            std::string::npos)
      << ErrorOf([&] { ParsePlatform(bad, "q.json"); });
}

}  // namespace
}  // namespace odonata
