// The ONNX loader: shape resolution (inference, folding, bounds), subgraphs,
// input-shape overrides and error paths.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/estimator.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "shape_text.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::Find;
using testing::Model;

using testing::ErrorOf;

const Layer& Named(const Network& net, const std::string& name) {
  for (const Layer& l : net.layers) {
    if (l.name == name) return l;
  }
  throw std::runtime_error("no layer " + name);
}

TEST(Loader, SymbolicBatchDefaultsToOneAndFollowsBatchOption) {
  std::string m = Model("(float[N,3,4,4] x) => (float[N,3,4,4] y)", "y = Relu(x)");
  EXPECT_EQ(ParseOnnxText(m).inputs[0].shape, (Shape{1, 3, 4, 4}));
  LoadOptions o;
  o.batch = 8;
  Network net = ParseOnnxText(m, o);
  EXPECT_EQ(net.inputs[0].shape, (Shape{8, 3, 4, 4}));
  EXPECT_EQ(net.layers[0].outputs[0].shape, (Shape{8, 3, 4, 4}));
  EXPECT_EQ(net.layers[0].counts.flops, 8 * 48);
}

TEST(Loader, BatchOptionWithoutSymbolicBatchWarns) {
  LoadOptions o;
  o.batch = 4;
  Network net = ParseOnnxText(Model("(float[1,3] x) => (float[1,3] y)", "y = Relu(x)"), o);
  ASSERT_EQ(net.warnings.size(), 1u);
  EXPECT_NE(net.warnings[0].find("--batch 4 ignored"), std::string::npos);
}

TEST(Loader, FoldsShapeGatherDivConcatIntoReshape) {
  // The chain ONNX 1.12's data propagation leaves unknown: the channel count is
  // read from the input's shape, halved, and used as a Reshape target.
  std::string body = R"(
    s = Shape(x)
    c = Gather<axis=0>(s, one)
    h = Div(c, two)
    hu = Unsqueeze(h, zero)
    t = Concat<axis=0>(batch, hu, rest)
    y = Reshape(x, t)
  )";
  std::string inits =
      "<int64 one = {1}, int64 two = {2}, int64[1] zero = {0}, int64[1] batch = {1}, int64[1] rest = {-1}>";
  Network net = ParseOnnxText(Model("(float[1,8,4,4] x) => (float[1,4,?] y)", body, inits));
  // Only the Reshape is left as a layer; the shape arithmetic was folded.
  ASSERT_EQ(net.layers.size(), 1u);
  EXPECT_EQ(net.layers[0].op_type, "Reshape");
  EXPECT_EQ(net.layers[0].outputs[0].shape, (Shape{1, 4, 32}));
  EXPECT_EQ(net.folded.size(), 5u);
  EXPECT_TRUE(net.layers[0].inputs[1].is_constant);
}

// Four Reshapes, each to a target computed from the shape of the one before
// (Shape -> Gather -> Div -> Unsqueeze -> Concat, which ONNX 1.12's data
// propagation leaves unknown): every stage's Shape can fold only once the
// previous Reshape's output shape is known. The folding pass infers that
// Reshape node by node, so the whole chain folds in one round: two
// whole-graph inferences (the second finds nothing more to fold), not one
// per stage plus one (5) as before.
TEST(Loader, FoldsAChainOfShapeDependentReshapesInOneRound) {
  std::string body, prev = "x";
  for (int i = 1; i <= 4; ++i) {
    const std::string k = std::to_string(i);
    body += "s" + k + " = Shape(" + prev + ")\n";
    body += "c" + k + " = Gather<axis=0>(s" + k + ", one)\n";
    body += "h" + k + " = Div(c" + k + ", two)\n";
    body += "u" + k + " = Unsqueeze(h" + k + ", zero)\n";
    body += "t" + k + " = Concat<axis=0>(batch, u" + k + ", rest)\n";
    body += "y" + k + " = Reshape(" + prev + ", t" + k + ")\n";
    prev = "y" + k;
  }
  body += "y = Identity(y4)\n";
  std::string inits =
      "<int64 one = {1}, int64 two = {2}, int64[1] zero = {0}, int64[1] batch = {1}, int64[1] rest = {-1}>";
  Network net = ParseOnnxText(Model("(float[1,64,4,4] x) => (float[1,4,?] y)", body, inits));
  // 64 channels halved four times; the rest of the 1024 elements in the last dim.
  ASSERT_EQ(net.layers.size(), 5u);
  EXPECT_EQ(net.layers[0].outputs[0].shape, (Shape{1, 32, 32}));
  EXPECT_EQ(net.layers[1].outputs[0].shape, (Shape{1, 16, 64}));
  EXPECT_EQ(net.layers[2].outputs[0].shape, (Shape{1, 8, 128}));
  EXPECT_EQ(net.layers[3].outputs[0].shape, (Shape{1, 4, 256}));
  EXPECT_EQ(net.outputs[0].shape, (Shape{1, 4, 256}));
  EXPECT_EQ(net.folded.size(), 20u);
  EXPECT_EQ(net.inference_runs, 2);
}

// Swin-T (torchvision export): each attention block's window partition is a
// Reshape to a target read from the shape of the Reshape before it. With one
// whole-graph inference per folding round it took 29 rounds (ShuffleNet v2
// 30); folding now goes on node by node within a round.
// The folded nodes and layers are those the round-by-round folding gave
// (5719 and 837, 700 and 242); densenet201 needed no extra round either way.
TEST(Loader, SwinAndShuffleNetFoldInFewInferenceRuns) {
  struct Case {
    const char* name;
    int runs;
    std::size_t folded, layers;
  };
  for (const Case& c : {Case{"swin_t", 4, 5719, 837}, Case{"shufflenet_v2_x1_0", 2, 700, 242},
                        Case{"densenet201", 2, 3, 714}}) {
    Network net = LoadOnnx(std::string(ODONATA_SOURCE_DIR) + "/models/" + c.name + ".onnx");
    EXPECT_EQ(net.inference_runs, c.runs) << c.name;
    EXPECT_EQ(net.folded.size(), c.folded) << c.name;
    EXPECT_EQ(net.layers.size(), c.layers) << c.name;
  }
}

TEST(Loader, FoldsSliceCastRangeAndConstantOfShape) {
  std::string body = R"(
    s = Shape(x)
    hw = Slice(s, st, en)
    f = Cast<to=1>(hw)
    g = Cast<to=7>(f)
    z = ConstantOfShape(g)
    n = ReduceProd<keepdims=0>(g)
    r = Range(zero, n, one)
    zy = Add(z, yy)
    y = Identity(zy)
    ry = Identity(r)
  )";
  std::string inits =
      "<int64[1] st = {2}, int64[1] en = {4}, int64 zero = {0}, int64 one = {1}, float[5,6] yy = {0.0}>";
  Network net = ParseOnnxText(Model("(float[1,3,5,6] x) => (float[5,6] y, int64[30] ry)", body, inits));
  // Everything but the Add (whose second operand has no usable value) and its Identity folds.
  ASSERT_EQ(net.layers.size(), 2u);
  EXPECT_EQ(Find(net, "Add").outputs[0].shape, (Shape{5, 6}));
  EXPECT_EQ(net.outputs[1].shape, (Shape{30}));
  EXPECT_EQ(net.folded.size(), 8u);
}

TEST(Loader, InputShapeOverrideReplacesDeclaredDims) {
  std::string m =
      Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)", "y = Conv<pads=[1,1,1,1]>(x, w)", "<float[4,3,3,3] w = {0.0}>");
  LoadOptions o;
  o.input_shapes["x"] = {2, 3, 16, 16};
  Network net = ParseOnnxText(m, o);
  EXPECT_EQ(net.layers[0].outputs[0].shape, (Shape{2, 4, 16, 16}));  // declared output shape was stale
  EXPECT_EQ(net.layers[0].counts.macs, 2 * 4 * 256 * 27);
  EXPECT_EQ(net.outputs[0].shape, (Shape{2, 4, 16, 16}));
}

TEST(Loader, InputShapeErrors) {
  std::string m = Model("(float[1,3,8,8] x) => (float[1,3,8,8] y)", "y = Relu(x)");
  LoadOptions bad_name;
  bad_name.input_shapes["img"] = {1, 3, 8, 8};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, bad_name, "m.onnx"); }),
            "m.onnx: --input-shape: the model has no input named 'img' (inputs: x)");
  LoadOptions bad_rank;
  bad_rank.input_shapes["x"] = {1, 3, 8};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, bad_rank, "m.onnx"); }),
            "m.onnx: --input-shape x=1x3x8: input has rank 4, not 3");
  EXPECT_THROW(ParseShape("1xZx3"), Error);
  EXPECT_THROW(ParseShape("1x0"), Error);
  EXPECT_THROW(ParseShape("1x"), Error);
  EXPECT_EQ(ParseShape("1,3,224,224"), (Shape{1, 3, 224, 224}));
}

TEST(Loader, SymbolicNonBatchDimNeedsInputShape) {
  std::string m = Model("(float[1,3,H,W] x) => (float[1,3,H,W] y)", "y = Relu(x)");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, {}, "m.onnx"); }),
            "m.onnx: input 'x' has symbolic dimension 'H' at position 2; give --input-shape x=DIMS");
  LoadOptions o;
  o.input_shapes["x"] = {1, 3, 5, 7};
  EXPECT_EQ(ParseOnnxText(m, o).layers[0].outputs[0].shape, (Shape{1, 3, 5, 7}));
}

TEST(Loader, NonMaxSuppressionOutputIsBoundedAndFlagged) {
  // 1 image, 3 classes, 100 boxes, at most 10 boxes per class: at most 30 selections.
  std::string body = R"(
    sel = NonMaxSuppression(boxes, scores, maxper, iou)
    idx = Gather<axis=1>(sel, two)
    keep = Gather<axis=0>(flat, idx)
  )";
  std::string inits = "<int64[1] maxper = {10}, float[1] iou = {0.5}, int64 two = {2}>";
  Network net = ParseOnnxText(
      Model("(float[1,100,4] boxes, float[1,3,100] scores, float[100] flat) => (float[?] keep)", body, inits));
  const Layer& nms = Find(net, "NonMaxSuppression");
  EXPECT_EQ(nms.outputs[0].shape, (Shape{30, 3}));
  EXPECT_TRUE(nms.outputs[0].data_dependent);
  EXPECT_TRUE(nms.data_dependent);
  EXPECT_FALSE(nms.inputs[0].data_dependent);
  const Layer& keep = Named(net, "Gather_2");
  EXPECT_EQ(keep.outputs[0].shape, (Shape{30}));
  EXPECT_TRUE(keep.data_dependent);
  ASSERT_FALSE(net.warnings.empty());
  EXPECT_NE(net.warnings[0].find("upper bound 30x3"), std::string::npos) << net.warnings[0];
  // LayerDim "kept" (the detection model's N x kept term) is the output's rows: the bound,
  // or the size stated with --input-shape; boxes and classes come from the scores.
  EXPECT_EQ(LayerDim(nms, "kept"), 30);
  EXPECT_EQ(LayerDim(nms, "boxes"), 100);
  EXPECT_EQ(LayerDim(nms, "classes"), 3);
  EXPECT_EQ(LayerDim(nms, "kept_per_class"), 10);
  EXPECT_EQ(LayerDim(keep, "kept"), 0);  // not an NMS
  LoadOptions stated;
  stated.input_shapes["sel"] = {7, 3};
  Network seven = ParseOnnxText(
      Model("(float[1,100,4] boxes, float[1,3,100] scores, float[100] flat) => (float[?] keep)", body, inits), stated);
  EXPECT_EQ(LayerDim(Find(seven, "NonMaxSuppression"), "kept"), 7);
  EXPECT_EQ(LayerDim(Find(seven, "NonMaxSuppression"), "kept_per_class"), 2);  // 7 / 3 = 2.3
  EXPECT_EQ(LayerDim(Find(seven, "NonMaxSuppression"), "boxes"), 100);
}

// --input-shape names the output of a node whose size depends on input values (here NonZero
// of 20 scores: at most 1x20): the size stated replaces the upper bound and flows to the layers
// after it, which stay flagged; more than the bound, or another rank, is an error.
TEST(Loader, StatedSizeOfAValueDependentOutput) {
  std::string m = Model("(float[20] scores) => (float[N] kept)",
                        "mask = Greater(scores, thr)\n nz = NonZero(mask)\n idx = Squeeze(nz, zero)\n"
                        " kept = Gather<axis=0>(scores, idx)",
                        "<float[1] thr = {0.5}, int64[1] zero = {0}>");
  LoadOptions o;
  o.input_shapes["nz"] = {1, 5};
  Network net = ParseOnnxText(m, o, "m.onnx");
  EXPECT_EQ(Find(net, "NonZero").outputs[0].shape, (Shape{1, 5}));
  const Layer& kept = Find(net, "Gather");
  EXPECT_EQ(kept.outputs[0].shape, (Shape{5}));
  EXPECT_TRUE(kept.data_dependent);
  bool said = false;
  for (const std::string& w : net.warnings) said |= w.find("estimated with the stated 1x5 (upper bound 1x20)") != std::string::npos;
  EXPECT_TRUE(said);
  EXPECT_EQ(ParseOnnxText(m, {}, "m.onnx").layers.back().outputs[0].shape, (Shape{20}));  // the bound
  LoadOptions over;
  over.input_shapes["nz"] = {1, 30};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, over, "m.onnx"); }),
            "m.onnx: --input-shape nz=1x30: output of node 'NonZero_1' (NonZero) is at most 1x20");
  LoadOptions rank;
  rank.input_shapes["nz"] = {5};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, rank, "m.onnx"); }),
            "m.onnx: --input-shape nz=5: output of node 'NonZero_1' (NonZero) is at most 1x20");
}

// An empty value-dependent output may be stated (1x0: Faster R-CNN's second RoI level gets none of
// its rois; the bound, every score, stayed before 2026-12-07): the layers after it get 0 rows and
// no work. An input or a custom op's output with a 0 dimension stays an error, as a negative one
// everywhere.
TEST(Loader, StatedEmptyValueDependentOutput) {
  std::string m = Model("(float[20] scores) => (float[N] kept)",
                        "mask = Greater(scores, thr)\n nz = NonZero(mask)\n idx = Squeeze(nz, zero)\n"
                        " kept = Gather<axis=0>(scores, idx)\n big = Mul(kept, kept)",
                        "<float[1] thr = {0.5}, int64[1] zero = {0}>");
  EXPECT_EQ(ParseShape("1x0", 0), (Shape{1, 0}));
  EXPECT_THROW(ParseShape("1x-1", 0), Error);
  LoadOptions o;
  o.input_shapes["nz"] = {1, 0};
  Network net = ParseOnnxText(m, o, "m.onnx");
  EXPECT_EQ(Find(net, "NonZero").outputs[0].shape, (Shape{1, 0}));
  EXPECT_EQ(Find(net, "Gather").outputs[0].shape, (Shape{0}));
  EXPECT_EQ(Find(net, "Mul").counts.flops, 0);  // 20 at the bound
  EXPECT_EQ(ParseOnnxText(m, {}, "m.onnx").layers.back().counts.flops, 20);
  LoadOptions input;
  input.input_shapes["scores"] = {0};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, input, "m.onnx"); }),
            "m.onnx: --input-shape scores=0: an input's dimensions must be >= 1 (0 is only for an empty "
            "value-dependent output)");
}

// Sizes stated for several outputs of one op type make one warning line, not one per tensor
// (an SSD states 180 NonZero outputs).
TEST(Loader, StatedSizesOfOneOpMakeOneWarning) {
  std::string m = Model("(float[20] a, float[12] b) => (int64[1,N] na, int64[1,M] nb)",
                        "ma = Greater(a, thr)\n na = NonZero(ma)\n mb = Greater(b, thr)\n nb = NonZero(mb)",
                        "<float[1] thr = {0.5}>");
  LoadOptions o;
  o.input_shapes["na"] = {1, 5};
  o.input_shapes["nb"] = {1, 7};
  Network net = ParseOnnxText(m, o, "m.onnx");
  int lines = 0;
  std::string said;
  for (const std::string& w : net.warnings) {
    if (w.find("stated") != std::string::npos) {
      ++lines;
      said = w;
    }
  }
  EXPECT_EQ(lines, 1);
  EXPECT_EQ(said,
            "2 outputs of NonZero nodes depend on input values; estimated with the stated sizes (first: 'na' (from "
            "node 'NonZero_1' (NonZero)), 1x5, upper bound 1x20)");
}

TEST(Loader, HostileDimensions) {
  // 2^40 x 2^40 activations: the MAC count overflows 64 bits; an error, not a wrap.
  std::string huge = Model("(float[1,3,1099511627776,1099511627776] x) => (float[1,4,1099511627776,1099511627776] y)",
                           "y = Conv<pads=[1,1,1,1]>(x, w)", "<float[4,3,3,3] w = {0.0}>");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(huge, {}, "h.onnx"); }),
            "h.onnx: node 'Conv_0' (Conv): integer overflow: 3298534883328 * 1099511627776");
  // A zero dimension is an empty tensor, not an unknown one.
  Network empty = ParseOnnxText(Model("(float[1,3,0,8] x) => (float[1,3,0,8] y)", "y = Relu(x)"));
  EXPECT_EQ(empty.layers[0].counts.flops, 0);
  // A weight whose rank does not fit the op is an error naming the node (checked
  // before ONNX's shape inference, which can crash on such nodes).
  std::string bad_rank =
      Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)", "y = Conv<pads=[1,1,1,1]>(x, w)", "<float[4,3,3] w = {0.0}>");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(bad_rank, {}, "h.onnx"); }),
            "h.onnx: node 'Conv_0' (Conv): weight 'w' has rank 3, input 'x' rank 4");
}

TEST(Loader, NonZeroIsBoundedByInputSize) {
  Network net = ParseOnnxText(Model("(float[2,5] x) => (int64[2,?] y)", "y = NonZero(x)"));
  EXPECT_EQ(net.layers[0].outputs[0].shape, (Shape{2, 10}));
  EXPECT_TRUE(net.layers[0].data_dependent);
}

TEST(Loader, IfWithConstantConditionIsReplacedByItsBranch) {
  std::string body = R"(
    y = If(cond) <
      then_branch = g1 () => (float[1,4] a) { a = Relu(x) },
      else_branch = g2 () => (float[1,4] b) { b = Sigmoid(x) }
    >
  )";
  Network net = ParseOnnxText(Model("(float[1,4] x) => (float[1,4] y)", body, "<bool cond = {1}>"));
  ASSERT_EQ(net.layers.size(), 1u);
  EXPECT_EQ(net.layers[0].op_type, "Relu");
  EXPECT_EQ(net.layers[0].outputs[0].name, "y");
}

TEST(Loader, IfWithDataDependentConditionCountsBothBranches) {
  std::string body = R"(
    y = If(cond) <
      then_branch = g1 () => (float[1,4] a) { a = Relu(x) },
      else_branch = g2 () => (float[1,4] b) { b = Sigmoid(x) }
    >
  )";
  Network net = ParseOnnxText(Model("(bool cond, float[1,4] x) => (float[1,4] y)", body));
  ASSERT_EQ(net.layers.size(), 3u);
  EXPECT_EQ(net.layers[0].op_type, "If");
  EXPECT_EQ(net.layers[1].name, "If_0/then_branch/Relu_0");
  EXPECT_EQ(net.layers[2].op_type, "Sigmoid");
  EXPECT_TRUE(net.layers[1].data_dependent);
  EXPECT_EQ(net.layers[2].counts.flops, 16);
}

TEST(Loader, LoopBodyRepeatsByConstantTripCount) {
  std::string body = R"(
    out = Loop(trip, cond, init) <
      body = loop_body (int64 i, bool c, float[1,4] acc) => (bool c_out, float[1,4] acc_out) {
        c_out = Identity(c)
        acc_out = Add(acc, acc)
      }
    >
  )";
  Network net =
      ParseOnnxText(Model("(float[1,4] init) => (float[1,4] out)", body, "<int64 trip = {3}, bool cond = {1}>"));
  const Layer& add = Find(net, "Add");
  EXPECT_EQ(add.repeat, 3);
  EXPECT_EQ(net.Totals().flops, 3 * 4);
}

TEST(Loader, MissingInputIsAnError) {
  std::string m = Model("(float[1,4] x) => (float[1,4] y)", "y = Add(x, ghost)");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, {}, "m.onnx"); }),
            "m.onnx: node 'Add_0' (Add) reads 'ghost', which is neither a graph input, an initializer nor a "
            "node output");
}

TEST(Loader, CycleIsAnErrorNamingItsNodes) {
  std::string m = Model("(float[1,4] x) => (float[1,4] y)", "a = Add(x, b)\n b = Relu(a)\n y = Relu(b)");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, {}, "m.onnx"); }),
            "m.onnx: graph has a cycle: 'Add_0' (Add) <- 'Relu_1' (Relu) <- 'Add_0' (Add)");
}

TEST(Loader, NodesOutOfOrderAreSortedWithAWarning) {
  std::string m = Model("(float[1,4] x) => (float[1,4] y)", "y = Relu(a)\n a = Sigmoid(x)");
  Network net = ParseOnnxText(m);
  ASSERT_EQ(net.layers.size(), 2u);
  EXPECT_EQ(net.layers[0].op_type, "Sigmoid");
  EXPECT_EQ(net.layers[1].op_type, "Relu");
  EXPECT_EQ(net.outputs[0].shape, (Shape{1, 4}));
  ASSERT_EQ(net.warnings.size(), 1u);
  EXPECT_EQ(net.warnings[0], "nodes are not stored in topological order; sorted (as ONNX Runtime does)");
}

TEST(Loader, NewerOpsetWarns) {
  Network net = ParseOnnxText(Model("(float[1,4] x) => (float[1,4] y)", "y = Relu(x)", "", 18));
  ASSERT_FALSE(net.warnings.empty());
  EXPECT_NE(net.warnings[0].find("opset 18"), std::string::npos);
}

TEST(Loader, UnknownCustomOpShapeIsAssumedAndWarned) {
  std::string text =
      "<ir_version: 8, opset_import: [\"\" : 13, \"com.acme\" : 1]>\n"
      "g (float[1,8] x) => (float[1,8] y) {\n  t = com.acme.Frobnicate(x)\n  y = Relu(t)\n}\n";
  Network net = ParseOnnxText(text);
  EXPECT_TRUE(net.layers[0].unknown_op);
  EXPECT_EQ(net.layers[1].outputs[0].shape, (Shape{1, 8}));
  ASSERT_FALSE(net.warnings.empty());
  EXPECT_NE(net.warnings[0].find("without an ONNX schema"), std::string::npos);
}

TEST(Loader, UnresolvableShapeNamesTensorAndNode) {
  // Reshape to a target read from a graph input: no bound can be stated.
  std::string m = Model("(float[1,8] x, int64[2] s) => (float[?,?] y)", "y = Reshape(x, s)");
  std::string e = ErrorOf([&] { ParseOnnxText(m, {}, "m.onnx"); });
  EXPECT_NE(e.find("m.onnx: cannot resolve static shapes of 1 tensor(s): 'y' (?x?) from node 'Reshape_0'"),
            std::string::npos)
      << e;
}

class LoaderFiles : public ::testing::Test {
 protected:
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("odonata_loader_test_" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
};

TEST_F(LoaderFiles, BadFilesGiveOneLineErrors) {
  EXPECT_EQ(ErrorOf([&] { LoadOnnx((dir_ / "absent.onnx").string()); }),
            (dir_ / "absent.onnx").string() + ": cannot open file");
  std::string empty = Write("empty.onnx", "");
  EXPECT_EQ(ErrorOf([&] { LoadOnnx(empty); }), empty + ": empty file, not an ONNX model");
  std::string text = Write("text.onnx", "this is not a model\n");
  EXPECT_EQ(ErrorOf([&] { LoadOnnx(text); }),
            text + ": not a valid ONNX model (protobuf parse failed: truncated or not ONNX)");
  // A real model cut short.
  std::ifstream in(std::string(ODONATA_SOURCE_DIR) + "/models/resnet18.onnx", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  std::string cut = Write("cut.onnx", bytes.substr(0, bytes.size() / 2));
  std::string e = ErrorOf([&] { LoadOnnx(cut); });
  EXPECT_EQ(e.find(cut + ": "), 0u) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos);
}

// A minimal protobuf encoder, enough to write ONNX models the text syntax
// cannot express (negative dims, names that are not UTF-8).
std::string Varint(std::uint64_t v) {
  std::string out;
  do {
    out += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return out;
}
std::string IntField(int field, std::int64_t v) { return Varint(field << 3) + Varint(static_cast<std::uint64_t>(v)); }
std::string BytesField(int field, const std::string& b) { return Varint((field << 3) | 2) + Varint(b.size()) + b; }
// ValueInfoProto of a float tensor with the given dims.
std::string FloatTensor(const std::string& name, const std::vector<std::int64_t>& dims) {
  std::string shape;
  for (std::int64_t d : dims) shape += BytesField(1, IntField(1, d));
  return BytesField(1, name) + BytesField(2, BytesField(1, IntField(1, 1) + BytesField(2, shape)));
}
// ir_version 8, opset 13, one Relu node `in` -> `out` named `node`, graph input `x`, output `y`.
std::string ReluModel(const std::string& x, const std::vector<std::int64_t>& dims, const std::string& in,
                      const std::string& node) {
  std::string n = BytesField(1, in) + BytesField(2, "y") + BytesField(3, node) + BytesField(4, "Relu");
  std::string g = BytesField(1, n) + BytesField(2, "g") + BytesField(11, FloatTensor(x, dims)) +
                  BytesField(12, FloatTensor("y", dims));
  return IntField(1, 8) + BytesField(8, IntField(2, 13)) + BytesField(7, g);
}

TEST(LoaderBytes, ParsesSerializedModelsFromMemory) {
  Network net = LoadOnnxFromBytes(ReluModel("x", {1, 4}, "x", "r"), {}, "mem.onnx");
  ASSERT_EQ(net.layers.size(), 1u);
  EXPECT_EQ(net.layers[0].outputs[0].shape, (Shape{1, 4}));
  EXPECT_EQ(ErrorOf([] { LoadOnnxFromBytes("\x08\x08\x3a", {}, "m.onnx"); }),
            "m.onnx: not a valid ONNX model (protobuf parse failed: truncated or not ONNX)");
  EXPECT_EQ(ErrorOf([] { LoadOnnxFromBytes("", {}, "m.onnx"); }), "m.onnx: empty file, not an ONNX model");
}

TEST(LoaderBytes, NegativeDimensionIsAnError) {
  // A negative dim_value is no size: read as unknown, it must be given.
  std::string e = ErrorOf([] { LoadOnnxFromBytes(ReluModel("x", {1, -3}, "x", "r"), {}, "neg.onnx"); });
  EXPECT_EQ(e, "neg.onnx: input 'x' has symbolic dimension at position 1; give --input-shape x=DIMS");
}

TEST(LoaderBytes, NamesThatAreNotUtf8StayOneLineAndRenderAsJson) {
  const std::string x = "x\xff\xfe";
  Network net = LoadOnnxFromBytes(ReluModel(x, {1, 4}, x, "relu\xc3"), {}, "bad.onnx");
  ASSERT_EQ(net.layers.size(), 1u);
  EXPECT_EQ(net.layers[0].name, "relu\xc3");
  Platform p = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json");
  std::ostringstream json;
  RenderJson(EstimateNetwork(net, p), json);  // invalid bytes are replaced, not thrown on
  EXPECT_NE(json.str().find("relu\xef\xbf\xbd"), std::string::npos) << json.str();
  std::string e = ErrorOf([&] { LoadOnnxFromBytes(ReluModel(x, {1, 4}, "ghost\xff", "r"), {}, "bad.onnx"); });
  EXPECT_EQ(e,
            "bad.onnx: node 'r' (Relu) reads 'ghost\xff', which is neither a graph input, an initializer nor a "
            "node output");
}

// Inputs found by fuzzing (fuzz/onnx_loader_fuzz), kept in tests/data/hostile/.
TEST(LoaderFuzzRegressions, NodesThatDoNotMatchTheirSchemaAreErrorsNotCrashes) {
  // libonnx-testdata's test_scan_sum with num_scan_inputs misspelled: ONNX 1.12's
  // Scan inference dereferenced the missing attribute.
  const std::string scan = std::string(ODONATA_SOURCE_DIR) + "/tests/data/hostile/scan_misspelled_attribute.onnx";
  EXPECT_EQ(ErrorOf([&] { LoadOnnx(scan); }),
            scan + ": node 'Scan_0' (Scan): Unrecognized attribute: num_scan_Inputs for operator Scan");
  // test_convtranspose_1d with the input's rank cut to 2: ONNX's inference read past the shape.
  const std::string ct = std::string(ODONATA_SOURCE_DIR) + "/tests/data/hostile/convtranspose_rank2_input.onnx";
  EXPECT_EQ(ErrorOf([&] { LoadOnnx(ct); }),
            ct + ": node 'ConvTranspose_0' (ConvTranspose): input 'X' has rank 2, needs at least 3 (N, C, spatial...)");
  // ../shared/regressions/fuzz_convpool_crash.onnx: libonnx-testdata's test_qlinearconv
  // with the input cut to rank 3 (the weight keeps rank 4). ONNX's Conv/Pool inference
  // read one kernel dim and one dilation past the input's spatial axes (SIGSEGV).
  const std::string qc = std::string(ODONATA_SOURCE_DIR) + "/tests/data/hostile/qlinearconv_weight_rank4_input_rank3.onnx";
  EXPECT_EQ(ErrorOf([&] { LoadOnnx(qc); }),
            qc + ": node 'QLinearConv_0' (QLinearConv): weight 'w' has rank 4, input 'x' rank 3");
  // Found by fuzz/run.sh (onnx_loader_fuzz, 2026-12-05, after 67,447 inputs): an initializer
  // whose dims' product overflows 64 bits; counting its elements (ConstantsAreWeights) was
  // signed overflow (UBSan). Now the model fails where any such model would.
  const std::string dims = std::string(ODONATA_SOURCE_DIR) + "/tests/data/hostile/initializer_dims_overflow.onnx";
  EXPECT_EQ(ErrorOf([&] { LoadOnnx(dims); }),
            dims + ": node 'GRU_0' (GRU) reads 'R', which is neither a graph input, an initializer nor a node output");
  // The same mismatch where the weight's rank is known only after inference (it
  // comes out of an Identity): ONNX's inference is guarded, and the node is named.
  std::string late = Model("(float[1,2,7] x) => (float[1,1,5] y)", "wi = Identity(w)\n y = Conv(x, wi)",
                           "<float[1,2,3,3] w = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "
                           "0.0, 0.0, 0.0, 0.0}>");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(late, {}, "late.onnx"); }),
            "late.onnx: node 'Conv_1' (Conv): weight 'wi' has rank 4, input 'x' rank 3");
  // Attribute lengths and values ONNX's inference indexes or divides by.
  std::string pads = Model("(float[1,2,7,7] x, float[1,2,3,3] w) => (float[1,1,5,5] y)", "y = Conv<pads=[0,0]>(x, w)");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(pads, {}, "p.onnx"); }),
            "p.onnx: node 'Conv_0' (Conv): pads has 2 values, the input 2 spatial axes");
  std::string stride0 =
      Model("(float[1,2,7,7] x) => (float[1,2,5,5] y)", "y = MaxPool<kernel_shape=[3,3], strides=[0,1]>(x)");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(stride0, {}, "s.onnx"); }),
            "s.onnx: node 'MaxPool_0' (MaxPool): strides holds 0 (at least 1)");
  // Found by fuzz/run.sh (onnx_loader_fuzz, 2026-12-05, after 959,506 inputs on main's cd235d4):
  // the third-party magika model mutated so that a ReduceProd of int64 values folds to 2.4e21;
  // converting that to int64 was undefined (UBSan, src/onnx/fold.cc). The fold is now left undone
  // and the model fails as one with shapes that depend on it does.
  const std::string prod = std::string(ODONATA_SOURCE_DIR) + "/tests/data/hostile/reduceprod_int64_overflow.onnx";
  const std::string prod_error = ErrorOf([&] { LoadOnnx(prod); });
  EXPECT_TRUE(prod_error.starts_with(prod + ": cannot resolve static shapes of 8 tensor(s): "
                                            "'model/layer_normalization_1/zeros:0' (unknown rank) from node "
                                            "'model/layer_normalization_1/zeros' (Expand); "))
      << prod_error;
  // The same overflow written out: a Range whose limit is the product of three int64 values.
  // 2 x 3 x 5 folds to 30 elements; 3e9^3 does not fit in int64, so the limit stays unknown and
  // so does every shape after it (before the fix: a value after undefined behaviour).
  auto product_range = [](const std::string& c) {
    return Model("(float[1] x) => (float[N] z)",
                 "p = ReduceProd<keepdims=0>(c)\n r = Range(zero, p, one)\n y = Cast<to=1>(r)\n z = Relu(y)",
                 "<int64[3] c = {" + c + "}, int64 zero = {0}, int64 one = {1}>");
  };
  EXPECT_EQ(ParseOnnxText(product_range("2, 3, 5")).outputs[0].shape, (Shape{30}));
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(product_range("3000000000, 3000000000, 3000000000"), {}, "r.onnx"); }),
            "r.onnx: cannot resolve static shapes of 3 tensor(s): 'r' (?) from node 'Range_1' (Range); 'y' (?) from node "
            "'Cast_2' (Cast); 'z' (?) from node 'Relu_3' (Relu)");
  // Found by fuzz/run.sh (onnx_loader_fuzz, 2026-12-05, after 244,048 inputs): libonnx-testdata's
  // test_maxunpool_export_without_output_shape with the indices input turned into a map. ONNX
  // 1.12's MaxUnpool inference reads dim 1 of the indices unchecked (SIGSEGV).
  const std::string mu = std::string(ODONATA_SOURCE_DIR) + "/tests/data/hostile/maxunpool_indices_map.onnx";
  EXPECT_EQ(ErrorOf([&] { LoadOnnx(mu); }),
            mu + ": node 'MaxUnpool_0' (MaxUnpool) reads input 'xI', which is a map, not a tensor: odonata "
                 "estimates models whose inputs are tensors");
  // The same read with tensor indices of the wrong rank: ONNX's inference is not run on the
  // node (it read past the shape), so the output stays unresolved and the node is named.
  std::string rank1 = Model("(float[1,1,2,2] x, int64[4] i) => (float z)",
                            "y = MaxUnpool<kernel_shape=[2,2], strides=[2,2]>(x, i)\n z = Relu(y)");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(rank1, {}, "u.onnx"); }),
            "u.onnx: cannot resolve static shapes of 1 tensor(s): 'y' (unknown rank) from node 'MaxUnpool_0' (MaxUnpool)");
  // Well-formed, it is sized: 2x2 unpooled by a 2x2 window at stride 2.
  std::string ok = Model("(float[1,3,2,2] x, int64[1,3,2,2] i) => (float[1,3,4,4] y)",
                         "y = MaxUnpool<kernel_shape=[2,2], strides=[2,2]>(x, i)");
  EXPECT_EQ(ParseOnnxText(ok, {}, "ok.onnx").layers.at(0).outputs.at(0).shape, (Shape{1, 3, 4, 4}));
  // A required attribute missing.
  std::string m = Model("(float[1,4] x) => (float[1,4] y)", "y = Cast(x)");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, {}, "m.onnx"); }),
            "m.onnx: node 'Cast_0' (Cast): Required attribute 'to' is missing.");
}

TEST_F(LoaderFiles, ModelOverProtobufLimitIsRejectedUnread) {
  // A sparse file: 2 GiB + 1 byte on paper, no disk or memory used.
  std::string big = (dir_ / "big.onnx").string();
  { std::ofstream(big, std::ios::binary) << "x"; }
  ASSERT_EQ(::truncate(big.c_str(), (std::int64_t{1} << 31) + 1), 0);
  EXPECT_EQ(ErrorOf([&] { LoadOnnx(big); }),
            big + ": file is larger than protobuf's 2 GB limit; store weights as external data");
}

TEST_F(LoaderFiles, WeightStrippedModelLoadsWithoutItsExternalData) {
  // The shipped models reference <name>.weights files that are not in the repository.
  std::string model = std::string(ODONATA_SOURCE_DIR) + "/models/resnet18.onnx";
  ASSERT_FALSE(std::filesystem::exists(std::string(ODONATA_SOURCE_DIR) + "/models/resnet18.weights"));
  Network net = LoadOnnx(model);
  EXPECT_EQ(net.name, "resnet18");
  EXPECT_EQ(net.Totals().params, 11689512);
}

// torchvision's MultiScaleRoIAlign as it exports, built by hand: N = 6 rois (batch index and 4
// coordinates) in `boxes`, a level per roi in `levels` (data: known only at run time); level k's
// rows are Gather(boxes, Squeeze(Transpose(NonZero(Equal(levels, k))))), its RoiAlign (2x2 bins,
// ratio 2) reads their coordinates and batch index, and a ScatterElements (axis 0) writes its
// output, through a Cast, back into one [6, 4, 2, 2] tensor. NonZero's bound gives every level
// all 6 rois; the levels' selections are disjoint, so each is estimated at ceil(6 / K) rois.
std::string MultiScaleRoiAlign(int levels, bool same_constant = false) {
  std::string sig = "(float[1,4,8,8] f0, float[1,4,4,4] f1, float[1,4,2,2] f2, float[6,5] boxes, int64[6] levels, "
                    "float[6,4,2,2] base) => (float[6,4,2,2] y)";
  std::string body, inits = "<int64[1] one = {1}, int64[4] cols = {1, 2, 3, 4}, int64 zero = {0}, "
                            "int64[4] col = {-1, 1, 1, 1}";
  std::string merged = "base";
  for (int k = 0; k < levels; ++k) {
    const std::string s = std::to_string(k);
    inits += ", int64 k" + s + " = {" + std::to_string(same_constant ? 0 : k) + "}";
    body += " e" + s + " = Equal(levels, k" + s + ")\n z" + s + " = NonZero(e" + s + ")\n t" + s + " = Transpose(z" + s +
            ")\n i" + s + " = Squeeze(t" + s + ", one)\n r" + s + " = Gather<axis=0>(boxes, i" + s + ")\n c" + s +
            " = Gather<axis=1>(r" + s + ", cols)\n g" + s + " = Gather<axis=1>(r" + s + ", zero)\n b" + s +
            " = Cast<to=7>(g" + s + ")\n a" + s + " = RoiAlign<output_height=2, output_width=2, sampling_ratio=2>(f" +
            s + ", c" + s + ", b" + s + ")\n u" + s + " = Cast<to=1>(a" + s + ")\n h" + s + " = Shape(u" + s +
            ")\n q" + s + " = Reshape(i" + s + ", col)\n x" + s + " = Expand(q" + s + ", h" + s + ")\n";
    const std::string out = k + 1 == levels ? "y" : "m" + s;
    body += " " + out + " = ScatterElements<axis=0>(" + merged + ", x" + s + ", u" + s + ")\n";
    merged = out;
  }
  return Model(sig, body, inits + ">");
}

TEST(LoaderRoiLevels, MultiScaleRoiAlignLevelsShareTheRois) {
  const Network net = ParseOnnxText(MultiScaleRoiAlign(2));
  std::vector<const Layer*> roi, scatter;
  for (const Layer& l : net.layers) {
    if (l.op_type == "RoiAlign") roi.push_back(&l);
    if (l.op_type == "ScatterElements") scatter.push_back(&l);
  }
  ASSERT_EQ(roi.size(), 2u);
  ASSERT_EQ(scatter.size(), 2u);
  // Each level at ceil(6 / 2) = 3 rois: 3 x 4 channels x 2x2 bins = 48 outputs x 4 points x 4 taps.
  for (const Layer* r : roi) {
    SCOPED_TRACE(r->name);
    EXPECT_EQ(r->inputs[1].shape, (Shape{3, 4}));
    EXPECT_EQ(r->inputs[2].shape, (Shape{3}));
    EXPECT_EQ(r->outputs[0].shape, (Shape{3, 4, 2, 2}));
    EXPECT_EQ(r->counts.macs, 48 * 16);
    EXPECT_TRUE(r->data_dependent);
  }
  // The ScatterElements: the merged data keeps its 6 rows (96 elements), indices and updates 3
  // rows (48 each); the Cast between RoiAlign and ScatterElements moves 48 elements.
  for (const Layer* s : scatter) {
    SCOPED_TRACE(s->name);
    EXPECT_EQ(s->inputs[0].shape, (Shape{6, 4, 2, 2}));
    EXPECT_EQ(s->inputs[1].shape, (Shape{3, 4, 2, 2}));
    EXPECT_EQ(s->inputs[2].shape, (Shape{3, 4, 2, 2}));
    EXPECT_EQ(s->counts.input_elems, 96 + 48 + 48);
    EXPECT_EQ(s->counts.output_elems, 96);
  }
  EXPECT_EQ(Find(net, "Cast").outputs[0].shape, (Shape{3}));  // b0, the batch indices
  // The selection itself keeps the bound (its Gather of all 6 rows).
  EXPECT_EQ(Find(net, "Gather").outputs[0].shape, (Shape{6, 5}));
  EXPECT_EQ(net.Totals().macs, 2 * 48 * 16);
  const std::string expected =
      "MultiScaleRoIAlign: 2 RoiAlign ('" + roi[0]->name + "', '" + roi[1]->name + "') take disjoint selections of the 6 rois of 'boxes' (one level "
      "each); each is estimated at ceil(6 / 2) = 3 rois, as are the updates of the 2 ScatterElements that merge them "
      "(an assumption: the real split depends on the roi sizes)";
  EXPECT_NE(std::find(net.warnings.begin(), net.warnings.end(), expected), net.warnings.end());

  // Three levels: ceil(6 / 3) = 2 rois each (32 outputs x 16).
  const Network three = ParseOnnxText(MultiScaleRoiAlign(3));
  int levels = 0;
  for (const Layer& l : three.layers) {
    if (l.op_type != "RoiAlign") continue;
    ++levels;
    EXPECT_EQ(l.counts.macs, 2 * 16 * 16) << l.name;
  }
  EXPECT_EQ(levels, 3);

  // Two RoiAlign selecting the same level (Equal to the same constant): not disjoint, the bound stays.
  const Network same = ParseOnnxText(MultiScaleRoiAlign(2, true));
  for (const Layer& l : same.layers) {
    if (l.op_type == "RoiAlign") EXPECT_EQ(l.counts.macs, 96 * 16) << l.name;
    if (l.op_type == "ScatterElements") EXPECT_EQ(l.inputs[2].shape, (Shape{6, 4, 2, 2})) << l.name;
  }
  for (const std::string& w : same.warnings) EXPECT_EQ(w.find("MultiScaleRoIAlign"), std::string::npos) << w;

  // One level alone: nothing to share.
  const Network one = ParseOnnxText(MultiScaleRoiAlign(1));
  EXPECT_EQ(Find(one, "RoiAlign").counts.macs, 96 * 16);
}

}  // namespace
}  // namespace odonata

namespace odonata {
namespace {

// Silero VAD's pattern: an If on a scalar input (sr == 16000) whose branches
// give different shapes.
std::string IfOnInput() {
  return testing::Model("(float[1,4] x, int64 sr) => (float[1,?] y)",
                        "c = Equal(sr, k)\n"
                        " y = If(c) <then_branch = g1 () => (float[1,4] t) { t = Relu(x) },"
                        " else_branch = g2 () => (float[1,8] e) { e = Concat<axis=1>(x, x) }>",
                        "<int64 k = {16000}>");
}

TEST(LoaderInputValues, AValueResolvesAnIfOnTheInput) {
  LoadOptions o;
  o.input_values["sr"] = {16000};
  Network net = ParseOnnxText(IfOnInput(), o);
  ASSERT_EQ(net.layers.size(), 1u);
  EXPECT_EQ(net.layers[0].op_type, "Relu");
  EXPECT_EQ(net.outputs[0].shape, (Shape{1, 4}));
  ASSERT_EQ(net.inputs.size(), 2u);  // sr stays an input
  EXPECT_EQ(net.inputs[1].name, "sr");
  o.input_values["sr"] = {8000};
  net = ParseOnnxText(IfOnInput(), o);
  EXPECT_EQ(Find(net, "Concat").outputs[0].shape, (Shape{1, 8}));
  EXPECT_EQ(net.outputs[0].shape, (Shape{1, 8}));
}

TEST(LoaderInputValues, BadValuesAreErrorsNamingTheInput) {
  LoadOptions o;
  o.input_values["rate"] = {1};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(IfOnInput(), o, "m.onnx"); }),
            "m.onnx: --input-value: the model has no input named 'rate' (inputs: x, sr)");
  o.input_values = {{"sr", {1, 2}}};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(IfOnInput(), o, "m.onnx"); }),
            "m.onnx: --input-value sr: input 'sr' has 1 element(s) (shape scalar), 2 value(s) given");
  o.input_values = {{"sr", {0.5}}};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(IfOnInput(), o, "m.onnx"); }),
            "m.onnx: --input-value sr: input 'sr' holds integers, not 0.5");
}

}  // namespace
}  // namespace odonata

namespace odonata {
namespace {

TEST(LoaderInputValues, WithoutAValueBothBranchesAreAnUpperBound) {
  Network net = ParseOnnxText(IfOnInput(), {}, "m.onnx");
  // The condition (Equal on sr), the If and both branches are layers; the
  // output takes the larger branch's shape.
  ASSERT_EQ(net.layers.size(), 4u);
  EXPECT_TRUE(Named(net, "If_1/then_branch/Relu_0").data_dependent);
  EXPECT_TRUE(Named(net, "If_1/else_branch/Concat_0").data_dependent);
  EXPECT_EQ(net.outputs[0].shape, (Shape{1, 8}));
  ASSERT_EQ(net.warnings.size(), 1u);
  EXPECT_EQ(net.warnings[0],
            "If 'If_1' (If): condition depends on the value of input 'sr'; both branches are counted (upper bound); "
            "--input-value sr=V picks one");
}

// Silero VAD's 8 kHz branch fed a 16 kHz-sized input (ONNX Runtime fails in
// it too): a branch that cannot run with the input shapes is dropped, not an
// error, and the warning says which branch is counted and why.
TEST(LoaderInputValues, ABranchThatCannotRunWithTheShapesIsDropped) {
  std::string m = testing::Model("(float[1,4] x, int64 sr) => (float[?,?] y)",
                                 "c = Equal(sr, k)\n"
                                 " y = If(c) <then_branch = g1 () => (float[?,?] t) { t = MatMul(x, w4) },"
                                 " else_branch = g2 () => (float[?,?] e) { h = MatMul(x, w8)\n e = Relu(h) }>",
                                 "<int64 k = {16000}, float[4,2] w4 = {1,2,3,4,5,6,7,8},"
                                 " float[8,2] w8 = {1,2,3,4,5,6,7,8,1,2,3,4,5,6,7,8}>");
  Network net = ParseOnnxText(m, {}, "m.onnx");
  // (Branch outputs of unknown shape: declared static ones would resolve the If
  // without inlining it.)
  ASSERT_EQ(net.layers.size(), 2u);  // Equal and the then branch's MatMul
  EXPECT_EQ(net.layers[1].name, "If_1/then_branch/MatMul_0");
  EXPECT_EQ(net.layers[1].counts.macs, 8);
  EXPECT_EQ(net.outputs[0].shape, (Shape{1, 2}));
  ASSERT_EQ(net.warnings.size(), 1u);
  EXPECT_EQ(net.warnings[0],
            "If 'If_1': condition depends on the value of input 'sr'; else_branch cannot run with these input shapes "
            "(node 'If_1/else_branch/MatMul_0' (MatMul) gets no output shape), so only then_branch is counted; "
            "--input-value sr=V picks one");
  // Both branches unresolvable stays an error naming the tensors.
  std::string both = testing::Model("(float[1,4] x, int64 sr) => (float[?,?] y)",
                                    "c = Equal(sr, k)\n"
                                    " y = If(c) <then_branch = g1 () => (float[?,?] t) { t = MatMul(x, w8) },"
                                    " else_branch = g2 () => (float[?,?] e) { e = MatMul(x, w8) }>",
                                    "<int64 k = {16000}, float[8,2] w8 = {1,2,3,4,5,6,7,8,1,2,3,4,5,6,7,8}>");
  EXPECT_NE(ErrorOf([&] { ParseOnnxText(both, {}, "m.onnx"); }).find("m.onnx: cannot resolve static shapes"),
            std::string::npos);
}

}  // namespace
}  // namespace odonata

namespace odonata {
namespace {

// onnxruntime-extensions pre-processing (superres_prepost_op18): DecodeImage
// makes an image whose size is in the encoded bytes. Estimated at a default
// size with a warning, or at the size given with --input-shape on its output;
// the shape arithmetic after it (Shape, opset-18 Split, Concat) folds.
std::string DecodedImage() {
  return "<ir_version: 8, opset_import: [\"\" : 18, \"com.microsoft.extensions\" : 1]>\n"
         "g (uint8[100] image) => (float[?,?,?] y)\n"
         "<int64[2] zero2 = {0, 0}, int64[2] axes01 = {0, 1}>\n"
         "{\n img = com.microsoft.extensions.DecodeImage(image)\n s = Shape(img)\n"
         " h, w, c = Split<axis=0>(s)\n hw = Concat<axis=0>(h, w)\n z = Slice(img, zero2, hw, axes01)\n"
         " f = Cast<to=1>(z)\n y = Relu(f)\n}\n";
}

TEST(LoaderCustomOps, DecodedImageTakesADefaultSizeOrTheGivenOne) {
  Network net = ParseOnnxText(DecodedImage(), {}, "m.onnx");
  EXPECT_EQ(Find(net, "DecodeImage").outputs[0].shape, (Shape{480, 640, 3}));
  EXPECT_EQ(Find(net, "DecodeImage").outputs[0].dtype, DataType::kUInt8);
  EXPECT_EQ(net.outputs[0].shape, (Shape{480, 640, 3}));
  EXPECT_EQ(Find(net, "Relu").counts.flops, 480 * 640 * 3);
  ASSERT_EQ(net.warnings.size(), 2u);  // opset 18, and the image size
  EXPECT_EQ(net.warnings[1],
            "output 'img' of node 'DecodeImage_0' (DecodeImage) is an image whose size is only known once decoded; "
            "estimated as 480x640x3 (HxWx3; give --input-shape img=HxWx3)");
  LoadOptions o;
  o.input_shapes["img"] = {100, 200, 3};
  net = ParseOnnxText(DecodedImage(), o, "m.onnx");
  EXPECT_EQ(net.outputs[0].shape, (Shape{100, 200, 3}));
  EXPECT_EQ(net.warnings.size(), 1u);
  o.input_shapes["img"] = {100, 200};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(DecodedImage(), o, "m.onnx"); }),
            "m.onnx: --input-shape img=100x200: the output of node 'DecodeImage_0' (DecodeImage) is a decoded image, "
            "HxWx3");
  // Only graph inputs and outputs of ops without a shape function can be named.
  o.input_shapes = {{"s", {3}}};
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(DecodedImage(), o, "m.onnx"); }),
            "m.onnx: --input-shape: the model has no input named 's' (inputs: image)");
}

TEST(LoaderCounts, ConstantNodeWeightsAreParametersWhenTheModelHasNoOthers) {
  // paddle2onnx's way: every weight in a Constant node, no initializers.
  std::string m = Model("(float[1,3] x) => (float[1,2] y)",
                        "w = Constant<value = float[3,2] {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}>()\n"
                        " b = Constant<value = float[2] {0.5, 0.5}>()\n"
                        " h = MatMul(x, w)\n y = Add(h, b)");
  Network net = ParseOnnxText(m);
  EXPECT_EQ(Find(net, "MatMul").counts.params, 6);
  EXPECT_EQ(net.Totals().params, 8);
  // With a weight initializer the model's Constant nodes are buffers, as before.
  std::string with_init = Model("(float[1,3] x) => (float[1,2] y)",
                                "b = Constant<value = float[1,2] {0.5, 0.5}>()\n h = MatMul(x, w)\n y = Add(h, b)",
                                "<float[3,2] w = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}>");
  EXPECT_EQ(ParseOnnxText(with_init).Totals().params, 6);
}

TEST(LoaderCounts, ZeroSizedDimensionWarns) {
  Network net = ParseOnnxText(Model("(float[1,0,4] x) => (float[1,0,4] y)", "y = Relu(x)"));
  EXPECT_EQ(net.Totals().flops, 0);
  ASSERT_EQ(net.warnings.size(), 1u);
  EXPECT_EQ(net.warnings[0], "1 tensor(s) have a zero-sized dimension and cost nothing (first: 'y' (1x0x4, from node 'Relu_0'))");
}

}  // namespace
}  // namespace odonata
