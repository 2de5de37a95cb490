#include <cstdio>
#include <filesystem>
#include <set>

#include "commands.hpp"
#include "core/run_record.hpp"
#include "core/suite.hpp"
#include "core/suite_schema.hpp"
#include "core/workloads/workload_spec.hpp"
#include "suite_source.hpp"

namespace gpucert::cli {
namespace {

// A suite's description may run to a paragraph; the list shows its first sentence.
std::string first_sentence(const std::string& text) {
  const auto end = text.find(". ");
  return end == std::string::npos ? text : text.substr(0, end + 1);
}

}  // namespace

int command_list(bool schema) {
  if (schema) {
    std::printf("%s\n", suite_schema().dump(2).c_str());
    return kExitPassed;
  }
  std::printf("Workloads:\n");
  for (const auto* spec : workload_registry())
    std::printf("  %-14s %s [%s]\n", std::string(spec->name()).c_str(), std::string(spec->description()).c_str(),
                std::string(spec->backend()).c_str());
  std::printf("\nSuites (gpucert run --suite NAME, or a path to a .json file):\n");
  std::set<std::string> seen;
  auto show = [&](const std::string& text, const std::string& source) {
    auto suite = parse_suite(text, source);
    if (!suite) {
      std::printf("  %-12s INVALID: %s\n", source.c_str(), suite.error().message.c_str());
      return;
    }
    if (!seen.insert(suite->name).second) return;
    std::printf("  %-12s %zu measurements: %s\n", suite->name.c_str(), suite->plan.size(),
                first_sentence(suite->description).c_str());
    std::printf("  %-12s from %s\n", "", source.c_str());
  };
  show(std::string(embedded_quick_suite()), "embedded:quick (the default)");
  for (const auto& folder : suite_folders()) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
      // Beside the suites live their schema and the performance floors, which are not suites.
      const auto file = entry.path().filename();
      if (entry.path().extension() != ".json" || file == "suite.schema.json" || file == "thresholds.json") continue;
      auto text = read_suite(entry.path().string());
      if (text) show(text->text, text->source);
    }
  }
  return kExitPassed;
}

}  // namespace gpucert::cli
