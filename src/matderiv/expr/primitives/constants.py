"""Constant matrices: ``eye``, ``zeros``, ``ones`` and the commutation matrix."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import sympy as sp

from matderiv.errors import UnsupportedError
from matderiv.expr.nodes import Commutation
from matderiv.expr.primitive import (
    ATOM,
    POSTFIX,
    POWER,
    PRODUCT,
    SUM,
    D,
    Primitive,
    Txt,
    register,
    wrap,
)
from matderiv.expr.pycode import Call, Dim, Op, Tup
from matderiv.expr.reader import Handler, Reader, Val

__all__ = ["dimension_text"]


def _constant(node: Any, d: D) -> Any:
    return None


def dimension_text(dim: Any) -> str:
    """A SymPy dimension as the language writes it: ``n``, ``3``, ``m * n``, ``n ** 2``.

    Examples
    --------
    >>> m, n = sp.symbols("m n", integer=True, positive=True)
    >>> dimension_text(m * n**2 + 1)
    'm * n ** 2 + 1'
    """
    return _dim(dim)[0]


def _dim(dim: Any) -> Txt:
    if isinstance(dim, sp.Symbol):
        return (dim.name, ATOM)
    if dim.is_Integer and dim > 0:
        return (str(int(dim)), ATOM)
    if isinstance(dim, sp.Pow) and dim.exp.is_Integer and dim.exp > 0:
        return (f"{wrap(_dim(dim.base), POWER + 1)} ** {int(dim.exp)}", POWER)
    if isinstance(dim, sp.Mul):
        return (" * ".join(wrap(_dim(a), PRODUCT + 1) for a in dim.as_ordered_factors()), PRODUCT)
    if isinstance(dim, sp.Add):
        return (" + ".join(wrap(_dim(a), SUM + 1) for a in dim.as_ordered_terms()), SUM)
    raise UnsupportedError(
        f"the dimension {dim} has no text in the language (products, powers and sums "
        "of dimension names and positive ints only)"
    )


def _dims(shape: tuple[Any, Any]) -> str:
    if shape[1] == 1:
        return dimension_text(shape[0])
    if shape[0] == 1:
        return dimension_text(shape[1])
    return f"({dimension_text(shape[0])}, {dimension_text(shape[1])})"


def _eye_call(reader: Reader, node: ast.Call) -> Val:
    if len(node.args) != 1:
        raise reader.error("eye(n) takes one dimension", node)
    n = reader.dimension(node.args[0])
    return Val(sp.Identity(n), (n, n), reader.text(node))


register(
    Primitive(
        sp.Identity,
        text=lambda n, p: (f"eye({dimension_text(n.rows)})", POSTFIX),
        numpy=lambda n: Op((), Call("np.eye", (Dim(n.rows),))),
        latex=lambda n, printer: "I",
        differential=_constant,
        functions={"eye": _eye_call, "identity": _eye_call},
    )
)


def _filled_call(name: str, factory: Callable[[Any, Any], Any]) -> Handler:
    def handler(reader: Reader, node: ast.Call) -> Val:
        if len(node.args) != 1:
            raise reader.error(f"{name}(n) or {name}((m, n)) takes one shape", node)
        arg = node.args[0]
        if isinstance(arg, ast.Tuple):
            dims = [reader.dimension(item) for item in arg.elts]
            if len(dims) == 1:
                return Val(factory(dims[0], 1), (dims[0],), reader.text(node))
            if len(dims) != 2:
                raise reader.error(f"{name} makes vectors or matrices only", arg)
            return Val(factory(dims[0], dims[1]), (dims[0], dims[1]), reader.text(node))
        n = reader.dimension(arg)
        return Val(factory(n, 1), (n,), reader.text(node))

    return handler


def _filled_text(name: str) -> Callable[[Any, Any], Txt]:
    return lambda node, p: (f"{name}({_dims(node.shape)})", POSTFIX)


def _filled_op(func: str) -> Callable[[Any], Op]:
    return lambda node: Op((), Call(func, (Tup((Dim(node.shape[0]), Dim(node.shape[1]))),)))


register(
    Primitive(
        sp.ZeroMatrix,
        text=_filled_text("zeros"),
        numpy=_filled_op("np.zeros"),
        differential=_constant,
        functions={"zeros": _filled_call("zeros", sp.ZeroMatrix)},
    )
)
register(
    Primitive(
        sp.OneMatrix,
        text=_filled_text("ones"),
        numpy=_filled_op("np.ones"),
        latex=lambda n, printer: r"\mathbf{1}",
        differential=_constant,
        functions={"ones": _filled_call("ones", sp.OneMatrix)},
    )
)


def _commutation_call(reader: Reader, node: ast.Call) -> Val:
    if len(node.args) != 2:
        raise reader.error(
            "commutation(m, n) takes two dimensions: K vec(X) = vec(X.T) for X of shape (m, n)",
            node,
        )
    m, n = (reader.dimension(arg) for arg in node.args)
    return Val(Commutation(m, n), (m * n, m * n), reader.text(node))


register(
    Primitive(
        Commutation,
        text=lambda n, p: (
            f"commutation({dimension_text(n.args[0])}, {dimension_text(n.args[1])})",
            POSTFIX,
        ),
        numpy=lambda n: Op((), Call("_commutation", (Dim(n.args[0]), Dim(n.args[1])))),
        latex=lambda n, printer: f"K_{{{printer._print(n.args[0])},{printer._print(n.args[1])}}}",
        differential=_constant,
        functions={"commutation": _commutation_call},
    )
)
