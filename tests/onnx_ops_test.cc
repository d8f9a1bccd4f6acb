// Ops ONNX 1.12 has no (right) schema for: ai.onnx opsets 18-21 and ONNX
// Runtime's com.microsoft ops (src/onnx/schemas.cc). Each: output shapes and
// the layer's counts, computed by hand.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

#include "odonata/estimator.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "onnx/defs/schema.h"
#include "onnx/schemas.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::ErrorOf;
using testing::Find;

// A model importing the default domain at `opset` and com.microsoft at 1.
std::string Ms(const std::string& signature, const std::string& body, const std::string& inits = "", int opset = 13) {
  return "<ir_version: 8, opset_import: [\"\" : " + std::to_string(opset) +
         ", \"com.microsoft\" : 1]>\ng " + signature + "\n" + inits + "\n{\n" + body + "\n}\n";
}

std::string Op18(const std::string& signature, const std::string& body, const std::string& inits = "",
                 int opset = 18) {
  return testing::Model(signature, body, inits, opset);
}

Shape Out(const Network& net, const std::string& op, std::size_t o = 0) { return Find(net, op).outputs.at(o).shape; }

TEST(Opset18, SplitNumOutputsGivesEqualPartsAndASmallerLast) {
  Network net = ParseOnnxText(Op18("(float[2,7] x) => (float[2,4] a, float[2,3] b)", "a, b = Split<axis=1, num_outputs=2>(x)"));
  EXPECT_EQ(Out(net, "Split", 0), (Shape{2, 4}));
  EXPECT_EQ(Out(net, "Split", 1), (Shape{2, 3}));
  // The split input still works at 18.
  net = ParseOnnxText(Op18("(float[2,7] x) => (float[2,5] a, float[2,2] b)", "a, b = Split<axis=1>(x, s)",
                           "<int64[2] s = {5, 2}>"));
  EXPECT_EQ(Out(net, "Split", 0), (Shape{2, 5}));
  EXPECT_EQ(Out(net, "Split", 1), (Shape{2, 2}));
}

// Split and the opset-18 Reduce ops on known values fold (as a runtime folds
// them): shape arithmetic through them gives static shapes.
TEST(Opset18, SplitAndReduceOfKnownValuesFold) {
  // Shape(x) = [2, 7, 3]: num_outputs=2 gives [2, 7] and [3]; ReduceMax with no
  // axes input reduces everything, to 7.
  Network net = ParseOnnxText(
      Op18("(float[2,7,3] x, float[14] z, float[7] v) => (float[?,?] y, float[?] w)",
           "s = Shape(x)\n a, b = Split<axis=0, num_outputs=2>(s)\n y = Reshape(z, a)\n"
           " m = ReduceMax<keepdims=0>(s)\n u = Unsqueeze(m, zero)\n w = Reshape(v, u)",
           "<int64[1] zero = {0}>"));
  EXPECT_EQ(net.outputs[0].shape, (Shape{2, 7}));
  EXPECT_EQ(net.outputs[1].shape, (Shape{7}));
  // Opset 13: sizes from the split input, along axis 0 of a 2-D value.
  net = ParseOnnxText(testing::Model("(float[21] z) => (float[?,?,?,?] y)",
                                     "a, b = Split<axis=0>(c, sizes)\n f = Flatten<axis=0>(b)\n"
                                     " r = Reshape(f, minus1)\n y = Reshape(z, r)",
                                     "<int64[3,2] c = {9, 9, 7, 3, 1, 1}, int64[2] sizes = {1, 2},"
                                     " int64[1] minus1 = {-1}>"));
  // b = [[7, 3], [1, 1]] -> flattened [7, 3, 1, 1]
  EXPECT_EQ(net.outputs[0].shape, (Shape{7, 3, 1, 1}));
}

TEST(Opset18, ReduceOpsTakeAxesAsAnInput) {
  Network net = ParseOnnxText(Op18("(float[2,3,4] x) => (float[2,1,4] y)", "y = ReduceMean(x, ax)", "<int64[1] ax = {1}>"));
  EXPECT_EQ(Out(net, "ReduceMean"), (Shape{2, 1, 4}));
  EXPECT_EQ(Find(net, "ReduceMean").counts.flops, 24);  // one op per input element
  net = ParseOnnxText(Op18("(float[2,3,4] x) => (float[3] y)", "y = ReduceMax<keepdims=0>(x, ax)", "<int64[2] ax = {0, -1}>"));
  EXPECT_EQ(Out(net, "ReduceMax"), (Shape{3}));
  // No axes: all of them; noop_with_empty_axes: none.
  net = ParseOnnxText(Op18("(float[2,3] x) => (float[1,1] y)", "y = ReduceL2(x)"));
  EXPECT_EQ(Out(net, "ReduceL2"), (Shape{1, 1}));
  net = ParseOnnxText(Op18("(float[2,3] x) => (float[2,3] y)", "y = ReduceSumSquare<noop_with_empty_axes=1>(x)"));
  EXPECT_EQ(Out(net, "ReduceSumSquare"), (Shape{2, 3}));
  net = ParseOnnxText(Op18("(float[2,3] x) => (float[2] y)", "y = ReduceMin<keepdims=0>(x, ax)", "<int64[1] ax = {1}>", 20));
  EXPECT_EQ(Out(net, "ReduceMin"), (Shape{2}));
}

TEST(Opset18, PadWithAxes) {
  Network net = ParseOnnxText(
      Op18("(float[1,2,5,5] x) => (float[1,2,8,6] y)", "y = Pad(x, p, , ax)", "<int64[4] p = {1, 0, 2, 1}, int64[2] ax = {2, 3}>"));
  EXPECT_EQ(Out(net, "Pad"), (Shape{1, 2, 8, 6}));
  net = ParseOnnxText(Op18("(float[1,2,5] x) => (float[1,2,7] y)", "y = Pad<mode=\"wrap\">(x, p)", "<int64[6] p = {0, 0, 1, 0, 0, 1}>", 19));
  EXPECT_EQ(Out(net, "Pad"), (Shape{1, 2, 7}));
}

TEST(Opset18, ResizeAxesAntialiasAndAspectRatioPolicy) {
  Network net = ParseOnnxText(Op18("(float[1,3,8,6] x) => (float[1,3,16,12] y)",
                                   "y = Resize<mode=\"linear\", antialias=1, axes=[2, 3]>(x, , s)", "<float[2] s = {2.0, 2.0}>"));
  EXPECT_EQ(Out(net, "Resize"), (Shape{1, 3, 16, 12}));
  // 2-D bilinear: 4 neighbours, 7 ops per output element.
  EXPECT_EQ(Find(net, "Resize").counts.flops, 3 * 16 * 12 * 7);
  net = ParseOnnxText(Op18("(float[1,3,8,6] x) => (float[1,3,4,3] y)",
                           "y = Resize<keep_aspect_ratio_policy=\"not_larger\", axes=[2, 3]>(x, , , sz)",
                           "<int64[2] sz = {4, 4}>"));
  EXPECT_EQ(Out(net, "Resize"), (Shape{1, 3, 4, 3}));  // scale min(4/8, 4/6) = 0.5
}

TEST(Opset18, PoolsWithDilationsAndCeilMode) {
  Network net = ParseOnnxText(Op18("(float[1,1,9,9] x) => (float[1,1,5,5] y)",
                                   "y = AveragePool<kernel_shape=[3,3], dilations=[2,2]>(x)", "", 19));
  EXPECT_EQ(Out(net, "AveragePool"), (Shape{1, 1, 5, 5}));  // (9 - 5) / 1 + 1
  EXPECT_EQ(Find(net, "AveragePool").counts.flops, 25 * 9);
  net = ParseOnnxText(Op18("(float[1,1,8,8] x) => (float[1,1,3,3] y)",
                           "y = LpPool<kernel_shape=[3,3], strides=[3,3], ceil_mode=1>(x)"));
  EXPECT_EQ(Out(net, "LpPool"), (Shape{1, 1, 3, 3}));
}

TEST(Opset18, TypeOnlyChangesAndNewAttributesVerify) {
  Network net = ParseOnnxText(Op18("(float[2,3] x) => (float16[2,3] y)", "y = Cast<to=10, saturate=0>(x)", "", 19));
  EXPECT_EQ(Find(net, "Cast").outputs[0].dtype, DataType::kFloat16);
  net = ParseOnnxText(Op18("(float[2,4] x) => (uint8[2,4] y)", "y = QuantizeLinear<saturate=1>(x, s, z)",
                           "<float s = {0.1}, uint8 z = {0}>", 19));
  EXPECT_EQ(Out(net, "QuantizeLinear"), (Shape{2, 4}));
}

TEST(Opset18, NewOps) {
  Network net = ParseOnnxText(Op18("(float[2,5] x) => (float[2,5] y)", "y = Gelu(x)", "", 20));
  EXPECT_EQ(Out(net, "Gelu"), (Shape{2, 5}));
  EXPECT_EQ(Find(net, "Gelu").counts.flops, 40);
  net = ParseOnnxText(Op18("(float[2,5] x) => (float[2,5] y)", "y = Mish(x)"));
  EXPECT_EQ(Out(net, "Mish"), (Shape{2, 5}));
  net = ParseOnnxText(Op18("(float[1,4,3,3] x) => (float[1,4,3,3] y)", "y = GroupNormalization<num_groups=2>(x, s, b)",
                           "<float[4] s = {1.0, 1.0, 1.0, 1.0}, float[4] b = {0.0, 0.0, 0.0, 0.0}>", 21));
  EXPECT_EQ(Out(net, "GroupNormalization"), (Shape{1, 4, 3, 3}));
  EXPECT_EQ(Find(net, "GroupNormalization").counts.flops, 5 * 36);
  net = ParseOnnxText(Op18("(int32[2,1] a, int32[3] b) => (int32[2,3] y)", "y = BitwiseAnd(a, b)"));
  EXPECT_EQ(Out(net, "BitwiseAnd"), (Shape{2, 3}));
  net = ParseOnnxText(Op18("(float[5,7,3] x) => (float[4,9,3] y)", "y = CenterCropPad<axes=[0, 1]>(x, s)",
                           "<int64[2] s = {4, 9}>"));
  EXPECT_EQ(Out(net, "CenterCropPad"), (Shape{4, 9, 3}));
}

TEST(LayerNormalizationBeforeOpset17, HasMeanAndInvStdDevOutputs) {
  // ONNX Runtime's contrib LayerNormalization, written into opset-9 models by its optimizer.
  Network net = ParseOnnxText(testing::Model("(float[2,3,8] x) => (float[2,3,8] y)",
                                             "y, m, v = LayerNormalization<axis=-1>(x, s, b)",
                                             "<float[8] s = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, "
                                             "float[8] b = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}>",
                                             9));
  EXPECT_EQ(Out(net, "LayerNormalization", 0), (Shape{2, 3, 8}));
  EXPECT_EQ(Out(net, "LayerNormalization", 1), (Shape{2, 3, 1}));
  EXPECT_EQ(Find(net, "LayerNormalization").counts.flops, 5 * 48);
}

TEST(ComMicrosoft, FusedConvIsAConvolution) {
  Network net = ParseOnnxText(Ms("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                                 "y = com.microsoft.FusedConv<activation=\"Relu\", pads=[1,1,1,1]>(x, w, b)",
                                 "<float[4,3,3,3] w = {0.0}, float[4] b = {0.0, 0.0, 0.0, 0.0}>"));
  const Layer& l = Find(net, "FusedConv");
  EXPECT_EQ(l.outputs[0].shape, (Shape{1, 4, 8, 8}));
  EXPECT_EQ(l.op_class, OpClass::kConv);
  EXPECT_EQ(l.window.kernel, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(l.counts.macs, 4 * 64 * 27);
  EXPECT_EQ(l.counts.params, 4 * 27 + 4);
}

TEST(ComMicrosoft, FusedMatMulWithTransposeAndFusedGemm) {
  Network net = ParseOnnxText(Ms("(float[2,8,5] a, float[2,6,8] b) => (float[2,5,6] y)",
                                 "y = com.microsoft.FusedMatMul<transA=1, transB=1, alpha=1.0>(a, b)"));
  const Layer& l = Find(net, "FusedMatMul");
  EXPECT_EQ(l.outputs[0].shape, (Shape{2, 5, 6}));
  EXPECT_EQ(l.counts.macs, 2 * 5 * 6 * 8);
  net = ParseOnnxText(Ms("(float[3,4] a, float[5,4] b) => (float[3,5] y)", "y = com.microsoft.FusedGemm<transB=1>(a, b)"));
  EXPECT_EQ(Out(net, "FusedGemm"), (Shape{3, 5}));
  EXPECT_EQ(Find(net, "FusedGemm").counts.macs, 60);
}

TEST(ComMicrosoft, ElementwiseFusionsKeepTheInputShape) {
  for (const char* op : {"Gelu", "FastGelu", "BiasGelu", "QuickGelu"}) {
    Network net = ParseOnnxText(Ms("(float[2,3,4] x, float[4] b) => (float[2,3,4] y)",
                                   std::string("y = com.microsoft.") + op + "(x, b)"));
    EXPECT_EQ(Out(net, op), (Shape{2, 3, 4})) << op;
    EXPECT_EQ(Find(net, op).counts.flops, 4 * 24) << op;
    EXPECT_FALSE(Find(net, op).unknown_op) << op;
  }
}

TEST(ComMicrosoft, SkipLayerNormalization) {
  Network net = ParseOnnxText(Ms("(float[2,3,4] x, float[2,3,4] s, float[4] g, float[4] b) => (float[2,3,4] y)",
                                 "y, m, v, sum = com.microsoft.SkipLayerNormalization<epsilon=0.00001>(x, s, g, b)"));
  const Layer& l = Find(net, "SkipLayerNormalization");
  EXPECT_EQ(l.outputs[0].shape, (Shape{2, 3, 4}));
  EXPECT_EQ(l.outputs[1].shape, (Shape{2, 3, 1}));
  EXPECT_EQ(l.outputs[3].shape, (Shape{2, 3, 4}));
  EXPECT_EQ(l.op_class, OpClass::kNorm);
}

TEST(ComMicrosoft, AttentionAndMultiHeadAttention) {
  Network net = ParseOnnxText(Ms("(float[2,5,16] x, float[16,48] w, float[48] b) => (float[2,5,16] y)",
                                 "y, present = com.microsoft.Attention<num_heads=4>(x, w, b)"));
  EXPECT_EQ(Out(net, "Attention", 0), (Shape{2, 5, 16}));
  EXPECT_EQ(Out(net, "Attention", 1), (Shape{2, 2, 4, 5, 4}));
  net = ParseOnnxText(Ms("(float[2,5,16] q, float[2,7,16] k, float[2,7,8] v) => (float[2,5,8] y)",
                         "y = com.microsoft.MultiHeadAttention<num_heads=4>(q, k, v)"));
  EXPECT_EQ(Out(net, "MultiHeadAttention"), (Shape{2, 5, 8}));
}

TEST(ComMicrosoft, QLinearOps) {
  const std::string q = "<float s = {0.1}, uint8 z = {128}>";
  Network net = ParseOnnxText(Ms("(uint8[1,4,6,6] a, uint8[1,4,1,1] b) => (uint8[1,4,6,6] y)",
                                 "y = com.microsoft.QLinearAdd(a, s, z, b, s, z, s, z)", q));
  EXPECT_EQ(Out(net, "QLinearAdd"), (Shape{1, 4, 6, 6}));
  EXPECT_EQ(Find(net, "QLinearAdd").counts.flops, 144);
  net = ParseOnnxText(Ms("(uint8[1,4,6,6] a, uint8[1,4,6,6] b) => (uint8[1,4,6,6] y)",
                         "y = com.microsoft.QLinearMul(a, s, z, b, s, z, s, z)", q));
  EXPECT_EQ(Out(net, "QLinearMul"), (Shape{1, 4, 6, 6}));
  net = ParseOnnxText(Ms("(uint8[1,4,6,6] a, uint8[1,2,6,6] b) => (uint8[1,6,6,6] y)",
                         "y = com.microsoft.QLinearConcat<axis=1>(s, z, a, s, z, b, s, z)", q));
  EXPECT_EQ(Out(net, "QLinearConcat"), (Shape{1, 6, 6, 6}));
  net = ParseOnnxText(Ms("(uint8[1,4,6,6] a) => (uint8[1,4,1,1] y)", "y = com.microsoft.QLinearGlobalAveragePool(a, s, z, s, z)", q));
  EXPECT_EQ(Out(net, "QLinearGlobalAveragePool"), (Shape{1, 4, 1, 1}));
  EXPECT_EQ(Find(net, "QLinearGlobalAveragePool").counts.flops, 144);
  net = ParseOnnxText(Ms("(uint8[1,4,6,6] a) => (uint8[1,4,3,3] y)",
                         "y = com.microsoft.QLinearAveragePool<kernel_shape=[2,2], strides=[2,2]>(a, s, z, s, z)", q));
  EXPECT_EQ(Out(net, "QLinearAveragePool"), (Shape{1, 4, 3, 3}));
  EXPECT_EQ(Find(net, "QLinearAveragePool").counts.flops, 36 * 4);
  for (const char* op : {"QLinearSigmoid", "QLinearSoftmax", "QLinearLeakyRelu"}) {
    net = ParseOnnxText(Ms("(uint8[2,10] a) => (uint8[2,10] y)", std::string("y = com.microsoft.") + op + "(a, s, z, s, z)", q));
    EXPECT_EQ(Out(net, op), (Shape{2, 10})) << op;
    EXPECT_FALSE(Find(net, op).unknown_op) << op;
  }
  net = ParseOnnxText(Ms("(uint8[3,4] a, uint8[4,5] b) => (float[3,5] y)",
                         "y = com.microsoft.QGemm(a, s, z, b, s, z, , , )", q));
  EXPECT_EQ(Out(net, "QGemm"), (Shape{3, 5}));
  EXPECT_EQ(Find(net, "QGemm").outputs[0].dtype, DataType::kFloat32);
  EXPECT_EQ(Find(net, "QGemm").counts.macs, 60);
}

TEST(ComMicrosoft, DynamicQuantizeOps) {
  Network net = ParseOnnxText(Ms("(float[3,4] a, uint8[4,5] b) => (float[3,5] y)",
                                 "y = com.microsoft.DynamicQuantizeMatMul(a, b, s, z)", "<float s = {0.1}, uint8 z = {0}>"));
  EXPECT_EQ(Out(net, "DynamicQuantizeMatMul"), (Shape{3, 5}));
  EXPECT_EQ(Find(net, "DynamicQuantizeMatMul").counts.macs, 60);
  net = ParseOnnxText(Ms("(float[6,1,8] x, int8[1,8,64] w, int8[1,16,64] r) => (float[6,1,1,16] y)",
                         "y, h, c = com.microsoft.DynamicQuantizeLSTM<hidden_size=16>(x, w, r, , , , , , s, z, s, z)",
                         "<float s = {0.1}, int8 z = {0}>"));
  EXPECT_EQ(Out(net, "DynamicQuantizeLSTM", 0), (Shape{6, 1, 1, 16}));
  EXPECT_EQ(Out(net, "DynamicQuantizeLSTM", 1), (Shape{1, 1, 16}));
  // Costed as the LSTM it quantizes (class rnn): 6 steps x (8 x 64 + 16 x 64) = 9216 MACs; FLOPs
  // 2 x 9216 + 6 steps x 16 hidden units x 32.
  const Layer& q = Find(net, "DynamicQuantizeLSTM");
  EXPECT_FALSE(q.unknown_op);
  EXPECT_EQ(q.op_class, OpClass::kRecurrent);
  EXPECT_EQ(q.counts.macs, 9216);
  EXPECT_EQ(q.counts.flops, 2 * 9216 + 6 * 16 * 32);
  EXPECT_EQ(LayerDim(q, "out_c"), 16);  // hidden_size, not R's last dim (4 x hidden)
  EXPECT_EQ(LayerDim(q, "in_c"), 8);
  EXPECT_EQ(LayerDim(q, "spatial"), 6);
  EXPECT_EQ(q.counts.params, 4);  // w and r are graph inputs here: the scale and zero point, each read twice
  // DynamicQuantizeLinear (ai.onnx) is costed: min, max, scale and round per element.
  net = ParseOnnxText(testing::Model("(float[2,8] x) => (uint8[2,8] y)", "y, s, z = DynamicQuantizeLinear(x)"));
  EXPECT_FALSE(Find(net, "DynamicQuantizeLinear").unknown_op);
  EXPECT_EQ(Find(net, "DynamicQuantizeLinear").counts.flops, 64);
}

TEST(ComMicrosoft, BadNodesAreErrorsNotCrashes) {
  // A FusedConv whose weight rank disagrees with its input: named, not inferred.
  std::string m = Ms("(float[1,3,8] x, float[4,3,3,3] w) => (float[1,4,6] y)", "y = com.microsoft.FusedConv(x, w)");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(m, {}, "f.onnx"); }),
            "f.onnx: node 'FusedConv_0' (FusedConv): weight 'w' has rank 4, input 'x' rank 3");
  // Split 18 whose num_outputs disagrees with its outputs: unresolved, named.
  std::string s = Op18("(float[2,7] x) => (float[?,?] a, float[?,?] b)", "a, b = Split<axis=1, num_outputs=3>(x)");
  EXPECT_EQ(ErrorOf([&] { ParseOnnxText(s, {}, "s.onnx"); }),
            "s.onnx: cannot resolve static shapes of 2 tensor(s): 'a' (?x?) from node 'Split_0' (Split); 'b' (?x?) from "
            "node 'Split_0' (Split)");
}

}  // namespace
}  // namespace odonata

namespace odonata {
namespace {

TEST(OneHot, DepthAsAOneElementRank1Tensor) {
  // tf2onnx writes depth as [257] (shape [1]); the spec allows it.
  Network net = ParseOnnxText(testing::Model("(int64[1,6] i) => (float[1,6,257] y)", "y = OneHot<axis=-1>(i, d, v)",
                                             "<int64[1] d = {257}, float[2] v = {0.0, 1.0}>", 11));
  EXPECT_EQ(Find(net, "OneHot").outputs[0].shape, (Shape{1, 6, 257}));
  net = ParseOnnxText(testing::Model("(int64[2,3] i) => (float[2,4,3] y)", "y = OneHot<axis=1>(i, d, v)",
                                     "<float d = {4.0}, float[2] v = {0.0, 1.0}>", 9));
  EXPECT_EQ(Find(net, "OneHot").outputs[0].shape, (Shape{2, 4, 3}));
}

TEST(UnusedOutputs, AnUnreadMaskOfUnknownShapeIsDropped) {
  // Opset-9 Dropout with its mask declared but read by nobody (onnx-caffe2 models).
  Network net = ParseOnnxText(testing::Model("(float[1,8] x) => (float[1,8] y)", "d, mask = Dropout(x)\n y = Relu(d)", "", 9));
  const Layer& l = Find(net, "Dropout");
  ASSERT_EQ(l.outputs.size(), 2u);
  EXPECT_EQ(l.outputs[0].shape, (Shape{1, 8}));
  EXPECT_TRUE(l.outputs[1].name.empty());
  EXPECT_FALSE(l.data_dependent);
}

TEST(NoOpsetImport, IsAClearError) {
  EXPECT_EQ(ErrorOf([] { ParseOnnxText("<ir_version: 3>\ng (float[1,2] x) => (float[1,2] y) { y = Relu(x) }", {}, "m.onnx"); }),
            "m.onnx: no opset_import: the model does not say which ONNX opset its ops follow (ONNX Runtime rejects it "
            "too)");
}

}  // namespace
}  // namespace odonata

namespace odonata {
namespace {

TEST(UnknownOps, AShapeOfAnOpWithoutSchemaDoesNotCrashOnnx) {
  // ONNX 1.12's data propagation of Shape read the type of its input, which an
  // op without a schema does not give: SIGSEGV (superres_prepost_op18's DecodeImage).
  std::string m = "<ir_version: 8, opset_import: [\"\" : 13, \"custom\" : 1]>\n"
                  "g (float[2,3] x) => (float[2,3] y) {\n a = custom.Bar(x)\n s = Shape(a)\n y = Reshape(a, s)\n}\n";
  Network net = ParseOnnxText(m);
  EXPECT_EQ(Find(net, "Reshape").outputs[0].shape, (Shape{2, 3}));
}

TEST(OnnxSchemas, TheOnDemandTableGivesWhatOnnxsRegistryGives) {
  // src/onnx/schemas.cc builds ONNX's schemas one at a time from a table read
  // from ONNX's headers (cmake/onnx_schema_table.cmake); every lookup must give
  // the schema ONNX's whole registry gives: same op, domain and version, and
  // the same inputs, outputs, attributes and functions.
  if (onnx_import::OnnxSchemaTableSize() == 0) GTEST_SKIP() << "built without the table: ONNX's registry is used";
  const std::vector<onnx::OpSchema> all = onnx::OpSchemaRegistry::get_all_schemas_with_history();
  EXPECT_EQ(onnx_import::OnnxSchemaTableSize(), all.size());
  std::map<std::pair<std::string, std::string>, int> newest;  // (domain, op) -> highest since-version
  for (const onnx::OpSchema& s : all) {
    int& v = newest[{s.domain(), s.Name()}];
    v = std::max(v, s.SinceVersion());
  }
  int lookups = 0;
  for (const auto& [key, last] : newest) {
    const auto& [domain, op] = key;
    for (int v = 0; v <= last + 2; ++v) {
      const onnx::OpSchema* want = onnx::OpSchemaRegistry::Schema(op, v, domain);
      const onnx::OpSchema* got = onnx_import::OnnxSchema(op, v, domain);
      ASSERT_EQ(want == nullptr, got == nullptr) << domain << "." << op << " " << v;
      ++lookups;
      if (!want) continue;
      EXPECT_NE(want, got);  // built apart from ONNX's registry
      EXPECT_EQ(got->Name(), want->Name());
      EXPECT_EQ(got->domain(), want->domain());
      EXPECT_EQ(got->SinceVersion(), want->SinceVersion()) << domain << "." << op << " " << v;
      EXPECT_EQ(got->Deprecated(), want->Deprecated());
      EXPECT_EQ(got->inputs().size(), want->inputs().size());
      EXPECT_EQ(got->outputs().size(), want->outputs().size());
      EXPECT_EQ(got->min_input(), want->min_input());
      EXPECT_EQ(got->max_input(), want->max_input());
      EXPECT_EQ(got->min_output(), want->min_output());
      EXPECT_EQ(got->max_output(), want->max_output());
      EXPECT_EQ(got->attributes().size(), want->attributes().size());
      EXPECT_EQ(got->typeConstraintParams().size(), want->typeConstraintParams().size());
      EXPECT_EQ(got->has_type_and_shape_inference_function(), want->has_type_and_shape_inference_function());
      EXPECT_EQ(got->has_data_propagation_function(), want->has_data_propagation_function());
      EXPECT_EQ(got->HasFunction(), want->HasFunction());
      EXPECT_EQ(got->HasContextDependentFunction(), want->HasContextDependentFunction());
      EXPECT_EQ(onnx_import::OnnxSchema(op, v, domain), got);  // built once
    }
  }
  EXPECT_GT(lookups, 1000);
  EXPECT_EQ(onnx_import::OnnxSchema("NoSuchOp", 17, ""), nullptr);
  EXPECT_EQ(onnx_import::OnnxSchema("Conv", 11, "ai.onnx"), nullptr);  // as ONNX's: callers map ai.onnx to ""
}

}  // namespace
}  // namespace odonata
