"""One network trained by several processes at once, under torch.distributed.

Nothing here starts processes: a launcher does (``torchrun``, or any that
sets up a process group). When a group of more than one process is
initialised, or a launcher's environment names one (``WORLD_SIZE`` above 1
and ``MASTER_ADDR``), training is shared: every process builds the same
windows, each global batch is split between them, and
``DistributedDataParallel`` averages the gradients. Without that, nothing
here runs and training is as in one process; several GPUs on a machine
never start it by themselves.
"""

import hashlib
import inspect
import os

import torch
import torch.distributed as dist


def joined():
    """Whether this process is one of several training together.

    Examples
    --------
    >>> joined()  # a plain process
    False
    """
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def launched():
    """Whether a launcher started this process as one of several (torchrun's env)."""
    return _environment_int("WORLD_SIZE", 1) > 1 and "MASTER_ADDR" in os.environ


def local_device(device):
    """Name this process's own GPU in a ``device`` parameter, under a launcher.

    ``"auto"`` and ``"cuda"`` without an index become ``"cuda:<LOCAL_RANK>"``
    where a launcher started several processes and CUDA is there, so that
    each trains on a GPU of its own; anything else is left as it is.
    """
    unindexed = (isinstance(device, str) and device in ("auto", "cuda")) or (
        isinstance(device, torch.device)
        and device.type == "cuda"
        and device.index is None
    )
    if launched() and unindexed and torch.cuda.is_available():
        return f"cuda:{_environment_int('LOCAL_RANK', 0)}"
    return device


def join_launched_group(device):
    """Join the process group a launcher's environment names, if there is one.

    Called where training starts, never where a model is only loaded or
    used: ``torchrun`` sets ``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK`` and
    ``MASTER_ADDR``, and a script run under it need not set the group up
    itself. The backend follows the device: NCCL for CUDA, gloo otherwise.

    Parameters
    ----------
    device : torch.device
        Where this process trains.
    """
    if launched() and dist.is_available() and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if joined() and device.type == "cuda":
        torch.cuda.set_device(device)  # where NCCL's own tensors go


#: Parameters that may differ between the processes: each reports its own
#: progress, rank 0's seed is used, and each names its own GPU.
MAY_DIFFER = ("verbose", "random_state", "device")


def agree_to_train(has_windows, device):
    """Whether the ranks have windows to train on; refuse, alike, if only some do.

    A rank without windows (an update whose new rows were all seen before,
    or all missing) would skip the collectives the others wait in.

    Parameters
    ----------
    has_windows : bool
        Whether this rank has a window to train on.
    device : torch.device
        Where this process trains.

    Examples
    --------
    >>> agree_to_train(True, torch.device("cpu"))  # a plain process
    True
    """
    join_launched_group(device)
    if not joined():
        return has_windows
    ranks_with_windows = total(float(has_windows))[0]
    if 0 < ranks_with_windows < world_size():
        raise ValueError(
            "The processes training together were given different data: some "
            "have windows to train on and others none (in update: no rows after "
            "the last time point seen, or only missing ones). Pass every process "
            "the same y and X."
        )
    return bool(ranks_with_windows)


def check_same_training(parameters, network, *window_sets):
    """Refuse, on every rank alike, parameters or data that differ between ranks.

    Each rank must be given the same data and the same training parameters:
    the ranks cut the same batches between them and take the same steps,
    and ranks that did not would wait on each other for ever, or train on a
    mix. Each parameter, each of the network's hyperparameters and the
    windows' bytes are digested, rank 0's digests are sent to the others,
    and the ranks that differ from them are counted in one all-reduce, so
    that every rank raises the same error.

    Parameters
    ----------
    parameters : dict
        The estimator's parameters (and ``fh``), compared as
        :func:`canonical` writes them, but for those named in
        :data:`MAY_DIFFER`.
    network : dict
        The network's hyperparameters, some of them read from the data (its
        columns, season and window), compared alike.
    *window_sets : WindowSet or SequenceSet
        Compared by the bytes of their values and window starts: the same
        series under swapped keys, or ``X`` with its columns swapped, are
        other data.
    """
    if not joined():
        return
    given = sorted(name for name in parameters if name not in MAY_DIFFER)
    built = sorted(network)
    # the windows of training and validation share their values: digest once
    tensors = {id(t): t for w in window_sets for t in (w.values, w.starts)}
    mine = torch.tensor(
        [_digest(canonical(parameters[name]).encode()) for name in given]
        + [_digest(canonical(network[name]).encode()) for name in built]
        + [_digest(t.detach().cpu().contiguous().numpy()) for t in tensors.values()],
        dtype=torch.float64,
    )
    differing = (total_tensor((mine != agree_order(mine)).double()) > 0).tolist()
    # a parameter the network also holds (hidden_size) is named once, as given;
    # one the network resolves from the data (loss="auto") is the network's
    named = [name for name, differs in zip(given, differing, strict=False) if differs]
    if named:
        raise ValueError(
            "The processes training together were given different parameters "
            f"({', '.join(named)}): they take the same steps over the same "
            "batches. Pass every process the same ones."
        )
    differing = differing[len(given) :]
    named = [name for name, differs in zip(built, differing, strict=False) if differs]
    if named:
        raise ValueError(
            "The processes training together built different networks "
            f"({', '.join(named)}), from other parameters or from other data, "
            "whose columns, season and length choose some of them. Pass every "
            "process the same parameters, y and X."
        )
    if any(differing):
        raise ValueError(
            "The processes training together were given different data: each "
            "must be given the whole panel, which they cut between them batch "
            "by batch. Pass every process the same y and X."
        )


def canonical(value):
    """Write ``value`` as every process writes it: dicts sorted, objects by name.

    A function or an object without a ``repr`` of its own prints its
    address, which differs between processes running the same script; such
    an object is written as its qualified name (two lambdas of one place
    are alike).

    Examples
    --------
    >>> canonical({"b": 2, "a": [1.5, None]}) == canonical({"a": [1.5, None], "b": 2})
    True
    >>> canonical({"lr_lambda": lambda epoch: 0.9**epoch})
    "{'lr_lambda': skseq2seq._distributed.<lambda>}"
    """
    if isinstance(value, dict):
        items = sorted((canonical(key), canonical(item)) for key, item in value.items())
        return "{" + ", ".join(f"{key}: {item}" for key, item in items) + "}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__}({', '.join(map(canonical, value))})"
    text = repr(value)
    if " at 0x" in text:
        named = value if hasattr(value, "__qualname__") else type(value)
        return f"{named.__module__}.{named.__qualname__}"
    return text


def _digest(data):
    """Digest ``data``'s bytes as a number exact in float64: 48 bits of SHA-256."""
    return int.from_bytes(hashlib.sha256(data).digest()[:6], "little")


def world_size():
    """Return the number of processes training together: 1 in a plain process."""
    return dist.get_world_size() if joined() else 1


def rank():
    """Return this process's rank: 0 alone, or in a plain process."""
    return dist.get_rank() if joined() else 0


def agree(value):
    """Rank 0's integer ``value``, on every rank (``value`` itself alone).

    A seed drawn without a ``random_state`` differs between processes; the
    one they train with must not.
    """
    return int(agree_order(torch.tensor([value], dtype=torch.int64))[0])


def agree_order(order):
    """Rank 0's tensor ``order`` (of the windows, say), on every rank.

    Every rank draws one from the same seed, but dropout draws as many
    numbers as each rank's share of a batch has windows, and so moves the
    ranks' random streams apart; the order must stay one.
    """
    if not joined():
        return order
    shared = order.to(_device(), copy=True)  # never into the caller's tensor
    dist.broadcast(shared, 0)
    return shared.to(order.device)


def share(batch):
    """Give this rank's windows of a global batch, and where they sit in it.

    The batch is cut into as many contiguous parts as there are ranks, the
    first ones a window longer where it does not divide. A rank left
    without a window (a batch smaller than the group) computes the batch's
    first window, to be weighted 0 (see :func:`loss_weight`): every rank
    must take part in every step, or the others wait for ever.

    Parameters
    ----------
    batch : torch.Tensor of int64
        The global batch's window starts.

    Returns
    -------
    starts : torch.Tensor of int64
        The windows this rank computes.
    rows : slice
        Where they sit in the global batch (empty for a rank without one).

    Examples
    --------
    >>> share(torch.arange(5))  # a plain process: all of it
    (tensor([0, 1, 2, 3, 4]), slice(0, 5, None))
    """
    if not joined():
        return batch, slice(0, len(batch))
    rows = _part(len(batch))
    return (batch[:1] if rows.stop == rows.start else batch[rows]), rows


def loss_weight(count):
    """Weight this rank's mean loss by its ``count`` of observed targets.

    ``DistributedDataParallel`` averages the ranks' gradients; weighted by
    each rank's share of the batch's observed targets, times the number of
    ranks, that average is the gradient of the whole batch's mean loss, as
    one process computes it, whatever the gaps and partial horizons. One
    number per step crosses between the ranks for it.
    """
    if not joined():
        return 1.0
    return count * world_size() / max(total(count)[0], 1.0)


def total(*values):
    """Sum each of ``values`` (numbers) over the ranks: in one process, itself."""
    if not joined():
        return values
    return tuple(total_tensor(torch.tensor(values, dtype=torch.float64)).tolist())


def total_tensor(values):
    """Sum a float64 CPU tensor over the ranks, in place; return it."""
    if joined():
        shared = values.to(_device())
        dist.all_reduce(shared)
        values.copy_(shared.cpu())
    return values


def any_rank(flag):
    """Whether ``flag`` holds on any rank, so that all stop at the same step."""
    if not joined():
        return flag
    return total(float(flag))[0] > 0


def parallel(network, device):
    """Wrap ``network`` so that its backward pass averages gradients across ranks."""
    if not joined():
        return network
    wrapper = torch.nn.parallel.DistributedDataParallel
    # the only buffers are the quantile levels, constants: nothing to send
    # before each forward pass (torch 2.13 deprecates the older flag for one
    # that syncs them once at the start, harmless for constants)
    renamed = "forward_sync_buffers" in inspect.signature(wrapper).parameters
    no_sync = {"forward_sync_buffers" if renamed else "broadcast_buffers": False}
    return wrapper(
        network, device_ids=[device.index] if device.type == "cuda" else None, **no_sync
    )


def _environment_int(name, default):
    """Read a launcher's integer environment variable, naming it if it is not one."""
    value = os.environ.get(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"The environment variable {name}={value!r} is not an integer. "
            "Launchers such as torchrun set it; unset it, or launch again."
        ) from None


def _part(n):
    """Pick this rank's rows of ``n``: contiguous, the first parts one longer."""
    base, extra = divmod(n, world_size())
    here = dist.get_rank()
    start = here * base + min(here, extra)
    return slice(start, start + base + (here < extra))


def _device():
    """Where the backend's tensors live: this rank's GPU for NCCL, else the CPU."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")
