// The operator schemas odonata's ONNX loader infers shapes with: ONNX 1.12's
// own (opsets <= 17), plus what that library lacks or gets wrong. Internal to
// src/onnx/.
//   - ai.onnx opsets 18 to 21: the ops whose inputs or attributes changed
//     (Split num_outputs, the Reduce ops' axes input, Pad axes, Resize axes and
//     keep_aspect_ratio_policy, AveragePool dilations, LpPool ceil_mode, Cast
//     saturate, Quantize/DequantizeLinear block_size and output_dtype) and the
//     new ones (Gelu, Mish, GroupNormalization, Bitwise*, DeformConv,
//     CenterCropPad).
//   - LayerNormalization below opset 17 (ONNX Runtime's contrib op of the same
//     name, written by its optimizer into opset-9..16 models).
//   - com.microsoft ops written by ONNX Runtime's optimizer and quantizer
//     (FusedConv, FusedGemm, FusedMatMul, *Gelu, SkipLayerNormalization,
//     Attention, MultiHeadAttention, QLinear*, QGemm, DynamicQuantize*, ...).
//   - ONNX's convolution and pooling inference guarded: it reads kernel_shape,
//     strides, dilations and pads per spatial axis of the input and the
//     weight's dims without checking their ranks, and crashes on a mismatch
//     (found by fuzzing); the guard refuses such nodes instead.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "onnx/defs/schema.h"

namespace odonata::onnx_import {

// The loader's own bookkeeping ops: "UpperBound" (the elementwise larger of
// its two inputs' shapes; the output of an If whose condition is unknown).
inline constexpr const char* kOdonataDomain = "odonata";

class SchemaRegistry final : public onnx::ISchemaRegistry {
 public:
  // The one instance (immutable after construction; safe across threads).
  static const SchemaRegistry& Get();

  const onnx::OpSchema* GetSchema(const std::string& op, const int max_inclusive_version,
                                  const std::string& domain) const override;

  // True for the schemas defined here: they carry an inference function but no
  // input/attribute lists, so OpSchema::Verify must not be run against them.
  bool IsOwn(const onnx::OpSchema* schema) const;

 private:
  SchemaRegistry();
  struct Tables;
  Tables* tables_;  // ONNX's schemas it guards are made on first use (thread-safe)
};

// ONNX's own schema of `op` in `domain` ("" for ai.onnx) with the highest
// since-version <= max_inclusive_version, or null: what
// onnx::OpSchemaRegistry::Schema returns, but only that schema is built (on
// its first lookup; thread-safe), not ONNX's whole registry.
const onnx::OpSchema* OnnxSchema(const std::string& op, int max_inclusive_version, const std::string& domain);
// How many schemas that table lists (0: built without it, ONNX's registry is asked).
std::size_t OnnxSchemaTableSize();

// Attribute lookup of a node or an inference context.
using AttrLookup = std::function<const onnx::AttributeProto*(const std::string&)>;

// Whether WindowProblem checks nodes of `op` in `domain` (it finds no problem in any other).
bool IsWindowOp(const std::string& op, const std::string& domain);
// Why a convolution or pooling node (ai.onnx Conv, ConvInteger, QLinearConv,
// ConvTranspose, DeformConv, MaxPool, AveragePool, LpPool; com.microsoft
// FusedConv) cannot be inferred safely, or nullopt when it can. `x_rank` and
// `w_rank` are the ranks of its data input and weight (-1 unknown); `x`, `w`
// their names for the message.
std::optional<std::string> WindowProblem(const std::string& op, const std::string& domain, const std::string& x,
                                         int x_rank, const std::string& w, int w_rank, const AttrLookup& attr);
// Index of the weight input of a window op (-1: none).
int WindowWeightIndex(const std::string& op, const std::string& domain);

}  // namespace odonata::onnx_import
