// The root's answer when ranks stop answering (MpiWorld::gather's stall): the rank table names them, every
// measurement the stall leaves unfinished gets an error record naming them (for each rank that did not
// report, beside the results that did arrive; for every rank when nothing was measured yet), the reports are
// written from what the run has (results.jsonl already holds everything before), and the exit code for
// MPI_Abort comes back.
#pragma once

#include <filesystem>
#include <vector>

#include "core/measurement.hpp"
#include "core/run_record.hpp"
#include "mpi_world.hpp"
#include "progress.hpp"
#include "results_log.hpp"

namespace gpucert::coordinator {

// `arrived_are_results`: the stalled gather carried result records (the measurement loop), which are kept.
int give_up_on_ranks(RunRecord& run, const MpiWorld::Stall& stall, const std::vector<Measurement>& unfinished,
                     bool arrived_are_results, ResultsLog* log, const std::filesystem::path& out_dir,
                     ProgressSink& progress);

}  // namespace gpucert::coordinator
