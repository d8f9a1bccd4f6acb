// torchvision's MultiScaleRoIAlign, costed at each level's share of the rois. Internal to src/onnx/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "odonata/network.h"

namespace odonata::onnx_import {

// The value of a tensor known at load time when it is one integer (a scalar or
// a one-element tensor), else nullopt.
using ScalarOf = std::function<std::optional<std::int64_t>(const std::string& tensor)>;

// MultiScaleRoIAlign exports as one RoiAlign per feature-map level, each fed the rows
// Gather(R, idx_k) of one roi tensor R (N rows), idx_k = NonZero(Equal(levels, k)) (through
// Transpose, Split, Squeeze, ...) with one `levels` tensor and a distinct constant k per level,
// and a ScatterElements (axis 0) per level writing its RoiAlign's output (through Cast) back
// into one tensor of N rows. Shapes give every level all N rois (an upper bound: which level
// a roi goes to depends on its size). The selections are disjoint, so the K levels take N
// rois together: this pass gives each of them ceil(N / K), a stated assumption (exact in sum
// for a cost linear in rois, whatever the split), in the tensors whose rows are the level's
// selection: the RoiAlign's rois, batch indices and output, the Cast/Identity chain from
// that output to a ScatterElements' updates, and that ScatterElements' indices and updates
// (its data, the merged tensor, keeps N rows). Counts of the layers touched are recomputed;
// one warning per roi tensor says what bound is used. Layers of repeated bodies are left alone.
void ShareRoiLevels(Network& net, const ScalarOf& scalar_of);

}  // namespace odonata::onnx_import
