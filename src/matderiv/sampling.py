"""The one sampler of random inputs, and the projection onto a structured variable.

Every numeric check draws its inputs here: ``Derivative.check`` (through
``matderiv.symbolic.inputs.random_inputs``) and the catalog's verification (through
:func:`matderiv.rules.instances.instance`).  How each assumption of
:data:`matderiv.assumptions.TABLE` is satisfied is one entry of :data:`DRAWS`; the stanza's
``sampling`` text describes it.

Examples
--------
>>> import numpy as np
>>> S = sample((3, 3), ("spd",), np.random.default_rng(0))
>>> bool(np.allclose(S, S.T)) and bool(np.all(np.linalg.eigvalsh(S) > 1))
True
>>> P = projection(("symmetric",))
>>> P(np.array([[1.0, 2.0], [0.0, 1.0]]))
array([[1., 1.],
       [1., 1.]])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from matderiv.assumptions import TABLE, implied, refused_combination

__all__ = [
    "DRAWS",
    "MAX_COND",
    "MAX_VALUE_COND",
    "SIZES",
    "VALUE_CHECKS",
    "VALUE_RTOL",
    "assumption_violation",
    "projection",
    "sample",
    "symmetrize",
]

FloatArray = npt.NDArray[np.float64]
Shape = tuple[int, ...]
Facts = frozenset[str]
#: A draw takes (shape, generator, every assumption of the array) and returns the array.
Draw = Callable[[Shape, np.random.Generator, Facts], FloatArray]

#: Sizes given to the 1st, 2nd, ... dimension name of a check (distinct, none equal to 1).
SIZES: tuple[int, ...] = (3, 4, 2, 5, 6, 7)

#: An invertible draw is redrawn until its condition number is below this (and det > 0).
MAX_COND = 1000.0


def symmetrize(V: Any) -> Any:
    """``sym(V) = (V + Vᵀ)/2`` over the last two axes: the one symmetric projection.

    >>> symmetrize(np.array([[0.0, 2.0], [0.0, 0.0]]))
    array([[0., 1.],
           [1., 0.]])
    """
    return (V + np.swapaxes(V, -1, -2)) / 2.0


def _diagonal_part(V: Any) -> Any:
    return V * np.eye(np.shape(V)[-1])


def _positive(shape: Shape, rng: np.random.Generator, facts: Facts) -> FloatArray:
    """Entries > 0, and with them every other (combinable) assumption of `facts`.

    The symmetric part of a positive matrix is positive; a shift by ``2n I`` makes a matrix
    with entries in [0.5, 2] strictly diagonally dominant (off-diagonal row sums < 2n), hence
    positive definite when symmetric (Gershgorin) and of positive determinant otherwise, with
    a condition number of about n at most.
    """
    value: FloatArray = rng.uniform(0.5, 2.0, size=shape)
    if len(shape) != 2:
        return value
    if facts & {"symmetric", "spd"}:
        value = symmetrize(value)
    if facts & {"spd", "invertible"}:
        value = value + 2.0 * shape[0] * np.eye(shape[0])
    return value


def _spd(shape: Shape, rng: np.random.Generator, facts: Facts) -> FloatArray:
    n = shape[0]
    R = rng.standard_normal(shape)
    return R @ R.T / n + 2.0 * np.eye(n)


def _orthogonal(shape: Shape, rng: np.random.Generator, facts: Facts) -> FloatArray:
    Q: FloatArray = np.linalg.qr(rng.standard_normal(shape))[0]
    return Q


def _diagonal(shape: Shape, rng: np.random.Generator, facts: Facts) -> FloatArray:
    return np.diag(rng.uniform(0.5, 2.0, size=shape[0]))


def _well_conditioned(draw: Callable[[], FloatArray]) -> FloatArray:
    """The first of `draw`'s matrices with det > 0 and condition number below :data:`MAX_COND`."""
    for _ in range(1000):
        A = draw()
        if np.linalg.det(A) > 0 and np.linalg.cond(A) < MAX_COND:
            return A
    raise ValueError("no well-conditioned matrix in 1000 draws")  # pragma: no cover


def _symmetric(shape: Shape, rng: np.random.Generator, facts: Facts) -> FloatArray:
    if "invertible" in facts:
        n = shape[0]
        return _well_conditioned(
            lambda: symmetrize(rng.standard_normal(shape)) / np.sqrt(n) + 2.0 * np.eye(n)
        )
    S: FloatArray = symmetrize(rng.standard_normal(shape))
    return S


def _invertible(shape: Shape, rng: np.random.Generator, facts: Facts) -> FloatArray:
    n = shape[0]
    return _well_conditioned(lambda: rng.standard_normal(shape) / np.sqrt(n) + 2.0 * np.eye(n))


def _onehot_columns(shape: Shape, rng: np.random.Generator, facts: Facts) -> FloatArray:
    classes = shape[0]
    count = shape[1] if len(shape) == 2 else 1
    value: FloatArray = np.eye(classes)[:, rng.integers(0, classes, count)]
    return value.reshape(shape)


def _onehot_rows(shape: Shape, rng: np.random.Generator, facts: Facts) -> FloatArray:
    classes = shape[-1]
    count = shape[0] if len(shape) == 2 else 1
    value: FloatArray = np.eye(classes)[rng.integers(0, classes, count)]
    return value.reshape(shape)


#: How an array satisfying each assumption is drawn, in order of precedence (the first
#: assumption of the array, with those it implies, in this order draws it).
DRAWS: dict[str, Draw] = {
    "diagonal": _diagonal,  # a positive diagonal is also symmetric, spd and invertible
    "positive": _positive,
    "spd": _spd,
    "orthogonal": _orthogonal,
    "symmetric": _symmetric,
    "invertible": _invertible,
    "onehot_columns": _onehot_columns,
    "onehot_rows": _onehot_rows,
}


def sample(
    shape: tuple[int, ...], assumptions: Iterable[str], rng: np.random.Generator
) -> FloatArray:
    """One random float64 array of `shape` that satisfies `assumptions`.

    Without assumptions: a scalar uniform in [-0.3, 0.3] (inside the domain of every
    function of the language), a standard Gaussian vector or matrix.

    Parameters
    ----------
    shape
        ``()``, ``(n,)`` or ``(m, n)``; a structured assumption (see
        :attr:`matderiv.assumptions.Assumption.square`) needs ``(n, n)``.
    assumptions
        Names of :data:`matderiv.assumptions.TABLE` (implied ones are added).
    rng
        The generator (``np.random.default_rng(seed)``).

    Returns
    -------
    numpy.ndarray
        A float64 array of `shape`.

    Raises
    ------
    ValueError
        An unknown assumption, a structured one on a shape that is not square, or a
        combination that :func:`matderiv.assumptions.refused_combination` refuses.

    Examples
    --------
    >>> x = sample((4,), ["positive"], np.random.default_rng(1))
    >>> bool((x >= 0.5).all())
    True
    """
    facts = implied(assumptions)
    unknown = sorted(facts - set(DRAWS))
    if unknown:
        raise ValueError(f"no way to draw {', '.join(unknown)}; known: {', '.join(DRAWS)}")
    refused = refused_combination(facts)
    if refused is not None:
        raise ValueError(refused)
    if not shape:
        low = 0.5 if "positive" in facts else -0.3
        high = 2.0 if "positive" in facts else 0.3
        return np.asarray(rng.uniform(low, high), dtype=np.float64)
    for name, draw in DRAWS.items():
        if name not in facts:
            continue
        if TABLE[name].square and (len(shape) != 2 or shape[0] != shape[1]):
            raise ValueError(f"{name!r} needs a square matrix, not shape {shape}")
        return np.asarray(draw(shape, rng, facts), dtype=np.float64)
    return rng.standard_normal(shape)


def projection(assumptions: Iterable[str]) -> Callable[[Any], Any] | None:
    """The projection onto the structured matrices a variable ranges over, if it has one.

    A gradient with respect to a symmetric (or diagonal) matrix is a gradient on that
    subspace with the Frobenius inner product: the projection of the unconstrained gradient,
    ``sym(G) = (G + Gᵀ)/2`` (or ``G ∘ I``).  Differentiating ``f(P(V))`` numerically gives it.

    >>> projection(["spd"]) is symmetrize, projection(["positive"])
    (True, None)
    """
    facts = implied(assumptions)
    if "symmetric" in facts:
        return symmetrize
    if "diagonal" in facts:
        return _diagonal_part
    return None


#: The relative tolerance of the structural value checks, ``‖A − Aᵀ‖ ≤ VALUE_RTOL·‖A‖`` (Frobenius)
#: for symmetric, ``‖QᵀQ − I‖ ≤ VALUE_RTOL·n`` for orthogonal, off-diagonal mass for diagonal.
VALUE_RTOL = 1e-8

#: A value assumed invertible must have a finite condition number below this.
MAX_VALUE_COND = 1e12


def _fro(V: Any) -> float:
    return float(np.linalg.norm(V))


def _check_symmetric(V: FloatArray) -> str | None:
    gap = _fro(V - V.T)
    if gap <= VALUE_RTOL * _fro(V):
        return None
    return f"‖A − Aᵀ‖ = {gap:.3g} > {VALUE_RTOL:g}·‖A‖ = {VALUE_RTOL * _fro(V):.3g}"


def _check_spd(V: FloatArray) -> str | None:
    try:
        np.linalg.cholesky(symmetrize(V))
    except np.linalg.LinAlgError:
        return "the Cholesky factorisation fails (an eigenvalue is <= 0)"
    return None


def _check_invertible(V: FloatArray) -> str | None:
    cond = float(np.linalg.cond(V)) if np.all(np.isfinite(V)) else float("inf")
    return None if cond < MAX_VALUE_COND else f"cond = {cond:.3g} >= {MAX_VALUE_COND:g}"


def _check_positive(V: FloatArray) -> str | None:
    if np.all(V > 0):
        return None
    return f"{int(np.sum(~(V > 0)))} entries are not > 0 (smallest {np.min(V):.3g})"


def _check_diagonal(V: FloatArray) -> str | None:
    off = _fro(V - _diagonal_part(V))
    return None if off <= VALUE_RTOL * _fro(V) else f"off-diagonal norm {off:.3g}"


def _check_orthogonal(V: FloatArray) -> str | None:
    gap = _fro(V.T @ V - np.eye(V.shape[0]))
    return None if gap <= VALUE_RTOL * V.shape[0] else f"‖QᵀQ − I‖ = {gap:.3g}"


def _check_onehot(V: FloatArray, axis: int) -> str | None:
    if V.ndim == 1:
        axis = 0
    if not np.all((V == 0) | (V == 1)):
        return "an entry is neither 0 nor 1"
    bad = int(np.sum(V.sum(axis=axis) != 1))
    return None if not bad else f"{bad} {('columns', 'rows')[axis]} do not hold exactly one 1"


#: How a value is checked against each assumption (``Derivative.evaluate``); each returns
#: ``None`` when the value satisfies it, else what is wrong.
VALUE_CHECKS: dict[str, Callable[[FloatArray], str | None]] = {
    "symmetric": _check_symmetric,
    "spd": _check_spd,
    "invertible": _check_invertible,
    "positive": _check_positive,
    "diagonal": _check_diagonal,
    "orthogonal": _check_orthogonal,
    "onehot_columns": lambda V: _check_onehot(V, 0),
    "onehot_rows": lambda V: _check_onehot(V, 1),
}


def assumption_violation(value: Any, assumptions: Iterable[str]) -> str | None:
    """Which of `assumptions` `value` breaks, and how, or ``None`` when it satisfies them all.

    A value that is not a real array of a fitting shape is left to the caller's shape check.

    >>> print(assumption_violation(np.array([[1.0, 2.0], [0.0, 1.0]]), ["symmetric"]))
    symmetric, but ‖A − Aᵀ‖ = 2.83 > 1e-08·‖A‖ = 2.45e-08
    >>> assumption_violation(np.eye(2), ["spd"]) is None
    True
    """
    try:
        V = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    facts = implied(assumptions)
    for name, check in VALUE_CHECKS.items():
        if name not in facts or (TABLE[name].square and (V.ndim != 2 or V.shape[0] != V.shape[1])):
            continue
        problem = check(V)
        if problem is not None:
            return f"{name}, but {problem}"
    return None
