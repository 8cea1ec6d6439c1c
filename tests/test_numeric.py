"""Numeric derivatives against explicit, independently written derivatives."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matderiv.errors import NumericError, ShapeError, UnsupportedError
from matderiv.numeric import Method, gradient, hessian, jacobian, jvp

RNG_SEED = 20261122
ACCURACY: dict[Method, float] = {
    "forward": 1e-6,
    "central": 1e-8,
    "richardson": 1e-10,
    "complex": 1e-13,
}


def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    A = rng.standard_normal((n, n))
    return A @ A.T / n + np.eye(n)


def _cases() -> dict[str, tuple[Callable[[np.ndarray], Any], np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(RNG_SEED)
    n = 3
    X = _spd(rng, n)
    W, b, u = rng.standard_normal((2, n)), rng.standard_normal(2), rng.standard_normal(2)
    x = rng.standard_normal(n)
    eye = np.eye(n)
    inv = np.linalg.inv
    return {
        # f, point, explicit mixed-layout derivative
        "inv": (inv, X, -np.einsum("ik,lj->ijkl", inv(X), inv(X))),
        "det": (np.linalg.det, X, np.linalg.det(X) * inv(X).T),
        "log det": (lambda X: np.log(np.linalg.det(X)), X, inv(X).T),
        "exp": (np.exp, X, np.einsum("ij,ik,jl->ijkl", np.exp(X), eye, eye)),
        "tanh layer": (
            lambda x: u @ np.tanh(W @ x + b),
            x,
            W.T @ (u * (1.0 - np.tanh(W @ x + b) ** 2)),
        ),
        "X squared": (
            lambda X: X @ X,
            X,
            np.einsum("ik,lj->ijkl", eye, X) + np.einsum("ik,lj->ijkl", X, eye),
        ),
    }


@pytest.mark.parametrize("method", list(ACCURACY))
@pytest.mark.parametrize("name", list(_cases()))
def test_jacobian_accuracy_per_method(name: str, method: Method) -> None:
    f, x, expected = _cases()[name]
    J = jacobian(f, x, method=method)
    assert J.shape == expected.shape
    error = np.max(np.abs(J - expected)) / np.max(np.abs(expected))
    assert error <= ACCURACY[method], f"{name} by {method}: relative error {error:.2e}"


shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)


@settings(max_examples=40, deadline=None)
@given(in_shape=shapes, out_shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_jacobian_is_the_generalized_jacobian_of_a_linear_map(
    in_shape: tuple[int, ...], out_shape: tuple[int, ...], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    L = rng.standard_normal(out_shape + in_shape)
    x = rng.standard_normal(in_shape)

    def f(y: np.ndarray) -> np.ndarray:
        return np.tensordot(L, y, axes=len(in_shape))

    J = jacobian(f, x, method="central")
    assert J.shape == out_shape + in_shape
    np.testing.assert_allclose(J, L, rtol=1e-8, atol=1e-8)


def test_gradient_has_the_shape_of_x_and_needs_a_scalar_function() -> None:
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(gradient(lambda X: np.sum(X**2), X), 2 * X, rtol=1e-9)
    with pytest.raises(ShapeError, match=r"scalar-valued f, but f\(x\) has shape \(2, 3\)"):
        gradient(lambda X: X * 2, X)


def test_jvp_matches_the_differential_of_x_squared() -> None:
    rng = np.random.default_rng(5)
    X, dX = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    for method in ACCURACY:
        got = jvp(lambda X: X @ X, X, dX, method=method)
        np.testing.assert_allclose(got, X @ dX + dX @ X, rtol=1e-5, atol=1e-7)
    with pytest.raises(ShapeError, match=r"dx has shape \(3,\) but x has shape \(3, 3\)"):
        jvp(lambda X: X @ X, X, np.ones(3))


def test_jvp_step_scales_with_x() -> None:
    # at |x| ~ 1e6 a fixed absolute step of 6e-6 would be lost in round-off
    x = np.array([1.0e6, 2.0e6])
    got = jvp(lambda x: np.sum(x**3), x, np.array([1.0, 0.0]))
    assert got == pytest.approx(3.0e12, rel=1e-8)


def test_richardson_adapts_its_step_to_the_function_scale() -> None:
    # relative steps are ~4 at x = 500: far too large for sin, whose scale is 1
    x = np.array([500.0, -800.0])
    J = jacobian(np.sin, x, method="richardson")
    np.testing.assert_allclose(J, np.diag(np.cos(x)), atol=1e-10)
    # log det near a singular matrix: the first steps leave the domain (det < 0)
    rng = np.random.default_rng(8)
    B = 0.02 * rng.standard_normal((4, 4))
    M = B @ B.T + 4e-4 * np.eye(4)
    G = jacobian(lambda M: np.log(np.linalg.det(M)), M, method="richardson")
    np.testing.assert_allclose(G, np.linalg.inv(M).T, rtol=1e-8)


def test_hessian_of_a_quadratic_form_and_of_log_det() -> None:
    rng = np.random.default_rng(6)
    A = rng.standard_normal((3, 3))
    x = rng.standard_normal(3)
    H = hessian(lambda x: x @ A @ x, x)
    np.testing.assert_allclose(H, A + A.T, atol=1e-6)
    X = _spd(rng, 2)
    # d² log det X [dX, dY] = -tr(X⁻¹ dX X⁻¹ dY), so H[i, j, k, l] = -X⁻¹[l, i] X⁻¹[j, k]
    Xi = np.linalg.inv(X)
    expected = -np.einsum("li,jk->ijkl", Xi, Xi)
    tolerances: dict[Method, float] = {"central": 1e-5, "complex": 1e-8, "richardson": 1e-8}
    for method, tol in tolerances.items():
        got = hessian(lambda X: np.log(np.linalg.det(X)), X, method=method)
        np.testing.assert_allclose(got, expected, atol=tol)


def test_integer_x_is_converted_to_float64() -> None:
    assert jacobian(lambda x: x**2, 3) == pytest.approx(6.0, rel=1e-9)
    assert jacobian(lambda x: x**2, np.array([1, 2]), method="complex").dtype == np.float64


@pytest.mark.parametrize(
    ("x", "match"),
    [(np.array([1.0, np.nan]), r"x contains NaN at index \(1,\)"), (math.inf, "x contains inf")],
)
def test_non_finite_x_is_rejected(x: np.ndarray | float, match: str) -> None:
    with pytest.raises(NumericError, match=match):
        jacobian(np.sin, x)


def test_non_finite_f_is_rejected_with_where_it_happened() -> None:
    with pytest.raises(NumericError, match=r"f\(x\) contains inf"):
        jacobian(lambda x: 1.0 / x, np.array([0.0, 1.0]))
    with pytest.raises(NumericError, match="left f's domain"):
        jacobian(np.sqrt, np.array([0.0]))


@pytest.mark.parametrize(
    ("f", "error", "match"),
    [
        (lambda x: None, NumericError, "returned NoneType"),
        (lambda x: "x", NumericError, "returned str"),
        (lambda x: [x[0], [1.0, 2.0]], NumericError, "not a rectangular array"),
        (lambda x: x * 1j, NumericError, "complex values at real x"),
        (lambda x: x[: 1 + int(x[0] > 1.0)], ShapeError, r"shape \(2,\) at a perturbed point"),
    ],
)
def test_bad_function_results(
    f: Callable[[np.ndarray], Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        jacobian(f, np.array([1.0, 2.0]))


@pytest.mark.parametrize(
    "f",
    [
        np.abs,
        lambda x: np.linalg.norm(x),
        lambda x: np.real(x * x),
        lambda x: np.vdot(x, x),
        lambda x: np.linalg.slogdet(np.diag(x))[1],
    ],
    ids=["abs", "norm", "real", "vdot", "slogdet"],
)
def test_complex_step_on_an_unsafe_function_suggests_central(
    f: Callable[[np.ndarray], Any],
) -> None:
    x = np.array([0.7, -1.3, 2.1])
    with pytest.raises(NumericError, match=r"not complex-step safe.*method='central'"):
        jacobian(f, x, method="complex")
    assert np.all(np.isfinite(jacobian(f, x, method="central")))


def test_complex_step_on_a_function_that_refuses_complex_input() -> None:
    with pytest.raises(NumericError, match=r"not complex-step safe.*TypeError.*'central'"):
        jacobian(lambda x: np.floor(x) + x, 0.5, method="complex")
    with pytest.raises(NumericError, match=r"ComplexWarning.*'central'"):
        jacobian(lambda x: x.astype(np.float64) ** 2, np.array([0.5]), method="complex")


def test_unknown_method_and_complex_x() -> None:
    with pytest.raises(UnsupportedError, match="'forward', 'central'"):
        jacobian(np.sin, 1.0, method="backward")  # type: ignore[arg-type]
    with pytest.raises(UnsupportedError, match="x is complex"):
        jacobian(np.sin, 1.0 + 1j)


def test_an_explicit_step_is_used_as_given() -> None:
    # Richardson with a chosen step does not adapt it: at h = 0.1 its truncation shows
    exact = np.cos(0.7) * np.exp(np.sin(0.7))
    error = abs(jvp(lambda x: np.exp(np.sin(x)), 0.7, 1.0, method="richardson", step=0.1) - exact)
    assert 1e-13 < error / exact < 1e-9
    adapted = abs(jvp(lambda x: np.exp(np.sin(x)), 0.7, 1.0, method="richardson") - exact)
    assert adapted / exact < 1e-12
