"""The documents the catalog cites, and how a rule's references read.

A reference in a rule's ``refs`` is ``"key"`` or ``"key: where"`` (``"cookbook: eq. 57"``);
the key names a document of ``data/sources.toml``.  Readers see the title and the authors
(:func:`cite`), never the key.

Examples
--------
>>> from matderiv.rules.sources import cite, split_ref
>>> split_ref("cookbook: eq. 57")
('cookbook', 'eq. 57')
>>> print(cite("cookbook: eq. 57"))  # doctest: +NORMALIZE_WHITESPACE
Kaare Brandt Petersen and Michael Syskind Pedersen, The Matrix Cookbook
(version of November 15, 2012), eq. 57
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matderiv.errors import CatalogError

__all__ = ["KINDS", "SOURCES_FILE", "Source", "cite", "sources", "split_ref"]

#: The file of the cited documents.
SOURCES_FILE = Path(__file__).with_name("data") / "sources.toml"

#: What a source is: a published reference, the course notes the project grew from, or the
#: marker of an identity derived here.
KINDS: tuple[str, ...] = ("reference", "course-notes", "derived")


@dataclass(frozen=True)
class Source:
    """A cited document: its key, kind, title, authors, edition and address."""

    key: str
    kind: str
    title: str
    author: str
    edition: str = ""
    url: str = ""

    @property
    def citation(self) -> str:
        """Authors, title (edition): the text a reader sees.

        >>> sources()["wikipedia"].citation
        'Wikipedia contributors, Matrix calculus (the identity tables of the article)'
        """
        tail = f" ({self.edition})" if self.edition else ""
        return f"{self.author}, {self.title}{tail}"


@lru_cache(maxsize=4)
def sources(path: Path = SOURCES_FILE) -> dict[str, Source]:
    """The cited documents by key.

    Raises
    ------
    CatalogError
        If the file is not TOML or an entry lacks a title, an author or a known kind.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path.name}: cannot be read as TOML: {exc}. Fix the syntax.") from None
    out: dict[str, Source] = {}
    for key, raw in data.get("sources", {}).items():
        fields = {name: raw.get(name) for name in ("kind", "title", "author", "edition", "url")}
        if fields["kind"] not in KINDS or not fields["title"] or not fields["author"]:
            raise CatalogError(
                f"{path.name}: source {key!r} needs kind (one of {', '.join(KINDS)}), "
                "title and author. Add them."
            )
        out[key] = Source(key=key, **{k: str(v or "") for k, v in fields.items()})
    return out


def split_ref(ref: str) -> tuple[str, str]:
    """A reference's source key and the place in the source (``""`` if none).

    Raises
    ------
    CatalogError
        If the key is not a source of ``sources.toml``.

    >>> split_ref("wikipedia")
    ('wikipedia', '')
    """
    key, _, where = ref.partition(":")
    key = key.strip()
    known = sources()
    if key not in known:
        raise CatalogError(
            f"reference {ref!r} names the unknown source {key!r}. Write 'key' or "
            f"'key: where' with a key of {SOURCES_FILE.name}: {', '.join(known)}."
        )
    return key, where.strip()


def cite(ref: str) -> str:
    """The reference as a reader sees it: authors, title, edition, then the place."""
    key, where = split_ref(ref)
    text = sources()[key].citation
    return f"{text}, {where}" if where else text
