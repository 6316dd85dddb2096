"""The sktime transformer: the encoder as a fixed-length sequence embedding."""

import copy

import numpy as np
import pandas as pd
import torch
from sktime.transformations.base import BaseTransformer

from skseq2seq._device import PicklesNetworksOnCPU, draw_seed, resolve_device, seeded
from skseq2seq._export import EmbeddingGraph, export_graph
from skseq2seq._frames import check_series_keys, columns_as_in_fit
from skseq2seq._network import Seq2SeqNetwork
from skseq2seq._scaling import (
    fit_scaler,
    scale,
    series_moments,
    warn_if_float32_blurs,
)
from skseq2seq._training import (
    TrainingConfig,
    autocast,
    fit_network,
    history_frame,
    plain_number,
)
from skseq2seq._validation import (
    TRAINING_CONSTRAINTS,
    Choice,
    Real,
    as_multiindex_panel,
    check_equal_lengths,
    check_numeric_finite,
    check_params,
    warn_of_unused,
)
from skseq2seq._windows import SequenceSet, to_network_tensor

#: Training settings the forecaster offers and the embedder does not.
NOT_OFFERED = dict.fromkeys(
    [
        "lr_scheduler",
        "lr_scheduler_kwargs",
        "max_steps",
        "max_time",
        "patience",
    ]
)


class Seq2SeqLSTMEmbedder(PicklesNetworksOnCPU, BaseTransformer):
    """Embed each series in a fixed-length vector with an LSTM encoder.

    The encoder-decoder is trained as an autoencoder: the encoder reads each
    whole series and the decoder reconstructs it from the encoder's final
    state. ``transform`` then keeps only the encoder, and returns its last
    output (the context the decoder starts from) for every series: one row
    of ``hidden_size`` numbers per series, whatever its length. Use it to
    feed time series to any scikit-learn classifier, regressor or clustering.

    Each series is standardised with its own mean and standard deviation
    (``scaling="series"``), so the embedding describes a series' shape rather
    than its level or spread.

    Parameters
    ----------
    hidden_size : int, default=32
        Length of the embedding.
    num_layers : int, default=1
    cell_type : {"lstm", "gru"}, default="lstm"
    dropout : float, default=0.0
    decoder_input : {"context", "autoregressive"}, default="context"
        What the decoder is fed while learning to reconstruct: the
        embedding at every step, or its previous value (see
        :class:`Seq2SeqLSTMForecaster`).
    training_strategy, teacher_forcing_ratio, teacher_forcing_decay
        For the autoregressive decoder, as in :class:`Seq2SeqLSTMForecaster`.
    num_epochs : int or None, default=100
        Passes over the series; None: the forecaster's default budget (50
        passes held between 400 and 2,000 steps, but at least two passes up
        to 4,000).
    batch_size : int, default=32
        Series per gradient step.
    lr : float, default=1e-3
    weight_decay : float, default=0.0
    optimizer : str or torch.optim.Optimizer class, default="Adam"
    optimizer_kwargs : dict or None, default=None
    gradient_clip : float or None, default=None
        Clip the norm of all gradients together to this value.
    scaling : {"series", "global"} or None, default="series"
        ``"series"``: each series standardised on its own (needs nothing
        from ``fit``). ``"global"``: with the statistics of the training
        series pooled. ``None``: the values as given.
    device : str or torch.device, default="auto"
    precision : {"32", "bf16", "16-mixed"}, default="32"
    random_state : int, RandomState instance or None, default=None
        An int gives identical embeddings on the CPU every time.
    verbose : bool or int, default=False

    Attributes
    ----------
    network_ : Seq2SeqNetwork
        The trained autoencoder; ``transform`` uses its encoder.
    history_ : pandas.DataFrame
        The reconstruction loss per epoch.
    device_ : torch.device
    scale_loc_, scale_scale_ : ndarray of shape (n_channels,)
        With ``scaling="global"``: the pooled statistics.
    feature_names_in_ : list or None
        The channels' names in fit, by which ``transform`` reads a panel's
        columns (in any order); None after a numpy3D array, read by position.

    See Also
    --------
    Seq2SeqLSTMForecaster : the same encoder-decoder as a forecaster.

    Examples
    --------
    >>> from sktime.datasets import load_unit_test
    >>> from skseq2seq import Seq2SeqLSTMEmbedder
    >>> X, _ = load_unit_test(split="train", return_X_y=True)
    >>> embedder = Seq2SeqLSTMEmbedder(hidden_size=8, num_epochs=2, random_state=0)
    >>> embedder.fit_transform(X).shape
    (20, 8)
    """

    _tags = {
        "authors": ["skseq2seq developers"],
        "maintainers": ["skseq2seq developers"],
        "python_dependencies": "torch",
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Primitives",
        "scitype:instancewise": True,
        "X_inner_mtype": "numpy3D",
        "y_inner_mtype": "None",
        "fit_is_empty": False,
        "capability:multivariate": True,
        "capability:unequal_length": False,
        "capability:missing_values": False,
        # numbers only: text columns are refused by name at fit
        "capability:categorical_in_X": False,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }

    _parameter_constraints = {
        **TRAINING_CONSTRAINTS,
        "scaling": Choice("series", "global", None),
        "gradient_clip": Real(0.0, np.inf, closed_left=False, optional=True),
    }

    def __init__(
        self,
        hidden_size=32,
        num_layers=1,
        cell_type="lstm",
        dropout=0.0,
        decoder_input="context",
        training_strategy="mixed",
        teacher_forcing_ratio=0.5,
        teacher_forcing_decay=0.01,
        num_epochs=100,
        batch_size=32,
        lr=1e-3,
        weight_decay=0.0,
        optimizer="Adam",
        optimizer_kwargs=None,
        gradient_clip=None,
        scaling="series",
        device="auto",
        precision="32",
        random_state=None,
        verbose=False,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell_type = cell_type
        self.dropout = dropout
        self.decoder_input = decoder_input
        self.training_strategy = training_strategy
        self.teacher_forcing_ratio = teacher_forcing_ratio
        self.teacher_forcing_decay = teacher_forcing_decay
        self.num_epochs = num_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.optimizer_kwargs = optimizer_kwargs
        self.gradient_clip = gradient_clip
        self.scaling = scaling
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        super().__init__()

    def fit(self, X, y=None):
        """Fit the embedder to ``X``: sktime's ``fit``, after checking ``X``.

        Series of different lengths, and missing or infinite values, are
        refused with an error that names the fix.

        Parameters
        ----------
        X : numpy3D array, a panel or a hierarchy
            Series of one length, with no missing values. A hierarchy's
            series are one panel: one network is trained over all of them.
        y : ignored

        Returns
        -------
        self
        """
        panel = _checked_panel(X)
        super().fit(panel, y)
        # sktime's numpy3D drops the names: kept to read transform's by name
        self.feature_names_in_ = (
            list(panel.columns) if isinstance(panel, pd.DataFrame) else None
        )
        return self

    def transform(self, X, y=None):
        """Embed each series of ``X``: sktime's ``transform``, after checking ``X``.

        Parameters
        ----------
        X : numpy3D array, a panel or a hierarchy
            Series of one length, with no missing values.
        y : ignored

        Returns
        -------
        pd.DataFrame
            One row per series, in the order of their first rows in ``X``,
            ``hidden_size`` columns.
        """
        panel = _checked_panel(X)
        names = getattr(self, "feature_names_in_", None)  # None: fit read numpy
        if isinstance(panel, pd.DataFrame) and names is not None:
            panel = columns_as_in_fit(panel, names, "X has the columns", "the embedder")
        return super().transform(panel, y)

    def _fit(self, X, y=None):
        """Train the autoencoder to reconstruct every series of ``X``."""
        params = self.get_params(deep=False)
        check_params(params, self._parameter_constraints)
        warn_of_unused(params)
        sequences = _sequences(X)  # [series, time, channels]
        n_series, length, n_channels = sequences.shape
        if self.scaling is None:
            warn_if_float32_blurs(
                *series_moments(
                    sequences.reshape(-1, n_channels), np.full(n_series, length)
                ),
                names=list(range(n_channels)),
                keys=range(n_series),
                column_kind="Channel",
                default="series",
            )
        pooled = None
        if self.scaling == "global":
            loc, spread = fit_scaler(
                sequences.reshape(-1, n_channels), np.full(n_series, length), "global"
            )
            pooled = loc[0], spread[0]
        device = resolve_device(self.device, self.precision)
        with seeded(draw_seed(self.random_state), device):
            network = Seq2SeqNetwork(
                n_targets=sequences.shape[-1],
                hidden_size=plain_number(self.hidden_size),
                num_layers=plain_number(self.num_layers),
                cell_type=self.cell_type,
                dropout=plain_number(self.dropout),
                decoder_input=self.decoder_input,
                # reconstructing a window is easier from its values than from
                # its changes since the last one
                remove_level=False,
            ).to(device)
            history = fit_network(
                network,
                SequenceSet(to_network_tensor(self._scale(sequences, pooled), "X")),
                TrainingConfig.from_params({**params, **NOT_OFFERED}),
                device,
                compared=params,
            )
        network.eval()
        # only a network that finished training makes the embedder fitted
        if pooled is not None:
            self.scale_loc_, self.scale_scale_ = pooled
        self.network_, self.device_ = network, device
        self.history_ = history_frame(history)
        return self

    def _transform(self, X, y=None):
        """Embed every series of ``X``: one row of ``hidden_size`` numbers each."""
        sequences = _sequences(X)
        expected = self.network_.n_targets
        if sequences.shape[-1] != expected:
            raise ValueError(
                f"X has {sequences.shape[-1]} channel(s); the embedder was fitted "
                f"on {expected}. Pass series with the same channels."
            )
        pooled = (
            (self.scale_loc_, self.scale_scale_) if self.scaling == "global" else None
        )
        scaled = to_network_tensor(self._scale(sequences, pooled), "X")
        # in the precision it trained in, as the forecaster's predict
        with torch.no_grad(), autocast(self.device_, self.precision):
            embeddings = torch.cat(
                [
                    self.network_.embed(chunk.to(self.device_)).cpu()
                    for chunk in scaled.split(1024)
                ]
            )  # [series, hidden_size]
        return pd.DataFrame(
            embeddings.double().numpy(),  # from bfloat16 too
            columns=[f"embedding_{i}" for i in range(embeddings.shape[1])],
        )

    def export_onnx(self, path):
        """Write what ``transform`` computes as ONNX, for serving without torch.

        The graph takes raw series and returns their embeddings: the scaling
        and the encoder are inside it. The numbers of series and of time
        points are both free. ``skseq2seq.serving.OnnxEmbedder`` runs the
        file with onnxruntime and numpy alone.

        Needs the ``onnx`` package (``pip install "skseq2seq[export]"``).

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write; conventionally ending in ``.onnx``.

        Returns
        -------
        pathlib.Path
            The path written.

        Notes
        -----
        Input: ``sequences`` (float64, ``(batch, n_channels, n_timepoints)``,
        sktime's numpy3D layout, no missing values). Output: ``embedding``,
        ``(batch, hidden_size)``. The model's metadata holds ``n_channels``
        and ``hidden_size``, each as JSON.
        """
        self.check_is_fitted()
        network = copy.deepcopy(self.network_).cpu().float()
        loc = spread = None
        if self.scaling == "global":
            loc, spread = torch.tensor(self.scale_loc_), torch.tensor(self.scale_scale_)
        graph = EmbeddingGraph(network, self.scaling, loc, spread)
        # two series of three steps: no size of 1 is taken for a fixed one
        inputs = {"sequences": torch.zeros(2, network.n_targets, 3).double()}
        free = {
            "sequences": {0: "batch", 2: "time"},
            "embedding": {0: "batch"},
        }
        metadata = {
            "n_channels": network.n_targets,
            "hidden_size": network.hyperparameters["hidden_size"],
        }
        return export_graph(graph, path, inputs, ["embedding"], free, metadata)

    def _scale(self, sequences, pooled):
        """Standardise as ``scaling`` says; a constant series scales to zeros.

        ``pooled``: the mean and spread of every channel, for ``"global"``.
        """
        if self.scaling is None:
            return sequences
        if self.scaling == "global":
            return scale(sequences, *pooled)
        n_series, length, n_channels = sequences.shape
        loc, spread = fit_scaler(
            sequences.reshape(-1, n_channels), np.full(n_series, length)
        )  # [series, channels]
        return scale(sequences, loc[:, None], spread[:, None])

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny settings: both decoders, both cells, each scaling.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        tiny = {"hidden_size": 4, "num_epochs": 2, "batch_size": 8, "random_state": 0}
        return [
            tiny,
            {
                **tiny,
                "cell_type": "gru",
                "decoder_input": "autoregressive",
                "scaling": "global",
            },
            {**tiny, "num_layers": 2, "dropout": 0.1, "scaling": None},
        ]


def _checked_panel(X):
    """Refuse what the embedder cannot read in ``X``; else ``X`` as one panel.

    Series keys, one length, and numbers with no gaps are checked before
    sktime converts ``X``, whose own errors would not say why.
    """
    checked = as_multiindex_panel(X)
    if isinstance(checked, pd.DataFrame):
        check_series_keys(checked, "X")
    check_equal_lengths(checked)
    check_numeric_finite(checked, "X")
    return _one_panel(checked)


def _one_panel(X):
    """Make a panel or hierarchy one panel, each series' rows in time order.

    sktime would fit a hierarchy one top-level group at a time, and read a
    panel's rows into series in the order given, which scrambles a panel
    sorted by time. The series are numbered in the order of their first
    rows, as the embeddings are returned, and their time points by
    position: a sequence is read by position, and sktime's numpy3D lays
    series of one length on different time points out over all of them.
    """
    if not (isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex)):
        return X
    series = pd.factorize(X.index.droplevel(-1))[0]
    index = pd.MultiIndex.from_arrays([series, X.index.get_level_values(-1)])
    X = X.set_axis(index).sort_index()
    steps = X.groupby(level=0).cumcount().to_numpy()
    return X.set_axis(pd.MultiIndex.from_arrays([X.index.get_level_values(0), steps]))


def _sequences(X):
    """Reorder numpy3D ``(series, channels, time)`` to ``(series, time, channels)``."""
    return np.ascontiguousarray(np.asarray(X, dtype=np.float64).transpose(0, 2, 1))
