// ONNX import: the only place that sees protobuf. Parses the model, resolves
// every tensor shape (ONNX shape inference + constant folding of shape
// computations + stated bounds for data-dependent shapes), then converts the
// nodes into plain Layers.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "counts.h"
#include "layer_cost.h"
#include "fold.h"
#include "ort_fold.h"
#include "roi_levels.h"
#include "schemas.h"
#include "shapes.h"
#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "google/protobuf/arena.h"
#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

namespace odonata {
namespace {

using onnx_import::ConstTensor;
using onnx_import::FoldInput;
using onnx_import::SchemaRegistry;
using I64 = std::int64_t;

// Highest default-domain opset the bundled ONNX (1.12) has schemas for.
constexpr I64 kMaxKnownOpset = 17;
// Resolution rounds (inference + folding + bounding) before giving up.
constexpr int kMaxRounds = 500;
// onnxruntime-extensions' domain (DecodeImage, EncodeImage: pre/post-processing
// built into a model) and the size a DecodeImage output is estimated at when
// the user does not state it (HxWx3, BGR: a VGA photo).
constexpr const char* kExtensionsDomain = "com.microsoft.extensions";
constexpr I64 kDefaultDecodedImage[] = {480, 640, 3};

// A shape as ONNX knows it: nullopt for a dim that is unknown or symbolic.
using PartialShape = std::vector<std::optional<I64>>;

DataType FromOnnxType(int32_t t) {
  using onnx::TensorProto;
  switch (t) {
    case TensorProto::FLOAT:
      return DataType::kFloat32;
    case TensorProto::FLOAT16:
      return DataType::kFloat16;
    case TensorProto::BFLOAT16:
      return DataType::kBFloat16;
    case TensorProto::DOUBLE:
      return DataType::kFloat64;
    case TensorProto::INT8:
      return DataType::kInt8;
    case TensorProto::UINT8:
      return DataType::kUInt8;
    case TensorProto::INT16:
      return DataType::kInt16;
    case TensorProto::UINT16:
      return DataType::kUInt16;
    case TensorProto::INT32:
      return DataType::kInt32;
    case TensorProto::UINT32:
      return DataType::kUInt32;
    case TensorProto::INT64:
      return DataType::kInt64;
    case TensorProto::UINT64:
      return DataType::kUInt64;
    case TensorProto::BOOL:
      return DataType::kBool;
    case TensorProto::STRING:
      return DataType::kString;
    case TensorProto::COMPLEX64:
      return DataType::kComplex64;
    case TensorProto::COMPLEX128:
      return DataType::kComplex128;
    default:
      return DataType::kUnknown;
  }
}

bool IsFloatElem(int32_t t) {
  using onnx::TensorProto;
  return t == TensorProto::FLOAT || t == TensorProto::FLOAT16 || t == TensorProto::BFLOAT16 || t == TensorProto::DOUBLE;
}

// Ops that only rearrange their input's values (a weight through them is
// still the same weight).
bool IsLayoutOp(const onnx::NodeProto& n) {
  static const std::set<std::string> kLayout = {"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten",
                                                "Identity", "Cast",      "Slice",   "Concat",    "Split"};
  return (n.domain().empty() || n.domain() == "ai.onnx") && kLayout.count(n.op_type()) > 0;
}

bool IsStatic(const PartialShape& s) {
  return std::all_of(s.begin(), s.end(), [](const auto& d) { return d.has_value(); });
}

Shape ToShape(const PartialShape& s) {
  Shape out;
  out.reserve(s.size());
  for (const auto& d : s) out.push_back(d.value_or(1));
  return out;
}

std::string PartialToString(const PartialShape& s) {
  if (s.empty()) return "scalar";
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += 'x';
    out += s[i] ? std::to_string(*s[i]) : "?";
  }
  return out;
}

std::string NodeLabel(const onnx::NodeProto& n) {
  return "'" + (n.name().empty() ? std::string("<unnamed>") : n.name()) + "' (" + n.op_type() + ")";
}

// Type and shape facts about the tensors of one graph.
struct TypeInfo {
  int32_t elem_type = 0;
  std::optional<PartialShape> shape;  // nullopt: rank unknown
};

void Record(const onnx::ValueInfoProto& vi, std::unordered_map<std::string, TypeInfo>& out) {
  if (!vi.has_type() || !vi.type().has_tensor_type()) return;
  const auto& tt = vi.type().tensor_type();
  TypeInfo info;
  info.elem_type = tt.elem_type();
  if (tt.has_shape()) {
    PartialShape& s = info.shape.emplace();
    s.reserve(tt.shape().dim_size());
    for (const auto& d : tt.shape().dim()) {
      if (d.has_dim_value() && d.dim_value() >= 0) {
        s.push_back(d.dim_value());
      } else {
        s.push_back(std::nullopt);
      }
    }
  }
  out[vi.name()] = std::move(info);
}

std::unordered_map<std::string, TypeInfo> CollectTypes(const onnx::GraphProto& g) {
  std::unordered_map<std::string, TypeInfo> types;
  types.reserve(g.value_info_size() + g.output_size() + g.input_size() + g.initializer_size());
  for (const auto& vi : g.value_info()) Record(vi, types);
  for (const auto& vi : g.output()) Record(vi, types);
  for (const auto& vi : g.input()) Record(vi, types);
  for (const auto& t : g.initializer()) {
    TypeInfo info;
    info.elem_type = t.data_type();
    info.shape = PartialShape(t.dims().begin(), t.dims().end());
    types[t.name()] = std::move(info);
  }
  return types;
}

void SetShape(onnx::ValueInfoProto* vi, int32_t elem_type, const Shape& shape) {
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  if (elem_type) tt->set_elem_type(elem_type);
  auto* sp = tt->mutable_shape();
  sp->clear_dim();
  for (I64 d : shape) sp->add_dim()->set_dim_value(d);
}

// Whether a graph keeps its weights in Constant nodes: no floating-point
// initializer of more than one element, and some floating-point Constant of
// rank >= 2 (a weight matrix or kernel, not a scalar or a list of scales).
bool ConstantsAreWeights(const onnx::GraphProto& g) {
  for (const auto& t : g.initializer()) {
    // More than one element: no dimension <= 0 and one > 1 (no product: a
    // hostile file's dims overflow it).
    bool empty = false, several = false;
    for (I64 d : t.dims()) {
      empty |= d <= 0;
      several |= d > 1;
    }
    if (IsFloatElem(t.data_type()) && !empty && several) return false;
  }
  for (const auto& n : g.node()) {
    if (n.op_type() != "Constant") continue;
    for (const auto& a : n.attribute()) {
      if (a.name() == "value" && IsFloatElem(a.t().data_type()) && a.t().dims_size() >= 2) return true;
    }
  }
  return false;
}

// Give unnamed nodes the name "<op>_<index>" (index within their graph) so
// that errors, warnings and reports all call a node the same thing.
void NameNodes(onnx::GraphProto* g) {
  for (int i = 0; i < g->node_size(); ++i) {
    onnx::NodeProto* n = g->mutable_node(i);
    if (n->name().empty()) n->set_name(n->op_type() + "_" + std::to_string(i));
    for (auto& a : *n->mutable_attribute()) {
      if (a.has_g()) NameNodes(a.mutable_g());
      for (auto& sub : *a.mutable_graphs()) NameNodes(&sub);
    }
  }
}

// A model in a protobuf arena (google/protobuf/arena.h): its messages are
// allocated from the arena's blocks and freed with them at once, not one by
// one (issue 13: the parse, resolution and teardown of ResNet-50's message
// made thousands of small allocations).
struct ArenaModel {
  std::unique_ptr<google::protobuf::Arena> arena = std::make_unique<google::protobuf::Arena>();
  onnx::ModelProto* model = google::protobuf::Arena::CreateMessage<onnx::ModelProto>(arena.get());
};

class Importer {
 public:
  Importer(ArenaModel model, const LoadOptions& options, std::string origin)
      : owned_(std::move(model)), model_(*owned_.model), options_(options), origin_(std::move(origin)) {}

  Network Run();

 private:
  I64 DefaultOpset() const;
  void ApplyInputShapes();
  void ApplyInputValues();
  void InferShapes();
  bool FoldPass();
  struct PassTypes;
  void InferNode(onnx::NodeProto& n, PassTypes& pass);
  void InlineBranch(onnx::NodeProto& n, bool cond, bool tainted,
                    google::protobuf::RepeatedPtrField<onnx::NodeProto>& out);
  bool BoundPass();
  bool InlineUnresolvedIfs();
  void InlineBothBranches(onnx::NodeProto& n, google::protobuf::RepeatedPtrField<onnx::NodeProto>& out);
  bool DropInfeasibleBranch();
  std::vector<std::string> InputsBehind(const std::string& tensor) const;
  std::optional<Shape> IfBound(const onnx::NodeProto& n, int o) const;
  bool ComputedFromWeightsOnly(const onnx::NodeProto& n) const;
  bool IsFloatWeight(const std::string& name) const {
    auto t = types_.find(name);
    return weights_.count(name) && !constants_.count(name) && t != types_.end() && IsFloatElem(t->second.elem_type);
  }
  void CheckResolved();
  void DropUnusedOutputs();
  void PropagateTaint();
  void CheckGraph();
  void VerifyNodes(const onnx::GraphProto& g, const std::map<std::string, I64>& opsets) const;
  void CheckWindows(const onnx::GraphProto& g, const std::unordered_map<std::string, TypeInfo>& types) const;
  // `settled`: the last round changed nothing, so types_ is the graph's as it is now.
  Network Build(bool settled);
  void AddLayers(const onnx::GraphProto& g, const std::string& prefix, I64 repeat, bool data_dependent,
                 const std::unordered_map<std::string, TypeInfo>& types, Network& net);  // types: every tensor visible in g
  Layer MakeLayer(const onnx::NodeProto& n, const std::string& name,
                  const std::unordered_map<std::string, TypeInfo>& types, Network& net);
  TensorInfo MakeTensor(const std::string& name, const std::unordered_map<std::string, TypeInfo>& types,
                        bool* unresolved);
  std::optional<Shape> StaticShape(const std::string& name) const;
  // StaticShape(name).has_value(), without building the shape.
  bool HasStaticShape(const std::string& name) const;
  bool IsCustomOutput(const std::string& name) const;
  // The op type of the node (main graph or subgraphs) whose output `name` has a value-dependent size, or "".
  std::string ValueDependentProducer(const std::string& name) const;
  int32_t BoundElem(const std::string& name) const {
    auto e = bound_elems_.find(name);
    if (e != bound_elems_.end()) return e->second;
    auto t = types_.find(name);
    return t != types_.end() ? t->second.elem_type : 0;
  }

  Error Fail(const std::string& what) const { return Error(origin_ + ": " + what); }

  ArenaModel owned_;
  onnx::ModelProto& model_;  // *owned_.model
  // Temporary node lists and graphs on the model's arena: swapping messages
  // between an arena and the heap would copy them.
  google::protobuf::Arena* arena() const { return owned_.arena.get(); }
  LoadOptions options_;
  std::string origin_;
  I64 opset_ = 0;
  bool batch_guessed_ = false;  // a symbolic leading input dim was taken as 1
  // A symbolic input dim was given a value (the batch, guessed or --batch, or --input-shape):
  // ONNX Runtime's folding, which does not know it, is emulated (ort_fold.h).
  bool symbolic_substituted_ = false;
  // The graph as written, for that emulation: inputs as declared, initializers without the values
  // odonata does not fold (no weights), nodes in topological order. Made only when needed.
  std::unique_ptr<onnx::ModelProto> as_written_;
  std::vector<onnx::ValueInfoProto> declared_inputs_;  // the graph's inputs before ApplyInputShapes
  void CopyAsWritten();
  void AddRuntimeShapeNodes(Network& net);
  std::unordered_set<std::string> valued_inputs_;  // inputs given a value (--input-value)
  // The model keeps its weights in Constant nodes (paddle2onnx, spox, ...): no
  // floating-point initializer of more than one element. Their float values are
  // then parameters; in other models Constant nodes hold scalars and buffers.
  bool constants_are_weights_ = false;
  std::vector<std::string> warnings_;
  std::unordered_map<std::string, TypeInfo> types_;      // main graph, refreshed each round
  // Static shapes inferred node by node within one FoldPass (InferNode), for
  // tensors the last whole-graph inference left open; empty between passes.
  std::unordered_map<std::string, Shape> pass_shapes_;
  int inference_runs_ = 0;  // whole-graph shape inferences (Network::inference_runs)
  std::unordered_map<std::string, ConstTensor> consts_;  // known values
  std::unordered_set<std::string> weights_;              // model initializers
  std::unordered_set<std::string> overridable_;          // initializers also listed as graph inputs (IR >= 4)
  std::unordered_set<std::string> constants_;            // computed at load time
  std::unordered_set<std::string> tainted_;              // data-dependent tensors
  std::map<std::string, Shape> bounds_;                  // stated bounds we imposed
  std::map<std::string, int32_t> bound_elems_;           // their element types, where known
  std::map<std::string, Shape> custom_shapes_;           // --input-shape of custom-op outputs
  // --input-shape of outputs whose size depends on input values (NonZero, NonMaxSuppression, Unique,
  // Compress): the size the user expects in place of the upper bound (BoundPass checks it against it).
  std::map<std::string, Shape> stated_shapes_;
  std::set<std::string> stated_used_;
  std::vector<std::string> folded_nodes_;
  // An output whose size depends on input values: estimated at its upper bound, or at the size
  // `given` with --input-shape.
  struct Bounded {
    std::string op, tensor;
    Shape bound;
    std::optional<Shape> given;
  };
  std::vector<Bounded> bounded_;  // in the order the bounds were stated
  // An If inlined with both branches (InlineUnresolvedIfs).
  struct BothBranches {
    std::string name;                        // the If node's name (its branches' node-name prefix)
    std::vector<std::string> behind;         // the inputs its condition depends on
    std::size_t warning = 0;                 // its line in warnings_
    std::vector<std::string> outs[2];        // then/else branch outputs
    bool dropped = false;
  };
  std::vector<BothBranches> both_;

  void WarnBounds();
};

namespace {
// The default-domain ops whose (first) output's size depends on input values, which --input-shape
// may state in place of their upper bound (ApplyInputShapes, BoundPass).
bool IsValueDependentOp(std::string_view op) {
  return op == "NonZero" || op == "NonMaxSuppression" || op == "Unique" || op == "Compress";
}
}  // namespace

// One warning per op type, however many tensors it bounded, and one per op type for the sizes
// stated instead (an SSD states 180 NonZero outputs); for the ops whose size the user can state, how.
void Importer::WarnBounds() {
  const auto Hint = [](const std::string& op) -> std::string {
    return IsValueDependentOp(op) ? "; --input-shape TENSOR=DIMS states the expected size" : "";
  };
  std::map<std::pair<bool, std::string>, std::vector<const Bounded*>> by_op;  // bounds first, then stated
  for (const Bounded& b : bounded_) by_op[{b.given.has_value(), b.op}].push_back(&b);
  for (const auto& [key, list] : by_op) {
    const auto& [stated, op] = key;
    const Bounded& first = *list.front();
    const std::string bound = ShapeToString(first.bound);
    if (list.size() == 1) {
      warnings_.push_back("shape of " + first.tensor + " depends on input values; " +
                          (stated ? "estimated with the stated " + ShapeToString(*first.given) + " (upper bound " +
                                        bound + ")"
                                  : "estimated with the upper bound " + bound + Hint(op)));
    } else {
      warnings_.push_back(std::to_string(list.size()) + " outputs of " + op + " nodes depend on input values; " +
                          (stated ? "estimated with the stated sizes (first: " + first.tensor + ", " +
                                        ShapeToString(*first.given) + ", upper bound " + bound + ")"
                                  : "estimated with upper bounds (first: " + first.tensor + ", " + bound + ")" +
                                        Hint(op)));
    }
  }
}

I64 Importer::DefaultOpset() const {
  for (const auto& o : model_.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
  }
  return 0;
}

void Importer::ApplyInputShapes() {
  onnx::GraphProto* g = model_.mutable_graph();
  // Run() has just put every initializer's name in weights_ (and nothing else).
  const std::unordered_set<std::string>& inits = weights_;
  std::set<std::string> seen;
  bool stale = false, batch_used = false;
  for (auto& in : *g->mutable_input()) {
    if (inits.count(in.name())) continue;  // an initializer listed as input (old exporters)
    if (!in.type().has_tensor_type()) continue;
    auto* tt = in.mutable_type()->mutable_tensor_type();
    auto it = options_.input_shapes.find(in.name());
    if (it != options_.input_shapes.end()) {
      seen.insert(in.name());
      if (NumElements(it->second) == 0) {
        throw Fail("--input-shape " + in.name() + "=" + ShapeToString(it->second) +
                   ": an input's dimensions must be >= 1 (0 is only for an empty value-dependent output)");
      }
      symbolic_substituted_ |= !tt->has_shape();  // a runtime does not know it either
      if (tt->has_shape() && tt->shape().dim_size() != static_cast<int>(it->second.size())) {
        throw Fail("--input-shape " + in.name() + "=" + ShapeToString(it->second) + ": input has rank " +
                   std::to_string(tt->shape().dim_size()) + ", not " + std::to_string(it->second.size()));
      }
      for (int i = 0; tt->has_shape() && i < tt->shape().dim_size(); ++i) {
        const auto& d = tt->shape().dim(i);
        stale |= d.has_dim_value() && d.dim_value() != it->second[i];
        symbolic_substituted_ |= !d.has_dim_value() || d.dim_value() < 0;
      }
      SetShape(&in, tt->elem_type(), it->second);
      continue;
    }
    if (!tt->has_shape()) {
      auto v = options_.input_values.find(in.name());
      if (v != options_.input_values.end()) {
        SetShape(&in, tt->elem_type(), v->second.size() == 1 ? Shape{} : Shape{static_cast<I64>(v->second.size())});
        continue;
      }
      throw Fail("input '" + in.name() + "' has no shape; give --input-shape " + in.name() + "=DIMS");
    }
    for (int i = 0; i < tt->shape().dim_size(); ++i) {
      auto* d = tt->mutable_shape()->mutable_dim(i);
      if (d->has_dim_value() && d->dim_value() >= 0) continue;
      if (i == 0) {
        // The leading symbolic dimension is the batch.
        d->set_dim_value(options_.batch.value_or(1));
        batch_used = true;
        continue;
      }
      std::string sym = d->has_dim_param() ? " '" + d->dim_param() + "'" : "";
      throw Fail("input '" + in.name() + "' has symbolic dimension" + sym + " at position " + std::to_string(i) +
                 "; give --input-shape " + in.name() + "=DIMS");
    }
  }
  batch_guessed_ = batch_used && !options_.batch;
  symbolic_substituted_ |= batch_used;
  if (options_.batch && !batch_used) {
    warnings_.push_back("--batch " + std::to_string(*options_.batch) +
                        " ignored: no input has a symbolic leading dimension (use --input-shape)");
  }
  if (stale) {
    // Shapes the exporter recorded for the old input size no longer hold.
    g->clear_value_info();
    for (auto& out : *g->mutable_output()) {
      if (out.type().has_tensor_type()) out.mutable_type()->mutable_tensor_type()->clear_shape();
    }
  }
  for (const auto& [name, shape] : options_.input_shapes) {
    if (!seen.count(name) && IsCustomOutput(name)) {
      // The output of an op without a shape function (a custom op's decoded
      // image): its stated shape replaces the guess (BoundPass).
      if (NumElements(shape) == 0) {
        throw Fail("--input-shape " + name + "=" + ShapeToString(shape) + ": a custom op's output dimensions must be >= 1");
      }
      custom_shapes_[name] = shape;
      continue;
    }
    if (!seen.count(name) && !ValueDependentProducer(name).empty()) {
      // The output of NonZero, NonMaxSuppression, Unique or Compress: the size the user expects
      // (boxes kept, elements selected) replaces the upper bound (BoundPass); it may be empty
      // (1x0: Faster R-CNN's second RoI level, which gets none of its rois).
      stated_shapes_[name] = shape;
      continue;
    }
    if (!seen.count(name)) {
      std::string names;
      for (const auto& in : g->input()) {
        if (inits.count(in.name())) continue;
        names += (names.empty() ? "" : ", ") + in.name();
      }
      throw Fail("--input-shape: the model has no input named '" + name + "' (inputs: " + names + ")");
    }
  }
}

// --input-value: the values become constants (and initializers, for ONNX's
// inference); the inputs stay inputs of the network.
void Importer::ApplyInputValues() {
  if (options_.input_values.empty()) return;
  onnx::GraphProto* g = model_.mutable_graph();
  std::unordered_set<std::string> inits;
  for (const auto& t : g->initializer()) inits.insert(t.name());
  for (const auto& [name, values] : options_.input_values) {
    const onnx::ValueInfoProto* input = nullptr;
    std::string names;
    for (const auto& in : g->input()) {
      if (inits.count(in.name())) continue;
      if (in.name() == name) input = &in;
      names += (names.empty() ? "" : ", ") + in.name();
    }
    if (!input) throw Fail("--input-value: the model has no input named '" + name + "' (inputs: " + names + ")");
    const auto& tt = input->type().tensor_type();
    onnx_import::ConstTensor c;
    c.elem_type = tt.elem_type();
    for (const auto& d : tt.shape().dim()) c.shape.push_back(d.dim_value());
    const I64 count = NumElements(c.shape);
    if (count != static_cast<I64>(values.size())) {
      throw Fail("--input-value " + name + ": input '" + name + "' has " + std::to_string(count) + " element(s) (shape " +
                 ShapeToString(c.shape) + "), " + std::to_string(values.size()) + " value(s) given");
    }
    if (count > onnx_import::kMaxFoldElements) throw Fail("--input-value " + name + ": too many values");
    if (!c.is_int() && c.elem_type != onnx::TensorProto::FLOAT && c.elem_type != onnx::TensorProto::DOUBLE &&
        c.elem_type != onnx::TensorProto::FLOAT16 && c.elem_type != onnx::TensorProto::BFLOAT16) {
      throw Fail("--input-value " + name + ": input '" + name + "' is not a number tensor");
    }
    for (double v : values) {
      if (c.is_int()) {
        if (v != std::floor(v) || std::fabs(v) > 9e15) {
          throw Fail("--input-value " + name + ": input '" + name + "' holds integers, not " + (std::ostringstream() << v).str());
        }
        c.ints.push_back(static_cast<I64>(v));
      } else {
        c.reals.push_back(v);
      }
    }
    *g->add_initializer() = onnx_import::ToTensorProto(c, name);
    consts_[name] = std::move(c);
    valued_inputs_.insert(name);
  }
}

void Importer::InferShapes() {
  onnx::GraphProto* g = model_.mutable_graph();
  // A folded value's value_info is what inference said before it was folded
  // (perhaps a symbolic dim): ONNX would prefer it to the initializer's exact
  // shape, so drop it (Faster R-CNN's RPN: Mul(Range(0, images), ...) stayed ?x1).
  if (!folded_nodes_.empty()) {
    std::unordered_set<std::string> inits;
    for (const auto& t : g->initializer()) inits.insert(t.name());
    auto* vis = g->mutable_value_info();
    vis->erase(std::remove_if(vis->begin(), vis->end(), [&](const onnx::ValueInfoProto& vi) { return inits.count(vi.name()) > 0; }),
               vis->end());
  }
  // Re-impose the bounds we stated for data-dependent tensors.
  std::unordered_map<std::string, onnx::ValueInfoProto*> vis;
  for (auto& vi : *g->mutable_value_info()) vis[vi.name()] = &vi;
  for (auto& vi : *g->mutable_output()) vis[vi.name()] = &vi;
  for (const auto& [name, shape] : bounds_) {
    auto it = vis.find(name);
    onnx::ValueInfoProto* vi = it != vis.end() ? it->second : g->add_value_info();
    if (it == vis.end()) vi->set_name(name);
    SetShape(vi, BoundElem(name), shape);
  }
  onnx::ShapeInferenceOptions opts(/*check_type=*/false, /*error_mode=*/0, /*data_prop=*/true);
  // odonata's own shape functions when they cover the whole graph (shapes.h:
  // the same value_info, without ONNX's per-node contexts); else ONNX's.
  bool own = false;
  try {
    ++inference_runs_;
    own = bounds_.empty() && onnx_import::InferShapesOwn(model_);
    if (!own) onnx::shape_inference::InferShapes(model_, &SchemaRegistry::Get(), opts);
  } catch (const std::exception& e) {
    // Exporters sometimes write value_info that contradicts inference; drop it and retry.
    g->clear_value_info();
    for (const auto& [name, shape] : bounds_) {
      auto* vi = g->add_value_info();
      vi->set_name(name);
      SetShape(vi, BoundElem(name), shape);
    }
    try {
      ++inference_runs_;
      onnx::shape_inference::InferShapes(model_, &SchemaRegistry::Get(), opts);
    } catch (const std::exception& e2) {
      std::string msg = e2.what();
      msg = msg.substr(0, msg.find('\n'));
      throw Fail("shape inference failed: " + msg);
    }
  }
  types_ = CollectTypes(*g);
  // The own functions accept only window nodes that CheckWindows passes
  // (ranks, attribute types and lengths, ranges: checked more strictly).
  if (!own) CheckWindows(*g, types_);
}

// Whether `name` is an output of a node of the main graph whose op has no
// shape function (ONNX's or odonata's): a custom op's.
bool Importer::IsCustomOutput(const std::string& name) const {
  const auto& opsets = model_.opset_import();
  for (const auto& n : model_.graph().node()) {
    if (std::find(n.output().begin(), n.output().end(), name) == n.output().end()) continue;
    const std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
    int version = 0;
    for (const auto& o : opsets) {
      if ((o.domain() == "ai.onnx" ? "" : o.domain()) == domain) version = static_cast<int>(std::min<I64>(o.version(), 1 << 20));
    }
    return !SchemaRegistry::Get().GetSchema(n.op_type(), version, domain);
  }
  return false;
}

namespace {
// The op type of the node of `g` (or of a subgraph of its nodes) whose first output is `name`,
// when that output's size depends on input values; "" otherwise.
std::string ValueDependentIn(const onnx::GraphProto& g, const std::string& name, int depth) {
  if (depth > 64) return "";
  for (const auto& n : g.node()) {
    const bool dependent = (n.domain().empty() || n.domain() == "ai.onnx") && IsValueDependentOp(n.op_type());
    if (dependent && n.output_size() > 0 && n.output(0) == name) return n.op_type();
    for (const auto& a : n.attribute()) {
      if (a.has_g()) {
        std::string r = ValueDependentIn(a.g(), name, depth + 1);
        if (!r.empty()) return r;
      }
      for (const auto& sub : a.graphs()) {
        std::string r = ValueDependentIn(sub, name, depth + 1);
        if (!r.empty()) return r;
      }
    }
  }
  return "";
}
}  // namespace

std::string Importer::ValueDependentProducer(const std::string& name) const {
  return ValueDependentIn(model_.graph(), name, 0);
}

std::optional<Shape> Importer::StaticShape(const std::string& name) const {
  auto it = types_.find(name);
  if (it == types_.end() || !it->second.shape || !IsStatic(*it->second.shape)) {
    auto p = pass_shapes_.find(name);
    if (p != pass_shapes_.end()) return p->second;
    return std::nullopt;
  }
  return ToShape(*it->second.shape);
}

bool Importer::HasStaticShape(const std::string& name) const {
  auto it = types_.find(name);
  if (it != types_.end() && it->second.shape && IsStatic(*it->second.shape)) return true;
  return pass_shapes_.count(name) > 0;
}

// What InferNode knows within one FoldPass: the types the last whole-graph
// inference left in the graph, the initializers (with the values folded in this
// pass) and the types inferred node by node in this pass.
struct Importer::PassTypes {
  bool built = false;  // the maps below are made on the first InferNode that needs them
  std::unordered_map<std::string, const onnx::TypeProto*> io;          // graph inputs and outputs
  std::unordered_map<std::string, const onnx::TypeProto*> value_info;  // the last inference's
  std::unordered_map<std::string, const onnx::TensorProto*> data;      // initializers
  std::unordered_map<std::string, onnx::TypeProto> inferred;           // inferred in this pass
  std::unordered_set<std::string> fresh;  // tensors folded or inferred in this pass
  // Tensors known in this pass only through InferNode (inferred, or folded
  // from such): the old round-by-round folding met them a round later.
  std::unordered_set<std::string> late;
  // Outputs of nodes kept in this pass that read a data-dependent tensor: the
  // next pass's PropagateTaint would mark them, before a late fold reads them.
  std::unordered_set<std::string> late_taint;
};

// Infers the outputs of `n`, one node, with the inference function ONNX's
// InferShapes would call (the same registry, so the same guards) and what is
// known now, so that the folding pass can go on past it (swin_t's Shape of a
// Reshape whose target shape was just folded) instead of waiting for the next
// whole-graph inference. Only for a node that reads a tensor folded or
// inferred in this pass and has an output whose shape is open; only static
// shapes are kept, and only until the pass ends: the next whole-graph
// inference, which sees at least as much, decides every shape.
void Importer::InferNode(onnx::NodeProto& n, PassTypes& pass) {
  bool fresh = false, open = false;
  for (const auto& in : n.input()) fresh |= !in.empty() && pass.fresh.count(in) > 0;
  if (!fresh) return;
  for (const auto& o : n.output()) open |= !o.empty() && !HasStaticShape(o);
  if (!open) return;
  for (const auto& a : n.attribute()) {
    if (a.has_g() || a.graphs_size() > 0) return;  // subgraphs: left to the whole-graph inference
  }
  // The opset as ONNX's InferShapes resolves it: the node's domain as written.
  const onnx::OperatorSetIdProto* opset = nullptr;
  for (const auto& o : model_.opset_import()) {
    if (o.domain() == n.domain()) opset = &o;
  }
  if (!opset) return;
  const onnx::OpSchema* schema = SchemaRegistry::Get().GetSchema(
      n.op_type(), static_cast<int>(opset->version()), n.domain());
  if (!schema || !schema->has_type_and_shape_inference_function()) return;
  const onnx::GraphProto& g = model_.graph();
  if (!pass.built) {
    for (const auto& vi : g.value_info()) {
      if (vi.has_type()) pass.value_info[vi.name()] = &vi.type();
    }
    for (const auto& vi : g.input()) {
      if (vi.has_type()) pass.io[vi.name()] = &vi.type();
    }
    for (const auto& vi : g.output()) {
      if (vi.has_type()) pass.io[vi.name()] = &vi.type();
    }
    for (const auto& t : g.initializer()) pass.data[t.name()] = &t;
    pass.built = true;
  }
  // The inputs' types as the next whole-graph inference will see them: an
  // initializer's from its dims (InferShapes drops value_info of folded values).
  std::vector<onnx::TypeProto> made;
  made.reserve(n.input_size());
  std::unordered_map<std::string, onnx::TypeProto*> types;
  std::unordered_map<std::string, const onnx::TensorProto*> data;
  for (const auto& in : n.input()) {
    if (in.empty() || types.count(in)) continue;
    const onnx::TypeProto* t = nullptr;
    auto d = pass.data.find(in);
    if (d != pass.data.end()) data[in] = d->second;
    if (auto i = pass.inferred.find(in); i != pass.inferred.end()) {
      t = &i->second;
    } else if (auto io = pass.io.find(in); io != pass.io.end()) {
      t = io->second;
    } else if (d != pass.data.end()) {
      auto* tt = made.emplace_back().mutable_tensor_type();
      tt->set_elem_type(d->second->data_type());
      auto* shape = tt->mutable_shape();
      for (I64 dim : d->second->dims()) shape->add_dim()->set_dim_value(dim);
      t = &made.back();
    } else if (auto vi = pass.value_info.find(in); vi != pass.value_info.end()) {
      t = vi->second;
    }
    // ONNX's context takes them mutable; inference functions only read inputs.
    if (t) types[in] = const_cast<onnx::TypeProto*>(t);
  }
  onnx::shape_inference::InferenceContextImpl ctx(n, types, data, {});
  try {
    schema->GetTypeAndShapeInferenceFunction()(ctx);
  } catch (const std::exception&) {
    return;  // the whole-graph inference meets it again and decides
  }
  for (int o = 0; o < n.output_size(); ++o) {
    const std::string& name = n.output(o);
    if (name.empty() || HasStaticShape(name)) continue;
    const onnx::TypeProto* t = ctx.getOutputType(o);
    if (!t->has_tensor_type() || !t->tensor_type().has_shape()) continue;
    Shape shape;
    for (const auto& d : t->tensor_type().shape().dim()) {
      if (!d.has_dim_value() || d.dim_value() < 0) break;
      shape.push_back(d.dim_value());
    }
    if (static_cast<int>(shape.size()) != t->tensor_type().shape().dim_size()) continue;
    pass_shapes_[name] = std::move(shape);
    pass.inferred[name] = *t;
    pass.fresh.insert(name);
    pass.late.insert(name);
  }
}

// Evaluate nodes whose inputs are all known; their outputs become initializers
// and the nodes leave the graph, as a runtime's constant folding would do.
// An If whose condition is known is replaced by the branch it takes.
bool Importer::FoldPass() {
  // Values computed from bounded shapes are bounds themselves.
  if (!tainted_.empty()) PropagateTaint();
  onnx::GraphProto* g = model_.mutable_graph();
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept(arena());
  bool changed = false;
  PassTypes pass;
  for (int idx = 0; idx < g->node_size(); ++idx) {
    onnx::NodeProto& n = *g->mutable_node(idx);
    std::vector<FoldInput> in(n.input_size());
    std::vector<Shape> shapes(n.input_size());
    bool taint = false, late = false, late_taint = false;
    for (int i = 0; i < n.input_size(); ++i) {
      const std::string& name = n.input(i);
      if (name.empty()) continue;
      late |= pass.late.count(name) > 0;
      late_taint |= pass.late_taint.count(name) > 0;
      in[i].present = true;
      auto c = consts_.find(name);
      if (c != consts_.end()) in[i].value = &c->second;
      if (auto s = StaticShape(name)) {
        shapes[i] = std::move(*s);
        in[i].shape = &shapes[i];
      }
      taint |= tainted_.count(name) > 0;
    }
    // A node folded late sees its inputs as data-dependent as the round that
    // folded it before did (after PropagateTaint): the same values, the same flags.
    if (late) taint |= late_taint;
    auto keep = [&] {
      // Not where values depend on the inputs' (bounds, both branches of an
      // If): there a node's inference may fail on shapes it meets, and what
      // the loader then does depends on the shapes each earlier round left
      // (Silero VAD's infeasible branch): those rounds are kept as they were.
      if (taint || late_taint) {
        for (const auto& o : n.output()) pass.late_taint.insert(o);
      } else {
        InferNode(n, pass);
      }
      kept.Add()->Swap(&n);
    };
    if (n.op_type() == "If" && in.size() == 1 && in[0].value && in[0].value->size() == 1) {
      InlineBranch(n, in[0].value->int_at(0) != 0, taint, kept);
      changed = true;
      continue;
    }
    std::optional<std::vector<ConstTensor>> out;
    bool reads_weight = false;
    for (const auto& i : n.input()) reads_weight |= IsFloatWeight(i);
    // Weights fold only through layout ops (their values are then still the
    // weights, counted once): a stripped model, whose weights have no values,
    // folds the same nodes (AddLayers) and gives the same layers.
    if (reads_weight && !IsLayoutOp(n)) {
      keep();
      continue;
    }
    if (n.op_type() != "Loop" && n.op_type() != "Scan" && n.op_type() != "If") {
      out = onnx_import::FoldNode(n, in, opset_);
    }
    if (!out || out->size() != static_cast<std::size_t>(n.output_size())) {
      keep();
      continue;
    }
    // A Constant node's floating-point value is a weight (paddle2onnx stores
    // every weight so): a parameter, as an initializer would be.
    // A value computed from weights (CNTK's Reshape of a weight) is a weight too.
    bool from_weight = false;
    for (const auto& i : n.input()) from_weight |= IsFloatWeight(i);
    const bool weight = IsFloatElem((*out)[0].elem_type) &&
                        (from_weight || (constants_are_weights_ &&
                                         (n.op_type() == "Constant" || n.op_type() == "ConstantOfShape")));
    for (int o = 0; o < n.output_size(); ++o) {
      if (n.output(o).empty()) continue;
      onnx::TensorProto* init = g->add_initializer();
      *init = onnx_import::ToTensorProto((*out)[o], n.output(o));
      if (pass.built) pass.data[n.output(o)] = init;
      pass.fresh.insert(n.output(o));
      if (late) pass.late.insert(n.output(o));
      (weight ? weights_ : constants_).insert(n.output(o));
      if (taint) tainted_.insert(n.output(o));
      consts_[n.output(o)] = std::move((*out)[o]);
    }
    folded_nodes_.push_back(n.name().empty() ? n.op_type() : n.name());
    changed = true;
  }
  g->mutable_node()->Swap(&kept);
  pass_shapes_.clear();
  return changed;
}

void Importer::InlineBranch(onnx::NodeProto& n, bool cond, bool tainted,
                            google::protobuf::RepeatedPtrField<onnx::NodeProto>& out) {
  const char* branch_name = cond ? "then_branch" : "else_branch";
  onnx::GraphProto& branch = *google::protobuf::Arena::CreateMessage<onnx::GraphProto>(arena());
  for (auto& a : *n.mutable_attribute()) {
    if (a.name() == branch_name) branch.Swap(a.mutable_g());
  }
  if (tainted) {
    warnings_.push_back("condition of If " + NodeLabel(n) +
                        " depends on input values; with the stated bounds it takes " + branch_name +
                        ", which is estimated");
  }
  onnx::GraphProto* g = model_.mutable_graph();
  for (auto& t : *branch.mutable_initializer()) {
    weights_.insert(t.name());
    // The branch's small constants fold like the graph's own.
    if (auto c = onnx_import::FromTensorProto(t)) consts_[t.name()] = std::move(*c);
    g->add_initializer()->Swap(&t);
  }
  // Branch outputs take the If's output names: rename them where the branch produces them.
  std::unordered_map<std::string, std::string> rename;
  std::unordered_set<std::string> produced;
  for (const auto& bn : branch.node()) {
    for (const auto& o : bn.output()) produced.insert(o);
  }
  std::vector<std::pair<std::string, std::string>> passthrough;
  for (int i = 0; i < branch.output_size() && i < n.output_size(); ++i) {
    const std::string& from = branch.output(i).name();
    if (produced.count(from) && !rename.count(from)) {
      rename[from] = n.output(i);
    } else {
      passthrough.emplace_back(rename.count(from) ? rename[from] : from, n.output(i));
    }
  }
  const std::string prefix = (n.name().empty() ? std::string("If") : n.name()) + "/" + branch_name + "/";
  for (auto& bn : *branch.mutable_node()) {
    for (auto& name : *bn.mutable_input()) {
      auto r = rename.find(name);
      if (r != rename.end()) name = r->second;
    }
    for (auto& name : *bn.mutable_output()) {
      auto r = rename.find(name);
      if (r != rename.end()) name = r->second;
    }
    bn.set_name(prefix + bn.name());
    if (tainted) {
      for (const auto& o : bn.output()) tainted_.insert(o);
    }
    out.Add()->Swap(&bn);
  }
  for (const auto& [from, to] : passthrough) {
    onnx::NodeProto* id = out.Add();
    id->set_op_type("Identity");
    id->set_name(prefix + "output_" + to);
    id->add_input(from);
    id->add_output(to);
  }
  folded_nodes_.push_back(n.name().empty() ? n.op_type() : n.name());
}

// Every tensor name `g` and its nested subgraphs define (node outputs,
// initializers, subgraph inputs).
void CollectDefined(const onnx::GraphProto& g, bool nested, std::unordered_set<std::string>& out) {
  for (const auto& t : g.initializer()) out.insert(t.name());
  if (nested) {
    for (const auto& in : g.input()) out.insert(in.name());
  }
  for (const auto& n : g.node()) {
    for (const auto& o : n.output()) {
      if (!o.empty()) out.insert(o);
    }
    for (const auto& a : n.attribute()) {
      if (a.has_g()) CollectDefined(a.g(), true, out);
      for (const auto& sub : a.graphs()) CollectDefined(sub, true, out);
    }
  }
}

// Renames every occurrence of the names in `rename` in `g` and its subgraphs.
void RenameAll(onnx::GraphProto& g, const std::unordered_map<std::string, std::string>& rename) {
  auto fix = [&](std::string* name) {
    auto r = rename.find(*name);
    if (r != rename.end()) *name = r->second;
  };
  for (auto& t : *g.mutable_initializer()) fix(t.mutable_name());
  for (auto& vi : *g.mutable_input()) fix(vi.mutable_name());
  for (auto& vi : *g.mutable_output()) fix(vi.mutable_name());
  for (auto& vi : *g.mutable_value_info()) fix(vi.mutable_name());
  for (auto& n : *g.mutable_node()) {
    for (auto& in : *n.mutable_input()) fix(&in);
    for (auto& o : *n.mutable_output()) fix(&o);
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) RenameAll(*a.mutable_g(), rename);
      for (auto& sub : *a.mutable_graphs()) RenameAll(sub, rename);
    }
  }
}

// Graph inputs whose values `tensor` is computed from.
std::vector<std::string> Importer::InputsBehind(const std::string& tensor) const {
  const onnx::GraphProto& g = model_.graph();
  std::unordered_map<std::string, const onnx::NodeProto*> producer;
  for (const auto& n : g.node()) {
    for (const auto& o : n.output()) producer[o] = &n;
  }
  std::set<std::string> inputs;
  for (const auto& in : g.input()) inputs.insert(in.name());
  std::vector<std::string> todo = {tensor}, found;
  std::unordered_set<std::string> seen;
  while (!todo.empty()) {
    std::string t = todo.back();
    todo.pop_back();
    if (!seen.insert(t).second) continue;
    if (inputs.count(t) && !weights_.count(t) && !consts_.count(t)) found.push_back(t);
    auto p = producer.find(t);
    if (p == producer.end()) continue;
    for (const auto& in : p->second->input()) todo.push_back(in);
  }
  std::sort(found.begin(), found.end());
  return found;
}

// A node of the default domain whose inputs are all weights or constants (and
// that reads at least one): a runtime evaluates it once at load time.
bool Importer::ComputedFromWeightsOnly(const onnx::NodeProto& n) const {
  static const std::set<std::string> kNever = {"If",          "Loop",       "Scan",         "RandomNormal",
                                               "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
                                               "Bernoulli",   "Constant",   "Dropout"};
  if (!(n.domain().empty() || n.domain() == "ai.onnx") || kNever.count(n.op_type())) return false;
  int read = 0;
  bool weight = false;
  for (const auto& in : n.input()) {
    if (in.empty()) continue;
    if (!weights_.count(in) && !constants_.count(in)) return false;
    weight |= IsFloatWeight(in);
    ++read;
  }
  if (weight && !IsLayoutOp(n)) return false;
  for (const auto& out : n.output()) {
    if (!out.empty() && !HasStaticShape(out)) return false;
  }
  return read > 0;
}

// One line for an If whose condition depends on input values.
std::string IfWarning(const onnx::NodeProto& n, const std::vector<std::string>& behind) {
  std::string names;
  for (const auto& b : behind) names += (names.empty() ? "'" : ", '") + b + "'";
  return "If " + NodeLabel(n) + ": condition depends on the value of " +
         (names.empty() ? std::string("an input") : "input " + names) + "; both branches are counted (upper bound)" +
         (behind.empty() ? std::string() : "; --input-value " + behind[0] + "=V picks one");
}

// An If whose condition stays unknown and whose outputs stay unresolved (its
// branches give different shapes): both branches go into the graph, each
// counted (an upper bound), and each output takes the larger of the two
// branches' shapes (odonata.UpperBound, not a layer).
bool Importer::InlineUnresolvedIfs() {
  onnx::GraphProto* g = model_.mutable_graph();
  // The inputs behind each condition, found before nodes move out of the graph.
  std::unordered_map<std::string, std::vector<std::string>> behind;
  for (const auto& n : g->node()) {
    if (n.op_type() == "If" && n.input_size() == 1) behind[n.input(0)] = InputsBehind(n.input(0));
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept(arena());
  bool changed = false;
  for (int idx = 0; idx < g->node_size(); ++idx) {
    onnx::NodeProto& n = *g->mutable_node(idx);
    bool unresolved = false;
    for (const auto& o : n.output()) unresolved |= !o.empty() && !HasStaticShape(o);
    if (n.op_type() != "If" || !(n.domain().empty() || n.domain() == "ai.onnx") || !unresolved ||
        n.input_size() != 1 || consts_.count(n.input(0))) {
      kept.Add()->Swap(&n);
      continue;
    }
    warnings_.push_back(IfWarning(n, behind[n.input(0)]));
    both_.push_back({n.name(), behind[n.input(0)], warnings_.size() - 1, {}, false});
    InlineBothBranches(n, kept);
    changed = true;
  }
  g->mutable_node()->Swap(&kept);
  if (changed) {
    bool imported = false;
    for (const auto& o : model_.opset_import()) imported |= o.domain() == onnx_import::kOdonataDomain;
    if (!imported) {
      auto* o = model_.add_opset_import();
      o->set_domain(onnx_import::kOdonataDomain);
      o->set_version(1);
    }
  }
  return changed;
}

void Importer::InlineBothBranches(onnx::NodeProto& n, google::protobuf::RepeatedPtrField<onnx::NodeProto>& out) {
  onnx::GraphProto* g = model_.mutable_graph();
  std::vector<std::vector<std::string>> outs;
  for (const char* branch_name : {"then_branch", "else_branch"}) {
    onnx::GraphProto& branch = *google::protobuf::Arena::CreateMessage<onnx::GraphProto>(arena());
    for (auto& a : *n.mutable_attribute()) {
      if (a.name() == branch_name) branch.Swap(a.mutable_g());
    }
    const std::string prefix = n.name() + "/" + branch_name + "/";
    // The two branches often hold the same nested graphs: every name they
    // define gets the branch's prefix.
    std::unordered_set<std::string> defined;
    CollectDefined(branch, false, defined);
    std::unordered_map<std::string, std::string> rename;
    for (const auto& d : defined) rename[d] = prefix + d;
    RenameAll(branch, rename);
    for (auto& t : *branch.mutable_initializer()) {
      weights_.insert(t.name());
      if (auto c = onnx_import::FromTensorProto(t)) consts_[t.name()] = std::move(*c);
      g->add_initializer()->Swap(&t);
    }
    for (auto& bn : *branch.mutable_node()) {
      for (const auto& o : bn.output()) {
        if (!o.empty()) tainted_.insert(o);
      }
      bn.set_name(prefix + bn.name());
      out.Add()->Swap(&bn);
    }
    outs.emplace_back();
    for (const auto& o : branch.output()) outs.back().push_back(o.name());
  }
  both_.back().outs[0] = outs[0];
  both_.back().outs[1] = outs[1];
  for (int i = 0; i < n.output_size(); ++i) {
    if (n.output(i).empty() || i >= static_cast<int>(outs[0].size()) || i >= static_cast<int>(outs[1].size())) continue;
    onnx::NodeProto* ub = out.Add();
    ub->set_op_type("UpperBound");
    ub->set_domain(onnx_import::kOdonataDomain);
    ub->set_name(n.name() + "/upper_bound_" + std::to_string(i));
    ub->add_input(outs[0][i]);
    ub->add_input(outs[1][i]);
    ub->add_output(n.output(i));
    tainted_.insert(n.output(i));
  }
}

// An If inlined with both branches where one branch cannot run with the given
// input shapes (ONNX Runtime fails in it too: Silero VAD's 8 kHz branch fed a
// 16 kHz-sized input gives its LSTM a rank-5 input): every shape the loader
// cannot resolve starts in that branch (the nodes whose inputs are all static
// but whose outputs are not), and the other branch resolves. That branch is
// dropped, the If's outputs are the other branch's, and the If's warning says
// so. Returns whether a branch was dropped (the caller infers again).
bool Importer::DropInfeasibleBranch() {
  if (both_.empty()) return false;
  DropUnusedOutputs();
  onnx::GraphProto* g = model_.mutable_graph();
  std::vector<const onnx::NodeProto*> roots;
  std::vector<const onnx::NodeProto*> unresolved;
  for (const onnx::NodeProto& n : g->node()) {
    bool out_open = false, in_static = true;
    for (const auto& o : n.output()) out_open |= !o.empty() && !HasStaticShape(o);
    if (!out_open) continue;
    unresolved.push_back(&n);
    for (const auto& in : n.input()) in_static &= in.empty() || HasStaticShape(in);
    if (in_static) roots.push_back(&n);
  }
  if (roots.empty()) return false;
  auto starts = [](const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; };
  // Innermost Ifs were inlined last.
  for (auto b = both_.rbegin(); b != both_.rend(); ++b) {
    if (b->dropped) continue;
    const std::string prefix[2] = {b->name + "/then_branch/", b->name + "/else_branch/"};
    for (int bad = 0; bad < 2; ++bad) {
      const int good = 1 - bad;
      bool all_roots_bad = true, good_open = false;
      for (const auto* r : roots) all_roots_bad &= starts(r->name(), prefix[bad]);
      for (const auto* u : unresolved) good_open |= starts(u->name(), prefix[good]);
      if (!all_roots_bad || good_open) continue;
      const std::string root = NodeLabel(*roots.front());
      google::protobuf::RepeatedPtrField<onnx::NodeProto> kept(arena());
      for (auto& n : *g->mutable_node()) {
        if (starts(n.name(), prefix[bad])) continue;
        if (n.op_type() == "UpperBound" && n.domain() == onnx_import::kOdonataDomain &&
            starts(n.name(), b->name + "/upper_bound_")) {
          // UpperBound(x, x) is x: the If's outputs are the good branch's.
          for (int i = 0; i < n.input_size(); ++i) {
            const auto& mine = b->outs[bad];
            auto at = std::find(mine.begin(), mine.end(), n.input(i));
            if (at != mine.end()) n.set_input(i, b->outs[good][at - mine.begin()]);
          }
        }
        kept.Add()->Swap(&n);
      }
      g->mutable_node()->Swap(&kept);
      b->dropped = true;
      // What was said about Ifs inside the dropped branch no longer applies.
      for (auto& w : warnings_) {
        if (w.find("If '" + prefix[bad]) != std::string::npos) w.clear();
      }
      const char* names[2] = {"then_branch", "else_branch"};
      std::string inputs;
      for (const auto& i : b->behind) inputs += (inputs.empty() ? "'" : ", '") + i + "'";
      warnings_[b->warning] = "If '" + b->name + "': condition depends on the value of " +
                              (inputs.empty() ? std::string("an input") : "input " + inputs) + "; " + names[bad] +
                              " cannot run with these input shapes (node " + root +
                              " gets no output shape), so only " + names[good] + " is counted" +
                              (b->behind.empty() ? std::string() : "; --input-value " + b->behind[0] + "=V picks one");
      return true;
    }
  }
  return false;
}

// The elementwise larger of the static shapes of output `o` of an If's two
// branches (as ONNX's inference left them), or nullopt.
std::optional<Shape> Importer::IfBound(const onnx::NodeProto& n, int o) const {
  std::vector<Shape> shapes;
  for (const auto& a : n.attribute()) {
    if (a.name() != "then_branch" && a.name() != "else_branch") continue;
    if (!a.has_g() || o >= a.g().output_size()) return std::nullopt;
    std::unordered_map<std::string, TypeInfo> info;
    Record(a.g().output(o), info);
    auto it = info.find(a.g().output(o).name());
    if (it == info.end() || !it->second.shape || !IsStatic(*it->second.shape)) return std::nullopt;
    shapes.push_back(ToShape(*it->second.shape));
  }
  if (shapes.size() != 2 || shapes[0].size() != shapes[1].size()) return std::nullopt;
  Shape out = shapes[0];
  for (std::size_t d = 0; d < out.size(); ++d) out[d] = std::max(out[d], shapes[1][d]);
  return out;
}

// Shapes that depend on input values get a stated upper bound, one layer of
// the graph at a time so that later shapes follow from the bound by inference.
bool Importer::BoundPass() {
  onnx::GraphProto* g = model_.mutable_graph();
  bool changed = false;
  for (const onnx::NodeProto& n : g->node()) {
    bool inputs_static = true, input_tainted = false;
    for (const auto& in : n.input()) {
      if (in.empty()) continue;
      if (!HasStaticShape(in)) inputs_static = false;
      input_tainted |= tainted_.count(in) > 0;
    }
    if (!inputs_static) continue;
    const std::string& op = n.op_type();
    for (int o = 0; o < n.output_size(); ++o) {
      const std::string& name = n.output(o);
      if (name.empty() || HasStaticShape(name)) continue;
      auto in_shape = [&](int i) -> Shape {
        return i < n.input_size() && !n.input(i).empty() ? *StaticShape(n.input(i)) : Shape{};
      };
      std::optional<Shape> bound;
      if (op == "NonMaxSuppression" && o == 0) {
        // At most batch * classes * min(max_output_boxes_per_class, boxes) selections.
        Shape scores = in_shape(1);
        if (scores.size() == 3) {
          I64 per_class = scores[2];
          if (n.input_size() > 2 && consts_.count(n.input(2)) && consts_[n.input(2)].size() == 1) {
            per_class = std::min(per_class, std::max<I64>(consts_[n.input(2)].int_at(0), 0));
          }
          bound = Shape{CheckedMul(CheckedMul(scores[0], scores[1]), per_class), 3};
        }
      } else if (op == "If") {
        // A condition not known at load time: the larger of the two branches' shapes.
        bound = IfBound(n, o);
      } else if (op == "NonZero") {
        Shape x = in_shape(0);
        bound = Shape{static_cast<I64>(x.size()), NumElements(x)};
      } else if (op == "Unique" || op == "Compress") {
        Shape x = in_shape(0);
        bound = Shape{NumElements(x)};
        if (op == "Compress") {
          if ([&]() -> const onnx::AttributeProto* {
                for (const auto& at : n.attribute())
                  if (at.name() == "axis") return &at;
                return nullptr;
              }()) {
            bound = x;
          }
        }
      }
      if (bound && o == 0) {
        auto st = stated_shapes_.find(name);
        if (st != stated_shapes_.end()) {
          // The size the user stated (--input-shape) in place of the upper bound: never above it.
          const Shape& given = st->second;
          bool within = given.size() == bound->size();
          for (std::size_t d = 0; within && d < given.size(); ++d) within = given[d] <= (*bound)[d];
          if (!within) {
            throw Fail("--input-shape " + name + "=" + ShapeToString(given) + ": output of node " + NodeLabel(n) +
                       " is at most " + ShapeToString(*bound));
          }
          stated_used_.insert(name);
          bounded_.push_back({op, "'" + name + "' (from node " + NodeLabel(n) + ")", *bound, given});
          bounds_[name] = given;
          tainted_.insert(name);
          changed = true;
          continue;
        }
      }
      if (!bound && !SchemaRegistry::Get().GetSchema(op, static_cast<int>(opset_), n.domain())) {
        // An op ONNX has no schema for (custom domain): the shape the user stated,
        // or a decoded image's default size, or its first input's shape.
        std::optional<Shape> given;
        auto c = custom_shapes_.find(name);
        if (c != custom_shapes_.end()) {
          given = c->second;
          if (n.domain() == kExtensionsDomain && op == "DecodeImage" && (given->size() != 3 || (*given)[2] != 3)) {
            throw Fail("--input-shape " + name + "=" + ShapeToString(*given) + ": the output of node " + NodeLabel(n) +
                       " is a decoded image, HxWx3");
          }
        }
        if (!given && n.domain() == kExtensionsDomain && op == "DecodeImage" && o == 0) {
          given = Shape(std::begin(kDefaultDecodedImage), std::end(kDefaultDecodedImage));
          warnings_.push_back("output '" + name + "' of node " + NodeLabel(n) +
                              " is an image whose size is only known once decoded; estimated as " +
                              ShapeToString(*given) + " (HxWx3; give --input-shape " + name + "=HxWx3)");
        }
        if (!given && n.domain() == kExtensionsDomain && op == "EncodeImage" && o == 0 && n.input_size() > 0) {
          given = Shape{NumElements(in_shape(0))};
          warnings_.push_back("output '" + name + "' of node " + NodeLabel(n) +
                              " is an encoded image whose size is only known once encoded; estimated as its raw size, " +
                              std::to_string((*given)[0]) + " bytes");
        }
        if (given) {
          if (n.domain() == kExtensionsDomain) bound_elems_[name] = onnx::TensorProto::UINT8;
          bounds_[name] = *given;
          tainted_.insert(name);
          changed = true;
          continue;
        }
      }
      if (!bound && !SchemaRegistry::Get().GetSchema(op, static_cast<int>(opset_), n.domain()) && n.input_size() > 0 &&
          !n.input(0).empty()) {
        // An op ONNX has no schema for (custom domain): assume it keeps its first input's shape.
        bound = in_shape(0);
        warnings_.push_back("output '" + name + "' of node " + NodeLabel(n) +
                            ", an op without an ONNX schema, assumed to have its first input's shape " +
                            ShapeToString(*bound));
        bounds_[name] = *bound;
        changed = true;
        continue;
      }
      // (Not for If: its one input is the condition, whose shape says nothing of the
      // branches'; an If is bounded by its branches, IfBound or InlineUnresolvedIfs.)
      if (!bound && (input_tainted || op == "TopK" || op == "Slice" || op == "Loop") && op != "If") {
        // Generic bound: an unknown dim is at most the same dim of the largest input of that rank.
        auto it = types_.find(name);
        if (it != types_.end() && it->second.shape) {
          PartialShape ps = *it->second.shape;
          bool ok = true;
          for (std::size_t d = 0; d < ps.size() && ok; ++d) {
            if (ps[d]) continue;
            I64 best = -1;
            for (const auto& in : n.input()) {
              if (in.empty()) continue;
              Shape s = *StaticShape(in);
              if (s.size() == ps.size()) best = std::max(best, s[d]);
            }
            if (best < 0) {
              ok = false;
            } else {
              ps[d] = best;
            }
          }
          if (ok) bound = ToShape(ps);
        }
      }
      if (!bound) continue;
      bounds_[name] = *bound;
      tainted_.insert(name);
      // An If's bound is said once, with its branches (AddLayers).
      if (op != "If") bounded_.push_back({op, "'" + name + "' (from node " + NodeLabel(n) + ")", *bound, std::nullopt});
      changed = true;
    }
  }
  return changed;
}

// Collects every tensor name read by the nodes of `g` and of its subgraphs.
void CollectReads(const onnx::GraphProto& g, std::unordered_set<std::string>& reads) {
  for (const auto& n : g.node()) {
    for (const auto& in : n.input()) reads.insert(in);
    for (const auto& a : n.attribute()) {
      if (a.has_g()) CollectReads(a.g(), reads);
      for (const auto& sub : a.graphs()) CollectReads(sub, reads);
    }
  }
  for (const auto& out : g.output()) reads.insert(out.name());
}

// An optional output nobody reads (opset-9 Dropout's mask, LayerNormalization's
// statistics) whose shape stays unknown is dropped, as a runtime would not make it.
void Importer::DropUnusedOutputs() {
  // Most graphs have no such output: the reads are collected only when one may be dropped.
  const bool candidates = std::any_of(model_.graph().node().begin(), model_.graph().node().end(), [&](const onnx::NodeProto& n) {
    return std::any_of(n.output().begin() + std::min(n.output_size(), 1), n.output().end(),
                       [&](const std::string& name) { return !name.empty() && !HasStaticShape(name); });
  });
  if (!candidates) return;
  std::unordered_set<std::string> reads;
  CollectReads(model_.graph(), reads);
  for (auto& n : *model_.mutable_graph()->mutable_node()) {
    for (int o = 1; o < n.output_size(); ++o) {
      const std::string& name = n.output(o);
      if (!name.empty() && !reads.count(name) && !HasStaticShape(name)) n.set_output(o, "");
    }
  }
}

void Importer::CheckResolved() {
  const onnx::GraphProto& g = model_.graph();
  std::vector<std::string> problems;
  for (const onnx::NodeProto& n : g.node()) {
    for (const auto& out : n.output()) {
      if (out.empty() || HasStaticShape(out)) continue;
      auto it = types_.find(out);
      std::string shape =
          (it == types_.end() || !it->second.shape) ? "unknown rank" : PartialToString(*it->second.shape);
      problems.push_back("'" + out + "' (" + shape + ") from node " + NodeLabel(n));
    }
  }
  if (problems.empty()) return;
  std::string msg = "cannot resolve static shapes of " + std::to_string(problems.size()) + " tensor(s): ";
  for (std::size_t i = 0; i < problems.size() && i < 8; ++i) msg += (i ? "; " : "") + problems[i];
  if (problems.size() > 8) msg += "; ...";
  // Only worth trying when some input size was guessed (a symbolic batch taken as 1).
  if (batch_guessed_) msg += " (try --input-shape)";
  throw Fail(msg);
}

// Convolution and pooling nodes whose ranks or attribute lengths disagree
// (with the shapes known so far) are errors naming the node.
void Importer::CheckWindows(const onnx::GraphProto& g, const std::unordered_map<std::string, TypeInfo>& types) const {
  auto rank = [&](int i, const onnx::NodeProto& n) -> int {
    if (i < 0 || i >= n.input_size()) return -1;
    auto it = types.find(n.input(i));
    return it == types.end() || !it->second.shape ? -1 : static_cast<int>(it->second.shape->size());
  };
  static const std::string kNone;
  for (const onnx::NodeProto& n : g.node()) {
    if (!onnx_import::IsWindowOp(n.op_type(), n.domain())) continue;
    const int wi = onnx_import::WindowWeightIndex(n.op_type(), n.domain());
    auto problem = onnx_import::WindowProblem(
        n.op_type(), n.domain(), n.input_size() > 0 ? n.input(0) : kNone, rank(0, n),
        wi >= 0 && wi < n.input_size() ? n.input(wi) : kNone, rank(wi, n),
        [&](const std::string& name) -> const onnx::AttributeProto* {
          for (const auto& a : n.attribute()) {
            if (a.name() == name) return &a;
          }
          return nullptr;
        });
    if (problem) throw Fail("node " + NodeLabel(n) + ": " + *problem);
  }
}

// Each node with an ONNX schema must match it (required attributes present and
// of the right type, input and output counts in range): ONNX 1.12's inference
// functions assume so and crash on such nodes (Scan without num_scan_inputs,
// found by fuzzing). Convolution and pooling nodes must have ranks and
// attribute lengths that agree (their inference is guarded too, see
// schemas.h, for shapes only known after inference). Nodes of unknown ops are
// left to the estimator's fallback; odonata's own schemas check in inference.
void Importer::VerifyNodes(const onnx::GraphProto& g, const std::map<std::string, I64>& opsets) const {
  CheckWindows(g, CollectTypes(g));
  const SchemaRegistry& registry = SchemaRegistry::Get();
  for (const onnx::NodeProto& n : g.node()) {
    const std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
    auto v = opsets.find(domain);
    if (v != opsets.end()) {
      const onnx::OpSchema* schema = registry.GetSchema(n.op_type(), static_cast<int>(v->second), domain);
      if (schema && !registry.IsOwn(schema)) {
        try {
          schema->Verify(n);
        } catch (const std::exception& e) {
          std::string msg = e.what();
          throw Fail("node " + NodeLabel(n) + ": " + msg.substr(0, msg.find('\n')));
        }
      }
    }
    for (const auto& a : n.attribute()) {
      if (a.has_g()) VerifyNodes(a.g(), opsets);
      for (const auto& sub : a.graphs()) VerifyNodes(sub, opsets);
    }
  }
}

// Node inputs must come from somewhere, and the graph must be acyclic. Nodes
// stored out of order (an fp16 converter's output) are sorted, as ONNX Runtime
// does, with a warning; a real cycle is an error naming its nodes.
void Importer::CheckGraph() {
  onnx::GraphProto* g = model_.mutable_graph();
  // What nodes may read besides other nodes' outputs: the graph's inputs and
  // its initializers, whose names Run() has put in weights_ (--input-value
  // adds initializers for inputs only). Names are views of the graph's
  // strings, which nothing below changes before the last lookup.
  std::unordered_set<std::string_view> inputs;
  for (const auto& in : g->input()) inputs.insert(in.name());
  auto available = [&](const std::string& name) { return inputs.count(name) > 0 || weights_.count(name) > 0; };
  // A map, sequence or optional input: odonata sizes tensors only (ONNX 1.12's
  // inference functions read such an input as a tensor; MaxUnpool crashed on one).
  std::unordered_map<std::string, const char*> non_tensor;
  for (const auto& in : g->input()) {
    if (!in.has_type()) continue;
    switch (in.type().value_case()) {
      case onnx::TypeProto::kSequenceType: non_tensor[in.name()] = "a sequence"; break;
      case onnx::TypeProto::kMapType: non_tensor[in.name()] = "a map"; break;
      case onnx::TypeProto::kOptionalType: non_tensor[in.name()] = "an optional"; break;
      case onnx::TypeProto::kSparseTensorType: non_tensor[in.name()] = "a sparse tensor"; break;
      default: break;
    }
  }
  if (!non_tensor.empty()) {
    for (const auto& n : g->node()) {
      for (const auto& in : n.input()) {
        auto k = non_tensor.find(in);
        if (k != non_tensor.end()) {
          throw Fail("node " + NodeLabel(n) + " reads input '" + in + "', which is " + k->second +
                     ", not a tensor: odonata estimates models whose inputs are tensors");
        }
      }
    }
  }
  std::unordered_map<std::string_view, int> producer;
  for (int i = 0; i < g->node_size(); ++i) {
    for (const auto& out : g->node(i).output()) {
      if (!out.empty()) producer[out] = i;
    }
  }
  const int count = g->node_size();
  std::vector<std::vector<int>> consumers(count);
  std::vector<int> pending(count, 0);
  bool ordered = true;
  for (int i = 0; i < count; ++i) {
    const auto& n = g->node(i);
    for (const auto& in : n.input()) {
      if (in.empty() || available(in)) continue;
      auto p = producer.find(in);
      if (p == producer.end()) {
        throw Fail("node " + NodeLabel(n) + " reads '" + in +
                   "', which is neither a graph input, an initializer nor a node output");
      }
      ordered &= p->second < i;
      consumers[p->second].push_back(i);
      ++pending[i];
    }
  }
  if (ordered) return;
  // Kahn's algorithm, ties broken by file order.
  std::set<int> ready;
  for (int i = 0; i < count; ++i) {
    if (pending[i] == 0) ready.insert(i);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    const int i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (int c : consumers[i]) {
      if (--pending[c] == 0) ready.insert(c);
    }
  }
  if (static_cast<int>(order.size()) != count) {
    // Walk back from a node left over along inputs made by nodes left over until one repeats.
    int at = 0;
    while (pending[at] == 0) ++at;
    std::vector<int> path;
    std::vector<int> seen(count, -1);
    while (seen[at] < 0) {
      seen[at] = static_cast<int>(path.size());
      path.push_back(at);
      for (const auto& in : g->node(at).input()) {
        auto p = producer.find(in);
        if (!in.empty() && !available(in) && p != producer.end() && pending[p->second] > 0) {
          at = p->second;
          break;
        }
      }
    }
    std::string cycle;
    for (std::size_t k = seen[at]; k < path.size(); ++k) cycle += NodeLabel(g->node(path[k])) + " <- ";
    throw Fail("graph has a cycle: " + cycle + NodeLabel(g->node(at)));
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> sorted(arena());
  for (int i : order) sorted.Add()->Swap(g->mutable_node(i));
  g->mutable_node()->Swap(&sorted);
  warnings_.push_back("nodes are not stored in topological order; sorted (as ONNX Runtime does)");
}

TensorInfo Importer::MakeTensor(const std::string& name, const std::unordered_map<std::string, TypeInfo>& types,
                                bool* unresolved) {
  TensorInfo t;
  t.name = name;
  if (name.empty()) return t;
  auto it = types.find(name);
  if (it != types.end()) {
    t.dtype = FromOnnxType(it->second.elem_type);
    if (it->second.shape) {
      t.shape = ToShape(*it->second.shape);
      if (!IsStatic(*it->second.shape)) *unresolved = true;
    } else {
      *unresolved = true;
    }
  } else {
    *unresolved = true;
  }
  t.is_constant = constants_.count(name) > 0;
  t.is_weight = !t.is_constant && weights_.count(name) > 0;
  t.is_overridable = t.is_weight && overridable_.count(name) > 0;
  t.data_dependent = tainted_.count(name) > 0;
  return t;
}

std::vector<I64> IntsAttr(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return std::vector<I64>(a.ints().begin(), a.ints().end());
  }
  return {};
}

Layer Importer::MakeLayer(const onnx::NodeProto& n, const std::string& name,
                          const std::unordered_map<std::string, TypeInfo>& types, Network& net) {
  Layer l;
  l.name = name;
  l.op_type = n.op_type();
  l.domain = n.domain();
  bool unresolved = false;
  l.inputs.reserve(n.input_size());
  l.outputs.reserve(n.output_size());
  for (const auto& in : n.input()) l.inputs.push_back(MakeTensor(in, types, &unresolved));
  for (const auto& out : n.output()) l.outputs.push_back(MakeTensor(out, types, &unresolved));
  for (const auto& a : n.attribute()) {
    switch (a.type()) {
      case onnx::AttributeProto::INT:
        l.attributes[a.name()] = static_cast<I64>(a.i());
        break;
      case onnx::AttributeProto::FLOAT:
        l.attributes[a.name()] = static_cast<double>(a.f());
        break;
      case onnx::AttributeProto::STRING:
        l.attributes[a.name()] = a.s();
        break;
      case onnx::AttributeProto::INTS:
        l.attributes[a.name()] = std::vector<I64>(a.ints().begin(), a.ints().end());
        break;
      case onnx::AttributeProto::FLOATS:
        l.attributes[a.name()] = std::vector<double>(a.floats().begin(), a.floats().end());
        break;
      case onnx::AttributeProto::STRINGS:
        l.attributes[a.name()] = std::vector<std::string>(a.strings().begin(), a.strings().end());
        break;
      default:
        break;  // graphs and tensors are not kept
    }
  }
  if (unresolved) {
    // Only inside subgraphs (the main graph is checked before): unknown dims count as 1.
    l.data_dependent = true;
    net.warnings.push_back("node " + NodeLabel(n) +
                           " inside a subgraph has tensors of unknown shape; unknown dimensions counted as 1");
  }
  for (const auto& t : l.inputs) l.data_dependent |= t.data_dependent;
  for (const auto& t : l.outputs) l.data_dependent |= t.data_dependent;

  static const std::set<std::string> kWindowOps = {"Conv",          "ConvInteger", "QLinearConv", "ConvTranspose",
                                                   "MaxPool",       "AveragePool", "LpPool",      "GlobalAveragePool",
                                                   "GlobalMaxPool", "GlobalLpPool"};
  const bool window = ((l.domain.empty() || l.domain == "ai.onnx") && kWindowOps.count(l.op_type)) ||
                      (l.domain == "com.microsoft" && (l.op_type == "FusedConv" || l.op_type == "QLinearAveragePool"));
  if (window && !l.inputs.empty() && l.inputs[0].shape.size() >= 3) {
    Window& w = l.window;
    const Shape& x = l.inputs[0].shape;
    const std::size_t r = x.size() - 2;
    const bool global = l.op_type.rfind("Global", 0) == 0;
    w.kernel = IntsAttr(n, "kernel_shape");
    if (global) {
      w.kernel.assign(x.begin() + 2, x.end());
    } else if (w.kernel.empty()) {
      const int wi = l.op_type == "QLinearConv" ? 3 : 1;
      if (static_cast<int>(l.inputs.size()) > wi && l.inputs[wi].shape.size() == r + 2) {
        w.kernel.assign(l.inputs[wi].shape.begin() + 2, l.inputs[wi].shape.end());
      }
    }
    w.strides = IntsAttr(n, "strides");
    w.dilations = IntsAttr(n, "dilations");
    w.pads = IntsAttr(n, "pads");
    if (w.strides.empty()) w.strides.assign(r, 1);
    if (w.dilations.empty()) w.dilations.assign(r, 1);
    if (w.pads.empty()) w.pads.assign(2 * r, 0);
    if (w.kernel.size() != r || w.strides.size() != r || w.dilations.size() != r || w.pads.size() != 2 * r) {
      throw Fail("node " + NodeLabel(n) + ": kernel_shape/strides/dilations/pads do not match input rank " +
                 std::to_string(x.size()));
    }
    auto ap = l.attributes.find("auto_pad");
    const std::string auto_pad = ap != l.attributes.end() ? std::get<std::string>(ap->second) : "NOTSET";
    if ((auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") && l.op_type != "ConvTranspose" && !l.outputs.empty() &&
        l.outputs[0].shape.size() == x.size()) {
      for (std::size_t i = 0; i < r; ++i) {
        I64 in = x[i + 2], out = l.outputs[0].shape[i + 2];
        I64 total = std::max<I64>(0, (out - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1 - in);
        I64 small = total / 2, big = total - small;
        w.pads[i] = auto_pad == "SAME_UPPER" ? small : big;
        w.pads[i + r] = auto_pad == "SAME_UPPER" ? big : small;
      }
    }
    auto g = l.attributes.find("group");
    if (g != l.attributes.end()) w.group = std::get<I64>(g->second);
    for (const char* key : {"kernel_shape", "strides", "dilations", "pads", "auto_pad", "group"}) {
      l.attributes.erase(key);
    }
  }
  l.op_class = ClassifyLayer(l);
  l.covers = {name};
  l.covered_ops = {l.op_type};
  try {
    l.counts = ComputeCounts(l);
  } catch (const Error& e) {
    throw e.WithContext(origin_ + ": node " + NodeLabel(n));
  }
  return l;
}

void Importer::AddLayers(const onnx::GraphProto& g, const std::string& prefix, I64 repeat, bool data_dependent,
                         const std::unordered_map<std::string, TypeInfo>& types, Network& net) {
  for (const auto& t : g.initializer()) {
    if (!valued_inputs_.count(t.name())) weights_.insert(t.name());
  }
  int index = 0;
  for (const onnx::NodeProto& n : g.node()) {
    std::string name = n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name();
    ++index;
    if (n.domain() == onnx_import::kOdonataDomain) continue;  // bookkeeping, no work
    if (prefix.empty() && ComputedFromWeightsOnly(n)) {
      // What a runtime folds whether or not the weights are in the file: a
      // stripped model gives the same layers as its full original.
      bool from_weight = false;
      for (const auto& in : n.input()) from_weight |= IsFloatWeight(in);
      for (const auto& out : n.output()) (from_weight ? weights_ : constants_).insert(out);
      net.folded.push_back(name);
      continue;
    }
    const bool constant_of_known_shape = n.op_type() == "ConstantOfShape" && n.input_size() == 1 &&
                                         consts_.count(n.input(0)) && !tainted_.count(n.input(0));
    if ((n.op_type() == "Constant" || constant_of_known_shape) && (n.domain().empty() || n.domain() == "ai.onnx")) {
      // A constant too large to fold: its output is a weight, the node does no work.
      for (const auto& out : n.output()) {
        auto t = types.find(out);
        const bool weight = constants_are_weights_ && t != types.end() && IsFloatElem(t->second.elem_type);
        (weight ? weights_ : constants_).insert(out);
      }
      net.folded.push_back(prefix + name);
      continue;
    }
    Layer l = MakeLayer(n, prefix + name, types, net);
    l.repeat = repeat;
    l.data_dependent |= data_dependent;
    net.layers.push_back(std::move(l));
    if (n.op_type() == "If" || n.op_type() == "Loop" || n.op_type() == "Scan") {
      I64 body_repeat = repeat;
      bool body_dd = data_dependent;
      std::optional<bool> cond;
      if (n.op_type() == "Loop") {
        auto m = n.input_size() > 0 && !n.input(0).empty() ? consts_.find(n.input(0)) : consts_.end();
        if (m != consts_.end() && m->second.size() == 1) {
          body_repeat = CheckedMul(repeat, std::max<I64>(m->second.int_at(0), 0));
        } else {
          body_dd = true;
          net.warnings.push_back("Loop " + NodeLabel(n) +
                                 " has no constant trip count; its body is counted once (lower bound)");
        }
      } else if (n.op_type() == "If") {
        auto c = n.input_size() > 0 ? consts_.find(n.input(0)) : consts_.end();
        if (c != consts_.end() && c->second.size() == 1) {
          cond = c->second.int_at(0) != 0;
        } else {
          body_dd = true;
          const std::vector<std::string> behind = prefix.empty() ? InputsBehind(n.input(0)) : std::vector<std::string>{};
          if (behind.empty()) {
            net.warnings.push_back("If " + NodeLabel(n) +
                                   " has a data-dependent condition; both branches are counted (upper bound)");
          } else {
            net.warnings.push_back(IfWarning(n, behind));
          }
        }
      }
      for (const auto& a : n.attribute()) {
        if (a.type() != onnx::AttributeProto::GRAPH) continue;
        if (cond && ((*cond && a.name() == "else_branch") || (!*cond && a.name() == "then_branch"))) continue;
        // Tensors visible in the body: its own and the enclosing scopes'.
        std::unordered_map<std::string, TypeInfo> inner = types;
        for (auto& [k, v] : CollectTypes(a.g())) inner[k] = std::move(v);
        AddLayers(a.g(), prefix + name + "/" + a.name() + "/", body_repeat, body_dd, inner, net);
      }
    }
  }
}

// Consumers of data-dependent tensors are estimated from the bound: flag them too.
void Importer::PropagateTaint() {
  for (const onnx::NodeProto& n : model_.graph().node()) {
    bool tainted = false;
    for (const auto& in : n.input()) tainted |= tainted_.count(in) > 0;
    if (!tainted) continue;
    for (const auto& out : n.output()) tainted_.insert(out);
  }
}

void Importer::CopyAsWritten() {
  const onnx::GraphProto& g = model_.graph();
  as_written_ = std::make_unique<onnx::ModelProto>();
  *as_written_->mutable_opset_import() = model_.opset_import();
  onnx::GraphProto* c = as_written_->mutable_graph();
  *c->mutable_node() = g.node();  // sorted by CheckGraph
  // A Constant too large to fold (a weight, in models that keep them in Constant nodes): its dims
  // are all the emulation reads, so the copy does not hold the weights twice.
  for (auto& n : *c->mutable_node()) {
    if (n.op_type() != "Constant") continue;
    for (auto& a : *n.mutable_attribute()) {
      if (!a.has_t()) continue;
      bool large = false;  // more elements than odonata folds (no product: hostile dims overflow it)
      I64 count = 1;
      for (I64 d : a.t().dims()) {
        if (d <= 0) break;
        if (count > onnx_import::kMaxFoldElements / d) {
          large = true;
          break;
        }
        count *= d;
      }
      if (!large) continue;
      onnx::TensorProto* t = a.mutable_t();
      t->clear_raw_data();
      t->clear_float_data();
      t->clear_double_data();
      t->clear_int32_data();
      t->clear_int64_data();
      t->clear_uint64_data();
    }
  }
  *c->mutable_output() = g.output();
  for (const auto& in : declared_inputs_) *c->add_input() = in;
  for (const auto& t : g.initializer()) {
    if (valued_inputs_.count(t.name())) continue;  // --input-value: an input to the runtime
    onnx::TensorProto* copy = c->add_initializer();
    if (consts_.count(t.name())) {
      *copy = t;
    } else {  // a weight: its type and dims are all the emulation reads
      copy->set_name(t.name());
      copy->set_data_type(t.data_type());
      *copy->mutable_dims() = t.dims();
    }
  }
}

// The nodes odonata folded that ONNX Runtime executes (EmulateOrtFolding), as
// layers kept apart from the network's (Network::runtime_shape).
void Importer::AddRuntimeShapeNodes(Network& net) {
  std::unordered_set<std::string> folded(net.folded.begin(), net.folded.end());
  onnx_import::OrtFoldView view = onnx_import::EmulateOrtFolding(*as_written_, folded, consts_, overridable_);
  as_written_.reset();
  Network::RuntimeShapeNodes& rs = net.runtime_shape;
  rs.emulated = true;
  rs.open_last_dim.assign(view.open_last_dim.begin(), view.open_last_dim.end());
  std::sort(rs.open_last_dim.begin(), rs.open_last_dim.end());
  std::unordered_set<std::string> produced;  // outputs of the runtime shape nodes: computed at run time
  for (const auto& n : view.runtime_nodes) produced.insert(n.output().begin(), n.output().end());
  Network scratch;  // MakeLayer's warnings (none expected: main-graph tensors are resolved)
  auto canonical = [&](const std::string& name) {
    auto a = view.alias.find(name);
    return a != view.alias.end() ? a->second : name;
  };
  for (auto& n : view.runtime_nodes) {
    // Inputs ONNX Runtime removed (a duplicate, a Cast to the same type) read from what stands for them.
    for (auto& in : *n.mutable_input()) in = canonical(in);
    Layer l = MakeLayer(n, n.name(), types_, scratch);
    for (TensorInfo& t : l.inputs) {
      if (produced.count(t.name)) t.is_constant = t.is_weight = false;
    }
    for (TensorInfo& t : l.outputs) t.is_constant = t.is_weight = false;
    try {
      l.counts = ComputeCounts(l);
    } catch (const Error& e) {
      throw e.WithContext(origin_ + ": node " + NodeLabel(n));
    }
    // A Shape (Size) reads its input's dims, not its elements (ONNX Runtime's kernel copies the
    // dims): no input traffic, or ViT's 61 Shapes of [1, 197, 768] would be priced as copies.
    if ((l.op_type == "Shape" || l.op_type == "Size") && l.domain.empty()) l.counts.input_elems = 0;
    rs.layers.push_back(std::move(l));
  }
  // Each runs just before the first layer that reads what it computes (directly or
  // through later runtime shape nodes): after its inputs, which that layer depends on.
  std::unordered_map<std::string, std::size_t> first_reader;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    for (const TensorInfo& t : net.layers[i].inputs) first_reader.emplace(canonical(t.name), i);
  }
  rs.before.assign(rs.layers.size(), net.layers.size());
  for (std::size_t k = rs.layers.size(); k-- > 0;) {
    std::size_t at = net.layers.size();
    for (const TensorInfo& t : rs.layers[k].outputs) {
      auto r = first_reader.find(t.name);
      if (r != first_reader.end()) at = std::min(at, r->second);
    }
    rs.before[k] = at;
    for (const TensorInfo& t : rs.layers[k].inputs) {
      auto [it, fresh] = first_reader.emplace(t.name, at);
      if (!fresh) it->second = std::min(it->second, at);
    }
  }
  // Nodes placed before the same layer keep graph order (a topological one); a node read by
  // another is placed no later than its reader.
}

Network Importer::Build(bool settled) {
  const onnx::GraphProto& g = model_.graph();
  Network net;
  net.source = origin_;
  net.opset = opset_;
  for (const auto& w : warnings_) {
    if (!w.empty()) net.warnings.push_back(w);
  }
  net.folded = folded_nodes_;
  net.inference_runs = inference_runs_;
  std::unordered_set<std::string> inits;
  for (const auto& t : g.initializer()) inits.insert(t.name());
  bool unresolved = false;
  for (const auto& in : g.input()) {
    if (!inits.count(in.name()) || valued_inputs_.count(in.name())) {
      net.inputs.push_back(MakeTensor(in.name(), types_, &unresolved));
    }
  }
  for (const auto& out : g.output()) net.outputs.push_back(MakeTensor(out.name(), types_, &unresolved));
  // The main graph's types: the last inference's, unless a round changed the graph after it.
  if (!settled) types_ = CollectTypes(g);
  AddLayers(g, "", 1, false, types_, net);
  if (as_written_) AddRuntimeShapeNodes(net);
  // torchvision's MultiScaleRoIAlign: its levels' RoiAlign at their share of the rois (roi_levels.h).
  onnx_import::ShareRoiLevels(net, [this](const std::string& t) -> std::optional<I64> {
    auto c = consts_.find(t);
    if (c == consts_.end() || !c->second.is_int() || c->second.size() != 1) return std::nullopt;
    return c->second.int_at(0);
  });
  // A zero-sized dimension makes a layer cost nothing: say so, it is rarely meant.
  int zero = 0;
  std::string first;
  for (const Layer& l : net.layers) {
    for (const TensorInfo& t : l.outputs) {
      if (t.name.empty() || std::find(t.shape.begin(), t.shape.end(), 0) == t.shape.end()) continue;
      if (zero++ == 0) first = "'" + t.name + "' (" + ShapeToString(t.shape) + ", from node '" + l.name + "')";
    }
  }
  if (zero > 0) {
    net.warnings.push_back(std::to_string(zero) + " tensor(s) have a zero-sized dimension and cost nothing (first: " +
                           first + ")");
  }
  return net;
}

Network Importer::Run() {
  if (!model_.has_graph()) throw Fail("not an ONNX model: no graph");
  if (model_.opset_import_size() == 0) {
    throw Fail("no opset_import: the model does not say which ONNX opset its ops follow (ONNX Runtime rejects it too)");
  }
  opset_ = DefaultOpset();
  if (opset_ > kMaxKnownOpset) {
    warnings_.push_back("model uses opset " + std::to_string(opset_) +
                        "; odonata's ONNX library knows opsets <= " + std::to_string(kMaxKnownOpset) +
                        ", so ops changed since may be inferred wrongly or not at all");
  }
  NameNodes(model_.mutable_graph());
  constants_are_weights_ = ConstantsAreWeights(model_.graph());
  for (const auto& t : model_.graph().initializer()) {
    weights_.insert(t.name());
    if (auto c = onnx_import::FromTensorProto(t)) consts_[t.name()] = std::move(*c);
  }
  // From IR version 4 on, an initializer that is also a graph input is a
  // default value the caller may override (ONNX IR spec, "Graphs"): a runtime
  // cannot treat it as a constant (ONNX Runtime's Graph::CanOverrideInitializer).
  if (model_.ir_version() >= 4) {
    for (const auto& in : model_.graph().input()) {
      if (weights_.count(in.name())) overridable_.insert(in.name());
    }
  }
  declared_inputs_.assign(model_.graph().input().begin(), model_.graph().input().end());
  ApplyInputShapes();
  ApplyInputValues();
  CheckGraph();
  if (symbolic_substituted_) CopyAsWritten();
  declared_inputs_.clear();
  std::map<std::string, I64> opsets;
  for (const auto& o : model_.opset_import()) {
    opsets[o.domain() == "ai.onnx" ? "" : o.domain()] = std::min<I64>(o.version(), std::numeric_limits<int>::max());
  }
  VerifyNodes(model_.graph(), opsets);
  bool settled = false;
  for (int round = 0; round < kMaxRounds; ++round) {
    InferShapes();
    if (FoldPass()) continue;
    if (BoundPass()) continue;
    if (InlineUnresolvedIfs()) continue;
    if (DropInfeasibleBranch()) continue;
    settled = true;
    break;
  }
  DropUnusedOutputs();
  CheckResolved();
  WarnBounds();
  for (const auto& [name, shape] : stated_shapes_) {
    if (!stated_used_.count(name)) {
      warnings_.push_back("--input-shape " + name + "=" + ShapeToString(shape) +
                          " not used: its node is not estimated (a branch not taken, or an output whose size follows "
                          "from the inputs)");
    }
  }
  PropagateTaint();
  return Build(settled);
}

// The NonMaxSuppression nodes of a graph and its subgraphs: first output -> node name.
void NmsNodes(const onnx::GraphProto& g, std::map<std::string, std::string>& out, int depth) {
  if (depth > 64) return;
  for (const onnx::NodeProto& n : g.node()) {
    if (n.op_type() == "NonMaxSuppression" && n.output_size() > 0) out.emplace(n.output(0), n.name());
    for (const onnx::AttributeProto& a : n.attribute()) {
      if (a.has_g()) NmsNodes(a.g(), out, depth + 1);
      for (const onnx::GraphProto& sub : a.graphs()) NmsNodes(sub, out, depth + 1);
    }
  }
}

// LoadOptions::nms_compares: each stated count goes to the NonMaxSuppression layer whose first output
// has that name in the model file (Layer::nms_compares, LayerDim "nms_compares"): the layer with that
// output, or the layer of the node that writes it (an If branch's output takes the If's name when the
// loader keeps one branch; a branch counted with the other, its node's name after the branch's prefix,
// "if/then_branch/NODE"). A name no NMS writes, or a count above the bound for its kept boxes, is an
// error naming the model.
void ApplyNmsCompares(Network& net, const LoadOptions& options, const std::map<std::string, std::string>& nodes,
                      const std::string& origin) {
  for (const auto& [name, count] : options.nms_compares) {
    auto node = nodes.find(name);
    Layer* nms = nullptr;
    std::string names;
    for (Layer& l : net.layers) {
      if (l.op_type != "NonMaxSuppression" || l.outputs.empty()) continue;
      const bool by_output = l.outputs[0].name == name;
      const bool by_node = node != nodes.end() && !node->second.empty() &&
                           (l.name == node->second || l.name.ends_with("/" + node->second));
      if (by_output || (!nms && by_node)) nms = &l;
      names += (names.empty() ? "" : ", ") + l.outputs[0].name;
    }
    if (!nms) {
      throw Error(origin + ": --nms-compares: no NonMaxSuppression writes '" + name + "' (" +
                  (names.empty() ? std::string("the model has none") : "its outputs: " + names) + ")");
    }
    try {
      StateNmsCompares(*nms, count);
    } catch (const Error& e) {
      throw Error(origin + ": --nms-compares " + name + ": " + e.what());
    }
  }
}

// Runs the importer; anything but an odonata::Error escaping it (ONNX's
// inference or checker exceptions, std::bad_alloc from absurd sizes, ...)
// becomes one, naming the model, with only the first line of the message.
Network RunImporter(ArenaModel model, const LoadOptions& options, const std::string& origin) {
  try {
    std::map<std::string, std::string> nms_nodes;
    if (!options.nms_compares.empty()) NmsNodes(model.model->graph(), nms_nodes, 0);
    Network net = Importer(std::move(model), options, origin).Run();
    ApplyNmsCompares(net, options, nms_nodes, origin);
    return net;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(origin + ": out of memory while loading (absurd tensor sizes?)");
  } catch (const std::exception& e) {
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));
    throw Error(origin + ": cannot load model: " + msg);
  }
}

// Rejects a parsed message that is no model (protobuf accepts many byte strings).
void CheckIsModel(const onnx::ModelProto& model, const std::string& origin) {
  if (!model.has_graph() || (model.ir_version() == 0 && model.graph().node_size() == 0)) {
    throw Error(origin + ": not an ONNX model (no graph)");
  }
}

const char* const kNotParsed = ": not a valid ONNX model (protobuf parse failed: truncated or not ONNX)";
const char* const kTooLarge = ": file is larger than protobuf's 2 GB limit; store weights as external data";

std::string Stem(const std::string& path) {
  std::string stem = path.substr(path.find_last_of('/') + 1);
  if (stem.size() > 5 && stem.substr(stem.size() - 5) == ".onnx") stem.resize(stem.size() - 5);
  return stem;
}

}  // namespace

struct OnnxModel::Impl {
  ArenaModel parsed;
  onnx::ModelProto& model = *parsed.model;
  std::string origin;
  std::string name;
};

namespace {

std::shared_ptr<OnnxModel::Impl> ParseBytes(const std::string& bytes, const std::string& origin) {
  if (bytes.empty()) throw Error(origin + ": empty file, not an ONNX model");
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) throw Error(origin + kTooLarge);
  auto impl = std::make_shared<OnnxModel::Impl>();
  if (!impl->model.ParseFromString(bytes)) throw Error(origin + kNotParsed);
  CheckIsModel(impl->model, origin);
  impl->origin = origin;
  return impl;
}

std::shared_ptr<OnnxModel::Impl> ParseFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw Error(path + ": cannot open file");
  const std::streamoff size = f.tellg();
  if (size < 0) throw Error(path + ": cannot read file");
  if (size == 0) throw Error(path + ": empty file, not an ONNX model");
  // Checked before reading: a file over the limit is never read.
  if (size > std::numeric_limits<int>::max()) throw Error(path + kTooLarge);
  f.seekg(0);
  // Parsed from the stream, not from a copy of the file in memory: a model
  // with inline weights is held once (as the message), not twice.
  auto impl = std::make_shared<OnnxModel::Impl>();
  if (!impl->model.ParseFromIstream(&f)) {
    throw Error(path + (f.bad() ? std::string(": cannot read file") : kNotParsed));
  }
  CheckIsModel(impl->model, path);
  impl->origin = path;
  impl->name = Stem(path);
  return impl;
}

std::shared_ptr<OnnxModel::Impl> ParseText(const std::string& text, const std::string& origin) {
  auto impl = std::make_shared<OnnxModel::Impl>();
  auto status = onnx::OnnxParser::Parse(impl->model, text.c_str());
  if (!status.IsOK()) throw Error(origin + ": " + status.ErrorMessage());
  impl->origin = origin;
  impl->name = origin;
  return impl;
}

// Resolves a model nobody else holds: its message is moved into the importer,
// not copied (the one-shot loaders below; weights held once).
Network ResolveOnce(std::shared_ptr<OnnxModel::Impl> impl, const LoadOptions& options) {
  Network net = RunImporter(std::move(impl->parsed), options, impl->origin);
  net.name = impl->name;
  return net;
}

}  // namespace

OnnxModel OnnxModel::Load(const std::string& path) { return OnnxModel(ParseFile(path)); }

OnnxModel OnnxModel::FromBytes(const std::string& bytes, const std::string& origin) {
  return OnnxModel(ParseBytes(bytes, origin));
}

OnnxModel OnnxModel::FromText(const std::string& text, const std::string& origin) {
  return OnnxModel(ParseText(text, origin));
}

Network OnnxModel::Resolve(const LoadOptions& options) const {
  // The importer rewrites the graph it resolves (names, folded nodes, inlined
  // branches, inferred shapes): it gets a copy, the parsed model stays as read.
  ArenaModel copy;
  copy.model->CopyFrom(impl_->model);
  Network net = RunImporter(std::move(copy), options, impl_->origin);
  net.name = impl_->name;
  return net;
}

const std::string& OnnxModel::name() const { return impl_->name; }
const std::string& OnnxModel::origin() const { return impl_->origin; }

std::vector<std::string> OnnxModel::InputNames() const {
  const onnx::GraphProto& g = impl_->model.graph();
  std::unordered_set<std::string> inits;
  for (const auto& t : g.initializer()) inits.insert(t.name());
  std::vector<std::string> names;
  for (const auto& in : g.input()) {
    if (!inits.count(in.name())) names.push_back(in.name());
  }
  return names;
}

std::vector<std::vector<std::int64_t>> OnnxModel::DeclaredInputShapes() const {
  const onnx::GraphProto& g = impl_->model.graph();
  std::unordered_set<std::string> inits;
  for (const auto& t : g.initializer()) inits.insert(t.name());
  std::vector<std::vector<std::int64_t>> shapes;
  for (const auto& in : g.input()) {
    if (inits.count(in.name())) continue;
    std::vector<std::int64_t> dims;
    if (in.type().has_tensor_type() && in.type().tensor_type().has_shape()) {
      for (const auto& d : in.type().tensor_type().shape().dim()) {
        dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
      }
    }
    shapes.push_back(std::move(dims));
  }
  return shapes;
}

Network LoadOnnxFromBytes(const std::string& bytes, const LoadOptions& options, const std::string& origin) {
  return ResolveOnce(ParseBytes(bytes, origin), options);
}

Network LoadOnnx(const std::string& path, const LoadOptions& options) {
  return ResolveOnce(ParseFile(path), options);
}

Network ParseOnnxText(const std::string& text, const LoadOptions& options, const std::string& origin) {
  return ResolveOnce(ParseText(text, origin), options);
}

}  // namespace odonata
