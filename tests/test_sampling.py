"""The one assumptions table and the one sampler, shared by Derivative.check and the catalog."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matderiv.assumptions
from matderiv import rules, sampling
from matderiv.assumptions import ASSUMPTIONS, TABLE, implied
from matderiv.errors import ShapeError
from matderiv.expr import make_context
from matderiv.rules.instances import instance
from matderiv.symbolic.inputs import random_inputs

#: What each assumption means, checked on a drawn array (an oracle independent of the sampler).
HOLDS: dict[str, Callable[[np.ndarray], bool]] = {
    "symmetric": lambda A: bool(np.array_equal(A, A.T)),
    "spd": lambda A: bool(np.array_equal(A, A.T)) and bool(np.linalg.eigvalsh(A).min() > 0.5),
    "invertible": lambda A: bool(np.linalg.det(A) > 0) and bool(np.linalg.cond(A) < 1000),
    "positive": lambda A: bool((A > 0).all()),
    "diagonal": lambda A: (
        bool(np.array_equal(A, np.diag(np.diag(A)))) and bool(np.abs(np.diag(A)).min() > 0)
    ),
    "orthogonal": lambda A: bool(np.allclose(A.T @ A, np.eye(len(A)), atol=1e-12)),
    "onehot_columns": lambda A: bool(np.isin(A, (0.0, 1.0)).all()) and bool((A.sum(0) == 1).all()),
    "onehot_rows": lambda A: bool(np.isin(A, (0.0, 1.0)).all()) and bool((A.sum(-1) == 1).all()),
}


def test_every_assumption_has_a_draw_a_meaning_and_an_oracle() -> None:
    assert set(sampling.DRAWS) == set(TABLE) == set(HOLDS)
    for name, stanza in TABLE.items():
        assert stanza.name == name
        assert stanza.meaning
        assert stanza.sampling
        assert set(stanza.implies) <= set(TABLE)


@pytest.mark.parametrize("name", sorted(TABLE))
@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_drawn_arrays_satisfy_the_assumption_and_what_it_implies(name: str, n: int) -> None:
    shape = (n,) if not TABLE[name].square and n == 2 else (n, n)
    for seed in range(20):
        A = sampling.sample(shape, [name], np.random.default_rng(seed))
        assert A.shape == shape
        assert A.dtype == np.float64
        for fact in implied([name]):
            holds = HOLDS[fact](A) if A.ndim == 2 or fact.startswith("onehot") else (A > 0).all()
            assert holds, (name, fact, seed)


def test_scalars_are_small_or_positive() -> None:
    rng = np.random.default_rng(0)
    values = [float(sampling.sample((), [], rng)) for _ in range(200)]
    assert max(abs(v) for v in values) <= 0.3
    positive = [float(sampling.sample((), ["positive"], rng)) for _ in range(200)]
    assert min(positive) >= 0.5


def test_symmetric_and_invertible_together() -> None:
    for seed in range(20):
        A = sampling.sample((4, 4), ["symmetric", "invertible"], np.random.default_rng(seed))
        assert HOLDS["symmetric"](A)
        assert HOLDS["invertible"](A)


@pytest.mark.parametrize(
    ("shape", "names"), [((3,), ["spd"]), ((2, 3), ["symmetric"]), ((3, 3), ["unitary"])]
)
def test_impossible_requests_raise(shape: tuple[int, ...], names: list[str]) -> None:
    with pytest.raises(ValueError, match=r"square|no way to draw"):
        sampling.sample(shape, names, np.random.default_rng(0))


def test_projection_is_the_one_symmetric_projection_or_the_diagonal_part() -> None:
    G = np.arange(9.0).reshape(3, 3)
    assert sampling.projection(["spd"]) is sampling.symmetrize
    np.testing.assert_array_equal(sampling.symmetrize(G), (G + G.T) / 2)
    diagonal = sampling.projection(["diagonal"])
    assert diagonal is not None
    np.testing.assert_array_equal(diagonal(G), np.diag(np.diag(G)))
    assert sampling.projection(["positive"]) is None
    assert sampling.projection([]) is None


def test_parser_reads_the_symbolic_stanzas_and_rejects_the_others() -> None:
    assert set(ASSUMPTIONS) == {name for name, s in TABLE.items() if s.symbolic}
    for name in ASSUMPTIONS:
        ctx = make_context({"X": ("n", "n")}, {"X": name})
        assert ctx.assume["X"] == implied([name])
    for name in set(TABLE) - set(ASSUMPTIONS):
        with pytest.raises(ShapeError, match="unknown assumption"):
            make_context({"X": ("n", "n")}, {"X": name})


def test_derivative_check_and_catalog_verification_draw_through_the_same_sampler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    real = sampling.DRAWS["spd"]

    def spy(*args: Any) -> Any:
        calls.append("spd")
        return real(*args)

    monkeypatch.setitem(sampling.DRAWS, "spd", spy)
    values = random_inputs(make_context({"A": ("n", "n")}, {"A": "spd"}), seed=3)
    assert calls == ["spd"]
    np.testing.assert_array_equal(
        values["A"], sampling.sample((3, 3), ["spd"], np.random.default_rng(3))
    )
    rule = next(r for r in rules.catalog() if "spd" in r.assume.get("A", ()))
    instance(rule, 0)
    assert len(calls) == 3  # the catalog's spd input went through the same draw


def test_the_assumptions_table_imports_neither_numpy_nor_sympy() -> None:
    tree = ast.parse(Path(matderiv.assumptions.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert imported <= {"__future__", "collections", "dataclasses", "typing"}, imported
