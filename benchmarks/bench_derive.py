"""Time to derive each battery problem, and the ratio to SymPy's own ``.diff``.

Measured in this process, for every problem of the test battery, ``tests/battery.py``:

- ``cold``: one ``derive()`` (or ``derive_hessian()``) right after
  ``sympy.core.cache.clear_cache()``;
- ``warm``: the median of ``--repeat`` further calls (SymPy's cache warm, as in a session);
- SymPy baseline: the median of ``--repeat`` calls of SymPy 1.14's ``expr.diff(X)`` on the same
  expression, on the problems where SymPy's answer is numerically right
  (:func:`matderiv.symbolic.compare.compare` decides).

Targets (issue 4): median derive <= 50 ms per problem, max <= 1 s.

Usage::

    python benchmarks/bench_derive.py [--repeat N]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sympy.core.cache import clear_cache

from matderiv import derive, derive_hessian
from matderiv.expr.nodes import ScalarOf
from matderiv.symbolic.compare import compare, to_sympy_native

# the battery of problems is test data: tests/battery.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from battery import PROBLEMS, Problem


def _timed(func: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


def _call(problem: Problem) -> Callable[[], Any]:
    fn = derive_hessian if problem.kind == "hessian" else derive
    return lambda: fn(problem.expr, problem.wrt, problem.shapes, problem.assume)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    rows = []
    for problem in PROBLEMS:
        clear_cache()
        cold = _timed(_call(problem), 1)[0]
        warm = statistics.median(_timed(_call(problem), args.repeat))
        ratio = None
        if problem.kind != "hessian":
            cmp = compare(problem.expr, problem.wrt, problem.shapes, problem.assume)
            if cmp.sympy_status == "right":
                fn = cmp.derivative.function
                native = to_sympy_native(fn.arg if isinstance(fn, ScalarOf) else fn)
                var = cmp.derivative.context.symbols[problem.wrt]
                sympy_time = statistics.median(
                    _timed(functools.partial(native.diff, var), args.repeat)
                )
                ratio = warm / sympy_time
        rows.append((problem, cold, warm, ratio))

    print(f"{'problem':64s} {'cold ms':>8s} {'warm ms':>8s} {'/ sympy':>8s}")
    for problem, cold, warm, ratio in rows:
        r = f"{ratio:8.2f}" if ratio is not None else f"{'-':>8s}"
        print(f"{problem.id[:64]:64s} {1e3 * cold:8.1f} {1e3 * warm:8.1f} {r}")
    warm_all = [w for _, _, w, _ in rows]
    cold_all = [c for _, c, _, _ in rows]
    ratios = [r for *_, r in rows if r is not None]
    print()
    print(f"problems: {len(rows)}")
    print(
        f"warm: median {1e3 * statistics.median(warm_all):.1f} ms, max {1e3 * max(warm_all):.1f} ms"
    )
    print(
        f"cold: median {1e3 * statistics.median(cold_all):.1f} ms, max {1e3 * max(cold_all):.1f} ms"
    )
    print(
        f"ratio matderiv / SymPy .diff (warm medians, {len(ratios)} problems SymPy gets right): "
        f"median {statistics.median(ratios):.2f}, min {min(ratios):.2f}, max {max(ratios):.2f}"
    )


if __name__ == "__main__":
    main()
