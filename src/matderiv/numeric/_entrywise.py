"""The full-Jacobian path of a check: its cost, when to skip it, the entry-by-entry verdict.

When the directional test fails (or ``full=True``), the check builds the numeric
Jacobian, compares it with the claimed one entry by entry and diagnoses the
mistake (:mod:`matderiv.numeric.diagnosis`).  Building it costs ``x.size``
directions and a few arrays of the Jacobian's size; :func:`skip_full_reason`
says why a check does without it.
"""

from __future__ import annotations

import numpy as np

from matderiv.layout import Layout
from matderiv.numeric._budgeting import jacobian_evals
from matderiv.numeric._evaluate import Evaluator, RealArray
from matderiv.numeric._result import CheckResult
from matderiv.numeric._schemes import Method
from matderiv.numeric.diagnosis import Tolerance, diagnose
from matderiv.numeric.limits import format_bytes, format_seconds

__all__ = ["FULL_COPIES", "entrywise_result", "full_cost", "skip_full_reason"]

#: Arrays the size of the Jacobian alive at once while a full comparison runs (numeric,
#: claimed, their difference, and a candidate of the diagnosis with its difference).
FULL_COPIES = 5


def full_cost(ev: Evaluator, method: Method, entries: int) -> tuple[int, int, str]:
    """Evaluations and bytes of the full comparison, and a sentence stating them."""
    evals = jacobian_evals(method, ev.x.size)
    nbytes = FULL_COPIES * 8 * entries
    budget = ev.budget
    seconds = ""
    if budget is not None:
        seconds = f", roughly {format_seconds(evals * budget.seconds_per_eval)}"
    cost = (
        f"The full Jacobian has {entries:,} entries and needs about {evals:,} more "
        f"evaluations of f{seconds} and {format_bytes(nbytes)}"
    )
    return evals, nbytes, cost


def skip_full_reason(
    ev: Evaluator, method: Method, entries: int, full: bool | None, max_entries: int
) -> str | None:
    """Why a failed check does not build the full Jacobian (``None``: build it).

    `max_entries` is the most entries built to explain a failure without ``full=True``.
    """
    evals, nbytes, cost = full_cost(ev, method, entries)
    assert ev.budget is not None
    if full is False:
        return f"{cost}: pass full=True to build it and diagnose the mistake."
    limits_hit = []
    if entries > max_entries:
        limits_hit.append(f"the {max_entries:,} entries built to explain a failure")
    if ev.budget.used + evals > ev.budget.max_evals:
        limits_hit.append(f"the budget of {ev.budget.max_evals:,} evaluations")
    if nbytes > ev.budget.max_bytes:
        limits_hit.append(f"the memory budget of {format_bytes(ev.budget.max_bytes)}")
    if not limits_hit:
        return None
    total = ev.budget.used + evals
    return (
        f"{cost}, over {' and '.join(limits_hit)}: pass full=True, max_evals={total:,}"
        f"{f', max_bytes={nbytes:,}' if nbytes > ev.budget.max_bytes else ''} to build it "
        "and diagnose the mistake."
    )


def entrywise_result(
    T: RealArray,
    claimed: RealArray,
    tol: Tolerance,
    ev: Evaluator,
    method: Method,
    directions: int,
    directional_passed: bool,
    *,
    raw: RealArray | None,
    layout: Layout,
) -> CheckResult:
    """Compare the full numeric and claimed Jacobians; diagnose a mismatch."""
    out_shape, in_shape = ev.out_shape, ev.x.shape
    diff = np.abs(claimed - T)
    worst: tuple[int, ...] | None = None
    expected = got = None
    full_abs = 0.0
    if diff.size:
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
        full_abs = float(diff[worst])
        expected, got = float(T[worst]), float(claimed[worst])
    full_scale = float(np.max(np.abs(T), initial=0.0))
    full_passed = tol.allows(full_abs, full_scale)
    full_rel = full_abs / full_scale if full_scale > 0 else (0.0 if full_abs == 0 else np.inf)
    if directional_passed and full_passed:
        along = f" along {directions} random directions and" if directions else ""
        diagnosis = f"agrees with {method} differences{along} entry by entry"
    elif full_passed:
        diagnosis = (
            "disagrees along random directions but agrees entry by entry: f may not be smooth "
            "at x, or its scales differ widely; try another seed or step"
        )
    else:
        diagnosis = diagnose(T, claimed, out_shape, in_shape, tol, raw=raw, layout=layout)
    return CheckResult(
        passed=directional_passed and full_passed,
        max_abs_err=full_abs,
        max_rel_err=full_rel,
        method=method,
        n_evals=ev.n_evals,
        worst_entry=worst,
        diagnosis=diagnosis,
        directions=directions,
        full_jacobian=True,
        expected=expected,
        claimed=got,
        out_shape=out_shape,
    )
