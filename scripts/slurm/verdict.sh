#!/bin/bash
# The end of every batch file here: print the run's node verdicts (OUT/failed-nodes.txt, written with the
# reports), drain the failed nodes when GPUCERT_DRAIN=1, and exit with gpucert's own exit code.
#   verdict.sh OUT CODE
set -uo pipefail
out=$1 code=$2
echo "gpucert: exit code $code; reports in $out (report.md, report.html, nodes.json)"
if [ ! -f "$out/nodes.json" ]; then
  echo "gpucert: no nodes.json in $out: the run ended before its reports (see the job's output above)" >&2
  exit "$code"
fi
if [ -s "$out/failed-nodes.txt" ]; then
  echo "gpucert: nodes that failed (host, first reason):"
  sed 's/^/  /' "$out/failed-nodes.txt"
  if [ "${GPUCERT_DRAIN:-0}" = 1 ]; then
    while IFS=$'\t' read -r node reason; do
      scontrol update nodename="$node" state=drain reason="gpucert ${SLURM_JOB_ID:-}: ${reason:0:100}" ||
        echo "gpucert: could not drain $node" >&2
    done <"$out/failed-nodes.txt"
  fi
else
  echo "gpucert: every node passed"
fi
exit "$code"
