// Values of command-line options with units (src/units.h).
#include "units.h"

#include <charconv>
#include <cmath>
#include <exception>
#include <string_view>
#include <utility>
#include <vector>

#include "odonata/errors.h"
#include "text.h"

namespace odonata {
namespace {

// A number followed by an optional unit from `units` (suffix -> factor to
// the option's unit). `what` and `forms` make the error message.
double ParseWithUnit(const std::string& text, const std::vector<std::pair<std::string_view, double>>& units,
                     const std::string& what, const std::string& forms) {
  auto fail = [&](const std::string& problem) {
    return Error("'" + text + "' " + problem + " (" + what + ", e.g. " + forms + ")", ExitCode::kUsage);
  };
  const std::string_view trimmed = text::Trim(text);
  double value = 0;
  const char* begin = trimmed.data();
  const char* end = begin + trimmed.size();
  auto [stop, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || stop == begin) throw fail("is not a number with a unit");
  const std::string_view unit = text::Trim(std::string_view(stop, static_cast<std::size_t>(end - stop)));
  double factor = 0;
  for (const auto& [suffix, f] : units) {
    if (unit == suffix) factor = f;
  }
  if (factor == 0) throw fail("has an unknown unit '" + std::string(unit) + "'");
  if (!std::isfinite(value)) throw fail("is not a finite number");
  if (value < 0) throw fail("is negative");
  return value * factor;
}

}  // namespace

double ParseDurationMs(const std::string& text) {
  return ParseWithUnit(text, {{"", 1.0}, {"ms", 1.0}, {"s", 1e3}, {"us", 1e-3}, {"\xC2\xB5s", 1e-3}}, "a duration",
                       "100ms, 0.1s, 250us; no unit: ms");
}

double ParseEnergyMj(const std::string& text) {
  return ParseWithUnit(text, {{"", 1.0}, {"mJ", 1.0}, {"J", 1e3}, {"uJ", 1e-3}, {"\xC2\xB5J", 1e-3}}, "an energy",
                       "5mJ, 1J, 800uJ; no unit: mJ");
}

double ParsePriceUsd(const std::string& text) {
  std::string_view t = text::Trim(text);
  if (!t.empty() && t.front() == '$') t.remove_prefix(1);
  return ParseWithUnit(std::string(t), {{"", 1.0}, {"USD", 1.0}, {"usd", 1.0}}, "a price in USD", "$100, 100, 100USD");
}

Resolution ParseResolution(const std::string& text) {
  auto fail = [&] {
    return Error("resolution '" + text + "' is not WIDTHxHEIGHT (e.g. 640x640, 1280x720)", ExitCode::kUsage);
  };
  const std::size_t x = text.find('x');
  if (x == std::string::npos) throw fail();
  auto number = [&](std::string_view s) {
    std::int64_t v = 0;
    if (text::ParseWhole(s, &v) != text::Parsed::kOk || v < 1) throw fail();
    return v;
  };
  const std::string_view all(text);
  return Resolution{number(all.substr(0, x)), number(all.substr(x + 1))};
}

double ParseFiniteNumber(const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v)) {
    throw Error("'" + text + "' is not a number", ExitCode::kUsage);
  }
  return v;
}

}  // namespace odonata
