"""Check a derivative someone wrote against finite differences, and say what is wrong.

:func:`check_derivative` first runs the *directional* test: along a few random
directions ``u`` it compares the claimed ``J u`` with a finite-difference
directional derivative (for a pullback, the dot-product test
``⟨v, J u⟩ = ⟨Jᵀ v, u⟩``).  That costs a handful of evaluations of ``f``
whatever the size of ``x`` (19 by default: ``f(x)`` plus 6 Richardson
evaluations per direction), against ``2·x.size`` for a full central-difference
Jacobian.  Only when the test fails (or ``full=True``) does it build the full
Jacobian, to name the worst entries and diagnose the mistake (transposed, sign
flipped, a factor of 2, only the symmetric part, a missing term, the other
layout; see :mod:`matderiv.numeric.diagnosis`).

Cost: with the default ``full=None`` the full Jacobian (``6·x.size``
Richardson evaluations) is built to explain a failure only when it has at most
``MAX_FULL_ENTRIES`` (2 000 000) entries and fits the call's budgets
(:mod:`matderiv.numeric.limits`: ``max_evals``, ``max_bytes``); otherwise the
result is still FAILED, explained from the directional evidence, and says what
building it would cost.  ``full=False`` never builds it; ``full=True`` always
does, and raises :class:`~matderiv.errors.BudgetError` up front when that is
over budget.

Tolerance: a comparison passes when ``|claimed − numeric| <= atol + floor +
rtol · scale``, with ``scale`` the largest numeric entry and ``floor`` the
round-off floor of the difference quotient, ``100 · gain · ε · max|f| / h`` (``max|f|``
over every point ``f`` was evaluated at: near a zero of ``f`` its neighbours set the scale).

Examples
--------
>>> import numpy as np
>>> from matderiv.numeric import check_derivative
>>> A = np.array([[2.0, 1.0], [0.0, 3.0]])
>>> x = np.array([1.0, 2.0])
>>> bool(check_derivative(lambda x: x @ A @ x, (A + A.T) @ x, x))
True
>>> print(check_derivative(lambda x: x @ A @ x, A @ x, x).diagnosis)
one term missing? ...
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from matderiv.errors import (
    ArgumentError,
    DerivativeMismatch,
    NumericError,
    ShapeError,
    UnsupportedError,
)
from matderiv.layout import Layout, as_layout, derivative_shape, to_layout
from matderiv.numeric import limits
from matderiv.numeric._arguments import (
    as_array,
    as_count,
    as_flag,
    as_function,
    as_seed,
    as_tolerance,
    shown,
)
from matderiv.numeric._evaluate import (
    Evaluator,
    Function,
    RealArray,
    call_user,
    describe_nonfinite,
    float_errors_checked,
)
from matderiv.numeric.diagnosis import Tolerance, diagnose, entry_name, factor_message
from matderiv.numeric.differences import (
    METHODS,
    Method,
    difference,
    direction_step,
    ensure_complex_safe,
    jacobian_and_step,
    jacobian_evals,
    roundoff_floor,
    start,
)
from matderiv.numeric.limits import format_bytes, format_seconds

__all__ = ["CheckResult", "Form", "assert_derivative", "check_derivative"]

Form = Literal["array", "linear_map", "vjp"]
_FORMS: tuple[str, ...] = ("array", "linear_map", "vjp")
_EPS = float(np.finfo(np.float64).eps)
#: A failed check builds the full Jacobian to explain the failure only up to this many entries
#: (and within the call's evaluation and memory budgets); ``full=True`` builds it regardless.
MAX_FULL_ENTRIES = 2_000_000
#: Arrays the size of the Jacobian alive at once while a full comparison runs (numeric,
#: claimed, their difference, and a candidate of the diagnosis with its difference).
_FULL_COPIES = 5


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check_derivative`; truthy when the derivative passed.

    Attributes
    ----------
    passed
        Whether the claimed derivative agrees with finite differences.
    max_abs_err, max_rel_err
        Largest absolute difference, and that difference divided by the largest
        numeric value: over the full Jacobian when it was built, else over the
        directional derivatives (``>= 0``; NaN when nothing was measured).
    method
        The finite-difference method used.
    n_evals
        Evaluations of ``f`` (not of the claimed derivative).
    worst_entry
        Mixed-layout index ``(i.., j..)`` of the largest difference, when the full
        Jacobian was built; else ``None``.
    expected, claimed
        Numeric and claimed values at `worst_entry` (``None`` without it).
    diagnosis
        What is wrong, in words (or a one-line summary when the check passed).
    directions
        Number of random directions tested.
    full_jacobian
        Whether the full Jacobian was built.
    """

    passed: bool
    max_abs_err: float
    max_rel_err: float
    method: str
    n_evals: int
    worst_entry: tuple[int, ...] | None
    diagnosis: str
    directions: int = 0
    full_jacobian: bool = False
    expected: float | None = None
    claimed: float | None = None
    out_shape: tuple[int, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        passed: Any = self.passed
        if not isinstance(passed, bool | np.bool_):
            raise ArgumentError(f"CheckResult.passed must be True or False, got {shown(passed)}")
        for name in ("max_abs_err", "max_rel_err"):
            value: Any = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float | np.floating)
                or value < 0.0
            ):
                raise ArgumentError(
                    f"CheckResult.{name} must be a number >= 0 (inf, or NaN for not measured), "
                    f"got {shown(value)}"
                )
        method: Any = self.method
        if not isinstance(method, str) or not method:
            raise ArgumentError(
                "CheckResult.method must name the method, e.g. one of "
                f"{', '.join(map(repr, METHODS))}, got {shown(self.method)}"
            )
        as_count(self.n_evals, "CheckResult.n_evals", low=0)
        as_count(self.directions, "CheckResult.directions", low=0)
        entry: Any = self.worst_entry
        if entry is not None and not (
            isinstance(entry, tuple) and all(isinstance(i, int) and i >= 0 for i in entry)
        ):
            raise ArgumentError(
                "CheckResult.worst_entry must be None or a tuple of indices >= 0, "
                f"got {shown(self.worst_entry)}"
            )

    def __bool__(self) -> bool:
        return bool(self.passed)

    def __str__(self) -> str:
        status = "passed" if self.passed else "FAILED"
        line = (
            f"derivative check {status} ({self.method} differences, {self.n_evals} evaluations "
            f"of f, max abs err {self.max_abs_err:.3g}, max rel err {self.max_rel_err:.3g})"
        )
        return f"{line}: {self.diagnosis}"


def _as_real(value: Any, what: str, *, argument: bool = False) -> RealArray:
    """`value` as a finite float64 array.

    A malformed array is an :class:`ArgumentError` when the caller passed it
    (`argument`), a :class:`NumericError` when a callable returned it.
    """
    try:
        array = as_array(value, what)
    except ArgumentError as exc:
        if argument:
            raise
        raise NumericError(
            f"{what} returned {type(value).__name__} that is not an array of real numbers "
            f"({exc}); it must return a real number or a numpy array of real numbers"
        ) from exc
    if array.dtype.kind == "c":
        raise (ArgumentError if argument else NumericError)(
            f"{what} is complex; matderiv checks real derivatives of real functions: pass "
            "a real array"
        )
    result = np.asarray(array, dtype=np.float64)
    if not np.all(np.isfinite(result)):
        raise NumericError(f"{what} contains {describe_nonfinite(result)}")
    return result


def _shape_hint(
    given: tuple[int, ...], out_shape: tuple[int, ...], in_shape: tuple[int, ...]
) -> str:
    hints = []
    for other in Layout:
        try:
            if derivative_shape(out_shape, in_shape, other) == given:
                hints.append(
                    f"it is the shape of the {other.value} layout (layout='{other.value}')"
                )
        except ShapeError:
            pass
    if len(in_shape) + len(out_shape) > 1 and given == (math.prod(out_shape), math.prod(in_shape)):
        hints.append("it is the shape of vec_jacobian (convert with matderiv.unvec_jacobian)")
    return "; " + "; ".join(hints) if hints else ""


def _claimed_array(
    df: Any, point: RealArray, out_shape: tuple[int, ...], layout: Layout
) -> tuple[RealArray, RealArray]:
    """The claimed derivative as given (raw) and in mixed layout."""
    if callable(df):
        raw = _as_real(call_user(df, point, "df", "x"), "the claimed derivative df(x)")
    else:
        raw = _as_real(df, "the claimed derivative df", argument=True)
    in_shape = point.shape
    expected = derivative_shape(out_shape, in_shape, layout)
    if raw.shape != expected:
        raise ShapeError(
            f"the claimed derivative has shape {raw.shape}, but for f: {in_shape} -> "
            f"{out_shape} the {layout.value} layout expects shape {expected}"
            f"{_shape_hint(raw.shape, out_shape, in_shape)}"
        )
    return raw, to_layout(raw, out_shape, in_shape, layout, Layout.MIXED)


def _checked_call(
    df: Callable[[Any], Any], arg: RealArray, shape: tuple[int, ...], what: str
) -> RealArray:
    value = _as_real(call_user(df, arg, what.split("(")[0], "a direction"), what)
    if value.shape != shape:
        raise ShapeError(f"{what} returned shape {value.shape}, expected {shape}")
    return value


def _full_claimed(
    df: Any, form: str, C: RealArray | None, out_shape: tuple[int, ...], in_shape: tuple[int, ...]
) -> RealArray:
    if C is not None:
        return C
    n_in, n_out = math.prod(in_shape), math.prod(out_shape)
    J = np.empty((n_out, n_in))
    if form == "linear_map":
        for j in range(n_in):
            e = np.zeros(n_in)
            e[j] = 1.0
            J[:, j] = _checked_call(df, e.reshape(in_shape), out_shape, "df(dx)").reshape(-1)
    else:
        for i in range(n_out):
            e = np.zeros(n_out)
            e[i] = 1.0
            J[i, :] = _checked_call(df, e.reshape(out_shape), in_shape, "df(ȳ)").reshape(-1)
    return J.reshape(out_shape + in_shape)


def _directional_test(
    ev: Evaluator,
    point: RealArray,
    df: Any,
    form: str,
    C: RealArray | None,
    method: Method,
    step: float | None,
    directions: int,
    seed: int,
) -> tuple[list[tuple[RealArray, RealArray]], float, float]:
    """Claimed and numeric ``J u`` along random ``u``: (pairs, scale, round-off floor).

    For a pullback, compare ``⟨v, J u⟩`` with ``⟨Jᵀ v, u⟩`` for three random ``v``
    per direction (the dot-product test).
    """
    rng = np.random.default_rng(seed)
    out_shape, in_shape = ev.out_shape, point.shape
    pairs: list[tuple[RealArray, RealArray]] = []
    scale, floor = 0.0, 0.0
    for _ in range(directions):
        u = rng.standard_normal(in_shape)
        u = np.asarray(u / max(float(np.max(np.abs(u), initial=1.0)), 1e-300))
        h = direction_step(point, u, method, step)
        numeric, h = difference(ev, point, u, h, method, adapt=step is None)
        noise = roundoff_floor(ev, h, method)  # of one entry of the difference quotient
        if form == "vjp":
            vs = rng.standard_normal((3, *out_shape))
            got = np.array([np.sum(_checked_call(df, v, in_shape, "df(ȳ)") * u) for v in vs])
            want = np.array([np.sum(v * numeric) for v in vs])
            size = max(float(np.sum(np.abs(v * numeric))) for v in vs)
            noise *= max(float(np.sum(np.abs(v))) for v in vs)
        else:
            if C is not None:
                got = np.tensordot(C, u, axes=len(in_shape))
            else:
                got = _checked_call(df, u, out_shape, "df(dx)")
            want = numeric
            size = float(np.max(np.abs(numeric), initial=0.0))
        pairs.append((np.asarray(got, dtype=np.float64), want))
        scale = max(scale, size)
        floor = max(floor, noise)
    return pairs, scale, floor


def _directional_diagnosis(
    pairs: list[tuple[RealArray, RealArray]], tol: Tolerance, scale: float, why: str
) -> str:
    """Explain a failed directional test without the full Jacobian (`why` it was not built)."""
    got = np.concatenate([g.reshape(-1) for g, _ in pairs])
    want = np.concatenate([w.reshape(-1) for _, w in pairs])
    norm = float(want @ want)
    c = float(got @ want) / norm if norm > 0 else 0.0
    if norm > 0 and tol.allows(float(np.max(np.abs(got - c * want))), abs(c) * scale):
        what = factor_message(c)
    else:
        worst = float(np.max(np.abs(got - want)))
        what = (
            "the claimed derivative disagrees with finite differences along random directions "
            f"(largest difference {worst:.3g}, relative {worst / scale if scale else np.inf:.3g})"
        )
    return f"{what}. {why}"


def _full_cost(
    ev: Evaluator, method: Method, entries: int
) -> tuple[int, int, str]:
    """Evaluations and bytes of the full comparison, and a sentence stating them."""
    evals = jacobian_evals(method, ev.x.size)
    nbytes = _FULL_COPIES * 8 * entries
    budget = ev.budget
    seconds = "" if budget is None else (
        f", roughly {format_seconds(evals * budget.seconds_per_eval)}"
    )
    cost = (
        f"The full Jacobian has {entries:,} entries and needs about {evals:,} more "
        f"evaluations of f{seconds} and {format_bytes(nbytes)}"
    )
    return evals, nbytes, cost


def _skip_full_reason(ev: Evaluator, method: Method, entries: int, full: bool | None) -> str | None:
    """Why a failed check does not build the full Jacobian (``None``: build it)."""
    evals, nbytes, cost = _full_cost(ev, method, entries)
    assert ev.budget is not None
    if full is False:
        return f"{cost}: pass full=True to build it and diagnose the mistake."
    limits_hit = []
    if entries > MAX_FULL_ENTRIES:
        limits_hit.append(f"the {MAX_FULL_ENTRIES:,} entries built to explain a failure")
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


@float_errors_checked
def check_derivative(
    f: Function,
    df: Any,
    x: npt.ArrayLike,
    *,
    layout: Layout | str = Layout.MIXED,
    form: Form = "array",
    rtol: float = 1e-6,
    atol: float = 0.0,
    directions: int = 3,
    seed: int = 0,
    method: Method = "richardson",
    full: bool | None = None,
    step: float | None = None,
    max_evals: int | None = None,
    max_bytes: int | None = None,
) -> CheckResult:
    """Check a claimed derivative of `f` at `x` against finite differences.

    Parameters
    ----------
    f
        The function, called with one float64 array of the shape of `x`.
    df
        The claimed derivative at `x`, in the representation `form` names:

        - ``"array"``: an array in `layout` (or a callable ``df(x)`` returning it);
        - ``"linear_map"``: a callable ``dx -> J dx`` (the differential);
        - ``"vjp"``: a callable ``ȳ -> Jᵀ ȳ`` (the pullback backprop uses),
          returning an array of the shape of `x`.
    x
        The point (integers are converted to float64).
    layout
        Layout of an ``"array"`` derivative; ``"mixed"`` (default),
        ``"numerator"`` or ``"denominator"``.
    form
        ``"array"``, ``"linear_map"`` or ``"vjp"``.
    rtol, atol
        Relative and absolute tolerance, finite and ``>= 0`` (a round-off floor
        is added to `atol`).
    directions
        Number of random directions of the directional test, an integer from
        0 to :data:`~matderiv.numeric.limits.MAX_DIRECTIONS` (1000); ``0``
        compares the full Jacobian only.
    seed
        Seed of the random directions, an integer ``>= 0``.
    method
        Finite-difference method (default ``"richardson"``, error ``O(h⁶)``).
    full
        Whether to build the full numeric Jacobian and compare entry by entry.
        ``None`` (default): only to explain a failure, when it has at most
        ``MAX_FULL_ENTRIES`` entries and fits the budgets; ``True``: always
        (a :class:`~matderiv.errors.BudgetError` up front if over budget);
        ``False``: never (a failure is explained from the directions).
    step
        Relative step overriding the method's default (Richardson then uses it
        as given instead of adapting it).
    max_evals, max_bytes
        Budgets of evaluations of `f` and of memory; defaults
        :data:`~matderiv.numeric.limits.MAX_EVALUATIONS` (200 000) and
        :data:`~matderiv.numeric.limits.MAX_BYTES` (1 GiB).

    Returns
    -------
    CheckResult
        Truthy when the derivative passed; its ``diagnosis`` says what is wrong.

    Raises
    ------
    ~matderiv.errors.ArgumentError
        A bad argument (non-callable `f`, ragged or non-numeric arrays, a
        negative tolerance, ``directions=1.5``, ``seed=-1``, ...), before any work.
    ~matderiv.errors.ShapeError
        If an ``"array"`` derivative does not have the shape `layout` prescribes
        (the message shows both shapes and the layout whose shape it has).
    ~matderiv.errors.NumericError
        NaN or inf in `x`, in ``f(x)`` or in the claimed derivative, or an
        exception raised by `f` or `df` (a singular matrix, ...).
    ~matderiv.errors.BudgetError
        If the directional test, or the full comparison that ``full=True`` or
        ``directions=0`` asks for, is predicted to exceed the budgets.

    Examples
    --------
    The gradient of ``tr(AX)`` is ``Aᵀ`` in mixed layout; ``A`` is its
    numerator-layout form:

    >>> rng = np.random.default_rng(0)
    >>> A, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    >>> f = lambda X: np.trace(A @ X)
    >>> check_derivative(f, A.T, X).passed
    True
    >>> check_derivative(f, A, X, layout="numerator").passed
    True
    >>> print(check_derivative(f, A, X).diagnosis)
    transposed — a layout mix-up? The array given is the derivative in numerator layout ...

    A wrong gradient of a 1000 × 1000 input is reported from the directional
    test alone (the full Richardson Jacobian would take 6·10⁶ evaluations):

    >>> Y = np.ones((1000, 1000))
    >>> result = check_derivative(lambda Y: np.sum(Y**2), -2 * Y, Y)
    >>> print(result.diagnosis)
    sign flipped: ... The full Jacobian has 1,000,000 entries and needs about 6,000,000 more ...
    """
    # every argument is validated before f is called
    fn = as_function(f)
    declared = as_layout(layout)
    if form not in _FORMS:
        raise UnsupportedError(f"unknown form {form!r}; use one of {', '.join(map(repr, _FORMS))}")
    if form != "array" and declared is not Layout.MIXED:
        raise UnsupportedError(f"layout applies to form='array' only, not to form={form!r}")
    if not callable(df) and form != "array":
        raise UnsupportedError(f"form={form!r} needs a callable df, got {type(df).__name__}")
    rtol = as_tolerance(rtol, "rtol")
    atol = as_tolerance(atol, "atol")
    directions = as_count(
        directions,
        "directions",
        low=0,
        high=limits.MAX_DIRECTIONS,
        hint="; the default 3 is usually enough (directions=0 compares the full Jacobian)",
    )
    seed = as_seed(seed)
    full = as_flag(full, "full", allow_none=True)
    if directions == 0:
        if full is False:
            raise ArgumentError(
                "directions=0 with full=False compares nothing; pass directions >= 1 or "
                "full=True"
            )
        full = True  # no directional test: compare entry by entry
    raw_df: RealArray | None = None
    if form == "array" and not callable(df):
        raw_df = _as_real(df, "the claimed derivative df", argument=True)
    ev, point, method, step = start(fn, x, method, step, max_evals, max_bytes, "check_derivative")
    assert ev.budget is not None
    out_shape, in_shape = ev.out_shape, point.shape
    entries = math.prod(out_shape) * math.prod(in_shape)
    evals = directions * jacobian_evals(method, 1)
    nbytes = 8 * directions * (math.prod(out_shape) + math.prod(in_shape))
    if full:
        full_evals, full_bytes, _ = _full_cost(ev, method, entries)
        evals, nbytes = evals + full_evals, nbytes + full_bytes
    ev.budget.require(
        evals,
        nbytes,
        way_out=(
            "full=None (the default: the full Jacobian only to explain a failure, within "
            "budget)" if full and directions else ""
        ),
    )
    raw: RealArray | None = None
    C: RealArray | None = None
    if form == "array":
        raw, C = _claimed_array(df if raw_df is None else raw_df, point, out_shape, declared)
    if method == "complex":
        ensure_complex_safe(ev, point)

    pairs, scale, floor = _directional_test(ev, point, df, form, C, method, step, directions, seed)
    worst_abs = max((float(np.max(np.abs(g - w), initial=0.0)) for g, w in pairs), default=0.0)
    tol = Tolerance(rtol, atol + floor)
    passed = tol.allows(worst_abs, scale)
    rel = worst_abs / scale if scale > 0 else (0.0 if worst_abs == 0 else np.inf)
    if passed and not full:
        return CheckResult(
            passed=True,
            max_abs_err=worst_abs,
            max_rel_err=rel,
            method=method,
            n_evals=ev.n_evals,
            worst_entry=None,
            diagnosis=f"agrees with {method} differences along {directions} random directions",
            directions=directions,
            out_shape=out_shape,
        )
    why = None if full else _skip_full_reason(ev, method, entries, full)
    if why is not None:
        return CheckResult(
            passed=False,
            max_abs_err=worst_abs,
            max_rel_err=rel,
            method=method,
            n_evals=ev.n_evals,
            worst_entry=None,
            diagnosis=_directional_diagnosis(pairs, tol, scale, why),
            directions=directions,
            out_shape=out_shape,
        )
    T, smallest_step = jacobian_and_step(ev, point, method, step)
    full_tol = Tolerance(rtol, atol + roundoff_floor(ev, smallest_step, method))
    claimed = _full_claimed(df, form, C, out_shape, in_shape)
    return _entrywise_result(
        T, claimed, full_tol, ev, method, directions, passed, raw=raw, layout=declared
    )


def _entrywise_result(
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


_OPTIONS = frozenset(inspect.signature(check_derivative).parameters) - {"f", "df", "x"}


def assert_derivative(f: Function, df: Any, x: npt.ArrayLike, **options: Any) -> CheckResult:
    """:func:`check_derivative` that raises :class:`~matderiv.errors.DerivativeMismatch` on failure.

    For use in tests: the exception message carries the diagnosis and the
    worst entry.

    Examples
    --------
    >>> assert_derivative(np.sin, np.cos(0.5), 0.5).passed
    True
    >>> assert_derivative(np.sin, -np.cos(0.5), 0.5)
    Traceback (most recent call last):
    ...
    matderiv.errors.DerivativeMismatch: derivative check FAILED ... sign flipped...
    """
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ArgumentError(
            f"assert_derivative got unknown option {', '.join(map(repr, unknown))}; the options "
            f"are those of check_derivative: {', '.join(sorted(_OPTIONS))}"
        )
    result = check_derivative(f, df, x, **options)
    if not result.passed:
        where = ""
        if result.worst_entry is not None:
            where = (
                f" Worst entry {entry_name(result.worst_entry, len(result.out_shape))}: "
                f"expected {result.expected:.6g}, claimed {result.claimed:.6g}."
            )
        raise DerivativeMismatch(f"{result}{where}")
    return result
