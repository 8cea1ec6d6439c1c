"""Check 2 of a rule: the stated derivative against the engine's derivative (or Hessian)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from matderiv.errors import UnsupportedError
from matderiv.rules._evaluation import FloatArray
from matderiv.rules._language import engine_assume, parse_field
from matderiv.rules.instances import projection
from matderiv.rules.model import Rule
from matderiv.symbolic import derive, derive_hessian

__all__ = [
    "ENGINE_ORDER",
    "RTOL_ENGINE",
    "EngineResult",
    "EngineStatus",
    "engine_check",
    "engine_derivative",
    "rule_out_shape",
]

# How the stated derivative compares with the engine's, ordered from the worst
# (documented where matderiv.rules.verify re-exports it).
EngineStatus = Literal["disagrees", "error", "unsupported", "agrees"]
ENGINE_ORDER: tuple[EngineStatus, ...] = ("disagrees", "error", "unsupported", "agrees")
#: Relative tolerance of the comparison with ``derive()`` (two exact formulas in floating point).
RTOL_ENGINE = 1e-8


def rule_out_shape(rule: Rule) -> tuple[Any, ...]:
    """The (symbolic) numpy shape of the rule's expression.

    >>> from matderiv import rules
    >>> rule_out_shape(rules.get("mm-AXB"))
    (p, q)
    """
    return tuple(parse_field(rule, "expr").shape)


EngineResult = tuple[Any, EngineStatus, str]


def engine_derivative(rule: Rule) -> EngineResult:
    """Ask the engine for the rule's derivative once: ``(result, status, message)``.

    The engine's Hessian for second-order rules, ``derive`` for the others.  `result` has
    ``evaluate(**arrays)``; it is ``None`` when the status is ``"unsupported"`` or ``"error"``.
    """
    shapes = {n: tuple(s) for n, s in rule.shapes.items()}
    assume = engine_assume(rule) or None
    if rule.family == "second-order" and len(rule_out_shape(rule)) > 0:
        return (
            None,
            "unsupported",
            (
                "matderiv.derive_hessian takes scalar functions; the second "
                "derivative of an array function is checked numerically only"
            ),
        )
    engine = derive_hessian if rule.family == "second-order" else derive
    try:
        result = engine(rule.expr, wrt=rule.wrt, shapes=shapes, assume=assume)
    except UnsupportedError as exc:
        return None, "unsupported", str(exc).splitlines()[0]
    except Exception as exc:  # an engine failure on a valid input is reported, never hidden
        return None, "error", f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return result, "agrees", ""


def engine_check(
    rule: Rule, engine_result: Any, arrays: Mapping[str, FloatArray], stated: FloatArray
) -> tuple[EngineStatus, str, float]:
    """Compare the stated derivative with the engine's at one instance.

    Returns ``(status, message, relative error)``; status is ``"agrees"``, ``"disagrees"``,
    ``"unsupported"`` or ``"error"`` (the engine failed to evaluate on this valid input).
    """
    try:
        derived = np.asarray(engine_result.evaluate(**arrays), dtype=np.float64)
    except UnsupportedError as exc:
        return "unsupported", str(exc).splitlines()[0], math.nan
    except Exception as exc:  # an engine failure on a valid input is reported, never hidden
        return "error", f"{type(exc).__name__}: {str(exc).splitlines()[0]}", math.nan
    project = projection(rule)
    if project is not None and derived.ndim == 2 and rule.family != "second-order":
        derived = project(derived)
    if derived.shape != stated.shape:
        why = f"derive() returned shape {derived.shape}, stated {stated.shape}"
        return "disagrees", why, math.inf
    scale = max(float(np.max(np.abs(stated), initial=0.0)), 1e-300)
    err = float(np.max(np.abs(derived - stated), initial=0.0)) / scale
    if err <= RTOL_ENGINE or float(np.max(np.abs(derived - stated), initial=0.0)) <= 1e-12:
        return "agrees", f"max relative difference {err:.1e}", err
    return "disagrees", f"max relative difference {err:.3g}", err
