"""Fit one forecaster under a launcher, and write what this rank ends with.

Run the way users run it (``tests/test_distributed.py`` does)::

    torchrun --standalone --nproc_per_node=2 tests/distributed_fit.py OUT PARAMS PANEL

``PARAMS`` is the forecaster's parameters as JSON; ``PANEL`` names one of
:data:`PANELS`. Each rank writes ``rank<r>.npz`` (weights, forecast, history)
and its standard error to ``OUT``; rank 0 alone also saves the model.
"""

import json
import os
import pathlib
import sys

import numpy as np
import pandas as pd
import torch


def panel(lengths, seed=0):
    """Positive series with a trend and a season of 12, one per length."""
    rng = np.random.default_rng(seed)
    frames = []
    for number, length in enumerate(lengths):
        t = np.arange(length)
        values = 50 + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12 + number)
        values = values + rng.normal(0, 1, length)
        index = pd.MultiIndex.from_arrays(
            [
                [f"s{number}"] * length,
                pd.period_range("2000-01", periods=length, freq="M"),
            ]
        )
        frames.append(pd.DataFrame({"y": values}, index=index))
    return pd.concat(frames)


def sequences():
    """Twenty sines of random phase, in sktime's numpy3D layout."""
    phases = np.random.default_rng(1).uniform(0, 6, (20, 1, 1))
    return np.sin(np.arange(30)[None, None] / 3 + phases)


#: The panels the tests fit, by name.
PANELS = {
    "four": lambda: panel([60, 48, 72, 40]),
    # two observed values: one training window, fewer than the ranks
    "one window": lambda: panel([2]),
}


def given_to_rank(case, rank, params):
    """What ``rank`` fits in ``case``, and with which ``fh``: rank 1's differs."""
    # in "rank keys", two series as long: only where each sits tells them apart
    y = panel([48, 48, 72, 40] if case == "rank keys" else [60, 48, 72, 40])
    X = pd.DataFrame(
        {"a": np.arange(len(y), dtype=float), "b": np.ones(len(y))}, index=y.index
    )
    if case == "rank alike":  # what prints differently in each process, alike
        params = {
            **params,
            "lr_scheduler": "LambdaLR",
            "lr_scheduler_kwargs": {"lr_lambda": lambda epoch: 0.9**epoch},
            "optimizer_kwargs": dict(
                sorted({"eps": 1e-8, "betas": (0.9, 0.99)}.items(), reverse=rank)
            ),
        }
    fh = [1, 2, 3]
    if rank == 0 or case == "rank alike":
        return y, X, params, fh
    if case == "rank without X":  # the network reads no covariate
        X = None
    if case == "rank series":  # one series fewer
        y = y.drop("s3")
        X = X.loc[y.index]
    if case == "rank keys":  # the same series, two of them under each other's key
        swapped = {"s0": "s1", "s1": "s0"}
        y = y.rename(index=swapped, level=0).sort_index()
        X = X.rename(index=swapped, level=0).sort_index()
    if case == "rank columns":  # X's columns in the other order
        X = X[["b", "a"]]
    if case == "rank parameters":  # the network holds hidden_size too
        params = {**params, "batch_size": 8, "max_steps": 12, "hidden_size": 4}
    if case == "rank loss":  # a value at 0: loss="auto" resolves to squared error
        y = y.copy()
        y.iloc[5] = 0.0
    if case == "rank validation":  # another split of the same windows
        params = {**params, "validation_size": 0.3}
    if case == "rank horizon":
        fh = [1, 2, 4]
    return y, X, params, fh


def updated_by_rank(case, rank):
    """The rows each rank updates with after fitting on ``four``'s panel."""
    longer = panel([63, 51, 75, 43])  # three rows more of each series
    new = longer.groupby(level=0, group_keys=False).apply(lambda rows: rows[-3:])
    if case == "update alike" or rank == 0:
        return new
    if case == "update seen":  # rows rank 1 was given before: nothing new
        return PANELS["four"]()
    return new.assign(y=np.nan)  # "update missing": nothing observed


def flat_weights(network):
    return np.concatenate(
        [
            tensor.detach().cpu().numpy().ravel()
            for tensor in network.state_dict().values()
        ]
    )


def main(out, params, name):
    torch.set_num_threads(1)
    rank = int(os.environ.get("RANK", "0"))
    out.mkdir(parents=True, exist_ok=True)
    sys.stderr = open(out / f"stderr{rank}.txt", "w")  # noqa: SIM115 (until exit)
    import time

    from skseq2seq import Seq2SeqLSTMForecaster

    if rank == 1:  # the ranks start their clocks apart, as on a busy machine
        time.sleep(params.pop("_delay_rank_1", 0.0))
    params.pop("_delay_rank_1", None)
    if name == "pretrained":  # pretrain together, then one rank fits alone
        forecaster = Seq2SeqLSTMForecaster(**params)
        forecaster.pretrain(PANELS["four"](), fh=[1, 2, 3])
        if rank == 0:  # nothing to train: no rank to wait for
            alone = forecaster.fit(PANELS["four"]().loc[["s0"]], fh=[1, 2, 3])
            np.save(out / "alone.npy", alone.predict().to_numpy())
        np.savez(
            out / f"rank{rank}.npz",
            weights=flat_weights(forecaster.pretrained_network_),
        )
        return
    if name.startswith("rank "):  # rank 1 given other data: refused alike
        y, X, params, fh = given_to_rank(name, rank, params)
        Seq2SeqLSTMForecaster(**params).fit(y, X=X, fh=fh)
        return
    if name.startswith("update "):  # fit together, then update: alike, or not
        forecaster = Seq2SeqLSTMForecaster(**params)
        forecaster.fit(PANELS["four"](), fh=[1])
        forecaster.update(updated_by_rank(name, rank))
        np.savez(
            out / f"rank{rank}.npz",
            weights=flat_weights(forecaster.network_),
            epochs=len(forecaster.history_),
        )
        return
    if name == "embedder":  # the embedder trains through the same loop
        from skseq2seq import Seq2SeqLSTMEmbedder

        embedder = Seq2SeqLSTMEmbedder(**params).fit(sequences())
        np.savez(
            out / f"rank{rank}.npz",
            weights=flat_weights(embedder.network_),
            embedding=embedder.transform(sequences()).to_numpy(),
        )
        return
    forecaster = Seq2SeqLSTMForecaster(**params).fit(PANELS[name](), fh=[1, 2, 3])
    np.savez(
        out / f"rank{rank}.npz",
        weights=flat_weights(forecaster.network_),
        forecast=forecaster.predict().to_numpy(),
        train_loss=forecaster.history_["train_loss"].to_numpy(),
        monitored_loss=forecaster.history_["monitored_loss"].to_numpy(),
        scale=forecaster.scale_scale_,
    )
    if rank == 0:  # one process writes the files
        forecaster.save_safe(out / "model.zip")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3])
