#include "junit_report.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <future>
#include <cstdio>
#include <optional>
#include <map>
#include <set>
#include <vector>

#include "core/conformance.hpp"
#include "escape.hpp"

namespace gpucert::reports {
namespace {

// printf's "%.<digits>f", which std::to_chars writes exactly (C++17 [charconv.to.chars]) without its cost: a
// cluster's junit.xml has millions of figures.
void append_fixed(std::string& out, double value, int digits) {
  std::array<char, 400> buf{};  // DBL_MAX in fixed notation is 309 digits
  const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed, digits).ptr;
  out.append(buf.data(), static_cast<std::size_t>(end - buf.data()));
}

std::string seconds(double s) {
  std::string out;
  append_fixed(out, s, 6);
  return out;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// One <testcase>, its outcome element and what it printed.
struct Case {
  std::string classname, name;
  std::optional<double> time;
  enum class Outcome { Passed, Failure, Error, Skipped } outcome = Outcome::Passed;
  std::string message;  // the outcome element's message attribute
  std::string type;     // the outcome element's type attribute
  std::string body;     // the outcome element's text, or <system-out> when passed
};

// A <testsuite>'s counts. Its cases are written straight from the checks and results, never held: a cluster's
// run has millions.
struct Suite {
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
};

Case::Outcome outcome_of(const Check& c) {
  switch (c.verdict) {
    case Verdict::Pass:
      return Case::Outcome::Passed;
    case Verdict::Waived:
      return Case::Outcome::Skipped;
    case Verdict::Fail:
      return Case::Outcome::Failure;
  }
  return Case::Outcome::Passed;
}

Case::Outcome outcome_of(const ResultRecord& r) {
  switch (r.reply.status) {
    case RunStatus::Ok:
      return Case::Outcome::Passed;
    case RunStatus::Failed:
      return Case::Outcome::Failure;
    case RunStatus::Error:
    case RunStatus::Crashed:
    case RunStatus::TimedOut:
      return Case::Outcome::Error;
    case RunStatus::Unavailable:
    case RunStatus::Waived:
      return Case::Outcome::Skipped;
  }
  return Case::Outcome::Passed;
}

std::optional<double> time_of(const Check&) { return std::nullopt; }

std::optional<double> time_of(const ResultRecord& r) {
  if (r.reply.samples_s.empty()) return std::nullopt;
  double total = 0;
  for (double s : r.reply.samples_s) total += s;
  return total;
}

Case case_of(const Check& c) {
  Case k{c.environment, c.name + " " + c.subject, std::nullopt, outcome_of(c), "", c.name, ""};
  switch (c.verdict) {
    case Verdict::Pass:
      k.body = c.evidence;
      break;
    case Verdict::Waived:
      k.message = "waived: " + c.evidence;
      break;
    case Verdict::Fail:
      k.message = first_line(c.diagnosis.empty() ? c.evidence : c.diagnosis);
      k.body = "Evidence: " + c.evidence + "\nDiagnosis: " + c.diagnosis + "\nFix: " + c.fix;
      break;
  }
  return k;
}

Case case_of(const ResultRecord& r) {
  Case k{r.measurement.workload,
         r.measurement.id + " rank " + std::to_string(r.placement.rank),
         time_of(r),
         outcome_of(r),
         "",
         "",
         ""};
  const auto& v = r.reply.verification;
  std::string facts;
  facts.append("host ").append(r.placement.host).append(", device ").append(std::to_string(r.placement.device));
  facts.append(" (").append(r.placement.device_name).append(")");
  if (r.figures && r.time) {
    facts += "\nmedian ";
    append_fixed(facts, r.figures->at_median, 1);
    facts.append(" ").append(unit_of(r.measurement.metric)).append(", best ");
    append_fixed(facts, r.figures->best, 1);
    facts.append(", ").append(std::to_string(r.time->count)).append(" repetitions, CV ");
    append_fixed(facts, 100 * r.time->cv, 1);
    facts += '%';
  }
  if (v.checked) {
    facts.append("\nverification: ").append(std::to_string(v.mismatches)).append(" wrong of ");
    facts.append(std::to_string(v.checked));
    if (!v.method.empty()) facts.append(" (").append(v.method).append(")");
  }
  switch (r.reply.status) {
    case RunStatus::Ok:
      k.body = std::move(facts);
      break;
    case RunStatus::Failed:
      k.type = "verification";
      k.message = "verification failed: " + std::to_string(v.mismatches) + " wrong of " + std::to_string(v.checked);
      k.body = (r.reply.message.empty() ? "" : r.reply.message + "\n") + facts;
      break;
    case RunStatus::Error:
    case RunStatus::Crashed:
    case RunStatus::TimedOut:
      k.type = std::string(name_of(r.reply.status));
      k.message = first_line(r.reply.message.empty() ? std::string("the measurement broke") : r.reply.message);
      k.body = r.reply.message + "\n" + facts;
      break;
    case RunStatus::Unavailable:
    case RunStatus::Waived:
      k.message = std::string(name_of(r.reply.status)) + ": " + r.reply.message;
      break;
  }
  return k;
}

template <typename Item>
void count(Suite& suite, const Item& item) {
  const auto outcome = outcome_of(item);
  ++suite.tests;
  suite.failures += outcome == Case::Outcome::Failure ? 1 : 0;
  suite.errors += outcome == Case::Outcome::Error ? 1 : 0;
  suite.skipped += outcome == Case::Outcome::Skipped ? 1 : 0;
  suite.time += time_of(item).value_or(0);
}

void write_case(std::string& x, const Case& k) {
  x += "    <testcase classname=\"";
  append_xml_attribute(x, k.classname);
  x += "\" name=\"";
  append_xml_attribute(x, k.name);
  x += '"';
  if (k.time) {
    x += " time=\"";
    append_fixed(x, *k.time, 6);
    x += '"';
  }
  x += ">\n";
  switch (k.outcome) {
    case Case::Outcome::Passed:
      if (!k.body.empty()) {
        x += "      <system-out>";
        append_xml_text(x, k.body);
        x += "</system-out>\n";
      }
      break;
    case Case::Outcome::Skipped:
      x += "      <skipped message=\"";
      append_xml_attribute(x, k.message);
      x += "\"/>\n";
      break;
    case Case::Outcome::Failure:
    case Case::Outcome::Error: {
      const std::string_view element = k.outcome == Case::Outcome::Failure ? "failure" : "error";
      x.append("      <").append(element).append(" message=\"");
      append_xml_attribute(x, k.message);
      x += "\" type=\"";
      append_xml_attribute(x, k.type);
      x += "\">";
      append_xml_text(x, k.body);
      x.append("</").append(element).append(">\n");
      break;
    }
  }
  x += "    </testcase>\n";
}

// The cases of results [begin, end) that ran in `environment`.
std::string result_cases(const RunRecord& run, const std::string& environment, std::size_t begin, std::size_t end) {
  std::string x;
  for (auto i = begin; i < end; ++i)
    if (environment_of(run.results[i]) == environment) write_case(x, case_of(run.results[i]));
  return x;
}

// JUnit's schema wants a local timestamp without a zone; gpucert's are UTC, which the file says in a comment.
std::string junit_timestamp(std::string iso) {
  if (!iso.empty() && iso.back() == 'Z') iso.pop_back();
  return iso;
}

}  // namespace

bool render_junit(const RunRecord& run, const std::function<bool(std::string_view)>& write) {
  // Environments in order of first appearance, native first.
  std::vector<std::string> order{std::string(kNativeEnvironment)};
  std::map<std::string, Suite> suites;
  auto suite_of = [&](const std::string& environment) -> Suite& {
    if (std::find(order.begin(), order.end(), environment) == order.end()) order.push_back(environment);
    return suites[environment];
  };
  for (const auto& c : run.checks) count(suite_of(c.environment), c);
  for (const auto& r : run.results) count(suite_of(environment_of(r)), r);

  std::string hosts;
  std::set<std::string_view> named;
  for (const auto& r : run.ranks)
    if (named.insert(r.placement.host).second) hosts += (hosts.empty() ? "" : ",") + r.placement.host;

  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
  for (const auto& [name, s] : suites) {
    tests += s.tests;
    failures += s.failures;
    errors += s.errors;
    skipped += s.skipped;
    time += s.time;
  }

  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  // No outside text in the comment: "--" would end it early, and entities mean nothing there.
  x += "<!-- gpucert junit.xml: timestamps are UTC; a measurement's time is its device time -->\n";
  x += "<testsuites name=\"gpucert " + xml_attribute(run.suite_name) + "\" tests=\"" + std::to_string(tests) +
       "\" failures=\"" + std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" +
       std::to_string(skipped) + "\" time=\"" + seconds(time) + "\">\n";
  std::size_t id = 0;
  for (const auto& environment : order) {
    // The native suite is always there, even empty, so a run where nothing ran still reads as a report.
    const auto& s = suites[environment];
    x += "  <testsuite name=\"" + xml_attribute(environment) + "\" id=\"" + std::to_string(id++) + "\" tests=\"" +
         std::to_string(s.tests) + "\" failures=\"" + std::to_string(s.failures) + "\" errors=\"" +
         std::to_string(s.errors) + "\" skipped=\"" + std::to_string(s.skipped) + "\" time=\"" + seconds(s.time) +
         "\" timestamp=\"" + xml_attribute(junit_timestamp(run.started)) + "\" hostname=\"" + xml_attribute(hosts) +
         "\">\n";
    x += "    <properties>\n";
    const std::pair<const char*, std::string> properties[] = {
        {"suite", run.suite_name},
        {"suite.source", run.suite_source},
        {"command", run.command},
        {"started", run.started},
        {"finished", run.finished},
        {"gpucert.version", run.build.version},
        {"gpucert.git", run.build.git},
        {"verdict", run.verdict()},
        {"exit_code", std::to_string(run.exit_code())},
    };
    for (const auto& [name, value] : properties)
      x += "      <property name=\"" + std::string(name) + "\" value=\"" + xml_attribute(value) + "\"/>\n";
    x += "    </properties>\n";
    for (const auto& c : run.checks)
      if (c.environment == environment) write_case(x, case_of(c));
    if (!write(x)) return false;
    x.clear();
    // The results' cases are most of the file: blocks of them, each block's halves on two threads, handed on in
    // order, so that memory holds two blocks of text whatever the run's size.
    constexpr std::size_t kBlock = 16384;
    for (std::size_t begin = 0; begin < run.results.size(); begin += kBlock) {
      const auto end = std::min(begin + kBlock, run.results.size()), middle = begin + (end - begin) / 2;
      auto second = std::async(std::launch::async, result_cases, std::cref(run), std::cref(environment), middle, end);
      const auto first = result_cases(run, environment, begin, middle);
      const auto rest = second.get();
      if (!write(first) || !write(rest)) return false;
    }
    x += "  </testsuite>\n";
  }
  x += "</testsuites>\n";
  return write(x);
}

std::string render_junit(const RunRecord& run) {
  std::string out;
  render_junit(run, [&out](std::string_view piece) {
    out.append(piece);
    return true;
  });
  return out;
}

}  // namespace gpucert::reports
