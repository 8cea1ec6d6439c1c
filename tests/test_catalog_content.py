"""The catalog's content as a reader meets it: sources by title, names to search by, clean text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matderiv import rules
from matderiv.errors import CatalogError
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
    key, where = split_ref(ref)
    if key != "cookbook":
        return []
    where = re.sub(r"\(.*?\)", "", where)
    spans = [range(int(a), int(b) + 1) for a, b in re.findall(r"(\d+)\s*-\s*(\d+)", where)]
    singles = re.findall(r"\d+", re.sub(r"\d+\s*-\s*\d+", "", where))
    return [n for span in spans for n in span] + [int(n) for n in singles]


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
