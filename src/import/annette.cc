// ANNETTE graph JSON (github.com/embedded-machine-learning/annette,
// database/graphs/annette/*.json) as a Network:
//   {"name": ..., "layers": {"<name>": {"type": "Conv", "parents": [...],
//    "children": [...], "output_shape": [-1, H, W, C], "input_shape": ...,
//    "kernel_shape": [kh, kw, cin, cout], "strides": [1, sh, sw, 1],
//    "pads": [0, top, left, 0, 0, bottom, right, 0], "pooling_type": "MAX"}}}
// Shapes are NHWC with batch -1; odonata's are NCHW with batch 1. Each layer
// becomes one ONNX-like layer whose output tensor is named after the layer.
//
// ANNETTE records no weights and no biases: weights get the shapes ONNX would
// give them (Conv [cout, cin/group, kh, kw], Gemm [N, K] with transB = 1, BN
// four [C] vectors); biases are assumed absent (TF graphs keep BiasAdd as
// separate ops and most are followed by BatchNorm). MACs do not depend on it.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "counts.h"
#include "json_file.h"
#include "odonata/errors.h"
#include "odonata/importers.h"

namespace odonata {
namespace {

using json = nlohmann::ordered_json;  // keeps the file's layer order
using I64 = std::int64_t;

struct Node {
  std::string name;
  const json* j = nullptr;
  std::vector<std::string> parents;
  Shape out;  // NCHW (rank 4) or as given (other ranks)
};

// One dimension: a non-negative integer, or -1 for the batch dimension.
I64 Dim(const json& d, std::size_t index) {
  if (d.is_string()) {
    throw Error("symbolic dimension '" + d.get<std::string>() +
                "' (a graph template: ANNETTE fills such dims in per benchmark, odonata needs them concrete)");
  }
  if (!d.is_number_integer()) throw Error("dimension " + std::to_string(index) + " is not an integer");
  const I64 v = d.get<I64>();
  if (v == -1 && index == 0) return 1;  // batch
  if (v < 0) throw Error("dimension " + std::to_string(index) + " is " + std::to_string(v));
  return v;
}

std::vector<I64> Ints(const json& layer, const char* key, std::size_t size) {
  auto it = layer.find(key);
  if (it == layer.end()) throw Error(std::string("'") + key + "' missing");
  if (!it->is_array() || it->size() != size) {
    throw Error(std::string("'") + key + "' is not an array of " + std::to_string(size));
  }
  std::vector<I64> v;
  for (std::size_t i = 0; i < size; ++i) v.push_back(Dim((*it)[i], 1));
  return v;
}

// NHWC -> NCHW; other ranks unchanged.
Shape ToNchw(const json& shape) {
  if (!shape.is_array()) throw Error("shape is not an array");
  Shape s;
  for (std::size_t i = 0; i < shape.size(); ++i) s.push_back(Dim(shape[i], i));
  if (s.size() == 4) s = {s[0], s[3], s[1], s[2]};
  return s;
}

TensorInfo Activation(const std::string& name, const Shape& shape) {
  TensorInfo t;
  t.name = name;
  t.shape = shape;
  t.dtype = DataType::kFloat32;
  return t;
}

TensorInfo Weight(const std::string& name, const Shape& shape) {
  TensorInfo t = Activation(name, shape);
  t.is_weight = true;
  return t;
}

// The window of a Conv or Pool from ANNETTE's NHWC kernel/strides/pads.
Window MakeWindow(const json& layer, I64 kh, I64 kw) {
  const std::vector<I64> s = Ints(layer, "strides", 4);
  const std::vector<I64> p = Ints(layer, "pads", 8);
  Window w;
  w.kernel = {kh, kw};
  w.strides = {s[1], s[2]};
  w.pads = {p[1], p[2], p[5], p[6]};  // [n, top, left, c, n, bottom, right, c] -> ONNX begins then ends
  w.dilations = {1, 1};
  if (w.strides[0] < 1 || w.strides[1] < 1) throw Error("strides must be >= 1");
  return w;
}

I64 Channels(const Shape& s) { return s.size() >= 2 ? s[1] : 1; }

// Output size by the window arithmetic, to check ANNETTE's shapes against.
I64 WindowOut(I64 in, I64 k, I64 s, I64 pb, I64 pe) { return (CheckedAdd(CheckedAdd(in, pb), pe) - k) / s + 1; }

void CheckWindow(const Layer& l, std::vector<std::string>& warnings) {
  const Shape& x = l.inputs[0].shape;
  const Shape& y = l.outputs[0].shape;
  if (x.size() != 4 || y.size() != 4) return;
  const Window& w = l.window;
  const I64 h = WindowOut(x[2], w.kernel[0], w.strides[0], w.pads[0], w.pads[2]);
  const I64 ww = WindowOut(x[3], w.kernel[1], w.strides[1], w.pads[1], w.pads[3]);
  if (h != y[2] || ww != y[3]) {
    warnings.push_back("layer '" + l.name + "': output " + std::to_string(y[2]) + "x" + std::to_string(y[3]) +
                       " differs from the window arithmetic (" + std::to_string(h) + "x" + std::to_string(ww) + ")");
  }
}

// Fill op_type, window, attributes and weights of `l` from ANNETTE layer `j`.
// Returns false for types odonata does not know (kept as unknown ops).
bool Convert(const json& j, const std::string& type, Layer& l) {
  // Copies: weights are appended to l.inputs below.
  const Shape x = l.inputs.empty() ? l.outputs[0].shape : l.inputs[0].shape;
  const Shape y = l.outputs[0].shape;
  if (type == "Conv" || type == "DepthwiseConv") {
    if (x.size() != 4 || y.size() != 4) throw Error("convolution input and output must be 4-D");
    const std::vector<I64> k = Ints(j, "kernel_shape", 4);  // [kh, kw, cin, cout or multiplier]
    const I64 cin = Channels(x), cout = Channels(y);
    l.op_type = "Conv";
    l.window = MakeWindow(j, k[0], k[1]);
    if (type == "DepthwiseConv") {
      l.window.group = cin;
    } else {
      if (k[2] < 1 || cin % k[2] != 0) {
        throw Error("kernel_shape input channels " + std::to_string(k[2]) + " do not divide the input's " +
                    std::to_string(cin));
      }
      l.window.group = cin / k[2];
      if (k[3] != cout) {
        throw Error("kernel_shape output channels " + std::to_string(k[3]) + " != output's " + std::to_string(cout));
      }
    }
    if (cout % l.window.group != 0) throw Error("output channels not divisible by the group count");
    l.inputs.push_back(Weight(l.name + "/weights", {cout, cin / l.window.group, k[0], k[1]}));
    return true;
  }
  if (type == "Pool") {
    if (x.size() != 4 || y.size() != 4) throw Error("pooling input and output must be 4-D");
    const std::string kind = j.value("pooling_type", "");
    if (kind == "MAX") {
      l.op_type = "MaxPool";
    } else if (kind == "AVG") {
      l.op_type = "AveragePool";
    } else {
      throw Error("pooling_type '" + kind + "' is not MAX or AVG");
    }
    const std::vector<I64> k = Ints(j, "kernel_shape", 4);  // [1, kh, kw, 1]
    l.window = MakeWindow(j, k[1], k[2]);
    return true;
  }
  if (type == "ReduceMean" && x.size() == 4 && y.size() == 4 && y[2] == 1 && y[3] == 1) {
    // TF's global average pooling (reduce_mean over H, W with keepdims): the
    // runtimes run it as a global pool (OpenVINO: Pooling/GlobalAvgPool).
    l.op_type = "GlobalAveragePool";
    l.window.kernel = {x[2], x[3]};
    l.window.strides = {1, 1};
    l.window.pads = {0, 0, 0, 0};
    l.window.dilations = {1, 1};
    return true;
  }
  if (type == "FullyConnected" || type == "MatMul") {
    if (x.size() != 2 || y.size() != 2) throw Error("fully connected input and output must be 2-D");
    l.op_type = "Gemm";
    l.attributes["transB"] = I64{1};
    l.inputs.push_back(Weight(l.name + "/weights", {y[1], x[1]}));
    return true;
  }
  if (type == "BatchNorm") {
    const I64 c = Channels(x);
    l.op_type = "BatchNormalization";
    for (const char* w : {"scale", "bias", "mean", "var"}) l.inputs.push_back(Weight(l.name + "/" + w, {c}));
    return true;
  }
  if (type == "Relu6") {
    l.op_type = "Clip";
    l.attributes["min"] = 0.0;
    l.attributes["max"] = 6.0;
    return true;
  }
  if (type == "Concat") {
    // NHWC axis -> NCHW axis; ANNETTE omits it for channel concatenation.
    I64 axis = j.contains("axis") && j["axis"].is_number_integer() ? j["axis"].get<I64>() : 3;
    if (x.size() == 4) {
      if (axis < 0) axis += 4;
      static constexpr I64 kNhwcToNchw[] = {0, 2, 3, 1};
      if (axis < 0 || axis > 3) throw Error("concat axis out of range");
      axis = kNhwcToNchw[axis];
    }
    l.op_type = "Concat";
    l.attributes["axis"] = axis;
    return true;
  }
  if (type == "Pad") {
    const std::vector<I64> p = Ints(j, "pads", 8);  // NHWC begins, then ends
    l.op_type = "Pad";
    l.attributes["pads"] = std::vector<I64>{p[0], p[3], p[1], p[2], p[4], p[7], p[5], p[6]};
    l.attributes["mode"] = std::string("constant");
    return true;
  }
  if (type == "Flatten") {
    l.op_type = "Flatten";
    l.attributes["axis"] = I64{1};
    return true;
  }
  if (type == "Softmax") {
    l.op_type = "Softmax";
    l.attributes["axis"] = I64{1};
    return true;
  }
  // Same name and meaning in ONNX.
  static const std::set<std::string> kSame = {"Relu", "Add", "Mul", "Sigmoid", "Tanh", "Reshape", "Squeeze"};
  if (kSame.count(type)) {
    l.op_type = type;
    return true;
  }
  l.op_type = type;  // ANNETTE writes "DataInput" for ops it did not convert
  l.domain = "annette";
  return false;
}

}  // namespace

Network LoadAnnetteGraph(const std::string& path) {
  const json root = ReadJsonFile(path);
  if (!root.is_object() || !root.contains("layers") || !root["layers"].is_object()) {
    throw Error(path + ": expected an object with \"layers\" (ANNETTE graph JSON)");
  }

  Network net;
  net.source = path;
  if (root.contains("name") && root["name"].is_string()) net.name = root["name"].get<std::string>();
  if (net.name.empty()) {
    const auto slash = path.find_last_of('/');
    net.name = path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (net.name.size() > 5 && net.name.ends_with(".json")) net.name.resize(net.name.size() - 5);
  }

  // Read every layer's edges and output shape.
  std::vector<Node> nodes;
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& [name, j] : root["layers"].items()) {
    try {
      if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) throw Error("no \"type\"");
      Node n;
      n.name = name;
      n.j = &j;
      const json& parents = j.value("parents", json::array());
      if (!parents.is_array()) throw Error("\"parents\" is not an array");
      for (const json& p : parents) {
        if (!p.is_string()) throw Error("\"parents\" holds a non-string");
        n.parents.push_back(p.get<std::string>());
      }
      if (!j.contains("output_shape")) throw Error("no \"output_shape\"");
      n.out = ToNchw(j["output_shape"]);
      index[name] = nodes.size();
      nodes.push_back(std::move(n));
    } catch (const Error& e) {
      throw e.WithContext(path + ": layer '" + name + "'");
    } catch (const json::exception& e) {
      throw Error(path + ": layer '" + name + "': " + e.what());
    }
  }

  // Topological order, ties broken by file order (the files are already in
  // order; this guards against hand-edited ones).
  const std::size_t n = nodes.size();
  std::vector<std::vector<std::size_t>> consumers(n);
  std::vector<std::size_t> pending(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (const std::string& p : nodes[i].parents) {
      auto it = index.find(p);
      if (it == index.end()) {
        throw Error(path + ": layer '" + nodes[i].name + "': parent '" + p + "' is not a layer");
      }
      consumers[it->second].push_back(i);
      ++pending[i];
    }
  }
  std::set<std::size_t> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.insert(i);
  }
  std::vector<std::size_t> order;
  while (!ready.empty()) {
    const std::size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (std::size_t c : consumers[i]) {
      if (--pending[c] == 0) ready.insert(c);
    }
  }
  if (order.size() != n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (pending[i] > 0) throw Error(path + ": layer '" + nodes[i].name + "' is on or after a cycle of parents");
    }
  }

  std::set<std::string> folded;
  std::map<std::string, std::vector<std::string>> unknown;  // ANNETTE type -> layers
  for (std::size_t i : order) {
    const Node& node = nodes[i];
    const json& j = *node.j;
    const std::string type = j["type"].get<std::string>();
    if (type == "DataInput" && node.parents.empty()) {
      net.inputs.push_back(Activation(node.name, node.out));
      continue;
    }
    if (type == "Shape") {
      // Static shapes: evaluated at load time, as runtimes do.
      net.folded.push_back(node.name);
      folded.insert(node.name);
      continue;
    }
    Layer l;
    l.name = node.name;
    for (const std::string& p : node.parents) {
      TensorInfo t = Activation(p, nodes[index.at(p)].out);
      t.is_constant = folded.count(p) > 0;
      l.inputs.push_back(t);
    }
    l.outputs.push_back(Activation(node.name, node.out));
    try {
      const bool has_input = !l.inputs.empty();
      if (!Convert(j, type, l)) {
        unknown[type].push_back(node.name);
      } else if (!has_input) {
        // Everything Convert knows computes from an input (found by fuzzing: a
        // pool whose "parents" key was misspelled).
        throw Error("has no parents; a " + type + " layer needs an input");
      }
      if (!l.window.kernel.empty() && l.op_type != "GlobalAveragePool") CheckWindow(l, net.warnings);
      l.op_class = ClassifyOp(l.op_type, l.domain, l.window.group, l.inputs.empty() ? 0 : Channels(l.inputs[0].shape));
      l.covers = {l.name};
      l.covered_ops = {l.op_type};
      l.counts = ComputeCounts(l);
    } catch (const Error& e) {
      throw e.WithContext(path + ": layer '" + node.name + "' (" + type + ")");
    } catch (const json::exception& e) {
      throw Error(path + ": layer '" + node.name + "' (" + type + "): " + e.what());
    }
    net.layers.push_back(std::move(l));
  }

  for (const auto& [type, names] : unknown) {
    // cf_mobilenetv2.json has 35 "DataInput" layers with parents: ops its converter did not know.
    net.warnings.push_back(std::to_string(names.size()) + " layer(s) of ANNETTE type '" + type + "' (first '" +
                           names[0] + "') have no ONNX equivalent; counted as unknown ops");
  }

  // Graph outputs: layer outputs nobody consumes.
  std::set<std::string> consumed;
  for (const Layer& l : net.layers) {
    for (const TensorInfo& t : l.inputs) consumed.insert(t.name);
  }
  for (const Layer& l : net.layers) {
    if (!consumed.count(l.name)) net.outputs.push_back(l.outputs[0]);
  }
  if (net.inputs.empty()) throw Error(path + ": no input layer (DataInput without parents)");
  return net;
}

}  // namespace odonata
