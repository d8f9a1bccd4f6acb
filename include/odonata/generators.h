// Networks rebuilt from a description instead of a model file
// (src/generators/icas.cc). LoadModel (model.h) accepts a description
// wherever it accepts a path, so `odonata estimate icas:NAME` and suite rows
// whose model is "icas:NAME" need no ONNX file.
#pragma once

#include <string>

#include "odonata/network.h"

namespace odonata {

// True when `text` is a generator description ("icas:..."), not a path.
bool IsGeneratorDescription(const std::string& text);

// The network a description stands for. Throws Error naming the description
// when it is not one a generator knows or describes an impossible network.
Network GenerateNetwork(const std::string& description);

// "icas:<name>": the synthetic CNNs of the iCAS-Lab Jetson Nano data set
// (iCAS-Lab/NAS-Performance-Modeling, model_generation/*.py; shared data
// icas_nano/MANIFEST.md), input 1x3xWxW, as torch.onnx.export writes them
// (opset 13 operators): per layer Conv(+bias) and Relu; then Reshape to
// [1, -1] and Gemm(transB=1) to 10 outputs. Names:
//   convnet_L{L}_F{F}_K{k}x{k}_W{W}          L x Conv(k, F, pad p) + Relu; p = 1 for k in {1, 3}, else 2
//   convnet_L{L}_F{F}_K{k}x{k}_W{W}_DWS      L x [depthwise Conv(k, pad p: 1 for k = 3, else 2),
//                                              pointwise Conv(1x1, F, pad 0), Relu]
//   convnet_L{L}_F{F}_K{a}x{a}_{n}_K{b}x{b}_{m}_W{W}
//                                            kernels alternate a, b, a, ... (n = ceil(L/2) of a,
//                                            m = floor(L/2) of b); padding 2 until the first odd
//                                            kernel, 1 from it on
// The ONNX text of that model (ParseOnnxText reads it; initializers carry
// their shapes and one placeholder value, as weights are not needed).
std::string IcasOnnxText(const std::string& name);

}  // namespace odonata
