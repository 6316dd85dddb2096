"""skseq2seq: an LSTM encoder-decoder forecaster for sktime."""

from skseq2seq.forecaster import Seq2SeqLSTMForecaster

__version__ = "0.1.0"

__all__ = ["Seq2SeqLSTMForecaster", "__version__"]
