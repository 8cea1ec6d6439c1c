"""The records of the catalog: :class:`Rule` (an identity), :class:`Omitted` (a row left out).

A rule is data: an expression of the language, the variable, the shapes and assumptions,
and the stated derivative in one or more representations, all as text.  The methods only
delegate to :mod:`matderiv.rules.verify` (the checks) and :mod:`matderiv.rules.render`
(LaTeX and numpy source).

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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matderiv.layout import Layout
    from matderiv.numeric.check import CheckResult
    from matderiv.rules.verify import Verification

__all__ = ["ASSUMPTIONS", "FAMILIES", "LANGUAGE_PENDING", "Omitted", "Rule"]

#: The families of the catalog, in the order of the book.  Each data file holds one.
FAMILIES: tuple[str, ...] = (
    "scalar-by-scalar",
    "scalar-by-vector",
    "vector-by-scalar",
    "vector-by-vector",
    "scalar-by-matrix",
    "matrix-by-scalar",
    "matrix-by-matrix",
    "second-order",
    "differential",
)

#: The assumptions a rule may declare on a name, and how random inputs satisfy them.
ASSUMPTIONS: dict[str, str] = {
    "symmetric": "X = Xᵀ (sampled as (R + Rᵀ)/2)",
    "spd": "symmetric positive definite (sampled as RRᵀ/n + 2I)",
    "invertible": "square, nonsingular and well conditioned, det > 0 (sampled as R/√n + 2I)",
    "positive": "every entry > 0 (sampled uniformly in [0.5, 2])",
    "diagonal": "zero off the diagonal (sampled with a positive diagonal)",
    "orthogonal": "QᵀQ = I (sampled as the Q factor of a Gaussian matrix)",
}

#: Functions the catalog may use that the expression language does not have yet.  A rule
#: lists the ones it needs in ``requires``; a field that calls one of them is *pending* until
#: the language has it, and is reported as such.  (``kron``, ``commutation`` and ``vec`` were
#: here until the language gained them.)
LANGUAGE_PENDING: tuple[str, ...] = ("abs",)


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
        Name -> assumptions (see :data:`~matderiv.rules.model.ASSUMPTIONS`).
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
        Functions from :data:`~matderiv.rules.model.LANGUAGE_PENDING` the rule uses.
    file
        The data file the rule came from.
    pending
        The fields that cannot be evaluated until the language has the functions they call.
    """

    id: str
    title: str
    family: str
    expr: str
    wrt: str
    shapes: Mapping[str, tuple[str | int, ...]]
    differential: str
    refs: tuple[str, ...]
    assume: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    derivative: str | None = None
    derivative_vec: str | None = None
    linear_map: str | None = None
    source_form: str | None = None
    note: str | None = None
    sizes: tuple[Mapping[str, int], ...] = ()
    requires: tuple[str, ...] = ()
    file: str = ""
    pending: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def citations(self) -> tuple[str, ...]:
        """The references as a reader sees them: authors, title, edition, place.

        >>> from matderiv import rules
        >>> print(rules.get("sm-logdet").citations[1])  # doctest: +NORMALIZE_WHITESPACE
        Kaare Brandt Petersen and Michael Syskind Pedersen, The Matrix Cookbook
        (version of November 15, 2012), eq. 57
        """
        from matderiv.rules.sources import cite

        return tuple(cite(ref) for ref in self.refs)

    @property
    def disputed(self) -> bool:
        """Whether a source states this identity differently (it has a `source_form`)."""
        return self.source_form is not None

    @property
    def conditional(self) -> bool:
        """Whether the note restricts when the identity holds."""
        return self.note is not None and self.note.lower().startswith("conditional")

    def verify(self, instances: int = 3, seed: int = 0) -> CheckResult:
        """Check the stated derivative against finite differences.

        Every stated form (mixed array, vec matrix, linear map) is checked at `instances`
        random inputs that satisfy the assumptions, at several sizes.

        Returns
        -------
        CheckResult
            The worst check (the first failing one, else the largest relative error).

        Examples
        --------
        >>> from matderiv import rules
        >>> bool(rules.get("sm-logdet").verify())
        True
        """
        from matderiv.rules.verify import numeric_check

        return numeric_check(self, instances=instances, seed=seed)

    def verification(self, instances: int = 3, seed: int = 0) -> Verification:
        """All three checks: finite differences, ``derive()``, and the layout round trips.

        Examples
        --------
        >>> from matderiv import rules
        >>> rules.get("vv-linear-Ax").verification().layouts_ok
        True
        """
        from matderiv.rules.verify import verify_rule

        return verify_rule(self, instances=instances, seed=seed)

    def latex(self, layout: Layout | str = "mixed") -> str:
        """The stated derivative in LaTeX, written in `layout`.

        Parameters
        ----------
        layout
            ``"mixed"``, ``"numerator"``, ``"denominator"`` or ``"vec"``.

        Returns
        -------
        str
            The LaTeX of the derivative (without ``$`` delimiters).

        Raises
        ------
        ShapeError
            If the layout does not exist for the rule's kinds (numerator layout of a
            matrix-by-matrix derivative, for instance); the message names the ones that do.

        Examples
        --------
        >>> from matderiv import rules
        >>> rules.get("vv-linear-Ax").latex("denominator")
        'A^{T}'
        """
        from matderiv.rules.render import rule_latex

        return rule_latex(self, layout)

    def numpy_source(self) -> str:
        """Self-contained numpy source of the stated derivative (a copy-paste snippet).

        Examples
        --------
        >>> from matderiv import rules
        >>> print(rules.get("sv-quadratic-form").numpy_source())
        import numpy as np
        ...
        """
        from matderiv.rules.render import rule_numpy_source

        return rule_numpy_source(self)


@dataclass(frozen=True)
class Omitted:
    """A row of a source that the catalog does not state, with the reason."""

    source: str
    row: str
    reason: str
