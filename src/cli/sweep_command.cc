// `odonata sweep --op OP --out DIR`: a micro-benchmark plan (DIR/plan.csv) and
// optionally one runnable single-layer model per row.
#include <memory>

#include "command.h"
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
  std::optional<std::string> plan;  // configurations from a plan CSV instead of a design
  bool progress = false;
};

int Run(const SweepArgs& a, const Context&) {
  if (a.plan) {
    // A plan drawn elsewhere (tools/ort/census_sweeps.py): its rows as they are.
    std::vector<LayerConfig> plan;
    for (const Measurement& m : ReadMeasurements(*a.plan, false)) plan.push_back(m.config);
    SweepFiles files;
    {
      ProgressBar bar("sweep", a.progress);
      files = WriteSweep(plan, a.out, a.models, static_cast<std::uint64_t>(a.seed),
                         [&bar](std::size_t done, std::size_t total) { bar.Update(done, total); });
    }
    Note("wrote " + std::to_string(files.rows) + " configurations of " + *a.plan + " to " + files.plan +
         (a.models ? " and their models to " + files.models : ""));
    return 0;
  }
  if (a.op.empty()) throw Error("sweep: --op or --plan is required", ExitCode::kUsage);
  SweepOptions s;
  s.op = a.op;
  s.design = a.design;
  // The op's defaults, then --around, then --precision.
  s.base = ParseAround(a.around.value_or(""), DefaultSweepBase(a.op));
  if (a.precision) s.base.precision = *a.precision;
  s.dims = a.dims;
  s.min = a.min;
  s.max = a.max;
  s.step = a.step;
  s.samples = a.samples;
  s.seed = static_cast<std::uint64_t>(a.seed);
  SweepFiles files;
  {
    ProgressBar bar("sweep", a.progress);
    files = WriteSweep(PlanSweep(s), a.out, a.models, s.seed,
                       [&bar](std::size_t done, std::size_t total) { bar.Update(done, total); });
  }
  Note("wrote " + std::to_string(files.rows) + " configurations to " + files.plan +
       (a.models ? " and their models to " + files.models : ""));
  return 0;
}

}  // namespace

Runner SetupSweep(CLI::App& cmd) {
  auto a = std::make_shared<SweepArgs>();
  cmd.add_option("--op", a->op, "Layer type: Conv, DepthwiseConv, Gemm, MaxPool, AveragePool, Add, ..., LSTM, GRU, RNN, RoiAlign, ScatterElements, SiLU (Sigmoid + Mul), TopK, NonZero, GatherND, Slice, SliceH, Gather, GatherColumn, GatherBlock, SoftmaxLast, ReduceMean, Transpose3D, NonMaxSuppressionIoU (IoU threshold = kernel / 100), NonMaxSuppressionAnchors (the same on SSD anchor boxes: groups classes, in_w anchors); Conv1d, DepthwiseConv1d (a Conv over [batch, in_c, in_w]: in_h, kernel_h, stride_h 1, the window kernel_w, stride_w, pad_w; class conv1d); a convolution and a fused activation, ConvClip, ConvHardSwish, ConvSigmoid, ConvHardSigmoid, ConvRelu, DepthwiseConvClip, ... (swept as the convolution; pair each with a plain Conv line of the same --seed and dims for fit's fused_activation_ns)")
      ->type_name("OP");
  cmd.add_option("--plan", a->plan,
                 "Configurations from a measurement CSV (plan) instead of --op and a design (e.g. census samples)")
      ->type_name("FILE")
      ->excludes("--op");
  cmd.add_option_function<std::string>(
         "--design", [a](const std::string& text) { ParseSweepDesign(text, &a->design); },
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
  AddPrecisionOption(cmd, a->precision,
                     "Precision recorded in the plan (default fp32); with --models, int8 Conv, DepthwiseConv, Gemm and "
                     "MatMul are QDQ models");
  cmd.add_option("--out", a->out, "Directory for plan.csv (and models/)")->type_name("DIR")->required();
  cmd.add_flag("--models", a->models, "Also write one runnable single-layer ONNX model per row (random weights)");
  AddProgressOption(cmd, a->progress);
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
