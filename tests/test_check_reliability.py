"""Reliability of the checker: no false alarms, every mutated derivative caught and named.

1000 random cases (random family, shapes and seed).  Each family is a function
with a hand-written derivative made of two terms, so that the mutations
"transposed", "sign flipped", "×2", "×1.01" and "one term dropped" all apply.
A mutation counts as caught when the check fails or the checker rejects the
array's shape (a transposed non-square derivative no longer fits the layout).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matderiv.errors import ShapeError
from matderiv.numeric import check_derivative

Array = np.ndarray
N_CASES = 1000


@dataclass
class Case:
    name: str
    f: Callable[[Array], npt.ArrayLike]
    x: Array
    terms: tuple[Array, Array]  # the derivative (mixed layout) is terms[0] + terms[1]


def _spd(rng: np.random.Generator, n: int) -> Array:
    A = rng.standard_normal((n, n))
    return A @ A.T / n + np.eye(n)


def trace_plus_sin(rng: np.random.Generator) -> Case:
    p, q = rng.integers(1, 5, size=2)
    A, X = rng.standard_normal((q, p)), rng.standard_normal((p, q))
    return Case(
        "tr(AX) + sum(sin X)",
        lambda X: np.trace(A @ X) + np.sum(np.sin(X)),
        X,
        (A.T, np.cos(X)),
    )


def quadratic_plus_exp(rng: np.random.Generator) -> Case:
    n = int(rng.integers(1, 6))
    A, b, x = rng.standard_normal((n, n)), rng.standard_normal(n), rng.standard_normal(n)
    return Case(
        "xᵀAx + bᵀexp(x)",
        lambda x: x @ A @ x + b @ np.exp(x),
        x,
        (A @ x, A.T @ x + b * np.exp(x)),
    )


def tanh_map(rng: np.random.Generator) -> Case:
    m, n = rng.integers(1, 5, size=2)
    A, B, x = rng.standard_normal((m, n)), rng.standard_normal((m, n)), rng.standard_normal(n)
    return Case(
        "A tanh(x) + Bx",
        lambda x: A @ np.tanh(x) + B @ x,
        x,
        (A * (1.0 - np.tanh(x) ** 2), B),
    )


def matrix_square(rng: np.random.Generator) -> Case:
    n = int(rng.integers(1, 5))
    X, eye = rng.standard_normal((n, n)), np.eye(n)
    return Case(
        "X²",
        lambda X: X @ X,
        X,
        (np.einsum("ik,lj->ijkl", eye, X), np.einsum("ik,lj->ijkl", X, eye)),
    )


def tanh_layer(rng: np.random.Generator) -> Case:
    m, n = rng.integers(1, 5, size=2)
    W, x, b, u = (rng.standard_normal(s) for s in ((m, n), n, m, m))
    lam = float(rng.uniform(0.1, 1.0))

    def f(W: Array) -> float:
        value: float = u @ np.tanh(W @ x + b) + lam / 2 * np.sum(W * W)
        return value

    delta = u * (1.0 - np.tanh(W @ x + b) ** 2)
    return Case("uᵀtanh(Wx + b) + λ|W|²/2", f, W, (np.outer(delta, x), lam * W))


def logdet_plus_trace(rng: np.random.Generator) -> Case:
    n = int(rng.integers(1, 5))
    X, C = _spd(rng, n) + rng.standard_normal((n, n)) / (4 * n), rng.standard_normal((n, n))
    return Case(
        "log det X + tr(CX)",
        lambda X: np.log(np.linalg.det(X)) + np.trace(C @ X),
        X,
        (np.linalg.inv(X).T, C.T),
    )


FAMILIES = [
    trace_plus_sin,
    quadratic_plus_exp,
    tanh_map,
    matrix_square,
    tanh_layer,
    logdet_plus_trace,
]


def _transposed(J: Array, x: Array) -> Array:
    out_rank = J.ndim - x.ndim
    if x.ndim == 2:
        return J.swapaxes(out_rank, out_rank + 1)
    if x.ndim == 1 and out_rank == 1:
        return J.T
    return J.reshape(1, -1)  # a gradient "transposed" into a row


MUTATIONS: dict[str, Callable[[Case, Array], Array]] = {
    "transposed": lambda case, J: _transposed(J, case.x),
    "sign flipped": lambda case, J: -J,
    "×2": lambda case, J: 2.0 * J,
    "×1.01": lambda case, J: 1.01 * J,
    "one term dropped": lambda case, J: case.terms[0],
}


#: What the diagnosis must say for each mutation (a ShapeError names the layout instead).
EXPECTED_WORDS = {
    "transposed": "transposed",
    "sign flipped": "sign flipped",
    "×2": "factor of 2",
    "×1.01": "1.01 × true",
    "one term dropped": "",  # caught is enough: a dropped term has no fixed signature
}


def _check(case: Case, wrong: Array) -> tuple[bool, str]:
    """Whether the mistake was caught, and what the checker said."""
    try:
        result = check_derivative(case.f, wrong, case.x)
    except ShapeError as err:
        return True, f"ShapeError: {err}"
    return not result.passed, result.diagnosis


def test_no_false_alarms_and_every_mutation_caught() -> None:
    rng = np.random.default_rng(12345)
    false_alarms: list[str] = []
    missed: list[str] = []
    misdiagnosed: list[str] = []
    applied = 0
    for k in range(N_CASES):
        case = FAMILIES[k % len(FAMILIES)](rng)
        J = case.terms[0] + case.terms[1]
        result = check_derivative(case.f, J, case.x, seed=k)
        if not result:
            false_alarms.append(f"case {k} {case.name}: {result}")
        for name, mutate in MUTATIONS.items():
            wrong = mutate(case, J)
            if wrong.shape == J.shape and np.allclose(wrong, J, rtol=1e-3, atol=1e-9):
                continue  # the mutation is not a mistake here (e.g. a symmetric or 1×1 derivative)
            applied += 1
            caught, said = _check(case, wrong)
            if not caught:
                missed.append(f"case {k} {case.name}: {name}")
            elif not said.startswith("ShapeError") and EXPECTED_WORDS[name] not in said:
                misdiagnosed.append(f"case {k} {case.name}: {name} -> {said}")
    # only transposing a 1×1 or symmetric derivative is skipped (about 13% of "transposed")
    assert applied >= 0.95 * N_CASES * len(MUTATIONS)
    assert not false_alarms, false_alarms[:5]
    assert not missed, missed[:5]
    assert not misdiagnosed, misdiagnosed[:5]
