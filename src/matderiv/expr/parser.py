"""Text -> SymPy: the expression language, read with :mod:`ast` against a whitelist.

The text is parsed by Python's own parser into a syntax tree; only the node
kinds and names the reader (:mod:`matderiv.expr.reader`) and the primitives
(:mod:`matderiv.expr.primitives`, each with its function handlers) accept are
translated into a SymPy matrix expression while its shape is checked.
Nothing in the text is ever evaluated: there is no ``eval``, ``exec`` or
``sympify`` of user text.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

import matderiv.expr.primitives  # noqa: F401  (registers the language's functions)
from matderiv.errors import ParseError, ShapeError
from matderiv.expr import reader
from matderiv.expr._guard import internal_errors
from matderiv.expr.context import Context, ShapeSpec, make_context
from matderiv.expr.reader import MAX_LENGTH, Reader
from matderiv.expr.text import inline_where, split_where

__all__ = ["FUNCTIONS", "Parsed", "parse", "parse_typed", "user_shape"]

#: The functions of the language by name (with or without ``np.`` / ``np.linalg.``), each
#: read by the handler its primitive registered (the table of ``matderiv.expr.reader``).
FUNCTIONS = reader.FUNCTIONS


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


# -- entry points --------------------------------------------------------------------


def _syntax_checked(source: object) -> str:
    if not isinstance(source, str):
        raise ParseError(f"an expression must be a string or a SymPy expression, got {source!r}")
    return source


def _inline_where(source: str, ctx: Context) -> str:
    """``main where s = ..., t = ...`` (a printed result's named intermediates) as one expression.

    A name the clause defines must not be a declared name, a dimension or a function of the
    language: the substitution would silently change what the text means.
    """
    if "where" not in source or len(source) > MAX_LENGTH:
        return source
    try:
        _, definitions = split_where(source)
    except (SyntaxError, ValueError, IndentationError):  # tokenize's own errors
        return source  # not a where form; the parser reports the syntax
    for name, _ in definitions:
        if name in ctx.shapes or name in ctx.dims or name in FUNCTIONS:
            raise ParseError(
                f"the where clause defines {name!r}, which is already a declared name, a "
                "dimension or a function; choose another name for the intermediate",
                source=source,
                offset=source.find(f"{name}", source.find("where")),
            )
    return inline_where(source) if definitions else source


def _syntax_tree(source: str) -> ast.Expression:
    if not isinstance(source, str):
        raise ParseError(f"an expression must be a string or a SymPy expression, got {source!r}")
    if not source.strip():
        raise ParseError("the expression is empty", source=source, offset=0)
    if len(source) > MAX_LENGTH:
        raise ParseError(f"the expression is longer than {MAX_LENGTH} characters")
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

    >>> ctx = make_context({"x": ("n",), "A": ("n", "n")})
    >>> user_shape(ctx.symbols["A"] * ctx.symbols["x"], ctx)
    (n,)
    """
    if not isinstance(expr, sp.MatrixExpr):
        return ()
    rows, cols = expr.shape
    if cols == 1 and not any(len(s) == 2 and s[1] == 1 for s in ctx.shapes.values()):
        return (rows,)
    return (rows, cols)


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
        Name -> assumption (``"symmetric"``, ``"spd"``, ``"invertible"``, ``"positive"``,
        ``"onehot_columns"``, ``"onehot_rows"``).

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

    A printed result with named intermediates (``main where s = ..., t = ...``) reads as the
    expression with each name replaced by its definition:

    >>> parse_typed("s @ s where s = A @ x", {"A": (3, 2), "x": (2,)}).shape
    ()
    """
    ctx = shapes if isinstance(shapes, Context) else make_context(shapes, assume)
    if isinstance(source, sp.Basic):
        with internal_errors(source):
            expr = _from_sympy(source, ctx)
            return Parsed(expr, user_shape(expr, ctx), ctx, None)
    source = _inline_where(_syntax_checked(source), ctx)
    tree = _syntax_tree(source)
    reader = Reader(source, ctx)
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
        Name -> assumption, see :data:`~matderiv.assumptions.ASSUMPTIONS`.

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
