// Power fitting (fit.h FitPower, and through FitPlatform): per-class active
// power recovered from rows generated with known watts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/fit.h"
#include "odonata/measurements.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::ErrorOf;

const char* kHeader =
    "op,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,precision,latency_ms,power_w,energy_mj\n";

// One CSV line; power or energy < 0 leaves the field empty (absent).
std::string Line(const std::string& op, std::int64_t c, std::int64_t h, std::int64_t k, const char* precision,
                 double ms, double power_w, double energy_mj) {
  std::ostringstream s;
  s.precision(17);
  s << op << ',' << c << ',' << h << ',' << h << ',' << c << ',' << k << ',' << k << ',' << (op == "MaxPool" ? k : 1)
    << ',' << (op == "MaxPool" ? k : 1) << ',' << precision << ',' << ms << ',';
  if (power_w >= 0) s << power_w;
  s << ',';
  if (energy_mj >= 0) s << energy_mj;
  s << '\n';
  return s.str();
}

Platform Base() {
  Platform p;
  p.name = "test";
  p.precisions[Precision::kFp32] = {{100, "peak"}, {20, "bw"}};
  p.precisions[Precision::kFp16] = {{200, "peak"}, {20, "bw"}};
  p.typical_power_w = {9, "typical"};
  p.idle_power_w = {0.5, "idle"};
  p.classes[OpClass::kConv].active_power_w = Sourced{5, "base conv"};
  return p;
}

PowerFit Fit(const std::string& csv, Platform& p, std::vector<std::string>* warnings = nullptr) {
  std::vector<std::string> w;
  return FitPower(ParseMeasurements(csv, "m.csv"), p, "measured: m.csv", warnings ? *warnings : w);
}

// Known watts per class, no noise: recovered exactly, through FitPlatform.
TEST(FitPower, RecoversPerClassWattsExactly) {
  std::string csv = kHeader;
  for (int i = 0; i < 12; ++i) csv += Line("Conv", 8 + 8 * i, 16, 3, "fp32", 0.1 + 0.05 * i, 2.4, -1);
  for (int i = 0; i < 6; ++i) csv += Line("MaxPool", 16 + 16 * i, 32, 2, "fp32", 0.02 + 0.01 * i, 1.1, -1);
  for (int i = 0; i < 5; ++i) csv += Line("Add", 32 * (i + 1), 16, 1, "fp32", 0.01 * (i + 1), -1, 1.6 * 0.01 * (i + 1));
  const FitReport r = FitPlatform(ParseMeasurements(csv, "m.csv"), Base(), "measured: m.csv");
  EXPECT_NEAR(r.platform.ActivePowerW(OpClass::kConv), 2.4, 1e-12);
  EXPECT_NEAR(r.platform.ActivePowerW(OpClass::kPool), 1.1, 1e-12);
  EXPECT_NEAR(r.platform.ActivePowerW(OpClass::kEltwise), 1.6, 1e-12);
  EXPECT_DOUBLE_EQ(r.platform.ActivePowerW(OpClass::kSoftmax), 9);  // no rows: the platform's typical_w
  ASSERT_EQ(r.power.classes.size(), 3u);
  EXPECT_EQ(r.power.rows, 23);
  for (const PowerClassFit& c : r.power.classes) {
    EXPECT_TRUE(c.written);
    EXPECT_NEAR(c.energy_mape, 0, 1e-9);
    EXPECT_NEAR(c.power_rmse_w, 0, 1e-12);
  }
  const std::string& source = r.platform.classes.at(OpClass::kConv).active_power_w->source;
  EXPECT_NE(source.find("measured: m.csv (odonata fit: time-weighted mean power"), std::string::npos) << source;
  EXPECT_NE(source.find("12 conv fp32 rows"), std::string::npos) << source;
  // Idle power is not in layer rows: kept.
  EXPECT_EQ(r.platform.idle_power_w.value, 0.5);
  EXPECT_EQ(r.power.idle_rows, 0);
}

// +/-10% uniform noise on every row's power, 40 rows of 0.05 to 2 ms: the
// time-weighted mean is within 3% of the true 2.4 W (its standard error here is
// about 1.2%).
TEST(FitPower, RecoversWattsWithinThreePercentUnderNoise) {
  std::mt19937_64 rng(7);
  std::string csv = kHeader;
  double sum_mj = 0, sum_ms = 0;
  for (int i = 0; i < 40; ++i) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    const double watts = 2.4 * (1.0 + 0.1 * (2.0 * u - 1.0));
    const double ms = 0.05 + 0.05 * i;
    csv += Line("Conv", 8 + 4 * i, 16, 3, "fp32", ms, watts, -1);
    sum_mj += watts * ms;
    sum_ms += ms;
  }
  Platform p = Base();
  const PowerFit f = Fit(csv, p);
  ASSERT_EQ(f.classes.size(), 1u);
  EXPECT_NEAR(f.classes[0].active_w, 2.4, 2.4 * 0.03);
  EXPECT_NEAR(f.classes[0].active_w, sum_mj / sum_ms, 1e-12);
  EXPECT_GT(f.classes[0].power_rmse_w, 0.05);  // the noise is seen
  EXPECT_GE(f.classes[0].min_w, 2.4 * 0.9);
  EXPECT_LE(f.classes[0].max_w, 2.4 * 1.1);
  EXPECT_DOUBLE_EQ(p.ActivePowerW(OpClass::kConv), f.classes[0].active_w);
}

// Rows with energy only, power only and both (consistent), by hand:
// (1 ms, 2 W) -> 2 mJ; (2 ms, 3 W, 6 mJ) -> 6 mJ; (3 ms, 12 mJ) -> 12 mJ.
// active = 20 mJ / 6 ms = 3.3333 W; per-row 2, 3, 4 W; RMS deviation
// sqrt((1.7778 + 0.1111 + 0.4444) / 3) = 0.8819 W; predicted 3.333, 6.667,
// 10 mJ, errors 66.67%, 11.11%, 16.67%: energy MAPE 31.48%.
TEST(FitPower, MixesPowerAndEnergyRowsByHand) {
  const std::string csv = std::string(kHeader) + Line("Conv", 8, 16, 3, "fp32", 1, 2, -1) +
                          Line("Conv", 16, 16, 3, "fp32", 2, 3, 6) + Line("Conv", 32, 16, 3, "fp32", 3, -1, 12);
  Platform p = Base();
  const PowerFit f = Fit(csv, p);
  ASSERT_EQ(f.classes.size(), 1u);
  const PowerClassFit& c = f.classes[0];
  EXPECT_NEAR(c.active_w, 20.0 / 6.0, 1e-12);
  EXPECT_DOUBLE_EQ(c.min_w, 2);
  EXPECT_DOUBLE_EQ(c.max_w, 4);
  EXPECT_NEAR(c.power_rmse_w, 0.8819, 1e-4);
  EXPECT_NEAR(c.energy_mape, 31.48, 0.01);
  EXPECT_EQ(c.measured_mj, (std::vector<double>{2, 6, 12}));
  EXPECT_TRUE(c.written);
  EXPECT_NEAR(p.classes.at(OpClass::kConv).active_power_w->value, 3.3333, 1e-4);
}

TEST(FitPower, EnergyOnlyRows) {
  std::string csv = kHeader;
  for (int i = 1; i <= 4; ++i) csv += Line("Conv", 8 * i, 16, 3, "fp32", 0.5 * i, -1, 1.5 * 0.5 * i);
  Platform p = Base();
  const PowerFit f = Fit(csv, p);
  ASSERT_EQ(f.classes.size(), 1u);
  EXPECT_NEAR(f.classes[0].active_w, 1.5, 1e-12);
  EXPECT_EQ(f.rows, 4);
}

// The seed: 4.93 ms x 2.5 W = 12.325 mJ against 12.3 mJ (0.2% apart)
// is consistent; 123 mJ (a mW/W or J/mJ slip) is an error naming the line.
TEST(FitPower, InconsistentPowerAndEnergyIsAnErrorNamingTheLine) {
  Platform p = Base();
  const std::string ok = std::string(kHeader) + Line("Conv", 8, 16, 3, "fp32", 4.93, 2.5, 12.3);
  EXPECT_EQ(ErrorOf([&] { Fit(ok, p); }), "<no error>");
  const std::string bad =
      std::string(kHeader) + Line("Conv", 8, 16, 3, "fp32", 1, 2, -1) + Line("Conv", 16, 16, 3, "fp32", 4.93, 2.5, 123);
  EXPECT_EQ(ErrorOf([&] { Fit(bad, p); }),
            "m.csv:3: power_w 2.5 W x latency_ms 4.93 ms = 12.32 mJ, but energy_mj is 123 (89.98% apart, more "
            "than 5%); is one of them in other units (mW, J)?");
  // Through FitPlatform too (what `odonata fit` calls).
  EXPECT_NE(ErrorOf([&] { FitPlatform(ParseMeasurements(bad, "m.csv"), Base(), "x"); }).find("m.csv:3: power_w"),
            std::string::npos);
}

// Rows without power are ignored for power; a class with too few powered rows
// keeps the base's value and is reported with a warning.
TEST(FitPower, RowsWithoutPowerAndTooFewRows) {
  std::string csv = kHeader;
  for (int i = 1; i <= 5; ++i) csv += Line("Conv", 8 * i, 16, 3, "fp32", 0.1 * i, -1, -1);
  csv += Line("Conv", 64, 16, 3, "fp32", 1, 2, -1);
  csv += Line("Conv", 72, 16, 3, "fp32", 1, 2, -1);
  for (int i = 1; i <= 3; ++i) csv += Line("Add", 16 * i, 16, 1, "fp32", 0.01 * i, 0.7, -1);
  Platform p = Base();
  std::vector<std::string> warnings;
  const PowerFit f = Fit(csv, p, &warnings);
  EXPECT_EQ(f.rows, 5);
  EXPECT_EQ(f.rows_without, 5);
  ASSERT_EQ(f.classes.size(), 2u);
  EXPECT_FALSE(f.classes[0].written);  // conv: 2 rows
  EXPECT_EQ(f.classes[0].note, "2 rows with power, at least 3 are needed; active_w kept");
  EXPECT_DOUBLE_EQ(p.ActivePowerW(OpClass::kConv), 5);  // the base's
  EXPECT_TRUE(f.classes[1].written);                    // eltwise: 3 rows
  EXPECT_NEAR(p.ActivePowerW(OpClass::kEltwise), 0.7, 1e-12);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "conv fp32: power not fitted: 2 rows with power, at least 3 are needed; active_w kept");
}

// One active_w per class: the precision with the most rows decides.
TEST(FitPower, MostNumerousPrecisionDecides) {
  std::string csv = kHeader;
  for (int i = 1; i <= 4; ++i) csv += Line("Conv", 8 * i, 16, 3, "fp16", 0.1 * i, 2, -1);
  for (int i = 1; i <= 3; ++i) csv += Line("Conv", 8 * i, 16, 3, "fp32", 0.2 * i, 3, -1);
  Platform p = Base();
  std::vector<std::string> warnings;
  const PowerFit f = Fit(csv, p, &warnings);
  ASSERT_EQ(f.classes.size(), 2u);
  EXPECT_NEAR(p.ActivePowerW(OpClass::kConv), 2, 1e-12);
  EXPECT_EQ(f.classes[0].precision, Precision::kFp32);
  EXPECT_FALSE(f.classes[0].written);
  EXPECT_TRUE(f.classes[1].written);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "conv fp32: power 3 W not written: the class's active_w comes from the fp16 rows (the most numerous), 2 W");
}

// idle_power_w (QuTiBench's name), an extra column: the median sets idle_w.
TEST(FitPower, IdleColumnSetsIdlePower) {
  std::string csv = "op,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,precision,latency_ms,idle_power_w\n";
  csv += "Conv,8,16,16,8,3,3,1,1,fp32,1,1.2\nConv,8,16,16,8,3,3,1,1,fp32,1,1.4\n";
  csv += "Conv,8,16,16,8,3,3,1,1,fp32,1,\nConv,8,16,16,8,3,3,1,1,fp32,1,1.3\nConv,8,16,16,8,3,3,1,1,fp32,1,9\n";
  Platform p = Base();
  const PowerFit f = Fit(csv, p);
  EXPECT_EQ(f.idle_rows, 4);
  EXPECT_NEAR(f.idle_w, 1.35, 1e-12);  // median of 1.2, 1.3, 1.4, 9
  EXPECT_NEAR(p.idle_power_w.value, 1.35, 1e-12);
  EXPECT_NE(p.idle_power_w.source.find("median idle_power_w of 4 rows, 1.2 to 9 W"), std::string::npos);
  EXPECT_EQ(f.rows, 0);  // no power or energy: no class fitted
  EXPECT_DOUBLE_EQ(p.ActivePowerW(OpClass::kConv), 5);

  const std::string bad = csv + "Conv,8,16,16,8,3,3,1,1,fp32,1,abc\n";
  EXPECT_EQ(ErrorOf([&] { Fit(bad, p); }), "m.csv:7: idle_power_w: 'abc' is not a number >= 0");
}

// The latency fit replaces a class model; the power the class had (here
// through `default`) must survive when no row has power.
TEST(FitPower, LatencyFitKeepsTheBasePower) {
  Platform base = Base();
  base.classes.erase(OpClass::kConv);
  base.default_class.active_power_w = Sourced{7, "base default"};
  std::string csv = kHeader;
  for (int i = 1; i <= 8; ++i) csv += Line("Conv", 8 * i, 16, 3, "fp32", 0.1 * i, -1, -1);
  const FitReport r = FitPlatform(ParseMeasurements(csv, "m.csv"), base, "measured: m.csv");
  ASSERT_TRUE(r.platform.classes.count(OpClass::kConv));
  EXPECT_DOUBLE_EQ(r.platform.ActivePowerW(OpClass::kConv), 7);
  EXPECT_EQ(r.power.rows, 0);
  EXPECT_EQ(r.power.rows_without, 8);
}

TEST(FitPower, ReportShowsThePowerFit) {
  std::string csv = kHeader;
  for (int i = 1; i <= 4; ++i) csv += Line("Conv", 8 * i, 16, 3, "fp32", 0.5 * i, 2.5, -1);
  const FitReport r = FitPlatform(ParseMeasurements(csv, "m.csv"), Base(), "measured: m.csv");
  std::ostringstream table, json;
  RenderFitReport(r, Format::kTable, table);
  EXPECT_NE(table.str().find("power      4 rows with power or energy"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("idle_w kept from the base (0.500 W)"), std::string::npos) << table.str();
  RenderFitReport(r, Format::kJson, json);
  const nlohmann::json j = nlohmann::json::parse(json.str());
  ASSERT_EQ(j["power"]["classes"].size(), 1u);
  EXPECT_EQ(j["power"]["classes"][0]["class"], "conv");
  EXPECT_DOUBLE_EQ(j["power"]["classes"][0]["active_w"].get<double>(), 2.5);
  EXPECT_EQ(j["power"]["classes"][0]["written"], true);
}

}  // namespace
}  // namespace odonata

// --- The shipped Jetson Nano modes (data/seed-profiles/jetson-nano.json) ----

namespace odonata {
namespace {

const std::string kRoot = ODONATA_SOURCE_DIR;

Report Nano(const std::string& mode, Precision precision) {
  static const Network net = LoadOnnx(kRoot + "/models/mobilenet_v2.onnx");
  EstimateOptions o;
  o.precision = precision;
  return EstimateNetwork(net, LoadPlatform(kRoot + "/platforms/jetson-nano.json:" + mode), o);
}

double LayersMs(const Report& r) { return r.total_ms - r.overhead_ms; }

// Energy = sum of the layer energies + overhead energy in every mode; each
// layer draws its class's fitted board power (conv, dwconv, gemm; power.active_w
// for the others) x the mode's power_scale, the overhead idle_w (idle_scale 1 in
// every mode).
TEST(JetsonNanoModes, EnergyIsLayerEnergiesPlusOverheadInEveryMode) {
  const Platform base = LoadPlatform(kRoot + "/platforms/jetson-nano.json");
  const std::vector<std::pair<std::string, double>> modes = {
      {"maxn", 1.0}, {"gpu-614", 0.6667}, {"cpu-921", 0.136011}, {"cpu-1430", 0.211178}};
  for (const auto& [mode, power_scale] : modes) {
    SCOPED_TRACE(mode);
    const Report r = Nano(mode, Precision::kFp32);
    double sum = 0;
    for (const ReportRow& row : r.rows) {
      const double w = base.ActivePowerW(row.layer.op_class) * power_scale;
      EXPECT_NEAR(row.energy_mj, w * row.ms, 1e-12 * (1 + row.energy_mj)) << row.layer.name;
      sum += row.energy_mj;
    }
    EXPECT_NEAR(r.overhead_energy_mj, base.idle_power_w.value * r.overhead_ms, 1e-12);
    EXPECT_NEAR(r.energy_mj, sum + r.overhead_energy_mj, 1e-9 * r.energy_mj);
  }
  // Board power (data/jetson-nano/README.md): conv layers draw more than the board at idle.
  EXPECT_GT(base.ActivePowerW(OpClass::kConv), base.idle_power_w.value);
}

// What the modes scale, by hand from the profile: gpu-614 and cpu-921 have the
// CPU at 921 MHz (overhead x 1430/921 = 1.5527); the CPU modes scale compute
// and bandwidth (and fitted coefficients) by one k, so every layer time is
// divided by it exactly; cpu-1430 is cpu-921 x 1430/921 (k 0.266352 / 0.171545).
TEST(JetsonNanoModes, ScalesAsDeclared) {
  const Report maxn = Nano("maxn", Precision::kFp32);
  const Report cpu921 = Nano("cpu-921", Precision::kFp32);
  const Report cpu1430 = Nano("cpu-1430", Precision::kFp32);
  const Report gpu614 = Nano("gpu-614", Precision::kFp16);
  EXPECT_NEAR(LayersMs(cpu921) * 0.171545, LayersMs(maxn), 1e-9 * LayersMs(maxn));
  EXPECT_NEAR(LayersMs(cpu1430) * 0.266352, LayersMs(maxn), 1e-9 * LayersMs(maxn));
  EXPECT_NEAR(cpu921.overhead_ms, maxn.overhead_ms * 1.5527, 1e-12);
  EXPECT_NEAR(gpu614.overhead_ms, maxn.overhead_ms * 1.5527, 1e-12);
  EXPECT_DOUBLE_EQ(cpu1430.overhead_ms, maxn.overhead_ms);
  // The calibration row of cpu-921 (69.4 ms) is reproduced; the validation row
  // of cpu-1430 (46.9 ms) is not used and comes out 4.7% short.
  EXPECT_NEAR(cpu921.total_ms, 69.4, 0.01);
  EXPECT_NEAR(cpu1430.total_ms, 44.70, 0.01);
  // A lower GPU clock slows fitted layers by 921/614 and memory-bound roofline layers not at all.
  const Report maxn16 = Nano("maxn", Precision::kFp16);
  EXPECT_GT(LayersMs(gpu614), LayersMs(maxn16));
  EXPECT_LT(LayersMs(gpu614), 1.5 * LayersMs(maxn16));
}

}  // namespace
}  // namespace odonata
