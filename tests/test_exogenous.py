"""Exogenous X: covariates known ahead feed the decoder, past ones the encoder."""

import re

import numpy as np
import pandas as pd
import pytest
from sktime.datasets import load_airline
from sktime.forecasting.compose import ForecastingPipeline
from sktime.transformations.series.date import DateTimeFeatures
from sktime.transformations.series.fourier import FourierFeatures

from skseq2seq import Seq2SeqLSTMForecaster

SETTINGS = {"num_epochs": 20, "window_length": 10, "random_state": 0}


@pytest.fixture(scope="module")
def driven():
    """y driven by a white-noise x: unforecastable from its own past alone."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    noise = 0.1 * rng.normal(size=300)
    X = pd.DataFrame({"x": x})
    now = pd.Series(2 * x + noise)  # y_t = 2 x_t
    lagged = pd.Series(np.r_[0.0, 2 * x[:-1]] + noise)  # y_t = 2 x_(t-1)
    return X, now, lagged


def rmse(prediction, truth):
    return float(np.sqrt(np.mean((np.asarray(prediction) - np.asarray(truth)) ** 2)))


def test_known_ahead_covariates_drive_the_decoder(driven):
    X, y, _ = driven
    fh = np.arange(1, 11)
    with_x = Seq2SeqLSTMForecaster(**SETTINGS).fit(y[:290], X=X[:290], fh=fh)
    without = Seq2SeqLSTMForecaster(**SETTINGS).fit(y[:290], fh=fh)
    assert with_x.covariates_ == ["x"] and with_x.past_covariates_ == []
    error_with = rmse(with_x.predict(X=X[290:]), y[290:])
    error_without = rmse(without.predict(), y[290:])
    # y's own spread is 2; reading x at each step, 0.15 is reached here
    assert error_without > 1.5
    assert error_with < 0.4


def test_past_covariates_feed_only_the_encoder(driven):
    X, _, y = driven
    errors = {}
    for past in (["x"], None):
        forecaster = Seq2SeqLSTMForecaster(**SETTINGS, past_covariates=past)
        forecaster.fit(y[:280], X=X[:280] if past else None, fh=[1])
        predictions = []
        for t in range(280, 290):
            # no X over the horizon: past-only covariates are not needed there
            predictions.append(forecaster.predict().iloc[0])
            forecaster.update(
                y[t : t + 1], X=X[t : t + 1] if past else None, update_params=False
            )
        errors[bool(past)] = rmse(predictions, y[280:290])
    assert forecaster.network_.decoder.input_size == 1  # the target only
    assert errors[False] > 1.0 and errors[True] < 0.5


def test_mixed_covariates_sizes_the_network(driven):
    X, y, _ = driven
    X = X.assign(known=np.arange(300.0), past=np.cos(np.arange(300.0)))
    forecaster = Seq2SeqLSTMForecaster(
        hidden_size=4, num_epochs=1, past_covariates=["past"], random_state=0
    ).fit(y[:290], X=X[:290], fh=[1, 2])
    assert forecaster.covariates_ == ["x", "known"]
    assert forecaster.past_covariates_ == ["past"]
    # y, x, known, past, and whether y was observed
    assert forecaster.network_.encoder.input_size == 5
    assert forecaster.network_.decoder.input_size == 3  # y, x, known
    # X over the horizon needs only the known-ahead columns
    assert len(forecaster.predict(X=X[290:292][["x", "known"]])) == 2


@pytest.mark.parametrize("names", [pd.Index(["past"]), np.array(["past"]), ("past",)])
def test_past_covariates_may_be_any_sequence_of_names(driven, names):
    X, y, _ = driven
    X = X.assign(past=np.cos(np.arange(300.0)))
    settings = {"hidden_size": 4, "max_steps": 5, "random_state": 0}
    as_list = Seq2SeqLSTMForecaster(past_covariates=["past"], **settings)
    other = Seq2SeqLSTMForecaster(past_covariates=names, **settings)
    pd.testing.assert_series_equal(
        other.fit(y[:290], X=X[:290], fh=[1]).predict(X=X[290:291][["x"]]),
        as_list.fit(y[:290], X=X[:290], fh=[1]).predict(X=X[290:291][["x"]]),
    )


def test_past_covariates_in_a_set_are_refused_having_no_order(driven):
    X, y, _ = driven
    forecaster = Seq2SeqLSTMForecaster(past_covariates={"x"}, max_steps=5)
    with pytest.raises(ValueError, match="past_covariates must be a list"):
        forecaster.fit(y, X=X, fh=[1])


@pytest.mark.parametrize("panel", [False, True], ids=["series", "panel"])
def test_fit_needs_x_at_every_time_point_of_y_and_says_so(panel):
    # for a single series sktime's own check said only that "indices of
    # series 0 are not contained in index of series 0"
    times = pd.period_range("2000-01", periods=40, freq="M")
    y = pd.Series(np.sin(np.arange(40.0)), index=times)
    X = pd.DataFrame({"x": np.arange(40.0)}, index=times)
    if panel:
        y, X = pd.concat({"a": y, "b": y}), pd.concat({"a": X, "b": X})
    times_of = X.index.get_level_values(-1)
    per_series = 2 if panel else 1
    for kept, lacking in ((times_of < times[-5], 5), (times_of >= times[20], 20)):
        first = list(y.index[~kept][:3])
        more = per_series * lacking - 3
        message = f"X has no rows for {first} and {more} more. X needs a row"
        with pytest.raises(ValueError, match=re.escape(message)):
            Seq2SeqLSTMForecaster(hidden_size=4, max_steps=2).fit(y, X=X[kept], fh=[1])


class TestPredictNeedsX:
    @pytest.fixture(scope="class")
    @classmethod
    def fitted(cls, driven):
        X, y, _ = driven
        forecaster = Seq2SeqLSTMForecaster(hidden_size=4, num_epochs=1, random_state=0)
        return forecaster.fit(y[:290], X=X[:290], fh=[1, 2, 3])

    def test_missing_x(self, fitted):
        with pytest.raises(ValueError, match=r"fitted with X columns \['x'\]"):
            fitted.predict()

    def test_x_with_other_columns(self, fitted, driven):
        X = driven[0].rename(columns={"x": "z"})
        with pytest.raises(ValueError, match=r"lacks the columns \['x'\]"):
            fitted.predict(X=X[290:])

    def test_x_only_at_the_steps_of_a_gappy_fh(self, fitted, driven):
        X = driven[0]
        with pytest.raises(ValueError, match=r"no rows for \[290\]. The decoder"):
            fitted.predict(fh=[2, 3], X=X.loc[[291, 292]])

    def test_x_covering_every_step_serves_a_gappy_fh(self, fitted, driven):
        X = driven[0]
        full = fitted.predict(fh=[1, 2, 3], X=X[290:293])
        gappy = fitted.predict(fh=[1, 3], X=X[290:293])
        pd.testing.assert_series_equal(gappy, full.iloc[[0, 2]])

    @pytest.mark.parametrize("method", ["predict", "predict_interval"])
    def test_a_refused_fh_is_not_kept_for_the_next_predict(self, driven, method):
        X, y, _ = driven
        forecaster = Seq2SeqLSTMForecaster(
            hidden_size=4, max_steps=3, random_state=0, loss="gaussian"
        ).fit(y[:290], X=X[:290], fh=[1, 2, 3])
        with pytest.raises(ValueError, match=r"no rows for \[295\]"):
            getattr(forecaster, method)(fh=[1, 2, 3, 4, 5, 6], X=X[290:295])
        assert list(forecaster.fh) == [1, 2, 3]
        assert len(forecaster.predict(X=X[290:295])) == 3

    def test_x_with_no_columns(self, driven):
        X, y, _ = driven
        with pytest.raises(ValueError, match="X has no columns. .* or X=None"):
            Seq2SeqLSTMForecaster(num_epochs=1).fit(y, X=X[[]], fh=[1])

    def test_x_of_a_panel_needs_its_series_levels(self, fitted, driven):
        X = driven[0]
        panel_X = pd.concat({"a": X, "b": X}, names=["series", None])
        with pytest.raises(ValueError, match="X's index has 2 level.*y's has 1"):
            fitted.predict(X=panel_X)
        y = driven[1].to_frame("y")
        panel_y = pd.concat({"a": y, "b": y}, names=["series", None])
        flat = X  # shared by both series, but given once
        with pytest.raises(ValueError, match="X's index has 1 level.*y's has 2"):
            Seq2SeqLSTMForecaster(num_epochs=1).fit(panel_y, X=flat, fh=[1])

    def test_a_past_covariate_named_twice(self, driven):
        X, y, _ = driven
        forecaster = Seq2SeqLSTMForecaster(past_covariates=["x", "x"], num_epochs=1)
        with pytest.raises(ValueError, match=r"names \['x'\] more than once"):
            forecaster.fit(y, X=X, fh=[1])

    def test_past_covariate_not_in_x(self, driven):
        X, y, _ = driven
        forecaster = Seq2SeqLSTMForecaster(past_covariates=["nope"], num_epochs=1)
        with pytest.raises(ValueError, match=r"past_covariates names \['nope'\]"):
            forecaster.fit(y, X=X, fh=[1])


def test_predict_checks_only_the_covariates_it_reads(driven):
    X, y, _ = driven
    X = X.assign(past=np.cos(np.arange(300.0)))
    forecaster = Seq2SeqLSTMForecaster(
        hidden_size=4, max_steps=5, past_covariates=["past"], random_state=0
    ).fit(y[:290], X=X[:290], fh=[1, 2])
    expected = forecaster.predict(X=X[290:])
    # the past-only column, rows beyond fh, a column fit never had: not read
    unread = X[290:].assign(past=np.nan, note="text")
    unread.iloc[5, 0] = np.nan
    pd.testing.assert_series_equal(forecaster.predict(X=unread), expected)
    unread.iloc[1, 0] = np.nan  # read at the second step
    with pytest.raises(ValueError, match="X has 1 missing"):
        forecaster.predict(X=unread)


def test_fit_and_update_check_only_the_rows_and_columns_they_read(driven):
    X, y, _ = driven
    X = X.assign(past=np.cos(np.arange(300.0)))
    settings = {"hidden_size": 4, "max_steps": 5, "random_state": 0}
    forecaster = Seq2SeqLSTMForecaster(past_covariates=["past"], **settings)
    expected = forecaster.fit(y[:280], X=X[:280], fh=[1, 2]).predict(X=X[280:])
    # rows after y's, where a past covariate is not known yet: not read
    later = X.assign(past=np.where(np.arange(300) < 280, X["past"], np.nan))
    refit = Seq2SeqLSTMForecaster(past_covariates=["past"], **settings)
    pd.testing.assert_series_equal(
        refit.fit(y[:280], X=later, fh=[1, 2]).predict(X=X[280:]), expected
    )
    updated = forecaster.update(y[280:290], X=X[280:290], update_params=False)
    expected = updated.predict(X=X[290:])
    # nor a column fit never had, nor the rows after the new ones
    unread = X.assign(note="text", past=np.where(np.arange(300) < 290, X["past"], 0))
    unread.loc[295:, "past"] = np.nan
    refit.update(y[280:290], X=unread, update_params=False)
    pd.testing.assert_series_equal(refit.predict(X=X[290:]), expected)
    read = X.assign(past=np.nan)  # at the new rows
    with pytest.raises(ValueError, match="X has 10 missing"):
        Seq2SeqLSTMForecaster(past_covariates=["past"], **settings).fit(
            y[:280], X=X[:280], fh=[1]
        ).update(y[280:290], X=read[:290], update_params=False)


def test_an_update_reading_nothing_of_x_checks_none_of_it(driven):
    X, y, _ = driven
    settings = {"hidden_size": 4, "max_steps": 5, "random_state": 0}
    unread = pd.DataFrame({"b": np.nan}, index=X.index[280:290])
    plain = Seq2SeqLSTMForecaster(**settings).fit(y[:280], fh=[1])
    plain.update(y[280:290], update_params=False)
    expected = plain.predict()
    again = Seq2SeqLSTMForecaster(**settings).fit(y[:280], fh=[1])
    again.update(y[280:290], X=unread, update_params=False)
    pd.testing.assert_series_equal(again.predict(), expected)
    # what fit read is missing: said by name, not the unread column's NaN
    read = Seq2SeqLSTMForecaster(**settings).fit(y[:280], X=X[:280], fh=[1])
    with pytest.raises(ValueError, match=r"X lacks the columns \['x'\]"):
        read.update(y[280:290], X=unread, update_params=False)


@pytest.mark.parametrize(
    "features",
    [
        FourierFeatures(
            sp_list=[12], fourier_terms_list=[2], keep_original_columns=False
        ),
        DateTimeFeatures(
            ts_freq="M", feature_scope="minimal", keep_original_columns=False
        ),
    ],
    ids=["fourier", "calendar"],
)
def test_pipeline_with_calendar_covariates(features):
    y = load_airline()
    # an X spanning the training data and the year ahead, for the
    # transformer to turn into calendar terms
    X = pd.DataFrame(
        {"placeholder": 0.0}, index=pd.period_range("1949-01", "1961-12", freq="M")
    )
    pipeline = ForecastingPipeline(
        [
            ("features", features),
            ("forecaster", Seq2SeqLSTMForecaster(num_epochs=3, random_state=0)),
        ]
    )
    pipeline.fit(y, X=X.loc[y.index], fh=np.arange(1, 13))
    prediction = pipeline.predict(X=X.loc["1961-01":])
    assert prediction.index.equals(X.loc["1961-01":].index)
    assert np.isfinite(prediction).all()
    forecaster = pipeline.forecaster_
    assert len(forecaster.covariates_) >= 2
    assert "placeholder" not in forecaster.covariates_


def test_a_covariate_constant_up_to_round_off_is_read_as_a_constant_one():
    # at a level of 1e20 round-off is about 1e6; divided by 1 it read as signal
    rng = np.random.default_rng(0)
    y = pd.Series(np.sin(np.arange(60) / 3) + rng.normal(0, 0.1, 60))
    forecasts = []
    for x in (np.full(63, 1e20), 1e20 + 1e5 * np.arange(63)):
        X = pd.DataFrame({"x": x})
        forecaster = Seq2SeqLSTMForecaster(**SETTINGS).fit(y, X=X.iloc[:60], fh=[1, 2])
        forecasts.append(forecaster.predict(X=X.iloc[60:]).to_numpy())
    np.testing.assert_allclose(forecasts[1], forecasts[0], atol=1e-6)
