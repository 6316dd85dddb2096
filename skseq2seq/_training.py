"""The training loop: shuffled windows under a budget, early stopping, history."""

import contextlib
import copy
import dataclasses
import inspect
import itertools
import math
import numbers
import time

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from skseq2seq._compat import warn_user
from skseq2seq._device import check_can_train, seeded
from skseq2seq._distributed import (
    agree,
    agree_order,
    agree_to_train,
    any_rank,
    check_same_training,
    join_launched_group,
    joined,
    loss_weight,
    parallel,
    rank,
    share,
    total,
    total_tensor,
    world_size,
)
from skseq2seq._network import masked_mean
from skseq2seq._scaling import scale_series
from skseq2seq._windows import (
    WindowSet,
    fill_gaps,
    keep_observed_windows,
    new_rows_padded,
    pad_series_ends,
    pad_short_series,
    series_offsets,
    split_windows,
    to_network_tensor,
)

TRAINING_STRATEGIES = ("recursive", "teacher_forcing", "mixed")
SCHEDULERS = torch.optim.lr_scheduler.LRScheduler  # ReduceLROnPlateau too
PRECISIONS = ("32", "bf16", "16-mixed")
HISTORY_COLUMNS = [
    "epoch",
    "steps",
    "train_loss",
    "valid_loss",
    "monitored_loss",
    "lr",
    "seconds",
]
#: A point forecast whose squared error on the training windows is this many
#: times :func:`reference_mse` has diverged: no usable model is that far off.
DIVERGENCE_FACTOR = 1e3
#: Windows scored to judge divergence, and by ``patience`` without validation.
SAMPLE_WINDOWS = 512
#: The budget when neither ``num_epochs`` nor ``max_steps`` is given: this
#: many epochs, but never fewer or more optimiser steps than the bounds. A
#: short series gets the floor, a long series or a panel the ceiling, so the
#: cost stops growing with the data there.
DEFAULT_EPOCHS = 50
DEFAULT_STEP_BOUNDS = (400, 2000)
#: A panel whose windows the ceiling would not pass over twice gets two
#: passes instead, up to the second number of steps: an epoch-sized budget
#: for the large panels that under-train at the ceiling, which the smaller
#: ones, overfitting beyond it, do not get (see the user guide).
DEFAULT_PASSES, DEFAULT_STEP_LIMIT = 2, 4000
#: ``lr_scheduler`` value for cosine decay of the learning rate to zero over
#: the whole budget, stepped after every optimiser step.
COSINE = "cosine"


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """What the loop needs to know, independent of any estimator's parameters.

    Every field is required, and :meth:`from_params` maps an estimator's
    parameters onto them, so the estimator's signature is the one source of
    their defaults. Numpy scalars (as a grid from ``np.arange`` gives) become
    plain Python numbers here, so torch never sees them. See
    :func:`train_network` for the meaning of each field.

    Examples
    --------
    >>> import numpy as np
    >>> fields = dict.fromkeys(f.name for f in dataclasses.fields(TrainingConfig))
    >>> config = TrainingConfig(**{**fields, "lr": np.float32(0.5)})
    >>> type(config.lr)
    <class 'float'>
    """

    optimizer: object
    optimizer_kwargs: dict
    lr: float
    weight_decay: float
    lr_scheduler: object
    lr_scheduler_kwargs: dict
    num_epochs: int
    max_steps: int
    max_time: float
    batch_size: int
    training_strategy: str
    teacher_forcing_ratio: float
    teacher_forcing_decay: float
    patience: int
    gradient_clip: float
    precision: str
    verbose: bool

    @classmethod
    def from_params(cls, params):
        """Map an estimator's parameters onto the fields, one by one.

        A parameter missing from ``params`` (renamed, say) raises ``KeyError``
        here rather than falling back to some default.
        """
        return cls(
            optimizer=params["optimizer"],
            optimizer_kwargs=params["optimizer_kwargs"],
            lr=params["lr"],
            weight_decay=params["weight_decay"],
            lr_scheduler=params["lr_scheduler"],
            lr_scheduler_kwargs=params["lr_scheduler_kwargs"],
            num_epochs=params["num_epochs"],
            max_steps=params["max_steps"],
            max_time=params["max_time"],
            batch_size=params["batch_size"],
            training_strategy=params["training_strategy"],
            teacher_forcing_ratio=params["teacher_forcing_ratio"],
            teacher_forcing_decay=params["teacher_forcing_decay"],
            patience=params["patience"],
            gradient_clip=params["gradient_clip"],
            precision=params["precision"],
            verbose=params["verbose"],
        )

    def __post_init__(self):
        for field in dataclasses.fields(self):
            object.__setattr__(
                self, field.name, plain_number(getattr(self, field.name))
            )


def training_budget(n_windows, batch_size, num_epochs=None, max_steps=None):
    """Resolve ``(num_epochs, max_steps)`` for ``n_windows`` training windows.

    Without ``num_epochs`` and ``max_steps``: :data:`DEFAULT_EPOCHS`
    epochs, held within :data:`DEFAULT_STEP_BOUNDS` optimiser steps, but at
    least :data:`DEFAULT_PASSES` epochs up to :data:`DEFAULT_STEP_LIMIT`
    steps.

    Examples
    --------
    >>> training_budget(100, 32)  # 4 batches an epoch: the floor
    (None, 400)
    >>> training_budget(20_000, 32)  # 625 batches: the ceiling, 3.2 passes
    (None, 2000)
    >>> training_budget(40_000, 32)  # 1,250 batches: two passes
    (None, 2500)
    >>> training_budget(10**6, 32)  # a big panel: the limit
    (None, 4000)
    >>> training_budget(100, 32, num_epochs=3)
    (3, None)
    """
    if num_epochs is not None or max_steps is not None:
        return num_epochs, max_steps
    low, high = DEFAULT_STEP_BOUNDS
    per_epoch = math.ceil(n_windows / batch_size)
    steps = min(max(DEFAULT_EPOCHS * per_epoch, low), high)
    return None, max(steps, min(DEFAULT_PASSES * per_epoch, DEFAULT_STEP_LIMIT))


def plain_number(value):
    """Turn a numpy integer or float into the Python number it holds.

    Examples
    --------
    >>> import numpy as np
    >>> type(plain_number(np.int64(3))), plain_number("Adam")
    (<class 'int'>, 'Adam')
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value) if isinstance(value, numbers.Real) else value


def history_frame(rows):
    """Make the per-epoch rows of :func:`train_network` a typed frame (none too).

    Examples
    --------
    >>> history_frame([]).dtypes["train_loss"]
    dtype('float64')
    """
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    return frame.astype(
        {name: "int64" if name in ("epoch", "steps") else "float64" for name in frame}
    )


def continued_history(earlier, later):
    """Append the history of a later run, its epochs and steps counting on.

    Examples
    --------
    >>> first = history_frame([{"epoch": 0, "steps": 5}, {"epoch": 1, "steps": 9}])
    >>> both = continued_history(first, history_frame([{"epoch": 0, "steps": 4}]))
    >>> both["epoch"].tolist(), both["steps"].tolist()
    ([0, 1, 2], [5, 9, 13])
    """
    if len(earlier):
        later = later.assign(
            epoch=later["epoch"] + earlier["epoch"].iloc[-1] + 1,
            steps=later["steps"] + earlier["steps"].iloc[-1],
        )
    return pd.concat([earlier, later], ignore_index=True)


def train_on_series(
    data,
    loc,
    scale,
    network,
    config,
    *,
    window_length,
    horizon,
    device,
    seed,
    season=1,
    seasonal=None,
    validation_size=None,
    require_windows=True,
    carried_first_row=False,
    new_rows=None,
    compared=None,
):
    """Train a network on every series of ``data``: windows, then the loop.

    Series shorter than a window and its horizon are padded with missing
    values; windows end at every time point, the horizon past a series' end
    missing; missing values are filled, flagged to the encoder, and left out
    of the loss.

    Parameters
    ----------
    data : Collection
        The series, with the targets to be modelled on the log scale
        already logged.
    loc, scale : ndarray, shape (n_series, n_columns)
        Each series' scaling (see :mod:`skseq2seq._scaling`).
    network : Seq2SeqNetwork or callable
        A network to train a copy of (never changed itself: the caller keeps
        the result only if training succeeds), or a function that builds a
        new one, called under ``seed``.
    config : TrainingConfig
    window_length, horizon : int
        The encoder's window, and the steps decoded.
    device : torch.device
    seed : int
    season : int, default=1
        The anchor's season: windows reach back at least that far.
    seasonal : ndarray of bool, shape (n_series,), optional
        With a season: which series show it.
    validation_size : float, int or None
        See :func:`~skseq2seq._windows.split_windows`.
    require_windows : bool, default=True
        Without any window that has observed values: raise, or (False)
        return ``(None, history)``.
    carried_first_row : bool, default=False
        Each series' first row only carries an observation forward into the
        gaps after it (as ``update``'s recent rows do): no window starts
        there.
    new_rows : ndarray of int64, shape (n_series,), optional
        How many of each series' last rows are new (``update``'s): only a
        window whose horizon holds an observed one of them is trained on,
        as the others would train again on targets seen before.
    compared : dict, optional
        Further parameters that processes training together must share (see
        :func:`fit_network`); the horizon is compared as ``fh``.

    Returns
    -------
    network : Seq2SeqNetwork or None
        Trained, on ``device``, in evaluation mode.
    history : pandas.DataFrame
    """
    n_targets, n_covariates, _ = data.sizes
    join_launched_group(device)
    # the encoder reads window_length steps; the anchor reaches a season
    window_length = max(window_length, season)
    scaled, lengths = pad_short_series(
        *pad_series_ends(
            scale_series(data.values, data.lengths, loc, scale, np.float32),
            data.lengths,
            horizon - 1,
            n_targets,
        ),
        window_length + horizon,
        n_targets,
    )
    observed = fill_gaps(scaled, lengths, n_targets)
    split = split_windows(lengths, window_length, horizon, validation_size)
    if carried_first_row:
        firsts = series_offsets(lengths)
        split = tuple(starts[~np.isin(starts, firsts)] for starts in split)
    taught = None
    if new_rows is not None:
        is_new = new_rows_padded(data.lengths, new_rows, lengths, horizon)[:, None]
        taught = is_new if observed is None else observed & is_new
    train_starts, valid_starts = (
        keep_observed_windows(starts, observed, window_length, horizon, taught)
        for starts in split
    )
    if validation_size is not None and len(valid_starts) == 0:
        raise ValueError(
            f"validation_size={validation_size} holds out no window with an "
            "observed target and past: the series' last values are missing. "
            "Pass a larger validation_size, or data that ends observed."
        )
    if not agree_to_train(len(train_starts) > 0, device):
        if not require_windows:
            return None, history_frame([])
        raise ValueError(
            f"No training window of {window_length} past and {horizon} future "
            "time points has an observed value in both parts: the data is "
            "too sparse. Pass series with fewer gaps, or a shorter fh."
        )
    seed = agree(seed)  # processes training together train with rank 0's
    scaled = to_network_tensor(scaled, "y and X")
    observed = None if observed is None else torch.from_numpy(observed)
    # the rows of each series flagged as it shows the season, or not
    flags = None if season == 1 else torch.from_numpy(np.repeat(seasonal, lengths))

    def window_set(starts):
        return WindowSet(
            scaled,
            starts,
            window_length,
            horizon,
            n_targets,
            n_covariates,
            observed,
            flags,
        )

    with seeded(seed, device):
        if isinstance(network, nn.Module):
            network = copy.deepcopy(network)
        else:  # built here, so that the seed draws its first weights
            network = network()
        network = network.to(device)
        history = fit_network(
            network,
            window_set(train_starts),
            config,
            device,
            valid_windows=window_set(valid_starts),
            compared={**(compared or {}), "fh": horizon},
        )
    network.eval()
    return network, history_frame(history)


def fit_network(network, windows, config, device, valid_windows=None, compared=None):
    """Build the optimizer and scheduler that ``config`` names, then train.

    Parameters
    ----------
    network : Seq2SeqNetwork
    windows, valid_windows : WindowSet
    config : TrainingConfig
    device : torch.device
    compared : dict, optional
        The estimator's parameters beyond ``config`` (those that shape the
        windows, such as their scaling): processes training together must
        share them and ``config``, and are refused naming the ones that
        differ (see :func:`~skseq2seq._distributed.check_same_training`).

    Returns
    -------
    history : list of dict
        See :func:`train_network`.
    """
    check_can_train()
    join_launched_group(device)
    check_same_training(
        {**(compared or {}), **dataclasses.asdict(config)},
        network.hyperparameters,
        windows,
        *([] if valid_windows is None else [valid_windows]),
    )
    optimizer = make_optimizer(
        network,
        config.optimizer,
        config.lr,
        config.weight_decay,
        config.optimizer_kwargs,
    )
    num_epochs, max_steps = training_budget(
        len(windows), config.batch_size, config.num_epochs, config.max_steps
    )
    scheduler = step_scheduler = None
    if config.lr_scheduler_kwargs and config.lr_scheduler in (COSINE, None):
        raise ValueError(
            f"lr_scheduler_kwargs={config.lr_scheduler_kwargs!r} were given, but "
            f"lr_scheduler={config.lr_scheduler!r} takes none. Name a torch "
            "scheduler for them, e.g. lr_scheduler='StepLR', or drop them."
        )
    if config.lr_scheduler == COSINE:
        step_scheduler = cosine_decay(
            optimizer,
            planned_steps(len(windows), config.batch_size, num_epochs, max_steps),
        )
    elif config.lr_scheduler is not None:
        scheduler = built(
            named_class(config.lr_scheduler, SCHEDULERS),
            "lr_scheduler_kwargs",
            optimizer,
            **(config.lr_scheduler_kwargs or {}),
        )
    return train_network(
        network,
        windows,
        optimizer,
        config,
        num_epochs=num_epochs,
        max_steps=max_steps,
        valid_windows=valid_windows,
        scheduler=scheduler,
        step_scheduler=step_scheduler,
        device=device,
    )


def planned_steps(n_windows, batch_size, num_epochs, max_steps):
    """Optimiser steps that ``num_epochs`` and ``max_steps`` allow together.

    Examples
    --------
    >>> planned_steps(100, 32, num_epochs=10, max_steps=None)
    40
    >>> planned_steps(100, 32, num_epochs=10, max_steps=25)
    25
    """
    per_epoch = math.ceil(n_windows / batch_size)
    epochs = math.inf if num_epochs is None else num_epochs * per_epoch
    return int(min(epochs, math.inf if max_steps is None else max_steps))


def cosine_decay(optimizer, steps):
    """Lower the learning rate from its value to zero along a half cosine.

    Stepped after every optimiser step, over ``steps`` of them: a large rate
    early to move fast, a small one late to settle, whatever the budget.

    Examples
    --------
    >>> optimizer = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=1.0)
    >>> decay = cosine_decay(optimizer, 4)
    >>> for _ in range(2):
    ...     optimizer.step()
    ...     decay.step()
    >>> round(optimizer.param_groups[0]["lr"], 3)
    0.5
    """
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / steps, 1)))
    )


def make_optimizer(network, optimizer, lr, weight_decay, optimizer_kwargs):
    """Build the optimizer; ``optimizer_kwargs`` override ``lr`` and ``weight_decay``.

    ``weight_decay`` is passed only when it is not zero, so optimizers that
    take no such argument (``Rprop``) work with the default.

    Examples
    --------
    >>> net = nn.Linear(2, 1)
    >>> make_optimizer(net, "SGD", 0.1, 0.0, {"momentum": 0.9}).defaults["momentum"]
    0.9
    >>> type(make_optimizer(net, "Rprop", 0.1, 0.0, None)).__name__
    'Rprop'
    """
    found = named_class(optimizer, torch.optim.Optimizer)
    kwargs = {"lr": lr}
    if weight_decay:
        if "weight_decay" not in inspect.signature(found).parameters:
            raise ValueError(
                f"weight_decay={weight_decay} was given, but {found.__name__} takes "
                "no weight_decay. Use an optimizer that does, such as 'AdamW', or "
                "leave weight_decay at 0."
            )
        kwargs["weight_decay"] = weight_decay
    kwargs = {**kwargs, **(optimizer_kwargs or {})}
    return built(found, "optimizer_kwargs", network.parameters(), **kwargs)


def built(cls, name, *args, **kwargs):
    """Call ``cls``; if the keyword arguments do not suit it, name ``name``.

    Examples
    --------
    >>> built(torch.optim.SGD, "optimizer_kwargs", nn.Linear(2, 1).parameters(),
    ...       lr=0.1, nesterov_typo=True)
    Traceback (most recent call last):
    ...
    ValueError: optimizer_kwargs do not suit SGD: ...
    """
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError) as error:  # an unknown name, or a bad value
        raise ValueError(
            f"{name} do not suit {cls.__name__}: {error}. Pass the keyword "
            f"arguments {cls.__module__}.{cls.__name__} takes, and those it needs."
        ) from error


def named_class(value, base):
    """Return the class ``value`` is, or that it names in ``base``'s module.

    Examples
    --------
    >>> named_class("SGD", torch.optim.Optimizer)
    <class 'torch.optim.sgd.SGD'>
    """
    module = torch.optim if base is torch.optim.Optimizer else torch.optim.lr_scheduler
    found = getattr(module, value, None) if isinstance(value, str) else value
    # the base classes themselves have no step of their own
    abstract = (torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler)
    if not (
        isinstance(found, type) and issubclass(found, base) and found not in abstract
    ):
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


def autocast(device, precision):
    """Run the forward pass in ``precision``: ``"32"``, ``"bf16"`` or ``"16-mixed"``.

    Examples
    --------
    >>> with autocast(torch.device("cpu"), "bf16"):
    ...     (torch.ones(2, 2) @ torch.ones(2, 2)).dtype
    torch.bfloat16
    """
    # float16 is for CUDA; a network trained so and then loaded on a CPU
    # predicts in float32 there
    if precision == "32" or (precision == "16-mixed" and device.type != "cuda"):
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def teacher_forcing_ratio_at(epoch, ratio, decay):
    """Return the ratio in effect at ``epoch`` (from 0), lowered by ``decay`` each.

    Examples
    --------
    >>> [teacher_forcing_ratio_at(e, 0.6, 0.25) for e in range(4)]
    [0.6, 0.35, 0.09999999999999998, 0.0]
    """
    return max(0.0, ratio - decay * epoch)


def teacher_inputs(strategy, ratio, target, n_batch=None, rows=None):
    """Choose what the decoder is fed in training: ``(teacher, teacher_mask)``.

    ``(None, None)`` decodes recursively, ``(target, None)`` teacher-forces
    every step, and a mask mixes the two with one coin per sample and step.
    ``target`` may be the ``rows`` of a batch of ``n_batch`` windows (one
    rank's share): the coins are drawn for the whole batch, so that every
    rank draws alike and the ranks together toss what one process would
    (without dropout, which draws per rank and moves their streams apart).
    """
    if strategy == "recursive" or (strategy == "mixed" and ratio <= 0.0):
        return None, None
    if strategy == "teacher_forcing" or ratio >= 1.0:
        return target, None
    if n_batch is None:
        n_batch, rows = len(target), slice(None)
    shape = (n_batch, target.shape[1])  # [batch, horizon]
    coins = torch.rand(shape, device=target.device)[rows]
    if len(coins) == 0:  # a rank without a window trains one at weight 0
        coins = torch.ones_like(target[..., 0])
    return target, coins < ratio


def train_network(
    network,
    windows,
    optimizer,
    config,
    *,
    num_epochs=None,
    max_steps=None,
    valid_windows=None,
    scheduler=None,
    step_scheduler=None,
    device=None,
):
    """Train ``network`` in place on its head's loss over the horizon.

    Training stops at the first of three budgets that is spent: ``num_epochs``
    passes over the windows, ``max_steps`` optimiser steps, or
    ``config.max_time`` seconds. At least one must be given.

    Parameters
    ----------
    network : Seq2SeqNetwork
        Already on ``device``.
    windows : WindowSet
        The training windows.
    optimizer : torch.optim.Optimizer
        Built over ``network``'s parameters.
    config : TrainingConfig
        What is read of it: ``max_time`` (checked after every step; a run
        stopped by it depends on the machine's speed, so is not
        reproducible), ``batch_size``, ``training_strategy`` (see
        :func:`teacher_inputs`; the context decoder ignores it),
        ``teacher_forcing_ratio`` and ``teacher_forcing_decay`` (for
        ``"mixed"``: the chance of a true input at each step, lowered after
        every epoch), ``patience`` (below), ``gradient_clip`` (of the norm of
        all gradients together), ``precision`` (the forward pass under
        autocast in bfloat16 or float16; float16 scales the loss against
        underflowing gradients; weights stay float32) and ``verbose`` (a
        progress bar over epochs with the latest losses).

        ``patience``: stop after this many epochs without a lower monitored
        loss, and restore the weights of the best epoch. The monitored loss
        is the validation loss if there are validation windows; otherwise
        the recursive loss on a fixed, evenly spread sample of the training
        windows. Either is scored as at prediction, so it is comparable from
        epoch to epoch even while the teacher-forcing ratio changes.
    num_epochs, max_steps : int or None
        Passes over the windows, and optimiser steps (one per batch), as
        :func:`training_budget` resolves them. The last epoch is cut short
        when the steps run out.
    valid_windows : WindowSet, optional
        Scored after every epoch, decoding recursively as at prediction.
    scheduler : torch.optim.lr_scheduler.LRScheduler, optional
        Stepped after every epoch; ``ReduceLROnPlateau`` is given the
        monitored loss.
    step_scheduler : torch.optim.lr_scheduler.LRScheduler, optional
        Stepped after every optimiser step, such as :func:`cosine_decay`.
    device : torch.device, optional
        Batches are gathered on the CPU and moved here inside the step;
        ``None`` leaves them on the CPU.

    Returns
    -------
    history : list of dict
        One row per epoch: ``epoch``, ``steps`` (optimiser steps so far),
        ``train_loss``, ``valid_loss`` (NaN without validation windows),
        ``monitored_loss`` (what ``patience`` and a plateau scheduler
        watch), ``lr``, ``seconds``.

    Raises
    ------
    FloatingPointError
        If a loss turns NaN or infinite, or the point forecasts' squared
        error on the training windows exceeds ``DIVERGENCE_FACTOR`` times
        a reference (the largest of repeating the last value's, the
        targets' variance, and 1; see ``reference_mse``): training has
        diverged.

    Warns
    -----
    UserWarning
        If training is interrupted with Ctrl-C: it stops, keeps the weights
        of the best epoch so far, and returns the history up to there.
    """
    max_time, patience = config.max_time, config.patience
    batch_size, precision = config.batch_size, config.precision
    if num_epochs is None and max_steps is None and max_time is None:
        raise ValueError("Give a training budget: num_epochs, max_steps or max_time.")
    device = torch.device("cpu") if device is None else device
    stepper = _Stepper(
        network, optimizer, config.gradient_clip, device, precision, step_scheduler
    )
    # under torch.distributed, the backward pass averages every rank's gradients
    model = parallel(network, device)
    reference = reference_mse(windows)
    # the context decoder is fed no values: no coins to toss, which would
    # use up the random stream that shuffles the next epoch
    strategy = (
        config.training_strategy
        if network.decoder_input == "autoregressive"
        else "recursive"
    )
    if valid_windows is not None and len(valid_windows):
        monitor = valid_windows
    elif patience is not None:
        monitor = windows.subset(sample_starts(windows.starts, SAMPLE_WINDOWS))
    else:
        monitor = None
    started = time.perf_counter()
    deadline = math.inf if max_time is None else started + max_time
    step_limit = math.inf if max_steps is None else max_steps
    history, steps = [], 0
    best = _BestWeights(network)
    epochs = range(num_epochs) if num_epochs is not None else itertools.count()
    # updated by hand: a bar over the loop would miss the epoch a budget ends
    bar = tqdm(
        total=num_epochs,
        desc="fit",
        unit="epoch",
        disable=not config.verbose or rank() != 0,
    )
    try:
        for epoch in epochs:
            epoch_started = time.perf_counter()
            lr = optimizer.param_groups[0]["lr"]
            ratio = teacher_forcing_ratio_at(
                epoch, config.teacher_forcing_ratio, config.teacher_forcing_decay
            )
            train_loss, point_mse, taken = _train_epoch(
                model,
                network,
                windows,
                stepper,
                batch_size,
                strategy,
                ratio,
                step_limit - steps,
                deadline,
            )
            if taken == 0:  # out of time before the epoch's first step
                break
            steps += taken
            _check_converging(train_loss, point_mse, reference, epoch, lr)
            valid_loss = math.nan
            if monitor is None:
                monitored = train_loss
            else:
                monitored = evaluate(network, monitor, batch_size, device, precision)
                _check_converging(monitored, 0.0, reference, epoch, lr)
                if monitor is valid_windows:
                    valid_loss = monitored
            best.offer(monitored, epoch)
            history.append(
                {
                    "epoch": epoch,
                    "steps": steps,
                    "train_loss": train_loss,
                    "valid_loss": valid_loss,
                    "monitored_loss": monitored,
                    "lr": lr,
                    "seconds": time.perf_counter() - epoch_started,
                }
            )
            bar.set_postfix(train_loss=train_loss, monitored_loss=monitored)
            bar.update()
            if scheduler is not None:
                _step(scheduler, monitored)
            # each rank's own clock: the ranks stop when the first runs out
            out_of_time = math.isfinite(deadline) and any_rank(
                time.perf_counter() >= deadline
            )
            out_of_budget = steps >= step_limit or out_of_time
            if out_of_budget or (
                patience is not None and epoch - best.epoch >= patience
            ):
                break
    except KeyboardInterrupt:
        if joined():  # the other ranks may be inside a step: no clean stop
            raise
        kept = "no epoch finished" if best.epoch < 0 else f"epoch {best.epoch}"
        warn_user(
            f"Training was interrupted after {len(history)} epoch(s); the "
            f"forecaster keeps the weights of {kept}, the best so far.",
        )
        best.restore()
        return history
    finally:
        bar.close()
    if steps == 0:
        warn_user(
            f"max_time={max_time} ran out before the first optimiser step: the "
            "network is untrained. Give max_time more seconds.",
        )
    if patience is not None:
        best.restore()
    return history


def _check_converging(loss, point_mse, reference, epoch, lr):
    """Raise FloatingPointError on a non-finite loss or a diverged forecast."""
    problem = None
    if not math.isfinite(loss):
        problem = f"The loss became {loss}"
    elif not math.isfinite(point_mse):  # float32 overflowed; the loss may not
        problem = "Training diverged: the outputs' squared error overflowed"
    elif point_mse > DIVERGENCE_FACTOR * reference:
        problem = (
            f"Training diverged: the squared error of the network's outputs on "
            f"its training windows reached {point_mse:.3g}, over "
            f"{DIVERGENCE_FACTOR:.0f} times {reference:.3g}, the larger of what "
            "repeating each window's last value scores, the targets' variance, "
            "and 1"
        )
    if problem:
        raise FloatingPointError(
            f"{problem} at epoch {epoch}, so training stopped. Try a lower lr "
            f"(now {lr}) or gradient_clip=1.0, and check the data for extreme "
            "values or a bad scaling."
        )


def sample_starts(starts, n):
    """At most ``n`` of ``starts``, evenly spread, first and last included.

    Examples
    --------
    >>> sample_starts(torch.arange(10, 20), 4).tolist()
    [10, 13, 16, 19]
    """
    if len(starts) <= n:
        return starts
    return starts[torch.linspace(0, len(starts) - 1, n).round().long()]


def reference_mse(windows):
    """Return what a useless forecast scores, to judge divergence by.

    That is the largest of: the squared error of repeating each window's
    last target value, over an evenly spread sample of the windows; the
    variance of all the training targets; and 1, the variance on a
    standardised scale. The floor keeps constant data, or an update's
    single window, from making any small error look like divergence.
    """
    past, _, target, _ = windows.batch(sample_starts(windows.starts, SAMPLE_WINDOWS))
    last = past[:, -1:, : target.shape[-1]].float()
    naive = ((target.float() - last) ** 2).mean().item()
    targets = windows.values[..., : target.shape[-1]].float()
    return max(naive, targets.var().item() if targets.numel() > 1 else 0.0, 1.0)


def evaluate(network, windows, batch_size, device=None, precision="32"):
    """Score recursive forecasts over ``windows`` by the network's own loss.

    Parameters
    ----------
    network : Seq2SeqNetwork
    windows : WindowSet
    batch_size : int
    device : torch.device, optional
    precision : {"32", "bf16", "16-mixed"}, default="32"

    Returns
    -------
    float
    """
    device = torch.device("cpu") if device is None else device
    network.eval()
    summed = torch.zeros((), device=device)
    # across ranks each scores its share of every batch: the batch's mean is
    # then the ranks' summed losses over their summed observed targets
    if joined():
        shares = torch.zeros(math.ceil(len(windows) / batch_size), 2).double()
    with torch.no_grad(), autocast(device, precision):
        for number, first in enumerate(range(0, len(windows), batch_size)):
            starts, rows = share(windows.starts[first : first + batch_size])
            if rows.stop == rows.start:
                continue  # none of this batch is this rank's to score
            past, covariates, target, observed = windows.batch(starts, device)
            prediction = network(past, windows.horizon, covariates).float()
            loss = network.head.loss(prediction, target, observed)
            if joined():
                targets = _observed_count(target, observed)
                shares[number] = torch.tensor([loss.item() * targets, targets])
            else:
                summed += loss * len(target)
    if not joined():
        return summed.item() / len(windows)
    sums, counts = total_tensor(shares).unbind(1)
    lengths = torch.full_like(sums, batch_size)
    lengths[-1] = len(windows) - batch_size * (len(lengths) - 1)
    return float((sums / counts.clamp(min=1) * lengths).sum()) / len(windows)


def _train_epoch(
    model, network, windows, stepper, batch_size, strategy, ratio, max_steps, deadline
):
    """One pass over the windows in random order, or as much as the budget allows.

    ``model`` runs the forward pass: ``network`` itself, or its
    ``DistributedDataParallel`` wrapper, which takes this rank's share of
    each batch (see :func:`~skseq2seq._distributed.share`).

    Returns
    -------
    loss, point_mse : float
        The mean loss, and the mean squared error of the point forecasts,
        over the windows trained on (by every rank).
    steps : int
        Optimiser steps taken.
    """
    network.train()
    order = agree_order(windows.starts[torch.randperm(len(windows))])
    # summed on the device: no host sync per batch
    summed = torch.zeros((), device=stepper.device)
    squared = torch.zeros((), device=stepper.device)
    seen = steps = 0
    timed = math.isfinite(deadline)
    for first in range(0, len(windows), batch_size):
        out_of_time = timed and any_rank(time.perf_counter() >= deadline)
        if steps >= max_steps or out_of_time:
            break
        batch = order[first : first + batch_size]
        starts, rows = share(batch)
        past, covariates, target, observed = windows.batch(starts, stepper.device)
        teacher, mask = teacher_inputs(strategy, ratio, target, len(batch), rows)
        with stepper.autocast():
            prediction = model(past, windows.horizon, covariates, teacher, mask)
        prediction = prediction.float()
        loss, weight = network.head.loss(prediction, target, observed), 1.0
        if model is not network:  # this rank's share of a batch
            targets = _observed_count(target, observed) if rows.stop > rows.start else 0
            weight = loss_weight(targets)
            loss = loss * weight
        stepper.step(loss)
        # each rank adds its weighted loss times a 1/ranks share of the
        # batch's windows: summed over the ranks, the batch's mean loss times
        # its windows, as in one process
        batch_share = len(batch) / world_size()
        summed += loss.detach() * batch_share
        point = network.head.point(prediction.detach())
        squared += masked_mean((point - target) ** 2, observed) * weight * batch_share
        seen, steps = seen + batch_share, steps + 1
    summed, squared, seen = total(summed.item(), squared.item(), seen)
    seen = max(seen, 1)
    return summed / seen, squared / seen, steps


def _observed_count(target, observed):
    """Count a batch's observed targets (its windows times steps, without gaps)."""
    return float(target[..., 0].numel() if observed is None else observed.sum())


class _Stepper:
    """One optimiser step: loss scaling for float16, clipping, a per-step schedule."""

    def __init__(
        self, network, optimizer, gradient_clip, device, precision, scheduler=None
    ):
        self.network, self.optimizer, self.scheduler = network, optimizer, scheduler
        self.gradient_clip, self.device, self.precision = (
            gradient_clip,
            device,
            precision,
        )
        # float16 gradients underflow unless the loss is scaled up first
        self.scaler = torch.amp.GradScaler(device.type, enabled=precision == "16-mixed")

    def autocast(self):
        return autocast(self.device, self.precision)

    def step(self, loss):
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if self.gradient_clip is not None:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.network.parameters(), self.gradient_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.scheduler is not None:
            self.scheduler.step()


def _step(scheduler, monitored):
    """Step a user's epoch scheduler; its refusal says how it is stepped."""
    try:
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(monitored)
        else:
            scheduler.step()
    except ValueError as error:  # e.g. OneCycleLR past its total_steps
        raise ValueError(
            f"lr_scheduler {type(scheduler).__name__} refused a step: {error}. "
            "It is stepped once per epoch, so count its steps in epochs (for "
            "OneCycleLR, total_steps of at least num_epochs)."
        ) from error


class _BestWeights:
    """The lowest monitored loss so far and a copy of the weights that gave it."""

    def __init__(self, network):
        self.network = network
        self.loss = math.inf
        self.epoch = -1
        self.state = None

    def offer(self, loss, epoch):
        if loss < self.loss:
            self.loss, self.epoch = loss, epoch
            self.state = {
                name: tensor.detach().clone()
                for name, tensor in self.network.state_dict().items()
            }

    def restore(self):
        if self.state is not None:
            self.network.load_state_dict(self.state)
