#include "sampler.hpp"

#include <exception>

#include <benchmark/benchmark.h>

#include "core/statistics.hpp"

namespace gpucert::kernels {
namespace {

// The worker keeps its own records; Google Benchmark's console output would corrupt the protocol stream.
class SilentReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

std::vector<double> sample_device_time(const std::string& name, int warmup, int repetitions,
                                       const std::function<double()>& once) {
  for (int i = 0; i < warmup; ++i) once();

  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(repetitions));
  std::exception_ptr failure;
  benchmark::ClearRegisteredBenchmarks();
  benchmark::RegisterBenchmark(name.c_str(),
                               [&](benchmark::State& state) {
                                 for (auto _ : state) {
                                   try {
                                     const double seconds = once();
                                     state.SetIterationTime(seconds);
                                     samples.push_back(seconds);
                                   } catch (...) {
                                     failure = std::current_exception();
                                     state.SkipWithError("measurement failed");
                                     break;
                                   }
                                 }
                               })
      ->UseManualTime()
      ->Iterations(repetitions)
      ->Repetitions(1);
  SilentReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::ClearRegisteredBenchmarks();
  if (failure) std::rethrow_exception(failure);
  return samples;
}

double median_seconds(const std::vector<double>& samples) { return samples.empty() ? 0 : summarize(samples).median; }

}  // namespace gpucert::kernels
