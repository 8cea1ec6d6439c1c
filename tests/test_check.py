"""The derivative checker, tested with correct and deliberately wrong derivatives."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matderiv.errors import DerivativeMismatch, NumericError, ShapeError, UnsupportedError
from matderiv.layout import Layout, to_layout
from matderiv.numeric import CheckResult, Method, assert_derivative, check_derivative
from matderiv.numeric._noise import NOISE_POINTS

Array = npt.NDArray[np.float64]
Setting = tuple[Array, Array, Array]  # the fixture `setting`: A, X and x


def _kron_like(left: Array, right: Array) -> Array:
    """Mixed-layout Jacobian of dX -> left @ dX @ right."""
    jacobian: Array = np.einsum("ik,lj->ijkl", left, right)
    return jacobian


# --- passing checks ------------------------------------------------------------------------


def test_correct_gradient_passes_in_every_layout() -> None:
    rng = np.random.default_rng(0)
    A, X = rng.standard_normal((3, 4)), rng.standard_normal((4, 3))
    f = lambda X: np.trace(A @ X)  # noqa: E731
    G = A.T  # mixed: the shape of X
    for layout in Layout:
        given = to_layout(G, (), (4, 3), "mixed", layout)
        result = check_derivative(f, given, X, layout=layout)
        assert result, result.diagnosis
        assert isinstance(result, CheckResult)
        assert result.max_rel_err < 1e-9
    assert check_derivative(f, A, X, layout="numerator").passed


def test_correct_derivative_passes_in_every_form() -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3, 3))
    f = lambda X: X @ X  # noqa: E731
    J = _kron_like(np.eye(3), X) + _kron_like(X, np.eye(3))
    assert check_derivative(f, J, X)
    assert check_derivative(f, lambda dX: X @ dX + dX @ X, X, form="linear_map")
    # pullback of X²: X̄ = Xᵀ Ȳ + Ȳ Xᵀ
    assert check_derivative(f, lambda Y: X.T @ Y + Y @ X.T, X, form="vjp")
    assert check_derivative(f, lambda X: _kron_like(np.eye(3), X) + _kron_like(X, np.eye(3)), X)


@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_every_method_can_check(method: Method) -> None:
    x = np.array([0.3, -1.2, 0.8])
    result = check_derivative(np.exp, np.diag(np.exp(x)), x, method=method, rtol=1e-5)
    assert result.passed, result.diagnosis
    assert result.method == method


def test_directional_test_costs_a_fixed_number_of_evaluations() -> None:
    rng = np.random.default_rng(2)
    for n in (3, 40):
        X = rng.standard_normal((n, n))
        result = check_derivative(lambda X: np.sum(np.sin(X)), np.cos(X), X)
        assert result.passed
        assert result.n_evals == 19  # f(x) + 3 directions × 6 Richardson evaluations
        assert not result.full_jacobian
        assert result.worst_entry is None


def test_full_builds_the_jacobian_on_request() -> None:
    x = np.array([1.0, 2.0])
    result = check_derivative(lambda x: x * x, np.diag(2 * x), x, full=True)
    assert result.passed
    assert result.full_jacobian
    assert result.n_evals == 19 + 2 * 6
    assert result.worst_entry is not None
    assert len(result.worst_entry) == 2


shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)


@settings(max_examples=40, deadline=None)
@given(in_shape=shapes, out_shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_random_smooth_maps_pass_in_every_form_and_fail_when_scaled(
    in_shape: tuple[int, ...], out_shape: tuple[int, ...], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    L = rng.standard_normal(out_shape + in_shape)
    x = rng.standard_normal(in_shape)
    k = len(in_shape)

    def f(y: Array) -> Array:
        return np.tensordot(L, np.sin(y), axes=k)

    J = L * np.cos(x)  # broadcast over the input axes
    assert check_derivative(f, J, x, seed=seed % 1000)
    assert check_derivative(f, lambda dx: np.tensordot(J, dx, axes=k), x, form="linear_map")
    assert check_derivative(
        f, lambda ybar: np.tensordot(ybar, J, axes=len(out_shape)), x, form="vjp"
    )
    assert not check_derivative(f, 1.001 * J, x)


def test_zero_directions_compares_entry_by_entry() -> None:
    x = np.array([0.5, 1.5])
    result = check_derivative(np.exp, np.diag(np.exp(x)), x, directions=0)
    assert result.passed
    assert result.full_jacobian
    assert result.diagnosis == "agrees with richardson differences entry by entry"
    assert not check_derivative(np.exp, np.diag(np.exp(x)).T * 0.5, x, directions=0)


def test_no_false_alarm_when_the_function_scale_differs_from_x() -> None:
    rng = np.random.default_rng(9)
    X = 500.0 * rng.standard_normal((3, 3))  # sin varies on a scale of 1, not 500
    assert check_derivative(lambda X: np.sum(np.sin(X)), np.cos(X), X)
    B = 0.01 * rng.standard_normal((3, 3))  # log det near a singular matrix
    M = B @ B.T + 1e-4 * np.eye(3)
    assert check_derivative(lambda M: np.log(np.linalg.det(M)), np.linalg.inv(M).T, M)
    x = 1e6 * rng.standard_normal(3)  # and a large scale where relative steps are needed
    assert check_derivative(lambda x: np.sum(x**3), 3 * x**2, x)


def test_a_failure_with_a_huge_jacobian_is_explained_from_the_directions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import matderiv.numeric.check as check_module

    monkeypatch.setattr(check_module, "MAX_FULL_ENTRIES", 10)
    X = np.random.default_rng(4).standard_normal((4, 4))
    result = check_derivative(lambda X: np.sum(np.sin(X)), -np.cos(X), X)
    assert not result
    assert not result.full_jacobian
    # f(x) and 6 Richardson evaluations per direction; then, before failing, f's noise is
    # measured (a sum of 16 sines rounds more than ε·|f|) and the directions are run again
    assert result.n_evals == 1 + 3 * 6 + (NOISE_POINTS - 1) + 3 * 6
    assert result.diagnosis.startswith("sign flipped")
    assert "pass full=True" in result.diagnosis
    other = check_derivative(lambda X: np.sum(np.sin(X)), np.sin(X), X)
    assert "disagrees with finite differences along random directions" in other.diagnosis
    assert check_derivative(lambda X: np.sum(np.sin(X)), np.sin(X), X, full=True).full_jacobian


def test_derivative_that_is_zero_passes() -> None:
    assert check_derivative(lambda x: np.sum(x) * 0.0 + 3.0, np.zeros(4), np.ones(4))


def test_int_point_and_callable_array_form() -> None:
    assert check_derivative(lambda x: x @ x, lambda x: 2 * x, [1, 2, 3])


# --- diagnoses of the classic mistakes -----------------------------------------------------


def _diagnosis(f: Callable[[Array], Array], df: object, x: Array, **options: object) -> str:
    result = check_derivative(f, df, x, **options)  # type: ignore[arg-type]
    assert not result.passed
    assert result.full_jacobian
    assert result.worst_entry is not None
    return result.diagnosis


@pytest.fixture
def setting() -> Setting:
    rng = np.random.default_rng(3)
    return rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)


def test_diagnoses_a_transposed_gradient_as_a_layout_mix_up(setting: Setting) -> None:
    A, X, _ = setting
    text = _diagnosis(lambda X: np.trace(A @ X), A, X)
    assert "transposed" in text
    assert "numerator layout" in text


def test_diagnoses_a_transposed_jacobian_given_as_a_pullback(setting: Setting) -> None:
    A, _, x = setting
    text = _diagnosis(lambda x: A @ x, lambda v: A @ v, x, form="vjp")
    assert text.startswith("transposed: the claimed Jacobian is Jᵀ")


def test_diagnoses_a_transposed_derivative_over_the_input_axes(setting: Setting) -> None:
    A, X, _ = setting
    # d(AX) in mixed layout with each ∂F_ij/∂X transposed
    true = _kron_like(A, np.eye(3))
    text = _diagnosis(lambda X: A @ X, true.swapaxes(2, 3), X)
    assert text.startswith("transposed over the input axes")


def test_diagnoses_sign_factor_two_and_small_factors(setting: Setting) -> None:
    A, _, x = setting
    f = lambda x: x @ A @ x  # noqa: E731
    g = (A + A.T) @ x
    assert _diagnosis(f, -g, x).startswith("sign flipped")
    assert "factor of 2" in _diagnosis(f, 2 * g, x)
    assert "did you assume symmetry" in _diagnosis(f, 2 * g, x)
    assert "factor of 1/2" in _diagnosis(f, g / 2, x)
    assert "claimed ≈ 1.01 × true" in _diagnosis(f, 1.01 * g, x)


def test_diagnoses_only_the_symmetric_part(setting: Setting) -> None:
    A, X, _ = setting
    f = lambda X: np.trace(A @ X)  # noqa: E731
    assert _diagnosis(f, (A + A.T) / 2, X).startswith("only the symmetric part")
    assert "Matrix Cookbook" in _diagnosis(f, A + A.T - A * np.eye(3), X)


def test_diagnoses_one_missing_term_and_merged_terms(setting: Setting) -> None:
    _, X, _ = setting
    f = lambda X: X @ X  # noqa: E731
    assert _diagnosis(f, lambda dX: X @ dX, X, form="linear_map").startswith("one term missing")
    merged = _diagnosis(f, lambda dX: 2 * X @ dX, X, form="linear_map")
    assert "not 2X dX" in merged


def test_diagnosis_names_the_worst_entries_otherwise(setting: Setting) -> None:
    _, X, _ = setting
    inv = np.linalg.inv
    wrong = lambda dX: -inv(X) @ inv(X) @ dX  # noqa: E731  (d(X⁻¹) is not −X⁻² dX)
    result = check_derivative(inv, wrong, X, form="linear_map")
    assert not result
    assert "Largest differences: ∂f[" in result.diagnosis
    assert result.worst_entry is not None
    i, j, k, m = result.worst_entry
    true = -inv(X)[i, k] * inv(X)[m, j]
    assert result.expected == pytest.approx(true, rel=1e-8)


def test_assert_derivative_raises_with_the_diagnosis(setting: Setting) -> None:
    A, _, x = setting
    with pytest.raises(DerivativeMismatch, match=r"sign flipped.*Worst entry ∂f/∂x"):
        assert_derivative(lambda x: x @ A @ x, -(A + A.T) @ x, x)
    with pytest.raises(AssertionError):  # DerivativeMismatch is an AssertionError
        assert_derivative(lambda x: x @ A @ x, A @ x, x)
    assert assert_derivative(lambda x: x @ A @ x, (A + A.T) @ x, x).passed


# --- bad input -----------------------------------------------------------------------------


def test_a_shape_that_does_not_match_the_declared_layout(setting: Setting) -> None:
    _, _, x = setting
    with pytest.raises(ShapeError, match=r"shape \(3,\).*numerator layout expects shape \(1, 3\)"):
        check_derivative(lambda x: x @ x, 2 * x, x, layout=Layout.NUMERATOR)
    with pytest.raises(ShapeError, match=r"shape of the numerator layout"):
        check_derivative(lambda x: x @ x, (2 * x).reshape(1, 3), x)
    with pytest.raises(ShapeError, match=r"shape of vec_jacobian"):
        check_derivative(lambda X: X @ X, np.eye(9), np.eye(3))
    with pytest.raises(ShapeError, match=r"matrix-by-matrix.*vec_jacobian"):
        check_derivative(lambda X: X @ X, np.eye(9), np.eye(3), layout="denominator")


def test_bad_claimed_derivatives(setting: Setting) -> None:
    _, X, _ = setting
    with pytest.raises(NumericError, match=r"NaN at index \(0, 0\)"):
        check_derivative(lambda X: np.sum(X), np.full((3, 3), np.nan), X)
    with pytest.raises(ShapeError, match=r"df\(dx\) returned shape \(3,\), expected \(3, 3\)"):
        check_derivative(lambda X: X @ X, lambda dX: dX[0], X, form="linear_map")
    with pytest.raises(UnsupportedError, match="form='array' only"):
        check_derivative(lambda X: X @ X, lambda dX: dX, X, form="vjp", layout="numerator")
    with pytest.raises(UnsupportedError, match="needs a callable df"):
        check_derivative(lambda X: X @ X, np.eye(9), X, form="linear_map")
    with pytest.raises(UnsupportedError, match="unknown form"):
        check_derivative(np.sum, np.ones(3), np.ones(3), form="matrix")  # type: ignore[arg-type]


def test_bad_function_or_point_in_the_checker() -> None:
    with pytest.raises(NumericError, match=r"x contains NaN"):
        check_derivative(np.sum, np.ones(2), np.array([np.nan, 1.0]))
    with pytest.raises(NumericError, match=r"f\(x\) contains inf"):
        check_derivative(lambda x: np.log(x[0]), np.ones(2), np.array([0.0, 1.0]))
    with pytest.raises(NumericError, match="not complex-step safe"):
        check_derivative(np.abs, np.diag([1.0, -1.0]), np.array([1.0, -2.0]), method="complex")


def test_no_false_alarm_when_f_vanishes_at_x_but_not_nearby() -> None:
    # found by the property test: f(0) = c ≈ 1e-179, f(±h) ≈ h²; the round-off of the
    # quotient is set by |f(x ± h)|, not by |f(x)| (which made the floor 1e-190)
    c = 8.579130045596286e-180

    def f(x: Array) -> float:
        value: float = np.sum(x**2) + c * np.sum(np.exp(x / 2))
        return value

    assert check_derivative(f, np.float64(c / 2), np.array(0.0), rtol=1e-5)
    assert not check_derivative(f, np.float64(0.5), np.array(0.0), rtol=1e-5)
