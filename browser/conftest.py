"""Fixtures of the browser suite: the built book served on 127.0.0.1, and Debian's chromium.

Run by ``nox -s browser`` (which builds ``build/html`` first when it is missing); by hand:
``python -m pytest browser`` with ``MATDERIV_SITE`` pointing at a built site if it is not
``build/html``.  ``nox -s tests`` does not collect this folder (pyproject's ``testpaths``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sitecheck


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to start without a built site, saying how to make one."""
    if not (sitecheck.SITE / "index.html").is_file():
        raise pytest.UsageError(
            f"no built book at {sitecheck.SITE}: run `nox -s browser` (it builds one), or "
            "`nox -s docs`, or set MATDERIV_SITE to a folder built with sphinx-build -b html."
        )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per page of the built site (discovered, never listed by hand; identity pages
    sampled unless MATDERIV_BROWSER_PAGES=all, see ``sitecheck.pages_to_open``)."""
    if "page_path" in metafunc.fixturenames:
        metafunc.parametrize("page_path", sitecheck.pages_to_open(sitecheck.SITE), ids=str)


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site under test."""
    return sitecheck.SITE


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """The site served by Python's http.server on 127.0.0.1 (a free port)."""
    with sitecheck.serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless chromium, shared by the whole session."""
    with sync_playwright() as playwright:
        browser = sitecheck.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def blocked() -> list[str]:
    """Requests outside 127.0.0.1 that the current test's pages tried to make."""
    return []


@pytest.fixture
def context(browser: Browser, blocked: list[str]) -> Iterator[BrowserContext]:
    """A fresh desktop-sized context (own storage) with the network outside 127.0.0.1 blocked."""
    context = sitecheck.offline_context(browser, blocked, viewport=sitecheck.DESKTOP)
    yield context
    context.close()
    if blocked:
        pytest.fail("requests outside 127.0.0.1 (blocked): " + ", ".join(sorted(set(blocked))))


@pytest.fixture(scope="session")
def link_checker(base_url: str) -> sitecheck.LinkChecker:
    """Checks internal links against the served site, each target fetched once per session."""
    return sitecheck.LinkChecker(base_url)


@pytest.fixture(scope="session")
def screenshots(site: Path) -> Path:
    """Where screenshots go: ``build/screenshots`` beside ``build/html``."""
    folder = site.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
