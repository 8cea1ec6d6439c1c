"""How repeats (numpy's broadcasting) print and compute inside sums and products; one-hot labels.

A repeat ``Broadcast(v, m, n, axis)`` (:mod:`matderiv.expr.axisnodes`) among operands that give
the full shape is written as numpy broadcasts it: ``X + b`` and ``X * c[:, None]`` in text,
the column itself in numpy code.  :func:`with_one_hot` writes the sums of one-hot labels as ones
(the ``onehot_columns`` and ``onehot_rows`` assumptions).

Examples
--------
>>> import sympy as sp
>>> from matderiv.expr.axisnodes import Broadcast
>>> m, n = sp.symbols("m n", integer=True, positive=True)
>>> X, b = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("b", n, 1)
>>> compact_ok([X, Broadcast(b, m, n, 0)]), compact_ok([Broadcast(b, m, n, 0)])
(True, False)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from matderiv.expr.algebra import hadamard
from matderiv.expr.axisnodes import AxisSum, Broadcast, broadcast
from matderiv.expr.nodes import SumAll
from matderiv.expr.primitive import POSTFIX, PRIMITIVES, TextPrinter, Txt, wrap
from matderiv.expr.pycode import Attr, Code, Slot

__all__ = [
    "compact_ok",
    "compact_operands",
    "compact_printer",
    "full_first",
    "scaled_hadamard",
    "with_one_hot",
]


def scaled_hadamard(a: Any, b: Any) -> Any:
    """``a ∘ b`` with the scalar coefficients of both factors in front."""
    coeff: Any = sp.Integer(1)
    bare = []
    for m in (a, b):
        if isinstance(m, sp.MatMul):
            c, mats = m.as_coeff_matrices()
            if c != 1:
                coeff, m = coeff * c, (mats[0] if len(mats) == 1 else sp.MatMul(*mats))
        bare.append(m)
    product = hadamard(*bare)
    return product if coeff == 1 else sp.MatMul(coeff, product)


# -- one-hot labels ---------------------------------------------------------------------------


def with_one_hot(expr: Any, axes: dict[Any, int]) -> Any:
    """`expr` with the sums of one-hot labels written out: ``Y.sum(axis=k)`` is ones.

    `axes` maps each label matrix to the axis its one-hot vectors run along (0: each
    column is one-hot, the ``onehot_columns`` assumption; 1: each row).  ``sum(Y)`` is
    then the number of samples.  Repeats of ones and products with them are folded.
    """
    if not axes or not isinstance(expr, sp.Basic):
        return expr
    table: dict[Any, Any] = {}
    for label, axis in axes.items():
        rows, cols = label.shape
        if cols == 1:  # a one-hot vector
            table[SumAll(label)] = sp.Integer(1)
            continue
        samples = cols if axis == 0 else rows
        table[AxisSum(label, axis)] = sp.OneMatrix(samples, 1)
        table[SumAll(label)] = samples
    replaced = expr.xreplace(table)
    return expr if replaced == expr else _fold_ones(replaced)


def _fold_ones(node: Any) -> Any:
    if not node.args or isinstance(node, sp.MatrixSymbol):
        return node
    args = [_fold_ones(a) for a in node.args]
    if isinstance(node, Broadcast):
        return broadcast(args[0], args[1], args[2], node.axis)
    if isinstance(node, sp.HadamardProduct):
        out = args[0]
        for more in args[1:]:
            out = scaled_hadamard(out, more)
        return out
    if all(a is b for a, b in zip(args, node.args, strict=True)):
        return node
    return node.func(*args)


# -- broadcasting ----------------------------------------------------------------------------


def _spread(term: Any) -> int | None:
    """The axis a term is repeated along (-1: a multiple of ones), None for a full term."""
    if isinstance(term, sp.MatMul):
        _coeff, mats = term.as_coeff_matrices()
        if len(mats) == 1:
            term = mats[0]
    if isinstance(term, Broadcast):
        return term.axis
    if isinstance(term, sp.OneMatrix):
        return -1
    if isinstance(term, sp.HadamardPower):
        return _spread(term.args[0])
    return None


def compact_ok(terms: Any) -> bool:
    """Whether the terms of a sum or elementwise product may print their repeats as numpy
    broadcasts them (``X + b``): one term has the full shape, or repeats run along both axes."""
    kinds = {_spread(t) for t in terms}
    return None in kinds or {0, 1} <= kinds


def full_first(terms: Any) -> list[Any]:
    """The terms with the repeated ones last (``X + b``, as written), otherwise in order."""
    return sorted(terms, key=lambda t: _spread(t) is not None)


def _compact(node: Broadcast, p: TextPrinter) -> Txt:
    if node.axis == 0:  # a 1-D vector is added to each row
        return p(node.arg)
    return (f"{wrap(p(node.arg), POSTFIX)}[:, None]", POSTFIX)


def compact_printer(p: TextPrinter) -> TextPrinter:
    """`p`, with every repeat of a column (also scaled) printed as numpy broadcasts it."""

    def compact(node: Any) -> Txt:
        if isinstance(node, Broadcast):
            return _compact(node, p)
        if _spread(node) is not None and isinstance(node, sp.MatMul | sp.HadamardPower):
            return PRIMITIVES.lookup(node).text(node, compact)
        return p(node)

    return compact


def compact_operands(terms: Any) -> tuple[tuple[Any, ...], list[Code]]:
    """The children and the code of each term of a sum or product that numpy broadcasts.

    A repeat among terms that give the full shape is computed as its column (or row): numpy
    broadcasts it in the operation (``W1 @ X + b1`` with ``b1`` a column inside).
    """
    compact = compact_ok(terms)
    children: list[Any] = []
    codes: list[Code] = []
    for i, term in enumerate(terms):
        repeat, coeff = _scaled_repeat(term) if compact else (None, None)
        if repeat is None:
            children.append(term)
            codes.append(Slot(i))
            continue
        children.append(repeat.arg if coeff == 1 else sp.MatMul(coeff, repeat.arg))
        codes.append(Attr(Slot(i), "T") if repeat.axis == 0 else Slot(i))
    return tuple(children), codes


def _scaled_repeat(term: Any) -> tuple[Broadcast | None, Any]:
    """``(B, c)`` when `term` is ``c * B`` for a repeat ``B``."""
    if isinstance(term, Broadcast):
        return term, sp.Integer(1)
    if isinstance(term, sp.MatMul):
        coeff, mats = term.as_coeff_matrices()
        if len(mats) == 1 and isinstance(mats[0], Broadcast):
            return mats[0], coeff
    return None, None
