import numpy as np
import pandas as pd
import pytest

from skseq2seq import Seq2SeqLSTMForecaster
from skseq2seq._frames import Instances, check_consecutive, panel_index, rows_at


def test_single_series_is_a_collection_of_one():
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0]}, index=[7, 8, 9])
    instances = Instances(frame)
    assert instances.keys is None
    np.testing.assert_array_equal(instances.lengths, [3])
    assert instances.times[0].tolist() == [7, 8, 9]
    np.testing.assert_array_equal(instances.flat(frame), [[1.0], [2.0], [3.0]])


def test_panel_rows_are_grouped_by_instance_in_first_seen_order():
    index = pd.MultiIndex.from_tuples(
        [("b", 0), ("a", 0), ("b", 1), ("a", 1), ("a", 2)], names=["id", "t"]
    )
    frame = pd.DataFrame({"y": [10.0, 20.0, 11.0, 21.0, 22.0]}, index=index)
    instances = Instances(frame)
    assert instances.keys == ["b", "a"]
    np.testing.assert_array_equal(instances.lengths, [2, 3])
    np.testing.assert_array_equal(instances.flat(frame)[:, 0], [10, 11, 20, 21, 22])
    assert [t.tolist() for t in instances.times] == [[0, 1], [0, 1, 2]]


def test_hierarchy_keys_are_tuples():
    index = pd.MultiIndex.from_product([["x"], ["p", "q"], [0, 1]])
    frame = pd.DataFrame({"y": np.arange(4.0)}, index=index)
    instances = Instances(frame)
    assert instances.keys == [("x", "p"), ("x", "q")]
    assert panel_index(instances.keys, pd.Index([2])).tolist() == [
        ("x", "p", 2),
        ("x", "q", 2),
    ]


def test_flat_aligns_other_values_with_the_frame_rows():
    index = pd.MultiIndex.from_tuples([("b", 0), ("a", 0), ("b", 1)])
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0]}, index=index)
    covariate = np.array([[10.0], [20.0], [30.0]])  # aligned with frame's rows
    np.testing.assert_array_equal(Instances(frame).flat(covariate)[:, 0], [10, 30, 20])


def test_flat_never_writes_through_to_the_data():
    frame = pd.DataFrame({"y": [1.0, 2.0]})
    single = Instances(frame).flat(frame)  # read in place, read-only
    with pytest.raises(ValueError, match="read-only"):
        single[0, 0] = 99.0
    index = pd.MultiIndex.from_tuples([("b", 0), ("a", 0)])
    panel = pd.DataFrame({"y": [1.0, 2.0]}, index=index)
    Instances(panel).flat(panel)[0, 0] = 99.0  # reordered: a copy
    assert frame.iloc[0, 0] == 1.0 and panel.iloc[0, 0] == 1.0


def test_single_series_panel_index_is_the_times():
    times = pd.period_range("2000-01", periods=2, freq="M")
    assert panel_index(None, times).equals(times)


def test_rows_at_names_missing_rows_and_columns():
    X = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=[1, 2])
    np.testing.assert_array_equal(
        rows_at(X, pd.Index([2, 1]), ["b"], "X", ""), [[4.0], [3.0]]
    )
    with pytest.raises(ValueError, match=r"X has no rows for \[3\]. why"):
        rows_at(X, pd.Index([1, 3]), ["a"], "X", "why")
    with pytest.raises(ValueError, match=r"lacks the columns \['c'\]"):
        rows_at(X, pd.Index([1]), ["a", "c"], "X", "")
    with pytest.raises(ValueError, match="pass X here too"):
        rows_at(None, pd.Index([1]), ["a"], "X", "")


HOLIDAY = ["2024-01-15"]


class TestConsecutiveTimePoints:
    """Absent time points are refused; every regular index passes."""

    @staticmethod
    def panel(times_of):
        index = pd.MultiIndex.from_tuples(
            [(key, t) for key, times in times_of.items() for t in times]
        )
        return Instances(pd.DataFrame({"y": np.ones(len(index))}, index=index))

    @pytest.mark.parametrize(
        "times, freq",
        [
            (pd.period_range("2000Q1", periods=6, freq="2Q"), None),
            (pd.date_range("2024-03-08", periods=6, freq="D", tz="US/Eastern"), "D"),
            (pd.date_range("2000-01-31", periods=6, freq="ME"), "ME"),
            # a custom business day knows its holidays: the 15th is not absent
            (pd.bdate_range("2024-01-10", periods=6, freq="C", holidays=HOLIDAY), "C"),
            (pd.RangeIndex(5, 11), None),
            (pd.Index([0.5, 1.5, 2.5]), None),  # floats: nothing to check
        ],
    )  # fmt: skip
    def test_regular_indexes_pass(self, times, freq):
        frame = pd.DataFrame({"y": np.ones(len(times))}, index=times)
        check_consecutive(Instances(frame), freq)

    def test_each_series_of_a_panel_on_its_own(self):
        # series end to end: the step from one series to the next is no skip
        days = pd.date_range("2000-01-01", periods=8, freq="D")
        check_consecutive(self.panel({"a": days[4:], "b": days[:5]}), "D")
        with pytest.raises(ValueError, match="Series 'b' .* after 2000-01-02 00:00"):
            check_consecutive(self.panel({"a": days, "b": days.delete(2)}), "D")

    @pytest.mark.parametrize(
        ("panels", "theirs"),
        [(("W-SUN", "W-WED"), "W-WED"), (("MS", "ME"), "ME")],
        ids=["weekdays", "month starts and ends"],
    )
    def test_a_series_on_another_grid_is_told_to_align(self, panels, theirs):
        # rows of NaN, the advice for a skipped time point, cannot fix this
        first, second = (pd.date_range("2000-01-01", periods=5, freq=f) for f in panels)
        match = f"Series 'b' is regular at the frequency '{theirs}'.*PeriodIndex"
        with pytest.raises(ValueError, match=match):
            check_consecutive(self.panel({"a": first, "b": second}), panels[0])

    @pytest.mark.parametrize("step", [2, 3])
    def test_a_series_skipping_regularly_is_told_to_fill_the_absent_points(self, step):
        # every other day among days is on the panel's grid: rows of NaN fix it
        days = pd.date_range("2000-01-01", periods=12, freq="D")
        with pytest.raises(ValueError, match="Series 'b' does not follow.*NaN"):
            check_consecutive(self.panel({"a": days, "b": days[::step]}), "D")

    def test_integers_count_steps_of_one(self):
        frame = pd.DataFrame({"y": np.ones(4)}, index=[0, 2, 4, 6])
        with pytest.raises(ValueError, match="after 0 comes 2.*reset_index"):
            check_consecutive(Instances(frame), None)


def test_a_calendar_of_holidays_is_refused_at_fit_not_at_predict():
    # kept as its name, "C", the calendar lost its holidays, and predict
    # failed in sktime: "Frequencies from two sources do not coincide"
    holidays = pd.offsets.CustomBusinessDay(holidays=["2020-01-20"])
    days = pd.date_range("2020-01-02", periods=40, freq=holidays)
    y = pd.Series(np.arange(40.0) + 1, days)
    with pytest.raises(ValueError, match=r"more than its name 'C'.*asfreq\('B'\)"):
        Seq2SeqLSTMForecaster(hidden_size=4, max_steps=3).fit(y, fh=[1])
    # Week() on Mondays is named "W", which rebuilds as Sundays
    mondays = pd.date_range("2024-01-01", periods=40, freq=pd.offsets.Week())
    with pytest.raises(ValueError, match=r"name 'W' says.*asfreq\('W-MON'\)"):
        Seq2SeqLSTMForecaster(hidden_size=4, max_steps=3).fit(y.set_axis(mondays))
    plain = pd.date_range("2020-01-02", periods=40, freq=pd.offsets.CustomBusinessDay())
    fitted = Seq2SeqLSTMForecaster(hidden_size=4, max_steps=3)
    fitted.fit(pd.Series(np.arange(40.0) + 1, plain), fh=[1])
    assert fitted.predict().index[0] == plain[-1] + plain.freq
