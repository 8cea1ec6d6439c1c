"""Budgets and numeric edges: refused before the work, with the cost and the way out.

The budgets (matderiv.numeric.limits) are each a test here: a call over one is
refused after a single evaluation of f, the message states the predicted
evaluations / bytes / time and the keyword that raises the budget, and the
prediction is exact for the non-adaptive methods.  Singular matrices and
exceptions raised by f become NumericError naming the point's condition.
"""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import numpy as np
import pytest

from matderiv.errors import BudgetError, NumericError
from matderiv.numeric import check_derivative, gradient, hessian, jacobian, jvp, limits
from matderiv.numeric._evaluate import LeftDomain


class Counted:
    """Wrap a function and count its calls."""

    def __init__(self, f: Any) -> None:
        self.f = f
        self.calls = 0

    def __call__(self, x: np.ndarray) -> Any:
        self.calls += 1
        return self.f(x)


def _sum_squares(x: np.ndarray) -> Any:
    return np.sum(x**2)


# --- the four examples ---------------------------------------------------------------


def test_a_gradient_of_a_million_entries_is_refused_after_one_evaluation() -> None:
    f = Counted(_sum_squares)
    start = time.perf_counter()
    with pytest.raises(BudgetError) as info:
        gradient(f, np.ones((1000, 1000)))
    assert time.perf_counter() - start < 5.0
    assert f.calls == 1
    message = str(info.value)
    assert "gradient by central differences needs about 2,000,001 evaluations of f" in message
    assert "per evaluation (timed at x)" in message
    assert "budget of 200,000 evaluations" in message
    assert "max_evals=2,100,000" in message


def test_a_jacobian_of_7_tib_is_refused_before_numpy_is_asked_for_it() -> None:
    f = Counted(lambda X: X @ X)
    tracemalloc.start()
    try:
        with pytest.raises(BudgetError) as info:
            jacobian(f, np.ones((1000, 1000)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f.calls == 1
    assert peak < 100 * 2**20  # a few copies of the 8 MB point, never the 7.3 TiB result
    message = str(info.value)
    assert "(7.3 TiB)" in message
    assert "memory budget of 1 GiB" in message
    assert "max_bytes=8,000,000,000,000" in message


def test_a_hessian_at_40_by_40_is_refused() -> None:
    f = Counted(_sum_squares)
    with pytest.raises(BudgetError, match=r"hessian by central differences needs about 5,123,201"):
        hessian(f, np.ones((40, 40)))
    assert f.calls == 1
    with pytest.raises(BudgetError, match=r"hessian by complex differences needs about"):
        hessian(f, np.ones((40, 40)), method="complex")


def test_a_wrong_gradient_of_a_million_entries_fails_from_the_directions_alone() -> None:
    X = np.ones((1000, 1000))
    f = Counted(_sum_squares)
    start = time.perf_counter()
    result = check_derivative(f, -2 * X, X)
    assert time.perf_counter() - start < 30.0
    assert not result
    assert not result.full_jacobian
    # f(x), 6 Richardson evaluations per direction, and 8 to measure f's noise before failing
    assert f.calls == result.n_evals == 19 + 8
    assert result.diagnosis.startswith("sign flipped")
    assert "The full Jacobian has 1,000,000 entries" in result.diagnosis
    assert "about 6,000,000 more evaluations" in result.diagnosis
    assert "pass full=True, max_evals=6,000,027" in result.diagnosis


def test_full_true_over_budget_is_refused_up_front_and_names_the_default() -> None:
    X = np.ones((100, 100))
    f = Counted(_sum_squares)
    with pytest.raises(BudgetError, match=r"needs about 60,019 evaluations.*or full=None"):
        check_derivative(f, 2 * X, X, full=True, max_evals=50_000)
    assert f.calls == 1
    with pytest.raises(BudgetError, match=r"about 60,001 evaluations.*max_evals=61,000"):
        # directions=0: only the full comparison
        check_derivative(f, 2 * X, X, directions=0, max_evals=50_000)


def test_full_false_never_builds_the_jacobian_and_says_how_to() -> None:
    x = np.array([1.0, 2.0])
    result = check_derivative(_sum_squares, -2 * x, x, full=False)
    assert not result
    assert not result.full_jacobian
    assert "sign flipped" in result.diagnosis
    assert "pass full=True" in result.diagnosis
    # the default builds it for a small failure and names the worst entry
    assert check_derivative(_sum_squares, -2 * x, x).worst_entry == (1,)


# --- the predictions are exact, and max_evals / max_bytes raise the budget -------------------


@pytest.mark.parametrize(
    ("call", "shape"),
    [
        (lambda f, x, **kw: jacobian(f, x, method="forward", **kw), (4, 3)),
        (lambda f, x, **kw: jacobian(f, x, method="central", **kw), (4, 3)),
        (lambda f, x, **kw: gradient(f, x, **kw), (7,)),
        (lambda f, x, **kw: jvp(f, x, np.ones_like(x), **kw), (5,)),
        (lambda f, x, **kw: hessian(f, x, **kw), (3, 2)),
        (lambda f, x, **kw: hessian(f, x, method="forward", **kw), (3,)),
        (
            lambda f, x, **kw: check_derivative(f, np.cos(x), x, method="central", full=True, **kw),
            (2, 3),
        ),
    ],
    ids=[
        "jacobian-forward",
        "jacobian-central",
        "gradient",
        "jvp",
        "hessian-central",
        "hessian-forward",
        "check-full",
    ],
)
def test_the_predicted_evaluations_are_exact(call: Any, shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(0).standard_normal(shape)
    f = Counted(lambda x: np.sum(np.sin(x)))
    call(f, x)
    used = f.calls
    assert call(Counted(f.f), x, max_evals=used) is not None  # exactly enough
    g = Counted(f.f)
    with pytest.raises(BudgetError, match=rf"needs about {used:,} evaluations") as info:
        call(g, x, max_evals=used - 1)
    assert g.calls == 1
    assert f"budget of {used - 1:,} evaluations" in str(info.value)


def test_an_adaptive_step_stops_at_the_budget_while_running() -> None:
    # Richardson at sin(500) shrinks its step (6 more evaluations per try): the prediction
    # (its first try) fits, the adaptation does not
    with pytest.raises(BudgetError, match=r"used its budget of 10 evaluations.*max_evals=40"):
        jvp(np.sin, 500.0, 1.0, method="richardson", max_evals=10)
    assert jvp(np.sin, 500.0, 1.0, method="richardson", max_evals=100) == pytest.approx(
        np.cos(500.0), rel=1e-9
    )


def test_max_bytes_bounds_the_result() -> None:
    with pytest.raises(BudgetError, match=r"\(80 kB\).*memory budget of 1 kB.*max_bytes=80,000"):
        jacobian(np.sin, np.ones(100), max_bytes=1000)
    assert jacobian(np.sin, np.ones(100), max_bytes=80_000).shape == (100, 100)


def test_the_module_budgets_are_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_EVALUATIONS", 50)
    with pytest.raises(BudgetError, match=r"needs about 61 evaluations.*budget of 50"):
        gradient(_sum_squares, np.ones(30))
    assert gradient(_sum_squares, np.ones(30), max_evals=61).shape == (30,)
    monkeypatch.setattr(limits, "MAX_BYTES", 100)
    with pytest.raises(BudgetError, match=r"memory budget of 100 bytes"):
        jacobian(np.sin, np.ones(5))


def test_max_full_entries_limits_the_automatic_diagnosis(monkeypatch: pytest.MonkeyPatch) -> None:
    import matderiv.numeric.check as check_module

    x = np.arange(1.0, 5.0)
    monkeypatch.setattr(check_module, "MAX_FULL_ENTRIES", 3)
    result = check_derivative(_sum_squares, 3 * x, x)
    assert not result.full_jacobian
    assert "over the 3 entries built to explain a failure" in result.diagnosis
    assert check_derivative(_sum_squares, 3 * x, x, full=True).full_jacobian


def test_format_helpers() -> None:
    assert limits.format_bytes(8 * 10**12) == "7.3 TiB"
    assert limits.format_bytes(512) == "512 bytes"
    assert limits.format_seconds(6100.0) == "1.7 h"
    assert limits.format_seconds(3 * 86400.0) == "3 days"
    assert limits.format_seconds(90.0) == "1.5 min"


# --- singular matrices and functions that raise --------------------------------------------


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize(
    "call",
    [
        lambda f, X: gradient(f, X),
        lambda f, X: jacobian(f, X, method="richardson"),
        lambda f, X: hessian(f, X),
        lambda f, X: jvp(f, X, np.eye(2)),
        lambda f, X: check_derivative(f, np.eye(2), X),
    ],
    ids=["gradient", "jacobian", "hessian", "jvp", "check"],
)
def test_a_singular_point_raises_numeric_error_with_the_condition(call: Any) -> None:
    for f in (lambda X: np.sum(np.linalg.inv(X)), lambda X: np.linalg.solve(X, np.ones(2))[0]):
        with pytest.raises(NumericError) as info:
            call(f, SINGULAR)
        message = str(info.value)
        assert "raised LinAlgError at x" in message
        assert "x is a 2×2 matrix singular to working precision" in message
        assert "away from the singular set" in message
        assert not isinstance(info.value, LeftDomain)


def test_log_det_at_a_singular_matrix_names_the_condition() -> None:
    with pytest.raises(NumericError, match=r"f\(x\) contains inf.*2×2 matrix singular"):
        gradient(lambda X: np.log(np.linalg.det(X)), SINGULAR)


def test_a_singular_matrix_built_inside_f_is_reported() -> None:
    # X.T @ X with fewer rows than columns is singular for every X
    X = np.random.default_rng(1).standard_normal((2, 3))
    with pytest.raises(NumericError, match=r"a matrix f builds from x is singular.*X.T @ X"):
        gradient(lambda X: np.sum(np.linalg.inv(X.T @ X)), X)


def test_a_nearly_singular_point_reports_its_condition_when_the_step_crosses() -> None:
    # f fails (as inv does at the singular set) when x[0] crosses 1; x is 1e-6 below it
    def f(x: np.ndarray) -> Any:
        if x[0] >= 1.0:
            raise np.linalg.LinAlgError("Singular matrix")
        return np.sum(x**2)

    x = np.array([1.0 - 1e-6, 0.5])
    with pytest.raises(LeftDomain, match=r"raised LinAlgError at a perturbed point.*smaller step"):
        gradient(f, x)
    # Richardson shrinks its step until it stays on one side, as it does at a domain edge
    np.testing.assert_allclose(gradient(f, x, method="richardson"), 2 * x, rtol=1e-8)
    # a square-matrix point names its condition number
    M = np.array([[1.0, 0.0], [0.0, 1e-7]])
    with pytest.raises(LeftDomain, match=r"condition number 1e\+07"):
        gradient(lambda X: f(np.array([1.0 + X[1, 1] - 1e-7 - 1e-9])), M, step=1e-3)


def test_an_exception_in_f_becomes_a_numeric_error_that_keeps_the_cause() -> None:
    with pytest.raises(NumericError, match=r"f raised ValueError at x.*shape \(3,\)") as info:
        gradient(lambda x: x @ np.ones(4), np.ones(3))
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(NumericError, match=r"f raised ZeroDivisionError at x"):
        jacobian(lambda x: 1 / 0, 1.0)
    with pytest.raises(NumericError, match=r"not complex-step safe.*ValueError"):
        jacobian(lambda x: np.array([float(str(x[0]))]), np.ones(1), method="complex")


def test_a_memory_error_in_f_does_not_escape() -> None:
    def hungry(x: np.ndarray) -> Any:
        raise MemoryError("out of memory")

    with pytest.raises(NumericError, match="MemoryError"):
        gradient(hungry, np.ones(2))


def test_an_overflowing_difference_quotient_is_a_numeric_error_not_inf() -> None:
    # f is finite everywhere, but f(x + h) − f(x − h) = 2 · 1.7e308 overflows float64
    def f(x: np.ndarray) -> Any:
        return 1.7e308 * np.tanh(1e10 * x)

    for method in ("central", "richardson"):
        with pytest.raises(NumericError, match=r"contains (inf|NaN).*overflowed float64.*rescale"):
            jacobian(f, np.zeros(1), method=method, step=1e-3)


def test_huge_points_raise_no_numpy_warning() -> None:
    # found by the property test: 4·h_i·h_j overflowed with a RuntimeWarning at x = 5.5e157
    try:
        H = hessian(lambda x: np.sum(np.sin(x)), 5.5e157)
    except NumericError:
        return
    assert np.all(np.isfinite(H))
