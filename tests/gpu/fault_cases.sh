#!/usr/bin/env bash
# On a GPU: the real worker killed with SIGKILL in the middle of a suite (default: certify). The run must go on
# with a fresh worker, record the killed measurement as "crashed" with the worker's exit, keep every finished
# result in results.jsonl, and `gpucert run --resume DIR` alone must measure the lost one again and complete the
# run (docs/RELIABILITY.md). Exits 77 (skipped) where no GPU is usable.
# Usage: fault_cases.sh BIN_DIR [SUITE]   (SUITE: a suite name or file; default certify)
set -euo pipefail
bin=$1
suite=${2:-certify}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

"$bin/gpucert-worker" --probe >"$tmp/probe.json" 2>/dev/null || true
[ "$(json "$tmp/probe.json" 'len(d.get("devices", []))' 2>/dev/null || echo 0)" -ge 1 ] ||
  { echo "SKIP: no usable GPU here (gpucert doctor says why)"; exit 77; }
dir=$tmp/run
"$bin/gpucert" run --suite "$suite" --out "$dir" >"$tmp/log" 2>&1 &
gpucert=$!
# Wait for a few results, then kill the worker while it measures the next one.
for _ in $(seq 600); do [ "$(wc -l <"$dir/results.jsonl" 2>/dev/null || echo 0)" -ge 3 ] && break; sleep 0.5; done
worker=$(pgrep -P "$gpucert" -x gpucert-worker | head -1)
[ -n "$worker" ] || { cat "$tmp/log"; fail "no worker under gpucert ($gpucert)"; }
before=$(wc -l <"$dir/results.jsonl")
kill -KILL "$worker"
echo "killed worker $worker after $before result(s)"
set +e; wait "$gpucert"; code=$?; set -e
tail -40 "$tmp/log"
[ "$code" = 1 ] || fail "exit code $code, expected 1 (a measurement crashed)"
python3 - "$dir" <<'PY' || fail "the run did not go on after the worker was killed"
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/report.json"))
lines = [json.loads(l) for l in open(d + "/results.jsonl")]
crashed = [x for x in r["results"] if x["status"] == "crashed"]
assert len(crashed) == 1 and "killed by signal Killed" in crashed[0]["message"], [(x["id"], x["message"][:200]) for x in crashed]
after = r["results"][r["results"].index(crashed[0]) + 1:]
assert after and all(x["status"] != "crashed" for x in after), "nothing was measured after the kill"
assert len(lines) == len(r["results"]) == len(r["plan"]), (len(lines), len(r["results"]), len(r["plan"]))
print("crashed:", crashed[0]["id"], "; measured after it:", len(after), "of", len(r["plan"]))
PY
set +e; "$bin/gpucert" run --resume "$dir" >"$tmp/log" 2>&1; code=$?; set -e
tail -20 "$tmp/log"
python3 - "$dir" "$code" <<'PY' || fail "--resume did not complete the run"
import json, sys
d, code = sys.argv[1], int(sys.argv[2])
r = json.load(open(d + "/report.json"))
# The killed one; NCCL measurements after the restart (a fresh worker has no communicator) were retried too.
again = [x for x in r["results"] if any(a["status"] == "crashed" for a in x.get("earlier_attempts", []))]
assert len(again) == 1, again
assert again[0]["status"] != "crashed", again[0]["status"]
assert "incomplete" not in r["verdict"] and r["verdict"]["exit_code"] == code, r["verdict"]
print("resumed:", again[0]["id"], "->", again[0]["status"], "; verdict:", r["verdict"]["summary"], "; exit", code)
PY
echo "PASS: worker killed during $suite, run continued, --resume completed it"
