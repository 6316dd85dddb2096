import pytest
import torch

from skseq2seq._device import available_devices, draw_seed, resolve_device, seeded


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
    with seeded(7):
        torch.rand(100)
    torch.testing.assert_close(torch.rand(3), expected)


def test_seeded_is_reproducible():
    with seeded(7):
        first = torch.rand(3)
    with seeded(7):
        second = torch.rand(3)
    torch.testing.assert_close(first, second)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_float16_needs_cuda():
    with pytest.raises(ValueError, match="'16-mixed' needs a CUDA device"):
        resolve_device("cpu", precision="16-mixed")
    assert resolve_device("cpu", precision="bf16") == torch.device("cpu")
