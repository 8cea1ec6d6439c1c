"""Batched models as numpy users write them: broadcasting and reductions along an axis.

Each problem is a loss in the language and the same loss in plain numpy (the oracle);
the derived gradient must equal central differences of the numpy loss, and its printed
text must parse back and compute the same array.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from latex_check import PDFLATEX, compile_formulas, structure_errors

from matderiv import derive, derive_hessian
from matderiv.errors import BroadcastError, MatderivError, ParseError, ShapeError
from matderiv.expr import parse_typed, to_function

Array = npt.NDArray[np.float64]

SIZES = {"N": 5, "d": 3, "h": 4, "k": 2, "c": 3}


def _logsumexp(z: Array, axis: int) -> Array:
    top = z.max(axis=axis, keepdims=True)
    out: Array = np.squeeze(top, axis) + np.log(np.exp(z - top).sum(axis=axis))
    return out


def _log_softmax(z: Array, axis: int) -> Array:
    return z - np.expand_dims(_logsumexp(z, axis), axis)


def _one_hot(rng: np.random.Generator, classes: int, count: int, axis: int) -> Array:
    y = np.eye(classes)[rng.integers(0, classes, count)]  # (count, classes): rows
    return y if axis == 1 else y.T


@dataclass(frozen=True)
class Problem:
    name: str
    text: str
    shapes: dict[str, tuple[str, ...]]
    loss: Callable[..., float]
    wrt: tuple[str, ...]
    labels: dict[str, int] | None = None  # name -> axis of one-hot classes


PROBLEMS = [
    Problem(
        "linear regression, rows as samples",
        "sum((X @ w + b - y) ** 2) / N",
        {"X": ("N", "d"), "w": ("d",), "b": (), "y": ("N",)},
        lambda X, w, b, y: np.sum((X @ w + b - y) ** 2) / X.shape[0],
        ("w", "b"),
    ),
    Problem(
        "multi-output linear regression, a bias per output",
        "sum((X @ W + b - Y) ** 2)",
        {"X": ("N", "d"), "W": ("d", "k"), "b": ("k",), "Y": ("N", "k")},
        lambda X, W, b, Y: np.sum((X @ W + b - Y) ** 2),
        ("W", "b"),
    ),
    Problem(
        "logistic regression, rows as samples",
        "sum(np.log(1 + np.exp(X @ w + b)) - y * (X @ w + b)) / N",
        {"X": ("N", "d"), "w": ("d",), "b": (), "y": ("N",)},
        lambda X, w, b, y: np.sum(np.log1p(np.exp(X @ w + b)) - y * (X @ w + b)) / X.shape[0],
        ("w", "b"),
    ),
    Problem(
        "batched MLP with tanh, rows as samples",
        "sum((tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2) / N",
        {
            "X": ("N", "d"),
            "W1": ("d", "h"),
            "b1": ("h",),
            "W2": ("h", "k"),
            "b2": ("k",),
            "Y": ("N", "k"),
        },
        lambda X, W1, b1, W2, b2, Y: np.sum((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2) / X.shape[0],
        ("W1", "b1", "W2", "b2"),
    ),
    Problem(
        "batched MLP with relu, a bias as an explicit row",
        "mean((relu(X @ W1 + b1[None, :]) @ W2 + b2.reshape(1, -1) - Y) ** 2)",
        {
            "X": ("N", "d"),
            "W1": ("d", "h"),
            "b1": ("h",),
            "W2": ("h", "k"),
            "b2": ("k",),
            "Y": ("N", "k"),
        },
        lambda X, W1, b1, W2, b2, Y: np.mean(
            (np.maximum(X @ W1 + b1[None, :], 0) @ W2 + b2.reshape(1, -1) - Y) ** 2
        ),
        ("W1", "b1", "W2", "b2"),
    ),
    Problem(
        "softmax cross-entropy, rows as samples, one-hot labels",
        "-sum(Y * log_softmax(X @ W + b, axis=1)) / N",
        {"X": ("N", "d"), "W": ("d", "c"), "b": ("c",), "Y": ("N", "c")},
        lambda X, W, b, Y: -np.sum(Y * _log_softmax(X @ W + b, 1)) / X.shape[0],
        ("W", "b"),
        labels={"Y": 1},
    ),
    Problem(
        "two-layer softmax network, columns as samples",
        "-sum(Y * log_softmax(W2 @ tanh(W1 @ X + b1[:, None]) + b2[:, None], axis=0)) / N",
        {
            "W1": ("h", "d"),
            "b1": ("h",),
            "W2": ("c", "h"),
            "b2": ("c",),
            "X": ("d", "N"),
            "Y": ("c", "N"),
        },
        lambda W1, b1, W2, b2, X, Y: (
            -np.sum(Y * _log_softmax(W2 @ np.tanh(W1 @ X + b1[:, None]) + b2[:, None], 0))
            / X.shape[1]
        ),
        ("W1", "b1", "W2", "b2"),
        labels={"Y": 0},
    ),
    Problem(
        "cross-entropy written with logsumexp and a column of biases",
        "np.sum(logsumexp(W @ X + b.reshape(-1, 1), axis=0)"
        " - (Y * (W @ X + b[:, np.newaxis])).sum(0))",
        {"W": ("c", "d"), "b": ("c",), "X": ("d", "N"), "Y": ("c", "N")},
        lambda W, b, X, Y: np.sum(
            _logsumexp(W @ X + b[:, None], 0) - (Y * (W @ X + b[:, None])).sum(0)
        ),
        ("W", "b"),
        labels={"Y": 0},
    ),
    Problem(
        "softmax probabilities along the rows",
        "sum(T * softmax(X @ W, axis=-1) ** 2)",
        {"X": ("N", "d"), "W": ("d", "c"), "T": ("N", "c")},
        lambda X, W, T: np.sum(T * np.exp(_log_softmax(X @ W, 1)) ** 2),
        ("W",),
    ),
    Problem(
        "batch normalisation: mean and variance over the batch",
        "sum(G * (X - X.mean(axis=0)) / np.sqrt(((X - X.mean(axis=0)) ** 2).mean(axis=0) + 0.5))",
        {"X": ("N", "d"), "G": ("N", "d")},
        lambda X, G: np.sum(
            G * (X - X.mean(axis=0)) / np.sqrt(((X - X.mean(axis=0)) ** 2).mean(axis=0) + 0.5)
        ),
        ("X",),
    ),
    Problem(
        "batch mean and variance, keepdims",
        "sum(U @ X.mean(axis=0, keepdims=True).T)"
        " + sum(((X - X.mean(0, keepdims=True)) ** 2).sum(axis=0) * v)",
        {"X": ("N", "d"), "U": ("k", "d"), "v": ("d",)},
        lambda X, U, v: (
            np.sum(U @ X.mean(axis=0, keepdims=True).T)
            + np.sum(((X - X.mean(0, keepdims=True)) ** 2).sum(axis=0) * v)
        ),
        ("X", "U", "v"),
    ),
    Problem(
        "row norms and a column sum as a method",
        "sum(norm(X, axis=1) * a) + X.sum(axis=1, keepdims=True).sum() + sum(X / s[:, None])",
        {"X": ("N", "d"), "a": ("N",), "s": ("N",)},
        lambda X, a, s: (
            np.sum(np.linalg.norm(X, axis=1) * a)
            + X.sum(axis=1, keepdims=True).sum()
            + np.sum(X / s[:, None])
        ),
        ("X", "s"),
    ),
    Problem(
        "an outer sum of a column and a row",
        "sum(tanh(p[:, None] + q[None, :]) * C)",
        {"p": ("N",), "q": ("d",), "C": ("N", "d")},
        lambda p, q, C: np.sum(np.tanh(p[:, None] + q[None, :]) * C),
        ("p", "q"),
    ),
]


def _values(problem: Problem, rng: np.random.Generator) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, shape in problem.shapes.items():
        dims = tuple(SIZES[d] for d in shape)
        if problem.labels and name in problem.labels:
            axis = problem.labels[name]
            values[name] = _one_hot(rng, dims[axis], dims[1 - axis], axis)
        elif name == "s":
            values[name] = 1.0 + rng.random(dims)  # away from zero: a divisor
        elif name == "y" and "logistic" in problem.name:
            values[name] = rng.integers(0, 2, dims).astype(float)
        else:
            values[name] = rng.standard_normal(dims) if dims else float(rng.standard_normal())
    return values


def _central_gradient(f: Callable[[Any], float], x: Any, step: float = 1e-6) -> Any:
    if np.ndim(x) == 0:
        return (f(x + step) - f(x - step)) / (2 * step)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[index] = step
        grad[index] = (f(x + e) - f(x - e)) / (2 * step)
    return grad


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_gradient_matches_central_differences(problem: Problem) -> None:
    rng = np.random.default_rng(17)
    values = _values(problem, rng)
    assume = {
        name: ("onehot_columns", "onehot_rows")[axis]
        for name, axis in (problem.labels or {}).items()
    }
    for wrt in problem.wrt:
        derived = derive(problem.text, wrt, problem.shapes, assume)
        got = derived.evaluate(**{name: values[name] for name in derived.args})

        def loss(x: Any, wrt: str = wrt) -> float:
            return float(problem.loss(**{**values, wrt: x}))

        expected = _central_gradient(loss, values[wrt])
        assert np.shape(got) == np.shape(values[wrt]), (wrt, derived.text())
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7, err_msg=wrt)

        # the printed gradient is an expression of the language that computes the same array
        printed = to_function(derived.text(inline=True), problem.shapes)
        dims = {d: SIZES[d] for shape in problem.shapes.values() for d in shape}
        again = printed(**{name: values[name] for name in printed.arg_names}, **dims)
        np.testing.assert_allclose(
            np.broadcast_to(again, np.shape(got)), got, rtol=1e-10, atol=1e-12
        )


# -- shapes -----------------------------------------------------------------------------------


SHAPES = {"X": ("m", "n"), "b": ("n",), "c": ("m",), "s": ()}


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("X + b", ("m", "n")),
        ("b + X", ("m", "n")),
        ("X * c[:, None]", ("m", "n")),
        ("X - c.reshape(-1, 1)", ("m", "n")),
        ("X / b[None, :]", ("m", "n")),
        ("c[:, None] + b", ("m", "n")),
        ("c[:, np.newaxis] * b[np.newaxis, :]", ("m", "n")),
        ("s + X + b", ("m", "n")),
        ("X.sum(axis=0)", ("n",)),
        ("np.sum(X, 1)", ("m",)),
        ("X.mean(-1, keepdims=True)", ("m", 1)),
        ("np.mean(X, axis=0, keepdims=True)", (1, "n")),
        ("logsumexp(X, axis=1)", ("m",)),
        ("softmax(X, axis=0)", ("m", "n")),
        ("log_softmax(X, axis=-1)", ("m", "n")),
        ("norm(X, axis=0)", ("n",)),
        ("b.sum(axis=0)", ()),
        ("X.sum()", ()),
        ("(X + b).T", ("n", "m")),
        ("tanh((X * c[:, None]).T) + c", ("n", "m")),
    ],
)
def test_shapes_follow_numpy(text: str, shape: tuple[Any, ...]) -> None:
    parsed = parse_typed(text, SHAPES)
    assert tuple(str(d) for d in parsed.shape) == tuple(str(d) for d in shape)
    # and numpy agrees, with sizes for the names
    sizes = {"m": 3, "n": 4}
    rng = np.random.default_rng(3)
    values = {
        name: rng.standard_normal(tuple(sizes[d] for d in dims)) if dims else 1.5
        for name, dims in SHAPES.items()
    }
    f = to_function(text, SHAPES)
    value = f(**{name: values[name] for name in f.arg_names})
    assert np.shape(value) == tuple(sizes.get(str(d), d) for d in shape)


@pytest.mark.parametrize(
    ("text", "message", "caret"),
    [
        ("X + c", "operands could not be broadcast together with shapes (m,n) (m,)", 2),
        ("c * X", "operands could not be broadcast together with shapes (m,) (m,n)", 2),
        ("X / b[:, None]", "operands could not be broadcast together with shapes (m,n) (n,1)", 2),
        ("(X) - c", "operands could not be broadcast together with shapes (m,n) (m,)", 4),
    ],
)
def test_broadcasting_error_is_numpys(text: str, message: str, caret: int) -> None:
    with pytest.raises(BroadcastError) as info:
        parse_typed(text, SHAPES)
    err = info.value
    assert isinstance(err, ShapeError)
    assert isinstance(err, MatderivError)
    assert str(err).splitlines()[0] == message
    assert err.offset == caret
    assert text[caret] in "+-*/"


@pytest.mark.parametrize(
    ("text", "fragment", "caret_at"),
    [
        ("X.sum(axes=0)", "unexpected keyword argument 'axes'", "axes"),
        ("np.sum(X, axis=2)", "axis 2 is out of bounds for array of dimension 2", "2"),
        ("X.mean(axis=-3)", "axis -3 is out of bounds", "-3"),
        ("np.sum(X, axis=1.0)", "the axis must be an int literal", "1.0"),
        ("softmax(X, axis=0, keepdims=True)", "unexpected keyword argument 'keepdims'", "keepdims"),
        ("trace(X, axis=0)", "unexpected keyword argument 'axis'", "axis"),
        ("X.sum(keepdims=1)", "keepdims needs True or False", "1"),
        ("X[:, None]", "only a 1-D vector takes a new axis", ":"),
        ("b.reshape(2, 3)", "cannot reshape", "b"),
        ("X.max(axis=0)", "is not a function of the language", "X"),
    ],
)
def test_keyword_and_axis_errors_have_carets(text: str, fragment: str, caret_at: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_typed(text, SHAPES)
    err = info.value
    assert isinstance(err, MatderivError)
    assert fragment in str(err)
    assert err.offset is not None
    assert text[err.offset :].startswith(caret_at)


def test_ambiguous_names_are_different_sizes() -> None:
    """Dimension names that differ are different sizes, even when the numbers agree."""
    shapes = {"A": ("m", "n"), "v": ("m",)}
    with pytest.raises(BroadcastError):
        parse_typed("A + v", shapes)
    same = {"A": ("n", "n"), "v": ("n",)}
    assert tuple(map(str, parse_typed("A + v", same).shape)) == ("n", "n")


def test_bias_gradient_is_a_sum_over_the_batch() -> None:
    shapes = {"W": ("c", "h"), "H": ("h", "N"), "b": ("c",), "G": ("c", "N")}
    derived = derive("sum(G * (W @ H + b[:, None]))", "b", shapes)
    assert derived.text() == "G.sum(axis=1)"
    derived = derive("sum(G * (W @ H + b[:, None]))", "W", shapes)
    assert derived.text() == "G @ H.T"


def test_generated_code_is_stable_for_large_logits() -> None:
    shapes = {"Z": ("c", "N"), "Y": ("c", "N")}
    derived = derive("-sum(Y * log_softmax(Z, axis=0))", "Z", shapes)
    rng = np.random.default_rng(5)
    Z = 800.0 * rng.standard_normal((3, 4))
    Y = _one_hot(rng, 3, 4, 0)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = derived.evaluate(Z=Z, Y=Y)
    expected = np.exp(_log_softmax(Z, 0)) * Y.sum(axis=0) - Y
    np.testing.assert_allclose(got, expected, atol=1e-12)
    value = to_function("-sum(Y * log_softmax(Z, axis=0))", shapes)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.isfinite(value(Z=Z, Y=Y))


JACOBIAN_SHAPES = {"A": ("m", "n"), "w": ("n",), "c": ("m",), "X": ("m", "n")}


def _values_for(shapes: dict[str, tuple[str, ...]], rng: np.random.Generator) -> dict[str, Any]:
    sizes = {"m": 3, "n": 4}
    return {
        name: rng.standard_normal(tuple(sizes[d] for d in dims)) for name, dims in shapes.items()
    }


def _numeric_jacobian(f: Callable[[Any], Any], x: Any, step: float = 1e-6) -> Any:
    """``J[out..., in...]`` by central differences (out first, as ``Derivative.evaluate``)."""
    columns = []
    for index in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[index] = step
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * step))
    out = np.stack(columns, axis=-1)
    return out.reshape(np.shape(columns[0]) + x.shape)


@pytest.mark.parametrize(
    ("text", "wrt", "numpy_f"),
    [
        (
            "logsumexp(A * w, axis=1)",
            "w",
            lambda v, w: _logsumexp(v["A"] * w, 1),
        ),
        ("(A + w).sum(axis=0)", "w", lambda v, w: (v["A"] + w).sum(axis=0)),
        (
            "softmax(A * w, axis=1) @ w",
            "w",
            lambda v, w: np.exp(_log_softmax(v["A"] * w, 1)) @ w,
        ),
        ("X.mean(axis=1)", "X", lambda v, X: X.mean(axis=1)),
    ],
)
def test_jacobians_of_reductions(text: str, wrt: str, numpy_f: Callable[..., Any]) -> None:
    values = _values_for(JACOBIAN_SHAPES, np.random.default_rng(8))
    derived = derive(text, wrt, JACOBIAN_SHAPES)
    got = derived.evaluate(**{name: values[name] for name in derived.args})
    expected = _numeric_jacobian(lambda x: numpy_f(values, x), values[wrt])
    np.testing.assert_allclose(np.reshape(got, expected.shape), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    ("text", "gradient"),
    [
        (
            "sum(logsumexp(A * w, axis=1))",
            lambda v, w: (np.exp(_log_softmax(v["A"] * w, 1)) * v["A"]).sum(axis=0),
        ),
        (
            "c @ log_softmax(A * w, axis=1) @ w",
            None,
        ),
    ],
)
def test_hessians_through_the_softmax_jacobian(text: str, gradient: Any) -> None:
    """The second derivative runs through the gradient's softmax (its differential)."""
    values = _values_for(JACOBIAN_SHAPES, np.random.default_rng(9))
    hessian = derive_hessian(text, "w", JACOBIAN_SHAPES)
    got = hessian.evaluate(**{name: values[name] for name in hessian.args})
    first = derive(text, "w", JACOBIAN_SHAPES)

    def grad(w: Any) -> Any:
        return first.evaluate(**{**{n: values[n] for n in first.args}, "w": w})

    expected = _numeric_jacobian(grad, values["w"])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    if gradient is not None:  # and the first derivative against the closed form
        np.testing.assert_allclose(grad(values["w"]), gradient(values, values["w"]), rtol=1e-10)


def test_latex_of_batched_results_compiles(tmp_path: Path) -> None:
    """Every problem's gradients (and the language's new nodes) print as LaTeX that TeX reads."""
    formulas = []
    for problem in PROBLEMS:
        for wrt in problem.wrt:
            latex = derive(problem.text, wrt, problem.shapes).latex()
            assert not structure_errors(latex), (problem.name, wrt, structure_errors(latex))
            formulas.append((f"{problem.name}, d/d{wrt}", latex))
    if PDFLATEX is None:
        pytest.skip("pdflatex is not installed (the structure was checked)")
    compile_formulas(formulas, tmp_path)


NETWORK = {
    "W1": ("h", "d"),
    "b1": ("h",),
    "W2": ("c", "h"),
    "b2": ("c",),
    "X": ("d", "N"),
    "Y": ("c", "N"),
}
NETWORK_LOSS = "-sum(Y * log_softmax(W2 @ tanh(W1 @ X + b1[:, None]) + b2[:, None], axis=0)) / N"


def test_one_hot_labels_give_the_hand_written_gradients() -> None:
    """With one-hot columns, ∂L/∂W₂ = (P - Y) Hᵀ / N and ∂L/∂b₂ = (P - Y).sum(axis=1) / N."""
    rng = np.random.default_rng(11)
    sizes = {"h": 4, "d": 3, "c": 3, "N": 6}
    values = {n: rng.standard_normal(tuple(sizes[d] for d in s)) for n, s in NETWORK.items()}
    values["Y"] = _one_hot(rng, 3, 6, 0)
    H = np.tanh(values["W1"] @ values["X"] + values["b1"][:, None])
    P = np.exp(_log_softmax(values["W2"] @ H + values["b2"][:, None], 0))
    hand = {"W2": (P - values["Y"]) @ H.T / 6, "b2": (P - values["Y"]).sum(axis=1) / 6}
    for wrt, expected in hand.items():
        general = derive(NETWORK_LOSS, wrt, NETWORK)
        labelled = derive(NETWORK_LOSS, wrt, NETWORK, {"Y": "onehot_columns"})
        assert "Y.sum" in general.text()
        assert "Y.sum" not in labelled.text(), labelled.text()
        assert len(labelled.text()) < len(general.text())
        for d in (general, labelled):
            got = d.evaluate(**{n: values[n] for n in d.args})
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-13)


def test_one_hot_values_are_checked() -> None:
    derived = derive(NETWORK_LOSS, "W2", NETWORK, {"Y": "onehot_columns"})
    rng = np.random.default_rng(12)
    sizes = {"h": 4, "d": 3, "c": 3, "N": 6}
    values = {n: rng.standard_normal(tuple(sizes[d] for d in s)) for n, s in NETWORK.items()}
    with pytest.raises(MatderivError, match="onehot_columns"):
        derived.evaluate(**{n: values[n] for n in derived.args})
