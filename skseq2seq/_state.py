"""What predict and update need of a fitted forecaster, and the functions over it.

:class:`ForecastState` holds everything a forecast is made from except the
network: each series' recent values, where it ends, and how it was scaled.
:func:`decode` runs a network over it; :func:`advance` moves it on by new
rows. Both are pure: they take a state and return what follows from it, so
they are tested without a fit.
"""

import dataclasses

import numpy as np
import pandas as pd
import torch
from sktime.forecasting.base import ForecastingHorizon

from skseq2seq._frames import (
    Collection,
    columns_as_in_fit,
    locate,
    panel_index,
    rows_at,
)
from skseq2seq._network import on_data_scale
from skseq2seq._scaling import log_targets, scale
from skseq2seq._training import autocast
from skseq2seq._validation import check_numeric_finite
from skseq2seq._windows import (
    encoder_input,
    fill_window_gaps,
    last_rows,
    to_network_tensor,
)


@dataclasses.dataclass(frozen=True, eq=False)
class ForecastState:
    """Each fitted series as the network forecasts it: recent values and scaling.

    Attributes
    ----------
    recent : ndarray, shape (n_series, n_recent, n_columns)
        Each series' last rows on the data's own scale: targets, covariates
        known ahead, past covariates; NaN before a short series starts.
        Enough for a window to forecast from, and, in ``update``, for the
        windows whose horizon reaches into new rows; the first row, which
        none of them reads, carries a target's last observation where the
        others have none.
    ends : pd.Index
        Each series' last time point.
    keys : list or None
        Each series' key in the panel; None for a single series.
    freq : str or None
        The time index's frequency.
    index_names : list
        The names of the index levels of ``y``.
    target_names, covariates, past_covariates : list
        The columns of ``y``, those of ``X`` known ahead, and those known
        only up to the present.
    loc, scale : ndarray, shape (n_series, n_columns)
        What each column of each series is shifted and divided by (after
        the log, for ``log``).
    constant : ndarray of bool, shape (n_series, n_targets)
        Target columns constant in training, forecast as their last value.
    log : ndarray of bool, shape (n_targets,)
        Target columns modelled on the log scale.
    season : int
        The season the anchor reaches back; 1 for none.
    seasonal : ndarray of bool, shape (n_series,)
        Which series show the season.
    window_length : int
        The encoder's window.
    horizon : int
        The steps the decoder was trained for.
    """

    recent: np.ndarray
    ends: pd.Index
    keys: list
    freq: object
    index_names: list
    target_names: list
    covariates: list
    past_covariates: list
    loc: np.ndarray
    scale: np.ndarray
    constant: np.ndarray
    log: np.ndarray
    season: int
    seasonal: np.ndarray
    window_length: int
    horizon: int

    @property
    def n_targets(self):
        return len(self.target_names)

    @property
    def context_length(self):
        """Time points each forecast reads: the encoder's window, or a season."""
        return max(self.window_length, self.season)


def decode(network, state, fh, X, cutoff, device, precision):
    """Run ``network`` over every series; its output at the steps of ``fh``.

    Parameters
    ----------
    network : Seq2SeqNetwork
        On ``device``, in evaluation mode.
    state : ForecastState
    fh : ForecastingHorizon
    X : pd.DataFrame or None
        The covariates known ahead, at every step up to the furthest of fh.
    cutoff : pd.Index
        sktime's cutoff: its type and frequency make each series' own.
    device : torch.device
    precision : {"32", "bf16", "16-mixed"}

    Returns
    -------
    output : torch.Tensor of float64, shape (n_series, len(fh), n_targets)
        or (n_series, len(fh), n_targets, n_params)
        The head's output on the scale of the data.
    index : pd.Index or pd.MultiIndex
        The rows of the forecast: every series at its steps of ``fh``.
    """
    # each series counts fh from its own last time point
    which, ends = pd.factorize(state.ends)
    cutoffs = [_cutoff_at(cutoff, end, state.freq) for end in ends]
    steps = np.stack([steps_ahead(fh, c) for c in cutoffs])[which]
    if steps.min() < 1:
        inside = "the data" + ("" if len(ends) == 1 else " of a series")
        raise NotImplementedError(
            f"fh {fh.to_pandas().tolist()} reaches into {inside}; this "
            "forecaster forecasts only ahead of each series' last time point. "
            "Pass an fh after the cutoff."
        )
    horizon = int(steps.max())
    past = scaled_past(state)
    future = scaled_future(state, X, horizon, cutoffs, which)
    with torch.no_grad(), autocast(device, precision):
        output = network(
            past.to(device), horizon, None if future is None else future.to(device)
        )  # [series, horizon, targets, ...]
    output = to_data_scale(state, network.head, output)
    chosen = output[np.arange(len(steps))[:, None], steps - 1]  # [series, fh, ..]
    times = [fh_times(fh, cutoff).to_pandas() for cutoff in cutoffs]
    index = panel_index(state.keys, [times[w] for w in which], state.index_names)
    return chosen, index


def scaled_past(state):
    """Scale the last window of every series, gaps filled: the encoder's input.

    The gaps are filled over all the recent rows, as training fills them over
    the whole series, and the window cut after: a gap at the window's start
    takes the observation before it.
    """
    recent = log_targets(state.recent, state.log)
    scaled = scale(recent, state.loc[:, None], state.scale[:, None])
    observed = fill_window_gaps(scaled, state.n_targets)
    if observed is None:
        observed = np.ones(scaled.shape[:2] + (state.n_targets,))
    window = slice(-state.context_length, None)
    scaled, observed = scaled[:, window], observed[:, window]
    flags = state.seasonal if state.season > 1 else None
    # the error names where values float32 cannot hold came from
    targets = np.abs(scaled[..., : state.n_targets])
    source = "X" if (targets <= np.finfo(np.float32).max).all() else "y"
    return to_network_tensor(encoder_input(scaled, observed, flags), source)


def scaled_future(state, X, horizon, cutoffs, which):
    """Scale the known-ahead covariates of each series at every step; or None.

    Series ``i`` ends at ``cutoffs[which[i]]``.
    """
    if not state.covariates:
        return None
    every_step = ForecastingHorizon(np.arange(1, horizon + 1), freq=state.freq)
    times = [every_step.to_absolute_index(cutoff) for cutoff in cutoffs]
    known = rows_at(
        X,
        panel_index(state.keys, [times[w] for w in which]),
        state.covariates,
        "X",
        "The decoder reads X at every step from the cutoff to the furthest "
        "step of fh, not only at the steps of fh. (sktime's evaluate and "
        "tuners pass X at the steps of the splitter's fh only: give them a "
        "contiguous fh, 1 to its furthest step.)",
        # the same message as in fit, for the values the decoder reads only
        check=lambda rows: check_numeric_finite(rows, "X"),
    ).reshape(len(which), horizon, -1)
    columns = slice(state.n_targets, state.n_targets + len(state.covariates))
    return to_network_tensor(
        scale(known, state.loc[:, None, columns], state.scale[:, None, columns]),
        "X",
    )


def to_data_scale(state, head, output):
    """Map the head's output to the data's scale in float64, constants held."""
    n_targets = state.n_targets
    recent = state.recent[..., :n_targets].copy()
    fill_window_gaps(recent, n_targets)  # the last observed value
    return on_data_scale(
        head,
        output.float().cpu().double(),
        torch.from_numpy(state.loc[:, None, :n_targets]),
        torch.from_numpy(state.scale[:, None, :n_targets]),
        torch.from_numpy(recent[:, -1:]),
        torch.from_numpy(state.constant),
        torch.from_numpy(state.log),
    )


def advance(state, new):
    """Append each series' new rows to its recent values.

    Parameters
    ----------
    state : ForecastState
    new : Collection
        Rows that follow the series' last time points, on the data's scale.

    Returns
    -------
    state : ForecastState
        With the recent values and last time points moved on.
    combined : Collection
        Each updated series' recent values and new rows, on the data's
        scale: what training on the new rows reads, once logged where
        ``state.log`` says (see :func:`~skseq2seq._scaling.log_targets`).
    positions : list of int
        Where each series of ``new`` sits among the fitted series.

    Raises
    ------
    ValueError
        If a series' new rows do not start right after its last time point.
    """
    positions = locate(new.keys, state.keys)
    _check_continues(state, new, positions)
    chunks = np.split(new.values, np.cumsum(new.lengths)[:-1])
    # each updated series: its recent values, then the new rows
    joined = [
        np.concatenate([state.recent[position], chunk])
        for position, chunk in zip(positions, chunks, strict=True)
    ]
    recent, ends = state.recent.copy(), list(state.ends)
    for position, values, end in zip(positions, joined, new.ends, strict=True):
        recent[position] = last_rows(
            values, [len(values)], recent.shape[1], state.n_targets
        )[0]
        ends[position] = end
    # with the first recent row: it carries the last observation into a gap
    # at the start, as training fills gaps, never with a later value; no
    # window starts on it (train_on_series' carried_first_row)
    combined = Collection(
        np.concatenate(joined),
        np.array([len(values) for values in joined], dtype=np.int64),
        new.sizes,
    )
    return (
        dataclasses.replace(state, recent=recent, ends=pd.Index(ends)),
        combined,
        positions,
    )


def check_time_points(ends, times):
    """Refuse new ``times`` of another kind than the series' ``ends``.

    Examples
    --------
    >>> ends = pd.period_range("2020-01", periods=1, freq="M")
    >>> check_time_points(ends, pd.period_range("2020-02", periods=2, freq="M"))
    >>> check_time_points(ends, pd.RangeIndex(2))
    Traceback (most recent call last):
    ...
    ValueError: update's time points are int64, but the forecaster was fitted on ...
    """

    def kind(index):
        """Periods of a frequency, dates with or without a zone, or numbers."""
        if isinstance(index, pd.PeriodIndex):
            return "period", index.freq
        if isinstance(index, pd.DatetimeIndex):  # any zone compares with another
            return "date", index.tz is None
        return "number", None

    if kind(times) != kind(ends):
        raise ValueError(
            f"update's time points are {times.dtype}, but the forecaster was "
            f"fitted on {ends.dtype}. Pass new rows indexed as in fit."
        )


def match_target_columns(state, y):
    """Reorder ``y``'s columns as in fit, or refuse columns fit did not have."""
    return columns_as_in_fit(
        y, state.target_names, "update got target columns", "the forecaster"
    )


def _check_continues(state, new, positions):
    """Refuse new rows that leave a gap after a series' last time point."""
    for position, times in zip(positions, new.times, strict=True):
        expected = next_time(state.ends[position], state.freq)
        if expected is not None and times[0] != expected:
            series = "" if state.keys is None else f" {state.keys[position]!r}"
            raise ValueError(
                f"update's data for series{series} starts at {times[0]}, but "
                f"the series ended at {state.ends[position]}, so the next time "
                f"point is {expected}. Pass the rows from {expected} on: the "
                "encoder reads consecutive time points, and cannot bridge a gap."
            )


def _cutoff_at(cutoff, end, freq):
    """Make a cutoff index like sktime's ``cutoff``, holding ``end``."""
    if isinstance(cutoff, (pd.PeriodIndex, pd.DatetimeIndex)):
        return type(cutoff)([end], freq=freq)
    return pd.Index([end])


def steps_ahead(fh, cutoff):
    """Relative steps of ``fh`` as an int array (a ``Timedelta`` fh too).

    Examples
    --------
    >>> steps_ahead(ForecastingHorizon([1, 3]), None).tolist()
    [1, 3]
    """
    index = fh.to_pandas()
    if fh.is_relative and pd.api.types.is_integer_dtype(index):
        return np.asarray(index, dtype=np.int64)
    if cutoff is None:  # pretrain: sktime sets no cutoff
        raise ValueError(
            f"fh {index.tolist()} is given in time, but pretraining has no "
            "cutoff to count it from. Pass fh as steps ahead, such as "
            "fh=[1, 2, 3]."
        )
    absolute = fh_times(fh, cutoff)
    times = absolute.to_pandas()
    if isinstance(times, pd.DatetimeIndex) and isinstance(cutoff.freq, pd.offsets.Tick):
        # a step of fixed length: elapsed time, as sktime steps integer fh;
        # its to_relative counts the wall clock, which a DST switch moves
        elapsed = (times - cutoff[0]) / pd.Timedelta(cutoff.freq)
        steps = np.floor(np.asarray(elapsed, dtype=np.float64)).astype(np.int64)
    else:
        steps = np.asarray(absolute.to_relative(cutoff), dtype=np.int64)
    if isinstance(times, pd.DatetimeIndex):
        # sktime rounds a time between two steps down to the earlier step
        stepped = ForecastingHorizon(steps, freq=cutoff.freq).to_absolute(cutoff)
        off = np.asarray(times != stepped.to_pandas())
        if off.any():
            raise ValueError(
                f"fh asks for {times[off][0]}, which is no time point of the "
                f"series' frequency {cutoff.freqstr} counted from {cutoff[0]}: "
                "the decoder forecasts whole steps. Pass time points of that "
                "frequency, or steps ahead such as fh=[1, 2, 3]."
            )
    return steps


def fh_times(fh, cutoff):
    """Return the time points of ``fh`` after ``cutoff``, as an absolute horizon.

    sktime adds a ``Timedelta`` fh in absolute time. On a calendar of days
    or longer with a time zone, a day across a daylight-saving switch lasts
    23 or 25 hours, so there it is added on the wall clock: two days after
    a midnight are the midnight two days on.
    """
    if not fh.is_relative:
        return fh
    deltas = fh.to_pandas()
    calendar = isinstance(cutoff, pd.DatetimeIndex) and not isinstance(
        cutoff.freq, pd.offsets.Tick
    )
    if calendar and cutoff.tz is not None and isinstance(deltas, pd.TimedeltaIndex):
        wall = cutoff.tz_localize(None)[0] + deltas
        return ForecastingHorizon(
            wall.tz_localize(cutoff.tz), is_relative=False, freq=cutoff.freq
        )
    return fh.to_absolute(cutoff)


def next_time(end, freq):
    """Return the time point after ``end``: a period, a ``freq`` or an integer on.

    ``None`` where the index gives no way to tell (a float index).

    Examples
    --------
    >>> next_time(pd.Period("2000-01", "M"), "M")
    Period('2000-02', 'M')
    >>> next_time(pd.Timestamp("2000-01-31"), "D")
    Timestamp('2000-02-01 00:00:00')
    >>> next_time(np.int64(9), None)
    10
    """
    if isinstance(end, pd.Period):
        return end + 1
    if isinstance(end, pd.Timestamp):
        return end + pd.tseries.frequencies.to_offset(freq)
    if isinstance(end, (int, np.integer)):
        return int(end) + 1
    return None
