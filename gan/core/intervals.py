"""Confidence intervals for rates counted from yes/no answers (standard library only).

The Space's human evaluation (gan.space.human_eval) reports how often visitors are fooled,
after every answer, from counts that start at zero. Closed-form intervals suit that: they are
exact to test, cost nothing to recompute, and stay meaningful at tiny counts, where a
bootstrap's percentile interval is not (5 right answers out of 5 resample only to 0% error,
an interval [0, 0]).

- `wilson`: the Wilson score interval for one proportion (Wilson 1927). Unlike the normal
  approximation it never leaves [0, 1] and keeps a sensible width at 0 of n or n of n.
- `mean_of_two`: an interval for the mean of two independent proportions, (p1 + p2) / 2, by
  MOVER (Zou & Donner 2008; Newcombe 1998 for a difference): each proportion's Wilson
  limits are combined as distances from its estimate. HYPE-infinity, the error rate on a
  balanced mix of real and generated images, is this mean of the two error rates.

Both assume independent answers; answers from one person are correlated, so with few people
the true uncertainty is wider (docs/human_eval.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile: two-sided 95%


@dataclass(frozen=True)
class Rate:
    """A rate with its interval: `hits` of `count` (rate None, interval [0, 1] when count is 0)."""

    rate: float | None
    low: float
    high: float
    count: int
    hits: int

    def to_dict(self, digits: int = 4) -> dict:
        return {k: round(v, digits) if isinstance(v, float) else v for k, v in asdict(self).items()}


def wilson(hits: int, count: int, z: float = Z95) -> Rate:
    """The Wilson score interval for `hits` successes in `count` independent trials."""
    if not 0 <= hits <= count:
        raise ValueError(f"need 0 <= hits <= count, got {hits} of {count}")
    if count == 0:
        return Rate(None, 0.0, 1.0, 0, 0)
    p = hits / count
    shrink = 1 + z * z / count
    centre = (p + z * z / (2 * count)) / shrink
    half = z / shrink * math.sqrt(p * (1 - p) / count + z * z / (4 * count * count))
    low = 0.0 if hits == 0 else max(0.0, centre - half)  # exactly 0 and 1 at the ends (rounding would miss them)
    high = 1.0 if hits == count else min(1.0, centre + half)
    return Rate(p, low, high, count, hits)


def mean_of_two(a: Rate, b: Rate) -> Rate:
    """(a + b) / 2 with its MOVER interval from a's and b's own (Wilson) limits; undefined
    (rate None, [0, 1]) until both have a count. Its count and hits are the two summed."""
    if a.rate is None or b.rate is None:
        return Rate(None, 0.0, 1.0, a.count + b.count, a.hits + b.hits)
    mean = (a.rate + b.rate) / 2
    below = math.hypot(a.rate - a.low, b.rate - b.low) / 2
    above = math.hypot(a.high - a.rate, b.high - b.rate) / 2
    return Rate(mean, max(0.0, mean - below), min(1.0, mean + above), a.count + b.count, a.hits + b.hits)
