"""The bounds on numeric constants of the expression language (float64 range).

matderiv computes with float64 arrays, so every number of an expression must be
a float64 number: each literal and each constant the reader folds (``2 ** 10``,
``3 * 0.5``, the numeric factor of ``(2 ** 100 * c) ** 4``) is checked here, and
a power is sized *before* it is computed, so ``((2**64)**64)**64`` is refused at
once instead of computing a number of millions of digits.

=====================  ==============================  ==========================
limit                  value                           refused with
=====================  ==============================  ==========================
:data:`MAX_CONSTANT`   1.7976931348623157e308          ParseError, caret at it
                       (``sys.float_info.max``)
:data:`MIN_CONSTANT`   4.9e-324 (the smallest          ParseError
                       positive float64; 0 is fine)
:data:`MAX_EXPONENT`   1000 (``|k|`` of ``a ** k``)    ParseError
:data:`EXACT_BITS`     1100 (exact rationals; larger   not an error: the power
                       exact powers are folded as      is folded in floating
                       floats)                         point (``0.9 ** 1000``)
=====================  ==============================  ==========================

Examples
--------
>>> import sympy as sp
>>> constant_problem(sp.Integer(10) ** 400)
'1.00e+400 is larger in magnitude than the largest float64 (1.80e+308)'
>>> power_plan(sp.Integer(2), sp.Integer(4096))[0]
'2**4096 would be about 1.04e+1233, larger in magnitude than the largest float64 (1.80e+308)'
>>> power_plan(sp.Rational(9, 10), sp.Integer(1000))
(None, False)
"""

from __future__ import annotations

import math
import sys
from typing import Any

import sympy as sp

__all__ = [
    "EXACT_BITS",
    "MAX_CONSTANT",
    "MAX_EXPONENT",
    "MIN_CONSTANT",
    "constant_problem",
    "power_plan",
]

#: The largest magnitude of a constant: the largest float64.
MAX_CONSTANT = sys.float_info.max
#: The smallest non-zero magnitude of a constant: the smallest positive (subnormal) float64.
MIN_CONSTANT = sys.float_info.min * sys.float_info.epsilon
#: The largest ``|k|`` of a numeric exponent ``a ** k``.
MAX_EXPONENT = 1000
#: Bits of the numerator or denominator up to which a constant power is folded exactly.
EXACT_BITS = 1100

_MAX_INT = int(MAX_CONSTANT)
_MIN_RECIPROCAL = 2**1074  # 1 / MIN_CONSTANT, exactly
_LOG2_MAX = math.log2(MAX_CONSTANT)
_LOG2_MIN = math.log2(MIN_CONSTANT)
_LARGEST = f"the largest float64 ({MAX_CONSTANT:.2e})"
_SMALLEST = f"the smallest float64 ({MIN_CONSTANT:.2e})"


def _scientific(log10: float, negative: bool = False) -> str:
    """``1.00e+400`` from log10 |value| (no digit string of a huge number is ever made)."""
    whole = math.floor(log10)
    mantissa = round(10 ** (log10 - whole), 2)
    if mantissa >= 10:
        mantissa, whole = mantissa / 10, whole + 1
    return f"{'-' if negative else ''}{mantissa:.2f}e{whole:+d}"


def _number(value: Any) -> str:
    """A short text of a number (scientific notation past 15 digits or for floats)."""
    if isinstance(value, sp.Integer) and abs(value) < 10**15:
        return str(value)
    small = isinstance(value, sp.Rational) and abs(value.p) < 10**15 and value.q < 10**15
    if small and not isinstance(value, sp.Integer):
        return f"({value})"
    if value == 0:
        return "0"
    return _scientific(_log2(value) * math.log10(2), value < 0)


def _log2(value: Any) -> float:
    """log2 |value| of a non-zero SymPy number, without computing anything large."""
    if isinstance(value, sp.Rational):
        return math.log2(abs(int(value.p))) - math.log2(int(value.q))
    return float(sp.log(sp.Abs(value)).evalf(17)) / math.log(2)


def _outside(log2: float, negative: bool = False) -> str | None:
    shown = _scientific(log2 * math.log10(2), negative)
    if log2 > _LOG2_MAX:
        return f"{shown} is larger in magnitude than {_LARGEST}"
    if log2 < _LOG2_MIN:
        return f"{shown} is smaller in magnitude than {_SMALLEST}"
    return None


def constant_problem(value: Any) -> str | None:
    """What is wrong with the numeric constant `value` (None when it is a float64 number).

    Parameters
    ----------
    value
        A SymPy number: an Integer, Rational or Float, or a closed form such as
        ``exp(1000)`` (evaluated to 15 digits).

    Returns
    -------
    str or None
        A phrase saying why `value` is outside float64, for an error message.
    """
    if value == 0:
        return None
    if isinstance(value, sp.Rational):
        p, q = abs(int(value.p)), int(value.q)
        if p > _MAX_INT * q or p * _MIN_RECIPROCAL < q:
            return _outside(_log2(value), value < 0)
        return None
    if not isinstance(value, sp.Float):
        value = value.evalf(15)
        if not isinstance(value, sp.Float) or value == 0:
            return None  # not a plain real number: the reader's other checks judge it
    if abs(value) > MAX_CONSTANT or abs(value) < MIN_CONSTANT:
        return _outside(_log2(value), value < 0)
    return None


def power_plan(base: Any, exponent: Any) -> tuple[str | None, bool]:
    """Whether ``base ** exponent`` of two SymPy numbers may be folded, and how.

    The size is computed from logarithms before the power is.

    Returns
    -------
    tuple
        ``(problem, exact)``: `problem` is a phrase saying why the power is
        outside float64 (None when it is fine); `exact` is True when the exact
        value is small (at most :data:`EXACT_BITS` bits in numerator and
        denominator), False when the power should be folded in floating point.
    """
    if base == 0 or exponent == 0 or abs(base) == 1:
        return None, True
    try:
        log2 = _log2(base) * float(exponent)
    except (TypeError, ValueError):  # not a real number: the reader's other checks judge it
        return None, True
    problem = _outside(log2)
    if problem is not None:
        about = problem.replace(" is ", ", ", 1)
        return f"{_number(base)}**{_number(exponent)} would be about {about}", False
    if isinstance(base, sp.Rational) and isinstance(exponent, sp.Integer):
        bits = max(math.log2(abs(int(base.p))), math.log2(int(base.q))) * abs(int(exponent))
        return None, bits <= EXACT_BITS
    return None, True
