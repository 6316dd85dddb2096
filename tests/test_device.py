import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from skseq2seq import Seq2SeqLSTMEmbedder, Seq2SeqLSTMForecaster, _device
from skseq2seq._device import (
    PicklesNetworksOnCPU,
    available_devices,
    check_can_train,
    draw_seed,
    resolve_device,
    seeded,
)

CPU = torch.device("cpu")


def test_auto_resolves_to_a_present_device():
    device = resolve_device("auto")
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else ("mps" if torch.backends.mps.is_available() else "cpu")
    )
    assert device.type == expected


def test_cpu_and_torch_device_are_honoured():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_missing_cuda_names_the_devices_present():
    with pytest.raises(ValueError, match=r"not available.*\['cpu'"):
        resolve_device("cuda")


def test_a_device_that_cannot_exist():
    with pytest.raises(ValueError, match="cuda:99"):
        resolve_device("cuda:99")
    with pytest.raises(ValueError, match="not a device name"):
        resolve_device("tpu-please")


def test_available_devices_starts_with_cpu():
    assert available_devices()[0] == "cpu"


def test_draw_seed_follows_random_state():
    assert draw_seed(3) == draw_seed(3)
    assert draw_seed(3) != draw_seed(4)


def test_seeded_restores_the_global_generator():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with seeded(7, CPU):
        torch.rand(100)
    torch.testing.assert_close(torch.rand(3), expected)


def test_seeded_on_the_cpu_leaves_cuda_alone(monkeypatch):
    def touch(*args, **kwargs):
        raise AssertionError("CUDA's generators were touched")

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "manual_seed_all", touch)
    monkeypatch.setattr(torch.cuda, "get_rng_state", touch)
    with seeded(0, CPU):
        torch.rand(1)


def test_seeded_is_reproducible():
    with seeded(7, CPU):
        first = torch.rand(3)
    with seeded(7, CPU):
        second = torch.rand(3)
    torch.testing.assert_close(first, second)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_float16_needs_cuda(monkeypatch):
    with pytest.raises(ValueError, match="'16-mixed' needs a CUDA device"):
        resolve_device("cpu", precision="16-mixed")
    # the way out offered is one this CPU can take
    for runs_bf16, offered in [(True, "'bf16' or '32' there"), (False, "='32' there")]:
        monkeypatch.setattr(_device, "cpu_runs_bf16", lambda runs=runs_bf16: runs)
        with pytest.raises(ValueError, match=offered):
            resolve_device("cpu", precision="16-mixed")


def test_bf16_on_the_cpu_only_where_it_runs(monkeypatch):
    monkeypatch.setattr(_device, "cpu_runs_bf16", lambda: True)
    assert resolve_device("cpu", precision="bf16") == torch.device("cpu")
    monkeypatch.setattr(_device, "cpu_runs_bf16", lambda: False)
    with pytest.raises(ValueError, match="bfloat16 LSTMs.*Use precision='32'"):
        resolve_device("cpu", precision="bf16")


def test_seeding_on_mps_restores_its_generator(monkeypatch):
    # an MPS generator as torch.mps exposes it, on any machine
    generator = {"state": torch.tensor([7], dtype=torch.uint8)}
    monkeypatch.setattr(torch.mps, "get_rng_state", lambda: generator["state"])
    monkeypatch.setattr(
        torch.mps, "set_rng_state", lambda state: generator.update(state=state)
    )
    monkeypatch.setattr(
        torch.mps,
        "manual_seed",
        lambda seed: generator.update(state=torch.tensor([seed], dtype=torch.uint8)),
    )
    before_cpu = torch.get_rng_state()
    with seeded(3, torch.device("mps")):
        assert generator["state"].item() == 3
    assert generator["state"].item() == 7
    torch.testing.assert_close(torch.get_rng_state(), before_cpu)


class TestPicklingNetworksOnTheCPU:
    """Forecaster and embedder pickle their networks by one piece of code."""

    @pytest.mark.parametrize(
        "estimator",
        [
            Seq2SeqLSTMForecaster(hidden_size=4, num_epochs=1),
            Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=1),
        ],
        ids=["forecaster", "embedder"],
    )
    def test_a_network_on_an_accelerator_is_pickled_from_a_cpu_copy(
        self, estimator, monkeypatch
    ):
        assert isinstance(estimator, PicklesNetworksOnCPU)
        estimator.network_ = torch.nn.Linear(2, 2)
        estimator.device_ = torch.device("cpu")
        monkeypatch.setattr(_device, "_on_an_accelerator", lambda module: True)
        state = estimator.__getstate__()
        assert state["network_"] is not estimator.network_
        torch.testing.assert_close(state["network_"].weight, estimator.network_.weight)
        monkeypatch.setattr(_device, "_on_an_accelerator", lambda module: False)
        assert estimator.__getstate__()["network_"] is estimator.network_


def test_a_process_forked_after_cuda_started_keeps_off_cuda(monkeypatch):
    # as torch sees a child forked from a parent that had started CUDA
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "_is_in_bad_fork", lambda: True)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(ValueError, match="'loky' or 'dask'"):
        resolve_device("cuda")
    forecaster = Seq2SeqLSTMForecaster(hidden_size=4, num_epochs=1)
    with pytest.raises(RuntimeError, match="cannot train in it, even on the CPU"):
        forecaster.fit(pd.Series(np.sin(np.arange(60.0))), fh=[1])


def test_no_training_where_torch_cannot_run_autograd(monkeypatch):
    # a child forked after its parent trained on a GPU machine: torch's
    # autograd fails every backward pass there
    def refuse(*args, **kwargs):
        raise RuntimeError(
            "Unable to handle autograd's threading in combination with "
            "fork-based multiprocessing."
        )

    check_can_train()  # autograd still works: nothing to refuse
    monkeypatch.setattr(torch.autograd, "backward", refuse)
    forecaster = Seq2SeqLSTMForecaster(hidden_size=4, num_epochs=1, device="cpu")
    with pytest.raises(RuntimeError, match="cannot train in it, even on the CPU"):
        forecaster.fit(pd.Series(np.sin(np.arange(60.0))), fh=[1])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_importing_the_forecaster_sets_forked_children_to_one_thread():
    # what joblib's "multiprocessing" backend needs (see the user guide)
    script = (
        "import os, torch\n"
        "from skseq2seq import Seq2SeqLSTMForecaster\n"
        "torch.set_num_threads(2)\n"
        "reader, writer = os.pipe()\n"
        "if os.fork() == 0:\n"
        "    os.write(writer, str(torch.get_num_threads()).encode())\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        "print(torch.get_num_threads(), os.read(reader, 8).decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == ["2", "1"], result.stderr
