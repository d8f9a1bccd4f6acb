// Renderers on a hand-built Report: keys, quoting, and the total invariant.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/estimator.h"
#include "odonata/render.h"
#include "render/format.h"

namespace odonata {
namespace {

// Table cells are cut by code points, not bytes; a cell that fits is kept whole.
TEST(ReportFormat, EllipsizeCutsByCodePoints) {
  using report::Elide;
  using report::Ellipsize;
  EXPECT_EQ(Ellipsize("abc", 3, Elide::kMiddle), "abc");
  EXPECT_EQ(Ellipsize("abcdef", 3, Elide::kNone), "abcdef");
  EXPECT_EQ(Ellipsize("abcdefghij", 8, Elide::kEnd), "abcde...");
  EXPECT_EQ(Ellipsize("abcdefghij", 8, Elide::kMiddle), "a...ghij");  // a third of 5 kept at the start
  EXPECT_EQ(Ellipsize("abcdef", 2, Elide::kEnd), "ab");               // no room for "..."
  // "\xc3\xa9" is one code point (e acute) in two bytes.
  const std::string e = "\xc3\xa9";
  EXPECT_EQ(Ellipsize(e + e + e + e + e, 5, Elide::kEnd), e + e + e + e + e);  // 10 bytes, 5 code points: fits
  EXPECT_EQ(Ellipsize(e + e + e + e + e + e, 5, Elide::kEnd), e + e + "...");
  EXPECT_EQ(Ellipsize("x" + e + "yz" + e + "w", 5, Elide::kMiddle), "..." + e + "w");  // keep 2: none + 2
  EXPECT_EQ(Ellipsize("abcdefg" + e + "hi", 7, Elide::kMiddle), "a..." + e + "hi");  // keep 4: 1 + 3
}

// FormatFixed, HumanCount and HumanBytes write numbers with std::to_chars;
// the text must be what snprintf's "%.*f" into 64 bytes gave, ties, signs,
// non-finite values and numbers cut at 63 characters included.
TEST(ReportFormat, NumbersAsPrintfWroteThem) {
  using report::FormatFixed;
  auto printf_fixed = [](double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return std::string(buf);
  };
  const double values[] = {0.0,   0.5,    1.5,   2.5,     0.125,  0.0625,  1234.5,  999.95, 0.0015, 12.3456789,
                           -2.5,  -0.125, 1e-7,  3.14159, 1e15,   1e58,    1e60,    -1e60,  1e300,  INFINITY,
                           -INFINITY, NAN, 5e-324, 0.1, 0.7, 123456789.123456789};
  for (double v : values) {
    for (int decimals = 0; decimals <= 6; ++decimals) {
      std::string want = printf_fixed(v, decimals);
      if (want[0] == '-' && want.find_first_not_of("-0.") == std::string::npos) want.erase(0, 1);  // "-0.000"
      EXPECT_EQ(FormatFixed(v, decimals), want) << v << " " << decimals;
    }
  }
  EXPECT_EQ(FormatFixed(1e60, 3).size(), 63u);  // cut where the 64-byte buffer cut it
  EXPECT_EQ(FormatFixed(-0.0001, 3), "0.000");
  EXPECT_EQ(report::HumanCount(950), "950");
  EXPECT_EQ(report::HumanCount(999.96e3), "1.0M");
  EXPECT_EQ(report::HumanCount(-1234567), "-1.2M");
  EXPECT_EQ(report::HumanCount(4.1e9), "4.1G");
  EXPECT_EQ(report::HumanBytes(512), "512 B");
  EXPECT_EQ(report::HumanBytes(802816), "784.0 KiB");
  EXPECT_EQ(report::HumanBytes(2.5 * 1024 * 1024), "2.5 MiB");
  EXPECT_EQ(report::HumanBytes(1e100), printf_fixed(1e100 / std::pow(1024.0, 6), 1));  // 63 digits, no unit
  EXPECT_EQ(report::HumanCount(1e300).size(), 63u);
}

// Header, rule and rows aligned; an elidable column narrowed to the width,
// its cells cut with "..."; no trailing spaces.
TEST(ReportFormat, WriteTableAlignsAndCuts) {
  using report::Align;
  using report::Column;
  using report::Elide;
  const std::vector<Column> columns = {{"#", Align::kRight}, {"name", Align::kLeft, Elide::kEnd, 4},
                                       {"ms", Align::kRight}, {"flags", Align::kLeft}};
  const std::vector<std::vector<std::string>> rows = {{"1", "conv1", "12.5", ""},
                                                      {"10", "a_very_long_name", "0.125", "x2"}};
  std::ostringstream wide, narrow;
  report::WriteTable(columns, rows, 140, wide);
  EXPECT_EQ(wide.str(),
            " #  name                 ms  flags\n"
            "--  ----------------  -----  -----\n"
            " 1  conv1              12.5\n"
            "10  a_very_long_name  0.125  x2\n");
  report::WriteTable(columns, rows, 27, narrow);  // 2 + 16 + 5 + 5 + 3 gaps of 2 = 34: name loses 7
  EXPECT_EQ(narrow.str(),
            " #  name          ms  flags\n"
            "--  ---------  -----  -----\n"
            " 1  conv1       12.5\n"
            "10  a_very...  0.125  x2\n");
}

ReportRow MakeRow(const std::string& name, std::vector<std::string> ops, Shape shape, double ms, std::int64_t macs) {
  ReportRow row;
  row.layer.name = name;
  row.layer.op_type = ops.front();
  row.layer.covered_ops = ops;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    row.layer.covers.push_back(name + (i == 0 ? "" : "_" + std::to_string(i)));
  }
  TensorInfo out;
  out.name = name + "_out";
  out.shape = std::move(shape);
  out.dtype = DataType::kFloat32;
  row.layer.outputs.push_back(out);
  row.layer.counts.macs = macs;
  row.layer.counts.flops = 2 * macs;
  row.layer.counts.params = 1000;
  row.precision = Precision::kFp16;  // as MakeReport's
  row.estimate.ms = ms;
  row.estimate.bound = Bound::kCompute;
  row.estimate.ops = static_cast<double>(2 * macs);
  row.estimate.bytes = 4096;
  row.estimate.utilisation = 0.75;
  row.estimate.estimator = "roofline";
  row.ms = ms;
  row.energy_mj = 2.0 * ms;  // 2 W while layers run
  return row;
}

// Three rows (0.125 + 1.5 + 0.0625 ms) plus 0.25 ms overhead = 1.9375 ms.
// Energy: 2 W x 1.6875 ms = 3.375 mJ in layers + 1 W idle x 0.25 ms = 3.625 mJ.
Report MakeReport() {
  Report r;
  r.model = "tiny";
  r.model_path = "models/tiny.onnx";
  r.platform = "test-board";
  r.platform_path = "platforms/test-board.json";
  r.precision = Precision::kFp16;
  r.rows.push_back(MakeRow("conv1", {"Conv", "BatchNormalization", "Relu"}, {1, 64, 56, 56}, 0.125, 118013952));
  r.rows.push_back(MakeRow("fc,final", {"Gemm"}, {1, 1000}, 1.5, 512000));
  ReportRow odd = MakeRow("mystery", {"FooOp"}, {1, 10}, 0.0625, 0);
  odd.layer.unknown_op = true;
  odd.estimate.bound = Bound::kMemory;
  odd.estimate.estimator = "memory";
  odd.flags = {"unknown_op"};
  r.rows.push_back(odd);
  r.overhead_ms = 0.25;
  r.total_ms = 0.125 + 1.5 + 0.0625 + 0.25;
  for (ReportRow& row : r.rows) row.percent = 100.0 * row.ms / r.total_ms;
  r.overhead_energy_mj = 0.25;
  r.energy_mj = 3.625;
  r.avg_power_w = 3.625 / 1.9375;
  r.totals.macs = 118013952 + 512000;
  r.totals.flops = 2 * r.totals.macs;
  r.totals.params = 3000;
  r.nodes = 5;
  r.warnings = {"opset 18 is newer than the tested 17"};
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ReportTest, ParseFormat) {
  Format f = Format::kTable;
  EXPECT_TRUE(ParseFormat("json", &f));
  EXPECT_EQ(f, Format::kJson);
  EXPECT_TRUE(ParseFormat("csv", &f));
  EXPECT_EQ(f, Format::kCsv);
  EXPECT_TRUE(ParseFormat("table", &f));
  EXPECT_EQ(f, Format::kTable);
  EXPECT_FALSE(ParseFormat("JSON", &f));
  EXPECT_FALSE(ParseFormat("", &f));
  EXPECT_TRUE(ParseFormat("html", &f));
  EXPECT_EQ(f, Format::kHtml);
  EXPECT_FALSE(ParseFormat("htm", &f));
}

TEST(ReportTest, JsonKeysAndValues) {
  std::ostringstream out;
  RenderJson(MakeReport(), out);
  const auto j = nlohmann::json::parse(out.str());

  for (const char* key :
       {"odonata_version", "model", "model_path", "platform", "platform_path", "precision", "total_ms", "overhead_ms",
        "layers_ms", "energy_mj", "overhead_energy_mj", "avg_power_w", "totals", "nodes", "layers", "warnings",
        "quantization"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["model"], "tiny");
  EXPECT_EQ(j["platform"], "test-board");
  EXPECT_EQ(j["precision"], "fp16");
  EXPECT_EQ(j["nodes"], 5);
  EXPECT_DOUBLE_EQ(j["total_ms"].get<double>(), 1.9375);
  EXPECT_DOUBLE_EQ(j["overhead_ms"].get<double>(), 0.25);
  EXPECT_EQ(j["totals"]["macs"], 118013952 + 512000);
  EXPECT_EQ(j["totals"]["params"], 3000);
  EXPECT_EQ(j["totals"]["bytes"], 3 * 4096);
  ASSERT_EQ(j["warnings"].size(), 1u);

  ASSERT_EQ(j["layers"].size(), 3u);
  const auto& conv = j["layers"][0];
  for (const char* key :
       {"name", "op", "ops", "covers", "output_shape", "macs", "flops", "params", "bytes", "ops_count", "bound",
        "estimator", "utilisation", "ms", "percent", "energy_mj", "repeat", "flags"}) {
    EXPECT_TRUE(conv.contains(key)) << key;
  }
  EXPECT_EQ(conv["name"], "conv1");
  EXPECT_EQ(conv["op"], "Conv");
  EXPECT_EQ(conv["ops"], (std::vector<std::string>{"Conv", "BatchNormalization", "Relu"}));
  EXPECT_EQ(conv["covers"].size(), 3u);
  EXPECT_EQ(conv["output_shape"], (std::vector<int>{1, 64, 56, 56}));
  EXPECT_EQ(conv["macs"], 118013952);
  EXPECT_EQ(conv["bytes"], 4096);
  EXPECT_TRUE(conv["bytes"].is_number_integer());
  EXPECT_EQ(conv["bound"], "compute");
  EXPECT_DOUBLE_EQ(conv["utilisation"].get<double>(), 0.75);
  EXPECT_EQ(j["layers"][2]["flags"], (std::vector<std::string>{"unknown_op"}));
  EXPECT_EQ(j["layers"][2]["bound"], "memory");

  // The invariant consumers rely on: total = sum of layer rows + overhead.
  double sum = 0;
  for (const auto& layer : j["layers"]) sum += layer["ms"].get<double>();
  EXPECT_NEAR(j["total_ms"].get<double>(), sum + j["overhead_ms"].get<double>(), 1e-12);
  EXPECT_NEAR(j["layers_ms"].get<double>(), sum, 1e-12);
  // Same for energy: total = sum of layer energies + overhead energy.
  double energy = 0;
  for (const auto& layer : j["layers"]) energy += layer["energy_mj"].get<double>();
  EXPECT_NEAR(j["energy_mj"].get<double>(), energy + j["overhead_energy_mj"].get<double>(), 1e-12);
  EXPECT_DOUBLE_EQ(j["energy_mj"].get<double>(), 3.625);
  EXPECT_DOUBLE_EQ(j["avg_power_w"].get<double>(), 3.625 / 1.9375);
  EXPECT_DOUBLE_EQ(conv["energy_mj"].get<double>(), 0.25);
}

TEST(ReportTest, JsonDoublesRoundTrip) {
  Report r = MakeReport();
  r.rows[0].ms = 0.1 + 0.2;  // 0.30000000000000004: needs 17 significant digits
  r.total_ms = r.rows[0].ms + 1.5 + 0.0625 + 0.25;
  std::ostringstream out;
  RenderJson(r, out);
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["layers"][0]["ms"].get<double>(), 0.1 + 0.2);
  EXPECT_EQ(j["total_ms"].get<double>(), r.total_ms);
}

TEST(ReportTest, JsonSurvivesInvalidUtf8Names) {
  Report r = MakeReport();
  r.rows[0].layer.name = "bad\xff name";
  std::ostringstream out;
  RenderJson(r, out);
  EXPECT_NO_THROW(nlohmann::json::parse(out.str()));
}

TEST(ReportTest, CsvHeaderQuotingAndTotals) {
  std::ostringstream out;
  RenderCsv(MakeReport(), out);
  const std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 1u + 3u + 2u);
  EXPECT_EQ(lines[0],
            "index,name,op,covers,output_shape,macs,flops,params,bytes,bound,estimator,"
            "utilisation,ms,percent,repeat,flags,energy_mj,kind,total_rounded,interval_low_ms,interval_high_ms,"
            "validated_mape,validated_networks,precision,quantized,param_bytes,quantized_macs_percent");
  EXPECT_EQ(lines[1].substr(0, 66), "1,conv1,Conv+BatchNormalization+Relu,conv1;conv1_1;conv1_2,1x64x56");
  // A name with a comma is quoted; the row still has 16 fields after unquoting.
  EXPECT_EQ(lines[2].rfind("2,\"fc,final\",Gemm,\"fc,final\",1x1000,512000,", 0), 0u) << lines[2];
  EXPECT_NE(lines[3].find(",unknown_op"), std::string::npos);
  EXPECT_NE(lines[3].find(",0.125,layer,,,,,"), std::string::npos) << lines[3];  // 2 W x 0.0625 ms
  // A float layer: at the report's precision, not quantized, no parameter bytes in this hand-made row.
  EXPECT_NE(lines[3].find(",layer,,,,,,fp16,0,0,"), std::string::npos) << lines[3];
  EXPECT_EQ(lines[4], ",OVERHEAD,,,,,,,,,,,0.25,12.903225806451612,,,0.25,overhead,,,,,,,,,");
  // No validation or interval in the profile: 3 decimals, empty trust fields; a float model:
  // precision fp16, no quantized layers, 0% of MACs quantized.
  EXPECT_EQ(lines[5], ",TOTAL,,,,118525952,237051904,3000,12288,,,,1.9375,100,,,3.625,total,1.938,,,,,fp16,0,0,0");
}

TEST(ReportTest, CsvQuotesQuotesAndNewlines) {
  Report r = MakeReport();
  r.rows[0].layer.name = "say \"hi\"\nthere";
  std::ostringstream out;
  RenderCsv(r, out);
  EXPECT_NE(out.str().find("1,\"say \"\"hi\"\"\nthere\",Conv"), std::string::npos) << out.str();
}

TEST(ReportTest, TableHasRowsAndTotals) {
  std::ostringstream out;
  RenderTable(MakeReport(), out);
  const std::string text = out.str();
  const std::vector<std::string> lines = Lines(text);
  auto has_line = [&](const std::string& prefix, const std::string& contains) {
    for (const std::string& line : lines) {
      if (line.rfind(prefix, 0) == 0 && line.find(contains) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has_line("total", "1.938 ms")) << text;  // 1.9375 at 3 decimals
  EXPECT_TRUE(has_line("overhead", "0.250 ms")) << text;
  EXPECT_TRUE(has_line("layers", "1.688 ms")) << text;
  EXPECT_TRUE(has_line("energy", "3.625 mJ  (avg 1.87 W; overhead 0.250 mJ")) << text;
  EXPECT_TRUE(has_line("model", "tiny")) << text;
  EXPECT_TRUE(has_line("precision", "fp16")) << text;
  EXPECT_NE(text.find("Conv+BN+Relu"), std::string::npos) << text;
  EXPECT_NE(text.find("118.0M"), std::string::npos) << text;
  EXPECT_NE(text.find("1x64x56x56"), std::string::npos) << text;
  EXPECT_NE(text.find("unknown_op"), std::string::npos) << text;
  EXPECT_EQ(text.find("opset 18"), std::string::npos) << "warnings belong on stderr";
  for (const std::string& line : lines) {
    EXPECT_LE(line.size(), 140u) << line;
    EXPECT_TRUE(line.empty() || line.back() != ' ') << "trailing space: '" << line << "'";
  }
}

TEST(ReportTest, TableElidesLongNames) {
  Report r = MakeReport();
  r.rows[0].layer.name = "/backbone/" + std::string(300, 'x') + "/block.0/Conv";
  std::ostringstream out;
  RenderTable(r, out);
  for (const std::string& line : Lines(out.str())) EXPECT_LE(line.size(), 140u) << line;
  EXPECT_NE(out.str().find("/backbone/x"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("x...x"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("x/block.0/Conv"), std::string::npos) << out.str();
}

TEST(ReportTest, RenderDispatches) {
  const Report r = MakeReport();
  std::ostringstream json, csv;
  Render(r, Format::kJson, json);
  Render(r, Format::kCsv, csv);
  EXPECT_EQ(json.str().front(), '{');
  EXPECT_EQ(csv.str().rfind("index,", 0), 0u);
}

TEST(RenderEstimatorsTest, OneAlignedLinePerEstimator) {
  std::ostringstream out;
  RenderEstimators(Estimators(), out);
  std::istringstream lines(out.str());
  std::string line;
  std::size_t n = 0;
  for (; std::getline(lines, line); ++n) {
    ASSERT_LT(n, Estimators().size());
    const EstimatorInfo& e = Estimators()[n];
    EXPECT_EQ(line.rfind(e.name, 0), 0u) << line;
    EXPECT_EQ(line.substr(18), e.description);  // "refined_roofline" (16) + 2 spaces
  }
  EXPECT_EQ(n, Estimators().size());
}

TEST(Warnings, EachOnceInOrder) {
  std::vector<std::string> w;
  AddWarning(w, "a");
  AddWarning(w, "b");
  AddWarning(w, "a");
  EXPECT_EQ(w, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(UniqueWarnings({"x", "y", "x", "z", "y"}), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(UniqueWarnings({}).empty());
}

}  // namespace
}  // namespace odonata
