#!/usr/bin/env bash
# Integration cases for the gpucert command line, each a real process (and real mpirun where named).
# Usage: cli_cases.sh BIN_DIR CASE. They hold on a machine with or without a GPU: where the outcome
# depends on it, the case checks the report's own explanation instead of assuming one.
set -euo pipefail
bin=$1
case_name=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mpirun_cmd() { mpirun --allow-run-as-root --oversubscribe --mca btl self,tcp "$@"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

case "$case_name" in
  run_single_rank)
    set +e; "$bin/gpucert" run --out "$tmp/out" >"$tmp/log" 2>&1; code=$?; set -e
    cat "$tmp/log"
    [ -f "$tmp/out/report.json" ] || fail "no report.json"
    [ -f "$tmp/out/report.md" ] || fail "no report.md"
    [ "$(json "$tmp/out/report.json" 'd["schema_version"]')" = 1 ] || fail "schema_version"
    [ "$(json "$tmp/out/report.json" 'd["verdict"]["exit_code"]')" = "$code" ] || fail "verdict exit code differs"
    if [ "$code" = 3 ]; then
      grep -q "Why CUDA is not available:" "$tmp/out/report.md" || fail "report does not explain"
      grep -q "CUDA said" "$tmp/out/report.md" || fail "report does not quote the CUDA error"
      [ "$(json "$tmp/out/report.json" 'len(d["ranks"][0]["diagnoses"]) > 0')" = True ] || fail "no diagnosis"
    else
      [ "$code" = 0 ] || fail "exit code $code"
      # Passing means nothing failed; a workload whose library is absent is "unavailable", not a failure.
      [ "$(json "$tmp/out/report.json" 'all(r["status"] not in ("failed", "error") for r in d["results"])')" = True ] || fail "a result failed"
      [ "$(json "$tmp/out/report.json" 'any(r["status"] == "ok" for r in d["results"])')" = True ] || fail "nothing ran"
    fi
    ;;
  mpirun_two_ranks)
    set +e; mpirun_cmd -np 2 "$bin/gpucert" run --out "$tmp/out" >"$tmp/log" 2>&1; code=$?; set -e
    cat "$tmp/log"
    [ "$(json "$tmp/out/report.json" 'len(d["ranks"])')" = 2 ] || fail "report does not list two ranks"
    [ "$(json "$tmp/out/report.json" 'sorted(r["rank"] for r in d["ranks"])')" = "[0, 1]" ] || fail "rank numbers"
    [ "$(json "$tmp/out/report.json" 'd["fingerprint"]["ranks"]')" = 2 ] || fail "fingerprint ranks"
    grep -q "^| 1 |" "$tmp/out/report.md" || fail "report.md has no row for rank 1"
    case "$code" in 0 | 3) ;; *) fail "exit code $code" ;; esac
    ;;
  bad_suite)
    printf '{"schema_version":1,"name":"bad","items":[{"workload":"stream","precisions":["fp12"],"array_bytes":-5}]} trailing' >"$tmp/trailing.json"
    set +e; "$bin/gpucert" run --suite "$tmp/trailing.json" --out "$tmp/out" 2>"$tmp/err"; code=$?; set -e
    cat "$tmp/err"
    [ "$code" = 2 ] || fail "trailing garbage: exit code $code, expected 2"
    grep -q "line 1, column" "$tmp/err" || fail "no position for trailing garbage"
    printf '{"schema_version":1,"name":"bad","items":[{"workload":"stream","precisions":["fp12"],"array_bytes":-5}]}' >"$tmp/bad.json"
    set +e; "$bin/gpucert" run --suite "$tmp/bad.json" --out "$tmp/out" 2>"$tmp/err"; code=$?; set -e
    cat "$tmp/err"
    [ "$code" = 2 ] || fail "bad fields: exit code $code, expected 2"
    grep -q "items\[0\].precisions\[0\]: unknown precision 'fp12'" "$tmp/err" || fail "precision not named"
    grep -q "items\[0\].array_bytes" "$tmp/err" || fail "size not named"
    [ ! -e "$tmp/out/results.jsonl" ] || fail "something ran despite the bad suite"
    set +e; "$bin/gpucert" run --suite no-such-suite 2>"$tmp/err"; code=$?; set -e
    [ "$code" = 2 ] && grep -q "no suite named 'no-such-suite'" "$tmp/err" || fail "unknown suite name"
    set +e; "$bin/gpucert" run --no-such-option 2>"$tmp/err"; code=$?; set -e
    [ "$code" = 2 ] || fail "unknown option: exit code $code"
    ;;
  doctor)
    set +e; "$bin/gpucert" doctor >"$tmp/out" 2>&1; code=$?; set -e
    cat "$tmp/out"
    grep -q "verdict:" "$tmp/out" || fail "no verdict"
    if [ "$code" = 3 ]; then grep -q "cause \[" "$tmp/out" || fail "no cause given"; else [ "$code" = 0 ] || fail "exit $code"; fi
    ;;
  worker_protocol)
    printf '%s\n' '{"op":"probe"}' 'not json' '{"op":"dance"}' \
      '{"op":"run","workload":"no_such_workload","device":0}' '{"op":"quit"}' | "$bin/gpucert-worker" >"$tmp/out" 2>"$tmp/err"
    cat "$tmp/out"
    [ "$(wc -l <"$tmp/out")" = 5 ] || fail "expected five replies, one per request"
    python3 - "$tmp/out" <<'PY' || fail "replies are not what the protocol says"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
probe, garbage, unknown, run, quit = lines
assert probe["op"] == "probe" and probe["ok"] and "devices" in probe and "libcuda" in probe, probe
assert garbage["ok"] is False and "not a JSON line" in garbage["message"], garbage
assert unknown["ok"] is False and "unknown op 'dance'" in unknown["message"], unknown
assert run["op"] == "run" and run["status"] == "unavailable" and "no_such_workload" in run["message"], run
assert quit == {"op": "quit", "ok": True}, quit
PY
    ;;
  worker_survives_failure)
    # A run that cannot succeed (8 TiB arrays; or no GPU at all) is an "error" reply naming the CUDA error,
    # and the same worker still answers the next request.
    printf '%s\n' '{"op":"run","id":"huge","workload":"stream","params":{"kernel":"copy","precision":"fp64","elements":1099511627776},"repetitions":1}' \
      '{"op":"probe"}' '{"op":"quit"}' | "$bin/gpucert-worker" >"$tmp/out" 2>"$tmp/err"
    cat "$tmp/out"
    python3 - "$tmp/out" <<'PY' || fail "the worker did not report the failure and carry on"
import json, sys
run, probe, quit = [json.loads(l) for l in open(sys.argv[1])]
assert run["status"] == "error" and "cudaError" in run["message"], run
assert probe["op"] == "probe" and probe["ok"], probe
assert quit["ok"], quit
PY
    ;;
  plugin_load_failure)
    # A plugin whose library is missing (as cuBLAS is in the base flavour) makes its workload "unavailable",
    # with the loader's own message as the evidence, in the probe and in the run reply.
    mkdir -p "$tmp/plugins"
    echo 'int gpucert_missing_dependency(void) { return 0; }' >"$tmp/dep.c"
    cc -shared -fPIC -o "$tmp/libgpucert_missing_dependency.so" "$tmp/dep.c"
    echo 'int gpucert_missing_dependency(void); int use(void) { return gpucert_missing_dependency(); }' >"$tmp/plugin.c"
    cc -shared -fPIC -o "$tmp/plugins/libgpucert-gemm.so" "$tmp/plugin.c" -L"$tmp" -lgpucert_missing_dependency
    rm "$tmp/libgpucert_missing_dependency.so"
    printf '%s\n' '{"op":"probe"}' '{"op":"run","id":"g","workload":"gemm","params":{"precision":"fp32","m":64,"n":64,"k":64}}' \
      '{"op":"quit"}' | GPUCERT_PLUGIN_DIR="$tmp/plugins" "$bin/gpucert-worker" >"$tmp/out" 2>"$tmp/err"
    cat "$tmp/out"
    python3 - "$tmp/out" <<'PY' || fail "the missing library did not become an unavailable workload with the loader's message"
import json, sys
probe, run, quit = [json.loads(l) for l in open(sys.argv[1])]
message = "libgpucert_missing_dependency.so: cannot open shared object file"
gemm = next(w for w in probe["workloads"] if w["name"] == "gemm")
assert not gemm["available"] and message in gemm["evidence"], gemm
assert run["status"] == "unavailable" and message in run["message"], run
PY
    ;;
  list_and_help)
    "$bin/gpucert" list >"$tmp/out"
    for w in stream host_copy; do grep -q "^  $w " "$tmp/out" || fail "list lacks workload $w"; done
    grep -q "quick .*measurements" "$tmp/out" || fail "list lacks the quick suite"
    # Captured first: grep -q leaving a pipe early could fail the writer under pipefail.
    "$bin/gpucert" run --help >"$tmp/help"; grep -q -- "--suite" "$tmp/help" || fail "run --help lacks --suite"
    "$bin/gpucert" --help >"$tmp/help"; grep -q "Exit codes" "$tmp/help" || fail "--help lacks exit codes"
    "$bin/gpucert" --version >"$tmp/help"; grep -q "^gpucert " "$tmp/help" || fail "--version"
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
