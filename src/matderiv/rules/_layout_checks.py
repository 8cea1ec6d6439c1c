"""Check 3 of a rule: its derivative survives every layout round trip, and the book's
per-layout formulas equal the converted arrays."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from matderiv.errors import ShapeError
from matderiv.layout import derivative_shape, to_layout, unvec_jacobian, vec_jacobian
from matderiv.rules._evaluation import FloatArray, compiled, shapes_of
from matderiv.rules.model import LayoutName, Rule

__all__ = ["displayed_layouts_check", "layout_check"]


def layout_check(
    J: FloatArray, out_shape: tuple[int, ...], in_shape: tuple[int, ...]
) -> tuple[bool, tuple[LayoutName, ...]]:
    """Round-trip the mixed array `J` through every defined layout and the vec matrix."""
    tried: list[LayoutName] = ["mixed"]
    ok = bool(np.array_equal(to_layout(J, out_shape, in_shape, "mixed", "mixed"), J))
    layout: LayoutName
    for layout in ("numerator", "denominator"):
        try:
            derivative_shape(out_shape, in_shape, layout)
        except ShapeError:
            continue
        there = to_layout(J, out_shape, in_shape, "mixed", layout)
        back = to_layout(there, out_shape, in_shape, layout, "mixed")
        ok = ok and bool(np.array_equal(back, J))
        tried.append(layout)
    back = unvec_jacobian(vec_jacobian(J, out_shape, in_shape), out_shape, in_shape)
    ok = ok and bool(np.array_equal(back, J))
    tried.append("vec")
    return ok, tuple(tried)


def displayed_layouts_check(
    rule: Rule, arrays: Mapping[str, FloatArray], dims: Mapping[str, int], J: FloatArray
) -> bool:
    """The formulas the book shows per layout evaluate to :func:`to_layout` of the mixed array.

    For a matrix-shaped derivative the transposed layout is displayed from the text
    ``(derivative).T``; evaluate that text and compare it with the converted array.
    """
    if rule.derivative is None or J.ndim != 2 or rule.family == "second-order":
        return True
    out_shape, in_shape = shapes_of(rule, arrays)
    transposed = None
    for layout in ("numerator", "denominator"):
        try:
            L = to_layout(J, out_shape, in_shape, "mixed", layout)
        except ShapeError:
            continue
        if np.array_equal(L, J):
            continue
        if transposed is None:
            fn = compiled(rule, "derivative", f"({rule.derivative}).T")
            transposed = np.asarray(fn(**arrays, **dims), dtype=np.float64)
        if not np.allclose(transposed, L, rtol=1e-12, atol=1e-12):
            return False
    return True
