"""Named intermediates: a subexpression printed 3 or more times is printed once, with a name.

A result such as the Hessian of the softmax cross-entropy holds ``softmax(W @ x)`` many
times.  :func:`share` takes such an expression apart into a *main* expression and a list
of definitions, each a name for a subexpression that the printed form would otherwise
repeat ``min_uses`` (3) or more times.  Every printer reads the same split: the text is
``main where s = softmax(W @ x), D = ...`` (:func:`matderiv.expr.text.to_text_where`), the
LaTeX an aligned "where" block (:func:`matderiv.expr.latex.to_latex_where`), the numpy
source one local variable per name, computed once.

How a name is chosen: the first letter of the function at the head of the subexpression
(``s`` for ``softmax``, ``e`` for ``exp``), upper case for a matrix, lower case for a vector
or a scalar; when the head is an operator such as ``@`` or ``+``, ``M`` for a matrix and
``u`` otherwise.  When that
letter is taken (by a declared name, a dimension, a function of the language, a reserved
word or another intermediate) a counter follows it: ``s1``, ``s2``…, numbered in the order the
definitions are printed.

How a subexpression is counted: as often as it occurs in the printed tree (a subexpression
shared by several parents counts once per parent), over the main expression and the
definitions chosen so far; subexpressions of the same shape that print as the same text
are the same value (printed text reads back to its value) and count together.  The largest
repeated subexpression is named first, so a subexpression that repeats only inside it is not
named.  Atoms, transposes, negations and
1 x 1 matrices are never named, nor is anything smaller than three nodes (``W @ x`` is
three: the product and its two factors).

Examples
--------
>>> from matderiv.expr import parse
>>> shapes = {"W": ("m", "n"), "x": ("n",), "y": ("m",)}
>>> e = parse("softmax(W @ x) * y + (softmax(W @ x) @ y) * softmax(W @ x)", shapes)
>>> s = share(e, shapes)
>>> from matderiv.expr.text import to_text
>>> [(name, to_text(value)) for name, value in s.definitions]
[('s', 'softmax(W @ x)')]
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any, NamedTuple

import sympy as sp

from matderiv.expr.context import RESERVED
from matderiv.expr.reader import FUNCTIONS
from matderiv.expr.text import text_printer
from matderiv.expr.walk import symbols

__all__ = ["MIN_USES", "Shared", "share"]

#: A subexpression printed this many times or more is printed once, as a named intermediate.
MIN_USES = 3

#: Names the language reads as something else, besides its functions and :data:`RESERVED`.
_LANGUAGE_NAMES = frozenset({"pi", "where", "ones", "zeros", "eye"})

#: The fewest nodes a named subexpression has (``W @ x``: the product and its two factors).
_MIN_WEIGHT = 3

#: Bounds on the greedy search (one walk of the expression per name): past either, the
#: remaining names are chosen in one walk (:func:`_name_in_one_pass`).
_MAX_NAMES = 52
_GREEDY_WORK = 20_000
#: A subexpression larger than this (printed tree) is not printed to be compared by its text.
_PRINT_WEIGHT = 400


class Shared(NamedTuple):
    """An expression split into a main expression and named definitions.

    Attributes
    ----------
    main
        The expression with each named subexpression replaced by its name (a
        ``MatrixSymbol`` of the same shape, or a real ``Symbol`` for a scalar).
    definitions
        ``(name, subexpression)`` pairs in the order they must be computed: a definition
        uses only the names defined before it.
    symbols
        The placeholder symbol of each name.
    """

    main: Any
    definitions: tuple[tuple[str, Any], ...]
    symbols: dict[str, Any]

    def inline(self) -> Any:
        """The original expression: every name replaced by its definition.

        >>> from matderiv.expr import parse
        >>> shapes = {"x": ("n",)}
        >>> e = parse("np.exp(x @ x) * x + np.exp(x @ x) ** 2 * np.exp(x @ x) * x", shapes)
        >>> share(e, shapes).inline() == e
        True
        """
        values: dict[Any, Any] = {}
        for name, value in self.definitions:
            values[self.symbols[name]] = _replace(value, values)
        return _replace(self.main, values)


def _is_atom(node: Any) -> bool:
    return (
        isinstance(
            node,
            sp.MatrixSymbol | sp.Symbol | sp.Number | sp.Identity | sp.ZeroMatrix | sp.OneMatrix,
        )
        or not node.args
    )


def _unique_postorder(roots: Iterable[Any]) -> list[Any]:
    """Every distinct node under `roots`, children before parents (no recursion limit)."""
    seen: set[Any] = set()
    order: list[Any] = []
    for root in roots:
        if root in seen:
            continue
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            if not _is_atom(node):
                stack.extend((a, False) for a in reversed(node.args) if a not in seen)
    return order


def _weights(order: list[Any]) -> dict[Any, int]:
    """Printed size of each node: numbers weigh nothing, a transpose what its argument weighs."""
    weight: dict[Any, int] = {}
    for node in order:
        if isinstance(node, sp.Number) or node in (sp.pi, sp.E) or not isinstance(node, sp.Expr):
            weight[node] = 0  # numbers, and labels such as a function's name
        elif _is_atom(node):
            weight[node] = 1
        elif isinstance(node, sp.Transpose):
            weight[node] = weight[node.arg]
        else:
            weight[node] = 1 + sum(weight.get(a, 0) for a in node.args)
    return weight


def _occurrences(roots: list[Any], order: list[Any]) -> dict[Any, int]:
    """How many times each node occurs in the trees of `roots` (a DAG walked as trees)."""
    count: dict[Any, int] = dict.fromkeys(order, 0)
    for root in roots:
        count[root] += 1
    for node in reversed(order):  # parents before children
        if _is_atom(node) or count[node] == 0:
            continue
        for a in node.args:
            if a in count:
                count[a] += count[node]
    return count


def _is_negation(node: Any) -> bool:
    """``-u``, ``-2 * A @ B``: printed with a leading minus, a poor thing to name."""
    return (
        isinstance(node, sp.MatMul | sp.Mul)
        and isinstance(node.args[0], sp.Number)
        and bool(node.args[0].is_negative)
    )


def _variables(order: list[Any]) -> dict[Any, bool]:
    """Whether each node depends on an array or a scalar variable (not only on sizes)."""
    out: dict[Any, bool] = {}
    for node in order:
        if isinstance(node, sp.MatrixSymbol):
            out[node] = True
        elif isinstance(node, sp.Symbol):
            out[node] = not node.is_integer  # a dimension name is an integer symbol
        else:
            out[node] = not _is_atom(node) and any(out.get(a, False) for a in node.args)
    return out


def _may_name(node: Any, weight: int, variable: bool, placeholders: Collection[Any]) -> bool:
    if not variable or weight < _MIN_WEIGHT or node in placeholders or _is_atom(node):
        return False
    if isinstance(node, sp.Transpose) or _is_negation(node):
        return False
    if isinstance(node, sp.MatrixExpr):
        if tuple(node.shape) == (1, 1):
            return False
    elif not isinstance(node, sp.Expr) or isinstance(node, sp.Number):
        return False
    return True


def _replace(node: Any, mapping: dict[Any, Any]) -> Any:
    """`node` with each key of `mapping` replaced, rebuilding each shared node once."""
    if not mapping:
        return node
    if node in mapping:
        return mapping[node]
    return _rebuilder([node], mapping)(node)


def _rebuilder(roots: Iterable[Any], mapping: dict[Any, Any]) -> Callable[[Any], Any]:
    """For any node under `roots`: the node with its *proper* subexpressions that are keys of
    `mapping` replaced (one walk for all the roots; each shared node rebuilt once)."""
    memo: dict[Any, Any] = {}
    for sub in _unique_postorder(roots):  # children before parents
        if _is_atom(sub):
            memo[sub] = sub
        else:
            args = tuple(mapping.get(a, memo[a]) for a in sub.args)
            memo[sub] = sub if args == sub.args else sub.func(*args)
    return memo.__getitem__


_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*(?=\()")


def _head_letter(text: str) -> str | None:
    """The first letter of the function a printed subexpression is a call of, else ``None``."""
    match = _CALL.match(text)
    if match is not None:
        depth = 0
        for i, ch in enumerate(text[match.end() :], start=match.end()):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                if i == len(text) - 1:  # the call spans the whole text
                    function = match.group(0).rsplit(".", 1)[-1]
                    letters = [c for c in function if c.isalpha() and c.isascii()]
                    if letters:
                        return letters[0].lower()
                break
    return None


def share(
    expr: Any,
    shapes: Any = None,
    *,
    taken: Iterable[str] = (),
    min_uses: int = MIN_USES,
    printer: Callable[[Any], str] | None = None,
) -> Shared:
    """Split `expr` into a main expression and named intermediates (see the module docstring).

    Parameters
    ----------
    expr
        A SymPy expression in matderiv's internal representation.
    shapes
        The declared names (a mapping name -> shape, or a ``Context``): intermediates
        never take a declared name or a dimension name.
    taken
        More names the intermediates must not take.
    min_uses
        How often a subexpression must be printed to get a name (default 3).
    printer
        Text of a subexpression: subexpressions of one shape that print alike are one
        value, and the text gives the name's letter (default:
        :func:`matderiv.expr.text.text_printer` for `shapes`).

    Returns
    -------
    Shared
        ``main``, ``definitions`` and ``symbols``; with no repeated subexpression,
        ``main`` is `expr` and there are no definitions.

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> from matderiv.expr.text import to_text, to_text_where
    >>> shapes = {"A": ("n", "n"), "x": ("n",), "i": ()}
    >>> e = parse("np.exp(A @ x) * x + (np.exp(A @ x) @ x) * np.exp(A @ x)", shapes)
    >>> s = share(e, shapes)
    >>> [(name, to_text(value)) for name, value in s.definitions]
    [('e', 'exp(A @ x)')]
    >>> to_text_where(share(e, shapes, taken={"e"}), shapes)
    '(e1 @ x) * e1 + e1 * x where e1 = exp(A @ x)'
    """
    if printer is None:
        printer = text_printer(getattr(shapes, "shapes", shapes))
    used = {str(name) for name in taken} | set(RESERVED) | set(FUNCTIONS) | _LANGUAGE_NAMES
    used |= set(keyword.kwlist) | set(keyword.softkwlist)
    if shapes is not None:
        declared = getattr(shapes, "shapes", shapes)
        used |= {str(k) for k in declared}
        for shape in declared.values():
            used |= {str(d) for d in shape if isinstance(d, str)}
        used |= {str(d) for d in getattr(shapes, "dims", ())}
    if isinstance(expr, sp.Basic):
        used |= {str(s.name) for s in symbols(expr)}
    main = expr
    found: list[tuple[str, Any, Any]] = []  # (letter, placeholder, definition)
    texts: dict[Any, Any] = {}  # node -> its text, or the node itself when too large
    work = 0  # nodes visited by the greedy search so far
    while isinstance(main, sp.Basic) and len(found) < _MAX_NAMES and work < _GREEDY_WORK:
        roots = [main, *(value for _, _, value in found)]
        order = _unique_postorder(roots)
        work += len(order)
        weight = _weights(order)
        count = _occurrences(roots, order)
        variable = _variables(order)  # constants such as eye(n) are not named
        placeholders = {symbol for _, symbol, _ in found}
        # subexpressions that print alike are the same value (the text reads back): one group
        groups: dict[tuple[Any, tuple[Any, ...]], list[Any]] = {}
        for node in order:
            if count[node] and _may_name(node, weight[node], variable[node], placeholders):
                if node not in texts:
                    # a large node's text (its unfolded tree) is not printed: it is its own group
                    texts[node] = printer(node) if weight[node] <= _PRINT_WEIGHT else node
                key = (texts[node], tuple(getattr(node, "shape", ())))
                groups.setdefault(key, []).append(node)
        best = None
        for key, nodes in groups.items():
            uses = sum(count[n] for n in nodes)
            rank = (max(weight[n] for n in nodes), uses)
            if uses >= min_uses and (best is None or rank > best[0]):
                best = (rank, key)
        if best is None:
            break
        nodes = groups[best[1]]
        node = nodes[0]
        text = best[1][0] if isinstance(best[1][0], str) else _head_text(node, printer)
        letter = _letter(_head_letter(text), node)
        symbol = _placeholder(f"_{letter}_{len(found)}", node)  # named once all are known
        mapping = dict.fromkeys(nodes, symbol)
        main = _replace(main, mapping)
        found = [(n, s, _replace(v, mapping)) for n, s, v in found]
        found.append((letter, symbol, node))
    else:
        if isinstance(main, sp.Basic):  # the greedy search reached a bound: name the rest
            main, found = _name_in_one_pass(main, found, min_uses, printer)
    return _named(main, _in_dependency_order(found), used)


def _name_in_one_pass(
    main: Any, found: list[tuple[str, Any, Any]], min_uses: int, printer: Callable[[Any], str]
) -> tuple[Any, list[tuple[str, Any, Any]]]:
    """Name every remaining repeated subexpression in one walk, parents before children.

    The result the greedy search of :func:`share` reaches, without its one walk per name
    (which makes a large derivative, with hundreds of intermediates, quadratic): a node's
    printed count is final once its parents are decided, and a named parent passes on one
    occurrence (its definition, printed once) instead of its own count.  Subexpressions that
    only print alike are not merged here.
    """
    roots = [main, *(value for _, _, value in found)]
    order = _unique_postorder(roots)
    weight = _weights(order)
    variable = _variables(order)
    placeholders = {symbol for _, symbol, _ in found}
    count: dict[Any, int] = dict.fromkeys(order, 0)
    for root in roots:
        count[root] += 1
    mapping: dict[Any, Any] = {}
    letters: dict[Any, str] = {}
    for node in reversed(order):  # parents before children
        if _is_atom(node) or count[node] == 0:
            continue
        passed = count[node]
        if (
            passed >= min_uses
            and node not in roots
            and _may_name(node, weight[node], variable[node], placeholders)
        ):
            letters[node] = _letter(_head_letter(_head_text(node, printer)), node)
            mapping[node] = _placeholder(f"_{letters[node]}_{len(found) + len(mapping)}", node)
            passed = 1
        for a in node.args:
            if a in count:
                count[a] += passed
    if not mapping:
        return main, found
    inside = _rebuilder(roots, mapping)  # a definition: its named subexpressions replaced
    found = [(letter, symbol, inside(value)) for letter, symbol, value in found]
    found += [(letters[node], symbol, inside(node)) for node, symbol in mapping.items()]
    return mapping.get(main, inside(main)), found


def _head_text(node: Any, printer: Callable[[Any], str]) -> str:
    """The text of `node` with its arguments as bare symbols: enough to read its head."""
    args = [
        _placeholder(f"a{i}", a) if isinstance(a, sp.Expr) and not isinstance(a, sp.Number) else a
        for i, a in enumerate(node.args)
    ]
    try:
        return printer(node.func(*args))
    except Exception:  # a node that refuses symbols for arguments: the operator's letter
        return ""


def _placeholder(name: str, node: Any) -> Any:
    if isinstance(node, sp.MatrixExpr):
        return sp.MatrixSymbol(name, *node.shape)
    return sp.Symbol(name, real=True)


def _named(main: Any, found: list[tuple[str, Any, Any]], used: set[str]) -> Shared:
    """The split with the final names: a letter alone, or numbered in printed order."""
    counts: dict[str, int] = {}
    for letter, _, _ in found:
        counts[letter] = counts.get(letter, 0) + 1
    mapping: dict[Any, Any] = {}
    names: list[str] = []
    for letter, symbol, value in found:
        name = _fresh(letter, used, alone=counts[letter] == 1)
        used.add(name)
        names.append(name)
        mapping[symbol] = _placeholder(name, value)
    definitions = tuple(
        (name, _replace(value, mapping)) for name, (_, _, value) in zip(names, found, strict=True)
    )
    symbols = {name: mapping[symbol] for name, (_, symbol, _) in zip(names, found, strict=True)}
    return Shared(_replace(main, mapping), definitions, symbols)


def _letter(head: str | None, node: Any) -> str:
    """The letter of a name: the head function's, upper case for a matrix."""
    matrix = isinstance(node, sp.MatrixExpr) and 1 not in tuple(node.shape)
    if head is None:  # an operator at the head: M for a matrix, u otherwise
        return "M" if matrix else "u"
    return head.upper() if matrix else head


def _fresh(letter: str, used: Collection[str], alone: bool) -> str:
    if alone and letter not in used:
        return letter
    k = 1
    while f"{letter}{k}" in used:
        k += 1
    return f"{letter}{k}"


def _in_dependency_order(found: list[tuple[str, Any, Any]]) -> list[tuple[str, Any, Any]]:
    """The definitions, each after the names it uses (and otherwise innermost first)."""
    by_symbol = {symbol: (letter, symbol, value) for letter, symbol, value in found}
    out: list[tuple[str, Any, Any]] = []
    placed: set[Any] = set()

    def place(symbol: Any) -> None:
        if symbol in placed:
            return
        placed.add(symbol)
        entry = by_symbol[symbol]
        for other in sorted(symbols(entry[2]), key=str):
            if other in by_symbol:
                place(other)
        out.append(entry)

    for _, symbol, _ in reversed(found):
        place(symbol)
    return out
