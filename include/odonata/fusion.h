// Platform fusion: group the nodes of a network into the kernels a platform runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "odonata/layer.h"
#include "odonata/layout.h"
#include "odonata/network.h"
#include "odonata/platform.h"

namespace odonata {

// Apply `fusion`'s rules to `network` (with Fusion::runtime_shape_nodes, to the
// network with its Network::runtime_shape layers among its own, each before the
// layer that reads it). Returns layers in topological order;
// each lists in `covers` the original nodes it executes. Every node of the
// network is covered by exactly one returned layer (nothing is dropped).
// Counts of a fused layer: MACs, FLOPs and params summed; activation traffic
// only for tensors entering or leaving the group (a gated activation's t and
// A(t) are internal). A layer that computes on quantized data (a QDQ group;
// an integer operator such as QLinearConv; without QDQ rules, a node in QDQ
// form: quantization.h) has the int8 class of its main node's class, if any.
std::vector<Layer> Fuse(const Network& network, const Fusion& fusion);

// A fused layer as the estimate loop reads it (internal: src/layer_cost.h).
struct FusedLayer;

// A network fused once for one set of fusion rules, ready to be estimated on
// every platform with these rules, at any precision (estimate.h:
// EstimateTotal, EstimateNetwork) without fusing again. A plain value; it
// keeps no reference to the network.
struct FusedNetwork {
  std::vector<Layer> layers;        // Fuse(network, fusion): the rows of a full report
  std::vector<FusedLayer> compact;  // the same layers, in the same order (internal)
  // Fingerprint of the fusion rules and free ops it was fused with
  // (FusionFingerprint): estimating it on a platform with other rules is an error.
  std::uint64_t fusion_fingerprint = 0;
  // What a Report takes from the network.
  std::string name, source;
  Counts totals;           // network.Totals()
  std::int64_t nodes = 0;  // network.layers.size()
  std::vector<std::string> warnings;
  // The model's quantization forms (Quantization::Forms(): "qdq", "operator",
  // "dynamic"); empty for a float model.
  std::vector<std::string> quantization_forms;
  std::vector<TensorInfo> outputs;  // network.outputs (the NCHWc layout reads them)
  // ONNX Runtime's NCHWc reorders of `layers` at block nchwc_block (layout.h: EmulateNchwc),
  // computed by FuseNetwork(network, platform) for a platform that prices them
  // (ReorderBlock); nchwc_block 0: not computed (EstimateTotal then emulates the layout
  // itself, which allocates).
  std::int64_t nchwc_block = 0;
  ReorderCounts reorders;  // at nchwc_block; also the NCHWc flag of every compact layer

  // Out of line: FusedLayer is complete only inside the library.
  FusedNetwork();
  ~FusedNetwork();
  FusedNetwork(const FusedNetwork&);
  FusedNetwork(FusedNetwork&&) noexcept;
  FusedNetwork& operator=(const FusedNetwork&);
  FusedNetwork& operator=(FusedNetwork&&) noexcept;
};

// Fuse (as Fuse) and precompute every layer's facts. Throws Error on overflow.
FusedNetwork FuseNetwork(const Network& network, const Fusion& fusion);
// FuseNetwork(network, platform.fusion), plus the NCHWc layout at ReorderBlock(platform) or
// ResizeNchwcBlock(platform) when the platform prices reorders or has the class resize_nchwc:
// what EstimateTotal needs to run without allocating.
FusedNetwork FuseNetwork(const Network& network, const Platform& platform);
// The NCHWc block at which a platform's estimates add ONNX Runtime's reorders: its nchwc.block
// when the profile has both fitted reorder costs (NchwcSpec::Priced), else 0 (no reorder term).
std::int64_t ReorderBlock(const Platform& platform);
// The NCHWc block at which a platform's estimates price a nearest Resize that runs NCHWc with the
// class resize_nchwc: its nchwc.block (>= 1) when the profile lists that class, else 0 (such a
// layer keeps its class resize, as before the class existed).
std::int64_t ResizeNchwcBlock(const Platform& platform);
// Whether a fused layer may run as ONNX Runtime's NCHWc Upsample and be priced as resize_nchwc:
// a float Resize or Upsample of class resize, mode nearest (the layout emulation decides the rest:
// integer factors, asymmetric and floor, an NCHWc input).
bool NearestResize(const Layer& fused);

// A 64-bit hash of the rules' `into`, `absorb` and `gate` lists and the free
// ops, in order (sources ignored), and of runtime_shape_nodes when set: equal
// for profiles that fuse alike.
std::uint64_t FusionFingerprint(const Fusion& fusion);

// The activation a fused float Conv layer runs in its kernel (platform.h FusedActivation): the
// first of Relu, Clip, Sigmoid, HardSigmoid, HardSwish among its covered ops after the Conv, a
// HardSigmoid followed by Mul (a gate rule's t * HardSigmoid(t)) being HardSwish; kNone for other
// layers and for a Conv without one.
FusedActivation FusedActivationOf(const Layer& fused);

}  // namespace odonata
