"""The concordance page: each Matrix Cookbook equation and Wikipedia table row, and our identity.

A Sphinx extension, loaded by ``conf/rules_pages.py``.  ``{rules-concordance}`` is replaced by
:func:`concordance_markdown`: one row per equation 33-144 of the Matrix Cookbook's chapter 2
and one per row of Wikipedia's identity tables, each linking to the identities that state it
(their own pages) or giving the reason none does.  Each Cookbook row carries the names readers
search for ("eq. 57", "Cookbook (57)") and an index entry, so the search box and the index
find it.  The data is :mod:`matderiv.rules.concordance`.

Examples
--------
>>> text = concordance_markdown()
>>> "eq. 57" in text and "Cookbook (57)" in text and "<rule-sm-logdet>`" in text
True
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from matderiv.rules import DATA_DIR, get
from matderiv.rules.concordance import cookbook, wikipedia_rows

__all__ = ["concordance_markdown", "setup"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rules_cell(ids: tuple[str, ...]) -> str:
    """Links to the identities' pages, each shown by its title."""
    return "; ".join(f"{{ref}}`{_cell(get(i).title)} <rule-{i.lower()}>`" for i in ids)


def concordance_markdown() -> str:
    """MyST of the two concordance tables (Matrix Cookbook, Wikipedia)."""
    entries = cookbook()
    mapped = sum(e.status == "mapped" for e in entries.values())
    lines = [
        "## The Matrix Cookbook, chapter 2 (equations 33–144)",
        "",
        f"{len(entries)} equations: {mapped} stated here, "
        f"{sum(e.status == 'omitted' for e in entries.values())} left out with the reason, "
        f"{sum(e.status == 'unconfirmed' for e in entries.values())} whose statement under that "
        "number is not confirmed (the candidate identities are listed). Equation numbers are "
        "those of the version of November 15, 2012.",
        "",
        "| equation | statement | here |",
        "|---|---|---|",
    ]
    for number, entry in sorted(entries.items()):
        name = (
            f"{{index}}`eq. {number} <single: Matrix Cookbook; eq. {number}>`, Cookbook ({number})"
        )
        if entry.status == "mapped":
            here = _rules_cell(entry.rules)
        elif entry.status == "omitted":
            here = f"not stated: {_cell(entry.reason)}"
        else:
            here = f"number not confirmed ({_cell(entry.reason)})"
            if entry.rules:
                here += "; candidates: " + _rules_cell(entry.rules)
        lines.append(f"| {name} | {_cell(entry.statement)} | {here} |")
    rows = wikipedia_rows()
    lines += [
        "",
        "## Wikipedia, *Matrix calculus*: the identity tables",
        "",
        f"{len(rows)} rows, by table; a row stated by several identities (one per instance, "
        "as a general power instantiated at n = 3) lists them all.",
        "",
        "| table | row | here |",
        "|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: (r.table, r.row.lower())):
        here = _rules_cell(row.rules) if row.rules else f"not stated: {_cell(row.reason)}"
        lines.append(f"| {_cell(row.table)} | {_cell(row.row)} | {here} |")
    return "\n".join([*lines, ""])


class RulesConcordanceDirective(SphinxDirective):
    """``{rules-concordance}``: :func:`concordance_markdown`, parsed in place."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        for path in sorted(DATA_DIR.glob("*.toml")):
            self.env.note_dependency(str(path))
        holder = nodes.container()
        self.state.nested_parse(
            StringList(concordance_markdown().splitlines(), source=self.get_source_info()[0]),
            self.content_offset,
            holder,
        )
        return list(holder.children)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register ``{rules-concordance}``."""
    app.add_directive("rules-concordance", RulesConcordanceDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
