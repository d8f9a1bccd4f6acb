// The ONNX edge of the library (src/onnx/): read a model into a Network
// (loader.cc), write a runnable single-layer model (writer.cc), fill a
// weight-stripped model with random weights (materialize.cc). Only these
// files see protobuf.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "odonata/measurements.h"
#include "odonata/network.h"

namespace odonata {

// Load an ONNX model file (OnnxModel::Load(path).Resolve(options)). Weights
// are not needed: initializers stored as external data that is absent still
// give their shapes. Runs ONNX shape inference with data propagation, then
// folds shape computations until every tensor has a static shape or is marked
// data-dependent with a bound.
// Throws Error naming the file and the problem (not ONNX, truncated,
// unresolvable shapes listing tensors and producing nodes, ...).
Network LoadOnnx(const std::string& path, const LoadOptions& options = {});

// Same, from the bytes of a serialized ONNX model (fuzzers, models held in
// memory). `origin` names the model in errors; the result's `name` is empty.
// Any failure, including exceptions of the ONNX library and allocation
// failures from absurd sizes, is an Error naming `origin`.
Network LoadOnnxFromBytes(const std::string& bytes, const LoadOptions& options = {},
                          const std::string& origin = "<bytes>");

// Same, from ONNX text syntax (onnx::OnnxParser), e.g.
//   <ir_version: 8, opset_import: ["" : 13]>
//   g (float[1,3,8,8] x) => (float[1,4,8,8] y) { y = Conv(x, w) }
// `origin` names the model in errors. Used by tests and tools.
Network ParseOnnxText(const std::string& text, const LoadOptions& options = {}, const std::string& origin = "<text>");

// An ONNX model parsed once and resolved for any input shapes without parsing
// again (shape sweeps, NAS loops). The protobuf message stays inside src/onnx/
// (pimpl). Immutable: copies share the parsed model, and Resolve, which works
// on a copy of the graph, may run concurrently from several threads.
//
//   odonata::OnnxModel m = odonata::OnnxModel::Load("models/resnet50.onnx");  // parse once
//   odonata::LoadOptions o;
//   o.input_shapes["input"] = {1, 3, 448, 448};
//   odonata::Network n448 = m.Resolve(o);  // == LoadOnnx(path, o)
class OnnxModel {
 public:
  // Parse a file; errors as LoadOnnx's (cannot open, empty, not ONNX, over 2 GB).
  static OnnxModel Load(const std::string& path);
  // Parse serialized bytes; errors as LoadOnnxFromBytes's, naming `origin`.
  static OnnxModel FromBytes(const std::string& bytes, const std::string& origin = "<bytes>");
  // Parse ONNX text syntax (see ParseOnnxText).
  static OnnxModel FromText(const std::string& text, const std::string& origin = "<text>");

  // Shape inference, folding, bounds and counts for `options`, on a copy of
  // the parsed graph: the same Network LoadOnnx(path, options) returns.
  // Throws Error naming origin() (unresolvable shapes, bad options, ...).
  Network Resolve(const LoadOptions& options = {}) const;

  // Model file stem (LoadOnnx's Network::name; "" for bytes, origin for text).
  const std::string& name() const;
  // The path or origin that errors name.
  const std::string& origin() const;
  // Graph inputs that are not initializers, in graph order: the names
  // LoadOptions::input_shapes takes.
  std::vector<std::string> InputNames() const;
  // The shapes the graph declares for those inputs, in the same order, before
  // any inference: -1 for a symbolic or missing dimension ("N", "height"),
  // empty for an input without a declared shape.
  std::vector<std::vector<std::int64_t>> DeclaredInputShapes() const;

  struct Impl;  // defined in src/onnx/loader.cc

 private:
  explicit OnnxModel(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// Write a runnable copy of the ONNX model at `path` to `out` (odonata
// materialize): every tensor whose data is missing (stored as external data,
// which is not read, or declared without values) gets random values of its type
// and shape drawn from `seed`: floats uniform in [-0.1, 0.1), BatchNormalization
// variances in [0.5, 1.5), integers and booleans 0. Tensors with inline data
// (int64 shape constants, small BN vectors) keep their values. The result holds
// all data inline; it is written to a temporary file renamed to `out`.
// Returns the number of tensors filled. Throws Error when `path` is not an ONNX
// model, a missing tensor's type cannot be filled (string), or the result would
// exceed protobuf's 2 GB limit.
std::int64_t MaterializeOnnx(const std::string& path, const std::string& out, std::uint64_t seed = 1);

// Write a runnable single-layer ONNX model (opset 13) of `config`, with random
// weights drawn from `seed`, input "x" and output "y". An int8 convolution or
// matrix product (config.precision int8, class conv, dwconv or gemm) is a QDQ
// model as ONNX Runtime's quantizer writes it: uint8 activations (inputs
// "x_quantized", ..., output "y"), int8 weights with per-channel scales, int32
// bias, DequantizeLinear -> op -> QuantizeLinear, which ONNX Runtime runs as
// one int8 kernel (QLinearConv, QGemm, QLinearMatMul); other int8 ops are
// written as float models.
// Writes to a temporary file and renames it; throws Error on failure.
void WriteLayerModel(const LayerConfig& config, const std::string& path, std::uint64_t seed = 1);
// The serialized model WriteLayerModel writes. Throws Error on failure.
std::string LayerModelBytes(const LayerConfig& config, std::uint64_t seed = 1);

}  // namespace odonata
