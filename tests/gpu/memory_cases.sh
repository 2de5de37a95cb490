#!/usr/bin/env bash
# On a GPU: the real worker refuses a measurement whose buffers cannot fit in the GPU's free memory before it
# allocates anything, with the figure it needs and the figure free, and goes on to measure the next request
# (docs/RELIABILITY.md, "Device memory"). Exits 77 (skipped) where no GPU is usable.
# Usage: memory_cases.sh BIN_DIR
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

"$bin/gpucert-worker" --probe >"$tmp/probe.json" 2>/dev/null || true
[ "$(json "$tmp/probe.json" 'len(d.get("devices", []))' 2>/dev/null || echo 0)" -ge 1 ] ||
  { echo "SKIP: no usable GPU here (gpucert doctor says why)"; exit 77; }
# 2^40 fp64 elements: three arrays of 8 TiB, beyond any GPU; then a 64 MiB triad that fits everywhere.
cat >"$tmp/requests" <<'JSON'
{"op":"run","protocol":1,"id":"stream/triad/fp64/8 TiB","workload":"stream","params":{"kernel":"triad","precision":"fp64","elements":1099511627776},"warmup":1,"repetitions":2,"device":0,"seed":1}
{"op":"run","protocol":1,"id":"stream/triad/fp64/64 MiB","workload":"stream","params":{"kernel":"triad","precision":"fp64","elements":8388608},"warmup":1,"repetitions":2,"device":0,"seed":1}
{"op":"quit","protocol":1}
JSON
protocol=$(grep -o 'kProtocolVersion = [0-9]*' "$(dirname "$0")/../../harness/core/protocol.hpp" | grep -o '[0-9]*$')
sed -i "s/\"protocol\":1/\"protocol\":$protocol/" "$tmp/requests"
start=$(date +%s.%N)
"$bin/gpucert-worker" <"$tmp/requests" >"$tmp/replies" 2>"$tmp/log" || { cat "$tmp/log"; fail "the worker exited with $?"; }
end=$(date +%s.%N)
cat "$tmp/replies"
python3 - "$tmp/replies" "$start" "$end" <<'PY' || fail "the oversized request was not refused as it should be"
import json, sys
replies = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = [r for r in replies if r.get("op") == "run"]
assert len(runs) == 2, replies
big, small = runs
assert big["status"] == "error", big
m = big["message"]
assert "stream/triad/fp64/8 TiB needs 24.0 TiB of device memory" in m, m
assert " is free on GPU 0 (" in m and "nothing was allocated" in m, m
assert small["status"] == "ok", small
print("refused:", m)
print("then measured:", small["status"], "in", round(float(sys.argv[3]) - float(sys.argv[2]), 1), "s for both")
PY
echo "PASS: an oversized stream measurement was refused with its figures and the worker went on"
