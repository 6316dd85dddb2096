"""How often ``seasonal_period="auto"`` finds a season, where there is one and not.

Each row draws 50 series (random states 0-49) and counts those whose
detected period is the true one, or, for white noise and random walks,
those given any season: a false detection. No network is trained.

    python benchmarks/seasonality.py
"""

import numpy as np
import pandas as pd

from skseq2seq._seasonality import detect_seasons

SEEDS = range(50)


def yearly_cycle(n, steps_per_year, noise, seed):
    """A yearly sine sampled ``steps_per_year`` times a year, with noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / steps_per_year) + noise * rng.normal(size=n)


def white_noise(n, seed):
    return np.random.default_rng(seed).normal(size=n)


def random_walk(n, seed):
    return white_noise(n, seed).cumsum()


def exact_growth(n, seed):
    """Compound growth at a rate drawn from 0.5% to 5% a step, on the log scale."""
    rate = np.random.default_rng(seed).uniform(0.005, 0.05)
    return np.log(10 * (1 + rate) ** np.arange(n))


def logged_trend(n, seed):
    """A straight trend with noise, on the log scale, as fit reads positive data."""
    noise = np.random.default_rng(seed).normal(0, 2, n)
    return np.log(10 + 0.5 * np.arange(n) + noise)


# (case, frequency, expected period, series of a seed); 52.18 weeks a year
CASES = [
    ("170 weeks, noise 0.1", "W-SUN", 52, lambda s: yearly_cycle(170, 52.18, 0.1, s)),
    ("208 weeks, noise 0.3", "W-SUN", 52, lambda s: yearly_cycle(208, 52.18, 0.3, s)),
    ("4 years of months, noise 0.3", "M", 12, lambda s: yearly_cycle(48, 12, 0.3, s)),
    ("white noise, 300 months", "M", 1, lambda s: white_noise(300, s)),
    ("random walk, 300 months", "M", 1, lambda s: random_walk(300, s)),
    ("white noise, 300 weeks", "W-SUN", 1, lambda s: white_noise(300, s)),
    ("random walk, 300 weeks", "W-SUN", 1, lambda s: random_walk(300, s)),
    ("white noise, 120 quarters", "Q", 1, lambda s: white_noise(120, s)),
    ("white noise, 300, no frequency", None, 1, lambda s: white_noise(300, s)),
    ("exact growth, 120 months", "M", 1, lambda s: exact_growth(120, s)),
    ("exact growth, 120, no frequency", None, 1, lambda s: exact_growth(120, s)),
    ("log of a trend, 100 days", "D", 1, lambda s: logged_trend(100, s)),
    ("log of a trend, 100, no frequency", None, 1, lambda s: logged_trend(100, s)),
]


def main():
    rows = []
    for name, freq, period, draw in CASES:
        found = [detect_seasons([draw(seed)], freq)[0] for seed in SEEDS]
        hits = (
            sum(p == period for p in found)
            if period > 1
            else sum(p != 1 for p in found)
        )
        rows.append(
            {
                "case": name,
                "counted": "found" if period > 1 else "false season",
                f"of {len(SEEDS)}": hits,
            }
        )
    print(pd.DataFrame(rows).set_index("case").to_markdown())


if __name__ == "__main__":
    main()
