// Measurement CSV: parsing (quoting, line ends, extras), every error message,
// the writer's round trip; and ToLayer against the ONNX loader.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <sstream>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/measurements.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::Model;

using testing::Config;
using testing::ErrorOf;

const std::string kHeader =
    "op,batch,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,groups,dilation,pad_h,pad_w,precision,"
    "latency_ms\n";
const std::string kRow = "Conv,1,64,32,32,64,3,3,1,1,1,1,-1,-1,fp16,0.25\n";

// The error of parsing `header` + `row` as m.csv.
std::string ParseError(const std::string& text, bool require_latency = true) {
  return ErrorOf([&] { ParseMeasurements(text, "m.csv", require_latency); });
}

// kRow with field `index` replaced by `value`.
std::string RowWith(int index, const std::string& value) {
  std::vector<std::string> fields;
  std::stringstream in(kRow.substr(0, kRow.size() - 1));
  for (std::string f; std::getline(in, f, ',');) fields.push_back(f);
  fields[index] = value;
  std::string row;
  for (const auto& f : fields) row += (row.empty() ? "" : ",") + f;
  return row + "\n";
}

std::string CountsText(const Counts& c) {
  return "macs " + std::to_string(c.macs) + " flops " + std::to_string(c.flops) + " params " +
         std::to_string(c.params) + " weights " + std::to_string(c.weight_elems) + " in " +
         std::to_string(c.input_elems) + " out " + std::to_string(c.output_elems);
}

TEST(Measurements, CanonicalColumns) {
  const auto& c = MeasurementColumns();
  ASSERT_EQ(c.size(), 23u);
  EXPECT_EQ(c.front(), "op");
  EXPECT_EQ(c[14], "precision");
  EXPECT_EQ(c[15], "latency_ms");
  EXPECT_EQ(c[20], "energy_mj");
  EXPECT_EQ(c[21], "out_rows");
  EXPECT_EQ(c.back(), "nms_compares");
}

TEST(Measurements, ParsesQuotingCrlfCommentsBlankLinesAndExtras) {
  std::string text =
      "# measured on the bench, 2024\r\n"
      "name,op,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,precision,latency_ms,note,repeats\r\n"
      "\r\n"
      "\"conv, 1\",Conv,3,8,8,4,3,3,1,1,fp32,1.5,\"said \"\"fast\"\"\",100\r\n"
      "# a comment between rows\r\n"
      "\"two\nlines\",DepthwiseConv,8,16,16,8,3,3,2,2,int8,0.125,,\r\n"
      "   \n"
      "g,Gemm,16,1,1,10,1,1,1,1,fp16,2e-3,x,";  // no final line break
  std::vector<Measurement> rows = ParseMeasurements(text, "m.csv");
  ASSERT_EQ(rows.size(), 3u);

  const Measurement& a = rows[0];
  EXPECT_EQ(a.origin, "m.csv:4");
  EXPECT_EQ(a.config.op, "Conv");
  EXPECT_EQ(a.config.batch, 1);
  EXPECT_EQ(a.config.in_c, 3);
  EXPECT_EQ(a.config.out_c, 4);
  EXPECT_EQ(a.config.kernel_h, 3);
  EXPECT_EQ(a.config.groups, 1);
  EXPECT_EQ(a.config.dilation, 1);
  EXPECT_EQ(a.config.pad_h, -1);
  EXPECT_EQ(a.config.pad_w, -1);
  EXPECT_EQ(a.config.precision, Precision::kFp32);
  EXPECT_DOUBLE_EQ(a.latency_ms, 1.5);
  EXPECT_EQ(a.repeats, 100);
  EXPECT_FALSE(a.latency_ms_p10.has_value());
  EXPECT_FALSE(a.power_w.has_value());
  using Extra = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(a.extra, (Extra{{"name", "conv, 1"}, {"note", "said \"fast\""}}));

  // A quoted line break moves the line count on: the next record is on line 6.
  const Measurement& b = rows[1];
  EXPECT_EQ(b.origin, "m.csv:6");
  EXPECT_EQ(b.config.op, "DepthwiseConv");
  EXPECT_EQ(b.config.stride_w, 2);
  EXPECT_EQ(b.config.precision, Precision::kInt8);
  EXPECT_FALSE(b.repeats.has_value());  // empty optional field: absent
  EXPECT_EQ(b.extra, (Extra{{"name", "two\nlines"}, {"note", ""}}));

  const Measurement& c = rows[2];
  EXPECT_EQ(c.origin, "m.csv:9");
  EXPECT_EQ(c.config.op, "Gemm");
  EXPECT_DOUBLE_EQ(c.latency_ms, 0.002);
  EXPECT_EQ(c.extra, (Extra{{"name", "g"}, {"note", "x"}}));
}

TEST(Measurements, OptionalColumnsAndExplicitPads) {
  std::string text = kHeader + "MaxPool,4,16,9,9,16,3,3,2,2,,,0,1,fp32,0.5\n";
  Measurement m = ParseMeasurements(text, "m.csv").at(0);
  EXPECT_EQ(m.config.batch, 4);
  EXPECT_EQ(m.config.groups, 1);    // empty: default
  EXPECT_EQ(m.config.dilation, 1);  // empty: default
  EXPECT_EQ(m.config.pad_h, 0);
  EXPECT_EQ(m.config.pad_w, 1);
}

TEST(Measurements, PlanWithoutLatency) {
  std::string text =
      "op,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,precision\nRelu,8,4,4,8,1,1,1,1,fp16\n";
  auto rows = ParseMeasurements(text, "plan.csv", /*require_latency=*/false);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(std::isnan(rows[0].latency_ms));
  EXPECT_EQ(ParseError(text), "m.csv:1: missing required column 'latency_ms'");
  // An empty latency is absent in a plan, missing in measurements.
  std::string empty = kHeader + RowWith(15, "");
  EXPECT_TRUE(std::isnan(ParseMeasurements(empty, "m.csv", false).at(0).latency_ms));
  EXPECT_EQ(ParseError(empty), "m.csv:2: latency_ms: missing value");
}

TEST(Measurements, HeaderErrors) {
  EXPECT_EQ(ParseError(""), "m.csv:1: no header row (the file is empty)");
  EXPECT_EQ(ParseError("# only a comment\n"), "m.csv:1: no header row (the file is empty)");
  EXPECT_EQ(ParseError("op,in_c,in_c\n"), "m.csv:1: duplicate column 'in_c'");
  EXPECT_EQ(ParseError("# c\nop,,in_c\n"), "m.csv:2: column 2 has no name");
  std::string no_latency = kHeader.substr(0, kHeader.size() - std::string(",latency_ms\n").size()) + "\n";
  EXPECT_EQ(ParseError(no_latency + "Conv,1,64,32,32,64,3,3,1,1,1,1,-1,-1,fp16\n"),
            "m.csv:1: missing required column 'latency_ms'");
  EXPECT_EQ(ParseError("op,in_c,out_c,kernel_h,kernel_w,stride_h,stride_w,precision,latency_ms\n"),
            "m.csv:1: missing required columns 'in_h', 'in_w'");
  const std::string separator =
      "m.csv:1: the header has one column; is the file ';'- or tab-separated? odonata reads ',' only";
  EXPECT_EQ(ParseError("op;in_c;in_h\nConv;1;2\n"), separator);
  EXPECT_EQ(ParseError("op\tin_c\tin_h\n"), separator);
}

TEST(Measurements, RowErrorsNameLineColumnAndValue) {
  struct Case {
    int field;
    std::string value;
    std::string error;
  };
  const Case cases[] = {
      {15, "abc", "m.csv:2: latency_ms: 'abc' is not a number"},
      {15, "nan", "m.csv:2: latency_ms: 'nan' is not a finite number"},
      {15, "inf", "m.csv:2: latency_ms: 'inf' is not a finite number"},
      {15, "0", "m.csv:2: latency_ms: '0' must be positive"},
      {15, "-1.5", "m.csv:2: latency_ms: '-1.5' must be positive"},
      {15, "", "m.csv:2: latency_ms: missing value"},
      {15, "1e999", "m.csv:2: latency_ms: '1e999' is out of range"},
      {2, "3.5", "m.csv:2: in_c: '3.5' is not an integer"},
      {2, "x", "m.csv:2: in_c: 'x' is not an integer"},
      {2, "0", "m.csv:2: in_c: '0' must be at least 1"},
      {3, "-4", "m.csv:2: in_h: '-4' must be at least 1"},
      {1, "0", "m.csv:2: batch: '0' must be at least 1"},
      {2, "", "m.csv:2: in_c: missing value"},
      {12, "-2", "m.csv:2: pad_h: '-2' must be -1 (same) or at least 0"},
      {0, "Convv",
       "m.csv:2: op: unknown op 'Convv' (known: Conv, DepthwiseConv, Conv1d, DepthwiseConv1d, ConvTranspose, Gemm, MatMul, MaxPool, "
       "AveragePool, "
       "GlobalAveragePool, Add, Mul, Relu, Clip, Sigmoid, HardSwish, BatchNormalization, Softmax, LayerNormalization, Gelu, SiLU, Concat, Transpose, "
       "Resize, ResizeLinear, ResizeNchwc, NonMaxSuppression, LSTM, GRU, RNN, RoiAlign, ScatterElements, TopK, NonZero, GatherND, Slice, Gather, "
       "GatherColumn, SliceH, GatherBlock, SoftmaxLast, ReduceMean, Transpose3D, NonMaxSuppressionIoU, NonMaxSuppressionAnchors, "
       "ConvRelu, ConvClip, "
       "ConvSigmoid, ConvHardSigmoid, ConvHardSwish, DepthwiseConvRelu, DepthwiseConvClip, DepthwiseConvSigmoid, "
       "DepthwiseConvHardSigmoid, DepthwiseConvHardSwish)"},
      {14, "fp64", "m.csv:2: precision: unknown precision 'fp64' (fp32|fp16|int8)"},
      // Impossible configurations: ToLayer's error with the row's origin.
      {10, "5", "m.csv:2: Conv: in_c 64 is not a multiple of groups 5"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseError(kHeader + RowWith(c.field, c.value)), c.error) << "field " << c.field << " = " << c.value;
  }
  EXPECT_EQ(
      ParseError(kHeader + "Conv,1,64,32,32,64,40,3,1,1,1,1,0,-1,fp16,0.25\n"),
      "m.csv:2: Conv: the kernel does not fit: output h would be < 1 (in_h 32, kernel_h 40, dilation 1, pad_h 0)");
}

TEST(Measurements, FieldCountAndQuotingErrors) {
  EXPECT_EQ(ParseError(kHeader + kRow + kRow + "\n# c\nConv,1,64,32,32,64,3,3,1,1,1,1,-1,-1,fp16\n"),
            "m.csv:6: expected 16 fields, got 15");
  EXPECT_EQ(ParseError(kHeader + kRow + "\"Conv,1,64\n"), "m.csv:3: unterminated quoted field");
  EXPECT_EQ(ParseError(kHeader + "\"Conv\"x,1,64,32,32,64,3,3,1,1,1,1,-1,-1,fp16,0.25\n"),
            "m.csv:2: text after the closing quote of a field");
}

TEST(Measurements, ReadNamesTheFile) {
  EXPECT_EQ(ErrorOf([] { ReadMeasurements("/nonexistent/m.csv"); }),
            "/nonexistent/m.csv: cannot open: no such file or not readable");
  auto dir = std::filesystem::temp_directory_path();
  EXPECT_EQ(ErrorOf([&] { ReadMeasurements(dir.string()); }), dir.string() + ": cannot open: is a directory");
}

TEST(Measurements, WriteThenParseRoundTrips) {
  Measurement a;
  a.config.op = "Conv";
  a.config.in_c = 3;
  a.config.in_h = a.config.in_w = 224;
  a.config.out_c = 64;
  a.config.kernel_h = a.config.kernel_w = 7;
  a.config.stride_h = a.config.stride_w = 2;
  a.config.pad_h = a.config.pad_w = 3;
  a.config.precision = Precision::kFp16;
  a.latency_ms = 0.123456789;
  a.latency_ms_p10 = 0.1;
  a.latency_ms_p90 = 0.15;
  a.repeats = 500;
  a.extra = {{"name", "conv1, \"stem\""}, {"model", "resnet50"}};
  Measurement b;
  b.config.op = "Resize";
  b.config.in_c = b.config.out_c = 16;
  b.config.stride_h = b.config.stride_w = 2;
  b.config.precision = Precision::kInt8;
  b.latency_ms = 3e-5;
  b.power_w = 2.5;
  b.energy_mj = 1.0 / 3.0;
  b.extra = {{"model", "fcn"}};  // "name" missing: written empty

  std::ostringstream out;
  WriteMeasurements({a, b}, out);
  EXPECT_EQ(out.str(),
            "op,batch,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,groups,dilation,pad_h,pad_w,precision,"
            "latency_ms,latency_ms_p10,latency_ms_p90,repeats,power_w,energy_mj,name,model\n"
            "Conv,1,3,224,224,64,7,7,2,2,1,1,3,3,fp16,0.123456789,0.1,0.15,500,,,\"conv1, \"\"stem\"\"\",resnet50\n"
            "Resize,1,16,1,1,16,1,1,2,2,1,1,-1,-1,int8,3e-05,,,,2.5,0.333333333,,fcn\n");

  std::vector<Measurement> back = ParseMeasurements(out.str(), "w.csv");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].config, a.config);
  EXPECT_EQ(back[0].latency_ms, a.latency_ms);
  EXPECT_EQ(back[0].latency_ms_p10, a.latency_ms_p10);
  EXPECT_EQ(back[0].latency_ms_p90, a.latency_ms_p90);
  EXPECT_EQ(back[0].repeats, a.repeats);
  EXPECT_EQ(back[0].extra, a.extra);
  EXPECT_EQ(back[1].config, b.config);
  EXPECT_EQ(back[1].latency_ms, b.latency_ms);
  EXPECT_EQ(back[1].power_w, b.power_w);
  EXPECT_NEAR(*back[1].energy_mj, *b.energy_mj, 1e-9);  // 9 significant digits
  using Extra = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(back[1].extra, (Extra{{"name", ""}, {"model", "fcn"}}));

  // Writing what was read gives the same text.
  std::ostringstream again;
  WriteMeasurements(back, again);
  EXPECT_EQ(again.str(), out.str());
}

// out_rows: the rows of a NonMaxSuppression's output as the runtime produced them
// (tools/ort/run.js). Read into Measurement::out_rows, written back only when some
// row has it, and given to the layer by ToLayer(Measurement): 2 images x 3 classes
// x 100 boxes have a bound of 600 selections; 41 were measured.
TEST(Measurements, OutRowsGiveTheNmsLayerItsMeasuredOutput) {
  const std::string header =
      "op,batch,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,groups,precision,latency_ms,out_rows\n";
  const std::string text = header +
                           "NonMaxSuppression,2,3,100,1,3,1,1,1,1,4,fp32,0.5,41\n"
                           "NonMaxSuppression,2,3,100,1,3,1,1,1,1,4,fp32,0.7,\n"
                           "Relu,1,8,4,4,8,1,1,1,1,1,fp32,0.01,\n";
  const std::vector<Measurement> rows = ParseMeasurements(text, "d.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].out_rows, std::optional<std::int64_t>(41));
  EXPECT_FALSE(rows[1].out_rows.has_value());
  EXPECT_FALSE(rows[2].out_rows.has_value());
  EXPECT_TRUE(rows[0].extra.empty());  // a known column, not an extra one

  const Layer measured = ToLayer(rows[0]);
  EXPECT_EQ(measured.outputs.at(0).shape, (Shape{41, 3}));
  EXPECT_EQ(measured.counts.output_elems, 41 * 3);
  EXPECT_EQ(LayerDim(measured, "kept"), 41);
  EXPECT_EQ(LayerDim(measured, "boxes"), 100);
  EXPECT_EQ(LayerDim(measured, "classes"), 6);
  EXPECT_EQ(LayerDim(measured, "kept_per_class"), 7);  // 41 / 6 = 6.8
  // Without out_rows: the bound, batch x classes x boxes, as ToLayer(config).
  const Layer bound = ToLayer(rows[1]);
  EXPECT_EQ(bound.outputs.at(0).shape, (Shape{600, 3}));
  EXPECT_TRUE(bound == ToLayer(rows[1].config));
  EXPECT_EQ(LayerDim(bound, "kept"), 600);
  EXPECT_EQ(LayerDim(ToLayer(rows[2]), "kept"), 0);  // not an NMS

  std::ostringstream out;
  WriteMeasurements(rows, out);
  EXPECT_EQ(out.str(),
            "op,batch,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,groups,dilation,pad_h,pad_w,precision,"
            "latency_ms,out_rows\n"
            "NonMaxSuppression,2,3,100,1,3,1,1,1,1,4,1,-1,-1,fp32,0.5,41\n"
            "NonMaxSuppression,2,3,100,1,3,1,1,1,1,4,1,-1,-1,fp32,0.7,\n"
            "Relu,1,8,4,4,8,1,1,1,1,1,1,-1,-1,fp32,0.01,\n");
  std::ostringstream without;
  WriteMeasurements({rows[1], rows[2]}, without);
  EXPECT_EQ(without.str().find("out_rows"), std::string::npos);

  // Errors name the file, line and column.
  EXPECT_EQ(ParseError(header + "NonMaxSuppression,2,3,100,1,3,1,1,1,1,4,fp32,0.5,601\n"),
            "m.csv:2: out_rows: 601 rows exceed the output's bound of 600 (batch x in_c x in_h)");
  EXPECT_EQ(ParseError(header + "NonMaxSuppression,2,3,100,1,3,1,1,1,1,4,fp32,0.5,-1\n"),
            "m.csv:2: out_rows: '-1' must not be negative");
  EXPECT_EQ(ParseError(header + "NonMaxSuppression,2,3,100,1,3,1,1,1,1,4,fp32,0.5,4.5\n"),
            "m.csv:2: out_rows: '4.5' is not an integer");
  EXPECT_EQ(ParseError(header + "Relu,1,8,4,4,8,1,1,1,1,1,fp32,0.01,5\n"),
            "m.csv:2: out_rows: only a NonMaxSuppression row has a measured output size, not Relu");
  // Zero selections is a measurement (no score above the threshold).
  EXPECT_EQ(ParseMeasurements(header + "NonMaxSuppression,2,3,100,1,3,1,1,1,1,4,fp32,0.5,0\n", "z.csv")[0].out_rows,
            std::optional<std::int64_t>(0));
}

TEST(Measurements, PlansHaveNoLatencyColumns) {
  Measurement m;
  m.config.op = "Relu";
  m.latency_ms = std::nan("");
  std::ostringstream out;
  WriteMeasurements({m}, out);
  EXPECT_EQ(out.str(),
            "op,batch,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,groups,dilation,pad_h,pad_w,precision\n"
            "Relu,1,1,1,1,1,1,1,1,1,1,1,-1,-1,fp32\n");
  auto back = ParseMeasurements(out.str(), "plan.csv", false);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].config, m.config);

  std::ostringstream empty;
  WriteMeasurements({}, empty);
  EXPECT_EQ(
      empty.str(),
      "op,batch,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,groups,dilation,pad_h,pad_w,precision\n");
}

// --- ToLayer ----------------------------------------------------------------

// The layer of an inline one-node model, renamed as ToLayer names it.
Layer Loaded(const std::string& signature, const std::string& body, const std::string& inits, const std::string& op) {
  Network net = ParseOnnxText(Model(signature, body, inits));
  EXPECT_EQ(net.layers.size(), 1u);
  Layer l = net.layers.at(0);
  l.name = op;
  l.covers = {op};
  return l;
}

void ExpectSameLayer(const Layer& from_config, const Layer& loaded) {
  EXPECT_EQ(from_config.op_type, loaded.op_type);
  EXPECT_EQ(from_config.op_class, loaded.op_class);
  EXPECT_EQ(CountsText(from_config.counts), CountsText(loaded.counts));
  ASSERT_EQ(from_config.inputs.size(), loaded.inputs.size());
  for (std::size_t i = 0; i < loaded.inputs.size(); ++i) {
    EXPECT_EQ(from_config.inputs[i].shape, loaded.inputs[i].shape) << "input " << i;
  }
  ASSERT_EQ(from_config.outputs.size(), 1u);
  EXPECT_EQ(from_config.outputs[0].shape, loaded.outputs.at(0).shape);
  EXPECT_EQ(from_config.window, loaded.window);
  EXPECT_TRUE(from_config == loaded);  // everything else too: names, dtypes, weight flags
}

TEST(LayerModel, ConvMatchesTheLoader) {
  Layer l = ToLayer(Config("Conv", 3, 8, 4, 3));
  ExpectSameLayer(
      l, Loaded("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                "y = Conv<kernel_shape=[3,3], pads=[1,1,1,1], strides=[1,1], dilations=[1,1], group=1>(x, w, b)",
                "<float[4,3,3,3] w = {0.0}, float[4] b = {0.0}>", "Conv"));
  EXPECT_EQ(l.name, "Conv");
  EXPECT_EQ(l.covers, (std::vector<std::string>{"Conv"}));
  EXPECT_EQ(l.counts.macs, 4 * 64 * 27);
  EXPECT_EQ(l.inputs[1].name, "w");
  EXPECT_TRUE(l.inputs[1].is_weight);
  EXPECT_TRUE(l.inputs[2].is_weight);
}

TEST(LayerModel, DepthwiseConvMatchesTheLoader) {
  LayerConfig c = Config("DepthwiseConv", 8, 10, 8, 3, 2);
  Layer l = ToLayer(c);
  ExpectSameLayer(l, Loaded("(float[1,8,10,10] x) => (float[1,8,5,5] y)",
                            "y = Conv<group=8, kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1]>(x, w, b)",
                            "<float[8,1,3,3] w = {0.0}, float[8] b = {0.0}>", "DepthwiseConv"));
  EXPECT_EQ(l.op_class, OpClass::kDepthwiseConv);
  EXPECT_EQ(l.op_type, "Conv");
  c.groups = 8;  // stating groups = in_c is the same layer
  EXPECT_TRUE(ToLayer(c) == l);
  c.out_c = 16;  // channel multiplier 2
  EXPECT_EQ(ToLayer(c).inputs[1].shape, (Shape{16, 1, 3, 3}));
}

TEST(LayerModel, GemmMatchesTheLoader) {
  LayerConfig c = Config("Gemm", 16, 1, 10);
  c.batch = 2;
  ExpectSameLayer(ToLayer(c), Loaded("(float[2,16] x) => (float[2,10] y)", "y = Gemm(x, w, b)",
                                     "<float[16,10] w = {0.0}, float[10] b = {0.0}>", "Gemm"));
  EXPECT_EQ(ToLayer(c).counts.macs, 2 * 16 * 10);
}

TEST(LayerModel, MaxPoolMatchesTheLoader) {
  // "same" padding of a 2x2 pool is none: 8x8 -> 4x4.
  ExpectSameLayer(
      ToLayer(Config("MaxPool", 4, 8, 4, 2, 2)),
      Loaded("(float[1,4,8,8] x) => (float[1,4,4,4] y)",
             "y = MaxPool<kernel_shape=[2,2], strides=[2,2], pads=[0,0,0,0], dilations=[1,1]>(x)", "", "MaxPool"));
  // 3x3 stride 2 pad 1 (ResNet's stem pool): 9x9 -> 5x5.
  ExpectSameLayer(
      ToLayer(Config("MaxPool", 4, 9, 4, 3, 2)),
      Loaded("(float[1,4,9,9] x) => (float[1,4,5,5] y)",
             "y = MaxPool<kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1], dilations=[1,1]>(x)", "", "MaxPool"));
}

TEST(LayerModel, AddMatchesTheLoader) {
  ExpectSameLayer(ToLayer(Config("Add", 4, 8, 4)),
                  Loaded("(float[1,4,8,8] x, float[1,4,8,8] x2) => (float[1,4,8,8] y)", "y = Add(x, x2)", "", "Add"));
}

TEST(LayerModel, OutputSizes) {
  auto out = [](const LayerConfig& c) { return ToLayer(c).outputs[0].shape; };
  EXPECT_EQ(out(Config("Conv", 3, 224, 64, 7, 2)), (Shape{1, 64, 112, 112}));  // pad 3
  LayerConfig c = Config("Conv", 8, 32, 8, 3);
  c.dilation = 2;  // same padding 2 keeps the size
  EXPECT_EQ(out(c), (Shape{1, 8, 32, 32}));
  c.pad_h = c.pad_w = 0;
  EXPECT_EQ(out(c), (Shape{1, 8, 28, 28}));
  // ConvTranspose: (in - 1) stride - 2 pad + dilation (k - 1) + 1.
  EXPECT_EQ(out(Config("ConvTranspose", 8, 16, 4, 2, 2)), (Shape{1, 4, 32, 32}));
  LayerConfig t = Config("ConvTranspose", 8, 16, 4, 4, 2);
  t.pad_h = t.pad_w = 1;
  EXPECT_EQ(out(t), (Shape{1, 4, 32, 32}));
  EXPECT_EQ(ToLayer(t).inputs[1].shape, (Shape{8, 4, 4, 4}));
  EXPECT_EQ(out(Config("GlobalAveragePool", 8, 7, 8)), (Shape{1, 8, 1, 1}));
  EXPECT_EQ(out(Config("Concat", 8, 7, 16)), (Shape{1, 16, 7, 7}));
  // Transpose: perm (0, 2, 1, 3), channels and rows swap.
  LayerConfig tr = Config("Transpose", 8, 7, 8);
  tr.in_w = 5;
  EXPECT_EQ(out(tr), (Shape{1, 7, 8, 5}));
  EXPECT_EQ(out(Config("Resize", 8, 7, 8, 1, 2)), (Shape{1, 8, 14, 14}));
  EXPECT_EQ(out(Config("ResizeLinear", 8, 7, 8, 1, 8)), (Shape{1, 8, 56, 56}));
  // Slice keeps the first out_c channels (2-D for a 1x1 input); Gather out_c rows of [in_h, in_c];
  // GatherColumn one column, [in_h].
  EXPECT_EQ(out(Config("Slice", 96, 14, 48)), (Shape{1, 48, 14, 14}));
  EXPECT_EQ(out(Config("Slice", 2304, 1, 768)), (Shape{1, 768}));
  LayerConfig rows = Config("Gather", 4, 1, 300);
  rows.in_h = 3234;
  EXPECT_EQ(out(rows), (Shape{300, 4}));
  LayerConfig column = Config("GatherColumn", 91, 1, 91);
  column.in_h = 8732;
  EXPECT_EQ(out(column), (Shape{8732}));
}

TEST(LayerModel, ImpossibleConfigurations) {
  LayerConfig c = Config("Conv", 6, 8, 8, 3);
  c.groups = 4;
  EXPECT_EQ(ErrorOf([&] { ToLayer(c); }), "Conv: in_c 6 is not a multiple of groups 4");
  c.in_c = 8;
  c.out_c = 6;
  EXPECT_EQ(ErrorOf([&] { ToLayer(c); }), "Conv: out_c 6 is not a multiple of groups 4");
  LayerConfig pool = Config("MaxPool", 4, 2, 4, 4, 1);
  pool.pad_h = pool.pad_w = 0;
  EXPECT_EQ(ErrorOf([&] { ToLayer(pool); }),
            "MaxPool: the kernel does not fit: output h would be < 1 (in_h 2, kernel_h 4, dilation 1, pad_h 0)");
  pool.pad_h = 4;
  EXPECT_EQ(ErrorOf([&] { ToLayer(pool); }), "MaxPool: pads 4x0 must be smaller than the kernel 4x4");
  EXPECT_EQ(ErrorOf([] { ToLayer(Config("Relu", 4, 2, 8)); }), "Relu: out_c 8 must equal in_c 4");
  EXPECT_EQ(ErrorOf([] { ToLayer(Config("Concat", 4, 2, 4)); }), "Concat: out_c 4 must equal 2 x in_c 8");
  EXPECT_EQ(ErrorOf([] { ToLayer(Config("DepthwiseConv", 4, 8, 6, 3)); }),
            "DepthwiseConv: out_c 6 is not a multiple of in_c 4");
  EXPECT_EQ(ErrorOf([] { ToLayer(Config("Gemm", 4, 8, 6)); }),
            "Gemm: in_h and in_w must be 1 (features are in_c), not 8x8");
  EXPECT_EQ(ErrorOf([] { ToLayer(Config("Conv", 0, 8, 6)); }), "Conv: in_c must be at least 1, not 0");
  EXPECT_NE(ErrorOf([] { ToLayer(Config("Swish", 4, 8, 4)); }).find("unknown op 'Swish' (known: Conv, "),
            std::string::npos);
}

TEST(LayerModel, ClassesAndCountsOfTheOtherOps) {
  EXPECT_EQ(ToLayer(Config("BatchNormalization", 8, 4, 8)).counts.params, 16);  // scale and bias, not statistics
  EXPECT_EQ(ToLayer(Config("BatchNormalization", 8, 4, 8)).counts.weight_elems, 32);
  EXPECT_EQ(ToLayer(Config("Softmax", 8, 4, 8)).op_class, OpClass::kSoftmax);
  EXPECT_EQ(ToLayer(Config("Clip", 8, 4, 8)).counts.params, 0);  // bounds are constants
  EXPECT_EQ(ToLayer(Config("HardSwish", 8, 4, 8)).counts.flops, 4 * 128);
  EXPECT_EQ(ToLayer(Config("Mul", 8, 4, 8)).counts.input_elems, 256);
  EXPECT_EQ(ToLayer(Config("AveragePool", 8, 4, 8, 2, 2)).counts.flops, 8 * 4 * 4);
  EXPECT_EQ(ToLayer(Config("Resize", 8, 4, 8, 1, 2)).op_class, OpClass::kResize);
  EXPECT_EQ(ToLayer(Config("Resize", 8, 4, 8, 1, 2)).counts.flops, 0);  // nearest: a copy
  // Bilinear: the same op and class; 8 x 8 x 8 outputs, each a weighted sum of 4 neighbours (4 MACs
  // less one add = 7 operations), which gives the resize class a compute term.
  const Layer linear = ToLayer(Config("ResizeLinear", 8, 4, 8, 1, 2));
  EXPECT_EQ(linear.op_type, "Resize");
  EXPECT_EQ(linear.op_class, OpClass::kResize);
  EXPECT_EQ(linear.counts.flops, 8 * 8 * 8 * 7);
  EXPECT_EQ(std::get<std::string>(linear.attributes.at("mode")), "linear");
  EXPECT_EQ(std::get<std::string>(linear.attributes.at("coordinate_transformation_mode")), "half_pixel");
  EXPECT_EQ(ToLayer(Config("ConvTranspose", 8, 4, 8, 2, 2)).op_class, OpClass::kConv);
}

}  // namespace
}  // namespace odonata
