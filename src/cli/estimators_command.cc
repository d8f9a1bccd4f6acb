// `odonata estimators`: the per-layer estimator registry.
#include <algorithm>
#include <sstream>

#include "command.h"
#include "odonata/estimator.h"

namespace odonata::cli {
namespace {

int Run(const Context&) {
  std::size_t width = 0;
  for (const EstimatorInfo& e : Estimators()) width = std::max(width, e.name.size());
  std::ostringstream text;
  for (const EstimatorInfo& e : Estimators()) {
    text << e.name << std::string(width - e.name.size() + 2, ' ') << e.description << '\n';
  }
  Emit(text.str());
  return 0;
}

}  // namespace

Runner SetupEstimators(CLI::App&) { return Run; }

}  // namespace odonata::cli
