"""Devices and seeding: where the network runs, and reproducible randomness."""

import contextlib
import copy
import functools
import os
import threading

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch import nn

from skseq2seq._compat import forked_after_cuda, warn_user
from skseq2seq._distributed import local_device

# torch's random state belongs to the process: two threads seeding and
# drawing from it at once would each see the other's draws
_SEEDED = threading.RLock()


def _one_thread_after_fork():
    # A process forked after torch has run its thread pool inherits a pool
    # whose threads did not survive the fork, and hangs on its first
    # parallel op (joblib's "multiprocessing" backend does this). One
    # thread never touches the pool.
    torch.set_num_threads(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_one_thread_after_fork)


def available_devices():
    """Names of the devices torch can use on this machine.

    Examples
    --------
    >>> "cpu" in available_devices()
    True
    """
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def resolve_device(device, precision="32"):
    """Turn a ``device`` parameter into a ``torch.device`` that exists here.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` picks CUDA, then Apple MPS, then the CPU. Anything else
        is parsed by ``torch.device`` and must exist on this machine.
    precision : {"32", "bf16", "16-mixed"}, default="32"
        The arithmetic to run there: float16 needs CUDA, and MPS runs only
        float32 here.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If the device is malformed or not present (the message lists the
        devices that are), or cannot run ``precision``.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    resolved = _present(local_device(device))
    if precision == "16-mixed" and resolved.type != "cuda":
        usable = (
            "'bf16' or '32'" if resolved.type == "cpu" and cpu_runs_bf16() else "'32'"
        )
        raise ValueError(
            f"precision='16-mixed' needs a CUDA device; this runs on {resolved}. "
            f"Use precision={usable} there."
        )
    if precision == "bf16" and resolved.type == "mps":
        raise ValueError("precision='bf16' is not supported on MPS; use '32'.")
    if precision == "bf16" and resolved.type == "cpu" and not cpu_runs_bf16():
        raise ValueError(
            "precision='bf16' needs a CPU whose oneDNN runs bfloat16 LSTMs "
            "(AVX512-BF16 or AMX); this CPU's does not. Use precision='32'."
        )
    return resolved


@functools.cache
def cpu_runs_bf16():
    """Whether this CPU trains a recurrent network under bfloat16 autocast.

    Tried once per process on a tiny LSTM, forward and backward: oneDNN
    refuses bfloat16 recurrent kernels on CPUs without AVX512-BF16 or AMX
    (with "could not create a primitive descriptor"), and flags alone do
    not tell which kernels a given torch build has.
    """
    lstm = nn.LSTM(2, 2, batch_first=True)
    try:
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            output, _ = lstm(torch.zeros(1, 2, 2))
        output.float().sum().backward()
    except RuntimeError:
        return False
    return True


def device_or_cpu(device):
    """Keep ``device`` if this machine has it, else warn and use the CPU.

    Where a loaded forecaster goes: back to the device it was fitted on.

    Examples
    --------
    >>> device_or_cpu(torch.device("cpu"))
    device(type='cpu')
    """
    try:
        return resolve_device(device)
    except ValueError:
        warn_user(
            f"The forecaster was fitted on {device}, which this machine does "
            "not have; its network is on the CPU.",
        )
        return torch.device("cpu")


_FORKED = (
    "This process was forked from one that had already used torch on a "
    "machine with a GPU (joblib's 'multiprocessing' backend forks), and torch "
    "cannot train in it, even on the CPU. Use a backend that starts fresh "
    "processes: 'loky' or 'dask'."
)


def check_can_train():
    """Raise a clear error where torch cannot run autograd in this process.

    On a machine with a GPU, a process forked after its parent started CUDA
    cannot start it again, and one forked after autograd's first backward
    pass (which starts a thread per GPU) inherits dead threads: torch then
    fails any backward pass there, on the CPU too, deep inside torch.

    Examples
    --------
    >>> check_can_train()
    """
    if forked_after_cuda():
        raise RuntimeError(_FORKED)
    try:  # a backward pass of one number: microseconds
        torch.ones(1, requires_grad=True).sum().backward()
    except RuntimeError as error:
        raise RuntimeError(_FORKED) from error


def _present(device):
    """Resolve ``device`` to one this machine has, or say which it has."""
    if isinstance(device, str) and device == "auto":
        if torch.cuda.is_available() and not forked_after_cuda():
            return torch.device("cuda", torch.cuda.current_device())
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    there = available_devices()
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            f"device={device!r} is not a device name. Use 'auto' or one of "
            f"the devices on this machine: {there}."
        ) from error
    if resolved.type == "cuda":
        if torch.cuda.is_available() and forked_after_cuda():
            raise ValueError(_FORKED)
        index = 0 if resolved.index is None else resolved.index
        if not torch.cuda.is_available() or index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} is not available on this machine, which has "
                f"{there}. Use device='auto' to pick the best one present."
            )
        return torch.device("cuda", index)
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device={device!r} is not available on this machine, which has "
            f"{there}. Use device='auto' to pick the best one present."
        )
    if resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"device={device!r} is not supported. Use 'auto' or one of {there}."
        )
    return resolved


def draw_seed(random_state):
    """Draw a torch seed from a scikit-learn ``random_state``.

    Examples
    --------
    >>> draw_seed(0) == draw_seed(0)
    True
    """
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def seeded(seed, device):
    """Seed torch's generators for ``device`` inside, and restore them on exit.

    Weight initialisation, dropout, shuffling and teacher-forcing coins all
    draw from torch's global generators; forking them keeps the user's own
    random streams exactly where they were. The CPU's generator is always
    seeded and restored. A run on CUDA seeds and restores every CUDA device,
    as ``torch.manual_seed`` would seed them; a run on MPS, the MPS
    generator. A run on the CPU touches no other device, and so never starts
    CUDA (which would cost GPU memory, and a forked child its use of CUDA).
    Seeded blocks in different threads run one at a time, or their draws
    would interleave.

    Parameters
    ----------
    seed : int
    device : torch.device
        Where the seeded work runs.

    Examples
    --------
    >>> cpu = torch.device("cpu")
    >>> with seeded(0, cpu):
    ...     inside = torch.rand(1)
    >>> with seeded(0, cpu):
    ...     bool(torch.rand(1) == inside)
    True
    """
    cuda_devices = range(torch.cuda.device_count()) if device.type == "cuda" else []
    with _SEEDED, torch.random.fork_rng(devices=cuda_devices, device_type="cuda"):
        torch.default_generator.manual_seed(seed)
        if device.type == "cuda":
            torch.cuda.manual_seed_all(seed)
        if device.type != "mps":
            yield
            return
        mps_state = torch.mps.get_rng_state()
        torch.mps.manual_seed(seed)
        try:
            yield
        finally:
            torch.mps.set_rng_state(mps_state)


class PicklesNetworksOnCPU:
    """Pickle every torch module on the CPU, and unpickle the network to its device.

    A mixin for the estimators: a model fitted on a GPU then unpickles on
    a machine without one. After unpickling, ``network_`` goes back to
    ``device_`` if this machine has it, else to the CPU with a warning;
    other modules (a pretrained network) stay on the CPU.
    """

    def __getstate__(self):
        state = self.__dict__.copy()
        for name, value in state.items():
            if isinstance(value, nn.Module) and _on_an_accelerator(value):
                state[name] = copy.deepcopy(value).cpu()
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "network_" in state:
            self.device_ = device_or_cpu(self.device_)
            self.network_.to(self.device_)


def _on_an_accelerator(module):
    return any(tensor.device.type != "cpu" for tensor in module.state_dict().values())
