// Training gradient-boosted trees with xgboost and exporting them (trees_fit.h).
// xgboost is optional at build time (CMake ODONATA_XGBOOST): without it
// (ODONATA_HAVE_XGBOOST undefined) training throws, evaluating still works.
#include "trees_fit.h"

#ifdef ODONATA_HAVE_XGBOOST
#include <dlfcn.h>
#include <xgboost/c_api.h>
#endif

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <queue>
#include <type_traits>
#include <string>

#include "odonata/errors.h"
#include "odonata/fit.h"

namespace odonata {
#ifdef ODONATA_HAVE_XGBOOST

namespace {

using Json = nlohmann::json;

// libxgboost is opened when trees are first trained, not linked: loading it
// (with libdmlc and libgomp) and running its static initializers cost every
// odonata process about 8.7 M instructions (callgrind), 9% of a whole
// `odonata estimate` of ResNet-50, which never uses it.
struct XgbApi {
#define ODONATA_XGB_FN(name) decltype(&::name) name = nullptr;
  ODONATA_XGB_FN(XGBGetLastError)
  ODONATA_XGB_FN(XGBoostVersion)
  ODONATA_XGB_FN(XGBoosterCreate)
  ODONATA_XGB_FN(XGBoosterFree)
  ODONATA_XGB_FN(XGBoosterPredict)
  ODONATA_XGB_FN(XGBoosterSaveModelToBuffer)
  ODONATA_XGB_FN(XGBoosterSetParam)
  ODONATA_XGB_FN(XGBoosterUpdateOneIter)
  ODONATA_XGB_FN(XGDMatrixCreateFromMat)
  ODONATA_XGB_FN(XGDMatrixFree)
  ODONATA_XGB_FN(XGDMatrixSetFloatInfo)
#undef ODONATA_XGB_FN
  std::string error;  // why it could not be loaded ("" when loaded)
};

const XgbApi& Xgb() {
  static const XgbApi api = [] {
    XgbApi a;
    void* lib = dlopen(ODONATA_XGBOOST_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen(ODONATA_XGBOOST_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* e = dlerror();
      a.error = std::string("cannot load xgboost (" ODONATA_XGBOOST_SONAME "): ") + (e ? e : "dlopen failed");
      return a;
    }
    bool ok = true;
    auto get = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
      ok &= fn != nullptr;
    };
#define ODONATA_XGB_GET(name) get(a.name, #name);
    ODONATA_XGB_GET(XGBGetLastError)
    ODONATA_XGB_GET(XGBoostVersion)
    ODONATA_XGB_GET(XGBoosterCreate)
    ODONATA_XGB_GET(XGBoosterFree)
    ODONATA_XGB_GET(XGBoosterPredict)
    ODONATA_XGB_GET(XGBoosterSaveModelToBuffer)
    ODONATA_XGB_GET(XGBoosterSetParam)
    ODONATA_XGB_GET(XGBoosterUpdateOneIter)
    ODONATA_XGB_GET(XGDMatrixCreateFromMat)
    ODONATA_XGB_GET(XGDMatrixFree)
    ODONATA_XGB_GET(XGDMatrixSetFloatInfo)
#undef ODONATA_XGB_GET
    if (!ok) a.error = "cannot load xgboost (" ODONATA_XGBOOST_SONAME "): a function of its C API is missing";
    return a;
  }();
  if (!api.error.empty()) throw Error("fit: " + api.error);
  return api;
}

void Check(int rc, const char* what) {
  if (rc != 0) throw Error(std::string("fit: xgboost ") + what + " failed: " + Xgb().XGBGetLastError());
}

struct Booster {
  DMatrixHandle dmat = nullptr;
  BoosterHandle booster = nullptr;
  ~Booster() {
    if (booster) Xgb().XGBoosterFree(booster);
    if (dmat) Xgb().XGDMatrixFree(dmat);
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
  Check(Xgb().XGDMatrixCreateFromMat(flat.data(), x.size(), cols, std::nanf(""), &b.dmat), "DMatrix");
  Check(Xgb().XGDMatrixSetFloatInfo(b.dmat, "label", label.data(), label.size()), "labels");
  Check(Xgb().XGBoosterCreate(&b.dmat, 1, &b.booster), "booster");
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
  for (const auto& [k, v] : params) Check(Xgb().XGBoosterSetParam(b.booster, k, v.c_str()), "parameters");
  for (int i = 0; i < p.rounds; ++i) Check(Xgb().XGBoosterUpdateOneIter(b.booster, i, b.dmat), "training");
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
  Check(Xgb().XGBoosterSaveModelToBuffer(b.booster, "{\"format\": \"json\"}", &len, &buf), "export");
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
  Xgb().XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::vector<double> XgboostPredictForTest(const std::vector<std::vector<float>>& x, const std::vector<double>& y,
                                          const TreeParams& params) {
  Booster b;
  Train(b, x, y, params);
  bst_ulong len = 0;
  const float* out = nullptr;
  Check(Xgb().XGBoosterPredict(b.booster, b.dmat, 0, 0, 0, &len, &out), "predict");
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
