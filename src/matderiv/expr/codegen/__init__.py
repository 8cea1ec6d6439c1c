"""SymPy -> numpy: generated source text and a callable, from one description per op.

* :mod:`~matderiv.expr.codegen.ops` — the op of each node: leaves, and each
  primitive's numpy stanza (code data, :mod:`matderiv.expr.pycode`);
* :mod:`~matderiv.expr.codegen.program` — the instruction list (shared
  subexpressions once) and :class:`NumpyFunction`, which runs it;
* :mod:`~matderiv.expr.codegen.emit` — the entry points and the source writer.

Nothing is ever passed to ``exec``: the callable and the source come from the
same op descriptions.

Examples
--------
>>> import numpy as np
>>> f = to_function("x.T @ A @ x", {"x": ("n",), "A": ("n", "n")})
>>> float(f(x=np.array([1.0, 2.0]), A=np.eye(2)))
5.0
"""

from __future__ import annotations

from matderiv.expr.codegen.emit import compile_roots, numpy_source, shared_source, to_function
from matderiv.expr.codegen.program import NumpyFunction, dimension_value

__all__ = [
    "NumpyFunction",
    "compile_roots",
    "dimension_value",
    "numpy_source",
    "shared_source",
    "to_function",
]
