"""How a :class:`~matderiv.symbolic.result.Derivative` computes its numbers.

The machinery behind :meth:`Derivative.evaluate <matderiv.symbolic.result.Derivative.evaluate>`:
values validated and assumptions checked before any work, the memory budget, the compiled mixed
function (or the Kronecker plan of a vec form), and the message that names the singular matrix.
numpy is imported on first use (:func:`~matderiv._numpy.numpy_module`), never at import time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import sympy as sp

from matderiv._numpy import numpy_module
from matderiv.errors import ArgumentError, BudgetError, NumericError
from matderiv.expr.codegen import NumpyFunction, compile_roots, dimension_value
from matderiv.expr.nodes import LogDet, Solve
from matderiv.expr.text import to_text
from matderiv.expr.walk import distinct
from matderiv.layout import Layout, to_layout, unvec_jacobian

if TYPE_CHECKING:
    import numpy.typing as npt

    from matderiv.symbolic.result import Derivative

#: A condition number above which an inverted matrix is reported as the singular one.
SINGULAR_COND = 1e14


def evaluate(d: Derivative, arrays: Mapping[str, Any]) -> npt.NDArray[Any]:
    """The body of :meth:`Derivative.evaluate <matderiv.symbolic.result.Derivative.evaluate>`."""
    np = numpy_module()  # NumpyMissingError first when numpy is not installed
    arrays = as_arrays(arrays)
    if d.check_values:
        check_assumptions(d, arrays)
    try:
        return _evaluate(d, arrays)
    except np.linalg.LinAlgError as exc:
        raise NumericError(singular_message(d, arrays, exc)) from None


def check_assumptions(d: Derivative, arrays: Mapping[str, Any]) -> None:
    from matderiv.symbolic.inputs import assumption_violation

    for name, facts in d.context.assume.items():
        if name in arrays:
            problem = assumption_violation(arrays[name], facts)
            if problem is not None:
                raise ArgumentError(
                    f"{name} is assumed {problem}; pass a value that satisfies the "
                    "assumption, or d.unchecked().evaluate(...) to skip the check "
                    "(the derivative was derived under it, so it may then be wrong)"
                )


def inverted(d: Derivative) -> tuple[list[Any], NumpyFunction | None]:
    """The matrices the function and the derivative invert, and a function computing them."""
    nodes = inverted_matrices([d.function, d.mixed])
    if not nodes:
        return nodes, None
    shapes = [tuple(node.shape) for node in nodes]
    return nodes, compile_roots(nodes, d.context, shapes, d.args)


def ill_conditioned(d: Derivative, arrays: Mapping[str, Any], max_cond: float) -> list[str]:
    """The inverted matrices (as text) whose condition number at `arrays` exceeds `max_cond`."""
    np = numpy_module()
    nodes, fn = d._inverted
    if fn is None:
        return []
    values = fn(**{k: v for k, v in arrays.items() if k in d.args})
    if len(nodes) == 1:
        values = (values,)
    out = []
    with np.errstate(all="ignore"):
        for node, value in zip(nodes, values, strict=True):
            value = np.asarray(value, dtype=np.float64)
            if not np.all(np.isfinite(value)) or not np.linalg.cond(value) < max_cond:
                out.append(to_text(node))
    return out


def singular_message(d: Derivative, arrays: Mapping[str, Any], exc: Exception) -> str:
    try:
        culprits = ill_conditioned(d, arrays, SINGULAR_COND)
    except Exception:  # the diagnosis must not hide the error it explains
        culprits = []
    what = " and ".join(culprits) if culprits else "a matrix the derivative inverts"
    verb = "are" if len(culprits) > 1 else "is"
    return (
        f"d/d{d.wrt} of {d.source or to_text(d.function)} cannot be evaluated at "
        f"these arrays: {what} {verb} singular there (numpy: {exc}); pass values at which it "
        "is invertible (the derivative does not exist, or needs another formula, at a "
        "singular matrix)"
    )


def _evaluate(d: Derivative, arrays: Mapping[str, Any]) -> npt.NDArray[Any]:
    # numpy is optional (the symbolic path runs without it): the budgets are imported here
    from matderiv.numeric import limits

    out_int, in_int = int_shapes(d, arrays)
    entries = math.prod(out_int + in_int)
    if 8 * entries > limits.MAX_BYTES:
        raise BudgetError(
            f"the derivative of {d.source or to_text(d.function)} by {d.wrt} at "
            f"these sizes is an array of shape {out_int + in_int}: {entries:,} entries, "
            f"{limits.format_bytes(8 * entries)}, over the memory budget "
            f"matderiv.numeric.limits.MAX_BYTES = {limits.format_bytes(limits.MAX_BYTES)}; "
            "evaluate it at smaller sizes, use a directional form (the differential "
            "d.differential applied to one direction), or raise the budget"
        )
    plan = d._kronecker_plan
    if plan is not None:
        value = mixed_from_kronecker(plan, arrays, out_int + in_int)
    else:
        value = numpy_module().asarray(d._mixed_function(**arrays))
        if d.form == "vec":
            value = unvec_jacobian(value, out_int, in_int)
    if d.layout is not Layout.MIXED:
        value = to_layout(value, out_int, in_int, Layout.MIXED, d.layout)
    return value


def int_shapes(d: Derivative, arrays: Mapping[str, Any]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The function's and the variable's shapes at `arrays`, as integers."""
    np = numpy_module()
    sizes: dict[Any, int] = {}
    for name, value in arrays.items():
        if name in d.context.shapes:
            for dim, size in zip(d.context.shapes[name], np.shape(value), strict=False):
                sizes[dim] = int(size)
    for name in d.context.dims:
        if name in arrays and name not in d.context.shapes:
            sizes[d.context.dims[name]] = int(arrays[name])

    def concrete(shape: tuple[Any, ...]) -> tuple[int, ...]:
        return tuple(dimension_value(dim, sizes) for dim in shape)

    return concrete(d.out_shape), concrete(d.in_shape)


def mixed_function(d: Derivative) -> NumpyFunction:
    """The compiled function of the mixed-layout derivative."""
    mixed = replace(d, layout=Layout.MIXED, expr=d.mixed)
    return compile_roots([d.mixed], d.context, [mixed._output_shape(Layout.MIXED)], d.args)


def kronecker_plan(d: Derivative) -> NumpyFunction | None:
    """For a vec form that is a sum of ``c (P ⊗ A)``: the factors, compiled.

    Then the mixed array is ``J[i, j, k, l] = Σ c A[i, k] P[j, l]``, written once,
    instead of the Kronecker matrix followed by a strided reshuffle.
    """
    if d.form != "vec":
        return None
    terms = d.mixed.args if isinstance(d.mixed, sp.MatAdd) else (d.mixed,)
    roots: list[Any] = []
    shapes: list[tuple[Any, ...]] = []
    for term in terms:
        coeff, mats = (
            term.as_coeff_matrices() if isinstance(term, sp.MatMul) else (sp.Integer(1), [term])
        )
        if len(mats) != 1 or not isinstance(mats[0], sp.KroneckerProduct):
            return None
        if len(mats[0].args) != 2:
            return None
        p, a = mats[0].args
        of = d.gradient_of.mixed if d.gradient_of is not None else d.function
        f_rows, f_cols = internal_shape(of)
        x_rows, x_cols = d.context.symbols[d.wrt].shape
        if tuple(a.shape) != (f_rows, x_rows) or tuple(p.shape) != (f_cols, x_cols):
            return None  # not of the form vec(A dX Pᵀ)
        roots += [coeff, p, a]
        shapes += [(), tuple(p.shape), tuple(a.shape)]
    return compile_roots(roots, d.context, shapes, d.args)


def mixed_from_kronecker(
    plan: NumpyFunction, arrays: Mapping[str, Any], shape: tuple[int, ...]
) -> npt.NDArray[Any]:
    values = plan(**arrays)
    if not isinstance(values, tuple):
        values = (values,)
    total: npt.NDArray[Any] | None = None
    for i in range(0, len(values), 3):
        coeff, p, a = values[i : i + 3]
        a4 = a[:, None, :, None] if coeff == 1 else coeff * a[:, None, :, None]
        term = a4 * p[None, :, None, :]  # J[i, j, k, l] = c A[i, k] P[j, l]
        total = term if total is None else total + term
    assert total is not None
    return total.reshape(shape)


def inverted_matrices(exprs: list[Any]) -> list[Any]:
    """The distinct matrices `exprs` invert: arguments of inv, logdet, solve, negative powers."""
    out: list[Any] = []
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        for node in distinct(expr):
            arg = None
            negative_power = isinstance(node, sp.MatPow) and node.args[1].is_negative
            if isinstance(node, sp.Inverse | LogDet | Solve) or negative_power:
                arg = node.args[0]
            if arg is not None and isinstance(arg, sp.MatrixExpr) and arg not in out:
                out.append(arg)
    return out


def used(arrays: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in arrays.items() if k in names}


def internal_shape(expr: Any) -> tuple[Any, Any]:
    if isinstance(expr, sp.MatrixExpr):
        return tuple(expr.shape)
    return (sp.Integer(1), sp.Integer(1))


def as_arrays(arrays: Mapping[str, Any]) -> dict[str, Any]:
    """Each value as a numeric numpy array, or an ArgumentError naming it."""
    np = numpy_module()
    out: dict[str, Any] = {}
    for name, value in arrays.items():
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise ArgumentError(
                f"{name} is not a rectangular numeric array ({exc}); pass a numpy array or a "
                "nested list whose rows all have the same length"
            ) from None
        if array.dtype.kind not in "fciu":
            raise ArgumentError(
                f"{name} must be a numeric array, got dtype {array.dtype} from "
                f"{type(value).__name__}; pass numbers (float64 arrays)"
            )
        out[name] = array
    return out
