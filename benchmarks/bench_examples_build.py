"""Build time of the Worked-examples part of the book (target: <= 60 s of execution).

Builds a copy of the whole book (docs/, with ``examples/index`` added to the front page's
toctree if it is not there yet), warnings as errors, into a temporary folder, several times, in two
configurations run one after the other by this process:

- **baseline**: no example page is executed: the cost of Sphinx itself (plus the rules pages,
  executed in both configurations because they generate the ``rule-<id>`` anchors that the
  examples link to);
- **examples**: the same, plus every page under ``docs/examples/`` executed.

It reports the median wall time of each, their difference (what executing the examples adds to
a build), and the median execution time of each example page as myst-nb recorded it (read from
the build environment).  Exit status 1 when a build fails or the examples' execution exceeds
the budget.

Usage::

    /work/venv/bin/python benchmarks/bench_examples_build.py [--repeat 3] [--budget 60]
    /work/venv/bin/python benchmarks/bench_examples_build.py --page least-squares   # one page
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = "examples"


# Pages that generate cross-reference targets when executed (the rules catalog's ``rule-<id>``
# anchors): executed in both configurations, so that every reference resolves under -W.
ALWAYS_EXECUTED = ("rules/",)


def _not_executed(with_examples: bool) -> list[str]:
    """Pages (relative to docs/) that a configuration does not execute."""
    keep = ALWAYS_EXECUTED + ((EXAMPLES + "/",) if with_examples else ())
    return [
        rel
        for rel in (path.relative_to(DOCS).as_posix() for path in sorted(DOCS.rglob("*.md")))
        if not rel.startswith(keep)
    ]


def _source(tmp: Path) -> Path:
    """A copy of docs/ whose front page lists the examples part (added if it is missing)."""
    src = tmp / "docs"
    shutil.copytree(DOCS, src)
    index = src / "index.md"
    text = index.read_text(encoding="utf-8")
    if f"{EXAMPLES}/index" not in text:
        head, sep, tail = text.rpartition(":hidden:\n")
        if not sep:
            raise SystemExit("docs/index.md has no hidden toctree to add the examples part to")
        index.write_text(f"{head}{sep}\n{EXAMPLES}/index{tail}", encoding="utf-8")
    return src


# Run in a child process: a fresh interpreter per build, as sphinx-build would be, but with
# configuration overrides that ``-D`` cannot express (a list of exclude patterns).
_RUNNER = """
import sys, json
from sphinx.application import Sphinx
src, conf, out, doctrees, overrides = sys.argv[1:6]
app = Sphinx(src, conf, out, doctrees, "html", confoverrides=json.loads(overrides),
             status=None, freshenv=True, warningiserror=True, keep_going=True)
app.build()
sys.exit(app.statuscode)
"""


def _build(
    src: Path, out: Path, execute_examples: bool, only: str | None
) -> tuple[float, float, Path]:
    doctrees = out / "doctrees"
    overrides: dict[str, object] = {"nitpicky": True}
    excluded = _not_executed(with_examples=execute_examples)
    if execute_examples and only is not None:
        excluded += [
            p.relative_to(DOCS).as_posix()
            for p in sorted((DOCS / EXAMPLES).glob("*.md"))
            if p.stem != only
        ]
    overrides["nb_execution_excludepatterns"] = excluded
    cmd = [
        sys.executable,
        "-c",
        _RUNNER,
        str(src),
        str(ROOT / "conf"),
        str(out / "html"),
        str(doctrees),
        json.dumps(overrides),
    ]
    start = time.perf_counter()
    cpu_start = _children_cpu()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - cpu_start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"the build of {src} failed (exit {proc.returncode})")
    return elapsed, cpu, doctrees


def _children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process, kernels included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _page_runtimes(doctrees: Path) -> dict[str, float]:
    """Execution time of each example page, as myst-nb recorded it in the environment."""
    with (doctrees / "environment.pickle").open("rb") as handle:
        env = pickle.load(handle)
    data = getattr(env, "nb_metadata", None) or env.metadata
    runtimes = {}
    for docname in env.found_docs:
        if not docname.startswith(EXAMPLES + "/"):
            continue
        record = data.get(docname, {}) if isinstance(data, dict) else {}
        exec_data = record.get("exec_data") if isinstance(record, dict) else None
        if exec_data and exec_data.get("runtime") is not None:
            runtimes[docname] = float(exec_data["runtime"])
    return runtimes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="builds per configuration")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds allowed")
    parser.add_argument("--page", default=None, help="execute only this example page (stem)")
    args = parser.parse_args()

    base_times: list[float] = []
    example_times: list[float] = []
    base_cpu: list[float] = []
    example_cpu: list[float] = []
    per_page: dict[str, list[float]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-examples-") as tmp:
        src = _source(Path(tmp))
        for i in range(args.repeat):
            t_base, c_base, _ = _build(src, Path(tmp) / f"base{i}", False, args.page)
            t_ex, c_ex, doctrees = _build(src, Path(tmp) / f"ex{i}", True, args.page)
            base_times.append(t_base)
            example_times.append(t_ex)
            base_cpu.append(c_base)
            example_cpu.append(c_ex)
            for page, runtime in _page_runtimes(doctrees).items():
                per_page.setdefault(page, []).append(runtime)
    load_after = os.getloadavg()[0]

    base, full = statistics.median(base_times), statistics.median(example_times)
    cpu_added = statistics.median(e - b for e, b in zip(example_cpu, base_cpu, strict=True))
    pages = {page: statistics.median(times) for page, times in sorted(per_page.items())}
    executed = sum(pages.values())
    print(
        f"repetitions: {args.repeat}; machine: {os.cpu_count()} CPUs, load average "
        f"{load_before:.1f} before, {load_after:.1f} after (other processes slow wall times)"
    )
    print(f"baseline build (examples not executed): median {base:6.2f} s wall  {_fmt(base_times)}")
    print(
        f"build executing the examples:           median {full:6.2f} s wall  {_fmt(example_times)}"
    )
    print(
        f"added by the examples (difference): {full - base:6.2f} s wall (ratio {full / base:.2f})"
    )
    print(f"added by the examples, CPU time:    {cpu_added:6.2f} s (user + system, all processes)")
    print(
        f"sum of per-page execution times:    {executed:6.2f} s wall (budget {args.budget:.0f} s)"
    )
    for page, runtime in pages.items():
        print(f"  {page:36s} {runtime:6.2f} s")
    if not pages:
        print("no per-page execution data found (myst-nb did not record any)")
    within = max(full - base, executed) <= args.budget
    print("within budget" if within else "OVER BUDGET (wall time)")
    return 0 if within else 1


def _fmt(times: list[float]) -> str:
    return "[" + ", ".join(f"{t:.2f}" for t in times) + "]"


if __name__ == "__main__":
    raise SystemExit(main())
