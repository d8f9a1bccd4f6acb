// Fitting from measurement files: provenance and naming of the fitted profile.
#include "odonata/fit.h"
#include "odonata/measurements.h"
#include "io.h"
#include "odonata/errors.h"
#include "odonata/trust.h"
#include "odonata/version.h"

namespace odonata {

FitReport FitMeasurementFiles(const std::vector<std::string>& files, const Platform& base,
                              const FitFilesOptions& options) {
  std::vector<Measurement> rows;
  std::string names;
  for (const std::string& path : files) {
    std::vector<Measurement> part = ReadMeasurements(path, /*require_latency=*/true);
    rows.insert(rows.end(), part.begin(), part.end());
    names += (names.empty() ? "" : ", ") + path;
  }
  const std::string provenance = "measured: " + names + ", odonata " + Version();
  FitReport fit = FitPlatform(rows, base, provenance, options.folds);
  if (options.name) fit.platform.name = *options.name;
  fit.platform.notes.push_back("Fitted by " + provenance + " on top of " + base.name + ".");
  fit.platform.validation.reset();
  fit.platform.interval.reset();
  fit.platform.machine.reset();
  std::string sources;
  for (const std::string& path : options.machine_files) {
    const HostMachine m = MachineFromProvenance(ReadFile(path), path);
    if (fit.platform.machine) {
      if (auto differ = MachineMismatch(fit.platform.name, *fit.platform.machine, m)) {
        throw Error(path + ": another CPU than " + options.machine_files.front() + " (" + DescribeMachine(m) +
                    " vs " + DescribeMachine(*fit.platform.machine) + ")");
      }
    } else {
      fit.platform.machine = m;
    }
    sources += (sources.empty() ? "" : "; ") + m.source;
  }
  if (fit.platform.machine) fit.platform.machine->source = sources;
  return fit;
}

}  // namespace odonata
