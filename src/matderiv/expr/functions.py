"""The elementwise functions of the language, one stanza each.

Each entry says, in one place, what the function is in SymPy (for scalars),
what its derivative is entrywise (as a matrix expression of the same shape),
how numpy computes it (a callable and source text) and how LaTeX shows it.
The parser, the code generator, the LaTeX printer and the differential rules
all read this table; adding a function is adding a stanza.

Examples
--------
>>> import numpy as np
>>> f = ELEMENTWISE["sigmoid"]
>>> float(f.numpy(np.array(0.0)))
0.5
>>> f.numpy_source.format("z")
'0.5 * (1.0 + np.tanh(0.5 * z))'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from matderiv.expr.nodes import Elementwise

__all__ = ["ELEMENTWISE", "ElementwiseFunction"]


@dataclass(frozen=True)
class ElementwiseFunction:
    """One elementwise function of the language.

    Attributes
    ----------
    name
        The name used in expressions (``tanh``).
    scalar
        The function applied to a SymPy scalar.
    derivative
        ``Z -> f'(Z)`` entrywise, a matrix expression of Z's shape.
    numpy
        The numpy implementation.
    numpy_source
        The numpy source, a template with ``{0}`` for the argument.
    latex
        The LaTeX operator name.
    domain
        ``"positive"`` when the function needs positive entries, else ``None``.
    """

    name: str
    scalar: Callable[[Any], Any]
    derivative: Callable[[Any], Any]
    numpy: Callable[[Any], Any]
    numpy_source: str
    latex: str
    domain: str | None = None


def _ones(z: Any) -> Any:
    return sp.OneMatrix(*z.shape)


def _sigmoid_np(z: Any) -> Any:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _step_np(z: Any) -> Any:
    return np.heaviside(z, 0.0)


_TABLE = [
    ElementwiseFunction(
        "exp", sp.exp, lambda z: Elementwise("exp", z), np.exp, "np.exp({0})", r"\exp"
    ),
    ElementwiseFunction(
        "log",
        sp.log,
        lambda z: sp.HadamardPower(z, -1),
        np.log,
        "np.log({0})",
        r"\log",
        "positive",
    ),
    ElementwiseFunction(
        "sin", sp.sin, lambda z: Elementwise("cos", z), np.sin, "np.sin({0})", r"\sin"
    ),
    ElementwiseFunction(
        "cos", sp.cos, lambda z: -Elementwise("sin", z), np.cos, "np.cos({0})", r"\cos"
    ),
    ElementwiseFunction(
        "tanh",
        sp.tanh,
        lambda z: _ones(z) - sp.HadamardPower(Elementwise("tanh", z), 2),
        np.tanh,
        "np.tanh({0})",
        r"\tanh",
    ),
    ElementwiseFunction(
        "sqrt",
        sp.sqrt,
        lambda z: sp.Rational(1, 2) * sp.HadamardPower(Elementwise("sqrt", z), -1),
        np.sqrt,
        "np.sqrt({0})",
        r"\sqrt",
        "positive",
    ),
    ElementwiseFunction(
        "sigmoid",
        lambda t: 1 / (1 + sp.exp(-t)),
        lambda z: sp.HadamardProduct(
            Elementwise("sigmoid", z), _ones(z) - Elementwise("sigmoid", z)
        ),
        _sigmoid_np,
        "0.5 * (1.0 + np.tanh(0.5 * {0}))",
        r"\sigma",
    ),
    ElementwiseFunction(
        "softplus",
        lambda t: sp.log(1 + sp.exp(t)),
        lambda z: Elementwise("sigmoid", z),
        lambda z: np.logaddexp(0.0, z),
        "np.logaddexp(0.0, {0})",
        r"\operatorname{softplus}",
    ),
    ElementwiseFunction(
        "relu",
        lambda t: sp.Max(t, 0),
        lambda z: Elementwise("step", z),
        lambda z: np.maximum(z, 0.0),
        "np.maximum({0}, 0.0)",
        r"\operatorname{relu}",
    ),
    ElementwiseFunction(
        "step",
        lambda t: sp.Heaviside(t, 0),
        lambda z: sp.ZeroMatrix(*z.shape),
        _step_np,
        "np.heaviside({0}, 0.0)",
        r"\operatorname{step}",
    ),
]

#: The elementwise functions by name.
ELEMENTWISE: dict[str, ElementwiseFunction] = {f.name: f for f in _TABLE}
