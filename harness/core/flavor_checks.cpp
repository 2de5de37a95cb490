#include "flavor_checks.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "check_text.hpp"
#include "conformance.hpp"
#include "image_doctor.hpp"
#include "image_facts.hpp"
#include "json_fields.hpp"
#include "parity.hpp"

namespace gpucert {
namespace {

using check_text::fixed;
using check_text::rank_subject;

std::string gigabytes(std::uint64_t bytes) { return fixed(static_cast<double>(bytes) / 1e9, 2) + " GB"; }

bool contains(const std::vector<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

void add_unique(std::vector<std::string>& to, const std::string& x) {
  if (!contains(to, x)) to.push_back(x);
}

// "13.0.1" -> {13, 0}; nullopt when the text does not start with major.minor.
std::optional<std::pair<int, int>> major_minor(const std::string& text) {
  int major = -1, minor = -1;
  if (std::sscanf(text.c_str(), "%d.%d", &major, &minor) != 2 || major <= 0 || minor < 0) return std::nullopt;
  return std::pair{major, minor};
}

std::string declared_cuda(const ProbeReport& p) {
  const auto it = p.environment.find("CUDA_VERSION");
  return it == p.environment.end() ? std::string{} : it->second;
}

// NVIDIA's package of a catalogue library in its CUDA apt/dnf repository, for the fix text.
std::string package_of(const std::string& library, int major, int minor) {
  const std::string version = std::to_string(major) + "-" + std::to_string(minor);
  if (library == "cudart") return "cuda-cudart-" + version;
  if (library == "cublas" || library == "cublasLt") return "libcublas-" + version;
  if (library == "nccl") return "libnccl2";
  if (library.rfind("cudnn", 0) == 0) return major <= 11 ? "libcudnn8" : "libcudnn9-cuda-" + std::to_string(major);
  if (library == "cufft" || library == "curand" || library == "cusolver" || library == "cusparse")
    return "lib" + library + "-" + version;
  return library;
}

// The file a loader message is about: "libcublasLt.so.13: cannot open shared object file: ..." ->
// "libcublasLt.so.13"; empty when the message does not start with one.
std::string file_in_loader_message(const std::string& message) {
  const auto colon = message.find(": ");
  if (colon == std::string::npos) return {};
  auto file = message.substr(0, colon);
  if (const auto slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
  return file.find(".so") == std::string::npos ? std::string{} : file;
}

const LibraryProbe* probed(const ProbeReport& p, const std::string& library) {
  for (const auto& l : p.libraries)
    if (l.library == library) return &l;
  return nullptr;
}

const ToolProbe* probed_tool(const ProbeReport& p, const std::string& tool) {
  for (const auto& t : p.tools)
    if (t.name == tool) return &t;
  return nullptr;
}

// "cublas 13.1.0 (/usr/local/cuda/lib64/libcublas.so.13)"
std::string seen(const LibraryProbe& l) {
  return l.library + " " + (l.version.empty() ? l.name : l.version) + " (" + (l.path.empty() ? l.name : l.path) + ")";
}

// What a check has found so far, in the order its Check will say it.
struct Findings {
  std::vector<std::string> evidence, problems, fixes;

  void fail(std::string problem, std::string fix) {
    problems.push_back(std::move(problem));
    fixes.push_back(std::move(fix));
  }
  // For problems that one remedy cures (several libraries of one package, one rebuild): the fix is said once.
  void fail_with_common_fix(std::string problem, const std::string& fix) {
    problems.push_back(std::move(problem));
    add_unique(fixes, fix);
  }
  // The evidence is left to the caller: each check joins and qualifies it its own way.
  void conclude(Check& c) const {
    if (problems.empty()) return;
    c.verdict = Verdict::Fail;
    c.diagnosis = join(problems, "\n");
    c.fix = join(fixes, "\n");
  }
};

// Why this rank's inventory cannot be judged; nullopt when it can.
std::optional<std::string> inventory_waiver(const EnvironmentRecord& env, const RankRecord& r,
                                            const FlavorCatalog& catalog, const std::optional<FlavorRules>& rules) {
  if (!rules)
    return "the flavour '" + env.flavor + "' is not in the flavour catalogue " + catalog.source +
           (catalog.flavors.empty() ? "" : " (it has " + join(catalog.flavor_names(), ", ") + ")") +
           ": nothing to hold the image to";
  const auto& p = r.probe;
  if (p.worker_version.empty())
    return "the worker in this environment did not answer the probe" +
           (r.problem.empty() ? std::string{} : " (" + r.problem + ")") + "; the gpu-visible check says why";
  if (p.libraries.empty())
    return "the worker's probe reports no library inventory (gpucert-worker " + p.worker_version +
           " predates it): use a worker of this gpucert's version";
  return std::nullopt;
}

// The CUDA the image's libraries are held to: the one the image declares; an image that declares none is
// taken to be what the worker in it was built against and runs on.
std::pair<int, int> held_cuda_version(const ProbeReport& p) {
  if (const auto declared = major_minor(declared_cuda(p))) return *declared;
  return {p.cuda_build_version > 0 ? p.cuda_build_version / 1000 : p.runtime_version / 1000,
          p.runtime_version > 0 ? (p.runtime_version % 1000) / 10 : 0};
}

struct InventoryContext {
  const EnvironmentRecord& env;
  const ProbeReport& probe;
  const FlavorCatalog& catalog;
  const FlavorRules& rules;  // for the tools, which do not depend on the CUDA major
  // For the libraries: the keys this major lacks (cuDNN 9's on CUDA 11) leave the lists, as the worker probes
  // no soname for them.
  const FlavorRules& held;
  int major;
  int minor;
};

void check_must_load(const InventoryContext& ctx, Findings& out) {
  const auto& flavor = ctx.env.flavor;
  std::vector<std::string> loaded;
  for (const auto& library : ctx.held.must_load) {
    const auto* l = probed(ctx.probe, library);
    if (!l) {
      out.fail_with_common_fix(library + " must load in the " + flavor +
                                   " flavour, but the worker's inventory has "
                                   "no entry for it (its catalogue lacks CUDA " +
                                   std::to_string(ctx.major) + "'s " + library + ")",
                               "use a gpucert-worker built with this gpucert's images/flavors.json");
      continue;
    }
    if (l->loaded) {
      loaded.push_back(seen(*l));
      continue;
    }
    std::string line = library + " (" + l->name + ") must load in the " + flavor +
                       " flavour and did not: " + (l->error.empty() ? "the loader gave no message" : l->error);
    // The loader names the first file it could not open, often a dependency rather than the library itself.
    const auto missing = file_in_loader_message(l->error);
    if (!missing.empty() && missing != l->name)
      line += " (" + l->name + " is there, but " + missing + ", a library it needs, is missing)";
    out.fail_with_common_fix(std::move(line),
                             "build the image from images/ as the " + flavor + " flavour, or install " +
                                 package_of(library, ctx.major, ctx.minor) + " from NVIDIA's CUDA repository in it" +
                                 (missing.empty() || missing == l->name ? "" : " (it brings " + missing + ")"));
  }
  if (!loaded.empty()) out.evidence.push_back("loaded: " + join(loaded, ", "));
}

void check_must_be_absent(const InventoryContext& ctx, Findings& out) {
  const auto& flavor = ctx.env.flavor;
  std::vector<std::string> absent;
  for (const auto& library : ctx.held.must_be_absent) {
    const auto* l = probed(ctx.probe, library);
    if (!l || !l->loaded) {
      absent.push_back(library);
      continue;
    }
    const auto allowing = ctx.catalog.flavors_allowing(library);
    out.fail_with_common_fix(
        library + " must be absent from the " + flavor + " flavour, but " + l->name +
            (l->version.empty() ? "" : " " + l->version) + " loaded from " +
            (l->path.empty() ? "the loader's search path" : l->path),
        "images that need " + library + " belong to " +
            (allowing.empty() ? std::string("another flavour") : "the " + join(allowing, " or ") + " flavour") +
            "; to keep this one " + flavor + ", remove " + library + " from it (apt-get purge " +
            package_of(library, ctx.major, ctx.minor) + ", or drop the step of its Containerfile that copies it in)");
  }
  if (!absent.empty()) out.evidence.push_back("absent as required: " + join(absent, ", "));
}

void check_tools(const InventoryContext& ctx, Findings& out) {
  const auto& flavor = ctx.env.flavor;
  std::vector<std::string> tools;
  for (const auto& tool : ctx.rules.tools) {
    const auto* t = probed_tool(ctx.probe, tool.name);
    if (t && t->found) {
      tools.push_back(tool.name + " at " + t->path);
      continue;
    }
    out.fail_with_common_fix("the " + flavor + " flavour must carry " + tool.name + ", and the probe found " +
                                 (!t ? std::string("no record of it (the worker's catalogue lacks it)")
                                  : tool.name == kToolNvcc ? "no nvcc on PATH nor in /usr/local/cuda/bin"
                                                           : "nothing at " + tool.path),
                             "build the " + flavor +
                                 " flavour from NVIDIA's -devel image (images/), or install "
                                 "cuda-toolkit-" +
                                 std::to_string(ctx.major) + "-" + std::to_string(ctx.minor) +
                                 " (and g++ for nvcc) and put /usr/local/cuda/bin on PATH");
  }
  if (!tools.empty()) out.evidence.push_back("tools: " + join(tools, ", "));
}

// An image whose cudart is not the CUDA it declares misleads whatever reads CUDA_VERSION to pick a build.
// Whether it declares one at all is image-hygiene's to judge.
void check_cudart(const InventoryContext& ctx, Findings& out) {
  const auto& p = ctx.probe;
  const auto declared = declared_cuda(p);
  const auto declared_mm = major_minor(declared);
  const auto* cudart = probed(p, "cudart");
  const std::string cudart_version = cudart && cudart->loaded && !cudart->version.empty() ? cudart->version
                                     : p.runtime_version > 0 ? format_cuda_version(p.runtime_version)
                                                             : std::string{};
  if (declared.empty()) {
    out.evidence.push_back("the image declares no CUDA_VERSION, so cudart's version is not compared (image-hygiene)");
  } else if (!declared_mm) {
    out.evidence.push_back("CUDA_VERSION=" + declared + " is not a version");
  } else if (cudart_version.empty()) {
    out.evidence.push_back("CUDA_VERSION=" + declared + "; cudart's version is unknown");
  } else if (const auto mm = major_minor(cudart_version); mm && *mm == *declared_mm) {
    out.evidence.push_back("cudart " + cudart_version + " matches CUDA_VERSION=" + declared);
  } else {
    out.evidence.push_back("cudart " + cudart_version + " against CUDA_VERSION=" + declared);
    out.fail_with_common_fix("the image declares CUDA_VERSION=" + declared + " but its cudart is " + cudart_version,
                             "rebuild the image from a CUDA " + std::to_string(declared_mm->first) + "." +
                                 std::to_string(declared_mm->second) +
                                 " base, or correct its CUDA_VERSION to the "
                                 "toolkit it holds");
  }
}

Check inventory(const EnvironmentRecord& env, const RankRecord& r, const FlavorCatalog& catalog) {
  const int rank = r.placement.rank;
  Check c{"library-inventory", env.name, rank_subject(rank), rank, Verdict::Pass, "", "", ""};
  const auto rules = catalog.rules(env.flavor);
  if (const auto waiver = inventory_waiver(env, r, catalog, rules)) {
    c.verdict = Verdict::Waived;
    c.evidence = *waiver;
    return c;
  }
  const auto [major, minor] = held_cuda_version(r.probe);
  const auto held = catalog.rules(env.flavor, major);
  const InventoryContext ctx{env, r.probe, catalog, *rules, *held, major, minor};

  Findings found;
  found.evidence.push_back("flavour " + env.flavor + " (" + join(rules->lineage, " < ") + "), CUDA " +
                           std::to_string(major));
  check_must_load(ctx, found);
  check_must_be_absent(ctx, found);
  if (!held->not_in_major.empty())
    found.evidence.push_back("not part of CUDA " + std::to_string(major) +
                             ", not checked: " + join(held->not_in_major, ", "));
  check_tools(ctx, found);
  check_cudart(ctx, found);
  c.evidence = join(found.evidence, "; ");
  found.conclude(c);
  return c;
}

// The output's end: where the compiler's error or the program's verdict is.
std::string tail(const std::string& output, std::size_t limit = 600) {
  std::string text = output;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > limit) text = "..." + text.substr(text.size() - limit);
  return text;
}

bool mentions(const std::string& text, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return text.find(w) != std::string::npos; });
}

Check devel(const EnvironmentRecord& env, const FlavorCatalog& catalog) {
  Check c{"devel-compiles", env.name, env.flavor + " flavour", -1, Verdict::Pass, "", "", ""};
  const auto rules = catalog.rules(env.flavor);
  const bool promises_nvcc = rules ? std::any_of(rules->tools.begin(), rules->tools.end(),
                                                 [](const ToolSpec& t) { return t.name == kToolNvcc; })
                                   : env.flavor == "devel";
  if (!promises_nvcc) {
    c.verdict = Verdict::Waived;
    c.evidence =
        rules ? "the " + env.flavor + " flavour promises no compiler (" + catalog.source + "): nothing to compile"
              : "the flavour '" + env.flavor + "' is not in the flavour catalogue " + catalog.source +
                    " and is not devel: nothing to compile";
    return c;
  }
  if (!env.devel_check) {
    c.verdict = Verdict::Waived;
    c.evidence = "the devel check did not run in this environment (no devel_check reply in the record)";
    return c;
  }
  const auto& d = *env.devel_check;
  const std::string major = env.ranks.empty() || env.ranks[0].probe.cuda_build_version <= 0
                                ? std::string("<major>")
                                : std::to_string(env.ranks[0].probe.cuda_build_version / 1000);
  if (!d.ok) {
    c.verdict = Verdict::Fail;
    c.evidence = "the worker did not run the devel check: " + (d.message.empty() ? "no reason given" : d.message);
    c.diagnosis = "without the worker's answer, nothing shows that nvcc works in this image";
    c.fix = "use a gpucert-worker of this gpucert's version (it knows the devel_check request)";
    return c;
  }
  if (d.passed()) {
    c.evidence = "nvcc " + (d.nvcc_version.empty() ? std::string("(version unknown)") : "\"" + d.nvcc_version + "\"") +
                 " at " + d.nvcc + " compiled a one-kernel program; it ran and its kernel summed to " + d.result +
                 ", as expected";
    return c;
  }
  c.verdict = Verdict::Fail;
  if (d.nvcc.empty()) {
    c.evidence = d.message.empty() ? "no nvcc found" : d.message;
    c.diagnosis = "the " + env.flavor + " flavour promises nvcc, and there is none on PATH nor in /usr/local/cuda/bin";
    c.fix = "build the image from NVIDIA's -devel image (images/), or install cuda-nvcc-" + major +
            "-<minor> and put /usr/local/cuda/bin on PATH";
    return c;
  }
  const std::string with = "nvcc " + (d.nvcc_version.empty() ? d.nvcc : "\"" + d.nvcc_version + "\" at " + d.nvcc);
  if (!d.compile || d.compile->exit_code != 0 || d.compile->timed_out) {
    const std::string output = d.compile ? d.compile->output : std::string{};
    c.evidence = with + (d.compile ? " " + describe(*d.compile) : std::string(" did not start")) +
                 " compiling a one-kernel program: " + tail(output.empty() ? d.message : output);
    c.diagnosis = "the image's nvcc cannot compile a trivial kernel";
    if (mentions(output, {"cuda_runtime.h", "No such file or directory"}) && mentions(output, {".h"}))
      c.fix = "install the CUDA headers (cuda-cudart-dev-" + major + "-<minor>), or build from NVIDIA's -devel image";
    else if (mentions(output, {"gcc", "g++", "host compiler", "cc1plus"}))
      c.fix = "nvcc needs a host C++ compiler it supports: install g++ (apt-get install g++) in the image";
    else if (d.compile && d.compile->timed_out)
      c.fix = "give the check more time, or look for what holds nvcc up: run it by hand in the image";
    else
      c.fix = "run it by hand to see the whole message: `" + d.nvcc + " -o /tmp/check /tmp/check.cu` inside the image";
    return c;
  }
  if (!d.run || d.run->exit_code != 0 || d.run->timed_out) {
    const std::string output = d.run ? d.run->output : std::string{};
    c.evidence = with + " compiled the program; it " + (d.run ? describe(*d.run) : std::string("did not start")) +
                 ": " + tail(output.empty() ? d.message : output);
    c.diagnosis = "the program nvcc built does not run its kernel here";
    if (mentions(output, {"cudaErrorUnsupportedPtxVersion", "cudaErrorInsufficientDriver", "PTX"}))
      c.fix =
          "the toolkit is newer than the driver supports: upgrade the driver, or use an image of the CUDA the "
          "driver supports (driver-runtime-alignment says which)";
    else if (mentions(output, {"cudaErrorNoDevice", "no CUDA-capable device"}))
      c.fix = "no GPU is visible in the container: the gpu-visible check of this environment says why";
    else if (mentions(output, {"cudaErrorNoKernelImageForDevice", "no kernel image"}))
      c.fix = "nvcc's default architectures do not cover this GPU: build with -arch=native or the GPU's sm_XY";
    else
      c.fix =
          "run the program by hand inside the image and read its CUDA error; `gpucert doctor` checks the "
          "environment";
    return c;
  }
  c.evidence = with + " compiled the program and it ran, but its kernel summed to " +
               (d.result.empty() ? std::string("nothing it printed") : d.result) + ", expected " + d.expected;
  c.diagnosis = "a kernel built by this image's nvcc computed a wrong result";
  c.fix = "run `dcgmi diag -r 3` on the GPU, and compare with the same program built natively";
  return c;
}

// A reference pins content unless its tag floats; a root filesystem (oci) has no tag.
void check_tag(const EnvironmentRecord& env, const std::string& reference, Findings& out) {
  std::optional<std::string> tag_problem;
  for (const auto& ref : {env.image, env.image_facts ? env.image_facts->reference : std::string{}})
    if (!ref.empty() && !tag_problem) tag_problem = floating_tag_problem(ref);
  if (tag_problem) {
    out.fail("the image '" + reference + "' " + *tag_problem + ", which names different content over time",
             "pin a version tag (e.g. :13.0-runtime-ubuntu24.04) or a digest (@sha256:...)");
  } else {
    out.evidence.push_back(reference.empty() || reference.front() == '/' || reference.front() == '.'
                               ? "a root filesystem, no tag to float"
                               : "reference pinned");
  }
}

// Without the image's configuration only its reference can be judged: a floating tag still fails the image,
// anything else is unknown.
Check without_image_facts(Check c, const Findings& found) {
  if (!found.problems.empty()) {
    c.evidence = "only the reference is known (no image facts in the record)";
    found.conclude(c);
    return c;
  }
  c.verdict = Verdict::Waived;
  c.evidence =
      "the image's configuration is unknown (the record holds no image facts for it: no `podman "
      "image inspect`, no image-config.json beside the bundle): labels, environment, size and "
      "architecture unchecked; " +
      join(found.evidence, "; ");
  return c;
}

// What {major} stands for in the catalogue's patterns: the image's own CUDA_VERSION, else the CUDA its
// worker was built against.
int image_cuda_major(const EnvironmentRecord& env, const ImageFacts& f) {
  if (const auto it = f.env.find("CUDA_VERSION"); it != f.env.end())
    if (const auto mm = major_minor(it->second)) return mm->first;
  return env.ranks.empty() ? 0 : env.ranks[0].probe.cuda_build_version / 1000;
}

struct HygieneContext {
  const EnvironmentRecord& env;
  const ImageFacts& facts;
  const FlavorCatalog& catalog;
  const std::optional<FlavorRules>& rules;  // nullopt: no flavour, or one the catalogue lacks
  const std::string& host;                  // the host's architecture
  int major;
};

// The variables NVIDIA's images declare and the container toolkit reads, and whatever else the flavour
// declares, each matching its pattern.
void check_environment(const HygieneContext& ctx, Findings& out) {
  const auto& f = ctx.facts;
  std::map<std::string, std::string> required{
      {"CUDA_VERSION", "*"}, {"NVIDIA_REQUIRE_CUDA", "*"}, {"NVIDIA_DRIVER_CAPABILITIES", "*"}};
  if (ctx.rules)
    for (const auto& [name, pattern] : ctx.rules->environment) required[name] = pattern;
  std::vector<std::string> present, missing, mismatched;
  for (const auto& [name, pattern] : required) {
    const auto expected = ctx.catalog.expand_pattern(pattern, ctx.major);
    const auto it = f.env.find(name);
    if (it == f.env.end() || it->second.empty())
      missing.push_back(name);
    else if (!matches_pattern(expected, it->second, ctx.major))
      mismatched.push_back(name + "=" + it->second + " (expected " + expected + ")");
    else if (name == "CUDA_VERSION" || name == "NVIDIA_REQUIRE_CUDA" || name == "NVIDIA_DRIVER_CAPABILITIES")
      present.push_back(name + "=" + it->second);
  }
  if (!present.empty()) out.evidence.push_back(join(present, ", "));
  // Only a flavour that declares more than NVIDIA's three has a count worth saying.
  const std::size_t declared = required.size() - missing.size() - mismatched.size();
  if (required.size() > 3)
    out.evidence.push_back(std::to_string(declared) + " of " + std::to_string(required.size()) +
                           " variables the flavour declares match");
  if (!missing.empty()) {
    // A label is a common mistake for an ENV: it looks declared but the toolkit never sees it.
    std::vector<std::string> in_labels;
    for (const auto& v : missing)
      if (f.labels.count(v)) in_labels.push_back(v);
    out.fail("the image's environment lacks " + join(missing, ", ") +
                 (in_labels.empty() ? ""
                                    : " (" + join(in_labels, ", ") +
                                          " only as a label, which the "
                                          "container toolkit does not read)"),
             "declare them in the Containerfile as NVIDIA's images do: ENV CUDA_VERSION=13.0.1 "
             "NVIDIA_REQUIRE_CUDA=\"cuda>=13.0\" NVIDIA_DRIVER_CAPABILITIES=compute,utility");
  }
  if (!mismatched.empty())
    out.fail("the image's environment does not match the " + ctx.env.flavor + " flavour: " + join(mismatched, ", "),
             "set them as images/flavors.json declares for the " + ctx.env.flavor + " flavour ({major} is " +
                 std::to_string(ctx.major) + ")");
}

void check_labels(const HygieneContext& ctx, Findings& out) {
  if (!ctx.rules) return;
  std::vector<std::string> bad_labels;
  for (const auto& [label, pattern] : ctx.rules->labels) {
    const auto expected = ctx.catalog.expand_pattern(pattern, ctx.major);
    const auto it = ctx.facts.labels.find(label);
    if (it == ctx.facts.labels.end())
      bad_labels.push_back(label + " missing");
    else if (!matches_pattern(expected, it->second, ctx.major))
      bad_labels.push_back(label + "=" + it->second + " (expected " + expected + ")");
  }
  if (!bad_labels.empty())
    out.fail("the image's labels do not match the " + ctx.env.flavor + " flavour: " + join(bad_labels, ", "),
             "add the labels images/flavors.json declares (LABEL in the Containerfile)");
  else if (!ctx.rules->labels.empty())
    out.evidence.push_back(std::to_string(ctx.rules->labels.size()) + " label(s) as declared");
}

void check_driver_capabilities(const HygieneContext& ctx, Findings& out) {
  const auto it = ctx.facts.env.find("NVIDIA_DRIVER_CAPABILITIES");
  if (it == ctx.facts.env.end() || it->second.empty() || mentions(it->second, {"compute", "all"})) return;
  out.fail("NVIDIA_DRIVER_CAPABILITIES=" + it->second +
               " lacks compute: the container toolkit mounts "
               "no CUDA driver library (libcuda.so.1) into the container",
           "set NVIDIA_DRIVER_CAPABILITIES=compute,utility");
}

// The host as the container toolkit would meet it: the driver of the first rank that reports one.
ImageHost toolkit_host_of(const EnvironmentRecord& env, const std::string& host) {
  ImageHost toolkit_host{host, {}, {"0"}};
  for (const auto& r : env.ranks)
    if (!r.probe.driver_release.empty()) {
      toolkit_host.driver.release = r.probe.driver_release;
      toolkit_host.driver.cuda_version = r.probe.driver_version > 0
                                             ? format_cuda_version(r.probe.driver_version)
                                             : toolkit::cuda_version_of_driver(r.probe.driver_release);
      break;
    }
  return toolkit_host;
}

// What the container toolkit itself makes of this configuration (image_doctor.hpp), against the run's
// driver: a refused capability or an unsatisfied NVIDIA_REQUIRE_* fails the image in production even
// where gpucert's own run of it worked. Capabilities without compute and the architecture have their own
// checks here, which say them in this check's words.
void check_with_toolkit(const HygieneContext& ctx, Findings& out) {
  for (const auto& finding : diagnose_image(ctx.facts, ImageFiles{}, toolkit_host_of(ctx.env, ctx.host))) {
    const auto& d = finding.diagnosis;
    if (!finding.fatal || d.cause == "image-architecture-mismatch" || d.cause == "driver-capabilities-without-compute")
      continue;
    out.fail(d.summary + " [" + d.cause + "]: " + d.explanation, d.fix);
  }
}

void check_size(const HygieneContext& ctx, Findings& out) {
  const auto& size = ctx.facts.size_bytes;
  const auto& flavor = ctx.env.flavor;
  const auto& rules = ctx.rules;
  if (!size) {
    out.evidence.push_back("size unknown");
  } else if (!rules || !rules->size_budget_bytes) {
    out.evidence.push_back("size " + gigabytes(*size) +
                           (rules ? ", no budget for the " + flavor + " flavour" : std::string(", no flavour budget")));
  } else if (*size > *rules->size_budget_bytes) {
    out.evidence.push_back("size " + gigabytes(*size));
    out.fail("the image is " + gigabytes(*size) + " (" + std::to_string(*size) + " bytes), over the " + flavor +
                 " flavour's budget of " + gigabytes(*rules->size_budget_bytes) + " (" + rules->size_budget_from +
                 ", " + ctx.catalog.source + ")",
             "drop what the flavour does not promise (apt caches: apt-get clean && rm -rf /var/lib/apt/lists/*; "
             "static libraries and documentation outside devel), or raise size_budget_bytes in "
             "images/flavors.json and say why");
  } else {
    out.evidence.push_back("size " + gigabytes(*size) + " within the " + flavor + " budget of " +
                           gigabytes(*rules->size_budget_bytes));
  }
}

// An image of another architecture runs under emulation, if at all, and CUDA does not run under emulation.
void check_architecture(const HygieneContext& ctx, Findings& out) {
  const auto& f = ctx.facts;
  const auto image_arch = oci_architecture(f.architecture);
  const auto host_arch = oci_architecture(ctx.host);
  if (image_arch.empty()) {
    out.evidence.push_back("architecture unknown");
  } else if (!host_arch.empty() && image_arch != host_arch) {
    out.fail("the image is built for " + (f.os.empty() ? "" : f.os + "/") + image_arch + ", the host is " + host_arch +
                 ": it runs under emulation, if at all, and CUDA does not",
             "build or pull the image for linux/" + host_arch + " (podman build --platform linux/" + host_arch + ")");
  } else {
    out.evidence.push_back((f.os.empty() ? "" : f.os + "/") + image_arch + (host_arch.empty() ? "" : " like the host"));
  }
}

void check_os(const ImageFacts& f, Findings& out) {
  if (!f.os.empty() && f.os != "linux") out.fail("the image's OS is " + f.os + ", not linux", "use a Linux image");
}

Check hygiene(const EnvironmentRecord& env, const FlavorCatalog& catalog, const std::string& host) {
  const std::string reference =
      env.image_facts && !env.image_facts->reference.empty() ? env.image_facts->reference : env.image;
  Check c{"image-hygiene", env.name, reference.empty() ? env.name : reference, -1, Verdict::Pass, "", "", ""};
  Findings found;
  check_tag(env, reference, found);
  if (!env.image_facts) return without_image_facts(std::move(c), found);

  const auto& f = *env.image_facts;
  const auto rules = env.flavor.empty() ? std::nullopt : catalog.rules(env.flavor);
  const HygieneContext ctx{env, f, catalog, rules, host, image_cuda_major(env, f)};
  check_environment(ctx, found);
  check_labels(ctx, found);
  check_driver_capabilities(ctx, found);
  check_with_toolkit(ctx, found);
  check_size(ctx, found);
  check_architecture(ctx, found);
  check_os(f, found);
  c.evidence = join(found.evidence, "; ") + (f.source.empty() ? "" : " (from " + f.source + ")");
  found.conclude(c);
  return c;
}

}  // namespace

std::vector<Check> library_inventory_checks(const RunRecord& run, const FlavorCatalog& flavors) {
  std::vector<Check> out;
  for (const auto& env : run.environments) {
    if (env.flavor.empty()) continue;
    for (const auto& r : env.ranks) out.push_back(inventory(env, r, flavors));
  }
  return out;
}

std::vector<Check> performance_parity_checks(const RunRecord& run, double threshold) {
  const auto ratios = container_native_ratios(run);
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::pair<std::size_t, std::size_t>> counts;  // results, usable
  std::set<std::string> native_ids;
  for (const auto& r : run.results)
    if (environment_of(r) == kNativeEnvironment && r.reply.status == RunStatus::Ok && !r.reply.samples_s.empty())
      native_ids.insert(r.measurement.id + "@" + std::to_string(r.placement.rank));
  for (const auto& r : run.results) {
    const auto environment = environment_of(r);
    if (environment == kNativeEnvironment) continue;
    const std::pair<std::string, std::string> key{environment, r.measurement.workload};
    if (!counts.count(key)) order.push_back(key);
    auto& [all, usable] = counts[key];
    ++all;
    if (r.reply.status == RunStatus::Ok && !r.reply.samples_s.empty()) ++usable;
  }
  std::vector<Check> out;
  for (const auto& key : order) {
    Check c{"performance-parity", key.first, key.second, -1, Verdict::Pass, "", "", ""};
    const auto it = std::find_if(ratios.begin(), ratios.end(), [&](const RatioEstimate& e) {
      return e.environment == key.first && e.workload == key.second;
    });
    if (it == ratios.end()) {
      c.verdict = Verdict::Waived;
      const auto [all, usable] = counts[key];
      c.evidence = usable == 0 ? "none of the " + std::to_string(all) + " " + key.second +
                                     " result(s) in this environment verified with samples (results-verified and "
                                     "workload-availability say why): no ratio to judge"
                               : "no native twin: none of the " + std::to_string(usable) + " verified " + key.second +
                                     " result(s) here has a verified native result of the same measurement on the "
                                     "same rank, so there is nothing to compare with (run the suite natively too)";
      out.push_back(std::move(c));
      continue;
    }
    const auto& e = *it;
    c.evidence = "container/native ratio " + fixed(e.ratio, 3) + " (bootstrap 95% interval " + fixed(e.low, 3) +
                 " to " + fixed(e.high, 3) + ") over " + std::to_string(e.pairs) +
                 " measurement and rank pair(s); threshold " + fixed(threshold, 3);
    if (e.high < threshold) {
      c.verdict = Verdict::Fail;
      c.diagnosis = "the container runs " + key.second + " " + fixed(100.0 * (1.0 - e.ratio), 1) +
                    "% slower than native, and the whole 95% interval lies below " + fixed(threshold, 3);
      c.fix =
          "compare the container's launch with the native one: CPU and memory limits (cgroups, --cpus), NUMA "
          "and CPU placement, the GPU's clocks during each run (`nvidia-smi -q -d PERFORMANCE,CLOCK`), and for "
          "nccl --ipc=host and --network=host; then rerun to rule out a noisy neighbour";
    } else if (e.low < threshold) {
      c.evidence += "; the interval reaches below the threshold, so a slowdown is not shown";
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Check> devel_compiles_checks(const RunRecord& run, const FlavorCatalog& flavors) {
  std::vector<Check> out;
  for (const auto& env : run.environments)
    if (!env.flavor.empty()) out.push_back(devel(env, flavors));
  return out;
}

std::vector<Check> image_hygiene_checks(const RunRecord& run, const FlavorCatalog& flavors,
                                        const std::string& host_architecture) {
  std::vector<Check> out;
  for (const auto& env : run.environments) out.push_back(hygiene(env, flavors, host_architecture));
  return out;
}

std::string host_architecture_of(const RunRecord& run) {
  for (const auto& r : run.ranks)
    if (!r.probe.machine.empty()) return oci_architecture(r.probe.machine);
  return build_architecture();
}

}  // namespace gpucert
