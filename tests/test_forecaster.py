import copy
import datetime
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.base import load
from sktime.datasets import load_airline
from sktime.exceptions import NotFittedError
from sktime.forecasting.base import ForecastingHorizon

from skseq2seq import Seq2SeqLSTMForecaster, __version__, _device
from skseq2seq import forecaster as forecaster_module
from skseq2seq._scaling import SCALE_ROWS, scale_series

TINY = {"hidden_size": 8, "num_epochs": 3, "random_state": 0}
#: standardised per series, no log: what independent paths below rebuild
PLAIN_SCALE = {"target_transform": None, "scaling": "series"}


def sine(n, period=20, phase=0.0):
    return pd.Series(np.sin(2 * np.pi * np.arange(n) / period + phase))


@pytest.fixture(scope="module")
def airline():
    return load_airline()


@pytest.fixture(scope="module")
def fitted(airline):
    return Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[1, 2, 3])


def test_version_is_exported():
    assert __version__.count(".") == 2


@pytest.mark.slow
def test_learns_a_sine_wave():
    # 12 periods of a noise-free sine; forecast the next whole period. Seeds
    # 0-2 give an RMSE of 0.010-0.021 on the CPU. The bound, a tenth of the
    # amplitude, leaves room for other platforms yet is 7x below the error
    # of repeating the last value (about 0.71 over a period): a model that
    # did not learn the wave cannot pass.
    y = sine(260)
    train, test = y.iloc[:240], y.iloc[240:]
    forecaster = Seq2SeqLSTMForecaster(random_state=0)
    forecaster.fit(train, fh=np.arange(1, 21))
    rmse = np.sqrt(np.mean((forecaster.predict() - test) ** 2))
    assert rmse < 0.1


def test_same_random_state_gives_identical_predictions(airline):
    first = Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[1, 2, 3]).predict()
    second = Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[1, 2, 3]).predict()
    pd.testing.assert_series_equal(first, second, check_exact=True)
    other = Seq2SeqLSTMForecaster(**{**TINY, "random_state": 1})
    assert not np.allclose(other.fit(airline, fh=[1, 2, 3]).predict(), first)


def test_a_random_state_instance_is_drawn_from_as_in_scikit_learn(airline):
    def fit_predict(random_state):
        params = {**TINY, "random_state": random_state}
        return Seq2SeqLSTMForecaster(**params).fit(airline, fh=[1, 2]).predict()

    shared = np.random.RandomState(5)
    first, second = fit_predict(shared), fit_predict(shared)
    assert not np.allclose(first, second)  # the first fit advanced it
    pd.testing.assert_series_equal(
        fit_predict(np.random.RandomState(5)), first, check_exact=True
    )


def test_the_context_decoder_ignores_the_training_strategy(airline):
    def fit_predict(**params):
        forecaster = Seq2SeqLSTMForecaster(**TINY, decoder_input="context", **params)
        return forecaster.fit(airline, fh=[1, 2]).predict()

    recursive = fit_predict(training_strategy="recursive")
    for params in [
        {"training_strategy": "mixed", "teacher_forcing_ratio": 0.3},
        {"training_strategy": "teacher_forcing"},
    ]:
        pd.testing.assert_series_equal(fit_predict(**params), recursive)


@pytest.mark.parametrize(
    "params",
    [
        {"training_strategy": "mixed", "teacher_forcing_ratio": 0.5},
        {"decoder_input": "context", "num_layers": 2, "dropout": 0.3},
    ],
)
def test_randomised_paths_are_reproducible(airline, params):
    # coins and dropout draw from torch's RNG: seeded, they repeat exactly
    def fit_predict():
        forecaster = Seq2SeqLSTMForecaster(**TINY, **params)
        return forecaster.fit(airline, fh=[1, 2]).predict()

    pd.testing.assert_series_equal(fit_predict(), fit_predict(), check_exact=True)


def test_torch_and_numpy_global_rng_untouched(airline):
    torch.manual_seed(5)
    np.random.seed(5)
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()[1]
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[1, 2])
    forecaster.predict()
    forecaster.update(airline.iloc[-3:] * 0 + 400, update_params=True)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)


def test_multivariate_forecasts_every_column_together():
    t = np.linspace(0, 12 * np.pi, 240)
    y = pd.DataFrame({"sin": np.sin(t), "cos": 3 + 2 * np.cos(t)})
    forecaster = Seq2SeqLSTMForecaster(num_epochs=40, random_state=0)
    forecaster.fit(y.iloc[:-10], fh=np.arange(1, 11))
    prediction = forecaster.predict()
    assert list(prediction.columns) == ["sin", "cos"]
    assert prediction.index.equals(y.index[-10:])
    assert forecaster.network_.head.linear.out_features == 2
    error = (prediction - y.iloc[-10:]).abs().mean()
    # each column lands within a fifth of its amplitude (1 and 2)
    assert error["sin"] < 0.2 and error["cos"] < 0.4


def test_forecasts_are_float64(fitted):
    assert fitted.predict().dtype == np.float64


def test_constant_column_is_forecast_as_its_value():
    y = pd.DataFrame({"wave": sine(60).to_numpy(), "flat": 5.0})
    prediction = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 2, 3]).predict()
    assert (prediction["flat"] == 5.0).all()
    assert np.isfinite(prediction["wave"]).all()


def test_user_data_is_not_modified(airline):
    y = airline.copy()
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])
    forecaster.predict()
    new = pd.Series(
        [500.0, 510.0], index=pd.period_range("1961-01", periods=2, freq="M")
    )
    forecaster.update(new, update_params=True)
    pd.testing.assert_series_equal(y, airline)
    assert new.tolist() == [500.0, 510.0]


class TestHorizons:
    """Every form of fh gives the rows of one recursive decode."""

    def test_a_panel_without_a_frequency_takes_dates_and_time_deltas(self):
        # a time level built from tuples has no freq: sktime's cutoff neither
        days = pd.date_range("2024-01-01", periods=30, freq="D")
        index = pd.MultiIndex.from_tuples([(k, t) for k in "ab" for t in days])
        y = pd.DataFrame({"v": np.arange(60.0) + 1}, index)
        fitted = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 2, 3])
        expected = fitted.predict(fh=[1, 2, 3]).iloc[[0, 2, 3, 5]]
        dates = ForecastingHorizon(
            pd.DatetimeIndex(["2024-01-31", "2024-02-02"]), is_relative=False
        )
        pd.testing.assert_frame_equal(fitted.predict(fh=dates), expected)
        deltas = pd.to_timedelta([1, 3], unit="D")
        pd.testing.assert_frame_equal(fitted.predict(fh=deltas), expected)
        on_dates = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=dates)
        pd.testing.assert_frame_equal(on_dates.predict(), expected)

    def test_time_stamps_in_another_zone_are_counted_on_fits_clock(self):
        hours = pd.date_range("2024-06-01", periods=40, freq="h", tz="Europe/Berlin")
        y = sine(40).set_axis(hours)
        steps = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 2, 3, 4]).predict()
        in_utc = ForecastingHorizon(
            steps.index[[1, 3]].tz_convert("UTC"), is_relative=False
        )
        expected = steps.iloc[[1, 3]]
        fitted = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 2, 3, 4])
        for forecast in (
            fitted.predict(fh=in_utc),
            Seq2SeqLSTMForecaster(**TINY).fit(y, fh=in_utc).predict(),
        ):
            pd.testing.assert_series_equal(forecast, expected, check_freq=False)

    def test_relative_contiguous(self, fitted, airline):
        prediction = fitted.predict(fh=[1, 2, 3])
        assert prediction.index.equals(pd.period_range("1961-01", periods=3, freq="M"))

    def test_non_contiguous_are_rows_of_the_full_decode(self, fitted):
        full = fitted.predict(fh=[1, 2, 3, 4, 5])
        pd.testing.assert_series_equal(fitted.predict(fh=[2, 5]), full.iloc[[1, 4]])

    def test_absolute_equals_relative(self, fitted):
        absolute = ForecastingHorizon(
            pd.PeriodIndex(["1961-02", "1961-04"], freq="M"), is_relative=False
        )
        pd.testing.assert_series_equal(
            fitted.predict(fh=absolute), fitted.predict(fh=[2, 4])
        )

    def test_longer_than_trained_decodes_further(self, fitted):
        # decoding is causal: the first steps do not depend on how far it goes
        long = fitted.predict(fh=np.arange(1, 25))
        assert len(long) == 24 and np.isfinite(long).all()
        pd.testing.assert_series_equal(long.iloc[:3], fitted.predict(fh=[1, 2, 3]))

    def test_integer_index_absolute(self):
        y = sine(50)
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 2])
        prediction = forecaster.predict(
            fh=ForecastingHorizon([51, 52], is_relative=False)
        )
        assert prediction.index.tolist() == [51, 52]

    def test_datetime_index(self):
        y = sine(50)
        y.index = pd.date_range("2020-01-01", periods=50, freq="D")
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 3])
        assert forecaster.predict().index.equals(
            pd.DatetimeIndex(["2020-02-20", "2020-02-22"])
        )

    def test_fh_given_only_at_predict(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline)
        assert forecaster.horizon_ == forecaster.window_length_ // 2
        assert len(forecaster.predict(fh=[1, 2, 3, 4])) == 4

    def test_training_horizon_is_the_furthest_step_of_fit_fh(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[2, 7])
        assert forecaster.horizon_ == 7

    def test_in_sample_fh_is_refused(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[1])
        with pytest.raises(NotImplementedError, match="in-sample"):
            forecaster.predict(fh=[-1, 0, 1])


class TestWindowLength:
    def test_default_adapts_to_a_short_series(self):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(sine(6), fh=[1, 2, 3, 4, 5])
        assert (forecaster.window_length_, forecaster.horizon_) == (1, 5)
        assert len(forecaster.predict()) == 5

    def test_explicit_window_is_honoured(self, airline):
        forecaster = Seq2SeqLSTMForecaster(window_length=7, **TINY)
        assert forecaster.fit(airline, fh=[1]).window_length_ == 7

    def test_an_explicit_window_longer_than_the_series_is_padded(self):
        y = sine(20)
        forecaster = Seq2SeqLSTMForecaster(
            window_length=30, seasonal_period=None, **TINY
        )
        with pytest.warns(UserWarning, match="reads 10 missing values") as warned:
            forecaster.fit(y, fh=[1, 2, 3])
        assert warned.pop(UserWarning).filename == __file__  # the user's line
        assert forecaster.window_length_ == 30
        # by hand: 10 unobserved steps in front, filled with the first value
        loc, spread = forecaster.scale_loc_[0, 0], forecaster.scale_scale_[0, 0]
        values = np.r_[np.full(10, y.iloc[0]), y.to_numpy()]
        observed = np.r_[np.zeros(10), np.ones(20)]
        past = np.stack([(values - loc) / spread, observed], -1)[None]
        with torch.no_grad():
            output = forecaster.network_(torch.tensor(past, dtype=torch.float32), 3)
        expected = loc + spread * output[0, :, 0].double().numpy()
        np.testing.assert_allclose(forecaster.predict().to_numpy(), expected, rtol=1e-6)


class TestUpdate:
    def test_without_params_forecasts_from_the_new_data(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, **PLAIN_SCALE)
        forecaster.fit(airline.iloc[:-12], fh=[1, 2])
        weights = copy.deepcopy(forecaster.network_.state_dict())
        forecaster.update(airline.iloc[-12:], update_params=False)
        for name, tensor in forecaster.network_.state_dict().items():
            assert torch.equal(tensor, weights[name])
        assert forecaster.cutoff[0] == airline.index[-1]
        # what the unchanged network makes of the last window of the new data
        window = airline.to_numpy()[-forecaster.window_length_ :, None]
        past = scale_series(
            window, [len(window)], forecaster.scale_loc_, forecaster.scale_scale_
        )
        # every value observed: availability 1; the series shows its season
        assert forecaster.seasonal_series_.tolist() == [True]
        past = np.concatenate([past, np.ones_like(past), np.ones_like(past)], axis=1)
        past = torch.tensor(past[None], dtype=torch.float32, device=forecaster.device_)
        with torch.no_grad():
            scaled = forecaster.network_(past, 2)[0].double().cpu().numpy()
        expected = scaled * forecaster.scale_scale_ + forecaster.scale_loc_
        np.testing.assert_allclose(forecaster.predict().to_numpy(), expected[:, 0])

    def test_with_params_trains_on_the_new_data(self, airline, monkeypatch):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline.iloc[:-12], fh=[1, 2])
        weights = copy.deepcopy(forecaster.network_.state_dict())
        trained_on, train = [], forecaster_module.train_on_series

        def spy(data, *args, **kwargs):
            trained_on.append(data.values.copy())
            return train(data, *args, **kwargs)

        monkeypatch.setattr(forecaster_module, "train_on_series", spy)
        forecaster.update(airline.iloc[-12:], update_params=True)
        # the last rows trained on are the new ones, on the log scale
        np.testing.assert_allclose(
            trained_on[0][-12:, 0], np.log(airline.to_numpy()[-12:])
        )
        changed = [
            not torch.equal(t, weights[n])
            for n, t in forecaster.network_.state_dict().items()
        ]
        assert all(changed)
        assert len(forecaster.history_) == 2 * TINY["num_epochs"]

    def test_with_params_and_too_little_data_only_moves_on(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline.iloc[:-1], fh=[1, 2])
        forecaster.update(airline.iloc[-1:], update_params=True)
        # the last window and horizon (24 + 2) reach back before the new point,
        # so there is one window to train on
        assert len(forecaster.history_) == 2 * TINY["num_epochs"]


class TestPersistence:
    def test_pickle_round_trip(self, fitted):
        restored = pickle.loads(pickle.dumps(fitted))
        pd.testing.assert_series_equal(
            restored.predict(fh=[1, 2, 3]),
            fitted.predict(fh=[1, 2, 3]),
            check_exact=True,
        )

    def test_deepcopy(self, fitted):
        pd.testing.assert_series_equal(
            copy.deepcopy(fitted).predict(fh=[1, 2]),
            fitted.predict(fh=[1, 2]),
            check_exact=True,
        )

    def test_sktime_save_and_load(self, fitted, tmp_path):
        fitted.save(tmp_path / "model")  # writes model.zip
        restored = load(str(tmp_path / "model"))
        pd.testing.assert_series_equal(
            restored.predict(fh=[1, 2, 3]),
            fitted.predict(fh=[1, 2, 3]),
            check_exact=True,
        )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("cell_type", "rnn", "cell_type must be one of"),
        ("decoder_input", "zeros", "decoder_input must be one of"),
        ("training_strategy", "forcing", "training_strategy must be one of"),
        ("hidden_size", 0, "hidden_size must be an integer of at least 1"),
        ("num_layers", -1, "num_layers must be an integer"),
        ("num_epochs", 2.5, "num_epochs must be an integer"),
        ("batch_size", 0, "batch_size must be an integer of at least 1"),
        ("window_length", 0, "window_length must be an integer"),
        ("dropout", 1.0, r"dropout must be a number in \[0.0, 1.0\)"),
        ("teacher_forcing_ratio", 1.5, "teacher_forcing_ratio must be a number"),
        ("teacher_forcing_ratio", -0.1, "teacher_forcing_ratio must be a number"),
        ("teacher_forcing_decay", -1, "teacher_forcing_decay must be a number"),
        ("lr", 0, "lr must be a number in"),
        ("lr", float("inf"), r"lr must be a number in \(0.0, inf\)"),
        ("weight_decay", -1e-3, "weight_decay must be a number"),
        (
            "weight_decay",
            float("inf"),
            r"weight_decay must be a number in \[0.0, inf\)",
        ),
        ("random_state", -1, r"random_state must be None, an integer in \[0, 2\*\*32"),
        ("random_state", 2**40, "random_state must be None, an integer"),
        ("random_state", 0.5, "random_state must be None, an integer"),
        ("past_covariates", 5, r"list of X's column names .* pass \[5\]"),
        ("past_covariates", {"x": 1}, "past_covariates must be a list of X's col"),
        ("optimizer", "Adamm", "optimizer must be a torch.optim class"),
        ("optimizer", torch.nn.Linear, "optimizer must be a torch.optim class"),
        ("lr_scheduler", "StepLRR", "lr_scheduler must be a torch.optim.lr_sch"),
        ("lr_scheduler", "LRScheduler", "lr_scheduler must be a torch.optim.lr_"),
        ("optimizer", "Optimizer", "optimizer must be a torch.optim class"),
        ("optimizer_kwargs", [1], "optimizer_kwargs must be a dict of keyword"),
        ("lr_scheduler_kwargs", "gamma", "lr_scheduler_kwargs must be a dict"),
        ("validation_size", 1.0, r"validation_size must be a number in \(0.0, 1.0\)"),
        ("validation_size", 0, "validation_size must be an integer of at least 1"),
        ("patience", 0, "patience must be an integer of at least 1"),
        ("gradient_clip", 0.0, "gradient_clip must be a number in"),
        ("target_transform", "sqrt", "target_transform must be one of"),
        ("scaling", "changes", "scaling must be one of"),
        ("loss", "l1", "loss must be one of"),
        ("verbose", "False", "verbose must be a bool or an integer"),
    ],
)
def test_invalid_parameters_are_reported_at_fit(airline, name, value, message):
    forecaster = Seq2SeqLSTMForecaster(**{**TINY, name: value})  # no error yet
    assert getattr(forecaster, name) is value
    with pytest.raises(ValueError, match=message):
        forecaster.fit(airline, fh=[1])


def test_dropout_with_one_layer_warns_that_it_does_nothing(airline):
    with pytest.warns(UserWarning, match="dropout=0.5 has no effect with num_la"):
        Seq2SeqLSTMForecaster(**TINY, dropout=0.5).fit(airline, fh=[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # between two layers it acts
        Seq2SeqLSTMForecaster(**TINY, dropout=0.5, num_layers=2).fit(airline, fh=[1])


def test_optimizer_kwargs_of_a_bad_value_name_the_parameter(airline):
    forecaster = Seq2SeqLSTMForecaster(
        **TINY, optimizer="SGD", optimizer_kwargs={"nesterov": True}
    )
    with pytest.raises(ValueError, match="optimizer_kwargs do not suit SGD: Nest"):
        forecaster.fit(airline, fh=[1])


def test_optimizer_by_class_or_name(airline):
    by_name = Seq2SeqLSTMForecaster(**TINY, optimizer="SGD").fit(airline, fh=[1])
    by_class = Seq2SeqLSTMForecaster(**TINY, optimizer=torch.optim.SGD)
    by_class.fit(airline, fh=[1])
    adam = Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[1])
    pd.testing.assert_series_equal(by_name.predict(), by_class.predict())
    assert not np.allclose(by_name.predict(), adam.predict())


def test_fitted_attributes_only_after_fit(airline):
    forecaster = Seq2SeqLSTMForecaster(**TINY)
    fitted_names = [
        "network_",
        "history_",
        "device_",
        "window_length_",
        "horizon_",
        "scale_loc_",
        "scale_scale_",
    ]
    assert not any(hasattr(forecaster, name) for name in fitted_names)
    forecaster.fit(airline, fh=[1])
    assert all(hasattr(forecaster, name) for name in fitted_names)
    assert list(forecaster.history_.columns) == [
        "epoch",
        "steps",
        "train_loss",
        "valid_loss",
        "monitored_loss",
        "lr",
        "seconds",
    ]
    assert not forecaster.network_.training


def test_verbose_shows_a_progress_bar_with_the_loss(airline, capsys):
    Seq2SeqLSTMForecaster(**{**TINY, "verbose": True}).fit(airline, fh=[1])
    shown = capsys.readouterr().err
    assert f"{TINY['num_epochs']}/{TINY['num_epochs']}" in shown
    assert "train_loss=" in shown


def test_quiet_by_default(airline, capsys):
    Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[1])
    assert capsys.readouterr() == ("", "")


class TestTrainingControls:
    def test_validation_holds_out_the_last_windows(self, airline, monkeypatch):
        from skseq2seq import _training as module

        seen = {}
        real_split = module.split_windows

        def spy(lengths, window_length, horizon, validation_size):
            seen["split"] = real_split(lengths, window_length, horizon, validation_size)
            return seen["split"]

        monkeypatch.setattr(module, "split_windows", spy)
        forecaster = Seq2SeqLSTMForecaster(**TINY, validation_size=0.25)
        forecaster.fit(airline, fh=[1, 2, 3])
        train, valid = seen["split"]
        # windows end at every point, so 144 + 2 - 24 - 3 + 1 = 120: the last
        # 30 are validated, and the 2 before them dropped for overlapping
        np.testing.assert_array_equal(valid, np.arange(90, 120))
        np.testing.assert_array_equal(train, np.arange(0, 88))
        assert forecaster.history_["valid_loss"].notna().all()

    def test_patience_restores_the_best_epoch(self, airline):
        forecaster = Seq2SeqLSTMForecaster(
            **{**TINY, "num_epochs": 60},
            validation_size=12,
            patience=3,
            lr=0.05,
            **PLAIN_SCALE,
        ).fit(airline, fh=[1, 2, 3])
        history = forecaster.history_
        best = history["valid_loss"].idxmin()
        # stopped three epochs after the best, or ran out of epochs
        assert len(history) in (best + 4, 60)
        # the kept weights are the best epoch's: scoring them again gives it
        from skseq2seq._training import evaluate
        from skseq2seq._windows import (
            WindowSet,
            fill_gaps,
            pad_series_ends,
            split_windows,
        )

        values = airline.to_numpy()[:, None]
        scaled = scale_series(
            values, [144], forecaster.scale_loc_, forecaster.scale_scale_
        )
        # windows end at every point: two missing targets after the series
        padded, lengths = pad_series_ends(scaled, [144], 2, 1)
        observed = torch.from_numpy(fill_gaps(padded, lengths, 1))
        _, valid = split_windows(lengths, forecaster.window_length_, 3, 12)
        assert forecaster.seasonal_series_.tolist() == [True]
        windows = WindowSet(
            torch.tensor(padded, dtype=torch.float32),
            valid,
            forecaster.window_length_,
            3,
            1,
            observed=observed,
            season_flags=torch.ones(len(padded)),
        )
        score = evaluate(forecaster.network_, windows, 32, forecaster.device_)
        assert score == pytest.approx(history["valid_loss"][best], rel=1e-5)

    def test_lr_scheduler_by_name(self, airline):
        forecaster = Seq2SeqLSTMForecaster(
            **{**TINY, "num_epochs": 4},
            lr=1e-3,
            lr_scheduler="StepLR",
            lr_scheduler_kwargs={"step_size": 2, "gamma": 0.1},
        ).fit(airline, fh=[1])
        np.testing.assert_allclose(forecaster.history_["lr"], [1e-3, 1e-3, 1e-4, 1e-4])
        # a plateau: stepped with the monitored loss, named as any other
        plateau = Seq2SeqLSTMForecaster(**TINY, lr_scheduler="ReduceLROnPlateau")
        assert len(plateau.fit(airline, fh=[1]).history_) == TINY["num_epochs"]

    def test_a_scheduler_stepped_past_its_end_says_it_counts_epochs(self, airline):
        forecaster = Seq2SeqLSTMForecaster(
            **{**TINY, "num_epochs": 4},
            lr_scheduler="OneCycleLR",
            lr_scheduler_kwargs={"max_lr": 0.01, "total_steps": 2},
        )
        with pytest.raises(ValueError, match="OneCycleLR refused a step.* per epoch"):
            forecaster.fit(airline, fh=[1])
        enough = forecaster.set_params(
            lr_scheduler_kwargs={"max_lr": 0.01, "total_steps": 4}
        )
        assert len(enough.fit(airline, fh=[1]).history_) == 4

    def test_the_default_schedule_decays_to_zero_over_the_budget(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[1])
        lr = forecaster.history_["lr"].to_numpy()  # at the start of each epoch
        steps = forecaster.history_["steps"].to_numpy()
        planned = steps[-1]
        started = np.concatenate([[0], steps[:-1]])
        expected = 3e-3 * 0.5 * (1 + np.cos(np.pi * started / planned))
        np.testing.assert_allclose(lr, expected, rtol=1e-6)
        constant = Seq2SeqLSTMForecaster(**TINY, lr_scheduler=None).fit(airline, fh=[1])
        assert (constant.history_["lr"] == 3e-3).all()

    def test_a_diverging_loss_leaves_the_forecaster_unfitted(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, optimizer="SGD", lr=1e30)
        with pytest.raises(FloatingPointError, match="Try a lower lr"):
            forecaster.fit(airline, fh=[1])
        assert not forecaster.is_fitted
        assert not hasattr(forecaster, "network_")
        with pytest.raises(NotFittedError):
            forecaster.predict(fh=[1])

    def test_gradient_clip_tames_the_same_lr(self, airline):
        clipped = Seq2SeqLSTMForecaster(
            **TINY, optimizer="SGD", lr=1e30, gradient_clip=1e-32
        )
        assert np.isfinite(clipped.fit(airline, fh=[1]).predict()).all()

    def test_interrupt_leaves_a_usable_forecaster(self, airline, monkeypatch):
        from skseq2seq import _training

        real_epoch = _training._train_epoch
        calls = []

        def interrupted_on_third(*args):
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return real_epoch(*args)

        monkeypatch.setattr(_training, "_train_epoch", interrupted_on_third)
        forecaster = Seq2SeqLSTMForecaster(**{**TINY, "num_epochs": 10})
        with pytest.warns(UserWarning, match="interrupted after 2 epoch") as warned:
            forecaster.fit(airline, fh=[1, 2])
        assert warned.pop(UserWarning).filename == __file__  # the user's line
        assert forecaster.is_fitted and len(forecaster.history_) == 2
        assert np.isfinite(forecaster.predict()).all()

    def test_loss_curve_plots_from_history(self, airline):
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("Agg")
        forecaster = Seq2SeqLSTMForecaster(**TINY, validation_size=0.2)
        forecaster.fit(airline, fh=[1])
        axes = forecaster.history_.plot(x="epoch", y=["train_loss", "valid_loss"])
        assert [line.get_label() for line in axes.get_lines()] == [
            "train_loss",
            "valid_loss",
        ]
        assert len(axes.get_lines()[1].get_ydata()) == TINY["num_epochs"]


class TestBadInput:
    """Each bad input gets a clear error naming the problem and the fix."""

    @pytest.mark.parametrize(
        ("bad", "kind", "message"),
        [
            (np.inf, ValueError, "1 infinite value"),
            (-np.inf, ValueError, "clip them"),
        ],
    )
    def test_non_finite_y(self, bad, kind, message):
        y = sine(40)
        y.iloc[5] = bad
        original = y.copy()
        with pytest.raises(kind, match=message):
            Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])
        pd.testing.assert_series_equal(y, original)

    @pytest.mark.parametrize(
        "values",
        [
            np.arange(40.0) + 1j,  # numpy drops the imaginary part, warning
            np.arange(40).astype("m8[D]"),  # read as numbers of days
            np.arange(40.0).astype(object),  # sktime reads nested series
        ],
        ids=["complex", "time-spans", "objects"],
    )
    def test_arrays_of_anything_but_real_numbers(self, values):
        def refused(name):
            message = f"{name} must hold real numbers; its dtype is {values.dtype}."
            return pytest.raises(TypeError, match=re.escape(message))

        with refused("y"):
            Seq2SeqLSTMForecaster(**TINY).fit(values, fh=[1])
        with refused("X"):
            Seq2SeqLSTMForecaster(**TINY).fit(np.arange(40.0), X=values, fh=[1])
        # the fix named for numbers kept as objects
        if values.dtype == object:
            Seq2SeqLSTMForecaster(**TINY).fit(values.astype(float), fh=[1])

    @pytest.mark.parametrize(
        ("index", "message"),
        [
            (pd.timedelta_range(0, periods=40, freq="h"), "time spans .*pd.Timestamp"),
            ([f"t{i}" for i in range(40)], "strings, such as t0.*pd.to_datetime"),
            (np.arange(40) / 2, "dtype float64.*number the rows"),
        ],
        ids=["time-spans", "strings", "floats"],
    )
    def test_time_points_no_step_can_be_counted_from(self, index, message):
        # sktime fits time spans and fails inside pandas at predict; strings
        # (out of order as text) were told to sort, which sktime then refuses
        y = pd.Series(np.arange(40.0), index=index)
        panel = pd.concat({"a": y, "b": y})
        for data, where in ((y, "y's index"), (panel, "the last level of y's")):
            with pytest.raises(TypeError, match=message) as refused:
                Seq2SeqLSTMForecaster(**TINY).fit(data, fh=[1])
            assert where in str(refused.value)

    @pytest.mark.parametrize(
        ("spoil", "message"),
        [
            (lambda y: y.where(y.index != 5, np.inf), "1 infinite value.* index 5"),
            (lambda y: y.iloc[::-1], "out of order"),
        ],
    )
    def test_fit_predict_checks_the_data_as_fit_does(self, spoil, message):
        # sktime's fit_predict fits without calling fit
        y = spoil(sine(40))
        with pytest.raises(ValueError, match=message):
            Seq2SeqLSTMForecaster(**TINY).fit_predict(y, fh=[1])
        with pytest.raises(ValueError, match=message):
            Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])
        expected = Seq2SeqLSTMForecaster(**TINY).fit(sine(40), fh=[1, 2]).predict()
        pd.testing.assert_series_equal(
            Seq2SeqLSTMForecaster(**TINY).fit_predict(sine(40), fh=[1, 2]), expected
        )

    @pytest.mark.parametrize(
        ("spoil", "message"),
        [
            (lambda X: pd.concat([X, X.iloc[:1]]), "X has 1 repeated time point"),
            (lambda X: X.iloc[::-1], "X's time points are out of order"),
        ],
        ids=["repeated", "backwards"],
    )
    def test_predict_names_what_is_wrong_with_the_time_points_of_x(
        self, spoil, message
    ):
        # sktime's own refusal: "unsupported input data type"
        X = pd.DataFrame({"x": np.arange(45.0)})
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(sine(40), X=X[:40], fh=[1])
        with pytest.raises(ValueError, match=message):
            forecaster.predict(fh=[1, 2, 3], X=spoil(X[40:43]))
        assert forecaster.predict(X=X[40:41]).index.tolist() == [40]  # fh kept

    def test_inf_in_a_numpy_y_is_named(self):
        y = sine(40).to_numpy().copy()
        y[5] = np.inf
        with pytest.raises(ValueError, match="1 infinite value.* index 5"):
            Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])
        assert np.isinf(y[5])

    def test_missing_values_in_x_at_predict_as_in_fit(self):
        X = pd.DataFrame({"x": np.arange(43.0)})
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(sine(40), X=X.iloc[:40], fh=[1])
        future = X.iloc[40:].copy()
        future.iloc[1, 0] = np.nan
        with pytest.raises(ValueError, match="X has 1 missing .* index 41.* Imputer"):
            forecaster.predict(fh=[1, 2, 3], X=future)

    @pytest.mark.parametrize(
        "method",
        ["predict_interval", "predict_quantiles", "predict_var", "predict_proba"],
    )
    def test_a_point_loss_names_the_losses_that_give_distributions(self, method):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(sine(40), fh=[1])
        with pytest.raises(NotImplementedError, match="loss='gaussian'.*'quantile'"):
            getattr(forecaster, method)()

    def test_a_window_longer_than_a_single_series_warns(self):
        forecaster = Seq2SeqLSTMForecaster(**TINY, window_length=24)
        with pytest.warns(UserWarning, match="window_length=24 is longer") as warned:
            forecaster.fit(sine(10), fh=[1])
        assert warned.pop(UserWarning).filename == __file__  # the user's line
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the window chosen fits: no warning
            Seq2SeqLSTMForecaster(**TINY).fit(sine(10), fh=[1])

    def test_missing_values_in_x_name_the_imputer(self):
        X = pd.DataFrame({"x": np.arange(40.0)})
        X.iloc[3, 0] = np.nan
        kept = X.copy()
        with pytest.raises(ValueError, match="1 missing .* Imputer"):
            Seq2SeqLSTMForecaster(**TINY).fit(sine(40), X=X, fh=[1])
        pd.testing.assert_frame_equal(X, kept)

    def test_non_finite_x(self):
        X = pd.DataFrame({"x": np.arange(40.0)})
        X.iloc[7, 0] = np.inf
        with pytest.raises(ValueError, match="X has 1 infinite value"):
            Seq2SeqLSTMForecaster(**TINY).fit(sine(40), X=X, fh=[1])

    def test_non_finite_update(self, fitted):
        # a missing value is a time point without one (see below); inf is none
        new = pd.Series([np.inf], index=pd.period_range("1961-01", periods=1, freq="M"))
        with pytest.raises(ValueError, match="1 infinite value"):
            copy.deepcopy(fitted).update(new)

    @pytest.mark.parametrize(
        "y",
        [
            pd.Series(["a", "b"] * 20),
            pd.DataFrame({"ok": np.arange(40.0), "text": ["x"] * 40}),
            pd.Series(pd.Categorical(["a", "b"] * 20)),
            pd.Series(np.arange(40.0) + 1j),  # sktime: "Dtype of columns can be"
        ],
    )
    def test_non_numeric_columns(self, y):
        with pytest.raises(TypeError, match="needs numbers. Convert it"):
            Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])

    def test_numbers_kept_as_objects_are_called_so(self):
        y = pd.Series(np.arange(40.0), dtype=object)
        with pytest.raises(TypeError, match=r"numbers kept as Python objects.*to_nu"):
            Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])

    def test_no_target_column(self):
        frame = pd.DataFrame(index=pd.RangeIndex(40))
        with pytest.raises(ValueError, match="no columns. .* at least one target"):
            Seq2SeqLSTMForecaster(**TINY).fit(frame, fh=[1])

    def test_empty_series(self):
        with pytest.raises(ValueError, match="y is empty"):
            Seq2SeqLSTMForecaster(**TINY).fit(pd.Series([], dtype=float), fh=[1])

    def test_too_short_for_the_horizon(self):
        with pytest.raises(ValueError, match="need at least 6"):
            Seq2SeqLSTMForecaster(**TINY).fit(sine(5), fh=[5])

    def test_validation_with_no_observed_target_held_out(self, airline):
        y = airline.copy()
        y.iloc[-20:] = np.nan  # the held-out windows' targets all missing
        forecaster = Seq2SeqLSTMForecaster(**TINY, validation_size=5, patience=3)
        with pytest.raises(ValueError, match="holds out no window with an obs"):
            forecaster.fit(y, fh=[1, 2, 3])

    def test_validation_leaving_nothing_to_train_on(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, validation_size=0.99)
        with pytest.raises(ValueError, match="leaves no training windows"):
            forecaster.fit(airline, fh=[1, 2, 3])

    @pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
    def test_device_that_is_not_there(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, device="cuda:1")
        with pytest.raises(ValueError, match=r"which has \['cpu'"):
            forecaster.fit(airline, fh=[1])


def test_a_diverging_update_keeps_the_fitted_weights(airline):
    # standardised and squared, 1e35 overflows float32 (on the log scale, or
    # under absolute error, it stays finite)
    forecaster = Seq2SeqLSTMForecaster(**TINY, **PLAIN_SCALE, loss="mse")
    forecaster.fit(airline.iloc[:-12], fh=[1])
    weights = copy.deepcopy(forecaster.network_.state_dict())
    wild = airline.iloc[-12:-6] * 1e35
    with pytest.raises(FloatingPointError, match="extreme values"):
        forecaster.update(wild, update_params=True)
    for name, tensor in forecaster.network_.state_dict().items():
        assert torch.equal(tensor, weights[name])


class TestRefusedUpdate:
    """An update refused for its data leaves the forecaster as it was."""

    @pytest.fixture
    def fitted(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline.iloc[:-12], fh=[1, 2])
        return forecaster, forecaster.cutoff, forecaster.predict()

    @pytest.mark.parametrize(
        "rows, match",
        [
            (slice(-11, -9), "next time point"),  # a gap after the cutoff
            (slice(-12, -9, 2), "does not follow"),  # a gap among the new rows
            # 0 in a target modelled on the log scale
            ([-13, -12], "update's y has zero or negative values"),
        ],
    )
    def test_cutoff_and_forecast_stay(self, fitted, airline, rows, match):
        forecaster, cutoff, before = fitted
        new = airline.iloc[rows].copy()
        if isinstance(rows, list):
            new.iloc[-1] = 0.0
        with pytest.raises(ValueError, match=match):
            forecaster.update(new, update_params=False)
        assert forecaster.cutoff.equals(cutoff)
        pd.testing.assert_series_equal(forecaster.predict(), before)

    @pytest.mark.parametrize(
        "whole, new_index",
        [
            (pd.Index(np.arange(42)), pd.RangeIndex(40, 42)),
            (pd.RangeIndex(42), pd.Index(np.arange(40, 42))),
            (
                pd.date_range("2020-01-01", periods=42, freq="D", unit="ns"),
                pd.date_range("2020-02-10", periods=2, freq="D", unit="us"),
            ),
            (
                pd.date_range("2020-01-01", periods=42, freq="D", tz="Europe/Berlin"),
                pd.date_range(
                    "2020-02-10", periods=2, freq="D", tz="Europe/Berlin"
                ).tz_convert(datetime.timezone(datetime.timedelta(hours=1))),
            ),
            # the same instants in UTC, before a switch to summer time: the
            # forecast's days stay on fit's clock
            (
                pd.date_range("2021-02-01", periods=42, freq="D", tz="US/Eastern"),
                pd.date_range(
                    "2021-03-13", periods=2, freq="D", tz="US/Eastern"
                ).tz_convert("UTC"),
            ),
        ],
        ids=[
            "range-after-int",
            "int-after-range",
            "us-after-ns",
            "another-zone",
            "utc-before-summer-time",
        ],
    )
    def test_time_points_of_a_compatible_kind(self, whole, new_index):
        y = sine(42).set_axis(whole)
        forecasts = []
        for new in (y.iloc[40:], y.iloc[40:].set_axis(new_index)):
            forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y.iloc[:40], fh=[1, 2, 3])
            forecasts.append(forecaster.update(new, update_params=False).predict())
        # the same rows, however indexed: the same forecast, at the same times
        first, second = forecasts
        np.testing.assert_array_equal(first.to_numpy(), second.to_numpy())
        assert first.index.equals(second.index)
        assert str(getattr(first.index, "tz", None)) == str(
            getattr(second.index, "tz", None)
        )

    def test_a_panels_new_rows_in_another_zone_keep_fits(self):
        hours = pd.date_range("2021-03-20", periods=60, freq="h", tz="Europe/Berlin")
        y = pd.concat(
            {
                key: sine(60).set_axis(hours) + shift
                for key, shift in (("a", 0), ("b", 5))
            }
        ).to_frame("y")
        fitted = Seq2SeqLSTMForecaster(**TINY).fit(y.groupby(level=0).head(58))
        new = y.groupby(level=0).tail(2)
        in_utc = new.set_axis(
            new.index.set_levels(new.index.levels[-1].tz_convert("UTC"), level=-1)
        )
        forecasts = [
            copy.deepcopy(fitted).update(rows, update_params=False).predict(fh=[1, 2])
            for rows in (new, in_utc)
        ]
        pd.testing.assert_frame_equal(*forecasts, check_exact=True)

    def test_time_points_of_another_kind(self, fitted, airline):
        forecaster, cutoff, before = fitted
        new = airline.iloc[-12:].copy()
        new.index = new.index.to_timestamp()
        with pytest.raises(ValueError, match="update's time points are datetime64"):
            forecaster.update(new, update_params=False)
        assert forecaster.cutoff.equals(cutoff)
        pd.testing.assert_series_equal(forecaster.predict(), before)

    def test_values_the_network_cannot_read_even_without_training(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, **PLAIN_SCALE)
        forecaster.fit(airline.iloc[:-12], fh=[1])
        cutoff, before = forecaster.cutoff, forecaster.predict()
        new = airline.iloc[-12:-6].copy()
        new.iloc[2] = 1e300  # beyond float32 once scaled
        with pytest.raises(ValueError, match="infinite or extreme values .* in y"):
            forecaster.update(new, update_params=False)
        assert forecaster.cutoff.equals(cutoff)
        pd.testing.assert_series_equal(forecaster.predict(), before)

    def test_values_the_network_cannot_read_in_x_are_named_there(self, airline):
        X = pd.DataFrame({"a": np.sin(np.arange(len(airline)))}, index=airline.index)
        forecaster = Seq2SeqLSTMForecaster(**TINY, past_covariates=["a"])
        forecaster.fit(airline.iloc[:-12], X=X.iloc[:-12], fh=[1])
        extreme = X.iloc[-12:].assign(a=1e300)
        with pytest.raises(ValueError, match="infinite or extreme values .* in X"):
            forecaster.update(airline.iloc[-12:], X=extreme, update_params=False)

    def test_extra_columns_too(self, fitted, airline):
        forecaster, cutoff, before = fitted
        new = pd.DataFrame({"a": airline.iloc[-12:], "b": airline.iloc[-12:]})
        with pytest.raises(ValueError, match="columns"):
            forecaster.update(new, update_params=False)
        assert forecaster.cutoff.equals(cutoff)
        pd.testing.assert_series_equal(forecaster.predict(), before)

    def test_a_diverging_update_leaves_the_cutoff_too(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, **PLAIN_SCALE, loss="mse")
        forecaster.fit(airline.iloc[:-12], fh=[1])
        cutoff, before = forecaster.cutoff, forecaster.predict()
        with pytest.raises(FloatingPointError):
            forecaster.update(airline.iloc[-12:-6] * 1e35, update_params=True)
        assert forecaster.cutoff.equals(cutoff)
        pd.testing.assert_series_equal(forecaster.predict(), before)


def test_absent_time_points_are_refused_not_closed_up(airline):
    absent = airline.drop(airline.index[60:66])
    with pytest.raises(ValueError, match="after 1953-12 comes 1954-07, where 1954-01"):
        Seq2SeqLSTMForecaster(**TINY).fit(absent, fh=[1])
    # the same months as missing values train
    missing = airline.copy()
    missing.iloc[60:66] = np.nan
    Seq2SeqLSTMForecaster(**TINY).fit(missing, fh=[1])


def test_update_of_a_datetime_panel_a_row_at_a_time(airline):
    # a panel's time level carries no frequency, and one new row cannot show
    # it: update uses the frequency fit found
    times = pd.date_range("2000-01-01", periods=len(airline), freq="D")
    index = pd.MultiIndex.from_product([["a", "b"], times])
    y = pd.DataFrame({"y": np.tile(airline.to_numpy(), 2)}, index=index)
    fitted = Seq2SeqLSTMForecaster(**TINY).fit(y.groupby(level=0).head(-2), fh=[1])
    stepwise = copy.deepcopy(fitted)
    stepwise.update(y.groupby(level=0).head(-1), update_params=False)
    stepwise.update(y, update_params=False)  # the whole history, as evaluate
    fitted.update(y, update_params=False)
    pd.testing.assert_frame_equal(stepwise.predict(), fitted.predict())
    assert stepwise.cutoff[0] == times[-1]


def test_update_refuses_rows_at_another_frequency(airline):
    days = pd.Series(
        airline.to_numpy()[:60], pd.date_range("2020-01-01", periods=60, freq="D")
    )
    fitted = Seq2SeqLSTMForecaster(**TINY).fit(days, fh=[1])
    for freq in ("2D", "h"):  # the rows' own frequency is not fit's
        rows = pd.Series(
            airline.to_numpy()[60:65], pd.date_range("2020-03-01", periods=5, freq=freq)
        )
        with pytest.raises(ValueError, match="where 2020-03-02 00:00:00 was due"):
            fitted.update(rows)
    assert fitted.cutoff[0] == days.index[-1]


def test_update_keeps_fit_s_frequency_where_its_rows_infer_another(airline):
    # three weekdays without a frequency infer "D"; the cutoff stays "B"
    values = airline.to_numpy()[:63]
    weekdays = pd.bdate_range("2020-01-06", periods=63)
    fitted = Seq2SeqLSTMForecaster(**TINY).fit(pd.Series(values[:60], weekdays[:60]))
    bare, stamped = copy.deepcopy(fitted), copy.deepcopy(fitted)
    bare.update(
        pd.Series(values[60:], pd.DatetimeIndex(weekdays[60:].to_list())),
        update_params=False,
    )
    stamped.update(pd.Series(values[60:], weekdays[60:]), update_params=False)
    assert bare.cutoff.freq == stamped.cutoff.freq == weekdays.freq
    pd.testing.assert_series_equal(bare.predict(fh=[1, 2]), stamped.predict(fh=[1, 2]))


def test_update_takes_time_points_that_passed_without_a_value(airline):
    fitted = Seq2SeqLSTMForecaster(**TINY, seasonal_period=None)
    fitted.fit(airline.iloc[:-2], fh=[1, 2])
    with torch.no_grad():  # a silent head: the forecast is the last value
        fitted.network_.head.linear.weight.zero_()
        fitted.network_.head.linear.bias.zero_()
    silent = airline.iloc[-2:] * np.nan  # two months passed, nothing observed
    one, whole = copy.deepcopy(fitted), copy.deepcopy(fitted)
    one.update(silent, update_params=False)
    whole.update(pd.concat([airline.iloc[:-2], silent]), update_params=False)
    assert one.cutoff[0] == airline.index[-1]
    pd.testing.assert_series_equal(one.predict(), whole.predict())
    assert one.predict().index[0] == airline.index[-1] + 1
    np.testing.assert_allclose(one.predict().to_numpy(), airline.iloc[-3], rtol=1e-6)
    # nothing observed teaches nothing: windows reaching the new rows would
    # only train again, a whole budget, on targets fit saw
    trained = copy.deepcopy(fitted)
    trained.update(silent, update_params=True)
    pd.testing.assert_series_equal(trained.predict(), one.predict())
    pd.testing.assert_frame_equal(trained.history_, fitted.history_)


@pytest.mark.parametrize(("gap", "trains"), [(100, False), (3, True)])
def test_update_trains_only_where_a_window_reaches_an_observed_new_value(gap, trains):
    # a value after a gap longer than a window: every window whose horizon
    # holds it reads only missing values, so is dropped; those left would
    # train again, a whole budget, on the targets fit saw before the gap
    y = pd.Series(10 + np.sin(2 * np.pi * np.arange(60) / 12))
    fitted = Seq2SeqLSTMForecaster(**TINY, window_length=24).fit(y, fh=[1, 2, 3])
    new = pd.Series(np.nan, index=pd.RangeIndex(60, 60 + gap))
    new.iloc[-1] = 10.5
    trained, untrained = copy.deepcopy(fitted), copy.deepcopy(fitted)
    trained.update(new, update_params=True)
    untrained.update(new, update_params=False)
    assert (len(trained.history_) > len(fitted.history_)) == trains
    if not trains:  # the independent path: no training at all
        pd.testing.assert_series_equal(trained.predict(), untrained.predict())
        for before, after in zip(
            fitted.network_.parameters(), trained.network_.parameters(), strict=True
        ):
            assert torch.equal(before, after)


def test_float64_data_trains_a_float32_network(airline):
    # float32 throughout: what MPS needs, and what torch's kernels expect
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline.astype("float64"), fh=[1])
    assert all(p.dtype == torch.float32 for p in forecaster.network_.parameters())
    assert forecaster.predict().dtype == np.float64


class TestPrecision:
    def test_bf16_on_this_cpu_trains_or_names_the_fix(self, airline):
        # CI runs on whatever x86-64 machine it gets: with bfloat16 kernels
        # this trains; without, it is our error, never one from oneDNN
        forecaster = Seq2SeqLSTMForecaster(**TINY, precision="bf16", device="cpu")
        if not _device.cpu_runs_bf16():
            with pytest.raises(ValueError, match="Use precision='32'"):
                forecaster.fit(airline, fh=[1, 2])
            return
        prediction = forecaster.fit(airline, fh=[1, 2]).predict()
        assert prediction.dtype == np.float64 and np.isfinite(prediction).all()
        # the weights stay float32; only the arithmetic is bfloat16
        assert all(p.dtype == torch.float32 for p in forecaster.network_.parameters())
        full = Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=[1, 2]).predict()
        assert not np.array_equal(prediction, full)

    def test_bf16_on_a_cpu_without_it_names_the_fix(self, airline, monkeypatch):
        # oneDNN refuses bfloat16 LSTMs on such CPUs; the probe finds out
        monkeypatch.setattr(_device, "cpu_runs_bf16", lambda: False)
        forecaster = Seq2SeqLSTMForecaster(**TINY, precision="bf16", device="cpu")
        with pytest.raises(ValueError, match="Use precision='32'"):
            forecaster.fit(airline, fh=[1])
        assert not forecaster.is_fitted

    @pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
    def test_float16_needs_cuda(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, precision="16-mixed", device="cpu")
        with pytest.raises(ValueError, match="'16-mixed' needs a CUDA device"):
            forecaster.fit(airline, fh=[1])

    def test_unknown_precision(self, airline):
        with pytest.raises(ValueError, match="precision must be one of"):
            Seq2SeqLSTMForecaster(**TINY, precision="8").fit(airline, fh=[1])

    @pytest.mark.gpu
    @pytest.mark.parametrize("precision", ["32", "bf16", "16-mixed"])
    def test_on_cuda(self, airline, precision):
        forecaster = Seq2SeqLSTMForecaster(
            **{**TINY, "num_epochs": 20}, precision=precision, device="cuda"
        )
        prediction = forecaster.fit(airline, fh=[1, 2, 3]).predict()
        assert forecaster.device_.type == "cuda"
        assert np.isfinite(prediction).all()
        # near the last year's level: training did not diverge
        assert prediction.between(300, 700).all()
        assert (
            forecaster.history_["train_loss"].iloc[-1]
            < (forecaster.history_["train_loss"].iloc[0])
        )

    @pytest.mark.gpu
    def test_cuda_training_is_reproducible(self, airline):
        def fit_predict():
            forecaster = Seq2SeqLSTMForecaster(**TINY, device="cuda")
            return forecaster.fit(airline, fh=[1, 2]).predict()

        np.testing.assert_allclose(fit_predict(), fit_predict(), rtol=1e-5)


class TestUpdateInSktimeWorkflows:
    """sktime's evaluate and tuners pass update the whole history so far."""

    @pytest.mark.parametrize("update_params", [False, True])
    def test_whole_history_equals_only_the_new_rows(self, airline, update_params):
        forecasts = []
        for new in (airline.iloc[100:110], airline.iloc[:110]):
            forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline.iloc[:100], fh=[1])
            forecaster.update(new, update_params=update_params)
            forecasts.append(forecaster.predict())
            # training on the update counts on the fit's epochs and steps
            epochs = forecaster.history_["epoch"].tolist()
            assert epochs == list(range(len(epochs)))
            assert forecaster.history_["steps"].is_monotonic_increasing
        pd.testing.assert_series_equal(*forecasts, check_exact=True)

    def test_nothing_new_changes_nothing(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline.iloc[:100], fh=[1])
        before = forecaster.predict()
        weights = copy.deepcopy(forecaster.network_.state_dict())
        with warnings.catch_warnings():  # the last row seen again: no slip
            warnings.filterwarnings("error", "update's rows")
            forecaster.update(airline.iloc[:100], update_params=True)
        pd.testing.assert_series_equal(forecaster.predict(), before)
        for name, tensor in forecaster.network_.state_dict().items():
            torch.testing.assert_close(tensor, weights[name])
        # rows that all came before the end, as numpy's numbering gives: the
        # cutoff does not go back, and the user is told
        with pytest.warns(UserWarning, match="all lie before the last time point"):
            forecaster.update(airline.iloc[10:20], update_params=False)
        assert forecaster.cutoff.equals(airline.index[99:100])
        pd.testing.assert_series_equal(forecaster.predict(), before)

    def test_evaluate_with_update_equals_updating_by_hand(self, airline):
        from sktime.forecasting.model_evaluation import evaluate
        from sktime.split import ExpandingWindowSplitter

        splitter = ExpandingWindowSplitter(initial_window=120, step_length=6, fh=[1])
        forecaster = Seq2SeqLSTMForecaster(**TINY)
        results = evaluate(
            forecaster, splitter, airline, strategy="update", return_data=True
        )
        by_hand = Seq2SeqLSTMForecaster(**TINY).fit(airline.iloc[:120], fh=[1])
        expected = [by_hand.predict().iloc[0]]
        for end in range(126, len(airline), 6):
            by_hand.update(airline.iloc[end - 6 : end])
            expected.append(by_hand.predict().iloc[0])
        got = [pred.iloc[0] for pred in results["y_pred"]]
        np.testing.assert_allclose(got, expected[: len(got)], rtol=1e-12)

    def test_a_gap_after_the_cutoff_is_refused(self, fitted, airline):
        forecaster = copy.deepcopy(fitted).fit(airline.iloc[:100], fh=[1])
        with pytest.raises(ValueError, match="next time point is 1957-05"):
            forecaster.update(airline.iloc[105:110])

    def test_columns_are_matched_by_name(self):
        rng = np.random.default_rng(0)
        y = pd.DataFrame(rng.normal(size=(80, 2)).cumsum(0), columns=["a", "b"])
        forecasts = []
        for new in (y.iloc[60:], y.iloc[60:][["b", "a"]]):
            forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y.iloc[:60], fh=[1])
            forecasts.append(forecaster.update(new).predict())
        pd.testing.assert_frame_equal(*forecasts)
        with pytest.raises(ValueError, match=r"fitted on \['a', 'b'\]"):
            forecaster.update(y.iloc[60:].set_axis(["a", "c"], axis=1))

    def test_names_that_only_print_alike_are_other_columns(self):
        rng = np.random.default_rng(0)
        y = pd.DataFrame(rng.normal(size=(80, 2)).cumsum(0), columns=[0, 1])
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y.iloc[:60], fh=[1])
        with pytest.raises(ValueError, match=r"fitted on \[0, 1\]"):
            forecaster.update(y.iloc[60:].set_axis(["1", "0"], axis=1))


class TestSilentlyWrongBecomesRight:
    @pytest.mark.parametrize(
        "transform",
        [lambda y: 1e-9 * y, lambda y: 1e6 + 5e-3 * y],
        ids=["tiny spread", "tiny spread on a large level"],
    )
    def test_forecasts_move_with_the_data(self, transform):
        # scaling makes the forecaster equivariant: the forecast of a + b*y
        # is a + b*(the forecast of y), whatever the size of b
        y = sine(150, period=19)
        # a shift and a scale leave a standardised series as it was (a log
        # would not be shift-invariant)
        plain = Seq2SeqLSTMForecaster(**TINY, **PLAIN_SCALE)
        plain = plain.fit(y, fh=[1, 2, 3]).predict()
        moved = Seq2SeqLSTMForecaster(**TINY, **PLAIN_SCALE)
        moved = moved.fit(transform(y), fh=[1, 2, 3])
        spread = transform(y).std()
        error = (moved.predict() - transform(plain)).abs().max()
        assert error < 1e-4 * spread

    def test_duplicate_time_points_are_refused(self):
        y = pd.Series(np.arange(40.0), index=[0, *range(39)])
        with pytest.raises(ValueError, match="1 repeated time point"):
            Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])

    def test_time_out_of_order_is_refused_in_words(self, airline):
        # sktime's own refusal: "unsupported input data type"
        with pytest.raises(ValueError, match="1960-11 comes after 1960-12.*sort_"):
            Seq2SeqLSTMForecaster(**TINY).fit(airline.iloc[::-1], fh=[1])
        panel = pd.concat({"a": airline, "b": airline}).to_frame("y")
        shuffled = panel.sample(frac=1, random_state=0)
        with pytest.raises(ValueError, match="out of order: .* in series"):
            Seq2SeqLSTMForecaster(**TINY).fit(shuffled, fh=[1])
        fitted = Seq2SeqLSTMForecaster(**TINY).fit(airline.iloc[:-3], fh=[1])
        with pytest.raises(ValueError, match="out of order"):
            fitted.update(airline.iloc[-3:][::-1])
        assert fitted.cutoff[0] == airline.index[-4]

    def test_a_panel_s_rows_may_come_interleaved(self, airline):
        panel = pd.concat({"a": airline, "b": 2 * airline}).to_frame("y")
        by_time = panel.swaplevel().sort_index().swaplevel()
        pd.testing.assert_frame_equal(
            Seq2SeqLSTMForecaster(**TINY).fit(by_time, fh=[1]).predict(),
            Seq2SeqLSTMForecaster(**TINY).fit(panel, fh=[1]).predict(),
        )

    def test_a_column_name_given_twice_is_refused(self, airline):
        y = pd.concat([airline, airline], axis=1, keys=["a", "a"])
        with pytest.raises(ValueError, match=r"more than one column named \['a'\]"):
            Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])

    @pytest.mark.parametrize(
        "bad, message",
        [
            # as in fit: the count, the first index, and the fix
            (np.inf, "X has 1 infinite value.* index 61.* clip them"),
            (1e300, "infinite or extreme values .* in X"),
            (np.nan, "X has 1 missing .* index 61.* Imputer"),
        ],
    )
    def test_extreme_known_covariates_at_predict_are_refused(self, bad, message):
        rng = np.random.default_rng(0)
        X = pd.DataFrame({"x": rng.normal(size=70)})
        y = pd.Series(rng.normal(size=70)).iloc[:60]
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, X=X.iloc[:60], fh=[1, 2])
        X_future = X.iloc[60:62].copy()
        X_future.iloc[1, 0] = bad
        kept = X_future.copy()
        with pytest.raises(ValueError, match=message):
            forecaster.predict(X=X_future)
        pd.testing.assert_frame_equal(X_future, kept)


class TestValidRequests:
    def test_relative_timedelta_fh_equals_integer_fh(self):
        y = sine(80).set_axis(pd.date_range("2000-01-01", periods=80, freq="D"))
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 2, 3])
        by_days = forecaster.predict(fh=pd.to_timedelta([1, 2, 3], unit="D"))
        pd.testing.assert_series_equal(by_days, forecaster.predict())

    def test_numpy_numbers_as_from_a_grid(self, airline):
        numpy_params = {
            "hidden_size": np.int64(8),
            "num_epochs": np.int64(3),
            "lr": np.float32(1e-3),
            "dropout": np.float64(0.0),
            "validation_size": np.float32(0.25),
            "random_state": 0,
        }
        got = Seq2SeqLSTMForecaster(**numpy_params).fit(airline, fh=[1]).predict()
        python_params = {
            name: value.item() if isinstance(value, np.generic) else value
            for name, value in numpy_params.items()
        }
        expected = Seq2SeqLSTMForecaster(**python_params).fit(airline, fh=[1])
        expected = expected.predict()
        np.testing.assert_allclose(got, expected, rtol=1e-5)

    def test_optimizers_without_weight_decay(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, optimizer="Rprop")
        assert np.isfinite(forecaster.fit(airline, fh=[1]).predict()).all()
        with pytest.raises(ValueError, match="Rprop takes no weight_decay"):
            forecaster.set_params(weight_decay=0.1).fit(airline, fh=[1])

    @pytest.mark.parametrize("optimizer", ["LBFGS", "SparseAdam"])
    def test_optimizers_this_training_cannot_drive(self, airline, optimizer):
        with pytest.raises(ValueError, match="is not supported.*Use 'Adam'"):
            Seq2SeqLSTMForecaster(**TINY, optimizer=optimizer).fit(airline, fh=[1])


class TestPastCovariatesSpelling:
    def test_a_string_is_one_column(self):
        rng = np.random.default_rng(0)
        X = pd.DataFrame({"temp": rng.normal(size=60), "x": rng.normal(size=60)})
        y = pd.Series(rng.normal(size=60))
        forecaster = Seq2SeqLSTMForecaster(**TINY, past_covariates="temp")
        forecaster.fit(y, X=X, fh=[1])
        assert forecaster.past_covariates_ == ["temp"]
        assert forecaster.covariates_ == ["x"]

    def test_without_x_is_refused(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, past_covariates=["temp"])
        with pytest.raises(ValueError, match="but no X was passed"):
            forecaster.fit(airline, fh=[1])


def test_silent_divergence_is_an_error_and_leaves_the_forecaster_unfitted():
    # the case: lr=1e8 on a series in +-1e6 trained to a loss of 5e16
    # and forecast +-1e12 without a word
    y = 1e6 * sine(120, period=17)
    forecaster = Seq2SeqLSTMForecaster(**{**TINY, "num_epochs": 5}, lr=1e8)
    with pytest.raises(FloatingPointError, match="lower lr"):
        forecaster.fit(y, fh=[1, 2])
    assert not forecaster.is_fitted
    assert not hasattr(forecaster, "network_")


class TestTrainingBudget:
    """The default budget: epochs, within a floor and a ceiling of steps."""

    @staticmethod
    def monthly(n):
        values = np.sin(2 * np.pi * np.arange(n) / 12)
        values = values + 0.1 * np.random.default_rng(0).normal(size=n)
        return pd.Series(values, index=pd.period_range("1900-01", periods=n, freq="M"))

    def test_epochs_between_a_floor_and_a_ceiling_of_steps(self, monkeypatch):
        # small bounds stand in for (400, 2000) and 4,000 to keep the test fast
        from skseq2seq import _training

        monkeypatch.setattr(_training, "DEFAULT_EPOCHS", 3)
        monkeypatch.setattr(_training, "DEFAULT_STEP_BOUNDS", (4, 20))
        monkeypatch.setattr(_training, "DEFAULT_STEP_LIMIT", 40)
        steps = {}
        for n in (40, 150, 300, 500, 3000, 30000):
            forecaster = Seq2SeqLSTMForecaster(hidden_size=4, random_state=0)
            forecaster.fit(self.monthly(n), fh=[1, 2])
            windows = n - forecaster.window_length_ - 2 + 1
            steps[n] = (int(forecaster.history_["steps"].iloc[-1]), windows)
        assert steps[40] == (4, 15)  # 3 epochs of 1 batch: the floor
        assert steps[150] == (3 * 4, 125)  # 3 epochs of 4 batches
        assert steps[300] == (20, 275)  # 3 epochs of 9 batches: the ceiling
        assert steps[500] == (2 * 15, 475)  # 2 passes of 15 batches, above it
        assert steps[3000][0] == steps[30000][0] == 40  # the limit

    def test_epochs_when_asked(self):
        forecaster = Seq2SeqLSTMForecaster(hidden_size=4, num_epochs=3, random_state=0)
        forecaster.fit(self.monthly(300), fh=[1, 2])
        windows = 300 - forecaster.window_length_ - 2 + 1
        per_epoch = -(-windows // 32)
        assert forecaster.history_["steps"].tolist() == [
            per_epoch * e for e in (1, 2, 3)
        ]

    def test_the_first_budget_to_run_out_stops_training(self):
        forecaster = Seq2SeqLSTMForecaster(
            hidden_size=4, num_epochs=50, max_steps=20, random_state=0
        )
        forecaster.fit(self.monthly(300), fh=[1, 2])
        assert forecaster.history_["steps"].iloc[-1] == 20
        # max_time: tests/test_training.py, where the clock is not the fit's

    @pytest.mark.parametrize("name, value", [("max_steps", 0), ("max_time", 0.0)])
    def test_invalid_budgets(self, name, value):
        with pytest.raises(ValueError, match=name):
            Seq2SeqLSTMForecaster(**{name: value}).fit(self.monthly(100), fh=[1])


class TestSeasonalPeriod:
    def test_found_where_the_data_shows_it(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(airline, fh=np.arange(1, 19))
        assert forecaster.seasonal_period_ == 12
        # the window covers two seasons, or twice the horizon
        assert forecaster.window_length_ == 36
        short = Seq2SeqLSTMForecaster(**TINY).fit(airline.iloc[:30], fh=[1])
        assert short.seasonal_period_ == 1

    def test_given_or_switched_off(self, airline):
        off = Seq2SeqLSTMForecaster(**TINY, seasonal_period=None).fit(airline, fh=[1])
        assert off.seasonal_period_ == 1
        given = Seq2SeqLSTMForecaster(**TINY, seasonal_period=np.int64(6))
        assert given.fit(airline.iloc[:30], fh=[1]).seasonal_period_ == 6

    def test_longer_than_the_window_is_refused(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, seasonal_period=50)
        match = "seasonal_period=50 needs series of at least 51 .* has 40"
        with pytest.raises(ValueError, match=match):
            forecaster.fit(airline.iloc[:40], fh=[1])

    @pytest.mark.parametrize("period", [None, 1])
    def test_no_season_asks_no_length_of_a_season(self, airline, period):
        # a horizon longer than the series: padding serves it, as with "auto"
        y, fh = airline.iloc[:20], np.arange(1, 31)
        params = {**TINY, "window_length": 5}
        auto = Seq2SeqLSTMForecaster(**params).fit(y, fh=fh)
        off = Seq2SeqLSTMForecaster(**params, seasonal_period=period).fit(y, fh=fh)
        assert off.seasonal_period_ == auto.seasonal_period_ == 1
        pd.testing.assert_series_equal(off.predict(), auto.predict())

    @pytest.mark.parametrize("value", [0, "yes", 1.5, True])
    def test_invalid_values(self, airline, value):
        with pytest.raises(ValueError, match="seasonal_period must be"):
            Seq2SeqLSTMForecaster(**TINY, seasonal_period=value).fit(airline, fh=[1])

    def test_the_seasonal_naive_forecast_is_where_training_starts(self, airline):
        # a network that has not moved from its start forecasts last year
        forecaster = Seq2SeqLSTMForecaster(**TINY, max_steps=1, lr=1e-12)
        forecaster.fit(airline, fh=np.arange(1, 13))
        with torch.no_grad():
            forecaster.network_.head.linear.weight.zero_()
            forecaster.network_.head.linear.bias.zero_()
        np.testing.assert_allclose(
            forecaster.predict().to_numpy(), airline.iloc[-12:].to_numpy(), rtol=1e-5
        )


def test_a_long_series_is_scaled_by_its_recent_stretch():
    # a trend takes the level far from where it was: the whole history's
    # spread would dwarf the season the forecast has to get right
    t = np.arange(3 * SCALE_ROWS)
    y = pd.Series(0.05 * t + np.sin(2 * np.pi * t / 12))
    forecaster = Seq2SeqLSTMForecaster(max_steps=2, random_state=0).fit(y, fh=[1])
    recent = y.to_numpy()[-SCALE_ROWS:]
    np.testing.assert_allclose(forecaster.scale_loc_[0, 0], recent.mean())
    np.testing.assert_allclose(forecaster.scale_scale_[0, 0], recent.std())
    short = y.iloc[:500]  # no longer than SCALE_ROWS: all of it
    forecaster.fit(short, fh=[1])
    np.testing.assert_allclose(forecaster.scale_scale_[0, 0], short.std(ddof=0))


class TestLogTargets:
    """Positive targets on the log scale: what a fit on log(y) gives, exponentiated."""

    def test_the_forecast_is_that_of_the_logged_series_exponentiated(self, airline):
        params = {**TINY, "scaling": "series", "loss": "quantile"}
        logged = Seq2SeqLSTMForecaster(**params, target_transform="log")
        logged.fit(airline, fh=[1, 2, 3])
        plain = Seq2SeqLSTMForecaster(**params, target_transform=None)
        plain.fit(np.log(airline), fh=[1, 2, 3])
        assert logged.log_targets_.tolist() == [True]
        np.testing.assert_allclose(
            logged.predict().to_numpy(), np.exp(plain.predict().to_numpy())
        )
        np.testing.assert_allclose(
            logged.predict_interval(coverage=0.8).to_numpy(),
            np.exp(plain.predict_interval(coverage=0.8).to_numpy()),
        )

    def test_auto_takes_the_log_of_positive_columns_only(self):
        y = pd.DataFrame({"positive": 5 + sine(60).to_numpy(), "wave": sine(60)})
        params = {**TINY, "scaling": "series", "loss": "mse"}
        auto = Seq2SeqLSTMForecaster(**params, target_transform="auto")
        assert auto.fit(y, fh=[1, 2]).log_targets_.tolist() == [True, False]
        # the independent path: the positive column logged by hand, fitted
        # without a transform, and that column alone exponentiated
        logged = y.assign(positive=np.log(y["positive"]))
        plain = Seq2SeqLSTMForecaster(**params, target_transform=None)
        plain = plain.fit(logged, fh=[1, 2]).predict()
        forecast = auto.predict()
        np.testing.assert_allclose(
            forecast["positive"], np.exp(plain["positive"]), rtol=1e-6
        )
        np.testing.assert_allclose(forecast["wave"], plain["wave"], rtol=1e-6)

    def test_non_positive_data_is_refused_by_name(self, airline):
        forecaster = Seq2SeqLSTMForecaster(**TINY, target_transform="log")
        with pytest.raises(ValueError, match="target_transform='log' needs positive"):
            forecaster.fit(airline - 200, fh=[1])
        mixed = pd.DataFrame({"sales": airline, "change": airline.diff().fillna(0)})
        with pytest.raises(ValueError, match=r"column\(s\) \['change'\] hold zero"):
            forecaster.fit(mixed, fh=[1])
        forecaster.fit(airline.iloc[:-12], fh=[1])
        new = airline.iloc[-12:].copy()
        new.iloc[3] = 0.0
        with pytest.raises(ValueError, match="target_transform=None"):
            forecaster.update(new, update_params=False)
        assert forecaster.cutoff[0] == airline.index[-13]  # left as it was

    def test_update_with_the_whole_history_equals_only_the_new_rows(self, airline):
        params = {**TINY, "target_transform": "auto", "scaling": "auto"}
        whole = Seq2SeqLSTMForecaster(**params).fit(airline.iloc[:-12], fh=[1, 2])
        new = Seq2SeqLSTMForecaster(**params).fit(airline.iloc[:-12], fh=[1, 2])
        whole.update(airline, update_params=True)
        new.update(airline.iloc[-12:], update_params=True)
        np.testing.assert_array_equal(whole.predict(), new.predict())


def test_windows_end_at_every_time_point():
    # one epoch of batch 1: one step a window; the horizon of the last
    # windows runs past the end, so there are n - window of them
    forecaster = Seq2SeqLSTMForecaster(
        hidden_size=4, num_epochs=1, batch_size=1, window_length=10, random_state=0
    )
    forecaster.fit(sine(60), fh=[1, 2, 3, 4])
    assert forecaster.history_["steps"].iloc[-1] == 60 - 10


def test_a_series_shorter_than_its_horizon_trains():
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(sine(100), fh=np.arange(1, 61))
    assert forecaster.window_length_ == 40  # 100 - 60
    short = Seq2SeqLSTMForecaster(**TINY, window_length=4).fit(
        sine(6), fh=[1, 2, 3, 4, 5, 6, 7, 8]
    )
    assert np.isfinite(short.predict().to_numpy()).all()


def test_unscaled_values_float32_cannot_tell_apart_warn():
    index = pd.period_range("2020-01", periods=40, freq="M")
    level = pd.Series(1e8 + np.arange(40.0), index=index)  # varies by 1e-7 of it
    params = {**TINY, "scaling": None, "target_transform": None}
    with pytest.warns(UserWarning, match="'auto' \\(the default\\)") as warned:
        Seq2SeqLSTMForecaster(**params).fit(level, fh=[1])
    assert warned.pop(UserWarning).filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scaled, or varying enough: no warning
        Seq2SeqLSTMForecaster(**TINY, target_transform=None).fit(level, fh=[1])
        Seq2SeqLSTMForecaster(**params).fit(level - 1e8, fh=[1])
        Seq2SeqLSTMForecaster(**params).fit(level * 0 + 1e8, fh=[1])  # constant


def test_an_update_that_trains_on_a_moving_column_no_longer_holds_it():
    y = pd.Series(np.r_[np.full(40, 5.0), 6.0 + np.arange(10.0)])
    settings = {"hidden_size": 8, "max_steps": 20, "random_state": 0}
    held = Seq2SeqLSTMForecaster(**settings).fit(y[:40], fh=[1, 2])
    held.update(y[40:], update_params=False)  # nothing learned: still held
    np.testing.assert_array_equal(held.predict().to_numpy(), [15.0, 15.0])
    trained = Seq2SeqLSTMForecaster(**settings).fit(y[:40], fh=[1, 2])
    trained.update(y[40:], update_params=True)
    assert not np.isclose(trained.predict().to_numpy(), 15.0).any()
    # new rows at the same value: still constant, still held
    flat = Seq2SeqLSTMForecaster(**settings).fit(y[:40], fh=[1, 2])
    flat.update(pd.Series(np.full(5, 5.0), index=range(40, 45)), update_params=True)
    np.testing.assert_array_equal(flat.predict().to_numpy(), [5.0, 5.0])


def test_update_decides_a_column_constant_as_fit_decides_it():
    # round-off about a level of 1: constant on the data's scale, where fit
    # decides it, though not on the log scale, where it is round-off of 0
    y = pd.Series(1.0 + np.tile([0.0, 2e-16], 24))
    settings = {"hidden_size": 8, "max_steps": 20, "random_state": 0}
    whole = Seq2SeqLSTMForecaster(**settings).fit(y, fh=[1, 2]).predict()
    updated = Seq2SeqLSTMForecaster(**settings).fit(y[:40], fh=[1, 2])
    updated.update(y[40:], update_params=True)
    np.testing.assert_array_equal(whole.to_numpy(), [y.iloc[-1]] * 2)
    pd.testing.assert_series_equal(updated.predict(), whole, check_exact=True)
