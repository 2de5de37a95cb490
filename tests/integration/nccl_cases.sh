#!/usr/bin/env bash
# Integration cases for the nccl workload and the MPI coordinator's handling of ranks that fail, each a real
# process under real mpirun. Usage: nccl_cases.sh BIN_DIR CASE. They hold with or without GPUs: where the
# outcome depends on it, the case checks the report's own account instead of assuming one.
set -euo pipefail
bin=$1
case_name=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# Bounded: a case that hangs fails with 124 instead of hanging ctest.
mpirun_cmd() { timeout 180 mpirun --allow-run-as-root --oversubscribe --mca btl self,tcp "$@"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
cat >"$tmp/suite.json" <<'SUITE'
{"schema_version": 1, "name": "nccl-cases", "items": [
  {"workload": "nccl", "collectives": ["all_reduce", "all_gather", "sendrecv"], "begin_bytes": 1024,
   "end_bytes": 1048576, "factor": 1024, "repetitions": 3, "iterations": 5}]}
SUITE
host=$(hostname)

case "$case_name" in
  nccl_mpirun_two_ranks)
    # Two ranks with an nccl suite: on a machine without a GPU the NCCL path reports itself unavailable,
    # naming the cause on every rank, and nothing hangs.
    set +e; mpirun_cmd -np 2 "$bin/gpucert" run --suite "$tmp/suite.json" --out "$tmp/out" >"$tmp/log" 2>&1; code=$?; set -e
    cat "$tmp/log"
    [ "$code" != 124 ] || fail "mpirun did not finish within 180 s"
    report=$tmp/out/report.json
    [ "$(json "$report" 'len(d["ranks"])')" = 2 ] || fail "report does not list two ranks"
    [ "$(json "$report" 'd["verdict"]["exit_code"]')" = "$code" ] || fail "verdict exit code differs from $code"
    # 3 collectives x 2 sizes, on each of 2 ranks.
    [ "$(json "$report" 'len(d["results"])')" = 12 ] || fail "expected 12 nccl records"
    if [ "$code" = 3 ]; then
      [ "$(json "$report" 'set(r["status"] for r in d["results"])')" = "{'unavailable'}" ] ||
        fail "without a GPU every nccl measurement should be unavailable"
      message=$(json "$report" 'd["results"][0]["message"]')
      echo "$message" | grep -q "NCCL could not start: rank 0 on $host: " || fail "the cause is not named: $message"
      echo "$message" | grep -q "rank 1 on $host: " || fail "rank 1's cause is not named: $message"
      grep -q "gpucert: NCCL could not start" "$tmp/log" || fail "the console does not say why NCCL did not run"
      [ "$(wc -l <"$tmp/out/results.jsonl")" = 12 ] || fail "results.jsonl does not hold the 12 records"
    else
      [ "$code" = 0 ] || fail "exit code $code"
      [ "$(json "$report" 'all(r["status"] == "ok" and r["verification"]["mismatches"] == 0 for r in d["results"])')" = True ] ||
        fail "a collective failed or had wrong elements"
      [ "$(json "$report" 'len(d["nccl"])')" = 6 ] || fail "report.json lacks the communicator's summary per measurement"
      [ "$(json "$report" 'all(r["bus_figure"]["at_median"] > 0 for r in d["results"] if r["id"].startswith("nccl/all_gather"))')" = True ] ||
        fail "no busbw for all_gather"
    fi
    ;;
  nccl_rank_hangs)
    # Rank 1 hangs where the NCCL outcomes are gathered: rank 0 names it and its host within --rank-timeout,
    # writes the reports with what it has, and ends the job.
    start=$(date +%s)
    set +e
    mpirun_cmd -np 2 -x GPUCERT_TEST_FAULT=1:nccl_rendezvous:hang "$bin/gpucert" run --suite "$tmp/suite.json" \
      --out "$tmp/out" --rank-timeout 5 >"$tmp/log" 2>&1
    code=$?
    set -e
    elapsed=$(($(date +%s) - start))
    cat "$tmp/log"
    [ "$code" != 124 ] || fail "a hung rank hung the job"
    [ "$code" != 0 ] || fail "a hung rank went unnoticed"
    [ "$elapsed" -lt 90 ] || fail "the job took $elapsed s to give up on a hung rank (rank timeout 5 s)"
    grep -q "gpucert: rank 1 on host $host sent nothing within 5 s (--rank-timeout)" "$tmp/log" ||
      fail "rank 0 did not name the hung rank and its host"
    report=$tmp/out/report.json
    [ -f "$report" ] || fail "no report written before the job ended"
    [ "$(json "$report" '[r["problem"] for r in d["ranks"] if r["rank"] == 1][0]')" = \
      "rank 1 on host $host sent nothing within 5 s (--rank-timeout): hung, or its host unreachable; giving up on the job" ] ||
      fail "the rank table does not name the hung rank"
    [ "$(json "$report" 'len([r for r in d["results"] if r["status"] == "error" and "rank 1 on host" in r["message"]])')" = 12 ] ||
      fail "the nccl measurements the hang left unrun are not recorded as errors naming the rank"
    ;;
  nccl_rank_exits)
    # Rank 1 exits without a word: mpirun ends the job at once (it names the process), nothing waits out a
    # timeout, and what reached results.jsonl stays.
    start=$(date +%s)
    set +e
    mpirun_cmd -np 2 -x GPUCERT_TEST_FAULT=1:nccl_rendezvous:exit "$bin/gpucert" run --suite "$tmp/suite.json" \
      --out "$tmp/out" --rank-timeout 600 >"$tmp/log" 2>&1
    code=$?
    set -e
    elapsed=$(($(date +%s) - start))
    cat "$tmp/log"
    [ "$code" != 124 ] || fail "a dead rank hung the job"
    [ "$code" != 0 ] || fail "a dead rank went unnoticed"
    [ "$elapsed" -lt 60 ] || fail "the job took $elapsed s to end after a rank died"
    grep -Eq "Process name: \[\[[0-9]+,[0-9]+\],1\]" "$tmp/log" || fail "mpirun did not name the rank that died"
    [ -f "$tmp/out/results.jsonl" ] || fail "results.jsonl is gone"
    ;;
  worker_nccl_protocol)
    # The worker answers the rendezvous requests itself only through the nccl plugin: an id of 128 bytes as
    # hex, or "unavailable" with the loader's words; a malformed id is refused before any NCCL call.
    printf '%s\n' '{"op":"nccl_id"}' '{"op":"nccl_init","id":"zz","rank":0,"nranks":2,"device":0,"timeout_s":5}' \
      '{"op":"quit"}' | "$bin/gpucert-worker" >"$tmp/out" 2>"$tmp/err"
    cat "$tmp/out"
    python3 - "$tmp/out" <<'PY' || fail "the rendezvous replies are not what the protocol says"
import json, sys
nccl_id, bad_init, quit = [json.loads(l) for l in open(sys.argv[1])]
assert nccl_id["op"] == "nccl_id", nccl_id
if nccl_id["ok"]:
    assert len(nccl_id["id"]) == 256 and int(nccl_id["id"], 16) >= 0, nccl_id
else:
    assert nccl_id.get("unavailable") and "nccl" in nccl_id["message"].lower(), nccl_id
assert bad_init["ok"] is False and "not an NCCL unique id" in bad_init["message"], bad_init
assert quit["ok"], quit
PY
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
