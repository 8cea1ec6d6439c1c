"""The Cookbook PDF: build time, pages, file size, and the install size of what it needs.

Measured in this process:

- ``generate``: the LaTeX source from the catalog, every rule verified (the cold first run
  includes compiling the formulas; the median of the later runs is warm);
- ``compile``: ``latexmk -pdf -g`` from scratch (pdflatex runs, makeindex), the median of
  ``--repeat`` runs;
- pages (``pdfinfo``) and the PDF's size;
- the installed size of the Debian packages the TeX Live install brought in: the packages
  apt's history (``/var/log/apt/history.log``) lists for the ``apt-get install ... latexmk
  ...`` command, else the named packages alone, summed from ``dpkg-query``'s Installed-Size.

Usage::

    python benchmarks/bench_cookbook.py [--repeat N]

Needs latexmk and pdfinfo (``.ci/run`` installs them); without them it says so and exits 0.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the generator is the top-level folder cookbook/

from cookbook.build import build  # noqa: E402
from cookbook.latex import document  # noqa: E402

NAMED = (
    "latexmk",
    "texlive-latex-recommended",
    "texlive-latex-extra",
    "texlive-fonts-recommended",
    "lmodern",
)
HISTORY = Path("/var/log/apt/history.log")


def _installed_kib(packages: list[str]) -> dict[str, int]:
    if not packages or shutil.which("dpkg-query") is None:
        return {}
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\t${Installed-Size}\n", *packages],
        capture_output=True,
        text=True,
        check=False,
    )
    sizes = {}
    for line in done.stdout.splitlines():
        name, _, size = line.partition("\t")
        if size.strip().isdigit():
            sizes[name] = int(size)
    return sizes


def _apt_installed() -> list[str]:
    """Packages apt's history lists as installed by the command that installed latexmk."""
    if not HISTORY.is_file():
        return []
    for block in HISTORY.read_text(errors="replace").split("\n\n"):
        if re.search(r"^Commandline: .*install.* latexmk\b", block, re.M):
            match = re.search(r"^Install: (.*)$", block, re.M)
            if match:
                return [
                    re.sub(r":\w+$", "", p.split(" (")[0].strip())
                    for p in match.group(1).split("), ")
                    if p.strip()
                ]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="compile runs (median)")
    args = parser.parse_args()
    if shutil.which("latexmk") is None or shutil.which("pdfinfo") is None:
        print("bench_cookbook: latexmk or pdfinfo missing; install TeX Live (see README)")
        return

    generate: list[float] = []
    for _ in range(max(2, args.repeat)):
        start = time.perf_counter()
        tex = document()
        generate.append(time.perf_counter() - start)

    compile_s: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeat):
            out = Path(tmp, f"run{k}")
            start = time.perf_counter()
            pdf = build(out, tex=tex)
            compile_s.append(time.perf_counter() - start)
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
        size = pdf.stat().st_size

    print(
        f"generate LaTeX (verifies every rule): cold {generate[0]:.1f} s, "
        f"warm median {statistics.median(generate[1:]):.1f} s ({len(tex) / 1e3:.0f} kB)"
    )
    print(
        f"compile (latexmk from scratch): median {statistics.median(compile_s):.1f} s "
        f"over {args.repeat} runs ({', '.join(f'{s:.1f}' for s in compile_s)})"
    )
    print(
        f"build total (cold generate + compile): {generate[0] + statistics.median(compile_s):.1f} s"
    )
    print(f"PDF: {pages} pages, {size / 1e6:.2f} MB")

    from_history = _apt_installed()
    packages = from_history or list(NAMED)
    sizes = _installed_kib(packages)
    what = (
        f"the {len(sizes)} packages apt installed with latexmk (apt history)"
        if from_history
        else "the named packages only (no apt history; their dependencies not counted)"
    )
    print(f"TeX install: {sum(sizes.values()) / 1024:.0f} MiB, {what}")
    named = _installed_kib(list(NAMED))
    print("  named packages: " + ", ".join(f"{n} {s / 1024:.0f} MiB" for n, s in named.items()))


if __name__ == "__main__":
    main()
