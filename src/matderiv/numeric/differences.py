"""Numeric derivatives: Jacobian, gradient, Hessian and Jacobian-vector products.

Four methods, all on the same footing (``h`` is the step, ``ε ≈ 2.2e-16`` the
float64 machine epsilon):

==========  ====================================  ==========  ==================  ============
method      formula                               truncation  default step ``h``  evals/column
==========  ====================================  ==========  ==================  ============
forward     ``(f(x + h e) − f(x)) / h``           ``O(h)``    ``√ε ≈ 1.5e-8``     1 (+ f(x))
central     ``(f(x + h e) − f(x − h e)) / 2h``    ``O(h²)``   ``ε^(1/3) ≈ 6e-6``  2
richardson  central at ``h, h/2, h/4``, combined  ``O(h⁶)``   ``2^-7 ≈ 0.008``    6
complex     ``Im f(x + i h e) / h``               ``O(h²)``   ``1e-20``           1
==========  ====================================  ==========  ==================  ============

Steps are relative: the step of coordinate ``j`` is ``h · max(1, |x_j|)``
(along a direction ``d``: ``h · max(1, max|x|) / max|d|``), so the same
relative accuracy holds at any scale.  Richardson also adapts: while the
gap between its two best estimates is large, or a step leaves ``f``'s domain,
it divides the step by 8 (up to 6 times, 6 more evaluations each), so it copes
with functions whose own scale is smaller than ``|x|``.  The best reachable error balances
truncation against round-off ``≈ ε|f|/h``: about ``1e-8`` relative for forward,
``1e-11`` for central, ``1e-13`` for Richardson; the complex step has no
subtraction, hence no round-off term, and reaches machine precision, but only
for functions that are *complex-step safe* (analytic code without ``abs``,
comparisons, ``conj``/``vdot`` or ``np.real``).  Before using it matderiv
checks this along one random direction against Richardson differences and
raises :class:`~matderiv.errors.NumericError` suggesting ``"central"`` if the
two disagree.

Every function validates its arguments before any work
(:class:`~matderiv.errors.ArgumentError`) and, after one evaluation of ``f``
at ``x``, predicts the evaluations and bytes it needs: past the budgets of
:mod:`matderiv.numeric.limits` (200 000 evaluations, 1 GiB by default;
``max_evals=`` and ``max_bytes=`` raise them) it raises
:class:`~matderiv.errors.BudgetError` stating the cost and the way out.

==========  ==============================================  =====================================
function    evaluations of ``f`` (``n = x.size``, ``k``:    memory of the result
            1 forward/complex, 2 central, 6 richardson)
==========  ==============================================  =====================================
jacobian    ``1 + k·n`` (complex: 7 more)                   ``8 · f(x).size · n`` bytes
gradient    ``1 + k·n``                                     ``8 · n``
jvp         ``1 + k``                                       ``8 · f(x).size``
hessian     central: ``1 + 2n(n + 1)``; others:             ``16 · f(x).size · n²`` (with the
            ``(1 + k·n)(1 + k'·n)``, ``k'`` of the outer    symmetrized copy)
            central or Richardson differences
==========  ==============================================  =====================================

Richardson may shrink its step (6 more evaluations per direction and try);
those evaluations count against the budget as they happen.

Examples
--------
>>> import numpy as np
>>> from matderiv.numeric import jacobian
>>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> np.allclose(jacobian(lambda x: A @ x, np.zeros(2)), A)
True
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from matderiv.errors import BudgetError, NumericError, ShapeError, UnsupportedError
from matderiv.numeric._arguments import as_budget, as_function, as_step
from matderiv.numeric._evaluate import (
    Evaluator,
    Function,
    LeftDomain,
    RealArray,
    as_point,
    finite_quotient,
    float_errors_checked,
)
from matderiv.numeric.limits import COMPLEX_CHECK_EVALS, Budget, evals_per_direction

__all__ = [
    "METHODS",
    "Method",
    "as_method",
    "default_step",
    "gradient",
    "hessian",
    "jacobian",
    "jvp",
]

Method = Literal["forward", "central", "complex", "richardson"]
#: The names of the differencing methods, as accepted by ``method=``.
METHODS: tuple[str, ...] = get_args(Method)

_EPS = float(np.finfo(np.float64).eps)
_DEFAULT_STEP: dict[str, float] = {
    "forward": _EPS**0.5,
    "central": _EPS ** (1.0 / 3.0),
    "richardson": 2.0**-7,
    "complex": 1e-20,
}
#: Round-off amplification of each method's difference quotient (ε|f|/h times this).
ROUNDOFF_GAIN: dict[str, float] = {
    "forward": 2.0,
    "central": 1.0,
    "richardson": 6.0,
    "complex": 0.0,
}


def default_step(method: str) -> float:
    """The relative step of `method` (see the module docstring).

    Examples
    --------
    >>> default_step("central")  # ε^(1/3)
    6.055e-06
    """
    return _DEFAULT_STEP[as_method(method)]


def as_method(method: Any) -> Method:
    """Return `method` if it names a finite-difference method, else raise UnsupportedError.

    Examples
    --------
    >>> as_method("richardson")
    'richardson'
    """
    if not isinstance(method, str) or method not in METHODS:
        raise UnsupportedError(
            f"unknown method {method!r}; use one of {', '.join(map(repr, METHODS))}"
        )
    return method  # type: ignore[return-value]


#: Richardson adapts its step: while the extrapolation's own error estimate exceeds this
#: fraction of the derivative (and the round-off floor), the step is divided by 8.
RICHARDSON_TARGET = 1e-9
RICHARDSON_RETRIES = 6


def _richardson_at(ev: Evaluator, x: RealArray, d: RealArray, h: float) -> tuple[RealArray, float]:
    """Central differences at h, h/2, h/4 extrapolated to h → 0, and an error estimate.

    Two Richardson levels cancel the h² and h⁴ terms (error O(h⁶)); the estimate is
    the gap between the final value and the best first-level value.
    """
    central = [(ev.real(x + s * d) - ev.real(x - s * d)) / (2.0 * s) for s in (h, h / 2, h / 4)]
    first = [(4.0 * fine - coarse) / 3.0 for coarse, fine in itertools.pairwise(central)]
    value = (16.0 * first[1] - first[0]) / 15.0
    return value, float(np.max(np.abs(value - first[1]), initial=0.0))


def roundoff_floor(ev: Evaluator, h: float, method: str) -> float:
    """A safe bound (100×) on the round-off error of `method`'s quotient with step `h`.

    Scaled by the largest ``|f|`` over every point evaluated so far, not only
    ``|f(x)|``: where ``f(x) ≈ 0`` the values at ``x ± h`` carry the round-off.
    """
    return 100.0 * ROUNDOFF_GAIN[method] * _EPS * ev.fmax / h


def difference(
    ev: Evaluator, x: RealArray, d: RealArray, h: float, method: Method, *, adapt: bool = True
) -> tuple[RealArray, float]:
    """The difference quotient of `method` for ``J d`` along `d`, and the step it used.

    Richardson starts at step `h` and divides it by 8 (at most
    ``RICHARDSON_RETRIES`` times) while its error estimate exceeds
    ``RICHARDSON_TARGET`` times the derivative plus the round-off floor, or
    while a step leaves f's domain: a relative step is too large for a function
    whose own scale is smaller than ``|x|`` (``sin`` at large arguments,
    ``log det`` near a singular matrix).  With ``adapt=False`` (a step chosen
    by the caller) it uses `h` as given.  A quotient that is not finite (the
    differences overflowed float64) raises :class:`NumericError`.

    Examples
    --------
    >>> from matderiv.numeric._evaluate import Evaluator
    >>> x = np.array([500.0])
    >>> value, h = difference(Evaluator(np.sin, x), x, np.array([1.0]), 4.0, "richardson")
    >>> bool(abs(value[0] - np.cos(500.0)) < 1e-10), h < 4.0
    (True, True)
    """
    value, used = _difference(ev, x, d, h, method, adapt=adapt)
    return finite_quotient(value, ev, "a difference quotient"), used


def _difference(
    ev: Evaluator, x: RealArray, d: RealArray, h: float, method: Method, *, adapt: bool = True
) -> tuple[RealArray, float]:
    """:func:`difference` without the finiteness check."""
    if method == "forward":
        return (ev.real(x + h * d) - ev.value) / h, h
    if method == "central":
        return (ev.real(x + h * d) - ev.real(x - h * d)) / (2.0 * h), h
    if method == "complex":
        return ev.complex(x + 1j * h * d).imag / h, h
    if not adapt:
        return _richardson_at(ev, x, d, h)[0], h
    best: tuple[float, RealArray, float] | None = None
    left: LeftDomain | None = None
    for _ in range(RICHARDSON_RETRIES + 1):
        try:
            value, error = _richardson_at(ev, x, d, h)
        except LeftDomain as exc:
            # a larger step may even have jumped over the edge of the domain: keep shrinking
            left = exc
            h /= 8.0
            continue
        if best is None or error < best[0]:
            best = (error, value, h)
        size = float(np.max(np.abs(value), initial=0.0))
        if error <= RICHARDSON_TARGET * size + roundoff_floor(ev, h, method):
            break
        h /= 8.0
    if best is None:
        assert left is not None  # every attempt left the domain
        raise left
    return best[1], best[2]


def directional(
    ev: Evaluator, x: RealArray, d: RealArray, h: float, method: Method, *, adapt: bool = True
) -> RealArray:
    """The difference quotient of `method` for ``J d`` starting at step `h` along `d`.

    See :func:`difference` (which also returns the step used).

    Examples
    --------
    >>> from matderiv.numeric._evaluate import Evaluator
    >>> x = np.array([1.0, 2.0])
    >>> ev = Evaluator(lambda x: x @ x, x)
    >>> round(float(directional(ev, x, np.array([1.0, 0.0]), 1e-3, "central")), 9)
    2.0
    """
    return difference(ev, x, d, h, method, adapt=adapt)[0]


def direction_step(x: RealArray, d: RealArray, method: Method, step: float | None) -> float:
    """Step along `d`: relative to max(1, max|x|) and normalised by max|d|.

    Examples
    --------
    >>> direction_step(np.array([100.0]), np.array([2.0]), "central", 1e-6)
    5e-05
    """
    base = _DEFAULT_STEP[method] if step is None else float(step)
    size = float(np.max(np.abs(d))) if d.size else 0.0
    scale = max(1.0, float(np.max(np.abs(x)))) if x.size else 1.0
    return base * scale / size if size > 0.0 else base


def ensure_complex_safe(ev: Evaluator, x: RealArray, rng_seed: int = 0) -> None:
    """Raise :class:`NumericError` unless the complex step agrees with Richardson differences.

    Checked along one random direction (7 extra evaluations of f).

    Examples
    --------
    >>> from matderiv.numeric._evaluate import Evaluator
    >>> x = np.array([1.0, -2.0])
    >>> ensure_complex_safe(Evaluator(np.sin, x), x)      # analytic: passes silently
    >>> ensure_complex_safe(Evaluator(np.abs, x), x)
    Traceback (most recent call last):
    ...
    matderiv.errors.NumericError: f is not complex-step safe: ...
    """
    d = np.random.default_rng(rng_seed).standard_normal(x.shape)
    if not d.size:
        return
    cs = directional(ev, x, d, direction_step(x, d, "complex", None), "complex")
    ref = directional(ev, x, d, direction_step(x, d, "richardson", None), "richardson")
    scale = max(
        float(np.max(np.abs(ref), initial=0.0)), _EPS * float(np.max(np.abs(ev.value), initial=1.0))
    )
    gap = float(np.max(np.abs(cs - ref), initial=0.0))
    if gap > 1e-6 * scale + 1e-12:
        raise NumericError(
            f"{ev.name} is not complex-step safe: along a random direction the complex step "
            f"gives a derivative that differs from central differences by {gap:.3g} "
            f"(relative {gap / scale if scale else np.inf:.3g}). abs, np.linalg.norm, "
            "comparisons, np.real, conj and vdot drop or conjugate the imaginary part. "
            "Use method='central' (or 'richardson')."
        )


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


def _budget(ev: Evaluator) -> Budget:
    assert ev.budget is not None  # every public entry point makes one
    return ev.budget


def jacobian_with(
    ev: Evaluator, x: RealArray, method: Method, step: float | None = None
) -> RealArray:
    """Column-by-column generalized Jacobian of an existing :class:`Evaluator`.

    Examples
    --------
    >>> from matderiv.numeric._evaluate import Evaluator
    >>> x = np.array([1.0, 2.0])
    >>> jacobian_with(Evaluator(lambda x: 3 * x, x), x, "complex")
    array([[3., 0.],
           [0., 3.]])
    """
    return jacobian_and_step(ev, x, method, step)[0]


def jacobian_and_step(
    ev: Evaluator, x: RealArray, method: Method, step: float | None = None
) -> tuple[RealArray, float]:
    """:func:`jacobian_with`, and the smallest step any column used (for round-off bounds).

    Examples
    --------
    >>> from matderiv.numeric._evaluate import Evaluator
    >>> x = np.array([2.0])
    >>> J, h = jacobian_and_step(Evaluator(np.exp, x), x, "central", 1e-6)
    >>> h
    2e-06
    """
    if method == "complex":
        ensure_complex_safe(ev, x)
    base = _DEFAULT_STEP[method] if step is None else float(step)
    flat = x.reshape(-1)
    try:
        J = np.empty((*ev.out_shape, flat.size))
    except MemoryError as exc:
        raise BudgetError(
            f"cannot allocate the Jacobian of shape {(*ev.out_shape, *x.shape)} "
            f"({exc}); differentiate at a smaller size, or pass a lower max_bytes to be "
            "stopped before the allocation"
        ) from exc
    smallest = np.inf
    e = np.zeros(flat.size)
    for j in range(flat.size):
        scale = max(1.0, abs(float(flat[j])))
        # a step that is exactly representable: (x_j + h) - x_j
        h = base * scale if method == "complex" else float((flat[j] + base * scale) - flat[j])
        e[j] = 1.0
        J[..., j], used = difference(ev, x, e.reshape(x.shape), h, method, adapt=step is None)
        e[j] = 0.0
        smallest = min(smallest, used)
    return J.reshape(ev.out_shape + x.shape), float(smallest)


@float_errors_checked
def jacobian(
    f: Function,
    x: npt.ArrayLike,
    method: Method = "central",
    *,
    step: float | None = None,
    max_evals: int | None = None,
    max_bytes: int | None = None,
) -> RealArray:
    """The generalized (mixed-layout) Jacobian of `f` at `x`, by finite differences.

    Parameters
    ----------
    f
        A function of one array of the shape of `x`, returning a number or an
        array of one fixed shape.
    x
        The point. Integers and booleans are converted to float64.
    method
        ``"forward"``, ``"central"`` (default), ``"richardson"`` or ``"complex"``;
        see the module docstring for their error orders and costs.
    step
        Relative step overriding the method's default; Richardson then uses it
        as given instead of adapting it.  A positive finite number, at least
        ``MIN_STEP`` (4ε) for the real-valued methods.
    max_evals
        Budget of evaluations of `f`; default
        :data:`~matderiv.numeric.limits.MAX_EVALUATIONS` (200 000).
    max_bytes
        Budget of memory for the result; default
        :data:`~matderiv.numeric.limits.MAX_BYTES` (1 GiB).

    Returns
    -------
    numpy.ndarray
        ``J`` of shape ``f(x).shape + x.shape`` with ``J[i.., j..] = ∂f_i/∂x_j``.

    Raises
    ------
    ~matderiv.errors.ArgumentError
        A non-callable `f`, a non-numeric or ragged `x`, a bad `step` or budget.
    ~matderiv.errors.BudgetError
        If the call is predicted to exceed `max_evals` or `max_bytes` (checked
        after one evaluation of `f`, before any other work).
    ~matderiv.errors.NumericError
        NaN or inf in `x` or in `f`'s values, an exception raised by `f` (a
        singular matrix, ...), a non-numeric or complex result, or (method
        ``"complex"``) a function that is not complex-step safe.
    ~matderiv.errors.ShapeError
        If `f` returns arrays of different shapes at different points.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> G = jacobian(lambda X: np.trace(X @ X), X, method="richardson")
    >>> np.allclose(G, 2 * X.T)
    True
    >>> jacobian(np.sin, np.zeros(3), method="complex")
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])

    A Jacobian that would not fit the memory budget is refused before numpy
    is asked for it:

    >>> jacobian(lambda X: X @ X, np.ones((1000, 1000)))
    Traceback (most recent call last):
    ...
    matderiv.errors.BudgetError: jacobian by central differences needs ... (7.3 TiB)...
    """
    ev, point, method, h = start(f, x, method, step, max_evals, max_bytes, "jacobian")
    entries = math.prod(ev.out_shape) * point.size
    _budget(ev).require(jacobian_evals(method, point.size), 8 * entries)
    return jacobian_with(ev, point, method, h)


@float_errors_checked
def gradient(
    f: Function,
    x: npt.ArrayLike,
    method: Method = "central",
    *,
    step: float | None = None,
    max_evals: int | None = None,
    max_bytes: int | None = None,
) -> RealArray:
    """The gradient of a scalar-valued `f` at `x`: an array of the shape of `x`.

    Parameters are those of :func:`jacobian`, budgets included: a gradient
    over ``n`` entries costs ``1 + 2n`` evaluations by central differences.

    Raises
    ------
    ~matderiv.errors.ShapeError
        If `f` does not return a scalar.
    ~matderiv.errors.BudgetError
        If the call is predicted to exceed `max_evals` or `max_bytes`.

    Examples
    --------
    >>> gradient(lambda x: x @ x, np.array([3.0, 4.0]))
    array([6., 8.])
    >>> g = gradient(np.sum, np.ones((300, 300)), max_evals=100_000)
    Traceback (most recent call last):
    ...
    matderiv.errors.BudgetError: gradient by central differences needs about 180,001 evaluations ...
    """
    ev, point, method, h = start(f, x, method, step, max_evals, max_bytes, "gradient")
    if ev.out_shape != ():
        raise ShapeError(
            f"gradient needs a scalar-valued f, but f(x) has shape {ev.out_shape}; "
            "use jacobian for vector- or matrix-valued functions"
        )
    _budget(ev).require(jacobian_evals(method, point.size), 8 * point.size)
    return jacobian_with(ev, point, method, h)


@float_errors_checked
def jvp(
    f: Function,
    x: npt.ArrayLike,
    dx: npt.ArrayLike,
    method: Method = "central",
    *,
    step: float | None = None,
    max_evals: int | None = None,
    max_bytes: int | None = None,
) -> RealArray:
    """The directional derivative ``f'(x)[dx] = J dx``, from a few evaluations of `f`.

    Parameters
    ----------
    f, x, method, step, max_evals, max_bytes
        As for :func:`jacobian`.
    dx
        The direction, a finite array of the shape of `x`.

    Returns
    -------
    numpy.ndarray
        ``J dx``, of the shape of ``f(x)``.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [0.0, 1.0]])
    >>> dX = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> np.allclose(jvp(lambda X: X @ X, X, dX), X @ dX + dX @ X)
    True
    """
    direction = as_point(dx, "dx")
    ev, point, method, step = start(f, x, method, step, max_evals, max_bytes, "jvp")
    if direction.shape != point.shape:
        raise ShapeError(
            f"dx has shape {direction.shape} but x has shape {point.shape}; "
            "the direction must have the shape of x"
        )
    _budget(ev).require(jacobian_evals(method, 1), 8 * ev.value.size)
    if method == "complex":
        ensure_complex_safe(ev, point)
    h = direction_step(point, direction, method, step)
    return directional(ev, point, direction, h, method, adapt=step is None)


@float_errors_checked
def hessian(
    f: Function,
    x: npt.ArrayLike,
    method: Method = "central",
    *,
    step: float | None = None,
    max_evals: int | None = None,
    max_bytes: int | None = None,
) -> RealArray:
    """Second derivative of `f` at `x`, shape ``f(x).shape + x.shape + x.shape``.

    ``"central"`` uses the four-point formula
    ``[f(x+hᵢeᵢ+hⱼeⱼ) − f(x+hᵢeᵢ−hⱼeⱼ) − f(x−hᵢeᵢ+hⱼeⱼ) + f(x−hᵢeᵢ−hⱼeⱼ)] / 4hᵢhⱼ``
    with ``h = ε^(1/4)`` (about 1e-6 relative error).  The other methods take
    central differences (Richardson for ``"richardson"``) of that method's
    Jacobian; ``"complex"`` then reaches about 1e-10.  The result is symmetrized
    over the two copies of `x`'s axes.

    The cost grows with the square of ``n = x.size``: ``1 + 2n(n + 1)``
    evaluations for ``"central"`` (5·10⁶ at a 40 × 40 input, over the default
    budget of 200 000), more for the others; see the module docstring.
    Parameters, budgets included, are those of :func:`jacobian`.

    Examples
    --------
    >>> A = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> H = hessian(lambda x: x @ A @ x, np.array([1.0, -1.0]))
    >>> np.allclose(H, A + A.T, atol=1e-6)
    True
    >>> hessian(np.sum, np.ones((40, 40)))
    Traceback (most recent call last):
    ...
    matderiv.errors.BudgetError: hessian by central differences needs about 5,123,201 ...
    """
    ev, point, method, h = start(f, x, method, step, max_evals, max_bytes, "hessian")
    budget = _budget(ev)
    n = point.size
    nbytes = 16 * math.prod(ev.out_shape) * n * n
    if method == "central":
        budget.require(2 * n * (n + 1), nbytes)
        H = _four_point_hessian(ev, point, h)
    else:
        outer: Method = "richardson" if method == "richardson" else "central"
        inner = 1 + jacobian_evals(method, n)
        budget.require(inner * (1 + evals_per_direction(outer) * n), nbytes)
        fn = ev.f
        inner_ev = Evaluator(
            lambda y: jacobian_with(Evaluator(fn, y, budget=budget), y, method),
            point,
            name="the Jacobian of f",
        )
        H = jacobian_with(inner_ev, point, outer, h)
    k = len(ev.out_shape)
    rank = len(point.shape)
    axes = list(range(k)) + list(range(k + rank, k + 2 * rank)) + list(range(k, k + rank))
    H = H + H.transpose(axes)
    H *= 0.5
    return finite_quotient(H, ev, "the Hessian")


def _four_point_hessian(ev: Evaluator, x: RealArray, step: float | None) -> RealArray:
    base = _EPS**0.25 if step is None else float(step)
    flat = x.reshape(-1)
    size = flat.size
    steps = np.maximum(1.0, np.abs(flat)) * base
    H = np.empty((*ev.out_shape, size, size))

    def at(i: int, si: float, j: int, sj: float) -> RealArray:
        point = flat.copy()
        point[i] += si
        point[j] += sj
        return ev.real(point.reshape(x.shape))

    for i in range(size):
        for j in range(i, size):
            hi, hj = steps[i], steps[j]
            value = (
                at(i, hi, j, hj) - at(i, hi, j, -hj) - at(i, -hi, j, hj) + at(i, -hi, j, -hj)
            ) / (4.0 * hi * hj)
            H[..., i, j] = value
            H[..., j, i] = value
    return H.reshape(ev.out_shape + x.shape + x.shape)
