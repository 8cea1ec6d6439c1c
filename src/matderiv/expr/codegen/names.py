"""Identifiers of generated code: the user's names checked, every generated name fresh.

Generated source holds two kinds of identifiers:

* the user's: the arrays (the function's arguments), the dimension names
  passed as arguments, and the function's name.  They come from the
  declarations, so they are already identifiers; a function name given by the
  caller is checked here (:func:`check_function_name`);
* generated ones: the numpy module alias (``np``), ``numpy.typing`` (``npt``),
  the helper functions copied from ``matderiv.expr._numpy_helpers``,
  temporaries (``t1``) and the locals holding sizes (``n_``).  Each is drawn
  by :class:`Namer` outside the set of names already taken, so a user name such
  as ``t1``, ``np`` or ``_softmax`` never collides with one: the generated name
  becomes ``t2``, ``np_1`` or ``_softmax_1`` instead.

Names are compared after NFKC normalisation, as Python compares identifiers
(``ｎｐ`` in source *is* ``np``).

Examples
--------
>>> namer = Namer({"t1", "np"})
>>> namer.fresh("np"), namer.fresh("t1"), namer.fresh("t1")
('np_1', 't1_1', 't1_2')
>>> rename_identifiers("return np.exp(z) + z.np", {"np": "np_1"})
'return np_1.exp(z) + z.np'
"""

from __future__ import annotations

import builtins
import io
import keyword
import tokenize
import unicodedata
from collections.abc import Iterable, Mapping

from matderiv.errors import ArgumentError

__all__ = ["Namer", "check_function_name", "rename_identifiers"]


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name)


class Namer:
    """Draws identifiers outside a growing set of taken names.

    Parameters
    ----------
    taken
        Names that exist already (the user's); keywords are always taken, and so
        are Python's builtins, so that generated code never shadows one.
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = {_key(name) for name in taken}
        self._taken |= set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))
        self._counters: dict[str, int] = {}

    def take(self, name: str) -> None:
        """Mark `name` as used."""
        self._taken.add(_key(name))

    def numbered(self, prefix: str) -> str:
        """The first free ``prefix1``, ``prefix2``…, counting on from the last one drawn.

        >>> namer = Namer({"t1"})
        >>> namer.numbered("t"), namer.numbered("t")
        ('t2', 't3')
        """
        k = self._counters.get(prefix, 0)
        while True:
            k += 1
            name = f"{prefix}{k}"
            if _key(name) not in self._taken:
                self._counters[prefix] = k
                self.take(name)
                return name

    def fresh(self, base: str) -> str:
        """`base` if it is free, else ``base_1``, ``base_2``…; the result is taken.

        >>> Namer().fresh("f")
        'f'
        """
        name = base
        k = 0
        while _key(name) in self._taken:
            k += 1
            name = f"{base}_{k}"
        self.take(name)
        return name


def check_function_name(name: object, taken: Iterable[str]) -> str:
    """`name` if it can name the generated function, else :class:`ArgumentError`.

    Parameters
    ----------
    name
        The requested name.
    taken
        The names it must differ from (the declared arrays and dimensions).

    Returns
    -------
    str
        `name`, unchanged.

    Raises
    ------
    ArgumentError
        `name` is not a string, not an ASCII Python identifier, a keyword, ``np``
        (numpy's usual alias) or one of `taken`.

    Examples
    --------
    >>> check_function_name("grad_x", ["x"])
    'grad_x'
    >>> check_function_name("x", ["x"])
    Traceback (most recent call last):
    ...
    matderiv.errors.ArgumentError: name='x' is a declared name (x); choose another function name
    """
    if not isinstance(name, str) or not name.isascii() or not name.isidentifier():
        raise ArgumentError(
            f"name={name!r} is not a Python identifier; the generated function's name must "
            "be ASCII letters, digits and '_', not starting with a digit (e.g. name='grad_x')"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name == "np":
        raise ArgumentError(
            f"name={name!r} is reserved (a Python keyword or numpy's alias np); "
            "choose another function name"
        )
    if _key(name) in {_key(t) for t in taken}:
        raise ArgumentError(
            f"name={name!r} is a declared name ({', '.join(sorted(taken))}); "
            "choose another function name"
        )
    return name


def rename_identifiers(text: str, mapping: Mapping[str, str]) -> str:
    """`text` (Python source) with each identifier in `mapping` renamed, token by token.

    Attribute names (a name right after ``.``) and text inside strings and
    comments are left alone, so ``np.exp`` renames ``np`` only.
    """
    if not any(new != old for old, new in mapping.items()):
        return text
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    previous = ""
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.NAME and previous != "." and tok.string in mapping:
            (row, start), (_, end) = tok.start, tok.end
            edits.append((row, start, end, mapping[tok.string]))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok.string
    for row, start, end, new in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    return "".join(lines)
