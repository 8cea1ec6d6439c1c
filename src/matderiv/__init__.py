"""matderiv: matrix calculus you can check.

The top-level names, by what they do:

- **symbolic** (SymPy): :func:`derive`, :func:`derive_hessian` and the
  :class:`Derivative` they return;
- **numeric** (numpy): the checker :func:`check_derivative`,
  :func:`assert_derivative` and its :class:`CheckResult`; numeric derivatives by
  differences live in :mod:`matderiv.numeric` (``matderiv.numeric.gradient``,
  ``.jacobian``, ``.hessian``, ``.jvp``), never at the top level, so a top-level
  name never leaves you guessing whether it is a formula or a number;
- **layouts**: :class:`Layout`, :func:`derivative_shape`, :func:`shape_table`,
  :func:`to_layout`, :func:`vec`, :func:`unvec`, :func:`vec_jacobian`,
  :func:`unvec_jacobian`;
- the catalog of verified identities, :mod:`matderiv.rules`;
- the errors, every one a :class:`MatderivError`.

``import matderiv`` is cheap: it imports neither SymPy nor numpy.  Each name is
imported on first use (PEP 562), so the first symbolic call pays for SymPy and
the first numeric call for numpy.

Examples
--------
>>> import matderiv
>>> d = matderiv.derive("x.T @ A @ x", "x", {"x": ("n",), "A": ("n", "n")})
>>> d.text()
'(A + A.T) @ x'
>>> matderiv.numeric.gradient  # doctest: +ELLIPSIS
<function gradient at ...>
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from matderiv.errors import (
    ArgumentError,
    BudgetError,
    CatalogError,
    DerivativeMismatch,
    MatderivError,
    NumericError,
    NumpyMissingError,
    ParseError,
    ShapeError,
    UnsupportedError,
)

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and IDEs
    from matderiv import numeric as numeric
    from matderiv import rules as rules
    from matderiv.layout import Layout as Layout
    from matderiv.layout import derivative_shape as derivative_shape
    from matderiv.layout import shape_table as shape_table
    from matderiv.layout import to_layout as to_layout
    from matderiv.layout import unvec as unvec
    from matderiv.layout import unvec_jacobian as unvec_jacobian
    from matderiv.layout import vec as vec
    from matderiv.layout import vec_jacobian as vec_jacobian
    from matderiv.numeric import CheckResult as CheckResult
    from matderiv.numeric import assert_derivative as assert_derivative
    from matderiv.numeric import check_derivative as check_derivative
    from matderiv.symbolic import Derivative as Derivative
    from matderiv.symbolic import derive as derive
    from matderiv.symbolic import derive_hessian as derive_hessian

__version__ = "0.1.0"

#: Each lazy name: ``(module, attribute)``, or ``(module, None)`` for a subpackage.
_LAZY: dict[str, tuple[str, str | None]] = {
    "Derivative": ("matderiv.symbolic", "Derivative"),
    "derive": ("matderiv.symbolic", "derive"),
    "derive_hessian": ("matderiv.symbolic", "derive_hessian"),
    "CheckResult": ("matderiv.numeric", "CheckResult"),
    "assert_derivative": ("matderiv.numeric", "assert_derivative"),
    "check_derivative": ("matderiv.numeric", "check_derivative"),
    "Layout": ("matderiv.layout", "Layout"),
    "derivative_shape": ("matderiv.layout", "derivative_shape"),
    "shape_table": ("matderiv.layout", "shape_table"),
    "to_layout": ("matderiv.layout", "to_layout"),
    "unvec": ("matderiv.layout", "unvec"),
    "unvec_jacobian": ("matderiv.layout", "unvec_jacobian"),
    "vec": ("matderiv.layout", "vec"),
    "vec_jacobian": ("matderiv.layout", "vec_jacobian"),
    "numeric": ("matderiv.numeric", None),
    "rules": ("matderiv.rules", None),
}

__all__ = [
    "ArgumentError",
    "BudgetError",
    "CatalogError",
    "CheckResult",
    "Derivative",
    "DerivativeMismatch",
    "Layout",
    "MatderivError",
    "NumericError",
    "NumpyMissingError",
    "ParseError",
    "ShapeError",
    "UnsupportedError",
    "__version__",
    "assert_derivative",
    "check_derivative",
    "derivative_shape",
    "derive",
    "derive_hessian",
    "numeric",
    "rules",
    "shape_table",
    "to_layout",
    "unvec",
    "unvec_jacobian",
    "vec",
    "vec_jacobian",
]


def _resolve(name: str) -> Any:
    module, attribute = _LAZY[name]
    loaded = importlib.import_module(module)
    return loaded if attribute is None else getattr(loaded, attribute)


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562) and keep it."""
    if name not in _LAZY:
        raise AttributeError(f"module 'matderiv' has no attribute {name!r}")
    value = _resolve(name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not."""
    return sorted(__all__)
