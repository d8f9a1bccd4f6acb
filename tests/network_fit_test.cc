// Fitting from whole networks (network_fit.h): per-class coefficients, the
// overhead and per-class power recovered from synthetic networks whose times
// and energies were made from known per-layer models.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/estimator.h"
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

// Power forms (NetworkFitOptions::power_form): energies made from known per-layer powers of each form, with
// +/-1% noise on every row's energy (a fixed linear congruential sequence), fitted back within 2%. The
// latency is the truth's, so the fitted layer times are exact and the power columns are what differs.
struct PowerTruth {
  std::map<std::int64_t, double> conv_w;  // by kernel (kh x kw); one entry with key 0: one power for all
  double conv_dynamic_w = 0, gemm_w = 4.0, gemm_dynamic_w = 0, pj_per_byte = 0, idle_w = 2.0;
};

std::vector<NetworkMeasurement> PowerRows(const Platform& truth, const PowerTruth& pt) {
  std::vector<NetworkMeasurement> rows;
  std::uint32_t state = 777;
  for (int layers : {2, 3, 5, 8}) {
    for (int filters : {16, 64, 256}) {
      for (int k : {1, 3, 5}) {
        for (int w : {12, 30, 60}) {
          std::ostringstream name;
          name << "icas:convnet_L" << layers << "_F" << filters << "_K" << k << "x" << k << "_W" << w;
          NetworkMeasurement m;
          m.model = m.path = name.str();
          m.origin = "n.csv:" + std::to_string(rows.size() + 2);
          const Report r = EstimateNetwork(GenerateNetwork(m.model), truth);
          double mj = r.overhead_ms * pt.idle_w;
          for (const ReportRow& row : r.rows) {
            const Layer& l = row.layer;
            // 2 x MACs at the truth's peak of 100 GOPS, in ms.
            const double peak_ms = 2.0 * static_cast<double>(l.counts.macs) / (100.0 * 1e6);
            const double bytes = static_cast<double>(l.counts.Bytes(4));
            if (l.op_class == OpClass::kConv) {
              const double w_k = pt.conv_w.count(0) ? pt.conv_w.at(0) : pt.conv_w.at(LayerDim(l, "kernel"));
              mj += w_k * row.ms + pt.conv_dynamic_w * std::min(row.ms, peak_ms);
            } else if (l.op_class == OpClass::kGemm) {
              mj += pt.gemm_w * row.ms + pt.gemm_dynamic_w * std::min(row.ms, peak_ms);
            } else {
              continue;
            }
            mj += pt.pj_per_byte * 1e-9 * bytes;
          }
          state = state * 1664525u + 1013904223u;
          m.latency_ms = r.total_ms;
          m.energy_mj = mj * (1.0 + 0.02 * (static_cast<double>(state >> 8) / 16777216.0 - 0.5));
          rows.push_back(m);
        }
      }
    }
  }
  return rows;
}

double PowerTerm(const NetworkFitReport& r, const std::string& name) {
  for (const auto& [n, v] : r.power_terms)
    if (n == name) return v;
  ADD_FAILURE() << "no power term '" << name << "'";
  return NAN;
}

TEST(NetworkFit, RecoversPowerPerKernelSizeUnderNoise) {
  const Platform truth = Truth();
  PowerTruth pt;
  pt.conv_w = {{1, 5.0}, {9, 7.0}, {25, 6.0}};
  const std::vector<NetworkMeasurement> rows = PowerRows(truth, pt);
  NetworkFitOptions o = Options();
  o.split[OpClass::kConv] = "kernel";
  o.terms[OpClass::kConv] = ParseTerms("1;macs;elems");
  o.power_form = PowerForm::kKernel;
  const NetworkFitReport fit = FitNetworks(PrepareNetworks(rows, truth.fusion), {}, Base(), "synthetic", o);
  ASSERT_EQ(fit.power_terms.size(), 5u);  // conv x 3 kernels, gemm, idle
  ExpectWithin(PowerTerm(fit, "conv kernel=1 W"), 5.0, 2);
  ExpectWithin(PowerTerm(fit, "conv kernel=9 W"), 7.0, 2);
  ExpectWithin(PowerTerm(fit, "conv kernel=25 W"), 6.0, 2);
  ExpectWithin(PowerTerm(fit, "gemm W"), 4.0, 2);
  ExpectWithin(PowerTerm(fit, "idle W"), 2.0, 2);
  EXPECT_LT(fit.energy_mape, 1.0);
  EXPECT_GT(fit.energy_mape, 0.2);  // the noise's mean |error| is 0.5%
  // Not the profile's form: the written profile's powers stay the base's.
  EXPECT_FALSE(fit.platform.ModelFor(OpClass::kConv).active_power_w);
  // One power per class cannot fit them: its energy error is well above the noise.
  o.power_form = PowerForm::kClass;
  const NetworkFitReport one = FitNetworks(PrepareNetworks(rows, truth.fusion), {}, Base(), "synthetic", o);
  EXPECT_GT(one.energy_mape, 2.0);
}

TEST(NetworkFit, RecoversPowerByThroughputAndPerByteUnderNoise) {
  const Platform truth = Truth();
  PowerTruth pt;
  pt.conv_w = {{0, 3.0}};
  pt.conv_dynamic_w = 4.0;
  pt.gemm_dynamic_w = 0;
  NetworkFitOptions o = Options();
  o.power_form = PowerForm::kThroughput;
  NetworkFitReport fit = FitNetworks(PrepareNetworks(PowerRows(truth, pt), truth.fusion), {}, Base(), "synthetic", o);
  ASSERT_EQ(fit.power_terms.size(), 5u);  // conv static, dynamic; gemm static, dynamic; idle
  ExpectWithin(PowerTerm(fit, "conv static W"), 3.0, 2);
  ExpectWithin(PowerTerm(fit, "conv dynamic W"), 4.0, 2);
  // The truth's Linear layers run at 2% of the peak (1e-6 ms per MAC against 2e-8 at 100 GOPS), so their two
  // columns are proportional: only their sum at that rate, static + 0.02 x dynamic, is identified.
  ExpectWithin(PowerTerm(fit, "gemm static W") + 0.02 * PowerTerm(fit, "gemm dynamic W"), 4.0, 2);
  ExpectWithin(PowerTerm(fit, "idle W"), 2.0, 2);
  EXPECT_LT(fit.energy_mape, 1.0);

  pt = PowerTruth();
  pt.conv_w = {{0, 5.5}};
  // Large enough that the bytes stand well above the noise: at 300 pJ/byte the +/-1% noise moved the fit by 2.2%.
  pt.pj_per_byte = 1500;
  o.power_form = PowerForm::kBytes;
  fit = FitNetworks(PrepareNetworks(PowerRows(truth, pt), truth.fusion), {}, Base(), "synthetic", o);
  ASSERT_EQ(fit.power_terms.size(), 4u);  // conv, gemm, energy per byte, idle
  ExpectWithin(PowerTerm(fit, "conv W"), 5.5, 2);
  ExpectWithin(PowerTerm(fit, "gemm W"), 4.0, 2);
  ExpectWithin(PowerTerm(fit, "energy per byte pJ"), 1500, 2);
  ExpectWithin(PowerTerm(fit, "idle W"), 2.0, 2);
}

// Held-out rows (NetworkFitOptions::holdout) are predicted, not fitted: the coefficients equal a fit on the
// other rows alone, and the held-out rows' errors are reported apart.
TEST(NetworkFit, HeldOutRowsArePredictedNotFitted) {
  const Platform truth = Truth();
  PowerTruth pt;
  pt.conv_w = {{1, 5.0}, {9, 7.0}, {25, 6.0}};
  std::vector<NetworkMeasurement> rows = PowerRows(truth, pt), fitted_only;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool scored = rows[i].model.ends_with("_W60");
    rows[i].extra.emplace_back("part", scored ? "scored" : "fitted");
    if (!scored) fitted_only.push_back(rows[i]);
    if (i % 7 == 0) rows[i].latency_ms *= scored ? 1.5 : 1.0;  // a held-out outlier must not move the fit
  }
  NetworkFitOptions o = Options();
  o.split[OpClass::kConv] = "kernel";
  const NetworkFitReport all = FitNetworks(PrepareNetworks(fitted_only, truth.fusion), {}, Base(), "synthetic", o);
  o.holdout = std::make_pair(std::string("part"), std::string("scored"));
  const NetworkFitReport fit = FitNetworks(PrepareNetworks(rows, truth.fusion), {}, Base(), "synthetic", o);
  EXPECT_EQ(fit.held_out_rows, 36);
  EXPECT_EQ(fit.held_out_energy_rows, 36);
  EXPECT_EQ(fit.energy_rows, 72);
  ASSERT_EQ(fit.power_terms.size(), all.power_terms.size());
  for (std::size_t i = 0; i < all.power_terms.size(); ++i) {
    EXPECT_NEAR(fit.power_terms[i].second, all.power_terms[i].second, 1e-9 * std::abs(all.power_terms[i].second));
  }
  EXPECT_NEAR(fit.mape, all.mape, 1e-9);
  ExpectWithin(fit.overhead_ms.at(""), all.overhead_ms.at(""), 1e-6);
  // The held-out rows' latency: exact except the outliers (every 7th row, +50%: 1 / 1.5 - 1 = -33.3% each).
  int outliers = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(fit.rows[i].held_out, rows[i].model.ends_with("_W60"));
    if (fit.rows[i].held_out && i % 7 == 0) ++outliers;
  }
  EXPECT_NEAR(fit.held_out_mape, 100.0 * outliers * (1.0 - 1.0 / 1.5) / 36.0, 0.1);
  EXPECT_GT(outliers, 0);
  // Errors: no such column; every row held out.
  o.holdout = std::make_pair(std::string("nope"), std::string("x"));
  EXPECT_EQ(ErrorOf([&] { FitNetworks(PrepareNetworks(rows, truth.fusion), {}, Base(), "s", o); }),
            "fit: --holdout: no row has a column 'nope'");
  for (NetworkMeasurement& m : rows) m.extra.back().second = "scored";
  o.holdout = std::make_pair(std::string("part"), std::string("scored"));
  EXPECT_EQ(ErrorOf([&] { FitNetworks(PrepareNetworks(rows, truth.fusion), {}, Base(), "s", o); }),
            "fit: --holdout part=scored holds out every network row: nothing left to fit");
  PowerForm f;
  EXPECT_TRUE(ParsePowerForm("throughput", &f));
  EXPECT_EQ(f, PowerForm::kThroughput);
  EXPECT_FALSE(ParsePowerForm("Kernel", &f));
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
