"""Derivatives of deeply nested expressions, one level at a time (a DAG, not a tree).

A derivative shares its subexpressions: the differential of ``inv(M)`` is
``-inv(M) dM inv(M)``, so in ``trace(inv(X + inv(X + … A)))`` every level
refers to the levels below it several times.  SymPy stores such an expression
as a tree of shared Python objects, but its recursive walks (``doit``, and the
``doit`` inside every ``*`` of matrix expressions) visit a shared subtree once
per reference, so their cost follows the size of the *unfolded* tree, which
grows exponentially with the nesting depth.

Two remedies, both used by :func:`matderiv.symbolic.api.derive`:

* :func:`doit` is SymPy's canonicalisation done bottom-up with a memo keyed by
  the node: each distinct subexpression is canonicalised once, the node above
  it rebuilt from the canonical children and canonicalised shallowly;
* a large or deeply nested function is cut into levels (:func:`share`): each
  level a placeholder symbol (an atom to SymPy) standing for a small body.
  :func:`linearise` differentiates each body once, with the lower levels'
  differentials as symbols; :func:`chain_gradient` (backward, a cotangent per
  level), :func:`chain_vec` (forward, a Jacobian per level) and
  :func:`chain_tangent` identify the derivative through the levels; every
  expression SymPy canonicalises stays the size of one level.
  :meth:`Shared.expand` puts the levels back at the end, without
  canonicalising, so shared subexpressions stay shared objects (the code
  generator computes each once).

Everyday problems (small, shallow) are not cut: they take the direct path.

Examples
--------
>>> import sympy as sp
>>> X = sp.MatrixSymbol("X", 3, 3)
>>> print(doit(sp.Transpose(sp.MatMul(X, sp.Inverse(X.T)))))
X**(-1)*X.T
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.core.operations import AssocOp
from sympy.core.sorting import default_sort_key
from sympy.matrices.expressions import matadd as _matadd
from sympy.strategies import condition, do_one, exhaust, flatten, glom, rm_id, sort, unpack

from matderiv.expr.algebra import inner, scaled
from matderiv.expr.nodes import ScalarOf
from matderiv.expr.walk import is_leaf, symbols, tree_size

__all__ = [
    "CHUNK",
    "NEST_ABOVE",
    "READABLE_WHOLE",
    "SHARE_ABOVE",
    "Linearised",
    "Shared",
    "chain_gradient",
    "chain_tangent",
    "chain_vec",
    "doit",
    "linearise",
    "share",
    "tree_size",
]


#: SymPy's canonical form of a sum (``MatAdd.doit``'s rules), except that like terms are
#: merged with :func:`~matderiv.expr.algebra.scaled`: SymPy's ``cnt * M`` deep-doits ``M``,
#: which on a DAG re-walks every shared subexpression once per reference.
_MATADD_CANONICAL = exhaust(
    condition(
        lambda x: isinstance(x, sp.MatAdd),
        do_one(
            rm_id(lambda x: x == 0 or isinstance(x, sp.ZeroMatrix)),
            unpack,
            flatten,
            glom(_matadd.matrix_of, _matadd.factor_of, scaled),
            _matadd.merge_explicit,
            sort(default_sort_key),
        ),
    )
)


def _shallow(node: Any) -> Any:
    """``node.doit()`` for a node whose children are already canonical."""
    if isinstance(node, sp.MatAdd):
        return _MATADD_CANONICAL(node)
    if isinstance(node, sp.Trace):
        # Trace.doit(deep=False) does not evaluate the trace; deep doit would re-walk the arg
        found = node.arg._eval_trace()
        return found if found is not None else node
    return node.doit(deep=False)


def doit(expr: Any, memo: dict[Any, Any] | None = None) -> Any:
    """SymPy's ``expr.doit()``, visiting each distinct subexpression once.

    Parameters
    ----------
    expr
        A SymPy expression (or ``None``, returned as is).
    memo
        Optional cache shared between calls (node -> canonical node): pass the
        same dict to canonicalise several expressions that share subexpressions.

    Returns
    -------
    sympy.Basic
        An expression equal to `expr` in SymPy's canonical form.

    Examples
    --------
    >>> import sympy as sp
    >>> A = sp.MatrixSymbol("A", 2, 2)
    >>> print(doit(sp.MatAdd(A, A, evaluate=False)))
    2*A
    """
    if expr is None:
        return None
    cache: dict[Any, Any] = {} if memo is None else memo
    active: set[Any] = set()

    def walk(node: Any) -> Any:
        found = cache.get(node)
        if found is not None:
            return found
        if not node.args or isinstance(node, sp.Symbol | sp.MatrixSymbol | sp.Number):
            out = node
        else:
            args = [walk(a) for a in node.args]
            same = all(a is b for a, b in zip(args, node.args, strict=True))
            rebuilt = node if same else node.func(*args)
            out = _shallow(rebuilt)
            if out.args and out not in active and not isinstance(out, type(rebuilt)):
                # the shallow step built new nodes (Inverse(AB) -> B⁻¹A⁻¹, (AB)ᵀ -> BᵀAᵀ):
                # canonicalise them too, as a deep doit would
                active.add(node)
                out = walk(out)
                active.discard(node)
        cache[node] = out
        return out

    return walk(sp.sympify(expr))


#: A function whose unfolded tree has fewer nodes than this, and is less deeply nested than
#: ``NEST_ABOVE``, is differentiated as it stands (the everyday problems: nothing changes).
SHARE_ABOVE = 48
#: A function with calls nested this deep (functions, inverses, determinants, ...: anything
#: but sums, products and transposes) is differentiated level by level: the differential of
#: each call is a sum or product of a few terms, and multiplied out through the levels it has
#: exponentially many (``softmax`` of ``softmax`` of ...).
NEST_ABOVE = 5
#: A result that expands to at most this many tree nodes is simplified as a whole (the
#: rewrites see across the levels); a larger one level by level.
READABLE_WHOLE = 200
#: Each shared intermediate stands for at most about this many nodes of its own level.
CHUNK = 6


@dataclass(frozen=True)
class Shared:
    """An expression cut into named intermediates: ``root`` and ``defs``.

    ``defs`` lists ``(placeholder, body)`` pairs bottom-up: a body refers only
    to variables, constants and earlier placeholders, and ``root`` to
    placeholders of any level.  :meth:`expand` puts the bodies back.
    """

    root: Any
    defs: tuple[tuple[Any, Any], ...]

    def expand(self, expr: Any, more: Iterable[tuple[Any, Any]] = ()) -> Any:
        """`expr` with every placeholder replaced by what it stands for.

        `more` are further ``(placeholder, body)`` definitions, in an order
        where a body refers only to earlier ones.  Each distinct subexpression
        is rebuilt once (no canonicalisation), so shared subexpressions stay
        shared objects.
        """
        defs = [*self.defs, *more]
        if not defs or expr is None:
            return expr
        rebuild = _Rebuild()
        for placeholder, body in defs:
            rebuild.bodies[placeholder] = rebuild(body)
        return rebuild(expr)


class _Rebuild:
    """Substitute placeholders without canonicalising, keeping the result a DAG.

    Each distinct object is visited once (memo by identity: SymPy's ``==`` compares whole
    trees, which is exponential on a DAG with repeated subexpressions), and equal nodes are
    hash-consed into one object, so later lookups and comparisons stay shallow.
    """

    def __init__(self) -> None:
        self.bodies: dict[Any, Any] = {}  # placeholder -> its expanded body
        self._seen: dict[int, tuple[Any, Any]] = {}  # id(node) -> (node, result)
        self._interned: dict[Any, Any] = {}

    def __call__(self, expr: Any) -> Any:
        seen, interned, bodies = self._seen, self._interned, self.bodies

        def walk(node: Any) -> Any:
            found = seen.get(id(node))
            if found is not None:
                return found[1]
            if not node.args or isinstance(node, sp.MatrixSymbol | sp.Symbol):
                out = bodies.get(node, node)
            else:
                args = [walk(a) for a in node.args]
                same = all(a is b for a, b in zip(args, node.args, strict=True))
                out = node if same else _remake(node, args)
                out = interned.setdefault(out, out)
            seen[id(node)] = (node, out)  # the node is kept alive: its id stays unique
            return out

        return walk(expr)


def _remake(node: Any, args: list[Any]) -> Any:
    """`node` with new `args`, as it stands: a sum or product is not flattened or reordered.

    SymPy's constructors of sums and products are cached by their arguments, and a cache
    lookup compares arguments with ``==``, which walks whole trees.
    """
    if isinstance(node, AssocOp):
        return node.func._from_args(args, node.is_commutative)
    return node.func(*args)


#: Nodes that do not count as a level of nesting: their differentials add no terms of their own.
_GLUE = (sp.Add, sp.Mul, sp.MatAdd, sp.MatMul, sp.Transpose, sp.HadamardProduct, ScalarOf)


def _shareable(node: Any) -> bool:
    if isinstance(node, sp.MatrixExpr):
        return not isinstance(node, sp.MatrixSymbol | sp.Identity | sp.ZeroMatrix | sp.OneMatrix)
    return isinstance(node, sp.Expr) and bool(node.args) and not isinstance(node, sp.Number)


def _placeholder(node: Any, index: int, prefix: str = "") -> Any:
    # names no user can write (not identifiers), never printed: expand() removes them
    if isinstance(node, sp.MatrixExpr):
        return sp.MatrixSymbol(f"shared#{prefix}{index}", *node.shape)
    return sp.Dummy(f"shared{prefix}{index}", real=True)


def share(
    expr: Any, above: int = SHARE_ABOVE, nest: int = NEST_ABOVE, chunk: int = CHUNK
) -> Shared:
    """Cut a large expression into shared intermediates, bottom-up.

    SymPy's canonicalisation walks an expression as a tree; a derivative of a
    deeply nested function refers to each level several times, so the tree
    it walks grows exponentially with the depth.  Replacing each level by a
    placeholder symbol (an atom to SymPy) keeps every expression the engine
    canonicalises small; the placeholders are expanded once at the end.

    Parameters
    ----------
    expr
        A SymPy expression.
    above, nest
        Expressions whose unfolded tree has fewer nodes than `above` and fewer
        levels than `nest` are returned whole.
    chunk
        A node is cut off once its tree, counting the placeholders below it as
        one node each, reaches this many nodes.

    Returns
    -------
    Shared
        The root and the ``(placeholder, body)`` definitions, bottom-up.

    Examples
    --------
    >>> import sympy as sp
    >>> X, A = sp.MatrixSymbol("X", 2, 2), sp.MatrixSymbol("A", 2, 2)
    >>> e = A
    >>> for _ in range(12):
    ...     e = sp.Inverse(X + e)
    >>> s = share(sp.Trace(e))
    >>> len(s.defs) > 1, s.expand(s.root) == sp.Trace(e)
    (True, True)
    """
    expr = sp.sympify(expr)
    unfolded: dict[Any, int] = {}

    calls: dict[Any, int] = {}  # depth of nested calls below and at each node

    def count(node: Any) -> int:
        found = unfolded.get(node)
        if found is None:
            leaf = is_leaf(node)
            found = 1 if leaf else 1 + sum(count(a) for a in node.args)
            unfolded[node] = found
            below = 0 if leaf else max(calls[a] for a in node.args)
            calls[node] = below if leaf or isinstance(node, _GLUE) else below + 1
        return found

    if count(expr) < above and calls[expr] < nest:
        return Shared(expr, ())
    refs: dict[Any, int] = {}  # how many parents refer to each distinct node
    for node in unfolded:
        if not is_leaf(node):
            for a in set(node.args):
                refs[a] = refs.get(a, 0) + 1
    defs: list[tuple[Any, Any]] = []
    cut: dict[Any, tuple[Any, int]] = {}  # node -> (replacement, size counted at its level)

    def walk(node: Any) -> tuple[Any, int]:
        found = cut.get(node)
        if found is not None:
            return found
        if is_leaf(node):
            out: tuple[Any, int] = (node, 1)
        else:
            parts = [walk(a) for a in node.args]
            same = all(p[0] is a for p, a in zip(parts, node.args, strict=True))
            body = node if same else node.func(*(p[0] for p in parts))
            size = 1 + sum(p[1] for p in parts)
            shared_here = refs.get(node, 0) > 1 and size > 2  # a DAG node: one level
            if (size >= chunk or shared_here) and _shareable(node) and node is not expr:
                placeholder = _placeholder(node, len(defs))
                defs.append((placeholder, body))
                out = (placeholder, 1)
            else:
                out = (body, size)
        cut[node] = out
        return out

    root = walk(expr)[0]
    return Shared(root, tuple(defs))


# -- the chain rule through the intermediates -----------------------------------------------


@dataclass(frozen=True)
class Linearised:
    """The differentials of a :class:`Shared` expression, level by level.

    ``local`` lists ``(dP, e)`` bottom-up for each placeholder ``P`` that
    depends on the variable: ``e`` is the differential of ``P``'s body, linear
    in the variable's differential and the earlier ``dP``; ``root`` is the
    root's differential (``None`` when the root does not depend on the variable).
    """

    root: Any
    local: tuple[tuple[Any, Any], ...]

    def definitions(self) -> tuple[tuple[Any, Any], ...]:
        """``local`` as definitions for :meth:`Shared.expand` (``dP`` stands for ``e``)."""
        return self.local


def linearise(
    shared: Shared, variable: Any, dvariable: Any, differential: Callable[[Any, Any], Any]
) -> Linearised:
    """Differentiate each level once: ``d(body)`` with the lower levels' ``dP`` as symbols.

    Each expression handed to SymPy stays the size of one level, whatever the depth.
    """
    variables: dict[Any, Any] = {variable: dvariable}
    local: list[tuple[Any, Any]] = []
    memo: dict[Any, Any] = {}  # the levels share subexpressions: each is canonicalised once
    for index, (placeholder, body) in enumerate(shared.defs):
        d_body = differential(body, variables)
        if d_body is None:
            continue
        d_placeholder = _placeholder(placeholder, index, prefix="d")
        variables[placeholder] = d_placeholder
        local.append((d_placeholder, doit(d_body, memo)))
    return Linearised(doit(differential(shared.root, variables), memo), tuple(local))


def _placeholders_in(expr: Any, local: Iterable[tuple[Any, Any]]) -> list[Any]:
    found = symbols(expr)  # one walk (``expr.has(dp)`` per level would be quadratic)
    return [dp for dp, _ in local if dp in found]


def chain_tangent(
    lin: Linearised, dt: Any, tangent: Callable[[Any, Any], Any]
) -> tuple[Any, list[tuple[Any, Any]]]:
    """``F'`` for a scalar variable, forward through the levels; returns ``(F', definitions)``."""
    replace: dict[Any, Any] = {}
    defs: list[tuple[Any, Any]] = []
    for index, (dp, e) in enumerate(lin.local):
        value = tangent(e.xreplace(replace), dt)
        name = _placeholder(dp, index, prefix="t")
        defs.append((name, value))
        replace[dp] = name
    if lin.root is None:
        return tangent(None, dt), defs
    return tangent(lin.root.xreplace(replace), dt), defs


def chain_vec(
    lin: Linearised, dx: Any, vec_identify: Callable[[Any, Any], Any]
) -> tuple[Any, list[tuple[Any, Any]]]:
    """``J`` with ``vec(df) = J vec(dX)``, forward through the levels (``J_P`` per level)."""
    jacobians: dict[Any, Any] = {}
    defs: list[tuple[Any, Any]] = []

    def by(e: Any, dp: Any) -> Any:
        # vec(e) = J dp for a matrix dp; a scalar dp is read as the entry of a 1 x 1 matrix
        if isinstance(dp, sp.MatrixExpr):
            return vec_identify(e, dp)
        entry = sp.MatrixSymbol(f"{dp}#1x1", 1, 1)
        return vec_identify(e.xreplace({dp: ScalarOf(entry)}), entry)

    def total(e: Any) -> Any:
        terms = [vec_identify(e, dx)]
        terms += [sp.MatMul(by(e, dp), jacobians[dp]) for dp in _placeholders_in(e, lin.local)]
        # a plain sum: each term is canonical already, and the levels are expanded unevaluated
        return sp.MatAdd(*terms) if len(terms) > 1 else terms[0]

    for index, (dp, e) in enumerate(lin.local):
        value = total(e)
        name = sp.MatrixSymbol(f"shared#J{index}", *value.shape)
        defs.append((name, value))
        jacobians[dp] = name
    return total(lin.root), defs


def chain_gradient(
    lin: Linearised, dx: Any, gradient: Callable[[Any, Any], Any]
) -> tuple[Any, list[tuple[Any, Any]]]:
    """``G`` with ``df = <G, dX>``, backward through the levels (a cotangent per level)."""
    terms: list[Any] = []
    cotangents: dict[Any, list[Any]] = {}
    defs: list[tuple[Any, Any]] = []

    def pull(scalar: Any) -> None:
        if scalar.has(dx):
            terms.append(gradient(scalar, dx))
        for dp in _placeholders_in(scalar, lin.local):
            cotangents.setdefault(dp, []).append(gradient(scalar, dp))

    if lin.root is not None:
        pull(lin.root)
    for index, (dp, e) in reversed(list(enumerate(lin.local))):
        parts = cotangents.pop(dp, None)
        if not parts:
            continue
        if isinstance(dp, sp.MatrixExpr):
            # the gradient by a 1 x 1 level may come back a scalar
            parts = [p if isinstance(p, sp.MatrixExpr) else p * sp.Identity(1) for p in parts]
            value = doit(sp.MatAdd(*parts))
        else:
            value = doit(sp.Add(*parts))
        name = _placeholder(dp, index, prefix="c")
        defs.append((name, value))
        pull(inner(name, e))
    if not terms:
        return gradient(None, dx), defs
    if isinstance(dx, sp.MatrixExpr):
        return doit(sp.MatAdd(*terms)) if len(terms) > 1 else terms[0], defs
    return doit(sp.Add(*terms)), defs
