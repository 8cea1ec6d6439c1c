"""The elementwise functions of the language, one stanza each.

Each entry says, in one place, what the function is in SymPy (for scalars),
what its derivative is entrywise (as a matrix expression of the same shape),
how numpy computes it (one :mod:`~matderiv.expr.pycode` description, from which
both the generated source and the callable come) and how LaTeX shows it.
The parser, the code generator, the LaTeX printer and the differential rules
all read this table; adding a function is adding a stanza.

Conventions where a function is not differentiable: ``abs`` takes the
subgradient 0 at 0, so ``d|x| = sign(x) dx`` everywhere (numpy's
``sign(0) = 0``); ``sign``, ``step`` (and ``relu``'s derivative) are piecewise
constant, with derivative 0 wherever it exists and 0 taken at the jump.

Examples
--------
>>> from matderiv.expr.pycode import Slot, compile_code, source
>>> f = ELEMENTWISE["sigmoid"]
>>> source(f.numpy(Slot(0)), [("z", 100)])[0]
'np.exp(_log_sigmoid(z))'
>>> float(compile_code(f.numpy(Slot(0)))([0.0], int))
0.5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sympy as sp

from matderiv.expr.nodes import Elementwise
from matderiv.expr.pycode import Call, Code, Const
from matderiv.expr.scalar_functions import LogSigmoid, Sigmoid, Softplus

__all__ = ["ELEMENTWISE", "Domain", "ElementwiseFunction"]

#: Where a function is defined, when not everywhere (``"positive"``: entries > 0).
Domain = Literal["positive"]


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
        ``z -> code``: the numpy computation of the argument's code ``z``
        (a :data:`~matderiv.expr.pycode.Code` tree: source text and callable in one).
    latex
        The LaTeX operator name (``\\exp``), written before the parenthesised argument;
        or a template in which ``#1`` stands for the argument, as in a TeX macro
        (``\\sqrt{#1}``).
    domain
        ``"positive"`` when the function needs positive entries, else ``None``
        (the inputs of :meth:`~matderiv.symbolic.Derivative.check` honour it).
    """

    name: str
    scalar: Callable[[Any], Any]
    derivative: Callable[[Any], Any]
    numpy: Callable[[Code], Code]
    latex: str
    domain: Domain | None = None


def _ones(z: Any) -> Any:
    return sp.OneMatrix(*z.shape)


def _np(name: str) -> Callable[[Code], Code]:
    return lambda z: Call(f"np.{name}", (z,))


def _log_sigmoid_np(z: Code) -> Code:
    # log σ(z) = -log(1 + exp(-z)) = -logaddexp(0, -z): no overflow, no log of an underflow
    return Call("_log_sigmoid", (z,))


def _sech_np(z: Code) -> Code:
    # sech(z) = 2 e^{-|z|} / (1 + e^{-2|z|}): no overflow (1 / cosh(z) overflows for |z| > 710)
    return Call("_sech", (z,))


def _sigmoid_np(z: Code) -> Code:
    # σ(z) = exp(log σ(z)): no overflow for large |z| (unlike 1 / (1 + exp(-z))) and full
    # relative precision in the tails (unlike 0.5 (1 + tanh(z / 2)), which gives 0 for z < -38)
    return Call("np.exp", (_log_sigmoid_np(z),))


_TABLE = [
    ElementwiseFunction("exp", sp.exp, lambda z: Elementwise("exp", z), _np("exp"), r"\exp"),
    ElementwiseFunction(
        "log",
        sp.log,
        lambda z: sp.HadamardPower(z, -1),
        _np("log"),
        r"\log",
        "positive",
    ),
    ElementwiseFunction("sin", sp.sin, lambda z: Elementwise("cos", z), _np("sin"), r"\sin"),
    ElementwiseFunction("cos", sp.cos, lambda z: -Elementwise("sin", z), _np("cos"), r"\cos"),
    ElementwiseFunction(
        "tanh",
        sp.tanh,
        lambda z: _ones(z) - sp.HadamardPower(Elementwise("tanh", z), 2),
        _np("tanh"),
        r"\tanh",
    ),
    ElementwiseFunction(
        "sqrt",
        sp.sqrt,
        lambda z: sp.Rational(1, 2) * sp.HadamardPower(Elementwise("sqrt", z), -1),
        _np("sqrt"),
        r"\sqrt{#1}",
        "positive",
    ),
    ElementwiseFunction(
        "sigmoid",
        Sigmoid,
        lambda z: sp.HadamardProduct(
            Elementwise("sigmoid", z), _ones(z) - Elementwise("sigmoid", z)
        ),
        _sigmoid_np,
        r"\sigma",
    ),
    ElementwiseFunction(
        "softplus",
        Softplus,
        lambda z: Elementwise("sigmoid", z),
        lambda z: Call("np.logaddexp", (Const(0.0), z)),
        r"\operatorname{softplus}",
    ),
    # log σ(z) = -softplus(-z), the log-likelihood of a logistic model, computed without
    # forming σ(z) (which underflows to 0 for z < -745)
    # sech(z) = 1 / cosh(z): sech(z)² is the derivative of tanh without the cancellation of
    # 1 - tanh(z)², which rounds to 0 for |z| > 19
    ElementwiseFunction(
        "sech",
        sp.sech,
        lambda z: -sp.HadamardProduct(Elementwise("sech", z), Elementwise("tanh", z)),
        _sech_np,
        r"\operatorname{sech}",
    ),
    ElementwiseFunction(
        "log_sigmoid",
        LogSigmoid,
        lambda z: Elementwise("sigmoid", -z),
        _log_sigmoid_np,
        r"\log\sigma",
    ),
    ElementwiseFunction(
        "relu",
        lambda t: sp.Max(t, 0),
        lambda z: Elementwise("step", z),
        lambda z: Call("np.maximum", (z, Const(0.0))),
        r"\operatorname{relu}",
    ),
    ElementwiseFunction(
        "step",
        lambda t: sp.Heaviside(t, 0),
        lambda z: sp.ZeroMatrix(*z.shape),
        lambda z: Call("np.heaviside", (z, Const(0.0))),
        r"\operatorname{step}",
    ),
    # |x|: differentiable except at 0, where matderiv takes the subgradient 0 = sign(0):
    # d|x| = sign(x) dx everywhere (numpy's sign(0) is 0).
    ElementwiseFunction(
        "abs", sp.Abs, lambda z: Elementwise("sign", z), _np("abs"), r"\left|#1\right|"
    ),
    # sign(x) in {-1, 0, 1} (sign(0) = 0, as numpy): piecewise constant, so its
    # derivative is 0 almost everywhere; matderiv takes 0 at x = 0 too.
    ElementwiseFunction(
        "sign",
        sp.sign,
        lambda z: sp.ZeroMatrix(*z.shape),
        _np("sign"),
        r"\operatorname{sign}",
    ),
]

#: The elementwise functions by name.
ELEMENTWISE: dict[str, ElementwiseFunction] = {f.name: f for f in _TABLE}
