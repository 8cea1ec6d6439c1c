"""The numeric API rejects bad arguments before any work, with errors that say what to do.

Every public entry point (gradient, jacobian, hessian, jvp, check_derivative,
assert_derivative, CheckResult) is fed each kind of bad argument; each case
asserts the error class, that the message names the argument and a remedy,
and that ``f`` was never called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from matderiv.errors import (
    ArgumentError,
    MatderivError,
    NumericError,
    ShapeError,
    UnsupportedError,
)
from matderiv.numeric import (
    CheckResult,
    assert_derivative,
    check_derivative,
    gradient,
    hessian,
    jacobian,
    jvp,
    limits,
)


class Counted:
    """A scalar function (sum of squares) that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, x: np.ndarray) -> Any:
        self.calls += 1
        return np.sum(x**2)


X3 = np.array([1.0, -2.0, 0.5])
GOOD_GRAD = 2 * X3

# every entry point, called with one keyword changed; f is the counting function
ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    "gradient": lambda f, x=X3, **kw: gradient(f, x, **kw),
    "jacobian": lambda f, x=X3, **kw: jacobian(f, x, **kw),
    "hessian": lambda f, x=X3, **kw: hessian(f, x, **kw),
    "jvp": lambda f, x=X3, **kw: jvp(f, x, np.ones(3), **kw),
    "check_derivative": lambda f, x=X3, **kw: check_derivative(f, GOOD_GRAD, x, **kw),
    "assert_derivative": lambda f, x=X3, **kw: assert_derivative(f, GOOD_GRAD, x, **kw),
}
COMMON_KEYWORDS = ("step", "max_evals", "max_bytes", "method")
CHECK_ONLY = ("check_derivative", "assert_derivative")


def _rejects(
    entry: str, error: type[Exception], match: str, *, x: Any = X3, **kw: Any
) -> pytest.ExceptionInfo[Exception]:
    f = Counted()
    with pytest.raises(error, match=match) as info:
        ENTRY_POINTS[entry](f, x, **kw)
    assert f.calls == 0, "an argument error must be raised before f is called"
    return info


# --- f and x ---------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("f", [3, None, np.ones(3)], ids=["int", "None", "array"])
def test_a_non_callable_f_is_rejected(entry: str, f: Any) -> None:
    with pytest.raises(ArgumentError, match=r"f must be a function of one array.*lambda x"):
        ENTRY_POINTS[entry](f)


def test_text_as_f_is_never_evaluated_and_the_message_says_so() -> None:
    with pytest.raises(ArgumentError, match=r"got 'x @ x' \(str\).*never evaluates text"):
        gradient("x @ x", X3)  # type: ignore[arg-type]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(
    ("x", "match"),
    [
        ([[1.0, 2.0], [3.0]], r"x is not a rectangular array.*same length"),
        (
            np.array([object(), object()]),
            r"x must be a number or an array of numbers.*dtype object",
        ),
        (["1", "2"], r"x must be a number or an array of numbers.*dtype <U1.*dtype=float"),
        (np.array(["2026-01-01"], dtype="datetime64[D]"), r"dtype datetime64"),
    ],
    ids=["ragged", "object", "strings", "datetime"],
)
def test_a_malformed_point_is_rejected(entry: str, x: Any, match: str) -> None:
    _rejects(entry, ArgumentError, match, x=x)


def test_a_malformed_direction_is_rejected() -> None:
    f = Counted()
    with pytest.raises(ArgumentError, match="dx is not a rectangular array"):
        jvp(f, X3, [[1.0], [1.0, 2.0]])
    with pytest.raises(ShapeError, match=r"dx has shape \(2,\) but x has shape \(3,\)"):
        jvp(f, X3, np.ones(2))
    with pytest.raises(NumericError, match="dx contains NaN"):
        jvp(f, X3, np.array([1.0, np.nan, 0.0]))


# --- step, tolerances, directions, seed, flags, budgets -------------------------------------


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(
    "step",
    [0, -1e-3, float("nan"), float("inf"), "1e-3", True, 1j],
    ids=["zero", "negative", "nan", "inf", "str", "bool", "complex"],
)
def test_a_bad_step_is_rejected(entry: str, step: Any) -> None:
    _rejects(entry, ArgumentError, r"step must be a positive finite number.*step=None", step=step)


def test_a_step_that_would_vanish_in_x_plus_h_is_rejected_except_for_the_complex_step() -> None:
    for method in ("forward", "central", "richardson"):
        with pytest.raises(ArgumentError, match=r"below MIN_STEP.*method='complex'"):
            gradient(Counted(), X3, method=method, step=limits.MIN_STEP / 2)
    got = gradient(lambda x: np.sum(np.sin(x)), X3, method="complex", step=1e-30)
    np.testing.assert_allclose(got, np.cos(X3), rtol=1e-14)
    # the smallest allowed step still gives finite numbers
    assert np.all(np.isfinite(gradient(Counted(), X3, method="central", step=limits.MIN_STEP)))


@pytest.mark.parametrize("entry", CHECK_ONLY)
@pytest.mark.parametrize("name", ["rtol", "atol"])
@pytest.mark.parametrize("value", [-1e-6, float("nan"), float("inf"), "1e-6", False])
def test_a_bad_tolerance_is_rejected(entry: str, name: str, value: Any) -> None:
    _rejects(
        entry, ArgumentError, rf"{name} must be a finite number >= 0.*{name}=1e-6", **{name: value}
    )


def test_a_correct_gradient_passes_with_zero_tolerances() -> None:
    # the round-off floor is still added, so rtol=atol=0 is a valid, strict request
    assert check_derivative(Counted(), GOOD_GRAD, X3, rtol=0.0, atol=0.0)


@pytest.mark.parametrize("entry", CHECK_ONLY)
@pytest.mark.parametrize(
    ("value", "match"),
    [
        (1.5, r"directions must be an integer, got 1\.5 \(float\)"),
        ("3", r"directions must be an integer, got '3' \(str\)"),
        (True, r"directions must be an integer, got True \(bool\)"),
        (-1, r"directions must be between 0 and 1,000, got -1"),
        (10**7, r"directions must be between 0 and 1,000, got 10,000,000.*default 3"),
    ],
)
def test_bad_directions_are_rejected(entry: str, value: Any, match: str) -> None:
    _rejects(entry, ArgumentError, match, directions=value)


def test_the_largest_allowed_number_of_directions_runs() -> None:
    result = check_derivative(
        Counted(), GOOD_GRAD, X3, directions=limits.MAX_DIRECTIONS, method="central"
    )
    assert result
    assert result.directions == limits.MAX_DIRECTIONS


@pytest.mark.parametrize("entry", CHECK_ONLY)
@pytest.mark.parametrize(
    ("value", "match"),
    [
        (-1, r"seed must be at least 0, got -1; pass seed=0"),
        (1.5, r"seed must be an integer, got 1\.5"),
        ("0", r"seed must be an integer, got '0' \(str\)"),
        (None, r"seed must be an integer, got None"),
    ],
)
def test_a_bad_seed_is_rejected(entry: str, value: Any, match: str) -> None:
    _rejects(entry, ArgumentError, match, seed=value)


@pytest.mark.parametrize("entry", CHECK_ONLY)
@pytest.mark.parametrize("value", ["yes", 1, 0.0])
def test_a_bad_full_flag_is_rejected(entry: str, value: Any) -> None:
    _rejects(entry, ArgumentError, r"full must be True, False or None", full=value)


def test_zero_directions_without_the_full_jacobian_compares_nothing() -> None:
    _rejects(
        "check_derivative",
        ArgumentError,
        r"compares nothing.*directions >= 1",
        directions=0,
        full=False,
    )


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("name", ["max_evals", "max_bytes"])
@pytest.mark.parametrize(
    ("value", "match"),
    [
        (0, "must be at least 1, got 0"),
        (-5, "must be at least 1"),
        (1.5, "must be an integer"),
        ("10", "must be an integer"),
    ],
)
def test_a_bad_budget_is_rejected(entry: str, name: str, value: Any, match: str) -> None:
    _rejects(entry, ArgumentError, rf"{name} {match}", **{name: value})


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("method", ["backward", None, 3])
def test_an_unknown_method_names_the_alternatives(entry: str, method: Any) -> None:
    _rejects(
        entry,
        UnsupportedError,
        r"unknown method.*'forward', 'central', 'complex', 'richardson'",
        method=method,
    )


@pytest.mark.parametrize("entry", CHECK_ONLY)
def test_unknown_layout_and_form_name_the_alternatives(entry: str) -> None:
    _rejects(
        entry,
        UnsupportedError,
        r"unknown layout 'row'.*'mixed', 'numerator', 'denominator'",
        layout="row",
    )
    _rejects(
        entry,
        UnsupportedError,
        r"unknown form 'matrix'.*'array', 'linear_map', 'vjp'",
        form="matrix",
    )


def test_assert_derivative_rejects_an_unknown_option_and_lists_the_valid_ones() -> None:
    f = Counted()
    with pytest.raises(ArgumentError, match=r"unknown option 'tol'.*atol, directions.*rtol"):
        assert_derivative(f, GOOD_GRAD, X3, tol=1e-3)
    assert f.calls == 0


# --- claimed derivatives ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "error", "match"),
    [
        ([[1.0], [1.0, 2.0]], ArgumentError, "the claimed derivative df is not a rectangular"),
        (np.array([object()] * 3), ArgumentError, "df must be a number or an array.*object"),
        (["a", "b", "c"], ArgumentError, "df must be a number or an array"),
        (np.ones(3) * 1j, ArgumentError, "df is complex"),
        (
            np.ones((3, 3)),
            ShapeError,
            r"claimed derivative has shape \(3, 3\).*expects shape \(3,\)",
        ),
        (np.ones(()), ShapeError, r"claimed derivative has shape \(\)"),
    ],
    ids=["ragged", "object", "strings", "complex", "too many axes", "too few axes"],
)
def test_a_malformed_claimed_array_is_rejected_before_f_is_called(
    df: Any, error: type[Exception], match: str
) -> None:
    f = Counted()
    with pytest.raises(error, match=match):
        check_derivative(f, df, X3)
    if error is ArgumentError:
        assert f.calls == 0


def test_claimed_callables_that_return_garbage_or_raise() -> None:
    with pytest.raises(NumericError, match=r"df\(x\) returned list that is not an array"):
        check_derivative(Counted(), lambda x: [[1.0], [2.0, 3.0]], X3)
    with pytest.raises(NumericError, match=r"df raised ZeroDivisionError at x"):
        check_derivative(Counted(), lambda x: 1 / 0, X3)
    with pytest.raises(NumericError, match=r"df raised KeyError at a direction"):
        check_derivative(Counted(), lambda dx: dict[str, float]()["k"], X3, form="linear_map")


# --- CheckResult ----------------------------------------------------------------------------


def _result(**changes: Any) -> CheckResult:
    fields: dict[str, Any] = {
        "passed": True,
        "max_abs_err": 0.0,
        "max_rel_err": 0.0,
        "method": "central",
        "n_evals": 3,
        "worst_entry": None,
        "diagnosis": "ok",
    }
    fields.update(changes)
    return CheckResult(**fields)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"passed": "yes"}, "passed must be True or False"),
        ({"max_abs_err": -1.0}, "max_abs_err must be a number >= 0"),
        ({"max_rel_err": "0"}, "max_rel_err must be a number >= 0"),
        ({"method": 3}, "method must name the method"),
        ({"n_evals": -1}, "n_evals must be at least 0"),
        ({"directions": 2.5}, "directions must be an integer"),
        ({"worst_entry": (0, -1)}, "worst_entry must be None or a tuple of indices"),
    ],
)
def test_check_result_validates_its_fields(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        _result(**changes)


def test_check_result_accepts_what_the_checkers_produce() -> None:
    assert _result(max_abs_err=float("nan"), max_rel_err=float("inf"), passed=np.True_)
    assert not _result(passed=False, worst_entry=(1, 2))


# --- every argument error is a MatderivError and a ValueError ---------------------------------


def test_argument_errors_are_matderiv_errors_and_value_errors() -> None:
    with pytest.raises(MatderivError):
        gradient(Counted(), X3, step=-1.0)
    with pytest.raises(ValueError, match="step"):
        gradient(Counted(), X3, step=-1.0)
