// Fitting class models from whole-network measurements (odonata/network_fit.h).
//
// Each network row says: measured = overhead(group) + sum over its fused,
// non-free layers of the class model's time. With class models that are sums
// of coef x (product of layer sizes), as the step_linear estimator computes
// them, every row is linear in the unknown coefficients and overheads, so the
// fit is one least-squares problem. Coefficients are kept non-negative
// (Lawson-Hanson NNLS): a negative coefficient fitted on one range of sizes
// makes the model go below zero on another. Rows are divided by their
// measurement so that the problem minimises squared relative error.
#include "odonata/network_fit.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/fusion.h"
#include "odonata/model.h"
#include "odonata/generators.h"
#include "odonata/version.h"
#include "fit_util.h"
#include "io.h"
#include "text.h"
#include "units.h"

namespace odonata {
namespace fs = std::filesystem;

std::optional<double> NetworkMeasurement::EnergyMj() const {
  if (energy_mj) return energy_mj;
  if (power_w) return *power_w * latency_ms;
  return std::nullopt;
}

namespace {

double Number(const std::string& s, const std::string& where, const std::string& column) {
  const std::string t(text::Trim(s));
  try {
    return ParseFiniteNumber(t);  // units.h: the whole text, finite
  } catch (const Error&) {
    throw Error(where + ": " + column + ": '" + t + "' is not a number");
  }
}

std::vector<std::string> Header(const std::string& text, const std::string& origin) {
  text::CsvReader reader(text, origin);
  text::CsvRecord r;
  if (!reader.Next(&r)) throw Error(origin + ":1: no header row (the file is empty)");
  std::vector<std::string> h;
  for (const std::string& f : r.fields) h.emplace_back(text::Trim(f));
  return h;
}

}  // namespace

bool IsNetworkMeasurementFile(const std::string& path) {
  const std::vector<std::string> h = Header(ReadFile(path), path);
  const bool model = std::find(h.begin(), h.end(), "model") != h.end();
  const bool op = std::find(h.begin(), h.end(), "op") != h.end();
  return model && !op;
}

std::vector<NetworkMeasurement> ParseNetworkMeasurements(const std::string& contents, const std::string& origin,
                                                         const std::string& directory) {
  text::CsvReader reader(contents, origin);
  text::CsvRecord r;
  if (!reader.Next(&r)) throw Error(origin + ":1: no header row (the file is empty)");
  std::map<std::string, std::size_t> col;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < r.fields.size(); ++i) {
    const std::string name(text::Trim(r.fields[i]));
    if (!col.emplace(name, i).second) throw Error(origin + ":" + std::to_string(r.line) + ": duplicate column '" + name + "'");
    names.push_back(name);
  }
  for (const char* required : {"model", "precision", "latency_ms"}) {
    if (!col.count(required)) {
      throw Error(origin + ":" + std::to_string(r.line) + ": missing column '" + required +
                  "' (a network measurement file has model, precision, latency_ms)");
    }
  }
  static const std::set<std::string> known = {"model", "precision", "latency_ms", "overhead", "power_w", "energy_mj"};
  std::vector<NetworkMeasurement> rows;
  while (reader.Next(&r)) {
    const std::string where = origin + ":" + std::to_string(r.line);
    fit::RequireFieldCount(r, names.size(), where);
    auto field = [&](const char* c) { return std::string(text::Trim(r.fields[col.at(c)])); };
    NetworkMeasurement m;
    m.origin = where;
    m.model = field("model");
    if (m.model.empty()) throw Error(where + ": model: empty");
    m.path = IsGeneratorDescription(m.model) || fs::path(m.model).is_absolute() || directory.empty()
                 ? m.model
                 : (fs::path(directory) / m.model).lexically_normal().string();
    if (!ParsePrecision(field("precision"), &m.precision)) {
      throw Error(where + ": precision: '" + field("precision") + "' is not fp32, fp16 or int8");
    }
    m.latency_ms = Number(field("latency_ms"), where, "latency_ms");
    if (m.latency_ms <= 0) throw Error(where + ": latency_ms: must be > 0");
    if (col.count("overhead")) m.overhead = field("overhead");
    for (const char* c : {"power_w", "energy_mj"}) {
      if (!col.count(c) || field(c).empty()) continue;
      const double v = Number(field(c), where, c);
      if (v <= 0) throw Error(where + ": " + c + ": must be > 0");
      (std::string(c) == "power_w" ? m.power_w : m.energy_mj) = v;
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!known.count(names[i])) m.extra.emplace_back(names[i], r.fields[i]);
    }
    rows.push_back(std::move(m));
  }
  if (rows.empty()) throw Error(origin + ": no rows");
  return rows;
}

std::vector<NetworkMeasurement> ReadNetworkMeasurements(const std::string& path) {
  return ParseNetworkMeasurements(ReadFile(path), path, fs::path(path).parent_path().string());
}

std::vector<FitNetwork> PrepareNetworks(const std::vector<NetworkMeasurement>& rows, const Fusion& fusion) {
  std::map<std::string, std::vector<Layer>> fused;
  std::vector<FitNetwork> out;
  out.reserve(rows.size());
  for (const NetworkMeasurement& row : rows) {
    auto it = fused.find(row.path);
    if (it == fused.end()) {
      try {
        it = fused.emplace(row.path, Fuse(LoadModel(row.path), fusion)).first;
      } catch (const Error& e) {
        throw Error(row.origin + ": " + e.what(), e.code());
      }
    }
    out.push_back({row, it->second});
  }
  return out;
}

bool ParsePowerForm(const std::string& name, PowerForm* form) {
  static const std::map<std::string, PowerForm> forms = {{"class", PowerForm::kClass},
                                                         {"kernel", PowerForm::kKernel},
                                                         {"throughput", PowerForm::kThroughput},
                                                         {"bytes", PowerForm::kBytes}};
  auto it = forms.find(name);
  if (it == forms.end()) return false;
  *form = it->second;
  return true;
}

std::vector<TermShape> ParseTerms(const std::string& text) {
  std::vector<TermShape> terms;
  const std::vector<std::string>& dims = LayerDimNames();
  std::stringstream all(text);
  std::string term;
  while (std::getline(all, term, ';')) {
    term = std::string(text::Trim(term));
    if (term.empty()) throw Error("--terms: empty term in '" + text + "'", ExitCode::kUsage);
    TermShape shape;
    if (term != "1") {
      std::stringstream parts(term);
      std::string factor;
      while (std::getline(parts, factor, '*')) {
        FittedFactor f;
        const std::size_t colon = factor.find(':');
        f.dim = factor.substr(0, colon);
        if (std::find(dims.begin(), dims.end(), f.dim) == dims.end()) {
          throw Error("--terms: unknown size '" + f.dim + "' in term '" + term + "'", ExitCode::kUsage);
        }
        if (colon != std::string::npos) {
          const std::string step = factor.substr(colon + 1);
          if (step.empty() || step.find_first_not_of("0123456789") != std::string::npos || step.size() > 6 ||
              std::stoll(step) < 1) {
            throw Error("--terms: step '" + step + "' in term '" + term + "' is not a positive integer",
                        ExitCode::kUsage);
          }
          f.step = std::stoll(step);
        }
        shape.push_back(f);
      }
    }
    terms.push_back(std::move(shape));
  }
  if (terms.empty()) throw Error("--terms: no terms", ExitCode::kUsage);
  return terms;
}

std::vector<TermShape> DefaultNetworkTerms(OpClass c) {
  switch (c) {
    case OpClass::kConv:
    case OpClass::kGemm:
      return {{}, {{"macs", 0}}, {{"elems", 0}}, {{"in_c", 0}, {"in_h", 0}, {"in_w", 0}},
              {{"in_c", 0}, {"out_c", 0}, {"kernel", 0}}};
    case OpClass::kDepthwiseConv:
      return {{}, {{"macs", 0}}, {{"elems", 0}}, {{"out_c", 0}, {"kernel", 0}}};
    case OpClass::kRecurrent:  // per call, per time step, per multiply-accumulate
      return {{}, {{"spatial", 0}}, {{"macs", 0}}};
    default:
      return {{}, {{"elems", 0}}};
  }
}

namespace {

bool IsFree(const Layer& l, const Fusion& fusion) {
  return l.covers.size() == 1 &&
         std::find(fusion.free_ops.begin(), fusion.free_ops.end(), l.op_type) != fusion.free_ops.end();
}

double TermValue(const Layer& l, const TermShape& t) {
  double v = 1;
  for (const FittedFactor& f : t) {
    const double x = static_cast<double>(LayerDim(l, f.dim));
    v *= f.step > 0 ? std::floor((x - 1) / static_cast<double>(f.step)) : x;
  }
  return v;
}

// The base profile's time for a layer (classes not fitted, unknown ops).
double BaseMs(const Layer& l, const Platform& base, Precision p) {
  const ClassModel& m = base.ModelFor(l.op_class);
  const EstimatorInfo* e = FindEstimator(l.unknown_op ? "memory" : m.estimator);
  if (!e) throw Error("unknown estimator '" + m.estimator + "' in " + base.name);
  return e->fn(EstimatorContext{l, base, p, m}).ms * static_cast<double>(l.repeat);
}

// min ||A x - b||, x >= 0 (Lawson and Hanson, "Solving Least Squares Problems", 1974, ch. 23).
Eigen::VectorXd Nnls(const Eigen::MatrixXd& a, const Eigen::VectorXd& b) {
  const Eigen::Index n = a.cols();
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(static_cast<std::size_t>(n), false);
  const Eigen::MatrixXd ata = a.transpose() * a;
  const Eigen::VectorXd atb = a.transpose() * b;
  const double tol = 1e-10 * std::max(1.0, atb.cwiseAbs().maxCoeff());
  auto solve_passive = [&](Eigen::VectorXd* z) {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index j = 0; j < n; ++j)
      if (passive[static_cast<std::size_t>(j)]) idx.push_back(j);
    Eigen::MatrixXd sub(static_cast<Eigen::Index>(idx.size()), static_cast<Eigen::Index>(idx.size()));
    Eigen::VectorXd rhs(static_cast<Eigen::Index>(idx.size()));
    for (std::size_t i = 0; i < idx.size(); ++i) {
      rhs(static_cast<Eigen::Index>(i)) = atb(idx[i]);
      for (std::size_t k = 0; k < idx.size(); ++k) sub(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)) = ata(idx[i], idx[k]);
    }
    const Eigen::VectorXd s = sub.completeOrthogonalDecomposition().solve(rhs);
    z->setZero(n);
    for (std::size_t i = 0; i < idx.size(); ++i) (*z)(idx[i]) = s(static_cast<Eigen::Index>(i));
  };
  for (int outer = 0; outer < 3 * n + 10; ++outer) {
    const Eigen::VectorXd w = atb - ata * x;
    Eigen::Index best = -1;
    for (Eigen::Index j = 0; j < n; ++j) {
      if (!passive[static_cast<std::size_t>(j)] && w(j) > tol && (best < 0 || w(j) > w(best))) best = j;
    }
    if (best < 0) break;
    passive[static_cast<std::size_t>(best)] = true;
    for (int inner = 0; inner < 3 * n + 10; ++inner) {
      Eigen::VectorXd z;
      solve_passive(&z);
      bool feasible = true;
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[static_cast<std::size_t>(j)] && z(j) <= 0) feasible = false;
      if (feasible) {
        x = z;
        break;
      }
      double alpha = 1;
      for (Eigen::Index j = 0; j < n; ++j) {
        if (passive[static_cast<std::size_t>(j)] && z(j) <= 0) alpha = std::min(alpha, x(j) / (x(j) - z(j)));
      }
      x += alpha * (z - x);
      for (Eigen::Index j = 0; j < n; ++j) {
        if (passive[static_cast<std::size_t>(j)] && x(j) <= 1e-15) {
          passive[static_cast<std::size_t>(j)] = false;
          x(j) = 0;
        }
      }
    }
  }
  return x;
}

// Non-negative least squares on columns scaled to unit norm; coefficients in original units.
Eigen::VectorXd ScaledNnls(Eigen::MatrixXd a, const Eigen::VectorXd& b) {
  const Eigen::VectorXd scale = fit::NormalizeColumns(a);
  return Nnls(a, b).cwiseProduct(scale);
}

std::string Describe(const TermShape& t) {
  if (t.empty()) return "1";
  std::string s;
  for (const FittedFactor& f : t) s += (s.empty() ? "" : "*") + f.dim + (f.step > 0 ? ":" + std::to_string(f.step) : "");
  return s;
}

struct Column {
  enum Kind { kTerm, kOverhead } kind;
  OpClass cls = OpClass::kUnknown;
  Precision precision = Precision::kFp32;
  std::size_t term = 0;
  std::string group;
};

}  // namespace

NetworkFitReport FitNetworks(const std::vector<FitNetwork>& networks, const std::vector<Measurement>& layer_rows,
                             const Platform& base, const std::string& provenance, const NetworkFitOptions& options) {
  if (networks.empty() && layer_rows.empty()) throw Error("fit: no network or layer rows to fit");
  NetworkFitReport report;
  report.platform = base;
  const Fusion& fusion = base.fusion;

  // Held-out rows (options.holdout): predicted with what the other rows fit.
  std::vector<bool> held(networks.size(), false);
  if (options.holdout) {
    bool has_column = false;
    for (std::size_t i = 0; i < networks.size(); ++i) {
      for (const auto& [column, value] : networks[i].row.extra) {
        if (column != options.holdout->first) continue;
        has_column = true;
        held[i] = text::Trim(value) == options.holdout->second;
      }
    }
    if (!has_column) throw Error("fit: --holdout: no row has a column '" + options.holdout->first + "'", ExitCode::kUsage);
    if (!networks.empty() && std::count(held.begin(), held.end(), true) == static_cast<std::ptrdiff_t>(networks.size())) {
      throw Error("fit: --holdout " + options.holdout->first + "=" + options.holdout->second +
                  " holds out every network row: nothing left to fit", ExitCode::kUsage);
    }
  }

  // Which (class, precision) pairs are fitted (on the rows that are not held out).
  std::map<std::pair<OpClass, Precision>, std::int64_t> seen;  // networks with such a layer
  std::set<Precision> precisions;
  for (std::size_t i = 0; i < networks.size(); ++i) {
    const FitNetwork& n = networks[i];
    if (!base.precisions.count(n.row.precision)) {
      throw Error(n.row.origin + ": precision " + std::string(PrecisionName(n.row.precision)) + " is not in " +
                  base.name);
    }
    if (held[i]) continue;
    precisions.insert(n.row.precision);
    std::set<OpClass> classes;
    for (const Layer& l : n.layers)
      if (!IsFree(l, fusion) && !l.unknown_op) classes.insert(l.op_class);
    for (OpClass c : classes) ++seen[{c, n.row.precision}];
  }
  std::vector<Layer> sweep_layers;
  for (const Measurement& m : layer_rows) {
    sweep_layers.push_back(ToLayer(m));
    seen[{sweep_layers.back().op_class, m.config.precision}] += options.min_networks;  // a sweep decides its class
  }
  auto fitted = [&](OpClass c, Precision p) {
    if (options.classes && std::find(options.classes->begin(), options.classes->end(), c) == options.classes->end()) {
      return false;
    }
    auto it = seen.find({c, p});
    return it != seen.end() && it->second >= options.min_networks;
  };
  auto terms_of = [&](OpClass c) {
    auto it = options.terms.find(c);
    return it != options.terms.end() ? it->second : DefaultNetworkTerms(c);
  };

  std::vector<Column> columns;
  // Per fitted (class, precision): its first column and, when the class is
  // split by a size, the distinct values of that size among its layers (one
  // block of term columns per value).
  std::map<std::pair<OpClass, Precision>, std::size_t> first_column;
  std::map<std::pair<OpClass, Precision>, std::vector<std::int64_t>> split_values;
  auto split_dim = [&](OpClass c) {
    auto it = options.split.find(c);
    return it == options.split.end() ? std::string() : it->second;
  };
  for (const auto& [key, count] : seen) {
    if (!fitted(key.first, key.second)) continue;
    std::set<std::int64_t> values;
    if (!split_dim(key.first).empty()) {
      for (std::size_t i = 0; i < networks.size(); ++i) {
        const FitNetwork& n = networks[i];
        if (held[i] || n.row.precision != key.second) continue;
        for (const Layer& l : n.layers)
          if (!IsFree(l, fusion) && !l.unknown_op && l.op_class == key.first) values.insert(LayerDim(l, split_dim(key.first)));
      }
      for (std::size_t k = 0; k < layer_rows.size(); ++k) {
        if (layer_rows[k].config.precision == key.second && sweep_layers[k].op_class == key.first) {
          values.insert(LayerDim(sweep_layers[k], split_dim(key.first)));
        }
      }
    }
    if (values.empty()) values.insert(0);
    if (values.size() > 1 && *std::next(values.begin()) <= 1) {
      throw Error("fit: cannot split " + std::string(OpClassName(key.first)) + " by " + split_dim(key.first) +
                  ": sizes 0 and 1 both occur");
    }
    split_values[key].assign(values.begin(), values.end());
    first_column[key] = columns.size();
    const std::vector<TermShape> terms = terms_of(key.first);
    for (std::size_t v = 0; v < values.size(); ++v) {
      for (std::size_t t = 0; t < terms.size(); ++t) columns.push_back({Column::kTerm, key.first, key.second, t, ""});
    }
  }
  // The first column of a layer's block.
  auto layer_column = [&](const Layer& l, Precision p) {
    const std::pair<OpClass, Precision> key{l.op_class, p};
    const std::string dim = split_dim(l.op_class);
    std::size_t block = 0;
    if (!dim.empty()) {
      const std::vector<std::int64_t>& vs = split_values.at(key);
      const std::int64_t v = LayerDim(l, dim);
      block = static_cast<std::size_t>(std::lower_bound(vs.begin(), vs.end(), v) - vs.begin());
      if (block == vs.size() || vs[block] != v) {
        throw Error("fit: held-out layer '" + l.name + "' (" + OpClassName(l.op_class) + ") has " + dim + " " +
                    std::to_string(v) + ", which no fitted row's " + OpClassName(l.op_class) + " layer has");
      }
    }
    return first_column.at(key) + block * terms_of(l.op_class).size();
  };
  std::map<std::string, std::size_t> overhead_column;
  for (const FitNetwork& n : networks) {
    if (!overhead_column.count(n.row.overhead)) {
      overhead_column[n.row.overhead] = columns.size();
      columns.push_back({Column::kOverhead, OpClass::kUnknown, Precision::kFp32, 0, n.row.overhead});
    }
  }
  if (columns.empty()) throw Error("fit: no class has enough rows to fit (min_networks " +
                                   std::to_string(options.min_networks) + ")");

  // The design matrix: one row per network and per layer row, summed from
  // each fitted layer's term values (kept apart for the clamping below).
  const std::size_t rows = networks.size() + layer_rows.size();
  struct Entry {
    std::size_t row, c0;
    std::vector<double> values;
  };
  std::vector<Entry> entries;
  std::vector<double> fixed(rows, 0.0), measured(rows, 0.0);
  auto add_layer = [&](std::size_t row, const Layer& l, Precision p) {
    if (IsFree(l, fusion)) return;
    if (l.unknown_op || !fitted(l.op_class, p)) {
      fixed[row] += BaseMs(l, base, p);
      return;
    }
    Entry e{row, layer_column(l, p), {}};
    for (const TermShape& t : terms_of(l.op_class)) e.values.push_back(TermValue(l, t));
    for (double& v : e.values) v *= static_cast<double>(l.repeat);
    entries.push_back(std::move(e));
  };
  for (std::size_t i = 0; i < networks.size(); ++i) {
    for (const Layer& l : networks[i].layers) add_layer(i, l, networks[i].row.precision);
    measured[i] = networks[i].row.latency_ms;
  }
  for (std::size_t k = 0; k < layer_rows.size(); ++k) {
    const std::size_t i = networks.size() + k;
    add_layer(i, sweep_layers[k], layer_rows[k].config.precision);
    measured[i] = layer_rows[k].latency_ms;
  }
  Eigen::VectorXd b(static_cast<Eigen::Index>(rows));
  for (std::size_t i = 0; i < rows; ++i) {
    b(static_cast<Eigen::Index>(i)) = (measured[i] - fixed[i]) * (options.relative ? 1.0 / measured[i] : 1.0);
  }
  // The step_linear estimator clamps a negative layer time to 0. With signed
  // coefficients some layers can come out negative: they are then fitted as
  // the estimator will compute them (contributing 0), and the fit repeated
  // until the set of clamped layers no longer changes (at most 20 rounds).
  std::vector<bool> clamped(entries.size(), false);
  Eigen::MatrixXd a;
  Eigen::VectorXd x;
  for (int round = 0; round < 20; ++round) {
    a = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t e = 0; e < entries.size(); ++e) {
      if (clamped[e]) continue;
      for (std::size_t t = 0; t < entries[e].values.size(); ++t) {
        a(static_cast<Eigen::Index>(entries[e].row), static_cast<Eigen::Index>(entries[e].c0 + t)) += entries[e].values[t];
      }
    }
    for (std::size_t i = 0; i < networks.size(); ++i) {
      a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(overhead_column.at(networks[i].row.overhead))) = 1.0;
    }
    for (std::size_t i = 0; i < rows; ++i) {
      if (options.relative) a.row(static_cast<Eigen::Index>(i)) /= measured[i];
    }
    Eigen::MatrixXd as = a;  // held-out rows take no part in the solve
    Eigen::VectorXd bs = b;
    for (std::size_t i = 0; i < networks.size(); ++i) {
      if (!held[i]) continue;
      as.row(static_cast<Eigen::Index>(i)).setZero();
      bs(static_cast<Eigen::Index>(i)) = 0;
    }
    x = options.nonnegative ? ScaledNnls(as, bs) : fit::Lstsq(as, bs);
    if (options.nonnegative) break;
    bool changed = false;
    for (std::size_t e = 0; e < entries.size(); ++e) {
      double ms = 0;
      for (std::size_t t = 0; t < entries[e].values.size(); ++t) {
        ms += x(static_cast<Eigen::Index>(entries[e].c0 + t)) * entries[e].values[t];
      }
      if ((ms < 0) != clamped[e]) {
        clamped[e] = ms < 0;
        changed = true;
      }
    }
    if (!changed) break;
    if (round == 19) report.warnings.push_back("fit: the set of layers whose fitted time is negative (clamped to 0) did not settle in 20 rounds");
  }
  std::int64_t n_clamped = std::count(clamped.begin(), clamped.end(), true);
  if (n_clamped > 0) {
    report.warnings.push_back(std::to_string(n_clamped) + " of " + std::to_string(entries.size()) +
                              " fitted layers come out negative and are clamped to 0 ms, as the estimator does");
  }
  const Eigen::VectorXd fit = a * x;

  // Rows: measured against predicted.
  double ape = 0, held_ape = 0;
  const std::int64_t n_held = std::count(held.begin(), held.end(), true);
  for (std::size_t i = 0; i < rows; ++i) {
    const double w = options.relative ? 1.0 / measured[i] : 1.0;
    NetworkFitRow r;
    r.layer_row = i >= networks.size();
    r.measured_ms = measured[i];
    r.predicted_ms = fit(static_cast<Eigen::Index>(i)) / w + fixed[i];
    if (!r.layer_row) {
      const NetworkMeasurement& m = networks[i].row;
      r.origin = m.origin;
      r.model = m.model;
      r.precision = m.precision;
      r.measured_mj = m.EnergyMj();
      r.held_out = held[i];
      (held[i] ? held_ape : ape) += std::abs(r.predicted_ms - r.measured_ms) / r.measured_ms;
    } else {
      const Measurement& m = layer_rows[i - networks.size()];
      r.origin = m.origin;
      r.model = m.config.op;
      r.precision = m.config.precision;
    }
    report.rows.push_back(std::move(r));
  }
  if (static_cast<std::int64_t>(networks.size()) > n_held) {
    report.mape = 100.0 * ape / static_cast<double>(static_cast<std::int64_t>(networks.size()) - n_held);
  }
  report.held_out_rows = n_held;
  if (n_held > 0) report.held_out_mape = 100.0 * held_ape / static_cast<double>(n_held);

  // Write the class models and overheads.
  for (const auto& [group, c] : overhead_column) report.overhead_ms[group] = x(static_cast<Eigen::Index>(c));
  std::ostringstream rows_text;
  rows_text << networks.size() << " network rows" << (layer_rows.empty() ? "" : " and " + std::to_string(layer_rows.size()) + " layer rows");
  const std::string fitted_by = "fitted from whole networks by odonata fit (non-negative least squares, relative error) on " +
                                rows_text.str() + " of " + provenance;
  if (report.overhead_ms.count(options.platform_overhead)) {
    report.platform.overhead_ms = {report.overhead_ms.at(options.platform_overhead),
                                   "overhead group '" + options.platform_overhead + "' " + fitted_by};
  }
  for (const auto& [key, c0] : first_column) {
    const auto [cls, precision] = key;
    NetworkClassFit cf;
    cf.op_class = cls;
    cf.precision = precision;
    cf.networks = seen.at(key);
    const std::vector<TermShape> terms = terms_of(cls);
    FittedModel model;
    model.precision = precision;
    std::vector<Layer> layers;
    for (std::size_t i = 0; i < networks.size(); ++i) {
      const FitNetwork& n = networks[i];
      if (held[i] || n.row.precision != precision) continue;
      for (const Layer& l : n.layers)
        if (!IsFree(l, fusion) && !l.unknown_op && l.op_class == cls) layers.push_back(l);
    }
    for (std::size_t k = 0; k < layer_rows.size(); ++k) {
      if (layer_rows[k].config.precision == precision && sweep_layers[k].op_class == cls) layers.push_back(sweep_layers[k]);
    }
    cf.layers = static_cast<std::int64_t>(layers.size());
    std::set<std::string> dims;
    // Unsplit: the coefficients as solved. Split by a size x with values
    // v_1 < ... < v_n: the per-value coefficients c_i are rewritten over the
    // basis b_1 = 1, b_j = floor((x-1)/(v_j-1)) (a step factor), which is 0
    // below v_j and 1 at v_j, so the coefficients d solve a unit lower
    // triangular system sum_j d_j b_j(v_i) = c_i exactly: the model gives
    // each fitted value its own cost with the estimator's factors.
    const std::vector<std::int64_t>& vs = split_values.at(key);
    const std::string dim = split_dim(cls);
    for (std::size_t t = 0; t < terms.size(); ++t) {
      std::vector<double> c(vs.size());
      for (std::size_t i = 0; i < vs.size(); ++i) c[i] = x(static_cast<Eigen::Index>(c0 + i * terms.size() + t));
      std::vector<double> d(vs.size(), 0.0);
      for (std::size_t i = 0; i < vs.size(); ++i) {
        double rest = c[i];
        for (std::size_t j = 0; j < i; ++j) {
          const double bj = j == 0 ? 1.0 : std::floor(static_cast<double>(vs[i] - 1) / static_cast<double>(vs[j] - 1));
          rest -= d[j] * bj;
        }
        d[i] = rest;  // b_i(v_i) = 1
      }
      for (std::size_t j = 0; j < vs.size(); ++j) {
        if (d[j] == 0) continue;
        TermShape shape = terms[t];
        if (j > 0) shape.push_back({dim, vs[j] - 1});
        model.terms.push_back({d[j], shape});
        for (const FittedFactor& f : shape) dims.insert(f.dim);
      }
    }
    if (model.terms.empty()) model.terms.push_back({0.0, {}});
    cf.terms = model.terms;
    model.range = fit::DimRanges(layers, std::vector<std::string>(dims.begin(), dims.end()));
    model.rows = cf.layers;
    model.mape = report.mape;
    std::string term_list;
    for (const TermShape& t : terms) term_list += (term_list.empty() ? "" : ", ") + Describe(t);
    model.source = fitted_by + "; terms tried: " + term_list + "; mape is of the whole networks";
    ClassModel cm = base.ModelFor(cls);
    if (cm.estimator != "step_linear") cm.fallback = cm.estimator;
    cm.estimator = "step_linear";
    std::erase_if(cm.fitted, [p = precision](const FittedModel& f) { return f.precision == p; });
    cm.fitted.push_back(std::move(model));
    std::sort(cm.fitted.begin(), cm.fitted.end(),
              [](const FittedModel& l, const FittedModel& r) { return l.precision < r.precision; });
    report.platform.classes[cls] = std::move(cm);
    report.classes.push_back(std::move(cf));
  }

  // Power: energy = sum over fitted layers of their power x predicted time
  // (options.power_form) + idle_w x overhead; non-negative least squares on
  // relative energy error over the rows that are not held out.
  std::vector<std::size_t> energy_rows;
  for (std::size_t i = 0; i < networks.size(); ++i)
    if (networks[i].row.EnergyMj()) energy_rows.push_back(i);
  if (options.power && !energy_rows.empty()) {
    const PowerForm form = options.power_form;
    // Columns: per class (kKernel: per class and split value; kThroughput: p0
    // then p1), then the energy per byte (kBytes), then idle_w.
    std::map<std::pair<OpClass, std::int64_t>, std::size_t> pcol;
    std::vector<std::string> pnames;
    for (const auto& [key, c0] : first_column) {
      const OpClass cls = key.first;
      std::vector<std::int64_t> vs = {0};
      if (form == PowerForm::kKernel && !split_dim(cls).empty()) vs = split_values.at(key);
      for (std::int64_t v : vs) {
        if (pcol.count({cls, v})) continue;
        pcol[{cls, v}] = pnames.size();
        const std::string name = OpClassName(cls);
        if (form == PowerForm::kKernel && !split_dim(cls).empty()) {
          pnames.push_back(name + " " + split_dim(cls) + "=" + std::to_string(v) + " W");
        } else if (form == PowerForm::kThroughput) {
          pnames.push_back(name + " static W");
          pnames.push_back(name + " dynamic W");
        } else {
          pnames.push_back(name + " W");
        }
      }
    }
    const std::size_t bytes_col = pnames.size();
    if (form == PowerForm::kBytes) pnames.push_back("energy per byte pJ");
    const std::size_t idle_col = pnames.size();
    pnames.push_back("idle W");
    Eigen::MatrixXd pa = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(energy_rows.size()),
                                               static_cast<Eigen::Index>(pnames.size()));
    Eigen::VectorXd pb(static_cast<Eigen::Index>(energy_rows.size()));
    std::vector<double> pfixed(energy_rows.size(), 0.0);
    for (std::size_t r = 0; r < energy_rows.size(); ++r) {
      const FitNetwork& n = networks[energy_rows[r]];
      const Precision p = n.row.precision;
      const Eigen::Index row = static_cast<Eigen::Index>(r);
      for (const Layer& l : n.layers) {
        if (IsFree(l, fusion)) continue;
        if (l.unknown_op || !fitted(l.op_class, p)) {
          pfixed[r] += BaseMs(l, base, p) * base.ActivePowerW(l.op_class);
          continue;
        }
        double ms = 0;
        const std::size_t c0 = layer_column(l, p);
        const std::vector<TermShape> terms = terms_of(l.op_class);
        for (std::size_t t = 0; t < terms.size(); ++t) ms += x(static_cast<Eigen::Index>(c0 + t)) * TermValue(l, terms[t]);
        ms = std::max(0.0, ms);  // as the estimator clamps it
        const double repeat = static_cast<double>(l.repeat);
        const std::string dim = split_dim(l.op_class);
        const std::int64_t v = form == PowerForm::kKernel && !dim.empty() ? LayerDim(l, dim) : 0;
        const Eigen::Index col = static_cast<Eigen::Index>(pcol.at({l.op_class, v}));
        pa(row, col) += ms * repeat;
        if (form == PowerForm::kThroughput) {
          // Time at the peak: 2 x MACs ops at peak_gops (ops / (GOPS x 1e9) s = ops / (GOPS x 1e6) ms).
          const double peak_ms = 2.0 * static_cast<double>(l.counts.macs) / (base.precisions.at(p).peak_gops.value * 1e6);
          pa(row, col + 1) += std::min(ms, peak_ms) * repeat;
        }
        if (form == PowerForm::kBytes) {
          // GB, so that the coefficient (mJ per GB) is pJ per byte.
          pa(row, static_cast<Eigen::Index>(bytes_col)) +=
              static_cast<double>(l.counts.Bytes(PrecisionBytes(p))) * 1e-9 * repeat;
        }
      }
      pa(row, static_cast<Eigen::Index>(idle_col)) = report.overhead_ms.at(n.row.overhead);
      const double e = *n.row.EnergyMj();
      const double w = options.relative ? 1.0 / e : 1.0;
      pa.row(row) *= w;
      pb(row) = (e - pfixed[r]) * w;
    }
    Eigen::MatrixXd pas = pa;  // held-out rows take no part in the solve
    Eigen::VectorXd pbs = pb;
    for (std::size_t r = 0; r < energy_rows.size(); ++r) {
      if (!held[energy_rows[r]]) continue;
      pas.row(static_cast<Eigen::Index>(r)).setZero();
      pbs(static_cast<Eigen::Index>(r)) = 0;
    }
    const Eigen::VectorXd px = ScaledNnls(pas, pbs);
    const Eigen::VectorXd pfit = pa * px;
    double eape = 0, held_eape = 0;
    std::int64_t n_fit = 0, n_held_e = 0;
    for (std::size_t r = 0; r < energy_rows.size(); ++r) {
      const double e = *networks[energy_rows[r]].row.EnergyMj();
      const double w = options.relative ? 1.0 / e : 1.0;
      const double pred = pfit(static_cast<Eigen::Index>(r)) / w + pfixed[r];
      report.rows[energy_rows[r]].predicted_mj = pred;
      const bool h = held[energy_rows[r]];
      (h ? held_eape : eape) += std::abs(pred - e) / e;
      ++(h ? n_held_e : n_fit);
    }
    report.energy_rows = n_fit;
    if (n_fit > 0) report.energy_mape = 100.0 * eape / static_cast<double>(n_fit);
    report.held_out_energy_rows = n_held_e;
    if (n_held_e > 0) report.held_out_energy_mape = 100.0 * held_eape / static_cast<double>(n_held_e);
    for (std::size_t c = 0; c < pnames.size(); ++c) report.power_terms.emplace_back(pnames[c], px(static_cast<Eigen::Index>(c)));
    report.idle_w = px(static_cast<Eigen::Index>(idle_col));
    report.power_form = form;
    if (form == PowerForm::kClass) {  // the form the profile holds
      const std::string power_by = "fitted by odonata fit on the energy of " + std::to_string(n_fit) +
                                   " network rows of " + provenance + " (non-negative least squares, relative error)";
      for (auto& cf : report.classes) {
        const double w = px(static_cast<Eigen::Index>(pcol.at({cf.op_class, 0})));
        cf.active_w = w;
        report.platform.classes[cf.op_class].active_power_w = Sourced{w, power_by};
      }
      report.platform.idle_power_w = {*report.idle_w, "power during the overhead, " + power_by};
    }
  }
  return report;
}

std::vector<NetworkFitRow> PredictNetworks(const std::vector<FitNetwork>& networks, const Platform& platform,
                                           const std::map<std::string, double>& group_overhead) {
  std::vector<NetworkFitRow> out;
  for (const FitNetwork& n : networks) {
    NetworkFitRow r;
    r.origin = n.row.origin;
    r.model = n.row.model;
    r.precision = n.row.precision;
    r.measured_ms = n.row.latency_ms;
    r.measured_mj = n.row.EnergyMj();
    double ms = 0, mj = 0;
    for (const Layer& l : n.layers) {
      if (IsFree(l, platform.fusion)) continue;
      const double t = BaseMs(l, platform, n.row.precision);
      ms += t;
      mj += t * platform.ActivePowerW(l.op_class);
    }
    auto it = group_overhead.find(n.row.overhead);
    const double overhead = it != group_overhead.end() ? it->second : platform.overhead_ms.value;
    r.predicted_ms = ms + overhead;
    r.predicted_mj = mj + overhead * platform.idle_power_w.value;
    out.push_back(std::move(r));
  }
  return out;
}

namespace {
std::string Num(double v) {
  std::ostringstream o;
  o.precision(6);
  o << v;
  return o.str();
}
std::string Pct(double predicted, double measured) { return Num(100.0 * (predicted - measured) / measured); }
}  // namespace

void WriteNetworkFitRows(const std::vector<NetworkFitRow>& rows, std::ostream& out) {
  out << "origin,model,precision,measured_ms,predicted_ms,error_pct,measured_mj,predicted_mj,energy_error_pct\n";
  for (const NetworkFitRow& r : rows) {
    out << r.origin << "," << r.model << "," << PrecisionName(r.precision) << "," << Num(r.measured_ms) << ","
        << Num(r.predicted_ms) << "," << Pct(r.predicted_ms, r.measured_ms) << ",";
    if (r.measured_mj && r.predicted_mj) {
      out << Num(*r.measured_mj) << "," << Num(*r.predicted_mj) << "," << Pct(*r.predicted_mj, *r.measured_mj);
    } else {
      out << ",,";
    }
    out << "\n";
  }
}

void WriteNetworkFitSummary(const NetworkFitReport& report, std::ostream& out) {
  std::int64_t networks = 0, layers = 0;
  for (const NetworkFitRow& r : report.rows)
    if (!r.held_out) (r.layer_row ? layers : networks)++;
  out << "fitted " << report.platform.name << " from " << networks << " network rows";
  if (layers) out << " and " << layers << " layer rows";
  out << "\nnetwork latency MAPE " << Num(report.mape) << "%";
  if (report.energy_rows) out << ", energy MAPE " << Num(report.energy_mape) << "% (" << report.energy_rows << " rows)";
  out << "\n";
  if (report.held_out_rows) {
    out << "held out (predicted, not fitted): " << report.held_out_rows << " network rows, latency MAPE "
        << Num(report.held_out_mape) << "%";
    if (report.held_out_energy_rows) {
      out << ", energy MAPE " << Num(report.held_out_energy_mape) << "% (" << report.held_out_energy_rows << " rows)";
    }
    out << "\n";
  }
  if (report.power_form != PowerForm::kClass && !report.power_terms.empty()) {
    out << "power terms:";
    for (const auto& [name, v] : report.power_terms) out << " " << name << " " << Num(v) << ";";
    out << "\n";
  }
  for (const auto& [group, ms] : report.overhead_ms) {
    out << "overhead '" << group << "': " << Num(ms) << " ms\n";
  }
  if (report.idle_w) out << "power during the overhead: " << Num(*report.idle_w) << " W\n";
  for (const NetworkClassFit& c : report.classes) {
    out << OpClassName(c.op_class) << " " << PrecisionName(c.precision) << ": " << c.layers << " layers in "
        << c.networks << " networks; ms =";
    bool first = true;
    for (const FittedTerm& t : c.terms) {
      out << (first ? " " : " + ") << Num(t.coef);
      for (const FittedFactor& f : t.factors) out << "*" << f.dim << (f.step > 0 ? ":" + std::to_string(f.step) : "");
      first = false;
    }
    if (c.active_w) out << "; active " << Num(*c.active_w) << " W";
    out << "\n";
  }
  for (const std::string& w : report.warnings) out << "warning: " << w << "\n";
}

NetworkFitReport FitNetworkFiles(const std::vector<std::string>& network_files,
                                 const std::vector<std::string>& layer_files, const Platform& base,
                                 const NetworkFitOptions& options, const std::optional<std::string>& name) {
  std::vector<NetworkMeasurement> rows;
  std::vector<Measurement> layer_rows;
  std::string names;
  for (const std::string& path : network_files) {
    std::vector<NetworkMeasurement> part = ReadNetworkMeasurements(path);
    rows.insert(rows.end(), part.begin(), part.end());
    names += (names.empty() ? "" : ", ") + path;
  }
  for (const std::string& path : layer_files) {
    std::vector<Measurement> part = ReadMeasurements(path, /*require_latency=*/true);
    layer_rows.insert(layer_rows.end(), part.begin(), part.end());
    names += (names.empty() ? "" : ", ") + path;
  }
  const std::string provenance = "measured: " + names + ", odonata " + Version();
  NetworkFitReport fit = FitNetworks(PrepareNetworks(rows, base.fusion), layer_rows, base, provenance, options);
  if (name) fit.platform.name = *name;
  fit.platform.notes.push_back("Fitted from whole networks by " + provenance + " on top of " + base.name + ".");
  return fit;
}

}  // namespace odonata
