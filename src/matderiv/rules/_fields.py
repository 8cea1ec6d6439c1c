"""Validation of the fields of one catalog entry, read from TOML, before it becomes a Rule.

Each reader takes the raw TOML value of one field and returns it typed, or raises a
:class:`~matderiv.errors.CatalogError` naming the file, the entry id and the field, with
what is wrong and how to fix it (:func:`field_error`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matderiv.assumptions import TABLE as ASSUMPTIONS
from matderiv.assumptions import AssumptionName, is_assumption
from matderiv.errors import CatalogError
from matderiv.rules.sources import split_ref

__all__ = [
    "KNOWN_FIELDS",
    "SLUG",
    "TEXT_FIELDS",
    "dims_of",
    "field_error",
    "read_aliases",
    "read_assume",
    "read_refs",
    "read_shapes",
    "read_sizes",
    "read_strings",
    "read_text",
]

#: An entry id: lowercase words joined by ``-``.
SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-zA-Z0-9]+)*$")
TEXT_FIELDS = ("derivative", "derivative_vec", "linear_map", "source_form", "note")
KNOWN_FIELDS = frozenset(
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
        *TEXT_FIELDS,
    }
)


def field_error(path: Path | str, entry: str, fieldname: str, what: str, todo: str) -> CatalogError:
    """The error for `fieldname` of `entry` in `path`: `what` is wrong, `todo` fixes it."""
    name = Path(path).name
    return CatalogError(f"{name}: entry {entry!r}, field {fieldname!r}: {what}. {todo}")


def read_text(
    raw: Mapping[str, Any], key: str, path: Path, entry: str, required: bool
) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise field_error(path, entry, key, "is missing", f'add {key} = "..." to the entry')
        return None
    if not isinstance(value, str) or not value.strip():
        raise field_error(
            path,
            entry,
            key,
            f"must be a non-empty string, got {value!r}",
            "write it as a TOML string",
        )
    return value.strip()


def read_shapes(raw: Any, path: Path, entry: str) -> dict[str, tuple[str | int, ...]]:
    if not isinstance(raw, Mapping) or not raw:
        raise field_error(
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
            raise field_error(
                path,
                entry,
                "shapes",
                f"shape of {name!r} is {dims!r}",
                'use [] for a scalar, ["n"] for a vector, ["m", "n"] for a matrix',
            )
        out[str(name)] = tuple(dims)
    return out


def read_assume(
    raw: Any, shapes: Mapping[str, Any], path: Path, entry: str
) -> dict[str, tuple[AssumptionName, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise field_error(
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
            raise field_error(
                path,
                entry,
                "assume",
                f"names {name!r}, which shapes does not declare",
                f"declare it in shapes or use one of {sorted(shapes)}",
            )
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise field_error(
                path,
                entry,
                "assume",
                f"value for {name!r} is {items!r}",
                "give an assumption name or a list of them",
            )
        known: list[AssumptionName] = []
        for value in values:
            if not is_assumption(value):
                raise field_error(
                    path,
                    entry,
                    "assume",
                    f"unknown assumption {value!r} for {name!r}",
                    f"use one of {', '.join(ASSUMPTIONS)}",
                )
            shape = tuple(shapes[name])
            if ASSUMPTIONS[value].square and (len(shape) != 2 or shape[0] != shape[1]):
                raise field_error(
                    path,
                    entry,
                    "assume",
                    f"{name!r} is assumed {value} but has shape {list(shape)}",
                    f'declare {name!r} square, as ["n", "n"], or drop the assumption',
                )
            known.append(value)
        out[str(name)] = tuple(known)
    return out


def read_sizes(raw: Any, dims: set[str], path: Path, entry: str) -> tuple[dict[str, int], ...]:
    if raw is None:
        return ()
    ok = isinstance(raw, list) and raw and all(isinstance(item, Mapping) for item in raw)
    if not ok:
        raise field_error(
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
            raise field_error(
                path,
                entry,
                "sizes",
                f"{dict(item)!r} must give every dimension {sorted(dims)} a positive int",
                "fix the table",
            )
        out.append({str(k): int(v) for k, v in item.items()})
    return tuple(out)


def read_strings(raw: Any, key: str, path: Path, entry: str, required: bool) -> tuple[str, ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) and r for r in raw):
        raise field_error(
            path,
            entry,
            key,
            f"must be a non-empty list of strings, got {raw!r}",
            f'write {key} = ["..."]',
        )
    return tuple(raw)


def read_refs(raw: Any, path: Path, entry: str) -> tuple[str, ...]:
    refs = read_strings(raw, "refs", path, entry, True)
    for ref in refs:
        try:
            split_ref(ref)
        except CatalogError as exc:
            raise field_error(path, entry, "refs", str(exc).rstrip("."), "fix the key") from None
    return refs


def read_aliases(raw: Any, path: Path, entry: str) -> tuple[str, ...]:
    aliases = tuple(a.strip() for a in read_strings(raw, "aliases", path, entry, False))
    repeated = sorted({a for a in aliases if [b.lower() for b in aliases].count(a.lower()) > 1})
    if any(not a for a in aliases) or repeated:
        raise field_error(
            path,
            entry,
            "aliases",
            f"has an empty or repeated name {repeated!r}",
            "list each name a reader may search for once",
        )
    return aliases


def dims_of(shapes: Mapping[str, tuple[str | int, ...]]) -> set[str]:
    return {d for shape in shapes.values() for d in shape if isinstance(d, str)}
