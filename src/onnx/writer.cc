// Runnable single-layer ONNX models for benchmarking (`odonata sweep`). The
// model is built from ToLayer(config), so the node a runtime times is the
// layer odonata counts: LoadOnnx of the written file gives the same Layer.
// Weights are float32 (an fp16 benchmark converts them in the runtime:
// TensorRT --fp16); a convolution + activation op (ConvClip, ...) writes the Conv and the
// activation's nodes (LayerNodes), which ONNX Runtime fuses; opset 13, or 14 for HardSwish (new in 14), 17 for
// LayerNormalization, com.microsoft version 1 for its Gelu. SiLU and ReduceMean are written as
// the exporters' nodes that ONNX Runtime rewrites into the layer's kernel (BuildSiluModel,
// BuildReduceMeanModel). An int8
// convolution or matrix product (precision int8) is a QDQ model, as ONNX
// Runtime's quantizer writes one (BuildQdqModel); other int8 ops stay float.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "io.h"
#include "odonata/errors.h"
#include "odonata/measurements.h"
#include "odonata/onnx.h"
#include "odonata/version.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"

namespace odonata {
namespace {

using I64 = std::int64_t;

// A float in [lo, hi) from the top 53 bits of one draw: the same numbers on
// every platform (std::uniform_real_distribution's algorithm is not specified).
float Uniform(std::mt19937_64& rng, double lo, double hi) {
  double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return static_cast<float>(lo + (hi - lo) * u);
}

void SetType(onnx::ValueInfoProto* v, const TensorInfo& t) {
  v->set_name(t.name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(t.dtype == DataType::kInt64 ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  for (I64 d : t.shape) shape->add_dim()->set_dim_value(d);
}

void InitTensor(onnx::TensorProto* p, const TensorInfo& t) {
  p->set_name(t.name);
  p->set_data_type(t.dtype == DataType::kInt64 ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT);
  for (I64 d : t.shape) p->add_dims(d);
}

void AddInts(onnx::NodeProto* n, const char* name, const std::vector<I64>& values) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (I64 v : values) a->add_ints(v);
}

void AddInt(onnx::NodeProto* n, const char* name, I64 value) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void AddAttribute(onnx::NodeProto* n, const std::string& name, const Attribute& value) {
  auto* a = n->add_attribute();
  a->set_name(name);
  if (const auto* i = std::get_if<I64>(&value)) {
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(*i);
  } else if (const auto* f = std::get_if<double>(&value)) {
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(static_cast<float>(*f));
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(*s);
  } else if (const auto* v = std::get_if<std::vector<I64>>(&value)) {
    a->set_type(onnx::AttributeProto::INTS);
    for (I64 x : *v) a->add_ints(x);
  } else {
    throw Error("attribute '" + name + "' of an unsupported type");  // ToLayer sets ints, int lists and strings
  }
}

// Values of the Constant inputs ToLayer declares (Clip bounds, Resize scales,
// NonMaxSuppression's IoU threshold, 0.5 or NonMaxSuppressionIoU's (and ...Anchors') kernel_h / 100; its int64
// box limit is written apart).
std::vector<float> ConstantValues(const LayerConfig& c, const std::string& name) {
  if (name == "iou_threshold") {
    const bool own = c.op == "NonMaxSuppressionIoU" || c.op == "NonMaxSuppressionAnchors";
    return {own ? static_cast<float>(c.kernel_h) / 100.0f : 0.5f};
  }
  if (name == "min") return {0.0f};
  if (name == "max") return {6.0f};
  if (name == "scales") return {1.0f, 1.0f, static_cast<float>(c.stride_h), static_cast<float>(c.stride_w)};
  throw Error("no value for constant '" + name + "'");
}

// Values of the int64 Constant inputs: TopK's k is out_c; NonMaxSuppression's
// max_output_boxes_per_class in_h (every box may be selected); Slice's starts, ends, axes and
// steps keep the first out_c channels ([0], [out_c], [1], [1]; SliceH's rows, axes [2]); Gather's
// indices are out_c rows spread over the in_h rows, (i * 7919) mod in_h; GatherColumn's the scalar
// column 1, GatherBlock's the scalar block 0.
std::vector<I64> Int64ConstantValues(const LayerConfig& c, const std::string& name) {
  if (name == "k") return {c.out_c};
  if (name == "max_output_boxes_per_class") return {c.in_h};
  if (name == "starts") return {0};
  if (name == "ends") return {c.out_c};
  if (name == "axes") return {c.op == "SliceH" ? 2 : 1};
  if (name == "steps") return {1};
  if (name == "indices" && c.op == "GatherColumn") return {1};
  if (name == "indices" && c.op == "GatherBlock") return {0};
  if (name == "indices" && c.op == "Gather") {
    std::vector<I64> rows(static_cast<std::size_t>(c.out_c));
    // i * 7919 mod in_h, accumulated so that nothing overflows.
    const I64 step = 7919 % c.in_h;
    I64 row = 0;
    for (I64& r : rows) {
      r = row;
      row = row >= c.in_h - step ? row - (c.in_h - step) : row + step;
    }
    return rows;
  }
  throw Error("no value for constant '" + name + "'");
}

// An empty single-layer model: IR 8, odonata as producer, the default domain at `opset`.
onnx::ModelProto EmptyModel(const std::string& graph_name, std::int64_t opset) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("odonata");
  m.set_producer_version(Version());
  auto* import = m.add_opset_import();
  import->set_domain("");
  import->set_version(opset);
  m.mutable_graph()->set_name(graph_name);
  return m;
}

// The nodes of LayerNodes(c) (ToLayer's one layer, or a convolution and its activation), in
// order: weights as initializers (drawn in node and input order, so a convolution's weights do
// not depend on its activation), constants as Constant nodes, the first node's activation input
// a graph input, the last node's outputs the graph's.
onnx::ModelProto BuildModel(const LayerConfig& c, const std::vector<Layer>& nodes, std::uint64_t seed) {
  const Layer& first = nodes.front();
  // HardSwish is new in opset 14, LayerNormalization in 17; a contrib op
  // (com.microsoft Gelu) adds its domain at version 1.
  const std::int64_t opset = first.op_type == "LayerNormalization" ? 17 : first.op_type == "HardSwish" ? 14 : 13;
  onnx::ModelProto m = EmptyModel(c.op, opset);
  if (!first.domain.empty()) {
    auto* import = m.add_opset_import();
    import->set_domain(first.domain);
    import->set_version(1);
  }
  onnx::GraphProto* g = m.mutable_graph();
  std::mt19937_64 rng(seed);
  std::vector<std::string> produced;
  auto internal = [&](const std::string& name) {
    return std::find(produced.begin(), produced.end(), name) != produced.end();
  };
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const Layer& l = nodes[k];
    onnx::NodeProto node;
    node.set_name(l.name);
    node.set_op_type(l.op_type);
    if (!l.domain.empty()) node.set_domain(l.domain);
    for (const TensorInfo& t : l.inputs) {
      node.add_input(t.name);
      if (t.name.empty() || internal(t.name)) continue;  // an omitted optional input, or a node's output
      if (t.is_weight) {
        onnx::TensorProto* w = g->add_initializer();
        InitTensor(w, t);
        const I64 n = NumElements(t.shape);
        w->mutable_float_data()->Reserve(static_cast<int>(n));
        // Running variances must be positive; everything else is small noise.
        const bool variance = l.op_type == "BatchNormalization" && t.name == "var";
        for (I64 i = 0; i < n; ++i) w->add_float_data(variance ? Uniform(rng, 0.9, 1.1) : Uniform(rng, -0.1, 0.1));
      } else if (t.is_constant) {
        onnx::NodeProto* kn = g->add_node();
        kn->set_name(t.name);
        kn->set_op_type("Constant");
        kn->add_output(t.name);
        auto* a = kn->add_attribute();
        a->set_name("value");
        a->set_type(onnx::AttributeProto::TENSOR);
        InitTensor(a->mutable_t(), t);
        if (t.dtype == DataType::kInt64) {
          for (I64 v : Int64ConstantValues(c, t.name)) a->mutable_t()->add_int64_data(v);
        } else {
          for (float v : ConstantValues(c, t.name)) a->mutable_t()->add_float_data(v);
        }
      } else {
        SetType(g->add_input(), t);
      }
      produced.push_back(t.name);  // declared once
    }
    for (const TensorInfo& t : l.outputs) {
      node.add_output(t.name);
      produced.push_back(t.name);
      if (k + 1 == nodes.size()) SetType(g->add_output(), t);
    }
    const Window& w = l.window;
    if (l.op_type == "Conv" || l.op_type == "ConvTranspose" || l.op_type == "MaxPool" || l.op_type == "AveragePool") {
      AddInts(&node, "kernel_shape", w.kernel);
      AddInts(&node, "strides", w.strides);
      AddInts(&node, "pads", w.pads);
      if (l.op_type != "AveragePool") AddInts(&node, "dilations", w.dilations);
      if (l.op_type == "Conv" || l.op_type == "ConvTranspose") AddInt(&node, "group", w.group);
    }
    for (const auto& [name, value] : l.attributes) AddAttribute(&node, name, value);
    *g->add_node() = std::move(node);
  }
  return m;
}

// Whether `config` is written as a QDQ model: an int8 convolution or matrix
// product (the layers ONNX Runtime runs as int8 kernels).
bool IsQdq(const LayerConfig& c, const Layer& l) {
  return c.precision == Precision::kInt8 && (l.op_type == "Conv" || l.op_type == "Gemm" || l.op_type == "MatMul");
}

onnx::TensorProto* AddInitializer(onnx::GraphProto* g, const std::string& name, int type, const Shape& shape) {
  onnx::TensorProto* p = g->add_initializer();
  p->set_name(name);
  p->set_data_type(type);
  for (I64 d : shape) p->add_dims(d);
  return p;
}

onnx::NodeProto* AddNode(onnx::GraphProto* g, const std::string& op, const std::vector<std::string>& inputs,
                         const std::string& output) {
  onnx::NodeProto* n = g->add_node();
  n->set_name(output);
  n->set_op_type(op);
  for (const std::string& i : inputs) n->add_input(i);
  n->add_output(output);
  return n;
}

// SiLU as exporters write it, y = Mul(x, Sigmoid(x)) (opset 13): the two nodes ONNX Runtime
// fuses into one com.microsoft QuickGelu, so that the sweep times the kernel a network's SiLU
// runs as (the layer, ToLayer's, is that QuickGelu).
onnx::ModelProto BuildSiluModel(const LayerConfig& c, const Layer& l) {
  onnx::ModelProto m = EmptyModel(c.op, 13);
  onnx::GraphProto* g = m.mutable_graph();
  const TensorInfo& x = l.inputs.at(0);
  const TensorInfo& y = l.outputs.at(0);
  SetType(g->add_input(), x);
  AddNode(g, "Sigmoid", {x.name}, "sigmoid");
  AddNode(g, "Mul", {x.name, "sigmoid"}, y.name);
  SetType(g->add_output(), y);
  return m;
}

// ReduceMean over the last axis of [batch, in_h, in_w, in_c] as ConvNeXt-T and Swin-T export their
// channels-last LayerNorm: the input a Transpose (perm 0, 2, 3, 1) of an NCHW graph input `x_nchw`,
// and here the output transposed back (perm 0, 3, 1, 2) to `y_nchw` [batch, 1, in_h, in_w].
// ONNX Runtime's transpose optimizer folds the two Transposes away and runs one ReduceMean over the
// channel axis of the NCHW tensor (axes [1], keepdims; ORT 1.30, level all, optimized model read
// 2026-12-06), the kernel the networks run (data/host-ort-cpu/ort-graphs/convnext_tiny.json: 23
// "ReduceMean <- Transpose+ReduceMean"); a ReduceMean alone would time the contiguous last-axis
// reduction instead. The layer, ToLayer's, is the middle node, as odonata loads the network's.
onnx::ModelProto BuildReduceMeanModel(const LayerConfig& c, const Layer& l) {
  onnx::ModelProto m = EmptyModel(c.op, 13);
  onnx::GraphProto* g = m.mutable_graph();
  const TensorInfo& x = l.inputs.at(0);
  const TensorInfo& y = l.outputs.at(0);
  TensorInfo x_nchw = x, y_nchw = y;
  x_nchw.name = "x_nchw";
  x_nchw.shape = {c.batch, c.in_c, c.in_h, c.in_w};
  y_nchw.name = "y_nchw";
  y_nchw.shape = {c.batch, 1, c.in_h, c.in_w};
  SetType(g->add_input(), x_nchw);
  onnx::NodeProto* to_nhwc = AddNode(g, "Transpose", {x_nchw.name}, x.name);
  to_nhwc->set_name("to_nhwc");
  AddInts(to_nhwc, "perm", {0, 2, 3, 1});
  onnx::NodeProto* mean = AddNode(g, l.op_type, {x.name}, y.name);
  mean->set_name(l.name);
  for (const auto& [name, value] : l.attributes) AddAttribute(mean, name, value);
  onnx::NodeProto* to_nchw = AddNode(g, "Transpose", {y.name}, y_nchw.name);
  to_nchw->set_name("to_nchw");
  AddInts(to_nchw, "perm", {0, 3, 1, 2});
  SetType(g->add_output(), y_nchw);
  return m;
}

// The layer as ONNX Runtime's quantizer (quantize_static, QDQ format, U8S8)
// writes it: uint8 activations (graph input `x` and output `y`, zero point
// 128), int8 weights with per-channel scales (zero point 0), int32 bias with
// scale x_scale * w_scale, each through a DequantizeLinear, and the output
// through a QuantizeLinear: DQ(x), DQ(w), DQ(b) -> op -> Q -> y. Without the
// Quantize of the graph input and the Dequantize of its output, so that the
// model's kernels are the int8 layer's alone; a convolution's activations are
// NHWC (`x_nhwc`, `y_nhwc`), transposed to and from the Conv's NCHW.
onnx::ModelProto BuildQdqModel(const LayerConfig& c, const Layer& l, std::uint64_t seed) {
  onnx::ModelProto m = EmptyModel(c.op + "_int8_qdq", 13);
  onnx::GraphProto* g = m.mutable_graph();
  std::mt19937_64 rng(seed);
  constexpr float kActScale = 0.02f;
  // Gemm's weight is [in, out]: its channels are axis 1; Conv's [out, in/group, kh, kw]: axis 0.
  const bool gemm = l.op_class == OpClass::kGemm;
  const I64 channels = gemm ? l.inputs[1].shape.back() : l.outputs[0].shape[1];
  // ONNX Runtime runs QLinearConv channels-last (NHWC) and transposes an NCHW
  // input and output around it, which a network of int8 layers does once (its
  // first input) and a layer alone would do every time: the convolution's
  // activations enter and leave as NHWC, through Transposes that cancel the
  // runtime's own.
  const bool nhwc = l.op_type == "Conv" && l.inputs[0].shape.size() == 4;
  std::vector<float> w_scale(static_cast<std::size_t>(channels));
  for (float& s : w_scale) s = Uniform(rng, 0.002, 0.01);

  onnx::NodeProto node;
  node.set_name(l.name);
  node.set_op_type(l.op_type);
  for (const TensorInfo& t : l.inputs) {
    if (t.name.empty()) {
      node.add_input("");
      continue;
    }
    const std::string q = t.name + "_quantized", dq = t.name + "_dequantized";
    if (!t.is_weight && !t.is_constant) {  // an activation: uint8 graph input
      onnx::ValueInfoProto* v = g->add_input();
      auto* tt = v->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(onnx::TensorProto::UINT8);
      if (nhwc) {
        v->set_name(t.name + "_nhwc");
        for (I64 d : Shape{t.shape[0], t.shape[2], t.shape[3], t.shape[1]})
          tt->mutable_shape()->add_dim()->set_dim_value(d);
        AddInts(AddNode(g, "Transpose", {t.name + "_nhwc"}, q), "perm", {0, 3, 1, 2});
      } else {
        v->set_name(q);
        for (I64 d : t.shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
      }
      AddInitializer(g, t.name + "_scale", onnx::TensorProto::FLOAT, {})->add_float_data(kActScale);
      AddInitializer(g, t.name + "_zero_point", onnx::TensorProto::UINT8, {})->add_int32_data(128);
      AddNode(g, "DequantizeLinear", {q, t.name + "_scale", t.name + "_zero_point"}, dq);
    } else if (t.name == "b") {  // bias: int32, scale x_scale * w_scale
      const I64 n = NumElements(t.shape);
      onnx::TensorProto* b = AddInitializer(g, q, onnx::TensorProto::INT32, t.shape);
      for (I64 i = 0; i < n; ++i) b->add_int32_data(static_cast<std::int32_t>(Uniform(rng, -1000, 1000)));
      onnx::TensorProto* s = AddInitializer(g, t.name + "_scale", onnx::TensorProto::FLOAT, {n});
      onnx::TensorProto* z = AddInitializer(g, t.name + "_zero_point", onnx::TensorProto::INT32, {n});
      for (I64 i = 0; i < n; ++i) {
        s->add_float_data(kActScale * w_scale[static_cast<std::size_t>(i % channels)]);
        z->add_int32_data(0);
      }
      AddInt(AddNode(g, "DequantizeLinear", {q, t.name + "_scale", t.name + "_zero_point"}, dq), "axis", 0);
    } else if (t.is_weight) {  // weights: int8, per output channel
      const I64 n = NumElements(t.shape);
      onnx::TensorProto* w = AddInitializer(g, q, onnx::TensorProto::INT8, t.shape);
      for (I64 i = 0; i < n; ++i) w->add_int32_data(static_cast<std::int32_t>(std::floor(Uniform(rng, -127, 128))));
      onnx::TensorProto* s = AddInitializer(g, t.name + "_scale", onnx::TensorProto::FLOAT, {channels});
      onnx::TensorProto* z = AddInitializer(g, t.name + "_zero_point", onnx::TensorProto::INT8, {channels});
      for (I64 i = 0; i < channels; ++i) {
        s->add_float_data(w_scale[static_cast<std::size_t>(i)]);
        z->add_int32_data(0);
      }
      AddInt(AddNode(g, "DequantizeLinear", {q, t.name + "_scale", t.name + "_zero_point"}, dq), "axis", gemm ? 1 : 0);
    } else {
      throw Error("int8 model of " + c.op + ": constant input '" + t.name + "' is not supported");
    }
    node.add_input(dq);
  }
  if (l.outputs.size() != 1) throw Error("int8 model of " + c.op + ": one output expected");
  const TensorInfo& y = l.outputs[0];
  const std::string y_float = y.name + "_float";
  node.add_output(y_float);
  const Window& w = l.window;
  if (l.op_type == "Conv" || l.op_type == "ConvTranspose") {
    AddInts(&node, "kernel_shape", w.kernel);
    AddInts(&node, "strides", w.strides);
    AddInts(&node, "pads", w.pads);
    AddInts(&node, "dilations", w.dilations);
    AddInt(&node, "group", w.group);
  }
  for (const auto& [name, value] : l.attributes) AddAttribute(&node, name, value);
  *g->add_node() = std::move(node);
  AddInitializer(g, y.name + "_scale", onnx::TensorProto::FLOAT, {})->add_float_data(4 * kActScale);
  AddInitializer(g, y.name + "_zero_point", onnx::TensorProto::UINT8, {})->add_int32_data(128);
  const std::string y_out = nhwc ? y.name + "_nhwc" : y.name;
  AddNode(g, "QuantizeLinear", {y_float, y.name + "_scale", y.name + "_zero_point"}, y.name);
  if (nhwc) AddInts(AddNode(g, "Transpose", {y.name}, y_out), "perm", {0, 2, 3, 1});
  onnx::ValueInfoProto* out = g->add_output();
  out->set_name(y_out);
  auto* tt = out->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::UINT8);
  const Shape y_shape = nhwc ? Shape{y.shape[0], y.shape[2], y.shape[3], y.shape[1]} : y.shape;
  for (I64 d : y_shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
  return m;
}

}  // namespace

std::string LayerModelBytes(const LayerConfig& config, std::uint64_t seed) {
  const Layer layer = ToLayer(config);
  // Protobuf cannot serialise messages of 2 GiB or more.
  if (layer.counts.weight_elems > (std::numeric_limits<int>::max() - (1 << 20)) / 4) {
    throw Error(std::to_string(layer.counts.weight_elems) + " weights exceed the 2 GiB limit of an ONNX file");
  }
  if (config.op == "Gather" && config.out_c > (std::numeric_limits<int>::max() - (1 << 20)) / 8) {
    throw Error(std::to_string(config.out_c) + " indices exceed the 2 GiB limit of an ONNX file");
  }
  onnx::ModelProto model = IsQdq(config, layer)  ? BuildQdqModel(config, layer, seed)
                            : config.op == "SiLU" ? BuildSiluModel(config, layer)
                            : config.op == "ReduceMean" ? BuildReduceMeanModel(config, layer)
                                                  : BuildModel(config, LayerNodes(config), seed);
  if (SweepActivation(config.op) == FusedActivation::kHardSwish) {
    // The Mul's output through a Reshape to the same shape (LayerNodes): ONNX Runtime fuses the
    // gate into the Conv only when the Mul's output is not a graph output.
    onnx::GraphProto* g = model.mutable_graph();
    const std::string mul_out = g->output(0).name();
    g->mutable_output(0)->set_name("y");
    const Shape& y = layer.outputs.at(0).shape;
    onnx::TensorProto* shape = AddInitializer(g, "reshape_shape", onnx::TensorProto::INT64, {static_cast<I64>(y.size())});
    for (I64 d : y) shape->add_int64_data(d);
    AddNode(g, "Reshape", {mul_out, "reshape_shape"}, "y")->set_name("reshape");
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(std::string("the generated model is invalid (a bug in odonata): ") + e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error("serialisation failed");
  return bytes;
}

void WriteLayerModel(const LayerConfig& config, const std::string& path, std::uint64_t seed) {
  ToLayer(config);  // an invalid configuration is the caller's error, not the file's
  std::string bytes;
  try {
    bytes = LayerModelBytes(config, seed);
  } catch (const Error& e) {
    throw Error("cannot write '" + path + "': " + e.what());
  }
  WriteFileAtomic(path, bytes);
}

}  // namespace odonata
