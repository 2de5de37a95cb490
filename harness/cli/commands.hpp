// The subcommands of `gpucert`, each returning a documented exit code (core/run_record.hpp).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace gpucert::cli {

struct RunArgs {
  std::string suite;   // empty: the embedded quick suite
  std::string out;     // empty: gpucert-out/run-<time>
  std::string resume;  // a run's output folder to continue; empty: a fresh run
  std::uint64_t seed = 1;
  int timeout_s = 600;
  int rank_timeout_s = 0;  // 0: timeout_s + 300
  int nccl_timeout_s = 0;  // 0: half of timeout_s
  std::string thresholds;  // empty: the built-in performance floors
  std::string command_line;
  // Container environments beside native (environment_plan.hpp).
  std::string runtime = "oci";
  std::vector<std::string> flavors;
  std::string image_prefix;
  std::string cuda_version;                // empty: the CUDA this gpucert was built with
  std::vector<std::string> cuda_versions;  // --cuda 11.8,12.9,13.0: the flavors in each (empty: the suite's, if any)
  std::string os = "ubuntu24.04";
  std::vector<std::string> images;  // NAME=IMAGE
  int rounds = 5;
  std::string scratch;           // oci bundles' parent; empty: the temporary folder
  std::string samples_on_nodes;  // empty: every sample is gathered at the root
  std::set<std::string> given;   // the options given on the command line, by long name ("seed")
};

int command_run(const RunArgs& args, int* argc, char*** argv);
struct DoctorArgs {
  int timeout_s = 120;
  std::string image;    // empty: natively, on every rank
  std::string runtime;  // for --image; empty: oci for a folder
  std::string gpus = "0";
  std::string scratch;               // oci bundle folder's parent; empty: the temporary folder
  std::string driver;                // the host driver release the image is judged against; empty: this host's
  bool static_only = false;          // read the image only, start nothing (a CPU builder)
  std::string injection = "legacy";  // oci: legacy (docker --gpus) or cdi (podman --device)
  std::string image_config;  // the image's OCI config (or `podman image inspect` output); empty: beside the rootfs
};
CLI::App* add_doctor_command(CLI::App& app, DoctorArgs& args);
int command_doctor(const DoctorArgs& args, int* argc, char*** argv);
int command_list(bool schema);

struct CdiArgs {
  std::string output;  // empty: standard output
  std::string kind = "nvidia.com/gpu";
  bool no_hooks = false;
  // `gpucert cdi hook NAME [--folder DIR]... [--host-driver-version R]`: what the spec's hooks run
  std::string hook;
  std::vector<std::string> folders;
  std::string host_driver_version;
  CLI::App* hook_command = nullptr;
};
CLI::App* add_cdi_command(CLI::App& app, CdiArgs& args);
int command_cdi(const CdiArgs& args);

struct ReportArgs {
  std::string dir;
  std::string thresholds;  // empty: the built-in floors
};
CLI::App* add_report_command(CLI::App& app, ReportArgs& args);
int command_report(const ReportArgs& args);

struct CompareArgs {
  std::string old_path;                // the baseline: an output folder or a report.json file
  std::vector<std::string> new_paths;  // each judged against it
  std::string threshold = "5%";        // a fraction or a percentage
  double noise_factor = 3.0;
  std::string thresholds;  // empty: the built-in floors
};
CLI::App* add_compare_command(CLI::App& app, CompareArgs& args);
int command_compare(const CompareArgs& args);

struct SimulateArgs {
  std::string out;
  std::string suite = "acceptance";
  int nodes = 16, gpus_per_node = 8, samples = 0;
  std::uint64_t seed = 1;
  std::vector<std::string> slow_gpus, slow_nodes, slow_pairs;
  bool no_split_nccl = false;
  bool summaries = false;
};
CLI::App* add_simulate_command(CLI::App& app, SimulateArgs& args);
int command_simulate(const SimulateArgs& args);

struct HistoryArgs {
  std::string db = "gpucert-history.sqlite";
  std::vector<std::string> runs;
  std::string host, measurement, thresholds;
};
struct HistoryCommands {
  CLI::App* load = nullptr;
  CLI::App* runs = nullptr;
  CLI::App* node = nullptr;
};
HistoryCommands add_history_command(CLI::App& app, HistoryArgs& args);
int command_history(const HistoryCommands& commands, const HistoryArgs& args);

// gpucert-worker beside this executable (or GPUCERT_WORKER).
std::string worker_path();

}  // namespace gpucert::cli
