// gpucert: certify GPU container images and GPU clusters. Started alone it is one MPI rank; under
// `mpirun -np N` each rank takes one GPU (by its rank on the host) and rank 0 gathers everything.
#include <malloc.h>

#include <climits>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "core/run_record.hpp"

namespace {

constexpr const char* kExitCodes = R"(
Exit codes:
  0  every check passed
  1  a check failed (a result did not verify, a measurement broke, a figure fell below its floor)
  2  bad usage or bad input (unknown option, invalid suite)
  3  the environment cannot run the suite (no GPU, no driver: `gpucert doctor` says why)
  4  incomplete: nothing failed, but measurements of the suite have no result (`gpucert run --resume DIR`)
  130, 143  `gpucert run` stopped by SIGINT (Ctrl-C) or SIGTERM; the partial reports are written, marked
     INCOMPLETE. Under mpirun the job's code is mpirun's own (often 1, or 137 when it had to kill a rank).
A run also exits 2 when it cannot write its output folder (a full disk): results.jsonl keeps what was measured.
)";

}  // namespace

int main(int argc, char** argv) {
  // gpucert is a batch process whose largest work, a cluster's report, frees and allocates gigabytes over and
  // over (blocks of results.jsonl, of report.json, millions of records). By default glibc hands large blocks and
  // the top of its heap back to the kernel, which zeroes every page again when they are taken back: at 8192
  // ranks that was a fifth of the time of `gpucert report` (docs/PERFORMANCE.md). Memory stays with the process.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  CLI::App app{
      "gpucert: GPU benchmark and conformance harness. Runs verified workloads (memory bandwidth, "
      "GEMM, convolution, NCCL) on every GPU of every MPI rank and writes reports.",
      "gpucert"};
  app.footer(std::string("Examples:\n"
                         "  gpucert run                              the embedded quick suite on this machine\n"
                         "  gpucert run --suite certify --out out/    a named suite, reports in out/\n"
                         "  mpirun -np 8 gpucert run --suite acceptance   one rank per GPU\n"
                         "  gpucert doctor                           why CUDA is or is not available here\n"
                         "  gpucert doctor --image IMG --runtime podman --gpus 0   the same, inside an image\n"
                         "  gpucert report out/                      render the reports again from out/'s results\n"
                         "  gpucert compare old/ new/                compare two runs; exit 1 on a regression\n"
                         "  gpucert history load runs/*              keep runs in gpucert-history.sqlite\n") +
             kExitCodes);
  app.set_version_flag("--version", std::string("gpucert ") + GPUCERT_VERSION + " (built with CUDA " +
                                        std::to_string(GPUCERT_CUDA_BUILD_VERSION / 1000) + "." +
                                        std::to_string((GPUCERT_CUDA_BUILD_VERSION % 1000) / 10) + ", sm_" +
                                        GPUCERT_CUDA_ARCHITECTURES + ")");
  app.require_subcommand(1);

  gpucert::cli::RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a suite on every rank's GPU and write the reports");
  run_cmd->add_option("--suite", run.suite,
                      "Suite name (quick, certify, acceptance: see `gpucert list`) or path to a suite .json file; "
                      "default: the embedded quick suite");
  run_cmd->add_option("--out", run.out,
                      "Output folder for results.jsonl, ranks.json, report.json, report.md, "
                      "junit.xml and report.html; default: gpucert-out/run-<UTC time>");
  run_cmd->add_option("--resume", run.resume,
                      "Continue the run that stopped in this output folder (crash, kill, lost node): the measurements "
                      "its results.jsonl holds for every rank and environment are not run again, the others are "
                      "appended there; results that broke (error, crashed, timed_out) are tried again, up to 3 "
                      "attempts in all. Alone, it takes the suite and options from the folder's run.json; options "
                      "given beside it must agree. --out, if given, must name the same folder");
  run_cmd->add_option("--seed", run.seed, "Seed of the input data (same on every rank), 0 to 2^64-1")
      ->check([](const std::string& text) {
        // CLI11 would read "-1" as 2^64-1: a negative seed is a typo, not a wish.
        return text.find_first_not_of("0123456789") == std::string::npos && !text.empty()
                   ? std::string()
                   : "the seed is a whole number from 0 to 2^64-1, got '" + text + "'";
      })
      ->capture_default_str();
  run_cmd->add_option("--timeout", run.timeout_s, "Seconds one measurement may take before its worker is killed")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  run_cmd
      ->add_option("--rank-timeout", run.rank_timeout_s,
                   "Seconds rank 0 waits for another rank's result before it names the rank (and its host), "
                   "writes the reports and ends the job; default: --timeout plus 300")
      ->check(CLI::Range(1, 172800));
  run_cmd
      ->add_option("--nccl-timeout", run.nccl_timeout_s,
                   "Seconds a rank's NCCL waits on the other ranks (communicator set-up, each timed sample) "
                   "before it aborts its communicator; below --timeout; default: half of --timeout")
      ->check(CLI::Range(1, 86400));
  run_cmd->add_option("--thresholds", run.thresholds,
                      "Performance floors per GPU model for the performance-floor check (JSON, as "
                      "suites/thresholds.json); default: the built-in ones");
  run_cmd
      ->add_option("--flavors", run.flavors,
                   "Also run the suite in these CUDA image flavors (base, runtime, runtime-cudnn, devel), "
                   "interleaved with native, and compare: comma-separated")
      ->delimiter(',');
  run_cmd
      ->add_option("--runtime", run.runtime,
                   "Container runtime of --flavors and --image: oci (runc bundles gpucert writes), podman, docker, "
                   "apptainer, enroot")
      ->capture_default_str();
  run_cmd->add_option("--image-prefix", run.image_prefix,
                      "Where the flavors' images are: for oci the folder of `images/build-local --output bundle DIR` "
                      "(DIR/<flavor>/rootfs); else a repository, e.g. localhost/cuda gives "
                      "localhost/cuda:<cuda-version>-<flavor>-<os>");
  run_cmd->add_option("--cuda-version", run.cuda_version, "CUDA version in the flavors' tags; default: gpucert's own");
  run_cmd
      ->add_option("--cuda", run.cuda_versions,
                   "Run --flavors in each of these CUDA versions, comma-separated (11.8,12.9,13.0): a matrix of "
                   "CUDA version x flavor, each image with the worker of its CUDA major (build/cuda<major>/, "
                   "GPUCERT_WORKERS); images <prefix>:<version>-<flavor>-<os>, for oci <prefix>/<version>/<flavor>; "
                   "default: the suite's \"cuda_versions\"")
      ->delimiter(',');
  run_cmd->add_option("--os", run.os, "OS in the flavors' tags")->capture_default_str();
  run_cmd->add_option("--image", run.images,
                      "NAME=IMAGE: one more environment, an image of your own (repeatable); a flavor's name as NAME "
                      "checks it as that flavor");
  run_cmd
      ->add_option("--rounds", run.rounds,
                   "With containers: rounds each measurement's repetitions are split into, every round running in "
                   "every environment in turn")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  run_cmd->add_option("--samples-on-nodes", run.samples_on_nodes,
                      "A folder on every node (e.g. /var/tmp/gpucert): each rank keeps its results with every sample "
                      "there (HOST/rank-N.jsonl) and sends rank 0 only their time summaries, so that a large job "
                      "gathers less; the reports read them alike");
  run_cmd->add_option("--scratch", run.scratch,
                      "Folder for the oci bundles (made and removed); default: the temporary folder");
  run_cmd->footer(
      std::string("Examples:\n"
                  "  gpucert run --suite certify --out out/\n"
                  "  gpucert run --suite certify --resume out/   continue it after a crash\n"
                  "  images/build-local --rootfs host --output bundle /var/tmp/flavors\n"
                  "  gpucert run --flavors base,runtime,runtime-cudnn,devel --image-prefix /var/tmp/flavors\n"
                  "  gpucert run --runtime podman --flavors runtime --image-prefix localhost/cuda --os debian12\n"
                  "  mpirun -np 2 gpucert run --suite perf-nccl --flavors runtime --image-prefix /var/tmp/flavors\n"
                  "  gpucert run --runtime podman --cuda 12.9,13.0 --flavors base,runtime --image-prefix "
                  "localhost/cuda --os debian12\n\n") +
      kExitCodes);

  gpucert::cli::DoctorArgs doctor;
  auto* doctor_cmd = gpucert::cli::add_doctor_command(app, doctor);

  bool list_schema = false;
  app.add_subcommand("list", "List the workloads and the suites")
      ->add_flag("--schema", list_schema,
                 "Print the suite format's JSON schema instead, generated from the workloads this gpucert knows "
                 "(suites/suite.schema.json is this output)");

  gpucert::cli::CdiArgs cdi;
  auto* cdi_cmd = gpucert::cli::add_cdi_command(app, cdi);
  gpucert::cli::ReportArgs report;
  auto* report_cmd = gpucert::cli::add_report_command(app, report);
  gpucert::cli::CompareArgs compare;
  auto* compare_cmd = gpucert::cli::add_compare_command(app, compare);
  gpucert::cli::SimulateArgs simulate;
  auto* simulate_cmd = gpucert::cli::add_simulate_command(app, simulate);
  gpucert::cli::HistoryArgs history;
  const auto history_cmds = gpucert::cli::add_history_command(app, history);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : gpucert::kExitBadInput;
  }

  for (int i = 0; i < argc; ++i) run.command_line += (i ? " " : "") + std::string(argv[i]);
  for (const auto* option : run_cmd->get_options())
    if (option->count() > 0 && !option->get_lnames().empty()) run.given.insert(option->get_lnames().front());
  if (run_cmd->parsed()) return gpucert::cli::command_run(run, &argc, &argv);
  if (doctor_cmd->parsed()) return gpucert::cli::command_doctor(doctor, &argc, &argv);
  if (cdi_cmd->parsed()) return gpucert::cli::command_cdi(cdi);
  if (report_cmd->parsed()) return gpucert::cli::command_report(report);
  if (compare_cmd->parsed()) return gpucert::cli::command_compare(compare);
  if (simulate_cmd->parsed()) return gpucert::cli::command_simulate(simulate);
  if (history_cmds.load->parsed() || history_cmds.runs->parsed() || history_cmds.node->parsed())
    return gpucert::cli::command_history(history_cmds, history);
  return gpucert::cli::command_list(list_schema);
}
