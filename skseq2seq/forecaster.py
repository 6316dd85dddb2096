"""The sktime estimator: Seq2SeqLSTMForecaster."""

import copy
import dataclasses
import numbers
import warnings

import numpy as np
import pandas as pd
import scipy.stats
import torch
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

from skseq2seq._device import (
    PicklesNetworksOnCPU,
    draw_seed,
    resolve_device,
    seeded,
)
from skseq2seq._export import ForecastGraph, export_graph
from skseq2seq._frames import Collection, locate, panel_index, rows_after, rows_at
from skseq2seq._network import LOSSES, Seq2SeqNetwork, on_data_scale
from skseq2seq._persistence import load_safe, save_safe
from skseq2seq._seasonality import detect_seasons, seasonal_flags
from skseq2seq._training import (
    TrainingConfig,
    autocast,
    fit_network,
    history_frame,
    plain_number,
)
from skseq2seq._validation import (
    check_choice,
    check_int,
    check_numeric_finite,
    check_real,
    check_training_params,
)
from skseq2seq._windows import (
    SCALE_ROWS,
    WindowSet,
    check_positive,
    choose_log_targets,
    fill_gaps,
    fill_window_gaps,
    fit_scaler,
    keep_observed_windows,
    last_rows,
    log_targets,
    pad_series_ends,
    pad_short_series,
    pooled_change,
    resolve_lengths,
    scale,
    scale_series,
    split_windows,
    to_network_tensor,
)

#: Quantile levels ``loss="quantile"`` learns unless told otherwise: enough
#: for sktime's usual 80%, 90%, 95% and 98% intervals.
DEFAULT_QUANTILES = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99)


class Seq2SeqLSTMForecaster(PicklesNetworksOnCPU, BaseForecaster):
    """LSTM encoder-decoder forecaster.

    The encoder, an LSTM (or GRU), reads the last ``window_length`` values
    of every target column and summarises them in its final state. The
    decoder, a recurrent network of the same kind, starts from that state and
    produces the horizon one step at a time through a linear head. One
    network forecasts all columns of a multivariate series together.

    A target whose training values are all positive is modelled on the log
    scale, and the network works on changes from each window's last
    observed value: on relative changes, then, the same at any level, as
    ES-RNN and N-BEATS normalise windows. Trends that leave the training
    range are followed. Other columns are standardised with the mean and
    standard deviation of each series' training data. A column that is
    constant in training is forecast as its last value.

    Exogenous ``X`` feeds the encoder alongside the target and, for columns
    known ahead, the decoder at each step (see ``past_covariates``).

    Missing values (NaN) in ``y`` are trained through: each is filled with
    the last observed value, the encoder reads whether each value was
    observed, and missing targets are left out of the loss. ``X`` must have
    no missing values.

    Panels and hierarchies (a row ``MultiIndex`` with time last) are fitted
    as one global model: one network learns from the windows of every
    series, each scaled on its own, and ``predict`` forecasts every series in
    one batched forward pass; each series is forecast from its own last
    time point. ``pretrain(panel)`` trains the network on a panel; a later
    ``fit(series)`` then uses it as it is, fitting only the new series'
    scaling and recent values, so series never seen in pretraining are
    forecast without training from scratch. ``update(...,
    update_params=True)`` fine-tunes it on them.

    Parameters
    ----------
    window_length : int or None, default=None
        Number of past time points the encoder reads. ``None`` uses
        ``max(24, 2 * horizon)``, shortened to fit a typical training series
        (the median length of a panel). A season does not lengthen it: the
        anchor reads last season's values from a window of its own, so a
        weekly season of half-hours costs no 672-step encoder. Series
        shorter than the window and the horizon are padded in front with
        missing values. Training windows end at every time point: where
        the horizon runs past a series' end, those steps are left out of
        the loss, so the newest data is read as it is at prediction.
    seasonal_period : "auto", int or None, default="auto"
        The season of the data, in steps. The decoder's head forecasts the
        difference from the seasonal naive forecast (the value one season
        before each step) instead of from the last value, so the network
        learns only how this season differs from the last; the decoder also
        reads that value at each step, so it can correct a noisy one.
        ``"auto"`` takes
        the usual period of the index's frequency (12 for months, 4 for
        quarters, 7 for days, 24 for hours), or the strongest cycle of an
        integer index, and decides series by series, as the Theta method
        does, whether the data shows it: the series spans three seasons,
        and its autocorrelation, detrended, peaks at that lag and is
        significant there. A series that does not is anchored at its last
        value instead (see ``seasonal_series_``). It is judged on the first
        target column. An int: every series has that season. ``None`` or 1:
        no season.
    hidden_size : int, default=64
        Width of the recurrent state of encoder and decoder.
    num_layers : int, default=1
        Number of stacked recurrent layers in encoder and decoder.
    cell_type : {"lstm", "gru"}, default="lstm"
        Recurrent cell of encoder and decoder.
    dropout : float, default=0.0
        Dropout between stacked layers, in [0, 1). Has no effect with one layer.
    decoder_input : {"autoregressive", "context"}, default="autoregressive"
        What the decoder is fed at each step.

        * ``"autoregressive"``: the previous step's value, starting from the
          last observed value, then its own prediction (or, in teacher-forced
          training, the true value).
        * ``"context"``: the encoder's last output, repeated at every step.
    training_strategy : {"recursive", "teacher_forcing", "mixed"}, \
            default="mixed"
        What an autoregressive decoder is fed during training; prediction is
        always recursive. Ignored by the context decoder.

        * ``"recursive"``: its own predictions, as at prediction time.
        * ``"teacher_forcing"``: the true values; fast, as the whole horizon
          is decoded in one call, but never trained on its own errors.
        * ``"mixed"``: the true value with probability
          ``teacher_forcing_ratio``, its own prediction otherwise, drawn per
          window and step.
    teacher_forcing_ratio : float, default=0.5
        For ``"mixed"``: the probability of feeding the true value, in [0, 1].
    teacher_forcing_decay : float, default=0.01
        For ``"mixed"``: subtracted from the ratio after every epoch (not
        below 0), so training moves from teacher forcing to recursion. On
        the accuracy benchmark this schedule beat pure recursion by about
        4% in mean MASE.
    num_epochs : int or None, default=None
        Passes over all training windows. With ``max_steps=None`` too, the
        budget is 50 epochs but at least 400 and at most 2,000 optimiser
        steps: a short series trains 400 steps, and a series of more than
        about 1,300 windows, or a panel of any size, 2,000. The cost of a
        fit thus stops growing with the data.
    max_steps : int or None, default=None
        Optimiser steps (batches). Training stops at the first of
        ``num_epochs``, ``max_steps`` and ``max_time`` to run out.
    max_time : float or None, default=None
        Seconds of training, checked after every step: a cap for interactive
        use. A fit stopped by it depends on the machine's speed, so is not
        reproducible.
    batch_size : int, default=32
        Windows per gradient step.
    lr : float, default=3e-3
        Learning rate; with the default ``lr_scheduler``, its value at the
        first step.
    weight_decay : float, default=0.0
        L2 penalty, passed to the optimizer.
    optimizer : str or torch.optim.Optimizer class, default="Adam"
        A class, or the name of one in ``torch.optim`` such as ``"AdamW"`` or
        ``"SGD"``. Built in ``fit`` with ``lr``, ``weight_decay`` and
        ``optimizer_kwargs``.
    optimizer_kwargs : dict or None, default=None
        Further optimizer arguments; they take precedence over ``lr`` and
        ``weight_decay``.
    lr_scheduler : str, torch.optim.lr_scheduler class or None, \
default="cosine"
        ``"cosine"`` lowers the learning rate from ``lr`` to zero along a
        half cosine over the whole budget, after every optimiser step. Or a
        learning-rate scheduler, or the name of one in
        ``torch.optim.lr_scheduler`` such as ``"StepLR"``, stepped after
        every epoch (``ReduceLROnPlateau`` is given the monitored loss).
        ``None`` keeps ``lr`` constant.
    lr_scheduler_kwargs : dict or None, default=None
        Arguments of the scheduler, e.g. ``{"step_size": 30}`` for ``StepLR``.
    validation_size : float, int or None, default=None
        Hold out the last windows of the series, in time order, to score
        after every epoch: a fraction of the windows in (0, 1), or a number
        of them. Training windows whose targets overlap the held-out targets
        are dropped. The scores go to ``history_["valid_loss"]`` and are
        what ``patience`` watches.
    patience : int or None, default=None
        Stop after this many epochs without a lower loss (the validation
        loss, or the training loss without ``validation_size``), and restore
        the weights of the best epoch.
    gradient_clip : float or None, default=None
        Clip the norm of all gradients together to this value.
    past_covariates : list of str or None, default=None
        Columns of ``X`` known only up to the present, such as an observed
        temperature: the encoder reads their past and predict does not need
        their future. Every other column of ``X`` is a covariate known ahead
        (a calendar or Fourier term, a planned price): the encoder reads its
        past and the decoder its value at each step, so predict needs ``X``
        at every step up to the furthest one of ``fh``.
    scaling : {"auto", "series", "global"} or None, default="auto"
        How each column is standardised before the network sees it.
        ``"auto"``: a target on the log scale (see ``target_transform``) is
        divided by the mean absolute change between neighbouring values,
        pooled over all series, so its changes have a size of about 1 and
        stay relative, one unit for every series; every other column as
        with ``"series"``.
        ``"series"``: with the mean and standard deviation of each series'
        own training data (of its last 1,000 points, for a longer series,
        whose level and spread may have moved), so series of any level and
        spread share one network. ``"global"``: with the statistics of all
        training series pooled (after ``pretrain``, those of the pretraining
        panel); right for many short samples of one process, whose own
        statistics are noisy and differ between a sample's training and
        forecasting windows. ``None``: the values as given.
    target_transform : {"auto", "log"} or None, default="auto"
        ``"auto"`` models a target column on the log scale where every
        training value of it, in every series, is positive; ``"log"``
        requires that of every target column. The forecast is exponentiated
        back: the point forecast is then a median, and a gaussian head's
        distribution a log-normal. Data at predict or update must stay
        positive in those columns (see ``log_targets_``). ``None``: the
        values as given.
    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA, then Apple MPS, then the CPU.
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Arithmetic of the forward pass, through ``torch.autocast``: float32,
        bfloat16 (CUDA or CPU), or float16 with loss scaling (CUDA only).
        The weights stay float32 either way.
    loss : {"auto", "mae", "mse", "gaussian", "quantile"}, default="auto"
        What the network forecasts and is trained on.

        * ``"auto"``: ``"mae"`` where every target is on the log scale (see
          ``target_transform``): positive data, scored by relative errors,
          where a rare jump should not pull the forecast; ``"mse"``
          otherwise. The choice is the network's ``hyperparameters["loss"]``.

        * ``"mae"``: a point forecast, on mean absolute error: the median,
          what sMAPE and MASE score. No intervals.
        * ``"mse"``: a point forecast, on mean squared error: the mean. No
          intervals.
        * ``"gaussian"``: a normal distribution per step (mean and standard
          deviation), on its negative log-likelihood, as DeepAR does. The
          mean is the point forecast and is fed back to an autoregressive
          decoder. Gives ``predict_interval``, ``predict_quantiles``,
          ``predict_var`` and ``predict_proba`` for any level.
        * ``"quantile"``: the ``quantiles`` per step, on the pinball loss,
          built so they never cross. The median is the point forecast.
          Other levels are interpolated between the learned ones.
    quantiles : sequence of float or None, default=None
        For ``loss="quantile"``: increasing levels in (0, 1) including 0.5.
        ``None`` learns 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95,
        0.975 and 0.99, enough for 80%, 90%, 95% and 98% intervals.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and teacher-forcing
        coins. An int gives identical forecasts on the CPU every time.
        torch's global random state is left as it was.
    verbose : bool, default=False
        Show a progress bar over epochs with the latest losses.

    Attributes
    ----------
    network_ : Seq2SeqNetwork
        The trained network, in evaluation mode.
    window_length_ : int
        The encoder window used.
    seasonal_period_ : int
        The season the network forecasts from; 1 for none.
    seasonal_series_ : ndarray of bool, shape (n_series,)
        Which series show that season and are anchored at it; the others
        are anchored at their last value.
    log_targets_ : ndarray of bool, shape (n_targets,)
        The target columns modelled on the log scale.
    horizon_ : int
        The number of steps the decoder was trained to produce: the largest
        step of the fh passed to ``fit`` (or ``pretrain``), or
        ``max(1, window_length_ // 2)`` without one. A longer fh at predict
        decodes further, feeding the decoder its own predictions; accuracy
        then degrades with each step beyond ``horizon_``.
    device_ : torch.device
        The device the network lives on: where it was trained, or the CPU
        after loading on a machine without that device.
    history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``steps`` (optimiser steps so far),
        ``train_loss``, ``valid_loss`` (NaN without ``validation_size``),
        ``monitored_loss`` (what ``patience`` watches), ``lr`` and
        ``seconds``. Plot the loss
        curve with ``history_.plot(x="epoch", y=["train_loss", "valid_loss"])``
        (needs matplotlib).
    scale_loc_, scale_scale_ : ndarray of shape (n_series, n_columns)
        What each training column (targets, then covariates) of each series
        is shifted and divided by, on the log scale for ``log_targets_``;
        with ``scaling="series"``, the mean and standard deviation of its
        last 1,000 points.
    covariates_, past_covariates_ : list of str
        The columns of ``X`` read by the decoder and the encoder, and those
        read by the encoder only; empty without ``X``.
    pretrained_network_ : Seq2SeqNetwork
        After ``pretrain``: the network trained on the panel, on the CPU.
        ``fit`` works on a copy, so refitting starts from it again.
    pretrain_history_ : pandas.DataFrame
        After ``pretrain``: its epochs, as in ``history_``.
    pretrain_scale_loc_, pretrain_scale_scale_ : ndarray of shape \
(n_series, n_columns)
        After ``pretrain``: the pooled statistics ``scaling="global"`` uses,
        the same in every row.
    pretrain_log_scale_ : ndarray of shape (n_log_targets,)
        After ``pretrain`` with ``scaling="auto"``: the pooled change that
        the log-scale targets of every later ``fit`` are divided by.

    See Also
    --------
    sktime.forecasting.naive.NaiveForecaster : the baseline to beat.

    Notes
    -----
    ``update(y, update_params=False)`` forecasts from the new data without
    training. ``update_params=True`` also trains with the budget of ``fit``
    (a fresh optimizer, the teacher-forcing schedule restarted, no
    validation split) on the windows whose horizon reaches into the new
    data, keeping the scaling of the first fit. Rows at or before a series'
    last time point are taken as seen and ignored, as sktime's ``evaluate``
    passes the whole history; new rows must follow it without a gap.

    If the loss turns NaN or infinite, or training diverges (forecasts far
    worse than repeating the last value), ``fit`` raises
    ``FloatingPointError`` and the forecaster is left unfitted: a
    half-trained network is never kept; ``update`` and ``pretrain`` leave
    the networks as they were. Interrupting ``fit`` with Ctrl-C instead
    keeps the best weights so far, warns, and leaves a fitted forecaster.

    The forecaster pickles, deep-copies and saves with sktime's ``save``
    like any estimator; the network is stored on the CPU, so a forecaster
    fitted on a GPU loads and predicts on a machine without one.
    :meth:`save_safe` writes a format that loads without running pickled
    code: the weights as a torch state dict, everything else as JSON.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from skseq2seq import Seq2SeqLSTMForecaster
    >>> y = load_airline()
    >>> forecaster = Seq2SeqLSTMForecaster(num_epochs=5, random_state=0)
    >>> forecaster.fit(y, fh=[1, 2, 3])
    Seq2SeqLSTMForecaster(num_epochs=5, random_state=0)
    >>> forecaster.predict().shape
    (3,)
    """

    _tags = {
        "authors": ["skseq2seq developers"],
        "maintainers": ["skseq2seq developers"],
        "python_dependencies": "torch",
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "capability:multivariate": True,
        "capability:exogenous": True,
        # the decoder reads X at every step up to the furthest one
        "capability:non_contiguous_X": False,
        "capability:pretrain": True,
        "pretrain:fitted_params": [
            "pretrained_network_",
            "pretrain_history_",
            "window_length_",
            "seasonal_period_",
            "horizon_",
            "seasonal_series_",
            "pretrain_scale_loc_",
            "pretrain_scale_scale_",
            "log_targets_",
            "pretrain_log_scale_",
        ],
        "capability:insample": False,
        "capability:pred_int": False,
        # NaN in y: filled, flagged to the encoder and masked out of the loss
        "capability:missing_values": True,
        "capability:update": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
        "requires-fh-in-fit": False,
    }

    _config = {"remember_data": False}

    def __init__(
        self,
        window_length=None,
        seasonal_period="auto",
        hidden_size=64,
        num_layers=1,
        cell_type="lstm",
        dropout=0.0,
        decoder_input="autoregressive",
        training_strategy="mixed",
        teacher_forcing_ratio=0.5,
        teacher_forcing_decay=0.01,
        num_epochs=None,
        max_steps=None,
        max_time=None,
        batch_size=32,
        lr=3e-3,
        weight_decay=0.0,
        optimizer="Adam",
        optimizer_kwargs=None,
        lr_scheduler="cosine",
        lr_scheduler_kwargs=None,
        validation_size=None,
        patience=None,
        gradient_clip=None,
        past_covariates=None,
        scaling="auto",
        target_transform="auto",
        device="auto",
        precision="32",
        loss="auto",
        quantiles=None,
        random_state=None,
        verbose=False,
    ):
        self.window_length = window_length
        self.seasonal_period = seasonal_period
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell_type = cell_type
        self.dropout = dropout
        self.decoder_input = decoder_input
        self.training_strategy = training_strategy
        self.teacher_forcing_ratio = teacher_forcing_ratio
        self.teacher_forcing_decay = teacher_forcing_decay
        self.num_epochs = num_epochs
        self.max_steps = max_steps
        self.max_time = max_time
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.optimizer_kwargs = optimizer_kwargs
        self.lr_scheduler = lr_scheduler
        self.lr_scheduler_kwargs = lr_scheduler_kwargs
        self.validation_size = validation_size
        self.patience = patience
        self.gradient_clip = gradient_clip
        self.past_covariates = past_covariates
        self.scaling = scaling
        self.target_transform = target_transform
        self.device = device
        self.precision = precision
        self.loss = loss
        self.quantiles = quantiles
        self.random_state = random_state
        self.verbose = verbose
        super().__init__()
        # with remember_data off, the base class leaves these unset
        self._y = self._X = None

    def __post_init__(self):
        """Declare intervals possible when the head learns a distribution."""
        self.set_tags(**{"capability:pred_int": self.loss in ("gaussian", "quantile")})

    def fit(self, y, X=None, fh=None):
        """Fit the forecaster to ``y`` (and ``X``): sktime's ``fit``.

        ``y`` and ``X`` are first checked for non-numeric columns, infinite
        values, and emptiness, and ``X`` for missing values, with errors that
        say what to do. Missing values in ``y`` are trained through (see the
        class docstring).
        See ``sktime.forecasting.base.BaseForecaster.fit`` for the rest.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or a panel or hierarchy
            The series to learn from; a row ``MultiIndex`` (time last) holds
            several, fitted as one global model.
        X : pd.DataFrame, optional
            Covariates over the same time points.
        fh : int, list, array or ForecastingHorizon, optional
            The steps ahead; the decoder is trained for the furthest.

        Returns
        -------
        self
        """
        check_numeric_finite(y, "y", allow_missing=True)
        check_numeric_finite(X, "X")
        return super().fit(y, X=X, fh=fh)

    def update(self, y, X=None, update_params=True):
        """Append new data: sktime's ``update``, after the checks of ``fit``.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or a panel or hierarchy
            The new time points, for the series seen in ``fit``.
        X : pd.DataFrame, optional
            Covariates at the new time points.
        update_params : bool, default=True
            Also train, with the budget of ``fit``, on the windows whose
            horizon reaches into the new data. ``False`` only moves on in
            time. Rows at or before a series' last time point are ignored.

        Returns
        -------
        self
        """
        check_numeric_finite(y, "y", allow_missing=True)
        check_numeric_finite(X, "X")
        self._check_positive(y)  # before sktime moves the cutoff
        return super().update(y, X=X, update_params=update_params)

    def predict_interval(self, fh=None, X=None, coverage=0.90):
        """Prediction intervals: sktime's, for ``loss="gaussian"`` or ``"quantile"``."""
        self._check_distribution("predict_interval")
        return super().predict_interval(fh=fh, X=X, coverage=coverage)

    def predict_quantiles(self, fh=None, X=None, alpha=None):
        """Quantile forecasts: sktime's, for ``loss="gaussian"`` or ``"quantile"``."""
        self._check_distribution("predict_quantiles")
        return super().predict_quantiles(fh=fh, X=X, alpha=alpha)

    def predict_var(self, fh=None, X=None, cov=False):
        """Variance forecasts: sktime's, for ``loss="gaussian"`` or ``"quantile"``."""
        self._check_distribution("predict_var")
        return super().predict_var(fh=fh, X=X, cov=cov)

    def predict_proba(self, fh=None, X=None, marginal=True):
        """Forecast distributions, for ``loss="gaussian"`` or ``"quantile"``."""
        self._check_distribution("predict_proba")
        return super().predict_proba(fh=fh, X=X, marginal=marginal)

    def _check_distribution(self, method):
        """Name the loss that gives ``method`` where the head forecasts a point."""
        if self.loss in ("gaussian", "quantile"):
            return
        # sktime's own words for what is missing, which its checks look for
        missing = {
            "predict_interval": "prediction intervals",
            "predict_quantiles": "quantile predictions",
            "predict_var": "variance predictions",
            "predict_proba": "probabilistic predictions",
        }[method]
        raise NotImplementedError(
            f"loss={self.loss!r} forecasts a point, so {method} gives no "
            f"{missing}. Refit with loss='gaussian' (a normal per step) or "
            "loss='quantile' (learned quantiles)."
        )

    def pretrain(self, y, X=None, fh=None):
        """Train on a panel of many series: sktime's ``pretrain``.

        A later ``fit`` on any series uses the pretrained network as it is,
        fitting only that series' scaling and recent values.

        Parameters
        ----------
        y : pd.DataFrame with a row MultiIndex
            A panel or hierarchy.
        X : pd.DataFrame, optional
            Covariates, with the same index as ``y``.
        fh : int, list, array or ForecastingHorizon, optional
            The steps ahead; the decoder is trained for the furthest.

        Returns
        -------
        self
        """
        check_numeric_finite(y, "y", allow_missing=True)
        check_numeric_finite(X, "X")
        return super().pretrain(y, X=X, fh=fh)

    def _fit(self, y, X, fh):
        """Collect the data, choose the lengths, scale, train, and store.

        After ``pretrain``, the pretrained network is used as it is: only the
        scaling and the recent values of the new series are fitted.
        """
        pretrained = getattr(self, "pretrained_network_", None)
        data, log = self._collect(
            y, X, log=None if pretrained is None else self.log_targets_
        )
        logged = _on_log_scale(data, log)
        device = resolve_device(self.device, self.precision)
        if pretrained is None:
            window_length, horizon, season, seasonal = self._lengths(
                logged, _furthest(fh, self.cutoff)
            )
        else:
            window_length, horizon = self.window_length_, self.horizon_
            season = self.seasonal_period_
            seasonal = self._seasonal_series(logged, season)
            _check_fits_pretrained(pretrained, data)
        # training needs a value to read and one to learn; forecasting one
        _check_observed(data, 1 if pretrained is None else 0)
        if data.keys is None and data.lengths[0] < window_length:
            warnings.warn(
                f"window_length={window_length} is longer than the series "
                f"({data.lengths[0]} time points): the encoder reads "
                f"{window_length - data.lengths[0]} missing values before it "
                "starts. Pass a window_length of at most the series' length, "
                "or None to choose one that fits.",
                UserWarning,
                stacklevel=3,
            )
        loc, scale = self._scaler(logged, log)
        seed = draw_seed(self.random_state)
        if pretrained is None:
            network, history = self._train(
                logged,
                loc=loc,
                scale=scale,
                window_length=window_length,
                horizon=horizon,
                season=season,
                seasonal=seasonal,
                loss=self._resolved_loss(log),
                device=device,
                seed=seed,
                validation_size=plain_number(self.validation_size),
            )
        else:
            network = copy.deepcopy(pretrained).to(device)
            history = history_frame([])
        # only a network that finished training makes the forecaster fitted
        self.network_, self.device_, self.history_ = network, device, history
        self.window_length_, self.horizon_ = window_length, horizon
        self.seasonal_period_, self.log_targets_ = season, log
        self.seasonal_series_ = seasonal
        self.scale_loc_, self.scale_scale_ = loc, scale
        self.covariates_, self.past_covariates_ = data.columns
        self._keys, self._ends, self._freq = data.keys, data.ends, data.freq
        self._index_names = list(y.index.names)
        self._target_names = list(y.columns)
        self._n_targets, self._seed = data.sizes[0], seed
        self._constant = data.constant_targets()
        # what the model needs again: the last window, and enough before it
        # to train on new data in update; NaN before a short series starts.
        # On the data's own scale: a constant column is held at its value.
        self._recent = last_rows(
            data.values, data.lengths, self._context_length() + horizon - 1
        )  # [n_series, n_recent, n_columns]
        return self

    def _pretrain(self, y, X=None, fh=None):
        """Train one network across every series of a panel."""
        data, log = self._collect(y, X)
        _check_observed(data, 1)
        data = _on_log_scale(data, log)
        window_length, horizon, season, seasonal = self._lengths(
            data, _furthest(fh, None)
        )
        loc, scale = self._scaler(data, log)
        network, history = self._train(
            data,
            loc,
            scale,
            window_length=window_length,
            horizon=horizon,
            season=season,
            seasonal=seasonal,
            loss=self._resolved_loss(log),
            device=resolve_device(self.device, self.precision),
            seed=draw_seed(self.random_state),
            validation_size=plain_number(self.validation_size),
        )
        # kept on the CPU: fit copies it to its own device
        self.pretrained_network_ = network.cpu()
        if self.scaling == "auto":  # the unit of the log targets' changes
            self.pretrain_log_scale_ = scale[0, : len(log)][log]
        self.pretrain_history_ = history
        self.window_length_, self.horizon_ = window_length, horizon
        self.seasonal_period_, self.log_targets_ = season, log
        # the pooled statistics: what scaling="global" uses from now on
        self.pretrain_scale_loc_, self.pretrain_scale_scale_ = fit_scaler(
            data.values, data.lengths, "global"
        )
        return self

    def _pretrain_update(self, y, X=None, fh=None):
        """Continue pretraining on another panel, with the same window and horizon."""
        data, _ = self._collect(y, X, log=self.log_targets_)
        _check_fits_pretrained(self.pretrained_network_, data)
        _check_observed(data, 1)
        data = _on_log_scale(data, self.log_targets_)
        network, history = self._train(
            data,
            *self._scaler(data, self.log_targets_),
            window_length=self.window_length_,
            horizon=self.horizon_,
            season=self.seasonal_period_,
            seasonal=self._seasonal_series(data, self.seasonal_period_),
            device=resolve_device(self.device, self.precision),
            seed=draw_seed(self.random_state),
            network=self.pretrained_network_,
            validation_size=plain_number(self.validation_size),
        )
        self.pretrained_network_ = network.cpu()
        self.pretrain_history_ = pd.concat(
            [self.pretrain_history_, history], ignore_index=True
        )
        return self

    def _collect(self, y, X, columns=None, log=None):
        """Check the parameters and lay ``y`` and ``X`` out as one flat collection.

        ``columns`` are the covariates known ahead and the past covariates
        to take from ``X``; ``None`` reads them from ``X`` and the
        parameters, as in fit. ``log`` flags the target columns modelled on
        the log scale; ``None`` decides it from ``target_transform``.

        Returns
        -------
        data : Collection
            As given; :func:`_on_log_scale` takes the log of the flagged
            target columns, which are checked to be positive here.
        log : ndarray of bool, shape (n_targets,)
        """
        self._check_params()
        covariates, past_covariates = (
            self._covariate_columns(X) if columns is None else columns
        )
        data = Collection.from_frames(y, X, covariates, past_covariates)
        if log is None:
            log = choose_log_targets(data.values, data.sizes[0], self.target_transform)
        check_positive(data.values, log)
        return data, log

    def _lengths(self, data, horizon):
        """Choose the season, then the window and the training horizon, for ``data``.

        Returns
        -------
        window_length, horizon, season : int
        seasonal : ndarray of bool, shape (n_series,)
            Which series show the season, and are anchored at it.
        """
        period = plain_number(self.seasonal_period)
        if period == "auto":
            season, seasonal = detect_seasons(_first_targets(data), data.freq)
        else:
            season = 1 if period is None else period
            seasonal = self._seasonal_series(data, season)
        window_length, horizon = resolve_lengths(
            data.typical_length, plain_number(self.window_length), horizon
        )
        if data.typical_length < season + horizon:
            if period == "auto":  # too short to read a season: do without
                return window_length, horizon, 1, np.zeros_like(seasonal)
            raise ValueError(
                f"seasonal_period={period} needs series of at least {period} time "
                f"points before the horizon of {horizon}, but the typical series "
                f"has {data.typical_length}. Pass longer series, a shorter fh, "
                "or seasonal_period='auto'."
            )
        return window_length, horizon, season, seasonal

    def _seasonal_series(self, data, season):
        """Which series of ``data`` show the fitted season (all, if it was given)."""
        if season == 1 or plain_number(self.seasonal_period) != "auto":
            return np.full(len(data.lengths), season > 1)
        return seasonal_flags(_first_targets(data), season)

    def _context_length(self):
        """Time points each forecast reads: the encoder's window, or a season."""
        return max(self.window_length_, self.seasonal_period_)

    def _scaler(self, data, log):
        """Scaling statistics for ``data``, per series and column.

        With ``scaling="global"`` after ``pretrain``, the pretraining
        statistics: the network learned on that scale. With ``"auto"``,
        each series' own, but the targets on the log scale (``log``) are
        divided by their change pooled over the series (after ``pretrain``,
        the pretraining panel's), so they stay in one relative unit.
        """
        if self.scaling == "global" and hasattr(self, "pretrain_scale_loc_"):
            shape = (len(data.lengths), data.values.shape[1])
            return (
                np.broadcast_to(self.pretrain_scale_loc_[:1], shape).copy(),
                np.broadcast_to(self.pretrain_scale_scale_[:1], shape).copy(),
            )
        scaling = "series" if self.scaling == "auto" else self.scaling
        loc, scale = fit_scaler(data.values, data.lengths, scaling, last=SCALE_ROWS)
        if self.scaling == "auto" and log.any():
            # the level stays each series' (float32 keeps the changes' digits)
            columns = np.flatnonzero(log)
            if hasattr(self, "pretrain_log_scale_"):  # the unit it learned in
                scale[:, columns] = self.pretrain_log_scale_
            else:
                scale[:, columns] = pooled_change(data.values[:, columns], data.lengths)
        return loc, scale

    def _build_network(
        self,
        n_targets,
        n_covariates=0,
        n_past_covariates=0,
        season_length=1,
        encoder_length=None,
        loss="mse",
    ):
        """Build the untrained network for these column counts and season.

        It reads whether each target was observed (``WindowSet`` appends it).
        """
        return Seq2SeqNetwork(
            season_length=season_length,
            encoder_length=encoder_length,
            reads_availability=True,
            reads_season_flag=True,
            n_targets=n_targets,
            n_covariates=n_covariates,
            n_past_covariates=n_past_covariates,
            hidden_size=plain_number(self.hidden_size),
            num_layers=plain_number(self.num_layers),
            cell_type=self.cell_type,
            dropout=plain_number(self.dropout),
            decoder_input=self.decoder_input,
            loss=loss,
            quantiles=self._levels(),
        )

    def _resolved_loss(self, log):
        """Resolve ``loss="auto"``: absolute error where all targets are logged."""
        if self.loss != "auto":
            return self.loss
        return "mae" if log.all() else "mse"

    def _levels(self):
        """Return the quantile levels ``loss="quantile"`` learns, as floats."""
        levels = DEFAULT_QUANTILES if self.quantiles is None else self.quantiles
        return tuple(plain_number(level) for level in levels)

    def _train(
        self,
        data,
        loc,
        scale,
        *,
        window_length,
        horizon,
        device,
        seed,
        season=1,
        seasonal=None,
        loss=None,
        network=None,
        validation_size=None,
        require_windows=True,
    ):
        """Train a copy of ``network`` (a new one if None) on every series of ``data``.

        ``network`` itself is never changed: callers keep the result only if
        training succeeds. Series shorter than a window and its horizon are
        padded with missing values; missing values are filled, flagged to
        the encoder, and left out of the loss.

        Returns
        -------
        network : Seq2SeqNetwork or None
            Trained, on ``device``, in evaluation mode; None if no window has
            observed values and ``require_windows`` is False.
        history : pandas.DataFrame
        """
        n_targets, n_covariates, _ = data.sizes
        # the encoder reads window_length steps; the anchor reaches a season
        encoded, window_length = window_length, max(window_length, season)
        # windows end at every time point, the horizon past a series' end
        # missing; shorter series are padded in front to one whole window
        scaled, lengths = pad_short_series(
            *pad_series_ends(
                scale_series(data.values, data.lengths, loc, scale, np.float32),
                data.lengths,
                horizon - 1,
                n_targets,
            ),
            window_length + horizon,
        )
        observed = fill_gaps(scaled, lengths, n_targets)
        split = split_windows(lengths, window_length, horizon, validation_size)
        train_starts, valid_starts = (
            keep_observed_windows(starts, observed, window_length, horizon)
            for starts in split
        )
        if len(train_starts) == 0:
            if not require_windows:
                return None, history_frame([])
            raise ValueError(
                f"No training window of {window_length} past and {horizon} future "
                "time points has an observed value in both parts: the data is "
                "too sparse. Pass series with fewer gaps, or a shorter fh."
            )
        scaled = to_network_tensor(scaled, "y and X")
        observed = None if observed is None else torch.from_numpy(observed)
        # the rows of each series flagged as it shows the season, or not
        flags = None
        if season > 1:
            flags = torch.from_numpy(np.repeat(seasonal, lengths))

        def window_set(starts):
            return WindowSet(
                scaled,
                starts,
                window_length,
                horizon,
                n_targets,
                n_covariates,
                observed,
                flags,
            )

        with seeded(seed, device):
            if network is None:
                network = self._build_network(
                    *data.sizes,
                    season_length=season,
                    encoder_length=encoded,
                    loss=loss,
                )
            else:
                network = copy.deepcopy(network)
            network = network.to(device)
            history = fit_network(
                network,
                window_set(train_starts),
                TrainingConfig.from_params(self.get_params(deep=False)),
                device,
                valid_windows=window_set(valid_starts),
            )
        network.eval()
        return network, history_frame(history)

    def _predict(self, fh, X):
        """Decode every series at once; the point forecast at the steps of ``fh``."""
        output, index = self._decode(fh, X)
        point = self.network_.head.point(output)  # [series, fh, targets]
        return pd.DataFrame(
            point.reshape(-1, self._n_targets).numpy(),
            index=index,
            columns=self._get_varnames(),
        )

    def _predict_quantiles(self, fh, X, alpha):
        """Quantiles of the normal (``loss="gaussian"``) or the learned quantiles.

        With ``loss="quantile"``, quantiles between the learned levels are
        interpolated linearly; those outside them are refused.
        """
        output, index = self._decode(fh, X)
        levels = np.asarray(alpha, dtype=np.float64)
        if self.loss == "gaussian":
            mean, std = output.numpy()[..., :1], output.numpy()[..., 1:]
            z = std * scipy.stats.norm.ppf(levels)  # [..., targets, alpha]
            # a log-scale target's mean is its median: a log-normal's quantiles
            log = self.log_targets_[:, None]
            values = np.where(log, mean * np.exp(z), mean + z)
        else:
            values = _interpolate_quantiles(output.numpy(), self._levels(), levels)
        return pd.DataFrame(
            values.reshape(len(index), -1),
            index=index,
            columns=self._get_columns(method="predict_quantiles", alpha=list(alpha)),
        )

    def _predict_var(self, fh, X=None, cov=False):
        """Variance: the normal's (``loss="gaussian"``), else from the quartiles.

        From the learned quantiles, the variance is that of the normal with
        the same interquartile range.
        """
        if cov:
            raise NotImplementedError(
                "Seq2SeqLSTMForecaster forecasts marginal variances only; call "
                "predict_var with cov=False."
            )
        output, index = self._decode(fh, X)
        log = self.log_targets_
        if self.loss == "gaussian":
            median, std = np.moveaxis(output.numpy(), -1, 0)
            # a normal on the log scale is a log-normal on the data's
            variance = np.where(
                log, median**2 * np.exp(std**2) * np.expm1(std**2), std**2
            )
        else:
            lower, upper = np.moveaxis(
                _interpolate_quantiles(output.numpy(), self._levels(), [0.25, 0.75]),
                -1,
                0,
            )
            variance = ((upper - lower) / (2 * scipy.stats.norm.ppf(0.75))) ** 2
        return pd.DataFrame(
            variance.reshape(len(index), -1),
            index=index,
            columns=self._get_varnames(),
        )

    def _decode(self, fh, X):
        """Run the network over every series; its output at the steps of ``fh``.

        Returns
        -------
        output : torch.Tensor of float64, shape (n_series, len(fh), n_targets)
            or (n_series, len(fh), n_targets, n_params)
            The head's output on the scale of the data.
        index : pd.Index or pd.MultiIndex
            The rows of the forecast: every series at its steps of ``fh``.
        """
        # each series counts fh from its own last time point
        which, ends = pd.factorize(self._ends)
        cutoffs = [self._cutoff_at(end) for end in ends]
        steps = np.stack([_steps_ahead(fh, cutoff) for cutoff in cutoffs])[which]
        if steps.min() < 1:
            raise NotImplementedError(
                f"fh {list(fh)} lies inside the training data of a series that "
                "ends later than others; this forecaster only forecasts ahead."
            )
        horizon = int(steps.max())
        past = self._scaled_past()
        future = self._scaled_future(X, horizon, cutoffs, which)
        with torch.no_grad(), autocast(self.device_, self.precision):
            output = self.network_(
                past.to(self.device_),
                horizon,
                None if future is None else future.to(self.device_),
            )  # [series, horizon, targets, ...]
        output = self._on_data_scale(output)
        chosen = output[np.arange(len(steps))[:, None], steps - 1]  # [series, fh, ..]
        times = [fh.to_absolute_index(cutoff) for cutoff in cutoffs]
        index = panel_index(self._keys, [times[w] for w in which], self._index_names)
        return chosen, index

    def _scaled_past(self):
        """Scale the last window of every series, gaps filled: the encoder's input."""
        recent = self._recent[:, -self._context_length() :]  # [series, window, cols]
        recent = log_targets(recent, self.log_targets_)
        scaled = scale(recent, self.scale_loc_[:, None], self.scale_scale_[:, None])
        observed = fill_window_gaps(scaled, self._n_targets)
        if observed is None:
            observed = np.ones(scaled.shape[:2] + (self._n_targets,))
        parts = [scaled, observed]
        if self.seasonal_period_ > 1:
            flags = self.seasonal_series_[:, None, None]  # [series, 1, 1]
            parts.append(np.broadcast_to(flags, scaled.shape[:2] + (1,)))
        return to_network_tensor(np.concatenate(parts, -1), "y")

    def _scaled_future(self, X, horizon, cutoffs, which):
        """Scale the known-ahead covariates at every step to ``horizon``; or None."""
        if not self.covariates_:
            return None
        check_numeric_finite(X, "X")  # the same message as in fit
        every_step = ForecastingHorizon(np.arange(1, horizon + 1), freq=self._freq)
        times = [every_step.to_absolute_index(cutoff) for cutoff in cutoffs]
        known = rows_at(
            X,
            panel_index(self._keys, [times[w] for w in which]),
            self.covariates_,
            "X",
            "The decoder reads X at every step from the cutoff to the furthest "
            "step of fh, not only at the steps of fh.",
        ).reshape(len(which), horizon, -1)
        columns = slice(self._n_targets, self._n_targets + len(self.covariates_))
        loc, spread = self.scale_loc_[:, None], self.scale_scale_[:, None]
        return to_network_tensor(
            scale(known, loc[..., columns], spread[..., columns]), "X"
        )

    def _on_data_scale(self, output):
        """Map the head's output to the data's scale in float64, constants held."""
        n_targets = self._n_targets
        recent = self._recent[..., :n_targets].copy()
        fill_window_gaps(recent, n_targets)  # the last observed value
        return on_data_scale(
            self.network_.head,
            output.float().cpu().double(),
            torch.from_numpy(self.scale_loc_[:, None, :n_targets]),
            torch.from_numpy(self.scale_scale_[:, None, :n_targets]),
            torch.from_numpy(recent[:, -1:]),
            torch.from_numpy(self._constant),
            torch.from_numpy(self.log_targets_),
        )

    def _cutoff_at(self, end):
        """Make a cutoff index holding ``end``, with the training data's frequency."""
        if isinstance(self.cutoff, (pd.PeriodIndex, pd.DatetimeIndex)):
            return type(self.cutoff)([end], freq=self._freq)
        return pd.Index([end])

    def _update(self, y, X=None, update_params=True):
        """Append the rows after each series' last time point; train on them if asked.

        Rows at or before a series' last time point were seen already and
        are ignored: sktime's ``evaluate`` and tuners pass the whole history.
        """
        y = self._match_target_columns(y)
        y = y[rows_after(y, self._keys, self._ends)]
        if len(y) == 0:
            return self
        new, _ = self._collect(
            y, X, (self.covariates_, self.past_covariates_), self.log_targets_
        )
        positions = locate(new.keys, self._keys)
        self._check_continues(new, positions)
        ends = list(self._ends)
        chunks = np.split(new.values, np.cumsum(new.lengths)[:-1])
        # each updated series: its recent values, then the new rows
        combined = [
            np.concatenate([self._recent[position], chunk])
            for position, chunk in zip(positions, chunks, strict=True)
        ]
        # sktime has moved the cutoff already: the recent values follow it
        # even if training below fails
        recent, n_recent = self._recent.copy(), self._recent.shape[1]
        for position, values, end in zip(positions, combined, new.ends, strict=True):
            recent[position] = values[-n_recent:]
            ends[position] = end
        self._recent, self._ends = recent, pd.Index(ends)
        if not update_params:
            return self
        network, history = self._train(
            Collection(
                log_targets(np.concatenate(combined), self.log_targets_),
                np.array([len(values) for values in combined], dtype=np.int64),
                new.sizes,
            ),
            self.scale_loc_[positions],
            self.scale_scale_[positions],
            window_length=self.window_length_,
            horizon=self.horizon_,
            season=self.seasonal_period_,
            seasonal=self.seasonal_series_[positions],
            device=self.device_,
            seed=self._seed,
            network=self.network_,
            require_windows=False,  # new rows that are all missing teach nothing
        )
        if network is not None:
            self.network_ = network
            self.history_ = pd.concat([self.history_, history], ignore_index=True)
        return self

    def _get_varnames(self):
        """Name the forecast's columns in the order of fit, which the network keeps.

        sktime's own record follows the latest ``update``, whose columns may
        come in another order.
        """
        return self._target_names

    def _check_positive(self, y):
        """Refuse new values that the log-scale targets cannot take."""
        if not (self.is_fitted and self.log_targets_.any()):
            return
        frame = y.to_frame() if isinstance(y, pd.Series) else pd.DataFrame(y)
        if frame.shape[1] != len(self.log_targets_):
            return  # other columns: _match_target_columns names the problem
        if set(frame.columns) == set(self._target_names):
            frame = frame[self._target_names]
        check_positive(frame.to_numpy(np.float64), self.log_targets_, "update's y")

    def _match_target_columns(self, y):
        """Reorder ``y``'s columns as in fit, or refuse columns fit did not have."""
        names = self._target_names
        if list(y.columns) == names or (len(names) == 1 and y.shape[1] == 1):
            return y  # one column is one column, whatever its name
        if set(y.columns) == set(names) and y.shape[1] == len(names):
            return y[names]
        raise ValueError(
            f"update got target columns {list(y.columns)}, but the forecaster was "
            f"fitted on {names}. Pass the same columns (in any order)."
        )

    def _check_continues(self, new, positions):
        """Refuse new rows that leave a gap after a series' last time point."""
        for position, times in zip(positions, new.times, strict=True):
            expected = _next_time(self._ends[position], self._freq)
            if expected is not None and times[0] != expected:
                series = "" if self._keys is None else f" {self._keys[position]!r}"
                raise ValueError(
                    f"update's data for series{series} starts at {times[0]}, but "
                    f"the series ended at {self._ends[position]}, so the next time "
                    f"point is {expected}. Pass the rows from {expected} on: the "
                    "encoder reads consecutive time points, and cannot bridge a gap."
                )

    def _covariate_columns(self, X):
        """Split the columns of ``X`` into known-ahead and past-only covariates."""
        past = self.past_covariates
        past = [past] if isinstance(past, str) else list(past or [])
        if X is None:
            if past:
                raise ValueError(
                    f"past_covariates={self.past_covariates!r} names columns of X, "
                    "but no X was passed. Pass X, or set past_covariates=None."
                )
            return [], []
        unknown = [column for column in past if column not in X.columns]
        if unknown:
            raise ValueError(
                f"past_covariates names {unknown}, which X does not have. X has "
                f"the columns {list(X.columns)}."
            )
        return [c for c in X.columns if c not in past], past

    def export_onnx(self, path):
        """Write what ``predict`` computes as an ONNX graph, for serving without torch.

        The graph takes each series' raw last ``window_length_`` values (and,
        with covariates known ahead, their raw values over the horizon) and
        returns forecasts on the data's scale: scaling, the network, and
        the rule for constant columns are inside it. The batch dimension is
        dynamic, so a whole panel is one call; the horizon is fixed at
        ``horizon_`` steps (the decoding loop is unrolled), and the window
        must have no missing values. ``skseq2seq.serving.OnnxForecaster``
        runs the file with onnxruntime and numpy alone.

        Needs the ``onnx`` package (``pip install "skseq2seq[export]"``).

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write; conventionally ending in ``.onnx``.

        Returns
        -------
        pathlib.Path
            The path written.

        Notes
        -----
        Inputs: ``past`` (float32, ``(batch, window_length_, n_columns)``:
        targets in the order of ``y``, then the covariates known ahead,
        then ``past_covariates``), ``series`` (int64, ``(batch,)``: each
        row's position among the fitted series, whose keys the metadata
        lists) and, with covariates known ahead, ``future`` (float32,
        ``(batch, horizon_, n_covariates)``). Outputs: ``point``,
        ``(batch, horizon_, n_targets)``, and ``distribution``: the same
        for ``loss="mse"``, mean and standard deviation along a last axis
        for ``"gaussian"``, the quantiles of ``quantiles`` for
        ``"quantile"``. The model's metadata holds ``window_length``,
        ``horizon``, ``series`` (the keys, as text), ``targets``,
        ``covariates``, ``past_covariates``, ``quantiles`` and
        ``log_targets`` (which targets are on the log scale), each as JSON.
        With a season, ``window_length`` is the longer of the encoder's
        window and the season, which the anchor reads.
        """
        self.check_is_fitted()
        n_series, _, n_columns = self._recent.shape
        # two rows at least, so that no size of 1 is taken for a fixed one;
        # tracing needs shapes only, so the example's values are zeros
        rows = np.arange(max(2, n_series)) % n_series
        inputs = {
            "past": torch.zeros(len(rows), self._context_length(), n_columns),
            "series": torch.from_numpy(rows),
        }
        if self.covariates_:
            inputs["future"] = torch.zeros(
                len(rows), self.horizon_, len(self.covariates_)
            )
        graph = ForecastGraph(
            copy.deepcopy(self.network_).cpu().float(),
            torch.from_numpy(self.scale_loc_),
            torch.from_numpy(self.scale_scale_),
            torch.from_numpy(self._constant),
            self.horizon_,
            torch.from_numpy(self.log_targets_),
            torch.from_numpy(self.seasonal_series_)
            if self.seasonal_period_ > 1
            else None,
        )
        keys = [None] if self._keys is None else self._keys
        metadata = {
            "window_length": self._context_length(),
            "horizon": self.horizon_,
            "series": [None if key is None else str(key) for key in keys],
            "targets": [str(name) for name in self._target_names],
            "covariates": [str(name) for name in self.covariates_],
            "past_covariates": [str(name) for name in self.past_covariates_],
            "quantiles": list(self._levels()) if self.loss == "quantile" else None,
            "log_targets": self.log_targets_.tolist(),
        }
        outputs = ["point", "distribution"]
        free = dict.fromkeys([*inputs, *outputs], {0: "batch"})
        return export_graph(graph, path, inputs, outputs, free, metadata)

    def save_safe(self, path):
        """Save the fitted forecaster in a format that loads without pickle.

        The file is a zip archive holding ``forecaster.json`` (parameters,
        fitted state and package versions, as JSON) and ``weights.pt`` (the
        network's state dict, plain tensors). :meth:`load_safe` reads it with
        ``torch.load(weights_only=True)``, which refuses anything but
        tensors, so a tampered file cannot run code.

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write; conventionally ending in ``.zip``.

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        ValueError
            If a parameter cannot be written as JSON: a custom optimizer or
            scheduler class outside torch, or a ``RandomState`` instance.
        """
        return save_safe(self, path)

    @classmethod
    def load_safe(cls, path):
        """Load a forecaster written by :meth:`save_safe`.

        Parameters
        ----------
        path : str or pathlib.Path

        Returns
        -------
        Seq2SeqLSTMForecaster
            Fitted, predicting as the saved one did: on the device it was
            fitted on, or on the CPU (with a warning) where this machine
            lacks that device.

        Raises
        ------
        ValueError
            If the file is not a forecaster saved by :meth:`save_safe`, or
            its weights hold anything but tensors.
        """
        return load_safe(path, cls)

    def _check_params(self):
        """Validate hyper-parameters at fit time, naming the fix in each error."""
        check_training_params(self.get_params(deep=False))
        if not (
            self.seasonal_period in ("auto", None)
            or (
                isinstance(self.seasonal_period, numbers.Integral)
                and not isinstance(self.seasonal_period, bool)
                and self.seasonal_period >= 1
            )
        ):
            raise ValueError(
                "seasonal_period must be 'auto', None or an integer of at least "
                f"1, got {self.seasonal_period!r}."
            )
        check_choice("loss", self.loss, ("auto", *LOSSES))
        check_choice("target_transform", self.target_transform, ("auto", "log", None))
        levels = np.asarray(self._levels(), dtype=np.float64)
        if not (
            levels.ndim == 1
            and ((levels > 0) & (levels < 1)).all()
            and (np.diff(levels) > 0).all()
            and 0.5 in levels
        ):
            raise ValueError(
                "quantiles must be increasing probabilities in (0, 1) that "
                f"include 0.5, such as (0.1, 0.5, 0.9); got {self.quantiles!r}."
            )
        if self.window_length is not None:
            check_int("window_length", self.window_length, minimum=1)
        if isinstance(self.validation_size, float):
            check_real(
                "validation_size",
                self.validation_size,
                0.0,
                1.0,
                closed_left=False,
                closed_right=False,
            )
        elif self.validation_size is not None:
            check_int("validation_size", self.validation_size, minimum=1)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny settings covering both decoders, all strategies, cells and losses.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        tiny = {"hidden_size": 4, "num_epochs": 2, "batch_size": 8, "random_state": 0}
        return [
            {**tiny, "training_strategy": "recursive"},
            {
                **tiny,
                "cell_type": "gru",
                "decoder_input": "context",
                "num_layers": 2,
                "dropout": 0.1,
                "weight_decay": 1e-4,
            },
            # the standardised scale and squared error, whatever the data
            {
                **tiny,
                "training_strategy": "teacher_forcing",
                "window_length": 3,
                "target_transform": None,
                "scaling": "series",
                "loss": "mse",
            },
            {
                **tiny,
                "cell_type": "gru",
                "training_strategy": "mixed",
                "teacher_forcing_ratio": 0.6,
                "teacher_forcing_decay": 0.2,
                "loss": "gaussian",
            },
            {**tiny, "decoder_input": "context", "loss": "quantile"},
            # a season anchors the head; a step budget instead of epochs
            {**tiny, "num_epochs": None, "max_steps": 3, "seasonal_period": 2},
        ]


def _interpolate_quantiles(values, levels, alpha):
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
    >>> _interpolate_quantiles(np.array([0.0, 1.0, 3.0]), [0.1, 0.5, 0.9], [0.3, 0.7])
    array([0.5, 2. ])
    >>> _interpolate_quantiles(np.array([0.0, 1.0, 3.0]), [0.1, 0.5, 0.9], [1 - 0.9])
    array([0.])
    """
    levels = np.asarray(levels, dtype=np.float64)
    alpha = np.asarray(alpha, dtype=np.float64)
    near = np.abs(alpha[:, None] - levels[None, :]) <= 1e-6  # [alpha, levels]
    alpha = np.where(near.any(axis=1), levels[near.argmax(axis=1)], alpha)
    if alpha.min() < levels[0] or alpha.max() > levels[-1]:
        raise ValueError(
            f"alpha {alpha.tolist()} reaches beyond the learned quantiles "
            f"{levels.tolist()}. Refit with quantiles that cover it, e.g. "
            f"quantiles=({min(alpha.min(), levels[0])}, ..., 0.5, ..., "
            f"{max(alpha.max(), levels[-1])})."
        )
    if len(levels) == 1:  # only that level itself can be asked for
        return values[..., np.zeros(len(alpha), dtype=np.int64)]
    upper = np.clip(np.searchsorted(levels, alpha), 1, len(levels) - 1)
    weight = (alpha - levels[upper - 1]) / (levels[upper] - levels[upper - 1])
    return values[..., upper - 1] * (1 - weight) + values[..., upper] * weight


def _on_log_scale(data, log):
    """Return ``data`` with the log of its target columns flagged in ``log``."""
    return dataclasses.replace(data, values=log_targets(data.values, log))


def _first_targets(data):
    """Each series' first target column, as a list of arrays."""
    return np.split(data.values[:, 0], np.cumsum(data.lengths)[:-1])


def _furthest(fh, cutoff):
    """Return the furthest step ahead in ``fh``, or None without one."""
    return None if fh is None else int(_steps_ahead(fh, cutoff).max())


def _check_fits_pretrained(network, data):
    """Refuse data whose columns the pretrained network cannot take."""
    expected = (network.n_targets, network.n_covariates, network.n_past_covariates)
    if data.sizes != expected:
        raise ValueError(
            f"The network was pretrained on {expected[0]} target column(s), "
            f"{expected[1]} covariate(s) known ahead and {expected[2]} past "
            f"covariate(s); this data has {data.sizes[0]}, {data.sizes[1]} and "
            f"{data.sizes[2]}. Pass data shaped like the pretraining data."
        )


def _check_observed(data, horizon):
    """Refuse a series with too few observed values in a target column.

    One past value and one per step of the horizon is the least that can
    give a training window (``horizon=0``: a window to forecast from).
    """
    counts = data.observed_counts()  # [series, targets]
    series, column = np.unravel_index(np.argmin(counts), counts.shape)
    if counts[series, column] <= horizon:
        which = "" if data.keys is None else f"series {data.keys[series]!r}, "
        need = (
            "training needs at least 2 (a value to read and one to learn)"
            if horizon
            else "forecasting needs at least one"
        )
        raise ValueError(
            f"{which}target column {column} has {counts[series, column]} observed "
            f"value(s); {need}. Drop the series, fill it, or ask for a shorter fh."
        )


def _steps_ahead(fh, cutoff):
    """Relative steps of ``fh`` as an int array (a ``Timedelta`` fh too)."""
    index = fh.to_pandas()
    if fh.is_relative and pd.api.types.is_integer_dtype(index):
        return np.asarray(index, dtype=np.int64)
    if fh.is_relative:  # e.g. Timedeltas: through the absolute time points
        fh = fh.to_absolute(cutoff)
    return np.asarray(fh.to_relative(cutoff), dtype=np.int64)


def _next_time(end, freq):
    """Return the time point after ``end``: a period, a ``freq`` or an integer on.

    ``None`` where the index gives no way to tell (a float index).

    Examples
    --------
    >>> _next_time(pd.Period("2000-01", "M"), "M")
    Period('2000-02', 'M')
    >>> _next_time(pd.Timestamp("2000-01-31"), "D")
    Timestamp('2000-02-01 00:00:00')
    >>> _next_time(np.int64(9), None)
    10
    """
    if isinstance(end, pd.Period):
        return end + 1
    if isinstance(end, pd.Timestamp):
        return end + pd.tseries.frequencies.to_offset(freq)
    if isinstance(end, (int, np.integer)):
        return int(end) + 1
    return None
