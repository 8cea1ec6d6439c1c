"""The :class:`~matderiv.expr.pycode.Op` computing a node: leaves here, the rest from its primitive.

Each primitive's ``numpy`` stanza (:mod:`matderiv.expr.primitives`) gives its
children and one code description; the leaves (arrays, numbers, dimension
names used as numbers) are handled here.

Examples
--------
>>> import sympy as sp
>>> from matderiv.expr.pycode import source
>>> X = sp.MatrixSymbol("X", 3, 3)
>>> op = op_for(sp.Inverse(X))
>>> source(op.code, [("X", 100)])
('np.linalg.inv(X)', 90)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

import matderiv.expr.primitives  # noqa: F401  (registers the numpy stanzas)
from matderiv.errors import UnsupportedError
from matderiv.expr.primitive import PRIMITIVES
from matderiv.expr.pycode import BinOp, Const, Dim, Name, Op

__all__ = ["is_dimension", "op_for"]


def is_dimension(node: Any) -> bool:
    """Dimension names are positive integer symbols; user scalars are only real."""
    return isinstance(node, sp.Symbol) and node.is_integer is True


#: Integers up to this size are written exactly; larger numbers as float64 literals.
_EXACT = 2**53


def _number_op(node: Any) -> Op:
    """A number as a literal: an int or ``p / q`` when float64 holds it exactly, else a float.

    A large int would make numpy build an object array (or overflow), so
    everything past 2**53 is written as its float64 value.
    """
    if node is sp.nan or node in (sp.oo, -sp.oo, sp.zoo):
        raise UnsupportedError(f"no numpy code for the number {node}")
    if node.is_Integer and abs(int(node)) <= _EXACT:
        return Op((), Const(int(node)))
    if node.is_Rational and abs(int(node.p)) <= _EXACT and int(node.q) <= _EXACT:
        return Op((), BinOp("/", Const(int(node.p)), Const(int(node.q))))
    return Op((), Const(float(node)))


def op_for(node: Any) -> Op:
    """The :class:`~matderiv.expr.pycode.Op` computing `node` (leaves included)."""
    if is_dimension(node):  # a size used as a number, e.g. sum(ones(n)) = n
        return Op((), Dim(node))
    if isinstance(node, sp.MatrixSymbol | sp.Symbol):
        return Op((), Name(str(node.name)))
    if node is sp.pi or node is sp.E:
        return Op((), Name("np.pi" if node is sp.pi else "np.e"))
    if isinstance(node, sp.Number):
        return _number_op(node)
    return PRIMITIVES.lookup(node).numpy(node)
