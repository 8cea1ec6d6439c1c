"""The matderiv wheel the Derive page ships imports and derives without numpy.

The browser has no numpy (no WebAssembly build of it is reachable), so the page runs
matderiv's symbolic path from the wheel ``conf/derive_assets.py`` builds.  These tests run
that exact wheel, and the page's ``bridge.py``, in a CPython subprocess where importing numpy
fails, and compare the answers with this process's (numpy present) ones.

The wheel is built from this checkout into a temporary folder by the function
``nox -s docs`` builds the shipped one with (``derive_assets.build_wheel``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
BRIDGE_DIR = ROOT / "conf" / "_static" / "derive"

# Runs in the subprocess: numpy cannot be imported; matderiv comes from the wheel only.
NO_NUMPY = r"""
import importlib.util, json, sys

class NoNumpy:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: as in the browser)")

sys.meta_path.insert(0, NoNumpy())
wheel, bridge_dir, requests = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, wheel)
import matderiv
assert matderiv.__file__.startswith(wheel), matderiv.__file__
spec = importlib.util.spec_from_file_location("matderiv_bridge", bridge_dir + "/bridge.py")
bridge = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bridge)
print(json.dumps([bridge.derive_request(r) for r in requests]))
"""

REQUESTS = [
    {"expr": "x.T @ A @ x", "wrt": "x", "shapes": "x: n; A: n, n"},
    {"expr": "logdet(X)", "wrt": "X", "shapes": "X: n, n", "layout": "numerator"},
    {"expr": "X @ A", "wrt": "X", "shapes": "X: m, n; A: n, k"},
    {"expr": "logsumexp(x)", "wrt": "x", "shapes": "x: n", "hessian": "1"},
    {"expr": "x.T @ A @ x", "wrt": "x", "shapes": "x: n; A: n, n", "assume": "A: symmetric"},
    {"expr": "x.T @ A @@ x", "wrt": "x", "shapes": "x: n; A: n, n"},  # rejected, with a caret
]


def _bridge() -> ModuleType:
    spec = importlib.util.spec_from_file_location("matderiv_bridge", BRIDGE_DIR / "bridge.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _source_needs_numpy() -> str | None:
    """Why this checkout's own symbolic path cannot run without numpy (None when it can)."""
    probe = NO_NUMPY.split("wheel, bridge_dir")[0] + "from matderiv.derive import derive\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    return None if run.returncode == 0 else run.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """matderiv's wheel, built from this checkout as ``nox -s docs`` builds the shipped one."""
    why = _source_needs_numpy()
    if why is not None:
        pytest.skip(f"this checkout's matderiv.derive still imports numpy ({why}): nothing to ship")
    sys.path.insert(0, str(ROOT / "conf"))
    try:
        import derive_assets
    finally:
        sys.path.remove(str(ROOT / "conf"))
    return derive_assets.build_wheel(tmp_path_factory.mktemp("wheel"))  # type: ignore[no-any-return]


@pytest.mark.slow
def test_shipped_wheel_derives_without_numpy(wheel: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", NO_NUMPY, str(wheel), str(BRIDGE_DIR), json.dumps(REQUESTS)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert run.returncode == 0, run.stderr
    browser = json.loads(run.stdout)
    bridge = _bridge()
    for request, answer in zip(REQUESTS, browser, strict=True):
        expected = bridge.derive_request(request)  # this process: numpy present, src/ matderiv
        assert answer == expected, request


def test_bridge_rejects_like_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from matderiv.cli import main

    bridge = _bridge()
    answer = bridge.derive_request(REQUESTS[-1])
    argv = ["derive", REQUESTS[-1]["expr"], "--wrt", "x", "--shape", "x=n", "--shape", "A=n,n"]
    assert main(argv) == 2
    assert answer == {"ok": False, "error": capsys.readouterr().err.rstrip("\n")}
    assert "^" in answer["error"]


def test_bridge_shape_syntax() -> None:
    bridge = _bridge()
    shapes = {"x": ("n",), "A": ("n", "n"), "X": ("m", "3"), "c": ()}
    assert bridge.parse_shapes(bridge.format_shapes(shapes)) == shapes
    assume = {"A": ["symmetric"], "X": ["spd", "invertible"]}
    assert bridge.parse_assume(bridge.format_assume(assume)) == assume
    for bad in ("x n", "1x: n"):
        answer = bridge.derive_request({"expr": "x", "wrt": "x", "shapes": bad})
        assert not answer["ok"]
        assert "write NAME: ITEMS" in answer["error"]
