// `odonata materialize MODEL -o OUT`: a weight-stripped model made runnable.
#include <memory>

#include "command.h"
#include "odonata/onnx.h"

namespace odonata::cli {
namespace {

struct MaterializeArgs {
  std::string model;
  std::string output;
  std::int64_t seed = 1;
};

int Run(const MaterializeArgs& a, const Context&) {
  const std::int64_t filled = MaterializeOnnx(a.model, a.output, static_cast<std::uint64_t>(a.seed));
  Note("filled " + std::to_string(filled) + " tensor(s) with random values; wrote " + a.output);
  return 0;
}

}  // namespace

Runner SetupMaterialize(CLI::App& cmd) {
  auto a = std::make_shared<MaterializeArgs>();
  cmd.add_option("MODEL", a->model, "Weight-stripped ONNX model (external data absent)")->type_name("FILE")->required();
  cmd.add_option("-o,--output", a->output, "Write the self-contained, runnable model to FILE")
      ->type_name("FILE")
      ->required();
  cmd.add_option("--seed", a->seed, "Seed of the random values")->type_name("N")->default_str("1");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
