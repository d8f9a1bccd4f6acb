// `odonata estimate MODEL... --platform P`: the latency and energy of models
// (files, or folders of .onnx files) on a platform.
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/model.h"

namespace odonata::cli {
namespace {

struct EstimateArgs {
  std::vector<std::string> models;  // files, folders, "-"
  ModelArgs model;                  // its path unused: `models`
  std::string platform;
  std::optional<Precision> precision;  // default: the platform's
  CacheMode cache = CacheMode::kAuto;
  Format format = Format::kTable;
  std::optional<std::string> output;
  bool wide = false;
  std::optional<std::string> output_dir;  // one report per model
};

// DIR/<model>.txt|json|csv|html
std::string ReportPath(const std::string& dir, const Report& report, Format format) {
  static constexpr const char* kExtension[] = {"txt", "json", "csv", "html"};
  return (std::filesystem::path(dir) / (report.model + "." + kExtension[static_cast<int>(format)])).string();
}

int Run(const EstimateArgs& a, const Context& context) {
  const LoadOptions load = a.model.ToLoadOptions();
  EstimateOptions estimate;
  estimate.precision = a.precision;
  estimate.cache = a.cache;
  // The platform first: a typo there should not wait for a large model to load.
  // Kept until the process ends (KeepUntilExit): not destroyed just before it.
  const Platform& platform = KeepUntilExit(LoadPlatform(a.platform, context.SearchPath()));
  WarnIfOtherMachine(platform);
  const std::vector<std::string> files = ModelFiles(a.models);
  std::vector<Report>& reports = KeepUntilExit(std::vector<Report>());
  int status = 0;
  for (const std::string& file : files) {
    try {
      Network network = LoadModel(file, load);
      reports.push_back(EstimateNetwork(network, platform, estimate));
      // One model: kept too. Several: each freed before the next loads.
      if (files.size() == 1) KeepUntilExit(std::move(network));
    } catch (const Error& e) {
      if (files.size() == 1) throw;
      // Estimate the others; the exit status still reports this one.
      std::cerr << "odonata: error: " << e.what() << '\n';
      status = static_cast<int>(ExitCode::kError);
      continue;
    }
    WarnOnce(reports.back().warnings);  // the network's warnings come first in the report's
  }
  if (reports.empty()) return status;
  if (a.output_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*a.output_dir, ec);
    if (ec) throw Error(*a.output_dir + ": cannot create the folder: " + ec.message());
    for (const Report& report : reports) {
      std::ostringstream text;
      Render(report, a.format, text);
      Emit(text.str(), ReportPath(*a.output_dir, report, a.format));
    }
    if (reports.size() == 1) return status;
  }
  std::ostringstream text;
  if (reports.size() == 1 && !a.output_dir) {
    Render(reports.front(), a.format, text, TableOptions(a.wide, a.output));
  } else {
    RenderEstimates(reports, a.output_dir && a.format == Format::kHtml ? Format::kTable : a.format, text);
  }
  Emit(text.str(), a.output);
  return status;
}

}  // namespace

Runner SetupEstimate(CLI::App& cmd) {
  auto a = std::make_shared<EstimateArgs>();
  cmd.add_option("MODEL", a->models,
                 "ONNX model files or folders of them (*.onnx), ANNETTE graphs (.json), '-' for stdin")
      ->type_name("FILE")
      ->required();
  AddFormatOption(cmd, a->format, Formats::kWithHtml, "Output format (html: one self-contained page with charts)");
  AddOutputOption(cmd, a->output, "Write the report (several models: the reports and a summary) to FILE, '-': stdout");
  cmd.add_option("--output-dir", a->output_dir,
                 "Write one report per model to DIR/<model>.<format>; with several models the summary goes to "
                 "stdout (or --output)")
      ->type_name("DIR");
  AddWideOption(cmd, a->wide);
  AddInputShapeOption(cmd, a->model.input_shapes);
  AddInputValueOption(cmd, a->model.input_values);
  AddNmsComparesOption(cmd, a->model.nms_compares);
  AddBatchOption(cmd, a->model.batch);
  cmd.add_option("-p,--platform", a->platform, "Platform profile: a name from `odonata platforms` or a .json file")
      ->type_name("PLATFORM")
      ->required();
  AddPrecisionOption(cmd, a->precision, "Arithmetic precision (default: the platform's)");
  cmd.add_option_function<std::string>(
         "--cache",
         [a](const std::string& text) { ParseCacheMode(text, &a->cache); },
         "Cache state of profiles with warm models: auto (warm when the network's weights fit the profile's "
         "cache capacity), warm, cold")
      ->check(CLI::IsMember({"auto", "warm", "cold"}))
      ->type_name("STATE")
      ->default_str("auto");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
