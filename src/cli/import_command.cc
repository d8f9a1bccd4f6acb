// `odonata import REPORT --runtime R --network MODEL --precision P`: a
// runtime's per-layer report as measurement rows.
#include <iostream>
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/importers.h"
#include "odonata/measurements.h"
#include "odonata/model.h"

namespace odonata::cli {
namespace {

struct ImportArgs {
  std::string report;
  std::string runtime;
  std::string network;
  std::optional<Precision> precision;  // required
  std::optional<std::string> output;
};

int Run(const ImportArgs& a, const Context&) {
  RuntimeReport report = a.runtime == "openvino"      ? ReadOpenVinoReport(a.report)
                         : a.runtime == "onnxruntime" ? ReadOrtProfile(a.report)
                                                      : ReadTensorRtProfile(a.report);
  Network network = LoadModel(a.network);
  for (const std::string& w : network.warnings) Warn(w);
  ImportResult result = MatchReport(report, network, *a.precision);
  // Rows the runtime did not execute (fused away, free) are expected; say only how many.
  std::vector<std::string> executed;
  for (const std::string& u : result.unmatched) {
    if (u.find("not executed") == std::string::npos) executed.push_back(u);
  }
  if (!executed.empty()) {
    Warn(std::to_string(executed.size()) + " executed report row(s) not imported, e.g. " + executed.front());
  }
  std::ostringstream csv;
  WriteMeasurements(result.rows, csv);
  Emit(csv.str(), a.output);
  std::cerr << "odonata: imported " << result.rows.size() << " of " << report.layers.size() << " report rows\n";
  return 0;
}

}  // namespace

Runner SetupImport(CLI::App& cmd) {
  auto a = std::make_shared<ImportArgs>();
  cmd.add_option("REPORT", a->report,
                 "Runtime report: OpenVINO counters CSV, ONNX Runtime profile JSON, trtexec profile JSON")
      ->type_name("FILE")
      ->required();
  cmd.add_option("--runtime", a->runtime, "Format of REPORT")
      ->check(CLI::IsMember({"openvino", "onnxruntime", "tensorrt"}))
      ->type_name("RUNTIME")
      ->required();
  cmd.add_option("--network", a->network, "The network the report is of: ONNX model, or ANNETTE graph (.json)")
      ->type_name("FILE")
      ->required();
  AddPrecisionOption(cmd, a->precision, "Precision the report was measured at")->required();
  AddOutputOption(cmd, a->output, "Write the measurement CSV to FILE instead of stdout");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
