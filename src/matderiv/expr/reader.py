"""The reader of the expression language: syntax tree -> SymPy, operators and names.

:class:`Reader` walks a Python syntax tree (from ``ast``) and accepts only
the node kinds and names listed here; ``.T`` is read here, the operators
``+ - * / ** @`` by :mod:`matderiv.expr.arithmetic`, the named functions by the
handlers of :data:`FUNCTIONS`, which each primitive registers beside its spec (see
:mod:`matderiv.expr.primitive`).  Nothing in the text is ever evaluated.

Examples
--------
>>> import ast
>>> from matderiv.expr.context import make_context
>>> reader = Reader("A @ x", make_context({"A": ("m", "n"), "x": ("n",)}))
>>> reader.read(ast.parse("A @ x", mode="eval").body).shape
(m,)
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import sympy as sp

from matderiv.errors import ParseError, ShapeError
from matderiv.expr.arithmetic import BINOPS, is_identically_zero, matmul_vals
from matderiv.expr.bounds import constant_problem
from matderiv.expr.context import Context
from matderiv.expr.nodes import LogDet
from matderiv.expr.values import Val, ones_like

__all__ = [
    "AXIS_FORMS",
    "FUNCTIONS",
    "KEYWORDS",
    "MAX_LENGTH",
    "METHODS",
    "Handler",
    "Reader",
    "Val",
    "accepts",
    "as_column",
    "as_row",
    "dotted",
    "matmul_vals",
    "ones_like",
]

MAX_LENGTH = 5000
_MAX_DIMENSION = 100_000
_MAX_DIMENSION_EXPONENT = 8
_PREFIXES = {(), ("np",), ("numpy",), ("np", "linalg"), ("numpy", "linalg")}


class Reader:
    """Reads a syntax tree against the whitelist, checking shapes as it goes."""

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
    def read(self, node: ast.AST) -> Val:
        method = getattr(self, "_read_" + type(node).__name__, None)
        if method is None:
            raise self.error(
                f"{_describe_node(node)} is not part of the expression language",
                node,
                hint="allowed: names, numbers, + - * / ** @, unary minus, .T and function "
                "calls such as trace(X), inv(X), np.exp(x)",
            )
        val: Val = method(node)
        if val.is_scalar and val.expr.is_number and not val.expr.is_extended_real:
            raise self.error(
                f"{self.text(node)} is not a real number ({val.expr})",
                node,
                hint="matderiv works with real arrays; check the domain of log, sqrt and powers",
            )
        if val.is_scalar and val.expr.is_number and not val.expr.is_finite:
            raise self.error(f"{self.text(node)} is not finite ({val.expr})", node)
        self.check_constants(val, node)
        return val

    def check_constants(self, val: Val, node: ast.AST) -> None:
        """Refuse a value whose folded numbers are not float64 (:mod:`~matderiv.expr.bounds`).

        The value itself when it is a number, else the numbers among its
        operands (the factor ``c`` of ``c * X``, the term ``c`` of ``c + x``):
        every number the reader folds appears there when it is made.
        """
        expr = val.expr
        if expr.is_number:
            numbers = [expr] if val.is_scalar else []
        elif isinstance(expr, _FOLDING):
            numbers = [a for a in expr.args if a.is_number]
        else:
            return
        for number in numbers:
            problem = constant_problem(number)
            if problem is not None:
                raise self.error(
                    f"the constant {self.text(node)} is not a float64 number: {problem}",
                    node,
                    hint="matderiv computes in float64: constants lie within 4.9e-324 and 1.8e308 "
                    "in magnitude (see 'Limits and errors')",
                )

    def _read_Constant(self, node: ast.Constant) -> Val:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"the literal {value!r} is not a real number", node)
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.error("the literal is not a finite number", node)
            number = sp.Rational(repr(value)) if "e" not in repr(value) else sp.Float(value)
        else:
            number = sp.Integer(value)
        return Val(number, (), self.text(node))

    def _read_Name(self, node: ast.Name) -> Val:
        name = node.id
        if name.startswith("__"):
            raise self.error(f"the name {name!r} is not allowed (no dunder names)", node)
        if name in self.ctx.symbols:
            return Val(self.ctx.symbols[name], self.ctx.shapes[name], name)
        if name == "pi":
            return Val(sp.pi, (), name)
        if name in FUNCTIONS:
            raise self.error(f"{name!r} is a function; call it, for example {name}(X)", node)
        if name in self.ctx.dims:  # a size used as a number (the batch size N in sum(L) / N)
            return Val(self.ctx.dims[name], (), name)
        raise self.error(f"unknown name {name!r}", node, hint=self.allowed_names())

    def allowed_names(self) -> str:
        declared = ", ".join(sorted(self.ctx.symbols)) or "none"
        return (
            f"declared names: {declared}; declare a new one in shapes "
            f"(on the command line: --shape NAME=DIMS); functions: {', '.join(sorted(FUNCTIONS))}"
        )

    def _read_Attribute(self, node: ast.Attribute) -> Val:
        if node.attr == "T":
            value = self.read(node.value)
            if len(value.shape) == 2:
                return Val(value.expr.T, (value.shape[1], value.shape[0]), self.text(node))
            return Val(value.expr, value.shape, self.text(node))  # numpy: no-op on 0-d/1-d
        if node.attr == "pi" and dotted(node.value) in _PREFIXES:
            return Val(sp.pi, (), self.text(node))
        raise self.error(
            f"attribute '.{node.attr}' is not allowed",
            node,
            hint="the only attribute is '.T' (transpose); functions may be written with "
            "an 'np.' or 'np.linalg.' prefix",
        )

    def _read_UnaryOp(self, node: ast.UnaryOp) -> Val:
        operand = self.read(node.operand)
        if isinstance(node.op, ast.USub):
            return Val(-operand.expr, operand.shape, self.text(node))
        if isinstance(node.op, ast.UAdd):
            return Val(operand.expr, operand.shape, self.text(node))
        raise self.error(f"the operator in {self.text(node)!r} is not allowed", node)

    def _read_BinOp(self, node: ast.BinOp) -> Val:
        op = BINOPS.get(type(node.op))
        if op is None:
            raise self.error(
                f"the operator in {self.text(node)!r} is not part of the language",
                node,
                hint="allowed operators: + - * / ** @",
            )
        left = self.read(node.left)
        right = self.read(node.right)
        return op(self, left, right, node)

    def _read_Call(self, node: ast.Call) -> Val:
        if isinstance(node.func, ast.Attribute) and node.func.attr in METHODS:
            path = dotted(node.func)
            if path is None or path[:-1] not in _PREFIXES:  # X.sum(axis=0): sum(X, axis=0)
                call = ast.Call(
                    func=ast.Name(id=node.func.attr, ctx=ast.Load()),
                    args=[node.func.value, *node.args],
                    keywords=node.keywords,
                )
                return self._read_Call(ast.copy_location(call, node))
        path = dotted(node.func)
        if path is None or path[:-1] not in _PREFIXES:
            if isinstance(node.func, ast.Attribute) and node.func.attr == "T":
                raise self.error("'.T' is an attribute, not a method; write X.T", node)
            hint = (
                f"methods: {', '.join(sorted(METHODS))}; "
                if isinstance(node.func, ast.Attribute)
                else ""
            )
            raise self.error(
                f"{self.text(node.func)!r} is not a function of the language",
                node,
                hint=f"{hint}functions: {', '.join(sorted(FUNCTIONS))} "
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
        form = AXIS_FORMS.get(name)
        if form is not None and (
            any(k.arg == "axis" for k in node.keywords) or len(node.args) > form[1]
        ):
            handler = form[0]
        if handler is None:
            raise self.error(
                f"unknown function {name!r}",
                node,
                hint=f"functions: {', '.join(sorted(FUNCTIONS))}",
            )
        accepted = KEYWORDS.get(handler, frozenset())
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.error("**kwargs is not part of the language", keyword)
            if keyword.arg not in accepted:
                raise self.error(
                    f"{name}() got an unexpected keyword argument {keyword.arg!r}",
                    keyword,
                    hint=f"{name}() accepts the keywords {', '.join(sorted(accepted))}"
                    if accepted
                    else f"{name}() takes no keyword arguments",
                )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error("*args is not part of the language", arg)
        return handler(self, node)

    def _read_Subscript(self, node: ast.Subscript) -> Val:
        value = node.value
        index = node.slice
        if (
            isinstance(value, ast.Call)
            and (dotted(value.func) or ("",))[-1] == "slogdet"
            and isinstance(index, ast.Constant)
            and type(index.value) is int  # not True, not 1.0
            and index.value == 1
        ):
            if len(value.args) != 1 or value.keywords:
                raise self.error("slogdet takes one matrix", value)
            arg = self.read(value.args[0])
            self.require_square(arg, "slogdet", value)
            self.require_nonsingular(arg, "slogdet", value.args[0])
            return Val(LogDet(arg.expr), (), self.text(node))
        if isinstance(value, ast.Call) and (dotted(value.func) or ("",))[-1] == "slogdet":
            raise self.error(
                f"the index of slogdet(...)[{self.text(index)}] must be the int 1 "
                "(the log of |det|)",
                index,
                hint="write np.linalg.slogdet(X)[1] (not 1.0, not True), or logdet(X)",
            )
        axes = self._new_axis(index)
        if axes is None:
            raise self.error(
                "subscripts are not part of the language",
                node,
                hint="the subscripts are v[:, None] and v[None, :] (a 1-D vector as a column "
                "or a row; np.newaxis for None) and np.linalg.slogdet(X)[1]",
            )
        val = self.read(value)
        if len(val.shape) != 1:
            raise self.error(
                f"{self.text(node)}: only a 1-D vector takes a new axis here, got {val.describe()}",
                index,
                hint="v[:, None] is the column (n, 1), v[None, :] the row (1, n)",
            )
        return as_column(val, self.text(node)) if axes == 1 else as_row(val, self.text(node))

    def _new_axis(self, index: ast.AST) -> int | None:
        """1 for ``[:, None]``, 0 for ``[None, :]`` (the position of the new axis), else None."""
        if not (isinstance(index, ast.Tuple) and len(index.elts) == 2):
            return None
        kinds = [self._index_kind(e) for e in index.elts]
        if kinds == ["all", "new"]:
            return 1
        if kinds == ["new", "all"]:
            return 0
        return None

    @staticmethod
    def _index_kind(node: ast.AST) -> str:
        if isinstance(node, ast.Slice) and node.lower is node.upper is node.step is None:
            return "all"
        if isinstance(node, ast.Constant) and node.value is None:
            return "new"
        path = dotted(node)
        if path is not None and path[-1] == "newaxis" and path[:-1] in _PREFIXES:
            return "new"
        return "other"

    # -- helpers for the function table ---------------------------------------
    def operator_offset(self, node: ast.AST) -> int:
        """The offset of a binary operator (after its left operand), else of the node."""
        if not isinstance(node, ast.BinOp) or getattr(node.left, "end_lineno", None) is None:
            return self.offset(node)
        start = self._line_starts[min(node.left.end_lineno or 1, len(self._line_starts)) - 1]
        line = self.source[start:].split("\n", 1)[0]
        end = start + len(
            line.encode("utf-8")[: node.left.end_col_offset].decode("utf-8", "ignore")
        )
        while end < len(self.source) and self.source[end] in " )\n":
            end += 1
        return end

    def keyword(self, node: ast.Call, name: str) -> ast.expr | None:
        """The value of the keyword argument `name` of the call, if given."""
        for keyword in node.keywords:
            if keyword.arg == name:
                return keyword.value
        return None

    def flag(self, node: ast.AST, name: str) -> bool:
        """A ``True``/``False`` literal (the value of a keyword such as ``keepdims``)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return node.value
        raise self.error(f"{name} needs True or False, got {self.text(node)!r}", node)

    def axis(self, node: ast.AST, ndim: int, name: str) -> int:
        """An axis of a value with `ndim` axes: an int literal, negative counting from the end."""
        value: int | None = None
        if isinstance(node, ast.Constant) and type(node.value) is int:
            value = node.value
        elif (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) is int
        ):
            value = -node.operand.value
        if value is None:
            raise self.error(
                f"{name}: the axis must be an int literal, got {self.text(node)!r}",
                node,
                hint="axis=0 runs down the columns, axis=1 (or -1) along the rows; "
                "a tuple of axes is the whole array: leave axis out",
            )
        if not -ndim <= value < ndim:
            raise self.error(
                f"{name}: axis {value} is out of bounds for array of dimension {ndim}",
                node,
                hint=f"the axes of a {ndim}-D value are {', '.join(map(str, range(-ndim, ndim)))}",
            )
        return value % ndim

    def args(self, node: ast.Call, count: int, name: str) -> list[Val]:
        if len(node.args) != count:
            raise self.error(
                f"{name}() takes {count} argument{'s' if count != 1 else ''}, got {len(node.args)}",
                node,
            )
        return [self.read(arg) for arg in node.args]

    def require_square(self, val: Val, name: str, node: ast.AST) -> None:
        if len(val.shape) != 2 or val.shape[0] != val.shape[1]:
            raise ShapeError(f"{name} needs a square matrix, got {val.describe()}")

    def require_nonsingular(self, val: Val, name: str, node: ast.AST) -> None:
        """Refuse a matrix that is singular whatever the inputs (``zeros``, ``X - X``)."""
        if is_identically_zero(val.expr):
            raise self.error(
                f"{name} of {val.text}: the matrix is identically zero, so singular",
                node,
                hint=f"{name} needs an invertible matrix; check the expression",
            )

    def require_vector(self, val: Val, name: str, node: ast.AST) -> None:
        if len(val.shape) != 1:
            raise ShapeError(f"{name} needs a 1-D vector, got {val.describe()}")

    def dimension(self, node: ast.AST) -> Any:
        """A dimension: a declared dimension name, a positive int, or a product, power or
        sum of them (``m * n``, ``n ** 2``, ``m + 1``), as SymPy's positive integer."""
        dim = self._dimension(node)
        if dim.is_Integer and not 1 <= int(dim) <= _MAX_DIMENSION:
            raise self.error(
                f"the dimension {self.text(node)} = {dim} is outside 1 … {_MAX_DIMENSION}", node
            )
        return dim

    def _dimension(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Name) and node.id in self.ctx.dims:
            return self.ctx.dims[node.id]
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int)
            and not isinstance(node.value, bool)
            and 1 <= node.value <= _MAX_DIMENSION
        ):
            return sp.Integer(node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Add):
            left, right = self._dimension(node.left), self._dimension(node.right)
            return left * right if isinstance(node.op, ast.Mult) else left + right
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Pow)
            and isinstance(node.right, ast.Constant)
            and isinstance(node.right.value, int)
            and not isinstance(node.right.value, bool)
            and 1 <= node.right.value <= _MAX_DIMENSION_EXPONENT
        ):
            return self._dimension(node.left) ** node.right.value
        raise self.error(
            "a dimension must be a declared dimension name, a positive int, or a product, "
            f"power (exponent 1 … {_MAX_DIMENSION_EXPONENT}) or sum of them",
            node,
            hint=f"dimension names: {', '.join(sorted(self.ctx.dims)) or 'none declared'}; "
            "for example eye(m * n), zeros((n ** 2, n))",
        )

    def integer(self, node: ast.AST, name: str) -> int:
        for part in ast.walk(node):
            if isinstance(part, ast.Constant) and type(part.value) is not int:
                raise self.error(
                    f"{name} needs an integer here, got {self.text(part)!r} "
                    f"({type(part.value).__name__})",
                    part,
                    hint="write an int literal such as 2 (not 2.0, not True)",
                )
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


def dotted(node: ast.AST) -> tuple[str, ...] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


#: The node types whose numeric operands are constants the reader folded.
_FOLDING = (sp.Mul, sp.Add, sp.Pow, sp.MatMul, sp.MatAdd, sp.HadamardProduct, sp.HadamardPower)


# a function of the language: reads the call and returns its value
Handler = Callable[[Reader, ast.Call], Val]

#: The functions of the language by name (with or without ``np.`` / ``np.linalg.``);
#: each primitive's module registers its handlers here (:func:`matderiv.expr.primitive.register`).
FUNCTIONS: dict[str, Handler] = {}

#: The keyword arguments each handler reads (declared with :func:`accepts`); the reader
#: refuses any other keyword before the handler runs.
KEYWORDS: dict[Handler, frozenset[str]] = {}

#: Functions that are also methods of an array (``X.sum(axis=0)`` is ``sum(X, axis=0)``).
METHODS: set[str] = set()

#: The form of a function along an axis: its handler and the number of positional arguments
#: of the plain form; a call with ``axis=`` or more positional arguments is read by it
#: (``logsumexp(Z, axis=0)`` beside the whole-array ``logsumexp(Z)``).
AXIS_FORMS: dict[str, tuple[Handler, int]] = {}


def accepts(*names: str) -> Callable[[Handler], Handler]:
    """Declare the keyword arguments a function handler reads (the reader refuses others).

    Examples
    --------
    >>> @accepts("axis", "keepdims")
    ... def handler(reader, node): ...
    >>> sorted(KEYWORDS[handler])
    ['axis', 'keepdims']
    """

    def declare(handler: Handler) -> Handler:
        KEYWORDS[handler] = frozenset(names)
        return handler

    return declare


def as_column(val: Val, text: str) -> Val:
    """A 1-D vector as numpy's column ``v[:, None]`` (the same ``(n, 1)`` expression inside)."""
    return Val(val.expr, (val.shape[0], sp.Integer(1)), text)


def as_row(val: Val, text: str) -> Val:
    """A 1-D vector as numpy's row ``v[None, :]`` (``(1, n)`` inside)."""
    return Val(val.expr.T, (sp.Integer(1), val.shape[0]), text)
