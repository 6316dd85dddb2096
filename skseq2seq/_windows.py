"""Window arithmetic and scaling: pure functions over flat arrays of series.

Every series of a collection is stored end to end in one flat array of shape
``[n_timepoints_total, n_columns]``; ``lengths`` says how many rows belong to
each series. A training window is identified by the row where it starts, so
all windows of a collection are one integer array, and the windows of a batch
are gathered from the flat array by index arithmetic when the batch is drawn.
No array holding every window ever exists.
"""

import numpy as np
import torch

#: Window length chosen when ``window_length=None`` and the data allow it.
DEFAULT_WINDOW_LENGTH = 24


def resolve_lengths(shortest_series, window_length, horizon, season_length=1):
    """Choose the encoder window and the training horizon for the data at hand.

    Parameters
    ----------
    shortest_series : int
        Number of time points in the shortest training series.
    window_length : int or None
        The user's window length. ``None`` chooses ``max(24, 2 * horizon,
        2 * season_length)`` (the horizon counting 0 without one): at least
        two seasons, so the encoder sees how one season repeats. It is then
        shortened, down to 1, until the window and the horizon fit in the
        shortest series.
    horizon : int or None
        The largest step ahead asked for in ``fit``. ``None`` trains the
        decoder for ``max(1, window_length // 2)`` steps.
    season_length : int, default=1

    Returns
    -------
    window_length : int
        Number of past time points the encoder reads.
    horizon : int
        Number of steps the decoder is trained to produce.

    Raises
    ------
    ValueError
        If the shortest series has fewer than ``window_length + horizon``
        points. The message gives the minimum length.

    Examples
    --------
    >>> resolve_lengths(144, None, 12)
    (24, 12)
    >>> resolve_lengths(144, None, 18, season_length=12)
    (36, 18)
    >>> resolve_lengths(20, None, 5)
    (15, 5)
    >>> resolve_lengths(20, None, None)
    (13, 6)
    >>> resolve_lengths(100, 10, None)
    (10, 5)
    """
    if window_length is None:
        preferred = max(DEFAULT_WINDOW_LENGTH, 2 * season_length)
        if horizon is None:
            # largest w <= preferred with w + w // 2 <= shortest_series
            window_length = min(preferred, 2 * shortest_series // 3)
        else:
            window_length = min(max(preferred, 2 * horizon), shortest_series - horizon)
        if window_length < 1:
            needed = 2 if horizon is None else horizon + 1
            raise ValueError(
                f"The training series has {shortest_series} time points, too "
                f"few to train on: it needs at least {needed} (one past value "
                "and the horizon). Pass a longer series or a shorter fh."
            )
    if horizon is None:
        horizon = max(1, window_length // 2)
    if shortest_series < window_length + horizon:
        raise ValueError(
            f"The training series has {shortest_series} time points, but "
            f"window_length={window_length} and a training horizon of "
            f"{horizon} need at least {window_length + horizon}. Pass a longer "
            "series, a smaller window_length, or window_length=None to fit "
            "the window to the data."
        )
    return int(window_length), int(horizon)


def series_offsets(lengths):
    """Row where each series starts in the flat array.

    Examples
    --------
    >>> series_offsets(np.array([3, 2, 4]))
    array([0, 3, 5])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)


def window_starts(lengths, window_length, horizon):
    """Start rows of every window that lies wholly inside one series.

    A window covers ``window_length + horizon`` consecutive rows: the encoder
    reads the first ``window_length``, the decoder is trained on the rest.

    Parameters
    ----------
    lengths : array-like of int, shape (n_series,)
        Number of time points of each series in the flat array.
    window_length, horizon : int
        Encoder window and decoder horizon.

    Returns
    -------
    starts : ndarray of int64, shape (n_windows,)
        Rows of the flat array, in time order within each series and the
        series in order.

    Examples
    --------
    >>> window_starts([5, 4], window_length=2, horizon=1)
    array([0, 1, 2, 5, 6])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    per_series = np.clip(lengths - window_length - horizon + 1, 0, None)
    first = np.repeat(series_offsets(lengths), per_series)
    # position of each window within its own series: 0, 1, ... restarting
    # at every series
    restart = np.repeat(np.cumsum(per_series) - per_series, per_series)
    return first + np.arange(per_series.sum(), dtype=np.int64) - restart


def split_windows(lengths, window_length, horizon, validation_size):
    """Hold out the last windows of every series, in time order, for validation.

    Training windows whose targets would reach into the first validation
    window's targets are dropped too, so no validation target is ever
    trained on.

    Parameters
    ----------
    lengths : array-like of int, shape (n_series,)
    window_length, horizon : int
    validation_size : float in (0, 1), int >= 1, or None
        A fraction of each series' windows (rounded up), or a number of
        windows per series. ``None`` holds out nothing.

    Returns
    -------
    train_starts, valid_starts : ndarray of int64

    Raises
    ------
    ValueError
        If no training window is left.

    Examples
    --------
    >>> split_windows([10], window_length=3, horizon=2, validation_size=2)
    (array([0, 1, 2]), array([4, 5]))
    >>> split_windows([10], 3, 2, None)
    (array([0, 1, 2, 3, 4, 5]), array([], dtype=int64))
    """
    starts = window_starts(lengths, window_length, horizon)
    if validation_size is None:
        return starts, starts[:0]
    lengths = np.asarray(lengths, dtype=np.int64)
    per_series = np.clip(lengths - window_length - horizon + 1, 0, None)
    if isinstance(validation_size, float):
        held_out = np.ceil(validation_size * per_series).astype(np.int64)
    else:
        held_out = np.minimum(validation_size, per_series)
    # each window's position in its own series, and its series' counts
    position = np.arange(len(starts)) - np.repeat(
        np.cumsum(per_series) - per_series, per_series
    )
    first_valid = np.repeat(per_series - held_out, per_series)
    train = position <= first_valid - horizon
    if not train.any():
        raise ValueError(
            f"validation_size={validation_size} leaves no training windows: the "
            f"last {int(held_out.max())} window(s) of a series are held out, and "
            f"the {horizon - 1} before them overlap their targets. Pass a "
            "smaller validation_size or a longer series."
        )
    return starts[train], starts[position >= first_valid]


def gather_windows(values, starts, length, shift=0):
    """Rows ``start + shift ... start + shift + length - 1`` for every start.

    Parameters
    ----------
    values : torch.Tensor, shape (n_timepoints_total, n_columns)
        The flat array of series.
    starts : torch.Tensor of int64, shape (batch,)
        Start rows, as returned by :func:`window_starts`.
    length : int
        Rows per window.
    shift : int, default=0
        Offset added to every start, e.g. ``window_length`` to take the
        decoder targets that follow the encoder window.

    Returns
    -------
    torch.Tensor, shape (batch, length, n_columns)

    Examples
    --------
    >>> values = torch.arange(10).reshape(5, 2)
    >>> gather_windows(values, torch.tensor([0, 2]), length=2, shift=1)
    tensor([[[2, 3],
             [4, 5]],
    <BLANKLINE>
            [[6, 7],
             [8, 9]]])
    """
    offsets = torch.arange(shift, shift + length, device=starts.device)
    return values[starts[:, None] + offsets]  # [batch, length, n_columns]


def last_rows(values, lengths, n_rows):
    """Stack the last ``n_rows`` rows of every series.

    Parameters
    ----------
    values : ndarray, shape (n_timepoints_total, n_columns)
    lengths : array-like of int, shape (n_series,)
        Each at least ``n_rows``.
    n_rows : int

    Returns
    -------
    ndarray, shape (n_series, n_rows, n_columns)

    Examples
    --------
    >>> last_rows(np.arange(7)[:, None], [3, 4], 2)[..., 0]
    array([[1, 2],
           [5, 6]])
    """
    ends = np.cumsum(np.asarray(lengths, dtype=np.int64))
    return values[ends[:, None] - n_rows + np.arange(n_rows)]


#: A column whose standard deviation is at most this fraction of its mean's
#: size holds one value, up to float64 round-off: it is constant. Purely
#: relative, so a series of tiny spread (1e-9 * sin) is scaled, not ignored.
CONSTANT_RELATIVE_SPREAD = 1e-10


def series_moments(values, lengths):
    """Mean and standard deviation of every column of every series.

    Examples
    --------
    >>> loc, std = series_moments(np.array([[1.0], [3.0], [5.0]]), [2, 1])
    >>> loc.ravel().tolist(), std.ravel().tolist()
    ([2.0, 5.0], [1.0, 0.0])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = series_offsets(lengths)
    counts = lengths[:, None]
    loc = np.add.reduceat(values, offsets, axis=0) / counts
    centred = values - np.repeat(loc, lengths, axis=0)
    return loc, np.sqrt(np.add.reduceat(centred**2, offsets, axis=0) / counts)


def is_constant(loc, std):
    """Flag columns whose spread is only round-off of their level.

    Examples
    --------
    >>> is_constant(np.array([1e6, 1e6, 0.0]), np.array([1e-5, 5e-3, 0.0])).tolist()
    [True, False, True]
    """
    return std <= CONSTANT_RELATIVE_SPREAD * np.abs(loc)


def fit_scaler(values, lengths, scaling="series"):
    """Mean and standard deviation of every column, for every series.

    A constant column (see :func:`is_constant`) gets a scale of 1, so it
    scales to zeros rather than to a division by zero.

    Parameters
    ----------
    values : ndarray, shape (n_timepoints_total, n_columns)
    lengths : array-like of int, shape (n_series,)
    scaling : {"series", "global"} or None, default="series"
        ``"series"``: each series' own statistics. ``"global"``: those of
        all series pooled, the same for every series. ``None``: no scaling
        (mean 0, standard deviation 1).

    Returns
    -------
    loc, scale : ndarray, shape (n_series, n_columns)

    Examples
    --------
    >>> values = np.array([[1.0], [3.0], [5.0], [5.0]])
    >>> loc, scale = fit_scaler(values, [2, 2])
    >>> loc.ravel().tolist(), scale.ravel().tolist()
    ([2.0, 5.0], [1.0, 1.0])
    >>> loc, scale = fit_scaler(values, [2, 2], scaling="global")
    >>> loc.ravel().tolist(), scale.ravel().tolist()
    ([3.5, 3.5], [1.6583123951777, 1.6583123951777])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    shape = (len(lengths), values.shape[1])
    if scaling is None:
        return np.zeros(shape), np.ones(shape)
    if scaling == "global":
        loc, scale = fit_scaler(values, [len(values)])
        return np.broadcast_to(loc, shape).copy(), np.broadcast_to(scale, shape).copy()
    loc, std = series_moments(values, lengths)
    return loc, np.where(is_constant(loc, std), 1.0, std)


def scale(values, loc, spread):
    """Map ``values`` to ``(values - loc) / spread``; the inverse of :func:`unscale`.

    Examples
    --------
    >>> scale(np.arange(3.0), 1.0, 2.0).tolist()
    [-0.5, 0.0, 0.5]
    """
    return (values - loc) / spread


def unscale(values, loc, spread):
    """Map scaled values back: ``loc + spread * values``.

    Examples
    --------
    >>> unscale(np.array([-0.5, 0.0, 0.5]), 1.0, 2.0).tolist()
    [0.0, 1.0, 2.0]
    """
    return loc + spread * values


def scale_series(values, lengths, loc, spread):
    """Standardise each series with its own statistics (see :func:`fit_scaler`).

    Examples
    --------
    >>> scale_series(np.array([[1.0], [3.0]]), [2], np.array([[2.0]]),
    ...              np.array([[1.0]])).ravel().tolist()
    [-1.0, 1.0]
    """
    return scale(
        values, np.repeat(loc, lengths, axis=0), np.repeat(spread, lengths, axis=0)
    )


def to_network_tensor(values, name):
    """Scaled values as float32, refusing any that float32 cannot compute with.

    Parameters
    ----------
    values : ndarray
        Already scaled to the training data.
    name : str
        Where the values came from, for the error.

    Raises
    ------
    ValueError
        If a value is missing, infinite, or beyond float32's range (about
        3.4e38 training standard deviations), as 1e300 is.

    Examples
    --------
    >>> to_network_tensor(np.array([0.5, -1.0]), "X")
    tensor([ 0.5000, -1.0000])
    """
    tensor = torch.tensor(values, dtype=torch.float32)
    if not torch.isfinite(tensor).all():
        raise ValueError(
            f"{name} has missing, infinite or extreme values (such as 1e300) "
            "where the network reads it: scaled to the training data, they are "
            "not finite in float32. Replace them with finite values of a "
            "plausible size."
        )
    return tensor


class WindowSet:
    """Windows over a flat array of series, gathered batch by batch.

    Parameters
    ----------
    values : torch.Tensor, shape (n_timepoints_total, n_columns)
        Scaled series end to end: targets, covariates known over the
        horizon, then covariates known only in the past. Training and
        validation sets share it; neither copies it.
    starts : array-like of int, shape (n_windows,)
        Start rows of the windows in this set.
    window_length, horizon : int
    n_targets : int
    n_covariates : int, default=0
        Columns after the targets that the decoder reads over the horizon.

    Examples
    --------
    >>> values = torch.arange(6.0)[:, None]
    >>> windows = WindowSet(values, window_starts([6], 3, 2), 3, 2, n_targets=1)
    >>> len(windows)
    2
    >>> past, covariates, target = windows.batch(windows.starts[1:])
    >>> past[..., 0], target[..., 0], covariates
    (tensor([[1., 2., 3.]]), tensor([[4., 5.]]), None)
    """

    def __init__(
        self, values, starts, window_length, horizon, n_targets, n_covariates=0
    ):
        self.values = values
        self.starts = torch.as_tensor(starts, dtype=torch.int64)
        self.window_length = window_length
        self.horizon = horizon
        self.n_targets = n_targets
        self.n_covariates = n_covariates

    def __len__(self):
        return len(self.starts)

    def subset(self, starts):
        """Take the windows at ``starts``, over the same values (nothing is copied)."""
        return WindowSet(
            self.values,
            starts,
            self.window_length,
            self.horizon,
            self.n_targets,
            self.n_covariates,
        )

    def batch(self, starts, device=None):
        """Gather the encoder input, future covariates and decoder targets.

        Returns
        -------
        past : torch.Tensor, shape (batch, window_length, n_columns)
        covariates : torch.Tensor, shape (batch, horizon, n_covariates) or None
        target : torch.Tensor, shape (batch, horizon, n_targets)
        """
        past = gather_windows(self.values, starts, self.window_length)
        # only the columns the decoder reads: targets and known covariates
        end = self.n_targets + self.n_covariates
        future = gather_windows(
            self.values[:, :end], starts, self.horizon, self.window_length
        )
        if device is not None:
            past, future = past.to(device), future.to(device)
        covariates = future[..., self.n_targets :] if self.n_covariates else None
        return past, covariates, future[..., : self.n_targets]


class SequenceSet:
    """Whole sequences whose target is the sequence itself: an autoencoder's data.

    It offers the interface of :class:`WindowSet`, so the training loop that
    fits forecasts fits autoencoders too.

    Parameters
    ----------
    values : torch.Tensor, shape (n_sequences, length, n_columns)

    Examples
    --------
    >>> sequences = SequenceSet(torch.arange(12.0).reshape(2, 3, 2))
    >>> len(sequences), sequences.horizon
    (2, 3)
    >>> past, covariates, target = sequences.batch(torch.tensor([1]))
    >>> bool((past == target).all()), covariates
    (True, None)
    """

    def __init__(self, values):
        self.values = values
        self.starts = torch.arange(len(values))
        self.horizon = values.shape[1]

    def __len__(self):
        return len(self.values)

    def subset(self, starts):
        """Take the sequences at ``starts`` (rows of ``values``)."""
        return SequenceSet(self.values[starts])

    def batch(self, starts, device=None):
        """Gather sequences: the encoder's input is also the decoder's target."""
        sequences = self.values[starts]
        if device is not None:
            sequences = sequences.to(device)
        return sequences, None, sequences
