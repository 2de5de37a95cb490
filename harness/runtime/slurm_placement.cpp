#include "slurm_placement.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace gpucert::runtime {
namespace {

int number(const char* text) {
  if (!text || !*text) return -1;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  // "2(x4)" style counts and anything else that is not a plain number read as unknown.
  return *end == '\0' && value >= 0 && value < (1L << 30) ? static_cast<int>(value) : -1;
}

std::string text(const EnvironmentLookup& env, const char* name) {
  const char* value = env(name);
  return value ? value : "";
}

constexpr const char* kFacts[] = {
    "SLURM_JOB_ID",       "SLURM_STEP_ID",       "SLURM_JOB_NAME",  "SLURM_CLUSTER_NAME", "SLURM_JOB_PARTITION",
    "SLURM_JOB_NODELIST", "SLURMD_NODENAME",     "SLURM_PROCID",    "SLURM_LOCALID",      "SLURM_NODEID",
    "SLURM_NTASKS",       "SLURM_GPUS_PER_TASK", "SLURM_STEP_GPUS", "SLURM_JOB_GPUS",     "CUDA_VISIBLE_DEVICES"};

}  // namespace

EnvironmentLookup process_environment() {
  return [](const char* name) -> const char* { return std::getenv(name); };
}

std::optional<SlurmTask> slurm_task(const EnvironmentLookup& env) {
  if (text(env, "SLURM_JOB_ID").empty() || number(env("SLURM_PROCID")) < 0) return std::nullopt;
  SlurmTask t;
  t.job_id = text(env, "SLURM_JOB_ID");
  t.node_name = text(env, "SLURMD_NODENAME");
  t.proc_id = number(env("SLURM_PROCID"));
  t.local_id = number(env("SLURM_LOCALID"));
  t.gpus_per_task = std::max(0, number(env("SLURM_GPUS_PER_TASK")));
  t.step_gpus = text(env, "SLURM_STEP_GPUS");
  if (t.step_gpus.empty()) t.step_gpus = text(env, "SLURM_JOB_GPUS");
  return t;
}

std::map<std::string, std::string> slurm_facts(const EnvironmentLookup& env) {
  std::map<std::string, std::string> out;
  if (text(env, "SLURM_JOB_ID").empty()) return out;
  for (const char* name : kFacts)
    if (const char* value = env(name)) out.emplace(name, value);
  return out;
}

int device_slot(int local_rank, const std::optional<SlurmTask>& slurm) {
  return slurm && slurm->gpus_per_task > 0 ? 0 : local_rank;
}

}  // namespace gpucert::runtime
