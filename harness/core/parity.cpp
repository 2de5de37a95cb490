#include "parity.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "conformance.hpp"
#include "statistics.hpp"

namespace gpucert {
namespace {

double median_of(std::vector<double>& v) {
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2) return *mid;
  return (*mid + *std::max_element(v.begin(), mid)) / 2;
}

struct Pair {
  const std::vector<double>* native;
  const std::vector<double>* other;
};

}  // namespace

std::vector<RatioEstimate> container_native_ratios(const RunRecord& run, int resamples, std::uint64_t seed) {
  auto usable = [](const ResultRecord& r) { return r.reply.status == RunStatus::Ok && !r.reply.samples_s.empty(); };
  std::map<std::pair<std::string, int>, const ResultRecord*> native;
  for (const auto& r : run.results)
    if (usable(r) && environment_of(r) == kNativeEnvironment) native[{r.measurement.id, r.placement.rank}] = &r;

  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::vector<Pair>> groups;
  for (const auto& r : run.results) {
    const auto environment = environment_of(r);
    if (!usable(r) || environment == kNativeEnvironment) continue;
    const auto twin = native.find({r.measurement.id, r.placement.rank});
    if (twin == native.end()) continue;
    const std::pair<std::string, std::string> key{environment, r.measurement.workload};
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back({&twin->second->reply.samples_s, &r.reply.samples_s});
  }

  std::vector<RatioEstimate> out;
  std::mt19937_64 rng(seed);
  for (const auto& key : order) {
    const auto& pairs = groups[key];
    // The statistic: geometric mean over pairs of median(native) / median(other).
    auto statistic = [&](auto&& draw) {
      double log_sum = 0;
      for (const auto& p : pairs) {
        std::vector<double> a = draw(*p.native), b = draw(*p.other);
        log_sum += std::log(median_of(a) / median_of(b));
      }
      return std::exp(log_sum / static_cast<double>(pairs.size()));
    };
    RatioEstimate e{key.first, key.second, pairs.size(), 0, 0, 0};
    e.ratio = statistic([](const std::vector<double>& v) { return v; });
    std::vector<double> replicates;
    replicates.reserve(static_cast<std::size_t>(resamples));
    for (int b = 0; b < resamples; ++b)
      replicates.push_back(statistic([&](const std::vector<double>& v) {
        std::vector<double> drawn(v.size());
        for (auto& x : drawn) x = v[rng() % v.size()];
        return drawn;
      }));
    std::sort(replicates.begin(), replicates.end());
    e.low = replicates.empty() ? e.ratio : quantile(replicates, 0.025);
    e.high = replicates.empty() ? e.ratio : quantile(replicates, 0.975);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace gpucert
