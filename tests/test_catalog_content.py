"""The catalog's content as a reader meets it: sources by title, names to search by, clean text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matderiv import rules
from matderiv.errors import CatalogError
from matderiv.rules.concordance import cookbook, wikipedia_rows
from matderiv.rules.loader import load_catalog
from matderiv.rules.sources import cite, sources, split_ref

CATALOG = rules.catalog()


def test_every_reference_names_a_known_source_and_reads_as_title_and_author() -> None:
    table = sources()
    for rule in CATALOG:
        for ref, text in zip(rule.refs, rule.citations, strict=True):
            key, _ = split_ref(ref)
            assert text.startswith(table[key].author + ", " + table[key].title), (rule.id, ref)


def test_every_rule_cites_a_reference_or_is_marked_derived_here() -> None:
    table = sources()
    for rule in CATALOG:
        kinds = {table[split_ref(ref)[0]].kind for ref in rule.refs}
        assert kinds & {"reference", "derived"}, (rule.id, rule.refs)


def test_a_reference_to_an_unknown_source_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'family = "scalar-by-matrix"\n[[rule]]\nid = "tr-ax"\ntitle = "tr(AX)"\n'
        'expr = "trace(A @ X)"\nwrt = "X"\nshapes = { A = ["n", "m"], X = ["m", "n"] }\n'
        'derivative = "A.T"\ndifferential = "d"\nrefs = ["seed 003"]\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match=r"'tr-ax'.*'refs'.*unknown source 'seed 003'"):
        load_catalog(tmp_path)


def test_cite_spells_out_the_source() -> None:
    assert "Edelman and Steven G. Johnson" in cite("mit-18s096")
    with pytest.raises(CatalogError, match="unknown source"):
        cite("seed 002")


# -- text a reader sees: no internal labels -----------------------------------------------------

_INTERNAL = re.compile(r"\bseeds?\b|source_form|\.toml\b", re.IGNORECASE)


def _reader_text(rule: rules.Rule) -> list[str]:
    return [rule.title, rule.note or "", *rule.citations, *rule.aliases]


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_no_internal_label_in_reader_text(rule: rules.Rule) -> None:
    for text in _reader_text(rule):
        assert not _INTERNAL.search(text), (rule.id, text)


# -- aliases: the names a reader types --------------------------------------------------------


def test_every_rule_has_at_least_two_distinct_aliases() -> None:
    for rule in CATALOG:
        names = [a.lower() for a in rule.aliases]
        assert len(names) >= 2, rule.id
        assert all(a.strip() for a in names), rule.id
        assert len(names) == len(set(names)), rule.id


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("log det", "sm-logdet"),
        ("logdet", "sm-logdet"),
        ("log-determinant", "sm-logdet"),
        ("log |det X|", "sm-logdet"),
        ("Cookbook 57", "sm-logdet"),
        ("eq. 57", "sm-logdet"),
        ("tr(AXB)", "sm-trace-AXB"),
        ("trace AXB", "sm-trace-AXB"),
        ("trace of a product", "sm-trace-AXB"),
        ("x^T A x", "sv-quadratic-form"),
        ("quadratic form", "sv-quadratic-form"),
        ("inverse", "mm-inverse"),
        ("Frobenius norm", "sm-frobenius"),
        ("‖AX − B‖²_F", "sm-frobenius-ls"),
        ("least squares", "sv-least-squares"),
        ("logsumexp Hessian", "so-logsumexp"),
        ("softmax Jacobian", "vv-softmax"),
        ("determinant", "sm-det"),
    ],
)
def test_the_usual_names_are_aliases_of_the_identity(name: str, expected: str) -> None:
    assert name.lower() in [a.lower() for a in rules.get(expected).aliases]
    assert expected in [rule.id for rule in rules.search(name)]


def _cookbook_equations(ref: str) -> list[int]:
    """The Matrix Cookbook equations a reference cites ("eq. 57", "eqs. 95-96", "eq. 37 and 44")."""
    key, where = split_ref(ref)
    if key != "cookbook":
        return []
    where = re.sub(r"\(.*?\)", "", where)
    numbers: list[int] = []
    for group in re.findall(r"eqs?\.\s*(\d+(?:\s*(?:-|and|,)\s*\d+)*)", where):
        for a, b in re.findall(r"(\d+)\s*-\s*(\d+)", group):
            numbers += range(int(a), int(b) + 1)
        numbers += [int(n) for n in re.findall(r"\d+", re.sub(r"\d+\s*-\s*\d+", "", group))]
    return numbers


def test_a_rule_citing_a_cookbook_equation_is_found_by_its_number() -> None:
    for rule in CATALOG:
        names = {a.lower() for a in rule.aliases}
        for ref in rule.refs:
            for number in _cookbook_equations(ref):
                assert {f"cookbook {number}", f"eq. {number}"} <= names, (rule.id, number)


# -- notation: one way to write each thing ------------------------------------------------------

_FUNCTION_LETTERS = set("σΣδα∂λπ")  # Greek letters that name functions or operators, not variables


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_the_title_names_the_variables_of_the_formula(rule: rules.Rule) -> None:
    greek = {c for c in rule.title if "\u0370" <= c <= "\u03ff"} - _FUNCTION_LETTERS
    assert greek <= set(rule.shapes), (rule.id, rule.title, sorted(greek - set(rule.shapes)))
    by = re.search(r"(?:,|\(|\bgradient) in ([^\W\d_])\)?$", rule.title)
    if by:
        assert by.group(1) == rule.wrt, (rule.id, rule.title, rule.wrt)


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_a_general_exponent_in_the_title_names_the_case_stated(rule: rules.Rule) -> None:
    general = re.search(r"[ⁿᵏ]", rule.title)
    literal = re.search(r"matrix_power\([^,]+, (\d+)\)|\*\*\s*(\d+)", rule.expr)
    if general and literal:
        value = literal.group(1) or literal.group(2)
        assert re.search(rf"[nk] = {value}\b", rule.title), (rule.id, rule.title)


# TeX typed into plain text: x^{..}, x_{..}, X_ij, backslashes; ⊤ besides ᵀ; R^n for ℝⁿ.
_TEX_IN_TEXT = re.compile(r"\^\{|_\{|_[A-Za-z0-9]|\\|⊤|\bR\^")


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_plain_text_fields_use_unicode_not_tex(rule: rules.Rule) -> None:
    for text in (rule.title, rule.note or "", *rule.citations):
        assert not _TEX_IN_TEXT.search(text), (rule.id, text)


# In LaTeX the transpose is \top and the reals \mathbb{R}; not ^T, ^{T}, \mathsf{T}, \intercal, ℝ.
_OTHER_TRANSPOSE = re.compile(r"\^\{?T\}?(?![a-zA-Z])|\\mathsf\{T\}|\\intercal|ℝ|\\mathbb R\b")


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_latex_fields_use_one_transpose_notation(rule: rules.Rule) -> None:
    assert not _OTHER_TRANSPOSE.search(rule.differential), (rule.id, rule.differential)


# -- concordance: Matrix Cookbook eqs. 33-144 and Wikipedia's rows ------------------------------


def test_the_concordance_covers_every_cookbook_equation_of_chapter_2() -> None:
    entries = cookbook()
    assert sorted(entries) == list(range(33, 145))
    for number, entry in entries.items():
        assert entry.statement, number
        assert entry.status in {"mapped", "omitted", "unconfirmed"}, number
        assert all(rid in rules_by_id() for rid in entry.rules), number
        if entry.status == "mapped":
            assert entry.rules, number
            assert not entry.reason, number
        else:
            assert entry.reason.strip(), number


def rules_by_id() -> dict[str, rules.Rule]:
    return {rule.id: rule for rule in CATALOG}


def test_the_concordance_agrees_with_the_rules_citations() -> None:
    entries = cookbook()
    for rule in CATALOG:
        for ref in rule.refs:
            for number in _cookbook_equations(ref):
                assert entries[number].status == "mapped", (rule.id, number)
                assert rule.id in entries[number].rules, (rule.id, number)
    for number, entry in entries.items():
        if entry.status == "mapped":
            for rid in entry.rules:
                cited = [n for ref in rules.get(rid).refs for n in _cookbook_equations(ref)]
                assert number in cited, (number, rid)


def test_a_concordance_with_a_gap_or_an_unknown_rule_is_rejected(tmp_path: Path) -> None:
    from matderiv.rules import concordance
    from matderiv.rules.loader import DATA_DIR

    for path in DATA_DIR.glob("*.toml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    text = (DATA_DIR / "concordance.toml").read_text(encoding="utf-8")
    (tmp_path / "concordance.toml").write_text(
        text.replace("equation = 45\n", "equation = 33\n"), encoding="utf-8"
    )
    with pytest.raises(CatalogError, match="equation 33"):
        concordance.cookbook(tmp_path)
    (tmp_path / "concordance.toml").write_text(
        text.replace('rules = ["sm-det-power"]', 'rules = ["sm-det-powerr"]'), encoding="utf-8"
    )
    with pytest.raises(CatalogError, match="sm-det-powerr"):
        concordance.cookbook(tmp_path)


def test_every_wikipedia_row_has_an_identity_or_a_reason() -> None:
    rows = wikipedia_rows()
    assert len(rows) >= 100
    for row in rows:
        assert row.table, row
        assert row.row, row
        assert bool(row.rules) != bool(row.reason), row
        assert all(rid in rules_by_id() for rid in row.rules), row


def test_the_neural_layer_rules_use_the_shapes_of_the_worked_example() -> None:
    page = Path(__file__).parents[1] / "docs" / "examples" / "neural-layer.md"
    found = re.search(r"W \\in \\mathbb\{R\}\^\{(\w)\\times (\w)\}", page.read_text("utf-8"))
    assert found, "the neural-layer page no longer states the shape of W"
    for rid in (
        "sm-neural-score-W",
        "sv-neural-score-b",
        "sv-neural-score-x",
        "vv-neural-layer",
        "vm-neural-preactivation",
    ):
        assert rules.get(rid).shapes["W"] == found.groups(), rid


def test_a_repeated_alias_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'family = "scalar-by-matrix"\n[[rule]]\nid = "tr-ax"\ntitle = "tr(AX)"\n'
        'expr = "trace(A @ X)"\nwrt = "X"\nshapes = { A = ["n", "m"], X = ["m", "n"] }\n'
        'derivative = "A.T"\ndifferential = "d"\nrefs = ["cookbook: eq. 100"]\n'
        'aliases = ["trace AX", "Trace AX"]\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match=r"'tr-ax'.*'aliases'.*repeated name \['Trace AX'"):
        load_catalog(tmp_path)
