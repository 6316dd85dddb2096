"""Training throughput and peak memory beside neuralforecast and darts.

Each library fits the same univariate series once over (about) every window,
in a fresh subprocess, with one torch thread: window 64, horizon 16, hidden
size 64, batch 256. The architectures are each library's own: skseq2seq's
LSTM encoder-decoder, neuralforecast's ``LSTM`` (LSTM encoder, MLP decoder)
and darts' ``BlockRNNModel`` (LSTM encoder, linear decoder), so the figures
compare what a user gets at equal sizes, not identical arithmetic. The
context decoder, one LSTM call over the horizon, is the closest of ours to
the peers' one-shot decoders.

The peers are never dependencies. Install them only where you run this:

    pip install torch==2.13.0 neuralforecast darts .
    python benchmarks/peers.py --length 100000

The peak memory figure is what the fit adds to the process's peak resident
memory after imports, a warm-up fit and loading the data.
"""

import argparse
import json
import subprocess
import sys

COMMON = r"""
import json, logging, resource, time, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
import numpy as np, pandas as pd, torch
torch.set_num_threads(1)
n, W, H, HIDDEN, BATCH = {n}, 64, 16, 64, 256
n_windows = n - W - H + 1

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def series(length):
    rng = np.random.default_rng(0)
    return np.sin(np.arange(length) / 10) + 0.1 * rng.normal(size=length)
"""

LIBRARIES = {
    "skseq2seq": r"""
from skseq2seq import Seq2SeqLSTMForecaster

def fit(values):
    Seq2SeqLSTMForecaster(
        window_length=W, hidden_size=HIDDEN, batch_size=BATCH, num_epochs=1,
        random_state=0, device="cpu",
    ).fit(pd.Series(values), fh=np.arange(1, H + 1))
""",
    "skseq2seq, context decoder": r"""
from skseq2seq import Seq2SeqLSTMForecaster

def fit(values):
    Seq2SeqLSTMForecaster(
        window_length=W, hidden_size=HIDDEN, batch_size=BATCH, num_epochs=1,
        decoder_input="context", random_state=0, device="cpu",
    ).fit(pd.Series(values), fh=np.arange(1, H + 1))
""",
    "neuralforecast": r"""
from neuralforecast import NeuralForecast
from neuralforecast.models import LSTM

def fit(values):
    steps = max(1, (len(values) - W - H + 1) // BATCH)  # one pass over the windows
    model = LSTM(
        h=H, input_size=W, encoder_hidden_size=HIDDEN, decoder_hidden_size=HIDDEN,
        batch_size=1, windows_batch_size=BATCH, max_steps=steps,
        val_check_steps=steps + 1, scaler_type="standard", random_seed=0,
        accelerator="cpu", enable_progress_bar=False, logger=False,
        enable_checkpointing=False, enable_model_summary=False,
    )
    frame = pd.DataFrame({
        "unique_id": "s", "ds": np.arange(len(values)), "y": values,
    })
    NeuralForecast(models=[model], freq=1).fit(frame)
""",
    "darts": r"""
from darts import TimeSeries
from darts.models import BlockRNNModel

def fit(values):
    model = BlockRNNModel(
        model="LSTM", input_chunk_length=W, output_chunk_length=H,
        hidden_dim=HIDDEN, batch_size=BATCH, n_epochs=1, random_state=0,
        pl_trainer_kwargs={
            "accelerator": "cpu", "enable_progress_bar": False, "logger": False,
            "enable_checkpointing": False, "enable_model_summary": False,
        },
    )
    model.fit(TimeSeries.from_values(values.astype(np.float32)))
""",
}

RUN = r"""
fit(series(W + H + 2 * BATCH))  # warm-up: lazy imports, allocator
values = series(n)
baseline = peak_mb()
started = time.perf_counter()
fit(values)
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "windows_per_s": n_windows / seconds,
                  "added_mb": peak_mb() - baseline}}))
"""


def measure(library, n):
    code = COMMON.format(n=n) + LIBRARIES[library] + RUN.format()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1][:200]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=100_000)
    args = parser.parse_args()
    results = {library: measure(library, args.length) for library in LIBRARIES}
    ours = results["skseq2seq"]
    print(
        f"\n### One pass over {args.length - 79:,} windows of a "
        f"{args.length:,}-point series, 1 torch thread\n"
    )
    print(
        "| library | windows/s | skseq2seq's throughput as a multiple | fit adds (MB) |"
    )
    print("|---|---:|---:|---:|")
    for library, result in results.items():
        if "error" in result:
            print(f"| {library} | failed: {result['error']} | | |")
            continue
        multiple = ours["windows_per_s"] / result["windows_per_s"]
        print(
            f"| {library} | {result['windows_per_s']:,.0f} | {multiple:.2f} | "
            f"{result['added_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
