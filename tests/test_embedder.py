"""The encoder as a sequence embedding: shapes, determinism, what it captures."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.datasets import load_unit_test

from skseq2seq import Seq2SeqLSTMEmbedder

TINY = {"hidden_size": 6, "num_epochs": 3, "random_state": 0}


@pytest.fixture(scope="module")
def unit_test():
    return load_unit_test(split="train", return_X_y=True, return_type="numpy3D")


def test_one_fixed_length_row_per_series(unit_test):
    X, _ = unit_test
    embedding = Seq2SeqLSTMEmbedder(**TINY).fit_transform(X)
    assert embedding.shape == (len(X), 6)
    assert list(embedding.columns) == [f"embedding_{i}" for i in range(6)]
    assert np.isfinite(embedding.to_numpy()).all()


def test_series_of_another_length_embed_to_the_same_width(unit_test):
    X, _ = unit_test
    embedder = Seq2SeqLSTMEmbedder(**TINY).fit(X)
    shorter = np.random.default_rng(0).normal(size=(5, 1, 10))  # numpy3D
    embedding = embedder.transform(shorter)
    assert embedding.shape == (5, 6)
    # by hand: each series standardised on its own, then the encoder's output
    values = shorter.transpose(0, 2, 1)  # [series, time, channels]
    scaled = (values - values.mean(1, keepdims=True)) / values.std(1, keepdims=True)
    with torch.no_grad():
        context, _ = embedder.network_.encode(torch.tensor(scaled, dtype=torch.float32))
    np.testing.assert_allclose(
        embedding.to_numpy(), context.numpy(), rtol=1e-5, atol=1e-6
    )


def test_same_random_state_same_embedding(unit_test):
    X, _ = unit_test
    first = Seq2SeqLSTMEmbedder(**TINY).fit_transform(X)
    second = Seq2SeqLSTMEmbedder(**TINY).fit_transform(X)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    other = Seq2SeqLSTMEmbedder(**{**TINY, "random_state": 1}).fit_transform(X)
    assert not np.allclose(first, other)


def test_the_encoder_is_the_forecasters_and_is_trained_to_reconstruct(unit_test):
    X, _ = unit_test
    embedder = Seq2SeqLSTMEmbedder(
        hidden_size=16, num_epochs=30, lr=1e-2, random_state=0
    ).fit(X)
    loss = embedder.history_["train_loss"]
    assert loss.iloc[-1] < 0.5 * loss.iloc[0]
    # transform is the trained network's embed() of the scaled series
    sequences = X.transpose(0, 2, 1)
    scaled = (sequences - sequences.mean(1, keepdims=True)) / sequences.std(
        1, keepdims=True
    )
    with torch.no_grad():
        scaled = torch.tensor(scaled, dtype=torch.float32, device=embedder.device_)
        expected = embedder.network_.embed(scaled).cpu().numpy()
    np.testing.assert_allclose(embedder.transform(X), expected, rtol=1e-6)


@pytest.mark.slow
def test_embeddings_separate_two_kinds_of_series():
    # fast and slow sines of random phase: once the autoencoder reconstructs
    # them (loss 1.07 -> 0.04 here), a linear boundary in the embedding tells
    # them apart; an untrained encoder's embedding does not
    rng = np.random.default_rng(0)
    t = np.arange(40)
    phases = rng.uniform(0, 2 * np.pi, 200)
    fast = np.sin(2 * np.pi * t / 8 + phases[:100, None])
    slow = np.sin(2 * np.pi * t / 20 + phases[100:, None])
    X = np.concatenate([fast, slow])[:, None, :]
    labels = np.array([0] * 100 + [1] * 100)
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    def accuracy(num_epochs):
        embedder = Seq2SeqLSTMEmbedder(
            hidden_size=8, num_epochs=num_epochs, lr=1e-2, random_state=0
        )
        embedding = embedder.fit_transform(X)
        classifier = LogisticRegression(max_iter=1000)
        return cross_val_score(classifier, embedding, labels, cv=5).mean()

    assert accuracy(40) > 0.95
    assert accuracy(1) < 0.8


def test_wrong_number_of_channels(unit_test):
    X, _ = unit_test
    embedder = Seq2SeqLSTMEmbedder(**TINY).fit(X)
    with pytest.raises(ValueError, match="fitted on 1"):
        embedder.transform(np.zeros((2, 3, 24)))


def test_invalid_parameters_are_reported_at_fit(unit_test):
    X, _ = unit_test
    with pytest.raises(ValueError, match="hidden_size must be an integer"):
        Seq2SeqLSTMEmbedder(hidden_size=0).fit(X)
    with pytest.raises(ValueError, match="verbose must be a bool or an"):
        Seq2SeqLSTMEmbedder(**TINY, verbose="no").fit(X)


def test_dropout_with_one_layer_warns_that_it_does_nothing(unit_test):
    X, _ = unit_test
    with pytest.warns(UserWarning, match="dropout=0.2 has no effect"):
        Seq2SeqLSTMEmbedder(**TINY, dropout=0.2).fit(X)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_float16_needs_cuda(unit_test):
    X, _ = unit_test
    embedder = Seq2SeqLSTMEmbedder(**TINY, precision="16-mixed", device="cpu")
    with pytest.raises(ValueError, match="needs a CUDA device"):
        embedder.fit(X)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_pickled_from_a_gpu_loads_on_the_cpu_with_a_warning(unit_test):
    import pickle

    X, _ = unit_test
    embedder = Seq2SeqLSTMEmbedder(**TINY).fit(X)
    expected = embedder.transform(X)
    # as if fitted on a GPU, as the forecaster's own test does
    embedder.device_ = torch.device("cuda", 0)
    with pytest.warns(
        UserWarning, match="fitted on cuda:0, which this machine"
    ) as warned:
        restored = pickle.loads(pickle.dumps(embedder))
    assert warned.pop(UserWarning).filename == __file__  # the user's line
    assert restored.device_ == torch.device("cpu")
    pd.testing.assert_frame_equal(restored.transform(X), expected)


@pytest.mark.gpu
def test_fitted_on_the_gpu_unpickles_without_it(unit_test):
    import pickle

    X, _ = unit_test
    embedder = Seq2SeqLSTMEmbedder(**TINY, device="cuda").fit(X)
    state = embedder.__getstate__()
    assert all(t.device.type == "cpu" for t in state["network_"].state_dict().values())
    restored = pickle.loads(pickle.dumps(embedder))
    np.testing.assert_allclose(
        restored.transform(X), embedder.transform(X), rtol=1e-5, atol=1e-6
    )


def test_series_of_different_lengths_are_refused_naming_the_fix():
    lengths = [13, 11, 9, 13]
    frames = [
        pd.DataFrame(
            {"c": np.sin(np.arange(n))},
            index=pd.MultiIndex.from_arrays([[i] * n, range(n)]),
        )
        for i, n in enumerate(lengths)
    ]
    listed = [frame.droplevel(0) for frame in frames]  # sktime's df-list
    nested = pd.DataFrame({"c": [frame["c"] for frame in listed]})  # nested_univ
    for X in (pd.concat(frames), listed, nested):
        with pytest.raises(ValueError, match=r"different lengths \(9 to 13.*Padding"):
            Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=1).fit(X)


def test_missing_values_are_refused_before_training():
    X = np.sin(np.arange(60.0)).reshape(3, 1, 20)
    X[1, 0, 3] = np.nan
    kept = X.copy()
    embedder = Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=1)
    with pytest.raises(ValueError, match=r"1 missing .* index \(1, 3\).* Imputer"):
        embedder.fit(X)
    np.testing.assert_array_equal(X, kept)
    fitted = embedder.fit(np.nan_to_num(X))
    with pytest.raises(ValueError, match="1 missing"):
        fitted.transform(X)
    listed = [pd.DataFrame({"c": series[0]}) for series in X]  # sktime's df-list
    with pytest.raises(ValueError, match=r"1 missing .* index \(1, 3\)"):
        fitted.transform(listed)


def test_arrays_of_anything_but_real_numbers_are_refused_by_dtype():
    X = np.random.default_rng(0).normal(size=(6, 1, 10))
    fitted = Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=1, random_state=0).fit(X)
    dates = np.full(X.shape, np.datetime64("2020-01-01"))
    # numpy would drop the imaginary part with a warning, read dates and time
    # spans as numbers, and name no input for text; sktime's conversion of
    # objects (None among floats) says nothing of a missing value
    gapped = np.where(np.arange(10) == 2, None, X)
    for bad in (X + 1j, dates, dates - dates, np.full(X.shape, "a"), gapped):
        for call in (Seq2SeqLSTMEmbedder(hidden_size=4).fit, fitted.transform):
            message = f"X must hold real numbers; its dtype is {bad.dtype}."
            with pytest.raises(TypeError, match=re.escape(message)):
                call(bad)
    # the fix named: the missing value is then reported as one
    with pytest.raises(ValueError, match=r"6 missing .* index \(0, 2\)"):
        fitted.transform(gapped.astype(float))


def test_unscaled_series_float32_cannot_tell_apart_warn():
    rng = np.random.default_rng(0)
    X = 20 + 1e-7 * rng.normal(size=(10, 1, 15))  # varies by 5e-9 of its level
    unscaled = {"hidden_size": 4, "num_epochs": 1, "random_state": 0, "scaling": None}
    with pytest.warns(UserWarning, match=r"Channel 0 \(series 0\) varies by") as warned:
        embedder = Seq2SeqLSTMEmbedder(**unscaled).fit(X)
    assert "scaling='series' (the default)" in str(warned[0].message)
    # what the warning is about: float32 reads every series as one
    assert len(np.unique(embedder.transform(X).to_numpy(), axis=0)) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scaled, or varying enough: no warning
        scaled = Seq2SeqLSTMEmbedder(**{**unscaled, "scaling": "series"}).fit(X)
        Seq2SeqLSTMEmbedder(**unscaled).fit(X - 20)
    assert len(np.unique(scaled.transform(X).to_numpy(), axis=0)) == 10


def test_gradient_clip_clips_the_gradient_norm(unit_test, monkeypatch):
    clipped = []
    clip = torch.nn.utils.clip_grad_norm_

    def recording(parameters, max_norm, *args, **kwargs):
        clipped.append(max_norm)
        return clip(parameters, max_norm, *args, **kwargs)

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", recording)
    X = unit_test[0]
    free = Seq2SeqLSTMEmbedder(**TINY).fit(X)
    assert clipped == []
    tight = Seq2SeqLSTMEmbedder(**TINY, gradient_clip=1e-3).fit(X)
    assert clipped and set(clipped) == {1e-3}
    assert not np.allclose(tight.transform(X), free.transform(X))
    with pytest.raises(ValueError, match="gradient_clip"):
        Seq2SeqLSTMEmbedder(**TINY, gradient_clip=0.0).fit(X)


def test_extreme_magnitudes_embed_as_unit_ones_or_are_refused():
    X = np.random.default_rng(0).normal(size=(10, 1, 50)).cumsum(-1)
    # each series standardised: 1e200 squared overflows float64, so its
    # spread once came out infinite and the series embedded as flat
    embedder = Seq2SeqLSTMEmbedder(hidden_size=4, num_epochs=2, random_state=0)
    embedder.fit(X)
    np.testing.assert_allclose(
        embedder.transform(X * 1e200).to_numpy(), embedder.transform(X).to_numpy()
    )
    # on the training data's scale, 1e200 does not fit float32: refused, not NaN
    pooled = Seq2SeqLSTMEmbedder(
        hidden_size=4, num_epochs=2, random_state=0, scaling="global"
    ).fit(X)
    with pytest.raises(ValueError, match="extreme values"):
        pooled.transform(X * 1e200)


def test_a_failed_fit_leaves_no_fitted_attribute(unit_test, monkeypatch):
    from skseq2seq import embedder

    def diverges(*args, **kwargs):
        raise FloatingPointError("the loss diverged")

    monkeypatch.setattr(embedder, "fit_network", diverges)
    fresh = Seq2SeqLSTMEmbedder(**TINY, scaling="global")
    with pytest.raises(FloatingPointError):
        fresh.fit(unit_test[0])
    assert not [name for name in vars(fresh) if name.endswith("_")]


def panel(values, keys):
    """A pd-multiindex frame of ``values`` (series, time), instances ``keys``."""
    n_series, length = values.shape
    index = pd.MultiIndex.from_tuples(
        [
            (*key, t) if isinstance(key, tuple) else (key, t)
            for key in keys
            for t in range(length)
        ]
    )
    return pd.DataFrame({"c": values.ravel()}, index=index)


def test_a_panel_in_time_order_embeds_as_in_series_order():
    values = np.random.default_rng(0).normal(size=(3, 10))
    by_series = panel(values, ["a", "b", "c"])
    by_time = by_series.sort_index(level=1, sort_remaining=False)
    kept = by_time.copy()
    embedder = Seq2SeqLSTMEmbedder(**TINY).fit(by_time)
    np.testing.assert_array_equal(
        embedder.transform(by_time).to_numpy(),
        embedder.transform(by_series).to_numpy(),
    )
    pd.testing.assert_frame_equal(by_time, kept)
    # rows follow the series' first appearance, as sktime's own order
    np.testing.assert_array_equal(
        embedder.transform(by_series.loc[["b", "a"]]).to_numpy(),
        embedder.transform(by_series).to_numpy()[[1, 0]],
    )


def test_a_series_whose_rows_run_back_in_time_embeds_as_sorted():
    values = np.random.default_rng(0).normal(size=(3, 10))
    by_series = panel(values, ["a", "b", "c"])
    embedder = Seq2SeqLSTMEmbedder(**TINY).fit(by_series)
    backwards = by_series.iloc[::-1]  # "c" first, each series from its end
    np.testing.assert_array_equal(
        embedder.transform(backwards).to_numpy(),
        embedder.transform(by_series).to_numpy()[[2, 1, 0]],
    )


def test_series_of_one_length_on_other_time_points_embed_by_position():
    # sktime's numpy3D would lay them out over all their time points
    values = np.random.default_rng(0).normal(size=(3, 10))
    aligned = panel(values, ["a", "b", "c"])
    steps = aligned.index.get_level_values(1).to_numpy()
    shift = np.repeat([0, 5, 100], 10)
    dated = [
        aligned.set_axis(
            pd.MultiIndex.from_arrays([aligned.index.get_level_values(0), t])
        )
        for t in (
            steps + shift,
            pd.Timestamp("2020-01-01") + pd.to_timedelta(steps + shift, "D"),
        )
    ]
    expected = Seq2SeqLSTMEmbedder(**TINY).fit(aligned).transform(aligned)
    for shifted in dated:
        embedder = Seq2SeqLSTMEmbedder(**TINY).fit(shifted)
        pd.testing.assert_frame_equal(embedder.transform(shifted), expected)
    # what the error for unequal lengths advises: truncating them to one
    from sktime.transformations.panel.truncation import TruncationTransformer

    uneven = aligned.drop(index=[("a", 0), ("a", 1)])
    pipeline = TruncationTransformer() * Seq2SeqLSTMEmbedder(**TINY)
    assert pipeline.fit_transform(uneven).shape == (3, TINY["hidden_size"])


def test_channels_are_read_by_name_as_in_fit():
    rng = np.random.default_rng(0)
    index = pd.MultiIndex.from_product([range(6), range(20)])
    X = pd.DataFrame(
        {"walk": rng.normal(size=120).cumsum(), "noise": rng.normal(size=120)}, index
    )
    embedder = Seq2SeqLSTMEmbedder(**TINY).fit(X)
    assert embedder.feature_names_in_ == ["walk", "noise"]
    np.testing.assert_array_equal(
        embedder.transform(X[["noise", "walk"]]).to_numpy(),
        embedder.transform(X).to_numpy(),
    )
    with pytest.raises(ValueError, match=r"columns \['a', 'noise'\], but .* fitted"):
        embedder.transform(X.rename(columns={"walk": "a"}))
    # an array has no names: its channels are read in fit's order
    array = X.to_numpy().reshape(6, 20, 2).transpose(0, 2, 1)
    np.testing.assert_allclose(
        embedder.transform(array).to_numpy(), embedder.transform(X).to_numpy()
    )


def test_a_hierarchy_is_one_panel_of_its_series():
    values = np.random.default_rng(1).normal(size=(4, 10))
    keys = [("g", "a"), ("g", "b"), ("h", "a"), ("h", "c")]
    hierarchy = panel(values, keys)
    flat = panel(values, range(4))
    embedder = Seq2SeqLSTMEmbedder(**TINY).fit(hierarchy)
    same = Seq2SeqLSTMEmbedder(**TINY).fit(flat)
    expected = same.transform(flat).to_numpy()
    np.testing.assert_array_equal(embedder.transform(hierarchy).to_numpy(), expected)
    # one network over all series: a panel's fit embeds the hierarchy alike
    np.testing.assert_array_equal(same.transform(hierarchy).to_numpy(), expected)
    assert embedder.transform(hierarchy).shape == (4, TINY["hidden_size"])


def test_a_series_constant_up_to_round_off_embeds_as_a_constant_one():
    X = np.random.default_rng(0).normal(size=(8, 1, 20))
    embedder = Seq2SeqLSTMEmbedder(hidden_size=8, num_epochs=3, random_state=0).fit(X)
    flat = embedder.transform(np.zeros((1, 1, 20))).to_numpy()
    for level, round_off in ((1e20, 1e6), (1e155, 1e141)):  # 1e155: in its units
        near = level + round_off * np.arange(20.0)[None, None]
        np.testing.assert_allclose(embedder.transform(near).to_numpy(), flat, atol=1e-6)


def test_a_series_without_a_key_is_refused():
    values = np.random.default_rng(0).normal(size=(3, 10))
    embedder = Seq2SeqLSTMEmbedder(**TINY).fit(panel(values, ["a", "b", "c"]))
    for fitted in (Seq2SeqLSTMEmbedder(**TINY).fit, embedder.transform):
        with pytest.raises(ValueError, match="X's index level 0 has 10 missing"):
            fitted(panel(values, ["a", np.nan, "c"]))


def test_a_panel_of_no_series_is_called_empty_of_rows():
    # its time level is not empty of time points: 20 of them, and no series
    X = panel(np.zeros((1, 20)), ["a"]).iloc[:0]
    with pytest.raises(ValueError, match="X is empty: it has no rows"):
        Seq2SeqLSTMEmbedder(**TINY).fit(X)


def test_bf16_embeds_in_the_precision_it_trained_in():
    from skseq2seq import _device

    if not _device.cpu_runs_bf16():
        pytest.skip("this CPU's oneDNN runs no bfloat16 LSTM")
    sequences = np.random.default_rng(0).normal(size=(6, 2, 15))
    embedder = Seq2SeqLSTMEmbedder(**TINY, precision="bf16", device="cpu")
    embedding = embedder.fit(sequences).transform(sequences).to_numpy()
    scaled = torch.from_numpy(embedder._scale(sequences.transpose(0, 2, 1), None))
    with torch.no_grad():
        in_float32 = embedder.network_.embed(scaled.float())
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            in_bf16 = embedder.network_.embed(scaled.float())
    np.testing.assert_array_equal(embedding, in_bf16.double().numpy())
    assert not np.array_equal(embedding, in_float32.double().numpy())
