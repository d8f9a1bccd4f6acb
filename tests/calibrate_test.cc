#include "odonata/calibrate.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/measurements.h"
#include "odonata/onnx.h"

namespace odonata {
namespace {

Platform Device() {
  return ParsePlatform(R"({
    "schema": "odonata-platform/1", "name": "dev", "description": "test device",
    "default_precision": "fp32",
    "precisions": {"fp32": {"peak_gops": {"value": 10, "source": "t"}, "bandwidth_gbps": {"value": 1, "source": "t"}}},
    "overhead_ms": {"value": 0.1, "source": "t"},
    "power": {"idle_w": {"value": 1, "source": "t"}, "typical_w": {"value": 2, "source": "t"}},
    "price_usd": {"value": 10, "source": "t"},
    "classes": {"default": {"estimator": "roofline", "compute_efficiency": {"value": 0.5, "source": "t"}}}
  })",
                       "dev.json");
}

class Calibrate : public ::testing::Test {
 protected:
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("odonata_calibrate_" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A suite row of a single conv of `in_c` channels, measured as `scale` x the
  // profile's layer time + `overhead` ms.
  ValidationRow Row(int in_c, double scale, double overhead) {
    LayerConfig c;
    c.in_c = in_c;
    c.out_c = 16;
    c.in_h = c.in_w = 32;
    c.kernel_h = c.kernel_w = 3;
    const std::string name = "conv" + std::to_string(in_c) + ".onnx";
    WriteLayerModel(c, (dir_ / name).string());
    const double layers = EstimateNetwork(LoadOnnx((dir_ / name).string()), Device()).total_ms - 0.1;
    ValidationRow r;
    r.model = name;
    r.directory = dir_.string();
    r.platform = "dev";
    r.precision = Precision::kFp32;
    r.measured_ms = scale * layers + overhead;
    r.measures = "e2e";
    r.calibration = true;
    r.origin = name;
    return r;
  }
};

TEST_F(Calibrate, RecoversScaleAndOverhead) {
  std::vector<ValidationRow> rows = {Row(3, 2.0, 0.5), Row(16, 2.0, 0.5), Row(64, 2.0, 0.5)};
  Calibration c = CalibratePlatform(rows, Device(), true);
  EXPECT_NEAR(c.scale, 2.0, 1e-9);
  EXPECT_NEAR(c.overhead_ms, 0.5, 1e-9);
  EXPECT_TRUE(c.overhead_fitted);
  EXPECT_NEAR(c.mape_after, 0.0, 1e-9);
  EXPECT_GT(c.mape_before, 10.0);
  // Applied, the profile reproduces the measurements.
  Platform p = ApplyCalibration(Device(), c, "test");
  EXPECT_DOUBLE_EQ(p.default_class.compute_efficiency.value, 0.25);
  EXPECT_DOUBLE_EQ(p.overhead_ms.value, 0.5);
  for (const ValidationRow& r : rows) {
    EXPECT_NEAR(EstimateNetwork(LoadOnnx(r.directory + "/" + r.model), p).total_ms, r.measured_ms, 1e-9);
  }
}

TEST_F(Calibrate, NegativeOverheadFallsBackToScaleOnly) {
  // Measured = 1.5 x layers - 0.01 ms: an overhead < 0 is not physical.
  std::vector<ValidationRow> rows = {Row(8, 1.5, -0.01), Row(32, 1.5, -0.01)};
  Calibration c = CalibratePlatform(rows, Device(), true);
  EXPECT_FALSE(c.overhead_fitted);
  EXPECT_DOUBLE_EQ(c.overhead_ms, 0.1);  // the profile's, kept
  EXPECT_GT(c.scale, 1.0);
  EXPECT_THROW(CalibratePlatform({}, Device(), true), Error);
}

}  // namespace
}  // namespace odonata
