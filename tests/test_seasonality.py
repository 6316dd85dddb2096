"""Seasonal periods: found where the data shows them, and only there."""

import numpy as np
import pandas as pd
import pytest
from sktime.datasets import load_airline, load_macroeconomic, load_shampoo_sales

from skseq2seq import Seq2SeqLSTMForecaster
from skseq2seq._preparation import prepare
from skseq2seq._seasonality import (
    detect_seasons,
    is_seasonal,
    period_from_frequency,
    search_period,
    strongest_cycle,
)


@pytest.mark.parametrize(
    "freq, period",
    [
        ("M", 12),
        ("ME", 12),
        ("MS", 12),
        ("Q-DEC", 4),
        ("QE-DEC", 4),
        ("W-SUN", 52),
        ("D", 7),
        ("B", 5),
        ("h", 24),
        ("30min", 48),
        ("15min", 96),
        ("2M", 6),
        ("SME", 24),  # twice a month: not the months of "Month"
        ("SMS", 24),
        ("Y-DEC", None),
        ("7min", None),
        (None, None),
    ],
)
def test_the_usual_period_of_each_frequency(freq, period):
    assert period_from_frequency(freq) == period


def test_real_seasonal_series_are_found():
    y = load_airline()
    assert detect_seasons([y.to_numpy()], "M")[0] == 12


def test_a_season_needs_three_of_them_in_the_data():
    shampoo = load_shampoo_sales().iloc[:-6]  # 30 months
    assert detect_seasons([shampoo.to_numpy()], "M")[0] == 1
    values = np.sin(2 * np.pi * np.arange(60) / 12)
    assert is_seasonal(values, 12)
    assert not is_seasonal(values[:36], 12)


@pytest.mark.parametrize("column", ["realgdp", "realcons", "cpi"])
def test_seasonally_adjusted_trends_have_no_season(column):
    # persistent growth: the autocorrelation decays smoothly, no peak at 4
    values = load_macroeconomic()[column].to_numpy()
    assert detect_seasons([values], "Q-DEC")[0] == 1


def test_noise_and_random_walks_have_no_season():
    rng = np.random.default_rng(0)
    for _ in range(30):
        assert search_period([rng.normal(size=300)]) == 1
        assert detect_seasons([rng.normal(size=300).cumsum()], "M")[0] == 1


def test_an_integer_index_finds_the_cycle_itself():
    t = np.linspace(0, 80 * np.pi, 2000)
    noisy = (
        np.sin(2 * t) + 0.5 * np.cos(t) + np.random.default_rng(0).normal(0, 0.2, 2000)
    )
    assert strongest_cycle(noisy[:1600]) == 50
    assert search_period([noisy[:1600]]) == 50


def test_without_a_frequency_a_panel_votes_for_the_period_it_searched():
    t = np.arange(144)
    rng = np.random.default_rng(1)
    seasonal = [
        np.sin(2 * np.pi * t / 12) + 0.2 * rng.normal(size=144) for _ in range(3)
    ]
    noise = [rng.normal(size=144) for _ in range(2)]
    assert search_period(seasonal + noise) == 12
    assert search_period(seasonal[:1] + noise) == 1
    # with a frequency, the season is known: each series is tested for it
    period, flags = detect_seasons(seasonal[:1] + noise, "M")
    assert period == 12 and flags.tolist() == [True, False, False]


def test_each_series_of_a_panel_is_judged_on_its_own():
    t = np.arange(96)
    rng = np.random.default_rng(1)
    seasonal = np.sin(2 * np.pi * t / 12) + 0.2 * rng.normal(size=96)
    walk = rng.normal(size=96).cumsum()
    short = seasonal[:30]  # under three seasons: cannot be tested
    period, flags = detect_seasons([seasonal, seasonal, walk, short], "M")
    # the panel takes the season the series show; the walk is anchored
    # without it, and the short series follows most of the others
    assert period == 12
    np.testing.assert_array_equal(flags, [True, True, False, True])
    period, flags = detect_seasons([seasonal, walk, walk, short], "M")
    assert period == 12
    np.testing.assert_array_equal(flags, [True, False, False, False])
    period, flags = detect_seasons([walk, walk], "M")
    assert period == 1 and not flags.any()
    assert detect_seasons([seasonal], "Y")[0] == 1


def test_a_long_cycle_peaking_a_lag_away_is_found():
    # a yearly cycle of 52.18 weeks: its autocorrelation peaks at 53 here
    t = np.arange(208)
    rng = np.random.default_rng(0)
    weekly = np.sin(2 * np.pi * t / 52.18) + 0.3 * rng.normal(size=208)
    assert is_seasonal(weekly, 52)
    assert detect_seasons([weekly], "W-SUN")[0] == 52
    # a short period keeps the exact lag: a peak at 3 is no season of 4
    quarterly = np.sin(2 * np.pi * np.arange(120) / 3)
    assert not is_seasonal(quarterly, 4)


def test_false_seasons_stay_rare_with_the_lags_either_side():
    found = sum(
        detect_seasons([np.random.default_rng(seed).normal(size=300)], "W-SUN")[0] != 1
        for seed in range(50)
    )
    assert found <= 5  # at most 10% of white-noise series, the test's level


def test_exact_lines_and_exponential_growth_have_no_season():
    # what is left of them after the straight line is round-off, which the
    # autocorrelation would otherwise read as a signal of its own
    t = np.arange(120)
    assert search_period([0.5 - 0.1 * t]) == 1  # was 5
    assert search_period([np.log(10 * 1.03**t)]) == 1  # was 5
    assert detect_seasons([np.log(100 * 1.01**t)], "M")[0] == 1  # was 12
    line = pd.Series(0.5 - 0.1 * t)  # an integer index: the period is searched
    fitted = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=2).fit(line, fh=[1])
    assert fitted.seasonal_period_ == 1


def test_every_target_column_is_tested_so_column_order_does_not_matter():
    rng = np.random.default_rng(0)
    t = np.arange(96)
    columns = {
        "walk": 50 + np.cumsum(rng.normal(size=96)),
        "season": 10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=96),
    }
    index = pd.period_range("2000-01", periods=96, freq="M")
    params = Seq2SeqLSTMForecaster().get_params(deep=False)
    for order in (["walk", "season"], ["season", "walk"]):
        y = pd.DataFrame({name: columns[name] for name in order}, index=index)
        prepared = prepare(y, None, 12, params)
        assert prepared.season == 12, order
        assert prepared.seasonal.tolist() == [True], order
        # no frequency: the period searched for in each column, the series
        # voting once for what any of them shows
        weekly = np.column_stack([np.sin(2 * np.pi * t / 7), columns["walk"]])
        assert search_period([weekly if order[0] == "season" else weekly[:, ::-1]]) == 7


def test_a_short_series_follows_a_panel_whose_series_show_the_season():
    rng = np.random.default_rng(1)
    t = np.arange(60)
    long = [
        np.column_stack(
            [
                np.sin(2 * np.pi * t / 12) + 0.1 * rng.normal(size=60),
                rng.normal(size=60).cumsum(),
            ]
        )
        for _ in range(4)
    ]
    short = np.column_stack([np.sin(2 * np.pi * t[:20] / 12), t[:20] / 10.0])
    # each long series shows it in one of its two columns: the majority
    period, seasonal = detect_seasons(long + [short], "M")
    assert period == 12
    assert seasonal.tolist() == [True] * 5
