// Splitting a network between a node and a remote device joined by a data
// link (`odonata partition`): at every cut point, what the node computes, what
// crosses the link (after quantisation and compression), and what it costs in
// time and node energy. Links are described in data/links.json (schema
// "odonata-links/1"); every number there carries its source.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "odonata/estimate.h"
#include "odonata/network.h"
#include "odonata/platform.h"

namespace odonata {

// One link technology. A transfer of B payload bytes is cut into
// P = ceil(B / payload_bytes) packets and takes
//   air_ms  = (B + P * overhead_bytes) / rate_bytes_per_s * 1e3 + P * per_packet_ms
//   wait_ms = (air_ms - air_ms of the last packet) * (1 / duty_cycle - 1)
// (a duty-cycle limited radio stays silent after each packet for its airtime
// x (1/d - 1); the silence after the last packet is not waited for).
// Sending draws tx_power_w during air_ms, receiving rx_power_w.
struct Link {
  std::string name;  // "wifi"
  std::string description;
  Sourced rate_bytes_per_s;                      // bytes/s on the medium (payload and per-packet overhead)
  Sourced payload_bytes;                         // largest payload per packet (an integer >= 1)
  Sourced overhead_bytes;                        // header bytes per packet, sent at rate_bytes_per_s
  Sourced per_packet_ms;                         // fixed time per packet: preamble, inter-frame spaces, acknowledgement
  Sourced tx_power_w;                            // W drawn by the radio (or PHY) while sending
  Sourced rx_power_w;                            // W drawn while receiving
  Sourced duty_cycle{1, "no duty-cycle limit"};  // share of time a sender may be on the air, (0, 1]
  // Once per inference when anything is sent: connection set-up (LTE's RRC
  // promotion) adds setup_ms to the latency at setup_w; a radio held active
  // afterwards (LTE's tail) costs tail_ms at tail_w in energy, not latency.
  Sourced setup_ms{0, "none"};
  Sourced setup_w{0, "none"};
  Sourced tail_ms{0, "none"};
  Sourced tail_w{0, "none"};
};

struct LinkTable {
  std::string path;                   // file it was loaded from
  std::map<std::string, Link> links;  // by name
  // Compression model: share of elements that are zero in a tensor written by
  // a layer ending in Relu (see Encoding).
  Sourced relu_zero_fraction;
};

// Parse and validate a link file. Unknown keys, wrong types, missing fields
// and out-of-range values throw Error naming `origin` and the key path
// ("links.lora.duty_cycle.value: must be in (0, 1], got 2").
LinkTable ParseLinks(const std::string& json_text, const std::string& origin);
LinkTable LoadLinks(const std::string& path);
// data/links.json as installed next to the binary (<exe>/../share/odonata/links.json),
// else in the source tree. "" when neither exists.
std::string DefaultLinksPath(const std::string& exe_path);
// The link named `name`; Error "<path>: unknown link 'x' (did you mean 'y'?)" otherwise.
const Link& FindLink(const LinkTable& table, const std::string& name);

// Time and energy of moving `bytes` payload bytes over `link` in one
// direction (setup and tail excluded: they are per inference, see Link).
struct Transfer {
  std::int64_t bytes = 0;
  std::int64_t packets = 0;
  double air_ms = 0;   // on the medium
  double wait_ms = 0;  // duty-cycle silence between packets
  double ms = 0;       // air_ms + wait_ms
  double mj = 0;       // air_ms x tx (or rx) power
};
Transfer LinkTransfer(const Link& link, std::int64_t bytes, bool receive = false);

// How tensors are put on the link.
// - bits absent: every tensor as stored in the model (DataTypeBytes; an
//   unknown type counts 4 bytes), uncompressed.
// - bits = b: floating-point tensors quantised to b bits (src/quantize.h),
//   packed: ceil(n * b / 8) bytes + kQuantMetadataBytes (S and M as float32);
//   other tensors as stored. A tensor written by a layer ending in Relu is
//   also estimated zero-value compressed (a 1-bit mask per element plus the
//   non-zero codes, Rhu et al., HPCA 2018): ceil(n / 8) +
//   ceil((1 - z) * n * b / 8) + metadata, z = zero_fraction, and sent in
//   whichever form is smaller. The values are not known (weights are not
//   read), so z is an assumption with a source, not a measurement.
struct Encoding {
  std::optional<int> bits;
  Sourced zero_fraction{0, "none"};
};
constexpr std::int64_t kQuantMetadataBytes = 8;

enum class Objective { kLatency, kNodeEnergy };
const char* ObjectiveName(Objective o);  // "latency", "node-energy"
bool ParseObjective(const std::string& text, Objective* out);

struct PartitionOptions {
  Encoding encoding;
  Objective objective = Objective::kLatency;
  std::optional<double> max_latency_ms;
  std::optional<double> max_node_energy_mj;
  // false: results are wanted on the remote side, so graph outputs computed
  // on the node are sent too. true: results stay on the node: outputs the
  // remote computes come back (received at rx power), and the node waits.
  bool results_on_node = false;
  EstimateOptions node;  // precision on the node
};

struct CutTensor {
  std::string name;
  Shape shape;
  DataType dtype = DataType::kUnknown;
  std::int64_t elements = 0;
  std::int64_t bytes = 0;   // on the link, after quantisation and compression
  bool quantized = false;   // sent at Encoding::bits
  bool compressed = false;  // zero-value compression was smaller
};

// Cut k: the first k fused layers of the node's estimate run on the node, the
// rest remotely (k = 0: the raw inputs are sent; k = n: everything on the node).
struct Cut {
  std::size_t index = 0;
  std::string after_layer;          // name of layer k (1-based), "" for k = 0
  std::vector<CutTensor> tensors;   // node -> remote: made on the node (or graph inputs), used remotely or results
  std::vector<CutTensor> returned;  // remote -> node (results_on_node only)
  std::int64_t bytes = 0;           // sum of tensors[].bytes
  std::int64_t return_bytes = 0;
  std::int64_t packets = 0;   // both directions
  double node_ms = 0;         // node layers + the node's overhead_ms (when k > 0)
  double node_mj = 0;         // their energy (layers at active power, overhead at idle)
  double link_ms = 0;         // setup + both directions, duty-cycle waits included
  double link_mj = 0;         // radio: setup + tx + rx + tail
  double remote_ms = 0;       // remote layers + the remote's overhead_ms (when k < n); 0 without a remote
  double idle_mj = 0;         // node idle power during link_ms (and remote_ms when results come back)
  double total_ms = 0;        // node_ms + link_ms + remote_ms
  double node_energy_mj = 0;  // node_mj + link_mj + idle_mj: what the node's battery pays
  bool feasible = true;       // within the constraints
  bool best = false;
};

struct PartitionReport {
  std::string model;
  std::string model_path;
  std::string node_platform;  // display name
  Precision node_precision = Precision::kFp32;
  std::string remote_platform;  // "" = no remote: remote_ms is 0
  Link link;
  std::string links_path;
  Encoding encoding;
  PartitionOptions options;
  std::vector<Cut> cuts;                 // k = 0..n
  std::optional<std::size_t> best;       // index into cuts; empty when no cut is feasible
  std::vector<std::string> assumptions;  // one line each, shown with every report
  std::vector<std::string> warnings;
};

// Estimate `network` on `node` (and `remote` when given) and cost every cut.
// Throws Error when a platform lacks its precision, like EstimateNetwork.
PartitionReport Partition(const Network& network, const Platform& node, const Platform* remote, const Link& link,
                          const PartitionOptions& options);

}  // namespace odonata
