"""The directional test: the claimed ``J u`` against differences along random ``u``.

A handful of evaluations of ``f`` whatever the size of ``x``; for a pullback the
dot-product test ``⟨v, J u⟩ = ⟨Jᵀ v, u⟩``.  A failure it cannot explain from the
full Jacobian (too large, over budget, or ``full=False``) is explained here from
the directions alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matderiv.numeric._claimed import checked_call
from matderiv.numeric._evaluate import Evaluator, RealArray
from matderiv.numeric._schemes import Method, difference, direction_step, roundoff_floor
from matderiv.numeric.diagnosis import Tolerance, factor_message

__all__ = [
    "Comparison",
    "directional_diagnosis",
    "directional_floor",
    "directional_test",
]

#: One direction's difference step and the weight its round-off carries into the comparison.
Step = tuple[float, float]


def directional_test(
    ev: Evaluator,
    point: RealArray,
    df: Any,
    form: str,
    C: RealArray | None,
    method: Method,
    step: float | None,
    directions: int,
    seed: int,
    rtol: float,
    atol: float,
) -> Comparison:
    """Claimed and numeric ``J u`` along random ``u``, with the comparison's tolerance.

    For a pullback, compare ``⟨v, J u⟩`` with ``⟨Jᵀ v, u⟩`` for three random ``v``
    per direction (the dot-product test).  The tolerance is ``atol`` + the round-off floor
    of the steps used (:func:`directional_floor`) + ``rtol`` · scale.
    """
    rng = np.random.default_rng(seed)
    out_shape, in_shape = ev.out_shape, point.shape
    pairs: list[tuple[RealArray, RealArray]] = []
    scale = 0.0
    steps: list[Step] = []
    for _ in range(directions):
        u = rng.standard_normal(in_shape)
        u = np.asarray(u / max(float(np.max(np.abs(u), initial=1.0)), 1e-300))
        h = direction_step(point, u, method, step)
        numeric, h = difference(ev, point, u, h, method, adapt=step is None)
        weight = 1.0  # the round-off of one entry of the difference quotient, times this
        if form == "vjp":
            vs = rng.standard_normal((3, *out_shape))
            got = np.array([np.sum(checked_call(df, v, in_shape, "df(ȳ)") * u) for v in vs])
            want = np.array([np.sum(v * numeric) for v in vs])
            size = max(float(np.sum(np.abs(v * numeric))) for v in vs)
            weight = max(float(np.sum(np.abs(v))) for v in vs)
        else:
            if C is not None:
                got = np.tensordot(C, u, axes=len(in_shape))
            else:
                got = checked_call(df, u, out_shape, "df(dx)")
            want = numeric
            size = float(np.max(np.abs(numeric), initial=0.0))
        pairs.append((np.asarray(got, dtype=np.float64), want))
        scale = max(scale, size)
        steps.append((h, weight))
    worst = max((float(np.max(np.abs(g - w), initial=0.0)) for g, w in pairs), default=0.0)
    return Comparison(
        pairs, scale, worst, Tolerance(rtol, atol + directional_floor(ev, steps, method))
    )


def directional_floor(ev: Evaluator, steps: list[Step], method: Method) -> float:
    """The round-off floor of the directional comparisons made with `steps`.

    Read when it is needed, so it reflects everything known about ``f``'s round-off by
    then (the largest ``|f|`` evaluated, the noise measured).
    """
    return max((roundoff_floor(ev, h, method) * weight for h, weight in steps), default=0.0)


@dataclass(frozen=True)
class Comparison:
    """The outcome of the directional test: the pairs, their scale, worst gap and tolerance."""

    pairs: list[tuple[RealArray, RealArray]]
    scale: float
    worst_abs: float
    tol: Tolerance

    @property
    def passed(self) -> bool:
        """Whether the worst gap is within the tolerance."""
        return self.tol.allows(self.worst_abs, self.scale)

    @property
    def rel(self) -> float:
        """The worst gap relative to the scale (inf for a gap where the scale is 0)."""
        if self.scale > 0:
            return self.worst_abs / self.scale
        return 0.0 if self.worst_abs == 0 else float("inf")


def directional_diagnosis(
    pairs: list[tuple[RealArray, RealArray]], tol: Tolerance, scale: float, why: str
) -> str:
    """Explain a failed directional test without the full Jacobian (`why` it was not built)."""
    got = np.concatenate([g.reshape(-1) for g, _ in pairs])
    want = np.concatenate([w.reshape(-1) for _, w in pairs])
    norm = float(want @ want)
    c = float(got @ want) / norm if norm > 0 else 0.0
    if norm > 0 and tol.allows(float(np.max(np.abs(got - c * want))), abs(c) * scale):
        what = factor_message(c)
    else:
        worst = float(np.max(np.abs(got - want)))
        what = (
            "the claimed derivative disagrees with finite differences along random directions "
            f"(largest difference {worst:.3g}, relative {worst / scale if scale else np.inf:.3g})"
        )
    return f"{what}. {why}"
