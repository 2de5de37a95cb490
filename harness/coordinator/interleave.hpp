// How `gpucert run` interleaves environments: a measurement's repetitions split into rounds, the rounds'
// replies joined into one. Pure, so the schedule and the merge are tested without a worker.
#pragma once

#include <cstddef>
#include <vector>

#include "core/protocol.hpp"

namespace gpucert::coordinator {

// Repetitions of each round: `repetitions` split into at most `rounds` near-equal parts, none empty.
std::vector<int> round_repetitions(int repetitions, int rounds);

// The order of `environments` environments in round `round`: a rotation that starts one further each round.
std::vector<std::size_t> round_order(std::size_t environments, std::size_t round);

// Joins a round's reply into the reply so far (empty before the first round): samples appended, the
// verification summed (passed only if every round passed), and the first round that did not succeed decides
// status and message. Details stay those of the first round.
void merge_round(RunReply& so_far, bool first, RunReply round);

}  // namespace gpucert::coordinator
