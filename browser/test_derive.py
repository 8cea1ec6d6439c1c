"""The Derive page: matderiv in the browser (Pyodide in a Web Worker), network blocked.

The answers are compared with CPython's, recorded at build time in
``_static/derive/expected.json`` (``conf/derive_page.py``) and, for errors, with the command
line's message.  Loading Python takes seconds, so the tests share one page where they can.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import sitecheck
from playwright.sync_api import Browser, BrowserContext, Page

sys.path.insert(0, str(sitecheck.ROOT / "conf"))
import derive_page  # conf/derive_page.py: loads the page's bridge.py in CPython

LOAD_TIMEOUT_MS = 120_000  # cold start on a busy 2-core machine, with margin
DONE = (
    "['done', 'rejected', 'failed'].includes(document.getElementById('derive-form').dataset.state)"
)
# counts animation frames: if Python ran on the page's thread, frames would stop while it loads
FRAME_COUNTER = """() => {
  window.frames_ = {count: 0, last: performance.now(), longest: 0};
  const tick = (now) => {
    frames_.count += 1;
    frames_.longest = Math.max(frames_.longest, now - frames_.last);
    frames_.last = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


class Watch:
    """Console errors, failed responses and every URL a page requested (worker included)."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        if not any(p.search(message.text) for p, _ in sitecheck.ALLOWED_CONSOLE_ERRORS):
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")


# why Python cannot run matderiv in this build, once a test has found out (skips the rest fast)
NO_ENGINE: list[str] = []


def _skip_without_engine(status: str | None = None) -> None:
    """Skip when the shipped wheel needs numpy (the numpy-free symbolic path is not merged)."""
    if status is not None and "No module named 'numpy'" in status:
        NO_ENGINE.append(f"the shipped matderiv wheel needs numpy: {status}")
    if NO_ENGINE:
        pytest.skip(NO_ENGINE[0])


def _wait_done(page: Page) -> str:
    page.wait_for_function(DONE, timeout=LOAD_TIMEOUT_MS)
    state = page.eval_on_selector("#derive-form", "form => form.dataset.state")
    if state == "failed":
        _skip_without_engine(page.inner_text("#derive-status"))
    return str(state)


def _derive(page: Page, request: dict[str, str]) -> str:
    _skip_without_engine()
    page.fill("#derive-expr", request["expr"])
    page.fill("#derive-wrt", request["wrt"])
    page.fill("#derive-shapes", request.get("shapes", ""))
    page.fill("#derive-assume", request.get("assume", ""))
    page.select_option("#derive-layout", request.get("layout") or "mixed")
    page.set_checked("#derive-hessian", bool(request.get("hessian")))
    page.eval_on_selector("#derive-form", "form => { form.dataset.state = 'asked'; }")
    page.press("#derive-expr", "Enter")  # Enter derives
    return _wait_done(page)


def _shown(page: Page) -> dict[str, str]:
    def box(name: str) -> str:
        return page.inner_text(f"#derive-{name} pre").strip("\n")

    return {
        "what": page.inner_text("#derive-what"),
        "text": box("text"),
        "latex": box("latex"),
        "numpy": box("numpy"),
        "differential_text": box("differential-text"),
    }


def _expected_shown(answer: dict[str, Any]) -> dict[str, str]:
    what = f"{answer['what']}, {answer['layout']} layout, shape {answer['shape']}"
    if answer["form"] == "vec":
        what += " (vec form: vec(dF) = J vec(dX))"
    keys = ("text", "latex", "numpy", "differential_text")
    return {"what": what, **{k: str(answer[k]).strip("\n") for k in keys}}


@pytest.fixture(scope="module")
def expected(site: Path) -> list[dict[str, Any]]:
    """CPython's answers to the battery, recorded when the site was built."""
    path = site / "_static" / "derive" / "expected.json"
    assert path.is_file(), f"{path} missing: the site was not built with conf/derive_page.py"
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def shared(browser: Browser, base_url: str) -> Iterator[tuple[Page, Watch, list[str]]]:
    """One Derive page for the module (Python loads once), network outside 127.0.0.1 blocked."""
    blocked: list[str] = []
    context: BrowserContext = sitecheck.offline_context(browser, blocked)
    page = context.new_page()
    watch = Watch(page)
    page.goto(base_url + "derive.html")
    page.wait_for_function("document.getElementById('derive-form').dataset.page === 'ready'")
    yield page, watch, blocked
    context.close()


def test_nothing_loads_until_asked(shared: tuple[Page, Watch, list[str]]) -> None:
    page, watch, _ = shared
    page.wait_for_timeout(500)
    fetched = [u for u in watch.urls if "/_static/derive/" in u]
    assert not [u for u in fetched if not u.endswith((".js", ".css"))], fetched
    assert "not loaded" in page.inner_text("#derive-status")


def test_loads_in_a_worker_and_derives_like_cpython(
    shared: tuple[Page, Watch, list[str]], expected: list[dict[str, Any]]
) -> None:
    page, watch, blocked = shared
    page.evaluate(FRAME_COUNTER)
    page.click("#derive-start")
    statuses = []
    for text in ("loading Python", "loading SymPy"):
        page.wait_for_function(
            f"document.getElementById('derive-status').textContent.includes({text!r})"
            " || document.getElementById('derive-status').textContent.startsWith('Ready')"
            " || document.getElementById('derive-status').dataset.kind === 'error'",
            timeout=LOAD_TIMEOUT_MS,
        )
        statuses.append(page.inner_text("#derive-status"))
    page.wait_for_function(
        "['ready', 'error'].includes(document.getElementById('derive-status').dataset.kind)",
        timeout=LOAD_TIMEOUT_MS,
    )
    frames = page.evaluate("frames_")
    status = page.inner_text("#derive-status")
    _skip_without_engine(status)
    assert status.startswith("Ready"), status
    assert any("loading Python" in s for s in statuses), statuses
    # the page kept drawing while Python loaded: many frames, no freeze of a second or more
    assert frames["count"] > 30, frames
    assert frames["longest"] < 1000, frames
    # three answers of different forms, compared with CPython's
    picked: dict[str, dict[str, Any]] = {}
    for item in expected:
        picked.setdefault(item["answer"].get("what", "error"), item)
    cases = [picked[w] for w in ("gradient", "vec", "Hessian")]
    for case in cases:
        assert _derive(page, case["request"]) == "done", page.inner_text("#derive-status")
        assert _shown(page) == _expected_shown(case["answer"]), case["request"]
        # the rendered math is MathJax output, not raw TeX
        assert page.locator("#derive-math mjx-container").count() == 1
        assert not sitecheck.RAW_TEX.search(page.inner_text("#derive-math"))
    assert not blocked
    assert all(u.startswith(page.url.split("/derive.html")[0]) for u in watch.urls), watch.urls


def _phases(page: Page) -> dict[str, float]:
    """How the worker's Python started: its phases and their seconds."""
    data: dict[str, float] = json.loads(
        page.eval_on_selector("#derive-form", "form => form.dataset.loadPhases || '{}'")
    )
    return data


def _has_snapshot(site: Path) -> bool:
    manifest = json.loads((site / "_static" / "derive" / "manifest.json").read_text())
    return "snapshot" in manifest


def test_python_starts_from_the_snapshot(shared: tuple[Page, Watch, list[str]], site: Path) -> None:
    """Python comes from the build's memory snapshot: no install or import phase ran."""
    page, _, _ = shared
    _skip_without_engine()
    if not _has_snapshot(site):
        pytest.skip("this build has no snapshot (conf/derive_assets.py makes one)")
    phases = _phases(page)
    assert "snapshot" in phases, phases
    assert not {"snapshot failed", "wheels", "import"} & set(phases), phases


def test_a_damaged_snapshot_falls_back_to_the_long_start(
    context: BrowserContext, base_url: str, site: Path, expected: list[dict[str, Any]]
) -> None:
    """A snapshot that cannot be restored costs time, not the answer."""
    _skip_without_engine()
    if not _has_snapshot(site):
        pytest.skip("this build has no snapshot (conf/derive_assets.py makes one)")
    context.route(
        "**/_static/derive/snapshot/*",
        lambda route: route.fulfill(status=200, body=b"\x1f\x8b not gzip, not a snapshot"),
    )
    case = expected[0]
    page = context.new_page()
    watch = Watch(page)
    query = urlencode({k: v for k, v in case["request"].items() if v})
    page.goto(base_url + "derive.html?" + query)
    assert _wait_done(page) == "done", page.inner_text("#derive-status")
    assert _shown(page) == _expected_shown(case["answer"])
    phases = _phases(page)
    assert {"snapshot failed", "python", "wheels", "import"} <= set(phases), phases
    assert watch.errors == []


def test_every_battery_answer_equals_cpython(
    shared: tuple[Page, Watch, list[str]], expected: list[dict[str, Any]]
) -> None:
    page, _, _ = shared
    _skip_without_engine()
    requests = [item["request"] for item in expected]
    answers = page.evaluate(
        """async (requests) => {
            const out = [];
            for (const request of requests) out.push(await window.matderivDerive(request));
            return out;
        }""",
        requests,
    )
    for item, answer in zip(expected, answers, strict=True):
        answer.pop("ms", None)
        assert answer == {k: v for k, v in item["answer"].items() if k != "ms"}, item["request"]


def test_error_shows_the_cli_message_with_caret(
    shared: tuple[Page, Watch, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    from matderiv.cli import main

    page, _, _ = shared
    request = {"expr": "trace(X @@ A)", "wrt": "X", "shapes": "X: n, n; A: n, n"}
    assert _derive(page, request) == "rejected"
    assert main(["derive", request["expr"], "--wrt", "X", "--shape", "X=n,n", "--shape", "A=n,n"])
    cli = capsys.readouterr().err.rstrip("\n")
    shown = page.inner_text("#derive-error pre").rstrip("\n")
    assert shown == cli
    assert "^" in shown
    assert page.is_hidden("#derive-output")


def test_time_limit_stops_the_worker_and_the_page_recovers(
    shared: tuple[Page, Watch, list[str]], expected: list[dict[str, Any]]
) -> None:
    page, _, _ = shared
    # a long product: about 0.8 s of SymPy in CPython (slower in the browser), far past a
    # 0.3 s limit
    slow = {"expr": " @ ".join(["X", "A", "X", "B"] * 14 + ["X"]), "wrt": "X",
            "shapes": "X: n, n; A: n, n; B: n, n"}  # fmt: skip
    page.eval_on_selector("#derive-form", "form => { form.dataset.timeLimit = '0.3'; }")
    try:
        assert _derive(page, slow) == "failed"
        assert "Stopped" in page.inner_text("#derive-status")
    finally:
        page.eval_on_selector("#derive-form", "form => { form.dataset.timeLimit = '60'; }")
    case = expected[0]
    assert _derive(page, case["request"]) == "done", page.inner_text("#derive-status")
    assert _shown(page) == _expected_shown(case["answer"])


def test_no_console_errors(shared: tuple[Page, Watch, list[str]]) -> None:
    _, watch, blocked = shared
    assert watch.errors == []
    assert blocked == []


def test_shared_url_derives_on_open(
    context: BrowserContext, base_url: str, expected: list[dict[str, Any]]
) -> None:
    case = next(e for e in expected if e["answer"].get("form") == "gradient")
    request = {**case["request"], "layout": "numerator"}
    answer = derive_page.load_bridge().derive_request(request)  # CPython, this process
    _skip_without_engine()
    page = context.new_page()
    watch = Watch(page)
    page.goto(base_url + "derive.html?" + urlencode({k: v for k, v in request.items() if v}))
    assert _wait_done(page) == "done", page.inner_text("#derive-status")
    assert page.input_value("#derive-expr") == request["expr"]
    assert page.input_value("#derive-layout") == "numerator"
    assert _shown(page) == _expected_shown(answer)
    assert watch.errors == []


def test_state_goes_into_the_url(shared: tuple[Page, Watch, list[str]]) -> None:
    page, _, _ = shared
    request = {"expr": "trace(inv(X) @ A)", "wrt": "X", "shapes": "X: n, n; A: n, n"}
    assert _derive(page, {**request, "assume": "X: spd"}) == "done"
    assert page.url.endswith("?" + urlencode({**request, "assume": "X: spd", "layout": "mixed"}))


def test_file_url_explains(browser: Browser, site: Path) -> None:
    page = browser.new_page()
    try:
        page.goto((site / "derive.html").as_uri())
        page.wait_for_function("document.getElementById('derive-form').dataset.page === 'ready'")
        assert "served over HTTP" in page.inner_text("#derive-status")
        assert page.is_disabled("#derive-button")
    finally:
        page.close()


def test_derive_this_link_from_an_identity(context: BrowserContext, base_url: str) -> None:
    """The "Derive this" link of an identity opens the Derive page pre-filled and derives it."""
    _skip_without_engine()
    page = context.new_page()
    watch = Watch(page)
    page.goto(base_url + "rules/scalar-by-matrix.html")
    # the anchor is an empty target just before the identity: its link is the next one
    link = page.locator(
        'xpath=//*[@id="rule-sm-logdet"]/following::p[contains(@class, "derive-this")][1]/a'
    )
    assert link.count() == 1
    link.click()
    page.wait_for_url("**/derive.html?*")
    assert _wait_done(page) == "done", page.inner_text("#derive-status")
    assert page.input_value("#derive-expr") == "logdet(X)"
    request = {"expr": "logdet(X)", "wrt": "X", "shapes": "X: n, n", "assume": "X: invertible"}
    answer = derive_page.load_bridge().derive_request(request)  # CPython, this process
    assert _shown(page)["text"] == str(answer["text"]).strip("\n")
    assert watch.errors == []
