// junit.xml: its escaping, checked with hostile strings, and the whole file against a golden copy rendered
// from the fixed run in golden_run.hpp.
//
// When a change to junit.xml is intended, regenerate the golden file and review the diff like code:
//
//   GPUCERT_UPDATE_GOLDEN=1 build/bin/gpucert_unit_tests --gtest_filter='JunitReport.*'
//   git diff tests/unit/golden_junit/
//
// On a mismatch the test writes what it rendered to <build>/golden-actual/junit.xml and prints the path.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "golden_run.hpp"
#include "reports/escape.hpp"
#include "reports/junit_report.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(GPUCERT_SOURCE_DIR) / "tests" / "unit" / "golden_junit" / "junit.xml";
const fs::path kActual = fs::path(GPUCERT_BINARY_DIR) / "golden-actual" / "junit.xml";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(XmlEscape, MarkupCharactersBecomeEntities) {
  EXPECT_EQ(reports::xml_text("a<b>&c\"d'e"), "a&lt;b&gt;&amp;c&quot;d&#39;e");
  EXPECT_EQ(reports::xml_attribute("</testcase><testcase name=\"x\">"),
            "&lt;/testcase&gt;&lt;testcase name=&quot;x&quot;&gt;");
  EXPECT_EQ(reports::xml_text("&amp;"), "&amp;amp;");  // already-escaped text is escaped again, not trusted
  EXPECT_EQ(reports::xml_text("]]>"), "]]&gt;");
  EXPECT_EQ(reports::xml_text(""), "");
}

TEST(XmlEscape, ControlCharactersBecomeVisibleText) {
  // XML 1.0 allows no C0 control but tab, line feed and carriage return, not even as &#1;.
  EXPECT_EQ(reports::xml_text(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(reports::xml_text("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(reports::xml_text("bell\x07 del\x7f"), "bell\\x07 del\\x7f");
  EXPECT_EQ(reports::xml_text("tab\tline\ncr\r"), "tab\tline\ncr\r");
  // In an attribute, parsers turn raw line breaks and tabs into spaces; references survive.
  EXPECT_EQ(reports::xml_attribute("tab\tline\ncr\r"), "tab&#9;line&#10;cr&#13;");
}

TEST(XmlEscape, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(reports::xml_text("a\xff"
                              "b"),
            "a" + replacement + "b");
  EXPECT_EQ(reports::xml_text("\xc0\xaf"), replacement + replacement);                    // overlong '/'
  EXPECT_EQ(reports::xml_text("\xed\xa0\x80"), replacement + replacement + replacement);  // a UTF-16 surrogate
  EXPECT_EQ(reports::xml_text("cut \xe2\x9c"), "cut " + replacement + replacement);       // truncated sequence
  EXPECT_EQ(reports::xml_text("\xef\xbf\xbf"), replacement);                              // U+FFFF: not a character
  EXPECT_EQ(reports::xml_text("Gr\xc3\xbc\xc3\x9f"
                              "e \xe2\x9c\x93 \xf0\x9f\x9a\x80"),
            "Gr\xc3\xbc\xc3\x9f"
            "e \xe2\x9c\x93 \xf0\x9f\x9a\x80");  // valid UTF-8 passes through
}

TEST(JunitReport, MatchesGolden) {
  const auto rendered = reports::render_junit(fixtures::golden_run());
  if (const char* v = std::getenv("GPUCERT_UPDATE_GOLDEN"); v && std::string(v) == "1") {
    write_text(kGolden, rendered);
    GTEST_SKIP() << "GPUCERT_UPDATE_GOLDEN=1: rewrote " << kGolden << "; review it with git diff";
  }
  ASSERT_TRUE(fs::exists(kGolden)) << kGolden << " is missing; create it with GPUCERT_UPDATE_GOLDEN=1";
  if (rendered != read_text(kGolden)) {
    write_text(kActual, rendered);
    ADD_FAILURE() << "junit.xml differs from the golden file.\n  diff -u " << kGolden.string() << " "
                  << kActual.string() << "\nIf the change is intended, rerun with GPUCERT_UPDATE_GOLDEN=1.";
  }
}

TEST(JunitReport, OneSuitePerEnvironmentWithCountsThatAddUp) {
  const auto run = fixtures::golden_run();
  const auto xml = reports::render_junit(run);
  EXPECT_EQ(count(xml, "<testsuite "), 2u);
  EXPECT_HAS(xml, "<testsuite name=\"native\" id=\"0\"");
  EXPECT_HAS(xml, "<testsuite name=\"cuda-13.0-runtime/oci\" id=\"1\"");
  // Every check and every result is one test case.
  EXPECT_EQ(count(xml, "<testcase "), run.checks.size() + run.results.size());
  const auto failed_checks = count_verdict(run.checks, Verdict::Fail);
  // Failures: the failed checks and the result whose verification failed; the broken result is an error.
  EXPECT_EQ(count(xml, "<failure "), failed_checks + 1);
  EXPECT_EQ(count(xml, "<error "), 1u);
  EXPECT_EQ(count(xml, "<skipped "), count_verdict(run.checks, Verdict::Waived) + 2);
  EXPECT_HAS(xml, "<testsuites name=\"gpucert acceptance &amp; &lt;friends&gt;\" tests=\"" +
                      std::to_string(run.checks.size() + run.results.size()) + "\" failures=\"" +
                      std::to_string(failed_checks + 1) + "\" errors=\"1\"");
}

TEST(JunitReport, FailuresCarryEvidenceDiagnosisAndFix) {
  const auto xml = reports::render_junit(fixtures::golden_run());
  EXPECT_HAS(xml, "<testcase classname=\"native\" name=\"gpu-visible rank 1\">");
  EXPECT_HAS(xml, "<failure message=\"the NVIDIA driver library libcuda.so.1 is not on this system [libcuda-missing]:");
  EXPECT_HAS(xml, "Evidence: cudaErrorInsufficientDriver (35)");
  EXPECT_HAS(xml, "Fix: install the NVIDIA driver");
  EXPECT_HAS(xml, "<testcase classname=\"stream\" name=\"stream/dot/fp32/2GiB rank 0\" time=\"");
  EXPECT_HAS(xml, "<failure message=\"verification failed: 3 wrong of 268435456\" type=\"verification\">");
  EXPECT_HAS(xml,
             "<error message=\"CUBLAS_STATUS_EXECUTION_FAILED in cublasLtMatmul &quot;algo 3&quot;\" type=\"error\">");
  EXPECT_HAS(xml, "<skipped message=\"unavailable: libcudnn.so.9: cannot open shared object file");
  EXPECT_HAS(xml, "<skipped message=\"waived: fp8 needs compute capability 8.9 or newer\"/>");
  EXPECT_HAS(xml, "<testcase classname=\"native\" name=\"performance-floor stream/copy/fp64/2GiB rank 0\">");
}

TEST(JunitReport, HostileStringsStayInsideTheirAttributesAndText) {
  const auto xml = reports::render_junit(fixtures::golden_run());
  EXPECT_HAS(xml, "hostname=\"node-a,evil&quot;&lt;host&gt;&amp;&#39;\"");
  EXPECT_LACKS(xml, "evil\"<host>");
  EXPECT_HAS(xml, "dot = 1.07e+09 &lt;&gt; reference &amp; \\x1b[31mred\\x1b[0m\nsecond line \xEF\xBF\xBD\xEF\xBF\xBD");
  // No byte an XML 1.0 parser refuses: C0 controls other than tab, line feed, carriage return.
  for (unsigned char c : xml)
    EXPECT_TRUE(c >= 0x20 || c == '\n' || c == '\t' || c == '\r') << "control byte " << static_cast<int>(c);
  EXPECT_EQ(xml.find("\xff"), std::string::npos);
}

TEST(JunitReport, ARunWithNothingInItIsStillAReport) {
  auto run = fixtures::empty_run();
  const auto xml = reports::render_junit(run);
  EXPECT_HAS(xml, "<testsuite name=\"native\" id=\"0\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\"");
  EXPECT_HAS(xml, "<property name=\"exit_code\" value=\"3\"/>");
  EXPECT_HAS(xml, "</testsuites>\n");
}

}  // namespace
}  // namespace gpucert
