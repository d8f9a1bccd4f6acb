// ONNX Runtime's NCHWc layout on a CPU (issue 12): which layers of a fused network run
// in the blocked NCHWc layout, and the ReorderInput / ReorderOutput nodes ONNX Runtime
// inserts where a tensor crosses between the layouts. Structure only: the rules follow
// onnxruntime/core/optimizer/nchwc_transformer.cc (src/layout.cc says which version and
// where the suite's optimized graphs differ from it); costs are the profile's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "odonata/layer.h"
#include "odonata/tensor.h"

namespace odonata {

struct Reorder {
  enum class Kind { kInput, kOutput };  // NCHW -> NCHWc, NCHWc -> NCHW
  Kind kind = Kind::kInput;
  std::string tensor;         // the NCHW tensor converted (its name in the network)
  std::int64_t elements = 0;  // its elements (logical channels, not padded to the block)
  // The layer that makes the reorder needed: for a ReorderInput the NCHWc layer that
  // reads the tensor (the first, when several share it); for a ReorderOutput the first
  // NCHW layer that reads the tensor (the producer itself when only a graph output does).
  std::size_t layer = 0;
  std::size_t producer = 0;  // the layer that writes the tensor (SIZE_MAX: a graph input)
  bool operator==(const Reorder&) const = default;
};

// What an estimate reads of a layout (estimate.h: ReorderTerm): per direction, the reorders and
// their elements summed.
struct ReorderCounts {
  std::int64_t inputs = 0, input_elements = 0;    // ReorderInput: NCHW -> NCHWc
  std::int64_t outputs = 0, output_elements = 0;  // ReorderOutput: NCHWc -> NCHW
  bool operator==(const ReorderCounts&) const = default;
};

struct NchwcLayout {
  std::vector<bool> nchwc;        // per layer: runs in NCHWc
  std::vector<Reorder> reorders;  // in the order of the layers that need them
  std::int64_t Count(Reorder::Kind k) const;
  std::int64_t Elements(Reorder::Kind k) const;  // Error on overflow
  ReorderCounts Counts() const;  // Count and Elements of both directions (Error on overflow)
};

// Emulate ONNX Runtime's NchwcTransformer on `layers` (Fuse's output, topological
// order) with NCHWc block `block` (floats per vector: 16 with AVX-512, 8 with AVX2);
// `graph_outputs` are the network's outputs (an NCHWc graph output is reordered).
// Throws Error when block < 1.
NchwcLayout EmulateNchwc(const std::vector<Layer>& layers, const std::vector<TensorInfo>& graph_outputs,
                         std::int64_t block);

}  // namespace odonata
