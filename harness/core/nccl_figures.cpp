#include "nccl_figures.hpp"

#include <map>
#include <string>

#include "result.hpp"

namespace gpucert {

std::optional<NcclBasis> nccl_basis(const Measurement& m, const nlohmann::json& details) {
  if (m.workload != "nccl" || !details.is_object() || !m.params.is_object()) return std::nullopt;
  const auto nranks = details.find("nranks");
  const auto collective = m.params.find("collective");
  const auto precision = m.params.find("precision");
  const auto bytes = m.params.find("bytes");
  if (nranks == details.end() || !nranks->is_number_integer() || collective == m.params.end() ||
      !collective->is_string() || precision == m.params.end() || !precision->is_string() || bytes == m.params.end() ||
      !bytes->is_number_integer() || bytes->get<std::int64_t>() < 0)
    return std::nullopt;
  const auto n = nranks->get<int>();
  const auto c = parse_collective(collective->get<std::string>());
  const auto type_bytes = nccl_element_bytes(precision->get<std::string>());
  if (n < 1 || !c || !type_bytes) return std::nullopt;
  return NcclBasis{*c, n, algbw_bytes(*c, bytes->get<std::uint64_t>(), *type_bytes, n), busbw_factor(*c, n)};
}

nlohmann::json nccl_summaries(const std::vector<ResultRecord>& results) {
  struct Gathered {
    NcclBasis basis;
    std::vector<double> medians;
    std::uint64_t wrong = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, Gathered> by_id;
  for (const auto& r : results) {
    if (!r.time) continue;
    const auto basis = nccl_basis(r.measurement, r.reply.details);
    if (!basis) continue;
    auto [it, fresh] = by_id.try_emplace(r.measurement.id);
    if (fresh) {
      order.push_back(r.measurement.id);
      it->second.basis = *basis;
    }
    it->second.medians.push_back(r.time->median);
    it->second.wrong += r.reply.verification.mismatches;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& id : order) {
    const auto& g = by_id.at(id);
    const auto time = rank_time(g.medians);
    const double algbw = algbw_gbps(g.basis.algbw_bytes, time.mean);
    out.push_back({{"id", id},
                   {"collective", name_of(g.basis.collective)},
                   {"nranks", g.basis.nranks},
                   {"ranks_reporting", g.medians.size()},
                   {"bytes", g.basis.algbw_bytes},
                   {"time_s", {{"mean", time.mean}, {"max", time.max}}},
                   {"algbw_GBps", algbw},
                   {"busbw_GBps", algbw * g.basis.busbw_factor},
                   {"busbw_slowest_GBps", algbw_gbps(g.basis.algbw_bytes, time.max) * g.basis.busbw_factor},
                   {"wrong", g.wrong}});
  }
  return out;
}

}  // namespace gpucert
