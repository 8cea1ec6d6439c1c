"""Reading the claimed derivative: an array in a layout, a linear map or a pullback.

The claimed derivative of :func:`matderiv.numeric.check.check_derivative` is
validated here (real, finite, of the shape its layout prescribes, with a hint
when it has the shape of another layout) and brought to the mixed layout, or
applied to one direction or to every unit vector.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from matderiv.errors import ArgumentError, NumericError, ShapeError
from matderiv.layout import Layout, derivative_shape, to_layout
from matderiv.numeric._arguments import as_array
from matderiv.numeric._evaluate import RealArray, call_user, describe_nonfinite

__all__ = ["as_real", "checked_call", "claimed_array", "full_claimed"]


def as_real(value: Any, what: str, *, argument: bool = False) -> RealArray:
    """`value` as a finite float64 array.

    A malformed array is an :class:`ArgumentError` when the caller passed it
    (`argument`), a :class:`NumericError` when a callable returned it.
    """
    try:
        array = as_array(value, what)
    except ArgumentError as exc:
        if argument:
            raise
        raise NumericError(
            f"{what} returned {type(value).__name__} that is not an array of real numbers "
            f"({exc}); it must return a real number or a numpy array of real numbers"
        ) from exc
    if array.dtype.kind == "c":
        raise (ArgumentError if argument else NumericError)(
            f"{what} is complex; matderiv checks real derivatives of real functions: pass "
            "a real array"
        )
    result = np.asarray(array, dtype=np.float64)
    if not np.all(np.isfinite(result)):
        raise NumericError(f"{what} contains {describe_nonfinite(result)}")
    return result


def _shape_hint(
    given: tuple[int, ...], out_shape: tuple[int, ...], in_shape: tuple[int, ...]
) -> str:
    hints = []
    for other in Layout:
        try:
            if derivative_shape(out_shape, in_shape, other) == given:
                hints.append(
                    f"it is the shape of the {other.value} layout (layout='{other.value}')"
                )
        except ShapeError:
            pass
    if len(in_shape) + len(out_shape) > 1 and given == (math.prod(out_shape), math.prod(in_shape)):
        hints.append("it is the shape of vec_jacobian (convert with matderiv.unvec_jacobian)")
    return "; " + "; ".join(hints) if hints else ""


def claimed_array(
    df: Any, point: RealArray, out_shape: tuple[int, ...], layout: Layout
) -> tuple[RealArray, RealArray]:
    """The claimed derivative as given (raw) and in mixed layout."""
    if callable(df):
        raw = as_real(call_user(df, point, "df", "x"), "the claimed derivative df(x)")
    else:
        raw = as_real(df, "the claimed derivative df", argument=True)
    in_shape = point.shape
    expected = derivative_shape(out_shape, in_shape, layout)
    if raw.shape != expected:
        raise ShapeError(
            f"the claimed derivative has shape {raw.shape}, but for f: {in_shape} -> "
            f"{out_shape} the {layout.value} layout expects shape {expected}"
            f"{_shape_hint(raw.shape, out_shape, in_shape)}"
        )
    return raw, to_layout(raw, out_shape, in_shape, layout, Layout.MIXED)


def checked_call(
    df: Callable[[Any], Any], arg: RealArray, shape: tuple[int, ...], what: str
) -> RealArray:
    value = as_real(call_user(df, arg, what.split("(")[0], "a direction"), what)
    if value.shape != shape:
        raise ShapeError(f"{what} returned shape {value.shape}, expected {shape}")
    return value


def full_claimed(
    df: Any, form: str, C: RealArray | None, out_shape: tuple[int, ...], in_shape: tuple[int, ...]
) -> RealArray:
    if C is not None:
        return C
    n_in, n_out = math.prod(in_shape), math.prod(out_shape)
    J = np.empty((n_out, n_in))
    if form == "linear_map":
        for j in range(n_in):
            e = np.zeros(n_in)
            e[j] = 1.0
            J[:, j] = checked_call(df, e.reshape(in_shape), out_shape, "df(dx)").reshape(-1)
    else:
        for i in range(n_out):
            e = np.zeros(n_out)
            e[i] = 1.0
            J[i, :] = checked_call(df, e.reshape(out_shape), in_shape, "df(ȳ)").reshape(-1)
    return J.reshape(out_shape + in_shape)
