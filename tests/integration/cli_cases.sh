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

# `gpucert run --resume` on N ranks: a finished run is cut back to what a crash would leave (about half its lines
# and the next one cut short, no reports), then resumed. On a CPU machine the records are the NCCL measurements'
# "could not start" results; on a GPU machine every measurement's.
resume_case() {
  local np=$1 dir=$tmp/run; local -a launch=()
  [ "$np" = 1 ] || launch=(mpirun_cmd -np "$np")
  printf '%s' '{"schema_version":1,"name":"resume","defaults":{"warmup":1,"repetitions":3},"items":[
    {"workload":"stream","precisions":["fp32"],"array_bytes":1048576},
    {"workload":"nccl","begin_bytes":1024,"end_bytes":8192,"factor":8}]}' >"$tmp/suite.json"
  sed 's/"resume"/"resume2"/' "$tmp/suite.json" >"$tmp/other.json"
  set +e; "${launch[@]}" "$bin/gpucert" run --suite "$tmp/suite.json" --seed 5 --out "$dir" >"$tmp/log" 2>&1; first=$?; set -e
  cat "$tmp/log"
  [ -f "$dir/run.json" ] || fail "no run.json"
  [ "$(json "$dir/run.json" 'd["seed"], d["ranks"], d["suite"]["name"]')" = "(5, $np, 'resume')" ] || fail "run.json"
  cp "$dir/results.jsonl" "$tmp/full.jsonl"
  python3 - "$tmp/full.jsonl" "$dir/results.jsonl" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
assert len(lines) >= 4, f"too few records to cut: {len(lines)}"
keep = len(lines) // 2 | 1  # odd: with two ranks, one measurement is left half recorded
open(sys.argv[2], "wb").write(b"".join(l + b"\n" for l in lines[:keep]) + lines[keep][: len(lines[keep]) // 2])
PY
  rm -f "$dir"/report.* "$dir/junit.xml"
  cp "$dir/results.jsonl" "$tmp/cut.jsonl"

  # Refused, exit 2, the log untouched: another suite, another seed, --out elsewhere, a folder that is no run.
  set +e; "${launch[@]}" "$bin/gpucert" run --suite "$tmp/other.json" --seed 5 --resume "$dir" >"$tmp/err" 2>&1; code=$?; set -e
  cat "$tmp/err"
  [ "$code" = 2 ] || fail "another suite: exit code $code, expected 2"
  grep -q "cannot resume $dir: this is not the run that stopped there" "$tmp/err" || fail "no refusal"
  grep -q "the suite differs: it was 'resume' from $tmp/suite.json" "$tmp/err" || fail "the suite is not named"
  set +e; "${launch[@]}" "$bin/gpucert" run --suite "$tmp/suite.json" --seed 6 --resume "$dir" >"$tmp/err" 2>&1; code=$?; set -e
  [ "$code" = 2 ] && grep -q -- "--seed differs: it was 5, now 6" "$tmp/err" || { cat "$tmp/err"; fail "another seed"; }
  set +e; "$bin/gpucert" run --suite "$tmp/suite.json" --seed 5 --resume "$dir" --out "$tmp/elsewhere" >"$tmp/err" 2>&1; code=$?; set -e
  [ "$code" = 2 ] && grep -q -- "is not the folder --resume" "$tmp/err" || { cat "$tmp/err"; fail "--out elsewhere"; }
  mkdir -p "$tmp/empty"
  set +e; "$bin/gpucert" run --resume "$tmp/empty" >"$tmp/err" 2>&1; code=$?; set -e
  [ "$code" = 2 ] && grep -q "run.json is missing" "$tmp/err" || { cat "$tmp/err"; fail "a folder without run.json"; }
  cmp -s "$dir/results.jsonl" "$tmp/cut.jsonl" || fail "a refused resume changed results.jsonl"
  [ ! -e "$tmp/elsewhere" ] || fail "a refused resume made --out"

  set +e; "${launch[@]}" "$bin/gpucert" run --suite "$tmp/suite.json" --seed 5 --resume "$dir" --out "$dir/" >"$tmp/log" 2>&1; code=$?; set -e
  cat "$tmp/log"
  [ "$code" = "$first" ] || fail "resumed: exit code $code, the first run's was $first"
  python3 - "$tmp/full.jsonl" "$tmp/cut.jsonl" "$dir/results.jsonl" "$dir/report.json" "$tmp/log" <<'PY' || fail "the resumed run's records are not what they should be"
import json, re, sys
full, cut, now, report, log = sys.argv[1:]
key = lambda r: (r["id"], r["environment"], r["rank"])
full_keys = [key(json.loads(l)) for l in open(full)]
cut_bytes, now_bytes = open(cut, "rb").read(), open(now, "rb").read()
assert now_bytes.startswith(cut_bytes + b"\n"), "the old bytes are not kept, or the cut line got no newline"
kept = [json.loads(l) for l in cut_bytes.split(b"\n")[:-1]]
added = [json.loads(l) for l in now_bytes[len(cut_bytes) + 1:].split(b"\n")[:-1]]
kept_keys, added_keys = {key(r) for r in kept}, [key(r) for r in added]
assert not kept_keys & set(added_keys), f"recorded again: {kept_keys & set(added_keys)}"
assert sorted(kept_keys | set(added_keys)) == sorted(full_keys) and len(added_keys) == len(set(added_keys)), (added_keys, full_keys)
results = [key(r) for r in json.load(open(report))["results"]]
assert sorted(results) == sorted(full_keys), ("report.json", results, full_keys)
ranks_of = lambda keys, i: {k[2] for k in keys if k[0] == i}
done = sum(1 for i in {k[0] for k in full_keys} if ranks_of(kept_keys, i) == ranks_of(full_keys, i))
plan = int(re.search(r"\((\d+) measurements\)", open(log).read()).group(1))
assert f"resuming: {done} of {plan} measurements already done" in open(log).read(), (done, plan)
PY
  grep -q "skipped a last line cut short" "$tmp/log" || fail "the cut line was not reported"
  "$bin/gpucert" report "$dir" >"$tmp/report" 2>&1 || { cat "$tmp/report"; fail "gpucert report of the resumed run"; }
  grep -q "skipped a line cut short by an interrupted run" "$tmp/report" || fail "gpucert report did not mention the cut line"
}

case "$case_name" in
  run_resume) resume_case 1 ;;
  mpirun_resume) resume_case 2 ;;
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
