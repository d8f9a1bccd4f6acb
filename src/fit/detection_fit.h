// The detection class's fitted model (issue 4): NonMaxSuppression on a CPU,
// which per batch and class sorts its N candidates and compares each with the
// boxes of its class selected before it (ONNX Runtime's greedy loop). Its time
// follows the boxes kept (the output's rows over all classes), not the boxes:
// on the 25 NMS calibration rows of 2026-12-06 (300-13,500 boxes, IoU 0.3-0.7,
// kept 34-90% of the boxes) t ~ boxes^-0.03 kept^1.58, and the model below
// has a leave-one-out MAPE of 6.6% against 67% for c0 + c1 N + c2 N kept and
// 56% for the N^2 model. At kept's bound (every box, classes * N) it is the
// old c0 + c1 classes N + c2 classes N^2.
#pragma once

#include <vector>

#include "odonata/layer.h"
#include "odonata/platform.h"

namespace odonata {

// t = c0 + c1 * kept + c2 * classes * kept_per_class^2 (LayerDims "kept", "classes",
// "kept_per_class": each class's selections compared with each other), unless 5-fold
// cross-validated MAPE prefers c0 + c1 classes * boxes + c2 boxes * kept, the old
// c0 + c1 classes * boxes + c2 classes * boxes^2 (a profile written before 2026-12-06 has that
// one) or c0 + c1 kept + c2 nms_compares (LayerDim "nms_compares": the IoU comparisons of the
// loop, a row's nms_compares column or its bound); at kept's bound the first three are the same
// terms, and ties keep the first. The choice and the four CV figures go into the model's source. Coefficients by least squares on relative
// errors ((t' - t) / t), so that rows of 0.1 ms weigh as much as rows of 250 ms. Throws Error
// with fewer than 3 rows or when no row is a NonMaxSuppression.
FittedModel FitDetection(const std::vector<Layer>& layers, const std::vector<double>& ms);

}  // namespace odonata
