// `gpucert history`: a site's runs in one SQLite file (reports/history_store.hpp, docs/CLUSTER.md).
//   gpucert history load [--db FILE] RUN...      add runs (output folders or report.json files)
//   gpucert history runs [--db FILE]             the runs it holds
//   gpucert history node [--db FILE] HOST [--measurement PREFIX]   a node's figures over its runs
#include <cstdio>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "core/conformance.hpp"
#include "reports/history_store.hpp"
#include "reports/run_folder.hpp"
#include "thresholds_file.hpp"

namespace gpucert::cli {

HistoryCommands add_history_command(CLI::App& app, HistoryArgs& args) {
  auto* cmd = app.add_subcommand("history", "Keep runs in one SQLite file and follow a node's figures over them");
  cmd->require_subcommand(1);
  cmd->footer(
      "\nThe store is plain SQLite: `sqlite3 gpucert-history.sqlite` answers any other question (tables runs, "
      "results, checks, nodes; docs/CLUSTER.md).\nExit codes: 0 done, 2 bad input or an unreadable store.");
  HistoryCommands out;
  out.load = cmd->add_subcommand("load", "Add runs to the store (a run loaded again replaces itself)");
  out.load->add_option("runs", args.runs, "Output folders or report.json files")->required();
  out.load->add_option("--thresholds", args.thresholds,
                       "Performance floors for the runs' checks; default: the built-in ones");
  out.runs = cmd->add_subcommand("runs", "List the runs in the store, oldest first");
  out.node = cmd->add_subcommand("node", "A node's figures over its runs, each against its first run");
  out.node->add_option("host", args.host, "The node, as the reports name it")->required();
  out.node->add_option("--measurement", args.measurement, "Only measurements whose id starts with this");
  for (auto* sub : {out.load, out.runs, out.node}) sub->add_option("--db", args.db, "The store")->capture_default_str();
  return out;
}

int command_history(const HistoryCommands& commands, const HistoryArgs& args) {
  auto store = reports::HistoryStore::open(args.db);
  if (!store) {
    std::fprintf(stderr, "gpucert: %s\n", store.error().message.c_str());
    return kExitBadInput;
  }
  if (commands.load->parsed()) {
    auto thresholds = load_thresholds(args.thresholds);
    if (!thresholds) {
      std::fprintf(stderr, "gpucert: %s\n", thresholds.error().message.c_str());
      return kExitBadInput;
    }
    for (const auto& path : args.runs) {
      auto read = reports::read_run(path);
      if (!read) {
        std::fprintf(stderr, "gpucert: %s: %s\n", path.c_str(), read.error().message.c_str());
        return kExitBadInput;
      }
      for (const auto& w : read->warnings) std::fprintf(stderr, "gpucert: warning: %s\n", w.c_str());
      auto& run = read->run;
      // Every run judged by the same floors, whatever its report once said.
      judge_run(run, *thresholds);
      auto id = store->add(run, path);
      if (!id) {
        std::fprintf(stderr, "gpucert: %s: %s\n", path.c_str(), id.error().message.c_str());
        return kExitBadInput;
      }
      std::printf("%s: run %lld (%s, %s, %zu result(s) of %zu rank(s))\n", path.c_str(), *id, run.suite_name.c_str(),
                  run.started.c_str(), run.results.size(), run.ranks.size());
    }
    return kExitPassed;
  }
  if (commands.runs->parsed()) {
    auto runs = store->runs();
    if (!runs) {
      std::fprintf(stderr, "gpucert: %s\n", runs.error().message.c_str());
      return kExitBadInput;
    }
    std::printf("%-5s %-22s %-12s %-6s %-5s %-10s %s\n", "id", "started", "suite", "ranks", "exit", "slurm job",
                "source");
    for (const auto& r : *runs)
      std::printf("%-5lld %-22s %-12s %-6d %-5d %-10s %s\n", r.id, r.started.c_str(), r.suite.c_str(), r.ranks,
                  r.exit_code, r.slurm_job.empty() ? "-" : r.slurm_job.c_str(), r.source.c_str());
    return kExitPassed;
  }
  auto rows = store->node_history(args.host, args.measurement);
  if (!rows) {
    std::fprintf(stderr, "gpucert: %s\n", rows.error().message.c_str());
    return kExitBadInput;
  }
  std::fputs(reports::render_node_history(args.host, *rows).c_str(), stdout);
  return kExitPassed;
}

}  // namespace gpucert::cli
