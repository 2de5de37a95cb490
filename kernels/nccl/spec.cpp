// nccl: collectives across every rank of the run, one communicator spanning all hosts (and, with "split", per
// node and per node pair: nccl_split.hpp), swept over message
// sizes as nccl-tests' -b/-e/-f/-i do. Sizes, algbw and busbw follow nccl_bandwidth.hpp.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/nccl_bandwidth.hpp"
#include "core/nccl_split.hpp"
#include "core/workloads/workload_spec.hpp"

namespace gpucert {
namespace {

constexpr std::int64_t kMaxMessageBytes = 64 * kGiB;  // beyond any single GPU's memory for two buffers
constexpr std::size_t kMaxSizesPerItem = 1024;        // a step sweep can otherwise ask for millions

// False when a field is present but could not be read (its problem is already recorded); an absent
// field reads as "not given", never as a failure.
bool read_all(const Fields& item, std::initializer_list<std::pair<const char*, bool>> fields) {
  bool good = true;
  for (const auto& [key, read] : fields) good = good && (read || !item.has(key));
  return good;
}

std::optional<bool> read_flag(Fields& item, const char* key) {
  if (!item.has(key)) return std::nullopt;
  const auto& value = item.object()[key];
  if (!value.is_boolean()) {
    item.problems().add(item.path_of(key), "expected true or false, got " + json_type_name(value));
    return std::nullopt;
  }
  return value.get<bool>();
}

std::optional<std::string> read_reduction(Fields& item) {
  auto text = item.text("reduction", false);
  if (!text) return std::nullopt;
  const auto& known = nccl_reductions();
  if (std::find(known.begin(), known.end(), *text) == known.end()) {
    item.problems().add(item.path_of("reduction"),
                        "unknown reduction '" + *text + "' (expected one of " + join(known, ", ") + ")");
    return std::nullopt;
  }
  return text;
}

struct Sweep {
  std::vector<std::uint64_t> sizes;
  bool good = true;
};

// begin_bytes, end_bytes and factor or step_bytes; nccl-tests' defaults, one 32 MiB size, when absent.
Sweep read_sweep(Fields& item) {
  Sweep sweep;
  auto begin = item.integer("begin_bytes", false, 1, kMaxMessageBytes, "bytes");
  auto end = item.integer("end_bytes", false, 1, kMaxMessageBytes, "bytes");
  auto factor = item.integer("factor", false, 2, 1024);
  auto step = item.integer("step_bytes", false, 1, kMaxMessageBytes, "bytes");
  sweep.good = read_all(item, {{"begin_bytes", begin.has_value()},
                               {"end_bytes", end.has_value()},
                               {"factor", factor.has_value()},
                               {"step_bytes", step.has_value()}});
  if (item.has("factor") && item.has("step_bytes")) {
    item.problems().add(item.path_of("step_bytes"),
                        "give either factor (multiply, nccl-tests -f) or step_bytes (add, nccl-tests -i), not both");
    sweep.good = false;
  }
  if (!sweep.good) return sweep;
  const auto first = static_cast<std::uint64_t>(begin.value_or(32 * kMiB));
  const auto last = static_cast<std::uint64_t>(end.value_or(static_cast<std::int64_t>(first)));
  if (last < first) {
    item.problems().add(item.path_of("end_bytes"), "the sweep ends at " + std::to_string(last) +
                                                       " bytes, below its beginning (begin_bytes " +
                                                       std::to_string(first) + ")");
    sweep.good = false;
    return sweep;
  }
  // The count is known before anything is listed: a step sweep over 64 GiB would otherwise list billions of sizes
  // before the cap could refuse it.
  if (step) {
    const auto count = (last - first) / static_cast<std::uint64_t>(*step) + 1;
    if (count > kMaxSizesPerItem) {
      item.problems().add(item.path_of("step_bytes"), "the sweep has " + std::to_string(count) + " sizes; at most " +
                                                          std::to_string(kMaxSizesPerItem) +
                                                          " per item (use a larger step or a factor)");
      sweep.good = false;
      return sweep;
    }
  }
  sweep.sizes = message_sizes(first, last, step ? 1 : static_cast<std::uint64_t>(factor.value_or(2)),
                              static_cast<std::uint64_t>(step.value_or(0)));
  if (sweep.sizes.size() > kMaxSizesPerItem) {
    item.problems().add(item.path_of("step_bytes"), "the sweep has " + std::to_string(sweep.sizes.size()) +
                                                        " sizes; at most " + std::to_string(kMaxSizesPerItem) +
                                                        " per item (use a larger step or a factor)");
    sweep.good = false;
  }
  return sweep;
}

// "all_reduce" for sum, "all_reduce.max" otherwise: the reduction is part of what is measured.
std::string collective_label(Collective c, const std::string& reduction) {
  std::string label(name_of(c));
  if (is_reducing(c) && reduction != "sum") label += "." + reduction;
  return label;
}

constexpr std::int64_t kMaxPairRounds = 64;
constexpr int kDefaultPairRounds = 3;

// The same collective per node and per node pair (nccl_split.hpp), after the one over all ranks: split
// communicators are made from the run's, so it has made its connections first. Each pair round is a
// measurement of its own (every rank takes part in each), compared with the other rounds under one group.
void add_splits(Measurement world,  // a copy: `out` may move its elements
                const std::vector<std::string>& splits, int pair_rounds, std::vector<Measurement>& out) {
  for (const auto& scope : splits) {
    const int rounds = scope == "pair" ? pair_rounds : 1;
    for (int round = 1; round <= rounds; ++round) {
      Measurement m = world;
      m.id += scope == "node" ? "/per_node" : "/per_pair/round" + std::to_string(round);
      m.params["split"] = split_params(scope, world.id, round, rounds);
      out.push_back(std::move(m));
    }
  }
}

class NcclSpec final : public WorkloadSpec {
 public:
  std::string_view name() const override { return "nccl"; }
  std::string_view description() const override {
    return "NCCL collectives across all ranks and hosts (all_reduce, all_gather, reduce_scatter, broadcast, reduce, "
           "alltoall, sendrecv), algbw and busbw as nccl-tests defines them, GB/s; with split, also per node and per "
           "node "
           "pair, to find a slow node or link";
  }
  std::string_view backend() const override { return "libgpucert-nccl.so"; }
  nlohmann::json field_schema() const override {
    return nlohmann::json::parse(R"json({
    "collectives": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["all_reduce", "all_gather", "reduce_scatter", "broadcast", "reduce", "alltoall", "sendrecv"]}, "description": "default: all seven (all but alltoall and sendrecv when in_place)"},
    "precisions": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["fp32", "fp16", "bf16", "fp64", "int32"]}, "description": "default [\"fp32\"]"},
    "reduction": {"enum": ["sum", "prod", "max", "min", "avg"], "description": "for all_reduce, reduce_scatter and reduce (nccl-tests -o); default sum"},
    "begin_bytes": {"type": "integer", "minimum": 1, "maximum": 68719476736, "description": "first message size (nccl-tests -b); default 32 MiB"},
    "end_bytes": {"type": "integer", "minimum": 1, "maximum": 68719476736, "description": "last message size (nccl-tests -e); default begin_bytes"},
    "factor": {"type": "integer", "minimum": 2, "maximum": 1024, "description": "multiply the size by this (nccl-tests -f); default 2; not with step_bytes"},
    "step_bytes": {"type": "integer", "minimum": 1, "maximum": 68719476736, "description": "add this to the size (nccl-tests -i); not with factor"},
    "in_place": {"type": "boolean", "description": "send buffer inside the receive buffer; default false"},
    "graph": {"type": "boolean", "description": "capture the timed collectives in a CUDA graph and replay it (nccl-tests -G); default false"},
    "iterations": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "back-to-back collectives per timed sample, whose average time is the sample (nccl-tests -n); default 20"},
    "split": {"type": "array", "uniqueItems": true, "items": {"enum": ["node", "pair"]}, "description": "also run each collective per node (<id>/per_node: every node's GPUs on their own) and per node pair (<id>/per_pair/round<k>: each node with a different partner each round), to isolate a slow node or link (docs/CLUSTER.md)"},
    "pair_rounds": {"type": "integer", "minimum": 1, "maximum": 64, "description": "rounds of node pairs for split \"pair\": each node is measured with this many partners (at most nodes - 1); default 3"}
    })json");
  }

  // The kernel (nccl_run.cpp) allocates out of place a send and a receive buffer of collective_counts()'s
  // elements, in place one buffer of the larger; the data checks' counters are bytes. NCCL's own buffers are
  // allocated when the communicator is made, before this request, so free memory already excludes them.
  std::optional<std::uint64_t> device_bytes(const nlohmann::json& params, int nranks) const override {
    const auto collective = parse_collective(text_param(params, "collective"));
    const auto element = nccl_element_bytes(text_param(params, "precision"));
    const auto bytes = count_param(params, "bytes");
    if (!collective || !element || !bytes || nranks < 1) return std::nullopt;
    const bool in_place = params.value("in_place", false);
    CollectiveCounts counts;
    try {
      counts = collective_counts(*collective, *bytes, *element, nranks);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    const auto send = saturating_product({counts.send, *element}), recv = saturating_product({counts.recv, *element});
    return saturating_sum({in_place ? std::max(send, recv) : saturating_sum({send, recv}), kMiB});
  }

  ReportStyle report_style() const override {
    ReportStyle style;
    style.chart = ReportStyle::Chart::OverSize;
    style.title = "NCCL bus bandwidth over message size";
    style.caption =
        "NCCL bus bandwidth (nccl-tests' busbw) over message size, one line per collective, median over ranks.";
    return style;
  }
  WorkloadSetup setup() const override { return WorkloadSetup::Communicator; }

  std::vector<Measurement> expand(Fields& item, int warmup, int repetitions) const override {
    std::vector<std::string> all_names;
    for (auto c : all_collectives()) all_names.emplace_back(name_of(c));
    auto names = item.names("collectives", false, all_names, "collective");
    auto precisions = item.names("precisions", false, nccl_precisions(), "precision");
    auto reduction = read_reduction(item);
    auto in_place = read_flag(item, "in_place");
    auto graph = read_flag(item, "graph");
    auto iterations = item.integer("iterations", false, 1, 100000, "collectives per timed sample");
    auto sweep = read_sweep(item);
    auto split = item.names("split", false, {"node", "pair"}, "split");
    auto pair_rounds = item.integer("pair_rounds", false, 1, kMaxPairRounds, "rounds of node pairs");
    bool good = read_all(item, {{"collectives", names.has_value()},
                                {"precisions", precisions.has_value()},
                                {"reduction", reduction.has_value()},
                                {"in_place", in_place.has_value()},
                                {"graph", graph.has_value()},
                                {"iterations", iterations.has_value()},
                                {"split", split.has_value()},
                                {"pair_rounds", pair_rounds.has_value()}}) &&
                sweep.good;
    if (!good) return {};

    std::vector<Collective> collectives;
    for (const auto& n : names.value_or(all_names)) collectives.push_back(*parse_collective(n));
    if (in_place.value_or(false)) {
      if (names) {
        for (auto c : collectives)
          if (!has_in_place(c)) {
            item.problems().add(item.path_of("in_place"), std::string(name_of(c)) +
                                                              " has no in-place form (NCCL's send/recv pairs need "
                                                              "separate buffers); list it in an item without in_place");
            good = false;
          }
      } else {
        std::erase_if(collectives, [](Collective c) { return !has_in_place(c); });
      }
    }
    if (reduction && std::none_of(collectives.begin(), collectives.end(), is_reducing)) {
      item.problems().add(item.path_of("reduction"),
                          "only all_reduce, reduce_scatter and reduce take a reduction, and none is listed");
      good = false;
    }
    const auto splits = split.value_or(std::vector<std::string>{});
    if (pair_rounds && std::find(splits.begin(), splits.end(), "pair") == splits.end()) {
      item.problems().add(item.path_of("pair_rounds"),
                          "pair_rounds counts the rounds of a \"pair\" split, and "
                          "split does not list \"pair\"");
      good = false;
    }
    if (!good) return {};

    const std::string op = reduction.value_or("sum");
    std::vector<Measurement> out;
    for (auto c : collectives) {
      for (const auto& precision : precisions.value_or(std::vector<std::string>{"fp32"})) {
        for (auto bytes : sweep.sizes) {
          Measurement m;
          m.id = "nccl/" + collective_label(c, op) + "/" + precision + "/" + format_bytes(bytes);
          if (in_place.value_or(false)) m.id += "/in_place";
          if (graph.value_or(false)) m.id += "/graph";
          m.workload = "nccl";
          m.params = {{"collective", name_of(c)},
                      {"precision", precision},
                      {"bytes", bytes},
                      {"in_place", in_place.value_or(false)},
                      {"graph", graph.value_or(false)},
                      {"iterations", iterations.value_or(20)},
                      {"root", 0}};
          if (is_reducing(c)) m.params["reduction"] = op;
          m.warmup = warmup;
          m.repetitions = repetitions;
          // The sweep size: S of algbw whenever the size splits evenly over the ranks. The record replaces
          // it with S for the number of ranks its reply reports (nccl_figures.hpp): the plan cannot know it.
          m.work = bytes;
          m.metric = Metric::Bandwidth;
          out.push_back(std::move(m));
          add_splits(out.back(), splits, static_cast<int>(pair_rounds.value_or(kDefaultPairRounds)), out);
        }
      }
    }
    return out;
  }
};

}  // namespace

GPUCERT_WORKLOAD_SPEC(nccl, NcclSpec)

}  // namespace gpucert
