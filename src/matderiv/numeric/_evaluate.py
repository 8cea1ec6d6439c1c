"""Calling the user's function safely: input conversion, output checks, counting.

Every numeric routine evaluates ``f`` through :class:`Evaluator`, so every one
converts the point the same way (integers and booleans become float64), rejects
NaN and inf with the same message, checks that ``f`` returns real arrays of one
shape, and counts its evaluations.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from matderiv.errors import NumericError, ShapeError, UnsupportedError

__all__ = ["Evaluator", "Function", "LeftDomain", "as_point", "describe_nonfinite"]

Function = Callable[[Any], Any]
RealArray = npt.NDArray[np.float64]
ComplexArray = npt.NDArray[np.complex128]


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


def as_point(x: npt.ArrayLike) -> RealArray:
    """Return `x` as a float64 array (a copy), rejecting complex, non-numeric or non-finite x.

    Integers and booleans are converted to float64: a derivative needs a
    real-valued point to perturb.

    Examples
    --------
    >>> as_point([1, 2])
    array([1., 2.])
    """
    array = np.asarray(x)
    if array.dtype.kind == "c":
        raise UnsupportedError(
            "x is complex; matderiv differentiates real functions of real arrays "
            "(method='complex' makes x complex internally): pass a real x"
        )
    if array.dtype.kind not in "biuf":
        raise NumericError(
            f"x must be a number or an array of numbers, got dtype {array.dtype} "
            f"({type(x).__name__})"
        )
    point = np.array(array, dtype=np.float64)
    if not np.all(np.isfinite(point)):
        raise NumericError(
            f"x contains {describe_nonfinite(point)}; a derivative needs a finite point"
        )
    return point


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

    def __init__(self, f: Function, x: RealArray, name: str = "f") -> None:
        self.f = f
        self.x = x
        self.name = name
        self.n_evals = 0
        self.value = self.real(x, where="x")
        self.out_shape: tuple[int, ...] = self.value.shape

    def _call(self, point: npt.NDArray[Any]) -> npt.NDArray[Any]:
        self.n_evals += 1
        # NaN and inf are reported by the checks below, with where they arose
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result = self.f(point.copy())
        try:
            array = np.asarray(result)
        except ValueError as exc:  # ragged lists
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
        array = self._call(point)
        if array.dtype.kind == "c":
            raise NumericError(
                f"{self.name} returned complex values at real {where}; matderiv "
                f"differentiates real functions: make {self.name} return real arrays"
            )
        value = np.asarray(array, dtype=np.float64)
        if not np.all(np.isfinite(value)):
            found = f"{self.name}({where}) contains {describe_nonfinite(value)}"
            if where == "x":
                raise NumericError(f"{found}; a derivative needs a point where f is finite")
            raise LeftDomain(
                f"{found}; the step left f's domain: move x away from the boundary "
                "or pass a smaller step"
            )
        return value

    def complex(self, point: ComplexArray) -> ComplexArray:
        """``f(point)`` at a complex point, for the complex-step method.

        A function that refuses complex input (a ``TypeError``, a numpy
        ``ComplexWarning``) raises :class:`NumericError` suggesting ``"central"``.
        """
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
                array = self._call(point)
        except (TypeError, np.exceptions.ComplexWarning) as exc:
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
