"""SymPy -> text in the expression language itself (numpy syntax, 1-D vectors).

The printed text of a gradient or Jacobian is again an expression of the
language: it parses, and as numpy it computes the same array for the same
1-D vectors.  Column-times-row products become ``outer(u, v)``, transposes of
vectors disappear (as in numpy), ``c * 1 + v`` is written ``c + v``.

Examples
--------
>>> from matderiv.expr import parse
>>> to_text(parse("x.T @ A @ x", {"x": ("n",), "A": ("n", "n")}))
'x @ A @ x'
>>> import sympy as sp
>>> u, x = sp.MatrixSymbol("u", 3, 1), sp.MatrixSymbol("x", 2, 1)
>>> to_text(u * x.T)
'outer(u, x)'
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

import sympy as sp

import matderiv.expr.primitives  # noqa: F401  (registers the printers)
from matderiv.errors import ParseError
from matderiv.expr.codegen.names import rename_identifiers
from matderiv.expr.primitive import ATOM, POSTFIX, PRIMITIVES, PRODUCT, UNARY, Txt

if TYPE_CHECKING:
    from matderiv.expr.shared import Shared

__all__ = ["inline_where", "split_where", "text_printer", "to_text", "to_text_where"]


def _number(node: Any) -> Txt:
    if node.is_Rational and not node.is_Integer:
        decimal = repr(float(node))
        if "e" not in decimal and sp.Rational(decimal) == node:  # 1/2 is 0.5, exactly
            return (decimal, ATOM if not decimal.startswith("-") else UNARY)
        return (f"{node.p}/{node.q}", PRODUCT)
    text = str(int(node)) if node.is_Integer else repr(float(node))
    return (text, ATOM if not text.startswith("-") else UNARY)


def _printer(matrices: Collection[str]) -> Callable[[Any], Txt]:
    """The text printer; the names in `matrices` are matrices with a dimension 1.

    The printer remembers what it printed (a node prints the same wherever it is), so a
    subexpression shared by several parents is printed once.

    The printers write every ``(k, 1)`` and ``(1, k)`` value as numpy's 1-D vector (a
    transpose of a vector vanishes, a column times a row is ``outer``); a declared 2-D
    matrix with a dimension 1 is therefore written as its 1-D entries, ``vec(C)``.
    """

    memo: dict[Any, Txt] = {}

    def p(node: Any) -> Txt:
        found = memo.get(node)
        if found is None:
            found = memo[node] = _print_node(node)
        return found

    def _print_node(node: Any) -> Txt:
        if isinstance(node, sp.MatrixSymbol) and node.name in matrices:
            return (f"vec({node.name})", POSTFIX)
        if isinstance(node, sp.MatrixSymbol | sp.Symbol):
            return (str(node.name), ATOM)
        if isinstance(node, sp.Number):
            return _number(node)
        if node is sp.pi:
            return ("pi", ATOM)
        if node is sp.E:  # e, as SymPy writes exp(1)
            return ("exp(1)", POSTFIX)
        return PRIMITIVES.lookup(node).text(node, p)

    return p


def _matrices(shapes: Mapping[str, tuple[Any, ...]] | None) -> set[str]:
    return {
        name
        for name, shape in (shapes or {}).items()
        if len(shape) == 2 and (shape[0] == 1 or shape[1] == 1)
    }


def text_printer(shapes: Mapping[str, tuple[Any, ...]] | None = None) -> Callable[[Any], str]:
    """:func:`to_text` for many subexpressions of one expression, remembering what it printed.

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> e = parse("np.exp(A @ x) * x", {"A": ("n", "n"), "x": ("n",)})
    >>> p = text_printer()
    >>> p(e), p(e.args[0])
    ('exp(A @ x) * x', 'exp(A @ x)')
    """
    p = _printer(_matrices(shapes))
    return lambda node: p(node)[0]


def to_text(
    expr: Any, shapes: Mapping[str, tuple[Any, ...]] | None = None, ndim: int | None = None
) -> str:
    """The expression as text of the language (numpy syntax, 1-D vectors).

    Parameters
    ----------
    expr
        A SymPy expression in matderiv's internal representation.
    shapes
        The declared shapes of the names (``()``, ``(n,)`` or ``(m, n)``), when some
        matrix has a dimension 1 (declared ``(n, 1)`` or ``(1, n)``: a 2-D array in numpy,
        where the internal representation cannot tell it from a vector).
    ndim
        The number of axes the value has in numpy (``None``: as printed); a column or row
        that must be 2-D is written ``outer(v, ones(1))`` or ``outer(ones(1), v)``, a
        1 x 1 matrix ``(s) * ones((1, 1))``.

    Returns
    -------
    str
        Text that :func:`matderiv.expr.parse` reads back, and numpy code for the
        same arrays (vec forms included: ``vec``, ``commutation`` and ``kron``).

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> to_text(parse("-2 * X.T @ (Y - X @ T)", {"X": ("m", "n"), "Y": ("m", "k"),
    ...                                          "T": ("n", "k")}))
    '-2 * X.T @ (Y - X @ T)'
    >>> C = {"C": ("n", 1)}
    >>> to_text(parse("2 * C", C), C, ndim=2), to_text(parse("C.T @ C", C), C, ndim=2)
    ('outer(2 * vec(C), ones(1))', '(vec(C) @ vec(C)) * ones((1, 1))')
    """
    text = _printer(_matrices(shapes))(expr)[0]
    shape: tuple[Any, ...] = tuple(getattr(expr, "shape", ()))
    if ndim != 2 or len(shape) != 2 or (shape[0] != 1 and shape[1] != 1):
        return text
    if shape[0] == shape[1]:  # 1 x 1: printed as a scalar
        return f"({text}) * ones((1, 1))"
    return f"outer({text}, ones(1))" if shape[1] == 1 else f"outer(ones(1), {text})"


def to_text_where(
    shared: Shared, shapes: Mapping[str, tuple[Any, ...]] | None = None, ndim: int | None = None
) -> str:
    """The text of a :class:`~matderiv.expr.shared.Shared` split: ``main where s = ..., t = ...``.

    Without definitions this is :func:`to_text` of the main expression.  :func:`inline_where`
    turns the text back into a single expression of the language.

    Parameters
    ----------
    shared
        The split (see :func:`matderiv.expr.shared.share`).
    shapes, ndim
        As for :func:`to_text` (`ndim` applies to the main expression).

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> from matderiv.expr.shared import share
    >>> shapes = {"W": ("m", "n"), "x": ("n",), "y": ("m",)}
    >>> e = parse("softmax(W @ x) * y - (y @ softmax(W @ x)) * softmax(W @ x)", shapes)
    >>> text = to_text_where(share(e, shapes), shapes)
    >>> text
    '-(y @ s) * s + y * s where s = softmax(W @ x)'
    >>> inline_where(text)
    '-(y @ softmax(W @ x)) * softmax(W @ x) + y * softmax(W @ x)'
    """
    main = to_text(shared.main, shapes, ndim)
    if not shared.definitions:
        return main
    parts = [f"{name} = {to_text(value, shapes)}" for name, value in shared.definitions]
    return f"{main} where {', '.join(parts)}"


def split_where(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``main where a = ..., b = ...`` as the main text and the ``(name, text)`` definitions.

    The ``where`` that starts the definitions is a top-level ``where`` followed by a
    name and ``=``; text without one is returned whole, with no definitions.

    Raises
    ------
    ParseError
        A ``where`` clause that is not a comma-separated list of ``name = text``.

    Examples
    --------
    >>> split_where("s * s where s = softmax(W @ x), t = outer(s, s)")
    ('s * s', [('s', 'softmax(W @ x)'), ('t', 'outer(s, s)')])
    """
    tokens = _tokens(text)
    start = None
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif (
            depth == 0
            and tok.type == tokenize.NAME
            and tok.string == "where"
            and _is_assignment(tokens, i + 1)
        ):
            start = i
            break
    if start is None:
        return text, []
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(pos: tuple[int, int]) -> int:
        return offsets[pos[0] - 1] + pos[1]

    main = text[: at(tokens[start].start)].strip()
    pieces: list[tuple[int, int]] = []  # (start, end) offsets of each definition
    begin = at(tokens[start].end)
    depth = 0
    for tok in tokens[start + 1 :]:
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif depth == 0 and tok.type == tokenize.OP and tok.string == ",":
            pieces.append((begin, at(tok.start)))
            begin = at(tok.end)
    pieces.append((begin, len(text)))
    definitions = []
    for lo, hi in pieces:
        name, sep, value = text[lo:hi].partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not value.strip():
            raise ParseError(
                f"the where clause of {text!r} has {text[lo:hi].strip()!r}, not 'name = "
                "expression'; write 'main where s = ..., t = ...'"
            )
        definitions.append((name, value.strip()))
    return main, definitions


def inline_where(text: str) -> str:
    """Text of the form ``main where s = ..., t = ...`` as one expression of the language.

    Each name is replaced, in parentheses, by its definition (definitions may use the
    names defined before them); text without a ``where`` clause is returned unchanged.

    Examples
    --------
    >>> inline_where("outer(s, s) - t where s = softmax(W @ x), t = 2 * s")
    'outer(softmax(W @ x), softmax(W @ x)) - (2 * softmax(W @ x))'
    """
    main, definitions = split_where(text)
    values: dict[str, str] = {}
    for name, value in definitions:
        value = rename_identifiers(value, values)
        values[name] = value if _is_primary(value) else f"({value})"
    return rename_identifiers(main, values) if values else main


def _is_primary(text: str) -> bool:
    """Whether `text` is a name or a call (``f(...)``, ``np.f(...)``): no parentheses needed."""
    tokens = [t for t in _tokens(text) if t.type not in _LAYOUT]
    i = 0
    while i < len(tokens) and tokens[i].type == tokenize.NAME:
        nxt = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if nxt != ".":
            break
        i += 2
    if i >= len(tokens) or tokens[i].type != tokenize.NAME:
        return False
    rest = tokens[i + 1 :]
    if not rest:
        return True
    if rest[0].string != "(":
        return False
    depth = 0
    for k, tok in enumerate(rest):
        depth += tok.string in "([{" and tok.type == tokenize.OP
        depth -= tok.string in ")]}" and tok.type == tokenize.OP
        if depth == 0:
            return k == len(rest) - 1
    return False


_LAYOUT = frozenset(
    {
        tokenize.NEWLINE,
        tokenize.NL,
        tokenize.ENDMARKER,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.COMMENT,
    }
)


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as err:
        raise ParseError(f"cannot read {text!r} as an expression: {err}") from None


def _is_assignment(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    return (
        i + 1 < len(tokens)
        and tokens[i].type == tokenize.NAME
        and tokens[i + 1].type == tokenize.OP
        and tokens[i + 1].string == "="
    )
