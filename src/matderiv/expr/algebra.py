"""SymPy constructions the rules share: inner products, folded Hadamard and Kronecker products.

Examples
--------
>>> import sympy as sp
>>> x = sp.MatrixSymbol("x", 3, 1)
>>> print(inner(x, x))
x.T*x
>>> print(hadamard(2 * sp.OneMatrix(3, 1), x))
2*x
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from matderiv.expr.nodes import Diag, Elementwise, ScalarOf, Vec

__all__ = [
    "as_scalar",
    "contains",
    "hadamard",
    "inner",
    "is_ones",
    "kron",
    "kron_product",
    "scaled",
    "selection",
    "size",
    "times",
    "unvec",
    "vec_of",
]


def inner(a: Any, b: Any) -> Any:
    """``<A, B> = tr(Aᵀ B)`` written readably (``aᵀb`` for vectors, product for scalars)."""
    if not isinstance(a, sp.MatrixExpr):
        return a * b
    if a.shape[1] == 1:
        return ScalarOf(sp.MatMul(a.T, b))
    return sp.Trace(sp.MatMul(a.T, b))


def contains(node: Any, dx: Any) -> bool:
    """Whether `node` is or contains `dx`."""
    return bool(node == dx or node.has(dx))


def is_ones(node: Any) -> tuple[Any, bool]:
    """``(c, True)`` when `node` is ``c * ones``."""
    if isinstance(node, sp.OneMatrix):
        return sp.Integer(1), True
    if isinstance(node, sp.MatMul):
        coeff, mats = node.as_coeff_matrices()
        if len(mats) == 1 and isinstance(mats[0], sp.OneMatrix):
            return coeff, True
    return None, False


def hadamard(a: Any, b: Any) -> Any:
    """``a ∘ b`` with ``c·1 ∘ b = c b`` and scalar operands folded."""
    if not isinstance(a, sp.MatrixExpr):
        return a * b
    if not isinstance(b, sp.MatrixExpr):
        return b * a
    ca, ones_a = is_ones(a)
    if ones_a:
        return ca * b
    cb, ones_b = is_ones(b)
    if ones_b:
        return cb * a
    return sp.HadamardProduct(a, b)


def scaled(c: Any, m: Any) -> Any:
    """``c * m`` for a scalar `c`, canonical at the top only.

    SymPy's ``c * M`` for a matrix expression is ``MatMul(c, M).doit()``, a *deep* doit that
    walks all of ``M`` (each reference of a shared subexpression again); here `m` is taken
    as already canonical and only the new product is put in canonical form.

    Examples
    --------
    >>> import sympy as sp
    >>> A, B = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
    >>> print(scaled(2, 3 * A * B))
    6*A*B
    >>> scaled(sp.Integer(1), A) is A
    True
    """
    if not isinstance(m, sp.MatrixExpr):
        return c * m
    if c == 1:
        return m
    return sp.MatMul(c, m).doit(deep=False)


def times(bar: Any, left: list[Any], right: list[Any]) -> Any:
    """``Lᵀ bar Rᵀ`` for the factors left and right of the slot."""
    lt = [m.T for m in reversed(left)]
    rt = [m.T for m in reversed(right)]
    if not isinstance(bar, sp.MatrixExpr):
        factors = lt + rt
        if not factors:
            return bar
        return sp.MatMul(bar, *factors)
    return sp.MatMul(*lt, bar, *rt)


def size(shape: tuple[Any, Any]) -> Any:
    """The number of entries of a matrix shape."""
    return shape[0] * shape[1]


def as_scalar(m: Any) -> Any:
    """The entry of a 1 x 1 matrix expression."""
    if isinstance(m, sp.Identity | sp.OneMatrix):
        return sp.Integer(1)
    return ScalarOf(m)


def kron(a: Any, b: Any) -> Any:
    """``a ⊗ b`` with the 1 x 1, identity-of-1 and outer-product cases folded."""
    if tuple(a.shape) == (1, 1):
        return scaled(as_scalar(a), b)
    if tuple(b.shape) == (1, 1):
        return scaled(as_scalar(b), a)
    if a.shape[1] == 1 and b.shape[0] == 1:  # column ⊗ row = outer product
        return sp.MatMul(a, b)
    if a.shape[0] == 1 and b.shape[1] == 1:  # row ⊗ column = column rowᵀ... as a product
        return sp.MatMul(b, a)
    return kron_product(a, b)


def kron_product(*factors: Any) -> Any:
    """``c (A ⊗ B ⊗ …)`` with the factors' scalar coefficients taken out in front.

    SymPy's own canonicalisation of a Kronecker product (``doit``) breaks on a factor
    that is a product with a scalar coefficient (``-A``, ``-A⁻¹ dA A⁻¹``); the
    coefficients multiply the product: ``(cA) ⊗ B = c (A ⊗ B)``.
    """
    coeff: Any = sp.Integer(1)
    bare = []
    for factor in factors:
        if isinstance(factor, sp.MatMul):
            c, mats = _coeff_matrices(factor)
            coeff = coeff * c
            factor = mats[0] if len(mats) == 1 else sp.MatMul(*mats)
        bare.append(factor)
    product = sp.KroneckerProduct(*bare)
    return product if coeff == 1 else sp.MatMul(coeff, product)


def _coeff_matrices(product: Any) -> tuple[Any, list[Any]]:
    """The scalar coefficient and the matrix factors of a (possibly nested) matrix product."""
    coeff: Any = sp.Integer(1)
    mats: list[Any] = []
    for arg in product.args:
        if isinstance(arg, sp.MatMul):
            c, inner_mats = _coeff_matrices(arg)
            coeff, mats = coeff * c, mats + inner_mats
        elif isinstance(arg, sp.MatrixExpr):
            mats.append(arg)
        else:
            coeff = coeff * arg
    return coeff, mats


def unvec(v: Any, shape: tuple[Any, Any]) -> Any:
    """The matrix ``M`` of `shape` (m, n) with ``vec(M) = v`` (the adjoint of vec).

    ``vec(M)`` gives ``M`` back, a column stays itself; otherwise
    ``unvec(v) = (vec(I_n)ᵀ ⊗ I_m)(I_n ⊗ v)``.

    >>> import sympy as sp
    >>> A = sp.MatrixSymbol("A", 2, 3)
    >>> print(unvec(2 * Vec(A), (2, 3)))
    2*A
    """
    rows, cols = shape
    if cols == 1:
        return v
    if isinstance(v, Vec) and tuple(v.arg.shape) == (rows, cols):
        return v.arg
    if isinstance(v, sp.OneMatrix):
        return sp.OneMatrix(rows, cols)
    if isinstance(v, sp.MatAdd):
        return sp.MatAdd(*(unvec(t, shape) for t in v.args))
    if isinstance(v, sp.HadamardProduct):  # entrywise operations commute with vec
        return sp.HadamardProduct(*(unvec(t, shape) for t in v.args))
    if isinstance(v, Elementwise):
        return Elementwise(v.name, unvec(v.arg, shape))
    if isinstance(v, sp.MatMul):
        c, mats = v.as_coeff_matrices()
        if c != 1:
            inner_v = mats[0] if len(mats) == 1 else sp.MatMul(*mats)
            return sp.MatMul(c, unvec(inner_v, shape))
    if rows == 1:
        return v.T
    return sp.MatMul(
        sp.KroneckerProduct(Vec(sp.Identity(cols)).T, sp.Identity(rows)),
        sp.KroneckerProduct(sp.Identity(cols), v),
    )


def vec_of(m: Any) -> Any:
    """``vec(m)`` (a column stays itself)."""
    return m if m.shape[1] == 1 else Vec(m)


def selection(n: Any) -> Any:
    """``S`` with ``vec(diag(v)) = S v`` (n² x n): ``diag(vec I) (1 ⊗ I)``."""
    return sp.MatMul(
        Diag(Vec(sp.Identity(n))), sp.KroneckerProduct(sp.OneMatrix(n, 1), sp.Identity(n))
    )
