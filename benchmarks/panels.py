"""Real panels: one global network against a local model per series, and scale.

Three measurements, each printed as a table:

* ``shipped``: the 15 distinct series of ``benchmarks/accuracy.py`` (sktime's
  and statsmodels' data, 30 to 195 points, monthly, quarterly and yearly) as
  one panel of unequal lengths on an integer time axis, the last 8 points of
  each held out. One global Seq2SeqLSTMForecaster against Theta and AutoETS
  fitted to every series on its own (sktime vectorises them over the panel),
  by MASE with each series' own seasonal period.
* ``synthetic``: 1,000 monthly series of 60 to 400 points with random level,
  trend, seasonal amplitude (none for 40% of them) and noise, 5% of the
  values missing at random, the last 12 points held out. The local models
  get the series with their gaps filled by linear interpolation (they take
  no NaN); the global network trains through the gaps.
* ``scale``: 10,000 series of 200 to 2,000 points (about 11 million values,
  2% missing), fitted with the defaults in a fresh process: fit seconds,
  the peak memory fit adds above the loaded data (beside the size of the
  values as float32, and the part of it reached before the forecaster's
  own ``_fit`` starts, in sktime's input checks and conversion), and one
  batched predict over every series.

One torch thread. ``python benchmarks/panels.py [--only shipped synthetic scale]``
"""

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import torch
from accuracy import datasets
from memory import run_fresh
from sktime.forecasting.ets import AutoETS
from sktime.forecasting.naive import NaiveForecaster
from sktime.forecasting.theta import ThetaForecaster
from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError

from skseq2seq import Seq2SeqLSTMForecaster


def panel_of(series):
    """One long-format panel from {key: values}, time counted from 0."""
    return pd.concat(
        pd.DataFrame(
            {"y": np.asarray(values, dtype=float)},
            index=pd.MultiIndex.from_arrays([[key] * len(values), range(len(values))]),
        )
        for key, values in series.items()
    )


def split(panel, horizon):
    grouped = panel.groupby(level=0, sort=False)
    return grouped.head(-horizon), grouped.tail(horizon)


def mase_per_series(truth, prediction, train, periods):
    scores = {}
    for key, actual in truth.groupby(level=0, sort=False):
        metric = MeanAbsoluteScaledError(sp=periods[key])
        scores[key] = metric(
            actual.loc[key, "y"].to_numpy(),
            prediction.loc[key, "y"].to_numpy(),
            y_train=train.loc[key, "y"].to_numpy(),
        )
    return pd.Series(scores)


def compare(train, test, periods, local_period, seed, local_train=None, glob=True):
    """Fit every method (the global one if ``glob``); per-series MASE, seconds."""
    horizon = test.groupby(level=0).size().iloc[0]
    fh = np.arange(1, horizon + 1)
    local_train = train if local_train is None else local_train
    positive = bool((local_train["y"] > 0).all())
    methods = {
        "seasonal naive": (NaiveForecaster(sp=local_period), local_train),
        "theta": (
            ThetaForecaster(sp=local_period, deseasonalize=positive),
            local_train,
        ),
        "autoets": (AutoETS(auto=True, sp=local_period, n_jobs=1), local_train),
    }
    if glob:
        methods["seq2seq (global)"] = (Seq2SeqLSTMForecaster(random_state=seed), train)
    scores, seconds = {}, {}
    for name, (forecaster, data) in methods.items():
        started = time.perf_counter()
        forecaster.fit(data, fh=fh)
        seconds[name] = time.perf_counter() - started
        scores[name] = mase_per_series(test, forecaster.predict(), train, periods)
    return pd.DataFrame(scores), seconds


def summary(scores, seconds):
    table = scores.agg(["mean", "median"]).T
    snaive = scores["seasonal naive"]
    table["beats seasonal naive"] = [
        f"{int((scores[m] < snaive).sum())}/{len(scores)}" for m in scores
    ]
    table["fit seconds"] = [seconds[m] for m in scores]
    return table


def shipped(seed):
    series, periods = {}, {}
    for name, y, _, sp in datasets():
        key = name.split(" h=")[0]  # airline and seatbelts come twice
        if key not in series:
            series[key], periods[key] = y.to_numpy(dtype=float), sp
    train, test = split(panel_of(series), 8)
    # the local models get each series' own period through one shared sp:
    # sktime vectorises one forecaster, so run them per period group
    frames, all_seconds = [], {}
    for period in sorted(set(periods.values())):
        keys = [k for k in series if periods[k] == period]
        scores, seconds = compare(
            train.loc[keys], test.loc[keys], periods, period, seed, glob=False
        )
        frames.append(scores)
        for name, value in seconds.items():
            all_seconds[name] = all_seconds.get(name, 0.0) + value
    local = pd.concat(frames)
    # the global network, once, on the whole panel
    forecaster = Seq2SeqLSTMForecaster(random_state=seed)
    started = time.perf_counter()
    forecaster.fit(train, fh=np.arange(1, 9))
    all_seconds["seq2seq (global)"] = time.perf_counter() - started
    local["seq2seq (global)"] = mase_per_series(
        test, forecaster.predict(), train, periods
    )
    print(
        f"global network: window {forecaster.window_length_}, season "
        f"{forecaster.seasonal_period_}"
    )
    return local.loc[list(series)], all_seconds


def synthetic_panel(n_series=1000, seed=0):
    rng = np.random.default_rng(seed)
    series = {}
    for i in range(n_series):
        n = int(rng.integers(60, 401))
        t = np.arange(n)
        level = rng.uniform(50, 1000)
        trend = rng.normal(0, 0.003) * level * t
        amplitude = 0.0 if rng.random() < 0.4 else rng.uniform(0.05, 0.3) * level
        season = amplitude * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi))
        noise = rng.uniform(0.01, 0.08) * level * rng.normal(size=n)
        series[f"s{i}"] = np.maximum(level + trend + season + noise, 1.0)
    return series


def synthetic(seed):
    series = synthetic_panel()
    train, test = split(panel_of(series), 12)
    rng = np.random.default_rng(1)
    gappy = train.copy()
    missing = rng.random(len(gappy)) < 0.05
    # keep each series' last value: the local models need one to start from
    last = gappy.groupby(level=0).cumcount(ascending=False) == 0
    gappy.loc[missing & ~last.to_numpy(), "y"] = np.nan
    filled = gappy.groupby(level=0, group_keys=False)["y"].apply(
        lambda y: y.interpolate(limit_direction="both")
    )
    periods = dict.fromkeys(series, 12)
    return compare(gappy, test, periods, 12, seed, local_train=filled.to_frame("y"))


SCALE_CASE = r"""
import json, resource, time, warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd, torch
from skseq2seq import Seq2SeqLSTMForecaster
torch.set_num_threads(1)

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

Seq2SeqLSTMForecaster(max_steps=2).fit(pd.Series(np.arange(100.0)), fh=[1])
rng = np.random.default_rng(0)
lengths = rng.integers(200, 2001, {n_series})
keys = np.repeat(np.arange({n_series}), lengths)
times = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
phase = np.repeat(rng.uniform(0, 6, {n_series}), lengths)
values = np.sin(2 * np.pi * times / 24 + phase) + 0.2 * rng.normal(size=len(times))
values[rng.random(len(values)) < 0.02] = np.nan
y = pd.DataFrame({{"y": values}}, index=pd.MultiIndex.from_arrays([keys, times]))
del keys, times, phase, values
baseline = peak_mb()
entered = {{}}
own_fit = Seq2SeqLSTMForecaster._fit

def recording_fit(self, *args, **kwargs):
    # the high-water mark once sktime's checks and conversion are done
    entered["MB"] = peak_mb()
    return own_fit(self, *args, **kwargs)

Seq2SeqLSTMForecaster._fit = recording_fit
forecaster = Seq2SeqLSTMForecaster(random_state=0)
started = time.perf_counter()
forecaster.fit(y, fh=np.arange(1, 25))
fit_seconds = time.perf_counter() - started
fit_peak = peak_mb()
started = time.perf_counter()
prediction = forecaster.predict()
predict_seconds = time.perf_counter() - started
print(json.dumps({{
    "series": {n_series}, "values": int(lengths.sum()),
    "float32 MB": int(lengths.sum()) * 4 / 2**20,
    "fit adds MB": fit_peak - baseline,
    "of which before _fit (sktime's checks) MB": entered["MB"] - baseline,
    "fit seconds": fit_seconds,
    "steps": int(forecaster.history_["steps"].iloc[-1]),
    "predict seconds": predict_seconds, "forecast rows": len(prediction),
}}))
"""


def scale(n_series):
    return run_fresh(SCALE_CASE.format(n_series=n_series))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["shipped", "synthetic", "scale"],
        default=["shipped", "synthetic", "scale"],
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale-series", type=int, default=10_000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    print(f"torch {torch.__version__}, 1 thread, random state {args.seed}\n")
    if "shipped" in args.only:
        scores, seconds = shipped(args.seed)
        print("the shipped series as one panel, h=8: MASE per series")
        print(scores.round(3).to_markdown())
        print()
        print(summary(scores, seconds).round(3).to_markdown())
        print()
    if "synthetic" in args.only:
        scores, seconds = synthetic(args.seed)
        print("1,000 synthetic monthly series, 5% missing, h=12")
        print(summary(scores, seconds).round(3).to_markdown())
        print()
    if "scale" in args.only:
        result = scale(args.scale_series)
        print("scale: the default fit on a large panel, in a fresh process")
        print(pd.Series(result).to_frame("value").to_markdown())


if __name__ == "__main__":
    main()
