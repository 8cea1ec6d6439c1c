"""The catalog's content as a reader meets it: sources by title, names to search by, clean text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matderiv import rules
from matderiv.errors import CatalogError
from matderiv.rules.loader import load_catalog
from matderiv.rules.sources import cite, sources, split_ref

CATALOG = rules.catalog()


def test_every_reference_names_a_known_source_and_reads_as_title_and_author() -> None:
    table = sources()
    for rule in CATALOG:
        for ref, text in zip(rule.refs, rule.citations, strict=True):
            key, _ = split_ref(ref)
            assert text.startswith(table[key].author + ", " + table[key].title), (rule.id, ref)


def test_every_rule_cites_a_reference_or_is_marked_derived_here() -> None:
    table = sources()
    for rule in CATALOG:
        kinds = {table[split_ref(ref)[0]].kind for ref in rule.refs}
        assert kinds & {"reference", "derived"}, (rule.id, rule.refs)


def test_a_reference_to_an_unknown_source_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'family = "scalar-by-matrix"\n[[rule]]\nid = "tr-ax"\ntitle = "tr(AX)"\n'
        'expr = "trace(A @ X)"\nwrt = "X"\nshapes = { A = ["n", "m"], X = ["m", "n"] }\n'
        'derivative = "A.T"\ndifferential = "d"\nrefs = ["seed 003"]\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match=r"'tr-ax'.*'refs'.*unknown source 'seed 003'"):
        load_catalog(tmp_path)


def test_cite_spells_out_the_source() -> None:
    assert "Edelman and Steven G. Johnson" in cite("mit-18s096")
    with pytest.raises(CatalogError, match="unknown source"):
        cite("seed 002")


# -- text a reader sees: no internal labels -----------------------------------------------------

_INTERNAL = re.compile(r"\bseeds?\b|source_form|\.toml\b", re.IGNORECASE)


def _reader_text(rule: rules.Rule) -> list[str]:
    return [rule.title, rule.note or "", *rule.citations, *rule.aliases]


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_no_internal_label_in_reader_text(rule: rules.Rule) -> None:
    for text in _reader_text(rule):
        assert not _INTERNAL.search(text), (rule.id, text)
