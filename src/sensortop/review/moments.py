"""Exact sums of values and of their squares, so a mean and a std come out the same
whatever order the readings are added in (one log, or archives merged from metadata).

A float is ``m * 2**(e - 53)`` with ``m`` a 53-bit integer. Values sharing an
exponent are summed as integers, split into limbs small enough that numpy's
int64 sums cannot overflow; the groups are then added as Python fractions.
The mean and the variance are computed from the exact sums and rounded once.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

_CHUNK = 1 << 24  # values summed at once: limb sums stay below 2**63


def exact_sums(values: np.ndarray) -> tuple[Fraction, Fraction]:
    """(sum of values, sum of squares), both exact."""
    if len(values) == 0:
        return Fraction(0), Fraction(0)
    mantissa, exponent = np.frexp(values)
    m = (mantissa * float(1 << 53)).astype(np.int64)
    total, squares = Fraction(0), Fraction(0)
    low = int(exponent.min())
    counts = np.bincount(exponent - low)
    for offset in np.flatnonzero(counts).tolist():
        group = m if len(counts) == 1 else m[exponent == low + offset]
        s1, s2 = 0, 0
        for start in range(0, len(group), _CHUNK):
            s1_part, s2_part = _integer_sums(group[start:start + _CHUNK])
            s1 += s1_part
            s2 += s2_part
        e = low + offset - 53
        total += Fraction(s1) * Fraction(2) ** e
        squares += Fraction(s2) * Fraction(2) ** (2 * e)
    return total, squares


def _integer_sums(m: np.ndarray) -> tuple[int, int]:
    """Exact sum of ``m`` and of ``m * m`` for 53-bit integers (in 18-bit limbs)."""
    s1 = (int((m >> 27).sum()) << 27) + int((m & ((1 << 27) - 1)).sum())
    u = np.abs(m)
    a = u >> 36
    b = (u >> 18) & 0x3FFFF
    u &= 0x3FFFF
    c = u
    s2 = ((int(a @ a) << 72) + (int(a @ b) << 55) + ((2 * int(a @ c) + int(b @ b)) << 36)
          + (int(b @ c) << 19) + int(c @ c))
    return s1, s2


def mean_std_of_sums(n: int, total: Fraction, squares: Fraction
                     ) -> tuple[float | None, float | None]:
    """Mean and sample std (ddof=1) from exact sums, each rounded once; None where there is
    none, inf beyond float range."""
    if n == 0:
        return None, None
    mean = _to_float(total / n)
    if n == 1:
        return mean, None
    variance = max((squares - total * total / n) / (n - 1), Fraction(0))
    if variance == 0:
        return mean, 0.0
    # Scaled by a power of four first: a variance beyond float range (values near 1e308)
    # can still have a std within it; the scaling is exact, so is the rounding.
    k = (variance.numerator.bit_length() - variance.denominator.bit_length()) // 2
    root = math.sqrt(float(variance / Fraction(4) ** k))
    try:
        return mean, math.ldexp(root, k)
    except OverflowError:
        return mean, math.inf


def _to_float(x: Fraction) -> float:
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def to_text(x: Fraction) -> str:
    """A fraction for JSON metadata, exactly: ``"numerator/denominator"``."""
    return f"{x.numerator}/{x.denominator}"


def from_text(text: str) -> Fraction:
    return Fraction(text)


def sum_texts(texts: list[str]) -> Fraction:
    """The exact sum of ``to_text`` fractions, fast where (as always from ``exact_sums``)
    each denominator is a power of two: integers shifted to the largest, one division."""
    pairs = []
    for text in texts:
        numerator, _, denominator = text.partition("/")
        den = int(denominator or 1)
        if den & (den - 1):
            return sum((from_text(t) for t in texts), Fraction(0))
        pairs.append((int(numerator), den.bit_length() - 1))
    if not pairs:
        return Fraction(0)
    top = max(e for _, e in pairs)
    return Fraction(sum(n << (top - e) for n, e in pairs), 1 << top)
