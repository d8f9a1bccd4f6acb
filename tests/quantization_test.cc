// Quantized models (issue 13 item 5): the three forms detected, their layers
// estimated at the platform's int8 (or, without int8, at the network's
// precision with a warning), the report header and fields, and integer weights
// counted as parameters at their stored size. Every expected value is worked
// out by hand in the comments.
#include "odonata/quantization.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/estimate.h"
#include "odonata/fusion.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::Find;
using testing::Model;

const std::string kRoot = ODONATA_SOURCE_DIR;

// A test device: fp32 at 1 GOP/s, int8 (when `int8`) at 4 GOP/s, 1 GB/s, no
// overhead, every class a plain roofline; ONNX Runtime's QDQ rule for Conv and
// MatMul when `qdq_rules`.
Platform Device(const std::string& name, bool int8, bool qdq_rules) {
  const std::string i8 = int8 ? R"(, "int8": {"peak_gops": {"value": 4, "source": "t"}, "bandwidth_gbps": {"value": 1, "source": "t"}})" : "";
  const std::string rules =
      qdq_rules ? R"(, "fusion": {"rules": [{"into": ["Conv", "MatMul"], "dequantize": ["DequantizeLinear"], "quantize": ["QuantizeLinear"], "source": "t"}]})"
                : "";
  return ParsePlatform(R"({
    "schema": "odonata-platform/1", "name": ")" + name + R"(", "description": "test device",
    "default_precision": "fp32",
    "precisions": {"fp32": {"peak_gops": {"value": 1, "source": "t"}, "bandwidth_gbps": {"value": 1, "source": "t"}})" +
                           i8 + R"(},
    "overhead_ms": {"value": 0, "source": "t"},
    "power": {"idle_w": {"value": 1, "source": "t"}, "typical_w": {"value": 2, "source": "t"}},
    "price_usd": {"value": 1, "source": "t"},
    "classes": {"default": {"estimator": "roofline"}})" +
                           rules + "}",
                       name + ".json");
}

// QDQ form, as ONNX Runtime's quantize_static writes a convolution: uint8
// activations, int8 weights per channel, int32 bias, DQ -> Conv -> Q.
// A 3 -> 4 channel 3x3 Conv at 8x8: 256 outputs x 27 = 6912 MACs.
const std::string kQdqConv = Model(
    "(uint8[1,3,8,8] xq) => (uint8[1,4,8,8] yq)",
    "x = DequantizeLinear(xq, xs, xz)\n w = DequantizeLinear<axis=0>(wq, ws, wz)\n"
    " b = DequantizeLinear<axis=0>(bq, bs, bz)\n c = Conv<pads=[1,1,1,1]>(x, w, b)\n yq = QuantizeLinear(c, ys, yz)",
    "<float xs = {0.02}, uint8 xz = {128}, int8[4,3,3,3] wq = {0}, float[4] ws = {0.01, 0.01, 0.01, 0.01}, int8[4] wz "
    "= {0, 0, 0, 0}, int32[4] bq = {0, 0, 0, 0}, float[4] bs = {0.0002, 0.0002, 0.0002, 0.0002}, int32[4] bz = {0, 0, "
    "0, 0}, float ys = {0.08}, uint8 yz = {128}>");

// QOperator and dynamic forms in one graph: a QLinearConv (as above, with its
// bias), a com.microsoft QLinearAdd, a depthwise QLinearConv without bias, and
// quantize_dynamic's DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul by
// the scales.
const std::string kIntegerOps =
    "<ir_version: 8, opset_import: [\"\" : 13, \"com.microsoft\" : 1]>\n"
    "g (uint8[1,3,8,8] xq, uint8[1,4,8,8] dq, float[1,8] a) => (uint8[1,4,8,8] zq, uint8[1,4,8,8] dz, float[1,4] y)\n"
    "<float xs = {0.02}, uint8 xz = {128}, int8[4,3,3,3] wq = {0}, float[4] ws = {0.01, 0.01, 0.01, 0.01}, int8[4] wz = "
    "{0, 0, 0, 0}, float ys = {0.05}, uint8 yz = {128}, int32[4] bq = {0, 0, 0, 0}, float zs = {0.1}, uint8 zz = {128}, "
    "int8[4,1,3,3] dw = {0}, int8[8,4] mb = {0}, int8 mbz = {0}, float mbs = {0.1}>\n"
    "{\n"
    "  yq = QLinearConv<pads=[1,1,1,1]>(xq, xs, xz, wq, ws, wz, ys, yz, bq)\n"
    "  zq = com.microsoft.QLinearAdd(yq, ys, yz, yq, ys, yz, zs, zz)\n"
    "  dz = QLinearConv<pads=[1,1,1,1], group=4>(dq, ys, yz, dw, ws, wz, zs, zz)\n"
    "  aq, s, z = DynamicQuantizeLinear(a)\n"
    "  m = MatMulInteger(aq, mb, z, mbz)\n"
    "  mf = Cast<to=1>(m)\n"
    "  sc = Mul(s, mbs)\n"
    "  y = Mul(mf, sc)\n"
    "}\n";

const Layer& Named(const Network& net, const std::string& op, std::size_t nth = 0) {
  for (const Layer& l : net.layers) {
    if (l.op_type == op && nth-- == 0) return l;
  }
  throw std::runtime_error("no layer " + op);
}

std::string Render(const Report& r, void (*render)(const Report&, std::ostream&)) {
  std::ostringstream out;
  render(r, out);
  return out.str();
}

TEST(Quantization, QdqFormIsDetectedThroughActivations) {
  // DQ -> Conv -> Relu -> Q: the Conv and the Relu are the QDQ node unit; the
  // float Add beside it and the conversions are not quantized.
  const Network net = ParseOnnxText(Model(
      "(uint8[1,3,8,8] xq, float[1,4,8,8] f) => (uint8[1,4,8,8] yq, float[1,4,8,8] g)",
      "x = DequantizeLinear(xq, xs, xz)\n w = DequantizeLinear<axis=0>(wq, ws, wz)\n c = Conv<pads=[1,1,1,1]>(x, w)\n"
      " r = Relu(c)\n yq = QuantizeLinear(r, ys, yz)\n g = Add(f, f)",
      "<float xs = {0.02}, uint8 xz = {128}, int8[4,3,3,3] wq = {0}, float[4] ws = {0.01, 0.01, 0.01, 0.01}, int8[4] "
      "wz = {0, 0, 0, 0}, float ys = {0.08}, uint8 yz = {128}>"));
  const Quantization q = DetectQuantization(net);
  ASSERT_EQ(q.nodes.size(), 6u);
  const std::vector<QuantForm> want = {QuantForm::kNone, QuantForm::kNone, QuantForm::kQdq,
                                       QuantForm::kQdq,  QuantForm::kNone, QuantForm::kNone};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(q.nodes[i], want[i]) << net.layers[i].op_type << ": " << QuantFormName(q.nodes[i]);
  }
  EXPECT_EQ(q.qdq_nodes, 2);
  EXPECT_EQ(q.conversion_nodes, 3);
  EXPECT_EQ(q.operator_nodes + q.dynamic_nodes, 0);
  EXPECT_EQ(q.Forms(), std::vector<std::string>{"qdq"});
  EXPECT_TRUE(q.Any());

  // Not a unit: the Conv reads a float graph input, or its output has a second reader.
  const Network float_in = ParseOnnxText(
      Model("(float[1,3,8,8] x) => (uint8[1,4,8,8] yq)",
            "w = DequantizeLinear<axis=0>(wq, ws, wz)\n c = Conv<pads=[1,1,1,1]>(x, w)\n yq = QuantizeLinear(c, ys, yz)",
            "<int8[4,3,3,3] wq = {0}, float[4] ws = {0.01, 0.01, 0.01, 0.01}, int8[4] wz = {0, 0, 0, 0}, float ys = "
            "{0.08}, uint8 yz = {128}>"));
  EXPECT_FALSE(DetectQuantization(float_in).Any());
  std::string two = kQdqConv;
  two.replace(two.find("(uint8[1,4,8,8] yq)"), 19, "(uint8[1,4,8,8] yq, float[1,4,8,8] c)");
  EXPECT_FALSE(DetectQuantization(ParseOnnxText(two)).Any());
  // A float model has no form at all.
  const Network plain = ParseOnnxText(
      Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)", "y = Conv<pads=[1,1,1,1]>(x, w)", "<float[4,3,3,3] w = {0.0}>"));
  const Quantization none = DetectQuantization(plain);
  EXPECT_FALSE(none.Any());
  EXPECT_TRUE(none.Forms().empty());
  EXPECT_EQ(none.conversion_nodes, 0);
}

TEST(Quantization, IntegerOperatorsAreOperatorOrDynamicFormAndInt8Classes) {
  const Network net = ParseOnnxText(kIntegerOps);
  const Quantization q = DetectQuantization(net);
  std::vector<std::string> forms;
  for (QuantForm f : q.nodes) forms.push_back(QuantFormName(f));
  // QLinearConv, QLinearAdd, QLinearConv, DynamicQuantizeLinear, MatMulInteger, Cast, Mul, Mul.
  EXPECT_EQ(forms, (std::vector<std::string>{"operator", "operator", "operator", "none", "dynamic", "none", "none",
                                             "none"}));
  EXPECT_EQ(q.operator_nodes, 3);
  EXPECT_EQ(q.dynamic_nodes, 1);
  EXPECT_EQ(q.conversion_nodes, 1);
  EXPECT_EQ(q.Forms(), (std::vector<std::string>{"operator", "dynamic"}));
  EXPECT_EQ(Named(net, "QLinearConv", 0).op_class, OpClass::kConvInt8);
  EXPECT_EQ(Named(net, "QLinearConv", 1).op_class, OpClass::kDepthwiseConvInt8);
  EXPECT_EQ(Named(net, "QLinearAdd").op_class, OpClass::kEltwise);
  EXPECT_EQ(Named(net, "MatMulInteger").op_class, OpClass::kGemmInt8);
  EXPECT_TRUE(IsIntegerOp("QLinearConcat", "com.microsoft"));
  EXPECT_TRUE(IsIntegerOp("ConvInteger", ""));
  EXPECT_FALSE(IsIntegerOp("Conv", ""));
  EXPECT_FALSE(IsIntegerOp("QLinearAdd", ""));  // only com.microsoft has it
  EXPECT_TRUE(IsQuantizeConversion("DynamicQuantizeLinear", ""));
}

TEST(Quantization, IntegerWeightsAreParametersAtTheirStoredSize) {
  // QDQ: the int8 weight (4x3x3x3 = 108, 1 byte each) and the int32 bias
  // (4, 4 bytes each) behind DequantizeLinear; their scales and zero points
  // (and the activations') are not parameters: 112 params, 108 + 16 = 124 bytes.
  const Network qdq = ParseOnnxText(kQdqConv);
  EXPECT_EQ(qdq.Totals().params, 112);
  EXPECT_EQ(qdq.Totals().param_bytes, 124);
  EXPECT_EQ(Named(qdq, "DequantizeLinear", 1).counts.params, 108);
  EXPECT_EQ(Named(qdq, "DequantizeLinear", 2).counts.param_bytes, 16);
  EXPECT_EQ(Named(qdq, "DequantizeLinear", 0).counts.params, 0);  // activation: xq is an input
  EXPECT_EQ(Named(qdq, "QuantizeLinear").counts.params, 0);
  // QOperator and dynamic: QLinearConv 108 + 4 (124 bytes); the depthwise
  // one 4x1x3x3 = 36 (36 bytes); QLinearAdd none (both inputs are
  // activations); MatMulInteger's B 8x4 = 32 (32 bytes); and the float
  // scale that the last Mul reads (1 float, 4 bytes: a float initializer of a
  // float op is a parameter, as in any model). 181 params, 196 bytes.
  const Network ops = ParseOnnxText(kIntegerOps);
  EXPECT_EQ(Named(ops, "QLinearConv", 0).counts.params, 112);
  EXPECT_EQ(Named(ops, "QLinearConv", 0).counts.param_bytes, 124);
  EXPECT_EQ(Named(ops, "QLinearConv", 1).counts.params, 36);
  EXPECT_EQ(Named(ops, "QLinearAdd").counts.params, 0);
  EXPECT_EQ(Named(ops, "MatMulInteger").counts.params, 32);
  EXPECT_EQ(Named(ops, "MatMulInteger").counts.param_bytes, 32);
  EXPECT_EQ(ops.Totals().params, 181);
  EXPECT_EQ(ops.Totals().param_bytes, 196);
  // MACs: 256 x 27 + 256 x 9 + 4 x 8.
  EXPECT_EQ(ops.Totals().macs, 6912 + 2304 + 32);
  // ConvInteger on a uint8 input: the uint8 weight only (108 params, 108 bytes).
  const Network ci = ParseOnnxText(Model("(uint8[1,3,8,8] xq) => (int32[1,4,8,8] y)",
                                         "y = ConvInteger<pads=[1,1,1,1]>(xq, wq, xz, wz)",
                                         "<uint8[4,3,3,3] wq = {0}, uint8 xz = {128}, uint8 wz = {128}>"));
  EXPECT_EQ(Find(ci, "ConvInteger").op_class, OpClass::kConvInt8);
  EXPECT_EQ(ci.Totals().params, 108);
  EXPECT_EQ(ci.Totals().param_bytes, 108);
  EXPECT_EQ(DetectQuantization(ci).nodes[0], QuantForm::kOperator);
  // A float model: 4 bytes per parameter.
  const Network plain = ParseOnnxText(
      Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)", "y = Conv<pads=[1,1,1,1]>(x, w)", "<float[4,3,3,3] w = {0.0}>"));
  EXPECT_EQ(plain.Totals().params, 108);
  EXPECT_EQ(plain.Totals().param_bytes, 432);
}

TEST(Quantization, QdqGroupRunsAtInt8WhereThePlatformHasIt) {
  const Network net = ParseOnnxText(kQdqConv);
  // One conv_int8 layer. FLOPs: 2 x 6912 + 256 bias + 1 per element of each
  // DequantizeLinear (192 + 108 + 4) + 256 for the QuantizeLinear = 14640.
  // Bytes at int8: 192 in + 256 out + 132 weights, scales and zero points = 580.
  // At int8 (4 GOP/s): 14640 / 4e9 s = 0.00366 ms, compute-bound (580 B at 1 GB/s is 0.00058 ms).
  const Report r = EstimateNetwork(net, Device("q8", true, true));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.precision, Precision::kFp32);
  EXPECT_EQ(r.rows[0].layer.op_class, OpClass::kConvInt8);
  EXPECT_TRUE(r.rows[0].quantized);
  EXPECT_EQ(r.rows[0].precision, Precision::kInt8);
  EXPECT_DOUBLE_EQ(r.rows[0].estimate.bytes, 580);
  EXPECT_NEAR(r.rows[0].ms, 14640 / 4e9 * 1e3, 1e-15);
  EXPECT_EQ(r.quantization.forms, std::vector<std::string>{"qdq"});
  EXPECT_EQ(r.quantization.layers, 1);
  EXPECT_EQ(r.quantization.macs, 6912);
  EXPECT_DOUBLE_EQ(r.quantization.macs_percent, 100);
  EXPECT_EQ(r.quantization.precision, Precision::kInt8);
  EXPECT_TRUE(r.warnings.empty());

  // Without int8: the same layer at fp32 (14640 / 1e9 s, 4 x 580 bytes), and one warning.
  const Report f = EstimateNetwork(net, Device("f32", false, true));
  ASSERT_EQ(f.rows.size(), 1u);
  EXPECT_TRUE(f.rows[0].quantized);
  EXPECT_EQ(f.rows[0].precision, Precision::kFp32);
  EXPECT_DOUBLE_EQ(f.rows[0].estimate.bytes, 4 * 580);
  EXPECT_NEAR(f.rows[0].ms, 14640 / 1e9 * 1e3, 1e-15);
  EXPECT_EQ(f.quantization.precision, Precision::kFp32);
  EXPECT_EQ(f.warnings,
            std::vector<std::string>{"1 int8 layer (100% of MACs) estimated at fp32: platform f32 has no int8 precision"});

  // With int8 but no QDQ rules (TensorRT-like): every node is a layer; the
  // Conv, a QDQ node unit, is the one quantized layer (conv_int8 at int8:
  // 2 x 6912 + 256 FLOPs = 14080, 0.00352 ms); the conversions run at fp32.
  const Report t = EstimateNetwork(net, Device("trt", true, false));
  ASSERT_EQ(t.rows.size(), 5u);
  EXPECT_EQ(t.quantization.layers, 1);
  EXPECT_DOUBLE_EQ(t.quantization.macs_percent, 100);
  for (const ReportRow& row : t.rows) {
    EXPECT_EQ(row.quantized, row.layer.op_type == "Conv") << row.layer.name;
    EXPECT_EQ(row.precision, row.quantized ? Precision::kInt8 : Precision::kFp32) << row.layer.name;
  }
  EXPECT_EQ(t.rows[3].layer.op_class, OpClass::kConvInt8);
  EXPECT_NEAR(t.rows[3].ms, 14080 / 4e9 * 1e3, 1e-15);

  // With QDQ rules, a QDQ node unit the rules do not group runs in float, as
  // ONNX Runtime runs it: a DQ -> Relu -> Q (no rule for Relu) is not quantized.
  const Network relu = ParseOnnxText(Model("(uint8[1,4,8,8] xq) => (uint8[1,4,8,8] yq)",
                                           "x = DequantizeLinear(xq, s, z)\n r = Relu(x)\n yq = QuantizeLinear(r, s, z)",
                                           "<float s = {0.02}, uint8 z = {128}>"));
  EXPECT_EQ(DetectQuantization(relu).qdq_nodes, 1);
  EXPECT_EQ(EstimateNetwork(relu, Device("q8", true, true)).quantization.layers, 0);
  EXPECT_EQ(EstimateNetwork(relu, Device("trt", true, false)).quantization.layers, 1);
}

TEST(Quantization, IntegerOperatorsRunAtInt8) {
  const Network net = ParseOnnxText(kIntegerOps);
  const Report r = EstimateNetwork(net, Device("q8", true, true));
  ASSERT_EQ(r.rows.size(), 8u);  // no rule fuses any of them
  std::vector<std::string> precisions;
  for (const ReportRow& row : r.rows) precisions.push_back(PrecisionName(row.precision));
  EXPECT_EQ(precisions, (std::vector<std::string>{"int8", "int8", "int8", "fp32", "int8", "fp32", "fp32", "fp32"}));
  EXPECT_EQ(r.quantization.forms, (std::vector<std::string>{"operator", "dynamic"}));
  EXPECT_EQ(r.quantization.layers, 4);
  EXPECT_EQ(r.quantization.macs, 6912 + 2304 + 32);
  EXPECT_DOUBLE_EQ(r.quantization.macs_percent, 100);
  // QLinearAdd: 256 outputs, 1 FLOP each (0.000064 ms at 4 GOP/s); traffic
  // 256 x 2 in + 256 out + 6 scales and zero points = 774 elements, 774 bytes
  // at int8: memory-bound, 774 B / 1 GB/s = 0.000774 ms.
  const ReportRow& add = r.rows[1];
  EXPECT_EQ(add.layer.op_type, "QLinearAdd");
  EXPECT_DOUBLE_EQ(add.estimate.bytes, 774);
  EXPECT_NEAR(add.ms, 774 / 1e9 * 1e3, 1e-15);
  EXPECT_EQ(add.estimate.bound, Bound::kMemory);
  // Without int8: the same four layers at fp32 (the add moves 4 x 774 bytes), one warning.
  const Report f = EstimateNetwork(net, Device("f32", false, true));
  EXPECT_DOUBLE_EQ(f.rows[1].estimate.bytes, 4 * 774);
  EXPECT_EQ(f.warnings,
            std::vector<std::string>{"4 int8 layers (100% of MACs) estimated at fp32: platform f32 has no int8 precision"});
}

TEST(Quantization, AClassFittedWithoutInt8RunsItsFallbackForQuantizedLayersAndSaysSo) {
  // eltwise is a step_linear model fitted at fp32 only (0.5 ms a layer): the float Mul layers
  // use it, the quantized QLinearAdd runs the fallback (roofline at int8: 774 bytes at 1 GB/s),
  // and the warning names int8, not the report's fp32.
  Platform p = Device("q8", true, true);
  ClassModel eltwise;
  eltwise.estimator = "step_linear";
  FittedModel fp32;
  fp32.precision = Precision::kFp32;
  fp32.terms = {FittedTerm{0.5, {}}};
  eltwise.fitted = {fp32};
  p.classes[OpClass::kEltwise] = eltwise;
  const Report r = EstimateNetwork(ParseOnnxText(kIntegerOps), p);
  ASSERT_EQ(r.rows.size(), 8u);
  EXPECT_EQ(r.rows[1].estimate.estimator, "roofline");  // QLinearAdd, at int8
  EXPECT_NEAR(r.rows[1].ms, 774 / 1e9 * 1e3, 1e-15);
  EXPECT_EQ(r.rows[6].estimate.estimator, "step_linear");  // Mul, at fp32
  EXPECT_DOUBLE_EQ(r.rows[6].ms, 0.5);
  EXPECT_EQ(r.warnings, std::vector<std::string>{"the profile's fits do not cover int8, the fallback estimated these "
                                                 "layers: eltwise x1 (fitted for fp32, ran roofline)"});
}

TEST(Quantization, ReportsShowThePrecisionTruthfully) {
  const Network net = ParseOnnxText(kQdqConv);
  const Report r = EstimateNetwork(net, Device("q8", true, true));
  EXPECT_NE(Render(r, RenderTable).find("\nprecision  fp32  (int8: 1 of 1 layers, 100% of MACs; QDQ quantization)\n"),
            std::string::npos)
      << Render(r, RenderTable);
  EXPECT_NE(Render(r, RenderTable).find("\nparams     112  (112; 124 B as stored)\n"), std::string::npos)
      << Render(r, RenderTable);
  const nlohmann::json j = nlohmann::json::parse(Render(r, RenderJson));
  EXPECT_EQ(j["precision"], "fp32");
  EXPECT_EQ(j["quantization"],
            nlohmann::json::parse(
                R"({"forms": ["qdq"], "layers": 1, "macs": 6912, "macs_percent": 100.0, "precision": "int8"})"));
  EXPECT_EQ(j["totals"]["params"], 112);
  EXPECT_EQ(j["totals"]["param_bytes"], 124);
  EXPECT_EQ(j["layers"][0]["precision"], "int8");
  EXPECT_EQ(j["layers"][0]["quantized"], true);
  EXPECT_EQ(j["layers"][0]["param_bytes"], 124);
  const std::string csv = Render(r, RenderCsv);
  EXPECT_NE(csv.find(",validated_networks,precision,quantized,param_bytes,quantized_macs_percent\n"), std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",layer,,,,,,int8,1,124,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",total,0.004,,,,,fp32,1,124,100\n"), std::string::npos) << csv;
  EXPECT_NE(Render(r, RenderHtml)
                .find("<tr class=\"quantization\"><th>quantization</th><td>int8: 1 of 1 layers, 100% of MACs; QDQ "
                      "quantization</td></tr>"),
            std::string::npos);
  // The roofline chart draws the int8 roofs the quantized layer ran under beside the fp32 ones.
  EXPECT_NE(Render(r, RenderHtml).find("int8 roof (quantized layers): 4 GOP/s, 1 GB/s"), std::string::npos);
  EXPECT_DOUBLE_EQ(r.quantization.peak_gops, 4);
  EXPECT_DOUBLE_EQ(r.quantization.bandwidth_gbps, 1);

  // Without int8 the header says what the int8 layers were estimated at.
  const Report f = EstimateNetwork(net, Device("f32", false, true));
  EXPECT_NE(Render(f, RenderTable)
                .find("\nprecision  fp32  (1 of 1 layers (100% of MACs) are int8, estimated at fp32: the platform "
                      "has no int8; QDQ quantization)\n"),
            std::string::npos)
      << Render(f, RenderTable);
  EXPECT_EQ(nlohmann::json::parse(Render(f, RenderJson))["quantization"]["precision"], "fp32");
  EXPECT_EQ(Render(f, RenderHtml).find("quantized layers)"), std::string::npos);  // one roof: they ran at fp32

  // A float model: the header as before, the fields empty.
  const Network plain = ParseOnnxText(
      Model("(float[1,3,8,8] x) => (float[1,4,8,8] y)", "y = Conv<pads=[1,1,1,1]>(x, w)", "<float[4,3,3,3] w = {0.0}>"));
  const Report p = EstimateNetwork(plain, Device("q8", true, true));
  EXPECT_NE(Render(p, RenderTable).find("\nprecision  fp32\n"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(Render(p, RenderJson))["quantization"],
            nlohmann::json::parse(R"({"forms": [], "layers": 0, "macs": 0, "macs_percent": 0.0, "precision": null})"));
  EXPECT_EQ(Render(p, RenderHtml).find("class=\"quantization\""), std::string::npos);
}

TEST(Quantization, Int8ClassWithoutAModelTakesItsFloatClass) {
  Platform p = Device("q8", true, true);
  ClassModel conv;
  conv.estimator = "refined_roofline";
  p.classes[OpClass::kConv] = conv;
  EXPECT_EQ(p.ModelFor(OpClass::kConvInt8).estimator, "refined_roofline");
  EXPECT_EQ(p.ModelFor(OpClass::kDepthwiseConvInt8).estimator, "roofline");  // dwconv not listed: default
  ClassModel int8;
  int8.estimator = "memory";
  p.classes[OpClass::kConvInt8] = int8;
  EXPECT_EQ(p.ModelFor(OpClass::kConvInt8).estimator, "memory");
}

// The shipped QDQ YuNet (models/third-party/MANIFEST.csv), counted with the
// onnx package (onnx.load; per DequantizeLinear whose input 0 is an
// initializer, its elements by data type): 71,744 int8 weight and 2,096 int32
// bias elements; the other 2,096 int8 and 2,096 int32 initializer elements are
// their zero points and the 4,264 float ones scales, except the two Resize
// nodes' float scales (4 each), which count as any float initializer a layer
// reads.
TEST(Quantization, ShippedModelsAreCountedAndWarnedAbout) {
  const Network yunet = LoadOnnx(kRoot + "/models/third-party/yunet_n_320_int8_qdq.onnx");
  EXPECT_EQ(yunet.Totals().params, 71744 + 2096 + 8);
  EXPECT_EQ(yunet.Totals().param_bytes, 71744 + 4 * 2096 + 4 * 8);
  const Report nano = EstimateNetwork(yunet, LoadPlatform(kRoot + "/platforms/jetson-nano.json"));
  EXPECT_EQ(nano.quantization.precision, Precision::kFp16);
  EXPECT_GT(nano.quantization.layers, 0);
  int warned = 0;
  for (const std::string& w : nano.warnings) {
    warned += w.find("int8 layers") != std::string::npos &&
              w.find("estimated at fp16: platform jetson-nano has no int8 precision") != std::string::npos;
  }
  EXPECT_EQ(warned, 1);
  const Report host = EstimateNetwork(yunet, LoadPlatform(kRoot + "/platforms/host-ort-cpu.json"));
  EXPECT_EQ(host.quantization.precision, Precision::kInt8);
  EXPECT_EQ(host.quantization.forms, std::vector<std::string>{"qdq"});
  for (const ReportRow& row : host.rows) {
    if (IsInt8Class(row.layer.op_class)) EXPECT_TRUE(row.quantized) << row.layer.name;
  }
}

}  // namespace
}  // namespace odonata
