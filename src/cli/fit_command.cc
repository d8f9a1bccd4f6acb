// `odonata fit MEASUREMENTS... --base P`: fit per-class latency (and power)
// models and write a platform profile.
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/errors.h"
#include "odonata/fit.h"

namespace odonata::cli {
namespace {

struct FitArgs {
  std::vector<std::string> measurements;
  std::string base;
  std::optional<std::string> out;   // the fitted profile
  std::optional<std::string> name;  // default: the --out file's stem
  bool report = false;
  Format format = Format::kTable;  // of --report
  std::optional<std::string> predictions;
  int folds = 5;
  bool trees = false;
  bool residuals = false;
};

int Run(const FitArgs& a, const Context& context) {
  if (!a.out && !a.report && !a.predictions) {
    throw Error("fit: nothing to write: give --out, --report or --predictions", ExitCode::kUsage);
  }
  if (a.folds < 2) throw Error("--folds must be >= 2", ExitCode::kUsage);
  const Platform base = LoadPlatform(a.base, context.SearchPath());
  FitFilesOptions options;
  options.folds = a.folds;
  options.trees = a.trees;
  options.residuals = a.residuals;
  options.name = a.name ? a.name : a.out ? std::optional(ProfileNameOf(*a.out)) : std::nullopt;
  const FitReport fit = FitMeasurementFiles(a.measurements, base, options);
  for (const std::string& w : fit.warnings) Warn(w);
  if (a.out) Emit(PlatformJson(fit.platform, *a.out), a.out);
  if (a.predictions) {
    std::ostringstream csv;
    RenderFitReport(fit, Format::kCsv, csv);
    Emit(csv.str(), a.predictions);
  }
  if (a.report) {
    std::ostringstream text;
    RenderFitReport(fit, a.format, text);
    Emit(text.str());
  }
  return 0;
}

}  // namespace

Runner SetupFit(CLI::App& cmd) {
  auto a = std::make_shared<FitArgs>();
  cmd.add_option("MEASUREMENTS", a->measurements, "Measurement CSV files (README: Measurement CSV)")
      ->type_name("CSV")
      ->required();
  cmd.add_option("--base", a->base, "Profile to start from: a name or a .json file (peaks, fusion, power)")
      ->type_name("PLATFORM")
      ->required();
  cmd.add_option("--out", a->out, "Write the fitted profile to FILE")->type_name("FILE");
  cmd.add_option("--name", a->name, "Name of the fitted profile (default: the --out file's stem)")->type_name("NAME");
  cmd.add_flag("--report", a->report, "Print per op class the chosen model, its parameters and errors");
  AddFormatOption(cmd, a->format, Formats::kText, "Format of --report");
  cmd.add_option("--predictions", a->predictions, "Write measured vs predicted per row as CSV to FILE")
      ->type_name("FILE");
  cmd.add_option("--folds", a->folds, "Folds of the cross-validation that chooses each class's model")
      ->type_name("K")
      ->default_str("5");
  cmd.add_flag("--trees", a->trees,
               "Also try gradient-boosted trees (xgboost) on the roofline's residual for classes of 24 rows or more");
  cmd.add_flag("--residuals", a->residuals,
               "Record each class's cross-validated residual quantiles (cv_residuals) in the profile");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
