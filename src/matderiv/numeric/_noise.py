"""The noise of ``f``'s computed values, measured along a direction (Moré and Wild's ECnoise).

The round-off floor of a difference quotient (:func:`~matderiv.numeric._schemes.roundoff_floor`)
assumes that ``f`` is computed to about ``ε·|f|``.  That is false when ``f``'s value is the
cancellation of larger terms: the gradient of ``sum(softmax(x))`` is identically 0, and its
computed value is ``s − s·Σs`` with ``s`` of order 1, so it carries noise of order ``ε`` while
``|f| ≈ 1e-17``.  A check of the (correct) zero Hessian against differences of that gradient then
sees ``1e-17 / h`` of pure noise, "relative error 1".

ECnoise (J. J. Moré and S. M. Wild, "Estimating computational noise", SIAM J. Sci. Comput.
33(3), 2011) measures the noise from the values themselves: at ``m + 1`` equally spaced points
``x + (i − m/2)·δ·d`` the ``j``-th differences of a smooth function shrink like ``δʲ`` and keep
their sign, while those of noise of standard deviation ``σ`` have mean square
``σ²·(2j)!/(j!)²`` and change sign.  The estimate is accepted only where three consecutive
orders agree within a factor 4 and the differences change sign; a function that looks smooth
along ``d`` has no measured noise (0.0), so the floor never grows for it.

Round-off is quantised: near ``x`` the computed value of such a gradient is often exactly 0 at
every point, and the noise shows only further out.  When an entry is exactly constant at all
points (no information, not smoothness) the spacing grows 100-fold, up to ``1e-2``.
"""

from __future__ import annotations

import math

import numpy as np

from matderiv.numeric._evaluate import Evaluator, LeftDomain, RealArray

__all__ = ["NOISE_POINTS", "NOISE_STEPS", "measured_noise"]

#: Points ECnoise evaluates f at (m + 1 = 9: differences of order 1 to 8).
NOISE_POINTS = 9
#: Spacings of the points, relative to max(1, max|x|) and normalised by max|d|: the first is
#: small enough that the third and higher differences of a smooth f fall below round-off; the
#: next are tried only while some entry of f is exactly constant at every point.
NOISE_STEPS = (1e-6, 1e-4, 1e-2)
#: Consecutive noise estimates (orders j, j+1, j+2) must agree within this factor.
_AGREE = 4.0


def measured_noise(ev: Evaluator, x: RealArray, d: RealArray) -> float:
    """The largest noise level (standard deviation) ECnoise finds in any entry of ``f`` along `d`.

    Costs ``NOISE_POINTS − 1`` evaluations of ``f`` (``f(x)`` is known) per spacing tried.
    Returns 0.0 when no entry shows noise (``f`` looks smooth, or is computed exactly), or when
    a point leaves ``f``'s domain.

    Parameters
    ----------
    ev
        The evaluator of ``f`` (its evaluations are counted against its budget).
    x
        The point.
    d
        The direction (any scale; the spacing is normalised by ``max|d|``).

    Returns
    -------
    float
        The noise level, in the units of ``f``'s values.

    Examples
    --------
    ``1 − cos(x)² − sin(x)²`` is 0 in exact arithmetic and round-off of order ``ε`` in floating
    point; ``x²`` is smooth:

    >>> x, d = np.array([0.3]), np.array([1.0])
    >>> noisy = Evaluator(lambda v: 1.0 - np.cos(v) ** 2 - np.sin(v) ** 2, x)
    >>> 1e-18 < measured_noise(noisy, x, d) < 1e-15
    True
    >>> measured_noise(Evaluator(lambda v: v**2, x), x, d)
    0.0
    """
    size = float(np.max(np.abs(d), initial=0.0))
    if size == 0.0:
        return 0.0
    scale = max(1.0, float(np.max(np.abs(x), initial=0.0)))
    middle = NOISE_POINTS // 2
    for relative in NOISE_STEPS:
        delta = relative * scale / size
        try:
            rows = [
                ev.value if i == middle else ev.real(x + (i - middle) * delta * d)
                for i in range(NOISE_POINTS)
            ]
        except LeftDomain:
            return 0.0
        values = np.stack([np.reshape(row, -1) for row in rows])  # (points, entries)
        noise = float(np.max(_ecnoise(values), initial=0.0))
        constant = bool(np.any(np.all(values == values[:1], axis=0)))
        if noise > 0.0 or not constant:
            return noise
    return 0.0


def _ecnoise(values: RealArray) -> RealArray:
    """Per column of `values` (one entry of f at each point), its noise level or 0.0."""
    orders = values.shape[0] - 1
    levels, changes = [], []
    diffs = values
    for j in range(1, orders + 1):
        diffs = np.diff(diffs, axis=0)
        gamma = math.factorial(j) ** 2 / math.factorial(2 * j)
        levels.append(np.sqrt(gamma * np.mean(diffs**2, axis=0)))
        changes.append((np.max(diffs, axis=0) > 0.0) & (np.min(diffs, axis=0) < 0.0))
    noise = np.zeros(values.shape[1])
    found = np.zeros(values.shape[1], dtype=bool)
    for j in range(orders - 2):
        window = np.stack(levels[j : j + 3])
        low, high = np.min(window, axis=0), np.max(window, axis=0)
        ok = ~found & changes[j] & (low > 0.0) & (high <= _AGREE * low)
        noise[ok] = levels[j][ok]
        found |= ok
    return noise
