// Fuzz target: hand-edited JSON -> ParsePlatform (profiles) and ParseLinks
// (partition's link models), which share the strict JSON reader.
#include <cstddef>
#include <cstdint>
#include <string>

#include "odonata/errors.h"
#include "odonata/partition.h"
#include "odonata/platform.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    odonata::ParsePlatform(text, "fuzz.json");
  } catch (const odonata::Error&) {
  }
  try {
    odonata::ParseLinks(text, "fuzz.json");
  } catch (const odonata::Error&) {
  }
  return 0;
}
