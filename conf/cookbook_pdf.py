"""Sphinx extension: the Cookbook PDF in the built site, and the ``{cookbook-pdf}`` link to it.

``nox -s cookbook`` writes ``build/matderiv-cookbook.pdf``.  When it exists, the html build
copies it to ``<site>/matderiv-cookbook.pdf`` and the role ``{cookbook-pdf}`link text```
links there.  When it does not, the role links to ``<site>/matderiv-cookbook.html``, a short
page (written here) that names the command that builds it.  Whether the PDF exists is
decided at every build: pages with the role are re-written when that changes.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

PDF = Path(__file__).resolve().parent.parent / "build" / "matderiv-cookbook.pdf"
NAME = "matderiv-cookbook"
COMMAND = "nox -s cookbook"


class cookbook_link(nodes.reference):  # lower case, as docutils names its node classes
    """A link to the Cookbook whose target is chosen when the page is written."""


def _role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    env = inliner.document.settings.env
    env.cookbook_pages = getattr(env, "cookbook_pages", set()) | {env.docname}
    node = cookbook_link(rawtext, text or "the matderiv Cookbook (PDF)")
    return [node], []


def _target(app: Sphinx, docname: str) -> str:
    depth = docname.count("/")
    name = f"{NAME}.pdf" if PDF.is_file() else f"{NAME}.html"
    return "../" * depth + name


def _resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in doctree.findall(cookbook_link):
        node["refuri"] = _target(app, docname)
        node["classes"].append("cookbook-pdf")


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-write the pages with the link when the PDF appeared or disappeared."""
    present = PDF.is_file()
    if getattr(env, "cookbook_present", None) == present:
        return []
    env.cookbook_present = present  # type: ignore[attr-defined]
    return sorted(getattr(env, "cookbook_pages", set()) - removed)


def _publish(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    if PDF.is_file():
        shutil.copyfile(PDF, out / f"{NAME}.pdf")
        (out / f"{NAME}.html").unlink(missing_ok=True)
        return
    (out / f"{NAME}.pdf").unlink(missing_ok=True)
    (out / f"{NAME}.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>The matderiv Cookbook (PDF)</title></head><body>\n"
        "<h1>The matderiv Cookbook (PDF)</h1>\n"
        "<p>The printable catalog was not built with this copy of the book. Build it with "
        f"<code>{html.escape(COMMAND)}</code> (it needs TeX Live: <code>apt-get install "
        "latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended "
        "lmodern</code>), then build the book again with <code>nox -s docs</code>: the PDF "
        f"is then at <code>{NAME}.pdf</code>.</p>\n"
        '<p><a href="index.html">Back to the book</a></p>\n</body></html>\n',
        encoding="utf-8",
    )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the role, the link resolution and the copy of the PDF."""
    app.add_role("cookbook-pdf", _role)
    app.add_node(
        cookbook_link,
        html=(
            lambda self, node: self.visit_reference(node),
            lambda self, node: self.depart_reference(node),
        ),
    )
    app.connect("doctree-resolved", _resolve)
    app.connect("env-get-outdated", _outdated)
    app.connect("build-finished", _publish)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
