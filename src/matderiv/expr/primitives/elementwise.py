"""Elementwise functions (the table :data:`~matderiv.expr.functions.ELEMENTWISE`), scalar forms.

On a vector or matrix an elementwise function is the node
:class:`~matderiv.expr.nodes.Elementwise`; on a scalar it is SymPy's own
function (``exp``, ``log``…), whose derivative SymPy knows (``fdiff``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import sympy as sp

from matderiv.errors import UnsupportedError
from matderiv.expr.functions import ELEMENTWISE
from matderiv.expr.nodes import Elementwise
from matderiv.expr.primitive import (
    POSTFIX,
    D,
    LatexPrinting,
    Primitive,
    TextPrinter,
    Txt,
    call_text,
    register,
)
from matderiv.expr.primitives.maximum import array_maximum
from matderiv.expr.primitives.operators import add_terms
from matderiv.expr.pycode import Call, Const, Op, Slot
from matderiv.expr.reader import Handler, Reader, Val
from matderiv.expr.scalar_functions import SCALAR_FUNCTIONS

__all__ = ["elementwise_handler"]


def elementwise_handler(name: str) -> Handler:
    """The handler of ``name(z)`` for a function of :data:`ELEMENTWISE`."""
    spec = ELEMENTWISE[name]

    def handler(reader: Reader, node: ast.Call) -> Val:
        (arg,) = reader.args(node, 1, name)
        if arg.is_scalar:
            return Val(spec.scalar(arg.expr), (), reader.text(node))
        return Val(Elementwise(name, arg.expr), arg.shape, reader.text(node))

    return handler


def _elementwise_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    derivative = ELEMENTWISE[node.name].derivative(node.arg)
    if isinstance(derivative, sp.ZeroMatrix):
        return None
    return sp.HadamardProduct(derivative, da)


def _elementwise_text(node: Any, p: TextPrinter) -> Txt:
    if node.name == "step":
        return (f"np.heaviside({p(node.arg)[0]}, 0)", POSTFIX)
    return call_text(p, node.name, node.arg)


def _elementwise_latex(node: Any, printer: LatexPrinting) -> str:
    return _table_latex(node.name, node.arg, printer)


def _table_latex(name: str, arg: Any, printer: LatexPrinting) -> str:
    """The elementwise table's LaTeX of `name` applied to `arg` (an array or a scalar)."""
    latex = ELEMENTWISE[name].latex
    if "#1" in latex:  # a template: \sqrt{#1}, \left|#1\right|
        return latex.replace("#1", printer._print(arg))
    return rf"{latex}\left({printer._print(arg)}\right)"


def _elementwise_native(node: Any, args: list[Any]) -> Any:
    t = sp.Dummy("t")
    return args[1].applyfunc(sp.Lambda(t, ELEMENTWISE[node.name].scalar(t)))


def _rewritten(name: str, reader: Reader, node: ast.Call, arg: ast.expr) -> Val:
    """``name(arg)`` read in place of `node` (``maximum(z, 0)`` is ``relu(z)``)."""
    inner = ast.Call(func=ast.Name(id=name), args=[arg], keywords=[])
    ast.copy_location(inner, node)
    val = elementwise_handler(name)(reader, inner)
    return Val(val.expr, val.shape, reader.text(node))


def _maximum_call(reader: Reader, node: ast.Call) -> Val:
    if len(node.args) == 2:
        for zero, other in ((1, 0), (0, 1)):
            arg = node.args[zero]
            if isinstance(arg, ast.Constant) and arg.value == 0 and not isinstance(arg.value, bool):
                return _rewritten("relu", reader, node, node.args[other])
        a, b = (reader.read(arg) for arg in node.args)
        if a.is_scalar and b.is_scalar:
            return Val(sp.Max(a.expr, b.expr), (), reader.text(node))
        return array_maximum(reader, node, a, b)
    raise reader.error("maximum(a, b) takes two arguments (np.maximum(z, 0) is relu)", node)


def _heaviside_call(reader: Reader, node: ast.Call) -> Val:
    if len(node.args) == 2:
        at_zero = node.args[1]
        if isinstance(at_zero, ast.Constant) and at_zero.value == 0:
            return _rewritten("step", reader, node, node.args[0])
    raise reader.error("heaviside is supported as np.heaviside(z, 0) (the step function)", node)


register(
    Primitive(
        Elementwise,
        text=_elementwise_text,
        numpy=lambda n: Op((n.arg,), ELEMENTWISE[n.name].numpy(Slot(0))),
        latex=_elementwise_latex,
        differential=_elementwise_differential,
        functions={name: elementwise_handler(name) for name in ELEMENTWISE if name != "step"},
        native=_elementwise_native,
    )
)


# -- scalar functions (SymPy's) ---------------------------------------------------------------


def _scalar_function(node: Any, d: D) -> Any:
    terms = []
    for i, arg in enumerate(node.args):
        da = d(arg)
        if da is not None:
            try:
                terms.append(node.fdiff(i + 1) * da)
            except Exception as exc:
                raise UnsupportedError(
                    f"no differential rule for {node.func} (SymPy: {exc})"
                ) from None
    return add_terms(terms)


def _constant(node: Any, d: D) -> Any:
    return None


def _unary_text(name: str) -> Callable[[Any, TextPrinter], Txt]:
    return lambda node, p: call_text(p, name, node.args[0])


def _unary_op(func: str) -> Callable[[Any], Op]:
    return lambda node: Op((node.args[0],), Call(func, (Slot(0),)))


for _function, _text, _numpy in (
    (sp.exp, "exp", "np.exp"),
    (sp.log, "log", "np.log"),
    (sp.sin, "sin", "np.sin"),
    (sp.cos, "cos", "np.cos"),
    (sp.tanh, "tanh", "np.tanh"),
    (sp.Abs, "abs", "np.abs"),
    (sp.sign, "sign", "np.sign"),
    (sp.re, "np.real", "np.real"),
):
    register(
        Primitive(
            _function,
            text=_unary_text(_text),
            numpy=_unary_op(_numpy),
            # sign is piecewise constant: derivative 0 almost everywhere (0 taken at 0 too)
            differential=_scalar_function if _function is not sp.sign else _constant,
        )
    )


def _stable_op(name: str) -> Callable[[Any], Op]:
    """The elementwise table's stable kernel, on a scalar."""
    return lambda node: Op((node.args[0],), ELEMENTWISE[name].numpy(Slot(0)))


def _stable_latex(name: str) -> Callable[[Any, LatexPrinting], str]:
    """The elementwise table's LaTeX, on a scalar."""
    return lambda node, printer: _table_latex(name, node.args[0], printer)


# the stable scalar functions (matderiv.expr.scalar_functions): code and LaTeX from the
# elementwise table
for _name, _function in SCALAR_FUNCTIONS.items():
    register(
        Primitive(
            _function,
            text=_unary_text(_name),
            numpy=_stable_op(_name),
            latex=_stable_latex(_name),
            differential=_scalar_function,
        )
    )


def _max_op(node: Any) -> Op:
    if len(node.args) != 2:
        raise UnsupportedError(f"no numpy code for {node}: Max of two arguments only")
    return Op(tuple(node.args), Call("np.maximum", (Slot(0), Slot(1))))


register(
    Primitive(
        sp.Max,
        text=lambda n, p: (f"np.maximum({', '.join(p(a)[0] for a in n.args)})", POSTFIX),
        numpy=_max_op,
        differential=_scalar_function,
        functions={"maximum": _maximum_call},
    )
)
register(
    Primitive(
        sp.Heaviside,
        text=lambda n, p: (f"np.heaviside({p(n.args[0])[0]}, 0)", POSTFIX),
        numpy=lambda n: Op((n.args[0],), Call("np.heaviside", (Slot(0), Const(0.0)))),
        differential=lambda node, d: None,  # zero almost everywhere
        functions={"heaviside": _heaviside_call},
    )
)
