// Per-op counts against values computed by hand.
#include <gtest/gtest.h>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/layer.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "test_util.h"
#include "counts.h"

namespace odonata {
namespace {

using testing::Find;
using testing::Model;

Layer One(const std::string& sig, const std::string& body, const std::string& inits, const std::string& op) {
  return Find(ParseOnnxText(Model(sig, body, inits)), op);
}

TEST(Counts, ConvWithBiasAndPadding) {
  // 3x3 conv, 3 -> 4 channels, pad 1: output 1x4x8x8 = 256 elements,
  // each 3*3*3 = 27 MACs; bias adds one op per output.
  Layer l = One("(float[1,3,8,8] x) => (float[1,4,8,8] y)", "y = Conv<pads=[1,1,1,1]>(x, w, b)",
                "<float[4,3,3,3] w = {0.0}, float[4] b = {0.0}>", "Conv");
  EXPECT_EQ(l.op_class, OpClass::kConv);
  EXPECT_EQ(l.counts.macs, 256 * 27);
  EXPECT_EQ(l.counts.flops, 2 * 256 * 27 + 256);
  EXPECT_EQ(l.counts.params, 108 + 4);
  EXPECT_EQ(l.counts.weight_elems, 108 + 4);
  EXPECT_EQ(l.counts.input_elems, 3 * 64);
  EXPECT_EQ(l.counts.output_elems, 256);
  EXPECT_EQ(l.counts.Bytes(2), (192 + 256 + 112) * 2);
  EXPECT_EQ(l.window.kernel, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(l.window.pads, (std::vector<std::int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(l.window.strides, (std::vector<std::int64_t>{1, 1}));
}

TEST(Counts, DepthwiseConvIsItsOwnClass) {
  // 8 groups of one channel, stride 2, pad 1: 10x10 -> 5x5, 8*25 = 200 outputs x 9 MACs.
  Layer l = One("(float[1,8,10,10] x) => (float[1,8,5,5] y)", "y = Conv<group=8, strides=[2,2], pads=[1,1,1,1]>(x, w)",
                "<float[8,1,3,3] w = {0.0}>", "Conv");
  EXPECT_EQ(l.op_class, OpClass::kDepthwiseConv);
  EXPECT_EQ(l.counts.macs, 1800);
  EXPECT_EQ(l.window.group, 8);
}

TEST(Counts, GroupedConvCountsChannelsPerGroup) {
  // 2 groups: each output sees 4/2 = 2 input channels; 6*6*6 = 216 outputs.
  Layer l =
      One("(float[1,4,6,6] x) => (float[1,6,6,6] y)", "y = Conv<group=2>(x, w)", "<float[6,2,1,1] w = {0.0}>", "Conv");
  EXPECT_EQ(l.op_class, OpClass::kConv);
  EXPECT_EQ(l.counts.macs, 432);
}

TEST(Counts, SameUpperPaddingIsResolved) {
  // 7x7 input, 3x3 kernel, stride 2, SAME_UPPER: output 4x4, total pad 2 -> 1 and 1.
  Layer l = One("(float[1,1,7,7] x) => (float[1,1,4,4] y)", "y = Conv<auto_pad=\"SAME_UPPER\", strides=[2,2]>(x, w)",
                "<float[1,1,3,3] w = {0.0}>", "Conv");
  EXPECT_EQ(l.window.pads, (std::vector<std::int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(l.counts.macs, 16 * 9);
}

TEST(Counts, ConvTransposeScattersEveryInput) {
  // 2x4x4 input, 3 output channels, 3x3 kernel: 32 inputs x 3 x 9 MACs; output 9x9.
  Layer l = One("(float[1,2,4,4] x) => (float[1,3,9,9] y)", "y = ConvTranspose<strides=[2,2]>(x, w)",
                "<float[2,3,3,3] w = {0.0}>", "ConvTranspose");
  EXPECT_EQ(l.outputs[0].shape, (Shape{1, 3, 9, 9}));
  EXPECT_EQ(l.counts.macs, 32 * 27);
}

TEST(Counts, GemmWithBiasAndTranspose) {
  Layer l = One("(float[2,5] a) => (float[2,3] y)", "y = Gemm(a, b, c)", "<float[5,3] b = {0.0}, float[3] c = {0.0}>",
                "Gemm");
  EXPECT_EQ(l.op_class, OpClass::kGemm);
  EXPECT_EQ(l.counts.macs, 2 * 3 * 5);
  EXPECT_EQ(l.counts.flops, 60 + 6);
  EXPECT_EQ(l.counts.params, 15 + 3);
  Layer t = One("(float[5,2] a) => (float[2,3] y)", "y = Gemm<transA=1>(a, b)", "<float[5,3] b = {0.0}>", "Gemm");
  EXPECT_EQ(t.counts.macs, 30);
}

TEST(Counts, BatchedMatMul) {
  // [2,4,5] x [5,3] -> [2,4,3]: 24 dot products of length 5.
  Layer l = One("(float[2,4,5] a, float[5,3] b) => (float[2,4,3] y)", "y = MatMul(a, b)", "", "MatMul");
  EXPECT_EQ(l.counts.macs, 120);
  EXPECT_EQ(l.counts.flops, 240);
  EXPECT_EQ(l.counts.params, 0);
  EXPECT_EQ(l.counts.input_elems, 40 + 15);
}

TEST(Counts, Pooling) {
  // 3x3 stride 2 on 9x9: 4x4 outputs per channel, 9 comparisons each.
  Layer m = One("(float[1,4,9,9] x) => (float[1,4,4,4] y)", "y = MaxPool<kernel_shape=[3,3], strides=[2,2]>(x)", "",
                "MaxPool");
  EXPECT_EQ(m.op_class, OpClass::kPool);
  EXPECT_EQ(m.counts.macs, 0);
  EXPECT_EQ(m.counts.flops, 64 * 9);
  Layer g = One("(float[1,4,7,7] x) => (float[1,4,1,1] y)", "y = GlobalAveragePool(x)", "", "GlobalAveragePool");
  EXPECT_EQ(g.counts.flops, 196);
  EXPECT_EQ(g.window.kernel, (std::vector<std::int64_t>{7, 7}));
}

TEST(Counts, ElementwiseAndActivations) {
  Layer add = One("(float[1,4,3,3] a, float[1,4,1,1] b) => (float[1,4,3,3] y)", "y = Add(a, b)", "", "Add");
  EXPECT_EQ(add.op_class, OpClass::kEltwise);
  EXPECT_EQ(add.counts.flops, 36);
  EXPECT_EQ(add.counts.input_elems, 40);
  Layer relu = One("(float[1,4,7,7] x) => (float[1,4,7,7] y)", "y = Relu(x)", "", "Relu");
  EXPECT_EQ(relu.op_class, OpClass::kActivation);
  EXPECT_EQ(relu.counts.flops, 196);
  Layer sig = One("(float[1,4,7,7] x) => (float[1,4,7,7] y)", "y = Sigmoid(x)", "", "Sigmoid");
  EXPECT_EQ(sig.counts.flops, 4 * 196);
  Layer sm = One("(float[2,10] x) => (float[2,10] y)", "y = Softmax(x)", "", "Softmax");
  EXPECT_EQ(sm.op_class, OpClass::kSoftmax);
  EXPECT_EQ(sm.counts.flops, 60);
  Layer sum = One("(float[2,3] a, float[2,3] b, float[2,3] c) => (float[2,3] y)", "y = Sum(a, b, c)", "", "Sum");
  EXPECT_EQ(sum.counts.flops, 12);
}

TEST(Counts, BatchNormStatisticsAreNotParameters) {
  Layer bn =
      One("(float[1,4,5,5] x) => (float[1,4,5,5] y)", "y = BatchNormalization(x, s, b, m, v)",
          "<float[4] s = {0.0}, float[4] b = {0.0}, float[4] m = {0.0}, float[4] v = {0.0}>", "BatchNormalization");
  EXPECT_EQ(bn.op_class, OpClass::kNorm);
  EXPECT_EQ(bn.counts.flops, 200);
  EXPECT_EQ(bn.counts.params, 8);         // scale and bias
  EXPECT_EQ(bn.counts.weight_elems, 16);  // all four are read
}

TEST(Counts, DataOpsMoveButDoNotCompute) {
  Layer t = One("(float[2,3,4] x) => (float[4,3,2] y)", "y = Transpose<perm=[2,1,0]>(x)", "", "Transpose");
  EXPECT_EQ(t.op_class, OpClass::kData);
  EXPECT_EQ(t.counts.flops, 0);
  EXPECT_EQ(t.counts.input_elems, 24);
  EXPECT_EQ(t.counts.output_elems, 24);
}

TEST(Counts, LinearResizeInterpolatesTwoDimensions) {
  // Bilinear: 4 neighbours weighted and summed = 7 ops per output element.
  Layer r = One("(float[1,2,4,4] x) => (float[1,2,8,8] y)", "y = Resize<mode=\"linear\">(x, roi, scales)",
                "<float[0] roi = {}, float[4] scales = {1.0, 1.0, 2.0, 2.0}>", "Resize");
  EXPECT_EQ(r.op_class, OpClass::kResize);
  EXPECT_EQ(r.outputs[0].shape, (Shape{1, 2, 8, 8}));
  EXPECT_EQ(r.counts.flops, 128 * 7);
}

TEST(Counts, RecurrentLayersCountEveryTimeStep) {
  // LSTM, 5 steps, batch 2, input 3, hidden 4, one direction: W [1, 16, 3], R [1, 16, 4], B [1, 32].
  // MACs: 5 x 2 x (48 + 64) = 1120; FLOPs: 2 x 1120 + 5 x 2 x 1 x 4 hidden units x 32 = 2240 + 1280;
  // params: 48 + 64 + 32 = 144.
  Layer lstm = One("(float[5,2,3] x) => (float[5,1,2,4] y)", "y = LSTM<hidden_size=4>(x, w, r, b)",
                   "<float[1,16,3] w = {0.0}, float[1,16,4] r = {0.0}, float[1,32] b = {0.0}>", "LSTM");
  EXPECT_EQ(lstm.op_class, OpClass::kRecurrent);
  EXPECT_STREQ(OpClassName(lstm.op_class), "rnn");
  EXPECT_FALSE(lstm.unknown_op);
  // Its sizes: input 3 (in_c), hidden 4 (out_c), 5 steps (in_h) of batch 2: 10 time steps.
  EXPECT_EQ(LayerDim(lstm, "in_c"), 3);
  EXPECT_EQ(LayerDim(lstm, "out_c"), 4);
  EXPECT_EQ(LayerDim(lstm, "in_h"), 5);
  EXPECT_EQ(LayerDim(lstm, "batch"), 2);
  EXPECT_EQ(LayerDim(lstm, "spatial"), 10);
  EXPECT_EQ(LayerDim(lstm, "in_w"), 0);
  EXPECT_EQ(LayerDim(lstm, "macs"), 1120);
  EXPECT_EQ(lstm.counts.macs, 1120);
  EXPECT_EQ(lstm.counts.flops, 2240 + 1280);
  EXPECT_EQ(lstm.counts.params, 144);
  // Bidirectional GRU, batch-first (layout 1): X [batch 1, seq 6, input 8], hidden 2, 2 directions:
  // W [2, 6, 8], R [2, 6, 2]: MACs 6 x 1 x (96 + 24) = 720; FLOPs 1440 + 6 x 1 x 2 dirs x 2 x 24 = 1440 + 576.
  Layer gru = Find(ParseOnnxText(Model("(float[1,6,8] x) => (float[1,6,2,2] y)",
                                        "y = GRU<hidden_size=2, direction=\"bidirectional\", layout=1>(x, w, r)",
                                        "<float[2,6,8] w = {0.0}, float[2,6,2] r = {0.0}>", 14)),
                   "GRU");
  EXPECT_EQ(gru.op_class, OpClass::kRecurrent);
  EXPECT_EQ(LayerDim(gru, "in_h"), 6);  // batch-first: the sequence is dim 1
  EXPECT_EQ(LayerDim(gru, "batch"), 1);
  EXPECT_EQ(LayerDim(gru, "in_c"), 8);
  EXPECT_EQ(LayerDim(gru, "out_c"), 2);
  EXPECT_EQ(gru.counts.macs, 720);
  EXPECT_EQ(gru.counts.flops, 1440 + 576);
  // Simple RNN, 3 steps, batch 1, input 2, hidden 3: W [1, 3, 2], R [1, 3, 3]: 3 x 15 = 45 MACs,
  // FLOPs 90 + 3 x 3 x 6 = 144.
  Layer rnn = One("(float[3,1,2] x) => (float[3,1,1,3] y)", "y = RNN<hidden_size=3>(x, w, r)",
                  "<float[1,3,2] w = {0.0}, float[1,3,3] r = {0.0}>", "RNN");
  EXPECT_EQ(rnn.op_class, OpClass::kRecurrent);
  EXPECT_EQ(rnn.counts.macs, 45);
  EXPECT_EQ(rnn.counts.flops, 144);
  // An input of another rank (as in a branch an input never takes) counts no arithmetic, no error.
  Layer odd = One("(float[5,1,2,3] x) => (float[5,1,1,4] y)", "y = RNN<hidden_size=4>(x, w, r)",
                  "<float[1,4,3] w = {0.0}, float[1,4,4] r = {0.0}>", "RNN");
  EXPECT_EQ(odd.counts.macs, 0);
  EXPECT_EQ(odd.counts.params, 28);
}

// A profile without the rnn class costs recurrent layers with its gemm model (as before the
// class existed), or the default one without gemm; a profile with rnn uses its own.
TEST(Counts, RecurrentClassFallsBackToTheGemmModel) {
  Platform p;
  EXPECT_EQ(&p.ModelFor(OpClass::kRecurrent), &p.default_class);
  p.classes[OpClass::kGemm].estimator = "step_linear";
  EXPECT_EQ(&p.ModelFor(OpClass::kRecurrent), &p.classes.at(OpClass::kGemm));
  EXPECT_EQ(&p.ModelFor(OpClass::kConv), &p.default_class);  // no other class falls back so
  p.classes[OpClass::kRecurrent].estimator = "trees";
  EXPECT_EQ(&p.ModelFor(OpClass::kRecurrent), &p.classes.at(OpClass::kRecurrent));
  OpClass parsed = OpClass::kUnknown;
  ASSERT_TRUE(ParseOpClass("rnn", &parsed));
  EXPECT_EQ(parsed, OpClass::kRecurrent);
}

// RoiAlign (class roi): output [5 rois, 3 channels, 2, 2] = 60 elements; each averages
// sampling_ratio^2 points of 4 bilinear taps: ratio 2 -> 60 x 4 x 4 = 960 MACs, FLOPs 2 x 960 + 60
// (the average's multiply) = 1980; ratio 3 -> 60 x 9 x 4 = 2160 MACs, 4380 FLOPs; ratio 0
// (adaptive, data-dependent) counted as 2. Its work is LayerDim macs; rois are not boxes (NMS).
TEST(Counts, RoiAlignCountsBilinearTapsOfItsSamplingPoints) {
  const std::string sig = "(float[1,3,8,8] x, float[5,4] rois, int64[5] idx) => (float[5,3,2,2] y)";
  Layer r2 = One(sig, "y = RoiAlign<output_height=2, output_width=2, sampling_ratio=2>(x, rois, idx)", "", "RoiAlign");
  EXPECT_EQ(r2.op_class, OpClass::kRoi);
  EXPECT_STREQ(OpClassName(r2.op_class), "roi");
  EXPECT_FALSE(r2.unknown_op);
  EXPECT_EQ(r2.outputs[0].shape, (Shape{5, 3, 2, 2}));
  EXPECT_EQ(r2.counts.macs, 960);
  EXPECT_EQ(r2.counts.flops, 1980);
  EXPECT_EQ(r2.counts.params, 0);
  EXPECT_EQ(r2.counts.input_elems, 192 + 20 + 5);
  EXPECT_EQ(LayerDim(r2, "macs"), 960);
  EXPECT_EQ(LayerDim(r2, "elems"), 60);
  EXPECT_EQ(LayerDim(r2, "boxes"), 0);
  EXPECT_EQ(LayerDim(r2, "classes"), 0);
  Layer r3 = One(sig, "y = RoiAlign<output_height=2, output_width=2, sampling_ratio=3>(x, rois, idx)", "", "RoiAlign");
  EXPECT_EQ(r3.counts.macs, 2160);
  EXPECT_EQ(r3.counts.flops, 4380);
  Layer r0 = One(sig, "y = RoiAlign<output_height=2, output_width=2>(x, rois, idx)", "", "RoiAlign");
  EXPECT_EQ(r0.counts.macs, 960);
  // ScatterElements is class scatter, no arithmetic: data, indices and updates read.
  Layer s = One("(float[4,3,2,2] d, int64[2,3,2,2] i, float[2,3,2,2] u) => (float[4,3,2,2] y)",
                "y = ScatterElements<axis=0>(d, i, u)", "", "ScatterElements");
  EXPECT_EQ(s.op_class, OpClass::kScatter);
  EXPECT_STREQ(OpClassName(s.op_class), "scatter");
  EXPECT_EQ(s.counts.flops, 0);
  EXPECT_EQ(s.counts.input_elems, 48 + 24 + 24);
  EXPECT_EQ(s.counts.output_elems, 48);
}

// A profile without roi or scatter costs RoiAlign with its detection model and ScatterElements
// with its data model, as before the classes existed; with them, their own.
TEST(Counts, RoiAndScatterClassesFallBackToDetectionAndData) {
  Platform p;
  EXPECT_EQ(&p.ModelFor(OpClass::kRoi), &p.default_class);
  p.classes[OpClass::kDetection].estimator = "step_linear";
  p.classes[OpClass::kData].estimator = "trees";
  EXPECT_EQ(&p.ModelFor(OpClass::kRoi), &p.classes.at(OpClass::kDetection));
  EXPECT_EQ(&p.ModelFor(OpClass::kScatter), &p.classes.at(OpClass::kData));
  p.classes[OpClass::kRoi].estimator = "step_linear";
  p.classes[OpClass::kScatter].estimator = "roofline";
  EXPECT_EQ(&p.ModelFor(OpClass::kRoi), &p.classes.at(OpClass::kRoi));
  EXPECT_EQ(&p.ModelFor(OpClass::kScatter), &p.classes.at(OpClass::kScatter));
  OpClass parsed = OpClass::kUnknown;
  ASSERT_TRUE(ParseOpClass("roi", &parsed));
  EXPECT_EQ(parsed, OpClass::kRoi);
  ASSERT_TRUE(ParseOpClass("scatter", &parsed));
  EXPECT_EQ(parsed, OpClass::kScatter);
}

// QuickGelu (SiLU run as one kernel) is class silu; a profile without the class costs it with
// its activation model, as before the class existed; with it, its own.
TEST(Counts, SiluClassFallsBackToActivation) {
  Platform p;
  EXPECT_EQ(&p.ModelFor(OpClass::kSilu), &p.default_class);
  p.classes[OpClass::kActivation].estimator = "step_linear";
  EXPECT_EQ(&p.ModelFor(OpClass::kSilu), &p.classes.at(OpClass::kActivation));
  p.classes[OpClass::kSilu].estimator = "roofline";
  EXPECT_EQ(&p.ModelFor(OpClass::kSilu), &p.classes.at(OpClass::kSilu));
  OpClass parsed = OpClass::kUnknown;
  ASSERT_TRUE(ParseOpClass("silu", &parsed));
  EXPECT_EQ(parsed, OpClass::kSilu);
  EXPECT_EQ(ClassifyOp("QuickGelu", "com.microsoft"), OpClass::kSilu);
}

// One class of torchvision's SSD post-processing, by hand: the scores above a threshold
// (NonZero of the mask, transposed to row indices), those scores and boxes gathered (GatherND),
// the best 5 kept (TopK). NonZero's output is data-dependent: the loader's bound is every one of
// the 20 elements, so the GatherND read 20 rows. Classes topk, nonzero and gathernd; TopK counts
// one op per input element (20), NonZero and GatherND none. Their work dims: TopK and NonZero
// their input elements ("inputs": 20, k a constant), GatherND the rows it gathers ("spatial": 20)
// and its output elements ("elems": 20 scores, 80 box coordinates).
TEST(Counts, SsdPostProcessingClassesAndCounts) {
  const Network net = ParseOnnxText(Model(
      "(float[20] scores, float[20,4] boxes) => (float[5] v, int64[5] i, float[N,4] b)",
      "mask = Greater(scores, thr)\n nz = NonZero(mask)\n idx = Transpose<perm=[1,0]>(nz)\n"
      " s = GatherND(scores, idx)\n b = GatherND(boxes, idx)\n v, i = TopK<axis=0, largest=1, sorted=1>(s, k)",
      "<float[1] thr = {0.5}, int64[1] k = {5}>"));
  const Layer& nz = Find(net, "NonZero");
  EXPECT_EQ(nz.op_class, OpClass::kNonZero);
  EXPECT_STREQ(OpClassName(nz.op_class), "nonzero");
  EXPECT_TRUE(nz.data_dependent);
  EXPECT_FALSE(nz.unknown_op);
  EXPECT_EQ(nz.outputs.at(0).shape, (Shape{1, 20}));
  EXPECT_EQ(nz.counts.flops, 0);
  EXPECT_EQ(nz.counts.input_elems, 20);
  EXPECT_EQ(nz.counts.output_elems, 20);
  EXPECT_EQ(LayerDim(nz, "inputs"), 20);
  std::vector<const Layer*> gathers;
  for (const Layer& l : net.layers) {
    if (l.op_type == "GatherND") gathers.push_back(&l);
  }
  ASSERT_EQ(gathers.size(), 2u);
  const Layer& gs = gathers[0]->inputs.at(0).shape.size() == 1 ? *gathers[0] : *gathers[1];
  const Layer& gb = gathers[0]->inputs.at(0).shape.size() == 1 ? *gathers[1] : *gathers[0];
  for (const Layer* g : gathers) {
    EXPECT_EQ(g->op_class, OpClass::kGatherNd);
    EXPECT_EQ(g->counts.flops, 0);
    EXPECT_EQ(LayerDim(*g, "spatial"), 20);
  }
  EXPECT_STREQ(OpClassName(gs.op_class), "gathernd");
  EXPECT_EQ(gs.outputs.at(0).shape, (Shape{20}));
  EXPECT_EQ(gs.counts.input_elems, 20 + 20);  // scores and the [20, 1] indices
  EXPECT_EQ(LayerDim(gs, "elems"), 20);
  EXPECT_EQ(gb.outputs.at(0).shape, (Shape{20, 4}));
  EXPECT_EQ(gb.counts.input_elems, 80 + 20);
  EXPECT_EQ(LayerDim(gb, "elems"), 80);
  const Layer& t = Find(net, "TopK");
  EXPECT_EQ(t.op_class, OpClass::kTopK);
  EXPECT_STREQ(OpClassName(t.op_class), "topk");
  EXPECT_EQ(t.outputs.at(0).shape, (Shape{5}));
  EXPECT_EQ(t.counts.flops, 20);
  EXPECT_EQ(t.counts.input_elems, 20);  // k is a constant
  EXPECT_EQ(t.counts.output_elems, 5 + 5);
  EXPECT_EQ(LayerDim(t, "inputs"), 20);
  EXPECT_EQ(LayerDim(t, "elems"), 5);
}

// A profile without topk, nonzero or gathernd costs TopK with its reduce model, NonZero with its
// detection model and GatherND with its data model, as before the classes existed; with them,
// their own.
TEST(Counts, PostProcessingClassesFallBackToTheirFormerOnes) {
  Platform p;
  EXPECT_EQ(&p.ModelFor(OpClass::kTopK), &p.default_class);
  EXPECT_EQ(&p.ModelFor(OpClass::kNonZero), &p.default_class);
  EXPECT_EQ(&p.ModelFor(OpClass::kGatherNd), &p.default_class);
  p.classes[OpClass::kReduce].estimator = "roofline";
  p.classes[OpClass::kDetection].estimator = "step_linear";
  p.classes[OpClass::kData].estimator = "trees";
  EXPECT_EQ(&p.ModelFor(OpClass::kTopK), &p.classes.at(OpClass::kReduce));
  EXPECT_EQ(&p.ModelFor(OpClass::kNonZero), &p.classes.at(OpClass::kDetection));
  EXPECT_EQ(&p.ModelFor(OpClass::kGatherNd), &p.classes.at(OpClass::kData));
  for (OpClass c : {OpClass::kTopK, OpClass::kNonZero, OpClass::kGatherNd}) {
    p.classes[c].estimator = "step_linear";
    EXPECT_EQ(&p.ModelFor(c), &p.classes.at(c));
    OpClass parsed = OpClass::kUnknown;
    ASSERT_TRUE(ParseOpClass(OpClassName(c), &parsed));
    EXPECT_EQ(parsed, c);
  }
  EXPECT_EQ(ClassifyOp("TopK", ""), OpClass::kTopK);
  EXPECT_EQ(ClassifyOp("NonZero", ""), OpClass::kNonZero);
  EXPECT_EQ(ClassifyOp("GatherND", ""), OpClass::kGatherNd);
  EXPECT_EQ(ClassifyOp("Gather", ""), OpClass::kData);  // Gather stays data
  EXPECT_EQ(ClassifyOp("ReduceMax", ""), OpClass::kReduce);
}

TEST(Counts, UnknownOpIsFlaggedWithTrafficOnly) {
  // A custom-domain op: ONNX cannot infer its shape, so the declared output shape is used.
  std::string text =
      "<ir_version: 8, opset_import: [\"\" : 13, \"com.acme\" : 1]>\n"
      "g (float[1,8] x) => (float[1,8] y) {\n  y = com.acme.Frobnicate(x)\n}\n";
  Network net = ParseOnnxText(text);
  const Layer& l = net.layers.at(0);
  EXPECT_TRUE(l.unknown_op);
  EXPECT_EQ(l.op_class, OpClass::kUnknown);
  EXPECT_EQ(l.counts.flops, 0);
  EXPECT_EQ(l.counts.input_elems, 8);
  EXPECT_EQ(l.counts.output_elems, 8);
}

// Slice and Gather read only the part of their data input they copy, in whole 64-byte lines
// (16 float32 elements), at most the whole input (DataElemsRead in src/counts.cc).
TEST(Counts, SliceReadsOnlyWhatItCopies) {
  // ViT-B/16's q/k/v split: runs of 768 contiguous floats, one per token: 197 x 768 read.
  Layer qkv = One("(float[197,1,2304] x) => (float[197,1,768] y)", "y = Slice(x, st, en, ax)",
                  "<int64[1] st = {0}, int64[1] en = {768}, int64[1] ax = {2}>", "Slice");
  EXPECT_EQ(qkv.op_class, OpClass::kData);
  EXPECT_EQ(qkv.counts.input_elems, 197 * 768);
  EXPECT_EQ(qkv.counts.weight_elems, 3);  // the three int64 constants
  EXPECT_EQ(qkv.counts.output_elems, 197 * 768);
  EXPECT_EQ(LayerDim(qkv, "inputs"), 151296);
  // ShuffleNetV2's channel split: one run of 116 x 28 x 28.
  Layer split = One("(float[1,232,28,28] x) => (float[1,116,28,28] y)", "y = Slice(x, st, en, ax)",
                    "<int64[1] st = {0}, int64[1] en = {116}, int64[1] ax = {1}>", "Slice");
  EXPECT_EQ(split.counts.input_elems, 116 * 28 * 28);
  // Runs of 5 floats bring in a 16-float line each: 64 x 32 runs x 16 = 32,768 of 65,536.
  Layer narrow = One("(float[1,64,32,32] x) => (float[1,64,32,5] y)", "y = Slice(x, st, en, ax)",
                     "<int64[1] st = {0}, int64[1] en = {5}, int64[1] ax = {3}>", "Slice");
  EXPECT_EQ(narrow.counts.input_elems, 32768);
  // Nothing cut (ends beyond the extent): the whole input is read.
  Layer all = One("(float[2,8] x) => (float[2,8] y)", "y = Slice(x, st, en, ax)",
                  "<int64[1] st = {0}, int64[1] en = {100}, int64[1] ax = {1}>", "Slice");
  EXPECT_EQ(all.counts.input_elems, 16);
}

TEST(Counts, GatherReadsOnlyTheGatheredRuns) {
  // SSD's scores of one class: a column of [3234, 91], one float per row, each in its own
  // line: 3234 x 16 elements read (of 294,294); the scalar index is a constant.
  Layer col = One("(float[3234,91] x) => (float[3234] y)", "y = Gather<axis=1>(x, i)", "<int64 i = {1}>", "Gather");
  EXPECT_EQ(col.op_class, OpClass::kData);
  EXPECT_EQ(col.counts.input_elems, 3234 * 16);
  EXPECT_EQ(col.counts.weight_elems, 1);
  EXPECT_EQ(col.counts.output_elems, 3234);
  // Rows of an embedding table (a weight): 10 rows of 64 read, the table's 64,000 parameters kept.
  Layer rows = One("(int64[10] i) => (float[10,64] y)", "y = Gather(t, i)", "<float[1000,64] t = {0.0}>", "Gather");
  EXPECT_EQ(rows.counts.input_elems, 10);  // the indices
  EXPECT_EQ(rows.counts.weight_elems, 640);
  EXPECT_EQ(rows.counts.params, 64000);
  EXPECT_EQ(rows.counts.param_bytes, 256000);
  // A negative axis, runs shorter than a line: 24 x 16 = 384, capped at the input's 240.
  Layer last = One("(float[4,6,10] x) => (float[4,6] y)", "y = Gather<axis=-1>(x, i)", "<int64 i = {3}>", "Gather");
  EXPECT_EQ(last.counts.input_elems, 240);
}

TEST(Counts, OverflowIsAnErrorNotAWrap) {
  EXPECT_THROW(CheckedMul(std::int64_t{1} << 40, std::int64_t{1} << 40), Error);
  EXPECT_THROW(NumElements(Shape{1 << 30, 1 << 30, 1 << 30}), Error);
  EXPECT_EQ(NumElements(Shape{}), 1);
  EXPECT_EQ(NumElements(Shape{2, 0, 3}), 0);
}

TEST(Counts, NetworkTotalsSumLayers) {
  Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)",
                                    "c = Conv<pads=[1,1,1,1]>(x, w)\n y = Relu(c)", "<float[4,3,3,3] w = {0.0}>"));
  Counts t = net.Totals();
  EXPECT_EQ(t.macs, 256 * 27);
  EXPECT_EQ(t.flops, 2 * 256 * 27 + 256);
  EXPECT_EQ(t.params, 108);
}

}  // namespace
}  // namespace odonata
