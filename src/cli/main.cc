// The odonata command: the command table, and the one place where an
// odonata::Error becomes "odonata: error: ..." and an exit code. Each
// command's options and work are in src/cli/<command>_command.cc.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "command.h"
#include "odonata/errors.h"
#include "odonata/version.h"
#include "usage.h"

namespace odonata::cli {
namespace {

// The subcommands, in the order `odonata --help` lists them.
const Command kCommands[] = {
    {"estimate", "Estimate the latency and energy of an ONNX model on a platform", SetupEstimate},
    {"inspect", "Show the shapes and counts (MACs, FLOPs, params) of every node", SetupInspect},
    {"platforms", "List the platform profiles on the search path", SetupPlatforms},
    {"estimators", "List the per-layer estimators platform profiles can name", SetupEstimators},
    {"sweep", "Write a micro-benchmark plan (CSV) and optionally its single-layer ONNX models", SetupSweep},
    {"fit", "Fit per-op-class latency (and power) models to measurements and write a platform profile", SetupFit},
    {"import", "Turn a runtime's per-layer report (OpenVINO, ONNX Runtime, TensorRT) into measurements", SetupImport},
    {"check", "Estimate validation suites, compare with the measurements, fail on tolerances or regressions",
     SetupCheck},
    {"materialize", "Fill a weight-stripped model's missing tensors with random data so that it can be run",
     SetupMaterialize},
    {"calibrate", "Fit a platform's time scale and overhead on a suite's calibration rows", SetupCalibrate},
    {"power-trace", "Integrate a sampled power trace into energy per window (layer or inference)", SetupPowerTrace},
    {"partition", "Split a network between a node and a remote device over a link: cost of every cut, the best one",
     SetupPartition},
    {"compare", "Latency, energy, throughput and price of models on several platforms; marks the Pareto front",
     SetupCompare},
    {"explore", "Explore models x platforms x precisions x input sizes under constraints; the Pareto front",
     SetupExplore},
};

std::string ExePath(const char* argv0) {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return exe.string();
  exe = std::filesystem::absolute(argv0 ? argv0 : "odonata", ec);
  return ec ? std::string() : exe.string();
}

int Main(int argc, char** argv) {
  CLI::App app("Estimate the latency and energy of neural networks (ONNX) on edge platforms.", "odonata");
  app.set_version_flag("--version", std::string("odonata ") + Version());
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.failure_message([](const CLI::App* top, const CLI::Error& e) {
    std::string help = "odonata";
    for (const CLI::App* sub : top->get_subcommands()) help += " " + sub->get_name();
    return std::string("odonata: error: ") + e.what() + "\nRun '" + help + " --help' for more information.\n";
  });

  // Every command is listed, but only the one named first gets its options
  // (all of them when none is: `odonata --help`): setting up the options of
  // all fourteen took 1.5 M instructions of every run (issue 13).
  // `odonata --version` alone sets up none (2.4 M instructions of its 12.0 M).
  const std::string_view named = argc >= 2 && argv[1][0] != '-' ? argv[1] : "";
  const bool version_only = argc == 2 && argv[1] == std::string_view("--version");
  std::vector<std::pair<CLI::App*, Runner>> commands;
  for (const Command& command : kCommands) {
    CLI::App* cmd = app.add_subcommand(command.name, command.summary);
    cmd->footer(kExitCodes);
    const bool setup = !version_only && (named.empty() || named == command.name);
    commands.emplace_back(cmd, setup ? command.setup(*cmd) : Runner());
  }

  // No command: the usage, which lists them.
  if (argc < 2) {
    std::cerr << app.help() << "odonata: error: no command given: choose one of the commands above\n";
    return static_cast<int>(ExitCode::kUsage);
  }
  // CLI11 would say "A subcommand is required" for a mistyped one; name it instead.
  if (argv[1][0] != '-') {
    const bool known = std::any_of(std::begin(kCommands), std::end(kCommands),
                                   [&](const Command& command) { return argv[1] == std::string_view(command.name); });
    if (!known) {
      std::vector<std::string> names;
      for (const Command& command : kCommands) names.emplace_back(command.name);
      throw Error(UnknownCommand(argv[1], names), ExitCode::kUsage);
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse failure is a usage error.
    return ReportParseFailure(app, e, std::vector<std::string>(argv, argv + argc));
  }

  const Context context{ExePath(argc > 0 ? argv[0] : nullptr)};
  for (const auto& [cmd, run] : commands) {
    if (cmd->parsed() && run) return run(context);
  }
  return static_cast<int>(ExitCode::kUsage);  // unreachable: require_subcommand(1)
}

}  // namespace
}  // namespace odonata::cli

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRunDestructorsAtExit = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRunDestructorsAtExit = true;
#else
constexpr bool kRunDestructorsAtExit = false;
#endif
#else
constexpr bool kRunDestructorsAtExit = false;
#endif

// Ends the process once the streams are flushed, without the static
// destructors: tearing down ONNX's operator-schema registry (every schema of
// every opset, built on the first lookup) took 4.3 M instructions, 4% of a
// whole `odonata estimate` of ResNet-50 (callgrind). Nothing else needs them:
// output files are written and renamed before the command returns. Sanitizer
// builds exit normally (LeakSanitizer checks at exit).
[[noreturn]] void Finish(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  if (kRunDestructorsAtExit) std::exit(code);
  std::_Exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Finish(odonata::cli::Main(argc, argv));
  } catch (const odonata::Error& e) {
    std::cerr << "odonata: error: " << e.what() << '\n';
    Finish(static_cast<int>(e.code()));
  } catch (const std::exception& e) {
    std::cerr << "odonata: error: internal: " << e.what() << '\n';
    Finish(static_cast<int>(odonata::ExitCode::kError));
  }
}
