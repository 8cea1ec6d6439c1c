"""The outcome of a derivative check: :class:`CheckResult`.

Built by :func:`matderiv.numeric.check.check_derivative`; a value object that
validates its own fields, is truthy when the check passed and prints as one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matderiv.errors import ArgumentError
from matderiv.numeric._arguments import as_count, shown
from matderiv.numeric._schemes import METHODS

__all__ = ["CheckResult"]


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
