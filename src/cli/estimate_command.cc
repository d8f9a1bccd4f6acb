// `odonata estimate MODEL --platform P`: the latency and energy of a model on a platform.
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/estimate.h"
#include "odonata/model.h"

namespace odonata::cli {
namespace {

struct EstimateArgs {
  ModelArgs model;
  std::string platform;
  std::optional<Precision> precision;  // default: the platform's
  Format format = Format::kTable;
  std::optional<std::string> output;
  bool wide = false;
};

int Run(const EstimateArgs& a, const Context& context) {
  const LoadOptions load = a.model.ToLoadOptions();
  EstimateOptions estimate;
  estimate.precision = a.precision;
  // The platform first: a typo there should not wait for a large model to load.
  const Platform platform = LoadPlatform(a.platform, context.SearchPath());
  WarnIfOtherMachine(platform);
  const Network network = LoadModel(a.model.path, load);
  const Report report = EstimateNetwork(network, platform, estimate);
  WarnOnce(report.warnings);  // the network's warnings come first in the report's
  std::ostringstream text;
  Render(report, a.format, text, TableOptions(a.wide, a.output));
  Emit(text.str(), a.output);
  return 0;
}

}  // namespace

Runner SetupEstimate(CLI::App& cmd) {
  auto a = std::make_shared<EstimateArgs>();
  AddModelOption(cmd, a->model.path);
  AddFormatOption(cmd, a->format, Formats::kWithHtml, "Output format (html: one self-contained page with charts)");
  AddOutputOption(cmd, a->output);
  AddWideOption(cmd, a->wide);
  AddInputShapeOption(cmd, a->model.input_shapes);
  AddInputValueOption(cmd, a->model.input_values);
  AddBatchOption(cmd, a->model.batch);
  cmd.add_option("-p,--platform", a->platform, "Platform profile: a name from `odonata platforms` or a .json file")
      ->type_name("PLATFORM")
      ->required();
  AddPrecisionOption(cmd, a->precision, "Arithmetic precision (default: the platform's)");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
