"""Fetch what the Derive page runs in the reader's browser into ``build/derive`` (not committed).

``nox -s docs`` runs this before ``sphinx-build`` (the only step that uses the network);
``conf/derive_page.py`` then copies the folder into the built site.  It holds:

- ``pyodide/``: the interpreter from the npm package ``pyodide`` (pinned, integrity checked);
- ``pypi/``: SymPy and mpmath from PyPI (pinned, sha256 checked); ``source/``: matderiv's own
  wheel, built from this checkout every time;
- ``wheels/``: those wheels as the page loads them, sources replaced by bytecode of the
  shipped Pyodide (``conf/derive_compile.mjs`` runs ``conf/pyc_wheel.py`` in it, under
  Node): the reader's browser imports SymPy without compiling it, several times faster;
- ``snapshot/``: the memory of that Pyodide with the wheels installed, SymPy and matderiv
  imported and a few derives done (``conf/derive_snapshot.mjs``, gzipped): the page starts
  Python from it instead of from scratch, several times faster.  Its file name carries a
  key made from every input (the Pyodide and wheel hashes, the scripts that install and
  snapshot), so a changed input makes a new snapshot and no browser keeps an old one;
- ``manifest.json``: the versions, the wheels in load order (``unpacked``: the ones
  extracted into site-packages; the others are imported from the wheel file), the
  snapshot, and every file's sha256.

Pinned files already present with the recorded hashes are neither fetched nor compiled
again.  npm and node must be on PATH; pip must be importable by the Python running this.

Usage::

    python conf/derive_assets.py [OUTPUT_FOLDER]     # default: build/derive
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "build" / "derive"

PYODIDE_VERSION = "314.0.8"  # CPython 3.14 compiled to WebAssembly
PYODIDE_INTEGRITY = (  # npm's "integrity" of the tarball
    "sha512-74Wq1kXOC+CCEzAfxuRAO701nAcCMLjf8NrwvWpu8S41dVMXwXmLQ05dYB+F4e46AdnGo0oq7YHSVUpHsoarLQ=="
)
#: the files of the npm package the page loads (the rest is Node support and sources)
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
#: pure-Python wheels from PyPI, in load order, with their sha256
WHEELS = {
    "mpmath-1.3.0-py3-none-any.whl": (
        "mpmath==1.3.0",
        "a0b2b9fe80bbcd81a6647ff13108738cfb482d481d826cc0e02f5b35e5c88d2c",
    ),
    "sympy-1.14.0-py3-none-any.whl": (
        "sympy==1.14.0",
        "e091cc3e99d2141a0ba2847328f5479b05d94a6635cb96148ccb3f34671bd8f5",
    ),
}


def sha256(path: Path) -> str:
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(*command: str, cwd: Path | None = None) -> None:
    print("derive_assets:", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=cwd)


def _manifest(out: Path) -> dict[str, object]:
    try:
        data = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pyodide(out: Path, old: dict[str, object]) -> dict[str, str]:
    """The interpreter's files in ``out/pyodide``; fetched unless present with the same hashes."""
    folder = out / "pyodide"
    recorded = old.get("files", {})
    if old.get("pyodide") == PYODIDE_VERSION and isinstance(recorded, dict):
        have = {f"pyodide/{n}": recorded.get(f"pyodide/{n}") for n in PYODIDE_FILES}
        if all(h and (out / p).is_file() and sha256(out / p) == h for p, h in have.items()):
            print(f"derive_assets: pyodide {PYODIDE_VERSION} already present", flush=True)
            return {p: str(h) for p, h in have.items()}
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "derive_assets: npm not found on PATH. The Derive page needs the Pyodide "
            f"interpreter from the npm registry (pyodide@{PYODIDE_VERSION}): install Node.js "
            "and npm (apt-get install -y npm) and run nox -s docs again."
        )
    with tempfile.TemporaryDirectory() as tmp:
        _run(npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--silent", "--pack-destination", tmp)
        tarball = Path(tmp) / f"pyodide-{PYODIDE_VERSION}.tgz"
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != PYODIDE_INTEGRITY:
            sys.exit(f"derive_assets: {tarball.name} does not match the pinned integrity hash")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        with tarfile.open(tarball) as tar:
            for name in PYODIDE_FILES:
                member = tar.extractfile(f"package/{name}")
                if member is None:
                    sys.exit(f"derive_assets: {name} missing from {tarball.name}")
                (folder / name).write_bytes(member.read())
    return {f"pyodide/{n}": sha256(folder / n) for n in PYODIDE_FILES}


def _downloads(out: Path) -> None:
    """SymPy's and mpmath's wheels in ``out/pypi`` (downloaded unless present and intact)."""
    folder = out / "pypi"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (requirement, digest) in WHEELS.items():
        path = folder / name
        if path.is_file() and sha256(path) == digest:
            continue
        _run(
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--dest", str(folder), requirement,
        )  # fmt: skip
        if not path.is_file() or sha256(path) != digest:
            sys.exit(f"derive_assets: {name} from PyPI does not match its pinned sha256")


def _compile(out: Path, wheels: list[Path], with_sources: list[Path]) -> None:
    """Rewrite the wheels into ``out/wheels`` as Pyodide bytecode (``conf/derive_compile.mjs``).

    `with_sources` keep their ``.py`` files too (matderiv reads some of its own source).
    """
    node = shutil.which("node")
    if node is None:
        sys.exit(
            "derive_assets: node not found on PATH. The Derive page's wheels are compiled "
            "to bytecode by the Pyodide it ships, under Node.js: install Node.js and npm "
            "(apt-get install -y nodejs npm) and run nox -s docs again."
        )
    folder = out / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    script = ROOT / "conf" / "derive_compile.mjs"
    paths = [*map(str, wheels), "--with-sources", *map(str, with_sources)]
    _run(node, str(script), str(out / "pyodide"), str(folder), *paths)


#: what the snapshot is made from besides the manifest's files
SNAPSHOT_INPUTS = (
    ROOT / "conf" / "derive_snapshot.mjs",
    ROOT / "conf" / "_static" / "derive" / "install.mjs",
    ROOT / "conf" / "_static" / "derive" / "bridge.py",
)


def snapshot_key(manifest: dict[str, object]) -> str:
    """A hash of everything the snapshot depends on: the files it is made from and their code."""
    inputs = {
        "pyodide": manifest["pyodide"],
        "wheels": manifest["wheels"],
        "unpacked": manifest["unpacked"],
        "files": manifest["files"],
        "scripts": {p.name: sha256(p) for p in SNAPSHOT_INPUTS},
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _snapshot(out: Path, manifest: dict[str, object], old: dict[str, object]) -> None:
    """Make ``out/snapshot/python-KEY.snapshot`` unless the one for this key is there."""
    key = snapshot_key(manifest)
    name = f"snapshot/python-{key[:16]}.snapshot"
    previous = old.get("snapshot")
    recorded = old.get("files", {})
    if (
        isinstance(previous, dict)
        and previous.get("file") == name
        and isinstance(recorded, dict)
        and (out / name).is_file()
        and recorded.get(name) == sha256(out / name)
    ):
        print(f"derive_assets: snapshot {name} already present", flush=True)
    else:
        node = shutil.which("node")
        if node is None:
            sys.exit("derive_assets: node not found on PATH: install Node.js and npm")
        shutil.rmtree(out / "snapshot", ignore_errors=True)
        (out / "snapshot").mkdir()
        (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        _run(node, str(ROOT / "conf" / "derive_snapshot.mjs"), str(out), str(out / name))
    manifest["snapshot"] = {"file": name, "key": key}
    files = manifest["files"]
    assert isinstance(files, dict)
    files[name] = sha256(out / name)


def build_wheel(dest: Path) -> Path:
    """Build matderiv's wheel from this checkout into `dest`; return its path."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("matderiv-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        if importlib.util.find_spec("pip") is not None:
            _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp, str(ROOT))
        elif (uv := shutil.which("uv")) is not None:  # uv-made environments have no pip
            _run(uv, "build", "--wheel", "-q", "--out-dir", tmp, str(ROOT))
        else:
            sys.exit("derive_assets: neither pip nor uv can build matderiv's wheel here")
        (built,) = Path(tmp).glob("matderiv-*.whl")
        return Path(shutil.move(str(built), dest / built.name))


def fetch(out: Path = DEFAULT_OUT) -> dict[str, object]:
    """Fill `out` (see the module docstring); return the manifest it wrote."""
    out.mkdir(parents=True, exist_ok=True)
    old = _manifest(out)
    files = _pyodide(out, old)
    _downloads(out)
    # a compiled wheel is reused when it was compiled, by this Pyodide, from the pinned wheel
    recorded = old.get("files", {})
    reuse = old.get("pyodide") == PYODIDE_VERSION and old.get("compiled_from") == {
        n: d for n, (_, d) in WHEELS.items()
    }
    stale = [
        out / "pypi" / name
        for name in WHEELS
        if not (
            reuse
            and isinstance(recorded, dict)
            and (out / "wheels" / name).is_file()
            and recorded.get(f"wheels/{name}") == sha256(out / "wheels" / name)
        )
    ]
    matderiv = build_wheel(out / "source")  # always rebuilt: the source changes
    for previous in (out / "wheels").glob("matderiv-*.whl"):
        previous.unlink()
    _compile(out, stale, [matderiv])
    names = [*WHEELS, matderiv.name]
    files.update({f"wheels/{n}": sha256(out / "wheels" / n) for n in names})
    manifest: dict[str, object] = {
        "pyodide": PYODIDE_VERSION,
        "wheels": names,
        "unpacked": [matderiv.name],  # it reads its own data files
        "compiled_from": {n: d for n, (_, d) in WHEELS.items()},
        "files": files,
    }
    _snapshot(out, manifest, old)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


if __name__ == "__main__":
    fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
