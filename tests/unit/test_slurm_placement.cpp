// Placement from Slurm's task environment (runtime/slurm_placement.hpp), from plain variable maps.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "runtime/slurm_placement.hpp"

namespace gpucert::runtime {
namespace {

EnvironmentLookup lookup(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

const std::map<std::string, std::string> kTask{{"SLURM_JOB_ID", "4242"},
                                               {"SLURM_STEP_ID", "0"},
                                               {"SLURM_JOB_NAME", "gpucert-acceptance"},
                                               {"SLURM_CLUSTER_NAME", "hopper"},
                                               {"SLURM_JOB_PARTITION", "gpu"},
                                               {"SLURM_JOB_NODELIST", "dgx[001-002]"},
                                               {"SLURMD_NODENAME", "dgx002"},
                                               {"SLURM_PROCID", "13"},
                                               {"SLURM_LOCALID", "5"},
                                               {"SLURM_NTASKS", "16"},
                                               {"SLURM_STEP_GPUS", "0,1,2,3,4,5,6,7"},
                                               {"HOME", "/root"}};

TEST(SlurmPlacement, ATaskReadsItsNodeRankAndGpus) {
  const auto task = slurm_task(lookup(kTask));
  ASSERT_TRUE(task);
  EXPECT_EQ(task->job_id, "4242");
  EXPECT_EQ(task->node_name, "dgx002");
  EXPECT_EQ(task->proc_id, 13);
  EXPECT_EQ(task->local_id, 5);
  EXPECT_EQ(task->gpus_per_task, 0);
  EXPECT_EQ(task->step_gpus, "0,1,2,3,4,5,6,7");
  // Every task sees the node's GPUs: the one at its rank on the node.
  EXPECT_EQ(device_slot(5, task), 5);
}

TEST(SlurmPlacement, GpusBoundPerTaskMeanTheTasksOwnFirstGpu) {
  auto vars = kTask;
  vars["SLURM_GPUS_PER_TASK"] = "1";
  vars["CUDA_VISIBLE_DEVICES"] = "0";
  const auto task = slurm_task(lookup(vars));
  ASSERT_TRUE(task);
  EXPECT_EQ(task->gpus_per_task, 1);
  EXPECT_EQ(device_slot(5, task), 0);
}

TEST(SlurmPlacement, OutsideATaskThereIsNoPlacement) {
  EXPECT_FALSE(slurm_task(lookup({{"HOME", "/root"}})));
  // A batch script's own shell has a job but is no task of a step.
  EXPECT_FALSE(slurm_task(lookup({{"SLURM_JOB_ID", "4242"}})));
  EXPECT_EQ(device_slot(3, std::nullopt), 3);
  EXPECT_TRUE(slurm_facts(lookup({{"CUDA_VISIBLE_DEVICES", "0"}})).empty());
}

TEST(SlurmPlacement, FactsKeepTheJobAndBindingOnly) {
  const auto facts = slurm_facts(lookup(kTask));
  EXPECT_EQ(facts.at("SLURM_JOB_ID"), "4242");
  EXPECT_EQ(facts.at("SLURM_CLUSTER_NAME"), "hopper");
  EXPECT_EQ(facts.at("SLURMD_NODENAME"), "dgx002");
  EXPECT_EQ(facts.count("HOME"), 0u);
}

TEST(SlurmPlacement, UnreadableNumbersAreUnknown) {
  auto vars = kTask;
  vars["SLURM_LOCALID"] = "five";
  vars["SLURM_GPUS_PER_TASK"] = "2(x4)";
  const auto task = slurm_task(lookup(vars));
  ASSERT_TRUE(task);
  EXPECT_EQ(task->local_id, -1);
  EXPECT_EQ(task->gpus_per_task, 0);
}

}  // namespace
}  // namespace gpucert::runtime
