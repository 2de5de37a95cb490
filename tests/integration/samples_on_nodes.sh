#!/usr/bin/env bash
# `gpucert run --samples-on-nodes` under real mpirun with two ranks, each driving a stand-in worker
# (stand_in_worker.py: the protocol without a GPU): every rank keeps its full records in HOST/rank-N.jsonl on its
# node, rank 0's results.jsonl holds their time summaries without samples, and the reports still carry every
# figure. Usage: samples_on_nodes.sh BIN_DIR. Exit 77 (skipped) without mpirun.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "SKIP: no mpirun" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root_args=()
[ "$(id -u)" = 0 ] && root_args=(--allow-run-as-root)
GPUCERT_WORKER=$here/stand_in_worker.py mpirun "${root_args[@]}" --oversubscribe -np 2 "$bin/gpucert" run \
  --suite quick --out "$tmp/out" --samples-on-nodes "$tmp/nodes" >"$tmp/run.log" 2>&1 ||
  { cat "$tmp/run.log" >&2; fail "the run failed"; }
python3 - "$tmp" <<'PY' || fail "samples did not stay on the nodes"
import glob, json, sys
tmp = sys.argv[1]
gathered = [json.loads(l) for l in open(f"{tmp}/out/results.jsonl")]
measured = [r for r in gathered if r["status"] == "ok"]
assert measured, "nothing was measured"
for r in measured:
    assert r["samples_s"] == [] and r["time_s"]["count"] == r["repetitions"] and r["figure"], r["id"]
files = sorted(glob.glob(f"{tmp}/nodes/*/rank-*.jsonl"))
assert [f.rsplit("/", 1)[1] for f in files] == ["rank-0.jsonl", "rank-1.jsonl"], files
kept = [json.loads(l) for f in files for l in open(f)]
assert len(kept) == len(measured), (len(kept), len(measured))
assert all(len(r["samples_s"]) == r["repetitions"] for r in kept)
report = json.load(open(f"{tmp}/out/report.json"))
assert sum(1 for r in report["results"] if r["figure"]) == len(measured)
print(f"{len(measured)} results gathered as summaries; their {sum(len(r['samples_s']) for r in kept)} samples stayed in {len(files)} node files")
PY
echo PASS
