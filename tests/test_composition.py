"""The forecaster inside sktime's pipelines, tuners, evaluation and ensembles."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone as sklearn_clone
from sktime.datasets import load_airline
from sktime.forecasting.compose import (
    EnsembleForecaster,
    ForecastingPipeline,
    MultiplexForecaster,
    TransformedTargetForecaster,
)
from sktime.forecasting.model_evaluation import evaluate
from sktime.forecasting.model_selection import (
    ForecastingGridSearchCV,
    ForecastingRandomizedSearchCV,
)
from sktime.forecasting.naive import NaiveForecaster
from sktime.performance_metrics.forecasting import MeanAbsoluteError
from sktime.split import ExpandingWindowSplitter, SlidingWindowSplitter
from sktime.transformations.series.boxcox import LogTransformer
from sktime.transformations.series.detrend import Deseasonalizer, Detrender
from sktime.transformations.series.exponent import ExponentTransformer

from skseq2seq import Seq2SeqLSTMForecaster

TINY = {"hidden_size": 4, "num_epochs": 2, "random_state": 0}
FH = [1, 2, 3]


@pytest.fixture(scope="module")
def y():
    return load_airline()


def cv(kind="expanding"):
    if kind == "sliding":
        return SlidingWindowSplitter(window_length=100, step_length=20, fh=FH)
    return ExpandingWindowSplitter(initial_window=110, step_length=15, fh=FH)


@pytest.mark.parametrize(
    "transformer",
    [Deseasonalizer(sp=12, model="multiplicative"), Detrender(), LogTransformer()],
    ids=["deseasonalize", "detrend", "log"],
)
def test_transformed_target(y, transformer):
    pipeline = TransformedTargetForecaster(
        [("transform", transformer), ("forecast", Seq2SeqLSTMForecaster(**TINY))]
    )
    prediction = pipeline.fit(y, fh=FH).predict()
    # the independent path: transform, fit, forecast, and transform back by hand
    by_hand = transformer.clone()
    transformed = by_hand.fit_transform(y)
    forecast = Seq2SeqLSTMForecaster(**TINY).fit(transformed, fh=FH).predict()
    expected = by_hand.inverse_transform(forecast)
    pd.testing.assert_series_equal(prediction, expected, check_names=False)
    assert prediction.index.equals(pd.period_range("1961-01", periods=3, freq="M"))


def test_pipeline_with_x_transformer(y):
    X = pd.DataFrame(
        {"x": np.arange(len(y) + 3.0)},
        index=pd.period_range("1949-01", periods=147, freq="M"),
    )
    pipeline = ForecastingPipeline(
        [
            ("square", ExponentTransformer(power=2)),
            ("forecast", Seq2SeqLSTMForecaster(**TINY)),
        ]
    )
    pipeline.fit(y, X=X.iloc[:-3], fh=FH)
    assert pipeline.forecaster_.covariates_ == ["x"]
    # the same as the forecaster given the squared X itself
    alone = Seq2SeqLSTMForecaster(**TINY).fit(y, X=X.iloc[:-3] ** 2, fh=FH)
    pd.testing.assert_series_equal(
        pipeline.predict(X=X.iloc[-3:]), alone.predict(X=X.iloc[-3:] ** 2)
    )


@pytest.mark.parametrize("splitter", ["expanding", "sliding"])
def test_grid_search_over_network_and_decoder(y, splitter):
    search = ForecastingGridSearchCV(
        Seq2SeqLSTMForecaster(**TINY),
        cv=cv(splitter),
        param_grid={
            "hidden_size": [2, 4],
            "decoder_input": ["autoregressive", "context"],
        },
    )
    search.fit(y)
    assert len(search.cv_results_) == 4
    assert set(search.best_params_) == {"hidden_size", "decoder_input"}
    assert search.best_forecaster_.hidden_size == search.best_params_["hidden_size"]
    assert len(search.predict(FH)) == 3


def test_nested_parameter_names_in_a_pipeline(y):
    pipeline = TransformedTargetForecaster(
        [("log", LogTransformer()), ("forecast", Seq2SeqLSTMForecaster(**TINY))]
    )
    search = ForecastingGridSearchCV(
        pipeline,
        cv=cv(),
        param_grid={
            "forecast__training_strategy": ["recursive", "teacher_forcing"],
            "forecast__cell_type": ["lstm", "gru"],
        },
    )
    search.fit(y)
    best = search.best_forecaster_.steps_[-1][1]
    assert best.training_strategy == search.best_params_["forecast__training_strategy"]
    assert best.cell_type == search.best_params_["forecast__cell_type"]


def test_randomized_search(y):
    search = ForecastingRandomizedSearchCV(
        Seq2SeqLSTMForecaster(**TINY),
        cv=cv("sliding"),
        param_distributions={"hidden_size": [2, 4, 8], "lr": [1e-3, 1e-2]},
        n_iter=3,
        random_state=0,
    )
    search.fit(y)
    assert len(search.cv_results_) == 3


def test_the_same_search_twice_gives_the_same_result(y):
    def run():
        search = ForecastingGridSearchCV(
            Seq2SeqLSTMForecaster(**TINY),
            cv=cv(),
            param_grid={"hidden_size": [2, 4]},
        )
        return search.fit(y).cv_results_["mean_test_MeanAbsolutePercentageError"]

    np.testing.assert_array_equal(run(), run())


def test_evaluate(y):
    results = evaluate(
        Seq2SeqLSTMForecaster(**TINY),
        cv(),
        y,
        scoring=MeanAbsoluteError(),
        return_data=True,
    )
    assert len(results) == 3  # (144 - 110 - 3) // 15 + 1 folds
    assert np.isfinite(results["test_MeanAbsoluteError"]).all()
    assert all(len(prediction) == 3 for prediction in results["y_pred"])


def test_evaluate_with_x_needs_a_contiguous_fh_and_says_so(y):
    X = pd.DataFrame({"month": y.index.month.astype(float)}, index=y.index)
    gapped = ExpandingWindowSplitter(initial_window=120, step_length=12, fh=[2, 4])
    with pytest.raises(ValueError, match="give them a contiguous fh"):
        evaluate(Seq2SeqLSTMForecaster(**TINY), gapped, y, X=X, error_score="raise")
    contiguous = ExpandingWindowSplitter(initial_window=120, step_length=12, fh=FH)
    results = evaluate(
        Seq2SeqLSTMForecaster(**TINY), contiguous, y, X=X, return_data=True
    )
    # the first fold, by hand: fit on the first 120 months, X over the horizon
    by_hand = Seq2SeqLSTMForecaster(**TINY).fit(y.iloc[:120], X=X.iloc[:120], fh=FH)
    pd.testing.assert_series_equal(
        results["y_pred"].iloc[0], by_hand.predict(X=X.iloc[120:123])
    )


def test_evaluate_with_update_strategy(y):
    results = evaluate(Seq2SeqLSTMForecaster(**TINY), cv(), y, strategy="update")
    assert np.isfinite(results.iloc[:, 0]).all()


def test_multiplex(y):
    multiplex = MultiplexForecaster(
        [
            ("seq2seq", Seq2SeqLSTMForecaster(**TINY)),
            ("naive", NaiveForecaster(strategy="last")),
        ]
    )
    search = ForecastingGridSearchCV(
        multiplex, cv=cv(), param_grid={"selected_forecaster": ["seq2seq", "naive"]}
    )
    search.fit(y)
    assert search.best_params_["selected_forecaster"] in ("seq2seq", "naive")
    assert len(search.predict(FH)) == 3


def test_ensemble(y):
    ensemble = EnsembleForecaster(
        [
            ("lstm", Seq2SeqLSTMForecaster(**TINY)),
            ("gru", Seq2SeqLSTMForecaster(**TINY, cell_type="gru")),
        ]
    )
    prediction = ensemble.fit(y, fh=FH).predict()
    parts = [np.ravel(f.predict()) for _, f in ensemble.forecasters_]
    np.testing.assert_allclose(prediction, np.mean(parts, axis=0))


def test_clone_keeps_params_and_drops_the_fit(y):
    forecaster = Seq2SeqLSTMForecaster(**TINY, decoder_input="context")
    forecaster.fit(y, fh=FH)
    for cloned in (forecaster.clone(), sklearn_clone(forecaster)):
        assert cloned.get_params() == forecaster.get_params()
        assert not cloned.is_fitted and not hasattr(cloned, "network_")
        pd.testing.assert_series_equal(
            cloned.fit(y, fh=FH).predict(), forecaster.predict()
        )
