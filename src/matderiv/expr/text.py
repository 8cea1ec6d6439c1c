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

from collections.abc import Callable, Collection, Mapping
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


def _printer(matrices: Collection[str]) -> Callable[[Any], Txt]:
    """The text printer; the names in `matrices` are matrices with a dimension 1.

    The printers write every ``(k, 1)`` and ``(1, k)`` value as numpy's 1-D vector (a
    transpose of a vector vanishes, a column times a row is ``outer``); a declared 2-D
    matrix with a dimension 1 is therefore written as its 1-D entries, ``vec(C)``.
    """

    def p(node: Any) -> Txt:
        if isinstance(node, sp.MatrixSymbol) and node.name in matrices:
            return (f"vec({node.name})", POSTFIX)
        if isinstance(node, sp.MatrixSymbol | sp.Symbol):
            return (str(node.name), ATOM)
        if isinstance(node, sp.Number):
            return _number(node)
        if node is sp.pi:
            return ("pi", ATOM)
        if node is sp.E:  # e, as SymPy writes exp(1)
            return ("exp(1)", POSTFIX)
        return PRIMITIVES.lookup(node).text(node, p)

    return p


def to_text(
    expr: Any, shapes: Mapping[str, tuple[Any, ...]] | None = None, ndim: int | None = None
) -> str:
    """The expression as text of the language (numpy syntax, 1-D vectors).

    Parameters
    ----------
    expr
        A SymPy expression in matderiv's internal representation.
    shapes
        The declared shapes of the names (``()``, ``(n,)`` or ``(m, n)``), when some
        matrix has a dimension 1 (declared ``(n, 1)`` or ``(1, n)``: a 2-D array in numpy,
        where the internal representation cannot tell it from a vector).
    ndim
        The number of axes the value has in numpy (``None``: as printed); a column or row
        that must be 2-D is written ``outer(v, ones(1))`` or ``outer(ones(1), v)``, a
        1 x 1 matrix ``(s) * ones((1, 1))``.

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
    >>> C = {"C": ("n", 1)}
    >>> to_text(parse("2 * C", C), C, ndim=2), to_text(parse("C.T @ C", C), C, ndim=2)
    ('outer(2 * vec(C), ones(1))', '(vec(C) @ vec(C)) * ones((1, 1))')
    """
    matrices = {
        name
        for name, shape in (shapes or {}).items()
        if len(shape) == 2 and (shape[0] == 1 or shape[1] == 1)
    }
    text = _printer(matrices)(expr)[0]
    shape: tuple[Any, ...] = tuple(getattr(expr, "shape", ()))
    if ndim != 2 or len(shape) != 2 or (shape[0] != 1 and shape[1] != 1):
        return text
    if shape[0] == shape[1]:  # 1 x 1: printed as a scalar
        return f"({text}) * ones((1, 1))"
    return f"outer({text}, ones(1))" if shape[1] == 1 else f"outer(ones(1), {text})"
