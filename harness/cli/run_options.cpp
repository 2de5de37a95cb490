#include "run_options.hpp"

namespace gpucert::cli {
namespace {

template <typename T>
Status take(const nlohmann::json& stored, const RunArgs& args, const char* option, T& target) {
  if (args.given.count(option)) return ok_status();
  const auto it = stored.find(option);
  if (it == stored.end() || it->is_null()) return ok_status();
  try {
    target = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return GPUCERT_ERROR(std::string("run.json: options.") + option +
                         " has the wrong type: " + it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return ok_status();
}

}  // namespace

nlohmann::json to_json(const RunArgs& a) {
  return {{"suite", a.suite},
          {"seed", a.seed},
          {"timeout", a.timeout_s},
          {"rank-timeout", a.rank_timeout_s},
          {"nccl-timeout", a.nccl_timeout_s},
          {"thresholds", a.thresholds},
          {"runtime", a.runtime},
          {"flavors", a.flavors},
          {"image-prefix", a.image_prefix},
          {"cuda-version", a.cuda_version},
          {"os", a.os},
          {"image", a.images},
          {"rounds", a.rounds},
          {"scratch", a.scratch}};
}

Status take_stored_options(const nlohmann::json& stored, RunArgs& a) {
  if (!stored.is_object()) return GPUCERT_ERROR("run.json: options is not an object");
  for (const auto& s :
       {take(stored, a, "suite", a.suite), take(stored, a, "seed", a.seed), take(stored, a, "timeout", a.timeout_s),
        take(stored, a, "rank-timeout", a.rank_timeout_s), take(stored, a, "nccl-timeout", a.nccl_timeout_s),
        take(stored, a, "thresholds", a.thresholds), take(stored, a, "runtime", a.runtime),
        take(stored, a, "flavors", a.flavors), take(stored, a, "image-prefix", a.image_prefix),
        take(stored, a, "cuda-version", a.cuda_version), take(stored, a, "os", a.os),
        take(stored, a, "image", a.images), take(stored, a, "rounds", a.rounds), take(stored, a, "scratch", a.scratch)})
    if (!s) return s;
  return ok_status();
}

}  // namespace gpucert::cli
