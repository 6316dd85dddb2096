"""Run files from ``export_onnx`` with onnxruntime only: forecasts and embeddings.

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
from pathlib import Path

import numpy as np
import onnxruntime


class OnnxModel:
    """An exported file's onnxruntime session, its metadata as attributes.

    Parameters
    ----------
    path : str or pathlib.Path
        A file written by ``export_onnx``.
    **session_options
        Passed on to ``onnxruntime.InferenceSession`` (``providers``, say).
    """

    # the inputs a file of this kind has, and what exports it
    _reads, _exported_by = set(), "a skseq2seq estimator's"

    def __init__(self, path, **session_options):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path} does not exist: pass an exported file.")
        try:
            self.session = onnxruntime.InferenceSession(str(path), **session_options)
        except Exception as error:  # onnxruntime's own error types are private
            if not any(
                sign in str(error)
                for sign in ("Protobuf parsing failed", "No graph was found")
            ):
                raise
            raise ValueError(
                f"{path} is not an ONNX model; pass a file written by "
                "export_onnx (Seq2SeqLSTMForecaster or Seq2SeqLSTMEmbedder)."
            ) from error
        inputs = {item.name for item in self.session.get_inputs()}
        if not inputs >= self._reads:
            raise ValueError(
                f"{path} reads {sorted(inputs)}, not {sorted(self._reads)}: it "
                f"is not a file that {self._exported_by}.export_onnx wrote."
            )
        metadata = self.session.get_modelmeta().custom_metadata_map
        for name, value in metadata.items():
            setattr(self, name, json.loads(value))
        # float64 since the graphs scale as predict does; float32 before
        self._dtype = {
            item.name: np.float64 if item.type == "tensor(double)" else np.float32
            for item in self.session.get_inputs()
            if item.type in ("tensor(double)", "tensor(float)")
        }


class OnnxForecaster(OnnxModel):
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
    log_targets : list of bool
        The targets modelled on the log scale, whose windows must be positive.
    """

    log_targets = ()  # files exported before the log scale have none
    _reads, _exported_by = {"past", "series"}, "Seq2SeqLSTMForecaster"

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
            The raw covariates known ahead, when the model reads them (and
            only then).
        distribution : bool, default=False
            Also return the distribution's parameters (see ``export_onnx``).

        Returns
        -------
        ndarray of float64, shape (batch, horizon, n_targets)
            The point forecasts; with ``distribution``, a pair. No windows
            give arrays with no rows.

        Raises
        ------
        ValueError
            If a window has the wrong shape, gaps, or a value of zero or
            below in a log-scale target, a ``series`` position is out of
            range, or the covariates over the horizon are missing (or given
            to a model that reads none).
        """
        past = _real_array(
            past,
            self._dtype["past"],
            "past",
            f"every window {self.window_length} rows long",
        )
        if past.ndim == 1:  # one univariate window
            past = past[None, :, None]
        elif past.ndim == 2:  # one window of several columns
            past = past[None]
        n_columns = len(self.targets) + len(self.covariates) + len(self.past_covariates)
        if past.shape[1:] != (self.window_length, n_columns):
            raise ValueError(
                f"past has windows of shape {past.shape[1:]}; this model reads "
                f"({self.window_length}, {n_columns}): the last {self.window_length} "
                "values of the targets, covariates and past covariates."
            )
        if not np.isfinite(past).all():
            raise ValueError(
                "past has missing or infinite values; the exported graph reads "
                "complete windows. Fill the gaps first, e.g. with the last "
                "observed value (predict fills so too, but also tells the "
                "network which values were missing, so its forecast can "
                "differ)."
            )
        logged = np.flatnonzero(self.log_targets)
        if (past[..., logged] <= 0).any():
            names = [self.targets[column] for column in logged]
            raise ValueError(
                f"past has zero or negative values in the target(s) {names}, "
                "which the model forecasts on the log scale (they were positive "
                "in fit). Pass positive values, or refit with target_transform=None."
            )
        series = np.arange(len(past)) if series is None else np.asarray(series)
        if (
            (series.size and series.dtype.kind not in "iu")  # [] reads as float
            or series.shape != (len(past),)
            or not ((series >= 0) & (series < len(self.series))).all()
        ):
            raise ValueError(
                f"series must give one integer position per window, each in [0, "
                f"{len(self.series)}): the fitted series, in the order of "
                f"OnnxForecaster.series; got {series.tolist()}."
            )
        if len(past) == 0:  # onnxruntime aborts the process on an empty batch
            # float64; float32 from a file an earlier skseq2seq exported
            point = np.zeros((0, self.horizon, len(self.targets)), self._dtype["past"])
            # (horizon, targets, parameters); the targets' axis may be named
            shape = [
                size if isinstance(size, int) else len(self.targets)
                for size in self.session.get_outputs()[1].shape[1:]
            ]
            parameters = np.zeros((0, *shape), point.dtype)
            return (point, parameters) if distribution else point
        inputs = {"past": past, "series": series.astype(np.int64)}
        if self.covariates:
            expected = (len(past), self.horizon, len(self.covariates))
            if future is not None:
                future = _real_array(
                    future,
                    self._dtype["future"],
                    "future",
                    "every window's covariates of one shape",
                )
            if future is None or future.shape != expected:
                given = "" if future is None else f", not {future.shape}"
                raise ValueError(
                    f"This model reads the covariates {self.covariates} over the "
                    f"horizon: pass them as future, of shape {expected}{given}."
                )
            inputs["future"] = future
            if not np.isfinite(inputs["future"]).all():
                raise ValueError(
                    "future has missing or infinite values; the decoder reads the "
                    "covariates at every step. Fill them first."
                )
        elif future is not None and _given(future):  # a slip, else unnoticed
            raise ValueError(
                "This model reads no covariates known ahead, so future must be "
                "None. Past covariates go in past, after the targets."
            )
        point, parameters = self.session.run(None, inputs)
        if not np.isfinite(point).all():
            raise ValueError(
                "past or future has extreme values (such as 1e300): scaled to "
                "the training data, they are not finite in float32, where the "
                "network reads them. Pass values of a plausible size, or refit "
                "on such data."
            )
        return (point, parameters) if distribution else point


class OnnxEmbedder(OnnxModel):
    """An exported embedder, run by onnxruntime.

    Parameters
    ----------
    path : str or pathlib.Path
        A file written by ``Seq2SeqLSTMEmbedder.export_onnx``.
    **session_options
        Passed on to ``onnxruntime.InferenceSession``.

    Attributes
    ----------
    n_channels, hidden_size : int

    Examples
    --------
    >>> from sktime.datasets import load_unit_test
    >>> from skseq2seq import Seq2SeqLSTMEmbedder
    >>> X, _ = load_unit_test(split="train", return_X_y=True, return_type="numpy3D")
    >>> embedder = Seq2SeqLSTMEmbedder(hidden_size=8, num_epochs=1).fit(X)
    >>> path = embedder.export_onnx(getfixture("tmp_path") / "embedder.onnx")
    >>> OnnxEmbedder(path).embed(X).shape
    (20, 8)
    """

    _reads, _exported_by = {"sequences"}, "Seq2SeqLSTMEmbedder"

    def embed(self, sequences):
        """Embed each series in ``hidden_size`` numbers.

        Parameters
        ----------
        sequences : array-like, shape (n_timepoints,) or (batch, n_channels, \
n_timepoints)
            Raw series in sktime's numpy3D layout (or one univariate series),
            all of one length, with no missing values.

        Returns
        -------
        ndarray of float32, shape (batch, hidden_size)
            No rows for no series.

        Raises
        ------
        ValueError
            If the series have the wrong number of channels, no time points,
            or gaps.
        """
        sequences = _real_array(
            sequences,
            self._dtype["sequences"],
            "sequences",
            "every series of one length",
        )
        if sequences.ndim == 1:
            sequences = sequences[None, None]
        if sequences.ndim != 3 or sequences.shape[1] != self.n_channels:
            raise ValueError(
                f"sequences has shape {sequences.shape}; this model reads "
                f"(batch, {self.n_channels}, n_timepoints): sktime's numpy3D "
                f"layout, {self.n_channels} channel(s)."
            )
        if not np.isfinite(sequences).all():
            raise ValueError(
                "sequences has missing or infinite values; the exported graph "
                "reads complete series. Fill or drop the gaps first."
            )
        if sequences.shape[2] == 0:
            raise ValueError(
                "sequences has no time points; pass series of at least one."
            )
        if len(sequences) == 0:  # onnxruntime aborts the process on an empty batch
            return np.zeros((0, self.hidden_size), np.float32)
        (embedding,) = self.session.run(None, {"sequences": sequences})
        if not np.isfinite(embedding).all():
            raise ValueError(
                "sequences has extreme values (such as 1e300): scaled to the "
                "training data, they are not finite in float32, where the "
                "network reads them. Pass values of a plausible size."
            )
        return embedding


def _given(values):
    """Whether ``values`` holds anything: not None, and not empty (ragged is not)."""
    try:
        return bool(np.size(values))
    except ValueError:  # rows of different lengths
        return True


def _real_array(values, dtype, name, each):
    """Return ``values`` as an array of ``dtype``, refusing what holds no real numbers.

    numpy would drop a complex number's imaginary part with only a warning,
    read dates as numbers, and name no input when text is no number or the
    rows are of different lengths (``each`` says what must share a shape).
    Object arrays (a frame with a bool column and a float one) convert as
    they did.
    """
    try:
        array = np.asarray(values)
    except ValueError as error:  # ragged: rows of different lengths
        raise ValueError(
            f"{name} must be a rectangular array, {each}; {error}"
        ) from None
    problem = f"dtype {array.dtype}"
    if array.dtype.kind not in "cmM":  # complex numbers, time deltas, dates
        try:
            return array.astype(dtype, copy=False)
        except (TypeError, ValueError) as error:
            problem = str(error).rstrip(".")
    raise ValueError(
        f"{name} must hold real numbers; {problem}. Pass its values as floats."
    )
