"""How the book looks: screenshots at desktop and phone widths, and dark mode kept legible.

Screenshots go to ``build/screenshots/`` (beside the built site), for CI to keep as artifacts:
the front page, a Rules page and a Worked-example page at 1280 and 390 pixels wide, plus the
same in dark mode at desktop width.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sitecheck
from playwright.sync_api import Browser, BrowserContext, Page

WIDTHS = {"desktop": sitecheck.DESKTOP, "phone": sitecheck.PHONE}


def _first_page_of(part: str) -> str | None:
    pages = sitecheck.part_pages(sitecheck.SITE, part)[1:]  # the part's index comes first
    return pages[0] if pages else None


SHOTS = {
    "front": "index.html",
    "rules": _first_page_of(r"^rules"),
    "example": _first_page_of(r"worked examples"),
}


# The book typesets lazily (conf.py loads MathJax's ui/lazy: only the math near the screen is
# typeset).  Checks that look at every formula first typeset the whole page the way printing
# does, with the extension's lazyTypesetAll; without the extension the startup typeset did it.
_TYPESET_ALL = (
    "if (window.MathJax?.startup?.promise) { await MathJax.startup.promise;"
    " const doc = MathJax.startup.document;"
    " if (doc?.lazyTypesetAll) await doc.lazyTypesetAll(); }"
    " await document.fonts.ready;"
)


def _settle(page: Page) -> None:
    """Wait until MathJax has typeset the whole page and the web fonts are in."""
    page.evaluate(f"async () => {{ {_TYPESET_ALL} }}")


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(SHOTS))
def test_screenshot(
    name: str, width: str, browser: Browser, base_url: str, screenshots: Path, blocked: list[str]
) -> None:
    page_path = SHOTS[name]
    if page_path is None:
        pytest.skip(f"pending: the book has no {name} page yet")
    phone = width == "phone"
    for scheme in ("light", "dark") if not phone else ("light",):
        context = sitecheck.offline_context(
            browser, blocked, viewport=WIDTHS[width], color_scheme=scheme, is_mobile=phone,
            has_touch=phone, device_scale_factor=2 if phone else 1,
        )  # fmt: skip
        page = context.new_page()
        page.goto(base_url + page_path)
        _settle(page)
        suffix = "" if scheme == "light" else "-dark"
        target = screenshots / f"{name}-{width}{suffix}.png"
        page.screenshot(path=target, full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        context.close()
        assert target.stat().st_size > 10_000, f"{target} is (nearly) empty"
        assert overflow <= 1, (
            f"{page_path} at {width} width scrolls sideways by {overflow}px "
            "(a wide table or equation escapes its scroll container)"
        )
    assert not blocked, f"{page_path}: requests outside 127.0.0.1: {blocked}"


# Runs in a dark-mode page: for each math container the contrast of its colour against the
# background behind it; for each figure, whether it is transparent and how light its backdrop is.
_LEGIBILITY_JS = (
    r"""
async () => {
  """
    + _TYPESET_ALL
    + r"""
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(',').map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const backdrop = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const math = [];
  for (const el of document.querySelectorAll('mjx-container')) {
    const fg = lum(parse(getComputedStyle(el).color));
    const bg = lum(backdrop(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    math.push({ratio, text: (el.parentElement?.textContent || '').slice(0, 60)});
  }
  const figures = [];
  for (const img of document.querySelectorAll('.cell_output img, figure img')) {
    await img.decode().catch(() => null);
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let transparent = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] < 250) transparent++;
    figures.push({src: img.getAttribute('src'), transparent: transparent / (data.length / 4),
                  backdrop: lum(backdrop(img))});
  }
  return {theme: document.documentElement.dataset.theme, math, figures};
}
"""
)


def _legibility_pages() -> list[str]:
    site = sitecheck.SITE
    return [
        p
        for p in sitecheck.discover_pages(site)
        if any(m in (site / p).read_text(encoding="utf-8") for m in ('class="math', "<img"))
    ]


@pytest.mark.parametrize("dark_page", _legibility_pages())
def test_dark_mode_keeps_math_and_plots_legible(
    dark_page: str, browser: Browser, base_url: str, blocked: list[str]
) -> None:
    context = sitecheck.offline_context(
        browser, blocked, viewport=sitecheck.DESKTOP, color_scheme="dark"
    )
    page = context.new_page()
    page.goto(base_url + dark_page)
    found = page.evaluate(_LEGIBILITY_JS)
    context.close()
    assert found["theme"] == "dark", f"{dark_page}: the theme ignores the reader's dark preference"
    faint = [m for m in found["math"] if m["ratio"] < 4.5]
    assert not faint, (
        f"{dark_page}: {len(faint)} formula(s) below 4.5:1 contrast in dark mode, e.g. {faint[0]}"
    )
    unreadable = [f for f in found["figures"] if f["transparent"] > 0.01 and f["backdrop"] < 0.6]
    assert not unreadable, (
        f"{dark_page}: transparent figure(s) on a dark backdrop (dark text and axes vanish): "
        f"{[f['src'] for f in unreadable]}"
    )


def test_heaviest_pages_stay_within_the_weight_budget(browser: Browser, base_url: str) -> None:
    """The three pages with the largest HTML, measured as benchmarks/bench_page_weight.py does.

    Every page shares the theme's and MathJax's files, so the pages with the most HTML are
    the heaviest; the benchmark measures them all and reports the median and maximum.
    """
    site = sitecheck.SITE
    pages = sorted(
        sitecheck.discover_pages(site), key=lambda p: (site / p).stat().st_size, reverse=True
    )[:3]
    weights = {p: sitecheck.page_weight(browser, base_url, p) for p in pages}
    totals = {p: sum(w[k] for k in sitecheck.WEIGHT_KINDS) for p, w in weights.items()}
    over = {p: f"{t / 1e6:.2f} MB" for p, t in totals.items() if t > sitecheck.PAGE_BUDGET}
    assert not over, f"pages over the {sitecheck.PAGE_BUDGET / 1e6:.0f} MB budget: {over}"


def test_icons_render_from_the_web_font(context: BrowserContext, base_url: str) -> None:
    """The theme's icons draw without fontawesome.js (conf/light_icons.py drops it)."""
    page = context.new_page()
    page.goto(base_url + "index.html")
    page.evaluate("document.fonts.ready")
    icons = page.evaluate(
        """() => Array.from(document.querySelectorAll('i[class*="fa-"]'))
          .filter(i => i.getClientRects().length)
          .map(i => ({cls: i.className, width: i.getBoundingClientRect().width,
                      content: getComputedStyle(i, '::before').content,
                      font: getComputedStyle(i, '::before').fontFamily}))"""
    )
    assert icons, "index.html: no visible icons found"
    broken = [i for i in icons if i["width"] < 4 or i["content"] in ("none", "normal", '""')]
    assert not broken, f"index.html: icons that do not draw: {broken}"
    assert page.evaluate("document.fonts.check('900 16px \"Font Awesome 7 Free\"')"), (
        "index.html: the Font Awesome web font did not load"
    )


# -- Every page fits the screen; math typesets fast -----------------------------------------

# Runs once the whole page is typeset: how far the page scrolls sideways, and the display
# formulas whose visible part (clipped by their own scroll box) leaves the text column.
_FIT_JS = (
    r"""
async () => {
  """
    + _TYPESET_ALL
    + r"""
  const lazy = document.querySelectorAll('mjx-lazy').length;
  const de = document.documentElement;
  const article = document.querySelector('article.bd-article') || document.querySelector('main')
    || document.body;
  const column = article.getBoundingClientRect();
  const escaped = [];
  for (const m of document.querySelectorAll('mjx-container[display="true"]')) {
    const r = m.getBoundingClientRect();
    if (!r.width) continue;
    let right = r.right;
    for (let e = m; e && e !== article; e = e.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX)) {
        right = Math.min(right, e.getBoundingClientRect().right);
        break;
      }
    }
    if (right > column.right + 1) escaped.push((m.parentElement?.textContent || '').slice(0, 60));
  }
  return {sideways: de.scrollWidth - de.clientWidth, escaped, height: de.scrollHeight, lazy};
}
"""
)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_page_fits_the_screen(
    page_path: str, width: str, browser: Browser, base_url: str, blocked: list[str]
) -> None:
    """At 1280 and 390 px no formula leaves the text column and the page never scrolls sideways
    (a formula MathJax cannot break scrolls inside its own box)."""
    phone = width == "phone"
    context = sitecheck.offline_context(
        browser, blocked, viewport=WIDTHS[width], is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.goto(base_url + page_path)
    fit = page.evaluate(_FIT_JS)
    context.close()
    assert not fit["lazy"], f"{page_path}: {fit['lazy']} formula(s) left untypeset"
    assert fit["sideways"] <= 1, f"{page_path} at {width} width scrolls sideways by {fit}"
    assert not fit["escaped"], f"{page_path} at {width} width: formulas leave the column: {fit}"


# MathJax's typesetting is timed in CPU seconds of the page's renderer (Chromium's own process
# accounting), not wall-clock time: on a busy machine the wall clock measures the machine.
# The startup typeset is held back (so that the timer can start just before it) and then run
# as the startup would have run it.
_NO_STARTUP_TYPESET = """
(() => {
  let config;
  Object.defineProperty(window, 'MathJax', {configurable: true, get() { return config; },
    set(value) {
      if (value && !value.version)
        value.startup = Object.assign(value.startup || {}, {typeset: false});
      config = value;
    }});
})();
"""
# What the reader waits for: with MathJax's ui/lazy, the batch of formulas the extension's
# observer finds on or near the screen, until no lazy marker is left within its margin of the
# viewport and its queue is idle; then the web fonts.
_SCREEN_TYPESET = r"""
  const doc = MathJax.startup.document;
  if (doc.lazyObserver) {
    const margin = parseFloat(doc.options.lazyMargin) || 0;
    const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    const pending = () => Array.from(document.querySelectorAll('mjx-lazy')).some((m) => {
      const r = m.getClientRects()[0];
      return r && r.bottom >= -margin && r.top <= innerHeight + margin;
    });
    await frame();
    for (let i = 0; i < 600 && (pending() || doc.lazyIdle); i++) {
      await frame();
      await doc.lazyPromise;
    }
    if (pending()) throw new Error('the formulas on screen were not typeset');
  }
  await document.fonts.ready;
"""
# On load: the startup typeset, then the first screen's batch.
_TYPESET_FIRST_SCREEN = "async () => { await MathJax.typesetPromise();" + _SCREEN_TYPESET + "}"
# After a jump to a fraction of the page's height (a link to an identity, the scroll bar).
_TYPESET_AFTER_JUMP = (
    "async (where) => { const de = document.documentElement;"
    " window.scrollTo(0, where * (de.scrollHeight - innerHeight));" + _SCREEN_TYPESET + "}"
)
TYPESET_BUDGET = 1.0  # seconds per page, on this machine


def _renderer_cpu(cdp: Any) -> float:
    info = cdp.send("SystemInfo.getProcessInfo")
    return float(sum(p["cpuTime"] for p in info["processInfo"] if p["type"] == "renderer"))


def typeset_seconds(browser: Browser, base_url: str, page_path: str, blocked: list[str]) -> float:
    """CPU seconds the reader waits for before the first screen of a page shows its math.

    Measured at 1280 px from the top of the page, in CPU time of Chromium's renderer
    processes: from just before MathJax's startup typeset (held back until the page, MathJax
    and its extensions have loaded) until the formulas within the lazy extension's margin of
    the viewport are typeset and the web fonts are in.  Formulas further down are typeset
    as the reader scrolls to them, a screen's worth at a time (see
    :func:`jump_typeset_seconds`), and are not counted here.
    """
    context = sitecheck.offline_context(browser, blocked, viewport=sitecheck.DESKTOP)
    context.add_init_script(_NO_STARTUP_TYPESET)
    page = context.new_page()
    page.goto(base_url + page_path)
    page.evaluate("async () => { await MathJax.startup.promise; await document.fonts.ready; }")
    page.wait_for_timeout(200)
    cdp = browser.new_browser_cdp_session()
    before = _renderer_cpu(cdp)
    page.evaluate(_TYPESET_FIRST_SCREEN)
    spent = _renderer_cpu(cdp) - before
    cdp.detach()
    context.close()
    return spent


def jump_typeset_seconds(
    browser: Browser, base_url: str, page_path: str, blocked: list[str], where: float
) -> float:
    """CPU seconds the reader waits for after jumping to a point of a loaded page.

    At 1280 px, with the first screen typeset: from just before the page scrolls to
    ``where`` (a fraction of its height) until the formulas within the lazy extension's
    margin of the new viewport are typeset and the web fonts are in (renderer CPU time).
    """
    context = sitecheck.offline_context(browser, blocked, viewport=sitecheck.DESKTOP)
    page = context.new_page()
    page.goto(base_url + page_path)
    page.evaluate("async () => { await MathJax.startup.promise;" + _SCREEN_TYPESET + "}")
    page.wait_for_timeout(200)
    cdp = browser.new_browser_cdp_session()
    before = _renderer_cpu(cdp)
    page.evaluate(_TYPESET_AFTER_JUMP, where)
    spent = _renderer_cpu(cdp) - before
    cdp.detach()
    context.close()
    return spent


def _math_pages() -> list[str]:
    site = sitecheck.SITE
    return [
        p
        for p in sitecheck.pages_to_open(site)
        if 'class="math' in (site / p).read_text(encoding="utf-8", errors="replace")
    ]


@pytest.mark.parametrize("math_page", _math_pages())
def test_math_typesets_within_a_second(
    math_page: str, browser: Browser, base_url: str, blocked: list[str]
) -> None:
    seconds = typeset_seconds(browser, base_url, math_page, blocked)
    assert seconds <= TYPESET_BUDGET, f"{math_page}: MathJax took {seconds:.2f} s of CPU"


def _most_math_pages(count: int = 3) -> list[str]:
    site = sitecheck.SITE
    formulas = {
        p: (site / p).read_text(encoding="utf-8", errors="replace").count('class="math')
        for p in _math_pages()
    }
    return sorted(formulas, key=lambda p: formulas[p], reverse=True)[:count]


@pytest.mark.parametrize("where", [0.5, 1.0])
@pytest.mark.parametrize("math_page", _most_math_pages())
def test_math_typesets_within_a_second_after_a_jump(
    math_page: str, where: float, browser: Browser, base_url: str, blocked: list[str]
) -> None:
    """On the pages with the most formulas, jumping to the middle or the end of the page."""
    seconds = jump_typeset_seconds(browser, base_url, math_page, blocked, where)
    assert seconds <= TYPESET_BUDGET, (
        f"{math_page}: MathJax took {seconds:.2f} s of CPU after a jump to {where:.0%} of it"
    )
