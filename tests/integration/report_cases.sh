#!/usr/bin/env bash
# Integration cases for the reports: `gpucert report` and `gpucert compare` as real processes on a crafted
# output folder (gpucert_sample_run writes one), and report.html in a real headless Chromium.
# Usage: report_cases.sh BIN_DIR CASE. Exit 77 (skipped) when Chromium is not installed.
set -euo pipefail
bin=$1
case_name=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
# Runs a command that may fail; its exit code lands in $code.
try() { set +e; "$@"; code=$?; set -e; }

sample() { "$bin/gpucert_sample_run" "$1" || fail "gpucert_sample_run $1"; }

# Multiplies every sample of the measurement with id $2 in folder $1's results.jsonl by $3 (slower when > 1).
slow_down() {
  python3 - "$1/results.jsonl" "$2" "$3" <<'PY'
import json, sys
path, wanted, factor = sys.argv[1], sys.argv[2], float(sys.argv[3])
lines = [json.loads(l) for l in open(path)]
for r in lines:
    if r["id"] == wanted:
        r["samples_s"] = [s * factor for s in r["samples_s"]]
open(path, "w").write("".join(json.dumps(r) + "\n" for r in lines))
PY
}

case "$case_name" in
  report_rerender)
    sample "$tmp/run"
    [ "$(json "$tmp/run/report.json" '"checks" in d')" = False ] || fail "the sample's report.json already has checks"
    try "$bin/gpucert" report "$tmp/run"
    [ "$code" = 0 ] || fail "gpucert report exited $code"
    for f in report.json report.md junit.xml report.html ranks.json environments.json results.jsonl; do
      [ -s "$tmp/run/$f" ] || fail "no $f"
    done
    # The container environment came back from environments.json: its flavour's checks were derived.
    [ "$(json "$tmp/run/report.json" '[c["verdict"] for c in d["checks"] if c["name"] == "library-inventory" and c["environment"] == "cuda-13.0-runtime/oci"]')" = "['pass', 'pass']" ] ||
      fail "no passing library-inventory check for each rank of the container environment"
    [ "$(json "$tmp/run/report.json" 'len(d["checks"]) > 0')" = True ] || fail "report.json has no checks"
    [ "$(json "$tmp/run/report.json" 'd["verdict"]["checks"]["fail"]')" = 0 ] || fail "a check failed on the sample"
    python3 - "$tmp/run/junit.xml" "$tmp/run/report.json" <<'PY' || fail "junit.xml does not parse or does not add up"
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
report = json.load(open(sys.argv[2]))
assert root.tag == "testsuites", root.tag
cases = root.findall("./testsuite/testcase")
expected = len(report["checks"]) + len(report["results"])
assert int(root.get("tests")) == len(cases) == expected, (root.get("tests"), len(cases), expected)
assert {s.get("name") for s in root.findall("testsuite")} == {"native", "cuda-13.0-runtime/oci"}
hosts = root.find("testsuite").get("hostname")
assert "<script>document.title='pwned'</script>" in hosts, hosts  # the attribute reads back as the host name
PY
    # A crash before the end: no report.json, a last line cut short. The reports come back all the same.
    rm "$tmp/run/report.json"
    printf '{"id":"stream/copy/fp64/2GiB","work' >>"$tmp/run/results.jsonl"
    try "$bin/gpucert" report "$tmp/run" 2>"$tmp/err"
    cat "$tmp/err"
    [ "$code" = 0 ] || fail "gpucert report after a crash exited $code"
    grep -q "skipped a last line cut short" "$tmp/err" || fail "no warning about the torn line"
    [ "$(json "$tmp/run/report.json" 'len(d["results"])')" = 86 ] || fail "results lost in the re-render"
    ;;
  report_bad_input)
    try "$bin/gpucert" report "$tmp/none" 2>"$tmp/err"
    [ "$code" = 2 ] || fail "missing folder: exit $code"
    grep -q "ranks.json is missing" "$tmp/err" || fail "missing folder: $(cat "$tmp/err")"
    sample "$tmp/run"
    echo '{"NVIDIA H100 80GB HBM3": {"strem/triad": {"min_GBps": 1, "source": "typo"}}}' >"$tmp/bad.json"
    try "$bin/gpucert" report "$tmp/run" --thresholds "$tmp/bad.json" 2>"$tmp/err"
    [ "$code" = 2 ] || fail "bad thresholds: exit $code"
    grep -q "strem/triad.*not a measurement id" "$tmp/err" || fail "bad thresholds: $(cat "$tmp/err")"
    try "$bin/gpucert" report 2>"$tmp/err"
    [ "$code" = 2 ] || fail "no folder given: exit $code"
    ;;
  compare_same)
    sample "$tmp/old"
    cp -r "$tmp/old" "$tmp/new"
    try "$bin/gpucert" compare "$tmp/old" "$tmp/new" >"$tmp/out"
    cat "$tmp/out"
    [ "$code" = 0 ] || fail "identical runs: exit $code"
    grep -q "86 measurement(s) compared: 0 regression(s); 0 check(s) newly failing" "$tmp/out" || fail "summary"
    try "$bin/gpucert" compare "$tmp/old/report.json" "$tmp/new/report.json" >/dev/null
    [ "$code" = 0 ] || fail "report.json files: exit $code"
    ;;
  compare_regression)
    sample "$tmp/old"
    cp -r "$tmp/old" "$tmp/new"
    # 10% longer: 1/1.1 = 0.909 of the figure, beyond 5% and 3 x its 1% spread, and still above the H100's
    # floor (80% of its datasheet bandwidth; 20% longer would fall below it and fail the check as well).
    slow_down "$tmp/new" stream/triad/fp64/2GiB 1.1
    "$bin/gpucert" report "$tmp/new" >/dev/null || fail "re-render of NEW"
    try "$bin/gpucert" compare "$tmp/old" "$tmp/new" >"$tmp/out"
    cat "$tmp/out"
    [ "$code" = 1 ] || fail "a 9% drop: exit $code"
    grep -q "stream/triad/fp64/2GiB .* 0.909 .* REGRESSION" "$tmp/out" || fail "the regression is not named"
    grep -q "4 regression(s)" "$tmp/out" || fail "triad should regress on both ranks, native and in the container"
    try "$bin/gpucert" compare "$tmp/old" "$tmp/new" --threshold 30% >/dev/null
    [ "$code" = 0 ] || fail "--threshold 30%: exit $code"
    # Far below the H100's floor: a check that starts failing is a regression whatever the threshold.
    slow_down "$tmp/new" stream/triad/fp64/2GiB 2
    "$bin/gpucert" report "$tmp/new" >/dev/null || true
    try "$bin/gpucert" compare "$tmp/old" "$tmp/new" --threshold 0.9 >"$tmp/out"
    cat "$tmp/out"
    [ "$code" = 1 ] || fail "a check newly failing: exit $code"
    grep -q "performance-floor stream/triad/fp64/2GiB rank 0 .* pass .* fail .* REGRESSION" "$tmp/out" ||
      fail "the flip is not named"
    ;;
  compare_bad_input)
    sample "$tmp/old"
    try "$bin/gpucert" compare "$tmp/old" "$tmp/missing" 2>"$tmp/err"
    [ "$code" = 2 ] || fail "missing NEW: exit $code"
    grep -q "NEW: .*missing" "$tmp/err" || fail "missing NEW not named: $(cat "$tmp/err")"
    for t in 2 abc 0 -5%; do
      try "$bin/gpucert" compare "$tmp/old" "$tmp/old" --threshold "$t" 2>/dev/null
      [ "$code" = 2 ] || fail "--threshold $t: exit $code"
    done
    echo '{"schema_version": 1, "name": "x", "items": []}' >"$tmp/suite.json"
    try "$bin/gpucert" compare "$tmp/suite.json" "$tmp/old" 2>"$tmp/err"
    [ "$code" = 2 ] || fail "a suite file as OLD: exit $code"
    ;;
  html_in_chromium)
    chromium=$(command -v chromium || command -v chromium-browser || true)
    if [ -z "$chromium" ]; then
      echo "SKIP: chromium is not installed (apt-get install chromium); report.html was not rendered in a browser"
      exit 77
    fi
    sample "$tmp/run"
    "$bin/gpucert" report "$tmp/run" >/dev/null || fail "gpucert report"
    flags=(--headless --disable-gpu --no-sandbox --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0)
    timeout 90 "$chromium" "${flags[@]}" --dump-dom "file://$tmp/run/report.html" >"$tmp/dom.html" 2>"$tmp/log" ||
      { cat "$tmp/log"; fail "chromium --dump-dom"; }
    # The page has no script: any console line (an error, an injected script's output) is a failure.
    if grep -E "CONSOLE|Uncaught" "$tmp/log"; then fail "console messages while loading report.html"; fi
    grep -q "<title>gpucert report: sample — PASSED</title>" "$tmp/dom.html" ||
      fail "the title changed (an injected script ran?): $(grep -o '<title>.*</title>' "$tmp/dom.html")"
    grep -q "pwned" "$tmp/dom.html" || fail "the hostile host name is not in the page"
    grep -q "&lt;script&gt;document.title='pwned'&lt;/script&gt;" "$tmp/dom.html" || fail "the host name is not text"
    ! grep -qi "<script" "$tmp/dom.html" || fail "a <script> element is in the DOM"
    [ "$(grep -o '<svg class="chart"' "$tmp/dom.html" | wc -l)" = 5 ] || fail "expected 5 charts in the DOM"
    for chart in "Memory bandwidth per stream kernel" "GEMM throughput" "Convolution throughput" \
                 "NCCL bus bandwidth" "Container/native throughput ratio"; do
      grep -q "aria-label=\"$chart" "$tmp/dom.html" || fail "no chart '$chart' in the DOM"
    done
    # A screenshot for a person to look at: <build>/report-html.png.
    shot="$bin/../report-html.png"
    timeout 90 "$chromium" "${flags[@]}" --hide-scrollbars --window-size=1280,3000 --screenshot="$shot" \
      "file://$tmp/run/report.html" >/dev/null 2>"$tmp/log" || { cat "$tmp/log"; fail "chromium --screenshot"; }
    [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "the screenshot is not a PNG"
    [ "$(stat -c %s "$shot")" -gt 50000 ] || fail "the screenshot is nearly empty"
    echo "screenshot: $shot"
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
