// What core knows of a workload: its name, what it measures, which suite fields it takes, how one suite item
// expands into measurements, how much device memory one needs and how the reports show it. Each workload's
// spec lives in its own folder, kernels/<workload>/spec.cpp, beside the code that runs it; kernels/workloads.cmake
// lists the folders (docs/ARCHITECTURE.md, "Adding a workload"). Nothing outside kernels/<workload>/ names one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "../json_fields.hpp"
#include "../measurement.hpp"

namespace gpucert {

struct ItemDefaults {
  int warmup = 3;
  int repetitions = 20;
  int timeout_s = 0;      // 0: the run's --timeout
  bool flush_l2 = false;  // "l2": "cold"
};
// The limits of an item's warm-up, repetitions and deadline (a day), as suite.cpp checks them and the generated
// schema states them.
inline constexpr int kMaxWarmup = 1000;
inline constexpr int kMaxRepetitions = 100000;
inline constexpr int kMaxTimeoutSeconds = 86400;

// A label the reports take from a result: the value of params[param] when it is a string, else the
// measurement id's '/'-separated segments [first, last).
struct LabelSource {
  std::string param;
  std::size_t first = 1;
  std::size_t last = SIZE_MAX;
};

// How the reports show a workload's verified results (reports/chart_data.cpp, html_report.cpp, markdown_report.cpp).
struct ReportStyle {
  enum class Chart {
    None,
    Bars,      // one bar per (series, category), the median over ranks, slowest to fastest as a whisker
    OverSize,  // one line per id without its size segment, over params.bytes (log scale); bus figures when recorded
  };
  // What a figure is a fraction of in the results tables.
  enum class Limit {
    None,
    DeviceMemory,  // the GPU's theoretical memory bandwidth (probe_report.hpp), also drawn on the chart
    Details,       // the physical limit the kernel recorded in its reply: details.limit_gbps
  };
  Chart chart = Chart::None;
  std::string title;    // "GEMM throughput per precision"
  std::string caption;  // HTML below the chart: what one mark is, the formula behind the figure
  LabelSource series, category;
  bool category_adds_size = false;  // when the run holds several sizes, the category also names the id's last segment
  Limit limit = Limit::None;
};

// What a measurement's performance floor is derived from on a GPU suites/thresholds.json does not list
// (derived_floors.hpp): a fraction of the card's memory bandwidth, or of its dense compute peak in one precision.
// The fraction sits below what a healthy GPU reaches and above what one running well short of its kind does
// (docs/HEALTH.md has the figures).
struct FloorBasis {
  enum class Peak {
    MemoryBandwidth,  // 2 x memory clock x bus width, as CUDA reports them
    DenseCompute,     // SMs x peak SM clock x the architecture's dense FLOP per SM and clock in `precision`
  };
  Peak peak = Peak::MemoryBandwidth;
  double fraction = 0;
  std::string precision;  // DenseCompute: "fp64", "fp16", ...
};

// What runs before a workload's measurements, once per environment, with every rank taking part.
enum class WorkloadSetup {
  None,
  Communicator,  // every rank joins one NCCL communicator (coordinator/nccl_rendezvous.hpp)
  HostGpus,      // one worker per host drives all the host's GPUs (kernels/common/host_scope.hpp): a container
                 // environment is given every GPU the native worker sees
};

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
  // The JSON schema of each field this workload reads besides workload, warmup, repetitions and timeout_s:
  // {"bytes": {"type": "integer", ...}, ...}. suites/suite.schema.json is generated from these (suite_schema.hpp),
  // and a suite item with any other field is refused.
  [[nodiscard]] virtual nlohmann::json field_schema() const = 0;
  // Definitions those fields refer to as "#/$defs/<name>"; a workload's own names start with its name.
  [[nodiscard]] virtual nlohmann::json schema_definitions() const { return nlohmann::json::object(); }
  // The names of field_schema()'s fields.
  [[nodiscard]] std::vector<std::string> fields() const;
  // The device bytes one measurement allocates (device_memory.hpp), every buffer of its kernel; nullopt when
  // the params are not those expand() writes. `nranks`: the size of the communicator it runs in, 1 if none.
  [[nodiscard]] virtual std::optional<std::uint64_t> device_bytes(const nlohmann::json& params, int nranks) const = 0;
  [[nodiscard]] virtual ReportStyle report_style() const { return {}; }
  [[nodiscard]] virtual WorkloadSetup setup() const { return WorkloadSetup::None; }
  // One measurement of this workload as expand() emits it: the caller's id and params, the item's warm-up and
  // repetitions, and the work of one run by the workload's formula (bytes or flop, as `metric` counts it).
  [[nodiscard]] Measurement measurement(std::string id, nlohmann::json params, int warmup, int repetitions,
                                        std::uint64_t work, Metric metric) const;
  // For a workload whose kernel records the physical limit of the link it measured (details.limit_gbps): the
  // fraction of it below which a verified result fails the performance floor when the thresholds name none
  // (derived_floors.hpp). 0: not judged that way.
  [[nodiscard]] virtual double link_floor_fraction() const { return 0; }
  // Whether its kernel honours "l2": "cold" (a measurement with a flushed L2 before each timed run, as nvbench's
  // cold measurement): true for a workload whose timed region reads device memory an L2 could hold. A suite that
  // asks a workload without it for a cold L2 is refused, not run warm.
  [[nodiscard]] virtual bool flushes_l2() const { return false; }
  // Whether the pcie-link health check judges its verified figures against the PCIe link of the one GPU it ran on
  // (health_checks.cpp): a copy between pinned host memory and that GPU alone.
  [[nodiscard]] virtual bool judged_against_own_pcie_link() const { return false; }
  // Why the measurement is judged against no performance floor at all, neither the table's nor a derived one (a
  // size at which a healthy GPU does not reach what the floors describe); nullopt where floors apply.
  [[nodiscard]] virtual std::optional<std::string> why_no_floor(const nlohmann::json& /*params*/) const {
    return std::nullopt;
  }
  // The basis of the measurement's derived floor; nullopt, with `why` saying so, where it has none.
  [[nodiscard]] virtual std::optional<FloorBasis> floor_basis(const nlohmann::json& /*params*/,
                                                              std::string& why) const {
    why = "no derived floor for " + std::string(name());
    return std::nullopt;
  }
};

const std::vector<const WorkloadSpec*>& workload_registry();
const WorkloadSpec* find_workload(std::string_view name);
std::vector<std::string> workload_names();
// Whether a measurement's workload needs the given set-up; false for a workload this build does not know.
bool needs_setup(const Measurement& m, WorkloadSetup setup);
// Whether a measurement's figures are judged against its GPU's own PCIe link; false for a workload this build does
// not know.
bool judged_against_own_pcie_link(const Measurement& m);

// Overflow-safe arithmetic and param readers for device_bytes(): a product or sum that overflows saturates at
// UINT64_MAX, which no GPU has free.
std::uint64_t saturating_product(std::initializer_list<std::uint64_t> factors);
std::uint64_t saturating_sum(std::initializer_list<std::uint64_t> terms);
std::optional<std::uint64_t> count_param(const nlohmann::json& params, const char* key);  // a non-negative integer
std::string text_param(const nlohmann::json& params, const char* key);                    // "" when absent

}  // namespace gpucert

// Registers a workload's spec (in kernels/<workload>/spec.cpp, inside namespace gpucert): defines the accessor
// the generated registry calls, workload_spec_<name>(). The registry lists the workloads of kernels/workloads.cmake.
#define GPUCERT_WORKLOAD_SPEC(name, SpecClass) \
  const WorkloadSpec& workload_spec_##name() { \
    static const SpecClass spec;               \
    return spec;                               \
  }
