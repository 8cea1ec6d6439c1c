"""Every book page's code runs as a reader would copy it: in order, in a fresh interpreter.

What a reader can copy from a page (its source under ``docs/``), in page order:

- ``{code-cell}`` blocks, except hidden ones (tags ``remove-input`` or ``remove-cell``): those
  build the page's tables and figures and are not offered for copying, so the visible blocks
  must not need them;
- fenced ``python`` blocks;
- the ``>>>`` / ``...`` lines of ``{doctest}`` and ``pycon`` blocks.

They are joined into one script per page and run in a subprocess with only what ``pip install
matderiv`` brings importable: matderiv, numpy, SciPy, sympy (with mpmath) and the standard library.
IPython, for one, is blocked.  Pages that draw figures may import matplotlib (a reader who
wants the figure installs it); it runs headless.  Pages for contributors (``developing/``)
run from a checkout and import its build scripts, so they are not copied here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HIDDEN = {"remove-input", "remove-cell"}
#: top-level packages importable besides the standard library
ALLOWED = {"matderiv", "numpy", "scipy", "sympy", "mpmath", "matplotlib"}
#: the parts of the book that are for contributors working in a checkout
CONTRIBUTOR_PARTS = {"developing"}

PRELUDE = f"""\
import importlib.abc, sys
import os
os.environ.setdefault("MPLBACKEND", "Agg")
_ALLOWED = {sorted(ALLOWED)!r}


class _OnlyWhatMatderivInstalls(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        # what the snippets and matderiv import (numpy's, sympy's and matplotlib's own
        # imports are theirs: a pip install brings what they need)
        frame = sys._getframe(1)
        while frame is not None and frame.f_globals.get("__name__", "").startswith(
            ("importlib", "_frozen_importlib")
        ):
            frame = frame.f_back
        importer = frame.f_globals.get("__name__", "") if frame is not None else ""
        if importer != "__main__" and importer.partition(".")[0] != "matderiv":
            return None
        if path is None and top not in sys.stdlib_module_names and top not in _ALLOWED:
            raise ModuleNotFoundError(
                f"No module named {{name!r}} (pip install matderiv does not install it)",
                name=name,
            )
        return None


sys.meta_path.insert(0, _OnlyWhatMatderivInstalls())
del importlib
"""

FENCE = re.compile(
    r"^(`{3,}|~{3,})[ \t]*(\{[\w-]+\})?[ \t]*([\w-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S
)


def _cell_body(body: str) -> tuple[str, set[str]]:
    """A code cell's code and tags (options as ``:tags: [...]`` lines or a ``---`` block)."""
    tags: set[str] = set()
    lines = body.splitlines()
    if lines and lines[0].strip() == "---":
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
        options, lines = lines[1:end], lines[end + 1 :]
    else:
        count = 0
        while count < len(lines) and lines[count].startswith(":"):
            count += 1
        options, lines = lines[:count], lines[count:]
    for line in options:
        found = re.match(r"\s*:?tags:?\s*\[(.*)\]", line)
        if found:
            tags |= {t.strip().strip("'\"") for t in found.group(1).split(",")}
    return "\n".join(lines), tags


def _prompted(body: str) -> str:
    """The code of a doctest: its ``>>>`` and ``...`` lines without prompts."""
    return "\n".join(
        line[4:] for line in body.splitlines() if line.startswith((">>> ", "... ", ">>>", "..."))
    )


def snippets(page: Path) -> list[str]:
    """The code a reader can copy from a page, block by block, in page order."""
    blocks = []
    for match in FENCE.finditer(page.read_text(encoding="utf-8")):
        directive, language, body = match.group(2), match.group(3), match.group(4)
        if directive == "{code-cell}" and language in ("python", "python3", "ipython3"):
            code, tags = _cell_body(body)
            if not tags & HIDDEN:
                blocks.append(code)
        elif directive is None and language in ("python", "py"):
            blocks.append(body)
        elif directive == "{doctest}" or (directive is None and language == "pycon"):
            blocks.append(_prompted(body))
    return [b for b in blocks if b.strip()]


#: pages whose copied blocks fail today, with the reason (each an expected failure, strict:
#: the test reports when a page is fixed and the entry must go)
PENDING: dict[str, str] = {}


def _pages() -> list[Path]:
    pages = sorted(DOCS.rglob("*.md"))
    return [
        p
        for p in pages
        if not CONTRIBUTOR_PARTS & set(p.relative_to(DOCS).parts[:-1]) and snippets(p)
    ]


def test_hidden_cells_and_doctests_are_read_as_a_reader_copies_them(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```{code-cell} python\n:tags: [remove-input]\n\nhidden = 1\n```\n\n"
        "```{code-cell} python\n---\ntags: [hide-output]\n---\nshown = 2\n```\n\n"
        "```{doctest}\n>>> 1 + 1\n2\n```\n\n```text\nnot code\n```\n",
        encoding="utf-8",
    )
    assert snippets(page) == ["shown = 2", "1 + 1"]


def test_a_page_that_needs_ipython_fails(tmp_path: Path) -> None:
    code = PRELUDE + "\nfrom IPython.display import Markdown\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode != 0
    assert "pip install matderiv does not install it" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_snippets_run_in_order_in_a_fresh_interpreter(
    page: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    reason = PENDING.get(page.relative_to(DOCS).as_posix())
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    blocks = snippets(page)
    script = PRELUDE + "\n\n".join(f"# --- block {i + 1}\n{b}" for i, b in enumerate(blocks))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER"))}
    env["PYTHONPATH"] = str(ROOT / "src")
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (
        f"{page.relative_to(ROOT)}: its code blocks, copied in order, fail:\n"
        + result.stderr[-3000:]
    )
