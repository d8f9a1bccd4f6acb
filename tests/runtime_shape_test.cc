// ONNX Runtime's constant folding under a model's own symbolic input dims (src/onnx/ort_fold.h):
// the shape arithmetic odonata folds under a substituted batch but ONNX Runtime executes
// (Network::runtime_shape), and BiasGeluFusion's condition on the shapes ORT infers; used by a
// platform with Fusion::runtime_shape_nodes (helper shapenodes, 2026-12-07).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>

#include "odonata/estimate.h"
#include "odonata/fusion.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::Model;

// ShuffleNet's channel shuffle as torch.onnx writes x.view(b, g, c / g, h, w) at opset 13:
// b and c from Shape(x), c / g by Div, each Unsqueezed, Concatenated with the constants, then
// Reshape -> Transpose -> Reshape back to [b, c, h, w] (the second target: Concat(b, [4, 2, 2])).
// As exporters write it, x's shape is taken twice, c cast to int64, which it is already, and c / g
// multiplied by 1: ONNX Runtime's common-subexpression elimination keeps one Shape, its
// CastElimination drops the Cast and its NoopElimination the Mul.
const char* kShuffleBody =
    "s = Shape(x)\n s2 = Shape(x)\n b = Gather<axis=0>(s, i0)\n c0 = Gather<axis=0>(s2, i1)\n"
    " c = Cast<to=7>(c0)\n cd = Div(c, g)\n cg = Mul(cd, one)\n"
    " bu = Unsqueeze(b, ax)\n cu = Unsqueeze(cg, ax)\n t1 = Concat<axis=0>(bu, two, cu, hw)\n"
    " r = Reshape(x, t1)\n p = Transpose<perm=[0,2,1,3,4]>(r)\n t2 = Concat<axis=0>(bu, chw)\n y = Reshape(p, t2)";
const char* kShuffleInits =
    "<int64 i0 = {0}, int64 i1 = {1}, int64 g = {2}, int64 one = {1}, int64[1] ax = {0}, int64[1] two = {2},"
    " int64[2] hw = {2, 2}, int64[3] chw = {4, 2, 2}>";

Fusion Flagged(Fusion f = {}) {
  f.runtime_shape_nodes = true;
  return f;
}

std::map<std::string, int> Ops(const std::vector<Layer>& layers) {
  std::map<std::string, int> ops;
  for (const Layer& l : layers) ++ops[l.op_type];
  return ops;
}

// Symbolic batch N (substituted by 1): ONNX Runtime folds none of the 11 nodes computing the two
// Reshape targets (Shape of x, whose batch it does not know, and all that reads it) and executes 8
// of them (one Shape, no Cast, no Mul); with the flag they are layers, before the Reshape that reads them;
// without it, only the 3 data layers.
TEST(RuntimeShape, ChannelShuffleWithSymbolicBatchRunsItsShapeArithmetic) {
  const Network net = ParseOnnxText(Model("(float[N,4,2,2] x) => (float[N,4,2,2] y)", kShuffleBody, kShuffleInits));
  EXPECT_TRUE(net.runtime_shape.emulated);
  ASSERT_EQ(net.layers.size(), 3u);  // Reshape, Transpose, Reshape: as before
  EXPECT_EQ(net.runtime_shape.layers.size(), 8u);

  const std::vector<Layer> without = Fuse(net, Fusion{});
  EXPECT_EQ(without.size(), 3u);
  const std::vector<Layer> with = Fuse(net, Flagged());
  ASSERT_EQ(with.size(), 11u);
  EXPECT_EQ(
      Ops(with),
      (std::map<std::string, int>{
          {"Shape", 1}, {"Gather", 2}, {"Div", 1}, {"Unsqueeze", 2}, {"Concat", 2}, {"Reshape", 2}, {"Transpose", 1}}));
  // Graph order: the first target's 7 nodes before the first Reshape, the second Concat after it.
  std::vector<std::string> order;
  for (const Layer& l : with) order.push_back(l.op_type);
  EXPECT_EQ(order, (std::vector<std::string>{"Shape", "Gather", "Gather", "Div", "Unsqueeze", "Unsqueeze", "Concat",
                                             "Reshape", "Transpose", "Concat", "Reshape"}));
  // The values odonata computed: Shape [4] int64 out of x, the Concat's [5] target.
  const Layer& shape = with[0];
  EXPECT_EQ(shape.inputs[0].shape, (Shape{1, 4, 2, 2}));
  EXPECT_EQ(shape.outputs[0].shape, (Shape{4}));
  EXPECT_EQ(shape.outputs[0].dtype, DataType::kInt64);
  EXPECT_FALSE(shape.outputs[0].is_constant);
  // A Shape reads x's dims, not its 16 elements: no input traffic, 4 elements out.
  EXPECT_EQ(shape.counts.input_elems, 0);
  EXPECT_EQ(shape.counts.output_elems, 4);
  EXPECT_EQ(with[6].outputs[0].shape, (Shape{5}));
  // FuseNetwork counts them as nodes (the dispatch term's).
  EXPECT_EQ(FuseNetwork(net, Flagged()).nodes, 11);
  EXPECT_EQ(FuseNetwork(net, Fusion{}).nodes, 3);
  // The fingerprint tells the two fusions apart.
  EXPECT_NE(FusionFingerprint(Flagged()), FusionFingerprint(Fusion{}));
}

// The same model with a static batch in the file: ONNX Runtime knows x's shape and folds the
// Shape and everything computed from it, as odonata does: no runtime shape node, flag or not.
TEST(RuntimeShape, StaticBatchFoldsLikeOdonata) {
  const Network net = ParseOnnxText(Model("(float[1,4,2,2] x) => (float[1,4,2,2] y)", kShuffleBody, kShuffleInits));
  EXPECT_FALSE(net.runtime_shape.emulated);
  EXPECT_TRUE(net.runtime_shape.layers.empty());
  EXPECT_EQ(Fuse(net, Flagged()).size(), 3u);
  // A symbolic dim given by --input-shape is substituted too: emulated, 8 nodes.
  LoadOptions o;
  o.input_shapes["x"] = {2, 4, 2, 2};
  const Network given =
      ParseOnnxText(Model("(float[N,4,2,2] x) => (float[N,4,2,2] y)", kShuffleBody, kShuffleInits), o);
  EXPECT_TRUE(given.runtime_shape.emulated);
  EXPECT_EQ(given.runtime_shape.layers.size(), 8u);
  EXPECT_EQ(given.runtime_shape.layers[0].outputs[0].shape, (Shape{4}));
}

// Shape-15 with start = 1: the slice [4, 2, 2] is static though the batch is not, so ONNX
// Runtime folds it (and the Concat reading only it and a constant); only the batch's Shape,
// Gather and Unsqueeze run.
TEST(RuntimeShape, ShapeSliceOfStaticDimsIsFolded) {
  const Network net = ParseOnnxText(Model("(float[N,4,2,2] x) => (float[N,16] y)",
                                          "s = Shape<start=1>(x)\n f = ReduceProd<keepdims=1>(s)\n"
                                          " n = Shape<end=1>(x)\n t = Concat<axis=0>(n, f)\n y = Reshape(x, t)",
                                          "", 15));
  ASSERT_EQ(net.layers.size(), 1u);
  const std::vector<Layer> with = Fuse(net, Flagged());
  EXPECT_EQ(Ops(with), (std::map<std::string, int>{{"Shape", 1}, {"Concat", 1}, {"Reshape", 1}}));
  ASSERT_EQ(with.size(), 3u);
  EXPECT_EQ(with[0].attributes.count("end"), 1u);  // the batch's Shape, not the static slice's
}

// A node writing a graph output is never folded by ONNX Runtime (nor removed as a duplicate):
// here the Shape of x is the model's output, a layer with the flag.
TEST(RuntimeShape, GraphOutputIsComputedAtRunTime) {
  const Network net =
      ParseOnnxText(Model("(float[N,4] x) => (int64[2] s, float[N,4] y)", "y = Relu(x)\n s = Shape(x)", ""));
  ASSERT_EQ(net.layers.size(), 1u);  // the Relu; odonata folds the Shape
  const std::vector<Layer> with = Fuse(net, Flagged());
  EXPECT_EQ(Ops(with), (std::map<std::string, int>{{"Relu", 1}, {"Shape", 1}}));
  // Static batch: ONNX Runtime does not fold a node writing a graph output either, but the
  // emulation runs only where a symbolic dim was substituted (odonata's layers as before).
  const Network fixed =
      ParseOnnxText(Model("(float[1,4] x) => (int64[2] s, float[1,4] y)", "y = Relu(x)\n s = Shape(x)", ""));
  EXPECT_EQ(Fuse(fixed, Flagged()).size(), 1u);
}

const char* kGelu = "e = Div(a, r)\n f = Erf(e)\n h = Add(f, one)\n k = Mul(a, h)\n y = Mul(k, half)";
const char* kGeluInits =
    "<float r = {1.4142135}, float one = {1.0}, float half = {0.5}, float[8] bias = {0.0}, float[8,8] w = {0.0},"
    " int64 i0 = {0}, int64[1] ax = {0}, int64[1] m1 = {-1}, int64[1] big = {9223372036854775807},"
    " int64[2] c48 = {4, 8}>";

Fusion GeluRules(bool flag) {
  Fusion f;
  FusionRule r;
  r.into = {"Gelu"};
  r.decomposed = true;
  r.source = "test";
  f.rules.push_back(r);
  f.runtime_shape_nodes = flag;
  return f;
}

int Count(const std::vector<Layer>& layers, const std::string& op) {
  return static_cast<int>(std::count_if(layers.begin(), layers.end(), [&](const Layer& l) { return l.op_type == op; }));
}

// ViT's MLP as ONNX Runtime sees it: the MatMul reads a Reshape whose target has a length only
// known at run time (a Slice of Shape(x) from the batch on), so ORT infers no shape for the
// MatMul and the bias Add: no BiasGelu (Add, then Gelu). Without the flag odonata fuses them.
TEST(RuntimeShape, BiasGeluNeedsTheLastDimOrtInfers) {
  const std::string body =
      "s = Shape(x)\n n = Gather<axis=0>(s, i0)\n u = Unsqueeze(n, ax)\n p = Slice(s, u, big)\n"
      " t = Concat<axis=0>(m1, p)\n rx = Reshape(x, t)\n m = MatMul(rx, w)\n a = Add(m, bias)\n" +
      std::string(kGelu);
  const Network net = ParseOnnxText(Model("(float[N,4,8] x) => (float[N,4,8] y)", body, kGeluInits));
  const std::vector<std::string>& open = net.runtime_shape.open_last_dim;
  EXPECT_TRUE(std::binary_search(open.begin(), open.end(), "m"));
  EXPECT_TRUE(std::binary_search(open.begin(), open.end(), "a"));
  const std::vector<Layer> off = Fuse(net, GeluRules(false));
  EXPECT_EQ(Count(off, "BiasGelu"), 1);
  EXPECT_EQ(Count(off, "Gelu"), 0);
  const std::vector<Layer> on = Fuse(net, GeluRules(true));
  EXPECT_EQ(Count(on, "BiasGelu"), 0);
  EXPECT_EQ(Count(on, "Gelu"), 1);
  EXPECT_EQ(Count(on, "Add"), 1);
  EXPECT_EQ(Count(on, "Shape"), 1);  // and the 5 runtime shape nodes are layers
  EXPECT_EQ(on.size(), 5u + 4u);     // Shape Gather Unsqueeze Slice Concat, Reshape MatMul Add Gelu
}

// ConvNeXt-like: the MLP reads a Conv's output permuted to channels-last, whose dims ORT's
// inference knows but for the batch ([?, 2, 2, 8]), so the MatMul's last dim (8) is known and equals
// the bias's: BiasGelu with the flag and without it.
TEST(RuntimeShape, BiasGeluWithAKnownLastDimIsFused) {
  const std::string body =
      "t = Transpose<perm=[0,2,3,1]>(x)\n m = MatMul(t, w)\n a = Add(m, bias)\n" + std::string(kGelu);
  const Network net = ParseOnnxText(Model("(float[N,8,2,2] x) => (float[N,2,2,8] y)", body, kGeluInits));
  EXPECT_TRUE(net.runtime_shape.emulated);
  const std::vector<std::string>& open = net.runtime_shape.open_last_dim;
  EXPECT_FALSE(std::binary_search(open.begin(), open.end(), "m"));
  EXPECT_FALSE(std::binary_search(open.begin(), open.end(), "a"));
  EXPECT_EQ(Count(Fuse(net, GeluRules(false)), "BiasGelu"), 1);
  EXPECT_EQ(Count(Fuse(net, GeluRules(true)), "BiasGelu"), 1);
  // A static batch: the same, flag or not.
  const Network fixed = ParseOnnxText(Model("(float[1,8,2,2] x) => (float[1,2,2,8] y)", body, kGeluInits));
  EXPECT_FALSE(fixed.runtime_shape.emulated);
  EXPECT_EQ(Count(Fuse(fixed, GeluRules(true)), "BiasGelu"), 1);
}

// A profile without the flag estimates a network with runtime shape nodes byte for byte as one
// without them (the report as JSON); with the flag the 8 nodes add their cost and dispatches.
TEST(RuntimeShape, ProfileWithoutTheFlagEstimatesAsBefore) {
  const std::string root = ODONATA_SOURCE_DIR;
  Platform p = LoadPlatform(root + "/platforms/host-ort-cpu.json");
  p.fusion.runtime_shape_nodes = false;  // the committed profile has the flag since run 21: this is the profile without it
  const Network net = ParseOnnxText(Model("(float[N,4,2,2] x) => (float[N,4,2,2] y)", kShuffleBody, kShuffleInits));
  ASSERT_EQ(net.runtime_shape.layers.size(), 8u);
  Network bare = net;
  bare.runtime_shape = {};
  auto json = [](const Report& r) {
    std::ostringstream s;
    RenderJson(r, s);
    return s.str();
  };
  EXPECT_EQ(json(EstimateNetwork(net, p)), json(EstimateNetwork(bare, p)));
  const Report before = EstimateNetwork(net, p);
  p.fusion.runtime_shape_nodes = true;
  const Report after = EstimateNetwork(net, p);
  EXPECT_EQ(after.rows.size(), before.rows.size() + 8);
  EXPECT_EQ(after.nodes, before.nodes + 8);
  EXPECT_GT(after.total_ms, before.total_ms);
  EXPECT_EQ(json(EstimateNetwork(bare, p)), json(before));  // nothing to add without the emulation
}

// ShuffleNetV2 against ONNX Runtime 1.30's optimized graph (data/host-ort-cpu/ort-graphs/, level
// all, 1 thread; structure only): ORT executes 257 more nodes than odonata's 149 layers, the
// channel shuffles' and splits' shape arithmetic; with the host base's fusion odonata's runtime
// shape layers are those 257, op for op.
TEST(RuntimeShape, ShuffleNetRunsTheShapeNodesOnnxRuntimeRuns) {
  const std::string root = ODONATA_SOURCE_DIR;
  const Platform base = LoadPlatform(root + "/data/host-ort-cpu/phase2/base.json");
  const Network net = LoadOnnx(root + "/models/shufflenet_v2_x0_5.onnx");
  Fusion off = base.fusion;
  off.runtime_shape_nodes = false;
  const std::vector<Layer> without = Fuse(net, off);
  const std::vector<Layer> with = Fuse(net, base.fusion);
  EXPECT_EQ(without.size(), 149u);
  EXPECT_EQ(with.size(), 149u + 257u);
  std::map<std::string, int> added = Ops(with);
  for (const auto& [op, n] : Ops(without)) added[op] -= n;
  std::erase_if(added, [](const auto& kv) { return kv.second == 0; });
  EXPECT_EQ(
      added,
      (std::map<std::string, int>{
          {"Shape", 29}, {"Gather", 77}, {"Div", 29}, {"Unsqueeze", 64}, {"Concat", 32}, {"Add", 13}, {"Mul", 13}}));
}

TEST(RuntimeShape, ProfileFlagIsReadAndWritten) {
  const std::string root = ODONATA_SOURCE_DIR;
  const Platform base = LoadPlatform(root + "/data/host-ort-cpu/phase2/base.json");
  EXPECT_TRUE(base.fusion.runtime_shape_nodes);
  // Written back and read again: kept; a profile without it writes no key.
  const Platform again = ParsePlatform(PlatformJson(base, "base"), "base");
  EXPECT_TRUE(again.fusion.runtime_shape_nodes);
  Platform off = base;
  off.fusion.runtime_shape_nodes = false;
  EXPECT_EQ(PlatformJson(off, "off").find("runtime_shape_nodes"), std::string::npos);
}

}  // namespace
}  // namespace odonata
