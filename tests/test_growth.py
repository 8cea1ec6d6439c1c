"""Deeply nested problems: derived through shared intermediates, checked numerically.

The derivative of each family of ``tests/nested_families.py`` at a depth where the engine
cuts the expression into shared intermediates (:mod:`matderiv.symbolic.shared`) is compared
with central finite differences of the same function written in numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy as sp
from nested_families import FAMILIES, Family

from matderiv import derive, derive_hessian
from matderiv.expr.parser import parse_typed
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
