"""The sktime estimator: Seq2SeqLSTMForecaster.

The class is sktime's face of the package: it checks what users pass,
prepares the data, and stores what training returns. The network
(``_network``), the windows (``_windows``), the scaling (``_scaling``), the
training loop (``_training``) and what predict and update compute
(``_state``) live in their own modules.
"""

import contextlib
import copy
import dataclasses
import functools
import warnings

import numpy as np
import pandas as pd
from sktime.forecasting.base import BaseForecaster

from skseq2seq._compat import (
    cutoff_at_frequency,
    forget_data,
    later_cutoff,
    set_cutoff,
)
from skseq2seq._device import PicklesNetworksOnCPU, draw_seed
from skseq2seq._distributed import agree_to_train
from skseq2seq._export import export_forecaster
from skseq2seq._frames import (
    Collection,
    data_frequency,
    fh_in_zone,
    in_zone,
    rows_after,
    time_zone,
)
from skseq2seq._network import LOSSES, Seq2SeqNetwork
from skseq2seq._persistence import load_safe, save_safe, upgrade_state
from skseq2seq._preparation import Pretrained, forecast_state, prepare
from skseq2seq._scaling import fit_scaler, log_targets
from skseq2seq._state import (
    advance,
    check_time_points,
    decode,
    match_target_columns,
    scaled_past,
    steps_ahead,
)
from skseq2seq._training import (
    TrainingConfig,
    continued_history,
    history_frame,
    plain_number,
    train_on_series,
)
from skseq2seq._validation import (
    TRAINING_CONSTRAINTS,
    Choice,
    Integer,
    Real,
    Rule,
    check_data,
    check_fh_kind,
    check_future_index,
    check_gives_distribution,
    check_keywords,
    check_params,
    check_past_covariates,
    check_quantile_levels,
    check_scheduler,
    check_seasonal_period,
    check_validation_size,
    quantile_levels,
    warn_of_unused,
)


class Seq2SeqLSTMForecaster(PicklesNetworksOnCPU, BaseForecaster):
    """LSTM encoder-decoder forecaster.

    The encoder, an LSTM (or GRU), reads the last ``window_length`` values
    of every target column and summarises them in its final state. The
    decoder starts from that state and produces the horizon one step at a
    time through a linear head, as the difference from an anchor: the last
    value, or last season's. One network forecasts every column, and every
    series of a panel or hierarchy (a row ``MultiIndex``, time last). A
    target whose training values are all positive is modelled on the log
    scale. Missing values in ``y`` are trained through. The user guide
    explains each choice, and measures it.

    Parameters
    ----------
    window_length : int or None, default=None
        Past time points the encoder reads. ``None``: ``max(24, 2 *
        horizon)``, shortened to fit the median series. Shorter series are
        padded in front with missing values. A season does not lengthen it.
    seasonal_period : "auto", int or None, default="auto"
        The season the head's anchor reaches back, in steps. ``"auto"``: the
        usual period of the index's frequency (or the strongest cycle of an
        integer index), tested series by series as the Theta method does
        (see ``seasonal_series_``). An int: every series has that season.
        ``None`` or 1: none. With a season, a series observed over fewer
        time points than the season is anchored at its last value (decided
        at ``fit``; ``update`` keeps it).
    hidden_size : int, default=64
        Width of the recurrent state of encoder and decoder.
    num_layers : int, default=1
        Stacked recurrent layers in encoder and decoder.
    cell_type : {"lstm", "gru"}, default="lstm"
    dropout : float, default=0.0
        Dropout between stacked layers, in [0, 1).
    decoder_input : {"autoregressive", "context"}, default="autoregressive"
        What the decoder is fed at each step: the previous step's value, or
        the encoder's last output.
    training_strategy : {"recursive", "teacher_forcing", "mixed"}, \
            default="mixed"
        What an autoregressive decoder is fed in training: its own
        predictions, the true values, or the true value with probability
        ``teacher_forcing_ratio``. Prediction is always recursive.
    teacher_forcing_ratio : float, default=0.5
        For ``"mixed"``: the probability of feeding the true value, in [0, 1].
    teacher_forcing_decay : float, default=0.01
        For ``"mixed"``: taken off the ratio after every epoch (down to 0).
    num_epochs : int or None, default=None
        Passes over all windows. With ``max_steps=None`` too: 50 epochs, but
        from 400 to 2,000 optimiser steps (two passes, up to 4,000, if more).
    max_steps : int or None, default=None
        Optimiser steps. Training stops at the first of ``num_epochs``,
        ``max_steps`` and ``max_time`` to run out.
    max_time : float or None, default=None
        Seconds of training: a cap for interactive use, not reproducible.
    batch_size : int, default=32
    lr : float, default=3e-3
        Learning rate; with the default ``lr_scheduler``, its first value.
    weight_decay : float, default=0.0
        L2 penalty, passed to the optimizer.
    optimizer : str or torch.optim.Optimizer class, default="Adam"
        A class, or the name of one in ``torch.optim``.
    optimizer_kwargs : dict or None, default=None
        Further optimizer arguments; they override ``lr`` and ``weight_decay``.
    lr_scheduler : str, torch.optim.lr_scheduler class or None, \
default="cosine"
        ``"cosine"``: from ``lr`` to zero along a half cosine over the
        budget. Or a scheduler (a class, or a name in
        ``torch.optim.lr_scheduler``), stepped every epoch. ``None``: none.
    lr_scheduler_kwargs : dict or None, default=None
        Arguments of the scheduler, e.g. ``{"step_size": 30}``.
    validation_size : float, int or None, default=None
        Hold out the last windows of the series, in time order, to score
        after every epoch: a fraction in (0, 1), or a number of windows.
    patience : int or None, default=None
        Stop after this many epochs without a lower loss, and restore the
        best epoch's weights: the validation loss, or without validation the
        recursive loss on a fixed sample of training windows
        (``history_["monitored_loss"]``).
    gradient_clip : float or None, default=None
        Clip the norm of all gradients together to this value.
    past_covariates : list of str or None, default=None
        Columns of ``X`` known only up to the present, read by the encoder.
        The decoder reads every other column at each step, so predict needs
        those up to the furthest step of ``fh``.
    scaling : {"auto", "series", "global"} or None, default="auto"
        ``"auto"``: a log-scale target is divided by its mean absolute
        change over all series, other columns as with ``"series"``: by each
        series' mean and standard deviation (of its last 1,000 points).
        ``"global"``: all series' pooled (after ``pretrain``, its). ``None``.
    target_transform : {"auto", "log"} or None, default="auto"
        ``"auto"`` models a target on the log scale where all its training
        values are positive; ``"log"`` requires that of every target. The
        point forecast is then a median; predict and update need positive
        values there. ``None``: the values as given.
    device : str or torch.device, default="auto"
        ``"auto"``: CUDA, else Apple MPS, else the CPU.
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Arithmetic of the forward pass: float32, bfloat16, or float16 with
        loss scaling (CUDA only). The weights stay float32.
    loss : {"auto", "mae", "mse", "gaussian", "quantile"}, default="auto"
        What the head forecasts and is trained on: a point on absolute error
        (the median) or squared error (the mean), a normal per step on its
        likelihood, or ``quantiles`` on the pinball loss. ``"auto"``:
        ``"mae"`` where every target is on the log scale, else ``"mse"``.
        The last two give ``predict_interval``, ``predict_quantiles``,
        ``predict_var`` and ``predict_proba``.
    quantiles : sequence of float or None, default=None
        For ``loss="quantile"``: increasing levels in (0, 1) including 0.5
        (to within 1e-6, which is then the median).
        ``None``: 0.01, 0.025, 0.05, 0.1, 0.25, 0.5 and their mirrors.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, shuffling, dropout and teacher forcing. An int gives
        identical forecasts on the CPU; torch's global state is left alone.
    verbose : bool or int, default=False
        Show a progress bar over epochs with the latest losses.

    Attributes
    ----------
    network_ : Seq2SeqNetwork
        The trained network, in evaluation mode, on ``device_``.
    window_length_ : int
    horizon_ : int
        Steps the decoder was trained for: the furthest of ``fh`` in fit, or
        ``max(1, window_length_ // 2)``. A longer fh decodes further.
    seasonal_period_ : int
        The anchor's season; 1 for none.
    seasonal_series_ : ndarray of bool, shape (n_series,)
        Which series show it; the others are anchored at their last value.
    log_targets_ : ndarray of bool, shape (n_targets,)
        The target columns modelled on the log scale.
    scale_loc_, scale_scale_ : ndarray of shape (n_series, n_columns)
        What each column (targets, then covariates) of each series is
        shifted and divided by, after the log for ``log_targets_``.
    covariates_, past_covariates_ : list of str
        The columns of ``X`` the decoder reads, and those it does not.
    device_ : torch.device
    history_ : pandas.DataFrame
        Per epoch: ``epoch``, ``steps``, ``train_loss``, ``valid_loss``,
        ``monitored_loss`` (what ``patience`` watches), ``lr``, ``seconds``.
    pretrained_network_, pretrain_history_
        After ``pretrain``: its network (on the CPU) and its epochs.
    pretrain_scale_loc_, pretrain_scale_scale_ : ndarray
        After ``pretrain``: the pooled statistics ``scaling="global"`` uses.
    pretrain_log_scale_ : ndarray of shape (n_log_targets,)
        After ``pretrain`` with ``scaling="auto"``: the log changes' unit.
    pretrain_columns_ : tuple of list
        After ``pretrain``: the names of its target columns, covariates known
        ahead and past covariates, which ``fit`` puts in that order.

    Notes
    -----
    Training that diverges raises ``FloatingPointError`` and leaves the
    forecaster as it was; Ctrl-C keeps the best weights so far.

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
            "pretrain_scale_loc_",
            "pretrain_scale_scale_",
            "log_targets_",
            "pretrain_log_scale_",
            "pretrain_columns_",
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

    _parameter_constraints = {
        **TRAINING_CONSTRAINTS,
        "window_length": Integer(1, optional=True),
        "seasonal_period": Rule(check_seasonal_period),
        "max_steps": Integer(1, optional=True),
        "max_time": Real(0.0, np.inf, closed_left=False, optional=True),
        "lr_scheduler": Rule(check_scheduler),
        "lr_scheduler_kwargs": Rule(check_keywords),
        "validation_size": Rule(check_validation_size),
        "patience": Integer(1, optional=True),
        "gradient_clip": Real(0.0, np.inf, closed_left=False, optional=True),
        "scaling": Choice("auto", "series", "global", None),
        "target_transform": Choice("auto", "log", None),
        "loss": Choice("auto", *LOSSES),
        "quantiles": Rule(check_quantile_levels),
        "past_covariates": Rule(check_past_covariates),
    }

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
        forget_data(self)

    def __setstate__(self, state):
        """Unpickle, reading a forecaster pickled before ``ForecastState``."""
        super().__setstate__(upgrade_state(state))

    def __post_init__(self):
        """Declare intervals possible when the head learns a distribution."""
        self.set_tags(**{"capability:pred_int": self.loss in ("gaussian", "quantile")})

    def fit(self, y, X=None, fh=None):
        """Fit to ``y`` (and ``X``): sktime's ``fit``, after checking the data.

        Non-numeric columns, infinite values, emptiness and missing values in
        ``X`` are refused with errors that say what to do.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or a panel or hierarchy
            One series, or several (a row ``MultiIndex``, time last).
        X : pd.DataFrame, optional
            Covariates over the same time points.
        fh : int, list, array or ForecastingHorizon, optional
            The steps ahead; the decoder is trained for the furthest.
        """
        check_data(y, X)
        return super().fit(y, X=X, fh=fh_in_zone(fh, time_zone(y)))

    def fit_predict(self, y, X=None, fh=None, X_pred=None):
        """Fit, then forecast at ``fh``: sktime's, after the checks of ``fit``.

        Parameters
        ----------
        y, X, fh
            As for :meth:`fit`.
        X_pred : pd.DataFrame, optional
            Covariates to forecast with, in place of ``X``.

        Returns
        -------
        y_pred : pd.Series, pd.DataFrame, or a panel or hierarchy
            The forecasts at ``fh``, as :meth:`predict` gives them.
        """
        if X_pred is None:  # sktime then fits without calling fit
            check_data(y, X)
        fh = fh_in_zone(fh, time_zone(y))
        return super().fit_predict(y, X=X, fh=fh, X_pred=X_pred)

    def update(self, y, X=None, update_params=True):
        """Append new data: sktime's ``update``, after the checks of ``fit``.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or a panel or hierarchy
            New time points of the series seen in ``fit``; rows at or before
            a series' last time point are ignored, and do not move the
            cutoff back (a warning says so where no row reaches it).
        X : pd.DataFrame, optional
            Covariates at the new time points.
        update_params : bool, default=True
            Also train on the windows whose horizon reaches into the new
            data, of the series whose new rows are not all missing.
        """
        # new rows may all be missing: a time point passes without a value
        read = self.covariates_ + self.past_covariates_ if self.is_fitted else None
        check_data(y, X, allow_unobserved=True, columns=read)
        with self._kept_if_refused():
            cutoff = self.cutoff if self.is_fitted else None
            # the same instants in another zone: on fit's clock, as the cutoff
            zone = getattr(cutoff, "tz", None)
            y, X = in_zone(y, zone), in_zone(X, zone)
            super().update(y, X=X, update_params=update_params)
            if cutoff is not None:
                # rows already seen, or a lagging series' new ones: the
                # panel's latest time point is still the cutoff
                set_cutoff(self, later_cutoff(cutoff, self.cutoff))
        return self

    def _set_cutoff_from_y(self, y):
        """Set the cutoff as sktime does, at the frequency of the data.

        That is fit's, once fitted; else the one inferred from ``y``, for a
        panel's datetime cutoff, which sktime leaves without one.
        """
        super()._set_cutoff_from_y(y)
        cutoff = self.cutoff
        if not isinstance(cutoff, pd.DatetimeIndex) or cutoff.freq is not None:
            return
        state = getattr(self, "_forecast_state", None)
        freq = data_frequency(y) if state is None else state.freq
        set_cutoff(self, cutoff_at_frequency(cutoff, freq))

    @contextlib.contextmanager
    def _kept_if_refused(self):
        """Leave the forecaster as it was if the block raises.

        sktime's update and pretrain store the data's types and move the
        cutoff before our checks run or training fails (and change their
        converter stores, dicts, in place).
        """
        kept = {
            name: copy.copy(value)
            if name.startswith("_") and isinstance(value, dict | list)
            else value
            for name, value in self.__dict__.items()
        }
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(kept)
            raise

    def pretrain(self, y, X=None, fh=None):
        """Train on a panel of many series: sktime's ``pretrain``, after checks.

        A later ``fit`` on any series uses the pretrained network as it is,
        fitting only that series' scaling and recent values.
        """
        check_data(y, X)
        # sktime continues pretraining a fitted forecaster: refuse here, before
        # it stores the new data's types over those fit stored
        if self.is_fitted and not hasattr(self, "pretrained_network_"):
            raise ValueError(
                "pretrain on a fitted forecaster continues its pretraining, but "
                "this one was fitted without being pretrained. Pretrain a new "
                "one, sklearn.clone(forecaster).pretrain(y), then fit it."
            )
        with self._kept_if_refused():
            super().pretrain(y, X=X, fh=fh)
        return self

    def _check_fh(self, fh, pred_int=False):
        """Check ``fh`` as sktime does, after checking its kind of time points.

        sktime's ``fit``, ``predict`` and ``update_predict`` methods call it
        once the cutoff is known; its own check of the kind is a bare
        assert, an error inside pandas, or a wrong count of steps.
        """
        if fh is not None and isinstance(self.cutoff, pd.Index):
            check_fh_kind(fh, self.cutoff)
        return super()._check_fh(fh, pred_int=pred_int)

    def update_predict_single(self, y=None, fh=None, X=None, update_params=True):
        """Update, then forecast: ``update``, then ``predict``; kept if refused.

        sktime's moves the cutoff to ``y``'s end and records ``y``'s type
        before it checks ``fh``, and before ``update`` runs, which then
        reads them moved: a panel's cutoff went back to a lagging series'
        end, and a single series came back as a frame.
        """
        if y is None or (hasattr(y, "__len__") and len(y) == 0):
            # sktime's warns that nothing was updated, and forecasts
            return super().update_predict_single(y, fh, X, update_params)
        with self._kept_if_refused():
            self.update(y, X=X, update_params=update_params)
            return self.predict(fh=fh, X=X)

    @contextlib.contextmanager
    def _predicting(self, fh, X):
        """Keep the stored ``fh`` if the block raises.

        sktime stores a new ``fh`` before the forecast is made; a refused
        one (``X`` too short for it, say) would otherwise be the default of
        every later ``predict``. Yields ``fh`` with its time stamps on the
        cutoff's clock; checks the time points of ``X``, which sktime refuses
        without saying why.
        """
        kept = self._fh
        try:
            check_future_index(X)
            yield fh_in_zone(fh, getattr(self.cutoff, "tz", None))
        except BaseException:
            self._fh = kept
            raise

    def predict(self, fh=None, X=None):
        """Forecast at ``fh``: sktime's ``predict``; a refused ``fh`` is not kept."""
        with self._predicting(fh, X) as fh:
            return super().predict(fh=fh, X=X)

    def predict_interval(self, fh=None, X=None, coverage=0.90):
        """Prediction intervals: sktime's, for ``loss="gaussian"`` or ``"quantile"``."""
        check_gives_distribution(self.loss, "predict_interval")
        with self._predicting(fh, X) as fh:
            return super().predict_interval(fh=fh, X=X, coverage=coverage)

    def predict_quantiles(self, fh=None, X=None, alpha=None):
        """Quantile forecasts: sktime's, for ``loss="gaussian"`` or ``"quantile"``."""
        check_gives_distribution(self.loss, "predict_quantiles")
        with self._predicting(fh, X) as fh:
            return super().predict_quantiles(fh=fh, X=X, alpha=alpha)

    def predict_var(self, fh=None, X=None, cov=False):
        """Variance forecasts: sktime's, for ``loss="gaussian"`` or ``"quantile"``."""
        check_gives_distribution(self.loss, "predict_var")
        with self._predicting(fh, X) as fh:
            return super().predict_var(fh=fh, X=X, cov=cov)

    def predict_proba(self, fh=None, X=None, marginal=True):
        """Forecast distributions, for ``loss="gaussian"`` or ``"quantile"``."""
        check_gives_distribution(self.loss, "predict_proba")
        with self._predicting(fh, X) as fh:
            return super().predict_proba(fh=fh, X=X, marginal=marginal)

    def _fit(self, y, X, fh):
        """Prepare, train (a pretrained network is used as it is), and store."""
        pretrained = getattr(self, "pretrained_network_", None)
        prepared = self._prepare(y, X, fh, for_training=pretrained is None)
        seed = draw_seed(self.random_state)
        if pretrained is None:
            network, history = self._train(prepared, seed)
        else:
            network = copy.deepcopy(pretrained).to(prepared.device)
            history = history_frame([])
        # only a network that finished training makes the forecaster fitted
        self.network_, self.device_, self.history_ = network, prepared.device, history
        self.window_length_, self.horizon_ = prepared.window_length, prepared.horizon
        self.seasonal_period_ = prepared.season
        self.seasonal_series_, self.log_targets_ = prepared.seasonal, prepared.log
        self.scale_loc_, self.scale_scale_ = prepared.loc, prepared.scale
        self.covariates_, self.past_covariates_ = prepared.data.columns
        self._forecast_state = forecast_state(prepared, y.index.names)
        self._fit_columns = list(y.columns)  # before pretraining's reordered them
        self._fit_column_names = list(y.columns.names)
        self._seed = seed  # update trains with it again
        return self

    def _pretrain(self, y, X=None, fh=None):
        """Train one network across every series of a panel."""
        prepared = self._prepare(y, X, fh)
        network, history = self._train(prepared, draw_seed(self.random_state))
        # kept on the CPU: fit copies it to its own device
        self.pretrained_network_, self.pretrain_history_ = network.cpu(), history
        self.window_length_, self.horizon_ = prepared.window_length, prepared.horizon
        self.seasonal_period_, self.log_targets_ = prepared.season, prepared.log
        # fit reads the columns by position: it puts them in this order
        self.pretrain_columns_ = (list(y.columns), *prepared.data.columns)
        log = prepared.log
        if self.scaling == "auto":  # the unit of the log targets' changes
            self.pretrain_log_scale_ = prepared.scale[0, : len(log)][log]
        # the pooled statistics: what scaling="global" uses from now on
        self.pretrain_scale_loc_, self.pretrain_scale_scale_ = fit_scaler(
            prepared.data.values, prepared.data.lengths, "global"
        )
        return self

    def _pretrain_update(self, y, X=None, fh=None):
        """Continue pretraining on another panel, with the same window and horizon."""
        reach = None if fh is None else int(steps_ahead(fh, self.cutoff).max())
        if reach not in (None, self.horizon_):
            raise ValueError(
                f"pretrain continues training for the first pretraining's "
                f"horizon of {self.horizon_} steps, but fh={list(fh)} reaches "
                f"{reach}. Pass no fh, or one that reaches as far; to train for "
                "another horizon, pretrain a new forecaster: "
                "sklearn.clone(forecaster).pretrain(y, fh=fh)."
            )
        prepared = self._prepare(y, X, fh)
        network, history = self._train(
            prepared, draw_seed(self.random_state), self.pretrained_network_
        )
        self.pretrained_network_ = network.cpu()
        self.pretrain_history_ = continued_history(self.pretrain_history_, history)
        return self

    def _prepare(self, y, X, fh, for_training=True):
        """Check the parameters; prepare the data (see ``_preparation.prepare``)."""
        params = self.get_params(deep=False)
        check_params(params, self._parameter_constraints)
        if for_training:
            warn_of_unused(params)
        horizon = None if fh is None else int(steps_ahead(fh, self.cutoff).max())
        pretrained = (
            Pretrained.of(self) if hasattr(self, "pretrained_network_") else None
        )
        return prepare(y, X, horizon, params, pretrained, for_training)

    def _train(self, prepared, seed, network=None):
        """Train ``network`` (a new one if None) on the prepared data."""
        params = self.get_params(deep=False)
        return train_on_series(
            prepared.data,
            prepared.loc,
            prepared.scale,
            network or functools.partial(build_network, params, prepared),
            TrainingConfig.from_params(params),
            window_length=prepared.window_length,
            horizon=prepared.horizon,
            device=prepared.device,
            seed=seed,
            season=prepared.season,
            seasonal=prepared.seasonal,
            validation_size=plain_number(self.validation_size),
            compared=params,
        )

    def _decode(self, fh, X):
        return decode(
            self.network_,
            self._forecast_state,
            fh,
            X,
            self.cutoff,
            self.device_,
            self.precision,
        )

    def _frame(self, values, index, *levels):
        """Frame a forecast: a column per target (and per ``levels``) in ``y``'s order.

        The network's targets are in pretraining's order, which ``fit``'s
        ``y`` may name differently; sktime's metrics match columns by place.
        """
        names = self._forecast_state.target_names
        if levels:
            columns = pd.MultiIndex.from_product([names, *levels])
        else:
            columns = pd.Index(names)
        frame = pd.DataFrame(values.reshape(len(index), -1), index, columns)
        # absent from forecasters saved before it was kept: the network's, as then
        order = getattr(self, "_fit_columns", names)
        frame = frame.reindex(columns=order, level=0 if levels else None)
        # sktime's per-column forecasters keep the names of y's column axis
        # (not where y's columns are tuples beside other levels: one level here)
        names = getattr(self, "_fit_column_names", [None]) + [None] * len(levels)
        if len(names) != frame.columns.nlevels:
            return frame
        return frame.set_axis(frame.columns.set_names(names), axis=1)

    def _predict(self, fh, X):
        """Decode every series at once; the point forecast at the steps of ``fh``."""
        output, index = self._decode(fh, X)
        return self._frame(self.network_.head.point(output).numpy(), index)

    def _quantiles(self, fh, X, alpha):
        """Decode; the head's quantiles at ``alpha``, [series, fh, targets, alpha]."""
        output, index = self._decode(fh, X)
        values = self.network_.head.quantiles(output.numpy(), alpha, self.log_targets_)
        return values, index

    def _predict_quantiles(self, fh, X, alpha):
        """Give the head's quantiles: a normal's (or log-normal's), or learned ones."""
        values, index = self._quantiles(fh, X, alpha)
        return self._frame(values, index, list(alpha))

    def _predict_interval(self, fh, X, coverage):
        """Intervals from the quantiles at ``0.5 -+ coverage / 2``."""
        alpha = [a for c in coverage for a in (0.5 - 0.5 * c, 0.5 + 0.5 * c)]
        values, index = self._quantiles(fh, X, alpha)
        return self._frame(values, index, list(coverage), ["lower", "upper"])

    def _predict_proba(self, fh, X, marginal=True):
        """Give the head's distribution of each step (marginal, as sktime's default).

        The Gaussian head's normal (a log-normal for log-scale targets); the
        quantile head's normal around the median with ``predict_var``'s
        variance, which is what sktime's default builds.
        """
        output, index = self._decode(fh, X)
        return self.network_.head.distribution(
            output.numpy(),
            np.asarray(self.log_targets_, dtype=bool),
            lambda values: self._frame(values, index),
            self._forecast_state.target_names,
        )

    def _predict_var(self, fh, X=None, cov=False):
        """Give the head's variance: the normal's, or from the learned quartiles."""
        if cov:
            raise NotImplementedError(
                "Seq2SeqLSTMForecaster forecasts marginal variances only; call "
                "predict_var with cov=False."
            )
        output, index = self._decode(fh, X)
        variance = self.network_.head.variance(output.numpy(), self.log_targets_)
        return self._frame(variance, index)

    def _update(self, y, X=None, update_params=True):
        """Append the rows after each series' last time point; train on them if asked.

        Earlier rows were seen: ``evaluate`` and tuners pass the whole history.
        """
        state = self._forecast_state
        check_time_points(state.ends, y.index.get_level_values(-1))
        y = match_target_columns(state, y)
        after = rows_after(y, state.keys, state.ends)
        # nothing new: a slip where not even the last time point came again
        if (
            len(y)
            and not after.any()
            and not rows_after(y, state.keys, state.ends, inclusive=True).any()
        ):
            warnings.warn(
                "update's rows all lie before the last time point seen of their "
                f"series ({state.ends.max()} the latest), so they were ignored and "
                "the forecast is unchanged. A numpy array, or a series with a "
                "fresh RangeIndex, numbers its rows from 0: pass the new rows with "
                "time points that continue fit's.",
                stacklevel=4,  # the caller of update, through sktime's
            )
        y = y[after]
        new = None
        if len(y):
            new = Collection.from_frames(
                y, X, state.covariates, state.past_covariates, freq=state.freq
            )
            state, combined, positions = advance(state, new)
            logged = log_targets(
                combined.values, state.log, "update's y", state.target_names
            )
            scaled_past(state)  # refuses what predict could not read
            self._forecast_state = state
        if not update_params:
            return self
        # a series whose new rows are all missing teaches nothing: the windows
        # reaching them would only train again on targets seen before
        taught = np.zeros(0, bool) if new is None else new.observed_counts().any(1)
        if not taught.any():
            agree_to_train(False, self.device_)  # the other ranks must not wait
            return self
        positions = np.asarray(positions)[taught]
        logged = dataclasses.replace(combined, values=logged).of_series(taught)
        combined = combined.of_series(taught)
        params = self.get_params(deep=False)
        network, history = train_on_series(
            logged,
            state.loc[positions],
            state.scale[positions],
            self.network_,
            TrainingConfig.from_params(params),
            window_length=state.window_length,
            horizon=state.horizon,
            device=self.device_,
            seed=self._seed,
            season=state.season,
            seasonal=state.seasonal[positions],
            require_windows=False,  # windows reaching them may lack a past
            carried_first_row=True,  # see _state.advance
            new_rows=new.lengths[taught],
            compared=params,
        )
        if network is not None:
            self.network_ = network
            self.history_ = continued_history(self.history_, history)
            # trained on rows that move a column constant until now: it is
            # no longer held at its last value (untrained, nothing was learned);
            # decided on the data's scale, as fit decides it
            constant = state.constant.copy()
            constant[positions] &= combined.constant_targets()
            self._forecast_state = dataclasses.replace(state, constant=constant)
        return self

    def export_onnx(self, path):
        """Write what ``predict`` computes as an ONNX graph, for serving without torch.

        The graph takes each series' raw last ``max(window_length_,
        seasonal_period_)`` values and returns forecasts on the data's scale
        for ``horizon_`` steps: the log, scaling and network are inside.
        ``skseq2seq.serving.OnnxForecaster`` runs it with onnxruntime and
        numpy alone (see the user guide, "Serving with ONNX"). Needs the
        ``onnx`` package (``pip install "skseq2seq[export]"``).

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write, conventionally ``*.onnx``; returned.
        """
        self.check_is_fitted()
        # the quantile head's own levels; None for the other heads
        quantiles = getattr(self.network_.head, "level_values", None)
        return export_forecaster(
            self.network_,
            self._forecast_state,
            quantiles,
            path,
            getattr(self, "_fit_columns", None),
        )

    def save_safe(self, path):
        """Save in a format that loads without pickle: JSON and a state dict.

        :meth:`load_safe` reads the weights with ``torch.load(weights_only=
        True)``, so a tampered file cannot run code. A parameter JSON cannot
        hold (a class outside torch, a ``RandomState``) raises ``ValueError``.

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write, conventionally ``*.zip``; returned.
        """
        return save_safe(self, path)

    @classmethod
    def load_safe(cls, path):
        """Load a forecaster written by :meth:`save_safe`, fitted as it was.

        It predicts on the device it was fitted on, or on the CPU (with a
        warning) where this machine lacks that device. A file that is not
        such a forecaster, or holds anything but tensors, raises ``ValueError``.

        Parameters
        ----------
        path : str or pathlib.Path
        """
        return load_safe(path, cls)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny settings covering both decoders, all strategies, cells and losses."""
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


def build_network(params, prepared):
    """Build the untrained network for the prepared data's columns and season.

    It reads whether each target was observed (``WindowSet`` appends it)
    and, with a season, whether its series shows it.
    """
    loss = params["loss"]
    if loss == "auto":  # absolute error where every target is logged
        loss = "mae" if prepared.log.all() else "mse"
    return Seq2SeqNetwork(
        *prepared.data.sizes,
        season_length=prepared.season,
        encoder_length=prepared.window_length,
        reads_availability=True,
        reads_season_flag=True,
        hidden_size=plain_number(params["hidden_size"]),
        num_layers=plain_number(params["num_layers"]),
        cell_type=params["cell_type"],
        dropout=plain_number(params["dropout"]),
        decoder_input=params["decoder_input"],
        loss=loss,
        quantiles=quantile_levels(params["quantiles"]),
    )
