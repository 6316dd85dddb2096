"""Prediction intervals: coverage and pinball loss against a naive baseline.

Two series with known noise: an AR(1) process (phi 0.6, unit Gaussian noise)
and a sinusoid with Gaussian noise (standard deviation 0.3). Each forecaster
is fitted on the first 2,500 points; then, from each of 100 origins in the
last 500, it forecasts 5 steps ahead, and is handed the next 5 observations
without retraining. Reported: how often the truth falls inside the 80% and
95% intervals, and the mean pinball loss of the interval ends (quantiles
0.025, 0.1, 0.9, 0.975; lower is better).

The baseline is sktime's ``NaiveVariance`` around a last-value
``NaiveForecaster``: the naive forecast with the spread of its own past
errors at each horizon.

    python benchmarks/intervals.py
"""

import time
import warnings

import numpy as np
import pandas as pd
import torch
from sktime.forecasting.naive import NaiveForecaster, NaiveVariance

from skseq2seq import Seq2SeqLSTMForecaster

SPLIT, HORIZON, ALPHAS = 2500, 5, [0.025, 0.1, 0.9, 0.975]


def series():
    rng = np.random.default_rng(1)
    noise = rng.normal(size=3000)
    ar1 = np.zeros(3000)
    for t in range(1, 3000):
        ar1[t] = 0.6 * ar1[t - 1] + noise[t]
    t = np.arange(3000)
    sinusoid = np.sin(2 * np.pi * t / 25) + rng.normal(0, 0.3, size=3000)
    return {"AR(1)": pd.Series(ar1), "noisy sinusoid": pd.Series(sinusoid)}


def forecasters():
    settings = {
        "window_length": 20,
        "hidden_size": 16,
        "num_epochs": 10,
        "batch_size": 64,
        "lr": 3e-3,
        "random_state": 0,
    }
    return {
        "seq2seq, gaussian": Seq2SeqLSTMForecaster(loss="gaussian", **settings),
        "seq2seq, quantile": Seq2SeqLSTMForecaster(loss="quantile", **settings),
        "NaiveVariance(naive last)": NaiveVariance(
            NaiveForecaster(strategy="last"), initial_window=SPLIT - 100
        ),
    }


def score(forecaster, y):
    forecaster.fit(y[:SPLIT], fh=np.arange(1, HORIZON + 1))
    inside, pinball = {0.8: [], 0.95: []}, []
    for start in range(SPLIT, len(y) - HORIZON + 1, HORIZON):
        if start > SPLIT:
            forecaster.update(y[start - HORIZON : start], update_params=False)
        truth = y[start : start + HORIZON].to_numpy()
        quantiles = forecaster.predict_quantiles(alpha=ALPHAS).to_numpy()
        for coverage, (lower, upper) in {0.8: (1, 2), 0.95: (0, 3)}.items():
            low, high = quantiles[:, lower], quantiles[:, upper]
            inside[coverage].extend((low <= truth) & (truth <= high))
        error = truth[:, None] - quantiles
        pinball.append(
            np.maximum(np.array(ALPHAS) * error, (np.array(ALPHAS) - 1) * error).mean()
        )
    return np.mean(inside[0.8]), np.mean(inside[0.95]), np.mean(pinball)


def main():
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    print(
        "| series | forecaster | 80% coverage | 95% coverage | pinball loss | seconds |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for name, y in series().items():
        for label, forecaster in forecasters().items():
            started = time.perf_counter()
            cover80, cover95, loss = score(forecaster, y)
            seconds = time.perf_counter() - started
            print(
                f"| {name} | {label} | {cover80:.1%} | {cover95:.1%} | "
                f"{loss:.4f} | {seconds:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
