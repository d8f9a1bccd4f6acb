#pragma once

#include <cstdint>
#include <string>

#include "odonata/tensor.h"

namespace odonata {

// ParseShape with another least dimension: 0 for a size stated with --input-shape or in a validation
// row's input_shape, which may be that of an empty value-dependent output (1x0: Faster R-CNN's second
// RoI level gets none of the rois); the loader refuses a 0 dimension anywhere else.
Shape ParseShape(const std::string& text, std::int64_t min_dim);

}  // namespace odonata
