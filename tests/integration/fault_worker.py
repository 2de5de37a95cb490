#!/usr/bin/env python3
"""A stand-in for gpucert-worker that speaks its protocol on a CPU machine, reports one GPU, and fails as told.

GPUCERT_FAULTS="KIND=MATCH,..." makes the run request whose measurement id contains MATCH ("*": any) fail in
one way:
  crash     the worker kills itself with SIGSEGV before it answers (after a word on stderr)
  hang      the worker never answers
  garbage   the worker answers a line that is not JSON
  utf8      the worker answers a valid reply whose message, and its stderr, hold bytes that are not UTF-8
  midreply  the worker writes half of its reply and exits
  error     the worker answers status "error" (a CUDA error, as a real worker would)
Each fault fires once per measurement (a marker in GPUCERT_FAULT_DIR remembers it), so a fresh worker, or a
resumed run, measures it; KIND! (e.g. "crash!=*") fires every time. GPUCERT_FAULT_LOG, when set, gets one
line per run request: "<pid> <id>". GPUCERT_FAKE_GPUS: how many GPUs it reports (default 1).
"""
import json
import os
import signal
import sys
import time

faults = []
for entry in filter(None, os.environ.get("GPUCERT_FAULTS", "").split(",")):
    kind, _, match = entry.partition("=")
    faults.append((kind.rstrip("!"), kind.endswith("!"), match))
fault_dir = os.environ.get("GPUCERT_FAULT_DIR", "/tmp")
out = sys.stdout.buffer


def reply(obj):
    out.write(json.dumps(obj).encode() + b"\n")
    out.flush()


def fault_for(mid):
    for kind, always, match in faults:
        if match != "*" and match not in mid:
            continue
        marker = os.path.join(fault_dir, kind + "-" + mid.replace("/", "_"))
        if always:
            return kind
        if not os.path.exists(marker):
            open(marker, "w").close()
            return kind
    return None


def probe():
    return {"op": "probe", "ok": True, "worker_version": "fault-worker", "hostname": os.uname().nodename,
            "cuda_build_version": 13000, "driver_version": 13000, "driver_release": "580.00", "runtime_version": 13000,
            "devices": [{"index": i, "name": "Stand-in GPU", "uuid": f"GPU-00000000-0000-0000-0000-00000000000{i}",
                         "compute_capability": "9.0", "memory_bytes": 1 << 34, "multiprocessors": 1}
                        for i in range(int(os.environ.get("GPUCERT_FAKE_GPUS", "1")))],
            "libcuda": {"name": "libcuda.so.1", "loaded": True, "path": "/stand-in", "error": ""},
            "workloads": [{"name": w, "available": True, "backend": "stand-in", "evidence": ""}
                          for w in ("stream", "host_copy")]}


for raw in sys.stdin.buffer:
    try:
        request = json.loads(raw)
    except ValueError:
        reply({"op": "error", "ok": False, "message": "not a JSON line"})
        continue
    op = request.get("op")
    if op == "probe":
        reply(probe())
    elif op == "quit":
        reply({"op": "quit", "ok": True})
        break
    elif op == "run":
        mid = request.get("id", "")
        if os.environ.get("GPUCERT_FAULT_LOG"):
            with open(os.environ["GPUCERT_FAULT_LOG"], "a") as log:
                log.write(f"{os.getpid()} {mid}\n")
        kind = fault_for(mid)
        ok = {"op": "run", "ok": True, "status": "ok", "samples_s": [1e-3] * request.get("repetitions", 1),
              "verification": {"passed": True, "checked": 1, "mismatches": 0, "max_rel_error": 0, "tolerance": 0,
                               "method": "stand-in"}, "message": "", "details": {}}
        if kind == "crash":
            sys.stderr.write(f"fault worker: crashing during {mid}\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGSEGV)
        elif kind == "hang":
            sys.stderr.write(f"fault worker: hanging during {mid}\n")
            sys.stderr.flush()
            time.sleep(86400)
        elif kind == "garbage":
            out.write(b"Segmentation fault? no: this line is not JSON\n")
            out.flush()
        elif kind == "utf8":
            sys.stderr.buffer.write(b"fault worker: bad bytes \xff\xfe\xc3 on stderr\n")
            sys.stderr.flush()
            text = json.dumps(dict(ok, message="bytes: @@")).encode().replace(b"@@", b"\xff\xc0\xed\xa0\x80")
            out.write(text + b"\n")
            out.flush()
        elif kind == "midreply":
            text = json.dumps(ok).encode()
            out.write(text[: len(text) // 2])
            out.flush()
            os._exit(3)
        elif kind == "error":
            reply(dict(ok, status="error", samples_s=[], message="cudaErrorIllegalAddress (700): stand-in"))
        else:
            reply(ok)
    else:
        reply({"op": "error", "ok": False, "message": f"unknown op '{op}'"})
