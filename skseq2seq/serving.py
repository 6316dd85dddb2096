"""Forecast with a file from ``Seq2SeqLSTMForecaster.export_onnx``: onnxruntime only.

This module imports numpy and onnxruntime, never torch, sktime or pandas,
so a server needs neither the training stack nor its memory.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from skseq2seq import Seq2SeqLSTMForecaster
>>> y = pd.Series(np.sin(np.arange(60) / 3))
>>> forecaster = Seq2SeqLSTMForecaster(max_steps=5, random_state=0).fit(y, fh=[1, 2])
>>> path = forecaster.export_onnx(getfixture("tmp_path") / "model.onnx")
>>> model = OnnxForecaster(path)
>>> model.forecast(y.to_numpy()[-model.window_length :]).shape
(1, 2, 1)
"""

import json

import numpy as np
import onnxruntime


class OnnxForecaster:
    """An exported forecaster, run by onnxruntime.

    Parameters
    ----------
    path : str or pathlib.Path
        A file written by ``Seq2SeqLSTMForecaster.export_onnx``.
    **session_options
        Passed on to ``onnxruntime.InferenceSession`` (``providers``, say).

    Attributes
    ----------
    window_length, horizon : int
    series : list
        The fitted series' keys, as text (``[None]`` for a single series);
        a series' position here is what ``forecast`` takes as ``series``.
    targets, covariates, past_covariates : list of str
    quantiles : list of float or None
    """

    def __init__(self, path, **session_options):
        self.session = onnxruntime.InferenceSession(str(path), **session_options)
        metadata = self.session.get_modelmeta().custom_metadata_map
        for name, value in metadata.items():
            setattr(self, name, json.loads(value))

    def forecast(self, past, series=None, future=None, distribution=False):
        """Forecast ``horizon`` steps after each window.

        Parameters
        ----------
        past : array-like, shape (window_length,), (window_length, n_columns)
            or (batch, window_length, n_columns)
            The raw last values of each series: targets, then covariates
            known ahead, then past covariates; no missing values.
        series : array-like of int, shape (batch,), optional
            Each window's position among the fitted series; by default
            0, 1, ... in order.
        future : array-like, shape (batch, horizon, n_covariates), optional
            The raw covariates known ahead, when the model reads them.
        distribution : bool, default=False
            Also return the distribution's parameters (see ``export_onnx``).

        Returns
        -------
        ndarray of float32, shape (batch, horizon, n_targets)
            The point forecasts; with ``distribution``, a pair.
        """
        past = np.asarray(past, dtype=np.float32)
        if past.ndim == 1:  # one univariate window
            past = past[None, :, None]
        elif past.ndim == 2:  # one window of several columns
            past = past[None]
        if series is None:
            series = np.arange(len(past))
        inputs = {"past": past, "series": np.asarray(series, dtype=np.int64)}
        if self.covariates:
            if future is None:
                raise ValueError(
                    f"This model reads the covariates {self.covariates} over the "
                    "horizon: pass them as future."
                )
            inputs["future"] = np.asarray(future, dtype=np.float32)
        point, parameters = self.session.run(None, inputs)
        return (point, parameters) if distribution else point
