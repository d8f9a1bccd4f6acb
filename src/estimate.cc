#include "odonata/estimate.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "layer_cost.h"
#include "odonata/errors.h"
#include "odonata/fusion.h"

namespace odonata {
namespace {

// Every estimator a profile names must exist, whether or not this network uses it.
void CheckEstimators(const Platform& p) {
  auto check = [&](const ClassModel& m, const std::string& key) {
    if (!FindEstimator(m.estimator)) {
      std::string names;
      for (const auto& e : Estimators()) names += (names.empty() ? "" : ", ") + e.name;
      throw Error(p.path + ": classes." + key + ".estimator: unknown estimator '" + m.estimator + "' (known: " + names +
                  ")");
    }
  };
  check(p.default_class, "default");
  for (const auto& [cls, m] : p.classes) check(m, OpClassName(cls));
}

const EstimatorInfo& Registered(const char* name) { return *FindEstimator(name); }

// One fused layer on a planned platform: the estimator its class names, "free"
// for a lone free op, "memory" for an op odonata does not know. The totals and
// the report both go through here, so they cannot disagree.
struct LayerCost {
  const ClassPlan* plan;
  const EstimatorInfo* estimator;
  Cost cost;
  double dispatch_ms;  // the platform's dispatch x repeat (0 for free layers)
  double ms;           // cost.ms x repeat + dispatch_ms
  double energy_mj;    // W x ms
};

// `share`: the part of the warm saving the layer keeps (0 cold, 1 warm; CacheChoice); `cls`: the
// layer's class on this plan (NchwcFlags::ClassOf).
inline LayerCost CostOf(const FusedLayer& l, OpClass cls, const PlatformPlan& plan, double share) {
  LayerCost c;
  c.plan = &(l.quantized ? plan.quantized : plan.classes)[static_cast<std::size_t>(cls)];
  c.estimator = l.free ? plan.free : l.unknown_op ? plan.memory : c.plan->estimator;
  c.cost = c.estimator->cost(l.facts, *c.plan);
  // Warm caches: the class's factor on its (cold) estimate (WarmModel); a partial
  // state keeps the share h of the saving: cold - h x (cold - warm) = cold x (1 - h x (1 - factor)).
  if (share > 0 && c.plan->warm && !l.free && !l.unknown_op && c.cost.ms > 0) {
    const double factor = WarmFactorOf(l.facts, *c.plan, c.cost.ms);
    c.cost.ms *= share >= 1 ? factor : 1.0 - share * (1.0 - factor);
  }
  // A fused activation's pass over the output (Platform::fused_activation), beyond the conv model;
  // FuseNetwork sets it on float, known, non-free Conv layers only.
  if (l.activation != FusedActivation::kNone) {
    const std::size_t a = static_cast<std::size_t>(l.activation);
    c.cost.ms = WithFusedActivation(c.cost.ms, plan.activation_ns[a], plan.activation_ms[a], l.activation_elems);
  }
  // Every executed kernel pays the runtime's dispatch once per repeat; free ops are not kernels,
  // except those the runtime still runs as nodes (Fusion::dispatched_free_ops): dispatch alone.
  c.dispatch_ms = l.free && !l.free_dispatched ? 0.0 : plan.dispatch_ms * static_cast<double>(l.repeat);
  c.ms = c.cost.ms * static_cast<double>(l.repeat) + c.dispatch_ms;
  c.energy_mj = c.plan->active_power_w * c.ms;  // W x ms = mJ
  return c;
}

// Which layers run NCHWc at the plan's resize_nchwc_block, when the plan prices a Resize by its
// layout: FuseNetwork(network, platform)'s flags when it emulated the layout at that block
// (nothing allocated), else the layout emulated here.
class NchwcFlags {
 public:
  NchwcFlags(const FusedNetwork& fused, const PlatformPlan& plan)
      : fused_(fused), block_(plan.resize_nchwc_block), conv1d_(plan.conv1d) {
    if (block_ > 0 && fused.nchwc_block != block_) own_ = EmulateNchwc(fused.layers, fused.outputs, block_).nchwc;
  }
  // Layer i's class on the plan: conv1d for a float Conv over one spatial dimension when the plan
  // has that class; resize_nchwc for a nearest Resize that runs NCHWc; else its own.
  OpClass ClassOf(std::size_t i) const {
    const FusedLayer& l = fused_.compact[i];
    if (conv1d_ && l.conv1d) return OpClass::kConv1d;
    if (block_ == 0 || !l.nearest_resize) return l.op_class;
    const bool nchwc = own_.empty() ? l.nchwc : static_cast<bool>(own_[i]);
    return nchwc ? OpClass::kResizeNchwc : l.op_class;
  }

 private:
  const FusedNetwork& fused_;
  std::int64_t block_;
  bool conv1d_;
  std::vector<bool> own_;
};

// ONNX Runtime's NCHWc reorders of `fused` on a plan that prices them (ReorderTerm); nullopt
// otherwise. The counts come from FuseNetwork(network, platform) when it emulated the layout at
// the plan's block, else from emulating it here. EstimateTotal and the report both call it.
std::optional<ReorderTerm> ReorderTermOf(const FusedNetwork& fused, const PlatformPlan& plan) {
  if (plan.nchwc_block == 0) return std::nullopt;
  ReorderTerm r;
  r.block = plan.nchwc_block;
  r.counts = fused.nchwc_block == plan.nchwc_block ? fused.reorders
                                                   : EmulateNchwc(fused.layers, fused.outputs, plan.nchwc_block).Counts();
  const ReorderCounts& n = r.counts;
  r.input_ms = static_cast<double>(n.inputs) * plan.reorder_const_ms[0] +
               plan.reorder_ns[0] * 1e-6 * static_cast<double>(n.input_elements);
  r.output_ms = static_cast<double>(n.outputs) * plan.reorder_const_ms[1] +
                plan.reorder_ns[1] * 1e-6 * static_cast<double>(n.output_elements);
  r.dispatch_ms = plan.dispatch_ms * static_cast<double>(n.inputs + n.outputs);
  r.ms = r.input_ms + r.output_ms + r.dispatch_ms;
  r.energy_mj = plan.reorder_power_w * r.ms;  // W x ms = mJ
  return r;
}

// Totals from the layer sums: the overhead is added once and spent at idle power
// (host calls, transfers); the reorders, when priced, once at their power.
// EstimateTotal and the report both end here.
EstimateTotals Totals(double layers_ms, double layers_mj, const PlatformPlan& plan,
                      const std::optional<ReorderTerm>& reorders) {
  EstimateTotals t;
  t.layers_ms = layers_ms;
  t.overhead_ms = plan.overhead_ms;
  t.total_ms = layers_ms + t.overhead_ms;
  t.overhead_energy_mj = plan.idle_power_w * t.overhead_ms;
  t.energy_mj = layers_mj + t.overhead_energy_mj;
  if (reorders) {
    t.reorder_ms = reorders->ms;
    t.total_ms += reorders->ms;
    t.energy_mj += reorders->energy_mj;
  }
  t.avg_power_w = t.total_ms > 0 ? t.energy_mj / t.total_ms : 0.0;
  return t;
}

void CheckFusion(const FusedNetwork& fused, const PlatformPlan& plan) {
  if (fused.fusion_fingerprint != plan.fusion_fingerprint) {
    throw Error(fused.source + ": network was fused with other fusion rules than platform '" + plan.platform +
                "' uses (FuseNetwork with that platform's fusion)");
  }
}

}  // namespace


const char* CacheModeName(CacheMode m) {
  switch (m) {
    case CacheMode::kWarm:
      return "warm";
    case CacheMode::kCold:
      return "cold";
    case CacheMode::kAuto:
      break;
  }
  return "auto";
}

bool ParseCacheMode(const std::string& text, CacheMode* out) {
  for (CacheMode m : {CacheMode::kAuto, CacheMode::kWarm, CacheMode::kCold}) {
    if (text == CacheModeName(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

std::optional<CacheChoice> ChooseCache(const FusedNetwork& fused, const PlatformPlan& plan) {
  if (!plan.warm_models) return std::nullopt;
  CacheChoice c;
  c.weight_bytes = fused.totals.param_bytes;
  c.capacity_bytes = plan.cache_capacity_bytes;
  c.forced = plan.cache_mode != CacheMode::kAuto;
  if (plan.cache_mode == CacheMode::kAuto && plan.cache_share) {
    const CacheShare& s = *plan.cache_share;
    c.share_size = s.size;
    // The layer walk only for a size that needs it: weights are in the totals.
    const NetworkSizes n = s.Size() == ShareSize::kWeights
                               ? NetworkSizes{c.weight_bytes}
                               : NetworkSizesOf(fused, s.Size() == ShareSize::kWeightsPeak);
    c.activation_bytes = n.activation_bytes;
    c.share_x = s.SizeOf(n);
    c.share = s.Share(c.share_x);
    c.warm = *c.share >= 0.5;
    return c;
  }
  c.warm = plan.cache_mode == CacheMode::kWarm ||
           (plan.cache_mode == CacheMode::kAuto && c.capacity_bytes >= 0 && c.weight_bytes <= c.capacity_bytes);
  return c;
}

std::int64_t ExecutedOutputBytes(const FusedNetwork& fused) { return NetworkSizesOf(fused).activation_bytes; }

// One walk over the executed layers for every size.
NetworkSizes NetworkSizesOf(const FusedNetwork& fused, bool with_peak) {
  NetworkSizes n;
  if (with_peak) n.peak_bytes = PeakLiveBytes(fused);
  n.weight_bytes = fused.totals.param_bytes;
  double sum = 0;
  std::int64_t layers = 0;
  for (std::size_t i = 0; i < fused.compact.size() && i < fused.layers.size(); ++i) {
    if (fused.compact[i].free) continue;
    if (!fused.layers[i].outputs.empty()) n.activation_bytes += 4 * NumElements(fused.layers[i].outputs[0].shape);
    const Counts& k = fused.layers[i].counts;
    const std::int64_t bytes = 4 * (k.input_elems + k.output_elems) + k.param_bytes;
    n.max_layer_bytes = std::max(n.max_layer_bytes, bytes);
    sum += static_cast<double>(bytes);
    ++layers;
  }
  n.mean_layer_bytes = layers > 0 ? sum / static_cast<double>(layers) : 0.0;
  return n;
}

std::int64_t PeakLiveBytes(const FusedNetwork& fused) {
  const std::size_t count = std::min(fused.compact.size(), fused.layers.size());
  // Each activation tensor's root (a free layer's output: its input's root), and per root its bytes,
  // the position it becomes live (-1: a graph input, from the start) and its last read.
  struct Live {
    std::int64_t bytes = 0;
    std::ptrdiff_t from = -1, last = -1;
  };
  std::unordered_map<std::string, std::string> root;
  std::unordered_map<std::string, Live> live;
  auto root_of = [&](const std::string& name) {
    const auto it = root.find(name);
    return it == root.end() ? name : it->second;
  };
  const auto is_activation = [](const TensorInfo& t) { return !t.name.empty() && !t.is_weight && !t.is_constant; };
  for (std::size_t i = 0; i < count; ++i) {
    const Layer& layer = fused.layers[i];
    const auto at = static_cast<std::ptrdiff_t>(i);
    const TensorInfo* first_in = nullptr;
    for (const TensorInfo& t : layer.inputs) {
      if (!is_activation(t)) continue;
      if (!first_in) first_in = &t;
      const std::string r = root_of(t.name);
      auto [it, added] = live.try_emplace(r);
      if (added) it->second.bytes = 4 * NumElements(t.shape);  // a graph input, live from the start
      it->second.last = at;
    }
    for (const TensorInfo& t : layer.outputs) {
      if (t.name.empty()) continue;
      if (fused.compact[i].free) {
        if (first_in) root[t.name] = root_of(first_in->name);
        continue;
      }
      Live& l = live[t.name];
      l.bytes = 4 * NumElements(t.shape);
      l.from = at;
      l.last = std::max(l.last, at);
    }
  }
  const auto end = static_cast<std::ptrdiff_t>(count);
  for (const TensorInfo& t : fused.outputs) {
    const auto it = live.find(root_of(t.name));
    if (it != live.end()) it->second.last = end;
  }
  // Live bytes at each position: +bytes from `from` (0 for graph inputs), -bytes after `last`.
  std::vector<std::int64_t> delta(count + 2, 0);
  for (const auto& [name, l] : live) {
    if (l.last < 0) continue;  // never read and not an output: a graph input nobody reads
    delta[static_cast<std::size_t>(std::max<std::ptrdiff_t>(l.from, 0))] += l.bytes;
    delta[static_cast<std::size_t>(std::min(l.last, end) + 1)] -= l.bytes;
  }
  std::int64_t now = 0, peak = 0;
  for (std::size_t i = 0; i < count; ++i) {
    now += delta[i];
    if (!fused.compact[i].free) peak = std::max(peak, now);
  }
  return peak;
}

std::string CacheChoice::StateText() const {
  if (!share) return warm ? "warm" : "cold";
  char text[32];
  std::snprintf(text, sizeof text, "partial %.2f", *share);
  return text;
}

namespace {
// The share of the warm saving a network's layers keep (CostOf): 0 cold, 1 warm.
double Share(const std::optional<CacheChoice>& c) {
  if (!c) return 0.0;
  if (c->share) return *c->share;
  return c->warm ? 1.0 : 0.0;
}

// The share of one layer of class `cls`: in the partial state, the profile's warm classes keep the
// whole saving (CacheShare::warm_classes), the other layers the network's share. Read from the plan,
// not from CacheChoice::warm_classes, which EstimateTotal does not fill (it allocates nothing).
double LayerShare(const PlatformPlan& plan, const std::optional<CacheChoice>& c, double share, OpClass cls) {
  return c && c->share && plan.cache_share && plan.cache_share->IsWarmClass(cls) ? plan.cache_share->WarmClassShare()
                                                                                 : share;
}

// A layer's cost in the network's cache state. The int8 in-network form (CacheInt8, run 28 candidate): in the
// partial state a conv_int8 or dwconv_int8 layer costs a x w^b per repeat, w its warm-end cost, whatever h;
// every other layer (and every layer without the form) CostOf at its LayerShare.
LayerCost LayerCostIn(const FusedLayer& l, OpClass cls, const PlatformPlan& plan, const std::optional<CacheChoice>& c,
                      double share) {
  const bool int8_form = plan.cache_int8 && c && c->share && !l.free && !l.unknown_op &&
                         (cls == OpClass::kConvInt8 || cls == OpClass::kDepthwiseConvInt8);
  if (!int8_form) return CostOf(l, cls, plan, LayerShare(plan, c, share, cls));
  LayerCost cost = CostOf(l, cls, plan, 1.0);
  if (cost.cost.ms > 0) {
    cost.cost.ms = plan.cache_int8->Price(cost.cost.ms);
    cost.ms = cost.cost.ms * static_cast<double>(l.repeat) + cost.dispatch_ms;
    cost.energy_mj = cost.plan->active_power_w * cost.ms;
  }
  return cost;
}
}  // namespace

PlatformPlan::PlatformPlan() = default;
PlatformPlan::~PlatformPlan() = default;
PlatformPlan::PlatformPlan(const PlatformPlan&) = default;
PlatformPlan::PlatformPlan(PlatformPlan&&) noexcept = default;
PlatformPlan& PlatformPlan::operator=(const PlatformPlan&) = default;
PlatformPlan& PlatformPlan::operator=(PlatformPlan&&) noexcept = default;

PlatformPlan PlanPlatform(const Platform& platform, const EstimateOptions& options) {
  const Precision precision = options.precision.value_or(platform.default_precision);
  if (!platform.precisions.count(precision)) {
    std::string have;
    for (const auto& [p, spec] : platform.precisions)
      have += (have.empty() ? "" : ", ") + std::string(PrecisionName(p));
    throw Error("platform '" + platform.name + "' does not support " + PrecisionName(precision) +
                " (supported: " + have + ")");
  }
  CheckEstimators(platform);
  PlatformPlan plan;
  plan.precision = precision;
  plan.platform = platform.DisplayName();
  plan.platform_path = platform.path;
  plan.peak_gops = platform.precisions.at(precision).peak_gops.value;
  plan.bandwidth_gbps = platform.precisions.at(precision).bandwidth_gbps.value;
  plan.overhead_ms = platform.overhead_ms.value;
  plan.dispatch_ms = platform.dispatch_ms ? platform.dispatch_ms->value : 0.0;
  plan.nchwc_block = ReorderBlock(platform);
  if (plan.nchwc_block > 0) {
    plan.reorder_const_ms = {platform.nchwc->reorder_input->const_ms, platform.nchwc->reorder_output->const_ms};
    plan.reorder_ns = {platform.nchwc->reorder_input->ns_per_element, platform.nchwc->reorder_output->ns_per_element};
    // A reorder is a copy between layouts: charged as an element-wise kernel, as its dispatch is.
    plan.reorder_power_w = platform.ActivePowerW(OpClass::kEltwise);
  }
  plan.resize_nchwc_block = ResizeNchwcBlock(platform);
  plan.conv1d = platform.classes.count(OpClass::kConv1d) > 0;
  plan.idle_power_w = platform.idle_power_w.value;
  for (const auto& [activation, cost] : platform.fused_activation) {
    plan.activation_ns[static_cast<std::size_t>(activation)] = cost.value;
    plan.activation_ms[static_cast<std::size_t>(activation)] = cost.constant_ms;
  }
  plan.fusion_fingerprint = FusionFingerprint(platform.fusion);
  plan.free = &Registered("free");
  plan.memory = &Registered("memory");
  const bool int8 = platform.precisions.count(Precision::kInt8) > 0;
  plan.quantized_precision = int8 ? Precision::kInt8 : precision;
  plan.quantized_peak_gops = platform.precisions.at(plan.quantized_precision).peak_gops.value;
  plan.quantized_bandwidth_gbps = platform.precisions.at(plan.quantized_precision).bandwidth_gbps.value;
  auto plan_class = [&](OpClass c, Precision at) {
    const ClassModel& model = platform.ModelFor(c);
    ClassPlan cp = PlanClass(platform, model, at, *FindEstimator(model.estimator));
    if (model.interval) {
      cp.interval_low = model.interval->low;
      cp.interval_high = model.interval->high;
      cp.interval_level = model.interval->level;
    }
    return cp;
  };
  plan.classes.resize(static_cast<std::size_t>(OpClass::kUnknown) + 1);
  plan.quantized.resize(plan.classes.size());
  for (OpClass c : AllOpClasses()) {
    // The int8 classes run at int8 whatever the network's precision, where the platform has int8;
    // so does every quantized layer (quantization.h), whatever its class.
    const std::size_t k = static_cast<std::size_t>(c);
    plan.classes[k] = plan_class(c, IsInt8Class(c) ? plan.quantized_precision : precision);
    plan.quantized[k] = plan.quantized_precision == plan.classes[k].precision
                            ? plan.classes[k]
                            : plan_class(c, plan.quantized_precision);
  }
  // A class without an interval of its own (no sweep rows: softmax, reduce,
  // unknown ops, the default class) takes the widest of the profile's class
  // intervals, so that a network's "classes" interval covers every layer
  // (docs/report-format.md "Trust").
  double widest_low = 0, widest_high = 0, widest_level = 0;
  for (const ClassPlan& cp : plan.classes) {
    if (!(cp.interval_low > 0)) continue;
    widest_low = widest_low > 0 ? std::min(widest_low, cp.interval_low) : cp.interval_low;
    widest_high = std::max(widest_high, cp.interval_high);
    widest_level = widest_level > 0 ? std::min(widest_level, cp.interval_level) : cp.interval_level;
  }
  if (widest_low > 0) {
    for (std::vector<ClassPlan>* plans : {&plan.classes, &plan.quantized}) {
      for (ClassPlan& cp : *plans) {
        if (cp.interval_low > 0) continue;
        cp.interval_low = widest_low;
        cp.interval_high = widest_high;
        cp.interval_level = widest_level;
      }
    }
  }
  plan.interval = platform.interval;
  plan.validation = platform.validation;
  plan.cache_mode = options.cache;
  for (const ClassPlan& cp : plan.classes) plan.warm_models = plan.warm_models || cp.warm.has_value();
  for (const ClassPlan& cp : plan.quantized) plan.warm_models = plan.warm_models || cp.warm.has_value();
  plan.cache_capacity_bytes = platform.cache ? platform.cache->capacity_bytes : -1;
  if (platform.cache) plan.cache_share = platform.cache->share;
  if (platform.cache && platform.cache->share) plan.cache_int8 = platform.cache->int8;
  if (options.cache == CacheMode::kWarm && !plan.warm_models) {
    throw Error("--cache warm: platform '" + platform.name + "' has no warm class models (fit it from sweep rows with "
                "warm_ms: docs/host-cost-model.md \"Cache state\")");
  }
  return plan;
}

EstimateTotals EstimateTotal(const FusedNetwork& fused, const PlatformPlan& plan) {
  CheckFusion(fused, plan);
  const std::optional<CacheChoice> cache = ChooseCache(fused, plan);
  const double share = Share(cache);
  const NchwcFlags nchwc(fused, plan);
  double sum = 0, energy = 0;
  for (std::size_t i = 0; i < fused.compact.size(); ++i) {
    const OpClass cls = nchwc.ClassOf(i);
    const LayerCost c = LayerCostIn(fused.compact[i], cls, plan, cache, share);
    sum += c.ms;
    energy += c.energy_mj;
  }
  return Totals(sum, energy, plan, ReorderTermOf(fused, plan));
}

Int8ConvSplit SplitInt8Convolutions(const FusedNetwork& fused, const PlatformPlan& with_form) {
  PlatformPlan plan = with_form;
  plan.cache_int8.reset();
  Int8ConvSplit split;
  split.total_ms = EstimateTotal(fused, plan).total_ms;
  const std::optional<CacheChoice> cache = ChooseCache(fused, plan);
  if (!cache || !cache->share) return split;
  const double share = Share(cache);
  const NchwcFlags nchwc(fused, plan);
  for (std::size_t i = 0; i < fused.compact.size(); ++i) {
    const FusedLayer& l = fused.compact[i];
    const OpClass cls = nchwc.ClassOf(i);
    if (l.free || l.unknown_op || (cls != OpClass::kConvInt8 && cls != OpClass::kDepthwiseConvInt8)) continue;
    const LayerCost now = CostOf(l, cls, plan, LayerShare(plan, cache, share, cls));
    split.int8_current_ms += now.cost.ms * static_cast<double>(l.repeat);
    const double warm = CostOf(l, cls, plan, 1.0).cost.ms;
    for (std::int64_t r = 0; r < l.repeat; ++r) split.int8_warm_ms.push_back(warm);
  }
  return split;
}

namespace {

// A fitted profile used outside what was measured, one line each: classes
// whose fit lacks the precision asked for (their fallback estimator ran), and
// most of the time coming from layers outside the fitted sizes.
// Unfitted classes by the plan they ran with (the network's or the quantized layers').
using Unfitted = std::map<std::pair<Precision, OpClass>, std::pair<const ClassPlan*, int>>;

void AddFitWarnings(Report& report, const Unfitted& unfitted, int extrapolated, double extrapolated_ms,
                    double layers_ms) {
  // One line per precision: the network's first, then int8 for quantized layers.
  std::vector<Precision> order;
  for (const auto& [key, value] : unfitted) {
    if (std::find(order.begin(), order.end(), key.first) == order.end()) order.push_back(key.first);
  }
  std::stable_partition(order.begin(), order.end(), [&](Precision p) { return p == report.precision; });
  for (Precision precision : order) {
    std::string classes;
    for (const auto& [key, value] : unfitted) {
      if (key.first != precision) continue;
      const ClassPlan& c = *value.first;
      classes += (classes.empty() ? "" : "; ") + std::string(OpClassName(key.second)) + " x" +
                 std::to_string(value.second) + " (fitted for " +
                 (c.fitted_precisions.empty() ? "no precision" : c.fitted_precisions) + ", ran " + c.estimator->name +
                 ")";
    }
    report.warnings.push_back(std::string("the profile's fits do not cover ") + PrecisionName(precision) +
                              ", the fallback estimated these layers: " + classes);
  }
  if (layers_ms > 0 && extrapolated_ms > kExtrapolatedWarnFraction * layers_ms) {
    char share[16];
    std::snprintf(share, sizeof share, "%.0f%%", 100.0 * extrapolated_ms / layers_ms);
    report.warnings.push_back(std::string(share) + " of the layer time comes from " + std::to_string(extrapolated) +
                              " of " + std::to_string(report.rows.size()) +
                              " layers outside the sizes the fit was measured on (flag extrapolated): "
                              "measure configurations like them (odonata sweep --around)");
  }
}

// The report of `fused`; its layers are moved into the rows when `steal` is set.
Report BuildReport(const FusedNetwork& fused, const PlatformPlan& plan, std::vector<Layer>* steal) {
  CheckFusion(fused, plan);
  Report report;
  report.model = fused.name;
  report.model_path = fused.source;
  report.platform = plan.platform;
  report.platform_path = plan.platform_path;
  report.precision = plan.precision;
  report.peak_gops = plan.peak_gops;
  report.bandwidth_gbps = plan.bandwidth_gbps;
  report.totals = fused.totals;
  report.nodes = fused.nodes;
  report.warnings = fused.warnings;
  report.overhead_ms = plan.overhead_ms;
  report.cache = ChooseCache(fused, plan);
  if (report.cache && report.cache->share && plan.cache_share) {
    report.cache->warm_classes = plan.cache_share->warm_classes;
    report.cache->warm_class_share = plan.cache_share->warm_class_share;
  }
  const double share = Share(report.cache);
  report.reorders = ReorderTermOf(fused, plan);  // before the loop, which may steal the layers
  const NchwcFlags nchwc(fused, plan);  // likewise

  std::map<std::string, int> unknown;
  Unfitted unfitted;  // step_linear and trees classes without a model for the precision they ran at
  double extrapolated_ms = 0;
  int extrapolated = 0;
  std::int64_t all_macs = 0;  // of the rows, repeats included
  report.quantization.forms = fused.quantization_forms;
  double sum = 0, energy = 0, dispatch = 0;
  double class_low = 0, class_high = 0;  // the "classes" interval of the layer sum
  bool every_class_has_interval = true;
  double level = 1.0;  // the lowest level of the class intervals used
  bool any_class_interval = false;
  report.rows.reserve(fused.layers.size());
  for (std::size_t i = 0; i < fused.layers.size(); ++i) {
    const Layer& layer = fused.layers[i];
    const FusedLayer& l = fused.compact[i];
    const OpClass cls = nchwc.ClassOf(i);
    const LayerCost c = LayerCostIn(l, cls, plan, report.cache, share);
    // Never dropped: an unknown op is costed as the traffic it causes, and flagged.
    if (!l.free && l.unknown_op) ++unknown[layer.domain.empty() ? layer.op_type : layer.domain + "." + layer.op_type];
    ReportRow row;
    row.estimate.ms = c.cost.ms;
    row.estimate.bound = c.cost.bound;
    row.estimate.ops = static_cast<double>(l.facts.flops);
    row.estimate.bytes = static_cast<double>(CheckedMul(l.facts.traffic_elems, c.plan->bytes_per_element));
    row.estimate.utilisation = c.cost.utilisation;
    row.estimate.estimator = c.estimator->name;
    row.estimate.extrapolated = c.cost.extrapolated;
    row.ms = c.ms;
    row.energy_mj = c.energy_mj;
    if (layer.unknown_op) row.flags.push_back("unknown_op");
    if (layer.data_dependent) row.flags.push_back("data_dependent");
    if (c.cost.host) row.flags.push_back("host");
    if (row.estimate.extrapolated) {
      row.flags.push_back("extrapolated");
      extrapolated_ms += c.ms;
      ++extrapolated;
    }
    if (!l.free && !l.unknown_op && c.plan->fit_missing) {
      auto& [class_plan, count] = unfitted[{c.plan->precision, cls}];
      class_plan = c.plan;
      ++count;
    }
    row.precision = c.plan->precision;
    row.quantized = l.quantized;
    all_macs = CheckedAdd(all_macs, CheckedMul(layer.counts.macs, layer.repeat));
    if (l.quantized) {
      ++report.quantization.layers;
      report.quantization.macs = CheckedAdd(report.quantization.macs, CheckedMul(layer.counts.macs, layer.repeat));
    }
    // Not `steal ? std::move(...) : layer`: a conditional of a `Layer&&` and a
    // `const Layer&` is a const copy, and would copy every layer.
    if (steal) {
      row.layer = std::move((*steal)[i]);
    } else {
      row.layer = layer;
    }
    row.layer.op_class = cls;  // resize_nchwc where the plan priced it so
    if (c.ms > 0 && !(c.plan->interval_low > 0)) every_class_has_interval = false;
    if (c.ms > 0 && c.plan->interval_low > 0) {
      level = std::min(level, c.plan->interval_level);
      any_class_interval = true;
    }
    class_low += c.ms * c.plan->interval_low;
    class_high += c.ms * c.plan->interval_high;
    sum += row.ms;
    dispatch += c.dispatch_ms;
    energy += row.energy_mj;
    report.rows.push_back(std::move(row));
  }
  const EstimateTotals t = Totals(sum, energy, plan, report.reorders);
  report.total_ms = t.total_ms;
  report.dispatch_ms = dispatch;
  report.overhead_energy_mj = t.overhead_energy_mj;
  report.energy_mj = t.energy_mj;
  report.avg_power_w = t.avg_power_w;
  for (ReportRow& row : report.rows) {
    row.percent = report.total_ms > 0 ? 100.0 * row.ms / report.total_ms : 0.0;
  }
  report.validation = plan.validation;
  if (plan.interval) {
    report.interval = EstimateInterval{plan.interval->level, report.total_ms * plan.interval->low,
                                       report.total_ms * plan.interval->high, "profile", plan.interval->rows};
  } else if (every_class_has_interval && any_class_interval) {
    // The reorders, like the overhead, at their estimate (no class interval of their own).
    const double fixed = report.reorders ? t.overhead_ms + report.reorders->ms : t.overhead_ms;
    report.interval = EstimateInterval{level, fixed + class_low, fixed + class_high, "classes", 0};
  }
  if (!unknown.empty()) {
    std::string ops;
    for (const auto& [op, count] : unknown) ops += (ops.empty() ? "" : ", ") + op + " x" + std::to_string(count);
    report.warnings.push_back("ops odonata does not know were estimated as memory-bound copies and flagged: " + ops);
  }
  QuantizationSummary& q = report.quantization;
  if (q.layers > 0) {
    q.precision = plan.quantized_precision;
    q.peak_gops = plan.quantized_peak_gops;
    q.bandwidth_gbps = plan.quantized_bandwidth_gbps;
    q.macs_percent = all_macs > 0 ? 100.0 * static_cast<double>(q.macs) / static_cast<double>(all_macs) : 0.0;
    if (plan.quantized_precision != Precision::kInt8) {
      char share[32];
      std::snprintf(share, sizeof share, "%.0f%%", q.macs_percent);
      report.warnings.push_back(std::to_string(q.layers) + (q.layers == 1 ? " int8 layer (" : " int8 layers (") +
                                share + " of MACs) estimated at " +
                                PrecisionName(plan.quantized_precision) + ": platform " + plan.platform +
                                " has no int8 precision");
    }
  }
  AddFitWarnings(report, unfitted, extrapolated, extrapolated_ms, sum);
  return report;
}

}  // namespace

Report EstimateNetwork(const FusedNetwork& fused, const PlatformPlan& plan) {
  return BuildReport(fused, plan, nullptr);
}

Report EstimateNetwork(const Network& net, const Platform& platform, const EstimateOptions& options) {
  // Planned first: an unsupported precision or unknown estimator is reported
  // before any fusion work, as before the loop API existed.
  PlatformPlan plan = PlanPlatform(platform, options);
  FusedNetwork fused = FuseNetwork(net, platform);
  const PrecisionFallback* fallback = FallbackFor(platform, plan.precision, fused);
  if (fallback) {
    EstimateOptions at = options;
    at.precision = fallback->to;
    plan = PlanPlatform(platform, at);
  }
  Report report = BuildReport(fused, plan, &fused.layers);
  if (fallback) {
    report.warnings.push_back(std::string("asked for ") + PrecisionName(fallback->from) + ", estimated at " +
                              PrecisionName(fallback->to) + ": the profile's precision_fallback runs a network with " +
                              OpClassName(fallback->if_class) + " layers at " + PrecisionName(fallback->to));
  }
  return report;
}

const PrecisionFallback* FallbackFor(const Platform& platform, Precision asked, const FusedNetwork& fused) {
  for (const PrecisionFallback& f : platform.precision_fallback) {
    if (f.from != asked) continue;
    for (const Layer& l : fused.layers) {
      if (l.op_class == f.if_class) return &f;
    }
  }
  return nullptr;
}

}  // namespace odonata
