// The partial cache state (docs/host-cost-model.md section 7, "Partial cache
// state"): the share h of the warm models' saving a network keeps, as a
// function of its weights, fitted from synthetic networks timed warm and cold.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fit_util.h"
#include "layer_cost.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/fit.h"
#include "odonata/fusion.h"
#include "odonata/model.h"
#include "text.h"

namespace odonata {
namespace {

// dw: the depthwise convolutions' share in the form kLevelDwShare (1 in kLevelWarmDw; unused otherwise).
struct Point {
  double ln_half = 0, ln_slope = 0, dw = 1.0;
};

double ShareAt(const Point& p, double x) {
  return 1.0 / (1.0 + std::exp(std::exp(p.ln_slope) * (std::log(x) - p.ln_half)));
}

// The forms of the share (CacheShareCandidate): ratio (runs 11-24), level, level with the depthwise
// convolutions warm, level with the depthwise convolutions at their own fitted share (run 26), level
// with the depthwise and the int8 convolutions warm (run 27).
enum class Form { kRatio, kLevel, kLevelWarmDw, kLevelDwShare, kLevelWarmDwInt8 };

// The estimate at h: from the cold estimate towards the warm one; with the depthwise forms the
// depthwise saving (cold - dw_warm estimate) taken at `dw` (1: warm) and the others' at h.
double LevelEstimate(const CacheChainRow& r, double h, Form form, double dw) {
  if (form == Form::kLevelWarmDw) return r.dw_warm_est_ms - h * (r.dw_warm_est_ms - r.warm_est_ms);
  if (form == Form::kLevelWarmDwInt8) return r.dwq_warm_est_ms - h * (r.dwq_warm_est_ms - r.warm_est_ms);
  if (form == Form::kLevelDwShare) {
    return r.cold_est_ms - h * (r.dw_warm_est_ms - r.warm_est_ms) - dw * (r.cold_est_ms - r.dw_warm_est_ms);
  }
  return r.cold_est_ms - h * (r.cold_est_ms - r.warm_est_ms);
}

// Sum of squares over the rows `use` selects: ratio, ln(1 - h g) - ln m; level, ln of the estimate
// at h - ln warm_ms.
double Loss(Form form, const Point& p, const std::vector<CacheChainRow>& rows, const std::vector<double>& xs,
            const std::vector<bool>& use) {
  double s = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!use[i]) continue;
    const CacheChainRow& r = rows[i];
    double d;
    if (form == Form::kRatio) {
      const double g = 1.0 - r.warm_est_ms / r.cold_est_ms;
      d = std::log(1.0 - ShareAt(p, xs[i]) * g) - std::log(r.warm_ms / r.cold_ms);
    } else {
      d = std::log(LevelEstimate(r, ShareAt(p, xs[i]), form, p.dw)) - std::log(r.warm_ms);
    }
    s += d * d;
  }
  return s;
}

// The grid's bounds: half_bytes 100 B to 100 GB, slope 0.02 to 10 (ln), coarse
// steps 0.1 and 0.0625; then three grids of 21 x 21 points, each spanning two
// steps of the one before on either side, ten times finer. Ties keep the first
// point met (smaller half, then smaller slope): deterministic.
constexpr double kLnHalfLo = 4.605170185988092, kLnHalfHi = 25.328436022934504;  // ln 1e2, ln 1e11
constexpr double kLnSlopeLo = -3.912023005428146, kLnSlopeHi = 2.302585092994046;  // ln 0.02, ln 10

// Every point of the grid [a0, a1] x [b0, b1] (steps da, db) at best.dw that lowers best_loss
// becomes best (ties keep the point met first).
void Scan(Form form, const std::vector<CacheChainRow>& rows, const std::vector<double>& xs,
          const std::vector<bool>& use, double a0, double a1, double da, double b0, double b1, double db,
          Point& best, double& best_loss) {
  const double dw = best.dw;
  for (double a = a0; a <= a1 + 1e-12; a += da) {
    for (double b = b0; b <= b1 + 1e-12; b += db) {
      const Point p{a, b, dw};
      const double l = Loss(form, p, rows, xs, use);
      if (l < best_loss) {
        best_loss = l;
        best = p;
      }
    }
  }
}

// Around best, after a grid of steps da and db: the three grids of 21 x 21 points, each spanning
// two steps of the one before on either side, ten times finer.
void Polish(Form form, const std::vector<CacheChainRow>& rows, const std::vector<double>& xs,
            const std::vector<bool>& use, double da, double db, Point& best, double& best_loss) {
  for (int round = 0; round < 3; ++round) {
    const Point c = best;
    Scan(form, rows, xs, use, std::max(kLnHalfLo, c.ln_half - 2 * da), std::min(kLnHalfHi, c.ln_half + 2 * da), da / 5,
         std::max(kLnSlopeLo, c.ln_slope - 2 * db), std::min(kLnSlopeHi, c.ln_slope + 2 * db), db / 5, best, best_loss);
    da /= 10;
    db /= 10;
  }
}

Point Minimize(Form form, const std::vector<CacheChainRow>& rows, const std::vector<double>& xs,
               const std::vector<bool>& use, double dw = 1.0) {
  Point best{kLnHalfLo, kLnSlopeLo, dw};
  double best_loss = Loss(form, best, rows, xs, use);
  const double da = 0.1, db = 0.0625;
  Scan(form, rows, xs, use, kLnHalfLo, kLnHalfHi, da, kLnSlopeLo, kLnSlopeHi, db, best, best_loss);
  Polish(form, rows, xs, use, da, db, best, best_loss);
  return best;
}

// Around a point at a fixed dw: two steps of the coarse grid on either side (ln half +/- 0.2, ln slope
// +/- 0.125, steps 0.1 and 0.0625), then the three finer grids of Minimize.
Point Refine(Form form, const std::vector<CacheChainRow>& rows, const std::vector<double>& xs,
             const std::vector<bool>& use, Point best) {
  double best_loss = Loss(form, best, rows, xs, use);
  const double da = 0.1, db = 0.0625;
  const Point c = best;
  Scan(form, rows, xs, use, std::max(kLnHalfLo, c.ln_half - 2 * da), std::min(kLnHalfHi, c.ln_half + 2 * da), da,
       std::max(kLnSlopeLo, c.ln_slope - 2 * db), std::min(kLnSlopeHi, c.ln_slope + 2 * db), db, best, best_loss);
  Polish(form, rows, xs, use, da, db, best, best_loss);
  return best;
}

// The form "level, depthwise share" (run 26): h's half and slope and the depthwise share h_dw in
// [0, 1], by alternation from h_dw = 1 (run 25's form): the grid search of Minimize at h_dw = 1; then,
// until nothing moves (at most 60 rounds), h_dw on grids of 0.01, 0.001 and 0.0001 around it
// at the fixed half and slope, and half and slope refined around the point at the fixed h_dw.
// Deterministic (ties keep the point met first).
Point MinimizeDwShare(const std::vector<CacheChainRow>& rows, const std::vector<double>& xs,
                      const std::vector<bool>& use) {
  Point best = Minimize(Form::kLevelDwShare, rows, xs, use, 1.0);
  double best_loss = Loss(Form::kLevelDwShare, best, rows, xs, use);
  for (int round = 0; round < 60; ++round) {
    const Point start = best;
    Point p = best;
    auto scan = [&](double lo, double hi, double step) {
      for (double v = lo; v <= hi + 1e-12; v += step) {
        p.dw = std::clamp(v, 0.0, 1.0);
        const double l = Loss(Form::kLevelDwShare, p, rows, xs, use);
        if (l < best_loss) {
          best_loss = l;
          best = p;
        }
      }
      p = best;
    };
    scan(0.0, 1.0, 0.01);
    scan(std::max(0.0, best.dw - 0.01), std::min(1.0, best.dw + 0.01), 0.001);
    scan(std::max(0.0, best.dw - 0.001), std::min(1.0, best.dw + 0.001), 0.0001);
    best = Refine(Form::kLevelDwShare, rows, xs, use, best);
    best_loss = Loss(Form::kLevelDwShare, best, rows, xs, use);
    if (best.dw == start.dw && best.ln_half == start.ln_half && best.ln_slope == start.ln_slope) break;
  }
  return best;
}

double PredictWarm(const CacheChainRow& r, double h) {
  return r.cold_ms * (1.0 - h * (1.0 - r.warm_est_ms / r.cold_est_ms));
}

}  // namespace

CacheShareFit FitCacheShare(std::vector<CacheChainRow> rows, const std::string& provenance) {
  if (rows.size() < kMinFitRows) {
    throw Error("fit: --cache-chains: " + std::to_string(rows.size()) + " networks, at least " +
                std::to_string(kMinFitRows) + " are needed");
  }
  for (const CacheChainRow& r : rows) {
    if (!(r.weight_bytes > 0 && r.cold_est_ms > 0 && r.warm_est_ms > 0 && r.cold_ms > 0 && r.warm_ms > 0)) {
      throw Error("fit: --cache-chains: " + r.model + ": weights, estimates and times must be > 0");
    }
    if (r.warm_est_ms > r.cold_est_ms) {
      throw Error("fit: --cache-chains: " + r.model + ": its warm estimate is above its cold one");
    }
    if (r.dw_warm_est_ms > 0 && !(r.dw_warm_est_ms >= r.warm_est_ms && r.dw_warm_est_ms <= r.cold_est_ms)) {
      throw Error("fit: --cache-chains: " + r.model + ": its estimate with the depthwise convolutions warm is "
                  "not between its warm and cold ones");
    }
    if (r.dwq_warm_est_ms > 0 && !(r.dwq_warm_est_ms >= r.warm_est_ms && r.dwq_warm_est_ms <= r.dw_warm_est_ms)) {
      throw Error("fit: --cache-chains: " + r.model + ": its estimate with the depthwise and int8 convolutions warm "
                  "is not between its warm one and the one with the depthwise warm");
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const CacheChainRow& a, const CacheChainRow& b) { return a.weight_bytes < b.weight_bytes; });
  const std::size_t n = rows.size();
  // The size variables (CacheShare::size): activations only when every row has them.
  const bool with_activations =
      std::all_of(rows.begin(), rows.end(), [](const CacheChainRow& r) { return r.activation_bytes > 0; });
  std::vector<double> warm(n), cold(n), full(n);
  for (std::size_t i = 0; i < n; ++i) {
    warm[i] = rows[i].warm_ms;
    cold[i] = rows[i].cold_ms;
    full[i] = PredictWarm(rows[i], 1.0);
  }
  // The level forms with the depthwise convolutions warm: when every row has that estimate.
  const bool with_dw = std::all_of(rows.begin(), rows.end(), [](const CacheChainRow& r) { return r.dw_warm_est_ms > 0; });
  // With the int8 convolutions warm too (run 27): when every row has that estimate and some row's int8
  // convolutions have a saving (otherwise the form equals "level, depthwise warm").
  const bool with_int8 =
      with_dw &&
      std::all_of(rows.begin(), rows.end(), [](const CacheChainRow& r) { return r.dwq_warm_est_ms > 0; }) &&
      std::any_of(rows.begin(), rows.end(), [](const CacheChainRow& r) { return r.dwq_warm_est_ms < r.dw_warm_est_ms; });
  CacheShareFit fit;
  CacheShare& m = fit.model;
  // One candidate and its h per row: fitted on every row and on every row but one (leave one out).
  struct Fitted {
    CacheShareCandidate c;
    std::vector<double> share;
  };
  auto candidate = [&](Form form, ShareSize size) {
    std::vector<double> xs(n);
    for (std::size_t i = 0; i < n; ++i) xs[i] = ShareSizeOf(size, rows[i].Sizes());
    auto fit_on = [&](const std::vector<bool>& use) {
      return form == Form::kLevelDwShare ? MinimizeDwShare(rows, xs, use) : Minimize(form, rows, xs, use);
    };
    const Point all = fit_on(std::vector<bool>(n, true));
    const Form level_form = form == Form::kRatio ? Form::kLevel : form;
    Fitted f;
    f.share.resize(n);
    std::vector<double> in_sample(n), cv(n), level_in(n), level_cv(n);
    for (std::size_t i = 0; i < n; ++i) {
      f.share[i] = ShareAt(all, xs[i]);
      std::vector<bool> use(n, true);
      use[i] = false;
      const Point out = fit_on(use);
      const double h_out = ShareAt(out, xs[i]);
      level_in[i] = LevelEstimate(rows[i], f.share[i], level_form, all.dw);
      level_cv[i] = LevelEstimate(rows[i], h_out, level_form, out.dw);
      if (form == Form::kRatio) {
        in_sample[i] = PredictWarm(rows[i], f.share[i]);
        cv[i] = PredictWarm(rows[i], h_out);
      }
    }
    CacheShareCandidate& c = f.c;
    c.size = size;
    c.half_bytes = std::exp(all.ln_half);
    c.slope = std::exp(all.ln_slope);
    c.criterion = form == Form::kRatio ? "ratio" : "level";
    c.warm_dw = form == Form::kLevelWarmDw || form == Form::kLevelDwShare || form == Form::kLevelWarmDwInt8;
    c.warm_int8 = form == Form::kLevelWarmDwInt8;
    if (form == Form::kLevelDwShare) c.dw_share = all.dw;
    c.level_mape = fit::PredictionStats(warm, level_in).mape;
    c.level_cv_mape = fit::PredictionStats(warm, level_cv).mape;
    c.mape = form == Form::kRatio ? fit::PredictionStats(warm, in_sample).mape : c.level_mape;
    c.cv_mape = form == Form::kRatio ? fit::PredictionStats(warm, cv).mape : c.level_cv_mape;
    return f;
  };
  // The size variables a row set allows: activations (and their sum) when every row has them, the
  // layer footprints when every row has them.
  const bool with_layers = std::all_of(rows.begin(), rows.end(), [](const CacheChainRow& r) {
    return r.max_layer_bytes > 0 && r.mean_layer_bytes > 0;
  });
  // weights+peak (run 28 on): when every row has its peak.
  const bool with_peak = std::all_of(rows.begin(), rows.end(), [](const CacheChainRow& r) { return r.peak_bytes > 0; });
  auto fitted_size = [&](ShareSize size) {
    if (size == ShareSize::kWeights) return true;
    if (size == ShareSize::kWeightsPeak) return with_peak;
    if (size == ShareSize::kMaxLayer || size == ShareSize::kMeanLayer) return with_layers;
    return with_activations;
  };
  // Run 25's candidates: the first three sizes, the forms ratio, level, level with the depthwise warm.
  auto run25 = [](ShareSize size, Form form) {
    return form != Form::kLevelDwShare && size != ShareSize::kMaxLayer && size != ShareSize::kMeanLayer &&
           size != ShareSize::kWeightsPeak;
  };
  std::vector<Fitted> ratio_fits, level_fits;
  std::vector<bool> ratio_run25, level_run25;
  for (std::size_t k = 0; k < std::size(kShareSizes); ++k) {
    const ShareSize size = kShareSizes[k];
    if (!fitted_size(size)) continue;
    ratio_fits.push_back(candidate(Form::kRatio, size));
    ratio_run25.push_back(run25(size, Form::kRatio));
    m.cv_mape_by_size[k] = ratio_fits.back().c.cv_mape;
  }
  for (Form form : {Form::kLevel, Form::kLevelWarmDw, Form::kLevelDwShare, Form::kLevelWarmDwInt8}) {
    if (form != Form::kLevel && !with_dw) continue;
    if (form == Form::kLevelWarmDwInt8 && !with_int8) continue;
    for (const ShareSize size : kShareSizes) {
      if (!fitted_size(size)) continue;
      level_fits.push_back(candidate(form, size));
      level_run25.push_back(run25(size, form));
    }
  }
  // The declared choice (CacheShareFit): among run 25's candidates, the ratio form of the lowest
  // leave-one-out warm MAPE (ties keep the first, weights), unless the candidate of the lowest
  // level_cv_mape of them (ties: the first met, ratio before level) is at least 10% below that ratio
  // form's; then (run 26) the candidate of the lowest level_cv_mape of all, if at least 10% below that
  // (run 27: "all" with the form "level, depthwise and int8 warm" when fitted).
  const Fitted* chosen = &ratio_fits[0];
  for (std::size_t k = 0; k < ratio_fits.size(); ++k) {
    if (ratio_run25[k] && ratio_fits[k].c.cv_mape < chosen->c.cv_mape) chosen = &ratio_fits[k];
  }
  auto lowest = [&](const Fitted* start, bool only_run25) {
    const Fitted* best = start;
    for (std::size_t k = 0; k < ratio_fits.size(); ++k) {
      if ((ratio_run25[k] || !only_run25) && ratio_fits[k].c.level_cv_mape < best->c.level_cv_mape) best = &ratio_fits[k];
    }
    for (std::size_t k = 0; k < level_fits.size(); ++k) {
      if ((level_run25[k] || !only_run25) && level_fits[k].c.level_cv_mape < best->c.level_cv_mape) best = &level_fits[k];
    }
    return best;
  };
  if (const Fitted* best = lowest(chosen, true); best->c.level_cv_mape <= 0.9 * chosen->c.level_cv_mape) chosen = best;
  if (const Fitted* best = lowest(chosen, false); best->c.level_cv_mape <= 0.9 * chosen->c.level_cv_mape) chosen = best;
  const CacheShareCandidate& c = chosen->c;
  m.size = c.size;
  m.half_bytes = c.half_bytes;
  m.slope = c.slope;
  m.mape = c.mape;
  m.cv_mape = c.cv_mape;
  m.level_cv_mape = c.level_cv_mape;
  m.criterion = c.criterion;
  if (c.warm_dw) m.warm_classes.push_back(OpClass::kDepthwiseConv);
  if (c.warm_int8) {
    m.warm_classes.push_back(OpClass::kConvInt8);
    m.warm_classes.push_back(OpClass::kDepthwiseConvInt8);
  }
  m.warm_class_share = c.dw_share;
  fit.share = chosen->share;
  for (const Fitted& f : ratio_fits) fit.candidates.push_back(f.c);
  for (const Fitted& f : level_fits) fit.level_candidates.push_back(f.c);
  m.rows = static_cast<std::int64_t>(n);
  m.cold_mape = fit::PredictionStats(warm, cold).mape;
  m.warm_mape = fit::PredictionStats(warm, full).mape;
  char text[300];
  const bool level = m.criterion == "level";
  std::snprintf(text, sizeof text,
                "%zu networks of %.3g-%.3g MB of weights timed warm and cold; least squares of %s; "
                "size %s, of %zu, by the lowest leave-one-out CV%s",
                n, static_cast<double>(rows.front().weight_bytes) / 1e6, static_cast<double>(rows.back().weight_bytes) / 1e6,
                level ? "ln(estimate at h / warm)" : "ln(warm/cold)", ShareSizeName(*m.size),
                fit.candidates.size() + fit.level_candidates.size(),
                level ? (m.warm_classes.empty()        ? " of the estimate"
                         : m.warm_class_share       ? " of the estimate; depthwise convolutions at their own share"
                         : m.warm_classes.size() > 1 ? " of the estimate; depthwise and int8 convolutions warm"
                                                     : " of the estimate; depthwise convolutions warm")
                      : "");
  m.source = provenance + " (odonata fit --cache-chains: " + text + ")";
  fit.rows = std::move(rows);
  return fit;
}

CacheShareFit FitCacheChains(std::string_view csv_text, const std::string& origin, const std::string& models_dir,
                             const Platform& platform, const std::string& provenance) {
  text::CsvReader reader(csv_text, origin);
  text::CsvRecord header;
  if (!reader.Next(&header)) throw Error(origin + ": empty file (expected tools/ort/cache_state.js output)");
  auto column = [&](const char* name) {
    return fit::RequireColumn(header, origin, name, "tools/ort/cache_state.js output: model, warm_ms, cold_ms");
  };
  const std::size_t model = column("model"), warm = column("warm_ms"), cold = column("cold_ms");
  EstimateOptions at_cold, at_warm;
  at_cold.cache = CacheMode::kCold;
  at_warm.cache = CacheMode::kWarm;
  PlatformPlan plan_cold, plan_warm;
  try {
    plan_cold = PlanPlatform(platform, at_cold);
    plan_warm = PlanPlatform(platform, at_warm);
  } catch (const Error& e) {
    throw Error(origin + ": --cache-chains needs a profile with warm class models (sweep rows with warm_ms): " +
                e.what());
  }
  // The depthwise convolutions warm, every other layer cold: the warm plan without the other classes'
  // warm models (float depthwise only; the level form with warm classes, CacheShare::warm_classes).
  std::optional<PlatformPlan> plan_dw, plan_dwq;
  const std::size_t dw = static_cast<std::size_t>(OpClass::kDepthwiseConv);
  if (dw < plan_warm.classes.size() && plan_warm.classes[dw].warm) {
    plan_dw = plan_warm;
    for (std::size_t k = 0; k < plan_dw->classes.size(); ++k) {
      if (k != dw) plan_dw->classes[k].warm.reset();
    }
    for (ClassPlan& cp : plan_dw->quantized) cp.warm.reset();
    // Run 27: the depthwise and the int8 convolutions warm (a fused QDQ convolution is of class conv_int8
    // or dwconv_int8, its plan in `quantized`), every other class cold.
    const std::size_t q = static_cast<std::size_t>(OpClass::kConvInt8);
    const std::size_t dq = static_cast<std::size_t>(OpClass::kDepthwiseConvInt8);
    plan_dwq = plan_warm;
    for (std::size_t k = 0; k < plan_dwq->classes.size(); ++k) {
      if (k != dw && k != q && k != dq) plan_dwq->classes[k].warm.reset();
      if (k != q && k != dq) plan_dwq->quantized[k].warm.reset();
    }
  }
  std::vector<CacheChainRow> rows;
  text::CsvRecord r;
  while (reader.Next(&r)) {
    const std::string where = origin + ":" + std::to_string(r.line);
    fit::RequireFieldCount(r, header.fields.size(), where);
    CacheChainRow row;
    row.model = r.fields[model];
    row.warm_ms = fit::PositiveField(r.fields[warm], where, "warm_ms");
    row.cold_ms = fit::PositiveField(r.fields[cold], where, "cold_ms");
    const std::filesystem::path name(row.model);
    if (row.model.empty() || name.has_parent_path()) {
      throw Error(where + ": model '" + row.model + "': expected a file name (the models are read from " +
                  models_dir + ")");
    }
    const std::string path = (std::filesystem::path(models_dir) / name).string();
    if (!std::filesystem::exists(path)) throw Error(where + ": model " + path + ": no such file");
    const FusedNetwork fused = FuseNetwork(LoadModel(path), platform.fusion);
    row.weight_bytes = fused.totals.param_bytes;
    const NetworkSizes sizes = NetworkSizesOf(fused);
    row.activation_bytes = sizes.activation_bytes;
    row.max_layer_bytes = sizes.max_layer_bytes;
    row.mean_layer_bytes = sizes.mean_layer_bytes;
    row.peak_bytes = sizes.peak_bytes;
    row.cold_est_ms = EstimateTotal(fused, plan_cold).total_ms;
    row.warm_est_ms = EstimateTotal(fused, plan_warm).total_ms;
    // Clamped into [warm, cold]: the two plans' sums of the same layers, up to rounding.
    if (plan_dw) {
      row.dw_warm_est_ms = std::clamp(EstimateTotal(fused, *plan_dw).total_ms, row.warm_est_ms, row.cold_est_ms);
      row.dwq_warm_est_ms = std::clamp(EstimateTotal(fused, *plan_dwq).total_ms, row.warm_est_ms, row.dw_warm_est_ms);
    }
    rows.push_back(row);
  }
  return FitCacheShare(std::move(rows), provenance);
}

}  // namespace odonata
