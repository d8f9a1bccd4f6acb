// `odonata inspect MODEL`: shapes and counts of every node, no platform.
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/model.h"

namespace odonata::cli {
namespace {

struct InspectArgs {
  ModelArgs model;
  Format format = Format::kTable;
  std::optional<std::string> output;
  bool wide = false;
};

int Run(const InspectArgs& a, const Context&) {
  const Network network = LoadModel(a.model.path, a.model.ToLoadOptions());
  for (const std::string& w : network.warnings) Warn(w);
  std::ostringstream text;
  RenderInspect(network, a.format, text, TableOptions(a.wide, a.output));
  Emit(text.str(), a.output);
  return 0;
}

}  // namespace

Runner SetupInspect(CLI::App& cmd) {
  auto a = std::make_shared<InspectArgs>();
  AddModelOption(cmd, a->model.path);
  AddFormatOption(cmd, a->format, Formats::kText, "Output format");
  AddOutputOption(cmd, a->output);
  AddWideOption(cmd, a->wide);
  AddInputShapeOption(cmd, a->model.input_shapes);
  AddInputValueOption(cmd, a->model.input_values);
  AddNmsComparesOption(cmd, a->model.nms_compares);
  AddBatchOption(cmd, a->model.batch);
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
