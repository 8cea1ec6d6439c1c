"""One page per identity of the catalog, at ``rules/id/<id in lower case>.html``.

A Sphinx extension, loaded by ``conf/rules_pages.py``:

- before the sources are read (``builder-inited``), a two-line page ``rules/id/<id>.md`` is
  written into the book's source folder for every identity (and stale ones are removed); each
  holds the identity's label ``rule-<id>``, its title and the directive below.  The folder is
  generated, never committed;
- ``{rules-identity} <id>`` (:func:`identity_markdown`) fills the page: the permanent address,
  the names the identity is also known as (index entries too), the function, the derivative in
  every layout with its shape, the differential, assumptions, sources by title and author, a
  numpy snippet and the verification measured in this build;
- every identity is an object of type ``rule`` (std domain), so the build's ``objects.inv``
  lists it and ``:rule:`sm-logdet``` links to it, here and from other Sphinx projects through
  intersphinx (``:external+matderiv:rule:`sm-logdet```);
- ``{rules-identities}`` lists every identity A-Z with its title and family;
- after an HTML build, an identity whose id has capitals also answers at its mixed-case
  address (``rules/id/sm-trace-AXB.html`` forwards to ``sm-trace-axb.html``), where the file
  system tells the two names apart.

Examples
--------
>>> from matderiv import rules
>>> text = identity_markdown(rules.get("sm-logdet"))
>>> "Also known as" in text and "Copy LaTeX" in text
True
>>> stub_text(rules.get("sm-trace-AXB")).splitlines()[3]
'(rule-sm-trace-axb)='
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, cast

from docutils import nodes
from docutils.statemachine import StringList
from rules_pages import _layout_shape, _verification_text, derive_link, verified
from rules_tables import LAYOUT_NAMES, identity_path, layout_forms, math_html
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain
from sphinx.util.docutils import SphinxDirective

from matderiv.errors import CatalogError
from matderiv.rules import DATA_DIR, Rule, catalog, get
from matderiv.rules.render import rule_numpy_source, text_latex

__all__ = [
    "IDENTITY_DIR",
    "family_title",
    "identities_markdown",
    "identity_markdown",
    "setup",
    "stub_text",
]

#: Where the identity pages live, below the book's source folder (and the built site).
IDENTITY_DIR = "rules/id"


def family_title(name: str) -> str:
    """The title of a family's page.

    >>> family_title("scalar-by-matrix")
    'Scalar by matrix'
    """
    return name.replace("-", " ").capitalize()


def _md_escape(text: str) -> str:
    """Text shown literally in MyST (no emphasis, roles, math or links)."""
    for char in "\\`*_[]{}<>$#|~":
        text = text.replace(char, "\\" + char)
    return text


def _index_term(text: str) -> str:
    return text.replace(";", ",").lstrip("!").strip()


def stub_text(rule: Rule) -> str:
    """The generated source page of one identity (label, title, directive)."""
    return (
        "---\norphan: true\n---\n"
        f"(rule-{rule.id.lower()})=\n"
        f"# {_md_escape(rule.title)}\n\n"
        f"```{{rules-identity}} {rule.id}\n```\n"
    )


def _formula(tex: str) -> list[str]:
    """A display formula with its "Copy LaTeX" button (not indexed: no TeX in search)."""
    return [
        "```{raw} html",
        ":class: no-search",
        f'<div class="rule-formula">{math_html(tex, display=True)}'
        '<button type="button" class="rule-copy" title="Copy this formula as LaTeX">'
        "Copy LaTeX</button></div>",
        "```",
        "",
    ]


def _var_latex(name: str, shape: tuple[str | int, ...]) -> str:
    if not shape:
        return rf"{name} \in \mathbb{{R}}"
    dims = r" \times ".join(str(d) for d in shape)
    return rf"{name} \in \mathbb{{R}}^{{{dims}}}"


def _symbol(rule: Rule, layout: str) -> str:
    if layout == "vec":
        if rule.derivative is None and rule.family != "second-order":
            return r"\operatorname{vec}(dF) = J \operatorname{vec}(d" + rule.wrt + r"),\quad J"
        return r"J_{\operatorname{vec}}"
    if rule.family == "second-order":
        return rf"\frac{{\partial^2 f}}{{\partial {rule.wrt}\,\partial {rule.wrt}}}"
    if rule.derivative is None:  # the mixed array is written as the linear map dX -> dF
        return ""
    return rf"\frac{{\partial f}}{{\partial {rule.wrt}}}"


#: What the numpy snippet computes, by the form it is written from.
_SNIPPET = {
    "derivative": "the mixed-layout derivative",
    "derivative_vec": "the vec (Kronecker) matrix",
    "linear_map": "the differential, as a function of the direction",
}


def _quiet(body: list[str]) -> list[str]:
    """`body` in a container the search index skips: the words every identity page shares
    (section names, layout names, the verification's wording) would otherwise make every
    identity a match for "Kronecker", "differential" or "layout"."""
    return [":::{container} no-search", "", *body, ":::", ""]


def _rubric(name: str) -> list[str]:
    return [f"```{{rubric}} {name}", "```", ""]


def identity_markdown(rule: Rule, instances: int = 3) -> str:
    """MyST of one identity's page below its title (verified now; raises CatalogError).

    Searchable are the title, the names it is also known as, the note and the sources; the
    formulas and the sections every identity page has are left out of the search index.
    """
    (verification,) = verified([rule], instances)
    lower = rule.id.lower()
    family = f"../{rule.family}.html#rule-{lower}"
    lines = [
        "```{raw} html",
        ":class: no-search",
        f'<p class="rule-permalink">Permanent link: <a class="rule-permalink-link" '
        f'href="{lower}.html" title="Permanent link to this identity">'
        f"rules/id/{lower}.html</a> · id <code>{html.escape(rule.id)}</code> · "
        f'family <a href="{family}">{family_title(rule.family)}</a></p>',
        f'<p class="derive-this"><a href="../{html.escape(derive_link(rule))}">'
        "Derive this in your browser</a> (the Derive page, pre-filled)</p>",
        "```",
        "",
    ]
    entries = [f"single: {_index_term(rule.title)}; {rule.family}", f"single: {rule.id}"]
    entries += [f"single: {_index_term(a)}" for a in rule.aliases if _index_term(a)]
    for entry in dict.fromkeys(entries):  # MyST's index directive takes one entry
        lines += [f"```{{index}} {entry}", "```", ""]
    if rule.aliases:
        lines += ["**Also known as:** " + "; ".join(_md_escape(a) for a in rule.aliases), ""]
    variables = r", \quad ".join(_var_latex(n, s) for n, s in rule.shapes.items())
    body = _rubric("Function")
    body += _formula(f"f = {text_latex(rule, 'expr')}, \\qquad {variables}")
    body += _rubric("Derivative in every layout")
    for layouts, tex, why in layout_forms(rule):
        names = " = ".join(LAYOUT_NAMES[name] for name in layouts)
        if tex is None:
            body += [f"**{names}**: {why}.", ""]
            continue
        shape = _layout_shape(rule, layouts[0])
        body += [f"**{names}** (shape ${shape}$)", ""]
        symbol = _symbol(rule, layouts[0])
        body += _formula(f"{symbol} = {tex}" if symbol else tex)
    body += _rubric("Differential")
    body += _formula(rule.differential)
    if rule.linear_map is not None:
        body += [f"As a linear map (language text): `d{rule.wrt} -> {rule.linear_map}`", ""]
    if rule.assume:
        items = [f"{name} {', '.join(kinds)}" for name, kinds in rule.assume.items()]
        body += [*_rubric("Assumptions"), "; ".join(items) + ".", ""]
    lines += _quiet(body)
    if rule.note:
        lines += ["```{note}", rule.note, "```", ""]
    lines += ["**Sources**", ""]
    lines += [f"- {_md_escape(citation)}" for citation in rule.citations]
    lines += [""]
    lines += _quiet(
        [
            *_rubric("Numpy"),
            f"A self-contained function computing {_SNIPPET[rule.forms[0]]}:",
            "",
            "```python",
            rule_numpy_source(rule).rstrip(),
            "```",
            "",
            *_rubric("Verification"),
            _verification_text(verification),
            "",
        ]
    )
    return "\n".join(lines)


def identities_markdown() -> str:
    """Every identity A-Z by id: a link to its page, its title and its family."""
    rows = ["| id | identity | family |", "|---|---|---|"]
    for rule in sorted(catalog(), key=lambda r: r.id.lower()):
        title = _md_escape(rule.title).replace("|", "\\|")
        rows.append(
            f"| {{rule}}`{rule.id}` | {title} | {{doc}}`{family_title(rule.family)} "
            f"<{rule.family}>` |"
        )
    return "\n".join([*rows, ""])


# ---- the Sphinx extension -----------------------------------------------------------------


def _write_stubs(app: Sphinx) -> None:
    """Write ``rules/id/<id>.md`` for every identity; remove pages of identities gone."""
    folder = Path(app.srcdir) / IDENTITY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"{rule.id.lower()}.md": stub_text(rule) for rule in catalog()}
    for path in folder.glob("*.md"):
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")  # unchanged pages keep their time stamp


_REDIRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="canonical" href="{target}"><meta http-equiv="refresh" content="0; url={target}">
<script>location.replace("{target}" + location.hash)</script></head>
<body><p>The identity {id} lives at <a href="{target}">{target}</a>.</p></body></html>
"""


def _write_redirects(app: Sphinx, exception: Exception | None) -> None:
    """Answer mixed-case ids at their own address (``sm-trace-AXB.html``) by a redirect."""
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / IDENTITY_DIR
    for rule in catalog():
        target = Path(identity_path(rule)).name
        path = folder / f"{rule.id}.html"
        if rule.id == rule.id.lower() or path.exists():  # a case-insensitive file system
            continue
        path.write_text(
            _REDIRECT.format(title=html.escape(rule.title), target=target, id=rule.id),
            encoding="utf-8",
        )


def _data_dependencies(directive: SphinxDirective) -> None:
    for path in sorted(DATA_DIR.glob("*.toml")):
        directive.env.note_dependency(str(path))


class RulesIdentityDirective(SphinxDirective):
    """``{rules-identity} <id>``: one identity's page (:func:`identity_markdown`)."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        _data_dependencies(self)
        try:
            rule = get(self.arguments[0])
            text = identity_markdown(rule)
        except CatalogError as exc:
            raise self.error(f"{self.name}: {exc}") from None
        std = cast(StandardDomain, self.env.get_domain("std"))
        std.note_object("rule", rule.id, f"rule-{rule.id.lower()}", location=self.get_location())
        holder = nodes.container()
        self.state.nested_parse(
            StringList(text.splitlines(), source=self.get_source_info()[0]),
            self.content_offset,
            holder,
        )
        return list(holder.children)


class RulesIdentitiesDirective(SphinxDirective):
    """``{rules-identities}``: every identity A-Z (:func:`identities_markdown`)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        _data_dependencies(self)
        holder = nodes.container()
        self.state.nested_parse(
            StringList(identities_markdown().splitlines(), source=self.get_source_info()[0]),
            self.content_offset,
            holder,
        )
        return list(holder.children)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the object type ``rule``, the directives, the generated pages and assets."""
    app.add_object_type("rule", "rule", objname="matrix calculus identity")
    app.add_directive("rules-identity", RulesIdentityDirective)
    app.add_directive("rules-identities", RulesIdentitiesDirective)
    app.connect("builder-inited", _write_stubs)
    app.connect("build-finished", _write_redirects)
    app.add_css_file("rules.css")
    app.add_js_file("rules.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
