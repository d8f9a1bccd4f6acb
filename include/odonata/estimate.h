// The estimate of a network on a platform (src/estimate.cc): fuse, estimate
// every layer with the estimator its class names, sum. Built once, rendered
// many ways (render.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "odonata/estimator.h"
#include "odonata/fusion.h"
#include "odonata/layer.h"
#include "odonata/layout.h"
#include "odonata/network.h"
#include "odonata/platform.h"

namespace odonata {

// Which cache state a network is estimated in (`--cache`; docs/host-cost-model.md
// "Cache state"): kAuto on a profile with warm class models (ClassModel::warm)
// and a partial cache state (CacheCapacity::share) estimates the share h of the
// network's weights (Counts::param_bytes, as stored) warm; with a cache
// capacity alone, warm when the weights take at most that capacity, else cold.
// kWarm and kCold force the ends (h = 1, 0); kWarm needs warm models (else Error).
enum class CacheMode { kAuto, kWarm, kCold };
const char* CacheModeName(CacheMode m);  // "auto", "warm", "cold"
bool ParseCacheMode(const std::string& text, CacheMode* out);

struct EstimateOptions {
  std::optional<Precision> precision;  // default: the platform's default precision
  CacheMode cache = CacheMode::kAuto;
};

// The cache state an estimate used (Report::cache; present only when the
// profile has warm class models: other profiles estimate as they always did).
struct CacheChoice {
  bool warm = false;
  bool forced = false;                // --cache warm|cold, not auto
  std::int64_t weight_bytes = 0;      // the network's, as stored
  std::int64_t capacity_bytes = -1;   // the profile's; -1: the profile has none
  // auto on a profile with a partial cache state (CacheShare): the share h held
  // warm, each warm-modelled layer estimated cold - h x (cold - warm); `warm` is
  // then h >= 0.5 (for callers that want one word). Absent otherwise.
  std::optional<double> share;
  // With a share: the bytes of the outputs the network's executed layers write
  // (ExecutedOutputBytes), the profile's size variable (CacheShare::size; absent:
  // weights, the profiles before run 19) and x, the size h was computed from.
  std::int64_t activation_bytes = 0;
  std::optional<ShareSize> share_size;
  double share_x = 0;
  // With a share, in a report: the classes whose layers were estimated warm whatever h
  // (CacheShare::warm_classes). ChooseCache leaves it empty, so that EstimateTotal allocates nothing.
  std::vector<OpClass> warm_classes;
  std::optional<double> warm_class_share;  // their share (CacheShare::warm_class_share); absent: 1
  // "warm", "cold" or "partial 0.37" (the report's cache field).
  std::string StateText() const;
};

struct ReportRow {
  Layer layer;  // fused layer
  LayerEstimate estimate;
  // The precision the layer was estimated at: the report's, or int8 for a
  // quantized layer on a platform with int8 (Report::quantization).
  Precision precision = Precision::kFp32;
  bool quantized = false;  // computes on quantized data (fusion.h, quantization.h)
  double ms = 0;                   // estimate.ms * layer.repeat
  double percent = 0;              // of total_ms
  double energy_mj = 0;            // ms x the class's active power (Platform::ActivePowerW)
  std::vector<std::string> flags;  // "unknown_op", "data_dependent"
};

// An estimate's interval at `level` (90%): [low_ms, high_ms] around total_ms.
// basis "profile": total_ms x the profile's `interval` ratios (whole networks,
// from calibration rows); "classes": overhead_ms + the sum over layers of
// ms x their class's interval ratios (each layer's interval at its end,
// errors assumed to go the same way; a class without an interval takes the
// profile's widest class interval). docs/report-format.md "Trust".
struct EstimateInterval {
  double level = 0.9;
  double low_ms = 0;
  double high_ms = 0;
  std::string basis;      // "profile" or "classes"
  std::int64_t rows = 0;  // residuals behind it (profile basis), else 0
};

// A quantized model's layers in a report (docs/report-format.md "Quantized
// models"): a layer is quantized when it computes on quantized data (a QDQ
// group, an integer operator such as QLinearConv or MatMulInteger; on a
// platform without QDQ fusion rules, a node in QDQ form: fusion.h,
// quantization.h). They are estimated at the platform's int8 precision; on a
// platform without int8 at the report's precision, and a warning says so.
struct QuantizationSummary {
  std::vector<std::string> forms;  // the model's forms: "qdq", "operator", "dynamic"; empty: a float model
  std::int64_t layers = 0;         // quantized layers (rows with quantized set)
  std::int64_t macs = 0;           // their MACs per inference (repeats included)
  double macs_percent = 0;         // 100 x macs / the MACs of all rows (0 when there are none)
  // What the quantized layers were estimated at; absent when layers is 0.
  std::optional<Precision> precision;
  // The platform's roofs at that precision (mode applied), GOP/s and GB/s; 0 when layers is 0.
  double peak_gops = 0;
  double bandwidth_gbps = 0;
};

// ONNX Runtime's NCHWc reorders (layout.h) as a network-level term, on a profile with both
// fitted reorder costs (Platform::nchwc, ReorderBlock): each ReorderInput and ReorderOutput of
// the fused layers costs its direction's const_ms + ns_per_element x 1e-6 x elements plus one
// dispatch_ms (a reorder is a kernel). In no row: shown apart, added to the total once.
// docs/host-cost-model.md section 10.
struct ReorderTerm {
  std::int64_t block = 0;  // the profile's nchwc.block
  ReorderCounts counts;
  double ms = 0;           // input_ms + output_ms + dispatch_ms
  double input_ms = 0;     // inputs x const + ns x 1e-6 x input_elements
  double output_ms = 0;    // likewise for the ReorderOutputs
  double dispatch_ms = 0;  // the platform's dispatch_ms x (inputs + outputs)
  double energy_mj = 0;    // ms x the eltwise class's active power (Platform::ActivePowerW)
  std::int64_t Count() const { return counts.inputs + counts.outputs; }
};

struct Report {
  std::string model;  // network name
  std::string model_path;
  std::string platform;
  std::string platform_path;
  Precision precision = Precision::kFp32;  // the network's (quantized layers: `quantization`)
  QuantizationSummary quantization;
  // The platform's roofs at `precision` (mode applied): GOP/s and GB/s.
  double peak_gops = 0;
  double bandwidth_gbps = 0;
  std::vector<ReportRow> rows;
  double overhead_ms = 0;
  // The platform's dispatch_ms x the executed (non-free) layers, repeats
  // included: already inside the rows' ms (a row's ms is its kernel time plus
  // one dispatch per repeat), shown apart.
  double dispatch_ms = 0;
  // The NCHWc reorders (ReorderTerm); absent on profiles without fitted reorder costs.
  std::optional<ReorderTerm> reorders;
  // Invariant: total_ms == sum of rows[i].ms + overhead_ms (+ reorders->ms).
  double total_ms = 0;
  double overhead_energy_mj = 0;  // overhead_ms x idle power
  // Invariant: energy_mj == sum of rows[i].energy_mj + overhead_energy_mj (+ reorders->energy_mj).
  double energy_mj = 0;
  double avg_power_w = 0;  // energy_mj / total_ms (0 when total_ms is 0)
  Counts totals;           // over the original network (before fusion)
  std::int64_t nodes = 0;  // ONNX nodes covered (== network.layers.size())
  std::vector<std::string> warnings;
  // How far to trust total_ms: the profile's `validation` and the interval
  // (absent when the profile has neither a profile interval nor one for every
  // class that costs time).
  std::optional<Validation> validation;
  std::optional<EstimateInterval> interval;
  std::optional<CacheChoice> cache;
};

// Above this fraction of the layer time in rows flagged "extrapolated", a
// report warns that the fitted profile is used far from its measurements.
constexpr double kExtrapolatedWarnFraction = 0.5;

// Fuse, estimate every layer with the estimator its class names, sum.
// Throws Error if the platform lacks the precision or names an unknown estimator.
// Warnings (one line each) besides the network's: unknown ops; step_linear
// classes whose fits lack the precision (their fallback ran); more than
// kExtrapolatedWarnFraction of the layer time from extrapolated layers;
// quantized layers on a platform without int8 (estimated at `precision`).
Report EstimateNetwork(const Network& network, const Platform& platform, const EstimateOptions& options = {});

// Estimating in a loop (README "Estimating in a loop"): EstimateNetwork is
// EstimateNetwork(FuseNetwork(network, platform), PlanPlatform(platform,
// options)). A loop over platforms, precisions or modes fuses each network once
// per set of fusion rules (fusion.h: FuseNetwork), plans each platform once
// per precision, and calls EstimateTotal, which allocates nothing.

// A platform resolved for one precision: per op class the estimator, roofs
// and power. Holds pointers into the estimator registry only, not into
// `platform`: it outlives the Platform. The per-class plans are internal
// (src/layer_cost.h: ClassPlan).
struct PlatformPlan {
  Precision precision = Precision::kFp32;
  std::string platform;  // Platform::DisplayName()
  std::string platform_path;
  double peak_gops = 0;  // the roofs at `precision`
  double bandwidth_gbps = 0;
  double overhead_ms = 0;
  double dispatch_ms = 0;  // per executed node (Platform::dispatch_ms; 0 when absent)
  // The NCHWc reorders (ReorderTerm): ReorderBlock(platform), 0 when not priced; per direction
  // (input, output) const_ms and ns per element; the power they are charged at.
  std::int64_t nchwc_block = 0;
  std::array<double, 2> reorder_const_ms{}, reorder_ns{};
  double reorder_power_w = 0;
  // ResizeNchwcBlock(platform): a nearest Resize that the NCHWc layout at this block runs NCHWc
  // takes the class resize_nchwc (its row's layer too); 0: no such class, every Resize is resize.
  std::int64_t resize_nchwc_block = 0;
  // The platform lists the class conv1d: a float Conv over one spatial dimension (IsConv1d) takes
  // it; without it such a layer keeps its conv or dwconv class, as before the class existed.
  bool conv1d = false;
  // Platform::fused_activation by FusedActivation: ns per output element and ms per layer (0: none).
  std::array<double, kFusedActivationCount> activation_ns{};
  std::array<double, kFusedActivationCount> activation_ms{};
  double idle_power_w = 0;
  std::uint64_t fusion_fingerprint = 0;   // FusionFingerprint(platform.fusion)
  std::vector<ClassPlan> classes;         // by OpClass (internal)
  // For quantized layers (FusedNetwork): by OpClass, at quantized_precision:
  // int8 where the platform has it, else `precision`.
  Precision quantized_precision = Precision::kFp32;
  double quantized_peak_gops = 0;  // the roofs at quantized_precision
  double quantized_bandwidth_gbps = 0;
  std::vector<ClassPlan> quantized;
  const EstimatorInfo* free = nullptr;    // for fused layers marked free
  const EstimatorInfo* memory = nullptr;  // for unknown ops
  std::optional<RatioInterval> interval;  // Platform::interval
  std::optional<Validation> validation;   // Platform::validation
  // Cache state (EstimateOptions::cache): the mode asked for, whether any
  // class has a warm model (ClassPlan), the profile's capacity (-1: none).
  CacheMode cache_mode = CacheMode::kAuto;
  bool warm_models = false;
  std::int64_t cache_capacity_bytes = -1;
  std::optional<CacheShare> cache_share;  // the profile's partial cache state (CacheCapacity::share)
  std::optional<CacheInt8> cache_int8;    // the int8 convolutions in the partial state (CacheCapacity::int8)

  // Out of line: ClassPlan is complete only inside the library.
  PlatformPlan();
  ~PlatformPlan();
  PlatformPlan(const PlatformPlan&);
  PlatformPlan(PlatformPlan&&) noexcept;
  PlatformPlan& operator=(const PlatformPlan&);
  PlatformPlan& operator=(PlatformPlan&&) noexcept;
};
// Throws Error as EstimateNetwork does: precision not supported, unknown estimator,
// --cache warm on a profile without warm models.
PlatformPlan PlanPlatform(const Platform& platform, const EstimateOptions& options = {});

// The totals of a Report, without its rows (ms, mJ, W as in Report).
struct EstimateTotals {
  double layers_ms = 0;  // sum of the rows' ms
  double overhead_ms = 0;
  double total_ms = 0;  // layers_ms + overhead_ms + reorder_ms
  double overhead_energy_mj = 0;
  double energy_mj = 0;
  double avg_power_w = 0;
  double reorder_ms = 0;  // Report::reorders->ms; 0 without the term
};
// total_ms, energy_mj, ... of EstimateNetwork(fused, plan), bit for bit, with
// no allocation when `fused` came from FuseNetwork(network, platform) (on a platform
// that prices NCHWc reorders, a network fused from the rules alone has its layout
// emulated here, which allocates). Throws Error when `fused` was fused with other
// rules than the plan's platform uses.
EstimateTotals EstimateTotal(const FusedNetwork& fused, const PlatformPlan& plan);
// The full report (rows, flags, warnings). Same error as EstimateTotal.
Report EstimateNetwork(const FusedNetwork& fused, const PlatformPlan& plan);
// The platform's precision_fallback rule that applies to `fused` asked for at `asked`, or nullptr.
// EstimateNetwork(network, platform, options) applies it (a warning says so); the loop API above
// takes its plan's precision as given.
const PrecisionFallback* FallbackFor(const Platform& platform, Precision asked, const FusedNetwork& fused);
// The cache state EstimateTotal and EstimateNetwork use for `fused` on `plan`
// (nullopt: the profile has no warm models; cold, as always).
std::optional<CacheChoice> ChooseCache(const FusedNetwork& fused, const PlatformPlan& plan);
// The bytes of the outputs the layers of `fused` that are not free write: 4 bytes
// per element of each such layer's first output (tools/ort/share_candidates.py's
// "activations": the layers whose estimator is not "free"); a size variable of
// the partial cache state (CacheShare::size).
std::int64_t ExecutedOutputBytes(const FusedNetwork& fused);
// The network's sizes a cache share may use (CacheShare::size): its weights, ExecutedOutputBytes,
// and over the executed (not free) layers the largest and the mean footprint, a layer's footprint
// being 4 B x (its activation input + output elements) + its weight bytes. Allocates nothing unless
// with_peak: then also peak_bytes (PeakLiveBytes).
NetworkSizes NetworkSizesOf(const FusedNetwork& fused, bool with_peak = true);
// The peak of the live activations of `fused` (the size weights+peak, helper smallnet): 4 B per element;
// walking the layers in order, a tensor written by an executed (not free) layer is live from that layer to
// the last layer that reads it (the end for a network output), a free layer's outputs alias its first
// activation input, a graph input (read, never written, not a weight or constant) is live from the start;
// the largest sum of live bytes at an executed layer. 0 for a network without executed layers.
std::int64_t PeakLiveBytes(const FusedNetwork& fused);

}  // namespace odonata
