#!/usr/bin/env bash
# A real Slurm on this machine: munged, slurmctld and slurmd started by the test with a configuration, ports,
# socket and state of their own (nothing of the machine's is read or changed), then scripts/slurm/native.sbatch
# submitted as a two-task job (srun --mpi=pmix, one task per "GPU"). Without a GPU every rank is unusable, so
# gpucert ends with exit code 3 and its reports: the test checks that one report came from both tasks, that
# it names the Slurm node and job, that each rank's Slurm placement is recorded, and that the node verdict
# files say why the node failed.
# Usage: slurm.sh BIN_DIR. Needs root, slurm-wlm and munge; exits 77 (skipped) without them.
set -euo pipefail
bin=$(cd "$1" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

[ "$(id -u)" = 0 ] || skip "slurmctld and slurmd run as root here"
for tool in slurmctld slurmd munged sbatch srun scontrol; do
  command -v "$tool" >/dev/null || skip "no $tool (apt-get install slurm-wlm munge)"
done

tmp=$(mktemp -d /tmp/gpucert-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${keep:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
dump_logs() {
  for f in "$tmp"/*.log; do echo "--- $f" >&2; tail -20 "$f" >&2; done
}

# munge with its own key and socket.
mkdir -p "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$tmp/munge" 2>/dev/null || true
chmod 700 "$tmp/munge"
chmod 400 "$tmp/munge/munge.key"
socket=$tmp/munge/munge.socket
runuser -u munge -- munged --key-file="$tmp/munge/munge.key" --socket="$socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge.log" --seed-file="$tmp/munge/seed" --force \
  2>>"$tmp/munge.log" || munged --key-file="$tmp/munge/munge.key" --socket="$socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge.log" --seed-file="$tmp/munge/seed" --force
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { dump_logs; fail "munged did not start"; }
pids+=("$(cat "$tmp/munge/munged.pid")")

# Ports of its own: tests may run beside a machine's own Slurm.
port=$((20000 + $$ % 20000))
host=$(hostname -s)
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<EOF
ClusterName=gpucerttest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ReturnToService=2
NodeName=$host CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE
EOF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >>"$tmp/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >>"$tmp/slurmd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 0.2
done
sinfo -h -o %T 2>/dev/null | grep -qE '^idle' || { dump_logs; fail "the Slurm node did not come up idle"; }
srun --mpi=list 2>&1 | grep -q pmix || skip "this Slurm has no PMIx plugin (srun --mpi=list)"

# The batch file as a site submits it, with this machine's shape (no GPUs to ask Slurm for).
out=$tmp/out
job_out=$tmp/job.out
start=$(date +%s)
GPUCERT_HOME=$root GPUCERT=$bin/gpucert GPUCERT_OUT=$out GPUCERT_SUITE=quick \
  GPUCERT_ARGS="--rank-timeout 120" \
  sbatch --wait --parsable --nodes=1 --ntasks-per-node=2 --gpus-per-node=0 --time=10 --output="$job_out" \
  --chdir="$tmp" "$root/scripts/slurm/native.sbatch" >"$tmp/job_id" 2>"$tmp/sbatch.err" && code=0 || code=$?
job=$(head -1 "$tmp/job_id" | cut -d';' -f1)
echo "job $job ended with $code after $(($(date +%s) - start)) s; its output:"
cat "$job_out" || true
[ -n "$job" ] || { cat "$tmp/sbatch.err" >&2; dump_logs; fail "sbatch did not submit the job"; }
# sbatch --wait passes the batch script's exit code on: gpucert's 3, no usable GPU.
[ "$code" = 3 ] || { cat "$tmp/sbatch.err" >&2; dump_logs; fail "expected exit code 3 (no GPU), got $code"; }

[ -f "$out/report.json" ] || fail "no report.json in $out"
python3 - "$out" "$job" "$host" <<'PY' || fail "the report does not say where Slurm ran the job"
import json, sys
out, job, host = sys.argv[1:]
report = json.load(open(f"{out}/report.json"))
ranks = report["ranks"]
assert len(ranks) == 2, f"{len(ranks)} ranks in one report, expected the job's 2 tasks"
for r in ranks:
    assert r["host"] == host, f"rank {r['rank']} on {r['host']!r}, expected Slurm's node name {host!r}"
    env = r["probe"]["environment"]
    assert env.get("SLURM_JOB_ID") == job, f"rank {r['rank']}: SLURM_JOB_ID {env.get('SLURM_JOB_ID')!r}"
    assert env.get("SLURM_PROCID") == str(r["rank"]), f"rank {r['rank']}: SLURM_PROCID {env.get('SLURM_PROCID')!r}"
    assert env.get("SLURM_LOCALID") == str(r["local_rank"]), f"rank {r['rank']}: SLURM_LOCALID"
    assert env.get("SLURMD_NODENAME") == host
assert report["verdict"]["exit_code"] == 3, report["verdict"]
nodes = json.load(open(f"{out}/nodes.json"))
assert nodes["job"]["job_id"] == job and nodes["job"]["cluster"] == "gpucerttest", nodes["job"]
assert [n["host"] for n in nodes["nodes"]] == [host], nodes["nodes"]
node = nodes["nodes"][0]
assert node["verdict"] == "fail" and node["ranks"] == [0, 1], node
assert any("has no usable GPU" in reason for reason in node["reasons"]), node["reasons"]
print(f"report.json: 2 ranks on {host}, Slurm job {job}; nodes.json: {host} fails: {node['reasons'][0]}")
PY
grep -q "| Slurm job | $job (gpucerttest, debug, gpucert-acceptance), nodes $host |" "$out/report.md" || fail "report.md does not name the Slurm job"
grep -q "<dt>Slurm job</dt><dd>$job (gpucerttest, debug, gpucert-acceptance), nodes $host</dd>" "$out/report.html" || fail "report.html does not name the job"
grep -q "^$host	rank 0 has no usable GPU" "$out/failed-nodes.txt" || fail "failed-nodes.txt: $(cat "$out/failed-nodes.txt")"
grep -q "gpucert: nodes that failed" "$job_out" || fail "the batch file did not print the failed nodes"
echo "PASS: a two-task Slurm job (srun --mpi=pmix) wrote one report naming node $host and job $job"
