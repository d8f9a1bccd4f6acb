#include "odonata/model.h"

#include "odonata/errors.h"
#include "odonata/generators.h"
#include "odonata/importers.h"
#include "odonata/onnx.h"

namespace odonata {

Network LoadModel(const std::string& path, const LoadOptions& options) {
  if (IsGeneratorDescription(path)) {
    if (!options.input_shapes.empty() || options.batch) {
      throw Error(path + ": generated networks have fixed shapes; --input-shape and --batch do not apply");
    }
    return GenerateNetwork(path);
  }
  const bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  if (!json) return LoadOnnx(path, options);
  if (!options.input_shapes.empty() || options.batch) {
    throw Error(path + ": ANNETTE graphs have fixed shapes; --input-shape and --batch do not apply");
  }
  if (!options.input_values.empty()) {
    throw Error(path + ": ANNETTE graphs have no input values; --input-value does not apply");
  }
  return LoadAnnetteGraph(path);
}

}  // namespace odonata
