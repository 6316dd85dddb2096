"""Each use of sktime's or torch's private API still does what it stands for."""

import pathlib

import numpy as np
import pandas as pd
import pytest
import torch
from sktime.datasets import load_airline
from torch import nn

import skseq2seq
from skseq2seq import Seq2SeqLSTMForecaster
from skseq2seq._compat import (
    DtypeKind,
    cell_function,
    cutoff_at_frequency,
    forget_data,
    forked_after_cuda,
    later_cutoff,
    set_cutoff,
    warn_user,
)


def test_dtypekind_is_what_sktime_records_of_each_column():
    forecaster = Seq2SeqLSTMForecaster(hidden_size=4, num_epochs=1, random_state=0)
    forecaster.fit(load_airline(), fh=[1])
    kinds = forecaster._y_metadata["feature_kind"]
    assert kinds == [DtypeKind.FLOAT]
    # save_safe writes the value and reads the member back by it
    assert DtypeKind(kinds[0].value) is kinds[0]


def test_this_process_is_not_a_bad_fork():
    assert forked_after_cuda() is False


@pytest.mark.parametrize(
    ("rnn", "cell"),
    [(nn.LSTM(3, 5), nn.LSTMCell(3, 5)), (nn.GRU(3, 5), nn.GRUCell(3, 5))],
)
def test_the_cell_function_steps_like_torch_s_public_cell(rnn, cell):
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(rnn, f"{name}_l0"))
    x, hidden = torch.randn(4, 3), torch.randn(4, 5)
    state = (hidden, torch.randn(4, 5)) if isinstance(rnn, nn.LSTM) else hidden
    weights = [
        getattr(rnn, f"{name}_l0")
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ]
    stepped = cell_function(rnn)(x, state, *weights)
    expected = cell(x, state)
    for got, want in zip(
        stepped if isinstance(stepped, tuple) else [stepped],
        expected if isinstance(expected, tuple) else [expected],
        strict=True,
    ):
        torch.testing.assert_close(got, want)


def test_forgotten_data_is_none_as_sktime_s_conformance_suite_reads_it():
    forecaster = Seq2SeqLSTMForecaster()
    forecaster._y = forecaster._X = np.zeros(3)
    forget_data(forecaster)
    assert forecaster._y is None and forecaster._X is None
    fitted = Seq2SeqLSTMForecaster(hidden_size=4, num_epochs=1).fit(
        load_airline(), fh=[1]
    )
    assert fitted._y is None and fitted._X is None  # remember_data is off


def test_a_set_cutoff_is_the_public_cutoff():
    y = load_airline()
    fitted = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=1).fit(y.iloc[:-3], fh=[1])
    set_cutoff(fitted, y.index[-1:])
    assert fitted.cutoff.equals(y.index[-1:])


def test_a_warning_skips_the_package_s_frames_to_the_caller_s():
    # a function whose code reads as skseq2seq's own, as fit's checks are
    inside = str(pathlib.Path(skseq2seq.__file__).parent / "checks.py")
    namespace = {"warn_user": warn_user}
    exec(
        compile("def check():\n    warn_user('from inside')\n", inside, "exec"),
        namespace,
    )
    with pytest.warns(UserWarning, match="from inside") as warned:
        namespace["check"]()
    assert warned.pop(UserWarning).filename == __file__


def test_later_cutoff_keeps_the_later_time_at_fit_s_frequency():
    before = pd.DatetimeIndex(["2020-03-27"], freq="B")  # a Friday
    inferred = pd.DatetimeIndex(["2020-04-01"], freq="D")  # from three weekdays
    kept = later_cutoff(before, inferred)
    assert kept[0] == inferred[0] and kept.freq == before.freq
    assert later_cutoff(before, pd.DatetimeIndex(["2020-03-20"]))[0] == before[0]
    zoned = pd.DatetimeIndex(["2021-03-27"], freq="D").tz_localize("Europe/Berlin")
    assert later_cutoff(zoned, zoned + pd.Timedelta("1D")).tz == zoned.tz
    months = pd.PeriodIndex(["2000-01"], freq="M")
    assert later_cutoff(months, months + 2)[0] == months[0] + 2


def test_a_panels_cutoff_is_sktimes_with_the_datas_frequency():
    # sktime leaves a panel's datetime cutoff without one
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    index = pd.MultiIndex.from_tuples([(k, t) for k in "ab" for t in days])
    y = pd.DataFrame({"v": np.arange(60.0) + 1}, index)
    fitted = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=2).fit(y, fh=[1])
    assert fitted.cutoff.equals(pd.DatetimeIndex([days[-1]]))
    assert fitted.cutoff.freqstr == "D"


def test_a_cutoff_off_the_frequencys_grid_is_left_as_it_is():
    # a Saturday among business days, or a frequency of periods only: the
    # data is refused later, by name
    saturday = pd.DatetimeIndex(["2024-03-23"])
    assert cutoff_at_frequency(saturday, "B").freq is None
    assert cutoff_at_frequency(saturday, "M").freq is None
    assert cutoff_at_frequency(pd.DatetimeIndex(["2024-03-22"]), "B").freqstr == "B"


def test_an_update_off_the_grid_is_refused_by_name_not_by_pandas():
    y = pd.Series(np.arange(60.0), pd.date_range("2024-01-01", periods=60, freq="B"))
    fitted = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=2).fit(y, fh=[1])
    saturday = pd.Series([5.0], pd.DatetimeIndex(["2024-03-23"]))
    with pytest.raises(ValueError, match="the next time point is 2024-03-25"):
        fitted.update(saturday)
