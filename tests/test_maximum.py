"""``maximum(A, B)`` of two arrays and the tie conventions of ``maximum``, ``relu``, ``abs``.

Oracles: ``np.maximum`` on explicit arrays, central differences away from ties (the
maximum is differentiable there), and the stated convention at ties, entry by entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matderiv import derive
from matderiv.errors import ParseError, ShapeError
from matderiv.expr import parse, to_function

S = {"x": ("n",), "y": ("n",), "A": ("n", "n"), "c": (), "X": ("m", "n"), "Y": ("m", "n")}


def _arrays(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal(4),
        "y": rng.standard_normal(4),
        "A": rng.standard_normal((4, 4)),
        "c": 0.25,
        "X": rng.standard_normal((3, 4)),
        "Y": rng.standard_normal((3, 4)),
    }


def test_value_is_numpys_maximum() -> None:
    v = _arrays(0)
    np.testing.assert_array_equal(
        to_function("maximum(X, Y)", S)(X=v["X"], Y=v["Y"]), np.maximum(v["X"], v["Y"])
    )
    np.testing.assert_array_equal(
        to_function("maximum(x, c)", S)(x=v["x"], c=v["c"]), np.maximum(v["x"], v["c"])
    )
    np.testing.assert_array_equal(
        to_function("maximum(c, x)", S)(x=v["x"], c=v["c"]), np.maximum(v["c"], v["x"])
    )


PROBLEMS = [
    ("maximum(x, y)", "x"),
    ("maximum(x, y)", "y"),
    ("sum(maximum(A @ x, y))", "x"),
    ("maximum(x, c)", "c"),
    ("sum(maximum(X, Y) * X)", "X"),
    ("maximum(2 * x, y) @ x", "x"),
]


@pytest.mark.parametrize(("expr", "wrt"), PROBLEMS, ids=[f"d({e})/d{w}" for e, w in PROBLEMS])
def test_derivative_off_ties_agrees_with_differences(expr: str, wrt: str) -> None:
    d = derive(expr, wrt, S)
    assert d.check(seed=4), d.check(seed=4)
    parse(d.text(inline=True), S)


def test_at_a_tie_the_derivative_follows_the_second_argument() -> None:
    x = np.array([1.0, 2.0, -3.0, 0.5])
    y = np.array([1.0, 0.0, -3.0, 4.0])  # ties at entries 0 and 2
    by_x = derive("maximum(x, y)", "x", S).evaluate(x=x, y=y)
    by_y = derive("maximum(x, y)", "y", S).evaluate(x=x, y=y)
    np.testing.assert_array_equal(np.diag(by_x), [0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(np.diag(by_y), [1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(by_x + by_y, np.eye(4))  # the two shares add up to one


def test_relu_and_abs_at_zero() -> None:
    x = np.array([-1.0, 0.0, 2.0])
    relu = derive("relu(x)", "x", S).evaluate(x=x)
    np.testing.assert_array_equal(np.diag(relu), [0.0, 0.0, 1.0])  # step(0) = 0
    same = derive("maximum(x, 0)", "x", S).evaluate(x=x)
    np.testing.assert_array_equal(same, relu)
    np.testing.assert_array_equal(
        np.diag(derive("abs(x)", "x", S).evaluate(x=x)),
        [-1.0, 0.0, 1.0],  # sign(0) = 0
    )


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("maximum(x, X)", ShapeError, "one shape"),
        ("maximum(x)", ParseError, "two arguments"),
    ],
)
def test_bad_arguments_are_refused(text: str, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        parse(text, S)
