#!/usr/bin/env python3
"""PyTorch's matmul of one shape timed four ways, to see how the runs around a power-capped GEMM move its figure
(docs/PERFORMANCE.md, "The tall and wide GEMMs, and the power cap"): back to back (as scripts/peers/torch_suite.py
times it), with the output filled with NaN before each run (as gpucert poisons it), with that fill and an fp64
check of some rows after each run (as gpucert verifies every run), and with a pause after each run. Each way is
timed twice, in two rounds, with CUDA events around each run; it prints each way's median and best TFLOP/s.

    python3 scripts/peers/duty_cycle.py --m 16384 --n 4096 --k 4096 --precision fp64

The operands are row-major, as torch.matmul's: M x K times K x N is cuBLAS's n=M, m=N problem."""
import argparse
import time

import torch

DTYPES = {"fp64": torch.float64, "fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--m", type=int, required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--precision", choices=sorted(DTYPES), default="fp64")
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--pause-ms", type=float, default=20.0)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("duty_cycle.py: no CUDA device")
    dtype = DTYPES[args.precision]
    generator = torch.Generator(device="cuda").manual_seed(1)
    a = (torch.rand(args.m, args.k, dtype=torch.float64, device="cuda", generator=generator) * 2 - 1).to(dtype)
    b = (torch.rand(args.k, args.n, dtype=torch.float64, device="cuda", generator=generator) * 2 - 1).to(dtype)
    d = torch.empty(args.m, args.n, dtype=dtype, device="cuda")
    flop = 2 * args.m * args.n * args.k
    checked_rows = min(512, args.m)

    def timed(way):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        samples = []
        for i in range(args.repetitions + 5):  # the first 5 are warm-up
            if way in ("poison", "poison+check"):
                d.fill_(float("nan"))
            start.record()
            torch.matmul(a, b, out=d)
            end.record()
            end.synchronize()
            if way == "poison+check":
                reference = a[:checked_rows].double() @ b.double()
                float(((d[:checked_rows].double() - reference).norm() / reference.norm()).item())
            if way == "pause":
                time.sleep(args.pause_ms / 1e3)
            if i >= 5:
                samples.append(start.elapsed_time(end) / 1e3)
        samples.sort()
        print(f"{way:14s} median {flop / samples[len(samples) // 2] / 1e12:8.2f}  best {flop / samples[0] / 1e12:8.2f}"
              f" TFLOP/s", flush=True)

    print(f"torch.matmul {args.m}x{args.k} @ {args.k}x{args.n} {args.precision}, {torch.cuda.get_device_name()}, "
          f"{args.repetitions} timed runs per way")
    for round_ in (1, 2):
        print(f"round {round_}")
        for way in ("back-to-back", "poison", "poison+check", "pause"):
            timed(way)


if __name__ == "__main__":
    main()
