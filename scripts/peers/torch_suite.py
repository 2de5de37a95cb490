#!/usr/bin/env python3
"""PyTorch peer of gpucert's suites: for every stream, host_copy, gemm and conv measurement of the suites (the
same ids as gpucert's, scripts/peers/suite_plan.py), the figure a PyTorch user gets for the same work on this
GPU, with the suite's warm-up and repetitions, timed with CUDA events, median of the repetitions.

As a PyTorch user gets it: torch.backends.cudnn.benchmark = True; convolutions channels-last through
torch.nn.functional.conv2d without bias, and their backward directions through torch.ops.aten.convolution_backward,
the op autograd runs for conv2d's gradients, asked for grad_input alone (backward_data) or grad_weight alone
(backward_filter) as autograd asks when only one input needs a gradient; torch.matmul with PyTorch's default
matmul settings, except that TF32 is allowed (matmul and cuDNN) for the tf32 precision only, so that fp32 is true
fp32; fp8 through torch._scaled_mm (e4m3 inputs, unit scales, bf16 output, no fast accumulation: gpucert's fp8);
stream as tensor ops (copy_, mul, add, add with alpha, dot) over BabelStream's three arrays; host copies between
pinned host tensors and the device with non_blocking copies; copies between GPUs as dst.copy_(src) across devices
(every ordered pair, the slowest pair's figure as gpucert reports it; both directions at once on each device's
stream for bi; ce only: PyTorch's copies between devices run on the copy engines); host copies to all GPUs at once
as non_blocking copies on every device's stream between two events of the first device's. Inputs are uniform in [-1, 1) (gemm, conv) and [1, 2)
(stream), as gpucert draws them.

Every figure comes with a check of the result after the timed runs (an fp64 reference of sampled GEMM
elements, of one image of a convolution or of its input gradient, and of the whole filter gradient, with gpucert's
relative error limits; sampled stream elements; every byte of a host copy), so that a fast wrong result shows. A
measurement PyTorch cannot express as gpucert runs it is {"skipped": reason}, never a figure of something else.

Prints one JSON object (or writes it to --out): {"schema_version": 1, "device", "driver", "torch", "cudnn",
"results": {id: {"figure", "unit", "samples_s", "check", ...} | {"skipped": reason} | {"error": message}},
"power": {"before", "after"}}. Progress goes to stderr.

Examples:
  python3 scripts/peers/torch_suite.py --suite certify --out /tmp/peer.json
  python3 scripts/peers/torch_suite.py --suite suites/certify.json --suite suites/acceptance.json
  python3 scripts/peers/torch_suite.py --suite certify --only '^gemm/(fp16|bf16)/' --repetitions 10
  python3 scripts/peers/torch_suite.py --suite certify --list      the ids, without torch or a GPU"""
import argparse
import datetime
import gc
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import power_state  # noqa: E402
import suite_plan  # noqa: E402

STREAM_SCALAR = 0.4  # BabelStream's startScalar, kernels/stream/stream.cu kScalar
# Sampled elements per stream check and rows/columns per GEMM check: enough to see a wrong kernel, cheap in fp64.
STREAM_CHECK_SAMPLES = 1 << 20
GEMM_CHECK_ROWS = 128
# harness/core/tolerance.cpp relative_error_limit: relative Frobenius error against an fp64 reference.
RELATIVE_ERROR_LIMIT = {"fp64": 1e-12, "fp32": 1e-4, "tf32": 5e-3, "fp16": 5e-3, "bf16": 1e-2, "fp8": 2e-2}
# kernels/gemm/precision.cpp min_compute_capability: below it gpucert waives the precision.
MIN_COMPUTE_CAPABILITY = {"tf32": (8, 0), "bf16": (8, 0), "fp8": (8, 9)}
# What PyTorch cannot run as gpucert does, and why.
NOT_EXPRESSIBLE = {
    "nstream": "eager PyTorch has no single op for a += b + s*c: it runs two kernels (a.add_(b), a.add_(c, alpha=s)) "
               "that move 6 arrays where gpucert's one kernel moves 4, a different amount of memory traffic",
}


class Skipped(Exception):
    """A measurement this peer does not run, with the reason it reports."""


def torch_module():
    import torch  # lazily: the plan, --list and the unit tests need no torch
    return torch


# --- settings ---------------------------------------------------------------------------------------------------

def set_tf32(torch, enabled):
    """TF32 for fp32 matmul and cuDNN convolution on or off, through the API this PyTorch has: fp32_precision
    since 2.9 (where allow_tf32 is deprecated), allow_tf32 before."""
    matmul, conv = torch.backends.cuda.matmul, getattr(torch.backends.cudnn, "conv", None)
    if hasattr(matmul, "fp32_precision") and hasattr(conv, "fp32_precision"):
        matmul.fp32_precision = conv.fp32_precision = "tf32" if enabled else "ieee"
    else:
        matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = enabled


def settings(torch):
    matmul = torch.backends.cuda.matmul
    return {"cudnn.benchmark": torch.backends.cudnn.benchmark,
            "matmul.allow_fp16_reduced_precision_reduction":
                getattr(matmul, "allow_fp16_reduced_precision_reduction", None),
            "matmul.allow_bf16_reduced_precision_reduction":
                getattr(matmul, "allow_bf16_reduced_precision_reduction", None),
            "tf32": "allowed for the tf32 precision only (matmul and cuDNN)"}


def dtype_of(torch, precision):
    return {"fp64": torch.float64, "fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16,
            "bf16": torch.bfloat16, "fp8": getattr(torch, "float8_e4m3fn", None)}[precision]


def require_capability(torch, precision):
    need = MIN_COMPUTE_CAPABILITY.get(precision)
    have = torch.cuda.get_device_capability()
    if need and have < need:
        raise Skipped(f"{precision} needs compute capability {need[0]}.{need[1]}, this GPU has {have[0]}.{have[1]} "
                      "(gpucert waives it too)")


# --- timing and checks ------------------------------------------------------------------------------------------

def l2_flush(torch, m):
    """For a cold measurement (m.cold_l2): what gpucert's kernels/common/l2_flush.hpp does, a zeroing of a buffer
    twice the L2 on the timing stream before each timed run, so the flush is ordered before the start event and not
    timed. None for a warm one."""
    if not m.cold_l2:
        return None
    buffer = torch.empty(2 * torch.cuda.get_device_properties(0).L2_cache_size, dtype=torch.uint8, device="cuda")
    return buffer.zero_


def time_runs(torch, run, warmup, repetitions, flush=None):
    """Seconds of each of `repetitions` runs, each alone between two CUDA events, after `warmup` runs; `flush`
    (l2_flush) runs before each timed one. One more untimed run comes first: there cudnn.benchmark and cuBLASLt's
    heuristic pick their algorithm."""
    run()
    for _ in range(warmup):
        run()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    samples = []
    for _ in range(repetitions):
        if flush:
            flush()
        start.record()
        run()
        end.record()
        end.synchronize()
        samples.append(start.elapsed_time(end) / 1e3)
    return samples


def relative_error(torch, got, reference):
    """||got - reference|| / ||reference|| in fp64; inf when got holds NaN or inf."""
    got = got.double()
    if not bool(torch.isfinite(got).all()):
        return float("inf")
    return (torch.linalg.vector_norm(got - reference) / torch.linalg.vector_norm(reference)).item()


def check_of(error, limit, method):
    return {"passed": error <= limit, "relative_error": error, "limit": limit, "method": method}


def uniform(torch, shape, dtype, low, high):
    """Uniform values drawn in fp32 (fp64 for fp64) and rounded once to `dtype`, as gpucert rounds its inputs."""
    draw = torch.float64 if dtype == torch.float64 else torch.float32
    return torch.empty(shape, device="cuda", dtype=draw).uniform_(low, high).to(dtype)


# --- stream -----------------------------------------------------------------------------------------------------

def stream_run(torch, kernel, a, b, c):
    """BabelStream's kernel as PyTorch tensor ops, and the array it writes (None for dot)."""
    s = STREAM_SCALAR
    return {"copy": (lambda: c.copy_(a), c, "c.copy_(a)"),
            "mul": (lambda: torch.mul(c, s, out=b), b, "torch.mul(c, s, out=b)"),
            "add": (lambda: torch.add(a, b, out=c), c, "torch.add(a, b, out=c)"),
            "triad": (lambda: torch.add(b, c, alpha=s, out=a), a, "torch.add(b, c, alpha=s, out=a)"),
            "dot": (lambda: torch.dot(a, b), None, "torch.dot(a, b)")}[kernel]


def check_stream(torch, kernel, run, written, a, b, c):
    """One more run; sampled outputs (dot: the sum) against fp64 arithmetic on the same inputs, within
    BabelStream's tolerance (100 machine epsilons, dot 1000), as kernels/stream/stream.cu checks."""
    eps = torch.finfo(a.dtype).eps
    if kernel == "dot":
        got = run().item()
        chunk = 1 << 25
        want = sum(torch.dot(a[i:i + chunk].double(), b[i:i + chunk].double()).item()
                   for i in range(0, a.numel(), chunk))
        return check_of(abs(got - want) / abs(want), 1000 * eps, "the sum against an fp64 dot product of a and b")
    step = max(1, a.numel() // STREAM_CHECK_SAMPLES)
    sa, sb, sc = (x[::step].double() for x in (a, b, c))
    s = STREAM_SCALAR
    want = {"copy": sa, "mul": s * sc, "add": sa + sb, "triad": sb + s * sc}[kernel]
    run()
    got = written[::step].double()
    error = ((got - want).abs() / want.abs()).max().item()
    return check_of(error, 100 * eps, f"every {step}th element against fp64 arithmetic (largest relative error)")


def measure_stream(torch, m, warmup, repetitions):
    kernel, precision, elements = m.params["kernel"], m.params["precision"], m.params["elements"]
    if kernel in NOT_EXPRESSIBLE:
        raise Skipped(NOT_EXPRESSIBLE[kernel])
    dtype = dtype_of(torch, precision)
    a, b, c = (uniform(torch, (elements,), dtype, 1.0, 2.0) for _ in range(3))
    run, written, how = stream_run(torch, kernel, a, b, c)
    samples = time_runs(torch, run, warmup, repetitions, l2_flush(torch, m))
    return samples, check_stream(torch, kernel, run, written, a, b, c), how


# --- host copies ------------------------------------------------------------------------------------------------

def measure_host_copy(torch, m, warmup, repetitions):
    size, direction = m.params["bytes"], m.params["direction"]
    data = torch.randint(0, 256, (size,), dtype=torch.uint8, device="cuda")
    host = torch.empty(size, dtype=torch.uint8, pin_memory=True)
    if direction == "h2d":
        host.copy_(data)
        device = torch.empty_like(data)
        run, how = (lambda: device.copy_(host, non_blocking=True)), "device.copy_(pinned_host, non_blocking=True)"
    else:
        run, how = (lambda: host.copy_(data, non_blocking=True)), "pinned_host.copy_(device, non_blocking=True)"
    samples = time_runs(torch, run, warmup, repetitions)
    (device if direction == "h2d" else host).zero_()
    run()
    torch.cuda.synchronize()
    same = torch.equal(device, data) if direction == "h2d" else torch.equal(host, data.cpu())
    return samples, {"passed": same, "method": "every byte compared with the source"}, how


def time_together(torch, enqueue_all, devices, warmup, repetitions):
    """Seconds of each run of enqueue_all() (which enqueues on each device's current stream), from an event on the
    first device's stream that every other device's stream waits on, to one that waits for all of them."""
    def run_timed():
        streams = [torch.cuda.current_stream(d) for d in devices]
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record(streams[0])
        for s in streams[1:]:
            s.wait_event(start)
        enqueue_all()
        for d, s in zip(devices[1:], streams[1:]):
            done = torch.cuda.Event()
            done.record(s)
            streams[0].wait_event(done)
        stop.record(streams[0])
        stop.synchronize()
        return start.elapsed_time(stop) / 1e3
    for _ in range(warmup + 1):
        run_timed()
    return [run_timed() for _ in range(repetitions)]


def measure_peer_copy(torch, m, warmup, repetitions):
    if m.params["engine"] != "ce":
        raise Skipped("PyTorch copies between devices on the copy engines; it has no SM copy into a peer")
    gpus = torch.cuda.device_count()
    if gpus < 2:
        raise Skipped(f"peer copies need two GPUs; {gpus} visible")
    size, bidirectional = m.params["bytes"], m.params["direction"] == "bi"
    data = [torch.randint(0, 256, (size,), dtype=torch.uint8, device=f"cuda:{d}") for d in range(gpus)]
    target = [torch.empty(size, dtype=torch.uint8, device=f"cuda:{d}") for d in range(gpus)]
    slowest, checks = None, True
    for a in range(gpus):
        for b in range(gpus):
            if a == b or (bidirectional and b < a):
                continue
            def enqueue():
                with torch.cuda.device(a):
                    target[b].copy_(data[a], non_blocking=True)
                if bidirectional:
                    with torch.cuda.device(b):
                        target[a].copy_(data[b], non_blocking=True)
            samples = time_together(torch, enqueue, [a, b] if bidirectional else [a], warmup, repetitions)
            torch.cuda.synchronize()
            checks = checks and torch.equal(target[b].cpu(), data[a].cpu())
            if bidirectional:
                checks = checks and torch.equal(target[a].cpu(), data[b].cpu())
            if slowest is None or statistics.median(samples) > statistics.median(slowest[1]):
                slowest = (f"{a}{'<->' if bidirectional else '->'}{b}", samples)
    how = f"dst.copy_(src) across devices, every pair; slowest {slowest[0]}"
    return slowest[1], {"passed": checks, "method": "every byte of every pair compared with its source"}, how


def measure_host_copy_all(torch, m, warmup, repetitions):
    size, h2d = m.params["bytes"], m.params["direction"] == "h2d"
    devices = list(range(torch.cuda.device_count()))
    data = [torch.randint(0, 256, (size,), dtype=torch.uint8, device=f"cuda:{d}") for d in devices]
    host = [torch.empty(size, dtype=torch.uint8, pin_memory=True) for _ in devices]
    device_copy = [torch.empty_like(t) for t in data]
    for h, t in zip(host, data):
        h.copy_(t)

    def enqueue():
        for d in devices:
            with torch.cuda.device(d):
                if h2d:
                    device_copy[d].copy_(host[d], non_blocking=True)
                else:
                    host[d].copy_(data[d], non_blocking=True)
    samples = time_together(torch, enqueue, devices, warmup, repetitions)
    torch.cuda.synchronize()
    same = all(torch.equal(device_copy[d], data[d]) if h2d else torch.equal(host[d], data[d].cpu()) for d in devices)
    how = f"non_blocking copies between pinned host tensors and all {len(devices)} GPU(s) at once"
    return samples, {"passed": same, "method": "every byte compared with the source"}, how


# --- gemm -------------------------------------------------------------------------------------------------------

def gemm_operands(torch, precision, m, n, k):
    """A (M x K, row-major) and B (K x N). fp8: B column-major, the layout torch._scaled_mm requires (cuBLASLt's
    TN, the only one gpucert's fp8 uses too)."""
    dtype = dtype_of(torch, precision)
    if precision == "fp8":
        a = uniform(torch, (m, k), torch.float32, -1.0, 1.0).to(dtype)
        b = uniform(torch, (n, k), torch.float32, -1.0, 1.0).to(dtype).t()
        return a, b
    return uniform(torch, (m, k), dtype, -1.0, 1.0), uniform(torch, (k, n), dtype, -1.0, 1.0)


def gemm_run(torch, precision, a, b):
    if precision != "fp8":
        return (lambda: torch.matmul(a, b)), "torch.matmul(a, b)"
    if not hasattr(torch, "_scaled_mm"):
        raise Skipped("this PyTorch has no torch._scaled_mm, its only fp8 GEMM")
    one = torch.ones((), device="cuda", dtype=torch.float32)

    def run():
        out = torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16, use_fast_accum=False)
        return out[0] if isinstance(out, tuple) else out  # PyTorch before 2.4 also returned amax
    return run, "torch._scaled_mm(a, b.t() col-major, scale 1, out_dtype=bf16, use_fast_accum=False)"


def check_gemm(torch, precision, run, a, b):
    """One more run; about GEMM_CHECK_ROWS x GEMM_CHECK_ROWS elements of D (evenly strided) against fp64 dot
    products of the same (already rounded) inputs, and NaN/inf over all of D, as gpucert checks."""
    d = run()
    m, n = d.shape
    rows, columns = max(1, m // GEMM_CHECK_ROWS), max(1, n // GEMM_CHECK_ROWS)
    # Straight to fp64: through fp32 first would round fp64 inputs (a 3e-8 error in an fp64 GEMM's reference);
    # fp8 converts only by way of fp32.
    def fp64(t):
        return t.float().double() if t.element_size() == 1 else t.double()
    reference = fp64(a[::rows]) @ fp64(b[:, ::columns])
    error = relative_error(torch, d[::rows, ::columns], reference)
    if not bool(torch.isfinite(d).all()):
        error = float("inf")
    return check_of(error, RELATIVE_ERROR_LIMIT[precision],
                    f"every {rows}th row x {columns}th column against fp64 (relative Frobenius error), "
                    "NaN/inf over all of D")


def measure_gemm(torch, m, warmup, repetitions):
    precision = m.params["precision"]
    require_capability(torch, precision)
    if precision == "fp8" and dtype_of(torch, "fp8") is None:
        raise Skipped("this PyTorch has no float8_e4m3fn")
    set_tf32(torch, precision == "tf32")
    a, b = gemm_operands(torch, precision, m.params["m"], m.params["n"], m.params["k"])
    run, how = gemm_run(torch, precision, a, b)
    samples = time_runs(torch, run, warmup, repetitions, l2_flush(torch, m))
    return samples, check_gemm(torch, precision, run, a, b), how


# --- conv -------------------------------------------------------------------------------------------------------

def conv_backward(torch, dy, x, w, geometry, direction):
    """grad_input (backward_data) or grad_weight (backward_filter) of conv2d(x, w) for the output gradient dy,
    through aten.convolution_backward with an output_mask of that gradient alone: autograd's ConvolutionBackward0
    calls the same op with the same mask when only x, or only w, needs a gradient (the first layer's images need
    none), and on cuDNN the masked gradient is the only one computed. torch.nn.grad.conv2d_input and conv2d_weight
    wrap the same op with more Python around it, which the events around the call would count."""
    mask = [direction == "backward_data", direction == "backward_filter", False]
    grads = torch.ops.aten.convolution_backward(
        dy, x, w, None, [geometry["stride"]] * 2, [geometry["padding"]] * 2, [geometry["dilation"]] * 2,
        False, [0, 0], 1, mask)
    return grads[0] if direction == "backward_data" else grads[1]


def check_conv_backward(torch, precision, direction, got, dy, x, w, geometry):
    """backward_data: the first image's dx (which depends on that image's dy alone) against fp64; backward_filter:
    all of dw (a sum over the whole batch) against fp64 over the whole batch. NaN/inf over the whole output."""
    def fp64(t):
        return t.double().contiguous()
    if direction == "backward_data":
        reference = conv_backward(torch, fp64(dy[:1]), fp64(x[:1]), fp64(w), geometry, direction)
        error, method = relative_error(torch, got[:1], reference), "the first image's dx"
    else:
        reference = conv_backward(torch, fp64(dy), fp64(x), fp64(w), geometry, direction)
        error, method = relative_error(torch, got, reference), "all of dw"
    if not bool(torch.isfinite(got).all()):
        error = float("inf")
    return check_of(error, RELATIVE_ERROR_LIMIT[precision],
                    f"{method} against fp64 convolution_backward (relative Frobenius error), NaN/inf over all of it")


def measure_conv(torch, m, warmup, repetitions):
    p = m.params
    precision = p["precision"]
    direction = p.get("direction", "forward")  # forward params carry none (suite_plan.expand_conv)
    require_capability(torch, precision)
    set_tf32(torch, precision == "tf32")
    conv2d = torch.nn.functional.conv2d
    dtype = dtype_of(torch, precision)
    x = uniform(torch, (p["n"], p["c"], p["h"], p["w"]), dtype, -1.0, 1.0).contiguous(
        memory_format=torch.channels_last)
    w = uniform(torch, (p["k"], p["c"], p["r"], p["s"]), dtype, -1.0, 1.0).contiguous(
        memory_format=torch.channels_last)
    geometry = {"stride": p["stride"], "padding": p["pad"], "dilation": p["dilation"]}
    if direction != "forward":
        # dy as the layer after a channels-last convolution hands it back: channels-last, so that no copy into
        # that layout lands in the timed call.
        size = (p["n"], p["k"]) + tuple(suite_plan.conv_output_size(p[d], p[f], p["pad"], p["stride"], p["dilation"])
                                         for d, f in (("h", "r"), ("w", "s")))
        dy = uniform(torch, size, dtype, -1.0, 1.0).contiguous(memory_format=torch.channels_last)
        run = lambda: conv_backward(torch, dy, x, w, geometry, direction)  # noqa: E731
        samples = time_runs(torch, run, warmup, repetitions, l2_flush(torch, m))
        check = check_conv_backward(torch, precision, direction, run(), dy, x, w, geometry)
        gradient = "grad_input" if direction == "backward_data" else "grad_weight"
        return samples, check, (f"torch.ops.aten.convolution_backward(dy, x, w, ..., output_mask={gradient} only), "
                                "channels-last, no bias")
    run = lambda: conv2d(x, w, **geometry)  # noqa: E731
    samples = time_runs(torch, run, warmup, repetitions, l2_flush(torch, m))
    # The check: the first image's output against an fp64 convolution of the same rounded inputs.
    y = run()
    reference = conv2d(x[:1].double().contiguous(), w.double().contiguous(), **geometry)
    check = check_of(relative_error(torch, y[:1], reference), RELATIVE_ERROR_LIMIT[precision],
                     "the first image against an fp64 convolution (relative Frobenius error)")
    return samples, check, "torch.nn.functional.conv2d(x, w), channels-last, no bias"


MEASURE = {"stream": measure_stream, "host_copy": measure_host_copy, "gemm": measure_gemm, "conv": measure_conv,
           "peer_copy": measure_peer_copy, "host_copy_all": measure_host_copy_all}


# --- the run ----------------------------------------------------------------------------------------------------

def figure_of(m, seconds):
    scale = 1e9 if m.unit == "GB/s" else 1e12
    return m.work / seconds / scale


def measure(torch, m, repetitions=None):
    """One measurement's entry: figure and samples, or skipped (with why), or error. Memory is given back after
    it, so that the next shape starts from an empty cache."""
    reps = repetitions or m.repetitions
    try:
        with torch.inference_mode():
            samples, check, how = MEASURE[m.workload](torch, m, m.warmup, reps)
        median = statistics.median(samples)
        return {"figure": figure_of(m, median), "unit": m.unit, "work": m.work, "median_s": median,
                "samples_s": samples, "warmup": m.warmup, "repetitions": reps, "how": how, "check": check}
    except Skipped as e:
        return {"skipped": str(e)}
    except torch.cuda.OutOfMemoryError as e:
        return {"skipped": "out of device memory: " + str(e).splitlines()[0]}
    except Exception as e:  # noqa: BLE001 - one measurement's failure must not lose the others
        return {"error": f"{type(e).__name__}: {e}"}
    finally:
        gc.collect()
        torch.cuda.empty_cache()


def device_selector(torch):
    """The GPU for nvidia-smi: CUDA's device 0 by its UUID, or None (every GPU) where PyTorch gives none."""
    uuid = getattr(torch.cuda.get_device_properties(0), "uuid", None)
    return f"GPU-{uuid}" if uuid else None


def run_all(measurements, repetitions):
    torch = torch_module()
    torch.backends.cudnn.benchmark = True
    gpu = device_selector(torch)
    props = torch.cuda.get_device_properties(0)
    doc = {"schema_version": 1, "device": torch.cuda.get_device_name(0),
           "compute_capability": f"{props.major}.{props.minor}", "driver": power_state.driver_version(),
           "torch": torch.__version__, "torch_cuda": torch.version.cuda,
           "cudnn": torch.backends.cudnn.version(), "settings": settings(torch),
           "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "power": {"before": power_state.query(gpu)}, "results": {}}
    for i, m in enumerate(measurements):
        entry = measure(torch, m, repetitions)
        doc["results"][m.id] = entry
        said = (f'{entry["figure"]:.1f} {entry["unit"]}, check {"passed" if entry["check"]["passed"] else "FAILED"}'
                if "figure" in entry else entry.get("skipped") or entry.get("error"))
        print(f"peer [{i + 1}/{len(measurements)}] {m.id}: {said}", file=sys.stderr, flush=True)
    doc["power"]["after"] = power_state.query(gpu)
    doc["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return doc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", action="append",
                        help="suite name (certify, acceptance, perf, quick) or .json path; repeatable, each id once "
                             "(the first suite that lists it sets its repetitions); default: certify")
    parser.add_argument("--only", metavar="REGEX", help="only the ids this regular expression matches (re.search)")
    parser.add_argument("--repetitions", type=int, metavar="N", help="timed runs per id instead of the suite's")
    parser.add_argument("--out", metavar="FILE.json", help="write the JSON here instead of stdout")
    parser.add_argument("--list", action="store_true", help="print the ids and their work, measure nothing")
    args = parser.parse_args(argv)
    measurements = suite_plan.plan(args.suite or ["certify"], args.only)
    if args.list:
        for m in measurements:
            print(f"{m.id}\t{m.warmup}+{m.repetitions}\t{m.work} {'B' if m.unit == 'GB/s' else 'flop'}")
        return 0
    doc = run_all(measurements, args.repetitions)
    doc["suites"] = args.suite or ["certify"]
    text = json.dumps(doc, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
