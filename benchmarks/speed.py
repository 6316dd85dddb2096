"""Training throughput against a plain PyTorch loop, and prediction speed.

Every figure is a ratio or a median measured side by side in one run, so a
busy machine slows both sides alike. Figures are printed as Markdown tables.

    python benchmarks/speed.py                  # throughput and prediction
    python benchmarks/speed.py throughput       # one part
    python benchmarks/speed.py gpu              # CPU vs CUDA, needs a GPU

throughput: windows per second of ``Seq2SeqLSTMForecaster.fit`` (all of it:
    sktime's checks, scaling, windowing, training) against ``_yardstick.py``,
    the same network trained by a bare loop over tensor-indexed batches, for
    each decoder input and strategy; at batch 256 with window 64, then at
    the default batch of 32 with window 24. The runs alternate, and the ratio is the
    median of the pairs'. One torch thread; CPU time, which other processes'
    load does not inflate, beside wall time.
predict: a panel of 1,000 series forecast in one call, against a loop of
    1,000 single-series predicts; and the latency of one single-series
    predict.
gpu: the mid-sized model (hidden 256, 2 layers, window 128, batch 1024) on
    the CPU and on CUDA, in float32, bfloat16 and float16.
"""

import argparse
import functools
import platform
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import torch
from _yardstick import train_plain

from skseq2seq import Seq2SeqLSTMForecaster

STRATEGIES = [
    ("autoregressive", "recursive"),
    ("autoregressive", "teacher_forcing"),
    ("context", "recursive"),
]


def noisy_sine(n, seed=0):
    rng = np.random.default_rng(seed)
    return pd.Series(np.sin(np.arange(n) / 10) + 0.1 * rng.normal(size=n))


def timed(run):
    """Wall and CPU seconds of ``run()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def throughput(n=12_000, window=64, horizon=16, hidden=64, batch=256, repeats=3):
    y = noisy_sine(n)
    series = torch.tensor(y.to_numpy())
    n_windows = n - window - horizon + 1
    print(
        f"\n### Training throughput: {n_windows:,} windows (window {window}, "
        f"horizon {horizon}, hidden {hidden}, batch {batch}, 1 epoch), "
        f"{repeats} alternating runs"
    )
    print(
        "\n| decoder | strategy | plain loop (windows/s) | skseq2seq fit "
        "(windows/s) | ratio, CPU time | ratio, wall time |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for decoder_input, strategy in STRATEGIES:
        plain = functools.partial(
            train_plain,
            series,
            window,
            horizon,
            hidden_size=hidden,
            num_layers=1,
            decoder_input=decoder_input,
            teacher_forcing=strategy == "teacher_forcing",
            num_epochs=1,
            batch_size=batch,
        )
        forecaster = Seq2SeqLSTMForecaster(
            window_length=window,
            hidden_size=hidden,
            batch_size=batch,
            num_epochs=1,
            decoder_input=decoder_input,
            training_strategy=strategy,
            # the plain loop has no seasonal anchor: compare the same network
            seasonal_period=None,
            random_state=0,
            device="cpu",
        )
        ours = functools.partial(forecaster.fit, y, fh=np.arange(1, horizon + 1))
        plain(), ours()  # warm-up: lazy imports, allocator
        pairs = [(timed(plain), timed(ours)) for _ in range(repeats)]
        cpu_ratio = statistics.median(p[1] / o[1] for p, o in pairs)
        wall_ratio = statistics.median(p[0] / o[0] for p, o in pairs)
        plain_rate = n_windows / statistics.median(p[1] for p, _ in pairs)
        our_rate = n_windows / statistics.median(o[1] for _, o in pairs)
        print(
            f"| {decoder_input} | {strategy} | {plain_rate:,.0f} | "
            f"{our_rate:,.0f} | {cpu_ratio:.2f} | {wall_ratio:.2f} |",
            flush=True,
        )


def panel(n_series, length=60, seed=0):
    rng = np.random.default_rng(seed)
    t = np.tile(np.arange(length), n_series)
    phase = np.repeat(rng.uniform(0, 6, n_series), length)
    index = pd.MultiIndex.from_product(
        [[f"s{i}" for i in range(n_series)], pd.RangeIndex(length)]
    )
    return pd.DataFrame({"y": np.sin(t / 5 + phase)}, index=index)


def prediction(n_series=1000, calls=200):
    fh = np.arange(1, 13)
    settings = {
        "window_length": 24,
        "num_epochs": 1,
        "random_state": 0,
        "device": "cpu",
    }
    many = Seq2SeqLSTMForecaster(**settings).fit(panel(n_series), fh=fh)
    single = Seq2SeqLSTMForecaster(**settings).fit(panel(1).droplevel(0), fh=fh)
    many.predict(), single.predict()  # warm-up
    panel_seconds = statistics.median(timed(many.predict)[0] for _ in range(5))
    loop_seconds = timed(lambda: [single.predict() for _ in range(n_series)])[0]
    latencies = [timed(single.predict)[0] * 1000 for _ in range(calls)]
    print("\n### Prediction, 12 steps ahead, window 24, hidden 64, 1 thread")
    print("\n| what | seconds |")
    print("|---|---:|")
    print(f"| {n_series:,} series in one predict call | {panel_seconds:.3f} |")
    print(f"| loop of {n_series:,} single-series predicts | {loop_seconds:.3f} |")
    print(
        f"\nOne call is {loop_seconds / panel_seconds:.0f}x faster than the loop. "
        f"Latency of one single-series predict: median "
        f"{statistics.median(latencies):.1f} ms, 90th percentile "
        f"{np.percentile(latencies, 90):.1f} ms over {calls} calls."
    )


def gpu(n=60_000, window=128, horizon=16, hidden=256, layers=2, batch=1024):
    if not torch.cuda.is_available():
        print("\n### GPU: no CUDA device here; run this mode on a machine with one.")
        return
    y = noisy_sine(n)
    n_windows = n - window - horizon + 1
    print(
        f"\n### Mid-sized model: hidden {hidden}, {layers} layers, window "
        f"{window}, horizon {horizon}, batch {batch}, {n_windows:,} windows, "
        f"1 epoch; {torch.cuda.get_device_name()}, CPU with "
        f"{torch.get_num_threads()} threads"
    )
    print("\n| device | precision | strategy | windows/s | vs CPU float32 |")
    print("|---|---|---|---:|---:|")
    for strategy in ("teacher_forcing", "recursive"):
        rates = {}
        for device, precision in [
            ("cpu", "32"),
            ("cuda", "32"),
            ("cuda", "bf16"),
            ("cuda", "16-mixed"),
        ]:
            forecaster = Seq2SeqLSTMForecaster(
                window_length=window,
                hidden_size=hidden,
                num_layers=layers,
                batch_size=batch,
                num_epochs=1,
                training_strategy=strategy,
                device=device,
                precision=precision,
                random_state=0,
            )
            fh = np.arange(1, horizon + 1)
            # the CPU is slow at this size: time it on a tenth of the data
            data = y if device == "cuda" else y.iloc[: n // 10]
            forecaster.fit(data.iloc[: window + horizon + batch], fh=fh)  # warm-up
            seconds = forecaster.fit(data, fh=fh).history_["seconds"].sum()
            rates[device, precision] = (len(data) - window - horizon + 1) / seconds
            ratio = rates[device, precision] / rates["cpu", "32"]
            print(
                f"| {device} | {precision} | {strategy} | "
                f"{rates[device, precision]:,.0f} | {ratio:.1f}x |",
                flush=True,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "parts", nargs="*", help="throughput, predict, gpu (default: the first two)"
    )
    args = parser.parse_args()
    parts = args.parts or ["throughput", "predict"]
    unknown = set(parts) - {"throughput", "predict", "gpu"}
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}")
    warnings.filterwarnings("ignore")
    print(
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    if "gpu" not in parts:
        torch.set_num_threads(1)
    for part in parts:
        if part == "throughput":
            throughput()
            # the default batch and a monthly window: here per-step overhead counts
            throughput(window=24, horizon=12, batch=32)
        else:
            {"predict": prediction, "gpu": gpu}[part]()


if __name__ == "__main__":
    main()
