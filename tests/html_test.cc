// HTML charts (html.h) and the estimate HTML report.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "odonata/html.h"

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
  EXPECT_EQ(Escape("a\xFF" "b"), "a" + kReplacement + "b");
  EXPECT_EQ(Escape("\x80"), kReplacement);                                          // lone continuation byte
  EXPECT_EQ(Escape("\xE2\x82"), kReplacement + kReplacement);                       // truncated at the end
  EXPECT_EQ(Escape("\xE2\x82x"), kReplacement + kReplacement + "x");                // truncated in the middle
  EXPECT_EQ(Escape("\xC0\xAF"), kReplacement + kReplacement);                       // overlong '/'
  EXPECT_EQ(Escape("\xE0\x80\xAF"), kReplacement + kReplacement + kReplacement);    // overlong, 3 bytes
  EXPECT_EQ(Escape("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);    // UTF-16 surrogate
  EXPECT_EQ(Escape("\xF4\x90\x80\x80"), kReplacement + kReplacement + kReplacement + kReplacement);  // > U+10FFFF
  EXPECT_EQ(Escape("\x01<"), kReplacement + "&lt;");  // control characters are not allowed in HTML text
}

TEST(HtmlBarChart, OneBarPerEntryWithValuesInTitles) {
  const std::vector<Bar> bars = {
      {"conv1", 1.5, "", ""},
      {"pool", 0.25, "", ""},
      {"fc & softmax", 3, "", "custom tip"},
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
  const std::vector<Bar> bars = {{"a", 1, "conv", ""}, {"b", 2, "pool", ""}, {"c", 3, "conv", ""}};
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

TEST(HtmlBarChart, TicksAreOneTwoFiveSteps) {
  // Max 0.37: rough step 0.074 -> 0.1, axis 0..0.4.
  const std::string svg = BarChart({{"x", 0.37, "", ""}}, "t", "ms");
  for (const char* tick : {">0</text>", ">0.1</text>", ">0.2</text>", ">0.3</text>", ">0.4</text>"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  }
  EXPECT_EQ(svg.find(">0.5</text>"), std::string::npos);
  // Max 1234: rough step 246.8 -> 500, axis 0..1500.
  const std::string big = BarChart({{"x", 1234, "", ""}}, "t", "ms");
  for (const char* tick : {">500</text>", ">1000</text>", ">1500</text>"}) {
    EXPECT_NE(big.find(tick), std::string::npos) << tick;
  }
  EXPECT_NE(big.find("<title>x: 1234 ms</title>"), std::string::npos);
}

TEST(HtmlBarChart, EmptyAndDegenerateInputsStillDraw) {
  const std::string empty = BarChart({}, "nothing", "ms");
  EXPECT_EQ(Count(empty, "class=\"bar\""), 0u);
  EXPECT_EQ(Count(empty, "</svg>"), 1u);
  const std::string zeros = BarChart({{"a", 0, "", ""}, {"b", 0, "", ""}}, "zeros", "ms");
  EXPECT_EQ(Attr(zeros, "bar", "width"), (std::vector<double>{0, 0}));
}

TEST(HtmlScatterChart, LogAxisDropsNonPositiveValues) {
  const std::vector<Point> points = {
      {1, 10, "a", "", false, "tip a"},
      {0, 5, "zero x", "", false, ""},
      {-1, 3, "negative x", "", false, ""},
      {100, 1000, "b", "", true, ""},
      {10, -2, "negative y", "", false, ""},
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
  const std::vector<Point> points = {{1, 1, "", "", false, ""}, {10, 1, "", "", false, ""}, {100, 1, "", "", false, ""}};
  const std::string svg = ScatterChart(points, {}, {"x", true}, {"y", true}, "t");
  const std::vector<double> cx = Attr(svg, "point", "cx");
  ASSERT_EQ(cx.size(), 3u);
  EXPECT_NEAR(cx[1] - cx[0], cx[2] - cx[1], 0.11);
  EXPECT_GT(cx[2], cx[0]);
}

TEST(HtmlScatterChart, LinesAreDrawnAndSpanTheAxes) {
  const Line roof{{{0.1, 1}, {10, 100}, {1000, 100}}, "roof"};
  const std::string svg = ScatterChart({{5, 20, "p", "", false, ""}}, {roof}, {"x", true}, {"y", true}, "t");
  EXPECT_EQ(Count(svg, "<polyline class=\"line\""), 1u);
  const std::regex coords("<polyline class=\"line\" points=\"([^\"]*)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, coords));
  EXPECT_EQ(Count(m[1], ","), 3u);  // three vertices
  EXPECT_NE(svg.find(">0.1</text>"), std::string::npos);   // x axis from 0.1 (the line)
  EXPECT_NE(svg.find(">1000</text>"), std::string::npos);  // to 1000
  EXPECT_NE(svg.find(">roof</text>"), std::string::npos);  // legend
}

TEST(HtmlScatterChart, NothingDrawableSaysSo) {
  const std::string svg = ScatterChart({{0, 0, "", "", false, ""}}, {}, {"x", true}, {"y", true}, "t");
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
  const std::vector<Point> points = {{0.3, 7.1, "a", "g1", false, ""}, {12.5, 300, "b", "g2", true, ""}};
  EXPECT_EQ(ScatterChart(points, {}, {"x", true}, {"y", true}, "t"),
            ScatterChart(points, {}, {"x", true}, {"y", true}, "t"));
  EXPECT_EQ(BarChart({{"a", 1.0 / 3, "", ""}}, "t", "ms"), BarChart({{"a", 1.0 / 3, "", ""}}, "t", "ms"));
  EXPECT_NE(BarChart({{"a", 1.0 / 3, "", ""}}, "t", "ms").find("<title>a: 0.3333 ms</title>"), std::string::npos);
}

}  // namespace
}  // namespace odonata::html
