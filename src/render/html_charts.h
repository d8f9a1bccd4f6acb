// Self-contained HTML pages with inline SVG charts: no scripts, fonts or
// styles fetched from anywhere, so a report opens offline and in CI.
// Used by `estimate --format html`, `compare`, `explore` and `partition`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace odonata::html {

// Text for HTML/SVG content and attribute values: & < > " ' escaped; bytes
// that are not valid UTF-8 become U+FFFD.
std::string Escape(std::string_view text);

struct Bar {
  std::string label;    // shown next to the bar
  double value = 0;     // >= 0; the bar's length
  std::string group;    // colour and legend entry ("" = one unnamed group)
  std::string tooltip;  // <title> of the bar; "" = "label: value unit"
  std::string colour;   // CSS colour; "" = the group's (see PaletteColour)
};

// Colour `index` of the charts' palette ("#4e79a7", ...; cycles after 10).
// A chart colours its groups by their sorted names, index 0 first; the first
// explicit Bar::colour / Point::colour of a group overrides that. A page whose
// charts show different subsets of the same groups sets the colours from one
// list, so that a group looks the same in every chart.
std::string PaletteColour(std::size_t index);

// Horizontal bar chart, one bar per entry in the given order, bars coloured by
// group (a legend when there is more than one group). `unit` labels the axis.
std::string BarChart(const std::vector<Bar>& bars, std::string_view title, std::string_view unit);

struct Point {
  double x = 0;
  double y = 0;
  std::string label;       // drawn next to highlighted points
  std::string group;       // colour and legend entry
  bool highlight = false;  // drawn larger and labelled (Pareto-optimal rows, the chosen cut)
  std::string tooltip;     // <title>; "" = label
  std::string colour;      // CSS colour; "" = the group's (see PaletteColour)
  // Marker shape group: points of one `shape` share a marker (circle, square,
  // triangle, diamond, cross, in order of first appearance) and, when there are
  // several, a legend entry; "" for all: circles, no legend.
  std::string shape;
};

struct Axis {
  std::string label;  // with its unit: "latency (ms)"
  bool log = false;   // log10 scale; values <= 0 are not drawn on a log axis
};

// A polyline drawn over the points (roofs of a roofline, a Pareto front).
struct Line {
  std::vector<std::pair<double, double>> points;  // (x, y)
  std::string label;                              // legend entry
};

// Scatter plot with optional lines; axes span the points and the lines.
std::string ScatterChart(const std::vector<Point>& points, const std::vector<Line>& lines, const Axis& x, const Axis& y,
                         std::string_view title);

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // cells as displayed (escaped by TableHtml)
  std::vector<bool> numeric;                   // per column: right-aligned; may be shorter than header
};

// <table> with the header row; cells escaped.
std::string TableHtml(const Table& table);

// A whole document: <!DOCTYPE html>, UTF-8, the title, inline CSS, `body_html`
// (already HTML) inside <body>.
std::string Page(std::string_view title, std::string_view body_html);

}  // namespace odonata::html
