#include "quantize.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "odonata/errors.h"

namespace odonata {

std::int64_t QuantizeValue(double f, double lo, double hi, int bits) {
  if (bits < 1 || bits > 8) throw Error("quantisation: bits must be in 1..8, got " + std::to_string(bits));
  const double s = (lo + hi) / 2;  // mid-range
  if (!(hi > s)) return 0;         // constant tensor
  const double levels = std::ldexp(1.0, bits - 1);
  const double d = std::floor((f - s) / (hi - s) * levels);
  return static_cast<std::int64_t>(std::clamp(d, -levels, levels - 1));
}

double DequantizeValue(std::int64_t d, double lo, double hi, int bits) {
  const double s = (lo + hi) / 2;
  return s + (static_cast<double>(d) + 0.5) * (hi - s) / std::ldexp(1.0, bits - 1);
}

}  // namespace odonata
