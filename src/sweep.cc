// Sweep plans: which single-layer configurations to benchmark. ANNETTE fits
// its refined roofline from 1-D sweeps (one dimension over 1..256, the others
// fixed at e.g. 64); grids and random designs feed statistical models.
//
// Rules (README "Measurement CSV" describes the rows):
// - A base equal to LayerConfig{} (apart from op) means "the op's defaults":
//   64 channels, 32x32 input (the research sweeps use 32x32), 3x3 stride-1
//   kernels for Conv and DepthwiseConv, 2x2 stride 2 for ConvTranspose and the
//   window pools, 64 -> 64 features for Gemm, x2 upsampling for Resize.
// - Default dims: in_c, out_c, in_h for Conv and ConvTranspose; in_c, out_c,
//   batch for Gemm; in_c, in_h for ops whose out_c follows from in_c.
// - "in_h" also sets in_w (square inputs); "kernel" and "stride" set both
//   axes. "in_c" also sets out_c where it follows from in_c (out_c = in_c,
//   Concat: 2 in_c) and, for DepthwiseConv, out_c and groups.
// - NonMaxSuppression: in_h is the number of boxes (in_w stays 1), in_c the
//   classes; "groups" (disjoint box groups, as torchvision's batched NMS makes
//   of its classes) keeps the boxes per group: in_h = in_h / groups * value.
//   Default: 3000 boxes in 10 groups of 300 (SSD's candidates per class), 1 class.
// - Random design: every dim drawn independently and uniformly from its
//   stepped range {min, min + step, ..., <= max} (not log-uniform), with
//   std::mt19937_64(seed) and our own mapping (the standard distributions'
//   algorithms are implementation-defined, so plans would differ by platform).
// - Rows ToLayer rejects (a pool larger than its input, ...) are skipped;
//   duplicates are dropped, keeping the first: the order is stable.
#include "odonata/sweep.h"

#include <array>
#include <random>
#include <set>

#include "odonata/errors.h"
#include "odonata/measurements.h"

namespace odonata {
namespace {

using I64 = std::int64_t;

// Beyond this a 1-D or grid plan is surely a mistake (and would take days to run).
constexpr I64 kMaxRows = 1000000;

constexpr const char* kDims[] = {"batch",    "in_c",     "out_c",    "in_h",   "in_w",
                                 "kernel",   "kernel_h", "kernel_w", "stride", "stride_h",
                                 "stride_w", "groups",   "dilation", "pad_h",  "pad_w"};

enum class OutC { kFree, kSameAsInput, kTwiceInput };

OutC OutChannels(const std::string& op) {
  if (op == "Conv" || op == "ConvTranspose" || op == "Gemm" || op == "DepthwiseConv") return OutC::kFree;
  if (op == "Concat") return OutC::kTwiceInput;
  return OutC::kSameAsInput;
}

std::vector<std::string> DefaultDims(const std::string& op) {
  if (op == "Gemm") return {"in_c", "out_c", "batch"};
  if (OutChannels(op) == OutC::kFree && op != "DepthwiseConv") return {"in_c", "out_c", "in_h"};
  return {"in_c", "in_h"};
}

// Set `dim` to `v` with the dimensions tied to it.
void Set(LayerConfig& c, const std::string& dim, I64 v) {
  if (c.op == "NonMaxSuppression" && (dim == "in_h" || dim == "groups")) {
    if (dim == "groups") c.in_h = CheckedMul(c.in_h / c.groups, v);
    (dim == "groups" ? c.groups : c.in_h) = v;
    return;
  }
  if (dim == "batch") c.batch = v;
  if (dim == "in_c") {
    c.in_c = v;
    switch (OutChannels(c.op)) {
      case OutC::kFree:
        if (c.op == "DepthwiseConv") c.out_c = c.groups = v;
        break;
      case OutC::kSameAsInput:
        c.out_c = v;
        break;
      case OutC::kTwiceInput:
        c.out_c = CheckedMul(2, v);
        break;
    }
  }
  if (dim == "out_c") c.out_c = v;
  if (dim == "in_h") c.in_h = c.in_w = v;
  if (dim == "in_w") c.in_w = v;
  if (dim == "kernel" || dim == "kernel_h") c.kernel_h = v;
  if (dim == "kernel" || dim == "kernel_w") c.kernel_w = v;
  if (dim == "stride" || dim == "stride_h") c.stride_h = v;
  if (dim == "stride" || dim == "stride_w") c.stride_w = v;
  if (dim == "groups") c.groups = v;
  if (dim == "dilation") c.dilation = v;
  if (dim == "pad_h") c.pad_h = v;
  if (dim == "pad_w") c.pad_w = v;
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

LayerConfig DefaultSweepBase(const std::string& op) {
  LayerConfig c;
  c.op = op;
  if (op == "Gemm") {
    c.in_c = c.out_c = 64;
    return c;
  }
  if (op == "NonMaxSuppression") {
    c.in_h = 3000;
    c.groups = 10;
    return c;
  }
  c.in_c = c.out_c = 64;
  c.in_h = c.in_w = 32;
  if (op == "Conv" || op == "DepthwiseConv") c.kernel_h = c.kernel_w = 3;
  if (op == "ConvTranspose" || op == "MaxPool" || op == "AveragePool") {
    c.kernel_h = c.kernel_w = 2;
    c.stride_h = c.stride_w = 2;
  }
  if (op == "Resize") c.stride_h = c.stride_w = 2;
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
  if (o.op == "DepthwiseConv") base.groups = base.in_c;
  try {
    ToLayer(base);
  } catch (const Error& e) {
    throw e.WithContext("sweep");
  }

  const std::vector<std::string> dims = o.dims.empty() ? DefaultDims(o.op) : o.dims;
  for (const std::string& d : dims) {
    bool known = false;
    for (const char* k : kDims) known |= d == k;
    if (!known) {
      std::string list;
      for (const char* k : kDims) list += (list.empty() ? "" : ", ") + std::string(k);
      throw Error("sweep: unknown dimension '" + d + "' (known: " + list + ")");
    }
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
      for (const std::string& d : dims) {
        for (I64 i = 0; i < count; ++i) {
          LayerConfig c = base;
          Set(c, d, value(i));
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
        for (std::size_t k = 0; k < dims.size(); ++k) Set(c, dims[k], value(index[k]));
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
        for (const std::string& d : dims) Set(c, d, value(static_cast<I64>(rng() % n)));
        plan.Add(c);
      }
      break;
    }
  }
  if (plan.size() == 0) throw Error("sweep: no valid configuration of " + o.op + " in the range");
  return plan.Take();
}

}  // namespace odonata
