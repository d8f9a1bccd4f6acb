// NCHWc layout emulation (src/layout.cc) against hand-counted graphs and against the
// reorders ONNX Runtime inserted in the suite's optimized graphs (data/host-ort-cpu/ort-graphs).
#include "odonata/layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/estimate.h"
#include "odonata/fit.h"
#include "odonata/fusion.h"
#include "odonata/model.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::AllFormats;
using testing::Model;
const std::string kRoot = ODONATA_SOURCE_DIR;

NchwcLayout Emulate(const Network& net, std::int64_t block = 16) {
  const Platform p = LoadPlatform(kRoot + "/platforms/host-ort-cpu.json");
  return EmulateNchwc(Fuse(net, p.fusion), net.outputs, block);
}

const char* kThreeConvs = R"(
  a = Conv <pads = [1, 1, 1, 1]> (x, w1)
  b = Conv <group = 4, pads = [1, 1, 1, 1]> (a, w2)
  y = Conv (b, w3)
)";
const char* kThreeConvInits = "<float[32,3,3,3] w1 = {0.0}, float[32,8,3,3] w2 = {0.0}, float[32,32,1,1] w3 = {0.0}>";

// 3 -> 32 (NCHW input read directly), grouped with 8 channels per group (NCHW FusedConv at
// block 16), 32 -> 32 1x1: a ReorderOutput of a (32x8x8 = 2048), a ReorderInput of b (2048)
// and a ReorderOutput of the graph output y (2048).
TEST(Layout, AlignedGroupedAligned) {
  const Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,32,8,8] y)", kThreeConvs, kThreeConvInits));
  const NchwcLayout l = Emulate(net);
  ASSERT_EQ(l.nchwc.size(), 3u);
  EXPECT_TRUE(l.nchwc[0]);
  EXPECT_FALSE(l.nchwc[1]);
  EXPECT_TRUE(l.nchwc[2]);
  ASSERT_EQ(l.reorders.size(), 3u);
  EXPECT_EQ(l.reorders[0], (Reorder{Reorder::Kind::kOutput, "a", 2048, 1, 0}));
  EXPECT_EQ(l.reorders[1], (Reorder{Reorder::Kind::kInput, "b", 2048, 2, 1}));
  EXPECT_EQ(l.reorders[2], (Reorder{Reorder::Kind::kOutput, "y", 2048, 2, 2}));
  // At block 8 the grouped convolution is aligned too: only the graph output is reordered.
  const NchwcLayout l8 = Emulate(net, 8);
  EXPECT_TRUE(l8.nchwc[1]);
  ASSERT_EQ(l8.reorders.size(), 1u);
  EXPECT_EQ(l8.reorders[0].tensor, "y");
  EXPECT_EQ(l8.Count(Reorder::Kind::kInput), 0);
  EXPECT_EQ(l8.Elements(Reorder::Kind::kOutput), 2048);
}

// A 16-channel input is reordered once for the two convolutions that read it; a
// squeeze-excite Mul (x * s, s of 1x1 spatial) runs NCHW: a ReorderOutput of x (16x4x4 =
// 256) and of s (16), a ReorderInput of the Mul's output (256).
TEST(Layout, SharedInputAndBroadcastMul) {
  const Network net =
      ParseOnnxText(Model("(float[1,16,4,4] x) => (float[1,16,4,4] y)", R"(
    a = Conv (x, w1)
    b = Conv (x, w2)
    c = Add (a, b)
    p = GlobalAveragePool (c)
    s = Conv (p, w3)
    m = Mul (c, s)
    y = Conv (m, w4)
  )",
                          "<float[16,16,1,1] w1 = {0.0}, float[16,16,1,1] w2 = {0.0}, float[16,16,1,1] w3 = {0.0}, "
                          "float[16,16,1,1] w4 = {0.0}>"));
  const NchwcLayout l = Emulate(net);
  EXPECT_EQ(l.Count(Reorder::Kind::kInput), 2);  // x, m
  EXPECT_EQ(l.Elements(Reorder::Kind::kInput), 512);
  EXPECT_EQ(l.Count(Reorder::Kind::kOutput), 3);  // c (shared by the Mul), s, y
  EXPECT_EQ(l.Elements(Reorder::Kind::kOutput), 256 + 16 + 256);
  EXPECT_THROW(EmulateNchwc({}, {}, 0), Error);
}

// The suite's optimized graphs: count of each direction, the elements ONNX Runtime's record
// gives (per reorder; a list shorter than its count or a size it could not infer is not
// complete), and the sums.
struct Ort {
  std::int64_t in_n = 0, in_e = 0, out_n = 0, out_e = 0;
  std::vector<std::int64_t> in_sizes, out_sizes;
};

Ort OrtReorders(const std::string& name) {
  std::ifstream f(kRoot + "/data/host-ort-cpu/ort-graphs/" + name + ".json");
  const nlohmann::json j = nlohmann::json::parse(f);
  Ort o;
  for (const auto& [key, v] : j.at("optimized").at("all/1t").at("reorders").items()) {
    const bool in = key.rfind("ReorderInput", 0) == 0;
    for (const auto& e : v.at("elements")) {
      (in ? o.in_e : o.out_e) += e.get<std::int64_t>();
      (in ? o.in_sizes : o.out_sizes).push_back(e.get<std::int64_t>());
    }
    (in ? o.in_n : o.out_n) += v.at("count").get<std::int64_t>();
  }
  return o;
}

// Whether every size in `part` is in `all` (as multisets).
bool Within(std::vector<std::int64_t> part, std::vector<std::int64_t> all) {
  std::sort(part.begin(), part.end());
  std::sort(all.begin(), all.end());
  return std::includes(all.begin(), all.end(), part.begin(), part.end());
}

// Every network of the suite that models/ has (36 of 37: Faster R-CNN's post-processing does
// not load): ONNX Runtime 1.30's reorder counts, per direction, exactly; their elements
// exactly except where its record of them is incomplete:
//   - ShuffleNetV2 x0.5 and x1.0: the channel split's Reshape/Slice outputs have no inferred
//     shape in the optimized model (empty lists): its listed sizes must be among ours;
//   - LR-ASPP: the Resize -> Conv ReorderInput is recorded as 1 element (ours: 1x960x... as
//     odonata infers it); SSD300 and SSDlite: the detection graphs' spatial sizes are not
//     inferred, their reorders are recorded with the channels only.
TEST(Layout, SuiteReordersMatchOnnxRuntime) {
  const std::vector<std::string> partial = {"shufflenet_v2_x0_5", "shufflenet_v2_x1_0"};
  const std::vector<std::string> counts_only = {"lraspp_mobilenet_v3_large", "ssd300_vgg16",
                                                "ssdlite320_mobilenet_v3_large"};
  const std::vector<std::string> all = {"alexnet",
                                        "convnext_tiny",
                                        "deeplabv3_mobilenet_v3_large",
                                        "deeplabv3_resnet50",
                                        "densenet121",
                                        "efficientnet_b0",
                                        "efficientnet_v2_s",
                                        "fcn_resnet50",
                                        "googlenet",
                                        "inception_v3",
                                        "lraspp_mobilenet_v3_large",
                                        "mnasnet0_5",
                                        "mnasnet1_0",
                                        "mobilenet_v2",
                                        "mobilenet_v3_large",
                                        "mobilenet_v3_small",
                                        "regnet_x_400mf",
                                        "regnet_y_1_6gf",
                                        "regnet_y_400mf",
                                        "resnet101",
                                        "resnet18",
                                        "resnet34",
                                        "resnet50",
                                        "resnext50_32x4d",
                                        "shufflenet_v2_x0_5",
                                        "shufflenet_v2_x1_0",
                                        "squeezenet1_0",
                                        "squeezenet1_1",
                                        "ssd300_vgg16",
                                        "ssdlite320_mobilenet_v3_large",
                                        "swin_t",
                                        "vgg11_bn",
                                        "vgg16",
                                        "vit_b_16",
                                        "vit_b_32",
                                        "wide_resnet50_2"};
  const Platform p = LoadPlatform(kRoot + "/platforms/host-ort-cpu.json");
  std::int64_t reorders = 0;
  for (const std::string& name : all) {
    SCOPED_TRACE(name);
    const Network net = LoadModel(kRoot + "/models/" + name + ".onnx");
    const NchwcLayout l = EmulateNchwc(Fuse(net, p.fusion), net.outputs, 16);
    const Ort o = OrtReorders(name);
    EXPECT_EQ(l.Count(Reorder::Kind::kInput), o.in_n);
    EXPECT_EQ(l.Count(Reorder::Kind::kOutput), o.out_n);
    reorders += o.in_n + o.out_n;
    auto contains = [&name](const std::vector<std::string>& v) {
      return std::find(v.begin(), v.end(), name) != v.end();
    };
    if (contains(counts_only)) continue;
    if (contains(partial)) {
      std::vector<std::int64_t> in, out;
      for (const Reorder& r : l.reorders) (r.kind == Reorder::Kind::kInput ? in : out).push_back(r.elements);
      EXPECT_LT(o.in_sizes.size() + o.out_sizes.size(), static_cast<std::size_t>(o.in_n + o.out_n));
      EXPECT_TRUE(Within(o.in_sizes, in));
      EXPECT_TRUE(Within(o.out_sizes, out));
      continue;
    }
    EXPECT_EQ(l.Elements(Reorder::Kind::kInput), o.in_e);
    EXPECT_EQ(l.Elements(Reorder::Kind::kOutput), o.out_e);
  }
  EXPECT_EQ(reorders, 642);  // the 36 networks' reorders (Faster R-CNN's 35 not among them)
}

// Reorder costs (src/fit/reorder_fit.cc): the per-element cost and constant recovered from
// synthetic samples; no constant where the samples have none.
TEST(ReorderFit, RecoversCostPerElementAndConstant) {
  std::vector<ReorderSample> affine, proportional;
  for (std::int64_t e : {1024, 4096, 16384, 50176, 65536, 200704, 262144, 802816}) {
    affine.push_back({0.003 + 0.18e-6 * static_cast<double>(e), e});
    proportional.push_back({0.25e-6 * static_cast<double>(e), e});
  }
  const ReorderCost a = FitReorderCost(affine, 5, "synthetic");
  EXPECT_NEAR(a.const_ms, 0.003, 1e-9);
  EXPECT_NEAR(a.ns_per_element, 0.18, 1e-6);
  EXPECT_LT(a.mape, 1e-6);
  EXPECT_EQ(a.rows, 8);
  EXPECT_EQ(a.folds, 5);
  EXPECT_EQ(a.source, "synthetic");
  const ReorderCost p = FitReorderCost(proportional, 5, "synthetic");
  EXPECT_EQ(p.const_ms, 0.0);
  EXPECT_NEAR(p.ns_per_element, 0.25, 1e-9);
  EXPECT_NEAR(p.Ms(1000000), 0.25, 1e-9);
  EXPECT_THROW(FitReorderCost({affine.begin(), affine.begin() + 3}, 5, "x"), Error);
  EXPECT_THROW(FitReorderCost(affine, 1, "x"), Error);
}

Measurement ConvRow(std::int64_t c, std::int64_t h, double ms) {
  Measurement m;
  m.config = testing::ConvConfig(c, c, h);
  m.config.op = "MaxPool";  // a layer timed back to back: its reorders enter the fit (FitReorders)
  m.config.kernel_h = m.config.kernel_w = 1;
  m.latency_ms = ms;
  m.origin = "rows.csv:" + std::to_string(h);
  const std::int64_t e = c * h * h;
  auto text = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.12g", x);
    return std::string(buf);
  };
  m.extra = {{"reorder_in_ms", text(0.18e-6 * static_cast<double>(e))},
             {"reorder_in_elems", std::to_string(e)},
             {"reorder_out_ms", text(0.002 + 0.3e-6 * static_cast<double>(e))},
             {"reorder_out_elems", std::to_string(e)}};
  return m;
}

// odonata fit writes both directions into a profile that has `nchwc`, and none into one without.
TEST(ReorderFit, FitPlatformWritesProfileField) {
  std::vector<Measurement> rows;
  for (std::int64_t h : {8, 14, 16, 28, 32, 56}) rows.push_back(ConvRow(32, h, 0.01 * static_cast<double>(h)));
  Platform base = LoadPlatform(kRoot + "/platforms/host-ort-cpu.json");
  base.nchwc.reset();  // the shipped profile has one since run 16: a base without it
  EXPECT_FALSE(FitPlatform(rows, base, "test rows").platform.nchwc.has_value());
  base.nchwc = NchwcSpec{16, "AVX-512: MlasNchwcGetBlockSize", std::nullopt, std::nullopt};
  const FitReport r = FitPlatform(rows, base, "test rows");
  ASSERT_TRUE(r.platform.nchwc.has_value());
  ASSERT_TRUE(r.platform.nchwc->reorder_input.has_value());
  ASSERT_TRUE(r.platform.nchwc->reorder_output.has_value());
  EXPECT_NEAR(r.platform.nchwc->reorder_input->ns_per_element, 0.18, 1e-4);
  EXPECT_EQ(r.platform.nchwc->reorder_input->const_ms, 0.0);
  EXPECT_NEAR(r.platform.nchwc->reorder_output->ns_per_element, 0.3, 1e-4);
  EXPECT_NEAR(r.platform.nchwc->reorder_output->const_ms, 0.002, 1e-6);
  EXPECT_EQ(r.platform.nchwc->reorder_output->rows, 6);
  // The profile field reads back as written.
  std::ostringstream out;
  WritePlatform(r.platform, out);
  const Platform back = ParsePlatform(out.str(), "written");
  EXPECT_EQ(back.nchwc, r.platform.nchwc);
  // Rows of layers timed after the cache flush (Conv, DepthwiseConv, Gemm and their fused
  // activations) do not enter: with ten times the cost per element, the fit is unchanged.
  std::vector<Measurement> with_cold = rows;
  for (const std::string op : {"Conv", "DepthwiseConvClip", "Gemm"}) {
    Measurement cold = ConvRow(32, 20, 0.2);
    cold.config.op = op;
    cold.extra[0].second = "0.05";
    cold.extra[2].second = "0.05";
    with_cold.push_back(cold);
  }
  const FitReport rc = FitPlatform(with_cold, base, "test rows");
  ASSERT_TRUE(rc.platform.nchwc.has_value());
  EXPECT_EQ(rc.platform.nchwc->reorder_input, r.platform.nchwc->reorder_input);
  EXPECT_EQ(rc.platform.nchwc->reorder_output, r.platform.nchwc->reorder_output);
  // A bad value names the row and the column.
  rows[2].extra[0].second = "fast";
  EXPECT_EQ(testing::ErrorOf([&] { FitPlatform(rows, base, "test rows"); }),
            "rows.csv:16: reorder_in_ms: 'fast' is not a positive number of milliseconds");
}

// A profile without `nchwc` writes no such key (its JSON is as before); a bad block is an error.
TEST(ReorderFit, ProfileWithoutNchwcUnchanged) {
  Platform p = LoadPlatform(kRoot + "/platforms/host-ort-cpu.json");
  p.nchwc.reset();  // the shipped profile has one since run 16
  std::ostringstream out;
  WritePlatform(p, out);
  EXPECT_EQ(out.str().find("\"nchwc\":"), std::string::npos);
  std::string text = out.str();
  text.insert(text.rfind('}'), ", \"nchwc\": {\"block\": 0, \"source\": \"x\"}");
  EXPECT_NE(testing::ErrorOf([&] { ParsePlatform(text, "p.json"); }).find("must be >= 1"), std::string::npos);
}

// The estimate's reorder term (estimate.h: ReorderTerm) on kThreeConvs at block 16: one
// ReorderInput (b, 2048 elements) and two ReorderOutputs (a and y, 4096 elements). With
// ReorderInput 0.01 ms + 0.125 ns/element, ReorderOutput 0.0015 ms + 0.25 ns/element and
// 0.0003 ms of dispatch per kernel:
//   in  1 x 0.01   + 0.125e-6 x 2048 = 0.010256 ms
//   out 2 x 0.0015 + 0.25e-6  x 4096 = 0.004024 ms
//   dispatch 3 x 0.0003               = 0.0009 ms      -> 0.01518 ms, at 5 W: 0.0759 mJ.
Platform PricedHost() {
  Platform p = LoadPlatform(kRoot + "/platforms/host-ort-cpu.json");
  p.dispatch_ms = Sourced{0.0003, "test"};
  p.classes[OpClass::kEltwise].active_power_w = Sourced{5.0, "test"};
  NchwcSpec n;
  n.block = 16;
  n.source = "test";
  n.reorder_input = ReorderCost{0.01, 0.125, 6, 1, 2, 5, "test"};
  n.reorder_output = ReorderCost{0.0015, 0.25, 6, 1, 2, 5, "test"};
  p.nchwc = n;
  // Without the class resize_nchwc (the shipped profile has it from run 18 on): the tests that
  // price a Resize by its layout add their own (WithResizeNchwc).
  p.classes.erase(OpClass::kResizeNchwc);
  return p;
}

TEST(ReorderEstimate, HandComputedTermOnAlignedGroupedAligned) {
  const Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,32,8,8] y)", kThreeConvs, kThreeConvInits));
  const Platform p = PricedHost();
  Platform unpriced = p;
  unpriced.nchwc.reset();
  const Report with = EstimateNetwork(net, p);
  const Report without = EstimateNetwork(net, unpriced);
  ASSERT_TRUE(with.reorders.has_value());
  EXPECT_FALSE(without.reorders.has_value());
  const ReorderTerm& r = *with.reorders;
  EXPECT_EQ(r.block, 16);
  EXPECT_EQ(r.counts, (ReorderCounts{1, 2048, 2, 4096}));
  EXPECT_EQ(r.Count(), 3);
  EXPECT_NEAR(r.input_ms, 0.010256, 1e-15);
  EXPECT_NEAR(r.output_ms, 0.004024, 1e-15);
  EXPECT_NEAR(r.dispatch_ms, 0.0009, 1e-15);
  EXPECT_NEAR(r.ms, 0.01518, 1e-15);
  EXPECT_NEAR(r.energy_mj, 0.0759, 1e-15);
  // Shown apart: in the total and the energy, in no row; the rows are those without the term.
  ASSERT_EQ(with.rows.size(), without.rows.size());
  double rows_ms = 0, rows_mj = 0;
  for (std::size_t i = 0; i < with.rows.size(); ++i) {
    EXPECT_EQ(with.rows[i].ms, without.rows[i].ms);
    EXPECT_EQ(with.rows[i].energy_mj, without.rows[i].energy_mj);
    rows_ms += with.rows[i].ms;
    rows_mj += with.rows[i].energy_mj;
  }
  EXPECT_EQ(with.total_ms, rows_ms + with.overhead_ms + r.ms);
  EXPECT_EQ(with.energy_mj, rows_mj + with.overhead_energy_mj + r.energy_mj);
  EXPECT_NEAR(with.total_ms - without.total_ms, 0.01518, 1e-12);
  EXPECT_EQ(with.dispatch_ms, without.dispatch_ms);  // the layers' dispatch, as before
  // The interval is centred on the new total (the profile's ratios times it).
  ASSERT_TRUE(with.interval.has_value());
  ASSERT_TRUE(without.interval.has_value());
  if (with.interval->basis == "profile") {
    EXPECT_NEAR(with.interval->low_ms / with.total_ms, without.interval->low_ms / without.total_ms, 1e-12);
    EXPECT_NEAR(with.interval->high_ms / with.total_ms, without.interval->high_ms / without.total_ms, 1e-12);
  }
  // The fast path: bit for bit, from a network fused for the platform and from one fused from
  // its rules alone (the layout emulated inside EstimateTotal).
  const PlatformPlan plan = PlanPlatform(p);
  const FusedNetwork fused = FuseNetwork(net, p);
  EXPECT_EQ(fused.nchwc_block, 16);
  EXPECT_EQ(fused.reorders, r.counts);
  const EstimateTotals t = EstimateTotal(fused, plan);
  EXPECT_EQ(t.total_ms, with.total_ms);
  EXPECT_EQ(t.energy_mj, with.energy_mj);
  EXPECT_EQ(t.reorder_ms, r.ms);
  EXPECT_EQ(t.layers_ms + t.overhead_ms + t.reorder_ms, t.total_ms);
  const FusedNetwork rules_only = FuseNetwork(net, p.fusion);
  EXPECT_EQ(rules_only.nchwc_block, 0);
  EXPECT_EQ(EstimateTotal(rules_only, plan).total_ms, with.total_ms);
  EXPECT_EQ(EstimateNetwork(rules_only, plan).total_ms, with.total_ms);
  // Every format shows it.
  std::ostringstream table, json, csv, html;
  RenderTable(with, table);
  RenderJson(with, json);
  RenderCsv(with, csv);
  RenderHtml(with, html);
  EXPECT_NE(table.str().find("reorders        0.015 ms  (3 NCHWc reorders at block 16: 1 in (2.0K elements), 2 out "
                             "(4.1K elements); of which dispatch 0.0009 ms)"),
            std::string::npos)
      << table.str();
  const nlohmann::json j = nlohmann::json::parse(json.str());
  EXPECT_NEAR(j.at("reorders").at("ms").get<double>(), 0.01518, 1e-15);
  EXPECT_EQ(j.at("reorders").at("count").get<int>(), 3);
  EXPECT_EQ(j.at("reorders").at("input_elements").get<int>(), 2048);
  EXPECT_EQ(j.at("reorders").at("outputs").get<int>(), 2);
  EXPECT_EQ(j.at("total_ms").get<double>(), with.total_ms);
  EXPECT_NE(csv.str().find(",REORDERS,"), std::string::npos) << csv.str();
  EXPECT_NE(csv.str().find(",reorders,"), std::string::npos) << csv.str();
  EXPECT_NE(html.str().find("<tr class=\"reorders\"><th>reorders</th><td>0.015 ms"), std::string::npos);
}

// Profiles without fitted reorder costs (no `nchwc`, or `block` alone, or one direction only)
// estimate as before: no term, and every format renders the same bytes as without `nchwc`.
TEST(ReorderEstimate, ProfilesWithoutCostsRenderAsBefore) {
  const Network net = ParseOnnxText(Model("(float[1,3,8,8] x) => (float[1,32,8,8] y)", kThreeConvs, kThreeConvInits));
  Platform none = PricedHost();
  none.nchwc.reset();
  Platform block_only = PricedHost();
  block_only.nchwc->reorder_input.reset();
  block_only.nchwc->reorder_output.reset();
  Platform one_direction = PricedHost();
  one_direction.nchwc->reorder_output.reset();
  auto render = [&](const Platform& p) {
    const Report r = EstimateNetwork(net, p);
    EXPECT_FALSE(r.reorders.has_value());
    return AllFormats(r);
  };
  const std::string before = render(none);
  for (const char* word : {"reorders ", "\"reorders\"", "REORDERS", "NCHWc"}) {
    EXPECT_EQ(before.find(word), std::string::npos) << word;
  }
  EXPECT_EQ(render(block_only), before);
  EXPECT_EQ(render(one_direction), before);
  EXPECT_EQ(ReorderBlock(block_only), 0);
  EXPECT_EQ(ReorderBlock(PricedHost()), 16);
  EXPECT_EQ(FuseNetwork(net, block_only).nchwc_block, 0);
  EXPECT_EQ(PlanPlatform(block_only).nchwc_block, 0);
}

// Nearest Resize priced as ONNX Runtime's NCHWc Upsample (class resize_nchwc). Two networks on
// 32 channels at 8x8: `chain`, a 1x1 Conv then a nearest (asymmetric, floor) x2 Resize, which the
// layout runs NCHWc; `direct`, the same Resize of the graph input, which stays NCHW (and, as a
// control, `half`, the chain with ONNX's default coordinates, which ONNX Runtime keeps NCHW).
const char* kResizeAttrs = "mode = \"nearest\", coordinate_transformation_mode = \"asymmetric\", nearest_mode = \"floor\"";
Network ResizeChain(const std::string& attrs = kResizeAttrs) {
  return ParseOnnxText(Model("(float[1,32,8,8] x) => (float[1,32,16,16] y)",
                             "a = Conv (x, w)\n y = Resize <" + attrs + "> (a, , s)",
                             "<float[32,32,1,1] w = {0.0}, float[4] s = {1.0, 1.0, 2.0, 2.0}>"));
}
Network ResizeDirect() {
  return ParseOnnxText(Model("(float[1,32,8,8] x) => (float[1,32,16,16] y)",
                             std::string("y = Resize <") + kResizeAttrs + "> (x, , s)",
                             "<float[4] s = {1.0, 1.0, 2.0, 2.0}>"));
}
// The host profile with a resize_nchwc class: the roofline at 25% of the fp32 bandwidth.
Platform WithResizeNchwc(Platform p) {
  ClassModel m;
  m.estimator = "roofline";
  m.memory_efficiency = Sourced{0.25, "test"};
  p.classes[OpClass::kResizeNchwc] = m;
  return p;
}
const ReportRow& ResizeRow(const Report& r) {
  for (const ReportRow& row : r.rows) {
    if (row.layer.op_type == "Resize") return row;
  }
  throw Error("no Resize row");
}

TEST(ResizeNchwcEstimate, ChainTakesTheClassAGraphInputDoesNot) {
  const Platform p = WithResizeNchwc(PricedHost());
  EXPECT_EQ(ResizeNchwcBlock(p), 16);
  EXPECT_EQ(ResizeNchwcBlock(PricedHost()), 0);
  const Report chain = EstimateNetwork(ResizeChain(), p);
  const ReportRow& row = ResizeRow(chain);
  EXPECT_EQ(row.layer.op_class, OpClass::kResizeNchwc);
  // The roofline: bytes / (bandwidth x 0.25) + one dispatch; the nearest Resize does no flops,
  // reads 2,048 and writes 8,192 elements (and its 4 scales).
  const double bandwidth = p.precisions.at(Precision::kFp32).bandwidth_gbps.value * 1e9 * 0.25;
  EXPECT_EQ(row.estimate.bytes, 4.0 * (2048 + 8192 + row.layer.counts.weight_elems));
  EXPECT_NEAR(row.ms, row.estimate.bytes / bandwidth * 1e3 + 0.0003, 1e-12);
  EXPECT_EQ(row.estimate.estimator, "roofline");
  // Without the class the same layer is priced by the profile's resize model.
  const Report before = EstimateNetwork(ResizeChain(), PricedHost());
  EXPECT_EQ(ResizeRow(before).layer.op_class, OpClass::kResize);
  EXPECT_NE(ResizeRow(before).ms, row.ms);
  // On a graph input, and with half_pixel coordinates, the Resize runs NCHW: class resize, as before.
  for (const Network& net : {ResizeDirect(), ResizeChain("mode = \"nearest\"")}) {
    const Report with = EstimateNetwork(net, p);
    const Report without = EstimateNetwork(net, PricedHost());
    EXPECT_EQ(ResizeRow(with).layer.op_class, OpClass::kResize);
    EXPECT_EQ(ResizeRow(with).ms, ResizeRow(without).ms);
    EXPECT_EQ(with.total_ms, without.total_ms);
  }
  // The fast path, bit for bit: fused for the platform, and fused from its rules alone (the
  // layout emulated inside EstimateTotal); a profile with the class but without reorder costs
  // emulates the layout too.
  const PlatformPlan plan = PlanPlatform(p);
  EXPECT_EQ(plan.resize_nchwc_block, 16);
  EXPECT_EQ(EstimateTotal(FuseNetwork(ResizeChain(), p), plan).total_ms, chain.total_ms);
  EXPECT_EQ(EstimateTotal(FuseNetwork(ResizeChain(), p.fusion), plan).total_ms, chain.total_ms);
  Platform unpriced = p;
  unpriced.nchwc->reorder_input.reset();
  const FusedNetwork f = FuseNetwork(ResizeChain(), unpriced);
  EXPECT_EQ(f.nchwc_block, 16);
  const Report u = EstimateNetwork(ResizeChain(), unpriced);
  EXPECT_FALSE(u.reorders.has_value());
  EXPECT_EQ(ResizeRow(u).layer.op_class, OpClass::kResizeNchwc);
  EXPECT_EQ(EstimateTotal(f, PlanPlatform(unpriced)).total_ms, u.total_ms);
  std::ostringstream html;  // the HTML report groups rows by class
  RenderHtml(chain, html);
  EXPECT_NE(html.str().find("resize_nchwc"), std::string::npos);
}

// A profile without the class estimates as before: every format renders the same bytes as the
// same profile without `nchwc` (no layout read), and so does one with the class but no block.
TEST(ResizeNchwcEstimate, ProfilesWithoutTheClassRenderAsBefore) {
  Platform none = PricedHost();
  none.nchwc->reorder_input.reset();  // no reorder term either, so that only the class could differ
  Platform no_nchwc = none;
  no_nchwc.nchwc.reset();
  Platform class_without_block = WithResizeNchwc(no_nchwc);
  auto render = [&](const Platform& p) { return AllFormats(EstimateNetwork(ResizeChain(), p)); };
  const std::string before = render(no_nchwc);
  EXPECT_EQ(before.find("resize_nchwc"), std::string::npos);
  EXPECT_EQ(render(none), before);
  EXPECT_EQ(render(class_without_block), before);
  EXPECT_EQ(ResizeNchwcBlock(class_without_block), 0);
  EXPECT_EQ(FuseNetwork(ResizeChain(), none).nchwc_block, 0);
  EXPECT_EQ(PlanPlatform(none).resize_nchwc_block, 0);
  // The class with a block changes it (the test can fail).
  EXPECT_NE(render(WithResizeNchwc(none)), before);
}

}  // namespace
}  // namespace odonata
