// Sweep plans (1-D, grid, random) and the single-layer ONNX models written
// for them, loaded back through the ONNX loader.
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/fusion.h"
#include "odonata/measurements.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/sweep.h"
#include "onnx/onnx_pb.h"
#include "test_util.h"

namespace odonata {
namespace {

namespace fs = std::filesystem;

using testing::Config;
using testing::ErrorOf;
using testing::TempDir;

// Names of the fields in which `a` and `b` differ (in_h and in_w count apart).
std::vector<std::string> Differences(const LayerConfig& a, const LayerConfig& b) {
  std::vector<std::string> d;
  auto check = [&](const char* name, std::int64_t x, std::int64_t y) {
    if (x != y) d.push_back(name);
  };
  check("batch", a.batch, b.batch);
  check("in_c", a.in_c, b.in_c);
  check("in_h", a.in_h, b.in_h);
  check("in_w", a.in_w, b.in_w);
  check("out_c", a.out_c, b.out_c);
  check("kernel_h", a.kernel_h, b.kernel_h);
  check("kernel_w", a.kernel_w, b.kernel_w);
  check("stride_h", a.stride_h, b.stride_h);
  check("stride_w", a.stride_w, b.stride_w);
  check("groups", a.groups, b.groups);
  check("dilation", a.dilation, b.dilation);
  check("pad_h", a.pad_h, b.pad_h);
  check("pad_w", a.pad_w, b.pad_w);
  return d;
}

LayerConfig ConvBase() {
  LayerConfig c;
  c.in_c = c.out_c = 64;
  c.in_h = c.in_w = 32;
  c.kernel_h = c.kernel_w = 3;
  return c;
}

TEST(Sweep, OneDDefaultVariesOneDimAtATime) {
  SweepOptions o;  // Conv, in_c / out_c / in_h over 1..256 around 64 channels, 32x32, 3x3
  std::vector<LayerConfig> rows = PlanSweep(o);
  // 3 x 256 values; the base appears in each of the three runs and is kept once.
  ASSERT_EQ(rows.size(), 3u * 256 - 2);
  const LayerConfig base = ConvBase();
  EXPECT_EQ(rows[0].in_c, 1);
  EXPECT_EQ(rows[255].in_c, 256);
  int bases = 0;
  for (const LayerConfig& r : rows) {
    std::vector<std::string> d = Differences(r, base);
    if (d.empty()) {
      ++bases;
    } else if (d.size() == 2) {
      EXPECT_EQ(d, (std::vector<std::string>{"in_h", "in_w"}));  // square inputs: one dim
      EXPECT_EQ(r.in_h, r.in_w);
    } else {
      EXPECT_EQ(d.size(), 1u);
      EXPECT_TRUE(d[0] == "in_c" || d[0] == "out_c") << d[0];
    }
  }
  EXPECT_EQ(bases, 1);
}

TEST(Sweep, OneDRangeStepAndExplicitBase) {
  SweepOptions o;
  o.base = ConvBase();
  o.base.stride_h = o.base.stride_w = 2;
  o.dims = {"out_c"};
  o.min = 8;
  o.max = 64;
  o.step = 8;
  std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 8u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].out_c, 8 * static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(rows[i].stride_h, 2);
    EXPECT_EQ(rows[i].in_c, 64);
  }
}

TEST(Sweep, DepthwiseInCSetsOutCAndGroups) {
  SweepOptions o;
  o.op = "DepthwiseConv";
  o.max = 64;
  std::vector<LayerConfig> rows = PlanSweep(o);  // default dims: in_c, in_h
  ASSERT_EQ(rows.size(), 2u * 64 - 1);
  for (const LayerConfig& r : rows) {
    EXPECT_EQ(r.op, "DepthwiseConv");
    EXPECT_EQ(r.out_c, r.in_c);
    EXPECT_EQ(r.groups, r.in_c);
  }
}

TEST(Sweep, GemmDefaultsVaryFeaturesAndBatch) {
  SweepOptions o;
  o.op = "Gemm";
  o.max = 16;
  std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 3u * 16);  // the base (64 -> 64, batch 1) is outside 1..16 for in_c and out_c
  for (const LayerConfig& r : rows) {
    EXPECT_EQ(r.in_h, 1);
    EXPECT_EQ(r.in_w, 1);
  }
  EXPECT_EQ(rows.back().batch, 16);
}

TEST(Sweep, GridIsTheCartesianProductLastDimFastest) {
  SweepOptions o;
  o.design = SweepDesign::kGrid;
  o.dims = {"in_c", "out_c"};
  o.min = 1;
  o.max = 4;
  std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 16u);
  EXPECT_EQ(rows[0].in_c, 1);
  EXPECT_EQ(rows[0].out_c, 1);
  EXPECT_EQ(rows[1].out_c, 2);
  EXPECT_EQ(rows[15].in_c, 4);
  EXPECT_EQ(rows[15].out_c, 4);
  for (const LayerConfig& r : rows) EXPECT_EQ(r.in_h, 32);
}

TEST(Sweep, GridSkipsImpossibleConfigurations) {
  // MaxPool without padding: a kernel larger than the input has no output.
  SweepOptions o;
  o.op = "MaxPool";
  o.design = SweepDesign::kGrid;
  o.base.in_c = o.base.out_c = 8;
  o.base.in_h = o.base.in_w = 4;
  o.base.kernel_h = o.base.kernel_w = 2;
  o.base.stride_h = o.base.stride_w = 1;
  o.base.pad_h = o.base.pad_w = 0;
  o.dims = {"in_h", "kernel"};
  o.min = 1;
  o.max = 4;
  std::vector<LayerConfig> rows = PlanSweep(o);
  EXPECT_EQ(rows.size(), 10u);  // kernel <= in_h: 1 + 2 + 3 + 4
  for (const LayerConfig& r : rows) EXPECT_LE(r.kernel_h, r.in_h);
}

TEST(Sweep, RandomIsDeterministic) {
  SweepOptions o;
  o.design = SweepDesign::kRandom;
  o.samples = 50;
  o.seed = 7;
  std::vector<LayerConfig> a = PlanSweep(o);
  ASSERT_EQ(a.size(), 50u);
  EXPECT_EQ(PlanSweep(o), a);
  o.seed = 8;
  EXPECT_NE(PlanSweep(o), a);
  for (const LayerConfig& r : a) {
    EXPECT_GE(r.in_c, 1);
    EXPECT_LE(r.in_c, 256);
    EXPECT_EQ(r.in_w, r.in_h);
    EXPECT_EQ(r.kernel_h, 3);
  }
  // Golden (checked against an independent mt19937_64): value = min + step *
  // (draw % count), one draw per dim in order.
  EXPECT_EQ(a[0].in_c, 168);
  EXPECT_EQ(a[0].out_c, 99);
  EXPECT_EQ(a[0].in_h, 207);
  EXPECT_EQ(a[0].in_w, 207);
}

TEST(Sweep, RandomSmallSpaceGivesEveryConfigurationOnce) {
  SweepOptions o;
  o.design = SweepDesign::kRandom;
  o.dims = {"in_c"};
  o.min = 1;
  o.max = 10;
  o.samples = 200;
  std::vector<LayerConfig> rows = PlanSweep(o);
  EXPECT_EQ(rows.size(), 10u);
}

TEST(Sweep, EveryRowIsAValidLayer) {
  for (const char* op :
       {"Conv", "DepthwiseConv", "ConvTranspose", "Gemm", "MaxPool", "AveragePool", "GlobalAveragePool", "Add", "Mul",
        "Relu", "Clip", "Sigmoid", "HardSwish", "BatchNormalization", "Softmax", "Concat", "Transpose", "Resize",
        "ResizeLinear", "LSTM", "GRU", "RNN", "RoiAlign", "ScatterElements", "TopK", "NonZero", "GatherND", "Slice", "Gather",
        "GatherColumn", "SliceH", "GatherBlock", "SoftmaxLast", "ReduceMean", "Transpose3D", "NonMaxSuppressionIoU",
        "ResizeNchwc", "NonMaxSuppressionAnchors"}) {
    for (SweepDesign design : {SweepDesign::kOneD, SweepDesign::kGrid, SweepDesign::kRandom}) {
      SweepOptions o;
      o.op = op;
      o.design = design;
      o.max = design == SweepDesign::kGrid ? 12 : 64;
      o.samples = 40;
      std::vector<LayerConfig> rows = PlanSweep(o);
      EXPECT_FALSE(rows.empty()) << op;
      for (const LayerConfig& r : rows) {
        EXPECT_EQ(r.op, op);
        EXPECT_NO_THROW(ToLayer(r)) << op;
      }
    }
  }
}

// NonMaxSuppressionIoU: NonMaxSuppression's layer (the same ToLayer, bound and class) with the IoU
// threshold kernel_h / 100 written into the model; plain NonMaxSuppression keeps 0.5.
TEST(Sweep, NonMaxSuppressionIoUWritesItsThreshold) {
  auto iou = [](const LayerConfig& c) {
    onnx::ModelProto m;
    EXPECT_TRUE(m.ParseFromString(LayerModelBytes(c, 1)));
    for (const onnx::NodeProto& n : m.graph().node()) {
      if (n.op_type() == "Constant" && n.output(0) == "iou_threshold") {
        const onnx::TensorProto& t = n.attribute(0).t();
        if (t.float_data_size() == 1) return t.float_data(0);
      }
    }
    ADD_FAILURE() << "no iou_threshold";
    return -1.0f;
  };
  LayerConfig c = DefaultSweepBase("NonMaxSuppressionIoU");
  EXPECT_EQ(c.kernel_h, 50);
  EXPECT_EQ(c.in_h, 3000);
  EXPECT_EQ(c.groups, 10);
  c.kernel_h = c.kernel_w = 30;
  EXPECT_FLOAT_EQ(iou(c), 0.30f);
  c.kernel_h = 45;
  EXPECT_FLOAT_EQ(iou(c), 0.45f);
  EXPECT_FLOAT_EQ(iou(DefaultSweepBase("NonMaxSuppression")), 0.5f);
  const Layer l = ToLayer(c);
  EXPECT_EQ(l.op_type, "NonMaxSuppression");
  EXPECT_EQ(l.outputs.at(0).shape, (Shape{3000, 3}));  // the bound: every box kept
  LayerConfig plain = c;
  plain.op = "NonMaxSuppression";
  EXPECT_EQ(ToLayer(plain).counts, l.counts);
  c.kernel_h = 100;
  EXPECT_EQ(ErrorOf([&] { ToLayer(c); }), "NonMaxSuppressionIoU: kernel_h is the IoU threshold in hundredths, 1-99, not 100");
  // Varying groups keeps the boxes per group, as for NonMaxSuppression.
  SweepOptions o;
  o.op = "NonMaxSuppressionIoU";
  o.dims = {"kernel"};
  o.min = 30;
  o.max = 70;
  o.step = 20;
  const std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].kernel_h, 50);
  EXPECT_EQ(rows[1].in_h, 3000);
}

// NonMaxSuppressionAnchors (helper detnms): NonMaxSuppressionIoU's layer and threshold; in_w names the
// anchor grid the runner draws the boxes from (describes the data, not the layer), groups the classes.
TEST(Sweep, NonMaxSuppressionAnchorsIsTheIouLayer) {
  LayerConfig c = DefaultSweepBase("NonMaxSuppressionAnchors");
  EXPECT_EQ(c.in_h, 27000);
  EXPECT_EQ(c.groups, 90);
  EXPECT_EQ(c.in_w, 3234);
  EXPECT_EQ(c.kernel_h, 55);
  const Layer l = ToLayer(c);
  EXPECT_EQ(l.op_type, "NonMaxSuppression");
  EXPECT_EQ(l.inputs.at(0).shape, (Shape{1, 27000, 4}));
  EXPECT_EQ(l.outputs.at(0).shape, (Shape{27000, 3}));
  LayerConfig iou = c;
  iou.op = "NonMaxSuppressionIoU";
  iou.in_w = 1;
  EXPECT_EQ(ToLayer(iou).counts, l.counts);
  onnx::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(LayerModelBytes(c, 1)));
  bool found = false;
  for (const onnx::NodeProto& n : m.graph().node()) {
    if (n.op_type() == "Constant" && n.output(0) == "iou_threshold") {
      EXPECT_FLOAT_EQ(n.attribute(0).t().float_data(0), 0.55f);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  c.in_w = 1000;
  EXPECT_EQ(ErrorOf([&] { ToLayer(c); }),
            "NonMaxSuppressionAnchors: in_w is the anchor grid, 3234 (SSDlite320) or 8732 (SSD300), not 1000");
  c.in_w = 3234;
  c.in_h = 90 * 4000;
  EXPECT_EQ(ErrorOf([&] { ToLayer(c); }),
            "NonMaxSuppressionAnchors: in_h 360000 (boxes) must be groups 90 x candidates per class, at most in_w 3234 "
            "(the anchors)");
  // Varying groups keeps the candidates per class (300) and the grid.
  SweepOptions o;
  o.op = "NonMaxSuppressionAnchors";
  o.dims = {"groups"};
  o.min = 1;
  o.max = 4;
  o.step = 3;
  const std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].in_h, 300);
  EXPECT_EQ(rows[1].in_h, 1200);
  EXPECT_EQ(rows[1].in_w, 3234);
}

TEST(Sweep, OptionErrors) {
  SweepOptions o;
  o.dims = {"in_c", "channels"};
  EXPECT_EQ(ErrorOf([&] { PlanSweep(o); }),
            "sweep: unknown dimension 'channels' (known: batch, in_c, out_c, in_h, in_w, hw, kernel, kernel_h, "
            "kernel_w, stride, stride_h, stride_w, groups, dilation, pad, pad_h, pad_w)");
  o = {};
  o.op = "Swish";
  EXPECT_NE(ErrorOf([&] { PlanSweep(o); }).find("sweep: unknown op 'Swish' (known: Conv, "), std::string::npos);
  o = {};
  o.step = 0;
  EXPECT_EQ(ErrorOf([&] { PlanSweep(o); }), "sweep: step must be at least 1, not 0");
  o = {};
  o.min = 5;
  o.max = 4;
  EXPECT_EQ(ErrorOf([&] { PlanSweep(o); }), "sweep: the range 5..4 is empty");
  o = {};
  o.design = SweepDesign::kGrid;
  o.dims = {"in_c", "out_c", "in_h"};
  EXPECT_EQ(ErrorOf([&] { PlanSweep(o); }),
            "sweep: 16777216 or more configurations (limit 1000000); raise the step, narrow the range or use the "
            "random design");
  o = {};
  o.base = ConvBase();
  o.base.groups = 5;
  EXPECT_EQ(ErrorOf([&] { PlanSweep(o); }), "sweep: Conv: in_c 64 is not a multiple of groups 5");
  o = {};
  o.dims = {"in_c"};
  o.min = o.max = 0;
  EXPECT_EQ(ErrorOf([&] { PlanSweep(o); }), "sweep: no valid configuration of Conv in the range");
}

// --- WriteLayerModel ----------------------------------------------------------

std::ptrdiff_t Entries(const fs::path& dir) {
  return std::distance(fs::directory_iterator(dir), fs::directory_iterator());
}

TEST(LayerModel, WrittenModelsLoadAsTheLayerToLayerDescribes) {
  TempDir tmp("written");
  const fs::path& dir = tmp.path();
  LayerConfig grouped = Config("Conv", 8, 9, 12, 3, 2);
  grouped.groups = 4;
  grouped.dilation = 2;
  LayerConfig gemm = Config("Gemm", 32, 1, 10);
  gemm.batch = 4;
  LayerConfig padded = Config("AveragePool", 6, 7, 6, 3, 2);
  padded.pad_h = 0;
  auto recurrent = [](const char* op, std::int64_t input, std::int64_t hidden, std::int64_t seq, std::int64_t batch) {
    LayerConfig c;
    c.op = op;
    c.in_c = input;
    c.out_c = hidden;
    c.in_h = seq;
    c.batch = batch;
    return c;
  };
  const LayerConfig configs[] = {
      recurrent("LSTM", 64, 64, 7, 1),  // hidden_size, the omitted sequence_lens, h0 and c0 inputs
      recurrent("GRU", 12, 8, 3, 2),    // linear_before_reset
      recurrent("RNN", 5, 6, 4, 1),
      Config("Conv", 3, 8, 4, 3),
      grouped,
      Config("DepthwiseConv", 16, 10, 16, 3, 2),
      Config("ConvTranspose", 8, 5, 4, 2, 2),
      gemm,
      Config("MaxPool", 8, 8, 8, 2, 2),
      padded,
      Config("GlobalAveragePool", 8, 7, 8),
      Config("Add", 4, 6, 4),
      Config("Mul", 4, 6, 4),
      Config("Relu", 4, 6, 4),
      Config("Clip", 4, 6, 4),
      Config("Sigmoid", 4, 6, 4),
      Config("HardSwish", 4, 6, 4),
      Config("BatchNormalization", 4, 6, 4),
      Config("Softmax", 4, 6, 4),
      Config("Concat", 4, 6, 8),
      Config("Transpose", 4, 6, 4),  // perm, an INTS attribute, written and read back
      Config("Resize", 4, 6, 4, 1, 2),
      Config("ResizeLinear", 4, 6, 4, 1, 3),  // mode and coordinate_transformation_mode, STRING attributes
  };
  int index = 0;
  for (const LayerConfig& c : configs) {
    SCOPED_TRACE(c.op + " #" + std::to_string(index));
    const std::string path = (dir / ("m" + std::to_string(index++) + ".onnx")).string();
    WriteLayerModel(c, path, 3);
    Network net = LoadOnnx(path);
    ASSERT_EQ(net.layers.size(), 1u);
    const Layer& loaded = net.layers[0];
    const Layer expected = ToLayer(c);
    EXPECT_EQ(loaded.op_type, expected.op_type);
    EXPECT_EQ(loaded.outputs.at(0).shape, expected.outputs.at(0).shape);
    EXPECT_EQ(loaded.counts.macs, expected.counts.macs);
    EXPECT_EQ(loaded.counts.flops, expected.counts.flops);
    EXPECT_EQ(loaded.counts.params, expected.counts.params);
    EXPECT_EQ(loaded.counts.weight_elems, expected.counts.weight_elems);
    EXPECT_TRUE(loaded == expected);  // names, window, attributes, flags: all of it
    EXPECT_TRUE(net.warnings.empty());
    // The weights are stored, not only declared.
    EXPECT_GT(static_cast<std::int64_t>(fs::file_size(path)), 4 * expected.counts.params);
  }
  // Nothing left behind but the models.
  EXPECT_EQ(Entries(dir), index);
}

// SiLU sweep models: `odonata sweep --op SiLU` writes x * Sigmoid(x) as the two nodes exporters
// write (Sigmoid, then Mul reading x and its output), which ONNX Runtime fuses into one
// com.microsoft QuickGelu; the row's layer (ToLayer) is that QuickGelu, of class silu, and the
// host base's decomposition rule makes the written model's two nodes that same layer: 64 channels
// at 28x28 = 50,176 elements, 4 FLOPs each, x in once, y out.
TEST(LayerModel, SiluModelIsSigmoidAndMulAndFusesIntoTheRowsLayer) {
  TempDir tmp("silu");
  LayerConfig c;
  c.op = "SiLU";
  c.in_c = c.out_c = 64;
  c.in_h = c.in_w = 28;
  const Layer expected = ToLayer(c);
  EXPECT_EQ(expected.op_type, "QuickGelu");
  EXPECT_EQ(expected.domain, "com.microsoft");
  EXPECT_EQ(expected.op_class, OpClass::kSilu);
  EXPECT_EQ(expected.counts.flops, 4 * 50176);
  EXPECT_EQ(expected.counts.input_elems, 50176);
  EXPECT_EQ(expected.counts.output_elems, 50176);
  const std::string path = (tmp.path() / "silu.onnx").string();
  WriteLayerModel(c, path, 1);
  const Network net = LoadOnnx(path);
  ASSERT_EQ(net.layers.size(), 2u);
  EXPECT_EQ(net.layers[0].op_type, "Sigmoid");
  EXPECT_EQ(net.layers[1].op_type, "Mul");
  ASSERT_EQ(net.inputs.size(), 1u);
  EXPECT_EQ(net.inputs[0].shape, (Shape{1, 64, 28, 28}));
  EXPECT_EQ(net.layers[1].inputs.at(0).name, net.inputs[0].name);
  EXPECT_EQ(net.layers[1].inputs.at(1).name, net.layers[0].outputs.at(0).name);
  EXPECT_EQ(net.outputs.at(0).shape, (Shape{1, 64, 28, 28}));
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/data/host-ort-cpu/phase2/base.json");
  const std::vector<Layer> fused = Fuse(net, base.fusion);
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_EQ(fused[0].op_type, expected.op_type);
  EXPECT_EQ(fused[0].op_class, expected.op_class);
  EXPECT_EQ(fused[0].counts.flops, expected.counts.flops);
  EXPECT_EQ(fused[0].counts.input_elems, expected.counts.input_elems);
  EXPECT_EQ(fused[0].counts.output_elems, expected.counts.output_elems);
  LayerConfig wrong = c;
  wrong.out_c = 32;
  EXPECT_NE(ErrorOf([&] { ToLayer(wrong); }).find("SiLU"), std::string::npos);
}

// ResizeNchwc sweep models: a depthwise 1x1 Conv (24 channels, weights [24, 1, 1, 1] and bias [24])
// writes `t`, which a nearest Resize (asymmetric, floor, scales 1, 1, 2, 2) upsamples from 20x20 to
// 40x40; the row's layer (ToLayer) is that Resize, of class resize_nchwc (24 x 20 x 20 = 9,600
// elements in, 38,400 out, no flops). Under the host base's fusion and the NCHWc layout at block 16
// both run NCHWc, with no reorder between them: the Resize runs as ONNX Runtime's NCHWc Upsample.
TEST(LayerModel, ResizeNchwcModelIsADepthwiseConvThenTheNearestResize) {
  TempDir tmp("resizenchwc");
  LayerConfig c = DefaultSweepBase("ResizeNchwc");
  EXPECT_EQ(c.stride_h, 2);
  EXPECT_EQ(c.stride_w, 2);
  c.in_c = c.out_c = 24;
  c.in_h = c.in_w = 20;
  const Layer expected = ToLayer(c);
  EXPECT_EQ(expected.op_type, "Resize");
  EXPECT_EQ(expected.op_class, OpClass::kResizeNchwc);
  EXPECT_EQ(expected.counts.flops, 0);
  EXPECT_EQ(expected.counts.input_elems, 9600);
  EXPECT_EQ(expected.counts.output_elems, 38400);
  EXPECT_EQ(expected.outputs.at(0).shape, (Shape{1, 24, 40, 40}));
  const std::string path = (tmp.path() / "resize.onnx").string();
  WriteLayerModel(c, path, 1);
  const Network net = LoadOnnx(path);
  ASSERT_EQ(net.layers.size(), 2u);
  const Layer& conv = net.layers[0];
  const Layer& resize = net.layers[1];
  EXPECT_EQ(conv.op_type, "Conv");
  EXPECT_EQ(conv.window.group, 24);
  EXPECT_EQ(conv.window.kernel, (std::vector<std::int64_t>{1, 1}));
  ASSERT_EQ(conv.inputs.size(), 3u);
  EXPECT_EQ(conv.inputs[0].shape, (Shape{1, 24, 20, 20}));
  EXPECT_EQ(conv.inputs[1].shape, (Shape{24, 1, 1, 1}));
  EXPECT_TRUE(conv.inputs[1].is_weight);
  EXPECT_EQ(conv.inputs[2].shape, (Shape{24}));
  EXPECT_EQ(conv.outputs.at(0).shape, (Shape{1, 24, 20, 20}));
  EXPECT_EQ(resize.op_type, "Resize");
  EXPECT_EQ(resize.inputs.at(0).name, conv.outputs.at(0).name);
  EXPECT_EQ(resize.outputs.at(0).shape, (Shape{1, 24, 40, 40}));
  EXPECT_EQ(std::get<std::string>(resize.attributes.at("mode")), "nearest");
  EXPECT_EQ(std::get<std::string>(resize.attributes.at("coordinate_transformation_mode")), "asymmetric");
  EXPECT_EQ(std::get<std::string>(resize.attributes.at("nearest_mode")), "floor");
  EXPECT_EQ(resize.counts.input_elems, expected.counts.input_elems);
  EXPECT_EQ(resize.counts.output_elems, expected.counts.output_elems);
  EXPECT_EQ(resize.op_class, OpClass::kResize);  // as loaded; the estimate's layout gives resize_nchwc
  ASSERT_EQ(net.inputs.size(), 1u);
  EXPECT_EQ(net.inputs[0].shape, (Shape{1, 24, 20, 20}));
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/data/host-ort-cpu/phase2/base.json");
  const std::vector<Layer> fused = Fuse(net, base.fusion);
  ASSERT_EQ(fused.size(), 2u);
  const NchwcLayout layout = EmulateNchwc(fused, net.outputs, 16);
  EXPECT_TRUE(layout.nchwc[0]);
  EXPECT_TRUE(layout.nchwc[1]);
  ASSERT_EQ(layout.reorders.size(), 2u);  // x in, y out: none between the Conv and the Resize
  EXPECT_EQ(layout.reorders[0].kind, Reorder::Kind::kInput);
  EXPECT_EQ(layout.reorders[1].kind, Reorder::Kind::kOutput);
  EXPECT_EQ(layout.reorders[1].elements, 38400);
  LayerConfig odd = c;
  odd.in_c = odd.out_c = 22;
  EXPECT_NE(ErrorOf([&] { ToLayer(odd); }).find("not a multiple of 4"), std::string::npos);
}

// int8 convolutions and matrix products are QDQ models (uint8 activations,
// int8 weights per channel, int32 bias; a Conv's activations NHWC), which the
// host base's QDQ rules fuse into one layer of the int8 class with the
// float layer's work; other int8 ops stay float models.
// RoiAlign and ScatterElements sweep models (a two-stage detector's box head): the written file
// loads back as the layer ToLayer describes, its graph inputs with their types (float x and rois,
// int64 batch_indices; ScatterElements' int64 indices), the attributes, the shapes and the counts
// (RoiAlign: 150 rois, 256 channels, 7x7 bins, ratio 2: 150 x 256 x 49 = 1,881,600 outputs x 16 =
// 30,105,600 MACs, FLOPs 2 x MACs + outputs = 62,092,800).
TEST(LayerModel, RoiAlignAndScatterElementsModelsLoadBackWithTheirTypes) {
  TempDir tmp("roialign");
  LayerConfig c = DefaultSweepBase("RoiAlign");
  EXPECT_EQ(c.batch, 100);
  EXPECT_EQ(c.kernel_h, 7);
  EXPECT_EQ(c.stride_h, 2);
  c.batch = 150;
  c.in_h = c.in_w = 20;
  const std::string path = (tmp.path() / "roi.onnx").string();
  WriteLayerModel(c, path, 1);
  const Network net = LoadOnnx(path);
  ASSERT_EQ(net.layers.size(), 1u);
  const Layer& l = net.layers[0];
  EXPECT_EQ(l.op_type, "RoiAlign");
  EXPECT_EQ(l.op_class, OpClass::kRoi);
  ASSERT_EQ(net.inputs.size(), 3u);
  EXPECT_EQ(net.inputs[0].name, "x");
  EXPECT_EQ(net.inputs[0].shape, (Shape{1, 256, 20, 20}));
  EXPECT_EQ(net.inputs[0].dtype, DataType::kFloat32);
  EXPECT_EQ(net.inputs[1].name, "rois");
  EXPECT_EQ(net.inputs[1].shape, (Shape{150, 4}));
  EXPECT_EQ(net.inputs[1].dtype, DataType::kFloat32);
  EXPECT_EQ(net.inputs[2].name, "batch_indices");
  EXPECT_EQ(net.inputs[2].shape, (Shape{150}));
  EXPECT_EQ(net.inputs[2].dtype, DataType::kInt64);
  EXPECT_EQ(l.outputs.at(0).shape, (Shape{150, 256, 7, 7}));
  EXPECT_EQ(std::get<std::string>(l.attributes.at("mode")), "avg");
  EXPECT_EQ(std::get<std::int64_t>(l.attributes.at("output_height")), 7);
  EXPECT_EQ(std::get<std::int64_t>(l.attributes.at("sampling_ratio")), 2);
  EXPECT_EQ(l.counts.macs, 30105600);
  EXPECT_EQ(l.counts.flops, 62092800);
  const Layer expected = ToLayer(c);
  EXPECT_EQ(expected.counts.macs, l.counts.macs);
  EXPECT_EQ(expected.counts.input_elems, l.counts.input_elems);
  EXPECT_EQ(expected.op_class, l.op_class);
  // A sweep over the rois keeps the map, the bins and the ratio.
  SweepOptions o;
  o.op = "RoiAlign";
  o.dims = {"batch"};
  o.min = 50;
  o.max = 150;
  o.step = 50;
  const std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 3u);
  for (const LayerConfig& r : rows) {
    EXPECT_EQ(r.in_c, 256);
    EXPECT_EQ(r.out_c, 256);
    EXPECT_EQ(r.kernel_w, 7);
    EXPECT_EQ(r.stride_w, 2);
  }
  EXPECT_EQ(rows[2].batch, 150);
  LayerConfig uneven = c;
  uneven.stride_w = 3;
  EXPECT_EQ(ErrorOf([&] { ToLayer(uneven); }),
            "RoiAlign: stride_h and stride_w (the sampling ratio) must be equal, not 2 and 3");

  LayerConfig s;
  s.op = "ScatterElements";
  s.batch = 150;
  s.in_c = s.out_c = 256;
  s.in_h = s.in_w = 7;
  const std::string spath = (tmp.path() / "scatter.onnx").string();
  WriteLayerModel(s, spath, 1);
  const Network snet = LoadOnnx(spath);
  ASSERT_EQ(snet.layers.size(), 1u);
  const Layer& sl = snet.layers[0];
  EXPECT_EQ(sl.op_type, "ScatterElements");
  EXPECT_EQ(sl.op_class, OpClass::kScatter);
  ASSERT_EQ(snet.inputs.size(), 3u);
  EXPECT_EQ(snet.inputs[1].name, "indices");
  EXPECT_EQ(snet.inputs[1].dtype, DataType::kInt64);
  EXPECT_EQ(snet.inputs[2].dtype, DataType::kFloat32);
  for (const TensorInfo& t : snet.inputs) EXPECT_EQ(t.shape, (Shape{150, 256, 7, 7}));
  EXPECT_EQ(sl.outputs.at(0).shape, (Shape{150, 256, 7, 7}));
  EXPECT_EQ(std::get<std::int64_t>(sl.attributes.at("axis")), 0);
  EXPECT_EQ(sl.counts.input_elems, 3 * 1881600);
  LayerConfig windowed = s;
  windowed.kernel_h = 3;
  EXPECT_NE(ErrorOf([&] { ToLayer(windowed); }).find("ScatterElements: kernel, stride, groups and dilation must be 1"),
            std::string::npos);
}

// TopK, NonZero and GatherND sweep models (SSD's per-class post-processing at its bounds): the
// written file loads back as the layer ToLayer describes, with its graph inputs' types and the
// shapes and counts by hand. TopK 400 of [8732] (1-D for a batch of 1, as SSD's; k a Constant
// the writer sets to out_c): values and int64 indices [400], 8732 FLOPs; a batch of 2 is 2-D. NonZero of a float [3234]: int64 [1, 3234], the
// loader's bound (every element nonzero; the row's layer is flagged data-dependent). GatherND of 3000 rows of
// [8732, 4] through int64 indices [3000, 1]: [3000, 4].
TEST(LayerModel, PostProcessingModelsLoadBackWithTheirTypes) {
  TempDir tmp("postproc");
  LayerConfig t = DefaultSweepBase("TopK");
  EXPECT_EQ(t.in_c, 8732);
  EXPECT_EQ(t.out_c, 400);
  const std::string tpath = (tmp.path() / "topk.onnx").string();
  WriteLayerModel(t, tpath, 1);
  const Network tnet = LoadOnnx(tpath);
  ASSERT_EQ(tnet.layers.size(), 1u);
  const Layer& tl = tnet.layers[0];
  EXPECT_EQ(tl.op_type, "TopK");
  EXPECT_EQ(tl.op_class, OpClass::kTopK);
  ASSERT_EQ(tnet.inputs.size(), 1u);  // k is a Constant node
  EXPECT_EQ(tnet.inputs[0].shape, (Shape{8732}));
  ASSERT_EQ(tl.outputs.size(), 2u);
  EXPECT_EQ(tl.outputs[0].shape, (Shape{400}));
  EXPECT_EQ(tl.outputs[1].shape, (Shape{400}));
  EXPECT_EQ(tl.outputs[1].dtype, DataType::kInt64);
  EXPECT_EQ(tl.counts.flops, 8732);
  EXPECT_EQ(LayerDim(tl, "inputs"), 8732);
  EXPECT_EQ(ToLayer(t).counts.input_elems, tl.counts.input_elems);
  LayerConfig two = t;
  two.batch = 2;
  EXPECT_EQ(ToLayer(two).inputs.at(0).shape, (Shape{2, 8732}));
  EXPECT_EQ(ToLayer(two).outputs.at(1).shape, (Shape{2, 400}));
  EXPECT_EQ(ToLayer(two).counts.flops, 2 * 8732);
  LayerConfig big_k = t;
  big_k.out_c = 9000;
  EXPECT_EQ(ErrorOf([&] { ToLayer(big_k); }), "TopK: out_c (k) 9000 must be at most in_c 8732");

  LayerConfig n = DefaultSweepBase("NonZero");
  n.in_c = n.out_c = 3234;
  const std::string npath = (tmp.path() / "nonzero.onnx").string();
  WriteLayerModel(n, npath, 1);
  const Network nnet = LoadOnnx(npath);
  ASSERT_EQ(nnet.layers.size(), 1u);
  const Layer& nl = nnet.layers[0];
  EXPECT_EQ(nl.op_class, OpClass::kNonZero);
  EXPECT_TRUE(ToLayer(n).data_dependent);  // the row's layer; the file declares its output's shape
  EXPECT_EQ(nnet.inputs.at(0).shape, (Shape{3234}));
  EXPECT_EQ(nnet.inputs.at(0).dtype, DataType::kFloat32);
  EXPECT_EQ(nl.outputs.at(0).shape, (Shape{1, 3234}));
  EXPECT_EQ(nl.outputs.at(0).dtype, DataType::kInt64);
  EXPECT_EQ(LayerDim(nl, "inputs"), 3234);
  EXPECT_EQ(ToLayer(n).outputs.at(0).shape, nl.outputs.at(0).shape);

  LayerConfig g = DefaultSweepBase("GatherND");
  g.batch = 3000;
  const std::string gpath = (tmp.path() / "gathernd.onnx").string();
  WriteLayerModel(g, gpath, 1);
  const Network gnet = LoadOnnx(gpath);
  ASSERT_EQ(gnet.layers.size(), 1u);
  const Layer& gl = gnet.layers[0];
  EXPECT_EQ(gl.op_class, OpClass::kGatherNd);
  ASSERT_EQ(gnet.inputs.size(), 2u);
  EXPECT_EQ(gnet.inputs[0].name, "x");
  EXPECT_EQ(gnet.inputs[0].shape, (Shape{8732, 4}));
  EXPECT_EQ(gnet.inputs[1].name, "indices");
  EXPECT_EQ(gnet.inputs[1].shape, (Shape{3000, 1}));
  EXPECT_EQ(gnet.inputs[1].dtype, DataType::kInt64);
  EXPECT_EQ(gl.outputs.at(0).shape, (Shape{3000, 4}));
  EXPECT_EQ(gl.counts.input_elems, 8732 * 4 + 3000);
  EXPECT_EQ(LayerDim(gl, "spatial"), 3000);
  EXPECT_EQ(LayerDim(gl, "elems"), 12000);
  LayerConfig too_many = g;
  too_many.batch = 9000;
  EXPECT_EQ(ErrorOf([&] { ToLayer(too_many); }),
            "GatherND: batch (rows gathered) 9000 must be at most in_h (rows of data) 8732");
  // Rows of 1: 1-D data and output, as SSD's scores.
  LayerConfig scores = g;
  scores.in_c = scores.out_c = 1;
  const Layer sl = ToLayer(scores);
  EXPECT_EQ(sl.inputs.at(0).shape, (Shape{8732}));
  EXPECT_EQ(sl.outputs.at(0).shape, (Shape{3000}));
  EXPECT_EQ(LayerDim(sl, "spatial"), 3000);
  // A sweep over the data's rows gathers all of them (the bound) and keeps its width: in_h sets
  // batch, not in_w.
  SweepOptions o;
  o.op = "GatherND";
  o.dims = {"in_h"};
  o.min = 1000;
  o.max = 9000;
  o.step = 4000;
  const std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 3u);
  for (const LayerConfig& r : rows) {
    EXPECT_EQ(r.in_w, 1);
    EXPECT_EQ(r.in_c, 4);
    EXPECT_EQ(r.batch, r.in_h);
  }
  EXPECT_EQ(rows[1].in_h, 5000);
}

// Slice, Gather and GatherColumn sweep models (issue 12, class data): the written file loads back
// as exactly the layer ToLayer describes (shapes, constants marked constant, attributes, class,
// counts), with one graph input, the data (the int64 constants are Constant nodes, whose values
// are read from the file). By hand: the default Slice is ViT-B/16's q/k/v split, [197, 2304] ->
// [197, 768] (2-D: in_h = in_w = 1), starts [0], ends [768], axes [1], steps [1]; ShuffleNetV2
// x1.0's channel split is 4-D, [1, 232, 14, 14] -> [1, 116, 14, 14]; Swin's roll of [1, 14, 14,
// 384] on its W axis is batch 14, in_c 14, 1 x 384 -> 3. The default Gather takes 2401 rows of
// [169, 3] (Swin-T's relative position bias) at rows i * 7919 mod 169: 0, 145, 121, 97 (7919 =
// 46 x 169 + 145), ..., row 7 is 7 x 145 mod 169 = 1015 - 1014 = 1; out_c 1 of [3, 37632]
// is one q/k/v block of Swin's last stage. GatherColumn: column 1 of SSDlite's [3234, 91] scores,
// a scalar index, output [3234]. The variants in the networks' own layouts: SliceH is ViT's split
// exactly, [197, 1, 2304] -> [197, 1, 768] on axis 2 (axes [2]), and Swin's roll on W, [1, 14, 14,
// 384] -> [1, 14, 3, 384]; GatherBlock is Swin's stage-1 q, [3, 64, 3, 49, 32] -> [64, 3, 49, 32]
// (scalar index 0, axis 0).
TEST(LayerModel, DataMovementModelsLoadAsTheLayerToLayerDescribes) {
  TempDir tmp("datamove");
  LayerConfig slice = DefaultSweepBase("Slice");
  EXPECT_EQ(slice.batch, 197);
  EXPECT_EQ(slice.in_c, 2304);
  EXPECT_EQ(slice.out_c, 768);
  LayerConfig shuffle = Config("Slice", 232, 14, 116);
  LayerConfig roll = Config("Slice", 14, 1, 3);
  roll.batch = 14;
  roll.in_w = 384;
  LayerConfig gather = DefaultSweepBase("Gather");
  EXPECT_EQ(gather.in_h, 169);
  EXPECT_EQ(gather.in_c, 3);
  EXPECT_EQ(gather.out_c, 2401);
  LayerConfig qkv = DefaultSweepBase("Gather");
  qkv.in_h = 3;
  qkv.in_c = 37632;
  qkv.out_c = 1;
  LayerConfig column = DefaultSweepBase("GatherColumn");
  EXPECT_EQ(column.in_h, 3234);
  EXPECT_EQ(column.in_c, 91);
  LayerConfig vit = DefaultSweepBase("SliceH");
  EXPECT_EQ(vit.batch, 197);
  EXPECT_EQ(vit.in_c, 1);
  EXPECT_EQ(vit.in_h, 2304);
  EXPECT_EQ(vit.in_w, 1);
  EXPECT_EQ(vit.out_c, 768);
  LayerConfig roll_w = Config("SliceH", 14, 14, 3);
  roll_w.in_w = 384;
  LayerConfig block = DefaultSweepBase("GatherBlock");
  struct Case {
    LayerConfig config;
    Shape input, output;
  };
  const Case cases[] = {
      {slice, {197, 2304}, {197, 768}},
      {shuffle, {1, 232, 14, 14}, {1, 116, 14, 14}},
      {roll, {14, 14, 1, 384}, {14, 3, 1, 384}},
      {gather, {169, 3}, {2401, 3}},
      {qkv, {3, 37632}, {1, 37632}},
      {column, {3234, 91}, {3234}},
      {vit, {197, 1, 2304}, {197, 1, 768}},
      {roll_w, {1, 14, 14, 384}, {1, 14, 3, 384}},
      {block, {3, 64, 3, 49, 32}, {64, 3, 49, 32}},
  };
  int index = 0;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.config.op + " #" + std::to_string(index));
    const std::string path = (tmp.path() / ("m" + std::to_string(index++) + ".onnx")).string();
    WriteLayerModel(k.config, path, 1);
    const Network net = LoadOnnx(path);
    ASSERT_EQ(net.layers.size(), 1u);
    const Layer& loaded = net.layers[0];
    const Layer expected = ToLayer(k.config);
    EXPECT_EQ(expected.op_type, k.config.op.starts_with("Slice") ? "Slice" : "Gather");
    EXPECT_EQ(expected.op_class, OpClass::kData);
    EXPECT_EQ(expected.inputs.at(0).shape, k.input);
    EXPECT_EQ(expected.outputs.at(0).shape, k.output);
    for (std::size_t i = 1; i < expected.inputs.size(); ++i) {
      EXPECT_TRUE(expected.inputs[i].is_constant) << expected.inputs[i].name;
      EXPECT_EQ(expected.inputs[i].dtype, DataType::kInt64) << expected.inputs[i].name;
    }
    EXPECT_EQ(loaded.counts.input_elems, expected.counts.input_elems);
    EXPECT_EQ(loaded.counts.output_elems, expected.counts.output_elems);
    EXPECT_EQ(loaded.counts.flops, expected.counts.flops);
    EXPECT_TRUE(loaded == expected);  // names, shapes, constants, attributes, class, counts: all of it
    EXPECT_TRUE(net.warnings.empty());
    ASSERT_EQ(net.inputs.size(), 1u);  // the data; the int64 constants are Constant nodes
    EXPECT_EQ(net.inputs[0].shape, k.input);
    EXPECT_EQ(net.inputs[0].dtype, DataType::kFloat32);
  }
  EXPECT_EQ(ToLayer(slice).inputs.size(), 5u);  // x, starts, ends, axes, steps
  EXPECT_EQ(ToLayer(column).inputs.at(1).shape, Shape{});  // a scalar index
  EXPECT_EQ(ToLayer(gather).inputs.at(1).shape, (Shape{2401}));

  // The constants' values, read from the written bytes.
  auto constants = [](const LayerConfig& c) {
    onnx::ModelProto m;
    EXPECT_TRUE(m.ParseFromString(LayerModelBytes(c, 1)));
    std::map<std::string, std::vector<std::int64_t>> values;
    for (const onnx::NodeProto& n : m.graph().node()) {
      if (n.op_type() != "Constant") continue;
      const onnx::TensorProto& t = n.attribute(0).t();
      values[n.output(0)].assign(t.int64_data().begin(), t.int64_data().end());
    }
    return values;
  };
  auto s = constants(slice);
  EXPECT_EQ(s["starts"], (std::vector<std::int64_t>{0}));
  EXPECT_EQ(s["ends"], (std::vector<std::int64_t>{768}));
  EXPECT_EQ(s["axes"], (std::vector<std::int64_t>{1}));
  EXPECT_EQ(s["steps"], (std::vector<std::int64_t>{1}));
  auto g = constants(gather)["indices"];
  ASSERT_EQ(g.size(), 2401u);
  EXPECT_EQ(std::vector<std::int64_t>(g.begin(), g.begin() + 4), (std::vector<std::int64_t>{0, 145, 121, 97}));
  EXPECT_EQ(g[7], 1);
  EXPECT_EQ(g[169], 0);  // 169 x 7919 is a multiple of 169: the rows repeat
  EXPECT_EQ(g[2400], 2400 * 7919 % 169);
  EXPECT_EQ(std::set<std::int64_t>(g.begin(), g.end()).size(), 169u);  // every row gathered (7919 is prime)
  EXPECT_EQ(constants(qkv)["indices"], (std::vector<std::int64_t>{0}));
  EXPECT_EQ(constants(column)["indices"], (std::vector<std::int64_t>{1}));
  auto h = constants(vit);
  EXPECT_EQ(h["ends"], (std::vector<std::int64_t>{768}));
  EXPECT_EQ(h["axes"], (std::vector<std::int64_t>{2}));
  EXPECT_EQ(constants(block)["indices"], (std::vector<std::int64_t>{0}));
  EXPECT_EQ(ToLayer(block).inputs.at(1).shape, Shape{});

  // Impossible configurations.
  LayerConfig wide = slice;
  wide.out_c = 2305;
  EXPECT_EQ(ErrorOf([&] { ToLayer(wide); }), "Slice: out_c (channels kept) 2305 must be at most in_c 2304");
  LayerConfig one_column = column;
  one_column.in_c = one_column.out_c = 1;
  EXPECT_EQ(ErrorOf([&] { ToLayer(one_column); }), "GatherColumn: in_c must be at least 2 (the index is column 1), not 1");
  LayerConfig other_out = column;
  other_out.out_c = 1;
  EXPECT_EQ(ErrorOf([&] { ToLayer(other_out); }), "GatherColumn: out_c 1 must equal in_c 91");
  LayerConfig batched = gather;
  batched.batch = 2;
  EXPECT_EQ(ErrorOf([&] { ToLayer(batched); }), "Gather: batch and in_w must be 1 (data is [in_h, in_c]), not 2 and 1");
  LayerConfig long_rows = vit;
  long_rows.out_c = 2305;
  EXPECT_EQ(ErrorOf([&] { ToLayer(long_rows); }), "SliceH: out_c (rows kept) 2305 must be at most in_h 2304");
  LayerConfig windowed = slice;
  windowed.kernel_h = 3;
  EXPECT_EQ(ErrorOf([&] { ToLayer(windowed); }),
            "Slice: kernel, stride, groups and dilation must be 1 (Slice has no window)");

  // Sweeps: the default dims; the rows of data (in_h) leave in_w at 1 for the gathers, a Slice's
  // in_h keeps its input square; out_c above in_c is skipped.
  SweepOptions o;
  o.op = "Gather";
  o.dims = {"in_h"};
  o.min = 1000;
  o.max = 3000;
  o.step = 1000;
  std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 3u);
  for (const LayerConfig& r : rows) {
    EXPECT_EQ(r.in_w, 1);
    EXPECT_EQ(r.in_c, 3);
    EXPECT_EQ(r.out_c, 2401);
  }
  o.op = "GatherColumn";
  o.dims = {"in_c"};
  o.min = 1;
  o.max = 3;
  o.step = 1;
  rows = PlanSweep(o);  // in_c 1 is refused; in_c sets out_c
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].in_c, 2);
  EXPECT_EQ(rows[0].out_c, 2);
  EXPECT_EQ(rows[1].in_h, 3234);
  o.op = "SliceH";  // in_h keeps in_w (1: ViT's 3-D layout)
  o.dims = {"in_h"};
  o.min = 2000;
  o.max = 3000;
  o.step = 1000;
  rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].in_h, 3000);
  EXPECT_EQ(rows[1].in_w, 1);
  o.op = "GatherBlock";
  o.dims = {};  // batch, in_c
  o.min = 2;
  o.max = 3;
  o.step = 1;
  rows = PlanSweep(o);  // batch 2, 3 (in_c 3); in_c 2, 3 (batch 64)
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].batch, 3);
  EXPECT_EQ(rows[2].in_c, 2);
  EXPECT_EQ(rows[2].batch, 64);
  EXPECT_EQ(rows[2].in_h, 49);
  EXPECT_EQ(rows[2].in_w, 32);
  o.op = "Slice";
  o.dims = {};
  o.min = 766;
  o.max = 770;
  o.step = 2;
  rows = PlanSweep(o);  // in_c 766 < out_c 768 skipped; then out_c and batch around 2304 -> 768 of 197
  std::vector<std::array<std::int64_t, 3>> got;
  for (const LayerConfig& r : rows) got.push_back({r.in_c, r.out_c, r.batch});
  EXPECT_EQ(got, (std::vector<std::array<std::int64_t, 3>>{
                     {768, 768, 197}, {770, 768, 197}, {2304, 766, 197}, {2304, 768, 197}, {2304, 770, 197},
                     {2304, 768, 766}, {2304, 768, 768}, {2304, 768, 770}}));
}

// The attention Softmax, the LayerNorm mean and the 3-D head transpose as the transformers export
// them (issue 12: ops the host profile priced by the default roofline), counted by hand.
// SoftmaxLast (axis -1): the default is Swin-T's stage-1 window attention [64, 3, 49, 49], 64 x 3 x
// 2401 = 460,992 elements read and written, 3 FLOPs each (exp, sum, divide) = 1,382,976; in_c 1 is
// ViT-B/16's 3-D [12, 197, 197] (12 x 38,809 = 465,708 elements, 1,397,124 FLOPs), in_c = in_h = 1
// a classifier's [1, 1000] (3000 FLOPs). ReduceMean (axes [-1], keepdims left at its default 1):
// ConvNeXt-T's stage-1 mean, [1, 56, 56, 96] -> [1, 56, 56, 1]: 301,056 elements read, 3136
// written, one FLOP per element read; stage 4's [1, 7, 7, 768]: 37,632 read, 49 written. Its model
// is the exporter's Transpose from NCHW, the ReduceMean and a Transpose back to NCHW, which ONNX
// Runtime runs as one ReduceMean over the NCHW channel axis (as in ConvNeXt); the layer is the middle.
// Transpose3D (perm (1, 0, 2)): ViT-B/16's head split [197, 12, 64] -> [12, 197, 64], 151,296
// elements read and written, no FLOPs; and its merge, [12, 197, 64] -> [197, 12, 64].
TEST(LayerModel, AttentionSoftmaxReduceMeanAndTranspose3DLoadAsToLayerDescribes) {
  TempDir tmp("softred");
  LayerConfig swin = DefaultSweepBase("SoftmaxLast");
  EXPECT_EQ(swin.batch, 64);
  EXPECT_EQ(swin.in_c, 3);
  EXPECT_EQ(swin.in_h, 49);
  EXPECT_EQ(swin.in_w, 49);
  LayerConfig vit = swin;
  vit.batch = 12;
  vit.in_c = vit.out_c = 1;
  vit.in_h = vit.in_w = 197;
  LayerConfig classifier = swin;
  classifier.batch = classifier.in_c = classifier.out_c = classifier.in_h = 1;
  classifier.in_w = 1000;
  LayerConfig mean56 = DefaultSweepBase("ReduceMean");
  EXPECT_EQ(mean56.in_c, 96);
  EXPECT_EQ(mean56.in_h, 56);
  LayerConfig mean7 = mean56;
  mean7.in_c = mean7.out_c = 768;
  mean7.in_h = mean7.in_w = 7;
  LayerConfig split = DefaultSweepBase("Transpose3D");
  LayerConfig merge = split;
  merge.in_c = merge.out_c = 12;
  merge.in_h = 197;
  struct Case {
    LayerConfig config;
    Shape input, output;
    OpClass cls;
    std::int64_t read, written, flops;
  };
  const Case cases[] = {
      {swin, {64, 3, 49, 49}, {64, 3, 49, 49}, OpClass::kSoftmax, 460992, 460992, 1382976},
      {vit, {12, 197, 197}, {12, 197, 197}, OpClass::kSoftmax, 465708, 465708, 1397124},
      {classifier, {1, 1000}, {1, 1000}, OpClass::kSoftmax, 1000, 1000, 3000},
      {mean56, {1, 56, 56, 96}, {1, 56, 56, 1}, OpClass::kReduce, 301056, 3136, 301056},
      {mean7, {1, 7, 7, 768}, {1, 7, 7, 1}, OpClass::kReduce, 37632, 49, 37632},
      {split, {197, 12, 64}, {12, 197, 64}, OpClass::kData, 151296, 151296, 0},
      {merge, {12, 197, 64}, {197, 12, 64}, OpClass::kData, 151296, 151296, 0},
  };
  int index = 0;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.config.op + " #" + std::to_string(index));
    const std::string path = (tmp.path() / ("m" + std::to_string(index++) + ".onnx")).string();
    WriteLayerModel(k.config, path, 1);
    const Network net = LoadOnnx(path);
    // ReduceMean's model: Transpose (NCHW -> NHWC), the layer, Transpose back (BuildReduceMeanModel).
    const bool mean = k.config.op == "ReduceMean";
    ASSERT_EQ(net.layers.size(), mean ? 3u : 1u);
    const Layer& loaded = net.layers[mean ? 1 : 0];
    const Layer expected = ToLayer(k.config);
    if (mean) {
      const LayerConfig& c = k.config;
      EXPECT_EQ(net.layers[0].op_type, "Transpose");
      EXPECT_EQ(std::get<std::vector<std::int64_t>>(net.layers[0].attributes.at("perm")),
                (std::vector<std::int64_t>{0, 2, 3, 1}));
      EXPECT_EQ(net.layers[2].op_type, "Transpose");
      EXPECT_EQ(std::get<std::vector<std::int64_t>>(net.layers[2].attributes.at("perm")),
                (std::vector<std::int64_t>{0, 3, 1, 2}));
      ASSERT_EQ(net.inputs.size(), 1u);
      EXPECT_EQ(net.inputs[0].shape, (Shape{c.batch, c.in_c, c.in_h, c.in_w}));
      ASSERT_EQ(net.outputs.size(), 1u);
      EXPECT_EQ(net.outputs[0].shape, (Shape{c.batch, 1, c.in_h, c.in_w}));
    }
    EXPECT_EQ(expected.op_class, k.cls);
    ASSERT_EQ(expected.inputs.size(), 1u);
    EXPECT_EQ(expected.inputs[0].shape, k.input);
    EXPECT_EQ(expected.outputs.at(0).shape, k.output);
    EXPECT_EQ(expected.counts.input_elems, k.read);
    EXPECT_EQ(expected.counts.output_elems, k.written);
    EXPECT_EQ(expected.counts.flops, k.flops);
    EXPECT_EQ(expected.counts.macs, 0);
    EXPECT_EQ(expected.counts.weight_elems, 0);
    EXPECT_EQ(loaded.counts, expected.counts);
    EXPECT_TRUE(loaded == expected);  // names, shapes, attributes, class, counts: all of it
    EXPECT_TRUE(net.warnings.empty());
  }
  EXPECT_EQ(ToLayer(swin).op_type, "Softmax");
  EXPECT_EQ(std::get<std::int64_t>(ToLayer(swin).attributes.at("axis")), -1);
  EXPECT_EQ(ToLayer(mean56).op_type, "ReduceMean");
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(ToLayer(mean56).attributes.at("axes")), (std::vector<std::int64_t>{-1}));
  EXPECT_EQ(ToLayer(mean56).attributes.count("keepdims"), 0u);
  EXPECT_EQ(ToLayer(split).op_type, "Transpose");
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(ToLayer(split).attributes.at("perm")),
            (std::vector<std::int64_t>{1, 0, 2}));
  // The old Softmax stays over the channel axis.
  EXPECT_EQ(std::get<std::int64_t>(ToLayer(Config("Softmax", 10, 1, 10)).attributes.at("axis")), 1);

  // Impossible configurations.
  LayerConfig bad = swin;
  bad.out_c = 4;
  EXPECT_EQ(ErrorOf([&] { ToLayer(bad); }), "SoftmaxLast: out_c 4 must equal in_c 3");
  bad = mean56;
  bad.kernel_h = 3;
  EXPECT_EQ(ErrorOf([&] { ToLayer(bad); }),
            "ReduceMean: kernel, stride, groups and dilation must be 1 (ReduceMean has no window)");
  bad = split;
  bad.batch = 2;
  EXPECT_EQ(ErrorOf([&] { ToLayer(bad); }), "Transpose3D: batch must be 1 (x is [in_c, in_h, in_w]), not 2");

  // Sweeps: SoftmaxLast's rows are square (in_h sets in_w), Transpose3D's in_h leaves in_w.
  SweepOptions o;
  o.op = "SoftmaxLast";
  o.dims = {"in_h"};
  o.min = o.max = 197;
  const LayerConfig row = PlanSweep(o).at(0);
  EXPECT_EQ(row.in_w, 197);
  EXPECT_EQ(row.batch, 64);
  o.op = "Transpose3D";
  o.min = o.max = 24;
  EXPECT_EQ(PlanSweep(o).at(0).in_w, 64);
}

// LSTM, GRU and RNN sweep models: the node PyTorch exports (forward, state as inputs), counted
// by hand. LSTM (Silero VAD v3's): input 64, hidden 64, 7 steps: W and R [1, 256, 64] each,
// 7 x (16384 + 16384) = 229,376 MACs; FLOPs 2 x MACs + 7 steps x 64 units x 32; parameters
// W + R + B [1, 512] = 33,280. GRU: input 12, hidden 8, 3 steps of batch 2: W [1, 24, 12],
// R [1, 24, 8]: 6 x (288 + 192) = 2880 MACs, FLOPs 5760 + 6 x 8 x 24 = 6912, parameters 288 +
// 192 + 48 = 528. RNN: input 5, hidden 6, 4 steps: 4 x (30 + 36) = 264 MACs, FLOPs 528 + 4 x 6
// x 6 = 672, parameters 30 + 36 + 12 = 78.
TEST(LayerModel, RecurrentModelsAreTheLayersPyTorchExports) {
  TempDir tmp("recurrent");
  struct Case {
    const char* op;
    std::int64_t input, hidden, seq, batch, macs, flops, params;
    std::size_t inputs, outputs;
  };
  const Case cases[] = {
      {"LSTM", 64, 64, 7, 1, 229376, 2 * 229376 + 7 * 64 * 32, 33280, 7, 3},
      {"GRU", 12, 8, 3, 2, 2880, 6912, 528, 6, 2},
      {"RNN", 5, 6, 4, 1, 264, 672, 78, 6, 2},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.op);
    LayerConfig c;
    c.op = k.op;
    c.in_c = k.input;
    c.out_c = k.hidden;
    c.in_h = k.seq;
    c.batch = k.batch;
    const std::string path = (tmp.path() / (std::string(k.op) + ".onnx")).string();
    WriteLayerModel(c, path, 1);
    const Network net = LoadOnnx(path);
    ASSERT_EQ(net.layers.size(), 1u);
    const Layer& l = net.layers[0];
    EXPECT_EQ(l.op_type, k.op);
    EXPECT_EQ(l.op_class, OpClass::kRecurrent);
    EXPECT_EQ(l.counts.macs, k.macs);
    EXPECT_EQ(l.counts.flops, k.flops);
    EXPECT_EQ(l.counts.params, k.params);
    EXPECT_EQ(l.inputs.size(), k.inputs);  // x, w, r, b, (sequence_lens omitted), h0 (, c0)
    EXPECT_TRUE(l.inputs.at(4).name.empty());
    EXPECT_EQ(l.outputs.size(), k.outputs);
    EXPECT_EQ(l.outputs.at(0).shape, (Shape{k.seq, 1, k.batch, k.hidden}));
    EXPECT_EQ(std::get<std::int64_t>(l.attributes.at("hidden_size")), k.hidden);
    EXPECT_EQ(l.attributes.count("linear_before_reset"), std::string(k.op) == "GRU" ? 1u : 0u);
    EXPECT_EQ(net.inputs.size(), std::string(k.op) == "LSTM" ? 3u : 2u);  // x, h0 (, c0): weights are initializers
  }
  // A sweep over the sequence keeps in_w at 1 (in_h is not a square side here), and a window
  // or in_w other than 1 is refused.
  SweepOptions o;
  o.op = "LSTM";
  o.dims = {"in_h"};
  o.min = 1;
  o.max = 4;
  const std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 4u);
  for (const LayerConfig& r : rows) {
    EXPECT_EQ(r.in_w, 1);
    EXPECT_EQ(r.in_c, 64);
    EXPECT_EQ(r.out_c, 64);
  }
  EXPECT_EQ(rows[3].in_h, 4);
  LayerConfig wide = rows[0];
  wide.in_w = 2;
  EXPECT_NE(ErrorOf([&] { ToLayer(wide); }).find("LSTM: in_w must be 1"), std::string::npos);
  LayerConfig windowed = rows[0];
  windowed.kernel_h = 3;
  EXPECT_NE(ErrorOf([&] { ToLayer(windowed); }).find("kernel, stride, groups and dilation must be 1"),
            std::string::npos);
}

TEST(LayerModel, Int8ConvolutionsAndMatrixProductsAreQdqModels) {
  TempDir tmp("int8");
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/data/host-ort-cpu/phase2/base.json");
  LayerConfig gemm = Config("Gemm", 64, 1, 32);
  gemm.batch = 8;
  struct Case {
    LayerConfig config;
    OpClass cls;
    std::size_t nodes, fused;
  };
  const Case cases[] = {
      {Config("Conv", 16, 20, 32), OpClass::kConvInt8, 7, 3},        // Transpose, 3 DQ, Conv, Q, Transpose
      {Config("Conv", 16, 20, 32, 3, 2), OpClass::kConvInt8, 7, 3},  //
      {Config("DepthwiseConv", 32, 20, 32, 3), OpClass::kDepthwiseConvInt8, 7, 3},  //
      {gemm, OpClass::kGemmInt8, 5, 1},                                             // 3 DQ, Gemm, Q
  };
  int index = 0;
  for (Case c : cases) {
    SCOPED_TRACE(c.config.op + " #" + std::to_string(index));
    c.config.precision = Precision::kInt8;
    const std::string path = (tmp.path() / ("q" + std::to_string(index++) + ".onnx")).string();
    WriteLayerModel(c.config, path, 3);
    const Network net = LoadOnnx(path);
    EXPECT_EQ(net.layers.size(), c.nodes);
    EXPECT_EQ(net.inputs.at(0).dtype, DataType::kUInt8);
    EXPECT_EQ(net.outputs.at(0).dtype, DataType::kUInt8);
    const Layer expected = ToLayer(c.config);
    const std::vector<Layer> fused = Fuse(net, base.fusion);
    ASSERT_EQ(fused.size(), c.fused);
    const Layer& l = fused[c.fused == 3 ? 1 : 0];
    EXPECT_EQ(l.op_class, c.cls);
    EXPECT_EQ(l.op_type, expected.op_type);
    EXPECT_EQ(l.window, expected.window);
    EXPECT_EQ(l.counts.macs, expected.counts.macs);
    EXPECT_EQ(l.counts.input_elems, expected.counts.input_elems);
    EXPECT_EQ(l.counts.output_elems, expected.counts.output_elems);
    EXPECT_EQ(l.outputs.at(0).shape, expected.outputs.at(0).shape);
    // The bytes LayerModelBytes gives are the file's.
    std::ifstream in(path, std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), LayerModelBytes(c.config, 3));
  }
  LayerConfig relu = Config("Relu", 4, 6, 4);
  relu.precision = Precision::kInt8;
  WriteLayerModel(relu, (tmp.path() / "r.onnx").string());
  const Network r = LoadOnnx((tmp.path() / "r.onnx").string());
  ASSERT_EQ(r.layers.size(), 1u);
  EXPECT_EQ(r.inputs.at(0).dtype, DataType::kFloat32);
}

TEST(LayerModel, WeightsFollowTheSeed) {
  TempDir tmp("seed");
  const fs::path& dir = tmp.path();
  auto bytes = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  LayerConfig c = Config("Conv", 3, 8, 4, 3);
  const std::string a = (dir / "a.onnx").string(), b = (dir / "b.onnx").string(), d = (dir / "d.onnx").string();
  WriteLayerModel(c, a, 1);
  WriteLayerModel(c, b, 1);
  WriteLayerModel(c, d, 2);
  EXPECT_EQ(bytes(a), bytes(b));
  EXPECT_NE(bytes(a), bytes(d));
}

TEST(LayerModel, WriteErrorsNameThePathAndLeaveNoTemporaryFile) {
  TempDir tmp("errors");
  const fs::path& dir = tmp.path();
  const std::string path = (dir / "missing" / "m.onnx").string();
  std::string error = ErrorOf([&] { WriteLayerModel(Config("Relu", 4, 4, 4), path); });
  EXPECT_EQ(error.rfind("cannot write '" + path + "': ", 0), 0u) << error;
  EXPECT_EQ(Entries(dir), 0);
  // Impossible configurations fail before any file is touched.
  EXPECT_EQ(ErrorOf([&] { WriteLayerModel(Config("Relu", 4, 4, 8), (dir / "r.onnx").string()); }),
            "Relu: out_c 8 must equal in_c 4");
  EXPECT_FALSE(fs::exists(dir / "r.onnx"));
}

// --- The key table: --around and --dims --------------------------------------

TEST(SweepKeys, AroundSetsTheNamedFieldsInOrder) {
  const LayerConfig base = DefaultSweepBase("Conv");
  LayerConfig c = ParseAround("in_c=3,hw=224,kernel=1,stride_w=2,pad=0,precision=fp16", base);
  EXPECT_EQ(c.in_c, 3);
  EXPECT_EQ(c.out_c, 64);  // only the fields a key names
  EXPECT_EQ(c.in_h, 224);
  EXPECT_EQ(c.in_w, 224);
  EXPECT_EQ(c.kernel_h, 1);
  EXPECT_EQ(c.kernel_w, 1);
  EXPECT_EQ(c.stride_h, 1);
  EXPECT_EQ(c.stride_w, 2);
  EXPECT_EQ(c.pad_h, 0);
  EXPECT_EQ(c.pad_w, 0);
  EXPECT_EQ(c.precision, Precision::kFp16);
  // in_h alone sets one axis; a later key wins.
  c = ParseAround("in_h=16,in_w=8,in_h=12", base);
  EXPECT_EQ(c.in_h, 12);
  EXPECT_EQ(c.in_w, 8);
  EXPECT_EQ(ParseAround("", base), base);
  EXPECT_EQ(ParseAround(",,", base), base);
}

TEST(SweepKeys, AroundErrorsAreUsageErrorsNamingTheItem) {
  const LayerConfig base = DefaultSweepBase("Conv");
  EXPECT_EQ(ErrorOf([&] { ParseAround("in_c", base); }), "--around: 'in_c' is not KEY=VALUE");
  EXPECT_EQ(ErrorOf([&] { ParseAround("in_c=x", base); }), "--around: in_c: 'x' is not an integer");
  EXPECT_EQ(ErrorOf([&] { ParseAround("precision=fp64", base); }), "--around: unknown precision 'fp64'");
  EXPECT_EQ(ErrorOf([&] { ParseAround("colour=3", base); }),
            "--around: unknown key 'colour' (batch, in_c, out_c, in_h, in_w, hw, kernel, kernel_h, kernel_w, stride, "
            "stride_h, stride_w, groups, dilation, pad, pad_h, pad_w, precision)");
  try {
    ParseAround("colour=3", base);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
  }
}

TEST(SweepKeys, OneTableForAroundAndDims) {
  for (const SweepKey& key : SweepKeys()) {
    SCOPED_TRACE(key.name);
    EXPECT_EQ(FindSweepKey(key.name), &key);
    // Every key is both a fixed value and a dimension to vary.
    EXPECT_NO_THROW(ParseAround(std::string(key.name) + "=1", ConvBase()));
    SweepOptions o;
    o.base = ConvBase();
    o.dims = {key.name};
    o.min = 1;
    o.max = 2;
    EXPECT_FALSE(PlanSweep(o).empty());
  }
  EXPECT_EQ(FindSweepKey("colour"), nullptr);
  SweepOptions o;
  o.dims = {"colour"};
  EXPECT_EQ(ErrorOf([&] { PlanSweep(o); }),
            "sweep: unknown dimension 'colour' (known: batch, in_c, out_c, in_h, in_w, hw, kernel, kernel_h, "
            "kernel_w, stride, stride_h, stride_w, groups, dilation, pad, pad_h, pad_w)");
  // hw and pad, once --around only, vary both axes.
  o.base = ConvBase();
  o.dims = {"hw", "pad"};
  o.min = 1;
  o.max = 2;
  const std::vector<LayerConfig> rows = PlanSweep(o);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(Differences(rows[1], ConvBase()), (std::vector<std::string>{"in_h", "in_w"}));
  EXPECT_EQ(rows[1].in_h, 2);
  EXPECT_EQ(Differences(rows[3], ConvBase()), (std::vector<std::string>{"pad_h", "pad_w"}));
  EXPECT_EQ(rows[3].pad_h, 2);
}

TEST(SweepKeys, VaryingADimensionMovesWhatIsTiedToIt) {
  // in_h: square inputs when varied, one axis when held fixed.
  SweepOptions o;
  o.base = ConvBase();
  o.base.in_w = 8;
  o.dims = {"in_h"};
  o.min = o.max = 20;
  EXPECT_EQ(PlanSweep(o).at(0).in_w, 20);
  EXPECT_EQ(ParseAround("in_h=20", ConvBase()).in_w, 32);
  // in_c carries out_c where it follows from in_c.
  o = {};
  o.op = "Concat";
  o.dims = {"in_c"};
  o.min = o.max = 5;
  EXPECT_EQ(PlanSweep(o).at(0).out_c, 10);
}

TEST(SweepDesigns, NamesParse) {
  testing::ExpectNamesParse({SweepDesign::kOneD, SweepDesign::kGrid, SweepDesign::kRandom}, SweepDesignName,
                            ParseSweepDesign, "2d");
  EXPECT_STREQ(SweepDesignName(SweepDesign::kOneD), "1d");
}

// --- WriteSweep ---------------------------------------------------------------

TEST(SweepFiles, PlanCsvAndOneModelPerRowFromItsSeed) {
  TempDir tmp("sweepfiles");
  SweepOptions o;
  o.op = "MaxPool";
  o.design = SweepDesign::kGrid;
  o.dims = {"in_c"};
  o.min = 8;
  o.max = 10;
  const std::vector<LayerConfig> plan = PlanSweep(o);
  ASSERT_EQ(plan.size(), 3u);
  const fs::path dir = tmp.path() / "out";
  const SweepFiles files = WriteSweep(plan, dir.string(), true, 7);
  EXPECT_EQ(files.rows, 3u);
  EXPECT_EQ(files.plan, (dir / "plan.csv").string());
  EXPECT_EQ(files.models, (dir / "models").string());
  auto bytes = [](const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::vector<Measurement> rows = ReadMeasurements(files.plan, /*require_latency=*/false);
  ASSERT_EQ(rows.size(), 3u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rows[i].config, plan[i]);
    const std::string name = "models/0000" + std::to_string(i) + ".onnx";
    EXPECT_EQ(rows[i].extra, (std::vector<std::pair<std::string, std::string>>{{"model", name}}));
    const fs::path again = tmp.path() / ("again" + std::to_string(i) + ".onnx");
    WriteLayerModel(plan[i], again.string(), 7 + i);
    EXPECT_EQ(bytes(dir / name), bytes(again));
  }
  EXPECT_EQ(Entries(dir / "models"), 3);

  const SweepFiles plain = WriteSweep(plan, (tmp.path() / "plain").string(), false);
  EXPECT_EQ(plain.models, "");
  EXPECT_FALSE(fs::exists(tmp.path() / "plain" / "models"));
  EXPECT_TRUE(ReadMeasurements(plain.plan, false).at(0).extra.empty());
  EXPECT_EQ(ErrorOf([&] { WriteSweep({}, (tmp.path() / "empty").string(), false); }),
            "the sweep has no valid configuration");
}

TEST(SweepFiles, ADirectoryThatCannotBeMadeIsNamed) {
  TempDir tmp("sweepdir");
  std::ofstream(tmp.path() / "file") << "not a directory";
  const std::string dir = (tmp.path() / "file" / "sweep").string();
  const std::string error = ErrorOf([&] { WriteSweep({ConvBase()}, dir, false); });
  EXPECT_EQ(error.rfind(dir + ": cannot create the directory: ", 0), 0u) << error;
}

}  // namespace
}  // namespace odonata
