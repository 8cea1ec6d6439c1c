"""Deeply nested problems: derived through shared intermediates, checked numerically.

The derivative of each family of ``tests/nested_families.py`` at a depth where the engine
cuts the expression into shared intermediates (:mod:`matderiv.symbolic.shared`) is compared
with central finite differences of the same function written in numpy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp
from nested_families import FAMILIES, Family

from matderiv import derive, derive_hessian
from matderiv.expr.parser import parse_typed
from matderiv.expr.walk import distinct
from matderiv.numeric import gradient, hessian
from matderiv.symbolic.shared import SHARE_ABOVE, doit, share

DEPTH = 8


def _derive(family: Family, k: int) -> Any:
    fn = derive_hessian if family.kind == "hessian" else derive
    return fn(family.text(k), family.wrt, family.shapes)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_nested_family_matches_finite_differences(family: Family) -> None:
    rng = np.random.default_rng(11)
    arrays = family.inputs(rng, 3)
    depth = 3 if family.kind == "hessian" else DEPTH
    d = _derive(family, depth)

    def f(value: Any) -> Any:
        return family.numpy(depth, {**arrays, family.wrt: value})

    oracle = hessian if family.kind == "hessian" else gradient
    expected = oracle(f, arrays[family.wrt], method="central")
    np.testing.assert_allclose(d.evaluate(**arrays), expected, rtol=1e-6, atol=1e-7)


def test_deep_hessian_through_scalar_levels() -> None:
    # at depth 5 the shared path has scalar levels (the sums inside softmax), whose forward
    # Jacobians are 1 x n: the Hessian once failed there with "a gap in matderiv"
    family = next(f for f in FAMILIES if f.kind == "hessian")
    rng = np.random.default_rng(12)
    arrays = family.inputs(rng, 3)
    d = _derive(family, 5)

    def f(value: Any) -> Any:
        return family.numpy(5, {**arrays, family.wrt: value})

    expected = hessian(f, arrays[family.wrt], method="central")
    np.testing.assert_allclose(d.evaluate(**arrays), expected, rtol=1e-6, atol=1e-7)


def test_deep_nesting_is_cut_into_levels() -> None:
    # the premise of the tests above: at this depth the engine does take the shared path
    family = FAMILIES[0]
    parsed = parse_typed(family.text(DEPTH), {"X": ("n", "n"), "A": ("n", "n")})
    shared = share(parsed.expr)
    assert len(shared.defs) >= 2
    assert shared.expand(shared.root) == parsed.expr
    small = parse_typed("trace(inv(X + A))", {"X": ("n", "n"), "A": ("n", "n")}).expr
    assert share(small).defs == ()
    assert SHARE_ABOVE > 5


def test_shared_doit_equals_sympy_doit() -> None:
    n = sp.Symbol("n", integer=True, positive=True)
    X, Y = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("Y", n, n)
    e = sp.Transpose(sp.MatMul(X, sp.Inverse(sp.MatMul(X, Y)), sp.MatAdd(X, X, evaluate=False)))
    e = sp.Trace(sp.MatMul(e, sp.Inverse(X.T)))
    rng = np.random.default_rng(3)
    values = {
        X: sp.Matrix(rng.integers(1, 5, (2, 2))) + 5 * sp.eye(2),
        Y: sp.Matrix(rng.integers(1, 5, (2, 2))) + 5 * sp.eye(2),
    }
    ours = doit(e).subs(n, 2).xreplace(values).doit()
    theirs = e.doit().subs(n, 2).xreplace(values).doit()
    assert sp.simplify(ours - theirs) == 0


def _dag_size(expr: Any) -> int:
    """Distinct objects of `expr` (a DAG's size: a shared subexpression counted once)."""
    return sum(1 for _ in distinct(expr))


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_result_grows_linearly_with_depth(family: Family) -> None:
    # a derivative that is multiplied out has exponentially many terms; one kept as a DAG
    # of levels grows by a constant per level
    # (and so does its text: repeated subexpressions are printed once, however many there are)
    derived = [_derive(family, k) for k in (8, 12, 16)]
    for sizes in ([_dag_size(d.mixed) for d in derived], [len(d.text()) for d in derived]):
        growth = [b - a for a, b in itertools.pairwise(sizes)]
        assert growth[1] <= 1.5 * max(growth[0], 0) + 50, sizes


def _scaled_softmax_chain(k: int, v: Any) -> Any:
    for _ in range(k):
        z = 3 * v
        v = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    return np.log(np.exp(3 * v).sum())


@pytest.mark.parametrize("depth", [12, 20])
def test_deep_hessian_of_scaled_nested_softmax_matches_finite_differences(depth: int) -> None:
    # softmax contracts: the Hessian of a plain 12-fold nest is ~1e-15, a vacuous check; with
    # the logits scaled by 3 it stays above 1e-2.  ``3 * softmax(3 * ...)`` is also the
    # shape SymPy sized in 2^k steps (matderiv.expr._sympy_shapes)
    text = "x"
    for _ in range(depth):
        text = f"softmax(3 * {text})"
    h = derive_hessian(f"logsumexp(3 * {text})", "x", {"x": ("n",)})
    x0 = np.random.default_rng(13).standard_normal(4)
    expected = hessian(lambda v: _scaled_softmax_chain(depth, v), x0, method="central")
    assert np.abs(expected).max() > 1e-2  # the premise: a check that can fail
    np.testing.assert_allclose(h.evaluate(x=x0), expected, rtol=1e-5, atol=1e-6)


def _tanh_chain(k: int, inner: str) -> str:
    for _ in range(k):
        inner = f"tanh({inner})"
    return inner


# deep enough to be cut into levels, with 1 x 1 levels (quadratic forms, inner products)
SCALAR_LEVELS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    (_tanh_chain(5, "x @ A @ x"), lambda a: _np_tanh(5, a["x"] @ a["A"] @ a["x"])),
    (
        f"sum({_tanh_chain(5, 'x * (x @ A @ x)')})",
        lambda a: np.sum(_np_tanh(5, a["x"] * (a["x"] @ a["A"] @ a["x"]))),
    ),
    (
        f"sum({_tanh_chain(4, 'A @ x')}) * (x @ x) + log(1 + exp(sin(sin(sin(x @ x)))))",
        lambda a: (
            np.sum(_np_tanh(4, a["A"] @ a["x"])) * (a["x"] @ a["x"])
            + np.log1p(np.exp(np.sin(np.sin(np.sin(a["x"] @ a["x"])))))
        ),
    ),
]


def _np_tanh(k: int, z: Any) -> Any:
    for _ in range(k):
        z = np.tanh(z)
    return z


@pytest.mark.parametrize("case", range(len(SCALAR_LEVELS)))
def test_cut_levels_of_shape_one_by_one(case: int) -> None:
    text, oracle = SCALAR_LEVELS[case]
    shapes = {"x": ("n",), "A": ("n", "n")}
    rng = np.random.default_rng(20 + case)
    arrays = {"x": rng.standard_normal(3) / 2, "A": rng.standard_normal((3, 3)) / 2}
    assert share(parse_typed(text, shapes).expr).defs  # the premise: the levels are cut

    def f(value: Any) -> Any:
        return oracle({**arrays, "x": value})

    g = derive(text, "x", shapes)
    np.testing.assert_allclose(
        g.evaluate(**arrays), gradient(f, arrays["x"], method="central"), rtol=1e-6, atol=1e-8
    )
    h = derive_hessian(text, "x", shapes)
    np.testing.assert_allclose(
        h.evaluate(**arrays), hessian(f, arrays["x"], method="central"), rtol=1e-5, atol=1e-7
    )


class _CanonicalLeaf(sp.MatrixSymbol):  # type: ignore[misc]
    """A leaf that is canonical already: a deep ``doit`` reaching it is the exponential walk."""

    def doit(self, **hints: Any) -> Any:
        raise AssertionError("a deep doit walked below a canonical subexpression")


def test_scalar_multiples_and_like_terms_do_not_walk_below_canonical_parts() -> None:
    from matderiv.expr.algebra import kron, scaled

    A, B = _CanonicalLeaf("A", 2, 2), _CanonicalLeaf("B", 2, 2)
    AB = sp.MatMul(A, B)
    with pytest.raises(AssertionError, match="deep doit"):
        _ = 3 * AB  # SymPy's c * M: the trap
    assert scaled(3, AB) == sp.MatMul(3, A, B)
    assert scaled(3, sp.MatMul(2, A, B)) == sp.MatMul(6, A, B)
    assert scaled(sp.Integer(1), AB) is AB
    # like terms of a sum merge with the same shallow product: AB + AB + 2AB = 4AB
    assert doit(sp.MatAdd(AB, AB, sp.MatMul(2, AB))) == sp.MatMul(4, A, B)
    # a 1 x 1 Kronecker factor is a scalar multiple
    c = _CanonicalLeaf("c", 1, 1)
    assert kron(c, AB).args[-2:] == (A, B)
