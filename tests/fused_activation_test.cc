// Activations fused into a convolution (issue 12): the sweep ops ConvClip, DepthwiseConvHardSwish,
// ..., the fit of the profile's fused_activation_ns from pairs of rows, and the estimator's
// per-element cost.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "layer_cost.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/fit.h"
#include "odonata/fusion.h"
#include "odonata/measurements.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "odonata/sweep.h"
#include "test_util.h"

namespace odonata {
namespace {

namespace fs = std::filesystem;
using testing::ErrorOf;

const char* const kOps[] = {"ConvRelu",          "ConvClip",          "ConvSigmoid",          "ConvHardSigmoid",
                            "ConvHardSwish",     "DepthwiseConvRelu", "DepthwiseConvClip",    "DepthwiseConvSigmoid",
                            "DepthwiseConvHardSigmoid", "DepthwiseConvHardSwish"};

LayerConfig Config(const std::string& op) {
  LayerConfig c;
  c.op = op;
  std::string plain = op;
  SweepActivation(op, &plain);
  const bool dw = plain == "DepthwiseConv";
  c.in_c = dw ? 192 : 32;
  c.out_c = 192;
  c.groups = dw ? 192 : 1;
  c.in_h = c.in_w = 28;
  c.kernel_h = c.kernel_w = dw ? 3 : 1;
  return c;
}

Platform HostBase() { return LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/data/host-ort-cpu/phase2/base.json"); }

TEST(FusedActivation, SweepOpNames) {
  std::string plain = "unchanged";
  EXPECT_EQ(SweepActivation("ConvClip", &plain), FusedActivation::kClip);
  EXPECT_EQ(plain, "Conv");
  EXPECT_EQ(SweepActivation("DepthwiseConvHardSwish", &plain), FusedActivation::kHardSwish);
  EXPECT_EQ(plain, "DepthwiseConv");
  plain = "unchanged";
  for (const char* op : {"Conv", "DepthwiseConv", "Clip", "ConvTranspose", "ConvGelu", "Convclip"}) {
    EXPECT_EQ(SweepActivation(op, &plain), FusedActivation::kNone) << op;
  }
  EXPECT_EQ(plain, "unchanged");
}

// ToLayer of a convolution + activation op: the Conv's window and weights, the activation's
// FLOPs added (Clip 1, HardSwish's HardSigmoid 4 + Mul 1 per output element), x in, y out, the
// covered ops in node order; the layer ONNX Runtime runs (one NCHWc Conv with the activation).
TEST(FusedActivation, ToLayerIsTheFusedConv) {
  const Layer plain = ToLayer(Config("Conv"));
  const std::int64_t out = 192 * 28 * 28;  // 150,528 output elements
  EXPECT_EQ(plain.counts.output_elems, out);
  const Layer clip = ToLayer(Config("ConvClip"));
  EXPECT_EQ(clip.op_type, "Conv");
  EXPECT_EQ(clip.op_class, OpClass::kConv);
  EXPECT_EQ(clip.covered_ops, (std::vector<std::string>{"Conv", "Clip"}));
  EXPECT_EQ(clip.counts.macs, plain.counts.macs);
  EXPECT_EQ(clip.counts.flops, plain.counts.flops + out);
  EXPECT_EQ(clip.counts.input_elems, plain.counts.input_elems);
  EXPECT_EQ(clip.counts.output_elems, out);
  EXPECT_EQ(clip.counts.weight_elems, plain.counts.weight_elems + 2);  // Clip's min and max
  EXPECT_EQ(clip.window, plain.window);
  EXPECT_EQ(FusedActivationOf(clip), FusedActivation::kClip);
  const Layer hs = ToLayer(Config("DepthwiseConvHardSwish"));
  const Layer dw = ToLayer(Config("DepthwiseConv"));
  EXPECT_EQ(hs.op_class, OpClass::kDepthwiseConv);
  EXPECT_EQ(hs.covered_ops, (std::vector<std::string>{"Conv", "HardSigmoid", "Mul"}));
  std::int64_t node_flops = 0;  // the Conv's, HardSigmoid's and Mul's, as ComputeCounts counts each
  for (const Layer& n : LayerNodes(Config("DepthwiseConvHardSwish"))) node_flops += n.counts.flops;
  EXPECT_EQ(hs.counts.flops, node_flops);
  EXPECT_GT(hs.counts.flops, dw.counts.flops + out);
  EXPECT_EQ(hs.counts.output_elems, out);
  EXPECT_EQ(FusedActivationOf(hs), FusedActivation::kHardSwish);
  EXPECT_EQ(FusedActivationOf(dw), FusedActivation::kNone);
  LayerConfig int8 = Config("ConvClip");
  int8.precision = Precision::kInt8;
  EXPECT_NE(ErrorOf([&] { ToLayer(int8); }).find("ConvClip: int8"), std::string::npos);
}

// Round trip: the model `odonata sweep` writes loads back as the nodes LayerNodes lists, and the
// host base's fusion rules make them ToLayer's layer exactly (the HardSwish model's Reshape, a
// free layer of its own, after it).
TEST(FusedActivation, WrittenModelFusesIntoToLayersLayer) {
  const fs::path dir = fs::temp_directory_path() / ("odonata_fusedact_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const Platform base = HostBase();
  for (const char* op : kOps) {
    const LayerConfig c = Config(op);
    const std::string path = (dir / (std::string(op) + ".onnx")).string();
    WriteLayerModel(c, path, 3);
    const Network net = LoadOnnx(path);
    const std::vector<Layer> nodes = LayerNodes(c);
    const bool hardswish = SweepActivation(op) == FusedActivation::kHardSwish;
    ASSERT_EQ(net.layers.size(), nodes.size() + (hardswish ? 1 : 0)) << op;
    for (std::size_t i = 0; i < nodes.size(); ++i) EXPECT_TRUE(net.layers[i] == nodes[i]) << op << " node " << i;
    const std::vector<Layer> fused = Fuse(net, base.fusion);
    ASSERT_EQ(fused.size(), hardswish ? 2u : 1u) << op;
    EXPECT_TRUE(fused[0] == ToLayer(c)) << op;
    if (hardswish) {
      EXPECT_EQ(fused[1].op_type, "Reshape");
      const FusedNetwork f = FuseNetwork(net, base.fusion);
      EXPECT_TRUE(f.compact[1].free);
      EXPECT_EQ(f.compact[0].activation, FusedActivation::kHardSwish);
      EXPECT_EQ(f.compact[0].activation_elems, 192 * 28 * 28);
    }
    // The plain convolution's weights: the same draws (the activation's nodes have none).
    LayerConfig plain_config = c;
    SweepActivation(op, &plain_config.op);
    const Network plain = LoadOnnxFromBytes(LayerModelBytes(plain_config, 3));
    EXPECT_EQ(plain.layers[0].inputs[1].shape, net.layers[0].inputs[1].shape);
  }
  fs::remove_all(dir);
}

// A sweep of a convolution + activation op plans the same rows as its convolution's.
TEST(FusedActivation, SweepPlansTheConvolutionsRows) {
  for (const char* op : {"ConvClip", "DepthwiseConvHardSwish"}) {
    std::string plain;
    SweepActivation(op, &plain);
    SweepOptions o;
    o.op = op;
    o.design = SweepDesign::kRandom;
    o.min = 8;
    o.max = 64;
    o.step = 8;
    o.samples = 6;
    o.seed = 11;
    SweepOptions p = o;
    p.op = plain;
    const std::vector<LayerConfig> a = PlanSweep(o), b = PlanSweep(p);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      LayerConfig x = a[i];
      EXPECT_EQ(x.op, op);
      x.op = plain;
      EXPECT_TRUE(x == b[i]) << op << " row " << i;
    }
  }
}

Measurement Row(const std::string& op, std::int64_t in_c, std::int64_t out_c, std::int64_t hw, double ms,
                const std::string& origin) {
  Measurement m;
  m.config = Config(op);
  m.config.in_c = in_c;
  m.config.out_c = out_c;
  if (m.config.groups != 1) m.config.groups = in_c;
  m.config.in_h = m.config.in_w = hw;
  m.latency_ms = ms;
  m.origin = origin;
  return m;
}

// Synthetic pairs with a known cost, 0.25 ns per output element, and noise of +-2 us on each
// difference: the fit recovers it within 0.02 ns; a row without its plain row, or whose plain
// row is in another file, is not paired.
TEST(FusedActivation, FitRecoversThePerElementCost) {
  std::mt19937_64 rng(5);
  std::vector<Measurement> rows;
  int line = 2;
  for (std::int64_t hw : {7, 14, 28, 56}) {
    for (std::int64_t c : {64, 128, 256}) {
      const double elems = static_cast<double>(c * hw * hw);
      const double plain = 0.01 + 1e-6 * elems;  // any conv time: only differences matter
      const double noise = (static_cast<double>(rng() % 4001) - 2000.0) * 1e-6;  // ms
      rows.push_back(Row("DepthwiseConv", c, c, hw, plain, "s.csv:" + std::to_string(line++)));
      rows.push_back(Row("DepthwiseConvClip", c, c, hw, plain + 0.25e-6 * elems + noise,
                         "s.csv:" + std::to_string(line++)));
    }
  }
  rows.push_back(Row("ConvHardSwish", 32, 64, 28, 0.2, "s.csv:" + std::to_string(line++)));  // no plain row
  rows.push_back(Row("Conv", 32, 96, 28, 0.1, "a.csv:2"));
  rows.push_back(Row("ConvHardSwish", 32, 96, 28, 0.2, "b.csv:2"));  // its plain row is in a.csv
  const std::vector<FusedActivationFit> fits = FitFusedActivations(rows);
  ASSERT_EQ(fits.size(), 2u);
  const FusedActivationFit& clip = fits[0];
  EXPECT_EQ(clip.activation, FusedActivation::kClip);
  EXPECT_EQ(clip.pairs, 12u);
  EXPECT_NEAR(clip.ratio_ns, 0.25, 0.02);
  EXPECT_LE(clip.ratio_p10, clip.ratio_ns);
  EXPECT_GE(clip.ratio_p90, clip.ratio_ns);
  EXPECT_NEAR(clip.line_ns, 0.25, 0.03);
  EXPECT_FALSE(clip.line_chosen);  // no constant in the data: the line does not predict better
  EXPECT_TRUE(clip.unpaired.empty());
  const FusedActivationFit& hs = fits[1];
  EXPECT_EQ(hs.activation, FusedActivation::kHardSwish);
  EXPECT_EQ(hs.pairs, 0u);
  EXPECT_EQ(hs.unpaired.size(), 2u);

  // With exact differences 3 us + 0.1 ns per element and 10 pairs (kFusedActivationLineMinPairs)
  // the line is recovered and chosen.
  std::vector<Measurement> line_rows;
  line = 2;
  for (std::int64_t hw : {7, 14, 28, 42, 56}) {
    for (std::int64_t c : {64, 192}) {
      const double elems = static_cast<double>(c * hw * hw);
      line_rows.push_back(Row("Conv", 32, c, hw, 0.05, "l.csv:" + std::to_string(line++)));
      line_rows.push_back(Row("ConvClip", 32, c, hw, 0.05 + 0.003 + 0.1e-6 * elems, "l.csv:" + std::to_string(line++)));
    }
  }
  const std::vector<FusedActivationFit> lf = FitFusedActivations(line_rows);
  ASSERT_EQ(lf.size(), 1u);
  EXPECT_NEAR(lf[0].line_ns, 0.1, 1e-9);
  EXPECT_NEAR(lf[0].line_ms, 0.003, 1e-12);
  EXPECT_EQ(lf[0].pairs, 10u);
  EXPECT_TRUE(lf[0].line_chosen);

  // FitPlatform writes the field with its provenance and keeps the activation rows out of the
  // class fits (12 plain depthwise rows fit class dwconv).
  const FitReport report = FitPlatform(rows, HostBase(), "synthetic");
  ASSERT_EQ(report.platform.fused_activation.count(FusedActivation::kClip), 1u);
  const FusedActivationCost& written = report.platform.fused_activation.at(FusedActivation::kClip);
  EXPECT_DOUBLE_EQ(written.value, clip.ratio_ns);
  EXPECT_EQ(written.constant_ms, 0.0);
  EXPECT_EQ(written.rows, 12);
  EXPECT_EQ(written.source.rfind("synthetic (odonata fit: 12 pairs", 0), 0u) << written.source;
  // These rows have no warm_ms: the cold differences, said so.
  EXPECT_EQ(clip.warm_pairs, 0u);
  EXPECT_NE(written.source.find("cold times (latency_ms) of all 12 pairs (no warm_ms)"), std::string::npos)
      << written.source;
  EXPECT_EQ(report.platform.fused_activation.count(FusedActivation::kHardSwish), 0u);
  std::size_t dw_rows = 0;
  for (const ClassFit& c : report.classes) {
    if (c.op_class == OpClass::kDepthwiseConv) dw_rows = c.measured.size();
  }
  EXPECT_EQ(dw_rows, 12u);
}

void SetWarm(Measurement& m, double warm_ms) {
  char text[40];
  std::snprintf(text, sizeof text, "%.9g", warm_ms);
  m.extra.emplace_back("warm_ms", text);
}

// Pairs timed both ways (issue 12, the rule declared before run 17): 0.4 ns per output element,
// warm times with +-0.1 us of noise on each row, the cold activation rows with -20..+60 us (the
// flush's variance, skewed as a cold difference of two small layers can be). The fit uses the warm difference of
// every pair whose two rows have warm_ms and recovers 0.4 within 2%; the same rows without warm_ms
// (the cold differences) miss it by far more. A pair whose plain row lacks warm_ms is cold.
TEST(FusedActivation, FitUsesTheWarmDifference) {
  std::mt19937_64 rng(17);
  auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * static_cast<double>(rng() % 1000001) / 1e6; };
  std::vector<Measurement> rows;
  int line = 2;
  for (std::int64_t hw : {7, 14, 28}) {
    for (std::int64_t c : {96, 192, 384, 576}) {
      const double elems = static_cast<double>(c * hw * hw);
      const double plain_warm = 0.004 + 0.5e-6 * elems;
      const double plain_cold = 2.0 * plain_warm;
      Measurement p = Row("DepthwiseConv", c, c, hw, plain_cold, "w.csv:" + std::to_string(line++));
      SetWarm(p, plain_warm + uniform(-1e-4, 1e-4));
      Measurement a = Row("DepthwiseConvHardSwish", c, c, hw, plain_cold + 0.4e-6 * elems + uniform(-0.02, 0.06),
                          "w.csv:" + std::to_string(line++));
      SetWarm(a, plain_warm + 0.4e-6 * elems + uniform(-1e-4, 1e-4));
      rows.push_back(std::move(p));
      rows.push_back(std::move(a));
    }
  }
  const std::vector<FusedActivationFit> fits = FitFusedActivations(rows);
  ASSERT_EQ(fits.size(), 1u);
  const FusedActivationFit& f = fits[0];
  EXPECT_EQ(f.activation, FusedActivation::kHardSwish);
  EXPECT_EQ(f.pairs, 12u);
  EXPECT_EQ(f.warm_pairs, 12u);
  ASSERT_EQ(f.pair_rows.size(), 12u);
  EXPECT_EQ(f.pair_rows[0].origin, "w.csv:3");
  EXPECT_EQ(f.pair_rows[0].elems, 96.0 * 7 * 7);
  for (const FusedActivationPair& p : f.pair_rows) EXPECT_TRUE(p.warm) << p.origin;
  EXPECT_NEAR(f.ratio_ns, 0.4, 0.008);
  EXPECT_FALSE(f.line_chosen);  // 12 pairs, but no constant in the data

  std::vector<Measurement> cold = rows;
  for (Measurement& m : cold) m.extra.clear();
  const FusedActivationFit c = FitFusedActivations(cold).at(0);
  EXPECT_EQ(c.warm_pairs, 0u);
  EXPECT_GT(std::abs(c.ratio_ns - 0.4), 0.04) << c.ratio_ns;  // the cold differences: > 10% off

  // The first pair's plain row without warm_ms: that pair is cold, the others warm.
  std::vector<Measurement> mixed = rows;
  mixed[0].extra.clear();
  const FusedActivationFit m = FitFusedActivations(mixed).at(0);
  EXPECT_EQ(m.pairs, 12u);
  EXPECT_EQ(m.warm_pairs, 11u);
  EXPECT_FALSE(m.pair_rows[0].warm);
  EXPECT_NEAR(m.pair_rows[0].d_ms, mixed[1].latency_ms - mixed[0].latency_ms, 1e-15);

  // FitPlatform says which timing it used.
  const FitReport report = FitPlatform(rows, HostBase(), "synthetic");
  const FusedActivationCost& w = report.platform.fused_activation.at(FusedActivation::kHardSwish);
  EXPECT_DOUBLE_EQ(w.value, f.ratio_ns);
  EXPECT_NE(w.source.find("warm times (warm_ms, no cache flush) of all 12 pairs"), std::string::npos) << w.source;
  const FitReport mixed_report = FitPlatform(mixed, HostBase(), "synthetic");
  EXPECT_NE(mixed_report.platform.fused_activation.at(FusedActivation::kHardSwish)
                .source.find("warm times (warm_ms, no cache flush) of 11 pairs, cold (latency_ms) of 1"),
            std::string::npos);

  // A warm_ms that is not a positive number is an error naming the row.
  std::vector<Measurement> bad = rows;
  bad[3].extra = {{"warm_ms", "-0.1"}};
  EXPECT_NE(ErrorOf([&] { FitFusedActivations(bad); }).find("w.csv:5: warm_ms"), std::string::npos);
}

// Pairs on a line with a real per-layer constant, d = 10 us + 0.25 ns x elements, exact: with 6
// pairs (as HardSwish had in run 16) the per-element median is written and no constant, whatever
// the leave-one-out errors say; with 10 pairs (kFusedActivationLineMinPairs) and 12 the line is
// recovered and written. Refitting the same rows gives a byte-identical profile.
TEST(FusedActivation, LineOnlyWithTenPairs) {
  auto pairs_on_line = [](std::size_t n) {
    std::vector<Measurement> rows;
    int line = 2;
    const std::int64_t sizes[][2] = {{96, 7},  {240, 14}, {576, 7},  {120, 14}, {288, 7}, {144, 14},
                                     {960, 7}, {384, 14}, {192, 28}, {72, 28},  {48, 56}, {480, 14}};
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t c = sizes[i][0], hw = sizes[i][1];
      const double elems = static_cast<double>(c * hw * hw);
      const double plain = 0.02 + 1e-6 * elems;
      Measurement p = Row("Conv", 48, c, hw, 2 * plain, "l.csv:" + std::to_string(line++));
      SetWarm(p, plain);
      Measurement a = Row("ConvHardSwish", 48, c, hw, 2 * plain, "l.csv:" + std::to_string(line++));
      SetWarm(a, plain + 0.010 + 0.25e-6 * elems);
      rows.push_back(std::move(p));
      rows.push_back(std::move(a));
    }
    return rows;
  };
  const std::vector<Measurement> six = pairs_on_line(6);
  const FusedActivationFit f6 = FitFusedActivations(six).at(0);
  EXPECT_EQ(f6.pairs, 6u);
  EXPECT_NEAR(f6.line_ms, 0.010, 1e-9);              // the line fits these exactly ...
  EXPECT_LT(f6.loo_line_ms, 0.9 * f6.loo_ratio_ms);  // ... and would win the leave-one-out comparison
  EXPECT_FALSE(f6.line_chosen);                      // but 6 pairs are too few for the line form
  const FitReport r6 = FitPlatform(six, HostBase(), "synthetic");
  const FusedActivationCost& w6 = r6.platform.fused_activation.at(FusedActivation::kHardSwish);
  EXPECT_EQ(w6.constant_ms, 0.0);
  EXPECT_DOUBLE_EQ(w6.value, f6.ratio_ns);
  EXPECT_GT(w6.value, 0.25);  // the median ratio carries the constant spread over the elements
  EXPECT_NE(w6.source.find("form: median of (t_act - t_plain) / output elements"), std::string::npos) << w6.source;
  EXPECT_NE(w6.source.find("no line form: fewer than 10 pairs"), std::string::npos) << w6.source;

  for (std::size_t n : {10u, 12u}) {
    const std::vector<Measurement> rows = pairs_on_line(n);
    const FusedActivationFit f = FitFusedActivations(rows).at(0);
    EXPECT_EQ(f.pairs, n);
    EXPECT_EQ(f.warm_pairs, n);
    EXPECT_NEAR(f.line_ms, 0.010, 1e-9) << n;
    EXPECT_NEAR(f.line_ns, 0.25, 1e-6) << n;
    EXPECT_TRUE(f.line_chosen) << n;
    const FitReport r = FitPlatform(rows, HostBase(), "synthetic");
    const FusedActivationCost& w = r.platform.fused_activation.at(FusedActivation::kHardSwish);
    EXPECT_NEAR(w.constant_ms, 0.010, 1e-9);
    EXPECT_NEAR(w.value, 0.25, 1e-6);
    EXPECT_NE(w.source.find("form: line t_act - t_plain"), std::string::npos) << w.source;
    // Deterministic: the same rows give the same profile, byte for byte.
    std::ostringstream a, b;
    WritePlatform(r.platform, a);
    WritePlatform(FitPlatform(rows, HostBase(), "synthetic").platform, b);
    EXPECT_EQ(a.str(), b.str());
  }
}

// The estimator: a fused Clip layer pays value x output elements on top of the conv model, by
// hand 0.1 ns x 150,528 = 0.0150528 ms; a constant_ms adds once; a layer without the activation
// and a profile without the field estimate exactly as before.
TEST(FusedActivation, EstimatorAddsValueTimesOutputElements) {
  Platform p = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/host-ort-cpu.json");
  p.fused_activation.clear();  // the shipped profile has the field since run 16: a profile without it
  Network net;
  net.name = "convclip";
  net.layers = LayerNodes(Config("ConvClip"));
  net.inputs = {net.layers[0].inputs[0]};
  net.outputs = net.layers.back().outputs;
  Network plain_net;
  plain_net.name = "conv";
  plain_net.layers = LayerNodes(Config("Conv"));
  plain_net.inputs = {plain_net.layers[0].inputs[0]};
  plain_net.outputs = plain_net.layers.back().outputs;

  const Report before = EstimateNetwork(net, p);
  const Report plain_before = EstimateNetwork(plain_net, p);
  ASSERT_EQ(before.rows.size(), 1u);
  p.fused_activation[FusedActivation::kClip] = {0.1, 0.0, 9, "test"};
  p.fused_activation[FusedActivation::kHardSwish] = {0.7, 0.0, 6, "test"};
  const Report after = EstimateNetwork(net, p);
  EXPECT_NEAR(after.rows[0].estimate.ms - before.rows[0].estimate.ms, 0.0150528, 1e-12);
  EXPECT_NEAR(after.total_ms - before.total_ms, 0.0150528, 1e-12);
  // The fast path agrees.
  const PlatformPlan plan = PlanPlatform(p);
  const FusedNetwork fused = FuseNetwork(net, p.fusion);
  EXPECT_DOUBLE_EQ(EstimateTotal(fused, plan).total_ms, after.total_ms);
  // A plain conv is unchanged, to the bit.
  EXPECT_EQ(EstimateNetwork(plain_net, p).total_ms, plain_before.total_ms);
  p.fused_activation[FusedActivation::kClip].constant_ms = 0.002;
  EXPECT_NEAR(EstimateNetwork(net, p).total_ms - before.total_ms, 0.0170528, 1e-12);
}

// Every path that estimates one layer agrees with the report for a fused convolution: the
// registry's per-layer estimate (EstimatorInfo::fn: `odonata fit`'s predictions, library callers)
// adds the same fused-activation cost as the report and EstimateTotal (one function, PricedActivation
// and WithFusedActivation in src/layer_cost.h). Conv 32 -> 192 channels, 1x1, 28x28, + Clip: 150,528
// output elements; Clip at 0.1 ns per element and 0.002 ms per layer: + 0.0170528 ms.
TEST(FusedActivation, PerLayerEstimateEqualsTheReportsRow) {
  Platform p = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/host-ort-cpu.json");
  p.fused_activation.clear();
  Network net;
  net.name = "convclip";
  net.layers = LayerNodes(Config("ConvClip"));
  net.inputs = {net.layers[0].inputs[0]};
  net.outputs = net.layers.back().outputs;
  EstimateOptions cold;  // the registry estimates cold: the report's warm share is a network-level choice
  cold.cache = CacheMode::kCold;
  auto per_layer = [&](const Layer& l) {
    const ClassModel& m = p.ModelFor(l.op_class);
    return FindEstimator(m.estimator)->fn(EstimatorContext{l, p, Precision::kFp32, m}).ms;
  };
  const Report without = EstimateNetwork(net, p, cold);
  ASSERT_EQ(without.rows.size(), 1u);
  const Layer& layer = without.rows[0].layer;
  EXPECT_EQ(PricedActivation(layer), FusedActivation::kClip);
  EXPECT_EQ(per_layer(layer), without.rows[0].estimate.ms);
  p.fused_activation[FusedActivation::kClip] = {0.1, 0.002, 9, "test"};
  const Report with = EstimateNetwork(net, p, cold);
  EXPECT_NEAR(with.rows[0].estimate.ms - without.rows[0].estimate.ms, 0.0170528, 1e-12);
  EXPECT_EQ(per_layer(layer), with.rows[0].estimate.ms);  // bit for bit
  EXPECT_NEAR(per_layer(layer) - without.rows[0].estimate.ms, 0.0170528, 1e-12);
  // A quantized convolution (int8 class) pays no float activation pass, on either path.
  Layer q = layer;
  q.op_class = Int8ClassOf(q.op_class);
  EXPECT_EQ(PricedActivation(q), FusedActivation::kNone);
  Platform none = p;
  none.fused_activation.clear();
  const ClassModel& qm = p.ModelFor(q.op_class);
  EXPECT_EQ(FindEstimator(qm.estimator)->fn(EstimatorContext{q, p, Precision::kFp32, qm}).ms,
            FindEstimator(qm.estimator)->fn(EstimatorContext{q, none, Precision::kFp32, qm}).ms);
}

// The profile field reads back as written; bad entries are clear errors naming the key.
TEST(FusedActivation, ProfileFieldRoundTrip) {
  Platform p = HostBase();
  p.fused_activation[FusedActivation::kClip] = {0.13, 0.0, 9, "measured: x"};
  p.fused_activation[FusedActivation::kHardSwish] = {0.46, 0.0098, 6, "measured: y"};
  std::ostringstream a;
  WritePlatform(p, a);
  EXPECT_NE(a.str().find("\"fused_activation_ns\""), std::string::npos);
  const Platform back = ParsePlatform(a.str(), "back.json");
  std::ostringstream b;
  WritePlatform(back, b);
  EXPECT_EQ(a.str(), b.str());
  EXPECT_DOUBLE_EQ(back.fused_activation.at(FusedActivation::kHardSwish).constant_ms, 0.0098);
  std::string bad = a.str();
  bad.replace(bad.find("\"HardSwish\"", bad.find("\"fused_activation_ns\"")), 11, "\"HardSwitch\"");
  EXPECT_NE(ErrorOf([&] { ParsePlatform(bad, "bad.json"); }).find("HardSwitch"),
            std::string::npos);
}

// odonata fit --activation-chains (helper small, issue 12): each row's ratio is (act - plain) / layers / elements.
// Six HardSwish rows of 6 layers and 100,000 elements whose differences are 0.06, 0.12, 0.12, 0.18, 0.24 and
// -0.06 ms (ratios 0.1, 0.2, 0.2, 0.3, 0.4, -0.1 ns): median 0.2 ns; p10 at 0.5 between -0.1 and 0.1: 0.0; p90 at
// 4.5 between 0.3 and 0.4: 0.35. Two Clip rows are fewer than kActivationChainMinRows: not adopted.
const char* const kChains =
    "activation,model,plain_model,layers,elements,act_warm_ms,plain_warm_ms\n"
    "HardSwish,a_hs.onnx,a_plain.onnx,6,100000,0.56,0.5\n"
    "HardSwish,a_hsn.onnx,a_plain.onnx,6,100000,0.62,0.5\n"
    "HardSwish,b_hs.onnx,b_plain.onnx,6,100000,0.62,0.5\n"
    "HardSwish,b_hsn.onnx,b_plain.onnx,6,100000,0.68,0.5\n"
    "HardSwish,c_hs.onnx,c_plain.onnx,6,100000,0.74,0.5\n"
    "HardSwish,c_hsn.onnx,c_plain.onnx,6,100000,0.44,0.5\n"
    "Clip,d_clip.onnx,d_plain.onnx,6,100000,0.56,0.5\n"
    "Clip,e_clip.onnx,e_plain.onnx,6,100000,0.56,0.5\n";

TEST(FusedActivation, ChainsGiveTheMedianPerElementCost) {
  const std::vector<ActivationChainFit> fits = FitActivationChains(kChains, "chains.csv");
  ASSERT_EQ(fits.size(), 2u);
  const ActivationChainFit& clip = fits[0];  // map order: kClip before kHardSwish
  EXPECT_EQ(clip.activation, FusedActivation::kClip);
  EXPECT_EQ(clip.chains, 2u);
  EXPECT_NEAR(clip.ns, 0.1, 1e-9);
  EXPECT_FALSE(clip.adopted);
  const ActivationChainFit& hs = fits[1];
  EXPECT_EQ(hs.activation, FusedActivation::kHardSwish);
  EXPECT_EQ(hs.chains, 6u);
  EXPECT_NEAR(hs.ns, 0.2, 1e-9);
  EXPECT_NEAR(hs.p10, 0.0, 1e-9);
  EXPECT_NEAR(hs.p90, 0.35, 1e-9);
  EXPECT_TRUE(hs.adopted);
  ASSERT_EQ(hs.ratios_ns.size(), 6u);
  EXPECT_NEAR(hs.ratios_ns[5], -0.1, 1e-9);
  // A median below 0 is written as 0.
  const std::vector<ActivationChainFit> neg = FitActivationChains(
      "activation,layers,elements,act_warm_ms,plain_warm_ms\nHardSwish,6,100000,0.44,0.5\n", "n.csv");
  ASSERT_EQ(neg.size(), 1u);
  EXPECT_EQ(neg[0].ns, 0.0);
  EXPECT_NEAR(neg[0].p10, -0.1, 1e-9);
}

TEST(FusedActivation, ChainErrorsNameTheFileAndLine) {
  EXPECT_EQ(ErrorOf([] { FitActivationChains("activation,layers,elements,act_warm_ms\nHardSwish,6,1,0.1\n", "c.csv"); }),
            "c.csv:1: no column 'plain_warm_ms' (expected tools/ort/act_chains.py join output: activation, layers, "
            "elements, act_warm_ms, plain_warm_ms)");
  EXPECT_EQ(ErrorOf([] {
              FitActivationChains("activation,layers,elements,act_warm_ms,plain_warm_ms\nSwish,6,1,0.1,0.1\n", "c.csv");
            }),
            "c.csv:2: column activation: unknown activation 'Swish' (Relu, Clip, Sigmoid, HardSigmoid, HardSwish)");
  EXPECT_EQ(ErrorOf([] {
              FitActivationChains("activation,layers,elements,act_warm_ms,plain_warm_ms\nHardSwish,0,1,0.1,0.1\n",
                                  "c.csv");
            }),
            "c.csv:2: column layers: expected a number > 0, got '0'");
  EXPECT_EQ(ErrorOf([] {
              FitActivationChains("activation,layers,elements,act_warm_ms,plain_warm_ms\nHardSwish,6,1,fast,0.1\n",
                                  "c.csv");
            }),
            "c.csv:2: column act_warm_ms: expected a number > 0, got 'fast'");
  EXPECT_EQ(ErrorOf([] { FitActivationChains("activation,layers,elements,act_warm_ms,plain_warm_ms\n", "c.csv"); }),
            "c.csv: no chain rows");
  EXPECT_EQ(ErrorOf([] { FitActivationChains("", "c.csv"); }),
            "c.csv: empty file (expected tools/ort/act_chains.py join output)");
}

// FitMeasurementFiles: the adopted HardSwish replaces the pairs' value (research_conv.csv has no pairs: none to
// replace), with its source; Clip's two rows are too few: a warning, no Clip entry.
TEST(FusedActivation, ChainsReplaceThePairsInTheProfile) {
  const std::string csv = std::string(ODONATA_SOURCE_DIR) + "/tests/data/fit/research_conv.csv";
  const Platform base = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json");
  const std::string chains = (fs::temp_directory_path() / "odonata_act_chains_test.csv").string();
  {
    std::ofstream f(chains);
    f << kChains;
  }
  FitFilesOptions options;
  options.activation_chains_file = chains;
  const FitReport fit = FitMeasurementFiles({csv}, base, options);
  ASSERT_EQ(fit.activation_chains.size(), 2u);
  ASSERT_EQ(fit.platform.fused_activation.count(FusedActivation::kHardSwish), 1u);
  const FusedActivationCost& hs = fit.platform.fused_activation.at(FusedActivation::kHardSwish);
  EXPECT_NEAR(hs.value, 0.2, 1e-9);
  EXPECT_EQ(hs.constant_ms, 0.0);
  EXPECT_EQ(hs.rows, 6);
  EXPECT_EQ(hs.source.rfind("measured: " + chains, 0), 0u) << hs.source;
  EXPECT_NE(hs.source.find("; no sweep pairs' value to replace)"), std::string::npos) << hs.source;
  EXPECT_EQ(fit.platform.fused_activation.count(FusedActivation::kClip), 0u);
  bool warned = false;
  for (const std::string& w : fit.warnings) warned |= w == chains + ": 2 Clip chain rows, fewer than 6: not used";
  EXPECT_TRUE(warned);
  // The fit report says it, in the table and in JSON.
  std::ostringstream table, json;
  RenderFitReport(fit, Format::kTable, table);
  // (p10 is 0 up to rounding: -0.1 + 0.5 x 0.2 prints as 4e-17.)
  EXPECT_NE(table.str().find("activation HardSwish fused into Conv, in chains timed whole: 6 chains, median 0.2 "
                             "ns/element (p10 "),
            std::string::npos);
  EXPECT_NE(table.str().find(", p90 0.35): written (replaces the sweep pairs' value)"), std::string::npos);
  EXPECT_NE(table.str().find("activation Clip fused into Conv, in chains timed whole: 2 chains, median 0.1 ns/element "
                             "(p10 0.1, p90 0.1): too few chains, the pairs' value kept"),
            std::string::npos);
  RenderFitReport(fit, Format::kJson, json);
  EXPECT_NE(json.str().find("\"activation_chains\""), std::string::npos);
  EXPECT_EQ(json.str().find("in chains timed whole"), std::string::npos);
  EXPECT_EQ(FitMeasurementFiles({csv}, base).platform.fused_activation.count(FusedActivation::kHardSwish), 0u);
  fs::remove(chains);
}

}  // namespace
}  // namespace odonata
