import math

import numpy as np
import pytest
import torch

from skseq2seq._network import Seq2SeqNetwork
from skseq2seq._training import (
    make_optimizer,
    teacher_forcing_ratio_at,
    teacher_inputs,
    train_network,
)
from skseq2seq._windows import WindowSet


def sine_windows(n=200, window_length=12, horizon=4):
    values = np.sin(np.arange(n) * 2 * np.pi / 20)[:, None]
    return WindowSet(values, [n], window_length, horizon, n_targets=1)


def test_ratio_decays_linearly_and_stops_at_zero():
    ratios = [teacher_forcing_ratio_at(e, 0.6, 0.2) for e in range(5)]
    np.testing.assert_allclose(ratios, [0.6, 0.4, 0.2, 0.0, 0.0], atol=1e-12)
    assert teacher_forcing_ratio_at(10, 0.6, 0.0) == 0.6


def test_teacher_inputs_per_strategy():
    target = torch.zeros(1000, 5, 1)
    assert teacher_inputs("recursive", 0.9, target) == (None, None)
    teacher, mask = teacher_inputs("teacher_forcing", 0.0, target)
    assert teacher is target and mask is None
    assert teacher_inputs("mixed", 0.0, target) == (None, None)
    assert teacher_inputs("mixed", 1.0, target)[1] is None
    teacher, mask = teacher_inputs("mixed", 0.3, target)
    assert mask.shape == (1000, 5)
    # one coin per window and step
    assert abs(mask.float().mean().item() - 0.3) < 0.03


def test_make_optimizer_passes_weight_decay_and_lets_kwargs_win():
    net = torch.nn.Linear(2, 1)
    optimizer = make_optimizer(net, torch.optim.Adam, 0.01, 0.1, {"lr": 0.5})
    assert optimizer.defaults["lr"] == 0.5
    assert optimizer.defaults["weight_decay"] == 0.1


@pytest.mark.parametrize(
    ("strategy", "decoder_input"),
    [
        ("recursive", "autoregressive"),
        ("teacher_forcing", "autoregressive"),
        ("mixed", "autoregressive"),
        ("recursive", "context"),
    ],
)
def test_training_lowers_the_loss(strategy, decoder_input):
    windows = sine_windows()
    net = Seq2SeqNetwork(1, hidden_size=16, decoder_input=decoder_input)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    history = train_network(
        net,
        windows,
        optimizer,
        num_epochs=15,
        batch_size=32,
        training_strategy=strategy,
        teacher_forcing_ratio=0.5,
    )
    assert [row["epoch"] for row in history] == list(range(15))
    assert history[-1]["train_loss"] < 0.2 * history[0]["train_loss"]
    assert all(math.isfinite(row["seconds"]) for row in history)


def test_every_window_is_seen_once_per_epoch():
    windows = sine_windows(n=50)
    seen = []
    original = windows.batch

    def spy(starts, device=None):
        seen.extend(starts.tolist())
        return original(starts, device)

    windows.batch = spy
    net = Seq2SeqNetwork(1, hidden_size=4)
    train_network(
        net,
        windows,
        torch.optim.SGD(net.parameters(), lr=0.01),
        num_epochs=2,
        batch_size=7,
    )
    assert sorted(seen) == sorted(windows.starts.tolist() * 2)


def test_log_receives_each_epoch():
    windows = sine_windows(n=40)
    net = Seq2SeqNetwork(1, hidden_size=4)
    rows = []
    train_network(
        net,
        windows,
        torch.optim.SGD(net.parameters(), lr=0.01),
        num_epochs=3,
        batch_size=8,
        log=rows.append,
    )
    assert [row["epoch"] for row in rows] == [0, 1, 2]
