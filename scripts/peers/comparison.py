"""gpucert against its PyTorch peer over several interleaved runs: per measurement id, the median across runs of
each side's per-run median figure (a median of medians), the spread across runs, the ratio gpucert / peer and
each figure as a fraction of the card's limit. Pure functions over parsed JSON, no torch and no GPU, so that
the arithmetic is tested on its own (tests/unit/test_perf_peers.py)."""
import json
import statistics

# scripts/perf's keys of the older flat peer format (copy_GBps, ...), kept so that such a peer still compares.
LEGACY_CONV = "n256c64h56w56k64r3s3p1u1"
LEGACY_PEER_KEYS = {"stream/copy/fp64/2GiB": "copy_GBps", "stream/triad/fp64/2GiB": "triad_GBps"}
for _p in ("fp64", "fp32", "tf32", "fp16", "bf16"):
    LEGACY_PEER_KEYS[f"gemm/{_p}/8192x8192x8192"] = f"gemm_{_p}_TFLOPs"
for _p in ("fp32", "fp16", "bf16"):
    LEGACY_PEER_KEYS[f"conv/{_p}/{LEGACY_CONV}"] = f"conv3x3_n256_c64_56x56_k64_{_p}_TFLOPs"

# Dense FLOP per SM per clock {precision: rate} by compute capability, copied from flop_per_sm_clock in
# harness/core/derived_floors.cpp (NVIDIA's architecture whitepapers): the card's tensor (or FP32/FP64) peak is
# SMs x peak SM clock x rate, used where suites/thresholds.json has no datasheet figure for the card.
FLOP_PER_SM_CLOCK = {
    (7, 0): {"fp64": 64, "fp32": 128, "fp16": 1024},
    (7, 5): {"fp64": 4, "fp32": 128, "fp16": 1024},
    (8, 0): {"fp64": 128, "fp32": 128, "tf32": 1024, "fp16": 2048, "bf16": 2048},
    (8, 6): {"fp64": 4, "fp32": 256, "tf32": 512, "fp16": 1024, "bf16": 1024},
    (8, 9): {"fp64": 4, "fp32": 256, "tf32": 512, "fp16": 1024, "bf16": 1024, "fp8": 2048},
    (9, 0): {"fp64": 256, "fp32": 256, "tf32": 2048, "fp16": 4096, "bf16": 4096, "fp8": 8192},
    (10, 0): {"fp64": 128, "fp32": 256, "tf32": 4096, "fp16": 8192, "bf16": 8192, "fp8": 16384},
}
PRECISIONS = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    """(max - min) / median across runs; None with fewer than two figures."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None
    return (max(values) - min(values)) / statistics.median(values)


# --- reading each side's output -------------------------------------------------------------------------------

def gpucert_figures(report):
    """{id: {"figure", "unit", "verified"}} from gpucert's report.json: the native run of rank 0 (this comparison
    is of one card); "figure" is figure.at_median, the work over the median time of the verified repetitions."""
    out = {}
    for r in report.get("results", []):
        if r.get("rank", 0) != 0 or r.get("environment", "native") != "native" or r["id"] in out:
            continue
        figure = (r.get("figure") or {}).get("at_median")
        # A waived measurement (a peer copy on one GPU) was not run, so neither verified nor wrong.
        verified = None if r.get("status") == "waived" else (
            r.get("status") == "ok" and bool((r.get("verification") or {}).get("passed")))
        out[r["id"]] = {"figure": figure, "unit": r.get("unit"), "verified": verified,
                        "link_limit": (r.get("details") or {}).get("limit_gbps")}
    return out


def peer_figures(doc):
    """{id: entry} from a peer's JSON: torch_suite.py's {"results": {id: {"figure"...} | {"skipped"} |
    {"error"}}}, or the older flat format ({"copy_GBps": 3000.0, ...}) mapped through LEGACY_PEER_KEYS."""
    if isinstance(doc.get("results"), dict):
        return doc["results"]
    return {mid: {"figure": doc[key]} for mid, key in LEGACY_PEER_KEYS.items() if doc.get(key)}


# --- the card's limits ------------------------------------------------------------------------------------------

def _datasheet_tflops(model, precision):
    for key, floor in model.items():
        if key.startswith(f"gemm/{precision}/") and floor.get("datasheet_TFLOPs"):
            return floor["datasheet_TFLOPs"]
    return None


def card_limits(device, thresholds=None):
    """{"memory": {"value": GB/s, "source"}, "fp16": {"value": TFLOP/s, "source"}, ...} for `device` (a
    report.json probe device). Memory: the clock x bus peak gpucert reads from the device
    (DeviceInfo::peak_bandwidth_gbps, harness/core/probe_report.cpp), else the datasheet of
    suites/thresholds.json. Compute, per precision: the datasheet's dense peak in suites/thresholds.json for
    this model, else SMs x peak SM clock x FLOP_PER_SM_CLOCK (derived_floors.cpp). Copies between devices or
    to the host are bounded by a link, not the card: their limit is the one gpucert's result carries
    (link_limit below)."""
    model = (thresholds or {}).get(device.get("name", ""), {})
    limits = {}
    if device.get("peak_bandwidth_gbps"):
        limits["memory"] = {"value": device["peak_bandwidth_gbps"],
                            "source": "memory clock x bus width read from the device"}
    elif model.get("stream", {}).get("datasheet_GBps"):
        limits["memory"] = {"value": model["stream"]["datasheet_GBps"], "source": "datasheet (suites/thresholds.json)"}
    major, _, minor = str(device.get("compute_capability", "")).partition(".")
    rates = FLOP_PER_SM_CLOCK.get((int(major), int(minor)), {}) if major.isdigit() and minor.isdigit() else {}
    for precision in PRECISIONS:
        datasheet = _datasheet_tflops(model, precision)
        if datasheet:
            limits[precision] = {"value": datasheet, "source": "dense datasheet peak (suites/thresholds.json)"}
        elif rates.get(precision) and device.get("multiprocessors") and device.get("sm_clock_khz"):
            value = device["multiprocessors"] * device["sm_clock_khz"] * 1e3 * rates[precision] / 1e12
            limits[precision] = {"value": value, "source": "SMs x peak SM clock x dense FLOP/SM/clock "
                                                             "(harness/core/derived_floors.cpp)"}
    return limits


def link_limit(gpucert_entries):
    """The link limit gpucert's copy workloads report in details.limit_gbps (peer_copy, host_copy_all: the
    link's generation x width read through NVML), the same in every run of one card; None for other
    workloads."""
    values = [e.get("link_limit") for e in gpucert_entries if e and e.get("link_limit")]
    if not values:
        return None
    return {"value": median(values), "source": "link generation x width read through NVML (details.limit_gbps)"}


def limit_key(measurement_id):
    """Which of card_limits' entries bounds a measurement: "memory" for stream, its precision for gemm and conv
    (a convolution runs on the same tensor or FP32 units as a GEMM of its precision), None for host copies."""
    workload, _, rest = measurement_id.partition("/")
    if workload == "stream":
        return "memory"
    if workload in ("gemm", "conv"):
        return rest.split("/")[0]
    return None


# --- the comparison ---------------------------------------------------------------------------------------------

def _peer_side(entries):
    """One id's peer entries across runs (None where a run lacks the id)."""
    figures = [e.get("figure") if e else None for e in entries]
    reasons = [e.get("skipped") or (f'error: {e["error"]}' if e.get("error") else None) for e in entries if e]
    checks = [e["check"]["passed"] for e in entries if e and isinstance(e.get("check"), dict)
              and e.get("figure") is not None]
    side = {"figure": median(figures), "runs": figures, "spread": spread(figures),
            "checked": all(checks) if checks else None, "skipped": None}
    if side["figure"] is None and entries:  # no entries: no peer ran at all, nothing was skipped
        side["skipped"] = reasons[0] if reasons else "not measured"
    return side


def _gpucert_side(entries):
    figures = [e.get("figure") if e else None for e in entries]
    verified = [e["verified"] for e in entries if e and e.get("verified") is not None]
    return {"figure": median(figures), "runs": figures, "spread": spread(figures),
            "verified": all(verified) if verified else None}


def compare(measurements, gpucert_runs, peer_runs, limits=None):
    """One row per (id, unit) of `measurements`, in their order. gpucert_runs: one gpucert_figures() dict per run;
    peer_runs: one peer_figures() dict per run. A peer that skipped an id in every run gives a row with
    peer.skipped set and no ratio."""
    limits = limits or {}
    rows = []
    for mid, unit in measurements:
        g = _gpucert_side([run.get(mid) for run in gpucert_runs])
        p = _peer_side([run.get(mid) for run in peer_runs])
        ratio = g["figure"] / p["figure"] if g["figure"] and p["figure"] else None
        limit = limits.get(limit_key(mid)) if limit_key(mid) else link_limit([run.get(mid) for run in gpucert_runs])
        of_limit = (lambda f: f / limit["value"] if f and limit else None)
        rows.append({"id": mid, "unit": unit, "gpucert": g, "peer": p, "ratio": ratio, "limit": limit,
                     "gpucert_of_limit": of_limit(g["figure"]), "peer_of_limit": of_limit(p["figure"]),
                     "below_parity": ratio is not None and ratio < 1.0})
    return rows


def summary(rows):
    compared = [r for r in rows if r["ratio"] is not None]
    below = [r["id"] for r in compared if r["below_parity"]]
    return {"compared": len(compared), "below_parity": below,
            "peer_skipped": [r["id"] for r in rows if r["peer"]["skipped"]],
            "median_ratio": median([r["ratio"] for r in compared])}


# --- rendering --------------------------------------------------------------------------------------------------

def _number(value, digits=1):
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else str(value)


def _percent(value):
    return "" if value is None else f"{100 * value:.0f}%"


def _of_limit(row, separator):
    if not row["limit"]:
        return ""
    return f'{_percent(row["gpucert_of_limit"]) or "-"}{separator}{_percent(row["peer_of_limit"]) or "-"}'


def _spreads(row):
    return f'{_percent(row["gpucert"]["spread"]) or "-"} / {_percent(row["peer"]["spread"]) or "-"}'


def _checked(row):
    g = {True: "yes", False: "NO", None: "-"}[row["gpucert"]["verified"]]
    p = {True: "yes", False: "NO", None: "-"}[row["peer"]["checked"]]
    return f"{g} / {p}"


def render_text(rows):
    """The table for a terminal; a row below 1.00x ends with '<< below 1.00x'."""
    width = max([len(r["id"]) for r in rows] + [11])
    lines = [f'{"measurement":{width}} {"unit":>7} {"gpucert":>9} {"peer":>9} {"ratio":>6} {"of limit":>9} '
             f'{"spread g/p":>11}  verified/checked']
    for r in rows:
        ratio = _number(r["ratio"], 3) if r["ratio"] is not None else ("skip" if r["peer"]["skipped"] else "-")
        of_limit = _of_limit(r, "/")
        mark = "  << below 1.00x" if r["below_parity"] else ""
        lines.append(f'{r["id"]:{width}} {r["unit"]:>7} {_number(r["gpucert"]["figure"]):>9} '
                     f'{_number(r["peer"]["figure"]):>9} {ratio:>6} {of_limit:>9} {_spreads(r):>11}  '
                     f'{_checked(r)}{mark}')
    for r in rows:
        if r["peer"]["skipped"]:
            lines.append(f'peer skipped {r["id"]}: {r["peer"]["skipped"]}')
    return "\n".join(lines)


def render_markdown(rows, header):
    """A Markdown section for docs/PERFORMANCE.md. header: {"card", "driver", "date", "command", "runs", "torch",
    "cudnn", "peer_name", "limits", "power"}; peer_name is what the peer is called in the table (PyTorch unless the
    peer's JSON names itself). Ratios below 1.00x are bold, as docs/PERFORMANCE.md marks them."""
    s = summary(rows)
    peer = header.get("peer_name") or "PyTorch"
    versions = (f'torch {header.get("torch", "-")}, cuDNN {header.get("cudnn", "-")} in PyTorch. '
                if peer == "PyTorch" else f'peer: {peer}. ')
    out = [f'## {header.get("card", "?")}, driver {header.get("driver", "?")}, {header.get("date", "?")}', "",
           f'{header.get("runs", "?")} interleaved runs of each side in one call (gpucert, peer, gpucert, peer, ...), '
           f'{versions}Figure = median across the runs of each run\'s median; spread = (max - min) / median across '
           f'the runs; ratio = gpucert / {peer}. {s["compared"]} measurements compared, median ratio '
           f'{_number(s["median_ratio"], 3)}, {len(s["below_parity"])} below 1.00x (bold).', "",
           "    " + header.get("command", ""), ""]
    out += [f"| measurement | unit | gpucert | {peer} | ratio | gpucert / {peer} of limit | spread gpucert / {peer} "
            "| verified / checked |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        ratio = _number(r["ratio"], 3) if r["ratio"] is not None else "-"
        if r["below_parity"]:
            ratio = f"**{ratio}**"
        of_limit = _of_limit(r, " / ")
        peer = _number(r["peer"]["figure"]) if not r["peer"]["skipped"] else "skipped"
        out.append(f'| {r["id"]} | {r["unit"]} | {_number(r["gpucert"]["figure"])} | {peer} | {ratio} | {of_limit} '
                   f'| {_spreads(r)} | {_checked(r)} |')
    below = sorted((r for r in rows if r["below_parity"]), key=lambda r: r["ratio"])
    if below:
        out += ["", "Below 1.00x, lowest first: " + ", ".join(f'`{r["id"]}` {r["ratio"]:.3f}' for r in below) + "."]
    skipped = [r for r in rows if r["peer"]["skipped"]]
    if skipped:
        out += ["", "Not measured by the peer:", ""]
        out += [f'- `{r["id"]}`: {r["peer"]["skipped"]}' for r in skipped]
    out += _limits_markdown(header.get("limits") or {})
    links = [r for r in rows if r["limit"] and r["limit"] not in (header.get("limits") or {}).values()]
    if links:
        out += ["", "Link limits, per measurement: " + "; ".join(
            f'`{r["id"]}` {r["limit"]["value"]:.1f} GB/s' for r in links) + f' ({links[0]["limit"]["source"]}).']
    out += _power_markdown(header.get("power") or [])
    return "\n".join(out) + "\n"


def _limits_markdown(limits):
    """"Limits: memory 3352.3 GB/s (source); fp64 67.0, fp32 67.0 TFLOP/s (source)": one clause per source."""
    by_source = {}
    for key, limit in limits.items():
        by_source.setdefault(limit["source"], []).append((key, limit["value"]))
    clauses = []
    for source, entries in by_source.items():
        unit = "GB/s" if entries[0][0] == "memory" else "TFLOP/s"
        clauses.append(", ".join(f"{key} {value:.1f}" for key, value in entries) + f" {unit} ({source})")
    return ["", "Limits: " + "; ".join(clauses) + "."] if clauses else []


def _power_markdown(power):
    """One line per step (gpucert-1, peer-1, ...) with the card's state before and after it."""
    if not power:
        return []
    out = ["", "| step | SM MHz before / after | memory MHz | W before / after (cap) | °C before / after | clock "
                "reasons after |", "| --- | --- | --- | --- | --- | --- |"]
    for step in power:
        error = (step.get("before") or {}).get("error")
        if error:
            out.append(f'| {step["step"]} | nvidia-smi: {error} | | | | |')
            continue
        before, after = (_first_gpu(step.get("before")), _first_gpu(step.get("after")))
        pair = (lambda key: f'{_number(before.get(key), 0)} / {_number(after.get(key), 0)}')
        out.append(f'| {step["step"]} | {pair("clocks.sm")} | {pair("clocks.mem")} | {pair("power.draw")} '
                   f'({_number(after.get("power.limit"), 0)}) | {pair("temperature.gpu")} | '
                   f'{after.get("clocks_throttle_reasons.active", "-")} |')
    return out


def _first_gpu(state):
    return ((state or {}).get("gpus") or [{}])[0]


def to_json(rows, header):
    return json.dumps({"schema_version": 1, "header": header, "summary": summary(rows), "rows": rows}, indent=1)
