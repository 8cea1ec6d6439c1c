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
Before a directional test is called a failure, the noise of ``f``'s values is measured
(:mod:`matderiv.numeric._noise`; 8 to 24 more evaluations, within the budget): a value that
is the cancellation of larger terms, such as an identically zero gradient, carries more
round-off than ``ε·|f|``.  When the measured noise is larger, the floor uses it and the
failed comparison (directional, or entry by entry) runs again.

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
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from matderiv.errors import ArgumentError, DerivativeMismatch, UnsupportedError
from matderiv.layout import Layout, as_layout
from matderiv.numeric import limits
from matderiv.numeric._arguments import as_count, as_flag, as_function, as_seed, as_tolerance
from matderiv.numeric._budgeting import jacobian_evals, start
from matderiv.numeric._claimed import as_real, claimed_array, full_claimed
from matderiv.numeric._directional import directional_diagnosis, directional_test
from matderiv.numeric._entrywise import entrywise_result, full_cost, skip_full_reason
from matderiv.numeric._evaluate import Evaluator, Function, RealArray, float_errors_checked
from matderiv.numeric._jacobian import jacobian_and_step
from matderiv.numeric._noise import NOISE_POINTS, NOISE_STEPS, measured_noise
from matderiv.numeric._result import CheckResult
from matderiv.numeric._schemes import EPS, Method, ensure_complex_safe, roundoff_floor
from matderiv.numeric.diagnosis import Tolerance, entry_name

__all__ = ["CheckResult", "Form", "assert_derivative", "check_derivative"]

Form = Literal["array", "linear_map", "vjp"]
_FORMS: tuple[str, ...] = ("array", "linear_map", "vjp")
#: A failed check builds the full Jacobian to explain the failure only up to this many entries
#: (and within the call's evaluation and memory budgets); ``full=True`` builds it regardless.
MAX_FULL_ENTRIES = 2_000_000


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
                "directions=0 with full=False compares nothing; pass directions >= 1 or full=True"
            )
        full = True  # no directional test: compare entry by entry
    raw_df: RealArray | None = None
    if form == "array" and not callable(df):
        raw_df = as_real(df, "the claimed derivative df", argument=True)
    ev, point, method, step = start(fn, x, method, step, max_evals, max_bytes, "check_derivative")
    assert ev.budget is not None
    out_shape, in_shape = ev.out_shape, point.shape
    entries = math.prod(out_shape) * math.prod(in_shape)
    evals = directional_evals = directions * jacobian_evals(method, 1)
    nbytes = 8 * directions * (math.prod(out_shape) + math.prod(in_shape))
    if full:
        full_evals, full_bytes, _ = full_cost(ev, method, entries)
        evals, nbytes = evals + full_evals, nbytes + full_bytes
    ev.budget.require(
        evals,
        nbytes,
        way_out=(
            "full=None (the default: the full Jacobian only to explain a failure, within budget)"
            if full and directions
            else ""
        ),
    )
    raw: RealArray | None = None
    C: RealArray | None = None
    if form == "array":
        raw, C = claimed_array(df if raw_df is None else raw_df, point, out_shape, declared)
    if method == "complex":
        ensure_complex_safe(ev, point)

    test = (ev, point, df, form, C, method, step, directions, seed, rtol, atol)
    found = directional_test(*test)
    within = ""
    if not found.passed and _found_noise(ev, point, seed, method, directional_evals):
        # test again, knowing the noise: Richardson's step no longer shrinks into it
        # (a quotient of noise over a tiny step would hide a real error)
        found = directional_test(*test)
        if found.passed:
            within = (
                f", within the noise of {ev.name}'s computed values ({ev.noise:.2g}, measured "
                f"along a random direction; larger than ε·|{ev.name}| = {EPS * ev.fmax:.2g})"
            )
    passed, worst_abs, rel, tol = found.passed, found.worst_abs, found.rel, found.tol
    if passed and not full:
        return CheckResult(
            passed=True,
            max_abs_err=worst_abs,
            max_rel_err=rel,
            method=method,
            n_evals=ev.n_evals,
            worst_entry=None,
            diagnosis=(
                f"agrees with {method} differences along {directions} random directions{within}"
            ),
            directions=directions,
            out_shape=out_shape,
        )
    why = None if full else skip_full_reason(ev, method, entries, full, MAX_FULL_ENTRIES)
    if why is not None:
        return CheckResult(
            passed=False,
            max_abs_err=worst_abs,
            max_rel_err=rel,
            method=method,
            n_evals=ev.n_evals,
            worst_entry=None,
            diagnosis=directional_diagnosis(found.pairs, tol, found.scale, why),
            directions=directions,
            out_shape=out_shape,
        )
    claimed = full_claimed(df, form, C, out_shape, in_shape)

    def entrywise() -> CheckResult:
        T, smallest_step = jacobian_and_step(ev, point, method, step)
        full_tol = Tolerance(rtol, atol + roundoff_floor(ev, smallest_step, method))
        return entrywise_result(
            T, claimed, full_tol, ev, method, directions, passed, raw=raw, layout=declared
        )

    result = entrywise()
    if not result.passed and _found_noise(
        ev, point, seed, method, full_cost(ev, method, entries)[0]
    ):
        result = entrywise()  # the directional test passed without knowing the noise
    return result


def _found_noise(ev: Evaluator, point: RealArray, seed: int, method: Method, again: int) -> bool:
    """Measure f's noise once (if `again` more evaluations fit too); whether it exceeds ε·|f|.

    f may be computed less accurately than ε·|f| (a value that is a cancellation of larger
    terms): before a difference is called a mismatch, the floor learns the noise.
    """
    if ev.noise > 0.0 or method == "complex" or not _noise_affordable(ev, again):
        return False
    noise = measured_noise(ev, point, np.random.default_rng(seed).standard_normal(point.shape))
    if noise <= EPS * ev.fmax:
        return False
    ev.noise = noise
    return True


def _noise_affordable(ev: Evaluator, again: int) -> bool:
    """Whether measuring f's noise and `again` more evaluations (a second test) fit the budget.

    The measurement takes at most 24 evaluations and keeps 9 values of f.
    """
    assert ev.budget is not None
    nbytes = NOISE_POINTS * 8 * math.prod(ev.out_shape)
    evals = len(NOISE_STEPS) * (NOISE_POINTS - 1) + again
    return ev.budget.left() >= evals and nbytes <= ev.budget.max_bytes


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
