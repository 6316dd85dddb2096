"""
Several related series forecast together: US macroeconomic changes
==================================================================

sktime's ``uschange`` data holds quarterly percentage changes of US
consumption, income, production, savings and unemployment, 1970-2016. One
forecaster takes all five columns as a multivariate ``y``: the encoder
reads them together and the decoder forecasts them together, each column on
its own scale. (This stands in for the tutorials' daily BTC/USD and BTC/EUR
example, which needs a download.)

The last two years are held out; each column is scored by MASE against the
naive forecast, and compared with the naive forecast itself. The series are
short (179 quarters) and noisy, so a network trained for all 100 epochs
overfits them: the last fifth of the training windows is held out in time
order (``validation_size``) and training stops 10 epochs after the best
validation loss, keeping that epoch's weights (``patience``).

Set ``SKSEQ2SEQ_FAST=1`` to run in seconds (2 epochs).
"""

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sktime.datasets import load_uschange
from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError

from skseq2seq import Seq2SeqLSTMForecaster

FAST = os.environ.get("SKSEQ2SEQ_FAST") == "1"
OUTPUT = Path(os.environ.get("SKSEQ2SEQ_OUTPUT", "."))

consumption, others = load_uschange()
y = pd.concat([consumption, others], axis=1)
y_train, y_test = y.iloc[:-8], y.iloc[-8:]
fh = np.arange(1, 9)

# %%
forecaster = Seq2SeqLSTMForecaster(
    num_epochs=2 if FAST else 100, validation_size=0.2, patience=10, random_state=0
)
forecaster.fit(y_train, fh=fh)
forecast = forecaster.predict()
best = forecaster.history_["valid_loss"].idxmin()
print(f"stopped after {len(forecaster.history_)} epochs; kept epoch {best}")

# the naive forecast: every column stays at its last value
naive = pd.DataFrame(
    np.repeat(y_train.iloc[[-1]].to_numpy(), len(fh), axis=0),
    index=y_test.index,
    columns=y.columns,
)
mase = MeanAbsoluteScaledError()
table = pd.DataFrame(
    {
        "seq2seq": [mase(y_test[c], forecast[c], y_train=y_train[c]) for c in y],
        "naive": [mase(y_test[c], naive[c], y_train=y_train[c]) for c in y],
    },
    index=y.columns,
)
print("MASE on the last 8 quarters, per column:")
print(table.round(3).to_string())
print(f"mean: seq2seq {table['seq2seq'].mean():.3f}, naive {table['naive'].mean():.3f}")

# %%
fig, axes = plt.subplots(len(y.columns), 1, figsize=(8, 8), sharex=True)
for ax, column in zip(axes, y.columns, strict=True):
    ax.plot(y.index[-40:], y[column].iloc[-40:], color="black", lw=1)
    ax.plot(forecast.index, forecast[column], color="tab:orange", lw=1.5)
    ax.axvline(y_train.index[-1] + 0.5, color="0.5", ls=":")
    ax.set_ylabel(column, fontsize=8)
axes[0].legend(["data", "seq2seq forecast"], fontsize=7, loc="upper left")
fig.tight_layout()
figure = OUTPUT / "multivariate_uschange.png"
fig.savefig(figure, dpi=65)
print(f"saved {figure}")

# %%
# Results of the full run
# -----------------------
#
# .. image:: /_static/examples/multivariate_uschange.png
#    :alt: the figure this example saves
#
# .. literalinclude:: /_static/examples/multivariate_uschange.txt
#    :language: none
#
# sphinx_gallery_thumbnail_path = "_static/examples/multivariate_uschange.png"
