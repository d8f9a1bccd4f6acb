// Platform fusion: group the nodes of a network into the kernels a platform runs.
#pragma once

#include <vector>

#include "odonata/layer.h"
#include "odonata/network.h"
#include "odonata/platform.h"

namespace odonata {

// Apply `fusion`'s rules to `network`. Returns layers in topological order;
// each lists in `covers` the original nodes it executes. Every node of the
// network is covered by exactly one returned layer (nothing is dropped).
// Counts of a fused layer: MACs, FLOPs and params summed; activation traffic
// only for tensors entering or leaving the group.
std::vector<Layer> Fuse(const Network& network, const Fusion& fusion);

}  // namespace odonata
