// The runtimes odonata imports from, and the import as one call.
#include "names.h"
#include "odonata/errors.h"
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
  if (result.rows.empty()) {
    // Measurements of nothing: most likely the report of another network or
    // another runtime. An empty CSV would only fail later, in `fit`.
    std::string example = result.unmatched.empty() ? "" : "; e.g. " + result.unmatched.front();
    if (example.size() > 160) example = example.substr(0, 157) + "...";
    throw Error(report_path + ": none of its " + std::to_string(result.report_rows) +
                " rows matches a layer of " + network_path + " (the report of another network or runtime?)" +
                example);
  }
  return result;
}

}  // namespace odonata
