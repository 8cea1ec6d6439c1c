"""The book's build gate: a page whose cell raises, or whose doctest is wrong, fails the build.

Each test builds a tiny throwaway book with this project's ``conf/`` (the same settings
``nox -s docs`` uses) and runs ``sphinx-build`` the way the docs session does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("myst_nb", reason="the book toolchain is installed by `nox -s tests`")

CONF = Path(__file__).resolve().parents[1] / "conf"

FRONT_MATTER = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---
"""

GOOD_CELL = "```{code-cell} python\nvalue = 6 * 7\nassert value == 42\n```\n"
BAD_CELL = "```{code-cell} python\nraise ValueError('gate-test: this cell fails on purpose')\n```\n"
GOOD_DOCTEST = "```{doctest}\n>>> 6 * 7\n42\n```\n"
BAD_DOCTEST = "```{doctest}\n>>> 6 * 7\n41\n```\n"


def _write_book(root: Path, cell: str, doctest: str) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text(
        FRONT_MATTER + "# Gate test\n\n```{toctree}\n:hidden:\n\npage\n```\n", encoding="utf-8"
    )
    page = FRONT_MATTER + "# A page\n\nSome math: $x^\\top A x$.\n\n" + cell + "\n" + doctest
    (docs / "page.md").write_text(page, encoding="utf-8")
    return docs


def _sphinx(builder: str, docs: Path, out: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "sphinx", "-b", builder, "-c", str(CONF),
        "-W", "--keep-going", "-n", "-d", str(out / "doctrees"), str(docs), str(out / builder),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_failing_cell_fails_the_build_and_names_the_page(tmp_path: Path) -> None:
    docs = _write_book(tmp_path, BAD_CELL, GOOD_DOCTEST)
    result = _sphinx("html", docs, tmp_path / "build")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "docs/page.md: WARNING: Executing notebook failed" in log  # names the page
    assert "gate-test: this cell fails on purpose" in log  # and shows the cell
    reports = list((tmp_path / "build" / "html" / "reports").glob("*.log"))
    assert reports, "the failing cell's traceback is kept in the build's reports folder"
    assert "gate-test" in reports[0].read_text(encoding="utf-8")


@pytest.mark.slow
def test_wrong_doctest_fails_the_doctest_build(tmp_path: Path) -> None:
    docs = _write_book(tmp_path, GOOD_CELL, BAD_DOCTEST)
    assert _sphinx("html", docs, tmp_path / "build").returncode == 0
    result = _sphinx("doctest", docs, tmp_path / "build")
    assert result.returncode != 0
    assert "1 failure" in result.stdout + result.stderr


@pytest.mark.slow
def test_fixed_book_builds_and_passes_its_doctests(tmp_path: Path) -> None:
    docs = _write_book(tmp_path, GOOD_CELL, GOOD_DOCTEST)
    html = _sphinx("html", docs, tmp_path / "build")
    assert html.returncode == 0, html.stdout + html.stderr
    doctest = _sphinx("doctest", docs, tmp_path / "build")
    assert doctest.returncode == 0, doctest.stdout + doctest.stderr
    assert "1 passed" in doctest.stdout
    built = tmp_path / "build" / "html"
    # MathJax 4 is served from the site, its font too (no CDN): conf/mathjax_assets.py
    mathjax = built / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").is_file()
    assert list((mathjax / "fonts" / "mathjax-newcm-font" / "chtml" / "woff2").glob("*.woff2"))
    page = (built / "page.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in page
    assert '"fonts": "[mathjax]/fonts"' in page


RULES_PAGE = """\
(rules-scalar-by-scalar)=
# Scalar by scalar

```{rules-family} scalar-by-scalar
```

The first identity: {ref}`rule-FIRST`.
"""


def _write_rules_book(root: Path, family: str) -> Path:
    from matderiv import rules

    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text(
        "# Rules gate\n\n```{toctree}\n:hidden:\n\nrules\n```\n", encoding="utf-8"
    )
    first = rules.family("scalar-by-scalar")[0].id
    page = RULES_PAGE.replace("FIRST", first).replace("} scalar-by-scalar", "} " + family)
    (docs / "rules.md").write_text(page, encoding="utf-8")
    return docs


@pytest.mark.slow
def test_rules_family_directive_writes_a_table_and_a_page_per_identity(tmp_path: Path) -> None:
    from matderiv import rules

    docs = _write_rules_book(tmp_path, "scalar-by-scalar")
    result = _sphinx("html", docs, tmp_path / "build")
    assert result.returncode == 0, result.stdout + result.stderr
    built = tmp_path / "build" / "html"
    html = (built / "rules.html").read_text(encoding="utf-8")
    family = rules.family("scalar-by-scalar")
    for rule in family:
        # the row keeps the identity's old anchor and links to the identity's own page
        assert f'id="rule-{rule.id.lower()}"' in html, rule.id
        assert f'href="id/{rule.id.lower()}.html"' in html, rule.id
    assert html.count('<tr class="rule-row"') == len(family)
    assert 'class="sd-tab-set' in html  # the layout tabs are rendered, not shown as text
    assert "{rules-family}" not in html
    assert "{tab-set}" not in html
    first = family[0].id.lower()
    assert f'href="rules/id/{first}.html' in html  # the {ref} to an identity resolves
    for rule in rules.catalog():  # every identity has its page, verified in this build
        page = (built / "rules" / "id" / f"{rule.id.lower()}.html").read_text(encoding="utf-8")
        assert "Verified in this build" in page, rule.id
    from sphinx.util.inventory import InventoryFile

    inventory = InventoryFile.loads((built / "objects.inv").read_bytes(), uri="").data
    listed = inventory["std:rule"]  # every identity is citable from another project
    assert sorted(listed) == sorted(r.id for r in rules.catalog())
    assert listed["sm-trace-AXB"].uri == "rules/id/sm-trace-axb.html#rule-sm-trace-axb"


@pytest.mark.slow
def test_rules_directive_with_an_unknown_family_fails_the_build(tmp_path: Path) -> None:
    docs = _write_rules_book(tmp_path, "tensor-by-tensor")
    result = _sphinx("html", docs, tmp_path / "build")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "rules.md" in log  # names the page
    assert "unknown family 'tensor-by-tensor'" in log


TABLE_CELL = (
    "```{code-cell} python\n:tags: [remove-input]\n\nfrom IPython.display import Markdown\n"
    "Markdown('| rule | when |\\n|---|---|\\n| tanh | for \\\\|z\\\\| > 19 |')\n```\n"
)
# a | inside a cell ends it: the delimiter row no longer matches the header, no table
BROKEN_TABLE = "| rule | when |\n|---|---|---|\n| tanh | for |z| > 19 |\n"


@pytest.mark.slow
def test_markdown_table_from_a_cell_renders_as_a_table(tmp_path: Path) -> None:
    docs = _write_book(tmp_path, TABLE_CELL, GOOD_DOCTEST)
    result = _sphinx("html", docs, tmp_path / "build")
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "build" / "html" / "page.html").read_text(encoding="utf-8")
    assert "<table" in page
    assert "|z| &gt; 19" in page  # the escaped pipes are the cell's text
    assert "|---|" not in page
    assert "|\u2014|" not in page


@pytest.mark.slow
def test_table_left_as_text_fails_the_build_and_names_the_page(tmp_path: Path) -> None:
    docs = _write_book(tmp_path, BROKEN_TABLE, GOOD_DOCTEST)
    result = _sphinx("html", docs, tmp_path / "build")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "page.md" in log
    assert "a Markdown table was rendered as text" in log
