#!/usr/bin/env bash
# Two "hosts" on one machine: two network namespaces joined by a bridge, each with its own hostname (a UTS
# namespace), and mpirun across them through a launcher agent that enters them (docs/ARCHITECTURE.md, "Tests"). MPI's
# TCP traffic is restricted to the namespaces' subnet, so every message between the ranks, the NCCL unique
# id among them, crosses a real network boundary. Without a GPU NCCL itself cannot run: the test shows the
# coordinator, the rendezvous broadcast and the gathering working across the hosts, and the nccl
# measurements reported unavailable with their cause; then a rank that hangs on the second host is named,
# with that host, and the job ends within the rank timeout.
# Usage: nccl_two_hosts.sh BIN_DIR. Needs root (ip netns); exits 77 (skipped) where namespaces are refused.
set -euo pipefail
bin=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

[ "$(id -u)" = 0 ] || skip "network namespaces need root"
command -v ip >/dev/null || skip "no ip command (iproute2)"
command -v unshare >/dev/null || skip "no unshare command (util-linux)"
command -v mpirun >/dev/null || skip "no mpirun (Open MPI)"

# Unique names per run: tests may run side by side, and interface names are at most 15 characters.
id=$$
h1=gch${id}a
h2=gch${id}b
bridge=gcbr${id}
subnet_octet=$((id % 250))
subnet=10.78.${subnet_octet}
tmp=$(mktemp -d)
cleanup() {
  ip netns del "$h1" 2>/dev/null || true
  ip netns del "$h2" 2>/dev/null || true
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$h1" 2>"$tmp/err" || skip "ip netns add is not permitted here: $(cat "$tmp/err")"
ip netns add "$h2"
ip link add "$bridge" type bridge
ip addr add "$subnet.254/24" dev "$bridge"
ip link set "$bridge" up
n=1
for h in "$h1" "$h2"; do
  ip link add "${h}v" type veth peer name eth0 netns "$h"
  ip link set "${h}v" master "$bridge" up
  ip -n "$h" addr add "$subnet.$n/24" dev eth0
  ip -n "$h" link set eth0 up
  ip -n "$h" link set lo up
  n=$((n + 1))
done

# Open MPI starts its daemon on each "host" with `agent HOST COMMAND...`: enter the namespace of that name,
# give it that hostname, run the daemon (which starts the ranks, which start their workers, all inside).
cat >"$tmp/agent" <<'AGENT'
#!/bin/sh
h=$1
shift
exec ip netns exec "$h" unshare --uts /bin/sh -c "hostname $h && exec $*"
AGENT
chmod +x "$tmp/agent"

cat >"$tmp/suite.json" <<'SUITE'
{"schema_version": 1, "name": "two-hosts", "items": [
  {"workload": "nccl", "collectives": ["all_reduce", "alltoall"], "begin_bytes": 4096, "end_bytes": 65536,
   "factor": 16, "repetitions": 2}]}
SUITE

across() {
  timeout 240 mpirun --allow-run-as-root --oversubscribe --mca plm_rsh_agent "$tmp/agent" --host "$h1,$h2" -np 2 \
    --mca btl tcp,self --mca oob_tcp_if_include "$subnet.0/24" --mca btl_tcp_if_include "$subnet.0/24" "$@"
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# 1. A run across the two hosts.
set +e
across "$bin/gpucert" run --suite "$tmp/suite.json" --out "$tmp/out" --timeout 60 >"$tmp/log" 2>&1
code=$?
set -e
cat "$tmp/log"
[ "$code" != 124 ] || fail "mpirun across the namespaces did not finish within 240 s"
[ -f "$tmp/out/report.json" ] || fail "no report.json (exit code $code)"
report=$tmp/out/report.json
[ "$(json "$report" 'len(d["ranks"])')" = 2 ] || fail "the report does not list two ranks"
[ "$(json "$report" 'sorted(r["host"] for r in d["ranks"])')" = "['$h1', '$h2']" ] ||
  fail "the ranks are not on the two hosts: $(json "$report" '[r["host"] for r in d["ranks"]]')"
[ "$(json "$report" 'len(d["fingerprint"]["hosts"])')" = 2 ] || fail "the fingerprint does not name two hosts"
# Four measurements on each of the two ranks, whatever happened to them.
[ "$(json "$report" 'len([r for r in d["results"] if r["workload"] == "nccl"])')" = 8 ] ||
  fail "expected 8 nccl records (4 measurements x 2 ranks)"
if [ "$code" = 3 ]; then
  # No GPU: every nccl measurement unavailable, the cause named per rank and host, and the id from the
  # first host received on both: the broadcast crossed the boundary.
  [ "$(json "$report" 'set(r["status"] for r in d["results"])')" = "{'unavailable'}" ] ||
    fail "nccl measurements without a GPU should be unavailable"
  message=$(json "$report" 'd["results"][0]["message"]')
  echo "$message" | grep -q "NCCL could not start" || fail "the record does not say NCCL could not start"
  echo "$message" | grep -q "rank 1 on $h2" || fail "the record does not name rank 1 on $h2"
  echo "$message" | grep -q "reached 2 of 2 rank(s)" || fail "the NCCL id did not reach both hosts"
else
  case "$code" in 0 | 1) ;; *) fail "exit code $code" ;; esac
fi

# 2. Rank 1, on the second host, hangs in the rendezvous: rank 0 names it and its host within the rank
#    timeout, writes the reports and ends the job.
start=$(date +%s)
set +e
across -x GPUCERT_TEST_FAULT=1:nccl_rendezvous:hang "$bin/gpucert" run --suite "$tmp/suite.json" \
  --out "$tmp/hang" --timeout 60 --rank-timeout 5 >"$tmp/hang.log" 2>&1
code=$?
set -e
elapsed=$(($(date +%s) - start))
cat "$tmp/hang.log"
[ "$code" != 124 ] || fail "a hung rank hung the job"
[ "$code" != 0 ] || fail "a hung rank went unnoticed"
[ "$elapsed" -lt 120 ] || fail "the job took $elapsed s to give up on a hung rank (rank timeout 5 s)"
grep -q "rank 1 on host $h2 sent nothing within 5 s" "$tmp/hang.log" || fail "rank 0 did not name rank 1 on $h2"
[ "$(json "$tmp/hang/report.json" '[r["problem"] for r in d["ranks"] if r["rank"] == 1][0].startswith("rank 1 on host")')" = True ] ||
  fail "the report's rank table does not name the hung rank"
echo "PASS: nccl_two_hosts ($h1, $h2)"
