"""Check 1 of a rule: every stated form against finite differences at random instances."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from matderiv.layout import unvec_jacobian
from matderiv.numeric import hessian as numeric_hessian
from matderiv.numeric.check import CheckResult, check_derivative
from matderiv.rules._evaluation import FloatArray, evaluate_field, function_of, shapes_of
from matderiv.rules.instances import instance, projection
from matderiv.rules.model import Form, Rule

__all__ = ["RTOL", "RTOL_HESSIAN", "FormCheck", "numeric_check", "numeric_checks", "worst_check"]

#: Relative tolerance of the finite-difference checks (first and second derivatives).
RTOL = 1e-6
RTOL_HESSIAN = 1e-4


@dataclass(frozen=True)
class FormCheck:
    """One finite-difference check: a stated form at one instance."""

    form: Form | Literal["source_form"]  # source_form: for the disputed-identities page
    dims: Mapping[str, int]
    result: CheckResult


def _hessian_check(f: Callable[[FloatArray], Any], H: FloatArray, x: FloatArray) -> CheckResult:
    numeric = numeric_hessian(f, x, method="central")
    diff = np.abs(H - numeric)
    scale = max(float(np.max(np.abs(numeric), initial=0.0)), 1e-300)
    max_abs = float(np.max(diff, initial=0.0))
    floor = 1e-7 * max(1.0, float(np.max(np.abs(np.asarray(f(x))), initial=0.0)))
    passed = max_abs <= RTOL_HESSIAN * scale + floor
    worst = None
    if diff.size:
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
    return CheckResult(
        passed=bool(passed),
        max_abs_err=max_abs,
        max_rel_err=max_abs / scale,
        method="central (four-point second derivative)",
        n_evals=0,
        worst_entry=worst,
        diagnosis=(
            "matches the finite-difference second derivative"
            if passed
            else f"differs from the finite-difference second derivative by {max_abs:.3g} "
            f"at entry {worst}"
        ),
        full_jacobian=True,
        expected=float(numeric[worst]) if worst is not None else None,
        claimed=float(H[worst]) if worst is not None else None,
    )


def numeric_checks(
    rule: Rule,
    instances: int = 3,
    seed: int = 0,
    field_name: Form | Literal["source_form"] | None = None,
) -> tuple[FormCheck, ...]:
    """Finite-difference checks of every stated form at `instances` random instances.

    `field_name` checks one form only (``"source_form"`` checks a source's printed formula,
    for the disputed-identities page).

    Raises
    ------
    ValueError
        If `instances` is less than 1 (nothing would be checked).
    """
    if instances < 1:
        raise ValueError(f"instances must be at least 1, got {instances}")
    out: list[FormCheck] = []
    project = projection(rule)
    forms: tuple[Form | Literal["source_form"], ...] = (
        (field_name,) if field_name is not None else rule.forms
    )
    for k in range(instances):
        dims, arrays = instance(rule, k, seed)
        f = function_of(rule, arrays, dims, project)
        x = arrays[rule.wrt]
        out_shape, in_shape = shapes_of(rule, arrays)
        for form in forms:
            if rule.family == "second-order":
                if form == "derivative_vec":
                    H = unvec_jacobian(evaluate_field(rule, form, arrays, dims), in_shape, in_shape)
                else:
                    H = evaluate_field(rule, form, arrays, dims)
                out.append(FormCheck(form, dims, _hessian_check(f, H, x)))
                continue
            if form == "linear_map":

                def lmap(
                    d: FloatArray,
                    arrays: dict[str, FloatArray] = arrays,
                    dims: dict[str, int] = dims,
                ) -> FloatArray:
                    return evaluate_field(rule, "linear_map", {**arrays, "d" + rule.wrt: d}, dims)

                result = check_derivative(f, lmap, x, form="linear_map", rtol=RTOL)
            else:
                J = evaluate_field(rule, form, arrays, dims)
                if form == "derivative_vec":
                    J = unvec_jacobian(J, out_shape, in_shape)
                result = check_derivative(f, J, x, rtol=RTOL)
            out.append(FormCheck(form, dims, result))
    return tuple(out)


def worst_check(checks: Iterable[FormCheck]) -> CheckResult:
    """The first failing check, or (all passing) the one with the largest relative error."""
    items = list(checks)
    failing = [c.result for c in items if not c.result.passed]
    if failing:
        return failing[0]
    return max((c.result for c in items), key=lambda r: r.max_rel_err)


def numeric_check(rule: Rule, instances: int = 3, seed: int = 0) -> CheckResult:
    """The worst finite-difference check of `rule` (see :func:`numeric_checks`).

    >>> from matderiv import rules
    >>> numeric_check(rules.get("vv-softmax")).passed
    True
    """
    return worst_check(numeric_checks(rule, instances, seed))
