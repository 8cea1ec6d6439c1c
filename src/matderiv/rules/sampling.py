"""Random inputs that satisfy a rule's assumptions, at several sizes.

Every rule is checked at a few instances; instance ``k`` of a rule has its own seed (from the
rule id), its own sizes (``sizes`` of the entry, or distinct sizes per dimension name so that
matrices are non-square wherever the identity allows), and inputs drawn to satisfy ``assume``.

Examples
--------
>>> from matderiv import rules
>>> from matderiv.rules.sampling import instance
>>> dims, arrays = instance(rules.get("sm-trace-AXB"), 0)
>>> dims
{'p': 3, 'm': 4, 'n': 2}
>>> arrays["X"].shape
(4, 2)
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from matderiv.rules.model import Rule

__all__ = ["BASE_SIZES", "instance", "instance_dims", "projection", "sample"]

FloatArray = npt.NDArray[np.float64]

#: Sizes of the 1st, 2nd, ... dimension name of a rule at instance 0; instance k adds k.
BASE_SIZES: tuple[int, ...] = (3, 4, 2, 5, 6, 7)


def instance_dims(rule: Rule, k: int) -> dict[str, int]:
    """Dimension sizes of instance `k` of `rule`."""
    if rule.sizes:
        return dict(rule.sizes[k % len(rule.sizes)])
    names: list[str] = []
    for shape in rule.shapes.values():
        for dim in shape:
            if isinstance(dim, str) and dim not in names:
                names.append(dim)
    return {name: BASE_SIZES[i % len(BASE_SIZES)] + k for i, name in enumerate(names)}


def _seed(rule: Rule, k: int, seed: int) -> int:
    return (zlib.crc32(rule.id.encode()) + 7919 * k + 104729 * seed) % (2**32)


def sample(
    shape: tuple[int, ...], assumptions: tuple[str, ...], rng: np.random.Generator
) -> FloatArray:
    """One random array of `shape` that satisfies `assumptions`.

    >>> import numpy as np
    >>> S = sample((3, 3), ("spd",), np.random.default_rng(0))
    >>> bool(np.allclose(S, S.T)) and bool(np.all(np.linalg.eigvalsh(S) > 1))
    True
    """
    kinds = set(assumptions)
    if not shape:
        value = rng.uniform(0.5, 2.0) if "positive" in kinds else rng.uniform(-0.3, 0.3)
        return np.asarray(value, dtype=np.float64)
    if "positive" in kinds:
        return rng.uniform(0.5, 2.0, size=shape)
    R = rng.standard_normal(shape)
    if len(shape) == 1:
        return R
    n = shape[0]
    if "spd" in kinds:
        return R @ R.T / n + 2.0 * np.eye(n)
    if "orthogonal" in kinds:
        Q: FloatArray = np.linalg.qr(R)[0]
        return Q
    if "diagonal" in kinds:
        return np.diag(rng.uniform(0.5, 2.0, size=n))
    if "symmetric" in kinds:
        return (R + R.T) / 2.0
    if "invertible" in kinds:
        shifted: FloatArray = R / np.sqrt(n) + 2.0 * np.eye(n)
        return shifted
    return R


def instance(rule: Rule, k: int, seed: int = 0) -> tuple[dict[str, int], dict[str, FloatArray]]:
    """Sizes and input arrays of instance `k` of `rule` (reproducible)."""
    dims = instance_dims(rule, k)
    rng = np.random.default_rng(_seed(rule, k, seed))
    arrays = {}
    for name, shape in rule.shapes.items():
        concrete = tuple(dims[d] if isinstance(d, str) else int(d) for d in shape)
        arrays[name] = sample(concrete, rule.assume.get(name, ()), rng)
    return dims, arrays


def projection(rule: Rule) -> Callable[[FloatArray], FloatArray] | None:
    """The projection onto the structured matrices `wrt` ranges over, if it is structured.

    A gradient with respect to a symmetric (or diagonal) matrix is a gradient on that
    subspace with the Frobenius inner product: the projection of the unconstrained gradient,
    ``sym(G) = (G + Gᵀ)/2`` (or ``G ∘ I``).  Differentiating ``f(P(V))`` numerically gives it.

    >>> from matderiv import rules
    >>> P = projection(rules.get("sm-sym-logdet"))
    >>> import numpy as np
    >>> P(np.array([[1.0, 2.0], [0.0, 1.0]]))
    array([[1., 1.],
           [1., 1.]])
    """
    kinds = set(rule.assume.get(rule.wrt, ()))
    if kinds & {"symmetric", "spd"}:
        return lambda V: (V + V.T) / 2.0
    if "diagonal" in kinds:
        return lambda V: V * np.eye(V.shape[0])
    return None
