// In-process costs per shipped model: loading (parse + shape resolution +
// counts) and estimating an already loaded network on one platform, with
// EstimateNetwork (fuse + full report per call) and with the loop API
// (FuseNetwork and PlanPlatform once, EstimateTotal per estimate).
// Run: cmake -B build -DODONATA_BENCHMARKS=ON && cmake --build build && build/bench/odonata_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "layer_cost.h"
#include "odonata/estimate.h"
#include "odonata/fusion.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"

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

// OnnxModel::Resolve: what load costs without parsing (a new input shape).
void Resolve(benchmark::State& state, const std::string& model) {
  const odonata::OnnxModel parsed = odonata::OnnxModel::Load(kRoot + "/models/" + model + ".onnx");
  for (auto _ : state) {
    odonata::Network net = parsed.Resolve();
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

// The loop API (estimate.h): fused once for the platform's rules, planned once
// for its default precision; each iteration is one EstimateTotal.
void EstimateFast(benchmark::State& state, const std::string& model) {
  odonata::Network net = odonata::LoadOnnx(kRoot + "/models/" + model + ".onnx");
  odonata::Platform platform = odonata::LoadPlatform(kRoot + "/platforms/jetson-nano.json");
  const odonata::FusedNetwork fused = odonata::FuseNetwork(net, platform.fusion);
  const odonata::PlatformPlan plan = odonata::PlanPlatform(platform);
  for (auto _ : state) {
    odonata::EstimateTotals t = odonata::EstimateTotal(fused, plan);
    benchmark::DoNotOptimize(t.total_ms);
  }
  state.SetItemsProcessed(state.iterations());
}

// The one-time costs of the loop API: fusing into the compact form, planning a platform.
void FuseNetworkOnly(benchmark::State& state, const std::string& model) {
  odonata::Network net = odonata::LoadOnnx(kRoot + "/models/" + model + ".onnx");
  odonata::Platform platform = odonata::LoadPlatform(kRoot + "/platforms/jetson-nano.json");
  for (auto _ : state) {
    odonata::FusedNetwork fused = odonata::FuseNetwork(net, platform.fusion);
    benchmark::DoNotOptimize(fused.compact.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void PlanPlatformOnly(benchmark::State& state) {
  odonata::Platform platform = odonata::LoadPlatform(kRoot + "/platforms/ncs2.json");
  for (auto _ : state) {
    odonata::PlatformPlan plan = odonata::PlanPlatform(platform);
    benchmark::DoNotOptimize(plan.classes.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// estimate_all_platforms with the loop API: per platform one FuseNetwork, per
// precision one PlanPlatform, outside the timed loop.
void EstimateFastAllPlatforms(benchmark::State& state, const std::string& model) {
  odonata::Network net = odonata::LoadOnnx(kRoot + "/models/" + model + ".onnx");
  std::vector<odonata::FusedNetwork> fused;
  std::vector<std::pair<std::size_t, odonata::PlatformPlan>> plans;  // (index in fused, plan)
  for (const char* p : {"jetson-nano", "jetson-tx2", "ncs2", "zcu102"}) {
    odonata::Platform platform = odonata::LoadPlatform(kRoot + "/platforms/" + p + ".json");
    fused.push_back(odonata::FuseNetwork(net, platform.fusion));
    for (const auto& [precision, spec] : platform.precisions) {
      odonata::EstimateOptions o;
      o.precision = precision;
      plans.emplace_back(fused.size() - 1, odonata::PlanPlatform(platform, o));
    }
  }
  std::int64_t estimates = 0;
  for (auto _ : state) {
    for (const auto& [f, plan] : plans) {
      odonata::EstimateTotals t = odonata::EstimateTotal(fused[f], plan);
      benchmark::DoNotOptimize(t.total_ms);
      ++estimates;
    }
  }
  state.SetItemsProcessed(estimates);
}

}  // namespace

int main(int argc, char** argv) {
  for (const std::string& m : Models()) {
    benchmark::RegisterBenchmark(("load/" + m).c_str(), Load, m)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("resolve/" + m).c_str(), Resolve, m)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("estimate/" + m).c_str(), Estimate, m)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("fuse/" + m).c_str(), FuseOnly, m)->Unit(benchmark::kMicrosecond);
  }
  for (const std::string& m : Models()) {
    benchmark::RegisterBenchmark(("estimate_fast/" + m).c_str(), EstimateFast, m)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("fuse_network/" + m).c_str(), FuseNetworkOnly, m)->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("estimate_all_platforms/resnet50", EstimateAllPlatforms, "resnet50")
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("estimate_fast_all_platforms/resnet50", EstimateFastAllPlatforms, "resnet50")
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("plan_platform/ncs2", PlanPlatformOnly)->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
