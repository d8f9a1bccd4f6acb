// odonata's own shape functions for the common ops of CNNs (Conv,
// BatchNormalization, Relu, Add, MaxPool, GlobalAveragePool, Flatten, Gemm,
// Sigmoid, HardSigmoid, Mul, Clip, Concat, AveragePool, ReduceMean at ai.onnx
// opsets 11 to 17), used in
// place of ONNX's whole-graph InferShapes when they cover a whole graph
// (issue 13: ONNX's costs 3.75 M instructions on ResNet-50, one
// InferenceContextImpl and TypeProto per node). Internal to src/onnx/.
#pragma once

#include "onnx/onnx_pb.h"

namespace odonata::onnx_import {

// Infers the element type and shape of every node output of `model`'s main
// graph and records them as ONNX 1.12's InferShapes does: a value_info per
// output not yet typed, appended in node order; a typed graph output merged
// (its element type set if undefined, each dim without a value replaced).
// Only when every node is an op listed above at the model's default opset,
// reads static shapes (every dim in [1, 2^40]) and attributes it fully
// validates, and nothing already typed contradicts it; returns false with the
// model untouched otherwise (anything unusual: the caller runs ONNX's, whose
// results and errors are the reference). Never throws for any model.
bool InferShapesOwn(onnx::ModelProto& model);

}  // namespace odonata::onnx_import
