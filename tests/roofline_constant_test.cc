// The roofline's per-kernel constant (issue 12, helper smallops; docs/host-cost-model.md
// "Small nodes"): ClassModel::constant_ms added to the roofline estimate, the fit's candidate
// "roofline+constant" for the small memory-bound classes, and profiles without it unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/fit.h"
#include "odonata/measurements.h"
#include "odonata/platform.h"
#include "test_util.h"

namespace odonata {
namespace {

using I64 = std::int64_t;
using odonata::testing::Noise;

Platform Base() {
  Platform p;
  p.name = "test";
  p.precisions[Precision::kFp32] = {{100, "t"}, {20, "t"}};  // 100 GOP/s, 20 GB/s
  // The candidate is offered where the base declares the constant (any value).
  p.classes[OpClass::kPool].constant_ms = Sourced{0.0, "declared"};
  return p;
}

// A global average pool: its bytes (c x h x h in, c out) follow neither its channels, its size
// nor its output elements alone, so no step/linear candidate is exact on it.
LayerConfig PoolConfig(I64 c, I64 h) {
  LayerConfig cfg;
  cfg.op = "GlobalAveragePool";
  cfg.in_c = cfg.out_c = c;
  cfg.in_h = cfg.in_w = h;
  return cfg;
}

LayerConfig AddConfig(I64 c, I64 h) {
  LayerConfig cfg;
  cfg.op = "Add";
  cfg.in_c = cfg.out_c = c;
  cfg.in_h = cfg.in_w = h;
  return cfg;
}

// Pool rows from 16 to 200k input elements whose times follow floor_ms + bytes / 10 GB/s.
std::vector<Measurement> PoolRows(double floor_ms, double noise_r) {
  std::vector<Measurement> rows;
  Noise noise(noise_r, 7);
  for (I64 c : {1, 4, 16, 64, 256}) {
    for (I64 h : {4, 7, 14, 28}) {
      const LayerConfig cfg = PoolConfig(c, h);
      const double bytes = static_cast<double>(ToLayer(cfg).counts.Bytes(4));
      Measurement m;
      m.config = cfg;
      m.latency_ms = (floor_ms + bytes / 10e9 * 1e3) * noise();
      m.origin = "adds.csv:" + std::to_string(rows.size() + 2);
      rows.push_back(m);
    }
  }
  return rows;
}

const ClassFit& FitOf(const FitReport& r, OpClass c) {
  for (const ClassFit& f : r.classes) {
    if (f.op_class == c) return f;
  }
  throw std::runtime_error("class not fitted");
}

double CvOf(const ClassFit& f, const std::string& name) {
  for (const auto& [n, s] : f.candidates) {
    if (n == name) return s.cv_mape;
  }
  return -1;
}

double Estimate(const Platform& p, OpClass c, const Layer& l) {
  const ClassModel& m = p.classes.at(c);
  return FindEstimator(m.estimator)->fn(EstimatorContext{l, p, Precision::kFp32, m}).ms;
}

// Rows with a floor of 2 us: the fit recovers the floor and the bandwidth, the CV chooses the
// constant, and the roofline alone misses the small rows by far more.
TEST(RooflineConstant, RecoveredFromRowsWithAFloor) {
  const FitReport r = FitPlatform(PoolRows(0.002, 0.02), Base(), "adds.csv", 5);
  const ClassFit& f = FitOf(r, OpClass::kPool);
  EXPECT_EQ(f.chosen, "roofline+constant");
  EXPECT_LT(CvOf(f, "roofline+constant"), 8.0);  // 2% noise; the roofline alone > 20%
  EXPECT_GT(CvOf(f, "roofline"), 20.0);
  const ClassModel& m = r.platform.classes.at(OpClass::kPool);
  EXPECT_EQ(m.estimator, "roofline");
  ASSERT_TRUE(m.constant_ms);
  EXPECT_NEAR(m.constant_ms->value, 0.002, 0.0001);
  EXPECT_NEAR(m.memory_efficiency.value, 0.5, 0.02);  // 10 of 20 GB/s
  EXPECT_EQ(m.constant_ms->source.rfind("adds.csv (odonata fit, 20 rows; roofline+constant", 0), 0u)
      << m.constant_ms->source;
  // A 64-element pool is priced at about the floor (its bytes take 0.03 us at 10 GB/s).
  const Layer tiny = ToLayer(PoolConfig(4, 4));
  EXPECT_NEAR(Estimate(r.platform, OpClass::kPool, tiny), 0.002 + 272.0 / 10e9 * 1e3, 0.0001);
}

// Without the declaration in the base, the candidate is not offered.
TEST(RooflineConstant, OfferedOnlyWhereTheBaseDeclaresIt) {
  Platform base = Base();
  base.classes.erase(OpClass::kPool);
  const FitReport r = FitPlatform(PoolRows(0.002, 0.02), base, "adds.csv", 5);
  EXPECT_EQ(CvOf(FitOf(r, OpClass::kPool), "roofline+constant"), -1.0);
}

// Rows without a floor keep the plain roofline: nothing written.
TEST(RooflineConstant, NotChosenWithoutAFloor) {
  const FitReport r = FitPlatform(PoolRows(0.0, 0.02), Base(), "adds.csv", 5);
  const ClassFit& f = FitOf(r, OpClass::kPool);
  EXPECT_EQ(f.chosen, "roofline");
  EXPECT_GE(CvOf(f, "roofline+constant"), 0.0);  // tried
  EXPECT_FALSE(r.platform.classes.at(OpClass::kPool).constant_ms);
}

// The estimate adds the constant to the roofline (hand-computed) and a profile without it
// estimates as before; the field reads back and an old profile writes back byte for byte.
TEST(RooflineConstant, EstimateAndProfileField) {
  Platform p = Base();
  p.description = "test";
  ClassModel m;
  m.memory_efficiency = {0.5, "t"};
  p.classes[OpClass::kEltwise] = m;
  const Layer l = ToLayer(AddConfig(16, 14));  // 3136 elements, 3 x 4 bytes each
  const double roof = 3136.0 * 12 / 10e9 * 1e3;
  EXPECT_NEAR(Estimate(p, OpClass::kEltwise, l), roof, 1e-12);
  p.classes[OpClass::kEltwise].constant_ms = Sourced{0.0015, "test"};
  EXPECT_NEAR(Estimate(p, OpClass::kEltwise, l), roof + 0.0015, 1e-12);
  p.classes[OpClass::kEltwise].estimator = "refined_roofline";
  EXPECT_NEAR(Estimate(p, OpClass::kEltwise, l), roof + 0.0015, 1e-12);

  // The committed host profile has no constant: written back unchanged.
  const std::string path = std::string(ODONATA_SOURCE_DIR) + "/platforms/host-ort-cpu.json";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const Platform host = ParsePlatform(text.str(), path);
  for (const auto& [c, cm] : host.classes) EXPECT_FALSE(cm.constant_ms) << OpClassName(c);
  std::ostringstream again;
  WritePlatform(host, again);
  auto count = [](const std::string& t) {  // the fused activations' "constant_ms" keys only
    std::size_t k = 0;
    for (std::size_t at = t.find("\"constant_ms\""); at != std::string::npos; at = t.find("\"constant_ms\"", at + 1)) ++k;
    return k;
  };
  EXPECT_EQ(count(again.str()), count(text.str()));
  // With a constant the field is written and read back.
  Platform with = host;
  with.classes.at(OpClass::kEltwise).constant_ms = Sourced{0.0015, "test"};
  std::ostringstream out;
  WritePlatform(with, out);
  EXPECT_NE(out.str().find("\"constant_ms\""), std::string::npos);
  const Platform back = ParsePlatform(out.str(), "back.json");
  ASSERT_TRUE(back.classes.at(OpClass::kEltwise).constant_ms);
  EXPECT_EQ(back.classes.at(OpClass::kEltwise).constant_ms->value, 0.0015);
}

TEST(RooflineConstant, NegativeConstantIsRejected) {
  const std::string path = std::string(ODONATA_SOURCE_DIR) + "/platforms/host-ort-cpu.json";
  std::ifstream in(path);
  std::stringstream file;
  file << in.rdbuf();
  Platform p = ParsePlatform(file.str(), path);
  p.classes.at(OpClass::kEltwise).constant_ms = Sourced{0.000987654, "t"};
  std::ostringstream out;
  WritePlatform(p, out);
  std::string text = out.str();
  const std::size_t at = text.find("0.000987654");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 11, "-0.000987654");
  EXPECT_THROW(ParsePlatform(text, "bad.json"), Error);
}

}  // namespace
}  // namespace odonata
