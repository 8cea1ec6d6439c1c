"""Products with Kronecker and commutation factors are applied, never built.

The Jacobians of Kronecker products are products of ``kron(eye, commutation, eye)``
permutations and ``kron(eye, vec(X))`` factors; the generated code applies each factor to its
dense neighbour by reshapes (``_kron_matmul``, ``_commutation_matmul``).  The numbers are
checked against finite differences and against the same product built with ``np.kron``; the
memory against the size of the result.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest
import sympy as sp

from matderiv import derive
from matderiv.expr import to_function
from matderiv.expr._numpy_helpers import _commutation, _commutation_matmul, _kron_matmul
from matderiv.expr.nodes import Commutation, Diag
from matderiv.numeric import jacobian

KRON_FAMILIES = {
    "kron(X, X)": lambda X: np.kron(X, X),
    "kron(kron(X, X), X)": lambda X: np.kron(np.kron(X, X), X),
    "kron(X, A @ X)": lambda X: np.kron(X, _A(X.shape[0]) @ X),
}


def _A(n: int) -> Any:
    return np.arange(n * n, dtype=float).reshape(n, n) / n


@pytest.mark.parametrize("text", KRON_FAMILIES)
def test_kron_jacobian_matches_finite_differences(text: str) -> None:
    n = 3
    X = np.random.default_rng(5).standard_normal((n, n))
    d = derive(text, "X", {"X": ("n", "n"), "A": ("n", "n")})
    expected = jacobian(KRON_FAMILIES[text], X, method="central")
    got = d.evaluate(X=X, A=_A(n))
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("text", ["kron(X, X)", "kron(kron(X, X), X)"])
def test_kron_jacobian_memory_is_of_the_order_of_the_result(text: str) -> None:
    n = 5
    X = np.random.default_rng(6).standard_normal((n, n))
    d = derive(text, "X", {"X": ("n", "n")})
    d.evaluate(X=X)  # compile outside the measurement
    tracemalloc.start()
    try:
        result = d.evaluate(X=X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 4 * result.nbytes


def test_kron_matmul_equals_the_built_product() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((3, 2)), rng.standard_normal((4, 5))
    m = rng.standard_normal((2 * 3 * 5 * 6, 3))  # kron(a, eye(3), b, commutation(2, 3))
    built = np.kron(np.kron(np.kron(a, np.eye(3)), b), _commutation(2, 3))
    np.testing.assert_allclose(_kron_matmul(m, a, 3, b, (2, 3)), built @ m)
    np.testing.assert_allclose(_commutation_matmul(m[:6], 2, 3), _commutation(2, 3) @ m[:6])


def test_product_with_transposed_kron_and_diagonal_factors() -> None:
    # (K ⊗ I)ᵀ diag(v) (A ⊗ B) M through the structured path, against numpy on built matrices;
    # the generated source computes the same as the compiled function
    A, B = sp.MatrixSymbol("A", 3, 3), sp.MatrixSymbol("B", 2, 2)
    M, v = sp.MatrixSymbol("M", 6, 4), sp.MatrixSymbol("v", 6, 1)
    K = sp.KroneckerProduct(Commutation(3, 1), sp.Identity(2))
    expr = sp.MatMul(K.T, Diag(v), sp.KroneckerProduct(A, B), M)
    f = to_function(expr, {"A": (3, 3), "B": (2, 2), "M": (6, 4), "v": (6,)})
    assert "np.kron" not in f.source
    rng = np.random.default_rng(8)
    shapes = {"A": (3, 3), "B": (2, 2), "M": (6, 4), "v": (6,)}
    arrays = {k: rng.standard_normal(s) for k, s in shapes.items()}
    built = (
        np.kron(_commutation(3, 1), np.eye(2)).T
        @ np.diag(arrays["v"])
        @ np.kron(arrays["A"], arrays["B"])
        @ arrays["M"]
    )
    np.testing.assert_allclose(f(**arrays), built)
    namespace: dict[str, Any] = {}
    exec(compile(f.source, "<generated>", "exec"), namespace)  # noqa: S102  (our own output)
    np.testing.assert_allclose(namespace["f"](**arrays), built)
