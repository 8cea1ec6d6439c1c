"""``maximum(A, B)`` of two arrays: the entrywise maximum, ``np.maximum``.

The language function ``maximum`` is one handler (in :mod:`~matderiv.expr.primitives.elementwise`):
``maximum(z, 0)`` and ``maximum(0, z)`` are ``relu(z)``, two scalars are SymPy's ``Max``,
and two arrays (or an array and a scalar, broadcast) are the node
:class:`~matderiv.expr.nodes.Maximum` declared here.

The tie convention: where ``A > B`` the maximum moves with ``A``, elsewhere — ties ``A = B``
included — with ``B``:

.. math::

    d\\max(A, B) = \\operatorname{step}(A - B) \\odot dA
        + \\bigl(1 - \\operatorname{step}(A - B)\\bigr) \\odot dB,
    \\qquad \\operatorname{step}(0) = 0,

the same convention as ``relu(z) = maximum(z, 0)``, whose derivative at 0 is 0.  Off the ties
the maximum is differentiable and this is its derivative.

Examples
--------
>>> from matderiv.expr import parse
>>> from matderiv.expr.text import to_text
>>> to_text(parse("maximum(x, y)", {"x": ("n",), "y": ("n",)}))
'maximum(x, y)'
"""

from __future__ import annotations

import ast
from typing import Any

import sympy as sp

from matderiv.errors import ShapeError
from matderiv.expr.nodes import Elementwise, Maximum
from matderiv.expr.primitive import D, NotNative, Primitive, call_text, register
from matderiv.expr.primitives.operators import add_terms
from matderiv.expr.pycode import Call, Op, Slot
from matderiv.expr.reader import Reader, Val

__all__ = ["array_maximum"]


def array_maximum(reader: Reader, node: ast.Call, a: Val, b: Val) -> Val:
    """``maximum(a, b)`` with an array among `a`, `b` (a scalar is broadcast to its shape).

    Raises
    ------
    ShapeError
        Two arrays of different shapes (numpy's broadcasting of rows and columns is not
        in the language).
    """
    shape = a.shape if not a.is_scalar else b.shape
    if not a.is_scalar and not b.is_scalar and a.shape != b.shape:
        raise ShapeError(
            f"maximum needs two arrays of one shape (or an array and a scalar), got "
            f"{a.describe()} and {b.describe()} in {reader.text(node)}"
        )
    like = a.expr if not a.is_scalar else b.expr
    ones = sp.OneMatrix(*like.shape)
    left = a.expr if not a.is_scalar else sp.MatMul(a.expr, ones)
    right = b.expr if not b.is_scalar else sp.MatMul(b.expr, ones)
    return Val(Maximum(left, right), shape, reader.text(node))


def _maximum_differential(node: Any, d: D) -> Any:
    a, b = node.args
    da, db = d(a), d(b)
    if da is None and db is None:
        return None
    step = Elementwise("step", sp.MatAdd(a, sp.MatMul(-1, b)))
    terms = []
    if da is not None:
        terms.append(sp.HadamardProduct(step, da))
    if db is not None:  # 1 - step(a - b): b's share, ties included
        rest = sp.MatAdd(sp.OneMatrix(*node.shape), sp.MatMul(-1, step))
        terms.append(sp.HadamardProduct(rest, db))
    return add_terms(terms)


def _not_native(node: Any, args: list[Any]) -> Any:
    raise NotNative("maximum")


register(
    Primitive(
        Maximum,
        text=lambda n, p: call_text(p, "maximum", *n.args),
        numpy=lambda n: Op(tuple(n.args), Call("np.maximum", (Slot(0), Slot(1)))),
        latex=lambda n, printer: (
            rf"\max\left({printer._print(n.args[0])}, {printer._print(n.args[1])}\right)"
        ),
        differential=_maximum_differential,
        native=_not_native,
    )
)
