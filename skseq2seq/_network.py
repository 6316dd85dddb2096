"""The encoder-decoder network: torch modules that know only tensors."""

import torch
from torch import nn

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}
DECODER_INPUTS = ("autoregressive", "context")


class Seq2SeqNetwork(nn.Module):
    """Recurrent encoder-decoder that maps a window of the past to a horizon.

    The encoder reads the window and hands its final state to the decoder,
    which produces the horizon one step at a time through a linear head. All
    values are expected on a standardised scale; the network subtracts the
    last observed value of each target from the window and adds it back to
    the output, so it learns changes from the current level and extrapolates
    trends beyond the range it was trained on.

    Parameters
    ----------
    n_targets : int
        Number of target columns, read by the encoder and predicted.
    n_covariates : int, default=0
        Number of covariate columns known over the window and the horizon:
        the encoder reads their past, the decoder their future values.
    n_past_covariates : int, default=0
        Number of covariate columns known only over the window; only the
        encoder reads them.
    hidden_size : int, default=64
        Width of the recurrent state.
    num_layers : int, default=1
        Stacked recurrent layers in the encoder and in the decoder.
    cell_type : {"lstm", "gru"}, default="lstm"
    dropout : float, default=0.0
        Dropout between stacked layers.
    decoder_input : {"autoregressive", "context"}, default="autoregressive"
        ``"autoregressive"`` feeds the decoder the previous step's value: the
        last observed value first, then its own prediction (or the true value
        under teacher forcing). ``"context"`` feeds it the encoder's last
        output at every step.

    Examples
    --------
    >>> net = Seq2SeqNetwork(n_targets=2, hidden_size=8)
    >>> net(torch.zeros(4, 10, 2), horizon=3).shape
    torch.Size([4, 3, 2])
    """

    def __init__(
        self,
        n_targets,
        n_covariates=0,
        n_past_covariates=0,
        hidden_size=64,
        num_layers=1,
        cell_type="lstm",
        dropout=0.0,
        decoder_input="autoregressive",
    ):
        super().__init__()
        self.n_targets = n_targets
        self.n_covariates = n_covariates
        self.n_past_covariates = n_past_covariates
        self.decoder_input = decoder_input
        cell = CELLS[cell_type]
        between_layers = dropout if num_layers > 1 else 0.0
        self.encoder = cell(
            n_targets + n_covariates + n_past_covariates,
            hidden_size,
            num_layers,
            batch_first=True,
            dropout=between_layers,
        )
        fed_back = n_targets if decoder_input == "autoregressive" else hidden_size
        self.decoder = cell(
            fed_back + n_covariates,
            hidden_size,
            num_layers,
            batch_first=True,
            dropout=between_layers,
        )
        self.head = nn.Linear(hidden_size, n_targets)

    def encode(self, past):
        """Summarise a window in the encoder's last output and final state.

        Parameters
        ----------
        past : torch.Tensor, shape (batch, window, n_columns)
            Targets, covariates, then past covariates, with the level
            removed from the targets.

        Returns
        -------
        context : torch.Tensor, shape (batch, hidden_size)
            The top layer's output at the last time step: a fixed-length
            embedding of the window.
        state : torch.Tensor or tuple of torch.Tensor
            The final hidden state (and, for an LSTM, cell state), each of
            shape (num_layers, batch, hidden_size).
        """
        output, state = self.encoder(past)  # [batch, window, hidden]
        return output[:, -1], state

    def forward(
        self,
        past,
        horizon,
        future_covariates=None,
        teacher=None,
        teacher_mask=None,
    ):
        """Predict ``horizon`` steps after each window.

        Parameters
        ----------
        past : torch.Tensor, shape (batch, window, n_columns)
            ``n_columns = n_targets + n_covariates + n_past_covariates``, in
            that order.
        horizon : int
        future_covariates : torch.Tensor, shape (batch, horizon, n_covariates)
            Required when ``n_covariates > 0``.
        teacher : torch.Tensor, shape (batch, horizon, n_targets), optional
            True future targets, fed to an autoregressive decoder in place of
            its own predictions (teacher forcing). Ignored by the context
            decoder.
        teacher_mask : torch.Tensor of bool, shape (batch, horizon), optional
            Where True, step ``t + 1`` is fed the true value of step ``t``;
            elsewhere, the prediction. ``None`` with a ``teacher`` means
            teacher forcing at every step.

        Returns
        -------
        torch.Tensor, shape (batch, horizon, n_targets)
        """
        level = past[:, -1:, : self.n_targets]  # [batch, 1, n_targets]
        past = torch.cat(
            [past[..., : self.n_targets] - level, past[..., self.n_targets :]], -1
        )
        context, state = self.encode(past)
        if self.decoder_input == "context":
            inputs = context[:, None].expand(-1, horizon, -1)  # [batch, h, hidden]
            output, _ = self.decoder(self._with(inputs, future_covariates), state)
            return self.head(output) + level
        if teacher is not None:
            teacher = teacher - level
        if teacher is not None and teacher_mask is None:
            # the inputs are all known: one call over the horizon, no loop
            previous = torch.cat([past[:, -1:, : self.n_targets], teacher[:, :-1]], 1)
            output, _ = self.decoder(self._with(previous, future_covariates), state)
            return self.head(output) + level
        return (
            self._decode_steps(
                past, horizon, state, future_covariates, teacher, teacher_mask
            )
            + level
        )

    def _decode_steps(
        self, past, horizon, state, future_covariates, teacher, teacher_mask
    ):
        """Feed the decoder one step at a time, each step its previous value."""
        previous = past[:, -1, : self.n_targets]  # [batch, n_targets]
        predictions = []
        for step in range(horizon):
            covariates = (
                None
                if future_covariates is None
                else future_covariates[:, step : step + 1]
            )
            output, state = self.decoder(
                self._with(previous[:, None], covariates), state
            )
            prediction = self.head(output[:, 0])  # [batch, n_targets]
            predictions.append(prediction)
            previous = prediction
            if teacher_mask is not None:
                previous = torch.where(
                    teacher_mask[:, step, None], teacher[:, step], prediction
                )
        return torch.stack(predictions, 1)  # [batch, horizon, n_targets]

    def _with(self, inputs, covariates):
        """Append the covariates of the decoded steps to the decoder input."""
        if self.n_covariates == 0:
            return inputs
        return torch.cat([inputs, covariates], -1)
