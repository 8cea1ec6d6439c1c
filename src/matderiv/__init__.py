"""matderiv: matrix calculus you can check.

Layouts and shapes, numeric derivatives and a derivative checker, a catalog of
verified identities, and a symbolic engine that derives expressions of a small
numpy-syntax language by differentials.
"""

from __future__ import annotations

from matderiv import rules
from matderiv.derive import Derivative, derive
from matderiv.derive import derive_hessian as hessian
from matderiv.errors import (
    CatalogError,
    DerivativeMismatch,
    MatderivError,
    NumericError,
    ParseError,
    ShapeError,
    UnsupportedError,
)
from matderiv.layout import (
    Layout,
    derivative_shape,
    shape_table,
    to_layout,
    unvec,
    unvec_jacobian,
    vec,
    vec_jacobian,
)
from matderiv.numeric import (
    CheckResult,
    assert_derivative,
    check_derivative,
    gradient,
    jacobian,
    jvp,
)

__version__ = "0.1.0"

__all__ = [
    "CatalogError",
    "CheckResult",
    "Derivative",
    "DerivativeMismatch",
    "Layout",
    "MatderivError",
    "NumericError",
    "ParseError",
    "ShapeError",
    "UnsupportedError",
    "__version__",
    "assert_derivative",
    "check_derivative",
    "derivative_shape",
    "derive",
    "gradient",
    "hessian",
    "jacobian",
    "jvp",
    "rules",
    "shape_table",
    "to_layout",
    "unvec",
    "unvec_jacobian",
    "vec",
    "vec_jacobian",
]
