// How far to trust an estimate (trust.h): conformal intervals and their
// coverage on synthetic data, rounding to the validated error, the machine a
// host profile describes, the profile fields, and their way into reports and
// `odonata check --write-validation`.

#include "odonata/trust.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/check.h"
#include "odonata/estimate.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "test_util.h"

namespace odonata {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::ErrorOf;

// --- ConformalInterval --------------------------------------------------------

TEST(TrustTest, ConformalRanksByHand) {
  // n = 39 at 90%: ranks floor(40 x 0.05) = 2 and ceil(40 x 0.95) = 38.
  std::vector<double> r;
  for (int i = 39; i >= 1; --i) r.push_back(0.5 + i / 100.0);  // 0.51 .. 0.89, unsorted
  const RatioInterval iv = ConformalInterval(r, 0.9, "m", "s");
  EXPECT_DOUBLE_EQ(iv.low, 0.52);
  EXPECT_DOUBLE_EQ(iv.high, 0.88);
  EXPECT_EQ(iv.rows, 39);
  EXPECT_EQ(iv.level, 0.9);
  // n = 4: ranks 0 and 5 clamp to the range of the rows.
  const RatioInterval small = ConformalInterval({1.2, 0.8, 1.0, 1.1}, 0.9, "m", "s");
  EXPECT_DOUBLE_EQ(small.low, 0.8);
  EXPECT_DOUBLE_EQ(small.high, 1.2);
  // n = 19 is the smallest for which 90% does not clamp: ranks 1 and 19.
  std::vector<double> nineteen;
  for (int i = 1; i <= 19; ++i) nineteen.push_back(i);
  const RatioInterval exact = ConformalInterval(nineteen, 0.9, "m", "s");
  EXPECT_DOUBLE_EQ(exact.low, 1);
  EXPECT_DOUBLE_EQ(exact.high, 19);
}

TEST(TrustTest, ConformalRejectsBadInput) {
  EXPECT_NE(ErrorOf([] { ConformalInterval({}, 0.9, "m", "s"); }).find("no residuals"), std::string::npos);
  EXPECT_NE(ErrorOf([] { ConformalInterval({1.0, 0.0}, 0.9, "m", "s"); }).find("not > 0"), std::string::npos);
  EXPECT_NE(ErrorOf([] { ConformalInterval({1.0}, 1.0, "m", "s"); }).find("level"), std::string::npos);
}

// Synthetic estimator with a known error law: measured = estimated x exp(b + s
// z), z standard normal (a 10% bias, 25% scatter). An interval from 200
// calibration rows covers close to 90% of 20000 fresh rows: split-conformal
// guarantees >= 90% on average, and with 200 rows the excess is small.
TEST(TrustTest, SyntheticCoverageIsNearNominal) {
  std::mt19937 rng(12345);
  std::normal_distribution<double> z(0.0, 1.0);
  const auto draw = [&] { return std::exp(-0.1 + 0.25 * z(rng)); };
  std::vector<double> calibration;
  for (int i = 0; i < 200; ++i) calibration.push_back(draw());
  const RatioInterval iv = ConformalInterval(calibration, 0.9, "m", "s");
  // The true 5% and 95% quantiles: exp(-0.1 -/+ 1.645 x 0.25).
  EXPECT_NEAR(iv.low, std::exp(-0.1 - 1.6449 * 0.25), 0.06);
  EXPECT_NEAR(iv.high, std::exp(-0.1 + 1.6449 * 0.25), 0.08);
  int inside = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double estimated = 1.0 + i % 50;  // the interval is relative: any scale
    const double measured = estimated * draw();
    if (measured >= estimated * iv.low && measured <= estimated * iv.high) ++inside;
  }
  const double coverage = static_cast<double>(inside) / n;
  EXPECT_GT(coverage, 0.87);
  EXPECT_LT(coverage, 0.94);
}

// --- rounding -----------------------------------------------------------------

TEST(TrustTest, RoundsToTheFirstDigitOfTheError) {
  EXPECT_EQ(RoundToError(12.3456, 0.27), "12");      // error 3.3 ms: units
  EXPECT_EQ(RoundToError(12.3456, 0.05), "12.3");    // error 0.62 ms: tenths
  EXPECT_EQ(RoundToError(12.3456, 0.005), "12.35");  // error 0.062 ms: hundredths
  EXPECT_EQ(RoundToError(1626.04, 0.27), "1600");    // error 439 ms: hundreds
  EXPECT_EQ(RoundToError(0.0123, 0.05), "0.0123");   // error 0.0006 ms
  // An error larger than the value keeps one significant digit.
  EXPECT_EQ(RoundToError(7.7, 3.0), "8");
  EXPECT_EQ(RoundToError(0.047, 12.0), "0.05");
  EXPECT_EQ(TrustDecimalPlace(12.3456, 0.27), 0);
  EXPECT_EQ(TrustDecimalPlace(1626.04, 0.27), 2);
  EXPECT_EQ(RoundToPlace(9.96, -1), "10.0");
  EXPECT_EQ(RoundToPlace(1649.0, 2), "1600");
}

// --- the machine --------------------------------------------------------------

const char* kAmdCpuinfo =
    "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\n"
    "stepping\t: 1\nflags\t\t: fpu sse4_1 sse4_2 avx f16c fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl "
    "avx512_vnni avx512_bf16 avx512vbmi avx_vnni hypervisor\n\n"
    "processor\t: 1\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\n\n";

const char* kIntelCpuinfo =
    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\n"
    "model name\t: Intel(R) Xeon(R) Processor\nstepping\t: 8\nflags\t\t: fpu avx avx2 fma avx512f avx512_vnni "
    "amx_tile amx_int8 amx_bf16\n\n";

TEST(TrustTest, ParsesCpuinfo) {
  const HostMachine m = ParseCpuInfo(kAmdCpuinfo);
  EXPECT_EQ(m.vendor, "AuthenticAMD");
  EXPECT_EQ(m.family, 26);
  EXPECT_EQ(m.model, 2);
  EXPECT_EQ(m.stepping, 1);
  EXPECT_EQ(m.model_name, "AMD EPYC");
  EXPECT_EQ(m.logical_cpus, 2);
  // Kernel flags only, in KernelFlags() order; "hypervisor" and "fpu" dropped.
  const std::vector<std::string> flags = {"sse4_1",   "sse4_2",   "avx",      "f16c",        "fma",
                                          "avx2",     "avx512f",  "avx512dq", "avx512cd",    "avx512bw",
                                          "avx512vl", "avx512_vnni", "avx512_bf16", "avx512vbmi", "avx_vnni"};
  EXPECT_EQ(m.flags, flags);
}

TEST(TrustTest, SameMachineNoWarningOtherMachineOneLine) {
  const HostMachine amd = ParseCpuInfo(kAmdCpuinfo);
  const HostMachine intel = ParseCpuInfo(kIntelCpuinfo);
  EXPECT_FALSE(MachineMismatch("host", amd, amd));
  const auto w = MachineMismatch("host-ort-cpu", intel, amd);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->find('\n'), std::string::npos);
  EXPECT_NE(w->find("host-ort-cpu"), std::string::npos) << *w;
  EXPECT_NE(w->find("vendor, family, model, model name, flags differ"), std::string::npos) << *w;
  EXPECT_NE(w->find("lacks amx_tile amx_bf16 amx_int8"), std::string::npos) << *w;
  // Same CPU model but without AMX (e.g. a hypervisor hiding it): flags alone differ.
  HostMachine masked = intel;
  masked.flags = {"avx", "fma", "avx2", "avx512f", "avx512_vnni"};
  const auto f = MachineMismatch("h", intel, masked);
  ASSERT_TRUE(f);
  EXPECT_NE(f->find("(flags differ"), std::string::npos) << *f;
  // Unknown fields are not compared: only the flags that were looked for.
  HostMachine old;
  old.vendor = "GenuineIntel";
  old.model_name = "Intel(R) Xeon(R) Processor";
  old.flags = {"avx", "fma", "avx2", "avx512f", "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8"};
  old.flags_checked = {"avx", "fma", "avx2", "avx512f", "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8"};
  EXPECT_FALSE(MachineMismatch("h", old, intel));
}

TEST(TrustTest, CurrentMachineReadsTheInjectedFile) {
  const fs::path path = fs::temp_directory_path() / "odonata_trust_cpuinfo.txt";
  std::ofstream(path) << kIntelCpuinfo;
  const auto m = CurrentMachine(path.string());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->vendor, "GenuineIntel");
  EXPECT_EQ(m->model, 143);
  EXPECT_FALSE(CurrentMachine((fs::temp_directory_path() / "odonata_no_such_cpuinfo").string()));
  fs::remove(path);
}

TEST(TrustTest, MachineFromProvenanceBothGenerations) {
  const HostMachine id = MachineFromProvenance(R"({"identity": {"schema": "odonata-host-identity/1",
      "cpu_vendor": "AuthenticAMD", "cpu_family": 26, "cpu_model": 2, "cpu_stepping": 1,
      "cpu_model_name": "AMD EPYC", "cpu_flags": ["avx2", "fma", "hypervisor"], "logical_cpus": 2,
      "threads": 1, "onnxruntime": "onnxruntime-node 1.30.0 CPU", "os": "Linux"}, "cpu_model": "AMD EPYC"})",
                                               "a.machine.json");
  EXPECT_EQ(id.vendor, "AuthenticAMD");
  EXPECT_EQ(id.family, 26);
  EXPECT_EQ(id.flags, (std::vector<std::string>{"fma", "avx2"}));
  EXPECT_TRUE(id.flags_checked.empty());
  EXPECT_EQ(id.threads, 1);
  EXPECT_EQ(id.runtime, "onnxruntime-node 1.30.0 CPU");
  const HostMachine old = MachineFromProvenance(
      R"({"cpu_model": "Intel(R) Xeon(R) Processor", "cpu_flags": ["fma", "avx", "avx2", "amx_int8"],
          "logical_cpus": 2, "threads": 2, "onnxruntime_node": "1.30.0", "os": "Linux 6.18"})",
      "b.machine.json");
  EXPECT_EQ(old.vendor, "GenuineIntel");
  EXPECT_FALSE(old.family);
  EXPECT_EQ(old.flags, (std::vector<std::string>{"avx", "fma", "avx2", "amx_int8"}));
  EXPECT_FALSE(old.flags_checked.empty());
  EXPECT_EQ(std::find(old.flags_checked.begin(), old.flags_checked.end(), "sse4_1"), old.flags_checked.end());
  EXPECT_EQ(old.runtime, "onnxruntime-node 1.30.0 CPU");
  EXPECT_NE(ErrorOf([] { MachineFromProvenance("[1]", "c.machine.json"); }).find("c.machine.json"),
            std::string::npos);
}

// --- profile fields -----------------------------------------------------------

Json Src(double value) { return {{"value", value}, {"source", "test"}}; }

Json Profile() {
  return {
      {"schema", "odonata-platform/1"},
      {"name", "tiny"},
      {"description", "a test profile"},
      {"default_precision", "fp32"},
      {"precisions", {{"fp32", {{"peak_gops", Src(100)}, {"bandwidth_gbps", Src(10)}}}}},
      {"overhead_ms", Src(0.5)},
      {"power", {{"idle_w", Src(1)}, {"typical_w", Src(2)}}},
      {"price_usd", Src(99)},
  };
}

Json IntervalJson(double low, double high) {
  return {{"level", 0.9}, {"low", low}, {"high", high}, {"rows", 20}, {"method", "m"}, {"source", "s"}};
}

TEST(TrustTest, ProfileFieldsRoundTrip) {
  Json doc = Profile();
  doc["classes"] = {{"default", {{"estimator", "roofline"}, {"interval", IntervalJson(0.8, 1.3)}}}};
  doc["machine"] = {{"vendor", "AuthenticAMD"}, {"family", 26},       {"model", 2},
                    {"model_name", "AMD EPYC"}, {"flags", {"avx2"}}, {"threads", 1},
                    {"source", "x.machine.json"}};
  doc["interval"] = IntervalJson(0.9, 1.2);
  doc["validation"] = {{"mape", 7.5}, {"networks", 12},   {"within10", 75},  {"max_abs_error", 20}, {"coverage", 91.7},
                       {"suite", "s.csv"}, {"measured", "e2e on X"}, {"date", "2026-12-04"}, {"source", "t"}};
  const Platform p = ParsePlatform(doc.dump(), "tiny.json");
  ASSERT_TRUE(p.default_class.interval);
  EXPECT_EQ(p.default_class.interval->high, 1.3);
  ASSERT_TRUE(p.machine);
  EXPECT_EQ(p.machine->family, 26);
  ASSERT_TRUE(p.validation);
  EXPECT_EQ(p.validation->coverage, 91.7);
  std::ostringstream out;
  WritePlatform(p, out);
  const Platform back = ParsePlatform(out.str(), "tiny.json");
  EXPECT_EQ(back.machine, p.machine);
  EXPECT_EQ(back.interval, p.interval);
  EXPECT_EQ(back.validation, p.validation);
  EXPECT_EQ(back.default_class.interval, p.default_class.interval);
  std::ostringstream again;
  WritePlatform(back, again);
  EXPECT_EQ(again.str(), out.str());
}

TEST(TrustTest, ProfileFieldErrorsNameTheKey) {
  Json doc = Profile();
  doc["interval"] = IntervalJson(1.2, 0.9);
  EXPECT_NE(ErrorOf([&] { ParsePlatform(doc.dump(), "tiny.json"); }).find("interval.high: must be >= low"),
            std::string::npos);
  doc = Profile();
  doc["machine"] = {{"model_name", "X"}, {"flags", {"avx3"}}, {"source", "s"}};
  EXPECT_NE(ErrorOf([&] { ParsePlatform(doc.dump(), "tiny.json"); }).find("unknown CPU flag 'avx3'"),
            std::string::npos);
  doc = Profile();
  doc["validation"] = {{"mape", 1}};
  EXPECT_NE(ErrorOf([&] { ParsePlatform(doc.dump(), "tiny.json"); }).find("validation"), std::string::npos);
}

// --- reports ------------------------------------------------------------------

Network TwoLayers() {
  return ParseOnnxText(
      testing::Model("(float[1,8,16,16] x) => (float[1,8,16,16] z)", "y = Relu(x)\nz = Sigmoid(y)"));
}

TEST(TrustTest, ProfileIntervalScalesTheTotal) {
  Json doc = Profile();
  doc["interval"] = IntervalJson(0.9, 1.2);
  const Platform p = ParsePlatform(doc.dump(), "tiny.json");
  const Report r = EstimateNetwork(TwoLayers(), p);
  ASSERT_TRUE(r.interval);
  EXPECT_EQ(r.interval->basis, "profile");
  EXPECT_DOUBLE_EQ(r.interval->low_ms, 0.9 * r.total_ms);
  EXPECT_DOUBLE_EQ(r.interval->high_ms, 1.2 * r.total_ms);
  EXPECT_FALSE(r.validation);
}

TEST(TrustTest, ClassIntervalsAddUpOverLayers) {
  Json doc = Profile();
  // Every class (Relu and Sigmoid are both activation) through `default`.
  doc["classes"] = {{"default", {{"estimator", "roofline"}, {"interval", IntervalJson(0.5, 2.0)}}}};
  const Platform with = ParsePlatform(doc.dump(), "tiny.json");
  const Report r = EstimateNetwork(TwoLayers(), with);
  ASSERT_TRUE(r.interval);
  EXPECT_EQ(r.interval->basis, "classes");
  const double layers = r.total_ms - r.overhead_ms;
  EXPECT_DOUBLE_EQ(r.interval->low_ms, r.overhead_ms + 0.5 * layers);
  EXPECT_DOUBLE_EQ(r.interval->high_ms, r.overhead_ms + 2.0 * layers);
  // Without an interval for a class that costs time: none at all.
  const Report none = EstimateNetwork(TwoLayers(), ParsePlatform(Profile().dump(), "tiny.json"));
  EXPECT_FALSE(none.interval);
}

// A class without an interval (softmax here: no sweep rows) takes the widest
// of the profile's class intervals: the lowest low (eltwise's 0.7) and the
// highest high (activation's 1.5).
TEST(TrustTest, ClassesWithoutAnIntervalTakeTheWidest) {
  Json doc = Profile();
  doc["classes"] = {{"activation", {{"estimator", "roofline"}, {"interval", IntervalJson(0.8, 1.5)}}},
                    {"eltwise", {{"estimator", "roofline"}, {"interval", IntervalJson(0.7, 1.1)}}}};
  const Network net = ParseOnnxText(testing::Model("(float[1,8,16,16] x, float[1,8,16,16] w) => (float[1,8,16,16] z)",
                                                   "y = Relu(x)\na = Add(y, w)\nz = Softmax(a)"));
  const Report r = EstimateNetwork(net, ParsePlatform(doc.dump(), "tiny.json"));
  ASSERT_TRUE(r.interval);
  EXPECT_EQ(r.interval->basis, "classes");
  double low = r.overhead_ms, high = r.overhead_ms;
  int seen = 0;
  for (const ReportRow& row : r.rows) {
    ASSERT_GT(row.ms, 0) << row.layer.name;
    if (row.layer.op_type == "Relu") low += 0.8 * row.ms, high += 1.5 * row.ms, ++seen;
    if (row.layer.op_type == "Add") low += 0.7 * row.ms, high += 1.1 * row.ms, ++seen;
    if (row.layer.op_type == "Softmax") low += 0.7 * row.ms, high += 1.5 * row.ms, ++seen;
  }
  EXPECT_EQ(seen, 3);
  EXPECT_DOUBLE_EQ(r.interval->low_ms, low);
  EXPECT_DOUBLE_EQ(r.interval->high_ms, high);
}

TEST(TrustTest, EveryFormatStatesTheTrust) {
  Json doc = Profile();
  doc["interval"] = IntervalJson(0.9, 1.2);
  doc["validation"] = {{"mape", 27.0}, {"networks", 12},  {"within10", 8.3},     {"max_abs_error", 46},
                       {"suite", "v.csv"}, {"measured", "e2e on X"}, {"date", "2026-12-04"}, {"source", "t"}};
  const Report r = EstimateNetwork(TwoLayers(), ParsePlatform(doc.dump(), "tiny.json"));
  const std::string rounded = RoundToError(r.total_ms, 0.27);
  for (Format f : {Format::kTable, Format::kJson, Format::kCsv, Format::kHtml}) {
    std::ostringstream out;
    Render(r, f, out);
    EXPECT_NE(out.str().find("27"), std::string::npos) << static_cast<int>(f);
    EXPECT_NE(out.str().find(rounded), std::string::npos) << static_cast<int>(f);
  }
  std::ostringstream table;
  Render(r, Format::kTable, table);
  EXPECT_NE(table.str().find("trust      MAPE 27.0% on 12 validation networks (e2e on X; v.csv, checked 2026-12-04)"),
            std::string::npos)
      << table.str();
  EXPECT_NE(table.str().find("(90% interval "), std::string::npos);
  std::ostringstream json;
  Render(r, Format::kJson, json);
  const Json j = Json::parse(json.str());
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["total_ms_rounded"], rounded);
  EXPECT_DOUBLE_EQ(j["interval"]["low_ms"].get<double>(), 0.9 * r.total_ms);
  EXPECT_EQ(j["validation"]["networks"], 12);
}

// --- check --write-validation -------------------------------------------------

CheckRow Row(const std::string& path, bool calibration, double measured, double estimated) {
  CheckRow r;
  r.row.platform = "tiny";
  r.row.calibration = calibration;
  r.row.measured_ms = measured;
  r.row.measures = "e2e";
  r.row.origin = "v.csv:2";
  r.estimated_ms = estimated;
  r.error_pct = 100.0 * (estimated - measured) / measured;
  r.platform_path = path;
  return r;
}

TEST(TrustTest, DeriveTrustFromCalibrationAndValidationRows) {
  const fs::path dir = fs::temp_directory_path() / "odonata_trust_derive";
  fs::create_directories(dir);
  const std::string path = (dir / "tiny.json").string();
  std::ofstream(path) << Profile().dump(2);
  CheckResult all;
  // Calibration ratios measured/estimated 0.8, 1.0, 1.25 (n = 3: their range).
  all.rows.push_back(Row(path, true, 8, 10));
  all.rows.push_back(Row(path, true, 10, 10));
  all.rows.push_back(Row(path, true, 12.5, 10));
  // Validation: errors +25% (measured 8 for 10: inside), -20% (12.5: inside), -50% (20: outside), 0%.
  all.rows.push_back(Row(path, false, 8, 10));
  all.rows.push_back(Row(path, false, 12.5, 10));
  all.rows.push_back(Row(path, false, 20, 10));
  all.rows.push_back(Row(path, false, 10, 10));
  TrustOptions options;
  options.date = "2026-12-04";
  options.suites = {"v.csv"};
  const std::vector<TrustUpdate> updates = DeriveTrust(all, options);
  ASSERT_EQ(updates.size(), 1u);
  const TrustUpdate& u = updates[0];
  ASSERT_TRUE(u.interval);
  EXPECT_DOUBLE_EQ(u.interval->low, 0.8);
  EXPECT_DOUBLE_EQ(u.interval->high, 1.25);
  EXPECT_EQ(u.interval->rows, 3);
  ASSERT_TRUE(u.validation);
  EXPECT_EQ(u.validation->networks, 4);
  EXPECT_DOUBLE_EQ(u.validation->mape, (25.0 + 20.0 + 50.0 + 0.0) / 4);
  EXPECT_DOUBLE_EQ(u.validation->within10, 25.0);
  EXPECT_DOUBLE_EQ(u.validation->max_abs_error, 50.0);
  EXPECT_DOUBLE_EQ(*u.validation->coverage, 75.0);
  EXPECT_EQ(u.validation->measured, "e2e on a test profile");
  EXPECT_EQ(u.validation->date, "2026-12-04");
  const Platform written = ParsePlatform(ApplyTrust(u), path);
  EXPECT_EQ(written.interval, u.interval);
  EXPECT_EQ(written.validation, u.validation);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace odonata
