"""Properties of the numeric API, by Hypothesis.

1. For random small valid inputs every numeric function returns finite numbers
   equal to derivatives written out by hand (an oracle independent of matderiv).
2. For random arguments, valid or not (non-callables, ragged or NaN arrays,
   steps of every kind, strings for numbers, singular matrices, functions that
   raise or return garbage), a call either returns or raises a MatderivError:
   never TypeError, ZeroDivisionError, LinAlgError or MemoryError.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import numpy.typing as npt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from matderiv.errors import MatderivError
from matderiv.numeric import (
    METHODS,
    assert_derivative,
    check_derivative,
    gradient,
    hessian,
    jacobian,
    jvp,
    limits,
)

SHAPES = [(), (1,), (3,), (2, 2), (2, 3)]
#: Examples of the escape property: 400 in CI (a few seconds); a long fuzz run sets
#: MATDERIV_FUZZ_EXAMPLES (20 000 examples took about a minute here, all passing).
FUZZ_EXAMPLES = int(os.environ.get("MATDERIV_FUZZ_EXAMPLES", "400"))
# relative accuracy each method reaches on these smooth functions (with margin)
ACCURACY = {"forward": 1e-5, "central": 1e-7, "richardson": 1e-9, "complex": 1e-12}


def _points(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    # entries 0 or of magnitude at least 1e-100: near the underflow threshold (2.2e-308) the
    # complex step's imaginary part h·f'(x) is subnormal or zero (a limit of the method)
    entry = st.one_of(st.just(0.0), st.floats(1e-100, 2.0), st.floats(-2.0, -1e-100))
    return hnp.arrays(np.float64, shape, elements=entry)


@st.composite
def smooth_cases(draw: st.DrawFn) -> tuple[Any, ...]:
    """``f(x) = a Σx² + b Σsin x + c Σexp(x/2)``, a point, and the method."""
    shape = draw(st.sampled_from(SHAPES))
    x = draw(_points(shape))
    # coefficients of magnitude 0 or at least 1e-6: at 1e-301 the complex step's imaginary
    # part h·f'(x) (h = 1e-20) is subnormal and loses digits (a documented limit of the method)
    coefficient = st.one_of(st.just(0.0), st.floats(1e-6, 3.0), st.floats(-3.0, -1e-6))
    a, b, c = draw(st.tuples(coefficient, coefficient, coefficient))
    method = draw(st.sampled_from(METHODS))
    return shape, x, (a, b, c), method


def _f(coef: tuple[float, float, float]) -> Any:
    a, b, c = coef
    return lambda x: a * np.sum(x**2) + b * np.sum(np.sin(x)) + c * np.sum(np.exp(x / 2))


def _grad(coef: tuple[float, float, float], x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    a, b, c = coef
    return 2 * a * x + b * np.cos(x) + c / 2 * np.exp(x / 2)


def _second(
    coef: tuple[float, float, float], x: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    a, b, c = coef
    return 2 * a - b * np.sin(x) + c / 4 * np.exp(x / 2)


def _close(got: np.ndarray, want: np.ndarray | np.float64, rtol: float) -> None:
    assert np.all(np.isfinite(got))
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    assert float(np.max(np.abs(got - want), initial=0.0)) <= rtol * scale


@settings(max_examples=60, deadline=None)
@given(smooth_cases())
def test_gradient_jvp_and_jacobian_match_the_hand_written_derivative(case: Any) -> None:
    shape, x, coef, method = case
    f, g = _f(coef), _grad(coef, x)
    _close(gradient(f, x, method=method), g, ACCURACY[method])
    direction = np.cos(np.arange(x.size, dtype=float)).reshape(shape)
    _close(jvp(f, x, direction, method=method), np.sum(g * direction), ACCURACY[method])
    A = np.arange(1.0, 1.0 + 2 * x.size).reshape(2, x.size)
    J = jacobian(lambda y: A @ np.sin(y.reshape(-1)), x, method=method)
    _close(J, (A * np.cos(x.reshape(-1))).reshape((2, *shape)), ACCURACY[method])


@settings(max_examples=30, deadline=None)
@given(smooth_cases())
def test_hessian_matches_the_hand_written_second_derivative(case: Any) -> None:
    shape, x, coef, method = case
    n = x.size
    want = np.diag(_second(coef, x).reshape(-1)).reshape(shape + shape)
    # forward: O(h) truncation plus the round-off of second differences
    tol = {"forward": 5e-2, "central": 1e-4, "richardson": 1e-6, "complex": 1e-6}[method]
    _close(hessian(_f(coef), x, method=method), want, tol * max(1, n))


@settings(max_examples=40, deadline=None)
@given(smooth_cases(), st.integers(0, 2**32))
def test_the_checker_passes_the_true_gradient_and_fails_a_wrong_one(case: Any, seed: int) -> None:
    # forward differences are left out: their O(h) truncation (1e-8 · f'') is not part of
    # the tolerance, so a zero gradient of x² fails at rtol=1e-5 (a documented limit)
    _, x, coef, method = case
    if method == "forward":
        method = "richardson"
    f, g = _f(coef), _grad(coef, x)
    assert check_derivative(f, g, x, method=method, seed=seed, rtol=1e-5)
    wrong = g + 0.5 * max(1.0, float(np.max(np.abs(g), initial=0.0)))
    if x.size:
        assert not check_derivative(f, wrong, x, method=method, seed=seed, rtol=1e-5)


# --- only MatderivError escapes ------------------------------------------------------------


def _raise_zero(x: Any) -> Any:
    return 1 / 0


BAD_FUNCTIONS = st.sampled_from(
    [
        None,
        3,
        "x @ x",
        np.ones(2),
        lambda x: "text",
        lambda x: None,
        _raise_zero,
        lambda x: np.linalg.inv(np.zeros((2, 2))),
        lambda x: [x, [1.0]],
        lambda x: np.full(2, np.nan),
        lambda x: x * 1j,
        lambda x: np.ones(int(abs(float(np.sum(x))) * 1e6) % 3),
        lambda x: np.sum(np.linalg.inv(np.reshape(x, (2, 2)))),
        lambda x: np.log(np.sum(x)),
        lambda x: dict[str, float]()["key"],
        lambda x: np.sum(x**2),
    ]
)
BAD_ARRAYS = st.one_of(
    hnp.arrays(
        np.float64,
        st.sampled_from([(), (4,), (2, 2), (2, 3)]),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
    ),
    st.sampled_from(
        [
            [[1.0, 2.0], [3.0]],
            "1.0",
            None,
            np.zeros((2, 2)),
            np.array([[1.0, 2.0], [2.0, 4.0]]),
            np.array([object()]),
            [10**400],
            np.ones((40, 40)),  # a central Hessian needs 5·10⁶ evaluations: refused
            1j,
            True,
        ]
    ),
)
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.complex_numbers(max_magnitude=10),
    st.lists(st.integers(), max_size=3),
)
KEYWORDS: dict[str, st.SearchStrategy[Any]] = {
    "method": st.one_of(st.sampled_from(METHODS), ANYTHING),
    "step": st.one_of(st.floats(1e-8, 1e-2), ANYTHING),
    "max_evals": st.one_of(st.integers(1, 10**4), ANYTHING),
    "max_bytes": st.one_of(st.integers(1, 10**9), ANYTHING),
}
CHECK_KEYWORDS: dict[str, st.SearchStrategy[Any]] = {
    **KEYWORDS,
    "directions": st.one_of(st.integers(-3, 10**8), ANYTHING),
    "rtol": st.one_of(st.floats(0.0, 1.0), ANYTHING),
    "atol": st.one_of(st.floats(0.0, 1.0), ANYTHING),
    "seed": ANYTHING,
    "layout": st.one_of(st.sampled_from(["mixed", "numerator", "denominator"]), ANYTHING),
    "form": st.one_of(st.sampled_from(["array", "linear_map", "vjp"]), ANYTHING),
    "full": ANYTHING,
}
ENTRY_POINTS = ["gradient", "jacobian", "hessian", "jvp", "check_derivative", "assert_derivative"]


@st.composite
def calls(draw: st.DrawFn) -> tuple[str, Any, Any, Any, dict[str, Any]]:
    entry = draw(st.sampled_from(ENTRY_POINTS))
    f = draw(st.one_of(BAD_FUNCTIONS, st.just(lambda x: np.sum(np.sin(x)))))
    x = draw(st.one_of(BAD_ARRAYS, _points((2, 2))))
    extra = draw(st.one_of(BAD_ARRAYS, BAD_FUNCTIONS, st.just(np.ones((2, 2)))))  # dx or df
    table = CHECK_KEYWORDS if entry.endswith("derivative") else KEYWORDS
    names = draw(st.lists(st.sampled_from(sorted(table)), max_size=3, unique=True))
    options = {name: draw(table[name]) for name in names}
    return entry, f, x, extra, options


class Counted:
    """Wrap a callable and count its calls."""

    def __init__(self, f: Any) -> None:
        self.f = f
        self.calls = 0

    def __call__(self, x: Any) -> Any:
        self.calls += 1
        return self.f(x)


def _call(entry: str, f: Any, x: Any, extra: Any, options: dict[str, Any]) -> Any:
    if entry == "gradient":
        return gradient(f, x, **options)
    if entry == "jacobian":
        return jacobian(f, x, **options)
    if entry == "hessian":
        return hessian(f, x, **options)
    if entry == "jvp":
        return jvp(f, x, extra, **options)
    if entry == "check_derivative":
        return check_derivative(f, extra, x, **options)
    return assert_derivative(f, extra, x, **options)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls())
def test_only_matderiv_errors_escape_and_every_call_keeps_its_budget(call: Any) -> None:
    entry, f, x, extra, options = call
    counted = Counted(f) if callable(f) else f
    budget = options.get("max_evals")
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
        budget = limits.MAX_EVALUATIONS
    start = time.perf_counter()
    try:
        result = _call(entry, counted, x, extra, options)
    except MatderivError:
        pass
    else:
        if isinstance(result, np.ndarray):
            assert result.dtype == np.float64
            assert np.all(np.isfinite(result))
    if isinstance(counted, Counted):
        assert counted.calls <= budget
    assert time.perf_counter() - start < 20.0  # small inputs: no call runs long
