"""Everything the Cookbook reads from matderiv's catalog, in one place.

The generator (:mod:`cookbook.latex`) never imports :mod:`matderiv.rules` itself: it calls
the functions below.  Where the catalog of this branch lacks a feature the Cookbook prints
(aliases, a sources table with titles and authors, a concordance data file), the function
says so in its docstring and falls back to what the rules already hold; those guards live
here only, so removing them after the catalog gains the feature touches this file alone.

Functions
---------
rules()               every rule, in book order
families()            the family names, in book order
verify(rule)          the verification of this build (finite differences, derive, layouts)
source_check(rule)    the finite-difference check of a disputed rule's printed form
omitted()             the source rows the catalog leaves out, with reasons
derivative_latex(rule, layout), layouts(rule), expr_latex(rule), linear_map_latex(rule)
out_shape(rule)       the symbolic shape of f
aliases(rule)         the names a reader looks the identity up by
citations(rule)       the references as a reader sees them (titles and authors)
cookbook_equations(rule)  the Matrix Cookbook equations a rule states
concordance()         Cookbook equation -> rule ids, or "omitted" with the reason
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from matderiv import rules as _rules
from matderiv.rules import Rule
from matderiv.rules import render as _render
from matderiv.rules import verify as _verify
from matderiv.rules.verify import Verification

__all__ = [
    "COOKBOOK_EQUATIONS", "ConcordanceRow", "Rule", "SourceCheck", "Verification", "aliases",
    "assumption_kinds", "citations", "concordance", "concordance_from_data", "conditional",
    "cookbook_equations", "derivative_latex", "derivative_latex_of", "expr_latex",
    "families", "layouts", "linear_map_latex", "misprinted", "omitted", "out_shape", "rules",
    "source_check", "verify", "wikipedia_tables",
]

#: The Matrix Cookbook equations of chapter 2 the concordance accounts for.
COOKBOOK_EQUATIONS = range(33, 145)

# Titles and authors of the documents the rules of this branch cite by a short name.  The
# catalog's sources table (matderiv.rules.sources) replaces this table once it is merged.
_LEGACY_SOURCES: dict[str, str] = {
    "Matrix Cookbook (2012)": "K. B. Petersen and M. S. Pedersen, The Matrix Cookbook "
    "(version of November 15, 2012)",
    "Wikipedia: Matrix calculus": "Wikipedia contributors, Matrix calculus",
    "seed 000": "MIT 6.390 explanatory notes, Matrix derivatives",
    "seed 001": "Sharif University CE40282 slides, Vector, matrix, tensor derivatives",
    "seed 002": "A. Edelman and S. G. Johnson, Matrix Calculus (MIT 18.S096), introduction",
    "seed 003": "A matrix-calculus cheatsheet for machine learning",
    "Srinivasan & Panda (2019)": "S. Srinivasan and N. Panda, What is the gradient of a "
    "scalar function of a symmetric matrix? (2019)",
}


def rules() -> tuple[Rule, ...]:
    """Every rule of the catalog, in book order."""
    return _rules.catalog()


def families() -> tuple[str, ...]:
    """The families, in the order of the book."""
    return tuple(_rules.FAMILIES)


def verify(rule: Rule, instances: int = 3, seed: int = 0) -> Verification:
    """The three checks of `rule` (raises CatalogError naming the rule when one fails)."""
    (result,) = _verify.check_catalog([rule], instances=instances, seed=seed, strict=True)
    return result


@dataclass(frozen=True)
class SourceCheck:
    """The finite-difference check of the formula a source prints."""

    formula: str
    passed: bool
    max_rel_err: float


def source_check(rule: Rule, instances: int = 3) -> SourceCheck | None:
    """Check the formula a source prints for a disputed rule (``None`` if not disputed)."""
    if rule.source_form is None:
        return None
    checks = _verify.numeric_checks(rule, instances, field_name="source_form")
    return SourceCheck(
        formula=rule.source_form,
        passed=all(c.result.passed for c in checks),
        max_rel_err=max(c.result.max_rel_err for c in checks),
    )


def misprinted(rule: Rule) -> bool:
    """Whether the note records a misprint in a source that is not a formula of its own.

    A disputed rule states the printed formula in ``source_form`` and is checked numerically;
    a misprint (a typo inside a longer formula: "the Cookbook prints xᵀBBx") is only in the
    note, which says "prints", "printed", "misprint" or "typo".
    """
    return rule.source_form is None and rule.note is not None and re.search(
        r"\b(prints|printed|misprint|typo)\b", rule.note, re.IGNORECASE) is not None


def conditional(rule: Rule) -> bool:
    """Whether the rule's note restricts when it holds."""
    return bool(rule.conditional)


def omitted() -> tuple[Any, ...]:
    """Rows of the sources the catalog leaves out (``source``, ``row``, ``reason``)."""
    return tuple(_rules.omitted())


def layouts(rule: Rule) -> tuple[str, ...]:
    """The layouts the rule's derivative can be written in."""
    return tuple(_render.layouts_of(rule))


def derivative_latex(rule: Rule, layout: str) -> str:
    """The stated derivative in `layout`, printed by matderiv's LaTeX printer."""
    return str(_render.rule_latex(rule, layout))


def expr_latex(rule: Rule) -> str:
    """f, printed by matderiv's LaTeX printer."""
    return str(_render.text_latex(rule, "expr"))


def linear_map_latex(rule: Rule) -> str | None:
    """The differential as a function of the direction, or ``None`` if not stated."""
    if rule.linear_map is None:
        return None
    return str(_render.text_latex(rule, "linear_map"))


def out_shape(rule: Rule) -> tuple[str, ...]:
    """The symbolic shape of f (dimension names; products such as ``m*n``)."""
    return tuple(str(d) for d in _verify.rule_out_shape(rule))


def aliases(rule: Rule) -> tuple[str, ...]:
    """The names a reader looks the identity up by.

    Guarded: rules of this branch have no ``aliases`` field yet (the catalog branch adds it).
    """
    return tuple(getattr(rule, "aliases", ()))


def _sources_module() -> Any | None:
    if importlib.util.find_spec("matderiv.rules.sources") is None:
        return None
    return importlib.import_module("matderiv.rules.sources")


def citations(rule: Rule) -> tuple[tuple[str, str], ...]:
    """The rule's references as (cited document with title and authors, place in it).

    Guarded: uses ``matderiv.rules.sources`` (``split_ref`` and the sources' ``citation``)
    when the catalog has a sources table; otherwise maps this branch's short names through
    a table of titles.
    """
    module = _sources_module()
    out: list[tuple[str, str]] = []
    for ref in rule.refs:
        if module is not None:
            key, where = module.split_ref(ref)
            out.append((str(module.sources()[key].citation), str(where)))
            continue
        for short, full in _LEGACY_SOURCES.items():
            if ref.startswith(short):
                out.append((full, ref[len(short) :].strip(" ,:")))
                break
        else:
            out.append((ref, ""))
    return tuple(out)


_EQ = re.compile(r"eqs?\.\s*(\d+)(?:\s*[-\u2013]\s*(\d+))?")


def _equations(text: str) -> list[int]:
    found: list[int] = []
    for match in _EQ.finditer(text):
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        found += range(first, last + 1)
    return found


def _is_cookbook(ref: str) -> bool:
    return ref.startswith(("Matrix Cookbook", "cookbook"))


def cookbook_equations(rule: Rule) -> tuple[int, ...]:
    """The equations of the Matrix Cookbook this rule states (from its references)."""
    return tuple(n for ref in rule.refs if _is_cookbook(ref) for n in _equations(ref))


def wikipedia_tables(rule: Rule) -> tuple[str, ...]:
    """The Wikipedia identity tables this rule is a row of (``"scalar-by-vector"``, ...)."""
    out = []
    for ref in rule.refs:
        if ref.lower().startswith("wikipedia"):
            match = re.search(r"([a-z]+-by-[a-z]+)", ref)
            if match:
                out.append(match.group(1))
    return tuple(out)


@dataclass(frozen=True)
class ConcordanceRow:
    """One equation of the Cookbook: the rules stating it, or why it is omitted."""

    equation: int
    rule_ids: tuple[str, ...]
    omitted_reason: str | None


def concordance(catalog: Iterable[Rule] | None = None) -> tuple[ConcordanceRow, ...]:
    """Cookbook eqs. 33-144 -> the ids of the rules stating them, or the omission reason.

    Guarded: reads ``matderiv.rules.concordance.cookbook()`` (a mapping equation -> ids or
    reason) when the catalog has the concordance data; otherwise derives the rows from the
    rules' own Cookbook references and the omitted rows of the sources.  An equation neither
    cited nor omitted gets no ids and no reason.
    """
    if importlib.util.find_spec("matderiv.rules.concordance") is not None:
        module = importlib.import_module("matderiv.rules.concordance")
        data: Mapping[int, Any] = module.cookbook()
        return tuple(
            ConcordanceRow(eq, (), v) if isinstance(v, str) else ConcordanceRow(eq, tuple(v), None)
            for eq, v in sorted(data.items())
        )
    catalog = tuple(catalog if catalog is not None else rules())
    cited: dict[int, list[str]] = {}
    for rule in catalog:
        for n in cookbook_equations(rule):
            cited.setdefault(n, []).append(rule.id)
    reasons: dict[int, str] = {}
    for row in omitted():
        if _is_cookbook(row.source):
            for n in _equations(row.source):
                reasons.setdefault(n, row.reason)
    return tuple(
        ConcordanceRow(n, tuple(cited.get(n, ())), None if n in cited else reasons.get(n))
        for n in COOKBOOK_EQUATIONS
    )


def concordance_from_data() -> bool:
    """Whether :func:`concordance` reads the catalog's concordance data (not the refs)."""
    return importlib.util.find_spec("matderiv.rules.concordance") is not None


def derivative_latex_of(rule: Rule, text: str) -> str:
    """A formula in the rule's names (a source's printed form), by matderiv's printer."""
    return str(_render.text_latex(rule, "derivative", text))


def assumption_kinds() -> dict[str, str]:
    """The assumptions a rule may declare, and what each means."""
    return dict(_rules.ASSUMPTIONS)
