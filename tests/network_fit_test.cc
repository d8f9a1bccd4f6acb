// Fitting from whole networks (network_fit.h): per-class coefficients, the
// overhead and per-class power recovered from synthetic networks whose times
// and energies were made from known per-layer models.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/fusion.h"
#include "odonata/generators.h"
#include "odonata/measurements.h"
#include "odonata/network_fit.h"
#include "odonata/platform.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::ErrorOf;

FittedModel Model(std::vector<FittedTerm> terms) {
  FittedModel m;
  m.precision = Precision::kFp32;
  m.terms = std::move(terms);
  return m;
}

// The "true" platform: step_linear models with known coefficients, overhead and power.
Platform Truth() {
  Platform p;
  p.name = "truth";
  p.precisions[Precision::kFp32] = {{100, "peak"}, {20, "bw"}};
  p.fusion.rules.push_back({{"Conv"}, {"Relu"}, "test"});
  p.fusion.free_ops = {"Reshape"};
  p.overhead_ms = {1.5, "truth"};
  p.idle_power_w = {2.0, "truth"};
  ClassModel conv;
  conv.estimator = "step_linear";
  conv.fitted.push_back(Model({{0.05, {}}, {2e-8, {{"macs", 0}}}, {3e-6, {{"elems", 0}}}}));
  conv.active_power_w = Sourced{6.0, "truth"};
  ClassModel dw;
  dw.estimator = "step_linear";
  dw.fitted.push_back(Model({{0.02, {}}, {5e-7, {{"elems", 0}}}}));
  dw.active_power_w = Sourced{4.0, "truth"};
  ClassModel gemm;
  gemm.estimator = "step_linear";
  gemm.fitted.push_back(Model({{1e-6, {{"macs", 0}}}}));
  gemm.active_power_w = Sourced{5.0, "truth"};
  p.classes[OpClass::kConv] = conv;
  p.classes[OpClass::kDepthwiseConv] = dw;
  p.classes[OpClass::kGemm] = gemm;
  return p;
}

// A base to fit on top of: the same precisions and fusion, roofline classes.
Platform Base() {
  Platform p = Truth();
  p.name = "base";
  p.classes.clear();
  p.overhead_ms = {0, "base"};
  p.idle_power_w = {0, "base"};
  return p;
}

// Synthetic iCAS-style networks of varied depth, width, kernel and input size,
// "measured" with the truth.
std::vector<NetworkMeasurement> Rows(const Platform& truth) {
  std::vector<NetworkMeasurement> rows;
  int line = 2;
  for (int layers : {2, 3, 5, 8}) {
    for (int filters : {16, 64}) {
      for (int k : {1, 3, 5}) {
        for (int w : {12, 30}) {
          for (bool dws : {false, true}) {
            if (dws && k == 1) continue;
            std::ostringstream name;
            name << "icas:convnet_L" << layers << "_F" << filters << "_K" << k << "x" << k << "_W" << w
                 << (dws ? "_DWS" : "");
            NetworkMeasurement m;
            m.model = m.path = name.str();
            m.origin = "n.csv:" + std::to_string(line++);
            const Report r = EstimateNetwork(GenerateNetwork(m.model), truth);
            m.latency_ms = r.total_ms;
            m.energy_mj = r.energy_mj;
            rows.push_back(m);
          }
        }
      }
    }
  }
  return rows;
}

NetworkFitOptions Options() {
  NetworkFitOptions o;
  o.terms[OpClass::kConv] = ParseTerms("1;macs;elems");
  o.terms[OpClass::kDepthwiseConv] = ParseTerms("1;elems");
  o.terms[OpClass::kGemm] = ParseTerms("macs");
  return o;
}

double Coef(const NetworkFitReport& r, OpClass c, std::size_t term) {
  for (const NetworkClassFit& f : r.classes)
    if (f.op_class == c) return f.terms.at(term).coef;
  return NAN;
}

void ExpectWithin(double got, double want, double pct) {
  EXPECT_NEAR(got, want, std::abs(want) * pct / 100.0) << "got " << got << ", want " << want;
}

TEST(NetworkFit, RecoversPerClassModelsOverheadAndPowerFromWholeNetworks) {
  const Platform truth = Truth();
  const std::vector<NetworkMeasurement> rows = Rows(truth);
  ASSERT_EQ(rows.size(), 80u);
  const NetworkFitReport fit = FitNetworks(PrepareNetworks(rows, truth.fusion), {}, Base(), "synthetic", Options());
  ExpectWithin(Coef(fit, OpClass::kConv, 0), 0.05, 2);
  ExpectWithin(Coef(fit, OpClass::kConv, 1), 2e-8, 2);
  ExpectWithin(Coef(fit, OpClass::kConv, 2), 3e-6, 2);
  ExpectWithin(Coef(fit, OpClass::kDepthwiseConv, 0), 0.02, 2);
  ExpectWithin(Coef(fit, OpClass::kDepthwiseConv, 1), 5e-7, 2);
  ExpectWithin(Coef(fit, OpClass::kGemm, 0), 1e-6, 2);
  ExpectWithin(fit.overhead_ms.at(""), 1.5, 2);
  EXPECT_LT(fit.mape, 0.01);
  ASSERT_TRUE(fit.idle_w);
  ExpectWithin(*fit.idle_w, 2.0, 2);
  for (const NetworkClassFit& c : fit.classes) {
    ASSERT_TRUE(c.active_w);
    ExpectWithin(*c.active_w, c.op_class == OpClass::kConv ? 6.0 : c.op_class == OpClass::kGemm ? 5.0 : 4.0, 2);
  }
  EXPECT_EQ(fit.energy_rows, 80);
  EXPECT_LT(fit.energy_mape, 0.01);
  // The written profile estimates the networks as they were measured.
  for (const NetworkMeasurement& m : rows) {
    ExpectWithin(EstimateNetwork(GenerateNetwork(m.model), fit.platform).total_ms, m.latency_ms, 0.1);
  }
  EXPECT_EQ(fit.platform.classes.at(OpClass::kConv).estimator, "step_linear");
  EXPECT_EQ(fit.platform.overhead_ms.value, fit.overhead_ms.at(""));
}

TEST(NetworkFit, RecoversTogetherWithSingleLayerRowsAndSignedLeastSquares) {
  const Platform truth = Truth();
  std::vector<NetworkMeasurement> rows = Rows(truth);
  rows.resize(30);
  // Single-layer rows of the conv class, timed by the truth (no overhead).
  std::vector<Measurement> layers;
  for (std::int64_t c : {8, 32, 128}) {
    for (std::int64_t h : {7, 28}) {
      Measurement m;
      m.config.op = "Conv";
      m.config.in_c = m.config.out_c = c;
      m.config.in_h = m.config.in_w = h;
      m.config.kernel_h = m.config.kernel_w = 3;
      m.latency_ms = EstimateNetwork(Network{"l", "", 13, {}, {}, {ToLayer(m.config)}, {}, {}}, truth).rows[0].ms;
      m.origin = "l.csv:" + std::to_string(layers.size() + 2);
      layers.push_back(m);
    }
  }
  NetworkFitOptions o = Options();
  o.nonnegative = false;
  const NetworkFitReport fit = FitNetworks(PrepareNetworks(rows, truth.fusion), layers, Base(), "synthetic", o);
  ExpectWithin(Coef(fit, OpClass::kConv, 1), 2e-8, 2);
  ExpectWithin(Coef(fit, OpClass::kConv, 2), 3e-6, 2);
  ExpectWithin(fit.overhead_ms.at(""), 1.5, 2);
  EXPECT_EQ(fit.rows.size(), 36u);
  EXPECT_TRUE(fit.rows.back().layer_row);
  ExpectWithin(fit.rows.back().predicted_ms, fit.rows.back().measured_ms, 0.1);
}

// The Jetson Nano's conv term MACs / output width (in_c*out_c*kernel*out_h: the cost per MAC falls as the
// map widens; tools/fit_jetson_nano.sh) next to macs and elems: recovered from networks of four input
// widths whose "measured" times carry +/-1% noise (a fixed linear congruential sequence).
TEST(NetworkFit, RecoversTheMacsPerWidthTermUnderNoise) {
  Platform truth = Truth();
  truth.classes.at(OpClass::kConv).fitted[0] =
      Model({{0.05, {}}, {2e-8, {{"macs", 0}}}, {3e-6, {{"elems", 0}}},
             {4e-7, {{"in_c", 0}, {"out_c", 0}, {"kernel", 0}, {"out_h", 0}}}});
  std::vector<NetworkMeasurement> rows;
  std::uint32_t state = 12345;
  for (int layers : {2, 3, 5, 8}) {
    for (int filters : {16, 64, 128}) {
      for (int k : {1, 3, 5}) {
        for (int w : {12, 20, 30, 45}) {
          std::ostringstream name;
          name << "icas:convnet_L" << layers << "_F" << filters << "_K" << k << "x" << k << "_W" << w;
          NetworkMeasurement m;
          m.model = m.path = name.str();
          m.origin = "n.csv:" + std::to_string(rows.size() + 2);
          state = state * 1664525u + 1013904223u;
          const double noise = 1.0 + 0.02 * (static_cast<double>(state >> 8) / 16777216.0 - 0.5);  // +/-1%
          m.latency_ms = EstimateNetwork(GenerateNetwork(m.model), truth).total_ms * noise;
          rows.push_back(m);
        }
      }
    }
  }
  NetworkFitOptions o = Options();
  o.terms[OpClass::kConv] = ParseTerms("1;macs;elems;in_c*out_c*kernel*out_h");
  o.power = false;
  const NetworkFitReport fit = FitNetworks(PrepareNetworks(rows, truth.fusion), {}, Base(), "synthetic", o);
  ExpectWithin(Coef(fit, OpClass::kConv, 1), 2e-8, 2);
  ExpectWithin(Coef(fit, OpClass::kConv, 3), 4e-7, 2);
  ExpectWithin(Coef(fit, OpClass::kConv, 2), 3e-6, 5);
  ExpectWithin(Coef(fit, OpClass::kGemm, 0), 1e-6, 5);
  ExpectWithin(fit.overhead_ms.at(""), 1.5, 5);
  EXPECT_LT(fit.mape, 1.0);  // the noise's mean |error| is 0.5%
  EXPECT_GT(fit.mape, 0.2);
}

TEST(NetworkFit, OverheadGroupsAreFittedApart) {
  const Platform truth = Truth();
  std::vector<NetworkMeasurement> rows = Rows(truth);
  for (std::size_t i = 0; i < rows.size(); i += 2) {
    rows[i].overhead = "python";
    rows[i].latency_ms += 3.0;  // a source with 3 ms more per call
    rows[i].energy_mj.reset();
  }
  NetworkFitOptions o = Options();
  o.platform_overhead = "python";
  const NetworkFitReport fit = FitNetworks(PrepareNetworks(rows, truth.fusion), {}, Base(), "synthetic", o);
  ExpectWithin(fit.overhead_ms.at(""), 1.5, 2);
  ExpectWithin(fit.overhead_ms.at("python"), 4.5, 2);
  EXPECT_EQ(fit.platform.overhead_ms.value, fit.overhead_ms.at("python"));
  EXPECT_EQ(fit.energy_rows, 40);
}

TEST(NetworkFit, ParsesFilesAndTermsWithClearErrors) {
  const std::vector<NetworkMeasurement> rows = ParseNetworkMeasurements(
      "model,precision,latency_ms,overhead,power_w,split\n"
      "icas:convnet_L2_F8_K3x3_W10,fp32,2.5,py,5,calibration\n"
      "../m/a.onnx,fp16,4,,,validation\n",
      "n.csv", "data");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].path, "icas:convnet_L2_F8_K3x3_W10");
  EXPECT_EQ(rows[1].path, "m/a.onnx");
  EXPECT_EQ(rows[0].overhead, "py");
  EXPECT_DOUBLE_EQ(*rows[0].EnergyMj(), 12.5);
  EXPECT_FALSE(rows[1].EnergyMj());
  EXPECT_EQ(rows[1].extra, (std::vector<std::pair<std::string, std::string>>{{"split", "validation"}}));
  EXPECT_EQ(ErrorOf([] { ParseNetworkMeasurements("model,precision\nx,fp32\n", "n.csv"); }),
            "n.csv:1: missing column 'latency_ms' (a network measurement file has model, precision, latency_ms)");
  EXPECT_EQ(ErrorOf([] { ParseNetworkMeasurements("model,precision,latency_ms\nx,fp32,abc\n", "n.csv"); }),
            "n.csv:2: latency_ms: 'abc' is not a number");
  EXPECT_EQ(ErrorOf([] { ParseNetworkMeasurements("model,precision,latency_ms\nx,fp64,1\n", "n.csv"); }),
            "n.csv:2: precision: 'fp64' is not fp32, fp16 or int8");
  EXPECT_EQ(ErrorOf([] { ParseNetworkMeasurements("model,precision,latency_ms\nx,fp32,0\n", "n.csv"); }),
            "n.csv:2: latency_ms: must be > 0");
  const std::vector<TermShape> t = ParseTerms("1; macs ;in_c*kernel:8");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_TRUE(t[0].empty());
  EXPECT_EQ(t[2], (TermShape{{"in_c", 0}, {"kernel", 8}}));
  EXPECT_EQ(ErrorOf([] { ParseTerms("macs;flops"); }), "--terms: unknown size 'flops' in term 'flops'");
  EXPECT_EQ(ErrorOf([] { ParseTerms("macs*kernel:0"); }),
            "--terms: step '0' in term 'macs*kernel:0' is not a positive integer");
  // A model that cannot be loaded names the row.
  NetworkMeasurement bad;
  bad.model = bad.path = "icas:nonsense";
  bad.origin = "n.csv:9";
  EXPECT_NE(ErrorOf([&] { PrepareNetworks({bad}, Fusion{}); }).find("n.csv:9: icas:nonsense: not an iCAS network"),
            std::string::npos);
}

}  // namespace
}  // namespace odonata
