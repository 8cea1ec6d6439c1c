"""numpy code as data: one description gives both the source text and the callable.

An operation of generated code is a small tree of ``Code`` nodes: a call of
a dotted numpy name (``np.linalg.inv``), a Python operator from
:data:`PRECEDENCE`, an attribute (``.T``), a subscript, a method call, a
literal, a dimension or a slot holding the value of a subexpression.  The same
tree is

* printed as Python source by :func:`source`, with parentheses exactly where
  Python's operator precedence needs them (read from :data:`PRECEDENCE`, never
  guessed from text), and
* turned into a callable by :func:`compile_code`, which resolves each dotted
  name on the numpy module attribute by attribute (``np.linalg.inv`` is
  ``getattr(getattr(numpy, "linalg"), "inv")``), and each helper name
  (``_softmax``) on ``matderiv.expr._numpy_helpers``.  Nothing is passed to
  ``eval`` or ``exec``.

This module does not import numpy: source text needs no numpy, and the
callables import it on their first use.

Examples
--------
>>> code = BinOp("*", Const(2), Call("np.exp", (Neg(Slot(0)),)))
>>> source(code, [("x", ATOM)])
('2 * np.exp(-x)', 60)
>>> f = compile_code(code)
>>> float(f([0.0], lambda d: 0))
2.0
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from matderiv._numpy import numpy_module

__all__ = [
    "ATOM",
    "PRECEDENCE",
    "Attr",
    "BinOp",
    "Call",
    "Code",
    "Const",
    "Dim",
    "Index",
    "Method",
    "Name",
    "Neg",
    "Op",
    "Operator",
    "Slot",
    "Tup",
    "compile_code",
    "helpers_used",
    "lookup",
    "precedence",
    "resolve",
    "source",
    "substitute",
    "walk",
]

Operator = Literal["+", "-", "*", "/", "@", "**"]

#: Python's operator precedence (higher binds tighter), for the operators generated code uses.
PRECEDENCE: dict[str, int] = {
    "+": 50,
    "-": 50,
    "*": 60,
    "/": 60,
    "@": 60,
    "neg": 70,  # unary minus
    "**": 80,
    "postfix": 90,  # call, attribute, subscript
    "atom": 100,  # a name, a non-negative literal, a parenthesised tuple
}
ATOM = PRECEDENCE["atom"]
_POSTFIX = PRECEDENCE["postfix"]
_UNARY = PRECEDENCE["neg"]
#: Operators whose right operand binds first (``a ** b ** c`` is ``a ** (b ** c)``).
_RIGHT_ASSOCIATIVE = frozenset({"**"})

_FUNCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "@": operator.matmul,
    "**": operator.pow,
}


@dataclass(frozen=True)
class Slot:
    """The value of the `index`-th child subexpression."""

    index: int


@dataclass(frozen=True)
class Name:
    """A variable of the generated code (an argument or a temporary)."""

    name: str


@dataclass(frozen=True)
class Const:
    """A literal: a number or a string."""

    value: int | float | str


@dataclass(frozen=True)
class Dim:
    """A size: a SymPy dimension, written by name in source, its number at run time."""

    dim: Any


@dataclass(frozen=True)
class Tup:
    """A tuple ``(a, b)``."""

    items: tuple[Code, ...]


@dataclass(frozen=True)
class Call:
    """A call of a dotted numpy name (``np.linalg.inv``) or of a helper (``_softmax``)."""

    func: str
    args: tuple[Code, ...]


@dataclass(frozen=True)
class Method:
    """A method call ``obj.name(args, key=value)``."""

    obj: Code
    name: str
    args: tuple[Code, ...] = ()
    keywords: tuple[tuple[str, Code], ...] = ()


@dataclass(frozen=True)
class Attr:
    """An attribute ``obj.name`` (``.T``)."""

    obj: Code
    name: str


@dataclass(frozen=True)
class Index:
    """A subscript with integer indices: ``obj[0, 0]``."""

    obj: Code
    index: tuple[int, ...]


@dataclass(frozen=True)
class BinOp:
    """A binary Python operator of :data:`PRECEDENCE`."""

    op: Operator
    left: Code
    right: Code


@dataclass(frozen=True)
class Neg:
    """Unary minus."""

    arg: Code


Code = Slot | Name | Const | Dim | Tup | Call | Method | Attr | Index | BinOp | Neg
Src = tuple[str, int]


@dataclass(frozen=True)
class Op:
    """How one node is computed: its children (computed first) and code over them.

    ``Slot(i)`` in `code` is the value of ``children[i]``.
    """

    children: tuple[Any, ...]
    code: Code


def _wrap(text: Src, level: int) -> str:
    return text[0] if text[1] >= level else f"({text[0]})"


def _negated(code: Code) -> Code | None:
    """`code` without its leading minus (for ``a + -b`` written ``a - b``), else None."""
    if isinstance(code, Neg):
        return code.arg
    if isinstance(code, Const) and not isinstance(code.value, str) and code.value < 0:
        return Const(-code.value)
    return None


def precedence(code: Code, slots: Sequence[Src] = ()) -> int:
    """The precedence of `code`'s printed form (see :data:`PRECEDENCE`).

    >>> precedence(BinOp("@", Name("A"), Name("x")))
    60
    """
    if isinstance(code, Slot):
        return slots[code.index][1]
    if isinstance(code, Name | Dim | Tup):
        return ATOM
    if isinstance(code, Const):
        return _UNARY if not isinstance(code.value, str) and code.value < 0 else ATOM
    if isinstance(code, BinOp):
        return PRECEDENCE[code.op]
    if isinstance(code, Neg):
        return _UNARY
    return _POSTFIX


def _global(dotted: str, rename: Mapping[str, str]) -> str:
    head, dot, rest = dotted.partition(".")
    return rename.get(head, head) + dot + rest


def source(
    code: Code,
    slots: Sequence[Src],
    dim: Callable[[Any], str] = str,
    rename: Mapping[str, str] | None = None,
) -> Src:
    """Python source of `code` and its precedence.

    Parameters
    ----------
    code
        The code tree.
    slots
        The printed children: ``(text, precedence)`` for each :class:`Slot`.
    dim
        How a dimension is written.
    rename
        Module-level names of generated code as they are written: the head of
        each called name (``np`` of ``np.linalg.inv``, a helper such as
        ``_softmax``) and of each dotted :class:`Name` (``np.pi``) is looked up
        here, so generated code can call numpy ``np_1`` when ``np`` is a user's
        name.  Plain :class:`Name` nodes (arguments, temporaries) are never renamed.

    Examples
    --------
    >>> source(BinOp("-", Name("a"), BinOp("-", Name("b"), Name("c"))), [])
    ('a - (b - c)', 50)
    >>> source(Call("np.exp", (Name("np"),)), [], rename={"np": "np_1"})
    ('np_1.exp(np)', 90)
    >>> source(BinOp("**", Neg(Name("a")), Const(2)), [])
    ('(-a) ** 2', 80)
    """

    names: Mapping[str, str] = rename or {}

    def text(node: Code) -> Src:
        return source(node, slots, dim, names)

    prec = precedence(code, slots)
    if isinstance(code, Slot):
        return slots[code.index]
    if isinstance(code, Name):
        return (_global(code.name, names) if "." in code.name else code.name, prec)
    if isinstance(code, Const):
        return (repr(code.value), prec)
    if isinstance(code, Dim):
        return (dim(code.dim), prec)
    if isinstance(code, Tup):
        return ("(" + ", ".join(text(item)[0] for item in code.items) + ")", prec)
    if isinstance(code, Call):
        func = _global(code.func, names)
        return (f"{func}({', '.join(text(a)[0] for a in code.args)})", prec)
    if isinstance(code, Method):
        parts = [text(a)[0] for a in code.args]
        parts += [f"{key}={text(value)[0]}" for key, value in code.keywords]
        return (f"{_wrap(text(code.obj), prec)}.{code.name}({', '.join(parts)})", prec)
    if isinstance(code, Attr):
        return (f"{_wrap(text(code.obj), prec)}.{code.name}", prec)
    if isinstance(code, Index):
        return (f"{_wrap(text(code.obj), prec)}[{', '.join(map(str, code.index))}]", prec)
    if isinstance(code, Neg):
        return (f"-{_wrap(text(code.arg), prec)}", prec)
    op: str = code.op
    right = code.right
    if op == "+":  # a + (-b) is written a - b: the same number in IEEE arithmetic
        positive = _negated(right)
        if positive is not None:
            op, right = "-", positive
    left_level, right_level = (prec + 1, prec) if op in _RIGHT_ASSOCIATIVE else (prec, prec + 1)
    return (f"{_wrap(text(code.left), left_level)} {op} {_wrap(text(right), right_level)}", prec)


def walk(code: Code) -> Iterator[Code]:
    """Every node of `code`, parents first."""
    yield code
    children: tuple[Code, ...] = ()
    if isinstance(code, Tup):
        children = code.items
    elif isinstance(code, Call):
        children = code.args
    elif isinstance(code, Method):
        children = (code.obj, *code.args, *(v for _, v in code.keywords))
    elif isinstance(code, Attr | Index):
        children = (code.obj,)
    elif isinstance(code, BinOp):
        children = (code.left, code.right)
    elif isinstance(code, Neg):
        children = (code.arg,)
    for child in children:
        yield from walk(child)


def helpers_used(code: Code) -> set[str]:
    """Names of the ``matderiv.expr._numpy_helpers`` functions `code` calls."""
    return {n.func for n in walk(code) if isinstance(n, Call) and not n.func.startswith("np.")}


def lookup(dotted: str) -> Any:
    """What a dotted name stands for, found attribute by attribute.

    ``np.…`` names are looked up on numpy, other names on
    ``matderiv.expr._numpy_helpers`` (both imported here, on first use).

    >>> lookup("np.pi") > 3
    True
    """
    parts = dotted.split(".")
    if parts[0] == "np":
        target: Any = numpy_module()
        parts = parts[1:]
    else:
        numpy_module()  # the helpers need numpy: say so clearly when it is missing
        from matderiv.expr import _numpy_helpers  # numpy is optional: imported on first use

        target = _numpy_helpers
    for part in parts:
        target = getattr(target, part)
    return target


def resolve(func: str) -> Callable[..., Any]:
    """The callable a dotted name stands for (see :func:`lookup`).

    >>> resolve("np.linalg.inv").__name__
    'inv'
    """
    target = lookup(func)
    if not callable(target):
        raise TypeError(f"{func} is not callable")
    return target  # type: ignore[no-any-return]


Compiled = Callable[[Sequence[Any], Callable[[Any], int]], Any]


def compile_code(code: Code) -> Compiled:
    """A callable ``(child values, dimension size) -> value`` computing `code`.

    Imports numpy (on first use); raises
    :class:`~matderiv.errors.NumpyMissingError` when it cannot.
    """
    if isinstance(code, Slot):
        i = code.index
        return lambda a, d: a[i]
    if isinstance(code, Const):
        value = code.value
        return lambda a, d: value
    if isinstance(code, Dim):
        size = code.dim
        return lambda a, d: d(size)
    if isinstance(code, Name):
        if not code.name.startswith("np."):
            raise TypeError(f"the name {code.name} has no value outside generated source")
        constant = lookup(code.name)  # np.pi, np.e
        return lambda a, d: constant
    if isinstance(code, Tup):
        items = [compile_code(i) for i in code.items]
        return lambda a, d: tuple(item(a, d) for item in items)
    if isinstance(code, Call):
        func = resolve(code.func)
        args = [compile_code(x) for x in code.args]
        if len(args) == 1:
            (only,) = args
            return lambda a, d: func(only(a, d))
        return lambda a, d: func(*(arg(a, d) for arg in args))
    if isinstance(code, Method):
        name = code.name
        obj = compile_code(code.obj)
        margs = [compile_code(x) for x in code.args]
        kwargs = [(k, compile_code(v)) for k, v in code.keywords]
        return lambda a, d: getattr(obj(a, d), name)(
            *(m(a, d) for m in margs), **{k: v(a, d) for k, v in kwargs}
        )
    if isinstance(code, Attr):
        name = code.name
        obj = compile_code(code.obj)
        return lambda a, d: getattr(obj(a, d), name)
    if isinstance(code, Index):
        index: Any = code.index[0] if len(code.index) == 1 else code.index
        obj = compile_code(code.obj)
        return lambda a, d: obj(a, d)[index]
    if isinstance(code, Neg):
        arg = compile_code(code.arg)
        return lambda a, d: -arg(a, d)
    fn = _FUNCTIONS[code.op]
    left, right = compile_code(code.left), compile_code(code.right)
    return lambda a, d: fn(left(a, d), right(a, d))


def substitute(code: Code, children: Sequence[Code]) -> Code:
    """`code` with each :class:`Slot` replaced by the child's code (for printing inline)."""
    if isinstance(code, Slot):
        return children[code.index]
    if isinstance(code, Tup):
        return Tup(tuple(substitute(i, children) for i in code.items))
    if isinstance(code, Call):
        return Call(code.func, tuple(substitute(a, children) for a in code.args))
    if isinstance(code, Method):
        return Method(
            substitute(code.obj, children),
            code.name,
            tuple(substitute(a, children) for a in code.args),
            tuple((k, substitute(v, children)) for k, v in code.keywords),
        )
    if isinstance(code, Attr):
        return Attr(substitute(code.obj, children), code.name)
    if isinstance(code, Index):
        return Index(substitute(code.obj, children), code.index)
    if isinstance(code, BinOp):
        return BinOp(code.op, substitute(code.left, children), substitute(code.right, children))
    if isinstance(code, Neg):
        return Neg(substitute(code.arg, children))
    return code
