"""The parameter table: every parameter has its rule, and each rule refuses."""

import numpy as np
import pytest

from skseq2seq import Seq2SeqLSTMEmbedder, Seq2SeqLSTMForecaster
from skseq2seq._validation import Choice, Integer, Real, check_params

#: Parameters checked where they are used (the device against the machine's).
FREE = {"device"}


@pytest.mark.parametrize("estimator", [Seq2SeqLSTMForecaster, Seq2SeqLSTMEmbedder])
def test_every_parameter_has_a_rule_or_is_free(estimator):
    names = set(estimator.get_param_names())
    constrained = set(estimator._parameter_constraints)
    assert constrained <= names  # no rule for a parameter that is not there
    assert names - constrained <= FREE


def test_each_kind_of_rule_names_the_parameter_and_the_bound():
    constraints = {
        "kind": Choice("a", None),
        "count": Integer(2, optional=True),
        "rate": Real(0.0, 1.0, closed_left=False),
    }
    check_params({"kind": None, "count": None, "rate": 1.0}, constraints)
    for bad, message in [
        ({"kind": "b"}, r"kind must be one of \['a', None\], got 'b'"),
        ({"count": 1}, "count must be an integer of at least 2, got 1"),
        ({"rate": 0.0}, r"rate must be a number in \(0.0, 1.0\], got 0.0"),
    ]:
        with pytest.raises(ValueError, match=message):
            check_params({"kind": "a", "count": 2, "rate": 0.5, **bad}, constraints)


def test_the_embedder_refuses_a_scaling_its_graph_would_not_apply():
    with pytest.raises(ValueError, match="scaling must be one of"):
        Seq2SeqLSTMEmbedder(scaling="auto", num_epochs=1).fit(np.zeros((4, 1, 8)))
