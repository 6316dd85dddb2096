"""Tuning on several processes: every backend sktime offers, and a dask cluster."""

import subprocess
import sys
import textwrap

import pytest
import torch

SEARCH = """
from sktime.datasets import load_airline
from sktime.forecasting.model_selection import ForecastingGridSearchCV
from sktime.split import ExpandingWindowSplitter
from skseq2seq import Seq2SeqLSTMForecaster


def search(backend, **kwargs):
    cv = ExpandingWindowSplitter(initial_window=110, step_length=15, fh=[1, 2, 3])
    search = ForecastingGridSearchCV(
        Seq2SeqLSTMForecaster(
            hidden_size=4, num_epochs=2, random_state=0, device="cpu"
        ),
        cv=cv, param_grid={"hidden_size": [2, 4]}, backend=backend, **kwargs,
    )
    search.fit(load_airline())
    return search.cv_results_["mean_test_MeanAbsolutePercentageError"].tolist()
"""


def run_isolated(body, timeout=240):
    """Run ``body`` in a fresh interpreter, as a user's script would run."""
    script = SEARCH + textwrap.dedent(body)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def serial_scores():
    exec(SEARCH, namespace := {})
    return namespace["search"](None)


FORKS_AFTER_GPU_TRAINING = pytest.mark.skipif(
    torch.cuda.is_available(),
    reason="with a GPU present, torch cannot train in a child forked after "
    "training; test_forked_children_on_a_gpu_machine covers that",
)


@pytest.mark.parametrize(
    "backend",
    [
        "loky",
        pytest.param("multiprocessing", marks=FORKS_AFTER_GPU_TRAINING),
        "threading",
    ],
)
def test_joblib_backends_match_the_serial_search(backend, serial_scores):
    # torch first runs in the parent on two threads: a process forked after
    # that used to hang on its first parallel op under "multiprocessing"
    out = run_isolated(f"""
        import torch
        torch.set_num_threads(2)
        Seq2SeqLSTMForecaster(num_epochs=1, device="cpu").fit(
            load_airline(), fh=[1, 2]
        )
        print(search({backend!r}, backend_params={{"n_jobs": 2}}))
    """)
    assert out.strip() == str(serial_scores)


@pytest.mark.slow
def test_dask_cluster_of_worker_processes(serial_scores):
    out = run_isolated("""
        from distributed import Client, LocalCluster, get_task_stream

        if __name__ == "__main__":
            cluster = LocalCluster(n_workers=2, threads_per_worker=1,
                                   processes=True, dashboard_address=None)
            with cluster, Client(cluster) as client:
                with get_task_stream(client) as tasks:
                    scores = search("dask")
                workers = {task["worker"] for task in tasks.data}
                print(len(client.scheduler_info()["workers"]), len(workers))
                print(scores)
    """)
    counts, scores = out.strip().splitlines()
    n_workers, n_used = map(int, counts.split())
    # two worker processes, and the search's tasks ran on both
    assert n_workers == 2 and n_used == 2
    assert scores == str(serial_scores)


def test_forked_children_run_torch_on_one_thread():
    out = run_isolated("""
        import os, torch
        torch.set_num_threads(2)
        torch.ones(1000, 1000) @ torch.ones(1000, 1000)
        read, write = os.pipe()
        if os.fork() == 0:
            os.write(write, str(torch.get_num_threads()).encode())
            os._exit(0)
        os.wait()
        print(torch.get_num_threads(), os.read(read, 8).decode())
    """)
    # the parent keeps its two threads; the child gets one
    assert out.split() == ["2", "1"]


@pytest.mark.gpu
def test_forked_children_on_a_gpu_machine():
    out = run_isolated("""
        import torch
        from joblib import Parallel, delayed

        def fit_in_child(device):
            forecaster = Seq2SeqLSTMForecaster(hidden_size=4, num_epochs=1,
                                               device=device)
            try:
                forecaster.fit(load_airline(), fh=[1, 2])
            except (ValueError, RuntimeError) as error:
                return f"error | {error}"
            return str(forecaster.device_)

        def fit_in_children():
            # each call forks a fresh pool of two
            print(*Parallel(n_jobs=2, backend="multiprocessing")(
                delayed(fit_in_child)(device) for device in ["auto", "cuda"]
            ), sep="\\n")

        Seq2SeqLSTMForecaster(num_epochs=1, device="cpu").fit(
            load_airline(), fh=[1, 2]
        )  # the parent trains on the CPU
        print(f"parent started CUDA: {torch.cuda.is_initialized()}")
        fit_in_children()
        torch.ones(1, device="cuda")  # now it starts CUDA
        fit_in_children()
    """)
    started, *children = out.strip().splitlines()
    assert started == "parent started CUDA: False"  # seeding on the CPU
    # torch cannot train in either child, even on the CPU: fit says so
    assert len(children) == 4
    for line in children:
        assert line.startswith("error |"), line
        assert "cannot train in it, even on the CPU" in line, line
