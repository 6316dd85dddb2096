import numpy as np
import pandas as pd
import pytest

from skseq2seq import Seq2SeqLSTMForecaster
from skseq2seq._scaling import (
    check_positive,
    choose_log_targets,
    exp_targets,
    fit_scaler,
    fit_scaling,
    is_constant,
    log_targets,
    pooled_change,
    scale,
    scale_series,
    series_moments,
)


def test_fit_scaler_per_series_and_constant_column():
    values = np.array([[1.0, 7.0], [3.0, 7.0], [10.0, 7.0], [20.0, 7.0]])
    loc, scale = fit_scaler(values, [2, 2])
    np.testing.assert_allclose(loc, [[2.0, 7.0], [15.0, 7.0]])
    np.testing.assert_allclose(scale, [[1.0, 1.0], [5.0, 1.0]])
    scaled = scale_series(values, [2, 2], loc, scale)
    np.testing.assert_allclose(scaled, [[-1, 0], [1, 0], [-1, 0], [1, 0]])


def test_fit_scaler_large_constant_is_constant_and_scales_to_about_zero():
    values = np.full((5, 1), 1e9) + np.array([[0], [1e-7], [0], [0], [0]])
    loc, spread = fit_scaler(values, [5])
    assert spread[0, 0] == 1e3  # a millionth of its level: round-off stays tiny
    # at a level of 1e20, round-off of 1e6 divided by 1 would read as signal
    values = 1e20 + 1e6 * np.arange(20.0)[:, None]
    loc, spread = fit_scaler(values, [20])
    assert np.abs(scale_series(values, [20], loc, spread)).max() < 1e-6


def test_fit_scaler_takes_a_long_series_statistics_from_its_last_rows():
    rng = np.random.default_rng(0)
    trending = 0.5 * np.arange(50.0) + rng.normal(size=50)
    trending[45] = np.nan  # a gap in the last rows is left out
    short = rng.normal(size=10)
    values = np.concatenate([trending, short])[:, None]
    loc, scale = fit_scaler(values, [50, 10], last=20)
    recent = trending[-20:]
    np.testing.assert_allclose(loc[:, 0], [np.nanmean(recent), short.mean()])
    np.testing.assert_allclose(scale[:, 0], [np.nanstd(recent), short.std()])


@pytest.mark.parametrize("tail", [7.0, np.nan])
def test_fit_scaler_falls_back_to_the_whole_series_for_a_flat_or_empty_tail(tail):
    values = np.concatenate([np.arange(30.0), np.full(20, tail)])[:, None]
    loc, scale = fit_scaler(values, [50], last=20)
    whole = values[~np.isnan(values)]
    np.testing.assert_allclose([loc[0, 0], scale[0, 0]], [whole.mean(), whole.std()])


def test_fit_scaler_global_pools_every_series():
    values = np.array([[0.0], [2.0], [10.0], [12.0]])
    loc, scale = fit_scaler(values, [2, 2], scaling="global")
    np.testing.assert_allclose(loc, [[6.0], [6.0]])
    np.testing.assert_allclose(scale, [[np.std([0, 2, 10, 12])]] * 2)


def test_fit_scaler_none_leaves_values_as_they_are():
    loc, scale = fit_scaler(np.arange(6.0).reshape(3, 2), [1, 2], scaling=None)
    np.testing.assert_array_equal(loc, np.zeros((2, 2)))
    np.testing.assert_array_equal(scale, np.ones((2, 2)))


def test_pooled_change_skips_series_boundaries_and_gaps():
    values = np.array([[1.0], [2.0], [np.nan], [100.0], [104.0]])
    # changes 1 (first series) and 4 (second); the jump 2 -> 100 is none
    np.testing.assert_array_equal(pooled_change(values, [3, 2]), [2.5])
    np.testing.assert_array_equal(pooled_change(np.ones((4, 1)), [4]), [1.0])


def test_log_targets_round_trip_and_refuse_non_positive_values():
    values = np.array([[1.0, -3.0], [100.0, 2.0]])
    log = choose_log_targets(values, 2, "auto")
    np.testing.assert_array_equal(log, [True, False])
    logged = log_targets(values, log)
    np.testing.assert_allclose(exp_targets(logged[None], log, axis=2)[0], values)
    assert values[1, 0] == 100.0  # the input is left as it was
    with pytest.raises(ValueError, match="target_transform='auto'"):
        choose_log_targets(values, 2, "log")
    with pytest.raises(ValueError, match=r"zero or negative values in target"):
        log_targets(np.array([[0.0, 1.0]]), log)
    check_positive(np.array([[-1.0, -1.0]]), np.array([False, False]))  # no log
    # only the column that holds them is named, by name where given
    both = np.array([True, True])
    with pytest.raises(ValueError, match=r"target column\(s\) \['visits'\], "):
        log_targets(np.array([[1.0, -1.0]]), both, columns=["sales", "visits"])
    assert not choose_log_targets(values, 2, None).any()


def test_auto_scaling_divides_log_targets_by_the_pooled_change_only():
    values = np.log(np.array([[1.0, 5.0], [2.0, 7.0], [8.0, 9.0], [16.0, 3.0]]))
    values[:, 1] = np.exp(values[:, 1])  # the second column is not logged
    log = np.array([True, False])
    loc, spread = fit_scaling(values, [2, 2], log, "auto")
    # the log column: each series' own level, the change pooled over both
    np.testing.assert_allclose(loc[:, 0], [np.log(2) / 2, np.log(128) / 2])
    np.testing.assert_allclose(spread[:, 0], np.log(2))
    # the other column: each series' own standardisation
    plain_loc, plain_spread = fit_scaler(values, [2, 2])
    np.testing.assert_array_equal(loc[:, 1], plain_loc[:, 1])
    np.testing.assert_array_equal(spread[:, 1], plain_spread[:, 1])


def test_pretraining_units_are_kept():
    values = np.log(np.arange(1.0, 7.0))[:, None]
    log = np.array([True])
    kept = {"loc": np.full((1, 1), 5.0), "scale": np.full((1, 1), 7.0)}
    loc, spread = fit_scaling(values, [3, 3], log, "global", pretrained=kept)
    np.testing.assert_array_equal(loc, 5.0)
    np.testing.assert_array_equal(spread, 7.0)
    _, spread = fit_scaling(values, [3, 3], log, "auto", {**kept, "log_scale": 0.5})
    np.testing.assert_array_equal(spread, 0.5)


def test_the_graph_s_log_and_scale_are_predict_s():
    import torch

    values = np.array([[[2.0, -1.0], [3.0, 4.0]]])
    log = np.array([True, False])
    loc, spread = np.array([0.5, 1.0]), np.array([2.0, 4.0])
    numpy_path = scale(log_targets(values, log), loc, spread)
    torch_path = scale(
        log_targets(torch.tensor(values), torch.tensor(log)),
        torch.tensor(loc),
        torch.tensor(spread),
    )
    np.testing.assert_array_equal(torch_path.numpy(), numpy_path)


@pytest.mark.parametrize("magnitude", [1e160, 1e-200])
def test_forecasts_scale_with_data_too_large_or_small_to_square(magnitude):
    # not all positive, so standardised rather than logged: squaring 1e160
    # overflows float64 and squaring 1e-200 underflows it
    t = np.arange(48)
    noise = 0.1 * np.random.default_rng(0).normal(size=48)
    values = np.sin(2 * np.pi * t / 12) + noise
    index = pd.period_range("2000-01", periods=48, freq="M")

    def forecast(scale):
        y = pd.Series(values * scale, index=index)
        forecaster = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=5, random_state=0)
        return forecaster.fit(y, fh=[1, 2]).predict().to_numpy(), forecaster

    unit, _ = forecast(1.0)
    scaled, forecaster = forecast(magnitude)
    assert forecaster.seasonal_period_ == 12
    np.testing.assert_allclose(scaled / magnitude, unit, rtol=1e-6)


def test_only_round_off_is_constant_even_over_a_million_rows():
    # a long sum leaves the mean some 1e-12 of itself off: not a spread
    long_constant = np.full((1_000_000, 1), 0.1)
    assert is_constant(*series_moments(long_constant, [1_000_000])).all()
    # a trend of 1 a step at 1e12: float64 resolves it, so it is not constant
    trend = 1e12 + np.arange(40.0)[:, None]
    assert not is_constant(*series_moments(trend, [40])).any()


def test_a_trend_far_from_zero_is_forecast_as_near_it():
    index = pd.period_range("2020-01", periods=40, freq="M")
    steps = pd.Series(np.arange(40.0), index=index)
    params = {"hidden_size": 8, "max_steps": 50, "random_state": 0}
    params["target_transform"] = None  # the same standardised values either way
    far = Seq2SeqLSTMForecaster(**params).fit(1e12 + steps, fh=[1, 2, 3])
    near = Seq2SeqLSTMForecaster(**params).fit(1e3 + steps, fh=[1, 2, 3])
    np.testing.assert_allclose(
        far.predict() - 1e12, near.predict() - 1e3, rtol=0, atol=1e-2
    )


@pytest.mark.parametrize("scaling", ["series", "global"])
def test_a_trend_far_from_zero_on_the_log_scale_is_a_trend(scaling):
    # its log varies by 2e-12 around 30: within round-off of the log's level,
    # but not of 1, and the data's own rule (not constant) is what predict
    # holds to; judged by the level it was divided by 1, and the untrained
    # head's small output read as a change of percents of 1e13
    y = pd.Series(1e13 + np.arange(80.0))
    params = {"hidden_size": 4, "max_steps": 20, "random_state": 0}
    fitted = Seq2SeqLSTMForecaster(**params, scaling=scaling).fit(y, fh=[1, 2, 3])
    np.testing.assert_allclose(fitted.scale_scale_, np.log(y).std(), rtol=0.02)
    assert (abs(fitted.predict() - y.iloc[-1]) < 10).all()
    flat = Seq2SeqLSTMForecaster(**params, scaling=scaling).fit(y * 0 + 1e13, fh=[1])
    assert flat.scale_scale_.ravel().tolist() == [1.0]  # constant stays constant
    assert (flat.predict() == 1e13).all()
