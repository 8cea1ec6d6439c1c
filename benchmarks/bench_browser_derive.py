"""The Derive page in the browser: bytes, time to first result, and derive time next to CPython.

The built site (``build/html`` or ``MATDERIV_SITE``, made by ``nox -s docs``) is served on
127.0.0.1 and opened in Debian's headless chromium; a request leaving 127.0.0.1 fails the run.

- **bytes on first use**: every response of a cold visit that derives once (page, scripts,
  the interpreter, the wheels), bodies plus headers as the browser counts them, and the same
  files gzipped as a compressing host would send them (already-compressed ``.zip`` and
  ``.whl`` files are counted as they are);
- **time to first result**: from opening a shared link (``derive.html?expr=...``) to the
  answer on screen, with an empty browser cache (cold) and again in a new tab of the same
  browser (warm HTTP cache; Python still starts again: a page has its own worker); each
  the median of RUNS browsers with an empty profile (default 3), printed with the machine's
  load average (it is shared: the figures move with it) and the worker's start-up phases;
- **derive time**: every problem of ``tests/battery.py`` (the answers recorded at
  build time in ``expected.json``), SymPy's cache cleared before each, timed inside the
  worker; the same requests through the same ``bridge.py`` timed in this CPython process
  (both after one untimed pass, which imports the modules the problems need).
  Each browser answer is also compared with CPython's.

Targets (issue 14): cold <= 6 s, warm <= 2 s, browser median <= 3x CPython's.

Run: ``python benchmarks/bench_browser_derive.py [RUNS]`` (after ``nox -s docs``), or
``nox -s bench``.
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from playwright.sync_api import BrowserContext, Request, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "browser"), str(ROOT / "conf")]

import derive_page  # noqa: E402 - conf/derive_page.py: the page's bridge.py, in CPython
import sitecheck  # noqa: E402 - the browser suite's helpers, found through the path above

DONE = (
    "['done', 'rejected', 'failed'].includes(document.getElementById('derive-form').dataset.state)"
)
STORED = (".zip", ".whl", ".woff2", ".png")  # compressed already: a host sends them as they are
TARGETS = {"cold_s": 6.0, "warm_s": 2.0, "ratio": 3.0}


def _gzipped(path: Path) -> int:
    if not path.is_file():
        return 0
    data = path.read_bytes()
    return len(data) if path.suffix in STORED else len(gzip.compress(data, compresslevel=6))


def _first_result(
    context: BrowserContext, url: str, label: str
) -> tuple[float, list[tuple[str, int]], str]:
    """Seconds from opening `url` to the answer; (path, bytes) of each response; the status."""
    finished: list[Request] = []
    page = context.new_page()
    page.on("requestfinished", lambda request: finished.append(request))
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(DONE, timeout=300_000)
    seconds = time.perf_counter() - start
    status = page.inner_text("#derive-status")
    phases = json.loads(page.eval_on_selector("#derive-form", "f => f.dataset.loadPhases || '{}'"))
    steps = ", ".join(f"{name} {s:.2f} s" for name, s in phases.items())
    print(f"  {label}: {seconds:.2f} s to the answer; Python: {steps}", flush=True)
    page.wait_for_load_state("networkidle")
    responses = []
    for request in finished:
        sizes = request.sizes()
        path = unquote(urlsplit(request.url).path[1:])
        responses.append((path, sizes["responseBodySize"] + sizes["responseHeadersSize"]))
    page.close()
    return seconds, responses, status


def _bytes(site: Path, responses: list[tuple[str, int]]) -> tuple[int, int, dict[str, int]]:
    raw = packed = 0
    by_file: dict[str, int] = {}
    for path, size in responses:
        raw += size
        packed += _gzipped(site / path)
        by_file[path] = by_file.get(path, 0) + size
    return raw, packed, by_file


def _browser_times(context: BrowserContext, url: str, requests: list[dict[str, Any]]) -> Any:
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(DONE, timeout=300_000)
    # a first pass imports what the problems use; the second is timed
    answers = page.evaluate(
        """async (requests) => {
            for (const request of requests) await window.matderivDerive(request);
            const out = [];
            for (const request of requests) out.push(await window.matderivDerive(request));
            return out;
        }""",
        [{**r, "fresh": True} for r in requests],
    )
    page.close()
    return answers


def _cpython_times(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    bridge = derive_page.load_bridge()
    for r in requests:  # a first pass imports what the problems use; the second is timed
        bridge.run(json.dumps(r))
    return [json.loads(bridge.run(json.dumps({**r, "fresh": True}))) for r in requests]


def _visits(
    playwright: Any, base_url: str, url: str, runs: int, blocked: list[str]
) -> tuple[list[float], list[float], list[tuple[str, int]], list[tuple[str, int]], str]:
    """`runs` browsers with an empty profile, each opening `url` cold and then warm."""
    cold: list[float] = []
    warm: list[float] = []
    cold_requests: list[tuple[str, int]] = []
    warm_requests: list[tuple[str, int]] = []
    status = ""
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as profile:
            # a persistent profile: its disk cache is what a reader's browser keeps between
            # visits (a throwaway context's memory cache drops the large files).  No request
            # routing: Playwright turns the HTTP cache off in a routed context; requests
            # leaving 127.0.0.1 are recorded instead.
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(sitecheck.CHROMIUM),
                headless=True,
                args=sitecheck.CHROMIUM_ARGS,
                service_workers="block",
                viewport=sitecheck.DESKTOP,
            )
            context.on(
                "request",
                lambda r: (
                    None if urlsplit(r.url).hostname == "127.0.0.1" else blocked.append(r.url)
                ),
            )
            seconds, cold_requests, status = _first_result(context, url, "cold")
            cold.append(seconds)
            if not status.startswith("Derived"):
                context.close()
                break
            seconds, warm_requests, _ = _first_result(context, url, "warm")
            warm.append(seconds)
            context.close()
    return cold, warm, cold_requests, warm_requests, status


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    site = sitecheck.SITE
    expected_path = site / "_static" / "derive" / "expected.json"
    if not (site / "_static" / "derive" / "manifest.json").is_file():
        print(f"no in-browser Python in {site}: build the book with `nox -s docs` first")
        return 2
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    requests = [item["request"] for item in expected]
    first = {k: v for k, v in requests[0].items() if v}
    load_before = os.getloadavg()
    blocked: list[str] = []
    with sitecheck.serve(site) as base_url, sync_playwright() as playwright:
        url = base_url + "derive.html?" + urlencode(first)
        cold_runs, warm_runs, cold_requests, warm_requests, status = _visits(
            playwright, base_url, url, runs, blocked
        )
        if not status.startswith("Derived"):
            print(f"the page did not derive: {status}")
            return 1
        browser = sitecheck.launch(playwright)
        context = browser.new_context(service_workers="block")
        in_browser = _browser_times(context, url, requests)
        browser.close()
    load_after = os.getloadavg()
    if blocked:
        print(f"requests outside 127.0.0.1 (blocked): {sorted(set(blocked))}")
        return 1
    cold, warm = statistics.median(cold_runs), statistics.median(warm_runs)
    in_cpython = _cpython_times(requests)

    raw, packed, by_file = _bytes(site, cold_requests)
    warm_raw, _, _ = _bytes(site, warm_requests)
    print(f"Derive page, first use (cold cache), {len(cold_requests)} requests:")
    for path, size in sorted(by_file.items(), key=lambda item: -item[1])[:10]:
        print(f"  {size / 1e6:8.2f} MB  {path}")
    print(f"  total {raw / 1e6:.2f} MB as served, {packed / 1e6:.2f} MB gzipped (estimate)")
    print(f"  warm cache: {warm_raw / 1e6:.2f} MB transferred again")
    print(
        f"time to first result, median of {len(cold_runs)}: cold {cold:.2f} s "
        f"({', '.join(f'{t:.2f}' for t in cold_runs)}), warm cache {warm:.2f} s "
        f"({', '.join(f'{t:.2f}' for t in warm_runs)})"
    )
    print(
        "machine load (1, 5, 15 min) before: "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + "; after: "
        + ", ".join(f"{x:.1f}" for x in load_after)
        + f" ({os.cpu_count()} cores)"
    )

    def strip(answer: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in answer.items() if k != "ms"}

    wrong = [r["expr"] for r, a, e in zip(requests, in_browser, expected, strict=True)
             if strip(a) != strip(e["answer"])]  # fmt: skip
    browser_ms = statistics.median(a["ms"] for a in in_browser)
    cpython_ms = statistics.median(a["ms"] for a in in_cpython)
    ratio = browser_ms / cpython_ms
    print(
        f"derive, {len(requests)} battery problems, SymPy cache cleared before each: median "
        f"{browser_ms:.1f} ms in the browser, {cpython_ms:.1f} ms in CPython ({ratio:.1f}x); "
        f"max {max(a['ms'] for a in in_browser):.0f} ms in the browser"
    )
    print(f"answers equal to CPython's: {len(requests) - len(wrong)}/{len(requests)}")
    for expr in wrong:
        print(f"  DIFFERENT: {expr}")
    measured = {"cold_s": cold, "warm_s": warm, "ratio": ratio}
    for name, target in TARGETS.items():
        verdict = "ok" if measured[name] <= target else "OVER"
        print(f"target {name} <= {target}: {measured[name]:.2f} {verdict}")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
