"""Writing the command line's output the way well-behaved Unix tools do.

- **Readable ASCII where Unicode cannot be encoded.**  Under ``PYTHONIOENCODING=ascii``
  or a Latin-1 terminal, math is transliterated, not escaped: a run of superscripts
  becomes ``^`` and its ASCII (``d²/dx²`` -> ``d^2/dx^2``, ``Xᵀ`` -> ``X^T``), a run of
  subscripts ``_`` and its ASCII, a few symbols their usual ASCII spelling
  (``→`` -> ``->``, ``×`` -> ``x``), a Greek letter its name (``α`` -> ``alpha``),
  anything else its compatibility decomposition
  (a full-width ``ｘ`` -> ``x``), and only what has none a backslash escape.
- **A closed pipe is not an error** (``matderiv rules | head -1``): no traceback, no
  message, exit code 1, as the Python documentation's "Note on SIGPIPE" recommends.
- **A failed write is one line on stderr** (a full disk, ``>/dev/full``, a closed
  standard output ``>&-``) and exit code 1.

Examples
--------
>>> ascii_fallback("d²/dx² [x.T @ A @ x], Xᵀ, x⁻¹ → y_{ij}: ａ, d(αX) = α dX, Σ")
'd^2/dx^2 [x.T @ A @ x], X^T, x^-1 -> y_{ij}: a, d(alphaX) = alpha dX, Sigma'
"""

from __future__ import annotations

import codecs
import os
import unicodedata
from typing import TextIO

__all__ = [
    "ERRORS",
    "OutputError",
    "SafeOutput",
    "ascii_fallback",
    "discard_stdout",
    "install_fallback",
]

#: Name of the codec error handler that :func:`install_fallback` sets on a stream.
ERRORS = "matderiv-ascii"

#: Symbols whose compatibility decomposition is not their usual ASCII spelling.
_SYMBOLS = {
    "→": "->",
    "←": "<-",
    "↦": "|->",
    "⇒": "=>",
    "×": "x",
    "·": "*",
    "⋅": "*",
    "∘": "o",
    "⊙": "(.)",
    "⊗": "(x)",
    "−": "-",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "≈": "~",
    "∂": "d",
    "∇": "grad",
    "…": "...",
    "‖": "||",
    "∑": "sum",
    "√": "sqrt",
    "⁻": "-",
    "—": "--",
    "–": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "†": "+",
}


def _kind(char: str) -> str:
    """``"super"``, ``"sub"`` or ``""``: how Unicode decomposes the character."""
    decomposition = unicodedata.decomposition(char)
    if decomposition.startswith("<super>") or char == "⁻":
        return "super"
    if decomposition.startswith("<sub>"):
        return "sub"
    return ""


def _plain(char: str) -> str:
    if char in _SYMBOLS:
        return _SYMBOLS[char]
    name = unicodedata.name(char, "")
    for prefix, spell in (("GREEK SMALL LETTER ", str.lower), ("GREEK CAPITAL LETTER ", str.title)):
        if name.startswith(prefix) and " " not in name[len(prefix) :]:
            return spell(name[len(prefix) :])
    decomposed = unicodedata.normalize("NFKD", char)
    ascii_part = "".join(c for c in decomposed if c.isascii())
    if ascii_part:
        return ascii_part
    return char.encode("ascii", "backslashreplace").decode("ascii")


def ascii_fallback(text: str) -> str:
    """Readable ASCII for `text`: transliterated math, escapes only as a last resort.

    Parameters
    ----------
    text
        Any text (ASCII characters pass through unchanged).

    Returns
    -------
    str
        Pure ASCII.

    Examples
    --------
    >>> ascii_fallback("vec(dF) = (Iₙ ⊗ A) vec(dX)")
    'vec(dF) = (I_n (x) A) vec(dX)'
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        kind = "" if char.isascii() else _kind(char)
        if not kind:
            out.append(char if char.isascii() else _plain(char))
            i += 1
            continue
        j = i
        while j < len(text) and not text[j].isascii() and _kind(text[j]) == kind:
            j += 1
        out.append(("^" if kind == "super" else "_") + "".join(_plain(c) for c in text[i:j]))
        i = j
    return "".join(out)


def _handler(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    return ascii_fallback(err.object[err.start : err.end]), err.end


codecs.register_error(ERRORS, _handler)


def install_fallback(stream: TextIO | None) -> None:
    """Make `stream` write :func:`ascii_fallback` text for what its encoding cannot encode.

    A no-op for a missing stream, a stream that cannot be reconfigured, and UTF
    encodings (which encode everything).
    """
    reconfigure = getattr(stream, "reconfigure", None)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        utf = codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        utf = False
    if reconfigure is not None and not utf:
        reconfigure(errors=ERRORS)


class OutputError(Exception):
    """Writing to standard output failed (a closed pipe, a full disk, a closed descriptor)."""

    def __init__(self, cause: OSError | None) -> None:
        self.cause = cause
        super().__init__(str(cause) if cause else "standard output is closed")

    @property
    def closed_pipe(self) -> bool:
        """Whether the reader went away (``| head``): a quiet exit, not an error."""
        return isinstance(self.cause, BrokenPipeError)


class SafeOutput:
    """A text stream whose failed writes raise :class:`OutputError`.

    Examples
    --------
    >>> import io
    >>> out = SafeOutput(io.StringIO())
    >>> out.write("ok")
    2
    >>> SafeOutput(None).write("x")
    Traceback (most recent call last):
    ...
    matderiv._console.OutputError: standard output is closed
    """

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write `text`; raise :class:`OutputError` when the stream cannot take it."""
        if self._stream is None:
            raise OutputError(None)
        try:
            return self._stream.write(text)
        except OSError as err:
            raise OutputError(err) from err

    def flush(self) -> None:
        """Flush; raise :class:`OutputError` when the buffered text cannot be written."""
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as err:
            raise OutputError(err) from err


def discard_stdout(stream: TextIO | None) -> None:
    """Point `stream`'s descriptor at ``os.devnull``.

    After a failed write, the interpreter would flush the same buffer again at exit
    and print ``Exception ignored ... BrokenPipeError``; writing it to ``os.devnull``
    instead keeps the exit quiet.
    """
    if stream is None:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no descriptor (captured in-process): nothing to flush
        pass
