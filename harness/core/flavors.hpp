// The flavour catalogue, images/flavors.json (its format: images/README.md): for each CUDA major the sonames
// of the libraries an image may hold, and for each flavour the libraries that must load, those that must be
// absent, the tools it carries (devel), its size budget and the environment variables and labels its image
// declares. The worker's library inventory probes the sonames of its CUDA major; the library-inventory,
// devel-compiles and image-hygiene checks hold each container environment to its flavour. The file is
// compiled into the binary, so gpucert needs no source tree.
//
//   {"schema_version": 1,
//    "cuda_majors": {"13": {"libraries": {"cudart": "libcudart.so.13", "cublas": "libcublas.so.13", ...},
//                           "require_cuda_driver_branches": [535, ...],
//                           "lacks": ["cudnn_ops_infer", ...]}, "12": {...}, "11": {...}},
//    "never_shipped": ["cuda_driver", ...],           // the driver's libraries: the runtime injects them
//    "flavors": {"base": {"inherits": null, "must_load": ["cudart"], "must_be_absent": ["cublas", ...],
//                         "tools": [], "size_budget_bytes": 536870912,
//                         "environment": {"CUDA_VERSION": "{major}.*", ...}, "labels": {}},
//                "runtime": {"inherits": "base", "must_load": ["cublas", ...], ...},
//                "devel": {"inherits": "runtime", "tools": [{"name": "nvcc", "path": "/usr/local/cuda/bin/nvcc"}]}}}
//
// A flavour that inherits holds what its parent must load plus its own; what the parent must not hold stays
// forbidden unless the child must load it. Tools add up; environment variables and labels add up, a child's
// pattern replacing its parent's; the size budget is the flavour's own, else its parent's. Patterns: `*`
// matches any text, `{major}` is the CUDA major, `{so_version:KEY}` what follows ".so." in KEY's soname of that
// major ("9" for libcudnn.so.9).
//
// Every CUDA major accounts for every library key some major declares: it gives a soname, or lists the key under
// "lacks" (CUDA 11 has no nvJitLink and no cuDNN 9 graph library; 12 and 13 no cuDNN 8 _infer/_train split). A
// flavour may name any declared key; resolved for a major, the keys it lacks are neither required nor checked.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace gpucert {

inline constexpr int kFlavorsSchemaVersion = 1;

// A tool a flavour carries: a file at a path ("nvcc" at /usr/local/cuda/bin/nvcc, "cuda_runtime.h" at
// /usr/local/cuda/include/cuda_runtime.h). The worker's probe reports each by name (ProbeReport::tools).
struct ToolSpec {
  std::string name;
  std::string path;
};
inline constexpr std::string_view kToolNvcc = "nvcc";  // found on PATH too, where the devel check looks

struct CudaMajor {
  std::map<std::string, std::string> libraries;  // "cublas" -> "libcublas.so.13"; a soname may hold a `*`
  std::vector<std::string> lacks;                // keys of other majors with no library in this one
  std::vector<int> require_cuda_driver_branches;
  std::vector<int> require_cuda_tesla_driver_branches;  // listed for brand=tesla only (450 in CUDA 11.8)
};

struct Flavor {
  std::string name;
  std::string description;  // its "$comment"
  std::optional<std::string> inherits;
  std::string nvidia_tag;              // "{version}-runtime-{os}": NVIDIA's image of the same content
  std::vector<std::string> must_load;  // library names of the catalogue ("cublas"), as written
  std::vector<std::string> must_be_absent;
  std::vector<std::string> also_copies;  // present, not required to load
  std::vector<ToolSpec> tools;
  std::optional<std::uint64_t> size_budget_bytes;
  std::map<std::string, std::string> environment;  // NAME -> pattern of its value
  std::map<std::string, std::string> labels;       // label -> pattern of its value
};

// A flavour with its ancestors folded in.
struct FlavorRules {
  std::string flavor;
  std::vector<std::string> lineage;  // "devel", "runtime", "base"
  std::vector<std::string> must_load;
  std::vector<std::string> must_be_absent;
  std::vector<std::string> not_in_major;  // keys the flavour names that the asked CUDA major lacks (not checked)
  std::vector<ToolSpec> tools;
  std::optional<std::uint64_t> size_budget_bytes;
  std::string size_budget_from;  // the flavour whose budget applies
  std::map<std::string, std::string> environment;
  std::map<std::string, std::string> labels;
};

struct FlavorCatalog {
  std::string source;  // "embedded:flavors" or the file's path
  std::map<int, CudaMajor> cuda_majors;
  std::vector<std::string> never_shipped;  // library names the image must not bring itself (the driver's)
  std::vector<Flavor> flavors;             // sorted by name (JSON objects keep no order)

  [[nodiscard]] const Flavor* find(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> flavor_names() const;
  // The libraries of one CUDA major, name -> soname; null when the catalogue has none for it.
  [[nodiscard]] const std::map<std::string, std::string>* libraries_for(int cuda_major) const;
  // nullopt for a flavour the catalogue lacks (the parser refuses unknown parents and cycles). With a CUDA major
  // the catalogue knows, the keys that major lacks move from must_load/must_be_absent to not_in_major.
  [[nodiscard]] std::optional<FlavorRules> rules(std::string_view flavor,
                                                 std::optional<int> cuda_major = std::nullopt) const;
  // `pattern` with each `{so_version:KEY}` replaced from the major's table; unchanged for a major it lacks.
  [[nodiscard]] std::string expand_pattern(std::string_view pattern, int cuda_major) const;
  // The flavours whose rules require `library` to load ("runtime, runtime-cudnn, devel").
  [[nodiscard]] std::vector<std::string> flavors_allowing(std::string_view library) const;
  // Every tool any flavour names, each name once (the worker probes them all).
  [[nodiscard]] std::vector<ToolSpec> all_tools() const;
};

// Parses and validates; on failure one line per problem, each "<source>: <field>: <what was expected>".
Outcome<FlavorCatalog> parse_flavor_catalog(std::string_view text, const std::string& source);

// Reads and parses a file.
Outcome<FlavorCatalog> load_flavor_catalog(const std::string& path);

// images/flavors.json as compiled into the binary (empty when the build had none).
std::string_view embedded_flavors_text();
// The embedded catalogue, parsed once; an error when the build had none or it does not parse.
const Outcome<FlavorCatalog>& embedded_flavor_catalog();

// A catalogue pattern against a value: `*` matches any text (none included), `{major}` is `cuda_major`.
bool matches_pattern(std::string_view pattern, std::string_view value, int cuda_major);

}  // namespace gpucert
