"""The results the issue names, checked numerically against explicit numpy formulas,
and the API contract of Derivative (layouts, differential, code, LaTeX, check)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import sympy as sp

from matderiv import Derivative, Layout, derive, derive_hessian, to_layout
from matderiv.errors import ParseError, ShapeError, UnsupportedError
from matderiv.expr.codegen import compile_roots
from matderiv.expr.context import ShapeSpec
from matderiv.expr.nodes import Diag
from matderiv.symbolic.inputs import random_inputs

LS: dict[str, ShapeSpec] = {"Y": ("m", "k"), "X": ("m", "n"), "T": ("n", "k")}
NET: dict[str, ShapeSpec] = {"u": ("m",), "W": ("m", "n"), "x": ("n",), "b": ("m",)}
QUAD: dict[str, ShapeSpec] = {"x": ("n",), "A": ("n", "n")}


def _inputs(d: Derivative, seed: int = 0) -> dict[str, npt.NDArray[np.float64]]:
    return random_inputs(d.context, seed)


def _expr_value(d: Derivative, arrays: dict[str, Any]) -> np.ndarray:
    """Evaluate d.expr as it is written (vec forms stay 2-D)."""
    shape = tuple(d.expr.shape) if isinstance(d.expr, sp.MatrixExpr) else ()
    fn = compile_roots([d.expr], d.context, [shape], d.args)
    return np.asarray(fn(**arrays))


def _differential_value(d: Derivative, arrays: dict[str, Any], direction: Any) -> np.ndarray:
    name = "d" + d.wrt
    ctx = d.context.with_names({name: d.in_shape})
    shape = d.out_shape
    fn = compile_roots([d.differential], ctx, [shape], [*d.args, name])
    return np.asarray(fn(**arrays, **{name: direction}))


def _nodes(expr: Any) -> int:
    return sum(1 for _ in sp.preorder_traversal(expr))


def test_least_squares_gradient_seed_002() -> None:
    d = derive("trace((Y - X @ T).T @ (Y - X @ T))", "T", LS)
    v = _inputs(d)
    X, Y, T = v["X"], v["Y"], v["T"]
    assert np.allclose(d.evaluate(**v), -2 * X.T @ (Y - X @ T))
    # readable: -2 times a product, no trace, small
    coeff, _ = d.expr.as_coeff_mmul()
    assert coeff == -2
    assert not d.expr.has(sp.Trace)
    assert _nodes(d.expr) <= 25


def test_neural_layer_gradients_seed_003() -> None:
    d_w = derive("u.T @ np.tanh(W @ x + b)", "W", NET)
    d_b = derive("u.T @ np.tanh(W @ x + b)", "b", NET)
    v = _inputs(d_w)
    delta = v["u"] * (1 - np.tanh(v["W"] @ v["x"] + v["b"]) ** 2)
    assert np.allclose(d_w.evaluate(**v), np.outer(delta, v["x"]))
    assert np.allclose(d_b.evaluate(**v), delta)
    # δ xᵀ: a product whose last factor is xᵀ; by b: a Hadamard product u ∘ f'(z)
    assert isinstance(d_w.expr, sp.MatMul)
    assert d_w.expr.args[-1] == d_w.context.symbols["x"].T
    assert isinstance(d_b.expr, sp.HadamardProduct)
    assert d_w.expr.args[0] == d_b.expr  # the memoized δ is shared


def test_logdet_and_det_seed_001() -> None:
    X = sp.MatrixSymbol("X", sp.Symbol("n", integer=True, positive=True), sp.Symbol("n"))
    d = derive("logdet(X)", "X", {"X": ("n", "n")})
    v = _inputs(d)
    inv_t = np.linalg.inv(v["X"]).T
    assert np.allclose(d.evaluate(**v), inv_t)
    assert d.expr == sp.Inverse(d.context.symbols["X"]).T.doit()
    assert d.latex() == r"X^{-\top}"
    dd = derive("det(X)", "X", {"X": ("n", "n")})
    assert np.allclose(dd.evaluate(**v), np.linalg.det(v["X"]) * inv_t)
    assert dd.latex() == r"\det\left(X\right) X^{-\top}"
    assert X.shape[0] != 0  # the SymPy input path is covered in test_expr_parse


def test_quadratic_form_seed_001() -> None:
    d = derive("x.T @ A @ x", "x", QUAD)
    v = _inputs(d)
    assert np.allclose(d.evaluate(**v), (v["A"] + v["A"].T) @ v["x"])
    A, x = d.context.symbols["A"], d.context.symbols["x"]
    assert d.expr == sp.MatMul(A + A.T, x)
    s = derive("x.T @ A @ x", "x", QUAD, assume={"A": "symmetric"})
    assert s.expr == sp.MatMul(2, A, x)
    vs = random_inputs(s.context, 0)
    assert np.allclose(s.evaluate(**vs), 2 * vs["A"] @ vs["x"])


def test_x_squared_kronecker_and_linear_map_seed_002() -> None:
    d = derive("X @ X", "X", {"X": ("n", "n")})
    assert d.form == "vec"
    v = _inputs(d)
    X = v["X"]
    eye = np.eye(X.shape[0])
    assert np.allclose(_expr_value(d, v), np.kron(eye, X) + np.kron(X.T, eye))
    assert d.expr.has(sp.KroneckerProduct)
    dX = np.random.default_rng(3).standard_normal(X.shape)
    assert np.allclose(_differential_value(d, v, dX), X @ dX + dX @ X)
    assert not np.allclose(_differential_value(d, v, dX), 2 * X @ dX)
    assert d.evaluate(**v).shape == X.shape + X.shape


def test_inverse_kronecker() -> None:
    d = derive("inv(X)", "X", {"X": ("n", "n")}, assume={"X": "invertible"})
    v = _inputs(d)
    inv = np.linalg.inv(v["X"])
    assert np.allclose(_expr_value(d, v), -np.kron(inv.T, inv))
    assert d.latex() == r"- X^{-\top} \otimes X^{-1}"
    dX = np.random.default_rng(4).standard_normal(v["X"].shape)
    assert np.allclose(_differential_value(d, v, dX), -inv @ dX @ inv)


def test_elementwise_jacobian_is_a_diagonal() -> None:
    d = derive("np.tanh(W @ x + b)", "x", NET)
    assert d.form == "jacobian"
    assert isinstance(d.expr, sp.MatMul)
    assert isinstance(d.expr.args[0], Diag)
    v = _inputs(d)
    z = v["W"] @ v["x"] + v["b"]
    assert np.allclose(d.evaluate(**v), np.diag(1 - np.tanh(z) ** 2) @ v["W"])


def test_hessians() -> None:
    h = derive_hessian("logsumexp(x)", "x", {"x": ("n",)})
    x = np.array([0.3, -1.0, 2.0])
    s = np.exp(x) / np.exp(x).sum()
    assert np.allclose(h.evaluate(x=x), np.diag(s) - np.outer(s, s))
    assert h.check(seed=0)
    hm = derive_hessian("trace(X.T @ A @ X)", "X", {"X": ("n", "k"), "A": ("n", "n")})
    v = random_inputs(hm.context, 0)
    n, k = v["X"].shape
    assert hm.evaluate(**v).shape == (n, k, n, k)
    assert _expr_value(hm, v).shape == (n * k, n * k)
    assert np.allclose(_expr_value(hm, v), np.kron(np.eye(k), v["A"] + v["A"].T))
    with pytest.raises(ShapeError, match="scalar function"):
        derive_hessian("A @ x", "x", QUAD)


@pytest.mark.parametrize("layout", ["mixed", "numerator", "denominator"])
@pytest.mark.parametrize(
    ("text", "wrt", "shapes"),
    [
        ("x.T @ A @ x", "x", QUAD),
        ("trace(A @ X)", "X", {"A": ("k", "n"), "X": ("n", "k")}),
        ("A @ x", "x", {"A": ("m", "n"), "x": ("n",)}),
        ("c * x", "c", {"c": (), "x": ("n",)}),
        ("c * A", "c", {"c": (), "A": ("m", "n")}),
        ("c ** 2", "c", {"c": ()}),
    ],
)
def test_layouts_agree_with_matderiv_layout(
    text: str, wrt: str, shapes: dict[str, Any], layout: str
) -> None:
    d = derive(text, wrt, shapes, layout=layout)
    assert d.layout is Layout(layout)
    mixed = derive(text, wrt, shapes)
    v = random_inputs(d.context, 0)
    out = tuple(np.shape(mixed.evaluate(**v)))[: len(d.out_shape)]
    inp = np.shape(v[wrt])
    expected = to_layout(mixed.evaluate(**v), out, inp, "mixed", layout)
    got = d.evaluate(**v)
    assert got.shape == expected.shape
    assert np.allclose(got, expected)
    # expr is written in the layout too
    assert np.allclose(_expr_value(d, v).reshape(got.shape), got)
    assert d.check(seed=1)
    assert mixed.in_layout(layout).latex() == mixed.latex(layout=layout)


def test_undefined_layout_names_alternatives() -> None:
    with pytest.raises(ShapeError, match="mixed"):
        derive("X @ X", "X", {"X": ("n", "n")}, layout="numerator")


def test_numpy_source_runs_and_matches_evaluate() -> None:
    d = derive("sum(softplus(X @ w)) - y @ X @ w", "w", {"X": ("m", "n"), "w": ("n",), "y": ("m",)})
    source = d.numpy_source()
    assert source.startswith("import numpy as np")
    namespace: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # noqa: S102 - our own output
    v = random_inputs(d.context, 2)
    assert np.allclose(namespace["grad_w"](**{k: v[k] for k in d.args}), d.evaluate(**v))


def test_latex_and_repr_latex() -> None:
    d = derive("x.T @ A @ x", "x", QUAD)
    assert d.latex() == r"\left(A + A^{\top}\right) x"
    assert d.latex(layout="numerator") == r"x^{\top} \left(A + A^{\top}\right)"
    html = d._repr_latex_()
    assert html.startswith("$")
    assert html.endswith("$")
    assert r"\partial" in html
    # the variable on the left-hand side is typeset like everywhere else (Theta -> \Theta)
    theta = derive("trace(A @ Theta)", "Theta", {"A": ("n", "n"), "Theta": ("n", "n")})
    assert r"{\partial \Theta}" in theta._repr_latex_()


def test_text_round_trips_through_the_parser() -> None:
    from matderiv.expr import to_function

    cases: list[tuple[str, str, dict[str, ShapeSpec]]] = [
        ("x.T @ A @ x", "x", QUAD),
        ("u.T @ np.tanh(W @ x + b)", "W", NET),
        ("np.tanh(W @ x + b)", "x", NET),
        ("trace((Y - X @ T).T @ (Y - X @ T))", "T", LS),
        ("det(X)", "X", {"X": ("n", "n")}),
    ]
    for text, wrt, shapes in cases:
        d = derive(text, wrt, shapes)
        v = random_inputs(d.context, 0)
        again = to_function(d.text(inline=True), shapes)
        assert np.allclose(again(**{k: v[k] for k in again.arg_names}), d.evaluate(**v))


def test_absent_variable_gives_a_zero_of_the_right_shape() -> None:
    shapes = {"a": ("n",), "x": ("n",), "X": ("m", "n")}
    for text, wrt, shape in [
        ("a @ a", "x", (4,)),
        ("a @ a", "X", (3, 4)),
        ("X @ a", "x", (3, 4)),
        ("X", "x", (3, 4, 4)),
    ]:
        d = derive(text, wrt, shapes)
        v = random_inputs(d.context, 0, sizes={"m": 3, "n": 4})
        value = d.evaluate(**v)
        assert value.shape == shape
        assert not np.any(value)


def test_bad_derive_calls() -> None:
    with pytest.raises(ShapeError, match="not declared"):
        derive("x @ x", "z", {"x": ("n",)})
    with pytest.raises(ParseError):
        derive("x @@ x", "x", {"x": ("n",)})
    with pytest.raises(ShapeError):
        derive("A @ x", "x", {"A": ("m", "n"), "x": ("m",)})
    with pytest.raises(UnsupportedError):
        derive("x ** x", "x", {"x": ("n",)})
    with pytest.raises(UnsupportedError, match="layout"):
        derive("x @ x", "x", {"x": ("n",)}, layout="sideways")


def test_missing_rule_names_the_node() -> None:
    from matderiv.symbolic.differential import differential

    class Mystery(sp.Function):  # type: ignore[misc]
        nargs = 2

    x = sp.Symbol("x")
    with pytest.raises(UnsupportedError, match="Mystery"):
        differential(Mystery(x, x), {x: sp.Symbol("dx")})


def test_sympy_input_is_accepted() -> None:
    n = sp.Symbol("n")
    x = sp.MatrixSymbol("x", n, 1)
    A = sp.MatrixSymbol("A", n, n)
    d = derive(x.T * A * x, "x", QUAD)
    v = random_inputs(d.context, 0)
    assert np.allclose(d.evaluate(**v).ravel(), (v["A"] + v["A"].T) @ v["x"])


@pytest.mark.parametrize(
    ("text", "wrt", "shapes"),
    [
        (
            "kron(A + t * B, C + t * D)",
            "t",
            {"A": ("m", "n"), "B": ("m", "n"), "C": ("p", "q"), "D": ("p", "q"), "t": ()},
        ),
        ("kron(A, X)", "X", {"A": ("m", "n"), "X": ("p", "q")}),
        ("kron(X, X)", "X", {"X": ("p", "q")}),
        ("diag(x)", "x", {"x": ("n",)}),
        ("diag(X) * diag(X)", "X", {"X": ("n", "n")}),
    ],
)
def test_kronecker_and_diagonal_through_the_differential(
    text: str, wrt: str, shapes: dict[str, Any]
) -> None:
    assert derive(text, wrt, shapes).check(seed=0)


def test_backprop_graph_of_seed_003() -> None:
    """f = (x + y) max(y, z): df/dx = max(y, z), df/dy = max(y, z) + (x + y)[y > z], ..."""
    shapes = {"x": (), "y": (), "z": ()}
    point = {"x": 1.0, "y": 2.0, "z": 0.5}  # y > z: the max routes to y
    grads = {
        w: float(derive("(x + y) * np.maximum(y, z)", w, shapes).evaluate(**point)) for w in "xyz"
    }
    assert grads == {"x": 2.0, "y": 2.0 + 3.0, "z": 0.0}
    point = {"x": 1.0, "y": -2.0, "z": 0.5}  # z > y: the max routes to z
    grads = {
        w: float(derive("(x + y) * np.maximum(y, z)", w, shapes).evaluate(**point)) for w in "xyz"
    }
    assert grads == {"x": 0.5, "y": 0.5, "z": -1.0}
