#include "progress_display.hpp"

#include <unistd.h>

#include <string>

namespace gpucert::cli {

std::string format_duration(double seconds) {
  const auto total = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (total >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", total / 60, total % 60);
  return buf;
}

ProgressDisplay::ProgressDisplay(std::FILE* out)
    : out_(out), terminal_(isatty(fileno(out)) != 0), started_(std::chrono::steady_clock::now()) {}

void ProgressDisplay::end_line() {
  if (line_open_) std::fputc('\n', out_);
  line_open_ = false;
}

void ProgressDisplay::ranks_ready(const std::vector<RankRecord>& ranks) {
  end_line();
  for (const auto& r : ranks) {
    if (r.usable)
      std::fprintf(out_, "rank %d on %s: GPU %d, %s (%s)\n", r.placement.rank, r.placement.host.c_str(),
                   r.placement.device, r.placement.device_name.c_str(), r.placement.device_uuid.c_str());
    else
      std::fprintf(out_, "rank %d on %s: no usable GPU: %s\n", r.placement.rank, r.placement.host.c_str(),
                   r.problem.c_str());
  }
  std::fflush(out_);
  started_ = std::chrono::steady_clock::now();
}

void ProgressDisplay::measurement_started(std::size_t index, std::size_t total, const Measurement& m) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::string left = "estimating";
  if (index > 0)
    left =
        "about " + format_duration(elapsed / static_cast<double>(index) * static_cast<double>(total - index)) + " left";
  if (terminal_) {
    std::fprintf(out_, "\r\033[K[%zu/%zu] %s  (%s elapsed, %s)", index + 1, total, m.id.c_str(),
                 format_duration(elapsed).c_str(), left.c_str());
    line_open_ = true;
  } else {
    std::fprintf(out_, "[%zu/%zu] %s: running (%s elapsed, %s)\n", index + 1, total, m.id.c_str(),
                 format_duration(elapsed).c_str(), left.c_str());
  }
  std::fflush(out_);
}

void ProgressDisplay::measurement_finished(std::size_t index, std::size_t total, const std::vector<ResultRecord>& rs) {
  // A terminal keeps only problems on screen; a log keeps every figure.
  for (const auto& r : rs) {
    const bool problem = r.reply.status != RunStatus::Ok;
    if (terminal_ && !problem) continue;
    end_line();
    char figure[64] = "";
    if (r.figures)
      std::snprintf(figure, sizeof figure, " %.1f %s", r.figures->at_median,
                    std::string(unit_of(r.measurement.metric)).c_str());
    const std::string where = r.environment == "native" ? "" : " in " + r.environment;
    std::fprintf(out_, "[%zu/%zu] %s rank %d%s: %s%s%s%s\n", index + 1, total, r.measurement.id.c_str(),
                 r.placement.rank, where.c_str(), std::string(name_of(r.reply.status)).c_str(), figure,
                 r.reply.message.empty() ? "" : ": ", r.reply.message.c_str());
  }
  if (terminal_ && index + 1 == total) end_line();
  std::fflush(out_);
}

void ProgressDisplay::message(const std::string& text) {
  end_line();
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

}  // namespace gpucert::cli
