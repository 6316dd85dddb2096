import numpy as np
import pytest
import torch

from skseq2seq._windows import (
    WindowSet,
    fit_scaler,
    gather_windows,
    last_rows,
    resolve_lengths,
    scale_series,
    series_offsets,
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
        last_rows(values, [4, 5], 3)[..., 0], [[1, 2, 3], [6, 7, 8]]
    )


def test_window_set_covers_every_window_exactly():
    values = np.arange(14.0).reshape(7, 2)  # column 0 target, column 1 covariate
    windows = WindowSet(values, [7], window_length=3, horizon=2, n_targets=1)
    assert len(windows) == 3
    past, covariates, target = windows.batch(windows.starts)
    np.testing.assert_array_equal(past[:, :, 0], [[0, 2, 4], [2, 4, 6], [4, 6, 8]])
    np.testing.assert_array_equal(target[:, :, 0], [[6, 8], [8, 10], [10, 12]])
    np.testing.assert_array_equal(covariates[:, :, 0], [[7, 9], [9, 11], [11, 13]])
    assert past.dtype == torch.float32


def test_window_set_does_not_copy_windows():
    # memory stays with the series: one float32 copy, starts as int64
    values = np.zeros((1000, 1))
    windows = WindowSet(values, [1000], window_length=64, horizon=16, n_targets=1)
    assert windows.values.shape == (1000, 1)
    assert windows.starts.shape == (1000 - 64 - 16 + 1,)


def test_window_set_does_not_touch_read_only_input():
    values = np.arange(8.0)[:, None]
    values.setflags(write=False)
    windows = WindowSet(values, [8], window_length=2, horizon=1, n_targets=1)
    windows.values += 1
    np.testing.assert_array_equal(values[:, 0], np.arange(8.0))


def test_fit_scaler_per_series_and_constant_column():
    values = np.array([[1.0, 7.0], [3.0, 7.0], [10.0, 7.0], [20.0, 7.0]])
    loc, scale = fit_scaler(values, [2, 2])
    np.testing.assert_allclose(loc, [[2.0, 7.0], [15.0, 7.0]])
    np.testing.assert_allclose(scale, [[1.0, 1.0], [5.0, 1.0]])
    scaled = scale_series(values, [2, 2], loc, scale)
    np.testing.assert_allclose(scaled, [[-1, 0], [1, 0], [-1, 0], [1, 0]])


def test_fit_scaler_large_constant_is_constant():
    values = np.full((5, 1), 1e9) + np.array([[0], [1e-7], [0], [0], [0]])
    _, scale = fit_scaler(values, [5])
    assert scale[0, 0] == 1.0


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
    with pytest.raises(ValueError, match="need at least 12"):
        resolve_lengths(11, 10, 2)
    with pytest.raises(ValueError, match="at least 6"):
        resolve_lengths(5, None, 5)
