import pytest
import torch

from skseq2seq._network import Seq2SeqNetwork


@pytest.mark.parametrize("cell_type", ["lstm", "gru"])
@pytest.mark.parametrize("decoder_input", ["autoregressive", "context"])
@pytest.mark.parametrize("n_covariates", [0, 2])
def test_output_shape(cell_type, decoder_input, n_covariates):
    net = Seq2SeqNetwork(
        n_targets=3,
        n_covariates=n_covariates,
        hidden_size=5,
        num_layers=2,
        cell_type=cell_type,
        decoder_input=decoder_input,
    )
    past = torch.randn(4, 7, 3 + n_covariates)
    covariates = torch.randn(4, 6, n_covariates) if n_covariates else None
    assert net(past, 6, covariates).shape == (4, 6, 3)


def test_encode_gives_fixed_length_context_and_state():
    net = Seq2SeqNetwork(n_targets=1, hidden_size=8, num_layers=3)
    context, (hidden, cell) = net.encode(torch.randn(5, 11, 1))
    assert context.shape == (5, 8)
    assert hidden.shape == cell.shape == (3, 5, 8)
    # the context is the top layer's last output, i.e. its final hidden state
    torch.testing.assert_close(context, hidden[-1])


def test_gru_state_is_a_single_tensor():
    net = Seq2SeqNetwork(n_targets=1, hidden_size=8, cell_type="gru")
    _, state = net.encode(torch.randn(2, 4, 1))
    assert isinstance(state, torch.Tensor) and state.shape == (1, 2, 8)


@pytest.mark.parametrize("cell_type", ["lstm", "gru"])
def test_one_call_teacher_forcing_equals_the_step_loop(cell_type):
    # full teacher forcing runs the decoder once over the horizon; it must
    # compute exactly what the step loop computes when every coin says "true"
    net = Seq2SeqNetwork(
        n_targets=2, n_covariates=1, hidden_size=6, num_layers=2, cell_type=cell_type
    )
    past, covariates = torch.randn(3, 5, 3), torch.randn(3, 4, 1)
    teacher = torch.randn(3, 4, 2)
    one_call = net(past, 4, covariates, teacher)
    all_true = torch.ones(3, 4, dtype=torch.bool)
    stepped = net(past, 4, covariates, teacher, all_true)
    torch.testing.assert_close(one_call, stepped)


def test_recursive_decoding_feeds_back_its_own_predictions():
    net = Seq2SeqNetwork(n_targets=1, hidden_size=6)
    past, teacher = torch.randn(2, 5, 1), torch.randn(2, 3, 1)
    recursive = net(past, 3)
    all_false = torch.zeros(2, 3, dtype=torch.bool)
    torch.testing.assert_close(
        net(past, 3, teacher=teacher, teacher_mask=all_false), recursive
    )
    # the first step sees only the window, so teacher values cannot change it
    forced = net(past, 3, teacher=teacher)
    torch.testing.assert_close(forced[:, 0], recursive[:, 0])
    assert not torch.allclose(forced[:, 1:], recursive[:, 1:])


def test_mask_picks_teacher_values_per_sample():
    net = Seq2SeqNetwork(n_targets=1, hidden_size=6)
    past, teacher = torch.randn(2, 5, 1), torch.randn(2, 3, 1)
    mask = torch.tensor([[True, True, True], [False, False, False]])
    mixed = net(past, 3, teacher=teacher, teacher_mask=mask)
    torch.testing.assert_close(mixed[0], net(past, 3, teacher=teacher)[0])
    torch.testing.assert_close(mixed[1], net(past, 3)[1])


@pytest.mark.parametrize("decoder_input", ["autoregressive", "context"])
def test_forecast_moves_with_the_level_of_the_window(decoder_input):
    # the network works on changes from the last value: shifting the whole
    # window shifts the forecast by the same amount
    net = Seq2SeqNetwork(n_targets=2, hidden_size=6, decoder_input=decoder_input)
    past = torch.randn(3, 8, 2)
    shift = torch.tensor([5.0, -3.0])
    torch.testing.assert_close(net(past + shift, 4), net(past, 4) + shift)


def test_covariates_are_not_shifted_by_the_level():
    net = Seq2SeqNetwork(n_targets=1, n_covariates=1, hidden_size=6)
    past, covariates = torch.randn(2, 8, 2), torch.randn(2, 3, 1)
    shifted = past.clone()
    shifted[..., 1] += 4.0
    assert not torch.allclose(net(shifted, 3, covariates), net(past, 3, covariates))


def test_dropout_sits_between_stacked_layers_only():
    assert Seq2SeqNetwork(1, num_layers=1, dropout=0.5).encoder.dropout == 0.0
    assert Seq2SeqNetwork(1, num_layers=2, dropout=0.5).decoder.dropout == 0.5


def test_eval_mode_predictions_are_deterministic():
    net = Seq2SeqNetwork(n_targets=1, hidden_size=6, num_layers=2, dropout=0.5)
    net.eval()
    past = torch.randn(2, 5, 1)
    torch.testing.assert_close(net(past, 3), net(past, 3))
