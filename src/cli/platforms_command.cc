// `odonata platforms`: the profiles on the search path.
#include <memory>
#include <sstream>

#include "command.h"
#include "odonata/errors.h"

namespace odonata::cli {
namespace {

struct PlatformsArgs {
  Format format = Format::kTable;
};

int Run(const PlatformsArgs& a, const Context& context) {
  const std::vector<std::string> search_path = context.SearchPath();
  std::vector<Platform> platforms;
  int status = 0;
  for (const std::string& name : ListPlatforms(search_path)) {
    try {
      platforms.push_back(LoadPlatform(name, search_path));
    } catch (const Error& e) {
      // List the good profiles anyway; the exit status still reports the bad one.
      Warn(e.what());
      status = static_cast<int>(ExitCode::kError);
    }
  }
  std::ostringstream text;
  RenderPlatforms(platforms, PlatformSearchOrder(context.exe_path), a.format, text);
  Emit(text.str());
  return status;
}

}  // namespace

Runner SetupPlatforms(CLI::App& cmd) {
  auto a = std::make_shared<PlatformsArgs>();
  AddFormatOption(cmd, a->format, Formats::kText, "Output format");
  return [a](const Context& context) { return Run(*a, context); };
}

}  // namespace odonata::cli
