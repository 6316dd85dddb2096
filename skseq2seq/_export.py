"""Export a fitted estimator to ONNX: what ``predict`` or ``transform`` computes.

The forecaster's graph reads the raw last window of each series (and the
raw covariates known ahead) and returns forecasts on the data's scale: the
scaling, the network and the constant-column rule of ``predict`` are all
inside it. The embedder's reads raw series and returns their embeddings. A
server needs ``onnxruntime`` and numpy only (see ``skseq2seq.serving``).
"""

import copy
import json
import math
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from skseq2seq._network import on_data_scale
from skseq2seq._scaling import constant_spread, is_extreme, log_targets, scale
from skseq2seq._windows import encoder_input


class ForecastGraph(nn.Module):
    """``predict`` from raw windows to forecasts on the original scale.

    Parameters
    ----------
    network : Seq2SeqNetwork
    loc, scale : torch.Tensor, shape (n_series, n_columns)
        Each fitted series' scaling statistics, in the order of fit.
    constant : torch.Tensor of bool, shape (n_series, n_targets)
        Target columns constant in training, forecast as their last value.
    horizon : int
        Steps decoded; fixed in the exported graph.
    log : torch.Tensor of bool, shape (n_targets,)
        Target columns modelled on the log scale: their log is what is
        scaled, and the forecasts are exponentiated back.
    seasonal : torch.Tensor of bool, shape (n_series,), optional
        With a season: which series show it (see ``reads_season_flag``).
    order : torch.Tensor of int64, shape (n_targets,), optional
        Where each of fit's target columns sits among the network's, where
        pretraining put them in another order: the graph reads and returns
        targets in fit's order, as ``predict`` does.

    Notes
    -----
    ``forward(past, series, future=None)`` takes ``past`` of shape
    ``(batch, window, n_columns)`` (targets, covariates known ahead, past
    covariates; no missing values), ``series`` of shape ``(batch,)``: each
    row's position among the fitted series, and ``future`` of shape
    ``(batch, horizon, n_covariates)`` when the network reads covariates.
    It returns the point forecasts, shape ``(batch, horizon, n_targets)``,
    and the head's output on the data's scale (the same for ``loss="mse"``;
    mean and standard deviation, or the quantiles, along a last axis; for a
    log-scale target with ``loss="gaussian"``, the median and the log's
    standard deviation).
    """

    def __init__(
        self, network, loc, scale, constant, horizon, log, seasonal=None, order=None
    ):
        super().__init__()
        self.network = network
        self.horizon = horizon
        self.reordered = order is not None
        if self.reordered:
            self.register_buffer("to_fit", order)
            self.register_buffer("to_network", torch.argsort(order))
        # the scaling in float64, as predict's: float32 holds 7 digits, too
        # few for a series whose level is large against its spread
        self.register_buffer("loc", loc.double())
        self.register_buffer("scale", scale.double())
        self.register_buffer("constant", constant)
        self.register_buffer("log", log)
        self.seasonal = seasonal is not None
        if self.seasonal:
            self.register_buffer("season_flags", seasonal.double())

    def forward(self, past, series, future=None):
        network, n_targets = self.network, self.network.n_targets
        if self.reordered:
            targets = past[..., :n_targets].index_select(-1, self.to_network)
            past = torch.cat([targets, past[..., n_targets:]], -1)
        last = past[:, -1:, :n_targets]  # the data's own, for constant columns
        if bool(self.log.any()):  # decided at export: the graph has no branch
            targets = log_targets(past[..., :n_targets], self.log)
            past = torch.cat([targets, past[..., n_targets:]], -1)
        loc = self.loc[series][:, None]  # [batch, 1, n_columns]
        spread = self.scale[series][:, None]
        scaled = scale(past, loc, spread)
        # a window without gaps: every value observed
        available = torch.ones_like(scaled[..., :n_targets])
        flags = self.season_flags[series] if self.seasonal else None
        inputs = encoder_input(scaled, available, flags).float()
        finite = torch.isfinite(inputs).flatten(1).all(1)
        if future is not None:
            known = slice(n_targets, n_targets + network.n_covariates)
            future = scale(future, loc[..., known], spread[..., known]).float()
            finite = finite & torch.isfinite(future).flatten(1).all(1)
        output = network(inputs, self.horizon, future)
        output = on_data_scale(
            network.head,
            output.double(),
            loc[..., :n_targets],
            spread[..., :n_targets],
            last,
            self.constant[series],
            self.log,
        )
        # values past float32 once scaled: NaN, which serving refuses, where
        # the network would saturate and forecast as if they were sane
        finite = finite.reshape((-1,) + (1,) * (output.dim() - 1))
        output = torch.where(finite, output, torch.full_like(output, math.nan))
        if self.reordered:  # [batch, horizon, n_targets, ...]
            output = output.index_select(2, self.to_fit)
        return network.head.point(output), output


class EmbeddingGraph(nn.Module):
    """``transform`` from raw series to embeddings.

    Parameters
    ----------
    network : Seq2SeqNetwork
        The embedder's autoencoder; only its encoder runs.
    scaling : {"series", "global"} or None
    loc, scale : torch.Tensor, shape (n_channels,), optional
        The pooled statistics, with ``scaling="global"``.

    Notes
    -----
    ``forward(sequences)`` takes ``sequences`` of shape ``(batch, n_channels,
    n_timepoints)``, sktime's numpy3D layout, and returns the embeddings,
    shape ``(batch, hidden_size)``. ``sequences`` are float64 and scaled in
    float64, as ``transform`` scales them, so that a level large against the
    spread keeps its digits and a constant series is recognised as exactly;
    the network runs in float32.
    """

    def __init__(self, network, scaling, loc=None, scale=None):
        super().__init__()
        self.network = network
        self.scaling = scaling
        if scaling == "global":
            self.register_buffer("loc", loc.double())
            self.register_buffer("scale", scale.double())

    def forward(self, sequences):
        sequences = sequences.transpose(1, 2)  # [batch, time, channels]
        if self.scaling == "global":
            sequences = scale(sequences, self.loc, self.scale)
        elif self.scaling == "series":
            # an extreme series in units of its largest magnitude, as
            # series_moments takes it: squared, 1e200 would overflow
            size = sequences.abs().amax(1, keepdim=True)
            units = sequences / torch.where(
                is_extreme(size), size, torch.ones_like(size)
            )
            loc = units.mean(1, keepdim=True)
            centred = units - loc  # less the mean's round-off, as series_moments
            variance = centred.square().mean(1, keepdim=True)
            variance = variance - centred.mean(1, keepdim=True).square()
            std = variance.clamp_min(0.0).sqrt()
            spread = constant_spread(loc, std)
            sequences = scale(units, loc, spread)
        sequences = sequences.float()
        embedding = self.network.embed(sequences)
        # values past float32 once scaled: NaN, which serving refuses, where
        # the network would saturate and embed them as if they were sane
        finite = torch.isfinite(sequences).flatten(1).all(1, keepdim=True)
        return torch.where(finite, embedding, torch.full_like(embedding, math.nan))


def export_graph(graph, path, inputs, outputs, dynamic_axes, metadata):
    """Write ``graph`` to ``path`` as ONNX, and return the path.

    Parameters
    ----------
    graph : torch.nn.Module
    path : str or pathlib.Path
    inputs : dict of str to torch.Tensor
        Example inputs by name, in the order of ``graph.forward``.
    outputs : list of str
        The outputs' names.
    dynamic_axes : dict of str to dict
        For each input or output, its free axes: ``{axis: name}``.
    metadata : dict
        JSON-able values, stored in the model's ``metadata_props`` as JSON.

    Returns
    -------
    pathlib.Path
    """
    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            "export_onnx needs the onnx package: pip install 'skseq2seq[export]'."
        ) from error

    graph.eval()
    with warnings.catch_warnings(), torch.no_grad():
        # the TorchScript exporter keeps the batch dynamic through nn.LSTM and
        # unrolls the decoding loop; torch warns that it is deprecated
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph,
            tuple(inputs.values()),
            str(path),
            input_names=list(inputs),
            output_names=outputs,
            dynamic_axes=dynamic_axes,
            dynamo=False,
        )
    model = onnx.load(str(path))
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, json.dumps(value)
    onnx.save(model, str(path))
    return Path(path)


def export_forecaster(network, state, quantiles, path, target_columns=None):
    """Write the forecaster's ``predict`` for ``state`` as an ONNX graph.

    The graph takes each series' raw last ``max(window_length, season)``
    values, as many as ``state`` keeps (and, with covariates known ahead,
    their raw values over the horizon) and returns forecasts on the data's
    scale: the log, the scaling, the network and the rule for constant
    columns are inside it. The batch dimension is dynamic, so a whole panel
    is one call; the horizon is fixed at the network's training horizon (the
    decoding loop is unrolled), and the window must have no missing values.

    Parameters
    ----------
    network : Seq2SeqNetwork
    state : skseq2seq._state.ForecastState
    quantiles : sequence of float or None
        The learned levels, for ``loss="quantile"``.
    path : str or pathlib.Path
    target_columns : list, optional
        ``fit``'s target columns, where they are the network's in another
        order (after pretraining): the graph reads and returns them so.

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Inputs: ``past`` (float64, ``(batch, window_length, n_columns)``:
    targets in the order of ``y``, then the covariates known ahead, then
    ``past_covariates``), ``series`` (int64, ``(batch,)``: each row's
    position among the fitted series, whose keys the metadata lists) and,
    with covariates known ahead, ``future`` (float64, ``(batch, horizon,
    n_covariates)``). Outputs, float64: ``point``, ``(batch, horizon, n_targets)``,
    and ``distribution``: the same for a point loss, mean and standard
    deviation along a last axis for ``"gaussian"``, the quantiles of
    ``quantiles`` for ``"quantile"``. The model's metadata holds
    ``window_length``, ``horizon``, ``series`` (the keys, as text),
    ``targets``, ``covariates``, ``past_covariates``, ``quantiles`` and
    ``log_targets`` (which targets are on the log scale), each as JSON.
    With a season, ``window_length`` is the longer of the encoder's window
    and the season, which the anchor reads.
    """
    n_series, _, n_columns = state.recent.shape
    horizon = state.horizon
    # two rows at least, so that no size of 1 is taken for a fixed one;
    # tracing needs shapes only, so the example's values are zeros
    rows = np.arange(max(2, n_series)) % n_series
    inputs = {
        "past": torch.zeros(len(rows), state.context_length, n_columns).double(),
        "series": torch.from_numpy(rows),
    }
    if state.covariates:
        inputs["future"] = torch.zeros(len(rows), horizon, len(state.covariates))
        inputs["future"] = inputs["future"].double()
    names, log = list(state.target_names), state.log
    order = None
    if target_columns is not None and list(target_columns) != names:
        order = torch.tensor([names.index(name) for name in target_columns])
        names, log = list(target_columns), log[order.numpy()]
    graph = ForecastGraph(
        copy.deepcopy(network).cpu().float(),
        torch.from_numpy(state.loc),
        torch.from_numpy(state.scale),
        torch.from_numpy(state.constant),
        horizon,
        torch.from_numpy(state.log),
        torch.from_numpy(state.seasonal) if state.season > 1 else None,
        order,
    )
    keys = [None] if state.keys is None else state.keys
    metadata = {
        "window_length": state.context_length,
        "horizon": horizon,
        "series": [None if key is None else str(key) for key in keys],
        "targets": [str(name) for name in names],
        "covariates": [str(name) for name in state.covariates],
        "past_covariates": [str(name) for name in state.past_covariates],
        "quantiles": None if quantiles is None else list(quantiles),
        "log_targets": log.tolist(),
    }
    outputs = ["point", "distribution"]
    free = dict.fromkeys([*inputs, *outputs], {0: "batch"})
    return export_graph(graph, path, inputs, outputs, free, metadata)
