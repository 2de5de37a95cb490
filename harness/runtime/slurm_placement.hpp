// Where Slurm placed this task, read from the environment srun gives every task (docs/CLUSTER.md): the node's
// name as Slurm knows it (what `scontrol` and a drain take), the task's rank on the node, the GPUs the step
// holds there, and the job. Pure: the environment comes in as a lookup, so every case is a unit test.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace gpucert::runtime {

// getenv-like: null when the variable is not set.
using EnvironmentLookup = std::function<const char*(const char*)>;
EnvironmentLookup process_environment();

struct SlurmTask {
  std::string job_id;     // SLURM_JOB_ID
  std::string node_name;  // SLURMD_NODENAME
  int proc_id = -1;       // SLURM_PROCID: the task's global rank
  int local_id = -1;      // SLURM_LOCALID: its rank on the node
  int gpus_per_task = 0;  // SLURM_GPUS_PER_TASK: >0 when srun bound GPUs to each task (--gpus-per-task)
  std::string step_gpus;  // SLURM_STEP_GPUS (else SLURM_JOB_GPUS): the node's GPUs this step holds
};

// nullopt outside a Slurm task (no SLURM_JOB_ID, or no SLURM_PROCID: a batch script's own shell is no task).
std::optional<SlurmTask> slurm_task(const EnvironmentLookup& env);

// The Slurm variables a report keeps, those that are set: job, step, name, cluster, partition, node list,
// node name, task ids and GPU binding.
std::map<std::string, std::string> slurm_facts(const EnvironmentLookup& env);

// Which of the GPUs the worker sees this rank takes: with GPUs bound to each task (gpus_per_task > 0) its
// own first one, 0; otherwise the one at its rank on the host, as one rank per GPU places them.
int device_slot(int local_rank, const std::optional<SlurmTask>& slurm);

}  // namespace gpucert::runtime
