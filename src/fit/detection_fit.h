// The detection class's fitted model (issue 4): NonMaxSuppression on a CPU,
// which per batch and class sorts its N candidates and compares each with the
// boxes of its class selected before it (ONNX Runtime's greedy loop), so its
// time grows with classes * N and N * kept (kept: the boxes selected over all
// classes, the output's rows; at its bound classes * N, the old classes * N^2).
#pragma once

#include <vector>

#include "odonata/layer.h"
#include "odonata/platform.h"

namespace odonata {

// t = c0 + c1 * classes * boxes + c2 * Q (LayerDims "classes", "boxes", "kept"), Q chosen by 5-fold
// cross-validated MAPE among boxes * kept (first: kept on ties), classes * boxes^2 (the form of profiles
// written before 2026-12-06) and kept^2; at kept's bound (classes * boxes) the three are the same term.
// Coefficients by least squares on relative errors ((t' - t) / t), so that rows of 0.1 ms weigh as
// much as rows of 250 ms. Throws Error with fewer than 3 rows or when no row is a NonMaxSuppression.
FittedModel FitDetection(const std::vector<Layer>& layers, const std::vector<double>& ms);

}  // namespace odonata
