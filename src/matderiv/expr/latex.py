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

from matderiv.expr.functions import ELEMENTWISE

__all__ = ["MatderivLatexPrinter", "to_latex"]


class MatderivLatexPrinter(LatexPrinter):  # type: ignore[misc]
    """SymPy's LaTeX printer with matderiv's nodes and notation."""

    def _wrapped(self, expr: Any) -> str:
        text = self._print(expr)
        if isinstance(expr, sp.MatrixSymbol | sp.Symbol | sp.Identity | sp.OneMatrix):
            return str(text)
        return rf"\left({text}\right)"

    def _print_Transpose(self, expr: Any) -> str:
        arg = expr.arg
        if isinstance(arg, sp.Inverse):
            return f"{self._wrapped(arg.arg)}^{{-T}}"
        return f"{self._wrapped(arg)}^{{T}}"

    def _print_Inverse(self, expr: Any) -> str:
        arg = expr.arg
        if isinstance(arg, sp.Transpose):
            return f"{self._wrapped(arg.arg)}^{{-T}}"
        return f"{self._wrapped(arg)}^{{-1}}"

    def _print_Determinant(self, expr: Any) -> str:
        return rf"\det\left({self._print(expr.arg)}\right)"

    def _print_Trace(self, expr: Any) -> str:
        return rf"\operatorname{{tr}}\left({self._print(expr.arg)}\right)"

    def _print_Identity(self, expr: Any) -> str:
        return "I"

    def _print_OneMatrix(self, expr: Any) -> str:
        return r"\mathbf{1}"

    def _print_HadamardProduct(self, expr: Any) -> str:
        return r" \odot ".join(self._wrap_product(arg) for arg in expr.args)

    def _wrap_product(self, arg: Any) -> str:
        if isinstance(arg, sp.MatAdd | sp.Add | sp.HadamardProduct):
            return rf"\left({self._print(arg)}\right)"
        return str(self._print(arg))

    def _print_HadamardPower(self, expr: Any) -> str:
        base, p = expr.args
        return f"{self._wrapped(base)}^{{\\circ {self._print(p)}}}"

    def _print_KroneckerProduct(self, expr: Any) -> str:
        return r" \otimes ".join(self._wrap_product(arg) for arg in expr.args)

    def _print_Elementwise(self, expr: Any) -> str:
        name = ELEMENTWISE[expr.name].latex
        return rf"{name}\left({self._print(expr.arg)}\right)"

    def _print_ScalarOf(self, expr: Any) -> str:
        return str(self._print(expr.arg))

    def _print_SumAll(self, expr: Any) -> str:
        return rf"\operatorname{{sum}}\left({self._print(expr.arg)}\right)"

    def _print_Norm(self, expr: Any) -> str:
        return rf"\left\|{self._print(expr.arg)}\right\|"

    def _print_LogDet(self, expr: Any) -> str:
        return rf"\log\det\left({self._print(expr.arg)}\right)"

    def _print_LogSumExp(self, expr: Any) -> str:
        return rf"\operatorname{{logsumexp}}\left({self._print(expr.arg)}\right)"

    def _print_Softmax(self, expr: Any) -> str:
        return rf"\operatorname{{softmax}}\left({self._print(expr.arg)}\right)"

    def _print_Vec(self, expr: Any) -> str:
        return rf"\operatorname{{vec}}\left({self._print(expr.arg)}\right)"

    def _print_Commutation(self, expr: Any) -> str:
        m, n = expr.args
        return f"K_{{{self._print(m)},{self._print(n)}}}"

    def _print_DiagMatrix(self, expr: Any) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_DiagonalOf(self, expr: Any) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"


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
