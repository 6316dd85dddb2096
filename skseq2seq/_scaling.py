"""Scaling: the log of positive targets, and each column's shift and spread.

The statistics are computed over the flat layout of :mod:`skseq2seq._windows`
(every series end to end, ``lengths`` rows each), a block of rows at a time.
:func:`scale`, :func:`log_targets` and :func:`exp_targets` take numpy arrays
and torch tensors alike, so the exported graphs apply the rules ``predict``
applies, not a restatement of them.
"""

import numpy as np
import torch

from skseq2seq._compat import warn_user
from skseq2seq._windows import row_blocks, series_blocks

#: ``scaling="series"`` takes a series' statistics from at most its last this
#: many rows: over a longer series a trend or a changing spread makes the
#: whole history's statistics describe a level and a spread that the
#: forecast never sees (see docs/benchmarks.rst: a 20,000-point trending
#: series, MASE 1.33 with the whole series, 0.92 with its last 1,000 rows,
#: 0.89-0.93 with 500 or 2,000).
SCALE_ROWS = 1000

#: A column whose standard deviation is at most this fraction of its mean's
#: size holds one value, up to float64 round-off (about 1e-16 of it, a few
#: times that in a long series): it is constant. Purely relative, so a series
#: of tiny spread (1e-9 * sin, or a trend of 1 a step at 1e12) is scaled, not
#: ignored.
CONSTANT_RELATIVE_SPREAD = 1e-13

#: A constant column at a large level is divided by this fraction of it:
#: its round-off (at most ``CONSTANT_RELATIVE_SPREAD`` of the level) then
#: scales to about 1e-7, while a level of up to 1e6 keeps a unit of 1.
CONSTANT_UNIT_FRACTION = 1e-6


#: float32 holds about 7 digits: a series varying by less than this share of
#: its level keeps under 3 of them for its variation, once it is unscaled.
FLOAT32_BLUR = 1e-5

#: Magnitudes whose squares, summed, float64 holds with room to spare.
SAFE_MAGNITUDE = 1e100


def series_moments(values, lengths, last=None):
    """Mean and standard deviation of every column of every series, NaN ignored.

    Summed a block of rows at a time, so a long series needs no temporary
    as large as itself. A series beyond :data:`SAFE_MAGNITUDE` (or below
    its inverse) is divided by its largest magnitude before it is summed or
    squared, so neither overflows nor underflows (1e160 squared is inf,
    1e-200 squared 0).

    Parameters
    ----------
    values : ndarray, shape (n_timepoints_total, n_columns)
    lengths : array-like of int, shape (n_series,)
    last : int, optional
        Use only each series' last ``last`` rows.

    Examples
    --------
    >>> loc, std = series_moments(np.array([[1.0], [3.0], [5.0]]), [2, 1])
    >>> loc.ravel().tolist(), std.ravel().tolist()
    ([2.0, 5.0], [1.0, 0.0])
    >>> series_moments(np.array([[1.0], [np.nan], [3.0]]), [3])[0].tolist()
    [[2.0]]
    >>> series_moments(np.array([[9.0], [1.0], [3.0]]), [3], last=2)[0].tolist()
    [[2.0]]
    >>> loc, std = series_moments(np.array([[1e200], [3e200]]), [2])
    >>> round(float(std[0, 0] / 1e200), 12)  # not inf: 1e200 squared overflows
    1.0
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    shape = (len(lengths), values.shape[1])
    counts, sums = np.zeros(shape), np.zeros(shape)
    deviations, squares = np.zeros(shape), np.zeros(shape)

    def add(totals, ids, block):
        for column in range(block.shape[1]):
            totals[:, column] += np.bincount(
                ids, weights=block[:, column], minlength=len(lengths)
            )

    def counted(rows, ids):
        """Where a value is observed, and among its series' last rows."""
        seen = ~np.isnan(values[rows])
        if last is not None:
            seen &= (np.arange(rows.start, rows.stop) >= ends[ids] - last)[:, None]
        return seen

    sizes = np.zeros(shape)  # each series' largest magnitude, per column
    for rows, ids in row_blocks(len(values), lengths):
        seen = counted(rows, ids)
        add(counts, ids, seen)
        with np.errstate(over="ignore", invalid="ignore"):  # extreme: summed again
            add(sums, ids, np.where(seen, values[rows], 0.0))
        # a block's rows come series by series: one maximum per stretch
        first = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        magnitude = np.where(seen, np.abs(values[rows]), 0.0)
        stretch = np.maximum.reduceat(magnitude, first, axis=0)
        sizes[ids[first]] = np.maximum(sizes[ids[first]], stretch)
    # only an extreme series is taken in units of its size; the others keep
    # their arithmetic exactly
    extreme = is_extreme(sizes)
    sizes = np.where(extreme, sizes, 1.0)
    rescaled = bool(extreme.any())
    if rescaled:
        sums[:] = 0.0
        for rows, ids in row_blocks(len(values), lengths):
            units = values[rows] / sizes[ids]
            add(sums, ids, np.where(counted(rows, ids), units, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):  # a column never seen
        mean = sums / counts  # in units of the series' size
    for rows, ids in row_blocks(len(values), lengths):
        units = values[rows] / sizes[ids] if rescaled else values[rows]
        centred = np.where(counted(rows, ids), units - mean[ids], 0.0)
        add(deviations, ids, centred)
        add(squares, ids, centred**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        # less the square of the mean's own round-off, which a long series'
        # sum makes large enough to read as spread (the corrected two-pass
        # algorithm): a constant column is then constant to the last digits
        variance = squares / counts - (deviations / counts) ** 2
        return mean * sizes, np.sqrt(np.maximum(variance, 0.0)) * sizes


def is_extreme(size):
    """Flag magnitudes whose square float64 cannot hold: beyond 1e100 or below 1e-100.

    Such a series is taken in units of its largest magnitude before it is
    squared. Takes numpy arrays, torch tensors or floats alike; 0 and inf
    are not extreme (there is nothing to divide by).

    Examples
    --------
    >>> is_extreme(np.array([1e200, 1e-200, 1.0, 0.0, np.inf])).tolist()
    [True, True, False, False, False]
    """
    return (size > SAFE_MAGNITUDE) & (size < np.inf) | (size > 0) & (
        size < 1 / SAFE_MAGNITUDE
    )


def is_constant(loc, std):
    """Flag columns whose spread is only round-off of their level.

    Takes numpy arrays or torch tensors alike (the exported embedder applies
    the same rule inside its graph).

    Examples
    --------
    >>> is_constant(np.array([1e6, 1e6, 0.0]), np.array([1e-8, 1e-5, 0.0])).tolist()
    [True, False, True]
    """
    return std <= CONSTANT_RELATIVE_SPREAD * abs(loc)


def warn_if_float32_blurs(
    loc, std, names, keys=None, log=None, column_kind="Target column", default="auto"
):
    """Warn where unscaled values vary too little for float32 to tell apart.

    With ``scaling=None`` the network reads the values as they are (the log
    of those flagged ``log``), in float32, and a level of 1e8 varying by 10
    loses its variation to round-off: it is forecast flat, or embedded alike.

    Parameters
    ----------
    loc, std : ndarray, shape (n_series, n_columns)
        Each series' moments, as :func:`series_moments` gives them.
    names : list
        The columns' names.
    keys : sequence, optional
        The series' keys, to name the first one blurred.
    log : ndarray of bool, shape (n_columns,), optional
        The columns read on the log scale.
    column_kind, default : str
        What the columns are, and the estimator's default ``scaling``, for
        the message.
    """
    blurred = (std < FLOAT32_BLUR * np.abs(loc)) & ~is_constant(loc, std)
    if blurred.any():
        series, column = np.argwhere(blurred)[0]
        which = "" if keys is None else f" (series {keys[series]!r})"
        logged = ", on the log scale," if log is not None and log[column] else ""
        warn_user(
            f"{column_kind} {names[column]!r}{which}{logged} varies by "
            f"{std[series, column]:.3g} at a level of {loc[series, column]:.3g}: "
            "with scaling=None the network reads it in float32, which loses "
            f"that variation to round-off. Pass scaling={default!r} (the default)."
        )


def constant_spread(loc, std):
    """Give the spread to divide by: ``std``, or 1 for a constant column.

    A constant column (see :func:`is_constant`) thus scales to zeros rather
    than to a division by zero, and a column constant in training keeps its
    data's unit when it moves later. Only at a level past
    ``1 / CONSTANT_UNIT_FRACTION`` is the divisor that fraction of it
    instead: round-off of a level of 1e20 is about 1e6, which divided by 1
    would read as signal. Takes numpy arrays or torch tensors alike (the
    exported embedder's graph applies the same rule).

    Examples
    --------
    >>> constant_spread(np.array([1e20, 0.5, 3.0]), np.array([1e6, 0.0, 2.0])).tolist()
    [100000000000000.0, 1.0, 2.0]
    """
    where = torch.where if isinstance(std, torch.Tensor) else np.where
    unit = (abs(loc) * CONSTANT_UNIT_FRACTION).clip(1.0)
    return where(is_constant(loc, std), unit, std)


def fit_scaler(values, lengths, scaling="series", last=None, log=None):
    """Mean and standard deviation of every column, for every series.

    A constant column (see :func:`is_constant`) is divided by 1 instead, or
    at a very large level by a fraction of it (see :func:`constant_spread`).

    Parameters
    ----------
    values : ndarray, shape (n_timepoints_total, n_columns)
    lengths : array-like of int, shape (n_series,)
    scaling : {"series", "global"} or None, default="series"
        ``"series"``: each series' own statistics. ``"global"``: those of
        all series pooled, the same for every series. ``None``: no scaling
        (mean 0, standard deviation 1).
    last : int, optional
        With ``"series"``: the statistics of each series' last ``last``
        rows, where a longer series' level and spread have moved away from
        its history's. Where those rows are constant or unobserved, the
        whole series' statistics.
    log : ndarray of bool, shape (n_columns,), optional
        Columns on the log scale. Their spread is the data's relative one,
        so they are constant where it is within round-off of 1, not of
        their level: the data's own rule (a trend of 1 a step at a level of
        1e13 is a trend, whose log varies by 2e-12 around 30).

    Returns
    -------
    loc, scale : ndarray, shape (n_series, n_columns)

    Examples
    --------
    >>> values = np.array([[1.0], [3.0], [5.0], [5.0]])
    >>> loc, scale = fit_scaler(values, [2, 2])
    >>> loc.ravel().tolist(), scale.ravel().tolist()  # the second is constant
    ([2.0, 5.0], [1.0, 1.0])
    >>> loc, scale = fit_scaler(values, [2, 2], scaling="global")
    >>> loc.ravel().tolist(), scale.ravel().tolist()
    ([3.5, 3.5], [1.6583123951777, 1.6583123951777])
    >>> loc, scale = fit_scaler(values, [4], last=2)  # the last two: constant
    >>> loc.ravel().tolist(), scale.ravel().tolist()
    ([3.5], [1.6583123951777])
    >>> loc, scale = fit_scaler(values, [4], last=3)
    >>> loc.ravel().tolist(), scale.ravel().round(4).tolist()
    ([4.333333333333333], [0.9428])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    shape = (len(lengths), values.shape[1])
    if scaling is None:
        return np.zeros(shape), np.ones(shape)
    if scaling == "global":
        loc, scale = fit_scaler(values, [len(values)], log=log)
        return np.broadcast_to(loc, shape).copy(), np.broadcast_to(scale, shape).copy()
    relative = np.zeros(values.shape[1], bool)
    if log is not None:
        relative[: len(log)] = log

    def level(loc):  # what the constant rule compares the spread with
        return np.where(relative, 1.0, loc)

    loc, std = series_moments(values, lengths)
    if last is not None and lengths.max(initial=0) > last:
        recent_loc, recent_std = series_moments(values, lengths, last)
        usable = np.isfinite(recent_std) & ~is_constant(level(recent_loc), recent_std)
        loc = np.where(usable, recent_loc, loc)
        std = np.where(usable, recent_std, std)
    return loc, constant_spread(level(loc), std)


def pooled_change(values, lengths):
    """Mean absolute change between neighbouring values, over every series.

    One number per column, pooled across the series: dividing by it gives
    the changes a size of about 1 while leaving every series' changes in
    the same unit, so the loss still weighs them alike. NaN (a gap, or a
    series' padding) is skipped.

    Parameters
    ----------
    values : ndarray, shape (n_timepoints_total, n_columns)
    lengths : array-like of int, shape (n_series,)

    Returns
    -------
    ndarray, shape (n_columns,)
        1 where no column changes at all.

    Examples
    --------
    >>> pooled_change(np.array([[1.0], [3.0], [10.0], [11.0]]), [2, 2]).tolist()
    [1.5]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    sums, counts = np.zeros(values.shape[1]), np.zeros(values.shape[1])
    for series, rows in series_blocks(lengths):
        change = np.abs(np.diff(values[rows], axis=0))  # [rows - 1, n_columns]
        # a change across two series is no change of either
        boundaries = np.cumsum(lengths[series])[:-1] - 1
        change[boundaries] = np.nan
        sums += np.nansum(change, axis=0)
        counts += (~np.isnan(change)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = sums / counts
    return np.where(np.isfinite(pooled) & (pooled > 0), pooled, 1.0)


def choose_log_targets(values, n_targets, target_transform, names=None):
    """Decide which target columns are modelled on the log scale.

    Parameters
    ----------
    values : ndarray, shape (n_timepoints_total, n_columns)
        Every training series, end to end; NaN for missing values.
    n_targets : int
    target_transform : {"auto", "log"} or None
        ``"auto"``: the columns whose every observed value, in every
        series, is positive. ``"log"``: every target column, which must be
        positive. ``None``: none.
    names : sequence, optional
        The target columns' names, for the error; their positions without.

    Returns
    -------
    ndarray of bool, shape (n_targets,)

    Examples
    --------
    >>> values = np.array([[1.0, -1.0], [np.nan, 2.0]])
    >>> choose_log_targets(values, 2, "auto").tolist()
    [True, False]
    """
    if target_transform is None:
        return np.zeros(n_targets, dtype=bool)
    targets = values[:, :n_targets]
    positive = ~(targets <= 0).any(axis=0)  # NaN compares False: ignored
    if target_transform == "log" and not positive.all():
        which = np.flatnonzero(~positive).tolist()
        if names is not None:
            which = [names[column] for column in which]
        raise ValueError(
            f"target_transform='log' needs positive targets, but target column(s) "
            f"{which} hold zero or negative values. "
            "Pass target_transform='auto' (log only where positive) or None."
        )
    return positive


def log_targets(values, log, name="y", columns=None):
    """Return ``values`` with the flagged target columns replaced by their log.

    The columns are the last axis of ``values``; ``values`` itself is not
    changed. A torch tensor (inside an exported graph) is taken as it is:
    the server checks that it is positive.

    Raises
    ------
    ValueError
        If a flagged column holds zero or a negative value: it was positive
        in training, and its log is what the network learned.

    Examples
    --------
    >>> log_targets(np.array([[1.0, 5.0], [np.e, -5.0]]), np.array([True, False]))
    array([[ 0.,  5.],
           [ 1., -5.]])
    """
    if not log.any():
        return values
    if isinstance(values, torch.Tensor):
        return torch.where(log, values.log(), values)
    check_positive(values, log, name, columns)
    logged = np.flatnonzero(log)
    values = values.copy()
    values[..., logged] = np.log(values[..., logged])
    return values


def check_positive(values, log, name="y", columns=None):
    """Refuse zero or negative values in the target columns flagged ``log``.

    ``columns`` names the targets, for the error (by default, their
    positions); only those holding such values are named.

    Examples
    --------
    >>> check_positive(np.array([[1.0, -1.0]]), np.array([True, False]))
    """
    logged = np.flatnonzero(log)
    if len(logged) == 0:
        return
    bad = logged[(values[..., logged] <= 0).reshape(-1, len(logged)).any(axis=0)]
    if len(bad):
        names = bad.tolist() if columns is None else [columns[i] for i in bad]
        raise ValueError(
            f"{name} has zero or negative values in target column(s) "
            f"{names}, which were positive in training (fit or "
            "pretrain) and are modelled on the log scale. Pass positive values, "
            "or train again on these with target_transform=None."
        )


def exp_targets(values, log, axis=2):
    """Undo :func:`log_targets` along ``axis``, the targets' axis of ``values``.

    Takes numpy arrays or torch tensors alike (the exported graph applies the
    same rule).

    Examples
    --------
    >>> exp_targets(np.zeros((1, 1, 2)), np.array([True, False])).tolist()
    [[[1.0, 0.0]]]
    """
    if not log.any():
        return values
    shape = [1] * values.ndim
    shape[axis] = len(log)
    mask = log.reshape(shape)
    if isinstance(values, torch.Tensor):
        return torch.where(mask, values.exp(), values)
    return np.where(mask, np.exp(values), values)


def scale(values, loc, spread):
    """Map ``values`` to ``(values - loc) / spread``, numpy arrays or torch tensors.

    Examples
    --------
    >>> scale(np.arange(3.0), 1.0, 2.0).tolist()
    [-0.5, 0.0, 0.5]
    """
    return (values - loc) / spread


def scale_series(values, lengths, loc, spread, dtype=np.float64):
    """Standardise each series with its own statistics (see :func:`fit_scaler`).

    Computed in float64 a block of rows at a time and stored as ``dtype``,
    so float32 for the network costs one float32 copy of the values.

    Examples
    --------
    >>> scale_series(np.array([[1.0], [3.0]]), [2], np.array([[2.0]]),
    ...              np.array([[1.0]])).ravel().tolist()
    [-1.0, 1.0]
    """
    scaled = np.empty(values.shape, dtype=dtype)
    for rows, series in row_blocks(len(values), lengths):
        scaled[rows] = scale(values[rows], loc[series], spread[series])
    return scaled


def fit_scaling(values, lengths, log, scaling, pretrained=None):
    """Scaling statistics for every series and column, as ``scaling`` asks.

    Parameters
    ----------
    values : ndarray, shape (n_timepoints_total, n_columns)
        The targets flagged in ``log`` already on the log scale.
    lengths : array-like of int, shape (n_series,)
    log : ndarray of bool, shape (n_targets,)
    scaling : {"auto", "series", "global"} or None
        ``"series"``: each series' own statistics of its last
        :data:`SCALE_ROWS` rows. ``"auto"``: the same, but the log-scale
        targets divided by their change pooled over the series
        (:func:`pooled_change`), so they stay in one relative unit.
        ``"global"`` and None: see :func:`fit_scaler`.
    pretrained : dict, optional
        What a pretraining panel fixed: ``"loc"`` and ``"scale"``, its pooled
        statistics that ``"global"`` keeps using, and ``"log_scale"``, the
        change unit that ``"auto"`` keeps for the log-scale targets. The
        network learned on that scale.

    Returns
    -------
    loc, scale : ndarray, shape (n_series, n_columns)

    Examples
    --------
    >>> values = np.log([[1.0], [2.0], [4.0], [10.0], [20.0]])
    >>> loc, scale = fit_scaling(values, [3, 2], np.array([True]), "auto")
    >>> scale.ravel().round(4).tolist()  # log 2, the pooled change
    [0.6931, 0.6931]
    """
    pretrained = pretrained or {}
    if scaling == "global" and "loc" in pretrained:
        shape = (len(lengths), values.shape[1])
        return (
            np.broadcast_to(pretrained["loc"][:1], shape).copy(),
            np.broadcast_to(pretrained["scale"][:1], shape).copy(),
        )
    plain = "series" if scaling == "auto" else scaling
    loc, spread = fit_scaler(values, lengths, plain, last=SCALE_ROWS, log=log)
    if scaling == "auto" and log.any():
        # the level stays each series' (float32 keeps the changes' digits)
        columns = np.flatnonzero(log)
        if "log_scale" in pretrained:
            spread[:, columns] = pretrained["log_scale"]
        else:
            spread[:, columns] = pooled_change(values[:, columns], lengths)
    return loc, spread
