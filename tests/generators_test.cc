// The icas: generator (generators.h): networks rebuilt from their names, with
// parameters and multiply-adds equal to the iCAS-Lab data set's model-info
// files (torchinfo's counts), and clear errors for names it does not know.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/fusion.h"
#include "odonata/generators.h"
#include "odonata/model.h"
#include "odonata/platform.h"
#include "test_util.h"

namespace odonata {
namespace {

using testing::ErrorOf;

// torchinfo's total_mult_adds: per Conv2d its parameters (weights and bias) x
// output positions, per Linear its parameters.
std::int64_t TorchinfoMacs(const Network& n) {
  std::int64_t macs = 0;
  for (const Layer& l : n.layers) {
    if (l.op_type == "Conv") macs += l.counts.params * l.outputs[0].shape[2] * l.outputs[0].shape[3];
    if (l.op_type == "Gemm") macs += l.counts.params;
  }
  return macs;
}

struct Known {
  const char* name;
  std::int64_t params, macs;  // "Total Parameters", "Total MACs" of the data set's model-info files
};

TEST(Generators, IcasNetworksMatchTheDataSetsCounts) {
  // Values copied from shared/data/icas_nano: conv_layers_1_5__high_mac_model_info5.csv (rows 2, 3),
  // dws__depthwise_sep_models.csv (row 2), mixed_kernel_models_L2__mixed_kernel_models_L2.csv (row 2),
  // mixed_kernel_models_L5__mixed_kernel_models_L5.csv (row 2), conv_layers_6_10__high_mac_model_info6.csv (row 2).
  const Known known[] = {
      {"convnet_L2_F512_K3x3_W70", 27462154, 11658393610},
      {"convnet_L2_F512_K3x3_W80", 35142154, 15227289610},
      {"convnet_L5_F128_K2x2_W30_DWS", 2661145, 116472025},
      {"convnet_L2_F128_K1x1_1_K3x3_1_W80", 8754826, 1004404234},
      {"convnet_L5_F128_K1x1_3_K2x2_2_W80", 10077194, 1198533386},
      {"convnet_L6_F128_K4x4_W90", 13114122, 11653534602},
  };
  for (const Known& k : known) {
    const Network n = LoadModel(std::string("icas:") + k.name);
    EXPECT_EQ(n.name, k.name);
    EXPECT_EQ(n.Totals().params, k.params) << k.name;
    EXPECT_EQ(TorchinfoMacs(n), k.macs) << k.name;
  }
}

TEST(Generators, IcasShapesFollowTheGeneratorsPaddingRules) {
  // Plain 1x1: padding 1, the map grows by 2 per layer: 10 -> 12 -> 14.
  Network n = GenerateNetwork("icas:convnet_L2_F8_K1x1_W10");
  EXPECT_EQ(n.layers.back().op_type, "Gemm");
  EXPECT_EQ(n.layers.back().inputs[0].shape, (Shape{1, 8 * 14 * 14}));
  // Even kernel 2, padding 2: 10 -> 13 -> 16.
  n = GenerateNetwork("icas:convnet_L2_F8_K2x2_W10");
  EXPECT_EQ(n.layers.back().inputs[0].shape, (Shape{1, 8 * 16 * 16}));
  // Depthwise 3x3 (padding 1) then pointwise: 3 channels, groups 3, then 1x1 to 16.
  n = GenerateNetwork("icas:convnet_L1_F16_K3x3_W10_DWS");
  ASSERT_GE(n.layers.size(), 3u);
  EXPECT_EQ(n.layers[0].window.group, 3);
  EXPECT_EQ(n.layers[0].op_class, OpClass::kDepthwiseConv);
  EXPECT_EQ(n.layers[1].window.kernel, (std::vector<std::int64_t>{1, 1}));
  // Mixed 2x2 then 3x3: padding 2 at the 2x2 (10 -> 13), then 1 from the first odd kernel (13 -> 13), 2x2 at
  // padding 1 (13 -> 14).
  n = GenerateNetwork("icas:convnet_L3_F4_K2x2_2_K3x3_1_W10");
  EXPECT_EQ(n.layers.back().inputs[0].shape, (Shape{1, 4 * 14 * 14}));
}

TEST(Generators, IcasFusesIntoConvReluAndGemmOnTheNano) {
  const Platform nano = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json");
  const std::vector<Layer> fused = Fuse(GenerateNetwork("icas:convnet_L3_F32_K3x3_W20_DWS"), nano.fusion);
  // 3 x (depthwise, pointwise+Relu), Reshape (free), Gemm.
  ASSERT_EQ(fused.size(), 8u);
  EXPECT_EQ(fused[1].covered_ops, (std::vector<std::string>{"Conv", "Relu"}));
  EXPECT_EQ(fused[6].op_type, "Reshape");
  EXPECT_EQ(fused[7].op_type, "Gemm");
}

TEST(Generators, BadDescriptionsAreClearErrors) {
  EXPECT_NE(ErrorOf([] { GenerateNetwork("icas:resnet50"); }).find("icas:resnet50: not an iCAS network name"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { GenerateNetwork("icas:convnet_L3_F8_K3x5_W10"); }).find("kernels are square"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { GenerateNetwork("icas:convnet_L4_F8_K1x1_1_K3x3_3_W10"); }).find("do not alternate"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { GenerateNetwork("icas:convnet_L10_F8_K7x7_W10"); }).find("shrinks below 1x1"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { LoadModel("icas:convnet_L1_F8_K3x3_W10", {{}, 2}); }).find("fixed shapes"),
            std::string::npos);
}

// Every network of the data set's model-info files, when the shared data is
// at $ODONATA_SHARED_DATA (e.g. /work/shared/data); skipped otherwise.
TEST(Generators, EveryIcasNetworkMatchesItsModelInfoRow) {
  const char* dir = std::getenv("ODONATA_SHARED_DATA");
  if (!dir || !std::filesystem::exists(std::string(dir) + "/icas_nano")) GTEST_SKIP() << "no $ODONATA_SHARED_DATA";
  std::int64_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(dir) + "/icas_nano")) {
    const std::string file = entry.path().filename().string();
    if (file.find("big_") != std::string::npos || entry.path().extension() != ".csv") continue;
    std::ifstream in(entry.path());
    std::string line;
    std::getline(in, line);
    std::vector<std::string> header;
    std::stringstream hs(line);
    for (std::string c; std::getline(hs, c, ',');) header.push_back(c);
    auto col = [&](const std::string& name) {
      for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return i;
      return header.size();
    };
    const std::size_t name_col = col("Model Name"), params_col = col("Total Parameters"), macs_col = col("Total MACs");
    ASSERT_LT(macs_col, header.size()) << file;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ls(line);
      for (std::string c; std::getline(ls, c, ',');) f.push_back(c);
      if (f.size() <= macs_col || f[params_col].empty()) continue;
      const Network n = GenerateNetwork("icas:" + f[name_col]);
      ASSERT_EQ(n.Totals().params, std::stoll(f[params_col])) << file << ": " << f[name_col];
      ASSERT_EQ(TorchinfoMacs(n), static_cast<std::int64_t>(std::stod(f[macs_col]))) << file << ": " << f[name_col];
      ++checked;
    }
  }
  EXPECT_GT(checked, 10000);
}

}  // namespace
}  // namespace odonata
