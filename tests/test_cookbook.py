"""The Cookbook generator (cookbook/): its LaTeX, its Unicode table, its log check, the PDF.

The LaTeX tests run everywhere; the PDF tests need latexmk and pdftotext (Debian's TeX Live
and poppler-utils, as .ci/run installs them) and are skipped, saying so, without them.
"""

from __future__ import annotations

import dataclasses
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
from cookbook.latex import Build, alias_latex, document, index_entries, rule_url  # noqa: E402
from cookbook.texmap import UNICODE, escape, label, one_notation, prose, typed  # noqa: E402

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
    assert len(ids) >= 200
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
    for item in cat.cookbook().values():
        texts += [item.statement, item.reason]
    for wiki in cat.wikipedia_rows():
        texts += [wiki.table, wiki.row, wiki.reason]
    texts += list(cat.assumption_kinds().values())
    return texts


def test_unicode_table_covers_every_character_of_the_catalog_text() -> None:
    found = {c for text in _catalog_texts() for c in text if ord(c) > 127}
    assert found, "the catalog's prose has no Unicode: this test would check nothing"
    assert sorted(found - set(UNICODE)) == []


def test_prose_is_ascii_latex_with_balanced_math() -> None:
    for text in _catalog_texts():
        for latex in (prose(text), label(text)):
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


def test_a_second_script_on_one_base_gets_an_empty_base() -> None:
    """TeX stops on "Double superscript"; an alias typed as X^n^-1 must still compile."""
    assert prose("X^n^2 here") == "$X^n{}^2$ here"
    assert prose("Xᵀ^2") == r"$X^{\top}{}^2$"
    assert prose("e^{xA}ᵀ x_i^2") == r"$e^{xA}{}^{\top}\,x_i^2$"
    assert prose("Xᵢⱼ^2") == "$X_{ij}^2$"  # a subscript and a superscript share a base


def test_a_table_label_is_one_formula_unless_it_has_words() -> None:
    assert label("u v") == r"$u\,v$"
    assert label("d(XY) = dX Y + X dY") == r"$d(XY) = dX\,Y + X\,dY$"
    assert label("d det X = tr(X⁻¹dX)") == r"$d \operatorname{det} X = \operatorname{tr}(X^{-1}dX)$"
    assert label("a = b; c = d") == r"$a = b$;\quad $c = d$"
    assert label("Quotient rule u(x)/v(x)") == prose("Quotient rule u(x)/v(x)")


def test_an_alias_written_as_an_ascii_formula_is_shown_as_typed() -> None:
    assert alias_latex("tr(AX^T)") == typed("tr(AX^T)")
    assert alias_latex("(ln x)''") == typed("(ln x)''")
    assert alias_latex("Jacobi's formula") == prose("Jacobi's formula")
    assert alias_latex("log det") == prose("log det")
    assert alias_latex("‖x‖²") == prose("‖x‖²")


def test_typed_text_is_ascii_in_typewriter_type() -> None:
    assert typed("tr(AX^T) ~ a|b 'q'") == (
        r"\texttt{tr(AX\textasciicircum{}T) \textasciitilde{} a\textbar{}b "
        r"\textquotesingle{}q\textquotesingle{}}"
    )
    with pytest.raises(ValueError, match="ASCII"):
        typed("xᵀ")


def test_one_transpose_symbol_and_one_reals(tex: str) -> None:
    assert one_notation("A^{T} + B^T x + C^{-T}") == r"A^{\top} + B^{\top} x + C^{-\top}"
    assert one_notation(r"x \in \mathbf{R}^{n}") == r"x \in \mathbb{R}^{n}"
    body = tex[tex.index(r"\chapter{Identities}") :]
    assert not re.search(r"\^\{-?T\}|\^T\b|\\intercal|\\mathbf\{R\}", body)
    assert "ᵀ" not in body
    assert "ℝ" not in body


def _section(tex: str, start: str, end: str) -> str:
    return tex[tex.index(start) : tex.index(end)]


def _calls(text: str, macro: str) -> list[list[str]]:
    """The brace-delimited arguments of each line ``\\macro{...}{...}`` of `text`."""
    calls = []
    for line in text.splitlines():
        if not line.startswith(macro + "{"):
            continue
        args, depth, current = [], 0, ""
        for char in line[len(macro) :]:
            if char == "{" and depth == 0:
                depth, current = 1, ""
                continue
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth == 0:
                args.append(current)
            else:
                current += char
        calls.append(args)
    return calls


def _idrefs(text: str) -> list[str]:
    return re.findall(r"\\idref\{([^}]*)\}", text)


def test_concordance_has_one_row_per_cookbook_equation_33_to_144(tex: str) -> None:
    section = _section(tex, r"\chapter{Concordance}", r"\section*{Wikipedia")
    rows = _calls(section, r"\cookrow")
    assert [int(n) for n, _, _ in rows] == list(range(33, 145))
    entries = cat.cookbook()
    statuses = {item.status for item in entries.values()}
    assert statuses == {"mapped", "omitted", "unconfirmed"}  # each kind of row is checked
    for number, statement, here in rows:
        item = entries[int(number)]
        if item.statement:
            assert statement, number
        if item.status == "mapped":
            assert sorted(_idrefs(here)) == sorted(item.rules), number
            assert "omitted" not in here
            assert "unconfirmed" not in here
        elif item.status == "omitted":
            assert here.startswith(r"\emph{omitted:} "), number
            assert _idrefs(here) == [i for i in _idrefs(here) if i in item.reason]
        else:
            assert here.startswith(r"\emph{unconfirmed:} "), number
            candidates = here[here.index("candidates:") :]
            assert sorted(_idrefs(candidates)) == sorted(item.rules), number


def test_an_unconfirmed_reason_is_printed_once_and_referred_to_after(tex: str) -> None:
    section = _section(tex, r"\chapter{Concordance}", r"\section*{Wikipedia")
    unconfirmed = [
        item for _, item in sorted(cat.cookbook().items()) if item.status == "unconfirmed"
    ]
    first: dict[str, int] = {}
    for item in unconfirmed:
        (row,) = [args for args in _calls(section, r"\cookrow") if args[0] == str(item.equation)]
        first.setdefault(item.reason, item.equation)
        words = prose(item.reason.rstrip("."))[:40]
        if first[item.reason] == item.equation:
            assert words in row[2]
        else:
            assert rf"\hyperlink{{cookbook.{first[item.reason]}}}" in row[2]
            assert words not in row[2]


def test_concordance_lists_every_wikipedia_row(tex: str) -> None:
    section = _section(tex, r"\section*{Wikipedia", r"\chapter{Errata}")
    wiki = cat.wikipedia_rows()
    rows = _calls(section, r"\wikirow")
    assert len(rows) == len(wiki)
    assert any(w.rules for w in wiki)
    assert any(w.reason for w in wiki)
    tables = [args[0] for args in _calls(section, r"\wikitable")]
    assert sorted(tables) == sorted({prose(w.table) for w in wiki})
    remaining = list(rows)
    for w in wiki:  # each row of the data once, with its identities or its reason

        def states(row: list[str], w: cat.WikipediaRow = w) -> bool:
            if row[0] != label(w.row):
                return False
            if w.rules:
                return sorted(_idrefs(row[1])) == sorted(w.rules)
            return row[1].startswith(r"\emph{omitted:} " + prose(w.reason)[:12])

        match = next((row for row in remaining if states(row)), None)
        assert match is not None, (w.table, w.row)
        remaining.remove(match)
    assert remaining == []


def _unquote(text: str) -> str:
    """makeindex's reading of a quoted character ("! -> !)."""
    return re.sub(r'"(.)', r"\1", text)


def _split(entry: str, at: str) -> list[str]:
    """`entry` split at the unquoted occurrences of `at` (makeindex's level and sort marks)."""
    parts, current, k = [], "", 0
    while k < len(entry):
        if entry[k] == '"' and k + 1 < len(entry):
            current += entry[k : k + 2]
            k += 2
            continue
        if entry[k] == at:
            parts.append(current)
            current = ""
        else:
            current += entry[k]
        k += 1
    return [*parts, current]


def _index_args(tex: str) -> list[str]:
    return re.findall(r"^\\index\{(.*)\}$", tex, flags=re.M)


def test_every_alias_of_every_rule_is_an_index_entry_pointing_to_it(tex: str) -> None:
    blocks = re.split(r"^(?=\\identity\{)", tex, flags=re.M)
    by_id = {
        re.match(r"\\identity\{([^}]*)\}", b).group(1): b  # type: ignore[union-attr]
        for b in blocks
        if b.startswith(r"\identity{")
    }
    count = 0
    for rule in cat.rules():
        assert rule.aliases, rule.id
        levels = [_split(e, "!") for e in _index_args(by_id[rule.id])]
        title = levels[0]
        assert len(title) == 1  # the identity's own entry, under its title
        shown = {
            _unquote(_split(lv[0], "@")[-1]) for lv in levels if len(lv) == 2 and lv[1] == title[0]
        }
        for alias in rule.aliases:
            display = alias_latex(alias).replace("\\|", r"\Vert ").replace("|", r"\vert ")
            assert display in shown, (rule.id, alias)
            count += 1
    assert count == sum(len(r.aliases) for r in cat.rules())


def test_index_entries_quote_what_makeindex_reads_as_syntax() -> None:
    rule = dataclasses.replace(
        cat.rules()[0], title="Odd ! @ name", aliases=("a!b", 'say "x"', "p@q", "|x|^2", "‖x‖²")
    )
    for entry in index_entries(rule):
        arg = entry[len(r"\index{") : -1]
        levels = _split(arg, "!")
        assert all(len(_split(level, "@")) == 2 for level in levels), entry  # sort@display
        assert "|" not in arg.replace('"|', ""), entry  # | would start a page format
        assert arg.count("{") == arg.count("}"), entry


def test_errata_list_every_disputed_rule_with_its_failing_printed_form(tex: str) -> None:
    section = tex[tex.index(r"\chapter{Errata}") :]
    disputed = [r for r in cat.rules() if r.source_form is not None]
    assert disputed
    for rule in disputed:
        assert f"\\erratum{{{rule.id}}}" in section
        check = cat.source_check(rule)
        assert check is not None
        assert not check.passed
    misprints = section[section.index(r"\section*{Misprints}") :]
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
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    counts = {
        r.id: len(re.findall(rf"(?<![\w-]){re.escape(r.id)}(?![\w-])", text)) for r in cat.rules()
    }
    assert {i: n for i, n in counts.items() if n != 1} == {}
    assert "9.9.9" in text
    assert "0123456789ab" in text
    for number in range(33, 145):  # the concordance's rows, in order
        assert re.search(rf"^\s*{number}\s", text, flags=re.M), number
    ind = (tmp_path / "matderiv-cookbook.ind").read_text(encoding="utf-8")
    items = set(re.findall(r"^  \\item (.*?)(?:, \\hyperpage\{\d+\})?$", ind, flags=re.M))
    missing = [
        (rule.id, alias)
        for rule in cat.rules()
        for alias in rule.aliases
        if alias_latex(alias).replace("\\|", r"\Vert ").replace("|", r"\vert ") not in items
    ]
    assert missing == []


@pytest.mark.skipif(shutil.which("makeindex") is None, reason="makeindex is not installed")
def test_makeindex_reads_quoted_syntax_characters_literally(tmp_path: Path) -> None:
    rule = dataclasses.replace(
        cat.rules()[0], title="Odd ! @ name", aliases=("a!b", 'say "x"', "p@q", "|x|^2")
    )
    idx = tmp_path / "t.idx"
    idx.write_text(
        "".join(
            f"\\indexentry{{{e[len(chr(92) + 'index{') : -1]}|hyperpage}}{{1}}\n"
            for e in index_entries(rule)
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        ["makeindex", "-q", idx.name], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "0 rejected" in (tmp_path / "t.ilg").read_text(encoding="utf-8")
    ind = (tmp_path / "t.ind").read_text(encoding="utf-8")
    items = re.findall(r"^  \\item (.*?)(?:, \\hyperpage\{1\})?$", ind, flags=re.M)
    assert "Odd ! @ name" in items
    assert "a!b" in items
    assert "p@q" in items
    assert any('"x"' in item for item in items)
    assert r"\texttt{\textbar{}x\textbar{}\textasciicircum{}2}" in items
    assert ind.count(r"\subitem Odd ! @ name") == len(rule.aliases) + 1  # + its family


@needs_tex
def test_every_formula_of_the_latex_printer_compiles(tmp_path: Path) -> None:
    """matderiv's LaTeX printer output (and the catalog's differentials), unchanged."""
    formulas: list[str] = []
    for rule in cat.rules():
        formulas.append(cat.expr_latex(rule))
        formulas += [
            cat.derivative_latex(rule, layout)
            for layout in cat.layouts(rule)
            if layout != "vec" or rule.derivative_vec is not None
        ]
        formulas += [f for f in (cat.linear_map_latex(rule),) if f is not None]
        if rule.source_form is not None:
            formulas.append(cat.derivative_latex_of(rule, rule.source_form))
        formulas.append(rule.differential)
    body = "\n".join(f"\\[ {f} \\]" for f in formulas)
    source = tmp_path / "formulas.tex"
    source.write_text(
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n"
        f"\\begin{{document}}\n{body}\n\\end{{document}}\n",
        encoding="utf-8",
    )
    log = compile_latex(source)  # raises on any TeX error
    assert not check_log(log, max_overfull_pt=float("inf"))
    assert (tmp_path / "formulas.pdf").stat().st_size > 0
    assert len(formulas) > 3 * len(cat.rules())
