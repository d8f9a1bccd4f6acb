// Fuzz target: CSV text -> ParseMeasurements (with and without required
// latencies) and explore's accuracy table; short inputs also as the unit and
// resolution arguments of compare/explore.
#include <cstddef>
#include <cstdint>
#include <string>

#include "odonata/errors.h"
#include "odonata/explore.h"
#include "odonata/measurements.h"
#include "units.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (bool require_latency : {true, false}) {
    try {
      odonata::ParseMeasurements(text, "fuzz.csv", require_latency);
    } catch (const odonata::Error&) {
    }
  }
  try {
    odonata::AccuracyTable::Parse(text, "fuzz.csv");
  } catch (const odonata::Error&) {
  }
  if (size <= 64) {
    try {
      odonata::ParseDurationMs(text);
    } catch (const odonata::Error&) {
    }
    try {
      odonata::ParseEnergyMj(text);
    } catch (const odonata::Error&) {
    }
    try {
      odonata::ParsePriceUsd(text);
    } catch (const odonata::Error&) {
    }
    try {
      odonata::ParseResolution(text);
    } catch (const odonata::Error&) {
    }
  }
  return 0;
}
