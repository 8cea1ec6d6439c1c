"""The elementwise algebra of results: Hadamard sums, products, powers and quotients.

Arrays of one shape under ``+``, ``∘`` (``*``) and entrywise powers form a commutative
algebra with unit ``ones``. A maximal subexpression built with these operations (a
*cluster*) is mapped to a scalar SymPy expression: each other subexpression (an *atom*:
``sigmoid(X @ w)``, ``X @ w``, ``y``) becomes a commuting scalar symbol, ``ones`` becomes
1 and a scalar coefficient stays itself. SymPy's polynomial algebra then cancels and
merges (``σ·(1/σ) = 1``, ``-y(1 - s) + (1 - y)s = s - y``), the shortest of a few
equal forms is kept, and the symbols are mapped back.

A product with a row times a column inside, ``aᵀb``, is the scalar ``sum(a ∘ b)``; when
the algebra shortens ``a ∘ b`` the product becomes that scalar times the other factors
(``s sᵀ (y / s) = sum(y) s``).

Examples
--------
>>> import sympy as sp
>>> from matderiv.expr.nodes import Elementwise
>>> n = sp.Symbol("n", integer=True, positive=True)
>>> y = sp.MatrixSymbol("y", n, 1)
>>> s = Elementwise("sigmoid", sp.MatrixSymbol("z", n, 1))
>>> one = sp.OneMatrix(n, 1)
>>> e = sp.MatAdd(-sp.HadamardProduct(y, one - s), sp.HadamardProduct(one - y, s))
>>> print(simplify_elementwise(e))
sigmoid(z) - y
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy as sp

from matderiv.expr.nodes import ScalarOf, SumAll
from matderiv.expr.walk import cached_when_small

__all__ = ["simplify_elementwise"]

#: Above this many operations a cluster keeps its form (SymPy's cancel grows fast).
MAX_OPS = 400
#: Factoring is tried only on clusters with at most this many distinct atoms: multivariate
#: factorisation grows steeply with the number of generators (62 atoms took 15 s), and the
#: factored forms it is for (``s (1 - s)(1 - 2 s)``) have a few.
MAX_FACTOR_ATOMS = 12

_CLUSTER = (sp.MatAdd, sp.HadamardProduct, sp.HadamardPower, sp.OneMatrix, sp.ZeroMatrix)


class _Atoms:
    """The atoms of one expression and their scalar symbols, both ways.

    One table serves every cluster of the expression, so an atom is the same symbol (and
    SymPy's canonical order and sign of a sum are the same) wherever it occurs.
    """

    def __init__(self) -> None:
        self.symbol: dict[Any, sp.Symbol] = {}
        self.matrix: dict[sp.Symbol, Any] = {}
        self.symbols: set[sp.Symbol] = set()

    def __call__(self, m: Any) -> sp.Symbol:
        if m not in self.symbol:
            s = sp.Symbol(f"_a{len(self.symbol)}", real=True)
            self.symbol[m] = s
            self.matrix[s] = m
            self.symbols.add(s)
        return self.symbol[m]


def _is_cluster(e: Any) -> bool:
    if isinstance(e, _CLUSTER):
        return True
    if isinstance(e, sp.MatMul):
        _, mats = e.as_coeff_matrices()
        return len(mats) == 1
    return False


def _to_scalar(e: Any, atoms: _Atoms, walk: Any) -> Any:
    if isinstance(e, sp.MatAdd):
        return sp.Add(*(_to_scalar(a, atoms, walk) for a in e.args))
    if isinstance(e, sp.HadamardProduct):
        return sp.Mul(*(_factor_to_scalar(a, atoms, walk) for a in e.args))
    if isinstance(e, sp.HadamardPower):
        return sp.Pow(_to_scalar(e.args[0], atoms, walk), e.args[1])
    if isinstance(e, sp.OneMatrix):
        return sp.Integer(1)
    if isinstance(e, sp.ZeroMatrix):
        return sp.Integer(0)
    if isinstance(e, sp.MatMul):
        coeff, mats = e.as_coeff_matrices()
        if len(mats) == 1:
            return walk(coeff) * _to_scalar(mats[0], atoms, walk)
    return atoms(walk(e))


def _factor_to_scalar(e: Any, atoms: _Atoms, walk: Any) -> Any:
    """A factor of a Hadamard product in the algebra: ``(c A B) ∘ F = c (A B ∘ F)``.

    The coefficient of a matrix product is a scalar factor of the elementwise product, so
    the signs of ``-1 * (sin(y) ∘ (-Xᵀ1))`` cancel.  (A term of a sum keeps its coefficient
    with its product: the sum's factoring compares whole terms.)
    """
    if isinstance(e, sp.MatMul):
        coeff, mats = e.as_coeff_matrices()
        if len(mats) > 1 and coeff != 1:
            return walk(coeff) * atoms(walk(sp.MatMul(*mats)))
    return _to_scalar(e, atoms, walk)


def _from_scalar(x: Any, shape: tuple[Any, Any], atoms: _Atoms) -> Any:
    if isinstance(x, sp.Symbol) and x in atoms.matrix:
        return atoms.matrix[x]
    if not (x.free_symbols & atoms.symbols):
        return x * sp.OneMatrix(*shape) if x != 0 else sp.ZeroMatrix(*shape)
    if isinstance(x, sp.Add):
        return sp.MatAdd(*(_from_scalar(t, shape, atoms) for t in x.args))
    if isinstance(x, sp.Pow):
        return sp.HadamardPower(_from_scalar(x.base, shape, atoms), x.exp)
    if isinstance(x, sp.Mul):
        symbols = atoms.symbols
        coeff = [f for f in x.args if not (f.free_symbols & symbols)]
        parts = [_from_scalar(f, shape, atoms) for f in x.args if f.free_symbols & symbols]
        body = parts[0] if len(parts) == 1 else sp.HadamardProduct(*parts)
        c = sp.Mul(*coeff)
        return body if c == 1 else sp.MatMul(c, body)
    raise TypeError(f"no elementwise form for {x}")  # pragma: no cover - SymPy's scalar forms


@lru_cache(maxsize=4096)
def _best(x: Any) -> Any:
    """The shortest of a few equal forms of the scalar expression `x`."""
    # scalars of matrices (norm(x - a), sum(y)) are opaque to the algebra: symbols meanwhile
    opaque = {
        n: sp.Dummy("s", real=True)
        for n in sp.preorder_traversal(x)
        if isinstance(n, sp.Expr) and any(isinstance(a, sp.MatrixExpr) for a in n.args)
    }
    if opaque:
        back = {d: n for n, d in opaque.items()}
        return _best(x.xreplace(opaque)).xreplace(back)
    if not _needs_algebra(x):  # SymPy's own canonical form has merged and cancelled already
        return sp.factor_terms(x) if _common_number(x) else x
    if sp.count_ops(x) > MAX_OPS:
        return x
    forms = [x]
    expanded = sp.expand(x)
    forms.append(expanded)
    forms.append(sp.factor_terms(expanded))
    if any(isinstance(p, sp.Pow) and p.exp.is_negative for p in sp.preorder_traversal(x)):
        forms.append(sp.factor_terms(sp.cancel(x)))
    # a product of factors before an expanded polynomial: s (1 - s)(1 - 2 s) has no
    # cancellation near s = 1, s - 3 s² + 2 s³ has
    if len(x.free_symbols) <= MAX_FACTOR_ATOMS:
        forms.append(sp.factor(x))
    return min(forms, key=sp.count_ops)  # the first of equals: the form as derived


def _common_number(x: Any) -> bool:
    """A sum whose terms share a numeric coefficient other than ±1 (``x/2 - y/2``)."""
    if not isinstance(x, sp.Add):
        return False
    numbers = {abs(t.as_coeff_Mul()[0]) for t in x.args}
    return len(numbers) == 1 and numbers != {1}


def _needs_algebra(x: Any) -> bool:
    """A sum inside a product or power: terms to expand, merge or cancel."""
    return any(
        isinstance(n, sp.Mul | sp.Pow) and any(isinstance(a, sp.Add) for a in n.args)
        for n in sp.preorder_traversal(x)
    )


def _collapse_inner(e: Any, walk: Any) -> Any:
    """``… aᵀ b …`` (a row times a column) as ``sum(a ∘ b) …`` when the algebra shortens it."""
    coeff, mats = e.as_coeff_matrices()
    for i in range(len(mats) - 1):
        row, col = mats[i], mats[i + 1]
        if row.shape[0] != 1 or col.shape[1] != 1:
            continue
        if isinstance(row, sp.Transpose):
            a = row.arg
        elif isinstance(row, sp.OneMatrix):
            a = sp.OneMatrix(row.shape[1], 1)
        else:
            continue
        product = sp.HadamardProduct(a, col)
        simpler = walk(product.doit())
        if _size(simpler) >= _size(product):
            continue
        c, inner = simpler.as_coeff_mmul() if isinstance(simpler, sp.MatMul) else (1, simpler)
        if isinstance(inner, sp.MatMul):
            inner = inner.doit()
        ones = isinstance(inner, sp.OneMatrix)
        total = c * (inner.shape[0] * inner.shape[1] if ones else SumAll(inner))
        rest = mats[:i] + mats[i + 2 :]
        if not rest:  # the whole product is 1 x 1: the scalar itself
            return coeff * total
        return sp.MatMul(coeff * total, *rest).doit()
    return None


def _size(e: Any) -> int:
    return sum(1 for _ in sp.preorder_traversal(e))


def simplify_elementwise(expr: Any) -> Any:
    """Simplify every elementwise cluster of `expr` in its commutative algebra.

    Parameters
    ----------
    expr
        A SymPy expression (matrix or scalar) of the language.

    Returns
    -------
    sympy.Basic
        An equal expression: clusters cancelled, like terms merged.

    Examples
    --------
    >>> import sympy as sp
    >>> from matderiv.expr.nodes import Softmax
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> y, z = sp.MatrixSymbol("y", n, 1), sp.MatrixSymbol("z", n, 1)
    >>> s = Softmax(z)
    >>> print(simplify_elementwise(sp.HadamardProduct(-y, s, sp.HadamardPower(s, -1))))
    -y
    """
    return _simplify(expr)


@cached_when_small(1024)
def _simplify(expr: Any) -> Any:
    memo: dict[Any, Any] = {}
    atoms = _Atoms()

    def walk(e: Any) -> Any:
        if e in memo:
            return memo[e]
        out = _walk(e)
        memo[e] = out
        return out

    def _walk(e: Any) -> Any:
        if not e.args or isinstance(e, sp.MatrixSymbol | sp.Symbol | sp.Number):
            return e
        if isinstance(e, sp.MatrixExpr) and _is_cluster(e):
            x = _to_scalar(e, atoms, walk)
            out = _from_scalar(_best(x), e.shape, atoms)
            if isinstance(e, sp.MatAdd | sp.HadamardProduct) and type(out) is type(e):
                args = [walk(a) for a in e.args]
                if set(args) == set(out.args):  # nothing simplified: keep the terms' order
                    same = all(a is b for a, b in zip(args, e.args, strict=True))
                    return e if same else e.func(*args)
            return out
        if isinstance(e, sp.MatMul):
            collapsed = _collapse_inner(e, walk)
            if collapsed is not None:
                if not isinstance(collapsed, sp.MatrixExpr):  # 1 x 1: stays a matrix here
                    return collapsed * sp.Identity(1)
                return walk(collapsed)
        if isinstance(e, ScalarOf) and isinstance(e.arg, sp.MatMul):
            collapsed = _collapse_inner(e.arg, walk)
            if collapsed is not None and not isinstance(collapsed, sp.MatrixExpr):
                return walk(collapsed)
        args = [walk(a) for a in e.args]
        if all(a is b for a, b in zip(args, e.args, strict=True)):
            return e
        out = e.func(*args)
        return _canonical_signs(out, atoms) if isinstance(out, sp.MatMul) else out

    return walk(expr)


def _canonical_signs(e: Any, atoms: _Atoms) -> Any:
    """A product's sums with the fewer minus signs, the signs moved to the coefficient.

    ``outer(mu - x, x - mu)`` is ``-outer(x - mu, x - mu)`` (equal factors look equal), and
    ``(-a - b) c`` is ``-(a + b) c``.
    """
    coeff: Any = sp.Integer(1)
    mats: list[Any] = []
    for a in e.args:
        if isinstance(a, sp.MatMul):
            c, ms = a.as_coeff_matrices()
            coeff, mats = coeff * c, mats + list(ms)
        elif isinstance(a, sp.MatrixExpr):
            mats.append(a)
        else:
            coeff = coeff * a
    changed = False
    columns = [_column(m) for m in mats]
    for i, (m, col) in enumerate(zip(mats, columns, strict=True)):
        if col is None:
            continue
        neg = sp.MatMul(-1, col).doit()
        paired = any(other == neg for other in columns[:i])  # a and -a: both written a
        if paired or _negatives(neg) < _negatives(col):
            mats[i] = neg if col is m else neg.T.doit()
            columns[i] = neg
            coeff = -coeff
            changed = True
    if not changed and not any(isinstance(a, sp.MatMul) for a in e.args):
        return e
    return sp.MatMul(coeff, *mats) if coeff != 1 else sp.MatMul(*mats)


def _negatives(m: Any) -> int:
    """How many terms of the sum `m` carry a minus sign."""
    return sum(
        1
        for t in m.args
        if isinstance(t, sp.MatMul) and t.as_coeff_matrices()[0].could_extract_minus_sign()
    )


def _column(m: Any) -> Any:
    """A sum, as a column when it is a row (``-μᵀ + xᵀ`` is ``x - μ``); else ``None``."""
    if isinstance(m, sp.Transpose):
        m = m.arg
    elif m.shape[0] == 1 and m.shape[1] != 1:
        m = m.T.doit()
    return m if isinstance(m, sp.MatAdd) else None
