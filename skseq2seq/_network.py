"""The encoder-decoder network: torch modules that know only tensors."""

import numpy as np
import scipy.stats
import torch
from torch import nn

from skseq2seq._compat import cell_function
from skseq2seq._scaling import exp_targets

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}
DECODER_INPUTS = ("autoregressive", "context")
LOSSES = ("mse", "mae", "gaussian", "quantile")


def layer_states(state):
    """Split an ``nn.LSTM`` or ``nn.GRU`` state into one state per layer.

    The decoding loop carries its state in this form, so that a step need
    not stack the layers' states only for the next step to select them.

    Examples
    --------
    >>> hidden, cell = torch.zeros(2, 4, 5), torch.ones(2, 4, 5)
    >>> layers = layer_states((hidden, cell))  # an LSTM's
    >>> len(layers), layers[1][1].shape
    (2, torch.Size([4, 5]))
    >>> len(layer_states(hidden))  # a GRU's
    2
    """
    if isinstance(state, tuple):  # an LSTM's hidden and cell states
        hidden, cell = state
        return list(zip(hidden.unbind(0), cell.unbind(0), strict=True))
    return list(state.unbind(0))


def recurrent_step(rnn, inputs, layers):
    """Advance a batch-first ``nn.LSTM`` or ``nn.GRU`` by one time step.

    The same arithmetic as ``rnn(inputs[:, None], state)``, one cell call
    per layer with the module's own weights: on a sequence of length 1 that
    skips ``nn.LSTM``'s per-call setup, and trains a decoding loop about
    1.4 times faster on the CPU.

    Parameters
    ----------
    rnn : torch.nn.LSTM or torch.nn.GRU
    inputs : torch.Tensor, shape (batch, input_size)
    layers : list
        The state of each layer, as :func:`layer_states` splits ``rnn``'s:
        a pair of hidden and cell states for an LSTM, a hidden state for a
        GRU, each of shape (batch, hidden_size).

    Returns
    -------
    output : torch.Tensor, shape (batch, hidden_size)
        The top layer's new hidden state.
    layers : list
        The new state of each layer.

    Examples
    --------
    >>> lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True)
    >>> x, state = torch.randn(4, 3), (torch.zeros(2, 4, 5), torch.zeros(2, 4, 5))
    >>> output, _ = recurrent_step(lstm, x, layer_states(state))
    >>> torch.allclose(output, lstm(x[:, None], state)[0][:, 0], atol=1e-6)
    True
    """
    cell = cell_function(rnn)
    new_layers = []
    for layer, state in enumerate(layers):
        weights = [
            getattr(rnn, f"{name}_l{layer}")
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        ]
        state = cell(inputs, state, *weights)
        new_layers.append(state)
        output = inputs = state[0] if isinstance(state, tuple) else state
        if layer < rnn.num_layers - 1:  # nn.LSTM's dropout between layers
            inputs = nn.functional.dropout(output, rnn.dropout, rnn.training)
    return output, new_layers


def masked_mean(losses, mask):
    """Average ``losses`` over the observed targets (all, if ``mask`` is None).

    ``losses`` may have trailing axes beyond the mask's, one per parameter.

    Examples
    --------
    >>> losses = torch.tensor([[1.0, 3.0], [5.0, 7.0]])
    >>> masked_mean(losses, torch.tensor([[True, False], [True, False]])).item()
    3.0
    """
    if mask is None:
        return losses.mean()
    weights = mask.reshape(mask.shape + (1,) * (losses.dim() - mask.dim()))
    weights = weights.expand_as(losses).to(losses.dtype)
    return (losses * weights).sum() / weights.sum().clamp(min=1.0)


class PointHead(nn.Module):
    """One value per target: the forecast itself, trained on squared error.

    Outputs have shape ``(..., n_targets)``.
    """

    def __init__(self, hidden_size, n_targets):
        super().__init__()
        self.linear = nn.Linear(hidden_size, n_targets)

    def forward(self, hidden):
        return self.linear(hidden)

    def point(self, output):
        """Return the value fed back to the decoder and given by ``predict``."""
        return output

    def affine(self, output, loc, scale=None):
        """Map ``output`` through ``y -> loc + scale * y``; no ``scale`` is 1."""
        return loc + (output if scale is None else scale * output)

    def monotone(self, output, transform):
        """Map the values of ``output`` through an increasing ``transform``.

        Quantiles and the point forecast go through it; a spread, which has
        no place on the transformed axis, does not.
        """
        return transform(output)

    def loss(self, output, target, mask=None):
        """Mean squared error over the observed targets."""
        return masked_mean((output - target) ** 2, mask)


class AbsoluteHead(PointHead):
    """One value per target, trained on absolute error: a median forecast.

    Absolute error is what sMAPE and MASE, the competitions' scores, add
    up; it lets a rare jump in a series pull the forecasts less than
    squared error does.
    """

    def loss(self, output, target, mask=None):
        """Mean absolute error over the observed targets."""
        return masked_mean((output - target).abs(), mask)


class GaussianHead(nn.Module):
    """A normal distribution per target, trained on its negative log-likelihood.

    Outputs have shape ``(..., n_targets, 2)``: the mean, then the standard
    deviation (a softplus, so always positive).

    Examples
    --------
    >>> head = GaussianHead(4, n_targets=2)
    >>> head(torch.zeros(3, 4)).shape
    torch.Size([3, 2, 2])
    """

    def __init__(self, hidden_size, n_targets):
        super().__init__()
        self.linear = nn.Linear(hidden_size, 2 * n_targets)

    def forward(self, hidden):
        mean, raw = self.linear(hidden).unflatten(-1, (-1, 2)).unbind(-1)
        # a floor keeps the likelihood finite where a target never varies
        return torch.stack([mean, nn.functional.softplus(raw) + 1e-4], -1)

    def point(self, output):
        return output[..., 0]

    def affine(self, output, loc, scale=None):
        mean, std = output.unbind(-1)
        if scale is None:
            return torch.stack([loc + mean, std], -1)
        return torch.stack([loc + scale * mean, scale * std], -1)

    def monotone(self, output, transform):
        mean, std = output.unbind(-1)
        return torch.stack([transform(mean), std], -1)

    def quantiles(self, output, alpha, log):
        """Quantiles at levels ``alpha`` of the data-scale ``output`` (numpy).

        A log-scale target's (``log``) mean is its median: a log-normal's.
        Shape ``(..., n_targets, len(alpha))``.
        """
        mean, std = output[..., :1], output[..., 1:]
        z = std * scipy.stats.norm.ppf(np.asarray(alpha, dtype=np.float64))
        quantiles = mean + z
        # the log-normal's formula only where it applies: elsewhere a wide
        # normal's exp(z) overflows, to be discarded with a RuntimeWarning
        quantiles[..., log, :] = mean[..., log, :] * np.exp(z[..., log, :])
        return quantiles

    def variance(self, output, log):
        """Variance of the data-scale ``output`` (numpy), a log-normal's for ``log``."""
        median, std = np.moveaxis(output, -1, 0)
        variance = std**2
        spread = variance[..., log]
        variance[..., log] = median[..., log] ** 2 * np.exp(spread) * np.expm1(spread)
        return variance

    def distribution(self, output, log, frame, names):
        """Build the normal of the data-scale ``output``: log-normal for ``log``.

        The mean, or for log-scale targets the median, is what ``predict``
        gives. ``frame`` turns an array shaped as a parameter into the
        forecast's ``pd.DataFrame``. A mix of log-scale targets and others
        raises ``NotImplementedError``: one distribution holds one family.
        """
        if log.any() and not log.all():
            raise NotImplementedError(
                f"predict_proba gives one family of distributions, but the "
                f"targets {[n for n, on in zip(names, log, strict=True) if on]} "
                "are on the log scale (log-normal) and the others not (normal). "
                "Use predict_quantiles or predict_interval, or refit with "
                "target_transform=None or 'log' for all of them."
            )
        center, sigma = np.moveaxis(output, -1, 0)
        return normal_distribution(center, sigma, bool(log.all()), frame)

    def loss(self, output, target, mask=None):
        """Negative log-likelihood of the observed targets."""
        mean, std = output.unbind(-1)
        losses = nn.functional.gaussian_nll_loss(
            mean, target, std**2, full=True, reduction="none"
        )
        return masked_mean(losses, mask)


class QuantileHead(nn.Module):
    """Fixed quantiles per target, trained on the pinball loss.

    Outputs have shape ``(..., n_targets, n_quantiles)``, increasing along the
    last axis by construction (the median, and positive steps between the
    levels placed around it), so the quantiles never cross. The median is
    fed back to the decoder.

    Parameters
    ----------
    hidden_size, n_targets : int
    levels : sequence of float
        Increasing probabilities in (0, 1), containing 0.5.
    median_first : bool, default=True
        The first raw output is the median, so an untrained head forecasts
        about the anchor. False reads it as the lowest quantile, as heads
        saved before this flag existed did: their weights mean that.

    Examples
    --------
    >>> head = QuantileHead(4, n_targets=1, levels=(0.1, 0.5, 0.9))
    >>> q = head(torch.randn(5, 4))
    >>> q.shape, bool((q.diff(dim=-1) > 0).all())
    (torch.Size([5, 1, 3]), True)
    >>> with torch.no_grad():
    ...     _ = head.linear.weight.zero_(), head.linear.bias.zero_()
    >>> head(torch.randn(1, 4))[0, 0, 1].item()  # the median: the anchor
    0.0
    """

    def __init__(self, hidden_size, n_targets, levels, median_first=True):
        super().__init__()
        self.register_buffer("levels", torch.tensor(levels, dtype=torch.float32))
        self.level_values = tuple(float(level) for level in levels)
        self.median = list(levels).index(0.5)
        self.median_first = median_first
        self.linear = nn.Linear(hidden_size, len(levels) * n_targets)

    def __setstate__(self, state):
        # a head pickled before median_first read its first output as the lowest
        state.setdefault("median_first", False)
        super().__setstate__(state)

    def forward(self, hidden):
        raw = self.linear(hidden).unflatten(-1, (-1, len(self.levels)))
        steps = nn.functional.softplus(raw[..., 1:]) + 1e-6
        # the first output is the median, the steps place the others around
        # it: an untrained head (outputs near 0) forecasts about the anchor
        lowest = raw[..., :1]
        if self.median and self.median_first:
            lowest = lowest - steps[..., : self.median].sum(-1, keepdim=True)
        return torch.cat([lowest, lowest + steps.cumsum(-1)], -1)

    def point(self, output):
        return output[..., self.median]

    def monotone(self, output, transform):
        return transform(output)

    def affine(self, output, loc, scale=None):
        return loc[..., None] + (output if scale is None else scale[..., None] * output)

    def quantiles(self, output, alpha, log=None):
        """Quantiles at ``alpha``, interpolated between the learned levels (numpy).

        Levels outside the learned ones are refused. ``log`` changes
        nothing: quantiles map through the log and back as they are.
        """
        return interpolate_quantiles(output, self.level_values, alpha)

    def variance(self, output, log=None):
        """Return the variance of the normal with the same interquartile range."""
        levels = self.level_values
        if levels[0] > 0.25 + 1e-6 or levels[-1] < 0.75 - 1e-6:
            raise ValueError(
                f"The variance is read from the quartiles, 0.25 and 0.75, but the "
                f"learned quantiles are {list(levels)}. Refit with quantiles that "
                "cover them, e.g. quantiles=(0.1, 0.25, 0.5, 0.75, 0.9)."
            )
        lower, upper = np.moveaxis(self.quantiles(output, [0.25, 0.75]), -1, 0)
        return ((upper - lower) / (2 * scipy.stats.norm.ppf(0.75))) ** 2

    def distribution(self, output, log, frame, names):
        """Build the normal around the median with :meth:`variance`'s variance.

        What sktime makes of ``predict`` and ``predict_var``; the learned
        shape is :meth:`quantiles`'. Arguments as ``GaussianHead.distribution``.
        """
        spread = np.sqrt(self.variance(output))
        return normal_distribution(self.point(output), spread, False, frame)

    def loss(self, output, target, mask=None):
        """Pinball loss of the observed targets, averaged over the levels."""
        error = target[..., None] - output  # [..., n_targets, n_quantiles]
        pinball = torch.maximum(self.levels * error, (self.levels - 1) * error)
        return masked_mean(pinball, mask)


def normal_distribution(center, sigma, log, frame):
    """Build skpro's normal, or log-normal for ``log``, from numpy parameters.

    ``center`` is the mean, or the log-normal's median; ``frame`` turns each
    parameter into the forecast's ``pd.DataFrame``. A column constant in
    training is held at its value with no spread; a spread of exactly 0
    makes the density and the distribution function NaN, so it is the
    smallest positive float: a point mass, as near as these come to one.
    """
    from skpro.distributions import LogNormal, Normal

    sigma = frame(np.maximum(sigma, np.finfo(np.float64).tiny))
    mu, family = (frame(np.log(center)), LogNormal) if log else (frame(center), Normal)
    return family(mu=mu, sigma=sigma, index=mu.index, columns=mu.columns)


def interpolate_quantiles(values, levels, alpha):
    """Quantiles at ``alpha`` from those at ``levels``, linearly between them.

    A level within 1e-6 of a learned one is that one: ``1 - 0.9`` is
    0.09999999999999998 in floating point, and float32 levels are off
    by about 1e-8.

    Parameters
    ----------
    values : ndarray, shape (..., n_levels)
        Increasing along the last axis.
    levels, alpha : sequence of float

    Returns
    -------
    ndarray, shape (..., len(alpha))

    Examples
    --------
    >>> interpolate_quantiles(np.array([0.0, 1.0, 3.0]), [0.1, 0.5, 0.9], [0.3, 0.7])
    array([0.5, 2. ])
    >>> interpolate_quantiles(np.array([0.0, 1.0, 3.0]), [0.1, 0.5, 0.9], [1 - 0.9])
    array([0.])
    """
    levels = np.asarray(levels, dtype=np.float64)
    alpha = np.asarray(alpha, dtype=np.float64)
    near = np.abs(alpha[:, None] - levels[None, :]) <= 1e-6  # [alpha, levels]
    alpha = np.where(near.any(axis=1), levels[near.argmax(axis=1)], alpha)
    if len(alpha) == 0:  # what the Gaussian head gives for no level
        return values[..., :0]
    beyond = (alpha < levels[0]) | (alpha > levels[-1])
    if beyond.any():
        shown = np.round(alpha, 10)  # 0.005, not 0.0050000000000000044
        raise ValueError(
            f"The levels {shown[beyond].tolist()} (predict_quantiles' alpha, or "
            "0.5 -+ coverage / 2 for predict_interval) reach beyond the learned "
            f"quantiles {levels.tolist()}. Refit with quantiles that cover them, "
            f"e.g. quantiles=({min(shown.min(), levels[0])}, ..., 0.5, ..., "
            f"{max(shown.max(), levels[-1])})."
        )
    if len(levels) == 1:  # only that level itself can be asked for
        return values[..., np.zeros(len(alpha), dtype=np.int64)]
    upper = np.clip(np.searchsorted(levels, alpha), 1, len(levels) - 1)
    weight = (alpha - levels[upper - 1]) / (levels[upper] - levels[upper - 1])
    return values[..., upper - 1] * (1 - weight) + values[..., upper] * weight


def make_head(loss, hidden_size, n_targets, quantiles=None, median_first=True):
    """Build the output head for ``loss``: "mse", "mae", "gaussian", "quantile"."""
    if loss == "gaussian":
        return GaussianHead(hidden_size, n_targets)
    if loss == "quantile":
        return QuantileHead(hidden_size, n_targets, quantiles, median_first)
    if loss == "mae":
        return AbsoluteHead(hidden_size, n_targets)
    return PointHead(hidden_size, n_targets)


def on_data_scale(head, output, loc, scale, last, constant, log=None):
    """Map a head's output to the data's scale; hold constant columns at ``last``.

    What ``predict`` and the exported graph both do after the network: the
    scaling undone, then the log of the log-scale targets (``log``), through
    :meth:`PointHead.monotone`; a target column constant in training taught
    the network nothing, so it is forecast as its last value, exactly, with
    no spread.

    Parameters
    ----------
    head : PointHead, GaussianHead or QuantileHead
    output : torch.Tensor, shape (batch, horizon, n_targets, ...)
    loc, scale : torch.Tensor, shape (batch, 1, n_targets)
        The scaling statistics of each row's series.
    last : torch.Tensor, shape (batch, 1, n_targets)
        Each row's last observed value, on the data's own scale.
    constant : torch.Tensor of bool, shape (batch, n_targets)
    log : torch.Tensor of bool, shape (n_targets,), optional
        The targets modelled on the log scale.

    Examples
    --------
    >>> output = torch.tensor([[[0.5, 0.5]]])  # one row, one step, two targets
    >>> loc, scale = torch.zeros(1, 1, 2), torch.full((1, 1, 2), 2.0)
    >>> last, constant = torch.full((1, 1, 2), 7.0), torch.tensor([[False, True]])
    >>> on_data_scale(PointHead(1, 2), output, loc, scale, last, constant)
    tensor([[[1., 7.]]])
    """
    output = head.affine(output, loc, scale)
    if log is not None:
        output = head.monotone(output, lambda values: exp_targets(values, log))
    held = head.affine(output, last, torch.zeros_like(last))
    # [batch, 1, n_targets], then an axis per parameter of the head
    mask = constant[(slice(None), None, ...) + (None,) * (output.dim() - 3)]
    return torch.where(mask, held, output)


class Seq2SeqNetwork(nn.Module):
    """Recurrent encoder-decoder that maps a window of the past to a horizon.

    The encoder reads the window and hands its final state to the decoder,
    which produces the horizon one step at a time through a linear head. All
    values are expected on a standardised scale; the network subtracts the
    last observed value of each target from the window, so it reads changes
    from the current level. Its head forecasts the difference from an
    anchor: the last value, or with ``season_length > 1`` the seasonal naive
    forecast (the value one season before each step). The network thus
    extrapolates trends beyond the range it was trained on, and only has to
    learn how this season differs from the last.

    Parameters
    ----------
    n_targets : int
        Number of target columns, read by the encoder and predicted.
    n_covariates : int, default=0
        Number of covariate columns known over the window and the horizon:
        the encoder reads their past, the decoder their future values.
    n_past_covariates : int, default=0
        Number of covariate columns known only over the window; only the
        encoder reads them.
    hidden_size : int, default=64
        Width of the recurrent state.
    num_layers : int, default=1
        Stacked recurrent layers in the encoder and in the decoder.
    cell_type : {"lstm", "gru"}, default="lstm"
    dropout : float, default=0.0
        Dropout between stacked layers.
    decoder_input : {"autoregressive", "context"}, default="autoregressive"
        ``"autoregressive"`` feeds the decoder the previous step's value: the
        last observed value first, then its own prediction (or the true value
        under teacher forcing). ``"context"`` feeds it the encoder's last
        output at every step.
    loss : {"mse", "mae", "gaussian", "quantile"}, default="mse"
        The output head: a point forecast (on squared or absolute error), a
        normal distribution, or fixed quantiles; see :class:`PointHead`,
        :class:`AbsoluteHead`, :class:`GaussianHead`, :class:`QuantileHead`.
    quantiles : sequence of float, optional
        The quantile head's levels.
    remove_level : bool, default=True
        Subtract the last target value of each window, and add it back to
        the output. Right for forecasting; an autoencoder that reconstructs
        its window is better off without it.
    reads_availability : bool, default=False
        ``past`` ends with one more column per target: 1 where the value was
        observed, 0 where it was missing and filled. The encoder reads them,
        and the decoder reads each step's anchor's.
    season_length : int, default=1
        With ``remove_level``: the head's output at step ``h`` is added to
        the window's value ``season_length`` steps before it (repeating the
        last season beyond one), and the decoder reads that anchor as an
        input at step ``h``, so it can learn to correct a noisy one. 1
        anchors every step at the last value. Windows must be at least this
        long.
    reads_season_flag : bool, default=False
        With a season: ``past`` ends with one more column, 1 for the rows of
        a series that shows the season and 0 for one that does not (see
        ``_seasonality.detect_seasons``). The encoder reads it, and a window
        flagged 0 is anchored at its last value instead.
    encoder_length : int, optional
        The encoder reads only the last ``encoder_length`` steps of each
        window; the anchor reaches back a season over the whole window. So
        a long season costs a window of one season to gather, not an
        encoder of two seasons to run. ``None``: the encoder reads it all.
    quantiles_from_median : bool, default=True
        The quantile head's ``median_first``; see :class:`QuantileHead`.

    Attributes
    ----------
    hyperparameters : dict
        The arguments this network was built with.

    Examples
    --------
    >>> net = Seq2SeqNetwork(n_targets=2, hidden_size=8)
    >>> net(torch.zeros(4, 10, 2), horizon=3).shape
    torch.Size([4, 3, 2])
    """

    def __init__(
        self,
        n_targets,
        n_covariates=0,
        n_past_covariates=0,
        hidden_size=64,
        num_layers=1,
        cell_type="lstm",
        dropout=0.0,
        decoder_input="autoregressive",
        loss="mse",
        quantiles=None,
        remove_level=True,
        season_length=1,
        reads_availability=False,
        reads_season_flag=False,
        encoder_length=None,
        quantiles_from_median=True,
    ):
        super().__init__()
        # what rebuilds this network, untrained, for its saved weights
        self.hyperparameters = {
            "n_targets": n_targets,
            "n_covariates": n_covariates,
            "n_past_covariates": n_past_covariates,
            "hidden_size": hidden_size,
            "num_layers": num_layers,
            "cell_type": cell_type,
            "dropout": dropout,
            "decoder_input": decoder_input,
            "loss": loss,
            "quantiles": None if quantiles is None else tuple(quantiles),
            "remove_level": remove_level,
            "season_length": season_length,
            "reads_availability": reads_availability,
            "reads_season_flag": reads_season_flag,
            "encoder_length": encoder_length,
            "quantiles_from_median": quantiles_from_median,
        }
        self.encoder_length = encoder_length
        self.remove_level = remove_level
        self.season_length = season_length
        self.n_targets = n_targets
        self.n_covariates = n_covariates
        self.n_past_covariates = n_past_covariates
        self.reads_availability = reads_availability
        self.decoder_input = decoder_input
        self.reads_anchor = season_length > 1 and remove_level
        self.reads_season_flag = reads_season_flag and self.reads_anchor
        cell = CELLS[cell_type]
        between_layers = dropout if num_layers > 1 else 0.0
        self.encoder = cell(
            n_targets * (1 + reads_availability)
            + n_covariates
            + n_past_covariates
            + self.reads_season_flag,
            hidden_size,
            num_layers,
            batch_first=True,
            dropout=between_layers,
        )
        fed_back = n_targets if decoder_input == "autoregressive" else hidden_size
        anchor_columns = n_targets * (1 + reads_availability) * self.reads_anchor
        self.decoder = cell(
            fed_back + anchor_columns + n_covariates,
            hidden_size,
            num_layers,
            batch_first=True,
            dropout=between_layers,
        )
        self.head = make_head(
            loss, hidden_size, n_targets, quantiles, quantiles_from_median
        )

    def encode(self, past):
        """Summarise a window in the encoder's last output and final state.

        Parameters
        ----------
        past : torch.Tensor, shape (batch, window, n_columns)
            Targets, covariates, then past covariates, with the level
            removed from the targets.

        Returns
        -------
        context : torch.Tensor, shape (batch, hidden_size)
            The top layer's output at the last time step: a fixed-length
            embedding of the window.
        state : torch.Tensor or tuple of torch.Tensor
            The final hidden state (and, for an LSTM, cell state), each of
            shape (num_layers, batch, hidden_size).
        """
        output, state = self.encoder(past)  # [batch, window, hidden]
        return output[:, -1], state

    def embed(self, past):
        """Embed each window in a fixed-length vector: the encoder's context.

        The window is read as in :meth:`forward` (with its last target value
        subtracted, if ``remove_level``).

        Parameters
        ----------
        past : torch.Tensor, shape (batch, window, n_columns)

        Returns
        -------
        torch.Tensor, shape (batch, hidden_size)
        """
        return self.encode(self._encoded(self._remove_level(past)[0]))[0]

    def _encoded(self, past):
        """Take the part of the window the encoder reads: its last steps."""
        if self.encoder_length is None:
            return past
        return past[:, -self.encoder_length :]

    def _remove_level(self, past):
        """Subtract the last value of each target from the window."""
        level = past[:, -1:, : self.n_targets]  # [batch, 1, n_targets]
        if not self.remove_level:
            return past, torch.zeros_like(level)
        return torch.cat(
            [past[..., : self.n_targets] - level, past[..., self.n_targets :]], -1
        ), level

    def forward(
        self,
        past,
        horizon,
        future_covariates=None,
        teacher=None,
        teacher_mask=None,
    ):
        """Predict ``horizon`` steps after each window.

        Parameters
        ----------
        past : torch.Tensor, shape (batch, window, n_columns)
            ``n_columns = n_targets + n_covariates + n_past_covariates``, in
            that order.
        horizon : int
        future_covariates : torch.Tensor, shape (batch, horizon, n_covariates)
            Required when ``n_covariates > 0``.
        teacher : torch.Tensor, shape (batch, horizon, n_targets), optional
            True future targets, fed to an autoregressive decoder in place of
            its own predictions (teacher forcing). Ignored by the context
            decoder.
        teacher_mask : torch.Tensor of bool, shape (batch, horizon), optional
            Where True, step ``t + 1`` is fed the true value of step ``t``;
            elsewhere, the prediction. ``None`` with a ``teacher`` means
            teacher forcing at every step.

        Returns
        -------
        torch.Tensor, shape (batch, horizon, n_targets) or (batch, horizon, \
n_targets, n_params)
            The head's output: point forecasts, or the parameters of a
            distribution per target.
        """
        past, level = self._remove_level(past)
        anchor, read = self._anchor(past, horizon)  # [batch, horizon, n_targets]
        context, state = self.encode(self._encoded(past))
        if self.decoder_input == "context":
            inputs = context[:, None].expand(-1, horizon, -1)  # [batch, h, hidden]
            inputs = self._with(inputs, read, future_covariates)
            output, _ = self.decoder(inputs, state)
            return self._shifted(self._shifted(self.head(output), anchor), level)
        if teacher is not None:
            teacher = teacher - level
        if teacher is not None and teacher_mask is None:
            # the inputs are all known: one call over the horizon, no loop
            previous = torch.cat([past[:, -1:, : self.n_targets], teacher[:, :-1]], 1)
            inputs = self._with(previous, read, future_covariates)
            output, _ = self.decoder(inputs, state)
            return self._shifted(self._shifted(self.head(output), anchor), level)
        return self._shifted(
            self._decode_steps(
                past, anchor, read, state, future_covariates, teacher, teacher_mask
            ),
            level,
        )

    def _anchor(self, past, horizon):
        """Compute the seasonal naive forecast (level removed) and the decoder input.

        Parameters
        ----------
        past : torch.Tensor, shape (batch, window, n_columns)
            With the level removed from the targets.
        horizon : int

        Returns
        -------
        anchor : torch.Tensor, shape (batch, horizon, n_targets)
            Zeros without a season: the last value.
        read : torch.Tensor, shape (batch, horizon, n_read), or None
            The anchor, then whether it was observed (with
            ``reads_availability``), as the decoder's input at each step;
            None without a season.
        """
        targets = past[..., : self.n_targets]
        if not self.reads_anchor:
            # zeros shaped after the data, so an exported graph keeps its batch free
            return torch.zeros_like(targets[:, -1:]).expand(-1, horizon, -1), None
        window, m = past.shape[1], self.season_length
        # step h repeats the value one season before it (h counted from 0)
        rows = window - m + torch.arange(horizon, device=past.device) % m
        anchor = targets[:, rows]
        flagged = None
        if self.reads_season_flag:
            flagged = past[:, -1:, -1:] > 0.5  # [batch, 1, 1]
            # a series without the season: anchored at the last value (0 here)
            anchor = torch.where(flagged, anchor, torch.zeros_like(anchor))
        if not self.reads_availability:
            return anchor, anchor
        end = past.shape[-1] - int(self.reads_season_flag)
        available = past[..., end - self.n_targets : end]  # [batch, window, targets]
        read = available[:, rows]
        if flagged is not None:
            read = torch.where(flagged, read, available[:, -1:].expand_as(read))
        return anchor, torch.cat([anchor, read], -1)

    def _shifted(self, output, by):
        """Add ``by`` (the anchor, or the window's level) to the head's output."""
        return self.head.affine(output, by)

    def _decode_steps(
        self, past, anchor, read, state, future_covariates, teacher, teacher_mask
    ):
        """Feed the decoder one step at a time, each step its previous value."""
        previous = past[:, -1, : self.n_targets]  # [batch, n_targets]
        layers, predictions = layer_states(state), []
        for step in range(anchor.shape[1]):
            covariates = (
                None if future_covariates is None else future_covariates[:, step]
            )
            step_read = None if read is None else read[:, step]
            inputs = self._with(previous, step_read, covariates)  # [batch, n_inputs]
            output, layers = recurrent_step(self.decoder, inputs, layers)
            step_output = self._shifted(
                self.head(output), anchor[:, step]
            )  # [batch, n_targets, ...]
            predictions.append(step_output)
            prediction = previous = self.head.point(step_output)
            if teacher_mask is not None:
                previous = torch.where(
                    teacher_mask[:, step, None], teacher[:, step], prediction
                )
        return torch.stack(predictions, 1)  # [batch, horizon, n_targets, ...]

    def _with(self, inputs, read, covariates):
        """Append the decoded steps' anchors and covariates to the decoder input."""
        parts = [inputs]
        if read is not None:
            parts.append(read)
        if self.n_covariates:
            parts.append(covariates)
        return torch.cat(parts, -1) if len(parts) > 1 else inputs
