// Fuzz target: platform profile JSON -> ParsePlatform.
#include <cstddef>
#include <cstdint>
#include <string>

#include "odonata/errors.h"
#include "odonata/platform.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    odonata::ParsePlatform(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const odonata::Error&) {
  }
  return 0;
}
