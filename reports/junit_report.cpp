#include "junit_report.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <map>
#include <sstream>
#include <vector>

#include "core/conformance.hpp"
#include "escape.hpp"

namespace gpucert::reports {
namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", s);
  return buf;
}

std::string figure_text(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  return buf;
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

struct Suite {
  std::vector<Case> cases;
  std::size_t failures = 0, errors = 0, skipped = 0;
  double time = 0;
};

Case case_of(const Check& c) {
  Case k{c.environment, c.name + " " + c.subject, std::nullopt, Case::Outcome::Passed, "", c.name, ""};
  switch (c.verdict) {
    case Verdict::Pass:
      k.body = c.evidence;
      break;
    case Verdict::Waived:
      k.outcome = Case::Outcome::Skipped;
      k.message = "waived: " + c.evidence;
      break;
    case Verdict::Fail:
      k.outcome = Case::Outcome::Failure;
      k.message = first_line(c.diagnosis.empty() ? c.evidence : c.diagnosis);
      k.body = "Evidence: " + c.evidence + "\nDiagnosis: " + c.diagnosis + "\nFix: " + c.fix;
      break;
  }
  return k;
}

Case case_of(const ResultRecord& r) {
  Case k{r.measurement.workload, r.measurement.id + " rank " + std::to_string(r.placement.rank), std::nullopt,
         Case::Outcome::Passed, "", "", ""};
  double total = 0;
  for (double s : r.reply.samples_s) total += s;
  if (!r.reply.samples_s.empty()) k.time = total;
  const auto& v = r.reply.verification;
  std::string facts = "host " + r.placement.host + ", device " + std::to_string(r.placement.device) + " (" +
                      r.placement.device_name + ")";
  if (r.figures && r.time)
    facts += "\nmedian " + figure_text(r.figures->at_median) + " " + std::string(unit_of(r.measurement.metric)) +
             ", best " + figure_text(r.figures->best) + ", " + std::to_string(r.time->count) +
             " repetitions, CV " + figure_text(100 * r.time->cv) + "%";
  if (v.checked)
    facts += "\nverification: " + std::to_string(v.mismatches) + " wrong of " + std::to_string(v.checked) +
             (v.method.empty() ? "" : " (" + v.method + ")");
  switch (r.reply.status) {
    case RunStatus::Ok:
      k.body = facts;
      break;
    case RunStatus::Failed:
      k.outcome = Case::Outcome::Failure;
      k.type = "verification";
      k.message = "verification failed: " + std::to_string(v.mismatches) + " wrong of " + std::to_string(v.checked);
      k.body = (r.reply.message.empty() ? "" : r.reply.message + "\n") + facts;
      break;
    case RunStatus::Error:
    case RunStatus::Crashed:
    case RunStatus::TimedOut:
      k.outcome = Case::Outcome::Error;
      k.type = std::string(name_of(r.reply.status));
      k.message = first_line(r.reply.message.empty() ? std::string("the measurement broke") : r.reply.message);
      k.body = r.reply.message + "\n" + facts;
      break;
    case RunStatus::Unavailable:
    case RunStatus::Waived:
      k.outcome = Case::Outcome::Skipped;
      k.message = std::string(name_of(r.reply.status)) + ": " + r.reply.message;
      break;
  }
  return k;
}

void add(Suite& suite, Case k) {
  suite.failures += k.outcome == Case::Outcome::Failure ? 1 : 0;
  suite.errors += k.outcome == Case::Outcome::Error ? 1 : 0;
  suite.skipped += k.outcome == Case::Outcome::Skipped ? 1 : 0;
  suite.time += k.time.value_or(0);
  suite.cases.push_back(std::move(k));
}

// JUnit's schema wants a local timestamp without a zone; gpucert's are UTC, which the file says in a comment.
std::string junit_timestamp(std::string iso) {
  if (!iso.empty() && iso.back() == 'Z') iso.pop_back();
  return iso;
}

}  // namespace

std::string render_junit(const RunRecord& run) {
  // Environments in order of first appearance, native first.
  std::vector<std::string> order{std::string(kNativeEnvironment)};
  std::map<std::string, Suite> suites;
  auto suite_of = [&](const std::string& environment) -> Suite& {
    if (std::find(order.begin(), order.end(), environment) == order.end()) order.push_back(environment);
    return suites[environment];
  };
  for (const auto& c : run.checks) add(suite_of(c.environment), case_of(c));
  for (const auto& r : run.results) add(suite_of(environment_of(r)), case_of(r));

  std::string hosts;
  for (const auto& r : run.ranks)
    if (hosts.find(r.placement.host) == std::string::npos) hosts += (hosts.empty() ? "" : ",") + r.placement.host;

  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
  for (const auto& [name, s] : suites) {
    tests += s.cases.size();
    failures += s.failures;
    errors += s.errors;
    skipped += s.skipped;
    time += s.time;
  }

  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  // No outside text in the comment: "--" would end it early, and entities mean nothing there.
  x << "<!-- gpucert junit.xml: timestamps are UTC; a measurement's time is its device time -->\n";
  x << "<testsuites name=\"gpucert " << xml_attribute(run.suite_name) << "\" tests=\"" << tests << "\" failures=\""
    << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\"" << seconds(time)
    << "\">\n";
  std::size_t id = 0;
  for (const auto& environment : order) {
    // The native suite is always there, even empty, so a run where nothing ran still reads as a report.
    const auto& s = suites[environment];
    x << "  <testsuite name=\"" << xml_attribute(environment) << "\" id=\"" << id++ << "\" tests=\""
      << s.cases.size() << "\" failures=\"" << s.failures << "\" errors=\"" << s.errors << "\" skipped=\""
      << s.skipped << "\" time=\"" << seconds(s.time) << "\" timestamp=\""
      << xml_attribute(junit_timestamp(run.started)) << "\" hostname=\"" << xml_attribute(hosts) << "\">\n";
    x << "    <properties>\n";
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
      x << "      <property name=\"" << name << "\" value=\"" << xml_attribute(value) << "\"/>\n";
    x << "    </properties>\n";
    for (const auto& k : s.cases) {
      x << "    <testcase classname=\"" << xml_attribute(k.classname) << "\" name=\"" << xml_attribute(k.name) << "\"";
      if (k.time) x << " time=\"" << seconds(*k.time) << "\"";
      x << ">\n";
      switch (k.outcome) {
        case Case::Outcome::Passed:
          if (!k.body.empty()) x << "      <system-out>" << xml_text(k.body) << "</system-out>\n";
          break;
        case Case::Outcome::Skipped:
          x << "      <skipped message=\"" << xml_attribute(k.message) << "\"/>\n";
          break;
        case Case::Outcome::Failure:
        case Case::Outcome::Error:
          x << "      <" << (k.outcome == Case::Outcome::Failure ? "failure" : "error") << " message=\""
            << xml_attribute(k.message) << "\" type=\"" << xml_attribute(k.type) << "\">" << xml_text(k.body) << "</"
            << (k.outcome == Case::Outcome::Failure ? "failure" : "error") << ">\n";
          break;
      }
      x << "    </testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  return x.str();
}

}  // namespace gpucert::reports
