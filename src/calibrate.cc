// Two-parameter calibration. Why only two: the whole-network data sets have a
// handful of rows per platform (2 to 5 calibration rows); per-class
// efficiencies would fit them exactly and say nothing about the others.
#include "odonata/calibrate.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/model.h"
#include "odonata/version.h"

namespace odonata {
namespace {

std::string Resolve(const std::string& directory, const std::string& path) {
  std::filesystem::path p(path);
  return p.is_absolute() || directory.empty() ? path : (std::filesystem::path(directory) / p).string();
}

bool LayersOnly(const ValidationRow& row) { return row.measures == "layers_sum"; }

}  // namespace

Calibration CalibratePlatform(const std::vector<ValidationRow>& rows, const Platform& platform, bool fit_overhead) {
  if (rows.empty()) throw Error("calibrate: no calibration rows for platform '" + platform.name + "'");
  std::vector<double> layers, measured;
  std::vector<bool> with_overhead;
  Calibration c;
  std::map<std::string, Network> cache;
  for (const ValidationRow& row : rows) {
    const std::string path = Resolve(row.directory, row.model);
    std::string key = path;
    for (const auto& [name, shape] : row.input_shapes) key += ";" + name + "=" + ShapeToString(shape);
    key += "\n" + FormatNmsCompares(row.nms_compares);
    auto it = cache.find(key);
    if (it == cache.end()) {
      LoadOptions options;
      options.input_shapes = row.input_shapes;
      options.nms_compares = row.nms_compares;
      try {
        it = cache.emplace(key, LoadModel(path, options)).first;
      } catch (const Error& e) {
        throw e.WithContext(row.origin);
      }
    }
    EstimateOptions options;
    options.precision = row.precision;
    Report r;
    try {
      r = EstimateNetwork(it->second, platform, options);
    } catch (const Error& e) {
      throw e.WithContext(row.origin);
    }
    layers.push_back(r.total_ms - r.overhead_ms);
    measured.push_back(row.measured_ms);
    with_overhead.push_back(!LayersOnly(row));
    c.rows.push_back(row.origin);
  }
  // Weighted least squares for [scale, overhead]: each row divided by its
  // measurement, so that every row counts by its relative error. Without the
  // overhead, the profile's is kept: the scale explains measured - overhead.
  auto solve = [&](bool overhead, double* s, double* o) {
    double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const double x1 = layers[i] / measured[i];
      const double x2 = (overhead && with_overhead[i]) ? 1.0 / measured[i] : 0.0;
      const double kept = (!overhead && with_overhead[i]) ? platform.overhead_ms.value : 0.0;
      a11 += x1 * x1;
      a12 += x1 * x2;
      a22 += x2 * x2;
      b1 += x1 * (1.0 - kept / measured[i]);
      b2 += x2;
    }
    const double det = a11 * a22 - a12 * a12;
    if (overhead && a22 > 0 && std::fabs(det) > 1e-12 * a11 * a22) {
      *s = (b1 * a22 - b2 * a12) / det;
      *o = (a11 * b2 - a12 * b1) / det;
    } else {
      *s = a11 > 0 ? b1 / a11 : 1.0;
      *o = 0;
    }
  };
  double s = 1, o = 0;
  solve(fit_overhead, &s, &o);
  if (o < 0) solve(false, &s, &o);
  if (!(s > 0)) throw Error("calibrate: the fitted scale is not positive; the rows disagree with the profile");
  auto mape = [&](double scale, double overhead) {
    double sum = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const double e = scale * layers[i] + (with_overhead[i] ? overhead : 0.0);
      sum += std::fabs(e - measured[i]) / measured[i];
    }
    return 100.0 * sum / static_cast<double>(layers.size());
  };
  c.mape_before = mape(1.0, platform.overhead_ms.value);
  c.scale = s;
  c.overhead_fitted = fit_overhead && o > 0;
  c.overhead_ms = c.overhead_fitted ? o : platform.overhead_ms.value;
  c.mape_after = mape(s, c.overhead_ms);
  return c;
}

Platform ApplyCalibration(const Platform& platform, const Calibration& c, const std::string& source) {
  Platform p = platform;
  bool capped = false;
  auto scale_class = [&](ClassModel& m) {
    for (Sourced* eff : {&m.compute_efficiency, &m.memory_efficiency}) {
      double v = eff->value / c.scale;
      if (v > 1.0) {
        v = 1.0;
        capped = true;
      }
      eff->value = v;
      eff->source += "; scaled by 1/" + std::to_string(c.scale) + " (" + source + ")";
    }
    for (FittedModel& f : m.fitted) {
      for (FittedTerm& t : f.terms) t.coef *= c.scale;
      f.source += "; scaled by " + std::to_string(c.scale) + " (" + source + ")";
    }
    if (m.group_waves) {  // a time per wave, in ms: part of the layer times the scale multiplies
      m.group_waves->ms_per_wave *= c.scale;
      m.group_waves->source += "; scaled by " + std::to_string(c.scale) + " (" + source + ")";
    }
  };
  scale_class(p.default_class);
  for (auto& [cls, m] : p.classes) scale_class(m);
  // The dispatch term is in the layer times the scale was fitted to (total - overhead): scaled with them.
  if (p.dispatch_ms) {
    p.dispatch_ms->value *= c.scale;
    p.dispatch_ms->source += "; scaled by " + std::to_string(c.scale) + " (" + source + ")";
  }
  if (c.overhead_fitted) p.overhead_ms = {c.overhead_ms, source};
  p.notes.push_back("Calibrated (" + source + "): layer times x" + std::to_string(c.scale) +
                    (c.overhead_fitted ? ", overhead " + std::to_string(c.overhead_ms) + " ms" : "") +
                    "; MAPE on the " + std::to_string(c.rows.size()) + " calibration rows " +
                    std::to_string(c.mape_before) + "% -> " + std::to_string(c.mape_after) + "%.");
  if (capped) {
    p.notes.push_back(
        "Some efficiencies would exceed 1 after calibration and were capped: those classes stay faster "
        "than the calibration asks.");
  }
  return p;
}

std::string CalibrationSummary(const Calibration& c) {
  char overhead[64] = ", overhead kept";
  if (c.overhead_fitted) std::snprintf(overhead, sizeof overhead, ", overhead %.3f ms", c.overhead_ms);
  char text[256];
  std::snprintf(text, sizeof text, "%zu calibration rows, layer times x%.4g%s, MAPE %.2f%% -> %.2f%%", c.rows.size(),
                c.scale, overhead, c.mape_before, c.mape_after);
  return text;
}

std::vector<ValidationRow> SelectCalibrationRows(const std::vector<ValidationRow>& rows, const std::string& platform,
                                                 const std::optional<std::string>& measures) {
  std::vector<ValidationRow> chosen;
  std::set<std::string> kinds;
  for (const ValidationRow& row : rows) {
    if (!row.calibration || row.platform != platform) continue;
    if (measures && row.measures != *measures) continue;
    kinds.insert(row.measures);
    chosen.push_back(row);
  }
  if (chosen.empty()) {
    throw Error("calibrate: no calibration rows of platform '" + platform + "'" +
                (measures ? " measuring '" + *measures + "'" : ""));
  }
  kinds.erase("layers_sum");
  if (kinds.size() > 1) {
    std::string list;
    for (const std::string& k : kinds) list += (list.empty() ? "'" : ", '") + k + "'";
    throw Error("calibrate: the calibration rows measure different things (" + list + "); choose one with --measures",
                ExitCode::kUsage);
  }
  return chosen;
}

SuiteCalibration CalibrateFromSuites(const std::vector<std::string>& suites, const Platform& platform,
                                     const CalibrateOptions& options) {
  std::vector<ValidationRow> all;
  std::string files;
  for (const std::string& suite : suites) {
    for (ValidationRow& row : ReadValidationSuite(suite)) all.push_back(std::move(row));
    files += (files.empty() ? "" : ", ") + suite;
  }
  const std::vector<ValidationRow> rows = SelectCalibrationRows(all, platform.name, options.measures);
  SuiteCalibration out;
  out.calibration = CalibratePlatform(rows, platform, options.fit_overhead);
  const std::string source = "calibrated by odonata " + std::string(Version()) + " on the " +
                             std::to_string(rows.size()) + " calibration rows of " + files +
                             (options.measures ? " measuring '" + *options.measures + "'" : "");
  out.platform = ApplyCalibration(platform, out.calibration, source);
  return out;
}

}  // namespace odonata
