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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from matderiv.errors import CatalogError, MatderivError, ShapeError, UnsupportedError
from matderiv.expr import NumpyFunction, to_function
from matderiv.layout import derivative_shape, to_layout, unvec_jacobian, vec_jacobian
from matderiv.numeric import hessian as numeric_hessian
from matderiv.numeric.check import CheckResult, check_derivative
from matderiv.rules.instances import instance, projection
from matderiv.rules.loader import engine_assume, parse_field, parse_text
from matderiv.rules.model import Field, Form, LayoutName, Rule
from matderiv.symbolic import derive, derive_hessian

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
EngineStatus = Literal["disagrees", "error", "unsupported", "agrees"]
_ENGINE_ORDER: tuple[EngineStatus, ...] = ("disagrees", "error", "unsupported", "agrees")

FloatArray = npt.NDArray[np.float64]

#: Relative tolerance of the finite-difference checks (first and second derivatives).
RTOL = 1e-6
RTOL_HESSIAN = 1e-4
#: Relative tolerance of the comparison with ``derive()`` (two exact formulas in floating point).
RTOL_ENGINE = 1e-8


@dataclass(frozen=True)
class FormCheck:
    """One finite-difference check: a stated form at one instance."""

    form: Form | Literal["source_form"]  # source_form: for the disputed-identities page
    dims: Mapping[str, int]
    result: CheckResult


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


# ---- evaluating the rule's text -----------------------------------------------------------


_COMPILED: dict[tuple[str, str, str, str], NumpyFunction] = {}


def _compiled(rule: Rule, fieldname: Field, text: str | None = None) -> NumpyFunction:
    """The numpy function of a field (or of `text` read like it), compiled once."""
    source = getattr(rule, fieldname) if text is None else text
    key = (rule.file, rule.id, fieldname, source)
    fn = _COMPILED.get(key)
    if fn is None:
        parsed = parse_text(rule, fieldname, source)
        fn = to_function(parsed.expr, parsed.context)
        _COMPILED[key] = fn
    return fn


def evaluate_field(
    rule: Rule, fieldname: Field, arrays: Mapping[str, Any], dims: Mapping[str, int]
) -> FloatArray:
    """Evaluate a language field of `rule` (``expr``, ``derivative``...) on concrete arrays.

    >>> from matderiv import rules
    >>> from matderiv.rules.instances import instance
    >>> rule = rules.get("vv-linear-Ax")
    >>> dims, arrays = instance(rule, 0)
    >>> bool((evaluate_field(rule, "derivative", arrays, dims) == arrays["A"]).all())
    True
    """
    fn = _compiled(rule, fieldname)
    return np.asarray(fn(**arrays, **dims), dtype=np.float64)


def _shapes(
    rule: Rule, arrays: Mapping[str, FloatArray]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    in_shape = tuple(np.shape(arrays[rule.wrt]))
    out_shape = tuple(np.shape(np.asarray(_value(rule, arrays))))
    return out_shape, in_shape


def _value(rule: Rule, arrays: Mapping[str, FloatArray]) -> FloatArray:
    dims = _dims_from(rule, arrays)
    return evaluate_field(rule, "expr", arrays, dims)


def _dims_from(rule: Rule, arrays: Mapping[str, FloatArray]) -> dict[str, int]:
    dims: dict[str, int] = {}
    for name, shape in rule.shapes.items():
        for dim, size in zip(shape, np.shape(arrays[name]), strict=True):
            if isinstance(dim, str):
                dims[dim] = int(size)
    return dims


def _function(
    rule: Rule,
    arrays: Mapping[str, FloatArray],
    dims: Mapping[str, int],
    project: Callable[[FloatArray], FloatArray] | None,
) -> Callable[[FloatArray], Any]:
    fixed = dict(arrays)

    def f(v: FloatArray) -> Any:
        fixed[rule.wrt] = project(v) if project is not None else v
        return evaluate_field(rule, "expr", fixed, dims)

    return f


def stated_mixed(
    rule: Rule, arrays: Mapping[str, FloatArray], dims: Mapping[str, int]
) -> FloatArray:
    """The stated derivative as a mixed-layout array (from whichever form is stated).

    For second-order rules: the second derivative ``out_shape + in_shape + in_shape``.
    """
    out_shape, in_shape = _shapes(rule, arrays)
    form = rule.forms[0]
    if form == "derivative":
        return evaluate_field(rule, "derivative", arrays, dims)
    if form == "derivative_vec":
        J = evaluate_field(rule, "derivative_vec", arrays, dims)
        first = in_shape if rule.family == "second-order" else out_shape
        return unvec_jacobian(J, first, in_shape)
    return _linear_map_array(rule, arrays, dims, out_shape, in_shape)


def _linear_map_array(
    rule: Rule,
    arrays: Mapping[str, FloatArray],
    dims: Mapping[str, int],
    out_shape: tuple[int, ...],
    in_shape: tuple[int, ...],
) -> FloatArray:
    size = math.prod(in_shape)
    J = np.empty((*out_shape, size))
    direction = "d" + rule.wrt
    for j in range(size):
        e = np.zeros(size)
        e[j] = 1.0
        J[..., j] = evaluate_field(
            rule, "linear_map", {**arrays, direction: e.reshape(in_shape)}, dims
        )
    return J.reshape(out_shape + in_shape)


# ---- check 1: finite differences ----------------------------------------------------------


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
        f = _function(rule, arrays, dims, project)
        x = arrays[rule.wrt]
        out_shape, in_shape = _shapes(rule, arrays)
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


def _worst(checks: Iterable[FormCheck]) -> CheckResult:
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
    return _worst(numeric_checks(rule, instances, seed))


# ---- check 2: the engine ------------------------------------------------------------------


def rule_out_shape(rule: Rule) -> tuple[Any, ...]:
    """The (symbolic) numpy shape of the rule's expression.

    >>> from matderiv import rules
    >>> rule_out_shape(rules.get("mm-AXB"))
    (p, q)
    """
    return tuple(parse_field(rule, "expr").shape)


EngineResult = tuple[Any, EngineStatus, str]


def engine_derivative(rule: Rule) -> EngineResult:
    """Ask the engine for the rule's derivative once: ``(result, status, message)``.

    The engine's Hessian for second-order rules, ``derive`` for the others.  `result` has
    ``evaluate(**arrays)``; it is ``None`` when the status is ``"unsupported"`` or ``"error"``.
    """
    shapes = {n: tuple(s) for n, s in rule.shapes.items()}
    assume = engine_assume(rule) or None
    if rule.family == "second-order" and len(rule_out_shape(rule)) > 0:
        return None, "unsupported", ("matderiv.derive_hessian takes scalar functions; the second "
                                     "derivative of an array function is checked numerically only")
    engine = derive_hessian if rule.family == "second-order" else derive
    try:
        result = engine(rule.expr, wrt=rule.wrt, shapes=shapes, assume=assume)
    except UnsupportedError as exc:
        return None, "unsupported", str(exc).splitlines()[0]
    except Exception as exc:  # an engine failure on a valid input is reported, never hidden
        return None, "error", f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return result, "agrees", ""


def engine_check(
    rule: Rule, engine_result: Any, arrays: Mapping[str, FloatArray], stated: FloatArray
) -> tuple[EngineStatus, str, float]:
    """Compare the stated derivative with the engine's at one instance.

    Returns ``(status, message, relative error)``; status is ``"agrees"``, ``"disagrees"``,
    ``"unsupported"`` or ``"error"`` (the engine failed to evaluate on this valid input).
    """
    try:
        derived = np.asarray(engine_result.evaluate(**arrays), dtype=np.float64)
    except UnsupportedError as exc:
        return "unsupported", str(exc).splitlines()[0], math.nan
    except Exception as exc:  # an engine failure on a valid input is reported, never hidden
        return "error", f"{type(exc).__name__}: {str(exc).splitlines()[0]}", math.nan
    project = projection(rule)
    if project is not None and derived.ndim == 2 and rule.family != "second-order":
        derived = project(derived)
    if derived.shape != stated.shape:
        why = f"derive() returned shape {derived.shape}, stated {stated.shape}"
        return "disagrees", why, math.inf
    scale = max(float(np.max(np.abs(stated), initial=0.0)), 1e-300)
    err = float(np.max(np.abs(derived - stated), initial=0.0)) / scale
    if err <= RTOL_ENGINE or float(np.max(np.abs(derived - stated), initial=0.0)) <= 1e-12:
        return "agrees", f"max relative difference {err:.1e}", err
    return "disagrees", f"max relative difference {err:.3g}", err


# ---- check 3: layouts ---------------------------------------------------------------------


def layout_check(
    J: FloatArray, out_shape: tuple[int, ...], in_shape: tuple[int, ...]
) -> tuple[bool, tuple[LayoutName, ...]]:
    """Round-trip the mixed array `J` through every defined layout and the vec matrix."""
    tried: list[LayoutName] = ["mixed"]
    ok = bool(np.array_equal(to_layout(J, out_shape, in_shape, "mixed", "mixed"), J))
    layout: LayoutName
    for layout in ("numerator", "denominator"):
        try:
            derivative_shape(out_shape, in_shape, layout)
        except ShapeError:
            continue
        there = to_layout(J, out_shape, in_shape, "mixed", layout)
        back = to_layout(there, out_shape, in_shape, layout, "mixed")
        ok = ok and bool(np.array_equal(back, J))
        tried.append(layout)
    back = unvec_jacobian(vec_jacobian(J, out_shape, in_shape), out_shape, in_shape)
    ok = ok and bool(np.array_equal(back, J))
    tried.append("vec")
    return ok, tuple(tried)


def displayed_layouts_check(rule: Rule, arrays: Mapping[str, FloatArray],
                            dims: Mapping[str, int], J: FloatArray) -> bool:
    """The formulas the book shows per layout evaluate to :func:`to_layout` of the mixed array.

    For a matrix-shaped derivative the transposed layout is displayed from the text
    ``(derivative).T``; evaluate that text and compare it with the converted array.
    """
    if rule.derivative is None or J.ndim != 2 or rule.family == "second-order":
        return True
    out_shape, in_shape = _shapes(rule, arrays)
    transposed = None
    for layout in ("numerator", "denominator"):
        try:
            L = to_layout(J, out_shape, in_shape, "mixed", layout)
        except ShapeError:
            continue
        if np.array_equal(L, J):
            continue
        if transposed is None:
            fn = _compiled(rule, "derivative", f"({rule.derivative}).T")
            transposed = np.asarray(fn(**arrays, **dims), dtype=np.float64)
        if not np.allclose(transposed, L, rtol=1e-12, atol=1e-12):
            return False
    return True


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
        out_shape, in_shape = _shapes(rule, arrays)
        if rule.family == "second-order":
            out_shape = out_shape + in_shape
        ok, layouts = layout_check(stated, out_shape, in_shape)
        layouts_ok = layouts_ok and ok and displayed_layouts_check(rule, arrays, dims, stated)
    engine, message, rel = min(
        statuses,
        key=lambda s: (_ENGINE_ORDER.index(s[0]), -(s[2] if not math.isnan(s[2]) else -1.0)),
    )
    return Verification(
        rule_id=rule.id,
        numeric=_worst(checks),
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
