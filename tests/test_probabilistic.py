"""Prediction intervals: calibrated, ordered, and through sktime's API."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sktime.datasets import load_airline

from skseq2seq import Seq2SeqLSTMForecaster

TINY = {"hidden_size": 8, "num_epochs": 3, "random_state": 0}


def ar1(n=3000, phi=0.6, seed=1):
    """An AR(1) process with unit Gaussian noise."""
    noise = np.random.default_rng(seed).normal(size=n)
    values = np.zeros(n)
    for t in range(1, n):
        values[t] = phi * values[t - 1] + noise[t]
    return pd.Series(values)


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["gaussian", "quantile"])
def test_intervals_are_calibrated_on_held_out_data(loss):
    # fit on 2,500 points, then forecast 5 steps from each of 100 origins in
    # the last 500, counting how often the truth falls inside the intervals
    y, split, horizon = ar1(), 2500, 5
    forecaster = Seq2SeqLSTMForecaster(
        loss=loss,
        window_length=20,
        hidden_size=16,
        num_epochs=10,
        batch_size=64,
        lr=3e-3,
        random_state=0,
    )
    forecaster.fit(y[:split], fh=np.arange(1, horizon + 1))
    inside = {0.8: [], 0.95: []}
    for start in range(split, len(y) - horizon + 1, horizon):
        if start > split:
            forecaster.update(y[start - horizon : start], update_params=False)
        intervals = forecaster.predict_interval(coverage=[0.8, 0.95])
        truth = y[start : start + horizon].to_numpy()
        for coverage, hits in inside.items():
            lower = intervals[(0, coverage, "lower")].to_numpy()
            upper = intervals[(0, coverage, "upper")].to_numpy()
            hits.extend((lower <= truth) & (truth <= upper))
    # measured here: 81.0% and 95.8% (gaussian), 81.6% and 96.2% (quantile)
    for coverage, hits in inside.items():
        assert len(hits) == 500
        assert abs(np.mean(hits) - coverage) <= 0.05, (coverage, np.mean(hits))


@pytest.fixture(scope="module", params=["gaussian", "quantile"])
def probabilistic(request):
    return Seq2SeqLSTMForecaster(**TINY, loss=request.param).fit(
        load_airline(), fh=[1, 2, 3]
    )


def test_quantiles_do_not_cross(probabilistic):
    alpha = [0.01, 0.03, 0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.97, 0.99]
    quantiles = probabilistic.predict_quantiles(fh=[1, 2, 3], alpha=alpha)
    assert list(quantiles.columns.get_level_values(1)) == alpha
    assert (np.diff(quantiles.to_numpy(), axis=1) >= 0).all()


def test_the_median_is_the_point_forecast(probabilistic):
    median = probabilistic.predict_quantiles(fh=[1, 2, 3], alpha=[0.5])
    np.testing.assert_allclose(
        median.to_numpy()[:, 0], probabilistic.predict(fh=[1, 2, 3]).to_numpy()
    )


def test_intervals_nest(probabilistic):
    intervals = probabilistic.predict_interval(fh=[1, 2, 3], coverage=[0.5, 0.9])
    name = intervals.columns.get_level_values(0)[0]
    assert (intervals[(name, 0.9, "lower")] <= intervals[(name, 0.5, "lower")]).all()
    assert (intervals[(name, 0.9, "upper")] >= intervals[(name, 0.5, "upper")]).all()


def test_variance_is_positive_and_matches_the_interval_width(probabilistic):
    variance = probabilistic.predict_var(fh=[1, 2, 3]).iloc[:, 0]
    assert (variance > 0).all()
    if probabilistic.loss == "gaussian":
        interval = probabilistic.predict_interval(fh=[1, 2, 3], coverage=0.95)
        lower, upper = interval.iloc[:, 0], interval.iloc[:, 1]
        if probabilistic.log_targets_.any():
            # a log-normal: the log's 95% interval is 2 x 1.96 of its spread,
            # which the variance gives back with the median (mean of the logs)
            median = probabilistic.predict(fh=[1, 2, 3]).to_numpy().ravel()
            ratio = variance.to_numpy() / median**2
            growth = (1 + np.sqrt(1 + 4 * ratio)) / 2  # exp(s^2)
            log_width = np.log(upper.to_numpy() / lower.to_numpy())
            expected = 2 * 1.959964 * np.sqrt(np.log(growth))
            np.testing.assert_allclose(log_width, expected, rtol=1e-5)
        else:  # a 95% normal interval is 2 x 1.96 standard deviations wide
            np.testing.assert_allclose(
                upper - lower, 2 * 1.959964 * np.sqrt(variance), rtol=1e-5
            )
    else:  # the normal of the same interquartile range: 2 x 0.6745 spreads
        quartiles = probabilistic.predict_quantiles(fh=[1, 2, 3], alpha=[0.25, 0.75])
        iqr = quartiles.iloc[:, 1].to_numpy() - quartiles.iloc[:, 0].to_numpy()
        np.testing.assert_allclose(
            variance.to_numpy(), (iqr / (2 * 0.6744897501960817)) ** 2, rtol=1e-6
        )


def test_predict_proba_gives_the_heads_distribution(probabilistic):
    fh = [1, 2, 3]
    distribution = probabilistic.predict_proba(fh=fh)
    point = probabilistic.predict(fh=fh).to_frame().to_numpy()
    variance = probabilistic.predict_var(fh=fh).to_numpy()
    np.testing.assert_allclose(distribution.var().to_numpy(), variance, rtol=1e-8)
    assert (variance > 0).all()
    if probabilistic.loss == "quantile":
        # sktime's normal with the median and the quartiles' spread
        np.testing.assert_allclose(distribution.mean().to_numpy(), point)
        return
    # the airline is positive: a log-normal, the quantiles predict_quantiles
    # gives, no mass below 0, and a mean above its median, the point forecast
    assert probabilistic.log_targets_.all()
    alpha = [0.05, 0.5, 0.95]
    np.testing.assert_allclose(
        distribution.quantile(alpha).to_numpy(),
        probabilistic.predict_quantiles(fh=fh, alpha=alpha).to_numpy(),
        rtol=1e-8,
    )
    zero = pd.DataFrame(0.0, distribution.index, distribution.columns)
    assert (distribution.cdf(zero).to_numpy() == 0).all()
    assert (distribution.mean().to_numpy() > point).all()


def test_predict_proba_refuses_to_mix_normal_and_log_normal_targets():
    y = pd.DataFrame(
        {"positive": np.exp(np.sin(np.arange(60.0))), "signed": np.sin(np.arange(60.0))}
    )
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="gaussian").fit(y, fh=[1])
    assert forecaster.log_targets_.tolist() == [True, False]
    with pytest.raises(NotImplementedError, match=r"\['positive'\] are on the log"):
        forecaster.predict_proba()
    forecaster.predict_quantiles()  # which give each target its own


def test_a_wide_normal_beside_a_log_normal_overflows_nothing():
    # each target's formula alone: the log-normal's exp() of a signed
    # target's wide spread overflowed, warned, and was then discarded
    t = np.arange(60.0)
    y = pd.DataFrame({"positive": np.exp(np.sin(t / 3)), "signed": 1e4 * np.sin(t)})
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="gaussian").fit(y, fh=[1, 2])
    assert forecaster.log_targets_.tolist() == [True, False]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        variance = forecaster.predict_var()
        interval = forecaster.predict_interval(coverage=0.95)
    median = forecaster.predict()
    lower, upper = (interval.xs(end, axis=1, level=2) for end in ("lower", "upper"))
    lower, upper = lower.droplevel(1, axis=1), upper.droplevel(1, axis=1)
    z = 1.959963984540054
    spread = (upper["signed"] - lower["signed"]) / (2 * z)  # a normal's
    np.testing.assert_allclose(variance["signed"], spread**2, rtol=1e-6)
    assert (spread > 1000).all()  # wide enough that exp(spread**2) overflows
    log_spread = np.log(upper["positive"] / lower["positive"]) / (2 * z)
    log_normal = (
        median["positive"] ** 2 * np.exp(log_spread**2) * np.expm1(log_spread**2)
    )
    np.testing.assert_allclose(variance["positive"], log_normal, rtol=1e-5)


def test_a_median_level_off_by_float_noise_is_the_median():
    levels = np.linspace(0.05, 0.95, 19)  # levels[9] is 0.49999999999999994
    assert levels[9] != 0.5
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="quantile", quantiles=levels)
    forecaster.fit(load_airline(), fh=[1, 2])
    quantiles = forecaster.predict_quantiles(alpha=levels.tolist())
    np.testing.assert_allclose(
        quantiles.iloc[:, 9].to_numpy(), forecaster.predict().to_numpy()
    )
    assert (np.diff(quantiles.to_numpy(), axis=1) > 0).all()


def test_quantiles_beyond_the_learned_levels_are_refused():
    forecaster = Seq2SeqLSTMForecaster(
        **TINY, loss="quantile", quantiles=(0.1, 0.5, 0.9)
    )
    forecaster.fit(load_airline(), fh=[1])
    with pytest.raises(ValueError, match="beyond the learned quantiles"):
        forecaster.predict_quantiles(alpha=[0.05])
    # coverage 0.9 asks for 0.05 and 0.95, which float noise made 0.0500...04
    with pytest.raises(ValueError, match=r"levels \[0.05, 0.95\] .* coverage"):
        forecaster.predict_interval(coverage=0.9)


@pytest.mark.parametrize("loss", ["gaussian", "quantile"])
def test_no_level_asked_gives_no_column(loss):
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss=loss).fit(load_airline(), fh=[1])
    assert forecaster.predict_quantiles(alpha=[]).shape == (1, 0)
    assert forecaster.predict_interval(coverage=[]).shape == (1, 0)


@pytest.mark.parametrize(
    "quantiles",
    [
        (0.1, 0.9),
        (0.5, 0.3, 0.9),
        (0.0, 0.5, 1.0),
        0.5,
        "0.5",
        {0.1, 0.5, 0.9},
        iter([0.1, 0.5, 0.9]),
    ],
)
def test_invalid_quantile_levels(quantiles):
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="quantile", quantiles=quantiles)
    with pytest.raises(ValueError, match="quantiles must be increasing"):
        forecaster.fit(load_airline(), fh=[1])


def test_an_fh_into_the_data_is_refused_in_words_for_the_series():
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="gaussian")
    forecaster.fit(load_airline(), fh=[1, 2])
    match = r"fh \[-1, 1\] reaches into the data; .* Pass an fh after the cutoff"
    with pytest.raises(NotImplementedError, match=match):
        forecaster.predict_interval(fh=[-1, 1])


def test_point_loss_has_no_intervals():
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(load_airline(), fh=[1])
    assert not forecaster.get_tag("capability:pred_int")
    with pytest.raises(NotImplementedError):
        forecaster.predict_interval()


def test_the_tag_follows_set_params():
    forecaster = Seq2SeqLSTMForecaster(loss="gaussian")
    assert forecaster.get_tag("capability:pred_int")
    assert not forecaster.set_params(loss="mse").get_tag("capability:pred_int")


def test_panel_intervals_for_every_series():
    index = pd.MultiIndex.from_product([["a", "b"], range(60)])
    y = pd.DataFrame({"y": np.sin(np.arange(120) / 3)}, index=index)
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="gaussian").fit(y, fh=[1, 2])
    intervals = forecaster.predict_interval(coverage=0.9)
    assert intervals.index.tolist() == [("a", 60), ("a", 61), ("b", 60), ("b", 61)]
    # each series' own normal: its point forecast -+ 1.645 of its own deviation
    point = forecaster.predict()["y"].to_numpy()
    deviation = np.sqrt(forecaster.predict_var()["y"].to_numpy())
    z = 1.6448536269514722
    np.testing.assert_allclose(intervals.iloc[:, 0], point - z * deviation, rtol=1e-6)
    np.testing.assert_allclose(intervals.iloc[:, 1], point + z * deviation, rtol=1e-6)
    assert not np.allclose(point[:2], point[2:])  # two series, two forecasts


def test_a_constant_column_has_no_spread():
    y = pd.DataFrame({"wave": np.sin(np.arange(60) / 3), "flat": 5.0})
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="gaussian").fit(y, fh=[1, 2])
    assert (forecaster.predict_var()["flat"] == 0).all()
    interval = forecaster.predict_interval(coverage=0.9)
    assert (interval["flat"].to_numpy() == 5.0).all()


@pytest.mark.parametrize("loss", ["gaussian", "quantile"])
def test_a_constant_column_s_distribution_is_a_point_mass_not_nan(loss):
    # signed data: the normal, not the log-normal, whose spread was floored
    y = pd.DataFrame({"wave": np.sin(np.arange(60) / 3), "flat": -5.0})
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss=loss).fit(y, fh=[1, 2])
    distribution = forecaster.predict_proba()
    truth = pd.DataFrame(
        {"wave": [0.0, 0.0], "flat": [-5.0, -5.0]}, index=distribution.index
    )
    assert np.isfinite(distribution.log_pdf(truth).to_numpy()).all()
    np.testing.assert_array_equal(distribution.cdf(truth)["flat"], 0.5)
    np.testing.assert_array_equal(
        distribution.cdf(truth + 1e-9)["flat"], 1.0
    )  # all the mass at -5
    np.testing.assert_array_equal(distribution.mean()["flat"], -5.0)


@pytest.mark.parametrize("loss", ["gaussian", "quantile"])
def test_the_normal_is_sktime_s_normal_of_predict_and_predict_var(loss):
    from skpro.distributions import Normal

    y = pd.Series(np.sin(np.arange(80) / 3))  # signed: not on the log scale
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss=loss).fit(y, fh=[1, 2, 3])
    mean = forecaster.predict().to_frame()
    sigma = np.sqrt(forecaster.predict_var())
    expected = Normal(mu=mean, sigma=sigma, index=mean.index, columns=mean.columns)
    distribution = forecaster.predict_proba()
    alpha = [0.1, 0.5, 0.9]
    pd.testing.assert_frame_equal(
        distribution.quantile(alpha), expected.quantile(alpha), check_exact=False
    )


def test_safe_format_keeps_the_distribution(tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="quantile").fit(
        load_airline(), fh=[1, 2]
    )
    restored = Seq2SeqLSTMForecaster.load_safe(forecaster.save_safe(tmp_path / "m"))
    pd.testing.assert_frame_equal(
        restored.predict_interval(coverage=0.8),
        forecaster.predict_interval(coverage=0.8),
    )


def test_a_single_median_quantile():
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="quantile", quantiles=[0.5])
    forecaster.fit(load_airline(), fh=[1, 2])
    median = forecaster.predict_quantiles(alpha=[0.5]).to_numpy().ravel()
    np.testing.assert_allclose(median, forecaster.predict().to_numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interval_levels_compare_with_a_tolerance(dtype):
    # coverage 0.8 asks for 1 - 0.9 = 0.09999999999999998, not quite 0.1
    quantiles = tuple(np.array([0.1, 0.5, 0.9], dtype=dtype))
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="quantile", quantiles=quantiles)
    forecaster.fit(load_airline(), fh=[1, 2])
    interval = forecaster.predict_interval(coverage=0.8).to_numpy()
    learned = forecaster.predict_quantiles(alpha=[0.1, 0.9]).to_numpy()
    np.testing.assert_allclose(interval, learned)


def test_variance_needs_the_quartiles_and_says_so():
    y = pd.Series(np.sin(np.arange(40) / 3) + 2)
    forecaster = Seq2SeqLSTMForecaster(
        hidden_size=4, max_steps=2, loss="quantile", quantiles=(0.5,)
    ).fit(y, fh=[1])
    with pytest.raises(ValueError, match="quartiles, 0.25 and 0.75.*\\[0.5\\]"):
        forecaster.predict_var()


@pytest.mark.parametrize("panel", [False, True], ids=["series", "panel"])
def test_forecasts_keep_the_name_of_y_s_column_axis(tmp_path, panel):
    # the independent path: sktime's own forecaster given the same frame
    from sktime.forecasting.theta import ThetaForecaster

    y = load_airline()
    frame = pd.DataFrame({"b": y.to_numpy(), "a": 2 * y.to_numpy()}, index=y.index)
    frame = frame.rename_axis(columns="variable")
    if panel:
        frame = pd.concat({"one": frame, "two": frame * 3}, names=["series"])
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="gaussian").fit(frame, fh=[1, 2])
    loaded = Seq2SeqLSTMForecaster.load_safe(forecaster.save_safe(tmp_path / "m"))
    theta = ThetaForecaster(sp=12).fit(frame, fh=[1, 2])
    for method in ["predict", "predict_interval", "predict_quantiles", "predict_var"]:
        expected = getattr(theta, method)().columns
        for model in (forecaster, loaded):
            columns = getattr(model, method)().columns
            assert columns.names == expected.names, method
            assert columns.equals(expected), method
