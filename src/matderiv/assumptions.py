"""The assumptions a name may carry: one stanza each, read by every part of matderiv.

A stanza says what the assumption means, what it implies, whether it needs a square matrix,
whether the symbolic engine uses it (``assume=`` of
:func:`matderiv.derive <matderiv.symbolic.derive>`) or it only steers the random inputs of a
check, and how those inputs are drawn.  The parser
(``matderiv.expr.context``), the catalog loader (``matderiv.rules.loader``) and the one
sampler of random inputs (:mod:`matderiv.sampling`) all read this table; a test fails when the
sampler lacks a draw for a stanza.  The module imports neither numpy nor SymPy.

Examples
--------
>>> TABLE["spd"].implies
('symmetric', 'invertible')
>>> sorted(ASSUMPTIONS)  # what ``assume=`` understands
['invertible', 'onehot_columns', 'onehot_rows', 'positive', 'spd', 'symmetric']
>>> implied({"spd"}) == {"spd", "symmetric", "invertible"}
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeGuard, get_args

__all__ = [
    "ASSUMPTIONS",
    "CONFLICTS",
    "IMPLIED",
    "TABLE",
    "Assumption",
    "AssumptionName",
    "implied",
    "is_assumption",
    "refused_combination",
]

#: The names of the assumptions.
AssumptionName = Literal[
    "symmetric",
    "spd",
    "invertible",
    "positive",
    "diagonal",
    "orthogonal",
    "onehot_columns",
    "onehot_rows",
]


@dataclass(frozen=True)
class Assumption:
    """What one assumption on a name means, implies and how random inputs satisfy it.

    Attributes
    ----------
    name
        The name written in ``assume=`` or in a catalog entry.
    meaning
        What it says about the value (and, for the engine's assumptions, what the engine does
        with it).
    sampling
        How the random inputs of a check are drawn (R a standard Gaussian array of the
        shape, n its number of rows).
    implies
        Assumptions that follow from this one.
    square
        Whether it needs a square matrix.
    symbolic
        Whether the symbolic engine reads it; the others only steer random inputs (and the
        subspace a catalog rule differentiates on).
    """

    name: AssumptionName
    meaning: str
    sampling: str
    implies: tuple[AssumptionName, ...] = ()
    square: bool = False
    symbolic: bool = True


#: Every assumption, by name, in the order the book lists them.
TABLE: Mapping[str, Assumption] = {
    a.name: a
    for a in (
        Assumption(
            "symmetric",
            "X == X.T (the gradient is symmetrised, transposes of X simplify to X)",
            "(R + Rᵀ)/2 (when also invertible: scaled by 1/√n, shifted by 2I and redrawn "
            "until det > 0 and cond < 1000)",
            square=True,
        ),
        Assumption(
            "spd",
            "symmetric positive definite (also symmetric and invertible)",
            "RRᵀ/n + 2I",
            implies=("symmetric", "invertible"),
            square=True,
        ),
        Assumption(
            "invertible",
            "square and nonsingular (random inputs are well conditioned)",
            "R/√n + 2I, redrawn until det > 0 and cond < 1000",
            square=True,
        ),
        Assumption(
            "positive",
            "every entry > 0 (the domain of log and sqrt)",
            "every entry uniform in [0.5, 2]; with symmetric or spd the symmetric part "
            "(B + Bᵀ)/2 of such a B; with spd or invertible also shifted by 2nI (diagonally "
            "dominant, so positive definite when symmetric and det > 0 otherwise)",
        ),
        Assumption(
            "onehot_columns",
            "each column is one-hot (entries 0 or 1, one 1 per column: the labels of a batch "
            "with samples as columns), so Y.sum(axis=0) is a row of ones",
            "for each column, the column of the identity of a random class",
        ),
        Assumption(
            "onehot_rows",
            "each row is one-hot (entries 0 or 1, one 1 per row: the labels of a batch with "
            "samples as rows), so Y.sum(axis=1) is a column of ones",
            "for each row, the row of the identity of a random class",
        ),
        Assumption(
            "diagonal",
            "zero off the diagonal",
            "a diagonal uniform in [0.5, 2]",
            square=True,
            symbolic=False,
        ),
        Assumption(
            "orthogonal",
            "QᵀQ = I",
            "the Q factor of R",
            square=True,
            symbolic=False,
        ),
    )
}

#: The assumptions the symbolic engine understands (``assume=``), and what each means.
ASSUMPTIONS: Mapping[str, str] = {a.name: a.meaning for a in TABLE.values() if a.symbolic}


def is_assumption(name: object) -> TypeGuard[AssumptionName]:
    """Whether `name` is one of the assumptions of :data:`TABLE`.

    >>> is_assumption("spd"), is_assumption("unitary")
    (True, False)
    """
    return isinstance(name, str) and name in TABLE


def implied(names: Iterable[str]) -> frozenset[str]:
    """`names` and every assumption they imply.

    >>> sorted(implied(["spd", "positive"]))
    ['invertible', 'positive', 'spd', 'symmetric']
    """
    out = set(names)
    todo = list(out)
    while todo:
        stanza = TABLE.get(todo.pop())
        for more in stanza.implies if stanza is not None else ():
            if more not in out:
                out.add(more)
                todo.append(more)
    return frozenset(out)


#: Pairs of assumptions no array satisfies together, or that no draw of :mod:`matderiv.sampling`
#: produces, with the reason; a declaration holding both is refused (:func:`refused_combination`).
CONFLICTS: Mapping[frozenset[str], str] = {
    frozenset({"diagonal", "positive"}): "a diagonal matrix has zero entries off the diagonal, "
    "so not every entry is > 0",
    frozenset({"orthogonal", "positive"}): "an orthogonal matrix with every entry > 0 exists "
    "only for n = 1",
    frozenset({"orthogonal", "spd"}): "the only spd orthogonal matrix is the identity",
    frozenset({"orthogonal", "symmetric"}): "random symmetric orthogonal matrices (reflections) "
    "are not drawn",
    frozenset({"orthogonal", "diagonal"}): "a diagonal orthogonal matrix has entries ±1 only",
    **{
        frozenset({label, other}): "one-hot labels are drawn with no other structure"
        for label in ("onehot_columns", "onehot_rows")
        for other in get_args(AssumptionName)
        if other != label
    },
}


def refused_combination(names: Iterable[str]) -> str | None:
    """Why the assumptions `names` cannot be declared together, or ``None`` when they can.

    >>> refused_combination(["spd", "positive"]) is None
    True
    >>> print(refused_combination(["diagonal", "positive"]).split(":")[0])
    diagonal and positive cannot be combined
    """
    facts = implied(names)
    for pair, reason in CONFLICTS.items():
        if pair <= facts:
            return f"{' and '.join(sorted(pair))} cannot be combined: {reason}"
    return None


#: What each assumption implies besides itself (``spd`` -> symmetric and invertible).
IMPLIED: Mapping[str, frozenset[str]] = {
    name: implied([name]) - {name} for name in TABLE if implied([name]) != {name}
}
