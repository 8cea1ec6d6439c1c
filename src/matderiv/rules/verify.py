"""Verify catalog rules three ways.

1. **Finite differences.**  Every stated form (the mixed array ``derivative``, the vec matrix
   ``derivative_vec``, the differential ``linear_map``) is checked with
   :func:`matderiv.numeric.check_derivative` at random inputs that satisfy the
   assumptions, at several sizes (second derivatives against :func:`matderiv.numeric.hessian`).
   For a variable that is symmetric (or diagonal) the function is differentiated on that
   subspace, ``V -> f(P(V))``.
2. **The engine.**  The stated derivative against ``matderiv.derive`` (its Hessian for
   second-order rules).  Where the engine raises
   :class:`~matderiv.errors.UnsupportedError`, the status says so with its message: never a
   silent pass.
3. **Layouts.**  The mixed array converted to every layout defined for the pair of kinds and
   back (and to the vec matrix and back) is the same array.

Examples
--------
>>> from matderiv import rules
>>> v = verify_rule(rules.get("sm-trace-AXB"))
>>> v.numeric.passed, v.layouts_ok, v.layouts
(True, True, ('mixed', 'numerator', 'denominator', 'vec'))
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from matderiv.errors import CatalogError, MatderivError
from matderiv.numeric.check import CheckResult
from matderiv.rules._engine_check import (
    ENGINE_ORDER,
    engine_check,
    engine_derivative,
    rule_out_shape,
)
from matderiv.rules._engine_check import EngineStatus as _EngineStatus
from matderiv.rules._evaluation import evaluate_field, shapes_of, stated_mixed
from matderiv.rules._layout_checks import displayed_layouts_check, layout_check
from matderiv.rules._numeric_checks import FormCheck, numeric_check, numeric_checks, worst_check
from matderiv.rules.instances import instance
from matderiv.rules.model import LayoutName, Rule

__all__ = [
    "EngineStatus",
    "FormCheck",
    "Verification",
    "check_catalog",
    "engine_check",
    "engine_derivative",
    "evaluate_field",
    "numeric_check",
    "numeric_checks",
    "rule_out_shape",
    "stated_mixed",
    "verify_rule",
]

#: How the stated derivative compares with the engine's (``agrees``, ``disagrees``,
#: ``unsupported`` when the engine raised UnsupportedError, or ``error`` when the engine failed
#: on a valid input), ordered from the worst.
EngineStatus = _EngineStatus


@dataclass(frozen=True)
class Verification:
    """The three checks of one rule.

    Attributes
    ----------
    rule_id
        The rule.
    numeric
        The worst finite-difference check (see :func:`numeric_check`).
    checks
        Every finite-difference check (form, sizes, result).
    engine
        How the engine's derivative compares (see :data:`EngineStatus`).
    engine_message
        The engine's error message, or the largest relative difference.
    engine_rel_err
        Largest relative difference between stated and derived (NaN if not compared).
    layouts_ok, layouts
        Whether every layout round trip returned the same array (and the transposed
        formulas the book displays equal the converted arrays), and the layouts tried.
    seconds
        Wall time of the three checks.
    sizes
        The dimension sizes of each instance.
    """

    rule_id: str
    numeric: CheckResult
    checks: tuple[FormCheck, ...]
    engine: EngineStatus
    engine_message: str
    engine_rel_err: float
    layouts_ok: bool
    layouts: tuple[LayoutName, ...]
    seconds: float = 0.0
    sizes: tuple[Mapping[str, int], ...] = field(default=())

    @property
    def passed(self) -> bool:
        """Finite differences pass, the engine does not disagree, layouts round-trip."""
        return self.numeric.passed and self.engine != "disagrees" and self.layouts_ok


# ---- all three ----------------------------------------------------------------------------


def verify_rule(rule: Rule, instances: int = 3, seed: int = 0) -> Verification:
    """Run the three checks on `rule` at `instances` (at least 1) random instances.

    Examples
    --------
    >>> from matderiv import rules
    >>> verify_rule(rules.get("sm-logdet")).passed
    True
    """
    start = time.perf_counter()
    checks = numeric_checks(rule, instances, seed)
    layouts_ok, layouts = True, tuple[LayoutName, ...]()
    sizes: list[Mapping[str, int]] = []
    statuses: list[tuple[EngineStatus, str, float]] = []
    result, first_status, first_message = engine_derivative(rule)
    if result is None:
        statuses.append((first_status, first_message, math.nan))
    for k in range(instances):
        dims, arrays = instance(rule, k, seed)
        sizes.append(dims)
        stated = stated_mixed(rule, arrays, dims)
        if result is not None:
            statuses.append(engine_check(rule, result, arrays, stated))
        out_shape, in_shape = shapes_of(rule, arrays)
        if rule.family == "second-order":
            out_shape = out_shape + in_shape
        ok, layouts = layout_check(stated, out_shape, in_shape)
        layouts_ok = layouts_ok and ok and displayed_layouts_check(rule, arrays, dims, stated)
    engine, message, rel = min(
        statuses,
        key=lambda s: (ENGINE_ORDER.index(s[0]), -(s[2] if not math.isnan(s[2]) else -1.0)),
    )
    return Verification(
        rule_id=rule.id,
        numeric=worst_check(checks),
        checks=checks,
        engine=engine,
        engine_message=message,
        engine_rel_err=rel,
        layouts_ok=layouts_ok,
        layouts=layouts,
        seconds=time.perf_counter() - start,
        sizes=tuple(sizes),
    )


def check_catalog(
    rules: Iterable[Rule], instances: int = 3, seed: int = 0, strict: bool = True
) -> tuple[Verification, ...]:
    """Verify every rule; with `strict`, raise on the first failure.

    Raises
    ------
    CatalogError
        Naming the file, the entry id and the field whose stated derivative failed.
    """
    out = []
    for rule in rules:
        try:
            v = verify_rule(rule, instances, seed)
        except MatderivError as exc:
            raise CatalogError(
                f"{rule.file}: entry {rule.id!r}: verification could not run: {exc}"
            ) from None
        if strict and not v.passed:
            failing = next((c for c in v.checks if not c.result.passed), None)
            if failing is not None:
                where = failing.form
                why = (
                    f"fails the finite-difference check at sizes {dict(failing.dims)}: "
                    f"{failing.result}"
                )
            elif v.engine == "disagrees":
                where, why = "derivative", f"disagrees with derive(): {v.engine_message}"
            else:
                where, why = "derivative", "a layout round trip changed the array"
            raise CatalogError(
                f"{rule.file}: entry {rule.id!r}, field {where!r}: {why}. "
                "Fix the stated formula (or the assumptions it needs)."
            )
        out.append(v)
    return tuple(out)
