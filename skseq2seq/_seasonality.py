"""Seasonal periods: from the index frequency, confirmed by the autocorrelation.

Pure functions over numpy arrays. A period is used only where the data
shows it. The series must span at least :data:`MIN_SEASONS` seasons; the
autocorrelation of the series, with its straight-line trend removed, must
peak at the seasonal lag (a trend or a random walk decays smoothly instead);
and that peak must pass the significance test of the Theta method and the
M4 competition's benchmarks (one-sided, 90%). A period searched for among
all lags, for an index without a frequency, must pass a Bonferroni-corrected
test, so noise does not yield one by chance.
"""

import numpy as np
import pandas as pd
from scipy.stats import norm

from skseq2seq._scaling import CONSTANT_RELATIVE_SPREAD, is_extreme

#: A season is tested only on series that span at least this many of them.
MIN_SEASONS = 3
#: One-sided 90% quantile of the normal: the test's critical value.
CRITICAL_VALUE = 1.645
#: From this period on, a peak one lag from it counts as the season's.
LONG_PERIOD = 12
#: Series of a panel tested for a season: an even sample of at most this many.
MAX_SERIES_TESTED = 64

# seasons per cycle for calendar frequencies: months in a year, and so on
_CALENDAR = (
    ("Quarter", 4),
    ("SemiMonth", 24),  # before "Month", which its name holds
    ("Month", 12),
    ("Week", 52),
    ("BusinessDay", 5),
)
_NANOS_PER_DAY = 24 * 60 * 60 * 10**9


def period_from_frequency(freq):
    """Return the usual seasonal period of a frequency: 12 for months, 7 for days.

    Sub-daily frequencies get their number of steps per day (48 for
    half-hours). ``None`` where there is none: integer indices, years,
    frequencies that do not divide a day.

    Examples
    --------
    >>> [period_from_frequency(f) for f in ["M", "Q-DEC", "D", "30min", "h", "Y"]]
    [12, 4, 7, 48, 24, None]
    >>> period_from_frequency("3M"), period_from_frequency("SME")
    (4, 24)
    >>> period_from_frequency(None) is None
    True
    """
    if freq is None:
        return None
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:  # pandas 3 reads period aliases ("M") only as periods
        offset = pd.tseries.frequencies.to_offset(freq, is_period=True)
    name = type(offset).__name__
    for prefix, per_cycle in _CALENDAR:
        if prefix in name:
            period = per_cycle // offset.n if per_cycle % offset.n == 0 else None
            return period if period and period > 1 else None
    if name == "Day" and offset.n == 1:
        return 7
    if not isinstance(offset, pd.offsets.Tick):  # years and other calendar steps
        return None
    nanos = offset.nanos
    if _NANOS_PER_DAY % nanos == 0 and _NANOS_PER_DAY // nanos > 1:
        return _NANOS_PER_DAY // nanos
    return None


def autocorrelation(values, max_lag):
    """Compute the sample autocorrelation at lags 0 to ``max_lag``, by FFT.

    Examples
    --------
    >>> autocorrelation(np.array([1.0, -1.0, 1.0, -1.0]), 2).round(2).tolist()
    [1.0, -0.75, 0.5]
    """
    centred = values - values.mean()
    largest = np.abs(centred).max(initial=0.0)
    if is_extreme(largest):
        centred = centred / largest  # squared below, it would overflow
    size = 1 << int(np.ceil(np.log2(2 * len(values))))
    spectrum = np.fft.rfft(centred, size)
    covariance = np.fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    return covariance / covariance[0] if covariance[0] > 0 else np.zeros(max_lag + 1)


def detrended(values):
    """Remove the least-squares straight line from ``values``.

    What is left of an exact line (or, on the log scale, exact exponential
    growth) is round-off, which the autocorrelation would read as a signal
    of unit variance: below ``CONSTANT_RELATIVE_SPREAD`` of the values' size,
    it is returned as zeros, which show no season.

    Examples
    --------
    >>> detrended(np.array([1.0, 3.0, 5.0, 7.0])).tolist()
    [0.0, 0.0, 0.0, 0.0]
    >>> detrended(np.array([1.0, 3.0, 4.0, 7.0])).round(2).tolist()
    [0.1, 0.2, -0.7, 0.4]
    """
    t = np.arange(len(values), dtype=np.float64)
    slope, intercept = np.polyfit(t, values, 1)
    left = values - (intercept + slope * t)
    size = np.abs(values).max(initial=0.0)
    if np.abs(left).max(initial=0.0) <= CONSTANT_RELATIVE_SPREAD * size:
        return np.zeros_like(left)
    return left


def is_seasonal(values, period, critical_value=CRITICAL_VALUE):
    """Tell whether ``values`` shows a season of ``period`` steps.

    The series must span :data:`MIN_SEASONS` seasons, and the
    autocorrelation ``r`` of its detrended values must peak at lag
    ``period`` (no lower than at the lags either side; from
    :data:`LONG_PERIOD` on, at the highest of the lags within one of it)
    and exceed ``critical_value * sqrt((1 + 2 * sum(r_k**2 for k < peak))
    / n)`` there.

    Examples
    --------
    >>> t = np.arange(120)
    >>> is_seasonal(np.sin(2 * np.pi * t / 12) + 0.05 * t, 12)
    True
    >>> is_seasonal(np.cumsum(np.random.default_rng(0).normal(size=120)), 12)
    False
    """
    if period is None or period < 2 or len(values) < MIN_SEASONS * period + 1:
        return False
    r = autocorrelation(detrended(values), period + 2)
    # a long, smooth cycle's autocorrelation is flat near its peak, which
    # noise (or a year of 52.18 weeks) moves a lag away
    lags = range(period - 1, period + 2) if period >= LONG_PERIOD else [period]
    peak = max(lags, key=lambda k: r[k])
    if not r[peak] >= max(r[peak - 1], r[peak + 1]):
        return False
    limit = critical_value * np.sqrt((1 + 2 * np.sum(r[1:peak] ** 2)) / len(values))
    return bool(r[peak] > limit)


def strongest_cycle(values):
    """Return the lag of the highest autocorrelation peak, or None.

    Peaks of the detrended series' autocorrelation up to a third of its
    length; for an index with no frequency, this is the candidate period
    that :func:`is_seasonal` then tests.

    Examples
    --------
    >>> strongest_cycle(np.sin(2 * np.pi * np.arange(200) / 25))
    25
    """
    max_lag = (len(values) - 1) // MIN_SEASONS
    if max_lag < 3:
        return None
    r = autocorrelation(detrended(values), max_lag)
    peaks = [k for k in range(2, max_lag) if r[k - 1] < r[k] >= r[k + 1]]
    return max(peaks, key=lambda k: r[k]) if peaks else None


def _bridged_columns(series):
    """Split a series into its bridged columns (1-D: one; 2-D: time, columns)."""
    columns = [series] if series.ndim == 1 else list(series.T)
    return [_bridged(values) for values in columns]


def _passes(columns, period):
    """Whether any of a series' columns shows ``period`` (see :func:`is_seasonal`)."""
    return any(is_seasonal(values, period) for values in columns)


def _long_enough(columns, period):
    """Whether a series spans the seasons a test needs, in any of its columns."""
    return any(len(values) > MIN_SEASONS * period for values in columns)


def _bridged(values):
    """Drop leading and trailing NaN, and interpolate linearly over the rest.

    Examples
    --------
    >>> _bridged(np.array([np.nan, 1.0, np.nan, 3.0, np.nan])).tolist()
    [1.0, 2.0, 3.0]
    """
    seen = ~np.isnan(values)
    if seen.all():
        return values
    rows = np.flatnonzero(seen)
    inside = np.arange(rows[0], rows[-1] + 1)
    return np.interp(inside, rows, values[rows])


def detect_seasons(series, freq):
    """Find the seasonal period of a collection of series, and which show it.

    The decision is made series by series, as the Theta method makes it:
    a panel of monthly series may mix seasonal ones with others, and each
    of them is anchored at its own kind of naive forecast. A series of
    several target columns shows the season if any of them does: the
    network reads one flag per window, so the columns are anchored alike.

    Parameters
    ----------
    series : list of ndarray
        Each series' values: one column, or several, shape (time, columns);
        missing values (NaN) are bridged by linear interpolation.
    freq : str or None
        Their frequency (see ``_frames.time_frequency``); ``None`` searches
        them for a period (see :func:`search_period`).

    Returns
    -------
    period : int
        The frequency's usual period if any series passes
        :func:`is_seasonal` with it; without a frequency, what
        :func:`search_period` finds. 1 if none.
    seasonal : ndarray of bool, shape (n_series,)
        Which series are anchored at the season: those that pass with
        ``period``, and those too short to test if most of the tested ones
        pass (see :func:`seasonal_flags`).

    Examples
    --------
    >>> t = np.arange(60)
    >>> period, seasonal = detect_seasons(
    ...     [np.sin(2 * np.pi * t / 12), 0.1 * t], "M")
    >>> period, seasonal.tolist()
    (12, [True, False])
    """
    by_frequency = period_from_frequency(freq)
    none = np.zeros(len(series), dtype=bool)
    if freq is not None and by_frequency is None:  # years, say: no season to test
        return 1, none
    period = search_period(series) if freq is None else by_frequency
    if period == 1:
        return 1, none
    columns = [_bridged_columns(values) for values in series]
    seasonal, tested = _flags(columns, period)
    if not (seasonal & tested).any():
        return 1, none
    return int(period), seasonal


def seasonal_flags(series, period):
    """Flag the series that show ``period``; those too short to tell follow most.

    A series of under :data:`MIN_SEASONS` seasons cannot be tested; it takes
    the decision of most of the series that could be (a panel of seasonal
    series gives its short ones the season; one where most series have none
    does not), or, where none could, the season. ``series`` as for
    :func:`detect_seasons`; a series of several columns shows the season if
    any of them does, and counts once in the vote.

    Examples
    --------
    >>> t = np.arange(60)
    >>> wave = np.sin(2 * np.pi * t / 12)
    >>> seasonal_flags([wave, wave, 0.1 * t, t[:20]], 12).tolist()
    [True, True, False, True]
    >>> seasonal_flags([wave, 0.1 * t, 0.2 * t, t[:20]], 12).tolist()
    [True, False, False, False]
    """
    return _flags([_bridged_columns(values) for values in series], period)[0]


def _flags(columns, period):
    """Flag each series as :func:`seasonal_flags` does; also say which were tested.

    ``columns`` holds each series' bridged columns.
    """
    tested = np.array([_long_enough(each, period) for each in columns], dtype=bool)
    passed = np.array(
        [
            bool(long) and _passes(each, period)
            for each, long in zip(columns, tested, strict=True)
        ],
        dtype=bool,
    )
    most = passed[tested].mean() > 0.5 if tested.any() else True
    return np.where(tested, passed, most), tested


def search_period(series):
    """Search the series, which have no frequency, for a common seasonal period.

    Each series (a sample of at most :data:`MAX_SERIES_TESTED`) names its
    :func:`strongest_cycle` as a candidate, tested against a critical value
    corrected for the search among every lag.

    Parameters
    ----------
    series : list of ndarray
        Each series' values: one column, or several, shape (time, columns),
        each searched, the series voting once for each period any of them
        shows; missing values (NaN) are bridged by linear interpolation.

    Returns
    -------
    int
        The period shown by more than half of the series tested; else 1.

    Examples
    --------
    >>> t = np.arange(120)
    >>> search_period([np.sin(2 * np.pi * t / 12) + 0.1 * t])
    12
    >>> search_period([np.sin(2 * np.pi * t / 12)[:30]])  # under 3 seasons
    1
    """
    chosen = np.linspace(0, len(series) - 1, min(len(series), MAX_SERIES_TESTED))
    tested = [_bridged_columns(series[int(i)]) for i in np.unique(chosen.round())]
    votes = {}
    for columns in tested:
        shown = set()  # the periods this series shows, in any column
        for values in columns:
            candidate = strongest_cycle(values)
            lags = max((len(values) - 1) // MIN_SEASONS - 2, 1)
            critical_value = norm.ppf(1 - (1 - norm.cdf(CRITICAL_VALUE)) / lags)
            if is_seasonal(values, candidate, critical_value):
                shown.add(candidate)
        for candidate in shown:
            votes[candidate] = votes.get(candidate, 0) + 1
    if not votes:
        return 1
    period, count = max(votes.items(), key=lambda item: item[1])
    return int(period) if count > len(tested) / 2 else 1
