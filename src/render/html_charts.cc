// Inline-SVG charts and the page around them (include/odonata/html.h).
// Everything is computed here, not in the browser: no script, so the page
// cannot raise console errors, and the same input gives the same bytes.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "html_charts.h"

namespace odonata::html {
namespace {

// Tableau 10: distinguishable, and readable on white.
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr std::size_t kPaletteSize = sizeof kPalette / sizeof kPalette[0];
constexpr const char* kLinePalette[] = {"#333333", "#e15759", "#59a14f", "#b07aa1"};
constexpr std::size_t kLinePaletteSize = sizeof kLinePalette / sizeof kLinePalette[0];

constexpr double kWidth = 1100;  // every chart's width, px
constexpr double kFontPx = 12;   // labels
constexpr double kCharPx = 7.0;  // advance of a 12 px sans-serif character, on the wide side
constexpr std::size_t kMaxLabelChars = 44;

// Fixed-point text, locale-independent, trailing zeros dropped ("1.5", "20").
std::string Fixed(double value, int decimals) {
  if (!std::isfinite(value)) return value != value ? "nan" : (value > 0 ? "inf" : "-inf");
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
  std::string text(buf, result.ptr);
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

// Coordinates: 0.1 px is finer than any screen needs.
std::string Px(double value) { return Fixed(value, 1); }

// A value for people: four significant digits, no exponent for the usual
// magnitudes ("0.5053", "17.95", "4089", "1.2e-07").
std::string Value(double value) {
  if (!std::isfinite(value)) return Fixed(value, 0);
  if (value == 0) return "0";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-4 && magnitude < 1e15) {
    const int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
    return Fixed(value, std::max(0, 3 - exponent));
  }
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific, 3);
  return std::string(buf, result.ptr);
}

// The smallest 1-2-5 step (1, 2 or 5 times a power of ten) >= `rough`.
double NiceStep(double rough) {
  if (!(rough > 0) || !std::isfinite(rough)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(rough)));
  const double fraction = rough / power;
  double nice = 10;
  if (fraction <= 1) {
    nice = 1;
  } else if (fraction <= 2) {
    nice = 2;
  } else if (fraction <= 5) {
    nice = 5;
  }
  return nice * power;
}

// Decimals needed to print multiples of `step` exactly.
int StepDecimals(double step) {
  int decimals = 0;
  while (decimals < 12 && std::fabs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) >
                              1e-9 * std::pow(10.0, decimals)) {
    ++decimals;
  }
  return decimals;
}

struct Scale {
  bool log = false;
  double lo = 0, hi = 1;  // domain; log10 of it on a log axis
  std::vector<double> ticks;
  int decimals = 0;  // for linear tick labels
  std::string TickLabel(double tick) const {
    if (!log) return Fixed(tick, decimals);
    // Decades: plain numbers from 0.001 to 100000, powers of ten beyond.
    const int exponent = static_cast<int>(std::lround(tick));
    if (exponent >= -3 && exponent <= 5) return Fixed(std::pow(10.0, exponent), std::max(0, -exponent));
    return "1e" + std::to_string(exponent);
  }
  // Fraction 0..1 of the axis length for a data value.
  double Fraction(double value) const {
    const double v = log ? std::log10(value) : value;
    return hi > lo ? (v - lo) / (hi - lo) : 0.5;
  }
};

// A linear axis over [lo, hi] extended to whole 1-2-5 steps (about 5 ticks).
Scale LinearScale(double lo, double hi) {
  Scale s;
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double step = NiceStep((hi - lo) / 5);
  s.lo = std::floor(lo / step) * step;
  s.hi = std::ceil(hi / step) * step;
  s.decimals = StepDecimals(step);
  const long n = std::lround((s.hi - s.lo) / step);
  for (long i = 0; i <= n; ++i) s.ticks.push_back(s.lo + static_cast<double>(i) * step);
  return s;
}

// A log10 axis over whole decades spanning [lo, hi] (both > 0), a tick per
// decade, or per 2, 3, ... decades when there are more than 10.
Scale LogScale(double lo, double hi) {
  Scale s;
  s.log = true;
  s.lo = std::floor(std::log10(lo));
  s.hi = std::ceil(std::log10(hi));
  if (s.hi == s.lo) s.hi = s.lo + 1;
  const long decades = std::lround(s.hi - s.lo);
  const long every = (decades + 9) / 10;
  for (long k = 0; k <= decades; k += every) s.ticks.push_back(s.lo + static_cast<double>(k));
  return s;
}

// Groups in sorted order, each with its colour: the first colour a member
// sets (Bar::colour, Point::colour), else the palette's by sorted position.
// By name, not by appearance: charts of the same groups on one page (layers
// by time, by op type, on the roofline) then colour them alike.
std::map<std::string, std::string> GroupColours(const std::vector<std::pair<std::string, std::string>>& members,
                                                std::vector<std::string>* order) {
  std::map<std::string, std::string> colours;
  for (const auto& [group, colour] : members) {
    std::string& c = colours[group];
    if (c.empty()) c = colour;
  }
  for (auto& [group, colour] : colours) {
    if (colour.empty()) colour = PaletteColour(order->size());
    order->push_back(group);
  }
  return colours;
}

std::size_t Chars(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// `text` cut to `max_chars` code points (>= 4), ending in "..." when cut.
std::string Cut(std::string_view text, std::size_t max_chars) {
  if (Chars(text) <= max_chars) return std::string(text);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max_chars - 3) return std::string(text.substr(0, i)) + "...";
  }
  return std::string(text);
}

std::string SvgOpen(double width, double height, std::string_view title) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" + Px(width) + "\" height=\"" +
         Px(height) + "\" viewBox=\"0 0 " + Px(width) + " " + Px(height) + "\" role=\"img\" aria-label=\"" +
         Escape(title) + "\" font-family=\"sans-serif\" font-size=\"" + Px(kFontPx) + "\">\n" +
         "<text class=\"chart-title\" x=\"" + Px(width / 2) +
         "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" + Escape(title) + "</text>\n";
}

std::string Text(double x, double y, std::string_view anchor, std::string_view text, std::string_view extra = "") {
  std::string out = "<text x=\"" + Px(x) + "\" y=\"" + Px(y) + "\"";
  if (anchor != "start") out += " text-anchor=\"" + std::string(anchor) + "\"";
  if (!extra.empty()) out += " " + std::string(extra);
  return out + ">" + Escape(text) + "</text>\n";
}

// A marker of shape `kind` (0 circle, 1 square, 2 triangle, 3 diamond, 4
// cross, then again) of radius r at (x, y); `attrs` are its fill and stroke,
// `inner` its children (a <title>).
std::string Marker(std::size_t kind, double x, double y, double r, const std::string& cls, const std::string& attrs,
                   const std::string& inner) {
  const std::string open = cls.empty() ? "" : " class=\"" + cls + "\"";
  switch (kind % 5) {
    case 0:
      return "<circle" + open + " cx=\"" + Px(x) + "\" cy=\"" + Px(y) + "\" r=\"" + Px(r) + "\"" + attrs + ">" + inner +
             "</circle>\n";
    case 1:
      return "<rect" + open + " x=\"" + Px(x - r) + "\" y=\"" + Px(y - r) + "\" width=\"" + Px(2 * r) + "\" height=\"" +
             Px(2 * r) + "\"" + attrs + ">" + inner + "</rect>\n";
    default: {
      std::vector<std::pair<double, double>> pts;
      const double k = r * 1.25;
      if (kind % 5 == 2) pts = {{x, y - k}, {x + k, y + k * 0.8}, {x - k, y + k * 0.8}};
      if (kind % 5 == 3) pts = {{x, y - k}, {x + k, y}, {x, y + k}, {x - k, y}};
      if (kind % 5 == 4) {
        const double a = r * 0.4;
        pts = {{x - a, y - k}, {x + a, y - k}, {x + a, y - a}, {x + k, y - a}, {x + k, y + a}, {x + a, y + a},
               {x + a, y + k}, {x - a, y + k}, {x - a, y + a}, {x - k, y + a}, {x - k, y - a}, {x - a, y - a}};
      }
      std::string list;
      for (const auto& [px, py] : pts) list += (list.empty() ? "" : " ") + Px(px) + "," + Px(py);
      return "<polygon" + open + " points=\"" + list + "\"" + attrs + ">" + inner + "</polygon>\n";
    }
  }
}

// Legend entries stacked from (x, y) downwards: a swatch and the name.
std::string Legend(const std::vector<std::pair<std::string, std::string>>& entries, double x, double y,
                   bool line_swatch) {
  std::string out = "<g class=\"legend\">\n";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double top = y + static_cast<double>(i) * 16;
    if (line_swatch) {
      out += "<line x1=\"" + Px(x) + "\" y1=\"" + Px(top + 6) + "\" x2=\"" + Px(x + 14) + "\" y2=\"" + Px(top + 6) +
             "\" stroke=\"" + entries[i].second + "\" stroke-width=\"2\"/>\n";
    } else {
      out += "<rect x=\"" + Px(x) + "\" y=\"" + Px(top) + "\" width=\"12\" height=\"12\" fill=\"" + entries[i].second +
             "\"/>\n";
    }
    out += Text(x + 18, top + 10, "start", Cut(entries[i].first.empty() ? "(none)" : entries[i].first, 28));
  }
  return out + "</g>\n";
}

int Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;  // continuation byte, overlong lead (C0, C1) or beyond U+10FFFF (F5..FF)
}

// Length of the valid UTF-8 sequence at text[i], 0 if invalid (also
// overlong forms, surrogates and code points above U+10FFFF).
std::size_t ValidSequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const int n = Utf8Length(byte(i));
  if (n == 0 || i + static_cast<std::size_t>(n) > text.size()) return 0;
  for (int k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  const unsigned char lead = byte(i), second = n > 1 ? byte(i + 1) : 0;
  if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
  if (lead == 0xED && second > 0x9F) return 0;  // UTF-16 surrogate
  if (lead == 0xF0 && second < 0x90) return 0;  // overlong
  if (lead == 0xF4 && second > 0x8F) return 0;  // > U+10FFFF
  return static_cast<std::size_t>(n);
}

}  // namespace

std::string PaletteColour(std::size_t index) { return kPalette[index % kPaletteSize]; }

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = ValidSequence(text, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD for this one byte, then resynchronise
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out += static_cast<char>(c);
        break;
      default:
        // Other control characters are not allowed in HTML or XML text.
        if (c < 0x20 || c == 0x7F) {
          out += "\xEF\xBF\xBD";
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out;
}

std::string BarChart(const std::vector<Bar>& bars, std::string_view title, std::string_view unit) {
  std::vector<std::pair<std::string, std::string>> groups;
  for (const Bar& b : bars) groups.emplace_back(b.group, b.colour);
  std::vector<std::string> order;
  const auto colours = GroupColours(groups, &order);
  const bool legend = order.size() > 1;

  std::size_t label_chars = 4;
  double max_value = 0;
  for (const Bar& b : bars) {
    label_chars = std::max(label_chars, std::min(Chars(b.label), kMaxLabelChars));
    if (std::isfinite(b.value)) max_value = std::max(max_value, b.value);
  }
  constexpr double kRow = 16, kBar = 12, kTop = 34, kAxis = 44, kValueRoom = 60;
  const double left = 10 + static_cast<double>(label_chars) * kCharPx;
  const double legend_width = legend ? 200 : 0;
  const double plot_width = std::max(200.0, kWidth - left - kValueRoom - legend_width);
  const double plot_height = std::max(1.0, static_cast<double>(bars.size())) * kRow;
  const double legend_height = legend ? static_cast<double>(order.size()) * 16 + 10 : 0;
  const double height = kTop + std::max(plot_height, legend_height) + kAxis;
  const double width = left + plot_width + kValueRoom + legend_width;

  const Scale scale = LinearScale(0, max_value > 0 ? max_value : 1);
  std::string out = SvgOpen(width, height, title);
  // Grid and ticks.
  const double bottom = kTop + plot_height;
  out += "<g class=\"axis\" stroke=\"#dddddd\">\n";
  for (double tick : scale.ticks) {
    const double x = left + scale.Fraction(tick) * plot_width;
    out += "<line x1=\"" + Px(x) + "\" y1=\"" + Px(kTop) + "\" x2=\"" + Px(x) + "\" y2=\"" + Px(bottom) + "\"/>\n";
  }
  out += "</g>\n<g class=\"ticks\">\n";
  for (double tick : scale.ticks) {
    out += Text(left + scale.Fraction(tick) * plot_width, bottom + 14, "middle", scale.TickLabel(tick));
  }
  out += "</g>\n";
  out += Text(left + plot_width / 2, bottom + 34, "middle", unit, "class=\"axis-label\"");
  // Bars.
  out += "<g class=\"bars\">\n";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double value = std::isfinite(b.value) && b.value > 0 ? b.value : 0;
    const double y = kTop + static_cast<double>(i) * kRow + (kRow - kBar) / 2;
    const double length = scale.Fraction(value) * plot_width;
    const std::string tooltip =
        b.tooltip.empty() ? b.label + ": " + Value(b.value) + (unit.empty() ? "" : " ") + std::string(unit) : b.tooltip;
    out += Text(left - 6, y + kBar - 2, "end", Cut(b.label, kMaxLabelChars));
    out += "<rect class=\"bar\" x=\"" + Px(left) + "\" y=\"" + Px(y) + "\" width=\"" + Px(length) + "\" height=\"" +
           Px(kBar) + "\" fill=\"" + (b.colour.empty() ? colours.at(b.group) : b.colour) + "\"><title>" +
           Escape(tooltip) + "</title></rect>\n";
    out += Text(left + length + 4, y + kBar - 2, "start", Value(b.value), "class=\"value\" fill=\"#555555\"");
  }
  out += "</g>\n";
  out += "<line x1=\"" + Px(left) + "\" y1=\"" + Px(kTop) + "\" x2=\"" + Px(left) + "\" y2=\"" + Px(bottom) +
         "\" stroke=\"#333333\"/>\n";
  if (legend) {
    std::vector<std::pair<std::string, std::string>> entries;
    for (const std::string& g : order) entries.emplace_back(g, colours.at(g));
    out += Legend(entries, left + plot_width + kValueRoom + 10, kTop, false);
  }
  return out + "</svg>\n";
}

std::string ScatterChart(const std::vector<Point>& points, const std::vector<Line>& lines, const Axis& x_axis,
                         const Axis& y_axis, std::string_view title) {
  const auto drawable = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!x_axis.log || x > 0) && (!y_axis.log || y > 0);
  };
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  auto extend = [&](double x, double y) {
    if (!drawable(x, y)) return;
    x_lo = std::min(x_lo, x);
    x_hi = std::max(x_hi, x);
    y_lo = std::min(y_lo, y);
    y_hi = std::max(y_hi, y);
  };
  for (const Point& p : points) extend(p.x, p.y);
  for (const Line& l : lines) {
    for (const auto& [x, y] : l.points) extend(x, y);
  }
  const bool empty = !(x_lo <= x_hi);
  if (empty) x_lo = x_hi = y_lo = y_hi = 1;
  const Scale xs = x_axis.log ? LogScale(x_lo, x_hi) : LinearScale(x_lo, x_hi);
  const Scale ys = y_axis.log ? LogScale(y_lo, y_hi) : LinearScale(y_lo, y_hi);

  // Colours over all points, the legend over the points drawn.
  std::vector<std::pair<std::string, std::string>> groups;
  std::vector<std::string> drawn;
  for (const Point& p : points) {
    groups.emplace_back(p.group, p.colour);
    if (drawable(p.x, p.y) && std::find(drawn.begin(), drawn.end(), p.group) == drawn.end()) drawn.push_back(p.group);
  }
  std::vector<std::string> all;
  const auto colours = GroupColours(groups, &all);
  std::vector<std::string> order;
  for (const std::string& g : all) {
    if (std::find(drawn.begin(), drawn.end(), g) != drawn.end()) order.push_back(g);
  }
  std::vector<std::pair<std::string, std::string>> entries;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].label.empty()) entries.emplace_back(lines[i].label, kLinePalette[i % kLinePaletteSize]);
  }
  const std::size_t line_entries = entries.size();
  if (order.size() > 1 || (order.size() == 1 && !order[0].empty())) {
    for (const std::string& g : order) entries.emplace_back(g, colours.at(g));
  }

  // Marker shapes by `shape`, in order of first appearance; a legend only for several.
  std::vector<std::string> shapes;
  for (const Point& p : points) {
    if (std::find(shapes.begin(), shapes.end(), p.shape) == shapes.end()) shapes.push_back(p.shape);
  }
  const auto shape_of = [&](const Point& p) {
    return static_cast<std::size_t>(std::find(shapes.begin(), shapes.end(), p.shape) - shapes.begin());
  };
  const std::size_t shape_entries = shapes.size() > 1 ? shapes.size() + 1 : 0;  // + a gap

  constexpr double kLeft = 70, kTop = 34, kPlotHeight = 380, kBottom = 50;
  const double legend_width = entries.empty() && shape_entries == 0 ? 20 : 220;
  const double plot_width = kWidth - kLeft - legend_width;
  const double height =
      kTop + std::max(kPlotHeight, static_cast<double>(entries.size() + shape_entries) * 16) + kBottom;
  const double bottom = kTop + kPlotHeight;
  const auto px = [&](double x) { return kLeft + xs.Fraction(x) * plot_width; };
  const auto py = [&](double y) { return bottom - ys.Fraction(y) * kPlotHeight; };

  std::string out = SvgOpen(kWidth, height, title);
  out += "<g class=\"grid\" stroke=\"#dddddd\">\n";
  for (double t : xs.ticks) {
    const double x = kLeft + xs.Fraction(xs.log ? std::pow(10.0, t) : t) * plot_width;
    out += "<line x1=\"" + Px(x) + "\" y1=\"" + Px(kTop) + "\" x2=\"" + Px(x) + "\" y2=\"" + Px(bottom) + "\"/>\n";
  }
  for (double t : ys.ticks) {
    const double y = bottom - ys.Fraction(ys.log ? std::pow(10.0, t) : t) * kPlotHeight;
    out += "<line x1=\"" + Px(kLeft) + "\" y1=\"" + Px(y) + "\" x2=\"" + Px(kLeft + plot_width) + "\" y2=\"" + Px(y) +
           "\"/>\n";
  }
  out += "</g>\n<rect x=\"" + Px(kLeft) + "\" y=\"" + Px(kTop) + "\" width=\"" + Px(plot_width) + "\" height=\"" +
         Px(kPlotHeight) + "\" fill=\"none\" stroke=\"#333333\"/>\n";
  out += "<g class=\"ticks\">\n";
  for (double t : xs.ticks) {
    out +=
        Text(kLeft + xs.Fraction(xs.log ? std::pow(10.0, t) : t) * plot_width, bottom + 16, "middle", xs.TickLabel(t));
  }
  for (double t : ys.ticks) {
    out +=
        Text(kLeft - 6, bottom - ys.Fraction(ys.log ? std::pow(10.0, t) : t) * kPlotHeight + 4, "end", ys.TickLabel(t));
  }
  out += "</g>\n";
  out += Text(kLeft + plot_width / 2, bottom + 38, "middle", x_axis.label, "class=\"axis-label\"");
  out += Text(16, kTop + kPlotHeight / 2, "middle", y_axis.label,
              "class=\"axis-label\" transform=\"rotate(-90 16 " + Px(kTop + kPlotHeight / 2) + ")\"");
  if (empty) out += Text(kLeft + plot_width / 2, kTop + kPlotHeight / 2, "middle", "no data to plot");

  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string coords;
    for (const auto& [x, y] : lines[i].points) {
      if (!drawable(x, y)) continue;
      coords += (coords.empty() ? "" : " ") + Px(px(x)) + "," + Px(py(y));
    }
    if (coords.empty()) continue;
    out += "<polyline class=\"line\" points=\"" + coords + "\" fill=\"none\" stroke=\"" +
           kLinePalette[i % kLinePaletteSize] + "\" stroke-width=\"2\"><title>" + Escape(lines[i].label) +
           "</title></polyline>\n";
  }
  out += "<g class=\"points\">\n";
  std::string labels;
  struct Box {
    double x0, y0, x1, y1;
  };
  std::vector<Box> placed;  // labels so far and the highlighted points, kept apart
  for (const Point& p : points) {
    if (p.highlight && drawable(p.x, p.y)) placed.push_back({px(p.x) - 6, py(p.y) - 6, px(p.x) + 6, py(p.y) + 6});
  }
  // A label above right of its point (left of it near the right edge), moved
  // up or down in steps of a line where it would cover another label or
  // highlighted point, and kept inside the plot so it never reaches the
  // title or the next chart. When no place is free the label is left out
  // (the point's tooltip still names it).
  const auto place_label = [&](double x, double y, const std::string& text) -> std::string {
    const double width = static_cast<double>(Chars(text)) * kCharPx;
    const auto overlaps = [&](const Box& b) {
      return std::any_of(placed.begin(), placed.end(),
                         [&](const Box& o) { return b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1; });
    };
    const double right = kLeft + plot_width;
    const double x0 = x + 8 + width <= right ? x + 8 : std::max(kLeft + 2, x - 8 - width);
    const Box box{x0, y - 8 - kFontPx, x0 + width, y - 8};
    for (double shift : {0.0, 22.0, -14.0, 36.0, -28.0, 50.0, -42.0, 64.0, -56.0}) {
      const Box moved{box.x0, box.y0 + shift, box.x1, box.y1 + shift};
      if (moved.y0 < kTop + 2 || moved.y1 > bottom - 2) continue;
      if (!overlaps(moved)) {
        placed.push_back(moved);
        return Text(moved.x0, moved.y1 - 2, "start", text);
      }
    }
    return "";
  };
  for (const Point& p : points) {
    if (!drawable(p.x, p.y)) continue;
    const std::string tooltip = p.tooltip.empty() ? p.label : p.tooltip;
    out += Marker(shape_of(p), px(p.x), py(p.y), p.highlight ? 6 : 4,
                  std::string("point") + (p.highlight ? " highlight" : ""),
                  " fill=\"" + (p.colour.empty() ? colours.at(p.group) : p.colour) + "\" fill-opacity=\"0.75\"" +
                      (p.highlight ? " stroke=\"#000000\" stroke-width=\"1.5\"" : ""),
                  "<title>" + Escape(tooltip) + "</title>");
    if (p.highlight && !p.label.empty()) labels += place_label(px(p.x), py(p.y), Cut(p.label, 32));
  }
  out += "</g>\n";
  if (!labels.empty()) out += "<g class=\"labels\">\n" + labels + "</g>\n";
  if (!entries.empty()) {
    std::vector<std::pair<std::string, std::string>> line_part(entries.begin(), entries.begin() + line_entries);
    std::vector<std::pair<std::string, std::string>> group_part(entries.begin() + line_entries, entries.end());
    const double lx = kLeft + plot_width + 12;
    if (!line_part.empty()) out += Legend(line_part, lx, kTop, true);
    if (!group_part.empty()) out += Legend(group_part, lx, kTop + static_cast<double>(line_part.size()) * 16, false);
  }
  if (shape_entries > 0) {
    const double lx = kLeft + plot_width + 12;
    double top = kTop + static_cast<double>(entries.size() + 1) * 16;
    out += "<g class=\"legend shapes\">\n";
    for (std::size_t i = 0; i < shapes.size(); ++i, top += 16) {
      out += Marker(i, lx + 6, top + 6, 5, "", " fill=\"#ffffff\" stroke=\"#333333\" stroke-width=\"1.5\"", "");
      out += Text(lx + 18, top + 10, "start", Cut(shapes[i].empty() ? "(none)" : shapes[i], 28));
    }
    out += "</g>\n";
  }
  return out + "</svg>\n";
}

std::string TableHtml(const Table& table) {
  const auto numeric = [&](std::size_t c) { return c < table.numeric.size() && table.numeric[c]; };
  std::string out = "<table>\n<thead><tr>";
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    out += numeric(c) ? "<th class=\"num\">" : "<th>";
    out += Escape(table.header[c]) + "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      out += numeric(c) ? "<td class=\"num\">" : "<td>";
      out += Escape(row[c]) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string Page(std::string_view title, std::string_view body_html) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      Escape(title) +
      "</title>\n<style>\n"
      "body { font-family: sans-serif; margin: 1.5em auto; max-width: 1280px; padding: 0 1em; color: #222222; }\n"
      "h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.8em; }\n"
      "table { border-collapse: collapse; font-size: 0.85em; width: 100%; }\n"
      "th, td { padding: 2px 6px; border-bottom: 1px solid #dddddd; text-align: left; overflow-wrap: anywhere; }\n"
      "th { background: #f3f3f3; white-space: nowrap; } .num { text-align: right; font-variant-numeric: tabular-nums; "
      "white-space: nowrap; }\n"
      "table.summary th { background: none; font-weight: normal; color: #555555; }\n"
      "svg.chart { display: block; max-width: 100%; height: auto; margin: 0.5em 0; }\n"
      ".note { color: #555555; font-size: 0.9em; } .warning { color: #a33a00; }\n"
      "</style>\n</head>\n<body>\n";
  out.append(body_html);
  if (!body_html.empty() && body_html.back() != '\n') out += '\n';
  return out + "</body>\n</html>\n";
}

}  // namespace odonata::html
