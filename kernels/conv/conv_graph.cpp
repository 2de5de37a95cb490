// The only translation unit that includes cudnn_frontend.h. It is compiled with
// CUDNN_FRONTEND_SKIP_JSON_LIB: the frontend otherwise brings its own copy of nlohmann/json and specialises
// its float serializer globally, which must never meet the protocol code's nlohmann/json (one definition
// rule). Nothing here includes a gpucert header that pulls JSON in.
#include "conv_graph.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include <cudnn_frontend.h>

namespace gpucert::kernels::conv {
namespace fe = cudnn_frontend;

namespace {

// One uid per tensor role (conv_problem.hpp), whichever direction reads or writes it: dx is kUidX, dw kUidW, dy
// kUidY, so that execute() packs the same three buffers for every graph.
constexpr std::int64_t kUidX = 1, kUidW = 2, kUidY = 3;
constexpr std::size_t kRejectionsKept = 8;  // enough to see why engines were dropped; the count says the rest

fe::DataType_t io_type(ConvPrecision precision) {
  switch (precision) {
    case ConvPrecision::Fp16:
      return fe::DataType_t::HALF;
    case ConvPrecision::Bf16:
      return fe::DataType_t::BFLOAT16;
    default:
      return fe::DataType_t::FLOAT;
  }
}

// Channels-last strides for a tensor of logical dimensions {outer, channels, rows, cols}.
std::vector<std::int64_t> channels_last(std::int64_t channels, std::int64_t rows, std::int64_t cols) {
  return {channels * rows * cols, 1, cols * channels, channels};
}

// Frontend statuses that mean "cuDNN cannot do this here" rather than "something broke".
bool means_unsupported(fe::error_t& status) {
  const auto code = status.get_code();
  return code == fe::error_code_t::GRAPH_NOT_SUPPORTED || code == fe::error_code_t::HEURISTIC_QUERY_FAILED ||
         code == fe::error_code_t::GRAPH_EXECUTION_PLAN_CREATION_FAILED ||
         status.get_message().find("NOT_SUPPORTED") != std::string::npos;
}

void require(fe::error_t status, const char* step) {
  if (status.is_good()) return;
  const std::string what = std::string("cudnn-frontend ") + step + ": " + status.get_message();
  if (means_unsupported(status)) throw ConvUnsupported(what);
  throw std::runtime_error(what);
}

// The graph, with each offered engine config's numerical notes readable: the frontend keeps them on its plan list
// (filtered on by deselect_numeric_notes) but has no accessor for them, and a plan the filters exclude should say
// which notes excluded it.
class NotedGraph final : public fe::graph::Graph {
 public:
  [[nodiscard]] std::vector<fe::NumericalNote_t> numerical_notes(std::size_t index) const {
    return index < plans.numeric_notes.size() ? plans.numeric_notes[index] : std::vector<fe::NumericalNote_t>{};
  }
};

// cuDNN's names for the notes (CUDNN_NUMERICAL_NOTE_*), without the frontend's JSON support, which this build
// leaves out.
const char* name_of(fe::NumericalNote_t note) {
  switch (note) {
    case fe::NumericalNote_t::TENSOR_CORE:
      return "TENSOR_CORE";
    case fe::NumericalNote_t::DOWN_CONVERT_INPUTS:
      return "DOWN_CONVERT_INPUTS";
    case fe::NumericalNote_t::REDUCED_PRECISION_REDUCTION:
      return "REDUCED_PRECISION_REDUCTION";
    case fe::NumericalNote_t::FFT:
      return "FFT";
    case fe::NumericalNote_t::NONDETERMINISTIC:
      return "NONDETERMINISTIC";
    case fe::NumericalNote_t::WINOGRAD:
      return "WINOGRAD";
    case fe::NumericalNote_t::WINOGRAD_TILE_4x4:
      return "WINOGRAD_TILE_4x4";
    case fe::NumericalNote_t::WINOGRAD_TILE_6x6:
      return "WINOGRAD_TILE_6x6";
    case fe::NumericalNote_t::WINOGRAD_TILE_13x13:
      return "WINOGRAD_TILE_13x13";
    case fe::NumericalNote_t::STRICT_NAN_PROP:
      return "STRICT_NAN_PROP";
    case fe::NumericalNote_t::NOT_SET:
      break;
  }
  return "NOT_SET";
}

// Why gpucert's filters exclude a config with these notes, or "" when its notes do not (the workspace limit
// did, or a note filter this code does not apply).
std::string exclusion_of(ConvPrecision precision, const std::vector<fe::NumericalNote_t>& notes) {
  const auto has = [&](fe::NumericalNote_t n) { return std::find(notes.begin(), notes.end(), n) != notes.end(); };
  if (has(fe::NumericalNote_t::DOWN_CONVERT_INPUTS)) return "converts its inputs to a lower precision";
  if (has(fe::NumericalNote_t::REDUCED_PRECISION_REDUCTION)) return "reduces in less than fp32";
  if (precision == ConvPrecision::Fp32 && has(fe::NumericalNote_t::TENSOR_CORE))
    return "runs on tensor cores, in TF32: not true fp32";
  if (precision == ConvPrecision::Tf32 && !has(fe::NumericalNote_t::TENSOR_CORE))
    return "does not run on tensor cores: not TF32";
  return "";
}

}  // namespace

struct ConvPlans::Impl {
  cudnnHandle_t handle{};
  NotedGraph graph;
  std::vector<std::int64_t> graph_index;  // the graph's plan index of each kept plan
  std::vector<ConvPlanInfo> infos;
  std::size_t offered = 0;
  std::vector<std::string> rejections;
  std::vector<ConvExcludedPlan> excluded;
};

ConvPlans::ConvPlans(cudnnHandle_t handle, const ConvProblem& problem, std::int64_t max_workspace_bytes,
                     std::size_t max_plans)
    : impl_(std::make_unique<Impl>()) {
  auto& g = impl_->graph;
  impl_->handle = handle;
  const auto io = io_type(problem.precision);
  g.set_io_data_type(io).set_intermediate_data_type(fe::DataType_t::FLOAT).set_compute_data_type(fe::DataType_t::FLOAT);

  // The three tensors, channels-last (conv_problem.hpp): x or dx, w or dw, y or dy. Each direction reads two of
  // them and writes the third.
  struct Tensor {
    std::int64_t uid;
    std::vector<std::int64_t> dim, stride;
  };
  const Tensor x{kUidX, {problem.n, problem.c, problem.h, problem.w}, channels_last(problem.c, problem.h, problem.w)};
  const Tensor w{kUidW, {problem.k, problem.c, problem.r, problem.s}, channels_last(problem.c, problem.r, problem.s)};
  const Tensor y{
      kUidY, {problem.n, problem.k, problem.p(), problem.q()}, channels_last(problem.k, problem.p(), problem.q())};
  const auto input = [&](const char* name, const Tensor& t) {
    return g.tensor(
        fe::graph::Tensor_attributes().set_name(name).set_uid(t.uid).set_data_type(io).set_dim(t.dim).set_stride(
            t.stride));
  };
  // The same convolution in every direction: PyTorch's conv2d (cross-correlation), fp32 accumulation.
  const std::vector<std::int64_t> padding{problem.pad, problem.pad}, stride{problem.stride, problem.stride},
      dilation{problem.dilation, problem.dilation};
  const auto geometry = [&](auto attributes, const char* name) {
    attributes.set_name(name)
        .set_convolution_mode(fe::ConvolutionMode_t::CROSS_CORRELATION)
        .set_compute_data_type(fe::DataType_t::FLOAT)
        .set_padding(padding)
        .set_stride(stride)
        .set_dilation(dilation);
    return attributes;
  };
  std::shared_ptr<fe::graph::Tensor_attributes> output;
  const Tensor* written = &y;
  switch (problem.direction) {
    case ConvDirection::Forward: {
      auto xs = input("x", x);
      auto ws = input("w", w);
      output = g.conv_fprop(xs, ws, geometry(fe::graph::Conv_fprop_attributes(), "conv_fprop"));
      break;
    }
    case ConvDirection::BackwardData: {  // dx = conv_dgrad(dy, w); dgrad cannot infer dx's shape, so it is set
      auto dys = input("dy", y);
      auto ws = input("w", w);
      output = g.conv_dgrad(dys, ws, geometry(fe::graph::Conv_dgrad_attributes(), "conv_dgrad"));
      written = &x;
      break;
    }
    case ConvDirection::BackwardFilter: {  // dw = conv_wgrad(dy, x); nor can wgrad infer dw's
      auto xs = input("x", x);
      auto dys = input("dy", y);
      output = g.conv_wgrad(dys, xs, geometry(fe::graph::Conv_wgrad_attributes(), "conv_wgrad"));
      written = &w;
      break;
    }
  }
  output->set_output(true).set_uid(written->uid).set_data_type(io).set_dim(written->dim).set_stride(written->stride);

  try {
    require(g.validate(), "validate");
    require(g.build_operation_graph(handle), "build_operation_graph");
    require(g.create_execution_plans({fe::HeurMode_t::A, fe::HeurMode_t::FALLBACK}), "create_execution_plans");
  } catch (const std::runtime_error&) {
    throw;
  } catch (const std::exception& e) {  // the frontend throws cudnnException from a few builders
    throw std::runtime_error(std::string("cudnn-frontend: ") + e.what());
  }
  impl_->offered = static_cast<std::size_t>(g.get_execution_plan_count());

  // TF32 runs only on tensor cores, and every cuDNN engine that uses them carries the TENSOR_CORE note:
  // filtering on it keeps fp32 true fp32 and makes sure tf32 is TF32 (PyTorch's allow_tf32=False filters
  // the same way). Engines that convert inputs down (DOWN_CONVERT_INPUTS) or reduce in less than fp32
  // (REDUCED_PRECISION_REDUCTION) would not compute what the precision promises, at any precision;
  // PyTorch drops the former too.
  if (problem.precision == ConvPrecision::Fp32) g.deselect_numeric_notes({fe::NumericalNote_t::TENSOR_CORE});
  if (problem.precision == ConvPrecision::Tf32) g.select_numeric_notes({fe::NumericalNote_t::TENSOR_CORE});
  g.deselect_numeric_notes(
      {fe::NumericalNote_t::DOWN_CONVERT_INPUTS, fe::NumericalNote_t::REDUCED_PRECISION_REDUCTION});
  g.deselect_workspace_greater_than(max_workspace_bytes);

  std::set<std::string> seen;
  std::size_t filtered = 0, failed = 0;
  for (std::size_t i = 0; i < impl_->offered && impl_->infos.size() < max_plans; ++i) {
    const auto index = static_cast<std::int64_t>(i);
    std::string name;
    if (auto status = g.get_plan_name_at_index(index, name); status.is_bad()) name = "config " + std::to_string(i);
    // Mode A and the fallback list overlap: the same config twice would only be timed twice.
    if (!seen.insert(name).second) continue;
    auto status = g.build_plan_at_index(index);
    if (status.is_bad()) {
      // The frontend reports configs removed by the filters above as build failures too; count them apart.
      if (status.get_message().find("Deselecting") != std::string::npos) {
        ++filtered;
        const auto notes = g.numerical_notes(i);
        ConvExcludedPlan e{name, exclusion_of(problem.precision, notes), {}};
        if (e.why.empty()) e.why = "its workspace is above the limit";
        for (const auto note : notes)
          if (note != fe::NumericalNote_t::NOT_SET) e.numerical_notes.emplace_back(name_of(note));
        impl_->excluded.push_back(std::move(e));
      } else if (++failed <= kRejectionsKept) {
        impl_->rejections.push_back(name + ": " + status.get_message());
      }
      continue;
    }
    std::int64_t workspace = 0;
    require(g.get_workspace_size_plan_at_index(index, workspace), "get_workspace_size_plan_at_index");
    impl_->graph_index.push_back(index);
    impl_->infos.push_back({name, workspace, i});
  }
  if (failed > kRejectionsKept)
    impl_->rejections.push_back("... and " + std::to_string(failed - kRejectionsKept) + " more that failed to build");
  if (filtered > 0)
    impl_->rejections.push_back(std::to_string(filtered) + " excluded by the " + name_of(problem.precision) +
                                " numerical-note filter");
  if (impl_->infos.empty()) {
    std::string why = "no cuDNN engine runs this convolution (" + std::string(name_of(problem.direction)) + ") at " +
                      name_of(problem.precision) + " on this GPU (" + std::to_string(impl_->offered) +
                      " engine configs offered";
    why += problem.precision == ConvPrecision::Fp32   ? ", tensor-core ones excluded"
           : problem.precision == ConvPrecision::Tf32 ? ", only tensor-core ones allowed"
                                                      : "";
    why += ")";
    for (const auto& line : impl_->rejections) why += "; " + line;
    throw ConvUnsupported(why);
  }
}

ConvPlans::~ConvPlans() = default;

std::size_t ConvPlans::size() const { return impl_->infos.size(); }
const ConvPlanInfo& ConvPlans::info(std::size_t plan) const { return impl_->infos.at(plan); }
std::size_t ConvPlans::offered() const { return impl_->offered; }
const std::vector<std::string>& ConvPlans::rejections() const { return impl_->rejections; }
const std::vector<ConvExcludedPlan>& ConvPlans::excluded() const { return impl_->excluded; }

std::string ConvPlans::execute(std::size_t plan, void* x, void* w, void* y, void* workspace) const {
  std::unordered_map<std::int64_t, void*> pack{{kUidX, x}, {kUidW, w}, {kUidY, y}};
  auto status = impl_->graph.execute_plan_at_index(impl_->handle, pack, workspace, impl_->graph_index.at(plan));
  return status.is_good() ? std::string{} : "cudnn-frontend execute: " + status.get_message();
}

std::string cudnn_frontend_version() {
  return std::to_string(CUDNN_FRONTEND_MAJOR_VERSION) + "." + std::to_string(CUDNN_FRONTEND_MINOR_VERSION) + "." +
         std::to_string(CUDNN_FRONTEND_PATCH_VERSION);
}

}  // namespace gpucert::kernels::conv
