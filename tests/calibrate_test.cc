#include "odonata/calibrate.h"

#include <gtest/gtest.h>


#include <filesystem>
#include <fstream>
#include <iomanip>
#include <optional>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/measurements.h"
#include "odonata/onnx.h"
#include "odonata/version.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::ErrorOf;

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

TEST_F(Calibrate, ScaleOnlyKeepsTheProfilesOverheadInTheFit) {
  // Measured = 2 x layers + the profile's own 0.1 ms: the scale alone explains them.
  std::vector<ValidationRow> rows = {Row(8, 2.0, 0.1), Row(32, 2.0, 0.1)};
  Calibration c = CalibratePlatform(rows, Device(), false);
  EXPECT_FALSE(c.overhead_fitted);
  EXPECT_DOUBLE_EQ(c.overhead_ms, 0.1);
  EXPECT_NEAR(c.scale, 2.0, 1e-12);
  EXPECT_LT(c.mape_after, 1e-9);
  // A perfect fit reads 0.00%, not 2.38437e-14%.
  const std::string summary = CalibrationSummary(c);
  EXPECT_TRUE(summary.starts_with("2 calibration rows, layer times x2, overhead kept, MAPE ")) << summary;
  EXPECT_TRUE(summary.ends_with("% -> 0.00%")) << summary;
  c.overhead_fitted = true;
  c.overhead_ms = 1.23456;
  c.scale = 1.0523456;
  c.mape_before = 18.4;
  c.mape_after = 3.0749;
  EXPECT_EQ(CalibrationSummary(c), "2 calibration rows, layer times x1.052, overhead 1.235 ms, MAPE 18.40% -> 3.07%");
}

// Rows of several platforms, splits and kinds, for the selection alone.
ValidationRow Plain(const std::string& platform, bool calibration, const std::string& measures) {
  ValidationRow r;
  r.platform = platform;
  r.calibration = calibration;
  r.measures = measures;
  r.origin = platform + "/" + measures + (calibration ? "/calibration" : "/validation");
  return r;
}

TEST(CalibrationRows, ThePlatformsCalibrationRowsOfOneKind) {
  const std::vector<ValidationRow> rows = {
      Plain("dev", true, "e2e"),   Plain("dev", false, "e2e"),  // validation: never used
      Plain("other", true, "e2e"), Plain("dev", true, "layers_sum"), Plain("dev", true, "compute"),
  };
  auto origins = [](const std::vector<ValidationRow>& v) {
    std::vector<std::string> o;
    for (const ValidationRow& r : v) o.push_back(r.origin);
    return o;
  };
  EXPECT_EQ(origins(SelectCalibrationRows(rows, "dev", std::string("e2e"))),
            (std::vector<std::string>{"dev/e2e/calibration"}));
  // layers_sum rows (compared without overhead) go with any one kind.
  EXPECT_EQ(origins(SelectCalibrationRows({rows[0], rows[3]}, "dev", std::nullopt)),
            (std::vector<std::string>{"dev/e2e/calibration", "dev/layers_sum/calibration"}));
  EXPECT_EQ(ErrorOf([&] { SelectCalibrationRows(rows, "dev", std::nullopt); }),
            "calibrate: the calibration rows measure different things ('compute', 'e2e'); choose one with "
            "--measures");
  try {
    SelectCalibrationRows(rows, "dev", std::nullopt);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
  }
  EXPECT_EQ(ErrorOf([&] { SelectCalibrationRows(rows, "nano", std::nullopt); }),
            "calibrate: no calibration rows of platform 'nano'");
  EXPECT_EQ(ErrorOf([&] { SelectCalibrationRows(rows, "dev", std::string("model_run")); }),
            "calibrate: no calibration rows of platform 'dev' measuring 'model_run'");
}

TEST_F(Calibrate, FromSuitesFitsTheCalibrationRowsAndSaysWhere) {
  const std::vector<ValidationRow> rows = {Row(3, 2.0, 0.5), Row(16, 2.0, 0.5), Row(64, 2.0, 0.5)};
  const std::string suite = (dir_ / "suite.csv").string();
  {
    std::ofstream out(suite);
    out << std::setprecision(17) << "model,platform,precision,measured_ms,measures,split,source\n";
    for (const ValidationRow& r : rows) out << r.model << ",dev,fp32," << r.measured_ms << ",e2e,calibration,t\n";
    out << rows[0].model << ",dev,fp32,99,e2e,validation,t\n";  // never fitted on
  }
  const SuiteCalibration s = CalibrateFromSuites({suite}, Device());
  EXPECT_EQ(s.calibration.rows.size(), 3u);
  EXPECT_NEAR(s.calibration.scale, 2.0, 1e-9);
  EXPECT_NEAR(s.calibration.overhead_ms, 0.5, 1e-9);
  const std::string source =
      "calibrated by odonata " + std::string(Version()) + " on the 3 calibration rows of " + suite;
  EXPECT_EQ(s.platform.overhead_ms.source, source);

  CalibrateOptions scale_only;
  scale_only.fit_overhead = false;
  scale_only.measures = "e2e";
  const SuiteCalibration k = CalibrateFromSuites({suite}, Device(), scale_only);
  EXPECT_FALSE(k.calibration.overhead_fitted);
  EXPECT_EQ(k.platform.overhead_ms.value, 0.1);
  EXPECT_NE(k.platform.notes.back().find("(" + source + " measuring 'e2e')"), std::string::npos)
      << k.platform.notes.back();
}

TEST_F(Calibrate, ARowThatCannotBeEstimatedIsNamed) {
  ValidationRow r = Row(3, 2.0, 0.5);
  r.precision = Precision::kInt8;
  EXPECT_EQ(ErrorOf([&] { CalibratePlatform({r}, Device(), true); }),
            r.origin + ": platform 'dev' does not support int8 (supported: fp32)");
}

}  // namespace
}  // namespace odonata
