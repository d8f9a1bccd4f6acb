// Fuzz target: measurement CSV text -> ParseMeasurements (with and without
// required latencies).
#include <cstddef>
#include <cstdint>
#include <string>

#include "odonata/errors.h"
#include "odonata/measurements.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (bool require_latency : {true, false}) {
    try {
      odonata::ParseMeasurements(text, "fuzz.csv", require_latency);
    } catch (const odonata::Error&) {
    }
  }
  return 0;
}
