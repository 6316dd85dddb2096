"""One network trained by two processes under torchrun, on the CPU with gloo.

Each test launches ``tests/distributed_fit.py`` as users launch a script,
``torchrun --standalone --nproc_per_node=2``, with a timeout: a rank that
waits for ever fails the test instead of hanging it.
"""

import json
import pathlib
import pickle
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from skseq2seq import Seq2SeqLSTMForecaster

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from distributed_fit import PANELS, flat_weights  # noqa: E402

TINY = {"hidden_size": 8, "max_steps": 24, "batch_size": 16, "random_state": 0}

pytestmark = pytest.mark.skipif(
    not torch.distributed.is_available(), reason="torch built without distributed"
)


def torchrun(tmp_path, params, panel, ranks=2):
    """Run ``distributed_fit.py`` on ``ranks`` processes, as users launch it."""
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={ranks}",
        str(HERE / "distributed_fit.py"),
        str(tmp_path),
        json.dumps(params),
        panel,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def assert_succeeded(result, tmp_path):
    """Fail with what torchrun and each rank wrote, if a rank failed."""
    # a rank killed by a signal writes nothing of its own: torchrun tells
    assert result.returncode == 0, result.stderr[-3000:] + "".join(
        path.read_text()[-2000:] for path in tmp_path.glob("stderr*.txt")
    )


def launch(tmp_path, params, panel="four", ranks=2):
    """Run the fit on ``ranks`` processes; return each rank's arrays."""
    assert_succeeded(torchrun(tmp_path, params, panel, ranks), tmp_path)
    return [dict(np.load(tmp_path / f"rank{rank}.npz")) for rank in range(ranks)]


def one_process(params, panel="four"):
    torch.set_num_threads(1)
    return Seq2SeqLSTMForecaster(**params).fit(PANELS[panel](), fh=[1, 2, 3])


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two_ranks")
    return folder, launch(folder, {**TINY, "verbose": True})


def test_two_ranks_end_with_one_forecaster_equal_to_one_process(two_ranks):
    _, (first, second) = two_ranks
    # the ranks hold the same network, bit for bit, and forecast alike
    np.testing.assert_array_equal(first["weights"], second["weights"])
    np.testing.assert_array_equal(first["forecast"], second["forecast"])
    np.testing.assert_array_equal(first["scale"], second["scale"])
    # each took half of every batch of 16: together, one process's steps
    alone = one_process(TINY)
    # (the ranks' gradients are summed in another order: float32 round-off)
    np.testing.assert_allclose(
        first["weights"], flat_weights(alone.network_), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(first["forecast"], alone.predict().to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(
        first["train_loss"], alone.history_["train_loss"], rtol=1e-6
    )


def test_the_model_rank_0_saved_loads_in_a_plain_process(two_ranks):
    folder, (first, _) = two_ranks
    loaded = Seq2SeqLSTMForecaster.load_safe(folder / "model.zip")
    np.testing.assert_array_equal(loaded.predict().to_numpy(), first["forecast"])


def test_progress_comes_from_rank_0_alone(two_ranks):
    folder, _ = two_ranks
    assert "train_loss=" in (folder / "stderr0.txt").read_text()
    assert "train_loss=" not in (folder / "stderr1.txt").read_text()


def test_training_together_warns_of_nothing(two_ranks):
    # torch 2.13 deprecates DistributedDataParallel's broadcast_buffers
    folder, _ = two_ranks
    for rank in (0, 1):
        assert "broadcast_buffers" not in (folder / f"stderr{rank}.txt").read_text()


def test_early_stopping_stops_every_rank_at_the_same_epoch(tmp_path):
    params = {
        **TINY,
        "max_steps": None,
        "num_epochs": 40,
        "validation_size": 0.3,
        "patience": 2,
        "lr": 0.05,  # brisk, so that patience runs out well before 40
    }
    first, second = launch(tmp_path, params)
    assert len(first["monitored_loss"]) == len(second["monitored_loss"]) < 40
    np.testing.assert_array_equal(first["monitored_loss"], second["monitored_loss"])
    alone = one_process(params)
    assert len(alone.history_) == len(first["monitored_loss"])
    np.testing.assert_allclose(
        first["monitored_loss"], alone.history_["monitored_loss"], rtol=1e-4
    )


def test_fewer_windows_than_ranks_trains_without_hanging(tmp_path):
    params = {**TINY, "window_length": 1, "max_steps": 5}
    first, second = launch(tmp_path, params, panel="one window")
    np.testing.assert_array_equal(first["weights"], second["weights"])
    # the rank without a window trained at weight 0: the result is one process's
    alone = one_process(params, panel="one window")
    np.testing.assert_allclose(
        first["weights"], flat_weights(alone.network_), rtol=1e-5, atol=1e-6
    )


def test_a_time_budget_stops_every_rank_at_the_same_step(tmp_path):
    # rank 1 starts its clock 0.3 s late: rank 0's runs out first, in or
    # between epochs, and both stop there
    params = {**TINY, "max_steps": None, "max_time": 1.0, "batch_size": 4}
    first, second = launch(tmp_path, {**params, "_delay_rank_1": 0.3})
    assert len(first["train_loss"]) == len(second["train_loss"])
    np.testing.assert_array_equal(first["weights"], second["weights"])


def test_the_embedder_trains_across_ranks_as_in_one_process(tmp_path):
    from distributed_fit import sequences

    from skseq2seq import Seq2SeqLSTMEmbedder

    params = {"hidden_size": 6, "num_epochs": 3, "batch_size": 8, "random_state": 0}
    first, second = launch(tmp_path, params, panel="embedder")
    np.testing.assert_array_equal(first["weights"], second["weights"])
    torch.set_num_threads(1)
    alone = Seq2SeqLSTMEmbedder(**params).fit(sequences())
    np.testing.assert_allclose(
        first["weights"], flat_weights(alone.network_), rtol=1e-5, atol=1e-6
    )


def test_a_rank_may_fit_alone_after_pretraining_together(tmp_path):
    first, second = launch(tmp_path, {**TINY, "max_steps": 4}, panel="pretrained")
    np.testing.assert_array_equal(first["weights"], second["weights"])
    assert np.load(tmp_path / "alone.npy").shape == (3, 1)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("rank series", "were given different data"),
        ("rank keys", "were given different data"),
        ("rank columns", "were given different data"),
        (
            "rank parameters",
            r"given different parameters \(batch_size, hidden_size, max_steps\)",
        ),
        ("rank loss", r"built different networks \(.*loss"),
        ("rank validation", r"given different parameters \(validation_size\)"),
        ("rank horizon", r"given different parameters \(fh\)"),
        ("rank without X", r"built different networks \(n_covariates\)"),
    ],
)
def test_ranks_given_different_data_stop_with_one_clear_error(tmp_path, case, message):
    # what rank 1 is given differs from rank 0's: every rank must refuse,
    # none hang, none train on a mix
    assert torchrun(tmp_path, TINY, case).returncode != 0
    for rank in (0, 1):
        assert re.search(message, (tmp_path / f"stderr{rank}.txt").read_text())


@pytest.mark.parametrize("case", ["update seen", "update missing"])
def test_ranks_updated_with_different_data_stop_with_one_clear_error(tmp_path, case):
    # rank 1 has nothing to train on: it must not leave rank 0 waiting in a
    # collective, nor take part in the next update's out of step
    assert torchrun(tmp_path, TINY, case).returncode != 0
    for rank in (0, 1):
        assert "some have windows to train on and others none" in (
            (tmp_path / f"stderr{rank}.txt").read_text()
        )


def test_ranks_updated_alike_train_together(tmp_path):
    from distributed_fit import updated_by_rank

    first, second = launch(tmp_path, TINY, panel="update alike")
    np.testing.assert_array_equal(first["weights"], second["weights"])
    torch.set_num_threads(1)
    alone = Seq2SeqLSTMForecaster(**TINY).fit(PANELS["four"](), fh=[1])
    epochs = len(alone.history_)
    alone.update(updated_by_rank("update alike", 0))
    assert first["epochs"] == len(alone.history_) > epochs  # update trained
    np.testing.assert_allclose(
        first["weights"], flat_weights(alone.network_), rtol=1e-5, atol=1e-6
    )


def test_ranks_given_alike_what_prints_unlike_train_together(tmp_path):
    # a lambda prints its address, a dict its keys' order; neither differs
    assert_succeeded(torchrun(tmp_path, TINY, "rank alike"), tmp_path)


def test_loading_under_a_launcher_s_environment_joins_no_group(tmp_path, monkeypatch):
    fitted = one_process({**TINY, "max_steps": 2})
    path = fitted.save_safe(tmp_path / "model.zip")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", "29999")
    loaded = Seq2SeqLSTMForecaster.load_safe(path)
    unpickled = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(loaded.predict(), unpickled.predict())
    assert not torch.distributed.is_initialized()


def test_each_launched_process_names_its_own_gpu(monkeypatch):
    from skseq2seq._distributed import local_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert local_device("auto") == "auto"  # no launcher: unchanged
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert local_device("auto") == local_device("cuda") == "cuda:1"
    assert local_device(torch.device("cuda")) == "cuda:1"
    assert local_device("cuda:0") == "cuda:0" and local_device("cpu") == "cpu"


def test_a_plain_process_starts_no_group():
    forecaster = one_process({**TINY, "max_steps": 2})
    assert not torch.distributed.is_initialized()
    assert isinstance(forecaster.predict(), pd.DataFrame)


def test_a_launcher_variable_that_is_not_a_number_is_named(monkeypatch):
    from skseq2seq._distributed import launched

    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(ValueError, match="WORLD_SIZE='two' is not an integer"):
        launched()
