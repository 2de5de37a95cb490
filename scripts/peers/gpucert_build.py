#!/usr/bin/env python3
"""Another gpucert build as scripts/perf's peer: the before-and-after proof of a change to a hot path. scripts/perf
runs this build and the other one in turns on the same card (--interleave K), so each row's ratio is this build's
figure over the other build's, both measured under the same power state of the card.

Usage (GPUCERT_PEER_BUILD_DIR is the other build's folder, e.g. a checkout of the last release built with
scripts/build):
  GPUCERT_PEER_BUILD_DIR=/tmp/before/build scripts/perf --suite perf --peer scripts/peers/gpucert_build.py \\
      --interleave 4 --out /tmp/after-vs-before

It runs `$GPUCERT_PEER_BUILD_DIR/bin/gpucert run` on the items of --suite whose workload that build knows (an older
build may lack a newer workload; those ids are skipped, with the reason) and writes the figures in the peer format
of torch_suite.py: {"results": {id: {"figure", "unit", "check": {"passed"}} | {"skipped": why}}}. The tables call it
by the version and commit that build reports, or GPUCERT_PEER_NAME ("gpucert 05918d9") where that says too little
(a build from an exported tree has no commit of its own). Its exit status is
0 when that build ran and left a report, whatever the report says (a failed check shows as the row's check)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import comparison  # noqa: E402
import suite_plan  # noqa: E402


def known_workloads(list_output):
    """The workload names of `gpucert list`'s "Workloads:" section: its two-space-indented lines up to the blank
    line that ends it (deeper-indented lines continue a description)."""
    lines = list_output.splitlines()
    if "Workloads:" not in lines:
        return set()
    names = set()
    for line in lines[lines.index("Workloads:") + 1:]:
        if not line.startswith("  "):
            break
        if not line.startswith("   "):
            names.add(line.split()[0])
    return names


def split_suite(suite, workloads):
    """(the suite narrowed to the items of `workloads`, {id: why skipped} of the measurements left out)."""
    left_out = {m.id: f"the peer build has no workload '{m.workload}'"
                for m in suite_plan.expand_suite(suite) if m.workload not in workloads}
    return dict(suite, items=[i for i in suite.get("items", []) if i.get("workload") in workloads]), left_out


def peer_results(report, left_out):
    """torch_suite.py's results format from the other build's report.json."""
    results = {mid: {"skipped": why} for mid, why in left_out.items()}
    for mid, entry in comparison.gpucert_figures(report).items():
        if entry["verified"] is None:
            results[mid] = {"skipped": "waived by the peer build"}
        elif entry["figure"] is None:
            results[mid] = {"error": "the peer build left no figure"}
        else:
            results[mid] = {"figure": entry["figure"], "unit": entry["unit"],
                            "check": {"passed": entry["verified"], "method": "the peer build's own verification"}}
    return results


def run_build(gpucert, suite):
    """The other build's report.json after it ran `suite` in a scratch folder; exits when it left none."""
    with tempfile.TemporaryDirectory(prefix="gpucert-peer-build-") as scratch:
        suite_file = os.path.join(scratch, "suite.json")
        with open(suite_file, "w") as f:
            json.dump(suite, f, indent=1)
        out = os.path.join(scratch, "run")
        code = subprocess.run([gpucert, "run", "--suite", suite_file, "--out", out]).returncode
        try:
            with open(os.path.join(out, "report.json")) as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            sys.exit(f"gpucert_build.py: the peer build (exit {code}) left no readable report.json: {e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", required=True, help="the suite file scripts/perf wrote (one item per id)")
    parser.add_argument("--out", required=True, metavar="FILE.json", help="where the peer figures go")
    args = parser.parse_args(argv)
    build = os.environ.get("GPUCERT_PEER_BUILD_DIR")
    if not build:
        parser.error("set GPUCERT_PEER_BUILD_DIR to the other build's folder (the one holding bin/gpucert)")
    gpucert = os.path.join(build, "bin", "gpucert")
    if not os.access(gpucert, os.X_OK):
        parser.error(f"{gpucert} is not an executable; build that checkout with scripts/build first")

    listed = subprocess.run([gpucert, "list"], stdout=subprocess.PIPE, text=True)
    workloads = known_workloads(listed.stdout)
    if listed.returncode != 0 or not workloads:
        sys.exit(f"gpucert_build.py: `{gpucert} list` (exit {listed.returncode}) named no workload")
    with open(args.suite) as f:
        suite, left_out = split_suite(json.load(f), workloads)
    report = run_build(gpucert, suite) if suite["items"] else {}
    build_info = report.get("gpucert", {})
    name = (f'gpucert {build_info.get("version", "?")} ({build_info.get("git") or os.path.abspath(build)})'
            if build_info else f"gpucert in {os.path.abspath(build)}")
    doc = {"schema_version": 1, "peer_name": os.environ.get("GPUCERT_PEER_NAME") or name,
           "results": peer_results(report, left_out)}
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
