"""ONNX export: onnxruntime forecasts what predict does, without torch."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.exceptions import NotFittedError

from skseq2seq import Seq2SeqLSTMEmbedder, Seq2SeqLSTMForecaster

pytest.importorskip("onnxruntime")
from skseq2seq.serving import OnnxEmbedder, OnnxForecaster  # noqa: E402

SETTINGS = {"hidden_size": 8, "max_steps": 10, "random_state": 0}


def exported(forecaster, tmp_path):
    return OnnxForecaster(forecaster.export_onnx(tmp_path / "model.onnx"))


def last_windows(y, window_length):
    """The raw last window of every series: (n_series, window, n_columns)."""
    if not isinstance(y.index, pd.MultiIndex):
        return y.to_numpy(np.float64)[None, -window_length:].reshape(
            1, window_length, -1
        )
    return np.stack(
        [
            group.to_numpy(np.float64)[-window_length:]
            for _, group in y.groupby(level=0, sort=False)
        ]
    )


def sine_frame(n, columns=1, phase=0.0):
    t = np.arange(n) + phase
    return pd.DataFrame(
        {f"y{i}": 10 * (i + 1) + np.sin(t / (3 + i)) for i in range(columns)}
    )


@pytest.mark.parametrize("loss", ["mse", "gaussian", "quantile"])
def test_a_single_series_forecasts_as_predict(loss, tmp_path):
    y = sine_frame(80)["y0"]
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS, loss=loss).fit(y, fh=[1, 2, 3])
    model = exported(forecaster, tmp_path)
    point, parameters = model.forecast(
        last_windows(y, model.window_length), distribution=True
    )
    expected = forecaster.predict().to_numpy()
    np.testing.assert_allclose(point[0, :, 0], expected, rtol=1e-4)
    if loss == "gaussian":  # on the log scale: the median and the log's spread
        assert forecaster.log_targets_.tolist() == [True]
        median, std = parameters[0, :, 0, 0], parameters[0, :, 0, 1]
        variance = forecaster.predict_var().to_numpy()
        np.testing.assert_allclose(
            median**2 * np.exp(std**2) * np.expm1(std**2), variance[:, 0], rtol=1e-3
        )


@pytest.mark.parametrize("cell_type", ["lstm", "gru"])
@pytest.mark.parametrize("decoder_input", ["autoregressive", "context"])
def test_a_multivariate_series(decoder_input, cell_type, tmp_path):
    y = sine_frame(80, columns=2)
    y["flat"] = 5.0  # constant in training: forecast as its last value
    forecaster = Seq2SeqLSTMForecaster(
        **SETTINGS, decoder_input=decoder_input, cell_type=cell_type, num_layers=2
    )
    forecaster.fit(y, fh=[1, 2])
    model = exported(forecaster, tmp_path)
    point = model.forecast(last_windows(y, model.window_length))
    np.testing.assert_allclose(point[0], forecaster.predict().to_numpy(), rtol=1e-4)


def test_a_panel_in_one_call(tmp_path):
    frames = {
        key: sine_frame(60 + 10 * i, phase=i)["y0"].to_numpy()
        for i, key in enumerate(["a", "b", "c"])
    }
    y = pd.concat(
        pd.DataFrame(
            {"y": values},
            index=pd.MultiIndex.from_arrays([[key] * len(values), range(len(values))]),
        )
        for key, values in frames.items()
    )
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS).fit(y, fh=[1, 2, 3])
    model = exported(forecaster, tmp_path)
    assert model.series == ["a", "b", "c"]
    point = model.forecast(last_windows(y, model.window_length))
    expected = forecaster.predict().to_numpy().reshape(3, 3, 1)
    np.testing.assert_allclose(point, expected, rtol=1e-4)
    # any subset, in any order, by position
    two = model.forecast(last_windows(y, model.window_length)[[2, 0]], series=[2, 0])
    np.testing.assert_allclose(two, expected[[2, 0]], rtol=1e-4)


def test_covariates_known_ahead(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=83)})
    y = pd.Series(np.sin(np.arange(83) / 4) + 0.5 * X["x"].shift(1).fillna(0))
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS).fit(
        y.iloc[:80], X=X.iloc[:80], fh=[1, 2, 3]
    )
    model = exported(forecaster, tmp_path)
    past = np.concatenate(
        [last_windows(y.iloc[:80], 24), last_windows(X.iloc[:80], 24)], axis=-1
    )
    with pytest.raises(ValueError, match="pass them as future"):
        model.forecast(past)
    with pytest.raises(ValueError, match=r"of shape \(1, 3, 1\)"):
        model.forecast(past, future=X.to_numpy()[None, 80:82])
    point = model.forecast(past, future=X.to_numpy()[None, 80:83])
    expected = forecaster.predict(X=X.iloc[80:83]).to_numpy()
    np.testing.assert_allclose(point[0, :, 0], expected, rtol=1e-4)


def test_bad_serving_input_gets_an_error_naming_the_fix(tmp_path):
    y = sine_frame(60)["y0"]
    model = exported(Seq2SeqLSTMForecaster(**SETTINGS).fit(y, fh=[1]), tmp_path)
    window = y.to_numpy()[-model.window_length :]
    with pytest.raises(ValueError, match=r"reads \(24, 1\): the last 24"):
        model.forecast(window[1:])
    gappy = window.copy()
    gappy[3] = np.nan
    with pytest.raises(ValueError, match="Fill the gaps first"):
        model.forecast(gappy)
    with pytest.raises(ValueError, match=r"each in \[0, 1\)"):
        model.forecast(window, series=[1])
    for positions in (["a"], [0.5], [True]):  # keys, or not integers
        with pytest.raises(ValueError, match="one integer position per window"):
            model.forecast(window, series=positions)
    assert np.isnan(gappy[3])  # the caller's array is left as it was


@pytest.mark.parametrize("estimator", [Seq2SeqLSTMForecaster, Seq2SeqLSTMEmbedder])
def test_an_unfitted_estimator_is_refused(estimator, tmp_path):
    with pytest.raises(NotFittedError):
        estimator().export_onnx(tmp_path / "model.onnx")


def test_serving_loads_neither_torch_nor_sktime_nor_pandas(tmp_path):
    y = sine_frame(60)["y0"]
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS).fit(y, fh=[1])
    path = forecaster.export_onnx(tmp_path / "model.onnx")
    code = (
        "import sys\n"
        "from skseq2seq.serving import OnnxForecaster\n"
        f"model = OnnxForecaster({str(path)!r})\n"
        "model.forecast([1.0] * model.window_length)\n"
        "print(sorted(m for m in ('torch', 'sktime', 'pandas') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def wave_panel(n_series, n_channels, length, seed=0):
    """Noisy waves of random frequency, numpy3D: (series, channels, time)."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    frequency = rng.uniform(0.1, 0.5, (n_series, n_channels, 1))
    return (
        3.0
        + np.sin(frequency * t)
        + 0.1 * rng.normal(size=(n_series, n_channels, length))
    )


@pytest.mark.parametrize(
    "settings",
    [
        {"scaling": "series"},
        {"scaling": "global", "cell_type": "gru", "num_layers": 2},
        {"scaling": None, "decoder_input": "autoregressive"},
    ],
)
def test_embeddings_equal_transform(settings, tmp_path):
    X = wave_panel(12, 2, 40)
    embedder = Seq2SeqLSTMEmbedder(
        hidden_size=8, num_epochs=3, random_state=0, **settings
    )
    embedder.fit(X)
    model = OnnxEmbedder(embedder.export_onnx(tmp_path / "embedder.onnx"))
    assert (model.n_channels, model.hidden_size) == (2, 8)
    # any number of series, of any length: both axes are free in the graph
    for sequences in (X, X[:3, :, :25]):
        expected = embedder.transform(sequences).to_numpy()
        np.testing.assert_allclose(
            model.embed(sequences), expected, rtol=1e-4, atol=1e-6
        )


def test_a_constant_series_embeds_as_transform_does(tmp_path):
    X = wave_panel(6, 1, 30)
    embedder = Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=2, random_state=0).fit(X)
    model = OnnxEmbedder(embedder.export_onnx(tmp_path / "embedder.onnx"))
    # float32 moments of this constant give a spread of 0.02, not 0
    flat = np.full((1, 1, 30), 123456.7)
    expected = embedder.transform(flat).to_numpy()
    np.testing.assert_allclose(model.embed(flat), expected, rtol=1e-4, atol=1e-6)
    # a long one: the mean's own round-off must not read as spread there either
    long = np.full((1, 1, 10_000), 0.1)
    expected = embedder.transform(long).to_numpy()
    np.testing.assert_allclose(model.embed(long), expected, rtol=1e-4, atol=1e-6)


def test_bad_embedding_input_gets_an_error_naming_the_fix(tmp_path):
    X = wave_panel(6, 2, 30)
    embedder = Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=1, random_state=0).fit(X)
    model = OnnxEmbedder(embedder.export_onnx(tmp_path / "embedder.onnx"))
    with pytest.raises(ValueError, match=r"\(batch, 2, n_timepoints\)"):
        model.embed(X[:, :1])
    gappy = X.copy()
    gappy[0, 1, 5] = np.nan
    with pytest.raises(ValueError, match="Fill or drop the gaps"):
        model.embed(gappy)
    assert np.isnan(gappy[0, 1, 5])
    with pytest.raises(ValueError, match="sequences must hold real numbers"):
        model.embed(X + 1j)
    ragged = [X[0].tolist(), X[1, :, 1:].tolist()]
    with pytest.raises(ValueError, match="every series of one length"):
        model.embed(ragged)


@pytest.mark.parametrize("loss", ["mae", "gaussian", "quantile"])
def test_log_targets_and_seasons_per_series_forecast_as_predict(loss, tmp_path):
    # a positive monthly panel: one series with a season, one random walk;
    # the window is shorter than the season, so the anchor reads further
    t = np.arange(72)
    rng = np.random.default_rng(0)
    frames = {
        "seasonal": 50 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=72),
        "walk": 50 + rng.normal(size=72).cumsum(),
    }
    y = pd.concat(
        pd.DataFrame(
            {"y": values},
            index=pd.MultiIndex.from_arrays(
                [[key] * 72, pd.period_range("2000-01", periods=72, freq="M")]
            ),
        )
        for key, values in frames.items()
    )
    forecaster = Seq2SeqLSTMForecaster(
        **SETTINGS, loss=loss, window_length=6, target_transform="auto", scaling="auto"
    ).fit(y, fh=[1, 2, 3])
    assert forecaster.log_targets_.tolist() == [True]
    assert forecaster.seasonal_period_ == 12
    assert forecaster.seasonal_series_.tolist() == [True, False]
    model = exported(forecaster, tmp_path)
    assert model.window_length == 12
    point, parameters = model.forecast(
        last_windows(y, model.window_length), distribution=True
    )
    expected = forecaster.predict().to_numpy().reshape(2, 3, 1)
    np.testing.assert_allclose(point, expected, rtol=1e-4)
    assert model.log_targets == [True]
    with pytest.raises(ValueError, match=r"zero or negative values in the target"):
        model.forecast(-last_windows(y, model.window_length))
    if loss == "quantile":
        levels = list(forecaster.network_.head.level_values)
        quantiles = forecaster.predict_quantiles(alpha=levels).to_numpy()
        np.testing.assert_allclose(parameters.reshape(6, -1), quantiles, rtol=1e-4)
    if loss == "gaussian":  # the median, and the normal of the log's spread
        mean, std = np.log(parameters[..., 0]), parameters[..., 1]
        variance = forecaster.predict_var().to_numpy().reshape(2, 3, 1)
        np.testing.assert_allclose(
            np.expm1(std**2) * np.exp(2 * mean + std**2), variance, rtol=1e-3
        )


def run_serving(code):
    """Run ``code`` in a fresh process: an onnxruntime abort must not kill pytest."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("loss", ["mse", "gaussian", "quantile"])
def test_no_windows_give_empty_forecasts_of_the_right_shape(loss, tmp_path):
    y = sine_frame(60)["y0"]
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS, loss=loss).fit(y, fh=[1, 2])
    path = forecaster.export_onnx(tmp_path / "model.onnx")
    code = (
        "import numpy as np\n"
        "from skseq2seq.serving import OnnxForecaster\n"
        f"model = OnnxForecaster({str(path)!r})\n"
        "point, parameters = model.forecast(\n"
        "    np.zeros((0, model.window_length, 1)), series=[], distribution=True)\n"
        "full = model.forecast(np.ones((1, model.window_length, 1)),\n"
        "                      distribution=True)[1]\n"
        "print(point.shape, parameters.shape[1:] == full.shape[1:])\n"
    )
    out = run_serving(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(0, 2, 1) True"


def test_no_series_give_empty_embeddings(tmp_path):
    X = wave_panel(4, 1, 12)
    embedder = Seq2SeqLSTMEmbedder(hidden_size=8, num_epochs=1, random_state=0)
    path = embedder.fit(X).export_onnx(tmp_path / "embedder.onnx")
    code = (
        "import numpy as np\n"
        "from skseq2seq.serving import OnnxEmbedder\n"
        f"model = OnnxEmbedder({str(path)!r})\n"
        "print(model.embed(np.zeros((0, 1, 12))).shape)\n"
    )
    out = run_serving(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(0, 8)"
    with pytest.raises(ValueError, match="no time points"):
        OnnxEmbedder(path).embed(np.zeros((2, 1, 0)))


def test_a_file_that_is_not_onnx_is_named(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_text("not a model")
    with pytest.raises(ValueError, match=r"model.onnx is not an ONNX model"):
        OnnxForecaster(bad)
    with pytest.raises(FileNotFoundError, match="missing.onnx does not exist"):
        OnnxEmbedder(tmp_path / "missing.onnx")
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.onnx is not an ONNX model"):
        OnnxForecaster(empty)


def test_a_file_of_the_other_kind_is_named(tmp_path):
    y = sine_frame(60)["y0"]
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS).fit(y, fh=[1])
    embedder = Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=1).fit(
        wave_panel(4, 1, 20)
    )
    forecaster_file = forecaster.export_onnx(tmp_path / "forecaster.onnx")
    embedder_file = embedder.export_onnx(tmp_path / "embedder.onnx")
    with pytest.raises(ValueError, match="embedder.onnx reads .*not a file that Seq"):
        OnnxForecaster(embedder_file)
    with pytest.raises(ValueError, match="forecaster.onnx reads .*not a file that Seq"):
        OnnxEmbedder(forecaster_file)


def test_a_level_large_against_its_spread_keeps_its_digits(tmp_path):
    # float32 holds 7 digits: air pressure in Pa varying by about 1 lost
    # 1e-3 of the embedding when the graphs read and scaled float32
    X = wave_panel(10, 1, 50) + 101325.0
    embedder = Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=2, random_state=0)
    model = OnnxEmbedder(embedder.fit(X).export_onnx(tmp_path / "embedder.onnx"))
    expected = embedder.transform(X).to_numpy()
    np.testing.assert_allclose(model.embed(X), expected, rtol=1e-5, atol=1e-6)
    times = pd.period_range("2000-01", periods=120, freq="M")
    walk = np.random.default_rng(1).normal(size=120).cumsum()
    y = pd.Series(101325.0 + 0.1 * walk, index=times)
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS).fit(y, fh=[1, 2, 3])
    forecast = exported(forecaster, tmp_path).forecast(last_windows(y, 24))
    assert forecast.dtype == np.float64
    # within 1e-6 of steps that are about 0.1
    np.testing.assert_allclose(forecast[0, :, 0], forecaster.predict(), atol=1e-6)


def test_a_graph_that_reads_float32_is_fed_float32(tmp_path):
    # files exported before the graphs read float64 keep working
    from skseq2seq._export import EmbeddingGraph, export_graph

    X = wave_panel(4, 1, 12)
    embedder = Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=1, random_state=0)
    embedder.fit(X)
    graph = EmbeddingGraph(embedder.network_.float(), "series")
    path = export_graph(
        graph,
        tmp_path / "float32.onnx",
        {"sequences": torch.zeros(2, 1, 3)},
        ["embedding"],
        {"sequences": {0: "batch", 2: "time"}, "embedding": {0: "batch"}},
        {"n_channels": 1, "hidden_size": 4},
    )
    model = OnnxEmbedder(path)
    assert model.session.get_inputs()[0].type == "tensor(float)"
    expected = embedder.transform(X).to_numpy()
    np.testing.assert_allclose(model.embed(X), expected, rtol=1e-4, atol=1e-6)


def test_extreme_magnitudes_embed_or_are_refused_as_in_torch(tmp_path):
    X = wave_panel(6, 1, 30)
    embedder = Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=2, random_state=0)
    model = OnnxEmbedder(embedder.fit(X).export_onnx(tmp_path / "embedder.onnx"))
    expected = embedder.transform(X).to_numpy()
    for magnitude in (1e200, 1e-200):  # squared, they overflow or underflow
        np.testing.assert_allclose(model.embed(X * magnitude), expected, atol=1e-6)
    # constant up to round-off, at a large level, and at one in its units
    flat = embedder.transform(np.zeros((1, 1, 30))).to_numpy()
    for level, round_off in ((1e20, 1e6), (1e155, 1e141)):
        near = level + round_off * np.arange(30.0)[None, None]
        np.testing.assert_allclose(model.embed(near), flat, atol=1e-6)
    # on the training data's scale, 1e200 is no float32: refused, as transform does
    pooled = Seq2SeqLSTMEmbedder(
        hidden_size=4, num_epochs=2, random_state=0, scaling="global"
    ).fit(X)
    model = OnnxEmbedder(pooled.export_onnx(tmp_path / "pooled.onnx"))
    np.testing.assert_allclose(
        model.embed(X), pooled.transform(X).to_numpy(), rtol=1e-4, atol=1e-6
    )
    with pytest.raises(ValueError, match="extreme values"):
        model.embed(X * 1e200)
    # standardised, not logged: 1e200 on the training data's scale is no
    # float32, as predict says
    y = sine_frame(60)["y0"] - 10
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS).fit(y, fh=[1, 2])
    served = exported(forecaster, tmp_path)
    with pytest.raises(ValueError, match="extreme values"):
        served.forecast(np.full(served.window_length, 1e200))


def test_extreme_values_anywhere_in_the_inputs_are_refused_as_predict_does(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"known": rng.normal(size=63), "past": rng.normal(size=63)})
    y = pd.Series(np.sin(np.arange(60)) + 0.1 * rng.normal(size=60), name="y")
    forecaster = Seq2SeqLSTMForecaster(past_covariates=["past"], **SETTINGS)
    forecaster.fit(y, X=X.iloc[:60], fh=[1, 2, 3])
    model = exported(forecaster, tmp_path)
    past = np.column_stack([y, X.iloc[:60]])[-model.window_length :]
    future = X[["known"]].to_numpy()[None, 60:]
    np.testing.assert_allclose(
        model.forecast(past, future=future)[0, :, 0],
        forecaster.predict(X=X.iloc[60:]).to_numpy(),
        rtol=1e-4,
    )
    # an earlier target value, a past covariate, a covariate ahead: each
    # saturates the network in float32 rather than overflow its forecast
    for row, column in [(-5, 0), (-1, 2)]:
        extreme = past.copy()
        extreme[row, column] = 1e300
        with pytest.raises(ValueError, match="extreme values"):
            model.forecast(extreme, future=future)
    extreme = future.copy()
    extreme[0, 0, 0] = 1e300
    with pytest.raises(ValueError, match="extreme values"):
        model.forecast(past, future=extreme)
    # numpy would drop an imaginary part with a warning, and fail on text
    # without naming the input
    with pytest.raises(ValueError, match="past must hold real numbers.*complex"):
        model.forecast(past + 0j, future=future)
    with pytest.raises(ValueError, match="future must hold real numbers.*'n/a'"):
        model.forecast(past, future=np.full(future.shape, "n/a"))
    # ragged input: numpy's own error names neither the input nor the fix
    ragged = [past.tolist(), past[1:].tolist()]
    with pytest.raises(ValueError, match="past must be a rectangular array, every "):
        model.forecast(ragged, future=np.concatenate([future, future]))
    with pytest.raises(ValueError, match="future must be a rectangular array"):
        model.forecast(past, future=[future[0].tolist(), future[0, 1:].tolist()])
    with pytest.raises(ValueError, match=r"shape \(1, 3, 1\), not \(3, 1\)"):
        model.forecast(past, future=future[0])
    ragged = np.array([past, past[1:]], dtype=object)  # an object array of rows
    with pytest.raises(ValueError, match=r"past must hold real numbers; [^.]*\. Pass"):
        model.forecast(ragged, future=np.concatenate([future, future]))


def test_a_frame_of_bool_and_float_columns_serves_as_predict(tmp_path):
    # its values are an object array: numbers, which serving converts
    X = pd.DataFrame({"holiday": np.arange(83) % 7 == 0})
    y = pd.Series(np.sin(np.arange(83) / 4) + X["holiday"], name="y")
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS).fit(y[:80], X=X[:80], fh=[1, 2])
    model = exported(forecaster, tmp_path)
    past = pd.concat([y[:80], X[:80]], axis=1).iloc[-model.window_length :]
    assert past.to_numpy().dtype == object
    np.testing.assert_allclose(
        model.forecast(past.to_numpy(), future=X.to_numpy()[None, 80:82])[0, :, 0],
        forecaster.predict(X=X[80:82]).to_numpy(),
        rtol=1e-4,
    )


def test_covariates_given_to_a_model_that_reads_none_are_refused(tmp_path):
    y = sine_frame(60)["y0"]
    model = exported(Seq2SeqLSTMForecaster(**SETTINGS).fit(y, fh=[1, 2]), tmp_path)
    window = y.to_numpy()[-model.window_length :]
    for future in (np.zeros((1, 2, 1)), [[[0.0], [0.0]], [[0.0]]]):  # ragged too
        with pytest.raises(ValueError, match="reads no covariates known ahead"):
            model.forecast(window, future=future)
    # none of them, as code serving any model builds it: (batch, horizon, 0)
    np.testing.assert_array_equal(
        model.forecast(window, future=np.zeros((1, 2, 0))), model.forecast(window)
    )


def test_targets_come_in_fits_order_after_pretraining_in_another(tmp_path):
    # the network reads pretraining's order; the graph, like predict, fit's
    t = np.arange(60)
    panel = pd.concat(
        {
            key: pd.DataFrame({"level": 50 + np.sin(t / 4 + i), "change": np.cos(t)})
            for i, key in enumerate(["a", "b"])
        }
    )
    forecaster = Seq2SeqLSTMForecaster(**SETTINGS, loss="quantile")
    forecaster.pretrain(panel, fh=[1, 2])
    assert forecaster.log_targets_.tolist() == [True, False]
    y = panel.loc["a"][["change", "level"]]
    forecaster.fit(y, fh=[1, 2])
    model = exported(forecaster, tmp_path)
    assert model.targets == ["change", "level"]
    assert model.log_targets == [False, True]
    point, quantiles = model.forecast(
        last_windows(y, model.window_length), distribution=True
    )
    np.testing.assert_allclose(point[0], forecaster.predict().to_numpy(), rtol=1e-4)
    levels = list(forecaster.network_.head.level_values)
    expected = forecaster.predict_quantiles(alpha=levels).to_numpy()
    np.testing.assert_allclose(quantiles.reshape(2, -1), expected, rtol=1e-4)
