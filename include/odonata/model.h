// Opening a model, whatever its format (src/model.cc): the entry point for
// every command that takes a MODEL.
#pragma once

#include <string>
#include <vector>

#include "odonata/network.h"
#include "odonata/onnx.h"

namespace odonata {

// A network from an ONNX model, or from an ANNETTE graph when `path` ends in
// ".json". ANNETTE graphs have fixed shapes: input-shape and batch options are
// an error for them. "-" reads an ONNX model from standard input (named
// "stdin"). A directory is an error ("<dir>: is a directory, not a model
// file"); ModelFiles lists the models in one.
Network LoadModel(const std::string& path, const LoadOptions& options = {});

// True when `path` names an ANNETTE graph (ends in ".json"), not ONNX.
bool IsAnnetteGraph(const std::string& path);

// The ONNX model at `path` parsed once, for resolving at several input
// shapes (OnnxModel::Resolve): "-" and directories as LoadModel.
OnnxModel OpenOnnxModel(const std::string& path);

// The model files MODEL arguments name, in order: a file as given, a
// directory as its *.onnx files (not recursive), sorted by name. Throws Error
// for a directory without any; a missing file is left to LoadModel.
std::vector<std::string> ModelFiles(const std::vector<std::string>& paths);

}  // namespace odonata
