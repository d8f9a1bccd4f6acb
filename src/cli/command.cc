// Options several commands share, their validators, and output.
#include "command.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string_view>

#include "io.h"
#include "odonata/errors.h"
#include "odonata/tensor.h"
#include "odonata/trust.h"
#include "shape_text.h"
#include "text.h"

namespace odonata::cli {
namespace {

// Split "name=1x3x224x224" at the last '=' (dims never contain one). A 0 dimension passes here
// (the stated size of an empty value-dependent output, 1x0); the loader refuses it for an input.
bool SplitInputShape(const std::string& text, std::string* name, Shape* shape, std::string* problem) {
  std::size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0) {
    *problem = "'" + text + "' is not NAME=DIMS (e.g. input=1x3x224x224)";
    return false;
  }
  *name = text.substr(0, eq);
  try {
    *shape = ParseShape(text.substr(eq + 1), 0);
  } catch (const Error& e) {
    *problem = "'" + text + "': " + e.what();
    return false;
  }
  return true;
}

// "NAME=V[,V...]": a name and finite numbers.
bool SplitInputValue(const std::string& text, std::string* name, std::vector<double>* values, std::string* problem) {
  const std::size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    *problem = "'" + text + "' is not NAME=V[,V...] (e.g. sr=16000)";
    return false;
  }
  *name = text.substr(0, eq);
  values->clear();
  std::size_t pos = eq + 1;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    double v = 0;
    if (text::ParseWhole(item, &v) != text::Parsed::kOk) {
      *problem = "'" + text + "': '" + item + "' is not a number";
      return false;
    }
    values->push_back(v);
    pos = comma + 1;
  }
  return true;
}

// "NAME=COUNT" of --nms-compares: a NonMaxSuppression output's name and its loop's IoU
// comparisons, an integer >= 0.
bool SplitNmsCompares(const std::string& text, std::string* name, std::int64_t* count, std::string* problem) {
  const std::size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    *problem = "'" + text + "' is not NAME=COUNT (a NonMaxSuppression output and its IoU comparisons, e.g. 4138=152761597)";
    return false;
  }
  *name = text.substr(0, eq);
  const std::string digits = text.substr(eq + 1);
  const text::Parsed parsed = text::ParseWhole(digits, count);
  if (parsed == text::Parsed::kOutOfRange) {
    *problem = "'" + text + "': '" + digits + "' is too large";
    return false;
  }
  if (parsed != text::Parsed::kOk || *count < 0) {
    *problem = "'" + text + "': '" + digits + "' is not an integer >= 0";
    return false;
  }
  return true;
}

// Validators: a failure is a usage error (exit 2) naming the option.

CLI::Validator InputValueValidator() {
  return CLI::Validator(
      [](std::string& value) {
        std::string name;
        std::vector<double> values;
        std::string problem;
        return SplitInputValue(value, &name, &values, &problem) ? std::string() : problem;
      },
      "");
}

CLI::Validator NmsComparesValidator() {
  return CLI::Validator(
      [](std::string& value) {
        std::string name;
        std::int64_t count = 0;
        std::string problem;
        return SplitNmsCompares(value, &name, &count, &problem) ? std::string() : problem;
      },
      "");
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

CLI::Validator FormatValidator(bool html) {
  return CLI::Validator(
      [html](std::string& value) {
        Format format;
        const bool known = ParseFormat(value, &format);
        if (known && (html || format != Format::kHtml)) return std::string();
        if (known) return std::string("html is only for estimate (table, json, csv)");
        return "unknown format '" + value + "' (table, json, csv" + (html ? ", html)" : ")");
      },
      html ? "table|json|csv|html" : "table|json|csv");
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

}  // namespace

CLI::Validator PrecisionValidator() {
  return CLI::Validator(
      [](std::string& value) {
        Precision precision;
        return ParsePrecision(value, &precision) ? std::string()
                                                 : "unknown precision '" + value + "' (fp32, fp16, int8)";
      },
      "fp32|fp16|int8");
}

const char* const kExitCodes =
    "Exit status:\n"
    "  0  success\n"
    "  1  error in the input or while processing it (bad model, unknown platform, I/O)\n"
    "  2  usage error (bad command line)";

CLI::Option* AddFormatOption(CLI::App& cmd, Format& format, Formats formats, const std::string& help) {
  CLI::Option* option = cmd.add_option_function<std::string>(
      "--format", [&format](const std::string& text) { ParseFormat(text, &format); }, help);
  if (formats == Formats::kAll) {
    option->check(CLI::IsMember({"table", "json", "csv", "html"}));
  } else {
    option->check(FormatValidator(formats == Formats::kWithHtml));
  }
  return option->type_name("FORMAT")->default_str("table");
}

CLI::Option* AddOutputOption(CLI::App& cmd, std::optional<std::string>& output, const std::string& help) {
  return cmd.add_option("-o,--output", output, help)->type_name("FILE");
}

CLI::Option* AddPrecisionOption(CLI::App& cmd, std::optional<Precision>& precision, const std::string& help) {
  return cmd
      .add_option_function<std::string>(
          "--precision",
          [&precision](const std::string& text) {
            Precision p;
            if (ParsePrecision(text, &p)) precision = p;
          },
          help)
      ->check(PrecisionValidator())
      ->type_name("PRECISION");
}

LoadOptions ModelArgs::ToLoadOptions() const {
  LoadOptions load;
  for (const std::string& text : input_shapes) {
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
  for (const std::string& text : input_values) {
    std::string name;
    std::vector<double> values;
    std::string problem;
    if (!SplitInputValue(text, &name, &values, &problem)) {
      throw Error("--input-value: " + problem, ExitCode::kUsage);
    }
    if (!load.input_values.emplace(name, values).second) {
      throw Error("--input-value: input '" + name + "' given more than once", ExitCode::kUsage);
    }
  }
  for (const std::string& text : nms_compares) {
    std::string name;
    std::int64_t count = 0;
    std::string problem;
    if (!SplitNmsCompares(text, &name, &count, &problem)) {
      throw Error("--nms-compares: " + problem, ExitCode::kUsage);
    }
    if (!load.nms_compares.emplace(name, count).second) {
      throw Error("--nms-compares: output '" + name + "' given more than once", ExitCode::kUsage);
    }
  }
  load.batch = batch;
  return load;
}

void AddModelOption(CLI::App& cmd, std::string& path) {
  cmd.add_option("MODEL", path, "ONNX model file, or an ANNETTE graph (.json)")->type_name("FILE")->required();
}

void AddInputShapeOption(CLI::App& cmd, std::vector<std::string>& input_shapes) {
  cmd.add_option("--input-shape", input_shapes, "Static shape of a graph input, e.g. data=1x3x224x224; of the output of a custom op without a shape function (a decoded image); or the expected size of a NonZero, NonMaxSuppression, Unique or Compress output, instead of its upper bound (repeatable)")
      ->check(InputShapeValidator())
      ->allow_extra_args(false)
      ->type_name("NAME=DIMS");
}

void AddInputValueOption(CLI::App& cmd, std::vector<std::string>& input_values) {
  cmd.add_option("--input-value", input_values,
                 "Value of a small graph input, folded like a constant so that If/Where/Loop on it resolve, "
                 "e.g. sr=16000 (repeatable)")
      ->check(InputValueValidator())
      ->allow_extra_args(false)
      ->type_name("NAME=V[,V...]");
}

void AddNmsComparesOption(CLI::App& cmd, std::vector<std::string>& nms_compares) {
  cmd.add_option("--nms-compares", nms_compares,
                 "IoU comparisons of a NonMaxSuppression's loop on the expected input, by its output's name, "
                 "e.g. 4138=152761597, instead of the bound for its kept boxes (repeatable)")
      ->check(NmsComparesValidator())
      ->allow_extra_args(false)
      ->type_name("NAME=COUNT");
}

void AddBatchOption(CLI::App& cmd, std::optional<std::int64_t>& batch) {
  cmd.add_option("--batch", batch, "Value for symbolic batch dimensions (default 1)")
      ->check(BatchValidator())
      ->type_name("N");
}

ProgressBar::ProgressBar(std::string label, bool force)
    : label_(std::move(label)), enabled_(force || isatty(STDERR_FILENO) == 1) {}

void ProgressBar::Update(std::size_t done, std::size_t total) {
  if (!enabled_ || total == 0) return;
  constexpr std::size_t kWidth = 30;
  const std::size_t filled = std::min(kWidth, done * kWidth / total);
  if (shown_ && filled == filled_ && done != total && done % 16 != 0) return;  // redraw sparingly
  filled_ = filled;
  std::cerr << '\r' << label_ << ' ' << done << '/' << total << " [" << std::string(filled, '#')
            << std::string(kWidth - filled, ' ') << ']' << std::flush;
  shown_ = true;
}

void ProgressBar::Clear() {
  if (shown_) std::cerr << "\r\033[K" << std::flush;
  shown_ = false;
}

void AddProgressOption(CLI::App& cmd, bool& progress) {
  cmd.add_flag("--progress", progress, "Show progress on stderr even when it is not a terminal");
}

void Warn(const std::string& message) { std::cerr << "odonata: warning: " << message << '\n'; }

void WarnOnce(const std::vector<std::string>& warnings) {
  for (const std::string& w : UniqueWarnings(warnings)) Warn(w);
}

void Note(const std::string& message) { std::cerr << "odonata: " << message << '\n'; }

void KeepUntilExitImpl(std::shared_ptr<const void> kept) {
  // Destroyed by exit() only (sanitizer builds); _Exit skips it.
  static std::vector<std::shared_ptr<const void>> kept_objects;
  kept_objects.push_back(std::move(kept));
}

void Emit(const std::string& text, const std::optional<std::string>& path) {
  if (!path || *path == "-") {
    std::cout << text << std::flush;
    if (!std::cout) throw Error("cannot write to standard output");
    return;
  }
  WriteFileAtomic(*path, text);
}

void AddWideOption(CLI::App& cmd, bool& wide) {
  cmd.add_flag("--wide", wide, "Print text tables in full (default: cut names to fit $COLUMNS or the terminal)");
}

RenderOptions TableOptions(bool wide, const std::optional<std::string>& output) {
  RenderOptions options;
  if (wide) {
    options.width = kUnlimitedWidth;
    return options;
  }
  if (output && *output != "-") return options;
  // Narrower than this the numbers alone do not fit; cutting names would not help.
  constexpr std::size_t kNarrowest = 40;
  if (const char* columns = std::getenv("COLUMNS")) {
    char* end = nullptr;
    const long n = std::strtol(columns, &end, 10);
    if (end != columns && *end == '\0' && n > 0) {
      options.width = std::max<std::size_t>(static_cast<std::size_t>(n), kNarrowest);
      return options;
    }
  }
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    options.width = std::max<std::size_t>(size.ws_col, kNarrowest);
  }
  return options;
}

void WarnIfOtherMachine(const Platform& platform) {
  if (!platform.machine) return;
  const std::optional<HostMachine> here = CurrentMachine();
  if (!here) return;
  if (auto mismatch = MachineMismatch(platform.name, *platform.machine, *here)) Warn(*mismatch);
}

}  // namespace odonata::cli
