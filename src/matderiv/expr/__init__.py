"""The expression language: numpy syntax -> SymPy, numpy code and LaTeX.

Each primitive of the language is one stanza (parser handlers, text, LaTeX,
numpy code, differential, linear structure): see ``matderiv.expr.primitive``
(``Primitive``, ``register``, ``unregister``) and ``matderiv.expr.primitives``.

Examples
--------
>>> import numpy as np
>>> from matderiv.expr import parse, to_function
>>> print(parse("trace(inv(X))", {"X": ("n", "n")}))
Trace(X**(-1))
>>> f = to_function("logdet(X)", {"X": ("n", "n")})
>>> float(f(X=2 * np.eye(2)))  # log 4
1.386...
"""

from __future__ import annotations

from matderiv.expr.codegen import NumpyFunction, numpy_source, to_function
from matderiv.expr.context import ASSUMPTIONS, Context, make_context
from matderiv.expr.parser import FUNCTIONS, Parsed, parse, parse_typed

__all__ = [
    "ASSUMPTIONS",
    "FUNCTIONS",
    "Context",
    "NumpyFunction",
    "Parsed",
    "make_context",
    "numpy_source",
    "parse",
    "parse_typed",
    "to_function",
]
