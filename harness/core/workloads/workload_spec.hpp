// What core knows of a workload: its name, what it measures, which suite fields it takes, and how one
// suite item expands into measurements. The code that runs it lives in kernels/<workload>/ and never here.
#pragma once

#include <string_view>
#include <vector>

#include "../json_fields.hpp"
#include "../measurement.hpp"

namespace gpucert {

struct ItemDefaults {
  int warmup = 3;
  int repetitions = 20;
  int timeout_s = 0;  // 0: the run's --timeout
};
// The longest deadline a suite may give one measurement: a day.
inline constexpr int kMaxTimeoutSeconds = 86400;

class WorkloadSpec {
 public:
  virtual ~WorkloadSpec() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::string_view description() const = 0;
  // Where the code runs: "worker" (built in) or the plugin's file name, e.g. "libgpucert-gemm.so".
  [[nodiscard]] virtual std::string_view backend() const = 0;
  // Validates one suite item (problems go to item.problems()) and expands it. `warmup` and `repetitions`
  // are already read by the caller; the spec reads its own fields and refuses unknown ones.
  virtual std::vector<Measurement> expand(Fields& item, int warmup, int repetitions) const = 0;
  // The fields this workload accepts besides workload, warmup and repetitions (for refuse_unknown).
  [[nodiscard]] virtual std::vector<std::string_view> fields() const = 0;
};

const std::vector<const WorkloadSpec*>& workload_registry();
const WorkloadSpec* find_workload(std::string_view name);
std::vector<std::string> workload_names();

}  // namespace gpucert
