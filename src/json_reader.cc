#include "json_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "odonata/errors.h"
#include "text.h"

namespace odonata::json {
namespace {

// nlohmann::json keeps the last of duplicate keys without a word; in a
// hand-edited file a duplicate is a mistake (ANNETTE's own ncs2 model lists
// "Log" twice with different values), so it is rejected. The document is built
// from nlohmann's SAX events (its parser and lexer, its value types) as its own
// DOM parser builds it; each key goes into its object with one insertion that
// also tells whether it was there. (It replaced a parse callback keeping a set
// of keys per object: 4.9 M -> 3.8 M instructions for the Jetson Nano's 56 KB
// profile, issue 13.)
class StrictDom {
 public:
  StrictDom(Json& root, const std::string& origin) : root_(root), origin_(origin) {}

  bool null() { return Put(Json(nullptr)); }
  bool boolean(bool v) { return Put(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return Put(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return Put(Json(v)); }
  bool number_float(Json::number_float_t v, const Json::string_t& /*text*/) { return Put(Json(v)); }
  bool string(Json::string_t& v) { return Put(Json(std::move(v))); }
  bool binary(Json::binary_t& v) { return Put(Json(std::move(v))); }
  bool start_object(std::size_t /*size*/) { return Open(Json::value_t::object); }
  bool start_array(std::size_t /*size*/) { return Open(Json::value_t::array); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(Json::string_t& k) {
    Frame& top = stack_.back();
    auto [it, inserted] = top.value->get_ref<Json::object_t&>().emplace(std::move(k), nullptr);
    top.key = &it->first;
    if (!inserted) throw Error(origin_ + ": " + Path() + ": duplicate key");
    top.slot = &it->second;
    return true;
  }

  // Syntax errors and numbers out of range: nlohmann's own exception, as its DOM parser throws it.
  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/, const Exception& e) {
    throw e;
  }

 private:
  struct Frame {
    Json* value;                     // the object or array being filled
    const std::string* key = nullptr;  // objects: the current key
    Json* slot = nullptr;            // objects: the current key's value
  };

  // Where the next value goes: the root, the end of an array, the current key's slot.
  Json* Place(Json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Frame& top = stack_.back();
    if (top.value->is_array()) {
      auto& array = top.value->get_ref<Json::array_t&>();
      array.push_back(std::move(v));
      return &array.back();
    }
    *top.slot = std::move(v);
    return top.slot;
  }
  bool Put(Json&& v) {
    Place(std::move(v));
    return true;
  }
  bool Open(Json::value_t type) {
    stack_.push_back({Place(Json(type))});
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  // "a.b[3].c": each open container's current key or element.
  std::string Path() const {
    std::string path;
    for (const Frame& f : stack_) {
      if (f.value->is_array()) {
        path += "[" + std::to_string(f.value->size() - 1) + "]";
      } else if (f.key) {
        path = JoinPath(path, *f.key);
      }
    }
    return path;
  }

  Json& root_;
  const std::string& origin_;
  std::vector<Frame> stack_;
};

}  // namespace

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

namespace {

// What the whitespace pass below needs to know of a character.
enum CharClass : unsigned char { kOther, kLayout, kQuote, kPunctuation };
constexpr std::array<CharClass, 256> kCharClass = [] {
  std::array<CharClass, 256> table{};  // kOther
  for (unsigned char c : {' ', '\t', '\n', '\r'}) table[c] = kLayout;  // JSON's whitespace
  for (unsigned char c : {'{', '}', '[', ']', ',', ':'}) table[c] = kPunctuation;
  table['"'] = kQuote;
  return table;
}();
CharClass ClassOf(char c) { return kCharClass[static_cast<unsigned char>(c)]; }

// Where the string opened by the quote at `open` ends: its closing quote (one
// after an even number of backslashes), or the last character of an unclosed one.
std::size_t StringEnd(const std::string& text, std::size_t open) {
  std::size_t at = open;
  while (true) {
    at = text.find('"', at + 1);
    if (at == std::string::npos) return text.size() - 1;
    std::size_t escapes = 0;
    while (text[at - 1 - escapes] == '\\') ++escapes;  // stops at the opening quote at the latest
    if (escapes % 2 == 0) return at;
  }
}

// `text` without the whitespace between its tokens (profiles are indented:
// more than half of the Jetson Nano's 61 KB, each character of it about 30
// instructions in nlohmann's lexer; issue 13). Strings are copied as they are;
// a run of whitespace between two characters that are neither punctuation nor
// quotes (`1 2`, `true false`) stays one space, so that the lexer reads the
// same tokens from both texts.
std::string WithoutLayout(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Tokens and whole strings (escapes included; an unclosed one to the end), copied at once.
    std::size_t j = i;
    for (CharClass c; j < n && (c = ClassOf(text[j])) != kLayout; ++j) {
      if (c != kQuote) continue;
      j = StringEnd(text, j);
    }
    out.append(text, i, j - i);
    // Whitespace.
    i = j;
    while (j < n && ClassOf(text[j]) == kLayout) ++j;
    const bool between_words = j < n && ClassOf(text[j]) == kOther && (out.empty() || ClassOf(out.back()) == kOther);
    if (j > i && between_words) out += ' ';
    i = j;
  }
  return out;
}

Json ParseDom(const std::string& text, const std::string& origin) {
  Json doc;
  StrictDom dom(doc, origin);
  Json::sax_parse(text, &dom);
  return doc;
}

}  // namespace

Json ParseStrict(const std::string& text, const std::string& origin) {
  try {
    try {
      return ParseDom(WithoutLayout(text), origin);
    } catch (const std::exception&) {
      // Any error is found again in the text as written, so that its line and
      // column are the file's (the same error: both texts have the same tokens).
    }
    return ParseDom(text, origin);
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

// Paths are built for every value a profile's reader visits (an error names
// it): one allocation each (issue 13).
std::string JoinPath(const std::string& path, const std::string& key) {
  if (path.empty()) return key;
  std::string out;
  out.reserve(path.size() + 1 + key.size());
  out.append(path).append(1, '.').append(key);
  return out;
}

Node Node::Element(std::size_t i) const {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, i).ptr;
  std::string out;
  out.reserve(path.size() + static_cast<std::size_t>(end - digits) + 2);
  out.append(path).append(1, '[').append(digits, end).append(1, ']');
  return {json.at(i), std::move(out), origin};
}

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

void CheckKeys(const Node& n, std::initializer_list<std::string_view> required,
               std::initializer_list<std::string_view> optional) {
  ExpectObject(n);
  // The lists are literals (no vector of strings per object checked) and the
  // list of allowed keys is built for the error message only (issue 13).
  auto listed = [](std::initializer_list<std::string_view> keys, const std::string& key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  };
  for (const auto& [key, value] : n.json.get_ref<const Json::object_t&>()) {
    if (!listed(required, key) && !listed(optional, key)) {
      std::vector<std::string> allowed(required.begin(), required.end());
      allowed.insert(allowed.end(), optional.begin(), optional.end());
      n.Child(key).Fail("unknown key " + Suggestion(key, allowed));
    }
  }
  for (std::string_view key : required) {
    const std::string name(key);
    if (!n.Has(name)) Node{n.json, JoinPath(n.path, name), n.origin}.Fail("missing required field");
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
