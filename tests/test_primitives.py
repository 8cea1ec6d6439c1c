"""Every primitive has an entry in every consumer, and a new one is one stanza.

* Completeness: each node type of the language has a spec (text, numpy,
  differential, LaTeX, identification for linear nodes); every function name of
  the language belongs to one spec and has a sample below that parses, derives
  (checked numerically), prints as text that reads back, as LaTeX and as numpy
  source.  A function or node added without its entries fails here.
* Extensibility: a toy primitive ``sumsq(X) = sum(X * X)``, declared in this file
  only through :func:`matderiv.expr.primitive.register`, parses, derives (checked
  against central differences computed here), prints and evaluates end to end.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from sympy.printing.latex import LatexPrinter

from matderiv.errors import ParseError, UnsupportedError
from matderiv.expr import nodes, numpy_source, parse, parse_typed, to_function
from matderiv.expr.algebra import inner
from matderiv.expr.latex import to_latex
from matderiv.expr.primitive import PRIMITIVES, Primitive, call_text, register, unregister
from matderiv.expr.pycode import BinOp, Call, Op, Slot
from matderiv.expr.reader import FUNCTIONS, Reader, Val
from matderiv.expr.text import to_text
from matderiv.symbolic import derive, derive_hessian
from matderiv.symbolic.differential import differential
from matderiv.symbolic.identify import gradient, vec_identify

SHAPES = {
    "x": ("n",),
    "y": ("n",),
    "A": ("n", "n"),
    "X": ("n", "n"),
    "c": (),
}

#: Each function of the language: expressions using it and the variable to derive by.
SAMPLES: dict[str, list[tuple[str, str]]] = {
    "trace": [("trace(A @ X)", "X")],
    "det": [("det(X)", "X")],
    "logdet": [("logdet(X)", "X")],
    "inv": [("inv(X)", "X"), ("x @ inv(X) @ y", "X")],
    "solve": [("y @ solve(X, x)", "X"), ("solve(X, A)", "A"), ("solve(X, A @ x)", "x")],
    "transpose": [("transpose(X) @ x", "X")],
    "sum": [("sum(X * X)", "X"), ("X.sum(axis=0) @ x", "X"), ("np.sum(X + x, 1)", "x")],
    "mean": [("mean(X * X)", "X"), ("sum(X.mean(axis=1, keepdims=True) * X)", "X")],
    "reshape": [("sum(tanh(X * x.reshape(-1, 1)))", "x")],
    "norm": [
        ("norm(x)", "x"),
        ("norm(X)", "X"),
        ("norm(A @ X, axis=0) @ y", "X"),
        ('norm(A @ X, "nuc")', "X"),
        ("norm(X, 2)", "X"),
        ("norm(x, 2)", "x"),
        ('norm(X, "fro")', "X"),
    ],
    "logsumexp": [("logsumexp(x)", "x"), ("logsumexp(X, axis=0) @ y", "X")],
    "softmax": [("softmax(x)", "x"), ("y @ softmax(A @ x)", "x"), ("softmax(X, axis=1)", "X")],
    "log_softmax": [("log_softmax(x)", "x"), ("y @ log_softmax(A @ x)", "x")],
    "maximum": [
        ("sum(maximum(A @ x, 0))", "x"),
        ("maximum(A @ x, y)", "x"),
        ("maximum(x, c)", "c"),
    ],
    "heaviside": [("sum(heaviside(x, 0) * x)", "x")],
    "diag": [("diag(x) @ A @ x", "x"), ("sum(diag(X) * diag(X))", "X")],
    "outer": [("outer(x, y)", "x")],
    "dot": [("dot(x, A @ x)", "x")],
    "matmul": [("matmul(A, X)", "X")],
    "matrix_power": [("matrix_power(X, 3)", "X"), ("trace(matrix_power(X, -2))", "X")],
    "kron": [("kron(A, X)", "X")],
    "vec": [("vec(A @ X)", "X")],
    "commutation": [("commutation(n, n) @ vec(X)", "X")],
    "eye": [("trace((X + eye(n)) @ A)", "X")],
    "identity": [("x @ (identity(n) + A) @ x", "x")],
    "ones": [("ones(n) @ (A @ x)", "x")],
    "zeros": [("A @ x + zeros(n)", "x")],
    "exp": [("sum(exp(X))", "X"), ("exp(c) * x", "c")],
    "log": [("sum(log(x))", "x")],
    "sin": [("sum(sin(x))", "x")],
    "cos": [("sum(cos(X))", "X")],
    "tanh": [("tanh(A @ x)", "x")],
    "sqrt": [("sum(sqrt(x))", "x")],
    "sigmoid": [("sum(log(sigmoid(A @ x)))", "x")],
    "softplus": [("sum(softplus(X))", "X")],
    "sech": [("sum(sech(X))", "X"), ("sech(A @ x)", "x")],
    "log_sigmoid": [("sum(log_sigmoid(X))", "X"), ("log_sigmoid(x)", "x")],
    "relu": [("relu(A @ x)", "x")],
    "abs": [("sum(abs(A @ x))", "x"), ("abs(c) * x", "c")],
    "sign": [("sign(x) * (A @ x)", "x"), ("sign(c) * c * x", "c")],
    "expm": [("expm(X)", "X"), ("trace(A @ expm(X))", "X")],
    "logm": [("trace(logm(X @ X.T + eye(n)))", "X"), ("logm(X @ X.T + eye(n))", "X")],
    "sqrtm": [("sum(sqrtm(X @ X.T + eye(n)))", "X")],
    "expm_frechet": [("expm_frechet(A, X)", "X")],
    "logm_frechet": [("logm_frechet(A @ A.T + eye(n), X)", "X")],
    "sqrtm_frechet": [("trace(sqrtm_frechet(A @ A.T + eye(n), X))", "X")],
    "expm_frechet_matrix": [("expm_frechet_matrix(A) @ vec(X)", "X")],
    "logm_frechet_matrix": [("logm_frechet_matrix(A @ A.T + eye(n)) @ vec(X)", "X")],
    "sqrtm_frechet_matrix": [("sqrtm_frechet_matrix(A @ A.T + eye(n)) @ vec(X)", "X")],
    "eigvalsh": [("eigvalsh(X)", "X"), ("x @ eigvalsh(X)", "X")],
    "svdvals": [("svdvals(X)", "X"), ("x @ svdvals(A @ X)", "X")],
    "eigvecsh": [("eigvecsh(A) @ x", "x")],
    "svd_u": [("svd_u(A) @ x", "x")],
    "svd_v": [("x @ svd_v(A) @ x", "x")],
    "svd_u1": [("svd_u1(A) * c", "c")],
    "svd_v1": [("x @ svd_v1(A)", "x")],
    "cholesky": [("cholesky(X @ X.T + eye(n))", "X"), ("sum(cholesky(X @ X.T + A @ A.T))", "X")],
    "tril_half": [("tril_half(A @ X)", "X")],
    "pinv": [("pinv(X)", "X"), ("y @ pinv(X) @ x", "X")],
}

ASSUME = {"X": "invertible"}

#: Derivatives whose text does not read back yet (none: compound dimensions such as
#: ``eye(n ** 2)`` are in the language).
TEXT_GAPS: set[str] = set()


def _cases() -> Iterator[tuple[str, str, str]]:
    for name, samples in SAMPLES.items():
        for expr, wrt in samples:
            yield name, expr, wrt


def test_every_function_has_a_sample() -> None:
    assert set(SAMPLES) == set(FUNCTIONS)


def test_every_function_belongs_to_one_primitive() -> None:
    owners: dict[str, list[str]] = {}
    for klass in PRIMITIVES:
        for name in PRIMITIVES[klass].functions:
            owners.setdefault(name, []).append(klass.__name__)
    assert set(owners) == set(FUNCTIONS)
    assert all(len(o) == 1 for o in owners.values()), owners


@pytest.mark.parametrize("klass", [getattr(nodes, name) for name in nodes.__all__])
def test_every_node_class_has_a_spec(klass: type) -> None:
    assert PRIMITIVES.covers(klass), klass


@pytest.mark.parametrize("klass", list(PRIMITIVES), ids=lambda k: k.__name__)
def test_every_spec_is_complete(klass: type) -> None:
    spec = PRIMITIVES[klass]
    assert callable(spec.text)
    assert callable(spec.numpy)
    assert spec.differential is not None or spec.linear is not None
    if spec.latex is None:  # printed by SymPy, which must know the node
        assert any(hasattr(LatexPrinter, f"_print_{k.__name__}") for k in klass.__mro__), klass
    if spec.linear is not None:  # identification follows from the declaration
        assert callable(spec.linear.vec)
        assert spec.differential is None, "a linear node's differential is derived"
    if klass in MULTILINEAR:  # nodes that hold dX in a differential must identify
        assert spec.identifies, klass
    if klass is sp.KroneckerProduct:
        assert spec.vec is not None


#: The sums and products a differential is made of (besides linear nodes).
MULTILINEAR = {sp.MatAdd, sp.Add, sp.Mul, sp.MatMul, sp.HadamardProduct}


@pytest.mark.parametrize(("name", "expr", "wrt"), list(_cases()))
def test_sample_in_every_consumer(name: str, expr: str, wrt: str) -> None:
    assume = {k: v for k, v in ASSUME.items() if k in expr}
    parsed = parse_typed(expr, SHAPES, assume)
    # text reads back and computes the same numbers
    again = to_text(parsed.expr)
    rng = np.random.default_rng(0)
    arrays = {
        "x": rng.uniform(0.5, 1.5, 3),
        "y": rng.standard_normal(3),
        "A": rng.standard_normal((3, 3)),
        "X": rng.standard_normal((3, 3)) + 3 * np.eye(3),
        "c": np.array(0.7),
    }
    want = to_function(expr, SHAPES)
    got = to_function(again, SHAPES)
    used = {k: v for k, v in arrays.items() if k in want.arg_names}
    np.testing.assert_allclose(
        got(**{k: v for k, v in arrays.items() if k in got.arg_names}), want(**used)
    )
    # LaTeX and numpy source
    assert to_latex(parsed.expr)
    ast.parse(numpy_source(expr, SHAPES))
    # derivative: checked against finite differences, printed, read back
    d = derive(expr, wrt, SHAPES, assume)
    assert d.check(seed=1), (expr, d.check(seed=1))
    assert d.latex()
    ast.parse(d.numpy_source())
    if expr in TEXT_GAPS:  # a known gap: fails loudly here once it is closed
        with pytest.raises(ParseError, match="dimension"):
            parse(d.text(inline=True), SHAPES)
    else:
        parse(d.text(inline=True), SHAPES)


# -- a node with no spec fails in every consumer, naming it ---------------------------------------


class Orphan(sp.MatrixExpr):  # type: ignore[misc]
    """A node nobody registered."""

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape  # type: ignore[no-any-return]


def test_a_node_without_spec_is_named_by_every_consumer() -> None:
    X = sp.MatrixSymbol("X", 3, 3)
    dX = sp.MatrixSymbol("dX", 3, 3)
    node = Orphan(X)
    for consumer in (
        lambda: to_text(node),
        lambda: to_function(node, {"X": (3, 3)}),
        lambda: differential(node, {X: dX}),
        lambda: gradient(sp.Trace(Orphan(dX)), dX),
        lambda: vec_identify(Orphan(dX), dX),
    ):
        with pytest.raises(UnsupportedError, match="Orphan"):
            consumer()


# -- a toy primitive declared here only ----------------------------------------------------------


class SumSq(sp.Expr):  # type: ignore[misc]
    """``sumsq(X) = sum(X * X)``, the squared Frobenius norm."""

    is_commutative = True
    is_real = True

    def __new__(cls, arg: Any) -> SumSq:
        return sp.Expr.__new__(cls, arg)  # type: ignore[no-any-return]

    @property
    def arg(self) -> Any:
        return self.args[0]


def _sumsq_call(reader: Reader, node: ast.Call) -> Val:
    (arg,) = reader.args(node, 1, "sumsq")
    expr = arg.expr**2 if arg.is_scalar else SumSq(arg.expr)
    return Val(expr, (), reader.text(node))


def _sumsq_differential(node: Any, d: Any) -> Any:
    da = d(node.arg)
    return None if da is None else 2 * inner(node.arg, da)


TOY = Primitive(
    SumSq,
    text=lambda n, p: call_text(p, "sumsq", n.arg),
    numpy=lambda n: Op((n.arg,), Call("np.sum", (BinOp("*", Slot(0), Slot(0)),))),
    latex=lambda n, printer: rf"\left\|{printer._print(n.arg)}\right\|_F^2",
    differential=_sumsq_differential,
    functions={"sumsq": _sumsq_call},
)


@pytest.fixture
def toy() -> Iterator[Primitive]:
    register(TOY)
    try:
        yield TOY
    finally:
        unregister(TOY)


def _central_gradient(f: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_toy_primitive_end_to_end(toy: Primitive, tmp_path: Path) -> None:
    shapes = {"A": ("m", "n"), "x": ("n",), "b": ("m",), "W": ("m", "n")}
    rng = np.random.default_rng(7)
    A, x, b, W = (
        rng.standard_normal((4, 3)),
        rng.standard_normal(3),
        rng.standard_normal(4),
        rng.standard_normal((4, 3)),
    )

    def loss(v: np.ndarray) -> float:
        r = A @ v - b
        return float(np.sum(r * r))

    # parses and evaluates
    f = to_function("sumsq(A @ x - b)", shapes)
    assert float(f(A=A, x=x, b=b)) == pytest.approx(loss(x))
    # derives: the gradient against central differences computed here
    d = derive("sumsq(A @ x - b)", "x", shapes)
    np.testing.assert_allclose(
        d.evaluate(A=A, x=x, b=b), _central_gradient(loss, x), rtol=1e-6, atol=1e-6
    )
    # a matrix variable through the same stanza (pullback through the differential)
    dw = derive("sumsq(W * W)", "W", shapes)

    def quartic(w: np.ndarray) -> float:
        return float(np.sum(w**4))

    np.testing.assert_allclose(
        dw.evaluate(W=W), _central_gradient(quartic, W), rtol=1e-6, atol=1e-7
    )
    # the Hessian 2 AᵀA
    h = derive_hessian("sumsq(A @ x - b)", "x", shapes)
    np.testing.assert_allclose(h.evaluate(A=A, x=x, b=b), 2 * A.T @ A, rtol=1e-9)
    # prints: text that reads back, LaTeX, numpy source that runs
    assert to_text(parse("sumsq(A @ x - b)", shapes)) == "sumsq(A @ x - b)"
    assert r"\right\|_F^2" in to_latex(parse("sumsq(W)", shapes))
    source = numpy_source("sumsq(A @ x - b)", shapes)
    assert "np.sum(" in source
    path = tmp_path / "generated_sumsq.py"  # the generated module, imported as a user would
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("generated_sumsq", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert float(module.f(A, x, b)) == pytest.approx(loss(x))
    # the derivative's own text uses the language
    assert d.text()
    parse(d.text(inline=True), shapes)


def test_toy_primitive_is_gone_after_unregister() -> None:
    with pytest.raises(ParseError, match="unknown function 'sumsq'"):
        parse("sumsq(x)", {"x": ("n",)})
    assert SumSq not in PRIMITIVES


def test_registering_twice_is_refused(toy: Primitive) -> None:
    with pytest.raises(ValueError, match="SumSq"):
        register(toy)
    clash = Primitive(
        Orphan,
        text=TOY.text,
        numpy=TOY.numpy,
        differential=_sumsq_differential,
        functions={"trace": _sumsq_call},
    )
    with pytest.raises(ValueError, match="trace"):
        register(clash)
    assert Orphan not in PRIMITIVES
