"""The differential of an expression, from each primitive's differential stanza.

``differential(expr, {X: dX})`` returns ``df``, a SymPy expression linear in
``dX`` (the MIT 18.S096 view: the derivative is the linear map ``dX -> df``).
Each node's rule is its primitive's (:mod:`matderiv.expr.primitives`): it
receives the node and a function ``d`` giving the differential of a child
(``None`` when the child does not depend on the variable) and returns the
node's differential or ``None``; a linear node's rule follows from its
declaration (``d L(A) = L(dA)``).  A node type without a spec raises
:class:`~matderiv.errors.UnsupportedError` naming it, never a silent zero.

Examples
--------
>>> import sympy as sp
>>> n = sp.Symbol("n", integer=True, positive=True)
>>> X, dX = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("dX", n, n)
>>> print(differential(X * X, {X: dX}))
X*dX + dX*X
>>> print(differential(sp.Inverse(X), {X: dX}))
-X**(-1)*dX*X**(-1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

import matderiv.expr.primitives  # noqa: F401  (registers the differential stanzas)
from matderiv.expr.algebra import inner
from matderiv.expr.primitive import PRIMITIVES, DifferentialRule

__all__ = ["DifferentialRule", "differential", "inner"]


def differential(expr: Any, variables: Mapping[Any, Any]) -> Any:
    """The differential of `expr` with respect to `variables` (``{X: dX}``).

    Parameters
    ----------
    expr
        A SymPy expression in matderiv's internal representation.
    variables
        Each variable (``MatrixSymbol`` or ``Symbol``) mapped to its
        differential symbol of the same shape.

    Returns
    -------
    sympy.Basic or None
        ``df``, linear in the differential symbols, or ``None`` when `expr`
        does not depend on the variables.

    Raises
    ------
    UnsupportedError
        A node with no rule (the message names it).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.MatrixSymbol("x", 3, 1)
    >>> dx = sp.MatrixSymbol("dx", 3, 1)
    >>> from matderiv.expr.nodes import ScalarOf
    >>> print(differential(ScalarOf(x.T * x), {x: dx}).doit())
    dx.T*x + x.T*dx
    """
    memo: dict[Any, Any] = {}
    depends: dict[Any, bool] = {}

    def dep(node: Any) -> bool:
        found = depends.get(node)
        if found is None:
            if isinstance(node, sp.MatrixSymbol | sp.Symbol):
                found = node in variables
            else:
                found = any(dep(arg) for arg in node.args)
            depends[node] = found
        return found

    def d(node: Any) -> Any:
        if node in memo:
            return memo[node]
        if node in variables:
            result = variables[node]
        elif not dep(node):
            result = None
        else:
            result = PRIMITIVES.lookup(node).take_differential(node, d)
        memo[node] = result
        return result

    return d(sp.sympify(expr))
