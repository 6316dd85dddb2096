"""The sktime estimator: Seq2SeqLSTMForecaster."""

import copy
import numbers
import warnings

import numpy as np
import pandas as pd
import torch
from sktime.forecasting.base import BaseForecaster

from skseq2seq._device import draw_seed, resolve_device, seeded
from skseq2seq._network import CELLS, DECODER_INPUTS, Seq2SeqNetwork
from skseq2seq._persistence import load_safe, save_safe
from skseq2seq._training import (
    HISTORY_COLUMNS,
    TRAINING_STRATEGIES,
    make_optimizer,
    train_network,
)
from skseq2seq._windows import (
    WindowSet,
    fit_scaler,
    resolve_lengths,
    scale_series,
    split_windows,
)

_SCHEDULERS = (
    torch.optim.lr_scheduler.LRScheduler,
    torch.optim.lr_scheduler.ReduceLROnPlateau,
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
    lr_scheduler : str, torch.optim.lr_scheduler class or None, default=None
        A learning-rate scheduler, or the name of one in
        ``torch.optim.lr_scheduler`` such as ``"StepLR"``, stepped after
        every epoch. ``ReduceLROnPlateau`` is given the monitored loss.
    lr_scheduler_kwargs : dict or None, default=None
        Arguments of the scheduler, e.g. ``{"step_size": 30}`` for ``StepLR``.
    validation_size : float, int or None, default=None
        Hold out the last windows of the series, in time order, to score
        after every epoch: a fraction of the windows in (0, 1), or a number
        of them. Training windows whose targets overlap the held-out targets
        are dropped. The scores go to ``history_["valid_loss"]`` and are
        what ``patience`` watches.
    patience : int or None, default=None
        Stop after this many epochs without a lower loss (the validation
        loss, or the training loss without ``validation_size``), and restore
        the weights of the best epoch.
    gradient_clip : float or None, default=None
        Clip the norm of all gradients together to this value.
    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA, then Apple MPS, then the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and teacher-forcing
        coins. An int gives identical forecasts on the CPU every time.
        torch's global random state is left as it was.
    verbose : bool, default=False
        Show a progress bar over epochs with the latest losses.

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
        The device the network lives on: where it was trained, or the CPU
        after loading on a machine without that device.
    history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (NaN
        without ``validation_size``), ``lr`` and ``seconds``. Plot the loss
        curve with ``history_.plot(x="epoch", y=["train_loss", "valid_loss"])``
        (needs matplotlib).
    scale_loc_, scale_scale_ : ndarray of shape (1, n_columns)
        Mean and standard deviation of each training column.

    See Also
    --------
    sktime.forecasting.naive.NaiveForecaster : the baseline to beat.

    Notes
    -----
    ``update(y, update_params=False)`` forecasts from the new data without
    training. ``update_params=True`` also trains for ``num_epochs`` epochs
    (with a fresh optimizer, the teacher-forcing schedule restarted, no
    validation split) on the windows whose horizon reaches into the new
    data, keeping the scaling of the first fit.

    If the loss turns NaN or infinite, ``fit`` raises ``FloatingPointError``
    and the forecaster is left unfitted: a half-trained network is never
    kept. Interrupting ``fit`` with Ctrl-C instead keeps the best weights so
    far, warns, and leaves a fitted forecaster.

    The forecaster pickles, deep-copies and saves with sktime's ``save``
    like any estimator; the network is stored on the CPU, so a forecaster
    fitted on a GPU loads and predicts on a machine without one.
    :meth:`save_safe` writes a format that loads without running pickled
    code: the weights as a torch state dict, everything else as JSON.

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
        lr_scheduler=None,
        lr_scheduler_kwargs=None,
        validation_size=None,
        patience=None,
        gradient_clip=None,
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
        self.lr_scheduler = lr_scheduler
        self.lr_scheduler_kwargs = lr_scheduler_kwargs
        self.validation_size = validation_size
        self.patience = patience
        self.gradient_clip = gradient_clip
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        super().__init__()
        # with remember_data off, the base class leaves these unset
        self._y = self._X = None

    def fit(self, y, X=None, fh=None):  # noqa: D102 - sktime's docstring
        _check_numeric_finite(y, "y")
        _check_numeric_finite(X, "X")
        return super().fit(y, X=X, fh=fh)

    fit.__doc__ = BaseForecaster.fit.__doc__

    def update(self, y, X=None, update_params=True):  # noqa: D102
        _check_numeric_finite(y, "y")
        _check_numeric_finite(X, "X")
        return super().update(y, X=X, update_params=update_params)

    update.__doc__ = BaseForecaster.update.__doc__

    def _fit(self, y, X, fh):
        """Scale ``y``, make windows, build the network and train it."""
        self._check_params()
        values = _float_values(y)
        device = resolve_device(self.device)
        horizon = None if fh is None else _steps_ahead(fh, self.cutoff).max()
        window_length, horizon = resolve_lengths(
            len(values), self.window_length, horizon
        )
        loc, scale = fit_scaler(values, [len(values)])
        seed = draw_seed(self.random_state)
        with seeded(seed):
            network = self._build_network(n_targets=values.shape[1]).to(device)
            history = self._train(
                network,
                scale_series(values, [len(values)], loc, scale),
                window_length,
                horizon,
                device,
                self.validation_size,
            )
        # only a network that finished training makes the forecaster fitted
        self.network_, self.device_, self.history_ = network, device, history
        self.window_length_, self.horizon_ = window_length, horizon
        self.scale_loc_, self.scale_scale_ = loc, scale
        self._seed = seed
        self._constant = np.ptp(values, axis=0) == 0
        # the model needs only the last window_length + horizon - 1 values
        # again: enough to forecast, and to train on new data in update
        self._recent = values[-(window_length + horizon - 1) :]
        return self

    def _build_network(self, n_targets):
        """Build the untrained network for ``n_targets`` columns."""
        return Seq2SeqNetwork(
            n_targets=n_targets,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            cell_type=self.cell_type,
            dropout=self.dropout,
            decoder_input=self.decoder_input,
        )

    def _train(self, network, scaled, window_length, horizon, device, validation_size):
        """Train ``network`` on the windows of one scaled series."""
        train_starts, valid_starts = split_windows(
            [len(scaled)], window_length, horizon, validation_size
        )
        values = torch.tensor(scaled, dtype=torch.float32)
        n_targets = scaled.shape[1]
        optimizer = make_optimizer(
            network,
            _named_class(self.optimizer, torch.optim.Optimizer),
            self.lr,
            self.weight_decay,
            self.optimizer_kwargs,
        )
        scheduler = None
        if self.lr_scheduler is not None:
            scheduler_class = _named_class(self.lr_scheduler, _SCHEDULERS)
            scheduler = scheduler_class(optimizer, **(self.lr_scheduler_kwargs or {}))
        history = train_network(
            network,
            WindowSet(values, train_starts, window_length, horizon, n_targets),
            optimizer,
            num_epochs=self.num_epochs,
            batch_size=self.batch_size,
            training_strategy=self.training_strategy,
            teacher_forcing_ratio=self.teacher_forcing_ratio,
            teacher_forcing_decay=self.teacher_forcing_decay,
            valid_windows=WindowSet(
                values, valid_starts, window_length, horizon, n_targets
            ),
            scheduler=scheduler,
            patience=self.patience,
            gradient_clip=self.gradient_clip,
            device=device,
            progress=self.verbose,
        )
        network.eval()
        return pd.DataFrame(history, columns=HISTORY_COLUMNS)

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
        combined = np.concatenate([self._recent, _float_values(y)])
        # sktime has moved the cutoff already: the recent values follow it
        # even if training below fails
        self._recent = combined[-(self.window_length_ + self.horizon_ - 1) :]
        if not update_params or len(combined) < self.window_length_ + self.horizon_:
            return self
        scaled = scale_series(
            combined, [len(combined)], self.scale_loc_, self.scale_scale_
        )
        before = copy.deepcopy(self.network_.state_dict())
        try:
            with seeded(self._seed):
                history = self._train(
                    self.network_,
                    scaled,
                    self.window_length_,
                    self.horizon_,
                    self.device_,
                    validation_size=None,
                )
        except FloatingPointError:
            # a diverged update must not leave a broken network behind
            self.network_.load_state_dict(before)
            raise
        self.history_ = pd.concat([self.history_, history], ignore_index=True)
        return self

    def __getstate__(self):
        """Store the network on the CPU, so it unpickles on any machine."""
        state = self.__dict__.copy()
        if "network_" in state and self.device_.type != "cpu":
            state["network_"] = copy.deepcopy(self.network_).cpu()
        return state

    def __setstate__(self, state):
        """Move the network back to its device, or to the CPU if that is gone."""
        self.__dict__.update(state)
        if "network_" in state:
            self.device_ = _device_or_cpu(self.device_)
            self.network_.to(self.device_)

    def save_safe(self, path):
        """Save the fitted forecaster in a format that loads without pickle.

        The file is a zip archive holding ``forecaster.json`` (parameters,
        fitted state and package versions, as JSON) and ``weights.pt`` (the
        network's state dict, plain tensors). :meth:`load_safe` reads it with
        ``torch.load(weights_only=True)``, which refuses anything but
        tensors, so a tampered file cannot run code.

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write; conventionally ending in ``.zip``.

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        ValueError
            If a parameter cannot be written as JSON: a custom optimizer or
            scheduler class outside torch, or a ``RandomState`` instance.
        """
        return save_safe(self, path)

    @classmethod
    def load_safe(cls, path):
        """Load a forecaster written by :meth:`save_safe`.

        Parameters
        ----------
        path : str or pathlib.Path

        Returns
        -------
        Seq2SeqLSTMForecaster
            Fitted, on the CPU, predicting exactly as the saved one did.

        Raises
        ------
        ValueError
            If the file is not a forecaster saved by :meth:`save_safe`, or
            its weights hold anything but tensors.
        """
        return load_safe(path, cls)

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
        _named_class(self.optimizer, torch.optim.Optimizer)
        if self.lr_scheduler is not None:
            _named_class(self.lr_scheduler, _SCHEDULERS)
        if isinstance(self.validation_size, float):
            _check_real(
                "validation_size",
                self.validation_size,
                0.0,
                1.0,
                closed_left=False,
                closed_right=False,
            )
        elif self.validation_size is not None:
            _check_int("validation_size", self.validation_size, minimum=1)
        if self.patience is not None:
            _check_int("patience", self.patience, minimum=1)
        if self.gradient_clip is not None:
            _check_real(
                "gradient_clip", self.gradient_clip, 0.0, np.inf, closed_left=False
            )

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


def _named_class(value, base):
    """Return the class ``value`` is, or that it names in ``base``'s module."""
    module = torch.optim if base is torch.optim.Optimizer else torch.optim.lr_scheduler
    found = getattr(module, value, None) if isinstance(value, str) else value
    if not (isinstance(found, type) and issubclass(found, base)):
        kind, examples = (
            ("optimizer", "'Adam', 'AdamW' or 'SGD'")
            if base is torch.optim.Optimizer
            else ("lr_scheduler", "'StepLR' or 'ReduceLROnPlateau'")
        )
        raise ValueError(
            f"{kind} must be a {module.__name__} class, or the name of one such "
            f"as {examples}; got {value!r}. Pass its arguments in {kind}_kwargs."
        )
    return found


def _device_or_cpu(device):
    """Keep ``device`` if this machine has it, else warn and use the CPU."""
    try:
        return resolve_device(device)
    except ValueError:
        warnings.warn(
            f"The forecaster was fitted on {device}, which this machine does "
            "not have; its network is on the CPU.",
            UserWarning,
            stacklevel=3,
        )
        return torch.device("cpu")


def _check_numeric_finite(data, name):
    """Refuse non-numeric, missing or infinite values, naming the fix."""
    if data is None or not isinstance(data, (pd.Series, pd.DataFrame)):
        return
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    if frame.size == 0:
        raise ValueError(f"{name} is empty. Pass a series with at least 2 values.")
    for column, dtype in frame.dtypes.items():
        if not (
            pd.api.types.is_numeric_dtype(dtype)
            and not isinstance(dtype, pd.CategoricalDtype)
        ):
            raise TypeError(
                f"{name} column {column!r} is categorical (dtype {dtype}); the "
                "forecaster needs numbers. Convert it with pd.to_numeric, "
                "encode it, or drop it."
            )
    values = frame.to_numpy(dtype=np.float64)
    for problem, mask, fix in (
        (
            "missing (NaN)",
            np.isnan(values),
            "fill them first, for example with sktime's Imputer in a "
            "TransformedTargetForecaster, or drop them",
        ),
        (
            "infinite",
            np.isinf(values),
            "replace them with finite values or NaN and impute, or clip them",
        ),
    ):
        if mask.any():
            first = frame.index[np.argwhere(mask)[0, 0]]
            raise ValueError(
                f"{name} has {int(mask.sum())} {problem} value(s), the first at "
                f"index {first!r}. The forecaster cannot train on them: {fix}."
            )


def _steps_ahead(fh, cutoff):
    """Relative steps of ``fh`` as a positive int array."""
    return np.asarray(fh.to_relative(cutoff), dtype=np.int64)


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
