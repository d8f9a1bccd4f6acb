// Opening a model, whatever its format (src/model.cc): the entry point for
// every command that takes a MODEL.
#pragma once

#include <string>

#include "odonata/network.h"

namespace odonata {

// A network from an ONNX model, or from an ANNETTE graph when `path` ends in
// ".json". ANNETTE graphs have fixed shapes: input-shape and batch options are
// an error for them.
Network LoadModel(const std::string& path, const LoadOptions& options = {});

}  // namespace odonata
