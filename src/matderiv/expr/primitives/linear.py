"""Linear nodes: ``.T``, ``trace``, ``sum``, ``diag``, ``vec`` and numpy's scalar ``x @ y``.

Each declares its linear structure once — the adjoint and the vec matrix —
and the differential (``d L(A) = L(dA)``), the gradient pullback
(``Ā = L*(Ȳ)``) and the vec Jacobian (``vec dL = M vec dA``) all follow from it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from matderiv.errors import ShapeError
from matderiv.expr.algebra import selection, size, unvec
from matderiv.expr.nodes import Commutation, Diag, Diagonal, ScalarOf, SumAll, Vec
from matderiv.expr.primitive import (
    POSTFIX,
    LatexPrinting,
    Linear,
    Primitive,
    TextPrinter,
    Txt,
    call_text,
    register,
    wrap,
)
from matderiv.expr.pycode import Attr, Call, Const, Index, Method, Op, Slot
from matderiv.expr.reader import Reader, Val

__all__: list[str] = []


def _call(func: str) -> Callable[[Any], Op]:
    return lambda node: Op((node.args[0],), Call(func, (Slot(0),)))


def _latex_operator(name: str) -> Callable[[Any, LatexPrinting], str]:
    return lambda node, printer: rf"{name}\left({printer._print(node.args[0])}\right)"


# -- transpose ----------------------------------------------------------------------------------


def _transpose_text(node: Any, p: TextPrinter) -> Txt:
    if 1 in node.arg.shape:  # a vector (printed 1-D, row or column): .T is a no-op
        return p(node.arg)
    return (f"{wrap(p(node.arg), POSTFIX)}.T", POSTFIX)


def _transpose_latex(node: Any, printer: LatexPrinting) -> str:
    arg = node.arg
    if isinstance(arg, sp.Inverse):
        return f"{printer._wrapped(arg.arg)}^{{-\\top}}"
    return f"{printer._wrapped(arg)}^{{\\top}}"


def _transpose_vec(node: Any) -> Any:
    rows, cols = node.arg.shape
    return None if rows == 1 or cols == 1 else Commutation(rows, cols)


def _transpose_call(reader: Reader, node: ast.Call) -> Val:
    (arg,) = reader.args(node, 1, "transpose")
    if len(arg.shape) == 2:
        return Val(arg.expr.T, (arg.shape[1], arg.shape[0]), reader.text(node))
    return Val(arg.expr, arg.shape, reader.text(node))


register(
    Primitive(
        sp.Transpose,
        text=_transpose_text,
        numpy=lambda n: Op((n.arg,), Attr(Slot(0), "T")),
        latex=_transpose_latex,
        linear=Linear(
            adjoint=lambda n, bar: bar.T if isinstance(bar, sp.MatrixExpr) else bar,
            vec=_transpose_vec,
        ),
        functions={"transpose": _transpose_call},
    )
)


# -- trace ------------------------------------------------------------------------------------


def _trace_call(reader: Reader, node: ast.Call) -> Val:
    (arg,) = reader.args(node, 1, "trace")
    reader.require_square(arg, "trace", node)
    return Val(sp.Trace(arg.expr), (), reader.text(node))


register(
    Primitive(
        sp.Trace,
        text=lambda n, p: call_text(p, "trace", n.arg),
        numpy=_call("np.trace"),
        latex=_latex_operator(r"\operatorname{tr}"),
        linear=Linear(
            adjoint=lambda n, bar: bar * sp.Identity(n.arg.rows),
            vec=lambda n: Vec(sp.Identity(n.arg.rows)).T,
        ),
        functions={"trace": _trace_call},
    )
)


# -- numpy's scalar from a 1 x 1 product -----------------------------------------------------

register(
    Primitive(
        ScalarOf,
        text=lambda n, p: p(n.arg),
        numpy=lambda n: Op((n.arg,), Index(Slot(0), (0, 0))),
        latex=lambda n, printer: str(printer._print(n.arg)),
        linear=Linear(adjoint=lambda n, bar: bar, vec=lambda n: None),
        native=lambda n, args: args[0][0, 0],
    )
)


# -- sum of all entries ------------------------------------------------------------------------


def _sum_native(node: Any, args: list[Any]) -> Any:
    m, n = args[0].shape
    return sp.OneMatrix(1, m) * args[0] * sp.OneMatrix(n, 1)


register(
    Primitive(
        SumAll,
        text=lambda n, p: call_text(p, "sum", n.arg),
        numpy=_call("np.sum"),
        latex=_latex_operator(r"\operatorname{sum}"),
        linear=Linear(
            adjoint=lambda n, bar: bar * sp.OneMatrix(*n.arg.shape),
            vec=lambda n: sp.OneMatrix(1, size(n.arg.shape)),
        ),
        native=_sum_native,  # the function sum (also along an axis): primitives/reductions.py
    )
)


# -- diag: a vector on a diagonal, and the diagonal of a matrix --------------------------------


def _diag_call(reader: Reader, node: ast.Call) -> Val:
    (arg,) = reader.args(node, 1, "diag")
    if len(arg.shape) == 1:
        return Val(Diag(arg.expr), (arg.shape[0], arg.shape[0]), reader.text(node))
    reader.require_square(arg, "diag", node)
    return Val(Diagonal(arg.expr), (arg.shape[0],), reader.text(node))


register(
    Primitive(
        DiagMatrix,
        text=lambda n, p: call_text(p, "diag", n.args[0]),
        numpy=_call("np.diagflat"),
        latex=_latex_operator(r"\operatorname{diag}"),
        linear=Linear(adjoint=lambda n, bar: Diagonal(bar), vec=lambda n: selection(n.rows)),
        functions={"diag": _diag_call},
        native=lambda n, args: DiagMatrix(args[0]),
    )
)
register(
    Primitive(
        DiagonalOf,
        text=lambda n, p: call_text(p, "diag", n.args[0]),
        numpy=lambda n: Op(
            (n.args[0],), Method(Call("np.diagonal", (Slot(0),)), "reshape", (Const(-1), Const(1)))
        ),
        latex=_latex_operator(r"\operatorname{diag}"),
        linear=Linear(adjoint=lambda n, bar: Diag(bar), vec=lambda n: selection(n.rows).T),
        native=lambda n, args: DiagonalOf(args[0]),
    )
)


# -- vec -----------------------------------------------------------------------------------------


def _vec_call(reader: Reader, node: ast.Call) -> Val:
    (arg,) = reader.args(node, 1, "vec")
    if len(arg.shape) != 2:
        raise ShapeError(f"vec needs a matrix, got {arg.describe()}")
    return Val(Vec(arg.expr), (arg.shape[0] * arg.shape[1],), reader.text(node))


def _vec_text(node: Any, p: TextPrinter) -> Txt:
    if 1 in node.arg.shape:  # the vec of a vector is the vector (a 1-D array in the language)
        return p(node.arg)
    return call_text(p, "vec", node.arg)


register(
    Primitive(
        Vec,
        text=_vec_text,
        numpy=lambda n: Op(
            (n.arg,), Method(Slot(0), "reshape", (Const(-1), Const(1)), (("order", Const("F")),))
        ),
        latex=_latex_operator(r"\operatorname{vec}"),
        # vec(vec A) = vec A; the adjoint is unvec (vec(M) gives M back)
        linear=Linear(adjoint=lambda n, bar: unvec(bar, tuple(n.arg.shape)), vec=lambda n: None),
        functions={"vec": _vec_call},
    )
)
