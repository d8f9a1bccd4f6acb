#include "odonata/platform.h"

#include "odonata/estimator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "io.h"
#include "json_reader.h"
#include "names.h"
#include "odonata/errors.h"
#include "text.h"

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace odonata {

namespace {

constexpr const char* kSchema = "odonata-platform/1";
constexpr const char* kDims[] = {"out_h", "out_w", "in_c", "out_c", "in_h", "in_w"};

using json::CheckKeys;
using json::ExpectArray;
using json::ExpectObject;
using json::FormatNumber;
using json::GetInteger;
using json::GetNumber;
using json::GetSourced;
using json::GetString;
using json::GetStringList;
using json::JoinNames;
using json::Node;
using json::Range;
using json::Suggestion;
using text::ClosestMatch;

std::vector<std::string> PrecisionNames() { return {"fp32", "fp16", "int8"}; }

Precision GetPrecisionName(const Node& n) {
  std::string text = GetString(n);
  Precision p;
  if (!ParsePrecision(text, &p)) {
    n.Fail("unknown precision '" + text + "' " + Suggestion(text, PrecisionNames()));
  }
  return p;
}

Parallelism ParseParallelism(const Node& n) {
  CheckKeys(n, {"dim", "p", "alpha", "source"}, {});
  Parallelism par;
  Node dim = n.Child("dim");
  par.dim = GetString(dim);
  std::vector<std::string> dims(std::begin(kDims), std::end(kDims));
  if (std::find(dims.begin(), dims.end(), par.dim) == dims.end()) {
    dim.Fail("unknown dimension '" + par.dim + "' " + Suggestion(par.dim, dims));
  }
  Node p = n.Child("p");
  par.p = GetInteger(p);
  if (par.p < 1) p.Fail("must be >= 1, got " + std::to_string(par.p));
  Node alpha = n.Child("alpha");
  par.alpha = GetNumber(alpha);
  if (par.alpha < 0 || par.alpha > 1) {
    alpha.Fail("must be in [0, 1], got " + FormatNumber(par.alpha));
  }
  par.source = GetString(n.Child("source"));
  return par;
}

FittedModel ParseFittedModel(const Node& n) {
  CheckKeys(n, {"precision", "terms", "range", "rows", "source"}, {"r2", "mape", "cv_mape", "folds"});
  FittedModel m;
  m.precision = GetPrecisionName(n.Child("precision"));
  const std::vector<std::string>& dims = LayerDimNames();
  auto check_dim = [&](const Node& where, const std::string& dim) {
    if (std::find(dims.begin(), dims.end(), dim) == dims.end()) {
      where.Fail("unknown dimension '" + dim + "' " + Suggestion(dim, dims));
    }
  };
  Node terms = n.Child("terms");
  ExpectArray(terms);
  if (terms.json.empty()) terms.Fail("must list at least one term");
  for (std::size_t i = 0; i < terms.json.size(); ++i) {
    Node t = terms.Element(i);
    CheckKeys(t, {"coef", "factors"}, {});
    FittedTerm term;
    term.coef = GetNumber(t.Child("coef"));
    Node factors = t.Child("factors");
    ExpectArray(factors);
    for (std::size_t j = 0; j < factors.json.size(); ++j) {
      Node f = factors.Element(j);
      CheckKeys(f, {"dim"}, {"step"});
      FittedFactor factor;
      factor.dim = GetString(f.Child("dim"));
      check_dim(f.Child("dim"), factor.dim);
      if (f.Has("step")) {
        factor.step = GetInteger(f.Child("step"));
        if (factor.step < 1) f.Child("step").Fail("must be >= 1, got " + std::to_string(factor.step));
      }
      term.factors.push_back(factor);
    }
    m.terms.push_back(term);
  }
  Node range = n.Child("range");
  ExpectObject(range);
  for (const auto& item : range.json.items()) {
    Node r = range.Child(item.key());
    check_dim(r, item.key());
    ExpectArray(r);
    if (r.json.size() != 2) r.Fail("expected [min, max]");
    std::int64_t lo = GetInteger(r.Element(0)), hi = GetInteger(r.Element(1));
    if (lo > hi) r.Fail("min " + std::to_string(lo) + " > max " + std::to_string(hi));
    m.range[item.key()] = {lo, hi};
  }
  m.rows = GetInteger(n.Child("rows"));
  if (m.rows < 1) n.Child("rows").Fail("must be >= 1");
  if (n.Has("r2")) m.r2 = GetNumber(n.Child("r2"));
  if (n.Has("mape")) m.mape = GetNumber(n.Child("mape"));
  if (n.Has("cv_mape")) m.cv_mape = GetNumber(n.Child("cv_mape"));
  if (n.Has("folds")) m.folds = GetInteger(n.Child("folds"));
  m.source = GetString(n.Child("source"));
  return m;
}

TreeModel ParseTreeModel(const Node& n) {
  CheckKeys(n, {"precision", "features", "base", "trees", "rows", "source"}, {"mape", "cv_mape", "folds"});
  TreeModel m;
  m.precision = GetPrecisionName(n.Child("precision"));
  const std::vector<std::string>& dims = LayerDimNames();
  m.features = GetStringList(n.Child("features"), false);
  for (std::size_t i = 0; i < m.features.size(); ++i) {
    if (std::find(dims.begin(), dims.end(), m.features[i]) == dims.end()) {
      n.Child("features").Element(i).Fail("unknown dimension '" + m.features[i] + "' " +
                                          Suggestion(m.features[i], dims));
    }
  }
  m.base = GetNumber(n.Child("base"));
  Node trees = n.Child("trees");
  ExpectArray(trees);
  const auto nfeat = static_cast<std::int64_t>(m.features.size());
  for (std::size_t i = 0; i < trees.json.size(); ++i) {
    Node t = trees.Element(i);
    CheckKeys(t, {"feature", "threshold", "left", "right", "value"}, {});
    RegressionTree tree;
    // A profile holds tens of thousands of tree nodes: an element gets its own
    // Node (and key path, a string) only when it is not a plain number, to
    // name it in the error; the values are the same either way.
    auto ints = [&](const char* key, std::vector<std::int32_t>& out) {
      Node a = t.Child(key);
      ExpectArray(a);
      out.reserve(a.json.size());
      std::size_t j = 0;
      for (const Json& v : a.json) {
        const bool plain = v.is_number_unsigned() ? v.get<std::uint64_t>() <= std::numeric_limits<std::int64_t>::max()
                                                  : v.is_number_integer();
        out.push_back(static_cast<std::int32_t>(plain ? v.get<std::int64_t>() : GetInteger(a.Element(j))));
        ++j;
      }
    };
    auto numbers = [&](const char* key, std::vector<double>& out) {
      Node a = t.Child(key);
      ExpectArray(a);
      out.reserve(a.json.size());
      std::size_t j = 0;
      for (const Json& v : a.json) {
        // A float from the parser is finite (nlohmann rejects 1e999); integers convert exactly as GetNumber's.
        out.push_back(v.is_number_float() && std::isfinite(v.get<double>()) ? v.get<double>() : GetNumber(a.Element(j)));
        ++j;
      }
    };
    ints("feature", tree.feature);
    ints("left", tree.left);
    ints("right", tree.right);
    numbers("threshold", tree.threshold);
    numbers("value", tree.value);
    const std::size_t nodes = tree.feature.size();
    if (nodes == 0 || tree.left.size() != nodes || tree.right.size() != nodes || tree.threshold.size() != nodes ||
        tree.value.size() != nodes) {
      t.Fail("feature, threshold, left, right and value must have the same, non-zero length");
    }
    for (std::size_t j = 0; j < nodes; ++j) {
      if (tree.left[j] < 0) continue;
      // Children come after their parent, so evaluation always ends.
      const auto self = static_cast<std::int64_t>(j);
      if (tree.left[j] <= self || tree.right[j] <= self || tree.left[j] >= static_cast<std::int64_t>(nodes) ||
          tree.right[j] >= static_cast<std::int64_t>(nodes)) {
        t.Fail("node " + std::to_string(j) + ": children must follow it and be nodes of the tree");
      }
      if (tree.feature[j] < 0 || tree.feature[j] >= nfeat) {
        t.Fail("node " + std::to_string(j) + ": feature " + std::to_string(tree.feature[j]) + " out of range");
      }
    }
    m.trees.push_back(std::move(tree));
  }
  m.rows = GetInteger(n.Child("rows"));
  if (m.rows < 1) n.Child("rows").Fail("must be >= 1");
  if (n.Has("mape")) m.mape = GetNumber(n.Child("mape"));
  if (n.Has("cv_mape")) m.cv_mape = GetNumber(n.Child("cv_mape"));
  if (n.Has("folds")) m.folds = GetInteger(n.Child("folds"));
  m.source = GetString(n.Child("source"));
  return m;
}

std::vector<std::string> KernelShapeNames() { return {"1x1", "kxk", "1xk", "strided", "split", "split_1x1"}; }

KernelTerm ParseKernelTerm(const Node& n) {
  CheckKeys(n, {"shape", "scale", "source"}, {"buffer_bytes", "line_bytes"});
  KernelTerm t;
  Node shape = n.Child("shape");
  const std::string text = GetString(shape);
  if (!ParseKernelShape(text, &t.shape) || t.shape == KernelShape::kNone) {
    shape.Fail("unknown kernel shape '" + text + "' " + Suggestion(text, KernelShapeNames()));
  }
  Node scale = n.Child("scale");
  t.scale = GetNumber(scale);
  if (!(t.scale > 0) || !std::isfinite(t.scale)) scale.Fail("must be positive, got " + FormatNumber(t.scale));
  t.source = GetString(n.Child("source"));
  // A split term is defined by its buffer; no other shape has one.
  for (const char* key : {"buffer_bytes", "line_bytes"}) {
    const bool has = n.Has(key);
    if (t.shape == KernelShape::kSplit && !has) n.Fail(std::string("a \"split\" kernel term needs \"") + key + "\"");
    if (t.shape != KernelShape::kSplit && has) n.Child(key).Fail("only a \"split\" kernel term has a buffer");
    if (!has) continue;
    Node v = n.Child(key);
    const std::int64_t x = GetInteger(v);
    if (x <= 0) v.Fail("must be positive, got " + std::to_string(x));
    (std::string(key) == "buffer_bytes" ? t.buffer_bytes : t.line_bytes) = x;
  }
  return t;
}

// A [lo, hi] pair of positive numbers, lo <= hi.
std::pair<double, double> GetPositiveRange(const Node& r) {
  ExpectArray(r);
  if (r.json.size() != 2) r.Fail("expected [min, max]");
  const double lo = GetNumber(r.Element(0)), hi = GetNumber(r.Element(1));
  if (!(lo > 0)) r.Element(0).Fail("must be > 0, got " + FormatNumber(lo));
  if (!(hi >= lo)) r.Element(1).Fail("must be >= min (" + FormatNumber(lo) + "), got " + FormatNumber(hi));
  return {lo, hi};
}

WarmModel ParseWarmModel(const Node& n) {
  CheckKeys(n, {"precision", "c0", "c_bytes", "c_ms", "bytes_range", "ms_range", "rows", "source"},
            {"mape", "cv_mape", "cold_mape", "folds", "direct_cv_mape", "direct", "c_kernel", "kernel_range",
             "plain_cv_mape", "kernel_cv_mape"});
  WarmModel w;
  w.precision = GetPrecisionName(n.Child("precision"));
  w.c0 = GetNumber(n.Child("c0"));
  w.c_bytes = GetNumber(n.Child("c_bytes"));
  w.c_ms = GetNumber(n.Child("c_ms"));
  w.bytes_range = GetPositiveRange(n.Child("bytes_range"));
  w.ms_range = GetPositiveRange(n.Child("ms_range"));
  w.rows = GetInteger(n.Child("rows"));
  if (w.rows < 1) n.Child("rows").Fail("must be >= 1");
  if (n.Has("mape")) w.mape = GetNumber(n.Child("mape"));
  if (n.Has("cv_mape")) w.cv_mape = GetNumber(n.Child("cv_mape"));
  if (n.Has("cold_mape")) w.cold_mape = GetNumber(n.Child("cold_mape"));
  if (n.Has("folds")) w.folds = GetInteger(n.Child("folds"));
  if (n.Has("direct_cv_mape")) w.direct_cv_mape = GetNumber(n.Child("direct_cv_mape"));
  if (n.Has("c_kernel") != n.Has("kernel_range")) n.Fail("c_kernel and kernel_range go together");
  if (n.Has("c_kernel")) {
    w.c_kernel = GetNumber(n.Child("c_kernel"));
    w.kernel_range = GetPositiveRange(n.Child("kernel_range"));
  }
  if (n.Has("plain_cv_mape")) w.plain_cv_mape = GetNumber(n.Child("plain_cv_mape"));
  if (n.Has("kernel_cv_mape")) w.kernel_cv_mape = GetNumber(n.Child("kernel_cv_mape"));
  if (n.Has("direct")) {
    w.direct = ParseFittedModel(n.Child("direct"));
    if (w.direct->precision != w.precision) {
      n.Child("direct").Child("precision").Fail(std::string("must be the warm model's precision (") +
                                                PrecisionName(w.precision) + ")");
    }
  }
  w.source = GetString(n.Child("source"));
  return w;
}

CacheShare ParseCacheShare(const Node& n) {
  CheckKeys(n, {"half_bytes", "slope", "rows", "source"},
            {"mape", "cv_mape", "cold_mape", "warm_mape", "size", "cv_mape_by_size", "criterion", "warm_classes",
             "warm_class_share", "level_cv_mape"});
  CacheShare s;
  auto positive = [&](const char* key) {
    Node v = n.Child(key);
    const double x = GetNumber(v);
    if (!(x > 0) || !std::isfinite(x)) v.Fail("must be a finite number > 0, got " + FormatNumber(x));
    return x;
  };
  s.half_bytes = positive("half_bytes");
  s.slope = positive("slope");
  s.rows = GetInteger(n.Child("rows"));
  if (s.rows < 1) n.Child("rows").Fail("must be >= 1");
  if (n.Has("mape")) s.mape = GetNumber(n.Child("mape"));
  if (n.Has("cv_mape")) s.cv_mape = GetNumber(n.Child("cv_mape"));
  if (n.Has("cold_mape")) s.cold_mape = GetNumber(n.Child("cold_mape"));
  if (n.Has("warm_mape")) s.warm_mape = GetNumber(n.Child("warm_mape"));
  if (n.Has("size")) {
    const Node v = n.Child("size");
    ShareSize z{};
    if (!ParseShareSize(GetString(v), &z)) {
      v.Fail("expected weights, activations, weights+activations, max_layer, mean_layer or weights+peak");
    }
    s.size = z;
  }
  if (n.Has("cv_mape_by_size")) {
    const Node by = n.Child("cv_mape_by_size");
    ExpectObject(by);
    CheckKeys(by, {}, {"weights", "activations", "weights+activations", "max_layer", "mean_layer",
                       "weights+peak"});
    for (std::size_t i = 0; i < kShareSizeCount; ++i) {
      const char* key = ShareSizeName(kShareSizes[i]);
      if (by.Has(key)) s.cv_mape_by_size[i] = GetNumber(by.Child(key));
    }
  }
  if (n.Has("criterion")) {
    const Node v = n.Child("criterion");
    const std::string c = GetString(v);
    if (c != "ratio" && c != "level") v.Fail("expected ratio or level, got '" + c + "'");
    s.criterion = c;
  }
  if (n.Has("warm_classes")) {
    const Node list = n.Child("warm_classes");
    for (const std::string& name : GetStringList(list, false)) {
      OpClass c{};
      if (!ParseOpClass(name, &c)) list.Fail("unknown class '" + name + "'");
      s.warm_classes.push_back(c);
    }
  }
  if (n.Has("warm_class_share")) {
    const Node v = n.Child("warm_class_share");
    const double x = GetNumber(v);
    if (!(x >= 0 && x <= 1)) v.Fail("must be a number in [0, 1], got " + FormatNumber(x));
    if (s.warm_classes.empty()) v.Fail("needs warm_classes (the classes it is the share of)");
    s.warm_class_share = x;
  }
  if (n.Has("level_cv_mape")) s.level_cv_mape = GetNumber(n.Child("level_cv_mape"));
  s.source = GetString(n.Child("source"));
  return s;
}

// cache.int8 (CacheInt8, run 28 candidate): only next to a share.
CacheInt8 ParseCacheInt8(const Node& n) {
  CheckKeys(n, {"scale", "exponent", "rows", "source"}, {"capped", "cv_mape", "current_cv_mape", "warm_cv_mape"});
  CacheInt8 q;
  auto positive = [&](const char* key) {
    Node v = n.Child(key);
    const double x = GetNumber(v);
    if (!(x > 0) || !std::isfinite(x)) v.Fail("must be a finite number > 0, got " + FormatNumber(x));
    return x;
  };
  q.scale = positive("scale");
  q.exponent = positive("exponent");
  q.rows = GetInteger(n.Child("rows"));
  if (q.rows < 1) n.Child("rows").Fail("must be >= 1");
  if (n.Has("capped")) {
    Node c = n.Child("capped");
    if (!c.json.is_boolean()) c.Fail("expected true or false");
    q.capped = c.json.get<bool>();
  }
  if (n.Has("cv_mape")) q.cv_mape = GetNumber(n.Child("cv_mape"));
  if (n.Has("current_cv_mape")) q.current_cv_mape = GetNumber(n.Child("current_cv_mape"));
  if (n.Has("warm_cv_mape")) q.warm_cv_mape = GetNumber(n.Child("warm_cv_mape"));
  q.source = GetString(n.Child("source"));
  return q;
}

ReorderCost ParseReorderCost(const Node& n) {
  CheckKeys(n, {"const_ms", "ns_per_element", "rows", "source"}, {"mape", "cv_mape", "folds"});
  ReorderCost c;
  auto non_negative = [&](const char* key) {
    Node v = n.Child(key);
    const double x = GetNumber(v);
    if (!(x >= 0) || !std::isfinite(x)) v.Fail("must be a finite number >= 0, got " + FormatNumber(x));
    return x;
  };
  c.const_ms = non_negative("const_ms");
  c.ns_per_element = non_negative("ns_per_element");
  c.rows = GetInteger(n.Child("rows"));
  if (c.rows < 1) n.Child("rows").Fail("must be >= 1");
  if (n.Has("mape")) c.mape = GetNumber(n.Child("mape"));
  if (n.Has("cv_mape")) c.cv_mape = GetNumber(n.Child("cv_mape"));
  if (n.Has("folds")) c.folds = GetInteger(n.Child("folds"));
  c.source = GetString(n.Child("source"));
  return c;
}

NchwcSpec ParseNchwc(const Node& n) {
  CheckKeys(n, {"block", "source"}, {"reorder_input", "reorder_output"});
  NchwcSpec s;
  s.block = GetInteger(n.Child("block"));
  if (s.block < 1) n.Child("block").Fail("must be >= 1");
  s.source = GetString(n.Child("source"));
  if (n.Has("reorder_input")) s.reorder_input = ParseReorderCost(n.Child("reorder_input"));
  if (n.Has("reorder_output")) s.reorder_output = ParseReorderCost(n.Child("reorder_output"));
  return s;
}

CacheCapacity ParseCache(const Node& n) {
  // capacity_bytes is optional only next to a share (a profile fitted with --cache-chains alone).
  if (n.Has("share")) {
    CheckKeys(n, {"source", "share"}, {"capacity_bytes", "int8"});
  } else {
    CheckKeys(n, {"capacity_bytes", "source"}, {});
  }
  CacheCapacity c;
  c.capacity_bytes = -1;
  if (n.Has("capacity_bytes")) {
    Node cap = n.Child("capacity_bytes");
    c.capacity_bytes = GetInteger(cap);
    if (c.capacity_bytes < 0) cap.Fail("must be >= 0, got " + std::to_string(c.capacity_bytes));
  }
  c.source = GetString(n.Child("source"));
  if (n.Has("share")) c.share = ParseCacheShare(n.Child("share"));
  if (n.Has("int8")) c.int8 = ParseCacheInt8(n.Child("int8"));
  return c;
}

RatioInterval ParseInterval(const Node& n) {
  CheckKeys(n, {"level", "low", "high", "rows", "method", "source"}, {});
  RatioInterval iv;
  Node level = n.Child("level");
  iv.level = GetNumber(level);
  if (!(iv.level > 0 && iv.level < 1)) level.Fail("must be in (0, 1), got " + FormatNumber(iv.level));
  Node low = n.Child("low");
  iv.low = GetNumber(low);
  if (!(iv.low > 0)) low.Fail("must be > 0, got " + FormatNumber(iv.low));
  Node high = n.Child("high");
  iv.high = GetNumber(high);
  if (!(iv.high >= iv.low)) high.Fail("must be >= low (" + FormatNumber(iv.low) + "), got " + FormatNumber(iv.high));
  Node rows = n.Child("rows");
  iv.rows = GetInteger(rows);
  if (iv.rows < 1) rows.Fail("must be >= 1, got " + std::to_string(iv.rows));
  iv.method = GetString(n.Child("method"));
  iv.source = GetString(n.Child("source"));
  return iv;
}

double GetPercent(const Node& n) {
  const double v = GetNumber(n);
  if (!(v >= 0)) n.Fail("must be >= 0, got " + FormatNumber(v));
  return v;
}

Validation ParseValidation(const Node& n) {
  CheckKeys(n, {"mape", "networks", "within10", "max_abs_error", "suite", "measured", "date", "source"},
            {"coverage"});
  Validation v;
  v.mape = GetPercent(n.Child("mape"));
  Node networks = n.Child("networks");
  v.networks = GetInteger(networks);
  if (v.networks < 1) networks.Fail("must be >= 1, got " + std::to_string(v.networks));
  v.within10 = GetPercent(n.Child("within10"));
  v.max_abs_error = GetPercent(n.Child("max_abs_error"));
  if (n.Has("coverage")) v.coverage = GetPercent(n.Child("coverage"));
  v.suite = GetString(n.Child("suite"));
  v.measured = GetString(n.Child("measured"));
  v.date = GetString(n.Child("date"));
  v.source = GetString(n.Child("source"));
  return v;
}

std::vector<std::string> GetKernelFlags(const Node& n) {
  std::vector<std::string> flags = GetStringList(n, true);
  for (std::size_t i = 0; i < flags.size(); ++i) {
    if (std::find(KernelFlags().begin(), KernelFlags().end(), flags[i]) == KernelFlags().end()) {
      n.Element(i).Fail("unknown CPU flag '" + flags[i] + "' " + Suggestion(flags[i], KernelFlags()));
    }
  }
  return flags;
}

HostMachine ParseMachine(const Node& n) {
  CheckKeys(n, {"model_name", "flags", "source"},
            {"vendor", "family", "model", "stepping", "flags_checked", "logical_cpus", "threads", "runtime", "os"});
  HostMachine m;
  if (n.Has("vendor")) m.vendor = GetString(n.Child("vendor"));
  if (n.Has("family")) m.family = static_cast<int>(GetInteger(n.Child("family")));
  if (n.Has("model")) m.model = static_cast<int>(GetInteger(n.Child("model")));
  if (n.Has("stepping")) m.stepping = static_cast<int>(GetInteger(n.Child("stepping")));
  m.model_name = GetString(n.Child("model_name"));
  m.flags = GetKernelFlags(n.Child("flags"));
  if (n.Has("flags_checked")) m.flags_checked = GetKernelFlags(n.Child("flags_checked"));
  if (n.Has("logical_cpus")) m.logical_cpus = GetInteger(n.Child("logical_cpus"));
  if (n.Has("threads")) m.threads = GetInteger(n.Child("threads"));
  if (n.Has("runtime")) m.runtime = GetString(n.Child("runtime"));
  if (n.Has("os")) m.os = GetString(n.Child("os"));
  m.source = GetString(n.Child("source"));
  return m;
}

// The list under `key`, when present: each element parsed by `parse`, then
// shown to `check` (with its node) before it joins `out`, so that `check` can
// reject a duplicate of an earlier element.
template <typename T, typename Parse, typename Check>
void ParseList(const Node& n, const char* key, std::vector<T>& out, Parse parse, Check check) {
  if (!n.Has(key)) return;
  Node list = n.Child(key);
  ExpectArray(list);
  for (std::size_t i = 0; i < list.json.size(); ++i) {
    Node item = list.Element(i);
    T value = parse(item);
    check(value, item);
    out.push_back(std::move(value));
  }
}

// A step width (integer >= 1) and an alpha in [0, 1], named `what` and `alpha_key` in `n`.
std::int64_t GetStep(const Node& n, const char* key) {
  const std::int64_t v = GetInteger(n.Child(key));
  if (v < 1) n.Child(key).Fail("must be an integer >= 1");
  return v;
}

double GetAlpha(const Node& n, const char* key) {
  const double v = GetNumber(n.Child(key));
  if (!(v >= 0 && v <= 1)) n.Child(key).Fail("must be in [0, 1]");
  return v;
}

std::string GetSource(const Node& n) {
  std::string source = GetString(n.Child("source"));
  if (source.empty()) n.Child("source").Fail("must not be empty");
  return source;
}

// gemm_tiles, winograd, overlap_p, group_waves (issue 16, Jetson TX2; docs/platform-profile.md).
void ParseTensorRtTerms(const Node& n, ClassModel* m) {
  if (n.Has("gemm_tiles")) {
    Node t = n.Child("gemm_tiles");
    CheckKeys(t, {"m", "n", "alpha_m", "alpha_n", "source"}, {});
    m->gemm_tiles = GemmTiles{GetStep(t, "m"), GetStep(t, "n"), GetAlpha(t, "alpha_m"), GetAlpha(t, "alpha_n"),
                              GetSource(t)};
  }
  if (n.Has("winograd")) {
    Node w = n.Child("winograd");
    CheckKeys(w, {"speedup", "tile", "alpha", "source"}, {});
    Winograd v;
    v.speedup = GetNumber(w.Child("speedup"));
    if (!(v.speedup >= 1 && v.speedup <= 2.25)) {
      w.Child("speedup").Fail("must be in [1, 2.25] (F(2x2,3x3) needs 2.25x fewer multiplications at most)");
    }
    v.tile = GetStep(w, "tile");
    v.alpha = GetAlpha(w, "alpha");
    v.source = GetSource(w);
    m->winograd = v;
  }
  if (n.Has("overlap_p")) {
    m->overlap_p = GetSourced(n.Child("overlap_p"), Range::kPositive);
    if (!(m->overlap_p->value >= 1) || !std::isfinite(m->overlap_p->value)) {
      n.Child("overlap_p").Child("value").Fail("must be a finite number >= 1 (1: compute + memory; large: their max)");
    }
  }
  if (n.Has("group_waves")) {
    Node g = n.Child("group_waves");
    CheckKeys(g, {"tile", "units", "ms_per_wave", "source"}, {});
    GroupWaves v;
    v.tile = GetStep(g, "tile");
    v.units = GetStep(g, "units");
    v.ms_per_wave = GetNumber(g.Child("ms_per_wave"));
    if (!(v.ms_per_wave >= 0) || !std::isfinite(v.ms_per_wave)) g.Child("ms_per_wave").Fail("must be a finite number >= 0");
    v.source = GetSource(g);
    m->group_waves = v;
  }
}

ClassModel ParseClassModel(const Node& n) {
  CheckKeys(n, {"estimator"},
            {"compute_efficiency", "memory_efficiency", "parallelism", "fitted", "trees", "cv_residuals", "fallback",
             "active_w", "kernel_terms", "interval", "warm", "host_fallback", "constant_ms", "gemm_tiles", "winograd",
             "overlap_p", "group_waves"});
  ClassModel m;
  // Estimator names are checked against the registry when estimating, not
  // here: profiles must load without linking every estimator.
  m.estimator = GetString(n.Child("estimator"));
  if (n.Has("compute_efficiency")) {
    m.compute_efficiency = GetSourced(n.Child("compute_efficiency"), Range::kPositiveFraction);
  }
  if (n.Has("memory_efficiency")) {
    m.memory_efficiency = GetSourced(n.Child("memory_efficiency"), Range::kPositiveFraction);
  }
  ParseList(n, "parallelism", m.parallelism, ParseParallelism, [&](const Parallelism& par, const Node& item) {
    for (const auto& seen : m.parallelism) {
      if (seen.dim == par.dim) item.Child("dim").Fail("duplicate dimension '" + par.dim + "'");
    }
  });
  ParseList(n, "fitted", m.fitted, ParseFittedModel, [&](const FittedModel& f, const Node& item) {
    if (m.FittedFor(f.precision)) {
      item.Child("precision").Fail(std::string("a second model for ") + PrecisionName(f.precision));
    }
  });
  ParseList(n, "trees", m.trees, ParseTreeModel, [&](const TreeModel& t, const Node& item) {
    if (m.TreesFor(t.precision)) {
      item.Child("precision").Fail(std::string("a second tree model for ") + PrecisionName(t.precision));
    }
  });
  if (n.Has("cv_residuals")) {
    Node r = n.Child("cv_residuals");
    CheckKeys(r, {"p05", "p50", "p95", "rows", "source"}, {});
    CvResiduals c;
    c.p05 = GetNumber(r.Child("p05"));
    c.p50 = GetNumber(r.Child("p50"));
    c.p95 = GetNumber(r.Child("p95"));
    if (!(c.p05 <= c.p50 && c.p50 <= c.p95)) r.Fail("quantiles must be ordered: p05 <= p50 <= p95");
    c.rows = GetInteger(r.Child("rows"));
    if (c.rows < 1) r.Child("rows").Fail("must be >= 1");
    c.source = GetString(r.Child("source"));
    m.cv_residuals = c;
  }
  if (n.Has("fallback")) m.fallback = GetString(n.Child("fallback"));
  if (n.Has("active_w")) m.active_power_w = GetSourced(n.Child("active_w"), Range::kNonNegative);
  if (n.Has("constant_ms")) m.constant_ms = GetSourced(n.Child("constant_ms"), Range::kNonNegative);
  ParseList(n, "kernel_terms", m.kernel_terms, ParseKernelTerm, [&](const KernelTerm& t, const Node& item) {
    for (const KernelTerm& seen : m.kernel_terms) {
      if (seen.shape == t.shape) {
        item.Child("shape").Fail(std::string("duplicate kernel shape '") + KernelShapeName(t.shape) + "'");
      }
    }
  });
  // split_1x1 narrows a split term and uses its buffer.
  bool split = false, split_pointwise = false;
  for (const KernelTerm& t : m.kernel_terms) {
    split = split || t.shape == KernelShape::kSplit;
    split_pointwise = split_pointwise || t.shape == KernelShape::kSplitPointwise;
  }
  if (split_pointwise && !split) {
    n.Child("kernel_terms").Fail("a \"split_1x1\" kernel term needs a \"split\" term (its buffer) in the same list");
  }
  if (n.Has("interval")) m.interval = ParseInterval(n.Child("interval"));
  if (n.Has("warm")) m.warm = ParseWarmModel(n.Child("warm"));
  if (n.Has("host_fallback")) {
    Node h = n.Child("host_fallback");
    CheckKeys(h, {"max_window", "ns_per_op", "source"}, {});
    HostFallback f;
    f.max_window = GetInteger(h.Child("max_window"));
    if (f.max_window < 1) h.Child("max_window").Fail("must be >= 1");
    f.ns_per_op = GetNumber(h.Child("ns_per_op"));
    if (!(f.ns_per_op > 0) || !std::isfinite(f.ns_per_op)) h.Child("ns_per_op").Fail("must be a finite number > 0");
    f.source = GetString(h.Child("source"));
    if (f.source.empty()) h.Child("source").Fail("must not be empty");
    m.host_fallback = f;
  }
  ParseTensorRtTerms(n, &m);
  return m;
}

void ParseClasses(const Node& n, Platform* platform) {
  ExpectObject(n);
  std::vector<std::string> names = {"default"};
  for (OpClass c : AllOpClasses()) names.push_back(OpClassName(c));
  for (const auto& item : n.json.items()) {
    Node child = n.Child(item.key());
    if (item.key() == "default") {
      platform->default_class = ParseClassModel(child);
      continue;
    }
    OpClass c;
    if (!ParseOpClass(item.key(), &c)) child.Fail("unknown op class " + Suggestion(item.key(), names));
    platform->classes[c] = ParseClassModel(child);
  }
}

// The string list at `n` (GetStringList), each entry one of `allowed`; otherwise n.Fail names
// the first that is not: "'OP' is not in WHERE".
std::vector<std::string> GetStringListWithin(const Node& n, bool allow_empty, const std::vector<std::string>& allowed,
                                             const std::string& where) {
  std::vector<std::string> list = GetStringList(n, allow_empty);
  for (const std::string& op : list) {
    if (std::find(allowed.begin(), allowed.end(), op) == allowed.end()) n.Fail("'" + op + "' is not in " + where);
  }
  return list;
}

Fusion ParseFusion(const Node& n) {
  CheckKeys(n, {}, {"rules", "free", "runtime_shape_nodes"});
  Fusion f;
  if (n.Has("runtime_shape_nodes")) {
    Node r = n.Child("runtime_shape_nodes");
    if (!r.json.is_boolean()) r.Fail("expected true or false");
    f.runtime_shape_nodes = r.json.get<bool>();
  }
  if (n.Has("rules")) {
    Node rules = n.Child("rules");
    ExpectArray(rules);
    for (std::size_t i = 0; i < rules.json.size(); ++i) {
      Node r = rules.Element(i);
      CheckKeys(r, {"into", "source"}, {"absorb", "gate", "constant_weights", "dequantize", "quantize", "decomposed",
                                           "residual_2d"});
      if (r.Has("dequantize") != r.Has("quantize")) r.Fail("a QDQ fusion rule needs both 'dequantize' and 'quantize'");
      FusionRule rule;
      rule.into = GetStringList(r.Child("into"), false);
      if (r.Has("decomposed")) {
        Node d = r.Child("decomposed");
        if (!d.json.is_boolean()) d.Fail("expected true or false");
        rule.decomposed = d.json.get<bool>();
      }
      if (rule.decomposed) {
        if (r.Has("absorb") || r.Has("gate") || r.Has("quantize") || r.Has("constant_weights") ||
            r.Has("residual_2d")) {
          r.Fail("a 'decomposed' rule has only 'into' and 'source'");
        }
        Node into = r.Child("into");
        for (const std::string& op : rule.into) {
          const std::vector<std::string>& known = DecomposedOps();
          if (std::find(known.begin(), known.end(), op) == known.end()) {
            into.Fail("no decomposed form of '" + op + "' is known (known: Gelu, LayerNormalization, QuickGelu)");
          }
        }
      } else if (!r.Has("absorb") && !r.Has("gate") && !r.Has("quantize")) {
        r.Fail("a fusion rule needs 'absorb', 'gate' or both, 'dequantize' and 'quantize', or 'decomposed'");
      }
      if (r.Has("absorb")) rule.absorb = GetStringList(r.Child("absorb"), false);
      if (r.Has("gate")) rule.gate = GetStringList(r.Child("gate"), false);
      if (r.Has("dequantize")) rule.dequantize = GetStringList(r.Child("dequantize"), false);
      if (r.Has("quantize")) rule.quantize = GetStringList(r.Child("quantize"), false);
      if (r.Has("constant_weights")) {
        std::vector<std::string> absorb_or_gate = rule.absorb;
        absorb_or_gate.insert(absorb_or_gate.end(), rule.gate.begin(), rule.gate.end());
        rule.constant_weights =
            GetStringListWithin(r.Child("constant_weights"), false, absorb_or_gate, "the rule's 'absorb' or 'gate'");
      }
      if (r.Has("residual_2d")) {
        rule.residual_2d = GetStringListWithin(r.Child("residual_2d"), false, rule.absorb, "the rule's 'absorb'");
      }
      rule.source = GetString(r.Child("source"));
      f.rules.push_back(std::move(rule));
    }
  }
  if (n.Has("free")) {
    Node free = n.Child("free");
    CheckKeys(free, {"ops", "source"}, {"dispatched"});
    f.free_ops = GetStringList(free.Child("ops"), true);
    f.free_source = GetString(free.Child("source"));
    if (free.Has("dispatched")) {
      f.dispatched_free_ops = GetStringListWithin(free.Child("dispatched"), true, f.free_ops, "'ops'");
    }
  }
  return f;
}

// Letters, digits, '-', '_', '.': a name that is also a file stem or a
// command-line word (and never contains the ':' of "name:mode").
bool IsPlainName(const std::string& name) {
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::map<std::string, Mode> ParseModes(const Node& n) {
  ExpectObject(n);
  if (n.json.empty()) n.Fail("must list at least one mode (or be left out)");
  std::map<std::string, Mode> modes;
  for (const auto& item : n.json.items()) {
    Node m = n.Child(item.key());
    if (!IsPlainName(item.key())) m.Fail("mode names must contain only letters, digits, '-', '_' and '.'");
    CheckKeys(m, {"description", "compute_scale", "bandwidth_scale", "power_scale", "source"},
              {"idle_scale", "overhead_scale", "dispatch_scale"});
    Mode mode;
    mode.description = GetString(m.Child("description"));
    mode.compute_scale = GetSourced(m.Child("compute_scale"), Range::kPositive);
    mode.bandwidth_scale = GetSourced(m.Child("bandwidth_scale"), Range::kPositive);
    mode.power_scale = GetSourced(m.Child("power_scale"), Range::kPositive);
    if (m.Has("idle_scale")) mode.idle_scale = GetSourced(m.Child("idle_scale"), Range::kPositive);
    if (m.Has("overhead_scale")) mode.overhead_scale = GetSourced(m.Child("overhead_scale"), Range::kPositive);
    if (m.Has("dispatch_scale")) mode.dispatch_scale = GetSourced(m.Child("dispatch_scale"), Range::kPositive);
    mode.source = GetString(m.Child("source"));
    modes[item.key()] = std::move(mode);
  }
  return modes;
}

// fused_activation_ns: {"Clip": {"value": ns per output element, "constant_ms"?: ms per layer,
// "rows": pairs, "source": "..."}, ...}.
std::map<FusedActivation, FusedActivationCost> ParseFusedActivations(const Node& n) {
  ExpectObject(n);
  std::map<FusedActivation, FusedActivationCost> out;
  std::vector<std::string> names;
  for (std::size_t i = 1; i < kFusedActivationCount; ++i) {
    names.push_back(FusedActivationName(static_cast<FusedActivation>(i)));
  }
  for (const auto& item : n.json.items()) {
    Node a = n.Child(item.key());
    FusedActivation kind;
    if (!ParseFusedActivation(item.key(), &kind)) a.Fail("unknown activation " + Suggestion(item.key(), names));
    CheckKeys(a, {"value", "rows", "source"}, {"constant_ms"});
    FusedActivationCost c;
    c.value = GetNumber(a.Child("value"));
    if (c.value < 0) a.Child("value").Fail("must be at least 0");
    if (a.Has("constant_ms")) c.constant_ms = GetNumber(a.Child("constant_ms"));
    c.rows = GetInteger(a.Child("rows"));
    if (c.rows < 1) a.Child("rows").Fail("must be at least 1");
    c.source = GetString(a.Child("source"));
    out[kind] = std::move(c);
  }
  return out;
}

Platform ParseDocument(const Node& root) {
  CheckKeys(root,
            {"schema", "name", "description", "default_precision", "precisions", "overhead_ms", "power", "price_usd"},
            {"dispatch_ms", "fused_activation_ns", "classes", "fusion", "notes", "modes", "machine", "cache", "interval",
             "validation", "nchwc", "precision_fallback"});
  Platform p;

  Node schema = root.Child("schema");
  if (GetString(schema) != kSchema) {
    schema.Fail("unsupported schema '" + GetString(schema) + "' (expected '" + kSchema + "')");
  }

  Node name = root.Child("name");
  p.name = GetString(name);
  // The name doubles as a file stem and a command-line word.
  if (!IsPlainName(p.name)) name.Fail("must contain only letters, digits, '-', '_' and '.'");
  p.description = GetString(root.Child("description"));

  Node precisions = root.Child("precisions");
  ExpectObject(precisions);
  if (precisions.json.empty()) precisions.Fail("must list at least one precision");
  for (const auto& item : precisions.json.items()) {
    Node spec = precisions.Child(item.key());
    Precision prec;
    if (!ParsePrecision(item.key(), &prec)) {
      spec.Fail("unknown precision " + Suggestion(item.key(), PrecisionNames()));
    }
    CheckKeys(spec, {"peak_gops", "bandwidth_gbps"}, {});
    p.precisions[prec] = {GetSourced(spec.Child("peak_gops"), Range::kPositive),
                          GetSourced(spec.Child("bandwidth_gbps"), Range::kPositive)};
  }

  Node default_precision = root.Child("default_precision");
  p.default_precision = GetPrecisionName(default_precision);
  if (!p.precisions.count(p.default_precision)) {
    default_precision.Fail("'" + std::string(PrecisionName(p.default_precision)) + "' is not a key of precisions");
  }

  p.overhead_ms = GetSourced(root.Child("overhead_ms"), Range::kNonNegative);
  if (root.Has("dispatch_ms")) p.dispatch_ms = GetSourced(root.Child("dispatch_ms"), Range::kNonNegative);
  if (root.Has("fused_activation_ns")) p.fused_activation = ParseFusedActivations(root.Child("fused_activation_ns"));
  Node power = root.Child("power");
  CheckKeys(power, {"idle_w", "typical_w"}, {"active_w"});
  p.idle_power_w = GetSourced(power.Child("idle_w"), Range::kNonNegative);
  p.typical_power_w = GetSourced(power.Child("typical_w"), Range::kNonNegative);
  if (power.Has("active_w")) p.active_power_w = GetSourced(power.Child("active_w"), Range::kNonNegative);
  p.price_usd = GetSourced(root.Child("price_usd"), Range::kNonNegative);

  if (root.Has("classes")) ParseClasses(root.Child("classes"), &p);
  if (root.Has("precision_fallback")) {
    Node list = root.Child("precision_fallback");
    ExpectArray(list);
    for (std::size_t i = 0; i < list.json.size(); ++i) {
      Node item = list.Element(i);
      CheckKeys(item, {"if_class", "from", "to", "source"}, {});
      PrecisionFallback f;
      if (!ParseOpClass(GetString(item.Child("if_class")), &f.if_class)) {
        item.Child("if_class").Fail("unknown op class '" + GetString(item.Child("if_class")) + "'");
      }
      f.from = GetPrecisionName(item.Child("from"));
      f.to = GetPrecisionName(item.Child("to"));
      if (!p.precisions.count(f.from)) item.Child("from").Fail("is not a key of precisions");
      if (!p.precisions.count(f.to)) item.Child("to").Fail("is not a key of precisions");
      if (f.from == f.to) item.Child("to").Fail("must differ from \"from\"");
      for (const PrecisionFallback& seen : p.precision_fallback) {
        if (seen.from == f.from) item.Child("from").Fail("a second rule for the same precision");
      }
      f.source = GetSource(item);
      p.precision_fallback.push_back(f);
    }
  }
  if (root.Has("fusion")) p.fusion = ParseFusion(root.Child("fusion"));
  if (root.Has("notes")) p.notes = GetStringList(root.Child("notes"), true);
  if (root.Has("modes")) p.modes = ParseModes(root.Child("modes"));
  if (root.Has("machine")) p.machine = ParseMachine(root.Child("machine"));
  if (root.Has("cache")) p.cache = ParseCache(root.Child("cache"));
  if (root.Has("interval")) p.interval = ParseInterval(root.Child("interval"));
  if (root.Has("validation")) p.validation = ParseValidation(root.Child("validation"));
  if (root.Has("nchwc")) p.nchwc = ParseNchwc(root.Child("nchwc"));
  return p;
}

// Filesystem queries that answer "no" on any error (missing, no permission,
// dangling link): the search path silently skips what it cannot use.
bool IsDirectory(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool IsRegularFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

constexpr NameTable<Precision, 3> kPrecisionNames = {{{
    {Precision::kFp32, "fp32"},
    {Precision::kFp16, "fp16"},
    {Precision::kInt8, "int8"},
}}};

const char* PrecisionName(Precision p) { return kPrecisionNames.Name(p); }

constexpr NameTable<FusedActivation, 5> kFusedActivationNames = {{{
    {FusedActivation::kRelu, "Relu"},
    {FusedActivation::kClip, "Clip"},
    {FusedActivation::kSigmoid, "Sigmoid"},
    {FusedActivation::kHardSigmoid, "HardSigmoid"},
    {FusedActivation::kHardSwish, "HardSwish"},
}}};

const char* FusedActivationName(FusedActivation a) {
  return a == FusedActivation::kNone ? "" : kFusedActivationNames.Name(a);
}

bool ParseFusedActivation(const std::string& text, FusedActivation* out) {
  return kFusedActivationNames.Parse(text, out);
}

bool ParsePrecision(const std::string& text, Precision* out) { return kPrecisionNames.Parse(text, out); }

constexpr NameTable<KernelShape, kKernelShapeCount> kKernelShapeNames = {{{
    {KernelShape::kNone, "none"},
    {KernelShape::kPointwise, "1x1"},
    {KernelShape::kSquare, "kxk"},
    {KernelShape::kAsymmetric, "1xk"},
    {KernelShape::kStrided, "strided"},
    {KernelShape::kSplit, "split"},
    {KernelShape::kSplitPointwise, "split_1x1"},
}}};

const char* KernelShapeName(KernelShape s) { return kKernelShapeNames.Name(s); }

bool ParseKernelShape(const std::string& text, KernelShape* out) { return kKernelShapeNames.Parse(text, out); }

int PrecisionBytes(Precision p) {
  switch (p) {
    case Precision::kFp32:
      return 4;
    case Precision::kFp16:
      return 2;
    case Precision::kInt8:
      return 1;
  }
  return 4;
}

const TreeModel* ClassModel::TreesFor(Precision p) const {
  for (const TreeModel& t : trees) {
    if (t.precision == p) return &t;
  }
  return nullptr;
}

const FittedModel* ClassModel::FittedFor(Precision p) const {
  for (const FittedModel& f : fitted) {
    if (f.precision == p) return &f;
  }
  return nullptr;
}

namespace {

using Ordered = nlohmann::ordered_json;

Ordered SourcedJson(const Sourced& s) { return Ordered{{"value", s.value}, {"source", s.source}}; }

Ordered IntervalJson(const RatioInterval& iv) {
  return Ordered{{"level", iv.level}, {"low", iv.low},       {"high", iv.high},
                 {"rows", iv.rows},   {"method", iv.method}, {"source", iv.source}};
}

Ordered MachineJson(const HostMachine& m) {
  Ordered j = Ordered::object();
  if (!m.vendor.empty()) j["vendor"] = m.vendor;
  if (m.family) j["family"] = *m.family;
  if (m.model) j["model"] = *m.model;
  if (m.stepping) j["stepping"] = *m.stepping;
  j["model_name"] = m.model_name;
  j["flags"] = m.flags;
  if (!m.flags_checked.empty()) j["flags_checked"] = m.flags_checked;
  if (m.logical_cpus > 0) j["logical_cpus"] = m.logical_cpus;
  if (m.threads > 0) j["threads"] = m.threads;
  if (!m.runtime.empty()) j["runtime"] = m.runtime;
  if (!m.os.empty()) j["os"] = m.os;
  j["source"] = m.source;
  return j;
}

Ordered ValidationJson(const Validation& v) {
  Ordered j{{"mape", v.mape}, {"networks", v.networks}, {"within10", v.within10}, {"max_abs_error", v.max_abs_error}};
  if (v.coverage) j["coverage"] = *v.coverage;
  j["suite"] = v.suite;
  j["measured"] = v.measured;
  j["date"] = v.date;
  j["source"] = v.source;
  return j;
}

Ordered FittedJson(const FittedModel& f) {
  Ordered terms = Ordered::array();
  for (const FittedTerm& t : f.terms) {
    Ordered factors = Ordered::array();
    for (const FittedFactor& x : t.factors) {
      Ordered fj{{"dim", x.dim}};
      if (x.step > 0) fj["step"] = x.step;
      factors.push_back(fj);
    }
    terms.push_back({{"coef", t.coef}, {"factors", factors}});
  }
  Ordered range = Ordered::object();
  for (const auto& [dim, r] : f.range) range[dim] = {r.first, r.second};
  return {{"precision", PrecisionName(f.precision)},
          {"terms", terms},
          {"range", range},
          {"rows", f.rows},
          {"r2", f.r2},
          {"mape", f.mape},
          {"cv_mape", f.cv_mape},
          {"folds", f.folds},
          {"source", f.source}};
}

Ordered ClassJson(const ClassModel& m) {
  const ClassModel defaults;
  Ordered j;
  j["estimator"] = m.estimator;
  if (!(m.compute_efficiency.value == 1.0 && m.compute_efficiency.source == defaults.compute_efficiency.source)) {
    j["compute_efficiency"] = SourcedJson(m.compute_efficiency);
  }
  if (!(m.memory_efficiency.value == 1.0 && m.memory_efficiency.source == defaults.memory_efficiency.source)) {
    j["memory_efficiency"] = SourcedJson(m.memory_efficiency);
  }
  if (!m.parallelism.empty()) {
    Ordered list = Ordered::array();
    for (const Parallelism& p : m.parallelism) {
      list.push_back({{"dim", p.dim}, {"p", p.p}, {"alpha", p.alpha}, {"source", p.source}});
    }
    j["parallelism"] = list;
  }
  if (!m.fitted.empty()) {
    Ordered list = Ordered::array();
    for (const FittedModel& f : m.fitted) list.push_back(FittedJson(f));
    j["fitted"] = list;
  }
  if (!m.trees.empty()) {
    Ordered list = Ordered::array();
    for (const TreeModel& t : m.trees) {
      Ordered trees = Ordered::array();
      for (const RegressionTree& r : t.trees) {
        trees.push_back({{"feature", r.feature},
                         {"threshold", r.threshold},
                         {"left", r.left},
                         {"right", r.right},
                         {"value", r.value}});
      }
      list.push_back({{"precision", PrecisionName(t.precision)},
                      {"features", t.features},
                      {"base", t.base},
                      {"trees", trees},
                      {"rows", t.rows},
                      {"mape", t.mape},
                      {"cv_mape", t.cv_mape},
                      {"folds", t.folds},
                      {"source", t.source}});
    }
    j["trees"] = list;
  }
  if (m.cv_residuals) {
    const CvResiduals& c = *m.cv_residuals;
    j["cv_residuals"] = {{"p05", c.p05}, {"p50", c.p50}, {"p95", c.p95}, {"rows", c.rows}, {"source", c.source}};
  }
  if (m.fallback != defaults.fallback) j["fallback"] = m.fallback;
  if (m.active_power_w) j["active_w"] = SourcedJson(*m.active_power_w);
  if (m.constant_ms) j["constant_ms"] = SourcedJson(*m.constant_ms);
  if (m.gemm_tiles) {
    const GemmTiles& t = *m.gemm_tiles;
    j["gemm_tiles"] = {{"m", t.m}, {"n", t.n}, {"alpha_m", t.alpha_m}, {"alpha_n", t.alpha_n}, {"source", t.source}};
  }
  if (m.winograd) {
    const Winograd& w = *m.winograd;
    j["winograd"] = {{"speedup", w.speedup}, {"tile", w.tile}, {"alpha", w.alpha}, {"source", w.source}};
  }
  if (m.overlap_p) j["overlap_p"] = SourcedJson(*m.overlap_p);
  if (m.group_waves) {
    const GroupWaves& g = *m.group_waves;
    j["group_waves"] = {{"tile", g.tile}, {"units", g.units}, {"ms_per_wave", g.ms_per_wave}, {"source", g.source}};
  }
  if (!m.kernel_terms.empty()) {
    Ordered list = Ordered::array();
    for (const KernelTerm& t : m.kernel_terms) {
      Ordered term = {{"shape", KernelShapeName(t.shape)}, {"scale", t.scale}, {"source", t.source}};
      if (t.shape == KernelShape::kSplit) {
        term["buffer_bytes"] = t.buffer_bytes;
        term["line_bytes"] = t.line_bytes;
      }
      list.push_back(term);
    }
    j["kernel_terms"] = list;
  }
  if (m.interval) j["interval"] = IntervalJson(*m.interval);
  if (m.warm) {
    const WarmModel& w = *m.warm;
    j["warm"] = {{"precision", PrecisionName(w.precision)},
                 {"c0", w.c0},
                 {"c_bytes", w.c_bytes},
                 {"c_ms", w.c_ms},
                 {"bytes_range", {w.bytes_range.first, w.bytes_range.second}},
                 {"ms_range", {w.ms_range.first, w.ms_range.second}},
                 {"rows", w.rows},
                 {"mape", w.mape},
                 {"cv_mape", w.cv_mape},
                 {"cold_mape", w.cold_mape},
                 {"folds", w.folds},
                 {"source", w.source}};
    if (w.c_kernel != 0) {
      j["warm"]["c_kernel"] = w.c_kernel;
      j["warm"]["kernel_range"] = {w.kernel_range.first, w.kernel_range.second};
    }
    if (w.plain_cv_mape) j["warm"]["plain_cv_mape"] = *w.plain_cv_mape;
    if (w.kernel_cv_mape) j["warm"]["kernel_cv_mape"] = *w.kernel_cv_mape;
    if (w.direct_cv_mape) j["warm"]["direct_cv_mape"] = *w.direct_cv_mape;
    if (w.direct) j["warm"]["direct"] = FittedJson(*w.direct);
  }
  if (m.host_fallback) {
    const HostFallback& h = *m.host_fallback;
    j["host_fallback"] = {{"max_window", h.max_window}, {"ns_per_op", h.ns_per_op}, {"source", h.source}};
  }
  return j;
}

}  // namespace

void WritePlatform(const Platform& p, std::ostream& out) {
  Ordered j;
  j["schema"] = kSchema;
  j["name"] = p.name;
  j["description"] = p.description;
  j["default_precision"] = PrecisionName(p.default_precision);
  Ordered precisions = Ordered::object();
  for (const auto& [prec, spec] : p.precisions) {
    precisions[PrecisionName(prec)] = {{"peak_gops", SourcedJson(spec.peak_gops)},
                                       {"bandwidth_gbps", SourcedJson(spec.bandwidth_gbps)}};
  }
  j["precisions"] = precisions;
  j["overhead_ms"] = SourcedJson(p.overhead_ms);
  if (p.dispatch_ms) j["dispatch_ms"] = SourcedJson(*p.dispatch_ms);
  if (!p.precision_fallback.empty()) {
    Ordered list = Ordered::array();
    for (const PrecisionFallback& f : p.precision_fallback) {
      list.push_back(Ordered{{"if_class", OpClassName(f.if_class)}, {"from", PrecisionName(f.from)},
                             {"to", PrecisionName(f.to)}, {"source", f.source}});
    }
    j["precision_fallback"] = list;
  }
  if (!p.fused_activation.empty()) {
    Ordered acts = Ordered::object();
    for (const auto& [kind, c] : p.fused_activation) {
      Ordered a{{"value", c.value}};
      if (c.constant_ms != 0) a["constant_ms"] = c.constant_ms;
      a["rows"] = c.rows;
      a["source"] = c.source;
      acts[FusedActivationName(kind)] = a;
    }
    j["fused_activation_ns"] = acts;
  }
  Ordered power{{"idle_w", SourcedJson(p.idle_power_w)}, {"typical_w", SourcedJson(p.typical_power_w)}};
  if (p.active_power_w) power["active_w"] = SourcedJson(*p.active_power_w);
  j["power"] = power;
  j["price_usd"] = SourcedJson(p.price_usd);
  Ordered classes = Ordered::object();
  classes["default"] = ClassJson(p.default_class);
  for (OpClass c : AllOpClasses()) {
    auto it = p.classes.find(c);
    if (it != p.classes.end()) classes[OpClassName(c)] = ClassJson(it->second);
  }
  j["classes"] = classes;
  if (!p.fusion.rules.empty() || !p.fusion.free_ops.empty() || p.fusion.runtime_shape_nodes) {
    Ordered fusion = Ordered::object();
    if (!p.fusion.rules.empty()) {
      Ordered rules = Ordered::array();
      for (const FusionRule& r : p.fusion.rules) {
        Ordered rule = Ordered::object();
        rule["into"] = r.into;
        if (!r.absorb.empty()) rule["absorb"] = r.absorb;
        if (!r.gate.empty()) rule["gate"] = r.gate;
        if (!r.constant_weights.empty()) rule["constant_weights"] = r.constant_weights;
        if (!r.dequantize.empty()) rule["dequantize"] = r.dequantize;
        if (!r.quantize.empty()) rule["quantize"] = r.quantize;
        if (r.decomposed) rule["decomposed"] = true;
        if (!r.residual_2d.empty()) rule["residual_2d"] = r.residual_2d;
        rule["source"] = r.source;
        rules.push_back(rule);
      }
      fusion["rules"] = rules;
    }
    if (!p.fusion.free_ops.empty()) {
      Ordered free = Ordered::object();
      free["ops"] = p.fusion.free_ops;
      if (!p.fusion.dispatched_free_ops.empty()) free["dispatched"] = p.fusion.dispatched_free_ops;
      free["source"] = p.fusion.free_source;
      fusion["free"] = free;
    }
    if (p.fusion.runtime_shape_nodes) fusion["runtime_shape_nodes"] = true;
    j["fusion"] = fusion;
  }
  if (!p.notes.empty()) j["notes"] = p.notes;
  if (!p.modes.empty()) {
    Ordered modes = Ordered::object();
    for (const auto& [name, m] : p.modes) {
      Ordered mj{{"description", m.description},
                 {"compute_scale", SourcedJson(m.compute_scale)},
                 {"bandwidth_scale", SourcedJson(m.bandwidth_scale)},
                 {"power_scale", SourcedJson(m.power_scale)}};
      if (m.idle_scale) mj["idle_scale"] = SourcedJson(*m.idle_scale);
      if (m.overhead_scale) mj["overhead_scale"] = SourcedJson(*m.overhead_scale);
      if (m.dispatch_scale) mj["dispatch_scale"] = SourcedJson(*m.dispatch_scale);
      mj["source"] = m.source;
      modes[name] = mj;
    }
    j["modes"] = modes;
  }
  if (p.machine) j["machine"] = MachineJson(*p.machine);
  if (p.cache) {
    nlohmann::ordered_json cj;
    if (p.cache->capacity_bytes >= 0) cj["capacity_bytes"] = p.cache->capacity_bytes;
    cj["source"] = p.cache->source;
    if (const auto& sh = p.cache->share) {
      cj["share"] = {{"half_bytes", sh->half_bytes}, {"slope", sh->slope},        {"rows", sh->rows},
                     {"mape", sh->mape},             {"cv_mape", sh->cv_mape},    {"cold_mape", sh->cold_mape},
                     {"warm_mape", sh->warm_mape},   {"source", sh->source}};
      if (sh->size) cj["share"]["size"] = ShareSizeName(*sh->size);
      nlohmann::ordered_json by;
      for (std::size_t i = 0; i < kShareSizeCount; ++i) {
        if (sh->cv_mape_by_size[i]) by[ShareSizeName(kShareSizes[i])] = *sh->cv_mape_by_size[i];
      }
      if (!by.empty()) cj["share"]["cv_mape_by_size"] = by;
      if (sh->criterion) cj["share"]["criterion"] = *sh->criterion;
      if (!sh->warm_classes.empty()) cj["share"]["warm_classes"] = OpClassNames(sh->warm_classes);
      if (sh->warm_class_share) cj["share"]["warm_class_share"] = *sh->warm_class_share;
      if (sh->level_cv_mape) cj["share"]["level_cv_mape"] = *sh->level_cv_mape;
    }
    if (const auto& q = p.cache->int8) {
      cj["int8"] = {{"scale", q->scale},
                    {"exponent", q->exponent},
                    {"rows", q->rows},
                    {"capped", q->capped},
                    {"cv_mape", q->cv_mape},
                    {"current_cv_mape", q->current_cv_mape},
                    {"warm_cv_mape", q->warm_cv_mape},
                    {"source", q->source}};
    }
    j["cache"] = cj;
  }
  if (p.interval) j["interval"] = IntervalJson(*p.interval);
  if (p.validation) j["validation"] = ValidationJson(*p.validation);
  if (p.nchwc) {
    nlohmann::ordered_json nj;
    nj["block"] = p.nchwc->block;
    nj["source"] = p.nchwc->source;
    auto cost = [](const ReorderCost& c) {
      return nlohmann::ordered_json{{"const_ms", c.const_ms}, {"ns_per_element", c.ns_per_element},
                                    {"rows", c.rows},         {"mape", c.mape},
                                    {"cv_mape", c.cv_mape},   {"folds", c.folds},
                                    {"source", c.source}};
    };
    if (p.nchwc->reorder_input) nj["reorder_input"] = cost(*p.nchwc->reorder_input);
    if (p.nchwc->reorder_output) nj["reorder_output"] = cost(*p.nchwc->reorder_output);
    j["nchwc"] = nj;
  }
  out << j.dump(2) << "\n";
}

const char* ShareSizeName(ShareSize s) {
  switch (s) {
    case ShareSize::kActivations:
      return "activations";
    case ShareSize::kWeightsActivations:
      return "weights+activations";
    case ShareSize::kMaxLayer:
      return "max_layer";
    case ShareSize::kMeanLayer:
      return "mean_layer";
    case ShareSize::kWeightsPeak:
      return "weights+peak";
    case ShareSize::kWeights:
      break;
  }
  return "weights";
}

bool ParseShareSize(const std::string& text, ShareSize* out) {
  for (ShareSize s : kShareSizes) {
    if (text == ShareSizeName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

double ShareSizeOf(ShareSize size, const NetworkSizes& n) {
  switch (size) {
    case ShareSize::kActivations:
      return static_cast<double>(n.activation_bytes);
    case ShareSize::kWeightsActivations:
      return static_cast<double>(n.weight_bytes) + static_cast<double>(n.activation_bytes);
    case ShareSize::kMaxLayer:
      return static_cast<double>(n.max_layer_bytes);
    case ShareSize::kMeanLayer:
      return n.mean_layer_bytes;
    case ShareSize::kWeightsPeak:
      return static_cast<double>(n.weight_bytes) + static_cast<double>(n.peak_bytes);
    case ShareSize::kWeights:
      break;
  }
  return static_cast<double>(n.weight_bytes);
}

double CacheShare::Share(double x) const {
  if (!(x > 0)) return 1.0;
  return 1.0 / (1.0 + std::pow(x / half_bytes, slope));
}

double WarmModel::DirectFactor(double warm_ms, double bytes, double cold_ms, double kernel_area) const {
  if (!(warm_ms > 0)) return Factor(bytes, cold_ms, kernel_area);
  return std::min(1.0, warm_ms / cold_ms);
}

double WarmModel::Factor(double bytes, double cold_ms, double kernel_area) const {
  const double lb = std::clamp(std::log(std::max(bytes, 1.0)), std::log(bytes_range.first), std::log(bytes_range.second));
  const double lt = std::clamp(std::log(std::max(cold_ms, 1e-12)), std::log(ms_range.first), std::log(ms_range.second));
  double ln_factor = c0 + c_bytes * lb + c_ms * lt;
  if (c_kernel != 0) {  // no term: the sum as before, bit for bit
    ln_factor += c_kernel * std::clamp(std::log(std::max(kernel_area, 1.0)), std::log(kernel_range.first),
                                       std::log(kernel_range.second));
  }
  return std::exp(std::min(0.0, ln_factor));
}

const ClassModel& Platform::ModelFor(OpClass c) const {
  auto it = classes.find(c);
  if (it == classes.end() && c == OpClass::kRecurrent) it = classes.find(OpClass::kGemm);
  if (it == classes.end() && c == OpClass::kRoi) it = classes.find(OpClass::kDetection);
  if (it == classes.end() && c == OpClass::kScatter) it = classes.find(OpClass::kData);
  if (it == classes.end() && c == OpClass::kSilu) it = classes.find(OpClass::kActivation);
  if (it == classes.end() && c == OpClass::kTopK) it = classes.find(OpClass::kReduce);
  if (it == classes.end() && c == OpClass::kNonZero) it = classes.find(OpClass::kDetection);
  if (it == classes.end() && c == OpClass::kGatherNd) it = classes.find(OpClass::kData);
  if (it == classes.end() && c == OpClass::kResizeNchwc) it = classes.find(OpClass::kResize);
  if (it == classes.end() && c == OpClass::kConv1d) it = classes.find(OpClass::kConv);
  if (it == classes.end() && IsInt8Class(c)) it = classes.find(FloatClassOf(c));
  return it != classes.end() ? it->second : default_class;
}

double Platform::ActivePowerW(OpClass c) const {
  const ClassModel& m = ModelFor(c);
  if (m.active_power_w) return m.active_power_w->value;
  return active_power_w ? active_power_w->value : typical_power_w.value;
}

Platform ParsePlatform(const std::string& json_text, const std::string& origin) {
  const Json doc = json::ParseStrict(json_text, origin);
  try {
    return ParseDocument(Node{doc, "", origin});
  } catch (const Json::exception& e) {
    // Unreachable if every access above is type-checked; kept so a slip
    // still names the file instead of escaping as a foreign exception.
    throw Error(origin + ": " + e.what());
  }
}

namespace {

// "dir/jetson-tx2.json:maxq" -> {"dir/jetson-tx2.json", "maxq"}; a path that
// names an existing file, or has no ':' after its last '/', has no mode.
std::pair<std::string, std::string> SplitMode(const std::string& arg) {
  std::size_t colon = arg.rfind(':');
  std::size_t slash = arg.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash) || IsRegularFile(arg)) {
    return {arg, ""};
  }
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

void Scale(Sourced* s, const Sourced& factor, const std::string& what) {
  s->value *= factor.value;
  s->source += "; x " + FormatNumber(factor.value) + " for " + what;
}

}  // namespace

Platform WithMode(const Platform& platform, const std::string& mode) {
  auto it = platform.modes.find(mode);
  if (it == platform.modes.end()) {
    std::vector<std::string> names;
    for (const auto& [name, m] : platform.modes) names.push_back(name);
    std::string message = "unknown mode '" + mode + "' of " + platform.name;
    if (names.empty()) throw Error(message + " (it declares no modes)");
    std::string near = ClosestMatch(mode, names);
    throw Error(message + " (" + (near.empty() ? "" : "did you mean '" + near + "'? ") + "modes: " + JoinNames(names) +
                ")");
  }
  const Mode& m = it->second;
  Platform p = platform;
  const std::string what = "mode " + mode;
  for (auto& [precision, spec] : p.precisions) {
    Scale(&spec.peak_gops, m.compute_scale, what);
    Scale(&spec.bandwidth_gbps, m.bandwidth_scale, what);
  }
  Scale(&p.idle_power_w, m.idle_scale.value_or(m.power_scale), what);
  Scale(&p.typical_power_w, m.power_scale, what);
  if (p.active_power_w) Scale(&*p.active_power_w, m.power_scale, what);
  if (p.default_class.active_power_w) Scale(&*p.default_class.active_power_w, m.power_scale, what);
  for (auto& [cls, model] : p.classes) {
    if (model.active_power_w) Scale(&*model.active_power_w, m.power_scale, what);
  }
  // A fitted model's time is in ms, not relative to a peak: it is divided by
  // compute_scale (time scales with 1 / clock), as the roofline's compute time is.
  auto scale_fitted = [&](ClassModel& model) {
    for (FittedModel& f : model.fitted) {
      for (FittedTerm& t : f.terms) t.coef /= m.compute_scale.value;
      f.source += " (" + what + ": coefficients / compute_scale " + FormatNumber(m.compute_scale.value) + ")";
    }
    if (model.constant_ms) {  // the roofline's per-kernel constant is in ms too
      model.constant_ms->value /= m.compute_scale.value;
      model.constant_ms->source += " (" + what + ": / compute_scale " + FormatNumber(m.compute_scale.value) + ")";
    }
    if (model.group_waves) {  // the time per wave is in ms too
      model.group_waves->ms_per_wave /= m.compute_scale.value;
      model.group_waves->source += " (" + what + ": / compute_scale " + FormatNumber(m.compute_scale.value) + ")";
    }
    if (model.warm && model.warm->direct) {  // the direct warm form is in ms too
      for (FittedTerm& t : model.warm->direct->terms) t.coef /= m.compute_scale.value;
      model.warm->direct->source +=
          " (" + what + ": coefficients / compute_scale " + FormatNumber(m.compute_scale.value) + ")";
    }
  };
  scale_fitted(p.default_class);
  for (auto& [cls, model] : p.classes) scale_fitted(model);
  if (m.overhead_scale) Scale(&p.overhead_ms, *m.overhead_scale, what);
  if (p.dispatch_ms && (m.dispatch_scale || m.overhead_scale)) {
    Scale(&*p.dispatch_ms, m.dispatch_scale ? *m.dispatch_scale : *m.overhead_scale, what);
  }
  p.description += " [mode " + mode + ": " + m.description + "]";
  // The factors are relative to the profile as written: applying a second mode
  // on top would compound them.
  p.modes.clear();
  p.mode = mode;
  return p;
}

Platform LoadPlatform(const std::string& path_and_mode) {
  const auto [path, mode] = SplitMode(path_and_mode);
  if (!mode.empty()) return WithMode(LoadPlatform(path), mode);
  Platform p = ParsePlatform(ReadFile(path), path);
  fs::path file(path);
  // `--platform jetson-nano` finds jetson-nano.json; a profile claiming
  // another name would make listings and reports disagree with the file.
  if (file.extension() == ".json" && p.name != file.stem().string()) {
    throw Error(path + ": name: '" + p.name + "' does not match the file name (expected '" + file.stem().string() +
                "')");
  }
  p.path = path;
  return p;
}

namespace {

// Whether `exe` is a binary of this build tree (not installed): only then is
// the source tree's platforms/ searched, so that a binary built from another
// checkout never resolves names to that checkout's files silently.
bool IsUninstalledBuild([[maybe_unused]] const fs::path& exe) {
#if defined(ODONATA_SOURCE_DIR) && defined(ODONATA_BINARY_DIR)
  if (exe.empty()) return true;  // a library user that names no executable (tests, in-tree bindings)
  std::error_code ec;
  const fs::path build = fs::weakly_canonical(ODONATA_BINARY_DIR, ec);
  if (ec) return false;
  const fs::path file = fs::weakly_canonical(exe, ec);
  if (ec) return false;
  const auto [b, f] = std::mismatch(build.begin(), build.end(), file.begin(), file.end());
  return b == build.end();
#else
  return false;
#endif
}

}  // namespace

std::string UserPlatformDir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && xdg[0] == '/') return (fs::path(xdg) / "odonata" / "platforms").string();
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') return (fs::path(home) / ".local" / "share" / "odonata" / "platforms").string();
  return "";
}

std::vector<PlatformDir> PlatformSearchOrder(const std::string& exe_path) {
  std::vector<PlatformDir> order;
  // Absolute, so that reports name the file wherever they are read.
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  order.push_back({ec ? std::string("platforms") : (cwd / "platforms").string(), "current folder"});
  if (const char* env = std::getenv("ODONATA_PLATFORMS")) {
    std::string list = env;
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      if (end > start) order.push_back({list.substr(start, end - start), "$ODONATA_PLATFORMS"});
      start = end + 1;
    }
  }
  if (const std::string user = UserPlatformDir(); !user.empty()) order.push_back({user, "user"});
  // An installed binary finds the profiles installed next to it; a bare
  // "odonata" (found via $PATH) has no directory to start from.
  const fs::path exe = exe_path;
  const fs::path exe_dir = exe.parent_path();
  if (!exe_dir.empty()) {
    order.push_back({(exe_dir / ".." / "share" / "odonata" / "platforms").lexically_normal().string(), "installed"});
  }
#ifdef ODONATA_SOURCE_DIR
  if (IsUninstalledBuild(exe)) order.push_back({ODONATA_SOURCE_DIR "/platforms", "source tree"});
#endif
  for (PlatformDir& dir : order) dir.exists = IsDirectory(dir.path);
  return order;
}

std::vector<PlatformDir> PlatformSearchDirs(const std::string& exe_path) {
  std::vector<PlatformDir> out;
  std::set<fs::path> seen;
  for (const PlatformDir& c : PlatformSearchOrder(exe_path)) {
    if (!c.exists) continue;
    std::error_code ec;
    fs::path canonical = fs::canonical(c.path, ec);
    if (ec || !seen.insert(canonical).second) continue;
    out.push_back({fs::path(c.path).lexically_normal().string(), c.origin, true});
  }
  return out;
}

std::vector<std::string> PlatformSearchPath(const std::string& exe_path) {
  std::vector<std::string> out;
  for (const PlatformDir& dir : PlatformSearchDirs(exe_path)) out.push_back(dir.path);
  return out;
}

std::vector<std::string> ListPlatforms(const std::vector<std::string>& search_path) {
  std::set<std::string> names;
  for (const auto& dir : search_path) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path& file = it->path();
      if (file.extension() == ".json" && IsRegularFile(file)) names.insert(ProfileNameOf(file.string()));
    }
  }
  return {names.begin(), names.end()};
}

std::string ResolvePlatform(const std::string& name_or_path, const std::vector<std::string>& search_path) {
  const auto [arg, mode] = SplitMode(name_or_path);
  if (!mode.empty()) return ResolvePlatform(arg, search_path) + ":" + mode;
  bool is_path =
      arg.find('/') != std::string::npos || (arg.size() >= 5 && arg.compare(arg.size() - 5, 5, ".json") == 0);
  if (is_path) {
    if (!IsRegularFile(arg)) throw Error("platform file '" + arg + "' not found");
    return arg;
  }
  for (const auto& dir : search_path) {
    fs::path file = fs::path(dir) / (arg + ".json");
    if (IsRegularFile(file)) return file.string();
  }

  std::vector<std::string> names = ListPlatforms(search_path);
  std::string message = "unknown platform '" + arg + "'";
  if (names.empty()) {
    message += search_path.empty() ? " (no platform directories found; set ODONATA_PLATFORMS)"
                                   : " (no profiles found in " + JoinNames(search_path) + ")";
  } else {
    std::string near = ClosestMatch(arg, names);
    message += near.empty() ? " (available: " + JoinNames(names) + ")" : " (did you mean '" + near + "'?)";
  }
  throw Error(message);
}

Platform LoadPlatform(const std::string& name_or_path, const std::vector<std::string>& search_path) {
  return LoadPlatform(ResolvePlatform(name_or_path, search_path));
}

std::string ProfileNameOf(const std::string& path) { return fs::path(path).stem().string(); }

std::string PlatformJson(const Platform& platform, const std::string& origin) {
  std::ostringstream json;
  WritePlatform(platform, json);
  ParsePlatform(json.str(), origin);  // what is written must load
  return json.str();
}

}  // namespace odonata
