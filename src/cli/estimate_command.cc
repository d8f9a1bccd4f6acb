// `odonata estimate MODEL... --platform P`: the latency and energy of models
// (files, or folders of .onnx files) on a platform.
#if __has_include(<malloc.h>)
#include <malloc.h>  // mallopt (glibc)
#endif

#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <utility>

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

// A model loaded on a second thread while this one reads the profile: the two
// are independent, and on the project's 2-core machine the whole-process
// estimate is mostly them (ResNet-50 on the Jetson Nano: the model 17.7 M
// instructions, the profile 6.9 M, of 38.4 M; issue 13, docs/performance.md).
// Get() returns the network or throws the load's error. The profile's errors
// still come first and do not wait for the model: if this is destroyed before
// Get(), the thread is left to run until the process ends (main ends it with
// _Exit), except in sanitizer builds, which wait for it before exit() runs the
// static destructors it may still be using. Before the thread starts, glibc
// is told to keep one arena: the thread then allocates from the same heap
// (on huge pages, huge_heap.cc) instead of a new arena touched 4 KiB at a
// time (ResNet-50: 611 page faults instead of 273, and more CPU time).
class BackgroundLoad {
 public:
  BackgroundLoad(std::string file, LoadOptions options)
      : task_(std::make_shared<std::packaged_task<Network()>>(
            [file = std::move(file), options = std::move(options)] { return LoadModel(file, options); })),
        result_(task_->get_future()) {
#if defined(M_ARENA_MAX)
    mallopt(M_ARENA_MAX, 1);
#endif
    thread_ = std::thread([task = task_] { (*task)(); });
  }
  BackgroundLoad(const BackgroundLoad&) = delete;
  BackgroundLoad& operator=(const BackgroundLoad&) = delete;
  ~BackgroundLoad() {
    if (!thread_.joinable()) return;
    if (kExitRunsDestructors) {
      thread_.join();
    } else {
      thread_.detach();
    }
  }

  Network Get() {
    thread_.join();
    return result_.get();
  }

 private:
  std::shared_ptr<std::packaged_task<Network()>> task_;  // shared with the thread, which may outlive this
  std::future<Network> result_;
  std::thread thread_;
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
  // A single model loads on a second thread while the profile is read
  // (BackgroundLoad); listing the models cannot wait for the profile, but its
  // error (a folder without models) is reported after the profile's, as before.
  std::vector<std::string> files;
  std::exception_ptr files_error;
  try {
    files = ModelFiles(a.models);
  } catch (...) {
    files_error = std::current_exception();
  }
  std::optional<BackgroundLoad> first;
  if (!files_error && files.size() == 1) first.emplace(files.front(), load);
  // The platform first: a typo there should not wait for a large model to load.
  // Kept until the process ends (KeepUntilExit): not destroyed just before it.
  const Platform& platform = KeepUntilExit(LoadPlatform(a.platform, context.SearchPath()));
  WarnIfOtherMachine(platform);
  if (files_error) std::rethrow_exception(files_error);
  std::vector<Report>& reports = KeepUntilExit(std::vector<Report>());
  int status = 0;
  for (const std::string& file : files) {
    try {
      Network network = first ? first->Get() : LoadModel(file, load);
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
