"""The card's power state as nvidia-smi reports it: clocks, power drawn and its cap, temperature and the reasons
the clocks are held down. Recorded before and after each side of a comparison, because that state moves GEMM
figures by up to 10% between runs minutes apart (docs/PERFORMANCE.md). Tolerates a missing nvidia-smi."""
import shutil
import subprocess
import time

FIELDS = ("clocks.sm", "clocks.mem", "power.draw", "power.limit", "temperature.gpu",
          "clocks_throttle_reasons.active")
# Newer drivers name the last field clocks_event_reasons.active; one of the two names is understood.
RENAMED = {"clocks_throttle_reasons.active": "clocks_event_reasons.active"}


def _value(text):
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        return text  # "[N/A]", or a hexadecimal reasons mask such as "0x0000000000000004"


def parse_rows(stdout, fields=FIELDS):
    """nvidia-smi's csv,noheader,nounits lines as one dict per GPU, keyed by the FIELDS names."""
    rows = []
    for line in stdout.strip().splitlines():
        values = [_value(v) for v in line.split(",")]
        if len(values) == len(fields):
            rows.append(dict(zip(FIELDS, values)))
    return rows


def _query(fields, gpu):
    command = ["nvidia-smi", "--query-gpu=" + ",".join(fields), "--format=csv,noheader,nounits"]
    if gpu is not None:
        command += ["-i", str(gpu)]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def driver_version():
    """The driver's version as nvidia-smi prints it ("580.159.04"), or None."""
    if not shutil.which("nvidia-smi"):
        return None
    try:
        done = _query(("driver_version",), None)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.strip().splitlines() if done.returncode == 0 else []
    return lines[0].strip() if lines else None


def query(gpu=None):
    """{"time": epoch seconds, "gpus": [{field: value}]} for every GPU, or only `gpu` (an index, a PCI bus id or
    a UUID; every GPU where nvidia-smi does not know it), or {"time", "error"} where nvidia-smi is absent or
    fails."""
    now = time.time()
    if not shutil.which("nvidia-smi"):
        return {"time": now, "error": "nvidia-smi not found"}
    try:
        done = _query(FIELDS, gpu)
        if done.returncode != 0:
            done = _query(tuple(RENAMED.get(f, f) for f in FIELDS), gpu)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"time": now, "error": str(e)}
    if done.returncode != 0:
        if gpu is not None:
            return query(None)
        return {"time": now, "error": (done.stderr or done.stdout).strip()[:500]}
    return {"time": now, "gpus": parse_rows(done.stdout)}
