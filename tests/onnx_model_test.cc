// OnnxModel: parse once, resolve for many input shapes without parsing again.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "odonata/errors.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::ErrorOf;
using testing::Model;

const std::string kRoot = ODONATA_SOURCE_DIR;

// Everything LoadOnnx returns, field by field (Network has no operator==).
void ExpectSameNetwork(const Network& a, const Network& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.opset, b.opset);
  EXPECT_EQ(a.inputs, b.inputs);
  EXPECT_EQ(a.outputs, b.outputs);
  EXPECT_EQ(a.folded, b.folded);
  EXPECT_EQ(a.warnings, b.warnings);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i], b.layers[i]) << "layer " << i << " " << a.layers[i].name;
  }
  EXPECT_EQ(a.Totals(), b.Totals());
}

TEST(OnnxModel, ResolveAt448EqualsLoadOnnxWithTheSameOptions) {
  for (const char* model : {"resnet50", "mobilenet_v3_large", "googlenet", "fcn_resnet50"}) {
    SCOPED_TRACE(model);
    const std::string path = kRoot + "/models/" + model + ".onnx";
    OnnxModel m = OnnxModel::Load(path);
    ASSERT_EQ(m.InputNames().size(), 1u);
    LoadOptions o;
    o.input_shapes[m.InputNames()[0]] = {1, 3, 448, 448};
    Network resolved = m.Resolve(o);
    Network loaded = LoadOnnx(path, o);
    ExpectSameNetwork(resolved, loaded);
    EXPECT_EQ(resolved.name, model);
    EXPECT_EQ(resolved.source, path);
    EXPECT_EQ(resolved.inputs[0].shape, (Shape{1, 3, 448, 448}));
  }
}

TEST(OnnxModel, DefaultResolveEqualsLoadOnnx) {
  const std::string path = kRoot + "/models/resnet18.onnx";
  ExpectSameNetwork(OnnxModel::Load(path).Resolve(), LoadOnnx(path));
}

TEST(OnnxModel, ResolvingTwiceGivesIndependentResults) {
  OnnxModel m = OnnxModel::Load(kRoot + "/models/resnet50.onnx");
  EXPECT_EQ(m.InputNames(), std::vector<std::string>{"input"});
  LoadOptions big, batch4;
  big.input_shapes["input"] = {1, 3, 448, 448};
  batch4.batch = 4;
  Network a = m.Resolve(big);
  Network b = m.Resolve(batch4);
  Network c = m.Resolve();
  // ResNet-50's convolutions scale with the pixels (4x at 448) and the batch;
  // the classifier (2048x1000 Gemm after global pooling) with the batch only.
  const std::int64_t conv_224 = c.Totals().macs - 2048 * 1000;
  EXPECT_EQ(c.Totals().macs, 4089184256);  // 4.09 GMAC (README counting conventions)
  EXPECT_EQ(a.Totals().macs, 4 * conv_224 + 2048 * 1000);
  EXPECT_EQ(b.Totals().macs, 4 * c.Totals().macs);
  EXPECT_EQ(a.layers[0].outputs[0].shape, (Shape{1, 64, 224, 224}));
  EXPECT_EQ(b.layers[0].outputs[0].shape, (Shape{4, 64, 112, 112}));
  EXPECT_EQ(c.layers[0].outputs[0].shape, (Shape{1, 64, 112, 112}));
  // Resolving again after other shapes gives the first result again: the
  // parsed model is not modified by resolving.
  ExpectSameNetwork(m.Resolve(big), a);
  // Params do not depend on the shape.
  EXPECT_EQ(a.Totals().params, c.Totals().params);
}

TEST(OnnxModel, ResolvesConcurrentlyFromTwoThreads) {
  const OnnxModel m = OnnxModel::Load(kRoot + "/models/mobilenet_v2.onnx");
  LoadOptions big;
  big.input_shapes[m.InputNames().at(0)] = {1, 3, 320, 320};
  Network a, b;
  std::thread t([&] { a = m.Resolve(big); });
  b = m.Resolve();
  t.join();
  ExpectSameNetwork(a, LoadOnnx(kRoot + "/models/mobilenet_v2.onnx", big));
  ExpectSameNetwork(b, LoadOnnx(kRoot + "/models/mobilenet_v2.onnx"));
}

TEST(OnnxModel, CopiesShareTheParsedModel) {
  OnnxModel m = OnnxModel::FromText(Model("(float[N,3,4,4] x) => (float[N,3,4,4] y)", "y = Relu(x)"), "relu");
  OnnxModel copy = m;
  LoadOptions o;
  o.batch = 3;
  EXPECT_EQ(copy.Resolve(o).layers[0].counts.flops, 3 * 48);
  EXPECT_EQ(m.Resolve().layers[0].counts.flops, 48);
  EXPECT_EQ(m.name(), "relu");
  EXPECT_EQ(m.origin(), "relu");
  EXPECT_EQ(m.Resolve().name, "relu");
}

TEST(OnnxModel, FromBytesEqualsLoadOnnxFromBytes) {
  std::ifstream f(kRoot + "/models/squeezenet1_1.onnx", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string bytes = ss.str();
  OnnxModel m = OnnxModel::FromBytes(bytes, "sq");
  EXPECT_EQ(m.name(), "");
  EXPECT_EQ(m.origin(), "sq");
  LoadOptions o;
  o.batch = 2;
  ExpectSameNetwork(m.Resolve(o), LoadOnnxFromBytes(bytes, o, "sq"));
}

TEST(OnnxModel, ErrorsNameTheOrigin) {
  EXPECT_EQ(ErrorOf([] { OnnxModel::FromBytes("", "m.onnx"); }), "m.onnx: empty file, not an ONNX model");
  EXPECT_EQ(ErrorOf([] { OnnxModel::Load("/nonexistent/m.onnx"); }), "/nonexistent/m.onnx: cannot open file");
  // Parse errors come from Load, resolution errors from Resolve, each naming the model.
  OnnxModel m = OnnxModel::FromText(Model("(float[1,3,4,4] x) => (float[1,3,4,4] y)", "y = Relu(x)"), "r.onnx");
  LoadOptions bad;
  bad.input_shapes["img"] = {1, 3, 8, 8};
  EXPECT_EQ(ErrorOf([&] { m.Resolve(bad); }).rfind("r.onnx: ", 0), 0u) << ErrorOf([&] { m.Resolve(bad); });
  EXPECT_EQ(ErrorOf([&] { m.Resolve(bad); }), ErrorOf([&] {
              ParseOnnxText(Model("(float[1,3,4,4] x) => (float[1,3,4,4] y)", "y = Relu(x)"), bad, "r.onnx");
            }));
  // The model still resolves after a failed Resolve.
  EXPECT_EQ(m.Resolve().layers.size(), 1u);
}

}  // namespace
}  // namespace odonata
