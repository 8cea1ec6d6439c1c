"""Identification: read the derivative off a differential.

Three readings of one linear map ``dX -> df``:

* :func:`gradient` — scalar ``f``: write ``df = tr(Gᵀ dX)`` (``gᵀ dx`` for a
  vector) and return ``G``.  It runs the differential backwards (each rule
  moves the cotangent across one node: ``A dX B -> Aᵀ Ḡ Bᵀ``,
  ``C ∘ dX -> C ∘ Ḡ``, ``dXᵀ -> Ḡᵀ``), so Hadamard terms and traces need
  no special casing;
* :func:`tangent` — scalar variable ``t``: ``df = F' dt``, return ``F'``;
* :func:`vec_jacobian` — everything else: ``vec(df) = J vec(dX)`` with
  ``vec(A dX B) = (Bᵀ ⊗ A) vec(dX)``, ``vec(dXᵀ) = K vec(dX)``
  (commutation matrix) and ``vec(C ∘ dX) = diag(vec C) vec(dX)``.

Examples
--------
>>> import sympy as sp
>>> n = sp.Symbol("n", integer=True, positive=True)
>>> X, dX = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("dX", n, n)
>>> print(vec_jacobian(X * dX + dX * X, dX))
KroneckerProduct(I, X) + KroneckerProduct(X.T, I)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from matderiv.derive.differential import inner
from matderiv.errors import UnsupportedError
from matderiv.expr.nodes import Diag, Diagonal, ScalarOf, SumAll, Vec

__all__ = ["PULLBACKS", "VEC_RULES", "gradient", "hadamard", "tangent", "vec_jacobian"]


def _contains(node: Any, dx: Any) -> bool:
    return bool(node == dx or node.has(dx))


def _is_ones(node: Any) -> tuple[Any, bool]:
    """``(c, True)`` when `node` is ``c * ones``."""
    if isinstance(node, sp.OneMatrix):
        return sp.Integer(1), True
    if isinstance(node, sp.MatMul):
        coeff, mats = node.as_coeff_matrices()
        if len(mats) == 1 and isinstance(mats[0], sp.OneMatrix):
            return coeff, True
    return None, False


def hadamard(a: Any, b: Any) -> Any:
    """``a ∘ b`` with ``c·1 ∘ b = c b`` and scalar operands folded.

    >>> import sympy as sp
    >>> x = sp.MatrixSymbol("x", 3, 1)
    >>> print(hadamard(2 * sp.OneMatrix(3, 1), x))
    2*x
    """
    if not isinstance(a, sp.MatrixExpr):
        return a * b
    if not isinstance(b, sp.MatrixExpr):
        return b * a
    ca, ones_a = _is_ones(a)
    if ones_a:
        return ca * b
    cb, ones_b = _is_ones(b)
    if ones_b:
        return cb * a
    return sp.HadamardProduct(a, b)


# -- gradient: run the linear map backwards ---------------------------------------------

Pull = Callable[[Any, Any], None]
PullRule = Callable[[Any, Any, Any, Pull], None]

#: How each node passes the cotangent to the child that holds dX.
PULLBACKS: dict[type, PullRule] = {}


def _pullback(*types: type) -> Callable[[PullRule], PullRule]:
    def register(func: PullRule) -> PullRule:
        for t in types:
            PULLBACKS[t] = func
        return func

    return register


def _times(bar: Any, left: list[Any], right: list[Any]) -> Any:
    """``Lᵀ bar Rᵀ`` for the factors left and right of the slot."""
    lt = [m.T for m in reversed(left)]
    rt = [m.T for m in reversed(right)]
    if not isinstance(bar, sp.MatrixExpr):
        factors = lt + rt
        if not factors:
            return bar
        return sp.MatMul(bar, *factors)
    return sp.MatMul(*lt, bar, *rt)


@_pullback(sp.MatAdd, sp.Add)
def _pb_add(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    for arg in node.args:
        if _contains(arg, dx):
            pull(arg, bar)


@_pullback(sp.MatMul)
def _pb_matmul(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    coeff, mats = node.as_coeff_matrices()
    if _contains(coeff, dx):
        pull(coeff, inner(bar, sp.MatMul(*mats)) if len(mats) > 1 else inner(bar, mats[0]))
        return
    for i, factor in enumerate(mats):
        if _contains(factor, dx):
            pull(factor, coeff * _times(bar, list(mats[:i]), list(mats[i + 1 :])))
            return


@_pullback(sp.Mul)
def _pb_mul(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    for i, factor in enumerate(node.args):
        if _contains(factor, dx):
            rest = sp.Mul(*node.args[:i], *node.args[i + 1 :])
            pull(factor, bar * rest)
            return


@_pullback(sp.Transpose)
def _pb_transpose(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    pull(node.arg, bar.T if isinstance(bar, sp.MatrixExpr) else bar)


@_pullback(sp.Trace)
def _pb_trace(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    pull(node.arg, bar * sp.Identity(node.arg.rows))


@_pullback(ScalarOf)
def _pb_scalar(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    pull(node.arg, bar)


@_pullback(SumAll)
def _pb_sum(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    pull(node.arg, bar * sp.OneMatrix(*node.arg.shape))


@_pullback(sp.HadamardProduct)
def _pb_hadamard(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    for i, factor in enumerate(node.args):
        if _contains(factor, dx):
            others = [*node.args[:i], *node.args[i + 1 :]]
            cot = bar
            for other in others:
                cot = hadamard(other, cot)
            pull(factor, cot)
            return


@_pullback(Diag)
def _pb_diag(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    pull(node.args[0], Diagonal(bar))


@_pullback(Diagonal)
def _pb_diagonal(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    pull(node.args[0], Diag(bar))


def _no_rule(kind: str, node: Any) -> UnsupportedError:
    return UnsupportedError(
        f"cannot identify the {kind} through the node {type(node).__name__} ({node}); "
        "write the expression without it or report the case"
    )


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
    >>> print(gradient(ScalarOf(dx.T * A * x) + ScalarOf(x.T * A * dx), dx))
    A*x + A.T*x
    """
    terms: list[Any] = []

    def pull(node: Any, bar: Any) -> None:
        if node == dx:
            terms.append(bar)
            return
        for klass in type(node).__mro__:
            found = PULLBACKS.get(klass)
            if found is not None:
                found(node, bar, dx, pull)
                return
        raise _no_rule("gradient", node)

    if df is not None and _contains(df, dx):
        pull(df, sp.Integer(1))
    if not terms:
        return sp.ZeroMatrix(*dx.shape) if isinstance(dx, sp.MatrixExpr) else sp.Integer(0)
    if isinstance(dx, sp.MatrixExpr):
        return sp.MatAdd(*terms).doit() if len(terms) > 1 else terms[0].doit()
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
    return df.xreplace({dt: sp.Integer(1)}).doit()


# -- vec form ----------------------------------------------------------------------------

VecRule = Callable[[Any, Callable[[Any], Any]], Any]

#: How each node maps ``vec(d child)`` to ``vec(d node)``.
VEC_RULES: dict[type, VecRule] = {}


def _vec(*types: type) -> Callable[[VecRule], VecRule]:
    def register(func: VecRule) -> VecRule:
        for t in types:
            VEC_RULES[t] = func
        return func

    return register


def _size(shape: tuple[Any, Any]) -> Any:
    return shape[0] * shape[1]


def _kron(a: Any, b: Any) -> Any:
    """``a ⊗ b`` with the 1 x 1, identity-of-1 and outer-product cases folded."""
    if tuple(a.shape) == (1, 1):
        return _as_scalar(a) * b
    if tuple(b.shape) == (1, 1):
        return _as_scalar(b) * a
    if a.shape[1] == 1 and b.shape[0] == 1:  # column ⊗ row = outer product
        return sp.MatMul(a, b)
    if a.shape[0] == 1 and b.shape[1] == 1:  # row ⊗ column = column rowᵀ... as a product
        return sp.MatMul(b, a)
    return sp.KroneckerProduct(a, b)


def _as_scalar(m: Any) -> Any:
    if isinstance(m, sp.Identity | sp.OneMatrix):
        return sp.Integer(1)
    return ScalarOf(m)


def _vec_of(m: Any) -> Any:
    return m if m.shape[1] == 1 else Vec(m)


@_vec(sp.MatAdd, sp.Add)
def _vec_add(node: Any, jac: Callable[[Any], Any]) -> Any:
    terms = [jac(arg) for arg in node.args]
    terms = [t for t in terms if t is not None]
    return sp.MatAdd(*terms) if len(terms) > 1 else (terms[0] if terms else None)


@_vec(sp.MatMul)
def _vec_matmul(node: Any, jac: Callable[[Any], Any]) -> Any:
    coeff, mats = node.as_coeff_matrices()
    rest = sp.MatMul(*mats) if len(mats) > 1 else mats[0]
    jc = jac(coeff)
    if jc is not None:  # d(c) M with c a scalar linear in dX: vec(M) (row of dc)
        return sp.MatMul(_vec_of(rest), jc)
    for i, factor in enumerate(mats):
        if not _contains(factor, jac.dx):  # type: ignore[attr-defined]
            continue
        left, right = list(mats[:i]), list(mats[i + 1 :])
        rows, cols = factor.shape
        lm = sp.MatMul(*left) if len(left) > 1 else (left[0] if left else sp.Identity(rows))
        rm = sp.MatMul(*right) if len(right) > 1 else (right[0] if right else sp.Identity(cols))
        if isinstance(factor, Diag) and right and rm.shape[1] == 1:
            # L diag(e) r = L diag(r) e
            k = sp.MatMul(lm, Diag(rm)) if left else Diag(rm)
            out = sp.MatMul(k, jac(factor.args[0]))
            return out if coeff == 1 else coeff * out
        j = jac(factor)
        if not left and not right:
            k = None
        elif not right:
            k = lm if cols == 1 else _kron(sp.Identity(cols), lm)
        elif not left:
            k = rm.T if rows == 1 else _kron(rm.T, sp.Identity(rows))
        else:
            k = _kron(rm.T, lm)
        out = j if k is None else sp.MatMul(k, j)
        return out if coeff == 1 else coeff * out
    return None


@_vec(sp.Mul)
def _vec_mul(node: Any, jac: Callable[[Any], Any]) -> Any:
    for i, factor in enumerate(node.args):
        j = jac(factor)
        if j is not None:
            return sp.Mul(*node.args[:i], *node.args[i + 1 :]) * j
    return None


@_vec(sp.Transpose)
def _vec_transpose(node: Any, jac: Callable[[Any], Any]) -> Any:
    j = jac(node.arg)
    if j is None:
        return None
    rows, cols = node.arg.shape
    if rows == 1 or cols == 1:
        return j
    from matderiv.expr.nodes import Commutation

    return sp.MatMul(Commutation(rows, cols), j)


@_vec(sp.Trace)
def _vec_trace(node: Any, jac: Callable[[Any], Any]) -> Any:
    j = jac(node.arg)
    return None if j is None else sp.MatMul(Vec(sp.Identity(node.arg.rows)).T, j)


@_vec(ScalarOf)
def _vec_scalar(node: Any, jac: Callable[[Any], Any]) -> Any:
    return jac(node.arg)


@_vec(SumAll)
def _vec_sum(node: Any, jac: Callable[[Any], Any]) -> Any:
    j = jac(node.arg)
    return None if j is None else sp.MatMul(sp.OneMatrix(1, _size(node.arg.shape)), j)


@_vec(sp.HadamardProduct)
def _vec_hadamard(node: Any, jac: Callable[[Any], Any]) -> Any:
    for i, factor in enumerate(node.args):
        j = jac(factor)
        if j is None:
            continue
        others = [*node.args[:i], *node.args[i + 1 :]]
        c = others[0] if len(others) == 1 else sp.HadamardProduct(*others)
        coeff, ones = _is_ones(c)
        if ones:
            return coeff * j
        return sp.MatMul(Diag(_vec_of(c)), j)
    return None


def _selection(n: Any) -> Any:
    """``S`` with ``vec(diag(v)) = S v`` (n² x n): ``diag(vec I) (1 ⊗ I)``."""
    return sp.MatMul(
        Diag(Vec(sp.Identity(n))), sp.KroneckerProduct(sp.OneMatrix(n, 1), sp.Identity(n))
    )


@_vec(Diag)
def _vec_diag(node: Any, jac: Callable[[Any], Any]) -> Any:
    j = jac(node.args[0])
    return None if j is None else sp.MatMul(_selection(node.rows), j)


@_vec(Diagonal)
def _vec_diagonal(node: Any, jac: Callable[[Any], Any]) -> Any:
    j = jac(node.args[0])
    return None if j is None else sp.MatMul(_selection(node.rows).T, j)


@_vec(sp.KroneckerProduct)
def _vec_kron(node: Any, jac: Callable[[Any], Any]) -> Any:
    # vec(X ⊗ Y) = (I_n ⊗ K(q, m) ⊗ I_p) (vec X ⊗ vec Y) for X (m, n), Y (p, q)
    from matderiv.expr.nodes import Commutation

    if len(node.args) != 2:
        head, *rest = node.args
        node = sp.KroneckerProduct(head, sp.KroneckerProduct(*rest))
    x, y = node.args
    (m, n), (p, q) = x.shape, y.shape
    shuffle = sp.KroneckerProduct(sp.Identity(n), Commutation(q, m), sp.Identity(p))
    terms = []
    jx, jy = jac(x), jac(y)
    if jx is not None:
        terms.append(sp.MatMul(shuffle, sp.KroneckerProduct(sp.Identity(m * n), _vec_of(y)), jx))
    if jy is not None:
        terms.append(sp.MatMul(shuffle, sp.KroneckerProduct(_vec_of(x), sp.Identity(p * q)), jy))
    return sp.MatAdd(*terms) if len(terms) > 1 else (terms[0] if terms else None)


def vec_jacobian(df: Any, dx: Any) -> Any:
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
    >>> print(vec_jacobian(-X.I * dX * X.I, dX))
    -(KroneckerProduct(X.T**(-1), X**(-1)))
    """
    rows_in = _size(dx.shape)
    out_size = _size(df.shape) if isinstance(df, sp.MatrixExpr) else sp.Integer(1)

    def jac(node: Any) -> Any:
        if node == dx:
            return sp.Identity(rows_in)
        if not _contains(node, dx):
            return None
        for klass in type(node).__mro__:
            found = VEC_RULES.get(klass)
            if found is not None:
                return found(node, jac)
        raise _no_rule("Jacobian", node)

    jac.dx = dx  # type: ignore[attr-defined]
    result = jac(df) if df is not None else None
    if result is None:
        return sp.ZeroMatrix(out_size, rows_in)
    return result.doit()
