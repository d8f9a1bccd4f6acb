// The detection class's fitted model (issue 4): NonMaxSuppression on a CPU,
// which per batch and class sorts its N candidates and compares each with the
// boxes selected before it (ONNX Runtime's greedy loop), so its time grows with
// classes * N and classes * N^2.
#pragma once

#include <vector>

#include "odonata/layer.h"
#include "odonata/platform.h"

namespace odonata {

// t = c0 + c1 * classes * boxes + c2 * classes * boxes^2 (LayerDims "classes",
// "boxes"), coefficients by least squares on relative errors ((t' - t) / t),
// so that rows of 0.1 ms weigh as much as rows of 250 ms. Throws Error with
// fewer than 3 rows or when no row is a NonMaxSuppression.
FittedModel FitDetection(const std::vector<Layer>& layers, const std::vector<double>& ms);

}  // namespace odonata
