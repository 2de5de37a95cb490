// The values every rank sends and the values every output must then hold, both pure functions of (seed,
// rank, element index) computed on the device, so any size is verified exactly without a host copy or a
// stored reference. Reductions use small integers, exact in every type whatever the order NCCL reduces in:
//   sum   rank r holds a(e) + [r = e mod n]       -> n·a(e) + 1
//   max   a(e) + [r = e mod n]                    -> a(e) + 1
//   min   a(e) + 1 − [r = e mod n]                -> a(e)
//   prod  2 on rank e mod n, −1 on rank (e+1) mod n, else 1   -> −2 (2 for one rank)
//   avg   a(e) on every rank                      -> a(e)
// with a(e) = 1 + hash(seed, e) mod spread: each element has one rank whose part differs, so a rank whose
// data is lost, doubled or misplaced changes the result. Data movement (all_gather, broadcast, alltoall,
// sendrecv) uses integers in [−125, 125] that differ by rank and element, exact even in bf16.
// Compiled by nvcc: C++17, CUDA types only.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

namespace gpucert::kernels::nccl {

enum class Element { F32, F16, BF16, F64, I32 };
enum class Op { Sum, Prod, Max, Min, Avg, None };  // None: data movement, nothing reduced

struct Values {
  Element type = Element::F32;
  Op op = Op::None;
  int nranks = 1;
  std::uint64_t seed = 1;
  std::uint32_t spread = 8;  // a(e) in [1, spread]
};

// The largest spread that keeps n·spread + 1 exact in `type` (at most 8); 0 when even spread 1 cannot
// (bf16 beyond 255 ranks, fp16 beyond 2047).
std::uint32_t exact_sum_spread(Element type, int nranks);

// out[e] = this rank's value of element e, for e < elements.
void fill_inputs(void* out, std::uint64_t elements, const Values& v, int rank, cudaStream_t stream);

// Where output element i comes from. Reductions: element i + offset of the reduced array. Data movement:
// element (block ? i mod block : i) + offset of rank (block ? i / block : rank).
struct Source {
  std::uint64_t block = 0;
  int rank = 0;
  std::uint64_t offset = 0;
};

struct Check {
  std::uint64_t mismatches = 0;
  double max_rel_error = 0;  // largest |got − expected| / |expected|; infinite for NaN or infinity
};

// Compares out[0, elements) with the expected values; `tolerance` is relative, 0 for exact equality.
Check check_outputs(const void* out, std::uint64_t elements, const Values& v, const Source& source, double tolerance,
                    cudaStream_t stream);

}  // namespace gpucert::kernels::nccl
