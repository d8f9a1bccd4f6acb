// Importers: runtime reports, ANNETTE graphs, and matching rows to layers.
// Real NCS2 reports and ANNETTE graphs are copies in tests/data/import/
// (sources in its README.md); the small ORT/TensorRT/tiny files are written
// by hand after the formats.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <ostream>
#include <string>

#include "odonata/errors.h"
#include "odonata/importers.h"
#include "odonata/model.h"
#include "odonata/onnx.h"
#include "test_util.h"

namespace odonata {

// Readable failures (internal linkage: other tests may print configs too).
static void PrintTo(const LayerConfig& c, std::ostream* os) {
  *os << c.op << " n" << c.batch << " c" << c.in_c << " " << c.in_h << "x" << c.in_w << " -> " << c.out_c << " k"
      << c.kernel_h << "x" << c.kernel_w << " s" << c.stride_h << "x" << c.stride_w << " p" << c.pad_h << "," << c.pad_w
      << " g" << c.groups << " d" << c.dilation << " " << PrecisionName(c.precision);
}

namespace {

std::string Data(const std::string& name) { return std::string(ODONATA_SOURCE_DIR) + "/tests/data/import/" + name; }

// Write `text` to a temporary file named `name`; returns its path.
std::string Temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "import_test_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

using testing::ErrorOf;

const RuntimeLayerTime& Row(const RuntimeReport& r, const std::string& name) {
  for (const RuntimeLayerTime& l : r.layers) {
    if (l.name == name) return l;
  }
  throw std::runtime_error("no row " + name);
}

const Layer& LayerNamed(const Network& net, const std::string& name) {
  for (const Layer& l : net.layers) {
    if (l.name == name) return l;
  }
  throw std::runtime_error("no layer " + name);
}

double ExecutedMs(const RuntimeReport& r) {
  double sum = 0;
  for (const RuntimeLayerTime& l : r.layers) sum += l.status == "EXECUTED" ? l.ms : 0;
  return sum;
}

int CountContaining(const std::vector<std::string>& v, const std::string& what) {
  int n = 0;
  for (const std::string& s : v) n += s.find(what) != std::string::npos;
  return n;
}

LayerConfig Config(const std::string& op, std::int64_t in_c, std::int64_t h, std::int64_t w, std::int64_t out_c,
                   std::int64_t k = 1, std::int64_t s = 1, std::int64_t pad = -1, std::int64_t groups = 1,
                   Precision p = Precision::kFp16) {
  LayerConfig c;
  c.op = op;
  c.in_c = in_c;
  c.in_h = h;
  c.in_w = w;
  c.out_c = out_c;
  c.kernel_h = c.kernel_w = k;
  c.stride_h = c.stride_w = s;
  c.pad_h = c.pad_w = pad;
  c.groups = groups;
  c.precision = p;
  return c;
}

// --- OpenVINO ---------------------------------------------------------------

TEST(ImportOpenVino, ReadsNcs2ResNet50Report) {
  const std::string path = Data("ncs2_tf_resnet50_avg_cnt_rep.csv");
  RuntimeReport r = ReadOpenVinoReport(path);
  EXPECT_EQ(r.format, "openvino");
  ASSERT_EQ(r.layers.size(), 132u);  // 133 lines after the header, the last is Total
  EXPECT_EQ(r.runs, 0);              // average_counters does not say
  const RuntimeLayerTime& first = r.layers[0];
  EXPECT_EQ(first.name, "input");
  EXPECT_EQ(first.status, "NOT_RUN");
  EXPECT_EQ(first.layer_type, "Input");
  EXPECT_EQ(first.exec_type, "NONE");
  EXPECT_EQ(first.origin, path + ":2");
  const RuntimeLayerTime& conv1 = Row(r, "resnet_v1_50/conv1/Conv2D");
  EXPECT_EQ(conv1.status, "EXECUTED");
  EXPECT_EQ(conv1.layer_type, "Convolution");
  EXPECT_EQ(conv1.exec_type, "Copy");  // the 7x7 conv over 3 channels runs on the SHAVEs
  EXPECT_DOUBLE_EQ(conv1.ms, 1.777);
  EXPECT_EQ(Row(r, "resnet_v1_50/block2/unit_1/bottleneck_v1/conv1/Conv2D").exec_type, "MyriadXHwOp + injected[Copy]");
  int executed = 0;
  for (const RuntimeLayerTime& l : r.layers) executed += l.status == "EXECUTED";
  EXPECT_EQ(executed, 91);
  // The rows sum to the Total row (bloaty's invariant, here the runtime's).
  EXPECT_DOUBLE_EQ(r.total_ms, 45.5);
  EXPECT_NEAR(ExecutedMs(r), r.total_ms, 5e-4);
}

TEST(ImportOpenVino, KeepsFusedNamesOfAnnetteBench1) {
  RuntimeReport r = ReadOpenVinoReport(Data("ncs2_annette_bench1_avg_cnt_rep.csv"));
  ASSERT_EQ(r.layers.size(), 23u);
  const RuntimeLayerTime& fused = Row(r, "flatten/Reshape,fully_conn/Add,fully_conn/MatMul");
  EXPECT_EQ(fused.layer_type, "FullyConnected");
  EXPECT_EQ(fused.exec_type, "Copy");
  EXPECT_DOUBLE_EQ(fused.ms, 0.023);
  EXPECT_EQ(Row(r, "conv2d_3/BiasAdd/Add,conv2d_3/Conv2D").exec_type, "MyriadXHwOp + injected[Pad]");
  EXPECT_EQ(Row(r, "concat").status, "NOT_RUN");
  EXPECT_DOUBLE_EQ(r.total_ms, 0.314);
  EXPECT_NEAR(ExecutedMs(r), r.total_ms, 5e-4);
}

TEST(ImportOpenVino, ReadsOpenVino2021ReportWithUnnamedStage) {
  // OpenVINO 2021: the <Extra> input conversion has an empty name; BN is
  // fused into the convolutions' names.
  RuntimeReport r = ReadOpenVinoReport(Data("ncs2_ov2021_resnet_v1_50_avg_cnt_rep.csv"));
  ASSERT_EQ(r.layers.size(), 128u);
  EXPECT_EQ(r.layers[36].name, "");
  EXPECT_EQ(r.layers[36].status, "EXECUTED");
  EXPECT_EQ(r.layers[36].layer_type, "<Extra>");
  EXPECT_DOUBLE_EQ(r.layers[36].ms, 0.323);
  EXPECT_EQ(r.layers[37].name,
            "resnet_v1_50/conv1/BatchNorm/FusedBatchNorm/variance/Fused_Add_,resnet_v1_50/conv1/Conv2D");
  EXPECT_DOUBLE_EQ(r.total_ms, 213.147);
  EXPECT_NEAR(ExecutedMs(r), r.total_ms, 5e-4);
}

TEST(ImportOpenVino, AveragesDetailedCountersBlocks) {
  // detailed_counters: one block per infer request, CRLF line ends, extra column.
  const std::string path = Temp("detailed.csv",
                                "layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms);note\r\n"
                                "conv;EXECUTED;Convolution;MyriadXHwOp;1.0;0.0;x\r\n"
                                "relu;OPTIMIZED_OUT;ReLU;<none>;0.0;0.0;\r\n"
                                "Total;;;;1.0;0.0;\r\n"
                                "\r\n"
                                "layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms);note\r\n"
                                "conv;EXECUTED;Convolution;MyriadXHwOp;3.0;0.0;x\r\n"
                                "relu;OPTIMIZED_OUT;ReLU;<none>;0.0;0.0;\r\n"
                                "Total;;;;3.0;0.0;\r\n"
                                "\r\n");
  RuntimeReport r = ReadOpenVinoReport(path);
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_DOUBLE_EQ(r.layers[0].ms, 2.0);
  EXPECT_EQ(r.layers[0].origin, path + ":2");
  EXPECT_DOUBLE_EQ(r.total_ms, 2.0);
  EXPECT_EQ(r.runs, 2);
}

TEST(ImportOpenVino, ErrorsNameFileAndLine) {
  const std::string header = "layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms)\n";
  std::string p = Temp("fields.csv", header + "conv;EXECUTED;Convolution;MyriadXHwOp;1.0;0.0\nrelu;EXECUTED;ReLU\n");
  EXPECT_EQ(ErrorOf([&] { ReadOpenVinoReport(p); }), p + ":3: expected 6 ';'-separated fields, got 3");
  p = Temp("number.csv", header + "conv;EXECUTED;Convolution;MyriadXHwOp;1,5;0.0\n");
  EXPECT_EQ(ErrorOf([&] { ReadOpenVinoReport(p); }), p + ":2: realTime (ms): '1,5' is not a time in ms");
  p = Temp("negative.csv", header + "conv;EXECUTED;Convolution;MyriadXHwOp;-1;0.0\n");
  EXPECT_EQ(ErrorOf([&] { ReadOpenVinoReport(p); }), p + ":2: realTime (ms): '-1' is not a time in ms");
  p = Temp("status.csv", header + "conv;RAN;Convolution;MyriadXHwOp;1.0;0.0\n");
  EXPECT_EQ(ErrorOf([&] { ReadOpenVinoReport(p); }),
            p + ":2: execStatus 'RAN' is not EXECUTED, OPTIMIZED_OUT or NOT_RUN");
  p = Temp("truncated.csv", header + "conv;EXECUTED;Convolution;MyriadXHwOp;1.0;0.0\n");
  EXPECT_EQ(ErrorOf([&] { ReadOpenVinoReport(p); }), p + ": no 'Total' row at the end (truncated report?)");
  // benchmark_report.csv, the summary, is not a per-layer report.
  p = Temp("summary.csv", "Command line parameters\n-m;model.xml\n");
  EXPECT_NE(ErrorOf([&] { ReadOpenVinoReport(p); }).find(p + ":1: expected a header"), std::string::npos);
  p = Temp("empty.csv", "\n");
  EXPECT_EQ(ErrorOf([&] { ReadOpenVinoReport(p); }), p + ": empty report");
  EXPECT_EQ(ErrorOf([] { ReadOpenVinoReport("/nonexistent/r.csv"); }), "/nonexistent/r.csv: cannot open: no such file or not readable");
}

// --- ONNX Runtime and TensorRT ------------------------------------------------

TEST(ImportOrt, AveragesKernelTimesOverRuns) {
  const std::string path = Data("ort_profile.json");
  RuntimeReport r = ReadOrtProfile(path);
  EXPECT_EQ(r.format, "onnxruntime");
  EXPECT_EQ(r.runs, 2);
  EXPECT_DOUBLE_EQ(r.total_ms, 0.29);  // model_run 300 and 280 us
  ASSERT_EQ(r.layers.size(), 3u);      // fences ignored, execution order kept
  EXPECT_EQ(r.layers[0].name, "conv1");
  EXPECT_EQ(r.layers[0].layer_type, "Conv");
  EXPECT_EQ(r.layers[0].exec_type, "CPUExecutionProvider");
  EXPECT_EQ(r.layers[0].status, "EXECUTED");
  EXPECT_DOUBLE_EQ(r.layers[0].ms, 0.2);  // 210 and 190 us
  EXPECT_EQ(r.layers[0].origin, path + ": event 3");
  EXPECT_EQ(r.layers[1].name, "relu1");
  EXPECT_DOUBLE_EQ(r.layers[1].ms, 0.032);
  EXPECT_EQ(r.layers[2].name, "pool1");
  EXPECT_EQ(r.layers[2].layer_type, "GlobalAveragePool");
  EXPECT_DOUBLE_EQ(r.layers[2].ms, 0.013);
}

TEST(ImportOrt, Errors) {
  std::string p = Temp("ort_object.json", "{\"traceEvents\": []}");
  EXPECT_EQ(ErrorOf([&] { ReadOrtProfile(p); }), p + ": expected a JSON array of trace events");
  p = Temp("ort_dur.json", R"([{"cat":"Node","name":"a_kernel_time","dur":"fast","args":{"op_name":"Relu"}}])");
  EXPECT_EQ(ErrorOf([&] { ReadOrtProfile(p); }), p + ": event 0: 'dur' missing or not a non-negative number");
  p = Temp("ort_none.json", R"([{"cat":"Session","name":"model_run","dur":10}])");
  EXPECT_NE(ErrorOf([&] { ReadOrtProfile(p); }).find("no '<node>_kernel_time' events"), std::string::npos);
  p = Temp("ort_bad.json", "[{\"cat\":");
  EXPECT_NE(ErrorOf([&] { ReadOrtProfile(p); }).find(p + ": invalid JSON at line 1, column 9: "), std::string::npos);
}

TEST(ImportTensorRt, ReadsExportProfile) {
  const std::string path = Data("trt_profile.json");
  RuntimeReport r = ReadTensorRtProfile(path);
  EXPECT_EQ(r.format, "tensorrt");
  EXPECT_EQ(r.runs, 10);
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_EQ(r.layers[1].name, "conv1 + relu1");
  EXPECT_EQ(r.layers[1].status, "EXECUTED");
  EXPECT_EQ(r.layers[1].exec_type, "");
  EXPECT_DOUBLE_EQ(r.layers[1].ms, 0.22);
  EXPECT_EQ(r.layers[1].origin, path + ": entry 2");
  EXPECT_NEAR(r.total_ms, 0.32, 1e-12);
}

TEST(ImportTensorRt, FallsBackToTimeOverCountAndRejectsBadFiles) {
  std::string p = Temp("trt_time.json", R"([{"count":4},{"name":"fc","timeMs":2.0,"percentage":100}])");
  RuntimeReport r = ReadTensorRtProfile(p);
  ASSERT_EQ(r.layers.size(), 1u);
  EXPECT_DOUBLE_EQ(r.layers[0].ms, 0.5);
  EXPECT_DOUBLE_EQ(r.total_ms, 0.5);
  p = Temp("trt_nocount.json", R"([{"name":"fc","timeMs":2.0}])");
  EXPECT_NE(ErrorOf([&] { ReadTensorRtProfile(p); }).find("starting with {\"count\": N}"), std::string::npos);
  p = Temp("trt_notime.json", R"([{"count":4},{"name":"fc"}])");
  EXPECT_EQ(ErrorOf([&] { ReadTensorRtProfile(p); }), p + ": entry 1: neither 'averageMs' nor 'timeMs'");
  p = Temp("trt_count.json", R"([{"count":0}])");
  EXPECT_EQ(ErrorOf([&] { ReadTensorRtProfile(p); }), p + ": entry 0: 'count' is not a positive integer");
}

// --- ANNETTE graphs -----------------------------------------------------------

TEST(ImportAnnette, LoadsTfResNet50) {
  Network net = LoadAnnetteGraph(Data("tf_resnet50.json"));
  EXPECT_EQ(net.name, "tf_resnet50");
  EXPECT_TRUE(net.warnings.empty());
  // 187 ANNETTE layers: the input, the folded Shape, 185 layers.
  EXPECT_EQ(net.layers.size(), 185u);
  ASSERT_EQ(net.inputs.size(), 1u);
  EXPECT_EQ(net.inputs[0].name, "Placeholder");
  EXPECT_EQ(net.inputs[0].shape, (Shape{1, 3, 224, 224}));  // NHWC [-1, 224, 224, 3]
  ASSERT_EQ(net.outputs.size(), 1u);
  EXPECT_EQ(net.outputs[0].name, "resnet_v1_50/predictions/Reshape_1");
  EXPECT_EQ(net.folded, (std::vector<std::string>{"resnet_v1_50/predictions/Shape"}));

  // TF-slim resnet_v1_50 strides in the last unit of blocks 1-3, so it does
  // fewer MACs than torchvision's ResNet-50 (4.09 G). Independent count, per
  // block (M = 1e6): conv1 118.0, block1 542.7, block2 825.4, block3 1262.2,
  // block4 732.3, logits 2.0 = 3482.6 M; the file's name says 6.97 G ops = 2 x MACs.
  const Counts total = net.Totals();
  EXPECT_EQ(total.macs, 3482255360);
  // torchvision's 25,557,032 less the 1000 logits biases ANNETTE does not record.
  EXPECT_EQ(total.params, 25556032);

  const Layer& pad = LayerNamed(net, "resnet_v1_50/Pad");
  EXPECT_EQ(pad.op_type, "Pad");
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(pad.attributes.at("pads")),
            (std::vector<std::int64_t>{0, 0, 3, 3, 0, 0, 3, 3}));
  const Layer& conv1 = LayerNamed(net, "resnet_v1_50/conv1/Conv2D");
  EXPECT_EQ(conv1.op_type, "Conv");
  EXPECT_EQ(conv1.op_class, OpClass::kConv);
  ASSERT_EQ(conv1.inputs.size(), 2u);
  EXPECT_EQ(conv1.inputs[0].name, "resnet_v1_50/Pad");
  EXPECT_EQ(conv1.inputs[0].shape, (Shape{1, 3, 230, 230}));
  EXPECT_TRUE(conv1.inputs[1].is_weight);
  EXPECT_EQ(conv1.inputs[1].shape, (Shape{64, 3, 7, 7}));
  EXPECT_EQ(conv1.outputs[0].shape, (Shape{1, 64, 112, 112}));
  EXPECT_EQ(conv1.window.kernel, (std::vector<std::int64_t>{7, 7}));
  EXPECT_EQ(conv1.window.strides, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(conv1.window.pads, (std::vector<std::int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(conv1.counts.macs, 112 * 112 * 64 * 7 * 7 * 3);
  const Layer& pool1 = LayerNamed(net, "resnet_v1_50/pool1/MaxPool");
  EXPECT_EQ(pool1.op_type, "MaxPool");
  EXPECT_EQ(pool1.window.pads, (std::vector<std::int64_t>{0, 0, 1, 1}));  // TF SAME, stride 2
  const Layer& bn = LayerNamed(net, "resnet_v1_50/conv1/BatchNorm/FusedBatchNorm");
  EXPECT_EQ(bn.op_type, "BatchNormalization");
  EXPECT_EQ(bn.counts.params, 2 * 64);
  EXPECT_EQ(bn.counts.weight_elems, 4 * 64);
  EXPECT_EQ(LayerNamed(net, "resnet_v1_50/pool5").op_type, "GlobalAveragePool");  // reduce_mean over H, W
  EXPECT_EQ(LayerNamed(net, "resnet_v1_50/block1/unit_1/bottleneck_v1/add").inputs.size(), 2u);
  const Layer& softmax = LayerNamed(net, "resnet_v1_50/predictions/Softmax");
  EXPECT_EQ(softmax.inputs[0].shape, (Shape{1, 1000}));
}

TEST(ImportAnnette, ConvertsOpsOfTinyGraph) {
  Network net = LoadAnnetteGraph(Data("tiny_graph.json"));
  EXPECT_TRUE(net.warnings.empty());
  ASSERT_EQ(net.layers.size(), 10u);
  const Layer& dw = LayerNamed(net, "dw/depthwise");
  EXPECT_EQ(dw.op_type, "Conv");
  EXPECT_EQ(dw.window.group, 4);
  EXPECT_EQ(dw.op_class, OpClass::kDepthwiseConv);
  EXPECT_EQ(dw.inputs[1].shape, (Shape{4, 1, 3, 3}));
  const Layer& relu6 = LayerNamed(net, "dw/Relu6");
  EXPECT_EQ(relu6.op_type, "Clip");
  EXPECT_EQ(std::get<double>(relu6.attributes.at("max")), 6.0);
  const Layer& fc = LayerNamed(net, "fc_1");
  EXPECT_EQ(fc.op_type, "Gemm");
  EXPECT_EQ(fc.inputs[1].shape, (Shape{10, 4}));
  EXPECT_EQ(fc.counts.macs, 40);
  EXPECT_EQ(LayerNamed(net, "fc_0").op_type, "Flatten");
  EXPECT_EQ(LayerNamed(net, "add").op_class, OpClass::kEltwise);
  EXPECT_EQ(net.Totals().macs, 8 * 8 * 4 * 27 + 8 * 8 * 4 * 9 + 40);
}

TEST(ImportAnnette, OrdersLayersTopologicallyAndFlagsUnknownTypes) {
  const std::string p = Temp("order.json", R"({"name": "order", "layers": {
    "b": {"type": "Frobnicate", "parents": ["a"], "children": [], "output_shape": [-1, 2, 2, 3]},
    "a": {"type": "Relu", "parents": ["x"], "children": ["b"], "output_shape": [-1, 2, 2, 3]},
    "x": {"type": "DataInput", "parents": [], "children": ["a"], "output_shape": [-1, 2, 2, 3]}}})");
  Network net = LoadAnnetteGraph(p);
  ASSERT_EQ(net.layers.size(), 2u);
  EXPECT_EQ(net.layers[0].name, "a");
  EXPECT_EQ(net.layers[1].name, "b");
  EXPECT_TRUE(net.layers[1].unknown_op);
  EXPECT_EQ(net.layers[1].op_class, OpClass::kUnknown);
  ASSERT_EQ(net.warnings.size(), 1u);
  EXPECT_NE(net.warnings[0].find("ANNETTE type 'Frobnicate' (first 'b')"), std::string::npos);
}

TEST(ImportAnnette, LayerWithoutParentsIsAnErrorNotACrash) {
  // ../shared/regressions/fuzz_annette_graph_crash.json (found by fuzz/import_fuzz):
  // "parents" misspelled on a pool layer; its input was read from an empty list.
  const std::string p = std::string(ODONATA_SOURCE_DIR) + "/tests/data/hostile/annette_pool_without_parents.json";
  EXPECT_EQ(ErrorOf([&] { LoadAnnetteGraph(p); }),
            p + ": layer 'pool/MaxPool' (Pool): has no parents; a Pool layer needs an input");
}

TEST(ImportAnnette, RejectsTemplatesAndBrokenGraphs) {
  // annette_bench1.json is a template: its dims are names ANNETTE fills in per benchmark.
  const std::string bench = Data("annette_bench1.json");
  EXPECT_EQ(ErrorOf([&] { LoadAnnetteGraph(bench); }),
            bench +
                ": layer 'Placeholder': symbolic dimension 'batch_size' (a graph template: ANNETTE fills such "
                "dims in per benchmark, odonata needs them concrete)");
  std::string p = Temp("parent.json", R"({"layers": {
    "x": {"type": "DataInput", "parents": [], "children": [], "output_shape": [-1, 2, 2, 3]},
    "a": {"type": "Relu", "parents": ["y"], "children": [], "output_shape": [-1, 2, 2, 3]}}})");
  EXPECT_EQ(ErrorOf([&] { LoadAnnetteGraph(p); }), p + ": layer 'a': parent 'y' is not a layer");
  p = Temp("cycle.json", R"({"layers": {
    "x": {"type": "DataInput", "parents": [], "children": [], "output_shape": [-1, 2, 2, 3]},
    "a": {"type": "Add", "parents": ["x", "b"], "children": ["b"], "output_shape": [-1, 2, 2, 3]},
    "b": {"type": "Relu", "parents": ["a"], "children": ["a"], "output_shape": [-1, 2, 2, 3]}}})");
  EXPECT_EQ(ErrorOf([&] { LoadAnnetteGraph(p); }), p + ": layer 'a' is on or after a cycle of parents");
  p = Temp("kernel.json", R"({"layers": {
    "x": {"type": "DataInput", "parents": [], "children": [], "output_shape": [-1, 4, 4, 3]},
    "c": {"type": "Conv", "parents": ["x"], "children": [], "output_shape": [-1, 4, 4, 8],
          "kernel_shape": [3, 3, 2, 8], "strides": [1, 1, 1, 1], "pads": [0, 1, 1, 0, 0, 1, 1, 0]}}})");
  EXPECT_EQ(ErrorOf([&] { LoadAnnetteGraph(p); }),
            p + ": layer 'c' (Conv): kernel_shape input channels 2 do not divide the input's 3");
  p = Temp("dim.json", R"({"layers": {
    "x": {"type": "DataInput", "parents": [], "children": [], "output_shape": [-1, -1, 4, 3]}}})");
  EXPECT_EQ(ErrorOf([&] { LoadAnnetteGraph(p); }), p + ": layer 'x': dimension 1 is -1");
  p = Temp("pooltype.json", R"({"layers": {
    "x": {"type": "DataInput", "parents": [], "children": [], "output_shape": [-1, 4, 4, 3]},
    "p": {"type": "Pool", "parents": ["x"], "children": [], "output_shape": [-1, 2, 2, 3], "pooling_type": 1,
          "kernel_shape": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "pads": [0, 0, 0, 0, 0, 0, 0, 0]}}})");
  EXPECT_NE(ErrorOf([&] { LoadAnnetteGraph(p); }).find(p + ": layer 'p' (Pool): [json.exception.type_error"),
            std::string::npos);
  p = Temp("notgraph.json", "[1, 2]");
  EXPECT_EQ(ErrorOf([&] { LoadAnnetteGraph(p); }), p + ": expected an object with \"layers\" (ANNETTE graph JSON)");
}

// --- ConfigOf ---------------------------------------------------------------

TEST(ImportConfigOf, SingleLayerConfigurations) {
  Network net = LoadAnnetteGraph(Data("tiny_graph.json"));
  const Precision p = Precision::kFp16;
  EXPECT_EQ(ConfigOf(LayerNamed(net, "c1/Conv2D"), p), Config("Conv", 3, 8, 8, 4, 3, 1, 1));
  EXPECT_EQ(ConfigOf(LayerNamed(net, "dw/depthwise"), p), Config("DepthwiseConv", 4, 8, 8, 4, 3, 1, 1, 4));
  EXPECT_EQ(ConfigOf(LayerNamed(net, "c1/Relu"), p), Config("Relu", 4, 8, 8, 4));
  EXPECT_EQ(ConfigOf(LayerNamed(net, "dw/Relu6"), p), Config("Clip", 4, 8, 8, 4));
  EXPECT_EQ(ConfigOf(LayerNamed(net, "add"), p), Config("Add", 4, 8, 8, 4));
  // TF SAME pads 0 before, 1 after: the symmetric pad that keeps the 4x4 output.
  EXPECT_EQ(ConfigOf(LayerNamed(net, "pool/MaxPool"), p), Config("MaxPool", 4, 8, 8, 4, 3, 2, 1));
  // No window parameters: kernel, stride and pads keep their defaults.
  EXPECT_EQ(ConfigOf(LayerNamed(net, "gap"), p), Config("GlobalAveragePool", 4, 4, 4, 4));
  EXPECT_EQ(ConfigOf(LayerNamed(net, "fc_1"), Precision::kInt8),
            Config("Gemm", 4, 1, 1, 10, 1, 1, -1, 1, Precision::kInt8));
  EXPECT_EQ(ConfigOf(LayerNamed(net, "prob"), p), Config("Softmax", 10, 1, 1, 10));
  EXPECT_EQ(ConfigOf(LayerNamed(net, "fc_0"), p), std::nullopt);  // Flatten
}

TEST(ImportConfigOf, OnnxLayers) {
  using testing::Find;
  using testing::Model;
  const Precision p = Precision::kFp32;
  Network concat = ParseOnnxText(
      Model("(float[1,8,4,4] a, float[1,8,4,4] b) => (float[1,16,4,4] y)", "y = Concat <axis = 1> (a, b)"));
  LayerConfig c = Config("Concat", 8, 4, 4, 16, 1, 1, -1, 1, p);
  EXPECT_EQ(ConfigOf(Find(concat, "Concat"), p), c);
  Network three = ParseOnnxText(
      Model("(float[1,8,4,4] a, float[1,8,4,4] b) => (float[1,24,4,4] y)", "y = Concat <axis = 1> (a, b, a)"));
  EXPECT_EQ(ConfigOf(Find(three, "Concat"), p), std::nullopt);
  Network grouped = ParseOnnxText(Model("(float[1,8,6,6] x) => (float[1,4,3,3] y)",
                                        "y = Conv <group = 2, strides = [2, 2], pads = [1, 1, 1, 1]> (x, w)",
                                        "<float[4,4,3,3] w = {0.0}>"));
  EXPECT_EQ(ConfigOf(Find(grouped, "Conv"), p), Config("Conv", 8, 6, 6, 4, 3, 2, 1, 2, p));
  Network bcast = ParseOnnxText(Model("(float[1,8,4,4] a, float[1,8,1,1] b) => (float[1,8,4,4] y)", "y = Add(a, b)"));
  EXPECT_EQ(ConfigOf(Find(bcast, "Add"), p), std::nullopt);  // broadcasting
  Network matmul3d =
      ParseOnnxText(Model("(float[2,3,8] a) => (float[2,3,4] y)", "y = MatMul(a, w)", "<float[8,4] w = {0.0}>"));
  EXPECT_EQ(ConfigOf(Find(matmul3d, "MatMul"), p), std::nullopt);  // 3-D input
  Network matmul =
      ParseOnnxText(Model("(float[5,8] a) => (float[5,4] y)", "y = MatMul(a, w)", "<float[8,4] w = {0.0}>"));
  LayerConfig gemm = Config("Gemm", 8, 1, 1, 4, 1, 1, -1, 1, p);
  gemm.batch = 5;
  EXPECT_EQ(ConfigOf(Find(matmul, "MatMul"), p), gemm);
}

// --- MatchReport --------------------------------------------------------------

TEST(ImportMatch, NameRulesOnTinyGraph) {
  const std::string path = Data("tiny_report.csv");
  RuntimeReport r = ReadOpenVinoReport(path);
  Network net = LoadAnnetteGraph(Data("tiny_graph.json"));
  ImportResult m = MatchReport(r, net, Precision::kFp16);
  ASSERT_EQ(m.rows.size(), 8u);
  // Rule 1, fused: "c1/BiasAdd/Add,c1/Conv2D" is c1/Conv2D.
  EXPECT_EQ(m.rows[0].config, Config("Conv", 3, 8, 8, 4, 3, 1, 1));
  EXPECT_DOUBLE_EQ(m.rows[0].latency_ms, 0.2);
  EXPECT_EQ(m.rows[0].origin, path + ":5");
  EXPECT_EQ(m.rows[0].extra,
            (std::vector<std::pair<std::string, std::string>>{
                {"name", "c1/BiasAdd/Add,c1/Conv2D"}, {"layer_type", "Convolution"}, {"exec_type", "MyriadXHwOp"}}));
  EXPECT_EQ(m.rows[1].config.op, "DepthwiseConv");
  EXPECT_EQ(m.rows[2].config.op, "Clip");
  EXPECT_EQ(m.rows[3].config.op, "Add");
  EXPECT_EQ(m.rows[4].config.op, "MaxPool");
  // Rule 2: "gap/Pool" is the runtime's pooling stage of layer gap.
  EXPECT_EQ(m.rows[5].config.op, "GlobalAveragePool");
  EXPECT_EQ(m.rows[5].extra[0].second, "gap/Pool");
  // Rule 3: "fc" is ANNETTE's fc_0 (Flatten) + fc_1 (FullyConnected).
  EXPECT_EQ(m.rows[6].config.op, "Gemm");
  EXPECT_EQ(m.rows[6].extra[0].second, "fc");
  EXPECT_EQ(m.rows[7].config.op, "Softmax");

  ASSERT_EQ(m.unmatched.size(), 4u);
  EXPECT_EQ(m.unmatched[0], path + ":2: 'Placeholder': not executed (NOT_RUN)");
  EXPECT_EQ(m.unmatched[1], path + ":3: 'c1/Relu': not executed (OPTIMIZED_OUT)");
  EXPECT_EQ(m.unmatched[2], path + ":4: '<Extra>': no layer of this name in tiny");
  // Not rule 2: c1/Conv2D has its own row; the Permute is a stage of its own.
  EXPECT_EQ(m.unmatched[3], path + ":6: 'c1/Conv2D/Transpose': no layer of this name in tiny");

  // Every EXECUTED ms is in a measurement or an unmatched row, and they sum to Total.
  double matched = 0;
  for (const Measurement& x : m.rows) matched += x.latency_ms;
  EXPECT_NEAR(matched + 0.05 + 0.01, r.total_ms, 1e-9);
}

TEST(ImportMatch, Ncs2ResNet50Golden) {
  const std::string path = Data("ncs2_tf_resnet50_avg_cnt_rep.csv");
  RuntimeReport r = ReadOpenVinoReport(path);
  Network net = LoadAnnetteGraph(Data("tf_resnet50.json"));
  ImportResult m = MatchReport(r, net, Precision::kFp16);
  // 132 rows: 91 EXECUTED, of which 89 match (88 by name, "pool5/Pool" by
  // rule 2); 41 NOT_RUN/OPTIMIZED_OUT.
  EXPECT_EQ(m.rows.size(), 89u);
  ASSERT_EQ(m.unmatched.size(), 43u);
  EXPECT_EQ(CountContaining(m.unmatched, "not executed (OPTIMIZED_OUT)"), 36);
  EXPECT_EQ(CountContaining(m.unmatched, "not executed (NOT_RUN)"), 5);
  EXPECT_EQ(m.unmatched[41], path + ":43: '<Extra>': no layer of this name in tf_resnet50");
  EXPECT_EQ(m.unmatched[42],
            path + ":132: 'resnet_v1_50/logits/Conv2D/Transpose': no layer of this name in tf_resnet50");

  ASSERT_GE(m.rows.size(), 4u);
  // conv1: ANNETTE's explicit Pad (224 -> 230) is folded back, as the runtime ran it.
  EXPECT_EQ(m.rows[0].config, Config("Conv", 3, 224, 224, 64, 7, 2, 3));
  EXPECT_DOUBLE_EQ(m.rows[0].latency_ms, 1.777);
  EXPECT_EQ(m.rows[0].origin, path + ":44");
  EXPECT_EQ(m.rows[0].extra,
            (std::vector<std::pair<std::string, std::string>>{
                {"name", "resnet_v1_50/conv1/Conv2D"}, {"layer_type", "Convolution"}, {"exec_type", "Copy"}}));
  EXPECT_EQ(m.rows[1].config, Config("MaxPool", 64, 112, 112, 64, 3, 2, 1));
  EXPECT_DOUBLE_EQ(m.rows[1].latency_ms, 0.361);
  EXPECT_EQ(m.rows[2].config, Config("Conv", 64, 56, 56, 256, 1, 1, 0));
  EXPECT_DOUBLE_EQ(m.rows[2].latency_ms, 1.096);
  EXPECT_EQ(m.rows[3].config, Config("Conv", 64, 56, 56, 64, 1, 1, 0));
  EXPECT_DOUBLE_EQ(m.rows[3].latency_ms, 0.208);
  const Measurement& pool5 = m.rows[86];
  EXPECT_EQ(pool5.extra[0].second, "resnet_v1_50/pool5/Pool");
  EXPECT_EQ(pool5.config, Config("GlobalAveragePool", 2048, 7, 7, 2048));
  // block1/unit_3's stride-2 3x3 conv behind its own Pad layer (56 -> 58).
  bool found = false;
  for (const Measurement& x : m.rows) {
    if (x.extra[0].second == "resnet_v1_50/block1/unit_3/bottleneck_v1/conv2/Conv2D") {
      EXPECT_EQ(x.config, Config("Conv", 64, 56, 56, 64, 3, 2, 1));
      found = true;
    }
  }
  EXPECT_TRUE(found);

  // Matched plus unmatched EXECUTED rows (<Extra> 0.138, Transpose 0.013) give the Total.
  double matched = 0;
  for (const Measurement& x : m.rows) matched += x.latency_ms;
  EXPECT_NEAR(matched + 0.138 + 0.013, r.total_ms, 5e-4);
}

TEST(ImportMatch, Ncs2ResNet50ConfigsCarryAllMacs) {
  // Every MAC of the network is in a measured configuration: the 54
  // convolutions (logits included) each matched one row.
  RuntimeReport r = ReadOpenVinoReport(Data("ncs2_tf_resnet50_avg_cnt_rep.csv"));
  Network net = LoadAnnetteGraph(Data("tf_resnet50.json"));
  ImportResult m = MatchReport(r, net, Precision::kFp16);
  std::int64_t macs = 0;
  for (const Measurement& x : m.rows) macs += ToLayer(x.config).counts.macs;
  EXPECT_EQ(macs, net.Totals().macs);
}

TEST(ImportMatch, OpenVino2021FusedBatchNormNames) {
  // Same TF model, OpenVINO 2021 (input size unknown, see README): BN is fused
  // into the convolutions' names and the final Softmax covers its Reshapes.
  const std::string path = Data("ncs2_ov2021_resnet_v1_50_avg_cnt_rep.csv");
  RuntimeReport r = ReadOpenVinoReport(path);
  Network net = LoadAnnetteGraph(Data("tf_resnet50.json"));
  ImportResult m = MatchReport(r, net, Precision::kFp16);
  EXPECT_EQ(m.rows.size(), 90u);
  ASSERT_EQ(m.unmatched.size(), 38u);
  EXPECT_EQ(CountContaining(m.unmatched, "not executed"), 36);
  EXPECT_EQ(m.unmatched[36], path + ":38: '': no layer of this name in tf_resnet50");
  EXPECT_EQ(m.unmatched[37], path +
                                 ":128: 'resnet_v1_50/SpatialSqueeze': layer 'resnet_v1_50/SpatialSqueeze' (Squeeze) "
                                 "has no single-layer configuration");
  EXPECT_EQ(m.rows[0].config, Config("Conv", 3, 224, 224, 64, 7, 2, 3));
  EXPECT_DOUBLE_EQ(m.rows[0].latency_ms, 6.452);
  const Measurement& last = m.rows.back();
  EXPECT_EQ(last.config.op, "Softmax");
  EXPECT_EQ(last.extra[0].second,
            "resnet_v1_50/predictions/Reshape_1,resnet_v1_50/predictions/Reshape_1/Cast_1,"
            "resnet_v1_50/predictions/Shape,resnet_v1_50/predictions/Softmax");
}

TEST(ImportMatch, OrtProfileOnOnnxNetwork) {
  using testing::Model;
  Network net = ParseOnnxText(Model("(float[1,3,32,32] x) => (float[1,16,1,1] y)",
                                    "c = Conv <pads = [1, 1, 1, 1]> (x, w, b)\n"
                                    "r = Relu(c)\n"
                                    "y = GlobalAveragePool(r)",
                                    "<float[16,3,3,3] w = {0.0}, float[16] b = {0.0}>"));
  // The text syntax has no node names; name them as the profiled model did.
  const char* names[] = {"conv1", "relu1", "pool1"};
  ASSERT_EQ(net.layers.size(), 3u);
  for (int i = 0; i < 3; ++i) net.layers[i].name = net.layers[i].covers[0] = names[i];
  ImportResult m = MatchReport(ReadOrtProfile(Data("ort_profile.json")), net, Precision::kFp32);
  ASSERT_EQ(m.rows.size(), 3u);
  EXPECT_TRUE(m.unmatched.empty());
  EXPECT_EQ(m.rows[0].config, Config("Conv", 3, 32, 32, 16, 3, 1, 1, 1, Precision::kFp32));
  EXPECT_DOUBLE_EQ(m.rows[0].latency_ms, 0.2);
  EXPECT_EQ(m.rows[1].config.op, "Relu");
  EXPECT_EQ(m.rows[2].config.op, "GlobalAveragePool");
  EXPECT_EQ(m.rows[2].extra[2], (std::pair<std::string, std::string>{"exec_type", "CPUExecutionProvider"}));
}

TEST(ImportMatch, TensorRtFusedNamesAndReformatting) {
  using testing::Model;
  Network net = ParseOnnxText(Model("(float[1,3,32,32] x) => (float[1,16,1,1] y)",
                                    "c = Conv <pads = [1, 1, 1, 1]> (x, w)\n"
                                    "r = Relu(c)\n"
                                    "y = GlobalAveragePool(r)",
                                    "<float[16,3,3,3] w = {0.0}>"));
  const char* names[] = {"conv1", "relu1", "pool1"};
  for (int i = 0; i < 3; ++i) net.layers[i].name = net.layers[i].covers[0] = names[i];
  const std::string path = Data("trt_profile.json");
  ImportResult m = MatchReport(ReadTensorRtProfile(path), net, Precision::kFp16);
  ASSERT_EQ(m.rows.size(), 2u);
  EXPECT_EQ(m.rows[0].config.op, "Conv");  // "conv1 + relu1": the conv is the main layer
  EXPECT_DOUBLE_EQ(m.rows[0].latency_ms, 0.22);
  EXPECT_EQ(m.rows[1].config.op, "GlobalAveragePool");
  ASSERT_EQ(m.unmatched.size(), 1u);
  EXPECT_EQ(
      m.unmatched[0],
      path + ": entry 1: 'Reformatting CopyNode for Input Tensor 0 to conv1 + relu1': TensorRT reformatting layer");
}

TEST(ImportMatch, OneRowPerLayerAndNoZeroLatencies) {
  const std::string header = "layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms)\n";
  const std::string path = Temp("twice.csv", header +
                                                 "c1/Conv2D;EXECUTED;Convolution;MyriadXHwOp;0.2;0.0\n"
                                                 "c1/BiasAdd,c1/Conv2D;EXECUTED;Convolution;MyriadXHwOp;0.1;0.0\n"
                                                 "add;EXECUTED;Eltwise;Sum;0.0;0.0\n"
                                                 "Total;;;;0.3;0.0\n");
  ImportResult m = MatchReport(ReadOpenVinoReport(path), LoadAnnetteGraph(Data("tiny_graph.json")), Precision::kFp16);
  ASSERT_EQ(m.rows.size(), 1u);
  ASSERT_EQ(m.unmatched.size(), 2u);
  EXPECT_EQ(m.unmatched[0],
            path + ":3: 'c1/BiasAdd,c1/Conv2D': layer 'c1/Conv2D' is already measured by " + path + ":2");
  EXPECT_EQ(m.unmatched[1], path + ":4: 'add': 0 ms (below the report's resolution)");
}

TEST(ImportMatch, RecordedOrtProfileOfASweepModel) {
  // A real ONNX Runtime 1.30 profile (tests/data/import/README.md): five runs
  // of one Conv; kernel times 241, 128, 115, 115, 113 us.
  RuntimeReport report = ReadOrtProfile(Data("ort_recorded_conv.json"));
  EXPECT_EQ(report.format, "onnxruntime");
  EXPECT_EQ(report.runs, 5);
  ASSERT_EQ(report.layers.size(), 1u);
  EXPECT_EQ(report.layers[0].name, "Conv");
  EXPECT_NEAR(report.layers[0].ms, 0.1424, 1e-9);
  EXPECT_NEAR(report.total_ms, 0.167, 1e-9);
  Network net = LoadOnnx(Data("ort_recorded_conv.onnx"));
  ImportResult result = MatchReport(report, net, Precision::kFp32);
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_TRUE(result.unmatched.empty());
  const LayerConfig& c = result.rows[0].config;
  EXPECT_EQ(c.op, "Conv");
  EXPECT_EQ(c.in_c, 16);
  EXPECT_EQ(c.out_c, 32);
  EXPECT_EQ(c.in_h, 28);
  EXPECT_EQ(c.kernel_h, 3);
  EXPECT_NEAR(result.rows[0].latency_ms, 0.1424, 1e-9);
}

TEST(ImportAnnette, LoadModelDispatchesOnExtension) {
  Network graph = LoadModel(Data("tf_resnet50.json"));
  EXPECT_EQ(graph.Totals().macs, LoadAnnetteGraph(Data("tf_resnet50.json")).Totals().macs);
  Network onnx = LoadModel(Data("ort_recorded_conv.onnx"));
  EXPECT_EQ(onnx.layers.size(), 1u);
  LoadOptions batch;
  batch.batch = 2;
  try {
    LoadModel(Data("tf_resnet50.json"), batch);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ANNETTE graphs have fixed shapes"), std::string::npos) << e.what();
  }
}

TEST(ImportRuntime, NamesParseAndEachNamesItsReader) {
  EXPECT_EQ(AllRuntimes(), (std::vector<Runtime>{Runtime::kOpenVino, Runtime::kOnnxRuntime, Runtime::kTensorRt}));
  testing::ExpectNamesParse({Runtime::kOpenVino, Runtime::kOnnxRuntime, Runtime::kTensorRt}, RuntimeName, ParseRuntime,
                            "openvinoo");
  const struct {
    Runtime runtime;
    const char* file;
    RuntimeReport direct;
  } cases[] = {
      {Runtime::kOpenVino, "tiny_report.csv", ReadOpenVinoReport(Data("tiny_report.csv"))},
      {Runtime::kOnnxRuntime, "ort_profile.json", ReadOrtProfile(Data("ort_profile.json"))},
      {Runtime::kTensorRt, "trt_profile.json", ReadTensorRtProfile(Data("trt_profile.json"))},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const RuntimeReport r = ReadRuntimeReport(Data(c.file), c.runtime);
    EXPECT_EQ(r.format, RuntimeName(c.runtime));
    ASSERT_EQ(r.layers.size(), c.direct.layers.size());
    for (std::size_t i = 0; i < r.layers.size(); ++i) EXPECT_EQ(r.layers[i].origin, c.direct.layers[i].origin);
    EXPECT_EQ(r.total_ms, c.direct.total_ms);
  }
}

TEST(ImportRuntime, ExecutedRowsNotImportedAreListedApart) {
  const std::string path = Data("tiny_report.csv");
  const ImportResult m = ImportRuntimeReport(path, Runtime::kOpenVino, Data("tiny_graph.json"), Precision::kFp16);
  const ImportResult direct =
      MatchReport(ReadOpenVinoReport(path), LoadAnnetteGraph(Data("tiny_graph.json")), Precision::kFp16);
  EXPECT_EQ(m.rows.size(), direct.rows.size());
  EXPECT_EQ(m.unmatched, direct.unmatched);
  EXPECT_EQ(m.report_rows, ReadOpenVinoReport(path).layers.size());
  EXPECT_TRUE(m.warnings.empty());
  // Of the 4 rows not imported, 2 were not executed (NOT_RUN, OPTIMIZED_OUT).
  ASSERT_EQ(m.unmatched.size(), 4u);
  EXPECT_EQ(m.executed_unmatched, (std::vector<std::string>{m.unmatched[2], m.unmatched[3]}));

  const ImportResult resnet = ImportRuntimeReport(Data("ncs2_tf_resnet50_avg_cnt_rep.csv"), Runtime::kOpenVino,
                                                  Data("tf_resnet50.json"), Precision::kFp16);
  EXPECT_EQ(resnet.report_rows, 132u);
  EXPECT_EQ(resnet.executed_unmatched.size(), 2u);  // 43 unmatched, 41 of them not executed
  EXPECT_EQ(ErrorOf([] {
              ImportRuntimeReport("/nonexistent.json", Runtime::kTensorRt, Data("tiny_graph.json"), Precision::kFp16);
            }),
            "/nonexistent.json: cannot open: no such file or not readable");
}

}  // namespace
}  // namespace odonata
