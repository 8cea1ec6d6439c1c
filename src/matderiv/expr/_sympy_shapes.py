"""The shape of a matrix product, computed from each factor's shape once.

SymPy 1.14's ``MatMul.shape`` returns ``(matrices[0].rows, matrices[-1].cols)``, and each of
``rows`` and ``cols`` computes the whole shape of its factor.  For a scalar times one matrix
(``3 * softmax(…)``) the one factor's shape is computed twice, so for products nested ``k``
deep (``softmax(3 * softmax(3 * …))``, a scaled network layer after layer) the shape of the
outer expression takes ``2^k`` steps: 0.7 s at depth 20, minutes at depth 30, for every
consumer that asks (validation in SymPy's constructors, the printers, the code generator).

:func:`install` replaces the property by one that asks each factor once; the value is the
same.  ``matderiv.expr.nodes`` installs it on import.

Examples
--------
>>> import sympy as sp
>>> install()
>>> x = sp.MatrixSymbol("x", 3, 1)
>>> e = x
>>> for _ in range(60):  # 2**60 steps with SymPy's own property
...     e = sp.MatMul(3, sp.HadamardProduct(e, x))
>>> e.shape
(3, 1)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = ["install"]


def _matmul_shape(self: Any) -> tuple[Any, Any]:
    matrices = [arg for arg in self.args if arg.is_Matrix]
    first, last = matrices[0].shape, None
    if len(matrices) > 1:
        last = matrices[-1].shape
    return (first[0], (last or first)[1])


def install() -> None:
    """Make ``MatMul.shape`` ask each factor for its shape once (idempotent)."""
    if getattr(sp.MatMul.shape, "fget", None) is not _matmul_shape:
        sp.MatMul.shape = property(_matmul_shape)
