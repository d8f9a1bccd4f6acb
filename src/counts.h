// Counting rules (src/counts.cc): an op's class and a single-node layer's
// MACs, FLOPs, params and traffic from its shapes, window and attributes, by
// the conventions of layer.h (Counts). Internal: loaders and ToLayer fill
// Layer::counts with these.
#pragma once

#include <cstdint>
#include <string>

#include "odonata/layer.h"

namespace odonata {

// Class of a node given its op type, domain and (for Conv) group/input channels.
OpClass ClassifyOp(const std::string& op_type, const std::string& domain, std::int64_t group = 1,
                   std::int64_t in_channels = 0);

// ClassifyOp of a built layer: its window's group and its first input's channels (dimension 1;
// 0 for an input of rank under 2, such as TopK's and NonZero's 1-D ones, or no input).
OpClass ClassifyLayer(const Layer& layer);

// A string attribute of the layer, or `fallback` when it is absent or not a string.
std::string StringAttr(const Layer& l, const char* name, const char* fallback);

// Compute counts for a single-node layer from its shapes, window and
// attributes. Sets layer.unknown_op for ops without a counting rule (their
// counts are traffic only). Throws Error on overflow.
Counts ComputeCounts(Layer& layer);

}  // namespace odonata
