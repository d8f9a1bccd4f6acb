// `odonata import REPORT --runtime R --network MODEL --precision P`: a
// runtime's per-layer report as measurement rows.
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/importers.h"
#include "odonata/measurements.h"

namespace odonata::cli {
namespace {

struct ImportArgs {
  std::string report;
  Runtime runtime = Runtime::kOpenVino;
  std::string network;
  std::optional<Precision> precision;  // required
  std::optional<std::string> output;
};

int Run(const ImportArgs& a, const Context&) {
  const ImportResult result = ImportRuntimeReport(a.report, a.runtime, a.network, *a.precision);
  for (const std::string& w : result.warnings) Warn(w);
  if (!result.executed_unmatched.empty()) {
    Warn(std::to_string(result.executed_unmatched.size()) + " executed report row(s) not imported, e.g. " +
         result.executed_unmatched.front());
  }
  std::ostringstream csv;
  WriteMeasurements(result.rows, csv);
  Emit(csv.str(), a.output);
  Note("imported " + std::to_string(result.rows.size()) + " of " + std::to_string(result.report_rows) + " report rows");
  return 0;
}

}  // namespace

Runner SetupImport(CLI::App& cmd) {
  auto a = std::make_shared<ImportArgs>();
  cmd.add_option("REPORT", a->report,
                 "Runtime report: OpenVINO counters CSV, ONNX Runtime profile JSON, trtexec profile JSON")
      ->type_name("FILE")
      ->required();
  std::vector<std::string> runtimes;
  for (Runtime r : AllRuntimes()) runtimes.push_back(RuntimeName(r));
  cmd.add_option_function<std::string>(
         "--runtime", [a](const std::string& text) { ParseRuntime(text, &a->runtime); }, "Format of REPORT")
      ->check(CLI::IsMember(runtimes))
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
