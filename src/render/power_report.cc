// `odonata power-trace` output: energy per window, then how decimating the
// trace moves those energies (table); the same as JSON; the windows as CSV.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "format.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using Json = nlohmann::ordered_json;
using report::Align;
using report::FormatFixed;
using report::FormatNumber;

double TotalMj(const PowerTraceReport& r) {
  double sum = 0;
  for (const WindowEnergy& e : r.windows) sum += e.energy_mj;
  return sum;
}

void RenderTable(const PowerTraceReport& r, std::ostream& out) {
  out << "sampling   " << FormatFixed(r.rate_hz, 0) << " Hz (mean)\n";
  if (r.detection) {
    out << "detection  idle " << FormatFixed(r.detection->idle_w, 3) << " W, busy "
        << FormatFixed(r.detection->busy_w, 3) << " W, threshold " << FormatFixed(r.detection->threshold_w, 3)
        << " W\n";
  }
  out << '\n';
  std::vector<std::vector<std::string>> cells;
  for (std::size_t i = 0; i < r.windows.size(); ++i) {
    const WindowEnergy& e = r.windows[i];
    cells.push_back({std::to_string(i + 1), e.window.name, FormatFixed(e.window.start_s, 6),
                     FormatFixed(e.window.end_s, 6), FormatFixed(1e3 * (e.window.end_s - e.window.start_s), 3),
                     std::to_string(e.samples), FormatFixed(e.energy_mj, 4), FormatFixed(e.mean_power_w, 3)});
  }
  report::WriteTable({{"#", Align::kRight},
                      {"window", Align::kLeft, report::Elide::kEnd, 24},
                      {"start s", Align::kRight},
                      {"end s", Align::kRight},
                      {"ms", Align::kRight},
                      {"samples", Align::kRight},
                      {"mJ", Align::kRight},
                      {"mean W", Align::kRight}},
                     cells, 140, out);
  out << "\ntotal      " << FormatFixed(TotalMj(r), 4) << " mJ over " << r.windows.size() << " window"
      << (r.windows.size() == 1 ? "" : "s") << '\n';
  if (!r.decimation.empty()) {
    out << "\ndecimated (every k-th sample kept): change of the window energies\n";
    std::vector<std::vector<std::string>> rows;
    for (const DecimationStep& d : r.decimation) {
      rows.push_back({std::to_string(d.factor), FormatFixed(d.rate_hz, 0), FormatFixed(d.min_samples, 0),
                      FormatFixed(d.max_abs_change_pct, 3), FormatFixed(d.mean_abs_change_pct, 3)});
    }
    report::WriteTable({{"k", Align::kRight},
                        {"Hz", Align::kRight},
                        {"min samples", Align::kRight},
                        {"max |change| %", Align::kRight},
                        {"mean |change| %", Align::kRight}},
                       rows, 140, out);
  }
}

void RenderJson(const PowerTraceReport& r, std::ostream& out) {
  Json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["rate_hz"] = r.rate_hz;
  if (r.detection) {
    j["detection"] = {
        {"idle_w", r.detection->idle_w}, {"busy_w", r.detection->busy_w}, {"threshold_w", r.detection->threshold_w}};
  }
  j["energy_mj"] = TotalMj(r);
  Json windows = Json::array();
  for (const WindowEnergy& e : r.windows) {
    windows.push_back({{"name", e.window.name},
                       {"start_s", e.window.start_s},
                       {"end_s", e.window.end_s},
                       {"samples", e.samples},
                       {"energy_mj", e.energy_mj},
                       {"mean_power_w", e.mean_power_w}});
  }
  j["windows"] = std::move(windows);
  Json decimation = Json::array();
  for (const DecimationStep& d : r.decimation) {
    decimation.push_back({{"factor", d.factor},
                          {"rate_hz", d.rate_hz},
                          {"min_samples", d.min_samples},
                          {"max_abs_change_pct", d.max_abs_change_pct},
                          {"mean_abs_change_pct", d.mean_abs_change_pct}});
  }
  j["decimation"] = std::move(decimation);
  j["warnings"] = r.warnings;
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void RenderCsv(const PowerTraceReport& r, std::ostream& out) {
  report::WriteCsvRecord({"name", "start_s", "end_s", "samples", "energy_mj", "mean_power_w"}, out);
  for (const WindowEnergy& e : r.windows) {
    report::WriteCsvRecord({e.window.name, FormatNumber(e.window.start_s), FormatNumber(e.window.end_s),
                            std::to_string(e.samples), FormatNumber(e.energy_mj), FormatNumber(e.mean_power_w)},
                           out);
  }
}

}  // namespace

void RenderPowerTrace(const PowerTraceReport& report, Format format, std::ostream& out) {
  static constexpr report::Renderers<PowerTraceReport, 4> kRenderers{"power-trace",
                                                                     {RenderTable, RenderJson, RenderCsv, nullptr}};
  report::Dispatch(kRenderers, report, format, out);
}

}  // namespace odonata
