// Design-space exploration (`odonata compare`, `odonata explore`): estimate
// every combination of models x input resolutions x platforms x precisions,
// drop the combinations that break the constraints, mark the Pareto front.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "odonata/platform.h"

namespace odonata {

// One estimated combination. Units: ms, mJ, W, inferences/s, USD.
struct Candidate {
  std::string model;       // network name (the model file's stem)
  std::string model_path;  // as given
  std::string platform;    // Platform::DisplayName(): "jetson-tx2:maxq"
  Precision precision = Precision::kFp32;
  std::string resolution;          // "1280x720" (WxH of the image input), "" = the model's own
  std::int64_t batch = 1;          // leading dimension of the image input (1 without one)
  double latency_ms = 0;           // Report::total_ms
  double energy_mj = 0;            // Report::energy_mj, per inference (of `batch` images)
  double avg_power_w = 0;          // Report::avg_power_w
  double throughput_ips = 0;       // images per second: batch * 1000 / latency_ms (0 when latency is 0)
  double price_usd = 0;            // Platform::price_usd
  std::optional<double> accuracy;  // from the accuracy table; absent when the model is not in it
  bool pareto = false;             // set by MarkPareto
  // How far to trust latency_ms (docs/report-format.md "Trust"): the
  // estimate's 90% interval (Report::interval) and the profile's validated MAPE, %.
  std::optional<double> interval_low_ms, interval_high_ms;
  std::optional<double> validated_mape;
};

// A combination that was not estimated, and why. Empty `platform` and
// `precision`: every platform and precision (the model could not be loaded at
// that resolution).
struct Skipped {
  std::string model;
  std::string platform;
  std::string precision;
  std::string resolution;
  std::string reason;
  std::size_t combinations = 1;  // how many combinations this entry stands for
};

// Which objectives the Pareto front is over. Latency, energy and price are
// minimised, accuracy maximised.
struct Objectives {
  bool latency = true;
  bool energy = true;
  bool price = true;
  bool accuracy = false;
};

// Set `pareto` on every candidate that no other candidate dominates. `b`
// dominates `a` when `b` is at least as good in every objective and strictly
// better in one; so candidates with equal objective values do not dominate
// each other and are all marked (duplicates stay on the front together), and
// a single candidate is always optimal. With the accuracy objective, a
// candidate without accuracy counts as the worst accuracy (it stays optimal
// only by being faster, leaner or cheaper than every more accurate one).
// Returns the number of optimal candidates. O(n^2): fine for thousands.
std::size_t MarkPareto(std::vector<Candidate>& candidates, const Objectives& objectives);

// Limits a candidate must meet (inclusive). Absent: no limit.
struct Constraints {
  std::optional<double> max_latency_ms;
  std::optional<double> max_energy_mj;
  std::optional<double> max_price_usd;
  // Candidates without an accuracy are not held to this limit (they are kept;
  // ExploreResult::warnings names their models).
  std::optional<double> min_accuracy;

  bool Empty() const { return !max_latency_ms && !max_energy_mj && !max_price_usd && !min_accuracy; }
};

bool Satisfies(const Candidate& candidate, const Constraints& constraints);
// Remove the candidates that break `constraints`, keeping the order of the
// others. Returns how many were removed.
std::size_t ApplyConstraints(std::vector<Candidate>& candidates, const Constraints& constraints);

// Input resolution "WxH" ("640x640", "1280x720": width first, as video sizes
// are written; it sets NCHW dims H = height, W = width).
struct Resolution {
  std::int64_t width = 0;
  std::int64_t height = 0;

  std::string Label() const;  // "1280x720"
  bool operator==(const Resolution&) const = default;
};
// Parsed from text by ParseResolution (src/units.h).

// Accuracy per model (and optionally per resolution) from a CSV file with a
// header: model,accuracy[,resolution] (any order). `model` is the model file's
// stem ("resnet50"); an empty or absent resolution applies to every resolution
// of the model, a given one ("640x640") overrides it at that resolution. The
// unit is the file's (top-1, mAP, ...); higher is better.
class AccuracyTable {
 public:
  // Errors name the file and line: "acc.csv:3: accuracy: 'high' is not a number".
  static AccuracyTable Parse(const std::string& csv_text, const std::string& origin);
  static AccuracyTable Load(const std::string& path);

  // The accuracy of `model` at `resolution` ("" = the model's own input shape).
  std::optional<double> Find(const std::string& model, const std::string& resolution) const;
  bool HasModel(const std::string& model) const;
  bool Empty() const { return values_.empty(); }

 private:
  std::map<std::pair<std::string, std::string>, double> values_;  // (model, resolution or "")
};

// Platforms from `--platform`: "all" (every profile on the search path, as
// written, without modes applied) or a comma-separated list of names or .json
// paths, each optionally with ":MODE", or ":*" for every mode of the profile
// (the profile itself when it has none). Duplicates are dropped. Errors are
// those of ResolvePlatform and LoadPlatform.
std::vector<Platform> LoadPlatforms(const std::string& spec, const std::vector<std::string>& search_path);

struct ExploreSpec {
  std::vector<std::string> models;  // model files (ONNX, or ANNETTE graphs without resolutions)
  std::vector<Platform> platforms;
  // Empty: each platform's default precision. Given (each once; repeats are
  // ignored): those of them each platform supports; a platform lacking one is
  // skipped for it (listed), and a precision no platform supports is an error.
  std::vector<Precision> precisions;
  // Empty: each model at its own input shape. Given: the spatial dimensions
  // (2 and 3) of the model's one rank-4 input are set; a model without exactly
  // one rank-4 input, or whose graph cannot take the size, is skipped for it.
  // A model whose declared height and width are symbolic (N x 3 x H x W) is
  // resolved at each of them (it has no size of its own).
  std::vector<Resolution> resolutions;
  std::optional<std::int64_t> batch;  // symbolic batch dimensions (LoadOptions::batch)
  // Shapes of graph inputs by name, for every model (LoadOptions::input_shapes,
  // `--input-shape`); an input a model lacks is that model's error.
  std::map<std::string, Shape> input_shapes;
  Constraints constraints;
  const AccuracyTable* accuracy = nullptr;  // optional; enables the accuracy objective
};

struct ExploreResult {
  std::size_t combinations = 0;       // models x resolutions x platforms x precisions tried
  std::vector<Candidate> candidates;  // estimated and within the constraints, in enumeration order
  std::vector<Skipped> skipped;
  std::size_t filtered = 0;  // estimated but outside the constraints (not in candidates)
  std::size_t pareto_count = 0;
  Objectives objectives;              // what the front is over
  Constraints constraints;            // as applied
  std::vector<std::string> warnings;  // each once: loader warnings, models without accuracy
};

// Called after each combination with (done, total); total is fixed for a run.
using ExploreProgress = std::function<void(std::size_t done, std::size_t total)>;

// Enumerate models (outer) x resolutions x platforms x precisions (inner),
// loading each model once per resolution and estimating with EstimateNetwork.
// Then constraints, then the Pareto front over latency, energy, price and,
// with an accuracy table, accuracy. A model file that cannot be loaded at its
// own shape is an error (the user named it); other failures skip.
ExploreResult Explore(const ExploreSpec& spec, const ExploreProgress& progress = {});

}  // namespace odonata
