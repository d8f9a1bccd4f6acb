// Activations fused into a convolution (issue 12): the sweep ops ConvClip, DepthwiseConvHardSwish,
// ..., the fit of the profile's fused_activation_ns from pairs of rows, and the estimator's
// per-element cost.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
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

  // With exact differences 3 us + 0.1 ns per element the line is recovered and chosen.
  std::vector<Measurement> line_rows;
  line = 2;
  for (std::int64_t hw : {7, 14, 28, 56}) {
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
  EXPECT_EQ(report.platform.fused_activation.count(FusedActivation::kHardSwish), 0u);
  std::size_t dw_rows = 0;
  for (const ClassFit& c : report.classes) {
    if (c.op_class == OpClass::kDepthwiseConv) dw_rows = c.measured.size();
  }
  EXPECT_EQ(dw_rows, 12u);
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

}  // namespace
}  // namespace odonata
