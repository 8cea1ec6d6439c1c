"""The random instances a rule is checked at: sizes and inputs that satisfy its assumptions.

Instance ``k`` of a rule has its own seed (from the rule id), its own sizes (``sizes`` of the
entry, or distinct sizes per dimension name so that matrices are non-square wherever the
identity allows), and inputs drawn by the one sampler, :func:`matderiv.sampling.sample`.

Examples
--------
>>> from matderiv import rules
>>> dims, arrays = instance(rules.get("sm-trace-AXB"), 0)
>>> dims
{'p': 3, 'm': 4, 'n': 2}
>>> arrays["X"].shape
(4, 2)
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from matderiv import sampling
from matderiv.rules.model import Rule

__all__ = ["instance", "instance_dims", "projection"]

FloatArray = npt.NDArray[np.float64]


def instance_dims(rule: Rule, k: int) -> dict[str, int]:
    """Dimension sizes of instance `k` of `rule`: the entry's ``sizes``, else
    :data:`matderiv.sampling.SIZES` in order of first use, plus `k`.

    >>> from matderiv import rules
    >>> instance_dims(rules.get("sm-trace-AXB"), 1)
    {'p': 4, 'm': 5, 'n': 3}
    """
    if rule.sizes:
        return dict(rule.sizes[k % len(rule.sizes)])
    names: list[str] = []
    for shape in rule.shapes.values():
        for dim in shape:
            if isinstance(dim, str) and dim not in names:
                names.append(dim)
    sizes = sampling.SIZES
    return {name: sizes[i % len(sizes)] + k for i, name in enumerate(names)}


def _seed(rule: Rule, k: int, seed: int) -> int:
    return (zlib.crc32(rule.id.encode()) + 7919 * k + 104729 * seed) % (2**32)


def instance(rule: Rule, k: int, seed: int = 0) -> tuple[dict[str, int], dict[str, FloatArray]]:
    """Sizes and input arrays of instance `k` of `rule` (reproducible)."""
    dims = instance_dims(rule, k)
    rng = np.random.default_rng(_seed(rule, k, seed))
    arrays = {}
    for name, shape in rule.shapes.items():
        concrete = tuple(dims[d] if isinstance(d, str) else int(d) for d in shape)
        arrays[name] = sampling.sample(concrete, rule.assume.get(name, ()), rng)
    return dims, arrays


def projection(rule: Rule) -> Callable[[Any], Any] | None:
    """The projection onto the structured matrices `wrt` ranges over (see
    :func:`matderiv.sampling.projection`), or ``None``.

    >>> from matderiv import rules
    >>> projection(rules.get("sm-sym-logdet")) is sampling.symmetrize
    True
    """
    return sampling.projection(rule.assume.get(rule.wrt, ()))
