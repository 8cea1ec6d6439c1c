"""Numeric derivatives and the derivative checker.

- ``matderiv.numeric.differences``: :func:`jacobian`, :func:`gradient`,
  :func:`hessian`, :func:`jvp` by forward, central, Richardson or complex-step
  differences.
- ``matderiv.numeric.check``: :func:`check_derivative` and
  :func:`assert_derivative`, with :class:`CheckResult`.
- ``matderiv.numeric.diagnosis``: what kind of mistake a wrong derivative is.
- ``matderiv.numeric.limits``: the evaluation and memory budgets every call
  checks before it starts (``MAX_EVALUATIONS``, ``MAX_BYTES``, ...); raise them
  per call with ``max_evals=`` / ``max_bytes=`` or for the session by setting
  ``matderiv.numeric.limits.MAX_EVALUATIONS``.

Arguments are validated before any work: a bad one raises
:class:`~matderiv.errors.ArgumentError`, a call over budget
:class:`~matderiv.errors.BudgetError`, a point where ``f`` fails (NaN, a
singular matrix) :class:`~matderiv.errors.NumericError`.
"""

from __future__ import annotations

from matderiv.numeric import limits
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
    "limits",
]
