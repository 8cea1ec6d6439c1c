"""The Rules part as a reference, in the browser: one page per identity, tables, citing.

Every identity has a page at ``rules/id/<id in lower case>.html`` (the mixed-case address
forwards there) with a visible permanent link and a "Copy LaTeX" button per formula; each
family page is a table with one row per identity, linking to its page, whose layout follows
the book's synced layout tabs and can show numerator and denominator side by side; the
build's ``objects.inv`` lists every identity as a ``std:rule`` object.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sitecheck
from playwright.sync_api import BrowserContext, Page
from sphinx.util.inventory import InventoryFile

from matderiv import rules

CATALOG = rules.catalog()
MATHJAX_DONE = (
    "async () => { if (window.MathJax?.startup?.promise) await MathJax.startup.promise; }"
)


def _identity_address(rule_id: str) -> str:
    return f"rules/id/{rule_id.lower()}.html"


# -- Without a browser: the files of the built site ------------------------------------------


def test_every_identity_has_its_page(site: Path) -> None:
    missing = [r.id for r in CATALOG if not (site / _identity_address(r.id)).is_file()]
    assert not missing, f"identities without a page: {missing}"


def test_objects_inv_lists_every_identity(site: Path) -> None:
    inventory = InventoryFile.loads((site / "objects.inv").read_bytes(), uri="").data
    listed = inventory.get("std:rule", {})
    assert sorted(listed) == sorted(r.id for r in CATALOG)
    for rule in CATALOG:
        uri = listed[rule.id].uri
        assert uri.split("#")[0] == _identity_address(rule.id), (rule.id, uri)
        assert (site / uri.split("#")[0]).is_file()


def test_no_internal_label_on_a_rules_page(site: Path) -> None:
    internal = re.compile(
        r"\bseeds?\b|source_form|derivative_vec|linear_map|\.toml\b|derived-here", re.IGNORECASE
    )
    for path in sorted((site / "rules").rglob("*.html")):
        text = sitecheck.page_text(site, path.relative_to(site).as_posix())
        found = internal.search(text)
        assert found is None, f"{path.relative_to(site)}: {found.group(0)!r}"


# -- In the browser -------------------------------------------------------------------------

SAMPLE = ["sm-logdet", "sm-trace-AXB", "mm-AXB", "so-quadratic-form"]


def _open(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    response = page.goto(url)
    assert response is not None
    assert response.ok, f"{url}: HTTP {response.status}"
    page.evaluate(MATHJAX_DONE)
    return page


@pytest.mark.parametrize("rule_id", SAMPLE)
def test_identity_page_loads_with_its_permalink(
    rule_id: str, context: BrowserContext, base_url: str
) -> None:
    rule = rules.get(rule_id)
    page = _open(context, base_url + _identity_address(rule_id))
    assert rule.title in page.title()
    link = page.locator("a.rule-permalink-link")
    assert link.is_visible()
    assert link.inner_text().strip().endswith(_identity_address(rule_id))
    assert (link.get_attribute("href") or "").endswith(f"{rule_id.lower()}.html")
    assert page.locator(".rule-formula").count() >= 3  # f, a derivative, the differential
    assert "Verified in this build" in page.inner_text("article")


def test_mixed_case_address_reaches_the_identity(context: BrowserContext, base_url: str) -> None:
    rule = rules.get("sm-trace-AXB")
    page = _open(context, base_url + "rules/id/sm-trace-AXB.html")
    page.wait_for_url("**/rules/id/sm-trace-axb.html")
    assert rule.title in page.title()


def test_copy_latex_copies_the_formula_tex(context: BrowserContext, base_url: str) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    page = _open(context, base_url + _identity_address("sm-logdet"))
    boxes = page.locator(".rule-formula")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        tex = box.locator(".math[data-latex]").get_attribute("data-latex")
        assert tex
        page.evaluate("navigator.clipboard.writeText('')")
        box.locator("button.rule-copy").click()
        page.wait_for_function("async () => (await navigator.clipboard.readText()) !== ''")
        assert page.evaluate("navigator.clipboard.readText()") == tex
        assert "\\" in tex or "=" in tex  # TeX, not the rendered text


@pytest.mark.parametrize("family", rules.FAMILIES)
def test_family_table_has_one_row_per_identity_with_its_link(
    family: str, context: BrowserContext, base_url: str
) -> None:
    page = _open(context, base_url + f"rules/{family}.html")
    rows = page.locator("table.rule-table tbody tr.rule-row")
    members = rules.family(family)
    assert rows.count() == len(members)
    hrefs = rows.locator("a.rule-link").evaluate_all("as => as.map(a => a.href)")
    assert hrefs == [
        base_url + "rules/" + _identity_address(r.id)[len("rules/") :] for r in members
    ]
    # the links resolve
    target = _open(context, hrefs[0])
    assert members[0].title in target.title()


def _wait_layout(page: Page, layout: str) -> None:
    """Wait until the family table shows `layout` (fails after 5 s)."""
    page.wait_for_function(
        "layout => document.querySelector('table.rule-table')?.dataset.layout === layout",
        arg=layout,
        timeout=5000,
    )


def _visible_tex(page: Page, rule_id: str, column: str) -> list[str]:
    return page.locator(f'tr[data-rule="{rule_id}"] td.{column} .rule-l').evaluate_all(
        "ls => ls.filter(l => l.offsetParent !== null)"
        ".map(l => (l.querySelector('.math[data-latex]') || l).getAttribute('data-latex') || '')"
    )


def test_layout_tabs_switch_the_table_and_side_by_side_shows_both(
    context: BrowserContext, base_url: str
) -> None:
    from rules_tables import layout_forms

    rule = rules.get("sm-trace-AXB")
    forms = {name: tex for names, tex, _ in layout_forms(rule) for name in names}
    page = _open(context, base_url + "rules/scalar-by-matrix.html")
    for layout in ("numerator", "denominator", "mixed"):
        page.locator(f'.rule-layout-tabs label[data-sync-id="{layout}"]').click()
        _wait_layout(page, layout)
        assert _visible_tex(page, rule.id, "rule-d-main") == [forms[layout]], layout
    assert not page.locator("td.rule-d-den").first.is_visible()
    page.locator("input.rule-side-by-side").check()
    assert page.locator("td.rule-d-den").first.is_visible()
    assert _visible_tex(page, rule.id, "rule-d-main") == [forms["numerator"]]
    assert _visible_tex(page, rule.id, "rule-d-den") == [forms["denominator"]]
    # both choices carry over to the next page
    page.locator('.rule-layout-tabs label[data-sync-id="numerator"]').click()
    _wait_layout(page, "numerator")
    other = _open(context, base_url + "rules/scalar-by-vector.html")
    _wait_layout(other, "numerator")
    assert other.locator("td.rule-d-den").first.is_visible()


def test_old_family_anchor_still_lands_on_the_row(context: BrowserContext, base_url: str) -> None:
    page = _open(context, base_url + "rules/scalar-by-matrix.html#rule-sm-logdet")
    row = page.locator('tr[data-rule="sm-logdet"]')
    assert row.count() == 1
    assert page.evaluate("location.hash") == "#rule-sm-logdet"
    assert row.is_visible()


def test_concordance_finds_cookbook_57(context: BrowserContext, base_url: str) -> None:
    page = _open(context, base_url + "rules/concordance.html")
    row = page.locator("tr", has_text="Cookbook (57)")
    assert row.count() == 1
    assert "eq. 57" in row.inner_text()
    hrefs = row.locator("a").evaluate_all("as => as.map(a => a.href)")
    assert base_url + "rules/id/sm-logdet.html#rule-sm-logdet" in hrefs
