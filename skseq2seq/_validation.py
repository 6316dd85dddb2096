"""Checks of parameters and data, each error naming the problem and the fix."""

import numbers
from collections.abc import Hashable, Iterable, Iterator, Mapping, Set

import numpy as np
import pandas as pd
import torch
from pandas.api.types import is_scalar
from sktime.utils.validation.forecasting import check_fh

from skseq2seq._compat import warn_user
from skseq2seq._frames import check_index_levels, check_rows_for, check_series_keys
from skseq2seq._network import CELLS, DECODER_INPUTS
from skseq2seq._training import (
    COSINE,
    PRECISIONS,
    SCHEDULERS,
    TRAINING_STRATEGIES,
    named_class,
    plain_number,
)


class Choice:
    """A parameter's value must be one of ``options``."""

    def __init__(self, *options):
        self.options = options

    def check(self, name, value):
        check_choice(name, value, self.options)


class Integer:
    """An integer of at least ``minimum`` (or None, if ``optional``)."""

    def __init__(self, minimum, optional=False):
        self.minimum, self.optional = minimum, optional

    def check(self, name, value):
        if not (value is None and self.optional):
            check_int(name, value, self.minimum)


class Real:
    """A number between ``low`` and ``high`` (or None, if ``optional``)."""

    def __init__(self, low, high, closed_left=True, closed_right=True, optional=False):
        self.low, self.high = low, high
        self.closed = closed_left, closed_right
        self.optional = optional

    def check(self, name, value):
        if not (value is None and self.optional):
            check_real(name, value, self.low, self.high, *self.closed)


class Rule:
    """Any other check: ``function(name, value)`` raises ``ValueError``."""

    def __init__(self, function):
        self.check = function


def check_params(params, constraints):
    """Check every parameter ``constraints`` names, as scikit-learn's do.

    Parameters
    ----------
    params : dict
        The estimator's ``get_params(deep=False)``.
    constraints : dict
        Parameter name to :class:`Choice`, :class:`Integer`, :class:`Real`
        or :class:`Rule`.

    Raises
    ------
    ValueError
        Naming the parameter, what it must be and what it was.

    Examples
    --------
    >>> check_params({"lr": 0.1}, {"lr": Real(0.0, 1.0)})
    >>> check_params({"lr": -1}, {"lr": Real(0.0, 1.0)})
    Traceback (most recent call last):
    ...
    ValueError: lr must be a number in [0.0, 1.0], got -1.
    """
    for name, constraint in constraints.items():
        constraint.check(name, params[name])


def warn_of_unused(params):
    """Warn of a parameter that the others leave without effect.

    ``dropout`` acts between stacked layers, so one layer ignores it, as
    torch warns where it builds the layers itself.
    """
    if params["dropout"] > 0 and params["num_layers"] == 1:
        warn_user(
            f"dropout={params['dropout']} has no effect with num_layers=1: it "
            "acts between stacked layers. Pass num_layers=2 or more, or "
            "dropout=0.0."
        )


def _check_optimizer(name, value):
    optimizer = named_class(value, torch.optim.Optimizer)
    if optimizer in (torch.optim.LBFGS, torch.optim.SparseAdam):
        raise ValueError(
            f"{name}={value!r} is not supported: "
            + (
                "LBFGS re-evaluates the loss several times per step, which "
                "mini-batch training with random teacher forcing cannot give. "
                if optimizer is torch.optim.LBFGS
                else "SparseAdam needs sparse gradients, and this network's "
                "layers are dense. "
            )
            + "Use 'Adam', 'AdamW', 'Rprop' or 'SGD'."
        )


def check_scheduler(name, value):
    """Refuse an ``lr_scheduler`` that is neither "cosine", None nor a scheduler."""
    if value not in (None, COSINE):
        named_class(value, SCHEDULERS)


def check_seasonal_period(name, value):
    """Refuse a season that is not "auto", None or a positive integer."""
    if value in ("auto", None) or (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and value >= 1
    ):
        return
    raise ValueError(
        f"{name} must be 'auto', None or an integer of at least 1, got {value!r}."
    )


def check_validation_size(name, value):
    """Refuse a validation size that is neither a fraction nor a count."""
    value = plain_number(value)  # a numpy float is a fraction too
    if isinstance(value, float):
        check_real(name, value, 0.0, 1.0, closed_left=False, closed_right=False)
    elif value is not None:
        check_int(name, value, minimum=1)


def check_verbose(name, value):
    """Refuse a ``verbose`` that is neither a bool nor a level of 0 or more.

    Examples
    --------
    >>> check_verbose("verbose", "False")
    Traceback (most recent call last):
    ...
    ValueError: verbose must be a bool or an integer of at least 0, got 'False'.
    """
    if isinstance(value, bool | np.bool_) or (
        isinstance(value, numbers.Integral) and value >= 0
    ):
        return
    raise ValueError(
        f"{name} must be a bool or an integer of at least 0, got {value!r}."
    )


def check_seed(name, value):
    """Refuse a seed that is neither None, a RandomState nor a 32-bit unsigned int."""
    if value is None or isinstance(value, np.random.RandomState):
        return
    if (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and 0 <= value < 2**32
    ):
        return
    raise ValueError(
        f"{name} must be None, an integer in [0, 2**32 - 1] or a "
        f"numpy.random.RandomState, got {value!r}."
    )


def check_past_covariates(name, value):
    """Refuse ``past_covariates`` that are not column names in order, or one str.

    A set has no order to give the columns (a str's hash differs from one
    process to the next), and an iterator would be used up by the check.
    """
    if value is None or isinstance(value, str):
        return
    ordered = not isinstance(value, Set | Mapping | Iterator)
    if (
        ordered
        and isinstance(value, Iterable)
        and all(isinstance(column, Hashable) for column in value)
    ):
        return
    hint = f" For the column {value!r}, pass [{value!r}]." if is_scalar(value) else ""
    raise ValueError(
        f"{name} must be a list of X's column names (or one name as a str), or "
        f"None; got {value!r}.{hint}"
    )


#: Quantile levels ``loss="quantile"`` learns unless told otherwise: enough
#: for sktime's usual 80%, 90%, 95% and 98% intervals.
DEFAULT_QUANTILES = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99)


def quantile_levels(quantiles):
    """Return the levels ``quantiles`` asks for, as floats (None: the default).

    A level within 1e-6 of 0.5 is the median, as ``predict_quantiles`` reads
    its ``alpha``: ``np.linspace(0.05, 0.95, 19)`` holds 0.49999999999999994.

    Examples
    --------
    >>> quantile_levels([0.1, 0.5, 0.9])
    (0.1, 0.5, 0.9)
    >>> quantile_levels(np.linspace(0.1, 0.9, 17))[8]
    0.5
    """
    levels = DEFAULT_QUANTILES if quantiles is None else quantiles
    levels = tuple(plain_number(level) for level in levels)
    return tuple(
        0.5 if isinstance(level, float) and abs(level - 0.5) <= 1e-6 else level
        for level in levels
    )


def check_quantile_levels(name, value):
    """Refuse levels that are not increasing probabilities including 0.5."""
    try:  # a string, a set (no order), a number, or a one-pass iterator that
        # the check would use up, is no list of levels
        ordered = not isinstance(value, str | Set | Mapping | Iterator)
        levels = np.asarray(quantile_levels(value), dtype=np.float64)
    except (TypeError, ValueError):
        ordered, levels = False, np.zeros(0)
    if not (
        ordered
        and levels.ndim == 1
        and ((levels > 0) & (levels < 1)).all()
        and (np.diff(levels) > 0).all()
        and 0.5 in levels
    ):
        raise ValueError(
            f"{name} must be increasing probabilities in (0, 1) that include "
            f"0.5, such as (0.1, 0.5, 0.9); got {value!r}."
        )


def check_keywords(name, value):
    """Refuse keyword arguments that are not a dict of names (None: none)."""
    if value is not None and not (
        isinstance(value, Mapping) and all(isinstance(key, str) for key in value)
    ):
        raise ValueError(
            f"{name} must be a dict of keyword arguments, such as "
            f"{{'momentum': 0.9}}, or None; got {value!r}."
        )


#: What the network and training parameters shared by the estimators must be.
TRAINING_CONSTRAINTS = {
    "hidden_size": Integer(1),
    "num_layers": Integer(1),
    "cell_type": Choice(*CELLS),
    "dropout": Real(0.0, 1.0, closed_right=False),
    "decoder_input": Choice(*DECODER_INPUTS),
    "training_strategy": Choice(*TRAINING_STRATEGIES),
    "teacher_forcing_ratio": Real(0.0, 1.0),
    "teacher_forcing_decay": Real(0.0, 1.0),
    "num_epochs": Integer(1, optional=True),
    "batch_size": Integer(1),
    "lr": Real(0.0, np.inf, closed_left=False, closed_right=False),
    "weight_decay": Real(0.0, np.inf, closed_right=False),
    "optimizer": Rule(_check_optimizer),
    "optimizer_kwargs": Rule(check_keywords),
    "precision": Choice(*PRECISIONS),
    "random_state": Rule(check_seed),
    "verbose": Rule(check_verbose),
}


def check_gives_distribution(loss, method):
    """Name the loss that gives ``method`` where the head forecasts a point."""
    if loss in ("gaussian", "quantile"):
        return
    # sktime's own words for what is missing, which its checks look for
    missing = {
        "predict_interval": "prediction intervals",
        "predict_quantiles": "quantile predictions",
        "predict_var": "variance predictions",
        "predict_proba": "probabilistic predictions",
    }[method]
    raise NotImplementedError(
        f"loss={loss!r} forecasts a point, so {method} gives no "
        f"{missing}. Refit with loss='gaussian' (a normal per step) or "
        "loss='quantile' (learned quantiles)."
    )


def _check_real_numbers(array, name):
    """Refuse a numpy ``array`` of anything but real numbers, naming the fix.

    numpy would read dates and time spans as numbers, drop a complex number's
    imaginary part with only a warning, and name no input when text is no
    number; sktime reads a series of objects as one of nested series.
    """
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers; its dtype is {array.dtype}. Pass "
            f"its values as floats (numbers kept as objects: {name}.astype(float))."
        )


def check_numeric_finite(data, name, allow_missing=False, allow_unobserved=False):
    """Refuse bad values, repeated time points and emptiness, naming the fix.

    Bad values are non-numeric columns, infinite values, and missing values
    unless ``allow_missing``; a column with no value at all is refused even
    then, unless ``allow_unobserved`` (new rows in ``update``, which may all
    be missing).

    Checks pandas objects of plain values and numpy arrays, which must hold
    real numbers: a series (one or two dimensions) or a panel in sktime's
    numpy3D layout (series, channels, time), whose values are then named by
    (series, time); other containers (sktime's nested frames) are left to
    sktime, which checks them as it converts them.
    """
    if isinstance(data, np.ndarray):
        _check_real_numbers(data, name)
        if data.ndim == 3:
            n_series, n_channels, n_time = data.shape
            index = pd.MultiIndex.from_product([range(n_series), range(n_time)])
            flat = data.transpose(0, 2, 1).reshape(-1, n_channels)
            data = pd.DataFrame(flat, index=index)
        elif data.ndim <= 2:
            data = pd.DataFrame(data.reshape(len(data), -1))
    if data is None or not isinstance(data, (pd.Series, pd.DataFrame)):
        return
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    # sktime's nested frames hold a series per cell, in object columns
    if len(frame) and any(
        isinstance(frame[column].iloc[0], (pd.Series, np.ndarray))
        for column, dtype in frame.dtypes.items()
        if dtype == np.dtype(object)
    ):
        return
    if frame.shape[1] == 0:
        fix = "at least one target column" if name == "y" else f"{name}=None"
        raise ValueError(f"{name} has no columns. Pass the columns to read, or {fix}.")
    if len(frame) == 0:
        raise ValueError(f"{name} is empty: it has no rows. Pass data.")
    check_unrepeated(frame.index, name)
    named_twice = frame.columns[frame.columns.duplicated()].unique()
    if len(named_twice):
        raise ValueError(
            f"{name} has more than one column named {list(named_twice)}. Give "
            "each column its own name."
        )
    for column, dtype in frame.dtypes.items():
        if not (
            pd.api.types.is_numeric_dtype(dtype)
            and not isinstance(dtype, pd.CategoricalDtype)
            and not pd.api.types.is_complex_dtype(dtype)
        ):
            kind = (
                "categorical"
                if isinstance(dtype, pd.CategoricalDtype)
                else "complex, not real numbers"
                if pd.api.types.is_complex_dtype(dtype)
                else "text (or numbers kept as Python objects), which sktime "
                "treats as categorical"
                if pd.api.types.is_string_dtype(dtype)
                else "not numeric, so not categorical either"
            )
            raise TypeError(
                f"{name} column {column!r} is {kind} (dtype {dtype}); the "
                "estimator needs numbers. Convert it with pd.to_numeric, "
                "encode it, or drop it."
            )
    values = frame.to_numpy(dtype=np.float64)
    missing = np.isnan(values)
    if allow_missing and not allow_unobserved and missing.all(axis=0).any():
        column = frame.columns[missing.all(axis=0)][0]
        raise ValueError(
            f"{name} column {column!r} has no value: every entry is missing "
            "(NaN). Drop the column, or pass the data that fills it."
        )
    checks = [
        (
            "infinite",
            np.isinf(values),
            "replace them with finite values or NaN and impute, or clip them",
        )
    ]
    if not allow_missing:
        checks.insert(
            0,
            (
                "missing (NaN)",
                missing,
                "fill them first, for example with sktime's Imputer in a "
                "pipeline before this estimator, or drop them",
            ),
        )
    for problem, mask, fix in checks:
        if mask.any():
            first = frame.index[np.argwhere(mask)[0, 0]]
            raise ValueError(
                f"{name} has {int(mask.sum())} {problem} value(s), the first at "
                f"index {first!r}. The estimator cannot read them: {fix}."
            )


def check_unrepeated(index, name="y"):
    """Refuse time points that appear twice in a series, naming the fix."""
    repeated = index.duplicated()
    if repeated.any():
        raise ValueError(
            f"{name} has {int(repeated.sum())} repeated time point(s), the first "
            f"{index[repeated][0]}. Each time point of a series must "
            "appear once: aggregate the duplicates first (e.g. "
            "y.groupby(level=...).mean()) or drop them."
        )


def check_future_index(X):
    """Refuse an ``X`` for ``predict`` whose time points repeat or run backwards.

    sktime refuses either as an "unsupported input data type", or only where
    the repeated row comes first.
    """
    if isinstance(X, pd.Series | pd.DataFrame):
        check_unrepeated(X.index, "X")
        check_time_order(X.index, "X")


def check_time_order(index, name="y"):
    """Refuse a series whose time points are out of order, naming the fix.

    sktime's forecasters refuse them too, as an "unsupported input data
    type". A panel's series may come in any order, and its rows interleaved;
    within each series, time must increase. (The embedder sorts each series
    itself: a panel is a set of sequences to it.)

    Examples
    --------
    >>> check_time_order(pd.Index([2000, 2002, 2001]))
    Traceback (most recent call last):
    ...
    ValueError: y's time points are out of order: 2001 comes after 2002. ...
    """
    if index.is_monotonic_increasing:  # sorted: every series in time order
        return
    times = index.get_level_values(-1)
    series = (
        np.zeros(len(index), dtype=np.int64)
        if index.nlevels == 1
        else pd.factorize(index.droplevel(-1))[0]
    )
    order = np.argsort(series, kind="stable")  # each series' rows, as given
    times, series = times[order], series[order]
    try:
        backwards = np.asarray(times[1:] < times[:-1])
    except TypeError:  # time points that do not compare: sktime says so
        return
    backwards &= series[1:] == series[:-1]
    if backwards.any():
        row = int(np.argmax(backwards))
        key = index[order][row][:-1] if index.nlevels > 1 else ()
        where = f", in series {key[0] if len(key) == 1 else key!r}" if key else ""
        raise ValueError(
            f"{name}'s time points are out of order: {times[row + 1]} comes "
            f"after {times[row]}{where}. Sort them first: {name}.sort_index()."
        )


def check_fh_kind(fh, cutoff):
    """Refuse an ``fh`` whose time points are not of the data's kind.

    Periods of another frequency, time stamps beside periods or integers, a
    time zone beside none, time spans from anything but a time stamp:
    sktime's own checks of these are bare asserts, errors inside pandas, or
    a wrong count of steps.

    Examples
    --------
    >>> months = pd.PeriodIndex(["2000-01"], freq="M")
    >>> check_fh_kind(pd.PeriodIndex(["2000Q2"], freq="Q"), months)
    Traceback (most recent call last):
    ...
    ValueError: fh holds periods of frequency Q-DEC, but the data's time points ...
    """
    fh = check_fh(fh)  # lists, arrays and scalars, as sktime will read them
    times = fh.to_pandas()
    if isinstance(times, pd.TimedeltaIndex):
        if isinstance(cutoff, pd.DatetimeIndex):
            return  # spans from a time stamp: sktime counts them
    elif fh.is_relative or _time_kind(times) == _time_kind(cutoff):
        return  # steps ahead count from any cutoff
    fix = f"Pass {_time_kind(cutoff)}, or steps ahead such as fh=[1, 2, 3]."
    zones = [getattr(index, "tz", None) for index in (times, cutoff)]
    if isinstance(times, pd.DatetimeIndex) and isinstance(cutoff, pd.DatetimeIndex):
        zone = "None" if zones[1] is None else repr(str(zones[1]))
        fix = f"Localize fh's time stamps as the data's: .tz_localize({zone})."
    raise ValueError(
        f"fh holds {_time_kind(times)}, but the data's time points are "
        f"{_time_kind(cutoff)}. {fix}"
    )


def _time_kind(times):
    """Say what kind of time points ``times`` holds, as an error names it."""
    if isinstance(times, pd.PeriodIndex):
        return f"periods of frequency {times.freqstr}"
    if isinstance(times, pd.DatetimeIndex):
        zone = "without a time zone" if times.tz is None else "with a time zone"
        return f"time stamps {zone}"
    if isinstance(times, pd.TimedeltaIndex):
        return "time spans"
    return "integers"


def check_time_index(index, name="y"):
    """Refuse time points a forecast cannot count steps from, naming the fix.

    sktime forecasts from time stamps, periods and integers. It reads time
    spans (a ``TimedeltaIndex``) too, but cannot add steps to them, so
    ``predict`` fails inside pandas after the whole training; strings and
    floats it refuses as an "unsupported input data type".

    Examples
    --------
    >>> check_time_index(pd.timedelta_range(0, periods=3, freq="h"))
    Traceback (most recent call last):
    ...
    TypeError: y's time points are time spans (a TimedeltaIndex), ...
    """
    times = index.levels[-1] if isinstance(index, pd.MultiIndex) else index
    if isinstance(times, pd.DatetimeIndex | pd.PeriodIndex):
        return
    if pd.api.types.is_integer_dtype(times.dtype):
        return
    where = "the last level of y's index" if index.nlevels > 1 else "y's index"
    where = where.replace("y's", f"{name}'s")
    if isinstance(times, pd.TimedeltaIndex):
        what = "time spans (a TimedeltaIndex)"
        fix = f"count them from a time stamp (pd.Timestamp('2000-01-01') + {where})"
    elif pd.api.types.infer_dtype(times) == "string":
        what = f"strings{_such_as(times)}"
        fix = f"parse {where} with pd.to_datetime, or number its rows"
    else:
        what = f"of dtype {times.dtype}{_such_as(times)}"
        fix = f"number the rows of {where} with integers"
    raise TypeError(
        f"{name}'s time points are {what}, from which no step ahead can be "
        "counted: a forecaster needs time stamps, periods or integers. To fix, "
        f"{fix}."
    )


def _such_as(times):
    return f", such as {times[0]!s}" if len(times) else ""


def read_part(X, y, columns=None):
    """Take the rows of ``X`` at ``y``'s time points, and its ``columns``.

    None where nothing of ``X`` is read (``columns`` empty, or none of them
    or of its rows there): an ``X`` that lacks what is read is refused
    later, by name.
    """
    if not isinstance(X, pd.DataFrame) or not isinstance(y, pd.Series | pd.DataFrame):
        return X
    if X.index.nlevels == y.index.nlevels and len(X):
        rows = X.index.isin(y.index)
        if not rows.any():
            return None
        X = X[rows]
    if columns is not None:
        wanted = set(columns)
        read = [column for column in X.columns if column in wanted]
        X = X[read] if read else None
    return X


def check_data(y, X, allow_unobserved=False, columns=None):
    """Refuse bad ``y`` and ``X`` before sktime reads them.

    See :func:`check_numeric_finite`; missing values are allowed in ``y``,
    missing series keys nowhere. ``X`` must be indexed with ``y``'s levels:
    sktime's own check of their time indices fails inside pandas otherwise.
    Only what is read of ``X`` is checked, as ``predict`` checks it: its rows
    at ``y``'s time points, and of ``columns`` (all, if None), where ``X``
    has any.
    """
    frames = pd.Series | pd.DataFrame
    for frame, name in ((y, "y"), (X, "X")):  # first: pandas takes NaN for None
        if isinstance(frame, frames):
            check_series_keys(frame, name)
    check_numeric_finite(y, "y", allow_missing=True, allow_unobserved=allow_unobserved)
    read = read_part(X, y, columns)
    check_numeric_finite(read, "X")
    if isinstance(y, frames) and len(y):
        check_time_index(y.index)
    for frame, name in ((y, "y"), (read, "X")):
        if isinstance(frame, frames):
            check_time_order(frame.index, name)
    if isinstance(y, frames) and isinstance(X, frames):
        check_index_levels(X, y.index.nlevels)
        if columns is None or read is not None:
            check_rows_for(y.index, X)


def as_multiindex_panel(X):
    """``X`` in sktime's pd-multiindex layout, to check: other panels converted.

    sktime's list of frames and nested frames hide their lengths and missing
    values in cells; numpy3D arrays and pd-multiindex frames, which the
    checks read directly, and anything sktime cannot convert, are returned
    as they are (sktime then says what it cannot read).
    """
    if isinstance(X, np.ndarray) or (
        isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex)
    ):
        return X
    from sktime.datatypes import convert_to

    try:
        return convert_to(X, to_type="pd-multiindex")
    except Exception:  # sktime's own error follows in fit or transform
        return X


def check_equal_lengths(X, name="X"):
    """Refuse a panel of series of different lengths, naming the fix.

    For estimators that read whole series of one length (sktime's numpy3D),
    before sktime's conversion fails without saying why.
    """
    if isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex):
        lengths = X.groupby(level=list(range(X.index.nlevels - 1))).size()
        if lengths.nunique() > 1:
            raise ValueError(
                f"{name} holds series of different lengths ({lengths.min()} to "
                f"{lengths.max()} time points); this estimator reads series of "
                "one length. Bring them to one first, with sktime's "
                "PaddingTransformer or TruncationTransformer in a pipeline."
            )


def check_choice(name, value, choices):
    """Refuse a value outside ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")


def check_int(name, value, minimum):
    """Refuse anything but an integer of at least ``minimum``."""
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value < minimum
    ):
        raise ValueError(
            f"{name} must be an integer of at least {minimum}, got {value!r}."
        )


def check_real(name, value, low, high, closed_left=True, closed_right=True):
    """Refuse anything but a number in the interval from ``low`` to ``high``."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        ok = (value >= low if closed_left else value > low) and (
            value <= high if closed_right else value < high
        )
    if not ok:
        interval = (
            f"{'[' if closed_left else '('}{low}, {high}{']' if closed_right else ')'}"
        )
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}.")
