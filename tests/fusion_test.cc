#include "odonata/fusion.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>

#include "layer_cost.h"
#include "odonata/estimate.h"
#include "odonata/estimator.h"
#include "odonata/measurements.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::Find;
using testing::Model;

Fusion ConvRules() {
  Fusion f;
  f.rules.push_back({{"Conv"}, {"BatchNormalization", "Relu", "Add"}, "test"});
  return f;
}

const char* kInits =
    "<float[4,3,3,3] w = {0.0}, float[4] s = {0.0}, float[4] b = {0.0}, float[4] m = {0.0}, float[4] v = {0.0}>";

TEST(Fusion, ConvBatchNormReluBecomeOneLayer) {
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                                    "c = Conv<pads=[1,1,1,1]>(x, w)\n n = BatchNormalization(c, s, b, m, v)\n"
                                    " y = Relu(n)",
                                    kInits));
  std::vector<Layer> layers = Fuse(net, ConvRules());
  ASSERT_EQ(layers.size(), 1u);
  const Layer& l = layers[0];
  EXPECT_EQ(l.op_type, "Conv");
  EXPECT_EQ(l.covers, (std::vector<std::string>{"Conv_0", "BatchNormalization_1", "Relu_2"}));
  EXPECT_EQ(l.covered_ops, (std::vector<std::string>{"Conv", "BatchNormalization", "Relu"}));
  EXPECT_EQ(l.counts.macs, 256 * 27);
  EXPECT_EQ(l.counts.flops, 2 * 256 * 27 + 2 * 256 + 256);
  EXPECT_EQ(l.counts.params, 108 + 8);
  EXPECT_EQ(l.counts.weight_elems, 108 + 16);
  // Only the group's own input and output cross memory; the intermediates do not.
  EXPECT_EQ(l.counts.input_elems, 192);
  EXPECT_EQ(l.counts.output_elems, 256);
  EXPECT_EQ(l.outputs[0].name, "y");
}

// An initializer that is also a graph input (IR >= 4) may be overridden by the
// caller: ONNX Runtime then neither folds the BatchNormalization into the Conv
// nor reorders the filter into NCHWc. With `constant_weights`, odonata's rule
// keeps the BatchNormalization apart, and the chain stops there.
TEST(Fusion, OverridableWeightsKeepConstantWeightFusionsApart) {
  Fusion f;
  f.rules.push_back({{"Conv"}, {"BatchNormalization", "Relu", "Add"}, "test", {}, {"BatchNormalization"}});
  const std::string body =
      "c = Conv<pads=[1,1,1,1]>(x, w)\n n = BatchNormalization(c, s, b, m, v)\n y = Relu(n)";
  const std::string with_input = Model("(float[1,3,8,8] x, float[4,3,3,3] w) => (float[1,4,8,8] y)", body, kInits);
  const Network net = ParseOnnxText(with_input);
  EXPECT_TRUE(Find(net, "Conv").inputs[1].is_overridable);
  EXPECT_FALSE(Find(net, "Conv").inputs[0].is_overridable);
  const std::vector<Layer> apart = Fuse(net, f);
  ASSERT_EQ(apart.size(), 3u);
  EXPECT_EQ(apart[0].covered_ops, std::vector<std::string>{"Conv"});
  EXPECT_EQ(apart[1].covered_ops, std::vector<std::string>{"BatchNormalization"});
  EXPECT_EQ(apart[2].covered_ops, std::vector<std::string>{"Relu"});
  // The same graph without w among the inputs, or at IR version 3 (where every
  // initializer is listed as an input and none can be overridden): one layer.
  const Network plain = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)", body, kInits));
  EXPECT_FALSE(Find(plain, "Conv").inputs[1].is_overridable);
  EXPECT_EQ(Fuse(plain, f).size(), 1u);
  std::string ir3 = with_input;
  ir3.replace(ir3.find("ir_version: 8"), 13, "ir_version: 3");
  const Network old = ParseOnnxText(ir3);
  EXPECT_FALSE(Find(old, "Conv").inputs[1].is_overridable);
  EXPECT_EQ(Fuse(old, f).size(), 1u);
  // Without `constant_weights` the rule fuses whatever the weights are.
  f.rules[0].constant_weights.clear();
  EXPECT_EQ(Fuse(net, f).size(), 1u);
}

// residual_2d: ONNX Runtime adds a residual into a Conv only through its NCHWc kernels (2-D
// convolutions); a 1-D Conv -> Add(residual) -> Relu stays three layers, a 1-D Conv -> Add(bias)
// -> Relu and the 2-D residual chain become one.
TEST(Fusion, ResidualAddJoinsOnlyTwoDimensionalConvs) {
  Fusion f = ConvRules();
  f.rules[0].residual_2d = {"Add"};
  const char* w1 = "<float[4,4,1] w = {0.0}, float[1,4,1] bias = {0.0}>";
  const std::string body = "a = Conv(x, w)\n d = Conv(x, w)\n s = Add(d, a)\n y = Relu(s)";
  const Network one_d = ParseOnnxText(Model("(float[1,4,9] x) => (float[1,4,9] y)", body, w1));
  std::vector<Layer> layers = Fuse(one_d, f);
  ASSERT_EQ(layers.size(), 4u);
  EXPECT_EQ(layers[1].covered_ops, std::vector<std::string>{"Conv"});
  EXPECT_EQ(layers[2].covered_ops, std::vector<std::string>{"Add"});
  EXPECT_EQ(layers[3].covered_ops, std::vector<std::string>{"Relu"});
  // A bias Add (a weight as its other operand) still joins the 1-D Conv, Relu with it.
  const Network bias = ParseOnnxText(
      Model("(float[1,4,9] x) => (float[1,4,9] y)", "c = Conv(x, w)\n s = Add(c, bias)\n y = Relu(s)", w1));
  layers = Fuse(bias, f);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].covered_ops, (std::vector<std::string>{"Conv", "Add", "Relu"}));
  // 2-D: the residual joins.
  const Network two_d = ParseOnnxText(
      Model("(float[1,4,9,9] x) => (float[1,4,9,9] y)", body, "<float[4,4,1,1] w = {0.0}>"));
  layers = Fuse(two_d, f);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[1].covered_ops, (std::vector<std::string>{"Conv", "Add", "Relu"}));
  // Without residual_2d the 1-D residual joins too (as before the field).
  f.rules[0].residual_2d.clear();
  EXPECT_EQ(Fuse(one_d, f).size(), 2u);
}

TEST(Fusion, OutputWithTwoConsumersIsNotFused) {
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y, float[1,4,8,8] z)",
                                    "c = Conv<pads=[1,1,1,1]>(x, w)\n y = Relu(c)\n z = Sigmoid(c)",
                                    "<float[4,3,3,3] w = {0.0}>"));
  EXPECT_EQ(Fuse(net, ConvRules()).size(), 3u);
}

TEST(Fusion, GraphOutputIsNotFusedAway) {
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] c, float[1,4,8,8] y)",
                                    "c = Conv<pads=[1,1,1,1]>(x, w)\n y = Relu(c)", "<float[4,3,3,3] w = {0.0}>"));
  EXPECT_EQ(Fuse(net, ConvRules()).size(), 2u);
}

TEST(Fusion, ResidualAddJoinsOnlyWhenItsOtherInputIsReady) {
  // a = Conv(x) comes first, then d = Conv(x); Add(d, a) can join d's group
  // (a exists already), but not a's group (d is produced later).
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                                    "a = Conv<pads=[1,1,1,1]>(x, w)\n d = Conv<pads=[1,1,1,1]>(x, w)\n y = Add(d, a)",
                                    "<float[4,3,3,3] w = {0.0}>"));
  std::vector<Layer> layers = Fuse(net, ConvRules());
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].covers, (std::vector<std::string>{"Conv_0"}));
  EXPECT_EQ(layers[1].covers, (std::vector<std::string>{"Conv_1", "Add_2"}));
  EXPECT_EQ(layers[1].counts.input_elems, 192 + 256);  // x and a
}

TEST(Fusion, NoRulesKeepsEveryNode) {
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                                    "c = Conv<pads=[1,1,1,1]>(x, w)\n y = Relu(c)", "<float[4,3,3,3] w = {0.0}>"));
  std::vector<Layer> layers = Fuse(net, Fusion{});
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0], net.layers[0]);
}

// ONNX Runtime's Conv fusions with HardSwish as a gated activation
// (data/host-ort-cpu/base.json).
Fusion GateRules() {
  Fusion f = ConvRules();
  f.rules[0].absorb.push_back("HardSigmoid");
  FusionRule gate;
  gate.into = {"Conv"};
  gate.gate = {"HardSigmoid"};
  gate.source = "test";
  f.rules.push_back(gate);
  return f;
}

// MobileNetV3's HardSwish as exported at opset 13, followed by a Relu.
const char* kHardSwish =
    "c = Conv<pads=[1,1,1,1]>(x, w)\n n = BatchNormalization(c, s, b, m, v)\n"
    " h = HardSigmoid<alpha=0.16666667>(n)\n g = Mul(n, h)\n y = Relu(g)";

TEST(Fusion, GatedActivationJoinsTheConv) {
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)", kHardSwish, kInits));
  std::vector<Layer> layers = Fuse(net, GateRules());
  // The gate ends the group: ONNX Runtime 1.30 fused Conv -> HardSigmoid ->
  // Mul into one Conv with activation HardSwish and kept a following Relu apart.
  ASSERT_EQ(layers.size(), 2u);
  const Layer& l = layers[0];
  EXPECT_EQ(l.op_type, "Conv");
  EXPECT_EQ(l.covers, (std::vector<std::string>{"Conv_0", "BatchNormalization_1", "HardSigmoid_2", "Mul_3"}));
  EXPECT_EQ(l.covered_ops, (std::vector<std::string>{"Conv", "BatchNormalization", "HardSigmoid", "Mul"}));
  EXPECT_EQ(l.counts.macs, 256 * 27);
  // Conv 2 x 6912, BatchNormalization 2 per element, HardSigmoid 4, Mul 1.
  EXPECT_EQ(l.counts.flops, 2 * 6912 + 2 * 256 + 4 * 256 + 256);
  EXPECT_EQ(l.counts.params, 108 + 8);
  EXPECT_EQ(l.counts.weight_elems, 108 + 16);
  // x in, g out; n (read twice) and h stay inside the kernel.
  EXPECT_EQ(l.counts.input_elems, 3 * 64);
  EXPECT_EQ(l.counts.output_elems, 4 * 64);
  ASSERT_EQ(l.inputs.size(), 6u);  // x, w and the four BatchNormalization parameters
  EXPECT_EQ(l.outputs[0].name, "g");
  EXPECT_EQ(layers[1].covers, (std::vector<std::string>{"Relu_4"}));
  EXPECT_EQ(layers[1].counts.input_elems, 256);

  // Without the gate rule n has two readers and the chain stops at the
  // BatchNormalization: four layers.
  std::vector<Layer> plain = Fuse(net, ConvRules());
  ASSERT_EQ(plain.size(), 4u);
  EXPECT_EQ(plain[0].covers, (std::vector<std::string>{"Conv_0", "BatchNormalization_1"}));
  EXPECT_EQ(plain[0].counts.output_elems, 256);
  // The gate is per main op: a Gemm's HardSwish stays apart (ONNX Runtime
  // left MobileNetV3's classifier Gemm -> HardSigmoid -> Mul unfused).
  Fusion gemm = GateRules();
  gemm.rules[1].into = {"Gemm"};
  EXPECT_EQ(Fuse(net, gemm).size(), 4u);
}

TEST(Fusion, SqueezeExciteIsNotAGate) {
  // y = c * HardSigmoid(Conv(GlobalAveragePool(c))): c has two readers, a
  // GlobalAveragePool and the Mul, and no HardSigmoid reads c itself.
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                                    "c = Conv<pads=[1,1,1,1]>(x, w)\n p = GlobalAveragePool(c)\n f = Conv(p, w2)\n"
                                    " h = HardSigmoid<alpha=0.16666667>(f)\n y = Mul(c, h)",
                                    "<float[4,3,3,3] w = {0.0}, float[4,4,1,1] w2 = {0.0}>"));
  std::vector<Layer> layers = Fuse(net, GateRules());
  ASSERT_EQ(layers.size(), 4u);
  EXPECT_EQ(layers[0].covers, (std::vector<std::string>{"Conv_0"}));
  EXPECT_EQ(layers[1].covers, (std::vector<std::string>{"GlobalAveragePool_1"}));
  EXPECT_EQ(layers[2].covers, (std::vector<std::string>{"Conv_2", "HardSigmoid_3"}));
  EXPECT_EQ(layers[3].covers, (std::vector<std::string>{"Mul_4"}));
}

TEST(Fusion, GateNeedsMulOfExactlyTAndTheActivation) {
  const char* inits = "<float[4,3,3,3] w = {0.0}>";
  // The Mul reads t and another tensor; the HardSigmoid's output goes elsewhere.
  Network other = ParseOnnxText(Model("(float[1,3,8,8] x, float[1,4,8,8] z) => (float[1,4,8,8] y)",
                                      "c = Conv<pads=[1,1,1,1]>(x, w)\n h = HardSigmoid(c)\n m = Mul(c, z)\n"
                                      " y = Add(m, h)",
                                      inits));
  EXPECT_EQ(Fuse(other, GateRules()).size(), 4u);
  // t has a third reader.
  Network third = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                                      "c = Conv<pads=[1,1,1,1]>(x, w)\n h = HardSigmoid(c)\n m = Mul(c, h)\n"
                                      " r = Relu(c)\n y = Add(m, r)",
                                      inits));
  EXPECT_EQ(Fuse(third, GateRules()).size(), 5u);
  // Mul(h, h) reads A(t) twice and not t.
  Network square = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y, float[1,4,8,8] r)",
                                       "c = Conv<pads=[1,1,1,1]>(x, w)\n h = HardSigmoid(c)\n y = Mul(h, h)\n"
                                       " r = Relu(c)",
                                       inits));
  EXPECT_EQ(Fuse(square, GateRules()).size(), 4u);
  // t or A(t) a graph output: both must still be written.
  Network out_t = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y, float[1,4,8,8] h)",
                                      "c = Conv<pads=[1,1,1,1]>(x, w)\n h = HardSigmoid(c)\n y = Mul(c, h)", inits));
  EXPECT_EQ(Fuse(out_t, GateRules()).size(), 3u);
  // The same graph with only y out fuses, whichever order the Mul reads in.
  Network swapped = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                                        "c = Conv<pads=[1,1,1,1]>(x, w)\n h = HardSigmoid(c)\n y = Mul(h, c)", inits));
  std::vector<Layer> layers = Fuse(swapped, GateRules());
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].counts.input_elems, 192);
  EXPECT_EQ(layers[0].counts.output_elems, 256);
  // A gate rule for Sigmoid does not take a HardSigmoid.
  Fusion silu = ConvRules();
  silu.rules.push_back({{"Conv"}, {}, "test", {"Sigmoid"}});
  EXPECT_EQ(Fuse(swapped, silu).size(), 3u);
}

TEST(Fusion, GateIsPartOfTheFingerprint) {
  Fusion a = GateRules();
  Fusion b = GateRules();
  b.rules[1].gate = {"Sigmoid"};
  EXPECT_NE(FusionFingerprint(a), FusionFingerprint(b));
  // A gate list is not an absorb list.
  Fusion c, d;
  c.rules.push_back({{"Conv"}, {"HardSigmoid"}, "s"});
  d.rules.push_back({{"Conv"}, {}, "s", {"HardSigmoid"}});
  EXPECT_NE(FusionFingerprint(c), FusionFingerprint(d));
  // FuseNetwork's fused layers are Fuse's.
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)", kHardSwish, kInits));
  FusedNetwork f = FuseNetwork(net, a);
  EXPECT_EQ(f.layers, Fuse(net, a));
  EXPECT_EQ(f.fusion_fingerprint, FusionFingerprint(a));
}

TEST(Fusion, HostOrtCpuFusesMobileNetV3HardSwishLikeOnnxRuntime) {
  // ONNX Runtime 1.30's optimized graph of mobilenet_v3_large (level all):
  // 20 com.microsoft.nchwc Conv with activation HardSwish, 8 with HardSigmoid
  // (squeeze-excite), and one HardSigmoid + Mul left after the classifier's Gemm.
  const std::string root = ODONATA_SOURCE_DIR;
  Network net = LoadOnnx(root + "/models/mobilenet_v3_large.onnx");
  for (const char* name : {"host-ort-cpu", "host-ort-cpu-2t"}) {
    SCOPED_TRACE(name);
    Platform p = LoadPlatform(root + "/platforms/" + name + ".json");
    int hardswish = 0, conv_hardsigmoid = 0, lone_hardsigmoid = 0;
    for (const Layer& l : Fuse(net, p.fusion)) {
      const auto& ops = l.covered_ops;
      if (ops == std::vector<std::string>{"Conv", "BatchNormalization", "HardSigmoid", "Mul"}) ++hardswish;
      if (ops == std::vector<std::string>{"Conv", "HardSigmoid"}) ++conv_hardsigmoid;
      if (ops == std::vector<std::string>{"HardSigmoid"}) ++lone_hardsigmoid;
    }
    EXPECT_EQ(hardswish, 20);
    EXPECT_EQ(conv_hardsigmoid, 8);
    EXPECT_EQ(lone_hardsigmoid, 1);
  }
}

TEST(Fusion, EveryNodeOfEveryShippedModelIsCoveredOnce) {
  const std::string root = ODONATA_SOURCE_DIR;
  for (const char* model : {"resnet50", "mobilenet_v3_large", "inception_v3", "ssdlite320_mobilenet_v3_large"}) {
    Network net = LoadOnnx(root + "/models/" + model + ".onnx");
    for (const char* platform : {"ncs2", "zcu102", "jetson-nano", "jetson-tx2", "host-ort-cpu"}) {
      SCOPED_TRACE(std::string(model) + " on " + platform);
      Platform p = LoadPlatform(root + "/platforms/" + platform + ".json");
      std::multiset<std::string> covered;
      std::int64_t macs = 0;
      for (const Layer& l : Fuse(net, p.fusion)) {
        covered.insert(l.covers.begin(), l.covers.end());
        macs += l.counts.macs * l.repeat;
      }
      std::multiset<std::string> nodes;
      for (const Layer& l : net.layers) nodes.insert(l.name);
      EXPECT_EQ(covered, nodes);
      EXPECT_EQ(macs, net.Totals().macs);
    }
  }
}

// --- QDQ (issue 12, int8) ------------------------------------------------------

Fusion QdqRules() {
  Fusion f = ConvRules();
  FusionRule conv{{"Conv", "MatMul"}, {}, "test"};
  conv.dequantize = {"DequantizeLinear"};
  conv.quantize = {"QuantizeLinear"};
  f.rules.push_back(conv);
  FusionRule pool{{"MaxPool", "Reshape"}, {}, "test"};
  pool.dequantize = {"DequantizeLinear"};
  pool.quantize = {"QuantizeLinear"};
  f.rules.push_back(pool);
  f.free_ops = {"Reshape"};
  return f;
}

// A convolution as ONNX Runtime's quantizer writes it (uint8 activations, int8
// weights per channel, int32 bias): DQ(x), DQ(w), DQ(b) -> Conv -> Q. `group`
// 1: a 3 -> 4 channel 3x3 Conv; `group` 4: a 4-channel depthwise one.
std::string QdqConv(int group) {
  const std::string in_c = group == 1 ? "3" : "4", w_c = group == 1 ? "3" : "1";
  return Model("(uint8[1," + in_c + ",8,8] xq) => (uint8[1,4,8,8] yq)",
               "x = DequantizeLinear(xq, xs, xz)\n w = DequantizeLinear<axis=0>(wq, ws, wz)\n"
               " b = DequantizeLinear<axis=0>(bq, bs, bz)\n c = Conv<pads=[1,1,1,1], group=" +
                   std::to_string(group) + ">(x, w, b)\n yq = QuantizeLinear(c, ys, yz)",
               "<float xs = {0.02}, uint8 xz = {128}, int8[4," + w_c +
                   ",3,3] wq = {0}, float[4] ws = {0.01, 0.01, 0.01, 0.01}, int8[4] wz = {0, 0, 0, 0}, int32[4] bq = "
                   "{0, 0, 0, 0}, float[4] bs = {0.0002, 0.0002, 0.0002, 0.0002}, int32[4] bz = {0, 0, 0, 0}, float ys "
                   "= {0.08}, uint8 yz = {128}>");
}

TEST(Fusion, QdqConvBecomesOneInt8Layer) {
  const Network net = ParseOnnxText(QdqConv(1));
  ASSERT_EQ(net.layers.size(), 5u);
  const std::vector<Layer> layers = Fuse(net, QdqRules());
  ASSERT_EQ(layers.size(), 1u);
  const Layer& l = layers[0];
  EXPECT_EQ(l.op_type, "Conv");
  EXPECT_EQ(l.op_class, OpClass::kConvInt8);
  EXPECT_STREQ(OpClassName(l.op_class), "conv_int8");
  // Main first, then the dequantized inputs in input order, the quantize last.
  EXPECT_EQ(l.covered_ops, (std::vector<std::string>{"Conv", "DequantizeLinear", "DequantizeLinear", "DequantizeLinear",
                                                     "QuantizeLinear"}));
  EXPECT_EQ(l.counts.macs, 256 * 27);
  // Conv (2 per MAC and the bias), each DequantizeLinear and the QuantizeLinear 1 per element.
  EXPECT_EQ(l.counts.flops, 2 * 256 * 27 + 256 + (192 + 108 + 4) + 256);
  // The uint8 input and output only; the dequantized float tensors are internal.
  EXPECT_EQ(l.counts.input_elems, 192);
  EXPECT_EQ(l.counts.output_elems, 256);
  // Weights 108, bias 4, their scales and zero points 16, and 4 scalar scales and zero points.
  EXPECT_EQ(l.counts.weight_elems, 108 + 4 + 16 + 4);
  EXPECT_EQ(l.outputs[0].name, "yq");
  // Depthwise: dwconv_int8.
  const std::vector<Layer> dw = Fuse(ParseOnnxText(QdqConv(4)), QdqRules());
  ASSERT_EQ(dw.size(), 1u);
  EXPECT_EQ(dw[0].op_class, OpClass::kDepthwiseConvInt8);
  EXPECT_EQ(dw[0].counts.macs, 256 * 9);
  // Without QDQ rules every node stays a layer of its own, the Conv a float conv.
  const std::vector<Layer> plain = Fuse(net, ConvRules());
  ASSERT_EQ(plain.size(), 5u);
  EXPECT_EQ(Find(net, "Conv").op_class, OpClass::kConv);
}

TEST(Fusion, QdqNeedsEveryInputDequantizedAndOneQuantizeAfter) {
  // The Conv's output is read by the QuantizeLinear and a Relu: not fused.
  std::string two = QdqConv(1);
  two.replace(two.find("(uint8[1,4,8,8] yq)"), 19, "(uint8[1,4,8,8] yq, float[1,4,8,8] r)");
  two.replace(two.find(" yq = QuantizeLinear"), 0, " r = Relu(c)\n");
  EXPECT_EQ(Fuse(ParseOnnxText(two), QdqRules()).size(), 6u);
  // A float weight (no DequantizeLinear): not an int8 kernel, and the float rule runs instead.
  const Network fw = ParseOnnxText(
      Model("(uint8[1,3,8,8] xq) => (uint8[1,4,8,8] yq)",
            "x = DequantizeLinear(xq, xs, xz)\n c = Conv<pads=[1,1,1,1]>(x, w)\n yq = QuantizeLinear(c, ys, yz)",
            "<float xs = {0.02}, uint8 xz = {128}, float[4,3,3,3] w = {0.0}, float ys = {0.08}, uint8 yz = {128}>"));
  const std::vector<Layer> f = Fuse(fw, QdqRules());
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[1].op_class, OpClass::kConv);
  // A free op between DequantizeLinear and QuantizeLinear is fused with them and stays free.
  const Network rs =
      ParseOnnxText(Model("(uint8[1,4,8,8] xq) => (uint8[1,256] yq)",
                          "x = DequantizeLinear(xq, xs, xz)\n r = Reshape(x, shape)\n yq = QuantizeLinear(r, xs, xz)",
                          "<float xs = {0.02}, uint8 xz = {128}, int64[2] shape = {1, 256}>"));
  const FusedNetwork fr = FuseNetwork(rs, QdqRules());
  ASSERT_EQ(fr.layers.size(), 1u);
  EXPECT_EQ(fr.layers[0].op_class, OpClass::kData);
  EXPECT_TRUE(fr.compact[0].free);
}

TEST(Fusion, SharedDequantizeJoinsItsFirstReaderOnly) {
  // One DequantizeLinear feeds a QDQ MaxPool and a QDQ MatMul (gemm_int8): the
  // pool, its first reader, takes it; the MatMul is int8 all the same.
  const Network net =
      ParseOnnxText(Model("(uint8[1,4,8,8] xq, uint8[1,4,8,8] bq) => (uint8[1,4,4,4] pq, uint8[1,4,8,8] mq)",
                          "x = DequantizeLinear(xq, s, z)\n p = MaxPool<kernel_shape=[2,2], strides=[2,2]>(x)\n"
                          " pq = QuantizeLinear(p, s, z)\n b = DequantizeLinear(bq, s, z)\n m = MatMul(x, b)\n"
                          " mq = QuantizeLinear(m, s, z)",
                          "<float s = {0.02}, uint8 z = {128}>"));
  const std::vector<Layer> layers = Fuse(net, QdqRules());
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].op_class, OpClass::kPool);
  EXPECT_EQ(layers[0].covered_ops, (std::vector<std::string>{"MaxPool", "DequantizeLinear", "QuantizeLinear"}));
  EXPECT_EQ(layers[1].op_class, OpClass::kGemmInt8);
  EXPECT_EQ(layers[1].covered_ops, (std::vector<std::string>{"MatMul", "DequantizeLinear", "QuantizeLinear"}));
  EXPECT_EQ(layers[1].counts.macs, 4 * 8 * 8 * 8);
  std::multiset<std::string> covered, nodes;
  for (const Layer& l : layers) covered.insert(l.covers.begin(), l.covers.end());
  for (const Layer& l : net.layers) nodes.insert(l.name);
  EXPECT_EQ(covered, nodes);
}

TEST(Fusion, Int8LayersAreCountedAndEstimatedAtInt8) {
  // The host base: fp32 default, int8 for the int8 classes (peak 1073.3 GOP/s, 102 GB/s;
  // conv_int8 a roofline at efficiencies 0.5 and 0.78 until a fit replaces it).
  const std::string root = ODONATA_SOURCE_DIR;
  const Platform base = LoadPlatform(root + "/data/host-ort-cpu/phase2/base.json");
  const Report r = EstimateNetwork(ParseOnnxText(QdqConv(1)), base);
  EXPECT_EQ(r.precision, Precision::kFp32);
  ASSERT_EQ(r.rows.size(), 1u);
  const ReportRow& row = r.rows[0];
  EXPECT_EQ(row.layer.op_class, OpClass::kConvInt8);
  // 1 byte per element: 192 in, 256 out, 132 weights, scales and zero points.
  EXPECT_DOUBLE_EQ(row.estimate.bytes, 192 + 256 + 132);
  const double ops = 2 * 256 * 27 + 256 + 304 + 256;
  EXPECT_DOUBLE_EQ(row.estimate.ops, ops);
  EXPECT_NEAR(row.estimate.ms, ops / (1073.3e9 * 0.5) * 1e3, 1e-12);
  EXPECT_EQ(row.estimate.bound, Bound::kCompute);
  // The estimator registry (fit's predictions) plans the int8 class at int8 too.
  const LayerEstimate e = FindEstimator("roofline")->fn(
      EstimatorContext{row.layer, base, Precision::kFp32, base.ModelFor(OpClass::kConvInt8)});
  EXPECT_DOUBLE_EQ(e.bytes, 192 + 256 + 132);
  EXPECT_NEAR(e.ms, row.estimate.ms, 1e-15);
  // Without int8 in the platform, the int8 class runs at the network's precision.
  Platform fp32_only = base;
  fp32_only.precisions.erase(Precision::kInt8);
  const Report f = EstimateNetwork(ParseOnnxText(QdqConv(1)), fp32_only);
  EXPECT_DOUBLE_EQ(f.rows.at(0).estimate.bytes, 4 * (192 + 256 + 132));
}

TEST(Fusion, QdqRulesArePartOfTheFingerprint) {
  Fusion a = ConvRules(), b = QdqRules();
  EXPECT_NE(FusionFingerprint(a), FusionFingerprint(b));
  Fusion c = QdqRules();
  c.rules[1].quantize = {"QLinear"};
  EXPECT_NE(FusionFingerprint(b), FusionFingerprint(c));
}

// The host base's QDQ rules against ONNX Runtime 1.30's optimized graphs of the suite's two QDQ
// models (data/host-ort-cpu/phase2/base.json, structure only): yunet 59 QLinearConv (23 depthwise),
// 2 QLinearAdd, 6 QLinearSigmoid, 4 NhwcMaxPool, 12 DequantizeLinear left (before its outputs);
// ultraface 49 QLinearConv of 52 Conv (18 depthwise; odonata fuses all 52), 35 BatchNormalization
// kept float with their 105 DequantizeLinear, 116 DequantizeLinear left in all (odonata: 107, the
// 9 of the 3 convolutions ONNX Runtime left float are in its int8 layers).
TEST(Fusion, HostBaseFusesQdqModelsLikeOnnxRuntime) {
  const std::string root = ODONATA_SOURCE_DIR;
  const Platform base = LoadPlatform(root + "/data/host-ort-cpu/phase2/base.json");
  struct Case {
    const char* model;
    int conv, dwconv, pool, add, sigmoid, bn, dq_left;
  };
  for (const Case& c : {Case{"yunet_n_320_int8_qdq", 36, 23, 4, 2, 6, 0, 12},
                        Case{"ultraface_rfb_320_nopost_int8_qdq", 34, 18, 0, 1, 0, 35, 107}}) {
    SCOPED_TRACE(c.model);
    const Network net = LoadOnnx(root + "/models/third-party/" + c.model + ".onnx");
    int conv = 0, dwconv = 0, pool = 0, add = 0, sigmoid = 0, bn = 0, dq_left = 0;
    std::multiset<std::string> covered, nodes;
    for (const Layer& l : Fuse(net, base.fusion)) {
      covered.insert(l.covers.begin(), l.covers.end());
      conv += l.op_class == OpClass::kConvInt8;
      dwconv += l.op_class == OpClass::kDepthwiseConvInt8;
      const bool qdq = l.covered_ops.back() == "QuantizeLinear" && l.covered_ops.size() > 1;
      pool += qdq && l.op_type == "MaxPool";
      add += qdq && l.op_type == "Add";
      sigmoid += qdq && l.op_type == "Sigmoid";
      bn += l.op_type == "BatchNormalization";
      dq_left += l.covered_ops == std::vector<std::string>{"DequantizeLinear"};
    }
    for (const Layer& l : net.layers) nodes.insert(l.name);
    EXPECT_EQ(covered, nodes);
    EXPECT_EQ(conv, c.conv);
    EXPECT_EQ(dwconv, c.dwconv);
    EXPECT_EQ(pool, c.pool);
    EXPECT_EQ(add, c.add);
    EXPECT_EQ(sigmoid, c.sigmoid);
    EXPECT_EQ(bn, c.bn);
    EXPECT_EQ(dq_left, c.dq_left);
  }
}

Fusion DecomposedRules() {
  Fusion f;
  FusionRule r;
  r.into = {"LayerNormalization", "Gelu"};
  r.decomposed = true;
  r.source = "test";
  f.rules.push_back(r);
  return f;
}

// torchvision's LayerNorm over the last axis at opset 13, on x [1, 4, 8]:
// 9 nodes that ONNX Runtime runs as one LayerNormalization.
const char* kLayerNormBody =
    "m = ReduceMean<axes=[-1]>(x)\n d = Sub(x, m)\n p = Pow(d, two)\n v = ReduceMean<axes=[-1]>(p)\n"
    " a = Add(v, eps)\n s = Sqrt(a)\n n = Div(d, s)\n g = Mul(n, gamma)\n y = Add(g, beta)";
const char* kLayerNormInits = "<float two = {2.0}, float eps = {0.00001}, float[8] gamma = {1.0}, float[8] beta = {0.0}>";

TEST(Fusion, DecomposedLayerNormBecomesOneLayerNormalization) {
  const Network net =
      ParseOnnxText(Model("(float[1,4,8] x) => (float[1,4,8] y)", kLayerNormBody, kLayerNormInits));
  ASSERT_EQ(net.layers.size(), 9u);
  const std::vector<Layer> layers = Fuse(net, DecomposedRules());
  ASSERT_EQ(layers.size(), 1u);
  const Layer& l = layers[0];
  EXPECT_EQ(l.op_type, "LayerNormalization");
  EXPECT_EQ(l.domain, "");
  EXPECT_EQ(l.op_class, OpClass::kNorm);
  EXPECT_EQ(l.covered_ops, (std::vector<std::string>{"ReduceMean", "Sub", "Pow", "ReduceMean", "Add", "Sqrt", "Div",
                                                     "Mul", "Add"}));
  // Counted as one LayerNormalization of 32 elements: 5 FLOPs each, x in,
  // gamma and beta read, y out.
  EXPECT_EQ(l.counts.flops, 5 * 32);
  EXPECT_EQ(l.counts.input_elems, 32);
  EXPECT_EQ(l.counts.weight_elems, 16);
  EXPECT_EQ(l.counts.output_elems, 32);
  EXPECT_EQ(l.outputs[0].name, "y");
  // Without the rule: nine layers.
  EXPECT_EQ(Fuse(net, Fusion{}).size(), 9u);
}

TEST(Fusion, DecomposedLayerNormNeedsItsExactShape) {
  // d read by a third node: not a LayerNorm.
  const Network extra = ParseOnnxText(Model("(float[1,4,8] x) => (float[1,4,8] y, float[1,4,8] z)",
                                            std::string(kLayerNormBody) + "\n z = Relu(d)", kLayerNormInits));
  EXPECT_EQ(Fuse(extra, DecomposedRules()).size(), 10u);
  // The variance's Add reads another activation instead of a constant.
  const Network var = ParseOnnxText(Model(
      "(float[1,4,8] x, float[1,4,1] e) => (float[1,4,8] y)",
      "m = ReduceMean<axes=[-1]>(x)\n d = Sub(x, m)\n p = Pow(d, two)\n v = ReduceMean<axes=[-1]>(p)\n"
      " a = Add(v, e)\n s = Sqrt(a)\n n = Div(d, s)\n g = Mul(n, gamma)\n y = Add(g, beta)",
      kLayerNormInits));
  EXPECT_EQ(Fuse(var, DecomposedRules()).size(), 9u);
  // Fed by a Transpose (ONNX Runtime's transpose optimizer moves it through
  // ReduceMean and Sub): only Pow ... Mul fuse, into SimplifiedLayerNormalization.
  const Network transposed = ParseOnnxText(Model("(float[1,8,4] t) => (float[1,4,8] y)",
                                                 std::string("x = Transpose<perm=[0,2,1]>(t)\n") + kLayerNormBody,
                                                 kLayerNormInits));
  const std::vector<Layer> layers = Fuse(transposed, DecomposedRules());
  ASSERT_EQ(layers.size(), 5u);
  EXPECT_EQ(layers[0].op_type, "Transpose");
  EXPECT_EQ(layers[1].op_type, "ReduceMean");
  EXPECT_EQ(layers[2].op_type, "Sub");
  EXPECT_EQ(layers[3].op_type, "SimplifiedLayerNormalization");
  EXPECT_EQ(layers[3].op_class, OpClass::kNorm);
  EXPECT_EQ(layers[3].covered_ops, (std::vector<std::string>{"Pow", "ReduceMean", "Add", "Sqrt", "Div", "Mul"}));
  EXPECT_EQ(layers[3].counts.flops, 5 * 32);
  EXPECT_EQ(layers[3].counts.weight_elems, 8);  // gamma; beta's Add stays apart
  EXPECT_EQ(layers[4].op_type, "Add");
}

// The exact GELU as PyTorch exports it: x * (erf(x / sqrt 2) + 1) * 0.5.
TEST(Fusion, DecomposedGeluBecomesOneGeluAndTakesItsBiasAdd) {
  const char* inits = "<float r = {1.4142135}, float one = {1.0}, float half = {0.5}, float[8] b = {0.0}>";
  const char* gelu = "e = Div(x, r)\n f = Erf(e)\n g = Add(f, one)\n h = Mul(x, g)\n y = Mul(h, half)";
  const Network net = ParseOnnxText(Model("(float[1,4,8] x) => (float[1,4,8] y)", gelu, inits));
  std::vector<Layer> layers = Fuse(net, DecomposedRules());
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].op_type, "Gelu");
  EXPECT_EQ(layers[0].domain, "com.microsoft");
  EXPECT_EQ(layers[0].op_class, OpClass::kActivation);
  EXPECT_EQ(layers[0].covered_ops, (std::vector<std::string>{"Div", "Erf", "Add", "Mul", "Mul"}));
  EXPECT_EQ(layers[0].counts.flops, 4 * 32);
  EXPECT_EQ(layers[0].counts.input_elems, 32);
  EXPECT_EQ(layers[0].counts.output_elems, 32);
  // A bias added just before (a Linear layer's, 1-D, read only by the GELU): BiasGelu.
  const Network biased = ParseOnnxText(
      Model("(float[1,4,8] a) => (float[1,4,8] y)", std::string("x = Add(b, a)\n") + gelu, inits));
  layers = Fuse(biased, DecomposedRules());
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].op_type, "BiasGelu");
  EXPECT_EQ(layers[0].covered_ops, (std::vector<std::string>{"Add", "Div", "Erf", "Add", "Mul", "Mul"}));
  EXPECT_EQ(layers[0].counts.input_elems, 32);
  EXPECT_EQ(layers[0].counts.weight_elems, 8);
  // Halved before the product (x * 0.5 * (...)): another form, not matched.
  const Network other = ParseOnnxText(Model(
      "(float[1,4,8] x) => (float[1,4,8] y)",
      "e = Div(x, r)\n f = Erf(e)\n g = Add(f, one)\n k = Mul(x, half)\n y = Mul(k, g)", inits));
  EXPECT_EQ(Fuse(other, DecomposedRules()).size(), 5u);
}

// A transformer's LayerNormalization and GELU are described by the dims of their sweep rows
// ([batch, 1, 1, in_c] and [batch, in_c, 1, 1]: batch tokens of in_c features), whatever the
// layer's rank: ViT's [1, T, C], Swin's [1, S, S, C], a BiasGelu whose bias is the Add's first
// input. Before (helper attn, 2026-12-07) LayerDim read them by position: [1, 197, 768] as batch 1,
// in_c 197, in_h 768, a region of the trees no row had.
TEST(Fusion, TransformerNormAndGeluHaveTheirSweepRowsDims) {
  const auto dims = [](const Layer& l) {
    std::vector<std::int64_t> d;
    for (const char* name : {"batch", "in_c", "out_c", "in_h", "in_w", "out_h", "out_w", "spatial", "elems"}) {
      d.push_back(LayerDim(l, name));
    }
    return d;
  };
  const std::vector<std::int64_t> tokens197 = {197, 768, 768, 1, 1, 1, 1, 197, 197 * 768};
  LayerConfig row;
  row.op = "LayerNormalization";
  row.batch = 197;
  row.in_c = row.out_c = 768;
  EXPECT_EQ(dims(ToLayer(row)), tokens197);
  const Layer vit = Find(ParseOnnxText(Model("(float[1,197,768] x) => (float[1,197,768] y)",
                                             "y = LayerNormalization<axis=-1>(x, s, b)",
                                             "<float[768] s = {1.0}, float[768] b = {0.0}>")),
                         "LayerNormalization");
  EXPECT_EQ(dims(vit), tokens197);
  const Layer swin = Find(ParseOnnxText(Model("(float[1,7,7,96] x) => (float[1,7,7,96] y)",
                                              "y = LayerNormalization<axis=-1>(x, s, b)",
                                              "<float[96] s = {1.0}, float[96] b = {0.0}>")),
                          "LayerNormalization");
  EXPECT_EQ(dims(swin), (std::vector<std::int64_t>{49, 96, 96, 1, 1, 1, 1, 49, 49 * 96}));
  // axis 1 of [2, 3, 4]: 2 rows of 12 features, as the kernel normalises them.
  const Layer axis1 = Find(ParseOnnxText(Model("(float[2,3,4] x) => (float[2,3,4] y)",
                                               "y = LayerNormalization<axis=1>(x, s, b)",
                                               "<float[3,4] s = {1.0}, float[3,4] b = {0.0}>")),
                           "LayerNormalization");
  EXPECT_EQ(dims(axis1), (std::vector<std::int64_t>{2, 12, 12, 1, 1, 1, 1, 2, 24}));
  // GELU: the row [181, 3072, 1, 1] and ViT's [1, 181, 3072], plain and with its bias first.
  LayerConfig gelu_row;
  gelu_row.op = "Gelu";
  gelu_row.batch = 181;
  gelu_row.in_c = gelu_row.out_c = 3072;
  const std::vector<std::int64_t> tokens181 = {181, 3072, 3072, 1, 1, 1, 1, 181, 181 * 3072};
  EXPECT_EQ(dims(ToLayer(gelu_row)), tokens181);
  const char* inits = "<float r = {1.4142135}, float one = {1.0}, float half = {0.5}, float[3072] b = {0.0}>";
  const char* gelu = "e = Div(x, r)\n f = Erf(e)\n g = Add(f, one)\n h = Mul(x, g)\n y = Mul(h, half)";
  std::vector<Layer> layers =
      Fuse(ParseOnnxText(Model("(float[1,181,3072] x) => (float[1,181,3072] y)", gelu, inits)), DecomposedRules());
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].op_type, "Gelu");
  EXPECT_EQ(dims(layers[0]), tokens181);
  layers = Fuse(ParseOnnxText(Model("(float[1,181,3072] a) => (float[1,181,3072] y)",
                                    std::string("x = Add(b, a)\n") + gelu, inits)),
                DecomposedRules());
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].op_type, "BiasGelu");
  EXPECT_EQ(dims(layers[0]), tokens181);
  // Other ops keep their positional dims: an Add of [1, 197, 768] is batch 1, in_c 197, in_h 768.
  const Layer add = Find(ParseOnnxText(Model("(float[1,197,768] x) => (float[1,197,768] y)", "y = Add(x, x)", "")),
                         "Add");
  EXPECT_EQ(dims(add), (std::vector<std::int64_t>{1, 197, 197, 768, 0, 768, 0, 768, 197 * 768}));
}

// SiLU as PyTorch exports it, x * Sigmoid(x) (ONNX Runtime's QuickGeluFusion makes it one
// com.microsoft QuickGelu): one layer of class silu, counted as one QuickGelu of 32 elements
// (4 FLOPs each, x in, y out), not as a Sigmoid and a Mul (4 + 1 FLOPs, x read twice).
TEST(Fusion, DecomposedSiluBecomesOneQuickGelu) {
  Fusion rules;
  FusionRule r;
  r.into = {"QuickGelu"};
  r.decomposed = true;
  r.source = "test";
  rules.rules.push_back(r);
  const Network net = ParseOnnxText(Model("(float[1,4,8] x) => (float[1,4,8] y)", "s = Sigmoid(x)\n y = Mul(x, s)"));
  std::vector<Layer> layers = Fuse(net, rules);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].op_type, "QuickGelu");
  EXPECT_EQ(layers[0].domain, "com.microsoft");
  EXPECT_EQ(layers[0].op_class, OpClass::kSilu);
  EXPECT_STREQ(OpClassName(layers[0].op_class), "silu");
  EXPECT_EQ(layers[0].covered_ops, (std::vector<std::string>{"Sigmoid", "Mul"}));
  EXPECT_EQ(layers[0].counts.flops, 4 * 32);
  EXPECT_EQ(layers[0].counts.input_elems, 32);
  EXPECT_EQ(layers[0].counts.output_elems, 32);
  EXPECT_EQ(layers[0].outputs[0].name, "y");
  // The Mul's inputs in the other order: the same.
  EXPECT_EQ(Fuse(ParseOnnxText(Model("(float[1,4,8] x) => (float[1,4,8] y)", "s = Sigmoid(x)\n y = Mul(s, x)")), rules)
                .size(),
            1u);
  // Without the rule, or with the Gelu/LayerNorm rules only: two layers.
  EXPECT_EQ(Fuse(net, Fusion{}).size(), 2u);
  EXPECT_EQ(Fuse(net, DecomposedRules()).size(), 2u);
  // A squeeze-excite gate, t * Sigmoid(f(t)): the Sigmoid does not read t, not SiLU.
  const Network se = ParseOnnxText(Model("(float[1,4,8] x) => (float[1,4,8] y)",
                                         "f = Relu(x)\n s = Sigmoid(f)\n y = Mul(x, s)"));
  EXPECT_EQ(Fuse(se, rules).size(), 3u);
  // The Sigmoid's output read by another node too (ONNX Runtime needs one reader): not fused.
  const Network shared = ParseOnnxText(Model("(float[1,4,8] x) => (float[1,4,8] y, float[1,4,8] z)",
                                             "s = Sigmoid(x)\n y = Mul(x, s)\n z = Relu(s)"));
  EXPECT_EQ(Fuse(shared, rules).size(), 3u);
  // x * Sigmoid(x) times a third tensor: the Mul reads {x, s} only, else no SiLU.
  const Network other = ParseOnnxText(Model("(float[1,4,8] x, float[1,4,8] w) => (float[1,4,8] y)",
                                            "s = Sigmoid(x)\n y = Mul(w, s)"));
  EXPECT_EQ(Fuse(other, rules).size(), 2u);
}

TEST(Fusion, DecomposedRulesArePartOfTheFingerprint) {
  Fusion a = DecomposedRules(), b = DecomposedRules();
  b.rules[0].decomposed = false;
  EXPECT_NE(FusionFingerprint(a), FusionFingerprint(b));
}

// The host base's decomposition rules against ONNX Runtime 1.30's optimized graphs
// (data/host-ort-cpu/ort-graphs/, level all, 1 thread; structure only): ViT-B/16
// 25 LayerNormalization and 12 Gelu; Swin-T 28 LayerNormalization, 1
// SimplifiedLayerNormalization and 12 Gelu; ConvNeXt-T 18 SimplifiedLayerNormalization
// and 18 BiasGelu. ONNX Runtime fused the bias Add into the GELU only in ConvNeXt: the base's
// runtime_shape_nodes checks BiasGeluFusion's condition on the shapes ORT infers (ViT's and
// Swin's MLP MatMul has none under the symbolic batch), so odonata does too. Where odonata
// differs it is written here: ORT fused 18 of ConvNeXt's 23 transposed LayerNorms (odonata: 23).
TEST(Fusion, HostBaseFusesDecomposedNormsAndGeluLikeOnnxRuntime) {
  const std::string root = ODONATA_SOURCE_DIR;
  const Platform base = LoadPlatform(root + "/data/host-ort-cpu/phase2/base.json");
  struct Case {
    const char* model;
    int ln, sln, gelu, bias_gelu;
  };
  for (const Case& c : {Case{"vit_b_16", 25, 0, 12, 0}, Case{"swin_t", 28, 1, 12, 0},
                        Case{"convnext_tiny", 0, 23, 0, 18}}) {
    SCOPED_TRACE(c.model);
    const Network net = LoadOnnx(root + "/models/" + c.model + ".onnx");
    int ln = 0, sln = 0, gelu = 0, bias_gelu = 0;
    for (const Layer& l : Fuse(net, base.fusion)) {
      ln += l.op_type == "LayerNormalization";
      sln += l.op_type == "SimplifiedLayerNormalization";
      gelu += l.op_type == "Gelu";
      bias_gelu += l.op_type == "BiasGelu";
    }
    EXPECT_EQ(ln, c.ln);
    EXPECT_EQ(sln, c.sln);
    EXPECT_EQ(gelu, c.gelu);
    EXPECT_EQ(bias_gelu, c.bias_gelu);
  }
}

// SiLU in the host base: ONNX Runtime 1.30's optimized graphs (data/host-ort-cpu/ort-graphs/,
// level all, 1 thread; structure only) hold 49 QuickGelu in EfficientNet-B0 and 102 in
// EfficientNet-V2-S, and keep every squeeze-excite Sigmoid in its Conv; odonata's rule gives the
// same number of QuickGelu layers (class silu) and leaves no Sigmoid+Mul layer.
TEST(Fusion, HostBaseFusesSiluLikeOnnxRuntime) {
  const std::string root = ODONATA_SOURCE_DIR;
  const Platform base = LoadPlatform(root + "/data/host-ort-cpu/phase2/base.json");
  for (const auto& [model, count] : {std::pair<const char*, int>{"efficientnet_b0", 49}, {"efficientnet_v2_s", 102}}) {
    SCOPED_TRACE(model);
    const Network net = LoadOnnx(root + "/models/" + model + ".onnx");
    int quick_gelu = 0, sigmoid_mul = 0;
    for (const Layer& l : Fuse(net, base.fusion)) {
      if (l.op_type == "QuickGelu") {
        ++quick_gelu;
        EXPECT_EQ(l.op_class, OpClass::kSilu);
        EXPECT_EQ(l.counts.input_elems, l.counts.output_elems) << l.name;
      }
      sigmoid_mul += l.op_type == "Sigmoid" && l.covered_ops.size() == 2 && l.covered_ops[1] == "Mul";
    }
    EXPECT_EQ(quick_gelu, count);
    EXPECT_EQ(sigmoid_mul, 0);
  }
}

// The ONNX HardSwish op (opset 14) after a Conv: ONNX Runtime 1.30 made Conv+HardSwish one
// nchwc:Conv[HardSwish] in 6 of 6 places of the SE cache chain se_c24_h28_l3_t4_k3_f0
// (tools/ort/optimized.js, structure only; helper convlayer). The host base absorbs it with constant
// weights (the NCHWc activation needs them) and keeps it apart when the weights can be overridden.
TEST(Fusion, HostBaseFusesConvHardSwishOpWithConstantWeights) {
  const std::string root = ODONATA_SOURCE_DIR;
  const Platform base = LoadPlatform(root + "/data/host-ort-cpu/phase2/base.json");
  const std::string body = "c = Conv<pads=[1,1,1,1]>(x, w)\n n = BatchNormalization(c, s, b, m, v)\n y = HardSwish(n)";
  const Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)", body, kInits));
  const std::vector<Layer> one = Fuse(net, base.fusion);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].covered_ops, (std::vector<std::string>{"Conv", "BatchNormalization", "HardSwish"}));
  EXPECT_EQ(FusedActivationOf(one[0]), FusedActivation::kHardSwish);
  EXPECT_EQ(one[0].counts.input_elems, 3 * 64);
  EXPECT_EQ(one[0].counts.output_elems, 4 * 64);
  // Conv 2 x 6912, BatchNormalization 2 per element, HardSwish 4 per element.
  EXPECT_EQ(one[0].counts.flops, 2 * 6912 + 2 * 256 + 4 * 256);
  const Network overridable =
      ParseOnnxText(Model("(float[1,3,8,8] x, float[4,3,3,3] w) => (float[1,4,8,8] y)", body, kInits));
  const std::vector<Layer> apart = Fuse(overridable, base.fusion);
  ASSERT_EQ(apart.size(), 3u);
  EXPECT_EQ(apart[2].covered_ops, std::vector<std::string>{"HardSwish"});
  EXPECT_EQ(FusedActivationOf(apart[0]), FusedActivation::kNone);
}

// A native HardSwish after a Conv (opset 14; the squeeze-excite cache chains of tools/ort/se_chains.py):
// ONNX Runtime 1.30 runs it inside the NCHWc Conv (nchwc:Conv[HardSwish], 6 of 6 in se_c24_h28_l3_t4_k3_f0's
// optimized graph, 2026-12-07), as the decomposed HardSigmoid+Mul; the host base absorbs it, the layer is
// priced with the HardSwish fused activation, and the chain stays NCHWc between its two Convs (one reorder in,
// one out; with HardSwish a layer of its own, each would leave the layout).
TEST(Fusion, HostBaseAbsorbsNativeHardSwishLikeOnnxRuntime) {
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/data/host-ort-cpu/phase2/base.json");
  const Network net = ParseOnnxText(Model("(float[1,16,8,8] x) => (float[1,16,8,8] y)",
                                          "c = Conv(x, w)\n h = HardSwish(c)\n d = Conv(h, w2)\n y = HardSwish(d)",
                                          "<float[16,16,1,1] w = {0.0}, float[16,16,1,1] w2 = {0.0}>", 14));
  ASSERT_EQ(net.layers.size(), 4u);
  const FusedNetwork f = FuseNetwork(net, base.fusion);
  ASSERT_EQ(f.layers.size(), 2u);
  for (const Layer& l : f.layers) {
    EXPECT_EQ(l.op_type, "Conv");
    EXPECT_EQ(l.covered_ops, (std::vector<std::string>{"Conv", "HardSwish"}));
    EXPECT_EQ(FusedActivationOf(l), FusedActivation::kHardSwish);
  }
  EXPECT_EQ(f.compact[0].activation, FusedActivation::kHardSwish);
  EXPECT_EQ(f.compact[0].activation_elems, 16 * 8 * 8);
  const ReorderCounts r = EmulateNchwc(f.layers, f.outputs, 16).Counts();
  EXPECT_EQ(r.inputs, 1);
  EXPECT_EQ(r.outputs, 1);
  // Without the rule (the base before 2026-12-07): four layers, the HardSwish layers outside NCHWc.
  Fusion without = base.fusion;
  for (FusionRule& rule : without.rules) std::erase(rule.absorb, std::string("HardSwish"));
  const FusedNetwork old = FuseNetwork(net, without);
  EXPECT_EQ(old.layers.size(), 4u);
  EXPECT_GT(EmulateNchwc(old.layers, old.outputs, 16).Counts().inputs, 1);
}

TEST(Fusion, OverflowNamesTheModelAndTheLayer) {
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                                    "c = Conv<pads=[1,1,1,1]>(x, w)\n y = Relu(c)", "<float[4,3,3,3] w = {0.0}>"));
  net.source = "m.onnx";
  net.layers[0].counts.flops = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(testing::ErrorOf([&] { Fuse(net, ConvRules()); }),
            "m.onnx: fusing layer 'Conv_0': integer overflow: 9223372036854775807 + 256");
  Network relu = ParseOnnxText(Model("(float[1,4,8,8] x) => (float[1,4,8,8] y)", "y = Relu(x)"));
  relu.source = "r.onnx";
  relu.layers[0].counts.input_elems = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(testing::ErrorOf([&] { FuseNetwork(relu, Fusion{}); }),
            "r.onnx: layer 'Relu_0': integer overflow: 9223372036854775807 + 256");
}

}  // namespace
}  // namespace odonata
