"""
Next value of a sine wave
=========================

The first exercise of most LSTM tutorials: read 50 values of
``sin(linspace(0, 100, 1000))`` and predict the next one. The decoder is then
trained for a single step (``fh=[1]``). We fit on the first 800 points and
forecast each of the last 200, one step ahead, from the 50 true values
before it.

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

from skseq2seq import Seq2SeqLSTMForecaster

FAST = os.environ.get("SKSEQ2SEQ_FAST") == "1"
OUTPUT = Path(os.environ.get("SKSEQ2SEQ_OUTPUT", "."))

y = pd.Series(np.sin(np.linspace(0, 100, 1000)))
train, test = y.iloc[:800], y.iloc[800:]

forecaster = Seq2SeqLSTMForecaster(
    window_length=50, hidden_size=32, num_epochs=2 if FAST else 40, random_state=0
)
forecaster.fit(train, fh=[1])

# %%
# One step at a time through the test part
# ----------------------------------------
# ``update(..., update_params=False)`` appends the newly observed value
# without training, so each forecast reads the 50 true values before it.
predictions = []
for time_point in test.index:
    predictions.append(forecaster.predict().iloc[0])
    forecaster.update(test.loc[[time_point]], update_params=False)
predictions = pd.Series(predictions, index=test.index)
rmse = float(np.sqrt(np.mean((predictions - test) ** 2)))
naive = float(np.sqrt(np.mean(np.diff(y.to_numpy()[799:]) ** 2)))
print(
    f"one-step RMSE on the last 200 points: {rmse:.5f} "
    f"(repeating the last value: {naive:.5f})"
)

# %%
fig, ax = plt.subplots(figsize=(8, 3))
y.iloc[700:].plot(ax=ax, color="black", lw=1, label="sine")
predictions.plot(
    ax=ax, color="tab:orange", ls="--", label=f"one step ahead (RMSE {rmse:.4f})"
)
ax.axvline(799.5, color="0.5", ls=":")
ax.legend(loc="lower left")
fig.tight_layout()
figure = OUTPUT / "sine_next_value.png"
fig.savefig(figure, dpi=70)
print(f"saved {figure}")

# %%
# Results of the full run
# -----------------------
#
# .. image:: /_static/examples/sine_next_value.png
#    :alt: the figure this example saves
#
# .. literalinclude:: /_static/examples/sine_next_value.txt
#    :language: none
#
# sphinx_gallery_thumbnail_path = "_static/examples/sine_next_value.png"
