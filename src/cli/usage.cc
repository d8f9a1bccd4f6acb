#include "usage.h"

#include <cctype>
#include <iostream>

#include "odonata/errors.h"
#include "text.h"

namespace odonata::cli {
namespace {

// The first option among args[first..] that `cmd` does not know, "" when
// all are known: "--platfrom" in "--platfrom x" or "--platfrom=x". Numbers
// ("-1") are values, and "--" ends the options.
std::string FirstUnknownOption(const CLI::App& cmd, const std::vector<std::string>& args, std::size_t first) {
  for (std::size_t i = first; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-' || std::isdigit(static_cast<unsigned char>(arg[1])) || arg[1] == '.') continue;
    std::string name = arg.substr(0, arg.find('='));
    if (name[1] != '-') name = name.substr(0, 2);  // -ofile: -o and its value
    if (cmd.get_option_no_throw(name) == nullptr) return name;
  }
  return "";
}

// "unknown option '--platfrom' (did you mean '--platform'?)": the closest of
// the command's own long option names when one is close.
std::string UnknownOption(const CLI::App& cmd, const std::string& option) {
  std::vector<std::string> names;  // long names: any one-letter option is "close" to another
  for (const CLI::Option* opt : cmd.get_options()) {
    for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
  }
  const std::string near = option.starts_with("--") ? text::ClosestMatch(option, names) : "";
  return "unknown option '" + option + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)");
}

}  // namespace

std::string UnknownCommand(const std::string& word, const std::vector<std::string>& commands) {
  const std::string near = text::ClosestMatch(word, commands);
  std::string list;
  for (const std::string& name : commands) list += (list.empty() ? "" : ", ") + name;
  return "unknown command '" + word + "' (" + (near.empty() ? "commands: " + list : "did you mean '" + near + "'?") +
         ")";
}

int ReportParseFailure(const CLI::App& app, const CLI::ParseError& e, const std::vector<std::string>& args) {
  const bool maybe_unknown = dynamic_cast<const CLI::RequiredError*>(&e) || dynamic_cast<const CLI::ExtrasError*>(&e);
  const std::vector<CLI::App*> given = app.get_subcommands();
  if (maybe_unknown && !given.empty()) {
    const std::string unknown = FirstUnknownOption(*given.front(), args, 2);
    if (!unknown.empty()) {
      std::cerr << "odonata: error: " << UnknownOption(*given.front(), unknown) << "\nRun 'odonata "
                << given.front()->get_name() << " --help' for more information.\n";
      return static_cast<int>(ExitCode::kUsage);
    }
  }
  return app.exit(e) == 0 ? 0 : static_cast<int>(ExitCode::kUsage);
}

}  // namespace odonata::cli
