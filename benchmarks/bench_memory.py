"""Peak memory of evaluating a derivative, over the size of the result (the Kronecker families).

For each problem and size ``n``: the derivative is derived and compiled once, evaluated once to
warm up, then evaluated under :mod:`tracemalloc`; the table gives the peak of the traced
allocations during that call, the size of the result, and their ratio.  The Jacobians of
Kronecker products are products of ``kron(eye, commutation, eye)`` permutations, which the
generated code applies by reshapes instead of building (matrices of (n^k)^2 entries).

Target (issue 11): peak / result <= 4 (below n = 4 a few kB of fixed overhead dominate the
tiny results, so the table starts there).

Usage::

    python benchmarks/bench_memory.py [--sizes 3 5 7]
"""

from __future__ import annotations

import argparse
import tracemalloc

import numpy as np

from matderiv import derive

PROBLEMS = {
    "kron(X, X)": (5, 8, 10),
    "kron(kron(X, X), X)": (4, 5, 7),
    "kron(X, A @ X)": (5, 8),
    "kron(inv(X), X)": (5, 8),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", help="override the sizes of every family")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'problem':24s} {'n':>3s} {'result MB':>10s} {'peak MB':>9s} {'peak/result':>12s}")
    worst = 0.0
    for text, sizes in PROBLEMS.items():
        d = derive(text, "X", {"X": ("n", "n"), "A": ("n", "n")})
        for n in args.sizes or sizes:
            arrays = {"X": rng.standard_normal((n, n)) + n * np.eye(n), "A": np.eye(n)}
            d.evaluate(**arrays)
            tracemalloc.start()
            try:
                result = d.evaluate(**arrays)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            ratio = peak / result.nbytes
            worst = max(worst, ratio)
            print(
                f"{text:24s} {n:3d} {result.nbytes / 2**20:10.2f} {peak / 2**20:9.2f} {ratio:12.2f}"
            )
    print(f"worst peak / result: {worst:.2f} (target <= 4)")


if __name__ == "__main__":
    main()
