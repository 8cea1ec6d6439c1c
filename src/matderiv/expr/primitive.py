"""One spec per primitive of the language, read by every consumer.

A :class:`Primitive` says, in one place, everything matderiv knows about one
SymPy node type: the language functions that build it (their parser handlers),
how it prints as text and as LaTeX, how numpy computes it (one code
description: source and callable), its differential, and — for a linear
node — its adjoint and its vec matrix, from which the differential, the
gradient pullback and the vec Jacobian all follow (as jax's ``deflinear``).

:data:`PRIMITIVES` is the table every consumer reads (parser, text, LaTeX,
code generation, differential, identification); :func:`register` adds a
primitive (and its functions) and :func:`unregister` removes it.  A node
without an entry raises an error that names it.

Examples
--------
>>> import sympy as sp
>>> import matderiv.expr.primitives  # the built-in stanzas
>>> spec = PRIMITIVES.lookup(sp.Trace(sp.MatrixSymbol("X", 2, 2)))
>>> spec.node.__name__, sorted(spec.functions), spec.linear is not None
('Trace', ['trace'], True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import sympy as sp

from matderiv.errors import UnsupportedError
from matderiv.expr.dispatch import TypeTable
from matderiv.expr.pycode import PRECEDENCE, Op
from matderiv.expr.reader import FUNCTIONS, Handler

__all__ = [
    "PRIMITIVES",
    "DifferentialRule",
    "LatexPrinting",
    "Linear",
    "NotNative",
    "Primitive",
    "PullRule",
    "Txt",
    "VecRule",
    "call_text",
    "register",
    "unregister",
    "wrap",
]

#: Printed text and its precedence (Python's, from :data:`~matderiv.expr.pycode.PRECEDENCE`).
Txt = tuple[str, int]
TextPrinter = Callable[[Any], Txt]
#: ``d(child)``: the differential of a child, ``None`` when it does not depend on the variable.
D = Callable[[Any], Any]
#: ``(node, d) -> differential of node`` (``None``: constant).
DifferentialRule = Callable[[Any, D], Any]
Pull = Callable[[Any, Any], None]
#: ``(node, cotangent, dx, pull)``: pass the cotangent on to the child holding ``dx``.
PullRule = Callable[[Any, Any, Any, Pull], None]
#: ``(node, jac) -> J`` with ``vec(d node) = J vec(dX)``; ``jac(child)`` is the child's.
VecRule = Callable[[Any, Callable[[Any], Any]], Any]

ATOM = PRECEDENCE["atom"]
POSTFIX = PRECEDENCE["postfix"]
POWER = PRECEDENCE["**"]
UNARY = PRECEDENCE["neg"]
PRODUCT = PRECEDENCE["*"]
SUM = PRECEDENCE["+"]


class LatexPrinting(Protocol):
    """What a LaTeX stanza may call on the printer."""

    def _print(self, expr: Any, **kwargs: Any) -> str: ...

    def _wrapped(self, expr: Any) -> str: ...

    def _wrap_product(self, arg: Any) -> str: ...


class NotNative(Exception):
    """The expression uses a function SymPy's matrix expressions do not have."""


@dataclass(frozen=True)
class Linear:
    """A node linear in its one argument: ``L(A)``.

    Attributes
    ----------
    adjoint
        ``(node, Ȳ) -> Ā`` with ``<Ȳ, L(dA)> = <Ā, dA>``; ``None`` when the
        adjoint has no expression in the language (the gradient then says so).
    vec
        ``node -> M`` with ``vec(L(A)) = M vec(A)``; ``None`` for the identity.
    """

    adjoint: Callable[[Any, Any], Any] | None
    vec: Callable[[Any], Any]


@dataclass(frozen=True)
class Primitive:
    """Everything matderiv knows about one node type.

    Attributes
    ----------
    node
        The SymPy node class (a subclass finds its base class's spec).
    text
        ``(node, p) -> (text, precedence)`` in the language; ``p`` prints a child.
    numpy
        ``node -> Op``: its children and the code computing it.
    latex
        ``(node, printer) -> str``; ``None``: SymPy's own LaTeX printer.
    differential
        ``(node, d) -> d(node)``; a :class:`Linear` node may leave it ``None``
        (``d L(A) = L(dA)``).
    linear
        The linear structure, when the node is linear in its argument.
    pullback, vec
        Identification through a node that is not :class:`Linear` but may
        hold ``dX`` in a differential (sums, products).
    functions
        The language's function names that build this node, with their handlers.
    native
        ``(node, native args) -> SymPy's own vocabulary`` for the comparison with
        SymPy (``None``: the node is SymPy's already); may raise ``NotNative``.
    """

    node: type
    text: Callable[[Any, TextPrinter], Txt]
    numpy: Callable[[Any], Op]
    latex: Callable[[Any, LatexPrinting], str] | None = None
    differential: DifferentialRule | None = None
    linear: Linear | None = None
    pullback: PullRule | None = None
    vec: VecRule | None = None
    functions: Mapping[str, Handler] = field(default_factory=dict)
    native: Callable[[Any, list[Any]], Any] | None = None

    def __post_init__(self) -> None:
        if self.differential is None and self.linear is None:
            raise TypeError(f"the primitive {self.node.__name__} needs a differential rule")

    def take_differential(self, node: Any, d: D) -> Any:
        """``d(node)``: the stanza's rule, or ``L(d arg)`` for a linear node."""
        if self.differential is not None:
            return self.differential(node, d)
        da = d(node.args[0])
        return None if da is None else node.func(da, *node.args[1:])

    def pull(self, node: Any, bar: Any, dx: Any, pull: Pull) -> None:
        """Pass the cotangent `bar` of `node` on to the child that holds `dx`."""
        if self.pullback is not None:
            self.pullback(node, bar, dx, pull)
            return
        if self.linear is None or self.linear.adjoint is None:
            raise _no_rule("gradient", node)
        pull(node.args[0], self.linear.adjoint(node, bar))

    def vec_rule(self, node: Any, jac: Callable[[Any], Any]) -> Any:
        """``J`` with ``vec(d node) = J vec(dX)``, from the child's (see ``VecRule``)."""
        if self.vec is not None:
            return self.vec(node, jac)
        if self.linear is None:
            raise _no_rule("Jacobian", node)
        j = jac(node.args[0])
        if j is None:
            return None
        m = self.linear.vec(node)
        return j if m is None else sp.MatMul(m, j)

    @property
    def identifies(self) -> bool:
        """Whether the gradient and the vec Jacobian can be read through this node."""
        return self.linear is not None or (self.pullback is not None and self.vec is not None)


def _no_rule(kind: str, node: Any) -> UnsupportedError:
    return UnsupportedError(
        f"cannot identify the {kind} through the node {type(node).__name__} ({node}); "
        "write the expression without it or report the case"
    )


#: The spec of every node type of the language.
PRIMITIVES: TypeTable[Primitive] = TypeTable("primitive spec")


def register(spec: Primitive) -> Primitive:
    """Add a primitive (and its language functions); returns it.

    Raises
    ------
    ValueError
        When the node type or one of the function names is taken already.
    """
    if spec.node in PRIMITIVES:
        raise ValueError(f"the node {spec.node.__name__} has a spec already")
    taken = sorted(set(spec.functions) & set(FUNCTIONS))
    if taken:
        raise ValueError(f"the function names {', '.join(taken)} are taken already")
    PRIMITIVES[spec.node] = spec
    FUNCTIONS.update(spec.functions)
    return spec


def unregister(spec: Primitive) -> None:
    """Remove a primitive registered with :func:`register` (and its functions)."""
    del PRIMITIVES[spec.node]
    for name in spec.functions:
        FUNCTIONS.pop(name, None)


def wrap(t: Txt, level: int) -> str:
    """The text, in parentheses when it binds looser than `level`."""
    return t[0] if t[1] >= level else f"({t[0]})"


def call_text(p: TextPrinter, name: str, *args: Any) -> Txt:
    """``name(arg, ...)`` with the arguments printed by `p`."""
    return (f"{name}(" + ", ".join(p(a)[0] for a in args) + ")", POSTFIX)
