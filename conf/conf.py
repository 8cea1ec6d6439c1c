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
from importlib import resources
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

import matderiv

CONF_DIR = Path(__file__).resolve().parent
ROOT = CONF_DIR.parent
# local extensions live beside this file (conf/notebook_download.py)
sys.path.insert(0, str(CONF_DIR))

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
# MathJax 3.2.2 comes from the PyPI package django-static-mathjax (a docs dependency);
# nothing third-party is committed.  The ``tex-chtml-full`` component has every TeX
# extension built in, so the browser never autoloads one; its CommonHTML fonts are
# copied beside it.  ``mathjax_path`` is relative, so Sphinx serves it from ``_static``.
MATHJAX_SOURCE = Path(str(resources.files("mathjax"))) / "static" / "mathjax" / "es5"
MATHJAX_FILES = ["tex-chtml-full.js", "output/chtml/fonts/woff-v2"]
mathjax_path = "mathjax/tex-chtml-full.js"
mathjax3_config = {
    "tex": {"tags": "ams"},
    "options": {"menuOptions": {"settings": {"assistiveMml": False}}},
}


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy the MathJax files the pages load into the built site's ``_static``."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for name in MATHJAX_FILES:
        source = MATHJAX_SOURCE / name
        if source.is_dir():
            shutil.copytree(source, target / name, dirs_exist_ok=True)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the build hooks of this configuration."""
    if not (MATHJAX_SOURCE / MATHJAX_FILES[0]).is_file():
        raise RuntimeError(
            f"MathJax not found at {MATHJAX_SOURCE}: install the docs dependencies "
            "(nox -s docs does), which include django-static-mathjax."
        )
    app.connect("build-finished", _copy_mathjax)
    # MathJax on every page, not only on pages with math in their body: page titles with
    # math are shown in every page's navigation sidebar and previous/next links.
    app.set_html_assets_policy("always")
    return {"parallel_read_safe": True}
