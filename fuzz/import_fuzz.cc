// Fuzz target: runtime reports and ANNETTE graphs. The importers read files,
// so the input is written to a temporary file and every reader tries it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "odonata/errors.h"
#include "odonata/importers.h"

namespace {

const std::string& TempPath() {
  static const std::string path = "/tmp/odonata_import_fuzz_" + std::to_string(::getpid());
  return path;
}

template <typename F>
void Try(F f) {
  try {
    f(TempPath());
  } catch (const odonata::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(TempPath(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  Try([](const std::string& p) { return odonata::ReadOpenVinoReport(p); });
  Try([](const std::string& p) { return odonata::ReadOrtProfile(p); });
  Try([](const std::string& p) { return odonata::ReadTensorRtProfile(p); });
  Try([](const std::string& p) { return odonata::LoadAnnetteGraph(p); });
  std::remove(TempPath().c_str());
  return 0;
}
