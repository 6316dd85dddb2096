"""The training loop: epochs over shuffled windows, early stopping, history."""

import contextlib
import math
import time
import warnings

import torch
from torch import nn
from tqdm.auto import tqdm

from skseq2seq._device import check_can_train

TRAINING_STRATEGIES = ("recursive", "teacher_forcing", "mixed")
SCHEDULERS = (
    torch.optim.lr_scheduler.LRScheduler,
    torch.optim.lr_scheduler.ReduceLROnPlateau,
)
PRECISIONS = ("32", "bf16", "16-mixed")
HISTORY_COLUMNS = ["epoch", "train_loss", "valid_loss", "lr", "seconds"]


def fit_network(network, windows, params, device, valid_windows=None):
    """Build the optimizer and scheduler that ``params`` name, then train.

    Parameters
    ----------
    network : Seq2SeqNetwork
    windows, valid_windows : WindowSet
    params : dict
        An estimator's ``get_params(deep=False)``: ``optimizer``, ``lr``,
        ``weight_decay``, ``optimizer_kwargs``, ``num_epochs``,
        ``batch_size``, the teacher-forcing settings, ``precision``,
        ``verbose``, and optionally ``lr_scheduler``,
        ``lr_scheduler_kwargs``, ``patience`` and ``gradient_clip``.
    device : torch.device

    Returns
    -------
    history : list of dict
        See :func:`train_network`.
    """
    check_can_train()
    optimizer = make_optimizer(
        network,
        params["optimizer"],
        params["lr"],
        params["weight_decay"],
        params["optimizer_kwargs"],
    )
    scheduler = None
    if params.get("lr_scheduler") is not None:
        scheduler = named_class(params["lr_scheduler"], SCHEDULERS)(
            optimizer, **(params.get("lr_scheduler_kwargs") or {})
        )
    return train_network(
        network,
        windows,
        optimizer,
        num_epochs=params["num_epochs"],
        batch_size=params["batch_size"],
        training_strategy=params["training_strategy"],
        teacher_forcing_ratio=params["teacher_forcing_ratio"],
        teacher_forcing_decay=params["teacher_forcing_decay"],
        valid_windows=valid_windows,
        scheduler=scheduler,
        patience=params.get("patience"),
        gradient_clip=params.get("gradient_clip"),
        device=device,
        precision=params["precision"],
        progress=params["verbose"],
    )


def make_optimizer(network, optimizer, lr, weight_decay, optimizer_kwargs):
    """Build the optimizer; ``optimizer_kwargs`` override ``lr`` and ``weight_decay``.

    Examples
    --------
    >>> net = nn.Linear(2, 1)
    >>> make_optimizer(net, "SGD", 0.1, 0.0, {"momentum": 0.9}).defaults["momentum"]
    0.9
    """
    kwargs = {"lr": lr, "weight_decay": weight_decay, **(optimizer_kwargs or {})}
    return named_class(optimizer, torch.optim.Optimizer)(network.parameters(), **kwargs)


def named_class(value, base):
    """Return the class ``value`` is, or that it names in ``base``'s module.

    Examples
    --------
    >>> named_class("SGD", torch.optim.Optimizer)
    <class 'torch.optim.sgd.SGD'>
    """
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


def teacher_inputs(strategy, ratio, target):
    """Choose what the decoder is fed in training: ``(teacher, teacher_mask)``.

    ``(None, None)`` decodes recursively, ``(target, None)`` teacher-forces
    every step, and a mask mixes the two with one coin per sample and step.
    """
    if strategy == "recursive" or (strategy == "mixed" and ratio <= 0.0):
        return None, None
    if strategy == "teacher_forcing" or ratio >= 1.0:
        return target, None
    coins = torch.rand(target.shape[:2], device=target.device)  # [batch, horizon]
    return target, coins < ratio


def train_network(
    network,
    windows,
    optimizer,
    *,
    num_epochs,
    batch_size,
    training_strategy,
    teacher_forcing_ratio,
    teacher_forcing_decay,
    valid_windows=None,
    scheduler=None,
    patience=None,
    gradient_clip=None,
    device=None,
    precision="32",
    progress=False,
):
    """Train ``network`` in place on its head's loss over the horizon.

    Parameters
    ----------
    network : Seq2SeqNetwork
        Already on ``device``.
    windows : WindowSet
        The training windows.
    optimizer : torch.optim.Optimizer
        Built over ``network``'s parameters.
    num_epochs, batch_size : int
    training_strategy : {"recursive", "teacher_forcing", "mixed"}
        What an autoregressive decoder is fed in training; see
        :func:`teacher_inputs`. The context decoder ignores it.
    teacher_forcing_ratio, teacher_forcing_decay : float
        For ``"mixed"``: the chance of a true input at each step, lowered by
        ``teacher_forcing_decay`` after every epoch.
    valid_windows : WindowSet, optional
        Scored after every epoch, decoding recursively as at prediction.
    scheduler : torch.optim.lr_scheduler.LRScheduler, optional
        Stepped after every epoch; ``ReduceLROnPlateau`` is given the
        monitored loss.
    patience : int, optional
        Stop after this many epochs without a lower monitored loss, the
        validation loss if there are validation windows, else the training
        loss. The weights of the best epoch are then restored.
    gradient_clip : float, optional
        Clip the norm of all gradients together to this value.
    device : torch.device, optional
        Batches are gathered on the CPU and moved here inside the step;
        ``None`` leaves them on the CPU.
    precision : {"32", "bf16", "16-mixed"}, default="32"
        The forward pass under autocast in bfloat16 or float16; float16
        scales the loss against underflowing gradients. Weights stay float32.
    progress : bool, default=False
        Show a progress bar over epochs with the latest losses.

    Returns
    -------
    history : list of dict
        One row per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (NaN
        without validation windows), ``lr``, ``seconds``.

    Raises
    ------
    FloatingPointError
        If a loss turns NaN or infinite.

    Warns
    -----
    UserWarning
        If training is interrupted with Ctrl-C: it stops, keeps the weights
        of the best epoch so far, and returns the history up to there.
    """
    device = torch.device("cpu") if device is None else device
    stepper = _Stepper(network, optimizer, gradient_clip, device, precision)
    history = []
    best = _BestWeights(network)
    epochs = tqdm(range(num_epochs), desc="fit", unit="epoch", disable=not progress)
    try:
        for epoch in epochs:
            started = time.perf_counter()
            lr = optimizer.param_groups[0]["lr"]
            ratio = teacher_forcing_ratio_at(
                epoch, teacher_forcing_ratio, teacher_forcing_decay
            )
            train_loss = _train_epoch(
                network, windows, stepper, batch_size, training_strategy, ratio
            )
            valid_loss = math.nan
            if valid_windows is not None and len(valid_windows):
                valid_loss = evaluate(
                    network, valid_windows, batch_size, device, precision
                )
            monitored = train_loss if math.isnan(valid_loss) else valid_loss
            if not (math.isfinite(train_loss) and math.isfinite(monitored)):
                bad = train_loss if not math.isfinite(train_loss) else monitored
                raise FloatingPointError(
                    f"The loss became {bad} at epoch {epoch}, so training "
                    f"stopped. Try a lower lr (now {lr}) or gradient_clip=1.0, "
                    "and check the data for extreme values or a bad scaling."
                )
            best.offer(monitored, epoch)
            history.append(
                {
                    "epoch": epoch,
                    "train_loss": train_loss,
                    "valid_loss": valid_loss,
                    "lr": lr,
                    "seconds": time.perf_counter() - started,
                }
            )
            epochs.set_postfix(train_loss=train_loss, valid_loss=valid_loss)
            if scheduler is not None:
                _step(scheduler, monitored)
            if patience is not None and epoch - best.epoch >= patience:
                break
    except KeyboardInterrupt:
        kept = "no epoch finished" if best.epoch < 0 else f"epoch {best.epoch}"
        warnings.warn(
            f"Training was interrupted after {len(history)} epoch(s); the "
            f"forecaster keeps the weights of {kept}, the best so far.",
            UserWarning,
            stacklevel=2,
        )
        best.restore()
        return history
    finally:
        epochs.close()
    if patience is not None:
        best.restore()
    return history


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
    with torch.no_grad(), autocast(device, precision):
        for first in range(0, len(windows), batch_size):
            past, covariates, target = windows.batch(
                windows.starts[first : first + batch_size], device
            )
            prediction = network(past, windows.horizon, covariates).float()
            summed += network.head.loss(prediction, target) * len(target)
    return summed.item() / len(windows)


def _train_epoch(network, windows, stepper, batch_size, strategy, ratio):
    """One pass over the windows in random order; returns the mean loss."""
    network.train()
    order = windows.starts[torch.randperm(len(windows))]
    summed = torch.zeros((), device=stepper.device)
    for first in range(0, len(windows), batch_size):
        past, covariates, target = windows.batch(
            order[first : first + batch_size], stepper.device
        )
        teacher, mask = teacher_inputs(strategy, ratio, target)
        with stepper.autocast():
            prediction = network(past, windows.horizon, covariates, teacher, mask)
        loss = network.head.loss(prediction.float(), target)
        stepper.step(loss)
        # summed on the device: no host sync per batch
        summed += loss.detach() * len(target)
    return summed.item() / len(windows)


class _Stepper:
    """One optimiser step: loss scaling for float16, then clipping."""

    def __init__(self, network, optimizer, gradient_clip, device, precision):
        self.network, self.optimizer = network, optimizer
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


def _step(scheduler, monitored):
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(monitored)
    else:
        scheduler.step()


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
