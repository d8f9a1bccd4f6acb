// Power-trace integration on synthetic traces whose energy is known exactly.
#include "odonata/power.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>

#include "odonata/errors.h"
#include "test_util.h"

namespace odonata {
namespace {

// Idle 2 W with square pulses of 5 W: [0.1, 0.2) s and [0.5, 0.55) s, sampled at `rate_hz`
// over [0, 1] s, with Gaussian noise of `noise_w` (fixed seed).
PowerTrace Pulses(double rate_hz, double noise_w = 0) {
  PowerTrace t;
  t.origin = "synthetic";
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0.0, noise_w > 0 ? noise_w : 1.0);
  const long n = std::lround(rate_hz);
  for (long i = 0; i <= n; ++i) {
    const double s = static_cast<double>(i) / rate_hz;
    const bool busy = (i >= n / 10 && i < n / 5) || (i >= n / 2 && i < n * 55 / 100);
    t.time_s.push_back(s);
    t.watts.push_back((busy ? 5.0 : 2.0) + (noise_w > 0 ? noise(rng) : 0.0));
  }
  return t;
}

using testing::ErrorOf;

TEST(PowerTrace, SquarePulsesIntegrateToTheirEnergy) {
  const PowerTrace t = Pulses(10000);
  // 5 W x 100 ms = 500 mJ; 5 W x 50 ms = 250 mJ; idle 2 W x 200 ms = 400 mJ.
  const PowerTraceReport r = AnalysePowerTrace(t, {{"a", 0.1, 0.2}, {"b", 0.5, 0.55}, {"idle", 0.25, 0.45}}, 0.001);
  ASSERT_EQ(r.windows.size(), 3u);
  EXPECT_NEAR(r.windows[0].energy_mj, 500, 500 * 0.005);
  EXPECT_NEAR(r.windows[1].energy_mj, 250, 250 * 0.005);
  EXPECT_NEAR(r.windows[2].energy_mj, 400, 1e-9);
  EXPECT_NEAR(r.windows[2].mean_power_w, 2.0, 1e-12);
  EXPECT_EQ(r.windows[0].samples, 1001);
  EXPECT_NEAR(r.rate_hz, 10000, 1e-6);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(PowerTrace, WindowEdgesBetweenSamplesAreInterpolated) {
  PowerTrace t;
  t.origin = "ramp";
  t.time_s = {0, 1, 2};
  t.watts = {0, 2, 4};  // P = 2t: energy over [0.5, 1.5] = t^2 = 2.25 - 0.25 = 2 J
  EXPECT_NEAR(IntegrateWindow(t, {"w", 0.5, 1.5}).energy_mj, 2000, 1e-9);
  EXPECT_EQ(IntegrateWindow(t, {"w", 0.5, 1.5}).samples, 1);
  EXPECT_EQ(ErrorOf([&] {
              IntegrateWindow(t, {"late", 1.5, 2.5});
            }),
            "ramp: window 'late' [1.5, 2.5] s is outside the trace [0, 2] s");
}

TEST(PowerTrace, DetectsInferencesWithNoise) {
  const PowerTrace t = Pulses(10000, 0.2);
  const PowerTraceReport r = AnalysePowerTrace(t, {}, 0.005);
  ASSERT_TRUE(r.detection.has_value());
  EXPECT_NEAR(r.detection->threshold_w, 3.5, 0.2);
  ASSERT_EQ(r.windows.size(), 2u) << "noise spikes shorter than 5 ms are not inferences";
  EXPECT_EQ(r.windows[0].window.name, "inference 1");
  EXPECT_NEAR(r.windows[0].window.start_s, 0.1, 2e-4);
  EXPECT_NEAR(r.windows[0].window.end_s, 0.2, 2e-4);
  EXPECT_NEAR(r.windows[0].energy_mj, 500, 500 * 0.005);
  EXPECT_NEAR(r.windows[1].energy_mj, 250, 250 * 0.005);
}

TEST(PowerTrace, DecimationErrorGrowsAndSparseTracesWarn) {
  // 1 ms pulses (the per-layer scale) at 20 kHz: 20 samples per window.
  PowerTrace t;
  t.origin = "layers";
  const double rate = 20000;
  for (int i = 0; i <= 2000; ++i) {
    const double s = i / rate;
    t.time_s.push_back(s);
    // A layer whose power rises within it (not flat), so decimation matters.
    const double phase = std::fmod(s, 0.01);
    t.watts.push_back(phase < 0.001 ? 2.0 + 3.0 * std::sin(3.14159265358979 * phase / 0.001) : 2.0);
  }
  std::vector<PowerWindow> windows;
  for (int k = 1; k < 9; ++k) windows.push_back({"layer " + std::to_string(k), k * 0.01 + 0.0001, k * 0.01 + 0.0011});
  const PowerTraceReport r = AnalysePowerTrace(t, windows, 0.0);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("samples (< 100)"), std::string::npos) << r.warnings[0];
  ASSERT_GE(r.decimation.size(), 3u);
  EXPECT_EQ(r.decimation[0].factor, 2);
  EXPECT_NEAR(r.decimation[0].rate_hz, 10000, 1);
  for (std::size_t i = 1; i < r.decimation.size(); ++i) {
    EXPECT_GT(r.decimation[i].max_abs_change_pct, r.decimation[i - 1].max_abs_change_pct)
        << "factor " << r.decimation[i].factor;
  }
}

TEST(PowerTrace, ParsesWattsVoltsAmpsAndShunt) {
  PowerTrace w = ParsePowerTrace("time_s,watts\n0,1.5\n0.001,2.5\n", "w.csv");
  EXPECT_EQ(w.watts, (std::vector<double>{1.5, 2.5}));
  PowerTrace va = ParsePowerTrace("# comment\ntime_s,volts,amps\n0,5,0.2\n1,5,0.4\n", "va.csv");
  EXPECT_EQ(va.watts, (std::vector<double>{1.0, 2.0}));
  PowerTraceOptions o;
  o.shunt_ohms = 0.1;
  PowerTrace sh = ParsePowerTrace("time_s,volts,shunt_v\n0,5,0.02\n1,5,0.04\n", "s.csv", o);
  EXPECT_NEAR(sh.watts[0], 1.0, 1e-12);  // 5 V x 0.02 V / 0.1 ohm
  EXPECT_NEAR(sh.watts[1], 2.0, 1e-12);
}

TEST(PowerTrace, CsvErrorsNameFileAndLine) {
  auto trace_error = [](const std::string& text) { return ErrorOf([&] { ParsePowerTrace(text, "t.csv"); }); };
  EXPECT_EQ(trace_error("time_s,watts\n0,1\n0.002,1\n0.001,1\n"),
            "t.csv:4: time_s: 0.001 is not after 0.002 (times must increase)");
  EXPECT_EQ(trace_error("time_s,watts\n0,1\n0.001,nan\n"), "t.csv:3: watts: 'nan' is not a finite number");
  EXPECT_EQ(trace_error("time_s,watts\n0,1\n0.001,abc\n"), "t.csv:3: watts: 'abc' is not a number");
  EXPECT_EQ(trace_error("time_s,wats\n0,1\n"), "t.csv:1: unknown column 'wats' (did you mean 'watts'?)");
  EXPECT_EQ(trace_error("time_s,volts\n0,1\n"),
            "t.csv:1: give power as one of: watts; volts and amps; volts and shunt_v (with --shunt-ohms)");
  EXPECT_EQ(trace_error("time_s,volts,shunt_v\n0,1,1\n"),
            "t.csv:1: a 'shunt_v' column needs the shunt resistance (--shunt-ohms)");
  EXPECT_EQ(trace_error("watts\n1\n"), "t.csv:1: missing required column 'time_s'");
  EXPECT_EQ(trace_error("time_s,watts\n0,1\n1,2,3\n"), "t.csv:3: expected 2 fields, got 3");
  EXPECT_EQ(trace_error("time_s,watts\n0,1\n"), "t.csv: a trace needs at least 2 samples");
  auto event_error = [](const std::string& text) { return ErrorOf([&] { ParsePowerEvents(text, "e.csv"); }); };
  EXPECT_EQ(event_error("start_s,end_s,name\n0.2,0.1,conv1\n"), "e.csv:2: end_s 0.1 is not after start_s 0.2");
  EXPECT_EQ(event_error("start_s,end_s\n0,1\n"), "e.csv:1: missing required column 'name'");
  EXPECT_EQ(ParsePowerEvents("name,start_s,end_s\nconv1,0,0.5\n", "e.csv")[0].name, "conv1");
}

}  // namespace
}  // namespace odonata
