// ONNX Runtime's graph-level constant folding of a model as written, with its
// symbolic input dims kept (issue 12, item 2). Internal to src/onnx/.
//
// odonata substitutes a value for a symbolic input dim (the batch) and then
// folds every computation on shapes (Shape -> Gather -> Div -> Unsqueeze ->
// Concat -> Reshape ...). ONNX Runtime optimizes the graph as written: its
// ConstantFolding evaluates a node only when all its inputs are constant
// initializers (not overridable ones; not a node with a subgraph, a
// non-deterministic op, a DequantizeLinear, which its QDQ fusions keep, or a
// node writing a graph output), or a Shape whose input's inferred shape is
// static (for Shape-15, in its [start, end) slice); the values it folds feed
// the shape inference of the nodes after them. A Shape of an activation whose
// batch is symbolic stays, and so does all that is computed from it: those
// nodes run at inference time ("runtime shape nodes").
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fold.h"
#include "onnx/onnx_pb.h"

namespace odonata::onnx_import {

struct OrtFoldView {
  // The nodes of `folded` that ONNX Runtime does not fold (it executes them), copies, in graph order.
  std::vector<onnx::NodeProto> runtime_nodes;
  // Tensors whose last dim ONNX Runtime's shape inference leaves unknown (unknown rank included):
  // outputs of the nodes it executes, and graph inputs.
  std::unordered_set<std::string> open_last_dim;
  // Outputs of executed nodes ONNX Runtime removes (common-subexpression elimination, a Cast to
  // its input's type) -> the tensor that stands for them.
  std::unordered_map<std::string, std::string> alias;
};

// `model`: the model with its inputs' shapes as declared (symbolic dims kept), nodes in topological
// order. `folded`: the names of the nodes odonata folded; `values`: the values it computed, by tensor
// name (a folded node's outputs, initializers); `overridable`: initializers that are also graph inputs
// (never constant to a runtime). Never throws for a node it cannot infer: its outputs stay unknown.
OrtFoldView EmulateOrtFolding(const onnx::ModelProto& model, const std::unordered_set<std::string>& folded,
                              const std::unordered_map<std::string, ConstTensor>& values,
                              const std::unordered_set<std::string>& overridable);

}  // namespace odonata::onnx_import
