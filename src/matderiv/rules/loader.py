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

import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sympy as sp

from matderiv.assumptions import TABLE as ASSUMPTIONS
from matderiv.assumptions import AssumptionName, is_assumption
from matderiv.errors import CatalogError, MatderivError
from matderiv.expr import FUNCTIONS, Parsed, parse_typed
from matderiv.rules.model import FAMILIES, FORMS, Field, Omitted, Rule, is_family
from matderiv.rules.sources import split_ref

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

_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-zA-Z0-9]+)*$")
_TEXT_FIELDS = ("derivative", "derivative_vec", "linear_map", "source_form", "note")
_KNOWN_FIELDS = frozenset(
    {
        "id",
        "title",
        "family",
        "expr",
        "wrt",
        "shapes",
        "assume",
        "differential",
        "refs",
        "aliases",
        "sizes",
        "requires",
        *_TEXT_FIELDS,
    }
)


@dataclass(frozen=True)
class Catalog:
    """The loaded catalog: the rules in book order, by id, and the omitted source rows."""

    rules: tuple[Rule, ...]
    by_id: Mapping[str, Rule]
    omitted: tuple[Omitted, ...]


def _error(path: Path | str, entry: str, fieldname: str, what: str, todo: str) -> CatalogError:
    name = Path(path).name
    return CatalogError(f"{name}: entry {entry!r}, field {fieldname!r}: {what}. {todo}")


def engine_assume(rule: Rule) -> dict[str, tuple[AssumptionName, ...]]:
    """The rule's assumptions that the symbolic engine reads (``assume=`` of ``derive``).

    The others (``diagonal``, ``orthogonal``) only steer the random inputs; see
    :attr:`matderiv.assumptions.Assumption.symbolic`.

    >>> from matderiv import rules
    >>> engine_assume(rules.get("sm-diag-trace-AX"))
    {}
    """
    out: dict[str, tuple[AssumptionName, ...]] = {}
    for name, items in rule.assume.items():
        known = tuple(a for a in items if ASSUMPTIONS[a].symbolic)
        if known:
            out[name] = known
    return out


def parse_field(rule: Rule, fieldname: Field) -> Parsed:
    """Parse one language field of `rule` (``expr``, ``derivative``, ...) with the engine.

    The linear map is read with the direction ``d<wrt>`` declared like ``wrt``
    (see ``parse_text``).

    Returns
    -------
    matderiv.expr.Parsed
        The parsed expression and its numpy shape (SymPy dimensions).

    >>> from matderiv import rules
    >>> parse_field(rules.get("sm-trace-AXB"), "derivative").shape
    (m, n)
    """
    return parse_text(rule, fieldname, getattr(rule, fieldname))


def parse_text(rule: Rule, fieldname: Field, text: str) -> Parsed:
    """Parse `text` with the names, shapes and assumptions of `rule` (memoized).

    `fieldname` says which names are declared: for ``linear_map`` also the direction
    ``d<wrt>``, shaped like ``wrt``.

    >>> from matderiv import rules
    >>> parse_text(rules.get("sm-trace-AXB"), "derivative", "(A.T @ B.T).T").shape
    (n, m)
    """
    shapes = dict(rule.shapes)
    if fieldname == "linear_map":
        shapes["d" + rule.wrt] = rule.shapes[rule.wrt]
    assume = engine_assume(rule)
    return _parse(text, tuple(shapes.items()), tuple(assume.items()))


@lru_cache(maxsize=8192)
def _parse(
    text: str,
    shapes: tuple[tuple[str, tuple[str | int, ...]], ...],
    assume: tuple[tuple[str, tuple[str, ...]], ...],
) -> Parsed:
    return parse_typed(text, {name: list(shape) for name, shape in shapes}, dict(assume))


def _text(raw: Mapping[str, Any], key: str, path: Path, entry: str, required: bool) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise _error(path, entry, key, "is missing", f'add {key} = "..." to the entry')
        return None
    if not isinstance(value, str) or not value.strip():
        raise _error(
            path,
            entry,
            key,
            f"must be a non-empty string, got {value!r}",
            "write it as a TOML string",
        )
    return value.strip()


def _shapes(raw: Any, path: Path, entry: str) -> dict[str, tuple[str | int, ...]]:
    if not isinstance(raw, Mapping) or not raw:
        raise _error(
            path,
            entry,
            "shapes",
            f"must be a table of name = [dims], got {raw!r}",
            'write shapes = { x = ["n"], A = ["m", "n"], t = [] }',
        )
    out: dict[str, tuple[str | int, ...]] = {}
    for name, dims in raw.items():
        if (
            not isinstance(dims, list)
            or len(dims) > 2
            or not all(isinstance(d, str | int) and not isinstance(d, bool) for d in dims)
        ):
            raise _error(
                path,
                entry,
                "shapes",
                f"shape of {name!r} is {dims!r}",
                'use [] for a scalar, ["n"] for a vector, ["m", "n"] for a matrix',
            )
        out[str(name)] = tuple(dims)
    return out


def _assume(
    raw: Any, shapes: Mapping[str, Any], path: Path, entry: str
) -> dict[str, tuple[AssumptionName, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _error(
            path,
            entry,
            "assume",
            f"must be a table of name = assumption, got {raw!r}",
            'write assume = { A = "symmetric" }',
        )
    out: dict[str, tuple[AssumptionName, ...]] = {}
    for name, items in raw.items():
        values = [items] if isinstance(items, str) else items
        if name not in shapes:
            raise _error(
                path,
                entry,
                "assume",
                f"names {name!r}, which shapes does not declare",
                f"declare it in shapes or use one of {sorted(shapes)}",
            )
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _error(
                path,
                entry,
                "assume",
                f"value for {name!r} is {items!r}",
                "give an assumption name or a list of them",
            )
        known: list[AssumptionName] = []
        for value in values:
            if not is_assumption(value):
                raise _error(
                    path,
                    entry,
                    "assume",
                    f"unknown assumption {value!r} for {name!r}",
                    f"use one of {', '.join(ASSUMPTIONS)}",
                )
            shape = tuple(shapes[name])
            if ASSUMPTIONS[value].square and (len(shape) != 2 or shape[0] != shape[1]):
                raise _error(
                    path,
                    entry,
                    "assume",
                    f"{name!r} is assumed {value} but has shape {list(shape)}",
                    f'declare {name!r} square, as ["n", "n"], or drop the assumption',
                )
            known.append(value)
        out[str(name)] = tuple(known)
    return out


def _sizes(raw: Any, dims: set[str], path: Path, entry: str) -> tuple[dict[str, int], ...]:
    if raw is None:
        return ()
    ok = isinstance(raw, list) and raw and all(isinstance(item, Mapping) for item in raw)
    if not ok:
        raise _error(
            path,
            entry,
            "sizes",
            f"must be a list of tables, got {raw!r}",
            "write sizes = [{ m = 4, n = 2 }, { m = 5, n = 3 }]",
        )
    out = []
    for item in raw:
        if set(item) != dims or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in item.values()
        ):
            raise _error(
                path,
                entry,
                "sizes",
                f"{dict(item)!r} must give every dimension {sorted(dims)} a positive int",
                "fix the table",
            )
        out.append({str(k): int(v) for k, v in item.items()})
    return tuple(out)


def _strings(raw: Any, key: str, path: Path, entry: str, required: bool) -> tuple[str, ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) and r for r in raw):
        raise _error(
            path,
            entry,
            key,
            f"must be a non-empty list of strings, got {raw!r}",
            f'write {key} = ["..."]',
        )
    return tuple(raw)


def _refs(raw: Any, path: Path, entry: str) -> tuple[str, ...]:
    refs = _strings(raw, "refs", path, entry, True)
    for ref in refs:
        try:
            split_ref(ref)
        except CatalogError as exc:
            raise _error(path, entry, "refs", str(exc).rstrip("."), "fix the key") from None
    return refs


def _aliases(raw: Any, path: Path, entry: str) -> tuple[str, ...]:
    aliases = tuple(a.strip() for a in _strings(raw, "aliases", path, entry, False))
    repeated = sorted({a for a in aliases if [b.lower() for b in aliases].count(a.lower()) > 1})
    if any(not a for a in aliases) or repeated:
        raise _error(
            path,
            entry,
            "aliases",
            f"has an empty or repeated name {repeated!r}",
            "list each name a reader may search for once",
        )
    return aliases


def _dims_of(shapes: Mapping[str, tuple[str | int, ...]]) -> set[str]:
    return {d for shape in shapes.values() for d in shape if isinstance(d, str)}


def _same_shape(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return len(a) == len(b) and all(
        sp.expand(sp.sympify(x) - sp.sympify(y)) == 0 for x, y in zip(a, b, strict=True)
    )


def _fmt(shape: Sequence[Any]) -> str:
    items = [str(s) for s in shape]
    return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"


def _expected_shapes(rule: Rule, out_shape: tuple[Any, ...]) -> dict[str, tuple[Any, ...]]:
    in_shape = tuple(parse_field(rule, "expr").context.shapes[rule.wrt])
    if rule.family == "second-order":
        size = math.prod(in_shape) if in_shape else sp.Integer(1)
        return {
            "derivative": out_shape + in_shape + in_shape,
            "derivative_vec": (size, size),
            "source_form": out_shape + in_shape + in_shape,
        }
    out_size = math.prod(out_shape) if out_shape else sp.Integer(1)
    in_size = math.prod(in_shape) if in_shape else sp.Integer(1)
    return {
        "derivative": out_shape + in_shape,
        "source_form": out_shape + in_shape,
        "derivative_vec": (out_size, in_size),
        "linear_map": out_shape,
    }


def _check_language(rule: Rule, path: Path) -> None:
    """Parse every language field; check the derivative shapes."""
    try:
        out_shape = tuple(parse_field(rule, "expr").shape)
    except MatderivError as exc:
        raise _error(
            path,
            rule.id,
            "expr",
            f"cannot be read: {exc}",
            "write an expression of the language (see matderiv.expr)",
        ) from None
    expected = _expected_shapes(rule, out_shape)
    stated: tuple[Field, ...] = (*FORMS, "source_form")
    for fieldname in stated:
        if getattr(rule, fieldname) is None:
            continue
        if fieldname == "linear_map" and rule.family == "second-order":
            raise _error(
                path,
                rule.id,
                fieldname,
                "is not used by second-order rules",
                "state the second derivative as derivative or derivative_vec",
            )
        try:
            shape = tuple(parse_field(rule, fieldname).shape)
        except MatderivError as exc:
            raise _error(
                path,
                rule.id,
                fieldname,
                f"cannot be read: {exc}",
                "write an expression of the language (see matderiv.expr)",
            ) from None
        want = expected[fieldname]
        if not _same_shape(shape, want):
            what = {
                "derivative": "the mixed-layout derivative",
                "linear_map": "the differential",
                "derivative_vec": "the vec matrix",
                "source_form": "the mixed-layout derivative",
            }
            raise _error(
                path,
                rule.id,
                fieldname,
                f"has shape {_fmt(shape)}, but {what[fieldname]} of {rule.expr!r} "
                f"(shape {_fmt(out_shape)}) by {rule.wrt!r} must have shape {_fmt(want)}",
                "fix the formula or its layout (mixed layout: out_shape + in_shape)",
            )
    if not rule.forms:
        raise _error(
            path,
            rule.id,
            "derivative",
            "no derivative is stated",
            "give derivative, derivative_vec or linear_map",
        )


def _rule(raw: Any, index: int, family: str | None, path: Path) -> Rule:
    entry = str(raw.get("id", f"#{index + 1}")) if isinstance(raw, Mapping) else f"#{index + 1}"
    if not isinstance(raw, Mapping):
        raise _error(path, entry, "rule", "is not a table", "write it as [[rule]] with key = value")
    unknown = sorted(set(raw) - _KNOWN_FIELDS)
    if unknown:
        raise _error(
            path,
            entry,
            unknown[0],
            "is not a field of a rule",
            f"use only {', '.join(sorted(_KNOWN_FIELDS))}",
        )
    rid = _text(raw, "id", path, entry, True)
    assert rid is not None
    if not _SLUG.match(rid):
        raise _error(
            path,
            rid,
            "id",
            "must be a slug of lowercase words joined by '-'",
            "for example 'sm-logdet'",
        )
    fam = raw.get("family", family)
    if not is_family(fam):
        raise _error(
            path, rid, "family", f"unknown family {fam!r}", f"use one of {', '.join(FAMILIES)}"
        )
    shapes = _shapes(raw.get("shapes"), path, rid)
    wrt = _text(raw, "wrt", path, rid, True)
    if wrt not in shapes:
        raise _error(
            path,
            rid,
            "wrt",
            f"{wrt!r} is not declared in shapes",
            f"differentiate by one of {sorted(shapes)}",
        )
    requires = _strings(raw.get("requires"), "requires", path, rid, False)
    for name in requires:
        if name not in FUNCTIONS:
            raise _error(
                path,
                rid,
                "requires",
                f"{name!r} is not a function of the expression language",
                "list only functions the rule's formulas call (see matderiv.expr.FUNCTIONS)",
            )
    texts = {key: _text(raw, key, path, rid, False) for key in _TEXT_FIELDS}
    rule = Rule(
        derivative=texts["derivative"],
        derivative_vec=texts["derivative_vec"],
        linear_map=texts["linear_map"],
        source_form=texts["source_form"],
        note=texts["note"],
        id=rid,
        title=_text(raw, "title", path, rid, True) or "",
        family=fam,
        expr=_text(raw, "expr", path, rid, True) or "",
        wrt=str(wrt),
        shapes=shapes,
        assume=_assume(raw.get("assume"), shapes, path, rid),
        differential=_text(raw, "differential", path, rid, True) or "",
        refs=_refs(raw.get("refs"), path, rid),
        aliases=_aliases(raw.get("aliases"), path, rid),
        sizes=_sizes(raw.get("sizes"), _dims_of(shapes), path, rid),
        requires=requires,
        file=path.name,
    )
    _check_language(rule, path)
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
        raise _error(
            path,
            "(file)",
            "family",
            f"unknown family {family!r}",
            f"use one of {', '.join(FAMILIES)}",
        )
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise _error(path, "(file)", "rule", "must be an array of tables", "use [[rule]] headers")
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
            raise _error(
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
                raise _error(
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
