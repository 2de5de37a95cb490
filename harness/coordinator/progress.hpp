// What the coordinator tells whoever displays progress (the CLI, at the root rank only).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/run_record.hpp"

namespace gpucert::coordinator {

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void ranks_ready(const std::vector<RankRecord>& ranks) = 0;
  virtual void measurement_started(std::size_t index, std::size_t total, const Measurement& m) = 0;
  virtual void measurement_finished(std::size_t index, std::size_t total, const std::vector<ResultRecord>& r) = 0;
  virtual void message(const std::string& text) = 0;
};

}  // namespace gpucert::coordinator
