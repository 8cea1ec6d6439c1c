"""Calling the user's function safely: input conversion, output checks, counting.

Every numeric routine evaluates ``f`` through :class:`Evaluator`, so every one
converts the point the same way (integers and booleans become float64), rejects
NaN and inf with the same message, checks that ``f`` returns real arrays of one
shape, counts its evaluations against the call's
:class:`~matderiv.numeric.limits.Budget`, and turns an exception raised by
``f`` into a :class:`~matderiv.errors.NumericError` (numpy's ``LinAlgError``
with the condition number of a square-matrix point): at ``x`` the point is
bad; at a perturbed point the step left ``f``'s domain (:class:`LeftDomain`,
after which Richardson differences retry with a smaller step).
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

from matderiv.errors import MatderivError, NumericError, ShapeError, UnsupportedError
from matderiv.numeric._arguments import as_array, as_function
from matderiv.numeric.limits import Budget

__all__ = [
    "Evaluator",
    "Function",
    "LeftDomain",
    "as_point",
    "call_user",
    "condition_note",
    "describe_nonfinite",
    "float_errors_checked",
]

Function = Callable[[Any], Any]
RealArray = npt.NDArray[np.float64]
ComplexArray = npt.NDArray[np.complex128]


_P = ParamSpec("_P")
_R = TypeVar("_R")


def float_errors_checked(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `function` with numpy's floating-point warnings off.

    Overflow, 0/0 and division by zero in a difference quotient are not
    warnings to the user: the routines check their results for NaN and inf
    and raise :class:`NumericError` saying where they arose.
    """

    @functools.wraps(function)
    def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)

    return checked


def finite_quotient(value: RealArray, ev: Evaluator, what: str) -> RealArray:
    """Return `value` if finite, else raise :class:`NumericError` (the differences overflowed).

    Examples
    --------
    >>> x = np.array([1e300])
    >>> finite_quotient(np.array([np.inf]), Evaluator(np.sum, x), "the derivative")
    Traceback (most recent call last):
    ...
    matderiv.errors.NumericError: the derivative contains inf at index (0,): ...
    """
    if np.all(np.isfinite(value)):
        return value
    xmax = float(np.max(np.abs(ev.x), initial=0.0))
    fmax = float(np.max(np.abs(ev.value), initial=0.0))
    raise NumericError(
        f"{what} contains {describe_nonfinite(value)}: the finite differences overflowed "
        f"float64 (max |x| = {xmax:.3g}, max |{ev.name}(x)| = {fmax:.3g}) or {ev.name} is not "
        f"smooth at x; rescale x or {ev.name} to moderate magnitudes"
    )


class LeftDomain(NumericError):
    """f is NaN or inf at a perturbed point (the step left its domain), though finite at x."""


def describe_nonfinite(array: npt.NDArray[Any]) -> str:
    """Say where an array holds NaN or inf, e.g. ``"NaN at index (0, 1)"``."""
    bad = np.argwhere(~np.isfinite(array))
    index = tuple(int(i) for i in bad[0])
    value = array[index] if array.ndim else array[()]
    kind = "NaN" if np.isnan(value) else "inf"
    more = f" (and {len(bad) - 1} more entries)" if len(bad) > 1 else ""
    return f"{kind} at index {index}{more}"


def as_point(x: npt.ArrayLike, name: str = "x") -> RealArray:
    """Return `x` as a float64 array (a copy), rejecting complex, non-numeric or non-finite x.

    Integers and booleans are converted to float64: a derivative needs a
    real-valued point to perturb.

    Examples
    --------
    >>> as_point([1, 2])
    array([1., 2.])
    """
    array = as_array(x, name)
    if array.dtype.kind == "c":
        raise UnsupportedError(
            f"{name} is complex; matderiv differentiates real functions of real arrays "
            "(method='complex' makes x complex internally): pass a real x"
        )
    point = np.array(array, dtype=np.float64)
    if not np.all(np.isfinite(point)):
        raise NumericError(
            f"{name} contains {describe_nonfinite(point)}; a derivative needs a finite point"
        )
    return point


#: Condition numbers are estimated (one SVD) only for square matrices up to this many entries.
_CONDITION_MAX_ENTRIES = 250_000


def condition_note(x: RealArray, name: str = "x") -> str:
    """Say how close a square-matrix point is to singular (empty for other shapes).

    Examples
    --------
    >>> condition_note(np.array([[1.0, 2.0], [2.0, 4.0]]))
    'x is a 2×2 matrix singular to working precision (condition number inf or above 1e16)'
    >>> condition_note(np.ones(3))
    ''
    """
    if x.ndim < 2 or x.shape[-1] != x.shape[-2] or not 0 < x.size <= _CONDITION_MAX_ENTRIES:
        return ""
    try:
        with np.errstate(all="ignore"):
            cond = float(np.max(np.linalg.cond(x)))
    except np.linalg.LinAlgError:  # the SVD did not converge
        return ""
    size = f"{x.shape[-2]}×{x.shape[-1]} matrix" + (
        f" (a stack of {x.size // (x.shape[-1] ** 2)})" if x.ndim > 2 else ""
    )
    if not np.isfinite(cond) or cond > 1e16:
        return (
            f"{name} is a {size} singular to working precision (condition number inf or above 1e16)"
        )
    return f"{name} is a {size} with condition number {cond:.2g}"


def call_user(fn: Callable[[Any], Any], arg: npt.NDArray[Any], name: str, where: str) -> Any:
    """``fn(arg)``, turning an exception other than a :class:`MatderivError` into NumericError.

    ``LinAlgError`` is reported as a singular matrix, with the condition
    number of `arg` when it is a square matrix.  Used for the claimed
    derivatives of the checker; :class:`Evaluator` handles ``f``.
    """
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return fn(arg.copy())
    except MatderivError:
        raise
    except Exception as exc:
        raise NumericError(_raised(exc, name, where, arg)) from exc


def _raised(exc: Exception, name: str, where: str, point: npt.NDArray[Any]) -> str:
    """The message for `name` raising `exc` at `where`."""
    what = f"{name} raised {type(exc).__name__} at {where} ({exc})"
    if isinstance(exc, np.linalg.LinAlgError):
        note = condition_note(np.asarray(point.real, dtype=np.float64))
        inside = note or "a matrix f builds from x is singular"
        return (
            f"{what}: {inside}. Evaluate at a point away from the singular set (for a "
            "matrix, e.g. X + c·I; for X.T @ X, an X with at least as many rows as columns)"
        )
    return (
        f"{what}; {name} must accept a float64 array of shape {point.shape} and return a "
        "number or an array of numbers"
    )


class Evaluator:
    """Evaluate `f` at perturbed points, checking and counting every call.

    Parameters
    ----------
    f
        The function; called with one numpy array of the shape of `x`.
    x
        The (float64) point; ``f(x)`` is evaluated once on construction and
        fixes the output shape.
    name
        How messages refer to the function.
    """

    def __init__(
        self, f: Function, x: RealArray, name: str = "f", budget: Budget | None = None
    ) -> None:
        self.f = as_function(f, name)
        self.x = x
        self.name = name
        self.n_evals = 0
        self.budget = budget
        self._condition: str | None = None
        #: Largest |f| over every real evaluation so far (the scale of round-off in f).
        self.fmax = 0.0
        #: The noise of f's values where it was measured (:mod:`matderiv.numeric._noise`),
        #: 0.0 until then: f may be computed less accurately than ε·|f| (a cancellation).
        self.noise = 0.0
        start = time.perf_counter()
        self.value = self.real(x, where="x")
        if budget is not None:
            budget.seconds_per_eval = time.perf_counter() - start
        self.out_shape: tuple[int, ...] = self.value.shape

    def condition(self) -> str:
        """:func:`condition_note` of the point, computed once."""
        if self._condition is None:
            self._condition = condition_note(self.x)
        return self._condition

    def _call(self, point: npt.NDArray[Any], where: str, *, complex_step: bool = False) -> Any:
        if self.budget is not None:
            self.budget.charge()
        self.n_evals += 1
        try:
            # NaN and inf are reported by the checks below, with where they arose
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return self.f(point.copy())
        except MatderivError:
            raise
        except Exception as exc:
            if complex_step:
                raise  # reported by complex() as not complex-step safe
            if where == "x":
                raise NumericError(_raised(exc, self.name, "x", point)) from exc
            note = self.condition()
            raise LeftDomain(
                f"{self.name} raised {type(exc).__name__} at {where} ({exc}) though not at x: "
                f"the step left {self.name}'s domain{'; ' + note if note else ''}. Move x away "
                "from the boundary (or the singular set), or pass a smaller step"
            ) from exc

    def _checked(self, point: npt.NDArray[Any], where: str, *, complex_step: bool = False) -> Any:
        result = self._call(point, where, complex_step=complex_step)
        try:
            array = np.asarray(result)
        except (ValueError, TypeError) as exc:  # ragged lists
            raise NumericError(
                f"{self.name} returned {type(result).__name__} that is not a rectangular "
                f"array ({exc}); {self.name} must return a number or a numpy array"
            ) from exc
        if array.dtype.kind not in "biufc":
            raise NumericError(
                f"{self.name} returned {type(result).__name__} (dtype {array.dtype}); "
                f"{self.name} must return a number or a numpy array of numbers"
            )
        expected = getattr(self, "out_shape", None)
        if expected is not None and array.shape != expected:
            raise ShapeError(
                f"{self.name} returned shape {array.shape} at a perturbed point but "
                f"{expected} at x; {self.name} must return arrays of one shape"
            )
        return array

    def real(self, point: RealArray, where: str = "a perturbed point") -> RealArray:
        """``f(point)`` as float64; complex or non-finite results raise :class:`NumericError`."""
        array = self._checked(point, where)
        if array.dtype.kind == "c":
            raise NumericError(
                f"{self.name} returned complex values at real {where}; matderiv "
                f"differentiates real functions: make {self.name} return real arrays"
            )
        value = np.asarray(array, dtype=np.float64)
        # one pass: the largest |f| is NaN or inf exactly when some entry is
        if value.size == 1:
            largest = abs(float(value.reshape(-1)[0]))
        else:
            largest = float(np.abs(value).max()) if value.size else 0.0
        if not math.isfinite(largest):
            found = f"{self.name}({where}) contains {describe_nonfinite(value)}"
            note = self.condition()
            if where == "x":
                raise NumericError(
                    f"{found}; a derivative needs a point where {self.name} is finite"
                    f"{' (' + note + ')' if note else ''}: move x into {self.name}'s domain"
                )
            raise LeftDomain(
                f"{found}; the step left {self.name}'s domain{'; ' + note if note else ''}: "
                "move x away from the boundary or pass a smaller step"
            )
        self.fmax = max(self.fmax, largest)
        return value

    def complex(self, point: ComplexArray) -> ComplexArray:
        """``f(point)`` at a complex point, for the complex-step method.

        A function that refuses complex input (a ``TypeError``, a numpy
        ``ComplexWarning``, any other exception) raises :class:`NumericError`
        suggesting ``"central"``.
        """
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
                array = self._checked(point, "a complex-step point", complex_step=True)
        except MatderivError:
            raise
        except Exception as exc:  # TypeError, ComplexWarning, anything f does with complex input
            raise NumericError(
                f"{self.name} is not complex-step safe: it failed on a complex input "
                f"({type(exc).__name__}: {exc}); use method='central'"
            ) from exc
        value = np.asarray(array, dtype=np.complex128)
        if not np.all(np.isfinite(value)):
            raise NumericError(
                f"{self.name} at a complex-step point contains {describe_nonfinite(value)}; "
                "use method='central'"
            )
        return value
