"""Rewrites as data: canonical and numerically stable forms of elementwise expressions.

Each entry of :data:`REWRITES` is a pattern and its replacement, both written in the
expression language. The names ``z``, ``v`` and ``u`` in them are *wildcards*: ``z`` stands
for any array (vector or matrix), ``v`` and ``u`` for any vectors (of one length). A pattern
matches a subexpression that has the same tree once the wildcards are bound; the terms of a
sum and the factors of a Hadamard product match in any order, and a pattern that is a sum
(``1 - sigmoid(z)``) also matches inside a longer sum.

The phase says when a rule applies:

``"input"``
    to the parsed expression, before differentiation, and to results: a textbook
    expression becomes the stable primitive (``log(1 + exp(z))`` is ``softplus(z)``), whose
    derivative is then stable too;
``"algebra"``
    to results, before the elementwise algebra of :mod:`matderiv.symbolic.hadamard`, so
    that equal quantities look equal (``sigmoid(-z)`` is ``1 - sigmoid(z)``);
``"stable"``
    to results, after the algebra: the forms that lose precision become the ones that
    do not (``1 - sigmoid(z)`` is ``sigmoid(-z)``, which has full relative precision
    where ``1 - sigmoid(z)`` rounds to 0).

Every rule is an identity wherever its pattern is defined (``exp(log(z)) = z`` holds
where ``log(z)`` does, so for ``z > 0``); ``tests/test_stability.py`` checks each one at
random and at extreme inputs.

Examples
--------
>>> from matderiv.expr import parse
>>> from matderiv.expr.text import to_text
>>> shapes = {"x": ("n",)}
>>> to_text(rewrite(parse("sum(log(1 + exp(x)))", shapes), "input"))
'sum(softplus(x))'
>>> to_text(rewrite(parse("log(1 - sigmoid(x))", shapes), "input"))
'log_sigmoid(-x)'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import combinations, pairwise, permutations
from typing import Any, Literal

import sympy as sp

from matderiv.expr.parser import parse
from matderiv.expr.walk import cached_when_small

__all__ = ["REWRITES", "Phase", "Rewrite", "rewrite"]

#: When a rule applies (see the module's docstring).
Phase = Literal["input", "algebra", "stable"]

#: The wildcards of the patterns and the shapes they are read with.
WILDCARDS: dict[str, tuple[str, ...]] = {"z": ("p", "q"), "v": ("p",), "u": ("p",)}


@dataclass(frozen=True)
class Rewrite:
    """One rewrite rule: ``pattern -> replacement`` in the language, with its phase.

    Attributes
    ----------
    name
        A short identifier, used in the book's table and in test ids.
    pattern, replacement
        Text in the expression language; ``z`` (any array) and ``v`` (a vector) are wildcards.
    phases
        The phases in which the rule applies.
    why
        One line: why the replacement is better (shorter, stable, canonical).
    """

    name: str
    pattern: str
    replacement: str
    phases: tuple[Phase, ...]
    why: str


#: The rewrite table, applied in this order at every node (bottom-up).
REWRITES: tuple[Rewrite, ...] = (
    Rewrite(
        "softplus",
        "log(1 + exp(z))",
        "softplus(z)",
        ("input", "stable"),
        "exp overflows for z > 709; softplus is logaddexp(0, z)",
    ),
    Rewrite(
        "sigmoid",
        "1 / (1 + exp(-z))",
        "sigmoid(z)",
        ("input", "stable"),
        "exp(-z) overflows for z < -709",
    ),
    Rewrite(
        "log-sigmoid",
        "log(sigmoid(z))",
        "log_sigmoid(z)",
        ("input", "stable"),
        "sigmoid underflows to 0 for z < -745, and log(0) = -inf",
    ),
    Rewrite(
        "log-one-minus-sigmoid",
        "log(1 - sigmoid(z))",
        "log_sigmoid(-z)",
        ("input", "stable"),
        "1 - sigmoid(z) rounds to 0 for z > 37",
    ),
    Rewrite(
        "log-softmax",
        "log(softmax(v))",
        "log_softmax(v)",
        ("input", "stable"),
        "softmax entries underflow to 0 where a logit is far below the maximum",
    ),
    Rewrite(
        "softmax",
        "exp(v) / sum(exp(v))",
        "softmax(v)",
        ("input", "stable"),
        "exp overflows for entries > 709",
    ),
    Rewrite(
        "logsumexp",
        "log(sum(exp(z)))",
        "logsumexp(z)",
        ("input", "stable"),
        "exp overflows for entries > 709",
    ),
    Rewrite(
        "logistic",
        "exp(z) / (1 + exp(z))",
        "sigmoid(z)",
        ("input", "stable"),
        "exp overflows for z > 709",
    ),
    Rewrite(
        "diagonal-of-outer",
        "diag(outer(v, u))",
        "v * u",
        ("input", "stable"),
        "the diagonal of v uᵀ is v ∘ u: no n × n matrix, and a derivative diag(u) instead of a"
        " selection-matrix product",
    ),
    Rewrite("log-exp", "log(exp(z))", "z", ("input", "stable"), "shorter, and exact"),
    Rewrite(
        "exp-log",
        "exp(log(z))",
        "z",
        ("input", "stable"),
        "shorter, and exact where log(z) is defined (z > 0)",
    ),
    Rewrite("exp-log-sigmoid", "exp(log_sigmoid(z))", "sigmoid(z)", ("input", "stable"), "shorter"),
    Rewrite(
        "sigmoid-complement",
        "sigmoid(-z)",
        "1 - sigmoid(z)",
        ("algebra",),
        "one atom sigmoid(z) for the algebra to cancel",
    ),
    Rewrite(
        "one-minus-sigmoid",
        "1 - sigmoid(z)",
        "sigmoid(-z)",
        ("stable",),
        "full relative precision where 1 - sigmoid(z) is tiny",
    ),
    Rewrite(
        "sigmoid-minus-one",
        "sigmoid(z) - 1",
        "-sigmoid(-z)",
        ("stable",),
        "full relative precision where sigmoid(z) - 1 is tiny",
    ),
    Rewrite(
        "tanh-derivative",
        "1 - tanh(z) ** 2",
        "sech(z) ** 2",
        ("stable",),
        "sech(z)² without cancellation: 1 - tanh(z)² rounds to 0 for |z| > 19",
    ),
    Rewrite(
        "tanh-derivative-negated",
        "tanh(z) ** 2 - 1",
        "-sech(z) ** 2",
        ("stable",),
        "the same, with the sign outside",
    ),
)


@dataclass(frozen=True)
class _Compiled:
    rule: Rewrite
    pattern: Any
    replacement: Any
    wild: frozenset[Any]


@cache
def _compiled(phase: Phase) -> tuple[_Compiled, ...]:
    out = []
    for rule in REWRITES:
        if phase not in rule.phases:
            continue
        names = {w for w in WILDCARDS if _mentions(rule.pattern, w)}
        variants = [{w: WILDCARDS[w] for w in names}]
        if names == {"z"}:  # a rule of any array is a rule of a scalar too
            variants.append({"z": ()})
        for shapes in variants:
            pattern = parse(rule.pattern, shapes).doit()
            replacement = parse(rule.replacement, shapes).doit()
            wild = frozenset(
                s
                for s in pattern.atoms(sp.MatrixSymbol, sp.Symbol)
                if str(s.name) in WILDCARDS or str(s.name) in {"p", "q"}
            )
            out.append(_Compiled(rule, pattern, replacement, wild))
    return tuple(out)


def _mentions(text: str, name: str) -> bool:
    import re

    return re.search(rf"\b{name}\b", text) is not None


Bindings = dict[Any, Any]

_COMMUTATIVE = (sp.Add, sp.Mul, sp.MatAdd, sp.HadamardProduct)


def _bind(key: Any, value: Any, b: Bindings) -> Bindings | None:
    if key in b:
        return b if b[key] == value else None
    return {**b, key: value}


def _match(p: Any, e: Any, wild: frozenset[Any], b: Bindings) -> Bindings | None:
    if p in wild:
        if isinstance(p, sp.MatrixSymbol):
            if not isinstance(e, sp.MatrixExpr):
                return None
            out: Bindings | None = b
            for pd, ed in zip(p.shape, e.shape, strict=True):
                out = _match(pd, ed, wild, out) if out is not None else None
            return _bind(p, e, out) if out is not None else None
        if str(p.name) in WILDCARDS and isinstance(e, sp.MatrixExpr):
            return None  # a scalar wildcard stands for a scalar
        return _bind(p, e, b)  # a scalar, or a dimension
    if isinstance(p, sp.MatMul) and len(p.args) == 2 and p.args[1] in wild:
        return _match_scaled(p.args[0], p.args[1], e, wild, b)
    if isinstance(p, sp.Transpose) and isinstance(e, sp.MatMul):
        # uᵀ against a product: (C y)ᵀ is written yᵀ Cᵀ
        if p.shape[0] == 1 and e.shape[0] != 1:
            return None
        return _match(p.arg, _transposed(e), wild, b)
    if isinstance(p, sp.OneMatrix | sp.ZeroMatrix | sp.Identity):
        if type(e) is not type(p):
            return None
    elif p.func != e.func:
        return None
    if not p.args:
        return b if p == e else None
    if isinstance(p, sp.MatMul) and len(e.args) > len(p.args):
        # a product is associative: A x yᵀ is (A x) yᵀ, an outer product of A x and y
        for groups in _contiguous_groups(e.args, p.args, wild):
            out = _match_all(p.args, groups, wild, b)
            if out is not None:
                return out
        return None
    if len(p.args) != len(e.args):
        return None
    if isinstance(p, _COMMUTATIVE):
        for order in permutations(e.args):
            out = _match_all(p.args, order, wild, b)
            if out is not None:
                return out
        return None
    return _match_all(p.args, e.args, wild, b)


def _contiguous_groups(
    factors: tuple[Any, ...], patterns: tuple[Any, ...], wild: frozenset[Any]
) -> Iterator[list[Any]]:
    """Every way to split `factors` (in order) into consecutive products, one per pattern.

    A group of several factors is a product, so it is offered only to a pattern that a product
    can match (a wildcard, a transposed wildcard, a product) and whose size-1 dimensions it
    has; and it is built only once every group of the split is admissible. (Building
    candidates for every product of a large result fills SymPy's caches with new keys.)

    >>> A, B, C = (sp.MatrixSymbol(n, 2, 2) for n in "ABC")
    >>> z, w = sp.MatrixSymbol("z", 2, 2), sp.MatrixSymbol("w", 2, 2)
    >>> [list(map(str, g)) for g in _contiguous_groups((A, B, C), (z, w), frozenset({z, w}))]
    [['A', 'B*C'], ['A*B', 'C']]
    """
    for cuts in combinations(range(1, len(factors)), len(patterns) - 1):
        bounds = list(pairwise((0, *cuts, len(factors))))
        if all(_admits(p, factors[i:j], wild) for p, (i, j) in zip(patterns, bounds, strict=True)):
            yield [factors[i] if j - i == 1 else sp.MatMul(*factors[i:j]) for i, j in bounds]


def _admits(pattern: Any, group: tuple[Any, ...], wild: frozenset[Any]) -> bool:
    """Whether the product of `group` could match `pattern` (see :func:`_contiguous_groups`)."""
    if len(group) == 1:
        return True
    if not (
        pattern in wild
        or isinstance(pattern, sp.MatMul)
        or (isinstance(pattern, sp.Transpose) and pattern.arg in wild)
    ):
        return False
    matrices = [f for f in group if isinstance(f, sp.MatrixExpr)]
    if not matrices or not isinstance(pattern, sp.MatrixExpr):
        return False
    rows, cols = matrices[0].shape[0], matrices[-1].shape[1]
    return bool((pattern.shape[0] != 1 or rows == 1) and (pattern.shape[1] != 1 or cols == 1))


def _transposed(product: Any) -> Any:
    """``(A B)ᵀ = Bᵀ Aᵀ``, built as it stands.

    SymPy's ``transpose`` of a product runs a deep ``doit`` of the factors: on a result that
    shares its subexpressions that walks every reference, and it runs for every product the
    matcher tries.
    """

    def transposed(a: Any) -> Any:
        if not isinstance(a, sp.MatrixExpr):
            return a  # the coefficient
        return a.arg if isinstance(a, sp.Transpose) else sp.Transpose(a)

    return sp.MatMul(*(transposed(a) for a in reversed(product.args)))


def _match_scaled(c: Any, z: Any, e: Any, wild: frozenset[Any], b: Bindings) -> Bindings | None:
    """``c * z`` (c a number) against a product with a coefficient of the same sign.

    A sum whose every term is negative (``-b - X @ w``) is ``-1 * (b + X @ w)``.
    """
    if isinstance(e, sp.MatAdd) and c.is_negative and all(_negative(t) for t in e.args):
        return _match(z, sp.MatMul(c, e).doit(), wild, b)
    if not isinstance(e, sp.MatMul):
        return None
    coeff, mats = e.as_coeff_matrices()
    ratio = coeff / c
    if not (ratio.is_number and ratio.is_positive):
        return None
    rest = sp.MatMul(*mats) if len(mats) > 1 else mats[0]
    return _match(z, rest if ratio == 1 else sp.MatMul(ratio, *mats), wild, b)


def _negative(t: Any) -> bool:
    return isinstance(t, sp.MatMul) and bool(t.as_coeff_matrices()[0].is_negative)


def _match_all(ps: Any, es: Any, wild: frozenset[Any], b: Bindings) -> Bindings | None:
    out: Bindings | None = b
    for p, e in zip(ps, es, strict=True):
        out = _match(p, e, wild, out) if out is not None else None
        if out is None:
            return None
    return out


def _match_part(rule: _Compiled, e: Any) -> tuple[Bindings, tuple[Any, ...]] | None:
    """Bindings of `rule` on `e` itself, or on some terms of a longer sum (or product) `e`;
    with the other terms."""
    b = _match(rule.pattern, e, rule.wild, {})
    if b is not None:
        return b, ()
    p = rule.pattern
    if isinstance(p, _COMMUTATIVE) and p.func == e.func and len(e.args) > len(p.args):
        for chosen in permutations(range(len(e.args)), len(p.args)):
            b = _match_all(p.args, [e.args[i] for i in chosen], rule.wild, {})
            if b is not None:
                return b, tuple(a for i, a in enumerate(e.args) if i not in chosen)
    return None


def _apply_rules(e: Any, rules: tuple[_Compiled, ...]) -> Any:
    for rule in rules:
        head = rule.pattern
        if head.func != e.func:
            continue
        found = _match_part(rule, e)
        if found is None:
            continue
        b, rest = found
        new = rule.replacement.xreplace(b).doit()
        return e.func(new, *rest) if rest else new
    return None


def rewrite(expr: Any, phase: Phase) -> Any:
    """Apply the rules of :data:`REWRITES` of one phase, bottom-up, until none applies.

    Parameters
    ----------
    expr
        A SymPy expression of the language (scalar or matrix).
    phase
        ``"input"``, ``"algebra"`` or ``"stable"``.

    Returns
    -------
    sympy.Basic
        An equal expression; `expr` itself when no rule applies.

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> from matderiv.expr.text import to_text
    >>> e = parse("1 - sigmoid(x)", {"x": ("n",)})
    >>> to_text(rewrite(e, "stable"))
    'sigmoid(-x)'
    """
    return _rewrite(expr, phase)


@cached_when_small(1024)
def _rewrite(expr: Any, phase: Phase) -> Any:
    rules = _compiled(phase)
    memo: dict[Any, Any] = {}

    def walk(e: Any, depth: int = 0) -> Any:
        if e in memo:
            return memo[e]
        out = e
        if e.args and not isinstance(e, sp.MatrixSymbol | sp.Symbol):
            args = [walk(a) for a in e.args]
            if any(a is not b for a, b in zip(args, e.args, strict=True)):
                out = e.func(*args)
        new = _apply_rules(out, rules) if depth < 8 else None
        if new is not None and new != out:
            out = walk(new, depth + 1)
        memo[e] = out
        return out

    return walk(expr)
