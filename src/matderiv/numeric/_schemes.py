"""The difference schemes: forward, central, Richardson and complex step along one direction.

Each scheme turns evaluations of ``f`` near ``x`` into a difference quotient for
``J d``; this module holds the schemes, their default relative steps, their
round-off floors, Richardson's adaptive step and the complex-step safety check.
The public functions built on them, and the table of methods, are in
:mod:`matderiv.numeric.differences`.
"""

from __future__ import annotations

import itertools
from typing import Any, Literal, get_args

import numpy as np

from matderiv.errors import NumericError, UnsupportedError
from matderiv.numeric._evaluate import Evaluator, LeftDomain, RealArray, finite_quotient

__all__ = [
    "EPS",
    "METHODS",
    "RICHARDSON_RETRIES",
    "RICHARDSON_TARGET",
    "ROUNDOFF_GAIN",
    "Method",
    "as_method",
    "base_step",
    "default_step",
    "difference",
    "direction_step",
    "directional",
    "ensure_complex_safe",
    "roundoff_floor",
]

Method = Literal["forward", "central", "complex", "richardson"]
# the names of the methods (documented where matderiv.numeric.differences re-exports them)
METHODS: tuple[str, ...] = get_args(Method)

#: The float64 machine epsilon.
EPS = float(np.finfo(np.float64).eps)
_DEFAULT_STEP: dict[str, float] = {
    "forward": EPS**0.5,
    "central": EPS ** (1.0 / 3.0),
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
    """The relative step of `method` (see :mod:`matderiv.numeric.differences`).

    Examples
    --------
    >>> default_step("central")  # ε^(1/3)
    6.055e-06
    """
    return _DEFAULT_STEP[as_method(method)]


def base_step(method: Method, step: float | None) -> float:
    """`step` if the caller chose one, else the default relative step of `method`.

    Examples
    --------
    >>> base_step("forward", None) == default_step("forward"), base_step("forward", 1e-4)
    (True, 0.0001)
    """
    return _DEFAULT_STEP[method] if step is None else float(step)


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
    ``|f(x)|``: where ``f(x) ≈ 0`` the values at ``x ± h`` carry the round-off; or by the
    noise measured in ``f``'s values (``ev.noise``), when that is larger.
    """
    return 100.0 * ROUNDOFF_GAIN[method] * max(EPS * ev.fmax, ev.noise) / h


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
    base = base_step(method, step)
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
        float(np.max(np.abs(ref), initial=0.0)), EPS * float(np.max(np.abs(ev.value), initial=1.0))
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
