// The TensorRT-style class terms and the whole-network precision rule of the Jetson TX2 profile (issue 16;
// docs/platform-profile.md, "gemm_tiles, winograd, overlap_p, group_waves", and `precision_fallback`):
// hand-computed layer times, the fallback rule, the round trip and the load errors.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::Model;

// fp32 670 GOP/s, fp16 1330, 59.7 GB/s (the TX2 seed's); conv: efficiency 0.5, memory 0.4 and `conv_extra`;
// dwconv: memory efficiency 0.1 and `dw_extra`; `top_extra` at the top level.
std::string Profile(const std::string& conv_extra, const std::string& dw_extra = "",
                    const std::string& top_extra = "") {
  return R"({
    "schema": "odonata-platform/1", "name": "trt", "description": "test device", "default_precision": "fp32",
    "precisions": {"fp32": {"peak_gops": {"value": 670, "source": "t"}, "bandwidth_gbps": {"value": 59.7, "source": "t"}},
                   "fp16": {"peak_gops": {"value": 1330, "source": "t"}, "bandwidth_gbps": {"value": 59.7, "source": "t"}}},
    "overhead_ms": {"value": 0, "source": "t"},)" +
         top_extra + R"(
    "power": {"idle_w": {"value": 1, "source": "t"}, "typical_w": {"value": 2, "source": "t"}},
    "price_usd": {"value": 10, "source": "t"},
    "classes": {
      "default": {"estimator": "roofline"},
      "conv": {"estimator": "roofline", "compute_efficiency": {"value": 0.5, "source": "t"},
               "memory_efficiency": {"value": 0.4, "source": "t"})" +
         conv_extra + R"(},
      "dwconv": {"estimator": "roofline", "memory_efficiency": {"value": 0.1, "source": "t"})" +
         dw_extra + R"(}
    }
  })";
}

const char* kWinograd = R"(, "winograd": {"speedup": 1.625, "tile": 128, "alpha": 0.5, "source": "t"})";
const char* kTiles = R"(, "gemm_tiles": {"m": 128, "n": 64, "alpha_m": 0.5, "alpha_n": 0.5, "source": "t"})";

// One 3x3 convolution, 64 -> 96 channels, pad 1, on hw x hw (stride `s`).
Network Conv3x3(int hw, int s = 1) {
  const int out = (hw + 2 - 3) / s + 1;
  return ParseOnnxText(Model("(float[1,64," + std::to_string(hw) + "," + std::to_string(hw) + "] x) => (float[1,96," +
                                 std::to_string(out) + "," + std::to_string(out) + "] y)",
                             "y = Conv<pads=[1,1,1,1],strides=[" + std::to_string(s) + "," + std::to_string(s) +
                                 "]>(x, w)",
                             "<float[96,64,3,3] w = {0.0}>"));
}

double Ms(const Network& net, const std::string& json, const char* precision = "fp32") {
  EstimateOptions o;
  Precision p;
  EXPECT_TRUE(ParsePrecision(precision, &p));
  o.precision = p;
  return EstimateNetwork(net, ParsePlatform(json, "trt.json"), o).total_ms;
}

TEST(TensorRtTerms, WinogradLayerByHand) {
  // 112 x 112: 2 x 112^2 x 96 x 64 x 9 = 1,387,266,048 flops. Direct: / (670e9 x 0.5) = 4.141093 ms. Winograd:
  // T = 56 x 56 = 3,136 rows, u = 3,136 / 3,200 = 0.98, eff = 1 / (0.5 + 0.5 / 0.98) = 0.989899, x 1.625:
  // 4.141093 / 1.608586 = 2.574368 ms, the faster: taken. Memory (64 + 96) x 12,544 + 55,296 weights = 2,062,336
  // elements x 4 B / (59.7 GB/s x 0.4) = 0.345450 ms, below.
  EXPECT_NEAR(Ms(Conv3x3(112), Profile(kWinograd)), 2.574368448, 1e-8);
  // 14 x 14: 21,676,032 flops; direct 0.064705 ms; Winograd T = 49, eff = 1 / (0.5 + 0.5 x 128 / 49) = 0.553672,
  // x 1.625 = 0.899717 < 1: slower (0.071917 ms); the direct path is kept.
  EXPECT_NEAR(Ms(Conv3x3(14), Profile(kWinograd)), 21676032.0 / 335e9 * 1e3, 1e-10);
  // Stride 2 is not eligible: the direct path (28 x 28 -> 14 x 14, the same flops as above).
  EXPECT_NEAR(Ms(Conv3x3(28, 2), Profile(kWinograd)), 21676032.0 / 335e9 * 1e3, 1e-10);
  // Without the term: the direct path at 112 too.
  EXPECT_NEAR(Ms(Conv3x3(112), Profile("")), 1387266048.0 / 335e9 * 1e3, 1e-8);
}

TEST(TensorRtTerms, GemmTilesAndOverlapByHand) {
  // gemm_tiles 128 x 64 at alpha 0.5: 14 x 14: M = 196, u = 196 / 256, eff 0.867257; N = 96, u = 0.75, eff
  // 0.857143: direct 0.064705 / 0.743363 = 0.087043 ms; the Winograd path (0.071917 ms) is now the faster.
  EXPECT_NEAR(Ms(Conv3x3(14), Profile(kTiles)), 0.087043057, 1e-8);
  EXPECT_NEAR(Ms(Conv3x3(14), Profile(std::string(kTiles) + kWinograd)), 0.071916543, 1e-8);
  // overlap_p 2: sqrt(compute^2 + memory^2); 14 x 14 memory: 86,656 elements x 4 B / 23.88 GB/s = 0.014515 ms:
  // sqrt(0.071917^2 + 0.014515^2) = 0.073367 ms.
  const std::string p2 = std::string(kTiles) + kWinograd + R"(, "overlap_p": {"value": 2, "source": "t"})";
  EXPECT_NEAR(Ms(Conv3x3(14), Profile(p2)), 0.073366760, 1e-8);
}

Network Depthwise() {  // 64 channels, 56 x 56, 3x3, pad 1
  return ParseOnnxText(Model("(float[1,64,56,56] x) => (float[1,64,56,56] y)",
                             "y = Conv<pads=[1,1,1,1],group=64>(x, w)", "<float[64,1,3,3] w = {0.0}>"));
}

TEST(TensorRtTerms, GroupWavesByHand) {
  // Traffic (2 x 200,704 + 576) x 4 B / (59.7 GB/s x 0.1) = 0.269336 ms. Waves: ceil(64 x ceil(3,136 / 128) / 2)
  // = 800; at 1e-4 ms: 0.08 ms, below the traffic; at 1e-3 ms: 0.8 ms, above.
  const std::string w4 = R"(, "group_waves": {"tile": 128, "units": 2, "ms_per_wave": 0.0001, "source": "t"})";
  const std::string w3 = R"(, "group_waves": {"tile": 128, "units": 2, "ms_per_wave": 0.001, "source": "t"})";
  EXPECT_NEAR(Ms(Depthwise(), Profile("", w4)), 0.269336013, 1e-8);
  EXPECT_NEAR(Ms(Depthwise(), Profile("", w3)), 0.8, 1e-12);
}

TEST(TensorRtTerms, PrecisionFallbackRunsDepthwiseNetworksAtFp32) {
  const std::string rule =
      R"("precision_fallback": [{"if_class": "dwconv", "from": "fp16", "to": "fp32", "source": "t"}],)";
  const std::string with = Profile(kWinograd, "", rule), without = Profile(kWinograd);
  // A network with a depthwise layer: asked at fp16, estimated at fp32 (the same total), with a warning.
  EXPECT_DOUBLE_EQ(Ms(Depthwise(), with, "fp16"), Ms(Depthwise(), with, "fp32"));
  // fp16 traffic is half: without the rule the fp16 estimate is half the fp32 one (memory-bound).
  EXPECT_NEAR(Ms(Depthwise(), without, "fp16"), Ms(Depthwise(), without, "fp32") / 2, 1e-12);
  EstimateOptions o;
  o.precision = Precision::kFp16;
  const Report r = EstimateNetwork(Depthwise(), ParsePlatform(with, "trt.json"), o);
  EXPECT_EQ(r.precision, Precision::kFp32);
  bool warned = false;
  for (const std::string& w : r.warnings) warned = warned || w.find("precision_fallback") != std::string::npos;
  EXPECT_TRUE(warned);
  // A network without one keeps fp16: 112 x 112 Winograd at 1330 GOP/s x 0.5.
  EXPECT_NEAR(Ms(Conv3x3(112), with, "fp16"), 1387266048.0 / 665e9 / 1.608585859 * 1e3, 1e-6);
}

TEST(TensorRtTerms, RoundTripAndModes) {
  const std::string json =
      Profile(std::string(kTiles) + kWinograd + R"(, "overlap_p": {"value": 2.5, "source": "t"})",
              R"(, "group_waves": {"tile": 128, "units": 2, "ms_per_wave": 0.001, "source": "t"})",
              R"("precision_fallback": [{"if_class": "dwconv", "from": "fp16", "to": "fp32", "source": "t"}],
                 "dispatch_ms": {"value": 0.05, "source": "t"},
                 "modes": {"slow": {"description": "d", "compute_scale": {"value": 0.5, "source": "t"},
                   "bandwidth_scale": {"value": 1, "source": "t"}, "power_scale": {"value": 1, "source": "t"},
                   "overhead_scale": {"value": 3, "source": "t"}, "dispatch_scale": {"value": 2, "source": "t"},
                   "source": "t"}},)");
  const Platform p = ParsePlatform(json, "trt.json");
  std::ostringstream out;
  WritePlatform(p, out);
  const Platform back = ParsePlatform(out.str(), "back.json");
  std::ostringstream again;
  WritePlatform(back, again);
  EXPECT_EQ(out.str(), again.str());
  const ClassModel& conv = back.classes.at(OpClass::kConv);
  ASSERT_TRUE(conv.gemm_tiles && conv.winograd && conv.overlap_p);
  EXPECT_EQ(conv.gemm_tiles->m, 128);
  EXPECT_EQ(conv.gemm_tiles->n, 64);
  EXPECT_DOUBLE_EQ(conv.winograd->speedup, 1.625);
  EXPECT_DOUBLE_EQ(conv.overlap_p->value, 2.5);
  ASSERT_TRUE(back.classes.at(OpClass::kDepthwiseConv).group_waves);
  EXPECT_DOUBLE_EQ(back.classes.at(OpClass::kDepthwiseConv).group_waves->ms_per_wave, 0.001);
  ASSERT_EQ(back.precision_fallback.size(), 1u);
  EXPECT_EQ(back.precision_fallback[0].if_class, OpClass::kDepthwiseConv);
  EXPECT_EQ(back.precision_fallback[0].to, Precision::kFp32);
  // The mode: the time per wave / compute_scale, dispatch x dispatch_scale (not overhead_scale).
  const Platform slow = WithMode(back, "slow");
  EXPECT_DOUBLE_EQ(slow.classes.at(OpClass::kDepthwiseConv).group_waves->ms_per_wave, 0.002);
  EXPECT_DOUBLE_EQ(slow.dispatch_ms->value, 0.1);
}

std::string LoadError(const std::string& json) {
  try {
    ParsePlatform(json, "trt.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "loaded";
}

TEST(TensorRtTerms, BadValuesAreClearErrors) {
  EXPECT_EQ(LoadError(Profile(R"(, "winograd": {"speedup": 3, "tile": 128, "alpha": 0.5, "source": "t"})")),
            "trt.json: classes.conv.winograd.speedup: must be in [1, 2.25] (F(2x2,3x3) needs 2.25x fewer "
            "multiplications at most)");
  EXPECT_EQ(LoadError(Profile(R"(, "gemm_tiles": {"m": 0, "n": 64, "alpha_m": 0.5, "alpha_n": 0.5, "source": "t"})")),
            "trt.json: classes.conv.gemm_tiles.m: must be an integer >= 1");
  EXPECT_EQ(LoadError(Profile(R"(, "gemm_tiles": {"m": 8, "n": 64, "alpha_m": 1.5, "alpha_n": 0.5, "source": "t"})")),
            "trt.json: classes.conv.gemm_tiles.alpha_m: must be in [0, 1]");
  EXPECT_EQ(LoadError(Profile(R"(, "overlap_p": {"value": 0.5, "source": "t"})")),
            "trt.json: classes.conv.overlap_p.value: must be a finite number >= 1 (1: compute + memory; large: their max)");
  EXPECT_EQ(LoadError(Profile("", R"(, "group_waves": {"tile": 128, "units": 2, "ms_per_wave": -1, "source": "t"})")),
            "trt.json: classes.dwconv.group_waves.ms_per_wave: must be a finite number >= 0");
  EXPECT_EQ(
      LoadError(Profile("", "", R"("precision_fallback": [{"if_class": "dwconv", "from": "int8", "to": "fp32", "source": "t"}],)")),
      "trt.json: precision_fallback[0].from: is not a key of precisions");
  EXPECT_EQ(
      LoadError(Profile("", "", R"("precision_fallback": [{"if_class": "dw", "from": "fp16", "to": "fp32", "source": "t"}],)")),
      "trt.json: precision_fallback[0].if_class: unknown op class 'dw'");
}

}  // namespace
}  // namespace odonata
