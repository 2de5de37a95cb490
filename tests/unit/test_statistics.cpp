#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "core/statistics.hpp"

namespace gpucert {
namespace {

TEST(Statistics, OddSampleMedianIsMiddleValue) {
  const std::vector<double> v{5, 1, 3};
  const auto s = summarize(v);
  EXPECT_EQ(s.count, 3u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3);
}

TEST(Statistics, EvenSampleMedianInterpolates) {
  const std::vector<double> v{4, 1, 2, 3};
  EXPECT_DOUBLE_EQ(summarize(v).median, 2.5);
}

TEST(Statistics, P95IsType7Quantile) {
  // numpy.percentile(range(1, 101), 95) == 95.05
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_NEAR(summarize(v).p95, 95.05, 1e-12);
  // Two values: 1 + 0.95 * (2 - 1)
  EXPECT_NEAR(summarize(std::vector<double>{2, 1}).p95, 1.95, 1e-12);
}

TEST(Statistics, StddevAndCoefficientOfVariation) {
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};  // mean 5, sample variance 32/7
  const auto s = summarize(v);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_NEAR(s.stddev, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_NEAR(s.cv, std::sqrt(32.0 / 7.0) / 5.0, 1e-12);
}

TEST(Statistics, SingleSampleHasNoSpread) {
  const auto s = summarize(std::vector<double>{0.25});
  EXPECT_DOUBLE_EQ(s.median, 0.25);
  EXPECT_DOUBLE_EQ(s.p95, 0.25);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
  EXPECT_DOUBLE_EQ(s.cv, 0);
}

TEST(Statistics, RefusesEmptyAndNonFinite) {
  EXPECT_THROW(summarize(std::vector<double>{}), std::invalid_argument);
  EXPECT_THROW(summarize(std::vector<double>{1, std::nan("")}), std::invalid_argument);
  EXPECT_THROW(summarize(std::vector<double>{1, std::numeric_limits<double>::infinity()}), std::invalid_argument);
}

TEST(Statistics, QuantileBounds) {
  const std::vector<double> sorted{1, 2, 3};
  EXPECT_DOUBLE_EQ(quantile(sorted, 0), 1);
  EXPECT_DOUBLE_EQ(quantile(sorted, 1), 3);
  EXPECT_THROW(quantile(sorted, 1.5), std::invalid_argument);
}

}  // namespace
}  // namespace gpucert
