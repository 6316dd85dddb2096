"""
Tuning a seq2seq pipeline on the airline data
=============================================

A log transform in front of the forecaster turns the airline data's growing
seasonal swings into steady ones. We tune the pipeline's network and
decoder with a time-ordered grid search, then compare the tuned forecast
with the last, held-out year.

The forecaster takes the log of positive data itself
(``target_transform="auto"``); in a pipeline that has done so already, its
own is switched off, or it would model the log of the log.

Set ``SKSEQ2SEQ_FAST=1`` to run in seconds with tiny settings (as the tests
do); the figure in the docs comes from the full run.
"""

# %%
# Data: the last year is held out, in time order
# ----------------------------------------------
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sktime.datasets import load_airline
from sktime.forecasting.compose import TransformedTargetForecaster
from sktime.forecasting.model_selection import ForecastingGridSearchCV
from sktime.performance_metrics.forecasting import MeanAbsolutePercentageError
from sktime.split import ExpandingWindowSplitter, temporal_train_test_split
from sktime.transformations.series.boxcox import LogTransformer

from skseq2seq import Seq2SeqLSTMForecaster

FAST = os.environ.get("SKSEQ2SEQ_FAST") == "1"
OUTPUT = Path(os.environ.get("SKSEQ2SEQ_OUTPUT", "."))

y = load_airline()
y_train, y_test = temporal_train_test_split(y, test_size=12)
fh = np.arange(1, 13)

# %%
# The pipeline, and what to search
# --------------------------------
# Nested parameter names reach into the pipeline: ``forecast__hidden_size``
# is the forecaster's ``hidden_size``. Fast mode trains for 2 epochs only;
# the full run keeps the default budget of optimiser steps.
pipeline = TransformedTargetForecaster(
    [
        ("log", LogTransformer()),
        (
            "forecast",
            Seq2SeqLSTMForecaster(
                num_epochs=2 if FAST else None, target_transform=None, random_state=0
            ),
        ),
    ]
)
param_grid = {
    "forecast__hidden_size": [16, 64],
    "forecast__decoder_input": ["autoregressive", "context"],
}

# %%
# Time-ordered cross-validation
# -----------------------------
# Each fold trains on everything up to a cutoff and scores the next year;
# the folds never look into the future, and never at the held-out year.
cv = ExpandingWindowSplitter(initial_window=96, step_length=12, fh=fh)
search = ForecastingGridSearchCV(
    pipeline, cv=cv, param_grid=param_grid, scoring=MeanAbsolutePercentageError()
)
search.fit(y_train)
print("best parameters:", search.best_params_)
print(
    search.cv_results_[["params", "mean_test_MeanAbsolutePercentageError"]]
    .sort_values("mean_test_MeanAbsolutePercentageError")
    .to_string(index=False)
)

# %%
# The tuned forecast against the held-out year
# --------------------------------------------
forecast = search.predict(fh)
mape = MeanAbsolutePercentageError()(y_test, forecast)
print(f"held-out MAPE of the tuned pipeline: {mape:.1%}")

fig, ax = plt.subplots(figsize=(8, 3.5))
y_train.iloc[-48:].plot(ax=ax, label="training data", color="0.4")
y_test.plot(ax=ax, label="held-out truth", color="black")
forecast.plot(ax=ax, label=f"tuned seq2seq (MAPE {mape:.1%})", color="tab:orange")
ax.set_ylabel("passengers (thousands)")
ax.legend()
fig.tight_layout()
figure = OUTPUT / "tune_airline.png"
fig.savefig(figure, dpi=80)
print(f"saved {figure}")

# %%
# Results of the full run
# -----------------------
#
# .. image:: /_static/examples/tune_airline.png
#    :alt: the figure this example saves
#
# .. literalinclude:: /_static/examples/tune_airline.txt
#    :language: none
#
# sphinx_gallery_thumbnail_path = "_static/examples/tune_airline.png"
