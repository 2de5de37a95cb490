// report.html: outside strings escaped (a host named <script> is text), nothing fetched from outside the
// file, and the charts there exactly when the run has their data.
#include <algorithm>
#include <cctype>
#include <string>

#include <gtest/gtest.h>

#include "golden_run.hpp"
#include "reports/chart_data.hpp"
#include "reports/escape.hpp"
#include "reports/html_report.hpp"
#include "reports/svg_chart.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

using namespace fixtures;

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

const std::string kScript = "<script>alert(1)</script>";

RunRecord hostile_run() {
  auto run = healthy_run();
  run.suite_name = kScript;
  run.suite_source = "\"><img src=x onerror=alert(2)>";
  run.command = "gpucert run --out '<b>&amp;</b>'";
  run.ranks[0].placement.host = kScript;
  run.ranks[0].probe.devices[0].name = "GPU \"quoted\" & 'single'";
  run.ranks.push_back(unusable_rank(1, "<svg onload=alert(3)>"));
  run.results[0].reply.message = "see https://evil.example/x.js </td></tr></table><script>alert(4)</script>";
  run.results[0].measurement.id = "stream/copy/<i>fp64</i>/2GiB";
  run.checks = conformance_checks(run, golden_thresholds());
  return run;
}

TEST(HtmlEscape, MarkupCharactersBecomeEntities) {
  EXPECT_EQ(reports::html_escape(kScript), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(reports::html_escape("a \"b\" 'c' & d"), "a &quot;b&quot; &#39;c&#39; &amp; d");
  EXPECT_EQ(reports::html_escape("&lt;"), "&amp;lt;");
  EXPECT_EQ(reports::html_escape("\x1b[1mbold"), "\\x1b[1mbold");
  EXPECT_EQ(reports::html_escape("line\nbreak"), "line\nbreak");
}

TEST(HtmlReport, HostileStringsAreTextNotMarkup) {
  const auto html = reports::render_html(hostile_run());
  // The page has no script of its own: any <script or event handler would come from outside text.
  EXPECT_LACKS(lower(html), "<script");
  EXPECT_LACKS(lower(html), "<img");
  EXPECT_LACKS(lower(html), "<svg onload");
  EXPECT_LACKS(lower(html), "<i>fp64");
  EXPECT_LACKS(html, "<b>&amp;</b>");
  EXPECT_HAS(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_HAS(html, "<title>gpucert report: &lt;script&gt;alert(1)&lt;/script&gt; &mdash; NOT RUN</title>");
  EXPECT_HAS(html, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
  EXPECT_HAS(html, "GPU &quot;quoted&quot; &amp; &#39;single&#39;");
  EXPECT_HAS(html, "&lt;svg onload=alert(3)&gt;");
  EXPECT_HAS(html, "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(4)&lt;/script&gt;");
  EXPECT_HAS(html, "stream/copy/&lt;i&gt;fp64&lt;/i&gt;/2GiB");
  EXPECT_HAS(html, "gpucert run --out &#39;&lt;b&gt;&amp;amp;&lt;/b&gt;&#39;");
}

TEST(HtmlReport, NothingComesFromOutsideTheFile) {
  // Attribute values are always double-quoted and outside text cannot hold a raw '"', so `src="` or
  // `href="` could only be the page's own markup: there is none, nor a stylesheet, font or script to fetch.
  for (const auto& run : {healthy_run(), golden_run(), hostile_run()}) {
    const auto html = lower(reports::render_html(run));
    for (const char* reference : {"src=\"", "href=\"", "url(", "@import", "@font-face", "<link", "<iframe", "<object",
                                  "<embed", "<script", "xlink:", "xmlns", "http://"})
      EXPECT_LACKS(html, reference);
  }
  // The one https:// in the hostile run is its message, printed as text inside a table cell.
  const auto hostile = reports::render_html(hostile_run());
  EXPECT_EQ(count(hostile, "https://"), 1u);
  EXPECT_HAS(hostile, "<td class=\"text note\">see https://evil.example/x.js &lt;/td&gt;");
  // The page's own markup has no event handler that could run script.
  const auto clean = lower(reports::render_html(healthy_run()));
  EXPECT_EQ(count(clean, "https://"), 0u);
  for (const char* handler : {" onload=", " onerror=", " onclick=", " onmouseover="}) EXPECT_LACKS(clean, handler);
}

TEST(HtmlReport, StreamAndGemmRunHasTheirChartsAndNoOthers) {
  auto run = healthy_run();
  run.checks = conformance_checks(run, golden_thresholds());
  const auto html = reports::render_html(run);
  EXPECT_EQ(count(html, "<svg "), 2u);
  EXPECT_HAS(html, "aria-label=\"Memory bandwidth per stream kernel and precision\"");
  EXPECT_HAS(html, "aria-label=\"GEMM throughput per precision\"");
  EXPECT_HAS(html, "peak 3352 GB/s: NVIDIA H100 80GB HBM3");
  EXPECT_LACKS(html, "NCCL bus bandwidth");
  EXPECT_LACKS(html, "Container/native");
  EXPECT_LACKS(html, "Convolution throughput");  // conv was unavailable: nothing to draw
  // Bars carry their figure as a tooltip: triad fp64 moved 6 GiB in 2.12 ms.
  EXPECT_HAS(html, "<title>fp64 triad: 3039 GB/s</title>");
  EXPECT_HAS(html, "<title>4096x4096x4096 fp16: 749 TFLOP/s</title>");
}

TEST(HtmlReport, ParamsOfAnotherTypeDrawTheChartsFromTheIds) {
  // Found by fuzz_results: a record whose "precision" was a number (or whose params were not an object) made the
  // charts throw nlohmann's type_error out of render_html. The ids say the same, and are used instead.
  auto run = healthy_run();
  for (auto& r : run.results) {
    if (r.measurement.workload == "stream") r.measurement.params = {{"kernel", 5}, {"precision", nullptr}};
    if (r.measurement.workload == "gemm") r.measurement.params = 8;
  }
  std::string html;
  ASSERT_NO_THROW(html = reports::render_html(run));
  EXPECT_HAS(html, "<title>fp64 triad: 3039 GB/s</title>");
  EXPECT_HAS(html, "<title>4096x4096x4096 fp16: 749 TFLOP/s</title>");
}

TEST(HtmlReport, VerdictBannerMatrixAndDoctor) {
  const auto run = golden_run();
  const auto html = reports::render_html(run);
  EXPECT_HAS(html, "<header class=\"banner notrun\"><div class=\"word\">NOT RUN</div>");
  EXPECT_HAS(html, "(exit code 3)");
  EXPECT_HAS(html, "<table class=\"matrix\"><thead><tr><th>Check</th><th>native</th><th>cuda-13.0-runtime/oci</th>");
  EXPECT_HAS(html,
             "<th scope=\"row\">gpu-visible<span>the rank's GPU is visible and usable</span></th><td>"
             "<span class=\"pill fail\">1 fail</span><span class=\"pill pass\">1 pass</span></td>");
  EXPECT_HAS(html, "<td class=\"na\">not checked</td>");
  EXPECT_HAS(html, "<h3>Checks that did not pass</h3>");
  EXPECT_HAS(html, "<h2>Why CUDA is not available</h2>");
  EXPECT_HAS(html, "<h3>Rank 1 on evil&quot;&lt;host&gt;&amp;&#39;</h3>");
  // The doctor's commands stay commands.
  EXPECT_HAS(html, "<code>docker run --gpus all ...</code>");

  auto passing = healthy_run();
  passing.checks = conformance_checks(passing, Thresholds{});  // no floors: nothing here can fail
  EXPECT_HAS(reports::render_html(passing), "<header class=\"banner pass\"><div class=\"word\">PASSED</div>");
}

// The same rule as report.md (reports::results_name_environment): a run whose every result ran in one
// container still says which, and so does one with container environments whose results did not come.
TEST(HtmlReport, ResultsNameTheirEnvironmentAsReportMdDoes) {
  const std::string column = "<th>Measurement</th><th>Environment</th>";
  EXPECT_FALSE(testing_helpers::contains(reports::render_html(healthy_run()), column));
  auto contained = healthy_run();
  for (auto& r : contained.results) r.environment = "cuda-13.0-runtime/oci";
  EXPECT_HAS(reports::render_html(contained), column);
  EXPECT_HAS(reports::render_html(contained), "<td>cuda-13.0-runtime/oci</td>");
  auto with_environment = healthy_run();
  with_environment.environments.push_back(EnvironmentRecord{});
  with_environment.environments.back().name = "cuda-13.0-runtime/oci";
  EXPECT_HAS(reports::render_html(with_environment), column);
}

TEST(HtmlReport, PrintableAndReadableOnAPhone) {
  const auto html = reports::render_html(healthy_run());
  EXPECT_HAS(html, "<!DOCTYPE html>");
  EXPECT_HAS(html, "<meta charset=\"utf-8\">");
  EXPECT_HAS(html, "name=\"viewport\"");
  EXPECT_HAS(html, "@media print{");
  EXPECT_HAS(html, "print-color-adjust:exact");
  EXPECT_EQ(count(html, "<svg "), count(html, "role=\"img\""));
}

// ---- charts from data -------------------------------------------------------------------------------------

TEST(ChartData, NcclChartFollowsMessageSizeAndBusBandwidth) {
  auto run = healthy_run();
  for (auto [bytes, gbps] : {std::pair{1ull << 20, 50.0}, {1ull << 26, 300.0}, {1ull << 30, 480.0}}) {
    Measurement m;
    m.id = "nccl/all_reduce_sum/fp32/" + format_bytes(bytes);
    m.workload = "nccl";
    m.params = {{"collective", "all_reduce"}, {"precision", "fp32"}, {"bytes", bytes}};
    m.repetitions = 3;
    m.work = bytes;
    m.metric = Metric::Bandwidth;
    RunReply reply;
    reply.status = RunStatus::Ok;
    const double t = static_cast<double>(bytes) / (gbps * 1e9);
    reply.samples_s = {t, t, t};
    run.results.push_back(make_record(m, placement(0, "node-a"), reply));
  }
  const reports::LineChart* chart = nullptr;
  const auto charts = reports::workload_charts(run);
  for (const auto& c : charts)
    if (c.workload == "nccl") chart = std::get_if<reports::LineChart>(&c.chart);
  ASSERT_NE(chart, nullptr);
  ASSERT_EQ(chart->series.size(), 1u);
  EXPECT_EQ(chart->series[0].name, "all_reduce_sum/fp32");
  ASSERT_EQ(chart->series[0].points.size(), 3u);
  EXPECT_EQ(chart->series[0].points[0].x, 1 << 20);
  EXPECT_NEAR(chart->series[0].points[2].y, 480.0, 1e-9);
  const auto html = reports::render_html(run);
  EXPECT_HAS(html, "aria-label=\"NCCL bus bandwidth over message size\"");
  EXPECT_HAS(html, ">1GiB</text>");
  for (const auto& c : reports::workload_charts(healthy_run())) EXPECT_NE(c.workload, "nccl");
}

TEST(ChartData, ContainerRatioOnlyWhenAContainerRan) {
  EXPECT_FALSE(reports::container_native_chart(healthy_run()).has_value());
  auto run = healthy_run();
  auto slower = stream_result("copy", "fp64", 1.43e-3 / 0.95, placement(0, "node-a"));
  slower.environment = "cuda-13.0-runtime/oci";
  run.results.push_back(slower);
  const auto chart = reports::container_native_chart(run);
  ASSERT_TRUE(chart.has_value());
  ASSERT_EQ(chart->rows.size(), 1u);
  EXPECT_EQ(chart->rows[0].label, "cuda-13.0-runtime/oci · stream (1)");
  EXPECT_NEAR(chart->rows[0].value, 0.95, 1e-9);
  EXPECT_LE(chart->rows[0].low, chart->rows[0].value);
  EXPECT_GE(chart->rows[0].high, chart->rows[0].value);
  EXPECT_EQ(chart->threshold, 0.97);
  EXPECT_HAS(reports::render_html(run),
             "aria-label=\"Container/native throughput ratio per workload and environment\"");
}

TEST(ChartData, SizeSegmentsReadBack) {
  EXPECT_EQ(reports::parse_size_segment("2GiB"), 2ull << 30);
  EXPECT_EQ(reports::parse_size_segment("256MiB"), 256ull << 20);
  EXPECT_EQ(reports::parse_size_segment("4KiB"), 4096u);
  EXPECT_EQ(reports::parse_size_segment("1000000B"), 1000000u);
  EXPECT_FALSE(reports::parse_size_segment("fp32").has_value());
  EXPECT_FALSE(reports::parse_size_segment("GiB").has_value());
  EXPECT_FALSE(reports::parse_size_segment("2xGiB").has_value());
}

TEST(SvgChart, AxisStepsAndLabels) {
  EXPECT_EQ(reports::nice_step(3352, 5), 1000);
  EXPECT_EQ(reports::nice_step(749, 5), 200);
  EXPECT_EQ(reports::nice_step(0.12, 5), 0.05);
  EXPECT_EQ(reports::nice_step(0, 5), 1);
  EXPECT_EQ(reports::short_number(3352.3), "3352");
  EXPECT_EQ(reports::short_number(55.94), "55.9");
  EXPECT_EQ(reports::short_number(0.97), "0.97");
  const auto svg = reports::render_bar_chart({"t <&>", "GB/s", {"a&b"}, {{"s\"1", {reports::Bar{5, 4, 6, ""}}}}, {}});
  EXPECT_HAS(svg, "aria-label=\"t &lt;&amp;&gt;\"");
  EXPECT_HAS(svg, ">a&amp;b</text>");
  EXPECT_HAS(svg, ">s&quot;1</text>");
  EXPECT_HAS(svg, "<path d=\"M");  // the whisker from 4 to 6
}

}  // namespace
}  // namespace gpucert
