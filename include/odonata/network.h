// A network: the layers of a model with static shapes and counts. Loaded by
// model.h (any format), onnx.h (ONNX) or importers.h (ANNETTE graphs); only
// src/onnx/ sees protobuf, everything else works on this value type.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "odonata/layer.h"
#include "odonata/tensor.h"

namespace odonata {

struct LoadOptions {
  // Shapes for graph inputs by name ("--input-shape data=1x3x224x224"), or for
  // outputs of custom ops without a shape function (a DecodeImage's image).
  std::map<std::string, Shape> input_shapes;
  // Value for symbolic batch dimensions (first dim of an input); default 1.
  std::optional<std::int64_t> batch;
  // Values of small graph inputs by name ("--input-value sr=16000"), row-major,
  // as many as the input has elements (an input without a shape takes a scalar
  // or, for several values, a vector). Folded like constants, so that If, Where
  // and Loop on them resolve; the input stays an input of the network.
  std::map<std::string, std::vector<double>> input_values;
  // The IoU comparisons of a NonMaxSuppression's greedy loop, by the name of its output
  // ("--nms-compares 4138=152761597"): a value statement like the kept boxes stated with
  // input_shapes; LayerDim "nms_compares" takes it instead of its bound.
  std::map<std::string, std::int64_t> nms_compares;
};

struct Network {
  std::string name;                 // model file stem, or graph name
  std::string source;               // path it was loaded from ("<text>" for inline models)
  std::int64_t opset = 0;           // default-domain opset import
  std::vector<TensorInfo> inputs;   // graph inputs (without initializers)
  std::vector<TensorInfo> outputs;  // graph outputs
  // One layer per ONNX node, in topological order. Nodes of If/Loop bodies
  // follow their parent node, named "<parent>/<branch>/<node>".
  std::vector<Layer> layers;
  // Nodes evaluated at load time (Constant, shape arithmetic on static shapes):
  // runtimes fold them too, so they are not layers. Their outputs are weights.
  std::vector<std::string> folded;
  // Non-fatal findings for the user (opset > 17, data-dependent bounds, ...).
  std::vector<std::string> warnings;
  // ONNX Runtime's view of a model whose symbolic input dim odonata substituted (the batch, or a
  // symbolic dim given by --input-shape): ONNX Runtime optimizes the graph as written, so the shape
  // arithmetic odonata folds under the substituted dim (Shape -> Gather -> Div -> Unsqueeze ->
  // Concat -> Reshape) runs at inference time (src/onnx/ort_fold.h). Empty otherwise. Only a
  // platform whose fusion asks for it (Fusion::runtime_shape_nodes) uses it: the layers join the
  // network's when it is fused (fusion.h), and BiasGelu needs a known last dim.
  struct RuntimeShapeNodes {
    // The nodes odonata folded that ONNX Runtime executes, as layers (values from odonata's
    // folding: op type, inputs and outputs; no weights), in topological order.
    std::vector<Layer> layers;
    // layers[i] runs just before Network::layers[before[i]] (layers.size(): after the last).
    std::vector<std::size_t> before;
    // Tensors whose last dim ONNX Runtime's shape inference leaves unknown, sorted.
    std::vector<std::string> open_last_dim;
    // Whether the emulation ran (a symbolic input dim was substituted).
    bool emulated = false;
  };
  RuntimeShapeNodes runtime_shape;
  // Diagnostics: how many times the ONNX loader ran ONNX's whole-graph shape
  // inference (once per resolution round, plus retries); 0 for other formats.
  int inference_runs = 0;

  // Sum of the counts of all layers, each times its repeat count.
  Counts Totals() const;
};

}  // namespace odonata
