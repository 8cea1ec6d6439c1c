"""One table per consumer, keyed on node type, resolved by ``functools.singledispatch``.

A :class:`TypeTable` maps SymPy node types to entries (a printer, a code
generator, a differential rule…).  Lookups follow the class hierarchy through
``functools.singledispatch`` (so ``Diag``, a subclass of SymPy's
``DiagMatrix``, finds the ``DiagMatrix`` entry); a node with no entry raises
:class:`~matderiv.errors.UnsupportedError` naming the node and the table.

Examples
--------
>>> import sympy as sp
>>> table: TypeTable[str] = TypeTable("printer")
>>> table[sp.MatrixExpr] = "a matrix"
>>> table.lookup(sp.MatrixSymbol("X", 2, 2))
'a matrix'
>>> table.lookup(sp.Integer(1))
Traceback (most recent call last):
...
matderiv.errors.UnsupportedError: no printer for the node One (1); ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from matderiv.errors import UnsupportedError

__all__ = ["TypeTable"]

V = TypeVar("V")


class _Missing:
    pass


_MISSING = _Missing()


class TypeTable(Generic[V]):
    """Node type -> entry, looked up along the class hierarchy.

    Parameters
    ----------
    what
        What an entry is, for the error message (``"differential rule"``).
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[type, V] = {}
        self._rebuild()

    def _rebuild(self) -> None:
        @functools.singledispatch
        def find(node: object) -> V | _Missing:
            return _MISSING

        for klass, entry in self._entries.items():
            find.register(klass, functools.partial(_constant, entry))
        self._find: Callable[[object], V | _Missing] = find

    def __setitem__(self, klass: type, entry: V) -> None:
        self._entries[klass] = entry
        self._find.register(klass, functools.partial(_constant, entry))  # type: ignore[attr-defined]

    def __getitem__(self, klass: type) -> V:
        return self._entries[klass]

    def __delitem__(self, klass: type) -> None:
        del self._entries[klass]
        self._rebuild()

    def __contains__(self, klass: object) -> bool:
        return klass in self._entries

    def __iter__(self) -> Iterator[type]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def register(self, *types: type) -> Callable[[V], V]:
        """A decorator registering the decorated entry for `types`."""

        def add(entry: V) -> V:
            for klass in types:
                self[klass] = entry
            return entry

        return add

    def get(self, node: object) -> V | None:
        """The entry for `node`'s type (or a base class), or ``None``."""
        found = self._find(node)
        return None if isinstance(found, _Missing) else found

    def lookup(self, node: object) -> V:
        """The entry for `node`'s type (or a base class); an error naming the node if none."""
        found = self._find(node)
        if isinstance(found, _Missing):
            known = ", ".join(sorted({k.__name__ for k in self._entries}))
            raise UnsupportedError(
                f"no {self.what} for the node {type(node).__name__} ({node}); "
                f"{self.what}s exist for {known}"
            )
        return found

    def covers(self, klass: type) -> bool:
        """Whether nodes of type `klass` find an entry (directly or through a base class)."""
        impl = self._find.dispatch(klass)  # type: ignore[attr-defined]
        return isinstance(impl, functools.partial)


def _constant(entry: V, node: object) -> V:
    return entry
