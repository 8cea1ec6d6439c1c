"""Matrix functions: ``inv``, ``matrix_power``, ``det``, ``logdet``, ``norm``, ``logsumexp``,
``softmax``, ``log_softmax``."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import sympy as sp

from matderiv.errors import UnsupportedError
from matderiv.expr.algebra import inner
from matderiv.expr.nodes import LogDet, LogSoftmax, LogSumExp, Norm, Softmax
from matderiv.expr.primitive import (
    POSTFIX,
    PRODUCT,
    D,
    LatexPrinting,
    NotNative,
    Primitive,
    TextPrinter,
    Txt,
    call_text,
    register,
)
from matderiv.expr.primitives.operators import add_terms
from matderiv.expr.pycode import BinOp, Call, Const, Index, Op, Slot
from matderiv.expr.reader import Handler, Reader, Val

__all__ = ["NORM_ORDERS"]

#: ``norm(X, ord)``: the reading of each ``ord`` beyond the default (Frobenius / Euclidean),
#: ``(reader, X, call) -> Val``; other families add theirs (``primitives.spectral``).
NORM_ORDERS: dict[object, Callable[[Reader, Val, ast.Call], Val]] = {}


def _call(func: str) -> Callable[[Any], Op]:
    return lambda node: Op((node.args[0],), Call(func, (Slot(0),)))


def _square(
    name: str, build: Callable[[Any], Any], same_shape: bool, invertible: bool = False
) -> Handler:
    """The handler of ``name(X)`` for a square matrix X (`invertible`: X must not be zero)."""

    def handler(reader: Reader, node: ast.Call) -> Val:
        (arg,) = reader.args(node, 1, name)
        reader.require_square(arg, name, node)
        if invertible:
            reader.require_nonsingular(arg, name, node.args[0])
        return Val(build(arg.expr), arg.shape if same_shape else (), reader.text(node))

    return handler


def _scalar_reduction(name: str, build: type, scalar: Callable[[Any], Any]) -> Handler:
    """The handler of a reduction to a scalar (``scalar`` for a scalar argument)."""

    def handler(reader: Reader, node: ast.Call) -> Val:
        (arg,) = reader.args(node, 1, name)
        if arg.is_scalar:
            return Val(scalar(arg.expr), (), reader.text(node))
        return Val(build(arg.expr), (), reader.text(node))

    return handler


def _not_native(name: str) -> Callable[[Any, list[Any]], Any]:
    def native(node: Any, args: list[Any]) -> Any:
        raise NotNative(name)

    return native


# -- inverse and powers -----------------------------------------------------------------------


def _inverse_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    return None if da is None else sp.MatMul(-1, node, da, node)


def _inverse_latex(node: Any, printer: LatexPrinting) -> str:
    arg = node.arg
    if isinstance(arg, sp.Transpose):
        return f"{printer._wrapped(arg.arg)}^{{-\\top}}"
    return f"{printer._wrapped(arg)}^{{-1}}"


register(
    Primitive(
        sp.Inverse,
        text=lambda n, p: call_text(p, "inv", n.arg),
        numpy=_call("np.linalg.inv"),
        latex=_inverse_latex,
        differential=_inverse_differential,
        functions={"inv": _square("inv", sp.Inverse, same_shape=True, invertible=True)},
    )
)


def _matpow_differential(node: Any, d: D) -> Any:
    base, k = node.args
    if not (k.is_Integer):
        raise UnsupportedError(f"no rule for the matrix power {node} with a non-integer exponent")
    k = int(k)
    if k < 0:
        base = sp.Inverse(base)
        k = -k
    db = d(base)
    if db is None:
        return None

    def power(j: int) -> list[Any]:
        return [] if j == 0 else [base] if j == 1 else [sp.MatPow(base, j)]

    return add_terms([sp.MatMul(*power(i), db, *power(k - 1 - i)) for i in range(k)])


def _matpow_op(node: Any) -> Op:
    base, k = node.args
    k = int(k)
    arg = Slot(0) if k >= 0 else Call("np.linalg.inv", (Slot(0),))
    return Op((base,), Call("np.linalg.matrix_power", (arg, Const(abs(k)))))


def _matpow_text(node: Any, p: TextPrinter) -> Txt:
    return (f"matrix_power({p(node.args[0])[0]}, {int(node.args[1])})", POSTFIX)


def _matrix_power_call(reader: Reader, node: ast.Call) -> Val:
    if len(node.args) != 2:
        raise reader.error("matrix_power(X, k) takes a matrix and an integer", node)
    arg = reader.read(node.args[0])
    reader.require_square(arg, "matrix_power", node)
    k = reader.integer(node.args[1], "matrix_power")
    if k < 0:
        reader.require_nonsingular(arg, "matrix_power with a negative power", node.args[0])
    text = reader.text(node)
    if k == 0:
        return Val(sp.Identity(arg.shape[0]), arg.shape, text)
    if k == 1:
        return Val(arg.expr, arg.shape, text)
    if k == -1:
        return Val(sp.Inverse(arg.expr), arg.shape, text)
    return Val(sp.MatPow(arg.expr, k), arg.shape, text)


register(
    Primitive(
        sp.MatPow,
        text=_matpow_text,
        numpy=_matpow_op,
        differential=_matpow_differential,
        functions={"matrix_power": _matrix_power_call},
    )
)


# -- determinants ---------------------------------------------------------------------------


def _det_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    return None if da is None else node * sp.Trace(sp.MatMul(sp.Inverse(node.arg), da))


def _logdet_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    return None if da is None else sp.Trace(sp.MatMul(sp.Inverse(node.arg), da))


register(
    Primitive(
        sp.Determinant,
        text=lambda n, p: call_text(p, "det", n.arg),
        numpy=_call("np.linalg.det"),
        latex=lambda n, printer: rf"\det\left({printer._print(n.arg)}\right)",
        differential=_det_differential,
        functions={"det": _square("det", sp.Determinant, same_shape=False)},
    )
)
register(
    Primitive(
        LogDet,
        text=lambda n, p: call_text(p, "logdet", n.arg),
        numpy=lambda n: Op((n.arg,), Index(Call("np.linalg.slogdet", (Slot(0),)), (1,))),
        latex=lambda n, printer: rf"\log\det\left({printer._print(n.arg)}\right)",
        differential=_logdet_differential,
        functions={"logdet": _square("logdet", LogDet, same_shape=False, invertible=True)},
        native=lambda n, args: sp.log(sp.Determinant(args[0])),
    )
)


# -- norm, logsumexp, softmax ---------------------------------------------------------------------


def _norm_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    return None if da is None else inner(node.arg, da) / node


def _norm_call(reader: Reader, node: ast.Call) -> Val:
    if len(node.args) != 2:
        return _scalar_reduction("norm", Norm, sp.Abs)(reader, node)
    order = node.args[1]
    key = order.value if isinstance(order, ast.Constant) else None
    if type(key) not in (str, int) or key not in NORM_ORDERS:
        known = ", ".join(repr(k) for k in NORM_ORDERS)
        raise reader.error(
            f"norm(X, ord) with ord {reader.text(order)}",
            order,
            hint=f"ord is one of: {known} (or leave it out: Frobenius)",
        )
    return NORM_ORDERS[key](reader, reader.read(node.args[0]), node)


register(
    Primitive(
        Norm,
        text=lambda n, p: call_text(p, "norm", n.arg),
        numpy=_call("np.linalg.norm"),
        latex=lambda n, printer: rf"\left\|{printer._print(n.arg)}\right\|",
        differential=_norm_differential,
        functions={"norm": _norm_call},
        native=lambda n, args: sp.sqrt(sp.Trace(args[0].T * args[0])),
    )
)


def _logsumexp_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    return None if da is None else inner(Softmax(node.arg), da)


register(
    Primitive(
        LogSumExp,
        text=lambda n, p: call_text(p, "logsumexp", n.arg),
        numpy=_call("_logsumexp"),
        latex=lambda n, printer: rf"\operatorname{{logsumexp}}\left({printer._print(n.arg)}\right)",
        differential=_logsumexp_differential,
        functions={"logsumexp": _scalar_reduction("logsumexp", LogSumExp, lambda x: x)},
        native=_not_native("logsumexp"),
    )
)


def _softmax_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    if node.shape[1] == 1:  # a vector: ds = diag(s) dz - s sᵀ dz
        return sp.MatAdd(sp.HadamardProduct(node, da), sp.MatMul(-1, node, node.T, da))
    # over all entries (logsumexp of a matrix): dS = S ∘ dZ - <S, dZ> S
    return sp.MatAdd(sp.HadamardProduct(node, da), sp.MatMul(-1, inner(node, da), node))


def _softmax_text(node: Any, p: TextPrinter) -> Txt:
    if node.arg.shape[1] == 1:
        return call_text(p, "softmax", node.arg)
    z = p(node.arg)[0]
    return (f"np.exp({z}) / sum(np.exp({z}))", PRODUCT)


def _vector_call(name: str, node_class: type) -> Handler:
    """Read ``name(z)``, z a vector, as ``node_class(z)`` (a vector of z's shape)."""

    def handler(reader: Reader, node: ast.Call) -> Val:
        (arg,) = reader.args(node, 1, name)
        reader.require_vector(arg, name, node)
        return Val(node_class(arg.expr), arg.shape, reader.text(node))

    return handler


register(
    Primitive(
        Softmax,
        text=_softmax_text,
        numpy=_call("_softmax"),
        latex=lambda n, printer: rf"\operatorname{{softmax}}\left({printer._print(n.arg)}\right)",
        differential=_softmax_differential,
        functions={"softmax": _vector_call("softmax", Softmax)},
        native=_not_native("softmax"),
    )
)


def _log_softmax_differential(node: Any, d: D) -> Any:
    # log_softmax(z) = z - logsumexp(z) 1: d = dz - 1 softmax(z)ᵀ dz = (I - 1 sᵀ) dz
    da = d(node.arg)
    if da is None:
        return None
    ones = sp.OneMatrix(node.shape[0], 1)
    return sp.MatAdd(da, sp.MatMul(-1, ones, Softmax(node.arg).T, da))


register(
    Primitive(
        LogSoftmax,
        text=lambda n, p: call_text(p, "log_softmax", n.arg),
        # z - logsumexp(z): no exp of a large argument, no log of an underflowed probability
        numpy=lambda n: Op((n.arg,), BinOp("-", Slot(0), Call("_logsumexp", (Slot(0),)))),
        latex=lambda n, printer: (
            rf"\log\operatorname{{softmax}}\left({printer._print(n.arg)}\right)"
        ),
        differential=_log_softmax_differential,
        functions={"log_softmax": _vector_call("log_softmax", LogSoftmax)},
        native=_not_native("log_softmax"),
    )
)
