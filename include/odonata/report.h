// The estimate of a network on a platform, built once, rendered many ways.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "odonata/estimator.h"
#include "odonata/fit.h"
#include "odonata/fusion.h"
#include "odonata/layer.h"
#include "odonata/network.h"
#include "odonata/platform.h"
#include "odonata/power.h"

namespace odonata {

struct EstimateOptions {
  std::optional<Precision> precision;  // default: the platform's default precision
};

struct ReportRow {
  Layer layer;  // fused layer
  LayerEstimate estimate;
  double ms = 0;                   // estimate.ms * layer.repeat
  double percent = 0;              // of total_ms
  double energy_mj = 0;            // ms x the class's active power (Platform::ActivePowerW)
  std::vector<std::string> flags;  // "unknown_op", "data_dependent"
};

struct Report {
  std::string model;  // network name
  std::string model_path;
  std::string platform;
  std::string platform_path;
  Precision precision = Precision::kFp32;
  // The platform's roofs at `precision` (mode applied): GOP/s and GB/s.
  double peak_gops = 0;
  double bandwidth_gbps = 0;
  std::vector<ReportRow> rows;
  double overhead_ms = 0;
  // Invariant: total_ms == sum of rows[i].ms + overhead_ms.
  double total_ms = 0;
  double overhead_energy_mj = 0;  // overhead_ms x idle power
  // Invariant: energy_mj == sum of rows[i].energy_mj + overhead_energy_mj.
  double energy_mj = 0;
  double avg_power_w = 0;  // energy_mj / total_ms (0 when total_ms is 0)
  Counts totals;           // over the original network (before fusion)
  std::int64_t nodes = 0;  // ONNX nodes covered (== network.layers.size())
  std::vector<std::string> warnings;
};

// Fuse, estimate every layer with the estimator its class names, sum.
// Throws Error if the platform lacks the precision or names an unknown estimator.
Report EstimateNetwork(const Network& network, const Platform& platform, const EstimateOptions& options = {});

// Estimating in a loop (README "Estimating in a loop"): EstimateNetwork is
// EstimateNetwork(FuseNetwork(network, platform.fusion), PlanPlatform(platform,
// options)). A loop over platforms, precisions or modes fuses each network once
// per set of fusion rules (fusion.h: FuseNetwork), plans each platform once
// per precision, and calls EstimateTotal, which allocates nothing.

// A platform resolved for one precision: per op class the estimator, roofs
// and power (estimator.h: ClassPlan). Holds pointers into the estimator
// registry only, not into `platform`: it outlives the Platform.
struct PlatformPlan {
  Precision precision = Precision::kFp32;
  std::string platform;       // Platform::DisplayName()
  std::string platform_path;
  double peak_gops = 0;       // the roofs at `precision`
  double bandwidth_gbps = 0;
  double overhead_ms = 0;
  double idle_power_w = 0;
  std::uint64_t fusion_fingerprint = 0;  // FusionFingerprint(platform.fusion)
  std::array<ClassPlan, static_cast<std::size_t>(OpClass::kUnknown) + 1> classes;  // by OpClass
  const EstimatorInfo* free = nullptr;    // for fused layers marked free
  const EstimatorInfo* memory = nullptr;  // for unknown ops
};
// Throws Error as EstimateNetwork does: precision not supported, unknown estimator.
PlatformPlan PlanPlatform(const Platform& platform, const EstimateOptions& options = {});

// The totals of a Report, without its rows (ms, mJ, W as in Report).
struct EstimateTotals {
  double layers_ms = 0;  // sum of the rows' ms
  double overhead_ms = 0;
  double total_ms = 0;  // layers_ms + overhead_ms
  double overhead_energy_mj = 0;
  double energy_mj = 0;
  double avg_power_w = 0;
};
// total_ms, energy_mj, ... of EstimateNetwork(fused, plan), bit for bit, with
// no allocation. Throws Error when `fused` was fused with other rules than the
// plan's platform uses.
EstimateTotals EstimateTotal(const FusedNetwork& fused, const PlatformPlan& plan);
// The full report (rows, flags, warnings). Same error as EstimateTotal.
Report EstimateNetwork(const FusedNetwork& fused, const PlatformPlan& plan);

// kHtml: one self-contained page with charts; `estimate` only (the other
// renderers taking a Format throw a usage Error for it).
enum class Format { kTable, kJson, kCsv, kHtml };
bool ParseFormat(const std::string& text, Format* out);

// Renderers (src/report/*.cc). Output ends with a newline.
void RenderTable(const Report& report, std::ostream& out);
void RenderJson(const Report& report, std::ostream& out);
void RenderCsv(const Report& report, std::ostream& out);
// Summary, per-layer latency and energy bars, roofline, time per op type and
// the layer table, as one HTML page with inline SVG (no scripts, no fetches).
void RenderHtml(const Report& report, std::ostream& out);
void Render(const Report& report, Format format, std::ostream& out);

// `odonata inspect`: counts of every node, no platform.
void RenderInspect(const Network& network, Format format, std::ostream& out);

// `odonata platforms`: the profiles found on `search_path` (directories, in
// lookup order), one entry per profile with its precisions and file.
void RenderPlatforms(const std::vector<Platform>& platforms, const std::vector<std::string>& search_path, Format format,
                     std::ostream& out);

// `odonata fit --report`: table (per class: chosen model, statistics,
// candidates, parameters), JSON, or CSV of measured vs predicted per row.
void RenderFitReport(const FitReport& fit, Format format, std::ostream& out);

// `odonata power-trace`: energy per window, the sampling check and the
// decimation table (table, JSON or CSV of the windows).
void RenderPowerTrace(const PowerTraceReport& report, Format format, std::ostream& out);

}  // namespace odonata
