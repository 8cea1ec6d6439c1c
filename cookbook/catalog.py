"""Everything the Cookbook reads from matderiv's catalog, in one place.

The generator (:mod:`cookbook.latex`) never imports :mod:`matderiv.rules` itself: it calls
the functions below, which read the catalog's rules, its sources table
(:mod:`matderiv.rules.sources`) and its concordance (:mod:`matderiv.rules.concordance`).

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
citations(rule)       the references as (document with title and authors, place in it)
cookbook()            Matrix Cookbook eqs. 33-144: statement, status, rules, reason
wikipedia_rows()      the rows of Wikipedia's identity tables: rules, or the reason for none
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matderiv import assumptions as _assumptions
from matderiv import rules as _rules
from matderiv.rules import Omitted, Rule
from matderiv.rules import concordance as _concordance
from matderiv.rules import render as _render
from matderiv.rules import sources as _sources
from matderiv.rules import verify as _verify
from matderiv.rules.concordance import COOKBOOK_EQUATIONS, CookbookEntry, WikipediaRow
from matderiv.rules.model import LayoutName
from matderiv.rules.verify import Verification

__all__ = [
    "COOKBOOK_EQUATIONS",
    "CookbookEntry",
    "LayoutName",
    "Omitted",
    "Rule",
    "SourceCheck",
    "Verification",
    "WikipediaRow",
    "aliases",
    "assumption_kinds",
    "citations",
    "conditional",
    "cookbook",
    "derivative_latex",
    "derivative_latex_of",
    "expr_latex",
    "families",
    "layouts",
    "linear_map_latex",
    "misprinted",
    "omitted",
    "out_shape",
    "rules",
    "source_check",
    "verify",
    "wikipedia_rows",
]


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
    return (
        rule.source_form is None
        and rule.note is not None
        and re.search(r"\b(prints|printed|misprint|typo)\b", rule.note, re.IGNORECASE) is not None
    )


def conditional(rule: Rule) -> bool:
    """Whether the rule's note restricts when it holds."""
    return rule.conditional


def omitted() -> tuple[Omitted, ...]:
    """Rows of the sources the catalog leaves out (``source``, ``row``, ``reason``)."""
    return _rules.omitted()


def layouts(rule: Rule) -> tuple[LayoutName, ...]:
    """The layouts the rule's derivative can be written in."""
    return _render.layouts_of(rule)


def derivative_latex(rule: Rule, layout: LayoutName) -> str:
    """The stated derivative in `layout`, printed by matderiv's LaTeX printer."""
    return _render.rule_latex(rule, layout)


def expr_latex(rule: Rule) -> str:
    """f, printed by matderiv's LaTeX printer."""
    return _render.text_latex(rule, "expr")


def linear_map_latex(rule: Rule) -> str | None:
    """The differential as a function of the direction, or ``None`` if not stated."""
    if rule.linear_map is None:
        return None
    return _render.text_latex(rule, "linear_map")


def derivative_latex_of(rule: Rule, text: str) -> str:
    """A formula in the rule's names (a source's printed form), by matderiv's printer."""
    return _render.text_latex(rule, "derivative", text)


def out_shape(rule: Rule) -> tuple[str, ...]:
    """The symbolic shape of f (dimension names; products such as ``m*n``)."""
    return tuple(str(d) for d in _verify.rule_out_shape(rule))


def aliases(rule: Rule) -> tuple[str, ...]:
    """The names a reader looks the identity up by ("log det", "Cookbook 57")."""
    return rule.aliases


def citations(rule: Rule) -> tuple[tuple[str, str], ...]:
    """The rule's references as (cited document: authors, title, edition; place in it)."""
    table = _sources.sources()
    out = []
    for ref in rule.refs:
        key, where = _sources.split_ref(ref)
        out.append((table[key].citation, where))
    return tuple(out)


def cookbook() -> dict[int, CookbookEntry]:
    """Matrix Cookbook eqs. 33-144 by number: statement, status, rules and reason."""
    return _concordance.cookbook()


def wikipedia_rows() -> tuple[WikipediaRow, ...]:
    """The rows of Wikipedia's identity tables: the rules stating each, or why none does."""
    return _concordance.wikipedia_rows()


def assumption_kinds() -> dict[str, str]:
    """The assumptions a rule may declare, and what each means."""
    return {name: a.meaning for name, a in _assumptions.TABLE.items()}
