#include "odonata/estimator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/measurements.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
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
  ASSERT_EQ(Estimators().size(), 6u);
  EXPECT_EQ(Estimators()[0].name, "roofline");
  EXPECT_EQ(Estimators()[1].name, "refined_roofline");
  EXPECT_EQ(Estimators()[2].name, "step_linear");
  EXPECT_EQ(Estimators()[5].name, "trees");  // issue 12: added last
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

TEST(Estimator, EnergyIsClassPowerTimesTimePlusIdleOverhead) {
  Platform p = TestPlatform("roofline");
  Network net = ConvNet();
  // No active_w anywhere: layers at typical_w (2 W), overhead at idle_w (1 W).
  Report r = EstimateNetwork(net, p);
  EXPECT_DOUBLE_EQ(r.rows[0].energy_mj, 2.0 * r.rows[0].ms);
  EXPECT_DOUBLE_EQ(r.overhead_energy_mj, 1.0 * 0.5);
  EXPECT_DOUBLE_EQ(r.energy_mj, 2.0 * r.rows[0].ms + 0.5);
  EXPECT_DOUBLE_EQ(r.avg_power_w, r.energy_mj / r.total_ms);
  // power.active_w replaces typical_w; a class's active_w overrides both.
  p.active_power_w = Sourced{3.0, "t"};
  EXPECT_DOUBLE_EQ(EstimateNetwork(net, p).rows[0].energy_mj, 3.0 * r.rows[0].ms);
  p.classes[OpClass::kConv].active_power_w = Sourced{4.5, "t"};
  EXPECT_DOUBLE_EQ(EstimateNetwork(net, p).rows[0].energy_mj, 4.5 * r.rows[0].ms);
  EXPECT_DOUBLE_EQ(p.ActivePowerW(OpClass::kPool), 3.0);
  p.default_class.active_power_w = Sourced{0.75, "t"};
  EXPECT_DOUBLE_EQ(p.ActivePowerW(OpClass::kPool), 0.75);
  // Round trip keeps both.
  std::ostringstream out;
  WritePlatform(p, out);
  Platform back = ParsePlatform(out.str(), "test.json");
  ASSERT_TRUE(back.active_power_w && back.classes.at(OpClass::kConv).active_power_w);
  EXPECT_EQ(back.active_power_w->source, "t");
  EXPECT_DOUBLE_EQ(back.ActivePowerW(OpClass::kConv), 4.5);
  EXPECT_DOUBLE_EQ(back.ActivePowerW(OpClass::kPool), 0.75);
}

// dispatch_ms: once per executed (non-free) layer and repeat, inside the rows'
// ms; the free Relu pays nothing. Conv + Sigmoid + Relu: two dispatches.
TEST(Estimator, DispatchIsPaidOncePerExecutedLayer) {
  Platform p = TestPlatform("roofline");
  Network net = ParseOnnxText(Model("(float[1,3,32,32] x) => (float[1,64,32,32] y)",
                                    "c = Conv<pads=[1,1,1,1]>(x, w)\n s = Sigmoid(c)\n y = Relu(s)",
                                    "<float[64,3,3,3] w = {0.0}>"));
  const Report before = EstimateNetwork(net, p);
  ASSERT_EQ(before.rows.size(), 3u);
  EXPECT_EQ(before.dispatch_ms, 0.0);
  p.dispatch_ms = Sourced{0.004, "t"};
  const Report r = EstimateNetwork(net, p);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(r.rows[0].ms, before.rows[0].ms + 0.004);
  EXPECT_DOUBLE_EQ(r.rows[1].ms, before.rows[1].ms + 0.004);
  EXPECT_EQ(r.rows[2].ms, 0.0);  // Relu is free: not a kernel
  EXPECT_DOUBLE_EQ(r.dispatch_ms, 0.008);
  EXPECT_DOUBLE_EQ(r.total_ms, before.total_ms + 0.008);
  EXPECT_DOUBLE_EQ(r.rows[0].energy_mj, 2.0 * r.rows[0].ms);  // at the class's power, as the kernel
  // The fast path agrees bit for bit.
  const PlatformPlan plan = PlanPlatform(p);
  const EstimateTotals t = EstimateTotal(FuseNetwork(net, p.fusion), plan);
  EXPECT_EQ(t.total_ms, r.total_ms);
  EXPECT_EQ(t.energy_mj, r.energy_mj);
  // Round trip keeps it; absent stays absent.
  std::ostringstream out;
  WritePlatform(p, out);
  const Platform back = ParsePlatform(out.str(), "test.json");
  ASSERT_TRUE(back.dispatch_ms.has_value());
  EXPECT_DOUBLE_EQ(back.dispatch_ms->value, 0.004);
  EXPECT_FALSE(TestPlatform().dispatch_ms.has_value());
}

// Fusion::dispatched_free_ops: a free op the runtime still runs as a node (ONNX Runtime's
// Reshape) has no kernel time but pays dispatch_ms once; one not listed pays nothing.
TEST(Estimator, DispatchedFreeOpPaysDispatchOnly) {
  Platform p = TestPlatform("roofline");
  p.fusion.free_ops = {"Reshape", "Identity"};
  p.dispatch_ms = Sourced{0.004, "t"};
  Network net = ParseOnnxText(Model("(float[1,64] x) => (float[8,8] y)",
                                    "r = Reshape(x, s)\n y = Identity(r)", "<int64[2] s = {8, 8}>"));
  const Report plain = EstimateNetwork(net, p);
  ASSERT_EQ(plain.rows.size(), 2u);
  EXPECT_EQ(plain.rows[0].ms, 0.0);
  EXPECT_EQ(plain.dispatch_ms, 0.0);
  p.fusion.dispatched_free_ops = {"Reshape"};
  const Report r = EstimateNetwork(net, p);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_DOUBLE_EQ(r.rows[0].ms, 0.004);  // dispatch alone
  EXPECT_EQ(r.rows[0].estimate.estimator, plain.rows[0].estimate.estimator);  // still "free"
  EXPECT_EQ(r.rows[1].ms, 0.0);           // Identity: removed by the runtime
  EXPECT_DOUBLE_EQ(r.dispatch_ms, 0.004);
  EXPECT_DOUBLE_EQ(r.total_ms, plain.total_ms + 0.004);
  const EstimateTotals t = EstimateTotal(FuseNetwork(net, p.fusion), PlanPlatform(p));
  EXPECT_EQ(t.total_ms, r.total_ms);
  // Round trip keeps the list; an op outside 'ops' is an error.
  std::ostringstream out;
  WritePlatform(p, out);
  const Platform back = ParsePlatform(out.str(), "test.json");
  EXPECT_EQ(back.fusion.dispatched_free_ops, std::vector<std::string>{"Reshape"});
  std::string bad = out.str();
  const std::size_t at = bad.find("\"Reshape\"", bad.find("\"dispatched\""));
  bad.replace(at, 9, "\"Squeeze\"");
  try {
    ParsePlatform(bad, "bad.json");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'Squeeze' is not in 'ops'"), std::string::npos) << e.what();
  }
}

TEST(Estimator, RefinedRooflinePenalisesThreeInputChannels) {
  Report r = EstimateNetwork(ConvNet(), TestPlatform());
  // in_c = 3 on 32 parallel lanes: u = 3/32, alpha 1: eff = 3/32.
  const double compute_ms = 2.0 * 65536 * 27 / (100e9 * 0.5 * 3.0 / 32.0) * 1e3;
  EXPECT_DOUBLE_EQ(r.rows[0].estimate.utilisation, 3.0 / 32.0);
  EXPECT_DOUBLE_EQ(r.rows[0].ms, compute_ms);
  EXPECT_EQ(r.rows[0].estimate.estimator, "refined_roofline");
}

// Kernel terms (issue 16): the compute roof of a conv is scaled per kernel shape.
Network KernelNet(const std::string& attrs, const std::string& out, const std::string& w) {
  return ParseOnnxText(Model("(float[1,16,32,32] x) => (float[" + out + "] y)", "y = Conv<" + attrs + ">(x, w)",
                             "<float[" + w + "] w = {0.0}>"));
}

TEST(Estimator, KernelShapeOfAConvWindow) {
  auto shape = [](const Network& n) { return KernelShapeOf(n.layers.at(0)); };
  EXPECT_EQ(shape(KernelNet("kernel_shape=[1,1]", "1,8,32,32", "8,16,1,1")), KernelShape::kPointwise);
  EXPECT_EQ(shape(KernelNet("pads=[1,1,1,1]", "1,8,32,32", "8,16,3,3")), KernelShape::kSquare);
  EXPECT_EQ(shape(KernelNet("pads=[0,3,0,3]", "1,8,32,32", "8,16,1,7")), KernelShape::kAsymmetric);
  EXPECT_EQ(shape(KernelNet("pads=[3,0,3,0]", "1,8,32,32", "8,16,7,1")), KernelShape::kAsymmetric);
  EXPECT_EQ(shape(KernelNet("pads=[1,1,1,1],strides=[2,2]", "1,8,16,16", "8,16,3,3")), KernelShape::kStrided);
  // A strided 1x1 window is a 1x1 convolution over a subsampled input (ResNet's downsampling shortcuts).
  EXPECT_EQ(shape(KernelNet("strides=[2,2]", "1,8,16,16", "8,16,1,1")), KernelShape::kPointwise);
  EXPECT_EQ(shape(KernelNet("strides=[2,2]", "1,8,16,15", "8,16,1,3")), KernelShape::kStrided);
  Network relu = ParseOnnxText(Model("(float[1,4] x) => (float[1,4] y)", "y = Relu(x)", ""));
  EXPECT_EQ(KernelShapeOf(relu.layers.at(0)), KernelShape::kNone);
  KernelShape parsed;
  EXPECT_TRUE(ParseKernelShape("1xk", &parsed));
  EXPECT_EQ(parsed, KernelShape::kAsymmetric);
  EXPECT_STREQ(KernelShapeName(KernelShape::kStrided), "strided");
  EXPECT_FALSE(ParseKernelShape("7x1", &parsed));
}

// The Myriad X input-buffer rule (OpenVINO's checkLinesPerChanRestrictions), by hand:
// rows of in_w * bytes padded to 16 bytes; lines = buffer / (in_c * row), needed
// min(kernel_h + stride + 2 (+1 when a row fits 16 bytes), in_h).
TEST(Estimator, NeedsInputSplitIsTheLineBufferRule) {
  auto split = [](std::int64_t c, std::int64_t h, std::int64_t k, std::int64_t s, std::int64_t bytes) { return NeedsInputSplit(c, h, h, k, s, bytes, 131072, 16); };
  EXPECT_TRUE(split(1024, 17, 1, 1, 2));   // 34 B -> 48 B rows: 131072 / (1024 * 48) = 2 lines < 4
  EXPECT_FALSE(split(1024, 14, 1, 1, 2));  // 28 B -> 32 B: 4 lines = 4 needed
  EXPECT_TRUE(split(768, 17, 1, 1, 2));    // 3 lines < 4
  EXPECT_FALSE(split(384, 35, 1, 1, 2));   // 70 B -> 80 B: 4 lines
  EXPECT_TRUE(split(2048, 8, 1, 1, 2));    // 16 B rows: 4 lines < 5 (a row fits 16 B: one more)
  EXPECT_FALSE(split(1536, 8, 1, 1, 2));   // 5 lines = 5
  EXPECT_TRUE(split(2048, 7, 1, 1, 2));    // 14 B -> 16 B: 4 < 5
  EXPECT_TRUE(split(288, 35, 3, 2, 2));    // 80 B rows: 5 lines < 3 + 2 + 2 = 7
  EXPECT_FALSE(split(224, 35, 3, 2, 2));   // 7 lines = 7
  EXPECT_TRUE(split(4096, 3, 1, 1, 2));    // 2 lines < min(5, 3) = 3
  EXPECT_FALSE(split(4096, 2, 1, 1, 2));   // 2 lines = min(5, 2)
  EXPECT_FALSE(split(512, 8, 1, 1, 4));    // fp32: 32 B rows, 8 lines >= 4
  EXPECT_TRUE(split(2048, 8, 1, 1, 4));    // 2 lines < 4
  EXPECT_FALSE(NeedsInputSplit(1024, 17, 17, 1, 1, 2, 0, 16));  // no buffer: never
}

Network WideConv(std::int64_t c, std::int64_t h) {
  const std::string x = "1," + std::to_string(c) + "," + std::to_string(h) + "," + std::to_string(h);
  const std::string y = "1,128," + std::to_string(h) + "," + std::to_string(h);
  return ParseOnnxText(Model("(float[" + x + "] x) => (float[" + y + "] y)", "y = Conv<kernel_shape=[1,1]>(x, w)",
                             "<float[128," + std::to_string(c) + ",1,1] w = {0.0}>"));
}

TEST(Estimator, SplitTermScalesTheLayersThatOverflowTheBufferOnly) {
  Platform p = TestPlatform("roofline");
  KernelTerm split{KernelShape::kSplit, 0.25, "t"};
  split.buffer_bytes = 131072;
  split.line_bytes = 16;
  p.classes[OpClass::kConv].kernel_terms = {{KernelShape::kPointwise, 0.5, "t"}, split};
  const Network wide = WideConv(1024, 17), fits = WideConv(1024, 14);
  EXPECT_EQ(KernelShapeOf(wide.layers.at(0)), KernelShape::kPointwise);
  EXPECT_EQ(KernelShapeOf(wide.layers.at(0), p.classes.at(OpClass::kConv).kernel_terms, 2), KernelShape::kSplit);
  EXPECT_EQ(KernelShapeOf(fits.layers.at(0), p.classes.at(OpClass::kConv).kernel_terms, 2), KernelShape::kPointwise);
  // 1024 -> 128 at 17x17: 289 x 131072 MACs = 75,759,616 ops at 100 GOP/s x 0.5 x 0.25;
  // memory (295,936 + 36,992 + 131,072) x 2 B / 10 GB/s = 0.0928 ms: compute-bound.
  Report r = EstimateNetwork(wide, p);
  EXPECT_DOUBLE_EQ(r.rows[0].ms, 2.0 * 289 * 1024 * 128 / (100e9 * 0.5 * 0.25) * 1e3);
  // At 14x14 the rows fit: the 1x1 term.
  Report f = EstimateNetwork(fits, p);
  EXPECT_DOUBLE_EQ(f.rows[0].ms, 2.0 * 196 * 1024 * 128 / (100e9 * 0.5 * 0.5) * 1e3);
  // Round trip keeps the buffer; a split term needs one, other shapes may not have one.
  std::ostringstream out;
  WritePlatform(p, out);
  const std::string text = out.str();
  Platform back = ParsePlatform(text, "test.json");
  EXPECT_EQ(back.classes.at(OpClass::kConv).kernel_terms, p.classes.at(OpClass::kConv).kernel_terms);
  const std::string buffer = R"("buffer_bytes": 131072,)";
  ASSERT_NE(text.find(buffer), std::string::npos);
  std::string bad = text;
  bad.replace(bad.find(buffer), buffer.size(), "");
  EXPECT_THROW(ParsePlatform(bad, "test.json"), Error);
  bad = text;
  const std::string pointwise = R"("shape": "1x1",)";
  ASSERT_NE(bad.find(pointwise), std::string::npos);
  bad.replace(bad.find(pointwise), pointwise.size(), R"("shape": "1x1", "line_bytes": 16,)");
  EXPECT_THROW(ParsePlatform(bad, "test.json"), Error);
}

// A split_1x1 term narrows the split term: a 1x1 layer that overflows the buffer takes split_1x1, a 3x3 stride-2
// layer that overflows it keeps split, a layer that fits keeps its shape's term.
TEST(Estimator, SplitPointwiseTermTakesTheSplit1x1LayersOnly) {
  Platform p = TestPlatform("roofline");
  KernelTerm split{KernelShape::kSplit, 2.0, "t"};
  split.buffer_bytes = 131072;
  split.line_bytes = 16;
  p.classes[OpClass::kConv].kernel_terms = {{KernelShape::kPointwise, 0.5, "t"}, split,
                                            {KernelShape::kSplitPointwise, 0.25, "t"}};
  const std::vector<KernelTerm>& terms = p.classes.at(OpClass::kConv).kernel_terms;
  const Network wide = WideConv(1024, 17), fits = WideConv(1024, 14);
  EXPECT_EQ(KernelShapeOf(wide.layers.at(0), terms, 2), KernelShape::kSplitPointwise);
  EXPECT_EQ(KernelShapeOf(fits.layers.at(0), terms, 2), KernelShape::kPointwise);
  // Same 1x1 layers as above: 1024 -> 128 at 17x17 (split, x 0.25) and 14x14 (fits, x 0.5).
  EXPECT_DOUBLE_EQ(EstimateNetwork(wide, p).rows[0].ms, 2.0 * 289 * 1024 * 128 / (100e9 * 0.5 * 0.25) * 1e3);
  EXPECT_DOUBLE_EQ(EstimateNetwork(fits, p).rows[0].ms, 2.0 * 196 * 1024 * 128 / (100e9 * 0.5 * 0.5) * 1e3);
  // 3x3 stride 2, 288 -> 64 at 35x35 (pads 0): 80 B rows, 131072 / (288 x 80) = 5 lines < 3 + 2 + 2: split,
  // and not 1x1: the split scale 2. 17 x 17 outputs x 288 x 9 x 64 MACs = 47,941,632 MACs; memory
  // (352,800 + 18,496 + 165,888 elements) x 2 B / 10 GB/s = 0.107 ms, compute 0.479 ms: compute-bound.
  const Network s2 = ParseOnnxText(Model("(float[1,288,35,35] x) => (float[1,64,17,17] y)",
                                         "y = Conv<kernel_shape=[3,3],strides=[2,2]>(x, w)",
                                         "<float[64,288,3,3] w = {0.0}>"));
  EXPECT_EQ(KernelShapeOf(s2.layers.at(0), terms, 2), KernelShape::kSplit);
  EXPECT_DOUBLE_EQ(EstimateNetwork(s2, p).rows[0].ms, 2.0 * 289 * 288 * 9 * 64 / (100e9 * 0.5 * 2.0) * 1e3);
  // Without split_1x1 the 1x1 layer takes the split scale, as before.
  Platform q = p;
  q.classes[OpClass::kConv].kernel_terms.pop_back();
  EXPECT_EQ(KernelShapeOf(wide.layers.at(0), q.classes.at(OpClass::kConv).kernel_terms, 2), KernelShape::kSplit);
  EXPECT_DOUBLE_EQ(EstimateNetwork(wide, q).rows[0].ms, 2.0 * 289 * 1024 * 128 / (100e9 * 0.5 * 2.0) * 1e3);
  // Round trip; split_1x1 has no buffer of its own and needs a split term in its list.
  std::ostringstream out;
  WritePlatform(p, out);
  const std::string text = out.str();
  EXPECT_EQ(ParsePlatform(text, "test.json").classes.at(OpClass::kConv).kernel_terms, terms);
  Platform lone = p;
  lone.classes[OpClass::kConv].kernel_terms = {{KernelShape::kSplitPointwise, 0.25, "t"}};
  std::ostringstream lone_out;
  WritePlatform(lone, lone_out);
  EXPECT_THROW(ParsePlatform(lone_out.str(), "test.json"), Error);
  std::string bad = text;
  const std::string tag = R"("shape": "split_1x1",)";
  ASSERT_NE(bad.find(tag), std::string::npos);
  bad.replace(bad.find(tag), tag.size(), R"("shape": "split_1x1", "buffer_bytes": 131072,)");
  EXPECT_THROW(ParsePlatform(bad, "test.json"), Error);
}

// A strided 1x1 window is a 1x1 convolution over a subsampled input (TensorRT and cuDNN run it as the same GEMM):
// it takes the 1x1 term, not the strided one, which stays with windows larger than 1x1. (On the TX2 the strided term
// is fitted on TF-slim's 3x3 and 7x7 stride-2 convolutions; Caffe's ResNet-50 downsamples with 1x1 stride-2 ones.)
TEST(Estimator, AStridedPointwiseConvTakesThe1x1Term) {
  Platform p = TestPlatform("roofline");
  p.classes[OpClass::kConv].kernel_terms = {{KernelShape::kPointwise, 0.5, "t"}, {KernelShape::kStrided, 0.05, "t"}};
  auto conv = [](const std::string& attrs, std::int64_t k) {
    const std::string w = "64,64," + std::to_string(k) + "," + std::to_string(k);
    return ParseOnnxText(Model("(float[1,64,32,32] x) => (float[1,64,16,16] y)", "y = Conv<" + attrs + ">(x, w)",
                               "<float[" + w + "] w = {0.0}>"));
  };
  // 1x1 stride 2, 64 -> 64, 32x32 -> 16x16: 256 x 4096 MACs = 2,097,152 ops at 100 GOP/s x 0.5 x 0.5 = 0.08388608 ms;
  // memory (65,536 + 16,384 + 4,096 elements) x 2 B / 10 GB/s = 0.0172 ms: compute-bound. (Strided term: 0.839 ms.)
  Report point = EstimateNetwork(conv("kernel_shape=[1,1],strides=[2,2]", 1), p);
  EXPECT_DOUBLE_EQ(point.rows[0].ms, 2.0 * 256 * 64 * 64 / (100e9 * 0.5 * 0.5) * 1e3);
  EXPECT_NEAR(point.rows[0].ms, 0.08388608, 1e-12);
  // 3x3 stride 2 (pads 1): 256 x 36,864 MACs = 18,874,368 ops at 100 GOP/s x 0.5 x 0.05 = 7.5497472 ms.
  Report square = EstimateNetwork(conv("pads=[1,1,1,1],strides=[2,2]", 3), p);
  EXPECT_NEAR(square.rows[0].ms, 7.5497472, 1e-9);
}

TEST(Estimator, KernelTermScalesTheComputeRoofOfItsShapeOnly) {
  Platform p = TestPlatform("roofline");
  p.classes[OpClass::kConv].kernel_terms = {{KernelShape::kAsymmetric, 1.25, "t"}, {KernelShape::kPointwise, 0.5, "t"}};
  // 1x7 conv 16 -> 8 on 32x32 (pads 0,3): 8192 outputs x 112 MACs = 917,504 MACs, 1,835,008 ops.
  Report asym = EstimateNetwork(KernelNet("pads=[0,3,0,3]", "1,8,32,32", "8,16,1,7"), p);
  const double ops = 2.0 * 8192 * 112;
  EXPECT_DOUBLE_EQ(asym.rows[0].estimate.ops, ops);
  EXPECT_DOUBLE_EQ(asym.rows[0].ms, ops / (100e9 * 0.5 * 1.25) * 1e3);  // 0.029360128 ms, compute-bound
  EXPECT_EQ(asym.rows[0].estimate.bound, Bound::kCompute);
  EXPECT_DOUBLE_EQ(asym.rows[0].estimate.utilisation, 1.0);  // the term is not part of the utilisation
  // 3x3: no term for kxk, the class's roof as before: 8192 x 144 MACs.
  Report square = EstimateNetwork(KernelNet("pads=[1,1,1,1]", "1,8,32,32", "8,16,3,3"), p);
  EXPECT_DOUBLE_EQ(square.rows[0].ms, 2.0 * 8192 * 144 / (100e9 * 0.5) * 1e3);
  // 1x1 at scale 0.5: 8192 x 16 MACs = 262,144 ops at 25 GOP/s = 0.01048576 ms; memory
  // (16384 + 8192 + 128 elements) x 2 B / 10 GB/s = 0.00493 ms: still compute-bound.
  Report point = EstimateNetwork(KernelNet("kernel_shape=[1,1]", "1,8,32,32", "8,16,1,1"), p);
  EXPECT_DOUBLE_EQ(point.rows[0].ms, 2.0 * 8192 * 16 / (100e9 * 0.5 * 0.5) * 1e3);
  // Round trip, and the errors of a bad term.
  std::ostringstream out;
  WritePlatform(p, out);
  Platform back = ParsePlatform(out.str(), "test.json");
  EXPECT_EQ(back.classes.at(OpClass::kConv).kernel_terms, p.classes.at(OpClass::kConv).kernel_terms);
  std::string text = out.str();
  const std::string good = R"("shape": "1xk")";
  ASSERT_NE(text.find(good), std::string::npos);
  std::string bad = text;
  bad.replace(bad.find(good), good.size(), R"("shape": "1x7")");
  EXPECT_THROW(ParsePlatform(bad, "test.json"), Error);
  bad = text;
  bad.replace(bad.find(good), good.size(), R"("shape": "1x1")");
  EXPECT_THROW(ParsePlatform(bad, "test.json"), Error);  // duplicate shape
}

TEST(Estimator, HostFallbackTakesTheWindowsOverTheLimitOnly) {
  // A pool class whose windows over 8 run on the host at 3 ns per op (the zcu102 rule: the DPU's pool
  // engine takes windows up to 8; the A53 pools the rest, docs/boards.md).
  Platform p = TestPlatform("roofline");
  ClassModel pool;
  pool.estimator = "roofline";
  pool.host_fallback = HostFallback{8, 3.0, "t"};
  p.classes[OpClass::kPool] = pool;
  auto net = [](const std::string& in, const std::string& out, const std::string& node) {
    return ParseOnnxText(Model("(float[" + in + "] x) => (float[" + out + "] y)", node, ""));
  };
  // Global pool over 13x13 (window 13 > 8): 16 x 169 = 2704 ops x 3 ns = 0.008112 ms on the host.
  Report g13 = EstimateNetwork(net("1,16,13,13", "1,16,1,1", "y = GlobalAveragePool(x)"), p);
  EXPECT_DOUBLE_EQ(g13.rows[0].estimate.ops, 2704.0);
  EXPECT_NEAR(g13.rows[0].ms, 0.008112, 1e-12);
  EXPECT_EQ(g13.rows[0].estimate.bound, Bound::kCompute);
  ASSERT_EQ(g13.rows[0].flags.size(), 1u);
  EXPECT_EQ(g13.rows[0].flags[0], "host");
  // Global pool over 8x8 (window 8, not over the limit): the roofline, 16 x 64 = 1024 ops at 100 GOP/s =
  // 1.024e-5 ms; memory (1024 + 16) elements x 2 B / 10 GB/s = 2.08e-4 ms: memory-bound, no flag.
  Report g8 = EstimateNetwork(net("1,16,8,8", "1,16,1,1", "y = GlobalAveragePool(x)"), p);
  EXPECT_NEAR(g8.rows[0].ms, 2.08e-4, 1e-15);
  EXPECT_EQ(g8.rows[0].estimate.bound, Bound::kMemory);
  EXPECT_TRUE(g8.rows[0].flags.empty());
  // AveragePool 1x9 (one extent over 8): 4 x 10 x 2 outputs x 9 = 720 ops x 3 ns = 0.00216 ms.
  Report a19 =
      EstimateNetwork(net("1,4,10,10", "1,4,10,2", "y = AveragePool<kernel_shape=[1,9]>(x)"), p);
  EXPECT_DOUBLE_EQ(a19.rows[0].estimate.ops, 720.0);
  EXPECT_NEAR(a19.rows[0].ms, 0.00216, 1e-12);
  // MaxPool 3x3 stride 2 on 13x13: the roofline (memory: (676 + 144) x 2 B / 10 GB/s = 1.64e-4 ms).
  Report m3 = EstimateNetwork(net("1,4,13,13", "1,4,6,6", "y = MaxPool<kernel_shape=[3,3],strides=[2,2]>(x)"), p);
  EXPECT_NEAR(m3.rows[0].ms, 1.64e-4, 1e-15);
  EXPECT_TRUE(m3.rows[0].flags.empty());
  // Round trip, and the errors of a bad entry.
  std::ostringstream out;
  WritePlatform(p, out);
  Platform back = ParsePlatform(out.str(), "test.json");
  ASSERT_TRUE(back.classes.at(OpClass::kPool).host_fallback.has_value());
  EXPECT_EQ(*back.classes.at(OpClass::kPool).host_fallback, *pool.host_fallback);
  const std::string text = out.str();
  const std::string good = R"("max_window": 8)";
  ASSERT_NE(text.find(good), std::string::npos);
  for (const std::string& wrong : {std::string(R"("max_window": 0)"), std::string(R"("max_window": 8, "x": 1)")}) {
    std::string bad = text;
    bad.replace(bad.find(good), good.size(), wrong);
    EXPECT_THROW(ParsePlatform(bad, "test.json"), Error) << wrong;
  }
  const std::string ns = R"("ns_per_op": 3.0)";
  ASSERT_NE(text.find(ns), std::string::npos);
  std::string bad = text;
  bad.replace(bad.find(ns), ns.size(), R"("ns_per_op": -1)");
  EXPECT_THROW(ParsePlatform(bad, "test.json"), Error);
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
      double sum = 0, percent = 0, energy = 0;
      for (const ReportRow& row : r.rows) {
        EXPECT_GE(row.ms, 0.0);
        EXPECT_TRUE(std::isfinite(row.ms));
        EXPECT_GE(row.energy_mj, 0.0);
        sum += row.ms;
        percent += row.percent;
        energy += row.energy_mj;
      }
      EXPECT_DOUBLE_EQ(r.total_ms, sum + r.overhead_ms);
      // Energy invariant: total = sum of layer energies + overhead energy.
      EXPECT_DOUBLE_EQ(r.energy_mj, energy + r.overhead_energy_mj);
      EXPECT_GT(r.energy_mj, 0.0);
      EXPECT_DOUBLE_EQ(r.avg_power_w, r.energy_mj / r.total_ms);
      EXPECT_NEAR(percent + 100.0 * r.overhead_ms / r.total_ms, 100.0, 1e-9);
      EXPECT_GT(r.total_ms, r.overhead_ms);
    }
  }
}

// The research's example, fitted on one platform for a 32x32xd_in conv with k 3x3 filters:
// f(d_in, k) = 0.1418 + floor((d_in-1)/8)*0.0106 + floor((k-1)/32)*(0.044 + floor((d_in-1)/8)*0.0121) ms.
const char* kFittedConv = R"json({
  "precision": "fp16",
  "terms": [
    {"coef": 0.1418, "factors": []},
    {"coef": 0.0106, "factors": [{"dim": "in_c", "step": 8}]},
    {"coef": 0.044, "factors": [{"dim": "out_c", "step": 32}]},
    {"coef": 0.0121, "factors": [{"dim": "in_c", "step": 8}, {"dim": "out_c", "step": 32}]}
  ],
  "range": {"in_c": [1, 256], "out_c": [1, 256]},
  "rows": 64, "r2": 0.99, "mape": 2.0, "cv_mape": 3.0, "folds": 5,
  "source": "research example (brief)"
})json";

Platform FittedPlatform() {
  std::string json = R"({
    "schema": "odonata-platform/1", "name": "fitted", "description": "fitted test device",
    "default_precision": "fp16",
    "precisions": {"fp16": {"peak_gops": {"value": 100, "source": "t"}, "bandwidth_gbps": {"value": 10, "source": "t"}},
                   "fp32": {"peak_gops": {"value": 50, "source": "t"}, "bandwidth_gbps": {"value": 10, "source": "t"}}},
    "overhead_ms": {"value": 0, "source": "t"},
    "power": {"idle_w": {"value": 1, "source": "t"}, "typical_w": {"value": 2, "source": "t"}},
    "price_usd": {"value": 10, "source": "t"},
    "classes": {"conv": {"estimator": "step_linear", "fallback": "roofline", "fitted": [)" +
                     std::string(kFittedConv) + R"(]}}
  })";
  return ParsePlatform(json, "fitted.json");
}

Network Conv32(int in_c, int k, int hw = 32) {
  const std::string c = std::to_string(in_c), f = std::to_string(k), s = std::to_string(hw);
  return ParseOnnxText(Model("(float[1," + c + "," + s + "," + s + "] x) => (float[1," + f + "," + s + "," + s + "] y)",
                             "y = Conv<pads=[1,1,1,1]>(x, w)", "<float[" + f + "," + c + ",3,3] w = {0.0}>"));
}

TEST(Estimator, StepLinearEvaluatesTheResearchFormula) {
  Platform p = FittedPlatform();
  // d_in = 33: floor(32/8) = 4; k = 64: floor(63/32) = 1.
  Report r = EstimateNetwork(Conv32(33, 64), p);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].estimate.estimator, "step_linear");
  EXPECT_EQ(r.rows[0].estimate.bound, Bound::kFitted);
  EXPECT_NEAR(r.rows[0].ms, 0.1418 + 4 * 0.0106 + 1 * (0.044 + 4 * 0.0121), 1e-12);
  EXPECT_TRUE(r.rows[0].flags.empty());
  // d_in = 8, k = 32: both in their first step, only the constant.
  EXPECT_NEAR(EstimateNetwork(Conv32(8, 32), p).rows[0].ms, 0.1418, 1e-12);
}

TEST(Estimator, StepLinearFlagsExtrapolationAndFallsBack) {
  Platform p = FittedPlatform();
  Report far = EstimateNetwork(Conv32(512, 64), p);
  EXPECT_EQ(far.rows[0].flags, (std::vector<std::string>{"extrapolated"}));
  // No fitted model for fp32: the class's fallback (roofline) answers.
  EstimateOptions o;
  o.precision = Precision::kFp32;
  Report fp32 = EstimateNetwork(Conv32(33, 64), p, o);
  EXPECT_EQ(fp32.rows[0].estimate.estimator, "roofline");
}

TEST(Estimator, FittedModelsRoundTripThroughWritePlatform) {
  Platform p = FittedPlatform();
  std::ostringstream out;
  WritePlatform(p, out);
  Platform back = ParsePlatform(out.str(), "written.json");
  ASSERT_EQ(back.classes.count(OpClass::kConv), 1u);
  const ClassModel& conv = back.classes.at(OpClass::kConv);
  ASSERT_EQ(conv.fitted.size(), 1u);
  EXPECT_EQ(conv.fitted[0], p.classes.at(OpClass::kConv).fitted[0]);
  EXPECT_EQ(conv.estimator, "step_linear");
  // Writing again gives the same bytes: deterministic.
  std::ostringstream again;
  WritePlatform(back, again);
  EXPECT_EQ(out.str(), again.str());
}

TEST(Estimator, ShippedProfilesRoundTripThroughWritePlatform) {
  const std::string root = ODONATA_SOURCE_DIR;
  for (const char* name : {"ncs2", "zcu102", "jetson-nano", "jetson-tx2"}) {
    SCOPED_TRACE(name);
    Platform p = LoadPlatform(root + "/platforms/" + name + ".json");
    std::ostringstream out;
    WritePlatform(p, out);
    Platform back = ParsePlatform(out.str(), name);
    std::ostringstream again;
    WritePlatform(back, again);
    EXPECT_EQ(out.str(), again.str());
    Network net = LoadOnnx(root + "/models/resnet18.onnx");
    EXPECT_DOUBLE_EQ(EstimateNetwork(net, p).total_ms, EstimateNetwork(net, back).total_ms);
  }
}

TEST(Estimator, LayerDimsOfAConv) {
  Network net = Conv32(33, 64, 16);
  const Layer& l = net.layers[0];
  EXPECT_EQ(LayerDim(l, "in_c"), 33);
  EXPECT_EQ(LayerDim(l, "out_c"), 64);
  EXPECT_EQ(LayerDim(l, "in_h"), 16);
  EXPECT_EQ(LayerDim(l, "out_w"), 16);
  EXPECT_EQ(LayerDim(l, "kernel"), 9);
  EXPECT_EQ(LayerDim(l, "batch"), 1);
  EXPECT_EQ(LayerDim(l, "spatial"), 16 * 16 * 9);
  EXPECT_EQ(LayerDim(l, "macs"), 16 * 16 * 64 * 33 * 9);
  EXPECT_EQ(LayerDim(l, "elems"), 64 * 256);
  EXPECT_EQ(LayerDim(l, "align"), 1);  // 33 channels: no power of two above 1 divides them
}

// align: the largest power of two up to 64 dividing the input channels per group (a
// depthwise layer: its channels), which decides a CPU's blocked kernel path.
TEST(Estimator, LayerDimAlign) {
  auto align = [](const std::string& op, std::int64_t in_c, std::int64_t out_c, std::int64_t groups) {
    LayerConfig c;
    c.op = op;
    c.in_c = in_c;
    c.out_c = out_c;
    c.groups = groups;
    if (op != "Gemm") c.in_h = c.in_w = 8;
    if (op == "Conv" || op == "DepthwiseConv") c.kernel_h = c.kernel_w = 3;
    return LayerDim(ToLayer(c), "align");
  };
  EXPECT_EQ(align("Conv", 48, 64, 1), 16);
  EXPECT_EQ(align("Conv", 40, 64, 1), 8);
  EXPECT_EQ(align("Conv", 58, 64, 1), 2);
  EXPECT_EQ(align("Conv", 3, 64, 1), 1);
  EXPECT_EQ(align("Conv", 512, 512, 1), 64);  // capped at 64
  EXPECT_EQ(align("Conv", 128, 128, 32), 4);  // 4 channels per group
  EXPECT_EQ(align("DepthwiseConv", 96, 96, 96), 32);
  EXPECT_EQ(align("DepthwiseConv", 58, 58, 58), 2);
  EXPECT_EQ(align("Gemm", 768, 1000, 1), 64);  // K
  EXPECT_EQ(align("Relu", 24, 24, 1), 8);
  // An overridable filter (a graph input with a default) is never reordered into NCHWc: 1.
  LayerConfig c;
  c.op = "Conv";
  c.in_c = c.out_c = 64;
  c.in_h = c.in_w = 8;
  c.kernel_h = c.kernel_w = 3;
  Layer l = ToLayer(c);
  ASSERT_GE(l.inputs.size(), 2u);
  EXPECT_EQ(LayerDim(l, "align"), 64);
  l.inputs[1].is_overridable = true;
  EXPECT_EQ(LayerDim(l, "align"), 1);
}

// valid_macs (issue 12): the MACs whose input index falls inside the input, per axis the
// (output, tap) pairs with 0 <= o * stride - pad + t * dilation < in; hand-counted.
LayerConfig ConvConfig(const std::string& op, std::int64_t c_in, std::int64_t c_out, std::int64_t hw, std::int64_t k, std::int64_t stride, std::int64_t dilation) {
  LayerConfig c;
  c.op = op;
  c.in_c = c_in;
  c.out_c = c_out;
  c.groups = op == "DepthwiseConv" ? c_in : 1;
  c.in_h = c.in_w = hw;
  c.kernel_h = c.kernel_w = k;
  c.stride_h = c.stride_w = stride;
  c.dilation = dilation;
  return c;
}

TEST(Estimator, ValidMacsOfPaddedConvolutions) {
  // 3x3, pad 1, 7x7: per axis the first tap of output 0 and the last of output 6 read
  // padding, 7 x 3 - 2 = 19 of 21 pairs.
  Layer l = ToLayer(ConvConfig("Conv", 4, 8, 7, 3, 1, 1));
  EXPECT_EQ(LayerDim(l, "macs"), 7 * 7 * 9 * 4 * 8);
  EXPECT_EQ(LayerDim(l, "valid_macs"), 4 * 8 * 19 * 19);
  EXPECT_EQ(LayerDim(l, "valid_permille"), 819);  // 361 / 441 = 0.8186
  // Dilation 36 at 33x33, pad 36: only the centre tap reads the input, 33 of 99 per axis.
  l = ToLayer(ConvConfig("Conv", 2, 3, 33, 3, 1, 36));
  ASSERT_EQ(l.window.pads, (std::vector<std::int64_t>{36, 36, 36, 36}));
  ASSERT_EQ(LayerDim(l, "out_h"), 33);
  EXPECT_EQ(LayerDim(l, "macs"), 33 * 33 * 9 * 6);
  EXPECT_EQ(LayerDim(l, "valid_macs"), 6 * 33 * 33);
  EXPECT_EQ(LayerDim(l, "valid_permille"), 111);  // 1/9
  // Dilation 12 at 33: taps 0 and 2 each miss 12 outputs, 33 + 2 x 21 = 75 of 99 per axis.
  l = ToLayer(ConvConfig("Conv", 2, 3, 33, 3, 1, 12));
  EXPECT_EQ(LayerDim(l, "valid_macs"), 6 * 75 * 75);
  EXPECT_EQ(LayerDim(l, "valid_permille"), 574);  // 5625 / 9801 = 0.5739
  // Dilation 33 = the input size: taps 0 and 2 read nothing, 33 of 99 again.
  l = ToLayer(ConvConfig("Conv", 2, 3, 33, 3, 1, 33));
  EXPECT_EQ(LayerDim(l, "valid_macs"), 6 * 33 * 33);
  // Stride 2, pad 1: at 8x8 (4 outputs) index 2o - 1 + t: tap 0 misses o = 0, 3 + 4 + 4 = 11 of
  // 12; at 7x7 (4 outputs) tap 2 also misses o = 3 (index 7), 3 + 4 + 3 = 10 of 12.
  l = ToLayer(ConvConfig("Conv", 16, 16, 8, 3, 2, 1));
  ASSERT_EQ(LayerDim(l, "out_h"), 4);
  EXPECT_EQ(LayerDim(l, "valid_macs"), 256 * 11 * 11);
  l = ToLayer(ConvConfig("Conv", 16, 16, 7, 3, 2, 1));
  ASSERT_EQ(LayerDim(l, "out_h"), 4);
  EXPECT_EQ(LayerDim(l, "valid_macs"), 256 * 10 * 10);
  // Asymmetric padding (pad_h 0, pad_w 1) at 7x7: 5 x 3 = 15 of 15 rows, 19 of 21 columns.
  LayerConfig c = ConvConfig("Conv", 4, 8, 7, 3, 1, 1);
  c.pad_h = 0;
  l = ToLayer(c);
  ASSERT_EQ(LayerDim(l, "out_h"), 5);
  EXPECT_EQ(LayerDim(l, "macs"), 5 * 7 * 9 * 32);
  EXPECT_EQ(LayerDim(l, "valid_macs"), 32 * 15 * 19);
  // Depthwise 5x5, dilation 2, pad 4 at 33x33 (MobileNetV3's dilated last stage): taps miss
  // 4, 2, 0, 2, 4 outputs, 165 - 12 = 153 of 165 per axis; 16 channels, one input channel each.
  l = ToLayer(ConvConfig("DepthwiseConv", 16, 16, 33, 5, 1, 2));
  ASSERT_EQ(l.op_class, OpClass::kDepthwiseConv);
  EXPECT_EQ(LayerDim(l, "macs"), 33 * 33 * 25 * 16);
  EXPECT_EQ(LayerDim(l, "valid_macs"), 16 * 153 * 153);
  // The int8 classes count the same.
  l.op_class = OpClass::kDepthwiseConvInt8;
  EXPECT_EQ(LayerDim(l, "valid_macs"), 16 * 153 * 153);
  // No padding: every tap reads the input.
  c = ConvConfig("Conv", 4, 8, 7, 3, 1, 1);
  c.pad_h = c.pad_w = 0;
  l = ToLayer(c);
  EXPECT_EQ(LayerDim(l, "valid_macs"), LayerDim(l, "macs"));
  EXPECT_EQ(LayerDim(l, "valid_macs"), 5 * 5 * 9 * 32);
  EXPECT_EQ(LayerDim(l, "valid_permille"), 1000);
}

// Layers other than Conv (and its depthwise and int8 classes): valid_macs is macs.
TEST(Estimator, ValidMacsOfOtherLayersIsMacs) {
  LayerConfig g;
  g.op = "Gemm";
  g.in_c = 64;
  g.out_c = 10;
  Layer l = ToLayer(g);
  EXPECT_GT(LayerDim(l, "macs"), 0);
  EXPECT_EQ(LayerDim(l, "valid_macs"), LayerDim(l, "macs"));
  EXPECT_EQ(LayerDim(l, "valid_permille"), 1000);
  LayerConfig t = ConvConfig("ConvTranspose", 8, 8, 7, 3, 2, 1);
  l = ToLayer(t);
  EXPECT_GT(LayerDim(l, "macs"), 0);
  EXPECT_EQ(LayerDim(l, "valid_macs"), LayerDim(l, "macs"));  // a scatter: it reads no padding
  EXPECT_EQ(LayerDim(l, "valid_permille"), 1000);
  LayerConfig r = ConvConfig("MaxPool", 8, 8, 7, 3, 1, 1);
  l = ToLayer(r);
  EXPECT_EQ(LayerDim(l, "valid_macs"), 0);
  EXPECT_EQ(LayerDim(l, "valid_permille"), 1000);
  const std::vector<std::string>& names = LayerDimNames();
  ASSERT_GE(names.size(), 2u);
  ASSERT_GE(names.size(), 3u);
  EXPECT_EQ(names[names.size() - 3], "valid_macs");
  EXPECT_EQ(names[names.size() - 2], "valid_permille");
  EXPECT_EQ(names.back(), "nms_compares");
}

// Issue 16 (tools/fit_tx2.py): the TX2 profile charges a depthwise convolution its FP32 traffic over a fitted
// memory efficiency at both precisions (TensorRT 3's depthwise kernels gain nothing from FP16), written as a
// step_linear model with one coefficient on inputs, elems and weights. Checked on a real layer by hand:
// MobileNet v1's first depthwise layer reads and writes 32 x 112 x 112 = 401,408 elements.
TEST(Estimator, Tx2RunsDepthwiseNetworksAtFp32) {
  // Since 2026-12-08 (branch tx2est) the TX2 profile is the form tile128x64+disp+f16fix+pnorm+dwg+wino+mnf32: a
  // network with depthwise layers asked for at FP16 runs at FP32 throughout (precision_fallback; the table's
  // MobileNets take the same time at both), and a depthwise layer is the larger of its FP32 traffic and its waves of
  // group tiles (group_waves).
  const std::string root = ODONATA_SOURCE_DIR;
  const Platform p = LoadPlatform(root + "/platforms/jetson-tx2.json");
  const ClassModel& dw = p.classes.at(OpClass::kDepthwiseConv);
  ASSERT_EQ(dw.estimator, "roofline");
  ASSERT_TRUE(dw.group_waves.has_value());
  ASSERT_EQ(p.precision_fallback.size(), 1u);
  const Network net = LoadOnnx(root + "/models/slim/mobilenet_v1_1.0_224.onnx");
  EstimateOptions fp16, fp32;
  fp16.precision = Precision::kFp16;
  fp32.precision = Precision::kFp32;
  const Report r16 = EstimateNetwork(net, p, fp16), r32 = EstimateNetwork(net, p, fp32);
  EXPECT_EQ(r16.precision, Precision::kFp32);
  EXPECT_DOUBLE_EQ(r16.total_ms, r32.total_ms);
  int depthwise = 0;
  for (std::size_t i = 0; i < r32.rows.size(); ++i) {
    if (r32.rows[i].layer.op_class != OpClass::kDepthwiseConv) continue;
    if (++depthwise != 1) continue;
    // The first: 32 channels at 112 x 112: traffic (2 x 401,408 + 288) x 4 B / (59.7 GB/s x m_dw); waves
    // ceil(32 x ceil(12,544 / 128) / 2) = 1,568 x ms_per_wave; the larger.
    const double bw = p.precisions.at(Precision::kFp32).bandwidth_gbps.value * 1e9 * dw.memory_efficiency.value;
    const double traffic = (2.0 * 401408 + LayerDim(r32.rows[i].layer, "weights")) * 4 / bw * 1e3;
    const double waves = 1568 * dw.group_waves->ms_per_wave;
    EXPECT_NEAR(r32.rows[i].ms - (p.dispatch_ms ? p.dispatch_ms->value : 0.0), std::max(traffic, waves), 1e-9);
  }
  EXPECT_EQ(depthwise, 13);  // MobileNet v1: 13 depthwise-separable blocks
  // A network without depthwise layers still gains from FP16.
  const Network resnet = LoadOnnx(root + "/models/slim/resnet_v1_50.onnx");
  EXPECT_LT(EstimateNetwork(resnet, p, fp16).total_ms, EstimateNetwork(resnet, p, fp32).total_ms);
}

}  // namespace
}  // namespace odonata
