#!/usr/bin/env bash
# The cluster commands as processes: `gpucert simulate` writes a 32-GPU run with a slow GPU, a slow node and a
# slow link planted, `gpucert report` renders it (suspects first, node verdicts, a report.json that its schema
# accepts), `gpucert history` keeps it with a clean run, and `gpucert compare` judges both against the clean one.
# Usage: cluster_cases.sh BIN_DIR
set -euo pipefail
bin=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin/gpucert" simulate --out "$tmp/clean" --suite quick --nodes 4 >/dev/null
sleep 1  # a run is known by its start, to the second (the history store)
"$bin/gpucert" simulate --out "$tmp/sick" --suite quick --nodes 4 --slow-gpu 9:0.6 --slow-node 2:0.8 \
  --slow-pair 0,1:0.5 >/dev/null
"$bin/gpucert" simulate --out "$tmp/bad" --nodes 4 --slow-pair 1,9 >/dev/null 2>&1 && fail "a pair past --nodes was accepted"
# A slow link shows only where the plan measures it: of 8 nodes, three pair rounds pair node 2 with 5, 0 and 7.
if "$bin/gpucert" simulate --out "$tmp/bad" --suite quick --nodes 8 --slow-pair 2,3 >/dev/null 2>"$tmp/err"; then
  fail "a pair the pair rounds never measure was accepted"
fi
grep -q "never put these nodes together (node 2 meets: 0, 5, 7)" "$tmp/err" || fail "unmeasured pair: $(cat "$tmp/err")"
for run in clean sick; do "$bin/gpucert" report "$tmp/$run" >/dev/null; done

# The suspects open report.md, worst first.
first=$(grep -m3 '^[0-9]\. \*\*' "$tmp/sick/report.md")
echo "$first"
echo "$first" | sed -n 1p | grep -q "node pair node-0000 and node-0001" || fail "the slow link is not first"
echo "$first" | sed -n 2p | grep -q "GPU rank 9 (node-0001, GPU 1)" || fail "the slow GPU is not second"
echo "$first" | sed -n 3p | grep -q "node node-0002" || fail "the slow node is not third"
grep -q "No GPU, node or node pair stands out" "$tmp/clean/report.md" || fail "the clean run names a suspect"
[ ! -s "$tmp/clean/failed-nodes.txt" ] || fail "the clean run failed nodes: $(cat "$tmp/clean/failed-nodes.txt")"
[ "$(cut -f1 "$tmp/sick/failed-nodes.txt" | tr '\n' ' ')" = "node-0000 node-0001 node-0002 " ] ||
  fail "failed-nodes.txt: $(cat "$tmp/sick/failed-nodes.txt")"

# report.json with its peers against the schema, where python3-jsonschema is there.
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import jsonschema; jsonschema.Draft202012Validator' >/dev/null 2>&1; then
    "$py" - "$root/reports/report.schema.json" "$tmp/sick/report.json" <<'PY' || fail "report.json does not match its schema"
import json, sys, jsonschema
schema, report = (json.load(open(p)) for p in sys.argv[1:])
jsonschema.Draft202012Validator(schema).validate(report)
assert [s["kind"] for s in report["peers"]["suspects"]] == ["node-pair", "gpu", "node"], report["peers"]["suspects"]
print("report.json matches reports/report.schema.json, peers included")
PY
    break
  fi
done

# History and the regression gate.
"$bin/gpucert" history load --db "$tmp/h.sqlite" "$tmp/clean" "$tmp/sick" >/dev/null
"$bin/gpucert" history node --db "$tmp/h.sqlite" node-0002 --measurement stream/triad/fp64 | grep -q " 0\.[78][0-9][0-9] " ||
  fail "history node does not show node-0002's drop"
"$bin/gpucert" compare "$tmp/clean" "$tmp/clean" "$tmp/sick" >"$tmp/compare.txt" && code=0 || code=$?
[ "$code" = 1 ] || fail "compare of a slower run against the clean one exited $code, expected 1"
grep -q "1 of 2 run(s) regressed against" "$tmp/compare.txt" || fail "compare: $(tail -3 "$tmp/compare.txt")"
echo "PASS"
