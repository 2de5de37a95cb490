"""The measurements a gpucert suite expands into, for the workloads a PyTorch peer can run: stream, host_copy,
gemm, conv, peer_copy and host_copy_all. Mirrors kernels/<workload>/spec.cpp and harness/core/suite.cpp:
the same ids, defaults, order and work (bytes or flop per run). The suites are assumed valid (gpucert checks
them); this module only expands them. Pure Python, no torch."""
import json
import os
import re
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The workloads a single-GPU PyTorch peer covers; nccl needs several processes (docs/PERFORMANCE.md's NCCL peer).
COMPARED_WORKLOADS = ("stream", "host_copy", "gemm", "conv", "peer_copy", "host_copy_all")

KIB = 1024
GIB = KIB ** 3
MIB = KIB ** 2

# harness/core/workloads/workload_spec.hpp: ItemDefaults.
DEFAULT_WARMUP = 3
DEFAULT_REPETITIONS = 20

STREAM_KERNELS = ("copy", "mul", "add", "triad", "dot", "nstream")
# harness/core/bandwidth.cpp stream_bytes: arrays read or written once per launch, BabelStream's count.
STREAM_ARRAYS = {"copy": 2, "mul": 2, "dot": 2, "add": 3, "triad": 3, "nstream": 4}
GEMM_PRECISIONS = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8")
CONV_PRECISIONS = ("fp32", "tf32", "fp16", "bf16")
# kernels/conv/spec.cpp: the directions an item may list; without "directions" an item is forward alone.
CONV_DIRECTIONS = ("forward", "backward_data", "backward_filter")


def _cold_l2_workloads():
    """The workloads whose spec has a cold measurement (flushes_l2()), read from suites/suite.schema.json, which
    gpucert generates from the specs: their "l2" property is the warm/cold choice, the others' the constant "warm".
    An item's "l2": "cold" (or the suite's default) applies to these, and their ids then end in "/cold"
    (harness/core/suite.cpp read_item)."""
    with open(os.path.join(ROOT, "suites", "suite.schema.json")) as f:
        definitions = json.load(f)["$defs"]
    return frozenset(name for name in definitions["item"]["properties"]["workload"]["enum"]
                     if definitions[name]["properties"]["l2"].get("$ref") == "#/$defs/l2")


COLD_L2_WORKLOADS = _cold_l2_workloads()
# kernels/conv/spec.cpp kShapeFields' fallbacks for the optional fields, and kDefaultShape.
CONV_OPTIONAL = {"pad": 0, "stride": 1, "dilation": 1}
CONV_DEFAULT_SHAPE = {"n": 256, "c": 64, "h": 56, "w": 56, "k": 64, "r": 3, "s": 3, "pad": 1, "stride": 1,
                      "dilation": 1}
CONV_FIELDS = ("n", "c", "h", "w", "k", "r", "s", "pad", "stride", "dilation")


@dataclass
class Measurement:
    id: str
    workload: str
    params: dict
    warmup: int
    repetitions: int
    work: int          # bytes (unit GB/s) or flop (unit TFLOP/s) per run
    unit: str          # "GB/s" or "TFLOP/s"
    timeout_s: int = 0  # 0: the run's --timeout
    cold_l2: bool = False  # the L2 flushed before each timed run ("l2": "cold")
    item: dict = field(default_factory=dict, repr=False)  # the one-measurement suite item that measures it


def format_bytes(size):
    """measurement.cpp format_bytes: the largest binary unit that divides the size exactly ("2GiB")."""
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    unit = 0
    while unit < 4 and size >= 1024 and size % 1024 == 0:
        size //= 1024
        unit += 1
    return f"{size}{units[unit]}"


def conv_output_size(size, filter_size, pad, stride, dilation):
    """flops.cpp conv_output_size: cuDNN's formula."""
    return (size + 2 * pad - dilation * (filter_size - 1) - 1) // stride + 1


def conv_flops(shape):
    """flops.cpp conv_forward_flops: 2·N·K·P·Q·C·R·S, zero-padding taps counted; the same in every direction."""
    p = conv_output_size(shape["h"], shape["r"], shape["pad"], shape["stride"], shape["dilation"])
    q = conv_output_size(shape["w"], shape["s"], shape["pad"], shape["stride"], shape["dilation"])
    return 2 * shape["n"] * shape["k"] * p * q * shape["c"] * shape["r"] * shape["s"]


def conv_shape_text(shape):
    """kernels/conv/spec.cpp shape_text: cuDNN's letters, u for the stride, d only when dilated."""
    text = "n{n}c{c}h{h}w{w}k{k}r{r}s{s}p{pad}u{stride}".format(**shape)
    return text + (f"d{shape['dilation']}" if shape["dilation"] != 1 else "")


def _base_item(workload, warmup, repetitions, timeout_s):
    item = {"workload": workload, "warmup": warmup, "repetitions": repetitions}
    if timeout_s:
        item["timeout_s"] = timeout_s
    return item


def expand_stream(item, warmup, repetitions, timeout_s=0):
    kernels = item.get("kernels", list(STREAM_KERNELS))
    array_bytes = item.get("array_bytes", GIB)
    out = []
    for precision in item.get("precisions", ["fp64", "fp32"]):
        element_bytes = 8 if precision == "fp64" else 4
        elements = array_bytes // element_bytes
        for kernel in kernels:
            one = dict(_base_item("stream", warmup, repetitions, timeout_s), kernels=[kernel],
                       precisions=[precision], array_bytes=array_bytes)
            out.append(Measurement(
                id=f"stream/{kernel}/{precision}/{format_bytes(array_bytes)}", workload="stream",
                params={"kernel": kernel, "precision": precision, "elements": elements,
                        "array_bytes": array_bytes},
                warmup=warmup, repetitions=repetitions, timeout_s=timeout_s,
                work=STREAM_ARRAYS[kernel] * elements * element_bytes, unit="GB/s", item=one))
    return out


def _expand_host_directions(workload, size, item, warmup, repetitions, timeout_s):
    """host_copy and host_copy_all: one measurement per direction of `size` bytes (per GPU for host_copy_all)."""
    out = []
    for direction in item.get("directions", ["h2d", "d2h"]):
        one = dict(_base_item(workload, warmup, repetitions, timeout_s), directions=[direction], bytes=size)
        out.append(Measurement(
            id=f"{workload}/{direction}/{format_bytes(size)}", workload=workload,
            params={"direction": direction, "bytes": size}, warmup=warmup, repetitions=repetitions,
            timeout_s=timeout_s, work=size, unit="GB/s", item=one))
    return out


def expand_host_copy(item, warmup, repetitions, timeout_s=0):
    return _expand_host_directions("host_copy", item.get("bytes", 256 * MIB), item, warmup, repetitions, timeout_s)


def expand_peer_copy(item, warmup, repetitions, timeout_s=0):
    size = item.get("bytes", 256 * MIB) // 16 * 16
    out = []
    for engine in item.get("engines", ["ce", "sm"]):
        for direction in item.get("directions", ["uni", "bi"]):
            one = dict(_base_item("peer_copy", warmup, repetitions, timeout_s), engines=[engine],
                       directions=[direction], bytes=size)
            out.append(Measurement(
                id=f"peer_copy/{engine}/{direction}/{format_bytes(size)}", workload="peer_copy",
                params={"engine": engine, "direction": direction, "bytes": size}, warmup=warmup,
                repetitions=repetitions, timeout_s=timeout_s, work=size * (2 if direction == "bi" else 1),
                unit="GB/s", item=one))
    return out


def expand_host_copy_all(item, warmup, repetitions, timeout_s=0):
    size = item.get("bytes", 256 * MIB) // 8 * 8
    return _expand_host_directions("host_copy_all", size, item, warmup, repetitions, timeout_s)


def expand_gemm(item, warmup, repetitions, timeout_s=0):
    shapes = item.get("shapes", [[8192, 8192, 8192]])
    out = []
    for precision in item.get("precisions", list(GEMM_PRECISIONS)):
        for m, n, k in shapes:
            one = dict(_base_item("gemm", warmup, repetitions, timeout_s), precisions=[precision],
                       shapes=[[m, n, k]])
            out.append(Measurement(
                id=f"gemm/{precision}/{m}x{n}x{k}", workload="gemm",
                params={"precision": precision, "m": m, "n": n, "k": k}, warmup=warmup,
                repetitions=repetitions, timeout_s=timeout_s, work=2 * m * n * k, unit="TFLOP/s", item=one))
    return out


def conv_shape(entry):
    """A suite's shape object with kernels/conv/spec.cpp's fallbacks filled in."""
    return {key: entry.get(key, CONV_OPTIONAL.get(key)) for key in CONV_FIELDS}


def expand_conv(item, warmup, repetitions, timeout_s=0):
    """Precisions outer, then directions, then shapes. A forward measurement's id and params are those from before
    directions existed (no direction in either); a backward one's id is conv/<precision>/<direction>/<shape> and
    its params name the direction."""
    shapes = [conv_shape(s) for s in item["shapes"]] if "shapes" in item else [dict(CONV_DEFAULT_SHAPE)]
    out = []
    for precision in item.get("precisions", list(CONV_PRECISIONS)):
        for direction in item.get("directions", ["forward"]):
            for shape in shapes:
                one = dict(_base_item("conv", warmup, repetitions, timeout_s), precisions=[precision],
                           shapes=[dict(shape)])
                params = dict(shape, precision=precision)
                segment = ""
                if direction != "forward":
                    one["directions"] = [direction]
                    params["direction"] = direction
                    segment = direction + "/"
                out.append(Measurement(
                    id=f"conv/{precision}/{segment}{conv_shape_text(shape)}", workload="conv", params=params,
                    warmup=warmup, repetitions=repetitions, timeout_s=timeout_s, work=conv_flops(shape),
                    unit="TFLOP/s", item=one))
    return out


EXPANDERS = {"stream": expand_stream, "host_copy": expand_host_copy, "gemm": expand_gemm, "conv": expand_conv,
             "peer_copy": expand_peer_copy, "host_copy_all": expand_host_copy_all}


def expand_suite(doc, workloads=COMPARED_WORKLOADS):
    """Every measurement of the suite document `doc` whose workload is in `workloads`, in gpucert's plan order.
    Warm-up and repetitions as suite.cpp reads them: the item's own, else the suite's defaults, else 3 and 20."""
    defaults = doc.get("defaults", {})
    warmup_default = defaults.get("warmup", DEFAULT_WARMUP)
    repetitions_default = defaults.get("repetitions", DEFAULT_REPETITIONS)
    timeout_default = defaults.get("timeout_s", 0)
    out = []
    for item in doc.get("items", []):
        workload = item.get("workload")
        if workload not in workloads or workload not in EXPANDERS:
            continue
        expanded = EXPANDERS[workload](item, item.get("warmup", warmup_default),
                                       item.get("repetitions", repetitions_default),
                                       item.get("timeout_s", timeout_default))
        if item.get("l2", defaults.get("l2", "warm")) == "cold" and workload in COLD_L2_WORKLOADS:
            for m in expanded:
                m.id += "/cold"
                m.cold_l2 = True
                m.item["l2"] = "cold"
        out += expanded
    return out


def suite_path(name_or_path):
    """A suite name ("certify") as suites/certify.json of this checkout, or a path as given; the same rule as
    harness/cli/suite_source.cpp (a '/' or a .json ending makes it a path)."""
    if "/" in name_or_path or (len(name_or_path) > 5 and name_or_path.endswith(".json")):
        return name_or_path
    return os.path.join(ROOT, "suites", name_or_path + ".json")


def load_suite(name_or_path):
    with open(suite_path(name_or_path)) as f:
        return json.load(f)


def plan(names_or_paths, only=None, workloads=COMPARED_WORKLOADS):
    """The measurements of one or more suites, each id once (the first suite that lists it sets its warm-up and
    repetitions), kept when `only` (a regular expression) matches somewhere in the id."""
    pattern = re.compile(only) if only else None
    seen, out = set(), []
    for name in names_or_paths:
        for m in expand_suite(load_suite(name), workloads):
            if m.id in seen or (pattern and not pattern.search(m.id)):
                continue
            seen.add(m.id)
            out.append(m)
    return out


def suite_of(measurements, name, description):
    """A suite document that measures exactly `measurements`, one item each, in their order: what gpucert runs
    so that it measures what the peer measures and nothing else."""
    return {"schema_version": 1, "name": name, "description": description,
            "items": [m.item for m in measurements]}
