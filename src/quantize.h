// The quantiser of `odonata partition` (partition.h: Encoding): how a
// floating-point tensor is put on the link at b bits. Internal: Partition
// counts the bytes; these are the values' mapping, kept for the tests.
#pragma once

#include <cstdint>

namespace odonata {

// The quantiser of the issue: d = floor((f - S) / (M - S) * 2^(bits-1)) with
// S = (lo + hi) / 2 the mid-range and M = hi, clamped to the `bits`-bit
// signed range [-2^(bits-1), 2^(bits-1) - 1] (f = M would give 2^(bits-1)).
// A constant tensor (hi == lo) quantises to 0. bits in 1..8.
std::int64_t QuantizeValue(double f, double lo, double hi, int bits);
// The centre of code d's interval: S + (d + 0.5) * (M - S) / 2^(bits-1).
// |f - DequantizeValue(QuantizeValue(f))| <= (M - S) / 2^bits for f in [lo, hi].
double DequantizeValue(std::int64_t d, double lo, double hi, int bits);

}  // namespace odonata
