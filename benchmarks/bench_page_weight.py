"""Bytes one page of the book transfers in a browser (html + css + js + fonts + MathJax).

Every page of the built site (``build/html``, or ``MATDERIV_SITE``) is opened in Debian's
headless chromium with an empty cache, the network outside 127.0.0.1 blocked, and waited on
until MathJax has typeset it and its fonts are in.  Bytes are the response bodies plus
headers of every request the page made, as the browser counts them.  Reports each page split
by kind, the median and the maximum over pages, and the budget: 3 MB a page.
Exits 1 when a page is over budget (uncompressed: the local server does not gzip).
The gzip column estimates what a host that compresses would send.

Byte counts are deterministic (same site, same bytes), so repetitions only check the
measurement: each page is visited twice, cold, and the two counts must agree.

Run: ``python benchmarks/bench_page_weight.py`` (after ``nox -s docs``), or ``nox -s bench``.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "browser"))

import sitecheck  # noqa: E402 - the browser suite's helpers, found through the path above

BUDGET = sitecheck.PAGE_BUDGET
KINDS = sitecheck.WEIGHT_KINDS


def main() -> int:
    site = sitecheck.SITE
    if not (site / "index.html").is_file():
        print(f"no built book at {site}: run `nox -s docs` first (or set MATDERIV_SITE)")
        return 2
    pages = sitecheck.discover_pages(site)
    results: dict[str, Counter[str]] = {}
    with sitecheck.serve(site) as base_url, sync_playwright() as playwright:
        browser = sitecheck.launch(playwright)
        for page_path in pages:
            first, second = (sitecheck.page_weight(browser, base_url, p) for p in [page_path] * 2)
            if first != second:
                raise RuntimeError(f"{page_path}: two cold visits differ: {first} vs {second}")
            results[page_path] = first
        browser.close()

    totals = {p: sum(w[k] for k in KINDS) for p, w in results.items()}
    gzipped = {p: w["gzip"] for p, w in results.items()}
    print(f"page weight over {len(pages)} pages of {site} (cold cache, bytes incl. headers)")
    print(f"{'page':<44}" + "".join(f"{k:>9}" for k in KINDS) + f"{'total':>11}{'gzip':>8}")
    for page_path in sorted(pages, key=totals.__getitem__, reverse=True):
        row = "".join(f"{results[page_path][k] / 1e3:>8.0f}k" for k in KINDS)
        print(
            f"{page_path:<44}{row}{totals[page_path] / 1e6:>10.2f}M"
            f"{gzipped[page_path] / 1e6:>7.2f}M"
        )
    heaviest = max(totals, key=totals.__getitem__)
    median = statistics.median(totals.values())
    mathjax = results[heaviest]["mathjax"]
    print()
    print(f"median {median / 1e6:.2f} MB, max {totals[heaviest] / 1e6:.2f} MB ({heaviest})")
    print(
        "gzip-compressed (as most static hosts serve it): "
        f"median {statistics.median(gzipped.values()) / 1e6:.2f} MB, "
        f"max {max(gzipped.values()) / 1e6:.2f} MB"
    )
    print(
        f"budget {BUDGET / 1e6:.1f} MB: max is {totals[heaviest] / BUDGET:.0%} of it; "
        f"MathJax is {mathjax / totals[heaviest]:.0%} of the heaviest page"
    )
    over = [p for p, t in totals.items() if t > BUDGET]
    if over:
        print(f"OVER BUDGET: {over}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
