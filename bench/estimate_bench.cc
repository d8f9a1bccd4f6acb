// In-process costs per shipped model: loading (parse + shape resolution +
// counts) and estimating an already loaded network on one platform.
// Run: cmake -B build -DODONATA_BENCHMARKS=ON && cmake --build build && build/bench/odonata_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "odonata/network.h"
#include "odonata/platform.h"
#include "odonata/report.h"

namespace {

const std::string kRoot = ODONATA_SOURCE_DIR;

std::vector<std::string> Models() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(kRoot + "/models")) {
    if (e.path().extension() == ".onnx") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void Load(benchmark::State& state, const std::string& model) {
  for (auto _ : state) {
    odonata::Network net = odonata::LoadOnnx(kRoot + "/models/" + model + ".onnx");
    benchmark::DoNotOptimize(net.layers.data());
  }
}

void Estimate(benchmark::State& state, const std::string& model) {
  odonata::Network net = odonata::LoadOnnx(kRoot + "/models/" + model + ".onnx");
  odonata::Platform platform = odonata::LoadPlatform(kRoot + "/platforms/jetson-nano.json");
  for (auto _ : state) {
    odonata::Report r = odonata::EstimateNetwork(net, platform);
    benchmark::DoNotOptimize(r.total_ms);
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  for (const std::string& m : Models()) {
    benchmark::RegisterBenchmark(("load/" + m).c_str(), Load, m)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("estimate/" + m).c_str(), Estimate, m)->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
