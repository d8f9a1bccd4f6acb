// Fuzz target: serialized ONNX bytes -> LoadOnnxFromBytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "odonata/errors.h"
#include "odonata/network.h"
#include "odonata/onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    odonata::LoadOnnxFromBytes(std::string(reinterpret_cast<const char*>(data), size), {}, "fuzz.onnx");
  } catch (const odonata::Error&) {
  }
  return 0;
}
