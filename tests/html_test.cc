// HTML charts (html.h) and the estimate HTML report.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/estimate.h"
#include "odonata/onnx.h"
#include "odonata/render.h"
#include "render/html_charts.h"
#include "test_util.h"

namespace odonata::html {
namespace {

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// Every <title> text in document order.
std::vector<std::string> Titles(const std::string& svg) {
  std::vector<std::string> titles;
  static const std::regex kTitle("<title>([^<]*)</title>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), kTitle); it != std::sregex_iterator(); ++it) {
    titles.push_back((*it)[1]);
  }
  return titles;
}

// The value of attribute `name` of every element that has class="<cls>".
std::vector<double> Attr(const std::string& svg, const std::string& cls, const std::string& name) {
  std::vector<double> values;
  const std::regex element("<[a-z]+ class=\"" + cls + "[^\"]*\"[^>]*>");
  const std::regex attr(" " + name + "=\"([-0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), element); it != std::sregex_iterator(); ++it) {
    std::smatch m;
    const std::string tag = it->str();
    if (std::regex_search(tag, m, attr)) values.push_back(std::stod(m[1]));
  }
  return values;
}

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

TEST(HtmlEscape, EscapesMarkupCharacters) {
  EXPECT_EQ(Escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(Escape("&amp;"), "&amp;amp;");  // not idempotent: text, not markup
  EXPECT_EQ(Escape(""), "");
  EXPECT_EQ(Escape("tab\tand\nline"), "tab\tand\nline");
}

TEST(HtmlEscape, KeepsValidUtf8) {
  EXPECT_EQ(Escape("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(Escape("\xF4\x8F\xBF\xBF"), "\xF4\x8F\xBF\xBF");  // U+10FFFF, the last code point
}

TEST(HtmlEscape, ReplacesInvalidUtf8BytePerByte) {
  EXPECT_EQ(Escape("a\xFF"
                   "b"),
            "a" + kReplacement + "b");
  EXPECT_EQ(Escape("\x80"), kReplacement);                                        // lone continuation byte
  EXPECT_EQ(Escape("\xE2\x82"), kReplacement + kReplacement);                     // truncated at the end
  EXPECT_EQ(Escape("\xE2\x82x"), kReplacement + kReplacement + "x");              // truncated in the middle
  EXPECT_EQ(Escape("\xC0\xAF"), kReplacement + kReplacement);                     // overlong '/'
  EXPECT_EQ(Escape("\xE0\x80\xAF"), kReplacement + kReplacement + kReplacement);  // overlong, 3 bytes
  EXPECT_EQ(Escape("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);  // UTF-16 surrogate
  EXPECT_EQ(Escape("\xF4\x90\x80\x80"), kReplacement + kReplacement + kReplacement + kReplacement);  // > U+10FFFF
  EXPECT_EQ(Escape("\x01<"), kReplacement + "&lt;");  // control characters are not allowed in HTML text
}

TEST(HtmlBarChart, OneBarPerEntryWithValuesInTitles) {
  const std::vector<Bar> bars = {
      {"conv1", 1.5, "", "", ""},
      {"pool", 0.25, "", "", ""},
      {"fc & softmax", 3, "", "custom tip", ""},
  };
  const std::string svg = BarChart(bars, "Latency", "ms");
  EXPECT_EQ(Count(svg, "class=\"bar\""), 3u);
  EXPECT_EQ(Titles(svg), (std::vector<std::string>{"conv1: 1.5 ms", "pool: 0.25 ms", "custom tip"}));
  EXPECT_NE(svg.find(">fc &amp; softmax</text>"), std::string::npos);
  // Axis 0..3 in steps of 1 (max 3, about five 1-2-5 steps): bar lengths in proportion.
  const std::vector<double> widths = Attr(svg, "bar", "width");
  ASSERT_EQ(widths.size(), 3u);
  EXPECT_NEAR(widths[0] / widths[2], 0.5, 0.002);
  EXPECT_NEAR(widths[1] / widths[2], 1.0 / 12, 0.002);
  for (const char* tick : {">0</text>", ">1</text>", ">2</text>", ">3</text>"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  }
  EXPECT_EQ(Count(svg, "class=\"legend\""), 0u);  // one group: no legend
  EXPECT_EQ(Count(svg, "<svg "), 1u);
  EXPECT_EQ(Count(svg, "</svg>"), 1u);
}

TEST(HtmlBarChart, GroupsGetColoursAndALegend) {
  const std::vector<Bar> bars = {{"a", 1, "conv", "", ""}, {"b", 2, "pool", "", ""}, {"c", 3, "conv", "", ""}};
  const std::string svg = BarChart(bars, "t", "ms");
  EXPECT_EQ(Count(svg, "class=\"legend\""), 1u);
  const std::regex fill("class=\"bar\"[^>]* fill=\"(#[0-9a-f]{6})\"");
  std::vector<std::string> fills;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), fill); it != std::sregex_iterator(); ++it) {
    fills.push_back((*it)[1]);
  }
  ASSERT_EQ(fills.size(), 3u);
  EXPECT_EQ(fills[0], fills[2]);
  EXPECT_NE(fills[0], fills[1]);
}

TEST(HtmlCharts, GroupColoursFollowTheNamesNotTheOrder) {
  const auto fill_of = [](const std::string& svg, const std::string& title) {
    const std::regex fill("fill=\"(#[0-9a-f]{6})\"[^>]*><title>" + title + "</title>");
    std::smatch m;
    return std::regex_search(svg, m, fill) ? m[1].str() : "";
  };
  const std::string ab = BarChart({{"x", 1, "conv", "x", ""}, {"y", 1, "pool", "y", ""}}, "t", "ms");
  const std::string ba = BarChart({{"y", 1, "pool", "y", ""}, {"x", 1, "conv", "x", ""}}, "t", "ms");
  EXPECT_EQ(fill_of(ab, "x"), fill_of(ba, "x"));
  EXPECT_EQ(fill_of(ab, "y"), fill_of(ba, "y"));
  // A scatter colours by all its points, also those a log axis cannot draw.
  const std::string scatter = ScatterChart({{0, 0, "", "conv", false, "", ""}, {1, 1, "", "pool", false, "y", ""}}, {},
                                           {"x", true}, {"y", true}, "t");
  EXPECT_EQ(fill_of(scatter, "y"), fill_of(ab, "y"));
  EXPECT_EQ(scatter.find(">conv</text>"), std::string::npos);  // not in the legend: nothing drawn
  // An explicit colour wins, for the bar and for its group in the legend.
  const std::string set = BarChart({{"x", 1, "conv", "x", "#123456"}, {"y", 1, "pool", "y", ""}}, "t", "ms");
  EXPECT_EQ(fill_of(set, "x"), "#123456");
  EXPECT_EQ(fill_of(set, "y"), PaletteColour(1));
  EXPECT_NE(set.find("fill=\"#123456\"/>\n<text x=\""), std::string::npos);  // legend swatch
  EXPECT_EQ(PaletteColour(0), PaletteColour(10));
}

TEST(HtmlBarChart, TicksAreOneTwoFiveSteps) {
  // Max 0.37: rough step 0.074 -> 0.1, axis 0..0.4.
  const std::string svg = BarChart({{"x", 0.37, "", "", ""}}, "t", "ms");
  for (const char* tick : {">0</text>", ">0.1</text>", ">0.2</text>", ">0.3</text>", ">0.4</text>"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  }
  EXPECT_EQ(svg.find(">0.5</text>"), std::string::npos);
  // Max 1234: rough step 246.8 -> 500, axis 0..1500.
  const std::string big = BarChart({{"x", 1234, "", "", ""}}, "t", "ms");
  for (const char* tick : {">500</text>", ">1000</text>", ">1500</text>"}) {
    EXPECT_NE(big.find(tick), std::string::npos) << tick;
  }
  EXPECT_NE(big.find("<title>x: 1234 ms</title>"), std::string::npos);
}

TEST(HtmlBarChart, EmptyAndDegenerateInputsStillDraw) {
  const std::string empty = BarChart({}, "nothing", "ms");
  EXPECT_EQ(Count(empty, "class=\"bar\""), 0u);
  EXPECT_EQ(Count(empty, "</svg>"), 1u);
  const std::string zeros = BarChart({{"a", 0, "", "", ""}, {"b", 0, "", "", ""}}, "zeros", "ms");
  EXPECT_EQ(Attr(zeros, "bar", "width"), (std::vector<double>{0, 0}));
}

TEST(HtmlScatterChart, LogAxisDropsNonPositiveValues) {
  const std::vector<Point> points = {
      {1, 10, "a", "", false, "tip a", ""},      {0, 5, "zero x", "", false, "", ""},
      {-1, 3, "negative x", "", false, "", ""},  {100, 1000, "b", "", true, "", ""},
      {10, -2, "negative y", "", false, "", ""},
  };
  const std::string log_x = ScatterChart(points, {}, {"x", true}, {"y", false}, "t");
  EXPECT_EQ(Count(log_x, "<circle class=\"point"), 3u);  // (1,10), (100,1000), (10,-2)
  EXPECT_EQ(Titles(log_x), (std::vector<std::string>{"tip a", "b", "negative y"}));
  const std::string log_xy = ScatterChart(points, {}, {"x", true}, {"y", true}, "t");
  EXPECT_EQ(Count(log_xy, "<circle class=\"point"), 2u);
  EXPECT_EQ(Count(log_xy, "<circle class=\"point highlight\""), 1u);
  EXPECT_NE(log_xy.find(">b</text>"), std::string::npos);  // highlighted points are labelled
  // Decades 1..100 on x and 10..1000 on y.
  for (const char* tick : {">1</text>", ">10</text>", ">100</text>", ">1000</text>"}) {
    EXPECT_NE(log_xy.find(tick), std::string::npos) << tick;
  }
  const std::string linear = ScatterChart(points, {}, {"x", false}, {"y", false}, "t");
  EXPECT_EQ(Count(linear, "<circle class=\"point"), 5u);
}

TEST(HtmlScatterChart, PointsArePlacedOnTheScale) {
  // Log x over decades 1..100: x=10 sits half way between x=1 and x=100.
  const std::vector<Point> points = {
      {1, 1, "", "", false, "", ""}, {10, 1, "", "", false, "", ""}, {100, 1, "", "", false, "", ""}};
  const std::string svg = ScatterChart(points, {}, {"x", true}, {"y", true}, "t");
  const std::vector<double> cx = Attr(svg, "point", "cx");
  ASSERT_EQ(cx.size(), 3u);
  EXPECT_NEAR(cx[1] - cx[0], cx[2] - cx[1], 0.11);
  EXPECT_GT(cx[2], cx[0]);
}

TEST(HtmlScatterChart, LinesAreDrawnAndSpanTheAxes) {
  const Line roof{{{0.1, 1}, {10, 100}, {1000, 100}}, "roof"};
  const std::string svg = ScatterChart({{5, 20, "p", "", false, "", ""}}, {roof}, {"x", true}, {"y", true}, "t");
  EXPECT_EQ(Count(svg, "<polyline class=\"line\""), 1u);
  const std::regex coords("<polyline class=\"line\" points=\"([^\"]*)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, coords));
  EXPECT_EQ(Count(m[1], ","), 3u);                         // three vertices
  EXPECT_NE(svg.find(">0.1</text>"), std::string::npos);   // x axis from 0.1 (the line)
  EXPECT_NE(svg.find(">1000</text>"), std::string::npos);  // to 1000
  EXPECT_NE(svg.find(">roof</text>"), std::string::npos);  // legend
}

TEST(HtmlScatterChart, NothingDrawableSaysSo) {
  const std::string svg = ScatterChart({{0, 0, "", "", false, "", ""}}, {}, {"x", true}, {"y", true}, "t");
  EXPECT_EQ(Count(svg, "<circle class=\"point"), 0u);
  EXPECT_NE(svg.find("no data to plot"), std::string::npos);
}

TEST(HtmlTable, EscapesCellsAndAlignsNumbers) {
  Table t;
  t.header = {"name", "ms"};
  t.rows = {{"<b>", "1.5"}, {"x&y", "2"}};
  t.numeric = {false, true};
  EXPECT_EQ(TableHtml(t),
            "<table>\n<thead><tr><th>name</th><th class=\"num\">ms</th></tr></thead>\n<tbody>\n"
            "<tr><td>&lt;b&gt;</td><td class=\"num\">1.5</td></tr>\n"
            "<tr><td>x&amp;y</td><td class=\"num\">2</td></tr>\n</tbody>\n</table>\n");
}

TEST(HtmlPage, IsAWholeDocument) {
  const std::string page = Page("a<b", "<p>hi</p>");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(page.find("<title>a&lt;b</title>"), std::string::npos);
  EXPECT_NE(page.find("<body>\n<p>hi</p>\n</body>\n</html>\n"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

TEST(HtmlCharts, SameInputSameBytes) {
  const std::vector<Point> points = {{0.3, 7.1, "a", "g1", false, "", ""}, {12.5, 300, "b", "g2", true, "", ""}};
  EXPECT_EQ(ScatterChart(points, {}, {"x", true}, {"y", true}, "t"),
            ScatterChart(points, {}, {"x", true}, {"y", true}, "t"));
  EXPECT_EQ(BarChart({{"a", 1.0 / 3, "", "", ""}}, "t", "ms"), BarChart({{"a", 1.0 / 3, "", "", ""}}, "t", "ms"));
  EXPECT_NE(BarChart({{"a", 1.0 / 3, "", "", ""}}, "t", "ms").find("<title>a: 0.3333 ms</title>"), std::string::npos);
}

}  // namespace
}  // namespace odonata::html

namespace odonata {
namespace {

using html::Escape;
using html::PaletteColour;
using testing::ErrorOf;
using testing::Model;

// Fixed decimals, as the report prints them.
std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// The text between `from` and the next `to` after it ("" if absent).
std::string Between(const std::string& text, const std::string& from, const std::string& to) {
  const std::size_t start = text.find(from);
  if (start == std::string::npos) return "";
  const std::size_t end = text.find(to, start + from.size());
  return text.substr(start + from.size(), end == std::string::npos ? std::string::npos : end - start - from.size());
}

// Conv+Relu, MaxPool, Flatten (free on the Jetson Nano), Gemm; a name with markup in it.
Report SmallReport() {
  Network net = ParseOnnxText(Model("(float[1,3,16,16] x) => (float[1,10] y)",
                                    "c = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (x, w)\n"
                                    "r = Relu(c)\n"
                                    "p = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (r)\n"
                                    "f = Flatten(p)\n"
                                    "y = Gemm(f, b)",
                                    "<float[8,3,3,3] w = {0.0}, float[512,10] b = {0.0}>"));
  net.name = "tiny<&>";
  net.layers[0].name = "conv \"1\" <a>";
  return EstimateNetwork(net, LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json"));
}

std::string Rendered(const Report& r, Format format) {
  std::ostringstream out;
  Render(r, format, out);
  return out.str();
}

TEST(HtmlReport, FormatParses) {
  Format f = Format::kTable;
  ASSERT_TRUE(ParseFormat("html", &f));
  EXPECT_EQ(f, Format::kHtml);
}

TEST(HtmlReport, SummaryTotalsEqualTheJsonRenderers) {
  const Report r = SmallReport();
  ASSERT_EQ(r.rows.size(), 4u);  // Conv+Relu, MaxPool, Flatten, Gemm
  EXPECT_GT(r.peak_gops, 0);
  EXPECT_GT(r.bandwidth_gbps, 0);
  const std::string page = Rendered(r, Format::kHtml);
  const nlohmann::json j = nlohmann::json::parse(Rendered(r, Format::kJson));
  const auto cell = [&](const std::string& key) { return Between(page, "<tr class=\"" + key + "\"><th>", "</td>"); };
  // The total rounded to the profile's validated error, then its interval (docs/report-format.md "Trust").
  EXPECT_EQ(cell("total").rfind("total</th><td>" + j["total_ms_rounded"].get<std::string>() + " ms  (", 0), 0u)
      << cell("total");
  EXPECT_EQ(cell("overhead"), "overhead</th><td>" + Fixed(j["overhead_ms"].get<double>(), 3) + " ms");
  EXPECT_EQ(cell("layers"), "layers</th><td>" + Fixed(j["layers_ms"].get<double>(), 3) + " ms");
  EXPECT_EQ(cell("energy"), "energy</th><td>" + Fixed(j["energy_mj"].get<double>(), 3) + " mJ  (overhead " +
                                Fixed(j["overhead_energy_mj"].get<double>(), 3) + " mJ at idle power)");
  EXPECT_EQ(cell("avg-power"), "avg power</th><td>" + Fixed(j["avg_power_w"].get<double>(), 2) + " W");
  // Jetson Nano fp16: 471.9 GOP/s (datasheet), 25.6 GB/s.
  EXPECT_EQ(cell("precision"), "precision</th><td>fp16  (peak 471.9 GOP/s, bandwidth 25.6 GB/s)");
  EXPECT_EQ(cell("nodes"), "nodes</th><td>5 ONNX nodes in 4 layers after fusion");
  // The model name is escaped everywhere.
  EXPECT_EQ(page.find("tiny<&>"), std::string::npos);
  EXPECT_NE(page.find("<h1>tiny&lt;&amp;&gt; on jetson-nano (fp16)</h1>"), std::string::npos);
}

TEST(HtmlReport, OneTableRowPerLayerWithTheJsonValues) {
  const Report r = SmallReport();
  const std::string page = Rendered(r, Format::kHtml);
  const nlohmann::json j = nlohmann::json::parse(Rendered(r, Format::kJson));
  const std::string table = Between(page, "<h2>Layers</h2>", "</table>");
  ASSERT_FALSE(table.empty());
  EXPECT_EQ(Count(table, "<tr><td class=\"num\">"), r.rows.size());
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const nlohmann::json& layer = j["layers"][i];
    const std::string row = Between(table, "<tr><td class=\"num\">" + std::to_string(i + 1) + "</td>", "</tr>");
    SCOPED_TRACE(row);
    EXPECT_NE(row.find("<td>" + Escape(layer["name"].get<std::string>()) + "</td>"), std::string::npos);
    EXPECT_NE(row.find("<td class=\"num\">" + Fixed(layer["ms"].get<double>(), 3) + "</td>"), std::string::npos);
    EXPECT_NE(row.find("<td class=\"num\">" + Fixed(layer["energy_mj"].get<double>(), 3) + "</td>"), std::string::npos);
    EXPECT_NE(row.find("<td>" + layer["estimator"].get<std::string>() + "</td>"), std::string::npos);
  }
  EXPECT_NE(table.find("<td>conv &quot;1&quot; &lt;a&gt;</td>"), std::string::npos);
  EXPECT_NE(table.find("<td>Conv+Relu</td>"), std::string::npos);
}

TEST(HtmlReport, ChartsHaveABarPerLayerAndAPointPerPlottableLayer) {
  const Report r = SmallReport();
  const std::string page = Rendered(r, Format::kHtml);
  const std::string latency = Between(page, ">Latency per layer (ms)</text>", "</svg>");
  EXPECT_EQ(Count(latency, "class=\"bar\""), r.rows.size());
  EXPECT_NE(latency.find("<title>#1 conv &quot;1&quot; &lt;a&gt; (Conv+Relu): " + Fixed(r.rows[0].ms, 3) + " ms"),
            std::string::npos);
  const std::string energy = Between(page, ">Energy per layer (mJ)</text>", "</svg>");
  EXPECT_EQ(Count(energy, "class=\"bar\""), r.rows.size());
  // Flatten is free on the Nano (0 ms, 0 ops): off the roofline, and said so.
  const std::string roofline = Between(page, "<h2>Roofline</h2>", "<h2>");
  std::size_t plottable = 0;
  for (const ReportRow& row : r.rows) {
    plottable += row.estimate.ops > 0 && row.estimate.bytes > 0 && row.estimate.ms > 0;
  }
  EXPECT_EQ(plottable, 3u);
  EXPECT_EQ(Count(roofline, "<circle class=\"point"), plottable);
  EXPECT_NE(roofline.find("1 layer with no ops, no bytes or no time"), std::string::npos);
  EXPECT_EQ(Count(roofline, "<polyline class=\"line\""), 1u);
  EXPECT_NE(roofline.find("<title>roof: 471.9 GOP/s, 25.6 GB/s</title>"), std::string::npos);
  // Conv: attained GOP/s = ops / ms / 1e6 and intensity = ops / bytes, in its tooltip.
  const LayerEstimate& conv = r.rows[0].estimate;
  EXPECT_NE(
      roofline.find(Fixed(conv.ops / conv.bytes, 2) + " ops/byte, " + Fixed(conv.ops / conv.ms / 1e6, 2) + " GOP/s"),
      std::string::npos);
  // Op types: one bar per main op type, with the summed time.
  const std::string by_op = Between(page, "<h2>By op type</h2>", "</svg>");
  EXPECT_EQ(Count(by_op, "class=\"bar\""), 4u);  // Conv, MaxPool, Flatten, Gemm
  EXPECT_NE(by_op.find("<title>Gemm: " + Fixed(r.rows[3].ms, 3) + " ms in 1 layer"), std::string::npos);
}

TEST(HtmlReport, LargeNetworksShowTheSlowestHundredLayers) {
  // 101 Relu layers: the first on 1x64 elements, the others on 1x8 (faster).
  std::string body = "r0 = Relu(x)\nq0 = Slice(r0, s, e, a)\n";
  for (int i = 1; i <= 100; ++i) {
    body += "q" + std::to_string(i) + " = Relu(q" + std::to_string(i - 1) + ")\n";
  }
  body += "y = Identity(q100)";
  Network net = ParseOnnxText(
      Model("(float[1,64] x) => (float[1,8] y)", body, "<int64[1] s = {0}, int64[1] e = {8}, int64[1] a = {1}>"));
  const Report r = EstimateNetwork(net, LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/platforms/jetson-nano.json"));
  ASSERT_GT(r.rows.size(), 100u);
  const std::string page = Rendered(r, Format::kHtml);
  const std::string latency = Between(page, ">Latency per layer (ms), slowest first</text>", "</svg>");
  EXPECT_EQ(Count(latency, "class=\"bar\""), 100u);
  // Slowest first: the 1x64 Relu (#1) leads, bar lengths never grow, the free
  // Identity at the end (0 ms) is left out.
  EXPECT_EQ(latency.find("<title>#1 "), latency.find("<title>"));
  const std::regex width("class=\"bar\"[^>]* width=\"([0-9.]+)\"");
  std::vector<double> widths;
  for (auto it = std::sregex_iterator(latency.begin(), latency.end(), width); it != std::sregex_iterator(); ++it) {
    widths.push_back(std::stod((*it)[1]));
  }
  ASSERT_EQ(widths.size(), 100u);
  EXPECT_TRUE(std::is_sorted(widths.rbegin(), widths.rend()));
  EXPECT_GT(widths.front(), widths.back());
  EXPECT_EQ(latency.find("<title>#" + std::to_string(r.rows.size()) + " "), std::string::npos);
  EXPECT_NE(page.find("The 100 layers with the most latency of " + std::to_string(r.rows.size()) +
                      "; the table below lists them all."),
            std::string::npos);
  const std::string table = Between(page, "<h2>Layers</h2>", "</table>");
  EXPECT_EQ(Count(table, "<tr><td class=\"num\">"), r.rows.size());
}

TEST(HtmlReport, AClassHasOneColourInEveryChart) {
  const Report r = SmallReport();
  const std::string page = Rendered(r, Format::kHtml);
  // Classes of the rows, sorted: conv, data, gemm, pool -> palette 0..3.
  const std::map<std::string, std::string> expected = {
      {"conv", PaletteColour(0)}, {"data", PaletteColour(1)}, {"gemm", PaletteColour(2)}, {"pool", PaletteColour(3)}};
  const std::regex colour("fill=\"(#[0-9a-f]{6})\"[^>]*><title>([^<]*)</title>");
  std::size_t checked = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), colour); it != std::sregex_iterator(); ++it) {
    const std::string title = (*it)[2];
    const std::string fill = (*it)[1];
    for (const auto& [op, cls] : std::vector<std::pair<std::string, std::string>>{
             {"Conv", "conv"}, {"MaxPool", "pool"}, {"Flatten", "data"}, {"Gemm", "gemm"}}) {
      if (title.find(op) == std::string::npos) continue;
      EXPECT_EQ(fill, expected.at(cls)) << title;
      ++checked;
    }
  }
  // Latency and energy bars (4 each), op-type bars (4), roofline points (3).
  EXPECT_EQ(checked, 15u);
}

TEST(HtmlReport, SelfContainedAndBalanced) {
  const std::string page = Rendered(SmallReport(), Format::kHtml);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(Count(page, "<svg "), 4u);  // latency, energy, roofline, op types
  EXPECT_EQ(Count(page, "</svg>"), 4u);
  for (const char* tag : {"table", "tr", "h2", "text", "title", "g"}) {
    EXPECT_EQ(Count(page, std::string("<") + tag + " ") + Count(page, std::string("<") + tag + ">"),
              Count(page, std::string("</") + tag + ">"))
        << tag;
  }
  std::string without_xmlns = page;
  for (std::size_t at; (at = without_xmlns.find("xmlns=\"http://www.w3.org/2000/svg\"")) != std::string::npos;) {
    without_xmlns.erase(at, 34);
  }
  EXPECT_EQ(without_xmlns.find("http"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page, Rendered(SmallReport(), Format::kHtml));  // deterministic
}

TEST(HtmlReport, OtherRenderersRejectHtml) {
  std::ostringstream out;
  const Network net = ParseOnnxText(Model("(float[1,4] x) => (float[1,4] y)", "y = Relu(x)"));
  EXPECT_EQ(ErrorOf([&] { RenderInspect(net, Format::kHtml, out); }),
            "--format html is only for estimate; inspect writes table, json or csv");
  EXPECT_EQ(ErrorOf([&] { RenderPlatforms({}, {}, Format::kHtml, out); }),
            "--format html is only for estimate; platforms writes table, json or csv");
  EXPECT_EQ(ErrorOf([&] { RenderPowerTrace(PowerTraceReport{}, Format::kHtml, out); }),
            "--format html is only for estimate; power-trace writes table, json or csv");
  EXPECT_EQ(ErrorOf([&] { RenderFitReport(FitReport{}, Format::kHtml, out); }),
            "--format html is only for estimate; fit --report writes table, json or csv");
  try {
    RenderInspect(net, Format::kHtml, out);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
  }
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace odonata
