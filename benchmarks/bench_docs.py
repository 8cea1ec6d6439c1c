"""Build-time figures of the book pipeline.

Measures, from a fresh clone of this repository's HEAD:

1. cold ``nox -s docs`` (environment creation included), split into the environment
   part (``nox -s docs --install-only``, the baseline) and the whole session;
2. an html rebuild with no change (the same ``sphinx-build`` command the session runs,
   against the environment and build folder the cold run left), several repetitions.

Usage::

    python benchmarks/bench_docs.py [--repeat N] [--rebuilds N]

Bytes transferred per page are measured in a real browser by
``benchmarks/bench_page_weight.py``.  Timings include whatever else the machine runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="cold builds (fresh clones)")
    parser.add_argument("--rebuilds", type=int, default=5, help="no-change html rebuilds")
    args = parser.parse_args()
    nox = [sys.executable, "-m", "nox"]
    installs, colds, rebuilds = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="matderiv-bench-") as tmp:
            clone = Path(tmp) / "matderiv"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            installs.append(_timed([*nox, "-s", "docs", "--install-only"], clone))
            shutil.rmtree(clone / ".nox")
            colds.append(_timed([*nox, "-s", "docs"], clone))
            sphinx = next((clone / ".nox").glob("docs*/bin/sphinx-build"))
            html = [str(sphinx), "-b", "html", "-c", "conf", "-W", "--keep-going", "-n", "-q",
                    "-d", "build/doctrees", "docs", "build/html"]  # fmt: skip
            rebuilds += [_timed(html, clone) for _ in range(args.rebuilds)]
    install, cold = statistics.median(installs), statistics.median(colds)
    rebuild = statistics.median(rebuilds)
    print(f"environment only (nox -s docs --install-only): median {install:6.1f} s")
    print(
        f"cold nox -s docs from a fresh clone:           median {cold:6.1f} s "
        f"({cold / install:.1f}x the environment alone; runs {[round(t, 1) for t in colds]})"
    )
    print(f"html rebuild with no change:                   median {rebuild:6.1f} s "
          f"(max {max(rebuilds):.1f} s over {len(rebuilds)} runs)")  # fmt: skip


if __name__ == "__main__":
    main()
