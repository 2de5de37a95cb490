// Repetitions of one measurement, driven by Google Benchmark's manual-time runner: `once` does the work
// and returns the device time it measured (CUDA events); every sample is kept, in order.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace gpucert::kernels {

// Runs `once` `warmup` times (discarded), then `repetitions` times. Exceptions from `once` propagate.
std::vector<double> sample_device_time(const std::string& name, int warmup, int repetitions,
                                       const std::function<double()>& once);

// The median of `samples` (core's summarize(), reachable from CUDA sources, which build as C++17); 0 when empty.
double median_seconds(const std::vector<double>& samples);

}  // namespace gpucert::kernels
