#include "odonata/model.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "odonata/errors.h"
#include "odonata/generators.h"
#include "odonata/importers.h"
#include "odonata/onnx.h"

namespace odonata {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStdin = "-";

// An ifstream opens a directory and reports a huge size ("larger than
// protobuf's 2 GB limit"): say what it is first.
void RejectDirectory(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(path + ": is a directory, not a model file");
}

std::string ReadStdin() {
  std::string bytes{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (std::cin.bad()) throw Error("stdin: cannot read the model");
  return bytes;
}

}  // namespace

bool IsAnnetteGraph(const std::string& path) {
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
}

OnnxModel OpenOnnxModel(const std::string& path) {
  if (path == kStdin) return OnnxModel::FromBytes(ReadStdin(), "stdin");
  RejectDirectory(path);
  return OnnxModel::Load(path);
}

Network LoadModel(const std::string& path, const LoadOptions& options) {
  if (path == kStdin) {
    Network network = LoadOnnxFromBytes(ReadStdin(), options, "stdin");
    network.name = "stdin";
    return network;
  }
  RejectDirectory(path);
  if (IsGeneratorDescription(path)) {
    if (!options.input_shapes.empty() || options.batch || !options.nms_compares.empty()) {
      throw Error(path + ": generated networks have fixed shapes; --input-shape, --nms-compares and --batch do not apply");
    }
    return GenerateNetwork(path);
  }
  if (!IsAnnetteGraph(path)) return LoadOnnx(path, options);
  if (!options.input_shapes.empty() || options.batch || !options.nms_compares.empty()) {
    throw Error(path + ": ANNETTE graphs have fixed shapes; --input-shape, --nms-compares and --batch do not apply");
  }
  if (!options.input_values.empty()) {
    throw Error(path + ": ANNETTE graphs have no input values; --input-value does not apply");
  }
  return LoadAnnetteGraph(path);
}

std::vector<std::string> ModelFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (path == kStdin || !fs::is_directory(path, ec)) {
      files.push_back(path);  // a missing file is LoadModel's error, with its message
      continue;
    }
    std::vector<std::string> found;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code file_ec;
      if (it->path().extension() == ".onnx" && it->is_regular_file(file_ec)) found.push_back(it->path().string());
    }
    if (ec) throw Error(path + ": cannot list the folder: " + ec.message());
    if (found.empty()) throw Error(path + ": no .onnx files in this folder");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace odonata
