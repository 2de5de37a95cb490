#!/usr/bin/env bash
# GPU tests that each workload's verification catches a wrong answer: with GPUCERT_TEST_CORRUPT=<workload>[@rank]
# (kernels/common/test_corruption.hpp) the workload overwrites part of its output after every run, before its
# verification; the measurement must come back "failed" and the run exit 1, while the same run without the fault
# passes. One element for the workloads that check every element (stream, host_copy, the copy workloads, nccl: one
# rank's receive buffer on two ranks), one tile for those that sample (gemm, conv).
# Usage: corruption_cases.sh BIN_DIR. Exits 77 (skipped) without a usable GPU.
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

"$bin/gpucert-worker" --probe >"$tmp/probe.json" 2>/dev/null || true
gpus=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1])).get('devices', [])))" "$tmp/probe.json" \
       2>/dev/null || echo 0)
[ "$gpus" -ge 1 ] || skip "no usable GPU here (gpucert doctor says why)"

item() {
  case $1 in
    stream) echo '{"workload": "stream", "kernels": ["triad", "dot"], "precisions": ["fp64"], "array_bytes": 67108864}' ;;
    host_copy) echo '{"workload": "host_copy", "bytes": 16777216}' ;;
    gemm) echo '{"workload": "gemm", "precisions": ["fp32", "bf16"], "shapes": [[2048, 2048, 2048]]}' ;;
    conv) echo '{"workload": "conv", "precisions": ["fp16"], "directions": ["forward", "backward_data", "backward_filter"], "shapes": [{"n": 32, "c": 64, "h": 56, "w": 56, "k": 64, "r": 3, "s": 3, "pad": 1, "stride": 1}]}' ;;
    nccl) echo '{"workload": "nccl", "collectives": ["all_reduce", "all_gather", "reduce_scatter", "broadcast", "reduce", "alltoall", "sendrecv"], "precisions": ["fp32"], "begin_bytes": 1048576}' ;;
    peer_copy) echo '{"workload": "peer_copy", "bytes": 16777216}' ;;
    host_copy_all) echo '{"workload": "host_copy_all", "bytes": 16777216}' ;;
  esac
}

# run NAME FAULT RANKS: the suite of one workload, with the fault (or none), on RANKS ranks; prints the statuses.
run() {
  local workload=$1 fault=$2 ranks=$3 out="$tmp/$1-${2:-clean}" launcher=()
  printf '{"schema_version": 1, "name": "corrupt-%s", "defaults": {"warmup": 1, "repetitions": 3}, "items": [%s]}' \
    "$workload" "$(item "$workload")" >"$tmp/suite.json"
  if [ "$ranks" -gt 1 ]; then
    launcher=(mpirun --allow-run-as-root --oversubscribe -np "$ranks" -x GPUCERT_TEST_CORRUPT="$fault")
  fi
  set +e
  GPUCERT_TEST_CORRUPT="$fault" timeout 900 "${launcher[@]}" "$bin/gpucert" run --suite "$tmp/suite.json" \
    --out "$out" >"$out.log" 2>&1
  code=$?
  set -e
  python3 - "$out/report.json" "$workload" "$fault" "$code" <<'PY' || { tail -20 "$out.log"; fail "$workload ${fault:-clean}"; }
import json, sys
report, workload, fault, code = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
results = [r for r in json.load(open(report))["results"] if r["workload"] == workload]
assert results, "no result"
rank = int(fault.split("@")[1]) if "@" in fault else None
for r in results:
    measured = r["status"] != "waived"
    hit = bool(fault) and measured and (rank is None or r["rank"] == rank)
    expected = "failed" if hit else ("ok", "waived")
    assert r["status"] in expected, (r["id"], r["rank"], r["status"], r.get("message"))
    if hit:
        assert r["verification"]["mismatches"] > 0 and not r["verification"]["passed"], r
measured = [r for r in results if r["status"] != "waived"]
assert measured, "every result was waived: " + "; ".join(r.get("message", "") for r in results)
assert code == 1 if fault else code in (0, 1), f"exit code {code}"  # clean: a floor or health check may fail
print(f"{workload} {fault or 'clean'}: {len(measured)} measured, "
      f"{sum(r['status'] == 'failed' for r in measured)} failed, exit {code}")
PY
}

for workload in stream host_copy gemm conv peer_copy host_copy_all; do
  case $workload in
    gemm) [ -f "$bin/libgpucert-gemm.so" ] || { echo "gemm: not built, skipped"; continue; } ;;
    conv) [ -f "$bin/libgpucert-conv.so" ] || { echo "conv: not built, skipped"; continue; } ;;
    peer_copy) [ "$gpus" -ge 2 ] || { echo "peer_copy: two GPUs needed, skipped"; continue; } ;;
  esac
  run "$workload" "" 1
  run "$workload" "$workload" 1
done
if [ -f "$bin/libgpucert-nccl.so" ]; then
  ranks=$(( gpus >= 2 ? 2 : 1 ))
  run nccl "" "$ranks"
  # Rank 0's buffer: it is reduce's root, the one rank whose reduce output is defined and checked; on two ranks
  # rank 1 must still pass.
  run nccl "nccl@0" "$ranks"
fi
echo "every workload's verification failed its corrupted output and passed the clean one"
