// The names of an enum's values in one table, which both Name and Parse
// read, so that the two cannot disagree (Precision, Format, Runtime, ...).
// Internal to the library.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

namespace odonata {

template <typename E, std::size_t N>
struct NameTable {
  std::array<std::pair<E, const char*>, N> entries;

  // The name of `value` (the first entry's for a value not in the table).
  constexpr const char* Name(E value) const {
    for (const auto& [v, name] : entries) {
      if (v == value) return name;
    }
    return entries[0].second;
  }

  // The value named `text`; false, and *out untouched, when none is.
  bool Parse(std::string_view text, E* out) const {
    for (const auto& [v, name] : entries) {
      if (text == name) {
        *out = v;
        return true;
      }
    }
    return false;
  }
};

}  // namespace odonata
