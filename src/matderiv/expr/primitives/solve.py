"""``solve(A, B)``: the solution X of ``A X = B``, computed by ``np.linalg.solve``.

``A`` is a square invertible matrix, ``B`` a vector or a matrix with as many rows.  The value
is ``A⁻¹ B``, but no inverse is formed: the code is ``np.linalg.solve(A, B)``, and so is the
code of every derivative, because the differential stays in terms of ``solve``:

.. math::

    d\\,\\mathrm{solve}(A, B) = \\mathrm{solve}(A,\\, dB - dA\\,\\mathrm{solve}(A, B))

(from ``A X = B``: ``dA X + A dX = dB``).  ``solve`` is linear in ``B``: the pullback of a
cotangent ``Ȳ`` is ``solve(Aᵀ, Ȳ)`` (``<Ȳ, A⁻¹ C> = <A⁻ᵀ Ȳ, C>``), and the vec rule is
``vec(A⁻¹ C) = (I ⊗ A⁻¹) vec(C)``, written ``solve(A, J)`` for a vector ``C`` and with
``A⁻¹ = solve(A, eye(n))`` for a matrix.

Examples
--------
>>> from matderiv.expr import parse
>>> from matderiv.expr.text import to_text
>>> from matderiv.expr.latex import to_latex
>>> e = parse("solve(A + B, b)", {"A": ("n", "n"), "B": ("n", "n"), "b": ("n",)})
>>> to_text(e), to_latex(e)
('solve(A + B, b)', '\\\\left(A + B\\\\right)^{-1} b')
"""

from __future__ import annotations

import ast
from typing import Any

import sympy as sp

from matderiv.errors import ShapeError, UnsupportedError
from matderiv.expr.algebra import contains, kron
from matderiv.expr.context import format_shape
from matderiv.expr.nodes import Solve
from matderiv.expr.primitive import D, LatexPrinting, Primitive, Pull, call_text, register
from matderiv.expr.pycode import Call, Op, Slot
from matderiv.expr.reader import Reader, Val

__all__: list[str] = []


def _solve_call(reader: Reader, node: ast.Call) -> Val:
    a, b = reader.args(node, 2, "solve")
    reader.require_square(a, "solve", node)
    if b.is_scalar or b.shape[0] != a.shape[0]:
        raise ShapeError(
            f"solve(A, B) needs B with as many rows as the square A has: A is "
            f"{format_shape(a.shape)}, B is {b.describe()} (in {reader.text(node)}); "
            "B is a vector (n,) or a matrix (n, k) for A (n, n)"
        )
    reader.require_nonsingular(a, "solve", node.args[0])
    return Val(Solve(a.expr, b.expr), b.shape, reader.text(node))


def _solve_differential(node: Any, d: D) -> Any:
    a, b = node.args
    da, db = d(a), d(b)
    if da is None and db is None:
        return None
    terms = [] if db is None else [db]
    if da is not None:
        terms.append(sp.MatMul(-1, da, node))
    return Solve(a, terms[0] if len(terms) == 1 else sp.MatAdd(*terms))


def _solve_pullback(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    a, b = node.args
    if contains(a, dx):  # the differential never puts dA inside solve's matrix
        raise UnsupportedError(
            f"cannot identify the gradient through {node}: the variable's differential is "
            "inside the matrix of solve; write the expression with the differential outside"
        )
    pull(b, Solve(a.T, bar))


def _solve_vec(node: Any, jac: Any) -> Any:
    a, b = node.args
    j = jac(b)
    if j is None:
        return None
    if b.shape[1] == 1:  # vec(A⁻¹ c) = A⁻¹ J vec(dX): one solve with J's columns
        return Solve(a, j)
    # I ⊗ A⁻¹, with A⁻¹ computed by a solve too (the code never forms inv(A))
    return sp.MatMul(kron(sp.Identity(b.shape[1]), Solve(a, sp.Identity(a.shape[0]))), j)


def _solve_latex(node: Any, printer: LatexPrinting) -> str:
    a, b = node.args
    if isinstance(b, sp.Identity):  # solve(A, eye(n)) is A⁻¹
        return str(printer._print(sp.Inverse(a)))
    if isinstance(a, sp.Transpose):
        return f"{printer._wrapped(a.arg)}^{{-\\top}} {printer._wrap_product(b)}"
    return f"{printer._wrapped(a)}^{{-1}} {printer._wrap_product(b)}"


register(
    Primitive(
        Solve,
        text=lambda n, p: call_text(p, "solve", *n.args),
        numpy=lambda n: Op(tuple(n.args), Call("np.linalg.solve", (Slot(0), Slot(1)))),
        latex=_solve_latex,
        differential=_solve_differential,
        pullback=_solve_pullback,
        vec=_solve_vec,
        functions={"solve": _solve_call},
        native=lambda n, args: sp.MatMul(sp.Inverse(args[0]), args[1]),
    )
)
