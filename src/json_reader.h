// Strict reading of hand-edited JSON files (platform profiles, link models):
// every error names the file and the key path ("<origin>: precisions.fp16.
// peak_gops.value: must be > 0, got 0"), unknown keys get "did you mean",
// duplicate keys and wrong types are errors. Internal to the library.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "odonata/platform.h"

namespace odonata::json {

using Json = nlohmann::json;

// Parse `text`; syntax errors name line and column, duplicate keys their path.
Json ParseStrict(const std::string& text, const std::string& origin);

// "invalid JSON at line 3, column 48: <the parser's explanation>", for a
// parse error of `text` (nlohmann's "[json.exception...]" prefix dropped).
std::string DescribeParseError(const std::string& text, const Json::parse_error& e);

std::string TypeName(const Json& j);  // "object", "number", ...
std::string JoinPath(const std::string& path, const std::string& key);
std::string JoinNames(const std::vector<std::string>& names);  // "a, b, c"
// "(did you mean 'x'?)" when one candidate is close, else "(expected one of: ...)".
std::string Suggestion(const std::string& word, const std::vector<std::string>& candidates);
// Shortest text that reads back as the same double ("1.5", not "1.500000").
std::string FormatNumber(double v);

// A JSON value with its key path, so every error can say where it is.
struct Node {
  const Json& json;
  std::string path;
  const std::string& origin;

  [[noreturn]] void Fail(const std::string& problem) const;
  Node Child(const std::string& key) const { return {json.at(key), JoinPath(path, key), origin}; }
  Node Element(std::size_t i) const;  // path "<path>[i]"
  bool Has(const std::string& key) const { return json.contains(key); }
};

void ExpectObject(const Node& n);
void ExpectArray(const Node& n);
// Reject unknown keys first (a misspelt optional key would otherwise be
// silently ignored), then report the first missing required key.
void CheckKeys(const Node& n, std::initializer_list<std::string_view> required,
               std::initializer_list<std::string_view> optional);
std::string GetString(const Node& n);  // non-empty
std::vector<std::string> GetStringList(const Node& n, bool allow_empty);
double GetNumber(const Node& n);  // finite
std::int64_t GetInteger(const Node& n);

enum class Range {
  kPositive,          // > 0
  kNonNegative,       // >= 0
  kPositiveFraction,  // (0, 1]
  kFraction,          // [0, 1)
  kCount,             // an integer in [1, 1e9]
};
// A number with its provenance: exactly {"value": <number>, "source": "<text>"}.
Sourced GetSourced(const Node& n, Range range);

}  // namespace odonata::json
