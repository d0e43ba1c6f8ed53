"""Queueing formulas and small statistics the simulator compares itself against.

Erlang C (M/M/c): a offered load in Erlangs (arrival rate × mean handling time), c windows.
Times are in the unit of the mean handling time passed in. See the reference notes
(queueing-and-infrastructure.md, part A1) for the formulas and a worked example.
"""
from __future__ import annotations

import math
from collections.abc import Sequence


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c, by the stable recursion B(k) = aB(k-1) / (k + aB(k-1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits (all c windows busy); 1.0 when a >= c."""
    if c <= 0 or a >= c:
        return 1.0
    if a <= 0:
        return 0.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def _whole(c: int, a: float, s: float, p: float | None) -> float | None:
    if a >= c:
        return None
    pw = erlang_c(c, a)
    scale = s / (c - a)  # 1 / (cμ - λ), in the unit of s
    if p is None:
        return pw * scale
    return 0.0 if pw <= 1.0 - p else math.log(pw / (1.0 - p)) * scale


def _fractional(c: float, a: float, s: float, p: float | None) -> float | None:
    """``c`` windows' worth of time (2.6 = windows open part of the hour, or on breaks) as
    k = ⌈c⌉ windows each working c / k of the time: M/M/k with handling stretched by k / c.
    Exact for whole numbers; None when the load is at or over the capacity c."""
    if c <= 0 or a >= c:
        return None
    k = math.ceil(c - 1e-9)
    stretch = k / c
    return _whole(k, a * stretch, s * stretch, p)


def wait_mean(rate: float, handling: float, windows: float) -> float | None:
    """Erlang C mean wait in queue Wq = C(c, a) / (cμ − λ); None when the load is ≥ capacity.

    ``rate`` arrivals per time unit, ``handling`` mean handling time in that unit.
    """
    return _fractional(windows, rate * handling, handling, None)


def wait_percentile(rate: float, handling: float, windows: float, p: float = 0.9) -> float | None:
    """Erlang C wait percentile t_p = ln(C / (1 − p)) / (cμ − λ), 0 when P(wait) ≤ 1 − p."""
    return _fractional(windows, rate * handling, handling, p)


def allen_cunneen(wq_mmc: float | None, ca: float = 1.0, cs: float = 1.0) -> float | None:
    """G/G/c approximation: Wq(M/M/c) × (ca² + cs²) / 2."""
    return None if wq_mmc is None else wq_mmc * (ca * ca + cs * cs) / 2.0


def windows_for(rate: float, handling: float, target: float, p: float = 0.9, most: int = 200) -> int:
    """Fewest windows whose Erlang C ``p`` percentile wait is at most ``target``."""
    a = rate * handling
    for c in range(max(1, math.floor(a) + 1), most + 1):
        w = _whole(c, a, handling, p)
        if w is not None and w <= target:
            return c
    return most


# ---------------------------------------------------------------------- statistics

def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-quantile (0..1) with linear interpolation between order statistics."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * p
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# two-sided 95 % Student t quantiles by degrees of freedom
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042)


def mean_ci(values: Sequence[float]) -> tuple[float, float] | None:
    """Mean and half-width of its 95 % confidence interval from independent replications
    (days, or batch means); None for fewer than two values."""
    n = len(values)
    if n < 2:
        return None
    m = sum(values) / n
    var = sum((x - m) ** 2 for x in values) / (n - 1)
    t = _T95[n - 2] if n - 1 <= len(_T95) else 1.96
    return m, t * math.sqrt(var / n)


def rmse(errors: Sequence[float]) -> float | None:
    return math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else None
