// odonata's own shape functions (src/onnx/shapes.h): where they apply, the
// graph they leave is byte for byte the one ONNX's InferShapes leaves (the
// corpus and each hand-written case); the shapes are the hand-computed ones;
// where they must not apply, they leave the model untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "onnx/defs/parser.h"
#include "onnx/schemas.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/shapes.h"

namespace odonata {
namespace {

using Dims = std::vector<std::int64_t>;

onnx::ModelProto Parse(const std::string& text) {
  onnx::ModelProto m;
  auto status = onnx::OnnxParser::Parse(m, text.c_str());
  EXPECT_TRUE(status.IsOK()) << status.ErrorMessage();
  return m;
}

// A one-graph model at `opset`.
onnx::ModelProto Model(const std::string& signature, const std::string& body, int opset = 13) {
  return Parse("<ir_version: 8, opset_import: [\"\" : " + std::to_string(opset) + "]>\ng " + signature + "\n{\n" +
               body + "\n}\n");
}

// ONNX's InferShapes as the loader runs it (its registry, data propagation).
std::string OnnxInferred(onnx::ModelProto m) {
  onnx::ShapeInferenceOptions opts(false, 0, true);
  onnx::shape_inference::InferShapes(m, &onnx_import::SchemaRegistry::Get(), opts);
  return m.SerializeAsString();
}

// Runs the own functions on `m`; when they apply, expects ONNX's very graph.
bool OwnMatchesOnnx(onnx::ModelProto& m) {
  const std::string before = m.SerializeAsString();
  if (!onnx_import::InferShapesOwn(m)) {
    EXPECT_EQ(m.SerializeAsString(), before) << "refused, but the model changed";
    return false;
  }
  // ONNX's run only here: unchecked, some corpus graphs crash it (the loader
  // checks them first).
  onnx::ModelProto original;
  original.ParseFromString(before);
  EXPECT_EQ(m.SerializeAsString(), OnnxInferred(original)) << "own inference differs from ONNX's";
  return true;
}

// The static dims recorded for `name` (value_info or graph output).
Dims DimsOf(const onnx::ModelProto& m, const std::string& name) {
  for (const auto* list : {&m.graph().value_info(), &m.graph().output()}) {
    for (const auto& vi : *list) {
      if (vi.name() != name) continue;
      Dims d;
      for (const auto& dim : vi.type().tensor_type().shape().dim()) d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
      return d;
    }
  }
  ADD_FAILURE() << "no type for " << name;
  return {};
}

// One node reading typed graph inputs: the own shape of its output `y`
// (checked against ONNX's graph), or {-2} when the own functions refuse it.
Dims One(const std::string& inputs, const std::string& node, int opset = 13) {
  onnx::ModelProto m = Model("(" + inputs + ") => (float[?] z)", node + "\nz = Relu(y)", opset);
  // The output's rank is unknown to the parser's "?": give it no shape.
  m.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  if (!OwnMatchesOnnx(m)) return {-2};
  return DimsOf(m, "y");
}

const Dims kRefused{-2};

TEST(OwnShapes, ConvPadsStridesDilationsGroups) {
  EXPECT_EQ(One("float[1,3,32,32] x, float[8,3,3,3] w", "y = Conv<pads=[1,1,1,1], strides=[2,2]>(x, w)"),
            (Dims{1, 8, 16, 16}));  // (32 + 2 - 3) / 2 + 1
  EXPECT_EQ(One("float[1,3,32,32] x, float[8,3,3,3] w, float[8] b",
                "y = Conv<pads=[1,0,2,0], strides=[2,1], dilations=[2,3]>(x, w, b)"),
            (Dims{1, 8, 16, 26}));  // (32 + 1 + 2 - 5) / 2 + 1, (32 - 7) / 1 + 1
  EXPECT_EQ(One("float[1,8,10,10] x, float[12,2,3,3] w", "y = Conv<group=4, kernel_shape=[3,3]>(x, w)"),
            (Dims{1, 12, 8, 8}));
  EXPECT_EQ(One("float[2,4,9] x, float[6,4,3] w", "y = Conv<strides=[3]>(x, w)"), (Dims{2, 6, 3}));  // 1-D
}

TEST(OwnShapes, AutoPadSameUpperAndLowerAndValid) {
  // 7 wide, kernel 3, stride 2: residual 1, total pad 2, out 4 = ceil(7 / 2).
  EXPECT_EQ(One("float[1,1,7,8] x, float[1,1,3,4] w", "y = Conv<auto_pad=\"SAME_UPPER\", strides=[2,3]>(x, w)"),
            (Dims{1, 1, 4, 3}));
  EXPECT_EQ(One("float[1,1,7,8] x, float[1,1,3,4] w", "y = Conv<auto_pad=\"SAME_LOWER\", strides=[2,3]>(x, w)"),
            (Dims{1, 1, 4, 3}));
  EXPECT_EQ(One("float[1,1,7,8] x, float[1,1,3,4] w", "y = Conv<auto_pad=\"VALID\", strides=[2,3]>(x, w)"),
            (Dims{1, 1, 3, 2}));  // (7 - 3) / 2 + 1, (8 - 4) / 3 + 1
  EXPECT_EQ(One("float[1,2,6,6] x", "y = MaxPool<auto_pad=\"SAME_LOWER\", kernel_shape=[4,4], strides=[1,1]>(x)"),
            (Dims{1, 2, 6, 6}));
}

TEST(OwnShapes, PoolingCeilModeAndDilations) {
  EXPECT_EQ(One("float[1,2,6,7] x", "y = MaxPool<kernel_shape=[3,3], strides=[2,2]>(x)"), (Dims{1, 2, 2, 3}));
  EXPECT_EQ(One("float[1,2,6,7] x", "y = MaxPool<kernel_shape=[3,3], strides=[2,2], ceil_mode=1>(x)"),
            (Dims{1, 2, 3, 3}));  // ceil(3 / 2) + 1, ceil(4 / 2) + 1
  EXPECT_EQ(One("float[1,2,9,9] x", "y = MaxPool<kernel_shape=[2,2], dilations=[3,2], pads=[1,1,1,1]>(x)"),
            (Dims{1, 2, 8, 9}));  // 11 - 4 + 1, 11 - 3 + 1
  EXPECT_EQ(One("float[1,2,5,5] x", "y = AveragePool<kernel_shape=[2,2], strides=[2,2], ceil_mode=1, pads=[0,0,1,1]>(x)"),
            (Dims{1, 2, 3, 3}));
  EXPECT_EQ(One("float[1,16,7,5] x", "y = GlobalAveragePool(x)"), (Dims{1, 16, 1, 1}));
}

TEST(OwnShapes, GemmTransposes) {
  EXPECT_EQ(One("float[4,3] a, float[4,5] b", "y = Gemm<transA=1>(a, b)"), (Dims{3, 5}));
  EXPECT_EQ(One("float[4,3] a, float[5,3] b, float[5] c", "y = Gemm<transB=1>(a, b, c)"), (Dims{4, 5}));
  EXPECT_EQ(One("float[3,4] a, float[5,3] b", "y = Gemm<transA=1, transB=1>(a, b)"), (Dims{4, 5}));
}

TEST(OwnShapes, ElementwiseBroadcastFlattenConcatBatchNorm) {
  EXPECT_EQ(One("float[2,1,4] a, float[3,1] b", "y = Add(a, b)"), (Dims{2, 3, 4}));
  EXPECT_EQ(One("float[1,8,5,5] a, float[1,8,1,1] b", "y = Mul(a, b)"), (Dims{1, 8, 5, 5}));
  EXPECT_EQ(One("float[2,3,4,5] x", "y = Flatten<axis=2>(x)"), (Dims{6, 20}));
  EXPECT_EQ(One("float[2,3,4,5] x", "y = Flatten<axis=-1>(x)"), (Dims{24, 5}));
  EXPECT_EQ(One("float[2,3,4,5] x", "y = Flatten<axis=0>(x)"), (Dims{1, 120}));
  EXPECT_EQ(One("float[2,3,4,5] x", "y = Flatten(x)"), (Dims{2, 60}));
  EXPECT_EQ(One("float[1,3,4] a, float[1,5,4] b, float[1,1,4] c", "y = Concat<axis=-2>(a, b, c)"), (Dims{1, 9, 4}));
  EXPECT_EQ(One("float[1,4,3,3] x, float[4] s, float[4] b, float[4] m, float[4] v", "y = BatchNormalization(x, s, b, m, v)"),
            (Dims{1, 4, 3, 3}));
  EXPECT_EQ(One("float[2,7] x", "y = Sigmoid(x)"), (Dims{2, 7}));
  EXPECT_EQ(One("float[2,7] x, float lo, float hi", "y = Clip(x, lo, hi)"), (Dims{2, 7}));
  EXPECT_EQ(One("float[2,7] x", "y = HardSigmoid<alpha=0.1>(x)"), (Dims{2, 7}));
}

TEST(OwnShapes, ReduceMeanAxesAndKeepdims) {
  EXPECT_EQ(One("float[2,3,4,5] x", "y = ReduceMean<axes=[2,3]>(x)"), (Dims{2, 3, 1, 1}));
  EXPECT_EQ(One("float[2,3,4,5] x", "y = ReduceMean<axes=[-1,1], keepdims=0>(x)"), (Dims{2, 4}));
  EXPECT_EQ(One("float[2,3,4,5] x", "y = ReduceMean(x)"), (Dims{1, 1, 1, 1}));
  EXPECT_EQ(One("float[2,3,4,5] x", "y = ReduceMean<keepdims=0>(x)"), (Dims{}));
  EXPECT_EQ(One("float[2,3,4,5] x", "y = ReduceMean<axes=[4]>(x)"), kRefused);
  EXPECT_EQ(One("float[2,3,4,5] x", "y = ReduceMean<axes=[1], keepdims=2>(x)"), kRefused);
}

// Every op at every opset the own functions take: ONNX's graph (its
// functions differ between versions: BatchNormalization 9/14/15, Clip 11/12/13, ...).
TEST(OwnShapes, EveryOpAtOpsets11To17GivesOnnxsGraph) {
  const std::string body = R"(
    c = Conv<pads=[1,1,1,1], strides=[2,2]>(x, w, b)
    n = BatchNormalization(c, s, b, m, v)
    r = Relu(n)
    p = MaxPool<kernel_shape=[3,3], strides=[2,2], ceil_mode=1>(r)
    a = AveragePool<kernel_shape=[2,2], pads=[0,0,1,1]>(p)
    g = Sigmoid(a)
    h = HardSigmoid(a)
    k = Mul(g, h)
    e = Add(k, a)
    l = Clip(e, lo, hi)
    q = Concat<axis=1>(l, e)
    t = ReduceMean<axes=[2,3]>(q)
    o = GlobalAveragePool(q)
    f = Flatten(o)
    y = Gemm<transB=1>(f, fw, fb)
  )";
  for (int opset = 11; opset <= 17; ++opset) {
    onnx::ModelProto m = Model(
        "(float[1,3,19,19] x, float[8,3,3,3] w, float[8] b, float[8] s, float[8] m, float[8] v, float lo, float hi, "
        "float[10,16] fw, float[10] fb) => (float[N,10] y, float[1,16,1,1] t)",
        body, opset);
    EXPECT_TRUE(OwnMatchesOnnx(m)) << "opset " << opset;
    EXPECT_EQ(DimsOf(m, "p"), (Dims{1, 8, 5, 5})) << opset;  // conv (19 + 2 - 3) / 2 + 1 = 10; ceil(7 / 2) + 1
    EXPECT_EQ(DimsOf(m, "q"), (Dims{1, 16, 5, 5})) << opset;
    EXPECT_EQ(DimsOf(m, "y"), (Dims{1, 10})) << opset;
  }
}

// Cases the own functions leave to ONNX: unknown ops, open shapes, anything
// ONNX's functions would reject or might treat otherwise.
TEST(OwnShapes, RefusesWhatTheyDoNotFullyValidate) {
  EXPECT_EQ(One("float[2,7] x", "y = Softmax(x)"), kRefused);                                 // not covered
  EXPECT_EQ(One("float[N,7] x", "y = Relu(x)"), kRefused);                                    // symbolic dim
  EXPECT_EQ(One("float[2,0] x", "y = Relu(x)"), kRefused);                                    // zero-sized
  EXPECT_EQ(One("float[2,7] x", "y = Relu(x)", 18), kRefused);                                // opset 18
  EXPECT_EQ(One("float[2,7] x", "y = Relu(x)", 10), kRefused);                                // opset 10
  EXPECT_EQ(One("float[1,3,8,8] x, float[4,3,3,3] w", "y = Conv<kernel_shape=[2,2]>(x, w)"), kRefused);
  EXPECT_EQ(One("float[1,3,8,8] x, float[4,3,3,3] w", "y = Conv<kernel_shape=[3]>(x, w)"), kRefused);
  EXPECT_EQ(One("float[1,6,8,8] x, float[5,2,3,3] w", "y = Conv<group=3>(x, w)"), kRefused);  // 5 % 3
  EXPECT_EQ(One("float[1,6,8,8] x, float[6,3,3,3] w", "y = Conv<group=3>(x, w)"), kRefused);  // 6 != 3 * 3
  EXPECT_EQ(One("float[1,3,8,8] x, float[4,3,3,3] w", "y = Conv<pads=[1,1]>(x, w)"), kRefused);
  EXPECT_EQ(One("float[1,3,8,8] x, float[4,3,3,3] w", "y = Conv<pads=[-1,0,0,0]>(x, w)"), kRefused);
  EXPECT_EQ(One("float[1,3,8,8] x, float[4,3,3,3] w", "y = Conv<strides=[0,1]>(x, w)"), kRefused);
  EXPECT_EQ(One("float[1,3,8,8] x, float[4,3,3,3] w", "y = Conv<auto_pad=\"SAME\">(x, w)"), kRefused);
  EXPECT_EQ(One("float[1,3,2,2] x, float[4,3,3,3] w", "y = Conv(x, w)"), kRefused);          // window > input
  EXPECT_EQ(One("float[1,3,8] x, float[4,3,3,3] w", "y = Conv(x, w)"), kRefused);            // ranks differ
  EXPECT_EQ(One("float[1,2,6,6] x", "y = MaxPool<kernel_shape=[3,3], ceil_mode=2>(x)"), kRefused);
  EXPECT_EQ(One("float[1,2,6,6] x", "y = MaxPool(x)"), kRefused);                             // no kernel_shape
  EXPECT_EQ(One("float[1,2,6,6] x", "y = AveragePool<kernel_shape=[3,3], dilations=[2,2]>(x)"), kRefused);
  EXPECT_EQ(One("float[4,3] a, float[4,5] b", "y = Gemm(a, b)"), kRefused);                   // K 3 != 4
  EXPECT_EQ(One("float[4,3] a, float[3,5] b", "y = Gemm<transA=2>(a, b)"), kRefused);
  EXPECT_EQ(One("float[2,3] a, float[4,3] b", "y = Add(a, b)"), kRefused);
  EXPECT_EQ(One("float[2,3] a, float[2,4] b", "y = Concat<axis=0>(a, b)"), kRefused);
  EXPECT_EQ(One("float[2,3] a, float[2,3] b", "y = Concat<axis=2>(a, b)"), kRefused);
  EXPECT_EQ(One("float[2,3] x", "y = Flatten<axis=3>(x)"), kRefused);
  EXPECT_EQ(One("float[1,4,3] x, float[3] s, float[4] b, float[4] m, float[4] v", "y = BatchNormalization(x, s, b, m, v)"),
            kRefused);
  EXPECT_EQ(One("float[2,7] x", "y = Relu<alpha=1.0>(x)"), kRefused);  // an attribute Relu has not
}

// What a mutated model can set: dims, kernels and dilations near int64's
// limits, ranks beyond any CNN's; left to ONNX (and the loader's guards).
TEST(OwnShapes, RefusesHostileSizes) {
  EXPECT_EQ(One("float[1,3,2199023255553,8] x", "y = Relu(x)"), kRefused);  // 2^41 + 1
  EXPECT_EQ(One("float[1,1,1,1,1,1,1,1,2] x", "y = Relu(x)"), kRefused);   // rank 9
  EXPECT_EQ(One("float[1,3,8,8] x, float[4,3,3,3] w", "y = Conv<dilations=[4611686018427387904,1]>(x, w)"), kRefused);
  EXPECT_EQ(One("float[1,3,8,8] x", "y = MaxPool<kernel_shape=[1099511627776,2]>(x)"), kRefused);
  EXPECT_EQ(One("float[1,3,8,8] x", "y = MaxPool<kernel_shape=[2,2], pads=[1099511627776,0,1099511627776,0]>(x)"),
            kRefused);  // the output would hold 2^41 + 7
  EXPECT_EQ(One("float[1048576,1048576] a, float[1048576,1048576] b", "y = Concat<axis=0>(a, b)"), (Dims{2097152, 1048576}));
  EXPECT_EQ(One("float[1048576,1048576,2] x", "y = Flatten<axis=2>(x)"), (Dims{1099511627776, 2}));  // 2^40: the limit
  EXPECT_EQ(One("float[1048576,1048577,2] x", "y = Flatten<axis=2>(x)"), kRefused);                  // 2^40 + 2^20
}

TEST(OwnShapes, ExistingTypesMergeOrRefuse) {
  // A typed output with a symbolic batch: merged as ONNX merges (the dim replaced).
  onnx::ModelProto m = Model("(float[1,3] x) => (float[N,3] y)", "y = Relu(x)");
  EXPECT_TRUE(OwnMatchesOnnx(m));
  EXPECT_EQ(DimsOf(m, "y"), (Dims{1, 3}));
  // Exporter-written value_info that agrees: kept as it is, nothing added.
  m = Model("(float[1,3] x) => (float[1,3] z)", "y = Relu(x)\nz = Sigmoid(y)");
  *m.mutable_graph()->add_value_info() = m.graph().input(0);
  m.mutable_graph()->mutable_value_info(0)->set_name("y");
  EXPECT_TRUE(OwnMatchesOnnx(m));
  EXPECT_EQ(m.graph().value_info_size(), 1);
  // ... and that contradicts: left to ONNX (which fails or drops it).
  m.mutable_graph()->mutable_value_info(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->set_dim_value(4);
  const std::string before = m.SerializeAsString();
  EXPECT_FALSE(onnx_import::InferShapesOwn(m));
  EXPECT_EQ(m.SerializeAsString(), before);
  // An output of another element type, an untyped output: left to ONNX.
  m = Model("(float[1,3] x) => (int64[1,3] y)", "y = Relu(x)");
  EXPECT_FALSE(onnx_import::InferShapesOwn(m));
  m = Model("(float[1,3] x) => (float[1,3] y)", "y = Relu(x)");
  m.mutable_graph()->mutable_output(0)->clear_type();
  EXPECT_FALSE(onnx_import::InferShapesOwn(m));
  // A node writing a graph input's name, two nodes writing one name: left to ONNX.
  m = Model("(float[1,3] x) => (float[1,3] y)", "x = Relu(x)\ny = Relu(x)");
  EXPECT_FALSE(onnx_import::InferShapesOwn(m));
  m = Model("(float[1,3] x) => (float[1,3] y)", "y = Relu(x)\ny = Relu(x)");
  EXPECT_FALSE(onnx_import::InferShapesOwn(m));
  // The default domain imported as "ai.onnx", or twice: left to ONNX.
  m = Parse("<ir_version: 8, opset_import: [\"ai.onnx\" : 13]>\ng (float[1,3] x) => (float[1,3] y)\n{\ny = Relu(x)\n}\n");
  EXPECT_FALSE(onnx_import::InferShapesOwn(m));
  m = Parse("<ir_version: 8, opset_import: [\"\" : 13, \"ai.onnx\" : 13]>\ng (float[1,3] x) => (float[1,3] y)\n{\ny = Relu(x)\n}\n");
  EXPECT_FALSE(onnx_import::InferShapesOwn(m));
  // An input read before it is written (out of order): left to ONNX.
  m = Model("(float[1,3] x) => (float[1,3] z)", "z = Relu(y)\ny = Relu(x)");
  EXPECT_FALSE(onnx_import::InferShapesOwn(m));
}

// Every corpus model, its symbolic leading input dims taken as 1 (what the
// loader does without --batch): where the own functions apply, ONNX's graph.
TEST(OwnShapes, CorpusModelsGiveOnnxsGraphs) {
  namespace fs = std::filesystem;
  const fs::path root = ODONATA_SOURCE_DIR "/models";
  std::set<std::string> applied;
  int models = 0;
  for (const char* dir : {"", "darknet", "third-party"}) {
    for (const auto& entry : fs::directory_iterator(root / dir)) {
      if (entry.path().extension() != ".onnx") continue;
      std::ifstream f(entry.path(), std::ios::binary);
      onnx::ModelProto m;
      ASSERT_TRUE(m.ParseFromIstream(&f)) << entry.path();
      ++models;
      std::set<std::string> inits;
      for (const auto& t : m.graph().initializer()) inits.insert(t.name());
      for (auto& in : *m.mutable_graph()->mutable_input()) {
        if (inits.count(in.name()) || in.type().tensor_type().shape().dim_size() == 0) continue;
        auto* d = in.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0);
        if (!d->has_dim_value()) d->set_dim_value(1);
      }
      if (OwnMatchesOnnx(m)) applied.insert(entry.path().stem().string());
    }
  }
  EXPECT_GE(models, 100);
  for (const char* cnn : {"resnet18", "resnet50", "resnet152", "resnext50_32x4d", "wide_resnet50_2", "regnet_x_400mf",
                          "regnet_y_400mf", "efficientnet_b0", "googlenet", "squeezenet1_1", "alexnet", "vgg16",
                          "vgg16_bn", "mnasnet1_0", "mobilenet_v3_large", "mobilenet_v3_small"}) {
    EXPECT_TRUE(applied.count(cnn)) << cnn;
  }
  std::string list;
  for (const auto& a : applied) list += " " + a;
  std::cout << "own shape functions applied to " << applied.size() << " of " << models << " models:" << list << "\n";
}

}  // namespace
}  // namespace odonata
