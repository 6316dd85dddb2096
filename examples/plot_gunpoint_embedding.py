"""
The encoder as a sequence embedding: classifying GunPoint
=========================================================

An encoder-decoder trained to reconstruct its input learns to pack a whole
series into the encoder's final state. ``Seq2SeqLSTMEmbedder`` trains such
an autoencoder and returns that state: a fixed-length vector per series,
which any scikit-learn model can take.

GunPoint (shipped with sktime) holds 150-step recordings of a hand drawing
a gun or pointing a finger; 50 train, 150 test. The embeddings feed a
logistic regression, compared with the same classifier on sktime's
``SummaryTransformer`` (mean, spread, quantiles of each series) and on the
raw values.

Set ``SKSEQ2SEQ_FAST=1`` to run in seconds (5 epochs).
"""

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sktime.datasets import load_gunpoint
from sktime.transformations.series.summarize import SummaryTransformer

from skseq2seq import Seq2SeqLSTMEmbedder

FAST = os.environ.get("SKSEQ2SEQ_FAST") == "1"
OUTPUT = Path(os.environ.get("SKSEQ2SEQ_OUTPUT", "."))

X_train, y_train = load_gunpoint(split="train", return_X_y=True, return_type="numpy3D")
X_test, y_test = load_gunpoint(split="test", return_X_y=True, return_type="numpy3D")

# %%
# Three ways to turn a series into features, one classifier
# ---------------------------------------------------------
# ``transformer * classifier`` is sktime's pipeline: the transformer turns
# each series into a row of features, the scikit-learn classifier learns
# from them. The embedder is fitted on the training series (their labels
# unused); with 50 short series it needs many epochs to learn to rebuild them.


def classifier():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


embedder = Seq2SeqLSTMEmbedder(
    hidden_size=32, num_epochs=5 if FAST else 600, lr=3e-3, random_state=0
)
pipelines = {
    "seq2seq embedding (32 numbers)": embedder * classifier(),
    "SummaryTransformer": SummaryTransformer() * classifier(),
    "raw values (150 numbers)": FunctionTransformer(lambda X: X[:, 0, :]),
}
for name, pipeline in pipelines.items():
    if isinstance(pipeline, FunctionTransformer):  # a plain scikit-learn model
        features = pipeline
        model = classifier().fit(features.transform(X_train), y_train)
        accuracy = model.score(features.transform(X_test), y_test)
    else:
        accuracy = (pipeline.fit(X_train, y_train).predict(X_test) == y_test).mean()
    print(f"{name:32s} test accuracy {accuracy:.3f}")
# the pipeline fitted a clone of the embedder: take it from there
fitted = pipelines["seq2seq embedding (32 numbers)"].transformers_.steps_[0][1]
loss = fitted.history_["train_loss"]
print(
    f"reconstruction loss of the autoencoder: {loss.iloc[0]:.3f} at the first "
    f"epoch, {loss.iloc[-1]:.3f} at the last"
)

# %%
# The test embeddings, projected on their first two principal components
# ----------------------------------------------------------------------
projected = PCA(n_components=2).fit_transform(fitted.transform(X_test))
fig, axes = plt.subplots(1, 2, figsize=(9, 3.3))
for label, colour in zip(np.unique(y_test), ["tab:blue", "tab:orange"], strict=True):
    chosen = y_test == label
    axes[0].plot(X_test[chosen][:5, 0].T, color=colour, lw=0.8)
    axes[1].scatter(*projected[chosen].T, s=10, color=colour, label=f"class {label}")
axes[0].set_title("five test series per class")
axes[1].set_title("their embeddings (PCA)")
axes[1].legend()
fig.tight_layout()
figure = OUTPUT / "gunpoint_embedding.png"
fig.savefig(figure, dpi=70)
print(f"saved {figure}")

# %%
# Results of the full run
# -----------------------
#
# .. image:: /_static/examples/gunpoint_embedding.png
#    :alt: the figure this example saves
#
# .. literalinclude:: /_static/examples/gunpoint_embedding.txt
#    :language: none
#
# sphinx_gallery_thumbnail_path = "_static/examples/gunpoint_embedding.png"
