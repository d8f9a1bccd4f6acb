// 1-D convolutions (issue 12; docs/host-platform.md "1-D convolutions"): the sweep's Conv1d and
// DepthwiseConv1d models, and the class conv1d a float Conv over [N, C, L] takes where the
// platform profile has it (a profile without it estimates such a layer as before).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/fusion.h"
#include "odonata/measurements.h"
#include "odonata/model.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "odonata/sweep.h"
#include "test_util.h"

namespace odonata {
namespace {

namespace fs = std::filesystem;
using testing::AllFormats;
using testing::Model;
using testing::TempDir;
const std::string kRoot = ODONATA_SOURCE_DIR;

// A Conv1d row: 12 -> 20 channels over 50 samples, kernel 5, stride 2, "same" pads (2 each
// side): output length floor((50 + 4 - 5) / 2) + 1 = 25; 20 x 25 x 12 x 5 = 30,000 MACs.
TEST(Conv1dModel, WriterWritesAConvOverNCL) {
  TempDir tmp("conv1d");
  LayerConfig c = DefaultSweepBase("Conv1d");
  EXPECT_EQ(c.in_h, 1);
  EXPECT_EQ(c.kernel_h, 1);
  EXPECT_EQ(c.kernel_w, 3);
  c.op = "Conv1d";
  c.in_c = 12;
  c.out_c = 20;
  c.in_w = 50;
  c.kernel_w = 5;
  c.stride_w = 2;
  c.pad_w = -1;
  const Layer expected = ToLayer(c);
  EXPECT_EQ(expected.op_type, "Conv");
  EXPECT_EQ(expected.op_class, OpClass::kConv1d);
  EXPECT_EQ(expected.counts.macs, 30000);
  EXPECT_EQ(expected.outputs.at(0).shape, (Shape{1, 20, 25}));
  const std::string path = (tmp.path() / "conv1d.onnx").string();
  WriteLayerModel(c, path, 1);
  const Network net = LoadOnnx(path);
  ASSERT_EQ(net.layers.size(), 1u);
  const Layer& l = net.layers[0];
  EXPECT_EQ(l.op_type, "Conv");
  EXPECT_EQ(l.op_class, OpClass::kConv);  // as loaded; the estimate gives conv1d where the profile has it
  EXPECT_TRUE(IsConv1d(l));
  ASSERT_EQ(l.inputs.size(), 3u);
  EXPECT_EQ(l.inputs[0].shape, (Shape{1, 12, 50}));
  EXPECT_EQ(l.inputs[1].shape, (Shape{20, 12, 5}));
  EXPECT_TRUE(l.inputs[1].is_weight);
  EXPECT_EQ(l.inputs[2].shape, (Shape{20}));
  EXPECT_EQ(l.outputs.at(0).shape, (Shape{1, 20, 25}));
  EXPECT_EQ(l.window.kernel, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(l.window.strides, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(l.window.pads, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(l.window.dilations, (std::vector<std::int64_t>{1}));
  EXPECT_EQ(l.window.group, 1);
  EXPECT_EQ(l.counts.macs, 30000);
  EXPECT_EQ(l.counts.macs, expected.counts.macs);
  EXPECT_EQ(l.counts.flops, expected.counts.flops);
  ASSERT_EQ(net.inputs.size(), 1u);
  EXPECT_EQ(net.inputs[0].shape, (Shape{1, 12, 50}));

  // Depthwise: 16 channels over 13 samples, kernel 5, pads 2: weight [16, 1, 5], group 16.
  LayerConfig d = DefaultSweepBase("DepthwiseConv1d");
  d.op = "DepthwiseConv1d";
  d.in_c = d.out_c = d.groups = 16;
  d.in_w = 13;
  d.kernel_w = 5;
  d.pad_w = -1;
  EXPECT_EQ(ToLayer(d).op_class, OpClass::kConv1d);
  const std::string dpath = (tmp.path() / "dw.onnx").string();
  WriteLayerModel(d, dpath, 1);
  const Network dnet = LoadOnnx(dpath);
  ASSERT_EQ(dnet.layers.size(), 1u);
  const Layer& dl = dnet.layers[0];
  EXPECT_EQ(dl.op_class, OpClass::kDepthwiseConv);
  EXPECT_TRUE(IsConv1d(dl));
  EXPECT_EQ(dl.inputs[1].shape, (Shape{16, 1, 5}));
  EXPECT_EQ(dl.window.group, 16);
  EXPECT_EQ(dl.outputs.at(0).shape, (Shape{1, 16, 13}));
  EXPECT_EQ(dl.counts.macs, 16 * 13 * 5);

  // A 2-D Conv is not 1-D.
  LayerConfig two = c;
  two.op = "Conv";
  two.in_h = 1;
  EXPECT_FALSE(IsConv1d(ToLayer(two)));
  EXPECT_EQ(ToLayer(two).op_class, OpClass::kConv);
}

TEST(Conv1dModel, ClearErrorsForA2DWindow) {
  LayerConfig c = DefaultSweepBase("Conv1d");
  c.op = "Conv1d";
  c.in_h = 2;
  EXPECT_NE(testing::ErrorOf([&] { ToLayer(c); }).find("Conv1d: in_h, kernel_h and stride_h must be 1"),
            std::string::npos);
  c.in_h = 1;
  c.kernel_h = 3;
  EXPECT_THROW(ToLayer(c), Error);
  c.kernel_h = 1;
  c.precision = Precision::kInt8;
  EXPECT_NE(testing::ErrorOf([&] { ToLayer(c); }).find("int8 is not supported"), std::string::npos);
  // The sweep's defaults and dims: in_w is the length, in_h stays 1.
  SweepOptions o;
  o.op = "Conv1d";
  o.dims = {"in_w"};
  o.min = 10;
  o.max = 30;
  o.step = 10;
  const std::vector<LayerConfig> plan = PlanSweep(o);
  ASSERT_EQ(plan.size(), 3u);
  for (const LayerConfig& r : plan) EXPECT_EQ(r.in_h, 1);
  EXPECT_EQ(plan[2].in_w, 30);
}

// The estimate: base.json (one roofline, compute efficiency 0.5 of 268.3 GOP/s) with a conv class
// at 0.5 and a dwconv class at 0.3 of the peak; conv1d at 0.125.
Platform Host(bool conv1d) {
  Platform p = LoadPlatform(kRoot + "/data/host-ort-cpu/phase2/base.json");
  ClassModel conv;
  conv.estimator = "roofline";
  conv.compute_efficiency = Sourced{0.5, "test"};
  p.classes[OpClass::kConv] = conv;
  conv.compute_efficiency = Sourced{0.3, "test"};
  p.classes[OpClass::kDepthwiseConv] = conv;
  if (conv1d) {
    conv.compute_efficiency = Sourced{0.125, "test"};
    p.classes[OpClass::kConv1d] = conv;
  }
  return p;
}

// 64 -> 128 channels over 200 samples, kernel 3, pads 1, no bias: 128 x 200 x 64 x 3 = 4,915,200
// MACs, 9,830,400 flops; 62,976 elements moved (12,800 in, 25,600 out, 24,576 weights), 0.25 MB:
// compute-bound on every class here. Then a depthwise kernel-5 Conv over the same length.
Network OneD() {
  return ParseOnnxText(Model("(float[1,64,200] x) => (float[1,128,200] z)",
                             "y = Conv <kernel_shape = [3], pads = [1, 1]> (x, w)\n"
                             "z = Conv <kernel_shape = [5], pads = [2, 2], group = 128> (y, d)",
                             "<float[128,64,3] w = {0.0}, float[128,1,5] d = {0.0}>"));
}
// The same first layer written 2-D, H = 1.
Network TwoD() {
  return ParseOnnxText(Model("(float[1,64,1,200] x) => (float[1,128,1,200] y)",
                             "y = Conv <kernel_shape = [1, 3], pads = [0, 1, 0, 1]> (x, w)",
                             "<float[128,64,1,3] w = {0.0}>"));
}

TEST(Conv1dEstimate, OneDConvsTakeTheClassWhenTheProfileHasIt) {
  const double peak = 268.3e9;
  const double flops = 2.0 * 128 * 200 * 64 * 3;
  const double dw_flops = 2.0 * 128 * 200 * 5;
  const Report with = EstimateNetwork(OneD(), Host(true));
  ASSERT_EQ(with.rows.size(), 2u);
  EXPECT_EQ(with.rows[0].layer.counts.flops, 9830400);
  EXPECT_EQ(with.rows[0].layer.op_class, OpClass::kConv1d);
  EXPECT_EQ(with.rows[1].layer.op_class, OpClass::kConv1d);
  EXPECT_NEAR(with.rows[0].ms, flops / (peak * 0.125) * 1e3, 1e-12);
  // Without the class: conv and dwconv, as before the class existed.
  const Report without = EstimateNetwork(OneD(), Host(false));
  EXPECT_EQ(without.rows[0].layer.op_class, OpClass::kConv);
  EXPECT_EQ(without.rows[1].layer.op_class, OpClass::kDepthwiseConv);
  EXPECT_NEAR(without.rows[0].ms, flops / (peak * 0.5) * 1e3, 1e-12);
  EXPECT_NEAR(without.rows[1].ms, dw_flops / (peak * 0.3) * 1e3, 1e-12);
  EXPECT_NE(AllFormats(with), AllFormats(without));
  // The 2-D layer with H = 1 keeps its class conv.
  const Report two = EstimateNetwork(TwoD(), Host(true));
  EXPECT_EQ(two.rows[0].layer.op_class, OpClass::kConv);
  EXPECT_NEAR(two.rows[0].ms, flops / (peak * 0.5) * 1e3, 1e-12);
  EXPECT_EQ(AllFormats(two), AllFormats(EstimateNetwork(TwoD(), Host(false))));
  // The fast path agrees, bit for bit, with and without the class.
  for (bool c : {true, false}) {
    const Platform p = Host(c);
    EXPECT_EQ(EstimateTotal(FuseNetwork(OneD(), p), PlanPlatform(p)).total_ms,
              (c ? with : without).total_ms);
  }
  EXPECT_TRUE(PlanPlatform(Host(true)).conv1d);
  EXPECT_FALSE(PlanPlatform(Host(false)).conv1d);
}

}  // namespace
}  // namespace odonata
