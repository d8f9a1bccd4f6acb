// The Python module odonata._odonata (pybind11): the library's objects and
// calls, wrapped as a Python user expects. python/odonata/__init__.py is the
// package's face (load, platform, estimate, ...); this file holds what must be
// fast (estimate_total, estimate_grid) or must see C++ (objects, pickling).
// Like the CLI, a thin layer: every number and every JSON text comes from the
// library (estimate.h, render.h), so Python and the CLI agree bit for bit.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <exception>
#include <thread>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "io.h"     // ReadFile, WriteFileAtomic (as the CLI uses them)
#include "odonata/check.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/explore.h"
#include "odonata/fit.h"
#include "odonata/fusion.h"
#include "odonata/model.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "odonata/version.h"
#include "units.h"  // ParseDurationMs, ... : constraints given as text read as the CLI reads them

namespace py = pybind11;

namespace odonata::python {
namespace {

// --- Search path ----------------------------------------------------------------

// The package directory (odonata/ in site-packages or the build tree), set at
// import. Profiles installed with the package are in <dir>/share/odonata/platforms,
// where PlatformSearchPath looks for those of an executable in <dir>/share (a
// directory that exists when the profiles do; the build tree's package has none,
// and the source tree's platforms/ serve).
std::string g_package_dir;

std::vector<std::string> SearchPath() {
  return PlatformSearchPath(g_package_dir.empty() ? std::string() : g_package_dir + "/share/odonata");
}

std::optional<Precision> ToPrecision(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  Precision p;
  if (!ParsePrecision(*text, &p)) throw Error("unknown precision '" + *text + "' (fp32, fp16, int8)", ExitCode::kUsage);
  return p;
}

// --- Platform -----------------------------------------------------------------------

// A profile with its plans for every precision it supports, made once: the
// fast path only looks a plan up.
class PyPlatform {
 public:
  explicit PyPlatform(Platform platform) : platform_(std::move(platform)) {
    for (const auto& [precision, spec] : platform_.precisions) {
      EstimateOptions o;
      o.precision = precision;
      try {
        plans_[static_cast<std::size_t>(precision)] = PlanPlatform(platform_, o);
      } catch (const Error&) {
        // Left empty: Plan() asks PlanPlatform again and raises its error.
      }
    }
  }

  const Platform& platform() const { return platform_; }

  // The plan at `precision` (the default when absent); throws PlanPlatform's Error.
  const PlatformPlan& Plan(std::optional<Precision> precision) const {
    const Precision p = precision.value_or(platform_.default_precision);
    const std::optional<PlatformPlan>& plan = plans_[static_cast<std::size_t>(p)];
    if (plan) return *plan;
    EstimateOptions o;
    o.precision = p;
    PlanPlatform(platform_, o);  // throws the reason
    throw Error(platform_.DisplayName() + ": cannot plan " + PrecisionName(p));
  }
  const PlatformPlan* FindPlan(Precision p) const {
    const std::optional<PlatformPlan>& plan = plans_[static_cast<std::size_t>(p)];
    return plan ? &*plan : nullptr;
  }

  // Pickle state: the profile as JSON (mode already applied), where it came from, the mode.
  py::tuple State() const {
    std::ostringstream json;
    WritePlatform(platform_, json);
    return py::make_tuple(json.str(), platform_.path, platform_.mode);
  }
  static std::shared_ptr<PyPlatform> FromState(const py::tuple& t) {
    if (t.size() != 3) throw Error("odonata.Platform: bad pickle state");
    const auto path = t[1].cast<std::string>();
    Platform p = ParsePlatform(t[0].cast<std::string>(), path.empty() ? "<pickle>" : path);
    p.path = path;
    p.mode = t[2].cast<std::string>();
    return std::make_shared<PyPlatform>(std::move(p));
  }

 private:
  Platform platform_;
  std::array<std::optional<PlatformPlan>, 3> plans_;  // by Precision
};

std::shared_ptr<PyPlatform> LoadPyPlatform(const std::string& name_or_path) {
  Platform p;
  {
    py::gil_scoped_release release;
    p = LoadPlatform(name_or_path, SearchPath());
  }
  return std::make_shared<PyPlatform>(std::move(p));
}

// --- Model --------------------------------------------------------------------------

// How a model was loaded, enough to load it again (pickling).
struct ModelSource {
  std::string path;                          // "" for bytes
  std::shared_ptr<const std::string> bytes;  // serialized ONNX; null for ANNETTE graphs (loaded from path)
  std::string name;                          // Network::name
  LoadOptions options;
  py::object input_shapes = py::none();  // as given (pickled as given)
  py::object input_values = py::none();
};

// A loaded network, fused lazily once per set of fusion rules (platforms with
// the same rules share it). Thread safe: the GIL is released while estimating.
class PyModel {
 public:
  PyModel(ModelSource source, std::optional<OnnxModel> onnx, Network network)
      : source_(std::move(source)), onnx_(std::move(onnx)), network_(std::move(network)) {}

  const Network& network() const { return network_; }
  const ModelSource& source() const { return source_; }
  const std::optional<OnnxModel>& onnx() const { return onnx_; }

  // The network fused with `platform`'s rules (plan.fusion_fingerprint), with its NCHWc
  // reorders when the platform prices them (ReorderBlock). Call without the GIL.
  const FusedNetwork& Fused(const Platform& platform, std::uint64_t fingerprint) const {
    const std::int64_t block = ReorderBlock(platform);
    auto same = [&](const FusedNetwork& f) { return f.fusion_fingerprint == fingerprint && f.nchwc_block == block; };
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& f : fused_) {
        if (same(*f)) return *f;
      }
    }
    auto fused = std::make_shared<const FusedNetwork>(FuseNetwork(network_, platform));
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& f : fused_) {
      if (same(*f)) return *f;  // another thread was first
    }
    fused_.push_back(std::move(fused));
    return *fused_.back();
  }

 private:
  ModelSource source_;
  std::optional<OnnxModel> onnx_;  // parsed once: with_shapes resolves again without parsing
  Network network_;
  mutable std::mutex mutex_;
  mutable std::vector<std::shared_ptr<const FusedNetwork>> fused_;  // never shrinks: references stay valid
};

// LoadOptions::input_values (the CLI's --input-value NAME=V[,V...]): each
// value a number or a sequence of numbers, {"sr": 16000} or {"axes": [0, 1]}.
void SetInputValues(LoadOptions& options, const py::object& values) {
  if (values.is_none()) return;
  if (!py::isinstance<py::dict>(values)) {
    throw Error("input_values: expected a dict of input name -> number or list of numbers", ExitCode::kUsage);
  }
  for (const auto& [key, value] : values.cast<py::dict>()) {
    const std::string name = py::str(key);
    std::vector<double> v;
    try {
      if (py::isinstance<py::str>(value) || py::isinstance<py::bytes>(value)) throw py::cast_error();
      if (py::isinstance<py::sequence>(value)) {
        v = value.cast<std::vector<double>>();
      } else {
        v.push_back(value.cast<double>());
      }
    } catch (const py::cast_error&) {
      throw Error("input_values['" + name + "']: expected a number or a list of numbers, got " +
                      std::string(py::str(py::repr(value))),
                  ExitCode::kUsage);
    }
    if (v.empty()) throw Error("input_values['" + name + "']: no value", ExitCode::kUsage);
    options.input_values[name] = std::move(v);
  }
}

LoadOptions ToLoadOptions(const py::object& input_shapes, const py::object& input_values,
                          const std::optional<std::int64_t>& batch) {
  LoadOptions options;
  if (!input_shapes.is_none()) {
    for (const auto& [key, value] : input_shapes.cast<py::dict>()) {
      const auto name = key.cast<std::string>();
      Shape shape;
      if (py::isinstance<py::str>(value)) {
        try {
          shape = ParseShape(value.cast<std::string>());
        } catch (const Error& e) {
          throw Error("input_shapes: '" + name + "': " + e.what(), ExitCode::kUsage);
        }
      } else {
        shape = value.cast<Shape>();
      }
      for (std::int64_t d : shape) {
        if (d < 0) throw Error("input_shapes: '" + name + "': negative dimension", ExitCode::kUsage);
      }
      options.input_shapes[name] = shape;
    }
  }
  SetInputValues(options, input_values);
  if (batch && *batch < 1) throw Error("batch: " + std::to_string(*batch) + " is not an integer >= 1", ExitCode::kUsage);
  options.batch = batch;
  return options;
}

bool IsAnnetteGraph(const std::string& path) { return path.size() >= 5 && path.ends_with(".json"); }

std::shared_ptr<PyModel> Build(ModelSource source) {
  std::optional<OnnxModel> onnx;
  Network network;
  {
    py::gil_scoped_release release;
    if (source.bytes) {
      onnx = OnnxModel::FromBytes(*source.bytes, source.path.empty() ? "<bytes>" : source.path);
      network = onnx->Resolve(source.options);
      network.name = source.name;
    } else {
      network = LoadModel(source.path, source.options);  // an ANNETTE graph
    }
  }
  return std::make_shared<PyModel>(std::move(source), std::move(onnx), std::move(network));
}

// odonata.load(path) (str, already os.fspath'ed) or odonata.load(bytes).
std::shared_ptr<PyModel> Load(const py::object& path_or_bytes, const py::object& input_shapes,
                              const py::object& input_values, const std::optional<std::int64_t>& batch,
                              const std::optional<std::string>& name) {
  ModelSource source;
  source.options = ToLoadOptions(input_shapes, input_values, batch);
  source.input_shapes = input_shapes;
  source.input_values = input_values;
  if (py::isinstance<py::bytes>(path_or_bytes)) {  // the package passes bytearray and memoryview as bytes
    source.bytes = std::make_shared<const std::string>(path_or_bytes.cast<std::string>());
    source.name = name.value_or("");
    return Build(std::move(source));
  }
  source.path = path_or_bytes.cast<std::string>();
  if (IsAnnetteGraph(source.path)) {
    std::shared_ptr<PyModel> m = Build(source);
    return m;
  }
  // As the CLI: OnnxModel::Load(path).Resolve(options) == LoadOnnx(path, options).
  std::optional<OnnxModel> onnx;
  Network network;
  {
    py::gil_scoped_release release;
    onnx = OnnxModel::Load(source.path);
    network = onnx->Resolve(source.options);
    source.bytes = std::make_shared<const std::string>(ReadFile(source.path));  // for pickling
  }
  if (name) network.name = *name;
  source.name = network.name;
  return std::make_shared<PyModel>(std::move(source), std::move(onnx), std::move(network));
}

py::tuple ModelState(const PyModel& m) {
  const ModelSource& s = m.source();
  return py::make_tuple(s.path, s.bytes ? py::object(py::bytes(*s.bytes)) : py::object(py::none()), s.name,
                        s.input_shapes, s.input_values, s.options.batch);
}

std::shared_ptr<PyModel> ModelFromState(const py::tuple& t) {
  if (t.size() != 6) throw Error("odonata.Model: bad pickle state");
  ModelSource s;
  s.path = t[0].cast<std::string>();
  if (!t[1].is_none()) s.bytes = std::make_shared<const std::string>(t[1].cast<std::string>());
  s.name = t[2].cast<std::string>();
  s.input_shapes = t[3];
  s.input_values = t[4];
  s.options = ToLoadOptions(s.input_shapes, s.input_values, t[5].cast<std::optional<std::int64_t>>());
  return Build(std::move(s));
}

std::shared_ptr<PyModel> WithShapes(const PyModel& m, const py::object& input_shapes, const py::object& input_values,
                                    const std::optional<std::int64_t>& batch) {
  ModelSource s = m.source();
  s.options = ToLoadOptions(input_shapes, input_values, batch);
  s.input_shapes = input_shapes;
  s.input_values = input_values;
  if (!m.onnx()) return Build(std::move(s));
  Network network;
  {
    py::gil_scoped_release release;
    network = m.onnx()->Resolve(s.options);  // no parsing again
  }
  network.name = s.name;
  return std::make_shared<PyModel>(std::move(s), m.onnx(), std::move(network));
}

// --- Report ---------------------------------------------------------------------------

struct PyReport {
  std::shared_ptr<const PyModel> model;
  std::shared_ptr<const PyPlatform> platform;
  std::optional<Precision> precision;  // as asked (None: the platform's default)
  CacheMode cache = CacheMode::kAuto;  // as asked
  Report report;
};

CacheMode ToCacheMode(const std::string& text) {
  CacheMode m;
  if (!ParseCacheMode(text, &m)) throw Error("unknown cache state '" + text + "' (auto, warm, cold)", ExitCode::kUsage);
  return m;
}

std::string Rendered(const Report& report, const std::string& format) {
  Format f;
  if (!ParseFormat(format, &f)) throw Error("unknown format '" + format + "' (table, json, csv, html)", ExitCode::kUsage);
  std::ostringstream out;
  Render(report, f, out);
  return out.str();
}

PyReport Estimate(const std::shared_ptr<const PyModel>& model, const std::shared_ptr<const PyPlatform>& platform,
                  std::optional<Precision> precision, CacheMode cache = CacheMode::kAuto) {
  const PlatformPlan* asked = &platform->Plan(precision);
  // The profile's precision_fallback, as EstimateNetwork(network, platform, options) applies it (estimate.cc).
  const PrecisionFallback* fallback =
      FallbackFor(platform->platform(), asked->precision, model->Fused(platform->platform(), asked->fusion_fingerprint));
  const PlatformPlan& cached = fallback ? platform->Plan(fallback->to) : *asked;
  // The cached plans are auto's; a forced cache state plans once more (its error included).
  std::optional<PlatformPlan> own;
  if (cache != CacheMode::kAuto) {
    EstimateOptions o;
    o.precision = cached.precision;
    o.cache = cache;
    own = PlanPlatform(platform->platform(), o);
  }
  const PlatformPlan& plan = own ? *own : cached;
  PyReport r{model, platform, precision, cache, {}};
  py::gil_scoped_release release;
  r.report = EstimateNetwork(model->Fused(platform->platform(), plan.fusion_fingerprint), plan);
  if (fallback) {  // the same warning as EstimateNetwork(network, platform, options)
    r.report.warnings.push_back(std::string("asked for ") + PrecisionName(fallback->from) + ", estimated at " +
                                PrecisionName(fallback->to) + ": the profile's precision_fallback runs a network with " +
                                OpClassName(fallback->if_class) + " layers at " + PrecisionName(fallback->to));
  }
  return r;
}

// A fused layer's row as Python sees it.
struct PyLayer {
  std::string name, op, op_class, estimator, bound, precision;
  double ms = 0, energy_mj = 0, percent = 0;
  std::int64_t macs = 0, flops = 0, params = 0, param_bytes = 0, repeat = 1;
  bool quantized = false;
  std::vector<std::string> flags, covers;
};

PyLayer ToLayer(const ReportRow& row) {
  PyLayer l;
  l.name = row.layer.name;
  l.op = row.layer.op_type;
  l.op_class = OpClassName(row.layer.op_class);
  l.estimator = row.estimate.estimator;
  l.bound = BoundName(row.estimate.bound);
  l.ms = row.ms;
  l.energy_mj = row.energy_mj;
  l.percent = row.percent;
  l.macs = row.layer.counts.macs;
  l.flops = row.layer.counts.flops;
  l.params = row.layer.counts.params;
  l.param_bytes = row.layer.counts.param_bytes;
  l.precision = PrecisionName(row.precision);
  l.quantized = row.quantized;
  l.repeat = row.layer.repeat;
  l.flags = row.flags;
  l.covers = row.layer.covers;
  return l;
}

// --- Fast path ----------------------------------------------------------------------------

EstimateTotals Totals(const PyModel& model, const PyPlatform& platform, const std::optional<std::string>& precision) {
  const PlatformPlan* plan = &platform.Plan(ToPrecision(precision));
  py::gil_scoped_release release;
  const FusedNetwork& fused = model.Fused(platform.platform(), plan->fusion_fingerprint);
  // The profile's precision_fallback (estimate.cc); every precision's plan is cached.
  if (const PrecisionFallback* f = FallbackFor(platform.platform(), plan->precision, fused)) plan = &platform.Plan(f->to);
  return EstimateTotal(fused, *plan);
}

double Field(const EstimateTotals& t, int field) {
  switch (field) {
    case 1:
      return t.energy_mj;
    case 2:
      return t.avg_power_w;
    default:
      return t.total_ms;
  }
}

// [model][platform][precision] of one field; NaN where the platform lacks the precision.
py::list EstimateGrid(const std::vector<std::shared_ptr<PyModel>>& models,
                      const std::vector<std::shared_ptr<PyPlatform>>& platforms, const py::object& precisions,
                      const std::string& field, int threads) {
  int which = 0;
  if (field == "energy_mj") {
    which = 1;
  } else if (field == "avg_power_w") {
    which = 2;
  } else if (field != "total_ms") {
    throw Error("estimate_grid: unknown field '" + field + "' (total_ms, energy_mj, avg_power_w)", ExitCode::kUsage);
  }
  std::vector<const PyModel*> ms;
  for (const auto& model : models) ms.push_back(model.get());
  std::vector<const PyPlatform*> ps;
  for (const auto& platform : platforms) ps.push_back(platform.get());
  if (std::find(ms.begin(), ms.end(), nullptr) != ms.end() || std::find(ps.begin(), ps.end(), nullptr) != ps.end()) {
    throw py::type_error("estimate_grid: models and platforms must not hold None");
  }
  std::vector<std::optional<Precision>> qs;
  if (precisions.is_none()) {
    qs.emplace_back(std::nullopt);
  } else if (py::isinstance<py::str>(precisions)) {
    qs.push_back(ToPrecision(precisions.cast<std::string>()));
  } else {
    for (const auto& text : precisions.cast<std::vector<std::string>>()) qs.push_back(ToPrecision(text));
  }
  // Plans first (an unknown estimator raises here); a missing precision is NaN.
  std::vector<const PlatformPlan*> plans(ps.size() * qs.size(), nullptr);
  for (std::size_t j = 0; j < ps.size(); ++j) {
    for (std::size_t k = 0; k < qs.size(); ++k) {
      const Precision p = qs[k].value_or(ps[j]->platform().default_precision);
      if (ps[j]->platform().precisions.count(p)) plans[j * qs.size() + k] = &ps[j]->Plan(p);
    }
  }
  std::vector<double> out(ms.size() * plans.size(), std::numeric_limits<double>::quiet_NaN());
  {
    py::gil_scoped_release release;
    // (model, platform) pairs [begin, end): each thread writes its own cells of `out`.
    auto pairs = [&](std::size_t begin, std::size_t end) {
      for (std::size_t ij = begin; ij < end; ++ij) {
        const std::size_t i = ij / ps.size(), j = ij % ps.size();
        const FusedNetwork* fused = nullptr;
        for (std::size_t k = 0; k < qs.size(); ++k) {
          const PlatformPlan* plan = plans[j * qs.size() + k];
          if (!plan) continue;
          if (!fused) fused = &ms[i]->Fused(ps[j]->platform(), plan->fusion_fingerprint);
          // The profile's precision_fallback (estimate.cc); every precision's plan is cached.
          if (const PrecisionFallback* f = FallbackFor(ps[j]->platform(), plan->precision, *fused)) {
            plan = &ps[j]->Plan(f->to);
          }
          out[ij * qs.size() + k] = Field(EstimateTotal(*fused, *plan), which);
        }
      }
    };
    const std::size_t total = ms.size() * ps.size();
    std::size_t n = threads > 0 ? static_cast<std::size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
    n = std::max<std::size_t>(1, std::min(n, total));
    if (n == 1) {
      pairs(0, total);
    } else {
      std::vector<std::exception_ptr> errors(n);
      std::vector<std::thread> pool;
      for (std::size_t t = 0; t < n; ++t) {
        pool.emplace_back([&, t] {
          try {
            pairs(total * t / n, total * (t + 1) / n);
          } catch (...) {
            errors[t] = std::current_exception();
          }
        });
      }
      for (std::thread& thread : pool) thread.join();
      for (const std::exception_ptr& e : errors) {
        if (e) std::rethrow_exception(e);
      }
    }
  }
  py::list grid(ms.size());
  for (std::size_t i = 0; i < ms.size(); ++i) {
    py::list row(ps.size());
    for (std::size_t j = 0; j < ps.size(); ++j) {
      py::list cell(qs.size());
      for (std::size_t k = 0; k < qs.size(); ++k) {
        cell[k] = py::float_(out[(i * ps.size() + j) * qs.size() + k]);
      }
      row[j] = std::move(cell);
    }
    grid[i] = std::move(row);
  }
  return grid;
}

// --- compare, explore, fit, check: the CLI's JSON ------------------------------------

struct ExploreArgs {
  std::vector<std::string> models;
  std::string platforms;
  std::vector<std::string> precisions;
  std::vector<std::string> resolutions;
  std::optional<std::int64_t> batch;
  py::object max_latency, max_energy, max_price, min_accuracy;
  std::optional<std::string> accuracy;
};

template <typename F>
auto OptionValue(const char* option, const std::string& text, F parse) {
  try {
    return parse(text);
  } catch (const Error& e) {
    throw e.WithContext(option);
  }
}

// A limit given as a number (in the option's unit) or as the CLI's text ("100ms").
std::optional<double> Limit(const py::object& value, const char* option, double (*parse)(const std::string&)) {
  if (value.is_none()) return std::nullopt;
  if (py::isinstance<py::str>(value)) return OptionValue(option, value.cast<std::string>(), parse);
  const auto x = value.cast<double>();
  if (!std::isfinite(x) || x < 0) throw Error(std::string(option) + ": must be a finite number >= 0", ExitCode::kUsage);
  return x;
}

std::string RunExplore(const ExploreArgs& a) {
  ExploreSpec spec;
  spec.models = a.models;
  for (const std::string& p : a.precisions) spec.precisions.push_back(*ToPrecision(p));
  for (const std::string& r : a.resolutions) spec.resolutions.push_back(OptionValue("resolutions", r, ParseResolution));
  spec.constraints.max_latency_ms = Limit(a.max_latency, "max_latency", ParseDurationMs);
  spec.constraints.max_energy_mj = Limit(a.max_energy, "max_energy", ParseEnergyMj);
  spec.constraints.max_price_usd = Limit(a.max_price, "max_price", ParsePriceUsd);
  AccuracyTable accuracy;
  if (a.accuracy) {
    accuracy = AccuracyTable::Load(*a.accuracy);
    spec.accuracy = &accuracy;
  }
  if (!a.min_accuracy.is_none()) {
    if (!a.accuracy) throw Error("min_accuracy needs accuracy (a CSV file)", ExitCode::kUsage);
    spec.constraints.min_accuracy = py::isinstance<py::str>(a.min_accuracy)
                                        ? OptionValue("min_accuracy", a.min_accuracy.cast<std::string>(), ParseFiniteNumber)
                                        : a.min_accuracy.cast<double>();
  }
  spec.batch = a.batch;
  py::gil_scoped_release release;
  spec.platforms = LoadPlatforms(a.platforms, SearchPath());
  const ExploreResult result = Explore(spec);
  std::ostringstream json;
  RenderExplore(result, Format::kJson, json);
  return json.str();
}

std::string RunFit(const std::vector<std::string>& measurements, const PyPlatform& base, int folds,
                   const std::optional<std::string>& name, const std::optional<std::string>& out) {
  if (folds < 2) throw Error("folds must be >= 2", ExitCode::kUsage);
  FitFilesOptions options;
  options.folds = folds;
  options.name = name ? name : out ? std::optional(ProfileNameOf(*out)) : std::nullopt;
  py::gil_scoped_release release;
  const FitReport fit = FitMeasurementFiles(measurements, base.platform(), options);
  if (out) WriteFileAtomic(*out, PlatformJson(fit.platform, *out));
  std::ostringstream json;
  RenderFitReport(fit, Format::kJson, json);
  return json.str();
}

std::string RunCheckJson(const std::vector<std::string>& suites, const std::string& split,
                         std::optional<double> max_mape, std::optional<double> max_error,
                         std::optional<double> max_energy_mape, const std::optional<std::string>& baseline,
                         double margin) {
  SuiteSplit s;
  if (!ParseSuiteSplit(split, &s)) {
    throw Error("split: unknown split '" + split + "' (validation, calibration, all)", ExitCode::kUsage);
  }
  for (const auto& [value, option] : {std::pair{max_mape, "max_mape"}, std::pair{max_error, "max_error"},
                                      std::pair{max_energy_mape, "max_energy_mape"}, std::pair{std::optional(margin), "margin"}}) {
    if (value && !(*value >= 0)) throw Error(std::string(option) + ": must be a number >= 0", ExitCode::kUsage);
  }
  py::gil_scoped_release release;
  const std::vector<ValidationRow> rows = ReadValidationSuites(suites, s);
  CheckOptions options;
  options.search_path = SearchPath();
  options.max_mape = max_mape;
  options.max_error = max_error;
  options.max_energy_mape = max_energy_mape;
  options.baseline = baseline.value_or("");
  options.regression_margin = margin;
  options.validation_only = false;  // as the CLI: the split chooses the rows, every row chosen is checked
  const CheckResult result = RunCheck(rows, options);
  std::ostringstream json;
  RenderCheck(result, CheckFormat::kJson, json);
  return json.str();
}

std::string Quoted(const std::string& s) { return py::repr(py::str(s)).cast<std::string>(); }

}  // namespace
}  // namespace odonata::python

PYBIND11_MODULE(_odonata, m) {
  using namespace odonata;
  using namespace odonata::python;
  m.doc() = "odonata's C++ core (use the package odonata, not this module)";

  // odonata.Error: a ValueError whose message is the CLI's (after "odonata: error: ")
  // and whose exit_code is the CLI's exit status for it.
  static py::exception<Error> error_type(m, "Error", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      // Messages quote names from untrusted files: invalid UTF-8 is replaced, not an error of its own.
      const std::string what = e.what();
      py::object message = py::reinterpret_steal<py::object>(
          PyUnicode_DecodeUTF8(what.data(), static_cast<Py_ssize_t>(what.size()), "replace"));
      py::object instance = py::handle(error_type.ptr())(message);
      instance.attr("exit_code") = static_cast<int>(e.code());
      PyErr_SetObject(error_type.ptr(), instance.ptr());
    }
  });

  m.def("version", &Version, "The library's version, as reports record it.");
  m.def(
      "_set_package_dir", [](const std::string& dir) { g_package_dir = dir; },
      "Where the package is (profiles installed with it are in share/odonata/platforms).");
  m.def("search_path", &SearchPath,
        "Directories searched for platform profiles by name, in order: $ODONATA_PLATFORMS, the profiles "
        "installed with the package, the source tree's platforms/.");

  // --- Platform ---
  py::class_<PyPlatform, std::shared_ptr<PyPlatform>>(m, "Platform",
                                                      "A platform profile (platforms/<name>.json), a mode applied "
                                                      "or not. Made by odonata.platform(); pickles.")
      .def_property_readonly("name", [](const PyPlatform& p) { return p.platform().DisplayName(); },
                             "'jetson-tx2', or 'jetson-tx2:maxq' with a mode applied.")
      .def_property_readonly("profile", [](const PyPlatform& p) { return p.platform().name; },
                             "The profile's name, without the mode.")
      .def_property_readonly("mode", [](const PyPlatform& p) { return p.platform().mode; },
                             "The operating mode applied ('' if none).")
      .def_property_readonly(
          "modes",
          [](const PyPlatform& p) {
            std::vector<std::string> names;
            for (const auto& [name, mode] : p.platform().modes) names.push_back(name);
            return names;
          },
          "Names of the profile's operating modes (empty once one is applied).")
      .def_property_readonly("description", [](const PyPlatform& p) { return p.platform().description; })
      .def_property_readonly("path", [](const PyPlatform& p) { return p.platform().path; },
                             "The profile file it was loaded from.")
      .def_property_readonly(
          "precisions",
          [](const PyPlatform& p) {
            std::vector<std::string> names;
            for (const auto& [precision, spec] : p.platform().precisions) names.emplace_back(PrecisionName(precision));
            return names;
          },
          "Precisions the platform supports: 'fp32', 'fp16', 'int8'.")
      .def_property_readonly("default_precision",
                             [](const PyPlatform& p) { return std::string(PrecisionName(p.platform().default_precision)); })
      .def_property_readonly("price_usd", [](const PyPlatform& p) { return p.platform().price_usd.value; })
      .def_property_readonly("overhead_ms", [](const PyPlatform& p) { return p.platform().overhead_ms.value; })
      .def_property_readonly("idle_power_w", [](const PyPlatform& p) { return p.platform().idle_power_w.value; })
      .def_property_readonly("typical_power_w", [](const PyPlatform& p) { return p.platform().typical_power_w.value; })
      .def(
          "with_mode",
          [](const PyPlatform& p, const std::string& mode) {
            return std::make_shared<PyPlatform>(WithMode(p.platform(), mode));
          },
          py::arg("mode"), "The profile with operating mode `mode` applied (raises odonata.Error for an unknown one).")
      .def(
          "to_json",
          [](const PyPlatform& p) {
            std::ostringstream json;
            WritePlatform(p.platform(), json);
            return json.str();
          },
          "The profile as JSON (the schema of platforms/*.json, mode applied).")
      .def("__repr__", [](const PyPlatform& p) { return "odonata.Platform(" + Quoted(p.platform().DisplayName()) + ")"; })
      .def("__str__", [](const PyPlatform& p) { return p.platform().DisplayName(); })
      .def(py::pickle([](const PyPlatform& p) { return p.State(); }, &PyPlatform::FromState));

  m.def("_platform", &LoadPyPlatform, py::arg("name_or_path"));
  m.def(
      "_platforms",
      [](bool modes) {
        // Like `odonata platforms`: the good profiles, and the errors of the bad ones.
        std::vector<std::shared_ptr<PyPlatform>> out;
        std::vector<std::string> errors;
        const std::vector<std::string> search_path = SearchPath();
        for (const std::string& name : ListPlatforms(search_path)) {
          try {
            if (modes) {
              for (Platform& p : LoadPlatforms(name + ":*", search_path)) {
                out.push_back(std::make_shared<PyPlatform>(std::move(p)));
              }
            } else {
              out.push_back(std::make_shared<PyPlatform>(LoadPlatform(name, search_path)));
            }
          } catch (const Error& e) {
            errors.emplace_back(e.what());
          }
        }
        return py::make_tuple(out, errors);
      },
      py::arg("modes"));

  // --- Model ---
  py::class_<PyModel, std::shared_ptr<PyModel>>(m, "Model",
                                                "A network loaded from ONNX (a file or bytes) or an ANNETTE graph, "
                                                "shapes resolved. Made by odonata.load(); pickles.")
      .def_property_readonly("name", [](const PyModel& mo) { return mo.network().name; },
                             "The model file's stem (or the name given to load()).")
      .def_property_readonly("path", [](const PyModel& mo) { return mo.source().path; },
                             "The file it was loaded from ('' for bytes).")
      .def_property_readonly(
          "inputs",
          [](const PyModel& mo) {
            py::dict d;
            for (const TensorInfo& t : mo.network().inputs) d[py::str(t.name)] = py::tuple(py::cast(t.shape));
            return d;
          },
          "Graph inputs and their resolved shapes: {'input': (1, 3, 224, 224)}.")
      .def_property_readonly("nodes", [](const PyModel& mo) { return mo.network().layers.size(); },
                             "ONNX nodes estimated (layers before fusion).")
      .def_property_readonly("macs", [](const PyModel& mo) { return mo.network().Totals().macs; })
      .def_property_readonly("flops", [](const PyModel& mo) { return mo.network().Totals().flops; })
      .def_property_readonly("params", [](const PyModel& mo) { return mo.network().Totals().params; })
      .def_property_readonly("warnings", [](const PyModel& mo) { return UniqueWarnings(mo.network().warnings); })
      .def("with_shapes", &WithShapes, py::arg("input_shapes") = py::none(), py::arg("input_values") = py::none(),
           py::arg("batch") = py::none(),
           "The same model resolved for other input shapes (and values, batch), without parsing it again.")
      .def("__repr__",
           [](const PyModel& mo) {
             std::ostringstream s;
             s << "odonata.Model(" << Quoted(mo.network().name) << ", inputs={";
             bool first = true;
             for (const TensorInfo& t : mo.network().inputs) {
               s << (first ? "" : ", ") << Quoted(t.name) << ": " << Quoted(ShapeToString(t.shape));
               first = false;
             }
             s << "}, macs=" << mo.network().Totals().macs << ")";
             return s.str();
           })
      .def(py::pickle(&ModelState, &ModelFromState));

  m.def("_load", &Load, py::arg("path_or_bytes"), py::arg("input_shapes"), py::arg("input_values"), py::arg("batch"),
        py::arg("name"));

  // --- Report ---
  py::class_<PyLayer>(m, "Layer", "One row of a Report: a fused layer (one kernel) and its estimate.")
      .def_readonly("name", &PyLayer::name, "The main ONNX node's name.")
      .def_readonly("op", &PyLayer::op, "The main node's ONNX op type ('Conv').")
      .def_readonly("op_class", &PyLayer::op_class, "The op class the platform estimates it as ('conv').")
      .def_readonly("ms", &PyLayer::ms, "Time per inference (all repeats), ms.")
      .def_readonly("energy_mj", &PyLayer::energy_mj, "Energy per inference, mJ.")
      .def_readonly("percent", &PyLayer::percent, "Share of the total time, %.")
      .def_readonly("macs", &PyLayer::macs)
      .def_readonly("flops", &PyLayer::flops)
      .def_readonly("params", &PyLayer::params)
      .def_readonly("param_bytes", &PyLayer::param_bytes, "Bytes of its parameters as stored (1 per int8 weight).")
      .def_readonly("precision", &PyLayer::precision, "The precision it was estimated at ('fp32', 'int8').")
      .def_readonly("quantized", &PyLayer::quantized, "Whether it computes on quantized data.")
      .def_readonly("repeat", &PyLayer::repeat)
      .def_readonly("estimator", &PyLayer::estimator, "The estimator that produced it ('roofline', ...).")
      .def_readonly("bound", &PyLayer::bound, "'compute', 'memory', 'fitted' or 'none'.")
      .def_readonly("flags", &PyLayer::flags, "'unknown_op', 'data_dependent', 'extrapolated'.")
      .def_readonly("covers", &PyLayer::covers, "The ONNX nodes the layer executes, main node first.")
      .def("__repr__", [](const PyLayer& l) {
        std::ostringstream s;
        s << "odonata.Layer(" << Quoted(l.name) << ", op=" << Quoted(l.op) << ", ms=" << l.ms << ")";
        return s.str();
      });

  py::class_<PyReport>(m, "Report",
                       "The estimate of a model on a platform: totals and one row per fused layer. "
                       "Made by odonata.estimate(); pickles (estimated again on unpickling, bit for bit).")
      .def_property_readonly("model", [](const PyReport& r) { return r.report.model; })
      .def_property_readonly("platform", [](const PyReport& r) { return r.report.platform; })
      .def_property_readonly("precision", [](const PyReport& r) { return std::string(PrecisionName(r.report.precision)); })
      .def_property_readonly("total_ms", [](const PyReport& r) { return r.report.total_ms; },
                             "Latency of one inference, ms: layers plus overhead.")
      .def_property_readonly("energy_mj", [](const PyReport& r) { return r.report.energy_mj; },
                             "Energy of one inference, mJ.")
      .def_property_readonly("overhead_ms", [](const PyReport& r) { return r.report.overhead_ms; },
                             "The platform's per-inference overhead, ms.")
      .def_property_readonly("dispatch_ms", [](const PyReport& r) { return r.report.dispatch_ms; },
                             "The runtime's per-node dispatch summed over the executed layers, ms (inside the layers' ms).")
      .def_property_readonly(
          "reorder_ms", [](const PyReport& r) { return r.report.reorders ? r.report.reorders->ms : 0.0; },
          "ONNX Runtime's NCHWc reorders, ms (each with one dispatch; in the total, in no layer); 0.0 on profiles "
          "without fitted reorder costs.")
      .def_property_readonly(
          "reorders", [](const PyReport& r) { return r.report.reorders ? r.report.reorders->Count() : std::int64_t{0}; },
          "How many NCHWc reorders reorder_ms prices (ReorderInput + ReorderOutput); 0 without the term.")
      .def_property_readonly("overhead_energy_mj", [](const PyReport& r) { return r.report.overhead_energy_mj; })
      .def_property_readonly("avg_power_w", [](const PyReport& r) { return r.report.avg_power_w; })
      .def_property_readonly("peak_gops", [](const PyReport& r) { return r.report.peak_gops; })
      .def_property_readonly("bandwidth_gbps", [](const PyReport& r) { return r.report.bandwidth_gbps; })
      .def_property_readonly("macs", [](const PyReport& r) { return r.report.totals.macs; })
      .def_property_readonly("params", [](const PyReport& r) { return r.report.totals.params; })
      .def_property_readonly("param_bytes", [](const PyReport& r) { return r.report.totals.param_bytes; },
                             "Bytes of the parameters as stored (1 per int8 weight, 4 per float32 or int32).")
      .def_property_readonly(
          "quantization",
          [](const PyReport& r) {
            const QuantizationSummary& q = r.report.quantization;
            py::dict d;
            d["forms"] = q.forms;
            d["layers"] = q.layers;
            d["macs"] = q.macs;
            d["macs_percent"] = q.macs_percent;
            d["precision"] = q.precision ? py::object(py::str(PrecisionName(*q.precision))) : py::object(py::none());
            return d;
          },
          "The JSON report's 'quantization': forms ('qdq', 'operator', 'dynamic'), layers, macs, macs_percent "
          "and the precision the quantized layers were estimated at (None without any).")
      .def_property_readonly("nodes", [](const PyReport& r) { return r.report.nodes; })
      .def_property_readonly("warnings", [](const PyReport& r) { return UniqueWarnings(r.report.warnings); })
      .def_property_readonly(
          "cache",
          [](const PyReport& r) -> py::object {
            if (!r.report.cache) return py::none();
            const CacheChoice& c = *r.report.cache;
            py::dict d;
            d["state"] = c.share ? "partial" : c.warm ? "warm" : "cold";
            d["forced"] = c.forced;
            d["weight_bytes"] = c.weight_bytes;
            d["capacity_bytes"] = c.capacity_bytes >= 0 ? py::object(py::int_(c.capacity_bytes)) : py::object(py::none());
            if (c.share) d["share"] = *c.share;
            if (c.share && c.share_size) {  // a profile that names its size variable (as the JSON)
              d["share_size"] = ShareSizeName(*c.share_size);
              d["share_size_bytes"] = c.share_x;
            }
            return d;
          },
          "The cache state the estimate used, as JSON `cache` ({'state': 'warm'|'cold'|'partial', 'forced', "
          "'weight_bytes', 'capacity_bytes'}, and 'share' when partial, with 'share_size' and 'share_size_bytes' "
          "when the profile names its size variable); None for a profile without warm class models.")
      .def_property_readonly(
          "layers",
          [](const PyReport& r) {
            std::vector<PyLayer> layers;
            layers.reserve(r.report.rows.size());
            for (const ReportRow& row : r.report.rows) layers.push_back(ToLayer(row));
            return layers;
          },
          "One odonata.Layer per fused layer, in execution order.")
      .def(
          "to_json", [](const PyReport& r) { return Rendered(r.report, "json"); },
          "The JSON of `odonata estimate --format json`, byte for byte.")
      .def(
          "render", [](const PyReport& r, const std::string& format) { return Rendered(r.report, format); },
          py::arg("format") = "table", "The report as `odonata estimate --format FORMAT` prints it (table, json, csv, html).")
      .def("__repr__",
           [](const PyReport& r) {
             std::ostringstream s;
             s << "odonata.Report(" << Quoted(r.report.model) << " on " << Quoted(r.report.platform) << " "
               << PrecisionName(r.report.precision) << ": " << r.report.total_ms << " ms, " << r.report.energy_mj
               << " mJ)";
             return s.str();
           })
      .def(py::pickle(
          [](const PyReport& r) {
            return py::make_tuple(std::const_pointer_cast<PyModel>(r.model), std::const_pointer_cast<PyPlatform>(r.platform),
                                  r.precision ? py::object(py::str(PrecisionName(*r.precision))) : py::object(py::none()),
                                  CacheModeName(r.cache));
          },
          [](const py::tuple& t) {
            if (t.size() != 3 && t.size() != 4) throw Error("odonata.Report: bad pickle state");
            return Estimate(t[0].cast<std::shared_ptr<PyModel>>(), t[1].cast<std::shared_ptr<PyPlatform>>(),
                            ToPrecision(t[2].cast<std::optional<std::string>>()),
                            t.size() == 4 ? ToCacheMode(t[3].cast<std::string>()) : CacheMode::kAuto);
          }));

  m.def(
      "_estimate",
      [](const std::shared_ptr<PyModel>& model, const std::shared_ptr<PyPlatform>& platform,
         const std::optional<std::string>& precision, const std::string& cache) {
        return Estimate(model, platform, ToPrecision(precision), ToCacheMode(cache));
      },
      py::arg("model"), py::arg("platform"), py::arg("precision") = py::none(), py::arg("cache") = "auto");

  // --- Fast path ---
  py::class_<EstimateTotals>(m, "Totals", "The totals of a Report without its rows (odonata.totals).")
      .def_readonly("total_ms", &EstimateTotals::total_ms)
      .def_readonly("energy_mj", &EstimateTotals::energy_mj)
      .def_readonly("overhead_ms", &EstimateTotals::overhead_ms)
      .def_readonly("layers_ms", &EstimateTotals::layers_ms)
      .def_readonly("overhead_energy_mj", &EstimateTotals::overhead_energy_mj)
      .def_readonly("avg_power_w", &EstimateTotals::avg_power_w)
      .def_readonly("reorder_ms", &EstimateTotals::reorder_ms)
      .def("__repr__",
           [](const EstimateTotals& t) {
             std::ostringstream s;
             s.precision(17);
             s << "odonata.Totals(total_ms=" << t.total_ms << ", energy_mj=" << t.energy_mj << ")";
             return s.str();
           })
      .def(py::pickle(
          [](const EstimateTotals& t) {
            return py::make_tuple(t.layers_ms, t.overhead_ms, t.total_ms, t.overhead_energy_mj, t.energy_mj,
                                  t.avg_power_w, t.reorder_ms);
          },
          [](const py::tuple& s) {
            // 6 fields: pickled before reorder_ms existed (0 then).
            if (s.size() != 6 && s.size() != 7) throw Error("odonata.Totals: bad pickle state");
            return EstimateTotals{s[0].cast<double>(), s[1].cast<double>(), s[2].cast<double>(),
                                  s[3].cast<double>(), s[4].cast<double>(), s[5].cast<double>(),
                                  s.size() == 7 ? s[6].cast<double>() : 0.0};
          }));

  m.def(
      "estimate_total",
      [](const PyModel& model, const PyPlatform& platform, const std::optional<std::string>& precision) {
        return Totals(model, platform, precision).total_ms;
      },
      py::arg("model"), py::arg("platform"), py::arg("precision") = py::none(),
      "estimate_total(model: Model, platform: Platform, precision: str | None = None) -> float\n\n"
      "The latency in ms of `model` on `platform`, the same float as estimate(...).total_ms, without "
      "building a report: the fast path for loops (about a microsecond; the GIL is released). "
      "precision: 'fp32', 'fp16', 'int8' (default: the platform's).");
  m.def("totals", &Totals, py::arg("model"), py::arg("platform"), py::arg("precision") = py::none(),
        "totals(model: Model, platform: Platform, precision: str | None = None) -> Totals\n\n"
        "total_ms, energy_mj, overhead_ms, layers_ms, avg_power_w of estimate(...), bit for bit, on the fast path.");
  m.def("estimate_grid", &EstimateGrid, py::arg("models"), py::arg("platforms"), py::arg("precisions") = py::none(),
        py::arg("field") = "total_ms", py::arg("threads") = 1,
        "estimate_grid(models, platforms, precisions=None, field='total_ms') -> list[list[list[float]]]\n\n"
        "Every model x platform x precision at once: grid[i][j][k] is `field` (total_ms, energy_mj or "
        "avg_power_w) of models[i] on platforms[j] at precisions[k], equal to estimate_total's. "
        "precisions None: one entry, each platform's default. NaN where a platform lacks the precision. "
        "The GIL is released for the whole grid; threads > 1 splits it over that many threads (0: one per "
        "core), with the same results.");

  // --- The CLI's other commands, as JSON text (parsed by the package) ---
  m.def(
      "_explore",
      [](const std::vector<std::string>& models, const std::string& platforms, const std::vector<std::string>& precisions,
         const std::vector<std::string>& resolutions, const std::optional<std::int64_t>& batch,
         const py::object& max_latency, const py::object& max_energy, const py::object& max_price,
         const std::optional<std::string>& accuracy, const py::object& min_accuracy) {
        if (batch && *batch < 1) throw Error("batch: must be an integer >= 1", ExitCode::kUsage);
        return RunExplore(ExploreArgs{models, platforms, precisions, resolutions, batch, max_latency, max_energy,
                                      max_price, min_accuracy, accuracy});
      },
      py::arg("models"), py::arg("platforms"), py::arg("precisions"), py::arg("resolutions"), py::arg("batch"),
      py::arg("max_latency"), py::arg("max_energy"), py::arg("max_price"), py::arg("accuracy"), py::arg("min_accuracy"));
  m.def("_fit", &RunFit, py::arg("measurements"), py::arg("base"), py::arg("folds"), py::arg("name"), py::arg("out"));
  m.def("_check", &RunCheckJson, py::arg("suites"), py::arg("split"), py::arg("max_mape"), py::arg("max_error"),
        py::arg("max_energy_mape"), py::arg("baseline"), py::arg("margin"));
}
