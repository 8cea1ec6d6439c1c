"""The battery: every problem derived and verified numerically, two independent ways.

1. ``Derivative.check`` (matderiv.numeric.check_derivative along random directions);
2. a full central-difference generalized Jacobian computed here, entry by entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from battery import PROBLEMS, Problem

from matderiv import derive, derive_hessian
from matderiv.expr import to_function
from matderiv.expr.text import inline_where
from matderiv.layout import vec_jacobian
from matderiv.symbolic.api import Derivative
from matderiv.symbolic.inputs import random_inputs


def _central_jacobian(f: Callable[[Any], Any], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Mixed-layout Jacobian out_shape + in_shape by central differences (independent oracle)."""
    y0 = np.asarray(f(x))
    jac = np.zeros(y0.shape + x.shape)
    for index in np.ndindex(x.shape or (1,)):
        idx = index if x.shape else ()
        step = np.zeros_like(x)
        step[idx] = h
        jac[(..., *idx)] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * h)
    return jac


def _derivative(problem: Problem) -> Derivative:
    if problem.kind == "hessian":
        return derive_hessian(problem.expr, problem.wrt, problem.shapes, problem.assume)
    return derive(problem.expr, problem.wrt, problem.shapes, problem.assume)


def test_battery_is_large_and_covers_every_kind() -> None:
    assert len(PROBLEMS) >= 45
    kinds = {p.kind for p in PROBLEMS}
    for kind in (
        "scalar-by-vector",
        "scalar-by-matrix",
        "vector-by-vector",
        "vector-by-scalar",
        "matrix-by-scalar",
        "matrix-by-matrix",
        "hessian",
    ):
        assert kind in kinds


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.id for p in PROBLEMS])
def test_battery_problem(problem: Problem) -> None:
    d = _derivative(problem)
    result = d.check(seed=0)
    assert result.passed, str(result)

    # independent oracle: full central differences of the function itself
    inputs = random_inputs(d.context, seed=1, positive=["x"] if "log(x" in problem.expr else [])
    args = {k: inputs[k] for k in d.args}
    symmetric = "symmetric" in d.context.assume.get(problem.wrt, frozenset())
    if problem.kind == "hessian":
        grad = derive(problem.expr, problem.wrt, problem.shapes, problem.assume)

        def g(w: Any) -> Any:
            return grad.evaluate(**{**args, problem.wrt: w})

        numeric = _central_jacobian(g, np.asarray(args[problem.wrt], dtype=float), h=1e-5)
        tol = 1e-5
    else:
        f = to_function(problem.expr, problem.shapes, args=list(d.args))

        def g(w: Any) -> Any:
            if symmetric:
                w = (w + w.T) / 2
            return f(**{**args, problem.wrt: w})

        numeric = _central_jacobian(g, np.asarray(args[problem.wrt], dtype=float))
        tol = 1e-6
    claimed = d.evaluate(**args)
    assert claimed.shape == numeric.shape
    scale = max(1.0, float(np.max(np.abs(numeric))))
    assert np.max(np.abs(claimed - numeric)) <= tol * scale * 10


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.id for p in PROBLEMS])
def test_printed_result_is_numpy_for_the_same_arrays(problem: Problem) -> None:
    """The text of a derivative (vec forms included) parses and computes the same array."""
    d = _derivative(problem)
    inputs = random_inputs(d.context, seed=2, positive=["x"] if "log(x" in problem.expr else [])
    again = to_function(inline_where(d.text()), problem.shapes)  # names substituted back
    got = again(
        **{k: inputs[k] for k in again.arg_names},
        **{k: inputs[k] for k in d.args if k not in again.arg_names},
    )
    want = d.evaluate(**inputs)
    if d.form == "vec":  # the text is the Kronecker-form matrix; evaluate() gives the array
        in_shape = np.shape(inputs[problem.wrt])
        want = vec_jacobian(want, want.shape[: want.ndim - len(in_shape)], in_shape)
    assert got.shape == want.shape
    assert np.allclose(got, want)
