"""Budgeting a numeric call: validate its arguments, evaluate ``f(x)`` once, count its cost.

Every public function of :mod:`matderiv.numeric` starts with :func:`start`, which
gives it an :class:`~matderiv.numeric._evaluate.Evaluator` carrying the call's
:class:`~matderiv.numeric.limits.Budget`; :func:`jacobian_evals` predicts what a
Jacobian costs so the call can be refused before the work.
"""

from __future__ import annotations

from typing import Any

from matderiv.numeric._arguments import as_budget, as_function, as_step
from matderiv.numeric._evaluate import Evaluator, RealArray, as_point
from matderiv.numeric._schemes import Method, as_method
from matderiv.numeric.limits import COMPLEX_CHECK_EVALS, Budget, evals_per_direction

__all__ = ["budget_of", "jacobian_evals", "start"]


def start(
    f: Any,
    x: Any,
    method: Any,
    step: Any,
    max_evals: Any,
    max_bytes: Any,
    what: str,
) -> tuple[Evaluator, RealArray, Method, float | None]:
    """Validate the arguments common to every numeric call and evaluate ``f(x)`` once.

    Returns the evaluator (carrying the call's budget, with the time of that
    one evaluation), the float64 point, the method and the step.
    """
    method = as_method(method)
    fn = as_function(f)
    h = as_step(step, method)
    budget = as_budget(max_evals, max_bytes, f"{what} by {method} differences")
    point = as_point(x)
    return Evaluator(fn, point, budget=budget), point, method, h


def jacobian_evals(method: Method, n: int) -> int:
    """Evaluations of ``f`` for a Jacobian over `n` inputs, besides ``f(x)``.

    Examples
    --------
    >>> jacobian_evals("central", 10)
    20
    """
    return evals_per_direction(method) * n + (COMPLEX_CHECK_EVALS if method == "complex" else 0)


def budget_of(ev: Evaluator) -> Budget:
    """The budget of a call begun by :func:`start`."""
    assert ev.budget is not None  # every public entry point makes one
    return ev.budget
