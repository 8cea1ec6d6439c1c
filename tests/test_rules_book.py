"""The generated Rules pages: every rule appears with its anchor, tabs and verification.

The generator is the book's Sphinx extension, ``conf/rules_pages.py``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("sphinx", reason="the book toolchain is installed by `nox -s tests`")

from rules_pages import (
    _without_condition,
    disputed_markdown,
    family_markdown,
    index_markdown,
)

from matderiv import rules


@pytest.mark.parametrize("family", rules.FAMILIES)
def test_family_page_has_every_rule_with_anchor_and_verification(family: str) -> None:
    text = family_markdown(family, instances=1)
    for rule in rules.family(family):
        assert f"(rule-{rule.id})=" in text
        assert f"```{{index}} single: {rule.title}; {family}\n```" in text
    assert text.count("**Verified in this build**") == len(rules.family(family))
    if family not in ("differential",):
        assert ":sync-group: layout" in text


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
