#!/usr/bin/env bash
# report.json against its JSON Schema (reports/report.schema.json, draft 2020-12), with Debian's
# python3-jsonschema: the golden report, a crafted sample run (also re-rendered with checks, an NCCL collective
# and a devel check, so the optional members are checked too), a real `gpucert run`, and broken copies that the
# schema must reject.
# Usage: report_schema.sh BIN_DIR CASE. Exit 77 (skipped) when python3-jsonschema is not installed.
set -euo pipefail
bin=$1
case_name=$2
here=$(cd "$(dirname "$0")" && pwd)
schema=$here/../../reports/report.schema.json
golden=$here/../unit/golden/report.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
try() { set +e; "$@"; code=$?; set -e; }

# The Python that has jsonschema: python3 on PATH may be another installation than Debian's /usr/bin/python3.
py=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import jsonschema; jsonschema.Draft202012Validator' >/dev/null 2>&1; then
    py=$candidate
    break
  fi
done
if [ -z "$py" ]; then
  echo "SKIP: python3-jsonschema (with draft 2020-12) is not installed: apt-get install python3-jsonschema" \
       "(scripts/setup installs it)" >&2
  exit 77
fi

# validate FILE...: exit 0 when every file conforms, 1 (with the schema's complaints) when one does not, 2 when
# the schema or a file does not load.
validate() {
  "$py" - "$schema" "$@" <<'PY'
import json, sys, traceback
try:
    import jsonschema
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.absolute_path))
        for e in errors[:10]:
            print(f"{path}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}", file=sys.stderr)
        bad += bool(errors)
except Exception:
    traceback.print_exc()
    sys.exit(2)  # not a verdict on the report: the schema or the file would not load
sys.exit(1 if bad else 0)
PY
}

# broken NAME WHERE PYTHON: writes $tmp/NAME.json, the golden report changed by the statement PYTHON (on d),
# and asserts that the schema rejects it, at the JSON pointer WHERE.
broken() {
  "$py" - "$golden" "$tmp/$1.json" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
  try validate "$tmp/$1.json" 2>"$tmp/$1.err"
  [ "$code" = 1 ] || { cat "$tmp/$1.err" >&2; fail "the schema accepts a report with $1 (validate exited $code)"; }
  grep -qF "$1.json: $2: " "$tmp/$1.err" || { cat "$tmp/$1.err" >&2; fail "$1: rejected, but not at $2"; }
  echo "rejected, as it must be: $1: $(head -1 "$tmp/$1.err" | sed "s|^$tmp/||")"
}

case "$case_name" in
  schema_golden)
    validate "$golden" || fail "tests/unit/golden/report.json does not conform to the schema"
    ;;
  schema_sample)
    "$bin/gpucert_sample_run" "$tmp/run" || fail "gpucert_sample_run"
    validate "$tmp/run/report.json" || fail "the sample run's report.json does not conform"
    # Re-rendered by `gpucert report` with what the sample lacks: an all_reduce timed on both ranks (nccl,
    # bus_figure), a devel check in the container environment, and the conformance checks the re-render derives.
    "$py" - "$tmp/run" <<'PY'
import json, sys
folder = sys.argv[1]
results = [json.loads(l) for l in open(f"{folder}/results.jsonl")]
native = [r for r in results if r["environment"] == "native"]
ranks = sorted({r["rank"] for r in native})
with open(f"{folder}/results.jsonl", "a") as out:
    for rank in ranks:
        r = dict(next(x for x in native if x["rank"] == rank))
        r.update(id="nccl/all_reduce/fp32/1MiB", workload="nccl", metric="bandwidth", unit="GB/s",
                 params={"bytes": 1048576, "collective": "all_reduce", "precision": "fp32", "reduction": "sum",
                         "in_place": False, "graph": False, "iterations": 20, "root": 0},
                 details={"nranks": len(ranks), "algorithm": "ring", "protocol": "Simple"},
                 samples_s=[5.0e-5, 5.2e-5, 5.1e-5], status="ok", message="",
                 verification={"passed": True, "checked": 262144, "mismatches": 0, "max_rel_error": 0.0,
                               "tolerance": 1e-6, "method": "against the sum on the host"})
        out.write(json.dumps(r) + "\n")
environments = json.load(open(f"{folder}/environments.json"))
process = lambda argv, output: {"argv": argv, "exit_code": 0, "signal": 0, "timed_out": False, "output": output}
environments[0]["devel_check"] = {
    "op": "devel_check", "ok": True, "passed": True, "nvcc": "/usr/local/cuda/bin/nvcc",
    "nvcc_version": "Cuda compilation tools, release 13.0, V13.0.88",
    "compile": process(["/usr/local/cuda/bin/nvcc", "-o", "/tmp/check", "/tmp/check.cu"], ""),
    "run": process(["/tmp/check"], "result 42\n"), "expected": "42", "result": "42", "message": "compiled and ran"}
json.dump(environments, open(f"{folder}/environments.json", "w"), indent=2)
PY
    try "$bin/gpucert" report "$tmp/run" >"$tmp/log" 2>&1
    [ "$code" = 0 ] || [ "$code" = 1 ] || { cat "$tmp/log"; fail "gpucert report exited $code"; }
    report=$tmp/run/report.json
    [ "$(json "$report" '[n["collective"] for n in d.get("nccl", [])]')" = "['all_reduce']" ] ||
      fail "the re-rendered report has no nccl summary"
    [ "$(json "$report" 'sum("bus_figure" in r for r in d["results"])')" -ge 2 ] || fail "no bus_figure"
    [ "$(json "$report" 'len(d.get("checks", [])) > 0 and "checks" in d["verdict"]')" = True ] || fail "no checks"
    [ "$(json "$report" 'd["environments"][0]["devel_check"]["compile"]["exit_code"]')" = 0 ] ||
      fail "the devel check did not come back"
    validate "$report" || fail "the re-rendered sample's report.json does not conform"
    ;;
  schema_real_run)
    # A real run of the default suite: on a machine without a GPU it exits 3, and the report says why.
    try "$bin/gpucert" run --out "$tmp/out" >"$tmp/log" 2>&1
    case "$code" in 0|1|3) ;; *) cat "$tmp/log"; fail "gpucert run exited $code" ;; esac
    [ "$(json "$tmp/out/report.json" 'd["verdict"]["exit_code"]')" = "$code" ] || fail "verdict exit code differs"
    echo "gpucert run exited $code"
    validate "$tmp/out/report.json" || fail "a real run's report.json does not conform"
    ;;
  schema_rejects)
    # The schema can fail a report: each broken copy of the golden report is rejected...
    broken wrong_type /results/0/rank 'd["results"][0]["rank"] = "0"'
    broken wrong_type_nested /ranks/0/probe/devices/0/memory_bytes 'd["ranks"][0]["probe"]["devices"][0]["memory_bytes"] = "80 GiB"'
    broken missing_required /results/1 'del d["results"][1]["status"]'
    broken missing_required_top / 'del d["verdict"]'
    broken unknown_status /results/0/status 'd["results"][0]["status"] = "passed"'
    broken unknown_metric /results/0/metric 'd["results"][0]["metric"] = "latency"'
    broken unit_of_other_metric /results/0/unit 'd["results"][0]["unit"] = "TFLOP/s"'
    broken unknown_member /results/0 'd["results"][0]["bandwidth"] = 3000'
    broken unknown_member_top / 'd["notes"] = "hand-edited"'
    broken other_schema_version /schema_version 'd["schema_version"] = 2'
    broken unknown_check_verdict /checks/0/verdict 'd["checks"] = [{"name": "gpu-visible", "environment": "native", "subject": "rank 0", "rank": 0, "verdict": "passed", "evidence": "", "diagnosis": "", "fix": ""}]; d["verdict"]["checks"] = {"pass": 1, "fail": 0, "waived": 0}'
    broken checks_without_counts /verdict 'd["checks"] = [{"name": "gpu-visible", "environment": "native", "subject": "rank 0", "rank": 0, "verdict": "pass", "evidence": "", "diagnosis": "", "fix": ""}]'
    broken ok_without_samples /results/2/status 'd["results"][2]["status"] = "ok"'
    broken environment_named_native /environments/0/name 'd["environments"] = [{"name": "native", "runtime": "oci", "image": "/rootfs", "flavor": "", "ranks": [], "image_facts": None, "devel_check": None}]'
    # ...while the golden report, and a copy with members of its own in the open "params" and "details", pass.
    validate "$golden" || fail "the golden report does not conform"
    "$py" - "$golden" "$tmp/open.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["results"][0]["params"]["anything"] = {"nested": [1, "two", None]}
d["results"][0]["details"] = {"nranks": 2, "clock_mhz": 1980, "note": "open"}
json.dump(d, open(sys.argv[2], "w"))
PY
    validate "$tmp/open.json" || fail "the schema rejects members of params or details"
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
