"""Sessions for developing matderiv: ``nox -s tests``, ``nox -s docs``, ``nox -s lint``.

Dependency lists live once, in pyproject.toml's ``[dependency-groups]``; this file only
reads them.  uv creates the environments when it is on PATH, virtualenv otherwise.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "docs", "lint"]

ROOT = Path(__file__).resolve().parent
PROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
BUILD = ROOT / "build"


def _install(session: nox.Session, *groups: str) -> None:
    """Install matderiv (editable) and the named dependency groups."""
    requirements = [r for g in groups for r in nox.project.dependency_groups(PROJECT, g)]
    session.install("-e", ".", *requirements)


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, property-based and book-gate tests, plus the docstring doctests in src/."""
    # the book-gate tests build throwaway books, so they need the docs toolchain too
    _install(session, "test", "docs")
    session.install("pip")  # tests/test_browser_wheel.py builds matderiv's wheel with pip
    session.run("pytest", *session.posargs)


def _derive_assets(session: nox.Session) -> None:
    """Fetch the Derive page's in-browser Python into build/derive (conf/derive_assets.py).

    Pyodide from the npm registry, SymPy and mpmath from PyPI (pinned, hash-checked, kept
    between builds) and matderiv's wheel from this checkout; sphinx-build then copies them
    into the site offline.  Fails, saying so, when npm is missing.
    """
    session.install("pip")  # pip download / pip wheel (uv-made environments have no pip)
    session.run("python", str(ROOT / "conf" / "derive_assets.py"), str(BUILD / "derive"))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the book (every page executed), then run the page and docstring doctests.

    ``nox -s docs -- cache`` re-executes only pages whose code changed (fast local
    iteration on prose; outputs can be stale after a change in src/).  CI and the
    default use ``force``: every page is executed at every build.
    """
    _install(session, "docs")
    mode = session.posargs[0] if session.posargs else "force"
    env = {"MATDERIV_NB_EXECUTION": mode}
    html, doctrees = BUILD / "html", BUILD / "doctrees"
    if mode == "force":
        shutil.rmtree(html / "reports", ignore_errors=True)
    common = ["-c", "conf", "-W", "--keep-going", "-n", "-d", str(doctrees)]
    _derive_assets(session)
    session.run("sphinx-build", "-b", "html", *common, "docs", str(html), env=env)
    # the doctest builder reuses the html build's doctrees: nothing is executed twice
    session.run("sphinx-build", "-b", "doctest", *common, "docs", str(BUILD / "doctest"), env=env)
    session.run("pytest", "--doctest-modules", "src", "-p", "no:cacheprovider")
    session.log(f"The book is in {html}; view it with: python -m http.server -d build/html")


@nox.session
def fuzz(session: nox.Session) -> None:
    """The property and fuzz suite (tests/fuzz) in its long run: 40 times the CI examples.

    ``nox -s tests`` runs the same properties with a CI budget of about a minute;
    ``MATDERIV_FUZZ_EXAMPLES=N nox -s fuzz`` sets the number of examples of every property.
    """
    _install(session, "test")
    session.run(
        "pytest", "tests/fuzz", "-p", "no:cacheprovider", *session.posargs,
        env={"MATDERIV_FUZZ": "long"},
    )  # fmt: skip


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format check) and mypy --strict on every Python file.

    mypy reads the book's Sphinx extensions (conf/) and the Playwright helpers the benchmarks
    import (browser/sitecheck.py), so the docs and browser groups are installed for their types.
    """
    _install(session, "lint", "docs", "browser")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def browser(session: nox.Session) -> None:
    """The built book in Debian's headless chromium, network outside 127.0.0.1 blocked.

    Reuses build/html (``nox -s docs`` makes it) and builds it first when it is missing;
    serves it on 127.0.0.1 and runs the Playwright tests in browser/ (every page clean,
    math rendered, search, copy button, synced tabs, downloads, dark mode, screenshots
    into build/screenshots/).  Needs /usr/bin/chromium (``apt-get install chromium``, as
    .ci/run does); never ``playwright install``.  ``nox -s browser -- -k search`` selects.
    The per-page tests open a sample of the 272 identity pages (one template);
    ``MATDERIV_BROWSER_PAGES=all nox -s browser`` opens every one (about an hour).
    """
    html = BUILD / "html"
    built = (html / "index.html").is_file()
    # the docs group too: browser/test_derive.py loads conf/derive_page.py (a Sphinx extension)
    _install(session, "test", "browser", "docs")
    if not built:
        _derive_assets(session)
        session.run(
            "sphinx-build", "-b", "html", "-c", "conf", "-W", "--keep-going", "-n",
            "-d", str(BUILD / "doctrees"), "docs", str(html),
            env={"MATDERIV_NB_EXECUTION": "force"},
        )  # fmt: skip
    session.run(
        "pytest", "browser", "-p", "no:cacheprovider", *session.posargs,
        env={"MATDERIV_SITE": str(html)},
    )  # fmt: skip


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark script under benchmarks/ (or the ones named after ``--``)."""
    # bench_page_weight.py drives chromium through Playwright (the browser group);
    # bench_codegen.py compares with autograd (the bench group; never a matderiv dependency)
    _install(session, "test", "docs", "browser", "bench")
    scripts = session.posargs or sorted(str(p) for p in (ROOT / "benchmarks").glob("bench_*.py"))
    for script in scripts:
        session.run("python", script)


@nox.session
def cookbook(session: nox.Session) -> None:
    """The matderiv Cookbook, build/matderiv-cookbook.pdf: the catalog verified and printed.

    Generates LaTeX from the catalog (cookbook/) and compiles it with latexmk; fails on a TeX
    error, an undefined reference or an overfull box.  Needs Debian's TeX Live (``apt-get
    install latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended
    lmodern``, as .ci/run does).  ``nox -s docs`` copies the PDF into the book when it exists.
    """
    if shutil.which("latexmk") is None:
        session.error(
            "latexmk is missing: apt-get install -y latexmk texlive-latex-recommended "
            "texlive-latex-extra texlive-fonts-recommended lmodern"
        )
    _install(session)
    session.run("python", "-m", "cookbook", *session.posargs)
