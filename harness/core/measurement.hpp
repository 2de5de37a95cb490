// One entry of a plan: what each rank's worker runs once, and how its time becomes a figure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gpucert {

inline constexpr std::int64_t kMiB = 1024 * 1024;
inline constexpr std::int64_t kGiB = 1024 * kMiB;

// How seconds turn into the headline figure of a measurement.
enum class Metric {
  Bandwidth,   // work is bytes; figure in GB/s (1e9 B/s)
  Throughput,  // work is floating-point operations; figure in TFLOP/s (1e12 flop/s)
};

struct Measurement {
  std::string id;         // unique in a plan and stable across runs: "stream/triad/fp64/2GiB"
  std::string workload;   // "stream"
  nlohmann::json params;  // what the worker needs to run it, e.g. {"kernel":"triad","precision":"fp64",...}
  int warmup = 0;
  int repetitions = 0;
  std::uint64_t work = 0;  // bytes or flop per run, by the workload's documented formula
  Metric metric = Metric::Bandwidth;
  // Seconds the worker may take for it (the suite's "timeout_s", per item or in its defaults); 0: the run's
  // --timeout. Past it the worker is killed and the result is "timed_out".
  int timeout_s = 0;
  // Whether the worker evicts the device's L2 before each timed run (the suite's "l2": "cold"; the id ends in
  // "/cold"): the figure of data that starts in device memory, not in the L2 the previous run left warm.
  bool flush_l2 = false;
};

std::string_view unit_of(Metric metric);                           // "GB/s", "TFLOP/s"
std::string_view name_of(Metric metric);                           // "bandwidth", "throughput"
double figure(Metric metric, std::uint64_t work, double seconds);  // the figure for one time

// "2GiB", "256MiB", "4KiB", "1000000B": exact, shortest binary unit that divides the size.
std::string format_bytes(std::uint64_t bytes);

}  // namespace gpucert
