"""The training loop: epochs over shuffled windows, decoding strategies, history."""

import time

import torch
from torch import nn

TRAINING_STRATEGIES = ("recursive", "teacher_forcing", "mixed")


def make_optimizer(network, optimizer, lr, weight_decay, optimizer_kwargs):
    """Build the optimizer; ``optimizer_kwargs`` override ``lr`` and ``weight_decay``.

    Examples
    --------
    >>> net = nn.Linear(2, 1)
    >>> make_optimizer(net, torch.optim.SGD, 0.1, 0.0, {"momentum": 0.9}).defaults[
    ...     "momentum"]
    0.9
    """
    kwargs = {"lr": lr, "weight_decay": weight_decay, **(optimizer_kwargs or {})}
    return optimizer(network.parameters(), **kwargs)


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
    training_strategy="recursive",
    teacher_forcing_ratio=0.5,
    teacher_forcing_decay=0.0,
    device=None,
    log=None,
):
    """Train ``network`` in place on mean squared error over the horizon.

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
    device : torch.device, optional
        Batches are gathered on the CPU and moved here inside the step;
        ``None`` leaves them on the CPU.
    log : callable, optional
        Called with each epoch's history row.

    Returns
    -------
    history : list of dict
        One row per epoch: ``epoch``, ``train_loss``, ``seconds``.
    """
    loss_fn = nn.MSELoss()
    history = []
    n_windows = len(windows)
    for epoch in range(num_epochs):
        started = time.perf_counter()
        ratio = teacher_forcing_ratio_at(
            epoch, teacher_forcing_ratio, teacher_forcing_decay
        )
        network.train()
        order = windows.starts[torch.randperm(n_windows)]
        summed_loss = torch.zeros((), device=device)
        for first in range(0, n_windows, batch_size):
            past, covariates, target = windows.batch(
                order[first : first + batch_size], device
            )
            teacher, mask = teacher_inputs(training_strategy, ratio, target)
            prediction = network(past, windows.horizon, covariates, teacher, mask)
            loss = loss_fn(prediction, target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            summed_loss += loss.detach() * len(target)
        row = {
            "epoch": epoch,
            "train_loss": summed_loss.item() / n_windows,
            "seconds": time.perf_counter() - started,
        }
        history.append(row)
        if log is not None:
            log(row)
    return history
