// The cuDNN side of the conv workload: one convolution graph (cudnn-frontend's graph API) for the problem's
// direction, conv_fprop (x, w -> y), conv_dgrad (dy, w -> dx) or conv_wgrad (x, dy -> dw), and the execution
// plans cuDNN's heuristics offer for it, built and ready to run. This header keeps the frontend out of every
// other file (see conv_graph.cpp for why).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <cudnn.h>

#include "conv_problem.hpp"

namespace gpucert::kernels::conv {

// cuDNN offers no engine for this problem on this GPU: the run is waived, not failed.
class ConvUnsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ConvPlanInfo {
  std::string name;  // the engine config's tag ("eng0_k2=3_k3=0 ..."), as cuDNN's own logs name it
  std::int64_t workspace_bytes = 0;
  std::size_t heuristic_rank = 0;  // position in the heuristics' list (mode A first, then the fallback list)
};

// An offered engine config that gpucert's filters kept out, with its numerical notes as cuDNN names them.
struct ConvExcludedPlan {
  std::string name;
  std::string why;  // "reduces in less than fp32", "runs on tensor cores, in TF32: not true fp32", ...
  std::vector<std::string> numerical_notes;
};

class ConvPlans {
 public:
  // Builds the graph of the problem's direction, asks heuristics mode A and the fallback list for engine
  // configs, keeps those the precision allows (fp32: no tensor-core engine; tf32: tensor-core engines only)
  // within `max_workspace_bytes`, drops those that convert inputs down or reduce in less than fp32, and builds
  // up to `max_plans` distinct plans in heuristic order. The same filters hold in every direction.
  // Throws ConvUnsupported when no plan builds, std::runtime_error on any other failure.
  ConvPlans(cudnnHandle_t handle, const ConvProblem& problem, std::int64_t max_workspace_bytes, std::size_t max_plans);
  ~ConvPlans();
  ConvPlans(const ConvPlans&) = delete;
  ConvPlans& operator=(const ConvPlans&) = delete;

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] const ConvPlanInfo& info(std::size_t plan) const;
  // Engine configs the heuristics offered before filtering, and why some of them were not built.
  [[nodiscard]] std::size_t offered() const;
  [[nodiscard]] const std::vector<std::string>& rejections() const;
  // Every config the numerical-note and workspace filters excluded, in heuristic order.
  [[nodiscard]] const std::vector<ConvExcludedPlan>& excluded() const;

  // Enqueues plan `plan` on the handle's stream; returns "" on success, else the frontend's message. x, w and y
  // are the buffers of the three roles (conv_problem.hpp) whatever the direction: forward reads x and w and
  // writes y; backward_data reads dy from y and w, and writes dx into x; backward_filter reads x and dy from y,
  // and writes dw into w.
  [[nodiscard]] std::string execute(std::size_t plan, void* x, void* w, void* y, void* workspace) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "1.32.0": the cudnn-frontend this plugin was compiled with.
std::string cudnn_frontend_version();

}  // namespace gpucert::kernels::conv
