"""Search finds identities first: the catalog's names for every identity, for ``search.html``.

Sphinx's own search ranks whole pages by the words they contain, so a query such as
``tr(AXB)`` or ``x^T A x`` (split into one- and two-letter words) finds dozens of pages and
rarely the identity's own.  This extension writes ``_static/search-names.js``: for every rule
of the catalog (``matderiv.rules.catalog()``) its id, title, aliases (the ``aliases`` of
``src/matderiv/rules/data/*.toml``), family, and the page and anchor of its label
``rule-<id>``, wherever the Rules pages put it.  ``_static/search.js`` (loaded on the search
page only) matches the query against those names first and lists the best identities above
Sphinx's page results; it also cleans every result's excerpt (no TeX source, no theme
buttons).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from matderiv import rules


def _names(app: Sphinx) -> list[dict[str, Any]]:
    """One record per rule that has a page in this build, in catalog order."""
    env = app.env
    labels = env.domains.standard_domain.labels
    records = []
    for rule in rules.catalog():
        found = labels.get(f"rule-{rule.id.lower()}")
        if found is None:
            continue
        docname, labelid, section = found
        title = env.titles[docname].astext() if docname in env.titles else ""
        own = section == title  # the label names the page itself, not a section of it
        records.append(
            {
                "id": rule.id,
                "title": rule.title,
                "aliases": list(rule.aliases),
                "family": rule.family,
                "doc": docname,
                "anchor": "" if own else f"#{labelid}",
                "own": own,
            }
        )
    return records


def _write(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "search-names.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(_names(app), ensure_ascii=False, separators=(",", ":"))
    target.write_text(f"window.MATDERIV_IDENTITIES = {data};\n", encoding="utf-8")


def _search_page(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if pagename == "search":
        app.add_js_file("search-names.js")
        app.add_js_file("search.js")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the names file and the search page's scripts."""
    app.connect("html-page-context", _search_page)
    app.connect("build-finished", _write)
    return {"parallel_read_safe": True}
