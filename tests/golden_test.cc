// Golden JSON reports: the whole estimate of two networks, compared field by
// field. Regenerate after an intended change with
//   ODONATA_UPDATE_GOLDEN=1 build/tests/odonata_tests --gtest_filter='Golden.*'
// and review the diff like code.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "odonata/estimate.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"

namespace odonata {
namespace {

const std::string kRoot = ODONATA_SOURCE_DIR;

// Machine-specific fields are left out of the comparison.
nlohmann::json Strip(nlohmann::json j) {
  j.erase("model_path");
  j.erase("platform_path");
  j.erase("odonata_version");
  return j;
}

void ExpectSame(const nlohmann::json& want, const nlohmann::json& got, const std::string& path) {
  if (want.is_number_float() || got.is_number_float()) {
    ASSERT_TRUE(got.is_number()) << path;
    const double w = want.get<double>(), g = got.get<double>();
    EXPECT_NEAR(g, w, 1e-9 * std::max(1.0, std::fabs(w))) << path;
    return;
  }
  ASSERT_EQ(want.type(), got.type()) << path;
  if (want.is_object()) {
    ASSERT_EQ(want.size(), got.size()) << path;
    for (auto it = want.begin(); it != want.end(); ++it) {
      ASSERT_TRUE(got.contains(it.key())) << path << "." << it.key();
      ExpectSame(it.value(), got[it.key()], path + "." + it.key());
    }
  } else if (want.is_array()) {
    ASSERT_EQ(want.size(), got.size()) << path;
    for (std::size_t i = 0; i < want.size(); ++i) ExpectSame(want[i], got[i], path + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_EQ(want, got) << path;
  }
}

void CheckGolden(const std::string& model, const std::string& platform) {
  Network net = LoadOnnx(kRoot + "/models/" + model + ".onnx");
  // The analytic seed profiles: the golden files pin the estimators, not a calibration.
  const Platform profile = LoadPlatform(kRoot + "/data/seed-profiles/" + platform + ".json");
  Report report = EstimateNetwork(net, profile);
  // Energy by hand: every layer draws power.active_w when the profile sets it
  // (jetson-nano: 2.01 W), else typical_w (ncs2: 1.873 W); no seed sets a
  // class active_w. The overhead draws idle_w.
  double layers_ms = 0;
  for (const ReportRow& row : report.rows) layers_ms += row.ms;
  const double active_w = profile.active_power_w ? profile.active_power_w->value : profile.typical_power_w.value;
  EXPECT_NEAR(report.energy_mj, active_w * layers_ms + profile.idle_power_w.value * profile.overhead_ms.value,
              1e-9 * report.energy_mj);
  std::ostringstream out;
  RenderJson(report, out);
  nlohmann::json got = Strip(nlohmann::json::parse(out.str()));
  const std::string file = kRoot + "/tests/golden/" + model + "." + platform + ".json";
  if (std::getenv("ODONATA_UPDATE_GOLDEN")) {
    std::ofstream(file) << got.dump(2) << "\n";
    GTEST_SKIP() << "rewrote " << file;
  }
  std::ifstream in(file);
  ASSERT_TRUE(in) << "missing golden file " << file;
  ExpectSame(nlohmann::json::parse(in), got, model);
}

TEST(Golden, ResNet18OnJetsonNano) { CheckGolden("resnet18", "jetson-nano"); }
TEST(Golden, MobileNetV2OnNcs2) { CheckGolden("mobilenet_v2", "ncs2"); }

}  // namespace
}  // namespace odonata
