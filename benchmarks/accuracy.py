"""Accuracy and fit time of the default Seq2SeqLSTMForecaster against baselines.

Every series that ships with sktime and statsmodels and suits the task is
split in time order: the last horizon is held out, each forecaster is fitted
on the rest and scored by MASE (mean absolute error over the in-sample
seasonal-naive error, with the series' seasonal period). Lower is better.
The seq2seq forecaster runs over several random states (mean, min, max);
the baselines are naive, seasonal naive, Theta and AutoETS. Then the three
tutorial tasks, each with its own score, and a table of fit times for long
series and panels.

    python benchmarks/accuracy.py                      # the docs' tables
    python benchmarks/accuracy.py --seeds 0            # quicker
    python benchmarks/accuracy.py --params '{"seasonal_period": null}'
    python benchmarks/accuracy.py --only series        # or tutorials, scaling
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sktime.datasets
import torch
from sktime.datasets import (
    load_airline,
    load_lynx,
    load_macroeconomic,
    load_shampoo_sales,
    load_uschange,
)
from sktime.forecasting.compose import TransformedTargetForecaster
from sktime.forecasting.ets import AutoETS
from sktime.forecasting.naive import NaiveForecaster
from sktime.forecasting.theta import ThetaForecaster
from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError
from sktime.split import temporal_train_test_split
from sktime.transformations.series.detrend import Deseasonalizer

from skseq2seq import Seq2SeqLSTMForecaster


def seatbelts_ksi():
    """Monthly road casualties in Great Britain, 1969-1984 (ships with sktime)."""
    path = Path(sktime.datasets.__file__).parent / "data/seatbelts/seatbelts.csv"
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    return frame["KSI"].astype(float).to_period("M")


def datasets():
    """(name, series, horizon, seasonal period) for every benchmark series."""
    airline = load_airline()
    yield "airline h=12", airline, 12, 12
    yield "airline h=24", airline, 24, 12
    yield "shampoo", load_shampoo_sales(), 6, 12
    yield "lynx", load_lynx(), 10, 1
    consumption, others = load_uschange()
    for column in [consumption, *(others[name] for name in others)]:
        yield f"uschange.{column.name}", column, 8, 4
    ksi = seatbelts_ksi()
    yield "seatbelts.KSI h=12", ksi, 12, 12
    yield "seatbelts.KSI h=24", ksi, 24, 12
    macro = load_macroeconomic()
    for column in ("realgdp", "realcons", "realinv", "cpi", "unemp", "tbilrate"):
        yield f"macro.{column}", macro[column], 8, 4


def baselines(sp, y):
    """The classical forecasters to compare with, fresh for each series."""
    return {
        "naive": NaiveForecaster(strategy="last"),
        "seasonal naive": NaiveForecaster(strategy="last", sp=sp),
        # Theta deseasonalises multiplicatively: positive series only
        "theta": ThetaForecaster(sp=sp, deseasonalize=sp > 1 and bool((y > 0).all())),
        "autoets": AutoETS(auto=True, sp=sp, n_jobs=1),
    }


def seq2seq(params, seed, sp, y, deseasonalize):
    """The forecaster, or, for the ablation, behind sktime's Deseasonalizer."""
    forecaster = Seq2SeqLSTMForecaster(random_state=seed, **params)
    if not deseasonalize or sp == 1 or len(y) < 2 * sp:
        return forecaster
    model = "multiplicative" if (y > 0).all() else "additive"
    return TransformedTargetForecaster([Deseasonalizer(sp=sp, model=model), forecaster])


def series_table(params, seeds, with_baselines=True, deseasonalize=False):
    rows, seconds = [], {}
    for name, y, horizon, sp in datasets():
        y_train, y_test = y.iloc[:-horizon], y.iloc[-horizon:]
        fh = np.arange(1, horizon + 1)
        mase = MeanAbsoluteScaledError(sp=sp)
        row = {"series": name, "n": len(y_train), "h": horizon}
        candidates = dict(baselines(sp, y_train)) if with_baselines else {}
        for seed in seeds:
            candidates[f"seq2seq@{seed}"] = seq2seq(
                params, seed, sp, y_train, deseasonalize
            )
        seeded_forecasts = []
        for label, forecaster in candidates.items():
            started = time.perf_counter()
            forecaster.fit(y_train, fh=fh)
            seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - started
            forecast = forecaster.predict()
            row[label] = mase(y_test, forecast, y_train=y_train)
            if label.startswith("seq2seq@"):
                seeded_forecasts.append(forecast)
        if len(seeds) > 1:
            # an ensemble over the random states, at their summed fit time
            median = pd.concat(seeded_forecasts, axis=1).median(axis=1)
            row["seed ensemble"] = mase(y_test, median, y_train=y_train)
        rows.append(row)
    table = pd.DataFrame(rows).set_index("series")
    per_seed = table[[c for c in table if c.startswith("seq2seq@")]]
    table = table.drop(columns=per_seed.columns)
    table["seq2seq"] = per_seed.mean(axis=1)
    table["seq2seq min"] = per_seed.min(axis=1)
    table["seq2seq max"] = per_seed.max(axis=1)
    per_seed_seconds = [seconds.pop(f"seq2seq@{seed}") for seed in seeds]
    return table, per_seed, seconds, per_seed_seconds


def summarise(table, per_seed):
    methods = [c for c in table if c not in ("n", "h", "seq2seq min", "seq2seq max")]
    summary = table[methods].agg(["mean", "median"]).T
    if "seasonal naive" in table:
        snaive = table["seasonal naive"]
        summary["beats seasonal naive"] = [
            f"{int((table[m] < snaive).sum())}/{len(table)}" for m in methods
        ]
        summary["worse than it by >10%"] = [
            str(int((table[m] > 1.1 * snaive).sum())) for m in methods
        ]
        worst = per_seed.max(axis=1)
        summary.loc["seq2seq", "worse than it by >10%"] = (
            f"{int((table['seq2seq'] > 1.1 * snaive).sum())} "
            f"(worst seed: {int((worst > 1.1 * snaive).sum())})"
        )
    seeds_summary = per_seed.agg(["mean", "median"]).T
    return summary, seeds_summary


# the tutorial tasks, as the examples build them


def noisy_sinusoid(params, seed):
    """80 noisy steps in, 20 out; RMSE against the noise-free signal."""
    t = np.linspace(0, 80 * np.pi, 2000)
    clean = np.sin(2 * t) + 0.5 * np.cos(t)
    noisy = clean + np.random.default_rng(0).normal(0, 0.2, size=t.size)
    split, past, future = 1600, 80, 20
    forecaster = Seq2SeqLSTMForecaster(window_length=past, random_state=seed, **params)
    started = time.perf_counter()
    forecaster.fit(pd.Series(noisy[:split]), fh=np.arange(1, future + 1))
    seconds = time.perf_counter() - started
    errors = []
    for start in range(split, t.size - future + 1, future):
        if start > split:
            observed = pd.Series(
                noisy[start - future : start], index=range(start - future, start)
            )
            forecaster.update(observed, update_params=False)
        errors.append(forecaster.predict().to_numpy() - clean[start : start + future])
    return float(np.sqrt(np.mean(np.square(errors)))), seconds


def two_waves(n, length, rng):
    """A sum of two waves of random frequency, phase and amplitude: (n, 2L)."""
    f1, f2 = rng.uniform(-4.5, 5.5, (2, n, 1))
    p1, p2 = rng.uniform(0, 2 * np.pi, (2, n, 1))
    a1, a2 = rng.uniform(0.1, 1.1, (n, 1)), rng.uniform(0, 1.2, (n, 1))
    steps = np.linspace(0, 1, 2 * length)
    span = 3 * np.pi * length / 15
    return a1 * np.sin(p1 + f1 * span * steps) + a2 * np.cos(p2 + f2 * span * steps)


def as_panel(samples, first_id=0):
    n, length = samples.shape
    index = pd.MultiIndex.from_product([range(first_id, first_id + n), range(length)])
    return pd.DataFrame({"y": samples.ravel()}, index=index)


def sample_task(params, seed, noisy_input):
    """Many short samples: learn on 2,000, forecast 500 unseen ones; MSE."""
    rng = np.random.default_rng(1)
    length = 30 if noisy_input else 15
    train, valid = two_waves(2000, length, rng), two_waves(500, length, rng)
    valid_input = valid.copy()
    if noisy_input:  # noise on the history only; the target stays clean
        for samples in (train, valid_input):
            sigma = rng.uniform(0.10, 0.25, (len(samples), 1))
            samples[:, :length] += sigma * rng.normal(size=(len(samples), length))
    forecaster = Seq2SeqLSTMForecaster(
        window_length=length, scaling="global", random_state=seed, **params
    )
    fh = np.arange(1, length + 1)
    started = time.perf_counter()
    forecaster.pretrain(as_panel(train), fh=fh)
    seconds = time.perf_counter() - started
    forecaster.fit(as_panel(valid_input[:, :length], first_id=10**6))
    predicted = forecaster.predict(fh).to_numpy().reshape(len(valid), length)
    target = valid[:, length:]
    return float(np.mean((predicted - target) ** 2)), float(target.var()), seconds


def tutorial_table(params, seeds):
    rows = []
    for seed in seeds:
        rmse, s1 = noisy_sinusoid(params, seed)
        mse2, var2, s2 = sample_task(params, seed, noisy_input=False)
        mse3, var3, s3 = sample_task(params, seed, noisy_input=True)
        rows += [
            ("noisy sinusoid 80->20", "RMSE vs clean", seed, rmse, 0.06, s1),
            ("two random sines 15->15", f"MSE (var {var2:.2f})", seed, mse2, 0.05, s2),
            (
                "noisy input, clean target",
                f"MSE (var {var3:.2f})",
                seed,
                mse3,
                None,
                s3,
            ),
        ]
    frame = pd.DataFrame(
        rows, columns=["task", "score", "seed", "value", "target", "fit seconds"]
    )
    return frame.groupby(["task", "score"], sort=False).agg(
        mean=("value", "mean"),
        min=("value", "min"),
        max=("value", "max"),
        target=("target", "first"),
        fit_seconds=("fit seconds", "mean"),
    )


def scaling_table(params, seed):
    """Default fit time on long series and panels of seasonal noisy data.

    Each fit leaves out the last 12 points of every monthly series (48 of
    the half-hourly one); the MASE column scores the forecast of them with
    the data's seasonal period, averaged over series. The signal column
    scores the noise-free signal itself on the same points: the best any
    forecast can expect, since a dozen noisy points of one series make a
    noisy test. The half-hourly rows have a daily and a weekly season and a
    horizon of a day: each of their steps costs more, with a longer window
    (two days) and four times the decoder steps; without a frequency, the
    week (336 steps) is the season found. The hourly rows find the day at
    1,000 points and the week (168) at 4,000: the anchor reads the season,
    and the encoder's window stays two horizons long either way.
    """
    rng = np.random.default_rng(0)

    def monthly(n, phase=0.0):
        """Noisy values, and the signal under them."""
        t = np.arange(n)
        signal = 10 + 0.01 * t + np.sin(2 * np.pi * t / 12 + phase)
        return signal + 0.3 * rng.normal(size=n), signal

    def series(n):
        index = pd.period_range("1900-01", periods=n, freq="M")
        values, signal = monthly(n)
        return pd.Series(values, index=index), pd.Series(signal, index=index)

    def panel(n_series, length):
        times = pd.period_range("1990-01", periods=length, freq="M")
        index = pd.MultiIndex.from_product([range(n_series), times])
        drawn = [monthly(length, rng.uniform(0, 6)) for _ in range(n_series)]
        values, signal = (np.concatenate(parts) for parts in zip(*drawn, strict=True))
        return (
            pd.DataFrame({"y": values}, index=index),
            pd.DataFrame({"y": signal}, index=index),
        )

    def half_hourly(n, timed=True):
        t = np.arange(n)
        day = np.sin(2 * np.pi * t / 48) + 0.5 * np.sin(4 * np.pi * t / 48)
        weekend = 0.8 * ((t // 48) % 7 >= 5)
        signal = 10 + day + weekend
        # without a frequency, the strongest cycle is found: the week, 336
        index = pd.date_range("2020-01-01", periods=n, freq="30min") if timed else t
        values = signal + 0.3 * rng.normal(size=n)
        return pd.Series(values, index=index), pd.Series(signal, index=index)

    def hourly(n):
        """A daily and a weekly cycle on an integer index: 24 found, or 168."""
        t = np.arange(n)
        signal = 10 + np.sin(2 * np.pi * t / 24) + 0.7 * np.sin(2 * np.pi * t / 168)
        values = signal + 0.3 * rng.normal(size=n)
        return pd.Series(values), pd.Series(signal)

    monthly_cases = [
        ("series of 1,000", *series(1000)),
        ("series of 4,000", *series(4000)),
        ("series of 20,000", *series(20000)),
        ("panel 100 x 400", *panel(100, 400)),
        ("panel 2,000 x 500", *panel(2000, 500)),
    ]
    cases = [(*case, 12) for case in monthly_cases]
    cases.append(("half-hourly 4,000, h=48", *half_hourly(4000), 48))
    cases.append(("the same, no frequency", *half_hourly(4000, timed=False), 48))
    cases.append(("hourly 1,000, h=24", *hourly(1000), 24))
    cases.append(("hourly 4,000, h=24", *hourly(4000), 24))
    # a first fit pays torch's one-time set-up; keep it out of the first row
    Seq2SeqLSTMForecaster(max_steps=5).fit(cases[0][1], fh=np.arange(1, 13))
    rows = []
    for name, y, signal, horizon in cases:
        y_train, y_test = temporal_train_test_split(y, test_size=horizon)
        mase = MeanAbsoluteScaledError(sp=horizon)  # a year of months, a day
        forecaster = Seq2SeqLSTMForecaster(random_state=seed, **params)
        started = time.perf_counter()
        forecaster.fit(y_train, fh=np.arange(1, horizon + 1))
        seconds = time.perf_counter() - started
        history = forecaster.history_
        rows.append(
            {
                "data": name,
                "points": len(y),
                "fit seconds": seconds,
                "steps": int(history["steps"].iloc[-1]) if len(history) else 0,
                "epochs": len(history),
                "season": forecaster.seasonal_period_,
                "MASE": mase(y_test, forecaster.predict(), y_train=y_train),
                "signal MASE": mase(y_test, signal.loc[y_test.index], y_train=y_train),
            }
        )
    table = pd.DataFrame(rows).set_index("data")
    table["vs 1,000"] = table["fit seconds"] / table["fit seconds"].iloc[0]
    table["MASE / signal's"] = table["MASE"] / table["signal MASE"]
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="{}", help="JSON forecaster params")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--only",
        choices=["series", "tutorials", "scaling"],
        nargs="+",
        default=["series", "tutorials", "scaling"],
    )
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument(
        "--deseasonalize",
        action="store_true",
        help="ablation: sktime's Deseasonalizer(sp) in front of the forecaster",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    params = json.loads(args.params)
    print(
        f"torch {torch.__version__}, {args.threads} thread(s), params {args.params}, "
        f"seeds {args.seeds}\n"
    )
    if "series" in args.only:
        table, per_seed, seconds, per_seed_seconds = series_table(
            params, args.seeds, not args.no_baselines, args.deseasonalize
        )
        print("MASE on the held-out horizon")
        print(table.round(3).to_markdown())
        summary, seeds_summary = summarise(table, per_seed)
        print()
        print(summary.round(3).to_markdown())
        print()
        print("each random state on its own (mean, median MASE):")
        print(seeds_summary.round(3).to_markdown())
        print()
        print(
            "total fit seconds: "
            + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items())
            + "; seq2seq per random state "
            + ", ".join(f"{s:.1f}" for s in per_seed_seconds)
        )
        print()
    if "tutorials" in args.only:
        print("tutorial tasks (lower is better)")
        print(tutorial_table(params, args.seeds).round(4).to_markdown())
        print()
    if "scaling" in args.only:
        print(f"fit time against data size (random state {args.seeds[0]})")
        print(scaling_table(params, args.seeds[0]).round(2).to_markdown())


if __name__ == "__main__":
    main()
