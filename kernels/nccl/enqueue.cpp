#include "enqueue.hpp"

namespace gpucert::kernels::nccl {
namespace {

// Send/recv pairs fused in one group. The group is always closed, even after a failed call inside it: an
// open group would swallow this thread's next NCCL calls.
class Group {
 public:
  explicit Group(Communicator& comm) : comm_(comm) { comm_.check(ncclGroupStart(), "ncclGroupStart"); }
  void add(ncclResult_t result, const char* call) {
    if (result != ncclSuccess && first_ == ncclSuccess) {
      first_ = result;
      call_ = call;
    }
  }
  void end(const char* what) {
    const ncclResult_t ended = ncclGroupEnd();
    if (first_ != ncclSuccess) comm_.check(first_, call_);
    comm_.check(ended, what);
  }

 private:
  Communicator& comm_;
  ncclResult_t first_ = ncclSuccess;
  const char* call_ = "";
};

}  // namespace

void enqueue_collective(const RunPlan& p, std::uint64_t count, const void* send, void* recv, Communicator& comm,
                        cudaStream_t stream) {
  ncclComm_t c = comm.get();
  const std::size_t n = count;
  switch (p.collective) {
    case Collective::AllReduce:
      return comm.check(ncclAllReduce(send, recv, n, p.type, p.nccl_op, c, stream), "ncclAllReduce");
    case Collective::AllGather:
      return comm.check(ncclAllGather(send, recv, n, p.type, c, stream), "ncclAllGather");
    case Collective::ReduceScatter:
      return comm.check(ncclReduceScatter(send, recv, n, p.type, p.nccl_op, c, stream), "ncclReduceScatter");
    case Collective::Broadcast:
      return comm.check(ncclBroadcast(send, recv, n, p.type, p.root, c, stream), "ncclBroadcast");
    case Collective::Reduce:
      return comm.check(ncclReduce(send, recv, n, p.type, p.nccl_op, p.root, c, stream), "ncclReduce");
    case Collective::AllToAll: {
      const std::size_t chunk = n * p.type_bytes;
      Group group(comm);
      for (int peer = 0; peer < comm.nranks(); ++peer) {
        const auto offset = static_cast<std::size_t>(peer) * chunk;
        group.add(ncclSend(static_cast<const char*>(send) + offset, n, p.type, peer, c, stream), "ncclSend");
        group.add(ncclRecv(static_cast<char*>(recv) + offset, n, p.type, peer, c, stream), "ncclRecv");
      }
      return group.end("ncclGroupEnd (alltoall)");
    }
    case Collective::SendRecv: {
      // A ring: rank r sends to r+1 and receives from r-1.
      const int next = (comm.rank() + 1) % comm.nranks();
      const int previous = (comm.rank() - 1 + comm.nranks()) % comm.nranks();
      Group group(comm);
      group.add(ncclSend(send, n, p.type, next, c, stream), "ncclSend");
      group.add(ncclRecv(recv, n, p.type, previous, c, stream), "ncclRecv");
      return group.end("ncclGroupEnd (sendrecv)");
    }
  }
}

}  // namespace gpucert::kernels::nccl
