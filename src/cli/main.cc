// The odonata command: parse the command line, call the library, print
// "odonata: error: ..." and exit with the error's code. The only file that
// includes CLI11; every subcommand's work is a library call.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "io.h"
#include "odonata/calibrate.h"
#include "odonata/check.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/estimator.h"
#include "odonata/explore.h"
#include "odonata/fit.h"
#include "odonata/importers.h"
#include "odonata/measurements.h"
#include "odonata/model.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/partition.h"
#include "odonata/platform.h"
#include "odonata/power.h"
#include "odonata/render.h"
#include "odonata/sweep.h"
#include "odonata/tensor.h"
#include "units.h"

#ifndef ODONATA_VERSION
#define ODONATA_VERSION "unknown"
#endif

namespace odonata {
namespace {

constexpr const char* kExitCodes =
    "Exit status:\n"
    "  0  success\n"
    "  1  error in the input or while processing it (bad model, unknown platform, I/O)\n"
    "  2  usage error (bad command line)";

// Every option of every subcommand; each subcommand registers the ones it uses.
struct Options {
  std::string model;
  std::string platform;
  std::string precision;
  std::string format = "table";
  std::string output;
  std::vector<std::string> input_shapes;  // "name=1x3x224x224", validated while parsing
  std::int64_t batch = 0;                 // 0: not given
  // sweep
  std::string op;
  std::string design = "1d";
  std::string around;
  std::vector<std::string> dims;
  std::int64_t min = 1, max = 256, step = 1, samples = 200, seed = 1;
  std::string out;
  bool models = false;
  // fit, import
  std::vector<std::string> inputs;
  std::string name;
  bool report = false;
  std::string predictions;
  int folds = 5;
  std::string runtime;
  std::string network;
  // check
  std::string baseline;
  std::string write_baseline;
  double max_mape = -1;         // < 0: not given
  double max_error = -1;        // < 0: not given
  double max_energy_mape = -1;  // < 0: not given
  double margin = 1.0;
  std::string split = "validation";
  std::string junit;
  // calibrate
  std::string measures;
  bool no_overhead = false;
  // power-trace
  std::string events;
  double shunt_ohms = -1;  // < 0: not given
  double min_ms = 1.0;
  // compare, explore (models in `inputs`, platforms in `platform`)
  std::vector<std::string> precisions;
  std::vector<std::string> resolutions;
  std::string max_latency, max_energy, max_price, min_accuracy;
  std::string accuracy;
  // partition (also max_latency)
  std::string link, links, remote, objective = "latency", max_node_energy;
  int bits = 0;  // 0: not given
  bool results_on_node = false;
};

struct Context {
  std::string exe_path;  // for the platform search path
};

struct Command {
  const char* name;
  const char* summary;
  void (*add_options)(CLI::App& cmd, Options& options);
  int (*run)(const Options& options, const Context& context);
};

// --- Validation of option values (failures are usage errors, exit 2) -------

// Split "name=1x3x224x224" at the last '=' (dims never contain one).
bool SplitInputShape(const std::string& text, std::string* name, Shape* shape, std::string* problem) {
  std::size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0) {
    *problem = "'" + text + "' is not NAME=DIMS (e.g. input=1x3x224x224)";
    return false;
  }
  *name = text.substr(0, eq);
  try {
    *shape = ParseShape(text.substr(eq + 1));
  } catch (const Error& e) {
    *problem = "'" + text + "': " + e.what();
    return false;
  }
  return true;
}

CLI::Validator InputShapeValidator() {
  return CLI::Validator(
      [](std::string& value) {
        std::string name;
        Shape shape;
        std::string problem;
        return SplitInputShape(value, &name, &shape, &problem) ? std::string() : problem;
      },
      "");
}

// `html`: the command renders Format::kHtml (estimate only).
CLI::Validator FormatValidator(bool html = false) {
  return CLI::Validator(
      [html](std::string& value) {
        Format format;
        const bool known = ParseFormat(value, &format);
        if (known && (html || format != Format::kHtml)) return std::string();
        if (known) return std::string("html is only for estimate (table, json, csv)");
        return "unknown format '" + value + "' (table, json, csv" + (html ? ", html)" : ")");
      },
      html ? "table|json|csv|html" : "table|json|csv");
}

CLI::Validator PrecisionValidator() {
  return CLI::Validator(
      [](std::string& value) {
        Precision precision;
        return ParsePrecision(value, &precision) ? std::string()
                                                 : "unknown precision '" + value + "' (fp32, fp16, int8)";
      },
      "fp32|fp16|int8");
}

CLI::Validator BatchValidator() {
  return CLI::Validator(
      [](std::string& value) {
        std::int64_t n = 0;
        std::size_t used = 0;
        try {
          n = std::stoll(value, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != value.size() || value.empty() || n < 1) {
          return "'" + value + "' is not an integer >= 1";
        }
        return std::string();
      },
      "");
}

Format ToFormat(const std::string& text) {
  Format format = Format::kTable;
  if (!ParseFormat(text, &format)) throw Error("unknown format '" + text + "'", ExitCode::kUsage);
  return format;
}

LoadOptions ToLoadOptions(const Options& options) {
  LoadOptions load;
  for (const std::string& text : options.input_shapes) {
    std::string name;
    Shape shape;
    std::string problem;
    if (!SplitInputShape(text, &name, &shape, &problem)) {
      throw Error("--input-shape: " + problem, ExitCode::kUsage);
    }
    if (!load.input_shapes.emplace(name, shape).second) {
      throw Error("--input-shape: input '" + name + "' given more than once", ExitCode::kUsage);
    }
  }
  if (options.batch > 0) load.batch = options.batch;
  return load;
}

// --- Output ---------------------------------------------------------------

void Warn(const std::string& message) { std::cerr << "odonata: warning: " << message << '\n'; }

// Write `text` to stdout, or to `path` via a temporary file renamed into
// place, so that `path` is either the complete new report or untouched.
void Emit(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::cout << text << std::flush;
    if (!std::cout) throw Error("cannot write to standard output");
    return;
  }
  WriteFileAtomic(path, text);
}

// --- Subcommands ----------------------------------------------------------

void AddModelOptions(CLI::App& cmd, Options& o, bool html) {
  cmd.add_option("MODEL", o.model, "ONNX model file, or an ANNETTE graph (.json)")->type_name("FILE")->required();
  cmd.add_option("--format", o.format,
                 html ? "Output format (html: one self-contained page with charts)" : "Output format")
      ->check(FormatValidator(html))
      ->type_name("FORMAT")
      ->default_str("table");
  cmd.add_option("-o,--output", o.output, "Write the report to FILE instead of stdout")->type_name("FILE");
  cmd.add_option("--input-shape", o.input_shapes, "Static shape of a graph input, e.g. data=1x3x224x224 (repeatable)")
      ->check(InputShapeValidator())
      ->allow_extra_args(false)
      ->type_name("NAME=DIMS");
  cmd.add_option("--batch", o.batch, "Value for symbolic batch dimensions (default 1)")
      ->check(BatchValidator())
      ->type_name("N");
}

void AddModelOptions(CLI::App& cmd, Options& o) { AddModelOptions(cmd, o, false); }

void AddEstimateOptions(CLI::App& cmd, Options& o) {
  AddModelOptions(cmd, o, true);
  cmd.add_option("-p,--platform", o.platform, "Platform profile: a name from `odonata platforms` or a .json file")
      ->type_name("PLATFORM")
      ->required();
  cmd.add_option("--precision", o.precision, "Arithmetic precision (default: the platform's)")
      ->check(PrecisionValidator())
      ->type_name("PRECISION");
}

int RunEstimate(const Options& o, const Context& context) {
  const Format format = ToFormat(o.format);
  const LoadOptions load = ToLoadOptions(o);
  EstimateOptions estimate;
  if (!o.precision.empty()) {
    Precision precision;
    if (!ParsePrecision(o.precision, &precision)) {
      throw Error("unknown precision '" + o.precision + "'", ExitCode::kUsage);
    }
    estimate.precision = precision;
  }
  // The platform first: a typo there should not wait for a large model to load.
  const std::string platform_path = ResolvePlatform(o.platform, PlatformSearchPath(context.exe_path));
  const Platform platform = LoadPlatform(platform_path);
  const Network network = LoadModel(o.model, load);
  const Report report = EstimateNetwork(network, platform, estimate);

  std::vector<std::string> printed;
  for (const auto* list : {&network.warnings, &report.warnings}) {
    for (const std::string& w : *list) {
      if (std::find(printed.begin(), printed.end(), w) != printed.end()) continue;
      printed.push_back(w);
      Warn(w);
    }
  }
  std::ostringstream text;
  Render(report, format, text);
  Emit(text.str(), o.output);
  return 0;
}

int RunInspect(const Options& o, const Context&) {
  const Format format = ToFormat(o.format);
  const Network network = LoadModel(o.model, ToLoadOptions(o));
  for (const std::string& w : network.warnings) Warn(w);
  std::ostringstream text;
  RenderInspect(network, format, text);
  Emit(text.str(), o.output);
  return 0;
}

void AddPlatformsOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("--format", o.format, "Output format")
      ->check(FormatValidator())
      ->type_name("FORMAT")
      ->default_str("table");
}

int RunPlatforms(const Options& o, const Context& context) {
  const Format format = ToFormat(o.format);
  const std::vector<std::string> search_path = PlatformSearchPath(context.exe_path);
  std::vector<Platform> platforms;
  int status = 0;
  for (const std::string& name : ListPlatforms(search_path)) {
    try {
      platforms.push_back(LoadPlatform(ResolvePlatform(name, search_path)));
    } catch (const Error& e) {
      // List the good profiles anyway; the exit status still reports the bad one.
      Warn(e.what());
      status = static_cast<int>(ExitCode::kError);
    }
  }
  std::ostringstream text;
  RenderPlatforms(platforms, search_path, format, text);
  Emit(text.str(), "");
  return status;
}

void AddNoOptions(CLI::App&, Options&) {}

int RunEstimators(const Options&, const Context&) {
  std::size_t width = 0;
  for (const EstimatorInfo& e : Estimators()) width = std::max(width, e.name.size());
  std::ostringstream text;
  for (const EstimatorInfo& e : Estimators()) {
    text << e.name << std::string(width - e.name.size() + 2, ' ') << e.description << '\n';
  }
  Emit(text.str(), "");
  return 0;
}

// --- sweep ------------------------------------------------------------------

// "--around in_c=64,in_h=32,kernel=3": overrides on the op's default base.
LayerConfig ParseAround(const std::string& text, LayerConfig base) {
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) throw Error("--around: '" + item + "' is not KEY=VALUE", ExitCode::kUsage);
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "precision") {
      if (!ParsePrecision(value, &base.precision)) {
        throw Error("--around: unknown precision '" + value + "'", ExitCode::kUsage);
      }
      continue;
    }
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size()) {
      throw Error("--around: " + key + ": '" + value + "' is not an integer", ExitCode::kUsage);
    }
    if (key == "batch")
      base.batch = v;
    else if (key == "in_c")
      base.in_c = v;
    else if (key == "in_h")
      base.in_h = v;
    else if (key == "in_w")
      base.in_w = v;
    else if (key == "hw")
      base.in_h = base.in_w = v;
    else if (key == "out_c")
      base.out_c = v;
    else if (key == "kernel")
      base.kernel_h = base.kernel_w = v;
    else if (key == "kernel_h")
      base.kernel_h = v;
    else if (key == "kernel_w")
      base.kernel_w = v;
    else if (key == "stride")
      base.stride_h = base.stride_w = v;
    else if (key == "stride_h")
      base.stride_h = v;
    else if (key == "stride_w")
      base.stride_w = v;
    else if (key == "groups")
      base.groups = v;
    else if (key == "dilation")
      base.dilation = v;
    else if (key == "pad")
      base.pad_h = base.pad_w = v;
    else if (key == "pad_h")
      base.pad_h = v;
    else if (key == "pad_w")
      base.pad_w = v;
    else {
      throw Error("--around: unknown key '" + key +
                      "' (batch, in_c, in_h, in_w, hw, out_c, kernel[_h|_w], stride[_h|_w], groups, dilation, "
                      "pad[_h|_w], precision)",
                  ExitCode::kUsage);
    }
  }
  return base;
}

void AddSweepOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("--op", o.op, "Layer type: Conv, DepthwiseConv, Gemm, MaxPool, AveragePool, Add, ...")
      ->type_name("OP")
      ->required();
  cmd.add_option("--design", o.design, "1d: one dimension at a time; grid: all combinations; random")
      ->check(CLI::IsMember({"1d", "grid", "random"}))
      ->type_name("DESIGN")
      ->default_str("1d");
  cmd.add_option("--around", o.around, "Fixed values, e.g. in_c=64,hw=32,kernel=3 (default: the op's defaults)")
      ->type_name("KEY=V,...");
  cmd.add_option("--dims", o.dims, "Dimensions to vary (default: in_c, out_c, in_h)")
      ->delimiter(',')
      ->type_name("DIM,...");
  cmd.add_option("--min", o.min, "Smallest value of a varied dimension")->type_name("N")->default_str("1");
  cmd.add_option("--max", o.max, "Largest value of a varied dimension")->type_name("N")->default_str("256");
  cmd.add_option("--step", o.step, "Take every N-th value (1d, grid)")->type_name("N")->default_str("1");
  cmd.add_option("--samples", o.samples, "Rows of a random design")->type_name("N")->default_str("200");
  cmd.add_option("--seed", o.seed, "Seed of the random design and the model weights")->type_name("N")->default_str("1");
  cmd.add_option("--precision", o.precision, "Precision recorded in the plan (default fp32)")
      ->check(PrecisionValidator())
      ->type_name("PRECISION");
  cmd.add_option("--out", o.out, "Directory for plan.csv (and models/)")->type_name("DIR")->required();
  cmd.add_flag("--models", o.models, "Also write one runnable single-layer ONNX model per row (random weights)");
}

int RunSweep(const Options& o, const Context&) {
  SweepOptions s;
  s.op = o.op;
  s.design = o.design == "grid" ? SweepDesign::kGrid : o.design == "random" ? SweepDesign::kRandom : SweepDesign::kOneD;
  s.base = o.around.empty() ? LayerConfig{} : ParseAround(o.around, DefaultSweepBase(o.op));
  if (!o.precision.empty()) ParsePrecision(o.precision, &s.base.precision);
  s.dims = o.dims;
  s.min = o.min;
  s.max = o.max;
  s.step = o.step;
  s.samples = o.samples;
  s.seed = static_cast<std::uint64_t>(o.seed);
  std::vector<LayerConfig> plan = PlanSweep(s);
  if (plan.empty()) throw Error("the sweep has no valid configuration");
  std::filesystem::create_directories(o.out);
  std::vector<Measurement> rows;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    Measurement m;
    m.config = plan[i];
    m.latency_ms = 0;
    if (o.models) {
      char name[32];
      std::snprintf(name, sizeof name, "models/%05zu.onnx", i);
      std::filesystem::create_directories(std::filesystem::path(o.out) / "models");
      WriteLayerModel(plan[i], (std::filesystem::path(o.out) / name).string(), s.seed + i);
      m.extra.emplace_back("model", name);
    }
    rows.push_back(std::move(m));
  }
  std::ostringstream csv;
  WriteMeasurements(rows, csv);
  const std::string path = (std::filesystem::path(o.out) / "plan.csv").string();
  Emit(csv.str(), path);
  std::cerr << "odonata: wrote " << rows.size() << " configurations to " << path
            << (o.models ? " and their models to " + (std::filesystem::path(o.out) / "models").string() : "") << '\n';
  return 0;
}

// --- fit ----------------------------------------------------------------------

void AddFitOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("MEASUREMENTS", o.inputs, "Measurement CSV files (README: Measurement CSV)")
      ->type_name("CSV")
      ->required();
  cmd.add_option("--base", o.platform, "Profile to start from: a name or a .json file (peaks, fusion, power)")
      ->type_name("PLATFORM")
      ->required();
  cmd.add_option("--out", o.out, "Write the fitted profile to FILE")->type_name("FILE");
  cmd.add_option("--name", o.name, "Name of the fitted profile (default: the --out file's stem)")->type_name("NAME");
  cmd.add_flag("--report", o.report, "Print per op class the chosen model, its parameters and errors");
  cmd.add_option("--format", o.format, "Format of --report")
      ->check(FormatValidator())
      ->type_name("FORMAT")
      ->default_str("table");
  cmd.add_option("--predictions", o.predictions, "Write measured vs predicted per row as CSV to FILE")
      ->type_name("FILE");
  cmd.add_option("--folds", o.folds, "Folds of the cross-validation that chooses each class's model")
      ->type_name("K")
      ->default_str("5");
}

int RunFit(const Options& o, const Context& context) {
  if (o.out.empty() && !o.report && o.predictions.empty()) {
    throw Error("fit: nothing to write: give --out, --report or --predictions", ExitCode::kUsage);
  }
  if (o.folds < 2) throw Error("--folds must be >= 2", ExitCode::kUsage);
  Platform base = LoadPlatform(ResolvePlatform(o.platform, PlatformSearchPath(context.exe_path)));
  std::vector<Measurement> rows;
  std::string files;
  for (const std::string& path : o.inputs) {
    std::vector<Measurement> part = ReadMeasurements(path, /*require_latency=*/true);
    rows.insert(rows.end(), part.begin(), part.end());
    files += (files.empty() ? "" : ", ") + path;
  }
  const std::string provenance = "measured: " + files + ", odonata " + std::string(ODONATA_VERSION);
  FitReport fit = FitPlatform(rows, base, provenance, o.folds);
  for (const std::string& w : fit.warnings) Warn(w);
  if (!o.name.empty()) {
    fit.platform.name = o.name;
  } else if (!o.out.empty()) {
    fit.platform.name = std::filesystem::path(o.out).stem().string();
  }
  if (!o.out.empty()) {
    fit.platform.notes.push_back("Fitted by " + provenance + " on top of " + base.name + ".");
    std::ostringstream json;
    WritePlatform(fit.platform, json);
    ParsePlatform(json.str(), o.out);  // what we write must load
    Emit(json.str(), o.out);
  }
  if (!o.predictions.empty()) {
    std::ostringstream csv;
    RenderFitReport(fit, Format::kCsv, csv);
    Emit(csv.str(), o.predictions);
  }
  if (o.report) {
    std::ostringstream text;
    RenderFitReport(fit, ToFormat(o.format), text);
    Emit(text.str(), "");
  }
  return 0;
}

// --- import -------------------------------------------------------------------

void AddImportOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("REPORT", o.model,
                 "Runtime report: OpenVINO counters CSV, ONNX Runtime profile JSON, trtexec profile JSON")
      ->type_name("FILE")
      ->required();
  cmd.add_option("--runtime", o.runtime, "Format of REPORT")
      ->check(CLI::IsMember({"openvino", "onnxruntime", "tensorrt"}))
      ->type_name("RUNTIME")
      ->required();
  cmd.add_option("--network", o.network, "The network the report is of: ONNX model, or ANNETTE graph (.json)")
      ->type_name("FILE")
      ->required();
  cmd.add_option("--precision", o.precision, "Precision the report was measured at")
      ->check(PrecisionValidator())
      ->type_name("PRECISION")
      ->required();
  cmd.add_option("-o,--output", o.output, "Write the measurement CSV to FILE instead of stdout")->type_name("FILE");
}

int RunImport(const Options& o, const Context&) {
  RuntimeReport report = o.runtime == "openvino"      ? ReadOpenVinoReport(o.model)
                         : o.runtime == "onnxruntime" ? ReadOrtProfile(o.model)
                                                      : ReadTensorRtProfile(o.model);
  Network network = LoadModel(o.network);
  for (const std::string& w : network.warnings) Warn(w);
  Precision precision = Precision::kFp32;
  ParsePrecision(o.precision, &precision);
  ImportResult result = MatchReport(report, network, precision);
  // Rows the runtime did not execute (fused away, free) are expected; say only how many.
  std::vector<std::string> executed;
  for (const std::string& u : result.unmatched) {
    if (u.find("not executed") == std::string::npos) executed.push_back(u);
  }
  if (!executed.empty()) {
    Warn(std::to_string(executed.size()) + " executed report row(s) not imported, e.g. " + executed.front());
  }
  std::ostringstream csv;
  WriteMeasurements(result.rows, csv);
  Emit(csv.str(), o.output);
  std::cerr << "odonata: imported " << result.rows.size() << " of " << report.layers.size() << " report rows\n";
  return 0;
}

// --- materialize ----------------------------------------------------------------

void AddMaterializeOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("MODEL", o.model, "Weight-stripped ONNX model (external data absent)")->type_name("FILE")->required();
  cmd.add_option("-o,--output", o.output, "Write the self-contained, runnable model to FILE")
      ->type_name("FILE")
      ->required();
  cmd.add_option("--seed", o.seed, "Seed of the random values")->type_name("N")->default_str("1");
}

int RunMaterialize(const Options& o, const Context&) {
  const std::int64_t filled = MaterializeOnnx(o.model, o.output, static_cast<std::uint64_t>(o.seed));
  std::cerr << "odonata: filled " << filled << " tensor(s) with random values; wrote " << o.output << '\n';
  return 0;
}

// --- check --------------------------------------------------------------------

void AddCheckOptions(CLI::App& cmd, Options& o) {
  cmd.footer(std::string(kExitCodes) +
             "\n  3  a tolerance (--max-mape, --max-error, --max-energy-mape) was exceeded or the baseline regressed"
             "\n     (a row whose model or platform cannot be loaded is reported, and the status is 1)");
  cmd.add_option("SUITE", o.inputs, "Validation suites (data/validation/*.csv)")->type_name("CSV")->required();
  cmd.add_option("--baseline", o.baseline, "Fail when errors regress against FILE (written by --write-baseline)")
      ->type_name("FILE");
  cmd.add_option("--write-baseline", o.write_baseline, "Write this run's errors to FILE as the next baseline")
      ->type_name("FILE");
  cmd.add_option("--max-mape", o.max_mape, "Fail when a platform's MAPE exceeds PCT")
      ->check(CLI::NonNegativeNumber)
      ->type_name("PCT");
  cmd.add_option("--max-error", o.max_error, "Fail when a row's |error| exceeds PCT")
      ->check(CLI::NonNegativeNumber)
      ->type_name("PCT");
  cmd.add_option("--max-energy-mape", o.max_energy_mape,
                 "Fail when a platform's energy MAPE (rows with a measured energy) exceeds PCT")
      ->check(CLI::NonNegativeNumber)
      ->type_name("PCT");
  cmd.add_option("--margin", o.margin,
                 "Regression allowed against the baseline: PP points of platform MAPE and energy MAPE, 5 x PP of a "
                 "row's |error| and |energy error|")
      ->check(CLI::NonNegativeNumber)
      ->type_name("PP")
      ->default_str("1");
  cmd.add_option("--split", o.split, "Rows to estimate, report and check")
      ->check(CLI::IsMember({"validation", "calibration", "all"}))
      ->type_name("SPLIT")
      ->default_str("validation");
  cmd.add_option("--format", o.format, "Output format")
      ->check(CLI::IsMember({"table", "markdown", "json"}))
      ->type_name("FORMAT")
      ->default_str("table");
  cmd.add_option("--junit", o.junit, "Also write a JUnit XML report to FILE")->type_name("FILE");
  cmd.add_option("-o,--output", o.output, "Write the report to FILE instead of stdout")->type_name("FILE");
}

int RunCheckCommand(const Options& o, const Context& context) {
  const CheckFormat format = o.format == "markdown" ? CheckFormat::kMarkdown
                             : o.format == "json"   ? CheckFormat::kJson
                                                    : CheckFormat::kTable;
  std::vector<ValidationRow> rows;
  for (const std::string& path : o.inputs) {
    for (ValidationRow& row : ReadValidationSuite(path)) {
      if (o.split == "all" || (o.split == "calibration") == row.calibration) rows.push_back(std::move(row));
    }
  }
  if (rows.empty()) throw Error("check: no " + o.split + " rows in the suite(s)");
  CheckOptions options;
  options.search_path = PlatformSearchPath(context.exe_path);
  if (o.max_mape >= 0) options.max_mape = o.max_mape;
  if (o.max_error >= 0) options.max_error = o.max_error;
  if (o.max_energy_mape >= 0) options.max_energy_mape = o.max_energy_mape;
  options.baseline = o.baseline;
  options.regression_margin = o.margin;
  // --split chooses the rows; every row chosen is checked.
  options.validation_only = false;
  const CheckResult result = RunCheck(rows, options);

  if (!o.write_baseline.empty()) {
    std::ostringstream json;
    WriteBaseline(result, json);
    Emit(json.str(), o.write_baseline);
  }
  if (!o.junit.empty()) {
    std::ostringstream xml;
    RenderJunit(result, xml);
    Emit(xml.str(), o.junit);
  }
  std::ostringstream text;
  RenderCheck(result, format, text);
  Emit(text.str(), o.output);
  // Rows that could not be estimated are input errors: the report lists them all, stderr names one.
  std::size_t unusable = 0;
  const CheckRow* first = nullptr;
  for (const CheckRow& r : result.rows) {
    if (r.error.empty()) continue;
    ++unusable;
    if (first == nullptr) first = &r;
  }
  if (first != nullptr) {
    std::cerr << "odonata: error: " << unusable << " row(s) could not be estimated, e.g. " << first->failures.front()
              << '\n';
    return static_cast<int>(ExitCode::kError);
  }
  return static_cast<int>(result.ok() ? ExitCode::kOk : ExitCode::kToleranceExceeded);
}

// --- calibrate ------------------------------------------------------------------

void AddCalibrateOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("SUITE", o.inputs, "Validation suites (data/validation/*.csv); only their calibration rows are used")
      ->type_name("CSV")
      ->required();
  cmd.add_option("-p,--platform", o.platform, "Profile to calibrate: a name or a .json file")
      ->type_name("PLATFORM")
      ->required();
  cmd.add_option("--out", o.out, "Write the calibrated profile to FILE")->type_name("FILE")->required();
  cmd.add_option("--measures", o.measures, "Use only rows measuring this (e.g. 'compute'); needed when kinds mix")
      ->type_name("KIND");
  cmd.add_flag("--no-overhead", o.no_overhead, "Keep the profile's overhead; fit the time scale only");
}

int RunCalibrate(const Options& o, const Context& context) {
  const std::string path = ResolvePlatform(o.platform, PlatformSearchPath(context.exe_path));
  const Platform platform = LoadPlatform(path);
  std::vector<ValidationRow> rows;
  std::set<std::string> kinds;
  for (const std::string& suite : o.inputs) {
    for (ValidationRow& row : ReadValidationSuite(suite)) {
      if (!row.calibration || row.platform != platform.name) continue;
      if (!o.measures.empty() && row.measures != o.measures) continue;
      kinds.insert(row.measures);
      rows.push_back(std::move(row));
    }
  }
  if (rows.empty()) {
    throw Error("calibrate: no calibration rows of platform '" + platform.name + "'" +
                (o.measures.empty() ? "" : " measuring '" + o.measures + "'"));
  }
  kinds.erase("layers_sum");
  if (kinds.size() > 1) {
    std::string list;
    for (const std::string& k : kinds) list += (list.empty() ? "'" : ", '") + k + "'";
    throw Error("calibrate: the calibration rows measure different things (" + list + "); choose one with --measures",
                ExitCode::kUsage);
  }
  std::string files;
  for (const std::string& suite : o.inputs) files += (files.empty() ? "" : ", ") + suite;
  const Calibration c = CalibratePlatform(rows, platform, !o.no_overhead);
  const std::string source = "calibrated by odonata " + std::string(ODONATA_VERSION) + " on the " +
                             std::to_string(rows.size()) + " calibration rows of " + files +
                             (o.measures.empty() ? "" : " measuring '" + o.measures + "'");
  Platform out = ApplyCalibration(platform, c, source);
  std::ostringstream json;
  WritePlatform(out, json);
  ParsePlatform(json.str(), o.out);  // what we write must load
  Emit(json.str(), o.out);
  std::cerr << "odonata: " << platform.name << ": " << rows.size() << " calibration rows, layer times x" << c.scale
            << (c.overhead_fitted ? ", overhead " + std::to_string(c.overhead_ms) + " ms" : ", overhead kept")
            << ", MAPE " << c.mape_before << "% -> " << c.mape_after << "%\n";
  return 0;
}

// --- power-trace ----------------------------------------------------------------

void AddPowerTraceOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("TRACE", o.model, "Power trace CSV: time_s and watts, volts+amps, or volts+shunt_v")
      ->type_name("CSV")
      ->required();
  cmd.add_option("--events", o.events, "Windows to integrate (CSV: start_s,end_s,name); default: detect inferences")
      ->type_name("CSV");
  cmd.add_option("--shunt-ohms", o.shunt_ohms, "Shunt resistance for a shunt_v column")
      ->type_name("OHMS")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--min-ms", o.min_ms, "Shortest run above the threshold counted as an inference (detection)")
      ->type_name("MS")
      ->check(CLI::NonNegativeNumber)
      ->default_str("1");
  cmd.add_option("--format", o.format, "Output format")
      ->check(FormatValidator())
      ->type_name("FORMAT")
      ->default_str("table");
  cmd.add_option("-o,--output", o.output, "Write the report to FILE instead of standard output")->type_name("FILE");
}

int RunPowerTrace(const Options& o, const Context&) {
  const Format format = ToFormat(o.format);
  PowerTraceOptions options;
  if (o.shunt_ohms > 0) options.shunt_ohms = o.shunt_ohms;
  const PowerTrace trace = LoadPowerTrace(o.model, options);
  const std::vector<PowerWindow> events = o.events.empty() ? std::vector<PowerWindow>{} : LoadPowerEvents(o.events);
  const PowerTraceReport report = AnalysePowerTrace(trace, events, o.min_ms * 1e-3);
  for (const std::string& w : report.warnings) Warn(w);
  std::ostringstream text;
  RenderPowerTrace(report, format, text);
  Emit(text.str(), o.output);
  return 0;
}

// --- compare, explore ------------------------------------------------------------

// "explore 123/480 [#####     ]" on stderr while a run lasts, only when stderr
// is a terminal (nothing in pipes and logs); erased when done.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label) : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}
  ~ProgressBar() { Clear(); }

  void Update(std::size_t done, std::size_t total) {
    if (!enabled_ || total == 0) return;
    constexpr std::size_t kWidth = 30;
    const std::size_t filled = std::min(kWidth, done * kWidth / total);
    if (shown_ && filled == filled_ && done != total && done % 16 != 0) return;  // redraw sparingly
    filled_ = filled;
    std::cerr << '\r' << label_ << ' ' << done << '/' << total << " [" << std::string(filled, '#')
              << std::string(kWidth - filled, ' ') << ']' << std::flush;
    shown_ = true;
  }
  void Clear() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
    shown_ = false;
  }

 private:
  std::string label_;
  bool enabled_;
  bool shown_ = false;
  std::size_t filled_ = 0;
};

void AddCompareOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("MODEL", o.inputs, "ONNX models (or ANNETTE graphs, .json)")->type_name("FILE")->required();
  cmd.add_option("-p,--platform,--platforms", o.platform,
                 "'all' (every profile on the search path) or NAME[:MODE|:*],... (':*': every mode); "
                 "explore's default: all")
      ->type_name("all|LIST");
  cmd.add_option("--precision,--precisions", o.precisions, "Precisions to try (default: each platform's own)")
      ->delimiter(',')
      ->check(PrecisionValidator())
      ->type_name("P,...");
  cmd.add_option("--max-latency", o.max_latency, "Keep candidates at most this slow: 100ms, 0.1s, 250us")
      ->type_name("TIME");
  cmd.add_option("--max-energy", o.max_energy, "Keep candidates using at most this energy per inference: 5mJ, 1J")
      ->type_name("ENERGY");
  cmd.add_option("--max-price", o.max_price, "Keep platforms costing at most this: $100")->type_name("USD");
  cmd.add_option("--batch", o.batch, "Value for symbolic batch dimensions (default 1)")
      ->check(BatchValidator())
      ->type_name("N");
  cmd.add_option("--format", o.format, "Output format (html: scatter plots and the table)")
      ->check(CLI::IsMember({"table", "json", "csv", "html"}))
      ->type_name("FORMAT")
      ->default_str("table");
  cmd.add_option("-o,--output", o.output, "Write the report to FILE instead of stdout")->type_name("FILE");
}

void AddExploreOptions(CLI::App& cmd, Options& o) {
  AddCompareOptions(cmd, o);
  cmd.add_option("--resolutions", o.resolutions, "Input sizes WxH of the image input, e.g. 320x320,640x640,1280x720")
      ->delimiter(',')
      ->type_name("WxH,...");
  cmd.add_option("--accuracy", o.accuracy, "CSV with columns model,accuracy[,resolution] (e.g. mAP per model)")
      ->type_name("CSV");
  cmd.add_option("--min-accuracy", o.min_accuracy, "Keep candidates at least this accurate (the CSV's unit)")
      ->type_name("X");
}

// Option value parsers throw Error(kUsage) naming the text; add the option.
template <typename F>
auto OptionValue(const char* option, const std::string& text, F parse) {
  try {
    return parse(text);
  } catch (const Error& e) {
    throw e.WithContext(option);
  }
}

int RunExplore(const Options& o, const Context& context, const char* command) {
  Format format = Format::kTable;
  ParseFormat(o.format, &format);
  ExploreSpec spec;
  spec.models = o.inputs;
  for (const std::string& p : o.precisions) {
    Precision precision;
    if (!ParsePrecision(p, &precision)) throw Error("unknown precision '" + p + "'", ExitCode::kUsage);
    if (std::find(spec.precisions.begin(), spec.precisions.end(), precision) == spec.precisions.end()) {
      spec.precisions.push_back(precision);
    }
  }
  for (const std::string& r : o.resolutions)
    spec.resolutions.push_back(OptionValue("--resolutions", r, ParseResolution));
  if (!o.max_latency.empty())
    spec.constraints.max_latency_ms = OptionValue("--max-latency", o.max_latency, ParseDurationMs);
  if (!o.max_energy.empty()) spec.constraints.max_energy_mj = OptionValue("--max-energy", o.max_energy, ParseEnergyMj);
  if (!o.max_price.empty()) spec.constraints.max_price_usd = OptionValue("--max-price", o.max_price, ParsePriceUsd);
  AccuracyTable accuracy;
  if (!o.accuracy.empty()) {
    accuracy = AccuracyTable::Load(o.accuracy);
    spec.accuracy = &accuracy;
  }
  if (!o.min_accuracy.empty()) {
    if (o.accuracy.empty()) throw Error("--min-accuracy needs --accuracy FILE", ExitCode::kUsage);
    spec.constraints.min_accuracy = OptionValue("--min-accuracy", o.min_accuracy, [](const std::string& t) {
      std::size_t used = 0;
      double v = 0;
      try {
        v = std::stod(t, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != t.size() || !std::isfinite(v))
        throw Error("'" + t + "' is not a number", ExitCode::kUsage);
      return v;
    });
  }
  if (o.batch > 0) spec.batch = o.batch;
  // Platforms first: a typo there should not wait for the models to load.
  spec.platforms = LoadPlatforms(o.platform.empty() ? "all" : o.platform, PlatformSearchPath(context.exe_path));

  ExploreResult result;
  {
    ProgressBar bar(command);
    result = Explore(spec, [&](std::size_t done, std::size_t total) { bar.Update(done, total); });
  }
  for (const std::string& w : result.warnings) Warn(w);
  if (result.candidates.empty()) {
    Warn("no candidate: " + std::to_string(result.filtered) + " estimated outside the constraints, " +
         std::to_string(result.skipped.size()) + " skipped");
  }
  std::ostringstream text;
  RenderExplore(result, format, text);
  Emit(text.str(), o.output);
  return 0;
}

int RunCompare(const Options& o, const Context& context) {
  if (o.platform.empty()) throw Error("compare: --platform is required: 'all' or a list of names", ExitCode::kUsage);
  return RunExplore(o, context, "compare");
}

int RunExploreCommand(const Options& o, const Context& context) { return RunExplore(o, context, "explore"); }

// --- partition ------------------------------------------------------------------

void AddPartitionOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("MODEL", o.model, "ONNX model file, or an ANNETTE graph (.json)")->type_name("FILE")->required();
  cmd.add_option("-p,--platform", o.platform, "The node's platform profile: a name or a .json file")
      ->type_name("PLATFORM")
      ->required();
  cmd.add_option("--link", o.link, "Link technology: a name in the link file (wifi, ble, lora, lte, ethernet)")
      ->type_name("LINK")
      ->required();
  cmd.add_option("--links", o.links, "Link file (default: data/links.json)")->type_name("FILE");
  cmd.add_option("--bits", o.bits, "Quantise floating-point tensors to B bits before sending (default: as stored)")
      ->check(CLI::Range(1, 8))
      ->type_name("B");
  cmd.add_option("--remote", o.remote, "Remote platform profile (default: remote time not modelled, 0)")
      ->type_name("PLATFORM");
  cmd.add_option("--objective", o.objective, "What the best cut minimises")
      ->check(CLI::IsMember({"latency", "node-energy"}))
      ->type_name("latency|node-energy")
      ->default_str("latency");
  cmd.add_option("--max-latency", o.max_latency, "Only cuts at most this slow end to end: 100ms, 0.1s")
      ->type_name("TIME");
  cmd.add_option("--max-node-energy", o.max_node_energy, "Only cuts costing the node at most this: 5mJ, 1J")
      ->type_name("ENERGY");
  cmd.add_flag("--results-on-node", o.results_on_node,
               "Results stay on the node: remote outputs come back (default: results wanted remotely)");
  cmd.add_option("--precision", o.precision, "Precision on the node (default: the platform's)")
      ->check(PrecisionValidator())
      ->type_name("PRECISION");
  cmd.add_option("--format", o.format, "Output format (html: charts of the cost per cut and the table)")
      ->check(CLI::IsMember({"table", "json", "csv", "html"}))
      ->type_name("FORMAT")
      ->default_str("table");
  cmd.add_option("-o,--output", o.output, "Write the report to FILE instead of stdout")->type_name("FILE");
  cmd.add_option("--input-shape", o.input_shapes, "Static shape of a graph input, e.g. data=1x3x224x224 (repeatable)")
      ->check(InputShapeValidator())
      ->allow_extra_args(false)
      ->type_name("NAME=DIMS");
  cmd.add_option("--batch", o.batch, "Value for symbolic batch dimensions (default 1)")
      ->check(BatchValidator())
      ->type_name("N");
}

int RunPartition(const Options& o, const Context& context) {
  const Format format = ToFormat(o.format);
  PartitionOptions p;
  if (o.bits > 0) p.encoding.bits = o.bits;
  if (!ParseObjective(o.objective, &p.objective)) {
    throw Error("unknown objective '" + o.objective + "' (latency, node-energy)", ExitCode::kUsage);
  }
  if (!o.max_latency.empty()) p.max_latency_ms = OptionValue("--max-latency", o.max_latency, ParseDurationMs);
  if (!o.max_node_energy.empty()) {
    p.max_node_energy_mj = OptionValue("--max-node-energy", o.max_node_energy, ParseEnergyMj);
  }
  p.results_on_node = o.results_on_node;
  if (!o.precision.empty()) {
    Precision precision;
    if (!ParsePrecision(o.precision, &precision)) {
      throw Error("unknown precision '" + o.precision + "'", ExitCode::kUsage);
    }
    p.node.precision = precision;
  }
  // The small inputs first: a typo in a link or platform should not wait for a large model.
  const std::string links_path = o.links.empty() ? DefaultLinksPath(context.exe_path) : o.links;
  if (links_path.empty()) throw Error("no link file found (data/links.json); give one with --links");
  const LinkTable links = LoadLinks(links_path);
  const Link& link = FindLink(links, o.link);
  p.encoding.zero_fraction = links.relu_zero_fraction;
  const std::vector<std::string> search_path = PlatformSearchPath(context.exe_path);
  const Platform node = LoadPlatform(ResolvePlatform(o.platform, search_path));
  std::optional<Platform> remote;
  if (!o.remote.empty()) remote = LoadPlatform(ResolvePlatform(o.remote, search_path));
  const Network network = LoadModel(o.model, ToLoadOptions(o));
  PartitionReport report = Partition(network, node, remote ? &*remote : nullptr, link, p);
  report.links_path = links_path;

  std::vector<std::string> printed;
  const std::vector<std::string>* lists[] = {&network.warnings, &report.warnings};
  for (const auto* list : lists) {
    for (const std::string& w : *list) {
      if (std::find(printed.begin(), printed.end(), w) != printed.end()) continue;
      printed.push_back(w);
      Warn(w);
    }
  }
  std::ostringstream text;
  RenderPartition(report, format, text);
  Emit(text.str(), o.output);
  return 0;
}

// The subcommands, in the order `odonata --help` lists them.
const Command kCommands[] = {
    {"estimate", "Estimate the latency and energy of an ONNX model on a platform", AddEstimateOptions, RunEstimate},
    {"inspect", "Show the shapes and counts (MACs, FLOPs, params) of every node", AddModelOptions, RunInspect},
    {"platforms", "List the platform profiles on the search path", AddPlatformsOptions, RunPlatforms},
    {"estimators", "List the per-layer estimators platform profiles can name", AddNoOptions, RunEstimators},
    {"sweep", "Write a micro-benchmark plan (CSV) and optionally its single-layer ONNX models", AddSweepOptions,
     RunSweep},
    {"fit", "Fit per-op-class latency (and power) models to measurements and write a platform profile", AddFitOptions,
     RunFit},
    {"import", "Turn a runtime's per-layer report (OpenVINO, ONNX Runtime, TensorRT) into measurements",
     AddImportOptions, RunImport},
    {"check", "Estimate validation suites, compare with the measurements, fail on tolerances or regressions",
     AddCheckOptions, RunCheckCommand},
    {"materialize", "Fill a weight-stripped model's missing tensors with random data so that it can be run",
     AddMaterializeOptions, RunMaterialize},
    {"calibrate", "Fit a platform's time scale and overhead on a suite's calibration rows", AddCalibrateOptions,
     RunCalibrate},
    {"power-trace", "Integrate a sampled power trace into energy per window (layer or inference)", AddPowerTraceOptions,
     RunPowerTrace},
    {"partition", "Split a network between a node and a remote device over a link: cost of every cut, the best one",
     AddPartitionOptions, RunPartition},
    {"compare", "Latency, energy, throughput and price of models on several platforms; marks the Pareto front",
     AddCompareOptions, RunCompare},
    {"explore", "Explore models x platforms x precisions x input sizes under constraints; the Pareto front",
     AddExploreOptions, RunExploreCommand},
};

std::string ExePath(const char* argv0) {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return exe.string();
  exe = std::filesystem::absolute(argv0 ? argv0 : "odonata", ec);
  return ec ? std::string() : exe.string();
}

int Main(int argc, char** argv) {
  CLI::App app("Estimate the latency and energy of neural networks (ONNX) on edge platforms.", "odonata");
  app.set_version_flag("--version", std::string("odonata ") + ODONATA_VERSION);
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.failure_message([](const CLI::App* top, const CLI::Error& e) {
    std::string help = "odonata";
    for (const CLI::App* sub : top->get_subcommands()) help += " " + sub->get_name();
    return std::string("odonata: error: ") + e.what() + "\nRun '" + help + " --help' for more information.\n";
  });

  Options options;
  std::vector<std::pair<CLI::App*, const Command*>> subcommands;
  for (const Command& command : kCommands) {
    CLI::App* cmd = app.add_subcommand(command.name, command.summary);
    cmd->footer(kExitCodes);
    command.add_options(*cmd, options);
    subcommands.emplace_back(cmd, &command);
  }

  // CLI11 would say "A subcommand is required" for a mistyped one; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const Command& command : kCommands) {
      known = known || argv[1] == std::string_view(command.name);
      names += (names.empty() ? "" : ", ") + std::string(command.name);
    }
    if (!known) {
      throw Error("unknown command '" + std::string(argv[1]) + "' (commands: " + names + ")", ExitCode::kUsage);
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse failure is a usage error.
    return app.exit(e) == 0 ? 0 : static_cast<int>(ExitCode::kUsage);
  }

  const Context context{ExePath(argc > 0 ? argv[0] : nullptr)};
  for (const auto& [cmd, command] : subcommands) {
    if (cmd->parsed()) return command->run(options, context);
  }
  return static_cast<int>(ExitCode::kUsage);  // unreachable: require_subcommand(1)
}

}  // namespace
}  // namespace odonata

int main(int argc, char** argv) {
  try {
    return odonata::Main(argc, argv);
  } catch (const odonata::Error& e) {
    std::cerr << "odonata: error: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "odonata: error: internal: " << e.what() << '\n';
    return static_cast<int>(odonata::ExitCode::kError);
  }
}
