// `odonata estimators`: the per-layer estimator registry.
#include <sstream>

#include "command.h"
#include "odonata/estimator.h"

namespace odonata::cli {
namespace {

int Run(const Context&) {
  std::ostringstream text;
  RenderEstimators(Estimators(), text);
  Emit(text.str());
  return 0;
}

}  // namespace

Runner SetupEstimators(CLI::App&) { return Run; }

}  // namespace odonata::cli
