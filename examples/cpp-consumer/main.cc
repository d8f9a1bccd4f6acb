// consumer MODEL PLATFORM...: the latency and energy of an ONNX model on
// platforms (profile names or .json files), with the installed odonata library.
#include <odonata/errors.h>
#include <odonata/estimate.h>
#include <odonata/model.h>
#include <odonata/platform.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: consumer MODEL PLATFORM...\n");
    return 2;
  }
  try {
    // Profiles by name: ./platforms, $ODONATA_PLATFORMS, the user folder, then <prefix>/share/odonata/platforms
    // next to an installed odonata (README "Platform names").
    const std::vector<std::string> search_path = odonata::PlatformSearchPath(argv[0]);
    const odonata::Network network = odonata::LoadModel(argv[1]);
    for (int i = 2; i < argc; ++i) {
      const odonata::Platform platform = odonata::LoadPlatform(argv[i], search_path);
      const odonata::Report report = odonata::EstimateNetwork(network, platform);
      std::printf("%s on %s (%s): %.17g ms, %.17g mJ\n", report.model.c_str(), report.platform.c_str(),
                  odonata::PrecisionName(report.precision), report.total_ms, report.energy_mj);
    }
  } catch (const odonata::Error& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
  return 0;
}
