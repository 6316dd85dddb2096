"""skseq2seq: an LSTM encoder-decoder forecaster and sequence embedder for sktime."""

from skseq2seq.embedder import Seq2SeqLSTMEmbedder
from skseq2seq.forecaster import Seq2SeqLSTMForecaster

__version__ = "0.1.0"

__all__ = ["Seq2SeqLSTMEmbedder", "Seq2SeqLSTMForecaster", "__version__"]
