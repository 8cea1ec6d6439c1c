"""Time to derive deeply nested problems, against the nesting depth.

Each family of ``tests/nested_families.py`` (the test data the growth tests check numerically)
is derived at depths 1 to ``--max-depth``: ``--repeat`` cold runs per depth (SymPy's cache
cleared before each), the median reported, with the growth factor over the previous depth
(about 1 for polynomial growth at large depth, a constant > 1 for exponential growth).  A
family stops once a depth takes longer than ``--give-up`` seconds.

The engine differentiates a large function one level at a time through shared
intermediates (:mod:`matderiv.symbolic.shared`), so each expression SymPy canonicalises stays
the size of one level.

Target (issue 11): every family at depth 20 within 2 s.  The result must stay usable too:
for the deepest depth the table also gives the time of the first ``evaluate`` (which
compiles the numpy function) and of ``text()``, and the length of that text, which grow
with the depth like the derivation (repeated subexpressions are computed and printed once).

Usage::

    python benchmarks/bench_growth.py [--max-depth 20] [--repeat 3] [--give-up 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sympy.core.cache import clear_cache

from matderiv import derive, derive_hessian

# the nested families are test data: tests/nested_families.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from nested_families import FAMILIES, Family


def _time(family: Family, depth: int) -> float:
    clear_cache()
    fn = derive_hessian if family.kind == "hessian" else derive
    start = time.perf_counter()
    fn(family.text(depth), family.wrt, family.shapes)
    return time.perf_counter() - start


def _use(family: Family, depth: int) -> tuple[float, float, int]:
    """Seconds to evaluate (compile and run) and to print the result at `depth`, text length."""
    fn = derive_hessian if family.kind == "hessian" else derive
    d = fn(family.text(depth), family.wrt, family.shapes)
    arrays = family.inputs(np.random.default_rng(0), 4)
    start = time.perf_counter()
    d.evaluate(**{k: v for k, v in arrays.items() if k in d.args})
    evaluated = time.perf_counter()
    text = d.text()
    return evaluated - start, time.perf_counter() - evaluated, len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-depth", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--give-up", type=float, default=30.0)
    args = parser.parse_args()
    depths = list(range(1, args.max_depth + 1))
    table: dict[str, list[float | None]] = {}
    for family in FAMILIES:
        row: list[float | None] = []
        for depth in depths:
            if row and (row[-1] is None or row[-1] > args.give_up):
                row.append(None)
                continue
            row.append(statistics.median(_time(family, depth) for _ in range(args.repeat)))
        table[family.name] = row
        shown = " ".join(f"{t:6.2f}" if t is not None else "     -" for t in row)
        print(f"{family.name}\n  seconds by depth 1..{args.max_depth}: {shown}", flush=True)
        done = [t for t in row if t is not None]
        if len(done) >= 2:
            growth = [b / a for a, b in zip(done[-4:-1], done[-3:], strict=False)]
            print(
                f"  growth per level over the last depths: {', '.join(f'{g:.2f}' for g in growth)}"
            )
    print()
    print(
        f"{'family':48s} {'depth ' + str(args.max_depth):>10s}  target 2 s"
        f"  {'evaluate':>9s} {'text()':>7s} {'chars':>7s}"
    )
    for family in FAMILIES:
        last = table[family.name][-1]
        status = "-" if last is None else ("ok" if last <= 2.0 else "over")
        use = (
            ""
            if last is None
            else "  {:8.2f}s {:6.2f}s {:7d}".format(*_use(family, args.max_depth))
        )
        seconds = last if last is not None else float("nan")
        print(f"{family.name:48s} {seconds:10.2f}  {status:4s}{use}")


if __name__ == "__main__":
    main()
