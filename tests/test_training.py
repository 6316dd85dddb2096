import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import torch

from skseq2seq import Seq2SeqLSTMForecaster, _training
from skseq2seq._network import Seq2SeqNetwork
from skseq2seq._training import (
    TrainingConfig,
    evaluate,
    make_optimizer,
    teacher_forcing_ratio_at,
    teacher_inputs,
    train_network,
)
from skseq2seq._windows import WindowSet, split_windows

DEFAULTS = {
    "training_strategy": "recursive",
    "teacher_forcing_ratio": 0.5,
    "teacher_forcing_decay": 0.0,
}


def config(**fields):
    """A config of the loop's settings: recursion, no budget, no extras."""
    unset = dict.fromkeys(field.name for field in dataclasses.fields(TrainingConfig))
    plain = {"batch_size": 32, "precision": "32", "verbose": False, **DEFAULTS}
    return TrainingConfig(**{**unset, **plain, **fields})


def sine_windows(n=200, window_length=12, horizon=4, validation_size=None):
    values = torch.sin(torch.arange(n) * 2 * torch.pi / 20)[:, None]
    train, valid = split_windows([n], window_length, horizon, validation_size)
    return (
        WindowSet(values, train, window_length, horizon, n_targets=1),
        WindowSet(values, valid, window_length, horizon, n_targets=1),
    )


LOOP_ARGUMENTS = ("max_steps", "valid_windows", "scheduler", "step_scheduler", "device")


def train(net, windows, num_epochs, lr=0.01, **kwargs):
    """Train with Adam; keyword arguments of the loop go to it, the rest to config."""
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    loop = {name: kwargs.pop(name) for name in LOOP_ARGUMENTS if name in kwargs}
    return train_network(
        net, windows, optimizer, config(**kwargs), num_epochs=num_epochs, **loop
    )


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
    teacher, mask = teacher_inputs("mixed", 1.0, target)
    assert teacher is target and mask is None  # every step teacher-forced
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
    windows, _ = sine_windows()
    net = Seq2SeqNetwork(
        1, n_past_covariates=1, hidden_size=16, decoder_input=decoder_input
    )
    history = train(net, windows, 15, training_strategy=strategy)
    assert [row["epoch"] for row in history] == list(range(15))
    assert history[-1]["train_loss"] < 0.2 * history[0]["train_loss"]
    assert all(math.isfinite(row["seconds"]) for row in history)
    assert all(math.isnan(row["valid_loss"]) for row in history)


def test_every_window_is_seen_once_per_epoch(monkeypatch):
    # the divergence check's reference score reads a sample before training
    monkeypatch.setattr(_training, "reference_mse", lambda windows: 1.0)
    windows, _ = sine_windows(n=50)
    seen = []
    original = windows.batch

    def spy(starts, device=None):
        seen.extend(starts.tolist())
        return original(starts, device)

    windows.batch = spy
    train(Seq2SeqNetwork(1, reads_availability=True, hidden_size=4), windows, 2)
    assert sorted(seen) == sorted(windows.starts.tolist() * 2)


def test_validation_loss_is_the_recursive_error_on_held_out_windows():
    windows, valid = sine_windows(validation_size=0.2)
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8)
    history = train(net, windows, 3, valid_windows=valid)
    # by hand: the final weights decode every held-out window from their own
    # forecasts, no teacher, scored by the head's loss
    net.eval()
    with torch.no_grad():
        past, covariates, target, observed = valid.batch(valid.starts)
        own = net(past, valid.horizon, covariates)
        recursive = net.head.loss(own, target, observed)
        taught = net(past, valid.horizon, covariates, target)
        forced = net.head.loss(taught, target, observed)
    assert history[-1]["valid_loss"] == pytest.approx(recursive.item(), rel=1e-5)
    # the two scores differ, so the comparison tells them apart
    assert forced.item() != pytest.approx(recursive.item(), rel=1e-2)


def test_patience_stops_and_restores_the_best_weights(monkeypatch):
    windows, valid = sine_windows(validation_size=0.2)
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8)
    # a scripted validation curve: best at epoch 1, then worse
    scores = iter([0.5, 0.1, 0.3, 0.4, 0.6, 0.7, 0.8])
    snapshots = []

    def scripted(network, *args):
        snapshots.append({k: v.clone() for k, v in network.state_dict().items()})
        return next(scores)

    monkeypatch.setattr(_training, "evaluate", scripted)
    history = train(net, windows, 50, valid_windows=valid, patience=3)
    assert [row["epoch"] for row in history] == [0, 1, 2, 3, 4]
    for name, tensor in net.state_dict().items():
        torch.testing.assert_close(tensor, snapshots[1][name])


def test_patience_without_validation_watches_a_recursive_training_sample():
    windows, _ = sine_windows()
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8)
    # mixed teacher forcing: the training loss is not comparable across
    # epochs, so it is not what patience watches
    history = train(
        net,
        windows,
        4,
        patience=100,
        training_strategy="mixed",
        teacher_forcing_ratio=0.9,
        teacher_forcing_decay=0.3,
    )
    sample = windows.subset(_training.sample_starts(windows.starts, 512))
    # the best epoch's weights are restored: its score is what they give now
    best = min(row["monitored_loss"] for row in history)
    assert best == pytest.approx(evaluate(net, sample, 32), rel=1e-5)
    assert all(math.isnan(row["valid_loss"]) for row in history)
    assert all(row["monitored_loss"] != row["train_loss"] for row in history)


def test_patience_without_validation_stops_when_nothing_improves():
    windows, _ = sine_windows()
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8)
    # lr 0 never improves on epoch 0: stops after 1 + patience epochs
    history = train(net, windows, 50, lr=0.0, patience=2)
    assert len(history) == 3


def test_scheduler_lr_is_recorded_per_epoch():
    windows, _ = sine_windows(n=60)
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=4)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    history = train_network(
        net,
        windows,
        optimizer,
        config(batch_size=16),
        num_epochs=5,
        scheduler=scheduler,
    )
    np.testing.assert_allclose(
        [row["lr"] for row in history], [0.1, 0.1, 0.05, 0.05, 0.025]
    )


def test_reduce_on_plateau_is_given_the_monitored_loss():
    windows, _ = sine_windows(n=60)
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=4)
    # so small a step never improves the loss by the default 0.01% threshold:
    # epoch 0 sets the best, every later epoch lowers the lr tenfold
    optimizer = torch.optim.SGD(net.parameters(), lr=1e-6)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
    history = train_network(
        net,
        windows,
        optimizer,
        config(batch_size=16),
        num_epochs=4,
        scheduler=scheduler,
    )
    np.testing.assert_allclose([row["lr"] for row in history], [1e-6, 1e-6, 1e-7, 1e-8])


def test_gradient_clip_bounds_each_step():
    windows, _ = sine_windows(n=60)
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8)
    before = torch.nn.utils.parameters_to_vector(net.parameters()).clone()
    optimizer = torch.optim.SGD(net.parameters(), lr=1.0)
    clipped = config(batch_size=len(windows), gradient_clip=1e-3)
    train_network(net, windows, optimizer, clipped, num_epochs=1)
    # one SGD step of lr 1 moves the weights by the clipped gradient norm
    moved = torch.nn.utils.parameters_to_vector(net.parameters()) - before
    assert moved.norm().item() == pytest.approx(1e-3, rel=1e-3)


def test_a_forecast_far_worse_than_the_last_value_is_divergence():
    windows, _ = sine_windows(n=60)
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8)
    reference = _training.reference_mse(windows)
    # a head that forecasts 1e4 standard deviations off: finite, but useless
    with torch.no_grad():
        net.head.linear.bias.fill_(1e4)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.0)
    with pytest.raises(FloatingPointError, match="Training diverged.*repeating"):
        train_network(net, windows, optimizer, config(batch_size=16), num_epochs=1)
    assert 1e8 > _training.DIVERGENCE_FACTOR * reference


def test_forecasts_whose_squared_error_overflows_are_divergence():
    # a head 1e20 off: its absolute error is finite, its square is not in
    # float32, and the mean of the squares came out nan, which passed the check
    windows, _ = sine_windows(n=60)
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8, loss="mae")
    with torch.no_grad():
        net.head.linear.bias.fill_(1e20)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.0)
    with pytest.raises(FloatingPointError, match="squared error overflowed"):
        train_network(net, windows, optimizer, config(batch_size=16), num_epochs=1)


def test_ordinary_training_is_not_called_divergence():
    windows, _ = sine_windows(n=300)
    for seed in range(3):
        torch.manual_seed(seed)
        net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8)
        history = train(net, windows, 5, lr=0.05)  # a brisk but sane lr
        assert len(history) == 5


def test_step_and_time_budgets():
    windows, _ = sine_windows(n=200)  # 185 windows: 6 batches of 32
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=4)
    history = train(net, windows, None, max_steps=15)
    assert [row["steps"] for row in history] == [6, 12, 15]
    history = train(net, windows, 2, max_steps=100)
    assert [row["steps"] for row in history] == [6, 12]
    # out of time before the first step: no epoch to record, and a warning
    with pytest.warns(UserWarning, match="network is untrained") as warned:
        assert train(net, windows, None, max_time=0.0) == []
    assert warned.pop(UserWarning).filename == __file__  # the user's line
    with pytest.raises(ValueError, match="Give a training budget"):
        train(net, windows, None)


def test_a_diverging_loss_stops_with_a_clear_error():
    windows, _ = sine_windows(n=60)
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8)
    optimizer = torch.optim.SGD(net.parameters(), lr=1e30)
    with pytest.raises(FloatingPointError, match="Try a lower lr"):
        train_network(net, windows, optimizer, config(batch_size=16), num_epochs=5)


def test_interrupt_keeps_the_best_weights_and_warns(monkeypatch):
    windows, _ = sine_windows()
    net = Seq2SeqNetwork(1, reads_availability=True, hidden_size=8)
    calls = []
    snapshots = []
    real_epoch = _training._train_epoch

    def interrupted_on_third(network, *args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        loss = real_epoch(network, *args)
        snapshots.append(
            ({k: v.clone() for k, v in network.state_dict().items()}, loss)
        )
        return loss

    monkeypatch.setattr(_training, "_train_epoch", interrupted_on_third)
    with pytest.warns(UserWarning, match="interrupted after 2 epoch") as warned:
        history = train(net, windows, 10)
    assert warned.pop(UserWarning).filename == __file__  # the user's line
    assert len(history) == 2
    best_state = min(snapshots, key=lambda pair: pair[1])[0]
    for name, tensor in net.state_dict().items():
        torch.testing.assert_close(tensor, best_state[name])


def test_progress_bar_only_when_asked(capsys):
    windows, _ = sine_windows(n=40)
    train(
        Seq2SeqNetwork(1, reads_availability=True, hidden_size=4),
        windows,
        2,
        verbose=True,
    )
    assert "2/2" in capsys.readouterr().err
    train(Seq2SeqNetwork(1, reads_availability=True, hidden_size=4), windows, 2)
    assert capsys.readouterr().err == ""


def test_progress_bar_counts_the_epoch_a_budget_ends(capsys):
    windows, _ = sine_windows(n=40)  # 25 windows: one step an epoch
    history = train(
        Seq2SeqNetwork(1, reads_availability=True, hidden_size=4),
        windows,
        5,
        max_steps=2,
        verbose=True,
    )
    assert len(history) == 2
    assert "2/5" in capsys.readouterr().err


def test_the_config_maps_each_estimator_parameter_of_its_name():
    from skseq2seq import Seq2SeqLSTMForecaster

    params = Seq2SeqLSTMForecaster(lr=np.float32(0.25), batch_size=7).get_params()
    config = TrainingConfig.from_params(params)
    for field in dataclasses.fields(TrainingConfig):
        assert getattr(config, field.name) == params[field.name], field.name
    # numpy numbers become Python's, so torch never sees them
    assert type(config.lr) is float and config.lr == 0.25
    # a parameter that is missing (renamed, say) is an error, not a default
    del params["lr"]
    with pytest.raises(KeyError, match="lr"):
        TrainingConfig.from_params(params)


def test_the_forecaster_s_signature_is_the_one_source_of_defaults(monkeypatch):
    from skseq2seq import Seq2SeqLSTMForecaster

    seen = {}

    def spy(network, windows, config, device, valid_windows=None, compared=None):
        seen["config"] = config
        raise KeyboardInterrupt  # enough: the config is what was wanted

    monkeypatch.setattr(_training, "fit_network", spy)
    with pytest.raises(KeyboardInterrupt):
        Seq2SeqLSTMForecaster().fit(np.sin(np.arange(60.0)), fh=[1])
    assert seen["config"].lr == 3e-3 and seen["config"].lr_scheduler == "cosine"


@pytest.mark.parametrize(
    "params, match",
    [
        ({"optimizer_kwargs": {"nesterov_typo": True}}, "optimizer_kwargs do not suit"),
        (
            {"lr_scheduler": "StepLR", "lr_scheduler_kwargs": {"gamma": 0.5}},
            "lr_scheduler_kwargs do not suit StepLR.*step_size",
        ),
        # the default cosine schedule takes none: they would be ignored
        ({"lr_scheduler_kwargs": {"gamma": 0.5}}, "'cosine' takes none"),
    ],
)
def test_keyword_arguments_that_do_not_suit_are_named(params, match):
    y = pd.Series(np.sin(np.arange(40) / 3) + 2)
    with pytest.raises(ValueError, match=match):
        Seq2SeqLSTMForecaster(hidden_size=4, max_steps=2, **params).fit(y, fh=[1])
