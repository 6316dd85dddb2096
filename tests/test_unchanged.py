"""Forecasts, intervals, embeddings, saved files and graphs stay as recorded.

``tests/data/recorded.npz`` holds what a fixed set of small fits gave when
it was recorded: LSTM and GRU, both decoders, every head, a panel with
gaps and unequal lengths, a season, X, pretrain, update, save_safe,
the embedder, and the exported ONNX graphs. A change meant to leave
behaviour alone (a refactor) must reproduce it. Record again, only for a
change meant to alter results, with::

    python tests/test_unchanged.py

Training arithmetic follows the CPU's vector instructions, so the arrays
match bit for bit on a machine of the recorded kind and are compared more
loosely (1e-3) on another, where the order of float32 sums differs. A
change that alters the arithmetic on purpose records them again.
"""

import pathlib
import sys
import tempfile

import numpy as np
import pandas as pd
import pytest
import torch

from skseq2seq import Seq2SeqLSTMEmbedder, Seq2SeqLSTMForecaster

RECORDED = pathlib.Path(__file__).parent / "data" / "recorded.npz"
TINY = {"hidden_size": 8, "max_steps": 30, "batch_size": 16, "random_state": 0}


def _cpu_kind():
    """The vector instructions torch uses, and the processor's model."""
    model = ""
    cpuinfo = pathlib.Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line for line in cpuinfo.read_text().splitlines() if "model name" in line
        ]
        model = names[0].split(":", 1)[1].strip() if names else ""
    return f"{torch.backends.cpu.get_cpu_capability()} {model}".strip()


def _positive_panel():
    """Three positive monthly series of unequal lengths, one with gaps."""
    rng = np.random.default_rng(0)
    frames = []
    for key, length in zip("abc", (60, 45, 72), strict=True):
        t = np.arange(length)
        values = (
            50 + 10 * np.sin(2 * np.pi * t / 12) + 0.3 * t + rng.normal(0, 1, length)
        )
        if key == "b":
            values[[5, 6, 20]] = np.nan
        index = pd.MultiIndex.from_arrays(
            [
                np.repeat(key, length),
                pd.period_range("2000-01", periods=length, freq="M"),
            ],
            names=["series", "time"],
        )
        frames.append(pd.DataFrame({"y": values}, index=index))
    return pd.concat(frames)


def _signal_with_x():
    """A signed sine with a known-ahead covariate and a past covariate."""
    rng = np.random.default_rng(1)
    t = np.arange(130)
    index = pd.RangeIndex(130)
    X = pd.DataFrame(
        {"ahead": np.cos(t / 5), "past": rng.normal(size=130)}, index=index
    )
    y = pd.DataFrame(
        {"y": np.sin(t / 5) + 0.5 * X["ahead"] + 0.1 * rng.normal(size=130)}
    )
    return y, X


def _graph_output(forecaster, past, series=None, future=None, distribution=False):
    from skseq2seq.serving import OnnxForecaster

    with tempfile.TemporaryDirectory() as folder:
        path = forecaster.export_onnx(pathlib.Path(folder) / "model.onnx")
        served = OnnxForecaster(path)
        return served.forecast(
            past, series=series, future=future, distribution=distribution
        )


def _saved_and_loaded(forecaster, X=None):
    with tempfile.TemporaryDirectory() as folder:
        path = forecaster.save_safe(pathlib.Path(folder) / "model.zip")
        loaded = Seq2SeqLSTMForecaster.load_safe(path)
    weights = np.concatenate(
        [
            p.detach().cpu().numpy().ravel()
            for p in loaded.network_.state_dict().values()
        ]
    )
    return weights, loaded.predict(X=X).to_numpy()


def record():
    """Fit the fixed set and return its outputs by name."""
    torch.set_num_threads(1)
    out = {}
    # LSTM, autoregressive, squared error, X known ahead and past only
    y, X = _signal_with_x()
    fit_y, fit_X, future_X = y.iloc[:120], X.iloc[:120], X.iloc[120:]
    lstm = Seq2SeqLSTMForecaster(**TINY, past_covariates=["past"], window_length=20)
    lstm.fit(fit_y, X=fit_X, fh=range(1, 11))
    out["lstm_x_point"] = lstm.predict(X=future_X).to_numpy()
    out["lstm_x_weights"], out["lstm_x_loaded"] = _saved_and_loaded(lstm, future_X)
    past = pd.concat([fit_y, fit_X], axis=1).to_numpy()[-20:][None].astype(np.float32)
    out["lstm_x_graph"] = _graph_output(
        lstm, past, future=future_X[["ahead"]].to_numpy()[None].astype(np.float32)
    )
    lstm.update(y.iloc[120:125], X=X.iloc[120:125], update_params=True)
    out["lstm_x_updated"] = lstm.predict(fh=range(1, 6), X=X.iloc[125:]).to_numpy()

    # GRU, context decoder, gaussian head, a positive panel with gaps
    panel = _positive_panel()
    gru = Seq2SeqLSTMForecaster(
        **TINY, cell_type="gru", decoder_input="context", loss="gaussian"
    ).fit(panel, fh=range(1, 7))
    out["gru_gaussian_point"] = gru.predict().to_numpy()
    out["gru_gaussian_interval"] = gru.predict_interval(coverage=0.8).to_numpy()
    out["gru_gaussian_var"] = gru.predict_var().to_numpy()
    out["gru_gaussian_weights"], out["gru_gaussian_loaded"] = _saved_and_loaded(gru)

    # LSTM, quantile head, two layers, a panel with a season
    quantile = Seq2SeqLSTMForecaster(
        **TINY, loss="quantile", num_layers=2, seasonal_period=12
    ).fit(panel, fh=range(1, 7))
    out["quantile_point"] = quantile.predict().to_numpy()
    out["quantile_quantiles"] = quantile.predict_quantiles(
        alpha=[0.1, 0.5, 0.9]
    ).to_numpy()
    context = max(quantile.window_length_, quantile.seasonal_period_)
    windows = np.stack(
        [panel.loc[key, "y"].ffill().to_numpy()[-context:] for key in "abc"]
    )[..., None].astype(np.float32)
    point, distribution = _graph_output(
        quantile, windows, series=np.arange(3), distribution=True
    )
    out["quantile_graph_point"], out["quantile_graph_distribution"] = (
        point,
        distribution,
    )

    # the default head (absolute error on the log scale) after pretraining
    pretrained = Seq2SeqLSTMForecaster(**TINY).pretrain(panel, fh=range(1, 7))
    single = panel.loc["a"]
    pretrained.fit(single, fh=range(1, 7))
    out["pretrained_point"] = pretrained.predict().to_numpy()
    new = pd.DataFrame(
        {"y": [70.0, 72.0]}, index=pd.period_range(single.index[-1] + 1, periods=2)
    )
    pretrained.update(new, update_params=False)
    out["pretrained_updated"] = pretrained.predict().to_numpy()

    # the embedder, and its graph
    rng = np.random.default_rng(2)
    sequences = np.sin(np.arange(30)[None, None] / 3 + rng.uniform(0, 6, (12, 1, 1)))
    embedder = Seq2SeqLSTMEmbedder(hidden_size=6, num_epochs=3, random_state=0)
    out["embedding"] = embedder.fit_transform(sequences).to_numpy()
    from skseq2seq.serving import OnnxEmbedder

    with tempfile.TemporaryDirectory() as folder:
        path = embedder.export_onnx(pathlib.Path(folder) / "embedder.onnx")
        out["embedding_graph"] = OnnxEmbedder(path).embed(sequences.astype(np.float32))
    return {name: np.asarray(value, dtype=np.float64) for name, value in out.items()}


@pytest.fixture(scope="module")
def recorded_and_now():
    pytest.importorskip("onnxruntime")
    recorded = np.load(RECORDED)
    return recorded, record()


def test_every_recorded_output_is_reproduced(recorded_and_now):
    recorded, now = recorded_and_now
    names = set(recorded.files) - {"cpu_kind"}
    assert names == set(now)
    same_kind = str(recorded["cpu_kind"]) == _cpu_kind()
    for name in sorted(names):
        expected = recorded[name]
        if same_kind:  # the same arithmetic on the same instructions: every bit
            np.testing.assert_array_equal(now[name], expected, err_msg=name)
            continue
        # values near 0 (embeddings, signed forecasts) are compared to their spread
        atol = 1e-3 * float(np.nanmax(np.abs(expected)))
        np.testing.assert_allclose(
            now[name], expected, rtol=1e-3, atol=atol, err_msg=name
        )


if __name__ == "__main__":
    outputs = record()
    RECORDED.parent.mkdir(exist_ok=True)
    np.savez_compressed(RECORDED, cpu_kind=np.array(_cpu_kind()), **outputs)
    print(f"recorded {len(outputs)} outputs on a {_cpu_kind()} CPU in {RECORDED}")
    sys.exit(0)
