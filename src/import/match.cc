// Matching runtime report rows to network layers, and the single-layer
// configuration of a layer. The one stage that interprets report names; the
// readers only record them.
//
// Name rules, in order (each seen in the real NCS2 reports against ANNETTE's
// graphs, tests/data/import/README.md):
// 1. Exact: the row name, or any of its fused parts (OpenVINO joins them with
//    ',', TensorRT with " + "), is a layer name (or a node a fused layer covers).
//    "conv2d_1/BiasAdd/Add,conv2d_1/Conv2D" -> conv2d_1/Conv2D.
// 2. Runtime suffix: OpenVINO names a stage it creates after the layer with a
//    "/<stage>" suffix ("resnet_v1_50/pool5/Pool" for TF's pool5 reduce_mean).
//    Dropping trailing "/..." components finds the layer; accepted only for a
//    compute layer that has no row of its own and whose class agrees with the
//    row's layer type, so inserted copies ("logits/Conv2D/Transpose", a
//    Permute) are not charged to the layer they follow.
// 3. ANNETTE split: ANNETTE's Caffe parser splits InnerProduct "classifier"
//    into "classifier_0" (Flatten) and "classifier_1" (FullyConnected); the
//    row covers both.
// A row covering several layers is attributed to its main layer: the first
// compute layer (conv, gemm), else the first pool, softmax, eltwise, ... layer.
// An explicit zero Pad before a convolution (TF's "resnet_v1_50/Pad") has no
// row: OpenVINO's Model Optimizer folds it into the convolution's pads, and
// the measured configuration is the padded convolution (224x224, pad 3, not
// 230x230, pad 0).
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "counts.h"
#include "odonata/errors.h"
#include "odonata/importers.h"

namespace odonata {
namespace {

using I64 = std::int64_t;

// N, C, H, W of an NCHW activation, or of [N, C] as C x 1 x 1.
struct Nchw {
  I64 n = 1, c = 1, h = 1, w = 1;
};

std::optional<Nchw> Dims(const Shape& s) {
  if (s.size() == 4) return Nchw{s[0], s[1], s[2], s[3]};
  if (s.size() == 2) return Nchw{s[0], s[1], 1, 1};
  return std::nullopt;
}

// Activation inputs (not weights or constants) of a layer.
std::vector<const TensorInfo*> Activations(const Layer& l) {
  std::vector<const TensorInfo*> v;
  for (const TensorInfo& t : l.inputs) {
    if (!t.name.empty() && !t.is_weight && !t.is_constant) v.push_back(&t);
  }
  return v;
}

// Checked: shapes and pads come from files.
I64 WindowOut(I64 in, I64 kernel, I64 stride, I64 pad, I64 dilation) {
  const I64 span = CheckedAdd(CheckedMul(dilation, kernel - 1), 1);
  return (CheckedAdd(in, CheckedMul(2, pad)) - span) / stride + 1;
}

// LayerConfig pads both sides alike. Asymmetric pads (TF "SAME" with stride
// 2 pads one more row at the end) are approximated by the symmetric pad that
// keeps the layer's output size, so the configuration does the same work;
// when neither side's value does, by the begin value.
I64 SymmetricPad(I64 in, I64 out, I64 kernel, I64 stride, I64 dilation, I64 begin, I64 end) {
  if (begin == end) return begin;
  for (I64 p : {std::min(begin, end), std::max(begin, end)}) {
    if (WindowOut(in, kernel, stride, p, dilation) == out) return p;
  }
  return begin;
}

// Kernel, stride, pads and dilation of a 2-D window into `c`; false when the
// window is not a plain 2-D one (anisotropic dilation, 1-D or 3-D).
bool SetWindow(const Layer& l, const Nchw& x, const Nchw& y, LayerConfig& c) {
  const Window& w = l.window;
  if (w.kernel.size() != 2 || w.strides.size() != 2 || w.pads.size() != 4 || w.dilations.size() != 2) return false;
  if (w.dilations[0] != w.dilations[1]) return false;
  for (I64 v : {w.kernel[0], w.kernel[1], w.strides[0], w.strides[1], w.dilations[0]}) {
    if (v < 1) return false;
  }
  c.kernel_h = w.kernel[0];
  c.kernel_w = w.kernel[1];
  c.stride_h = w.strides[0];
  c.stride_w = w.strides[1];
  c.dilation = w.dilations[0];
  c.pad_h = SymmetricPad(x.h, y.h, c.kernel_h, c.stride_h, c.dilation, w.pads[0], w.pads[2]);
  c.pad_w = SymmetricPad(x.w, y.w, c.kernel_w, c.stride_w, c.dilation, w.pads[1], w.pads[3]);
  return true;
}

// Rank of a layer as the main layer of a fused row: lower is more central.
int MainRank(OpClass c) {
  switch (c) {
    case OpClass::kConv:
    case OpClass::kDepthwiseConv:
    case OpClass::kConv1d:
    case OpClass::kGemm:
    case OpClass::kConvInt8:
    case OpClass::kDepthwiseConvInt8:
    case OpClass::kGemmInt8:
    case OpClass::kRecurrent:
      return 0;
    case OpClass::kPool:
      return 1;
    case OpClass::kSoftmax:
      return 2;
    case OpClass::kEltwise:
      return 3;
    case OpClass::kNorm:
      return 4;
    case OpClass::kActivation:
    case OpClass::kSilu:
      return 5;
    case OpClass::kResize:
    case OpClass::kResizeNchwc:
    case OpClass::kReduce:
    case OpClass::kTopK:
      return 6;
    case OpClass::kDetection:
    case OpClass::kRoi:
    case OpClass::kNonZero:
    case OpClass::kControl:
    case OpClass::kUnknown:
      return 7;
    case OpClass::kData:
    case OpClass::kScatter:
    case OpClass::kGatherNd:
      return 8;
  }
  return 8;
}

// The class of work a report row says it did, when its layer type tells.
std::optional<OpClass> ReportedClass(const std::string& format, const std::string& type) {
  if (format == RuntimeName(Runtime::kOnnxRuntime)) {
    OpClass c = ClassifyOp(type, "");
    if (c == OpClass::kUnknown) return std::nullopt;
    return c;
  }
  if (format != RuntimeName(Runtime::kOpenVino)) return std::nullopt;
  struct Entry {
    const char* type;
    OpClass cls;
  };
  // OpenVINO (IR v7-v10) layer types.
  static constexpr Entry kTypes[] = {
      {"Convolution", OpClass::kConv},
      {"GroupConvolution", OpClass::kConv},
      {"Deconvolution", OpClass::kConv},
      {"FullyConnected", OpClass::kGemm},
      {"MatMul", OpClass::kGemm},
      {"Gemm", OpClass::kGemm},
      {"Pooling", OpClass::kPool},
      {"MaxPool", OpClass::kPool},
      {"AvgPool", OpClass::kPool},
      {"Eltwise", OpClass::kEltwise},
      {"Add", OpClass::kEltwise},
      {"Multiply", OpClass::kEltwise},
      {"ReLU", OpClass::kActivation},
      {"Relu", OpClass::kActivation},
      {"Clamp", OpClass::kActivation},
      {"Sigmoid", OpClass::kActivation},
      {"HSwish", OpClass::kActivation},
      {"Activation", OpClass::kActivation},
      {"SoftMax", OpClass::kSoftmax},
      {"Softmax", OpClass::kSoftmax},
      {"BatchNormalization", OpClass::kNorm},
      {"ScaleShift", OpClass::kNorm},
      {"Norm", OpClass::kNorm},
      {"LRN", OpClass::kNorm},
      {"MVN", OpClass::kNorm},
      {"Interp", OpClass::kResize},
      {"Resample", OpClass::kResize},
      {"Interpolate", OpClass::kResize},
      {"Permute", OpClass::kData},
      {"Transpose", OpClass::kData},
      {"Reshape", OpClass::kData},
      {"Concat", OpClass::kData},
      {"Copy", OpClass::kData},
      {"Convert", OpClass::kData},
      {"Reorder", OpClass::kData},
      {"Split", OpClass::kData},
      {"Crop", OpClass::kData},
      {"Input", OpClass::kData},
      {"Output", OpClass::kData},
      {"Const", OpClass::kData},
  };
  for (const Entry& e : kTypes) {
    if (type == e.type) return e.cls;
  }
  return std::nullopt;
}

bool SameWork(OpClass reported, OpClass layer) {
  // A runtime's QLinearConv (conv_int8) did the work of a QDQ network's Conv (conv); its
  // QuickGelu (silu) that of a Sigmoid + Mul layer (activation) of a platform without the rule.
  auto norm = [](OpClass c) {
    c = FloatClassOf(c);
    if (c == OpClass::kSilu) return OpClass::kActivation;
    return c == OpClass::kDepthwiseConv ? OpClass::kConv : c;
  };
  return norm(reported) == norm(layer);
}

std::vector<std::string> FusedParts(const RuntimeReport& report, const std::string& name) {
  const std::string sep = report.format == RuntimeName(Runtime::kTensorRt) ? " + " : ",";
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  for (;;) {
    auto end = name.find(sep, start);
    parts.push_back(name.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + sep.size();
  }
}

// "Reformatting CopyNode for Input Tensor 0 to conv1 + relu1": a layout
// conversion TensorRT inserts, whose name quotes the layer it feeds.
bool IsReformatting(const RuntimeReport& report, const RuntimeLayerTime& row) {
  return report.format == RuntimeName(Runtime::kTensorRt) && row.name.starts_with("Reformatting ");
}

// `c` of Conv layer `l` with the zero padding of the Pad layer producing its
// input folded in, when that Pad has no row of its own.
void FoldPad(const Network& net, const Layer& l, const std::unordered_map<std::string, std::size_t>& producer,
             const std::unordered_set<std::size_t>& claimed, LayerConfig& c) {
  if (l.op_type != "Conv" || l.inputs.empty() || l.window.pads.size() != 4) return;
  auto p = producer.find(l.inputs[0].name);
  if (p == producer.end() || claimed.count(p->second)) return;
  const Layer& pad = net.layers[p->second];
  auto pads = pad.attributes.find("pads");
  auto mode = pad.attributes.find("mode");
  if (pad.op_type != "Pad" || pad.inputs.empty() || pads == pad.attributes.end()) return;
  if (mode != pad.attributes.end() && std::get_if<std::string>(&mode->second) &&
      std::get<std::string>(mode->second) != "constant") {
    return;
  }
  const auto* v = std::get_if<std::vector<I64>>(&pads->second);
  const std::optional<Nchw> x = Dims(pad.inputs[0].shape);
  const std::optional<Nchw> y = Dims(l.outputs[0].shape);
  // NCHW begins then ends; only spatial padding folds into a convolution.
  if (!v || v->size() != 8 || (*v)[0] || (*v)[1] || (*v)[4] || (*v)[5] || !x || !y) return;
  const Window& w = l.window;
  c.in_h = x->h;
  c.in_w = x->w;
  c.pad_h = SymmetricPad(x->h, y->h, c.kernel_h, c.stride_h, c.dilation, CheckedAdd(w.pads[0], (*v)[2]),
                         CheckedAdd(w.pads[2], (*v)[6]));
  c.pad_w = SymmetricPad(x->w, y->w, c.kernel_w, c.stride_w, c.dilation, CheckedAdd(w.pads[1], (*v)[3]),
                         CheckedAdd(w.pads[3], (*v)[7]));
}

}  // namespace

std::optional<LayerConfig> ConfigOf(const Layer& l, Precision precision) {
  if (!l.domain.empty() && l.domain != "ai.onnx") return std::nullopt;
  if (l.data_dependent || l.outputs.empty()) return std::nullopt;
  const std::vector<const TensorInfo*> acts = Activations(l);
  if (acts.empty()) return std::nullopt;
  const std::optional<Nchw> x = Dims(acts[0]->shape);
  const std::optional<Nchw> y = Dims(l.outputs[0].shape);
  if (!x || !y) return std::nullopt;

  LayerConfig c;
  c.op = l.op_type;
  c.precision = precision;
  c.batch = x->n;
  c.in_c = x->c;
  c.in_h = x->h;
  c.in_w = x->w;
  c.out_c = y->c;
  const std::string& op = l.op_type;
  const bool four_d = acts[0]->shape.size() == 4 && l.outputs[0].shape.size() == 4;

  if (op == "Conv") {
    if (!four_d || !SetWindow(l, *x, *y, c)) return std::nullopt;
    const I64 g = l.window.group;
    if (g > 1 && g == x->c) {
      c.op = "DepthwiseConv";  // out_c may be a multiple of in_c (depth multiplier)
    } else if (g < 1 || x->c % g != 0 || y->c % g != 0) {
      return std::nullopt;
    }
    c.groups = g;
    return c;
  }
  if (op == "Gemm" || op == "MatMul") {
    // A 2-D input [M, K] times a 2-D weight: batch M, K -> N features.
    const Shape& a = acts[0]->shape;
    const Shape& out = l.outputs[0].shape;
    if (a.size() != 2 || out.size() != 2 || l.inputs.size() < 2 || l.inputs[1].shape.size() != 2) {
      return std::nullopt;
    }
    const bool trans_a = op == "Gemm" && l.attributes.count("transA") && std::get_if<I64>(&l.attributes.at("transA")) &&
                         std::get<I64>(l.attributes.at("transA"));
    c.op = "Gemm";
    c.batch = trans_a ? a[1] : a[0];
    c.in_c = trans_a ? a[0] : a[1];
    c.in_h = c.in_w = 1;
    c.out_c = out[1];
    return c;
  }
  if (op == "MaxPool" || op == "AveragePool") {
    if (!four_d || !SetWindow(l, *x, *y, c)) return std::nullopt;
    return c;
  }
  if (op == "GlobalAveragePool") {
    if (!four_d) return std::nullopt;
    return c;  // the window is the input; kernel, stride and pads stay at their defaults
  }
  if (op == "Add" || op == "Mul") {
    // Two inputs of the output's shape (no broadcasting).
    if (l.inputs.size() != 2 || l.inputs[0].shape != l.outputs[0].shape || l.inputs[1].shape != l.outputs[0].shape) {
      return std::nullopt;
    }
    return c;
  }
  if (op == "Relu" || op == "Clip" || op == "Sigmoid" || op == "HardSwish" || op == "BatchNormalization" ||
      op == "Softmax") {
    // Same number of elements in and out: ANNETTE's Caffe graphs give the
    // final Softmax a [N, C] input and an NHWC [N, 1, 1, C] output.
    if (acts.size() != 1 || NumElements(acts[0]->shape) != NumElements(l.outputs[0].shape)) return std::nullopt;
    c.out_c = c.in_c;
    if (op == "Softmax") {
      // Over the channels: [N, C] or NCHW with axis 1.
      auto a = l.attributes.find("axis");
      const I64 rank = static_cast<I64>(acts[0]->shape.size());
      I64 axis = a != l.attributes.end() && std::get_if<I64>(&a->second) ? std::get<I64>(a->second) : -1;
      if (axis < 0) axis += rank;
      if (axis != 1) return std::nullopt;
    }
    return c;
  }
  if (op == "Concat") {
    // Two equal inputs along the channels.
    auto a = l.attributes.find("axis");
    const I64 rank = static_cast<I64>(acts[0]->shape.size());
    I64 axis = a != l.attributes.end() && std::get_if<I64>(&a->second) ? std::get<I64>(a->second) : 1;
    if (axis < 0) axis += rank;
    if (l.inputs.size() != 2 || acts.size() != 2 || acts[0]->shape != acts[1]->shape || axis != 1) {
      return std::nullopt;
    }
    return c;
  }
  return std::nullopt;
}

ImportResult MatchReport(const RuntimeReport& report, const Network& network, Precision precision) {
  std::unordered_map<std::string, std::size_t> by_name, producer;
  for (std::size_t i = 0; i < network.layers.size(); ++i) {
    by_name.emplace(network.layers[i].name, i);
    for (const std::string& node : network.layers[i].covers) by_name.emplace(node, i);
    for (const TensorInfo& t : network.layers[i].outputs) producer.emplace(t.name, i);
  }
  auto find = [&](const std::string& name) -> std::optional<std::size_t> {
    auto it = by_name.find(name);
    if (it == by_name.end()) return std::nullopt;
    return it->second;
  };

  // Rule 1 for all rows first: rule 2 must know which layers have rows of their own.
  const std::vector<RuntimeLayerTime>& rows = report.layers;
  std::vector<std::vector<std::size_t>> exact(rows.size());
  std::unordered_set<std::size_t> claimed;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    if (rows[k].status != "EXECUTED" || IsReformatting(report, rows[k])) continue;
    for (const std::string& part : FusedParts(report, rows[k].name)) {
      std::optional<std::size_t> i = find(part);
      if (i && std::find(exact[k].begin(), exact[k].end(), *i) == exact[k].end()) exact[k].push_back(*i);
    }
    claimed.insert(exact[k].begin(), exact[k].end());
  }

  ImportResult result;
  result.report_rows = rows.size();
  // An executed row not imported: its time is missing from the measurements.
  auto lost = [&](const std::string& why) {
    result.unmatched.push_back(why);
    result.executed_unmatched.push_back(why);
  };
  std::unordered_map<std::size_t, std::string> measured_by;  // layer -> origin of its row
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const RuntimeLayerTime& r = rows[k];
    const std::string label = r.origin + ": '" + r.name + "': ";
    if (r.status != "EXECUTED") {
      result.unmatched.push_back(label + "not executed (" + r.status + ")");  // expected: fused away, free
      continue;
    }
    if (IsReformatting(report, r)) {
      lost(label + "TensorRT reformatting layer");
      continue;
    }
    const std::optional<OpClass> reported = ReportedClass(report.format, r.layer_type);
    std::vector<std::size_t> layers = exact[k];
    if (layers.empty()) {
      // Rule 2: a runtime stage named "<layer>/<stage>".
      for (const std::string& part : FusedParts(report, r.name)) {
        for (auto slash = part.rfind('/'); slash != std::string::npos && slash > 0 && layers.empty();
             slash = part.rfind('/', slash - 1)) {
          std::optional<std::size_t> i = find(part.substr(0, slash));
          if (!i || claimed.count(*i)) continue;
          const OpClass cls = network.layers[*i].op_class;
          if (cls != OpClass::kData && reported && SameWork(*reported, cls)) layers.push_back(*i);
        }
        if (!layers.empty()) break;
      }
    }
    if (layers.empty()) {
      // Rule 3: ANNETTE's "<name>_0", "<name>_1", ... for one runtime layer.
      for (const std::string& part : FusedParts(report, r.name)) {
        for (int n = 0;; ++n) {
          std::optional<std::size_t> i = find(part + "_" + std::to_string(n));
          if (!i) break;
          if (!claimed.count(*i)) layers.push_back(*i);
        }
      }
    }
    if (layers.empty()) {
      lost(label + "no layer of this name in " + network.name);
      continue;
    }
    std::size_t main = layers[0];
    for (std::size_t i : layers) {
      if (MainRank(network.layers[i].op_class) < MainRank(network.layers[main].op_class)) main = i;
    }
    const Layer& layer = network.layers[main];
    if (exact[k].empty() && reported && !SameWork(*reported, layer.op_class)) {
      lost(label + "layer '" + layer.name + "' (" + layer.op_type + ") does not do the work of a " + r.layer_type);
      continue;
    }
    if (auto m = measured_by.find(main); m != measured_by.end()) {
      lost(label + "layer '" + layer.name + "' is already measured by " + m->second);
      continue;
    }
    if (!(r.ms > 0)) {
      // A measurement of 0 ms is not one (measurement CSVs reject it).
      lost(label + "0 ms (below the report's resolution)");
      continue;
    }
    std::optional<LayerConfig> config = ConfigOf(layer, precision);
    if (!config) {
      lost(label + "layer '" + layer.name + "' (" + layer.op_type + ") has no single-layer configuration");
      continue;
    }
    FoldPad(network, layer, producer, claimed, *config);
    measured_by[main] = r.origin;
    Measurement m;
    m.config = *config;
    m.latency_ms = r.ms;
    m.origin = r.origin;
    m.extra = {{"name", r.name}, {"layer_type", r.layer_type}, {"exec_type", r.exec_type}};
    result.rows.push_back(std::move(m));
  }
  return result;
}

}  // namespace odonata
