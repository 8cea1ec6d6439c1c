"""Serve a built Sphinx site on 127.0.0.1 and check its pages in Chromium, with the network blocked.

Used by the browser test suite (``nox -s browser``) and by ``benchmarks/bench_page_weight.py``.
Debian's chromium is driven through Playwright for Python; the browsers Playwright would
download (``playwright install``) are never used.
"""

from __future__ import annotations

import functools
import gzip
import html.parser
import os
import re
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Route,
    ViewportSize,
)

ROOT = Path(__file__).resolve().parents[1]
#: The built site under test: ``MATDERIV_SITE`` or the ``build/html`` that ``nox -s docs`` makes.
SITE = Path(os.environ.get("MATDERIV_SITE", ROOT / "build" / "html")).resolve()
CHROMIUM = Path(os.environ.get("MATDERIV_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI containers run as root, where chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # small /dev/shm in containers
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}

# Console errors that are known theme noise, each with the reason it is harmless.
# A console message is ignored only when it matches one of these patterns.
ALLOWED_CONSOLE_ERRORS: list[tuple[re.Pattern[str], str]] = [
    # Chromium logs every 4xx/5xx response as a console error; the response listener
    # already records those (with the URL), so they are reported once, not twice.
    (re.compile(r"^Failed to load resource: the server responded with a status of"),
     "duplicate of the HTTP-status check, which names the URL"),
    # A request this suite aborts (outside 127.0.0.1) is logged by Chromium as well; the
    # request itself is reported as a failure by the request listeners.
    (re.compile(r"^Failed to load resource: net::ERR_BLOCKED_BY_CLIENT"),
     "duplicate of the blocked-request check, which names the URL"),
]  # fmt: skip

# Directories of the built site that hold assets, not pages.
_ASSET_DIRS = {"_static", "_sources", "_images", "_downloads", "reports", "jupyter_execute"}

# Text that must not survive MathJax: TeX delimiters and TeX control words.
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\[A-Za-z]{2,}")


def discover_pages(site: Path = SITE) -> list[str]:
    """Every HTML page of the built site, as POSIX paths relative to its root (assets excluded)."""
    pages = []
    for path in site.rglob("*.html"):
        relative = path.relative_to(site)
        if not _ASSET_DIRS.intersection(relative.parts[:-1]):
            pages.append(relative.as_posix())
    return sorted(pages)


#: Set to ``all`` to open every identity page in the per-page browser tests (about an hour on
#: two cores); by default they open a sample of them (see :func:`pages_to_open`).
PAGES_VARIABLE = "MATDERIV_BROWSER_PAGES"


def pages_to_open(site: Path = SITE) -> list[str]:
    """The pages the per-page browser tests open: every page, with identity pages sampled.

    The 272 identity pages (``rules/id/``) are one template filled from the catalog, and the
    mixed-case addresses beside them are one forwarding stub.  Opening each at two widths
    would take most of an hour, so unless :data:`PAGES_VARIABLE` is ``all`` the per-page
    tests open, for each family (the id's prefix), its first page and its largest page (the
    most and the longest formulas), plus the first forwarding stub.  Checks that only read
    files (internal labels, page weight) still read every page.
    """
    pages = discover_pages(site)
    if os.environ.get(PAGES_VARIABLE, "") == "all":
        return pages
    identity = [p for p in pages if p.startswith("rules/id/")]
    keep: set[str] = set()
    stubs = sorted(p for p in identity if p != p.lower())
    keep.update(stubs[:1])
    families: dict[str, list[str]] = {}
    for p in identity:
        if p == p.lower():
            families.setdefault(p.removeprefix("rules/id/").split("-")[0], []).append(p)
    for members in families.values():
        keep.add(min(members))
        keep.add(max(members, key=lambda p: (site / p).stat().st_size))
    return sorted(p for p in pages if not p.startswith("rules/id/") or p in keep)


class _QuietHandler(SimpleHTTPRequestHandler):
    """A static-file handler that does not log every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:  # stdlib's signature
        pass


@contextmanager
def serve(site: Path = SITE) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) in a thread; yield the base URL (ending in /)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def launch(playwright: Playwright) -> Browser:
    """Start Debian's headless chromium (never a browser downloaded by Playwright)."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"{CHROMIUM} not found: install Debian's chromium (`apt-get install -y chromium`, "
            "as .ci/run does) or point MATDERIV_CHROMIUM at a Chromium binary. "
            "Do not run `playwright install`."
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def offline_context(browser: Browser, blocked: list[str], **options: Any) -> BrowserContext:
    """A browser context in which every request outside 127.0.0.1 is aborted and recorded."""
    context = browser.new_context(service_workers="block", **options)

    def route(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    return context


# ----------------------------------------------------------------------------------------
# One page, all its checks


@dataclass
class PageReport:
    """What went wrong on one page (an empty ``problems`` list means the page is clean)."""

    page: str
    problems: list[str] = field(default_factory=list)
    math_elements: int = 0
    links: list[str] = field(default_factory=list)

    def message(self) -> str:
        """The failure text: the page, then one line per problem."""
        return f"{self.page}: {len(self.problems)} problem(s)\n  " + "\n  ".join(self.problems)


# Runs in the page once it has loaded: waits for MathJax and the fonts, then inspects the DOM.
_INSPECT_JS = r"""
async () => {
  const mathElements = Array.from(document.querySelectorAll('.math'));
  const result = {mathElements: mathElements.length, mathjax: false, untypeset: [],
                  errors: [], rawTex: [], links: []};
  const within = (promise, ms) =>
    Promise.race([promise.then(() => true), new Promise((ok) => setTimeout(() => ok(false), ms))]);
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    result.mathjax = true;
    result.typesetInTime = await within(MathJax.startup.promise, 20000);
    // MathJax's ui/lazy typesets only the math near the screen: typeset the rest, as
    // printing does, so that every formula is checked.
    const doc = MathJax.startup.document;
    if (result.typesetInTime && doc && doc.lazyTypesetAll) {
      result.typesetInTime = await within(doc.lazyTypesetAll(), 20000);
    }
  }
  result.fontsInTime = await within(document.fonts.ready, 20000);
  const pending = () => mathElements.filter(
    (el) => !el.querySelector('mjx-container') || el.querySelector('mjx-lazy'));
  // lazyTypesetAll settles before the last lazy batch is in the DOM on a loaded machine:
  // ask again while some math is still a placeholder (up to 5 s)
  const doc = window.MathJax && MathJax.startup ? MathJax.startup.document : null;
  for (let i = 0; i < 25 && pending().length && doc && doc.lazyTypesetAll; i++) {
    await within(doc.lazyTypesetAll(), 2000);
    await new Promise((ok) => setTimeout(ok, 200));
  }
  for (const el of pending()) result.untypeset.push(el.textContent.trim().slice(0, 80));
  for (const el of document.querySelectorAll('mjx-merror, [data-mjx-error]')) {
    const message = el.getAttribute('data-mjx-error') || el.getAttribute('title') || '';
    const container = el.closest('mjx-container');
    const source = container && container.parentElement ? container.parentElement.textContent : '';
    result.errors.push((message + ' ' + (el.textContent || source)).trim().slice(0, 120));
  }
  // Text the reader sees, outside code and outside rendered math.
  // (.onlyprint: the theme's print-only header repeats the title as plain text, hidden on
  // screen; matderiv.css hides that duplicate in print too.)
  const skip = 'pre, code, kbd, samp, script, style, textarea, noscript, template, ' +
               'mjx-container, .onlyprint';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && node.parentElement.closest(skip)) continue;
    const text = node.textContent;
    if (/\\[()\[\]]|\$\$|\\[A-Za-z]{2,}|Math input error/.test(text)) {
      result.rawTex.push(text.trim().slice(0, 120));
    }
  }
  for (const a of document.querySelectorAll('a[href]')) result.links.push(a.href);
  result.title = document.title;
  return result;
}
"""


def check_page(context: BrowserContext, base_url: str, page_path: str) -> PageReport:
    """Load one page and collect every problem a reader would hit.

    Failed or blocked requests, HTTP errors, JavaScript errors (uncaught exceptions and
    console errors outside :data:`ALLOWED_CONSOLE_ERRORS`), math that MathJax did not
    typeset or typeset with an error, and raw TeX left in the visible text.
    """
    report = PageReport(page_path)
    page = context.new_page()
    problems = report.problems

    def on_console(message: Any) -> None:
        if message.type != "error":
            return
        if not any(pattern.search(message.text) for pattern, _ in ALLOWED_CONSOLE_ERRORS):
            problems.append(f"console error: {message.text}")

    def on_failed(request: Request) -> None:
        problems.append(f"failed request: {request.url} ({request.failure})")

    def on_response(response: Any) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    def on_error(error: Any) -> None:
        problems.append(f"JavaScript error: {error.name}: {error.message}")

    page.on("pageerror", on_error)
    page.on("console", on_console)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    try:
        response = page.goto(base_url + page_path, wait_until="load")
        if response is None or not response.ok:
            status = response.status if response is not None else "no response"
            problems.append(f"the page itself did not load ({status})")
        found = page.evaluate(_INSPECT_JS)
    finally:
        page.close()
    report.math_elements = found["mathElements"]
    report.links = found["links"]
    if found["mathjax"] and not found["typesetInTime"]:
        problems.append("MathJax did not finish typesetting within 20 s")
    if not found["fontsInTime"]:
        problems.append("the page's web fonts did not load within 20 s")
    if report.math_elements and not found["mathjax"]:
        problems.append(f"{report.math_elements} math element(s) but MathJax did not load")
    if found["untypeset"]:
        problems.append(
            f"{len(found['untypeset'])} math element(s) not typeset, e.g. {found['untypeset'][0]!r}"
        )
    problems.extend(f"Math input error: {text!r}" for text in found["errors"])
    problems.extend(f"raw TeX visible in the text: {text!r}" for text in found["rawTex"])
    if RAW_TEX.search(found["title"]):
        problems.append(
            f"raw TeX in the page title {found['title']!r} (shown in the browser tab and in "
            "search results): keep math out of the page's first heading"
        )
    return report


# ----------------------------------------------------------------------------------------
# Page weight

PAGE_BUDGET = 3_000_000  # bytes a page may transfer, math included
WEIGHT_KINDS = ("html", "css", "js", "fonts", "mathjax", "images", "other")


def _kind(request: Request) -> str:
    path = request.url.split("?")[0]
    if "/_static/mathjax/" in path:
        return "mathjax"  # the MathJax component and its woff fonts
    kind = request.resource_type
    if kind == "document":
        return "html"
    if kind == "stylesheet":
        return "css"
    if kind == "script" or path.endswith(".js"):
        return "js"
    if kind == "font":
        return "fonts"
    if kind == "image":
        return "images"
    return "other"


@functools.cache
def _gzipped(path: Path) -> int:
    """Bytes of a file after gzip, as most static hosts would send it (headers not counted)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=6)) if path.is_file() else 0


def page_weight(browser: Browser, base_url: str, page_path: str) -> Counter[str]:
    """Bytes by kind (:data:`WEIGHT_KINDS`) that one cold visit of ``page_path`` transfers.

    Response bodies plus headers, as the browser counts them, after MathJax has typeset
    the page and its fonts are in; ``weights["gzip"]`` estimates the same files gzipped.
    """
    blocked: list[str] = []
    context = offline_context(browser, blocked, viewport=DESKTOP)
    finished: list[Request] = []
    page = context.new_page()
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(base_url + page_path, wait_until="load")
    page.evaluate(
        "async () => { if (window.MathJax?.startup?.promise) await MathJax.startup.promise;"
        " await document.fonts.ready; }"
    )
    page.wait_for_load_state("networkidle")
    weights: Counter[str] = Counter()
    for request in finished:
        sizes = request.sizes()
        weights[_kind(request)] += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        weights["gzip"] += _gzipped(SITE / unquote(urlsplit(request.url).path[1:]))
    context.close()
    if blocked:
        raise RuntimeError(f"{page_path} asked for the network: {blocked}")
    return weights


# ----------------------------------------------------------------------------------------
# Internal links


class _Ids(html.parser.HTMLParser):
    """Collect the ``id`` (and legacy ``name``) anchors of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key == "id" or (key == "name" and tag == "a"):
                self.ids.add(value or "")


class LinkChecker:
    """Check internal links against the served site, fetching each target once."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._pages: dict[str, tuple[int, set[str] | None]] = {}

    def _fetch(self, url: str) -> tuple[int, set[str] | None]:
        if url not in self._pages:
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    body = response.read()
                    status = response.status
                    is_html = response.headers.get_content_type() == "text/html"
            except urllib.error.HTTPError as error:
                self._pages[url] = (error.code, None)
            else:
                ids = None
                if is_html:
                    parser = _Ids()
                    parser.feed(body.decode("utf-8", errors="replace"))
                    ids = parser.ids
                self._pages[url] = (status, ids)
        return self._pages[url]

    def dead_links(self, links: list[str]) -> list[str]:
        """The links (same origin as the site) whose page or anchor does not exist."""
        dead = []
        for link in sorted(set(links)):
            if not link.startswith(self.base_url):
                continue
            target, fragment = urldefrag(link)
            status, ids = self._fetch(target)
            relative = link[len(self.base_url) :]
            if status >= 400:
                dead.append(f"dead internal link: {relative} (HTTP {status})")
            elif fragment and ids is not None and unquote(fragment) not in ids:
                dead.append(f"dead internal link: {relative} (no element with id {fragment!r})")
        return dead


def wait_for_search_results(page: Page, timeout_ms: float = 15000) -> list[str]:
    """On Sphinx's search page, wait until the search has finished; return the result titles."""
    page.wait_for_function(
        "() => /Search finished|did not match/.test("
        "document.querySelector('#search-results .search-summary')?.textContent || '')",
        timeout=timeout_ms,
    )
    titles: list[str] = page.eval_on_selector_all(
        "#search-results ul.search li > a", "els => els.map(e => e.textContent.trim())"
    )
    return titles


def page_text(site: Path, page_path: str) -> str:
    """The visible text of a built page, roughly (tags stripped), for choosing expectations."""
    raw = (site / page_path).read_text(encoding="utf-8", errors="replace")
    main = re.search(r"<article.*?</article>", raw, re.DOTALL)
    body = main.group(0) if main else raw
    return re.sub(r"<[^>]+>", " ", body)


def page_title(site: Path, page_path: str) -> str:
    """The first heading of a built page (the page's title without the site name)."""
    raw = (site / page_path).read_text(encoding="utf-8", errors="replace")
    match = re.search(r"<h1[^>]*>(.*?)</h1>", raw, re.DOTALL)
    return re.sub(r"<[^>]+>|#", "", match.group(1)).strip() if match else ""


def part_pages(site: Path, title: str) -> list[str]:
    """The pages of the book part whose index page's title matches ``title`` (a regex).

    Parts are found from the built site (``<part>/index.html`` and its heading), so the
    suite follows whatever parts and folder names the book has.  The part's index page
    comes first.
    """
    for index in sorted(site.glob("*/index.html")):
        if re.search(title, page_title(site, index.relative_to(site).as_posix()), re.I):
            folder = index.parent.relative_to(site).as_posix()
            pages = [p for p in discover_pages(site) if p.startswith(folder + "/")]
            # in the order the part's index lists them (its toctree), the rest alphabetically
            listed = re.findall(r'href="([^"#]+\.html)', index.read_text(encoding="utf-8"))
            order = {f"{folder}/{href}": i for i, href in reversed(list(enumerate(listed)))}
            return sorted(
                pages,
                key=lambda p: (p != f"{folder}/index.html", order.get(p, len(order)), p),
            )
    return []
