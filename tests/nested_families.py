"""Nested problems whose derivatives repeat their subexpressions at every level.

Test data shared by ``tests/test_growth.py`` (numbers against finite differences) and
``benchmarks/bench_growth.py`` (time against depth).  Each family builds, for a depth ``k``,
the expression text, and the same function written in numpy as an independent oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np


@dataclass(frozen=True)
class Family:
    """One nested family: ``text(k)`` and its numpy twin ``numpy(k, arrays)``."""

    name: str
    kind: Literal["derive", "hessian"]
    wrt: str
    shapes: dict[str, tuple[str, ...]]
    text: Callable[[int], str]
    numpy: Callable[[int, dict[str, Any]], Any]
    inputs: Callable[[np.random.Generator, int], dict[str, Any]]


def _nest(k: int, inner: str, pattern: str) -> str:
    s = inner
    for _ in range(k):
        s = pattern.format(s)
    return s


def _inv_chain(k: int, a: dict[str, Any]) -> Any:
    s = a["A"]
    for _ in range(k):
        s = np.linalg.inv(a["X"] + s)
    return np.trace(s)


def _softmax(z: Any) -> Any:
    e = np.exp(z - np.max(z))
    return e / e.sum()


def _softmax_chain(k: int, a: dict[str, Any]) -> Any:
    s = a["x"]
    for _ in range(k):
        s = _softmax(s)
    return np.log(np.sum(np.exp(s)))


def _scaled_softmax_chain(k: int, a: dict[str, Any]) -> Any:
    s = a["x"]
    for _ in range(k):
        s = _softmax(3 * s)
    return np.log(np.sum(np.exp(3 * s)))


def _tanh_chain(k: int, a: dict[str, Any]) -> Any:
    s = a["x"]
    for _ in range(k):
        s = np.tanh(s)
    return np.sum(s)


def _sigmoid_net(k: int, a: dict[str, Any]) -> Any:
    s = a["x"]
    for _ in range(k):
        s = 1 / (1 + np.exp(-(a["W"] @ s)))
    return np.sum(s)


def _product_chain(k: int, a: dict[str, Any]) -> Any:
    s = a["A"]
    for _ in range(k):
        s = a["X"] @ np.linalg.inv(a["B"] + s)
    return np.trace(s)


def _spd_pair(rng: np.random.Generator, n: int) -> dict[str, Any]:
    return {
        "X": 2 * np.eye(n) + 0.2 * rng.standard_normal((n, n)),
        "A": np.eye(n) + 0.1 * rng.standard_normal((n, n)),
        "B": 3 * np.eye(n) + 0.2 * rng.standard_normal((n, n)),
    }


FAMILIES = (
    Family(
        "trace(inv(X + inv(X + ... A)))",
        "derive",
        "X",
        {"X": ("n", "n"), "A": ("n", "n")},
        lambda k: f"trace({_nest(k, 'A', 'inv(X + {})')})",
        _inv_chain,
        lambda rng, n: {key: v for key, v in _spd_pair(rng, n).items() if key != "B"},
    ),
    Family(
        "hessian of logsumexp(softmax(... softmax(x)))",
        "hessian",
        "x",
        {"x": ("n",)},
        lambda k: f"logsumexp({_nest(k, 'x', 'softmax({})')})",
        _softmax_chain,
        lambda rng, n: {"x": rng.standard_normal(n)},
    ),
    Family(  # logits scaled: the derivative does not vanish, and SymPy sized c * M twice
        "hessian of logsumexp(3 * softmax(3 * ... x))",
        "hessian",
        "x",
        {"x": ("n",)},
        lambda k: f"logsumexp(3 * {_nest(k, 'x', 'softmax(3 * {})')})",
        _scaled_softmax_chain,
        lambda rng, n: {"x": rng.standard_normal(n)},
    ),
    Family(
        "sum(tanh(tanh(... x)))",
        "derive",
        "x",
        {"x": ("n",)},
        lambda k: f"sum({_nest(k, 'x', 'tanh({})')})",
        _tanh_chain,
        lambda rng, n: {"x": rng.standard_normal(n)},
    ),
    Family(
        "sum(sigmoid(W @ sigmoid(W @ ... x))) by W",
        "derive",
        "W",
        {"W": ("n", "n"), "x": ("n",)},
        lambda k: f"sum({_nest(k, 'x', 'sigmoid(W @ {})')})",
        _sigmoid_net,
        lambda rng, n: {"W": rng.standard_normal((n, n)) / np.sqrt(n), "x": rng.standard_normal(n)},
    ),
    Family(
        "trace(X @ inv(B + X @ inv(B + ... A))) by X",
        "derive",
        "X",
        {"X": ("n", "n"), "A": ("n", "n"), "B": ("n", "n")},
        lambda k: f"trace({_nest(k, 'A', 'X @ inv(B + {})')})",
        _product_chain,
        _spd_pair,
    ),
)
