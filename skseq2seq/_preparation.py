"""From sktime's frames to what training reads: checked, logged, sized and scaled.

``fit``, ``pretrain`` and pretraining's update all call :func:`prepare`, and
differ only in what they keep of it. After pretraining, :class:`Pretrained`
carries what that fixed for every later fit.
"""

import dataclasses

import numpy as np
import torch

from skseq2seq._compat import warn_user
from skseq2seq._device import resolve_device
from skseq2seq._frames import Collection
from skseq2seq._scaling import (
    choose_log_targets,
    fit_scaling,
    log_targets,
    series_moments,
    warn_if_float32_blurs,
)
from skseq2seq._seasonality import detect_seasons, seasonal_flags
from skseq2seq._state import ForecastState
from skseq2seq._training import plain_number
from skseq2seq._windows import last_rows, resolve_lengths


@dataclasses.dataclass(frozen=True, eq=False)
class Pretrained:
    """What pretraining fixed: the lengths, the columns, the log, the units.

    ``sizes`` counts the network's targets, covariates known ahead and past
    covariates. ``scaling`` holds the pretraining panel's pooled statistics
    (``"loc"``, ``"scale"``) and, with ``scaling="auto"``, its log changes'
    unit (``"log_scale"``); see :func:`~skseq2seq._scaling.fit_scaling`.
    """

    sizes: tuple
    window_length: int
    horizon: int
    season: int
    log: np.ndarray
    scaling: dict
    columns: tuple = None  # names of the targets, covariates, past covariates

    @classmethod
    def of(cls, forecaster):
        """Read what a pretrained forecaster's fitted attributes fixed."""
        scaling = {
            "loc": forecaster.pretrain_scale_loc_,
            "scale": forecaster.pretrain_scale_scale_,
        }
        if hasattr(forecaster, "pretrain_log_scale_"):
            scaling["log_scale"] = forecaster.pretrain_log_scale_
        network = forecaster.pretrained_network_
        return cls(
            (network.n_targets, network.n_covariates, network.n_past_covariates),
            forecaster.window_length_,
            forecaster.horizon_,
            forecaster.seasonal_period_,
            forecaster.log_targets_,
            scaling,
            # None from a forecaster pretrained before the names were kept
            getattr(forecaster, "pretrain_columns_", None),
        )


@dataclasses.dataclass(frozen=True, eq=False)
class Prepared:
    """Data checked and laid out, with the lengths and the scaling chosen for it."""

    data: Collection  # the log taken of the log-scale targets
    raw: Collection  # the same on the data's own scale
    log: np.ndarray
    window_length: int
    horizon: int
    season: int
    seasonal: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    device: torch.device
    target_names: list  # in the order of the network's targets


def prepare(y, X, horizon, params, pretrained=None, for_training=True):
    """Check and lay out ``y`` and ``X``; choose the lengths and the scaling.

    Parameters
    ----------
    y, X : pd.DataFrame
        sktime's inner frames: a series, a panel or a hierarchy.
    horizon : int or None
        The furthest step of the fh passed, if any.
    params : dict
        The forecaster's parameters, already checked.
    pretrained : Pretrained, optional
        After ``pretrain``: the lengths, log columns and scaling units to
        keep. Without it, they are chosen for this data.
    for_training : bool, default=True
        Whether the data is trained on (each series needs two observed
        values) or only forecast from (one).

    Returns
    -------
    Prepared
    """
    past_covariates = params["past_covariates"]
    if pretrained is not None and pretrained.columns is not None:
        y, X, past_covariates = match_pretrained_columns(
            pretrained.columns, y, X, past_covariates
        )
    data = Collection.from_frames(y, X, *covariate_columns(X, past_covariates))
    if pretrained is not None:  # before anything reads the columns
        check_fits_pretrained(pretrained.sizes, data)
    if pretrained is None:
        log = choose_log_targets(
            data.values, data.sizes[0], params["target_transform"], list(y.columns)
        )
    else:
        log = pretrained.log
    # training needs a value to read and one to learn; forecasting one
    check_observed(data, 1 if for_training else 0, list(y.columns))
    logged = log_targets(data.values, log, columns=list(y.columns))
    raw, data = data, dataclasses.replace(data, values=logged)
    period = plain_number(params["seasonal_period"])
    if pretrained is None:
        window_length, horizon, season, seasonal = choose_lengths(
            data, period, plain_number(params["window_length"]), horizon
        )
    else:
        window_length, horizon = pretrained.window_length, pretrained.horizon
        season = pretrained.season
        seasonal = seasonal_series(data, season, period)
    # a series observed over less than a season has no value a season
    # before: its anchor would read padding, its first value carried back
    seasonal = seasonal & (observed_spans(data) >= season)
    if data.keys is None and data.lengths[0] < window_length:
        warn_user(
            f"window_length={window_length} is longer than the series "
            f"({data.lengths[0]} time points): the encoder reads "
            f"{window_length - data.lengths[0]} missing values before it "
            "starts. Pass a window_length of at most the series' length, "
            "or None to choose one that fits.",
        )
    loc, spread = fit_scaling(
        data.values,
        data.lengths,
        log,
        params["scaling"],
        pretrained=None if pretrained is None else pretrained.scaling,
    )
    if params["scaling"] is None:
        warn_if_float32_blurs(
            *series_moments(data.values[:, : data.sizes[0]], data.lengths),
            list(y.columns),
            data.keys,
            log,
        )
    device = resolve_device(params["device"], params["precision"])
    return Prepared(
        data,
        raw,
        log,
        window_length,
        horizon,
        season,
        seasonal,
        loc,
        spread,
        device,
        list(y.columns),
    )


def forecast_state(prepared, index_names):
    """Keep of the prepared data what forecasting and updating need.

    That is each series' last window, and enough before it to train on new
    data in ``update``: on the data's own scale, NaN before a short series
    starts; and one row more, which no window reads, to carry a series' last
    observation forward when its window has none (see ``last_rows``).
    """
    data, raw = prepared.data, prepared.raw
    context = max(prepared.window_length, prepared.season)
    return ForecastState(
        recent=last_rows(
            raw.values,
            data.lengths,
            context + prepared.horizon,
            data.sizes[0],
        ),
        ends=data.ends,
        keys=data.keys,
        freq=data.freq,
        index_names=list(index_names),
        target_names=prepared.target_names,
        covariates=data.columns[0],
        past_covariates=data.columns[1],
        loc=prepared.loc,
        scale=prepared.scale,
        constant=raw.constant_targets(),
        log=prepared.log,
        season=prepared.season,
        seasonal=prepared.seasonal,
        window_length=prepared.window_length,
        horizon=prepared.horizon,
    )


def choose_lengths(data, period, window_length, horizon):
    """Choose the season, then the window and the training horizon, for ``data``.

    Parameters
    ----------
    data : Collection
    period : "auto", int or None
        The ``seasonal_period`` parameter.
    window_length, horizon : int or None
        As passed; None chooses (see
        :func:`~skseq2seq._windows.resolve_lengths`).

    Returns
    -------
    window_length, horizon, season : int
    seasonal : ndarray of bool, shape (n_series,)
        Which series show the season, and are anchored at it.
    """
    if period == "auto":
        season, seasonal = detect_seasons(target_series(data), data.freq)
    else:
        season = 1 if period is None else period
        seasonal = seasonal_series(data, season, period)
    window_length, horizon = resolve_lengths(
        data.typical_length, window_length, horizon
    )
    if season > 1 and data.typical_length < season + horizon:
        if period == "auto":  # too short to read a season: do without
            return window_length, horizon, 1, np.zeros_like(seasonal)
        raise ValueError(
            f"seasonal_period={period} needs series of at least "
            f"{season + horizon} time points (a season before the horizon of "
            f"{horizon}), but the typical series has {data.typical_length}. "
            "Pass longer series, a shorter fh, or seasonal_period='auto'."
        )
    return window_length, horizon, season, seasonal


def seasonal_series(data, season, period):
    """Which series of ``data`` show ``season`` (all, if ``period`` gave it)."""
    if season == 1 or period != "auto":
        return np.full(len(data.lengths), season > 1)
    return seasonal_flags(target_series(data), season)


def observed_spans(data):
    """Each series' time points from its first observed target value on.

    Missing values before it are padding, as a shorter series' are.
    """
    spans = []
    for targets in target_series(data):
        observed = ~np.isnan(targets).all(axis=1)
        spans.append(len(targets) - np.argmax(observed) if observed.any() else 0)
    return np.array(spans, dtype=np.int64)


def target_series(data):
    """Each series' target columns, shape (time, n_targets), as a list."""
    targets = data.values[:, : data.sizes[0]]
    return np.split(targets, np.cumsum(data.lengths)[:-1])


def covariate_columns(X, past_covariates):
    """Split the columns of ``X`` into known-ahead and past-only covariates."""
    past = (
        [past_covariates]
        if isinstance(past_covariates, str)
        else []
        if past_covariates is None
        else list(past_covariates)  # an Index or an array has no truth value
    )
    repeated = [column for i, column in enumerate(past) if column in past[:i]]
    if repeated:
        raise ValueError(
            f"past_covariates names {repeated} more than once. Name each column once."
        )
    if X is None:
        if past:
            raise ValueError(
                f"past_covariates={past_covariates!r} names columns of X, "
                "but no X was passed. Pass X, or set past_covariates=None."
            )
        return [], []
    unknown = [column for column in past if column not in X.columns]
    if unknown:
        raise ValueError(
            f"past_covariates names {unknown}, which X does not have. X has "
            f"the columns {list(X.columns)}."
        )
    return [c for c in X.columns if c not in past], past


def match_pretrained_columns(columns, y, X, past_covariates):
    """Order ``y``'s and ``X``'s columns as in pretraining, or refuse others.

    The network reads columns by position, so a column in another place would
    be read as another. Columns named as in pretraining are put in its
    order; columns named all otherwise are read by position, as sktime's
    pretraining workflow passes them (and a single target column is that
    column, whatever its name, as in ``update``); a mix is refused. Other
    numbers of columns are left for :func:`check_fits_pretrained` to name.

    Returns
    -------
    y, X
        Their columns in pretraining's order.
    past_covariates
        The ``past_covariates`` parameter, or, for ``X`` read by position,
        the names of its columns in the past covariates' places.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.DataFrame({"b": [1.0], "a": [2.0]})
    >>> X = pd.DataFrame({"c": [0.0], "d": [0.0]})  # pretrained on k, then p
    >>> y, X, past = match_pretrained_columns((["a", "b"], ["k"], ["p"]), y, X, "p")
    >>> y.columns.tolist(), past
    (['a', 'b'], ['d'])
    """
    targets, known, past = columns
    if y.shape[1] == len(targets) > 1:
        y = _in_order(y, targets, "target")
    if X is not None and X.shape[1] == len(known) + len(past):
        X = _in_order(X, list(known) + list(past), "X")
        if not set(X.columns) & set(known + past):  # read by position
            past_covariates = list(X.columns[len(known) :])
    return y, X, past_covariates


def _in_order(frame, names, what):
    """``frame``'s columns in the order of ``names``, or all named otherwise."""
    given = list(frame.columns)
    if given == list(names) or not set(given) & set(names):
        return frame
    if set(given) == set(names):
        return frame[list(names)]
    raise ValueError(
        f"The network was pretrained on {what} columns {list(names)}, but this "
        f"data has {given}. Pass the same columns (in any order)."
    )


def check_fits_pretrained(expected, data):
    """Refuse data whose columns the pretrained network (``expected``) cannot take."""
    if data.sizes != expected:
        raise ValueError(
            f"The network was pretrained on {expected[0]} target column(s), "
            f"{expected[1]} covariate(s) known ahead and {expected[2]} past "
            f"covariate(s); this data has {data.sizes[0]}, {data.sizes[1]} and "
            f"{data.sizes[2]}. Pass data shaped like the pretraining data."
        )


def check_observed(data, more_than, names):
    """Refuse a series with no more than ``more_than`` observed values in a target.

    Training needs 2 (``more_than=1``): a value to read and one to learn;
    forecasting 1 (``more_than=0``), with a warning that a single one is held
    with no spread. ``names`` are the target columns'.
    """
    counts = data.observed_counts()  # [series, targets]
    series, column = np.unravel_index(np.argmin(counts), counts.shape)
    if counts[series, column] <= more_than:
        which = "" if data.keys is None else f"series {data.keys[series]!r}, "
        need = (
            "training needs at least 2 (a value to read and one to learn)"
            if more_than
            else "forecasting needs at least one"
        )
        raise ValueError(
            f"{which}target column {names[column]!r} has {counts[series, column]} "
            f"observed value(s); {need}. Drop the series, or fill it."
        )
    if not more_than and (counts == 1).any():
        series, column = np.argwhere(counts == 1)[0]
        which = "" if data.keys is None else f"series {data.keys[series]!r}, "
        warn_user(
            f"{which}target column {names[column]!r} has a single observed "
            "value: it is forecast as that value with no spread at all, as a "
            "constant column is, since nothing shows how it moves. Give it "
            "more history, or read its intervals as unknown."
        )
