#!/usr/bin/env bash
# Faults and bad input against `gpucert run` on a CPU machine (docs/RELIABILITY.md): a stand-in worker
# (fault_worker.py) that reports one GPU and crashes, hangs, answers garbage, sends bytes that are not UTF-8, or
# exits mid-reply when told; a rank killed under mpirun; SIGINT and SIGTERM; a folder that holds another run; a
# results file mixing runs; an unwritable results file. Each case checks the record, that the run completes,
# that results.jsonl keeps every finished result, and that `gpucert run --resume DIR` alone completes the run.
# Usage: fault_cases.sh BIN_DIR CASE
set -euo pipefail
bin=$1
case_name=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mpirun_cmd() { mpirun --allow-run-as-root --oversubscribe --mca btl self,tcp "$@"; }
export GPUCERT_WORKER=$here/fault_worker.py GPUCERT_FAULT_DIR=$tmp GPUCERT_FAULT_LOG=$tmp/requests
# Four stream measurements, each with a 3 s deadline.
printf '%s' '{"schema_version":1,"name":"faults","defaults":{"warmup":0,"repetitions":2,"timeout_s":3},"items":[
  {"workload":"stream","kernels":["copy","mul","add","triad"],"precisions":["fp32"],"array_bytes":1048576}]}' >"$tmp/suite.json"
sed 's/"timeout_s":3/"timeout_s":60/' "$tmp/suite.json" >"$tmp/slow.json"  # for the signal cases
dir=$tmp/run

run_gpucert() {  # run_gpucert ARGS...: sets $code, keeps the output in $tmp/log
  set +e; "$@" >"$tmp/log" 2>&1; code=$?; set -e
  cat "$tmp/log"
}
# check_report DIR PYTHON: asserts about report.json (r) and results.jsonl lines (lines).
check_report() {
  python3 - "$1" "$2" <<'PY' || fail "report of $1: $2"
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/report.json"))
lines = [json.loads(l) for l in open(d + "/results.jsonl", "rb").read().decode("utf-8").splitlines() if l]
by = {x["id"]: x for x in r["results"]}
assert eval(sys.argv[2]), (sys.argv[2], r["verdict"], [(x["id"], x["status"], x["message"][:200]) for x in r["results"]])
PY
}

# One fault in the second measurement: the item is recorded with the given status, a fresh worker measures the
# rest, every finished result is in results.jsonl, and `--resume DIR` alone measures the broken one again.
worker_fault_case() {
  local fault=$1 status=$2 evidence=$3
  GPUCERT_FAULTS="$fault=stream/mul" run_gpucert "$bin/gpucert" run --suite "$tmp/suite.json" --out "$dir" --timeout 60
  [ "$code" = 1 ] || fail "$fault: exit code $code, expected 1 (a measurement broke)"
  check_report "$dir" "len(lines) == 4 and len(r['results']) == 4"
  check_report "$dir" "by['stream/mul/fp32/1MiB']['status'] == '$status'"
  grep -q -- "$evidence" "$dir/report.json" || fail "$fault: the record lacks '$evidence'"
  check_report "$dir" "all(by[k]['status'] == 'ok' for k in by if not k.startswith('stream/mul'))"
  # The measurements after the fault ran on another worker process.
  [ "$(awk '{print $1}' "$tmp/requests" | sort -u | wc -l)" -ge 2 ] || fail "$fault: no fresh worker was started"
  run_gpucert "$bin/gpucert" run --resume "$dir"
  [ "$code" = 0 ] || fail "$fault: the resumed run exits $code, expected 0"
  grep -q "resuming: 3 of 4 measurements already done" "$tmp/log" || fail "$fault: the broken one was not retried"
  check_report "$dir" "by['stream/mul/fp32/1MiB']['status'] == 'ok' and by['stream/mul/fp32/1MiB']['earlier_attempts'][0]['status'] == '$status'"
  check_report "$dir" "len(lines) == 5 and 'incomplete' not in r['verdict'] and r['verdict']['exit_code'] == 0"
}

case "$case_name" in
  worker_crash) worker_fault_case crash crashed "Segmentation fault" ;;
  worker_hang) worker_fault_case hang timed_out "gave no answer within 3 s" ;;
  worker_garbage) worker_fault_case garbage crashed "not a JSON line" ;;
  worker_exits_mid_reply) worker_fault_case midreply crashed "exited with status 3 before answering" ;;
  worker_sticky_cuda_error) worker_fault_case error error "leaves the CUDA context unusable: the worker was replaced" ;;
  worker_invalid_utf8)
    GPUCERT_FAULTS="utf8=stream/mul" run_gpucert "$bin/gpucert" run --suite "$tmp/suite.json" --out "$dir"
    [ "$code" = 0 ] || fail "invalid UTF-8: exit code $code"
    check_report "$dir" "by['stream/mul/fp32/1MiB']['status'] == 'ok' and '\ufffd' in by['stream/mul/fp32/1MiB']['message']"
    # gpucert-worker itself: a request line that is not UTF-8, answered, and the next one too.
    printf '{"op":"dance\xff"}\n\xfe\xff\n{"op":"quit"}\n' | "$bin/gpucert-worker" >"$tmp/out" 2>/dev/null
    python3 -c "
import json, sys
lines = open('$tmp/out', 'rb').read().decode('utf-8').splitlines()
assert len(lines) == 3 and json.loads(lines[2]) == {'op': 'quit', 'ok': True}, lines
assert all(json.loads(l)['ok'] is False for l in lines[:2]), lines" || fail "gpucert-worker and invalid UTF-8"
    # A request line of 2 MiB: refused with a message, not held; the next request answered.
    { head -c 2097152 /dev/zero | tr '\0' 'x'; printf '\n{"op":"quit"}\n'; } | "$bin/gpucert-worker" >"$tmp/out" 2>/dev/null
    grep -q "a request line longer than 1 MiB was refused" "$tmp/out" && grep -q '"op":"quit"' "$tmp/out" ||
      fail "gpucert-worker and a 2 MiB line"
    CUDA_VISIBLE_DEVICES=$'0\xff' "$bin/gpucert-worker" --probe >"$tmp/probe" 2>/dev/null || true
    python3 -c "import json; json.load(open('$tmp/probe', encoding='utf-8'))" || fail "gpucert-worker --probe with invalid UTF-8"
    ;;
  gpu_given_up)
    GPUCERT_FAULTS="crash!=*" run_gpucert "$bin/gpucert" run --suite "$tmp/suite.json" --out "$dir"
    [ "$code" = 1 ] || fail "exit code $code"
    [ "$(wc -l <"$tmp/requests")" = 3 ] || fail "the GPU was not given up after three crashes in a row"
    check_report "$dir" "[x['status'] for x in r['results']] == ['crashed'] * 3 + ['error']"
    check_report "$dir" "'was given up after 3 measurements in a row crashed' in by['stream/triad/fp32/1MiB']['message']"
    ;;
  rank_killed_mpirun)
    # Rank 1 exits before the third measurement is gathered: rank 0 records what it has and ends the job.
    GPUCERT_FAKE_GPUS=3 GPUCERT_TEST_FAULT="1:measurement:2:exit" \
      run_gpucert mpirun_cmd -np 3 "$bin/gpucert" run --suite "$tmp/suite.json" --out "$dir" --rank-timeout 20
    # mpirun ends the job at once: what reached results.jsonl stays, and `gpucert report` renders it as the
    # incomplete run it is, with the suite's name and times from run.json.
    [ "$code" != 0 ] || fail "a killed rank: exit code 0"
    "$bin/gpucert" report "$dir" >"$tmp/report" 2>&1 || { cat "$tmp/report"; fail "gpucert report"; }
    cat "$tmp/report"
    grep -q "INCOMPLETE: 2 of 4 measurement(s)" "$tmp/report" || fail "gpucert report did not say INCOMPLETE"
    check_report "$dir" "len(lines) == 6 and r['verdict']['exit_code'] == 4 and r['suite']['name'] == 'faults' and r['started']"
    grep -q "^# gpucert report: faults" "$dir/report.md" || fail "report.md lacks the suite name"
    GPUCERT_FAKE_GPUS=3 run_gpucert mpirun_cmd -np 3 "$bin/gpucert" run --resume "$dir"
    [ "$code" = 0 ] || fail "the resumed run exits $code"
    check_report "$dir" "len(r['results']) == 12 and r['verdict']['exit_code'] == 0 and 'incomplete' not in r['verdict']"
    ;;
  sigint | sigterm)
    sig=${case_name^^}
    GPUCERT_FAULTS="hang!=stream/add" "$bin/gpucert" run --suite "$tmp/slow.json" --out "$dir" >"$tmp/log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q "stream/add" "$tmp/requests" 2>/dev/null && break; sleep 0.1; done
    kill -s "${sig#SIG}" "$pid"
    set +e; wait "$pid"; code=$?; set -e
    cat "$tmp/log"
    expected=$([ "$sig" = SIGINT ] && echo 130 || echo 143)
    [ "$code" = "$expected" ] || fail "$sig: exit code $code, expected $expected"
    grep -q "continue the run with: gpucert run --resume $dir" "$tmp/log" || fail "$sig: no hint to resume"
    check_report "$dir" "r['verdict']['interrupted'] == '$sig' and r['verdict']['incomplete']['measurements'] == 2"
    check_report "$dir" "len(lines) == 2 and r['verdict']['summary'].startswith('INCOMPLETE')"
    grep -q "INCOMPLETE" "$dir/report.md" || fail "report.md does not say INCOMPLETE"
    grep -q "^- \`stream/triad/fp32/1MiB\`" "$dir/report.md" || fail "report.md does not list what did not run"
    grep -q "<h2>Not run</h2>" "$dir/report.html" || fail "report.html does not list what did not run"
    run_gpucert "$bin/gpucert" run --resume "$dir"
    [ "$code" = 0 ] || fail "the resumed run exits $code"
    check_report "$dir" "len(lines) == 4 and r['verdict']['exit_code'] == 0"
    ;;
  sigterm_mpirun)
    # mpirun (Open MPI 4) sends SIGTERM to the ranks only when it is about to kill them, odls_base_sigkill_timeout
    # seconds (default 1) after it got its own: the ranks need a few to write the partial reports.
    # exec: $! is mpirun itself, not a subshell around it.
    (GPUCERT_FAKE_GPUS=2 GPUCERT_FAULTS="hang!=stream/add" exec mpirun --allow-run-as-root --oversubscribe --mca btl self,tcp \
      --mca odls_base_sigkill_timeout 10 -np 2 "$bin/gpucert" run --suite "$tmp/slow.json" --out "$dir" >"$tmp/log" 2>&1) &
    pid=$!
    for _ in $(seq 100); do [ "$(grep -c "stream/add" "$tmp/requests" 2>/dev/null)" = 2 ] && break; sleep 0.1; done
    kill -TERM "$pid"
    set +e; wait "$pid"; code=$?; set -e
    cat "$tmp/log"
    [ "$code" != 0 ] || fail "SIGTERM under mpirun: exit code 0"
    check_report "$dir" "r['verdict']['summary'].startswith('INCOMPLETE') and len(lines) == 4"
    GPUCERT_FAKE_GPUS=2 run_gpucert mpirun_cmd -np 2 "$bin/gpucert" run --resume "$dir"
    [ "$code" = 0 ] || fail "the resumed run exits $code"
    check_report "$dir" "len(lines) == 8 and r['verdict']['exit_code'] == 0"
    ;;
  folder_holds_another_run)
    run_gpucert "$bin/gpucert" run --suite "$tmp/suite.json" --out "$dir"
    [ "$code" = 0 ] || fail "first run: exit $code"
    cp "$dir/results.jsonl" "$tmp/before"
    run_gpucert "$bin/gpucert" run --suite "$tmp/suite.json" --out "$dir"
    [ "$code" = 2 ] || fail "a second run into the same folder: exit $code, expected 2"
    grep -q "already holds the run of suite 'faults'" "$tmp/log" || fail "the refusal does not name the run"
    cmp -s "$dir/results.jsonl" "$tmp/before" || fail "the refused run changed results.jsonl"
    ;;
  mixed_results)
    run_gpucert "$bin/gpucert" run --suite "$tmp/suite.json" --out "$dir"
    python3 - "$dir/results.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
other = json.loads(lines[0]); other["run"] = "0123456789abcdef"
stranger = json.loads(lines[1]); stranger["rank"] = 9
open(sys.argv[1], "a").write("\n".join([json.dumps(other), lines[2], json.dumps(stranger)]) + "\n")
PY
    run_gpucert "$bin/gpucert" report "$dir"
    grep -q "1 result line(s) of another run (0123456789abcdef" "$tmp/log" || fail "another run's line not reported"
    grep -q "of rank(s) 9, which this run of 1 rank(s) does not have" "$tmp/log" || fail "rank 9 not reported"
    grep -q "1 duplicate result line(s)" "$tmp/log" || fail "the duplicate not reported"
    check_report "$dir" "len(r['results']) == 4 and len(r['warnings']) == 3"
    ;;
  results_unwritable)
    # results.jsonl on /dev/full: the first append fails, the run stops there, and says so.
    [ -w /dev/full ] || { echo "SKIP: no /dev/full"; exit 77; }
    mkdir -p "$dir" && ln -s /dev/full "$dir/results.jsonl"
    run_gpucert "$bin/gpucert" run --suite "$tmp/suite.json" --out "$dir"
    [ "$code" = 2 ] || fail "a full disk: exit code $code, expected 2"
    grep -q "No space left on device.*the run stops here" "$tmp/log" || fail "the failed write is not named"
    [ "$(wc -l <"$tmp/requests")" = 1 ] || fail "the run went on measuring after the write failed"
    ! ls "$dir"/*.tmp >/dev/null 2>&1 || fail "a .tmp file was left behind"
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
