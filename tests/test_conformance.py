"""sktime's own conformance suite, run on every test parameter set, unmodified."""

from sktime.utils.estimator_checks import check_estimator, parametrize_with_checks

from skseq2seq import Seq2SeqLSTMEmbedder, Seq2SeqLSTMForecaster


@parametrize_with_checks([Seq2SeqLSTMForecaster, Seq2SeqLSTMEmbedder])
def test_sktime_conformance(obj, test_name):
    check_estimator(obj, tests_to_run=test_name, raise_exceptions=True)
