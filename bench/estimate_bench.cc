// In-process costs per shipped model: loading (parse + shape resolution +
// counts) and estimating an already loaded network on one platform.
// Run: cmake -B build -DODONATA_BENCHMARKS=ON && cmake --build build && build/bench/odonata_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "odonata/fusion.h"
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

// The fusion step alone: its share of Estimate.
void FuseOnly(benchmark::State& state, const std::string& model) {
  odonata::Network net = odonata::LoadOnnx(kRoot + "/models/" + model + ".onnx");
  odonata::Platform platform = odonata::LoadPlatform(kRoot + "/platforms/jetson-nano.json");
  for (auto _ : state) {
    std::vector<odonata::Layer> layers = odonata::Fuse(net, platform.fusion);
    benchmark::DoNotOptimize(layers.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// The loop a NAS or CI pipeline runs (README "Library API for loops"): one
// loaded network, every shipped platform and each of its precisions.
void EstimateAllPlatforms(benchmark::State& state, const std::string& model) {
  odonata::Network net = odonata::LoadOnnx(kRoot + "/models/" + model + ".onnx");
  std::vector<odonata::Platform> platforms;
  for (const char* p : {"jetson-nano", "jetson-tx2", "ncs2", "zcu102"}) {
    platforms.push_back(odonata::LoadPlatform(kRoot + "/platforms/" + p + ".json"));
  }
  std::int64_t estimates = 0;
  for (auto _ : state) {
    for (const odonata::Platform& p : platforms) {
      for (const auto& [precision, spec] : p.precisions) {
        odonata::EstimateOptions o;
        o.precision = precision;
        odonata::Report r = odonata::EstimateNetwork(net, p, o);
        benchmark::DoNotOptimize(r.total_ms);
        ++estimates;
      }
    }
  }
  state.SetItemsProcessed(estimates);
}

}  // namespace

int main(int argc, char** argv) {
  for (const std::string& m : Models()) {
    benchmark::RegisterBenchmark(("load/" + m).c_str(), Load, m)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("estimate/" + m).c_str(), Estimate, m)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("fuse/" + m).c_str(), FuseOnly, m)->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("estimate_all_platforms/resnet50", EstimateAllPlatforms, "resnet50")
      ->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
