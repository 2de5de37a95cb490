#!/usr/bin/env python3
"""A stand-in gpucert-worker for machines without a GPU: it speaks the worker protocol (harness/core/protocol.hpp)
and reports two GPUs whose every run takes about a millisecond, so that the coordinator's own paths (gathering,
logs, what stays on the nodes) run end to end under real mpirun. It measures nothing: tests only."""
import json
import os
import sys

# STAND_IN_NCCL=1: it also takes part in NCCL's rendezvous, as if it had NCCL.
nccl = os.environ.get("STAND_IN_NCCL") == "1"
world_size = 0
for line in sys.stdin:
    request = json.loads(line)
    op = request.get("op")
    if op == "probe":
        reply = {"op": "probe", "ok": True, "hostname": os.uname().nodename, "worker_version": "stand-in",
                 "cuda_build_version": 13000, "driver_version": 13000, "driver_release": "580.159.04",
                 "runtime_version": 13000, "libcuda": {"name": "libcuda.so.1", "loaded": True, "path": "stand-in"},
                 "devices": [{"index": i, "name": "Stand-in GPU", "uuid": f"GPU-00000000-stand-in-{i}",
                              "compute_capability": "9.0", "memory_bytes": 80 << 30} for i in range(2)]}
    elif op == "run":
        samples = [0.001 * (1 + 0.001 * i) for i in range(max(1, request.get("repetitions", 1)))]
        reply = {"op": "run", "ok": True, "status": "ok", "samples_s": samples, "message": "", "details": {},
                 "verification": {"passed": True, "checked": 1000, "mismatches": 0, "max_rel_error": 0,
                                  "tolerance": 0, "method": "stand-in"}}
        if request.get("workload") == "nccl":
            # The communicator the coordinator asked for: the run's, or one split from it (core/nccl_split.hpp).
            split = request.get("params", {}).get("communicator")
            if split is not None and split["color"] < 0:
                reply.update(status="waived", samples_s=[], message=split.get("waived", ""))
            reply["details"] = {"nranks": split["nranks"] if split else world_size,
                                "split_name": split["name"] if split else ""}
    elif op in ("nccl_id", "nccl_init") and nccl:
        # Without a GPU nothing is reduced: the coordinator's rendezvous and its split decisions are what run.
        reply = {"op": op, "ok": True, "message": "stand-in"}
        if op == "nccl_id":
            reply["id"] = "00" * 128
        else:
            world_size = request["nranks"]
    elif op in ("nccl_id", "nccl_init"):
        reply = {"op": op, "ok": False, "unavailable": True, "message": "the stand-in worker has no NCCL"}
    elif op == "quit":
        print(json.dumps({"op": "quit", "ok": True}), flush=True)
        break
    else:
        reply = {"op": "error", "ok": False, "message": f"the stand-in worker does not know '{op}'"}
    print(json.dumps(reply), flush=True)
