"""Validation of the numeric API's arguments, before any work.

One small function per kind of argument, shared by every entry point
(:func:`~matderiv.numeric.jacobian`, :func:`~matderiv.numeric.gradient`,
:func:`~matderiv.numeric.hessian`, :func:`~matderiv.numeric.jvp`,
:func:`~matderiv.numeric.check_derivative`, ...).  Each returns the argument in
canonical form or raises :class:`~matderiv.errors.ArgumentError` naming the
argument, what was wrong and what to pass instead.

Examples
--------
>>> as_count(3, "directions", low=0, high=10)
3
>>> as_count(1.5, "directions", low=0, high=10)
Traceback (most recent call last):
...
matderiv.errors.ArgumentError: directions must be an integer, got 1.5 (float); ...
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from matderiv.errors import ArgumentError
from matderiv.numeric import limits

__all__ = [
    "as_array",
    "as_budget",
    "as_count",
    "as_flag",
    "as_function",
    "as_seed",
    "as_step",
    "as_tolerance",
    "shown",
]


def shown(value: Any) -> str:
    """`value` and its type for a message, on one line and shortened: ``"'3' (str)"``.

    Examples
    --------
    >>> shown(np.zeros((2, 3), dtype=object))
    'an array of shape (2, 3) (ndarray)'
    """
    if isinstance(value, np.ndarray) and value.ndim:
        return f"an array of shape {value.shape} ({type(value).__name__})"
    text = " ".join(repr(value).split())
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def as_function(f: Any, name: str = "f") -> Callable[[Any], Any]:
    """Return `f` if it is callable, else raise :class:`ArgumentError`.

    Examples
    --------
    >>> as_function("x @ x")
    Traceback (most recent call last):
    ...
    matderiv.errors.ArgumentError: f must be a function of one array, got 'x @ x' (str); ...
    """
    if callable(f):
        return f  # type: ignore[no-any-return]
    hint = (
        "; matderiv never evaluates text: for an expression use matderiv.derive(...).check()"
        if isinstance(f, str)
        else ""
    )
    raise ArgumentError(
        f"{name} must be a function of one array, got {shown(f)}; pass a callable such as "
        f"lambda x: x @ x{hint}"
    )


def as_array(value: Any, name: str) -> npt.NDArray[Any]:
    """`value` as a numpy array of numbers (bool, integer, real or complex).

    Ragged nested lists, objects and strings raise :class:`ArgumentError`.

    Examples
    --------
    >>> as_array([1, 2], "x")
    array([1, 2])
    >>> as_array([[1.0, 2.0], [3.0]], "x")
    Traceback (most recent call last):
    ...
    matderiv.errors.ArgumentError: x is not a rectangular array of numbers ...
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged lists, objects refusing conversion
        raise ArgumentError(
            f"{name} is not a rectangular array of numbers ({exc}); pass a number or a numpy "
            "array whose rows all have the same length"
        ) from exc
    if array.dtype.kind not in "biufc":
        raise ArgumentError(
            f"{name} must be a number or an array of numbers, got {shown(value)} with dtype "
            f"{array.dtype}; pass a float array, e.g. np.asarray({name}, dtype=float)"
        )
    return array


def _is_real_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def as_step(step: Any, method: str) -> float | None:
    """`step` as a positive float (``None`` keeps the method's default).

    The real-valued methods need ``step >= MIN_STEP`` (4ε): a smaller relative
    step vanishes in ``x + h``.

    Examples
    --------
    >>> as_step(1e-4, "central")
    0.0001
    >>> as_step(-1.0, "central")
    Traceback (most recent call last):
    ...
    matderiv.errors.ArgumentError: step must be a positive finite number, got -1.0 (float); ...
    """
    if step is None:
        return None
    if not _is_real_number(step) or not np.isfinite(float(step)) or float(step) <= 0.0:
        raise ArgumentError(
            f"step must be a positive finite number, got {shown(step)}; pass a relative step "
            "such as 1e-6, or step=None for the method's default"
        )
    value = float(step)
    if method != "complex" and value < limits.MIN_STEP:
        raise ArgumentError(
            f"step={value:g} is below MIN_STEP = {limits.MIN_STEP:.3g} for method={method!r}: "
            "x + step·x would round to x; pass a larger step (the default is usually best), "
            "or method='complex', which has no such limit"
        )
    return value


def as_count(value: Any, name: str, *, low: int, high: int | None = None, hint: str = "") -> int:
    """`value` as an ``int`` in ``[low, high]``; bools, floats and strings are refused.

    Examples
    --------
    >>> as_count(np.int64(4), "directions", low=0)
    4
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ArgumentError(
            f"{name} must be an integer, got {shown(value)}; pass a whole number{hint}"
        )
    number = int(value)
    if number < low or (high is not None and number > high):
        bound = f"between {low:,} and {high:,}" if high is not None else f"at least {low:,}"
        raise ArgumentError(f"{name} must be {bound}, got {number:,}{hint}")
    return number


def as_tolerance(value: Any, name: str) -> float:
    """`value` as a finite float ``>= 0`` (``rtol``, ``atol``).

    Examples
    --------
    >>> as_tolerance(1e-6, "rtol")
    1e-06
    >>> as_tolerance(float("nan"), "rtol")
    Traceback (most recent call last):
    ...
    matderiv.errors.ArgumentError: rtol must be a finite number >= 0, got nan (float); ...
    """
    if not _is_real_number(value) or not np.isfinite(float(value)) or float(value) < 0.0:
        raise ArgumentError(
            f"{name} must be a finite number >= 0, got {shown(value)}; a negative or NaN "
            "tolerance would fail every derivative, a correct one included. Pass e.g. "
            f"{name}=1e-6"
        )
    return float(value)


def as_seed(seed: Any) -> int:
    """`seed` as a non-negative ``int`` for :func:`numpy.random.default_rng`.

    Examples
    --------
    >>> as_seed(-1)
    Traceback (most recent call last):
    ...
    matderiv.errors.ArgumentError: seed must be at least 0, got -1; pass seed=0 or another ...
    """
    return as_count(seed, "seed", low=0, hint="; pass seed=0 or another non-negative integer")


def as_flag(value: Any, name: str, *, allow_none: bool = False) -> bool | None:
    """`value` as ``True``/``False`` (or ``None`` when allowed); nothing else is a flag.

    Examples
    --------
    >>> as_flag(np.True_, "full")
    True
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    choices = "True, False or None" if allow_none else "True or False"
    raise ArgumentError(f"{name} must be {choices}, got {shown(value)}")


def as_budget(max_evals: Any, max_bytes: Any, what: str) -> limits.Budget:
    """The :class:`~matderiv.numeric.limits.Budget` of a call (``None``: the module defaults).

    Examples
    --------
    >>> as_budget(None, None, "gradient").max_evals == limits.MAX_EVALUATIONS
    True
    """
    evals = limits.MAX_EVALUATIONS if max_evals is None else max_evals
    nbytes = limits.MAX_BYTES if max_bytes is None else max_bytes
    return limits.Budget(
        max_evals=as_count(evals, "max_evals", low=1, hint="; or max_evals=None for the default"),
        max_bytes=as_count(nbytes, "max_bytes", low=1, hint="; or max_bytes=None for the default"),
        what=what,
    )
