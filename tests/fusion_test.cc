#include "odonata/fusion.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "odonata/network.h"
#include "odonata/platform.h"
#include "test_util.h"

namespace odonata {
namespace {

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

TEST(Fusion, EveryNodeOfEveryShippedModelIsCoveredOnce) {
  const std::string root = ODONATA_SOURCE_DIR;
  for (const char* model : {"resnet50", "mobilenet_v3_large", "inception_v3", "ssdlite320_mobilenet_v3_large"}) {
    Network net = LoadOnnx(root + "/models/" + model + ".onnx");
    for (const char* platform : {"ncs2", "zcu102", "jetson-nano", "jetson-tx2"}) {
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

}  // namespace
}  // namespace odonata
