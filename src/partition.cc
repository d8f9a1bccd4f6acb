// `odonata partition`: cut points of a network between a node and a remote
// device, the link model (data/links.json) and the quantiser.
#include "odonata/partition.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "io.h"
#include "json_reader.h"
#include "names.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/layout.h"
#include "text.h"

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace odonata {
namespace {

constexpr const char* kSchema = "odonata-links/1";

std::string Fixed3(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

using json::CheckKeys;
using json::ExpectObject;
using json::GetSourced;
using json::GetString;
using json::Node;
using json::Range;
using json::Suggestion;
std::string Number(double v) { return json::FormatNumber(v); }

Link ParseLink(const Node& n, const std::string& name) {
  CheckKeys(n,
            {"description", "rate_bytes_per_s", "payload_bytes", "overhead_bytes", "per_packet_ms", "tx_power_w",
             "rx_power_w"},
            {"duty_cycle", "setup_ms", "setup_w", "tail_ms", "tail_w"});
  Link l;
  l.name = name;
  l.description = GetString(n.Child("description"));
  l.rate_bytes_per_s = GetSourced(n.Child("rate_bytes_per_s"), Range::kPositive);
  l.payload_bytes = GetSourced(n.Child("payload_bytes"), Range::kCount);
  l.overhead_bytes = GetSourced(n.Child("overhead_bytes"), Range::kNonNegative);
  l.per_packet_ms = GetSourced(n.Child("per_packet_ms"), Range::kNonNegative);
  l.tx_power_w = GetSourced(n.Child("tx_power_w"), Range::kNonNegative);
  l.rx_power_w = GetSourced(n.Child("rx_power_w"), Range::kNonNegative);
  if (n.json.contains("duty_cycle")) l.duty_cycle = GetSourced(n.Child("duty_cycle"), Range::kPositiveFraction);
  if (n.json.contains("setup_ms")) l.setup_ms = GetSourced(n.Child("setup_ms"), Range::kNonNegative);
  if (n.json.contains("setup_w")) l.setup_w = GetSourced(n.Child("setup_w"), Range::kNonNegative);
  if (n.json.contains("tail_ms")) l.tail_ms = GetSourced(n.Child("tail_ms"), Range::kNonNegative);
  if (n.json.contains("tail_w")) l.tail_w = GetSourced(n.Child("tail_w"), Range::kNonNegative);
  return l;
}

bool IsFloat(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat16 || t == DataType::kBFloat16 || t == DataType::kFloat64;
}

std::int64_t CeilDiv(std::int64_t a, std::int64_t b) { return a == 0 ? 0 : 1 + (a - 1) / b; }

// Bytes of one tensor on the link (see Encoding in partition.h).
CutTensor Encode(const TensorInfo& t, bool relu_written, const Encoding& e) {
  CutTensor c;
  c.name = t.name;
  c.shape = t.shape;
  c.dtype = t.dtype;
  c.elements = NumElements(t.shape);
  if (!e.bits || !IsFloat(t.dtype)) {
    const int stored = DataTypeBytes(t.dtype);
    c.bytes = CheckedMul(c.elements, stored > 0 ? stored : 4);
    return c;
  }
  const std::int64_t b = *e.bits;
  c.quantized = true;
  c.bytes = CheckedAdd(CeilDiv(CheckedMul(c.elements, b), 8), kQuantMetadataBytes);
  if (relu_written) {
    const double nonzero_bits =
        (1.0 - e.zero_fraction.value) * static_cast<double>(c.elements) * static_cast<double>(b);
    const std::int64_t zvc =
        CeilDiv(c.elements, 8) + static_cast<std::int64_t>(std::ceil(nonzero_bits / 8.0)) + kQuantMetadataBytes;
    if (zvc < c.bytes) {
      c.bytes = zvc;
      c.compressed = true;
    }
  }
  return c;
}

// Airtime of one packet carrying `payload` bytes.
double PacketMs(const Link& l, double payload) {
  return (payload + l.overhead_bytes.value) / l.rate_bytes_per_s.value * 1e3 + l.per_packet_ms.value;
}

}  // namespace

LinkTable ParseLinks(const std::string& json_text, const std::string& origin) {
  const Json j = json::ParseStrict(json_text, origin);
  const Node top{j, "", origin};
  CheckKeys(top, {"schema", "compression", "links"}, {"notes"});
  const Node schema = top.Child("schema");
  if (GetString(schema) != kSchema) {
    schema.Fail("unsupported schema '" + schema.json.get<std::string>() + "' (expected '" + kSchema + "')");
  }
  LinkTable table;
  table.path = origin;
  const Node compression = top.Child("compression");
  CheckKeys(compression, {"relu_zero_fraction"}, {});
  table.relu_zero_fraction = GetSourced(compression.Child("relu_zero_fraction"), Range::kFraction);
  const Node links = top.Child("links");
  ExpectObject(links);
  if (links.json.empty()) links.Fail("must not be empty");
  for (const auto& item : links.json.items()) {
    table.links.emplace(item.key(), ParseLink(links.Child(item.key()), item.key()));
  }
  return table;
}

LinkTable LoadLinks(const std::string& path) { return ParseLinks(ReadFile(path), path); }

std::string DefaultLinksPath(const std::string& exe_path) {
  std::vector<fs::path> candidates;
  const fs::path exe_dir = fs::path(exe_path).parent_path();
  if (!exe_dir.empty()) candidates.push_back(exe_dir / ".." / "share" / "odonata" / "links.json");
#ifdef ODONATA_SOURCE_DIR
  candidates.emplace_back(ODONATA_SOURCE_DIR "/data/links.json");
#endif
  for (const fs::path& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c.lexically_normal().string();
  }
  return "";
}

const Link& FindLink(const LinkTable& table, const std::string& name) {
  auto it = table.links.find(name);
  if (it != table.links.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [n, l] : table.links) names.push_back(n);
  throw Error(table.path + ": unknown link '" + name + "' " + Suggestion(name, names));
}

Transfer LinkTransfer(const Link& link, std::int64_t bytes, bool receive) {
  Transfer t;
  t.bytes = bytes;
  if (bytes <= 0) return t;
  const auto payload = static_cast<std::int64_t>(link.payload_bytes.value);
  t.packets = CeilDiv(bytes, payload);
  const double packets = static_cast<double>(t.packets);
  t.air_ms = (static_cast<double>(bytes) + packets * link.overhead_bytes.value) / link.rate_bytes_per_s.value * 1e3 +
             packets * link.per_packet_ms.value;
  const double last_ms = PacketMs(link, static_cast<double>(bytes - (t.packets - 1) * payload));
  t.wait_ms = (t.air_ms - last_ms) * (1.0 / link.duty_cycle.value - 1.0);
  t.ms = t.air_ms + t.wait_ms;
  t.mj = t.air_ms * (receive ? link.rx_power_w.value : link.tx_power_w.value);
  return t;
}

constexpr NameTable<Objective, 2> kObjectiveNames = {{{
    {Objective::kLatency, "latency"},
    {Objective::kNodeEnergy, "node-energy"},
}}};

const char* ObjectiveName(Objective o) { return kObjectiveNames.Name(o); }

bool ParseObjective(const std::string& text, Objective* out) { return kObjectiveNames.Parse(text, out); }

namespace {

// Where every activation is made (layer -1: a graph input, on the node from
// the start) and the last layer that reads it, over the node's fused layers.
struct TensorFlow {
  struct Made {
    long layer;
    const TensorInfo* info;
  };
  std::map<std::string, Made> made;
  std::vector<std::string> order;  // graph inputs, then outputs in layer order: the order tensors are listed
  std::map<std::string, long> last_use;
  std::set<std::string> graph_outputs;
};

TensorFlow TraceTensors(const Network& net, const std::vector<ReportRow>& rows) {
  TensorFlow f;
  const long n = static_cast<long>(rows.size());
  for (const TensorInfo& t : net.inputs) {
    if (f.made.emplace(t.name, TensorFlow::Made{-1, &t}).second) f.order.push_back(t.name);
  }
  for (long i = 0; i < n; ++i) {
    for (const TensorInfo& t : rows[i].layer.outputs) {
      if (t.name.empty() || t.is_weight || t.is_constant) continue;
      if (f.made.emplace(t.name, TensorFlow::Made{i, &t}).second) f.order.push_back(t.name);
    }
  }
  for (long i = 0; i < n; ++i) {
    for (const TensorInfo& t : rows[i].layer.inputs) {
      if (t.name.empty() || t.is_weight || t.is_constant || !f.made.count(t.name)) continue;
      f.last_use[t.name] = std::max(f.last_use.count(t.name) ? f.last_use[t.name] : -1L, i);
    }
  }
  for (const TensorInfo& t : net.outputs) f.graph_outputs.insert(t.name);
  return f;
}

// The remote's time for the layers after each cut k (index k), and the cuts
// that split a layer the remote fuses. A remote layer runs remotely when its
// main node does (the remote may fuse differently from the node).
struct RemoteCosts {
  std::vector<double> ms;
  std::set<std::size_t> straddling;
};

// The NCHWc reorders of a report's term (Report::reorders, ONNX Runtime's layout) by the row that
// runs them: a ReorderInput with the NCHWc row that reads its tensor (Reorder::layer), a
// ReorderOutput with the NCHWc row that writes it (Reorder::producer). Each priced as the term
// prices it (const + ns x elements + one dispatch, at the plan of `platform` and `options`), so
// the rows' shares add up to the term: a cut runs on the node the reorders of its node layers.
// All zeros without the term.
std::vector<double> ReordersByRow(const Report& report, const Network& net, const Platform& platform,
                                  const EstimateOptions& options) {
  std::vector<double> by(report.rows.size(), 0.0);
  if (!report.reorders || report.rows.empty()) return by;
  std::vector<Layer> layers;
  layers.reserve(report.rows.size());
  for (const ReportRow& r : report.rows) layers.push_back(r.layer);
  const NchwcLayout layout = EmulateNchwc(layers, net.outputs, report.reorders->block);
  const PlatformPlan plan = PlanPlatform(platform, options);
  for (const Reorder& x : layout.reorders) {
    const int d = x.kind == Reorder::Kind::kInput ? 0 : 1;
    const std::size_t row = d == 0 ? x.layer : x.producer;
    by[std::min(row, by.size() - 1)] += plan.reorder_const_ms[d] +
                                        plan.reorder_ns[d] * 1e-6 * static_cast<double>(x.elements) +
                                        plan.dispatch_ms;
  }
  return by;
}

RemoteCosts RemoteCostsPerCut(const std::vector<ReportRow>& node_rows, const Report* remote,
                              const std::vector<double>& remote_reorders) {
  const std::size_t n = node_rows.size();
  RemoteCosts r;
  r.ms.assign(n + 1, 0.0);
  if (remote == nullptr) return r;
  std::map<std::string, long> node_layer_of;
  for (long i = 0; i < static_cast<long>(n); ++i) {
    for (const std::string& c : node_rows[i].layer.covers) node_layer_of[c] = i;
  }
  for (std::size_t j = 0; j < remote->rows.size(); ++j) {
    const ReportRow& row = remote->rows[j];
    const double ms = row.ms + (j < remote_reorders.size() ? remote_reorders[j] : 0.0);
    const auto main = node_layer_of.find(row.layer.covers.empty() ? row.layer.name : row.layer.covers.front());
    const long m = main == node_layer_of.end() ? 0 : main->second;
    for (long k = 0; k <= m; ++k) r.ms[k] += ms;  // runs remotely for every cut k <= m
    for (const std::string& c : row.layer.covers) {
      auto it = node_layer_of.find(c);
      if (it == node_layer_of.end() || it->second == m) continue;
      for (long k = std::min(it->second, m) + 1; k <= std::max(it->second, m); ++k) r.straddling.insert(k);
    }
  }
  return r;
}

// The tensors crossing cut k: made on the node (or graph inputs) and read
// after it, or graph outputs wanted remotely; with results on the node, the
// remote's graph outputs coming back.
void AddCutTensors(Cut& c, const TensorFlow& flow, const std::vector<ReportRow>& rows,
                   const PartitionOptions& options) {
  const long kl = static_cast<long>(c.index);
  auto relu_written = [&](long layer) {
    if (layer < 0) return false;
    const Layer& l = rows[layer].layer;
    return (l.covered_ops.empty() ? l.op_type : l.covered_ops.back()) == "Relu";
  };
  for (const std::string& name : flow.order) {
    const TensorFlow::Made& m = flow.made.at(name);
    const bool on_node = m.layer < kl;
    const auto use = flow.last_use.find(name);
    const bool used_after = use != flow.last_use.end() && use->second >= kl;
    const bool output = flow.graph_outputs.count(name) > 0;
    const bool sent = on_node && (used_after || (output && !options.results_on_node));
    const bool returned = !on_node && output && options.results_on_node;
    if (sent) c.tensors.push_back(Encode(*m.info, relu_written(m.layer), options.encoding));
    if (returned) c.returned.push_back(Encode(*m.info, relu_written(m.layer), options.encoding));
  }
  for (const CutTensor& t : c.tensors) c.bytes = CheckedAdd(c.bytes, t.bytes);
  for (const CutTensor& t : c.returned) c.return_bytes = CheckedAdd(c.return_bytes, t.bytes);
}

// Time and energy of the link for cut c's bytes (up and down), setup and tail
// once when anything is sent.
void CostLink(Cut& c, const Link& link) {
  const Transfer up = LinkTransfer(link, c.bytes, false);
  const Transfer down = LinkTransfer(link, c.return_bytes, true);
  c.packets = up.packets + down.packets;
  c.link_ms = up.ms + down.ms;
  c.link_mj = up.mj + down.mj;
  if (c.bytes + c.return_bytes > 0) {
    c.link_ms += link.setup_ms.value;
    c.link_mj += link.setup_ms.value * link.setup_w.value + link.tail_ms.value * link.tail_w.value;
  }
}

// Best: the feasible cut with the lowest objective; ties go to the lower
// value of the other objective, then to the earlier cut.
std::optional<std::size_t> BestCut(const std::vector<Cut>& cuts, Objective objective) {
  auto key = [&](const Cut& c) {
    return objective == Objective::kLatency ? std::make_pair(c.total_ms, c.node_energy_mj)
                                            : std::make_pair(c.node_energy_mj, c.total_ms);
  };
  std::optional<std::size_t> best;
  for (std::size_t k = 0; k < cuts.size(); ++k) {
    if (!cuts[k].feasible) continue;
    if (!best || key(cuts[k]) < key(cuts[*best])) best = k;
  }
  return best;
}

// What the numbers assume, printed with every report.
std::vector<std::string> Assumptions(std::size_t n, const Report& nr, const Report* rr, double idle_w,
                                     const PartitionOptions& options) {
  std::vector<std::string> a;
  a.push_back("cut k: the first k layers of the node's estimate (" + std::to_string(n) +
              " fused layers) run on the node, the rest remotely; sent: the tensors made on the node (or graph "
              "inputs) that a later layer reads" +
              std::string(options.results_on_node ? "" : ", and graph outputs made on the node"));
  if (options.results_on_node) {
    a.push_back(
        "results stay on the node: graph outputs made remotely come back (rx power), and the node idles "
        "while it waits for them");
  } else {
    a.push_back("results are wanted remotely: nothing comes back to the node");
  }
  if (options.encoding.bits) {
    a.push_back("floating-point tensors quantised to " + std::to_string(*options.encoding.bits) +
                " bits, d = floor((f - S)/(M - S) * 2^(b-1)), S the mid-range, plus " +
                std::to_string(kQuantMetadataBytes) + " bytes (S, M) per tensor; other tensors as stored");
    a.push_back(
        "tensors written by a Relu layer: zero-value compression (1-bit mask + non-zero codes) when "
        "smaller, assuming a zero fraction of " +
        Number(options.encoding.zero_fraction.value) + " (" + options.encoding.zero_fraction.source + ")");
  } else {
    a.push_back("tensors sent as stored in the model (float32 unless the model says otherwise), uncompressed");
  }
  a.push_back("node: overhead_ms (" + Fixed3(nr.overhead_ms) +
              " ms) counted when it runs at least one layer; node energy = layers and overhead + radio + idle power (" +
              Number(idle_w) + " W) x link time" + std::string(options.results_on_node ? " and remote wait" : ""));
  if (rr) {
    a.push_back("remote: " + rr->platform + ", its overhead_ms (" + Fixed3(rr->overhead_ms) +
                " ms) counted when it runs at least one layer");
  } else {
    a.push_back("remote time not modelled (no --remote): remote_ms = 0");
  }
  return a;
}

}  // namespace

PartitionReport Partition(const Network& net, const Platform& node, const Platform* remote, const Link& link,
                          const PartitionOptions& options) {
  const Report nr = EstimateNetwork(net, node, options.node);
  std::optional<Report> rr;
  if (remote != nullptr) rr = EstimateNetwork(net, *remote);
  const std::size_t n = nr.rows.size();

  PartitionReport out;
  out.model = net.name;
  out.model_path = net.source;
  out.node_platform = nr.platform;
  out.node_precision = nr.precision;
  out.remote_platform = rr ? rr->platform : "";
  out.link = link;
  out.encoding = options.encoding;
  out.options = options;
  out.warnings = nr.warnings;

  const TensorFlow flow = TraceTensors(net, nr.rows);
  const RemoteCosts remote_costs =
      RemoteCostsPerCut(nr.rows, rr ? &*rr : nullptr,
                        rr ? ReordersByRow(*rr, net, *remote, EstimateOptions{}) : std::vector<double>{});
  // Node cost of the first k layers, with the NCHWc reorders they run (ReordersByRow).
  const std::vector<double> node_reorders = ReordersByRow(nr, net, node, options.node);
  const double reorder_w = nr.reorders && nr.reorders->ms > 0 ? nr.reorders->energy_mj / nr.reorders->ms : 0.0;
  std::vector<double> node_ms(n + 1, 0.0), node_mj(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    node_ms[i + 1] = node_ms[i] + nr.rows[i].ms + node_reorders[i];
    node_mj[i + 1] = node_mj[i] + nr.rows[i].energy_mj + reorder_w * node_reorders[i];
  }
  const double idle_w = node.idle_power_w.value;
  for (std::size_t k = 0; k <= n; ++k) {
    Cut c;
    c.index = k;
    c.after_layer = k == 0 ? "" : nr.rows[k - 1].layer.name;
    AddCutTensors(c, flow, nr.rows, options);
    if (k > 0) {
      c.node_ms = node_ms[k] + nr.overhead_ms;
      c.node_mj = node_mj[k] + nr.overhead_energy_mj;
    }
    if (rr && k < n) c.remote_ms = remote_costs.ms[k] + rr->overhead_ms;
    CostLink(c, link);
    c.total_ms = c.node_ms + c.link_ms + c.remote_ms;
    const double waiting_ms = c.link_ms + (options.results_on_node ? c.remote_ms : 0.0);
    c.idle_mj = idle_w * waiting_ms;
    c.node_energy_mj = c.node_mj + c.link_mj + c.idle_mj;
    c.feasible = (!options.max_latency_ms || c.total_ms <= *options.max_latency_ms) &&
                 (!options.max_node_energy_mj || c.node_energy_mj <= *options.max_node_energy_mj);
    out.cuts.push_back(std::move(c));
  }
  out.best = BestCut(out.cuts, options.objective);
  if (out.best) out.cuts[*out.best].best = true;
  out.assumptions = Assumptions(n, nr, rr ? &*rr : nullptr, idle_w, options);
  if (!remote_costs.straddling.empty()) {
    out.warnings.push_back(std::to_string(remote_costs.straddling.size()) +
                           " cut(s) split a layer that the remote platform '" + rr->platform +
                           "' fuses; such a layer is costed remotely in full when its main node runs remotely, "
                           "else not at all");
  }
  return out;
}

}  // namespace odonata
