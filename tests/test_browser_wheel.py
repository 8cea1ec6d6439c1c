"""The matderiv wheel the Derive page ships imports and derives without numpy.

The browser has no numpy (no WebAssembly build of it is reachable), so the page runs
matderiv's symbolic path from the wheel ``conf/derive_assets.py`` builds.  These tests run
that exact wheel, and the page's ``bridge.py``, in a CPython subprocess where importing numpy
fails, and compare the answers with this process's (numpy present) ones.

The wheel is built from this checkout into a temporary folder by the function
``nox -s docs`` builds the shipped one with (``derive_assets.build_wheel``), and unpacked
as Pyodide installs it.  (The shipped copy is then compiled to Pyodide's bytecode, which
CPython cannot run; the browser tests run that one.)
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
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
site, bridge_dir, requests = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, site)
spec = importlib.util.spec_from_file_location("matderiv_bridge", bridge_dir + "/bridge.py")
bridge = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bridge)
import matderiv
assert all(p.startswith(site) for p in matderiv.__path__), matderiv.__path__
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


def _without_numpy(site: Path, requests: list[dict[str, str]]) -> subprocess.CompletedProcess[str]:
    """Run the bridge on `requests` with matderiv from `site` and numpy blocked."""
    return subprocess.run(
        [sys.executable, "-c", NO_NUMPY, str(site), str(BRIDGE_DIR), json.dumps(requests)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """matderiv's wheel, built as ``nox -s docs`` builds the shipped one, unpacked as Pyodide
    installs it (a folder on ``sys.path``)."""
    probe = _without_numpy(ROOT / "src", REQUESTS[:1])
    if probe.returncode != 0:
        why = probe.stderr.strip().splitlines()[-1]
        pytest.skip(f"this checkout's symbolic path still imports numpy ({why}): nothing to ship")
    sys.path.insert(0, str(ROOT / "conf"))
    try:
        import derive_assets
    finally:
        sys.path.remove(str(ROOT / "conf"))
    wheel = derive_assets.build_wheel(tmp_path_factory.mktemp("wheel"))
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


@pytest.mark.slow
def test_shipped_wheel_derives_without_numpy(installed: Path) -> None:
    run = _without_numpy(installed, REQUESTS)
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


def test_bridge_warm_up_and_versions() -> None:
    """What the snapshot runs at build time: the warm-up derives, the versions read."""
    import matderiv

    bridge = _bridge()
    answers = [bridge.derive_request(r) for r in bridge.WARM_UP]
    assert [a["ok"] for a in answers].count(False) == 1  # one rejected input, on purpose
    assert {a["what"] for a in answers if a["ok"]} >= {"gradient", "jacobian", "Hessian"}
    bridge.warm_up()
    versions = json.loads(bridge.versions())
    assert versions["matderiv"] == matderiv.__version__
    assert versions["python"] == sys.version.split()[0]


def test_snapshot_key_follows_every_input() -> None:
    """A changed Pyodide, wheel, load order or unpacking makes a new snapshot (and file name)."""
    sys.path.insert(0, str(ROOT / "conf"))
    try:
        from derive_assets import snapshot_key as key
    finally:
        sys.path.remove(str(ROOT / "conf"))
    manifest: dict[str, object] = {
        "pyodide": "314.0.8",
        "wheels": ["a.whl", "b.whl"],
        "unpacked": ["b.whl"],
        "files": {"pyodide/pyodide.asm.wasm": "1" * 64, "wheels/a.whl": "2" * 64},
    }
    changed = [
        {**manifest, "pyodide": "314.0.9"},
        {**manifest, "wheels": ["b.whl", "a.whl"]},
        {**manifest, "unpacked": []},
        {**manifest, "files": {"pyodide/pyodide.asm.wasm": "1" * 64, "wheels/a.whl": "3" * 64}},
    ]
    assert key(dict(manifest)) == key(manifest)
    assert len({key(manifest), *map(key, changed)}) == 1 + len(changed)


UNZIP = """
import { unzip } from %s;
import { readFileSync } from "node:fs";
const files = await unzip(new Uint8Array(readFileSync(process.argv[2])));
const hex = files.map(([name, bytes]) => [name, Buffer.from(bytes).toString("hex")]);
console.log(JSON.stringify(hex));
"""


def test_page_unzips_like_zipfile(tmp_path: Path) -> None:
    """install.mjs's unzip (the page unpacks matderiv's wheel with it) reads what zipfile wrote."""
    import shutil

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    rng = __import__("random").Random(14)
    entries = {
        "pkg/__init__.py": b"",
        "pkg/data/table.toml": bytes(rng.randrange(256) for _ in range(5000)),
        "pkg/text.py": b"x = 1\n" * 400,
        "pkg-1.0.dist-info/RECORD": b"pkg/__init__.py,,\n",
    }
    archive = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(archive, "w") as zout:
        zout.writestr("pkg/data/", b"")  # a folder entry: skipped
        for i, (name, data) in enumerate(entries.items()):
            method = zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED
            zout.writestr(name, data, compress_type=method)
    script = tmp_path / "unzip.mjs"
    script.write_text(UNZIP % json.dumps((BRIDGE_DIR / "install.mjs").as_uri()))
    run = subprocess.run([node, str(script), str(archive)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert {name: bytes.fromhex(data) for name, data in json.loads(run.stdout)} == entries
