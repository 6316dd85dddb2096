"""Panels and hierarchies: one global network, pretraining, new series."""

import copy
import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.forecasting.base import ForecastingHorizon
from sktime.utils._testing.hierarchical import _make_hierarchical

from skseq2seq import Seq2SeqLSTMForecaster

TINY = {"hidden_size": 8, "num_epochs": 2, "random_state": 0}


def sine_panel(n_series=6, length=120, period=12, seed=0, start=0):
    """Sines of random phase, amplitude and level, one per instance."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        t = np.arange(start, start + length)
        amplitude, level = rng.uniform(0.5, 5), rng.uniform(-10, 100)
        values = level + amplitude * np.sin(2 * np.pi * t / period + rng.uniform(0, 6))
        index = pd.MultiIndex.from_arrays([[f"s{seed}_{i}"] * length, t])
        frames.append(pd.DataFrame({"y": values}, index=index))
    return pd.concat(frames)


def test_one_network_forecasts_every_series_of_a_panel():
    y = sine_panel()
    forecaster = Seq2SeqLSTMForecaster(num_epochs=30, random_state=0)
    forecaster.fit(y.groupby(level=0).head(108), fh=np.arange(1, 13))
    prediction = forecaster.predict()
    truth = y.groupby(level=0).tail(12)
    assert prediction.index.equals(truth.index)
    # each series on its own scale: the error relative to its own amplitude
    for key, series in truth.groupby(level=0):
        amplitude = y.loc[key, "y"].std() * np.sqrt(2)
        error = np.abs(prediction.loc[key, "y"] - series.loc[key, "y"]).mean()
        assert error < 0.25 * amplitude, key
    assert forecaster.scale_loc_.shape == (6, 1)


def test_the_panel_forecast_is_one_batched_pass_equal_to_each_series(monkeypatch):
    y = sine_panel(n_series=4, length=60)
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 2, 3])
    calls = []
    real_forward = forecaster.network_.forward

    def counted(past, *args, **kwargs):
        calls.append(past.shape[0])
        return real_forward(past, *args, **kwargs)

    monkeypatch.setattr(forecaster.network_, "forward", counted)
    together = forecaster.predict()
    assert calls == [4]  # one pass, all four series in the batch
    # the same network on one series at a time gives the same numbers
    alone, state = copy.deepcopy(forecaster), forecaster._forecast_state
    for position, key in enumerate(state.keys):
        rows = slice(position, position + 1)
        alone._forecast_state = dataclasses.replace(
            state,
            recent=state.recent[rows],
            keys=[key],
            ends=state.ends[rows],
            loc=state.loc[rows],
            scale=state.scale[rows],
            constant=state.constant[rows],
            seasonal=state.seasonal[rows],
        )
        np.testing.assert_allclose(
            alone.predict().to_numpy(), together.loc[[key]].to_numpy(), rtol=1e-5
        )


def test_hierarchical_data():
    y = _make_hierarchical(
        hierarchy_levels=(2, 3), min_timepoints=30, max_timepoints=30, random_state=0
    )
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 2])
    prediction = forecaster.predict()
    assert prediction.index.nlevels == 3
    assert len(prediction) == 6 * 2
    assert (
        prediction.index.droplevel(-1).unique().equals(y.index.droplevel(-1).unique())
    )
    # the levels above time only name the series: the same series as a flat
    # panel, keyed by the joined names, get the same forecasts
    keys = ["/".join(key) for key in y.index.droplevel(-1)]
    flat = y.set_axis(
        pd.MultiIndex.from_arrays([keys, y.index.get_level_values(-1)]), axis=0
    )
    alone = Seq2SeqLSTMForecaster(**TINY).fit(flat, fh=[1, 2]).predict()
    np.testing.assert_array_equal(prediction.to_numpy(), alone.to_numpy())


def test_series_ending_at_different_times_count_fh_from_their_own_end():
    y = pd.concat([sine_panel(1, 40, seed=1), sine_panel(1, 30, seed=2, start=5)])
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1, 2])
    prediction = forecaster.predict()
    assert prediction.index.tolist() == [
        ("s1_0", 40),
        ("s1_0", 41),
        ("s2_0", 35),
        ("s2_0", 36),
    ]


def test_update_a_panel(monkeypatch):
    y = sine_panel(n_series=3, length=50)
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y.groupby(level=0).head(45), fh=[1])
    forecaster.update(y.groupby(level=0).tail(5), update_params=True)
    assert forecaster.cutoff[0] == 49
    assert forecaster.predict().index.get_level_values(-1).unique().tolist() == [50]
    assert len(forecaster.history_) == 2 * TINY["num_epochs"]


def test_a_panels_update_in_another_series_order_trains_each_on_its_scale():
    # scaled per series (the log's pooled scale would hide a mix-up), in one
    # batch an epoch, so that the series' order cannot change the batches
    params = {
        **TINY,
        "num_epochs": 10,
        "batch_size": 1024,
        "target_transform": None,
        "scaling": "series",
    }
    y = sine_panel(n_series=3, length=50)
    fitted = Seq2SeqLSTMForecaster(**params).fit(y.groupby(level=0).head(45), fh=[1])
    new = y.groupby(level=0).tail(5)
    keys = new.index.get_level_values(0).unique()
    in_order = copy.deepcopy(fitted).update(new, update_params=True).predict()
    backwards = copy.deepcopy(fitted).update(new.loc[keys[::-1]], update_params=True)
    pd.testing.assert_frame_equal(backwards.predict(), in_order, rtol=1e-6)


def test_an_update_trains_only_on_the_series_with_observed_new_rows():
    # the second series' new rows are all missing: training on the windows
    # reaching them would only train again on its targets seen in fit
    y = sine_panel(n_series=2, length=50)
    fitted = Seq2SeqLSTMForecaster(**TINY).fit(y.groupby(level=0).head(45), fh=[1, 2])
    new = y.groupby(level=0).tail(5)
    first, second = new.index.get_level_values(0).unique()
    new.loc[second, "y"] = np.nan
    together = copy.deepcopy(fitted).update(new, update_params=True)
    apart = copy.deepcopy(fitted).update(new.loc[[second]], update_params=False)
    apart.update(new.loc[[first]], update_params=True)
    pd.testing.assert_frame_equal(together.predict(), apart.predict())
    timeless = ["seconds"]
    pd.testing.assert_frame_equal(
        together.history_.drop(columns=timeless), apart.history_.drop(columns=timeless)
    )


def test_update_with_an_unknown_series():
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(sine_panel(2, 40), fh=[1])
    stranger = sine_panel(1, 2, seed=9, start=40)
    with pytest.raises(ValueError, match="not fitted on"):
        forecaster.update(stranger, update_params=False)


def test_update_with_other_index_levels_names_them():
    # a hierarchy fitted, its bottom level's panel updated: no series is a
    # stranger, the levels are what differ
    panel = sine_panel(2, 42)
    hierarchy = pd.concat({"region": panel}, names=["region"])
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(
        hierarchy.groupby(level=[0, 1]).head(40), fh=[1]
    )
    with pytest.raises(ValueError, match="y has 2 index levels .* fit's had 3"):
        forecaster.update(panel.groupby(level=0).tail(2), update_params=False)


class TestPretraining:
    @pytest.fixture(scope="class")
    @classmethod
    def pretrained(cls):
        forecaster = Seq2SeqLSTMForecaster(num_epochs=20, random_state=0)
        return forecaster.pretrain(sine_panel(n_series=20, seed=0), fh=np.arange(1, 13))

    def test_a_refused_pretrain_leaves_a_fitted_forecaster_predicting(self):
        panel = sine_panel(n_series=2, length=60)
        forecaster = Seq2SeqLSTMForecaster(**TINY).pretrain(panel, fh=[1, 2])
        y = pd.Series(np.sin(np.arange(60.0)) + 3)
        before = forecaster.fit(y, fh=[1, 2]).predict()
        with pytest.raises(ValueError, match="column"):
            forecaster.pretrain(panel.assign(z=1.0))  # another column count
        pd.testing.assert_series_equal(forecaster.predict(), before)

    def test_state_and_pretrained_attributes(self, pretrained):
        assert pretrained.state == "pretrained"
        assert set(pretrained.get_pretrained_params()) >= {
            "pretrained_network_",
            "pretrain_history_",
            "window_length_",
            "horizon_",
        }
        assert len(pretrained.pretrain_history_) == 20
        assert pretrained.horizon_ == 12
        # what fit decides for its own series is not a pretraining result
        fitted = copy.deepcopy(pretrained).fit(sine_panel(2, seed=3), fh=[1])
        fitted.fit(sine_panel(2, seed=4), fh=[1])  # resets to the pretrained
        assert "seasonal_series_" not in fitted.get_pretrained_params()

    def test_new_series_are_forecast_without_training(self, pretrained):
        forecaster = copy.deepcopy(pretrained)
        new = sine_panel(n_series=3, seed=7)  # phases, levels never seen
        train, truth = new.groupby(level=0).head(108), new.groupby(level=0).tail(12)
        forecaster.fit(train, fh=np.arange(1, 13))
        assert forecaster.history_.empty  # fit trained nothing
        for name, tensor in forecaster.network_.state_dict().items():
            torch.testing.assert_close(
                tensor.cpu(), pretrained.pretrained_network_.state_dict()[name]
            )
        prediction = forecaster.predict()
        for key, series in truth.groupby(level=0):
            amplitude = new.loc[key, "y"].std() * np.sqrt(2)
            error = np.abs(prediction.loc[key, "y"] - series.loc[key, "y"]).mean()
            assert error < 0.25 * amplitude, key

    def test_a_single_new_series(self, pretrained):
        forecaster = copy.deepcopy(pretrained)
        single = sine_panel(1, seed=8).droplevel(0)["y"]
        forecaster.fit(single[:-12], fh=np.arange(1, 13))
        amplitude = single.std() * np.sqrt(2)
        error = np.abs(forecaster.predict() - single[-12:]).mean()
        assert error < 0.25 * amplitude

    def test_refit_starts_again_from_the_pretrained_network(self, pretrained):
        forecaster = copy.deepcopy(pretrained)
        single = sine_panel(1, seed=8).droplevel(0)["y"]
        forecaster.fit(single[:-12], fh=[1, 2])
        first = forecaster.predict()
        forecaster.update(single[-12:-6], update_params=True)  # fine-tunes
        forecaster.fit(single[:-12], fh=[1, 2])
        pd.testing.assert_series_equal(forecaster.predict(), first)

    def test_more_pretraining_continues_the_same_network(self, pretrained):
        forecaster = copy.deepcopy(pretrained)
        before = copy.deepcopy(forecaster.pretrained_network_.state_dict())
        forecaster.pretrain(sine_panel(n_series=4, seed=3))
        assert len(forecaster.pretrain_history_) == 40
        # the second run's epochs and steps count on from the first's
        history = forecaster.pretrain_history_
        assert history["epoch"].tolist() == list(range(40))
        assert history["steps"].is_monotonic_increasing
        assert forecaster.window_length_ == pretrained.window_length_
        changed = [
            not torch.equal(t, before[n])
            for n, t in forecaster.pretrained_network_.state_dict().items()
        ]
        assert all(changed)

    def test_more_pretraining_for_another_horizon_is_refused(self, pretrained):
        # it trained on for the first horizon, whatever fh said
        forecaster = copy.deepcopy(pretrained)
        before = copy.deepcopy(forecaster.pretrained_network_.state_dict())
        with pytest.raises(ValueError, match=r"horizon of 12 steps.*reaches 6"):
            forecaster.pretrain(sine_panel(n_series=4, seed=3), fh=range(1, 7))
        for name, tensor in forecaster.pretrained_network_.state_dict().items():
            assert torch.equal(tensor, before[name])
        forecaster.pretrain(sine_panel(n_series=4, seed=3), fh=np.arange(1, 13))
        assert forecaster.horizon_ == 12

    def test_a_single_observed_value_is_held_with_a_warning(self):
        panel = sine_panel(n_series=2, length=40) + 5
        forecaster = Seq2SeqLSTMForecaster(**TINY, loss="gaussian")
        forecaster.pretrain(panel, fh=[1, 2])
        one_value = pd.Series([np.nan] * 29 + [5.0])
        with pytest.warns(UserWarning, match="'y' has a single observed value"):
            forecaster.fit(one_value.rename("y"), fh=[1, 2])
        # held as a constant column is: the value, no spread
        np.testing.assert_array_equal(forecaster.predict().to_numpy(), [5.0, 5.0])
        np.testing.assert_array_equal(forecaster.predict_var().to_numpy(), 0.0)
        two_values = pd.Series([np.nan] * 28 + [5.0, 5.5], name="y")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            forecaster.fit(two_values, fh=[1, 2])
        assert (forecaster.predict_var().to_numpy() > 0).all()

    def test_diverging_pretraining_keeps_the_pretrained_network(self, pretrained):
        forecaster = copy.deepcopy(pretrained)
        # set_params would reset the pretraining itself
        forecaster.lr, forecaster.num_epochs = 1e8, 3
        before = copy.deepcopy(forecaster.pretrained_network_.state_dict())
        history = forecaster.pretrain_history_.copy()
        with pytest.raises(FloatingPointError):
            forecaster.pretrain(1e6 * sine_panel(n_series=4, seed=3))
        for name, tensor in forecaster.pretrained_network_.state_dict().items():
            assert torch.equal(tensor, before[name])
            assert tensor.device.type == "cpu"
        pd.testing.assert_frame_equal(forecaster.pretrain_history_, history)

    def test_data_shaped_unlike_the_pretraining_data(self, pretrained):
        forecaster = copy.deepcopy(pretrained)
        two_columns = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0)})
        with pytest.raises(ValueError, match="pretrained on 1 target column"):
            forecaster.fit(two_columns, fh=[1])

    @pytest.mark.parametrize("scaling", ["global", "auto"])
    def test_missing_covariates_are_named_before_the_scaling_reads_them(self, scaling):
        y = sine_panel(n_series=2, length=40) + 200
        X = pd.DataFrame({"x": np.arange(80.0)}, index=y.index)
        forecaster = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=2, scaling=scaling)
        forecaster.pretrain(y, X=X, fh=[1])
        one = y.loc[[y.index[0][0]]]
        for refit in (lambda: forecaster.fit(one), lambda: forecaster.pretrain(y)):
            with pytest.raises(ValueError, match="1 covariate.s. known ahead"):
                refit()

    def test_fit_matches_the_pretrained_columns_by_name(self):
        rng = np.random.default_rng(0)
        y = sine_panel(n_series=3, length=43) + 5
        y["z"] = y["y"] * 2 + rng.normal(size=len(y))
        X = pd.DataFrame(
            {"a": rng.normal(size=len(y)), "b": np.tile(np.arange(43.0), 3)},
            index=y.index,
        )
        train = y.groupby(level=0).head(40)
        forecaster = Seq2SeqLSTMForecaster(**TINY).pretrain(
            train, X=X.loc[train.index], fh=[1, 2]
        )
        key = y.index[0][0]
        one, future = train.loc[[key]], X.loc[[key]].iloc[40:]
        X_one = X.loc[one.index]
        forecasts = [
            copy.deepcopy(forecaster)
            .fit(targets, X=covariates, fh=[1, 2])
            .predict(X=future)[["y", "z"]]
            for targets, covariates in [
                (one, X_one),
                (one[["z", "y"]], X_one[["b", "a"]]),
            ]
        ]
        pd.testing.assert_frame_equal(*forecasts)
        with pytest.raises(ValueError, match=r"X columns \['a', 'b'\].*\['c', 'b'\]"):
            copy.deepcopy(forecaster).fit(one, X=X_one.rename(columns={"a": "c"}))
        with pytest.raises(ValueError, match="target columns"):
            copy.deepcopy(forecaster).fit(one.rename(columns={"z": "w"}), X=X_one)
        # named all otherwise: by position, as sktime's pretraining tests pass them
        renamed = copy.deepcopy(forecaster).fit(
            one.set_axis([0, 1], axis=1),
            X=X_one.set_axis(["c", "d"], axis=1),
            fh=[1, 2],
        )
        np.testing.assert_array_equal(
            renamed.predict(X=future.set_axis(["c", "d"], axis=1)).to_numpy(),
            forecasts[0].to_numpy(),
        )

    @staticmethod
    def forecasts_in_both_orders(method):
        """``method``'s forecasts, pretrained on [y, z]: fit on it, and on [z, y]."""
        y = sine_panel(n_series=2, length=40) + 5
        y["z"] = 100 * y["y"]
        forecaster = Seq2SeqLSTMForecaster(**TINY, loss="gaussian")
        forecaster.pretrain(y, fh=[1, 2])
        one = y.loc[[y.index[0][0]]]
        return (
            getattr(copy.deepcopy(forecaster).fit(targets, fh=[1, 2]), method)()
            for targets in (one, one[["z", "y"]])
        )

    @pytest.mark.parametrize(
        "method",
        ["predict", "predict_interval", "predict_quantiles", "predict_var"],
    )
    def test_forecasts_come_in_the_order_of_fits_columns(self, method):
        # sktime's metrics pair columns by place: pretraining's order of the
        # same names would score each target against another
        in_order, swapped = self.forecasts_in_both_orders(method)
        assert swapped.columns.get_level_values(0).unique().tolist() == ["z", "y"]
        pd.testing.assert_frame_equal(swapped, in_order[swapped.columns])

    def test_distributions_come_in_the_order_of_fits_columns(self):
        in_order, swapped = self.forecasts_in_both_orders("predict_proba")
        assert swapped.columns.tolist() == ["z", "y"]
        pd.testing.assert_frame_equal(swapped.mean(), in_order.mean()[["z", "y"]])

    def test_columns_read_by_position_keep_the_past_covariates_places(self):
        rng = np.random.default_rng(0)
        y = sine_panel(n_series=2, length=33) + 50
        X = pd.DataFrame(
            {"k": rng.normal(size=len(y)), "p": rng.normal(size=len(y))},
            index=y.index,
        )
        train = y.groupby(level=0).head(30)
        forecaster = Seq2SeqLSTMForecaster(**TINY, past_covariates=["p"])
        forecaster.pretrain(train, X=X.loc[train.index], fh=[1, 2])
        key = y.index[0][0]
        one, X_one = train.loc[[key]], X.loc[[key]]
        named, positional = (
            copy.deepcopy(forecaster)
            .fit(one, X=covariates.loc[one.index], fh=[1, 2])
            .predict(X=covariates.iloc[30:])
            for covariates in (X_one, X_one.set_axis(["c", "d"], axis=1))
        )
        np.testing.assert_array_equal(named.to_numpy(), positional.to_numpy())

    def test_a_series_shorter_than_the_pretrained_window_is_padded(self, pretrained):
        # ten values, then the same ten after 14 missing ones: one window of
        # 24 whose first 14 values are missing, both ways
        short = copy.deepcopy(pretrained).fit(pd.Series(np.arange(10.0)), fh=[1])
        padded_y = pd.Series(np.r_[np.full(14, np.nan), np.arange(10.0)])
        padded = copy.deepcopy(pretrained).fit(padded_y, fh=[1])
        assert short.window_length_ == 24
        np.testing.assert_allclose(
            short.predict().to_numpy(), padded.predict().to_numpy(), rtol=1e-6
        )

    def test_an_fh_in_time_has_no_cutoff_to_count_from(self):
        times = sine_panel(n_series=2, length=40).index.levels[1]
        forecaster = Seq2SeqLSTMForecaster(**TINY)
        with pytest.raises(ValueError, match="no cutoff to count it from"):
            forecaster.pretrain(
                sine_panel(n_series=2, length=40),
                fh=ForecastingHorizon(times[-1] + np.array([1, 2]), is_relative=False),
            )

    def test_pretrain_after_a_plain_fit_is_refused_as_it_was(self):
        # fitted on a named series, so that a panel's types stored over its
        # own would show in the forecast
        y = pd.Series(sine_panel(n_series=1, length=40)["y"].to_numpy(), name="sales")
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])
        before = forecaster.predict()
        with pytest.raises(ValueError, match="fitted without being pretrained"):
            forecaster.pretrain(sine_panel(n_series=2, length=40), fh=[1])
        pd.testing.assert_series_equal(forecaster.predict(), before)

    def test_predict_needs_fit_after_pretrain(self, pretrained):
        from sktime.exceptions import NotFittedError

        with pytest.raises(NotFittedError):
            copy.deepcopy(pretrained).predict(fh=[1])


class TestScaling:
    def test_global_scaling_shares_one_scale(self):
        y = sine_panel(n_series=3, length=40)
        forecaster = Seq2SeqLSTMForecaster(**TINY, scaling="global").fit(y, fh=[1])
        modelled = np.log(y["y"]) if forecaster.log_targets_[0] else y["y"]
        np.testing.assert_allclose(forecaster.scale_loc_, modelled.mean())
        np.testing.assert_allclose(forecaster.scale_scale_, modelled.std(ddof=0))

    def test_no_scaling(self):
        forecaster = Seq2SeqLSTMForecaster(**TINY, scaling=None)
        forecaster.fit(sine_panel(n_series=2, length=40), fh=[1])
        assert (forecaster.scale_loc_ == 0).all()
        assert (forecaster.scale_scale_ == 1).all()

    def test_fit_after_pretrain_reuses_the_pretraining_scale(self):
        panel = sine_panel(n_series=4, length=40)
        forecaster = Seq2SeqLSTMForecaster(**TINY, scaling="global").pretrain(
            panel, fh=[1, 2]
        )
        new = sine_panel(n_series=1, length=40, seed=5) * 10  # another scale
        forecaster.fit(new, fh=[1, 2])
        modelled = np.log(panel["y"]) if forecaster.log_targets_[0] else panel["y"]
        np.testing.assert_allclose(forecaster.scale_loc_, modelled.mean())
        np.testing.assert_allclose(forecaster.scale_scale_, modelled.std(ddof=0))

    def test_auto_scales_log_changes_by_their_pooled_size(self):
        panel = sine_panel(n_series=4, length=40) + 20  # positive: on the log scale
        forecaster = Seq2SeqLSTMForecaster(**TINY).pretrain(panel, fh=[1, 2])
        assert forecaster.log_targets_.tolist() == [True]
        logged = np.log(panel["y"])
        # the mean absolute change within each series, over all of them
        pooled = logged.groupby(level=0).diff().abs().mean()
        np.testing.assert_allclose(forecaster.pretrain_log_scale_, [pooled])
        # a series fitted after pretrain, of ten times the level, keeps the
        # unit of the changes and its own level
        new = (sine_panel(n_series=1, length=40, seed=5) + 20) * 10
        forecaster.fit(new, fh=[1, 2])
        np.testing.assert_allclose(forecaster.scale_scale_, [[pooled]])
        np.testing.assert_allclose(forecaster.scale_loc_, [[np.log(new["y"]).mean()]])

    def test_unknown_scaling(self):
        forecaster = Seq2SeqLSTMForecaster(**TINY, scaling="minmax")
        with pytest.raises(ValueError, match="scaling must be one of"):
            forecaster.fit(sine_panel(n_series=1, length=40), fh=[1])

    @pytest.mark.slow
    def test_short_samples_forecast_better_on_a_global_scale(self):
        # many 20-point samples of one process: each sample's own mean and
        # spread are noisy, and differ between its history and its whole
        rng = np.random.default_rng(0)

        def samples(n, start):
            shift = rng.uniform(0, 2 * np.pi, n)
            x = np.linspace(shift, 3 * np.pi + shift, 20).T
            index = pd.MultiIndex.from_product([range(start, start + n), range(20)])
            return pd.DataFrame({"y": np.sin(x).ravel()}, index=index)

        train, valid = samples(600, 0), samples(50, 10_000)
        history = valid.groupby(level=0).head(10)
        truth = valid.groupby(level=0).tail(10)["y"].to_numpy()
        errors = {}
        for scaling in ("series", "global"):
            forecaster = Seq2SeqLSTMForecaster(
                window_length=10,
                cell_type="gru",
                num_layers=2,
                hidden_size=12,
                num_epochs=15,
                lr=1e-2,
                decoder_input="context",
                scaling=scaling,
                random_state=0,
            )
            forecaster.pretrain(train, fh=np.arange(1, 11)).fit(history)
            predicted = forecaster.predict(np.arange(1, 11))["y"].to_numpy()
            errors[scaling] = np.mean((predicted - truth) ** 2)
        assert errors["global"] < errors["series"] / 3


def test_forecasts_keep_the_index_level_names():
    panel = sine_panel(3).rename_axis(["id", "time"])
    forecaster = Seq2SeqLSTMForecaster(**TINY, loss="gaussian").fit(panel, fh=[1, 2])
    assert list(forecaster.predict().index.names) == ["id", "time"]
    assert list(forecaster.predict_interval().index.names) == ["id", "time"]


def long_format(panel, times):
    """The panel as a long table re-indexed with set_index, as users make it."""
    long = panel.rename_axis(["id", "time"]).reset_index()
    long["time"] = np.tile(times, panel.index.get_level_values(0).nunique())
    return long.set_index(["id", "time"])


def test_a_datetime_time_level_without_freq_is_inferred():
    panel = sine_panel(2, length=60)
    long = long_format(panel, pd.date_range("2001-01-01", periods=60, freq="D"))
    assert long.index.get_level_values(-1).freq is None
    forecast = Seq2SeqLSTMForecaster(**TINY).fit(long, fh=[1, 2]).predict()
    expected_times = pd.DatetimeIndex(["2001-03-02", "2001-03-03"] * 2)
    assert (forecast.index.get_level_values(-1) == expected_times).all()
    # the same numbers as the integer-indexed panel
    plain = Seq2SeqLSTMForecaster(**TINY).fit(panel, fh=[1, 2]).predict()
    np.testing.assert_array_equal(forecast.to_numpy(), plain.to_numpy())


def test_an_irregular_datetime_index_is_refused_before_training():
    days = np.sort(np.random.default_rng(0).choice(400, 30, replace=False))
    times = pd.Timestamp("2001-01-01") + pd.to_timedelta(days, unit="D")
    long = long_format(sine_panel(2, length=30), times)
    with pytest.raises(ValueError, match="without a frequency.*asfreq"):
        Seq2SeqLSTMForecaster(**TINY).fit(long, fh=[1])


def noisy_sine(length, period=20, seed=0, start=0):
    rng = np.random.default_rng(seed)
    t = np.arange(start, start + length)
    return np.sin(2 * np.pi * t / period) + 0.1 * rng.normal(size=length)


def panel_of(series):
    """A panel from {key: values}, each series' time counted from 0."""
    frames = [
        pd.DataFrame(
            {"y": values},
            index=pd.MultiIndex.from_arrays([[key] * len(values), range(len(values))]),
        )
        for key, values in series.items()
    ]
    return pd.concat(frames)


class TestUnequalLengths:
    """The window is chosen for the panel; short series are padded and masked."""

    FH = np.arange(1, 13)
    SETTINGS = {"window_length": 48, "max_steps": 300, "random_state": 0}

    def long_series(self):
        return {"a": noisy_sine(400, seed=1), "b": noisy_sine(400, seed=2, start=7)}

    def test_a_short_series_trains_and_is_forecast_at_the_panel_window(self):
        series = {"short": noisy_sine(30, seed=3), **self.long_series()}
        forecaster = Seq2SeqLSTMForecaster(**self.SETTINGS)
        forecaster.fit(panel_of(series), fh=self.FH)
        assert forecaster.window_length_ == 48
        prediction = forecaster.predict()
        assert prediction.index.get_level_values(0).unique().tolist() == [
            "short",
            "a",
            "b",
        ]
        # the short series, of period 20, is forecast from its own 30 values
        truth = np.sin(2 * np.pi * np.arange(30, 42) / 20)
        naive = np.abs(truth - series["short"][-1]).mean()
        assert np.abs(prediction.loc["short", "y"] - truth).mean() < 0.5 * naive

    def test_the_short_series_changes_the_long_ones_only_as_more_data_does(self):
        truth = {
            key: np.sin(2 * np.pi * (np.arange(400, 412) + shift) / 20)
            for key, shift in (("a", 0), ("b", 7))
        }

        def long_errors(series, seed=0):
            settings = {**self.SETTINGS, "random_state": seed}
            forecaster = Seq2SeqLSTMForecaster(**settings)
            prediction = forecaster.fit(panel_of(series), fh=self.FH).predict()
            return np.array(
                [np.abs(prediction.loc[k, "y"] - truth[k]).mean() for k in truth]
            )

        without = long_errors(self.long_series())
        with_short = long_errors(
            {"short": noisy_sine(30, seed=3), **self.long_series()}
        )
        other_seed = long_errors(self.long_series(), seed=1)
        # the short series moves the long forecasts no more than a new random
        # state does (plus a margin), and never makes them bad
        spread = np.abs(without - other_seed).max()
        assert np.abs(with_short - without).max() <= 2 * spread + 0.02
        assert with_short.max() < 0.15

    def test_a_short_series_with_covariates_is_padded_as_by_hand(self):
        # the forecaster pads a short series with missing targets and its
        # covariates' first values; padded so by hand, it trains the same
        window, horizon, length = 16, 4, 10
        lengths = {"short": length, "a": 60, "b": 60}

        def frames(padding):
            rng = np.random.default_rng(0)
            y, X = [], []
            for key, n in lengths.items():
                pad = padding if key == "short" else 0
                times = pd.RangeIndex(100 - pad, 100 + n)
                index = pd.MultiIndex.from_arrays([[key] * len(times), times])
                values = np.r_[np.full(pad, np.nan), noisy_sine(n, seed=len(y))]
                known, past = rng.normal(size=(2, n + horizon))
                known, past = np.r_[np.full(pad, known[0]), known], past[:n]
                past = np.r_[np.full(pad, past[0]), past]
                y.append(pd.DataFrame({"y": values}, index=index))
                future = pd.RangeIndex(100 - pad, 100 + n + horizon)
                X.append(
                    pd.DataFrame(
                        {"known": known, "past": np.r_[past, np.zeros(horizon)]},
                        index=pd.MultiIndex.from_arrays([[key] * len(future), future]),
                    )
                )
            return pd.concat(y), pd.concat(X)

        def forecast(padding):
            y, X = frames(padding)
            forecaster = Seq2SeqLSTMForecaster(
                window_length=window,
                seasonal_period=None,
                scaling=None,
                past_covariates=["past"],
                hidden_size=8,
                max_steps=20,
                random_state=0,
            )
            forecaster.fit(y, X=X.loc[y.index], fh=np.arange(1, horizon + 1))
            return forecaster.predict(X=X)

        # windows end at every point: the short series, its horizon past its
        # end, is padded to window + 1 points, so by hand to that length
        by_hand = forecast(padding=window + 1 - length)
        padded = forecast(padding=0)
        assert np.isfinite(padded.to_numpy()).all()
        np.testing.assert_array_equal(padded.to_numpy(), by_hand.to_numpy())

    def test_too_few_observed_values_for_the_horizon_is_refused(self):
        # windows end at every point: one value to read and one to learn do
        series = {"tiny": noisy_sine(1), **self.long_series()}
        y = panel_of(series)
        kept = y.copy()
        with pytest.raises(ValueError, match="series 'tiny'.* 1 observed .* 2"):
            Seq2SeqLSTMForecaster(**self.SETTINGS).fit(y, fh=self.FH)
        pd.testing.assert_frame_equal(y, kept)


class TestMissingValues:
    """NaN in y is filled, flagged to the encoder and kept out of the loss."""

    def test_a_sine_with_a_tenth_missing_is_forecast_about_as_well(self):
        values = noisy_sine(600)
        truth = np.sin(2 * np.pi * np.arange(600, 612) / 20)

        def rmse(y):
            forecaster = Seq2SeqLSTMForecaster(max_steps=400, random_state=0)
            forecaster.fit(pd.Series(y), fh=np.arange(1, 13))
            return np.sqrt(np.mean((forecaster.predict() - truth) ** 2))

        complete = rmse(values)
        gappy = []
        for seed in range(3):  # three draws of the gaps
            y = values.copy()
            y[np.random.default_rng(seed).random(600) < 0.1] = np.nan
            y[-1] = values[-1]  # the same last value, so the same level
            gappy.append(rmse(y))
        assert np.mean(gappy) <= 1.5 * complete
        assert complete < 0.1

    def test_series_that_start_and_end_at_different_times(self):
        # on a common time axis: "late" starts 40 steps in, "early" stops 5
        # steps before the end; NaN fills the rows they lack
        late = np.r_[np.full(40, np.nan), noisy_sine(160, seed=1, start=40)]
        early = np.r_[noisy_sine(195, seed=2), np.full(5, np.nan)]
        y = panel_of({"late": late, "early": early})
        kept = y.copy()
        forecaster = Seq2SeqLSTMForecaster(max_steps=50, random_state=0)
        forecaster.fit(y, fh=[1, 2, 3])
        pd.testing.assert_frame_equal(y, kept)
        inputs = []
        hook = forecaster.network_.register_forward_pre_hook(
            lambda module, args: inputs.append(args[0])
        )
        prediction = forecaster.predict()
        hook.remove()
        assert np.isfinite(prediction.to_numpy()).all()
        assert prediction.loc["early"].index.tolist() == [200, 201, 202]
        # "early"'s window ends with its last observation carried over the
        # five missing rows, each flagged as not observed
        past = inputs[0][1].cpu().numpy()  # [window, target + availability]
        loc, spread = forecaster.scale_loc_[1, 0], forecaster.scale_scale_[1, 0]
        last_observed = (early[194] - loc) / spread
        np.testing.assert_allclose(past[-6:, 0], last_observed, rtol=1e-5)
        assert past[-6:, 1].tolist() == [1, 0, 0, 0, 0, 0]

    def test_update_with_a_gap_trains_and_forecasts(self):
        values = noisy_sine(300)
        forecaster = Seq2SeqLSTMForecaster(max_steps=50, random_state=0)
        forecaster.fit(pd.Series(values[:280]), fh=[1, 2])
        new = pd.Series(values[280:], index=range(280, 300))
        new.iloc[[3, 4, 19]] = np.nan  # the last value missing too
        forecaster.update(new)
        assert forecaster.cutoff[0] == 299
        assert np.isfinite(forecaster.predict()).all()

    @pytest.mark.parametrize(
        "y, message",
        [
            (pd.Series(np.full(40, np.nan)), "no value: every entry is missing"),
            (pd.Series(np.r_[np.full(39, np.nan), 1.0]), "1 observed value"),
            (
                pd.Series(np.r_[np.full(39, np.nan), 1.0], name="sales"),
                "target column 'sales' has 1 observed value.*Drop the series, or",
            ),
        ],
    )
    def test_too_little_observed_is_refused(self, y, message):
        kept = y.copy()
        with pytest.raises(ValueError, match=message):
            Seq2SeqLSTMForecaster(max_steps=5).fit(y, fh=[1, 2, 3])
        pd.testing.assert_series_equal(y, kept)


def keyed_by(stores, names=("store", "t")):
    """Two series of 40 points, their series keys ``stores``."""
    index = pd.MultiIndex.from_arrays(
        [[store for store in stores for _ in range(40)], [*range(40)] * 2],
        names=names,
    )
    return pd.DataFrame({"y": np.r_[np.arange(40.0), np.arange(40.0)] + 1}, index)


@pytest.mark.parametrize("missing", [np.nan, None])
def test_a_series_without_a_key_is_refused_naming_the_level(missing):
    forecaster = Seq2SeqLSTMForecaster(**TINY)
    with pytest.raises(ValueError, match="y's index level 'store' has 40 missing"):
        forecaster.fit(keyed_by(["a", missing]), fh=[1])
    hierarchy = pd.concat({"north": keyed_by(["a", missing])})
    with pytest.raises(ValueError, match="y's index level 'store' has 40 missing"):
        forecaster.fit(hierarchy, fh=[1])
    y = keyed_by(["a", "b"], names=(None, "t"))
    X = keyed_by([missing, "b"], names=(None, "t")).rename(columns={"y": "x"})
    with pytest.raises(ValueError, match="X's index level 0 has 40 missing"):
        forecaster.fit(y, X=X, fh=[1])
    # a NaN key and a None key are two series, each in time order: not a
    # series whose time goes back
    with pytest.raises(ValueError, match="y's index level 'store' has 80 missing"):
        forecaster.fit(keyed_by([np.nan, None]), fh=[1])


@pytest.mark.parametrize("seasonal_period", [12, "auto"])
def test_a_series_shorter_than_the_season_is_anchored_at_its_last_value(
    seasonal_period,
):
    # it has no value a season before: the anchor would read the padding,
    # its first value carried back
    times = pd.period_range("2000-01", periods=60, freq="M")
    t = np.arange(60)
    frames = {
        "long": 20 + np.sin(2 * np.pi * t / 12),
        "other": 30 + np.cos(2 * np.pi * t / 12),
        "short": np.array([8.0, 9.0, 10.0, 11.0, 12.0]),
    }
    y = pd.concat(
        {
            key: pd.DataFrame({"y": v}, index=times[-len(v) :])
            for key, v in frames.items()
        }
    )
    # no training: the forecast is the anchor, give or take the head's start
    forecaster = Seq2SeqLSTMForecaster(
        seasonal_period=seasonal_period, max_steps=1, lr=1e-12, random_state=0
    ).fit(y, fh=[1, 2, 3])
    assert forecaster.seasonal_series_.tolist() == [True, True, False]
    short = forecaster.predict().loc["short", "y"].to_numpy()
    np.testing.assert_allclose(short, 12.0, atol=0.5)
