"""Fetch MathJax 4 into ``build/mathjax`` (not committed), for the book's offline math.

``conf/conf.py`` calls :func:`ensure` when Sphinx starts and copies the folder into the
built site's ``_static/mathjax``; the pages load ``_static/mathjax/tex-chtml.js`` and never
reach the network.  The folder holds, from the npm registry (pinned, integrity checked):

- the package ``mathjax`` (the TeX-to-CommonHTML component ``tex-chtml.js`` and the pieces
  it loads on demand: TeX extensions, the menu, the accessibility modules);
- the package ``@mathjax/mathjax-newcm-font`` (the default font's CommonHTML data and its
  woff2 files) under ``fonts/mathjax-newcm-font``, where the loader path ``fonts`` that
  ``conf.py`` sets points.

Files already present with the recorded hashes are not fetched again; ``npm`` must be on
PATH the first time.

Usage::

    python conf/mathjax_assets.py [OUTPUT_FOLDER]     # default: build/mathjax
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "build" / "mathjax"

VERSION = "4.1.3"
#: npm package -> (npm's "integrity" of the tarball, folder in the output, what to keep)
PACKAGES = {
    "mathjax": (
        "sha512-BN/8Pkgn7G1pIDYJqd9md+JHsE/jydSYbyOZnSdSA0WziuVO8mRxdYiWFumkVVly/8U+hm9DpIIoWuvySverzw==",
        "",
        ("LICENSE", "tex-chtml.js", "a11y/", "input/", "output/", "sre/", "ui/"),
    ),
    "@mathjax/mathjax-newcm-font": (
        "sha512-gzAB3dFHilHX1l5x2xUqRL+1jDQt3Fyza1DkEMVXWC4E8SvsGdlgEza47HYi2WhVcgfkvf4zgUGzuhbq3Pjlew==",
        "fonts/mathjax-newcm-font/",
        ("chtml.js", "chtml/"),
    ),
}
#: the file the pages load, relative to the output folder
ENTRY = "tex-chtml.js"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _present(out: Path) -> bool:
    """Whether ``out`` holds this version's files, every one with its recorded hash."""
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if manifest.get("version") != VERSION or not isinstance(files, dict) or ENTRY not in files:
        return False
    return all((out / name).is_file() and _sha256(out / name) == h for name, h in files.items())


def _unpack(npm: str, package: str, out: Path, tmp: Path) -> list[str]:
    """Download one pinned package, check its integrity, extract the kept files into ``out``."""
    integrity, folder, keep = PACKAGES[package]
    print(f"mathjax_assets: npm pack {package}@{VERSION}", flush=True)
    listing = subprocess.run(
        [npm, "pack", f"{package}@{VERSION}", "--silent", "--pack-destination", str(tmp)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = tmp / listing.stdout.strip().splitlines()[-1]
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != integrity:
        sys.exit(f"mathjax_assets: {tarball.name} does not match the pinned integrity hash")
    written = []
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("package/")
            if not member.isfile() or ".." in Path(name).parts:
                continue
            if not any(name == k or (k.endswith("/") and name.startswith(k)) for k in keep):
                continue
            source = tar.extractfile(member)
            if source is None:
                continue
            target = out / folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read())
            written.append(f"{folder}{name}")
    return written


def ensure(out: Path = DEFAULT_OUT) -> Path:
    """Make ``out`` hold MathJax |VERSION| and its font; return the entry script's path."""
    if _present(out):
        return out / ENTRY
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            f"mathjax_assets: npm not found on PATH. The book's math needs MathJax {VERSION} "
            "from the npm registry: install Node.js and npm (apt-get install -y npm) and build "
            "again."
        )
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    names: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for package in PACKAGES:
            names += _unpack(npm, package, out, Path(tmp))
    manifest = {"version": VERSION, "files": {n: _sha256(out / n) for n in sorted(names)}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return out / ENTRY


if __name__ == "__main__":
    print(ensure(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DEFAULT_OUT))
