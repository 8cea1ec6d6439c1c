"""Declared shapes and assumptions: the context an expression is read in.

``shapes`` maps each name to a tuple of ints or dimension names; ``()`` is a
scalar, ``("n",)`` a 1-D vector, ``("m", "n")`` a matrix.  Dimension names
become positive integer SymPy symbols, shared by every name that uses them.

Examples
--------
>>> ctx = make_context({"x": ("n",), "A": ("n", "n"), "c": ()}, {"A": "symmetric"})
>>> ctx.symbols["x"].shape
(n, 1)
>>> ctx.shapes["x"]
(n,)
>>> sorted(ctx.assume["A"])
['symmetric']
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from matderiv.assumptions import ASSUMPTIONS
from matderiv.assumptions import IMPLIED as _IMPLIED
from matderiv.errors import ShapeError

__all__ = [
    "ASSUMPTIONS",
    "RESERVED",
    "Context",
    "ShapeSpec",
    "format_shape",
    "make_context",
]

#: What a shapes mapping may hold for one name.
ShapeSpec = tuple[int | str, ...] | list[int | str] | str | int

#: Names that cannot be declared (module prefixes of the language).
RESERVED = frozenset({"np", "numpy", "linalg"})


@dataclass(frozen=True)
class Context:
    """Everything the parser needs to know about the names of an expression.

    Attributes
    ----------
    shapes
        User-level shape of each declared name, with SymPy dimensions.
    symbols
        The SymPy object of each name: a real ``Symbol`` for a scalar, an
        ``(n, 1)`` ``MatrixSymbol`` for a vector, an ``(m, n)`` one for a matrix.
    dims
        The dimension symbols by name.
    assume
        The assumptions declared for each name.
    """

    shapes: dict[str, tuple[Any, ...]]
    symbols: dict[str, Any]
    dims: dict[str, sp.Symbol]
    assume: dict[str, frozenset[str]]

    def with_names(self, extra: Mapping[str, tuple[Any, ...]]) -> Context:
        """A copy that also declares `extra` (user-level shapes with SymPy dims).

        >>> ctx = make_context({"X": ("m", "n")})
        >>> ctx.with_names({"dX": ctx.shapes["X"]}).symbols["dX"].shape
        (m, n)
        """
        shapes = dict(self.shapes)
        symbols = dict(self.symbols)
        for name, shape in extra.items():
            shapes[name] = tuple(shape)
            symbols[name] = _symbol(name, tuple(shape))
        return Context(shapes, symbols, dict(self.dims), dict(self.assume))


def format_shape(shape: Iterable[Any]) -> str:
    """Show a user-level shape the way numpy does.

    >>> format_shape(("m", 3))
    '(m, 3)'
    >>> format_shape(("n",))
    '(n,)'
    """
    items = [str(s) for s in shape]
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _symbol(name: str, shape: tuple[Any, ...]) -> Any:
    if len(shape) == 0:
        return sp.Symbol(name, real=True)
    if len(shape) == 1:
        return sp.MatrixSymbol(name, shape[0], 1)
    return sp.MatrixSymbol(name, shape[0], shape[1])


def _valid_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith("__")
    )


def _normalize_shape(name: str, spec: Any) -> tuple[int | str, ...]:
    if isinstance(spec, str):
        spec = tuple(part.strip() for part in spec.split(",") if part.strip())
    elif isinstance(spec, int) and not isinstance(spec, bool):
        spec = (spec,)
    if not isinstance(spec, tuple | list):
        raise ShapeError(
            f"shape of {name!r} is {spec!r}; give a tuple of ints or dimension names, "
            "for example ('n',) for a vector or ('m', 'n') for a matrix"
        )
    out: list[int | str] = []
    for item in spec:
        if isinstance(item, bool):
            raise ShapeError(f"shape of {name!r} contains {item!r}; use ints or names")
        if isinstance(item, int):
            if item < 1:
                raise ShapeError(f"shape of {name!r} has a dimension {item}; dimensions are >= 1")
            out.append(item)
        elif isinstance(item, str) and item.strip().isdigit():
            out.append(int(item.strip()))
        elif isinstance(item, str) and _valid_name(item.strip()):
            out.append(item.strip())
        else:
            raise ShapeError(
                f"shape of {name!r} contains {item!r}; a dimension is a positive int "
                "or a name such as 'n'"
            )
    if len(out) > 2:
        raise ShapeError(
            f"{name!r} has shape {format_shape(out)}; matderiv handles scalars, vectors and "
            "matrices (at most 2 dimensions)"
        )
    return tuple(out)


def make_context(
    shapes: Mapping[str, ShapeSpec],
    assume: Mapping[str, str | Iterable[str]] | None = None,
) -> Context:
    """Check `shapes` and `assume` and build the :class:`Context`.

    Parameters
    ----------
    shapes
        Name -> shape (tuple of ints or dimension names; ``()`` for a scalar).
    assume
        Name -> assumption or list of assumptions (see :data:`~matderiv.assumptions.ASSUMPTIONS`).

    Returns
    -------
    Context
        The declared names as SymPy objects.

    Raises
    ------
    ShapeError
        A malformed name, shape or assumption.

    Examples
    --------
    >>> make_context({"X": (2, "n")}).symbols["X"].shape
    (2, n)
    """
    if not isinstance(shapes, Mapping):
        raise ShapeError("shapes must be a mapping such as {'x': ('n',), 'A': ('n', 'n')}")
    dims: dict[str, sp.Symbol] = {}
    user: dict[str, tuple[Any, ...]] = {}
    symbols: dict[str, Any] = {}
    for name, spec in shapes.items():
        if not _valid_name(name) or name in RESERVED:
            raise ShapeError(
                f"{name!r} cannot be declared: a name is a Python identifier that does not "
                f"start with '__' and is not one of {sorted(RESERVED)}"
            )
        dims_of = []
        for item in _normalize_shape(name, spec):
            if isinstance(item, str):
                dims.setdefault(item, sp.Symbol(item, integer=True, positive=True))
                dims_of.append(dims[item])
            else:
                dims_of.append(sp.Integer(item))
        user[name] = tuple(dims_of)
        symbols[name] = _symbol(name, user[name])
    facts: dict[str, frozenset[str]] = {}
    for name, facts_spec in (assume or {}).items():
        if name not in user:
            raise ShapeError(
                f"assume names {name!r}, which is not declared in shapes "
                f"(declared: {', '.join(sorted(user)) or 'nothing'})"
            )
        items: set[str] = {facts_spec} if isinstance(facts_spec, str) else set(facts_spec)
        for item in list(items):
            if item not in ASSUMPTIONS:
                raise ShapeError(
                    f"unknown assumption {item!r} for {name!r}; known: "
                    + ", ".join(sorted(ASSUMPTIONS))
                )
            items |= _IMPLIED.get(item, set())
        shape = user[name]
        if items & {"symmetric", "invertible"} and (len(shape) != 2 or shape[0] != shape[1]):
            raise ShapeError(
                f"{name!r} is assumed {'/'.join(sorted(items))} but has shape "
                f"{format_shape(shape)}; that needs a square matrix"
            )
        facts[name] = frozenset(items)
    return Context(user, symbols, dims, facts)
