// Power traces (`odonata power-trace`): integrate a sampled power trace over
// time windows (per layer or per inference) to get energy per window.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace odonata {

// Samples of power over time; times strictly increasing.
struct PowerTrace {
  std::vector<double> time_s;
  std::vector<double> watts;
  std::string origin;  // file name, for messages
};

struct PowerTraceOptions {
  // Resistance of a current shunt, ohms: needed for a `shunt_v` column.
  std::optional<double> shunt_ohms;
};

// Parse a trace CSV (header row, ',' separated, '#' comments). Columns:
// `time_s` and one of: `watts`; `volts` and `amps`; `volts` and `shunt_v`
// (power = volts x shunt_v / shunt_ohms). Other columns are an error.
// Errors name the file and line ("t.csv:7: time_s: 0.5 is not after 0.6").
PowerTrace ParsePowerTrace(const std::string& csv_text, const std::string& origin,
                           const PowerTraceOptions& options = {});

// ParsePowerTrace on the contents of `path`.
PowerTrace LoadPowerTrace(const std::string& path, const PowerTraceOptions& options = {});

struct PowerWindow {
  std::string name;
  double start_s = 0;
  double end_s = 0;  // > start_s
};

// Parse an events CSV: columns `start_s`, `end_s`, `name` (any order).
std::vector<PowerWindow> ParsePowerEvents(const std::string& csv_text, const std::string& origin);

std::vector<PowerWindow> LoadPowerEvents(const std::string& path);

struct WindowEnergy {
  PowerWindow window;
  double energy_mj = 0;      // trapezoid integral of power over the window (J x 1e3)
  double mean_power_w = 0;   // energy / duration
  std::int64_t samples = 0;  // samples inside [start_s, end_s]
};

// Integrate over one window: trapezoid rule on the samples, with the power at
// the window's edges interpolated linearly. Throws Error if the window is not
// inside the trace.
WindowEnergy IntegrateWindow(const PowerTrace& trace, const PowerWindow& window);

struct Detection {
  double idle_w = 0;                 // 10th percentile of power
  double busy_w = 0;                 // 90th percentile
  double threshold_w = 0;            // midpoint
  std::vector<PowerWindow> windows;  // "inference 1", ...
};

// Inference boundaries without an events file: runs of power above the
// midpoint between the idle and busy levels, at least `min_duration_s` long,
// with edges at the interpolated threshold crossings.
Detection DetectWindows(const PowerTrace& trace, double min_duration_s);

// How the window energies change when only every `factor`-th sample is kept.
struct DecimationStep {
  std::int64_t factor = 1;
  double rate_hz = 0;             // mean sampling rate after decimation
  double min_samples = 0;         // fewest samples in a window
  double max_abs_change_pct = 0;  // over windows, vs the full trace
  double mean_abs_change_pct = 0;
};

struct PowerTraceReport {
  std::vector<WindowEnergy> windows;
  std::optional<Detection> detection;  // when no events were given
  double rate_hz = 0;                  // mean sampling rate of the trace
  std::vector<DecimationStep> decimation;
  std::vector<std::string> warnings;
};

// The research behind the warning: about 100 kHz sampling was needed for 5%
// accuracy on per-layer energy, i.e. about 100 samples per window.
constexpr std::int64_t kMinSamplesPerWindow = 100;

// Integrate every window (events, or detected when `events` is empty), then
// decimate by 2, 4, 8, ... while every window keeps at least 2 samples.
PowerTraceReport AnalysePowerTrace(const PowerTrace& trace, const std::vector<PowerWindow>& events,
                                   double min_duration_s);

}  // namespace odonata
