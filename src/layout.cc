// ONNX Runtime's NCHWc layout emulated on odonata's fused layers (include/odonata/layout.h).
//
// The rules follow NchwcTransformerImpl in onnxruntime/core/optimizer/nchwc_transformer.cc
// (read at microsoft/onnxruntime commit 0ef8ce5de2c52987af8b2db9b6993e44ec155af1), checked
// against the graphs onnxruntime-node 1.30.0 optimized on the AMD EPYC guest
// (data/host-ort-cpu/ort-graphs/, `reorders`), which relax that version's channel
// alignment as noted at each rule below (kChannelAlign). In short:
//   - Conv with constant float 4-D weights: group 1 with input channels below the block
//     reads its NCHW input directly (no ReorderInput); group 1 with more input channels,
//     depthwise, and grouped with block-aligned channels per group run NCHWc;
//   - MaxPool/AveragePool on aligned channels run NCHWc (a ReorderInput when their input
//     is NCHW); GlobalAveragePool/GlobalMaxPool, Relu/Sigmoid/Tanh, BatchNormalization and
//     nearest Resize/Upsample with integer spatial scales only when their input is NCHWc;
//     Add/Sum/Mul when every input is NCHWc with one shape, Concat on the channel axis when
//     every input is NCHWc with aligned channels;
//   - a Transpose NCHW -> NHWC of an NCHWc tensor becomes a ReorderOutput;
//   - one ReorderOutput per NCHWc tensor that an NCHW layer or a graph output reads,
//     one ReorderInput per NCHW tensor that NCHWc layers read.
// Identity and Dropout, which ONNX Runtime removes before this pass, pass the layout through.
#include "odonata/layout.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "counts.h"
#include "odonata/errors.h"

namespace odonata {

namespace {

// Channel counts ONNX Runtime 1.30's NCHWc kernels take without a full block: the suite's
// graphs run NCHWc convolutions on 104, 440 and 52 input channels and depthwise ones on 24,
// 72 and 120 channels, and keep NCHW those on 26 and 110 input channels and 58-channel
// depthwise ones (data/host-ort-cpu/ort-graphs/README.md): a multiple of 4 suffices.
constexpr std::int64_t kChannelAlign = 4;

struct TensorState {
  std::size_t producer = 0;
  std::int64_t channels = 0;
  Shape shape;
  bool needs_output = false;  // a ReorderOutput was recorded
};

bool IsData(const TensorInfo& t) { return !t.name.empty() && !t.is_weight && !t.is_constant; }

std::int64_t Channels(const Shape& s) { return s.size() >= 2 ? s[1] : 0; }

const Attribute* Attr(const Layer& l, const std::string& name) {
  auto it = l.attributes.find(name);
  return it == l.attributes.end() ? nullptr : &it->second;
}

class Emulator {
 public:
  Emulator(const std::vector<Layer>& layers, std::int64_t block) : layers_(layers), block_(block) {
    out_.nchwc.assign(layers.size(), false);
    for (std::size_t i = 0; i < layers.size(); ++i) {
      for (const TensorInfo& t : layers[i].inputs) {
        if (IsData(t)) readers_[t.name].push_back(i);
      }
    }
  }

  NchwcLayout Run(const std::vector<TensorInfo>& graph_outputs) {
    for (std::size_t i = 0; i < layers_.size(); ++i) Visit(i);
    for (const TensorInfo& t : graph_outputs) {
      auto it = nchwc_.find(t.name);
      if (it != nchwc_.end()) NeedOutput(t.name, it->second, it->second.producer);
    }
    return std::move(out_);
  }

 private:
  bool IsNchwc(const std::string& name) const { return nchwc_.count(name) > 0; }

  void NeedOutput(const std::string& name, TensorState& s, std::size_t layer) {
    if (s.needs_output) return;
    s.needs_output = true;
    Reorder r;
    r.kind = Reorder::Kind::kOutput;
    r.tensor = name;
    r.elements = NumElements(s.shape);
    r.layer = layer;
    r.producer = s.producer;
    out_.reorders.push_back(r);
  }

  void NeedInput(const TensorInfo& t, std::size_t layer) {
    if (!reordered_in_.insert(t.name).second) return;
    Reorder r;
    r.kind = Reorder::Kind::kInput;
    r.tensor = t.name;
    r.elements = NumElements(t.shape);
    r.layer = layer;
    auto p = producer_.find(t.name);
    r.producer = p == producer_.end() ? std::numeric_limits<std::size_t>::max() : p->second;
    out_.reorders.push_back(r);
  }

  // Layer i reads these of its data inputs in NCHW: NCHWc ones need a ReorderOutput.
  void ReadNchw(std::size_t i, const std::vector<const TensorInfo*>& inputs) {
    for (const TensorInfo* t : inputs) {
      auto it = nchwc_.find(t->name);
      if (it != nchwc_.end()) NeedOutput(t->name, it->second, i);
    }
  }

  void MakeNchwc(std::size_t i, std::int64_t channels) {
    out_.nchwc[i] = true;
    for (const TensorInfo& o : layers_[i].outputs) {
      if (o.name.empty()) continue;
      nchwc_[o.name] = TensorState{i, channels, o.shape, false};
      break;  // the first output only (MaxPool's indices disqualify it anyway)
    }
  }

  // Whether a Pad layer's only reader is a Conv, MaxPool or AveragePool of one layer.
  bool PadFusable(const Layer& pad) const {
    auto it = readers_.find(pad.outputs[0].name);
    if (it == readers_.end() || it->second.size() != 1) return false;
    const Layer& r = layers_[it->second[0]];
    return r.domain.empty() && (r.op_type == "Conv" || r.op_type == "MaxPool" || r.op_type == "AveragePool") &&
           r.inputs.size() >= 1 && r.inputs[0].name == pad.outputs[0].name;
  }

  // Whether layer i (main op Conv) runs NCHWc, and whether it reorders its input.
  std::optional<bool> ConvRule(const Layer& l) const {
    if (l.domain != "" || l.inputs.size() < 2) return std::nullopt;
    const TensorInfo& w = l.inputs[1];
    if (!(w.is_weight || w.is_constant) || w.is_overridable || w.shape.size() != 4 || w.dtype != DataType::kFloat32) {
      return std::nullopt;
    }
    if (l.inputs[0].shape.size() != 4) return std::nullopt;
    const std::int64_t out_c = w.shape[0], in_c = w.shape[1], group = l.window.group;
    if (group > 1) {
      if (in_c == 1 && out_c == group) {
        // Depthwise: nchwc_transformer.cc at 0ef8ce5 asks output_channels % block; 1.30 runs
        // 24-, 72- and 120-channel depthwise convolutions in NCHWc, not 58-channel ones.
        if (out_c % kChannelAlign != 0) return std::nullopt;
        return true;
      }
      if (out_c % group != 0 || in_c % block_ != 0 || (out_c / group) % block_ != 0) return std::nullopt;
      return true;
    }
    if (in_c < block_) return false;  // the NCHW input buffer is read directly
    if (in_c % kChannelAlign != 0) return std::nullopt;
    return true;
  }

  void Visit(std::size_t i) {
    const Layer& l = layers_[i];
    for (const TensorInfo& o : l.outputs) {
      if (!o.name.empty()) producer_[o.name] = i;
    }
    std::vector<const TensorInfo*> data;
    for (const TensorInfo& t : l.inputs) {
      if (!IsData(t)) continue;
      auto a = alias_.find(t.name);
      data.push_back(a == alias_.end() ? &t : &a->second);
    }
    auto all_nchwc = [&] {
      if (data.empty()) return false;
      for (const TensorInfo* t : data) {
        if (!IsNchwc(t->name)) return false;
      }
      return true;
    };
    const std::string& op = l.op_type;
    const bool onnx = l.domain.empty();

    // A constant Pad read only by a Conv, MaxPool or AveragePool: ONNX Runtime's PadFusion
    // (level 1, before NCHWc) moves its pads into the reader (Inception-V3's and DenseNet's
    // AveragePools). The reader then sees the Pad's input.
    if (onnx && op == "Pad" && data.size() == 1 && l.outputs.size() == 1 &&
        StringAttr(l, "mode", "constant") == "constant" && PadFusable(l)) {
      alias_[l.outputs[0].name] = *data[0];
      return;
    }
    if (onnx && (op == "Identity" || op == "Dropout") && data.size() == 1 && IsNchwc(data[0]->name) &&
        !l.outputs.empty()) {
      out_.nchwc[i] = true;
      TensorState s = nchwc_.at(data[0]->name);
      s.needs_output = false;
      nchwc_[l.outputs[0].name] = s;
      return;
    }
    if (onnx && op == "Conv" && !IsInt8Class(l.op_class)) {
      if (std::optional<bool> reorder = ConvRule(l)) {
        auto a = alias_.find(l.inputs[0].name);
        const TensorInfo& x = a == alias_.end() ? l.inputs[0] : a->second;
        if (*reorder) {
          if (!IsNchwc(x.name)) NeedInput(x, i);
        } else {
          ReadNchw(i, {&x});
        }
        // Inputs of absorbed nodes (a residual Add's other operand): ONNX Runtime adds them
        // in NCHWc (the Conv's Sum input) only when they are NCHWc; otherwise the Add runs
        // NCHW on the reordered convolution output.
        std::vector<const TensorInfo*> rest;
        for (const TensorInfo* t : data) {
          if (t->name != x.name) rest.push_back(t);
        }
        bool rest_nchwc = true;
        for (const TensorInfo* t : rest) rest_nchwc = rest_nchwc && IsNchwc(t->name);
        const std::int64_t out_c = l.inputs[1].shape[0];
        if (rest_nchwc) {
          MakeNchwc(i, out_c);
        } else {
          out_.nchwc[i] = true;
          ReadNchw(i, rest);
          Reorder r;
          r.kind = Reorder::Kind::kOutput;
          r.tensor = l.outputs.empty() ? l.name : l.outputs[0].name;
          r.elements = l.outputs.empty() ? 0 : NumElements(l.outputs[0].shape);
          r.layer = i;
          r.producer = i;
          out_.reorders.push_back(r);
        }
        return;
      }
    }
    if (onnx && (op == "MaxPool" || op == "AveragePool") && data.size() == 1 && l.covered_ops.size() == 1 &&
        l.outputs.size() == 1 && data[0]->shape.size() == 4 && Channels(data[0]->shape) % block_ == 0) {
      if (!IsNchwc(data[0]->name)) NeedInput(*data[0], i);
      MakeNchwc(i, Channels(data[0]->shape));
      return;
    }
    // SiLU, x * Sigmoid(x), is a Sigmoid and a Mul on NCHWc tensors when ONNX Runtime's
    // NCHWc pass runs; QuickGeluFusion makes them one node afterwards.
    const bool silu = op == "QuickGelu" && l.op_class == OpClass::kSilu;
    if (((onnx && l.covered_ops.size() == 1) || silu) && all_nchwc()) {
      const std::int64_t c = nchwc_.at(data[0]->name).channels;
      bool ok = false;
      if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
        ok = data[0]->shape.size() == 4 && c % block_ == 0;
      } else if (op == "Add" || op == "Sum" || op == "Mul") {
        ok = true;
        for (const TensorInfo* t : data) {
          ok = ok && t->shape == data[0]->shape && nchwc_.at(t->name).channels == c;
        }
        ok = ok && data.size() == l.inputs.size();
      } else if (op == "Concat") {
        const Attribute* axis = Attr(l, "axis");
        const auto* a = axis ? std::get_if<std::int64_t>(axis) : nullptr;
        ok = a != nullptr && *a == 1 && data.size() == l.inputs.size();
        std::int64_t total = 0;
        for (const TensorInfo* t : data) {
          const std::int64_t ct = nchwc_.at(t->name).channels;
          ok = ok && ct % block_ == 0;
          total += ct;
        }
        if (ok) {
          MakeNchwc(i, total);
          return;
        }
      } else if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "BatchNormalization" || op == "QuickGelu") {
        ok = data.size() == 1 && l.outputs.size() == 1;
      } else if (op == "Transpose") {
        const Attribute* perm = Attr(l, "perm");
        const auto* p = perm ? std::get_if<std::vector<std::int64_t>>(perm) : nullptr;
        if (p != nullptr && *p == std::vector<std::int64_t>{0, 2, 3, 1}) {
          // Runs as a ReorderOutput to NHWC (channels_last).
          Reorder r;
          r.kind = Reorder::Kind::kOutput;
          r.tensor = data[0]->name;
          r.elements = NumElements(data[0]->shape);
          r.layer = i;
          r.producer = nchwc_.at(data[0]->name).producer;
          out_.reorders.push_back(r);
          out_.nchwc[i] = true;
          return;
        }
      } else if (op == "Resize" || op == "Upsample") {
        ok = ResizeRule(l);
      }
      if (ok) {
        MakeNchwc(i, c);
        return;
      }
    }
    ReadNchw(i, data);
  }

  // Resize/Upsample by integer spatial factors with constant scales or sizes: nearest with
  // asymmetric coordinates and floor rounding (nchwc_transformer.cc at 0ef8ce5), and linear,
  // which onnxruntime 1.30 also runs as nchwc:Upsample (DeepLabV3-ResNet50's and FCN's x8
  // bilinear upsampling of 65x65, and the 1x1 -> 65x65 pooling branch of its ASPP; the
  // 33x33 -> 520x520 one of DeepLabV3-MobileNetV3 stays NCHW).
  bool ResizeRule(const Layer& l) const {
    const std::string mode = StringAttr(l, "mode", "nearest");
    const std::string coords = StringAttr(l, "coordinate_transformation_mode", "half_pixel");
    if (mode == "nearest") {
      if (l.op_type == "Resize" &&
          (coords != "asymmetric" || StringAttr(l, "nearest_mode", "round_prefer_floor") != "floor")) {
        return false;
      }
    } else if (mode != "linear" || coords == "tf_crop_and_resize") {
      return false;
    }
    for (std::size_t k = 1; k < l.inputs.size(); ++k) {
      const TensorInfo& t = l.inputs[k];
      if (!t.name.empty() && !(t.is_weight || t.is_constant)) return false;
    }
    // The values are not kept; the shapes give the factors.
    const Shape& in = l.inputs[0].shape;
    const Shape& out = l.outputs.empty() ? in : l.outputs[0].shape;
    if (in.size() != 4 || out.size() != 4 || in[0] != out[0] || in[1] != out[1]) return false;
    for (int d = 2; d < 4; ++d) {
      if (in[d] <= 0 || out[d] % in[d] != 0) return false;
    }
    return true;
  }

  const std::vector<Layer>& layers_;
  const std::int64_t block_;
  NchwcLayout out_;
  std::map<std::string, TensorState> nchwc_;                 // NCHWc tensors
  std::map<std::string, std::size_t> producer_;              // every layer output
  std::set<std::string> reordered_in_;                       // tensors with a ReorderInput
  std::map<std::string, TensorInfo> alias_;                  // a fused Pad's output -> its input
  std::map<std::string, std::vector<std::size_t>> readers_;  // the layers reading each tensor
};

}  // namespace

std::int64_t NchwcLayout::Count(Reorder::Kind k) const {
  return std::count_if(reorders.begin(), reorders.end(), [k](const Reorder& r) { return r.kind == k; });
}

std::int64_t NchwcLayout::Elements(Reorder::Kind k) const {
  std::int64_t sum = 0;
  for (const Reorder& r : reorders) {
    if (r.kind == k) sum = CheckedAdd(sum, r.elements);
  }
  return sum;
}

ReorderCounts NchwcLayout::Counts() const {
  using K = Reorder::Kind;
  return {Count(K::kInput), Elements(K::kInput), Count(K::kOutput), Elements(K::kOutput)};
}

NchwcLayout EmulateNchwc(const std::vector<Layer>& layers, const std::vector<TensorInfo>& graph_outputs,
                         std::int64_t block) {
  if (block < 1) throw Error("NCHWc block must be at least 1, got " + std::to_string(block));
  return Emulator(layers, block).Run(graph_outputs);
}

}  // namespace odonata
