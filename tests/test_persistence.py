import copy
import dataclasses
import datetime
import json
import os
import pathlib
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.datasets import load_airline
from sktime.exceptions import NotFittedError

from skseq2seq import Seq2SeqLSTMForecaster

TINY = {"hidden_size": 8, "num_epochs": 2, "random_state": 0}


def datetime_frame():
    index = pd.date_range("2024-01-01", periods=60, freq="h", tz="Europe/Berlin")
    t = np.arange(60)
    return pd.DataFrame({"a": np.sin(t / 4), "b": np.cos(t / 4) + 2}, index=index)


def keyed_panel(keys):
    """Two sines of 30 points, their instances keyed by ``keys``."""
    index = pd.MultiIndex.from_product([keys, range(30)])
    return pd.DataFrame({"y": np.sin(np.arange(60.0) / 3)}, index=index)


@pytest.mark.parametrize(
    "keys",
    [
        pd.to_datetime(["2020-01-01", "2021-06-01"]),
        pd.to_datetime(["2020-01-01", "2021-06-01"]).tz_localize("Europe/Paris"),
        pd.period_range("2020", periods=2, freq="Y"),
    ],
    ids=["timestamps", "tz-timestamps", "periods"],
)
def test_instances_keyed_by_time_round_trip(keys, tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(keyed_panel(keys), fh=[1, 2])
    restored = Seq2SeqLSTMForecaster.load_safe(forecaster.save_safe(tmp_path / "m"))
    pd.testing.assert_frame_equal(restored.predict(), forecaster.predict())


def test_a_time_zone_whose_name_does_not_read_back_is_refused_at_save(tmp_path):
    # a zone its owner named reads back as none, as a dateutil zone, which
    # prints as the path of its file, does
    for name in ("Lab time", "EST"):  # no zone, and another zone's name
        tz = datetime.timezone(datetime.timedelta(hours=2), name)
        index = pd.date_range("2020-01-01", periods=40, freq="h", tz=tz)
        y = pd.Series(np.sin(np.arange(40.0)) + 3, index=index)
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1])
        with pytest.raises(TypeError, match=r"time zone .*tz_convert\('Europe/Berl"):
            forecaster.save_safe(tmp_path / "m.zip")
        assert list(tmp_path.iterdir()) == []
    named = Seq2SeqLSTMForecaster(**TINY).fit(y.tz_convert("Europe/Berlin"), fh=[1])
    restored = Seq2SeqLSTMForecaster.load_safe(named.save_safe(tmp_path / "m.zip"))
    pd.testing.assert_series_equal(restored.predict(), named.predict())


@pytest.mark.parametrize(
    "y",
    [
        pytest.param(load_airline(), id="period-index-series"),
        pytest.param(datetime_frame(), id="tz-datetime-frame"),
        pytest.param(pd.Series(np.sin(np.arange(50) / 3), name=7), id="range-index"),
    ],
)
@pytest.mark.parametrize("fh", [[1, 2, 3], None])
def test_safe_round_trip_predicts_identically(y, fh, tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=fh)
    path = forecaster.save_safe(tmp_path / "model.zip")
    restored = Seq2SeqLSTMForecaster.load_safe(path)
    assert restored.get_params() == forecaster.get_params()
    pd.testing.assert_frame_equal(restored.history_, forecaster.history_)
    for horizon in ([1, 2, 3], [2, 5]):
        expected = forecaster.predict(fh=horizon)
        got = restored.predict(fh=horizon)
        if isinstance(expected, pd.Series):
            pd.testing.assert_series_equal(got, expected, check_exact=True)
        else:
            pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize(
    "y",
    [
        pytest.param(load_airline(), id="series"),
        pytest.param(datetime_frame(), id="tz-datetime-frame"),
    ],
)
def test_data_remembered_by_sktime_comes_back_with_its_index(y, tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY).set_config(remember_data=True)
    X = pd.DataFrame({"x": np.arange(len(y), dtype=float)}, index=y.index)
    forecaster.fit(y.iloc[:-3], X=X.iloc[:-3], fh=[1, 2, 3])
    restored = Seq2SeqLSTMForecaster.load_safe(forecaster.save_safe(tmp_path / "m"))
    for name in ("_y", "_X"):
        remembered = getattr(forecaster, name)
        assert not isinstance(remembered.index, pd.RangeIndex)
        pd.testing.assert_frame_equal(getattr(restored, name), remembered)


@pytest.mark.parametrize(
    "columns",
    [
        pd.Index([1, "1"]),  # names that print alike
        pd.Index(["a", "b"], name="variable"),
        pd.MultiIndex.from_tuples([("a", 1), ("a", 2)], names=["kind", "n"]),
    ],
    ids=["print-alike", "named", "multiindex"],
)
def test_remembered_columns_come_back_as_they_were(tmp_path, columns):
    index = pd.period_range("2000-01", periods=40, freq="M")
    y = pd.DataFrame(
        {0: np.arange(40.0), 1: np.arange(40.0) ** 1.5}, index=index
    ).set_axis(columns, axis=1)
    forecaster = Seq2SeqLSTMForecaster(**TINY).set_config(remember_data=True)
    forecaster.fit(y, fh=[1, 2])
    restored = Seq2SeqLSTMForecaster.load_safe(forecaster.save_safe(tmp_path / "m"))
    pd.testing.assert_frame_equal(restored._y, forecaster._y)
    pd.testing.assert_frame_equal(restored.predict(), forecaster.predict())


def test_a_frame_keyed_by_name_in_an_older_file_still_loads(tmp_path):
    y = pd.DataFrame(
        {"a": np.arange(40.0), "b": np.arange(40.0) ** 1.5},
        index=pd.period_range("2000-01", periods=40, freq="M"),
    )
    forecaster = Seq2SeqLSTMForecaster(**TINY).set_config(remember_data=True)
    forecaster.fit(y, fh=[1, 2])

    def as_version_5(document):  # which keyed each column's data by its name
        document["format_version"] = 5
        frame = document["state"]["_y"]
        frame["data"] = dict(zip(["a", "b"], frame["data"], strict=True))

    path = forecaster.save_safe(tmp_path / "model.zip")
    older = rewritten(path, as_version_5, tmp_path / "older.zip")
    pd.testing.assert_frame_equal(Seq2SeqLSTMForecaster.load_safe(older)._y, y)


def test_a_horizon_of_time_deltas_round_trips(tmp_path):
    index = pd.date_range("2021-03-01", periods=40, freq="D")
    y = pd.Series(5 + np.sin(np.arange(40.0)), index=index)
    fh = pd.to_timedelta([1, 2], unit="D")
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=fh)
    restored = Seq2SeqLSTMForecaster.load_safe(forecaster.save_safe(tmp_path / "m"))
    pd.testing.assert_index_equal(restored.fh.to_pandas(), forecaster.fh.to_pandas())
    pd.testing.assert_series_equal(restored.predict(), forecaster.predict())


def test_safe_round_trip_after_update_and_then_update_again(tmp_path):
    y = load_airline()
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y.iloc[:-12], fh=[1, 2])
    forecaster.update(y.iloc[-12:-6], update_params=True)
    restored = Seq2SeqLSTMForecaster.load_safe(forecaster.save_safe(tmp_path / "m"))
    pd.testing.assert_series_equal(restored.predict(), forecaster.predict())
    for model in (forecaster, restored):
        model.update(y.iloc[-6:], update_params=True)
    pd.testing.assert_series_equal(restored.predict(), forecaster.predict())


def test_the_file_is_json_and_a_state_dict(tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY, optimizer=torch.optim.SGD)
    path = forecaster.fit(load_airline(), fh=[1]).save_safe(tmp_path / "m.zip")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["forecaster.json", "weights.pt"]
        document = json.loads(archive.read("forecaster.json"))
        weights = torch.load(
            archive.open("weights.pt"), weights_only=True, map_location="cpu"
        )
    assert document["params"]["optimizer"] == "SGD"
    assert document["params"]["hidden_size"] == 8
    assert set(weights) == {"network_"}
    assert set(weights["network_"]) == set(forecaster.network_.state_dict())


class Payload:
    """Unpickling this runs code: it writes a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_malicious_pickle_in_the_weights_is_refused(tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(load_airline(), fh=[1])
    path = forecaster.save_safe(tmp_path / "model.zip")
    marker = tmp_path / "pwned"
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as sink:
        sink.writestr("forecaster.json", source.read("forecaster.json"))
        # protocol 2, as torch writes: the refusal, not the protocol, is under test
        payload = pickle.dumps({"encoder": Payload(marker)}, protocol=2)
        sink.writestr("weights.pt", payload)
    # the payload is live: plain pickle would run it
    pickle.loads(pickle.dumps(Payload(tmp_path / "proof")))
    assert (tmp_path / "proof").exists()
    with pytest.raises(ValueError, match="Refused to load the weights"):
        Seq2SeqLSTMForecaster.load_safe(tampered)
    assert not marker.exists()


ABSENT = object()


def saved_with(tmp_path, change):
    """Save a fitted forecaster, then a copy whose JSON ``change`` altered in place."""
    path = (
        Seq2SeqLSTMForecaster(**TINY)
        .fit(load_airline(), fh=[1])
        .save_safe(tmp_path / "model.zip")
    )
    return rewritten(path, change, tmp_path / "tampered.zip")


def rewritten(path, change, target):
    """Write ``path``'s save to ``target`` with its JSON ``change``d in place."""
    with zipfile.ZipFile(path) as source:
        document = json.loads(source.read("forecaster.json"))
        weights = source.read("weights.pt")
    change(document)
    with zipfile.ZipFile(target, "w") as sink:
        sink.writestr("forecaster.json", json.dumps(document))
        sink.writestr("weights.pt", weights)
    return target


def saved_with_state(tmp_path, name, value, section="state"):
    """Save a fitted forecaster, then a copy whose JSON state has ``name: value``.

    ``section=None`` sets ``name`` at the document's top level instead;
    ``value=ABSENT`` removes it.
    """

    def change(document):
        entries = document if section is None else document[section]
        if value is ABSENT:
            del entries[name]
        else:
            entries[name] = value

    return saved_with(tmp_path, change)


def with_hidden_size(network, size):
    """An encoded network's hyperparameters with another hidden size."""
    items = [[k, size if k == "hidden_size" else v] for k, v in network["items"]]
    return {**network, "items": items}


@pytest.mark.parametrize(
    "damage",
    [
        lambda document: document.pop("params"),
        lambda document: document.update(state=[]),
        lambda document: document["networks"].update(
            pretrained_network_=document["networks"]["network_"]
        ),
        lambda document: document["networks"]["network_"]["items"].append(["bogus", 1]),
        lambda document: document["networks"].update(
            network_=with_hidden_size(document["networks"]["network_"], 16)
        ),
        lambda document: document["state"].update(_forecast_state=3),
        lambda document: document["state"].update(
            history_={
                "__kind__": "ndarray",
                "dtype": "|i1",
                "shape": [1],
                "data": [1000],
            }
        ),
    ],
    ids=[
        "no-params",
        "state-a-list",
        "network-without-weights",
        "unknown-argument",
        "weights-of-another-shape",
        "state-not-a-state",
        "int8-overflowing",
    ],
)
def test_a_damaged_file_is_refused_as_not_a_valid_save(tmp_path, damage):
    damaged = saved_with(tmp_path, damage)
    with pytest.raises(ValueError, match="tampered.zip (is damaged|holds a network)"):
        Seq2SeqLSTMForecaster.load_safe(damaged)


def damaged_inside(path, member, where):
    """``path`` with one byte of ``member``'s compressed data changed.

    ``where``: "start" makes the data invalid deflate (a final block of the
    reserved type); "middle" flips a byte, which most often only fails the
    member's CRC.
    """
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    raw = bytearray(path.read_bytes())
    # past the local header: 30 bytes, the name and an extra field
    name_length, extra_length = np.frombuffer(
        raw, "<u2", count=2, offset=info.header_offset + 26
    )
    start = info.header_offset + 30 + int(name_length) + int(extra_length)
    if where == "start":
        raw[start] = 0xFF
    else:
        raw[start + info.compress_size // 2] ^= 0xFF
    damaged = path.with_name("damaged.zip")
    damaged.write_bytes(bytes(raw))
    return damaged


@pytest.mark.parametrize("where", ["start", "middle"])
@pytest.mark.parametrize("member", ["forecaster.json", "weights.pt"])
def test_a_file_whose_compressed_bytes_are_damaged_is_refused(tmp_path, member, where):
    path = (
        Seq2SeqLSTMForecaster(**TINY)
        .fit(load_airline(), fh=[1])
        .save_safe(tmp_path / "model.zip")
    )
    with pytest.raises(ValueError, match="damaged.zip is damaged .*Save the forecas"):
        Seq2SeqLSTMForecaster.load_safe(damaged_inside(path, member, where))


def test_a_file_cut_short_is_told_to_save_again(tmp_path):
    path = (
        Seq2SeqLSTMForecaster(**TINY)
        .fit(load_airline(), fh=[1])
        .save_safe(tmp_path / "model.zip")
    )
    cut = tmp_path / "cut.zip"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="cut short .*save the forecaster again"):
        Seq2SeqLSTMForecaster.load_safe(cut)


def test_empty_weights_are_refused(tmp_path):
    path = (
        Seq2SeqLSTMForecaster(**TINY)
        .fit(load_airline(), fh=[1])
        .save_safe(tmp_path / "model.zip")
    )
    with zipfile.ZipFile(path) as source:
        document = source.read("forecaster.json")
    emptied = tmp_path / "emptied.zip"
    with zipfile.ZipFile(emptied, "w") as sink:
        sink.writestr("forecaster.json", document)
        sink.writestr("weights.pt", b"")
    with pytest.raises(ValueError, match="emptied.zip: they are damaged.*save the"):
        Seq2SeqLSTMForecaster.load_safe(emptied)


def test_a_document_that_is_no_object_is_refused(tmp_path):
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(damaged, "w") as sink:
        sink.writestr("forecaster.json", json.dumps("a bare string"))
        sink.writestr("weights.pt", b"")
    with pytest.raises(ValueError, match="damaged.zip is damaged"):
        Seq2SeqLSTMForecaster.load_safe(damaged)


def test_an_unknown_kind_in_the_json_is_refused(tmp_path):
    tampered = saved_with_state(
        tmp_path, "_recent", {"__kind__": "callable", "value": "os.system"}
    )
    with pytest.raises(ValueError, match="never writes a value of kind 'callable'"):
        Seq2SeqLSTMForecaster.load_safe(tampered)


@pytest.mark.parametrize("name", ["__dict__", "hidden_size"])
def test_a_state_naming_a_dunder_or_a_parameter_is_refused(tmp_path, name):
    tampered = saved_with_state(tmp_path, name, {"__kind__": "dict", "items": []})
    with pytest.raises(ValueError, match=f"unexpected attribute '{name}'"):
        Seq2SeqLSTMForecaster.load_safe(tampered)


def test_a_file_of_an_older_format_is_refused_naming_the_fix(tmp_path):
    # version 3 files lack the log scale and the seasons per series
    older = saved_with_state(tmp_path, "format_version", 3, section=None)
    with pytest.raises(ValueError, match="format version 3; this skseq2seq reads"):
        Seq2SeqLSTMForecaster.load_safe(older)


def test_a_file_without_a_format_version_is_refused(tmp_path):
    unversioned = saved_with_state(tmp_path, "format_version", ABSENT, section=None)
    with pytest.raises(ValueError, match="format version None; this skseq2seq"):
        Seq2SeqLSTMForecaster.load_safe(unversioned)


@pytest.mark.parametrize("value", ["os.system", "__class__"])
def test_a_parameter_naming_no_torch_class_is_refused_at_load(tmp_path, value):
    tampered = saved_with_state(tmp_path, "optimizer", value, section="params")
    with pytest.raises(ValueError, match="invalid parameter: optimizer must be"):
        Seq2SeqLSTMForecaster.load_safe(tampered)


def test_a_file_from_sktime_save_is_pointed_to_sktime_load(tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(load_airline(), fh=[1])
    forecaster.save(tmp_path / "pickled")
    with pytest.raises(ValueError, match="sktime.base.load"):
        Seq2SeqLSTMForecaster.load_safe(tmp_path / "pickled.zip")


def test_saving_needs_a_fitted_forecaster(tmp_path):
    with pytest.raises(NotFittedError):
        Seq2SeqLSTMForecaster(**TINY).save_safe(tmp_path / "model.zip")


def test_saving_into_a_missing_folder_names_the_folder(tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(load_airline(), fh=[1])
    missing = tmp_path / "no such folder"
    with pytest.raises(FileNotFoundError, match="the folder '.*no such folder' do"):
        forecaster.save_safe(missing / "model.zip")
    assert not missing.exists()


def test_a_custom_optimizer_class_cannot_be_saved_safely(tmp_path):
    class MySGD(torch.optim.SGD):
        pass

    forecaster = Seq2SeqLSTMForecaster(**{**TINY, "optimizer": MySGD})
    forecaster.fit(load_airline(), fh=[1])
    with pytest.raises(ValueError, match="not a class of torch.optim"):
        forecaster.save_safe(tmp_path / "model.zip")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_pickled_from_a_gpu_loads_on_the_cpu_with_a_warning():
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(load_airline(), fh=[1, 2])
    expected = forecaster.predict()
    # as if fitted on a GPU: __getstate__ stores the network on the CPU and
    # __setstate__ finds no CUDA here
    forecaster.device_ = torch.device("cuda", 0)
    with pytest.warns(
        UserWarning, match="fitted on cuda:0, which this machine"
    ) as warned:
        restored = pickle.loads(pickle.dumps(forecaster))
    assert warned.pop(UserWarning).filename == __file__  # the user's line
    assert restored.device_ == torch.device("cpu")
    pd.testing.assert_series_equal(restored.predict(), expected)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_safe_file_from_a_gpu_loads_on_the_cpu_with_a_warning(tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY, device="cpu")
    expected = forecaster.fit(load_airline(), fh=[1, 2]).predict()
    forecaster.device_ = torch.device("cuda", 0)  # as if fitted on a GPU
    path = forecaster.save_safe(tmp_path / "m.zip")
    with pytest.warns(
        UserWarning, match="fitted on cuda:0, which this machine"
    ) as warned:
        restored = Seq2SeqLSTMForecaster.load_safe(path)
    assert warned.pop(UserWarning).filename == __file__  # the user's line
    assert restored.device_ == torch.device("cpu")
    pd.testing.assert_series_equal(restored.predict(), expected)


@pytest.mark.gpu
def test_safe_file_from_a_gpu_loads_back_on_the_gpu(tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY, device="cuda")
    expected = forecaster.fit(load_airline(), fh=[1, 2]).predict()
    restored = Seq2SeqLSTMForecaster.load_safe(forecaster.save_safe(tmp_path / "m"))
    assert restored.device_ == forecaster.device_
    assert next(restored.network_.parameters()).is_cuda
    pd.testing.assert_series_equal(restored.predict(), expected, check_exact=True)


@pytest.mark.gpu
def test_fitted_on_gpu_predicts_on_the_cpu_in_pandas(tmp_path):
    y = load_airline()
    forecaster = Seq2SeqLSTMForecaster(**TINY, device="cuda").fit(y, fh=[1, 2])
    assert next(forecaster.network_.parameters()).is_cuda
    prediction = forecaster.predict()
    assert isinstance(prediction, pd.Series) and prediction.dtype == np.float64
    # the pickle holds CPU tensors: a process that sees no GPU unpickles it
    path = tmp_path / "gpu.pkl"
    path.write_bytes(pickle.dumps(forecaster))
    assert next(forecaster.network_.parameters()).is_cuda  # the original stays
    script = (
        "import pickle, sys, warnings; warnings.simplefilter('ignore');"
        f"f = pickle.loads(open({str(path)!r}, 'rb').read());"
        "print(f.device_, *f.predict().round(4).tolist())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    out = out.stdout.split()
    assert out[0] == "cpu"
    np.testing.assert_allclose(np.array(out[1:], float), prediction, rtol=1e-4)


def sine_panel(n_series=6, length=60, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    index = pd.MultiIndex.from_product(
        [[f"s{i}" for i in range(n_series)], t], names=["id", "time"]
    )
    values = np.concatenate(
        [rng.uniform(1, 3) * np.sin(t / rng.uniform(2, 5)) for _ in range(n_series)]
    )
    return pd.DataFrame({"y": values}, index=index)


def assert_round_trips(forecaster, path):
    """Save ``forecaster`` safely, load it, and compare every attribute."""
    forecaster.save_safe(path)
    assert_same_state(Seq2SeqLSTMForecaster.load_safe(path), forecaster)


def assert_same_state(restored, original):
    """Every attribute of ``original`` is in ``restored``, equal."""
    assert set(vars(restored)) == set(vars(original))
    for name, value in vars(original).items():
        assert_same_value(getattr(restored, name), value, name)


def assert_same_value(got, value, name):
    """``got`` equals ``value``, by the rule of ``value``'s type."""
    if dataclasses.is_dataclass(value):  # the forecast state: field by field
        assert type(got) is type(value), name
        for field in dataclasses.fields(value):
            assert_same_value(
                getattr(got, field.name), getattr(value, field.name), field.name
            )
        return
    if isinstance(value, torch.nn.Module):
        for key, tensor in value.state_dict().items():
            torch.testing.assert_close(got.state_dict()[key].cpu(), tensor.cpu())
    elif isinstance(value, pd.DataFrame):
        pd.testing.assert_frame_equal(got, value)
    elif isinstance(value, pd.Index):
        pd.testing.assert_index_equal(got, value, exact=True)
        assert got.names == value.names
    elif isinstance(value, np.ndarray):
        np.testing.assert_array_equal(got, value)
        assert got.dtype == value.dtype
    elif name in ("_fh",) and value is not None:
        pd.testing.assert_index_equal(got.to_pandas(), value.to_pandas())
    else:
        assert got == value, name


class TestEveryLifecycleStep:
    """Each state a forecaster can be in saves and loads whole.

    Nothing is named here: every attribute the forecaster holds (its own and
    sktime's) must come back equal, so an attribute a new sktime release
    adds fails this test in CI rather than a user's predict.
    """

    def test_after_fit(self, tmp_path):
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(load_airline(), fh=[1, 2])
        assert_round_trips(forecaster, tmp_path / "m.zip")

    def test_after_update(self, tmp_path):
        y = load_airline()
        forecaster = Seq2SeqLSTMForecaster(**TINY).fit(y.iloc[:-12], fh=[1, 2])
        forecaster.update(y.iloc[-12:], update_params=True)
        assert_round_trips(forecaster, tmp_path / "m.zip")

    def test_after_pretrain_then_fit_and_update(self, tmp_path):
        forecaster = Seq2SeqLSTMForecaster(**TINY).pretrain(sine_panel(), fh=[1, 2])
        assert_round_trips(forecaster, tmp_path / "pretrained.zip")
        single = sine_panel(1, seed=5).droplevel(0)
        forecaster.fit(single.iloc[:-6], fh=[1, 2])  # an empty history_
        assert_round_trips(forecaster, tmp_path / "fitted.zip")
        forecaster.update(single.iloc[-6:], update_params=True)
        assert_round_trips(forecaster, tmp_path / "updated.zip")

    def test_pretrained_round_trip_fits_new_series_identically(self, tmp_path):
        forecaster = Seq2SeqLSTMForecaster(**TINY).pretrain(sine_panel(), fh=[1, 2])
        path = forecaster.save_safe(tmp_path / "pretrained.zip")
        restored = Seq2SeqLSTMForecaster.load_safe(path)
        new = sine_panel(2, seed=9)
        pd.testing.assert_frame_equal(
            restored.fit(new, fh=[1, 2]).predict(),
            forecaster.fit(new, fh=[1, 2]).predict(),
            check_exact=True,
        )

    def test_neither_fitted_nor_pretrained_is_refused(self, tmp_path):
        with pytest.raises(NotFittedError, match="fit or pretrain"):
            Seq2SeqLSTMForecaster(**TINY).save_safe(tmp_path / "m.zip")


def test_a_failed_save_keeps_the_file_already_there(tmp_path, monkeypatch):
    y = load_airline()
    path = tmp_path / "model.zip"
    saved = Seq2SeqLSTMForecaster(**TINY).fit(y, fh=[1]).save_safe(path)
    expected = Seq2SeqLSTMForecaster.load_safe(saved).predict()
    other = Seq2SeqLSTMForecaster(**{**TINY, "random_state": 1}).fit(y, fh=[1])
    original_writestr = zipfile.ZipFile.writestr
    calls = []

    def disk_full_on_second_write(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original_writestr(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full_on_second_write)
    with pytest.raises(OSError, match="No space left"):
        other.save_safe(path)
    monkeypatch.undo()
    pd.testing.assert_series_equal(
        Seq2SeqLSTMForecaster.load_safe(path).predict(), expected
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.zip"]


def test_a_state_that_cannot_be_written_fails_before_writing(tmp_path):
    forecaster = Seq2SeqLSTMForecaster(**TINY).fit(load_airline(), fh=[1])
    forecaster._unwritable = np.array(["2000-01-01"], dtype="datetime64[D]")
    with pytest.raises(TypeError, match="cannot store an array of dtype"):
        forecaster.save_safe(tmp_path / "m.zip")
    assert list(tmp_path.iterdir()) == []


class TestQuantileHeadsFromBeforeTheMedianCameFirst:
    """Quantile heads trained when the first output was the lowest quantile."""

    def test_a_safe_file_forecasts_as_when_it_was_saved(self):
        # written at cc23d87: the airline, quantiles (0.1, 0.5, 0.9), hidden
        # 4, 20 steps, random state 0
        data = pathlib.Path(__file__).parent / "data"
        loaded = Seq2SeqLSTMForecaster.load_safe(data / "quantile_format5.zip")
        np.testing.assert_allclose(
            loaded.predict_quantiles(alpha=[0.1, 0.5, 0.9]).to_numpy(),
            np.load(data / "quantile_format5_quantiles.npy"),
            rtol=1e-6,
        )
        assert not loaded.network_.head.median_first

    def test_an_old_pickled_head_keeps_reading_its_weights_as_it_did(self):
        forecaster = Seq2SeqLSTMForecaster(
            **TINY, loss="quantile", quantiles=(0.1, 0.5, 0.9)
        ).fit(load_airline(), fh=[1])
        head = forecaster.network_.head
        old = copy.deepcopy(head)
        del old.__dict__["median_first"]  # as a head pickled before it had one
        old = pickle.loads(pickle.dumps(old))
        assert not old.median_first
        hidden = torch.randn(5, head.linear.in_features)
        raw = head.linear(hidden).unflatten(-1, (-1, 3))
        torch.testing.assert_close(old(hidden)[..., 0], raw[..., 0])  # the lowest
        torch.testing.assert_close(head(hidden)[..., 1], raw[..., 0])  # the median


class TestFilesFromBeforeTheForecastState:
    """Forecasters saved before predict's state became one object still load."""

    def test_a_format_4_safe_file_predicts_as_when_it_was_saved(self):
        # written by the commit before the redesign: a two-series monthly
        # panel, hidden 4, 5 steps, seasonal_period=12

        data = pathlib.Path(__file__).parent / "data"
        loaded = Seq2SeqLSTMForecaster.load_safe(data / "format4.zip")
        expected = np.load(data / "format4_forecast.npy")
        # another processor's vector instructions round the float32 network
        # and the float64 scaling differently in the last digits
        np.testing.assert_allclose(loaded.predict().to_numpy(), expected, rtol=1e-5)

    def test_a_pickle_of_the_old_attributes_unpickles_into_one_state(self):
        fitted = Seq2SeqLSTMForecaster(**TINY).fit(load_airline(), fh=[1, 2])
        state = dict(vars(fitted))
        forecast = state.pop("_forecast_state")
        state.update(
            _recent=forecast.recent,
            _keys=forecast.keys,
            _ends=forecast.ends,
            _freq=forecast.freq,
            _index_names=forecast.index_names,
            _target_names=forecast.target_names,
            _constant=forecast.constant,
            _n_targets=forecast.n_targets,
        )
        old = Seq2SeqLSTMForecaster.__new__(Seq2SeqLSTMForecaster)
        old.__setstate__(state)  # what pickle.load calls
        assert not hasattr(old, "_recent")
        pd.testing.assert_series_equal(old.predict(), fitted.predict())


def test_a_tampered_format_4_file_is_refused_by_name(tmp_path):
    source = pathlib.Path(__file__).parent / "data" / "format4.zip"
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["forecaster.json"])
    del document["state"]["scale_loc_"]
    members["forecaster.json"] = json.dumps(document)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="lacks the attribute 'scale_loc_'"):
        Seq2SeqLSTMForecaster.load_safe(tampered)
