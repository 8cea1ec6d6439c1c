"""Every page of the built book, in a real browser with the network blocked.

One test per page (discovered from the built site).  A failure names the page and lists
what a reader would hit there: failed or blocked requests, HTTP errors, JavaScript errors,
math that MathJax did not typeset (or typeset as an error), raw TeX left in the text, and
internal links to pages or anchors that do not exist.
"""

from __future__ import annotations

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
