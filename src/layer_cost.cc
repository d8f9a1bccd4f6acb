// The loop API's core: layer facts, class plans and the estimators' cost
// functions (src/layer_cost.h).
#include "layer_cost.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <variant>

#include "odonata/errors.h"

namespace odonata {
namespace {

// `scale`: the kernel term of the layer's shape (1 without one); not part of
// the reported utilisation, which stays the refined roofline's.
Cost FromRoof(double ops, double bytes, const ClassPlan& p, double utilisation, double scale = 1.0) {
  Cost e;
  e.utilisation = utilisation;
  const double compute_s = ops / (p.peak * utilisation * scale);
  const double memory_s = bytes / p.bandwidth;
  e.bound = compute_s >= memory_s ? Bound::kCompute : Bound::kMemory;
  e.ms = std::max(compute_s, memory_s) * 1e3;
  return e;
}

// A layer's roof with the class's TensorRT-style terms (issue 16, Jetson TX2; docs/platform-profile.md):
// gemm_tiles (tile occupancy of the implicit GEMM) on the direct compute time, the winograd path for a 3x3
// stride-1 window (the faster of the two kept), overlap_p (a p-norm of compute and memory instead of their max)
// and group_waves (a floor of waves of group tiles). Without any of them: FromRoof, bit for bit.
Cost FromTermRoof(const LayerFacts& f, double ops, double bytes, const ClassPlan& p, double utilisation, double scale) {
  if (!p.gemm_tiles && !p.winograd && p.overlap_p <= 0 && !p.group_waves) return FromRoof(ops, bytes, p, utilisation, scale);
  Cost e;
  e.utilisation = utilisation;
  const std::int64_t positions = f.Dim(LayerDimId::kBatch) * f.Dim(LayerDimId::kOutH) * f.Dim(LayerDimId::kOutW);
  double tiles = 1.0;
  if (p.gemm_tiles && positions > 0 && f.Dim(LayerDimId::kOutC) > 0) {
    tiles = DimensionEfficiency(positions, p.tile_m, p.tile_alpha_m) *
            DimensionEfficiency(f.Dim(LayerDimId::kOutC), p.tile_n, p.tile_alpha_n);
  }
  double compute_s = ops / (p.peak * utilisation * scale * tiles);
  if (p.winograd && WinogradEligible(f)) {
    // Its GEMM has one row per 2x2 output tile of each image.
    const std::int64_t t = f.Dim(LayerDimId::kBatch) * ((f.Dim(LayerDimId::kOutH) + 1) / 2) *
                           ((f.Dim(LayerDimId::kOutW) + 1) / 2);
    const double wino_s =
        ops / (p.peak * scale * p.winograd_speedup * DimensionEfficiency(std::max<std::int64_t>(t, 1), p.winograd_tile,
                                                                         p.winograd_alpha));
    compute_s = std::min(compute_s, wino_s);
  }
  const double memory_s = bytes / p.bandwidth;
  e.bound = compute_s >= memory_s ? Bound::kCompute : Bound::kMemory;
  double s = std::max(compute_s, memory_s);
  if (p.overlap_p > 0 && s > 0) {
    const double q = p.overlap_p;
    s = s * std::pow(std::pow(compute_s / s, q) + std::pow(memory_s / s, q), 1.0 / q);
  }
  e.ms = s * 1e3;
  if (p.group_waves && positions > 0) {
    const double groups = static_cast<double>(f.Dim(LayerDimId::kGroup));
    const double per_group = std::ceil(static_cast<double>(positions) / static_cast<double>(p.wave_tile));
    const double waves = std::ceil(groups * per_group / static_cast<double>(p.wave_units));
    if (waves * p.wave_ms > e.ms) {
      e.ms = waves * p.wave_ms;
      e.bound = Bound::kCompute;
    }
  }
  return e;
}

double FactorValue(std::int64_t dim, std::int64_t step) {
  const double x = static_cast<double>(dim);
  return step > 0 ? std::floor((x - 1) / static_cast<double>(step)) : x;
}

std::int64_t Product(const std::vector<std::int64_t>& v) {
  std::int64_t p = 1;
  for (std::int64_t x : v) p *= x;
  return p;
}

}  // namespace

double BytesAt(const LayerFacts& f, const ClassPlan& p) {
  return static_cast<double>(CheckedMul(f.traffic_elems, p.bytes_per_element));
}

static double KernelScale(const LayerFacts& f, const ClassPlan& p) {
  if (p.split_buffer > 0 && f.kernel_shape != KernelShape::kNone &&
      NeedsInputSplit(f.Dim(LayerDimId::kInC), f.Dim(LayerDimId::kInH), f.Dim(LayerDimId::kInW), f.kernel_h, f.stride_h,
                      p.bytes_per_element, p.split_buffer, p.split_line)) {
    const bool pointwise = p.split_pointwise && f.kernel_shape == KernelShape::kPointwise;
    return p.kernel_scale[static_cast<std::size_t>(pointwise ? KernelShape::kSplitPointwise : KernelShape::kSplit)];
  }
  return p.kernel_scale[static_cast<std::size_t>(f.kernel_shape)];
}

// ClassModel::host_fallback: a window the accelerator does not take runs on the host CPU.
static bool OnHost(const LayerFacts& f, const ClassPlan& p) {
  return p.host_max_window > 0 && f.window_max > p.host_max_window;
}

static Cost HostCost(const LayerFacts& f, const ClassPlan& p) {
  Cost e;
  e.bound = Bound::kCompute;
  e.host = true;
  e.ms = static_cast<double>(f.flops) * p.host_ns_per_op * 1e-6;
  return e;
}

Cost RooflineCost(const LayerFacts& f, const ClassPlan& p) {
  if (OnHost(f, p)) return HostCost(f, p);
  Cost e = FromTermRoof(f, static_cast<double>(f.flops), BytesAt(f, p), p, 1.0, KernelScale(f, p));
  e.ms += p.constant_ms;
  return e;
}

// The refined roofline without the class's constant (the trees' base).
static Cost RefinedRoof(const LayerFacts& f, const ClassPlan& p) {
  if (OnHost(f, p)) return HostCost(f, p);
  double eff = 1.0;
  for (const ClassPlan::Unroll& u : p.parallelism) eff *= DimensionEfficiency(f.Dim(u.dim), u.p, u.alpha);
  return FromTermRoof(f, static_cast<double>(f.flops), BytesAt(f, p), p, eff, KernelScale(f, p));
}

Cost RefinedRooflineCost(const LayerFacts& f, const ClassPlan& p) {
  Cost e = RefinedRoof(f, p);
  if (!e.host) e.ms += p.constant_ms;
  return e;
}

Cost StepLinearCost(const LayerFacts& f, const ClassPlan& p) {
  Cost e;
  e.bound = Bound::kFitted;
  // Each distinct factor once (on the stack up to 64 of them).
  std::array<double, 64> stack_values;
  std::vector<double> heap_values;
  double* values = stack_values.data();
  if (p.factors.size() > stack_values.size()) {
    heap_values.resize(p.factors.size());
    values = heap_values.data();
  }
  for (std::size_t i = 0; i < p.factors.size(); ++i) values[i] = FactorValue(f.Dim(p.factors[i].dim), p.factors[i].step);
  double t = 0;
  for (const ClassPlan::Term& term : p.terms) {
    double v = term.coef;
    for (std::size_t k = term.first; k < term.first + term.count; ++k) v *= values[p.slots[k]];
    t += v;
  }
  for (const ClassPlan::Range& r : p.ranges) {
    const std::int64_t x = f.Dim(r.dim);
    if (x < r.lo || x > r.hi) e.extrapolated = true;
  }
  // A fitted polynomial can dip below zero far outside its range; time cannot.
  if (t < 0) {
    t = 0;
    e.extrapolated = true;
  }
  e.ms = t;
  return e;
}

double TreesSum(const LayerFacts& f, const ClassPlan& p) {
  double sum = p.tree_base;
  for (std::size_t first : p.tree_first) {
    std::size_t k = 0;
    for (;;) {
      const ClassPlan::TreeNode& n = p.nodes[first + k];
      if (n.left < 0) {
        sum += n.value;
        break;
      }
      const float x = static_cast<float>(f.Dim(n.dim));
      k = static_cast<std::size_t>(x < n.threshold ? n.left : n.right);
    }
  }
  return sum;
}

Cost TreesCost(const LayerFacts& f, const ClassPlan& p) {
  Cost e = RefinedRoof(f, p);
  e.ms *= std::exp(TreesSum(f, p));
  e.bound = Bound::kFitted;
  return e;
}

Cost MemoryCost(const LayerFacts& f, const ClassPlan& p) {
  Cost e = FromRoof(0.0, BytesAt(f, p), p, 1.0);
  e.bound = Bound::kMemory;
  return e;
}

Cost FreeCost(const LayerFacts&, const ClassPlan&) { return Cost{}; }

LayerDimId LayerDimIdOf(const std::string& name) {
  const std::vector<std::string>& names = LayerDimNames();
  for (std::size_t i = 0; i < names.size() && i < kLayerDimCount; ++i) {
    if (names[i] == name) return static_cast<LayerDimId>(i);
  }
  return LayerDimId::kNone;
}

bool HasOverridableWeight(const Layer& layer) {
  for (const TensorInfo& t : layer.inputs) {
    if (t.is_overridable) return true;
  }
  return false;
}

namespace {

// The sizes of a recurrent layer (LSTM, GRU, RNN): X [seq, batch, input] ([batch, seq, input]
// with layout 1), R [directions, gates x hidden, hidden]; 0 for out_h, out_w, in_w.
std::int64_t RecurrentDim(const Layer& l, LayerDimId dim) {
  using D = LayerDimId;
  if (l.inputs.empty() || l.inputs[0].shape.size() != 3) return 0;
  const Shape& x = l.inputs[0].shape;
  auto it = l.attributes.find("layout");
  const std::int64_t* layout = it == l.attributes.end() ? nullptr : std::get_if<std::int64_t>(&it->second);
  const bool batch_first = layout && *layout != 0;
  const std::int64_t seq = batch_first ? x[1] : x[0];
  const std::int64_t batch = batch_first ? x[0] : x[1];
  switch (dim) {
    case D::kInC:
      return x[2];
    case D::kOutC: {  // hidden_size, else R's last dim
      auto h = l.attributes.find("hidden_size");
      const std::int64_t* hidden = h == l.attributes.end() ? nullptr : std::get_if<std::int64_t>(&h->second);
      if (hidden) return *hidden;
      return l.inputs.size() > 2 && l.inputs[2].shape.size() == 3 ? l.inputs[2].shape[2] : 0;
    }
    case D::kInH:
      return seq;
    case D::kBatch:
      return batch;
    case D::kSpatial:
      return seq * batch;
    default:
      return 0;
  }
}

// floor(a / b) for b > 0, a of either sign.
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// sum_{j=0}^{n-1} floor((a j + b) / m) for n, a, b >= 0 and m > 0, in O(log m)
// (the Euclidean-like reduction of floor sums of a line; AtCoder Library's
// floor_sum, written here for non-negative a and b). 128-bit intermediates: a
// hostile layer's values reach 2^31 each.
__extension__ typedef unsigned __int128 Wide;  // __extension__: no -Wpedantic warning (GCC, Clang)
Wide FloorSum(Wide n, Wide m, Wide a, Wide b) {
  Wide sum = 0;
  while (n > 0) {
    if (a >= m) {
      sum += n * (n - 1) / 2 * (a / m);
      a %= m;
    }
    if (b >= m) {
      sum += n * (b / m);
      b %= m;
    }
    const Wide y_max = a * n + b;
    if (y_max < m) break;
    // The lattice points under the line, counted from the other axis.
    n = y_max / m;
    b = y_max % m;
    std::swap(m, a);
  }
  return sum;
}

}  // namespace

// The (output position o, kernel tap t) pairs of one axis whose input index
// o * stride - pad + t * dilation lies in [0, in): for tap t (a = pad - t d), the
// outputs o in [max(0, ceil(a / s)), min(out - 1, floor((in - 1 + a) / s))].
// Without a loop over the taps (a hostile kernel may have 2^30 of them): only the
// taps in [t_lo, t_hi] read anything; below t_a = ceil(pad / d) the lower bound is
// ceil(a / s), above t_b the upper bound floor((in - 1 + a) / s), elsewhere the
// clamps; the sums of those floors are floor sums of a line in t.
std::int64_t AxisValidTaps(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                           std::int64_t pad, std::int64_t dilation) {
  const std::int64_t s = stride, d = dilation;
  if (in <= 0 || out <= 0 || kernel <= 0 || s <= 0 || d <= 0 || pad < 0) return 0;
  // Taps whose lowest input index is past the last output (a > (out - 1) s) or whose
  // highest is before the input (in - 1 + a < 0) read nothing.
  const std::int64_t t_lo = std::max<std::int64_t>(0, -FloorDiv(-(pad - (out - 1) * s), d));
  const std::int64_t t_hi = std::min<std::int64_t>(kernel - 1, FloorDiv(in - 1 + pad, d));
  if (t_hi < t_lo) return 0;
  const std::int64_t t_a = -FloorDiv(-pad, d);                         // a <= 0 from here: lower bound 0
  const std::int64_t t_b = FloorDiv(in - 1 + pad - (out - 1) * s, d);  // up to here: upper bound out - 1
  // sum over t in [u, v] of floor((c - d t) / s), c - d v >= 0: t = v - j.
  auto sum_floor = [&](std::int64_t u, std::int64_t v, std::int64_t c) -> Wide {
    if (v < u) return 0;
    return FloorSum(static_cast<Wide>(v - u + 1), static_cast<Wide>(s), static_cast<Wide>(d),
                    static_cast<Wide>(c - d * v));
  };
  const std::int64_t n = t_hi - t_lo + 1;
  // Upper bounds: out - 1 for t <= t_b, floor((in - 1 + pad - d t) / s) above.
  const std::int64_t upper_clamped = std::max<std::int64_t>(0, std::min(t_b, t_hi) - t_lo + 1);
  const Wide upper = static_cast<Wide>(out - 1) * static_cast<Wide>(upper_clamped) +
                     sum_floor(std::max(t_lo, t_b + 1), t_hi, in - 1 + pad);
  // Lower bounds: ceil((pad - d t) / s) = floor((pad - d t + s - 1) / s) for t < t_a, 0 from t_a.
  const Wide lower = sum_floor(t_lo, std::min(t_hi, t_a - 1), pad + s - 1);
  return static_cast<std::int64_t>(upper + static_cast<Wide>(n) - lower);
}

namespace {

// A convolution's taps that read inside the input, not the zero padding (valid_macs,
// valid_permille; estimator.h): `valid` of `all` (output, tap) pairs, multiplied over
// the window's axes. False for every other layer (ConvTranspose included: it scatters,
// and reads no padding) and for sizes no real network has.
bool ValidTaps(const Layer& l, std::int64_t& valid, std::int64_t& all) {
  const OpClass cls = FloatClassOf(l.op_class);
  const std::int64_t macs = l.counts.macs;
  if (!IsConvClass(cls) || l.op_type == "ConvTranspose" || macs <= 0) {
    return false;
  }
  const Window& w = l.window;
  const std::size_t r = w.kernel.size();
  if (r == 0 || l.inputs.empty() || l.outputs.empty()) return false;
  const Shape& in = l.inputs[0].shape;
  const Shape& out = l.outputs[0].shape;
  if (in.size() != r + 2 || out.size() != r + 2) return false;
  valid = all = 1;
  for (std::size_t i = 0; i < r; ++i) {
    const std::int64_t k = w.kernel[i];
    const std::int64_t s = i < w.strides.size() ? w.strides[i] : 1;
    const std::int64_t d = i < w.dilations.size() ? w.dilations[i] : 1;
    const std::int64_t p = i < w.pads.size() ? w.pads[i] : 0;
    // Sizes beyond any real network (a hostile model's) keep the arithmetic below 2^62.
    constexpr std::int64_t kBig = std::int64_t{1} << 30;
    if (k <= 0 || s <= 0 || d <= 0 || in[2 + i] <= 0 || out[2 + i] <= 0 || k > kBig || s > kBig || d > kBig ||
        p < 0 || p > kBig || in[2 + i] > kBig || out[2 + i] > kBig) {
      return false;
    }
    // Each axis's out x kernel divides macs (batch x out_c x in_c per group x their
    // product), so a product above macs is an inconsistent layer.
    if (out[2 + i] > macs || k > macs / out[2 + i] || all > macs / (out[2 + i] * k)) return false;
    all *= out[2 + i] * k;
    valid *= AxisValidTaps(in[2 + i], out[2 + i], k, s, p, d);  // <= out x kernel
  }
  return true;
}

std::int64_t ValidMacs(const Layer& l) {
  const std::int64_t macs = l.counts.macs;
  std::int64_t valid = 0, all = 0;
  if (!ValidTaps(l, valid, all)) return macs;
  // macs = (batch x out_c x in_c per group) x all: exact in integers.
  if (macs % all == 0) return macs / all * valid;
  return static_cast<std::int64_t>(std::llround(static_cast<long double>(macs) * valid / all));
}

std::int64_t ValidPermille(const Layer& l) {
  std::int64_t valid = 0, all = 0;
  if (!ValidTaps(l, valid, all)) return 1000;
  return static_cast<std::int64_t>(std::llround(1000.0L * valid / all));
}

bool IsRecurrentDim(LayerDimId dim) {
  using D = LayerDimId;
  return dim == D::kInC || dim == D::kOutC || dim == D::kInH || dim == D::kInW || dim == D::kOutH ||
         dim == D::kOutW || dim == D::kBatch || dim == D::kSpatial;
}

// The transformer kernels ONNX Runtime runs over [tokens, features] whatever the tensor's rank:
// LayerNormalization (and the simplified form) normalises the product of the dims from `axis` on
// over the product of those before it; Gelu and BiasGelu are element-wise over rows of the last
// dim. Their sweep rows hold [batch, 1, 1, in_c] (LayerNormalization) and [batch, in_c, 1, 1]
// (Gelu), a network's layer [1, 197, 768] or [1, 56, 56, 96]: by the positions of the shape the
// rows' trees saw batch = tokens and the layers batch = 1, in_c = tokens (helper attn,
// 2026-12-07). Both are described alike: batch = spatial = tokens, in_c = out_c = features,
// in_h = in_w = out_h = out_w = 1. False for other ops or without an output shape.
bool TokenLayout(const Layer& l, std::int64_t& tokens, std::int64_t& features) {
  const bool norm = l.op_type == "LayerNormalization" || l.op_type == "SimplifiedLayerNormalization";
  const bool gelu = l.op_type == "Gelu" || l.op_type == "BiasGelu";
  if ((!norm && !gelu) || l.outputs.empty() || l.outputs[0].shape.empty()) return false;
  Shape s = l.outputs[0].shape;
  const auto rank = static_cast<std::int64_t>(s.size());
  std::int64_t split = rank - 1;  // the first feature dim
  if (norm) {
    auto a = l.attributes.find("axis");
    const std::int64_t* axis = a == l.attributes.end() ? nullptr : std::get_if<std::int64_t>(&a->second);
    split = axis ? (*axis < 0 ? *axis + rank : *axis) : rank - 1;
    if (split < 0 || split >= rank) return false;
  } else {
    while (split > 0 && s[static_cast<std::size_t>(split)] == 1) --split;  // trailing ones: [T, C, 1, 1]
    s.resize(static_cast<std::size_t>(split) + 1);
  }
  tokens = 1;
  features = 1;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(s.size()); ++i) {
    (i < split ? tokens : features) *= s[static_cast<std::size_t>(i)];
  }
  return true;
}

}  // namespace

void StateNmsCompares(Layer& layer, std::int64_t count) {
  if (count < 0) throw Error(std::to_string(count) + " is negative");
  const std::int64_t bound = LayerDim(layer, LayerDimId::kNmsCompares);
  if (count > bound) {
    throw Error(std::to_string(count) + " exceeds the bound of " + std::to_string(bound) +
                " for the kept boxes (each suppressed candidate compared with every kept box of its class)");
  }
  layer.nms_compares = count;
}

std::int64_t LayerDim(const Layer& l, LayerDimId dim) {
  using D = LayerDimId;
  if (l.op_class == OpClass::kRecurrent && IsRecurrentDim(dim)) return RecurrentDim(l, dim);
  if (std::int64_t tokens = 0, features = 0; IsRecurrentDim(dim) && TokenLayout(l, tokens, features)) {
    if (dim == D::kBatch || dim == D::kSpatial) return tokens;
    if (dim == D::kInC || dim == D::kOutC) return features;
    return 1;  // in_h, in_w, out_h, out_w
  }
  const Shape* out = l.outputs.empty() ? nullptr : &l.outputs[0].shape;
  const Shape* in = l.inputs.empty() ? nullptr : &l.inputs[0].shape;
  switch (dim) {
    case D::kMacs:
      return l.counts.macs;
    case D::kValidMacs:
      return ValidMacs(l);
    case D::kValidPermille:
      return ValidPermille(l);
    case D::kBoxes:
    case D::kClasses: {
      // NonMaxSuppression: boxes [batch, N, 4], scores [batch, C, N].
      if (l.op_type != "NonMaxSuppression" || l.inputs.size() < 2 || l.inputs[1].shape.size() != 3) return 0;
      const Shape& scores = l.inputs[1].shape;
      return dim == D::kBoxes ? scores[2] : scores[0] * scores[1];
    }
    case D::kKept:
      // NonMaxSuppression: its output's rows [kept, 3], the selections over all batches and
      // classes (the loader's bound batch x classes x min(boxes, max_output_boxes_per_class),
      // or the size stated with --input-shape or measured: out_rows).
      if (l.op_type != "NonMaxSuppression" || !out || out->size() != 2) return 0;
      return (*out)[0];
    case D::kKeptPerClass: {
      // kept / (batch x classes), to the nearest integer: the selections of one class, each
      // compared with the boxes of its class selected before it (at the bound: boxes).
      const std::int64_t classes = LayerDim(l, D::kClasses);
      return classes > 0 ? (LayerDim(l, D::kKept) + classes / 2) / classes : 0;
    }
    case D::kNmsCompares: {
      // Stated, or the bound for the kept boxes: a kept box is compared with every box of its class
      // selected before it (k (k - 1) / 2 in all), a suppressed one at most with all k.
      if (l.op_type != "NonMaxSuppression") return 0;
      if (l.nms_compares >= 0) return l.nms_compares;
      const std::int64_t classes = LayerDim(l, D::kClasses), n = LayerDim(l, D::kBoxes);
      const std::int64_t k = std::min(LayerDim(l, D::kKeptPerClass), n);
      return classes * (k * (k - 1) / 2 + (n - k) * k);
    }
    case D::kElems:
      return out ? Product(*out) : 0;
    case D::kGroup:
      return std::max<std::int64_t>(l.window.group, 1);
    case D::kStride:
      return l.window.strides.empty() ? 1 : l.window.strides[0];
    case D::kDilation:
      return l.window.dilations.empty() ? 1 : l.window.dilations[0];
    case D::kWeights:
      return l.counts.weight_elems;
    case D::kInputs:
      return l.counts.input_elems;
    case D::kAlign: {
      // The largest power of two (up to 64) dividing the input channels per group, or the
      // channels of a depthwise layer: what decides a CPU's blocked kernel path (ONNX
      // Runtime's NCHWc convolutions need channels in multiples of 8 or 16). 1 when a weight
      // is overridable (TensorInfo::is_overridable): ONNX Runtime reorders only constant
      // filters into NCHWc, and runs the others in NCHW, as it runs unaligned channels.
      if (HasOverridableWeight(l)) return 1;
      std::int64_t c = LayerDim(l, D::kInC);
      const std::int64_t g = LayerDim(l, D::kGroup);
      if (c == 1 && g > 1) c = g;
      if (c <= 0) return 0;
      std::int64_t a = 1;
      while (a < 64 && c % (2 * a) == 0) a *= 2;
      return a;
    }
    case D::kBatch:
      return in && !in->empty() ? (*in)[0] : 0;
    case D::kInH:
      return in && in->size() >= 3 ? (*in)[2] : 0;
    case D::kInW:
      return in && in->size() >= 4 ? (*in)[3] : 0;
    case D::kKernel:
      return l.window.kernel.empty() ? 1 : Product(l.window.kernel);
    case D::kSpatial: {
      if (!out || out->empty()) return 0;
      if (FloatClassOf(l.op_class) == OpClass::kGemm) return out->back() > 0 ? Product(*out) / out->back() : 0;
      if (out->size() < 2) return (*out)[0];
      // batch * output positions, times the kernel window for window ops.
      const std::int64_t positions = (*out)[1] > 0 ? Product(*out) / (*out)[1] : 0;
      return positions * (l.window.kernel.empty() ? 1 : Product(l.window.kernel));
    }
    default:
      break;
  }
  if (FloatClassOf(l.op_class) == OpClass::kGemm) {  // gemm_int8 too: same dimensions
    // Features: out_c = N (output's last dim), in_c = K (A's reduced dim).
    if (dim == D::kOutC) return out && !out->empty() ? out->back() : 0;
    if (dim == D::kInC) {
      if (!in || in->empty()) return 0;
      auto t = l.attributes.find("transA");
      const std::int64_t* trans_a = t == l.attributes.end() ? nullptr : std::get_if<std::int64_t>(&t->second);
      const bool trans = trans_a && *trans_a != 0;
      return trans && in->size() == 2 ? (*in)[0] : in->back();
    }
    return 0;
  }
  switch (dim) {
    case D::kOutH:
      return out && out->size() >= 3 ? (*out)[2] : 0;
    case D::kOutW:
      return out && out->size() >= 4 ? (*out)[3] : 0;
    case D::kOutC:
      return out && out->size() >= 2 ? (*out)[1] : 0;
    case D::kInC:
      if (!in || in->size() < 2) return 0;
      return (*in)[1] / std::max<std::int64_t>(l.window.group, 1);
    default:
      return 0;
  }
}

LayerFacts FactsOf(const Layer& layer) {
  LayerFacts f;
  f.flops = layer.counts.flops;
  f.traffic_elems =
      CheckedAdd(CheckedAdd(layer.counts.input_elems, layer.counts.output_elems), layer.counts.weight_elems);
  for (std::size_t i = 0; i < kLayerDimCount; ++i) f.dims[i] = LayerDim(layer, static_cast<LayerDimId>(i));
  f.kernel_shape = KernelShapeOf(layer);
  if (f.kernel_shape != KernelShape::kNone) {
    f.kernel_h = layer.window.kernel[0];
    f.kernel_w = layer.window.kernel[1];
    if (!layer.window.strides.empty()) f.stride_h = layer.window.strides[0];
    for (std::int64_t d : layer.window.dilations) f.dilated = f.dilated || d != 1;
  }
  if (layer.window.kernel.size() == 2) {
    f.window_max = std::max(layer.window.kernel[0], layer.window.kernel[1]);
  } else if (layer.op_type == "GlobalAveragePool" || layer.op_type == "GlobalMaxPool") {
    f.window_max = std::max(f.Dim(LayerDimId::kInH), f.Dim(LayerDimId::kInW));
  }
  return f;
}

ClassPlan PlanClass(const Platform& platform, const ClassModel& model, Precision precision,
                    const EstimatorInfo& estimator) {
  ClassPlan plan;
  plan.estimator = &estimator;
  plan.precision = precision;
  plan.bytes_per_element = PrecisionBytes(precision);
  const FittedModel* fitted = nullptr;
  const TreeModel* trees = nullptr;
  if (estimator.cost == &TreesCost) {
    trees = model.TreesFor(precision);
    if (!trees) {
      const EstimatorInfo* fallback = FindEstimator(model.fallback);
      if (!fallback || fallback->cost == &TreesCost || fallback->cost == &StepLinearCost) {
        fallback = FindEstimator("roofline");
      }
      plan.estimator = fallback;
    }
  }
  if (estimator.cost == &StepLinearCost) {
    fitted = model.FittedFor(precision);
    if (!fitted) {
      plan.fit_missing = true;
      for (const FittedModel& f : model.fitted) {
        plan.fitted_precisions += (plan.fitted_precisions.empty() ? "" : ", ") + std::string(PrecisionName(f.precision));
      }
      const EstimatorInfo* fallback = FindEstimator(model.fallback);
      if (!fallback || fallback->cost == &StepLinearCost) fallback = FindEstimator("roofline");
      plan.estimator = fallback;
    }
  }
  auto spec = platform.precisions.find(precision);
  if (spec != platform.precisions.end()) {
    plan.peak = spec->second.peak_gops.value * 1e9 * model.compute_efficiency.value;
    plan.bandwidth = spec->second.bandwidth_gbps.value * 1e9 * model.memory_efficiency.value;
  } else if (plan.estimator->cost != &FreeCost && plan.estimator->cost != &StepLinearCost) {
    throw std::out_of_range("platform '" + platform.name + "' has no precision " + PrecisionName(precision));
  }
  if (model.warm && model.warm->precision == precision) {
    plan.warm = *model.warm;
    if (model.warm->direct) {
      ClassModel direct;
      direct.estimator = "step_linear";
      direct.fitted.push_back(*model.warm->direct);
      plan.warm_direct =
          std::make_shared<const ClassPlan>(PlanClass(platform, direct, precision, *FindEstimator("step_linear")));
    }
  }
  plan.active_power_w = model.active_power_w      ? model.active_power_w->value
                        : platform.active_power_w ? platform.active_power_w->value
                                                  : platform.typical_power_w.value;
  for (const Parallelism& p : model.parallelism) plan.parallelism.push_back({LayerDimIdOf(p.dim), p.p, p.alpha});
  if (trees) {
    plan.tree_base = trees->base;
    std::vector<LayerDimId> ids;
    for (const std::string& name : trees->features) ids.push_back(LayerDimIdOf(name));
    for (const RegressionTree& t : trees->trees) {
      plan.tree_first.push_back(plan.nodes.size());
      for (std::size_t k = 0; k < t.feature.size(); ++k) {
        const bool leaf = t.left[k] < 0;
        plan.nodes.push_back({leaf ? LayerDimId::kNone : ids.at(static_cast<std::size_t>(t.feature[k])), t.left[k],
                              t.right[k], static_cast<float>(t.threshold[k]), t.value[k]});
      }
    }
  }
  if (model.constant_ms) plan.constant_ms = model.constant_ms->value;
  if (model.gemm_tiles) {
    plan.gemm_tiles = true;
    plan.tile_m = model.gemm_tiles->m;
    plan.tile_n = model.gemm_tiles->n;
    plan.tile_alpha_m = model.gemm_tiles->alpha_m;
    plan.tile_alpha_n = model.gemm_tiles->alpha_n;
  }
  if (model.winograd) {
    plan.winograd = true;
    plan.winograd_speedup = model.winograd->speedup;
    plan.winograd_tile = model.winograd->tile;
    plan.winograd_alpha = model.winograd->alpha;
  }
  if (model.overlap_p) plan.overlap_p = model.overlap_p->value;
  if (model.group_waves) {
    plan.group_waves = true;
    plan.wave_tile = model.group_waves->tile;
    plan.wave_units = model.group_waves->units;
    plan.wave_ms = model.group_waves->ms_per_wave;
  }
  if (model.host_fallback) {
    plan.host_max_window = model.host_fallback->max_window;
    plan.host_ns_per_op = model.host_fallback->ns_per_op;
  }
  for (const KernelTerm& t : model.kernel_terms) {
    plan.kernel_scale[static_cast<std::size_t>(t.shape)] = t.scale;
    if (t.shape == KernelShape::kSplitPointwise) plan.split_pointwise = true;
    if (t.shape == KernelShape::kSplit) {
      plan.split_buffer = t.buffer_bytes;
      plan.split_line = t.line_bytes;
    }
  }
  if (fitted) {
    for (const FittedTerm& term : fitted->terms) {
      plan.terms.push_back({term.coef, plan.slots.size(), term.factors.size()});
      for (const FittedFactor& f : term.factors) {
        const ClassPlan::Factor factor{LayerDimIdOf(f.dim), f.step};
        std::size_t slot = 0;
        while (slot < plan.factors.size() &&
               !(plan.factors[slot].dim == factor.dim && plan.factors[slot].step == factor.step)) {
          ++slot;
        }
        if (slot == plan.factors.size()) plan.factors.push_back(factor);
        plan.slots.push_back(static_cast<std::uint32_t>(slot));
      }
    }
    for (const auto& [dim, range] : fitted->range)
      plan.ranges.push_back({LayerDimIdOf(dim), range.first, range.second});
  }
  return plan;
}

bool WinogradEligible(const LayerFacts& f) {
  return f.kernel_shape == KernelShape::kSquare && f.kernel_h == 3 && f.kernel_w == 3 && !f.dilated;
}

double WarmFactorOf(const LayerFacts& f, const ClassPlan& p, double cold_ms) {
  const double bytes = BytesAt(f, p);
  const double kernel = static_cast<double>(f.Dim(LayerDimId::kKernel));
  if (p.warm_direct) return p.warm->DirectFactor(StepLinearCost(f, *p.warm_direct).ms, bytes, cold_ms, kernel);
  return p.warm->Factor(bytes, cold_ms, kernel);
}

}  // namespace odonata
