"""Import time of matderiv, beside numpy's in the same run.

Each row is measured in fresh subprocesses (``--repeat`` of them, the median shown):

- ``python -X importtime -c "import matderiv"``: the cumulative import time of the
  top-level package as ``-X importtime`` reports it, and the wall time of the process;
- the same for ``import numpy`` and ``import sympy``, the yardsticks;
- ``import matderiv`` then a first ``matderiv.derive(...)`` (SymPy is imported then) and
  then a first ``matderiv.check_derivative(...)`` (numpy only): wall time only;
- ``python -c pass``, the interpreter's own start, subtracted in the last column.

Target (issue 10): ``import matderiv`` at most 0.2 s on this machine, importing neither
SymPy nor numpy.

Usage::

    python benchmarks/bench_import.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
TARGET_S = 0.2

#: (label, code, module whose ``-X importtime`` cumulative time is reported, or None)
CASES: list[tuple[str, str, str | None]] = [
    ("python -c pass", "pass", None),
    ("import numpy", "import numpy", "numpy"),
    ("import sympy", "import sympy", "sympy"),
    ("import matderiv", "import matderiv", "matderiv"),
    (
        "import matderiv; first derive()",
        "import matderiv\n"
        "matderiv.derive('x.T @ A @ x', 'x', {'x': ('n',), 'A': ('n', 'n')}).text()",
        None,
    ),
    (
        "import matderiv; first check_derivative()",
        "import numpy as np, matderiv\n"
        "x = np.arange(3.0)\n"
        "matderiv.check_derivative(lambda x: x @ x, 2 * x, x)",
        None,
    ),
]


def _cumulative_us(stderr: str, module: str) -> int:
    """The cumulative microseconds of `module`'s own line in ``-X importtime`` output."""
    for line in stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    raise RuntimeError(f"-X importtime did not report {module!r}")


def _one(code: str, module: str | None) -> tuple[float, float | None]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    return wall, None if module is None else _cumulative_us(done.stderr, module) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="subprocesses per row")
    args = parser.parse_args(argv)
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, matderiv\n"
            "print(' '.join(m for m in ('sympy', 'numpy') if m in sys.modules) or 'none')",
        ],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"median of {args.repeat} subprocesses each; Python {sys.version.split()[0]}")
    print(f"{'case':<42} {'-X importtime':>14} {'wall':>10} {'wall - start':>13}")
    matderiv_import = 0.0
    start_wall = 0.0
    for label, code, module in CASES:
        runs = [_one(code, module) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        start_wall = start_wall or wall  # the first row is the interpreter's own start
        imported = [r[1] for r in runs if r[1] is not None]
        itime = statistics.median(imported) if imported else None
        shown = f"{itime * 1e3:11.1f} ms" if itime is not None else f"{'-':>14}"
        print(f"{label:<42} {shown} {wall * 1e3:7.1f} ms {(wall - start_wall) * 1e3:10.1f} ms")
        if label == "import matderiv" and itime is not None:
            matderiv_import = itime
    print(f"modules loaded by 'import matderiv' among sympy, numpy: {loaded}")
    ok = matderiv_import <= TARGET_S and loaded == "none"
    verdict = "meets" if ok else "MISSES"
    print(f"import matderiv: {matderiv_import * 1e3:.1f} ms, {verdict} the {TARGET_S} s target")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
