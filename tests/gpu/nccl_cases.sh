#!/usr/bin/env bash
# GPU tests of the nccl workload, through the real worker and mpirun: every collective, precision, reduction,
# in place and out of place, eagerly and as a CUDA graph, at sizes that do not split evenly, each verified
# element by element. They exit 77 (skipped) where there is no usable GPU or too few of them.
# Usage: nccl_cases.sh BIN_DIR CASE (nccl_one_rank | nccl_two_ranks).
set -euo pipefail
bin=$1
case_name=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

"$bin/gpucert-worker" --probe >"$tmp/probe.json" 2>/dev/null || true
gpus=$(json "$tmp/probe.json" 'len(d.get("devices", []))' 2>/dev/null || echo 0)
[ "$gpus" -ge 1 ] || skip "no usable GPU here (gpucert doctor says why)"
[ -f "$bin/libgpucert-nccl.so" ] || skip "gpucert was built without NCCL"

# 1000 bytes and its multiples by 97: counts that leave remainders for every rank split and element size.
cat >"$tmp/suite.json" <<'SUITE'
{"schema_version": 1, "name": "nccl-gpu-tests", "defaults": {"warmup": 1, "repetitions": 2}, "items": [
  {"workload": "nccl", "precisions": ["fp32", "fp16", "bf16", "fp64", "int32"],
   "begin_bytes": 1000, "end_bytes": 9409000, "factor": 97, "iterations": 3},
  {"workload": "nccl", "collectives": ["all_reduce", "reduce_scatter", "reduce"], "reduction": "prod",
   "precisions": ["fp32", "fp16", "bf16", "fp64", "int32"], "begin_bytes": 97000, "iterations": 2},
  {"workload": "nccl", "collectives": ["all_reduce", "reduce_scatter", "reduce"], "reduction": "max",
   "precisions": ["fp32", "bf16", "int32"], "begin_bytes": 97000, "iterations": 2},
  {"workload": "nccl", "collectives": ["all_reduce", "reduce_scatter", "reduce"], "reduction": "min",
   "precisions": ["fp16", "fp64", "int32"], "begin_bytes": 97000, "iterations": 2},
  {"workload": "nccl", "collectives": ["all_reduce", "reduce_scatter", "reduce"], "reduction": "avg",
   "precisions": ["fp32", "fp16", "bf16", "fp64", "int32"], "begin_bytes": 97000, "iterations": 2},
  {"workload": "nccl", "in_place": true, "precisions": ["fp32", "bf16"], "begin_bytes": 1000, "end_bytes": 9409000,
   "factor": 97, "iterations": 3},
  {"workload": "nccl", "graph": true, "precisions": ["fp32"], "begin_bytes": 97000, "end_bytes": 9409000,
   "factor": 97, "iterations": 4},
  {"workload": "nccl", "graph": true, "in_place": true, "collectives": ["all_reduce"], "begin_bytes": 9409000,
   "iterations": 4}]}
SUITE

check_report() {
  local report=$1 ranks=$2
  python3 - "$report" "$ranks" <<'PY' || fail "a collective did not verify (see above)"
import json, sys
d = json.load(open(sys.argv[1])); ranks = int(sys.argv[2])
bad = [(r["id"], r["rank"], r["status"], r["message"]) for r in d["results"]
       if r["status"] not in ("ok", "waived") or r["verification"]["mismatches"] != 0]
for b in bad: print("BAD", *b)
assert not bad, f"{len(bad)} bad results"
ok = [r for r in d["results"] if r["status"] == "ok"]
assert ok, "nothing ran"
for r in ok:
    assert r["details"]["nranks"] == ranks, r["details"]
    assert r["figure"]["at_median"] > 0 and r["bus_figure"] is not None, r["id"]
    defined = not r["id"].startswith("nccl/reduce") or r["id"].startswith("nccl/reduce_scatter") or r["rank"] == 0
    assert (r["verification"]["checked"] > 0) == defined, (r["id"], r["rank"], r["verification"])
print(f"{len(ok)} results verified, {len(d['results']) - len(ok)} waived; summaries: {len(d.get('nccl', []))}")
PY
}

case "$case_name" in
  nccl_one_rank)
    set +e; timeout 900 "$bin/gpucert" run --suite "$tmp/suite.json" --out "$tmp/out" >"$tmp/log" 2>&1; code=$?; set -e
    tail -5 "$tmp/log"
    [ "$code" = 0 ] || { cat "$tmp/log"; fail "exit code $code"; }
    check_report "$tmp/out/report.json" 1
    ;;
  nccl_two_ranks)
    [ "$gpus" -ge 2 ] || skip "two GPUs needed, $gpus visible"
    set +e
    timeout 900 mpirun --allow-run-as-root --oversubscribe -np 2 "$bin/gpucert" run --suite "$tmp/suite.json" \
      --out "$tmp/out" >"$tmp/log" 2>&1
    code=$?
    set -e
    tail -5 "$tmp/log"
    [ "$code" = 0 ] || { cat "$tmp/log"; fail "exit code $code"; }
    check_report "$tmp/out/report.json" 2
    # A hung peer during collectives: rank 1 stops before its first result is gathered, after its worker
    # has already joined every collective of that measurement; rank 0 names it within the rank timeout.
    set +e
    timeout 300 mpirun --allow-run-as-root --oversubscribe -np 2 -x GPUCERT_TEST_FAULT=1:measurement:0:hang \
      "$bin/gpucert" run --suite "$tmp/suite.json" --out "$tmp/hang" --rank-timeout 20 >"$tmp/hang.log" 2>&1
    code=$?
    set -e
    tail -5 "$tmp/hang.log"
    [ "$code" != 124 ] && [ "$code" != 0 ] || fail "a hung rank was not detected (exit code $code)"
    grep -q "rank 1 on host .* sent nothing within 20 s" "$tmp/hang.log" || fail "rank 0 did not name the hung rank"
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
