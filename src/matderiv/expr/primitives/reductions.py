"""Broadcasting and reductions along an axis: ``X + b``, ``X.sum(axis=0)``, ``softmax(Z, axis=0)``.

The nodes are those of :mod:`matderiv.expr.axisnodes`; each is declared once here
(shape rule in its class, differential, identification, numpy code, LaTeX, text).
``Broadcast`` and ``AxisSum`` are linear and each other's adjoint: the gradient
of a bias broadcast over a batch is the sum over the batch.  The language's
functions read here: ``sum`` and ``mean`` (``axis=0|1|-1``, ``keepdims``; also as
methods), ``reshape`` (a vector as a column or a row), and the axis forms of
``logsumexp``, ``softmax``, ``log_softmax`` and ``norm``.  ``mean``, ``norm`` and
``log_softmax`` along an axis are built from the nodes (``log_softmax(Z, axis)`` is
the stable ``Z - logsumexp(Z, axis, keepdims=True)``).

Examples
--------
>>> from matderiv.expr import parse
>>> from matderiv.expr.text import to_text
>>> shapes = {"X": ("m", "n"), "b": ("n",), "c": ("m",)}
>>> to_text(parse("X + b", shapes)), to_text(parse("X * c[:, None]", shapes))
('X + b', 'X * c[:, None]')
>>> to_text(parse("X.sum(axis=0)", shapes)), to_text(parse("np.mean(X, 1)", shapes))
('X.sum(axis=0)', 'X.sum(axis=1) / n')
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import sympy as sp

from matderiv.errors import UnsupportedError
from matderiv.expr.algebra import contains, kron, vec_of
from matderiv.expr.axisnodes import (
    AxisLogSoftmax,
    AxisLogSumExp,
    AxisSoftmax,
    AxisSum,
    Broadcast,
    SoftmaxJacobian,
    broadcast,
)
from matderiv.expr.broadcasting import scaled_hadamard
from matderiv.expr.nodes import Diag, Elementwise, LogSumExp, Softmax, SumAll
from matderiv.expr.primitive import (
    POSTFIX,
    PRODUCT,
    D,
    LatexPrinting,
    Linear,
    NotNative,
    Primitive,
    Pull,
    TextPrinter,
    Txt,
    register,
    wrap,
)
from matderiv.expr.primitives.constants import dimension_text
from matderiv.expr.pycode import Attr, BinOp, Call, Const, Dim, Method, Op, Slot, Tup
from matderiv.expr.reader import (
    AXIS_FORMS,
    METHODS,
    Handler,
    Reader,
    Val,
    accepts,
    as_column,
    as_row,
)

__all__ = ["axis_sum"]


def _not_native(name: str) -> Callable[[Any, list[Any]], Any]:
    def native(node: Any, args: list[Any]) -> Any:
        raise NotNative(f"SymPy has no {name}")

    return native


# -- shared constructions ------------------------------------------------------------------


def axis_sum(m: Any, axis: int) -> Any:
    """``m.sum(axis)`` as a column, folding sums of repeats and of ones."""
    length = m.shape[axis]
    if isinstance(m, Broadcast) and m.axis == axis:
        return length * m.arg
    if isinstance(m, sp.OneMatrix):
        return length * sp.OneMatrix(m.shape[1 - axis], 1)
    if isinstance(m, sp.MatMul):
        coeff, mats = m.as_coeff_matrices()
        if coeff != 1:
            rest = mats[0] if len(mats) == 1 else sp.MatMul(*mats)
            return coeff * axis_sum(rest, axis)
    if length == 1:
        return m.T if axis == 0 else m
    return AxisSum(m, axis)


def _sum_matrix(shape: tuple[Any, Any], axis: int) -> Any:
    """``A`` with ``vec(X.sum(axis)) = A vec(X)`` for X of `shape` (vec stacks columns)."""
    rows, cols = shape
    if axis == 0:
        return kron(sp.Identity(cols), sp.OneMatrix(1, rows))
    return kron(sp.OneMatrix(1, cols), sp.Identity(rows))


def _repeat(bar: Any, like: Any, axis: int) -> Any:
    rows, cols = like.shape
    return broadcast(bar, rows, cols, axis)


# -- broadcasting ----------------------------------------------------------------------------


def _broadcast_text(node: Broadcast, p: TextPrinter) -> Txt:
    """A repeat standing alone: the ones that give it its shape are written out."""
    rows, cols = node.shape
    if node.axis == 0:
        return (f"ones(({dimension_text(rows)}, 1)) * {wrap(p(node.arg), PRODUCT + 1)}", PRODUCT)
    return (f"{wrap(p(node.arg), POSTFIX)}[:, None] * ones({dimension_text(cols)})", PRODUCT)


def _broadcast_latex(node: Broadcast, printer: LatexPrinting) -> str:
    if node.axis == 0:
        return rf"\mathbf{{1}} {printer._wrapped(node.arg)}^{{\top}}"
    return rf"{printer._wrapped(node.arg)} \mathbf{{1}}^{{\top}}"


def _broadcast_op(node: Broadcast) -> Op:
    rows, cols = node.shape
    column = Attr(Slot(0), "T") if node.axis == 0 else Slot(0)
    return Op((node.arg,), Call("np.broadcast_to", (column, Tup((Dim(rows), Dim(cols))))))


def _broadcast_vec(node: Broadcast) -> Any:
    return _sum_matrix(node.shape, node.axis).T


register(
    Primitive(
        Broadcast,
        text=_broadcast_text,
        numpy=_broadcast_op,
        latex=_broadcast_latex,
        linear=Linear(adjoint=lambda n, bar: axis_sum(bar, n.axis), vec=_broadcast_vec),
        native=_not_native("broadcasting"),
    )
)


# -- sums along an axis --------------------------------------------------------------------


def _along_op(node: Any, code: Any) -> Op:
    """Code computing a column from a keepdims result (axis 0 gives a row: transposed)."""
    return Op((node.arg,), Attr(code, "T") if node.axis == 0 else code)


def _keep(axis: int) -> tuple[tuple[str, Any], ...]:
    return (("axis", Const(axis)), ("keepdims", Const(True)))


# -- log-sum-exp and softmax along an axis ---------------------------------------------------


def _lse_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    return axis_sum(scaled_hadamard(AxisSoftmax(node.arg, node.axis), da), node.axis)


def _lse_pullback(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    pull(
        node.arg,
        scaled_hadamard(AxisSoftmax(node.arg, node.axis), _repeat(bar, node.arg, node.axis)),
    )


def _lse_vec(node: Any, jac: Any) -> Any:
    j = jac(node.arg)
    if j is None:
        return None
    s = AxisSoftmax(node.arg, node.axis)
    return sp.MatMul(_sum_matrix(node.arg.shape, node.axis), Diag(vec_of(s)), j)


register(
    Primitive(
        AxisLogSumExp,
        text=lambda n, p: (f"logsumexp({p(n.arg)[0]}, axis={n.axis})", POSTFIX),
        numpy=lambda n: Op((n.arg,), Call("_logsumexp_along", (Slot(0), Const(n.axis)))),
        latex=lambda n, printer: (
            rf"\operatorname{{logsumexp}}_{{{n.axis}}}\left({printer._print(n.arg)}\right)"
        ),
        differential=_lse_differential,
        pullback=_lse_pullback,
        vec=_lse_vec,
        native=_not_native("logsumexp along an axis"),
    )
)


def _softmax_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    return None if da is None else SoftmaxJacobian(da, node)


register(
    Primitive(
        AxisSoftmax,
        text=lambda n, p: (f"softmax({p(n.arg)[0]}, axis={n.axis})", POSTFIX),
        numpy=lambda n: Op((n.arg,), Call("_softmax_along", (Slot(0), Const(n.axis)))),
        latex=lambda n, printer: (
            rf"\operatorname{{softmax}}_{{{n.axis}}}\left({printer._print(n.arg)}\right)"
        ),
        differential=_softmax_differential,
        native=_not_native("softmax along an axis"),
    )
)


def _log_softmax_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    return None if da is None else SoftmaxJacobian(da, AxisSoftmax(node.arg, node.axis), log=True)


def _log_softmax_op(node: Any) -> Op:
    """The stable kernel ``Z - logsumexp(Z, axis, keepdims=True)``."""
    lse = AxisLogSumExp(node.arg, node.axis)
    column = Attr(Slot(1), "T") if node.axis == 0 else Slot(1)
    return Op((node.arg, lse), BinOp("-", Slot(0), column))


register(
    Primitive(
        AxisLogSoftmax,
        text=lambda n, p: (f"log_softmax({p(n.arg)[0]}, axis={n.axis})", POSTFIX),
        numpy=_log_softmax_op,
        latex=lambda n, printer: (
            rf"\operatorname{{log\,softmax}}_{{{n.axis}}}\left({printer._print(n.arg)}\right)"
        ),
        differential=_log_softmax_differential,
        native=_not_native("log_softmax along an axis"),
    )
)


# -- the softmax Jacobian applied to a direction (what the differentials above are made of) --


def _jacobian_applied(s: Any, v: Any, log: bool) -> Any:
    """``V - repeat(sum(S ∘ V))`` (log-softmax) or ``S ∘ (V - repeat(sum(S ∘ V)))`` (softmax)."""
    axis = s.axis
    centred = sp.MatAdd(v, sp.MatMul(-1, _repeat(axis_sum(scaled_hadamard(s, v), axis), v, axis)))
    return centred if log else scaled_hadamard(s, centred)


def _jacobian_adjoint(s: Any, bar: Any, log: bool) -> Any:
    """The adjoint: ``Ḡ - S ∘ repeat(sum(Ḡ))`` (log-softmax); the softmax's is itself."""
    if not log:
        return _jacobian_applied(s, bar, log)
    return sp.MatAdd(
        bar, sp.MatMul(-1, scaled_hadamard(s, _repeat(axis_sum(bar, s.axis), bar, s.axis)))
    )


def _expanded(node: SoftmaxJacobian) -> Any:
    return _jacobian_applied(node.softmax, node.direction, node.log)


def _jacobian_pullback(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    if contains(node.softmax, dx):  # a second differential: through the formula
        pull(_expanded(node), bar)
        return
    pull(node.direction, _jacobian_adjoint(node.softmax, bar, node.log))


def _jacobian_vec(node: Any, jac: Any) -> Any:
    # the point holds no dX in a differential (None), else its softmax says it has no rule
    if jac(node.softmax) is not None:
        return jac(_expanded(node))
    j = jac(node.direction)
    if j is None:
        return None
    s = node.softmax
    a = _sum_matrix(s.shape, s.axis)
    if node.log:
        eye = sp.Identity(a.shape[1])
        return sp.MatMul(sp.MatAdd(eye, sp.MatMul(-1, a.T, a, Diag(vec_of(s)))), j)
    ds = Diag(vec_of(s))
    return sp.MatMul(sp.MatAdd(ds, sp.MatMul(-1, ds, a.T, a, ds)), j)


register(
    Primitive(
        SoftmaxJacobian,
        text=lambda n, p: p(_expanded(n)),
        numpy=lambda n: Op((_expanded(n),), Slot(0)),
        latex=lambda n, printer: str(printer._print(_expanded(n))),
        differential=lambda n, d: d(_expanded(n)),
        pullback=_jacobian_pullback,
        vec=_jacobian_vec,
        native=_not_native("the softmax Jacobian"),
    )
)


# -- the language's functions ------------------------------------------------------------------


def _array_and_axis(
    reader: Reader, node: ast.Call, name: str, plain: int = 1
) -> tuple[Val, int | None, bool]:
    """The array, its axis (``None``: every entry) and ``keepdims`` of a reduction call.

    `plain` is the number of positional arguments before a positional axis.
    """
    if not 1 <= len(node.args) <= plain + 1:
        raise reader.error(
            f"{name}() takes an array and an axis (axis=0, 1 or -1), got "
            f"{len(node.args)} positional arguments",
            node,
        )
    if len(node.args) > plain and reader.keyword(node, "axis") is not None:
        raise reader.error(f"{name}() got the axis twice", node.args[plain])
    val = reader.read(node.args[0])
    for extra in node.args[1:plain]:  # norm's ord: the Euclidean norm only
        if not (isinstance(extra, ast.Constant) and extra.value in (None, 2)):
            raise reader.error(f"{name}(): only the Euclidean norm (ord=None or 2)", extra)
    axis_node = node.args[plain] if len(node.args) > plain else reader.keyword(node, "axis")
    keep_node = reader.keyword(node, "keepdims")
    keepdims = False if keep_node is None else reader.flag(keep_node, "keepdims")
    if axis_node is None or (isinstance(axis_node, ast.Constant) and axis_node.value is None):
        return val, None, keepdims
    if val.is_scalar:
        raise reader.error(f"{name}: a scalar has no axis", axis_node)
    axis = reader.axis(axis_node, len(val.shape), name)
    if len(val.shape) == 1:  # the one axis of a vector: every entry
        if keepdims:
            raise UnsupportedError(
                f"{reader.text(node)}: keepdims on a 1-D vector makes shape (1,), which the "
                "language does not have; leave keepdims out"
            )
        return val, None, False
    return val, axis, keepdims


def _reduce(
    reader: Reader,
    node: ast.Call,
    name: str,
    whole: Callable[[Val], Any],
    along: Callable[[Any, int], Any],
    plain: int = 1,
) -> Val:
    """A reduction: every entry (`whole`) or along an axis (`along`, a column), numpy's shape."""
    val, axis, keepdims = _array_and_axis(reader, node, name, plain)
    text = reader.text(node)
    if axis is None:
        if keepdims:
            raise UnsupportedError(
                f"{text}: keepdims without an axis makes a (1, 1) array; leave keepdims out"
            )
        return Val(whole(val), (), text)
    column = along(val.expr, axis)
    rows, cols = val.shape
    if not keepdims:
        return Val(column, (cols if axis == 0 else rows,), text)
    if axis == 0:
        return as_row(Val(column, (cols,), text), text)
    return as_column(Val(column, (rows,), text), text)


def _whole_sum(val: Val) -> Any:
    return val.expr if val.is_scalar else SumAll(val.expr)


@accepts("axis", "keepdims")
def _sum_call(reader: Reader, node: ast.Call) -> Val:
    return _reduce(reader, node, "sum", _whole_sum, axis_sum)


def _size(val: Val) -> Any:
    return sp.Mul(*val.shape) if val.shape else sp.Integer(1)


@accepts("axis", "keepdims")
def _mean_call(reader: Reader, node: ast.Call) -> Val:
    def along(m: Any, axis: int) -> Any:
        return axis_sum(m, axis) / m.shape[axis]

    return _reduce(reader, node, "mean", lambda v: _whole_sum(v) / _size(v), along)


@accepts("axis", "keepdims")
def _logsumexp_call(reader: Reader, node: ast.Call) -> Val:
    def whole(val: Val) -> Any:
        return val.expr if val.is_scalar else LogSumExp(val.expr)

    return _reduce(reader, node, "logsumexp", whole, AxisLogSumExp)


@accepts("axis", "keepdims", "ord")
def _norm_call(reader: Reader, node: ast.Call) -> Val:
    ord_node = reader.keyword(node, "ord")
    if ord_node is not None and not (
        isinstance(ord_node, ast.Constant) and ord_node.value in (None, 2)
    ):
        raise reader.error("norm(): only the Euclidean norm (ord=None or 2)", ord_node)

    def whole(val: Val) -> Any:
        raise reader.error("norm() with axis=None: write norm(X)", node)

    def along(m: Any, axis: int) -> Any:
        return Elementwise("sqrt", axis_sum(sp.HadamardPower(m, 2), axis))

    return _reduce(reader, node, "norm", whole, along, plain=2)


def _normalisation(
    reader: Reader, node: ast.Call, name: str, vector: Callable[[Any], Any], matrix: Any
) -> Val:
    val, axis, _ = _array_and_axis(reader, node, name)
    if reader.keyword(node, "keepdims") is not None:
        raise reader.error(f"{name}() keeps the shape of its array; leave keepdims out", node)
    text = reader.text(node)
    if val.is_scalar:
        raise reader.error(f"{name} needs a vector or a matrix, got {val.describe()}", node)
    if axis is None and len(val.shape) == 2:
        raise UnsupportedError(
            f"{text}: {name} over every entry of a matrix; give the axis (axis=0: each column)"
        )
    if axis is None:
        return Val(vector(val.expr), val.shape, text)
    return Val(matrix(val.expr, axis), val.shape, text)


@accepts("axis")
def _softmax_call(reader: Reader, node: ast.Call) -> Val:
    return _normalisation(reader, node, "softmax", Softmax, AxisSoftmax)


@accepts("axis")
def _log_softmax_call(reader: Reader, node: ast.Call) -> Val:
    def vector(v: Any) -> Any:
        return sp.MatAdd(v, sp.MatMul(-LogSumExp(v), sp.OneMatrix(*v.shape)))

    return _normalisation(reader, node, "log_softmax", vector, AxisLogSoftmax)


@accepts("order")
def _reshape_call(reader: Reader, node: ast.Call) -> Val:
    """``v.reshape(-1, 1)`` (a column), ``v.reshape(1, -1)`` (a row), ``c.reshape(-1)``."""
    if len(node.args) < 2:
        raise reader.error("reshape() takes an array and a shape such as (-1, 1)", node)
    order = reader.keyword(node, "order")
    if order is not None and not (isinstance(order, ast.Constant) and order.value == "C"):
        raise reader.error("reshape(): only the default order 'C'", order)
    val = reader.read(node.args[0])
    parts = list(node.args[1:])
    if len(parts) == 1 and isinstance(parts[0], ast.Tuple):
        parts = list(parts[0].elts)
    text = reader.text(node)
    if val.is_scalar or (len(val.shape) == 2 and 1 not in val.shape):
        raise reader.error(
            f"{text}: reshape turns a vector into a column or a row (or back), "
            f"got {val.describe()}",
            node,
        )
    length = val.shape[0] if val.shape[0] != 1 or len(val.shape) == 1 else val.shape[1]
    dims = [_reshape_dim(reader, part, length) for part in parts]
    vector = Val(
        val.expr.T if len(val.shape) == 2 and val.shape[0] == 1 else val.expr, (length,), text
    )
    if dims == [length]:
        return vector
    if dims == [length, 1]:
        return as_column(vector, text)
    if dims == [1, length]:
        return as_row(vector, text)
    raise reader.error(
        f"{text}: cannot reshape {val.describe()} to ({', '.join(map(str, dims))})",
        node,
        hint=f"the shapes of its {length} entries are (-1,), (-1, 1) and (1, -1)",
    )


def _reshape_dim(reader: Reader, part: ast.AST, length: Any) -> Any:
    if (
        isinstance(part, ast.UnaryOp)
        and isinstance(part.op, ast.USub)
        and isinstance(part.operand, ast.Constant)
        and part.operand.value == 1
    ):
        return length
    return reader.dimension(part)


register(
    Primitive(
        AxisSum,
        text=lambda n, p: (f"{wrap(p(n.arg), POSTFIX)}.sum(axis={n.axis})", POSTFIX),
        numpy=lambda n: _along_op(n, Method(Slot(0), "sum", (), _keep(n.axis))),
        latex=lambda n, printer: (
            rf"{printer._wrapped(n.arg)}^{{\top}} \mathbf{{1}}"
            if n.axis == 0
            else rf"{printer._wrapped(n.arg)} \mathbf{{1}}"
        ),
        linear=Linear(
            adjoint=lambda n, bar: _repeat(bar, n.arg, n.axis),
            vec=lambda n: _sum_matrix(n.arg.shape, n.axis),
        ),
        native=lambda n, args: (
            args[0].T * sp.OneMatrix(args[0].shape[0], 1)
            if n.axis == 0
            else args[0] * sp.OneMatrix(args[0].shape[1], 1)
        ),
        functions={"sum": _sum_call, "mean": _mean_call, "reshape": _reshape_call},
    )
)


METHODS.update({"sum", "mean", "reshape"})

_AXIS_FORMS: dict[str, tuple[Handler, int]] = {
    "logsumexp": (_logsumexp_call, 1),
    "softmax": (_softmax_call, 1),
    "log_softmax": (_log_softmax_call, 1),
    "norm": (_norm_call, 2),
}
AXIS_FORMS.update(_AXIS_FORMS)
