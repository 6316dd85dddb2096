"""The yardstick: the same encoder-decoder trained by a plain PyTorch loop.

No sktime, no DataLoader, no checks: a tensor-indexed batch, ``nn.LSTM``,
Adam and MSE, written as one would by hand. ``speed.py`` compares the
forecaster's training throughput with this loop's.
"""

import torch
from torch import nn


class PlainSeq2Seq(nn.Module):
    """Encoder LSTM, decoder LSTM and a linear head, as in the forecaster."""

    def __init__(self, hidden_size, num_layers, decoder_input):
        super().__init__()
        self.decoder_input = decoder_input
        self.encoder = nn.LSTM(1, hidden_size, num_layers, batch_first=True)
        fed = 1 if decoder_input == "autoregressive" else hidden_size
        self.decoder = nn.LSTM(fed, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, past, horizon, teacher=None):
        level = past[:, -1:]
        past = past - level
        output, state = self.encoder(past)
        if self.decoder_input == "context":
            inputs = output[:, -1:].expand(-1, horizon, -1)
            return self.head(self.decoder(inputs, state)[0]) + level
        if teacher is not None:
            inputs = torch.cat([past[:, -1:], teacher[:, :-1] - level], 1)
            return self.head(self.decoder(inputs, state)[0]) + level
        previous, outputs = past[:, -1:], []
        for _ in range(horizon):
            output, state = self.decoder(previous, state)
            previous = self.head(output)
            outputs.append(previous)
        return torch.cat(outputs, 1) + level


def train_plain(
    series,
    window_length,
    horizon,
    *,
    hidden_size,
    num_layers,
    decoder_input,
    teacher_forcing,
    num_epochs,
    batch_size,
    lr=1e-3,
    seed=0,
    device="cpu",
    max_steps=None,
):
    """Train the plain model on every window of ``series``; returns it.

    ``max_steps`` stops it after that many optimiser steps.
    """
    torch.manual_seed(seed)
    values = ((series - series.mean()) / series.std()).float()[:, None].to(device)
    n_windows = len(values) - window_length - horizon + 1
    starts = torch.arange(n_windows, device=device)
    past_offsets = torch.arange(window_length, device=device)
    future_offsets = torch.arange(window_length, window_length + horizon, device=device)
    model = PlainSeq2Seq(hidden_size, num_layers, decoder_input).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    steps = 0
    for _ in range(num_epochs):
        order = starts[torch.randperm(n_windows, device=device)]
        for first in range(0, n_windows, batch_size):
            if max_steps is not None and steps >= max_steps:
                return model
            steps += 1
            batch = order[first : first + batch_size]
            past = values[batch[:, None] + past_offsets]
            target = values[batch[:, None] + future_offsets]
            prediction = model(past, horizon, target if teacher_forcing else None)
            loss = loss_fn(prediction, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
