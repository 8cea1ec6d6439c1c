"""The generated Rules pages: family tables, one page per identity, concordance, verification.

The generators are the book's Sphinx extensions ``conf/rules_pages.py``,
``conf/rules_tables.py``, ``conf/rules_identity.py`` and ``conf/rules_concordance.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

pytest.importorskip("sphinx", reason="the book toolchain is installed by `nox -s tests`")

from rules_concordance import concordance_markdown
from rules_identity import _md_escape, identities_markdown, identity_markdown, stub_text
from rules_pages import (
    _without_condition,
    disputed_markdown,
    family_markdown,
    index_markdown,
)
from rules_tables import family_table_html, layout_forms, short_sources

from matderiv import rules
from matderiv.rules.concordance import COOKBOOK_EQUATIONS, cookbook, wikipedia_rows
from matderiv.rules.render import rule_latex
from matderiv.rules.sources import sources, split_ref

CATALOG = rules.catalog()


@dataclass
class _Row:
    rule: str
    links: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)


class _Rows(HTMLParser):
    """The rows of a family table: the identity each names and the links in it."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[_Row] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "tr" and a.get("class") == "rule-row":
            self.rows.append(_Row(a["data-rule"]))
        elif self.rows and tag == "a":
            self.rows[-1].links.append(a.get("href", ""))
        elif self.rows and tag == "span" and a.get("class") == "rule-anchor":
            self.rows[-1].anchors.append(a.get("id", ""))


@pytest.mark.parametrize("family", rules.FAMILIES)
def test_family_table_has_one_row_per_identity_linking_to_its_page(family: str) -> None:
    members = rules.family(family)
    parser = _Rows()
    parser.feed(family_table_html(members))
    assert [row.rule for row in parser.rows] == [r.id for r in members]
    for rule, row in zip(members, parser.rows, strict=True):
        assert f"id/{rule.id.lower()}.html" in row.links
        assert row.anchors == [f"rule-{rule.id.lower()}"]  # the old anchor still lands here


def test_family_page_has_the_synced_layout_switch_and_the_table() -> None:
    text = family_markdown("scalar-by-matrix", instances=1)
    assert ":sync-group: layout" in text
    for layout in ("mixed", "numerator", "denominator", "vec"):
        assert f":sync: {layout}" in text
    assert 'class="rule-side-by-side"' in text
    assert text.count('<tr class="rule-row"') == len(rules.family("scalar-by-matrix"))


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_layout_forms_cover_every_layout_once_with_the_stated_formula(rule: rules.Rule) -> None:
    forms = layout_forms(rule)
    layouts = [name for names, _, _ in forms for name in names]
    assert sorted(layouts) == sorted(["mixed", "numerator", "denominator", "vec"])
    for names, tex, _ in forms:
        if tex is not None:
            assert tex == rule_latex(rule, names[0])  # type: ignore[arg-type]


def test_a_gradient_is_shown_transposed_in_numerator_layout() -> None:
    forms = {names: tex for names, tex, _ in layout_forms(rules.get("sm-trace-AXB"))}
    assert forms[("mixed", "denominator")] != forms[("numerator",)]


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_identity_page_shows_everything_about_the_identity(rule: rules.Rule) -> None:
    text = identity_markdown(rule, instances=1)
    assert f"rules/id/{rule.id.lower()}.html" in text  # the visible permanent address
    assert "**Verified in this build**" in text
    assert "Copy LaTeX" in text
    assert "derive.html?" in text
    for citation in rule.citations:
        assert _md_escape(citation) in text
    for alias in rule.aliases:  # an index entry per alias: the search and the index find it
        entry = re.escape(alias.replace(";", ",").strip())
        assert re.search(rf"^```{{index}} single: {entry}$", text, re.M), alias
    assert len(re.findall(r'class="rule-formula"', text)) >= 2  # f and the differential


def test_no_internal_label_in_generated_pages() -> None:
    internal = re.compile(
        r"\bseeds?\b|source_form|derivative_vec|linear_map|\.toml\b|derived-here", re.IGNORECASE
    )
    for rule in CATALOG:
        text = identity_markdown(rule, instances=1)
        assert not internal.search(text), (rule.id, internal.search(text))
    for family in rules.FAMILIES:
        assert not internal.search(family_table_html(rules.family(family))), family


def test_sources_are_shown_by_title_never_by_key() -> None:
    table = sources()
    for rule in CATALOG:
        shown = short_sources(rule)
        for ref, text in zip(rule.refs, shown, strict=True):
            source = table[split_ref(ref)[0]]
            title = "derived here" if source.kind == "derived" else source.title
            assert text.startswith(title), (rule.id, text)


def test_stub_address_is_the_lower_case_id_and_ids_do_not_collide() -> None:
    lower = [r.id.lower() for r in CATALOG]
    assert len(set(lower)) == len(lower)
    stub = stub_text(rules.get("sm-trace-AXB"))
    assert "(rule-sm-trace-axb)=" in stub
    assert "{rules-identity} sm-trace-AXB" in stub
    assert "orphan: true" in stub


def test_the_list_of_identities_names_every_id() -> None:
    text = identities_markdown()
    for rule in CATALOG:
        assert f"{{rule}}`{rule.id}`" in text


def test_concordance_page_maps_every_cookbook_equation_and_wikipedia_row() -> None:
    text = concordance_markdown()
    for number in COOKBOOK_EQUATIONS:
        row = next(line for line in text.splitlines() if f"`eq. {number} <" in line)
        assert f"Cookbook ({number})" in row
        assert f"single: Matrix Cookbook; eq. {number}>" in row  # an index entry per equation
        entry = cookbook()[number]
        for rule_id in entry.rules:
            assert f"<rule-{rule_id.lower()}>`" in row
        if entry.status == "omitted":
            assert "not stated" in row
    for wrow in wikipedia_rows():
        assert wrow.row.replace("|", "\\|") in text


def test_index_page_counts_every_rule_and_lists_omitted_rows() -> None:
    text = index_markdown(instances=1)
    assert f"**{len(rules.catalog())} identities**" in text
    assert "0 failed" in text
    assert all(row.reason in text for row in rules.omitted())


def test_disputed_page_shows_each_source_form_failing() -> None:
    text = disputed_markdown(instances=1)
    disputed = [r for r in rules.catalog() if r.source_form is not None]
    assert text.count("as printed in the source") == len(disputed)
    assert text.count("**fails**") >= len(disputed)


@pytest.mark.parametrize("rule", [r for r in rules.catalog() if r.conditional], ids=lambda r: r.id)
def test_conditional_rule_fails_without_its_condition(rule: rules.Rule) -> None:
    assert "**fails**" in _without_condition(rule, instances=2)
