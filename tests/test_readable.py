"""Readable results: derivatives printed in the form a person writes.

Each curated problem has a textbook form of its derivative, written in the language. The
printed result must

1. parse back (:func:`matderiv.expr.parse_typed`) with the problem's shapes;
2. compute the same numbers as the textbook form at random inputs (both through
   :func:`matderiv.expr.to_function`, and the result's own :meth:`Derivative.evaluate`);
3. be no larger than the textbook form plus :data:`MARGIN` expression nodes, counted on
   the Python syntax tree of the text (names, constants, calls, operators; load contexts
   not counted).

``test_node_ratio_summary`` reports the median and the worst ratio of printed to textbook
node counts and holds them to :data:`MEDIAN_RATIO` and :data:`WORST_RATIO`.
"""

from __future__ import annotations

import ast
import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import matderiv
from matderiv.expr import parse_typed, to_function

#: Extra expression nodes a printed result may have over its textbook form.
MARGIN = 4
MEDIAN_RATIO = 1.0
WORST_RATIO = 1.25

SIZES = {"m": 4, "n": 3, "k": 5}
POSITIVE = {"p", "s"}  # entries drawn in (0.5, 2): log and division need them
SPD = {"A", "P", "S"}  # square matrices drawn symmetric positive definite


@dataclass(frozen=True)
class Problem:
    expr: str
    wrt: str
    shapes: dict[str, Any]
    textbook: str
    hessian: bool = False


LOGISTIC = {"X": ("m", "n"), "w": "n", "y": "m"}
SOFTMAX = {"W": ("k", "n"), "x": "n", "y": "k"}
VEC = {"x": "n"}
VEC2 = {"x": "n", "y": "n"}
MAT = {"X": ("n", "n")}
NET = {"u": "k", "W": ("k", "n"), "x": "n", "b": "k"}
CE = "-sum(y * log(sigmoid(X @ w)) + (1 - y) * log(1 - sigmoid(X @ w)))"

PROBLEMS = [
    # the examples
    Problem("sum(log(sigmoid(y * (X @ w))))", "w", LOGISTIC,
            "X.T @ (y * sigmoid(-y * (X @ w)))"),
    Problem("sum(log(1 + exp(x)))", "x", VEC, "sigmoid(x)"),
    Problem(CE, "w", LOGISTIC, "X.T @ (sigmoid(X @ w) - y)"),
    Problem("-y @ log(softmax(W @ x))", "W", SOFTMAX, "outer(sum(y) * softmax(W @ x) - y, x)"),
    Problem("sum(cos(x) * sin(x))", "x", VEC, "cos(x) ** 2 - sin(x) ** 2"),
    Problem("-0.5 * (x - mu) @ P @ (x - mu) + 0.5 * logdet(P)", "P",
            {"x": "n", "mu": "n", "P": ("n", "n")}, "0.5 * inv(P).T - 0.5 * outer(x - mu, x - mu)"),
    Problem("kron(x, y)", "x", VEC2, "kron(eye(n), y).T"),
    Problem("sum(sqrt(s))", "s", {"s": "n"}, "0.5 / sqrt(s)"),
    # logistic and softmax families
    Problem("-sum(y * log(sigmoid(X @ w + b)) + (1 - y) * log(1 - sigmoid(X @ w + b)))", "b",
            {**LOGISTIC, "b": "m"}, "sigmoid(X @ w + b) - y"),
    Problem("-sum(y * log(1 / (1 + exp(-X @ w))) + (1 - y) * log(1 - 1 / (1 + exp(-X @ w))))",
            "w", LOGISTIC, "X.T @ (sigmoid(X @ w) - y)"),
    Problem("-sum(log(1 + exp(-y * (X @ w))))", "w", LOGISTIC,
            "X.T @ (y * sigmoid(-y * (X @ w)))"),
    Problem("-y @ log(softmax(W @ x))", "x", SOFTMAX, "W.T @ (sum(y) * softmax(W @ x) - y)"),
    Problem("-y @ log(exp(W @ x) / sum(exp(W @ x)))", "W", SOFTMAX,
            "outer(sum(y) * softmax(W @ x) - y, x)"),
    Problem("y @ log_softmax(x)", "x", VEC2, "y - sum(y) * softmax(x)"),
    Problem("logsumexp(x)", "x", VEC, "softmax(x)"),
    Problem("log(sum(exp(x)))", "x", VEC, "softmax(x)"),
    Problem("logsumexp(W @ x)", "x", SOFTMAX, "W.T @ softmax(W @ x)"),
    Problem("sum(log_sigmoid(x))", "x", VEC, "sigmoid(-x)"),
    Problem("sum(log(sigmoid(x)))", "x", VEC, "sigmoid(-x)"),
    Problem("sum(softplus(x))", "x", VEC, "sigmoid(x)"),
    Problem("sum(log(1 - sigmoid(x)))", "x", VEC, "-sigmoid(x)"),
    Problem("sum(exp(x) / sum(exp(x)) * y)", "x", VEC2,
            "softmax(x) * y - softmax(x) * (softmax(x) @ y)"),
    Problem("softmax(x)", "x", VEC, "diag(softmax(x)) - outer(softmax(x), softmax(x))"),
    Problem("log_softmax(x)", "x", VEC, "eye(n) - outer(ones(n), softmax(x))"),
    Problem("sigmoid(x)", "x", VEC, "diag(sigmoid(x) * (1 - sigmoid(x)))"),
    Problem("logsumexp(x)", "x", VEC, "diag(softmax(x)) - outer(softmax(x), softmax(x))",
            hessian=True),
    Problem(CE, "w", LOGISTIC, "X.T @ diag(sigmoid(X @ w) * (1 - sigmoid(X @ w))) @ X",
            hessian=True),
    # networks
    Problem("u @ sigmoid(W @ x + b)", "b", NET,
            "u * sigmoid(W @ x + b) * (1 - sigmoid(W @ x + b))"),
    Problem("u @ sigmoid(W @ x + b)", "W", NET,
            "outer(u * sigmoid(W @ x + b) * (1 - sigmoid(W @ x + b)), x)"),
    Problem("u @ tanh(W @ x)", "W", NET, "outer(u * (1 - tanh(W @ x) ** 2), x)"),
    Problem("sum(tanh(x))", "x", VEC, "1 - tanh(x) ** 2"),
    # Gaussians and least squares
    Problem("sum(log(exp(-0.5 * (x - mu) ** 2)))", "mu", {"x": "n", "mu": "n"}, "x - mu"),
    Problem("-0.5 * (x - mu) @ P @ (x - mu)", "mu", {"x": "n", "mu": "n", "P": ("n", "n")},
            "0.5 * (P + P.T) @ (x - mu)"),
    Problem("sum((A @ x - b) ** 2)", "x", {"A": ("n", "n"), "x": "n", "b": "n"},
            "2 * A.T @ (A @ x - b)"),
    Problem("0.5 * sum((X @ w - y) ** 2) + 0.5 * lam * w @ w", "w", {**LOGISTIC, "lam": ()},
            "X.T @ (X @ w - y) + lam * w"),
    # elementary and matrix calculus
    Problem("sum(exp(x))", "x", VEC, "exp(x)"),
    Problem("sum(log(s))", "s", {"s": "n"}, "1 / s"),
    Problem("y @ log(p)", "p", {"p": "n", "y": "n"}, "y / p"),
    Problem("x @ x", "x", VEC, "2 * x"),
    Problem("norm(x)", "x", VEC, "x / norm(x)"),
    Problem("x @ A @ x", "x", {"x": "n", "A": ("n", "n")}, "(A + A.T) @ x"),
    Problem("sum(abs(x))", "x", VEC, "sign(x)"),
    Problem("trace(A @ X)", "X", {"A": ("n", "n"), "X": ("n", "n")}, "A.T"),
    Problem("logdet(X)", "X", MAT, "inv(X).T"),
    Problem("det(X)", "X", MAT, "det(X) * inv(X).T"),
    Problem("trace(X.T @ A @ X)", "X", {"A": ("n", "n"), "X": ("n", "n")}, "(A + A.T) @ X"),
    Problem("exp(x)", "x", VEC, "diag(exp(x))"),
    Problem("A @ x", "x", {"x": "n", "A": ("m", "n")}, "A"),
    Problem("diag(outer(x, y))", "x", VEC2, "diag(y)"),
    # the two signs of -1 * (sin(y) ∘ (-Xᵀ1)) cancel: not "--sin(y) * ..."
    Problem("-ones(m) @ X @ cos(y)", "y", {"X": ("m", "n"), "y": "n"}, "sin(y) * (X.T @ ones(m))"),
    # a pattern inside a longer product: outer(A @ x, y) is the product A x yᵀ
    Problem("B @ diag(outer(A @ x, y))", "x", {"B": ("m", "n"), "A": ("n", "n"), **VEC2},
            "B @ diag(y) @ A"),
    Problem("sum(diag(outer(A @ x, C @ y)))", "x",
            {"A": ("n", "n"), "C": ("n", "n"), **VEC2}, "A.T @ C @ y"),
]  # fmt: skip


def nodes(text: str) -> int:
    """Expression nodes of `text`: its Python syntax tree without the load contexts."""
    tree = ast.parse(text, mode="eval").body
    return sum(1 for n in ast.walk(tree) if not isinstance(n, ast.expr_context))


def inputs(problem: Problem, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {}
    for name, shape in problem.shapes.items():
        dims = (shape,) if isinstance(shape, str) else tuple(shape)
        size = tuple(SIZES[d] for d in dims)
        if name in SPD and len(size) == 2 and size[0] == size[1]:
            b = rng.standard_normal(size)
            out[name] = b @ b.T + size[0] * np.eye(size[0])
        elif name in POSITIVE:
            out[name] = rng.uniform(0.5, 2.0, size)
        else:
            out[name] = rng.standard_normal(size) if size else float(rng.standard_normal())
    if "X" in out and out["X"].shape[0] == out["X"].shape[1] and "A" not in problem.shapes:
        out["X"] = out["X"] + 4 * np.eye(out["X"].shape[0])  # inv, det and logdet defined
    return out


_DERIVED: dict[int, matderiv.Derivative] = {}


def derived(i: int) -> matderiv.Derivative:
    if i not in _DERIVED:
        p = PROBLEMS[i]
        how = matderiv.derive_hessian if p.hessian else matderiv.derive
        _DERIVED[i] = how(p.expr, p.wrt, p.shapes)
    return _DERIVED[i]


def _call(f: Any, values: dict[str, Any]) -> Any:
    sizes = {d: v for d, v in SIZES.items() if d in f.arg_names}
    return np.asarray(f(**{k: values[k] for k in f.arg_names if k in values}, **sizes))


IDS = [f"{i}-{p.expr}-by-{p.wrt}{'-hessian' if p.hessian else ''}" for i, p in enumerate(PROBLEMS)]


@pytest.mark.parametrize("i", range(len(PROBLEMS)), ids=IDS)
def test_result_reads_back_equals_the_textbook_and_is_as_short(i: int) -> None:
    problem = PROBLEMS[i]
    d = derived(i)
    text = d.text()
    parsed = parse_typed(text, problem.shapes)  # in the language
    printed = to_function(text, problem.shapes)
    textbook = to_function(problem.textbook, problem.shapes)
    for seed in (0, 1):
        values = inputs(problem, seed)
        want = _call(textbook, values)
        assert np.allclose(_call(printed, values), want, rtol=1e-9, atol=1e-12), text
        got = np.asarray(d.evaluate(**{k: v for k, v in values.items() if k in d.args}))
        assert np.allclose(got.reshape(want.shape), want, rtol=1e-9, atol=1e-12), text
    assert len(parsed.shape) == np.ndim(want)
    assert nodes(text) <= nodes(problem.textbook) + MARGIN, (text, problem.textbook)


def test_node_ratio_summary() -> None:
    ratios = [nodes(derived(i).text()) / nodes(p.textbook) for i, p in enumerate(PROBLEMS)]
    median, worst = statistics.median(ratios), max(ratios)
    print(f"readability: {len(ratios)} problems, median node ratio {median:.2f}, "
          f"worst {worst:.2f}")  # fmt: skip
    assert len(PROBLEMS) >= 40
    assert median <= MEDIAN_RATIO, median
    assert worst <= WORST_RATIO, worst


PRODUCTS = [
    "diag(outer(A @ x, y))",
    "diag(outer(A @ B @ x, C @ y))",
    "diag(outer(x, C @ B @ y))",
    "B @ diag(outer(A @ (x + y), C.T @ y)) + x",
    "sum(diag(outer(A @ x, y)) * diag(outer(x, B @ y)))",
]


@pytest.mark.parametrize("text", PRODUCTS)
def test_a_rule_matches_inside_a_longer_product(text: str) -> None:
    # outer(u, v) is u vᵀ; with u = A x it is the flat product A x yᵀ, and the rule
    # diag(outer(v, u)) -> v * u must see the grouping (A x)(yᵀ), or (C y)ᵀ in yᵀ Cᵀ
    from matderiv.expr.text import to_text
    from matderiv.symbolic.rewrite import rewrite

    shapes: dict[str, Any] = {"A": ("n", "n"), "B": ("n", "n"), "C": ("n", "n"), **VEC2}
    rewritten = to_text(rewrite(parse_typed(text, shapes).expr, "input"))
    assert "outer" not in rewritten, rewritten
    rng = np.random.default_rng(7)
    arrays = {k: rng.standard_normal((3, 3) if len(v) == 2 else 3) for k, v in shapes.items()}
    before, after = to_function(text, shapes), to_function(rewritten, shapes)
    np.testing.assert_allclose(
        after(**{k: arrays[k] for k in after.arg_names}),
        before(**{k: arrays[k] for k in before.arg_names}),
        rtol=1e-12,
    )


def test_products_that_cannot_match_are_not_built() -> None:
    # a candidate group of factors is a new SymPy object; building one for every product of a
    # large result filled SymPy's caches (evaluating the nested-softmax Hessian at depth 20
    # went from 0.3 s to 165 s). Only groups a pattern could match are built.
    import sympy as sp

    from matderiv.symbolic.rewrite import _compiled, _contiguous_groups

    softmax_rule = next(c for c in _compiled("input") if c.rule.name == "softmax")
    c, n = sp.Symbol("c"), sp.Symbol("n")
    A, B, C = (sp.MatrixSymbol(name, n, n) for name in "ABC")
    pattern = softmax_rule.pattern  # (1 / sum(exp(v))) * exp(v): a scalar and an exp
    assert list(_contiguous_groups((c, A, B, C), pattern.args, softmax_rule.wild)) == []
    outer_rule = next(c for c in _compiled("input") if c.rule.name == "diagonal-of-outer")
    product = outer_rule.pattern.args[0]  # v uᵀ: a column, then a row
    x, y = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("y", n, 1)
    splits = list(_contiguous_groups((A, x, y.T, B), product.args, outer_rule.wild))
    assert [[str(g) for g in split] for split in splits] == [["A*x", "y.T*B"]]
