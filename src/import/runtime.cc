// The runtimes odonata imports from, and the import as one call.
#include "names.h"
#include "odonata/importers.h"
#include "odonata/model.h"

namespace odonata {

namespace {

constexpr NameTable<Runtime, 3> kRuntimeNames = {{{
    {Runtime::kOpenVino, "openvino"},
    {Runtime::kOnnxRuntime, "onnxruntime"},
    {Runtime::kTensorRt, "tensorrt"},
}}};

}  // namespace

const char* RuntimeName(Runtime runtime) { return kRuntimeNames.Name(runtime); }

bool ParseRuntime(const std::string& text, Runtime* out) { return kRuntimeNames.Parse(text, out); }

const std::vector<Runtime>& AllRuntimes() {
  static const std::vector<Runtime> all = [] {
    std::vector<Runtime> v;
    for (const auto& [runtime, name] : kRuntimeNames.entries) v.push_back(runtime);
    return v;
  }();
  return all;
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
