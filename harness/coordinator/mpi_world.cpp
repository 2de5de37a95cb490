#include "mpi_world.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "runtime/slurm_placement.hpp"

namespace gpucert::coordinator {

MpiWorld::MpiWorld(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
  // Failures inside MPI come back as codes, so they can be reported with context instead of aborting.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &local_rank_);
  MPI_Comm_free(&local);
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_Get_processor_name(name, &length);
  // Under Slurm, the node's name as Slurm knows it: what a report's node verdicts and `scontrol` take.
  if (const auto slurm = runtime::slurm_task(runtime::process_environment()); slurm && !slurm->node_name.empty()) {
    length = static_cast<int>(std::min<std::size_t>(slurm->node_name.size(), MPI_MAX_PROCESSOR_NAME - 1));
    std::fill(name, name + MPI_MAX_PROCESSOR_NAME, '\0');
    std::copy_n(slurm->node_name.data(), length, name);
  }
  host_.assign(name, static_cast<std::size_t>(length));
  // Every rank is alive here (MPI_Init just returned everywhere), so a blocking exchange is safe.
  std::vector<char> names(static_cast<std::size_t>(size_) * MPI_MAX_PROCESSOR_NAME, '\0');
  MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, names.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD);
  for (int r = 0; r < size_; ++r)
    hosts_.emplace_back(names.data() + static_cast<std::size_t>(r) * MPI_MAX_PROCESSOR_NAME);
}

MpiWorld::~MpiWorld() { MPI_Finalize(); }

std::string MpiWorld::broadcast(const std::string& text) const {
  int length = static_cast<int>(text.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string out = root() ? text : std::string(static_cast<std::size_t>(length), '\0');
  if (length > 0) MPI_Bcast(out.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  return out;
}

int MpiWorld::broadcast(int value) const {
  MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return value;
}

namespace {

constexpr int kTagLength = 7001;
constexpr int kTagText = 7002;

}  // namespace

std::vector<std::string> MpiWorld::gather(const std::string& text, const StallHandler& on_stall) const {
  if (!root()) {
    // Small parts go out eagerly; a large one waits here until the root, polling, posts its receive.
    int length = static_cast<int>(text.size());
    MPI_Send(&length, 1, MPI_INT, 0, kTagLength, MPI_COMM_WORLD);
    if (length > 0) MPI_Send(text.data(), length, MPI_CHAR, 0, kTagText, MPI_COMM_WORLD);
    return {};
  }
  const auto n = static_cast<std::size_t>(size_);
  std::vector<std::string> parts(n);
  parts[0] = text;
  std::vector<int> lengths(n, 0);
  std::vector<MPI_Request> requests(n, MPI_REQUEST_NULL);
  enum class Part { Length, Text, Done };
  std::vector<Part> state(n, Part::Length);
  state[0] = Part::Done;
  for (std::size_t r = 1; r < n; ++r)
    MPI_Irecv(&lengths[r], 1, MPI_INT, static_cast<int>(r), kTagLength, MPI_COMM_WORLD, &requests[r]);

  const auto deadline = std::chrono::steady_clock::now() + rank_timeout_;
  auto pause = std::chrono::microseconds(10);
  for (;;) {
    std::size_t done = 0;
    for (std::size_t r = 1; r < n; ++r) {
      if (state[r] == Part::Done) {
        ++done;
        continue;
      }
      int complete = 0;
      MPI_Test(&requests[r], &complete, MPI_STATUS_IGNORE);
      if (!complete) continue;
      if (state[r] == Part::Length && lengths[r] > 0) {
        parts[r].resize(static_cast<std::size_t>(lengths[r]));
        MPI_Irecv(parts[r].data(), lengths[r], MPI_CHAR, static_cast<int>(r), kTagText, MPI_COMM_WORLD, &requests[r]);
        state[r] = Part::Text;
      } else {
        state[r] = Part::Done;
        ++done;
      }
    }
    if (done + 1 == n) return parts;
    if (std::chrono::steady_clock::now() > deadline) break;
    // Waiting on a long measurement elsewhere need not cost a core: back off to a millisecond.
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }

  Stall stall;
  std::string names;
  for (std::size_t r = 1; r < n; ++r) {
    if (state[r] == Part::Done) continue;
    stall.missing.push_back(static_cast<int>(r));
    names += std::string(names.empty() ? "" : ", ") + "rank " + std::to_string(r) + " on host " + hosts_[r];
  }
  for (std::size_t r = 0; r < n; ++r) stall.arrived.push_back(state[r] == Part::Done ? parts[r] : std::string());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(rank_timeout_).count();
  stall.message = names + " sent nothing within " + std::to_string(seconds) +
                  " s (--rank-timeout): hung, or its host unreachable; giving up on the job";
  std::fprintf(stderr, "gpucert: %s\n", stall.message.c_str());
  std::fflush(stderr);
  abort(on_stall ? on_stall(stall) : 1);
}

void MpiWorld::abort(int code) const {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);  // MPI_Abort does not return; should it, nothing here may go on
}

}  // namespace gpucert::coordinator
