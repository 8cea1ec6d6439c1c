"""Differential rules: one stanza per node type, registered in a table.

``differential(expr, {X: dX})`` returns ``df``, a SymPy expression linear in
``dX`` (the MIT 18.S096 view: the derivative is the linear map ``dX -> df``).
Each rule receives the node and a function ``d`` giving the differential of
a child (``None`` when the child does not depend on the variable); it returns
the node's differential or ``None``.  A node type without a rule raises
:class:`~matderiv.errors.UnsupportedError` naming it, never a silent zero.

Examples
--------
>>> import sympy as sp
>>> n = sp.Symbol("n", integer=True, positive=True)
>>> X, dX = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("dX", n, n)
>>> print(differential(X * X, {X: dX}))
X*dX + dX*X
>>> print(differential(sp.Inverse(X), {X: dX}))
-X**(-1)*dX*X**(-1)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from matderiv.errors import UnsupportedError
from matderiv.expr.functions import ELEMENTWISE
from matderiv.expr.nodes import (
    Commutation,
    Elementwise,
    LogDet,
    LogSumExp,
    Norm,
    ScalarOf,
    Softmax,
    SumAll,
    Vec,
)

__all__ = ["RULES", "differential", "inner", "rule"]

D = Callable[[Any], Any]
Rule = Callable[[Any, D], Any]

#: The differential rule of each node type.
RULES: dict[type, Rule] = {}


def rule(*types: type) -> Callable[[Rule], Rule]:
    """Register a differential rule for `types` (a decorator).

    >>> RULES[sp.Transpose] is _transpose
    True
    """

    def register(func: Rule) -> Rule:
        for t in types:
            RULES[t] = func
        return func

    return register


def _sum(terms: list[Any]) -> Any:
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    if len(terms) == 1:
        return terms[0]
    if isinstance(terms[0], sp.MatrixExpr):
        return sp.MatAdd(*terms)
    return sp.Add(*terms)


def inner(a: Any, b: Any) -> Any:
    """``<A, B> = tr(Aᵀ B)`` written readably (``aᵀb`` for vectors, product for scalars).

    >>> import sympy as sp
    >>> x = sp.MatrixSymbol("x", 3, 1)
    >>> print(inner(x, x))
    x.T*x
    """
    if not isinstance(a, sp.MatrixExpr):
        return a * b
    if a.shape[1] == 1:
        return ScalarOf(sp.MatMul(a.T, b))
    return sp.Trace(sp.MatMul(a.T, b))


# -- leaves ---------------------------------------------------------------------


@rule(sp.Identity, sp.ZeroMatrix, sp.OneMatrix, Commutation, sp.Number, sp.NumberSymbol)
def _constant(node: Any, d: D) -> Any:
    return None


# -- linear and bilinear structure ------------------------------------------------


@rule(sp.MatAdd, sp.Add)
def _add(node: Any, d: D) -> Any:
    return _sum([d(arg) for arg in node.args])


@rule(sp.MatMul)
def _matmul(node: Any, d: D) -> Any:
    coeff, matrices = node.as_coeff_matrices()
    terms = []
    dc = d(coeff)
    if dc is not None:
        terms.append(sp.MatMul(dc, *matrices))
    lead = () if coeff == 1 else (coeff,)
    for i, factor in enumerate(matrices):
        df = d(factor)
        if df is not None:
            terms.append(sp.MatMul(*lead, *matrices[:i], df, *matrices[i + 1 :]))
    return _sum(terms)


@rule(sp.Mul, sp.HadamardProduct, sp.KroneckerProduct)
def _product(node: Any, d: D) -> Any:
    # the product rule, one term per factor, for any product whose factors keep their order
    terms = []
    for i, factor in enumerate(node.args):
        df = d(factor)
        if df is not None:
            terms.append(node.func(*node.args[:i], df, *node.args[i + 1 :]))
    return _sum(terms)


@rule(sp.Transpose)
def _transpose(node: Any, d: D) -> Any:
    da = d(node.arg)
    return None if da is None else sp.Transpose(da)


@rule(sp.Trace)
def _trace(node: Any, d: D) -> Any:
    da = d(node.arg)
    return None if da is None else sp.Trace(da)


@rule(ScalarOf, SumAll, DiagMatrix, DiagonalOf, Vec)
def _linear(node: Any, d: D) -> Any:
    da = d(node.args[0])
    return None if da is None else type(node)(da)


# -- matrix functions -------------------------------------------------------------


@rule(sp.Inverse)
def _inverse(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    return sp.MatMul(-1, node, da, node)


@rule(sp.MatPow)
def _matpow(node: Any, d: D) -> Any:
    base, k = node.args
    if not (k.is_Integer):
        raise UnsupportedError(f"no rule for the matrix power {node} with a non-integer exponent")
    k = int(k)
    if k < 0:
        base = sp.Inverse(base)
        k = -k
    db = d(base)
    if db is None:
        return None

    def power(j: int) -> list[Any]:
        return [] if j == 0 else [base] if j == 1 else [sp.MatPow(base, j)]

    return _sum([sp.MatMul(*power(i), db, *power(k - 1 - i)) for i in range(k)])


@rule(sp.Determinant)
def _det(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    return node * sp.Trace(sp.MatMul(sp.Inverse(node.arg), da))


@rule(LogDet)
def _logdet(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    return sp.Trace(sp.MatMul(sp.Inverse(node.arg), da))


@rule(Norm)
def _norm(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    return inner(node.arg, da) / node


@rule(LogSumExp)
def _logsumexp(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    return inner(Softmax(node.arg), da)


@rule(Softmax)
def _softmax(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    # ds = diag(s) dz - s sᵀ dz
    return sp.MatAdd(sp.HadamardProduct(node, da), sp.MatMul(-1, node, node.T, da))


# -- elementwise ------------------------------------------------------------------


@rule(Elementwise)
def _elementwise(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    derivative = ELEMENTWISE[node.name].derivative(node.arg)
    if isinstance(derivative, sp.ZeroMatrix):
        return None
    return sp.HadamardProduct(derivative, da)


@rule(sp.HadamardPower)
def _hadamard_power(node: Any, d: D) -> Any:
    base, p = node.args
    if p.free_symbols:
        raise UnsupportedError(f"no rule for the elementwise power {node} with a symbolic exponent")
    db = d(base)
    if db is None:
        return None
    if p == 2:
        return sp.MatMul(2, sp.HadamardProduct(base, db))
    return sp.MatMul(p, sp.HadamardProduct(sp.HadamardPower(base, p - 1), db))


# -- scalar calculus ----------------------------------------------------------------


@rule(sp.Pow)
def _pow(node: Any, d: D) -> Any:
    base, p = node.args
    db, dp = d(base), d(p)
    terms = []
    if db is not None:
        terms.append(p * base ** (p - 1) * db)
    if dp is not None:
        terms.append(node * sp.log(base) * dp)
    return _sum(terms)


@rule(sp.Heaviside)
def _step(node: Any, d: D) -> Any:
    return None  # zero almost everywhere


@rule(sp.Function, sp.Max, sp.Min)
def _function(node: Any, d: D) -> Any:
    if len(node.args) != 1 and not isinstance(node, sp.Max | sp.Min):
        raise UnsupportedError(f"no differential rule for the function {node.func}")
    terms = []
    for i, arg in enumerate(node.args):
        da = d(arg)
        if da is not None:
            try:
                terms.append(node.fdiff(i + 1) * da)
            except Exception as exc:
                raise UnsupportedError(
                    f"no differential rule for {node.func} (SymPy: {exc})"
                ) from None
    return _sum(terms)


def _rule_for(node: Any) -> Rule:
    for klass in type(node).__mro__:
        found = RULES.get(klass)
        if found is not None:
            return found
    raise UnsupportedError(
        f"no differential rule for the node {type(node).__name__} ({node}); rules exist for "
        + ", ".join(sorted({t.__name__ for t in RULES}))
    )


def differential(expr: Any, variables: Mapping[Any, Any]) -> Any:
    """The differential of `expr` with respect to `variables` (``{X: dX}``).

    Parameters
    ----------
    expr
        A SymPy expression in matderiv's internal representation.
    variables
        Each variable (``MatrixSymbol`` or ``Symbol``) mapped to its
        differential symbol of the same shape.

    Returns
    -------
    sympy.Basic or None
        ``df``, linear in the differential symbols, or ``None`` when `expr`
        does not depend on the variables.

    Raises
    ------
    UnsupportedError
        A node with no rule (the message names it).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.MatrixSymbol("x", 3, 1)
    >>> dx = sp.MatrixSymbol("dx", 3, 1)
    >>> print(differential(ScalarOf(x.T * x), {x: dx}).doit())
    dx.T*x + x.T*dx
    """
    memo: dict[Any, Any] = {}
    depends: dict[Any, bool] = {}

    def dep(node: Any) -> bool:
        found = depends.get(node)
        if found is None:
            if isinstance(node, sp.MatrixSymbol | sp.Symbol):
                found = node in variables
            else:
                found = any(dep(arg) for arg in node.args)
            depends[node] = found
        return found

    def d(node: Any) -> Any:
        if node in memo:
            return memo[node]
        if node in variables:
            result = variables[node]
        elif not dep(node):
            result = None
        else:
            result = _rule_for(node)(node, d)
        memo[node] = result
        return result

    return d(sp.sympify(expr))
