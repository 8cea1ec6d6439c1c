"""Every page of the built book, in a real browser with the network blocked.

One test per page (discovered from the built site).  A failure names the page and lists
what a reader would hit there: failed or blocked requests, HTTP errors, JavaScript errors,
math that MathJax did not typeset (or typeset as an error), raw TeX left in the text, and
internal links to pages or anchors that do not exist.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import sitecheck
from playwright.sync_api import BrowserContext


def test_page_loads_with_math_rendered_and_links_alive(
    page_path: str,
    context: BrowserContext,
    base_url: str,
    blocked: list[str],
    link_checker: sitecheck.LinkChecker,
) -> None:
    report = sitecheck.check_page(context, base_url, page_path)
    report.problems.extend(f"blocked request outside 127.0.0.1: {url}" for url in blocked)
    blocked.clear()  # reported here, with the page's name
    report.problems.extend(link_checker.dead_links(report.links))
    if report.problems:
        pytest.fail(report.message(), pytrace=False)


# -- Clean text ---------------------------------------------------------------------------

# What a reader must not meet in the book's prose (code blocks are code, and may name files):
# the catalog's internal labels for its source documents ("seed 003", "the seed's δ",
# "the cheatsheet" instead of its title), file names of the project's data, and field names of
# the catalog data ("(source_form)").
INTERNAL_TEXT = re.compile(
    r"\bseeds? ?\d+\b|\bseed's\b|\bthe seeds?\b(?! of)|\bthe cheatsheet\b|\bseeds/|"
    r"\b[\w-]+\.toml\b|\([a-z]+(?:_[a-z]+)+\)",
)
# Parts written for contributors working in a checkout, where file names are the subject.
CONTRIBUTOR_PARTS = ("developing/",)


def _prose(site: Path, page_path: str) -> str:
    raw = (site / page_path).read_text(encoding="utf-8", errors="replace")
    main = re.search(r"<article.*?</article>", raw, re.DOTALL)
    body = main.group(0) if main else raw
    body = re.sub(r"<(pre|code|script|style)\b.*?</\1>", " ", body, flags=re.DOTALL)
    body = re.sub(r'<dt class="sig.*?</dt>', " ", body, flags=re.DOTALL)  # API signatures
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_no_internal_labels_file_names_or_field_names_in_the_prose(site: Path) -> None:
    found = {}
    for page_path in sitecheck.discover_pages(site):
        if page_path.startswith(CONTRIBUTOR_PARTS):
            continue
        hits = sorted({m.group(0) for m in INTERNAL_TEXT.finditer(_prose(site, page_path))})
        if hits:
            found[page_path] = hits
    assert not found, f"internal text in the book's prose: {found}"
