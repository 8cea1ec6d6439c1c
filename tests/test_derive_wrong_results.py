"""Results that were wrong or refused (issue 11), checked against central differences.

Every oracle here is independent of the engine: the function (or a gradient written
by hand) in plain numpy, differentiated by central differences in this file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import sympy as sp

from matderiv import derive, derive_hessian
from matderiv.expr.nodes import Softmax, SumAll

Array = np.ndarray[Any, Any]
SEEDS_SIZES = [(0, 2, 3), (1, 3, 2), (2, 4, 4)]


def central(f: Callable[[Array], Any], x: Array, h: float = 1e-6) -> Array:
    """The derivative of `f` at `x` by central differences: shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=float)
    out_shape = np.shape(f(x))
    jac = np.zeros(out_shape + x.shape)
    for index in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[index] = h
        jac[(Ellipsis, *index)] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h)
    return jac


def lse(z: Array) -> float:
    m = np.max(z)
    return float(m + np.log(np.sum(np.exp(z - m))))


def softmax_all(z: Array) -> Array:
    e = np.exp(z - np.max(z))
    return e / np.sum(e)  # type: ignore[no-any-return]


# -- 1. softmax / logsumexp of a matrix (all entries) -------------------------------------


@pytest.mark.parametrize(("seed", "m", "n"), SEEDS_SIZES)
def test_logsumexp_of_a_matrix_gradient_and_hessian(seed: int, m: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    grad = derive("logsumexp(X)", "X", {"X": ("m", "n")})
    assert np.allclose(grad.evaluate(X=X), central(lse, X), rtol=1e-7, atol=1e-9)
    hess = derive_hessian("logsumexp(X)", "X", {"X": ("m", "n")})
    want = central(softmax_all, X)  # the gradient by hand, differentiated numerically
    assert np.allclose(hess.evaluate(X=X), want, rtol=1e-6, atol=1e-8)
    assert hess.check(seed=seed)


@pytest.mark.parametrize(("seed", "m", "n"), SEEDS_SIZES)
def test_logsumexp_of_a_product_hessian(seed: int, m: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    A, X = rng.standard_normal((m + 1, m)), rng.standard_normal((m, n))
    shapes = {"A": ("k", "m"), "X": ("m", "n")}
    hess = derive_hessian("logsumexp(A @ X)", "X", shapes)
    want = central(lambda V: A.T @ softmax_all(A @ V), X)
    assert np.allclose(hess.evaluate(A=A, X=X), want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("seed", "m", "n"), SEEDS_SIZES)
def test_second_derivative_of_logsumexp_along_a_matrix(seed: int, m: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    X, t = rng.standard_normal((m, n)), float(rng.uniform(0.5, 1.5))
    hess = derive_hessian("logsumexp(t * X)", "t", {"t": (), "X": ("m", "n")})
    h = 1e-4
    want = (lse((t + h) * X) - 2 * lse(t * X) + lse((t - h) * X)) / h**2
    assert np.isclose(float(hess.evaluate(t=t, X=X)), want, rtol=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_through_the_softmax_of_a_matrix(seed: int) -> None:
    # sum(B ∘ softmax(X)) with softmax over all entries: the pullback of the matrix softmax
    X, B = sp.MatrixSymbol("X", 3, 2), sp.MatrixSymbol("B", 3, 2)
    d = derive(SumAll(sp.HadamardProduct(B, Softmax(X))), "X", {"X": (3, 2), "B": (3, 2)})
    rng = np.random.default_rng(seed)
    Xv, Bv = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    want = central(lambda V: np.sum(Bv * softmax_all(V)), Xv)
    assert np.allclose(d.evaluate(X=Xv, B=Bv), want, rtol=1e-7, atol=1e-9)


# -- 2. a scalar cotangent reaching a scalar-valued linear node -----------------------------

SCALAR_THROUGH_LINEAR = [
    ("logsumexp(trace(M) * x)", lambda M, x, A: lse(np.trace(M) * x)),
    ("norm(trace(M) * x)", lambda M, x, A: np.linalg.norm(np.trace(M) * x)),
    ("x @ (trace(M) * x)", lambda M, x, A: x @ (np.trace(M) * x)),
    ("sum(trace(M) * A)", lambda M, x, A: np.sum(np.trace(M) * A)),
    ("sum(exp(sum(M) * A))", lambda M, x, A: np.sum(np.exp(np.sum(M) * A))),
    ("norm(det(M) * x)", lambda M, x, A: np.linalg.norm(np.linalg.det(M) * x)),
    (
        "logsumexp(trace(M @ M) * x + sum(M) * x)",
        lambda M, x, A: lse((np.trace(M @ M) + M.sum()) * x),
    ),
]


@pytest.mark.parametrize(("text", "f"), SCALAR_THROUGH_LINEAR)
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_through_a_scalar_linear_node_has_the_variables_shape(
    text: str, f: Callable[..., float], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    n = 3 + seed
    M = rng.standard_normal((n, n)) / n
    x, A = rng.standard_normal(n), rng.standard_normal((n, 2))
    d = derive(text, "M", {"M": ("n", "n"), "x": ("n",), "A": ("n", "k")})
    got = d.evaluate(M=M, x=x, A=A)
    assert got.shape == (n, n)
    assert np.allclose(got, central(lambda V: f(V, x, A), M), rtol=1e-6, atol=1e-8)


# -- 3. gradients through vec and kron ------------------------------------------------------

VEC_KRON = [
    ("vec(X) @ vec(A)", "X", lambda v: np.ravel(v["X"], "F") @ np.ravel(v["A"], "F")),
    ("sum(kron(A, X))", "X", lambda v: np.sum(np.kron(v["A"], v["X"]))),
    ("sum(kron(A, X))", "A", lambda v: np.sum(np.kron(v["A"], v["X"]))),
    ("sum(kron(inv(M), X))", "M", lambda v: np.sum(np.kron(np.linalg.inv(v["M"]), v["X"]))),
    (
        "sin(sum(kron(-M, outer(z, y))))",
        "y",
        lambda v: np.sin(np.sum(np.kron(-v["M"], np.outer(v["z"], v["y"])))),
    ),
    ("trace(B.T @ kron(A, X))", "X", lambda v: np.trace(v["B"].T @ np.kron(v["A"], v["X"]))),
    ("trace(B.T @ kron(A, X))", "A", lambda v: np.trace(v["B"].T @ np.kron(v["A"], v["X"]))),
    ("norm(kron(A, X))", "A", lambda v: np.linalg.norm(np.kron(v["A"], v["X"]))),
    ("kron(z, y) @ w", "y", lambda v: np.kron(v["z"], v["y"]) @ v["w"]),
    ("sum(kron(kron(A, X), M))", "X", lambda v: np.sum(np.kron(np.kron(v["A"], v["X"]), v["M"]))),
    ("sum(exp(vec(A)) * vec(C))", "A", lambda v: np.sum(np.exp(v["A"]) * v["C"])),
    ("norm(vec(A.T @ C))", "C", lambda v: np.linalg.norm(v["A"].T @ v["C"])),
    ("w @ vec(X)", "X", lambda v: v["w"] @ np.ravel(v["X"], "F")),
    ("sin(w) @ vec(X * X)", "X", lambda v: np.sin(v["w"]) @ np.ravel(v["X"] ** 2, "F")),
]


@pytest.mark.parametrize(("text", "wrt", "f"), VEC_KRON)
@pytest.mark.parametrize(("seed", "sizes"), [(0, (2, 3, 3, 2, 2)), (1, (3, 2, 2, 3, 3))])
def test_gradients_through_vec_and_kron(
    text: str, wrt: str, f: Callable[[dict[str, Array]], float], seed: int, sizes: tuple[int, ...]
) -> None:
    m, k, p, q, n = sizes
    rng = np.random.default_rng(seed)
    v = {
        "A": rng.standard_normal((m, k)),
        "C": rng.standard_normal((m, k)),
        "X": rng.standard_normal((p, q)),
        "B": rng.standard_normal((m * p, k * q)),
        "M": rng.standard_normal((n, n)) + n * np.eye(n),
        "z": rng.standard_normal(p),
        "y": rng.standard_normal(q),
        "w": rng.standard_normal(p * q),
    }
    d = derive(text, wrt, {name: value.shape for name, value in v.items()})
    used = {name: v[name] for name in d.args}

    def g(value: Array) -> float:
        return float(f({**v, wrt: value}))

    got = d.evaluate(**used)
    assert got.shape == v[wrt].shape
    assert np.allclose(got, central(g, v[wrt]), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("seed", [0, 3])
def test_hessian_through_kron_of_an_inverse(seed: int) -> None:
    rng = np.random.default_rng(seed)
    M, X = rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((2, 2))
    hess = derive_hessian("sum(kron(inv(M), X))", "M", {"M": ("n", "n"), "X": ("p", "q")})

    def grad(V: Array) -> Array:  # d sum(inv(V)) sum(X) = -sum(X) inv(V).T 1 1ᵀ inv(V).T
        inv_t = np.linalg.inv(V).T
        return -np.sum(X) * inv_t @ np.ones((3, 3)) @ inv_t

    assert np.allclose(hess.evaluate(M=M, X=X), central(grad, M), rtol=1e-6, atol=1e-8)


# -- 4. check() on a symmetric variable ---------------------------------------------------

SYMMETRIC = [
    ("X @ X", lambda X: X @ X),
    ("X.T", lambda X: X.T),
    ("inv(X)", np.linalg.inv),
    ("X @ A @ X", None),
]


@pytest.mark.parametrize(("text", "f"), SYMMETRIC)
@pytest.mark.parametrize(("seed", "n"), [(0, 2), (1, 3), (2, 4)])
def test_symmetric_jacobians_check_and_agree_along_symmetric_directions(
    text: str, f: Callable[[Array], Array] | None, seed: int, n: int
) -> None:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    R = rng.standard_normal((n, n))
    X = (R + R.T) / 2 + n * np.eye(n)
    fun = f if f is not None else (lambda V: V @ A @ V)
    d = derive(text, "X", {"X": ("n", "n"), "A": ("n", "n")}, assume={"X": "symmetric"})
    assert d.check(seed=seed)
    claimed = d.evaluate(**{name: {"X": X, "A": A}[name] for name in d.args})
    for _ in range(3):
        E = rng.standard_normal((n, n))
        E = (E + E.T) / 2
        h = 1e-6
        want = (fun(X + h * E) - fun(X - h * E)) / (2 * h)
        got = np.einsum("ijkl,kl->ij", claimed, E)
        assert np.allclose(got, want, rtol=1e-6, atol=1e-8)


def test_a_wrong_symmetric_jacobian_fails_and_says_how_it_was_checked() -> None:
    d = derive("X @ X", "X", {"X": ("n", "n")}, assume={"X": "symmetric"})
    X = d.context.symbols["X"]
    wrong = 2 * sp.KroneckerProduct(sp.Identity(X.shape[0]), X)  # X dX + dX X merged
    result = replace(d, expr=wrong, mixed=wrong).check(seed=0)
    assert not result
    assert "assumed symmetric" in result.diagnosis
    assert "sym(X)" in result.diagnosis


@pytest.mark.parametrize("seed", [0, 1])
def test_symmetric_hessian_checks(seed: int) -> None:
    h = derive_hessian("trace(X @ X @ X)", "X", {"X": ("n", "n")}, assume={"X": "symmetric"})
    assert h.check(seed=seed)


@pytest.mark.parametrize("seed", [0, 1])
def test_kron_pullback_at_a_size_where_the_vec_matrix_would_not_fit(seed: int) -> None:
    # the (mnpq)² vec matrix of kron would need 3.4 GB here; the block sums do not
    m, k, p, q = 12, 12, 12, 12
    rng = np.random.default_rng(seed)
    A, X, B = (
        rng.standard_normal((m, k)),
        rng.standard_normal((p, q)),
        rng.standard_normal((m * p, k * q)),
    )
    shapes = {"A": A.shape, "X": X.shape, "B": B.shape}
    blocks = B.reshape(m, p, k, q)  # blocks[i, :, j, :] is the (i, j) block of B
    by_x = derive("trace(B.T @ kron(A, X))", "X", shapes).evaluate(A=A, X=X, B=B)
    by_a = derive("trace(B.T @ kron(A, X))", "A", shapes).evaluate(A=A, X=X, B=B)
    assert np.allclose(by_x, np.einsum("ij,ipjq->pq", A, blocks))
    assert np.allclose(by_a, np.einsum("pq,ipjq->ij", X, blocks))


# -- the vec(I) pair rules of simplify (they make the matrix-logsumexp Hessian readable) -------


def test_vec_identity_pair_rules_keep_the_value() -> None:
    from matderiv.expr.codegen import compile_roots
    from matderiv.expr.context import make_context
    from matderiv.expr.nodes import Vec
    from matderiv.symbolic.simplify import merge_pairs

    ctx = make_context({"B": (3, 2), "C": (2, 3)})
    B, C = ctx.symbols["B"], ctx.symbols["C"]
    I2, I3 = sp.Identity(2), sp.Identity(3)
    cases = [
        Vec(I3).T * sp.KroneckerProduct(I3, B),  # B has 3 rows
        Vec(I3).T * sp.KroneckerProduct(B, I3),
        sp.KroneckerProduct(I3, C) * Vec(I3),  # C has 3 columns
        sp.KroneckerProduct(C, I3) * Vec(I3),
        2 * Vec(I2).T * sp.KroneckerProduct(I2, C) * sp.KroneckerProduct(I3, B.T),
    ]
    rng = np.random.default_rng(0)
    values = {"B": rng.standard_normal((3, 2)), "C": rng.standard_normal((2, 3))}
    for expr in cases:
        merged = merge_pairs(expr)
        assert sum(isinstance(a, sp.KroneckerProduct) for a in sp.preorder_traversal(merged)) == (
            sum(isinstance(a, sp.KroneckerProduct) for a in sp.preorder_traversal(expr)) - 1
        )
        shape = tuple(expr.shape)
        fns = [compile_roots([e], ctx, [shape], ["B", "C"]) for e in (expr, merged)]
        assert np.allclose(fns[0](**values), fns[1](**values))
