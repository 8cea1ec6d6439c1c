"""Sphinx extension: keep each page under its weight budget by not loading ``fontawesome.js``.

pydata-sphinx-theme (under sphinx-book-theme) puts ``_static/scripts/fontawesome.js`` on
every page: 1.5 MB of JavaScript that swaps icons for inline SVG "so that users can add
custom icons".  The theme's stylesheet already carries Font Awesome's web-font rules and
``.woff2`` files, which draw every icon the book uses (download, dark mode, previous/next,
search), so the script is dead weight: with it a page with math transfers about 3.9 MB,
without it about 2.4 MB (``benchmarks/bench_page_weight.py``; the budget is 3 MB).

The theme writes the ``<script>`` tag from a template macro with no switch to turn it off,
so this extension removes the tag from the written pages when the build finishes.  If a
theme upgrade renames the script, nothing matches, nothing breaks, and the page-weight
benchmark shows the extra bytes again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

_SCRIPT = re.compile(r'[ \t]*<script[^>]*src="[^"]*_static/scripts/fontawesome\.js[^"]*"[^>]*>'
                     r"\s*</script>\n?")  # fmt: skip


def _drop_fontawesome_js(app: Sphinx, exception: Exception | None) -> None:
    """Remove the theme's fontawesome.js ``<script>`` tag from every written page."""
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lighter = _SCRIPT.sub("", text)
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the build-finished hook."""
    app.connect("build-finished", _drop_fontawesome_js)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
