#include "json_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <string_view>

#include "odonata/errors.h"
#include "text.h"

namespace odonata::json {
namespace {

// nlohmann::json keeps the last of duplicate keys without a word; in a
// hand-edited file a duplicate is a mistake (ANNETTE's own ncs2 model lists
// "Log" twice with different values), so the parse callback rejects it.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(const std::string& origin) : origin_(origin) {}

  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        NextElement();
        stack_.push_back({event == Json::parse_event_t::array_start, {}, -1, {}});
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        stack_.pop_back();
        break;
      case Json::parse_event_t::key: {
        Frame& top = stack_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second) {
          throw Error(origin_ + ": " + Path() + ": duplicate key");
        }
        break;
      }
      case Json::parse_event_t::value:
        NextElement();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool is_array;
    std::string key;  // current key (objects)
    int index;        // current element (arrays)
    std::set<std::string> keys;
  };

  void NextElement() {
    if (!stack_.empty() && stack_.back().is_array) ++stack_.back().index;
  }

  std::string Path() const {
    std::string path;
    for (const auto& f : stack_) {
      path = f.is_array ? path + "[" + std::to_string(f.index) + "]" : JoinPath(path, f.key);
    }
    return path;
  }

  const std::string& origin_;
  std::vector<Frame> stack_;
};

// A reader for the JSON odonata writes (its profiles: ASCII, few escapes),
// about twice as fast as nlohmann's parser with the duplicate-key callback
// (issue 13: the Jetson Nano's 56 KB profile took 4.9 M instructions of a
// whole `odonata estimate`). It gives up, returning false, on anything it
// does not read exactly as nlohmann does: invalid JSON, duplicate keys, \u
// escapes, bytes outside ASCII, numbers out of range, nesting deeper than
// kMaxDepth; ParseStrict then parses with nlohmann, for the same value or
// the same error.
class FastReader {
 public:
  explicit FastReader(const std::string& text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool Read(Json& out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 256;

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Value(Json& out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(out, depth);
      case '[':
        return Array(out, depth);
      case '"': {
        std::string s;
        if (!String(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't':
        return Literal("true", Json(true), out);
      case 'f':
        return Literal("false", Json(false), out);
      case 'n':
        return Literal("null", Json(nullptr), out);
      default:
        return Number(out);
    }
  }

  bool Literal(std::string_view word, Json value, Json& out) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    out = std::move(value);
    return true;
  }

  bool Object(Json& out, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;  // {
    out = Json::object();
    auto& members = out.get_ref<Json::object_t&>();
    SkipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      SkipSpace();
      std::string key;
      if (p_ == end_ || *p_ != '"' || !String(key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      auto [it, inserted] = members.try_emplace(std::move(key));
      if (!inserted) return false;  // a duplicate key: ParseStrict's error
      if (!Value(it->second, depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != '}') return false;
      ++p_;
      return true;
    }
  }

  bool Array(Json& out, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;  // [
    out = Json::array();
    auto& elements = out.get_ref<Json::array_t&>();
    SkipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      SkipSpace();
      elements.emplace_back();
      if (!Value(elements.back(), depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != ']') return false;
      ++p_;
      return true;
    }
  }

  bool String(std::string& s) {
    ++p_;  // "
    const char* run = p_;
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        s.append(run, p_);
        ++p_;
        return true;
      }
      if (c < 0x20 || c >= 0x80) return false;  // invalid, or UTF-8 nlohmann validates
      if (c != '\\') {
        ++p_;
        continue;
      }
      s.append(run, p_);
      if (++p_ == end_) return false;
      switch (*p_) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        default: return false;  // \u (surrogates, UTF-8) or invalid
      }
      run = ++p_;
    }
    return false;
  }

  // nlohmann's grammar and types: an integer is unsigned (>= 0) or signed
  // (< 0) when it fits 64 bits, else a float, as is any number with a
  // fraction or exponent (correctly rounded, as strtod).
  bool Number(Json& out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && IsDigit(*p_)) ++p_;
    }
    bool is_float = false;
    if (p_ != end_ && *p_ == '.') {
      is_float = true;
      if (++p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ != end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      if (++p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ != end_ && IsDigit(*p_)) ++p_;
    }
    if (!is_float) {
      if (negative) {
        std::int64_t v = 0;
        const auto r = std::from_chars(start, p_, v);
        if (r.ec == std::errc() && r.ptr == p_) {
          out = v;
          return true;
        }
      } else {
        std::uint64_t v = 0;
        const auto r = std::from_chars(start, p_, v);
        if (r.ec == std::errc() && r.ptr == p_) {
          out = v;
          return true;
        }
      }
    }
    double v = 0;
    const auto r = std::from_chars(start, p_, v);
    if (r.ec != std::errc() || r.ptr != p_ || !std::isfinite(v)) return false;
    out = v;
    return true;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

std::optional<Json> ReadFast(const std::string& text) {
  Json out;
  if (!FastReader(text).Read(out)) return std::nullopt;
  return out;
}

// nlohmann reports a byte offset; people fix files by line and column.
std::string DescribeParseError(const std::string& text, const Json::parse_error& e) {
  // e.byte is 1-based and names the last character read: the offending one,
  // or one past the end for truncated input.
  std::size_t at = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  std::size_t column = at - line_start + 1;
  // Keep nlohmann's explanation, drop its "[json.exception...] parse error at ...:" prefix.
  std::string what = e.what();
  std::string detail = what;
  std::size_t bracket = what.find(']');
  if (bracket != std::string::npos) {
    std::size_t colon = what.find(": ", bracket);
    if (colon != std::string::npos) detail = what.substr(colon + 2);
  }
  return "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + detail;
}

Json ParseStrict(const std::string& text, const std::string& origin) {
  if (std::optional<Json> fast = ReadFast(text)) return std::move(*fast);
  try {
    return Json::parse(text, DuplicateKeyCheck(origin));
  } catch (const Json::parse_error& e) {
    throw Error(origin + ": " + DescribeParseError(text, e));
  } catch (const Json::exception& e) {
    // e.g. out_of_range 406 for a number like 1e999; no byte offset available.
    throw Error(origin + ": invalid JSON: " + e.what());
  }
}

std::string TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::string:
      return "string";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::null:
      return "null";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number";
    default:
      return "invalid value";
  }
}

std::string JoinPath(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A file's author fixing a typo wants the nearest name, one guessing wants all.
std::string Suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  std::string near = text::ClosestMatch(word, candidates);
  if (!near.empty()) return "(did you mean '" + near + "'?)";
  return "(expected one of: " + JoinNames(candidates) + ")";
}

std::string FormatNumber(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void Node::Fail(const std::string& problem) const {
  throw Error(origin + ": " + (path.empty() ? "(top level)" : path) + ": " + problem);
}

void ExpectObject(const Node& n) {
  if (!n.json.is_object()) n.Fail("expected an object, got " + TypeName(n.json));
}

void ExpectArray(const Node& n) {
  if (!n.json.is_array()) n.Fail("expected an array, got " + TypeName(n.json));
}

void CheckKeys(const Node& n, const std::vector<std::string>& required, const std::vector<std::string>& optional) {
  ExpectObject(n);
  std::vector<std::string> allowed = required;
  allowed.insert(allowed.end(), optional.begin(), optional.end());
  for (const auto& item : n.json.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      n.Child(item.key()).Fail("unknown key " + Suggestion(item.key(), allowed));
    }
  }
  for (const auto& key : required) {
    if (!n.Has(key)) Node{n.json, JoinPath(n.path, key), n.origin}.Fail("missing required field");
  }
}

std::string GetString(const Node& n) {
  if (!n.json.is_string()) n.Fail("expected a string, got " + TypeName(n.json));
  std::string s = n.json.get<std::string>();
  if (s.empty()) n.Fail("must not be empty");
  return s;
}

std::vector<std::string> GetStringList(const Node& n, bool allow_empty) {
  ExpectArray(n);
  if (!allow_empty && n.json.empty()) n.Fail("must not be empty");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n.json.size(); ++i) out.push_back(GetString(n.Element(i)));
  return out;
}

double GetNumber(const Node& n) {
  if (!n.json.is_number()) n.Fail("expected a number, got " + TypeName(n.json));
  double v = n.json.get<double>();
  if (!std::isfinite(v)) n.Fail("must be finite");
  return v;
}

std::int64_t GetInteger(const Node& n) {
  if (n.json.is_number_float()) {
    n.Fail("expected an integer, got " + FormatNumber(n.json.get<double>()));
  }
  if (!n.json.is_number()) n.Fail("expected an integer, got " + TypeName(n.json));
  if (n.json.is_number_unsigned() &&
      n.json.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    n.Fail("integer out of range");
  }
  return n.json.get<std::int64_t>();
}

Sourced GetSourced(const Node& n, Range range) {
  if (!n.json.is_object()) n.Fail("expected an object {value, source}, got " + TypeName(n.json));
  CheckKeys(n, {"value", "source"}, {});
  Node value = n.Child("value");
  Sourced s{GetNumber(value), GetString(n.Child("source"))};
  const std::string got = ", got " + FormatNumber(s.value);
  switch (range) {
    case Range::kPositive:
      if (!(s.value > 0)) value.Fail("must be > 0" + got);
      break;
    case Range::kNonNegative:
      if (!(s.value >= 0)) value.Fail("must be >= 0" + got);
      break;
    case Range::kPositiveFraction:
      if (!(s.value > 0 && s.value <= 1)) value.Fail("must be in (0, 1]" + got);
      break;
    case Range::kFraction:
      if (!(s.value >= 0 && s.value < 1)) value.Fail("must be in [0, 1)" + got);
      break;
    case Range::kCount:
      if (!(s.value >= 1 && s.value <= 1e9 && std::floor(s.value) == s.value)) {
        value.Fail("must be an integer in [1, 1e9]" + got);
      }
      break;
  }
  return s;
}

}  // namespace odonata::json
