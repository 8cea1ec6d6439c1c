"""Make a derivative readable: canonical form, assumptions, common factors.

Four passes, each cheap (no call to SymPy's general ``simplify``):

1. ``doit()`` — SymPy's canonical form (flattened products, collected terms,
   ``(AB)ᵀ = BᵀAᵀ``);
2. assumptions — ``Aᵀ -> A`` for a symmetric ``A`` (so ``Ax + Aᵀx`` becomes
   ``2Ax``);
3. elementwise algebra — the ``"algebra"`` rewrites of
   :mod:`matderiv.symbolic.rewrite`, then :func:`~matderiv.symbolic.hadamard.simplify_elementwise`
   (``σ ∘ (1/σ) = 1``, like terms merged), then the ``"stable"`` rewrites
   (``1 - σ(z) -> σ(-z)``, ``log(σ(z)) -> log_sigmoid(z)``);
4. factoring — terms sharing their last (or first) factor are grouped:
   ``Ax + Aᵀx -> (A + Aᵀ)x``.

Examples
--------
>>> import sympy as sp
>>> A, x = sp.MatrixSymbol("A", 3, 3), sp.MatrixSymbol("x", 3, 1)
>>> print(factor(A * x + A.T * x))
(A + A.T)*x
>>> print(readable(A * x + A.T * x, symmetric={A}))
2*A*x
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sympy as sp

from matderiv.expr.nodes import Diag, Elementwise, LogSoftmax, Softmax, Vec
from matderiv.symbolic.hadamard import simplify_elementwise
from matderiv.symbolic.rewrite import rewrite
from matderiv.symbolic.shared import doit

__all__ = ["PAIR_RULES", "elementwise_forms", "factor", "merge_pairs", "readable", "symmetrize"]


def _split(term: Any) -> tuple[Any, list[Any]]:
    if isinstance(term, sp.MatMul):
        coeff, mats = term.as_coeff_matrices()
        return coeff, list(mats)
    return sp.Integer(1), [term]


def _product(coeff: Any, mats: list[Any], shape: tuple[Any, Any]) -> Any:
    if not mats:
        return coeff * sp.Identity(shape[0])
    if coeff == 1 and len(mats) == 1:
        return mats[0]
    return sp.MatMul(coeff, *mats) if coeff != 1 else sp.MatMul(*mats)


def _factor_side(terms: list[Any], right: bool) -> list[Any] | None:
    groups: dict[Any, list[int]] = {}
    split = [_split(t) for t in terms]
    for i, (coeff, mats) in enumerate(split):
        if len(mats) >= 2:
            key = mats[-1] if right else mats[0]
            if key not in groups and isinstance(key, sp.MatAdd):
                neg = sp.MatMul(-1, key).doit()  # A (x - mu) + B (mu - x) = (A - B)(x - mu)
                if neg in groups:
                    mats = [*mats[:-1], neg] if right else [neg, *mats[1:]]
                    split[i] = (-coeff, mats)
                    key = neg
            groups.setdefault(key, []).append(i)
    best = max(groups.items(), key=lambda kv: len(kv[1]), default=None)
    if best is None or len(best[1]) < 2:
        return None
    key, members = best
    rests = []
    for i in members:
        coeff, mats = split[i]
        rest = mats[:-1] if right else mats[1:]
        rests.append(_product(coeff, rest, (rest[0].rows, rest[-1].cols)))
    inner = _common_coefficient(factor(sp.MatAdd(*rests).doit()))
    parts = list(inner.args) if isinstance(inner, sp.MatMul) else [inner]
    grouped = sp.MatMul(*parts, key) if right else sp.MatMul(key, *parts)
    others = [t for i, t in enumerate(terms) if i not in members]
    return [grouped, *others]


def _common_coefficient(expr: Any) -> Any:
    """``c A + c B -> c (A + B)`` for a sum whose terms share their numeric coefficient."""
    if not isinstance(expr, sp.MatAdd):
        return expr
    split = [_split(t) for t in expr.args]
    c = split[0][0]
    if any(ci != c for ci, _ in split):
        # c/N A - c/N B: the shared non-numeric part (a dimension's power) comes out
        c = sp.Integer(1)
        for ci, _ in split:
            c = sp.gcd(c, ci) if c != 1 else ci
        c = sp.Mul(*[f for f in sp.Mul.make_args(c) if not f.is_number])
        if c == 1 or not all((ci / c).is_number for ci, _ in split):
            return expr
        return sp.MatMul(
            c,
            sp.MatAdd(
                *[
                    _product(ci / c, mats, t.shape)
                    for (ci, mats), t in zip(split, expr.args, strict=True)
                ]
            ),
        )
    if c == 1 or not c.is_number:
        return expr
    terms = [
        _product(sp.Integer(1), mats, t.shape)
        for (_, mats), t in zip(split, expr.args, strict=True)
    ]
    return sp.MatMul(c, sp.MatAdd(*terms))


def factor(expr: Any) -> Any:
    """Group the terms of sums that share a last or first matrix factor.

    >>> import sympy as sp
    >>> X, Y = sp.MatrixSymbol("X", 2, 2), sp.MatrixSymbol("Y", 2, 2)
    >>> print(factor(X.T * Y + X.T * X))
    X.T*(X + Y)
    """
    if isinstance(expr, sp.MatrixSymbol | sp.Symbol | sp.Number) or not expr.args:
        return expr
    if not isinstance(expr, sp.MatAdd):
        args = [factor(a) for a in expr.args]
        if all(a is b for a, b in zip(args, expr.args, strict=True)):
            return expr
        return expr.func(*args)
    terms = [factor(t) for t in expr.args]
    for right in (True, False):
        grouped = _factor_side(terms, right)
        if grouped is not None:
            if len(grouped) == 1:
                return grouped[0]
            return sp.MatAdd(*grouped)
    return _common_coefficient(sp.MatAdd(*terms))


def _assume(expr: Any, symmetric: Iterable[Any]) -> Any:
    mapping = {s.T: s for s in symmetric}
    mapping.update({sp.Transpose(s): s for s in symmetric})
    if not mapping:
        return expr
    return expr.xreplace(mapping)


def _vec_identity(m: Any) -> Any:
    """``n`` when `m` is ``vec(I_n)``, else ``None``."""
    if isinstance(m, Vec) and isinstance(m.arg, sp.Identity):
        return m.arg.rows
    return None


def _kron_with_identity(m: Any, n: Any) -> tuple[Any, bool] | None:
    """``(B, identity_first)`` when `m` is ``I_n ⊗ B`` or ``B ⊗ I_n`` with ``B`` n rows/cols."""
    if not isinstance(m, sp.KroneckerProduct) or len(m.args) != 2:
        return None
    first, second = m.args
    if isinstance(first, sp.Identity) and first.rows == n:
        return second, True
    if isinstance(second, sp.Identity) and second.rows == n:
        return first, False
    return None


def _row_times_kron(row: Any, k: Any) -> Any:
    # vec(I)ᵀ (I ⊗ B) = vec(Bᵀ)ᵀ and vec(I)ᵀ (B ⊗ I) = vec(B)ᵀ, B with n rows
    if not isinstance(row, sp.Transpose):
        return None
    n = _vec_identity(row.arg)
    found = None if n is None else _kron_with_identity(k, n)
    if found is None or found[0].rows != n:
        return None
    b, identity_first = found
    return Vec(b.T if identity_first else b).T


def _kron_times_column(k: Any, column: Any) -> Any:
    # (I ⊗ B) vec(I) = vec(B) and (B ⊗ I) vec(I) = vec(Bᵀ), B with n columns
    n = _vec_identity(column)
    found = None if n is None else _kron_with_identity(k, n)
    if found is None or found[0].cols != n:
        return None
    b, identity_first = found
    return Vec(b if identity_first else b.T)


def _diag_times_diag(left: Any, right: Any) -> Any:
    # diag(a) diag(b) = diag(a ∘ b)
    if isinstance(left, Diag) and isinstance(right, Diag):
        return Diag(sp.HadamardProduct(left.args[0], right.args[0]))
    return None


#: Rewrites of two adjacent factors of a product: ``(left, right) -> one factor`` or ``None``.
PAIR_RULES = (_diag_times_diag, _row_times_kron, _kron_times_column)


def merge_pairs(expr: Any) -> Any:
    """Apply :data:`PAIR_RULES` to adjacent factors inside products.

    >>> import sympy as sp
    >>> S = sp.MatrixSymbol("S", 3, 2)
    >>> print(merge_pairs(Vec(sp.Identity(2)).T * sp.KroneckerProduct(sp.Identity(2), S.T)))
    vec(S).T
    >>> a, b = sp.MatrixSymbol("a", 3, 1), sp.MatrixSymbol("b", 3, 1)
    >>> print(merge_pairs(sp.MatMul(Diag(a), Diag(b))))
    Diag(HadamardProduct(a, b))
    """
    if not expr.args or isinstance(expr, sp.MatrixSymbol | sp.Symbol):
        return expr
    args = [merge_pairs(a) for a in expr.args]
    if isinstance(expr, sp.MatMul):
        coeff, mats = sp.MatMul(*args).as_coeff_matrices()
        merged: list[Any] = []
        for m in mats:
            while merged:
                new = next(
                    (r for rule in PAIR_RULES if (r := rule(merged[-1], m)) is not None), None
                )
                if new is None:
                    break
                merged.pop()
                m = new
            merged.append(m)
        if len(merged) == 1:
            return coeff * merged[0] if coeff != 1 else merged[0]
        return sp.MatMul(coeff, *merged) if coeff != 1 else sp.MatMul(*merged)
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args)


def readable(expr: Any, symmetric: Iterable[Any] = ()) -> Any:
    """Canonical form, assumptions and factoring, in that order.

    Parameters
    ----------
    expr
        A SymPy expression.
    symmetric
        The matrix symbols known to be symmetric.

    Returns
    -------
    sympy.Basic
        An equal expression, usually shorter.

    Examples
    --------
    >>> import sympy as sp
    >>> A, x = sp.MatrixSymbol("A", 3, 3), sp.MatrixSymbol("x", 3, 1)
    >>> print(readable(sp.MatAdd(sp.MatMul(A, x), sp.MatMul(A.T, x))))
    (A + A.T)*x
    """
    symmetric = list(symmetric)
    out = doit(expr)
    if symmetric:
        out = doit(_assume(out, symmetric))
        out = _assume(out, symmetric)
    if isinstance(out, sp.MatrixExpr):
        # terms grouped first: X.T @ a + X.T @ b is X.T @ (a + b), one cluster for the algebra
        out = elementwise_forms(factor(out))
        if out.has(Diag, Vec):
            out = merge_pairs(out)
        out = factor(out)
    return out


_ELEMENTWISE = (sp.HadamardProduct, sp.HadamardPower, Elementwise, Softmax, LogSoftmax)


def elementwise_forms(expr: Any) -> Any:
    """The elementwise algebra between the ``"algebra"`` and ``"stable"`` rewrites.

    >>> import sympy as sp
    >>> x = sp.MatrixSymbol("x", 3, 1)
    >>> s = Elementwise("sigmoid", x)
    >>> print(elementwise_forms(sp.HadamardProduct(s, sp.OneMatrix(3, 1) - s)))
    HadamardProduct(sigmoid(x), sigmoid(-x))
    """
    if not expr.has(*_ELEMENTWISE):
        return simplify_elementwise(expr)
    out = rewrite(expr, "algebra")
    out = simplify_elementwise(out)
    return rewrite(out, "stable")


def symmetrize(gradient: Any) -> Any:
    """``(G + Gᵀ)/2``: the gradient with respect to a symmetric matrix.

    >>> import sympy as sp
    >>> A = sp.MatrixSymbol("A", 2, 2)
    >>> print(symmetrize(A))
    (1/2)*A + (1/2)*A.T
    """
    return (sp.Rational(1, 2) * (gradient + gradient.T)).doit()
