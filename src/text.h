// Text helpers shared inside the library (not a public header): the CSV
// dialect of odonata's own files, and "did you mean" suggestions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace odonata::text {

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;  // where the record starts
};

// RFC 4180 records: quoted fields with "" escapes (and line breaks), CRLF or
// LF, the last line break optional, a UTF-8 byte order mark ignored. Blank
// lines and lines starting with '#' between records are skipped. Errors name
// `origin` and the line ("m.csv:4: unterminated quoted field").
class CsvReader {
 public:
  CsvReader(std::string_view text, const std::string& origin);
  // Read the next record into `r`; false at the end of the text.
  bool Next(CsvRecord* r);

 private:
  std::string Field();

  std::string_view text_;
  std::string origin_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

bool IsBlank(std::string_view s);
// `s` without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view s);

// The whole of `s` as a number: an optional leading '+', then what
// std::from_chars accepts, nothing after it (trim first: spaces are not
// skipped). One parser for every column and option that holds a plain number,
// so they all accept and refuse the same text.
enum class Parsed { kOk, kMalformed, kOutOfRange, kNotFinite };
Parsed ParseWhole(std::string_view s, double* v);
Parsed ParseWhole(std::string_view s, std::int64_t* v);

// The candidate closest to `word` by optimal string alignment distance
// (Levenshtein plus adjacent transpositions), or "" when none is within
// max(2, |word| / 3) edits: close enough to be a plausible typo.
std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace odonata::text
