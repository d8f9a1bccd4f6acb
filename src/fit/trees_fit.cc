// Training gradient-boosted trees with xgboost and exporting them (trees_fit.h).
// xgboost is optional at build time (CMake ODONATA_XGBOOST): without it
// (ODONATA_HAVE_XGBOOST undefined) training throws, evaluating still works.
#include "trees_fit.h"

#ifdef ODONATA_HAVE_XGBOOST
#include <xgboost/c_api.h>
#endif

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <queue>
#include <string>

#include "odonata/errors.h"
#include "odonata/fit.h"

namespace odonata {
#ifdef ODONATA_HAVE_XGBOOST

namespace {

using Json = nlohmann::json;

void Check(int rc, const char* what) {
  if (rc != 0) throw Error(std::string("fit: xgboost ") + what + " failed: " + XGBGetLastError());
}

struct Booster {
  DMatrixHandle dmat = nullptr;
  BoosterHandle booster = nullptr;
  ~Booster() {
    if (booster) XGBoosterFree(booster);
    if (dmat) XGDMatrixFree(dmat);
  }
};

double Mean(const std::vector<double>& y) {
  double s = 0;
  for (double v : y) s += v;
  return s / static_cast<double>(y.size());
}

// Train into b; base_score is the mean of y (printed with 17 digits, so the
// exported base is the value xgboost used, read back from its model).
void Train(Booster& b, const std::vector<std::vector<float>>& x, const std::vector<double>& y, const TreeParams& p) {
  if (x.size() < 2 || x.size() != y.size()) throw Error("fit: trees need at least 2 rows");
  const std::size_t cols = x.front().size();
  std::vector<float> flat;
  flat.reserve(x.size() * cols);
  for (const auto& row : x) flat.insert(flat.end(), row.begin(), row.end());
  std::vector<float> label(y.begin(), y.end());
  Check(XGDMatrixCreateFromMat(flat.data(), x.size(), cols, std::nanf(""), &b.dmat), "DMatrix");
  Check(XGDMatrixSetFloatInfo(b.dmat, "label", label.data(), label.size()), "labels");
  Check(XGBoosterCreate(&b.dmat, 1, &b.booster), "booster");
  char base[64];
  std::snprintf(base, sizeof base, "%.9g", static_cast<double>(static_cast<float>(Mean(y))));
  const std::pair<const char*, std::string> params[] = {
      {"objective", "reg:squarederror"},
      {"tree_method", "exact"},
      {"nthread", "1"},
      {"seed", "0"},
      {"subsample", "1"},
      {"colsample_bytree", "1"},
      {"max_depth", std::to_string(p.max_depth)},
      {"eta", std::to_string(p.eta)},
      {"lambda", std::to_string(p.lambda)},
      {"min_child_weight", std::to_string(p.min_child_weight)},
      {"base_score", base},
      {"verbosity", "0"},
  };
  for (const auto& [k, v] : params) Check(XGBoosterSetParam(b.booster, k, v.c_str()), "parameters");
  for (int i = 0; i < p.rounds; ++i) Check(XGBoosterUpdateOneIter(b.booster, i, b.dmat), "training");
}

// One tree of xgboost's JSON model, its reachable nodes breadth first.
RegressionTree Export(const Json& t) {
  const auto& left = t.at("left_children");
  const auto& right = t.at("right_children");
  const auto& index = t.at("split_indices");
  const auto& cond = t.at("split_conditions");
  RegressionTree out;
  std::queue<std::int64_t> todo;
  todo.push(0);
  // New number of each old node, assigned when it is queued.
  std::vector<std::int64_t> order = {0};
  std::size_t next = 0;
  while (next < order.size()) {
    const std::int64_t old = order[next++];
    const std::int64_t l = left.at(old).get<std::int64_t>(), r = right.at(old).get<std::int64_t>();
    if (l < 0) {
      out.feature.push_back(-1);
      out.left.push_back(-1);
      out.right.push_back(-1);
      out.threshold.push_back(0);
      out.value.push_back(cond.at(old).get<double>());
      continue;
    }
    out.feature.push_back(index.at(old).get<std::int32_t>());
    out.left.push_back(static_cast<std::int32_t>(order.size()));
    order.push_back(l);
    out.right.push_back(static_cast<std::int32_t>(order.size()));
    order.push_back(r);
    // xgboost compares float features with float thresholds.
    out.threshold.push_back(static_cast<double>(cond.at(old).get<float>()));
    out.value.push_back(0);
  }
  return out;
}

}  // namespace

TreeModel FitTrees(const std::vector<std::vector<float>>& x, const std::vector<double>& y,
                   const std::vector<std::string>& features, const TreeParams& params) {
  Booster b;
  Train(b, x, y, params);
  bst_ulong len = 0;
  const char* buf = nullptr;
  Check(XGBoosterSaveModelToBuffer(b.booster, "{\"format\": \"json\"}", &len, &buf), "export");
  const Json model = Json::parse(std::string(buf, len));
  const Json& learner = model.at("learner");
  TreeModel m;
  m.features = features;
  m.base = std::stod(learner.at("learner_model_param").at("base_score").get<std::string>());
  for (const Json& t : learner.at("gradient_booster").at("model").at("trees")) m.trees.push_back(Export(t));
  m.rows = static_cast<std::int64_t>(x.size());
  return m;
}

std::string XgboostVersion() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::vector<double> XgboostPredictForTest(const std::vector<std::vector<float>>& x, const std::vector<double>& y,
                                          const TreeParams& params) {
  Booster b;
  Train(b, x, y, params);
  bst_ulong len = 0;
  const float* out = nullptr;
  Check(XGBoosterPredict(b.booster, b.dmat, 0, 0, 0, &len, &out), "predict");
  return std::vector<double>(out, out + len);
}

bool CanFitTrees() { return true; }

#else  // built without libxgboost-dev

namespace {
[[noreturn]] void Unavailable() { throw Error(std::string("fit: ") + kNoXgboost); }
}  // namespace

TreeModel FitTrees(const std::vector<std::vector<float>>&, const std::vector<double>&, const std::vector<std::string>&,
                   const TreeParams&) {
  Unavailable();
}

std::string XgboostVersion() { return ""; }

std::vector<double> XgboostPredictForTest(const std::vector<std::vector<float>>&, const std::vector<double>&,
                                          const TreeParams&) {
  Unavailable();
}

bool CanFitTrees() { return false; }

#endif  // ODONATA_HAVE_XGBOOST

double EvalTrees(const TreeModel& model, const std::vector<float>& row) {
  double sum = model.base;
  for (const RegressionTree& t : model.trees) {
    std::size_t k = 0;
    while (t.left[k] >= 0) {
      const float v = row.at(static_cast<std::size_t>(t.feature[k]));
      k = static_cast<std::size_t>(v < static_cast<float>(t.threshold[k]) ? t.left[k] : t.right[k]);
    }
    sum += t.value[k];
  }
  return sum;
}

}  // namespace odonata
