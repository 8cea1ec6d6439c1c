"""The records of the catalog: :class:`Rule` (an identity), :class:`Omitted` (a row left out).

A rule is plain data: an expression of the language, the variable, the shapes and
assumptions, and the stated derivative in one or more representations, all as text.  What is
done with a rule are functions that take one: :func:`matderiv.rules.verify.verify_rule` (the
checks), :func:`matderiv.rules.render.rule_latex` and
:func:`matderiv.rules.render.rule_numpy_source` (how it is shown).

Examples
--------
>>> from matderiv import rules
>>> rule = rules.get("sm-trace-AXB")
>>> rule.family, rule.expr, rule.derivative
('scalar-by-matrix', 'trace(A @ X @ B)', 'A.T @ B.T')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeGuard, get_args

from matderiv.assumptions import AssumptionName
from matderiv.rules.sources import cite

__all__ = [
    "FAMILIES",
    "FORMS",
    "LAYOUTS",
    "Family",
    "Field",
    "Form",
    "LayoutName",
    "Omitted",
    "Rule",
    "is_family",
]

#: The families of the catalog, in the order of the book.  Each data file holds one.
Family = Literal[
    "scalar-by-scalar",
    "scalar-by-vector",
    "vector-by-scalar",
    "vector-by-vector",
    "scalar-by-matrix",
    "matrix-by-scalar",
    "matrix-by-matrix",
    "second-order",
    "differential",
    "matrix-functions",
]
FAMILIES: tuple[Family, ...] = get_args(Family)

#: The forms a rule may state its derivative in (the mixed-layout array, the vec
#: (Kronecker) matrix, the differential as a linear map of the direction).
Form = Literal["derivative", "derivative_vec", "linear_map"]
FORMS: tuple[Form, ...] = get_args(Form)

#: The fields of a rule written in the expression language (the expression, the stated forms,
#: and the formula a source prints for a disputed rule).
Field = Literal["expr", "derivative", "derivative_vec", "linear_map", "source_form"]

#: The layouts a rule's derivative is written in (mixed, numerator and denominator, and the
#: vec or Kronecker matrix).
LayoutName = Literal["mixed", "numerator", "denominator", "vec"]
LAYOUTS: tuple[LayoutName, ...] = get_args(LayoutName)


def is_family(name: object) -> TypeGuard[Family]:
    """Whether `name` is one of :data:`~matderiv.rules.model.FAMILIES`.

    >>> is_family("second-order"), is_family("tensor-by-tensor")
    (True, False)
    """
    return name in FAMILIES


@dataclass(frozen=True)
class Rule:
    """One identity of the catalog.

    Attributes
    ----------
    id
        Stable slug, the anchor of the identity in the book (``sm-logdet``).
    title
        One line naming the identity.
    family
        One of :data:`~matderiv.rules.model.FAMILIES`.
    expr, wrt
        The expression (language text) and the name it is differentiated by.
    shapes
        Name -> shape of dimension names (``()`` scalar, ``("n",)`` vector, ``("m", "n")`` matrix).
    assume
        Name -> assumptions (see :data:`matderiv.assumptions.TABLE`).
    derivative
        The stated derivative in MIXED layout, as language text (``None`` when the mixed
        array has more than two axes); for the second-order family, the second derivative.
    derivative_vec
        The vec (Kronecker) matrix ``J`` with ``vec(df) = J vec(dX)``; for a scalar function of a
        matrix in the second-order family, the Hessian of ``f(vec X)``.
    linear_map
        The differential as language text in the direction ``d<wrt>`` (``dX @ X + X @ dX``).
    source_form
        The formula a source prints when it differs from the stated one (disputed rules).
    differential
        The differential in LaTeX.
    refs
        Sources as ``"key"`` or ``"key: where"``, keys of ``data/sources.toml`` (see
        :attr:`citations` for the text a reader sees).
    aliases
        The names a reader types when looking for the identity ("log det", "Cookbook 57").
    note
        Why a rule is conditional or disputed, or how a generic row was instantiated.
    sizes
        Explicit dimension sizes for the random instances (default: several non-square sizes).
    requires
        Functions of the language the rule relies on (documentation; each must exist).
    file
        The data file the rule came from.
    """

    id: str
    title: str
    family: Family
    expr: str
    wrt: str
    shapes: Mapping[str, tuple[str | int, ...]]
    differential: str
    refs: tuple[str, ...]
    assume: Mapping[str, tuple[AssumptionName, ...]] = field(default_factory=dict)
    derivative: str | None = None
    derivative_vec: str | None = None
    linear_map: str | None = None
    source_form: str | None = None
    note: str | None = None
    sizes: tuple[Mapping[str, int], ...] = ()
    requires: tuple[str, ...] = ()
    file: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def citations(self) -> tuple[str, ...]:
        """Each reference as a reader sees it (authors, title, edition, place).

        Examples
        --------
        >>> from matderiv import rules
        >>> print(rules.get("sm-logdet").citations[1])  # doctest: +NORMALIZE_WHITESPACE
        Kaare Brandt Petersen and Michael Syskind Pedersen, The Matrix Cookbook
        (version of November 15, 2012), eq. 57
        """
        return tuple(cite(ref) for ref in self.refs)

    @property
    def disputed(self) -> bool:
        """Whether a source states this identity differently (it has a `source_form`)."""
        return self.source_form is not None

    @property
    def conditional(self) -> bool:
        """Whether the note restricts when the identity holds."""
        return self.note is not None and self.note.lower().startswith("conditional")

    @property
    def forms(self) -> tuple[Form, ...]:
        """The stated forms of the derivative, in the order of
        :data:`~matderiv.rules.model.FORMS`.

        >>> from matderiv import rules
        >>> rules.get("mm-AXB").forms
        ('derivative_vec', 'linear_map')
        """
        return tuple(form for form in FORMS if getattr(self, form) is not None)


@dataclass(frozen=True)
class Omitted:
    """A row of a source that the catalog does not state, with the reason."""

    source: str
    row: str
    reason: str
