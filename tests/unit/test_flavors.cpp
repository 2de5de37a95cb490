// The flavour catalogue (images/flavors.json): the file in the tree parses, the binary embeds exactly it,
// inheritance folds as documented, and every bad input names its field.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/flavors.hpp"
#include "flavor_catalog_fixture.hpp"
#include "unit_test_helpers.hpp"

namespace gpucert {
namespace {

const std::string kFlavorsPath = std::string(GPUCERT_SOURCE_DIR) + "/images/flavors.json";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string problems_of(const std::string& text) {
  auto c = parse_flavor_catalog(text, "f.json");
  EXPECT_FALSE(c.ok()) << "expected the catalogue to be refused:\n" << text;
  return c.ok() ? std::string{} : c.error().message;
}

// The test catalogue with one replacement made in its text.
std::string edited(const std::string& from, const std::string& to) {
  std::string text = flavor_fixtures::kCatalogText;
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(Flavors, TheCatalogueInTheTreeParsesAndTheBinaryEmbedsExactlyIt) {
  const auto text = read_file(kFlavorsPath);
  ASSERT_FALSE(text.empty()) << kFlavorsPath << " is missing";
  EXPECT_EQ(std::string(embedded_flavors_text()), text)
      << "the embedded catalogue differs from images/flavors.json: rebuild (cmake embeds it at build time)";
  const auto& embedded = embedded_flavor_catalog();
  ASSERT_TRUE(embedded.ok()) << embedded.error().describe();
  EXPECT_EQ(embedded->source, "embedded:flavors");
  for (const char* flavor : {"base", "runtime", "runtime-cudnn", "devel"})
    EXPECT_TRUE(embedded->rules(flavor).has_value()) << flavor;
  for (int major : {11, 12, 13}) {
    const auto* libraries = embedded->libraries_for(major);
    ASSERT_NE(libraries, nullptr) << major;
    EXPECT_EQ(libraries->at("cudart"), "libcudart.so." + std::to_string(major) + (major == 11 ? ".0" : ""));
  }
  const auto loaded = load_flavor_catalog(kFlavorsPath);
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(loaded->source, kFlavorsPath);
}

TEST(Flavors, TheTreesCatalogueHoldsTheDesignsPromises) {
  const auto& catalog = embedded_flavor_catalog();
  ASSERT_TRUE(catalog.ok()) << catalog.error().describe();
  const auto base = catalog->rules("base");
  ASSERT_TRUE(base);
  EXPECT_EQ(base->must_load, std::vector<std::string>{"cudart"});
  for (const char* absent : {"cublas", "nccl", "cudnn"})
    EXPECT_NE(std::find(base->must_be_absent.begin(), base->must_be_absent.end(), absent), base->must_be_absent.end())
        << absent;
  const auto devel = catalog->rules("devel");
  ASSERT_TRUE(devel);
  EXPECT_TRUE(
      std::any_of(devel->tools.begin(), devel->tools.end(), [](const ToolSpec& t) { return t.name == "nvcc"; }));
  const auto cudnn = catalog->rules("runtime-cudnn");
  ASSERT_TRUE(cudnn);
  EXPECT_NE(std::find(cudnn->must_load.begin(), cudnn->must_load.end(), "cudnn"), cudnn->must_load.end());
}

// The tree's CUDA 11 table: cuDNN 8's _infer/_train libraries, none of cuDNN 9's, no nvJitLink.
TEST(Flavors, TheTreesCuda11TableRequiresCudnn8AndNotWhatCuda11Lacks) {
  const auto& catalog = embedded_flavor_catalog();
  ASSERT_TRUE(catalog.ok()) << catalog.error().describe();
  const auto* eleven = catalog->libraries_for(11);
  ASSERT_NE(eleven, nullptr);
  EXPECT_EQ(eleven->at("cublas"), "libcublas.so.11");
  EXPECT_EQ(eleven->at("cufft"), "libcufft.so.10");
  EXPECT_EQ(eleven->at("cusparse"), "libcusparse.so.11");
  EXPECT_EQ(eleven->at("nvrtc"), "libnvrtc.so.11.2");
  EXPECT_EQ(eleven->at("cudnn"), "libcudnn.so.8");
  EXPECT_EQ(eleven->count("nvjitlink"), 0u);
  EXPECT_EQ(eleven->count("cudnn_graph"), 0u);
  const std::vector<std::string> cudnn8 = {"cudnn_ops_infer", "cudnn_ops_train", "cudnn_cnn_infer",
                                           "cudnn_cnn_train", "cudnn_adv_infer", "cudnn_adv_train"};
  auto has = [](const std::vector<std::string>& list, const std::string& x) {
    return std::find(list.begin(), list.end(), x) != list.end();
  };

  const auto on11 = catalog->rules("runtime-cudnn", 11);
  ASSERT_TRUE(on11);
  EXPECT_TRUE(has(on11->must_load, "cudnn"));
  for (const auto& lib : cudnn8) EXPECT_TRUE(has(on11->must_load, lib)) << lib;
  for (const char* lib : {"cudnn_graph", "cudnn_heuristic", "cudnn_engines_precompiled", "nvjitlink"}) {
    EXPECT_FALSE(has(on11->must_load, lib)) << lib;
    EXPECT_TRUE(has(on11->not_in_major, lib)) << lib;
  }
  EXPECT_EQ(catalog->expand_pattern(on11->labels.at("com.nvidia.cudnn.version"), 11), "8.*");

  const auto on13 = catalog->rules("runtime-cudnn", 13);
  ASSERT_TRUE(on13);
  for (const char* lib : {"cudnn", "cudnn_graph", "cudnn_engines_runtime_compiled", "nvjitlink"})
    EXPECT_TRUE(has(on13->must_load, lib)) << lib;
  for (const auto& lib : cudnn8) {
    EXPECT_FALSE(has(on13->must_load, lib)) << lib;
    EXPECT_TRUE(has(on13->not_in_major, lib)) << lib;
  }
  EXPECT_EQ(catalog->expand_pattern(on13->labels.at("com.nvidia.cudnn.version"), 13), "9.*");

  // Resolved for a major, every key a flavour requires or bans has a soname there.
  for (int major : {11, 12, 13})
    for (const auto& flavor : catalog->flavor_names()) {
      const auto r = catalog->rules(flavor, major);
      ASSERT_TRUE(r) << flavor;
      for (const auto* list : {&r->must_load, &r->must_be_absent})
        for (const auto& lib : *list) EXPECT_EQ(catalog->libraries_for(major)->count(lib), 1u) << major << " " << lib;
    }
  const auto* cuda11 = &catalog->cuda_majors.at(11);
  EXPECT_EQ(cuda11->require_cuda_driver_branches, (std::vector<int>{470, 510, 515}));
  EXPECT_EQ(cuda11->require_cuda_tesla_driver_branches, std::vector<int>{450});
}

TEST(Flavors, InheritanceAddsLoadsAndLiftsTheParentsBans) {
  const auto catalog = flavor_fixtures::catalog();
  EXPECT_EQ(catalog.flavor_names(), (std::vector<std::string>{"base", "devel", "runtime", "runtime-cudnn"}));
  const auto runtime = catalog.rules("runtime");
  ASSERT_TRUE(runtime);
  EXPECT_EQ(runtime->lineage, (std::vector<std::string>{"runtime", "base"}));
  EXPECT_EQ(runtime->must_load, (std::vector<std::string>{"cudart", "cublas", "cublasLt", "nccl"}));
  EXPECT_EQ(runtime->must_be_absent, std::vector<std::string>{"cudnn"});  // base's bans minus what runtime loads
  EXPECT_EQ(runtime->size_budget_bytes, 4000000000u);
  EXPECT_EQ(runtime->size_budget_from, "runtime");
  EXPECT_EQ(runtime->environment.at("CUDA_VERSION"), "{major}.*");  // from base
  const auto cudnn = catalog.rules("runtime-cudnn");
  ASSERT_TRUE(cudnn);
  EXPECT_TRUE(cudnn->must_be_absent.empty());
  // Without a major nothing is dropped: the keys of every major's cuDNN.
  EXPECT_EQ(cudnn->must_load.size(), 7u);
  EXPECT_TRUE(cudnn->not_in_major.empty());
  EXPECT_EQ(cudnn->size_budget_from, "runtime");  // no budget of its own
  EXPECT_EQ(cudnn->labels.at("com.nvidia.cudnn.version"), "{so_version:cudnn}.*");
  const auto devel = catalog.rules("devel");
  ASSERT_TRUE(devel);
  ASSERT_EQ(devel->tools.size(), 2u);
  EXPECT_EQ(devel->tools[0].path, "/usr/local/cuda/bin/nvcc");
  EXPECT_FALSE(catalog.rules("gpu-party"));
  EXPECT_EQ(catalog.flavors_allowing("cudnn"), std::vector<std::string>{"runtime-cudnn"});
  EXPECT_EQ(catalog.flavors_allowing("cudnn_ops_infer"), std::vector<std::string>{"runtime-cudnn"});
  EXPECT_EQ(catalog.flavors_allowing("nccl"), (std::vector<std::string>{"devel", "runtime", "runtime-cudnn"}));
  EXPECT_EQ(catalog.never_shipped, std::vector<std::string>{"cuda_driver"});
  EXPECT_EQ(catalog.all_tools().size(), 2u);
  EXPECT_EQ(catalog.libraries_for(12)->at("cublas"), "libcublas.so.12");
  EXPECT_EQ(catalog.libraries_for(11)->at("cudart"), "libcudart.so.11.0");
  EXPECT_EQ(catalog.libraries_for(10), nullptr);
}

TEST(Flavors, AKeyAMajorLacksIsNeitherRequiredNorCheckedThere) {
  const auto catalog = flavor_fixtures::catalog();
  const auto on11 = catalog.rules("runtime-cudnn", 11);
  ASSERT_TRUE(on11);
  EXPECT_EQ(on11->must_load,
            (std::vector<std::string>{"cudart", "cublas", "cublasLt", "nccl", "cudnn", "cudnn_ops_infer"}));
  EXPECT_EQ(on11->not_in_major, std::vector<std::string>{"cudnn_graph"});
  const auto on13 = catalog.rules("runtime-cudnn", 13);
  ASSERT_TRUE(on13);
  EXPECT_EQ(on13->must_load,
            (std::vector<std::string>{"cudart", "cublas", "cublasLt", "nccl", "cudnn", "cudnn_graph"}));
  EXPECT_EQ(on13->not_in_major, std::vector<std::string>{"cudnn_ops_infer"});
  // Bans go the same way: base on 11 still bans cudnn, which 11 has.
  const auto base11 = catalog.rules("base", 11);
  ASSERT_TRUE(base11);
  EXPECT_EQ(base11->must_be_absent, (std::vector<std::string>{"cublas", "cublasLt", "nccl", "cudnn"}));
  EXPECT_TRUE(base11->not_in_major.empty());
  // A major the catalogue does not know drops nothing.
  EXPECT_EQ(catalog.rules("runtime-cudnn", 10)->must_load.size(), 7u);
  // {so_version:KEY} from the major's soname; `*` still any text, {major} the major.
  EXPECT_EQ(catalog.expand_pattern("{so_version:cudnn}.*", 11), "8.*");
  EXPECT_EQ(catalog.expand_pattern("{so_version:cudnn}.*", 13), "9.*");
  EXPECT_EQ(catalog.expand_pattern("{so_version:cudart}", 11), "11.0");
  EXPECT_EQ(catalog.expand_pattern("{so_version:cudnn}.*", 10), "{so_version:cudnn}.*");
  EXPECT_TRUE(matches_pattern(catalog.expand_pattern("{so_version:cudnn}.*", 11), "8.9.6.50", 11));
  EXPECT_FALSE(matches_pattern(catalog.expand_pattern("{so_version:cudnn}.*", 13), "8.9.7", 13));
  EXPECT_EQ(catalog.cuda_majors.at(11).require_cuda_tesla_driver_branches, std::vector<int>{450});
}

TEST(Flavors, PatternsMatchWithStarsAndTheCudaMajor) {
  EXPECT_TRUE(matches_pattern("{major}.*", "13.0.2", 13));
  EXPECT_FALSE(matches_pattern("{major}.*", "12.9.1", 13));
  EXPECT_TRUE(matches_pattern("cuda>={major}.*", "cuda>=13.0 brand=tesla,driver>=535", 13));
  EXPECT_TRUE(matches_pattern("*/usr/local/cuda/bin*", "/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/bin", 13));
  EXPECT_FALSE(matches_pattern("*/usr/local/cuda/bin*", "/usr/bin:/bin", 13));
  EXPECT_TRUE(matches_pattern("compute,utility", "compute,utility", 13));
  EXPECT_FALSE(matches_pattern("compute,utility", "compute", 13));
  EXPECT_TRUE(matches_pattern("*", "", 13));
  EXPECT_TRUE(matches_pattern("9.*", "9.19.0", 13));
  EXPECT_TRUE(matches_pattern("a*b*c", "aXbYbc", 13));
}

TEST(Flavors, BadInputNamesTheFieldAndWhatWasExpected) {
  EXPECT_HAS(problems_of("{"), "f.json: not valid JSON");
  EXPECT_HAS(problems_of("[]"), "f.json: expected an object, got an array");
  EXPECT_HAS(problems_of(edited("\"schema_version\": 1", "\"schema_version\": 2")),
             "f.json: schema_version: this gpucert reads flavour catalogue schema version 1, the file has 2");
  EXPECT_HAS(problems_of(edited("\"must_load\": [\"cudart\"]", "\"must_load\": [\"cudartt\"]")),
             "f.json: flavors.base.must_load[0]: unknown library 'cudartt' (expected one declared under "
             "cuda_majors.<major>.libraries:");
  // A misspelt key stays an error though some majors lack keys: it is declared by none.
  EXPECT_HAS(
      problems_of(edited("\"must_load\": [\"cudnn\", \"cudnn_graph\"", "\"must_load\": [\"cudnn\", \"cudnn_grpah\"")),
      "f.json: flavors.runtime-cudnn.must_load[1]: unknown library 'cudnn_grpah'");
  // A key one major neither declares nor lacks: forgotten, not absent.
  EXPECT_HAS(problems_of(edited("\"lacks\": [\"cudnn_graph\"]", "\"lacks\": []")),
             "f.json: cuda_majors.11.libraries: has no 'cudnn_graph', which CUDA 12, 13 declare: give its soname, "
             "or list it under lacks when CUDA 11 has no such library");
  EXPECT_HAS(problems_of(edited("\"lacks\": [\"cudnn_graph\"]", "\"lacks\": [\"cudnn_graph\", \"cudnn_grpah\"]")),
             "f.json: cuda_majors.11.lacks[1]: unknown library 'cudnn_grpah' (no CUDA major declares it)");
  EXPECT_HAS(problems_of(edited("\"lacks\": [\"cudnn_graph\"]", "\"lacks\": [\"cudnn_graph\", \"cudnn\"]")),
             "f.json: cuda_majors.11.lacks[1]: 'cudnn' is also under libraries: a major has a library or lacks it");
  EXPECT_HAS(problems_of(edited("{so_version:cudnn}", "{so_version:cudnn_graph}")),
             "f.json: flavors.runtime-cudnn.labels.com.nvidia.cudnn.version: {so_version:cudnn_graph}: CUDA 11 has no "
             "soname for 'cudnn_graph'");
  EXPECT_HAS(problems_of(edited("{so_version:cudnn}", "{so_version:cudnn")),
             "f.json: flavors.runtime-cudnn.labels.com.nvidia.cudnn.version: '{so_version:cudnn.*': {so_version: is "
             "not closed by }");
  EXPECT_HAS(problems_of(edited("\"require_cuda_tesla_driver_branches\": [450]",
                                "\"require_cuda_tesla_driver_branches\": [\"450\"]")),
             "f.json: cuda_majors.11.require_cuda_tesla_driver_branches: expected an array of driver branches");
  EXPECT_HAS(problems_of(edited("\"inherits\": \"runtime\", \"must_load\": [\"cudnn\"",
                                "\"inherits\": \"runtim\", \"must_load\": [\"cudnn\"")),
             "f.json: flavors.runtime-cudnn.inherits: unknown flavour 'runtim' (expected one of base, devel, runtime, "
             "runtime-cudnn, or null)");
  EXPECT_HAS(problems_of(edited("\"inherits\": null", "\"inherits\": \"devel\"")),
             "flavors.base.inherits: 'devel' leads back to 'base': inheritance must not go round in a circle");
  EXPECT_HAS(
      problems_of(edited("\"cudart\": \"libcudart.so.13\"", "\"cudart\": \"cudart.dll\"")),
      "f.json: cuda_majors.13.libraries.cudart: expected a soname such as \"libcublas.so.13\", got 'cudart.dll'");
  EXPECT_HAS(problems_of(edited("\"12\": {", "\"twelve\": {")),
             "f.json: cuda_majors.twelve: 'twelve' is not a CUDA major version");
  EXPECT_HAS(problems_of(edited("\"size_budget_bytes\": 500000000", "\"size_budget_bytes\": \"500 MB\"")),
             "f.json: flavors.base.size_budget_bytes: expected a whole number between 1 and");
  EXPECT_HAS(problems_of(edited("\"tools\": [],", "\"toolz\": [],")),
             "f.json: flavors.base.toolz: unknown field (expected one of");
  EXPECT_HAS(problems_of(edited("\"path\": \"/usr/local/cuda/bin/nvcc\"", "\"path\": \"bin/nvcc\"")),
             "f.json: flavors.devel.tools[0].path: expected an absolute path, got 'bin/nvcc'");
  EXPECT_HAS(problems_of(edited("{\"name\": \"nvcc\", ", "{")), "f.json: flavors.devel.tools[0].name: missing");
  EXPECT_HAS(problems_of(edited("\"must_be_absent\": [\"cublas\",", "\"must_be_absent\": [\"cudart\", \"cublas\",")),
             "f.json: flavors.base.must_be_absent: 'cudart' is also in must_load: a library cannot be both");
  EXPECT_HAS(problems_of(edited("\"compute,utility\"", "7")),
             "f.json: flavors.base.environment.NVIDIA_DRIVER_CAPABILITIES: expected a pattern");
  EXPECT_HAS(problems_of(edited("\"never_shipped\": [\"cuda_driver\"]", "\"never_shipped\": [\"libcuda\"]")),
             "f.json: never_shipped[0]: unknown library 'libcuda'");
  EXPECT_HAS(problems_of(R"({"schema_version": 1})"), "f.json: cuda_majors: missing (this field is required)");
  EXPECT_HAS(problems_of(R"({"schema_version": 1})"), "f.json: flavors: missing (this field is required)");
  // Every problem in one go, one line each.
  const auto many = problems_of(edited("\"schema_version\": 1", "\"schema_version\": 2, \"flavours\": {}"));
  EXPECT_HAS(many, "f.json: flavours: unknown field");
  EXPECT_HAS(many, "\nf.json: schema_version: this gpucert reads");
}

TEST(Flavors, AMissingFileSaysWhichFile) {
  const auto c = load_flavor_catalog("/nonexistent/flavors.json");
  ASSERT_FALSE(c.ok());
  EXPECT_HAS(c.error().message, "cannot read the flavour catalogue /nonexistent/flavors.json");
}

}  // namespace
}  // namespace gpucert
