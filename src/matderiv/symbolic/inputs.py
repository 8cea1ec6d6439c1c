"""Random inputs for the names of a context, drawn by the one sampler :mod:`matderiv.sampling`.

Examples
--------
>>> import numpy as np
>>> from matderiv.expr import make_context
>>> ctx = make_context({"A": ("n", "n"), "x": ("n",)}, {"A": "spd"})
>>> values = random_inputs(ctx, seed=0)
>>> values["A"].shape, values["x"].shape
((3, 3), (3,))
>>> bool(np.all(np.linalg.eigvalsh(values["A"]) > 0))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from matderiv.expr.context import Context
from matderiv.sampling import SIZES, assumption_violation, sample

__all__ = ["assumption_violation", "candidate_sizes", "dimension_sizes", "random_inputs"]


def dimension_sizes(ctx: Context, sizes: Mapping[str, int] | None = None) -> dict[Any, int]:
    """A size for each dimension symbol (distinct small numbers by default).

    >>> from matderiv.expr import make_context
    >>> ctx = make_context({"X": ("m", "n")})
    >>> sorted(str(k) + "=" + str(v) for k, v in dimension_sizes(ctx).items())
    ['m=3', 'n=4']
    """
    chosen = dict(sizes or {})
    out: dict[Any, int] = {}
    free = iter(s for s in SIZES if s not in chosen.values())
    for name, symbol in ctx.dims.items():
        out[symbol] = chosen[name] if name in chosen else next(free, 3)
    return out


def candidate_sizes(
    ctx: Context, sizes: Mapping[str, int] | None, count: int
) -> list[dict[str, int]]:
    """Up to `count` different size choices for the dimension names (`sizes` kept fixed).

    The first is the default of :func:`dimension_sizes`; the others rotate the default
    sizes over the free dimension names, so that every free name is in turn the largest
    (an expression such as ``X.T @ X`` needs more rows than columns).

    >>> from matderiv.expr import make_context
    >>> candidate_sizes(make_context({"X": ("m", "n")}), None, 3)
    [{'m': 3, 'n': 4}, {'m': 4, 'n': 3}]
    """
    chosen = dict(sizes or {})
    free = [name for name in ctx.dims if name not in chosen]
    pool = [s for s in SIZES if s not in chosen.values()][: len(free)]
    out: list[dict[str, int]] = []
    orders = [pool[i:] + pool[:i] for i in range(len(pool))] or [pool]
    orders = orders[:1] + [list(reversed(o)) for o in orders] + orders[1:]
    for order in orders:
        option = {**chosen, **dict(zip(free, order, strict=False))}
        if option not in out:
            out.append(option)
        if len(out) == count:
            break
    return out


def random_inputs(
    ctx: Context,
    seed: int = 0,
    *,
    sizes: Mapping[str, int] | None = None,
    positive: Iterable[str] = (),
    names: Iterable[str] | None = None,
) -> dict[str, npt.NDArray[np.float64]]:
    """Random float64 arrays for the declared names.

    Parameters
    ----------
    ctx
        The declared shapes and assumptions.
    seed
        Seed of ``np.random.default_rng``.
    sizes
        Sizes of dimension names (default: 3, 4, 2, … in order of declaration).
    positive
        Names to make positive even without ``assume`` (arguments of ``log``).
    names
        The names to generate (default: all declared names).

    Returns
    -------
    dict
        Name -> float64 array in the user's shape, drawn by :func:`matderiv.sampling.sample`
        to satisfy the name's assumptions (see :data:`matderiv.assumptions.TABLE`).

    Examples
    --------
    >>> from matderiv.expr import make_context
    >>> v = random_inputs(make_context({"x": (4,)}, {"x": "positive"}), seed=1)
    >>> bool((v["x"] > 0).all())
    True
    """
    rng = np.random.default_rng(seed)
    dims = dimension_sizes(ctx, sizes)
    wanted = set(positive)
    out: dict[str, npt.NDArray[np.float64]] = {}
    for name in names if names is not None else ctx.shapes:
        shape = tuple(dims[d] if d in dims else int(d) for d in ctx.shapes[name])
        facts = set(ctx.assume.get(name, frozenset())) | ({"positive"} if name in wanted else set())
        out[name] = sample(shape, facts, rng)
    return out
