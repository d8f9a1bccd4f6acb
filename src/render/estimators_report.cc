#include <algorithm>
#include <ostream>
#include <string>

#include "odonata/render.h"

namespace odonata {

void RenderEstimators(const std::vector<EstimatorInfo>& estimators, std::ostream& out) {
  std::size_t width = 0;
  for (const EstimatorInfo& e : estimators) width = std::max(width, e.name.size());
  for (const EstimatorInfo& e : estimators) {
    out << e.name << std::string(width - e.name.size() + 2, ' ') << e.description << '\n';
  }
}

}  // namespace odonata
