"""Serving latency: ``predict`` through sktime against the exported ONNX graph.

One series (airline, horizon 12): the median and 90th percentile of 1,000
calls of each. Then 1,000 series at once: one batched ``predict`` against
one onnxruntime call, the median of 20 of each. One torch thread, one
onnxruntime thread; the networks are the defaults (hidden 64), trained
only briefly, since training does not change the cost of a forecast.

    python benchmarks/serving.py
"""

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import onnxruntime
import pandas as pd
import torch
from sktime.datasets import load_airline

from skseq2seq import Seq2SeqLSTMEmbedder, Seq2SeqLSTMForecaster
from skseq2seq.serving import OnnxEmbedder, OnnxForecaster


def timings(call, repeats):
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return np.array(seconds) * 1e3  # ms


def row(name, ms):
    return {
        "what": name,
        "median ms": np.median(ms),
        "p90 ms": np.percentile(ms, 90),
    }


def main():
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    folder = Path(tempfile.mkdtemp())
    rows = []

    y = load_airline()
    forecaster = Seq2SeqLSTMForecaster(max_steps=20, random_state=0)
    forecaster.fit(y, fh=np.arange(1, 13))
    model = OnnxForecaster(
        forecaster.export_onnx(folder / "one.onnx"), sess_options=options
    )
    window = y.to_numpy()[-model.window_length :]
    rows.append(row("one series: predict", timings(forecaster.predict, 1000)))
    rows.append(
        row("one series: onnxruntime", timings(lambda: model.forecast(window), 1000))
    )

    rng = np.random.default_rng(0)
    n_series, length = 1000, 120
    index = pd.MultiIndex.from_product([range(n_series), range(length)])
    t = np.tile(np.arange(length), n_series)
    phase = np.repeat(rng.uniform(0, 6, n_series), length)
    panel = pd.DataFrame({"y": 10 + np.sin(t / 2 + phase)}, index=index)
    forecaster = Seq2SeqLSTMForecaster(max_steps=20, random_state=0)
    forecaster.fit(panel, fh=np.arange(1, 13))
    model = OnnxForecaster(
        forecaster.export_onnx(folder / "panel.onnx"), sess_options=options
    )
    windows = panel["y"].to_numpy().reshape(n_series, length)[:, -model.window_length :]
    windows = windows[..., None]
    rows.append(row("1,000 series: predict", timings(forecaster.predict, 20)))
    rows.append(
        row("1,000 series: onnxruntime", timings(lambda: model.forecast(windows), 20))
    )

    sequences = panel["y"].to_numpy().reshape(n_series, 1, length)
    embedder = Seq2SeqLSTMEmbedder(num_epochs=1, random_state=0).fit(sequences)
    model = OnnxEmbedder(
        embedder.export_onnx(folder / "embedder.onnx"), sess_options=options
    )
    one = sequences[:1]
    rows.append(
        row(
            "embed one series: transform", timings(lambda: embedder.transform(one), 200)
        )
    )
    rows.append(
        row("embed one series: onnxruntime", timings(lambda: model.embed(one), 1000))
    )
    rows.append(
        row(
            "embed 1,000 series: transform",
            timings(lambda: embedder.transform(sequences), 20),
        )
    )
    rows.append(
        row(
            "embed 1,000 series: onnxruntime",
            timings(lambda: model.embed(sequences), 20),
        )
    )
    print(f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}\n")
    print(pd.DataFrame(rows).set_index("what").round(2).to_markdown())


if __name__ == "__main__":
    main()
