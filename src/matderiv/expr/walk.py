"""Walks over an expression that visit each distinct subexpression once.

A derivative shares its subexpressions: ``d inv(M) = -inv(M) dM inv(M)`` refers to
``inv(M)`` twice, and through ``k`` nested levels a subexpression is referred to about
``2^k`` times.  SymPy's walks (``preorder_traversal``, ``atoms``, ``has``) follow every
reference, so their cost is the size of the unfolded tree.  These walks remember what they
have seen (by identity: ``==`` on SymPy objects compares whole trees), so their cost is the
number of distinct objects (84 below: the 80 of the levels, ``X`` and the name and sizes it
holds).

Examples
--------
>>> import sympy as sp
>>> X = sp.MatrixSymbol("X", 2, 2)
>>> e = X
>>> for _ in range(40):  # 2**40 references to X; two new objects per level
...     e = sp.HadamardProduct(sp.Inverse(e), e)
>>> len(list(distinct(e))), symbols(e) == {X}
(84, True)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import sympy as sp

__all__ = [
    "CACHE_BELOW",
    "LEAVES",
    "cacheable",
    "cached_when_small",
    "distinct",
    "is_leaf",
    "symbols",
    "tree_size",
]

_R = TypeVar("_R")

#: An expression whose unfolded tree has fewer nodes than this may be the key of a cache.
CACHE_BELOW = 2000


def distinct(*roots: Any, descend: Callable[[Any], bool] = lambda node: True) -> Iterator[Any]:
    """Each distinct object under `roots` once, parents before their children.

    Parameters
    ----------
    *roots
        SymPy expressions (anything else is skipped).
    descend
        Whether to visit a node's arguments (default: always).

    Yields
    ------
    sympy.Basic
        The nodes, each object once.
    """
    seen: set[int] = set()
    stack = [r for r in reversed(roots) if isinstance(r, sp.Basic)]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))  # the roots keep every node alive: ids stay unique
        yield node
        if node.args and descend(node):
            stack.extend(reversed(node.args))


def symbols(*roots: Any, kinds: tuple[type, ...] = (sp.MatrixSymbol, sp.Symbol)) -> set[Any]:
    """The symbols of `roots` (``expr.atoms(sp.MatrixSymbol, sp.Symbol)``, walked as a DAG).

    >>> x, t = sp.MatrixSymbol("x", 3, 1), sp.Symbol("t")
    >>> sorted(map(str, symbols(t * x.T * x)))
    ['t', 'x']
    """
    return {node for node in distinct(*roots) if isinstance(node, kinds)}


def tree_size(expr: Any, cap: int) -> int:
    """Nodes of `expr` as a tree (each reference counted), or `cap` when there are more.

    Symbols, numbers and constant matrices count as one node.  Each distinct object is
    sized once, so the cost is the number of distinct objects (at most), not the tree.

    >>> x = sp.MatrixSymbol("x", 2, 1)
    >>> tree_size(x.T * x, 100), tree_size(x.T * x, 2)
    (4, 2)
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        if is_leaf(node):
            sizes[id(node)] = 1
        elif ready:
            sizes[id(node)] = min(cap, 1 + sum(sizes[id(a)] for a in node.args))
        else:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if id(a) not in sizes)
    return min(cap, sizes[id(expr)])


def cacheable(expr: Any) -> bool:
    """Whether `expr` is small enough to be the key of a cache (see :data:`CACHE_BELOW`).

    A cache compares keys with ``==``; on two equal but distinct objects SymPy's ``==`` walks
    both trees, and the tree of a derivative that shares its subexpressions is exponentially
    larger than its DAG.
    """
    return tree_size(expr, CACHE_BELOW) < CACHE_BELOW


def cached_when_small(maxsize: int) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """``functools.lru_cache`` for the calls whose first argument is :func:`cacheable`.

    A call with a large first argument is computed directly: looking it up would compare it
    with ``==`` against the keys (see :func:`cacheable`).

    >>> calls = []
    >>> @cached_when_small(8)
    ... def size(expr):
    ...     calls.append(expr)
    ...     return tree_size(expr, 100)
    >>> x = sp.MatrixSymbol("x", 2, 1)
    >>> size(x.T * x), size(x.T * x), len(calls)
    (4, 4, 1)
    """

    def decorate(function: Callable[..., _R]) -> Callable[..., _R]:
        cached = functools.lru_cache(maxsize=maxsize)(function)

        @functools.wraps(function)
        def call(expr: Any, *args: Any) -> _R:
            return cached(expr, *args) if cacheable(expr) else function(expr, *args)

        return call

    return decorate


def is_leaf(node: Any) -> bool:
    """A node sized as one: no arguments, or a symbol, a number, a constant matrix."""
    return not node.args or isinstance(node, LEAVES)


#: Nodes that count as one however they are built (a MatrixSymbol holds its name and sizes).
LEAVES = (sp.Symbol, sp.MatrixSymbol, sp.Number, sp.Identity, sp.ZeroMatrix, sp.OneMatrix)
