"""Accuracy of matderiv's numeric derivatives, per method, over smooth test functions.

For each test function the exact derivative is written out by hand (an oracle
independent of matderiv), and ``matderiv.numeric.jacobian`` is run with each
method at several random points.  The figure is the relative error
``max|J_numeric − J_exact| / max|J_exact|``; the table shows, per function and
method, the largest value over the points.

Targets (issue 3): complex step <= 1e-13, Richardson <= 1e-11, central <= 1e-8.

Usage::

    python benchmarks/bench_numeric_accuracy.py [--points N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from matderiv.numeric import Method, jacobian

Array = np.ndarray
Case = tuple[Callable[[Array], npt.ArrayLike], Array, Array]
METHODS: tuple[Method, ...] = ("forward", "central", "richardson", "complex")
TARGETS: dict[Method, float] = {"complex": 1e-13, "richardson": 1e-11, "central": 1e-8}


def _spd(rng: np.random.Generator, n: int) -> Array:
    A = rng.standard_normal((n, n))
    return A @ A.T / n + np.eye(n)


def _sigmoid(z: Array) -> Array:
    value: Array = 1.0 / (1.0 + np.exp(-z))
    return value


def cases(rng: np.random.Generator) -> dict[str, Case]:
    """Function, point and exact mixed-layout derivative."""
    n = 4
    X = _spd(rng, n)
    Y = rng.standard_normal((n, n))
    A, B = rng.standard_normal((3, n)), rng.standard_normal((n, 2))
    W, b, u = rng.standard_normal((3, n)), rng.standard_normal(3), rng.standard_normal(3)
    x, c = rng.standard_normal(n), rng.standard_normal(3)
    eye = np.eye(n)
    inv = np.linalg.inv(X)
    z = W @ x + b
    soft = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    return {
        "inv(X)": (np.linalg.inv, X, -np.einsum("ik,lj->ijkl", inv, inv)),
        "det(X)": (np.linalg.det, X, np.linalg.det(X) * inv.T),
        "log det(X)": (lambda X: np.log(np.linalg.det(X)), X, inv.T),
        "exp(Y) entrywise": (np.exp, Y, np.einsum("ij,ik,jl->ijkl", np.exp(Y), eye, eye)),
        "tanh layer uᵀtanh(Wx+b)": (
            lambda x: u @ np.tanh(W @ x + b),
            x,
            W.T @ (u * (1.0 - np.tanh(z) ** 2)),
        ),
        "Y @ Y": (
            lambda Y: Y @ Y,
            Y,
            np.einsum("ik,lj->ijkl", eye, Y) + np.einsum("ik,lj->ijkl", Y, eye),
        ),
        "A Y B": (lambda Y: A @ Y @ B, Y, np.einsum("ik,lj->ijkl", A, B)),
        "xᵀ X x": (lambda x: x @ X @ x, x, (X + X.T) @ x),
        "|Ax - c|²": (lambda x: np.sum((A @ x - c) ** 2), x, 2.0 * A.T @ (A @ x - c)),
        "sigmoid(Wx+b)": (
            lambda x: _sigmoid(W @ x + b),
            x,
            (_sigmoid(z) * (1.0 - _sigmoid(z)))[:, None] * W,
        ),
        "softmax(Wx+b)": (
            lambda x: np.exp(W @ x + b) / np.sum(np.exp(W @ x + b)),
            x,
            (np.diag(soft) - np.outer(soft, soft)) @ W,
        ),
        "tr(sin(Y) Yᵀ)": (
            lambda Y: np.trace(np.sin(Y) @ Y.T),
            Y,
            np.cos(Y) * Y + np.sin(Y),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20, help="random points per function")
    args = parser.parse_args()
    worst: dict[str, dict[str, float]] = {}
    for seed in range(args.points):
        for name, (f, x, exact) in cases(np.random.default_rng(seed)).items():
            row = worst.setdefault(name, {})
            for method in METHODS:
                J = jacobian(f, x, method=method)
                err = float(np.max(np.abs(J - exact)) / np.max(np.abs(exact)))
                row[method] = max(row.get(method, 0.0), err)
    width = max(map(len, worst))
    print(f"max relative error over {args.points} random points per function")
    print(f"{'function':<{width}}  " + "  ".join(f"{m:>10}" for m in METHODS))
    for name, row in worst.items():
        print(f"{name:<{width}}  " + "  ".join(f"{row[m]:10.1e}" for m in METHODS))
    overall = {m: max(row[m] for row in worst.values()) for m in METHODS}
    print(f"{'max over all':<{width}}  " + "  ".join(f"{overall[m]:10.1e}" for m in METHODS))
    for method, target in TARGETS.items():
        verdict = "meets" if overall[method] <= target else "MISSES"
        print(f"{method}: {overall[method]:.1e} {verdict} the target {target:.0e}")


if __name__ == "__main__":
    main()
