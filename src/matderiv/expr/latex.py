"""LaTeX for matderiv expressions, in the book's notation.

SymPy's LaTeX printer with the nodes of ``matderiv.expr.nodes`` added and
a few matrix-calculus habits: ``X^{-T}`` for the inverse transpose,
``\\det X``, ``\\operatorname{tr}``, ``\\odot`` for the Hadamard product,
``I`` for the identity and ``\\mathbf{1}`` for a vector or matrix of ones.

Examples
--------
>>> import sympy as sp
>>> X = sp.MatrixSymbol("X", 3, 3)
>>> to_latex(sp.Inverse(X).T)
'X^{-T}'
>>> to_latex(sp.Determinant(X) * sp.Inverse(X).T)
'\\\\det\\\\left(X\\\\right) X^{-T}'
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

import matderiv.expr.primitives  # noqa: F401  (registers the LaTeX stanzas)
from matderiv.expr.primitive import PRIMITIVES

__all__ = ["MatderivLatexPrinter", "to_latex"]


class MatderivLatexPrinter(LatexPrinter):  # type: ignore[misc]
    """SymPy's LaTeX printer with each primitive's own LaTeX (see :mod:`matderiv.expr.primitive`).

    A primitive without a LaTeX stanza (sums, matrix products…) is printed by SymPy.
    """

    def _print(self, expr: Any, **kwargs: Any) -> str:
        spec = PRIMITIVES.get(expr) if isinstance(expr, sp.Basic) else None
        if spec is not None and spec.latex is not None and not kwargs:
            return spec.latex(expr, self)
        return str(super()._print(expr, **kwargs))

    def _wrapped(self, expr: Any) -> str:
        text = self._print(expr)
        if isinstance(expr, sp.MatrixSymbol | sp.Symbol | sp.Identity | sp.OneMatrix):
            return str(text)
        return rf"\left({text}\right)"

    def _wrap_product(self, arg: Any) -> str:
        if isinstance(arg, sp.MatAdd | sp.Add | sp.HadamardProduct):
            return rf"\left({self._print(arg)}\right)"
        return str(self._print(arg))


def to_latex(expr: Any) -> str:
    """LaTeX of a matderiv expression.

    Parameters
    ----------
    expr
        A SymPy expression in matderiv's internal representation.

    Returns
    -------
    str
        LaTeX math (without ``$`` delimiters).

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> to_latex(parse("u.T @ np.tanh(W @ x)", {"u": ("m",), "W": ("m", "n"), "x": ("n",)}))
    'u^{T} \\\\tanh\\\\left(W x\\\\right)'
    """
    return str(MatderivLatexPrinter({"mat_symbol_style": "plain"}).doprint(expr))
