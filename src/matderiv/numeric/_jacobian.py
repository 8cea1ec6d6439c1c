"""Whole derivative arrays from the schemes: the Jacobian column by column, the Hessian.

:func:`jacobian_and_step` differences along each coordinate of ``x``;
:func:`four_point_hessian` is the central second-difference formula.  The
budget of the call is checked by the caller (:mod:`matderiv.numeric.differences`,
:mod:`matderiv.numeric.check`) before these run.
"""

from __future__ import annotations

import numpy as np

from matderiv.errors import BudgetError
from matderiv.numeric._evaluate import Evaluator, RealArray
from matderiv.numeric._schemes import EPS, Method, base_step, difference, ensure_complex_safe

__all__ = ["four_point_hessian", "jacobian_and_step", "jacobian_with"]


def jacobian_with(
    ev: Evaluator, x: RealArray, method: Method, step: float | None = None
) -> RealArray:
    """Column-by-column generalized Jacobian of an existing :class:`Evaluator`.

    Examples
    --------
    >>> from matderiv.numeric._evaluate import Evaluator
    >>> x = np.array([1.0, 2.0])
    >>> jacobian_with(Evaluator(lambda x: 3 * x, x), x, "complex")
    array([[3., 0.],
           [0., 3.]])
    """
    return jacobian_and_step(ev, x, method, step)[0]


def jacobian_and_step(
    ev: Evaluator, x: RealArray, method: Method, step: float | None = None
) -> tuple[RealArray, float]:
    """:func:`jacobian_with`, and the smallest step any column used (for round-off bounds).

    Examples
    --------
    >>> from matderiv.numeric._evaluate import Evaluator
    >>> x = np.array([2.0])
    >>> J, h = jacobian_and_step(Evaluator(np.exp, x), x, "central", 1e-6)
    >>> h
    2e-06
    """
    if method == "complex":
        ensure_complex_safe(ev, x)
    base = base_step(method, step)
    flat = x.reshape(-1)
    try:
        J = np.empty((*ev.out_shape, flat.size))
    except MemoryError as exc:
        raise BudgetError(
            f"cannot allocate the Jacobian of shape {(*ev.out_shape, *x.shape)} "
            f"({exc}); differentiate at a smaller size, or pass a lower max_bytes to be "
            "stopped before the allocation"
        ) from exc
    smallest = np.inf
    e = np.zeros(flat.size)
    for j in range(flat.size):
        scale = max(1.0, abs(float(flat[j])))
        # a step that is exactly representable: (x_j + h) - x_j
        h = base * scale if method == "complex" else float((flat[j] + base * scale) - flat[j])
        e[j] = 1.0
        J[..., j], used = difference(ev, x, e.reshape(x.shape), h, method, adapt=step is None)
        e[j] = 0.0
        smallest = min(smallest, used)
    return J.reshape(ev.out_shape + x.shape), float(smallest)


def four_point_hessian(ev: Evaluator, x: RealArray, step: float | None) -> RealArray:
    base = EPS**0.25 if step is None else float(step)
    flat = x.reshape(-1)
    size = flat.size
    steps = np.maximum(1.0, np.abs(flat)) * base
    H = np.empty((*ev.out_shape, size, size))

    def at(i: int, si: float, j: int, sj: float) -> RealArray:
        point = flat.copy()
        point[i] += si
        point[j] += sj
        return ev.real(point.reshape(x.shape))

    for i in range(size):
        for j in range(i, size):
            hi, hj = steps[i], steps[j]
            value = (
                at(i, hi, j, hj) - at(i, hi, j, -hj) - at(i, -hi, j, hj) + at(i, -hi, j, -hj)
            ) / (4.0 * hi * hj)
            H[..., i, j] = value
            H[..., j, i] = value
    return H.reshape(ev.out_shape + x.shape + x.shape)
