// Gradient-boosted regression trees (xgboost's C API, Debian's libxgboost-dev)
// for odonata fit's "trees" candidate: trained here, exported as plain arrays
// into the profile (platform.h TreeModel) and evaluated by odonata itself
// (layer_cost.cc TreesSum), so estimating needs no xgboost. Internal to src/fit/.
#pragma once

#include <string>
#include <vector>

#include "odonata/platform.h"

namespace odonata {

// Small, deterministic boosting: one thread, exact splits, no subsampling, so
// that the same rows give the same trees, bit for bit.
struct TreeParams {
  int rounds = 150;
  int max_depth = 4;
  double eta = 0.1;
  double lambda = 1.0;
  double min_child_weight = 2.0;
};

// Trees regressing `y` on `x` (rows of features, named `features`, LayerDim
// names): squared error, base = mean of y. The model's reachable nodes are
// renumbered breadth first (children after parents). Throws Error when xgboost
// fails, with fewer than 2 rows, or when odonata was built without xgboost
// (CanFitTrees(), fit.h).
TreeModel FitTrees(const std::vector<std::vector<float>>& x, const std::vector<double>& y,
                   const std::vector<std::string>& features, const TreeParams& params = {});

// What `odonata fit --trees` says when odonata was built without xgboost.
inline constexpr const char* kNoXgboost = "built without libxgboost-dev: --trees unavailable";

// "1.7.4": the xgboost library linked, for the profile's sources ("" when
// built without it).
std::string XgboostVersion();

// What odonata's evaluator gives for one row of features (the sum of base and
// the leaves reached), for tests and the fit's own check. Needs no xgboost.
double EvalTrees(const TreeModel& model, const std::vector<float>& row);

// xgboost's own prediction of the same rows (a freshly trained booster), for
// the test that odonata's evaluator reproduces it.
std::vector<double> XgboostPredictForTest(const std::vector<std::vector<float>>& x, const std::vector<double>& y,
                                          const TreeParams& params = {});

}  // namespace odonata
