// Partition costs on a small inline model, a hand-made node, remote and link,
// every number computed by hand below.
#include "odonata/partition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "odonata/errors.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "quantize.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::ErrorOf;
using testing::Model;

// Memory-bound by construction (peak 1e12 op/s, bandwidth `gbps`): a layer
// takes bytes / (gbps * 1e9) s. fp32, Conv absorbs Relu, Flatten is free,
// overhead `overhead_ms` at idle 1 W, layers at 2 W. `fuse` false: no fusion rule.
Platform Device(const std::string& name, const std::string& gbps, const std::string& overhead_ms, bool fuse = true) {
  return ParsePlatform(R"({
    "schema": "odonata-platform/1", "name": ")" +
                           name + R"(", "description": "test device",
    "default_precision": "fp32",
    "precisions": {"fp32": {"peak_gops": {"value": 1000, "source": "t"}, "bandwidth_gbps": {"value": )" +
                           gbps + R"(, "source": "t"}}},
    "overhead_ms": {"value": )" +
                           overhead_ms + R"(, "source": "t"},
    "power": {"idle_w": {"value": 1, "source": "t"}, "typical_w": {"value": 2, "source": "t"}},
    "price_usd": {"value": 10, "source": "t"},
    "classes": {"default": {"estimator": "roofline"}},
    "fusion": {)" + std::string(fuse ? R"("rules": [{"into": ["Conv"], "absorb": ["Relu"], "source": "t"}],)" : "") +
                           R"("free": {"ops": ["Flatten"], "source": "t"}}
  })",
                       name + ".json");
}

// Node: 1e-5 GB/s = 1e4 B/s, so a layer takes bytes x 0.1 ms; overhead 0.5 ms.
Platform Node() { return Device("node", "0.00001", "0.5"); }
// Remote: 1 GB/s, a layer takes bytes x 1e-6 ms; overhead 0.1 ms.
Platform Remote() { return Device("remote", "1", "0.1"); }

// x[1,1,4,4] -> Conv 3x3 (2 ch, pad 1) + Relu -> r1[1,2,4,4] -> Conv 4x4 (4 ch)
// -> c2[1,4,1,1] -> Flatten -> f[1,4] -> Gemm (3) -> y[1,3]. After fusion, 4 layers:
//   L1 Conv+Relu  (16 + 32 + 18 weights) x 4 B = 264 B -> 26.4 ms, 52.8 mJ
//   L2 Conv       (32 + 4 + 128) x 4 B       = 656 B -> 65.6 ms, 131.2 mJ
//   L3 Flatten    free                               ->  0 ms
//   L4 Gemm       (4 + 3 + 12) x 4 B         =  76 B ->  7.6 ms, 15.2 mJ
Network Net() {
  return ParseOnnxText(Model("(float[1,1,4,4] x) => (float[1,3] y)",
                             "c1 = Conv<pads=[1,1,1,1]>(x, w1)\n r1 = Relu(c1)\n c2 = Conv(r1, w2)\n"
                             " f = Flatten(c2)\n y = Gemm<transB=1>(f, w3)",
                             "<float[2,1,3,3] w1 = {0.0}, float[4,2,4,4] w2 = {0.0}, float[3,4] w3 = {0.0}>"));
}

// 1000 B/s, 100 B per packet + 10 B header, 5 ms per packet, tx 5 W, rx 0.25 W.
Link TestLink() {
  Link l;
  l.name = "test";
  l.description = "hand-made";
  l.rate_bytes_per_s = {1000, "t"};
  l.payload_bytes = {100, "t"};
  l.overhead_bytes = {10, "t"};
  l.per_packet_ms = {5, "t"};
  l.tx_power_w = {5, "t"};
  l.rx_power_w = {0.25, "t"};
  return l;
}

std::vector<std::string> Names(const std::vector<CutTensor>& tensors) {
  std::vector<std::string> names;
  for (const CutTensor& t : tensors) names.push_back(t.name);
  return names;
}

constexpr double kTol = 1e-9;

TEST(Partition, EveryCutByHand) {
  const Platform node = Node(), remote = Remote();
  const PartitionReport r = Partition(Net(), node, &remote, TestLink(), {});
  ASSERT_EQ(r.cuts.size(), 5u);
  // Sent tensors (fp32, 4 B per element), packets of <= 100 B, each packet
  // (bytes + 10) ms at 1000 B/s + 5 ms; tx at 5 W.
  //   cut 0: x   16 el =  64 B, 1 packet:  74 + 5        =  79 ms, 395 mJ
  //   cut 1: r1  32 el = 128 B, 2 packets: 148 + 10      = 158 ms, 790 mJ
  //   cut 2: c2   4 el =  16 B, 1 packet:   26 + 5       =  31 ms, 155 mJ
  //   cut 3: f    4 el =  16 B                           =  31 ms, 155 mJ
  //   cut 4: y    3 el =  12 B (results wanted remotely) =  27 ms, 135 mJ
  const std::vector<std::vector<std::string>> sent = {{"x"}, {"r1"}, {"c2"}, {"f"}, {"y"}};
  const std::vector<std::int64_t> bytes = {64, 128, 16, 16, 12};
  const std::vector<std::int64_t> packets = {1, 2, 1, 1, 1};
  const std::vector<double> link_ms = {79, 158, 31, 31, 27};
  const std::vector<double> link_mj = {395, 790, 155, 155, 135};
  // Node: layers up to the cut + 0.5 ms overhead once it runs any;
  // energy 2 W x layer ms + 1 W x 0.5 ms.
  const std::vector<double> node_ms = {0, 26.9, 92.5, 92.5, 100.1};
  const std::vector<double> node_mj = {0, 53.3, 184.5, 184.5, 199.7};
  // Remote: the layers after the cut at bytes x 1e-6 ms + 0.1 ms overhead.
  const std::vector<double> remote_ms = {0.100996, 0.100732, 0.100076, 0.100076, 0};
  for (std::size_t k = 0; k < 5; ++k) {
    SCOPED_TRACE("cut " + std::to_string(k));
    const Cut& c = r.cuts[k];
    EXPECT_EQ(c.index, k);
    EXPECT_EQ(Names(c.tensors), sent[k]);
    EXPECT_EQ(c.bytes, bytes[k]);
    EXPECT_EQ(c.return_bytes, 0);
    EXPECT_EQ(c.packets, packets[k]);
    EXPECT_NEAR(c.link_ms, link_ms[k], kTol);
    EXPECT_NEAR(c.link_mj, link_mj[k], kTol);
    EXPECT_NEAR(c.node_ms, node_ms[k], kTol);
    EXPECT_NEAR(c.node_mj, node_mj[k], kTol);
    EXPECT_NEAR(c.remote_ms, remote_ms[k], kTol);
    EXPECT_NEAR(c.total_ms, node_ms[k] + link_ms[k] + remote_ms[k], kTol);
    // The node idles at 1 W while the link sends.
    EXPECT_NEAR(c.idle_mj, link_ms[k], kTol);
    EXPECT_NEAR(c.node_energy_mj, node_mj[k] + link_mj[k] + link_ms[k], kTol);
    EXPECT_TRUE(c.feasible);
  }
  EXPECT_EQ(r.cuts[0].after_layer, "");
  // Unnamed nodes are named "<op>_<index>"; a fused layer by its main node.
  EXPECT_EQ(r.cuts[1].after_layer, "Conv_0");
  EXPECT_EQ(r.cuts[2].after_layer, "Conv_2");
  EXPECT_EQ(r.cuts[4].after_layer, "Gemm_4");
  EXPECT_EQ(r.cuts[0].tensors[0].shape, (Shape{1, 1, 4, 4}));
  EXPECT_EQ(r.cuts[0].tensors[0].dtype, DataType::kFloat32);
  // Latency: cut 0 (79.100996 ms) beats cut 4 (127.1 ms).
  ASSERT_TRUE(r.best.has_value());
  EXPECT_EQ(*r.best, 0u);
  EXPECT_TRUE(r.cuts[0].best);
  EXPECT_FALSE(r.cuts[4].best);
  EXPECT_EQ(r.remote_platform, "remote");
}

TEST(Partition, ObjectivesAndConstraints) {
  const Platform node = Node(), remote = Remote();
  // Node energies (node + radio + idle): cut 0 0 + 395 + 79 = 474, cut 1
  // 53.3 + 790 + 158 = 1001.3, cuts 2-3 184.5 + 155 + 31 = 370.5, cut 4
  // 199.7 + 135 + 27 = 361.7. Totals: 79.100996, 185.000732, 123.600076 (x2), 127.1.
  auto best = [&](Objective o, std::optional<double> max_ms, std::optional<double> max_mj) {
    PartitionOptions opt;
    opt.objective = o;
    opt.max_latency_ms = max_ms;
    opt.max_node_energy_mj = max_mj;
    const PartitionReport r = Partition(Net(), node, &remote, TestLink(), opt);
    return r.best ? static_cast<int>(*r.best) : -1;
  };
  EXPECT_EQ(best(Objective::kLatency, {}, {}), 0);
  EXPECT_EQ(best(Objective::kNodeEnergy, {}, {}), 4);
  // Node energy within 100 ms: only cut 0 (79.1 ms) is fast enough.
  EXPECT_EQ(best(Objective::kNodeEnergy, 100.0, {}), 0);
  // Latency within 400 mJ: cuts 2, 3, 4 qualify; cut 2 ties cut 3 and is earlier.
  EXPECT_EQ(best(Objective::kLatency, {}, 400.0), 2);
  // Within 365 mJ only cut 4.
  EXPECT_EQ(best(Objective::kLatency, {}, 365.0), 4);
  // Nothing within 50 ms.
  EXPECT_EQ(best(Objective::kLatency, 50.0, {}), -1);
  PartitionOptions opt;
  opt.max_latency_ms = 100;
  const PartitionReport r = Partition(Net(), node, &remote, TestLink(), opt);
  EXPECT_TRUE(r.cuts[0].feasible);
  for (std::size_t k = 1; k < 5; ++k) EXPECT_FALSE(r.cuts[k].feasible) << k;
}

TEST(Partition, WithoutRemoteAndWithResultsOnTheNode) {
  const Platform node = Node();
  PartitionOptions opt;
  opt.results_on_node = true;
  const PartitionReport r = Partition(Net(), node, nullptr, TestLink(), opt);
  EXPECT_EQ(r.remote_platform, "");
  // Cut 2 sends c2 (16 B, 31 ms, 155 mJ) and receives y (12 B: 22 + 5 = 27 ms at
  // 0.25 W = 6.75 mJ); remote time is 0 without a remote; the node idles 58 ms.
  const Cut& c = r.cuts[2];
  EXPECT_EQ(Names(c.tensors), std::vector<std::string>{"c2"});
  EXPECT_EQ(Names(c.returned), std::vector<std::string>{"y"});
  EXPECT_EQ(c.return_bytes, 12);
  EXPECT_EQ(c.packets, 2);
  EXPECT_NEAR(c.link_ms, 58, kTol);
  EXPECT_NEAR(c.link_mj, 161.75, kTol);
  EXPECT_EQ(c.remote_ms, 0);
  EXPECT_NEAR(c.total_ms, 92.5 + 58, kTol);
  EXPECT_NEAR(c.node_energy_mj, 184.5 + 161.75 + 58, kTol);
  // Everything on the node and the results stay there: nothing crosses.
  const Cut& all = r.cuts[4];
  EXPECT_TRUE(all.tensors.empty());
  EXPECT_TRUE(all.returned.empty());
  EXPECT_EQ(all.packets, 0);
  EXPECT_EQ(all.link_ms, 0);
  EXPECT_NEAR(all.total_ms, 100.1, kTol);
  EXPECT_NEAR(all.node_energy_mj, 199.7, kTol);
  // Now the fastest: 100.1 ms against cut 0's 79 + 27 ms.
  ASSERT_TRUE(r.best.has_value());
  EXPECT_EQ(*r.best, 4u);
  EXPECT_NE(r.assumptions.back().find("remote time not modelled"), std::string::npos);
}

TEST(Partition, RemoteFusingAcrossTheCut) {
  // The node does not fuse: Conv_0, Relu_1, Conv_2, Flatten_3, Gemm_4 are 5
  // layers. The remote fuses Conv_0+Relu_1 (264 B -> 0.000264 ms); cut 1 (after
  // Conv_0 on the node) splits it. Its main node Conv_0 ran on the node, so
  // the remote costs Conv_2 (0.000656 ms) + Gemm_4 (0.000076 ms) + 0.1 ms.
  const Platform node = Device("plain", "0.00001", "0.5", false), remote = Remote();
  const PartitionReport r = Partition(Net(), node, &remote, TestLink(), {});
  ASSERT_EQ(r.cuts.size(), 6u);
  EXPECT_EQ(Names(r.cuts[1].tensors), std::vector<std::string>{"c1"});
  EXPECT_NEAR(r.cuts[0].remote_ms, 0.100996, kTol);
  EXPECT_NEAR(r.cuts[1].remote_ms, 0.100732, kTol);
  EXPECT_NEAR(r.cuts[2].remote_ms, 0.100732, kTol);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].rfind("1 cut(s) split a layer that the remote platform 'remote' fuses", 0), 0u)
      << r.warnings[0];
}

TEST(Partition, QuantisedAndCompressedBytes) {
  const Platform node = Node();
  PartitionOptions opt;
  opt.encoding.zero_fraction = {0.5, "t"};
  auto cut_bytes = [&](int bits, std::size_t k) {
    opt.encoding.bits = bits;
    const PartitionReport r = Partition(Net(), node, nullptr, TestLink(), opt);
    return r.cuts[k].tensors.at(0);
  };
  // x (16 el, not written by Relu), 4 bits: ceil(64 / 8) + 8 = 16 B.
  CutTensor t = cut_bytes(4, 0);
  EXPECT_EQ(t.bytes, 16);
  EXPECT_TRUE(t.quantized);
  EXPECT_FALSE(t.compressed);
  // r1 (32 el, written by Conv+Relu), 4 bits: packed 16 + 8 = 24 B; zero-value
  // compressed ceil(32/8) + ceil(0.5 * 32 * 4 / 8) + 8 = 4 + 8 + 8 = 20 B: smaller.
  t = cut_bytes(4, 1);
  EXPECT_EQ(t.bytes, 20);
  EXPECT_TRUE(t.compressed);
  // 8 bits: 32 + 8 = 40 B packed, 4 + 16 + 8 = 28 B compressed.
  EXPECT_EQ(cut_bytes(8, 1).bytes, 28);
  // 1 bit: 4 + 8 = 12 B packed beats 4 + 2 + 8 = 14 B compressed.
  t = cut_bytes(1, 1);
  EXPECT_EQ(t.bytes, 12);
  EXPECT_FALSE(t.compressed);
  // c2 (4 el, Conv without Relu), 3 bits: ceil(12 / 8) + 8 = 10 B.
  EXPECT_EQ(cut_bytes(3, 2).bytes, 10);
}

TEST(Partition, QuantiserFormula) {
  // b = 2, [0, 1]: S = 0.5, d = floor((f - 0.5) / 0.5 * 2).
  EXPECT_EQ(QuantizeValue(0.0, 0, 1, 2), -2);
  EXPECT_EQ(QuantizeValue(0.3, 0, 1, 2), -1);  // floor(-0.4)
  EXPECT_EQ(QuantizeValue(0.5, 0, 1, 2), 0);
  EXPECT_EQ(QuantizeValue(0.74, 0, 1, 2), 0);             // floor(0.96)
  EXPECT_EQ(QuantizeValue(0.76, 0, 1, 2), 1);             // floor(1.04)
  EXPECT_EQ(QuantizeValue(1.0, 0, 1, 2), 1);              // floor(2) = 2, clamped to 2^(b-1) - 1
  EXPECT_DOUBLE_EQ(DequantizeValue(-2, 0, 1, 2), 0.125);  // 0.5 + (-1.5) * 0.25
  EXPECT_DOUBLE_EQ(DequantizeValue(1, 0, 1, 2), 0.875);   // 0.5 + 1.5 * 0.25
  // b = 8, [-1, 3]: S = 1, M - S = 2, 128 levels.
  EXPECT_EQ(QuantizeValue(2.0, -1, 3, 8), 64);
  EXPECT_EQ(QuantizeValue(-1.0, -1, 3, 8), -128);
  EXPECT_EQ(QuantizeValue(3.0, -1, 3, 8), 127);
  // b = 1: two codes, -1 below the mid-range and 0 from it up.
  EXPECT_EQ(QuantizeValue(0.2, 0, 1, 1), -1);
  EXPECT_EQ(QuantizeValue(0.6, 0, 1, 1), 0);
  EXPECT_EQ(QuantizeValue(1.0, 0, 1, 1), 0);
  // A constant tensor.
  EXPECT_EQ(QuantizeValue(2.0, 2, 2, 4), 0);
  // Round trip within (M - S) / 2^b everywhere in [lo, hi].
  for (int bits = 1; bits <= 8; ++bits) {
    for (int i = 0; i <= 1000; ++i) {
      const double f = -3.0 + 7.0 * i / 1000.0;  // [-3, 4]: S = 0.5, M - S = 3.5
      const double back = DequantizeValue(QuantizeValue(f, -3, 4, bits), -3, 4, bits);
      ASSERT_LE(std::fabs(back - f), 3.5 / std::ldexp(1.0, bits) + 1e-12) << "bits " << bits << " f " << f;
    }
  }
  EXPECT_EQ(ErrorOf([] { QuantizeValue(0, 0, 1, 9); }), "quantisation: bits must be in 1..8, got 9");
}

TEST(Partition, DutyCycleSetupAndTail) {
  Link l = TestLink();
  l.duty_cycle = {0.1, "t"};
  // 250 B: 3 packets, (250 + 30) ms + 15 ms = 295 ms on the air; the last
  // packet (50 B) takes 65 ms, so 230 ms of airtime is followed by 9x silence.
  const Transfer t = LinkTransfer(l, 250);
  EXPECT_EQ(t.packets, 3);
  EXPECT_NEAR(t.air_ms, 295, kTol);
  EXPECT_NEAR(t.wait_ms, 2070, kTol);
  EXPECT_NEAR(t.ms, 2365, kTol);
  EXPECT_NEAR(t.mj, 295 * 5, kTol);
  EXPECT_NEAR(LinkTransfer(l, 250, true).mj, 295 * 0.25, kTol);
  EXPECT_EQ(LinkTransfer(l, 0).ms, 0);

  // Setup 100 ms at 2 W (latency and energy), tail 1000 ms at 1 W (energy only).
  l = TestLink();
  l.setup_ms = {100, "t"};
  l.setup_w = {2, "t"};
  l.tail_ms = {1000, "t"};
  l.tail_w = {1, "t"};
  const PartitionReport r = Partition(Net(), Node(), nullptr, l, {});
  EXPECT_NEAR(r.cuts[0].link_ms, 79 + 100, kTol);
  EXPECT_NEAR(r.cuts[0].link_mj, 395 + 200 + 1000, kTol);
  EXPECT_NEAR(r.cuts[0].idle_mj, 179, kTol);
}

// A node that prices ONNX Runtime's NCHWc reorders (the shipped host-ort-cpu profile: a
// network-level term, Report::reorders): every cut runs the reorders of its node layers, so the
// cut with every layer on the node costs the estimate's total and energy, and the cut with none
// costs the remote its whole estimate. Before 2026-12-06 the term was in no cut.
TEST(Partition, NchwcReordersGoWithTheirLayers) {
  const std::string dir = ODONATA_SOURCE_DIR;
  const Platform host = LoadPlatform(dir + "/platforms/host-ort-cpu.json");
  const Network net = LoadOnnx(dir + "/models/resnet18.onnx");
  const Report whole = EstimateNetwork(net, host);
  ASSERT_TRUE(whole.reorders.has_value());
  ASSERT_GT(whole.reorders->ms, 0.0);
  const PartitionReport p = Partition(net, host, &host, TestLink(), PartitionOptions{});
  const std::size_t n = whole.rows.size();
  ASSERT_EQ(p.cuts.size(), n + 1);
  EXPECT_NEAR(p.cuts[n].node_ms, whole.total_ms, 1e-9 * whole.total_ms);
  EXPECT_NEAR(p.cuts[n].node_mj, whole.energy_mj, 1e-9 * whole.energy_mj);
  EXPECT_NEAR(p.cuts[0].remote_ms, whole.total_ms, 1e-9 * whole.total_ms);
  // In between, the node's share of the term grows with the cut, from 0 to the whole term.
  double layers = 0, previous = 0;
  for (std::size_t k = 1; k <= n; ++k) {
    layers += whole.rows[k - 1].ms;
    const double share = p.cuts[k].node_ms - layers - whole.overhead_ms;
    EXPECT_GE(share, previous - 1e-12) << k;
    EXPECT_LE(share, whole.reorders->ms + 1e-12) << k;
    previous = share;
  }
  EXPECT_NEAR(previous, whole.reorders->ms, 1e-9);
}

TEST(Partition, ShippedLinks) {
  const LinkTable t = LoadLinks(std::string(ODONATA_SOURCE_DIR) + "/data/links.json");
  for (const char* name : {"wifi", "ble", "lora", "lte", "ethernet"}) EXPECT_TRUE(t.links.count(name)) << name;
  EXPECT_DOUBLE_EQ(t.relu_zero_fraction.value, 0.44);
  // LoRa SF7/125 kHz: a full 222-byte packet takes (222 + 15) / 683.59375 s +
  // 20.736 ms = 367.433 ms on the air (Semtech's exact formula: 368.9 ms).
  const Link& lora = FindLink(t, "lora");
  EXPECT_NEAR(LinkTransfer(lora, 222).air_ms, 367.43314285714, 1e-6);
  // BLE 4.2 DLE: 244 B per (261 B at 1 Mbit/s + 0.38 ms) = 2.468 ms.
  EXPECT_NEAR(LinkTransfer(FindLink(t, "ble"), 244).air_ms, 2.468, 1e-9);
  EXPECT_EQ(ErrorOf([&] { FindLink(t, "wfi"); }),
            std::string(ODONATA_SOURCE_DIR) + "/data/links.json: unknown link 'wfi' (did you mean 'wifi'?)");
}

TEST(Partition, LinkFileErrorsNameTheKey) {
  const std::string link = R"("rate_bytes_per_s": {"value": 1000, "source": "s"},
      "payload_bytes": {"value": 100, "source": "s"}, "overhead_bytes": {"value": 0, "source": "s"},
      "per_packet_ms": {"value": 0, "source": "s"}, "tx_power_w": {"value": 1, "source": "s"},
      "rx_power_w": {"value": 1, "source": "s"})";
  auto parse = [&](const std::string& extra, const std::string& head = R"("schema": "odonata-links/1")") {
    return ErrorOf([&] {
      ParseLinks("{" + head +
                     R"(, "compression": {"relu_zero_fraction": {"value": 0.4, "source": "s"}},
                  "links": {"x": {"description": "d", )" +
                     link + extra + "}}}",
                 "l.json");
    });
  };
  EXPECT_EQ(parse(""), "<no error>");
  EXPECT_EQ(parse(R"(, "duty_cycel": {"value": 0.5, "source": "s"})"),
            "l.json: links.x.duty_cycel: unknown key (did you mean 'duty_cycle'?)");
  EXPECT_EQ(parse(R"(, "duty_cycle": {"value": 2, "source": "s"})"),
            "l.json: links.x.duty_cycle.value: must be in (0, 1], got 2");
  EXPECT_EQ(parse(R"(, "setup_ms": {"value": 5})"), "l.json: links.x.setup_ms.source: missing required field");
  EXPECT_EQ(parse("", R"("schema": "odonata-links/2")"),
            "l.json: schema: unsupported schema 'odonata-links/2' (expected 'odonata-links/1')");
  EXPECT_EQ(ErrorOf([] {
              ParseLinks(
                  R"({"schema": "odonata-links/1", "compression": {"relu_zero_fraction": {"value": 1, "source": "s"}},
                            "links": {}})",
                  "l.json");
            }),
            "l.json: compression.relu_zero_fraction.value: must be in [0, 1), got 1");
  EXPECT_EQ(ErrorOf([] {
              ParseLinks(
                  R"({"schema": "odonata-links/1", "compression": {"relu_zero_fraction": {"value": 0, "source": "s"}},
                            "links": {"y": {"description": "d", "rate_bytes_per_s": {"value": 1, "source": "s"},
                            "payload_bytes": {"value": 1.5, "source": "s"}}}})",
                  "l.json");
            }),
            "l.json: links.y.overhead_bytes: missing required field");
  EXPECT_EQ(ErrorOf([] { ParseLinks("{", "l.json"); }).rfind("l.json: invalid JSON at line 1, column 2: ", 0), 0u);
}

TEST(Partition, RenderedKeysAndBest) {
  const Platform node = Node(), remote = Remote();
  const PartitionReport r = Partition(Net(), node, &remote, TestLink(), {});
  std::ostringstream json;
  RenderPartition(r, Format::kJson, json);
  const nlohmann::json j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["best"], 0);
  ASSERT_EQ(j["cuts"].size(), 5u);
  for (const char* key : {"index", "after_layer", "tensors", "bytes", "node_ms", "node_mj", "link_ms", "link_mj",
                          "remote_ms", "total_ms", "feasible", "best"}) {
    EXPECT_TRUE(j["cuts"][2].contains(key)) << key;
  }
  EXPECT_EQ(j["cuts"][2]["tensors"][0]["name"], "c2");
  EXPECT_EQ(j["cuts"][2]["bytes"], 16);
  EXPECT_TRUE(j["cuts"][0]["after_layer"].is_null());
  EXPECT_EQ(j["link"]["name"], "test");
  std::ostringstream csv;
  RenderPartition(r, Format::kCsv, csv);
  EXPECT_EQ(csv.str().substr(0, csv.str().find('\n')),
            "index,after_layer,tensors,bytes,return_bytes,packets,node_ms,node_mj,link_ms,link_mj,remote_ms,idle_mj,"
            "total_ms,node_energy_mj,feasible,best");
  std::ostringstream table;
  RenderPartition(r, Format::kTable, table);
  std::ostringstream page;
  RenderPartition(r, Format::kHtml, page);
  EXPECT_EQ(page.str().rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.str().find("<strong>best: cut 0 (send the input)</strong>, 79.101 ms end to end"), std::string::npos);
  EXPECT_NE(table.str().find("best       cut 0 (send the input): 79.101 ms end to end, 474.000 mJ"), std::string::npos)
      << table.str();
}

}  // namespace
}  // namespace odonata
