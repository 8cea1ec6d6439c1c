"""Budgets of the numeric API: how many evaluations and bytes a call may use.

Every numeric routine predicts its cost after one evaluation of ``f`` at the
point (which fixes the output shape) and before any other work, and refuses a
call predicted to exceed a budget with :class:`~matderiv.errors.BudgetError`.
The message states the predicted evaluations, bytes and a rough time (from the
one timed evaluation) and the way out.  Evaluations are also counted while the
call runs, so an adaptive method (Richardson shrinking its step) stops at the
budget too.

======================  ===========  ==================================================
budget                  default      raise it with
======================  ===========  ==================================================
``MAX_EVALUATIONS``     200 000      ``max_evals=`` on every call, or set the constant
``MAX_BYTES``           1 GiB        ``max_bytes=`` on every call, or set the constant
``MAX_DIRECTIONS``      1 000        (fixed) the largest ``directions=`` of the checker
``MIN_STEP``            ``4ε``       (fixed) the smallest relative ``step`` (real methods)
======================  ===========  ==================================================

Why these defaults: 200 000 evaluations of a function of a 100 × 100 matrix
take seconds to a minute (about 25 µs to 300 µs each here), enough for a
central-difference gradient of 100 000 entries, a Richardson Jacobian of a
180 × 180 input or a central Hessian of a 15 × 15 input; past that a call
runs for hours (a 1000 × 1000 gradient needs 2·10⁶ evaluations).  1 GiB is
134 million float64 entries, a fraction of the memory of a laptop or a CI
runner (7 GB), so an honest Jacobian fits and a 7 TiB request is refused.
The constants are read at call time: ``matderiv.numeric.limits.MAX_EVALUATIONS
= 10**6`` raises the default for the whole session.

Examples
--------
>>> import numpy as np
>>> from matderiv.numeric import gradient
>>> from matderiv.errors import BudgetError
>>> try:
...     gradient(np.sum, np.ones((1000, 1000)))
... except BudgetError as err:
...     print(str(err).split(" (")[0])
gradient by central differences needs about 2,000,001 evaluations of f
>>> g = gradient(np.sum, np.ones((10, 10)), max_evals=300)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from matderiv.errors import BudgetError

__all__ = [
    "MAX_BYTES",
    "MAX_DIRECTIONS",
    "MAX_EVALUATIONS",
    "MIN_STEP",
    "Budget",
    "evals_per_direction",
    "format_bytes",
    "format_seconds",
]

#: Largest number of evaluations of ``f`` one call may make (``max_evals=`` overrides).
MAX_EVALUATIONS = 200_000
#: Largest memory, in bytes, one call may allocate for its results (``max_bytes=`` overrides).
MAX_BYTES = 2**30
#: Largest ``directions=`` of :func:`~matderiv.numeric.check_derivative`: past a few
#: thousand directions a full Jacobian is cheaper and says more.
MAX_DIRECTIONS = 1_000
#: Smallest relative ``step`` of the real-valued methods: a smaller one vanishes in
#: ``x + h`` (float64 has about 16 digits) and the quotient becomes 0/0.
MIN_STEP = 4.0 * float(np.finfo(np.float64).eps)

#: Evaluations of f per difference quotient along one direction (Richardson: its first try;
#: each of at most 6 step reductions costs 6 more).
_PER_DIRECTION = {"forward": 1, "central": 2, "complex": 1, "richardson": 6}
#: Evaluations of the complex-step safety check (one complex step, one Richardson quotient).
COMPLEX_CHECK_EVALS = 7


def evals_per_direction(method: str) -> int:
    """Evaluations of ``f`` per directional difference quotient of `method`.

    Examples
    --------
    >>> evals_per_direction("richardson")
    6
    """
    return _PER_DIRECTION[method]


def format_bytes(nbytes: float) -> str:
    """A byte count for people: ``"7.3 TiB"``.

    Examples
    --------
    >>> format_bytes(8 * 10**12)
    '7.3 TiB'
    >>> format_bytes(8_000_000)
    '8 MB'
    """
    if nbytes >= 2**30:
        for unit, size in (("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30)):
            if nbytes >= size:
                return f"{nbytes / size:.2g} {unit}"
    for unit, size in (("MB", 10**6), ("kB", 10**3)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{int(nbytes)} bytes"


def format_seconds(seconds: float) -> str:
    """A duration for people: ``"1.7 h"``.

    Examples
    --------
    >>> format_seconds(6100.0)
    '1.7 h'
    >>> format_seconds(0.25)
    '0.25 s'
    """
    units = (("days", 86400.0, 172800.0), ("h", 3600.0, 3600.0), ("min", 60.0, 60.0))
    for unit, size, start in units:
        if seconds >= start:
            return f"{seconds / size:.2g} {unit}"
    return f"{seconds:.2g} s"


@dataclass
class Budget:
    """The evaluations and bytes one call may use, and the evaluations used so far.

    Parameters
    ----------
    max_evals, max_bytes
        The limits (see the module docstring for the defaults).
    what
        The call, as messages name it (``"gradient by central differences"``).
    """

    max_evals: int
    max_bytes: int
    what: str
    used: int = 0
    seconds_per_eval: float = 0.0

    def left(self) -> int:
        """The evaluations still allowed.

        Examples
        --------
        >>> Budget(max_evals=10, max_bytes=0, what="a check", used=7).left()
        3
        """
        return max(self.max_evals - self.used, 0)

    def charge(self) -> None:
        """Count one evaluation; past `max_evals` raise :class:`~matderiv.errors.BudgetError`."""
        self.used += 1
        if self.used > self.max_evals:
            raise BudgetError(
                f"{self.what} has used its budget of {self.max_evals:,} evaluations of f and "
                f"is not done (an adaptive step needed more than predicted); pass "
                f"max_evals={4 * self.max_evals:,} (or more) to continue, or a smaller input"
            )

    def require(self, evals: int, nbytes: int = 0, *, way_out: str = "") -> None:
        """Refuse, before it starts, work predicted to need `evals` more evaluations and `nbytes`.

        Parameters
        ----------
        evals
            Evaluations of ``f`` still to come.
        nbytes
            Bytes the results will occupy.
        way_out
            A cheaper option to suggest besides raising the budget.

        Examples
        --------
        >>> Budget(100, 2**30, "gradient").require(50, 800)
        >>> Budget(100, 2**30, "gradient").require(150, 1200)
        Traceback (most recent call last):
        ...
        matderiv.errors.BudgetError: gradient needs about 150 evaluations of f (1.2 kB); ...
        """
        total = self.used + evals
        if total <= self.max_evals and nbytes <= self.max_bytes:
            return
        cost = f"{self.what} needs about {total:,} evaluations of f ({format_bytes(nbytes)})"
        if self.seconds_per_eval > 0.0 and total > self.max_evals:
            per = self.seconds_per_eval
            cost += (
                f", roughly {format_seconds(total * per)} at {format_seconds(per)} per "
                "evaluation (timed at x)"
            )
        over = []
        if total > self.max_evals:
            over.append(f"the budget of {self.max_evals:,} evaluations")
        if nbytes > self.max_bytes:
            over.append(f"the memory budget of {format_bytes(self.max_bytes)}")
        raises = []
        if total > self.max_evals:
            raises.append(f"max_evals={_round_up(total):,}")
        if nbytes > self.max_bytes:
            raises.append(f"max_bytes={_round_up(nbytes):,}")
        other = f"; or {way_out}" if way_out else ""
        raise BudgetError(
            f"{cost}; that exceeds {' and '.join(over)}. Raise the budget with "
            f"{', '.join(raises)}{other}; or use a smaller input"
        )


def _round_up(value: int) -> int:
    """`value` rounded up to two significant digits, for a suggested budget."""
    if value < 100:
        return value
    scale = 10 ** (int(math.log10(value)) - 1)
    return int(-(-value // scale) * scale)
