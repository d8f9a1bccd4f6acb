// Sweep plans: which single-layer configurations to benchmark. ANNETTE fits
// its refined roofline from 1-D sweeps (one dimension over 1..256, the others
// fixed at e.g. 64); grids and random designs feed statistical models.
//
// Rules (docs/measurement-csv.md describes the rows):
// - A base equal to LayerConfig{} (apart from op) means "the op's defaults":
//   64 channels, 32x32 input (the research sweeps use 32x32), 3x3 stride-1
//   kernels for Conv and DepthwiseConv, 2x2 stride 2 for ConvTranspose and the
//   window pools, 64 -> 64 features for Gemm, x2 upsampling for Resize and ResizeNchwc.
// - Default dims: in_c, out_c, in_h for Conv and ConvTranspose; in_c, out_c,
//   batch for Gemm; in_c, in_h for ops whose out_c follows from in_c.
// - One key table (SweepKeys) for --around and --dims: "hw", "kernel",
//   "stride" and "pad" set both axes. Varying a dimension also moves what is
//   tied to it: "in_h" sets in_w (square inputs), "in_c" sets out_c where it
//   follows from in_c (out_c = in_c, Concat: 2 in_c) and, for DepthwiseConv,
//   out_c and groups. --around sets only the fields a key names.
// - LSTM, GRU, RNN: in_c is the input size, out_c the hidden size, in_h the sequence length
//   (in_w stays 1), batch the batch; forward, with the state as inputs (ToLayer). Default:
//   64 -> 64 over 8 steps; default dims in_c, out_c, in_h.
// - NonMaxSuppression: in_h is the number of boxes (in_w stays 1), in_c the
//   classes; "groups" (disjoint box groups, as torchvision's batched NMS makes
//   of its classes) keeps the boxes per group: in_h = in_h / groups * value.
//   Default: 3000 boxes in 10 groups of 300 (SSD's candidates per class), 1 class.
//   NonMaxSuppressionIoU: the same with the IoU threshold kernel / 100 (default 50).
//   NonMaxSuppressionAnchors: the same layer on a detector's candidates (run.js's feed): groups
//   classes of in_h / groups boxes from an SSD anchor grid of in_w anchors (3234: SSDlite320's,
//   8732: SSD300's); default SSDlite320's NMS, 90 classes x 300 candidates of 3234 anchors, IoU 0.55.
// - RoiAlign: batch is the number of rois, in_c, in_h, in_w the feature map, kernel the
//   output bins (kernel_h x kernel_w), stride the sampling ratio. Default: 100 rois of a
//   256-channel 32x32 map, 7x7 bins, sampling ratio 2 (torchvision's box head); default dims
//   batch, in_c.
// - TopK: X [batch, in_c] ([in_c] for batch 1; in_h = in_w = 1), k = out_c; default 400 of 8732
//   (SSD300), dims in_c, out_c. NonZero: X [in_c]; default 8732, dims in_c. GatherND: batch rows
//   of data [in_h, in_c] ([in_h] for in_c 1); in_h sets batch (every row gathered, the bound), not
//   in_w; default 8732 rows of 4 from 8732, dims batch, in_c.
// - Slice: the first out_c of in_c channels of [batch, in_c, in_h, in_w] (2-D for in_h = in_w = 1);
//   default ViT-B/16's q/k/v split, batch 197 (tokens), 2304 -> 768; dims in_c, out_c, batch.
//   Gather: out_c rows (axis 0) of data [in_h, in_c]; default 2401 of 169 rows of 3 (Swin-T's
//   relative position bias table, window 7, 3 heads); dims in_h, in_c, out_c. GatherColumn: column 1
//   (axis 1) of [in_h, in_c], out_c = in_c; default 3234 x 91 (SSDlite's scores); dims in_h, in_c.
//   Their in_h (rows of data) does not set in_w. Variants in the networks' own layouts (the fitted
//   trees read shape positions): SliceH, axis 2 (the first out_c of in_h rows of [batch, in_c, in_h,
//   in_w], 3-D for in_w 1; default ViT-B/16's [197, 1, 2304] -> 768; dims in_h, out_c, batch; in_h
//   does not set in_w); GatherBlock, block 0 (axis 0) of [out_c, batch, in_c, in_h, in_w]; default
//   Swin-T's stage-1 q/k/v, 3 blocks of [64, 3, 49, 32]; dims batch, in_c; in_h does not set in_w.
// - SoftmaxLast: Softmax over the last axis of attention scores [batch, in_c (heads), in_h (rows),
//   in_w (columns)] (3-D for in_c 1, 2-D for in_c = in_h = 1); default Swin-T's stage-1 window
//   attention, [64, 3, 49, 49]; in_h sets in_w (self-attention's scores are square). ReduceMean: the
//   mean over the last axis of [batch, in_h, in_w, in_c] (ConvNeXt's channels-last LayerNorm);
//   default ConvNeXt-T's stage 1, [1, 56, 56, 96]. Both: out_c = in_c, default dims in_c, in_h.
// - Transpose3D: Transpose's move without the batch axis, [in_c, in_h, in_w] -> [in_h, in_c, in_w]
//   (batch 1); default ViT-B/16's head split, [197, 12, 64]; dims in_c, in_h; in_h does not set in_w.
// - Conv1d, DepthwiseConv1d: a Conv over one spatial dimension, [batch, in_c, in_w] (in_h,
//   kernel_h and stride_h 1; the window is kernel_w, stride_w, pad_w, dilation), class conv1d;
//   default 64 channels, length 64, kernel 3; dims in_c, out_c, in_w (DepthwiseConv1d: in_c,
//   in_w, in_c carrying out_c and groups); in_h does not set in_w.
// - A convolution + activation op (ConvClip, ConvHardSwish, DepthwiseConvClip, ...; ToLayer,
//   LayerNodes) sweeps exactly as its Conv or DepthwiseConv: the same defaults, dims and rows,
//   so that a plan line with --op Conv and one with --op ConvClip and the same --seed and dims
//   give pairs of rows with identical dimensions (the fit's fused_activation_ns).
// - Random design: every dim drawn independently and uniformly from its
//   stepped range {min, min + step, ..., <= max} (not log-uniform), with
//   std::mt19937_64(seed) and our own mapping (the standard distributions'
//   algorithms are implementation-defined, so plans would differ by platform).
// - Rows ToLayer rejects (a pool larger than its input, ...) are skipped;
//   duplicates are dropped, keeping the first: the order is stable.
#include "odonata/sweep.h"

#include <array>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>
#include <string_view>

#include "io.h"
#include "names.h"
#include "odonata/errors.h"
#include "odonata/measurements.h"
#include "odonata/onnx.h"
#include "text.h"

namespace odonata {
namespace {

namespace fs = std::filesystem;
using I64 = std::int64_t;

// Beyond this a 1-D or grid plan is surely a mistake (and would take days to run).
constexpr I64 kMaxRows = 1000000;

enum class OutC { kFree, kSameAsInput, kTwiceInput };

// LSTM, GRU, RNN: in_c is the input size, out_c the hidden size, in_h the sequence length.
bool Recurrent(const std::string& op) { return op == "LSTM" || op == "GRU" || op == "RNN"; }

// A convolution + activation op (ConvClip, DepthwiseConvHardSwish, ...) sweeps as its convolution.
std::string PlainOp(const std::string& op) {
  std::string plain = op;
  SweepActivation(op, &plain);
  return plain;
}

// A depthwise op, whose groups and out_c follow in_c: DepthwiseConv (with or without a fused
// activation) and DepthwiseConv1d.
bool DepthwiseOp(const std::string& op) { return PlainOp(op) == "DepthwiseConv" || op == "DepthwiseConv1d"; }

OutC OutChannels(const std::string& any_op) {
  const std::string op = PlainOp(any_op);
  if (op == "Conv" || op == "ConvTranspose" || op == "Gemm" || op == "DepthwiseConv" || op == "TopK" || op == "Slice" ||
      op == "Conv1d" || op == "DepthwiseConv1d" ||
      op == "Gather" || op == "SliceH" || op == "GatherBlock" || Recurrent(op)) {
    return OutC::kFree;
  }
  if (op == "Concat") return OutC::kTwiceInput;
  return OutC::kSameAsInput;
}

std::vector<std::string> DefaultDims(const std::string& any_op) {
  const std::string op = PlainOp(any_op);
  if (op == "Gemm") return {"in_c", "out_c", "batch"};
  if (op == "RoiAlign") return {"batch", "in_c"};
  if (op == "TopK") return {"in_c", "out_c"};
  if (op == "NonMaxSuppressionAnchors") return {"groups", "kernel"};  // classes and the IoU threshold
  if (op == "NonZero") return {"in_c"};
  if (op == "GatherND") return {"batch", "in_c"};
  if (op == "Slice") return {"in_c", "out_c", "batch"};
  if (op == "Gather") return {"in_h", "in_c", "out_c"};
  if (op == "GatherColumn") return {"in_h", "in_c"};
  if (op == "SliceH") return {"in_h", "out_c", "batch"};
  if (op == "GatherBlock") return {"batch", "in_c"};
  if (op == "Conv1d") return {"in_c", "out_c", "in_w"};  // the length is in_w (in_h 1)
  if (op == "DepthwiseConv1d") return {"in_c", "in_w"};
  if (OutChannels(op) == OutC::kFree && op != "DepthwiseConv") return {"in_c", "out_c", "in_h"};
  return {"in_c", "in_h"};
}

// Set `key` to `v` in a sweep: the key's fields and the dimensions tied to it.
void Set(LayerConfig& c, const SweepKey& key, I64 v) {
  const std::string_view dim = key.name;
  if ((c.op == "NonMaxSuppression" || c.op == "NonMaxSuppressionIoU" || c.op == "NonMaxSuppressionAnchors") &&
      (dim == "in_h" || dim == "groups")) {
    if (dim == "groups") c.in_h = CheckedMul(c.in_h / c.groups, v);
    (dim == "groups" ? c.groups : c.in_h) = v;
    return;
  }
  key.set(c, v);
  // Square inputs (a recurrent layer's in_h is its sequence, GatherND's the rows of its data, which
  // move the rows it gathers along: odonata's bound, every row selected).
  const bool own_w = c.op == "GatherND" || c.op == "Gather" || c.op == "GatherColumn" || c.op == "SliceH" ||
                     c.op == "GatherBlock" || c.op == "Transpose3D" || c.op == "Conv1d" || c.op == "DepthwiseConv1d";
  if (dim == "in_h" && !Recurrent(c.op) && !own_w) c.in_w = v;
  if (dim == "in_h" && c.op == "GatherND") c.batch = v;
  if (dim == "in_c") {
    switch (OutChannels(c.op)) {
      case OutC::kFree:
        if (DepthwiseOp(c.op)) c.out_c = c.groups = v;
        break;
      case OutC::kSameAsInput:
        c.out_c = v;
        break;
      case OutC::kTwiceInput:
        c.out_c = CheckedMul(2, v);
        break;
    }
  }
}

// "batch, in_c, ..." (the keys, in table order).
std::string KeyList() {
  std::string list;
  for (const SweepKey& k : SweepKeys()) list += (list.empty() ? "" : ", ") + std::string(k.name);
  return list;
}

// Identity of a configuration within one sweep (op and precision are fixed).
using Key = std::array<I64, 13>;
Key KeyOf(const LayerConfig& c) {
  return {c.batch,    c.in_c,     c.in_h,   c.in_w,     c.out_c, c.kernel_h, c.kernel_w,
          c.stride_h, c.stride_w, c.groups, c.dilation, c.pad_h, c.pad_w};
}

bool Valid(const LayerConfig& c) {
  try {
    ToLayer(c);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Collects valid, distinct rows in order.
class Plan {
 public:
  void Add(const LayerConfig& c) {
    if (seen_.count(KeyOf(c)) || !Valid(c)) return;
    seen_.insert(KeyOf(c));
    rows_.push_back(c);
  }
  std::size_t size() const { return rows_.size(); }
  std::vector<LayerConfig> Take() { return std::move(rows_); }

 private:
  std::set<Key> seen_;
  std::vector<LayerConfig> rows_;
};

}  // namespace

constexpr NameTable<SweepDesign, 3> kDesignNames = {{{
    {SweepDesign::kOneD, "1d"},
    {SweepDesign::kGrid, "grid"},
    {SweepDesign::kRandom, "random"},
}}};

const char* SweepDesignName(SweepDesign design) { return kDesignNames.Name(design); }

bool ParseSweepDesign(const std::string& text, SweepDesign* out) { return kDesignNames.Parse(text, out); }

LayerConfig DefaultSweepBase(const std::string& any_op) {
  const std::string op = PlainOp(any_op);
  LayerConfig c;
  c.op = any_op;
  if (op == "Gemm") {
    c.in_c = c.out_c = 64;
    return c;
  }
  if (op == "NonMaxSuppression" || op == "NonMaxSuppressionIoU") {
    c.in_h = 3000;
    c.groups = 10;
    if (op == "NonMaxSuppressionIoU") c.kernel_h = c.kernel_w = 50;  // IoU 0.5 (the kernel key sets both)
    return c;
  }
  if (op == "NonMaxSuppressionAnchors") {  // SSDlite320's: 90 classes x 300 of 3234 anchors, IoU 0.55
    c.in_h = 27000;
    c.groups = 90;
    c.in_w = 3234;
    c.kernel_h = c.kernel_w = 55;
    return c;
  }
  if (Recurrent(op)) {
    c.in_c = c.out_c = 64;
    c.in_h = 8;  // sequence length
    return c;
  }
  if (op == "RoiAlign") {  // 100 rois of a 256-channel 32x32 map into 7x7 bins, 2x2 points per bin
    c.batch = 100;
    c.in_c = c.out_c = 256;
    c.in_h = c.in_w = 32;
    c.kernel_h = c.kernel_w = 7;
    c.stride_h = c.stride_w = 2;
    return c;
  }
  // Detection post-processing at SSD300's sizes: TopK 400 of 8732 candidate scores, NonZero of
  // 8732 scores, GatherND of 8732 boxes (rows of 4) from 8732.
  if (op == "TopK") {
    c.in_c = 8732;
    c.out_c = 400;
    return c;
  }
  if (op == "NonZero") {
    c.in_c = c.out_c = 8732;
    return c;
  }
  if (op == "GatherND") {
    c.batch = c.in_h = 8732;
    c.in_c = c.out_c = 4;
    return c;
  }
  // Data movement: ViT-B/16's q/k/v split, Swin-T's relative position bias, SSDlite's class scores.
  if (op == "Slice") {
    c.batch = 197;
    c.in_c = 2304;
    c.out_c = 768;
    return c;
  }
  if (op == "Gather") {
    c.in_h = 169;
    c.in_c = 3;
    c.out_c = 2401;
    return c;
  }
  if (op == "GatherColumn") {
    c.in_h = 3234;
    c.in_c = c.out_c = 91;
    return c;
  }
  if (op == "SliceH") {
    c.batch = 197;
    c.in_h = 2304;
    c.out_c = 768;
    return c;
  }
  if (op == "GatherBlock") {
    c.out_c = 3;
    c.batch = 64;
    c.in_c = 3;
    c.in_h = 49;
    c.in_w = 32;
    return c;
  }
  // Swin-T's stage-1 attention scores (64 windows, 3 heads, 49 x 49); ConvNeXt-T's stage-1
  // LayerNorm mean ([1, 56, 56, 96] over the 96 channels).
  if (op == "SoftmaxLast") {
    c.batch = 64;
    c.in_c = c.out_c = 3;
    c.in_h = c.in_w = 49;
    return c;
  }
  if (op == "ReduceMean") {
    c.in_c = c.out_c = 96;
    c.in_h = c.in_w = 56;
    return c;
  }
  if (op == "Transpose3D") {  // ViT-B/16's head split: 197 tokens, 12 heads of 64
    c.in_c = c.out_c = 197;
    c.in_h = 12;
    c.in_w = 64;
    return c;
  }
  c.in_c = c.out_c = 64;
  c.in_h = c.in_w = 32;
  if (op == "Conv1d" || op == "DepthwiseConv1d") {  // 64 channels, length 64, kernel 3
    c.in_h = 1;
    c.in_w = 64;
    c.kernel_w = 3;
    if (op == "DepthwiseConv1d") c.groups = 64;
    return c;
  }
  if (op == "Conv" || op == "DepthwiseConv") c.kernel_h = c.kernel_w = 3;
  if (op == "ConvTranspose" || op == "MaxPool" || op == "AveragePool") {
    c.kernel_h = c.kernel_w = 2;
    c.stride_h = c.stride_w = 2;
  }
  if (op == "Resize" || op == "ResizeNchwc") c.stride_h = c.stride_w = 2;
  if (op == "DepthwiseConv") c.groups = 64;
  if (op == "Concat") c.out_c = 128;
  return c;
}

std::vector<LayerConfig> PlanSweep(const SweepOptions& o) {
  LayerConfig probe = o.base;
  probe.op = LayerConfig{}.op;
  LayerConfig base = probe == LayerConfig{} ? DefaultSweepBase(o.op) : o.base;
  base.op = o.op;
  if (OutChannels(o.op) == OutC::kSameAsInput) base.out_c = base.in_c;
  if (OutChannels(o.op) == OutC::kTwiceInput) base.out_c = CheckedMul(2, base.in_c);
  if (DepthwiseOp(o.op)) base.groups = base.in_c;
  try {
    ToLayer(base);
  } catch (const Error& e) {
    throw e.WithContext("sweep");
  }

  const std::vector<std::string> dims = o.dims.empty() ? DefaultDims(o.op) : o.dims;
  std::vector<const SweepKey*> keys;  // of dims, looked up once
  for (const std::string& d : dims) {
    keys.push_back(FindSweepKey(d));
    if (!keys.back()) throw Error("sweep: unknown dimension '" + d + "' (known: " + KeyList() + ")");
  }
  if (o.step < 1) throw Error("sweep: step must be at least 1, not " + std::to_string(o.step));
  if (o.min > o.max) {
    throw Error("sweep: the range " + std::to_string(o.min) + ".." + std::to_string(o.max) + " is empty");
  }
  if (o.min < -1) throw Error("sweep: min must be at least -1, not " + std::to_string(o.min));
  // Values per dim; computed so that max - min cannot overflow.
  const I64 count = static_cast<I64>((static_cast<std::uint64_t>(o.max) - static_cast<std::uint64_t>(o.min)) /
                                     static_cast<std::uint64_t>(o.step)) +
                    1;
  auto value = [&](I64 i) { return o.min + i * o.step; };
  auto too_many = [&](I64 rows) {
    return Error("sweep: " + std::to_string(rows) + " or more configurations (limit " + std::to_string(kMaxRows) +
                 "); raise the step, narrow the range or use the random design");
  };

  Plan plan;
  switch (o.design) {
    case SweepDesign::kOneD: {
      if (count > kMaxRows / static_cast<I64>(dims.size())) throw too_many(count);
      for (const SweepKey* key : keys) {
        for (I64 i = 0; i < count; ++i) {
          LayerConfig c = base;
          Set(c, *key, value(i));
          plan.Add(c);
        }
      }
      break;
    }
    case SweepDesign::kGrid: {
      I64 total = 1;
      for (std::size_t k = 0; k < dims.size(); ++k) {
        if (total > kMaxRows / count) throw too_many(total * count);
        total *= count;
      }
      // Odometer over the dims, the last one fastest.
      std::vector<I64> index(dims.size(), 0);
      for (I64 n = 0; n < total; ++n) {
        LayerConfig c = base;
        for (std::size_t k = 0; k < dims.size(); ++k) Set(c, *keys[k], value(index[k]));
        plan.Add(c);
        for (std::size_t k = dims.size(); k-- > 0;) {
          if (++index[k] < count) break;
          index[k] = 0;
        }
      }
      break;
    }
    case SweepDesign::kRandom: {
      if (o.samples < 1) throw Error("sweep: samples must be at least 1, not " + std::to_string(o.samples));
      std::mt19937_64 rng(o.seed);
      // Modulo keeps the mapping portable; its bias (count / 2^64) is negligible.
      const std::uint64_t n = static_cast<std::uint64_t>(count);
      // Duplicates and invalid draws are retried, within a bound: small spaces
      // give fewer than `samples` rows.
      const I64 draws = CheckedAdd(CheckedMul(o.samples, 20), 1000);
      for (I64 k = 0; k < draws && static_cast<I64>(plan.size()) < o.samples; ++k) {
        LayerConfig c = base;
        for (const SweepKey* key : keys) Set(c, *key, value(static_cast<I64>(rng() % n)));
        plan.Add(c);
      }
      break;
    }
  }
  if (plan.size() == 0) throw Error("sweep: no valid configuration of " + o.op + " in the range");
  return plan.Take();
}

const std::vector<SweepKey>& SweepKeys() {
  using C = LayerConfig;
  static const std::vector<SweepKey> keys = {
      {"batch", [](C& c, I64 v) { c.batch = v; }},
      {"in_c", [](C& c, I64 v) { c.in_c = v; }},
      {"out_c", [](C& c, I64 v) { c.out_c = v; }},
      {"in_h", [](C& c, I64 v) { c.in_h = v; }},
      {"in_w", [](C& c, I64 v) { c.in_w = v; }},
      {"hw", [](C& c, I64 v) { c.in_h = c.in_w = v; }},
      {"kernel", [](C& c, I64 v) { c.kernel_h = c.kernel_w = v; }},
      {"kernel_h", [](C& c, I64 v) { c.kernel_h = v; }},
      {"kernel_w", [](C& c, I64 v) { c.kernel_w = v; }},
      {"stride", [](C& c, I64 v) { c.stride_h = c.stride_w = v; }},
      {"stride_h", [](C& c, I64 v) { c.stride_h = v; }},
      {"stride_w", [](C& c, I64 v) { c.stride_w = v; }},
      {"groups", [](C& c, I64 v) { c.groups = v; }},
      {"dilation", [](C& c, I64 v) { c.dilation = v; }},
      {"pad", [](C& c, I64 v) { c.pad_h = c.pad_w = v; }},
      {"pad_h", [](C& c, I64 v) { c.pad_h = v; }},
      {"pad_w", [](C& c, I64 v) { c.pad_w = v; }},
  };
  return keys;
}

const SweepKey* FindSweepKey(const std::string& name) {
  for (const SweepKey& k : SweepKeys()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

LayerConfig ParseAround(const std::string& text, LayerConfig base) {
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) throw Error("--around: '" + item + "' is not KEY=VALUE", ExitCode::kUsage);
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "precision") {
      if (!ParsePrecision(value, &base.precision)) {
        throw Error("--around: unknown precision '" + value + "'", ExitCode::kUsage);
      }
      continue;
    }
    I64 v = 0;
    if (text::ParseWhole(value, &v) != text::Parsed::kOk) {
      throw Error("--around: " + key + ": '" + value + "' is not an integer", ExitCode::kUsage);
    }
    const SweepKey* k = FindSweepKey(key);
    if (!k) throw Error("--around: unknown key '" + key + "' (" + KeyList() + ", precision)", ExitCode::kUsage);
    k->set(base, v);
  }
  return base;
}

SweepFiles WriteSweep(const std::vector<LayerConfig>& plan, const std::string& dir, bool models, std::uint64_t seed,
                      const std::function<void(std::size_t, std::size_t)>& progress) {
  if (plan.empty()) throw Error("the sweep has no valid configuration");
  const fs::path root(dir);
  for (const fs::path& d : {root, root / "models"}) {
    if (d != root && !models) continue;
    std::error_code ec;
    fs::create_directories(d, ec);
    if (ec) throw Error(d.string() + ": cannot create the directory: " + ec.message());
  }
  std::vector<Measurement> rows;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    Measurement m;
    m.config = plan[i];
    m.latency_ms = 0;
    if (models) {
      std::string number = std::to_string(i);
      if (number.size() < 5) number.insert(0, 5 - number.size(), '0');
      const std::string name = "models/" + number + ".onnx";
      WriteLayerModel(plan[i], (root / name).string(), seed + i);
      m.extra.emplace_back("model", name);
      if (progress) progress(i + 1, plan.size());
    }
    rows.push_back(std::move(m));
  }
  std::ostringstream csv;
  WriteMeasurements(rows, csv);
  SweepFiles files;
  files.plan = (root / "plan.csv").string();
  files.models = models ? (root / "models").string() : "";
  files.rows = rows.size();
  WriteFileAtomic(files.plan, csv.str());
  return files;
}

}  // namespace odonata
