// The loop API (estimate.h: FuseNetwork, PlanPlatform, EstimateTotal): the same
// numbers as EstimateNetwork, bit for bit, on every shipped model, platform,
// mode and precision; errors when fused and planned for different platforms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "layer_cost.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/estimator.h"
#include "odonata/fusion.h"
#include "odonata/layout.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::ErrorOf;
using testing::Model;

const std::string kRoot = ODONATA_SOURCE_DIR;

std::vector<std::string> Files(const std::string& dir, const std::string& ext) {
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(kRoot + "/" + dir)) {
    if (e.path().extension() == ext) paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Every shipped profile, and each with each of its modes applied.
std::vector<Platform> ShippedPlatformsAndModes() {
  std::vector<Platform> out;
  for (const std::string& path : Files("platforms", ".json")) {
    Platform p = LoadPlatform(path);
    for (const auto& [mode, m] : p.modes) out.push_back(WithMode(p, mode));
    out.push_back(std::move(p));
  }
  return out;
}

// The estimate as EstimateNetwork computed it before the loop API: fuse, then
// per layer the registry entry looked up by name and called on the Layer.
struct Reference {
  double total_ms = 0, energy_mj = 0;
  std::vector<double> row_ms;
  std::vector<std::string> estimators;
};
Reference ReferenceEstimate(const Network& net, const Platform& platform, Precision precision) {
  Reference r;
  double sum = 0, energy = 0;
  const auto& free_ops = platform.fusion.free_ops;
  // The cache state (docs/host-cost-model.md "Cache state"): when some class has a
  // warm model at this precision, the share h of the warm saving each such layer
  // keeps: with a fitted share, h = 1 / (1 + (x / half_bytes)^slope) (1 for x = 0), x the
  // profile's size variable: the weights, the bytes the executed (not free) layers write
  // (4 per element of their first output), or both; else 1 when the weights fit the
  // measured capacity, 0 if not.
  const std::vector<Layer> layers = Fuse(net, platform.fusion);
  const auto is_free = [&](const Layer& layer) {
    return layer.covers.size() == 1 && std::find(free_ops.begin(), free_ops.end(), layer.op_type) != free_ops.end();
  };
  bool warm_models = false;
  for (const auto& [cls, m] : platform.classes) warm_models |= m.warm && m.warm->precision == precision;
  double network_h = 0.0;
  if (warm_models && platform.cache) {
    const double weights = static_cast<double>(net.Totals().param_bytes);
    if (platform.cache->share) {
      const CacheShare& s = *platform.cache->share;
      double activations = 0, max_layer = 0, layer_sum = 0, executed = 0;
      for (const Layer& layer : layers) {
        if (is_free(layer)) continue;
        // A layer's footprint (run 26): 4 B x (activation inputs + outputs) + its weights.
        const double footprint =
            4.0 * static_cast<double>(layer.counts.input_elems + layer.counts.output_elems) +
            static_cast<double>(layer.counts.param_bytes);
        max_layer = std::max(max_layer, footprint);
        layer_sum += footprint;
        executed += 1;
        if (layer.outputs.empty()) continue;
        double elements = 1;
        for (const auto d : layer.outputs[0].shape) elements *= static_cast<double>(d);
        activations += 4 * elements;
      }
      const ShareSize size = s.size.value_or(ShareSize::kWeights);
      const double x = size == ShareSize::kWeights       ? weights
                       : size == ShareSize::kActivations ? activations
                       : size == ShareSize::kMaxLayer    ? max_layer
                       : size == ShareSize::kMeanLayer   ? (executed > 0 ? layer_sum / executed : 0.0)
                                                         : weights + activations;
      network_h = x > 0 ? 1.0 / (1.0 + std::pow(x / s.half_bytes, s.slope)) : 1.0;
    } else {
      network_h = net.Totals().param_bytes <= platform.cache->capacity_bytes ? 1.0 : 0.0;
    }
  }
  // The registry's estimate without the fused activations (it adds them as the report does, but
  // before any warm factor, which the report applies to the conv model alone): added below.
  Platform bare = platform;
  bare.fused_activation.clear();
  // A nearest Resize that the NCHWc layout runs NCHWc takes the class resize_nchwc on a profile
  // that has it (ResizeNchwcBlock): the layout emulated here, once, at the profile's block.
  const std::int64_t resize_block = ResizeNchwcBlock(platform);
  const std::vector<bool> nchwc =
      resize_block > 0 ? EmulateNchwc(layers, net.outputs, resize_block).nchwc : std::vector<bool>{};
  for (std::size_t i = 0; i < layers.size(); ++i) {
    Layer layer = layers[i];
    if (resize_block > 0 && NearestResize(layer) && nchwc[i]) layer.op_class = OpClass::kResizeNchwc;
    const ClassModel& model = platform.ModelFor(layer.op_class);
    const EstimatorInfo* est = FindEstimator(model.estimator);
    const bool free = is_free(layer);
    if (free) {
      est = FindEstimator("free");
    } else if (layer.unknown_op) {
      est = FindEstimator("memory");
    }
    LayerEstimate e = est->fn(EstimatorContext{layer, bare, precision, model});
    // A share's warm classes (run 25 on) keep the whole saving, whatever h.
    double h = network_h;
    if (platform.cache && platform.cache->share && platform.cache->share->IsWarmClass(layer.op_class)) {
      h = platform.cache->share->warm_class_share.value_or(1.0);
    }
    if (h > 0 && !free && !layer.unknown_op && model.warm && model.warm->precision == precision && e.ms > 0) {
      // The warm factor's kernel-area term (run 27 on, adopted for dwconv in run 28): kernel_h x kernel_w taps.
      double kernel_area = 1;
      for (const auto k : layer.window.kernel) kernel_area *= static_cast<double>(k);
      const double factor = model.warm->Factor(e.bytes, e.ms, kernel_area);  // cold - h x (cold - warm)
      e.ms *= h >= 1 ? factor : 1.0 - h * (1.0 - factor);
    }
    // A float convolution's fused activation (Platform::fused_activation): constant + ns x output elements.
    const bool float_conv = layer.op_class == OpClass::kConv || layer.op_class == OpClass::kDepthwiseConv;
    const FusedActivation activation = FusedActivationOf(layer);
    if (!free && !layer.unknown_op && float_conv && activation != FusedActivation::kNone) {
      const auto it = platform.fused_activation.find(activation);
      if (it != platform.fused_activation.end()) {
        e.ms += it->second.constant_ms + it->second.value * 1e-6 * static_cast<double>(layer.counts.output_elems);
      }
    }
    // Every executed kernel pays the profile's per-node dispatch once per repeat (free ops are none).
    // ... except free ops the runtime still runs as nodes (Fusion::dispatched_free_ops).
    const auto& dispatched = platform.fusion.dispatched_free_ops;
    const bool no_node = free && std::find(dispatched.begin(), dispatched.end(), layer.op_type) == dispatched.end();
    const double dispatch =
        no_node || !platform.dispatch_ms ? 0.0 : platform.dispatch_ms->value * static_cast<double>(layer.repeat);
    const double ms = e.ms * static_cast<double>(layer.repeat) + dispatch;
    sum += ms;
    energy += platform.ActivePowerW(layer.op_class) * ms;
    r.row_ms.push_back(ms);
    r.estimators.push_back(e.estimator);
  }
  r.total_ms = sum + platform.overhead_ms.value;
  r.energy_mj = energy + platform.idle_power_w.value * platform.overhead_ms.value;
  // ONNX Runtime's NCHWc reorders on a profile with both fitted costs: per direction count x
  // const + ns x elements, one dispatch per reorder, at the element-wise class's power.
  if (platform.nchwc && platform.nchwc->reorder_input && platform.nchwc->reorder_output) {
    const NchwcLayout layout = EmulateNchwc(Fuse(net, platform.fusion), net.outputs, platform.nchwc->block);
    const ReorderCost& in = *platform.nchwc->reorder_input;
    const ReorderCost& out = *platform.nchwc->reorder_output;
    const std::int64_t n_in = layout.Count(Reorder::Kind::kInput), n_out = layout.Count(Reorder::Kind::kOutput);
    const double ms =
        (static_cast<double>(n_in) * in.const_ms +
         in.ns_per_element * 1e-6 * static_cast<double>(layout.Elements(Reorder::Kind::kInput))) +
        (static_cast<double>(n_out) * out.const_ms +
         out.ns_per_element * 1e-6 * static_cast<double>(layout.Elements(Reorder::Kind::kOutput))) +
        (platform.dispatch_ms ? platform.dispatch_ms->value : 0.0) * static_cast<double>(n_in + n_out);
    r.total_ms += ms;
    r.energy_mj += platform.ActivePowerW(OpClass::kEltwise) * ms;
  }
  return r;
}

TEST(EstimateFast, EqualsEstimateNetworkForEveryShippedModelPlatformModeAndPrecision) {
  const std::vector<Platform> platforms = ShippedPlatformsAndModes();
  ASSERT_GE(platforms.size(), 9u);  // 6 profiles + jetson-tx2's 3 modes
  int combinations = 0;
  for (const std::string& path : Files("models", ".onnx")) {
    const Network net = LoadOnnx(path);
    std::map<std::uint64_t, FusedNetwork> fused;  // once per set of fusion rules
    for (const Platform& p : platforms) {
      const std::uint64_t key = FusionFingerprint(p.fusion);
      if (!fused.count(key)) fused.emplace(key, FuseNetwork(net, p.fusion));
      for (const auto& [precision, spec] : p.precisions) {
        SCOPED_TRACE(net.name + " on " + p.DisplayName() + " " + PrecisionName(precision));
        EstimateOptions o;
        o.precision = precision;
        const Report report = EstimateNetwork(net, p, o);
        // The loop API takes its plan's precision as given: planned at the precision the profile's
        // precision_fallback runs the network at (jetson-tx2: a MobileNet asked at fp16 runs at fp32).
        EstimateOptions run = o;
        if (const PrecisionFallback* f = FallbackFor(p, precision, fused.at(key))) run.precision = f->to;
        const PlatformPlan plan = PlanPlatform(p, run);
        const EstimateTotals t = EstimateTotal(fused.at(key), plan);
        const Reference ref = ReferenceEstimate(net, p, *run.precision);
        // Bit for bit: the same operations in the same order.
        EXPECT_EQ(t.total_ms, report.total_ms);
        EXPECT_EQ(t.energy_mj, report.energy_mj);
        EXPECT_EQ(t.avg_power_w, report.avg_power_w);
        EXPECT_EQ(t.overhead_ms, report.overhead_ms);
        EXPECT_EQ(t.overhead_energy_mj, report.overhead_energy_mj);
        EXPECT_EQ(t.layers_ms + t.overhead_ms + t.reorder_ms, t.total_ms);
        EXPECT_EQ(t.reorder_ms, report.reorders ? report.reorders->ms : 0.0);
        EXPECT_EQ(ref.total_ms, report.total_ms);
        EXPECT_EQ(ref.energy_mj, report.energy_mj);
        ASSERT_EQ(ref.row_ms.size(), report.rows.size());
        for (std::size_t i = 0; i < report.rows.size(); ++i) {
          EXPECT_EQ(ref.row_ms[i], report.rows[i].ms) << report.rows[i].layer.name;
          EXPECT_EQ(ref.estimators[i], report.rows[i].estimate.estimator) << report.rows[i].layer.name;
        }
        // Fused for the platform (its NCHWc reorders precomputed): the same, bit for bit.
        EXPECT_EQ(EstimateTotal(FuseNetwork(net, p), plan).total_ms, report.total_ms);
        // The report from the fused form equals the one-call report.
        const Report again = EstimateNetwork(fused.at(key), plan);
        EXPECT_EQ(again.total_ms, report.total_ms);
        std::vector<std::string> warnings = again.warnings;  // + the fallback's, which the one-call report adds
        if (*run.precision != precision && !report.warnings.empty()) warnings.push_back(report.warnings.back());
        EXPECT_EQ(warnings, report.warnings);
        EXPECT_EQ(again.model, report.model);
        EXPECT_EQ(again.platform, report.platform);
        ASSERT_EQ(again.rows.size(), report.rows.size());
        for (std::size_t i = 0; i < report.rows.size(); ++i) {
          EXPECT_EQ(again.rows[i].layer, report.rows[i].layer);
          EXPECT_EQ(again.rows[i].flags, report.rows[i].flags);
          EXPECT_EQ(again.rows[i].energy_mj, report.rows[i].energy_mj);
          EXPECT_EQ(again.rows[i].estimate.bytes, report.rows[i].estimate.bytes);
        }
        ++combinations;
      }
    }
  }
  // At least 12 models x (jetson-nano 2 + jetson-tx2 2 x 4 with its 3 modes +
  // ncs2, zcu102, host-ort-cpu, host-ort-cpu-2t 1 each); profiles may gain modes.
  EXPECT_GE(combinations, 12 * 14);
}

// Hand-computed: a 1x8x16x16 Relu (2048 elements in, 2048 out, 2048 flops)
// and an op odonata does not know on a two-class profile.
TEST(EstimateFast, HandComputedTotalsWithFreeAndUnknownOps) {
  const Network net = ParseOnnxText(
      "<ir_version: 8, opset_import: [\"\" : 13, \"com.acme\" : 1]>\n"
      "g (float[1,8,16,16] x) => (float[1,8,16,16] z) {\n"
      "  y = Relu(x)\n  f = Identity(y)\n  z = com.acme.Mystery(f)\n}\n",
      {}, "m.onnx");
  Platform p = ParsePlatform(R"({
    "schema": "odonata-platform/1", "name": "tiny", "description": "test device",
    "default_precision": "fp32",
    "precisions": {"fp32": {"peak_gops": {"value": 2.048, "source": "t"}, "bandwidth_gbps": {"value": 8.192, "source": "t"}}},
    "overhead_ms": {"value": 0.5, "source": "t"},
    "power": {"idle_w": {"value": 2, "source": "t"}, "typical_w": {"value": 10, "source": "t"}},
    "price_usd": {"value": 1, "source": "t"},
    "classes": {"default": {"estimator": "roofline"}},
    "fusion": {"free": {"ops": ["Identity"], "source": "t"}}
  })",
                             "tiny.json");
  const PlatformPlan plan = PlanPlatform(p);
  const FusedNetwork fused = FuseNetwork(net, p.fusion);
  ASSERT_EQ(fused.compact.size(), 3u);
  EXPECT_FALSE(fused.compact[0].free);
  EXPECT_TRUE(fused.compact[1].free);
  EXPECT_TRUE(fused.compact[2].unknown_op);
  const EstimateTotals t = EstimateTotal(fused, plan);
  // Relu: compute 2048 / 2.048e9 s = 1 us; memory 4096 x 4 B / 8.192e9 B/s = 2 us -> 0.002 ms.
  // Identity: free, 0. Mystery: memory-bound copy, also 0.002 ms.
  EXPECT_DOUBLE_EQ(t.layers_ms, 0.004);
  EXPECT_DOUBLE_EQ(t.total_ms, 0.504);
  // 10 W x 0.004 ms + 2 W idle x 0.5 ms = 1.04 mJ.
  EXPECT_DOUBLE_EQ(t.energy_mj, 1.04);
  const Report r = EstimateNetwork(fused, plan);
  EXPECT_EQ(r.rows[1].estimate.estimator, "free");
  EXPECT_EQ(r.rows[2].estimate.estimator, "memory");
  EXPECT_EQ(r.rows[2].flags, std::vector<std::string>{"unknown_op"});
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.back().find("com.acme.Mystery x1"), std::string::npos) << r.warnings.back();
}

TEST(EstimateFast, FusedForOtherRulesIsAnError) {
  const Network net = LoadOnnx(kRoot + "/models/resnet18.onnx");
  const Platform nano = LoadPlatform(kRoot + "/platforms/jetson-nano.json");
  const Platform ncs2 = LoadPlatform(kRoot + "/platforms/ncs2.json");
  ASSERT_NE(FusionFingerprint(nano.fusion), FusionFingerprint(ncs2.fusion));
  const FusedNetwork for_nano = FuseNetwork(net, nano.fusion);
  EXPECT_EQ(ErrorOf([&] { EstimateTotal(for_nano, PlanPlatform(ncs2)); }),
            kRoot +
                "/models/resnet18.onnx: network was fused with other fusion rules than platform 'ncs2' uses "
                "(FuseNetwork with that platform's fusion)");
  // A mode changes numbers, not fusion: the same fused network serves it.
  const Platform tx2 = LoadPlatform(kRoot + "/platforms/jetson-tx2.json");
  EXPECT_EQ(FusionFingerprint(tx2.fusion), FusionFingerprint(WithMode(tx2, "maxq").fusion));
  // The plan's errors are EstimateNetwork's.
  EstimateOptions int8;
  int8.precision = Precision::kInt8;
  EXPECT_EQ(ErrorOf([&] { PlanPlatform(nano, int8); }), ErrorOf([&] { EstimateNetwork(net, nano, int8); }));
  EXPECT_EQ(ErrorOf([&] { PlanPlatform(nano, int8); }),
            "platform 'jetson-nano' does not support int8 (supported: fp32, fp16)");
}

TEST(EstimateFast, FingerprintSeparatesListBoundaries) {
  Fusion a, b;
  a.rules.push_back({{"Conv"}, {"Relu", "Add"}, "s"});
  b.rules.push_back({{"Conv"}, {"ReluAdd"}, "s"});
  EXPECT_NE(FusionFingerprint(a), FusionFingerprint(b));
  Fusion c = a;
  c.rules[0].source = "another source";
  EXPECT_EQ(FusionFingerprint(a), FusionFingerprint(c));
  c.free_ops.push_back("Identity");
  EXPECT_NE(FusionFingerprint(a), FusionFingerprint(c));
  // The new fields (helper tinyfix) change the fingerprint only when set.
  Fusion d = c;
  d.dispatched_free_ops.push_back("Identity");
  EXPECT_NE(FusionFingerprint(c), FusionFingerprint(d));
  Fusion e = a;
  e.rules[0].residual_2d.push_back("Add");
  EXPECT_NE(FusionFingerprint(a), FusionFingerprint(e));
}

TEST(EstimateFast, FactsAreTheLayerDims) {
  const Network net = LoadOnnx(kRoot + "/models/resnet50.onnx");
  const Platform nano = LoadPlatform(kRoot + "/platforms/jetson-nano.json");
  const FusedNetwork f = FuseNetwork(net, nano.fusion);
  ASSERT_EQ(f.layers.size(), f.compact.size());
  for (std::size_t i = 0; i < f.layers.size(); ++i) {
    for (std::size_t d = 0; d < LayerDimNames().size(); ++d) {
      EXPECT_EQ(f.compact[i].facts.Dim(LayerDimIdOf(LayerDimNames()[d])), LayerDim(f.layers[i], LayerDimNames()[d]));
    }
    EXPECT_EQ(f.compact[i].facts.traffic_elems * 2, f.layers[i].counts.Bytes(2));
  }
  // The first layer is conv1+bn1+relu: 3 -> 64 channels, 7x7 kernel, 112x112 output.
  const LayerFacts& conv1 = f.compact[0].facts;
  EXPECT_EQ(conv1.Dim(LayerDimId::kInC), 3);
  EXPECT_EQ(conv1.Dim(LayerDimId::kOutC), 64);
  EXPECT_EQ(conv1.Dim(LayerDimId::kKernel), 49);
  EXPECT_EQ(conv1.Dim(LayerDimId::kOutH), 112);
  EXPECT_EQ(conv1.Dim(LayerDimId::kMacs), 118013952);  // 64 x 112 x 112 x 3 x 49
  EXPECT_EQ(conv1.Dim(LayerDimId::kNone), 0);
  EXPECT_EQ(LayerDimIdOf("no_such_dim"), LayerDimId::kNone);
  EXPECT_EQ(LayerDimIdOf("out_h"), LayerDimId::kOutH);
  EXPECT_EQ(LayerDimIdOf("classes"), LayerDimId::kClasses);
  EXPECT_EQ(LayerDimNames().size(), kLayerDimCount);
}

// The "Estimating in a loop" sample of docs/library.md, compiled and run.
TEST(EstimateFast, ReadmeLoopSample) {
  std::ostringstream out;
  std::streambuf* saved = std::cout.rdbuf(out.rdbuf());
  // --- docs/library.md sample begins ---
  odonata::OnnxModel model = odonata::OnnxModel::Load("models/resnet50.onnx");  // parse once
  odonata::Network net = model.Resolve();                                       // shapes, counts
  std::vector<odonata::Platform> platforms = {odonata::LoadPlatform("platforms/ncs2.json"),
                                              odonata::LoadPlatform("platforms/jetson-nano.json")};
  for (const odonata::Platform& p : platforms) {
    // Fuse once per platform (its fusion rules), plan once per precision ...
    odonata::FusedNetwork fused = odonata::FuseNetwork(net, p.fusion);
    for (const auto& [precision, spec] : p.precisions) {
      odonata::EstimateOptions o;
      o.precision = precision;
      odonata::PlatformPlan plan = odonata::PlanPlatform(p, o);
      // ... then each estimate is one pass over the fused layers, no allocation.
      odonata::EstimateTotals t = odonata::EstimateTotal(fused, plan);
      std::cout << p.name << " " << odonata::PrecisionName(precision) << ": " << t.total_ms << " ms, " << t.energy_mj
                << " mJ\n";
      // The full report (rows, flags) when needed: the same numbers.
      odonata::Report r = odonata::EstimateNetwork(fused, plan);
      if (r.total_ms != t.total_ms) std::cout << "never printed\n";
    }
  }
  // Another input shape: resolve the parsed model again, no reparsing.
  odonata::LoadOptions big;
  big.input_shapes["input"] = {1, 3, 448, 448};
  odonata::Network net448 = model.Resolve(big);
  // --- docs/library.md sample ends ---
  std::cout.rdbuf(saved);
  EXPECT_EQ(net448.Totals().macs - 2048 * 1000, 4 * (net.Totals().macs - 2048 * 1000));
  const std::string text = out.str();
  EXPECT_NE(text.find("ncs2 fp16: "), std::string::npos) << text;
  EXPECT_NE(text.find("jetson-nano fp32: "), std::string::npos) << text;
  EXPECT_NE(text.find("jetson-nano fp16: "), std::string::npos) << text;
  EXPECT_EQ(text.find("never printed"), std::string::npos) << text;
}

}  // namespace
}  // namespace odonata
