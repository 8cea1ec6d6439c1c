"""Bad input: a page with broken math, raw TeX, a dead internal link, a request for the network
or a JavaScript error makes the browser check fail, and the failure names the page.

Faults are injected into a copy of the built site (so the pages carry the real theme, scripts
and MathJax), then this suite's page test runs on the copy in a subprocess, exactly as
``nox -s browser`` runs it.  These tests live in the browser suite, not in ``nox -s tests``,
because what they prove is the behaviour of the real browser check: they need chromium.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PAGE_TEST = "test_pages.py::test_page_loads_with_math_rendered_and_links_alive"


def _replace_first_math(html: str, tex: str) -> str:
    """The page with its first inline formula replaced by ``tex``."""
    return re.sub(
        r'(<span class="math notranslate nohighlight">).*?(</span>)',
        lambda m: m.group(1) + tex + m.group(2),
        html,
        count=1,
        flags=re.DOTALL,
    )


# page name -> (how to break a copy of the front page, what the failure must say)
FAULTS = {
    "broken-math.html": (
        lambda html: _replace_first_math(html, r"\(x^{1}^{2}\)"),
        "Math input error",
    ),
    "unbalanced-math.html": (
        lambda html: _replace_first_math(html, r"\(\frac{1}{x\)"),
        "math element(s) not typeset",
    ),
    "raw-tex.html": (
        lambda html: html.replace(
            "</article>", r"<p>Dollars MathJax does not read: $x^\top A x$</p></article>", 1
        ),
        "raw TeX visible in the text",
    ),
    "dead-link.html": (
        lambda html: html.replace(
            "</article>", '<p><a href="conventions/no-such-page.html">gone</a></p></article>', 1
        ),
        "dead internal link: conventions/no-such-page.html",
    ),
    "dead-anchor.html": (
        lambda html: html.replace(
            "</article>", '<p><a href="index.html#no-such-section">gone</a></p></article>', 1
        ),
        "dead internal link: index.html#no-such-section",
    ),
    "external.html": (
        lambda html: html.replace(
            "</article>", '<img src="https://cdn.example.com/logo.png" alt=""></article>', 1
        ),
        "blocked request outside 127.0.0.1: https://cdn.example.com/logo.png",
    ),
    "js-error.html": (
        lambda html: html.replace(
            "</body>", "<script>throw new Error('injected failure');</script></body>", 1
        ),
        "JavaScript error: Error: injected failure",
    ),
}


@pytest.fixture(scope="module")
def faulty_site(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built site with one faulty page per fault, and one clean copy."""
    copy = tmp_path_factory.mktemp("faulty") / "html"
    shutil.copytree(site, copy)
    front = (site / "index.html").read_text(encoding="utf-8")
    assert 'class="math' in front, "the front page needs math for the broken-math case"
    (copy / "clean-copy.html").write_text(front, encoding="utf-8")
    for name, (break_page, _) in FAULTS.items():
        broken = break_page(front)
        assert broken != front, f"could not inject the fault for {name}"
        (copy / name).write_text(broken, encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def run_on_faulty_site(faulty_site: Path) -> subprocess.CompletedProcess[str]:
    """Run the page test on the injected pages (and the clean copy), as nox -s browser would."""
    pages = ["clean-copy.html", *FAULTS]
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
        *(f"{HERE / PAGE_TEST}[{page}]" for page in pages),
    ]  # fmt: skip
    env = {**os.environ, "MATDERIV_SITE": str(faulty_site)}
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=HERE.parent, timeout=600, check=False
    )


def test_faulty_pages_fail_the_browser_check(
    run_on_faulty_site: subprocess.CompletedProcess[str],
) -> None:
    out = run_on_faulty_site.stdout + run_on_faulty_site.stderr
    assert run_on_faulty_site.returncode == 1, out
    assert f"{len(FAULTS)} failed, 1 passed" in out, out


@pytest.mark.parametrize("page", list(FAULTS))
def test_failure_names_the_page_and_the_fault(
    page: str, run_on_faulty_site: subprocess.CompletedProcess[str]
) -> None:
    out = run_on_faulty_site.stdout + run_on_faulty_site.stderr
    assert f"FAILED browser/{PAGE_TEST}[{page}]" in out, out
    block = re.search(rf"^{re.escape(page)}: \d+ problem\(s\)\n((?:  .*\n?)+)", out, re.M)
    assert block, f"no failure message naming {page}:\n{out}"
    assert FAULTS[page][1] in block.group(1), block.group(0)
