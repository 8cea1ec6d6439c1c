"""SymPy -> text in the expression language itself (numpy syntax, 1-D vectors).

The printed text of a gradient or Jacobian is again an expression of the
language: it parses, and as numpy it computes the same array for the same
1-D vectors.  Column-times-row products become ``outer(u, v)``, transposes of
vectors disappear (as in numpy), ``c * 1 + v`` is written ``c + v``.

Examples
--------
>>> from matderiv.expr import parse
>>> to_text(parse("x.T @ A @ x", {"x": ("n",), "A": ("n", "n")}))
'x @ A @ x'
>>> import sympy as sp
>>> u, x = sp.MatrixSymbol("u", 3, 1), sp.MatrixSymbol("x", 2, 1)
>>> to_text(u * x.T)
'outer(u, x)'
"""

from __future__ import annotations

from typing import Any

import sympy as sp

import matderiv.expr.primitives  # noqa: F401  (registers the printers)
from matderiv.expr.primitive import ATOM, POSTFIX, PRIMITIVES, PRODUCT, UNARY, Txt

__all__ = ["to_text"]


def _number(node: Any) -> Txt:
    if node.is_Rational and not node.is_Integer:
        decimal = repr(float(node))
        if "e" not in decimal and sp.Rational(decimal) == node:  # 1/2 is 0.5, exactly
            return (decimal, ATOM if not decimal.startswith("-") else UNARY)
        return (f"{node.p}/{node.q}", PRODUCT)
    text = str(int(node)) if node.is_Integer else repr(float(node))
    return (text, ATOM if not text.startswith("-") else UNARY)


def _p(node: Any) -> Txt:
    if isinstance(node, sp.Symbol) and node.is_integer:
        # a dimension used as a number (the trace of an identity): the language has no
        # dimension names among its values, so it is written as that trace
        return (f"trace(eye({node.name}))", POSTFIX)
    if isinstance(node, sp.MatrixSymbol | sp.Symbol):
        return (str(node.name), ATOM)
    if isinstance(node, sp.Number):
        return _number(node)
    if node is sp.pi:
        return ("pi", ATOM)
    return PRIMITIVES.lookup(node).text(node, _p)


def to_text(expr: Any) -> str:
    """The expression as text of the language (numpy syntax, 1-D vectors).

    Parameters
    ----------
    expr
        A SymPy expression in matderiv's internal representation.

    Returns
    -------
    str
        Text that :func:`matderiv.expr.parse` reads back, and numpy code for the
        same arrays (vec forms included: ``vec``, ``commutation`` and ``kron``).

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> to_text(parse("-2 * X.T @ (Y - X @ T)", {"X": ("m", "n"), "Y": ("m", "k"),
    ...                                          "T": ("n", "k")}))
    '-2 * X.T @ (Y - X @ T)'
    """
    return _p(expr)[0]
