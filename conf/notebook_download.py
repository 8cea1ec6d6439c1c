"""Sphinx extension: every executed page offers its executed notebook (``.ipynb``) for download.

myst-nb writes each executed page to ``<outdir>/../jupyter_execute/<docname>.ipynb``, outside
the built site.  sphinx-book-theme's download menu offers ``_sources/<ipynb_source>`` when a
page's context names an ``ipynb_source`` (Jupyter Book sets it; plain Sphinx does not).  This
extension copies each executed notebook into ``<outdir>/_sources/`` and names it in the
context, so the theme's menu shows an ``.ipynb`` entry beside the ``.md`` source.
"""

from __future__ import annotations

import shutil
from contextlib import suppress
from pathlib import Path
from typing import Any

import nbformat
from jupyter_cache import get_cache
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx


def _offer_notebook(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Copy the page's executed notebook into the site and name it for the download menu."""
    if doctree is None or NbMetadataCollector.get_exec_data(app.env, pagename) is None:
        return  # not a page myst-nb executed (API pages, genindex, search)
    config = app.env.mystnb_config  # type: ignore[attr-defined]  # myst-nb's, set at run time
    executed = Path(config.output_folder).joinpath(*f"{pagename}.ipynb".split("/"))
    if not executed.is_file():
        return
    target = Path(app.outdir, "_sources", *f"{pagename}.ipynb".split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    if config.execution_mode == "cache":
        _write_from_cache(executed, target, config.execution_cache_path)
    else:
        shutil.copyfile(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def _write_from_cache(executed: Path, target: Path, cache_path: str) -> None:
    """Write the notebook with its outputs merged from the jupyter-cache.

    In ``cache`` mode myst-nb 1.4 writes a page served from the cache *without* its outputs
    (it writes the notebook it read, not the one it merged the cached outputs into), so the
    outputs are merged here.  ``force`` mode (nox and CI) writes the executed notebook.
    """
    notebook = nbformat.read(executed, as_version=4)
    with suppress(KeyError):  # not in the cache: keep the notebook as myst-nb wrote it
        _, notebook = get_cache(cache_path).merge_match_into_notebook(notebook)
    nbformat.write(notebook, target)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the hook before sphinx-book-theme builds its header buttons (priority 500)."""
    app.connect("html-page-context", _offer_notebook, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
