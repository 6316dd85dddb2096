"""Window arithmetic: pure functions over flat arrays of series.

Every series of a collection is stored end to end in one flat array of shape
``[n_timepoints_total, n_columns]``; ``lengths`` says how many rows belong to
each series. A training window is identified by the row where it starts, so
all windows of a collection are one integer array, and the windows of a batch
are gathered from the flat array by index arithmetic when the batch is drawn.
No array holding every window ever exists.
"""

import numpy as np
import torch

#: Window length chosen when ``window_length=None`` and the data allow it.
DEFAULT_WINDOW_LENGTH = 24


def resolve_lengths(series_length, window_length, horizon):
    """Choose the encoder window and the training horizon for the data at hand.

    Parameters
    ----------
    series_length : int
        Number of time points of a typical training series (the median of
        a panel). Shorter series are padded (see :func:`pad_short_series`).
    window_length : int or None
        The user's window length. ``None`` chooses ``max(24, 2 * horizon)``
        (the horizon counting 0 without one), then shortens it, down to 1,
        until the window and the horizon fit in ``series_length``. A season
        does not lengthen it: the anchor reads the season from a window of
        its own (see ``Seq2SeqNetwork``'s ``encoder_length``).
    horizon : int or None
        The largest step ahead asked for in ``fit``. ``None`` trains the
        decoder for ``max(1, window_length // 2)`` steps.

    Returns
    -------
    window_length : int
        Number of past time points the encoder reads.
    horizon : int
        Number of steps the decoder is trained to produce.

    Raises
    ------
    ValueError
        If ``window_length=None`` and the series are too short for one past
        value and the horizon.

    Examples
    --------
    >>> resolve_lengths(144, None, 12)
    (24, 12)
    >>> resolve_lengths(144, None, 18)
    (36, 18)
    >>> resolve_lengths(20, None, 5)
    (15, 5)
    >>> resolve_lengths(20, None, None)
    (13, 6)
    >>> resolve_lengths(100, 10, None)
    (10, 5)
    >>> resolve_lengths(30, 48, 12)  # a given window stays: series are padded
    (48, 12)
    """
    if window_length is None:
        preferred = DEFAULT_WINDOW_LENGTH
        if horizon is None:
            # a short series: a window of two thirds of it, horizon the rest
            window_length = min(preferred, 2 * series_length // 3)
        else:
            window_length = min(max(preferred, 2 * horizon), series_length - horizon)
        if window_length < 1:
            needed = 2 if horizon is None else horizon + 1
            raise ValueError(
                f"The training series have {series_length} time points, too "
                f"few to train on: they need at least {needed} (one past value "
                "and the horizon). Pass longer series, a shorter fh, or a "
                "window_length (a series shorter than it is padded)."
            )
    if horizon is None:
        horizon = max(1, window_length // 2)
    return int(window_length), int(horizon)


def series_offsets(lengths):
    """Row where each series starts in the flat array.

    Examples
    --------
    >>> series_offsets(np.array([3, 2, 4]))
    array([0, 3, 5])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)


#: Rows handled at a time by the passes over every series, so that their
#: temporaries stay a few MB whatever the size of a panel.
BLOCK_ROWS = 2**18


def series_blocks(lengths, block_rows=BLOCK_ROWS):
    """Split the series into runs of whole series of about ``block_rows`` rows.

    Yields
    ------
    series, rows : slice
        The series of a block, and their rows in the flat array.

    Examples
    --------
    >>> [(s.start, s.stop, r.start, r.stop) for s, r in series_blocks([3, 3, 3], 6)]
    [(0, 2, 0, 6), (2, 3, 6, 9)]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    first = 0
    while first < len(lengths):
        start = int(ends[first] - lengths[first])
        last = int(np.searchsorted(ends, start + block_rows, side="right"))
        last = max(last, first + 1)
        yield slice(first, last), slice(start, int(ends[last - 1]))
        first = last


def row_blocks(n_rows, lengths, block_rows=BLOCK_ROWS):
    """Split the rows into blocks, whatever the series; name each row's series.

    Yields
    ------
    rows : slice
    series : ndarray of int64
        The series of each row of the block.

    Examples
    --------
    >>> [(r.start, r.stop, s.tolist()) for r, s in row_blocks(5, [2, 3], 3)]
    [(0, 3, [0, 0, 1]), (3, 5, [1, 1])]
    """
    ends = np.cumsum(np.asarray(lengths, dtype=np.int64))
    for first in range(0, n_rows, block_rows):
        rows = slice(first, min(first + block_rows, n_rows))
        series = np.searchsorted(ends, np.arange(rows.start, rows.stop), side="right")
        yield rows, series


def window_starts(lengths, window_length, horizon):
    """Start rows of every window that lies wholly inside one series.

    A window covers ``window_length + horizon`` consecutive rows: the encoder
    reads the first ``window_length``, the decoder is trained on the rest.

    Parameters
    ----------
    lengths : array-like of int, shape (n_series,)
        Number of time points of each series in the flat array.
    window_length, horizon : int
        Encoder window and decoder horizon.

    Returns
    -------
    starts : ndarray of int64, shape (n_windows,)
        Rows of the flat array, in time order within each series and the
        series in order.

    Examples
    --------
    >>> window_starts([5, 4], window_length=2, horizon=1)
    array([0, 1, 2, 5, 6])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    per_series = np.clip(lengths - window_length - horizon + 1, 0, None)
    first = np.repeat(series_offsets(lengths), per_series)
    # position of each window within its own series: 0, 1, ... restarting
    # at every series
    restart = np.repeat(np.cumsum(per_series) - per_series, per_series)
    return first + np.arange(per_series.sum(), dtype=np.int64) - restart


def split_windows(lengths, window_length, horizon, validation_size):
    """Hold out the last windows of every series, in time order, for validation.

    Training windows whose targets would reach into the first validation
    window's targets are dropped too, so no validation target is ever
    trained on. A series too short to spare windows and keep one to train
    on holds out none: it is trained on, not left out.

    Parameters
    ----------
    lengths : array-like of int, shape (n_series,)
    window_length, horizon : int
    validation_size : float in (0, 1), int >= 1, or None
        A fraction of each series' windows (rounded up), or a number of
        windows per series. ``None`` holds out nothing.

    Returns
    -------
    train_starts, valid_starts : ndarray of int64

    Raises
    ------
    ValueError
        If no series can spare windows.

    Examples
    --------
    >>> split_windows([10], window_length=3, horizon=2, validation_size=2)
    (array([0, 1, 2]), array([4, 5]))
    >>> split_windows([10], 3, 2, None)
    (array([0, 1, 2, 3, 4, 5]), array([], dtype=int64))
    >>> split_windows([10, 5], 3, 2, 2)  # the second has one window: kept
    (array([ 0,  1,  2, 10]), array([4, 5]))
    """
    starts = window_starts(lengths, window_length, horizon)
    if validation_size is None:
        return starts, starts[:0]
    lengths = np.asarray(lengths, dtype=np.int64)
    per_series = np.clip(lengths - window_length - horizon + 1, 0, None)
    if isinstance(validation_size, float):
        held_out = np.ceil(validation_size * per_series).astype(np.int64)
    else:
        held_out = np.minimum(validation_size, per_series)
    # the horizon - 1 windows before the held-out ones overlap their targets
    spares = per_series - held_out - (horizon - 1) >= 1
    if not spares.any():
        most, overlap = int(per_series.max()), horizon - 1
        spare = most - overlap  # hold out fewer than this to keep one
        fix = (
            f"validation_size={max(spare - 1, 1)} or less"
            if spare > 1
            else "validation_size=None (every series is too short to spare one)"
        )
        raise ValueError(
            f"validation_size={validation_size} leaves no training windows: a "
            f"series has at most {most} window(s), and the {overlap} before the "
            "held-out ones overlap their targets. Pass "
            f"{fix}, or longer series."
        )
    held_out = np.where(spares, held_out, 0)
    # each window's position in its own series, and its series' counts
    position = np.arange(len(starts)) - np.repeat(
        np.cumsum(per_series) - per_series, per_series
    )
    first_valid = np.repeat(per_series - held_out, per_series)
    validated = np.repeat(held_out > 0, per_series)
    train = ~validated | (position <= first_valid - horizon)
    return starts[train], starts[position >= first_valid]


def gather_windows(values, starts, length, shift=0):
    """Rows ``start + shift ... start + shift + length - 1`` for every start.

    Parameters
    ----------
    values : torch.Tensor, shape (n_timepoints_total, n_columns)
        The flat array of series.
    starts : torch.Tensor of int64, shape (batch,)
        Start rows, as returned by :func:`window_starts`.
    length : int
        Rows per window.
    shift : int, default=0
        Offset added to every start, e.g. ``window_length`` to take the
        decoder targets that follow the encoder window.

    Returns
    -------
    torch.Tensor, shape (batch, length, n_columns)

    Examples
    --------
    >>> values = torch.arange(10).reshape(5, 2)
    >>> gather_windows(values, torch.tensor([0, 2]), length=2, shift=1)
    tensor([[[2, 3],
             [4, 5]],
    <BLANKLINE>
            [[6, 7],
             [8, 9]]])
    """
    offsets = torch.arange(shift, shift + length, device=starts.device)
    return values[starts[:, None] + offsets]  # [batch, length, n_columns]


def last_rows(values, lengths, n_rows, n_targets):
    """Stack the last ``n_rows`` rows of every series, padding a short one.

    Before a short series starts, its targets are missing and its
    covariates hold their first value, as :func:`pad_short_series` pads.
    A target missing in the first of a series' last rows takes there its last
    earlier observation, so that filling the gaps carries it forward, as
    :func:`fill_gaps` does over the whole series, rather than filling them
    with a later value, or with 0 where the rows have none.

    Parameters
    ----------
    values : ndarray, shape (n_timepoints_total, n_columns)
    lengths : array-like of int, shape (n_series,)
    n_rows : int
    n_targets : int
        The first columns; the others are covariates.

    Returns
    -------
    ndarray of float, shape (n_series, n_rows, n_columns)

    Examples
    --------
    >>> last_rows(np.arange(7.0)[:, None], [3, 4], 2, n_targets=1)[..., 0]
    array([[1., 2.],
           [5., 6.]])
    >>> values = np.array([[0.0, 7.0], [1.0, 8.0], [2.0, 9.0]])
    >>> last_rows(values, [1, 2], 2, n_targets=1)
    array([[[nan,  7.],
            [ 0.,  7.]],
    <BLANKLINE>
           [[ 1.,  8.],
            [ 2.,  9.]]])
    >>> last_rows(np.array([[4.0], [5.0], [np.nan], [np.nan]]), [4], 2, 1)[0, :, 0]
    array([ 5., nan])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    starts = (ends - lengths)[:, None]
    rows = ends[:, None] - n_rows + np.arange(n_rows)  # [n_series, n_rows]
    before = rows < starts
    stacked = values[np.where(before, starts, rows)].astype(np.float64)
    stacked[before, :n_targets] = np.nan
    unseen = np.isnan(stacked[:, 0, :n_targets])  # [n_series, n_targets]
    for series, column in zip(*np.nonzero(unseen & ~before[:, :1]), strict=True):
        earlier = values[starts[series, 0] : rows[series, 0], column]
        seen = np.flatnonzero(~np.isnan(earlier))
        if len(seen):
            stacked[series, 0, column] = earlier[seen[-1]]
    return stacked


def pad_short_series(values, lengths, min_length, n_targets):
    """Put rows before every series shorter than ``min_length``.

    A short series then yields a window like any other, whose first rows
    have missing targets: :func:`fill_gaps` marks them unobserved. The
    covariates hold their first value there, as :func:`pad_series_ends`
    holds their last: covariates are never missing. Without a short
    series, ``values`` comes back as it is, not copied.

    Returns
    -------
    values : ndarray, shape (n_padded_total, n_columns)
    lengths : ndarray of int64, shape (n_series,)

    Examples
    --------
    >>> values = np.array([[0.0, 7.0], [1.0, 8.0], [2.0, 9.0]])
    >>> padded, lengths = pad_short_series(values, [1, 2], 2, n_targets=1)
    >>> padded.tolist(), lengths.tolist()
    ([[nan, 7.0], [0.0, 7.0], [1.0, 8.0], [2.0, 9.0]], [2, 2])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    padding = np.clip(min_length - lengths, 0, None)
    if not padding.any():
        return values, lengths
    padded_lengths = lengths + padding
    padded = np.empty((int(padded_lengths.sum()), values.shape[1]), values.dtype)
    # each row moves down by the padding of its own series and all before it
    padded[np.arange(len(values)) + np.repeat(np.cumsum(padding), lengths)] = values
    # the padding rows, few: those of the short series only
    short = np.flatnonzero(padding)
    counts = padding[short]
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = np.repeat(series_offsets(padded_lengths)[short], counts) + within
    padded[rows] = values[np.repeat(series_offsets(lengths)[short], counts)]
    padded[rows, :n_targets] = np.nan
    return padded, padded_lengths


def pad_series_ends(values, lengths, n_rows, n_targets):
    """Put ``n_rows`` rows after every series: missing targets, covariates held.

    Windows may then end at each series' last observed values, their
    horizon running past it: those targets are missing, so masked out of
    the loss, and the newest data is read by the encoder in training as it
    is at prediction. The covariates keep their last value there; the
    decoder reads them only at steps whose loss is masked.

    Returns
    -------
    values : ndarray, shape (n_timepoints_total + n_series * n_rows, n_columns)
    lengths : ndarray of int64, shape (n_series,)

    Examples
    --------
    >>> values = np.array([[0.0, 7.0], [1.0, 8.0], [2.0, 9.0]])
    >>> padded, lengths = pad_series_ends(values, [2, 1], 1, n_targets=1)
    >>> padded.tolist(), lengths.tolist()
    ([[0.0, 7.0], [1.0, 8.0], [nan, 8.0], [2.0, 9.0], [nan, 9.0]], [3, 2])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    if n_rows <= 0:
        return values, lengths
    padded_lengths = lengths + n_rows
    # every row of the padded array, from the row of the original it repeats
    ends = np.cumsum(lengths)
    within = np.arange(padded_lengths.sum()) - np.repeat(
        np.cumsum(padded_lengths) - padded_lengths, padded_lengths
    )
    source = np.repeat(ends - lengths, padded_lengths) + np.minimum(
        within, np.repeat(lengths - 1, padded_lengths)
    )
    padded = values[source]
    padded[within >= np.repeat(lengths, padded_lengths), :n_targets] = np.nan
    return padded, padded_lengths


def fill_gaps(values, lengths, n_targets):
    """Fill missing target values in place; return where they were observed.

    Each gap takes the last value observed before it in its series, so the
    network's level (the window's last value) is the last observation;
    missing values before a series' first observation take that first
    observation, and a column never observed in its series takes 0 (its
    mean, on the scaled values). Covariates are never missing here.

    Parameters
    ----------
    values : ndarray of float, shape (n_timepoints_total, n_columns)
        Changed in place.
    lengths : array-like of int, shape (n_series,)
    n_targets : int

    Returns
    -------
    observed : ndarray of bool, shape (n_timepoints_total, n_targets), or None
        ``None`` when nothing was missing.

    Examples
    --------
    >>> values = np.array([[np.nan], [1.0], [np.nan], [2.0], [np.nan], [3.0]])
    >>> observed = fill_gaps(values, [3, 3], n_targets=1)
    >>> values.ravel().tolist(), observed.ravel().tolist()
    ([1.0, 1.0, 1.0, 2.0, 2.0, 3.0], [False, True, False, True, False, True])
    """
    observed = ~np.isnan(values[:, :n_targets])
    if observed.all():
        return None
    lengths = np.asarray(lengths, dtype=np.int64)
    for series, rows in series_blocks(lengths):
        if not observed[rows].all():
            _fill_block(values[rows], lengths[series], observed[rows], n_targets)
    return observed


def fill_window_gaps(windows, n_targets):
    """:func:`fill_gaps` for stacked windows, each filled on its own, in place.

    Parameters
    ----------
    windows : ndarray of float, shape (n_windows, length, n_columns)
        C-contiguous, as a freshly computed array is.
    n_targets : int

    Returns
    -------
    observed : ndarray of bool, shape (n_windows, length, n_targets), or None

    Examples
    --------
    >>> windows = np.array([[[1.0], [np.nan]], [[np.nan], [2.0]]])
    >>> observed = fill_window_gaps(windows, 1)
    >>> windows[..., 0].tolist(), observed[..., 0].tolist()
    ([[1.0, 1.0], [2.0, 2.0]], [[True, False], [False, True]])
    """
    n_windows, length, n_columns = windows.shape
    flat = windows.reshape(-1, n_columns)  # a view of a contiguous array
    observed = fill_gaps(flat, np.full(n_windows, length), n_targets)
    return None if observed is None else observed.reshape(n_windows, length, -1)


def _fill_block(values, lengths, observed, n_targets):
    """Fill the gaps of a few whole series in place (see :func:`fill_gaps`)."""
    rows = np.arange(len(values))
    starts = series_offsets(lengths)
    ends = starts + lengths - 1
    for column in range(n_targets):
        seen = observed[:, column]
        # the row of the latest observation so far, never one of an earlier
        # series: each series' first row counts as seen for this purpose
        latest = np.where(seen, rows, -1)
        latest[starts] = np.maximum(latest[starts], starts)
        filled = values[np.maximum.accumulate(latest), column]
        # before the first observation: the first observation (the next seen
        # row, searched backwards the same way)
        following = np.where(seen, rows, len(values))
        following[ends] = np.minimum(following[ends], ends)
        following = np.minimum.accumulate(following[::-1])[::-1]
        values[:, column] = np.where(
            np.isnan(filled), values[following, column], filled
        )
    targets = values[:, :n_targets]
    targets[np.isnan(targets)] = 0.0  # a column never observed in its series


def new_rows_padded(lengths, new_rows, padded_lengths, horizon):
    """Flag each series' last ``new_rows`` rows, where padding has moved them.

    ``padded_lengths`` are the lengths after :func:`pad_series_ends` put
    ``horizon - 1`` rows after every series and :func:`pad_short_series`
    rows before the short ones; no padding row is new.

    Examples
    --------
    >>> new_rows_padded([2, 1], [1, 1], [3, 3], horizon=2).tolist()
    [False, True, False, False, True, False]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    padded_lengths = np.asarray(padded_lengths, dtype=np.int64)
    front = padded_lengths - lengths - max(horizon - 1, 0)
    within = np.arange(padded_lengths.sum()) - np.repeat(
        series_offsets(padded_lengths), padded_lengths
    )
    first_new = np.repeat(front + lengths - np.asarray(new_rows), padded_lengths)
    return (within >= first_new) & (within < np.repeat(front + lengths, padded_lengths))


def keep_observed_windows(starts, observed, window_length, horizon, taught=None):
    """Drop windows with no observed target in their past or in their horizon.

    Such a window has nothing to read or nothing to learn from.

    Parameters
    ----------
    starts : ndarray of int64
    observed : ndarray of bool, shape (n_timepoints_total, n_targets), or None
        As :func:`fill_gaps` returns it; ``None`` keeps every window.
    window_length, horizon : int
    taught : ndarray of bool, shape of ``observed``, optional
        The observed targets a horizon must hold one of (``update``'s new
        ones); by default, any.

    Examples
    --------
    >>> observed = np.array([[False], [True], [False], [True], [False]])
    >>> keep_observed_windows(np.array([0, 1, 2]), observed, 2, 1).tolist()
    [1]
    """
    if observed is None:
        if taught is None:
            return starts
        observed = np.ones_like(taught)
    # observed rows before each row (any target column counts)
    counts = np.zeros(len(observed) + 1, dtype=np.int32)
    np.cumsum(observed.any(axis=1), out=counts[1:])
    targets = counts
    if taught is not None:
        targets = np.zeros_like(counts)
        np.cumsum(taught.any(axis=1), out=targets[1:])
    keep = np.empty(len(starts), dtype=bool)
    for first in range(0, len(starts), BLOCK_ROWS):
        block = starts[first : first + BLOCK_ROWS]
        past = counts[block + window_length] > counts[block]
        middle, end = block + window_length, block + window_length + horizon
        keep[first : first + BLOCK_ROWS] = past & (targets[end] > targets[middle])
    return starts[keep]


def encoder_input(scaled, available, season_flags=None):
    """Join what the encoder reads of each window, in the order the network reads it.

    The scaled columns, then each target's availability, then, with a
    season, the window's flag (see ``Seq2SeqNetwork``): training, ``predict``
    and the exported graph all build it here. Takes numpy arrays or torch
    tensors alike.

    Parameters
    ----------
    scaled : array, shape (batch, window, n_columns)
    available : array, shape (batch, window, n_targets)
        Where each target was observed, as bool or 0/1.
    season_flags : array, shape (batch,), optional
        Whether each window's series shows the season.

    Examples
    --------
    >>> past = encoder_input(np.zeros((2, 3, 1)), np.ones((2, 3, 1)), np.array([1, 0]))
    >>> past.shape, past[:, 0].tolist()
    ((2, 3, 3), [[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    """
    tensors = isinstance(scaled, torch.Tensor)
    if tensors:
        join, cast = torch.cat, lambda part: part.to(scaled.dtype)
    else:
        join, cast = np.concatenate, lambda part: np.asarray(part, scaled.dtype)
    parts = [scaled, cast(available)]
    if season_flags is not None:
        flags = cast(season_flags)[:, None, None]  # [batch, 1, 1]
        shape = (*scaled.shape[:2], 1)
        parts.append(flags.expand(shape) if tensors else np.broadcast_to(flags, shape))
    return join(parts, -1)


def to_network_tensor(values, name):
    """Scaled values as float32, refusing any that float32 cannot compute with.

    Parameters
    ----------
    values : ndarray
        As the network reads them: scaled, unless the estimator does not scale.
    name : str
        Where the values came from, for the error.

    Raises
    ------
    ValueError
        If a value is infinite, or beyond float32's range (about
        3.4e38 training standard deviations), as 1e300 is.

    Examples
    --------
    >>> to_network_tensor(np.array([0.5, -1.0]), "X")
    tensor([ 0.5000, -1.0000])
    """
    # float32 input is shared, not copied
    tensor = torch.as_tensor(values, dtype=torch.float32)
    if not torch.isfinite(tensor).all():
        raise ValueError(
            f"The network would read infinite or extreme values (such as "
            f"1e300) in {name}: as it reads them, after any scaling, they "
            "are not finite in float32. Replace them with finite values of a "
            "plausible size."
        )
    return tensor


class WindowSet:
    """Windows over a flat array of series, gathered batch by batch.

    The encoder's input ends with one availability column per target: 1
    where the value was observed, 0 where it was missing (and filled, see
    :func:`fill_gaps`), so a network trained on these windows counts them
    among its past covariates. Targets that were missing are masked out of
    the loss.

    Parameters
    ----------
    values : torch.Tensor, shape (n_timepoints_total, n_columns)
        Scaled series end to end, gaps filled: targets, covariates known
        over the horizon, then covariates known only in the past. Training
        and validation sets share it; neither copies it.
    starts : array-like of int, shape (n_windows,)
        Start rows of the windows in this set.
    window_length, horizon : int
    n_targets : int
    n_covariates : int, default=0
        Columns after the targets that the decoder reads over the horizon.
    observed : torch.Tensor of bool, shape (n_timepoints_total, n_targets), \
optional
        Where the targets were observed; ``None`` if everywhere.
    season_flags : torch.Tensor, shape (n_timepoints_total,), optional
        1 on the rows of a series that shows the network's season, else 0;
        appended to the encoder input after the availability (see
        ``Seq2SeqNetwork``'s ``reads_season_flag``).

    Examples
    --------
    >>> values = torch.arange(6.0)[:, None]
    >>> windows = WindowSet(values, window_starts([6], 3, 2), 3, 2, n_targets=1)
    >>> len(windows)
    2
    >>> past, covariates, target, mask = windows.batch(windows.starts[1:])
    >>> past[..., 0], past[..., 1], target[..., 0], covariates, mask
    (tensor([[1., 2., 3.]]), tensor([[1., 1., 1.]]), tensor([[4., 5.]]), None, None)
    """

    def __init__(
        self,
        values,
        starts,
        window_length,
        horizon,
        n_targets,
        n_covariates=0,
        observed=None,
        season_flags=None,
    ):
        self.values = values
        self.starts = torch.as_tensor(starts, dtype=torch.int64)
        self.window_length = window_length
        self.horizon = horizon
        self.n_targets = n_targets
        self.n_covariates = n_covariates
        self.observed = observed
        self.season_flags = season_flags

    def __len__(self):
        return len(self.starts)

    def subset(self, starts):
        """Take the windows at ``starts``, over the same values (nothing is copied)."""
        return WindowSet(
            self.values,
            starts,
            self.window_length,
            self.horizon,
            self.n_targets,
            self.n_covariates,
            self.observed,
            self.season_flags,
        )

    def batch(self, starts, device=None):
        """Gather the encoder input, future covariates, targets and their mask.

        Returns
        -------
        past : torch.Tensor, shape (batch, window_length, n_columns + n_targets)
            The columns, then the targets' availability.
        covariates : torch.Tensor, shape (batch, horizon, n_covariates) or None
        target : torch.Tensor, shape (batch, horizon, n_targets)
        mask : torch.Tensor of bool, shape (batch, horizon, n_targets), or None
            Where the targets were observed; ``None`` if everywhere.
        """
        past = gather_windows(self.values, starts, self.window_length)
        # only the columns the decoder reads: targets and known covariates
        end = self.n_targets + self.n_covariates
        future = gather_windows(
            self.values[:, :end], starts, self.horizon, self.window_length
        )
        if self.observed is None:
            available, mask = past.new_ones(past.shape[:2] + (self.n_targets,)), None
        else:
            available = gather_windows(self.observed, starts, self.window_length)
            mask = gather_windows(
                self.observed, starts, self.horizon, self.window_length
            )
        flags = None if self.season_flags is None else self.season_flags[starts]
        past = encoder_input(past, available, flags)
        if device is not None:
            past, future = past.to(device), future.to(device)
            mask = None if mask is None else mask.to(device)
        covariates = future[..., self.n_targets :] if self.n_covariates else None
        return past, covariates, future[..., : self.n_targets], mask


class SequenceSet:
    """Whole sequences whose target is the sequence itself: an autoencoder's data.

    It offers the interface of :class:`WindowSet`, so the training loop that
    fits forecasts fits autoencoders too.

    Parameters
    ----------
    values : torch.Tensor, shape (n_sequences, length, n_columns)

    Examples
    --------
    >>> sequences = SequenceSet(torch.arange(12.0).reshape(2, 3, 2))
    >>> len(sequences), sequences.horizon
    (2, 3)
    >>> past, covariates, target, mask = sequences.batch(torch.tensor([1]))
    >>> bool((past == target).all()), covariates, mask
    (True, None, None)
    """

    def __init__(self, values):
        self.values = values
        self.starts = torch.arange(len(values))
        self.horizon = values.shape[1]

    def __len__(self):
        return len(self.values)

    def batch(self, starts, device=None):
        """Gather sequences: the encoder's input is also the decoder's target."""
        sequences = self.values[starts]
        if device is not None:
            sequences = sequences.to(device)
        return sequences, None, sequences, None
