"""pandas in, arrays out and back: single series, panels and hierarchies.

A single series is a collection of one. A panel or hierarchy (a row
``MultiIndex`` whose last level is time) is split into its instances, and
their rows are laid end to end in one flat array, instance after instance,
as the window arithmetic in ``_windows`` expects.
"""

import dataclasses
import operator
import warnings

import numpy as np
import pandas as pd
from sktime.forecasting.base import ForecastingHorizon

from skseq2seq._scaling import is_constant, series_moments
from skseq2seq._windows import series_offsets


class Instances:
    """The instances of a frame, and how its rows map onto the flat array.

    Parameters
    ----------
    frame : pd.DataFrame
        A single series (any index) or a panel/hierarchy (row MultiIndex,
        time last).

    Attributes
    ----------
    keys : list or None
        The instance of each series, the values of all index levels but the
        last (tuples for several); ``None`` for a single series.
    lengths : ndarray of int64, shape (n_series,)
    times : list of pd.Index
        The time index of each series.
    flat_times : pd.Index
        The same, end to end.

    Examples
    --------
    >>> index = pd.MultiIndex.from_tuples([("b", 0), ("a", 0), ("b", 1)])
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0]}, index=index)
    >>> instances = Instances(frame)
    >>> instances.keys, instances.lengths.tolist()
    (['b', 'a'], [2, 1])
    >>> instances.flat(frame).ravel().tolist()
    [1.0, 3.0, 2.0]
    """

    def __init__(self, frame):
        index = frame.index
        if not isinstance(index, pd.MultiIndex):
            self.keys = None
            self.lengths = np.array([len(frame)], dtype=np.int64)
            self._order = None
            self.times = [index]
            self.flat_times = index
            return
        codes, uniques = pd.factorize(index.droplevel(-1))
        # group rows by instance, first-seen order, keeping time order within
        self._order = np.argsort(codes, kind="stable")
        self.keys = list(uniques)
        self.lengths = np.bincount(codes, minlength=len(uniques)).astype(np.int64)
        times = self.flat_times = index.get_level_values(-1)[self._order]
        bounds = np.concatenate([[0], np.cumsum(self.lengths)])
        self.times = [times[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def flat(self, rows):
        """Copy rows given in the frame's order into the flat layout.

        Parameters
        ----------
        rows : pd.DataFrame or ndarray
            The frame itself, or values aligned with its rows.

        Returns
        -------
        ndarray of float64, shape (n_timepoints_total, n_columns)
            For a single series, a read-only view of the frame's values.
        """
        if isinstance(rows, pd.DataFrame):
            rows = rows.to_numpy(dtype=np.float64)
        rows = np.asarray(rows, dtype=np.float64)
        if self._order is not None:
            return rows[self._order]
        # a single float64 series is read in place, not copied: read-only, so
        # that nothing can ever write through to the user's data
        view = rows.view()
        view.flags.writeable = False
        return view


def panel_index(keys, times, names=None):
    """Build the row index of every series at the same ``times``.

    Parameters
    ----------
    keys : list or None
        Instance keys (see :class:`Instances`); ``None`` for a single series.
    times : pd.Index or list of pd.Index
        The same times for every series, or each series' own.
    names : list, optional
        The names of the index levels, time last.

    Returns
    -------
    pd.Index or pd.MultiIndex
        The times for a single series; otherwise every instance with its
        times, instance after instance.

    Examples
    --------
    >>> panel_index(["a", "b"], pd.Index([5, 6])).tolist()
    [('a', 5), ('a', 6), ('b', 5), ('b', 6)]
    >>> panel_index(["a", "b"], [pd.Index([5]), pd.Index([9])]).tolist()
    [('a', 5), ('b', 9)]
    """
    if keys is None:
        times = times if isinstance(times, pd.Index) else times[0]
        return times if names is None else times.rename(names[-1])
    if isinstance(times, pd.Index):
        counts = np.full(len(keys), len(times))
        times = times[np.tile(np.arange(len(times)), len(keys))]
    else:
        counts = np.array([len(own) for own in times])
        times = times[0].append(list(times[1:]))
    # one array per instance level, each key repeated once per time point
    levels = zip(
        *(key if isinstance(key, tuple) else (key,) for key in keys), strict=True
    )
    arrays = [pd.Index(level).repeat(counts) for level in levels]
    return pd.MultiIndex.from_arrays([*arrays, times], names=names)


def check_index_levels(frame, levels, name="X"):
    """Refuse a ``frame`` indexed by other than y's number of ``levels``.

    Examples
    --------
    >>> check_index_levels(pd.DataFrame({"x": [1.0]}), 1)
    """
    if frame.index.nlevels != levels:
        raise ValueError(
            f"{name}'s index has {frame.index.nlevels} level(s), but y's has "
            f"{levels}: {name} needs a row for each series and time point of "
            "y, indexed as y is. Covariates that every series shares go in "
            "once for each series' key."
        )


def check_series_keys(frame, name="y"):
    """Refuse a panel or hierarchy with a series key missing (NaN or None).

    sktime's checks accept one; the series would then have no key to be
    forecast under (and pandas numbers it -1).

    Examples
    --------
    >>> index = pd.MultiIndex.from_tuples([("a", 0), (None, 0)], names=["id", "t"])
    >>> check_series_keys(pd.DataFrame({"y": [1.0, 2.0]}, index))
    Traceback (most recent call last):
    ...
    ValueError: y's index level 'id' has 1 missing key(s) (NaN or None), ...
    """
    index = frame.index
    for level in range(index.nlevels - 1):
        missing = int(index.get_level_values(level).isna().sum())
        if missing:
            label = level if index.names[level] is None else repr(index.names[level])
            raise ValueError(
                f"{name}'s index level {label} has {missing} missing key(s) (NaN "
                "or None), so some rows belong to no series. Give every series a "
                "key, or drop those rows."
            )


def columns_as_in_fit(frame, names, given, fitted):
    """Reorder ``frame``'s columns as ``names``, fit's, or refuse others.

    Columns are matched by name, in any order; a single column is that
    column, whatever its name. ``given`` and ``fitted`` word the refusal:
    what the columns passed are, and what was fitted on ``names``.

    Examples
    --------
    >>> frame = pd.DataFrame({"b": [1.0], "a": [2.0]})
    >>> list(columns_as_in_fit(frame, ["a", "b"], "X has", "the model").columns)
    ['a', 'b']
    """
    if list(frame.columns) == names or (len(names) == 1 and frame.shape[1] == 1):
        return frame
    if set(frame.columns) == set(names) and frame.shape[1] == len(names):
        return frame[names]
    raise ValueError(
        f"{given} {list(frame.columns)}, but {fitted} was fitted on {names}. "
        "Pass the same columns (in any order)."
    )


#: Why X must have every row of y, for the errors that say it has not.
ROWS_OF_Y = "X needs a row for every time point of y."


def check_rows_for(index, frame, name="X", purpose=ROWS_OF_Y):
    """Refuse a ``frame`` without a row at every entry of ``index``, saying why.

    sktime's own check of X against y says only that "indices of series 0 are
    not contained in index of series 0".

    Examples
    --------
    >>> check_rows_for(pd.Index([1, 2]), pd.DataFrame(index=[1]), "X", "Why.")
    Traceback (most recent call last):
    ...
    ValueError: X has no rows for [2]. Why.
    """
    found = index.isin(frame.index)
    if not found.all():
        missing = list(index[~found][:3])
        more = f" and {(~found).sum() - 3} more" if (~found).sum() > 3 else ""
        raise ValueError(f"{name} has no rows for {missing}{more}. {purpose}")


def rows_at(frame, index, columns, name, purpose, check=None):
    """Take ``columns`` at the rows ``index``, or say which are missing.

    Parameters
    ----------
    frame : pd.DataFrame or None
    index : pd.Index or pd.MultiIndex
        The rows needed, in order.
    columns : list
    name : str
        What the frame is called in the errors, e.g. ``"X"``.
    purpose : str
        Why the rows are needed, for the error when some are missing.
    check : callable, optional
        Called with the rows taken, as a frame, before they are converted:
        to refuse bad values there and not in rows nobody reads.

    Returns
    -------
    ndarray of float64, shape (len(index), len(columns))

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=[10, 11, 12])
    >>> rows_at(X, pd.Index([12, 10]), ["a"], "X", "").ravel().tolist()
    [3.0, 1.0]
    """
    if frame is None:
        raise ValueError(
            f"This forecaster was fitted with {name} columns {list(columns)}; pass "
            f"{name} here too. {purpose}"
        )
    absent = [column for column in columns if column not in frame.columns]
    if absent:
        raise ValueError(
            f"{name} lacks the columns {absent} it had in fit. Pass {name} with "
            f"the same columns as in fit: {list(columns)}."
        )
    check_index_levels(frame, index.nlevels, name)
    check_rows_for(index, frame, name, purpose)
    rows = frame.loc[index, list(columns)]
    if check is not None:
        check(rows)
    return rows.to_numpy(dtype=np.float64, copy=True)


def time_frequency(times):
    """Return the frequency of the time points as a string; None for integers.

    A ``DatetimeIndex`` without one (a panel's time level, or a frame built
    with ``set_index``) gets the frequency inferred from its longest series.

    Raises
    ------
    ValueError
        If the time points are datetimes whose frequency cannot be inferred.

    Examples
    --------
    >>> time_frequency([pd.DatetimeIndex(["2000-01-01", "2000-01-02", "2000-01-03"])])
    'D'
    >>> time_frequency([pd.Index([3, 4, 5])]) is None
    True
    """
    first = times[0]
    if isinstance(first, pd.PeriodIndex):
        return first.freqstr
    if not isinstance(first, pd.DatetimeIndex):
        return None
    if first.freq is not None:
        _check_named_by_freqstr(first)
        return first.freqstr
    longest = max(times, key=len)
    inferred = pd.infer_freq(longest) if len(longest) >= 3 else None
    if inferred is None:
        raise ValueError(
            "The time index is a DatetimeIndex without a frequency, and none can "
            "be inferred from its time points: they are irregular, or some are "
            "absent. Make them regular (absent ones as rows of NaN) and set one, "
            "e.g. y = y.asfreq('D') for a single series, or convert the time "
            "level to a PeriodIndex."
        )
    return inferred


def data_frequency(y):
    """Return the frequency of ``y``'s time points, or None where none is read.

    As :func:`time_frequency` infers it, without its error: data whose
    frequency cannot be inferred is refused later, by name, where it is read.
    """
    try:
        return time_frequency(Instances(y).times)
    except ValueError:
        return None


def _check_named_by_freqstr(times):
    """Refuse a frequency that its name does not rebuild.

    The forecaster keeps the frequency as its name, as sktime's fh does: a
    calendar of holidays is named "C", which rebuilds without them.
    """
    offset = times.freq
    try:
        rebuilt = pd.tseries.frequencies.to_offset(offset.freqstr) == offset
    except ValueError:  # a name pandas cannot read back (Easter, say)
        rebuilt = False
    if rebuilt:
        return
    if isinstance(offset, pd.offsets.CustomBusinessDay):
        fix = "give the days it skips rows of NaN on a plain calendar: y.asfreq('B')"
    else:
        inferred = pd.infer_freq(times) if len(times) >= 3 else None
        fix = (
            f"set the frequency by its name: y.asfreq({inferred!r})"
            if inferred is not None
            else "convert the index to integers"
        )
    raise ValueError(
        f"The time index's frequency {offset!r} is more than its name "
        f"{offset.freqstr!r} says, and the forecaster keeps only the name. To "
        f"fit it, {fix}."
    )


def check_consecutive(instances, freq):
    """Refuse a series whose time points skip one of its frequency.

    A skipped time point is not a gap the forecaster sees: the encoder
    would read the rows either side of it as neighbours, and the seasonal
    anchor would slip. An integer index counts steps of 1, as sktime's
    ``fh`` does; a float index has no next time point to check. One pass
    over the whole time level, whatever the number of series.

    Examples
    --------
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0]}, index=[0, 1, 3])
    >>> check_consecutive(Instances(frame), None)
    Traceback (most recent call last):
    ...
    ValueError: y does not follow its time steps: after 1 comes 3, where 2 was due. ...
    """
    times = instances.flat_times
    if len(times) < 2:
        return
    if isinstance(times, pd.PeriodIndex):
        due, fix = times[:-1] + 1, "y.asfreq(freq) for a single series"
    elif isinstance(times, pd.DatetimeIndex):
        # the index's own offset where it is the frequency found in fit;
        # update's rows at another one are checked at fit's
        offset = times.freq
        if offset is None or (freq is not None and offset.freqstr != freq):
            offset = pd.tseries.frequencies.to_offset(freq)
        with warnings.catch_warnings():  # calendar offsets are applied one by one
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            due = times[:-1] + offset
        fix = "y.asfreq(freq) for a single series"
    elif pd.api.types.is_integer_dtype(times):
        due = times[:-1] + 1
        fix = "y.reset_index(drop=True) if the steps are regular"
    else:
        return
    skipped = np.asarray(times[1:] != due)
    last_rows = np.cumsum(instances.lengths)
    skipped[last_rows[:-1] - 1] = False  # from one series to the next
    if not skipped.any():
        return
    row = int(np.argmax(skipped))
    position = int(np.searchsorted(last_rows, row, side="right"))
    series = "y" if instances.keys is None else f"Series {instances.keys[position]!r}"
    if isinstance(times, pd.DatetimeIndex):
        start = last_rows[position - 1] if position else 0
        _check_same_grid(times[start : last_rows[position]], offset, series)
    raise ValueError(
        f"{series} does not follow its time steps: after {times[row]} comes "
        f"{times[row + 1]}, where {due[row]} was due. The encoder reads "
        "consecutive time points: give the absent ones rows with missing "
        "values (NaN) in y, which the forecaster fills and leaves out of the "
        f"loss (e.g. {fix}, or a reindex of a panel's time level)."
    )


def _check_same_grid(times, offset, series):
    """Refuse a series regular on another grid than ``offset``'s, saying so.

    Month ends among month starts, or weeks ending on Wednesdays among
    weeks ending on Sundays, step as often as ``offset`` but miss every one
    of its time points; rows of NaN cannot fix that, aligning the series
    can. A series at another spacing (every other day among days) is left
    to the advice for absent time points.
    """
    own = pd.infer_freq(times) if len(times) >= 3 else None
    if own is None or own == offset.freqstr:
        return
    with warnings.catch_warnings():  # calendar offsets are applied one by one
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        steps = len(pd.date_range(times[0], times[-1], freq=offset))
    if abs(steps - len(times)) > 1:
        return
    raise ValueError(
        f"{series} is regular at the frequency {own!r}, but the forecaster "
        f"steps by {offset.freqstr!r} here (the panel's, or fit's): the series "
        "of a panel, and new rows, share one grid of time points. Put them on "
        "one: the same anchor for all (month starts, say, or weeks ending on "
        "the same day), or a PeriodIndex time level, on which a month's "
        "start and its end are the same month."
    )


def in_zone(data, zone):
    """Put ``data``'s time points in the time ``zone``; as they are if already so.

    ``update``'s new rows may name the same instants in another zone; the
    cutoff, and every step added to it, must stay on fit's wall clock.

    Examples
    --------
    >>> utc = pd.Series([1.0], pd.DatetimeIndex(["2021-03-13 05:00"], tz="UTC"))
    >>> in_zone(utc, "America/New_York").index[0]
    Timestamp('2021-03-13 00:00:00-0500', tz='America/New_York')
    """
    converted = _converted(_time_points(data), zone)
    if converted is None:
        return data
    index = data.index
    if isinstance(index, pd.MultiIndex):
        return data.set_axis(index.set_levels(converted, level=-1))
    return data.set_axis(converted)


def fh_in_zone(fh, zone):
    """Put an ``fh`` of time stamps in the time ``zone``; any other as it is.

    sktime counts the steps to time stamps of another zone on their own wall
    clock, so that the same instants are other steps ahead, or refused.

    Examples
    --------
    >>> in_utc = pd.DatetimeIndex(["2021-03-13 05:00"], tz="UTC")
    >>> fh_in_zone(in_utc, "America/New_York")[0]
    Timestamp('2021-03-13 00:00:00-0500', tz='America/New_York')
    """
    stamps = fh.to_pandas() if isinstance(fh, ForecastingHorizon) else fh
    converted = _converted(stamps, zone)
    if converted is None:
        return fh
    if isinstance(fh, ForecastingHorizon):
        return ForecastingHorizon(converted, is_relative=fh.is_relative)
    return converted


def time_zone(data):
    """Return the time zone of ``data``'s time points, or None."""
    return getattr(_time_points(data), "tz", None)


def _time_points(data):
    """Return ``data``'s time index: its last level, for a panel; None without one."""
    index = getattr(data, "index", None)
    return index.levels[-1] if isinstance(index, pd.MultiIndex) else index


def _converted(times, zone):
    """Return ``times`` in ``zone``, or None where they need no converting."""
    if (
        zone is None
        or not isinstance(times, pd.DatetimeIndex)
        or times.tz is None
        or str(times.tz) == str(zone)
    ):
        return None
    return times.tz_convert(zone)


def rows_after(frame, keys, ends, inclusive=False):
    """Flag the rows of ``frame`` after the last known time point of their series.

    Parameters
    ----------
    frame : pd.DataFrame
    keys : list or None
        The known series (see :class:`Instances`).
    ends : pd.Index
        The last known time point of each of them.
    inclusive : bool, default=False
        Flag the rows at that time point too.

    Returns
    -------
    ndarray of bool, shape (len(frame),)

    Examples
    --------
    >>> frame = pd.DataFrame({"y": range(4)}, index=[3, 4, 5, 6])
    >>> rows_after(frame, None, pd.Index([4])).tolist()
    [False, False, True, True]
    >>> rows_after(frame, None, pd.Index([4]), inclusive=True).tolist()
    [False, True, True, True]
    """
    after = operator.ge if inclusive else operator.gt
    index = frame.index
    if not isinstance(index, pd.MultiIndex):
        return np.asarray(after(index, ends[0]))
    codes, uniques = pd.factorize(index.droplevel(-1))
    positions = np.asarray(locate(list(uniques), keys))
    return np.asarray(after(index.get_level_values(-1), ends[positions[codes]]))


@dataclasses.dataclass
class Collection:
    """Series as one flat array: targets, known-ahead covariates, past covariates.

    ``sizes`` counts the three groups of columns, and ``columns`` names the
    covariates of the second and third; ``keys``, ``ends`` and ``times``
    name each series, its last time point and all its time points (see
    :class:`Instances`); ``freq`` is their frequency (see
    :func:`time_frequency`).
    """

    values: np.ndarray
    lengths: np.ndarray
    sizes: tuple
    keys: list = None
    ends: pd.Index = None
    times: list = None
    freq: str = None
    columns: tuple = ((), ())

    @classmethod
    def from_frames(cls, y, X, covariates, past_covariates, freq=None):
        """Collect ``y`` and the named columns of ``X`` (aligned with ``y``).

        ``freq`` is the frequency known from fit, for new rows too few to
        infer it from; None infers it (see :func:`time_frequency`).
        """
        instances = Instances(y)
        freq = time_frequency(instances.times) if freq is None else freq
        check_consecutive(instances, freq)
        parts = [instances.flat(y)]
        if covariates or past_covariates:
            parts.append(
                instances.flat(
                    rows_at(
                        X,
                        y.index,
                        covariates + past_covariates,
                        "X",
                        ROWS_OF_Y,
                    )
                )
            )
        return cls(
            values=parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1),
            lengths=instances.lengths,
            sizes=(y.shape[1], len(covariates), len(past_covariates)),
            keys=instances.keys,
            ends=pd.Index([times[-1] for times in instances.times]),
            times=instances.times,
            freq=freq,
            columns=(list(covariates), list(past_covariates)),
        )

    @property
    def typical_length(self):
        """Median length of the series: what the window is chosen for."""
        return int(np.median(self.lengths))

    def observed_counts(self):
        """Observed (not NaN) values of every target column of every series.

        Returns
        -------
        ndarray of int64, shape (n_series, n_targets)
        """
        seen = ~np.isnan(self.values[:, : self.sizes[0]])
        return np.add.reduceat(seen, series_offsets(self.lengths), axis=0)

    def of_series(self, chosen):
        """Keep the series flagged in ``chosen``, a bool per series, in order.

        Examples
        --------
        >>> both = Collection(np.arange(5.0)[:, None], np.array([2, 3]), (1, 0, 0))
        >>> both.of_series(np.array([False, True])).values.ravel().tolist()
        [2.0, 3.0, 4.0]
        """
        rows = np.flatnonzero(chosen)
        kept = {
            name: None if value is None else [value[row] for row in rows]
            for name, value in (("keys", self.keys), ("times", self.times))
        }
        return dataclasses.replace(
            self,
            values=self.values[np.repeat(chosen, self.lengths)],
            lengths=self.lengths[chosen],
            ends=None if self.ends is None else self.ends[chosen],
            **kept,
        )

    def constant_targets(self):
        """Flag the target columns that never change, shape (series, targets).

        A column whose spread is only round-off of its level (see
        :func:`is_constant`) counts as unchanging.
        """
        loc, std = series_moments(self.values[:, : self.sizes[0]], self.lengths)
        return is_constant(loc, std)


def locate(keys, known):
    """Find where each of ``keys`` sits among the ``known`` series."""
    if keys is None or known is None:
        if keys is not known:
            raise ValueError(
                "update needs data of the same kind as fit: a single series after "
                "fitting a single series, a panel after fitting a panel."
            )
        return [0]
    lookup = {key: position for position, key in enumerate(known)}
    unseen = [key for key in keys if key not in lookup]

    def levels(key):
        return len(key) if isinstance(key, tuple) else 1

    if unseen and levels(unseen[0]) != levels(known[0]):
        raise ValueError(
            f"update's y has {levels(unseen[0]) + 1} index levels (a series "
            f"{unseen[0]!r}), but fit's had {levels(known[0]) + 1} (a series "
            f"{known[0]!r}). Pass y with the index levels of fit's."
        )
    if unseen:
        raise ValueError(
            f"update got series the forecaster was not fitted on: {unseen[:3]}. "
            "Fit it on them first (one network serves all: fit on the whole panel)."
        )
    return [lookup[key] for key in keys]
