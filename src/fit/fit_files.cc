// Fitting from measurement files: provenance and naming of the fitted profile.
#include "odonata/fit.h"
#include "odonata/measurements.h"
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
  FitReport fit = FitPlatform(rows, base, provenance, options.folds, options.trees, options.residuals);
  if (options.name) fit.platform.name = *options.name;
  fit.platform.notes.push_back("Fitted by " + provenance + " on top of " + base.name + ".");
  return fit;
}

}  // namespace odonata
