// What the command files of the odonata tool share: the command table's entry
// type, the process context, the options several commands take, and output
// (Emit, Warn). Only src/cli/ includes CLI11.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/network.h"
#include "odonata/platform.h"
#include "odonata/render.h"

namespace odonata::cli {

// What a command needs from the process.
struct Context {
  std::string exe_path;  // for the platform and link search paths

  std::vector<std::string> SearchPath() const { return PlatformSearchPath(exe_path); }
};

// Runs a parsed command; returns the exit status.
using Runner = std::function<int(const Context&)>;

// One subcommand. `setup` registers the command's options on `cmd`, bound to
// an options struct the returned Runner owns, which runs the command once the
// command line is parsed: parse -> library call -> render -> emit.
struct Command {
  const char* name;
  const char* summary;
  Runner (*setup)(CLI::App& cmd);
};

// One setup per command file (src/cli/<command>_command.cc).
Runner SetupEstimate(CLI::App& cmd);
Runner SetupInspect(CLI::App& cmd);
Runner SetupPlatforms(CLI::App& cmd);
Runner SetupEstimators(CLI::App& cmd);
Runner SetupSweep(CLI::App& cmd);
Runner SetupFit(CLI::App& cmd);
Runner SetupImport(CLI::App& cmd);
Runner SetupCheck(CLI::App& cmd);
Runner SetupMaterialize(CLI::App& cmd);
Runner SetupCalibrate(CLI::App& cmd);
Runner SetupPowerTrace(CLI::App& cmd);
Runner SetupPartition(CLI::App& cmd);
Runner SetupCompare(CLI::App& cmd);
Runner SetupExplore(CLI::App& cmd);

// The footer of every help text.
extern const char* const kExitCodes;

// --- Options several commands take -----------------------------------------

// Which formats a --format option accepts, and how its help and errors say so.
enum class Formats {
  kText,      // table, json, csv ("html is only for estimate")
  kWithHtml,  // table, json, csv, html (estimate)
  kAll,       // table, json, csv, html, checked as a member of that list (compare, explore, partition)
};

// --format, bound to `format` (default table).
CLI::Option* AddFormatOption(CLI::App& cmd, Format& format, Formats formats, const std::string& help);
// -o,--output FILE: where the report goes instead of stdout.
CLI::Option* AddOutputOption(CLI::App& cmd, std::optional<std::string>& output,
                             const std::string& help = "Write the report to FILE instead of stdout");
// Accepts fp32, fp16, int8.
CLI::Validator PrecisionValidator();
// --precision, validated (fp32, fp16, int8).
CLI::Option* AddPrecisionOption(CLI::App& cmd, std::optional<Precision>& precision, const std::string& help);

// A model and how its symbolic shapes are set: MODEL, --input-shape, --batch.
struct ModelArgs {
  std::string path;
  std::vector<std::string> input_shapes;  // "name=1x3x224x224", validated while parsing
  std::vector<std::string> input_values;  // "name=16000" or "name=1,2,3", validated while parsing
  std::vector<std::string> nms_compares;  // "name=152761597" (--nms-compares), validated while parsing
  std::optional<std::int64_t> batch;

  // Throws Error (usage) for an input (or --nms-compares output) given twice.
  LoadOptions ToLoadOptions() const;
};
// MODEL (positional, required).
void AddModelOption(CLI::App& cmd, std::string& path);
// --input-shape (repeatable), validated.
void AddInputShapeOption(CLI::App& cmd, std::vector<std::string>& input_shapes);
// --input-value (repeatable), validated.
void AddInputValueOption(CLI::App& cmd, std::vector<std::string>& input_values);
// --nms-compares (repeatable), validated: LoadOptions::nms_compares.
void AddNmsComparesOption(CLI::App& cmd, std::vector<std::string>& nms_compares);
// --batch N (>= 1).
void AddBatchOption(CLI::App& cmd, std::optional<std::int64_t>& batch);

// `parse(text)` for the value of `option`; its Error (a usage error naming
// the text) gains the option's name: "--max-latency: 'soon' is not ...".
template <typename F>
auto OptionValue(const char* option, const std::string& text, F parse) {
  try {
    return parse(text);
  } catch (const Error& e) {
    throw e.WithContext(option);
  }
}

// --- Output -------------------------------------------------------------------

// "odonata: warning: <message>" on stderr.
void Warn(const std::string& message);
// Each warning once, in order.
void WarnOnce(const std::vector<std::string>& warnings);
// "odonata: <message>" on stderr: what a command did besides its report.
void Note(const std::string& message);

// --wide: text tables are never cut to the terminal's width.
void AddWideOption(CLI::App& cmd, bool& wide);
// How a report's text tables are laid out: --wide never cuts; a report for
// stdout fits $COLUMNS, else the terminal when stdout is one; otherwise (a
// file, a pipe) the tables' default widths.
RenderOptions TableOptions(bool wide, const std::optional<std::string>& output);

// One warning line when `platform` records the CPU it was measured on
// (`machine`) and this one ($ODONATA_CPUINFO, else /proc/cpuinfo) differs.
void WarnIfOtherMachine(const Platform& platform);

// "explore 123/480 [#####     ]" on stderr while a run lasts, only when stderr
// is a terminal (nothing in pipes and logs) or when `force` (--progress);
// erased when done.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label, bool force = false);
  ~ProgressBar() { Clear(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(std::size_t done, std::size_t total);
  void Clear();

 private:
  std::string label_;
  bool enabled_;
  bool shown_ = false;
  std::size_t filled_ = 0;
};
// --progress: draw the progress bar on stderr even when it is no terminal.
void AddProgressOption(CLI::App& cmd, bool& progress);

// Hands `value` to the process until it ends and returns it. main ends the
// process with _Exit once the output is flushed (src/cli/main.cc), so what is
// kept here is never torn down piece by piece just before that: the loaded
// network, the reports and the profile of `odonata estimate` took 0.75 M
// instructions to destroy (ResNet-50, issue 13). Sanitizer builds exit
// normally and destroy them then (no leak reported). For what a command holds
// until it returns anyway, not for what it would free early.
void KeepUntilExitImpl(std::shared_ptr<const void> kept);
template <typename T>
T& KeepUntilExit(T value) {
  auto kept = std::make_shared<T>(std::move(value));
  T& ref = *kept;
  KeepUntilExitImpl(std::move(kept));
  return ref;
}

// Write `text` to stdout (no path, or "-"), or to `path` via a temporary file
// renamed into place, so that `path` is either the complete new report or untouched.
void Emit(const std::string& text, const std::optional<std::string>& path = std::nullopt);

}  // namespace odonata::cli
