"""The sktime estimator: Seq2SeqLSTMForecaster."""

import numbers

import numpy as np
import pandas as pd
import torch
from sktime.forecasting.base import BaseForecaster

from skseq2seq._device import draw_seed, resolve_device, seeded
from skseq2seq._network import CELLS, DECODER_INPUTS, Seq2SeqNetwork
from skseq2seq._training import TRAINING_STRATEGIES, make_optimizer, train_network
from skseq2seq._windows import (
    WindowSet,
    fit_scaler,
    resolve_lengths,
    scale_series,
)


class Seq2SeqLSTMForecaster(BaseForecaster):
    """LSTM encoder-decoder forecaster.

    The encoder, an LSTM (or GRU), reads the last ``window_length`` values
    of every target column and summarises them in its final state. The
    decoder, a recurrent network of the same kind, starts from that state and
    produces the horizon one step at a time through a linear head. One
    network forecasts all columns of a multivariate series together.

    Each column is standardised with the mean and standard deviation of the
    training data, and the network works on changes from the last observed
    value, so trends that leave the training range are followed. A column
    that is constant in training is forecast as its last value.

    Parameters
    ----------
    window_length : int or None, default=None
        Number of past time points the encoder reads. ``None`` uses
        ``max(24, 2 * horizon)``, shortened to fit the training series.
    hidden_size : int, default=64
        Width of the recurrent state of encoder and decoder.
    num_layers : int, default=1
        Number of stacked recurrent layers in encoder and decoder.
    cell_type : {"lstm", "gru"}, default="lstm"
        Recurrent cell of encoder and decoder.
    dropout : float, default=0.0
        Dropout between stacked layers, in [0, 1). Has no effect with one layer.
    decoder_input : {"autoregressive", "context"}, default="autoregressive"
        What the decoder is fed at each step.

        * ``"autoregressive"``: the previous step's value, starting from the
          last observed value, then its own prediction (or, in teacher-forced
          training, the true value).
        * ``"context"``: the encoder's last output, repeated at every step.
    training_strategy : {"recursive", "teacher_forcing", "mixed"}, \
            default="mixed"
        What an autoregressive decoder is fed during training; prediction is
        always recursive. Ignored by the context decoder.

        * ``"recursive"``: its own predictions, as at prediction time.
        * ``"teacher_forcing"``: the true values; fast, as the whole horizon
          is decoded in one call, but never trained on its own errors.
        * ``"mixed"``: the true value with probability
          ``teacher_forcing_ratio``, its own prediction otherwise, drawn per
          window and step.
    teacher_forcing_ratio : float, default=0.5
        For ``"mixed"``: the probability of feeding the true value, in [0, 1].
    teacher_forcing_decay : float, default=0.01
        For ``"mixed"``: subtracted from the ratio after every epoch (not
        below 0), so training moves from teacher forcing to recursion. On
        the accuracy benchmark this schedule beat pure recursion by about
        10% in mean MASE.
    num_epochs : int, default=100
        Passes over all training windows.
    batch_size : int, default=32
        Windows per gradient step.
    lr : float, default=1e-3
        Learning rate.
    weight_decay : float, default=0.0
        L2 penalty, passed to the optimizer.
    optimizer : str or torch.optim.Optimizer class, default="Adam"
        A class, or the name of one in ``torch.optim`` such as ``"AdamW"`` or
        ``"SGD"``. Built in ``fit`` with ``lr``, ``weight_decay`` and
        ``optimizer_kwargs``.
    optimizer_kwargs : dict or None, default=None
        Further optimizer arguments; they take precedence over ``lr`` and
        ``weight_decay``.
    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA, then Apple MPS, then the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and teacher-forcing coins. An
        int gives identical forecasts on the CPU every time. torch's global
        random state is left as it was.
    verbose : bool, default=False
        Print the loss after every epoch.

    Attributes
    ----------
    network_ : Seq2SeqNetwork
        The trained network, in evaluation mode.
    window_length_ : int
        The encoder window used.
    horizon_ : int
        The number of steps the decoder was trained to produce: the largest
        step of the fh passed to ``fit``, or ``max(1, window_length_ // 2)``
        without one. A longer fh at predict decodes further, feeding the
        decoder its own predictions; accuracy then degrades with each step
        beyond ``horizon_``.
    device_ : torch.device
        The device the network was trained on.
    history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``seconds``.
    scale_loc_, scale_scale_ : ndarray of shape (1, n_columns)
        Mean and standard deviation of each training column.

    See Also
    --------
    sktime.forecasting.naive.NaiveForecaster : the baseline to beat.

    Notes
    -----
    ``update(y, update_params=False)`` forecasts from the new data without
    training. ``update_params=True`` also trains for ``num_epochs`` epochs
    on the windows whose horizon ends in the new data, keeping the scaling
    of the first fit.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from skseq2seq import Seq2SeqLSTMForecaster
    >>> y = load_airline()
    >>> forecaster = Seq2SeqLSTMForecaster(num_epochs=5, random_state=0)
    >>> forecaster.fit(y, fh=[1, 2, 3])
    Seq2SeqLSTMForecaster(num_epochs=5, random_state=0)
    >>> forecaster.predict().shape
    (3,)
    """

    _tags = {
        "authors": ["skseq2seq developers"],
        "maintainers": ["skseq2seq developers"],
        "python_dependencies": "torch",
        "y_inner_mtype": "pd.DataFrame",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": True,
        "capability:exogenous": False,
        "capability:insample": False,
        "capability:pred_int": False,
        "capability:missing_values": False,
        "capability:update": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
        "requires-fh-in-fit": False,
    }

    _config = {"remember_data": False}

    def __init__(
        self,
        window_length=None,
        hidden_size=64,
        num_layers=1,
        cell_type="lstm",
        dropout=0.0,
        decoder_input="autoregressive",
        training_strategy="mixed",
        teacher_forcing_ratio=0.5,
        teacher_forcing_decay=0.01,
        num_epochs=100,
        batch_size=32,
        lr=1e-3,
        weight_decay=0.0,
        optimizer="Adam",
        optimizer_kwargs=None,
        device="auto",
        random_state=None,
        verbose=False,
    ):
        self.window_length = window_length
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
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        super().__init__()
        # with remember_data off, the base class leaves these unset
        self._y = self._X = None

    def _fit(self, y, X, fh):
        """Scale ``y``, make windows, build the network and train it."""
        self._check_params()
        values = _float_values(y)
        self.device_ = resolve_device(self.device)
        horizon = None if fh is None else _steps_ahead(fh, self.cutoff).max()
        self.window_length_, self.horizon_ = resolve_lengths(
            len(values), self.window_length, horizon
        )
        self.scale_loc_, self.scale_scale_ = fit_scaler(values, [len(values)])
        self._constant = np.ptp(values, axis=0) == 0
        self._seed = draw_seed(self.random_state)
        with seeded(self._seed):
            self.network_ = Seq2SeqNetwork(
                n_targets=values.shape[1],
                hidden_size=self.hidden_size,
                num_layers=self.num_layers,
                cell_type=self.cell_type,
                dropout=self.dropout,
                decoder_input=self.decoder_input,
            ).to(self.device_)
            self._optimizer = make_optimizer(
                self.network_,
                _optimizer_class(self.optimizer),
                self.lr,
                self.weight_decay,
                self.optimizer_kwargs,
            )
            history = self._train(values)
        self.history_ = pd.DataFrame(history)
        # the model needs only the last window_length + horizon - 1 values
        # again: enough to forecast, and to train on new data in update
        self._recent = values[-(self.window_length_ + self.horizon_ - 1) :]
        return self

    def _train(self, values):
        """Train the network on the windows of ``values`` (unscaled)."""
        scaled = scale_series(values, [len(values)], self.scale_loc_, self.scale_scale_)
        windows = WindowSet(
            scaled,
            [len(values)],
            self.window_length_,
            self.horizon_,
            n_targets=values.shape[1],
        )
        history = train_network(
            self.network_,
            windows,
            self._optimizer,
            num_epochs=self.num_epochs,
            batch_size=self.batch_size,
            training_strategy=self.training_strategy,
            teacher_forcing_ratio=self.teacher_forcing_ratio,
            teacher_forcing_decay=self.teacher_forcing_decay,
            device=self.device_,
            log=_print_epoch if self.verbose else None,
        )
        self.network_.eval()
        return history

    def _predict(self, fh, X):
        """Decode up to the furthest step of ``fh`` from the last window."""
        steps = _steps_ahead(fh, self.cutoff)
        recent = self._recent[-self.window_length_ :]
        past = scale_series(recent, [len(recent)], self.scale_loc_, self.scale_scale_)
        past = torch.tensor(past[None], dtype=torch.float32, device=self.device_)
        with torch.no_grad():
            scaled = self.network_(past, int(steps.max()))[0].cpu().double().numpy()
        forecast = scaled * self.scale_scale_ + self.scale_loc_  # [horizon, n_cols]
        # a column constant in training taught the network nothing: keep its
        # last value rather than whatever the head makes of it
        forecast[:, self._constant] = recent[-1, self._constant]
        return pd.DataFrame(
            forecast[steps - 1],
            index=fh.to_absolute_index(self.cutoff),
            columns=self._y_metadata["feature_names"],
        )

    def _update(self, y, X=None, update_params=True):
        """Append ``y`` to the recent values; with ``update_params``, train on it."""
        new = _float_values(y)
        combined = np.concatenate([self._recent, new])
        if update_params and len(combined) >= self.window_length_ + self.horizon_:
            with seeded(self._seed):
                history = self._train(combined)
            self.history_ = pd.concat(
                [self.history_, pd.DataFrame(history)], ignore_index=True
            )
        self._recent = combined[-(self.window_length_ + self.horizon_ - 1) :]
        return self

    def _check_params(self):
        """Validate hyper-parameters at fit time, naming the fix in each error."""
        _check_choice("cell_type", self.cell_type, tuple(CELLS))
        _check_choice("decoder_input", self.decoder_input, DECODER_INPUTS)
        _check_choice("training_strategy", self.training_strategy, TRAINING_STRATEGIES)
        for name in ("hidden_size", "num_layers", "num_epochs", "batch_size"):
            _check_int(name, getattr(self, name), minimum=1)
        if self.window_length is not None:
            _check_int("window_length", self.window_length, minimum=1)
        _check_real("dropout", self.dropout, 0.0, 1.0, closed_right=False)
        _check_real("teacher_forcing_ratio", self.teacher_forcing_ratio, 0.0, 1.0)
        _check_real("teacher_forcing_decay", self.teacher_forcing_decay, 0.0, 1.0)
        _check_real("lr", self.lr, 0.0, np.inf, closed_left=False)
        _check_real("weight_decay", self.weight_decay, 0.0, np.inf)
        _optimizer_class(self.optimizer)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny settings that cover both decoders, all strategies and both cells.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        tiny = {"hidden_size": 4, "num_epochs": 2, "batch_size": 8, "random_state": 0}
        return [
            {**tiny, "training_strategy": "recursive"},
            {
                **tiny,
                "cell_type": "gru",
                "decoder_input": "context",
                "num_layers": 2,
                "dropout": 0.1,
                "weight_decay": 1e-4,
            },
            {**tiny, "training_strategy": "teacher_forcing", "window_length": 3},
            {
                **tiny,
                "cell_type": "gru",
                "training_strategy": "mixed",
                "teacher_forcing_ratio": 0.6,
                "teacher_forcing_decay": 0.2,
            },
        ]


def _float_values(frame):
    """Copy the values of ``frame`` into a fresh float64 array."""
    return np.array(frame.to_numpy(dtype=np.float64), copy=True)


def _optimizer_class(optimizer):
    """Return the optimizer class that ``optimizer`` names or is."""
    found = (
        getattr(torch.optim, optimizer, None)
        if isinstance(optimizer, str)
        else (optimizer)
    )
    if not (isinstance(found, type) and issubclass(found, torch.optim.Optimizer)):
        raise ValueError(
            "optimizer must be a torch.optim.Optimizer class, or the name of one "
            f"such as 'Adam', 'AdamW' or 'SGD'; got {optimizer!r}. Pass its "
            "arguments in optimizer_kwargs."
        )
    return found


def _steps_ahead(fh, cutoff):
    """Relative steps of ``fh`` as a positive int array."""
    return np.asarray(fh.to_relative(cutoff), dtype=np.int64)


def _print_epoch(row):
    print(f"epoch {row['epoch']:4d}  train_loss {row['train_loss']:.5f}")


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")


def _check_int(name, value, minimum):
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value < minimum
    ):
        raise ValueError(
            f"{name} must be an integer of at least {minimum}, got {value!r}."
        )


def _check_real(name, value, low, high, closed_left=True, closed_right=True):
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
