#include "text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "odonata/errors.h"

namespace odonata::text {

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

std::string_view Trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

namespace {

template <typename T>
Parsed ParseWholeAs(std::string_view s, T* v) {
  if (s.starts_with('+')) s.remove_prefix(1);
  const char* end = s.data() + s.size();
  const auto parsed = std::from_chars(s.data(), end, *v);
  if (parsed.ec == std::errc::result_out_of_range) return Parsed::kOutOfRange;
  if (s.empty() || parsed.ec != std::errc() || parsed.ptr != end) return Parsed::kMalformed;
  return Parsed::kOk;
}

}  // namespace

Parsed ParseWhole(std::string_view s, double* v) {
  const Parsed p = ParseWholeAs(s, v);
  return p == Parsed::kOk && !std::isfinite(*v) ? Parsed::kNotFinite : p;
}

Parsed ParseWhole(std::string_view s, std::int64_t* v) { return ParseWholeAs(s, v); }

CsvReader::CsvReader(std::string_view text, const std::string& origin) : text_(text), origin_(origin) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);  // UTF-8 byte order mark (Excel)
}

bool CsvReader::Next(CsvRecord* r) {
  while (pos_ < text_.size()) {
    std::size_t eol = text_.find('\n', pos_);
    std::string_view line = text_.substr(pos_, eol == std::string_view::npos ? std::string_view::npos : eol - pos_);
    if (line.starts_with('#') || IsBlank(line)) {
      pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
      ++line_;
      continue;
    }
    r->line = line_;
    r->fields.clear();
    while (true) {
      r->fields.push_back(Field());
      if (pos_ >= text_.size()) return true;
      char c = text_[pos_++];
      if (c == '\n') {
        ++line_;
        return true;
      }
      // c == ',': another field follows.
    }
  }
  return false;
}

// One field; leaves pos_ on the ',' or '\n' after it, or at the end.
std::string CsvReader::Field() {
  std::string f;
  if (pos_ < text_.size() && text_[pos_] == '"') {
    const int start = line_;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) throw Error(origin_ + ":" + std::to_string(start) + ": unterminated quoted field");
      char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          f += '"';
          ++pos_;
          continue;
        }
        break;
      }
      if (c == '\n') ++line_;
      f += c;
    }
    if (pos_ < text_.size() && text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n') {
      if (pos_ + 1 == text_.size() && text_[pos_] == '\r') {
        ++pos_;
      } else {
        throw Error(origin_ + ":" + std::to_string(line_) + ": text after the closing quote of a field");
      }
    }
    return f;
  }
  std::size_t end = text_.find_first_of(",\n", pos_);
  if (end == std::string_view::npos) end = text_.size();
  f.assign(text_.substr(pos_, end - pos_));
  pos_ = end;
  // The '\r' of a CRLF line end is not part of the last field.
  if (!f.empty() && f.back() == '\r' && (end == text_.size() || text_[end] == '\n')) f.pop_back();
  return f;
}

namespace {

// Optimal string alignment distance: Levenshtein plus adjacent
// transpositions, so "jetosn" is one edit from "jetson".
std::size_t EditDistance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace

std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    std::size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace odonata::text
