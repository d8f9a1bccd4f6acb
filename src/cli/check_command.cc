// `odonata check SUITE...`: estimate validation suites, compare with the
// measurements, fail on tolerances or regressions.
#include <cstdio>
#include <ctime>
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/check.h"
#include "io.h"
#include "odonata/errors.h"

namespace odonata::cli {
namespace {

struct CheckArgs {
  std::vector<std::string> suites;
  std::optional<std::string> baseline;
  std::optional<std::string> write_baseline;
  std::optional<double> max_mape, max_error, max_energy_mape;  // %
  double margin = 1.0;                                         // percentage points
  SuiteSplit split = SuiteSplit::kValidation;
  CheckFormat format = CheckFormat::kTable;
  std::optional<std::string> junit;
  std::optional<std::string> output;
  bool wide = false;
  bool write_validation = false;
  std::optional<std::string> date;  // YYYY-MM-DD for --write-validation; default today (UTC)
};

std::string TodayUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// --write-validation: every row of the suites (both splits) estimated, the
// interval from the calibration rows and the error of the validation rows
// written into each profile the rows use.
void WriteValidation(const CheckArgs& a, const CheckOptions& base) {
  CheckOptions options;
  options.search_path = base.search_path;
  options.validation_only = false;
  const CheckResult all = RunCheck(ReadValidationSuites(a.suites, SuiteSplit::kAll), options);
  TrustOptions trust;
  trust.date = a.date.value_or(TodayUtc());
  trust.suites = a.suites;
  for (const TrustUpdate& u : DeriveTrust(all, trust)) {
    WriteFileAtomic(u.profile_path, ApplyTrust(u));
    std::string what = u.profile_path + ": validation ";
    char mape[32];
    std::snprintf(mape, sizeof mape, "%.1f", u.validation ? u.validation->mape : 0.0);
    what += u.validation ? "MAPE " + std::string(mape) + "% on " + std::to_string(u.validation->networks) + " rows"
                         : "kept (no validation rows)";
    what += u.interval ? ", interval from " + std::to_string(u.interval->rows) + " calibration rows"
                       : ", no calibration rows (interval kept)";
    Note("wrote " + what);
  }
}

int Run(const CheckArgs& a, const Context& context) {
  const std::vector<ValidationRow> rows = ReadValidationSuites(a.suites, a.split);
  CheckOptions options;
  options.search_path = context.SearchPath();
  options.max_mape = a.max_mape;
  options.max_error = a.max_error;
  options.max_energy_mape = a.max_energy_mape;
  options.baseline = a.baseline.value_or("");
  options.regression_margin = a.margin;
  // --split chooses the rows; every row chosen is checked.
  options.validation_only = false;
  if (a.write_validation) WriteValidation(a, options);
  const CheckResult result = RunCheck(rows, options);

  if (a.write_baseline) {
    std::ostringstream json;
    WriteBaseline(result, json);
    Emit(json.str(), a.write_baseline);
  }
  if (a.junit) {
    std::ostringstream xml;
    RenderJunit(result, xml);
    Emit(xml.str(), a.junit);
  }
  std::ostringstream text;
  RenderCheck(result, a.format, text, TableOptions(a.wide, a.output));
  Emit(text.str(), a.output);
  // Rows that could not be estimated are input errors: the report lists them all, the error names one.
  const std::vector<const CheckRow*> unusable = result.Unusable();
  if (!unusable.empty()) {
    throw Error(std::to_string(unusable.size()) + " row(s) could not be estimated, e.g. " +
                unusable.front()->failures.front());
  }
  return static_cast<int>(result.ok() ? ExitCode::kOk : ExitCode::kToleranceExceeded);
}

}  // namespace

Runner SetupCheck(CLI::App& cmd) {
  auto a = std::make_shared<CheckArgs>();
  cmd.footer(std::string(kExitCodes) +
             "\n  3  a tolerance (--max-mape, --max-error, --max-energy-mape) was exceeded or the baseline regressed"
             "\n     (a row whose model or platform cannot be loaded is reported, and the status is 1)");
  cmd.add_option("SUITE", a->suites, "Validation suites (data/validation/*.csv)")->type_name("CSV")->required();
  cmd.add_option("--baseline", a->baseline, "Fail when errors regress against FILE (written by --write-baseline)")
      ->type_name("FILE");
  cmd.add_option("--write-baseline", a->write_baseline, "Write this run's errors to FILE as the next baseline")
      ->type_name("FILE");
  cmd.add_option("--max-mape", a->max_mape, "Fail when a platform's MAPE exceeds PCT")
      ->check(CLI::NonNegativeNumber)
      ->type_name("PCT");
  cmd.add_option("--max-error", a->max_error, "Fail when a row's |error| exceeds PCT")
      ->check(CLI::NonNegativeNumber)
      ->type_name("PCT");
  cmd.add_option("--max-energy-mape", a->max_energy_mape,
                 "Fail when a platform's energy MAPE (rows with a measured energy) exceeds PCT")
      ->check(CLI::NonNegativeNumber)
      ->type_name("PCT");
  cmd.add_option("--margin", a->margin,
                 "Regression allowed against the baseline: PP points of platform MAPE and energy MAPE, 5 x PP of a "
                 "row's |error| and |energy error|")
      ->check(CLI::NonNegativeNumber)
      ->type_name("PP")
      ->default_str("1");
  cmd.add_option_function<std::string>(
         "--split", [a](const std::string& text) { ParseSuiteSplit(text, &a->split); },
         "Rows to estimate, report and check")
      ->check(CLI::IsMember({"validation", "calibration", "all"}))
      ->type_name("SPLIT")
      ->default_str("validation");
  cmd.add_option_function<std::string>(
         "--format",
         [a](const std::string& text) {
           a->format = text == "markdown" ? CheckFormat::kMarkdown
                       : text == "json"   ? CheckFormat::kJson
                                          : CheckFormat::kTable;
         },
         "Output format")
      ->check(CLI::IsMember({"table", "markdown", "json"}))
      ->type_name("FORMAT")
      ->default_str("table");
  cmd.add_flag("--write-validation", a->write_validation,
               "Write each profile's `validation` (error on the validation rows) and `interval` (from the calibration "
               "rows) into its file, from every row of the suites, then check as usual");
  cmd.add_option("--date", a->date, "The date --write-validation records (default: today, UTC)")
      ->type_name("YYYY-MM-DD");
  cmd.add_option("--junit", a->junit, "Also write a JUnit XML report to FILE")->type_name("FILE");
  AddOutputOption(cmd, a->output);
  AddWideOption(cmd, a->wide);
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
