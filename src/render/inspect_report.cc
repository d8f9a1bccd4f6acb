// `odonata inspect`: the counts of every ONNX node, before fusion, no platform.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "format.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using Json = nlohmann::ordered_json;
using report::Align;
using report::Column;
using report::Elide;

constexpr std::size_t kMaxWidth = 140;

std::vector<std::string> NodeFlags(const Layer& layer) {
  std::vector<std::string> flags;
  if (layer.unknown_op) flags.push_back("unknown_op");
  if (layer.data_dependent) flags.push_back("data_dependent");
  return flags;
}

std::string OutputShapes(const Layer& layer, const char* separator) {
  std::vector<std::string> shapes;
  for (const TensorInfo& t : layer.outputs) shapes.push_back(ShapeToString(t.shape));
  return report::Join(shapes, separator);
}

std::string Human(std::int64_t value) { return report::HumanCount(static_cast<double>(value)); }

Json TensorJson(const TensorInfo& t) {
  Json shape = Json::array();
  for (std::int64_t d : t.shape) shape.push_back(d);
  return Json{{"name", t.name}, {"shape", shape}, {"dtype", DataTypeName(t.dtype)}};
}

Json TensorsJson(const std::vector<TensorInfo>& tensors) {
  Json list = Json::array();
  for (const TensorInfo& t : tensors) list.push_back(TensorJson(t));
  return list;
}

void InspectJson(const Network& network, std::ostream& out) {
  const Counts totals = network.Totals();
  Json nodes = Json::array();
  for (const Layer& layer : network.layers) {
    Json j;
    j["name"] = layer.name;
    j["op"] = layer.op_type;
    j["domain"] = layer.domain;
    j["class"] = OpClassName(layer.op_class);
    j["outputs"] = TensorsJson(layer.outputs);
    j["macs"] = layer.counts.macs;
    j["flops"] = layer.counts.flops;
    j["params"] = layer.counts.params;
    j["input_elems"] = layer.counts.input_elems;
    j["output_elems"] = layer.counts.output_elems;
    j["repeat"] = layer.repeat;
    j["flags"] = NodeFlags(layer);
    nodes.push_back(std::move(j));
  }
  Json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["model"] = network.name;
  j["model_path"] = network.source;
  j["opset"] = network.opset;
  j["inputs"] = TensorsJson(network.inputs);
  j["outputs"] = TensorsJson(network.outputs);
  j["totals"] = {{"macs", totals.macs}, {"flops", totals.flops}, {"params", totals.params}};
  j["nodes"] = std::move(nodes);
  j["warnings"] = network.warnings;
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void InspectCsv(const Network& network, std::ostream& out) {
  report::WriteCsvRecord({"index", "name", "op", "domain", "class", "output_shapes", "macs", "flops", "params",
                          "input_elems", "output_elems", "repeat", "flags", "kind"},
                         out);
  for (std::size_t i = 0; i < network.layers.size(); ++i) {
    const Layer& layer = network.layers[i];
    report::WriteCsvRecord(
        {std::to_string(i + 1), layer.name, layer.op_type, layer.domain, OpClassName(layer.op_class),
         OutputShapes(layer, ";"), std::to_string(layer.counts.macs), std::to_string(layer.counts.flops),
         std::to_string(layer.counts.params), std::to_string(layer.counts.input_elems),
         std::to_string(layer.counts.output_elems), std::to_string(layer.repeat), report::Join(NodeFlags(layer), ";"),
         "node"},
        out);
  }
  const Counts t = network.Totals();
  report::WriteCsvRecord(
      {"", "TOTAL", "", "", "", "", std::to_string(t.macs), std::to_string(t.flops), std::to_string(t.params),
       std::to_string(t.input_elems), std::to_string(t.output_elems), "", "", "total"},
      out);
}

void Line(std::ostream& out, const std::string& key, const std::string& value) {
  std::string padded = key;
  if (padded.size() < 11) padded.resize(11, ' ');
  out << padded << value << '\n';
}

void TensorLines(std::ostream& out, const std::string& key, const std::vector<TensorInfo>& list) {
  if (list.empty()) Line(out, key, "-");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const TensorInfo& t = list[i];
    Line(out, i == 0 ? key : "", t.name + "  " + ShapeToString(t.shape) + "  " + DataTypeName(t.dtype));
  }
}

void InspectTable(const Network& network, std::ostream& out) {
  Line(out, "model", network.name + (network.source.empty() ? "" : "  (" + network.source + ")"));
  Line(out, "opset", std::to_string(network.opset));
  TensorLines(out, "inputs", network.inputs);
  TensorLines(out, "outputs", network.outputs);
  out << '\n';

  const std::vector<Column> columns = {
      {"#", Align::kRight},
      {"node", Align::kLeft, Elide::kMiddle, 16},
      {"op", Align::kLeft, Elide::kEnd, 10},
      {"class", Align::kLeft},
      {"output", Align::kLeft, Elide::kEnd, 12},
      {"MACs", Align::kRight},
      {"FLOPs", Align::kRight},
      {"params", Align::kRight},
      {"in elems", Align::kRight},
      {"out elems", Align::kRight},
      {"flags", Align::kLeft, Elide::kEnd, 10},
  };
  std::vector<std::vector<std::string>> cells;
  for (std::size_t i = 0; i < network.layers.size(); ++i) {
    const Layer& layer = network.layers[i];
    std::vector<std::string> flags = NodeFlags(layer);
    if (layer.repeat != 1) flags.push_back(std::string("x").append(std::to_string(layer.repeat)));
    cells.push_back({std::to_string(i + 1), layer.name, layer.op_type, OpClassName(layer.op_class),
                     layer.outputs.empty() ? "-" : OutputShapes(layer, ","), Human(layer.counts.macs),
                     Human(layer.counts.flops), Human(layer.counts.params), Human(layer.counts.input_elems),
                     Human(layer.counts.output_elems), report::Join(flags, ",")});
  }
  report::WriteTable(columns, cells, report::TableWidth(kMaxWidth), out);
  out << '\n';

  const Counts t = network.Totals();
  Line(out, "nodes", std::to_string(network.layers.size()));
  Line(out, "MACs", Human(t.macs) + "  (" + report::GroupThousands(t.macs) + ")");
  Line(out, "FLOPs", Human(t.flops) + "  (" + report::GroupThousands(t.flops) + ")");
  Line(out, "params", Human(t.params) + "  (" + report::GroupThousands(t.params) + ")");
}

}  // namespace

void RenderInspect(const Network& network, Format format, std::ostream& out, const RenderOptions& options) {
  const report::ScopedWidth width(options);
  RenderInspect(network, format, out);
}

void RenderInspect(const Network& network, Format format, std::ostream& out) {
  static constexpr report::Renderers<Network, 4> kRenderers{"inspect",
                                                            {InspectTable, InspectJson, InspectCsv, nullptr}};
  report::Dispatch(kRenderers, network, format, out);
}

}  // namespace odonata
