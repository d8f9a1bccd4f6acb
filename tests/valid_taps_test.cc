// AxisValidTaps (src/layer_cost.cc): the closed form against the definition, a
// count of the (output, tap) pairs whose input index falls inside the input.
#include <gtest/gtest.h>

#include <cstdint>

#include "layer_cost.h"

namespace odonata {
namespace {

std::int64_t CountByDefinition(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                               std::int64_t pad, std::int64_t dilation) {
  std::int64_t n = 0;
  for (std::int64_t o = 0; o < out; ++o) {
    for (std::int64_t t = 0; t < kernel; ++t) {
      const std::int64_t x = o * stride - pad + t * dilation;
      if (x >= 0 && x < in) ++n;
    }
  }
  return n;
}

TEST(ValidTaps, ClosedFormEqualsTheDefinitionOnEverySmallAxis) {
  // Every combination in these ranges, including outputs that do not follow from the
  // input (a declared shape need not), taps wholly in the padding and strides above
  // the dilation: about 180,000 axes.
  std::int64_t axes = 0;
  for (std::int64_t in = 1; in <= 9; ++in) {
    for (std::int64_t out = 1; out <= 9; ++out) {
      for (std::int64_t k = 1; k <= 7; ++k) {
        for (std::int64_t s = 1; s <= 4; ++s) {
          for (std::int64_t p = 0; p <= 8; ++p) {
            for (std::int64_t d = 1; d <= 5; ++d) {
              ASSERT_EQ(AxisValidTaps(in, out, k, s, p, d), CountByDefinition(in, out, k, s, p, d))
                  << "in " << in << " out " << out << " kernel " << k << " stride " << s << " pad " << p
                  << " dilation " << d;
              ++axes;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(axes, 9 * 9 * 7 * 4 * 9 * 5);
}

TEST(ValidTaps, HandCountedAxes) {
  // DeepLabV3's ASPP at 33x33, 3x3 dilation 36, pad 36: only the centre tap reads.
  EXPECT_EQ(AxisValidTaps(33, 33, 3, 1, 36, 36), 33);
  // Dilation 12, pad 12, 33 wide: centre tap 33; the left tap reads for o >= 12 (21),
  // the right one for o <= 20 (21).
  EXPECT_EQ(AxisValidTaps(33, 33, 3, 1, 12, 12), 33 + 21 + 21);
  // 7x7 stride-2 stem on 224, pad 3: 112 outputs x 7 taps less the padded ones:
  // o = 0 loses taps 0-2, o = 1 loses tap 0; the right edge reads index 2 x 111 - 3 + 6 = 225:
  // taps 5 and 6 of o = 111 fall out (224, 225).
  EXPECT_EQ(AxisValidTaps(224, 112, 7, 2, 3, 1), 112 * 7 - 3 - 1 - 2);
  // No tap can read: the kernel lies in the padding for every output.
  EXPECT_EQ(AxisValidTaps(4, 1, 2, 1, 10, 1), 0);
  EXPECT_EQ(AxisValidTaps(0, 4, 3, 1, 1, 1), 0);
}

TEST(ValidTaps, HostileSizesNeedNoLoop) {
  // 2^30 taps of dilation 1 over a 2^30 input, pad 0, one output: every tap reads.
  const std::int64_t big = std::int64_t{1} << 30;
  EXPECT_EQ(AxisValidTaps(big, 1, big, 1, 0, 1), big);
  // The same kernel with 2^30 outputs of stride 1: output o reads taps 0 .. 2^30 - 1 - o.
  // Sum over o of (2^30 - o) = 2^30 (2^30 + 1) / 2.
  EXPECT_EQ(AxisValidTaps(big, big, big, 1, 0, 1), big * (big + 1) / 2);
  // Stride and dilation 2^30 with one output: taps t x 2^30 < 2^30 only for t = 0.
  EXPECT_EQ(AxisValidTaps(big, 1, big, big, 0, big), 1);
}

}  // namespace
}  // namespace odonata
