"""Generated numpy code computes what the expression says (explicit numpy oracles)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from matderiv.errors import ShapeError
from matderiv.expr import numpy_source, to_function

SHAPES = {
    "x": ("n",),
    "y": ("m",),
    "A": ("n", "n"),
    "X": ("m", "n"),
    "W": ("m", "n"),
    "b": ("m",),
    "c": (),
}


def _values(seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    m, n = 4, 3
    return {
        "x": rng.standard_normal(n),
        "y": rng.standard_normal(m),
        "A": rng.standard_normal((n, n)) + 3 * np.eye(n),
        "X": rng.standard_normal((m, n)),
        "W": rng.standard_normal((m, n)),
        "b": rng.standard_normal(m),
        "c": 1.7,
    }


def _sigmoid(z: Any) -> Any:
    return 1 / (1 + np.exp(-z))


V = dict[str, Any]
CASES: list[tuple[str, Callable[[V], Any]]] = [
    ("x.T @ A @ x", lambda v: v["x"] @ v["A"] @ v["x"]),
    ("x @ A", lambda v: v["x"] @ v["A"]),
    ("y @ np.tanh(W @ x + b)", lambda v: v["y"] @ np.tanh(v["W"] @ v["x"] + v["b"])),
    ("np.linalg.slogdet(A)[1]", lambda v: np.log(abs(np.linalg.det(v["A"])))),
    ("logdet(A) + det(A)", lambda v: np.log(abs(np.linalg.det(v["A"]))) + np.linalg.det(v["A"])),
    ("trace(inv(A) @ A.T)", lambda v: np.trace(np.linalg.inv(v["A"]) @ v["A"].T)),
    ("c * A + 1", lambda v: v["c"] * v["A"] + 1),
    ("1 - c / x", lambda v: 1 - v["c"] / v["x"]),
    ("x / c + x ** 2", lambda v: v["x"] / v["c"] + v["x"] ** 2),
    (
        "sum(np.log(1 + np.exp(-y * (X @ x))))",
        lambda v: np.sum(np.log(1 + np.exp(-v["y"] * (v["X"] @ v["x"])))),
    ),
    ("np.maximum(W @ x, 0)", lambda v: np.maximum(v["W"] @ v["x"], 0)),
    ("np.maximum(0, W @ x)", lambda v: np.maximum(v["W"] @ v["x"], 0)),
    ("matrix_power(A, 3)", lambda v: np.linalg.matrix_power(v["A"], 3)),
    ("matrix_power(A, -2)", lambda v: np.linalg.matrix_power(np.linalg.inv(v["A"]), 2)),
    ("eye(n) + A", lambda v: np.eye(3) + v["A"]),
    ("ones(n) @ x", lambda v: np.sum(v["x"])),
    ("ones((m, n)) * X", lambda v: v["X"]),
    ("diag(x) @ A", lambda v: np.diag(v["x"]) @ v["A"]),
    ("A @ diag(x) @ A", lambda v: v["A"] @ np.diag(v["x"]) @ v["A"]),
    ("diag(A)", lambda v: np.diag(v["A"])),
    ("outer(y, x)", lambda v: np.outer(v["y"], v["x"])),
    ("softmax(x)", lambda v: np.exp(v["x"]) / np.sum(np.exp(v["x"]))),
    ("logsumexp(X)", lambda v: np.log(np.sum(np.exp(v["X"])))),
    ("norm(x) + norm(X)", lambda v: np.linalg.norm(v["x"]) + np.linalg.norm(v["X"])),
    ("sigmoid(X @ x) * y", lambda v: _sigmoid(v["X"] @ v["x"]) * v["y"]),
    ("softplus(x) + np.sqrt(np.exp(x))", lambda v: np.log1p(np.exp(v["x"])) + np.exp(v["x"] / 2)),
    ("np.sin(A) - np.cos(A.T)", lambda v: np.sin(v["A"]) - np.cos(v["A"].T)),
    ("x @ x * (A @ x)", lambda v: (v["x"] @ v["x"]) * (v["A"] @ v["x"])),
    ("np.exp(c) * c ** 2 - np.tanh(c)", lambda v: np.exp(v["c"]) * v["c"] ** 2 - np.tanh(v["c"])),
    ("sigmoid(c) + sum(X) / c", lambda v: _sigmoid(v["c"]) + np.sum(v["X"]) / v["c"]),
    ("kron(A, X)", lambda v: np.kron(v["A"], v["X"])),
    ("kron(x, y)", lambda v: np.kron(v["x"], v["y"])),
    ("kron(x, X)", lambda v: np.kron(v["x"], v["X"])),
    ("kron(X, y) + 1", lambda v: np.kron(v["X"], v["y"]) + 1),
    ("kron(X.T, x).T", lambda v: np.kron(v["X"].T, v["x"]).T),
    ("vec(X)", lambda v: v["X"].reshape(-1, order="F")),
    ("commutation(m, n) @ vec(X)", lambda v: v["X"].T.reshape(-1, order="F")),
    ("commutation(n, m) @ kron(A, X)", lambda v: _commutation(3, 4) @ np.kron(v["A"], v["X"])),
]


def _commutation(m: int, n: int) -> Any:
    """The commutation matrix by its definition, entry by entry (an oracle for the codegen)."""
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0  # vec(Xᵀ)[i n + j] = Xᵀ[j, i] = X[i, j] = vec(X)[j m + i]
    return k


@pytest.mark.parametrize(("text", "oracle"), CASES, ids=[c[0] for c in CASES])
def test_function_matches_numpy(text: str, oracle: Callable[[V], Any]) -> None:
    values = _values()
    got = to_function(text, SHAPES)(**values)
    want = np.asarray(oracle(values))
    assert got.shape == want.shape
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("text", "oracle"), CASES[:12], ids=[c[0] for c in CASES[:12]])
def test_source_defines_the_same_function(text: str, oracle: Callable[[V], Any]) -> None:
    values = _values(1)
    source = numpy_source(text, SHAPES, name="generated")
    namespace: dict[str, Any] = {}
    # the generated text is our own output (not user text): running it is the test
    exec(compile(source, "<generated>", "exec"), namespace)  # noqa: S102
    got = namespace["generated"](**{k: values[k] for k in to_function(text, SHAPES).arg_names})
    assert np.allclose(got, oracle(values), rtol=1e-12, atol=1e-12)


def test_shared_subexpressions_are_computed_once() -> None:
    source = numpy_source("sigmoid(X @ x) * sigmoid(X @ x) + X @ x", SHAPES)
    assert source.count("X @ x") == 1


def test_wrong_array_shapes_are_reported() -> None:
    f = to_function("A @ x", SHAPES)
    with pytest.raises(ShapeError, match="does not fit its declared shape"):
        f(A=np.eye(3), x=np.ones(4))
    with pytest.raises(ShapeError, match="missing argument"):
        f(A=np.eye(3))
    with pytest.raises(ShapeError, match="declared with shape"):
        f(A=np.eye(3), x=np.ones((3, 1)))


def test_integer_and_complex_inputs() -> None:
    f = to_function("x.T @ A @ x", SHAPES)
    assert float(f(x=np.array([1, 2, 3]), A=np.eye(3, dtype=int))) == 14.0
    z = f(x=np.array([1.0, 0, 0]) + 1e-20j, A=np.eye(3))
    assert np.iscomplexobj(z)
    assert np.isclose(z.imag, 2e-20)


def test_a_dimension_used_as_a_number() -> None:
    # ones(n) @ ones(n) is n: the size comes from the arrays
    f = to_function("x * (ones(n) @ ones(n)) + sum(ones(n))", {"x": ("n",)})
    assert np.allclose(f(x=np.array([1.0, 2.0, 3.0])), [6.0, 9.0, 12.0])


@pytest.mark.parametrize(
    "weights",
    [
        np.array([0.5, 0.1, 0.2, 0.25, 0.01]),  # all positive: one symmetric product
        np.array([0.5, -0.1, 0.0, 0.25, -3.0]),  # mixed signs and a zero
        np.array([0.5, np.nan, 0.2, 0.25, 0.01]),  # NaN must propagate, not be dropped
        np.array([0.5, 0.1j, 0.2, 0.25, 0.01]),  # complex (the complex-step method)
    ],
)
def test_weighted_gram_is_the_plain_product(weights: Any) -> None:
    """Aᵀ diag(w) A is generated as a symmetric rank-k update; compare with the plain product."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((5, 3))
    f = to_function("A.T @ diag(w) @ A", {"A": ("m", "n"), "w": ("m",)})
    assert "_weighted_gram" in f.source
    want = A.T @ np.diag(weights) @ A
    got = f(A=A, w=weights)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)
    scaled = to_function("-2 * A.T @ diag(w) @ A", {"A": ("m", "n"), "w": ("m",)})
    assert np.allclose(scaled(A=A, w=weights), -2 * want, rtol=1e-12, atol=1e-12, equal_nan=True)
