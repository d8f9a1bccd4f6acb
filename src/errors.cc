#include "odonata/errors.h"

#include <algorithm>
#include <limits>

namespace odonata {

void AddWarning(std::vector<std::string>& warnings, const std::string& warning) {
  if (std::find(warnings.begin(), warnings.end(), warning) == warnings.end()) warnings.push_back(warning);
}

std::vector<std::string> UniqueWarnings(const std::vector<std::string>& warnings) {
  std::vector<std::string> unique;
  for (const std::string& w : warnings) AddWarning(unique, w);
  return unique;
}

std::int64_t CheckedMul(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) {
    throw Error("integer overflow: " + std::to_string(a) + " * " + std::to_string(b));
  }
  return r;
}

std::int64_t CheckedAdd(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    throw Error("integer overflow: " + std::to_string(a) + " + " + std::to_string(b));
  }
  return r;
}

}  // namespace odonata
