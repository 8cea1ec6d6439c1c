"""Rewrite a pure-Python wheel with compiled bytecode instead of sources (run inside Pyodide).

``conf/derive_compile.mjs`` runs this in the very Pyodide the Derive page ships (under
Node, at build time), so the bytecode matches the browser's Python.  Importing SymPy from
bytecode takes a fraction of the time of compiling its sources in the reader's browser.
Test folders (``*/tests/*``) are left out: the page never runs them.  A wheel whose code
reads its own source (matderiv's code generator copies helper functions with
``inspect.getsource``) keeps its sources, with the bytecode beside them in ``__pycache__``.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import marshal
import zipfile


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _bytecode(source: bytes, name: str) -> bytes:
    code = compile(source, name, "exec", dont_inherit=True)
    # an unchecked hash-based pyc: valid without the source, never re-validated
    flags = (0b01).to_bytes(4, "little")
    return (
        importlib.util.MAGIC_NUMBER
        + flags
        + importlib.util.source_hash(source)
        + marshal.dumps(code)
    )


def _entry(name: str, like: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A new entry `name` dated as `like` (the same input gives the same wheel, byte for byte)."""
    info = zipfile.ZipInfo(name, date_time=like.date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = like.external_attr
    return info


def compile_wheel(source: str, target: str, keep_sources: bool = False) -> None:
    """Write `target`: the wheel `source` compiled, without its test folders.

    Each ``.py`` becomes a ``.pyc`` in its place, or, with `keep_sources`, stays and gains
    its ``__pycache__`` bytecode (which the import system uses without checking the source).
    """
    records = []
    with (
        zipfile.ZipFile(source) as zin,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        record_name, record_info = None, None
        for info in zin.infolist():
            name = info.filename
            if "/tests/" in f"/{name}":
                continue
            if name.endswith(".dist-info/RECORD"):
                record_name, record_info = name, info
                continue
            data = zin.read(info)
            if name.endswith(".py"):
                compiled = _bytecode(data, name)
                if keep_sources:
                    cached = importlib.util.cache_from_source(name)
                    zout.writestr(_entry(cached, info), compiled, compresslevel=9)
                    records.append(_record_line(cached, compiled))
                else:
                    name, data = name[:-3] + ".pyc", compiled
            zout.writestr(_entry(name, info), data, compresslevel=9)
            records.append(_record_line(name, data))
        if record_name is not None and record_info is not None:
            records.append(f"{record_name},,")
            zout.writestr(
                _entry(record_name, record_info), "\n".join(records) + "\n", compresslevel=9
            )
