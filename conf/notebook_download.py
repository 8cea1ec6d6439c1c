"""Sphinx extension: every executed page offers its executed notebook (``.ipynb``) for download.

myst-nb writes each executed page to ``<outdir>/../jupyter_execute/<docname>.ipynb``, outside
the built site.  sphinx-book-theme's download menu offers ``_sources/<ipynb_source>`` when a
page's context names an ``ipynb_source`` (Jupyter Book sets it; plain Sphinx does not).  This
extension copies each executed notebook into ``<outdir>/_sources/`` and names it in the
context, so the theme's menu shows an ``.ipynb`` entry beside the ``.md`` source.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx


def _offer_notebook(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Copy the page's executed notebook into the site and name it for the download menu."""
    if doctree is None or NbMetadataCollector.get_exec_data(app.env, pagename) is None:
        return  # not a page myst-nb executed (API pages, genindex, search)
    executed = Path(app.env.mystnb_config.output_folder).joinpath(*f"{pagename}.ipynb".split("/"))
    if not executed.is_file():
        return
    target = Path(app.outdir, "_sources", *f"{pagename}.ipynb".split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the hook before sphinx-book-theme builds its header buttons (priority 500)."""
    app.connect("html-page-context", _offer_notebook, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
