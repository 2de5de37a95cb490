// The health checks of each rank's GPU (docs/HEALTH.md), judged from what NVML recorded: the probe's snapshot
// before the suite (RankRecord::probe.health), the one after it (RankRecord::health_after) and the telemetry
// of every measurement (RunReply::telemetry). Pure functions over the record, so every passing and failing
// case is tested from recorded readings, without a GPU. Each returns one Check per native rank; a check whose
// readings NVML could not give is waived with the reason, never passed.
#pragma once

#include <vector>

#include "check.hpp"
#include "run_record.hpp"

namespace gpucert {

// No compute process but gpucert's own workers on the GPU, before, during or after the suite (each other one
// named: pid, command line, memory), no MIG partitioning and no MPS daemon.
std::vector<Check> exclusive_use_checks(const RunRecord& run);
// No uncorrectable ECC error since the driver loaded, no aggregate one during the run, no pending or failed
// row remap or page retirement.
std::vector<Check> memory_error_checks(const RunRecord& run);
// No Xid or double-bit ECC event from NVML's event set while the suite ran.
std::vector<Check> xid_event_checks(const RunRecord& run);
// The link trained, under load, to the generation and width the GPU and slot allow; the pinned host copies
// reach kHostCopyLinkFraction of that link's rate.
std::vector<Check> pcie_checks(const RunRecord& run);
// Every NVLink up before and after; no recovery or CRC error counted during the run.
std::vector<Check> nvlink_checks(const RunRecord& run);
// No measurement ran while a thermal or power-brake slowdown held the clocks down (each such figure named);
// a software power cap is recorded in the evidence, not failed.
std::vector<Check> throttling_checks(const RunRecord& run);

// All of them, in that order: exclusive-use, memory-errors, xid-events, pcie, nvlink, throttling.
std::vector<Check> health_checks(const RunRecord& run);

// The fraction of the negotiated link's raw rate below which a pinned host copy fails the pcie check. Healthy
// GPUs reach 0.80 to 0.92 of it (docs/HEALTH.md); a link that trained down or a slow root port lands well below.
inline constexpr double kHostCopyLinkFraction = 0.70;
// One direction's raw rate of a PCIe link in GB/s, after line encoding: gen 1-2 8b/10b, gen 3-5 128b/130b,
// gen 6 FLIT (242/256). 0 for an unknown generation.
double pcie_link_gbps(int generation, int width);

}  // namespace gpucert
