"""How a :class:`~matderiv.symbolic.result.Derivative` checks itself against finite differences.

The machinery behind :meth:`Derivative.check <matderiv.symbolic.result.Derivative.check>`:
random inputs that honour the assumptions and keep every inverted matrix well conditioned, the
function (projected onto symmetric matrices for a symmetric variable) and the comparison by
:func:`matderiv.numeric.check_derivative`.  numpy is imported on first use, never at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import sympy as sp

from matderiv._numpy import numpy_module
from matderiv.errors import NumericError
from matderiv.expr.codegen import NumpyFunction, compile_roots
from matderiv.expr.functions import ELEMENTWISE
from matderiv.expr.nodes import Elementwise
from matderiv.expr.text import to_text
from matderiv.expr.walk import distinct
from matderiv.layout import Layout, to_layout
from matderiv.symbolic.evaluation import ill_conditioned, int_shapes, used

if TYPE_CHECKING:
    import numpy.typing as npt

    from matderiv.numeric import CheckResult
    from matderiv.numeric.differences import Method
    from matderiv.symbolic.result import Derivative

#: ``matderiv.sampling.symmetrize`` (imported with numpy when a check runs).
Projection = Callable[[Any], Any]

#: How many draws (and size choices) :meth:`Derivative.check` tries before giving up.
CHECK_ATTEMPTS = 6

#: :meth:`Derivative.check` redraws when a matrix the derivative inverts has a larger
#: condition number at the drawn inputs (the finite differences would be meaningless).
MAX_CHECK_COND = 1e8


def check(
    d: Derivative,
    seed: int,
    *,
    sizes: Mapping[str, int] | None,
    rtol: float,
    atol: float,
    directions: int,
    method: Method,
    full: bool,
    step: float | None,
) -> CheckResult:
    """The body of :meth:`Derivative.check <matderiv.symbolic.result.Derivative.check>`."""
    # numpy is optional (the symbolic path runs without it): the checker is imported here
    numpy_module()
    from matderiv.numeric import check_derivative
    from matderiv.sampling import symmetrize

    symmetric = symmetric_variable(d)
    projection = symmetrize if symmetric else None
    inputs = check_inputs(d, seed, sizes)
    if d.gradient_of is not None:
        first = d.gradient_of.check(
            seed,
            sizes=sizes,
            rtol=rtol,
            atol=atol,
            directions=directions,
            method=method,
            full=full,
            step=step,
        )
        if not first:
            return first
        f = _as_function_of(d.gradient_of, inputs, d.wrt, projection)
    else:
        fn = compile_roots([d.function], d.context, [d.out_shape], d.args)
        f = _function_of(fn, inputs, d.wrt, projection)
    claimed = d.unchecked().evaluate(**inputs)  # drawn to satisfy them
    if symmetric and d.form == "vec":
        claimed = along_symmetric(d, claimed, inputs, symmetrize)
    result = check_derivative(
        f,
        claimed,
        inputs[d.wrt],
        layout=d.layout,
        rtol=rtol,
        atol=atol,
        directions=directions,
        seed=seed,
        method=method,
        full=full,
        step=step,
    )
    if symmetric and not result.passed:
        note = (
            f"{d.wrt} is assumed symmetric, so the check differentiates "
            f"f(sym({d.wrt})), sym(V) = (V + Vᵀ)/2, and compares along symmetric "
            "directions only; "
        )
        result = replace(result, diagnosis=note + result.diagnosis)
    return result


def check_inputs(d: Derivative, seed: int, sizes: Mapping[str, int] | None) -> dict[str, Any]:
    """Random inputs at which the function and the derivative are finite and well posed.

    Draws at most :data:`CHECK_ATTEMPTS` times, also trying other sizes for the dimension
    names `sizes` leaves free (``X.T @ X`` is singular whenever X has fewer rows than
    columns), and gives up with a :class:`~matderiv.errors.NumericError`.
    """
    from matderiv.symbolic.inputs import candidate_sizes, random_inputs

    np = numpy_module()
    positive = _positive_names(d.function)
    fn = compile_roots([d.function], d.context, [d.out_shape], d.args)
    problems: list[str] = []
    choices = candidate_sizes(d.context, sizes, CHECK_ATTEMPTS)
    for attempt in range(CHECK_ATTEMPTS):
        chosen = choices[attempt % len(choices)]
        inputs = random_inputs(
            d.context,
            seed + attempt,
            sizes=chosen,
            positive=positive,
            names=set(d.context.shapes),
        )
        try:
            with np.errstate(all="ignore"):
                bad = ill_conditioned(d, inputs, MAX_CHECK_COND)
                finite = bool(np.all(np.isfinite(fn(**used(inputs, d.args)))))
                claimed = d.unchecked().evaluate(**inputs)
                finite = finite and bool(np.all(np.isfinite(claimed)))
        except (np.linalg.LinAlgError, NumericError) as exc:
            bad, finite = [str(exc).splitlines()[0]], True
        if not bad and finite:
            return inputs
        shown = ", ".join(f"{k}={v}" for k, v in sorted(chosen.items()))
        problems.append(
            f"sizes {shown or '(fixed)'}: "
            + (f"{', '.join(bad)} ill-conditioned" if bad else "a non-finite value")
        )
    raise NumericError(
        f"check() found no random inputs at which "
        f"{d.source or to_text(d.function)} and its derivative are finite and well "
        f"conditioned in {CHECK_ATTEMPTS} draws ({'; '.join(problems[:3])}); pass "
        "sizes={...} that make the expression well posed (for example more rows than "
        "columns for X.T @ X), or check at chosen values with matderiv.numeric"
    )


def symmetric_variable(d: Derivative) -> bool:
    return "symmetric" in d.context.assume.get(d.wrt, frozenset())


def along_symmetric(
    d: Derivative, claimed: npt.NDArray[Any], inputs: Mapping[str, Any], symmetrize: Projection
) -> Any:
    """The claimed Jacobian's action on symmetric directions, as one array.

    For a symmetric variable the engine states a ``J`` with ``vec(dF) = J vec(dX)`` for
    every symmetric ``dX``; every ``J`` with the same action on symmetric directions states
    the same derivative.  The derivative of ``V -> F(sym(V))`` is the one of them that is
    symmetric in the variable's two axes: ``sym`` over those axes (mixed layout).
    """
    out_int, in_int = int_shapes(d, inputs)
    mixed = to_layout(claimed, out_int, in_int, d.layout, Layout.MIXED)
    mixed = symmetrize(mixed)  # the variable's axes are the last two in mixed layout
    return to_layout(mixed, out_int, in_int, Layout.MIXED, d.layout)


def _function_of(
    fn: NumpyFunction, inputs: Mapping[str, Any], wrt: str, symmetrize: Projection | None
) -> Callable[[npt.NDArray[Any]], Any]:
    """``W -> f(W)``, the other inputs fixed; ``f(sym(W))`` given the projection `symmetrize`."""

    def f(w: npt.NDArray[Any]) -> Any:
        if symmetrize is not None:  # f restricted to symmetric matrices, extended by sym(W)
            w = symmetrize(w)
        values = dict(inputs)
        values[wrt] = w
        return fn(**values)

    return f


def _as_function_of(
    d: Derivative, inputs: Mapping[str, Any], wrt: str, symmetrize: Projection | None
) -> Callable[[npt.NDArray[Any]], npt.NDArray[Any]]:
    """``W -> d(W)``, the other inputs fixed; ``d(sym(W))`` given the projection `symmetrize`."""

    def f(w: npt.NDArray[Any]) -> npt.NDArray[Any]:
        values = dict(inputs)
        values[wrt] = w if symmetrize is None else symmetrize(w)
        return d.unchecked().evaluate(**values)  # w may leave the assumed set

    return f


def _positive_names(expr: Any) -> set[str]:
    names: set[str] = set()
    for node in distinct(expr):
        arg = None
        if isinstance(node, Elementwise) and ELEMENTWISE[node.name].domain == "positive":
            arg = node.arg
        elif (
            isinstance(node, sp.log)
            or (isinstance(node, sp.HadamardPower | sp.Pow) and not node.args[1].is_nonnegative)
            or (isinstance(node, sp.Pow) and not node.args[1].is_integer)
        ):
            arg = node.args[0]
        if isinstance(arg, sp.MatrixSymbol | sp.Symbol):
            names.add(str(arg.name))
    return names
