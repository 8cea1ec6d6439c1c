"""The built-in primitives of the language, one stanza each (importing this registers them).

* ``matderiv.expr.primitives.operators`` — ``+ - * / **`` (sums, products, powers);
* ``matderiv.expr.primitives.products`` — ``@``, ``outer``, ``dot``, ``kron``;
* ``matderiv.expr.primitives.linear`` — ``.T``, ``trace``, ``sum(X)``, ``diag``, ``vec``;
* ``matderiv.expr.primitives.matrix`` — ``inv``, ``matrix_power``, ``det``, ``logdet``,
  ``norm``, ``logsumexp``, ``softmax``;
* ``matderiv.expr.primitives.elementwise`` — ``exp``, ``log``, ``tanh``… and ``maximum``;
* ``matderiv.expr.primitives.maximum`` — ``maximum(A, B)`` of two arrays;
* ``matderiv.expr.primitives.constants`` — ``eye``, ``zeros``, ``ones``, ``commutation``;
* ``matderiv.expr.primitives.solve`` — ``solve(A, B)`` (``np.linalg.solve``);
* ``matderiv.expr.primitives.reductions`` — broadcasting, ``sum`` and ``mean`` (also along an
  axis), ``reshape``, and ``logsumexp``, ``softmax``, ``log_softmax``, ``norm`` along an axis.
* ``matderiv.expr.primitives.spectral`` — ``expm``, ``logm``, ``sqrtm``, ``eigvalsh``,
  ``svdvals``, ``norm(X, "nuc")``, ``norm(X, 2)``, ``cholesky``, ``pinv``.

Examples
--------
>>> from matderiv.expr.primitive import PRIMITIVES
>>> len(PRIMITIVES) > 30
True
"""

from __future__ import annotations

from matderiv.expr.primitives import (
    constants,
    elementwise,
    linear,
    matrix,
    maximum,
    operators,
    products,
    reductions,
    solve,
    spectral,
)

__all__ = [
    "constants",
    "elementwise",
    "linear",
    "matrix",
    "maximum",
    "operators",
    "products",
    "reductions",
    "solve",
    "spectral",
]
