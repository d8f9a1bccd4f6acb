// `odonata sweep --op OP --out DIR`: a micro-benchmark plan (DIR/plan.csv) and
// optionally one runnable single-layer model per row.
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/errors.h"
#include "odonata/measurements.h"
#include "odonata/onnx.h"
#include "odonata/sweep.h"

namespace odonata::cli {
namespace {

struct SweepArgs {
  std::string op;
  SweepDesign design = SweepDesign::kOneD;
  std::optional<std::string> around;  // default: the op's defaults
  std::vector<std::string> dims;      // default: the op's
  std::int64_t min = 1, max = 256, step = 1, samples = 200, seed = 1;
  std::optional<Precision> precision;  // default fp32
  std::string out;
  bool models = false;
};

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

int Run(const SweepArgs& a, const Context&) {
  SweepOptions s;
  s.op = a.op;
  s.design = a.design;
  s.base = a.around ? ParseAround(*a.around, DefaultSweepBase(a.op)) : LayerConfig{};
  if (a.precision) s.base.precision = *a.precision;
  s.dims = a.dims;
  s.min = a.min;
  s.max = a.max;
  s.step = a.step;
  s.samples = a.samples;
  s.seed = static_cast<std::uint64_t>(a.seed);
  std::vector<LayerConfig> plan = PlanSweep(s);
  if (plan.empty()) throw Error("the sweep has no valid configuration");
  std::filesystem::create_directories(a.out);
  std::vector<Measurement> rows;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    Measurement m;
    m.config = plan[i];
    m.latency_ms = 0;
    if (a.models) {
      char name[32];
      std::snprintf(name, sizeof name, "models/%05zu.onnx", i);
      std::filesystem::create_directories(std::filesystem::path(a.out) / "models");
      WriteLayerModel(plan[i], (std::filesystem::path(a.out) / name).string(), s.seed + i);
      m.extra.emplace_back("model", name);
    }
    rows.push_back(std::move(m));
  }
  std::ostringstream csv;
  WriteMeasurements(rows, csv);
  const std::string path = (std::filesystem::path(a.out) / "plan.csv").string();
  Emit(csv.str(), path);
  std::cerr << "odonata: wrote " << rows.size() << " configurations to " << path
            << (a.models ? " and their models to " + (std::filesystem::path(a.out) / "models").string() : "") << '\n';
  return 0;
}

}  // namespace

Runner SetupSweep(CLI::App& cmd) {
  auto a = std::make_shared<SweepArgs>();
  cmd.add_option("--op", a->op, "Layer type: Conv, DepthwiseConv, Gemm, MaxPool, AveragePool, Add, ...")
      ->type_name("OP")
      ->required();
  cmd.add_option_function<std::string>(
         "--design",
         [a](const std::string& text) {
           a->design = text == "grid"     ? SweepDesign::kGrid
                       : text == "random" ? SweepDesign::kRandom
                                          : SweepDesign::kOneD;
         },
         "1d: one dimension at a time; grid: all combinations; random")
      ->check(CLI::IsMember({"1d", "grid", "random"}))
      ->type_name("DESIGN")
      ->default_str("1d");
  cmd.add_option("--around", a->around, "Fixed values, e.g. in_c=64,hw=32,kernel=3 (default: the op's defaults)")
      ->type_name("KEY=V,...");
  cmd.add_option("--dims", a->dims, "Dimensions to vary (default: in_c, out_c, in_h)")
      ->delimiter(',')
      ->type_name("DIM,...");
  cmd.add_option("--min", a->min, "Smallest value of a varied dimension")->type_name("N")->default_str("1");
  cmd.add_option("--max", a->max, "Largest value of a varied dimension")->type_name("N")->default_str("256");
  cmd.add_option("--step", a->step, "Take every N-th value (1d, grid)")->type_name("N")->default_str("1");
  cmd.add_option("--samples", a->samples, "Rows of a random design")->type_name("N")->default_str("200");
  cmd.add_option("--seed", a->seed, "Seed of the random design and the model weights")
      ->type_name("N")
      ->default_str("1");
  AddPrecisionOption(cmd, a->precision, "Precision recorded in the plan (default fp32)");
  cmd.add_option("--out", a->out, "Directory for plan.csv (and models/)")->type_name("DIR")->required();
  cmd.add_flag("--models", a->models, "Also write one runnable single-layer ONNX model per row (random weights)");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
