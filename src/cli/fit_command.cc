// `odonata fit MEASUREMENTS... --base P`: fit per-class latency (and power)
// models and write a platform profile.
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/errors.h"
#include "odonata/fit.h"
#include "units.h"

namespace odonata::cli {
namespace {

struct FitArgs {
  std::vector<std::string> measurements;
  std::string base;
  std::optional<std::string> out;   // the fitted profile
  std::optional<std::string> name;  // default: the --out file's stem
  std::optional<std::string> description;  // default: what it was fitted from
  std::optional<std::string> price;        // USD; default: the base's, with a warning
  bool same_board = false;                 // the base is a seed of this board: keep its identity
  bool report = false;
  Format format = Format::kTable;  // of --report
  std::optional<std::string> predictions;
  int folds = 5;
};

int Run(const FitArgs& a, const Context& context) {
  if (!a.out && !a.report && !a.predictions) {
    throw Error("fit: nothing to write: give --out, --report or --predictions", ExitCode::kUsage);
  }
  if (a.folds < 2) throw Error("--folds must be >= 2", ExitCode::kUsage);
  const Platform base = LoadPlatform(a.base, context.SearchPath());
  FitFilesOptions options;
  options.folds = a.folds;
  options.name = a.name ? a.name : a.out ? std::optional(ProfileNameOf(*a.out)) : std::nullopt;
  options.description = a.description;
  options.same_board = a.same_board;
  if (a.price) options.price_usd = OptionValue("--price", *a.price, ParsePriceUsd);
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
  cmd.add_option("--description", a->description,
                 "One line describing the board (default: the measurement files and the base profile)")
      ->type_name("TEXT");
  cmd.add_option("--price", a->price, "Price of the board in USD, e.g. 99 (default: the base's, with a warning)")
      ->type_name("USD");
  cmd.add_flag("--same-board", a->same_board,
               "The base is a hand-written seed of this very board: keep its description, modes and price");
  cmd.add_flag("--report", a->report, "Print per op class the chosen model, its parameters and errors");
  AddFormatOption(cmd, a->format, Formats::kText, "Format of --report");
  cmd.add_option("--predictions", a->predictions, "Write measured vs predicted per row as CSV to FILE")
      ->type_name("FILE");
  cmd.add_option("--folds", a->folds, "Folds of the cross-validation that chooses each class's model")
      ->type_name("K")
      ->default_str("5");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
