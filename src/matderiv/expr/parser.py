"""Text -> SymPy: the expression language, read with :mod:`ast` against a whitelist.

The text is parsed by Python's own parser into a syntax tree; only the node
kinds and names listed here are accepted, and each is translated into a SymPy
matrix expression while its shape is checked.  Nothing in the text is ever
evaluated: there is no ``eval``, ``exec`` or ``sympify`` of user text.

Examples
--------
>>> p = parse_typed("x.T @ A @ x", {"x": ("n",), "A": ("n", "n")})
>>> print(p.expr)
x.T*A*x
>>> p.shape
()
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from matderiv.errors import ParseError, ShapeError, UnsupportedError
from matderiv.expr._guard import internal_errors
from matderiv.expr.context import Context, ShapeSpec, format_shape, make_context
from matderiv.expr.functions import ELEMENTWISE
from matderiv.expr.nodes import (
    Commutation,
    Diag,
    Diagonal,
    LogDet,
    LogSumExp,
    Norm,
    ScalarOf,
    Softmax,
    SumAll,
    Vec,
)

__all__ = ["FUNCTIONS", "Parsed", "parse", "parse_typed", "user_shape"]

_MAX_LENGTH = 5000
_MAX_EXPONENT = 1000
_PREFIXES = {(), ("np",), ("numpy",), ("np", "linalg"), ("numpy", "linalg")}


@dataclass(frozen=True)
class Parsed:
    """A parsed expression with its user-level shape.

    Attributes
    ----------
    expr
        The SymPy expression (internal representation, see ``matderiv.expr.nodes``).
    shape
        The numpy shape of the value: ``()``, ``(n,)`` or ``(m, n)`` with SymPy dims.
    context
        The declared names.
    source
        The text, or ``None`` when a SymPy expression was given.
    """

    expr: Any
    shape: tuple[Any, ...]
    context: Context
    source: str | None


@dataclass(frozen=True)
class _Val:
    expr: Any
    shape: tuple[Any, ...]
    text: str

    @property
    def is_scalar(self) -> bool:
        return len(self.shape) == 0

    def describe(self) -> str:
        return f"{self.text} (shape {format_shape(self.shape)})"


class _Reader:
    def __init__(self, source: str, ctx: Context) -> None:
        self.source = source
        self.ctx = ctx
        self._line_starts = [0]
        for i, ch in enumerate(source):
            if ch == "\n":
                self._line_starts.append(i + 1)

    # -- errors -------------------------------------------------------------
    def offset(self, node: ast.AST) -> int:
        lineno = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        start = self._line_starts[min(lineno, len(self._line_starts)) - 1]
        line = self.source[start:].split("\n", 1)[0]
        return start + len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))

    def error(self, message: str, node: ast.AST, hint: str | None = None) -> ParseError:
        return ParseError(message, source=self.source, offset=self.offset(node), hint=hint)

    def text(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.source, node)
        return segment if segment is not None else ast.unparse(node)

    # -- dispatch -------------------------------------------------------------
    def read(self, node: ast.AST) -> _Val:
        method = getattr(self, "_read_" + type(node).__name__, None)
        if method is None:
            raise self.error(
                f"{_describe_node(node)} is not part of the expression language",
                node,
                hint="allowed: names, numbers, + - * / ** @, unary minus, .T and function "
                "calls such as trace(X), inv(X), np.exp(x)",
            )
        val: _Val = method(node)
        if val.is_scalar and val.expr.is_number and not val.expr.is_extended_real:
            raise self.error(
                f"{self.text(node)} is not a real number ({val.expr})",
                node,
                hint="matderiv works with real arrays; check the domain of log, sqrt and powers",
            )
        if val.is_scalar and val.expr.is_number and not val.expr.is_finite:
            raise self.error(f"{self.text(node)} is not finite ({val.expr})", node)
        return val

    def _read_Constant(self, node: ast.Constant) -> _Val:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"the literal {value!r} is not a real number", node)
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.error("the literal is not a finite number", node)
            number = sp.Rational(repr(value)) if "e" not in repr(value) else sp.Float(value)
        else:
            number = sp.Integer(value)
        return _Val(number, (), self.text(node))

    def _read_Name(self, node: ast.Name) -> _Val:
        name = node.id
        if name.startswith("__"):
            raise self.error(f"the name {name!r} is not allowed (no dunder names)", node)
        if name in self.ctx.symbols:
            return _Val(self.ctx.symbols[name], self.ctx.shapes[name], name)
        if name == "pi":
            return _Val(sp.pi, (), name)
        if name in FUNCTIONS:
            raise self.error(f"{name!r} is a function; call it, for example {name}(X)", node)
        if name in self.ctx.dims:
            raise self.error(
                f"{name!r} is a dimension name; it can appear only in eye({name}) or ones({name})",
                node,
            )
        raise self.error(f"unknown name {name!r}", node, hint=self.allowed_names())

    def allowed_names(self) -> str:
        declared = ", ".join(sorted(self.ctx.symbols)) or "none"
        return (
            f"declared names: {declared}; declare a new one in shapes "
            f"(on the command line: --shape NAME=DIMS); functions: {', '.join(sorted(FUNCTIONS))}"
        )

    def _read_Attribute(self, node: ast.Attribute) -> _Val:
        if node.attr == "T":
            value = self.read(node.value)
            if len(value.shape) == 2:
                return _Val(value.expr.T, (value.shape[1], value.shape[0]), self.text(node))
            return _Val(value.expr, value.shape, self.text(node))  # numpy: no-op on 0-d/1-d
        if node.attr == "pi" and _dotted(node.value) in _PREFIXES:
            return _Val(sp.pi, (), self.text(node))
        raise self.error(
            f"attribute '.{node.attr}' is not allowed",
            node,
            hint="the only attribute is '.T' (transpose); functions may be written with "
            "an 'np.' or 'np.linalg.' prefix",
        )

    def _read_UnaryOp(self, node: ast.UnaryOp) -> _Val:
        operand = self.read(node.operand)
        if isinstance(node.op, ast.USub):
            return _Val(-operand.expr, operand.shape, self.text(node))
        if isinstance(node.op, ast.UAdd):
            return _Val(operand.expr, operand.shape, self.text(node))
        raise self.error(f"the operator in {self.text(node)!r} is not allowed", node)

    def _read_BinOp(self, node: ast.BinOp) -> _Val:
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise self.error(
                f"the operator in {self.text(node)!r} is not part of the language",
                node,
                hint="allowed operators: + - * / ** @",
            )
        left = self.read(node.left)
        right = self.read(node.right)
        return op(self, left, right, node)

    def _read_Call(self, node: ast.Call) -> _Val:
        path = _dotted(node.func)
        if path is None or path[:-1] not in _PREFIXES:
            if isinstance(node.func, ast.Attribute) and node.func.attr == "T":
                raise self.error("'.T' is an attribute, not a method; write X.T", node)
            raise self.error(
                f"{self.text(node.func)!r} is not a function of the language",
                node,
                hint=f"functions: {', '.join(sorted(FUNCTIONS))} "
                "(optionally with an 'np.' or 'np.linalg.' prefix)",
            )
        name = path[-1]
        if name.startswith("__"):
            raise self.error(f"the name {name!r} is not allowed (no dunder names)", node)
        if name == "slogdet":
            raise self.error(
                "slogdet returns (sign, logabsdet); write np.linalg.slogdet(X)[1] or logdet(X)",
                node,
            )
        handler = FUNCTIONS.get(name)
        if handler is None:
            raise self.error(
                f"unknown function {name!r}",
                node,
                hint=f"functions: {', '.join(sorted(FUNCTIONS))}",
            )
        if node.keywords:
            raise self.error(
                f"{name}() takes no keyword arguments here",
                node.keywords[0].value,
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error("*args is not part of the language", arg)
        return handler(self, node)

    def _read_Subscript(self, node: ast.Subscript) -> _Val:
        value = node.value
        index = node.slice
        if (
            isinstance(value, ast.Call)
            and (_dotted(value.func) or ("",))[-1] == "slogdet"
            and isinstance(index, ast.Constant)
            and index.value == 1
            and not isinstance(index.value, bool)
        ):
            if len(value.args) != 1 or value.keywords:
                raise self.error("slogdet takes one matrix", value)
            arg = self.read(value.args[0])
            self.require_square(arg, "slogdet", value)
            return _Val(LogDet(arg.expr), (), self.text(node))
        raise self.error(
            "subscripts are not part of the language",
            node,
            hint="the only subscript is np.linalg.slogdet(X)[1]",
        )

    # -- helpers for the function table ---------------------------------------
    def args(self, node: ast.Call, count: int, name: str) -> list[_Val]:
        if len(node.args) != count:
            raise self.error(
                f"{name}() takes {count} argument{'s' if count != 1 else ''}, got {len(node.args)}",
                node,
            )
        return [self.read(arg) for arg in node.args]

    def require_array(self, val: _Val, name: str, node: ast.AST) -> None:
        if val.is_scalar:
            raise ShapeError(f"{name} needs a vector or matrix, got {val.describe()}")

    def require_square(self, val: _Val, name: str, node: ast.AST) -> None:
        if len(val.shape) != 2 or val.shape[0] != val.shape[1]:
            raise ShapeError(f"{name} needs a square matrix, got {val.describe()}")

    def require_vector(self, val: _Val, name: str, node: ast.AST) -> None:
        if len(val.shape) != 1:
            raise ShapeError(f"{name} needs a 1-D vector, got {val.describe()}")

    def dimension(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Name) and node.id in self.ctx.dims:
            return self.ctx.dims[node.id]
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int)
            and not isinstance(node.value, bool)
            and 1 <= node.value <= 100_000
        ):
            return sp.Integer(node.value)
        raise self.error(
            "a dimension must be a declared dimension name or a positive int",
            node,
            hint=f"dimension names: {', '.join(sorted(self.ctx.dims)) or 'none declared'}",
        )

    def integer(self, node: ast.AST, name: str) -> int:
        val = self.read(node)
        if not (val.is_scalar and isinstance(val.expr, sp.Integer)):
            raise self.error(f"{name} needs an integer literal here", node)
        k = int(val.expr)
        if abs(k) > 64:
            raise self.error(f"{name}: |k| = {abs(k)} is too large (at most 64)", node)
        return k


def _describe_node(node: ast.AST) -> str:
    names = {
        "Lambda": "a lambda",
        "ListComp": "a list comprehension",
        "GeneratorExp": "a generator expression",
        "DictComp": "a dict comprehension",
        "SetComp": "a set comprehension",
        "Compare": "a comparison",
        "BoolOp": "a boolean operator",
        "IfExp": "a conditional expression",
        "List": "a list",
        "Tuple": "a tuple",
        "Dict": "a dict",
        "Set": "a set",
        "NamedExpr": "an assignment expression",
        "JoinedStr": "an f-string",
        "Await": "await",
        "Yield": "yield",
        "Starred": "a starred expression",
        "Slice": "a slice",
    }
    return names.get(type(node).__name__, f"the syntax '{type(node).__name__}'")


def _dotted(node: ast.AST) -> tuple[str, ...] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


# -- operators ------------------------------------------------------------------

_OPNAME = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


def _ones_like(shape: tuple[Any, ...]) -> Any:
    return sp.OneMatrix(shape[0], 1 if len(shape) == 1 else shape[1])


def _check_same(reader: _Reader, a: _Val, b: _Val, op: str, node: ast.BinOp) -> None:
    if a.shape != b.shape:
        raise ShapeError(
            f"cannot compute {a.text} {op} {b.text}: {a.describe()} and {b.describe()} "
            f"differ; elementwise '{op}' needs equal shapes or a scalar operand"
        )


def _add(reader: _Reader, a: _Val, b: _Val, node: ast.BinOp, sign: int = 1) -> _Val:
    text = reader.text(node)
    if a.is_scalar and b.is_scalar:
        return _Val(a.expr + sign * b.expr, (), text)
    if a.is_scalar:
        return _Val(a.expr * _ones_like(b.shape) + sign * b.expr, b.shape, text)
    if b.is_scalar:
        return _Val(a.expr + sign * b.expr * _ones_like(a.shape), a.shape, text)
    _check_same(reader, a, b, "+" if sign == 1 else "-", node)
    return _Val(a.expr + sign * b.expr, a.shape, text)


def _sub(reader: _Reader, a: _Val, b: _Val, node: ast.BinOp) -> _Val:
    return _add(reader, a, b, node, -1)


def _mul(reader: _Reader, a: _Val, b: _Val, node: ast.BinOp) -> _Val:
    text = reader.text(node)
    if a.is_scalar or b.is_scalar:
        shape = b.shape if a.is_scalar else a.shape
        return _Val(a.expr * b.expr, shape, text)
    _check_same(reader, a, b, "*", node)
    return _Val(sp.hadamard_product(a.expr, b.expr), a.shape, text)


def _reciprocal(val: _Val) -> Any:
    if val.is_scalar:
        return 1 / val.expr
    return sp.HadamardPower(val.expr, -1)


def _div(reader: _Reader, a: _Val, b: _Val, node: ast.BinOp) -> _Val:
    text = reader.text(node)
    if b.is_scalar:
        if b.expr == 0:
            raise reader.error("division by zero", node.right)
        return _Val(a.expr / b.expr, a.shape, text)
    if a.is_scalar:
        return _Val(a.expr * _reciprocal(b), b.shape, text)
    _check_same(reader, a, b, "/", node)
    return _Val(sp.hadamard_product(a.expr, _reciprocal(b)), a.shape, text)


def _pow(reader: _Reader, a: _Val, b: _Val, node: ast.BinOp) -> _Val:
    text = reader.text(node)
    if not b.is_scalar:
        raise UnsupportedError(
            f"{text}: an array exponent is not supported; the exponent must be a scalar"
        )
    exponent = b.expr
    if exponent.is_Number and abs(exponent) > _MAX_EXPONENT:
        raise reader.error(
            f"the exponent {exponent} is too large (at most {_MAX_EXPONENT} in size)",
            node.right,
        )
    if a.is_scalar:
        base = a.expr
        if base.is_Number and exponent.is_Number and abs(base) > 1 and abs(exponent) > 64:
            raise reader.error("the power is too large to compute exactly", node)
        if base == 0 and exponent.is_Number and exponent < 0:
            raise reader.error("division by zero", node)
        return _Val(base**exponent, (), text)
    if not exponent.is_Number:
        raise UnsupportedError(
            f"{text}: an elementwise power needs a numeric exponent, got {b.text}"
        )
    if exponent == 1:
        return _Val(a.expr, a.shape, text)
    if exponent == 0:
        return _Val(_ones_like(a.shape), a.shape, text)
    return _Val(sp.HadamardPower(a.expr, exponent), a.shape, text)


def _matmul_vals(reader: _Reader, a: _Val, b: _Val, text: str, op: str = "@") -> _Val:
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
        return _Val(ScalarOf(a.expr.T * b.expr), (), text)
    if len(a.shape) == 1:
        return _Val(b.expr.T * a.expr, (b.shape[1],), text)
    if len(b.shape) == 1:
        return _Val(a.expr * b.expr, (a.shape[0],), text)
    return _Val(a.expr * b.expr, (a.shape[0], b.shape[1]), text)


def _matmul(reader: _Reader, a: _Val, b: _Val, node: ast.BinOp) -> _Val:
    return _matmul_vals(reader, a, b, reader.text(node))


_BinOp = Callable[[_Reader, _Val, _Val, ast.BinOp], _Val]
_BINOPS: dict[type, _BinOp] = {
    ast.Add: _add,
    ast.Sub: _sub,
    ast.Mult: _mul,
    ast.Div: _div,
    ast.Pow: _pow,
    ast.MatMult: _matmul,
}


# -- functions --------------------------------------------------------------------

_Handler = Callable[[_Reader, ast.Call], _Val]


def _elementwise(name: str) -> _Handler:
    spec = ELEMENTWISE[name]

    def handler(reader: _Reader, node: ast.Call) -> _Val:
        (arg,) = reader.args(node, 1, name)
        if arg.is_scalar:
            return _Val(spec.scalar(arg.expr), (), reader.text(node))
        from matderiv.expr.nodes import Elementwise

        return _Val(Elementwise(name, arg.expr), arg.shape, reader.text(node))

    return handler


def _trace(reader: _Reader, node: ast.Call) -> _Val:
    (arg,) = reader.args(node, 1, "trace")
    reader.require_square(arg, "trace", node)
    return _Val(sp.Trace(arg.expr), (), reader.text(node))


def _det(reader: _Reader, node: ast.Call) -> _Val:
    (arg,) = reader.args(node, 1, "det")
    reader.require_square(arg, "det", node)
    return _Val(sp.Determinant(arg.expr), (), reader.text(node))


def _logdet(reader: _Reader, node: ast.Call) -> _Val:
    (arg,) = reader.args(node, 1, "logdet")
    reader.require_square(arg, "logdet", node)
    return _Val(LogDet(arg.expr), (), reader.text(node))


def _inv(reader: _Reader, node: ast.Call) -> _Val:
    (arg,) = reader.args(node, 1, "inv")
    reader.require_square(arg, "inv", node)
    return _Val(sp.Inverse(arg.expr), arg.shape, reader.text(node))


def _transpose(reader: _Reader, node: ast.Call) -> _Val:
    (arg,) = reader.args(node, 1, "transpose")
    if len(arg.shape) == 2:
        return _Val(arg.expr.T, (arg.shape[1], arg.shape[0]), reader.text(node))
    return _Val(arg.expr, arg.shape, reader.text(node))


def _scalar_reduction(name: str, node_type: type, scalar: Callable[[Any], Any]) -> _Handler:
    def handler(reader: _Reader, node: ast.Call) -> _Val:
        (arg,) = reader.args(node, 1, name)
        if arg.is_scalar:
            return _Val(scalar(arg.expr), (), reader.text(node))
        return _Val(node_type(arg.expr), (), reader.text(node))

    return handler


def _softmax(reader: _Reader, node: ast.Call) -> _Val:
    (arg,) = reader.args(node, 1, "softmax")
    reader.require_vector(arg, "softmax", node)
    return _Val(Softmax(arg.expr), arg.shape, reader.text(node))


def _maximum(reader: _Reader, node: ast.Call) -> _Val:
    if len(node.args) == 2:
        for zero, other in ((1, 0), (0, 1)):
            arg = node.args[zero]
            if isinstance(arg, ast.Constant) and arg.value == 0 and not isinstance(arg.value, bool):
                inner = ast.Call(func=ast.Name(id="relu"), args=[node.args[other]], keywords=[])
                ast.copy_location(inner, node)
                val = _elementwise("relu")(reader, inner)
                return _Val(val.expr, val.shape, reader.text(node))
    if len(node.args) == 2:
        a, b = (reader.read(arg) for arg in node.args)
        if a.is_scalar and b.is_scalar:
            return _Val(sp.Max(a.expr, b.expr), (), reader.text(node))
    raise reader.error(
        "maximum is supported as np.maximum(z, 0) (relu) and for two scalars",
        node,
    )


def _heaviside(reader: _Reader, node: ast.Call) -> _Val:
    if len(node.args) == 2:
        at_zero = node.args[1]
        if isinstance(at_zero, ast.Constant) and at_zero.value == 0:
            inner = ast.Call(func=ast.Name(id="step"), args=[node.args[0]], keywords=[])
            ast.copy_location(inner, node)
            val = _elementwise("step")(reader, inner)
            return _Val(val.expr, val.shape, reader.text(node))
    raise reader.error("heaviside is supported as np.heaviside(z, 0) (the step function)", node)


def _diag(reader: _Reader, node: ast.Call) -> _Val:
    (arg,) = reader.args(node, 1, "diag")
    if len(arg.shape) == 1:
        return _Val(Diag(arg.expr), (arg.shape[0], arg.shape[0]), reader.text(node))
    reader.require_square(arg, "diag", node)
    return _Val(Diagonal(arg.expr), (arg.shape[0],), reader.text(node))


def _outer(reader: _Reader, node: ast.Call) -> _Val:
    a, b = reader.args(node, 2, "outer")
    reader.require_vector(a, "outer", node)
    reader.require_vector(b, "outer", node)
    return _Val(a.expr * b.expr.T, (a.shape[0], b.shape[0]), reader.text(node))


def _dot(reader: _Reader, node: ast.Call) -> _Val:
    a, b = reader.args(node, 2, "dot")
    if a.is_scalar or b.is_scalar:
        return _Val(a.expr * b.expr, b.shape if a.is_scalar else a.shape, reader.text(node))
    return _matmul_vals(reader, a, b, reader.text(node), op="dot")


def _matmul_call(reader: _Reader, node: ast.Call) -> _Val:
    a, b = reader.args(node, 2, "matmul")
    return _matmul_vals(reader, a, b, reader.text(node))


def _kron(reader: _Reader, node: ast.Call) -> _Val:
    # numpy's rules: two 1-D arrays give a 1-D array; a 1-D array next to a matrix
    # is a row (its shape is padded in front to (1, n)).
    a, b = reader.args(node, 2, "kron")
    if a.is_scalar or b.is_scalar:
        raise ShapeError(
            f"kron needs two vectors or matrices, got {a.describe()} and {b.describe()}"
        )
    text = reader.text(node)
    if len(a.shape) == 1 and len(b.shape) == 1:
        return _Val(sp.KroneckerProduct(a.expr, b.expr), (a.shape[0] * b.shape[0],), text)
    left = a.expr.T if len(a.shape) == 1 else a.expr
    right = b.expr.T if len(b.shape) == 1 else b.expr
    shape = (left.shape[0] * right.shape[0], left.shape[1] * right.shape[1])
    return _Val(sp.KroneckerProduct(left, right), shape, text)


def _vec(reader: _Reader, node: ast.Call) -> _Val:
    (arg,) = reader.args(node, 1, "vec")
    if len(arg.shape) != 2:
        raise ShapeError(f"vec needs a matrix, got {arg.describe()}")
    return _Val(Vec(arg.expr), (arg.shape[0] * arg.shape[1],), reader.text(node))


def _commutation(reader: _Reader, node: ast.Call) -> _Val:
    if len(node.args) != 2:
        raise reader.error(
            "commutation(m, n) takes two dimensions: K vec(X) = vec(X.T) for X of shape (m, n)",
            node,
        )
    m, n = (reader.dimension(arg) for arg in node.args)
    return _Val(Commutation(m, n), (m * n, m * n), reader.text(node))


def _matrix_power(reader: _Reader, node: ast.Call) -> _Val:
    if len(node.args) != 2:
        raise reader.error("matrix_power(X, k) takes a matrix and an integer", node)
    arg = reader.read(node.args[0])
    reader.require_square(arg, "matrix_power", node)
    k = reader.integer(node.args[1], "matrix_power")
    text = reader.text(node)
    if k == 0:
        return _Val(sp.Identity(arg.shape[0]), arg.shape, text)
    if k == 1:
        return _Val(arg.expr, arg.shape, text)
    if k == -1:
        return _Val(sp.Inverse(arg.expr), arg.shape, text)
    return _Val(sp.MatPow(arg.expr, k), arg.shape, text)


def _eye(reader: _Reader, node: ast.Call) -> _Val:
    if len(node.args) != 1:
        raise reader.error("eye(n) takes one dimension", node)
    n = reader.dimension(node.args[0])
    return _Val(sp.Identity(n), (n, n), reader.text(node))


def _filled(name: str, factory: Callable[[Any, Any], Any]) -> _Handler:
    def handler(reader: _Reader, node: ast.Call) -> _Val:
        if len(node.args) != 1:
            raise reader.error(f"{name}(n) or {name}((m, n)) takes one shape", node)
        arg = node.args[0]
        if isinstance(arg, ast.Tuple):
            dims = [reader.dimension(item) for item in arg.elts]
            if len(dims) == 1:
                return _Val(factory(dims[0], 1), (dims[0],), reader.text(node))
            if len(dims) != 2:
                raise reader.error(f"{name} makes vectors or matrices only", arg)
            return _Val(factory(dims[0], dims[1]), (dims[0], dims[1]), reader.text(node))
        n = reader.dimension(arg)
        return _Val(factory(n, 1), (n,), reader.text(node))

    return handler


def _norm(x: Any) -> Any:
    return sp.Abs(x)


#: The functions of the language by name (with or without ``np.`` / ``np.linalg.``).
FUNCTIONS: dict[str, _Handler] = {
    "trace": _trace,
    "det": _det,
    "logdet": _logdet,
    "inv": _inv,
    "transpose": _transpose,
    "sum": _scalar_reduction("sum", SumAll, lambda x: x),
    "norm": _scalar_reduction("norm", Norm, _norm),
    "logsumexp": _scalar_reduction("logsumexp", LogSumExp, lambda x: x),
    "softmax": _softmax,
    "maximum": _maximum,
    "heaviside": _heaviside,
    "diag": _diag,
    "outer": _outer,
    "dot": _dot,
    "matmul": _matmul_call,
    "matrix_power": _matrix_power,
    "kron": _kron,
    "vec": _vec,
    "commutation": _commutation,
    "eye": _eye,
    "identity": _eye,
    "ones": _filled("ones", sp.OneMatrix),
    "zeros": _filled("zeros", sp.ZeroMatrix),
    **{name: _elementwise(name) for name in ELEMENTWISE if name != "step"},
}


# -- entry points --------------------------------------------------------------------


def _syntax_tree(source: str) -> ast.Expression:
    if not isinstance(source, str):
        raise ParseError(f"an expression must be a string or a SymPy expression, got {source!r}")
    if not source.strip():
        raise ParseError("the expression is empty", source=source, offset=0)
    if len(source) > _MAX_LENGTH:
        raise ParseError(f"the expression is longer than {_MAX_LENGTH} characters")
    if "\x00" in source:
        raise ParseError(
            "the expression contains a NUL character",
            source=source.replace("\x00", " "),
            offset=source.index("\x00"),
        )
    try:
        tree = ast.parse(source.strip() if "\n" not in source else source, mode="eval")
    except SyntaxError as exc:
        offset = None
        if exc.offset is not None:
            lines = source.split("\n")
            line_index = max(0, (exc.lineno or 1) - 1)
            offset = sum(len(line) + 1 for line in lines[:line_index]) + exc.offset - 1
            if "\n" not in source:
                offset += len(source) - len(source.lstrip())
        raise ParseError(
            f"syntax error: {exc.msg}",
            source=source,
            offset=offset,
            hint="write a numpy expression such as 'x.T @ A @ x' or 'trace(inv(X) @ A)'",
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ParseError(f"the expression cannot be parsed: {exc}", source=source) from None
    return tree


def user_shape(expr: Any, ctx: Context) -> tuple[Any, ...]:
    """The numpy shape of a SymPy expression in the internal representation.

    An ``(k, 1)`` matrix expression is a 1-D vector unless a declared name is
    an explicit ``(k, 1)`` matrix.

    >>> ctx = make_context_for_doc()
    >>> user_shape(ctx.symbols["A"] * ctx.symbols["x"], ctx)
    (n,)
    """
    if not isinstance(expr, sp.MatrixExpr):
        return ()
    rows, cols = expr.shape
    if cols == 1 and not any(len(s) == 2 and s[1] == 1 for s in ctx.shapes.values()):
        return (rows,)
    return (rows, cols)


def make_context_for_doc() -> Context:
    """A small context for examples: x (n,), A (n, n), X (m, n), c scalar.

    >>> sorted(make_context_for_doc().shapes)
    ['A', 'X', 'c', 'x']
    """
    return make_context({"x": ("n",), "A": ("n", "n"), "X": ("m", "n"), "c": ()})


def _from_sympy(expr: Any, ctx: Context) -> Any:
    replace: dict[Any, Any] = {}
    for atom in expr.atoms(sp.MatrixSymbol, sp.Symbol):
        name = str(atom.name)
        if isinstance(atom, sp.MatrixSymbol):
            mine = ctx.symbols.get(name)
            if not isinstance(mine, sp.MatrixSymbol):
                raise ParseError(
                    f"the SymPy expression uses the matrix {name!r}, which shapes does not "
                    f"declare as a vector or matrix (declared: {', '.join(sorted(ctx.symbols))})"
                )
            replace[atom] = mine
        elif name in ctx.symbols and not isinstance(ctx.symbols[name], sp.MatrixSymbol):
            replace[atom] = ctx.symbols[name]
        elif name in ctx.dims:
            replace[atom] = ctx.dims[name]
        elif not (atom.is_Symbol and atom.is_Dummy):
            raise ParseError(
                f"the SymPy expression uses the symbol {name!r}, which shapes does not declare"
            )
    try:
        return expr.xreplace(replace)
    except Exception as exc:  # a SymPy shape check on the rebuilt expression
        raise ShapeError(f"the SymPy expression does not fit the declared shapes: {exc}") from None


def parse_typed(
    source: str | sp.Basic,
    shapes: Mapping[str, ShapeSpec] | Context,
    assume: Mapping[str, str | Iterable[str]] | None = None,
) -> Parsed:
    """Parse an expression and return it with its numpy shape.

    Parameters
    ----------
    source
        Expression text (numpy syntax) or a SymPy expression.
    shapes
        Name -> shape, or a prepared :class:`~matderiv.expr.context.Context`.
    assume
        Name -> assumption (``"symmetric"``, ``"spd"``, ``"invertible"``, ``"positive"``).

    Returns
    -------
    Parsed
        The SymPy expression, its shape and the context.

    Raises
    ------
    ParseError
        Text outside the language, unknown names.
    ShapeError
        Operands whose shapes do not fit.

    Examples
    --------
    >>> parse_typed("A @ x + 1", {"A": (3, 2), "x": (2,)}).shape
    (3,)
    """
    ctx = shapes if isinstance(shapes, Context) else make_context(shapes, assume)
    if isinstance(source, sp.Basic):
        with internal_errors(source):
            expr = _from_sympy(source, ctx)
            return Parsed(expr, user_shape(expr, ctx), ctx, None)
    tree = _syntax_tree(source)
    reader = _Reader(source, ctx)
    with internal_errors(source):
        try:
            val = reader.read(tree.body)
        except RecursionError:
            raise ParseError("the expression is nested too deeply", source=source) from None
    return Parsed(val.expr, val.shape, ctx, source)


def parse(
    source: str | sp.Basic,
    shapes: Mapping[str, ShapeSpec] | Context,
    assume: Mapping[str, str | Iterable[str]] | None = None,
) -> Any:
    """Parse an expression of the language into a SymPy expression.

    Vectors become ``(n, 1)`` matrix expressions, scalars SymPy scalars
    (see ``matderiv.expr.nodes``); use :func:`parse_typed` to also get
    the numpy shape.

    Parameters
    ----------
    source
        Expression text in numpy syntax, or a SymPy expression.
    shapes
        Name -> shape: a tuple of ints or dimension names, ``()`` for a scalar.
    assume
        Name -> assumption, see :data:`~matderiv.expr.context.ASSUMPTIONS`.

    Returns
    -------
    sympy.Basic
        The expression.

    Raises
    ------
    ParseError, ShapeError, UnsupportedError

    Examples
    --------
    >>> print(parse("trace(X.T @ A @ X)", {"X": ("n", "k"), "A": ("n", "n")}))
    Trace(X.T*A*X)
    >>> parse("A @ x", {"A": ("m", "n"), "x": ("m",)})
    Traceback (most recent call last):
    ...
    matderiv.errors.ShapeError: cannot compute A @ x: A (shape (m, n)) and x (shape (m,)) ...
    """
    return parse_typed(source, shapes, assume).expr
