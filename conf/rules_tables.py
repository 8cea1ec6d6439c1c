"""The family pages of the Rules part as tables a reader scans: one row per identity.

Each row shows the identity's title (a link to its own page) with its sources, the function,
its derivative in the layout the reader chose and the derivative's shape.  The layout is chosen
with the book's synced layout tabs (sphinx-design, ``:sync-group: layout``, see
:func:`switch_markdown`) above the table;
``conf/_static/rules.js`` shows the matching cells, and a check box puts the numerator and
the denominator layouts side by side.  Each formula is kept with its TeX (``data-latex``) for
the "Copy LaTeX" buttons.

Every row also keeps the old anchor of the identity on the family page (``#rule-<id>``, in
lower case), so links into the family page from before identities had pages still land on it.

Examples
--------
>>> from matderiv import rules
>>> table = family_table_html(rules.family("scalar-by-matrix"))
>>> table.count('<tr class="rule-row"') == len(rules.family("scalar-by-matrix"))
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from rules_pages import _layout_shape, derive_link

from matderiv.errors import ShapeError
from matderiv.rules import Rule
from matderiv.rules.render import layouts_of, rule_latex, text_latex
from matderiv.rules.sources import sources, split_ref

__all__ = [
    "LAYOUT_NAMES",
    "family_table_html",
    "identity_path",
    "layout_forms",
    "math_html",
    "short_sources",
    "switch_markdown",
]

#: The layouts of the switch, with the name a reader sees.
LAYOUT_NAMES = {
    "mixed": "Mixed",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "vec": "vec / Kronecker",
}


def identity_path(rule: Rule) -> str:
    """The address of an identity's page below ``rules/``: ``id/`` and the id in lower case.

    >>> from matderiv import rules
    >>> identity_path(rules.get("sm-trace-AXB"))
    'id/sm-trace-axb.html'
    """
    return f"id/{rule.id.lower()}.html"


def math_html(tex: str, display: bool = False) -> str:
    """HTML MathJax typesets, carrying its TeX in ``data-latex`` for the copy button.

    >>> print(math_html("x^{2} < y"))
    <span class="math notranslate nohighlight" data-latex="x^{2} &lt; y">\\(x^{2} &lt; y\\)</span>
    """
    tag, left, right = ("div", r"\[", r"\]") if display else ("span", r"\(", r"\)")
    return (
        f'<{tag} class="math notranslate nohighlight" data-latex="{html.escape(tex)}">'
        f"{left}{html.escape(tex, quote=False)}{right}</{tag}>"
    )


def _shape_text(latex: str) -> str:
    """A shape as plain text (``n×m``): no MathJax needed in a table cell."""
    return latex.replace(r"\times ", "×").replace(r"\text{scalar}", "scalar")


def layout_forms(rule: Rule) -> list[tuple[tuple[str, ...], str | None, str]]:
    """The derivative in each layout: ``(layouts, TeX or None, shape or why not)``.

    Layouts that write the same formula share one entry, so each formula is typeset once.
    The TeX is ``None`` where the layout does not exist for the rule or the catalog does not
    state it; the text then says why.

    >>> from matderiv import rules
    >>> forms = layout_forms(rules.get("sm-trace-AXB"))
    >>> [layouts for layouts, _, _ in forms]
    [('mixed', 'denominator'), ('numerator',), ('vec',)]
    """
    available = layouts_of(rule)
    groups: dict[tuple[str | None, str], list[str]] = {}
    for layout in LAYOUT_NAMES:
        tex: str | None
        if layout in available:
            tex = rule_latex(rule, layout)
            try:
                shape = _shape_text(_layout_shape(rule, layout))
            except ShapeError:
                shape = ""
        elif layout == "vec":
            tex, shape = None, "not stated in vec form"
        else:
            tex, shape = None, "not a matrix in this layout (see the mixed or vec form)"
        groups.setdefault((tex, shape), []).append(layout)
    return [(tuple(layouts), tex, shape) for (tex, shape), layouts in groups.items()]


def short_sources(rule: Rule) -> list[str]:
    """The sources of a rule by title and place (the identity's page adds the authors).

    >>> from matderiv import rules
    >>> short_sources(rules.get("sm-logdet"))[:2]
    ['Matrix calculus, scalar-by-matrix identities', 'The Matrix Cookbook, eq. 57']
    """
    out = []
    for ref in rule.refs:
        key, where = split_ref(ref)
        source = sources()[key]
        title = "derived here" if source.kind == "derived" else source.title
        out.append(f"{title}, {where}" if where else title)
    return out


_COPY_SMALL = (
    '<button type="button" class="rule-copy rule-copy-small" title="Copy LaTeX" '
    'aria-label="Copy LaTeX">TeX</button>'
)


def _derivative_cell(rule: Rule, forms: list[tuple[tuple[str, ...], str | None, str]]) -> str:
    spans = []
    for layouts, tex, why in forms:
        body = (
            math_html(tex) + _COPY_SMALL
            if tex is not None
            else f'<span class="rule-na">{why}</span>'
        )
        spans.append(f'<span class="rule-l" data-layouts="{" ".join(layouts)}">{body}</span>')
    return "".join(spans)


def _shape_cell(forms: list[tuple[tuple[str, ...], str | None, str]]) -> str:
    return "".join(
        f'<span class="rule-l" data-layouts="{" ".join(layouts)}">'
        f"{html.escape(shape) if tex is not None else '—'}</span>"
        for layouts, tex, shape in forms
    )


def _row(rule: Rule) -> str:
    forms = layout_forms(rule)
    denominator = [f for f in forms if "denominator" in f[0]]
    title = html.escape(rule.title)
    sources_text = "; ".join(html.escape(s) for s in short_sources(rule))
    return (
        f'<tr class="rule-row" data-rule="{html.escape(rule.id)}">'
        f'<td class="rule-name"><span class="rule-anchor" id="rule-{rule.id.lower()}"></span>'
        f'<a class="rule-link" href="{identity_path(rule)}">{title}</a>'
        f'<code class="rule-id">{html.escape(rule.id)}</code>'
        f'<span class="rule-src">{sources_text}</span>'
        f'<p class="derive-this"><a href="{html.escape(derive_link(rule))}">Derive this</a></p>'
        "</td>"
        f'<td class="rule-f">{math_html(text_latex(rule, "expr"))}</td>'
        f'<td class="rule-d rule-d-main">{_derivative_cell(rule, forms)}</td>'
        f'<td class="rule-d rule-d-den">{_derivative_cell(rule, denominator)}</td>'
        f'<td class="rule-shape">{_shape_cell(forms)}</td>'
        "</tr>"
    )


def switch_markdown() -> str:
    """MyST of the layout switch: the book's synced layout tabs, each with a one-line hint."""
    lines = ["::::{tab-set}", ":sync-group: layout", ":class: rule-layout-tabs", ""]
    for layout, name in LAYOUT_NAMES.items():
        lines += [f":::{{tab-item}} {name}", f":sync: {layout}", "", _HINTS[layout], ":::", ""]
    return "\n".join([*lines, "::::", ""])


_HINTS = {
    "mixed": "Mixed layout: the derivative of a scalar by a matrix is shaped like the matrix "
    "(the Matrix Cookbook's convention); a vector by a vector is the Jacobian.",
    "numerator": "Numerator layout: the derivative is laid out by the numerator; a gradient "
    "of a scalar is a row, the transpose of the mixed layout's.",
    "denominator": "Denominator layout: the derivative is laid out by the denominator; a "
    "gradient is shaped like the variable, a Jacobian is transposed.",
    "vec": "The vec (Kronecker) matrix J with vec(df) = J vec(dX), where the catalog states it.",
}


def family_table_html(rules: Sequence[Rule]) -> str:
    """The HTML of one family's table: the layout switch and one row per identity."""
    head = (
        "<thead><tr>"
        '<th class="rule-name">Identity and sources</th><th class="rule-f">f</th>'
        '<th class="rule-d rule-d-main"><span class="rule-h-one">Derivative</span>'
        '<span class="rule-h-side">Numerator layout</span></th>'
        '<th class="rule-d rule-d-den">Denominator layout</th>'
        '<th class="rule-shape">Shape</th>'
        "</tr></thead>"
    )
    rows = "".join(_row(rule) for rule in rules)
    return (
        '<label class="rule-side-label"><input type="checkbox" class="rule-side-by-side"> '
        "Numerator and denominator layouts side by side</label>"
        '<div class="rule-table-wrap"><table class="rule-table" data-layout="mixed">'
        f"{head}<tbody>{rows}</tbody></table></div>"
    )
