// Bytes moved per kernel, the convention of BabelStream (each array element read or written once counts
// sizeof(T); caches, write-allocate and ECC are not counted). gpucert reports bandwidth as bytes / time in
// decimal units (1 GB/s = 1e9 B/s), as BabelStream, nvbandwidth and nccl-tests do.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace gpucert {

enum class StreamKernel { Copy, Mul, Add, Triad, Dot, Nstream };

std::optional<StreamKernel> parse_stream_kernel(std::string_view name);
std::string_view name_of(StreamKernel kernel);

// Array traffic of one kernel launch over `elements` items of `element_bytes` each:
//   copy    c[i] = a[i]                 2 arrays  (read a, write c)
//   mul     b[i] = s * c[i]             2 arrays
//   add     c[i] = a[i] + b[i]          3 arrays
//   triad   a[i] = b[i] + s * c[i]      3 arrays
//   dot     sum += a[i] * b[i]          2 arrays  (the partial sums are negligible and not counted)
//   nstream a[i] += b[i] + s * c[i]     4 arrays  (a is read and written)
std::uint64_t stream_bytes(StreamKernel kernel, std::uint64_t elements, std::uint64_t element_bytes);

// Host<->device copies move `bytes` once across the link.
inline std::uint64_t copy_bytes(std::uint64_t bytes) { return bytes; }

// Decimal gigabytes per second; seconds must be positive.
double gigabytes_per_second(std::uint64_t bytes, double seconds);

}  // namespace gpucert
