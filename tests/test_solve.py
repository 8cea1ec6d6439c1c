"""``solve(A, B)``: shapes, values, derivatives, and code that never forms an inverse.

Oracles: numpy's ``np.linalg.solve`` and ``np.linalg.inv`` on explicit arrays, and central
differences (``Derivative.check``).
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pytest

from matderiv import derive, derive_hessian
from matderiv.errors import NumericError, ParseError, ShapeError
from matderiv.expr import parse, to_function
from matderiv.expr.latex import to_latex

S = {"A": ("n", "n"), "b": ("n",), "c": ("n",), "B": ("n", "k"), "X": ("n", "n"), "t": ()}
INV = {"A": "invertible", "X": "invertible"}

PROBLEMS = [
    ("c @ solve(A, b)", "b"),
    ("c @ solve(A, b)", "A"),
    ("solve(A, b)", "b"),
    ("solve(A, b)", "A"),
    ("solve(A, B)", "B"),
    ("solve(A, B)", "A"),
    ("sum(solve(A, B))", "A"),
    ("trace(solve(A, X))", "X"),
    ("solve(A + t * eye(n), b)", "t"),
    ("solve(X, X @ b)", "X"),
    ("solve(A, b) @ solve(A, b)", "A"),
    ("solve(A.T, solve(A, b)) @ c", "A"),
]


def _arrays(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n, k = 4, 3
    return {
        "A": rng.standard_normal((n, n)) + n * np.eye(n),
        "X": rng.standard_normal((n, n)) + n * np.eye(n),
        "b": rng.standard_normal(n),
        "c": rng.standard_normal(n),
        "B": rng.standard_normal((n, k)),
        "t": 0.3,
    }


def _run(source: str, **arrays: Any) -> Any:
    name = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)][-1].name
    scope: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), scope)  # noqa: S102 - our own generated code
    return scope[name](**arrays)


def test_value_is_numpys_solve() -> None:
    v = _arrays(0)
    got = to_function("solve(A, B)", S)(A=v["A"], B=v["B"])
    np.testing.assert_allclose(got, np.linalg.solve(v["A"], v["B"]), rtol=1e-12)
    got = to_function("solve(A, b)", S)(A=v["A"], b=v["b"])
    assert got.shape == (4,)
    np.testing.assert_allclose(got, np.linalg.inv(v["A"]) @ v["b"], rtol=1e-10)


@pytest.mark.parametrize(("expr", "wrt"), PROBLEMS, ids=[f"d({e})/d{w}" for e, w in PROBLEMS])
def test_derivative_checks_and_its_code_solves(expr: str, wrt: str) -> None:
    d = derive(expr, wrt, S, INV)
    assert d.check(seed=2), d.check(seed=2)
    source = d.numpy_source()
    assert "np.linalg.solve(" in source
    assert "inv(" not in source, source  # the expression says solve: no inverse is formed
    v = _arrays(1)
    args = {k: v[k] for k in d.args}
    got = np.asarray(_run(source, **args))
    if d.form != "vec":
        np.testing.assert_allclose(got, d.evaluate(**args), rtol=1e-10, atol=1e-12)
    parse(d.text(inline=True), S)  # the printed result is in the language


def test_hessian_checks_and_solves() -> None:
    h = derive_hessian("c @ solve(A, b) + b @ solve(A, b)", "b", S, INV)
    assert h.check(seed=0)
    assert "inv(" not in h.numpy_source()


def test_gradients_against_explicit_formulas() -> None:
    v = _arrays(3)
    a, b, c = v["A"], v["b"], v["c"]
    ai = np.linalg.inv(a)
    g_b = derive("c @ solve(A, b)", "b", S, INV).evaluate(A=a, b=b, c=c)
    np.testing.assert_allclose(g_b, ai.T @ c, rtol=1e-10)
    g_a = derive("c @ solve(A, b)", "A", S, INV).evaluate(A=a, b=b, c=c)
    np.testing.assert_allclose(g_a, -np.outer(ai.T @ c, ai @ b), rtol=1e-10)


def test_text_and_latex() -> None:
    e = parse("solve(A + X, B)", S)
    assert to_latex(e) == r"\left(A + X\right)^{-1} B"
    assert to_latex(parse("solve(A.T, b)", S)) == r"A^{-\top} b"
    d = derive("c @ solve(A, b)", "b", S, INV)
    assert d.text() == "solve(A.T, c)"


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("solve(B, b)", ShapeError, "square"),
        ("solve(A, ones(3))", ShapeError, "as many rows"),
        ("solve(A, t)", ShapeError, "as many rows"),
        ("solve(A)", ParseError, "takes 2 arguments"),
        ("solve(zeros((n, n)), b)", ParseError, "identically zero"),
    ],
)
def test_bad_arguments_are_refused(text: str, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        parse(text, S)


def test_a_singular_matrix_is_reported_by_name() -> None:
    d = derive("c @ solve(A, b)", "A", S)
    v = _arrays(0)
    with pytest.raises(NumericError, match=r"cannot be evaluated at these arrays: A .*singular"):
        d.evaluate(A=np.zeros((4, 4)), b=v["b"], c=v["c"])
