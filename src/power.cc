// Power-trace integration: parse a sampled trace and event windows, integrate
// energy per window, detect inferences, and measure how decimation moves the
// result (a trace sampled too slowly for its windows is a wrong answer that
// looks right).
#include "odonata/power.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "io.h"
#include "odonata/errors.h"
#include "text.h"

namespace odonata {
namespace {

using text::CsvReader;
using text::CsvRecord;

std::string Str(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

double ParseNumber(const std::string& field, const std::string& where, const std::string& column) {
  const std::string text(text::Trim(field));
  double v = 0;
  const text::Parsed parsed = text::ParseWhole(text, &v);
  if (parsed == text::Parsed::kNotFinite) throw Error(where + ": " + column + ": '" + text + "' is not a finite number");
  if (parsed != text::Parsed::kOk) throw Error(where + ": " + column + ": '" + text + "' is not a number");
  return v;
}

// Column name -> index; unknown names are an error with a suggestion.
std::map<std::string, std::size_t> ReadHeader(const CsvRecord& r, const std::string& origin,
                                              const std::vector<std::string>& known) {
  const std::string where = origin + ":" + std::to_string(r.line);
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < r.fields.size(); ++i) {
    const std::string name(text::Trim(r.fields[i]));
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      const std::string near = text::ClosestMatch(name, known);
      std::string all;
      for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
      throw Error(where + ": unknown column '" + name + "' " +
                  (near.empty() ? "(columns: " + all + ")" : "(did you mean '" + near + "'?)"));
    }
    if (!index.emplace(name, i).second) throw Error(where + ": duplicate column '" + name + "'");
  }
  return index;
}

// Linear interpolation of the power at time t (t within the trace).
double PowerAt(const PowerTrace& trace, double t) {
  const auto& ts = trace.time_s;
  auto hi = std::lower_bound(ts.begin(), ts.end(), t);
  if (hi == ts.begin()) return trace.watts.front();
  if (hi == ts.end()) return trace.watts.back();
  const std::size_t j = static_cast<std::size_t>(hi - ts.begin());
  const std::size_t i = j - 1;
  const double f = (t - ts[i]) / (ts[j] - ts[i]);
  return trace.watts[i] + f * (trace.watts[j] - trace.watts[i]);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const std::size_t i = static_cast<std::size_t>(pos);
  const std::size_t j = std::min(i + 1, v.size() - 1);
  return v[i] + (pos - static_cast<double>(i)) * (v[j] - v[i]);
}

double MeanRate(const PowerTrace& trace) {
  const double span = trace.time_s.back() - trace.time_s.front();
  return span > 0 ? static_cast<double>(trace.time_s.size() - 1) / span : 0.0;
}

}  // namespace

PowerTrace LoadPowerTrace(const std::string& path, const PowerTraceOptions& options) {
  return ParsePowerTrace(ReadFile(path), path, options);
}

std::vector<PowerWindow> LoadPowerEvents(const std::string& path) { return ParsePowerEvents(ReadFile(path), path); }

PowerTrace ParsePowerTrace(const std::string& csv_text, const std::string& origin, const PowerTraceOptions& options) {
  CsvReader reader(csv_text, origin);
  CsvRecord r;
  if (!reader.Next(&r)) throw Error(origin + ":1: no header row (the file is empty)");
  const auto col = ReadHeader(r, origin, {"time_s", "watts", "volts", "amps", "shunt_v"});
  const std::string header_at = origin + ":" + std::to_string(r.line);
  auto has = [&](const char* c) { return col.count(c) > 0; };
  if (!has("time_s")) throw Error(header_at + ": missing required column 'time_s'");
  enum class Kind { kWatts, kVoltsAmps, kShunt } kind;
  const int ways = (has("watts") ? 1 : 0) + (has("amps") ? 1 : 0) + (has("shunt_v") ? 1 : 0);
  if (ways != 1) {
    throw Error(header_at + ": give power as one of: watts; volts and amps; volts and shunt_v (with --shunt-ohms)");
  }
  if (has("watts")) {
    kind = Kind::kWatts;
    if (has("volts")) throw Error(header_at + ": 'volts' is not used with 'watts'");
  } else {
    if (!has("volts"))
      throw Error(header_at + ": missing column 'volts' (needed with '" +
                  std::string(has("amps") ? "amps" : "shunt_v") + "')");
    kind = has("amps") ? Kind::kVoltsAmps : Kind::kShunt;
  }
  if (kind == Kind::kShunt && !options.shunt_ohms) {
    throw Error(header_at + ": a 'shunt_v' column needs the shunt resistance (--shunt-ohms)");
  }
  if (options.shunt_ohms && !(*options.shunt_ohms > 0)) throw Error("--shunt-ohms must be > 0");

  PowerTrace trace;
  trace.origin = origin;
  const std::size_t fields = r.fields.size();
  while (reader.Next(&r)) {
    const std::string where = origin + ":" + std::to_string(r.line);
    if (r.fields.size() != fields) {
      throw Error(where + ": expected " + std::to_string(fields) + " fields, got " + std::to_string(r.fields.size()));
    }
    auto get = [&](const char* c) { return ParseNumber(r.fields[col.at(c)], where, c); };
    const double t = get("time_s");
    if (!trace.time_s.empty() && !(t > trace.time_s.back())) {
      throw Error(where + ": time_s: " + Str(t) + " is not after " + Str(trace.time_s.back()) +
                  " (times must increase)");
    }
    double w = 0;
    switch (kind) {
      case Kind::kWatts:
        w = get("watts");
        break;
      case Kind::kVoltsAmps:
        w = get("volts") * get("amps");
        break;
      case Kind::kShunt:
        w = get("volts") * get("shunt_v") / *options.shunt_ohms;
        break;
    }
    trace.time_s.push_back(t);
    trace.watts.push_back(w);
  }
  if (trace.time_s.size() < 2) throw Error(origin + ": a trace needs at least 2 samples");
  return trace;
}

std::vector<PowerWindow> ParsePowerEvents(const std::string& csv_text, const std::string& origin) {
  CsvReader reader(csv_text, origin);
  CsvRecord r;
  if (!reader.Next(&r)) throw Error(origin + ":1: no header row (the file is empty)");
  const auto col = ReadHeader(r, origin, {"start_s", "end_s", "name"});
  for (const char* c : {"start_s", "end_s", "name"}) {
    if (!col.count(c)) throw Error(origin + ":" + std::to_string(r.line) + ": missing required column '" + c + "'");
  }
  const std::size_t fields = r.fields.size();
  std::vector<PowerWindow> out;
  while (reader.Next(&r)) {
    const std::string where = origin + ":" + std::to_string(r.line);
    if (r.fields.size() != fields) {
      throw Error(where + ": expected " + std::to_string(fields) + " fields, got " + std::to_string(r.fields.size()));
    }
    PowerWindow w;
    w.start_s = ParseNumber(r.fields[col.at("start_s")], where, "start_s");
    w.end_s = ParseNumber(r.fields[col.at("end_s")], where, "end_s");
    w.name = std::string(text::Trim(r.fields[col.at("name")]));
    if (!(w.end_s > w.start_s))
      throw Error(where + ": end_s " + Str(w.end_s) + " is not after start_s " + Str(w.start_s));
    out.push_back(std::move(w));
  }
  if (out.empty()) throw Error(origin + ": no events");
  return out;
}

WindowEnergy IntegrateWindow(const PowerTrace& trace, const PowerWindow& window) {
  const auto& ts = trace.time_s;
  if (window.start_s < ts.front() || window.end_s > ts.back()) {
    throw Error(trace.origin + ": window '" + window.name + "' [" + Str(window.start_s) + ", " + Str(window.end_s) +
                "] s is outside the trace [" + Str(ts.front()) + ", " + Str(ts.back()) + "] s");
  }
  WindowEnergy e;
  e.window = window;
  const auto first = std::lower_bound(ts.begin(), ts.end(), window.start_s);
  const auto last = std::upper_bound(ts.begin(), ts.end(), window.end_s);
  e.samples = last - first;
  // Trapezoids between the window's edges and the samples inside it.
  double t0 = window.start_s, w0 = PowerAt(trace, window.start_s), joules = 0;
  for (auto it = first; it != last; ++it) {
    const std::size_t i = static_cast<std::size_t>(it - ts.begin());
    joules += 0.5 * (w0 + trace.watts[i]) * (ts[i] - t0);
    t0 = ts[i];
    w0 = trace.watts[i];
  }
  joules += 0.5 * (w0 + PowerAt(trace, window.end_s)) * (window.end_s - t0);
  e.energy_mj = joules * 1e3;
  e.mean_power_w = joules / (window.end_s - window.start_s);
  return e;
}

Detection DetectWindows(const PowerTrace& trace, double min_duration_s) {
  Detection d;
  d.idle_w = Percentile(trace.watts, 0.10);
  d.busy_w = Percentile(trace.watts, 0.90);
  d.threshold_w = 0.5 * (d.idle_w + d.busy_w);
  if (!(d.busy_w > d.idle_w)) return d;  // flat trace: nothing to find
  const auto& ts = trace.time_s;
  const auto& w = trace.watts;
  auto crossing = [&](std::size_t i) {  // between samples i-1 and i
    const double f = (d.threshold_w - w[i - 1]) / (w[i] - w[i - 1]);
    return ts[i - 1] + f * (ts[i] - ts[i - 1]);
  };
  bool in_run = w[0] > d.threshold_w;
  double start = ts[0];
  for (std::size_t i = 1; i < ts.size(); ++i) {
    const bool above = w[i] > d.threshold_w, was = w[i - 1] > d.threshold_w;
    if (above && !was) {
      in_run = true;
      start = crossing(i);
    }
    if (!above && was && in_run) {
      const double end = crossing(i);
      if (end - start >= min_duration_s) {
        d.windows.push_back({"inference " + std::to_string(d.windows.size() + 1), start, end});
      }
      in_run = false;
    }
  }
  // A run still above the threshold at the end is cut off: not a whole inference.
  return d;
}

PowerTraceReport AnalysePowerTrace(const PowerTrace& trace, const std::vector<PowerWindow>& events,
                                   double min_duration_s) {
  PowerTraceReport report;
  report.rate_hz = MeanRate(trace);
  std::vector<PowerWindow> windows = events;
  if (events.empty()) {
    report.detection = DetectWindows(trace, min_duration_s);
    windows = report.detection->windows;
    if (windows.empty()) {
      report.warnings.push_back("no inference detected: power never stays above " + Str(report.detection->threshold_w) +
                                " W for " + Str(min_duration_s) + " s");
    }
  }
  for (const PowerWindow& w : windows) report.windows.push_back(IntegrateWindow(trace, w));
  if (report.windows.empty()) return report;

  std::int64_t fewest = report.windows.front().samples;
  std::string fewest_name = report.windows.front().window.name;
  for (const WindowEnergy& e : report.windows) {
    if (e.samples < fewest) {
      fewest = e.samples;
      fewest_name = e.window.name;
    }
  }
  if (fewest < kMinSamplesPerWindow) {
    report.warnings.push_back("window '" + fewest_name + "' has " + std::to_string(fewest) + " samples (< " +
                              std::to_string(kMinSamplesPerWindow) + ") at " + Str(std::round(report.rate_hz)) +
                              " Hz: too few for about 5% accuracy (the research needed about 100 kHz for per-layer "
                              "energy); see the decimation table for how much the energies move");
  }

  // Decimate: keep every factor-th sample (and the last, so every window stays inside).
  for (std::int64_t factor = 2; factor <= 1024; factor *= 2) {
    PowerTrace d;
    d.origin = trace.origin;
    for (std::size_t i = 0; i < trace.time_s.size(); i += static_cast<std::size_t>(factor)) {
      d.time_s.push_back(trace.time_s[i]);
      d.watts.push_back(trace.watts[i]);
    }
    if (d.time_s.back() != trace.time_s.back()) {
      d.time_s.push_back(trace.time_s.back());
      d.watts.push_back(trace.watts.back());
    }
    DecimationStep step;
    step.factor = factor;
    step.rate_hz = MeanRate(d);
    step.min_samples = 1e300;
    double sum = 0;
    for (const WindowEnergy& full : report.windows) {
      const WindowEnergy e = IntegrateWindow(d, full.window);
      step.min_samples = std::min(step.min_samples, static_cast<double>(e.samples));
      const double change =
          full.energy_mj != 0 ? 100.0 * std::fabs(e.energy_mj - full.energy_mj) / std::fabs(full.energy_mj) : 0.0;
      step.max_abs_change_pct = std::max(step.max_abs_change_pct, change);
      sum += change;
    }
    step.mean_abs_change_pct = sum / static_cast<double>(report.windows.size());
    if (step.min_samples < 2) break;
    report.decimation.push_back(step);
  }
  return report;
}

}  // namespace odonata
