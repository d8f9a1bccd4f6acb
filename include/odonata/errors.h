// One error type for the whole library. The CLI catches it once, prints
// "odonata: error: <what>" and exits with its code.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace odonata {

// Exit codes of the odonata command (documented in README.md).
enum class ExitCode : int {
  kOk = 0,
  kError = 1,              // bad input file, unresolvable model, I/O failure
  kUsage = 2,              // bad command line (CLI11 also uses 2 for parse errors)
  kToleranceExceeded = 3,  // reserved for `odonata check`
};

// Error with a context chain: inner code throws Error("unknown key 'x'"),
// callers add context on the way up, e.g. WithContext("platforms/ncs2.json").
// The message reads "platforms/ncs2.json: unknown key 'x'".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, ExitCode code = ExitCode::kError) : std::runtime_error(what), code_(code) {}

  ExitCode code() const { return code_; }

  // Return a copy of this error whose message is "<context>: <message>".
  Error WithContext(const std::string& context) const { return Error(context + ": " + what(), code_); }

 private:
  ExitCode code_;
};

// Warnings are plain strings, each said once: append `warning` unless
// `warnings` has it already.
void AddWarning(std::vector<std::string>& warnings, const std::string& warning);
// `warnings` without repeats, in order of first appearance (what to print:
// a report's warnings start with its network's).
std::vector<std::string> UniqueWarnings(const std::vector<std::string>& warnings);

// Checked 64-bit arithmetic for counts (MACs, bytes, elements). Throws Error
// on overflow instead of wrapping: shapes come from untrusted files.
std::int64_t CheckedMul(std::int64_t a, std::int64_t b);
std::int64_t CheckedAdd(std::int64_t a, std::int64_t b);

}  // namespace odonata
