// `odonata fit --report`: per op class, the model chosen, its parameters and
// errors, and the candidates it beat; and the measured-vs-predicted CSV.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "format.h"
#include "odonata/errors.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using report::FormatFixed;
using report::FormatNumber;

// The chosen model's parameters in one line: terms for step/linear, roofs and
// parallelism for the rooflines.
std::string Parameters(const ClassModel& m, Precision precision) {
  std::ostringstream s;
  if (const FittedModel* f = m.FittedFor(precision); f && m.estimator == "step_linear") {
    for (std::size_t i = 0; i < f->terms.size(); ++i) {
      const FittedTerm& t = f->terms[i];
      s << (i ? (t.coef < 0 ? " - " : " + ") : (t.coef < 0 ? "-" : "")) << FormatNumber(std::fabs(t.coef));
      for (const FittedFactor& x : t.factors) {
        s << "*";
        if (x.step > 0) {
          s << "floor((" << x.dim << "-1)/" << x.step << ")";
        } else {
          s << x.dim;
        }
      }
    }
    return s.str();
  }
  s << "compute_eff " << FormatFixed(m.compute_efficiency.value, 4) << ", memory_eff "
    << FormatFixed(m.memory_efficiency.value, 4);
  for (const Parallelism& p : m.parallelism) s << ", " << p.dim << " p=" << p.p << " a=" << FormatFixed(p.alpha, 2);
  if (const TreeModel* t = m.TreesFor(precision); t && m.estimator == "trees") {
    s << ", x exp(" << t->trees.size() << " trees on " << t->features.size() << " dims)";
  }
  return s.str();
}

nlohmann::ordered_json PowerJson(const PowerFit& p) {
  nlohmann::ordered_json j;
  j["rows"] = p.rows;
  j["rows_without_power"] = p.rows_without;
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (const PowerClassFit& c : p.classes) {
    nlohmann::ordered_json cj;
    cj["class"] = OpClassName(c.op_class);
    cj["precision"] = PrecisionName(c.precision);
    cj["rows"] = c.rows;
    cj["active_w"] = c.active_w;
    cj["min_w"] = c.min_w;
    cj["max_w"] = c.max_w;
    cj["power_rmse_w"] = c.power_rmse_w;
    cj["energy_mape"] = c.energy_mape;
    cj["written"] = c.written;
    if (!c.note.empty()) cj["note"] = c.note;
    classes.push_back(cj);
  }
  j["classes"] = classes;
  if (p.idle_rows > 0) j["idle"] = {{"rows", p.idle_rows}, {"idle_w", p.idle_w}};
  return j;
}

// The power fit below the latency table: per (class, precision) the fitted
// active power, its spread and whether it went into the profile.
void RenderPowerTable(const FitReport& fit, std::ostream& out) {
  const PowerFit& p = fit.power;
  out << "\npower      " << p.rows << " rows with power or energy (active_w = sum(energy) / sum(latency)), "
      << p.rows_without << " without\n\n";
  const std::vector<report::Column> columns = {
      {"class", report::Align::kLeft},
      {"precision", report::Align::kLeft},
      {"rows", report::Align::kRight},
      {"active W", report::Align::kRight},
      {"min W", report::Align::kRight},
      {"max W", report::Align::kRight},
      {"RMS W", report::Align::kRight},
      {"energy MAPE %", report::Align::kRight},
      {"written", report::Align::kLeft, report::Elide::kEnd, 20},
  };
  std::vector<std::vector<std::string>> rows;
  for (const PowerClassFit& c : p.classes) {
    rows.push_back({OpClassName(c.op_class), PrecisionName(c.precision), std::to_string(c.rows),
                    FormatFixed(c.active_w, 3), FormatFixed(c.min_w, 3), FormatFixed(c.max_w, 3),
                    FormatFixed(c.power_rmse_w, 3), FormatFixed(c.energy_mape, 2),
                    c.written ? "yes" : "no: " + c.note});
  }
  report::WriteTable(columns, rows, 160, out);
  if (p.idle_rows > 0) {
    out << "idle_w " << FormatFixed(p.idle_w, 3) << " W: median idle_power_w of " << p.idle_rows << " rows\n";
  } else {
    out << "idle_w kept from the base (" << FormatFixed(fit.platform.idle_power_w.value, 3)
        << " W): no row has an idle_power_w column\n";
  }
}

void FitJson(const FitReport& fit, std::ostream& out) {
  nlohmann::ordered_json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["platform"] = fit.platform.name;
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (const ClassFit& c : fit.classes) {
    nlohmann::ordered_json cj;
    cj["class"] = OpClassName(c.op_class);
    cj["precision"] = PrecisionName(c.precision);
    cj["chosen"] = c.chosen;
    cj["rows"] = c.stats.rows;
    cj["r2"] = c.stats.r2;
    cj["mape"] = c.stats.mape;
    cj["cv_mape"] = c.stats.cv_mape;
    cj["folds"] = c.stats.folds;
    auto it = fit.platform.classes.find(c.op_class);
    if (it != fit.platform.classes.end()) cj["parameters"] = Parameters(it->second, c.precision);
    nlohmann::ordered_json cands = nlohmann::ordered_json::array();
    for (const auto& [name, stats] : c.candidates) {
      cands.push_back({{"estimator", name}, {"mape", stats.mape}, {"cv_mape", stats.cv_mape}});
    }
    cj["candidates"] = cands;
    if (c.warm) {
      cj["warm"] = {{"rows", c.warm->rows}, {"mape", c.warm->mape}, {"cv_mape", c.warm->cv_mape},
                    {"cold_mape", c.warm->cold_mape}, {"folds", c.warm->folds}};
    }
    classes.push_back(cj);
  }
  j["classes"] = classes;
  if (fit.power.rows > 0 || fit.power.idle_rows > 0) j["power"] = PowerJson(fit.power);
  if (fit.dispatch) {
    nlohmann::ordered_json ops = nlohmann::ordered_json::array();
    for (const DispatchOpFit& o : fit.dispatch->ops) {
      ops.push_back({{"op", o.op}, {"chains", o.chains}, {"min_nodes", o.min_nodes}, {"max_nodes", o.max_nodes},
                     {"per_node_ms", o.per_node_ms}, {"per_call_ms", o.per_call_ms}});
    }
    j["dispatch"] = {{"per_node_ms", fit.dispatch->per_node_ms}, {"per_call_ms", fit.dispatch->per_call_ms}, {"ops", ops}};
  }
  if (fit.cache) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const CacheProbeRow& r : fit.cache->rows) {
      rows.push_back({{"origin", r.origin}, {"weight_bytes", r.weight_bytes}, {"cold_ms", r.cold_ms},
                      {"warm_ms", r.warm_ms}});
    }
    j["cache"] = {{"capacity_bytes", fit.cache->capacity.capacity_bytes}, {"at_least", fit.cache->at_least},
                  {"threshold", fit.cache->threshold}, {"rows", rows}};
  }
  if (!fit.activation_chains.empty()) {
    nlohmann::ordered_json chains = nlohmann::ordered_json::array();
    for (const ActivationChainFit& c : fit.activation_chains) {
      chains.push_back({{"activation", FusedActivationName(c.activation)}, {"chains", c.chains}, {"ns", c.ns},
                        {"p10", c.p10}, {"p90", c.p90}, {"adopted", c.adopted}});
    }
    j["activation_chains"] = chains;
  }
  if (fit.cache_share) {
    const CacheShare& m = fit.cache_share->model;
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < fit.cache_share->rows.size(); ++i) {
      const CacheChainRow& r = fit.cache_share->rows[i];
      rows.push_back({{"model", r.model}, {"weight_bytes", r.weight_bytes}, {"cold_est_ms", r.cold_est_ms},
                      {"warm_est_ms", r.warm_est_ms}, {"cold_ms", r.cold_ms}, {"warm_ms", r.warm_ms},
                      {"activation_bytes", r.activation_bytes}, {"max_layer_bytes", r.max_layer_bytes},
                      {"mean_layer_bytes", r.mean_layer_bytes}, {"peak_bytes", r.peak_bytes},
                      {"share", fit.cache_share->share[i]}});
    }
    nlohmann::ordered_json candidates = nlohmann::ordered_json::array();
    for (const CacheShareCandidate& c : fit.cache_share->candidates) {
      candidates.push_back({{"size", ShareSizeName(c.size)}, {"half_bytes", c.half_bytes}, {"slope", c.slope},
                            {"mape", c.mape}, {"cv_mape", c.cv_mape}, {"level_cv_mape", c.level_cv_mape}});
    }
    nlohmann::ordered_json level = nlohmann::ordered_json::array();
    for (const CacheShareCandidate& c : fit.cache_share->level_candidates) {
      level.push_back({{"size", ShareSizeName(c.size)}, {"warm_dw", c.warm_dw}, {"half_bytes", c.half_bytes},
                       {"slope", c.slope}, {"level_mape", c.level_mape}, {"level_cv_mape", c.level_cv_mape}});
      if (c.dw_share) level.back()["dw_share"] = *c.dw_share;
      if (c.warm_int8) level.back()["warm_int8"] = true;
    }
    j["cache_share"] = {{"size", ShareSizeName(m.Size())},
                        {"half_bytes", m.half_bytes},
                        {"slope", m.slope},
                        {"mape", m.mape},
                        {"cv_mape", m.cv_mape},
                        {"cold_mape", m.cold_mape},
                        {"warm_mape", m.warm_mape},
                        {"criterion", m.criterion.value_or("ratio")},
                        {"warm_classes", OpClassNames(m.warm_classes)},
                        {"warm_class_share", m.warm_class_share ? nlohmann::ordered_json(*m.warm_class_share)
                                                                : nlohmann::ordered_json(nullptr)},
                        {"level_cv_mape", m.level_cv_mape.value_or(0.0)},
                        {"candidates", candidates},
                        {"level_candidates", level},
                        {"rows", rows}};
  }
  if (fit.int8_chains) {
    const Int8ChainFit& q = *fit.int8_chains;
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const Int8ChainRow& r : q.rows) {
      rows.push_back({{"model", r.model}, {"warm_ms", r.warm_ms}, {"cold_ms", r.cold_ms}, {"rest_ms", r.rest_ms},
                      {"int8_current_ms", r.int8_current_ms}, {"int8_layers", r.int8_warm_ms.size()}});
    }
    nlohmann::ordered_json candidates = nlohmann::ordered_json::array();
    for (const Int8ChainCandidate& c : q.candidates) {
      candidates.push_back({{"name", c.name}, {"scale", c.scale}, {"exponent", c.exponent}, {"capped", c.capped},
                            {"mape", c.mape}, {"cv_mape", c.cv_mape}});
    }
    j["int8_chains"] = {{"adopted", q.model.has_value()}, {"candidates", candidates}, {"dropped", q.dropped},
                        {"rows", rows}};
  }
  j["warnings"] = fit.warnings;
  out << j.dump(2) << '\n';
}

// Measured vs predicted per row.
void FitCsv(const FitReport& fit, std::ostream& out) {
  report::WriteCsvRecord({"class", "precision", "origin", "measured_ms", "predicted_ms", "error_pct"}, out);
  for (const ClassFit& c : fit.classes) {
    for (std::size_t i = 0; i < c.measured.size(); ++i) {
      const double err = c.measured[i] > 0 ? 100.0 * (c.predicted[i] - c.measured[i]) / c.measured[i] : 0.0;
      report::WriteCsvRecord(
          {OpClassName(c.op_class), PrecisionName(c.precision), i < c.origins.size() ? c.origins[i] : "",
           FormatNumber(c.measured[i]), FormatNumber(c.predicted[i]), FormatFixed(err, 2)},
          out);
    }
  }
}

void FitTable(const FitReport& fit, std::ostream& out) {
  out << "platform   " << fit.platform.name << "\n\n";
  const std::vector<report::Column> columns = {
      {"class", report::Align::kLeft},      {"precision", report::Align::kLeft},
      {"rows", report::Align::kRight},      {"chosen", report::Align::kLeft},
      {"R^2", report::Align::kRight},       {"MAPE %", report::Align::kRight},
      {"CV MAPE %", report::Align::kRight}, {"candidates (CV MAPE %)", report::Align::kLeft, report::Elide::kEnd, 20},
  };
  std::vector<std::vector<std::string>> rows;
  for (const ClassFit& c : fit.classes) {
    std::string cands;
    for (const auto& [name, stats] : c.candidates) {
      cands += (cands.empty() ? "" : ", ") + name + " " + FormatFixed(stats.cv_mape, 1);
    }
    rows.push_back({OpClassName(c.op_class), PrecisionName(c.precision), std::to_string(c.stats.rows), c.chosen,
                    FormatFixed(c.stats.r2, 4), FormatFixed(c.stats.mape, 2), FormatFixed(c.stats.cv_mape, 2), cands});
  }
  report::WriteTable(columns, rows, 140, out);
  out << '\n';
  for (const ClassFit& c : fit.classes) {
    auto it = fit.platform.classes.find(c.op_class);
    if (it == fit.platform.classes.end()) continue;
    out << OpClassName(c.op_class) << " (" << PrecisionName(c.precision) << ", " << c.chosen
        << "): " << Parameters(it->second, c.precision) << '\n';
  }
  if (fit.power.rows > 0 || fit.power.idle_rows > 0) RenderPowerTable(fit, out);
  if (fit.dispatch) {
    char line[96];
    std::snprintf(line, sizeof line, "\ndispatch   %.3g us per node, overhead %.3g us per call: ",
                  fit.dispatch->per_node_ms * 1e3, fit.dispatch->per_call_ms * 1e3);
    out << line << fit.dispatch->Describe() << '\n';
  }
  bool warm_header = false;
  for (const ClassFit& c : fit.classes) {
    if (!c.warm) continue;
    if (!warm_header) out << "\nwarm caches (factor on the cold estimate, from the rows with warm_ms):\n";
    warm_header = true;
    char line[200];
    std::snprintf(line, sizeof line,
                  "  %s (%s): %lld rows, warm MAPE %.2f%%, CV %.2f%% (cold taken for warm: %.2f%%); ln factor = "
                  "min(0, %.4g %+.4g ln bytes %+.4g ln ms)\n",
                  OpClassName(c.op_class), PrecisionName(c.precision), static_cast<long long>(c.warm->rows),
                  c.warm->mape, c.warm->cv_mape, c.warm->cold_mape, c.warm->c0, c.warm->c_bytes, c.warm->c_ms);
    out << line;
    // The kernel-area candidate (FitWarmModel): adopted when its CV is at least 10% below the plain form's.
    if (c.warm->plain_cv_mape && c.warm->kernel_cv_mape) {
      if (c.warm->c_kernel != 0) {
        std::snprintf(line, sizeof line,
                      "    kernel area: %+.4g ln kernel area (areas %g-%g); CV %.2f%% against %.2f%% without it: "
                      "adopted\n",
                      c.warm->c_kernel, c.warm->kernel_range.first, c.warm->kernel_range.second,
                      *c.warm->kernel_cv_mape, *c.warm->plain_cv_mape);
      } else {
        std::snprintf(line, sizeof line,
                      "    kernel area: CV %.2f%% against %.2f%% without it, not 10%% below: not adopted\n",
                      *c.warm->kernel_cv_mape, *c.warm->plain_cv_mape);
      }
      out << line;
    }
    // The direct form (WarmModel::direct): step/linear on the warm times, written when its CV is lower.
    if (c.warm->direct_cv_mape) {
      std::snprintf(line, sizeof line, "    direct (step/linear of warm_ms): CV %.2f%%%s\n", *c.warm->direct_cv_mape,
                    c.warm->direct ? ", below the factor's: written" : ", not below the factor's: not written");
      out << line;
      if (c.warm->direct) {
        ClassModel direct;
        direct.estimator = "step_linear";
        direct.fitted.push_back(*c.warm->direct);
        out << "    warm ms = " << Parameters(direct, c.precision) << '\n';
      }
    }
  }
  if (fit.cache) {
    out << "\ncache      capacity " << report::HumanBytes(static_cast<double>(fit.cache->capacity.capacity_bytes))
        << (fit.cache->at_least ? " (at least: every probe row ran warm)" : "") << " of weights; probe cold/warm:";
    for (const CacheProbeRow& r : fit.cache->rows) {
      char cell[64];
      std::snprintf(cell, sizeof cell, " %s %.2f", report::HumanBytes(static_cast<double>(r.weight_bytes)).c_str(),
                    r.cold_ms / r.warm_ms);
      out << cell;
    }
    out << '\n';
  }
  for (const FusedActivationFit& f : fit.activations) {
    if (f.pairs == 0) continue;
    char chosen[80];
    if (f.line_chosen) {
      std::snprintf(chosen, sizeof chosen, "line written");
    } else if (f.pairs < kFusedActivationLineMinPairs) {
      std::snprintf(chosen, sizeof chosen, "per element written (the line needs %zu pairs)",
                    kFusedActivationLineMinPairs);
    } else {
      std::snprintf(chosen, sizeof chosen, "per element written");
    }
    char line[500];
    std::snprintf(line, sizeof line,
                  "\nactivation %s fused into Conv: %zu pairs (%zu warm: warm_ms of both rows; %zu cold: latency_ms), "
                  "median %.4g ns/element (p10 %.4g, p90 %.4g); line %.4g us + %.4g ns/element; leave-one-out median "
                  "|error| %.3g us (per element), %.3g us (line): %s\n",
                  FusedActivationName(f.activation), f.pairs, f.warm_pairs, f.pairs - f.warm_pairs, f.ratio_ns,
                  f.ratio_p10, f.ratio_p90, 1e3 * f.line_ms, f.line_ns, 1e3 * f.loo_ratio_ms, 1e3 * f.loo_line_ms,
                  chosen);
    out << line;
    for (const FusedActivationPair& p : f.pair_rows) {
      std::snprintf(line, sizeof line, "  %s: %.0f output elements, t_act - t_plain %.4g us (%.4g ns/element), %s\n",
                    p.origin.c_str(), p.elems, 1e3 * p.d_ms, 1e6 * p.d_ms / p.elems, p.warm ? "warm" : "cold");
      out << line;
    }
  }
  for (const ActivationChainFit& c : fit.activation_chains) {
    char line[300];
    std::snprintf(line, sizeof line,
                  "\nactivation %s fused into Conv, in chains timed whole: %zu chains, median %.4g ns/element "
                  "(p10 %.4g, p90 %.4g): %s\n",
                  FusedActivationName(c.activation), c.chains, c.ns, c.p10, c.p90,
                  c.adopted ? "written (replaces the sweep pairs' value)" : "too few chains, the pairs' value kept");
    out << line;
  }
  if (fit.cache_share) {
    const CacheShare& m = fit.cache_share->model;
    char line[300];
    std::snprintf(line, sizeof line,
                  "\ncache      partial: share h = 1 / (1 + (%s / %s)^%.3f); %lld networks, warm MAPE %.2f%%, "
                  "CV %.2f%% (h = 0: %.2f%%, h = 1: %.2f%%); size by the lowest CV:",
                  ShareSizeName(m.Size()), report::HumanBytes(m.half_bytes).c_str(), m.slope,
                  static_cast<long long>(m.rows), m.mape, m.cv_mape, m.cold_mape, m.warm_mape);
    out << line;
    for (const CacheShareCandidate& c : fit.cache_share->candidates) {
      std::snprintf(line, sizeof line, " %s%s %.2f%% (half %s, slope %.3f)", c.size == m.Size() ? "*" : "",
                    ShareSizeName(c.size), c.cv_mape, report::HumanBytes(c.half_bytes).c_str(), c.slope);
      out << line;
    }
    // The declared choice between the forms (CacheShareFit): each candidate's estimate against the
    // chains' warm times, leave one out.
    out << "; the estimate, leave one out: ratio";
    for (const CacheShareCandidate& c : fit.cache_share->candidates) {
      std::snprintf(line, sizeof line, " %s %.2f%%", ShareSizeName(c.size), c.level_cv_mape);
      out << line;
    }
    const std::vector<CacheShareCandidate>& level = fit.cache_share->level_candidates;
    for (std::size_t k = 0; k < level.size(); ++k) {
      const CacheShareCandidate& c = level[k];
      const bool first_of_form = k == 0 || c.warm_dw != level[k - 1].warm_dw ||
                                 c.dw_share.has_value() != level[k - 1].dw_share.has_value() ||
                                 c.warm_int8 != level[k - 1].warm_int8;
      const char* form = c.dw_share    ? "; level, depthwise share"
                         : c.warm_int8 ? "; level, depthwise and int8 warm"
                         : c.warm_dw   ? "; level, depthwise warm"
                                       : "; level";
      std::snprintf(line, sizeof line, "%s %s %.2f%% (half %s, slope %.3f", first_of_form ? form : "",
                    ShareSizeName(c.size), c.level_cv_mape, report::HumanBytes(c.half_bytes).c_str(), c.slope);
      out << line;
      if (c.dw_share) {
        std::snprintf(line, sizeof line, ", depthwise %.3f", *c.dw_share);
        out << line;
      }
      out << ')';
    }
    std::string dw = m.warm_classes.empty()      ? ""
                     : m.warm_classes.size() > 1 ? ", depthwise and int8 warm"
                                                 : ", depthwise warm";
    if (m.warm_class_share) {
      std::snprintf(line, sizeof line, ", depthwise at %.3f", *m.warm_class_share);
      dw = line;
    }
    std::snprintf(line, sizeof line, "; chosen: %s %s%s (%.2f%%)", m.criterion.value_or("ratio").c_str(),
                  ShareSizeName(m.Size()), dw.c_str(), m.level_cv_mape.value_or(0.0));
    out << line;
    out << "; h:";
    for (std::size_t i = 0; i < fit.cache_share->rows.size(); ++i) {
      const CacheChainRow& r = fit.cache_share->rows[i];  // at its size x, in the rows' order (by weights)
      char cell[64];
      std::snprintf(cell, sizeof cell, " %s %.2f", report::HumanBytes(m.SizeOf(r.Sizes())).c_str(),
                    fit.cache_share->share[i]);
      out << cell;
    }
    out << '\n';
  }
  if (fit.int8_chains) {
    const Int8ChainFit& q = *fit.int8_chains;
    char line[300];
    std::snprintf(line, sizeof line, "\ncache      int8 convolutions in a network (after the share): %zu int8 chains",
                  q.rows.size());
    out << line;
    for (const std::string& d : q.dropped) out << "; left out " << d;
    if (q.candidates.empty()) out << "; too few chains, not fitted";
    out << "; leave one out:";
    for (const Int8ChainCandidate& c : q.candidates) {
      std::snprintf(line, sizeof line, " %s %.2f%% (a %.4g, b %.4g)", c.name.c_str(), c.cv_mape, c.scale, c.exponent);
      out << line;
    }
    if (q.model) {
      std::snprintf(line, sizeof line, "; written: %s%.4g x w^%.4g%s\n", q.model->capped ? "min(w, " : "",
                    q.model->scale, q.model->exponent, q.model->capped ? ")" : "");
      out << line;
    } else if (!q.candidates.empty()) {
      out << "; not 10% below the share's treatment: not written\n";
    } else {
      out << '\n';
    }
  }
}

}  // namespace

void RenderFitReport(const FitReport& fit, Format format, std::ostream& out) {
  static constexpr report::Renderers<FitReport, 4> kRenderers{"fit --report", {FitTable, FitJson, FitCsv, nullptr}};
  report::Dispatch(kRenderers, fit, format, out);
}

}  // namespace odonata
