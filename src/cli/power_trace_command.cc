// `odonata power-trace TRACE`: energy per window of a sampled power trace.
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/power.h"

namespace odonata::cli {
namespace {

struct PowerTraceArgs {
  std::string trace;
  std::optional<std::string> events;  // default: detect the inferences
  std::optional<double> shunt_ohms;
  double min_ms = 1.0;
  Format format = Format::kTable;
  std::optional<std::string> output;
};

int Run(const PowerTraceArgs& a, const Context&) {
  PowerTraceOptions options;
  options.shunt_ohms = a.shunt_ohms;
  const PowerTrace trace = LoadPowerTrace(a.trace, options);
  const std::vector<PowerWindow> events = a.events ? LoadPowerEvents(*a.events) : std::vector<PowerWindow>{};
  const PowerTraceReport report = AnalysePowerTrace(trace, events, a.min_ms * 1e-3);
  for (const std::string& w : report.warnings) Warn(w);
  std::ostringstream text;
  RenderPowerTrace(report, a.format, text);
  Emit(text.str(), a.output);
  return 0;
}

}  // namespace

Runner SetupPowerTrace(CLI::App& cmd) {
  auto a = std::make_shared<PowerTraceArgs>();
  cmd.add_option("TRACE", a->trace, "Power trace CSV: time_s and watts, volts+amps, or volts+shunt_v")
      ->type_name("CSV")
      ->required();
  cmd.add_option("--events", a->events, "Windows to integrate (CSV: start_s,end_s,name); default: detect inferences")
      ->type_name("CSV");
  cmd.add_option("--shunt-ohms", a->shunt_ohms, "Shunt resistance for a shunt_v column")
      ->type_name("OHMS")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--min-ms", a->min_ms, "Shortest run above the threshold counted as an inference (detection)")
      ->type_name("MS")
      ->check(CLI::NonNegativeNumber)
      ->default_str("1");
  AddFormatOption(cmd, a->format, Formats::kText, "Output format");
  AddOutputOption(cmd, a->output, "Write the report to FILE instead of standard output");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
