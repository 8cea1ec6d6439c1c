"""The spectral functions: derivatives against finite differences of plain numpy/SciPy
functions, the kernels against mpmath at 50 digits, and the refusals where the derivative
breaks (near-repeated eigenvalues or singular values, rank deficiency, the negative real axis).
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import pytest
import scipy.linalg as sla

import matderiv
from matderiv.errors import ArgumentError, SpectralGapError, UnsupportedError
from matderiv.expr import to_function
from matderiv.expr._numpy_helpers import (
    _matrix_function,
    _matrix_function_frechet,
)
from matderiv.numeric import gradient, jacobian

N = 4
SHAPES = {"X": ("n", "n"), "A": ("n", "n"), "w": ("n",), "Y": (3, 5), "B": (3, 5)}


def _spd(rng: np.random.Generator, n: int = N) -> Any:
    r = rng.standard_normal((n, n))
    return r @ r.T + n * np.eye(n)


def _positive_stable(rng: np.random.Generator, n: int = N) -> Any:
    """A non-symmetric matrix with eigenvalues in the right half plane."""
    return rng.standard_normal((n, n)) / np.sqrt(n) + 2.5 * np.eye(n)


def _sym(g: Any) -> Any:
    return (g + g.T) / 2


# -- derivatives against finite differences -----------------------------------------------------

#: (expression, variable, assumption on X, the same scalar function in plain numpy/SciPy,
#:  how X is drawn, whether the gradient is on symmetric matrices)
GRADIENTS: list[tuple[str, Any, str, bool]] = [
    ("trace(expm(X))", lambda X, A: np.trace(sla.expm(X)), "general", False),
    ("trace(A @ expm(X))", lambda X, A: np.trace(A @ sla.expm(X)), "general", False),
    ("trace(A @ expm(X))", lambda X, A: np.trace(A @ sla.expm(X)), "spd", True),
    ("trace(logm(X))", lambda X, A: np.trace(sla.logm(X)).real, "stable", False),
    ("trace(A @ logm(X))", lambda X, A: np.trace(A @ sla.logm(X)).real, "stable", False),
    ("trace(A @ logm(X))", lambda X, A: np.trace(A @ sla.logm(X)).real, "spd", True),
    ("trace(sqrtm(X))", lambda X, A: np.trace(sla.sqrtm(X)).real, "stable", False),
    ("trace(A @ sqrtm(X))", lambda X, A: np.trace(A @ sla.sqrtm(X)).real, "stable", False),
    ("trace(A @ sqrtm(X))", lambda X, A: np.trace(A @ sla.sqrtm(X)).real, "spd", True),
    ("w @ eigvalsh(X)", None, "symmetric", False),  # w is filled in below
    ("sum(eigvalsh(X) ** 2)", lambda X, A: np.sum(np.linalg.eigvalsh(X) ** 2), "symmetric", True),
    ('norm(X, "nuc")', lambda X, A: np.linalg.norm(X, "nuc"), "general", False),
    ("norm(X, 2)", lambda X, A: np.linalg.norm(X, 2), "general", False),
    ("w @ svdvals(X)", None, "general", False),
    (
        "sum(log(diag(cholesky(X))))",
        lambda X, A: np.log(np.diag(np.linalg.cholesky(X))).sum(),
        "spd",
        True,
    ),
    ("sum(A * cholesky(X))", lambda X, A: np.sum(A * np.linalg.cholesky(X)), "spd", True),
    ("trace(A @ pinv(X))", lambda X, A: np.trace(A @ np.linalg.pinv(X)), "general", False),
]


def _draw(kind: str, rng: np.random.Generator) -> Any:
    if kind == "spd":
        return _spd(rng)
    if kind == "stable":
        return _positive_stable(rng)
    if kind == "symmetric":
        return _sym(rng.standard_normal((N, N)))
    return rng.standard_normal((N, N))


@pytest.mark.parametrize(("expr", "oracle", "kind", "on_symmetric"), GRADIENTS)
def test_gradient_against_finite_differences(
    expr: str, oracle: Any, kind: str, on_symmetric: bool
) -> None:
    rng = np.random.default_rng(abs(hash((expr, kind))) % 2**32)
    X, A, w = _draw(kind, rng), rng.standard_normal((N, N)), rng.standard_normal(N)
    if oracle is None:  # w @ spectrum: the weighted eigenvalues / singular values
        values = np.linalg.eigvalsh if "eigvalsh" in expr else sla.svdvals
        oracle = lambda X, A: w @ values(X)  # noqa: E731
    assume = {"X": "spd"} if kind == "spd" else {"X": "symmetric"} if kind == "symmetric" else {}
    d = matderiv.derive(expr, "X", SHAPES, assume=assume)
    args = {k: v for k, v in {"X": X, "A": A, "w": w}.items() if k in d.args}
    got = d.evaluate(**args)
    # SciPy's logm costs milliseconds a call: central differences (error ~1e-9) for it
    method: Any = "central" if "logm" in expr else "richardson"
    if kind in ("spd", "symmetric"):  # the function of a symmetric matrix: symmetric steps
        want = _sym(gradient(lambda V: oracle(_sym(V), A), X, method))
        got = _sym(got) if not on_symmetric else got
    else:
        want = gradient(lambda V: oracle(V, A), X, method)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7 * max(1.0, np.abs(want).max()))
    if kind != "stable":  # the check's random inputs: Gaussian, or as assumed
        assert d.check(seed=3)


@pytest.mark.parametrize(
    ("expr", "make", "numpy"),
    [
        ("expm(X)", lambda r: r.standard_normal((N, N)), sla.expm),
        ("logm(X)", _positive_stable, lambda X: sla.logm(X).real),
        ("sqrtm(X)", _positive_stable, lambda X: sla.sqrtm(X).real),
        ("eigvalsh(X)", lambda r: _sym(r.standard_normal((N, N))), np.linalg.eigvalsh),
        ("svdvals(Y)", lambda r: r.standard_normal((3, 5)), sla.svdvals),
        ("cholesky(X)", _spd, lambda X: np.linalg.cholesky(X)),
        ("pinv(Y)", lambda r: r.standard_normal((3, 5)), np.linalg.pinv),
    ],
)
def test_jacobian_against_finite_differences(expr: str, make: Any, numpy: Any) -> None:
    rng = np.random.default_rng(len(expr))
    X = make(rng)
    name = "Y" if "Y" in expr else "X"
    symmetric = expr.startswith(("eigvalsh", "cholesky"))
    d = matderiv.derive(expr, name, SHAPES)
    J = d.evaluate(**{name: X})  # mixed layout: out_shape + in_shape

    def f(V: Any) -> Any:
        return numpy(_sym(V) if symmetric else V)

    want = jacobian(f, X, "central" if "logm" in expr else "richardson")
    np.testing.assert_allclose(J, want, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(want).max()))


def test_trace_of_a_matrix_function_is_the_closed_form() -> None:
    # d tr f(X) = tr(f'(X) dX): the gradient is f'(X)ᵀ, no Fréchet kernel
    assert matderiv.derive("trace(expm(X))", "X", SHAPES).text() == "expm(X.T)"
    assert matderiv.derive("trace(logm(X))", "X", SHAPES).text() == "inv(X.T)"
    d = matderiv.derive("trace(sqrtm(X))", "X", SHAPES)
    X = _spd(np.random.default_rng(1))
    np.testing.assert_allclose(d.evaluate(X=X), 0.5 * np.linalg.inv(sla.sqrtm(X)), rtol=1e-10)


def test_hessians_through_cholesky_and_closed_forms() -> None:
    h = matderiv.derive_hessian("sum(log(diag(cholesky(X))))", "X", SHAPES, assume={"X": "spd"})
    assert h.check(seed=0)
    assert matderiv.derive_hessian("trace(expm(X))", "X", SHAPES).check(seed=0)


@pytest.mark.parametrize("expr", ["w @ eigvalsh(X)", "trace(A @ expm(X))", 'norm(X, "nuc")'])
def test_second_derivatives_through_vectors_are_refused(expr: str) -> None:
    with pytest.raises(UnsupportedError, match="second derivative"):
        matderiv.derive_hessian(expr, "X", SHAPES)


# -- where the derivatives break ------------------------------------------------------------


def _eig_gradient() -> Any:
    return to_function(matderiv.derive("w @ eigvalsh(X)", "X", SHAPES).text(), SHAPES)


@pytest.mark.parametrize("gap", [1e-9, 1e-12, 0.0])
def test_near_repeated_eigenvalues_raise_with_the_gap(gap: float) -> None:
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    X = q @ np.diag([1.0, 1.0 + gap, 2.0, 3.0]) @ q.T
    d = matderiv.derive("w @ eigvalsh(X)", "X", SHAPES)
    with pytest.raises(SpectralGapError, match="eigenvalues") as err:
        d.evaluate(X=X, w=np.ones(N))
    assert f"{gap:.3g}"[:3] in str(err.value) or gap == 0.0


def test_well_separated_but_close_eigenvalues_are_accurate() -> None:
    # a gap of 1e-5 (above the 1e-8 threshold): the gradient is still right
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    X = q @ np.diag([1.0, 1.0 + 1e-5, 2.0, 3.0]) @ q.T
    w = np.array([1.0, -1.0, 0.5, 2.0])
    d = matderiv.derive("w @ eigvalsh(X)", "X", SHAPES)
    want = q @ np.diag(w) @ q.T  # the eigenvectors are q's columns
    np.testing.assert_allclose(d.evaluate(X=X, w=w), want, atol=1e-8)


@pytest.mark.parametrize(
    ("expr", "singular"),
    [
        ('norm(X, "nuc")', [3.0, 2.0, 1.0, 1e-12]),  # a singular value at zero
        ('norm(X, "nuc")', [3.0, 2.0, 2.0 - 1e-12, 1.0]),  # two equal singular values
        ("norm(X, 2)", [3.0, 3.0 - 1e-13, 1.0, 0.5]),  # the leading pair not separated
        ("w @ svdvals(X)", [3.0, 2.0, 2.0, 1.0]),
    ],
)
def test_near_repeated_singular_values_raise(expr: str, singular: list[float]) -> None:
    rng = np.random.default_rng(2)
    u, _ = np.linalg.qr(rng.standard_normal((N, N)))
    v, _ = np.linalg.qr(rng.standard_normal((N, N)))
    X = u @ np.diag(singular) @ v.T
    d = matderiv.derive(expr, "X", SHAPES)
    args = {"X": X, "w": np.ones(N)}
    with pytest.raises(SpectralGapError, match="singular values"):
        d.evaluate(**{k: args[k] for k in d.args})


def test_spectral_norm_needs_only_the_leading_gap() -> None:
    rng = np.random.default_rng(3)
    u, _ = np.linalg.qr(rng.standard_normal((N, N)))
    v, _ = np.linalg.qr(rng.standard_normal((N, N)))
    X = u @ np.diag([3.0, 1.0, 1.0, 0.0]) @ v.T  # repeated and zero values below the top
    d = matderiv.derive("norm(X, 2)", "X", SHAPES)
    np.testing.assert_allclose(d.evaluate(X=X), np.outer(u[:, 0], v[:, 0]), atol=1e-12)


def test_rank_deficient_pinv_raises() -> None:
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 5))
    X[2] = X[0] + X[1]
    d = matderiv.derive("pinv(Y)", "Y", SHAPES)
    with pytest.raises(SpectralGapError, match="full rank"):
        d.evaluate(Y=X)


@pytest.mark.parametrize("name", ["logm", "sqrtm"])
def test_negative_eigenvalue_is_refused(name: str) -> None:
    X = np.diag([-1.0, 2.0, 3.0, 4.0]) + np.triu(np.ones((N, N)), 1)  # not symmetric
    with pytest.raises(ArgumentError, match="negative real axis"):
        to_function(f"{name}(X)", SHAPES)(X=X)
    S = np.diag([-1.0, 2.0, 3.0, 4.0])  # symmetric: the Daleckii–Krein kernel refuses too
    with pytest.raises(ArgumentError, match="<= 0"):
        _matrix_function_frechet(name, S, np.eye(N))


def test_svdvals_of_unknown_rank_is_a_clear_shape_error() -> None:
    with pytest.raises(matderiv.errors.ShapeError, match="min"):
        matderiv.derive("svdvals(Z)", "Z", {"Z": ("m", "n")})


# -- the kernels against mpmath at 50 digits ------------------------------------------------------

MP = {"expm": mpmath.expm, "logm": mpmath.logm, "sqrtm": mpmath.sqrtm}


def _mp(name: str, X: Any) -> Any:
    with mpmath.workdps(50):
        value = MP[name](mpmath.matrix(X.tolist()))
        return np.array(
            [[float(mpmath.re(value[i, j])) for j in range(value.cols)] for i in range(value.rows)]
        )


def _rel(a: Any, b: Any) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def kernel_errors(seed: int = 0, count: int = 8) -> dict[str, float]:
    """The largest relative error (Frobenius) of each kernel against mpmath at 50 digits, over
    `count` random 4 x 4 inputs: general for expm, positive stable (non-symmetric) and spd for
    logm and sqrtm; the Fréchet derivatives against the block form ``f([[X, E], [0, X]])``
    evaluated by mpmath, symmetric (Daleckii–Krein) and general inputs."""
    rng = np.random.default_rng(seed)
    worst: dict[str, float] = {}

    def note(key: str, err: float) -> None:
        worst[key] = max(worst.get(key, 0.0), err)

    for _ in range(count):
        for name in MP:
            inputs = [_spd(rng), _positive_stable(rng)]
            if name == "expm":
                inputs.append(rng.standard_normal((N, N)))
            for X in inputs:
                note(name, _rel(_matrix_function(name, X), _mp(name, X)))
                E = rng.standard_normal((N, N))
                block = np.block([[X, E], [np.zeros((N, N)), X]])
                exact = _mp(name, block)[:N, N:]
                kind = "symmetric" if np.array_equal(X, X.T) else "general"
                note(f"{name}_frechet ({kind})", _rel(_matrix_function_frechet(name, X, E), exact))
            X = inputs[-1]
            K = _matrix_function_frechet(name, X, "vec")
            E = rng.standard_normal((N, N))
            exact = _mp(name, np.block([[X, E], [np.zeros((N, N)), X]]))[:N, N:]
            note(
                f"{name}_frechet_matrix",
                _rel(K @ E.reshape(-1, order="F"), exact.reshape(-1, order="F")),
            )
    return worst


def test_kernels_against_mpmath() -> None:
    errors = kernel_errors(count=1)
    for key, err in errors.items():
        assert err < 1e-11, (key, err)
    assert {"expm", "logm", "sqrtm", "expm_frechet (symmetric)", "logm_frechet (general)"} <= set(
        errors
    )


def test_daleckii_krein_handles_equal_and_close_eigenvalues() -> None:
    # divided differences with equal (f') and nearly equal eigenvalues, without cancellation
    q, _ = np.linalg.qr(np.random.default_rng(5).standard_normal((N, N)))
    for gap in (0.0, 1e-13, 1e-7):
        X = q @ np.diag([1.0, 1.0 + gap, 2.0, 4.0]) @ q.T
        X = (X + X.T) / 2
        E = np.random.default_rng(6).standard_normal((N, N))
        for name in MP:
            exact = _mp(name, np.block([[X, E], [np.zeros((N, N)), X]]))[:N, N:]
            assert _rel(_matrix_function_frechet(name, X, E), exact) < 1e-11, (name, gap)


def test_symmetric_functions_read_the_symmetric_part() -> None:
    # eigvalsh, eigvecsh and cholesky are functions of every square matrix: of (X + Xᵀ)/2
    rng = np.random.default_rng(7)
    X = rng.standard_normal((N, N))
    S = _sym(X) + 2 * N * np.eye(N)
    np.testing.assert_allclose(
        to_function("eigvalsh(X)", SHAPES)(X=X), np.linalg.eigvalsh(_sym(X)), rtol=1e-12
    )
    Y = S + (X - X.T)  # an spd symmetric part plus a skew part
    np.testing.assert_allclose(
        to_function("cholesky(X)", SHAPES)(X=Y), np.linalg.cholesky(S), rtol=1e-12
    )
