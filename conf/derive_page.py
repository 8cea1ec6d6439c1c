"""Sphinx extension: the Derive page's in-browser Python, copied into the built site.

``conf/derive_assets.py`` (run by ``nox -s docs`` before ``sphinx-build``: this build never
uses the network) fetches Pyodide, SymPy and mpmath and builds matderiv's wheel into
``build/derive``.  When the book has a ``derive`` page, this extension copies that folder
to ``_static/derive/`` beside the page's scripts (``conf/_static/derive/``) and writes
``_static/derive/expected.json``: the answers CPython gives, through the same
``bridge.py`` the browser runs, to every problem of the battery (``tests/battery.py``)
(the browser tests and ``benchmarks/bench_browser_derive.py`` compare with them).

Without ``build/derive`` (a plain ``sphinx-build``) the page is built but its Python is
missing; the page says so when asked to derive.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

CONF_DIR = Path(__file__).resolve().parent
BRIDGE = CONF_DIR / "_static" / "derive" / "bridge.py"
TESTS_DIR = CONF_DIR.parent / "tests"  # the battery is test data: tests/battery.py
PAGE = "derive"
logger = logging.getLogger(__name__)


def load_bridge() -> ModuleType:
    """The page's ``bridge.py`` as a CPython module."""
    spec = importlib.util.spec_from_file_location("matderiv_bridge", BRIDGE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def battery_requests() -> list[dict[str, str]]:
    """Every battery problem as a Derive-page request (the page's field strings)."""
    if str(TESTS_DIR) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR))
    from battery import PROBLEMS

    bridge = load_bridge()
    return [
        {
            "expr": p.expr,
            "wrt": p.wrt,
            "shapes": bridge.format_shapes(p.shapes),
            "assume": bridge.format_assume(p.assume),
            "layout": "mixed",
            "hessian": "1" if p.kind == "hessian" else "",
        }
        for p in PROBLEMS
    ]


def expected_answers() -> list[dict[str, Any]]:
    """``[{"request", "answer"}]``: CPython's answer to every battery request."""
    bridge = load_bridge()
    out = []
    for request in battery_requests():
        start = time.perf_counter()
        answer = bridge.derive_request(request)
        answer["ms"] = (time.perf_counter() - start) * 1000.0
        out.append({"request": request, "answer": answer})
    return out


def _copy_assets(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or PAGE not in app.env.all_docs:
        return
    source = Path(app.config.derive_assets)
    target = Path(app.outdir) / "_static" / "derive"
    target.mkdir(parents=True, exist_ok=True)
    if not (source / "manifest.json").is_file():
        logger.info(
            f"derive page: no in-browser Python in {source} (nox -s docs fetches it with "
            "conf/derive_assets.py); the page will say so when asked to derive"
        )
    else:
        for name in ("pyodide", "wheels", "snapshot"):
            shutil.rmtree(target / name, ignore_errors=True)
            if (source / name).is_dir():
                shutil.copytree(source / name, target / name)
        shutil.copy2(source / "manifest.json", target / "manifest.json")
    expected = json.dumps(expected_answers(), indent=1)
    (target / "expected.json").write_text(expected + "\n", encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``derive_assets`` setting and the copy step."""
    app.add_config_value("derive_assets", str(CONF_DIR.parent / "build" / "derive"), "env")
    app.connect("build-finished", _copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
