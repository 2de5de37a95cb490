// The MPI side of the coordinator, kept small: who am I (rank, host, rank on this host), and moving
// strings between ranks. Workers never link MPI; everything they need crosses here as JSON text.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace gpucert::coordinator {

class MpiWorld {
 public:
  // Initialises MPI (a singleton when started without mpirun) and finds the local rank by a shared-memory
  // split of MPI_COMM_WORLD, which works under any launcher (mpirun, srun, a hostfile).
  MpiWorld(int* argc, char*** argv);
  ~MpiWorld();
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  [[nodiscard]] int local_rank() const { return local_rank_; }
  [[nodiscard]] const std::string& host() const { return host_; }
  [[nodiscard]] bool root() const { return rank_ == 0; }

  // Root's text, on every rank.
  std::string broadcast(const std::string& text) const;
  int broadcast(int value) const;
  // Every rank's host, in rank order, on every rank: how a rank that stops answering is named.
  [[nodiscard]] const std::vector<std::string>& hosts() const { return hosts_; }

  // Ranks that did not send their part of a gather within the rank timeout.
  struct Stall {
    std::vector<int> missing;
    std::string message;               // "rank 1 on host h2 sent nothing within 900 s (--rank-timeout) ..."
    std::vector<std::string> arrived;  // by rank; empty for the missing ones
  };
  // Called at the root with the ranks that stalled, before the job is aborted; returns the exit code.
  using StallHandler = std::function<int(const Stall&)>;

  // How long the root waits for a rank in gather before it gives up on the job (default 900 s).
  void set_rank_timeout(std::chrono::milliseconds timeout) { rank_timeout_ = timeout; }
  [[nodiscard]] std::chrono::milliseconds rank_timeout() const { return rank_timeout_; }

  // Every rank's text at the root, in rank order; an empty vector elsewhere. A rank that dies takes the job
  // down with it (mpirun, srun); one that hangs would hang the root in a plain MPI_Gather, so the root
  // receives each rank's part on its own and polls against the rank timeout. When it passes, the root
  // names the missing ranks (stderr, and `on_stall`, which writes what the run has) and calls MPI_Abort.
  std::vector<std::string> gather(const std::string& text, const StallHandler& on_stall = {}) const;

  // Ends every rank of the job with `code` (MPI_Abort).
  [[noreturn]] void abort(int code) const;

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0;
  std::string host_;
  std::vector<std::string> hosts_;
  std::chrono::milliseconds rank_timeout_{std::chrono::seconds(900)};
};

}  // namespace gpucert::coordinator
