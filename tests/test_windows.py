import numpy as np
import pytest
import torch

from skseq2seq._windows import (
    WindowSet,
    encoder_input,
    fill_gaps,
    gather_windows,
    keep_observed_windows,
    last_rows,
    new_rows_padded,
    pad_series_ends,
    pad_short_series,
    resolve_lengths,
    series_offsets,
    split_windows,
    window_starts,
)


def test_window_starts_single_series():
    np.testing.assert_array_equal(
        window_starts([10], window_length=3, horizon=2), [0, 1, 2, 3, 4, 5]
    )


def test_window_starts_never_cross_series_boundaries():
    # series of 5, 2 (too short for a window) and 4 rows
    starts = window_starts([5, 2, 4], window_length=2, horizon=1)
    np.testing.assert_array_equal(starts, [0, 1, 2, 7, 8])
    assert starts.dtype == np.int64


def test_window_starts_when_no_window_fits():
    assert window_starts([3], window_length=3, horizon=1).size == 0


def test_series_offsets():
    np.testing.assert_array_equal(series_offsets([4, 1, 3]), [0, 4, 5])


def test_gather_windows_past_and_future_on_arange():
    values = torch.arange(10).reshape(10, 1)
    starts = torch.tensor([0, 4, 7])
    past = gather_windows(values, starts, length=2)
    future = gather_windows(values, starts, length=1, shift=2)
    np.testing.assert_array_equal(past[..., 0], [[0, 1], [4, 5], [7, 8]])
    np.testing.assert_array_equal(future[..., 0], [[2], [6], [9]])


def test_gather_windows_keeps_columns_together():
    values = torch.arange(12).reshape(6, 2)
    batch = gather_windows(values, torch.tensor([1]), length=3)
    np.testing.assert_array_equal(batch, [[[2, 3], [4, 5], [6, 7]]])


def test_last_rows_of_each_series():
    values = np.arange(9).reshape(9, 1)
    np.testing.assert_array_equal(
        last_rows(values, [4, 5], 3, n_targets=1)[..., 0], [[1, 2, 3], [6, 7, 8]]
    )


def test_window_set_covers_every_window_exactly():
    values = torch.arange(14.0).reshape(7, 2)  # column 0 target, 1 covariate
    windows = WindowSet(values, window_starts([7], 3, 2), 3, 2, 1, n_covariates=1)
    assert len(windows) == 3
    past, covariates, target, mask = windows.batch(windows.starts)
    np.testing.assert_array_equal(past[:, :, 0], [[0, 2, 4], [2, 4, 6], [4, 6, 8]])
    np.testing.assert_array_equal(past[:, :, 1], [[1, 3, 5], [3, 5, 7], [5, 7, 9]])
    np.testing.assert_array_equal(past[:, :, 2], np.ones((3, 3)))  # all observed
    np.testing.assert_array_equal(target[:, :, 0], [[6, 8], [8, 10], [10, 12]])
    np.testing.assert_array_equal(covariates[:, :, 0], [[7, 9], [9, 11], [11, 13]])
    assert mask is None


def test_past_covariates_reach_the_encoder_only():
    # columns: target, covariate known ahead, covariate known only in the past
    values = torch.arange(18.0).reshape(6, 3)
    windows = WindowSet(values, window_starts([6], 2, 2), 2, 2, 1, n_covariates=1)
    past, covariates, target, _ = windows.batch(torch.tensor([1]))
    np.testing.assert_array_equal(past[0], [[3, 4, 5, 1], [6, 7, 8, 1]])
    np.testing.assert_array_equal(covariates[0, :, 0], [10, 13])
    np.testing.assert_array_equal(target[0, :, 0], [9, 12])


def test_window_sets_share_the_series_without_copying():
    values = torch.zeros(1000, 1)
    train, valid = split_windows([1000], 64, 16, validation_size=0.1)
    train_set = WindowSet(values, train, 64, 16, n_targets=1)
    valid_set = WindowSet(values, valid, 64, 16, n_targets=1)
    assert train_set.values is values and valid_set.values is values
    assert train_set.starts.dtype == torch.int64


def test_split_windows_holds_out_the_last_windows_of_each_series():
    # series of 10 and 8 rows; window 3, horizon 2 -> 6 and 4 windows
    train, valid = split_windows([10, 8], 3, 2, validation_size=0.5)
    # series 1: windows 0..5, last 3 held out (3, 4, 5); training windows
    # whose targets reach row 6 or later (start >= 2) are dropped
    # series 2 starts at row 10: windows 10..13, last 2 held out
    np.testing.assert_array_equal(valid, [3, 4, 5, 12, 13])
    np.testing.assert_array_equal(train, [0, 1, 10])


def test_split_windows_never_trains_on_a_validation_target():
    window_length, horizon = 5, 4
    train, valid = split_windows([100], window_length, horizon, validation_size=7)
    last_trained_row = train.max() + window_length + horizon - 1
    first_validated_target = valid.min() + window_length
    assert last_trained_row == first_validated_target - 1
    np.testing.assert_array_equal(valid, np.arange(85, 92))


def test_split_windows_without_validation():
    train, valid = split_windows([6], 2, 1, None)
    np.testing.assert_array_equal(train, [0, 1, 2, 3])
    assert valid.size == 0


def test_a_series_too_short_to_spare_windows_is_trained_on_whole():
    # series of 10 and 5 rows; window 3, horizon 2 -> 6 windows and 1
    train, valid = split_windows([10, 5], 3, 2, validation_size=0.5)
    np.testing.assert_array_equal(valid, [3, 4, 5])
    np.testing.assert_array_equal(train, [0, 1, 10])  # the short one's window


def test_split_windows_refuses_to_leave_nothing():
    # 6 windows, horizon 2: holding out 5 leaves 1, which overlaps them
    with pytest.raises(ValueError, match="leaves no training windows"):
        split_windows([10], 3, 2, validation_size=5)


def test_refusal_names_the_windows_there_are_not_the_number_asked():
    with pytest.raises(ValueError, match="at most 6 window.*validation_size=4 or le"):
        split_windows([10, 7], 3, 2, validation_size=10_000)
    split_windows([10, 7], 3, 2, validation_size=4)  # what it advised
    # two windows, one of which overlaps the other's targets: none to spare
    with pytest.raises(ValueError, match="Pass validation_size=None"):
        split_windows([6], 3, 2, validation_size=1)


@pytest.mark.parametrize(
    ("n", "window", "horizon", "expected"),
    [
        (144, None, 12, (24, 12)),
        (144, None, 36, (72, 36)),
        (20, None, 5, (15, 5)),
        (6, None, 5, (1, 5)),
        (20, None, None, (13, 6)),
        (6, None, None, (4, 2)),
        (2, None, None, (1, 1)),
        (100, 10, None, (10, 5)),
        (100, 1, None, (1, 1)),
        (12, 10, 2, (10, 2)),
    ],
)
def test_resolve_lengths(n, window, horizon, expected):
    assert resolve_lengths(n, window, horizon) == expected


def test_resolve_lengths_names_the_minimum_length():
    with pytest.raises(ValueError, match="at least 6"):
        resolve_lengths(5, None, 5)
    # a given window is kept for shorter series: they are padded
    assert resolve_lengths(11, 10, 2) == (10, 2)


class TestGapsAndShortSeries:
    def test_short_series_are_padded_before_they_start(self):
        values = np.arange(7.0)[:, None]
        padded, lengths = pad_short_series(values, [2, 5], 4, n_targets=1)
        assert lengths.tolist() == [4, 5]
        np.testing.assert_array_equal(
            padded[:, 0], [np.nan, np.nan, 0, 1, 2, 3, 4, 5, 6]
        )
        same, _ = pad_short_series(values, [2, 5], 2, n_targets=1)
        assert same is values  # nothing short: no copy

    def test_padding_holds_the_covariates_first_value_never_another_series(self):
        # a target, then a covariate; the second series is short by two rows
        values = np.array([[0.0, 10], [1, 11], [2, 12], [3, 20], [4, 21]])
        padded, lengths = pad_short_series(values, [3, 2], 4, n_targets=1)
        assert lengths.tolist() == [4, 4]
        np.testing.assert_array_equal(
            padded,
            [
                [np.nan, 10], [0, 10], [1, 11], [2, 12],
                [np.nan, 20], [np.nan, 20], [3, 20], [4, 21],
            ],
        )  # fmt: skip
        stacked = last_rows(values, [3, 2], 4, n_targets=1)
        np.testing.assert_array_equal(stacked.reshape(-1, 2), padded)

    def test_gaps_take_the_last_observation_never_another_series(self):
        nan = np.nan
        values = np.array(
            [[nan, 10.0], [1.0, 11], [nan, 12], [nan, 13], [nan, 20], [5.0, 21]]
        )
        observed = fill_gaps(values, [4, 2], n_targets=1)
        # series 1: leading gap takes the first observation, later gaps the
        # last one; series 2 does not inherit series 1's value
        np.testing.assert_array_equal(values[:, 0], [1, 1, 1, 1, 5, 5])
        np.testing.assert_array_equal(values[:, 1], [10, 11, 12, 13, 20, 21])
        assert observed[:, 0].tolist() == [False, True, False, False, False, True]
        assert fill_gaps(np.ones((3, 2)), [3], n_targets=2) is None

    def test_a_column_never_observed_in_its_series_takes_its_mean(self):
        values = np.array([[np.nan, 1.0], [np.nan, 2.0], [3.0, 4.0]])
        fill_gaps(values, [2, 1], n_targets=2)
        np.testing.assert_array_equal(values[:, 0], [0, 0, 3])

    def test_windows_need_an_observation_in_the_past_and_the_horizon(self):
        observed = np.array([True, False, False, True, True, False, False])[:, None]
        starts = window_starts([7], 2, 2)  # 0 .. 3
        kept = keep_observed_windows(starts, observed, 2, 2)
        # 0: past {0,1} seen, future {2,3} seen; 1: past {1,2} unseen;
        # 2: past {2,3}, future {4,5}; 3: past {3,4}, future {5,6} unseen
        assert kept.tolist() == [0, 2]
        assert keep_observed_windows(starts, None, 2, 2) is starts

    def test_a_horizon_must_hold_a_taught_value_where_some_are(self):
        # update's new rows are 4-6: rows 3 and 4 observed, 5 and 6 not
        observed = np.array([True, True, True, True, True, False, False])[:, None]
        taught = observed & (np.arange(7) >= 4)[:, None]
        starts = window_starts([7], 2, 2)  # 0 .. 3
        # 0: horizon {2,3} holds nothing new; 1: {3,4}; 2: {4,5}; 3: {5,6} unseen
        assert keep_observed_windows(starts, observed, 2, 2, taught).tolist() == [1, 2]
        # nothing missing (observed None): the taught rows still decide
        kept = keep_observed_windows(starts, None, 2, 2, np.arange(7)[:, None] >= 5)
        assert kept.tolist() == [2, 3]

    @pytest.mark.parametrize("horizon", [1, 3])
    def test_new_rows_are_found_where_the_padding_moved_them(self, horizon):
        # the independent path: a column of flags padded as the values are
        lengths, new_rows = np.array([5, 2, 3]), np.array([2, 2, 0])
        flags = np.concatenate(
            [np.arange(n) >= n - k for n, k in zip(lengths, new_rows, strict=True)]
        )[:, None].astype(float)
        padded, padded_lengths = pad_short_series(
            *pad_series_ends(flags, lengths, horizon - 1, 1), 5, 1
        )
        found = new_rows_padded(lengths, new_rows, padded_lengths, horizon)
        np.testing.assert_array_equal(found, padded[:, 0] == 1)
        assert found.sum() == new_rows.sum()

    def test_the_batch_flags_gaps_to_the_encoder_and_masks_the_loss(self):
        values = torch.arange(6.0)[:, None]
        observed = torch.tensor([True, False, True, True, False, True])[:, None]
        windows = WindowSet(values, [0, 1], 3, 2, n_targets=1, observed=observed)
        past, _, target, mask = windows.batch(windows.starts)
        np.testing.assert_array_equal(past[..., 1], [[1, 0, 1], [0, 1, 1]])
        np.testing.assert_array_equal(mask[..., 0], [[True, False], [False, True]])

    def test_last_rows_of_a_short_series_are_nan_before_it(self):
        stacked = last_rows(np.arange(5.0)[:, None], [2, 3], 3, n_targets=1)
        np.testing.assert_array_equal(stacked[..., 0], [[np.nan, 0, 1], [2, 3, 4]])


def test_series_ends_are_padded_so_windows_end_at_every_time_point():
    values, lengths = pad_series_ends(np.arange(7.0)[:, None], [4, 3], 2, 1)
    expected = [0, 1, 2, 3, np.nan, np.nan, 4, 5, 6, np.nan, np.nan]
    np.testing.assert_array_equal(values[:, 0], expected)
    np.testing.assert_array_equal(lengths, [6, 5])
    observed = fill_gaps(values, lengths, n_targets=1)
    starts = keep_observed_windows(
        window_starts(lengths, 2, 3), observed, window_length=2, horizon=3
    )
    # the last window of each series reads its last two values and has
    # one observed target less each step: the first series' last window
    # reads rows 1-2 and has row 3 alone to learn
    np.testing.assert_array_equal(starts, [0, 1, 6])


def test_the_encoder_input_is_joined_alike_from_arrays_and_tensors():
    # training joins tensors, predict arrays: the network reads one layout
    rng = np.random.default_rng(0)
    scaled = rng.normal(size=(3, 4, 2))
    available = rng.random((3, 4, 1)) > 0.3
    flags = np.array([True, False, True])
    joined = encoder_input(scaled, available, flags)
    from_tensors = encoder_input(
        torch.from_numpy(scaled), torch.from_numpy(available), torch.from_numpy(flags)
    )
    np.testing.assert_array_equal(from_tensors.numpy(), joined)
    np.testing.assert_array_equal(joined[..., :2], scaled)
    np.testing.assert_array_equal(joined[..., 2], available[..., 0])
    np.testing.assert_array_equal(joined[..., 3], np.repeat(flags[:, None], 4, 1))
    assert encoder_input(scaled, available).shape == (3, 4, 3)  # no season
