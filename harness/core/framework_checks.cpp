#include "framework_checks.hpp"

#include "check_text.hpp"
#include "doctor.hpp"
#include "json_fields.hpp"
#include "probe_report.hpp"

namespace gpucert {
namespace {

using check_text::rank_subject;

void check_rank(const std::string& environment, const RankRecord& r, std::vector<Check>& out) {
  const auto& p = r.probe;
  if (!p.python_torch) return;
  const auto& t = *p.python_torch;
  if (t.torch_version.empty() && t.error.empty()) return;  // no torch here
  Check c{
      "framework-alignment", environment, rank_subject(r.placement.rank), r.placement.rank, Verdict::Pass, "", "", ""};
  const auto found = p.environment.find("CUDA_VERSION");
  const auto cuda_version = found == p.environment.end() ? std::string() : found->second;
  c.evidence = t.torch_version.empty()
                   ? "PyTorch did not import with " + t.python
                   : "PyTorch " + t.torch_version + " built for CUDA " +
                         (t.torch_cuda.empty() ? "(none: CPU only)" : t.torch_cuda) + ", torch.cuda.is_available() " +
                         (t.is_available ? "True" : "False") + ", in an environment of CUDA " +
                         (cuda_version.empty() ? "(no CUDA_VERSION)" : cuda_version);
  std::vector<std::string> summaries, explanations, fixes;
  for (const auto& d : diagnose(p)) {
    if (d.cause.rfind("torch", 0) != 0) continue;
    summaries.push_back(d.summary);
    explanations.push_back(d.explanation);
    fixes.push_back(d.fix);
  }
  if (!summaries.empty()) {
    c.verdict = Verdict::Fail;
    c.evidence += ": " + join(summaries, "; ");
    c.diagnosis = join(explanations, "\n");
    c.fix = join(fixes, "\n");
  } else if (t.torch_cuda.empty() && !t.torch_version.empty()) {
    c.verdict = Verdict::Fail;
    c.diagnosis = "a CPU-only PyTorch build in a CUDA image never uses the GPU the image is certified for";
    c.fix = "install the PyTorch build for CUDA " + cuda_version + " (https://download.pytorch.org/whl/cu" +
            std::to_string(parse_cuda_version(cuda_version) / 1000) + "x, the index of that CUDA major)";
  } else if (!t.is_available && r.usable) {
    c.verdict = Verdict::Fail;
    c.diagnosis = "the worker uses the GPU here, yet torch.cuda.is_available() is False";
    c.fix = "run `gpucert doctor --image` on this image: it asks torch why";
  }
  out.push_back(std::move(c));
}

}  // namespace

std::vector<Check> framework_alignment_checks(const RunRecord& run) {
  std::vector<Check> out;
  for (const auto& r : run.ranks) check_rank(std::string(kNativeEnvironment), r, out);
  for (const auto& e : run.environments)
    for (const auto& r : e.ranks) check_rank(e.name, r, out);
  return out;
}

}  // namespace gpucert
