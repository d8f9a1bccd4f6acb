// Design-space exploration: enumerate, estimate, constrain, mark the front.
#include "odonata/explore.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string_view>
#include <utility>

#include "io.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/importers.h"
#include "odonata/model.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "text.h"
#include "units.h"

namespace odonata {
namespace {

// -1: a better than b in this objective, 0: equal, 1: worse.
int CompareMin(double a, double b) { return a < b ? -1 : (a > b ? 1 : 0); }

// Missing accuracy is the worst accuracy (see MarkPareto).
double AccuracyKey(const Candidate& c) { return c.accuracy ? *c.accuracy : -HUGE_VAL; }

// True when `b` dominates `a`: no worse in every objective, better in one.
bool Dominates(const Candidate& b, const Candidate& a, const Objectives& o) {
  bool better = false;
  auto step = [&](int cmp) {  // cmp: b compared with a
    if (cmp > 0) return false;
    better = better || cmp < 0;
    return true;
  };
  if (o.latency && !step(CompareMin(b.latency_ms, a.latency_ms))) return false;
  if (o.energy && !step(CompareMin(b.energy_mj, a.energy_mj))) return false;
  if (o.price && !step(CompareMin(b.price_usd, a.price_usd))) return false;
  if (o.accuracy && !step(CompareMin(-AccuracyKey(b), -AccuracyKey(a)))) return false;
  return better;
}

// The graph input a WxH resolution applies to: the one rank-4 (NCHW) input,
// else the one rank-3 (CHW, e.g. detection models taking a list of images).
const TensorInfo* ImageInput(const Network& network, std::string* problem) {
  for (std::size_t rank : {4, 3}) {
    const TensorInfo* found = nullptr;
    for (const TensorInfo& input : network.inputs) {
      if (input.shape.size() != rank) continue;
      if (found != nullptr) {
        *problem = "more than one rank-" + std::to_string(rank) + " input ('" + found->name + "', '" + input.name +
                   "'): which one is the image?";
        return nullptr;
      }
      found = &input;
    }
    if (found != nullptr) return found;
  }
  *problem = "no rank-4 (NCHW) or rank-3 (CHW) input to set a resolution on";
  return nullptr;
}

// Height and width of an image input's shape (the last two dimensions).
Resolution SizeOf(const TensorInfo& image) {
  const Shape& s = image.shape;
  return Resolution{s[s.size() - 1], s[s.size() - 2]};
}

// The loader accepts inputs too small for a kernel and gives empty tensors
// (dimension 0); as a design point that is not a network, so it is skipped.
std::string EmptyTensorProblem(const Network& network) {
  for (const Layer& layer : network.layers) {
    for (const TensorInfo& out : layer.outputs) {
      if (!out.shape.empty() && std::find(out.shape.begin(), out.shape.end(), 0) != out.shape.end()) {
        return "input too small: node '" + layer.name + "' (" + layer.op_type + ") outputs " + ShapeToString(out.shape);
      }
    }
  }
  return "";
}

// Warnings of one model, each text once: the same data-dependent bound at
// every resolution is said once, with the model's path.
class ModelWarnings {
 public:
  ModelWarnings(std::vector<std::string>& out, std::string path) : out_(out), path_(std::move(path)) {}
  void Add(const std::string& warning, const std::string& resolution = "") {
    if (!seen_.insert(warning).second) return;
    AddWarning(out_, path_ + (resolution.empty() ? "" : " at " + resolution) + ": " + warning);
  }

 private:
  std::vector<std::string>& out_;
  std::string path_;
  std::set<std::string> seen_;
};

// A model file resolved for several input shapes: an ONNX file is parsed once
// (OnnxModel), an ANNETTE graph (.json, fixed shapes) loaded by LoadModel.
class ModelSource {
 public:
  explicit ModelSource(const std::string& path) : path_(path) {
    if (!IsAnnetteGraph(path)) onnx_ = OpenOnnxModel(path);
  }
  Network Resolve(const LoadOptions& options) const {
    return onnx_ ? onnx_->Resolve(options) : LoadModel(path_, options);
  }
  // `options` with the image input (the one rank-4, else rank-3 input the
  // graph declares) set to `size`, its symbolic batch to options.batch (1):
  // for a model whose height and width are symbolic, which cannot be resolved
  // without a size. nullopt when there is no such input or another of its
  // dimensions is symbolic.
  std::optional<LoadOptions> AtSize(const LoadOptions& options, const Resolution& size) const {
    if (!onnx_) return std::nullopt;
    const std::vector<std::string> names = onnx_->InputNames();
    const std::vector<std::vector<std::int64_t>> shapes = onnx_->DeclaredInputShapes();
    std::optional<std::size_t> image;
    for (std::size_t rank : {4, 3}) {
      for (std::size_t i = 0; i < shapes.size() && i < names.size(); ++i) {
        if (shapes[i].size() != rank) continue;
        if (image) return std::nullopt;  // which one is the image?
        image = i;
      }
      if (image) break;
    }
    if (!image || options.input_shapes.count(names[*image])) return std::nullopt;
    Shape shape = shapes[*image];
    shape[shape.size() - 2] = size.height;
    shape[shape.size() - 1] = size.width;
    for (std::size_t d = 0; d + 2 < shape.size(); ++d) {
      if (shape[d] >= 0) continue;
      if (d != 0) return std::nullopt;
      shape[d] = options.batch.value_or(1);
    }
    LoadOptions at = options;
    at.input_shapes[names[*image]] = shape;
    return at;
  }

 private:
  std::string path_;
  std::optional<OnnxModel> onnx_;
};

std::string PrecisionList(const Platform& p) {
  std::string list;
  for (const auto& [precision, spec] : p.precisions)
    list += (list.empty() ? "" : ", ") + std::string(PrecisionName(precision));
  return list;
}

}  // namespace

std::size_t MarkPareto(std::vector<Candidate>& candidates, const Objectives& objectives) {
  std::size_t count = 0;
  for (Candidate& a : candidates) {
    a.pareto = std::none_of(candidates.begin(), candidates.end(),
                            [&](const Candidate& b) { return &b != &a && Dominates(b, a, objectives); });
    count += a.pareto ? 1 : 0;
  }
  return count;
}

bool Satisfies(const Candidate& c, const Constraints& k) {
  if (k.max_latency_ms && c.latency_ms > *k.max_latency_ms) return false;
  if (k.max_energy_mj && c.energy_mj > *k.max_energy_mj) return false;
  if (k.max_price_usd && c.price_usd > *k.max_price_usd) return false;
  if (k.min_accuracy && c.accuracy && *c.accuracy < *k.min_accuracy) return false;
  return true;
}

std::size_t ApplyConstraints(std::vector<Candidate>& candidates, const Constraints& constraints) {
  const std::size_t before = candidates.size();
  std::erase_if(candidates, [&](const Candidate& c) { return !Satisfies(c, constraints); });
  return before - candidates.size();
}

std::string Resolution::Label() const { return std::to_string(width) + "x" + std::to_string(height); }

// --- Accuracy table -----------------------------------------------------------

AccuracyTable AccuracyTable::Parse(const std::string& csv_text, const std::string& origin) {
  text::CsvReader reader(csv_text, origin);
  text::CsvRecord header;
  if (!reader.Next(&header))
    throw Error(origin + ":1: no header row (the file is empty); expected model,accuracy[,resolution]");
  const std::string where = origin + ":" + std::to_string(header.line);
  if (header.fields.size() == 1 && header.fields[0].find_first_of(";\t") != std::string::npos) {
    throw Error(where + ": the header has one column; is the file ';'- or tab-separated? odonata reads ',' only");
  }
  int col_model = -1, col_accuracy = -1, col_resolution = -1;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name(text::Trim(header.fields[i]));
    int* col = name == "model"        ? &col_model
               : name == "accuracy"   ? &col_accuracy
               : name == "resolution" ? &col_resolution
                                      : nullptr;
    if (col == nullptr) {
      const std::string guess = text::ClosestMatch(name, {"model", "accuracy", "resolution"});
      throw Error(where + ": unknown column '" + name + "'" +
                  (guess.empty() ? " (columns: model, accuracy, resolution)" : " (did you mean '" + guess + "'?)"));
    }
    if (*col >= 0) throw Error(where + ": duplicate column '" + name + "'");
    *col = static_cast<int>(i);
  }
  if (col_model < 0) throw Error(where + ": missing required column 'model'");
  if (col_accuracy < 0) throw Error(where + ": missing required column 'accuracy'");

  AccuracyTable table;
  std::map<std::pair<std::string, std::string>, int> first_line;
  text::CsvRecord r;
  while (reader.Next(&r)) {
    const std::string at = origin + ":" + std::to_string(r.line);
    if (r.fields.size() != header.fields.size()) {
      throw Error(at + ": expected " + std::to_string(header.fields.size()) + " fields, got " +
                  std::to_string(r.fields.size()));
    }
    const std::string model(text::Trim(r.fields[static_cast<std::size_t>(col_model)]));
    if (model.empty()) throw Error(at + ": model: empty");
    const std::string value(text::Trim(r.fields[static_cast<std::size_t>(col_accuracy)]));
    if (value.empty()) throw Error(at + ": accuracy: empty");
    double accuracy = 0;
    const text::Parsed parsed = text::ParseWhole(value, &accuracy);
    if (parsed == text::Parsed::kNotFinite) throw Error(at + ": accuracy: '" + value + "' is not a finite number");
    if (parsed != text::Parsed::kOk) throw Error(at + ": accuracy: '" + value + "' is not a number");
    std::string resolution;
    if (col_resolution >= 0) {
      const std::string res(text::Trim(r.fields[static_cast<std::size_t>(col_resolution)]));
      if (!res.empty()) {
        try {
          resolution = ParseResolution(res).Label();
        } catch (const Error& e) {
          throw Error(at + ": resolution: " + e.what());
        }
      }
    }
    const auto key = std::make_pair(model, resolution);
    auto [it, inserted] = first_line.emplace(key, r.line);
    if (!inserted) {
      throw Error(at + ": model '" + model + "'" + (resolution.empty() ? "" : " at " + resolution) +
                  " already has an accuracy (line " + std::to_string(it->second) + ")");
    }
    table.values_[key] = accuracy;
  }
  return table;
}

AccuracyTable AccuracyTable::Load(const std::string& path) { return Parse(ReadFile(path), path); }

std::optional<double> AccuracyTable::Find(const std::string& model, const std::string& resolution) const {
  auto it = values_.find({model, resolution});
  if (it == values_.end()) it = values_.find({model, ""});
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

bool AccuracyTable::HasModel(const std::string& model) const {
  auto it = values_.lower_bound({model, ""});
  return it != values_.end() && it->first.first == model;
}

// --- Platforms ----------------------------------------------------------------

std::vector<Platform> LoadPlatforms(const std::string& spec, const std::vector<std::string>& search_path) {
  std::vector<std::string> names;
  if (text::Trim(spec) == "all") {
    names = ListPlatforms(search_path);
    if (names.empty()) throw Error("--platform all: no platform profiles on the search path");
  } else {
    std::size_t start = 0;
    while (start <= spec.size()) {
      std::size_t comma = spec.find(',', start);
      if (comma == std::string::npos) comma = spec.size();
      const std::string item(text::Trim(std::string_view(spec).substr(start, comma - start)));
      if (item.empty()) throw Error("--platform: empty name in '" + spec + "'", ExitCode::kUsage);
      names.push_back(item);
      start = comma + 1;
    }
  }
  std::vector<Platform> platforms;
  std::set<std::string> seen;
  auto add = [&](Platform p) {
    if (seen.insert(p.DisplayName()).second) platforms.push_back(std::move(p));
  };
  for (const std::string& name : names) {
    const bool every_mode = name.size() > 2 && name.compare(name.size() - 2, 2, ":*") == 0;
    const std::string base = every_mode ? name.substr(0, name.size() - 2) : name;
    Platform p = LoadPlatform(ResolvePlatform(base, search_path));
    if (!every_mode || p.modes.empty()) {
      add(std::move(p));
      continue;
    }
    for (const auto& [mode, m] : p.modes) add(WithMode(p, mode));
  }
  return platforms;
}

// --- Exploration --------------------------------------------------------------

ExploreResult Explore(const ExploreSpec& spec, const ExploreProgress& progress) {
  if (spec.models.empty()) throw Error("no models to explore", ExitCode::kUsage);
  if (spec.platforms.empty()) throw Error("no platforms to explore", ExitCode::kUsage);
  std::vector<Precision> precisions;  // spec.precisions, each once
  for (Precision precision : spec.precisions) {
    if (std::find(precisions.begin(), precisions.end(), precision) == precisions.end()) precisions.push_back(precision);
  }
  for (Precision precision : precisions) {
    const bool any = std::any_of(spec.platforms.begin(), spec.platforms.end(),
                                 [&](const Platform& p) { return p.precisions.count(precision) > 0; });
    if (any) continue;
    std::string list;
    for (const Platform& p : spec.platforms)
      list += (list.empty() ? "" : "; ") + p.DisplayName() + ": " + PrecisionList(p);
    throw Error("precision " + std::string(PrecisionName(precision)) + " is supported by none of the platforms (" +
                list + ")");
  }

  ExploreResult result;
  result.constraints = spec.constraints;
  const std::size_t per_load =  // combinations per (model, resolution)
      spec.platforms.size() * std::max<std::size_t>(1, precisions.size());
  const std::size_t resolutions = std::max<std::size_t>(1, spec.resolutions.size());
  result.combinations = spec.models.size() * resolutions * per_load;
  std::size_t done = 0;
  auto tick = [&](std::size_t n) {
    done += n;
    if (progress) progress(done, result.combinations);
  };

  std::vector<Candidate> estimated;
  for (const std::string& path : spec.models) {
    LoadOptions options;
    options.batch = spec.batch;
    options.input_shapes = spec.input_shapes;
    const ModelSource source(path);
    Network own;
    try {
      own = source.Resolve(options);  // the user named it: failing here is an error
    } catch (const Error&) {
      // Symbolic height and width: the first of --resolutions stands for the
      // model's own size (each resolution is resolved below anyway).
      const std::optional<LoadOptions> at =
          spec.resolutions.empty() ? std::nullopt : source.AtSize(options, spec.resolutions.front());
      if (!at) throw;
      own = source.Resolve(*at);
    }
    ModelWarnings warnings(result.warnings, path);
    for (const std::string& w : own.warnings) warnings.Add(w);

    for (std::size_t r = 0; r < resolutions; ++r) {
      Network resized;
      const Network* network = &own;
      std::string problem;
      const TensorInfo* image = ImageInput(own, &problem);
      std::string label = image != nullptr ? SizeOf(*image).Label() : "";
      if (!spec.resolutions.empty()) {
        label = spec.resolutions[r].Label();
        if (image != nullptr) {
          LoadOptions at = options;
          Shape shape = image->shape;
          shape[shape.size() - 2] = spec.resolutions[r].height;
          shape[shape.size() - 1] = spec.resolutions[r].width;
          at.input_shapes[image->name] = shape;
          try {
            resized = source.Resolve(at);
            problem = EmptyTensorProblem(resized);
            if (problem.empty()) network = &resized;
            for (const std::string& w : resized.warnings) warnings.Add(w, label);
          } catch (const Error& e) {
            problem = std::string("cannot take this input size: ") + e.what();
          }
        }
        if (network == &own) {
          result.skipped.push_back({own.name, "", "", label, problem, per_load});
          tick(per_load);
          continue;
        }
      }
      const std::optional<double> accuracy = spec.accuracy ? spec.accuracy->Find(own.name, label) : std::nullopt;
      const TensorInfo* input = ImageInput(*network, &problem);
      const std::int64_t batch = input != nullptr && input->shape.size() == 4 ? input->shape[0] : 1;

      for (const Platform& platform : spec.platforms) {
        const std::vector<Precision> tried =
            precisions.empty() ? std::vector<Precision>{platform.default_precision} : precisions;
        for (Precision precision : tried) {
          if (platform.precisions.count(precision) == 0) {
            result.skipped.push_back({own.name, platform.DisplayName(), PrecisionName(precision), label,
                                      platform.DisplayName() + " has no " + PrecisionName(precision) + " (it has " +
                                          PrecisionList(platform) + ")",
                                      1});
            tick(1);
            continue;
          }
          EstimateOptions eo;
          eo.precision = precision;
          Report report;
          try {
            report = EstimateNetwork(*network, platform, eo);
          } catch (const Error& e) {
            result.skipped.push_back({own.name, platform.DisplayName(), PrecisionName(precision), label, e.what(), 1});
            tick(1);
            continue;
          }
          for (const std::string& w : report.warnings) warnings.Add(w, label);
          Candidate c;
          c.model = own.name;
          c.model_path = path;
          c.platform = platform.DisplayName();
          c.precision = report.precision;  // the precision estimated (a precision_fallback may change it)
          c.resolution = label;
          c.batch = batch;
          c.latency_ms = report.total_ms;
          c.energy_mj = report.energy_mj;
          c.avg_power_w = report.avg_power_w;
          c.throughput_ips = report.total_ms > 0 ? static_cast<double>(batch) * 1000.0 / report.total_ms : 0.0;
          c.price_usd = platform.price_usd.value;
          c.accuracy = accuracy;
          if (report.interval) {
            c.interval_low_ms = report.interval->low_ms;
            c.interval_high_ms = report.interval->high_ms;
          }
          if (report.validation) c.validated_mape = report.validation->mape;
          estimated.push_back(std::move(c));
          tick(1);
        }
      }
    }
  }

  if (spec.accuracy != nullptr) {
    std::set<std::string> missing;
    for (const Candidate& c : estimated) {
      if (!c.accuracy) missing.insert(spec.accuracy->HasModel(c.model) ? c.model + " at " + c.resolution : c.model);
    }
    for (const std::string& m : missing) {
      AddWarning(result.warnings, m + ": no accuracy in the accuracy table" +
                                      std::string(spec.constraints.min_accuracy ? "; not held to --min-accuracy" : ""));
    }
    result.objectives.accuracy =
        std::any_of(estimated.begin(), estimated.end(), [](const Candidate& c) { return c.accuracy.has_value(); });
  }
  result.filtered = ApplyConstraints(estimated, spec.constraints);
  result.candidates = std::move(estimated);
  result.pareto_count = MarkPareto(result.candidates, result.objectives);
  return result;
}

}  // namespace odonata
