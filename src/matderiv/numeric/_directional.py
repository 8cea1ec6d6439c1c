"""The directional test: the claimed ``J u`` against differences along random ``u``.

A handful of evaluations of ``f`` whatever the size of ``x``; for a pullback the
dot-product test ``⟨v, J u⟩ = ⟨Jᵀ v, u⟩``.  A failure it cannot explain from the
full Jacobian (too large, over budget, or ``full=False``) is explained here from
the directions alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matderiv.numeric._claimed import checked_call
from matderiv.numeric._evaluate import Evaluator, RealArray
from matderiv.numeric._schemes import Method, difference, direction_step, roundoff_floor
from matderiv.numeric.diagnosis import Tolerance, factor_message

__all__ = ["directional_diagnosis", "directional_test"]


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
) -> tuple[list[tuple[RealArray, RealArray]], float, float]:
    """Claimed and numeric ``J u`` along random ``u``: (pairs, scale, round-off floor).

    For a pullback, compare ``⟨v, J u⟩`` with ``⟨Jᵀ v, u⟩`` for three random ``v``
    per direction (the dot-product test).
    """
    rng = np.random.default_rng(seed)
    out_shape, in_shape = ev.out_shape, point.shape
    pairs: list[tuple[RealArray, RealArray]] = []
    scale, floor = 0.0, 0.0
    for _ in range(directions):
        u = rng.standard_normal(in_shape)
        u = np.asarray(u / max(float(np.max(np.abs(u), initial=1.0)), 1e-300))
        h = direction_step(point, u, method, step)
        numeric, h = difference(ev, point, u, h, method, adapt=step is None)
        noise = roundoff_floor(ev, h, method)  # of one entry of the difference quotient
        if form == "vjp":
            vs = rng.standard_normal((3, *out_shape))
            got = np.array([np.sum(checked_call(df, v, in_shape, "df(ȳ)") * u) for v in vs])
            want = np.array([np.sum(v * numeric) for v in vs])
            size = max(float(np.sum(np.abs(v * numeric))) for v in vs)
            noise *= max(float(np.sum(np.abs(v))) for v in vs)
        else:
            if C is not None:
                got = np.tensordot(C, u, axes=len(in_shape))
            else:
                got = checked_call(df, u, out_shape, "df(dx)")
            want = numeric
            size = float(np.max(np.abs(numeric), initial=0.0))
        pairs.append((np.asarray(got, dtype=np.float64), want))
        scale = max(scale, size)
        floor = max(floor, noise)
    return pairs, scale, floor


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
