"""Quickstart: ``python -m skseq2seq`` forecasts sktime's airline data.

The last year is held out; the forecaster is fitted on the rest with its
defaults and the forecast is printed beside what really happened.
"""

import numpy as np
import pandas as pd
from sktime.datasets import load_airline
from sktime.performance_metrics.forecasting import MeanAbsolutePercentageError

from skseq2seq import Seq2SeqLSTMForecaster


def main():
    """Fit on 1949-1959, forecast 1960, print the forecast and its error."""
    y = load_airline()
    y_train, y_test = y.iloc[:-12], y.iloc[-12:]
    fh = np.arange(1, 13)

    forecaster = Seq2SeqLSTMForecaster(random_state=0)
    forecaster.fit(y_train, fh=fh)
    forecast = forecaster.predict()
    # the seasonal-naive forecast: each month as it was a year before
    naive = pd.Series(y_train.iloc[-12:].to_numpy(), y_test.index, name=y.name)

    mape = MeanAbsolutePercentageError()
    print("Airline passengers (thousands), 1960, forecast from 1949-1959:")
    print(
        pd.DataFrame(
            {"actual": y_test, "seq2seq": forecast.round(1), "seasonal naive": naive}
        ).to_string()
    )
    print(
        f"MAPE  seq2seq {mape(y_test, forecast):.1%}   "
        f"seasonal naive {mape(y_test, naive):.1%}   "
        f"({forecaster.history_['steps'].iloc[-1]} training steps "
        f"on {forecaster.device_})"
    )


if __name__ == "__main__":
    main()
