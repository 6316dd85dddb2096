"""Accuracy of the default Seq2SeqLSTMForecaster against classical baselines.

Each series that ships with sktime is split in time order: the last horizon
is held out, every forecaster is fitted on the rest and scored by MASE
(mean absolute error over the in-sample seasonal-naive error). Lower is
better; 1.0 is as good as the naive forecast on the training data.

    python benchmarks/accuracy.py                 # the table in the docs
    python benchmarks/accuracy.py --seeds 0 1 2   # spread over seeds
    python benchmarks/accuracy.py --params '{"num_epochs": 200}'
"""

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
import torch
from sktime.datasets import load_airline, load_lynx, load_shampoo_sales, load_uschange
from sktime.forecasting.naive import NaiveForecaster
from sktime.forecasting.theta import ThetaForecaster
from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError

from skseq2seq import Seq2SeqLSTMForecaster


def datasets():
    """(name, series, horizon, seasonal period) for every benchmark series."""
    yield "airline", load_airline(), 12, 12
    yield "lynx", load_lynx(), 10, 1
    yield "shampoo", load_shampoo_sales(), 6, 12
    consumption, others = load_uschange()
    for column in [consumption, *(others[name] for name in others)]:
        yield f"uschange.{column.name}", column, 8, 1


def baselines(sp):
    """The classical forecasters to compare with, fresh for each series."""
    found = {"naive_last": NaiveForecaster(strategy="last")}
    if sp > 1:
        found["naive_seasonal"] = NaiveForecaster(strategy="last", sp=sp)
    # Theta's multiplicative deseasonalising fails on series with negatives
    found["theta"] = ThetaForecaster(sp=sp, deseasonalize=sp > 1)
    return found


def run(params, seeds):
    rows = []
    fit_seconds = {}
    for name, y, horizon, sp in datasets():
        y_train, y_test = y.iloc[:-horizon], y.iloc[-horizon:]
        fh = np.arange(1, horizon + 1)
        mase = MeanAbsoluteScaledError(sp=sp)
        row = {"series": name, "n": len(y_train), "h": horizon}
        candidates = dict(baselines(sp))
        for seed in seeds:
            candidates[f"seq2seq@{seed}"] = Seq2SeqLSTMForecaster(
                random_state=seed, **params
            )
        for label, forecaster in candidates.items():
            started = time.perf_counter()
            forecaster.fit(y_train, fh=fh)
            elapsed = time.perf_counter() - started
            fit_seconds[label] = fit_seconds.get(label, 0.0) + elapsed
            row[label] = mase(y_test, forecaster.predict(), y_train=y_train)
        rows.append(row)
    table = pd.DataFrame(rows).set_index("series")
    per_seed = table[[c for c in table if c.startswith("seq2seq@")]]
    table = table.drop(columns=per_seed.columns)
    table["seq2seq"] = per_seed.mean(axis=1)
    if per_seed.shape[1] > 1:
        table["seq2seq min"] = per_seed.min(axis=1)
        table["seq2seq max"] = per_seed.max(axis=1)
    seq2seq_seconds = sum(v for k, v in fit_seconds.items() if k.startswith("seq"))
    fit_seconds = {k: v for k, v in fit_seconds.items() if not k.startswith("seq")}
    fit_seconds["seq2seq (per seed)"] = seq2seq_seconds / len(seeds)
    return table, fit_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="{}", help="JSON forecaster params")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    table, fit_seconds = run(json.loads(args.params), args.seeds)
    print(
        f"MASE on the held-out horizon (torch {torch.__version__}, "
        f"{args.threads} thread(s), params {args.params}, seeds {args.seeds})"
    )
    print(table.round(3).to_markdown())
    summary = table.drop(columns=["n", "h"]).agg(["mean", "median"])
    print()
    print(summary.round(3).to_markdown())
    print()
    print(
        "total fit seconds: "
        + ", ".join(f"{label} {seconds:.1f}" for label, seconds in fit_seconds.items())
    )


if __name__ == "__main__":
    main()
