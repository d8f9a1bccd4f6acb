// `odonata calibrate SUITE... --platform P --out FILE`: a profile's time scale
// and overhead fitted on a suite's calibration rows.
#include <memory>

#include "command.h"
#include "odonata/calibrate.h"

namespace odonata::cli {
namespace {

struct CalibrateArgs {
  std::vector<std::string> suites;
  std::string platform;
  std::string out;
  std::optional<std::string> measures;  // default: every kind (they must agree)
  bool no_overhead = false;
};

int Run(const CalibrateArgs& a, const Context& context) {
  const Platform platform = LoadPlatform(a.platform, context.SearchPath());
  CalibrateOptions options;
  options.measures = a.measures;
  options.fit_overhead = !a.no_overhead;
  const SuiteCalibration result = CalibrateFromSuites(a.suites, platform, options);
  Emit(PlatformJson(result.platform, a.out), a.out);
  Note(platform.name + ": " + CalibrationSummary(result.calibration));
  return 0;
}

}  // namespace

Runner SetupCalibrate(CLI::App& cmd) {
  auto a = std::make_shared<CalibrateArgs>();
  cmd.add_option("SUITE", a->suites, "Validation suites (data/validation/*.csv); only their calibration rows are used")
      ->type_name("CSV")
      ->required();
  cmd.add_option("-p,--platform", a->platform, "Profile to calibrate: a name or a .json file")
      ->type_name("PLATFORM")
      ->required();
  cmd.add_option("--out", a->out, "Write the calibrated profile to FILE")->type_name("FILE")->required();
  cmd.add_option("--measures", a->measures, "Use only rows measuring this (e.g. 'compute'); needed when kinds mix")
      ->type_name("KIND");
  cmd.add_flag("--no-overhead", a->no_overhead, "Keep the profile's overhead; fit the time scale only");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
