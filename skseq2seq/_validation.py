"""Checks of parameters and data, each error naming the problem and the fix."""

import numbers

import numpy as np
import pandas as pd
import torch

from skseq2seq._network import CELLS, DECODER_INPUTS
from skseq2seq._training import (
    COSINE,
    PRECISIONS,
    SCHEDULERS,
    TRAINING_STRATEGIES,
    named_class,
)


def check_training_params(params):
    """Check the network and training parameters an estimator shares.

    Parameters
    ----------
    params : dict
        The estimator's ``get_params(deep=False)``; absent keys are skipped.

    Raises
    ------
    ValueError
        Naming the parameter, what it must be and what it was.
    """
    choices = {
        "cell_type": tuple(CELLS),
        "decoder_input": DECODER_INPUTS,
        "training_strategy": TRAINING_STRATEGIES,
        "precision": PRECISIONS,
        "scaling": ("auto", "series", "global", None),
    }
    for name, allowed in choices.items():
        if name in params:
            check_choice(name, params[name], allowed)
    for name in ("hidden_size", "num_layers", "batch_size"):
        if name in params:
            check_int(name, params[name], minimum=1)
    for name in ("num_epochs", "max_steps"):
        if params.get(name) is not None:
            check_int(name, params[name], minimum=1)
    if params.get("max_time") is not None:
        check_real("max_time", params["max_time"], 0.0, np.inf, closed_left=False)
    check_real("dropout", params["dropout"], 0.0, 1.0, closed_right=False)
    for name in ("teacher_forcing_ratio", "teacher_forcing_decay"):
        check_real(name, params[name], 0.0, 1.0)
    check_real("lr", params["lr"], 0.0, np.inf, closed_left=False)
    check_real("weight_decay", params["weight_decay"], 0.0, np.inf)
    optimizer = named_class(params["optimizer"], torch.optim.Optimizer)
    if optimizer in (torch.optim.LBFGS, torch.optim.SparseAdam):
        raise ValueError(
            f"optimizer={params['optimizer']!r} is not supported: "
            + (
                "LBFGS re-evaluates the loss several times per step, which "
                "mini-batch training with random teacher forcing cannot give. "
                if optimizer is torch.optim.LBFGS
                else "SparseAdam needs sparse gradients, and this network's "
                "layers are dense. "
            )
            + "Use 'Adam', 'AdamW', 'Rprop' or 'SGD'."
        )
    if params.get("lr_scheduler") not in (None, COSINE):
        named_class(params["lr_scheduler"], SCHEDULERS)
    if params.get("patience") is not None:
        check_int("patience", params["patience"], minimum=1)
    if params.get("gradient_clip") is not None:
        check_real(
            "gradient_clip", params["gradient_clip"], 0.0, np.inf, closed_left=False
        )


def check_numeric_finite(data, name, allow_missing=False):
    """Refuse bad values, repeated time points and emptiness, naming the fix.

    Bad values are non-numeric columns, infinite values, and missing values
    unless ``allow_missing``; a column with no value at all is refused even
    then.

    Checks pandas objects of plain values and numeric numpy arrays: a series
    (one or two dimensions) or a panel in sktime's numpy3D layout (series,
    channels, time), whose values are then named by (series, time); other
    containers (sktime's nested frames) are left to sktime, which checks
    them as it converts them.
    """
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
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
    if frame.size == 0:
        raise ValueError(f"{name} is empty. Pass a series with at least 2 values.")
    repeated = frame.index.duplicated()
    if repeated.any():
        raise ValueError(
            f"{name} has {int(repeated.sum())} repeated time point(s), the first "
            f"{frame.index[repeated][0]}. Each time point of a series must "
            "appear once: aggregate the duplicates first (e.g. "
            "y.groupby(level=...).mean()) or drop them."
        )
    for column, dtype in frame.dtypes.items():
        if not (
            pd.api.types.is_numeric_dtype(dtype)
            and not isinstance(dtype, pd.CategoricalDtype)
        ):
            kind = (
                "categorical"
                if isinstance(dtype, pd.CategoricalDtype)
                else "text, which sktime treats as categorical"
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
    if allow_missing and missing.all(axis=0).any():
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
                "pipeline (a TransformedTargetForecaster, for y), or drop them",
            ),
        )
    for problem, mask, fix in checks:
        if mask.any():
            first = frame.index[np.argwhere(mask)[0, 0]]
            raise ValueError(
                f"{name} has {int(mask.sum())} {problem} value(s), the first at "
                f"index {first!r}. The estimator cannot train on them: {fix}."
            )


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
