"""Numeric derivatives and the derivative checker.

- ``matderiv.numeric.differences``: :func:`jacobian`, :func:`gradient`,
  :func:`hessian`, :func:`jvp` by forward, central, Richardson or complex-step
  differences.
- ``matderiv.numeric.check``: :func:`check_derivative` and
  :func:`assert_derivative`, with :class:`CheckResult`.
- ``matderiv.numeric.diagnosis``: what kind of mistake a wrong derivative is.
"""

from __future__ import annotations

from matderiv.numeric.check import CheckResult, Form, assert_derivative, check_derivative
from matderiv.numeric.differences import METHODS, Method, gradient, hessian, jacobian, jvp

__all__ = [
    "METHODS",
    "CheckResult",
    "Form",
    "Method",
    "assert_derivative",
    "check_derivative",
    "gradient",
    "hessian",
    "jacobian",
    "jvp",
]
