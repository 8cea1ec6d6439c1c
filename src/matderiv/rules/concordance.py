"""Where each equation of the Matrix Cookbook and each row of Wikipedia's tables lives here.

``data/concordance.toml`` maps every equation of the Matrix Cookbook's chapter 2 (Petersen &
Pedersen, version of November 15, 2012), eqs. 33-144, to the identities of the catalog that
state it, or says why none does.  The rows of Wikipedia's "Matrix calculus" tables are mapped
by the rules' own references (``"wikipedia: <table> (<row>)"``) and by the omitted rows.

Examples
--------
>>> from matderiv.rules.concordance import cookbook, wikipedia_rows
>>> entry = cookbook()[101]
>>> entry.status, entry.rules, entry.names
('mapped', ('sm-trace-AXB',), ('eq. 101', 'Cookbook 101'))
>>> cookbook()[45].status
'omitted'
>>> any(row.rules == ("sm-trace-AXB",) for row in wikipedia_rows())
True
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matderiv.errors import CatalogError
from matderiv.rules.loader import DATA_DIR, Catalog, load_catalog

__all__ = ["COOKBOOK_EQUATIONS", "CookbookEntry", "WikipediaRow", "cookbook", "wikipedia_rows"]

#: The equation numbers of the Matrix Cookbook's chapter 2 (derivatives).
COOKBOOK_EQUATIONS = range(33, 145)
_FILE = "concordance.toml"


@dataclass(frozen=True)
class CookbookEntry:
    """One Matrix Cookbook equation: its statement and the identities that state it here.

    ``status`` is ``"mapped"`` (``rules`` state it), ``"omitted"`` (``reason`` says why
    not) or ``"unconfirmed"`` (which statement carries the number is not confirmed;
    ``rules`` are the candidates and ``reason`` explains).
    """

    equation: int
    statement: str
    status: str
    rules: tuple[str, ...] = ()
    reason: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """How readers refer to the equation ("eq. 57", "Cookbook 57")."""
        return (f"eq. {self.equation}", f"Cookbook {self.equation}")


@dataclass(frozen=True)
class WikipediaRow:
    """A row of one of Wikipedia's identity tables and where it lives here."""

    table: str
    row: str
    rules: tuple[str, ...] = ()
    reason: str = ""


def _fail(what: str, todo: str) -> CatalogError:
    return CatalogError(f"{_FILE}: {what}. {todo}")


def _text(raw: dict[str, object], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{where} needs a non-empty {key}", f'add {key} = "..."')
    return value.strip()


@lru_cache(maxsize=4)
def _cookbook(directory: Path) -> dict[int, CookbookEntry]:
    catalog = _catalog(directory)
    path = directory / _FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _fail(f"cannot be read as TOML: {exc}", "fix the syntax") from None
    out: dict[int, CookbookEntry] = {}
    for raw in data.get("cookbook", []):
        number = raw.get("equation")
        if not isinstance(number, int) or number not in COOKBOOK_EQUATIONS or number in out:
            raise _fail(
                f"equation {number!r} is not a new number in 33-144", "give each number once"
            )
        where = f"equation {number}"
        ids = raw.get("rules", [])
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise _fail(f"{where}: rules must be a list of ids", 'write rules = ["sm-logdet"]')
        unknown = [i for i in ids if i not in catalog.by_id]
        if unknown:
            raise _fail(f"{where} names unknown rules {unknown}", "use ids of the catalog")
        if "unconfirmed" in raw:
            status, reason = "unconfirmed", _text(raw, "unconfirmed", where)
        elif "omitted" in raw:
            status, reason = "omitted", _text(raw, "omitted", where)
            if ids:
                raise _fail(f"{where} is omitted but lists rules", "keep one of the two")
        elif ids:
            status, reason = "mapped", ""
        else:
            raise _fail(f"{where} has no rules and no reason", 'add rules or omitted = "why"')
        statement = _text(raw, "statement", where)
        out[number] = CookbookEntry(number, statement, status, tuple(ids), reason)
    missing = [n for n in COOKBOOK_EQUATIONS if n not in out]
    if missing:
        raise _fail(f"equations {missing} are missing", "map each equation of 33-144")
    return out


def cookbook(directory: Path | str = DATA_DIR) -> dict[int, CookbookEntry]:
    """Every equation 33-144 of the Matrix Cookbook, by number.

    Raises
    ------
    CatalogError
        If a number is missing or repeated, an entry names an unknown rule, or an omitted or
        unconfirmed entry gives no reason.
    """
    return _cookbook(Path(directory))


@lru_cache(maxsize=4)
def _catalog(directory: Path) -> Catalog:
    return load_catalog(directory)


def wikipedia_rows(directory: Path | str = DATA_DIR) -> tuple[WikipediaRow, ...]:
    """The rows of Wikipedia's identity tables that the catalog states or leaves out.

    A rule citing ``"wikipedia: <table> (<row>)"`` maps that row (the rule's title stands
    for the row when the reference names none); the omitted rows carry their reason.
    """
    catalog = _catalog(Path(directory))
    rows: dict[tuple[str, str], list[str]] = {}
    for rule in catalog.rules:
        for ref in rule.refs:
            key, _, where = ref.partition(":")
            if key.strip() != "wikipedia":
                continue
            where = where.strip()
            table, row = where, ""
            if where.endswith(")") and " (" in where:
                table, _, row = where[:-1].partition(" (")
            label = row.strip() or rule.title
            rows.setdefault((table.strip() or "identities", label), []).append(rule.id)
    out = [WikipediaRow(table, row, tuple(ids)) for (table, row), ids in rows.items()]
    prefix = "Wikipedia: Matrix calculus, "
    out += [
        WikipediaRow(o.source.removeprefix(prefix), o.row, (), o.reason)
        for o in catalog.omitted
        if o.source.startswith("Wikipedia")
    ]
    return tuple(out)
