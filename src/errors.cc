#include "odonata/errors.h"

#include <limits>

namespace odonata {

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
