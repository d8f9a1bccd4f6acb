// Sweep plans (`odonata sweep`, src/sweep.cc): which single-layer
// configurations to benchmark, as 1-D runs, grids or random designs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "odonata/measurements.h"

namespace odonata {

enum class SweepDesign { kOneD, kGrid, kRandom };
struct SweepOptions {
  std::string op = "Conv";
  SweepDesign design = SweepDesign::kOneD;
  LayerConfig base;  // the fixed values ("--around"); op is overwritten with `op`
  // Dimensions varied and their range (inclusive); 1-D default: in_c, out_c,
  // in_h (with in_w = in_h) over 1..256, each alone, others at `base`.
  std::vector<std::string> dims;
  std::int64_t min = 1, max = 256;
  std::int64_t step = 1;       // 1-D and grid: every `step`-th value
  std::int64_t samples = 200;  // random design: number of rows
  std::uint64_t seed = 1;      // random design: deterministic
};
std::vector<LayerConfig> PlanSweep(const SweepOptions& options);
// The values a sweep of `op` holds fixed by default (Conv: 64 -> 64 channels,
// 32x32, 3x3 stride 1, as in the research); `--around` overrides start here.
LayerConfig DefaultSweepBase(const std::string& op);

}  // namespace odonata
