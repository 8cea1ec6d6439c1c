"""The rules catalog: verified matrix-calculus identities, as data.

Every identity of Wikipedia's "Matrix calculus" tables and of the Matrix Cookbook's
chapter 2 that the expression language can state, plus the identities of four sets of course
notes on matrix calculus (MIT 6.390, Sharif CE40282, MIT 18.S096, a machine-learning
cheatsheet), one TOML file per family under ``matderiv/rules/data``.  Each rule states its
derivative in the mixed layout (and as a vec matrix or a linear map where the mixed array has
more than two axes) and is checked three ways by
:func:`matderiv.rules.verify.verify_rule`: against finite differences, against
:func:`matderiv.derive <matderiv.symbolic.derive>`, and across layouts.
:mod:`matderiv.rules.render` writes a rule in LaTeX (in each layout) and as numpy source.

This module only looks rules up (it does not import the checks).

Examples
--------
>>> from matderiv import rules
>>> rule = rules.get("sm-logdet")
>>> rule.derivative
'inv(X).T'
>>> from matderiv.rules.verify import verify_rule
>>> verify_rule(rule).passed
True
>>> [r.id for r in rules.search("log det")][:3]
['ss-logdet', 'sm-logdet-XtX', 'sm-logdet']
"""

from __future__ import annotations

import difflib
from functools import lru_cache

from matderiv.errors import CatalogError
from matderiv.rules.loader import DATA_DIR, Catalog, load_catalog
from matderiv.rules.model import FAMILIES, FORMS, Family, Form, Omitted, Rule, is_family

__all__ = [
    "DATA_DIR",
    "FAMILIES",
    "FORMS",
    "Family",
    "Form",
    "Omitted",
    "Rule",
    "catalog",
    "family",
    "get",
    "is_family",
    "omitted",
    "search",
]


@lru_cache(maxsize=1)
def _loaded() -> Catalog:
    return load_catalog(DATA_DIR)


def catalog() -> tuple[Rule, ...]:
    """Every rule, in book order (by family, then as in the data files).

    The data files are read and validated once per process.

    Examples
    --------
    >>> from matderiv import rules
    >>> len(rules.catalog()) >= 200
    True
    """
    return _loaded().rules


def get(rule_id: str) -> Rule:
    """The rule with this id.

    Raises
    ------
    CatalogError
        If no rule has that id (the message suggests close ids).

    Examples
    --------
    >>> from matderiv import rules
    >>> rules.get("sm-det").derivative
    'det(X) * inv(X).T'
    """
    found = _loaded().by_id.get(rule_id)
    if found is None:
        close = difflib.get_close_matches(rule_id, list(_loaded().by_id), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see rules.catalog() for the ids"
        raise CatalogError(f"no rule has the id {rule_id!r}; {hint}")
    return found


def family(name: str) -> tuple[Rule, ...]:
    """The rules of one family.

    Raises
    ------
    CatalogError
        If `name` is not one of :data:`~matderiv.rules.model.FAMILIES`.

    Examples
    --------
    >>> from matderiv import rules
    >>> {r.family for r in rules.family("differential")}
    {'differential'}
    """
    if not is_family(name):
        raise CatalogError(f"unknown family {name!r}; use one of {', '.join(FAMILIES)}")
    return tuple(r for r in catalog() if r.family == name)


def _haystack(rule: Rule) -> str:
    parts = [
        rule.id,
        rule.title,
        rule.family,
        rule.expr,
        rule.derivative or "",
        rule.derivative_vec or "",
        rule.linear_map or "",
        rule.note or "",
        *rule.refs,
        *rule.aliases,
    ]
    text = " ".join(parts).lower()
    # words a reader searches for that the notation hides
    synonyms = {
        "det(": "determinant",
        "logdet": "log det determinant",
        "inv(": "inverse",
        "trace": "trace",
        "kron": "kronecker",
        "norm": "norm",
        "@": "product",
        "outer": "outer product",
    }
    extra = [word for key, word in synonyms.items() if key in text]
    return text + " " + " ".join(extra)


def search(text: str) -> tuple[Rule, ...]:
    """Rules whose id, title, formulas, notes or references contain every word of `text`.

    Matching is case-insensitive; "log det", "determinant", "Kronecker", "trace" work.

    Examples
    --------
    >>> from matderiv import rules
    >>> "sm-det" in [r.id for r in rules.search("determinant")]
    True
    >>> rules.search("no such identity")
    ()
    """
    words = text.lower().split()
    return tuple(r for r in catalog() if all(w in _haystack(r) for w in words))


def omitted() -> tuple[Omitted, ...]:
    """The rows of the sources the catalog leaves out, with the reason for each.

    Examples
    --------
    >>> from matderiv import rules
    >>> any("complex" in o.reason for o in rules.omitted())
    True
    """
    return _loaded().omitted
