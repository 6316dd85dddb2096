"""Peak memory of fit: it grows with the series' length, not length x window.

Each case runs in a fresh subprocess. After the imports, a warm-up fit on
100 points (torch loads parts of itself at the first backward pass) and
loading the series, the process's peak resident memory is the baseline; the
figure reported is how much fitting adds to that peak. For comparison, a
case that copies every window into one float32 array, as loaders that
materialise all windows do, is measured the same way.

Fits run one epoch, hidden size 16, batch 256, one torch thread.

``--floor`` instead sets the forecaster beside the plain PyTorch loop of
``_yardstick.py`` on 2,000,000 points (window 64, horizon 16, hidden 64,
batch 256, recursive decoding, 200 steps each), each in a fresh process
after the same warm-up: how close fit comes to the memory a hand-written
loop needs.

    python benchmarks/memory.py                # all cases, about 8 minutes
    python benchmarks/memory.py --quick        # the smaller series only
    python benchmarks/memory.py --floor        # beside the plain loop
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

CASE = r"""
import json, resource, sys, warnings
warnings.filterwarnings("ignore")
sys.path.insert(0, {here!r})
import numpy as np, pandas as pd, torch
from skseq2seq import Seq2SeqLSTMForecaster
from _yardstick import train_plain

torch.set_num_threads(1)
n, window, horizon, mode = {n}, {window}, {horizon}, {mode!r}
settings = {settings!r}

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def plain(series, window, horizon):
    train_plain(
        torch.from_numpy(series), window, horizon,
        hidden_size=settings["hidden_size"], num_layers=1,
        decoder_input="autoregressive", teacher_forcing=False, num_epochs=1,
        batch_size=settings["batch_size"], max_steps=settings.get("max_steps"),
    )

# the same warm-up for every mode: torch loads parts at the first backward
Seq2SeqLSTMForecaster(window_length=8, **settings).fit(
    pd.Series(np.arange(100.0)), fh=[1, 2]
)
plain(np.arange(100.0), 8, 2)
rng = np.random.default_rng(0)
y = pd.Series(np.sin(np.arange(n) / 50) + 0.1 * rng.normal(size=n))
baseline = peak_mb()
if mode == "fit":
    Seq2SeqLSTMForecaster(window_length=window, **settings).fit(
        y, fh=np.arange(1, horizon + 1)
    )
elif mode == "plain":  # a hand-written loop over the same series
    plain(y.to_numpy(), window, horizon)
else:  # every window copied into one float32 array, as the yardstick of waste
    windows = np.lib.stride_tricks.sliding_window_view(
        y.to_numpy(np.float32), window + horizon
    ).copy()
print(json.dumps({{"added_mb": peak_mb() - baseline, "baseline_mb": baseline}}))
"""


def run_fresh(code):
    """Run ``code`` in a fresh Python process; the JSON its last line prints."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


EPOCH_SETTINGS = {
    "hidden_size": 16,
    "batch_size": 256,
    "num_epochs": 1,
    "random_state": 0,
    "device": "cpu",
}
FLOOR_SETTINGS = {
    "hidden_size": 64,
    "batch_size": 256,
    "max_steps": 200,
    "training_strategy": "recursive",
    "seasonal_period": None,
    "random_state": 0,
    "device": "cpu",
}


def measure(n, window, horizon, mode, settings=EPOCH_SETTINGS):
    here = str(Path(__file__).parent)
    code = CASE.format(
        n=n, window=window, horizon=horizon, mode=mode, settings=settings, here=here
    )
    return run_fresh(code)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--floor", action="store_true")
    args = parser.parse_args()
    if args.floor:
        print("| what | fit adds (MB) |")
        print("|---|---:|")
        for mode, label in (("plain", "plain PyTorch loop"), ("fit", "forecaster fit")):
            added = measure(2_000_000, 64, 16, mode, FLOOR_SETTINGS)["added_mb"]
            print(f"| {label} | {added:.0f} |", flush=True)
        return
    lengths = (
        [250_000, 500_000] if args.quick else [250_000, 500_000, 1_000_000, 2_000_000]
    )
    cases = [(n, 64, 16) for n in lengths]
    # at one length, windows 4x shorter and 2x longer: what changes is the
    # activations of a batch (batch x window), not a copy of the series
    middle = lengths[len(lengths) // 2]
    cases += [(middle, 16, 16), (middle, 128, 16)]
    print(
        "| series length | window | horizon | fit adds (MB) "
        "| all windows as float32 add (MB) |"
    )
    print("|---:|---:|---:|---:|---:|")
    for n, window, horizon in cases:
        fit = measure(n, window, horizon, "fit")
        copy = measure(n, window, horizon, "materialise")
        print(
            f"| {n:,} | {window} | {horizon} | {fit['added_mb']:.0f} "
            f"| {copy['added_mb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
