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

import math

import numpy.typing as npt

from matderiv.errors import ShapeError
from matderiv.numeric._budgeting import budget_of, jacobian_evals, start
from matderiv.numeric._evaluate import (
    Evaluator,
    Function,
    RealArray,
    as_point,
    finite_quotient,
    float_errors_checked,
)
from matderiv.numeric._jacobian import four_point_hessian, jacobian_with
from matderiv.numeric._jacobian import jacobian_and_step as jacobian_and_step
from matderiv.numeric._schemes import METHODS as _METHODS
from matderiv.numeric._schemes import RICHARDSON_RETRIES as RICHARDSON_RETRIES
from matderiv.numeric._schemes import RICHARDSON_TARGET as RICHARDSON_TARGET
from matderiv.numeric._schemes import ROUNDOFF_GAIN as ROUNDOFF_GAIN
from matderiv.numeric._schemes import (
    Method,
    as_method,
    default_step,
    direction_step,
    directional,
    ensure_complex_safe,
)
from matderiv.numeric._schemes import difference as difference
from matderiv.numeric._schemes import roundoff_floor as roundoff_floor
from matderiv.numeric.limits import evals_per_direction

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

#: The names of the differencing methods, as accepted by ``method=``.
METHODS: tuple[str, ...] = _METHODS


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
    >>> import numpy as np
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
    budget_of(ev).require(jacobian_evals(method, point.size), 8 * entries)
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
    >>> import numpy as np
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
    budget_of(ev).require(jacobian_evals(method, point.size), 8 * point.size)
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
    >>> import numpy as np
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
    budget_of(ev).require(jacobian_evals(method, 1), 8 * ev.value.size)
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
    >>> import numpy as np
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
    budget = budget_of(ev)
    n = point.size
    nbytes = 16 * math.prod(ev.out_shape) * n * n
    if method == "central":
        budget.require(2 * n * (n + 1), nbytes)
        H = four_point_hessian(ev, point, h)
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
