// `odonata compare` and `odonata explore`: models x platforms x precisions (x
// input sizes) under constraints, with the Pareto front.
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/errors.h"
#include "odonata/explore.h"
#include "units.h"

namespace odonata::cli {
namespace {

struct ExploreArgs {
  std::vector<std::string> models;
  std::optional<std::string> platforms;  // compare: required; explore: default "all"
  std::vector<std::string> precisions;   // default: each platform's own
  std::optional<std::string> max_latency, max_energy, max_price;
  std::optional<std::int64_t> batch;
  ModelArgs shapes;  // --input-shape (its path and batch unused)
  Format format = Format::kTable;
  std::optional<std::string> output;
  bool wide = false;
  // explore only
  std::vector<std::string> resolutions;  // "WxH"
  std::optional<std::string> accuracy;   // CSV file
  std::optional<std::string> min_accuracy;
  bool progress = false;  // draw the progress bar even when stderr is no terminal
};

int Run(const ExploreArgs& a, const Context& context, const char* command) {
  ExploreSpec spec;
  spec.models = a.models;
  for (const std::string& p : a.precisions) {
    Precision precision;
    if (!ParsePrecision(p, &precision)) throw Error("unknown precision '" + p + "'", ExitCode::kUsage);
    spec.precisions.push_back(precision);
  }
  for (const std::string& r : a.resolutions) {
    spec.resolutions.push_back(OptionValue("--resolutions", r, ParseResolution));
  }
  if (a.max_latency) spec.constraints.max_latency_ms = OptionValue("--max-latency", *a.max_latency, ParseDurationMs);
  if (a.max_energy) spec.constraints.max_energy_mj = OptionValue("--max-energy", *a.max_energy, ParseEnergyMj);
  if (a.max_price) spec.constraints.max_price_usd = OptionValue("--max-price", *a.max_price, ParsePriceUsd);
  AccuracyTable accuracy;
  if (a.accuracy) {
    accuracy = AccuracyTable::Load(*a.accuracy);
    spec.accuracy = &accuracy;
  }
  if (a.min_accuracy) {
    if (!a.accuracy) throw Error("--min-accuracy needs --accuracy FILE", ExitCode::kUsage);
    spec.constraints.min_accuracy = OptionValue("--min-accuracy", *a.min_accuracy, ParseFiniteNumber);
  }
  spec.batch = a.batch;
  spec.input_shapes = a.shapes.ToLoadOptions().input_shapes;
  // Platforms first: a typo there should not wait for the models to load.
  spec.platforms = LoadPlatforms(a.platforms.value_or("all"), context.SearchPath());

  ExploreResult result;
  {
    ProgressBar bar(command, a.progress);
    result = Explore(spec, [&](std::size_t done, std::size_t total) { bar.Update(done, total); });
  }
  for (const std::string& w : result.warnings) Warn(w);
  if (result.candidates.empty()) {
    Warn("no candidate: " + std::to_string(result.filtered) + " estimated outside the constraints, " +
         std::to_string(result.skipped.size()) + " skipped");
  }
  std::ostringstream text;
  RenderExplore(result, a.format, text, TableOptions(a.wide, a.output));
  Emit(text.str(), a.output);
  return 0;
}

// The options compare and explore share.
std::shared_ptr<ExploreArgs> AddCompareOptions(CLI::App& cmd) {
  auto a = std::make_shared<ExploreArgs>();
  cmd.add_option("MODEL", a->models, "ONNX models (or ANNETTE graphs, .json)")->type_name("FILE")->required();
  cmd.add_option("-p,--platform,--platforms", a->platforms,
                 "'all' (every profile on the search path) or NAME[:MODE|:*],... (':*': every mode); "
                 "explore's default: all")
      ->type_name("all|LIST");
  cmd.add_option("--precision,--precisions", a->precisions, "Precisions to try (default: each platform's own)")
      ->delimiter(',')
      ->check(PrecisionValidator())
      ->type_name("P,...");
  cmd.add_option("--max-latency", a->max_latency, "Keep candidates at most this slow: 100ms, 0.1s, 250us")
      ->type_name("TIME");
  cmd.add_option("--max-energy", a->max_energy, "Keep candidates using at most this energy per inference: 5mJ, 1J")
      ->type_name("ENERGY");
  cmd.add_option("--max-price", a->max_price, "Keep platforms costing at most this many USD: 100 (quote a '$': '$100')")->type_name("USD");
  AddBatchOption(cmd, a->batch);
  AddInputShapeOption(cmd, a->shapes.input_shapes);
  AddFormatOption(cmd, a->format, Formats::kAll, "Output format (html: scatter plots and the table)");
  AddOutputOption(cmd, a->output);
  AddWideOption(cmd, a->wide);
  AddProgressOption(cmd, a->progress);
  return a;
}

}  // namespace

Runner SetupCompare(CLI::App& cmd) {
  std::shared_ptr<ExploreArgs> a = AddCompareOptions(cmd);
  return [a](const Context& context) {
    if (!a->platforms) throw Error("compare: --platform is required: 'all' or a list of names", ExitCode::kUsage);
    return Run(*a, context, "compare");
  };
}

Runner SetupExplore(CLI::App& cmd) {
  std::shared_ptr<ExploreArgs> a = AddCompareOptions(cmd);
  cmd.add_option("--resolutions", a->resolutions, "Input sizes WxH of the image input, e.g. 320x320,640x640,1280x720")
      ->delimiter(',')
      ->type_name("WxH,...");
  cmd.add_option("--accuracy", a->accuracy, "CSV with columns model,accuracy[,resolution] (e.g. mAP per model)")
      ->type_name("CSV");
  cmd.add_option("--min-accuracy", a->min_accuracy, "Keep candidates at least this accurate (the CSV's unit)")
      ->type_name("X");
  return [a](const Context& context) { return Run(*a, context, "explore"); };
}

}  // namespace odonata::cli
