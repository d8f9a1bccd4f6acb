// `odonata fit MEASUREMENTS... --base P`: fit per-class latency (and power)
// models and write a platform profile.
#include <algorithm>
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/fit.h"
#include "odonata/network_fit.h"
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
  bool trees = false;
  bool residuals = false;
  std::string overhead_group;  // network rows: the group written as overhead_ms
  std::vector<std::string> classes;
  bool no_power = false;
  std::string power_form = "class";      // network rows: NetworkFitOptions::power_form
  std::optional<std::string> holdout;   // network rows: COLUMN=VALUE, predicted and not fitted
  bool signed_coefficients = false;
  std::vector<std::string> terms;  // CLASS=TERMS
  std::vector<std::string> split;  // CLASS=DIM
  std::vector<std::string> machines;  // FILE.machine.json of the measurements
  std::optional<std::string> dispatch;  // chains CSV (tools/ort/dispatch.js --chains)
  std::optional<std::string> cache_probe;  // rows timed cold and warm (FitCacheCapacity)
  std::optional<std::string> cache_chains;      // networks timed warm and cold (FitCacheChains)
  std::optional<std::string> cache_chains_dir;  // their models
  std::optional<std::string> int8_chains;       // int8 QDQ chains timed warm and cold (FitInt8Chains)
  std::optional<std::string> int8_chains_dir;   // their models
  std::optional<std::string> activation_chains;  // fused activations in chains (FitActivationChains)
};

// Whole-network rows (files with a `model` column): one least-squares fit of
// every class over all networks, with any single-layer files alongside.
int RunNetworks(const FitArgs& a, const Platform& base, const std::vector<std::string>& network_files,
                const std::vector<std::string>& layer_files) {
  NetworkFitOptions options;
  options.platform_overhead = a.overhead_group;
  options.power = !a.no_power;
  options.nonnegative = !a.signed_coefficients;
  if (!ParsePowerForm(a.power_form, &options.power_form)) {
    throw Error("--power-form: expected class, kernel, throughput or bytes, got '" + a.power_form + "'", ExitCode::kUsage);
  }
  if (options.power_form != PowerForm::kClass && a.out) {
    throw Error("fit: --power-form " + a.power_form +
                    " cannot be written to a profile (it holds one active_w per class): use --report or --predictions",
                ExitCode::kUsage);
  }
  if (a.holdout) {
    const std::size_t eq = a.holdout->find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--holdout: expected COLUMN=VALUE (e.g. part=extrapolate), got '" + *a.holdout + "'", ExitCode::kUsage);
    }
    if (a.out) throw Error("fit: --holdout fits on part of the rows: use --report or --predictions, not --out", ExitCode::kUsage);
    options.holdout = std::make_pair(a.holdout->substr(0, eq), a.holdout->substr(eq + 1));
  }
  for (const std::string& t : a.terms) {
    const std::size_t eq = t.find('=');
    OpClass cls;
    if (eq == std::string::npos || !ParseOpClass(t.substr(0, eq), &cls)) {
      throw Error("--terms: expected CLASS=TERMS (e.g. conv=1;macs), got '" + t + "'", ExitCode::kUsage);
    }
    options.terms[cls] = ParseTerms(t.substr(eq + 1));
  }
  for (const std::string& t : a.split) {
    const std::size_t eq = t.find('=');
    OpClass cls;
    const std::vector<std::string>& dims = LayerDimNames();
    if (eq == std::string::npos || !ParseOpClass(t.substr(0, eq), &cls) ||
        std::find(dims.begin(), dims.end(), t.substr(eq + 1)) == dims.end()) {
      throw Error("--split-by: expected CLASS=SIZE (e.g. conv=kernel), got '" + t + "'", ExitCode::kUsage);
    }
    options.split[cls] = t.substr(eq + 1);
  }
  if (!a.classes.empty()) {
    options.classes.emplace();
    for (const std::string& c : a.classes) {
      OpClass cls;
      if (!ParseOpClass(c, &cls)) throw Error("--classes: unknown op class '" + c + "'", ExitCode::kUsage);
      options.classes->push_back(cls);
    }
  }
  const std::optional<std::string> name = a.name ? a.name : a.out ? std::optional(ProfileNameOf(*a.out)) : std::nullopt;
  const NetworkFitReport fit = FitNetworkFiles(network_files, layer_files, base, options, name);
  for (const std::string& w : fit.warnings) Warn(w);
  if (a.out) Emit(PlatformJson(fit.platform, *a.out), a.out);
  if (a.predictions) {
    std::ostringstream csv;
    WriteNetworkFitRows(fit.rows, csv);
    Emit(csv.str(), a.predictions);
  }
  if (a.report) {
    std::ostringstream text;
    WriteNetworkFitSummary(fit, text);
    Emit(text.str());
  }
  return 0;
}

int Run(const FitArgs& a, const Context& context) {
  // Trees are trained with xgboost, optional at build time (CMake ODONATA_XGBOOST).
  if (a.trees && !CanFitTrees()) throw Error("fit: built without libxgboost-dev: --trees unavailable", ExitCode::kUsage);
  if (!a.out && !a.report && !a.predictions) {
    throw Error("fit: nothing to write: give --out, --report or --predictions", ExitCode::kUsage);
  }
  if (a.folds < 2) throw Error("--folds must be >= 2", ExitCode::kUsage);
  const Platform base = LoadPlatform(a.base, context.SearchPath());
  std::vector<std::string> network_files, layer_files;
  for (const std::string& f : a.measurements) (IsNetworkMeasurementFile(f) ? network_files : layer_files).push_back(f);
  if (!network_files.empty()) {
    if (a.trees || a.residuals || a.dispatch || a.cache_probe || a.cache_chains || a.int8_chains || a.activation_chains) {
      throw Error("fit: --trees, --residuals and --dispatch apply to single-layer measurement files, not network rows (" +
                      network_files.front() + " has a `model` column)",
                  ExitCode::kUsage);
    }
    return RunNetworks(a, base, network_files, layer_files);
  }
  if (!a.overhead_group.empty() || !a.classes.empty() || a.no_power || a.signed_coefficients || !a.terms.empty() ||
      !a.split.empty() || a.power_form != "class" || a.holdout) {
    throw Error("fit: --overhead-group, --classes, --terms, --split-by, --signed, --no-power, --power-form and --holdout apply to network measurement files (a `model` column)",
                ExitCode::kUsage);
  }
  FitFilesOptions options;
  options.folds = a.folds;
  options.trees = a.trees;
  options.residuals = a.residuals;
  options.machine_files = a.machines;
  options.dispatch_file = a.dispatch;
  options.cache_probe_file = a.cache_probe;
  if (a.cache_chains_dir && !a.cache_chains) throw Error("fit: --cache-chains-dir needs --cache-chains", ExitCode::kUsage);
  options.cache_chains_file = a.cache_chains;
  options.cache_chains_dir = a.cache_chains_dir;
  if (a.int8_chains_dir && !a.int8_chains) throw Error("fit: --int8-chains-dir needs --int8-chains", ExitCode::kUsage);
  if (a.int8_chains && !a.cache_chains) throw Error("fit: --int8-chains needs --cache-chains", ExitCode::kUsage);
  options.int8_chains_file = a.int8_chains;
  options.int8_chains_dir = a.int8_chains_dir;
  options.activation_chains_file = a.activation_chains;
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
  cmd.add_option("MEASUREMENTS", a->measurements,
                 "Measurement CSV files: single layers (docs/measurement-csv.md) or whole networks (a `model` column: "
                 "model, precision, latency_ms[, overhead, power_w, energy_mj])")
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
  cmd.add_option("--machine", a->machines,
                 "The measurements' FILE.machine.json (tools/ort/run.js): record the CPU they ran on in the profile "
                 "(repeatable; all must be the same CPU)")
      ->type_name("FILE");
  cmd.add_option("--dispatch", a->dispatch,
                 "Chains of cheap nodes timed by tools/ort/dispatch.js --chains: measure the profile's overhead_ms "
                 "(per call) and dispatch_ms (per executed node) from them")
      ->type_name("FILE.csv");
  cmd.add_option("--cache-probe", a->cache_probe,
                 "Rows of growing weights timed cold and warm (tools/ort/run.js --warm-max-mb): measure the profile's "
                 "cache capacity, the weights below which a network is estimated warm")
      ->type_name("FILE.csv");
  cmd.add_option("--cache-chains", a->cache_chains,
                 "Networks timed warm and cold (tools/ort/cache_state.js): fit the profile's partial cache state, the "
                 "share of the warm saving a network keeps by its weights, activations or both (the lowest leave-one-out MAPE)")
      ->type_name("FILE.csv");
  cmd.add_option("--cache-chains-dir", a->cache_chains_dir,
                 "Where the --cache-chains models are (default: the CSV's directory)")
      ->type_name("DIR");
  cmd.add_option("--int8-chains", a->int8_chains,
                 "int8 QDQ chains timed warm and cold (tools/ort/int8_chains.py, cache_state.js): after the share, "
                 "fit the int8 convolutions' in-network form (cache.int8), written only if 10% better leave one out")
      ->type_name("FILE.csv");
  cmd.add_option("--int8-chains-dir", a->int8_chains_dir,
                 "Where the --int8-chains models are (default: the CSV's directory)")
      ->type_name("DIR");
  cmd.add_option("--activation-chains", a->activation_chains,
                 "Chains of convolutions with and without a fused activation timed whole (tools/ort/act_chains.py "
                 "join): price the activation per output element from them instead of the sweep pairs")
      ->type_name("FILE.csv");
  cmd.add_option("--folds", a->folds, "Folds of the cross-validation that chooses each class's model")
      ->type_name("K")
      ->default_str("5");
  cmd.add_flag("--trees", a->trees,
               "Also try gradient-boosted trees (xgboost) on the roofline's residual for classes of 24 rows or more"
               " (needs odonata built with libxgboost-dev)");
  cmd.add_flag("--residuals", a->residuals,
               "Record each class's cross-validated residual quantiles (cv_residuals) and 90% interval in the profile");
  cmd.add_option("--overhead-group", a->overhead_group,
                 "Network rows: the overhead group whose fitted overhead becomes the profile's overhead_ms")
      ->type_name("NAME");
  cmd.add_option("--classes", a->classes, "Network rows: fit only these op classes (others keep the base's model)")
      ->type_name("CLASS");
  cmd.add_option("--terms", a->terms,
                 "Network rows: the terms of a class, CLASS=T1;T2;... with each term 1 or dims joined by '*' "
                 "(dim:STEP for floor((dim-1)/STEP)); default per class: network_fit.h")
      ->type_name("CLASS=TERMS");
  cmd.add_option("--split-by", a->split,
                 "Network rows: one set of coefficients per distinct value of a size, CLASS=SIZE (e.g. conv=kernel)")
      ->type_name("CLASS=SIZE");
  cmd.add_flag("--signed", a->signed_coefficients,
               "Network rows: ordinary least squares (coefficients of any sign) instead of non-negative");
  cmd.add_flag("--no-power", a->no_power, "Network rows: do not fit power from rows with power_w or energy_mj");
  cmd.add_option("--power-form", a->power_form,
                 "Network rows: power per class (class, the default, the only one --out writes), per class and "
                 "--split-by size (kernel), by achieved throughput (throughput) or per class + energy per byte (bytes)")
      ->type_name("FORM");
  cmd.add_option("--holdout", a->holdout,
                 "Network rows: rows whose column COLUMN equals VALUE are predicted, not fitted (MAPE reported apart)")
      ->type_name("COLUMN=VALUE");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
