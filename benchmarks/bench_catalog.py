"""Time to verify the whole rules catalog, all three checks, 3 random instances per rule.

Measured in this process:

- ``load``: reading and validating the data files (parsing every formula once);
- ``verify (cold)``: the first run of the three checks over every rule (finite differences of
  every stated form, ``derive()``, layout round trips), including compiling each formula;
- ``verify (warm)``: the median of the following runs (compiled formulas are cached);
- baseline: the same instances with only ``numeric.jacobian`` (central differences) of each
  expression and no comparison, the floor any numeric verification pays.

Target (issue 5): verify (cold) <= 10 s.  Wall time depends on the machine's load (the
script prints the load average and this process's CPU time next to it).

Usage::

    python benchmarks/bench_catalog.py [--repeat N] [--instances K]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter

from matderiv.numeric import jacobian
from matderiv.rules import DATA_DIR
from matderiv.rules.instances import instance
from matderiv.rules.loader import load_catalog
from matderiv.rules.verify import evaluate_field, verify_rule


def _verify_all(rules: tuple, instances: int) -> Counter[str]:  # type: ignore[type-arg]
    results = (verify_rule(rule, instances=instances) for rule in rules)
    return Counter("passed" if v.passed else "failed" for v in results)


def _baseline(rules: tuple, instances: int) -> None:  # type: ignore[type-arg]
    for rule in rules:
        for k in range(instances):
            dims, arrays = instance(rule, k)

            def f(v, arrays=arrays, dims=dims, rule=rule):  # type: ignore[no-untyped-def]
                return evaluate_field(rule, "expr", {**arrays, rule.wrt: v}, dims)

            jacobian(f, arrays[rule.wrt])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm repetitions (median)")
    parser.add_argument("--instances", type=int, default=3, help="random instances per rule")
    args = parser.parse_args()

    start = time.perf_counter()
    catalog = load_catalog(DATA_DIR)
    load = time.perf_counter() - start

    start, cpu = time.perf_counter(), time.process_time()
    statuses = _verify_all(catalog.rules, args.instances)
    cold, cold_cpu = time.perf_counter() - start, time.process_time() - cpu

    warm, base = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        _verify_all(catalog.rules, args.instances)
        warm.append(time.perf_counter() - start)
        start = time.perf_counter()
        _baseline(catalog.rules, args.instances)
        base.append(time.perf_counter() - start)

    rules = len(catalog.rules)
    print(f"rules: {rules} ({dict(statuses)}), {args.instances} instances each")
    print(f"load + validate     {load:8.2f} s")
    print(
        f"verify (cold)       {cold:8.2f} s   target <= 10 s: {'met' if cold <= 10 else 'MISSED'}"
        f"  (CPU time of this process {cold_cpu:.2f} s; load average {os.getloadavg()[0]:.1f})"
    )
    print(f"verify (warm)       {statistics.median(warm):8.2f} s   median of {args.repeat}")
    print(f"baseline (jacobian) {statistics.median(base):8.2f} s   median of {args.repeat}")
    print(f"ratio warm/baseline {statistics.median(warm) / statistics.median(base):8.2f}")


if __name__ == "__main__":
    main()
