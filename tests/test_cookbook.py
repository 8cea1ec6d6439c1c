"""The Cookbook generator (cookbook/): its LaTeX, its Unicode table, its log check, the PDF.

The LaTeX tests run everywhere; the PDF tests need latexmk and pdftotext (Debian's TeX Live
and poppler-utils, as .ci/run installs them) and are skipped, saying so, without them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the generator is a top-level folder, not part of matderiv

from cookbook import catalog as cat  # noqa: E402
from cookbook.build import MAX_OVERFULL_PT, build, check_log, compile_latex  # noqa: E402
from cookbook.latex import Build, document, rule_url  # noqa: E402
from cookbook.texmap import UNICODE, escape, one_notation, prose  # noqa: E402

HAVE_TEX = shutil.which("latexmk") is not None and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(
    not HAVE_TEX,
    reason="latexmk and pdftotext are not installed (apt-get install latexmk "
    "texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern "
    "poppler-utils, as .ci/run does)",
)
FIXED = Build(version="9.9.9", commit="0123456789ab", date="2000-01-01")


@pytest.fixture(scope="module")
def tex() -> str:
    """The generated LaTeX (the catalog verified once for the whole module)."""
    return document(build=FIXED)


def _entries(tex: str) -> list[str]:
    return re.findall(r"^\\identity\{([^}]*)\}", tex, flags=re.M)


def test_every_rule_is_one_entry(tex: str) -> None:
    ids = [r.id for r in cat.rules()]
    entries = _entries(tex)
    assert sorted(entries) == sorted(ids)
    assert len(set(entries)) == len(entries)


def test_entries_are_grouped_by_family_in_book_order(tex: str) -> None:
    family_of = {r.id: r.family for r in cat.rules()}
    order = [family_of[i] for i in _entries(tex)]
    seen = [f for k, f in enumerate(order) if k == 0 or order[k - 1] != f]
    assert seen == [f for f in cat.families() if f in order]  # each family one block
    for family in seen:
        assert f"\\family{{{escape(family)}}}" in tex


def test_title_page_has_version_commit_and_date(tex: str) -> None:
    for text in (FIXED.version, FIXED.commit, FIXED.date, str(len(cat.rules()))):
        assert text in tex


def test_each_entry_links_to_its_anchor_in_the_book(tex: str) -> None:
    for rule in cat.rules():
        url = rule_url(rule)
        assert url.endswith(f"/rules/{rule.family}.html#rule-{rule.id.lower()}")
        assert (ROOT / "docs" / "rules" / f"{rule.family}.md").is_file()
        assert url.replace("#", r"\#") in tex


def _catalog_texts() -> list[str]:
    texts: list[str] = []
    for rule in cat.rules():
        texts += [rule.title, rule.note or "", *rule.refs, *cat.aliases(rule)]
        texts += [part for pair in cat.citations(rule) for part in pair]
    for row in cat.omitted():
        texts += [row.source, row.row, row.reason]
    texts += list(cat.assumption_kinds().values())
    return texts


def test_unicode_table_covers_every_character_of_the_catalog_text() -> None:
    found = {c for text in _catalog_texts() for c in text if ord(c) > 127}
    assert found, "the catalog's prose has no Unicode: this test would check nothing"
    assert sorted(found - set(UNICODE)) == []


def test_prose_is_ascii_latex_with_balanced_math() -> None:
    for text in _catalog_texts():
        latex = prose(text)
        assert latex.isascii(), (text, latex)
        assert latex.replace(r"\$", "").count("$") % 2 == 0, (text, latex)
        for formula in re.findall(r"(?<!\\)\$(.*?)(?<!\\)\$", latex):
            assert formula.count("(") == formula.count(")"), (text, formula)


def test_prose_sets_formulas_in_math_and_words_in_text() -> None:
    assert prose("Quadratic form xᵀAx") == r"Quadratic form $x^{\top}Ax$"
    assert prose("(A + Aᵀ)x holds.") == r"$(A + A^{\top})x$ holds."
    assert prose("log of X⁻¹") == r"log of $X^{-1}$"
    with pytest.raises(ValueError, match="U\\+2603"):
        prose("snow ☃")


def test_one_transpose_symbol_and_one_reals(tex: str) -> None:
    assert one_notation("A^{T} + B^T x + C^{-T}") == r"A^{\top} + B^{\top} x + C^{-\top}"
    assert one_notation(r"x \in \mathbf{R}^{n}") == r"x \in \mathbb{R}^{n}"
    body = tex[tex.index(r"\chapter{Identities}"):]
    assert not re.search(r"\^\{-?T\}|\^T\b|\\intercal|\\mathbf\{R\}", body)
    assert "ᵀ" not in body
    assert "ℝ" not in body


def test_concordance_accounts_for_cookbook_equations_33_to_144(tex: str) -> None:
    rows = {row.equation: row for row in cat.concordance()}
    assert set(rows) >= set(range(33, 145))
    missing = [n for n in range(33, 145) if not rows[n].rule_ids and not rows[n].omitted_reason]
    assert missing == []
    for rule in cat.rules():  # every equation a rule cites lists that rule
        for n in cat.cookbook_equations(rule):
            assert rule.id in rows[n].rule_ids
    section = tex[tex.index(r"\chapter{Concordance}"):tex.index(r"\chapter{Errata}")]
    assert sorted(int(n) for n in re.findall(r"\\concrow\{(\d+)\}", section)) == list(
        range(33, 145))


def test_errata_list_every_disputed_rule_with_its_failing_printed_form(tex: str) -> None:
    section = tex[tex.index(r"\chapter{Errata}"):]
    disputed = [r for r in cat.rules() if r.source_form is not None]
    assert disputed
    for rule in disputed:
        assert f"\\erratum{{{rule.id}}}" in section
        check = cat.source_check(rule)
        assert check is not None
        assert not check.passed
    misprints = section[section.index(r"\section*{Misprints}"):]
    for rule in cat.rules():
        if cat.misprinted(rule):
            assert f"\\idref{{{rule.id}}}" in misprints


def test_log_check_finds_errors_undefined_references_and_wide_boxes() -> None:
    clean = "Overfull \\hbox (4.9pt too wide) in paragraph at lines 1--2\n"
    assert not check_log(clean)
    wide = f"Overfull \\hbox ({MAX_OVERFULL_PT + 0.5}pt too wide) in paragraph at lines 3--4\n"
    assert check_log(wide).overfull
    undefined = "LaTeX Warning: Reference `rule:x' on page 3 undefined on input line 9.\n"
    assert check_log(undefined).undefined
    assert check_log("./a.tex:12: Undefined control sequence.\n! Emergency stop.\n").errors


@needs_tex
def test_pdf_has_every_id_once_and_a_clean_log(tmp_path: Path, tex: str) -> None:
    pdf = build(tmp_path, tex=tex)  # raises on a TeX error, undefined ref, wide box
    log = (tmp_path / "matderiv-cookbook.log").read_text(encoding="utf-8", errors="replace")
    assert not check_log(log)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    counts = {r.id: len(re.findall(rf"(?<![\w-]){re.escape(r.id)}(?![\w-])", text))
              for r in cat.rules()}
    assert {i: n for i, n in counts.items() if n != 1} == {}
    assert "9.9.9" in text
    assert "0123456789ab" in text


@needs_tex
def test_every_formula_of_the_latex_printer_compiles(tmp_path: Path) -> None:
    """matderiv's LaTeX printer output (and the catalog's differentials), unchanged."""
    formulas: list[str] = []
    for rule in cat.rules():
        formulas.append(cat.expr_latex(rule))
        formulas += [cat.derivative_latex(rule, layout) for layout in cat.layouts(rule)
                     if layout != "vec" or rule.derivative_vec is not None]
        formulas += [f for f in (cat.linear_map_latex(rule),) if f is not None]
        if rule.source_form is not None:
            formulas.append(cat.derivative_latex_of(rule, rule.source_form))
        formulas.append(rule.differential)
    body = "\n".join(f"\\[ {f} \\]" for f in formulas)
    source = tmp_path / "formulas.tex"
    source.write_text("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n"
                      f"\\begin{{document}}\n{body}\n\\end{{document}}\n", encoding="utf-8")
    log = compile_latex(source)  # raises on any TeX error
    assert not check_log(log, max_overfull_pt=float("inf"))
    assert (tmp_path / "formulas.pdf").stat().st_size > 0
    assert len(formulas) > 3 * len(cat.rules())
