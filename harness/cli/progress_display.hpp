// Progress at the root rank: on a terminal one line redrawn in place (item i of n, what runs, time left);
// in a pipe or a log, one plain line per event.
#pragma once

#include <chrono>
#include <cstdio>

#include "coordinator/progress.hpp"

namespace gpucert::cli {

class ProgressDisplay final : public coordinator::ProgressSink {
 public:
  explicit ProgressDisplay(std::FILE* out);
  void ranks_ready(const std::vector<RankRecord>& ranks) override;
  void measurement_started(std::size_t index, std::size_t total, const Measurement& m) override;
  void measurement_finished(std::size_t index, std::size_t total, const std::vector<ResultRecord>& r) override;
  void message(const std::string& text) override;

 private:
  void end_line();
  std::FILE* out_;
  bool terminal_;
  bool line_open_ = false;
  std::chrono::steady_clock::time_point started_;
};

// "1:05" for 65 seconds.
std::string format_duration(double seconds);

}  // namespace gpucert::cli
