#include "worker_builds.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>
#include <filesystem>

namespace gpucert::runtime {
namespace {

namespace fs = std::filesystem;

std::optional<int> leading_number(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data() || value <= 0) return std::nullopt;
  return value;
}

void put(std::vector<WorkerBuild>& builds, WorkerBuild build) {
  auto same = std::find_if(builds.begin(), builds.end(),
                           [&](const WorkerBuild& b) { return b.cuda_major == build.cuda_major; });
  if (same != builds.end())
    *same = std::move(build);
  else
    builds.push_back(std::move(build));
}

}  // namespace

Outcome<std::vector<WorkerBuild>> find_worker_builds(const std::string& own, int own_cuda_version,
                                                     const std::string& workers_variable) {
  std::vector<WorkerBuild> builds;
  if (own_cuda_version > 0) builds.push_back({own_cuda_version / 1000, own_cuda_version, own});
  std::error_code ec;
  // <prefix>/bin/gpucert-worker -> <prefix>/cuda<major>/bin/gpucert-worker
  const auto prefix = fs::absolute(own, ec).lexically_normal().parent_path().parent_path();
  std::vector<WorkerBuild> found;
  for (const auto& entry : fs::directory_iterator(prefix, ec)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("cuda", 0) != 0 || !entry.is_directory(ec)) continue;
    const auto major = leading_number(std::string_view(name).substr(4));
    if (!major || std::to_string(*major) != name.substr(4)) continue;
    const auto worker = entry.path() / "bin" / "gpucert-worker";
    if (!fs::is_regular_file(worker, ec)) continue;
    found.push_back({*major, 0, worker.string()});
  }
  std::sort(found.begin(), found.end(),
            [](const WorkerBuild& a, const WorkerBuild& b) { return a.cuda_major > b.cuda_major; });
  for (auto& f : found)
    if (std::none_of(builds.begin(), builds.end(), [&](const WorkerBuild& b) { return b.cuda_major == f.cuda_major; }))
      builds.push_back(std::move(f));

  std::string_view rest = workers_variable;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    const auto major = eq == std::string_view::npos ? std::nullopt : leading_number(item.substr(0, eq));
    if (!major || std::to_string(*major) != item.substr(0, eq) || eq + 1 == item.size())
      return GPUCERT_ERROR("GPUCERT_WORKERS: '" + std::string(item) +
                           "' is not MAJOR=PATH (e.g. 12=/opt/gpucert-cuda12/bin/gpucert-worker)");
    const std::string path(item.substr(eq + 1));
    if (!fs::is_regular_file(path, ec))
      return GPUCERT_ERROR("GPUCERT_WORKERS: " + path + " (the CUDA " + std::to_string(*major) +
                           " worker) is not a file");
    put(builds, {*major, 0, path});
  }
  return builds;
}

const WorkerBuild* worker_for_cuda(const std::vector<WorkerBuild>& builds, const std::string& image_cuda_version) {
  const auto major = leading_number(image_cuda_version);
  if (!major) return nullptr;
  const auto it =
      std::find_if(builds.begin(), builds.end(), [&](const WorkerBuild& b) { return b.cuda_major == *major; });
  return it == builds.end() ? nullptr : &*it;
}

std::string describe_worker_builds(const std::vector<WorkerBuild>& builds) {
  std::string out;
  for (const auto& b : builds) out += (out.empty() ? "" : ", ") + std::to_string(b.cuda_major) + " (" + b.path + ")";
  return out.empty() ? "none" : out;
}

}  // namespace gpucert::runtime
