"""skseq2seq: an LSTM encoder-decoder forecaster and sequence embedder for sktime.

The estimators are imported on first use, so that ``skseq2seq.serving``
loads without torch, sktime or pandas.
"""

import importlib

__version__ = "0.1.0"

__all__ = ["Seq2SeqLSTMEmbedder", "Seq2SeqLSTMForecaster", "__version__"]

_HOMES = {
    "Seq2SeqLSTMEmbedder": "skseq2seq.embedder",
    "Seq2SeqLSTMForecaster": "skseq2seq.forecaster",
}


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'skseq2seq' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_HOMES])
