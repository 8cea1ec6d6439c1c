"""LaTeX for matderiv expressions, in the book's notation.

SymPy's LaTeX printer with the nodes of ``matderiv.expr.nodes`` added and
a few matrix-calculus habits: ``X^{\\top}`` for the transpose and ``X^{-\\top}``
for the inverse transpose,
``\\det X``, ``\\operatorname{tr}``, ``\\odot`` for the Hadamard product,
``I`` for the identity and ``\\mathbf{1}`` for a vector or matrix of ones.

Examples
--------
>>> import sympy as sp
>>> X = sp.MatrixSymbol("X", 3, 3)
>>> to_latex(sp.Inverse(X).T)
'X^{-\\\\top}'
>>> to_latex(sp.Determinant(X) * sp.Inverse(X).T)
'\\\\det\\\\left(X\\\\right) X^{-\\\\top}'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import precedence_traditional

import matderiv.expr.primitives  # noqa: F401  (registers the LaTeX stanzas)
from matderiv.expr.nodes import ScalarOf
from matderiv.expr.primitive import PRIMITIVES

if TYPE_CHECKING:
    from matderiv.expr.shared import Shared

__all__ = ["MatderivLatexPrinter", "to_latex", "to_latex_where"]


class MatderivLatexPrinter(LatexPrinter):  # type: ignore[misc]
    """SymPy's LaTeX printer with each primitive's own LaTeX (see :mod:`matderiv.expr.primitive`).

    A primitive without a LaTeX stanza is printed by SymPy.
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
        r"""A factor of a product (matrix, Hadamard, Kronecker), in parentheses unless it is
        a single factor itself: ``A \otimes \left(B + C\right)``, ``\left(- x\right) \odot y``."""
        text = str(self._print(arg))
        if isinstance(arg, _COMPOUND) or text.startswith("-"):
            return rf"\left({text}\right)"
        return text

    def _needs_mul_brackets(self, expr: Any, first: bool = False, last: bool = False) -> bool:
        # numpy's scalar x @ y prints as the product xᵀy: a factor of a product needs brackets
        return isinstance(expr, ScalarOf) or bool(super()._needs_mul_brackets(expr, first, last))

    def parenthesize(
        self, item: Any, level: int, is_neg: bool = False, strict: bool = False
    ) -> str:
        r"""SymPy's rule, with numpy's scalar ``x @ y`` as binding as the product it prints:
        ``\left(x^{\top} x\right)^{2}``, not ``x^{\top} x^{2}``."""
        inner = item.arg if isinstance(item, ScalarOf) else item
        prec = precedence_traditional(inner)
        if (is_neg and strict) or prec < level or (not strict and prec <= level):
            return str(self._add_parens(self._print(item)))
        return str(self._print(item))


#: Nodes printed as several factors or terms: parenthesised as a factor of a product.
_COMPOUND = (
    sp.MatAdd,
    sp.Add,
    sp.MatMul,
    sp.HadamardProduct,
    sp.KroneckerProduct,
    ScalarOf,
)


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
    'u^{\\\\top} \\\\tanh\\\\left(W x\\\\right)'
    """
    return str(MatderivLatexPrinter({"mat_symbol_style": "plain"}).doprint(expr))


def to_latex_where(shared: Shared) -> str:
    r"""LaTeX of a :class:`~matderiv.expr.shared.Shared` split: an aligned "where" block.

    The main expression on the first line, then one line per named intermediate
    (``\text{where } s = \ldots``); without intermediates, :func:`to_latex` of the main
    expression.  The block is math for a display (``\[ ... \]`` with amsmath, MathJax,
    KaTeX).

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> from matderiv.expr.shared import share
    >>> shapes = {"W": ("m", "n"), "x": ("n",), "y": ("m",)}
    >>> e = parse("softmax(W @ x) * y + (softmax(W @ x) @ y) * softmax(W @ x)", shapes)
    >>> print(to_latex_where(share(e, shapes)))
    \begin{aligned}
    & \left(s^{\top} y\right) s + y \odot s \\
    & \text{where } s = \operatorname{softmax}\left(W x\right)
    \end{aligned}
    """
    main = to_latex(shared.main)
    if not shared.definitions:
        return main
    lines = [f"& {main} \\\\"]
    last = len(shared.definitions) - 1
    for k, (name, value) in enumerate(shared.definitions):
        lead = r"\text{where }" if k == 0 else r"\phantom{\text{where }}"
        end = "" if k == last else r", \\"
        lines.append(f"& {lead} {to_latex(shared.symbols[name])} = {to_latex(value)}{end}")
    return "\\begin{aligned}\n" + "\n".join(lines) + "\n\\end{aligned}"
