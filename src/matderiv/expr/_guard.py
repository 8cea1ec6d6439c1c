"""The API boundary: anything but a MatderivError becomes one, with a clear message.

Examples
--------
>>> from matderiv.errors import UnsupportedError
>>> try:
...     with internal_errors("x + 1"):
...         raise KeyError("n")
... except UnsupportedError as err:
...     print(str(err).splitlines()[0])
matderiv could not process 'x + 1' (KeyError: 'n').
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from matderiv.errors import MatderivError, UnsupportedError

__all__ = ["internal_errors"]


@contextmanager
def internal_errors(what: Any) -> Iterator[None]:
    """Re-raise unexpected exceptions from SymPy or numpy as :class:`UnsupportedError`."""
    try:
        yield
    except MatderivError:
        raise
    except RecursionError:
        raise UnsupportedError(
            f"the expression {what!r} is nested too deeply; split it into smaller parts"
        ) from None
    except Exception as exc:
        raise UnsupportedError(
            f"matderiv could not process {str(what)!r} ({type(exc).__name__}: {exc}).\n"
            "This is a gap in matderiv, not in your input: please report the expression."
        ) from exc
