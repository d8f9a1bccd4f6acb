// `odonata calibrate SUITE... --platform P --out FILE`: a profile's time scale
// and overhead fitted on a suite's calibration rows.
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "command.h"
#include "odonata/calibrate.h"
#include "odonata/check.h"
#include "odonata/errors.h"

#ifndef ODONATA_VERSION
#define ODONATA_VERSION "unknown"
#endif

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
  const std::string path = ResolvePlatform(a.platform, context.SearchPath());
  const Platform platform = LoadPlatform(path);
  std::vector<ValidationRow> rows;
  std::set<std::string> kinds;
  for (const std::string& suite : a.suites) {
    for (ValidationRow& row : ReadValidationSuite(suite)) {
      if (!row.calibration || row.platform != platform.name) continue;
      if (a.measures && row.measures != *a.measures) continue;
      kinds.insert(row.measures);
      rows.push_back(std::move(row));
    }
  }
  if (rows.empty()) {
    throw Error("calibrate: no calibration rows of platform '" + platform.name + "'" +
                (a.measures ? " measuring '" + *a.measures + "'" : ""));
  }
  kinds.erase("layers_sum");
  if (kinds.size() > 1) {
    std::string list;
    for (const std::string& k : kinds) list += (list.empty() ? "'" : ", '") + k + "'";
    throw Error("calibrate: the calibration rows measure different things (" + list + "); choose one with --measures",
                ExitCode::kUsage);
  }
  std::string files;
  for (const std::string& suite : a.suites) files += (files.empty() ? "" : ", ") + suite;
  const Calibration c = CalibratePlatform(rows, platform, !a.no_overhead);
  const std::string source = "calibrated by odonata " + std::string(ODONATA_VERSION) + " on the " +
                             std::to_string(rows.size()) + " calibration rows of " + files +
                             (a.measures ? " measuring '" + *a.measures + "'" : "");
  Platform out = ApplyCalibration(platform, c, source);
  std::ostringstream json;
  WritePlatform(out, json);
  ParsePlatform(json.str(), a.out);  // what we write must load
  Emit(json.str(), a.out);
  std::cerr << "odonata: " << platform.name << ": " << rows.size() << " calibration rows, layer times x" << c.scale
            << (c.overhead_fitted ? ", overhead " + std::to_string(c.overhead_ms) + " ms" : ", overhead kept")
            << ", MAPE " << c.mape_before << "% -> " << c.mape_after << "%\n";
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
