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
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from matderiv.assumptions import ASSUMPTIONS, TABLE, refused_combination
from matderiv.assumptions import IMPLIED as _IMPLIED
from matderiv.errors import DeclarationError

__all__ = [
    "ASSUMPTIONS",
    "MAX_DIMENSION",
    "RESERVED",
    "Context",
    "ShapeSpec",
    "check_wrt",
    "format_shape",
    "make_context",
    "name_problem",
]

#: What a shapes mapping may hold for one name.
ShapeSpec = tuple[int | str, ...] | list[int | str] | str | int

#: Names that cannot be declared (module prefixes of the language).
RESERVED = frozenset({"np", "numpy", "linalg"})

#: The largest int dimension a shape may declare (larger sizes are not differentiated
#: symbolically in any useful way; a dimension name such as ``'n'`` has no bound).
MAX_DIMENSION = 10**6


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
    return name_problem(name) is None


def name_problem(name: object) -> str | None:
    """Why `name` cannot be declared (a variable or a dimension), or ``None`` when it can.

    A name is a Python identifier that is not a keyword, does not start with ``__``, is not
    one of :data:`RESERVED` and is left unchanged by NFKC normalisation: Python's parser
    folds identifiers under NFKC, so a full-width ``ｘ`` in text would silently read as ``x``.

    >>> name_problem("x") is None
    True
    >>> print(name_problem("ｘ"))
    Python reads it as 'x' (NFKC folding); use the ASCII name
    """
    if not isinstance(name, str):
        return f"a name is a str, not {type(name).__name__}"
    folded = unicodedata.normalize("NFKC", name)
    if folded != name:
        return f"Python reads it as {folded!r} (NFKC folding); use the ASCII name"
    if not name.isidentifier():
        return "it is not a Python identifier (letters, digits, '_', not starting with a digit)"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "it is a Python keyword"
    if name.startswith("__"):
        return "names starting with '__' are reserved"
    if name in RESERVED:
        return f"it is reserved ({', '.join(sorted(RESERVED))} name numpy in the language)"
    return None


def _dimension(name: str, item: object) -> int | str:
    where = f"shapes[{name!r}]"
    what = f"a dimension is an int from 1 to {MAX_DIMENSION:_} or a dimension name such as 'n'"
    if isinstance(item, bool) or not isinstance(item, int | str):
        raise DeclarationError(f"{where} contains {item!r} ({type(item).__name__}); {what}")
    if isinstance(item, str):
        text = item.strip()
        if text.isascii() and text.isdigit():
            if len(text) > len(str(MAX_DIMENSION)):
                raise DeclarationError(
                    f"{where} has a dimension of {len(text)} digits; {what} "
                    "(matderiv.expr.context.MAX_DIMENSION)"
                )
            item = int(text)
        else:
            problem = name_problem(text)
            if problem is not None:
                raise DeclarationError(
                    f"{where} contains the dimension {item!r}, which cannot be a dimension "
                    f"name: {problem}; {what}"
                )
            return text
    if not 1 <= item <= MAX_DIMENSION:
        raise DeclarationError(f"{where} has the dimension {item}; {what}")
    return item


def _normalize_shape(name: str, spec: Any) -> tuple[int | str, ...]:
    if isinstance(spec, str):
        spec = tuple(part for part in spec.split(",") if part.strip())
    if not isinstance(spec, tuple | list):
        raise DeclarationError(
            f"shapes[{name!r}] is {spec!r} ({type(spec).__name__}); give a tuple of ints or "
            "dimension names, for example () for a scalar, ('n',) for a vector or "
            "('m', 'n') for a matrix"
        )
    if len(spec) > 2:
        raise DeclarationError(
            f"shapes[{name!r}] is {format_shape(spec)}, with {len(spec)} dimensions; matderiv "
            "handles scalars (), vectors ('n',) and matrices ('m', 'n'): at most 2 dimensions"
        )
    return tuple(_dimension(name, item) for item in spec)


def _facts(name: str, spec: object) -> set[str]:
    """The assumptions `spec` of `name` declares (``assume[name]``), checked."""
    where = f"assume[{name!r}]"
    known = ", ".join(sorted(ASSUMPTIONS))
    if isinstance(spec, str):
        items: list[object] = [spec]
    elif isinstance(spec, list | tuple | set | frozenset):
        items = list(spec)
    else:
        raise DeclarationError(
            f"{where} is {spec!r} ({type(spec).__name__}); an assumption is a name or a "
            f"list of names, for example 'spd' or ['symmetric', 'positive'] (known: {known})"
        )
    out: set[str] = set()
    for item in items:
        if not isinstance(item, str) or item not in ASSUMPTIONS:
            raise DeclarationError(
                f"unknown assumption {item!r} in {where}; an assumption is one of: {known}"
            )
        out |= {item} | _IMPLIED.get(item, set())
    return out


def _check_fits(name: str, shape: tuple[Any, ...], facts: set[str]) -> None:
    square = sorted(f for f in facts if TABLE[f].square)
    if square and (len(shape) != 2 or shape[0] != shape[1]):
        kind = ("a scalar", "a vector", "a matrix")[len(shape)]
        raise DeclarationError(
            f"{name!r} is assumed {'/'.join(square)} but has shape {format_shape(shape)} "
            f"({kind}); that assumption needs a square matrix such as ('n', 'n')"
        )
    clash = refused_combination(facts)
    if clash is not None:
        raise DeclarationError(f"assume[{name!r}]: {clash}")


def make_context(
    shapes: Mapping[str, ShapeSpec],
    assume: Mapping[str, str | Iterable[str]] | None = None,
) -> Context:
    """Check `shapes` and `assume` and build the :class:`Context`.

    Every declaration is validated before any parsing (see the module's limits:
    ``MAX_DIMENSION``, ``RESERVED``, ``name_problem``).

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
    DeclarationError
        A malformed name, shape or assumption (a :class:`~matderiv.errors.ShapeError`); the
        message names the entry.

    Examples
    --------
    >>> make_context({"X": (2, "n")}).symbols["X"].shape
    (2, n)
    >>> make_context({"x": ("²",)})
    Traceback (most recent call last):
    ...
    matderiv.errors.DeclarationError: shapes['x'] contains the dimension '²', ...
    """
    if not isinstance(shapes, Mapping):
        raise DeclarationError(
            f"shapes is {type(shapes).__name__}; it must be a mapping such as "
            "{'x': ('n',), 'A': ('n', 'n')}"
        )
    dims: dict[str, sp.Symbol] = {}
    user: dict[str, tuple[Any, ...]] = {}
    symbols: dict[str, Any] = {}
    for name, spec in shapes.items():
        problem = name_problem(name)
        if problem is not None:
            raise DeclarationError(f"{name!r} cannot be declared in shapes: {problem}")
        dims_of = []
        for item in _normalize_shape(name, spec):
            if isinstance(item, str):
                dims.setdefault(item, sp.Symbol(item, integer=True, positive=True))
                dims_of.append(dims[item])
            else:
                dims_of.append(sp.Integer(item))
        user[name] = tuple(dims_of)
        symbols[name] = _symbol(name, user[name])
    if assume is None:
        assume = {}
    if not isinstance(assume, Mapping):
        raise DeclarationError(
            f"assume is {assume!r} ({type(assume).__name__}); it must be a mapping from "
            "declared names to assumptions, such as {'A': 'spd'} or {'A': ['symmetric', "
            "'positive']}"
        )
    facts: dict[str, frozenset[str]] = {}
    for name, facts_spec in assume.items():
        if name not in user:
            raise DeclarationError(
                f"assume names {name!r}, which is not declared in shapes "
                f"(declared: {', '.join(sorted(user)) or 'nothing'}); declare its shape first"
            )
        items = _facts(name, facts_spec)
        _check_fits(name, user[name], items)
        facts[name] = frozenset(items)
    return Context(user, symbols, dims, facts)


def check_wrt(ctx: Context, wrt: object) -> str:
    """`wrt` checked: the name of one declared variable.

    >>> check_wrt(make_context({"x": ("n",)}), ["x"])
    Traceback (most recent call last):
    ...
    matderiv.errors.DeclarationError: wrt is ['x'] (list); ...
    """
    if not isinstance(wrt, str):
        raise DeclarationError(
            f"wrt is {wrt!r} ({type(wrt).__name__}); give the name of one declared variable, "
            f"such as {next(iter(ctx.shapes), 'x')!r} (one derivative per call)"
        )
    if wrt not in ctx.symbols:
        declared = ", ".join(sorted(ctx.symbols)) or "nothing"
        raise DeclarationError(
            f"wrt={wrt!r} is not declared in shapes (declared: {declared}); "
            "declare the variable's shape, for example shapes={'x': ('n',)}"
        )
    return wrt
