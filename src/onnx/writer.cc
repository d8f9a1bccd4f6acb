// Runnable single-layer ONNX models for benchmarking (`odonata sweep`). The
// model is built from ToLayer(config), so the node a runtime times is the
// layer odonata counts: LoadOnnx of the written file gives the same Layer.
// Weights are float32 (an fp16/int8 benchmark converts them in the runtime:
// TensorRT --fp16, quantisation); opset 13, or 14 for HardSwish (new in 14).
#include <unistd.h>

#include <cerrno>
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
// NonMaxSuppression's IoU threshold; its int64 box limit is written apart).
std::vector<float> ConstantValues(const LayerConfig& c, const std::string& name) {
  if (name == "iou_threshold") return {0.5f};
  if (name == "min") return {0.0f};
  if (name == "max") return {6.0f};
  if (name == "scales") return {1.0f, 1.0f, static_cast<float>(c.stride_h), static_cast<float>(c.stride_w)};
  throw Error("no value for constant '" + name + "'");
}

onnx::ModelProto BuildModel(const LayerConfig& c, const Layer& l, std::uint64_t seed) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("odonata");
  m.set_producer_version(Version());
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(l.op_type == "HardSwish" ? 14 : 13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name(c.op);

  onnx::NodeProto node;
  node.set_name(l.name);
  node.set_op_type(l.op_type);
  std::mt19937_64 rng(seed);
  for (const TensorInfo& t : l.inputs) {
    node.add_input(t.name);
    if (t.name.empty()) continue;  // an omitted optional input
    if (t.is_weight) {
      onnx::TensorProto* w = g->add_initializer();
      InitTensor(w, t);
      const I64 n = NumElements(t.shape);
      w->mutable_float_data()->Reserve(static_cast<int>(n));
      // Running variances must be positive; everything else is small noise.
      const bool variance = l.op_type == "BatchNormalization" && t.name == "var";
      for (I64 i = 0; i < n; ++i) w->add_float_data(variance ? Uniform(rng, 0.9, 1.1) : Uniform(rng, -0.1, 0.1));
    } else if (t.is_constant) {
      onnx::NodeProto* k = g->add_node();
      k->set_name(t.name);
      k->set_op_type("Constant");
      k->add_output(t.name);
      auto* a = k->add_attribute();
      a->set_name("value");
      a->set_type(onnx::AttributeProto::TENSOR);
      InitTensor(a->mutable_t(), t);
      if (t.dtype == DataType::kInt64) {
        a->mutable_t()->add_int64_data(c.in_h);  // max_output_boxes_per_class: every box may be selected
      } else {
        for (float v : ConstantValues(c, t.name)) a->mutable_t()->add_float_data(v);
      }
    } else {
      SetType(g->add_input(), t);
    }
  }
  for (const TensorInfo& t : l.outputs) {
    node.add_output(t.name);
    SetType(g->add_output(), t);
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
  return m;
}

}  // namespace

void WriteLayerModel(const LayerConfig& config, const std::string& path, std::uint64_t seed) {
  const Layer layer = ToLayer(config);
  // Protobuf cannot serialise messages of 2 GiB or more.
  if (layer.counts.weight_elems > (std::numeric_limits<int>::max() - (1 << 20)) / 4) {
    throw Error("cannot write '" + path + "': " + std::to_string(layer.counts.weight_elems) +
                " weights exceed the 2 GiB limit of an ONNX file");
  }
  onnx::ModelProto model = BuildModel(config, layer, seed);
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error("cannot write '" + path + "': the generated model is invalid (a bug in odonata): " + e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error("cannot write '" + path + "': serialisation failed");
  WriteFileAtomic(path, bytes);
}

}  // namespace odonata
