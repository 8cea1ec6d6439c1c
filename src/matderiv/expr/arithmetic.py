"""The binary operators of the expression language: ``+ - * / ** @`` on read values.

:data:`BINOPS` maps each ``ast`` operator to the function that combines two
:class:`~matderiv.expr.values.Val` and checks their shapes;
:class:`~matderiv.expr.reader.Reader` looks operators up there.

Examples
--------
>>> import ast
>>> BINOPS[ast.MatMult].__name__
'_matmul'
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import sympy as sp

from matderiv.errors import BroadcastError, ShapeError, UnsupportedError
from matderiv.expr.axisnodes import broadcast
from matderiv.expr.bounds import MAX_EXPONENT, power_plan
from matderiv.expr.context import format_shape
from matderiv.expr.nodes import ScalarOf
from matderiv.expr.values import Val, ones_like

if TYPE_CHECKING:
    from matderiv.expr.reader import Reader

__all__ = ["BINOPS", "broadcast_shape", "broadcast_vals", "is_identically_zero", "matmul_vals"]


def _numpy_shape(shape: tuple[Any, ...]) -> str:
    """A shape as numpy prints it in its broadcasting error: ``(m,n)``, ``(m,)``."""
    return format_shape(shape).replace(" ", "")


def broadcast_shape(reader: Reader, a: Val, b: Val, node: ast.AST) -> tuple[Any, ...]:
    """The shape numpy broadcasts `a` and `b` to, by numpy's rule on the declared names.

    The shapes are aligned on their last axis; two sizes agree when they are the same
    dimension (the same name, or equal numbers) or one of them is 1.  Dimension names
    that differ are different sizes (a name never stands for 1).
    """
    out: list[Any] = []
    for i in range(1, max(len(a.shape), len(b.shape)) + 1):
        x = a.shape[-i] if i <= len(a.shape) else sp.Integer(1)
        y = b.shape[-i] if i <= len(b.shape) else sp.Integer(1)
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise BroadcastError(
                "operands could not be broadcast together with shapes "
                f"{_numpy_shape(a.shape)} {_numpy_shape(b.shape)}",
                source=reader.source,
                offset=reader.operator_offset(node),
                hint=f"{a.describe()}, {b.describe()}: sizes must be equal or 1, aligned on "
                "the last axis (numpy's rule; different dimension names are different "
                "sizes); write v[:, None] to add a vector v to each column",
            )
    return tuple(reversed(out))


def _to_shape(val: Val, shape: tuple[Any, ...]) -> Any:
    """The internal expression of `val` broadcast to the numpy `shape` (of 1 or 2 axes)."""
    if val.shape == shape:
        return val.expr
    if val.is_scalar:
        return val.expr * ones_like(shape)
    if len(shape) == 1 or tuple(val.shape) in ((1,), (1, 1)):  # one entry: a scalar
        return ScalarOf(val.expr) * ones_like(shape)
    rows, cols = shape
    if len(val.shape) == 1:  # (n,) is (1, n): each row
        return broadcast(val.expr, rows, cols, 0)
    if val.shape[0] == 1:  # (1, n): a row, internally (1, n)
        return broadcast(val.expr.T, rows, cols, 0)
    return broadcast(val.expr, rows, cols, 1)  # (m, 1): each column


def broadcast_vals(
    reader: Reader, a: Val, b: Val, node: ast.AST
) -> tuple[Any, Any, tuple[Any, ...]]:
    """Both operands' expressions at their common (broadcast) shape, and that shape."""
    if a.shape == b.shape:
        return a.expr, b.expr, a.shape
    shape = broadcast_shape(reader, a, b, node)
    return _to_shape(a, shape), _to_shape(b, shape), shape


def _add(reader: Reader, a: Val, b: Val, node: ast.BinOp, sign: int = 1) -> Val:
    text = reader.text(node)
    if a.is_scalar and b.is_scalar:
        return Val(a.expr + sign * b.expr, (), text)
    x, y, shape = broadcast_vals(reader, a, b, node)
    return Val(x + sign * y, shape, text)


def _sub(reader: Reader, a: Val, b: Val, node: ast.BinOp) -> Val:
    return _add(reader, a, b, node, -1)


def _mul(reader: Reader, a: Val, b: Val, node: ast.BinOp) -> Val:
    text = reader.text(node)
    if a.is_scalar or b.is_scalar:
        shape = b.shape if a.is_scalar else a.shape
        return Val(a.expr * b.expr, shape, text)
    x, y, shape = broadcast_vals(reader, a, b, node)
    return Val(sp.hadamard_product(x, y), shape, text)


def _reciprocal(val: Val) -> Any:
    if val.is_scalar:
        return 1 / val.expr
    return sp.HadamardPower(val.expr, -1)


def is_identically_zero(expr: Any) -> bool:
    """Whether `expr` is zero for every input (``0``, ``zeros(n)``, ``x - x`` after folding)."""
    return bool(expr == 0 or isinstance(expr, sp.ZeroMatrix))


def _div(reader: Reader, a: Val, b: Val, node: ast.BinOp) -> Val:
    text = reader.text(node)
    if is_identically_zero(b.expr):
        raise reader.error(
            f"division by zero: {b.text} is identically zero",
            node.right,
            hint="divide by an expression that is not zero",
        )
    if b.is_scalar:
        return Val(a.expr / b.expr, a.shape, text)
    if a.is_scalar:
        return Val(a.expr * _reciprocal(b), b.shape, text)
    x, y, shape = broadcast_vals(reader, a, Val(_reciprocal(b), b.shape, b.text), node)
    return Val(sp.hadamard_product(x, y), shape, text)


def _coefficient(expr: Any) -> Any:
    """The numeric factor of `expr` (1 when it has none): what a power folds."""
    if expr.is_Number:
        return expr
    if isinstance(expr, sp.Mul | sp.MatMul) and expr.args[0].is_Number:
        return expr.args[0]
    return sp.Integer(1)


def _pow(reader: Reader, a: Val, b: Val, node: ast.BinOp) -> Val:
    """``a ** b``; a numeric power is sized before it is computed (:func:`power_plan`)."""
    text = reader.text(node)
    if not b.is_scalar:
        raise UnsupportedError(
            f"{text}: an array exponent is not supported; the exponent must be a scalar"
        )
    exponent = b.expr
    if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
        raise reader.error(
            f"the exponent {exponent} is too large (at most {MAX_EXPONENT} in size)",
            node.right,
            hint="a larger power of a float64 number overflows or underflows anyway",
        )
    base = a.expr
    if exponent.is_Number:
        coefficient = _coefficient(base)
        problem, exact = power_plan(coefficient, exponent)
        if problem is not None:
            raise reader.error(
                f"the constant {text} is not a float64 number: {problem}",
                node,
                hint="matderiv computes in float64: constants lie within 4.9e-324 and 1.8e308 "
                "in magnitude (see 'Limits and errors')",
            )
        if not exact and a.is_scalar:  # fold in floating point: the exact value is huge
            base = sp.Float(coefficient, 17) * (base / coefficient)
    if a.is_scalar:
        if base == 0 and exponent.is_Number and exponent < 0:
            raise reader.error("division by zero", node)
        return Val(base**exponent, (), text)
    if is_identically_zero(a.expr) and exponent.is_Number and exponent < 0:
        raise reader.error(f"division by zero: {a.text} is identically zero", node)
    if not exponent.is_Number:
        raise UnsupportedError(
            f"{text}: an elementwise power needs a numeric exponent, got {b.text}"
        )
    if exponent == 1:
        return Val(a.expr, a.shape, text)
    if exponent == 0:
        return Val(ones_like(a.shape), a.shape, text)
    return Val(sp.HadamardPower(a.expr, exponent), a.shape, text)


def matmul_vals(reader: Reader, a: Val, b: Val, text: str, op: Literal["@", "dot"] = "@") -> Val:
    if a.is_scalar or b.is_scalar:
        scalar = a if a.is_scalar else b
        raise ShapeError(
            f"cannot compute {a.text} {op} {b.text}: {scalar.describe()} is a scalar; "
            "'@' needs vectors or matrices (use '*' to scale)"
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[0]
    if inner_a != inner_b:
        raise ShapeError(
            f"cannot compute {a.text} {op} {b.text}: {a.describe()} and {b.describe()} "
            f"do not fit (inner dimensions {inner_a} and {inner_b} differ)"
        )
    if len(a.shape) == 1 and len(b.shape) == 1:
        return Val(ScalarOf(a.expr.T * b.expr), (), text)
    if len(a.shape) == 1:
        return Val(b.expr.T * a.expr, (b.shape[1],), text)
    if len(b.shape) == 1:
        return Val(a.expr * b.expr, (a.shape[0],), text)
    return Val(a.expr * b.expr, (a.shape[0], b.shape[1]), text)


def _matmul(reader: Reader, a: Val, b: Val, node: ast.BinOp) -> Val:
    return matmul_vals(reader, a, b, reader.text(node))


_BinOp = Callable[["Reader", Val, Val, ast.BinOp], Val]
BINOPS: dict[type, _BinOp] = {
    ast.Add: _add,
    ast.Sub: _sub,
    ast.Mult: _mul,
    ast.Div: _div,
    ast.Pow: _pow,
    ast.MatMult: _matmul,
}
