import pytest
import torch

from skseq2seq import _network
from skseq2seq._network import (
    GaussianHead,
    QuantileHead,
    Seq2SeqNetwork,
    layer_states,
    recurrent_step,
)


def record_decoder_inputs(net, monkeypatch):
    """Collect the decoder's inputs, whole sequences and single steps alike.

    Returns a list that fills with one ``(batch, steps, n_inputs)`` tensor
    per call, in the order of the calls.
    """
    seen = []
    net.decoder.register_forward_hook(lambda module, args, out: seen.append(args[0]))
    step = _network.recurrent_step

    def recording(rnn, inputs, layers):
        seen.append(inputs[:, None])
        return step(rnn, inputs, layers)

    monkeypatch.setattr(_network, "recurrent_step", recording)
    return seen


@pytest.mark.parametrize("cell_type", ["lstm", "gru"])
@pytest.mark.parametrize("num_layers", [1, 3])
def test_a_recurrent_step_computes_what_the_module_does(cell_type, num_layers):
    torch.manual_seed(0)
    dropout = 0.5 if num_layers > 1 else 0.0
    rnn = _network.CELLS[cell_type](3, 5, num_layers, batch_first=True, dropout=dropout)
    rnn.eval()  # dropout off: the two must then agree exactly
    x = torch.randn(4, 3, requires_grad=True)
    hidden = torch.randn(num_layers, 4, 5)
    state = (hidden, torch.randn(num_layers, 4, 5)) if cell_type == "lstm" else hidden
    output, new_layers = recurrent_step(rnn, x, layer_states(state))
    expected_output, expected_state = rnn(x[:, None], state)
    torch.testing.assert_close(output, expected_output[:, 0])
    # each layer's state, a pair for an LSTM
    torch.testing.assert_close(new_layers, layer_states(expected_state))
    (gradient,) = torch.autograd.grad(output.sum(), x)
    (expected_gradient,) = torch.autograd.grad(expected_output.sum(), x)
    torch.testing.assert_close(gradient, expected_gradient)


def test_a_recurrent_step_drops_between_layers_in_training_only():
    torch.manual_seed(0)
    rnn = torch.nn.LSTM(3, 64, 2, batch_first=True, dropout=0.5)
    x, state = torch.randn(8, 3), (torch.zeros(2, 8, 64), torch.zeros(2, 8, 64))
    trained = recurrent_step(rnn, x, layer_states(state))[0]
    rnn.eval()
    evaluated = recurrent_step(rnn, x, layer_states(state))[0]
    assert not torch.allclose(trained, evaluated)
    torch.testing.assert_close(evaluated, rnn(x[:, None], state)[0][:, 0])


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
@pytest.mark.parametrize("season_length", [1, 3])
def test_one_call_teacher_forcing_equals_the_step_loop(cell_type, season_length):
    # full teacher forcing runs the decoder once over the horizon; it must
    # compute exactly what the step loop computes when every coin says "true"
    net = Seq2SeqNetwork(
        n_targets=2,
        n_covariates=1,
        hidden_size=6,
        num_layers=2,
        cell_type=cell_type,
        season_length=season_length,
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
    read = []
    net.encoder.register_forward_pre_hook(lambda module, args: read.append(args[0]))
    net(past, 3, covariates)
    # the encoder reads the target less its last value, the covariate as it is
    torch.testing.assert_close(read[0][..., 0], past[..., 0] - past[:, -1:, 0])
    torch.testing.assert_close(read[0][..., 1], past[..., 1])
    # so a shifted target shifts the forecast, and a shifted covariate does not
    shifted = past.clone()
    shifted[..., 0] += 4.0
    torch.testing.assert_close(
        net(shifted, 3, covariates), net(past, 3, covariates) + 4
    )


@pytest.mark.parametrize("part", ["encoder", "decoder"])
def test_dropout_sits_between_stacked_layers_only(part):
    assert getattr(Seq2SeqNetwork(1, num_layers=1, dropout=0.5), part).dropout == 0
    assert getattr(Seq2SeqNetwork(1, num_layers=2, dropout=0.5), part).dropout == 0.5


def test_the_encoder_drops_in_training_only():
    with torch.random.fork_rng():  # the other tests' random state stays
        torch.manual_seed(0)
        net = Seq2SeqNetwork(1, hidden_size=32, num_layers=2, dropout=0.5).train()
        past = torch.randn(4, 8, 1)
        assert not torch.allclose(net.encode(past)[0], net.encode(past)[0])
        net.eval()
        torch.testing.assert_close(net.encode(past)[0], net.encode(past)[0])


def test_eval_mode_predictions_are_deterministic():
    net = Seq2SeqNetwork(n_targets=1, hidden_size=6, num_layers=2, dropout=0.5)
    net.eval()
    past = torch.randn(2, 5, 1)
    torch.testing.assert_close(net(past, 3), net(past, 3))


class TestHeads:
    @pytest.mark.parametrize(
        ("loss", "shape"),
        [("mse", (4, 3, 2)), ("gaussian", (4, 3, 2, 2)), ("quantile", (4, 3, 2, 3))],
    )
    def test_output_shapes(self, loss, shape):
        net = Seq2SeqNetwork(
            n_targets=2, hidden_size=5, loss=loss, quantiles=(0.1, 0.5, 0.9)
        )
        assert net(torch.randn(4, 6, 2), 3).shape == shape

    @pytest.mark.parametrize("loss", ["gaussian", "quantile"])
    def test_the_point_forecast_is_fed_back(self, loss):
        # teacher forcing where every coin says "own prediction" must equal
        # plain recursive decoding, which feeds back head.point(...)
        net = Seq2SeqNetwork(1, hidden_size=5, loss=loss, quantiles=(0.2, 0.5, 0.8))
        past, teacher = torch.randn(2, 6, 1), torch.randn(2, 4, 1)
        none = torch.zeros(2, 4, dtype=torch.bool)
        torch.testing.assert_close(
            net(past, 4, teacher=teacher, teacher_mask=none), net(past, 4)
        )

    def test_quantiles_never_cross(self):
        head = QuantileHead(8, n_targets=3, levels=(0.05, 0.25, 0.5, 0.75, 0.95))
        with torch.no_grad():
            head.linear.weight.mul_(50)  # wild weights: still ordered
        output = head(torch.randn(100, 8))
        # ordered by construction; steps below float32's resolution at such
        # magnitudes may round to ties, never to a reversal
        assert (output.diff(dim=-1) >= 0).all()

    @pytest.mark.parametrize("levels", [(0.1, 0.5, 0.9), (0.01, 0.05, 0.25, 0.5, 0.9)])
    def test_the_quantile_head_s_median_is_its_first_output(self, levels):
        # as the point heads' forecast is theirs: near 0 before training, so
        # an untrained network forecasts about its anchor, whatever the levels
        head = QuantileHead(8, n_targets=2, levels=levels)
        hidden = torch.randn(20, 8)
        median = head(hidden)[..., levels.index(0.5)]
        torch.testing.assert_close(median, head.linear(hidden)[:, :: len(levels)])

    def test_gaussian_scale_is_positive_and_shifts_only_the_mean(self):
        head = GaussianHead(4, n_targets=1)
        output = head(torch.randn(10, 4))
        assert (output[..., 1] > 0).all()
        moved = head.affine(output, torch.tensor([3.0]), torch.tensor([2.0]))
        torch.testing.assert_close(moved[..., 0], 3 + 2 * output[..., 0])
        torch.testing.assert_close(moved[..., 1], 2 * output[..., 1])

    @pytest.mark.parametrize("loss", ["mse", "gaussian", "quantile"])
    def test_affine_without_a_scale_scales_by_one(self, loss):
        head = _network.make_head(loss, 4, n_targets=2, quantiles=(0.1, 0.5, 0.9))
        output, loc = head(torch.randn(10, 4)), torch.randn(10, 2)
        torch.testing.assert_close(
            head.affine(output, loc), head.affine(output, loc, torch.ones_like(loc))
        )

    def test_level_shift_moves_location_not_spread(self):
        for loss in ("gaussian", "quantile"):
            net = Seq2SeqNetwork(1, hidden_size=5, loss=loss, quantiles=(0.1, 0.5, 0.9))
            past = torch.randn(3, 6, 1)
            base, shifted = net(past, 2), net(past + 7.0, 2)
            if loss == "gaussian":
                torch.testing.assert_close(shifted[..., 0], base[..., 0] + 7.0)
                torch.testing.assert_close(shifted[..., 1], base[..., 1])
            else:
                torch.testing.assert_close(shifted, base + 7.0)

    def test_pinball_loss_on_known_values(self):
        head = QuantileHead(1, n_targets=1, levels=(0.1, 0.5, 0.9))
        output = torch.tensor([[[0.0, 1.0, 2.0]]])  # [batch, targets, levels]
        target = torch.tensor([[1.5]])
        # errors 1.5, 0.5, -0.5: losses 0.15, 0.25, 0.05
        expected = (0.1 * 1.5 + 0.5 * 0.5 + 0.1 * 0.5) / 3
        assert head.loss(output, target).item() == pytest.approx(expected)

    def test_gaussian_loss_is_the_negative_log_likelihood(self):
        head = GaussianHead(1, n_targets=1)
        output = torch.tensor([[[1.0, 2.0]]])  # mean 1, standard deviation 2
        target = torch.tensor([[3.0]])
        expected = -torch.distributions.Normal(1.0, 2.0).log_prob(torch.tensor(3.0))
        assert head.loss(output, target).item() == pytest.approx(expected.item())


@pytest.mark.parametrize("decoder_input", ["autoregressive", "context"])
@pytest.mark.parametrize("horizon", [3, 7])
def test_a_silent_head_forecasts_the_seasonal_naive(decoder_input, horizon):
    # the head's output is added to the value one season before each step
    torch.manual_seed(0)
    net = Seq2SeqNetwork(
        n_targets=2, hidden_size=4, season_length=4, decoder_input=decoder_input
    )
    with torch.no_grad():
        net.head.linear.weight.zero_()
        net.head.linear.bias.zero_()
    past = torch.randn(5, 9, 2)
    last_season = past[:, -4:]  # [batch, 4, targets]
    expected = last_season[:, [step % 4 for step in range(horizon)]]
    torch.testing.assert_close(net(past, horizon), expected)
    teacher = torch.randn(5, horizon, 2)
    torch.testing.assert_close(net(past, horizon, teacher=teacher), expected)


@pytest.mark.parametrize("decoder_input", ["autoregressive", "context"])
@pytest.mark.parametrize("teacher_forced", [False, True])
def test_the_decoder_reads_the_anchor_of_each_step(
    decoder_input, teacher_forced, monkeypatch
):
    # the value one season before each step (level removed) is part of the
    # decoder's input at that step, so the network can correct a noisy anchor
    net = Seq2SeqNetwork(
        n_targets=1, hidden_size=4, season_length=4, decoder_input=decoder_input
    )
    seen = record_decoder_inputs(net, monkeypatch)
    past = torch.arange(8.0).reshape(1, 8, 1) ** 2
    teacher = torch.zeros(1, 6, 1) if teacher_forced else None
    net(past, 6, teacher=teacher)
    anchor_column = torch.cat(seen, 1)[0, :, -1]  # one row per decoded step
    last_season = past[0, 4:, 0] - past[0, -1, 0]
    torch.testing.assert_close(anchor_column, last_season[[0, 1, 2, 3, 0, 1]])


def test_without_a_season_the_decoder_reads_no_anchor():
    assert Seq2SeqNetwork(n_targets=2, hidden_size=4).decoder.input_size == 2


def test_one_season_anchors_at_the_last_value():
    net = Seq2SeqNetwork(n_targets=1, hidden_size=4)
    with torch.no_grad():
        net.head.linear.weight.zero_()
        net.head.linear.bias.zero_()
    past = torch.randn(3, 6, 1)
    torch.testing.assert_close(net(past, 4), past[:, -1:].expand(-1, 4, -1))


@pytest.mark.parametrize("loss", ["mse", "gaussian", "quantile"])
def test_masked_targets_do_not_reach_the_loss(loss):
    torch.manual_seed(0)
    net = Seq2SeqNetwork(
        n_targets=2, hidden_size=4, loss=loss, quantiles=(0.1, 0.5, 0.9)
    )
    past, target = torch.randn(3, 6, 2), torch.randn(3, 4, 2)
    mask = torch.rand(3, 4, 2) > 0.3
    spoiled = torch.where(mask, target, torch.full_like(target, 1e4))
    output = net(past, 4)
    masked = net.head.loss(output, target, mask)
    torch.testing.assert_close(net.head.loss(output, spoiled, mask), masked)
    # with every target observed, the mask changes nothing
    everything = torch.ones_like(mask)
    torch.testing.assert_close(
        net.head.loss(output, target, everything), net.head.loss(output, target)
    )


def test_the_decoder_reads_whether_each_anchor_was_observed(monkeypatch):
    net = Seq2SeqNetwork(
        n_targets=1, hidden_size=4, season_length=4, reads_availability=True
    )
    assert net.encoder.input_size == 2  # the value and its availability
    seen = record_decoder_inputs(net, monkeypatch)
    values = torch.arange(8.0).reshape(1, 8, 1)
    available = torch.tensor([1, 1, 1, 1, 1, 0, 1, 0.0]).reshape(1, 8, 1)
    net(torch.cat([values, available], -1), 5)
    inputs = torch.cat(seen, 1)[0]  # [step, previous + anchor + available]
    # steps 0..4 are anchored at rows 4, 5, 6, 7, 4
    assert inputs[:, -1].tolist() == [1, 0, 1, 0, 1]
    assert inputs[:, -2].tolist() == [-3, -2, -1, 0, -3]  # level 7 removed


@pytest.mark.parametrize("decoder_input", ["autoregressive", "context"])
def test_a_series_flagged_without_its_season_anchors_at_the_last_value(
    decoder_input,
):
    # the flag is the window's last column; a silent head shows the anchor
    torch.manual_seed(0)
    net = Seq2SeqNetwork(
        n_targets=1,
        hidden_size=4,
        season_length=4,
        decoder_input=decoder_input,
        reads_season_flag=True,
    )
    with torch.no_grad():
        net.head.linear.weight.zero_()
        net.head.linear.bias.zero_()
    values = torch.randn(2, 9, 1)
    flags = torch.tensor([1.0, 0.0])[:, None, None].expand(-1, 9, 1)
    forecast = net(torch.cat([values, flags], -1), 6)
    seasonal_naive = values[0, -4:][[0, 1, 2, 3, 0, 1]]
    torch.testing.assert_close(forecast[0], seasonal_naive)
    torch.testing.assert_close(forecast[1], values[1, -1:].expand(6, -1))


def test_the_season_flag_is_read_only_with_a_season():
    net = Seq2SeqNetwork(n_targets=1, hidden_size=4, reads_season_flag=True)
    assert net.encoder.input_size == 1
    seasonal = Seq2SeqNetwork(
        n_targets=1, hidden_size=4, season_length=4, reads_season_flag=True
    )
    assert seasonal.encoder.input_size == 2


@pytest.mark.parametrize("season_length", [1, 12])
def test_the_encoder_reads_only_its_own_length(season_length):
    # the same weights: a long window read by a short encoder, and the short
    # window alone, whose anchor a season back lies inside both
    torch.manual_seed(0)
    short = Seq2SeqNetwork(n_targets=1, hidden_size=4, season_length=season_length)
    windowed = Seq2SeqNetwork(
        n_targets=1, hidden_size=4, season_length=season_length, encoder_length=12
    )
    windowed.load_state_dict(short.state_dict())
    past = torch.randn(3, 30, 1)
    torch.testing.assert_close(windowed(past, 5), short(past[:, -12:], 5))
