"""Cost of checking a gradient: check_derivative against a full central-difference Jacobian.

The function is ``f: R^{100×100} -> R``,
``f(X) = sum(tanh(X)) + ½|X a − b|²`` with gradient ``1 − tanh(X)² + (X a − b) aᵀ``.
Both measurements run in this process, alternately, several times; the table
shows the median time and the number of evaluations of ``f`` (counted by a
wrapper, not taken from matderiv's report).

Target (issue 3): check_derivative uses <= 20 evaluations of f by default,
against 2 · 100 · 100 = 20 000 for the full central-difference Jacobian.

Usage::

    python benchmarks/bench_check_cost.py [--repeat N] [--n N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from matderiv.numeric import check_derivative, jacobian

Array = np.ndarray


class Counted:
    """Wrap a function and count its calls."""

    def __init__(self, f: Callable[[Array], npt.ArrayLike]) -> None:
        self.f = f
        self.calls = 0

    def __call__(self, X: Array) -> npt.ArrayLike:
        self.calls += 1
        return self.f(X)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (median reported)")
    parser.add_argument("--n", type=int, default=100, help="X is n × n")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = args.n
    X, a, b = rng.standard_normal((n, n)), rng.standard_normal(n), rng.standard_normal(n)

    def f(X: Array) -> float:
        r = X @ a - b
        value: float = np.sum(np.tanh(X)) + 0.5 * (r @ r)
        return value

    grad = 1.0 - np.tanh(X) ** 2 + np.outer(X @ a - b, a)

    check_times, full_times = [], []
    check_evals = full_evals = 0
    full_error = 0.0
    for _ in range(args.repeat):
        counted = Counted(f)
        start = time.perf_counter()
        result = check_derivative(counted, grad, X)
        check_times.append(time.perf_counter() - start)
        assert result.passed, result.diagnosis
        check_evals = counted.calls

        counted = Counted(f)
        start = time.perf_counter()
        J = jacobian(counted, X, method="central")
        full_times.append(time.perf_counter() - start)
        full_evals = counted.calls
        full_error = float(np.max(np.abs(J - grad)) / np.max(np.abs(grad)))

    check_t, full_t = statistics.median(check_times), statistics.median(full_times)
    print(f"f: R^({n}x{n}) -> R, median of {args.repeat} runs")
    rows = [
        ("check_derivative (default)", check_evals, check_t),
        ("full central-difference Jacobian", full_evals, full_t),
    ]
    for label, evals, seconds in rows:
        print(f"{label:<33}: {evals:6d} evaluations of f, {seconds * 1e3:9.2f} ms")
    ratio_evals, ratio_time = full_evals / check_evals, full_t / check_t
    print(f"ratio: {ratio_evals:.0f}x fewer evaluations, {ratio_time:.0f}x faster")
    print(f"(full Jacobian max relative error vs the exact gradient: {full_error:.1e})")
    verdict = "meets" if check_evals <= 20 else "MISSES"
    print(f"{check_evals} evaluations {verdict} the target <= 20")


if __name__ == "__main__":
    main()
