// The odonata command: parse the command line, call the library, print
// "odonata: error: ..." and exit with the error's code. The only file that
// includes CLI11; every subcommand's work is a library call.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "odonata/errors.h"
#include "odonata/estimator.h"
#include "odonata/network.h"
#include "odonata/platform.h"
#include "odonata/report.h"
#include "odonata/tensor.h"

#ifndef ODONATA_VERSION
#define ODONATA_VERSION "unknown"
#endif

namespace odonata {
namespace {

constexpr const char* kExitCodes =
    "Exit status:\n"
    "  0  success\n"
    "  1  error in the input or while processing it (bad model, unknown platform, I/O)\n"
    "  2  usage error (bad command line)";

// Every option of every subcommand; each subcommand registers the ones it uses.
struct Options {
  std::string model;
  std::string platform;
  std::string precision;
  std::string format = "table";
  std::string output;
  std::vector<std::string> input_shapes;  // "name=1x3x224x224", validated while parsing
  std::int64_t batch = 0;                 // 0: not given
};

struct Context {
  std::string exe_path;  // for the platform search path
};

struct Command {
  const char* name;
  const char* summary;
  void (*add_options)(CLI::App& cmd, Options& options);
  int (*run)(const Options& options, const Context& context);
};

// --- Validation of option values (failures are usage errors, exit 2) -------

// Split "name=1x3x224x224" at the last '=' (dims never contain one).
bool SplitInputShape(const std::string& text, std::string* name, Shape* shape, std::string* problem) {
  std::size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0) {
    *problem = "'" + text + "' is not NAME=DIMS (e.g. input=1x3x224x224)";
    return false;
  }
  *name = text.substr(0, eq);
  try {
    *shape = ParseShape(text.substr(eq + 1));
  } catch (const Error& e) {
    *problem = "'" + text + "': " + e.what();
    return false;
  }
  return true;
}

CLI::Validator InputShapeValidator() {
  return CLI::Validator(
      [](std::string& value) {
        std::string name;
        Shape shape;
        std::string problem;
        return SplitInputShape(value, &name, &shape, &problem) ? std::string() : problem;
      },
      "");
}

CLI::Validator FormatValidator() {
  return CLI::Validator(
      [](std::string& value) {
        Format format;
        return ParseFormat(value, &format) ? std::string() : "unknown format '" + value + "' (table, json, csv)";
      },
      "table|json|csv");
}

CLI::Validator PrecisionValidator() {
  return CLI::Validator(
      [](std::string& value) {
        Precision precision;
        return ParsePrecision(value, &precision) ? std::string()
                                                 : "unknown precision '" + value + "' (fp32, fp16, int8)";
      },
      "fp32|fp16|int8");
}

CLI::Validator BatchValidator() {
  return CLI::Validator(
      [](std::string& value) {
        std::int64_t n = 0;
        std::size_t used = 0;
        try {
          n = std::stoll(value, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != value.size() || value.empty() || n < 1) {
          return "'" + value + "' is not an integer >= 1";
        }
        return std::string();
      },
      "");
}

Format ToFormat(const std::string& text) {
  Format format = Format::kTable;
  if (!ParseFormat(text, &format)) throw Error("unknown format '" + text + "'", ExitCode::kUsage);
  return format;
}

LoadOptions ToLoadOptions(const Options& options) {
  LoadOptions load;
  for (const std::string& text : options.input_shapes) {
    std::string name;
    Shape shape;
    std::string problem;
    if (!SplitInputShape(text, &name, &shape, &problem)) {
      throw Error("--input-shape: " + problem, ExitCode::kUsage);
    }
    if (!load.input_shapes.emplace(name, shape).second) {
      throw Error("--input-shape: input '" + name + "' given more than once", ExitCode::kUsage);
    }
  }
  if (options.batch > 0) load.batch = options.batch;
  return load;
}

// --- Output ---------------------------------------------------------------

void Warn(const std::string& message) { std::cerr << "odonata: warning: " << message << '\n'; }

// Write `text` to stdout, or to `path` via a temporary file renamed into
// place, so that `path` is either the complete new report or untouched.
void Emit(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::cout << text << std::flush;
    if (!std::cout) throw Error("cannot write to standard output");
    return;
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) throw Error("cannot write '" + path + "': " + std::strerror(errno));
    file << text;
    file.close();
    if (!file) throw Error("cannot write '" + path + "': " + std::strerror(errno));
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw Error("cannot write '" + path + "': " + ec.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

// --- Subcommands ----------------------------------------------------------

void AddModelOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("MODEL", o.model, "ONNX model file")->type_name("FILE")->required();
  cmd.add_option("--format", o.format, "Output format")
      ->check(FormatValidator())
      ->type_name("FORMAT")
      ->default_str("table");
  cmd.add_option("-o,--output", o.output, "Write the report to FILE instead of stdout")->type_name("FILE");
  cmd.add_option("--input-shape", o.input_shapes, "Static shape of a graph input, e.g. data=1x3x224x224 (repeatable)")
      ->check(InputShapeValidator())
      ->allow_extra_args(false)
      ->type_name("NAME=DIMS");
  cmd.add_option("--batch", o.batch, "Value for symbolic batch dimensions (default 1)")
      ->check(BatchValidator())
      ->type_name("N");
}

void AddEstimateOptions(CLI::App& cmd, Options& o) {
  AddModelOptions(cmd, o);
  cmd.add_option("-p,--platform", o.platform, "Platform profile: a name from `odonata platforms` or a .json file")
      ->type_name("PLATFORM")
      ->required();
  cmd.add_option("--precision", o.precision, "Arithmetic precision (default: the platform's)")
      ->check(PrecisionValidator())
      ->type_name("PRECISION");
}

int RunEstimate(const Options& o, const Context& context) {
  const Format format = ToFormat(o.format);
  const LoadOptions load = ToLoadOptions(o);
  EstimateOptions estimate;
  if (!o.precision.empty()) {
    Precision precision;
    if (!ParsePrecision(o.precision, &precision)) {
      throw Error("unknown precision '" + o.precision + "'", ExitCode::kUsage);
    }
    estimate.precision = precision;
  }
  // The platform first: a typo there should not wait for a large model to load.
  const std::string platform_path = ResolvePlatform(o.platform, PlatformSearchPath(context.exe_path));
  const Platform platform = LoadPlatform(platform_path);
  const Network network = LoadOnnx(o.model, load);
  const Report report = EstimateNetwork(network, platform, estimate);

  std::vector<std::string> printed;
  for (const auto* list : {&network.warnings, &report.warnings}) {
    for (const std::string& w : *list) {
      if (std::find(printed.begin(), printed.end(), w) != printed.end()) continue;
      printed.push_back(w);
      Warn(w);
    }
  }
  std::ostringstream text;
  Render(report, format, text);
  Emit(text.str(), o.output);
  return 0;
}

int RunInspect(const Options& o, const Context&) {
  const Format format = ToFormat(o.format);
  const Network network = LoadOnnx(o.model, ToLoadOptions(o));
  for (const std::string& w : network.warnings) Warn(w);
  std::ostringstream text;
  RenderInspect(network, format, text);
  Emit(text.str(), o.output);
  return 0;
}

void AddPlatformsOptions(CLI::App& cmd, Options& o) {
  cmd.add_option("--format", o.format, "Output format")
      ->check(FormatValidator())
      ->type_name("FORMAT")
      ->default_str("table");
}

int RunPlatforms(const Options& o, const Context& context) {
  const Format format = ToFormat(o.format);
  const std::vector<std::string> search_path = PlatformSearchPath(context.exe_path);
  std::vector<Platform> platforms;
  int status = 0;
  for (const std::string& name : ListPlatforms(search_path)) {
    try {
      platforms.push_back(LoadPlatform(ResolvePlatform(name, search_path)));
    } catch (const Error& e) {
      // List the good profiles anyway; the exit status still reports the bad one.
      Warn(e.what());
      status = static_cast<int>(ExitCode::kError);
    }
  }
  std::ostringstream text;
  RenderPlatforms(platforms, search_path, format, text);
  Emit(text.str(), "");
  return status;
}

void AddNoOptions(CLI::App&, Options&) {}

int RunEstimators(const Options&, const Context&) {
  std::size_t width = 0;
  for (const EstimatorInfo& e : Estimators()) width = std::max(width, e.name.size());
  std::ostringstream text;
  for (const EstimatorInfo& e : Estimators()) {
    text << e.name << std::string(width - e.name.size() + 2, ' ') << e.description << '\n';
  }
  Emit(text.str(), "");
  return 0;
}

// The subcommands, in the order `odonata --help` lists them.
const Command kCommands[] = {
    {"estimate", "Estimate the latency of an ONNX model on a platform", AddEstimateOptions, RunEstimate},
    {"inspect", "Show the shapes and counts (MACs, FLOPs, params) of every node", AddModelOptions, RunInspect},
    {"platforms", "List the platform profiles on the search path", AddPlatformsOptions, RunPlatforms},
    {"estimators", "List the per-layer estimators platform profiles can name", AddNoOptions, RunEstimators},
};

std::string ExePath(const char* argv0) {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return exe.string();
  exe = std::filesystem::absolute(argv0 ? argv0 : "odonata", ec);
  return ec ? std::string() : exe.string();
}

int Main(int argc, char** argv) {
  CLI::App app("Estimate the latency of neural networks (ONNX) on edge platforms.", "odonata");
  app.set_version_flag("--version", std::string("odonata ") + ODONATA_VERSION);
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.failure_message([](const CLI::App* top, const CLI::Error& e) {
    std::string help = "odonata";
    for (const CLI::App* sub : top->get_subcommands()) help += " " + sub->get_name();
    return std::string("odonata: error: ") + e.what() + "\nRun '" + help + " --help' for more information.\n";
  });

  Options options;
  std::vector<std::pair<CLI::App*, const Command*>> subcommands;
  for (const Command& command : kCommands) {
    CLI::App* cmd = app.add_subcommand(command.name, command.summary);
    cmd->footer(kExitCodes);
    command.add_options(*cmd, options);
    subcommands.emplace_back(cmd, &command);
  }

  // CLI11 would say "A subcommand is required" for a mistyped one; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const Command& command : kCommands) {
      known = known || argv[1] == std::string_view(command.name);
      names += (names.empty() ? "" : ", ") + std::string(command.name);
    }
    if (!known) {
      throw Error("unknown command '" + std::string(argv[1]) + "' (commands: " + names + ")", ExitCode::kUsage);
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse failure is a usage error.
    return app.exit(e) == 0 ? 0 : static_cast<int>(ExitCode::kUsage);
  }

  const Context context{ExePath(argc > 0 ? argv[0] : nullptr)};
  for (const auto& [cmd, command] : subcommands) {
    if (cmd->parsed()) return command->run(options, context);
  }
  return static_cast<int>(ExitCode::kUsage);  // unreachable: require_subcommand(1)
}

}  // namespace
}  // namespace odonata

int main(int argc, char** argv) {
  try {
    return odonata::Main(argc, argv);
  } catch (const odonata::Error& e) {
    std::cerr << "odonata: error: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "odonata: error: internal: " << e.what() << '\n';
    return static_cast<int>(odonata::ExitCode::kError);
  }
}
