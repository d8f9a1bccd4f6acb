// The runtimes odonata imports from, and the import as one call.
#include "odonata/importers.h"
#include "odonata/model.h"

namespace odonata {

const char* RuntimeName(Runtime runtime) {
  switch (runtime) {
    case Runtime::kOpenVino:
      return "openvino";
    case Runtime::kOnnxRuntime:
      return "onnxruntime";
    case Runtime::kTensorRt:
      return "tensorrt";
  }
  return "openvino";
}

const std::vector<Runtime>& AllRuntimes() {
  static const std::vector<Runtime> all = {Runtime::kOpenVino, Runtime::kOnnxRuntime, Runtime::kTensorRt};
  return all;
}

bool ParseRuntime(const std::string& text, Runtime* out) {
  for (Runtime r : AllRuntimes()) {
    if (text == RuntimeName(r)) {
      *out = r;
      return true;
    }
  }
  return false;
}

RuntimeReport ReadRuntimeReport(const std::string& path, Runtime runtime) {
  switch (runtime) {
    case Runtime::kOpenVino:
      return ReadOpenVinoReport(path);
    case Runtime::kOnnxRuntime:
      return ReadOrtProfile(path);
    case Runtime::kTensorRt:
      return ReadTensorRtProfile(path);
  }
  return ReadOpenVinoReport(path);
}

ImportResult ImportRuntimeReport(const std::string& report_path, Runtime runtime, const std::string& network_path,
                                 Precision precision) {
  const RuntimeReport report = ReadRuntimeReport(report_path, runtime);
  const Network network = LoadModel(network_path);
  ImportResult result = MatchReport(report, network, precision);
  result.warnings = network.warnings;
  return result;
}

}  // namespace odonata
