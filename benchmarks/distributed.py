"""One global model trained by 1 or 2 processes under torchrun: throughput and its cost.

A panel of 1,000 monthly series of 120 points (level, trend, season, noise)
is fitted with a fixed budget of optimiser steps at a global batch of 256
windows, by ``torchrun --standalone --nproc_per_node=N`` for N = 1 and 2
(gloo on the CPU, one torch thread per process), and by one process with
two threads for comparison. Throughput is windows trained per second of
training (the history's seconds: no start-up, no data preparation).

Where the time goes: the compute of one step is one process's time per step;
the communication of one step is the all-reduce of the gradients (every
parameter once, as ``DistributedDataParallel`` sends them) and of the loss
weight, timed on their own in the group of two.

    python benchmarks/distributed.py
    python benchmarks/distributed.py --steps 100 --device cuda   # nccl
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

PARAMS = {"hidden_size": 64, "batch_size": 256, "random_state": 0}


def panel(n_series=1000, length=120, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    level = rng.uniform(50, 500, (n_series, 1))
    trend = rng.normal(0, 0.3, (n_series, 1))
    season = rng.uniform(0, 20, (n_series, 1)) * np.sin(2 * np.pi * t / 12)
    values = level + trend * t + season + rng.normal(0, 3, (n_series, length))
    index = pd.MultiIndex.from_product(
        [range(n_series), pd.period_range("2000-01", periods=length, freq="M")]
    )
    return pd.DataFrame({"y": np.abs(values).ravel()}, index=index)


def worker(out, steps, device, threads):
    """Fit under the launcher; rank 0 writes the training time and the costs."""
    torch.set_num_threads(threads)
    from skseq2seq import Seq2SeqLSTMForecaster
    from skseq2seq._distributed import joined, rank

    forecaster = Seq2SeqLSTMForecaster(**PARAMS, max_steps=steps, device=device)
    forecaster.fit(panel(), fh=range(1, 19))
    seconds = float(forecaster.history_["seconds"].sum())
    figures = {"seconds": seconds, "steps": steps}
    if joined():
        figures["all_reduce_ms"] = _all_reduce_ms(forecaster.network_)
    if rank() == 0:
        Path(out).write_text(json.dumps(figures))


def _all_reduce_ms(network):
    """Milliseconds for one step's messages: every gradient once, and a weight."""
    import torch.distributed as dist

    device = next(network.parameters()).device
    gradients = torch.zeros(sum(p.numel() for p in network.parameters()), device=device)
    weight = torch.zeros(1, dtype=torch.float64, device=device)
    for _ in range(5):  # warm up
        dist.all_reduce(gradients)
    started = time.perf_counter()
    for _ in range(50):
        dist.all_reduce(gradients)
        dist.all_reduce(weight)
    return (time.perf_counter() - started) / 50 * 1e3


def launch(n_processes, steps, device, threads=1):
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "figures.json"
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        command += [f"--nproc_per_node={n_processes}", __file__, "--worker", str(out)]
        command += ["--steps", str(steps), "--device", device]
        command += ["--threads", str(threads)]
        environment = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        subprocess.run(command, check=True, capture_output=True, env=environment)
        return json.loads(out.read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.steps, args.device, args.threads)
    runs = {
        "1 process, 1 thread": launch(1, args.steps, args.device),
        "2 processes, 1 thread each": launch(2, args.steps, args.device),
        "1 process, 2 threads": launch(1, args.steps, args.device, threads=2),
    }
    batch = PARAMS["batch_size"]
    base = runs["1 process, 1 thread"]
    print(f"torch {torch.__version__}, {os.cpu_count()} cores, device {args.device}")
    print(
        f"\n### 1,000 series x 120 points, {args.steps} steps of {batch} windows, "
        "hidden 64\n"
    )
    print("| run | windows/s | speed-up | ms per step |")
    print("|---|---:|---:|---:|")
    for name, figures in runs.items():
        per_step = figures["seconds"] / figures["steps"] * 1e3
        rate = figures["steps"] * batch / figures["seconds"]
        speedup = base["seconds"] / figures["seconds"]
        print(f"| {name} | {rate:,.0f} | {speedup:.2f}x | {per_step:.1f} |")
    two = runs["2 processes, 1 thread each"]
    compute = base["seconds"] / base["steps"] * 1e3 / 2
    print(
        f"\nPer step with 2 processes: compute of half a batch about {compute:.1f} ms "
        f"(half of one process's step), messages {two['all_reduce_ms']:.2f} ms "
        "(all gradients and the loss weight, all-reduced on their own)."
    )


if __name__ == "__main__":
    main()
