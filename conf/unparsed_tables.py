"""Sphinx extension: a Markdown table that did not become a table is a build warning.

A pipe table that the parser did not recognise is not an error anywhere in the toolchain: it
is printed as a paragraph of ``| a | b |`` lines, and the page looks broken only to a reader.
Two causes have shipped before: a cell output rendered as CommonMark (myst-nb's default for
``text/markdown`` outputs, which has no tables; ``conf.py`` sets ``nb_render_markdown_format``
to ``myst``), and a ``|`` inside a cell that ended it early.

This extension looks at every paragraph of every resolved page.  A paragraph with a header
row and a delimiter row (``|---|---|``; smart quotes may already have turned the dashes into
em dashes) is reported as a warning at its source line, so ``sphinx-build -W`` fails.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: A delimiter row of a pipe table: cells of dashes (or the em/en dashes smart quotes make
#: of them), with optional alignment colons.
_DELIMITER_ROW = re.compile(r"^\s*\|?(\s*:?[-\u2013\u2014]+:?\s*\|)+\s*(:?[-\u2013\u2014]+:?\s*)?$")


def unparsed_table(text: str) -> bool:
    """Whether ``text`` (a paragraph) is a pipe table that was left as text.

    Parameters
    ----------
    text
        The paragraph's text, as the reader would see it.

    Returns
    -------
    bool
        True when a line that starts with ``|`` is followed by a delimiter row.

    Examples
    --------
    >>> unparsed_table("| a | b |\\n|---|---|\\n| 1 | 2 |")
    True
    >>> unparsed_table("| a | b |\\n|\u2014|\u2014|")
    True
    >>> unparsed_table("for |z| > 19 the value is 1")
    False
    """
    lines = text.splitlines()
    return any(
        first.lstrip().startswith("|") and _DELIMITER_ROW.match(second) is not None
        for first, second in itertools.pairwise(lines)
    )


def _warn_unparsed_tables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Warn for each paragraph of ``docname`` that is an unrendered pipe table."""
    for paragraph in doctree.findall(nodes.paragraph):
        if unparsed_table(paragraph.astext()):
            logger.warning(
                "a Markdown table was rendered as text (its header and |---| rows show on "
                "the page); check that the cell output is rendered as MyST and that no cell "
                "holds an unescaped |",
                location=paragraph,
            )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the doctree-resolved check."""
    app.connect("doctree-resolved", _warn_unparsed_tables)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
