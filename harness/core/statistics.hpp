// Summary statistics of a sample set, as every report prints them.
#pragma once

#include <cstddef>
#include <span>

namespace gpucert {

struct Summary {
  std::size_t count = 0;
  double min = 0, max = 0, mean = 0, median = 0;
  double p95 = 0;     // 95th percentile, linear interpolation between order statistics (Hyndman-Fan type 7)
  double stddev = 0;  // sample standard deviation (n - 1)
  double cv = 0;      // coefficient of variation: stddev / mean; 0 when mean is 0
};

// Throws std::invalid_argument on an empty sample or a non-finite value: a NaN time is a bug upstream,
// never something to average away.
Summary summarize(std::span<const double> samples);

// Quantile q in [0, 1] by linear interpolation (type 7, as numpy's default).
double quantile(std::span<const double> sorted, double q);

}  // namespace gpucert
