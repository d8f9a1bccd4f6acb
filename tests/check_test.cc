// Validation suites and `odonata check`: the suite parser and its messages,
// RunCheck on a hand-computed model and profile, tolerances, the baseline, the
// renderers, and the shipped suites in data/validation/.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/check.h"
#include "odonata/errors.h"
#include "odonata/measurements.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "test_util.h"

namespace odonata {
namespace {

namespace fs = std::filesystem;

using testing::ErrorOf;

const std::string kHeader = "model,platform,precision,measured_ms,measures,split,source\n";

// A fresh directory per test, removed afterwards.
class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("odonata_check_test_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // The message ReadValidationSuite throws for a suite with `text` ("" if none).
  std::string SuiteError(const std::string& text) const {
    const std::string path = Write("v.csv", text);
    try {
      ReadValidationSuite(path);
    } catch (const Error& e) {
      std::string what = e.what();
      // Messages start with the path; compare what follows it.
      return what.rfind(path, 0) == 0 ? "v.csv" + what.substr(path.size()) : what;
    }
    return "";
  }

  // conv.onnx: one Conv 16 -> 32 channels, 3x3, 32x32, stride 1, same padding, with bias;
  // tiny.json: a roofline profile (fp32: 10 GOP/s, 1 GB/s; fp16: 20 GOP/s, 1 GB/s; overhead 0.5 ms).
  void WriteModelAndProfile() const {
    LayerConfig conv;
    conv.op = "Conv";
    conv.in_c = 16;
    conv.in_h = conv.in_w = 32;
    conv.out_c = 32;
    conv.kernel_h = conv.kernel_w = 3;
    WriteLayerModel(conv, (dir_ / "conv.onnx").string());

    Platform p;
    p.name = "tiny";
    p.description = "test profile";
    p.precisions[Precision::kFp32] = {{10, "test"}, {1, "test"}};
    p.precisions[Precision::kFp16] = {{20, "test"}, {1, "test"}};
    p.default_precision = Precision::kFp32;
    p.overhead_ms = {0.5, "test"};
    p.idle_power_w = {1, "test"};
    p.typical_power_w = {2, "test"};
    p.price_usd = {1, "test"};
    p.default_class.compute_efficiency = {1.0, "test"};
    p.default_class.memory_efficiency = {1.0, "test"};
    std::ostringstream json;
    WritePlatform(p, json);
    Write("tiny.json", json.str());
  }

  fs::path dir_;
};

// Hand-computed figures of conv.onnx on tiny.json:
//   MACs = 32 x 32 x 32 (outputs) x 16 x 9 = 4,718,592; FLOPs = 2 x MACs + 32,768 bias adds = 9,469,952
//   fp32: compute 9,469,952 / 10e9 s = 0.9469952 ms > memory (16,384 + 32,768 + 4,640) x 4 B / 1e9 B/s = 0.215168 ms
//   fp16: compute 0.4734976 ms > memory 0.107584 ms
constexpr double kLayersFp32 = 0.9469952;
constexpr double kLayersFp16 = 0.4734976;
constexpr double kOverhead = 0.5;

// --- Parsing ----------------------------------------------------------------------

TEST_F(CheckTest, ParsesAGoodSuite) {
  const std::string path = Write("good.csv",
                                 "# a comment before the header\n"
                                 "\n"
                                 "network,model,platform,precision,input_shape,measured_ms,measures,split,source,note\n"
                                 "\"ResNet-50, v1\",m/a.onnx,ncs2,fp16,x=1x3x8x8;b=1x4,12.5,e2e,validation,\"f.csv, "
                                 "\"\"row 3\"\"\",\n"
                                 "# a comment between rows\n"
                                 ",b.json,../p/x.json,int8,,+0.25,layers_sum,calibration,here,\"two\nlines\"\r\n");
  const std::vector<ValidationRow> rows = ReadValidationSuite(path);
  ASSERT_EQ(rows.size(), 2u);
  const ValidationRow& a = rows[0];
  EXPECT_EQ(a.model, "m/a.onnx");
  EXPECT_EQ(a.platform, "ncs2");
  EXPECT_EQ(a.precision, Precision::kFp16);
  EXPECT_EQ(a.input_shapes.size(), 2u);
  EXPECT_EQ(a.input_shapes.at("x"), (Shape{1, 3, 8, 8}));
  EXPECT_EQ(a.input_shapes.at("b"), (Shape{1, 4}));
  EXPECT_EQ(FormatInputShapes(a.input_shapes), "b=1x4;x=1x3x8x8");
  EXPECT_DOUBLE_EQ(a.measured_ms, 12.5);
  EXPECT_EQ(a.measures, "e2e");
  EXPECT_FALSE(a.calibration);
  EXPECT_EQ(a.source, "f.csv, \"row 3\"");
  EXPECT_EQ(a.network, "ResNet-50, v1");
  EXPECT_EQ(a.note, "");
  EXPECT_EQ(a.origin, path + ":4");
  EXPECT_EQ(a.directory, dir_.string());
  const ValidationRow& b = rows[1];
  EXPECT_EQ(b.platform, "../p/x.json");
  EXPECT_EQ(b.precision, Precision::kInt8);
  EXPECT_TRUE(b.input_shapes.empty());
  EXPECT_DOUBLE_EQ(b.measured_ms, 0.25);
  EXPECT_TRUE(b.calibration);
  EXPECT_EQ(b.note, "two\nlines");
  EXPECT_EQ(b.origin, path + ":6");
}

TEST_F(CheckTest, SuiteErrorsNameFileLineAndColumn) {
  const std::string row = "a.onnx,ncs2,fp16,1.5,e2e,validation,src\n";
  const struct {
    std::string text, message;
  } cases[] = {
      {"", "v.csv:1: no header row (the file is empty)"},
      {"# only a comment\n", "v.csv:1: no header row (the file is empty)"},
      {kHeader, "v.csv: the suite has no rows"},
      {"model,platform,precision,measurd_ms,measures,split,source\n" + row,
       "v.csv:1: unknown column 'measurd_ms' (did you mean 'measured_ms'?)"},
      {"model,platform,precision,measured_ms,measures,split,source,colour\n",
       "v.csv:1: unknown column 'colour' (columns: model, platform, precision, input_shape, measured_ms, measures, "
       "split, source, network, note, measured_power_w, measured_energy_mj, nms_compares)"},
      {"model,platform,precision,measured_ms,measures,split,source,model\n", "v.csv:1: duplicate column 'model'"},
      {"model,platform,precision,measured_ms,measures,split\n", "v.csv:1: missing required column 'source'"},
      {"model,platform,precision,measured_ms,measures\n", "v.csv:1: missing required columns 'split', 'source'"},
      {"model,,precision\n", "v.csv:1: column 2 has no name"},
      {"model;platform;precision\n",
       "v.csv:1: the header has one column; is the file ';'- or tab-separated? odonata reads ',' only"},
      {kHeader + "a.onnx,ncs2,fp16,1.5,e2e,validation\n", "v.csv:2: expected 7 fields, got 6"},
      {kHeader + row + ",ncs2,fp16,1.5,e2e,validation,src\n", "v.csv:3: model: empty"},
      {kHeader + "a.onnx,,fp16,1.5,e2e,validation,src\n", "v.csv:2: platform: empty"},
      {kHeader + "a.onnx,ncs2,fp64,1.5,e2e,validation,src\n",
       "v.csv:2: precision: unknown precision 'fp64' (fp32|fp16|int8)"},
      {kHeader + "a.onnx,ncs2,fp16,abc,e2e,validation,src\n", "v.csv:2: measured_ms: 'abc' is not a number"},
      {kHeader + "a.onnx,ncs2,fp16,1.5ms,e2e,validation,src\n", "v.csv:2: measured_ms: '1.5ms' is not a number"},
      {kHeader + "a.onnx,ncs2,fp16,,e2e,validation,src\n", "v.csv:2: measured_ms: empty"},
      {kHeader + "a.onnx,ncs2,fp16,0,e2e,validation,src\n", "v.csv:2: measured_ms: '0' is not > 0"},
      {kHeader + "a.onnx,ncs2,fp16,-2,e2e,validation,src\n", "v.csv:2: measured_ms: '-2' is not > 0"},
      {kHeader + "a.onnx,ncs2,fp16,inf,e2e,validation,src\n", "v.csv:2: measured_ms: 'inf' is not a finite number"},
      {kHeader + "a.onnx,ncs2,fp16,nan,e2e,validation,src\n", "v.csv:2: measured_ms: 'nan' is not a finite number"},
      {kHeader + "a.onnx,ncs2,fp16,1.5,,validation,src\n", "v.csv:2: measures: empty"},
      {kHeader + "a.onnx,ncs2,fp16,1.5,e2e,train,src\n", "v.csv:2: split: 'train' is not calibration or validation"},
      {kHeader + "a.onnx,ncs2,fp16,1.5,e2e,validation,\n", "v.csv:2: source: empty"},
      {kHeader + "a.onnx,ncs2,fp16,1.5,e2e,validation,\"src\n", "v.csv:2: unterminated quoted field"},
      {kHeader + "a.onnx,ncs2,fp16,1.5,e2e,validation,\"src\"x\n", "v.csv:2: text after the closing quote of a field"},
      {"model,platform,precision,input_shape,measured_ms,measures,split,source\n"
       "a.onnx,ncs2,fp16,1x3x8x8,1.5,e2e,validation,src\n",
       "v.csv:2: input_shape: '1x3x8x8' is not NAME=DIMS (e.g. input=1x3x224x224)"},
      {"model,platform,precision,input_shape,measured_ms,measures,split,source\n"
       "a.onnx,ncs2,fp16,x=1x3;x=1x4,1.5,e2e,validation,src\n",
       "v.csv:2: input_shape: input 'x' given more than once"},
      {"model,platform,precision,measured_ms,measures,split,source,nms_compares\n"
       "a.onnx,ncs2,fp16,1.5,e2e,validation,src,4138\n",
       "v.csv:2: nms_compares: '4138' is not NAME=COUNT (e.g. 4138=152761597)"},
      {"model,platform,precision,measured_ms,measures,split,source,nms_compares\n"
       "a.onnx,ncs2,fp16,1.5,e2e,validation,src,4138=1e6\n",
       "v.csv:2: nms_compares: '4138=1e6': '1e6' is not an integer >= 0"},
      {"model,platform,precision,measured_ms,measures,split,source,nms_compares\n"
       "a.onnx,ncs2,fp16,1.5,e2e,validation,src,a=1;a=2\n",
       "v.csv:2: nms_compares: output 'a' given more than once"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(SuiteError(c.text), c.message);
  }
  EXPECT_EQ(SuiteError(kHeader + row), "");
  EXPECT_EQ(SuiteError("model,platform,precision,measured_ms,measures,split,source,nms_compares\n"
                       "a.onnx,ncs2,fp16,1.5,e2e,validation,src,4138=152761597;b=0\n"),
            "");
  EXPECT_NE(SuiteError("model,platform,precision,input_shape,measured_ms,measures,split,source\n"
                       "a.onnx,ncs2,fp16,x=1xq,1.5,e2e,validation,src\n")
                .find("v.csv:2: input_shape: 'x=1xq': "),
            std::string::npos);
  EXPECT_EQ(ErrorOf([&] { ReadValidationSuite((dir_ / "absent.csv").string()); }),
            (dir_ / "absent.csv").string() + ": cannot open: no such file or not readable");
}

// --- Running ----------------------------------------------------------------------

TEST_F(CheckTest, EstimatesAndErrorsAreHandComputed) {
  WriteModelAndProfile();
  const std::string suite = Write("s.csv", kHeader +
                                               "conv.onnx,tiny.json,fp32,1.2,e2e,validation,a\n"
                                               "conv.onnx,tiny.json,fp16,0.5,e2e,calibration,b\n"
                                               "conv.onnx,tiny.json,fp32,0.8,layers_sum,validation,c\n");
  const CheckResult result = RunCheck(ReadValidationSuite(suite), {});
  ASSERT_EQ(result.rows.size(), 3u);
  for (const CheckRow& r : result.rows) EXPECT_EQ(r.error, "") << r.row.origin;
  EXPECT_NEAR(result.rows[0].estimated_ms, kLayersFp32 + kOverhead, 1e-12);
  EXPECT_NEAR(result.rows[0].error_pct, 100 * (1.4469952 - 1.2) / 1.2, 1e-9);  // +20.583%
  EXPECT_NEAR(result.rows[1].estimated_ms, kLayersFp16 + kOverhead, 1e-12);
  EXPECT_NEAR(result.rows[1].error_pct, 100 * (0.9734976 - 0.5) / 0.5, 1e-9);  // +94.700%
  // A runtime's layer sum is compared without the overhead.
  EXPECT_NEAR(result.rows[2].estimated_ms, kLayersFp32, 1e-12);
  EXPECT_NEAR(result.rows[2].error_pct, 100 * (0.9469952 - 0.8) / 0.8, 1e-9);  // +18.374%

  ASSERT_EQ(result.summaries.size(), 2u);
  const PlatformSummary& v = result.summaries[0];
  EXPECT_EQ(v.platform, "tiny.json");
  EXPECT_EQ(v.split, "validation");
  EXPECT_EQ(v.rows, 2);
  EXPECT_NEAR(v.mape, (result.rows[0].error_pct + result.rows[2].error_pct) / 2, 1e-9);
  EXPECT_NEAR(v.max_abs_error, result.rows[0].error_pct, 1e-9);
  EXPECT_DOUBLE_EQ(v.within10, 0);
  EXPECT_EQ(result.summaries[1].split, "calibration");
  EXPECT_EQ(result.summaries[1].rows, 1);
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(result.notes.empty());
}

// Energy of conv.onnx on tiny.json (fp32): layers 0.9469952 ms x typical 2 W = 1.8939904 mJ,
// overhead 0.5 ms x idle 1 W = 0.5 mJ; total 2.3939904 mJ.
TEST_F(CheckTest, EnergyColumnsAreCheckedWhenPresent) {
  WriteModelAndProfile();
  const std::string suite =
      Write("e.csv",
            "model,platform,precision,measured_ms,measures,split,source,measured_power_w,measured_energy_mj\n"
            "conv.onnx,tiny.json,fp32,1.2,e2e,validation,a,2,\n"           // energy = 2 W x 1.2 ms = 2.4 mJ
            "conv.onnx,tiny.json,fp32,0.8,layers_sum,validation,c,,2.0\n"  // layers only: 1.8939904 mJ
            "conv.onnx,tiny.json,fp32,0.8,e2e,validation,d,,\n");          // no energy
  const CheckResult result = RunCheck(ReadValidationSuite(suite), {});
  ASSERT_EQ(result.rows.size(), 3u);
  ASSERT_TRUE(result.rows[0].energy_error_pct.has_value());
  EXPECT_NEAR(*result.rows[0].measured_energy_mj, 2.4, 1e-12);
  EXPECT_NEAR(*result.rows[0].estimated_energy_mj, 2.3939904, 1e-12);
  EXPECT_NEAR(*result.rows[0].energy_error_pct, 100 * (2.3939904 - 2.4) / 2.4, 1e-9);  // -0.250%
  EXPECT_NEAR(*result.rows[1].estimated_energy_mj, 1.8939904, 1e-12);
  EXPECT_NEAR(*result.rows[1].energy_error_pct, 100 * (1.8939904 - 2.0) / 2.0, 1e-9);  // -5.300%
  EXPECT_FALSE(result.rows[2].energy_error_pct.has_value());
  ASSERT_EQ(result.summaries.size(), 1u);
  EXPECT_EQ(result.summaries[0].rows, 3);
  EXPECT_EQ(result.summaries[0].energy_rows, 2);
  EXPECT_NEAR(result.summaries[0].energy_mape, (0.2504 + 5.30048) / 2, 1e-9);
  std::ostringstream table;
  RenderCheck(result, CheckFormat::kTable, table);
  EXPECT_NE(table.str().find("energy: 2 rows, energy MAPE 2.8%"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("energy err %"), std::string::npos) << table.str();
  // Bad energy values name the column.
  EXPECT_EQ(SuiteError("model,platform,precision,measured_ms,measures,split,source,measured_power_w\n"
                       "a.onnx,ncs2,fp16,1.5,e2e,validation,src,-3\n"),
            "v.csv:2: measured_power_w: '-3' is not > 0");
  EXPECT_EQ(SuiteError("model,platform,precision,measured_ms,measures,split,source,measured_energy_mj\n"
                       "a.onnx,ncs2,fp16,1.5,e2e,validation,src,lots\n"),
            "v.csv:2: measured_energy_mj: 'lots' is not a number");
}

TEST_F(CheckTest, PlatformNamesComeFromTheSearchPath) {
  WriteModelAndProfile();
  const std::string suite = Write("s.csv", kHeader +
                                               "conv.onnx,tiny,fp32,1.4469952,e2e,validation,a\n"
                                               "conv.onnx,tinny,fp32,1.0,e2e,validation,b\n");
  CheckOptions options;
  options.search_path = {dir_.string()};
  const CheckResult result = RunCheck(ReadValidationSuite(suite), options);
  EXPECT_EQ(result.rows[0].error, "");
  EXPECT_NEAR(result.rows[0].error_pct, 0, 1e-9);
  EXPECT_EQ(result.rows[1].error, "unknown platform 'tinny' (did you mean 'tiny'?)");
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0],
            suite + ":3: conv.onnx on tinny (fp32): unknown platform 'tinny' (did you mean 'tiny'?)");
}

TEST_F(CheckTest, AModelThatFailsToLoadIsAFailureRowAndTheCheckGoesOn) {
  WriteModelAndProfile();
  Write("broken.onnx", "not a model");
  const std::string suite = Write("s.csv", kHeader +
                                               "broken.onnx,tiny.json,fp32,1,e2e,validation,a\n"
                                               "conv.onnx,tiny.json,fp32,1.4469952,e2e,validation,b\n"
                                               "missing.onnx,tiny.json,fp32,1,e2e,validation,c\n"
                                               "broken.onnx,tiny.json,fp16,1,e2e,validation,d\n");
  const CheckResult result = RunCheck(ReadValidationSuite(suite), {});
  ASSERT_EQ(result.rows.size(), 4u);
  EXPECT_NE(result.rows[0].error.find("broken.onnx"), std::string::npos) << result.rows[0].error;
  EXPECT_EQ(result.rows[1].error, "");
  EXPECT_NEAR(result.rows[1].error_pct, 0, 1e-9);
  EXPECT_NE(result.rows[2].error.find("missing.onnx"), std::string::npos) << result.rows[2].error;
  EXPECT_EQ(result.rows[3].error, result.rows[0].error);  // loaded (and failed) once
  ASSERT_EQ(result.failures.size(), 3u);
  EXPECT_EQ(result.failures[0].rfind(suite + ":2: broken.onnx on tiny.json (fp32): ", 0), 0u) << result.failures[0];
  EXPECT_EQ(result.failures[1].rfind(suite + ":4: missing.onnx on tiny.json (fp32): ", 0), 0u) << result.failures[1];
  // Failed rows are not part of the statistics.
  ASSERT_EQ(result.summaries.size(), 1u);
  EXPECT_EQ(result.summaries[0].rows, 1);
  EXPECT_FALSE(result.ok());
}

TEST_F(CheckTest, ToleranceFailuresNameRowAndPlatform) {
  WriteModelAndProfile();
  // Errors: +20.58% (row 2), -3.54% (row 3: 1.5 ms), +94.70% on a calibration row.
  const std::string suite = Write("s.csv", kHeader +
                                               "conv.onnx,tiny.json,fp32,1.2,e2e,validation,a\n"
                                               "conv.onnx,tiny.json,fp32,1.5,e2e,validation,b\n"
                                               "conv.onnx,tiny.json,fp16,0.5,e2e,calibration,c\n");
  const std::vector<ValidationRow> rows = ReadValidationSuite(suite);
  CheckOptions options;
  options.max_error = 20;
  options.max_mape = 12;
  CheckResult result = RunCheck(rows, options);
  ASSERT_EQ(result.failures.size(), 2u);
  EXPECT_EQ(result.failures[0], suite + ":2: conv.onnx on tiny.json (fp32): error +20.6% exceeds --max-error 20%");
  EXPECT_EQ(result.failures[1], "tiny.json (validation, 2 rows): MAPE 12.1% exceeds --max-mape 12%");
  EXPECT_EQ(result.rows[0].failures, std::vector<std::string>{result.failures[0]});
  EXPECT_EQ(result.summaries[0].failures, std::vector<std::string>{result.failures[1]});
  EXPECT_FALSE(result.ok());

  // Looser bounds pass; the calibration row (+94.7%) is not checked by default...
  options.max_error = 21;
  options.max_mape = 12.1;
  EXPECT_TRUE(RunCheck(rows, options).ok());
  // ...but is when every row is.
  options.validation_only = false;
  result = RunCheck(rows, options);
  ASSERT_EQ(result.failures.size(), 2u);
  EXPECT_EQ(result.failures[0], suite + ":4: conv.onnx on tiny.json (fp16): error +94.7% exceeds --max-error 21%");
  EXPECT_EQ(result.failures[1], "tiny.json (calibration, 1 row): MAPE 94.7% exceeds --max-mape 12.1%");
}

// Energy is bounded like time: --max-energy-mape, and the baseline keeps each row's
// energy error and each platform's energy MAPE (numbers as in EnergyColumnsAreCheckedWhenPresent).
TEST_F(CheckTest, EnergyToleranceAndBaselineRegressions) {
  WriteModelAndProfile();
  auto suite_with = [&](const std::string& watts) {
    return ReadValidationSuite(
        Write("e.csv",
              "model,platform,precision,measured_ms,measures,split,source,measured_power_w,measured_energy_mj\n"
              "conv.onnx,tiny.json,fp32,1.2,e2e,validation,a," +
                  watts +
                  ",\n"
                  "conv.onnx,tiny.json,fp32,0.8,layers_sum,validation,c,,2.0\n"));
  };
  // Energy errors -0.250% and -5.300%: energy MAPE 2.775%.
  CheckOptions options;
  options.max_energy_mape = 2.7;
  CheckResult result = RunCheck(suite_with("2"), options);
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0], "tiny.json (validation, 2 rows): energy MAPE 2.8% exceeds --max-energy-mape 2.7%");
  options.max_energy_mape = 2.8;
  EXPECT_TRUE(RunCheck(suite_with("2"), options).ok());

  std::ostringstream json;
  WriteBaseline(RunCheck(suite_with("2"), {}), json);
  const nlohmann::json parsed = nlohmann::json::parse(json.str());
  EXPECT_NEAR(parsed["rows"][0]["energy_error_pct"].get<double>(), 100 * (2.3939904 - 2.4) / 2.4, 1e-9);
  EXPECT_NEAR(parsed["summaries"][0]["energy_mape"].get<double>(), (0.2504 + 5.30048) / 2, 1e-9);
  CheckOptions against;
  against.baseline = Write("baseline.json", json.str());
  EXPECT_TRUE(RunCheck(suite_with("2"), against).ok());
  // 2.5 W: measured 3.0 mJ, error -20.2% (> 0.25 + 5 pp); energy MAPE 12.75% (> 2.78 + 1 pp).
  // The latency errors are unchanged, so only energy fails.
  result = RunCheck(suite_with("2.5"), against);
  ASSERT_EQ(result.failures.size(), 2u);
  EXPECT_EQ(result.failures[0], result.rows[0].row.origin +
                                    ": conv.onnx on tiny.json (fp32): energy error -20.2% regressed from -0.3% in the "
                                    "baseline (allowed: |error| + 5 pp)");
  EXPECT_EQ(result.failures[1],
            "tiny.json (validation, 2 rows): energy MAPE 12.8% regressed from 2.8% in the baseline (allowed: + 1 pp)");
}

TEST_F(CheckTest, BaselineCatchesRegressionsOnly) {
  WriteModelAndProfile();
  auto rows_with = [&](const std::string& a, const std::string& b, const std::string& extra = "") {
    return ReadValidationSuite(Write("s.csv", kHeader + "conv.onnx,tiny.json,fp32," + a +
                                                  ",e2e,validation,a\n"
                                                  "conv.onnx,tiny.json,fp16," +
                                                  b + ",e2e,validation,b\n" + extra));
  };
  // Baseline errors: fp32 1.4 ms -> +3.357%, fp16 1.0 ms -> -2.650%; MAPE 3.004%.
  const CheckResult before = RunCheck(rows_with("1.4", "1.0"), {});
  std::ostringstream json;
  WriteBaseline(before, json);
  const std::string baseline = Write("baseline.json", json.str());
  const nlohmann::json parsed = nlohmann::json::parse(json.str());
  ASSERT_EQ(parsed["rows"].size(), 2u);
  EXPECT_EQ(parsed["rows"][0]["model"], "conv.onnx");
  EXPECT_EQ(parsed["rows"][0]["precision"], "fp32");
  EXPECT_EQ(parsed["rows"][0]["input_shape"], "");
  EXPECT_NEAR(parsed["rows"][0]["error_pct"].get<double>(), before.rows[0].error_pct, 1e-12);
  EXPECT_EQ(parsed["summaries"][0]["platform"], "tiny.json");
  EXPECT_NEAR(parsed["summaries"][0]["mape"].get<double>(), before.summaries[0].mape, 1e-12);

  CheckOptions options;
  options.baseline = baseline;
  options.regression_margin = 1.0;  // rows: +5 pp of |error|; platform MAPE: +1 pp
  EXPECT_TRUE(RunCheck(rows_with("1.4", "1.0"), options).ok());

  // Worse: fp32 1.3 ms -> +11.31% (> 3.36 + 5); MAPE 6.98% (> 3.00 + 1).
  CheckResult worse = RunCheck(rows_with("1.3", "1.0"), options);
  ASSERT_EQ(worse.failures.size(), 2u);
  EXPECT_EQ(worse.failures[0], worse.rows[0].row.origin +
                                   ": conv.onnx on tiny.json (fp32): error +11.3% regressed from +3.4% in the baseline "
                                   "(allowed: |error| + 5 pp)");
  EXPECT_EQ(worse.failures[1],
            "tiny.json (validation, 2 rows): MAPE 7.0% regressed from 3.0% in the baseline (allowed: + 1 pp)");

  // Within the margins: fp32 1.37 ms -> +5.62% (< 8.36), MAPE 4.13% (< 4.00? no) -> only the platform fails.
  CheckResult slightly = RunCheck(rows_with("1.37", "1.0"), options);
  ASSERT_EQ(slightly.failures.size(), 1u);
  EXPECT_NE(slightly.failures[0].find("MAPE 4.1% regressed from 3.0%"), std::string::npos) << slightly.failures[0];
  options.regression_margin = 1.5;
  EXPECT_TRUE(RunCheck(rows_with("1.37", "1.0"), options).ok());
  options.regression_margin = 1.0;

  // Better is never a failure; a sign flip within the same |error| neither.
  EXPECT_TRUE(RunCheck(rows_with("1.4469952", "0.9734976"), options).ok());
  EXPECT_TRUE(RunCheck(rows_with("1.4", "0.9483"), options).ok());

  // A row new since the baseline is reported, not failed.
  CheckResult added =
      RunCheck(rows_with("1.4", "1.0", "conv.onnx,tiny.json,fp32,0.1,layers_sum,validation,c\n"), options);
  EXPECT_EQ(added.failures.size(), 1u);  // the platform MAPE, which the new row's error raises
  ASSERT_EQ(added.notes.size(), 1u);
  EXPECT_EQ(added.notes[0],
            added.rows[2].row.origin + ": conv.onnx on tiny.json (fp32): new since the baseline, error +847.0%");

  // A baseline row no longer in the suite is reported too.
  const std::vector<ValidationRow> one = rows_with("1.4", "1.0");
  CheckResult removed = RunCheck({one[0]}, options);
  EXPECT_TRUE(removed.ok());
  ASSERT_EQ(removed.notes.size(), 1u);
  EXPECT_EQ(removed.notes[0], "conv.onnx on tiny.json (fp16): in the baseline but not in the suite");

  // A file that is not a baseline is an input error.
  options.baseline = Write("bad.json", "{\"rows\": []}");
  EXPECT_EQ(ErrorOf([&] { RunCheck(one, options); }),
            options.baseline + ": not a baseline: 'summaries' missing or not an array");
}

// --- Rendering ----------------------------------------------------------------------

// Minimal XML well-formedness: tags nest, attribute values are quoted, '&' starts an entity.
// Returns "" or the problem; counts start tags per element name.
std::string CheckXml(const std::string& xml, std::map<std::string, int>* counts) {
  std::vector<std::string> stack;
  std::size_t i = xml.rfind("<?xml", 0) == 0 ? xml.find("?>") + 2 : 0;
  while (i < xml.size()) {
    const char c = xml[i];
    if (c == '&') {
      const std::size_t semi = xml.find(';', i);
      const std::string entity = xml.substr(i, semi == std::string::npos ? 1 : semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" && entity != "&apos;" &&
          entity != "&#39;") {
        return "bad entity at " + std::to_string(i);
      }
      i = semi + 1;
      continue;
    }
    if (c != '<') {
      if (c == '>') return "raw '>' at " + std::to_string(i);
      ++i;
      continue;
    }
    const std::size_t end = xml.find('>', i);
    if (end == std::string::npos) return "unclosed tag";
    std::string tag = xml.substr(i + 1, end - i - 1);
    if (tag.find('<') != std::string::npos) return "'<' inside a tag";
    i = end + 1;
    if (tag[0] == '/') {
      if (stack.empty() || stack.back() != tag.substr(1)) return "mismatched </" + tag.substr(1) + ">";
      stack.pop_back();
      continue;
    }
    const bool empty = tag.back() == '/';
    if (empty) tag.pop_back();
    const std::string name = tag.substr(0, tag.find(' '));
    ++(*counts)[name];
    // Attribute values: an even number of quotes, and no raw '&' or '<' (checked above).
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0) return "unbalanced quotes in <" + name + ">";
    for (std::size_t a = tag.find('&'); a != std::string::npos; a = tag.find('&', a + 1)) {
      const std::string entity = tag.substr(a, tag.find(';', a) - a + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" && entity != "&apos;" &&
          entity != "&#39;") {
        return "bad entity in <" + name + ">";
      }
    }
    if (!empty) stack.push_back(name);
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

TEST_F(CheckTest, JunitHasOneSuitePerPlatformAndOneCasePerRow) {
  WriteModelAndProfile();
  fs::copy_file(dir_ / "tiny.json", dir_ / "other.json");
  {
    // other.json's name must match its file name.
    std::ifstream in(dir_ / "other.json");
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    s.replace(s.find("\"tiny\""), 6, "\"other\"");
    Write("other.json", s);
  }
  const std::string suite = Write("s.csv", kHeader +
                                               "conv.onnx,tiny.json,fp32,1.2,e2e,validation,a\n"
                                               "conv.onnx,tiny.json,fp32,1.5,e2e,validation,b\n"
                                               "a&<b>.onnx,other.json,fp32,1.0,e2e,validation,c\n"
                                               "conv.onnx,other.json,fp16,0.97,e2e,validation,d\n");
  CheckOptions options;
  options.max_error = 20;
  const CheckResult result = RunCheck(ReadValidationSuite(suite), options);
  std::ostringstream xml;
  RenderJunit(result, xml);
  std::map<std::string, int> counts;
  EXPECT_EQ(CheckXml(xml.str(), &counts), "") << xml.str();
  EXPECT_EQ(counts["testsuites"], 1);
  EXPECT_EQ(counts["testsuite"], 2);
  EXPECT_EQ(counts["testcase"], 4);
  EXPECT_EQ(counts["failure"], 2);  // +20.6% on tiny.json; the missing model on other.json
  EXPECT_NE(xml.str().find("<testsuites name=\"odonata check\" tests=\"4\" failures=\"2\">"), std::string::npos);
  EXPECT_NE(xml.str().find("<testsuite name=\"tiny.json\" tests=\"2\" failures=\"1\">"), std::string::npos);
  EXPECT_NE(xml.str().find("name=\"a&amp;&lt;b&gt;.onnx fp32\""), std::string::npos) << xml.str();
  EXPECT_NE(xml.str().find("<testcase classname=\"other.json\" name=\"conv.onnx fp16\"/>"), std::string::npos);
  // Names are unique per platform: what was measured, then the row's origin, tell rows apart.
  EXPECT_NE(xml.str().find("name=\"conv.onnx fp32 [e2e] (" + suite + ":3)\"/>"), std::string::npos) << xml.str();

  // A platform failure fails every row of that platform and split.
  options.max_error.reset();
  options.max_mape = 5;
  std::ostringstream xml2;
  RenderJunit(RunCheck(ReadValidationSuite(suite), options), xml2);
  counts.clear();
  EXPECT_EQ(CheckXml(xml2.str(), &counts), "") << xml2.str();
  EXPECT_EQ(counts["failure"], 3) << xml2.str();  // both tiny.json rows (MAPE 12.1%), the missing model
}

TEST_F(CheckTest, TableMarkdownAndJson) {
  WriteModelAndProfile();
  const std::string suite = Write("s.csv",
                                  "model,network,platform,precision,measured_ms,measures,split,source\n"
                                  "conv.onnx,conv|16,tiny.json,fp32,1.2,e2e,validation,a\n"
                                  "conv.onnx,,tiny.json,fp16,0.5,e2e,calibration,b\n");
  CheckOptions options;
  options.max_error = 20;
  const CheckResult result = RunCheck(ReadValidationSuite(suite), options);

  std::ostringstream table;
  RenderCheck(result, CheckFormat::kTable, table);
  EXPECT_NE(table.str().find("+20.6"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("tiny.json validation: 1 row, MAPE 20.6%, max |error| 20.6%, within +/-10% 0.0%"),
            std::string::npos)
      << table.str();
  EXPECT_NE(table.str().find("FAILED: 1 failure"), std::string::npos) << table.str();

  std::ostringstream md;
  RenderCheck(result, CheckFormat::kMarkdown, md);
  EXPECT_NE(md.str().find("| model | network | platform |"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("|---|"), std::string::npos);
  EXPECT_NE(md.str().find("| conv.onnx | conv\\|16 | tiny.json | fp32 | validation | e2e | 1.200 | 1.447 | +20.6 |"),
            std::string::npos)
      << md.str();

  std::ostringstream js;
  RenderCheck(result, CheckFormat::kJson, js);
  const nlohmann::json j = nlohmann::json::parse(js.str());
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["rows"].size(), 2u);
  const nlohmann::json& r = j["rows"][0];
  for (const char* key : {"model", "network", "platform", "precision", "split", "measured_ms", "estimated_ms",
                          "error_pct", "measures", "source"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  EXPECT_EQ(r["network"], "conv|16");
  EXPECT_NEAR(r["estimated_ms"].get<double>(), 1.4469952, 1e-12);
  EXPECT_EQ(j["rows"][1]["split"], "calibration");
  ASSERT_EQ(j["summaries"].size(), 2u);
  EXPECT_EQ(j["summaries"][0]["split"], "validation");
  ASSERT_EQ(j["failures"].size(), 1u);
  EXPECT_EQ(j["failures"][0], result.failures[0]);
}

// --- The shipped suites -----------------------------------------------------------------

TEST(CheckShipped, SuitesParseAndEveryModelLoads) {
  const fs::path root = ODONATA_SOURCE_DIR;
  std::vector<fs::path> suites;
  for (const auto& entry : fs::directory_iterator(root / "data/validation")) {
    if (entry.path().extension() == ".csv") suites.push_back(entry.path());
  }
  std::sort(suites.begin(), suites.end());
  ASSERT_GE(suites.size(), 4u);
  CheckOptions options;
  options.search_path = {(root / "platforms").string()};
  options.validation_only = false;
  for (const fs::path& suite : suites) {
    SCOPED_TRACE(suite.string());
    const std::vector<ValidationRow> rows = ReadValidationSuite(suite.string());
    const auto calibration =
        std::count_if(rows.begin(), rows.end(), [](const ValidationRow& r) { return r.calibration; });
    // host-ort-cpu is fitted from micro-benchmark sweeps only (data/host-ort-cpu/):
    // its whole networks are all validation; jetson-nano-icas holds the validation
    // part of the iCAS networks, whose calibration part is data/jetson-nano/icas_calibration.csv.
    // Every other suite declares both parts.
    if (suite.stem() != "host-ort-cpu" && suite.stem() != "jetson-nano-icas") {
      EXPECT_GE(calibration, 1);
    }
    EXPECT_LT(calibration, static_cast<long>(rows.size()));
    // The platform of a suite is its file name, or a variant of it (host-ort-cpu-2t in host-ort-cpu.csv),
    // or one of its modes (jetson-tx2:maxq in jetson-tx2.csv); a suite <platform>-<what>.csv holds more rows
    // of that platform or its modes (issue 16: zcu102-dpu.csv, jetson-tx2-trt.csv with jetson-tx2:trt3,
    // jetson-nano-icas.csv).
    for (const ValidationRow& r : rows) {
      const std::string stem = suite.stem().string();
      const std::string base = r.platform.substr(0, r.platform.find(':'));
      EXPECT_TRUE(r.platform == stem || r.platform.rfind(stem + "-", 0) == 0 || r.platform.rfind(stem + ":", 0) == 0 ||
                  stem.rfind(base + "-", 0) == 0)
          << r.origin << ": " << r.platform;
    }
    const CheckResult result = RunCheck(rows, options);
    for (const CheckRow& r : result.rows) {
      EXPECT_EQ(r.error, "") << r.row.origin;
      EXPECT_GT(r.estimated_ms, 0) << r.row.origin;
    }
  }
}

TEST(CheckSuites, SplitsAndTheRowsOfOne) {
  testing::ExpectNamesParse({SuiteSplit::kValidation, SuiteSplit::kCalibration, SuiteSplit::kAll}, SuiteSplitName,
                            ParseSuiteSplit, "train");
  EXPECT_STREQ(SuiteSplitName(SuiteSplit::kCalibration), "calibration");

  const fs::path dir = fs::temp_directory_path() / ("odonata_suites_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string a = (dir / "a.csv").string(), b = (dir / "b.csv").string();
  std::ofstream(a) << "model,platform,precision,measured_ms,measures,split,source\n"
                      "m1.onnx,ncs2,fp16,1,e2e,validation,t\n"
                      "m2.onnx,ncs2,fp16,2,e2e,calibration,t\n";
  std::ofstream(b) << "model,platform,precision,measured_ms,measures,split,source\n"
                      "m3.onnx,ncs2,fp16,3,e2e,validation,t\n";
  auto models = [&](SuiteSplit split) {
    std::vector<std::string> m;
    for (const ValidationRow& r : ReadValidationSuites({a, b}, split)) m.push_back(r.model);
    return m;
  };
  EXPECT_EQ(models(SuiteSplit::kValidation), (std::vector<std::string>{"m1.onnx", "m3.onnx"}));
  EXPECT_EQ(models(SuiteSplit::kCalibration), (std::vector<std::string>{"m2.onnx"}));
  EXPECT_EQ(models(SuiteSplit::kAll), (std::vector<std::string>{"m1.onnx", "m2.onnx", "m3.onnx"}));
  EXPECT_EQ(ErrorOf([&] { ReadValidationSuites({b}, SuiteSplit::kCalibration); }),
            "check: no calibration rows in the suite(s)");
  fs::remove_all(dir);
}

TEST(CheckResultTest, UnusableRowsAreThoseThatCouldNotBeEstimated) {
  CheckResult r;
  r.rows.resize(3);
  EXPECT_TRUE(r.Unusable().empty());
  r.rows[1].error = "m.onnx: cannot open file";
  r.rows[2].error = "unknown platform 'x'";
  EXPECT_EQ(r.Unusable(), (std::vector<const CheckRow*>{&r.rows[1], &r.rows[2]}));
}

}  // namespace
}  // namespace odonata
