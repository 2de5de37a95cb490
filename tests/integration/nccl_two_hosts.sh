#!/usr/bin/env bash
# Two (then three) "hosts" on one machine: network namespaces joined by a bridge, each with its own hostname (a UTS
# namespace), and mpirun across them through a launcher agent that enters them (docs/ARCHITECTURE.md, "Tests"). MPI's
# TCP traffic is restricted to the namespaces' subnet, so every message between the ranks, the NCCL unique
# id among them, crosses a real network boundary. Without a GPU NCCL itself cannot run: the test shows the
# coordinator, the rendezvous broadcast and the gathering working across the hosts, and the nccl
# measurements reported unavailable with their cause; then a rank that hangs on the second host is named,
# with that host, and the job ends within the rank timeout. Last, on three hosts with the stand-in worker
# (stand_in_worker.py, which joins the rendezvous as if it had NCCL), collectives split per node and per node
# pair: the communicator each rank is told to make, and the records that name its hosts.
# Usage: nccl_two_hosts.sh BIN_DIR. Needs root (ip netns); exits 77 (skipped) where namespaces are refused.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
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
h3=gch${id}c
bridge=gcbr${id}
subnet_octet=$((id % 250))
subnet=10.78.${subnet_octet}
tmp=$(mktemp -d)
cleanup() {
  ip netns del "$h1" 2>/dev/null || true
  ip netns del "$h2" 2>/dev/null || true
  ip netns del "$h3" 2>/dev/null || true
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$h1" 2>"$tmp/err" || skip "ip netns add is not permitted here: $(cat "$tmp/err")"
ip netns add "$h2"
ip netns add "$h3"
ip link add "$bridge" type bridge
ip addr add "$subnet.254/24" dev "$bridge"
ip link set "$bridge" up
n=1
for h in "$h1" "$h2" "$h3"; do
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

# across [HOSTS NP] COMMAND...: the two first hosts with a rank each unless HOSTS (mpirun --host) and NP say.
across() {
  local hosts="$h1,$h2" np=2
  if [ "$1" = --hosts ]; then hosts=$2 np=$3; shift 3; fi
  timeout 240 mpirun --allow-run-as-root --oversubscribe --mca plm_rsh_agent "$tmp/agent" --host "$hosts" -np "$np" \
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
# 3. Collectives split per node and per node pair (core/nccl_split.hpp) on three hosts of two ranks, each rank
#    driving the stand-in worker with its NCCL rendezvous (no GPU reduces anything): every rank's communicator,
#    its size and hosts, the odd node out in each pair round, and every pair of hosts met once.
cat >"$tmp/split.json" <<'SUITE'
{"schema_version": 1, "name": "split", "items": [
  {"workload": "nccl", "collectives": ["all_reduce"], "begin_bytes": 1048576, "split": ["node", "pair"],
   "pair_rounds": 5, "repetitions": 2}]}
SUITE
set +e
across --hosts "$h1:2,$h2:2,$h3:2" 6 -x GPUCERT_WORKER="$here/stand_in_worker.py" -x STAND_IN_NCCL=1 \
  "$bin/gpucert" run --suite "$tmp/split.json" --out "$tmp/split" --timeout 60 >"$tmp/split.log" 2>&1
code=$?
set -e
[ "$code" = 0 ] || { cat "$tmp/split.log"; fail "the split run exited $code"; }
python3 - "$tmp/split/report.json" "$h1" "$h2" "$h3" <<'PY' || fail "the split communicators are not as planned"
import itertools, json, sys
report, hosts = json.load(open(sys.argv[1])), sys.argv[2:]
base = "nccl/all_reduce/fp32/1MiB"
by_id = {}
for r in report["results"]:
    by_id.setdefault(r["id"], []).append(r)
host_of = {r["rank"]: r["host"] for r in report["ranks"]}
assert sorted(by_id) == sorted([base, base + "/per_node"] + [f"{base}/per_pair/round{k}" for k in (1, 2, 3, 4, 5)]), sorted(by_id)
assert all(r["status"] == "ok" and r["details"]["nranks"] == 6 for r in by_id[base])
for r in by_id[base + "/per_node"]:
    c = r["details"]["communicator"]
    assert r["status"] == "ok" and r["details"]["nranks"] == 2, r
    assert c["hosts"] == [host_of[r["rank"]]] and c["group"] == base + "/per_node" and c["scope"] == "node", c
met = []
for k in (1, 2, 3):
    rows = by_id[f"{base}/per_pair/round{k}"]
    assert len(rows) == 6
    waived = [r for r in rows if r["status"] == "waived"]
    assert len(waived) == 2 and len({host_of[r["rank"]] for r in waived}) == 1, [(r["rank"], r["status"]) for r in rows]
    assert "no partner in pair round" in waived[0]["message"], waived[0]["message"]
    for r in rows:
        if r["status"] == "waived":
            continue
        c = r["details"]["communicator"]
        assert r["details"]["nranks"] == 4 and c["round"] == k and c["group"] == base + "/per_pair", r
        assert host_of[r["rank"]] in c["hosts"] and len(set(c["hosts"])) == 2, c
        met.append(tuple(sorted(c["hosts"])))
        assert r["details"]["split_name"] == f"pair/round{k}"
# Three nodes have three rounds of distinct pairs: rounds 4 and 5 are waived on every rank, without a worker call.
for k in (4, 5):
    rows = by_id[f"{base}/per_pair/round{k}"]
    assert {r["status"] for r in rows} == {"waived"} and "3 nodes have 3 round(s)" in rows[0]["message"], rows[0]
assert sorted(set(met)) == sorted(itertools.combinations(sorted(hosts), 2)), met
assert len(met) == 3 * 4, "each pair of hosts met in one round, by its four ranks"
print("split: per node and three pair rounds over", ", ".join(hosts))
PY

echo "PASS: nccl_two_hosts ($h1, $h2, $h3)"
