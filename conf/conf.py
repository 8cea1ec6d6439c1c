"""Sphinx configuration of the matderiv book.

Used as ``sphinx-build -c conf docs build/html``.  Every path below is built from
this file's location, never from the working directory, so the configuration also
serves throwaway books (the build-gate test builds one from a temporary folder).

Environment variables
---------------------
MATDERIV_NB_EXECUTION
    myst-nb's execution mode.  ``force`` (the default, and what nox and CI use)
    executes every page at every build: the execution cache does not notice
    changes in ``src/`` and would show stale outputs.  ``cache`` re-executes only
    pages whose code changed; it is offered for fast local iteration on prose.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

import matderiv

CONF_DIR = Path(__file__).resolve().parent
ROOT = CONF_DIR.parent
# local extensions live beside this file (conf/notebook_download.py)
sys.path.insert(0, str(CONF_DIR))

import mathjax_assets  # noqa: E402  (conf/mathjax_assets.py, beside this file)

# -- Project -----------------------------------------------------------------------------
project = "matderiv"
author = "The matderiv developers"
copyright = "2026, The matderiv developers"
version = release = matderiv.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx_autodoc_typehints",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx_design",
    "sphinx_copybutton",
    "notebook_download",  # conf/notebook_download.py: the executed .ipynb in the download menu
    "light_icons",  # conf/light_icons.py: no 1.5 MB fontawesome.js (icons come from the CSS)
    "rules_pages",  # conf/rules_pages.py: the Rules part, generated and verified at build time
    "cookbook_pdf",  # conf/cookbook_pdf.py: build/matderiv-cookbook.pdf into the site
    "derive_page",  # conf/derive_page.py: the Derive page's in-browser Python (Pyodide)
    "search_names",  # conf/search_names.py: search lists identities first, clean excerpts
    "unparsed_tables",  # conf/unparsed_tables.py: a table left as text is a build warning
]
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints"]


# -- Strictness: a warning is an error (-W on the command line); so is a broken reference.
nitpicky = True
nitpick_ignore = [
    # numpy's and sympy's docs are not fetched (the build is offline: no intersphinx), so
    # their types cannot be cross-referenced; they are still shown as text.
    ("py:class", "numpy.ndarray"),
    ("py:class", "numpy.float64"),
    ("py:class", "numpy.complex128"),
    ("py:class", "numpy.dtype"),
    ("py:class", "numpy.generic"),
    ("py:class", "numpy.bool"),
    ("py:class", "numpy.bool_"),
    ("py:class", "numpy.random._generator.Generator"),
    ("py:class", "numpy._typing._array_like._ScalarType_co"),
    ("py:class", "NDArray"),
    ("py:class", "ArrayLike"),
    ("py:class", "numpy.typing.NDArray"),
    ("py:class", "numpy.typing.ArrayLike"),
    ("py:class", "numpy._typing._array_like._SupportsArray"),
    ("py:class", "numpy._typing._nested_sequence._NestedSequence"),
    ("py:class", "sympy.Basic"),
    ("py:class", "sympy.Expr"),
    ("py:class", "sympy.core.basic.Basic"),
    ("py:class", "sympy.core.expr.Expr"),
    ("py:class", "sympy.matrices.expressions.matexpr.MatrixExpr"),
    ("py:class", "MatrixExpr"),
    ("py:class", "sympy.core.symbol.Symbol"),
    # the standard library's docs are not fetched either
    ("py:class", "argparse.ArgumentParser"),
    ("py:class", "argparse._SubParsersAction"),
    ("py:class", "argparse.Namespace"),
    ("py:class", "pathlib.Path"),
    ("py:class", "enum.StrEnum"),
    ("py:class", "collections.abc.Callable"),
    ("py:class", "collections.abc.Iterable"),
    ("py:class", "collections.abc.Mapping"),
    ("py:class", "collections.abc.Sequence"),
    ("py:data", "typing.Any"),
    ("py:data", "typing.Literal"),
    ("py:data", "typing.Union"),
    ("py:data", "Ellipsis"),  # tuple[int, ...] in signatures
    # a private field shows in the signature of the NumpyFunction dataclass; not API
    ("py:class", "matderiv.expr.codegen.program.Program"),
]
nitpick_ignore_regex = [
    # private names and type variables of numpy's typing stubs
    ("py:class", r"numpy\._typing\..*"),
    ("py:class", r"numpy\.dtype\[.*"),
    ("py:class", r"np\..*"),
]

# -- MyST and myst-nb --------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
# Cell outputs of type text/markdown (tables the pages render from data) are parsed as MyST,
# with tables and math; myst-nb's default, CommonMark, has no tables.
nb_render_markdown_format = "myst"
nb_execution_mode = os.environ.get("MATDERIV_NB_EXECUTION", "force")
# A failing cell is a warning naming the page (an error under -W, as nox and CI build);
# its traceback is printed in the log and kept in <outdir>/reports/<page>.err.log.
nb_execution_raise_on_error = False
nb_execution_allow_errors = False
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_execution_excludepatterns: list[str] = []
nb_merge_streams = True

# -- Doctests ----------------------------------------------------------------------------
# Book pages test their snippets with ```{doctest} blocks.  Plain ``>>>`` blocks (as in
# the API pages' docstrings) are tested by ``pytest --doctest-modules src``, in the
# module's own namespace, so Sphinx must not run them a second time here.
doctest_test_doctest_blocks = ""
doctest_global_setup = "import numpy as np\nimport matderiv"

# -- Autodoc -----------------------------------------------------------------------------
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
typehints_use_signature = False
# Sphinx's autodoc (``autodoc_typehints = "description"``) already writes the return type; a
# second one from sphinx_autodoc_typehints landed under an Examples heading (in_layout's page).
typehints_document_rtype = False
always_document_param_types = False

# -- HTML --------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "matderiv"
html_static_path = [str(CONF_DIR / "_static")]
html_css_files = ["matderiv.css"]
html_theme_options: dict[str, Any] = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
}
html_last_updated_fmt = ""
# pydata-sphinx-theme: follow the reader's light/dark preference; without a default the theme
# logs "Got invalid theme mode" as a console error on a first visit.
html_context = {"default_mode": "auto"}

# Copied snippets carry no prompts and no output lines.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_remove_prompts = True

# -- Offline math ------------------------------------------------------------------------
# MathJax 4 from the npm registry, fetched (pinned, integrity checked, kept between builds)
# into build/mathjax by conf/mathjax_assets.py when Sphinx starts, and copied into the site's
# _static/mathjax: the pages never reach the network and nothing third-party is committed.
# The loader's ``fonts`` path points at the copied font package instead of a CDN.
MATHJAX_ASSETS = ROOT / "build" / "mathjax"
mathjax_path = "mathjax/tex-chtml.js"
mathjax4_config = {
    # ui/lazy: only the math near the screen is typeset (within the extension's lazyMargin,
    # 500 px, of the viewport), the rest as the reader scrolls to it, a hidden tab's when it is
    # shown, and all of it before printing.  A Rules table page holds hundreds of formulas
    # (every layout of every row); typeset at once they take over a second of CPU.  The
    # browser tests typeset the whole page (the extension's lazyTypesetAll, as printing does)
    # before checking that formulas fit the screen.
    "loader": {"paths": {"fonts": "[mathjax]/fonts"}, "load": ["ui/lazy"]},
    "tex": {"tags": "ams"},
    # a display formula wider than the text column is broken across lines (MathJax 4);
    # inline formulas break at line ends like words.  What cannot break scrolls in its own
    # box (matderiv.css), never the page.
    "output": {"displayOverflow": "linebreak", "linebreaks": {"inline": True, "width": "100%"}},
    # No semantic enrichment or speech: they typeset every formula a second time in a worker
    # (seconds on a Rules page); MathJax's menu can still switch them on for a reader.  The
    # menu's settings override the options above, so they say the same.
    "options": {
        "enableEnrichment": False,
        "enableSpeech": False,
        "enableBraille": False,
        "enableExplorer": False,
        "enableComplexity": False,
        "menuOptions": {
            "settings": {
                "overflow": "Linebreak",
                "breakInline": True,
                "enrich": False,
                "speech": False,
                "braille": False,
                "assistiveMml": False,
            }
        },
    },
}


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy MathJax (``build/mathjax``) into the built site's ``_static/mathjax``."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.copytree(MATHJAX_ASSETS, target, dirs_exist_ok=True)
    (target / "manifest.json").unlink(missing_ok=True)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the build hooks of this configuration."""
    mathjax_assets.ensure(MATHJAX_ASSETS)  # fetched once, then only checked
    app.connect("build-finished", _copy_mathjax)
    # MathJax on every page, not only on pages with math in their body: page titles with
    # math are shown in every page's navigation sidebar and previous/next links.
    app.set_html_assets_policy("always")
    return {"parallel_read_safe": True}
