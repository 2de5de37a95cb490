#include "suite_source.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/suite.hpp"

namespace gpucert::cli {
namespace {

std::filesystem::path executable_dir() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(".") : self.parent_path();
}

// Read at most kMaxSuiteBytes + 1 bytes, whatever the file is (/dev/zero, a FIFO, a huge file): one byte more than
// the limit is enough to refuse it.
Outcome<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return GPUCERT_ERROR(path.string() + ": cannot read the suite file");
  std::string text(kMaxSuiteBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxSuiteBytes)
    return GPUCERT_ERROR(path.string() + ": larger than " + std::to_string(kMaxSuiteBytes >> 20) +
                         " MiB, the most a suite file may hold; is it a suite?");
  return text;
}

}  // namespace

std::vector<std::filesystem::path> suite_folders() {
  std::vector<std::filesystem::path> folders;
  if (const char* dir = std::getenv("GPUCERT_SUITES_DIR"); dir && *dir) folders.emplace_back(dir);
  folders.push_back(executable_dir() / ".." / "share" / "gpucert" / "suites");
  folders.emplace_back(GPUCERT_SOURCE_SUITES_DIR);
  return folders;
}

Outcome<SuiteText> read_suite(const std::string& name_or_path) {
  const bool is_path =
      name_or_path.find('/') != std::string::npos || (name_or_path.size() > 5 && name_or_path.ends_with(".json"));
  if (is_path) {
    auto text = read_file(name_or_path);
    if (!text) return text.error();
    return SuiteText{std::move(*text), name_or_path};
  }
  std::string tried;
  for (const auto& folder : suite_folders()) {
    const auto path = folder / (name_or_path + ".json");
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) {
      auto text = read_file(path);
      if (!text) return text.error();
      return SuiteText{std::move(*text), std::filesystem::weakly_canonical(path, ec).string()};
    }
    tried += (tried.empty() ? "" : ", ") + folder.string();
  }
  if (name_or_path == "quick") return SuiteText{std::string(embedded_quick_suite()), "embedded:quick"};
  return GPUCERT_ERROR("no suite named '" + name_or_path + "' (looked in " + tried +
                       "; `gpucert list` shows the suites, or give a path to a .json file)");
}

}  // namespace gpucert::cli
