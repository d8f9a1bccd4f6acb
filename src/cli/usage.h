// Usage errors that name what was mistyped (src/cli/usage.cc): a command or
// an option close to a real one gets "did you mean".
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace odonata::cli {

// "unknown command 'estimat' (did you mean 'estimate'?)", or with the list
// of `commands` when none is close.
std::string UnknownCommand(const std::string& word, const std::vector<std::string>& commands);

// Print a failure of app.parse(args) and return the exit status: 0 for
// --help and --version, 2 otherwise. As CLI11 prints it, except that an
// option the command does not know is named ("unknown option '--platfrom'
// (did you mean '--platform'?)") where CLI11 would report what it hides
// ("--platform is required") or only "The following argument was not expected".
int ReportParseFailure(const CLI::App& app, const CLI::ParseError& e, const std::vector<std::string>& args);

}  // namespace odonata::cli
