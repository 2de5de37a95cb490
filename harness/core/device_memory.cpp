#include "device_memory.hpp"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <limits>

#include "flops.hpp"
#include "nccl_bandwidth.hpp"

namespace gpucert {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();

std::uint64_t product(std::initializer_list<std::uint64_t> factors) {
  std::uint64_t out = 1;
  for (auto f : factors)
    if (__builtin_mul_overflow(out, f, &out)) return kSaturated;
  return out;
}

std::uint64_t sum(std::initializer_list<std::uint64_t> terms) {
  std::uint64_t out = 0;
  for (auto t : terms)
    if (__builtin_add_overflow(out, t, &out)) return kSaturated;
  return out;
}

std::optional<std::uint64_t> positive(const nlohmann::json& params, const char* key) {
  if (!params.is_object() || !params.contains(key)) return std::nullopt;
  const auto& v = params[key];
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  const auto n = v.get<std::int64_t>();
  if (n < 0) return std::nullopt;
  return static_cast<std::uint64_t>(n);
}

std::string text(const nlohmann::json& params, const char* key) {
  if (!params.is_object() || !params.contains(key) || !params[key].is_string()) return {};
  return params[key].get<std::string>();
}

// stream (kernels/stream/stream.cu): arrays a, b, c of n elements, a fourth ("previous") for nstream, which
// reads its own output; the verification's tallies and dot's partial sums are a few KiB (1 MiB bounds them).
std::optional<std::uint64_t> stream_bytes(const nlohmann::json& params) {
  const auto n = positive(params, "elements");
  const auto precision = text(params, "precision");
  if (!n || (precision != "fp64" && precision != "fp32")) return std::nullopt;
  const std::uint64_t arrays = text(params, "kernel") == "nstream" ? 4 : 3;
  return sum({product({arrays, *n, precision == "fp64" ? 8u : 4u}), kMiB});
}

// host_copy (kernels/host_copy/host_copy.cu): one device buffer of the whole 8-byte words of `bytes`, and
// an 8-byte mismatch counter.
std::optional<std::uint64_t> host_copy_bytes(const nlohmann::json& params) {
  const auto bytes = positive(params, "bytes");
  if (!bytes) return std::nullopt;
  return *bytes / 8 * 8 + 8;
}

// gemm (kernels/gemm/gemm.cpp): A (M·K), B (K·N) in the input type, D (M·N) in the output type, the
// cuBLASLt workspace (64 MiB, kWorkspaceBytes) and the verifier's samples (at most 256×256 doubles, their
// indices and partials: under 1 MiB; 1 MiB bounds them with fp8's scale).
std::optional<std::uint64_t> gemm_bytes(const nlohmann::json& params) {
  const auto m = positive(params, "m"), n = positive(params, "n"), k = positive(params, "k");
  const auto precision = text(params, "precision");
  std::uint64_t in = 0, out = 0;
  if (precision == "fp64") in = out = 8;
  else if (precision == "fp32" || precision == "tf32") in = out = 4;
  else if (precision == "fp16" || precision == "bf16") in = out = 2;
  else if (precision == "fp8") in = 1, out = 2;  // e4m3 inputs, bf16 output
  if (!m || !n || !k || !in) return std::nullopt;
  return sum({product({*m, *k, in}), product({*k, *n, in}), product({*m, *n, out}), 64 * kMiB, kMiB});
}

// conv (kernels/conv/conv.cpp): x (N·C·H·W), w (K·C·R·S) and y (N·K·P·Q) in the data type (fp32 and tf32
// 4 bytes, fp16 and bf16 2), the verifier's samples (at most 65536 doubles and their tallies: 1 MiB bounds
// them), and the 512 MiB the kernel leaves free for cuDNN (kReservedBytes). The workspace is not counted:
// the kernel only considers plans whose workspace fits what is free after that reserve.
std::optional<std::uint64_t> conv_bytes(const nlohmann::json& params) {
  const auto precision = text(params, "precision");
  std::uint64_t element = 0;
  if (precision == "fp32" || precision == "tf32") element = 4;
  else if (precision == "fp16" || precision == "bf16") element = 2;
  const auto n = positive(params, "n"), c = positive(params, "c"), h = positive(params, "h"),
             w = positive(params, "w"), k = positive(params, "k"), r = positive(params, "r"),
             s = positive(params, "s"), pad = positive(params, "pad"), stride = positive(params, "stride"),
             dilation = positive(params, "dilation");
  if (!element || !n || !c || !h || !w || !k || !r || !s || !pad || !stride || !dilation) return std::nullopt;
  std::uint64_t p = 0, q = 0;
  try {
    p = conv_output_size(*h, *r, *pad, *stride, *dilation);
    q = conv_output_size(*w, *s, *pad, *stride, *dilation);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return sum({product({*n, *c, *h, *w, element}), product({*k, *c, *r, *s, element}),
              product({*n, *k, p, q, element}), kMiB, 512 * kMiB});
}

// nccl (kernels/nccl/nccl_run.cpp): out of place a send and a receive buffer of collective_counts()'s
// elements, in place one buffer of the larger; the data checks' counters are bytes. NCCL's own buffers are
// allocated when the communicator is made, before this request, so free memory already excludes them.
std::optional<std::uint64_t> nccl_bytes(const nlohmann::json& params, int nranks) {
  const auto collective = parse_collective(text(params, "collective"));
  const auto element = nccl_element_bytes(text(params, "precision"));
  const auto bytes = positive(params, "bytes");
  if (!collective || !element || !bytes || nranks < 1) return std::nullopt;
  const bool in_place = params.value("in_place", false);
  CollectiveCounts counts;
  try {
    counts = collective_counts(*collective, *bytes, *element, nranks);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const auto send = product({counts.send, *element}), recv = product({counts.recv, *element});
  return sum({in_place ? std::max(send, recv) : sum({send, recv}), kMiB});
}

}  // namespace

std::optional<std::uint64_t> device_bytes_needed(std::string_view workload, const nlohmann::json& params,
                                                 int nranks) {
  if (workload == "stream") return stream_bytes(params);
  if (workload == "host_copy") return host_copy_bytes(params);
  if (workload == "gemm") return gemm_bytes(params);
  if (workload == "conv") return conv_bytes(params);
  if (workload == "nccl") return nccl_bytes(params, nranks);
  return std::nullopt;
}

std::string format_memory(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  value /= 1024;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char out[32];
  std::snprintf(out, sizeof out, "%.1f %s", value, kUnits[unit]);
  return out;
}

std::optional<std::string> device_memory_refusal(std::string_view what, std::uint64_t needed, std::uint64_t free_bytes,
                                                 std::uint64_t total_bytes, std::string_view gpu) {
  if (sum({needed, kDeviceMemoryMarginBytes}) <= free_bytes) return std::nullopt;
  return std::string(what) + " needs " + format_memory(needed) + " of device memory (and " +
         format_memory(kDeviceMemoryMarginBytes) + " kept for CUDA and its libraries); " + format_memory(free_bytes) +
         " of " + format_memory(total_bytes) + " is free on " + std::string(gpu) +
         "; nothing was allocated (use smaller sizes in the suite, or free the GPU)";
}

}  // namespace gpucert
