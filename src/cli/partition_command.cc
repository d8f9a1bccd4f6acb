// `odonata partition MODEL --platform P --link L`: the cost of every cut of a
// network between a node and a remote device, and the best one.
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/errors.h"
#include "odonata/model.h"
#include "odonata/partition.h"
#include "units.h"

namespace odonata::cli {
namespace {

struct PartitionArgs {
  ModelArgs model;
  std::string platform;  // the node's
  std::string link;
  std::optional<std::string> links;   // default: the installed data/links.json
  std::optional<int> bits;            // default: tensors as stored
  std::optional<std::string> remote;  // default: remote time not modelled
  Objective objective = Objective::kLatency;
  std::optional<std::string> max_latency;      // "100ms"
  std::optional<std::string> max_node_energy;  // "5mJ"
  bool results_on_node = false;
  std::optional<Precision> precision;  // on the node; default: the platform's
  Format format = Format::kTable;
  std::optional<std::string> output;
};

int Run(const PartitionArgs& a, const Context& context) {
  PartitionOptions p;
  p.encoding.bits = a.bits;
  p.objective = a.objective;
  if (a.max_latency) p.max_latency_ms = OptionValue("--max-latency", *a.max_latency, ParseDurationMs);
  if (a.max_node_energy) p.max_node_energy_mj = OptionValue("--max-node-energy", *a.max_node_energy, ParseEnergyMj);
  p.results_on_node = a.results_on_node;
  p.node.precision = a.precision;
  // The small inputs first: a typo in a link or platform should not wait for a large model.
  const std::string links_path = a.links ? *a.links : DefaultLinksPath(context.exe_path);
  if (links_path.empty()) throw Error("no link file found (data/links.json); give one with --links");
  const LinkTable links = LoadLinks(links_path);
  const Link& link = FindLink(links, a.link);
  p.encoding.zero_fraction = links.relu_zero_fraction;
  const std::vector<std::string> search_path = context.SearchPath();
  const Platform node = LoadPlatform(a.platform, search_path);
  std::optional<Platform> remote;
  if (a.remote) remote = LoadPlatform(*a.remote, search_path);
  const Network network = LoadModel(a.model.path, a.model.ToLoadOptions());
  PartitionReport report = Partition(network, node, remote ? &*remote : nullptr, link, p);
  report.links_path = links_path;
  WarnOnce(report.warnings);  // the network's warnings come first in the report's
  std::ostringstream text;
  RenderPartition(report, a.format, text);
  Emit(text.str(), a.output);
  return 0;
}

}  // namespace

Runner SetupPartition(CLI::App& cmd) {
  auto a = std::make_shared<PartitionArgs>();
  AddModelOption(cmd, a->model.path);
  cmd.add_option("-p,--platform", a->platform, "The node's platform profile: a name or a .json file")
      ->type_name("PLATFORM")
      ->required();
  cmd.add_option("--link", a->link, "Link technology: a name in the link file (wifi, ble, lora, lte, ethernet)")
      ->type_name("LINK")
      ->required();
  cmd.add_option("--links", a->links, "Link file (default: data/links.json)")->type_name("FILE");
  cmd.add_option("--bits", a->bits, "Quantise floating-point tensors to B bits before sending (default: as stored)")
      ->check(CLI::Range(1, 8))
      ->type_name("B");
  cmd.add_option("--remote", a->remote, "Remote platform profile (default: remote time not modelled, 0)")
      ->type_name("PLATFORM");
  cmd.add_option_function<std::string>(
         "--objective", [a](const std::string& text) { ParseObjective(text, &a->objective); },
         "What the best cut minimises")
      ->check(CLI::IsMember({"latency", "node-energy"}))
      ->type_name("latency|node-energy")
      ->default_str("latency");
  cmd.add_option("--max-latency", a->max_latency, "Only cuts at most this slow end to end: 100ms, 0.1s")
      ->type_name("TIME");
  cmd.add_option("--max-node-energy", a->max_node_energy, "Only cuts costing the node at most this: 5mJ, 1J")
      ->type_name("ENERGY");
  cmd.add_flag("--results-on-node", a->results_on_node,
               "Results stay on the node: remote outputs come back (default: results wanted remotely)");
  AddPrecisionOption(cmd, a->precision, "Precision on the node (default: the platform's)");
  AddFormatOption(cmd, a->format, Formats::kAll, "Output format (html: charts of the cost per cut and the table)");
  AddOutputOption(cmd, a->output);
  AddInputShapeOption(cmd, a->model.input_shapes);
  AddInputValueOption(cmd, a->model.input_values);
  AddNmsComparesOption(cmd, a->model.nms_compares);
  AddBatchOption(cmd, a->model.batch);
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
