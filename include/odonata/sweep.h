// Sweep plans (`odonata sweep`, src/sweep.cc): which single-layer
// configurations to benchmark, as 1-D runs, grids or random designs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "odonata/measurements.h"

namespace odonata {

enum class SweepDesign { kOneD, kGrid, kRandom };
const char* SweepDesignName(SweepDesign design);  // "1d", "grid", "random"
bool ParseSweepDesign(const std::string& text, SweepDesign* out);
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

// The keys of a configuration, one table for `--around` (the values held
// fixed) and `--dims` (the dimensions varied): batch, in_c, out_c, in_h, in_w,
// hw (in_h and in_w), kernel (kernel_h and kernel_w), kernel_h, kernel_w,
// stride (both), stride_h, stride_w, groups, dilation, pad (both), pad_h,
// pad_w. A key sets exactly the fields it names; varying one in a sweep also
// moves the fields tied to it (PlanSweep: in_h keeps inputs square, in_c
// carries out_c where it follows from in_c, ...).
struct SweepKey {
  const char* name;
  void (*set)(LayerConfig& config, std::int64_t value);
};
const std::vector<SweepKey>& SweepKeys();
// The entry named `name`; nullptr when there is none.
const SweepKey* FindSweepKey(const std::string& name);

// "in_c=64,hw=32,kernel=3,precision=fp16": `base` with those keys set, in
// order (SweepKeys, plus `precision`). Throws Error (kUsage) for an item that
// is not KEY=VALUE, an unknown key, or a value that is not an integer.
LayerConfig ParseAround(const std::string& text, LayerConfig base);

// A sweep written to a directory (`odonata sweep --out DIR`): DIR/plan.csv
// (the measurement CSV of the plan, latencies to be measured) and, with
// models, DIR/models/00000.onnx ... one runnable single-layer model per row
// (WriteLayerModel, row i's weights from seed + i), named in the plan's
// `model` column. Files are written whole (temporary file, then rename).
struct SweepFiles {
  std::string plan;    // DIR/plan.csv
  std::string models;  // DIR/models, "" without models
  std::size_t rows = 0;
};
// Throws Error for an empty plan and when a file cannot be written.
// `progress(done, total)`, when set, is called after each model written.
SweepFiles WriteSweep(const std::vector<LayerConfig>& plan, const std::string& dir, bool models,
                      std::uint64_t seed = 1,
                      const std::function<void(std::size_t done, std::size_t total)>& progress = nullptr);

}  // namespace odonata
