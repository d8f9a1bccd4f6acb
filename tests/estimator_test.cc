#include "odonata/estimator.h"

#include <gtest/gtest.h>

#include <cmath>

#include "odonata/errors.h"
#include "odonata/network.h"
#include "odonata/platform.h"
#include "odonata/report.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::Model;

// 100 GOP/s, 10 GB/s at fp16; conv refined with in_c p=32 alpha=1; Relu free.
Platform TestPlatform(const std::string& conv_estimator = "refined_roofline") {
  std::string json = R"({
    "schema": "odonata-platform/1", "name": "test", "description": "test device",
    "default_precision": "fp16",
    "precisions": {"fp16": {"peak_gops": {"value": 100, "source": "t"}, "bandwidth_gbps": {"value": 10, "source": "t"}}},
    "overhead_ms": {"value": 0.5, "source": "t"},
    "power": {"idle_w": {"value": 1, "source": "t"}, "typical_w": {"value": 2, "source": "t"}},
    "price_usd": {"value": 10, "source": "t"},
    "classes": {
      "default": {"estimator": "roofline"},
      "conv": {"estimator": ")" +
                     conv_estimator + R"(",
               "compute_efficiency": {"value": 0.5, "source": "t"},
               "parallelism": [{"dim": "in_c", "p": 32, "alpha": 1.0, "source": "t"}]}
    },
    "fusion": {"free": {"ops": ["Relu"], "source": "t"}}
  })";
  return ParsePlatform(json, "test.json");
}

TEST(Estimator, DimensionEfficiency) {
  EXPECT_DOUBLE_EQ(DimensionEfficiency(64, 32, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(DimensionEfficiency(33, 32, 1.0), 33.0 / 64.0);
  EXPECT_DOUBLE_EQ(DimensionEfficiency(33, 32, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(DimensionEfficiency(33, 32, 0.5), 1.0 / (0.5 + 0.5 * 64.0 / 33.0));
  EXPECT_DOUBLE_EQ(DimensionEfficiency(3, 1, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(DimensionEfficiency(0, 32, 1.0), 1.0);
}

TEST(Estimator, RegistryOrderAndLookup) {
  ASSERT_EQ(Estimators().size(), 4u);
  EXPECT_EQ(Estimators()[0].name, "roofline");
  EXPECT_EQ(Estimators()[1].name, "refined_roofline");
  EXPECT_NE(FindEstimator("memory"), nullptr);
  EXPECT_EQ(FindEstimator("nonsense"), nullptr);
}

// One 3x3 conv, 3 -> 64 channels on 32x32 (pad 1): 32*32*64 outputs x 27 MACs.
Network ConvNet() {
  return ParseOnnxText(Model("(float[1,3,32,32] x) => (float[1,64,32,32] y)",
                             "c = Conv<pads=[1,1,1,1]>(x, w)\n y = Relu(c)", "<float[64,3,3,3] w = {0.0}>"));
}

TEST(Estimator, RooflineByHand) {
  Network net = ConvNet();
  Report r = EstimateNetwork(net, TestPlatform("roofline"));
  ASSERT_EQ(r.rows.size(), 2u);
  const double ops = 2.0 * 65536 * 27;                  // 3,538,944
  const double bytes = (3072 + 65536 + 1728) * 2.0;     // fp16
  const double compute_ms = ops / (100e9 * 0.5) * 1e3;  // 0.0707789 ms
  const double memory_ms = bytes / 10e9 * 1e3;          // 0.0140672 ms
  EXPECT_DOUBLE_EQ(r.rows[0].estimate.ops, ops);
  EXPECT_DOUBLE_EQ(r.rows[0].estimate.bytes, bytes);
  EXPECT_DOUBLE_EQ(r.rows[0].ms, std::max(compute_ms, memory_ms));
  EXPECT_EQ(r.rows[0].estimate.bound, Bound::kCompute);
  EXPECT_EQ(r.rows[0].estimate.estimator, "roofline");
  // Relu is free on this platform.
  EXPECT_EQ(r.rows[1].estimate.estimator, "free");
  EXPECT_EQ(r.rows[1].ms, 0.0);
  EXPECT_DOUBLE_EQ(r.total_ms, r.rows[0].ms + 0.5);
}

TEST(Estimator, RefinedRooflinePenalisesThreeInputChannels) {
  Report r = EstimateNetwork(ConvNet(), TestPlatform());
  // in_c = 3 on 32 parallel lanes: u = 3/32, alpha 1: eff = 3/32.
  const double compute_ms = 2.0 * 65536 * 27 / (100e9 * 0.5 * 3.0 / 32.0) * 1e3;
  EXPECT_DOUBLE_EQ(r.rows[0].estimate.utilisation, 3.0 / 32.0);
  EXPECT_DOUBLE_EQ(r.rows[0].ms, compute_ms);
  EXPECT_EQ(r.rows[0].estimate.estimator, "refined_roofline");
}

TEST(Estimator, UnknownOpsAreCostedAsMemoryAndFlagged) {
  std::string text =
      "<ir_version: 8, opset_import: [\"\" : 13, \"com.acme\" : 1]>\n"
      "g (float[1,1000] x) => (float[1,1000] y) {\n  y = com.acme.Frobnicate(x)\n}\n";
  Report r = EstimateNetwork(ParseOnnxText(text), TestPlatform());
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].estimate.estimator, "memory");
  EXPECT_EQ(r.rows[0].flags, (std::vector<std::string>{"unknown_op"}));
  EXPECT_DOUBLE_EQ(r.rows[0].ms, 2000 * 2.0 / 10e9 * 1e3);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.back().find("com.acme.Frobnicate x1"), std::string::npos);
}

TEST(Estimator, GemmDimensions) {
  Network net = ParseOnnxText(Model("(float[2,5] a) => (float[2,3] y)", "y = Gemm(a, b)", "<float[5,3] b = {0.0}>"));
  EXPECT_EQ(LayerDim(net.layers[0], "in_c"), 5);
  EXPECT_EQ(LayerDim(net.layers[0], "out_c"), 3);
  EXPECT_EQ(LayerDim(net.layers[0], "out_h"), 0);
}

TEST(Estimator, PrecisionAndEstimatorErrors) {
  EstimateOptions o;
  o.precision = Precision::kInt8;
  try {
    EstimateNetwork(ConvNet(), TestPlatform(), o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "platform 'test' does not support int8 (supported: fp16)");
  }
  try {
    EstimateNetwork(ConvNet(), TestPlatform("magic"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("classes.conv.estimator: unknown estimator 'magic'"), std::string::npos);
  }
}

TEST(Estimator, TotalIsSumOfRowsPlusOverheadOnEveryModelAndPlatform) {
  const std::string root = ODONATA_SOURCE_DIR;
  for (const char* model : {"alexnet", "resnet50", "mobilenet_v2", "googlenet", "ssdlite320_mobilenet_v3_large"}) {
    Network net = LoadOnnx(root + "/models/" + model + ".onnx");
    for (const char* platform : {"ncs2", "zcu102", "jetson-nano", "jetson-tx2"}) {
      SCOPED_TRACE(std::string(model) + " on " + platform);
      Report r = EstimateNetwork(net, LoadPlatform(root + "/platforms/" + platform + ".json"));
      double sum = 0, percent = 0;
      for (const ReportRow& row : r.rows) {
        EXPECT_GE(row.ms, 0.0);
        EXPECT_TRUE(std::isfinite(row.ms));
        sum += row.ms;
        percent += row.percent;
      }
      EXPECT_DOUBLE_EQ(r.total_ms, sum + r.overhead_ms);
      EXPECT_NEAR(percent + 100.0 * r.overhead_ms / r.total_ms, 100.0, 1e-9);
      EXPECT_GT(r.total_ms, r.overhead_ms);
    }
  }
}

}  // namespace
}  // namespace odonata
