"""Read the catalog's TOML files and validate every entry once.

Every problem is a :class:`~matderiv.errors.CatalogError` that names the file, the entry id
and the field: an unknown family, a malformed field, an expression the language cannot
parse, a stated derivative of the wrong shape, a duplicate id.  (A stated derivative that
fails its numeric check is reported the same way by :func:`matderiv.rules.verify.check_catalog`.)

Examples
--------
>>> from matderiv.rules.loader import DATA_DIR, load_catalog
>>> catalog = load_catalog(DATA_DIR)
>>> len(catalog.rules) >= 200
True
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matderiv.errors import CatalogError
from matderiv.expr import FUNCTIONS
from matderiv.rules._fields import (
    KNOWN_FIELDS,
    SLUG,
    TEXT_FIELDS,
    dims_of,
    field_error,
    read_aliases,
    read_assume,
    read_refs,
    read_shapes,
    read_sizes,
    read_strings,
    read_text,
)
from matderiv.rules._language import check_language, engine_assume, parse_field, parse_text
from matderiv.rules.model import FAMILIES, Omitted, Rule, is_family

__all__ = [
    "DATA_DIR",
    "Catalog",
    "engine_assume",
    "load_catalog",
    "load_file",
    "parse_field",
    "parse_text",
]

#: Where the catalog's data files live.
DATA_DIR = Path(__file__).with_name("data")
_OMITTED_FILE = "omitted.toml"
#: Data files that hold no rules (the cited sources, the concordance of equation numbers).
_NOT_RULE_FILES = frozenset({_OMITTED_FILE, "sources.toml", "concordance.toml"})


@dataclass(frozen=True)
class Catalog:
    """The loaded catalog: the rules in book order, by id, and the omitted source rows."""

    rules: tuple[Rule, ...]
    by_id: Mapping[str, Rule]
    omitted: tuple[Omitted, ...]


def _rule(raw: Any, index: int, family: str | None, path: Path) -> Rule:
    entry = str(raw.get("id", f"#{index + 1}")) if isinstance(raw, Mapping) else f"#{index + 1}"
    if not isinstance(raw, Mapping):
        raise field_error(
            path, entry, "rule", "is not a table", "write it as [[rule]] with key = value"
        )
    unknown = sorted(set(raw) - KNOWN_FIELDS)
    if unknown:
        raise field_error(
            path,
            entry,
            unknown[0],
            "is not a field of a rule",
            f"use only {', '.join(sorted(KNOWN_FIELDS))}",
        )
    rid = read_text(raw, "id", path, entry, True)
    assert rid is not None
    if not SLUG.match(rid):
        raise field_error(
            path,
            rid,
            "id",
            "must be a slug of lowercase words joined by '-'",
            "for example 'sm-logdet'",
        )
    fam = raw.get("family", family)
    if not is_family(fam):
        raise field_error(
            path, rid, "family", f"unknown family {fam!r}", f"use one of {', '.join(FAMILIES)}"
        )
    shapes = read_shapes(raw.get("shapes"), path, rid)
    wrt = read_text(raw, "wrt", path, rid, True)
    if wrt not in shapes:
        raise field_error(
            path,
            rid,
            "wrt",
            f"{wrt!r} is not declared in shapes",
            f"differentiate by one of {sorted(shapes)}",
        )
    requires = read_strings(raw.get("requires"), "requires", path, rid, False)
    for name in requires:
        if name not in FUNCTIONS:
            raise field_error(
                path,
                rid,
                "requires",
                f"{name!r} is not a function of the expression language",
                "list only functions the rule's formulas call (see matderiv.expr.FUNCTIONS)",
            )
    texts = {key: read_text(raw, key, path, rid, False) for key in TEXT_FIELDS}
    rule = Rule(
        derivative=texts["derivative"],
        derivative_vec=texts["derivative_vec"],
        linear_map=texts["linear_map"],
        source_form=texts["source_form"],
        note=texts["note"],
        id=rid,
        title=read_text(raw, "title", path, rid, True) or "",
        family=fam,
        expr=read_text(raw, "expr", path, rid, True) or "",
        wrt=str(wrt),
        shapes=shapes,
        assume=read_assume(raw.get("assume"), shapes, path, rid),
        differential=read_text(raw, "differential", path, rid, True) or "",
        refs=read_refs(raw.get("refs"), path, rid),
        aliases=read_aliases(raw.get("aliases"), path, rid),
        sizes=read_sizes(raw.get("sizes"), dims_of(shapes), path, rid),
        requires=requires,
        file=path.name,
    )
    check_language(rule, path)
    return rule


def load_file(path: Path | str) -> list[Rule]:
    """Read and validate one data file of rules.

    Raises
    ------
    CatalogError
        Naming the file, the entry id and the field of the first problem.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path.name}: cannot be read as TOML: {exc}. Fix the syntax.") from None
    family = data.get("family")
    if family is not None and family not in FAMILIES:
        raise field_error(
            path,
            "(file)",
            "family",
            f"unknown family {family!r}",
            f"use one of {', '.join(FAMILIES)}",
        )
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise field_error(
            path, "(file)", "rule", "must be an array of tables", "use [[rule]] headers"
        )
    return [_rule(raw, i, family, path) for i, raw in enumerate(entries)]


def _load_omitted(path: Path) -> tuple[Omitted, ...]:
    if not path.exists():
        return ()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, raw in enumerate(data.get("omitted", [])):
        try:
            out.append(Omitted(str(raw["source"]), str(raw["row"]), str(raw["reason"])))
        except (KeyError, TypeError):
            raise field_error(
                path,
                f"#{i + 1}",
                "omitted",
                "needs source, row and reason",
                "add the three strings",
            ) from None
    return tuple(out)


def load_catalog(directory: Path | str = DATA_DIR, files: Iterable[Path] | None = None) -> Catalog:
    """Load every ``*.toml`` rule file of `directory` (and ``omitted.toml``).

    Rules come in the order of :data:`~matderiv.rules.model.FAMILIES`, then file order.

    Raises
    ------
    CatalogError
        For the first malformed entry, or an id used twice (naming both files).
    """
    directory = Path(directory)
    paths = (
        sorted(files)
        if files is not None
        else sorted(p for p in directory.glob("*.toml") if p.name not in _NOT_RULE_FILES)
    )
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for path in paths:
        for rule in load_file(path):
            if rule.id in seen:
                raise field_error(
                    path,
                    rule.id,
                    "id",
                    f"duplicates the id of an entry in {seen[rule.id].file}",
                    "give each rule its own id",
                )
            seen[rule.id] = rule
            rules.append(rule)
    rules.sort(key=lambda r: FAMILIES.index(r.family))
    return Catalog(tuple(rules), dict(seen), _load_omitted(directory / _OMITTED_FILE))
