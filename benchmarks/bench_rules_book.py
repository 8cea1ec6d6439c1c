"""Build time of the book's Rules part, against the same pages without the generation.

Builds two throwaway books in a temporary folder with the repository's ``conf/``:

- ``rules``: ``docs/rules`` as it is (the ``{rules-...}`` directives of ``conf/rules_pages.py``
  generate each page's identities from the catalog and verify them while it is read);
- ``baseline``: the same pages without those directives (the pages' other cells, parsing and
  writing stay; generation and verification go).

The two builds alternate, ``--repeat`` times; the median wall time of each and their
difference (the cost of generating and verifying the catalog inside the book) are printed.

Usage::

    python benchmarks/bench_rules_book.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INDEX = """# Rules only

```{toctree}
rules/index
```
"""


def _make_book(where: Path, baseline: bool) -> Path:
    docs = where / "docs"
    shutil.copytree(ROOT / "docs" / "rules", docs / "rules")
    (docs / "index.md").write_text(INDEX, encoding="utf-8")
    if baseline:
        for page in (docs / "rules").glob("*.md"):
            text = page.read_text(encoding="utf-8")
            text = re.sub(r"```\{rules-[a-z]+\}[^\n]*\n```\n", "", text)
            page.write_text(text, encoding="utf-8")
    return docs


def _build(docs: Path) -> float:
    out = docs.parent / "html"
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-c",
            str(ROOT / "conf"),
            str(docs),
            str(out),
            "-d",
            str(docs.parent / "doctrees"),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "MATDERIV_NB_EXECUTION": "force"},
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="builds of each book (median)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"rules": [], "baseline": []}
    for _ in range(args.repeat):
        for name in ("rules", "baseline"):
            with tempfile.TemporaryDirectory() as tmp:
                docs = _make_book(Path(tmp), baseline=name == "baseline")
                times[name].append(_build(docs))
    rules, base = statistics.median(times["rules"]), statistics.median(times["baseline"])
    pages = len(list((ROOT / "docs" / "rules").glob("*.md")))
    print(
        f"Rules part ({pages} pages), median of {args.repeat}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"rules book          {rules:8.1f} s")
    print(f"baseline (no generation) {base:8.1f} s")
    print(f"generation + verification in the book {rules - base:8.1f} s")


if __name__ == "__main__":
    main()
