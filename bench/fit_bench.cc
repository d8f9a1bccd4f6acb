// Cost of fitting: the 2-D step/linear search on 100k measurement rows of one
// op class (the research's conv formula with 2% noise), and a whole-platform
// fit with cross-validation of all candidates on 2,000 rows.
// Run: cmake -B build -DODONATA_BENCHMARKS=ON && cmake --build build && build/bench/odonata_fit_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "odonata/fit.h"
#include "odonata/measurements.h"
#include "odonata/platform.h"

namespace {

using I64 = std::int64_t;

double Research(I64 d_in, I64 k) {
  const double q1 = std::floor((d_in - 1) / 8.0), q2 = std::floor((k - 1) / 32.0);
  return 0.1418 + q1 * 0.0106 + q2 * (0.044 + q1 * 0.0121);
}

// Random (in_c, out_c) in 1..256, 3x3 conv on 32x32, noise uniform in +-2%.
std::vector<odonata::Measurement> Rows(std::size_t n) {
  std::mt19937_64 rng(1);
  std::vector<odonata::Measurement> rows(n);
  for (std::size_t i = 0; i < n; ++i) {
    odonata::LayerConfig& c = rows[i].config;
    c.in_c = 1 + static_cast<I64>(rng() % 256);
    c.out_c = 1 + static_cast<I64>(rng() % 256);
    c.in_h = c.in_w = 32;
    c.kernel_h = c.kernel_w = 3;
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    rows[i].latency_ms = Research(c.in_c, c.out_c) * (1.0 + 0.02 * (2.0 * u - 1.0));
    rows[i].origin = "bench:" + std::to_string(i + 2);
  }
  return rows;
}

void StepLinear2D(benchmark::State& state) {
  const std::vector<odonata::Measurement> rows = Rows(static_cast<std::size_t>(state.range(0)));
  std::vector<odonata::Layer> layers;
  std::vector<double> ms;
  for (const odonata::Measurement& r : rows) {
    layers.push_back(odonata::ToLayer(r.config));
    ms.push_back(r.latency_ms);
  }
  for (auto _ : state) {
    odonata::FittedModel m = odonata::FitStepLinear(layers, ms, {"in_c", "out_c"}, "");
    benchmark::DoNotOptimize(m.terms.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void Platform(benchmark::State& state) {
  const std::vector<odonata::Measurement> rows = Rows(static_cast<std::size_t>(state.range(0)));
  odonata::Platform base;
  base.name = "bench";
  base.precisions[odonata::Precision::kFp32] = {{1000, "bench"}, {50, "bench"}};
  for (auto _ : state) {
    odonata::FitReport r = odonata::FitPlatform(rows, base, "bench");
    benchmark::DoNotOptimize(r.classes.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(StepLinear2D)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(Platform)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
