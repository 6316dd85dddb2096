"""Every use of sktime's or torch's private API, in one place.

Each is something no public API gives. When a release renames one, the
break shows here and in ``tests/test_compat.py``, which checks each against
the public behaviour it stands for.
"""

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


def forget_data(forecaster):
    """Set sktime's data attributes ``_y`` and ``_X`` to None.

    With the config ``remember_data=False`` sktime's base class never sets
    them, yet its conformance suite reads them (``test__y_remember_data``).
    """
    forecaster._y = forecaster._X = None
