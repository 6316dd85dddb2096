"""
Training on a GPU, with early stopping and a loss curve
=======================================================

``device="auto"`` trains on CUDA when there is a GPU, on Apple's MPS on a
Mac, and on the CPU otherwise; nothing else changes. The last tenth of the
windows is held out in time order (``validation_size``), training stops once
the validation loss has not improved for 10 epochs (``patience``), and the
weights of the best epoch are kept. ``history_`` holds the losses per epoch:
here they are plotted.

Set ``SKSEQ2SEQ_FAST=1`` to run in seconds (3 epochs, shorter series).
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

n = 2_000 if FAST else 8_000
t = np.arange(n)
rng = np.random.default_rng(0)
y = pd.Series(np.sin(t / 8) + 0.5 * np.sin(t / 31) + 0.1 * rng.normal(size=n))

forecaster = Seq2SeqLSTMForecaster(
    window_length=64,
    hidden_size=64,
    num_layers=2,
    batch_size=256,
    lr=3e-3,
    num_epochs=3 if FAST else 60,
    validation_size=0.1,
    patience=10,
    lr_scheduler="ReduceLROnPlateau",
    lr_scheduler_kwargs={"patience": 3, "factor": 0.5},
    device="auto",
    random_state=0,
)
forecaster.fit(y, fh=np.arange(1, 17))
history = forecaster.history_
best = history["valid_loss"].idxmin()
print(
    f"trained on {forecaster.device_}: {len(history)} epochs in "
    f"{history['seconds'].sum():.0f} s, best validation loss "
    f"{history['valid_loss'][best]:.5f} at epoch {best}"
)

# %%
fig, ax = plt.subplots(figsize=(7, 3.2))
history.plot(x="epoch", y=["train_loss", "valid_loss"], logy=True, ax=ax)
ax.axvline(best, color="0.5", ls=":", label="best epoch (weights kept)")
ax.set_ylabel("MSE, standardised scale")
ax.set_title(f"Training on {forecaster.device_}")
ax.legend()
fig.tight_layout()
figure = OUTPUT / "training_on_gpu.png"
fig.savefig(figure, dpi=70)
print(f"saved {figure}")

# %%
# Results of the full run
# -----------------------
#
# On one NVIDIA H100 (torch 2.11, CUDA 13); the same run on two shared CPU
# cores took 1,564 s.
#
# .. image:: /_static/examples/training_on_gpu.png
#    :alt: the figure this example saves
#
# .. literalinclude:: /_static/examples/training_on_gpu.txt
#    :language: none
#
# sphinx_gallery_thumbnail_path = "_static/examples/training_on_gpu.png"
