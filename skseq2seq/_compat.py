"""Every use of sktime's or torch's private API, in one place.

Each is something no public API gives. When a release renames one, the
break shows here and in ``tests/test_compat.py``, which checks each against
the public behaviour it stands for.
"""

import os
import pathlib
import sys
import warnings

import pandas as pd
import sktime
import torch
from sktime.datatypes._dtypekind import DtypeKind  # noqa: F401 (re-exported)
from torch import nn

# DtypeKind: the kind of each column that sktime's base class records in a
# fitted estimator's metadata; save_safe writes and reads it by value.


def forked_after_cuda():
    """Whether this process was forked after its parent initialised CUDA.

    torch marks such a child; touching CUDA there raises deep inside torch.
    """
    return torch.cuda._is_in_bad_fork()


def cell_function(rnn):
    """Return the single-step function of ``rnn``'s cell, which takes its weights.

    ``torch.lstm_cell`` and ``torch.gru_cell`` are what ``nn.LSTMCell`` and
    ``nn.GRUCell`` call; called with an ``nn.LSTM``'s or ``nn.GRU``'s own
    weights, they step it without its per-call setup.
    """
    return torch.lstm_cell if isinstance(rnn, nn.LSTM) else torch.gru_cell


# the code a warning should not point into: ours, and all of sktime's (its
# base classes, and the evaluate, pipelines and tuners that call us)
_INTERNAL = tuple(
    str(pathlib.Path(module_file).parent) + os.sep
    for module_file in (__file__, sktime.__file__)
)


def warn_user(message):
    """Warn with a ``UserWarning`` at the first line of the caller's own code.

    A fixed ``stacklevel`` points at a different frame from ``fit``,
    ``update`` and ``pretrain``, which reach the warning by different paths;
    this skips every frame of skseq2seq and sktime instead, as Python 3.12's
    ``skip_file_prefixes`` does (``sys._getframe`` stands in for it on 3.10).
    """
    frame, stacklevel = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(message, UserWarning, stacklevel=stacklevel)


def set_cutoff(forecaster, cutoff):
    """Set a forecaster's cutoff, as sktime's base class sets it in ``update``.

    sktime moves the cutoff to the last time point ``update`` was given,
    even where that is earlier than the cutoff already reached.
    """
    forecaster._set_cutoff(cutoff)


def cutoff_at_frequency(cutoff, freq):
    """Give ``freq`` to a datetime cutoff that has no frequency.

    sktime's base class gives a panel's cutoff none, as the panel's time
    level has none, and then fails inside pandas to place an ``fh`` of dates
    or time deltas against it ("You must pass a freq argument").
    """
    if isinstance(cutoff, pd.DatetimeIndex) and cutoff.freq is None and freq:
        try:
            return pd.DatetimeIndex(cutoff, freq=freq)
        except ValueError:  # off that grid, or no datetime frequency: the
            return cutoff  # data is refused later, by name, where it is read
    return cutoff


def later_cutoff(before, after):
    """Return the cutoff after ``update``: the later time point, at fit's frequency.

    sktime moves the cutoff to the last row ``update`` was given, even where
    that is earlier than the cutoff already reached, and takes a datetime
    cutoff's frequency from those rows: three weekdays of a business-day
    series infer ``"D"``, which ``predict`` then refuses against fit's.
    """
    latest = after if after[0] >= before[0] else before
    if isinstance(before, pd.DatetimeIndex):
        latest = pd.DatetimeIndex(latest.to_list(), freq=before.freq)
    return latest


def forget_data(forecaster):
    """Set sktime's data attributes ``_y`` and ``_X`` to None.

    With the config ``remember_data=False`` sktime's base class never sets
    them, yet its conformance suite reads them (``test__y_remember_data``).
    """
    forecaster._y = forecaster._X = None
