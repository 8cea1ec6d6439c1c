"""Identification: read the derivative off a differential.

Three readings of one linear map ``dX -> df``:

* :func:`gradient` — scalar ``f``: write ``df = tr(Gᵀ dX)`` (``gᵀ dx`` for a
  vector) and return ``G``.  It runs the differential backwards (each node
  moves the cotangent across itself: ``A dX B -> Aᵀ Ḡ Bᵀ``, ``C ∘ dX -> C ∘ Ḡ``,
  and a linear node by its declared adjoint, ``dXᵀ -> Ḡᵀ``), so Hadamard terms
  and traces need no special casing;
* :func:`tangent` — scalar variable ``t``: ``df = F' dt``, return ``F'``;
* :func:`vec_identify` — everything else: ``vec(df) = J vec(dX)`` with
  ``vec(A dX B) = (Bᵀ ⊗ A) vec(dX)``, ``vec(dXᵀ) = K vec(dX)``
  (commutation matrix) and ``vec(C ∘ dX) = diag(vec C) vec(dX)``; a linear
  node contributes its declared vec matrix.

The rules are the primitives' (:mod:`matderiv.expr.primitives`); this module
walks the differential with them.

Examples
--------
>>> import sympy as sp
>>> n = sp.Symbol("n", integer=True, positive=True)
>>> X, dX = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("dX", n, n)
>>> print(vec_identify(X * dX + dX * X, dX))
KroneckerProduct(I, X) + KroneckerProduct(X.T, I)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

import matderiv.expr.primitives  # noqa: F401  (registers the identification stanzas)
from matderiv.expr.algebra import as_scalar, contains, hadamard, size
from matderiv.expr.primitive import PRIMITIVES
from matderiv.symbolic.shared import doit

__all__ = ["gradient", "hadamard", "tangent", "vec_identify"]


def gradient(df: Any, dx: Any) -> Any:
    """The gradient ``G`` with ``df = <G, dX>`` (same shape as ``dX``).

    Parameters
    ----------
    df
        A scalar SymPy expression, linear in `dx`.
    dx
        The differential symbol.

    Returns
    -------
    sympy.Basic
        ``G``; a ``ZeroMatrix`` (or 0) when `df` does not contain `dx`.

    Examples
    --------
    >>> import sympy as sp
    >>> x, dx = sp.MatrixSymbol("x", 3, 1), sp.MatrixSymbol("dx", 3, 1)
    >>> A = sp.MatrixSymbol("A", 3, 3)
    >>> from matderiv.expr.nodes import ScalarOf
    >>> print(gradient(ScalarOf(dx.T * A * x) + ScalarOf(x.T * A * dx), dx))
    A*x + A.T*x
    """
    terms: list[Any] = []

    def pull(node: Any, bar: Any) -> None:
        if not isinstance(node, sp.MatrixExpr) and isinstance(bar, sp.MatrixExpr):
            # a scalar node's cotangent is a scalar: a 1 x 1 product (<Ḡ, M> of a scalar Ḡ
            # and a 1 x 1 M) is its entry, so that a linear node reached next (trace: Ḡ I,
            # sum: Ḡ 1) scales a matrix instead of multiplying by a 1 x 1 one
            bar = as_scalar(bar)
        if node == dx:
            terms.append(bar)
            return
        PRIMITIVES.lookup(node).pull(node, bar, dx, pull)

    if df is not None and contains(df, dx):
        pull(df, sp.Integer(1))
    if not terms:
        return sp.ZeroMatrix(*dx.shape) if isinstance(dx, sp.MatrixExpr) else sp.Integer(0)
    if isinstance(dx, sp.MatrixExpr):
        return doit(sp.MatAdd(*terms) if len(terms) > 1 else terms[0])
    return sp.Add(*terms)


def tangent(df: Any, dt: Any) -> Any:
    """``F'`` with ``df = F' dt`` for a scalar variable ``t``.

    >>> import sympy as sp
    >>> t, dt = sp.symbols("t dt")
    >>> A = sp.MatrixSymbol("A", 2, 2)
    >>> print(tangent(sp.MatMul(dt, A), dt))
    A
    """
    if df is None:
        return sp.Integer(0)
    return doit(df.xreplace({dt: sp.Integer(1)}))


# -- vec form ----------------------------------------------------------------------------


def vec_identify(df: Any, dx: Any) -> Any:
    """The matrix ``J`` with ``vec(df) = J vec(dX)`` (column-major vec).

    Parameters
    ----------
    df
        A SymPy expression linear in `dx` (scalar, vector or matrix).
    dx
        The differential symbol (vector or matrix).

    Returns
    -------
    sympy.MatrixExpr
        ``J`` of shape ``(size(df), size(dx))``, in Kronecker form.

    Examples
    --------
    >>> import sympy as sp
    >>> X, dX = sp.MatrixSymbol("X", 3, 3), sp.MatrixSymbol("dX", 3, 3)
    >>> print(vec_identify(-X.I * dX * X.I, dX))
    -(KroneckerProduct(X.T**(-1), X**(-1)))
    """
    rows_in = size(dx.shape)
    out_size = size(df.shape) if isinstance(df, sp.MatrixExpr) else sp.Integer(1)

    def jac(node: Any) -> Any:
        if node == dx:
            return sp.Identity(rows_in)
        if not contains(node, dx):
            return None
        return PRIMITIVES.lookup(node).vec_rule(node, jac)

    result = jac(df) if df is not None else None
    if result is None:
        return sp.ZeroMatrix(out_size, rows_in)
    return doit(result)
