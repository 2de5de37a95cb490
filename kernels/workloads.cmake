# gpucert's workloads, one line each, in the order `gpucert list` shows them. Everything else about a workload lives
# in kernels/<name>/: spec.cpp (CUDA-free, linked into core: fields, expansion, formulas, device memory, report
# style), the kernel or plugin, and a CMakeLists.txt that builds it (docs/ARCHITECTURE.md, "Adding a workload").
# WORKER: built into gpucert-worker; the folder's library gpucert_<name> defines gpucert::kernels::run_<name>.
# Without it the folder builds a plugin, which names the workloads it serves.
gpucert_workload(stream WORKER)
gpucert_workload(host_copy WORKER)
gpucert_workload(gemm)
gpucert_workload(conv)
gpucert_workload(nccl)
gpucert_workload(peer_copy WORKER)
gpucert_workload(host_copy_all WORKER)
