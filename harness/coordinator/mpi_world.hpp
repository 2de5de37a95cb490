// The MPI side of the coordinator, kept small: who am I (rank, host, rank on this host), and moving
// strings between ranks. Workers never link MPI; everything they need crosses here as JSON text.
#pragma once

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
  // Every rank's text at the root, in rank order; an empty vector elsewhere.
  std::vector<std::string> gather(const std::string& text) const;

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0;
  std::string host_;
};

}  // namespace gpucert::coordinator
