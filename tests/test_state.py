"""decode and advance, on states built by hand or by prepare: no fit anywhere."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.forecasting.base import ForecastingHorizon

from skseq2seq import Seq2SeqLSTMForecaster
from skseq2seq._frames import Collection
from skseq2seq._network import Seq2SeqNetwork
from skseq2seq._preparation import forecast_state, prepare
from skseq2seq._state import (
    ForecastState,
    advance,
    decode,
    match_target_columns,
    scaled_past,
)
from skseq2seq._windows import fill_gaps

PARAMS = Seq2SeqLSTMForecaster(window_length=4).get_params(deep=False)


def silent_network(**kwargs):
    """A network whose head says nothing: it forecasts its anchor exactly."""
    network = Seq2SeqNetwork(1, reads_availability=True, hidden_size=4, **kwargs)
    with torch.no_grad():
        network.head.linear.weight.zero_()
        network.head.linear.bias.zero_()
    return network.eval()


def panel(lengths, start="2000-01"):
    """Positive monthly series ``a``, ``b``, ... of the given lengths."""
    frames = []
    for number, length in enumerate(lengths):
        key = "abcdef"[number]
        index = pd.MultiIndex.from_arrays(
            [[key] * length, pd.period_range(start, periods=length, freq="M")],
            names=["series", "time"],
        )
        values = 10.0 * (number + 1) + np.arange(length, dtype=float)
        frames.append(pd.DataFrame({"y": values}, index=index))
    return pd.concat(frames)


def state_of(y):
    prepared = prepare(y, None, 2, PARAMS)
    return forecast_state(prepared, y.index.names)


def test_a_silent_head_forecasts_each_series_last_value_from_its_own_end():
    y = panel([12, 9])
    state = state_of(y)
    cutoff = pd.PeriodIndex([y.index.get_level_values(-1).max()], freq="M")
    fh = ForecastingHorizon([1, 2])
    output, index = decode(silent_network(), state, fh, None, cutoff, "cpu", "32")
    np.testing.assert_allclose(output[..., 0].numpy(), [[21.0, 21.0], [28.0, 28.0]])
    assert index.tolist() == [
        ("a", pd.Period("2001-01", "M")),
        ("a", pd.Period("2001-02", "M")),
        ("b", pd.Period("2000-10", "M")),
        ("b", pd.Period("2000-11", "M")),
    ]


def test_advancing_the_state_equals_preparing_the_whole_history():
    whole = panel([14, 11])
    first = whole.groupby(level=0).head(10)
    rest = whole.drop(first.index)
    new = Collection.from_frames(rest, None, [], [])
    advanced, combined, positions = advance(state_of(first), new)
    again = state_of(whole)
    assert positions == [0, 1]
    np.testing.assert_array_equal(advanced.recent, again.recent)
    assert advanced.ends.equals(again.ends)
    # what update trains on: each series' recent rows then the new ones
    recent = state_of(first).recent.shape[1]
    assert combined.lengths.tolist() == [recent + 4, recent + 1]
    assert combined.values[-1, 0] == whole["y"].iloc[-1]


def test_advance_refuses_a_gap_and_leaves_the_state_alone():
    y = panel([10])
    state = state_of(y)
    later = panel([13]).iloc[11:]  # skips 2000-11
    with pytest.raises(ValueError, match="the next time point is 2000-11"):
        advance(state, Collection.from_frames(later, None, [], []))
    assert state.ends[0] == pd.Period("2000-10", "M")


def logged_series_state(loc, scale, window_length):
    """One logged series e, missing, e**3, shifted by ``loc``, over ``scale``."""
    return ForecastState(
        recent=np.array([[[np.e], [np.nan], [np.e**3]]]),
        ends=pd.Index([2]),
        keys=None,
        freq=None,
        index_names=[None],
        target_names=["y"],
        covariates=[],
        past_covariates=[],
        loc=np.array([[loc]]),
        scale=np.array([[scale]]),
        constant=np.array([[False]]),
        log=np.array([True]),
        season=1,
        seasonal=np.array([False]),
        window_length=window_length,
        horizon=1,
    )


def test_the_past_window_is_logged_scaled_and_gaps_flagged():
    state = logged_series_state(loc=1.0, scale=2.0, window_length=3)
    past = scaled_past(state)[0].numpy()
    # log 1, then the gap filled with it, then log 3; minus 1, over 2
    np.testing.assert_allclose(past, [[0.0, 1.0], [0.0, 0.0], [1.0, 1.0]])


def test_update_s_columns_are_matched_by_name():
    state = dataclasses.replace(
        state_of(panel([10])), target_names=["y", "z"], log=np.array([True, False])
    )
    frame = pd.DataFrame({"z": [-1.0], "y": [2.0]})
    assert list(match_target_columns(state, frame).columns) == ["y", "z"]
    with pytest.raises(ValueError, match="target columns \\['w'\\]"):
        match_target_columns(state, pd.DataFrame({"w": [1.0], "y": [1.0]}).iloc[:, :1])


def test_a_series_silent_for_longer_than_its_window_keeps_its_last_observation():
    # b stops at 24.0 after 5 rows, then 12 of NaN: more than window + horizon
    y = panel([20, 17])
    y.loc["b", "y"] = np.r_[y.loc["b", "y"].to_numpy()[:5], np.full(12, np.nan)]
    state = state_of(y)
    cutoff = pd.PeriodIndex([y.index.get_level_values(-1).max()], freq="M")
    output, _ = decode(
        silent_network(), state, ForecastingHorizon([1, 2]), None, cutoff, "cpu", "32"
    )
    np.testing.assert_allclose(output[1, :, 0].numpy(), [24.0, 24.0])
    # the same when the silence arrives in update
    first = y.groupby(level=0).head(6)
    new = Collection.from_frames(y.drop(first.index), None, [], [])
    advanced, _, _ = advance(state_of(first), new)
    np.testing.assert_array_equal(advanced.recent, state.recent)


def test_a_gap_at_the_window_start_takes_the_observation_before_it():
    state = logged_series_state(loc=0.0, scale=1.0, window_length=2)
    past = scaled_past(state)[0].numpy()
    # as training fills it: log e carried forward, not log e**3 carried back
    np.testing.assert_allclose(past, [[1.0, 0.0], [3.0, 1.0]])


@pytest.mark.parametrize("horizon", [1, 2])
def test_the_carried_observation_is_never_read_as_observed(horizon):
    # 20 values, then 8 missing: the window holds none of them
    y = pd.Series(np.r_[np.arange(1.0, 21.0), np.full(8, np.nan)])
    params = dict(PARAMS, seasonal_period=None)
    state = forecast_state(prepare(y.to_frame(), None, horizon, params), [None])
    past = scaled_past(state)[0].numpy()
    assert past[:, 1].tolist() == [0.0] * 4  # every value filled, none observed
    # each the last value, 20, logged and scaled
    last = (np.log(20.0) - state.loc[0, 0]) / state.scale[0, 0]
    np.testing.assert_allclose(past[:, 0], last, rtol=1e-6)
    np.testing.assert_allclose(state.recent[0, 0, 0], 20.0)


def test_a_gap_reaching_back_past_the_kept_rows_takes_the_observation_before_it():
    # as training fills it over the whole series: 20.0, not the later 30.0
    y = pd.Series(np.r_[np.arange(1.0, 21.0), np.full(10, np.nan), [30.0, 31.0]])
    params = dict(PARAMS, seasonal_period=None)
    state = forecast_state(prepare(y.to_frame(), None, 2, params), [None])
    assert state.recent[0, 0, 0] == 20.0
    past = scaled_past(state)[0].numpy()
    filled = (np.log(20.0) - state.loc[0, 0]) / state.scale[0, 0]
    np.testing.assert_allclose(past[:2, 0], filled, rtol=1e-6)
    assert past[:, 1].tolist() == [0.0, 0.0, 1.0, 1.0]


def test_update_trains_on_a_gap_filled_with_the_observation_before_it():
    # 20 values, then 8 missing, then 100 and 101 arrive in update: the gap
    # before them is filled with 20, as in fit, never with the later 100
    y = pd.Series(np.r_[np.arange(1.0, 21.0), np.full(8, np.nan)])
    params = dict(PARAMS, seasonal_period=None)
    state = forecast_state(prepare(y.to_frame(), None, 2, params), [None])
    new = pd.Series([100.0, 101.0], index=[28, 29]).to_frame()
    _, combined, _ = advance(state, Collection.from_frames(new, None, [], []))
    values = combined.values.copy()
    fill_gaps(values, combined.lengths, 1)
    np.testing.assert_array_equal(values[:-2, 0], 20.0)


def test_an_fh_between_two_steps_is_refused_not_rounded_down():
    days = pd.date_range("2020-01-01", periods=40, freq="D")
    forecaster = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=5, random_state=0)
    forecaster.fit(pd.Series(np.sin(np.arange(40) / 3), days), fh=[1, 2])
    on_grid = forecaster.predict(fh=pd.DatetimeIndex(["2020-02-11"]))
    np.testing.assert_array_equal(on_grid, forecaster.predict(fh=[2]))
    for between in (
        pd.DatetimeIndex(["2020-02-10 18:00"]),  # was given step 1's value
        pd.to_timedelta(["36h"]),
        pd.to_timedelta(["12h"]),  # was said to reach into the data
    ):
        with pytest.raises(ValueError, match="no time point of the series' freq"):
            forecaster.predict(fh=between)


def test_a_timedelta_of_days_counts_on_the_wall_clock_across_a_dst_switch():
    # 2021-03-28 has 23 hours in Berlin: 48 hours after midnight of the
    # 27th is 01:00 of the 29th, which no daily time point is
    days = pd.date_range("2021-02-20", "2021-03-27", freq="D", tz="Europe/Berlin")
    forecaster = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=5, random_state=0)
    forecaster.fit(pd.Series(np.sin(np.arange(len(days)) / 3) + 2, days), fh=[1, 2])
    pd.testing.assert_series_equal(
        forecaster.predict(fh=pd.to_timedelta(["1D", "2D"])),
        forecaster.predict(fh=[1, 2]),
    )


def test_hours_across_a_dst_switch_count_elapsed_time_as_steps_do():
    # New York skips 02:00 on 2021-03-14: the third hour after 23:00 is 03:00,
    # where steps of fh=[1, 2, 3] land; time deltas and stamps name them alike
    hours = pd.date_range("2021-03-12", periods=48, freq="h", tz="America/New_York")
    forecaster = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=5, random_state=0)
    forecaster.fit(pd.Series(np.sin(np.arange(48) / 3) + 2, hours), fh=[1, 2, 3])
    steps = forecaster.predict(fh=[1, 2, 3])
    assert steps.index[-1] == pd.Timestamp("2021-03-14 03:00", tz="America/New_York")
    for fh in (
        pd.to_timedelta(["1h", "2h", "3h"]),
        ForecastingHorizon(steps.index, is_relative=False),
    ):
        pd.testing.assert_series_equal(forecaster.predict(fh=fh), steps)


MONTHS = pd.period_range("2000-01", periods=40, freq="M")
DAYS = pd.date_range("2020-01-01", periods=40, freq="D")


@pytest.mark.parametrize(
    ("index", "fh", "message"),
    [
        (MONTHS, pd.PeriodIndex(["2003-06"], freq="Q"), "periods of frequency Q-DEC"),
        (MONTHS, pd.DatetimeIndex(["2003-06-30"]), "time stamps without a time zone"),
        (MONTHS, pd.to_timedelta(["31D"]), "time spans, but the data's time points"),
        (DAYS, pd.PeriodIndex(["2020-02-10"], freq="D"), "periods of frequency D, but"),
        (DAYS, pd.DatetimeIndex(["2020-02-10"], tz="UTC"), "with a time zone, but"),
        (pd.RangeIndex(40), pd.DatetimeIndex(["2020-02-10"]), "are integers"),
        (MONTHS, np.array([np.timedelta64(1, "D")]), "time spans, but"),
        (pd.RangeIndex(40), [pd.Timedelta("1D")], "time spans, but"),
        (DAYS, ForecastingHorizon([40], is_relative=False), "fh holds integers"),
    ],
    ids=[
        "quarters-for-months",
        "dates-for-months",
        "spans-for-months",
        "periods-for-dates",
        "zone-for-none",
        "dates-for-integers",
        "array-of-spans-for-months",
        "list-of-spans-for-integers",
        "integers-for-dates",
    ],
)
@pytest.mark.parametrize("where", ["fit", "predict"])
def test_an_fh_of_another_kind_of_time_point_is_refused_in_words(
    index, fh, message, where
):
    # sktime's own checks are bare asserts, a pandas TypeError, or (a time
    # zone against none) a wrong count of steps that blames the frequency
    y = pd.Series(np.arange(40.0) + 1, index)
    forecaster = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=5, random_state=0)
    if where == "fit":
        with pytest.raises(ValueError, match=message):
            forecaster.fit(y, fh=fh)
        return
    forecaster.fit(y, fh=[1, 2])
    with pytest.raises(ValueError, match=message):
        forecaster.predict(fh=fh)
    assert list(forecaster.fh) == [1, 2]  # the refused fh is not kept


def test_a_refused_fh_leaves_update_predict_single_s_forecaster_as_it_was():
    # sktime moves the cutoff to the new rows' end before it checks the fh
    y = pd.Series(np.arange(40.0) + 1, DAYS)
    forecaster = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=5, random_state=0)
    forecaster.fit(y[:35], fh=[1, 2])
    before = forecaster.predict()
    with pytest.raises(ValueError, match="fh holds periods of frequency D"):
        forecaster.update_predict_single(
            y[35:], fh=pd.period_range("2020-02-10", periods=2, freq="D")
        )
    assert forecaster.cutoff[0] == DAYS[34]
    pd.testing.assert_series_equal(forecaster.predict(), before)


def test_update_predict_single_is_update_then_predict():
    # the independent path: the two calls; sktime's moved the cutoff back to
    # a lagging series' end, and gave a single series' forecasts as frames
    rng = np.random.default_rng(0)
    a, b = (pd.Series(10 + rng.normal(size=40)) for _ in range(2))
    panel = pd.concat({"a": a, "b": b[:36]}).to_frame("v")
    lagging = pd.concat({"b": b[36:38]}).to_frame("v")
    for fitted, new in ((panel, lagging), (a[:36], a[36:38])):
        one = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=5, random_state=0)
        two = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=5, random_state=0)
        forecast = one.fit(fitted, fh=[1, 2]).update_predict_single(new)
        expected = two.fit(fitted, fh=[1, 2]).update(new).predict()
        assert one.cutoff.equals(two.cutoff)
        for given, wanted in ((forecast, expected), (one.predict(), two.predict())):
            assert type(given) is type(wanted)
            pd.testing.assert_frame_equal(pd.DataFrame(given), pd.DataFrame(wanted))


def test_the_data_s_own_kind_of_fh_is_taken():
    # the independent path: the same steps given as steps ahead
    berlin = pd.date_range("2020-01-01", periods=40, freq="D", tz="Europe/Berlin")
    for index, fh in (
        (MONTHS, pd.PeriodIndex(["2003-05", "2003-06"], freq="M")),
        (DAYS, pd.DatetimeIndex(["2020-02-10", "2020-02-11"])),
        (DAYS, pd.to_timedelta(["1D", "2D"])),
        (DAYS, [pd.Timedelta("1D"), pd.Timedelta("2D")]),
        (berlin, berlin[-1] + pd.to_timedelta(["1D", "2D"])),
        (pd.RangeIndex(40), ForecastingHorizon([40, 41], is_relative=False)),
    ):
        y = pd.Series(np.arange(40.0) + 1, index)
        forecaster = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=5, random_state=0)
        steps = forecaster.fit(y, fh=[1, 2]).predict()
        given = forecaster.predict(fh=fh)
        pd.testing.assert_series_equal(given, steps, check_freq=False)
