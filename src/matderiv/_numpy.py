"""numpy on first use: the symbolic path runs where numpy cannot be imported.

Parsing, ``derive``, text, LaTeX and numpy *source* need only SymPy; numbers
(evaluating a derivative, checking it) need numpy.  Those call
:func:`numpy_module`, which imports numpy then and, when it is missing, raises
:class:`~matderiv.errors.NumpyMissingError` saying so.

Examples
--------
>>> numpy_module().__name__
'numpy'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from matderiv.errors import NumpyMissingError

__all__ = ["numpy_module"]


def numpy_module() -> ModuleType:
    """The numpy module, imported now; a clear error when numpy is not installed."""
    try:
        return importlib.import_module("numpy")
    except ImportError as exc:
        raise NumpyMissingError(
            "numbers need numpy, which cannot be imported here "
            f"({type(exc).__name__}: {exc}); install it with `pip install numpy`. "
            "The symbolic results (derive, .text(), .latex(), .numpy_source()) work without it."
        ) from exc
